// engine.h — runs one case: actors as EventChannels, steps, client crypto, transcripts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "conformance/src/outcome.h"
#include "conformance/src/scenario.h"
#include "conformance/src/severity.h"
#include "reference/transport/event_channel.h"

namespace unm::conformance {

// Connector opens a channel; the real one is transport::connect_channel, tests pass fakes.
using Connector =
    std::function<Expected<std::unique_ptr<transport::EventChannel>, transport::ChannelFailure>(
        std::string_view url, const transport::ChannelOptions& opts)>;

// EngineOptions are the run-wide settings a case needs.
struct EngineOptions {
  std::string target;
  bool verify_tls = true;
  std::string ca_file;
  double timeout_factor = 1.0;
  std::uint64_t seed = 0;
  std::string run_id;                      // makes usernames unique per run
  std::set<std::string> missing_features;  // cases requiring one are skipped
  Connector connector;                     // transport::connect_channel in the tool; fakes in tests
  // The clause catalogue: a violation's severity follows the clauses its step cites (severity.h).
  // Null: each step's basis alone.
  std::shared_ptr<const ClauseIndex> clauses;
};

// Case is one runnable case: a scenario, or one vector test of a data-driven scenario.
struct Case {
  const Scenario* scenario = nullptr;
  std::string id;                   // scenario id, or "<scenario id>/<vector id>"
  std::size_t ordinal = 0;          // position in the run (part of the usernames)
  std::shared_ptr<JsonDoc> vector;  // the vector test object, if any
  std::string vector_comment;
  bool vector_edge_case = false;  // invalid test carrying an edge-case flag (vectors.md)
  std::string skip_reason;        // non-empty: the case cannot run (e.g. vector file missing)
};

// expand_cases turns scenarios into cases, reading vector files from `vectors_dir` for
// data-driven scenarios. A missing vector file is an error naming it.
Expected<std::vector<Case>, std::string> expand_cases(const std::vector<Scenario>& scenarios,
                                                      const std::string& vectors_dir);

// is_edge_case_flag reports whether `flag` is one of vectors.md's edge-case flags.
bool is_edge_case_flag(std::string_view flag);

// run_case executes `c` and returns the raw verdict with its transcript.
CaseRun run_case(const Case& c, const EngineOptions& opts);

}  // namespace unm::conformance
