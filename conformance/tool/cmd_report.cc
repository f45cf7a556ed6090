// cmd_report.cc — `report`: one HTML (and JUnit) report from the JSON reports of several runs,
// e.g. the reference server, the deployed server and a third party's: the matrix of cases ×
// implementations with per-case agreement and each run's transcripts (docs/conformance.md).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "conformance/src/report_merge.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"
#include "reference/common/command_line.h"

namespace unm::conformance::tool {

namespace {

constexpr const char* kProgram = "unmanageable-conformance report";

}  // namespace

int report_command(std::span<const std::string> args) {
  std::string html, junit;
  std::vector<std::pair<std::string, std::string>> inputs;  // name, path
  cli::Parser p(
      kProgram,
      "unmanageable-conformance report --html OUT [--junit OUT] [NAME=]A.json "
      "[NAME=]B.json ...",
      "Builds one report from the JSON reports of several runs (`run --json F`): a matrix "
      "of\ncases x implementations coloured by outcome, per-case agreement, and every "
      "run's\ntranscripts. NAME= names a run's column (default: the implementation of "
      "its\nexpectations file, else its target).");
  p.option("--html", "OUT", "write the HTML report", html)
      .option("--junit", "OUT", "write JUnit XML with one testsuite per run", junit)
      .positionals("[NAME=]FILE", "a run's JSON report",
                   [&inputs](std::string_view v) -> std::optional<std::string> {
                     // NAME=path, unless the whole argument is an existing file.
                     const std::string a(v);
                     const auto eq = a.find('=');
                     if (eq != std::string::npos && !std::ifstream(a)) {
                       inputs.emplace_back(a.substr(0, eq), a.substr(eq + 1));
                     } else {
                       inputs.emplace_back("", a);
                     }
                     return std::nullopt;
                   })
      .epilogue(
          "exit status: 0 the runs agree on every case, 1 they differ, 2 usage or file error");
  if (auto rc = cli::finish(p, p.parse(args), std::cout, std::cerr)) return *rc;
  if (inputs.empty() || (html.empty() && junit.empty())) {
    std::fprintf(
        stderr, "%s\n",
        cli::usage_line(kProgram, "give --html OUT (or --junit OUT) and at least one JSON report")
            .c_str());
    return cli::kExitUsage;
  }
  std::vector<ReportRun> runs;
  for (const auto& [name, path] : inputs) {
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "unmanageable-conformance report: cannot read %s\n", path.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto run = parse_run_json(text.str(), name);
    if (!run) {
      std::fprintf(stderr, "unmanageable-conformance report: %s: %s\n", path.c_str(),
                   run.error().c_str());
      return 2;
    }
    runs.push_back(std::move(*run));
  }
  unique_run_names(runs);
  if (!html.empty()) {
    if (auto r = write_text_file(html, render_html_report(runs)); !r) {
      std::fprintf(stderr, "unmanageable-conformance report: %s\n", r.error().c_str());
      return 2;
    }
  }
  if (!junit.empty()) {
    if (auto r = write_text_file(junit, merged_junit(runs)); !r) {
      std::fprintf(stderr, "unmanageable-conformance report: %s\n", r.error().c_str());
      return 2;
    }
  }
  // Agreement on the console: how many cases have the same outcome in every run.
  std::map<std::string, std::vector<std::string>> outcomes;
  for (const auto& run : runs) {
    for (const auto& r : run.results)
      outcomes[r.id].push_back(std::string(outcome_name(r.outcome)));
  }
  std::size_t differ = 0;
  for (const auto& [id, v] : outcomes) {
    bool same = v.size() == runs.size();
    for (const auto& o : v) same = same && o == v.front();
    differ += same ? 0 : 1;
  }
  std::printf("report: %zu runs, %zu cases, %zu agree, %zu differ%s%s%s%s\n", runs.size(),
              outcomes.size(), outcomes.size() - differ, differ, html.empty() ? "" : "; HTML ",
              html.c_str(), junit.empty() ? "" : "; JUnit ", junit.c_str());
  return differ == 0 ? 0 : 1;
}

}  // namespace unm::conformance::tool
