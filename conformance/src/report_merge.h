// report_merge.h — one report from several runs: read the JSON reports that `run --json` wrote
// (report_json) back into ReportRuns, and write their combined JUnit XML. The HTML of several
// runs is render_html_report (html_report.h): the matrix of cases × implementations with per-case
// agreement.
#pragma once

#include <string>
#include <vector>

#include "conformance/src/html_report.h"
#include "reference/common/expected.h"

namespace unm::conformance {

// parse_run_json reads one JSON report; `name` names its column (empty: the expectations file's
// implementation, else the target). Errors name the offending field.
Expected<ReportRun, std::string> parse_run_json(std::string_view text, std::string name);

// unique_run_names makes the names distinct ("x", "x (2)") so columns can be told apart.
void unique_run_names(std::vector<ReportRun>& runs);

// merged_junit is JUnit XML with one testsuite per run, named after the run (junit.xsd).
std::string merged_junit(const std::vector<ReportRun>& runs);

// parse_time reads format_time's ISO-8601 UTC form back.
Expected<std::chrono::system_clock::time_point, std::string> parse_time(std::string_view text);

}  // namespace unm::conformance
