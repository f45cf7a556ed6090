// scenarios_data_test.cc — the committed scenarios, clause catalogue and expectations files:
// they load, they cover >= 95 % of the server-testable MUST clauses, and every expectations
// entry names existing cases.
#include <filesystem>

#include <gtest/gtest.h>

#include "conformance/src/clauses.h"
#include "conformance/src/expectations.h"
#include "conformance/src/scenario.h"
#include "conformance/src/severity.h"

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

// Severity from the clause catalogue (severity.h), for every step of every scenario: a step whose
// clauses are all Open can only give non-strict; a step that cites a MUST which is not Open gives
// fail unless the step itself says decided; and a step never claims a basis its clauses deny.
TEST(CommittedScenarios, SeverityFollowsTheClauseCatalogue) {
  auto s = load_scenario_dir(kRoot + "/scenarios");
  ASSERT_TRUE(s.has_value());
  auto cat = load_clause_catalogue(kRoot + "/spec");
  ASSERT_TRUE(cat.has_value()) << cat.error();
  ClauseIndex idx = index_clauses(*cat);
  std::size_t steps = 0, open_steps = 0, must_steps = 0;
  for (const Scenario& sc : *s) {
    for (const Step& st : sc.steps) {
      ++steps;
      std::size_t known = 0, open = 0;
      bool hard_must = false;
      for (const std::string& id : step_clauses(sc, st)) {
        auto it = idx.find(id);
        if (it == idx.end()) continue;
        ++known;
        if (it->second.open) ++open;
        if (!it->second.open && it->second.level == Level::must) hard_must = true;
      }
      std::string where = sc.file + ": " + sc.id + " step " + std::to_string(st.index + 1);
      Basis sev = step_severity(sc, st, &idx);
      if (known > 0 && open == known) {
        ++open_steps;
        EXPECT_EQ(sev, Basis::decided) << where << ": cites only Open clauses, must be non-strict";
        EXPECT_FALSE(st.basis_explicit && st.basis == Basis::document)
            << where << ": says document but cites only Open clauses";
      } else if (hard_must && !st.basis_explicit) {
        ++must_steps;
        EXPECT_EQ(sev, Basis::document) << where << ": cites a MUST, must fail";
      }
      if (st.basis_explicit && st.basis == Basis::decided && !st.clauses.empty()) {
        EXPECT_FALSE(hard_must && open == 0)
            << where << ": says decided but its own clauses are MUSTs none of which is Open";
      }
      // Step-level rows must be rows the case (or the step) explains; rows exist (#1..#31).
      for (int row : step_deviations(sc, st)) {
        EXPECT_GE(row, 1) << where;
        EXPECT_LE(row, 31) << where;
      }
    }
  }
  EXPECT_GT(steps, 500u);
  EXPECT_GT(open_steps, 0u);
  EXPECT_GT(must_steps, 0u);
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
      // explore signatures name no case; explore_test checks them (Explore.CommittedSignatures).
      if (pattern.rfind("explore.", 0) == 0) continue;
      bool any = false;
      for (const auto& sc : *s) any = any || glob_match(pattern, sc.id);
      EXPECT_TRUE(any) << f.path() << ": " << pattern << " matches no scenario";
    }
  }
}

}  // namespace
}  // namespace unm::conformance
