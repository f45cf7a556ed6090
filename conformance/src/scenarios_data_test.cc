// scenarios_data_test.cc — the committed scenarios, clause catalogue and expectations files:
// they load, they cover >= 95 % of the server-testable MUST clauses, and every expectations
// entry names existing cases.
#include <filesystem>

#include <gtest/gtest.h>

#include "conformance/src/clauses.h"
#include "conformance/src/expectations.h"
#include "conformance/src/scenario.h"

namespace unm::conformance {
namespace {

const std::string kRoot = UNM_SOURCE_DIR "/conformance";

TEST(CommittedScenarios, LoadWithoutErrors) {
  auto s = load_scenario_dir(kRoot + "/scenarios");
  if (!s) {
    for (const auto& e : s.error()) ADD_FAILURE() << e.file << ": " << e.message;
    return;
  }
  EXPECT_GT(s->size(), 50u);
}

TEST(CommittedScenarios, CoverAtLeast95PercentOfMustClauses) {
  auto s = load_scenario_dir(kRoot + "/scenarios");
  ASSERT_TRUE(s.has_value());
  auto cat = load_clause_catalogue(kRoot + "/spec");
  ASSERT_TRUE(cat.has_value()) << cat.error();
  Coverage cov = compute_coverage(*cat, *s);
  EXPECT_TRUE(cov.unknown.empty()) << coverage_text(cov);
  ASSERT_GT(cov.must_total, 50u);
  EXPECT_GE(static_cast<double>(cov.must_covered), 0.95 * static_cast<double>(cov.must_total))
      << coverage_text(cov);
}

TEST(CommittedExpectations, ParseAndNameExistingCases) {
  auto s = load_scenario_dir(kRoot + "/scenarios");
  ASSERT_TRUE(s.has_value());
  for (const auto& f : std::filesystem::directory_iterator(kRoot + "/expectations")) {
    auto text = read_file(f.path().string());
    ASSERT_TRUE(text.has_value());
    auto ex = parse_expectations(*text);
    ASSERT_TRUE(ex.has_value()) << f.path() << ": " << ex.error();
    auto doc = parse_json(*text);
    ASSERT_TRUE(doc.has_value());
    for (auto it = (*doc)["cases"].MemberBegin(); it != (*doc)["cases"].MemberEnd(); ++it) {
      std::string pattern(it->name.GetString());
      bool any = false;
      for (const auto& sc : *s) any = any || glob_match(pattern, sc.id);
      EXPECT_TRUE(any) << f.path() << ": " << pattern << " matches no scenario";
    }
  }
}

}  // namespace
}  // namespace unm::conformance
