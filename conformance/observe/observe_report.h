// observe_report.h — the reports of `observe`, in the runner's formats (docs/conformance.md):
// console lines and summary, JSON, JUnit XML (conformance/schema/junit.xsd) and one
// self-contained HTML file. The client's and the server's findings are kept apart and counted
// per clause.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/observe/finding.h"

namespace unm::conformance::observe {

// ObserveMeta describes the observation for report headers.
struct ObserveMeta {
  std::string listen;    // "127.0.0.1:8080"
  std::string upstream;  // the --upstream URL
  std::string command;
  std::string stop_reason;  // "duration", "signal SIGINT", …
  std::chrono::system_clock::time_point started;
  std::chrono::milliseconds duration{0};
};

// FailOn chooses which findings make the exit status 1 (only severity `fail` counts).
enum class FailOn { client, server, any, none };
std::optional<FailOn> parse_fail_on(std::string_view s);

// exit_status is 1 when a finding of severity fail on a side selected by `f` exists, else 0.
int exit_status(const std::vector<Finding>& findings, FailOn f);

// console_line is the live line of one finding.
std::string console_line(const Finding& f);
// console_progress is the periodic one-line status.
std::string console_progress(const std::vector<Finding>& findings, const Stats& stats);
// console_summary: totals, then per side the clauses with findings and their counts.
std::string console_summary(const std::vector<Finding>& findings, const Stats& stats,
                            const ObserveMeta& meta);

std::string report_json(const std::vector<Finding>& findings, const Stats& stats,
                        const ObserveMeta& meta);
// report_junit: one testsuite per side, one testcase per clause checked on that side; a failure
// when the clause was violated (severity fail), the findings in system-out.
std::string report_junit(const std::vector<Finding>& findings, const Stats& stats,
                         const ObserveMeta& meta);
std::string report_html(const std::vector<Finding>& findings, const Stats& stats,
                        const ObserveMeta& meta);

}  // namespace unm::conformance::observe
