// observe_report_test.cc — the reports of observe: exit status per --fail-on, JSON counts per
// side and clause, JUnit valid against conformance/schema/junit.xsd, self-contained HTML.
#include "conformance/observe/observe_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <rapidjson/document.h>

namespace unm::conformance::observe {
namespace {

std::vector<Finding> sample_findings() {
  // Built whole (designated initialisers): member-by-member assignment draws a false
  // -Wmaybe-uninitialized from GCC 12 at -O3.
  const auto at = std::chrono::system_clock::now();
  const Finding a{.side = Side::client,
                  .severity = Severity::fail,
                  .clause = "CR-AEAD-003",
                  .session = "s1",
                  .user = "alice",
                  .at = at,
                  .message = "send_message.message reuses IV <00>",
                  .frames = {FrameRecord{at, Direction::to_server, "42[\"send_message\",\x01{}]"}}};
  Finding b = a;
  b.side = Side::server;
  b.clause = "EV-TRN-026";
  b.severity = Severity::non_strict;
  return {a, b};
}

Stats sample_stats() {
  Stats s;
  s.sessions = 1;
  s.requests = 2;
  s.client_clauses["CR-AEAD-003"] = {2, 1, 0};
  s.client_clauses["EV-TRN-011"] = {5, 0, 0};
  s.server_clauses["EV-TRN-026"] = {1, 0, 1};
  return s;
}

ObserveMeta sample_meta() {
  ObserveMeta m;
  m.listen = "127.0.0.1:1";
  m.upstream = "http://127.0.0.1:2";
  m.stop_reason = "duration";
  m.started = std::chrono::system_clock::now();
  return m;
}

TEST(ObserveReport, ExitStatusFollowsFailOn) {
  const auto f = sample_findings();  // a client fail, a server non-strict
  EXPECT_EQ(exit_status(f, FailOn::any), 1);
  EXPECT_EQ(exit_status(f, FailOn::client), 1);
  EXPECT_EQ(exit_status(f, FailOn::server), 0);  // non-strict never fails
  EXPECT_EQ(exit_status(f, FailOn::none), 0);
  EXPECT_EQ(parse_fail_on("server"), FailOn::server);
  EXPECT_FALSE(parse_fail_on("both").has_value());
}

TEST(ObserveReport, JsonKeepsTheSidesApartAndCountsPerClause) {
  rapidjson::Document d;
  d.Parse(report_json(sample_findings(), sample_stats(), sample_meta()).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["client"]["fail"].GetUint(), 1u);
  EXPECT_EQ(d["server"]["non_strict"].GetUint(), 1u);
  EXPECT_EQ(d["client"]["clauses"]["EV-TRN-011"]["checked"].GetUint(), 5u);
  EXPECT_EQ(d["findings"].Size(), 2u);
  EXPECT_STREQ(d["findings"][0]["clause"].GetString(), "CR-AEAD-003");
  EXPECT_STREQ(d["findings"][0]["frames"][0]["dir"].GetString(), "to_server");
}

TEST(ObserveReport, JunitIsValidAgainstTheRunnersSchema) {
  const std::string xml = report_junit(sample_findings(), sample_stats(), sample_meta());
  EXPECT_NE(xml.find("name=\"observe.client\""), std::string::npos);
  EXPECT_NE(xml.find("<failure"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "xmllint (Debian libxml2-utils) is not installed";
  }
  const auto path = std::filesystem::temp_directory_path() /
                    ("observe-junit-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(path) << xml;
  const std::string cmd = "xmllint --noout --schema " UNM_SOURCE_DIR
                          "/conformance/schema/junit.xsd " +
                          path.string() + " 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << xml;
  std::filesystem::remove(path);
}

TEST(ObserveReport, HtmlIsSelfContained) {
  const std::string html = report_html(sample_findings(), sample_stats(), sample_meta());
  EXPECT_NE(html.find("CR-AEAD-003"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace unm::conformance::observe
