// runner.h — selecting cases (id glob, tag, clause), running them on N threads, classifying
// outcomes; shared by `run`, `list` and `diff`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conformance/src/engine.h"
#include "conformance/src/expectations.h"
#include "conformance/src/outcome.h"

namespace unm::conformance {

// Filter selects cases. Empty lists select everything; a case must match one pattern of each
// non-empty list. Tags in `exclude_tags` remove cases (`slow` unless --slow is given).
struct Filter {
  std::vector<std::string> id_globs;
  std::vector<std::string> tags;
  std::vector<std::string> exclude_tags;
  std::vector<std::string> clause_globs;
};

// selected reports whether `c` passes `f`.
bool selected(const Case& c, const Filter& f);

// RunConfig is everything a run needs besides the cases.
struct RunConfig {
  EngineOptions engine;
  ClassifyOptions classify;
  int jobs = 1;
  std::optional<Expectations> expectations;
  std::string rerun_prefix;  // command line that reruns with the same settings, minus filters
};

// Progress is told about every finished case (from the worker threads, serialised).
using Progress = std::function<void(const CaseResult&, std::size_t done, std::size_t total)>;

// run_cases runs `cases` with `cfg.jobs` workers and returns results in case order.
std::vector<CaseResult> run_cases(const std::vector<Case>& cases, const RunConfig& cfg,
                                  const Progress& progress);

// rerun_command is `prefix` plus `--slow` when the case is tagged slow, plus `--case <id>`.
std::string rerun_command(const std::string& prefix, const Case& c);
// format_factor prints a timeout factor plainly (`3`, `1.5`), as a command line would give it.
std::string format_factor(double f);
// shell_quote quotes `s` for a POSIX shell when it needs it.
std::string shell_quote(const std::string& s);

// make_run_id returns 8 random lowercase hex characters (fresh usernames for every run).
std::string make_run_id();

}  // namespace unm::conformance
