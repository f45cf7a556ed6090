// report.h — reporters: console summary table, JSON, JUnit XML, single-file HTML.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conformance/src/outcome.h"

namespace unm::conformance {

// RunMeta describes the run for report headers.
struct RunMeta {
  std::string target;
  std::string profile = "document";
  bool strict = false;
  std::uint64_t seed = 0;
  std::string run_id;
  std::string expectations;     // implementation named by the expectations file, if any
  std::string command;          // the command line
  std::string harness_version;  // unmanageable-conformance's version and commit (version.h)
  std::chrono::system_clock::time_point started;
  std::chrono::milliseconds duration{0};
};

// Tally counts outcomes.
std::map<Outcome, std::size_t> tally(const std::vector<CaseResult>& results);

// exit_status is 0 when nothing is bad, 1 on fail/unexpected-pass, 2 on harness errors.
int exit_status(const std::vector<CaseResult>& results);

// console_line is the live progress line of one finished case.
std::string console_line(const CaseResult& r, std::size_t done, std::size_t total);
// console_summary is the summary table plus one rerun command per failed case.
std::string console_summary(const std::vector<CaseResult>& results, const RunMeta& meta);

// report_json: every case with id, clauses, basis, outcome, reason, duration (and the transcript
// of cases that did not pass).
std::string report_json(const std::vector<CaseResult>& results, const RunMeta& meta);
// report_junit: JUnit XML (testsuites/testsuite/testcase with failure/skipped/error).
std::string report_junit(const std::vector<CaseResult>& results, const RunMeta& meta);
// report_html: one self-contained HTML file (no external resources): summary and matrix first,
// the cases that need attention before the rest, each expanding to its transcript (the layout is
// html_report.h's; several runs side by side are render_html_report's).
std::string report_html(const std::vector<CaseResult>& results, const RunMeta& meta);

// xml_escape / html_escape escape text for XML attributes and content.
std::string xml_escape(std::string_view s);

// format_time renders a time point as ISO-8601 UTC with milliseconds.
std::string format_time(std::chrono::system_clock::time_point t);

}  // namespace unm::conformance
