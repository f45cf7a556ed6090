// report_test.cc — the reporters: JSON content, JUnit validated against conformance/schema/
// junit.xsd with xmllint, HTML structure, the console summary, exit codes, diff and clause
// coverage.
#include "conformance/src/report.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "conformance/src/clauses.h"
#include "conformance/src/diff.h"
#include "conformance/src/json.h"

namespace unm::conformance {
namespace {

std::vector<CaseResult> sample() {
  std::vector<CaseResult> v;
  const Outcome all[] = {Outcome::pass,
                         Outcome::fail,
                         Outcome::non_strict,
                         Outcome::expected_fail,
                         Outcome::unexpected_pass,
                         Outcome::skipped,
                         Outcome::lenient,
                         Outcome::error};
  int i = 0;
  for (Outcome o : all) {
    CaseResult r;
    r.id = "grp.case" + std::to_string(i++);
    r.title = "Case <" + std::string(outcome_name(o)) + "> & \"quotes\"";
    r.clauses = {"EV-AUTH-009", "CR-CHAL-003"};
    r.tags = {"auth"};
    r.basis = o == Outcome::non_strict ? Basis::decided : Basis::document;
    r.outcome = o;
    r.reason = o == Outcome::pass ? "" : "step 2 (send login): expected success, got <\x01>";
    r.rerun = "unmanageable-conformance run --target http://x --case " + r.id;
    r.run.duration = std::chrono::milliseconds(12);
    r.run.transcript.push_back(
        {std::chrono::system_clock::now(), "alice", '>', "42[\"login\",{\"username\":\"alice\"}]"});
    r.run.transcript.push_back({std::chrono::system_clock::now(), "alice", '<',
                                "430[{\"success\":false,\"result\":\"User does not exist.\"}]"});
    r.run.observations = {"alice login -> success=false"};
    v.push_back(std::move(r));
  }
  return v;
}

RunMeta meta() {
  RunMeta m;
  m.target = "http://127.0.0.1:1";
  m.seed = 42;
  m.run_id = "abcd0123";
  m.started = std::chrono::system_clock::now();
  m.duration = std::chrono::milliseconds(1234);
  return m;
}

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("unm_report_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(Report, JsonHasEveryCaseWithItsFields) {
  auto text = report_json(sample(), meta());
  auto d = parse_json(text);
  ASSERT_TRUE(d.has_value()) << d.error();
  EXPECT_EQ(json_int_or(*d, "seed", 0), 42);
  const JsonValue& cases = (*d)["cases"];
  ASSERT_EQ(cases.Size(), 8u);
  for (const auto& c : cases.GetArray()) {
    for (const char* k : {"id", "clauses", "basis", "outcome", "reason", "duration_ms", "rerun"}) {
      EXPECT_NE(json_member(c, k), nullptr) << k;
    }
    bool passish =
        json_string_or(c, "outcome", "") == "pass" || json_string_or(c, "outcome", "") == "skipped";
    EXPECT_EQ(json_member(c, "transcript") == nullptr, passish);
  }
  EXPECT_EQ(json_string_or(cases[2], "basis", ""), "decided");
  EXPECT_EQ(json_int_or((*d)["summary"], "non-strict", -1), 1);
}

TEST(Report, JunitValidatesAgainstTheSchema) {
  std::string xml = report_junit(sample(), meta());
  EXPECT_NE(xml.find("<failure"), std::string::npos);
  EXPECT_NE(xml.find("<error"), std::string::npos);
  EXPECT_NE(xml.find("<skipped"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);            // control characters are escaped
  EXPECT_NE(xml.find("failures=\"2\""), std::string::npos);  // fail + unexpected-pass
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "xmllint (Debian libxml2-utils) is not installed";
  }
  std::string path = tmp("junit.xml");
  std::ofstream(path) << xml;
  std::string cmd = "xmllint --noout --schema " UNM_SOURCE_DIR "/conformance/schema/junit.xsd " +
                    path + " 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << xml;
  // The schema is not vacuous: a testcase without its required attributes is rejected.
  std::ofstream(path) << "<testsuites tests=\"1\" failures=\"0\" errors=\"0\"><testsuite "
                         "name=\"x\" tests=\"1\" failures=\"0\" errors=\"0\"><testcase/>"
                         "</testsuite></testsuites>";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::remove(path.c_str());
}

TEST(Report, HtmlIsSelfContainedWithSummaryAndTranscripts) {
  std::string html = report_html(sample(), meta());
  EXPECT_NE(html.find("<section id=\"summary\">"), std::string::npos);
  EXPECT_NE(html.find("<details class=\"case\" id=\"c-grp.case1\""), std::string::npos);
  auto element = [&](const std::string& id) {
    const auto b = html.find("id=\"c-" + id + "\"");
    return html.substr(b, html.find("</details>", b) - b);
  };
  EXPECT_NE(element("grp.case1").find("<table class=\"tr\">"), std::string::npos);
  EXPECT_EQ(element("grp.case0").find("<table class=\"tr\">"), std::string::npos)
      << "a passing case has no transcript";
  EXPECT_NE(html.find("&quot;login&quot;"), std::string::npos);
  EXPECT_EQ(html.find("Case <fail>"), std::string::npos);  // escaped
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);   // no external resources
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

// The HTML report in headless Chromium (what a person sees at 1280 px) is html_report_test.cc.

TEST(Report, ConsoleSummaryAndExitStatus) {
  auto v = sample();
  std::string s = console_summary(v, meta());
  EXPECT_NE(s.find("| non-strict      |     1 |"), std::string::npos) << s;
  EXPECT_NE(s.find("--case grp.case1"), std::string::npos);  // rerun line for the failure
  EXPECT_EQ(s.find("--case grp.case0"), std::string::npos);
  EXPECT_EQ(exit_status(v), 2);  // an error case
  v.pop_back();
  EXPECT_EQ(exit_status(v), 1);
  std::vector<CaseResult> fine;
  for (auto& r : v) {
    if (!outcome_is_bad(r.outcome)) fine.push_back(r);
  }
  EXPECT_EQ(exit_status(fine), 0);
  EXPECT_NE(console_line(v[1], 2, 8).find("[2/8] fail"), std::string::npos);
}

TEST(Diff, ReportsOutcomeAndObservationDifferences) {
  auto a = sample(), b = sample();
  b[0].run.observations = {"alice login -> success=true"};
  b[3].outcome = Outcome::pass;
  auto d = compute_diff(a, b);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].id, "grp.case0");
  EXPECT_EQ(d[0].step, 1u);
  EXPECT_EQ(d[1].b, Outcome::pass);
  EXPECT_NE(diff_text(d, "A", "B", 8).find("2 of 8 cases differ"), std::string::npos);
  EXPECT_TRUE(compute_diff(a, a).empty());
}

TEST(Clauses, ParsesLevelsOpenAndContinuations) {
  auto c = parse_clauses(
      "## x\n- EV-AUTH-001 The server MUST keep\n  state. Open: maybe.\n- EV-AUTH-002 It SHOULD\n"
      "- EV-AUTH-003 It MAY.\n- EV-AUTH-004 Compatibility note: stuff\n  MUST here counts.\n"
      "text\n- CR-KEY-001 A private key is random.\n- CR-KEY-004 MUST reject.\n");
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0].level, Level::must);
  EXPECT_TRUE(c[0].open);
  EXPECT_EQ(c[1].level, Level::should);
  EXPECT_EQ(c[2].level, Level::may);
  EXPECT_EQ(c[3].level, Level::must);  // continuation lines are part of the clause
  EXPECT_FALSE(c[4].server_side);
  EXPECT_TRUE(c[5].server_side);
}

TEST(Clauses, CoverageCountsMustClausesAndNamesGaps) {
  auto cat = parse_clauses("- EV-A-001 MUST a\n- EV-A-002 MUST b\n- EV-A-003 SHOULD c\n");
  Scenario s;
  s.id = "x";
  s.clauses = {"EV-A-001", "EV-ZZ-999", "TR-EIO-001"};
  Coverage cov = compute_coverage(cat, {s});
  EXPECT_EQ(cov.must_total, 2u);
  EXPECT_EQ(cov.must_covered, 1u);
  EXPECT_EQ(cov.should_total, 1u);
  EXPECT_EQ(cov.should_covered, 0u);
  ASSERT_EQ(cov.unknown.size(), 1u);
  EXPECT_EQ(cov.unknown[0], "EV-ZZ-999");
  std::string text = coverage_text(cov);
  EXPECT_NE(text.find("MUST clauses that no case checks: EV-A-002"), std::string::npos) << text;
  EXPECT_TRUE(parse_json(coverage_json(cov)).has_value());
}

// Every report says which harness produced it (issue 17): the version and commit of the tool.
TEST(Report, EveryReportNamesTheHarnessVersion) {
  RunMeta m = meta();
  m.harness_version = "9.8.7 (commit 0123456789ab)";
  auto d = parse_json(report_json(sample(), m));
  ASSERT_TRUE(d.has_value()) << d.error();
  EXPECT_EQ(json_string_or(*d, "harness_version", ""), "9.8.7 (commit 0123456789ab)");
  EXPECT_NE(report_junit(sample(), m)
                .find("<property name=\"harness_version\" value=\"9.8.7 (commit 0123456789ab)\"/>"),
            std::string::npos);
  EXPECT_NE(report_html(sample(), m).find("unmanageable-conformance 9.8.7 (commit 0123456789ab)"),
            std::string::npos);
  EXPECT_NE(console_summary(sample(), m).find("9.8.7 (commit 0123456789ab)"), std::string::npos);
}

}  // namespace
}  // namespace unm::conformance
