// explore_report.h — the reports of `explore` (docs/explore.md, "Reports"): a JSON summary for
// CI (statistics, coverage of events × states, findings with their shrunk sequences), the
// runner's HTML report (one case per finding, with the shrunk sequence as its transcript), and
// the console summary.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "conformance/explore/explorer.h"
#include "conformance/src/outcome.h"

namespace unm::conformance::explore {

// ReportInfo is what the reports say about the run besides the result.
struct ReportInfo {
  std::string target;
  std::string command;
  std::string version;
  std::string expectations;  // implementation named by the expectations file, if any
  std::uint64_t seed = 0;
  int users = 0;
  int steps = 0;
  // scenario_files[i]: where finding i was written (empty when it was not).
  std::vector<std::string> scenario_files;
  // rerun[i]: the command that replays finding i's scenario.
  std::vector<std::string> rerun;
};

// steps_per_second is the exploration rate (operations and timer steps, shrinking excluded).
double steps_per_second(const Stats& s);

// explore_json renders the JSON summary.
std::string explore_json(const ExploreResult& r, const ReportInfo& info);

// explore_cases turns the findings into the runner's case results (for render_html_report):
// new strict findings are `fail`, new Open ones `non-strict`, known ones `expected-fail`; with
// no finding, one passing case tells what was explored.
std::vector<CaseResult> explore_cases(const ExploreResult& r, const ReportInfo& info);

// print_summary writes the console summary.
void print_summary(std::FILE* out, const ExploreResult& r, const ReportInfo& info);

}  // namespace unm::conformance::explore
