// report.h — the results of a load run and their JSON form (docs/benchmarks.md documents every
// field). Pure: no clocks or sockets, so the JSON shape is unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/load/stats.h"

namespace unm::load {

// ScenarioReport is what one scenario measured.
struct ScenarioReport {
  std::string name;
  bool ok = true;       // false when setup or the run failed (see `failure`)
  std::string failure;  // why, when !ok
  // params echo the configuration this scenario ran with (members, connections, ...).
  std::vector<std::pair<std::string, double>> params;
  // metrics are the measured figures (requests, rates, seconds, ...), named with their unit.
  std::vector<std::pair<std::string, double>> metrics;
  // latencies are named latency summaries ("ack", "delivery_from_ack", ...).
  std::vector<std::pair<std::string, LatencySummary>> latencies;
  std::uint64_t ok_requests = 0;   // successful timed requests (acks, logins)
  ErrorTally errors;               // failed timed requests by reason
  std::vector<std::string> notes;  // what was pre-computed, how a figure is defined, ...

  double metric(const std::string& key, double fallback = 0) const;
};

// RunReport is one invocation of the tool.
struct RunReport {
  std::string tool_version;
  std::string target;
  std::string started_utc;      // ISO 8601
  std::string user_prefix;      // the random prefix of every username this run registered
  double load_average_1m = -1;  // of the client machine at the start, -1 when unknown
  unsigned hardware_threads = 0;
  std::vector<std::pair<std::string, double>> options;
  std::vector<ScenarioReport> scenarios;
  int exit_code = 0;
};

// to_json renders `r` as pretty-printed JSON text (latencies in milliseconds, see docs).
std::string to_json(const RunReport& r);

// human_summary is the short stderr summary: one line per scenario.
std::string human_summary(const RunReport& r);

}  // namespace unm::load
