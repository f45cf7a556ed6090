// explorer.h — `unmanageable-conformance explore` (docs/explore.md): random valid multi-user
// conversations run against a target server and, step by step, against the in-process
// reference core; the first divergence of a sequence is shrunk to a minimal sequence that still
// diverges and written as an ordinary scenario file.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conformance/explore/generator.h"
#include "conformance/explore/side.h"
#include "conformance/explore/trace.h"
#include "conformance/src/expectations.h"

namespace unm::conformance::explore {

// ExploreOptions — the knobs of one exploration (flags of the `explore` command).
struct ExploreOptions {
  int users = 4;                 // users per sequence
  int steps = 50;                // operations per sequence
  std::optional<int> sequences;  // stop after this many sequences (default: the duration)
  std::chrono::milliseconds duration{30'000};  // overall budget for exploring (not shrinking)
  std::uint64_t seed = 1;
  std::chrono::milliseconds timeout{5'000};          // an ack
  std::chrono::milliseconds note_wait{2'000};        // expected notifications of a step
  std::chrono::milliseconds settle{100};             // quiet window at the end of a sequence
  std::chrono::milliseconds timer_slack{1'000};      // EV-MSG-012: a timer may be 1 s late
  std::chrono::milliseconds shrink_budget{120'000};  // time allowed for shrinking one finding
  int shrink_runs = 300;  // at most this many replays to shrink one finding
  int max_findings = 1;   // stop after this many new divergences
  OracleOptions oracle;   // x3dh delay of the target, faults (in-process self-tests)
  GeneratorOptions generator;
  const Expectations* expectations = nullptr;  // known deviations of the target
  // strict_of tells whether a divergence citing these clauses is a `fail` (not all Open).
  std::function<bool(const std::vector<std::string>&)> strict_of;
};

// Finding — one divergence, shrunk.
struct Finding {
  Divergence divergence;                // as first seen
  std::vector<Op> sequence;             // as first seen (up to the divergence)
  std::vector<Op> shrunk;               // the minimal sequence that still diverges
  std::vector<StepTrace> shrunk_trace;  // its run (oracle = truth), for the scenario writer
  Divergence shrunk_divergence;
  int users = 0;  // users the shrunk sequence uses
  int shrink_runs = 0;
  double shrink_seconds = 0;
  bool known = false;  // matched the expectations file
  std::string known_reason;
};

// Stats — what the exploration did.
struct Stats {
  int sequences = 0;
  long long steps = 0, timer_steps = 0, exchanges = 0, notes = 0;
  double explore_seconds = 0, shrink_seconds = 0;
  std::map<std::string, long long> coverage;  // "event|state" → times reached
  std::map<std::string, long long> known;     // signature → times met
};

// Result of explore().
struct ExploreResult {
  Stats stats;
  std::vector<Finding> findings;  // new ones (unknown) and known ones met
  std::string harness_error;      // the target could not be reached: exit 2
};

// Progress is told after every step (live console progress).
using ProgressFn = std::function<void(const Stats&, std::size_t findings, bool shrinking)>;

// SideFactory makes a fresh target side (the network side, or an in-process one in tests).
using SideFactory = std::function<std::unique_ptr<Side>()>;

// explore runs the exploration (see file comment).
ExploreResult explore(const ExploreOptions& o, const SideFactory& target,
                      const ProgressFn& progress = {});

// SequenceRun is one sequence played on a fresh oracle and the target.
struct SequenceRun {
  std::vector<StepTrace> steps;
  std::vector<Op> played;  // the operations actually run (applicable ones)
  std::optional<Divergence> divergence;
  std::string harness_error;
};

// Tolerate tells whether a divergence may be passed over (a known one).
using Tolerate = std::function<bool(const Divergence&)>;

// play runs `ops` (replay: inapplicable ones skipped) or, when `gen` is given, `o.steps`
// generated operations; stops at the first divergence. `tag` makes the usernames unique.
SequenceRun play(const ExploreOptions& o, Side& target, const std::vector<Op>* ops, Generator* gen,
                 const std::string& tag, Stats* stats, const Tolerate& tolerate = {});

}  // namespace unm::conformance::explore
