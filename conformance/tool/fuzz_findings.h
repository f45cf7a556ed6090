// fuzz_findings.h — what the live fuzzer found, deduplicated: one record per signature (event,
// mutation class, problem) with a count, the first and the smallest occurrence and the
// minimised reproducer; known deviations from an expectations file marked expected; the
// coverage of events × mutation classes; the run's counters; and the summary as JSON and text.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conformance/src/expectations.h"
#include "conformance/tool/fuzz_command_core.h"

namespace unm::conformance::tool::livefuzz {

// Severity tells a crash or hang of the target apart from a protocol deviation.
enum class Severity {
  deviation,  // the target answered, but not as the protocol requires
  hang,       // the target accepts connections but answers nothing, not even a fresh probe
  crash,      // the target refuses new connections
};
std::string_view severity_name(Severity s);

// Signature identifies a kind of finding.
struct Signature {
  std::string event;           // the event (or "raw", "unknown-event" for made-up names)
  std::string mutation_class;  // mutation_classes()
  std::string problem;         // "no-ack", "accepted-invalid", "malformed-ack", ...
  // id is "fuzz.<event>.<class>.<problem>": the scenario id of the reproducer and the key
  // matched against expectations-file globs.
  std::string id() const;
  auto operator<=>(const Signature&) const = default;
};

// signature_of returns the signature of a finding with `problem`.
Signature signature_of(const Finding& f, std::string_view problem);

// Severity of a problem code.
Severity severity_of(std::string_view problem);

// Record is one signature's findings.
struct Record {
  Signature sig;
  Severity severity = Severity::deviation;
  std::size_t count = 0;
  Finding first;
  Finding smallest;
  std::optional<Finding> minimized;  // set after minimisation
  std::size_t replays = 0;           // replays spent minimising
  bool expected = false;             // the expectations file lists it
  std::string expected_reason;
  std::string scenario_file;  // the reproducer written, relative to the output folder
};

// Stats are the run's counters.
struct Stats {
  std::size_t sessions = 0, requests = 0, probes = 0, short_probes = 0, raw_packets = 0,
              disconnects = 0, replays = 0;
  std::chrono::milliseconds elapsed{0};
  std::string target_state = "alive";  // alive, crashed, hung
};

// Registry collects findings from all sessions (thread-safe).
class Registry {
 public:
  explicit Registry(std::optional<Expectations> expectations = std::nullopt);
  // add records one occurrence; returns true when the signature is new.
  bool add(const Signature& sig, const Finding& f);
  // covered counts one request of `event` with `mutation_class` (coverage matrix).
  void covered(const std::string& event, const std::string& mutation_class);
  // is_expected reports whether the expectations file lists `sig`.
  bool is_expected(const Signature& sig) const;
  void set_minimized(const Signature& sig, Finding f, std::size_t replays);
  void set_scenario_file(const Signature& sig, std::string file);
  std::vector<Record> records() const;  // new findings first, then by severity and count
  std::map<std::string, std::map<std::string, std::size_t>> coverage() const;

 private:
  mutable std::mutex mu_;
  std::optional<Expectations> expectations_;
  std::map<Signature, Record> records_;
  std::map<std::string, std::map<std::string, std::size_t>> coverage_;
};

// summary_json is the machine-readable summary; summary_text the console's.
std::string summary_json(const Registry& reg, const Stats& stats, const Options& o);
std::string summary_text(const Registry& reg, const Stats& stats, const Options& o);

// exit_code: 3 when the target crashed or hung, 1 when there are new (unexpected) findings,
// else 0.
int exit_code(const Registry& reg, const Stats& stats);

}  // namespace unm::conformance::tool::livefuzz
