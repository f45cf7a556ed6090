// run_result.h — what one generator run measured, the /proc samples it takes, and its JSON form.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bench/echo/latency_histogram.h"
#include "bench/echo/load_options.h"
#include "reference/common/expected.h"

namespace unm::bench {

// ProcessSample — a process's cumulative CPU time (user + system), resident memory and thread
// count, read from /proc.
struct ProcessSample {
  double cpu_seconds = 0;
  std::uint64_t rss_kib = 0;
  std::uint32_t threads = 0;
};

// parse_proc_sample reads the text of /proc/PID/stat and /proc/PID/status. `ticks_per_second` is
// sysconf(_SC_CLK_TCK). The command name in stat may contain spaces and parentheses, so fields are
// counted after its last ')'. Errors name the missing or malformed field.
Expected<ProcessSample, std::string> parse_proc_sample(std::string_view stat,
                                                       std::string_view status,
                                                       long ticks_per_second);

// sample_process reads /proc/PID/{stat,status}; an error when the process does not exist.
Expected<ProcessSample, std::string> sample_process(int pid);

// self_cpu_seconds returns the calling process's CPU time (all threads, user + system).
double self_cpu_seconds();

// load_average returns the 1, 5 and 15 minute load averages (zeros if unavailable).
std::array<double, 3> load_average();

// RunResult — one run. Counters cover the measured window:
//  - closed loop: `sent` = emits sent in the window, `acked` = acks received in the window with
//    the expected arguments, latency = ack time − send time of those;
//  - open loop: `scheduled` = emits whose scheduled time is in the window, `sent` = those actually
//    sent, `skipped` = those not sent because the connection had max_outstanding emits unanswered,
//    `acked` = those answered (possibly after the window, before the drain timeout), latency = ack
//    time − scheduled time.
// `mismatched` acks carried other arguments than the emit; `unexpected` acks had an unknown id;
// `lost` emits (any phase) were never answered by the end of the drain; `disconnects` connections
// ended early; `protocol_errors` counts malformed frames from the server.
struct RunResult {
  LoadOptions options;
  std::uint64_t scheduled = 0;
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t skipped = 0;
  std::uint64_t mismatched = 0;
  std::uint64_t unexpected = 0;
  std::uint64_t lost = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t protocol_errors = 0;
  double window_seconds = 0;                   // length of the measured window
  double connect_seconds = 0;                  // time until every connection had its CONNECT answer
  LatencyHistogram latency_ns;                 // round-trip latencies of the acked emits
  double generator_cpu_seconds = 0;            // generator process CPU time during the window
  std::optional<ProcessSample> server_before;  // at the window's start (with --server-pid)
  std::optional<ProcessSample> server_after;   // at the window's end
  std::array<double, 3> load_before{};
  std::array<double, 3> load_after{};

  // error_count is the sum of every failure counter (0 for a clean run).
  std::uint64_t error_count() const {
    return mismatched + unexpected + lost + disconnects + protocol_errors;
  }
};

// to_json returns the run as one JSON object (schema in docs/benchmarks.md, "Transport echo"):
// label, mode, target, config, counts, throughput_per_s, latency_us {min, p50, p90, p99, p999,
// max, mean}, errors, generator {cpu_s, cpu_percent, threads}, server {pid, cpu_s, cpu_percent,
// threads, rss_kib} or null, load_average {before, after}.
std::string to_json(const RunResult& r);

}  // namespace unm::bench
