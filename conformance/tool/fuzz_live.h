// fuzz_live.h — the live fuzzer's network loop over a Connector (transport::connect_channel in
// the tool, fakes in tests): parallel sessions, the short probe after a missing ack, crash and
// hang detection, deduplication into a Registry, minimisation of new findings by replay, and
// the reproducer files. fuzz_command.cc parses the flags and prints; docs/fuzzing.md.
#pragma once

#include <cstdio>
#include <functional>

#include "conformance/src/engine.h"
#include "conformance/tool/fuzz_command_core.h"
#include "conformance/tool/fuzz_findings.h"

namespace unm::conformance::tool::livefuzz {

// Outcome of a fuzzing run.
struct RunResult {
  Stats stats;
  int exit = 0;  // exit_code(), or 2 when the target could not be reached at all
};

// run_live_fuzz fuzzes o.target through `connect` until o.duration is over (or the target
// crashes or hangs), minimises the new findings, writes o.out_dir/scenarios/<signature>.json and
// o.summary, and prints progress and the summary to `out`.
RunResult run_live_fuzz(const Options& o, const Connector& connect, Registry& registry,
                        std::FILE* out);

}  // namespace unm::conformance::tool::livefuzz
