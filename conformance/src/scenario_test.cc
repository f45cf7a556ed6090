// scenario_test.cc — the scenario loader: accepted files and clear errors for bad ones.
#include "conformance/src/scenario.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace unm::conformance {
namespace {

const char* kGood = R"({
  "id": "usr.get_user.ok", "title": "get_user returns the user", "basis": "document",
  "clauses": ["EV-USR-001", "EV-USR-002"], "tags": ["users"],
  "actors": ["alice", {"name": "alice2", "as": "alice"}, {"name": "bob", "connect": false}],
  "steps": [
    {"actor": "alice", "do": "register"},
    {"actor": "alice", "do": "login"},
    {"actor": "alice", "send": "get_user", "args": {"username": "${alice}"},
     "expect": {"ok": {"$has": {"username": "${alice}"}}}, "capture": {"u": "/result"}},
    {"actor": "alice2", "await": "profile_notification", "within_ms": 100, "label": "p"},
    {"actor": "alice", "none": "*", "window_ms": 10},
    {"sleep_ms": 1},
    {"set": {"x": 1}},
    {"actor": "alice", "compute": "sign", "hex": "00", "into": "s"}
  ]})";

std::string error_of(const std::string& text) {
  auto r = parse_scenarios(text, "t.json");
  return r ? std::string() : r.error().message;
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

TEST(ScenarioLoader, ParsesAGoodScenario) {
  auto r = parse_scenarios(kGood, "t.json");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const Scenario& s = (*r)[0];
  EXPECT_EQ(s.id, "usr.get_user.ok");
  EXPECT_EQ(s.basis, Basis::document);
  ASSERT_EQ(s.actors.size(), 3u);
  EXPECT_EQ(s.actors[1].user, "alice");
  EXPECT_FALSE(s.actors[2].connect);
  ASSERT_EQ(s.steps.size(), 8u);
  EXPECT_EQ(s.steps[2].kind, StepKind::send);
  EXPECT_EQ(s.steps[2].name, "get_user");
  EXPECT_EQ(s.steps[3].kind, StepKind::await);
  EXPECT_EQ(s.steps[5].kind, StepKind::sleep);
  EXPECT_EQ(s.steps[7].kind, StepKind::compute);
}

TEST(ScenarioLoader, SeveralScenariosInOneFile) {
  std::string text = std::string("{\"scenarios\": [") + kGood + "," +
                     with("usr.get_user.ok", "usr.get_user.two") + "]}";
  auto r = parse_scenarios(text, "t.json");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->size(), 2u);
}

TEST(ScenarioLoader, ErrorsNameTheProblem) {
  EXPECT_NE(error_of("{").find("invalid JSON"), std::string::npos);
  EXPECT_NE(error_of(with("\"basis\": \"document\",", "")).find("basis"), std::string::npos);
  EXPECT_NE(error_of(with("\"basis\": \"document\"", "\"basis\": \"maybe\"")).find("basis"),
            std::string::npos);
  EXPECT_NE(error_of(with("EV-USR-001", "EV-USR-1")).find("bad clause id"), std::string::npos);
  EXPECT_NE(error_of(with("usr.get_user.ok", "Bad Id")).find("id must be"), std::string::npos);
  EXPECT_NE(error_of(with("\"tags\"", "\"tagz\"")).find("unknown scenario key"), std::string::npos);
  EXPECT_NE(error_of(with("{\"actor\": \"alice\", \"do\": \"register\"}",
                          "{\"actor\": \"carol\", \"do\": \"register\"}"))
                .find("undeclared actor"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"do\": \"register\"", "\"do\": \"regster\"")).find("unknown do"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"within_ms\": 100", "\"within_ms\": 100, \"witin\": 1"))
                .find("unknown key \"witin\""),
            std::string::npos);
  EXPECT_NE(
      error_of(with("{\"sleep_ms\": 1}", "{\"sleep_ms\": 1, \"set\": {}}")).find("two step kinds"),
      std::string::npos);
  EXPECT_NE(error_of(with("{\"sleep_ms\": 1}", "{\"note\": \"x\"}")).find("no step kind"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"$has\"", "\"$hass\"")).find("not a matcher operator"),
            std::string::npos);
  EXPECT_NE(error_of(with("\"/result\"", "\"result\"")).find("JSON pointers"), std::string::npos);
  EXPECT_NE(error_of(with("\"as\": \"alice\"", "\"as\": \"zed\"")).find("undeclared"),
            std::string::npos);
  // The error message names the step.
  EXPECT_NE(error_of(with("\"do\": \"register\"", "\"do\": \"regster\"")).find("step 1"),
            std::string::npos);
}

TEST(ScenarioLoader, DirectoryReportsAllErrorsAndDuplicates) {
  auto dir = std::filesystem::temp_directory_path() / ("unm_scen_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.json") << kGood;
  std::ofstream(dir / "b.json") << kGood;  // duplicate id
  std::ofstream(dir / "c.json") << "{";
  std::ofstream(dir / "ignored.txt") << "{";
  auto r = load_scenario_dir(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(r.has_value());
  ASSERT_EQ(r.error().size(), 2u);
  EXPECT_NE(r.error()[0].message.find("duplicate scenario id"), std::string::npos);
  EXPECT_NE(r.error()[1].message.find("invalid JSON"), std::string::npos);
  EXPECT_FALSE(load_scenario_dir("/nonexistent/dir").has_value());
}

}  // namespace
}  // namespace unm::conformance
