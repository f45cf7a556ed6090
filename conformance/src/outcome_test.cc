// outcome_test.cc — every outcome, the profiles, and expectations files.
#include "conformance/src/outcome.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "conformance/src/expectations.h"

namespace unm::conformance {
namespace {

CaseRun failed_run(Basis b = Basis::document, bool edge = false) {
  CaseRun r;
  r.verdict = RawVerdict::failed;
  r.failed_basis = b;
  r.edge_case = edge;
  r.reason = "step 2 (send x): boom";
  return r;
}

Outcome C(const CaseRun& run, std::optional<Expectation> ex = std::nullopt,
          std::vector<int> dev = {}, ClassifyOptions o = {}) {
  std::string reason;
  return classify(run, ex, dev, o, reason);
}

TEST(Outcome, PassFailError) {
  EXPECT_EQ(C(CaseRun{}), Outcome::pass);
  EXPECT_EQ(C(failed_run()), Outcome::fail);
  CaseRun e;
  e.verdict = RawVerdict::error;
  EXPECT_EQ(C(e), Outcome::error);
  CaseRun s;
  s.verdict = RawVerdict::skipped;
  EXPECT_EQ(C(s), Outcome::skipped);
}

TEST(Outcome, DecidedFailureIsNonStrictUnlessStrict) {
  EXPECT_EQ(C(failed_run(Basis::decided)), Outcome::non_strict);
  ClassifyOptions strict;
  strict.strict = true;
  EXPECT_EQ(C(failed_run(Basis::decided), std::nullopt, {}, strict), Outcome::fail);
}

TEST(Outcome, AcceptedEdgeCaseIsLenient) {
  EXPECT_EQ(C(failed_run(Basis::document, true)), Outcome::lenient);
}

TEST(Outcome, ExpectationsTurnFailuresIntoExpectedAndPassesIntoUnexpected) {
  Expectation ex{Expectation::Kind::fail, "known bug #12", "x.*"};
  std::string reason;
  EXPECT_EQ(classify(failed_run(), ex, {}, {}, reason), Outcome::expected_fail);
  EXPECT_NE(reason.find("known bug #12"), std::string::npos);
  EXPECT_EQ(classify(CaseRun{}, ex, {}, {}, reason), Outcome::unexpected_pass);
  EXPECT_NE(reason.find("known bug #12"), std::string::npos);
  Expectation skip{Expectation::Kind::skip, "no calls", "call.*"};
  EXPECT_EQ(C(CaseRun{}, skip), Outcome::skipped);
  EXPECT_TRUE(outcome_is_bad(Outcome::unexpected_pass));
  EXPECT_TRUE(outcome_is_bad(Outcome::fail));
  EXPECT_FALSE(outcome_is_bad(Outcome::non_strict));
  EXPECT_FALSE(outcome_is_bad(Outcome::expected_fail));
  EXPECT_FALSE(outcome_is_bad(Outcome::lenient));
}

TEST(Outcome, DeployedProfileAcceptsListedDeviations) {
  ClassifyOptions deployed;
  deployed.deployed_profile = true;
  std::string reason;
  EXPECT_EQ(classify(failed_run(), std::nullopt, {4}, deployed, reason), Outcome::expected_fail);
  EXPECT_NE(reason.find("§12 #4"), std::string::npos);
  EXPECT_EQ(C(failed_run(), std::nullopt, {}, deployed), Outcome::fail);
  EXPECT_EQ(C(failed_run(), std::nullopt, {4}, ClassifyOptions{}), Outcome::fail);
  EXPECT_EQ(C(CaseRun{}, std::nullopt, {4}, deployed), Outcome::pass);
}

Violation V(std::size_t step, Basis b = Basis::document, std::vector<int> rows = {},
            std::vector<std::string> clauses = {}) {
  Violation v;
  v.step = step;
  v.basis = b;
  v.deviations = std::move(rows);
  v.clauses = std::move(clauses);
  v.reason = "step " + std::to_string(step) + " (send x): boom";
  return v;
}

CaseRun with_violations(std::vector<Violation> vs) {
  CaseRun r;
  r.verdict = RawVerdict::failed;
  r.failed_step = vs.front().step;
  r.failed_basis = vs.front().basis;
  r.reason = vs.front().reason;
  r.violations = std::move(vs);
  return r;
}

TEST(Outcome, WorstViolationWins) {
  // A non-strict first violation does not hide a later document one.
  EXPECT_EQ(C(with_violations({V(2, Basis::decided), V(5)})), Outcome::fail);
  EXPECT_EQ(C(with_violations({V(2, Basis::decided), V(5, Basis::decided)})), Outcome::non_strict);
  std::string reason;
  classify(with_violations({V(2, Basis::decided), V(5)}), std::nullopt, {}, {}, reason);
  EXPECT_NE(reason.find("step 5"), std::string::npos) << reason;
}

TEST(Outcome, DeployedProfileUsesTheFailingStepsRows) {
  ClassifyOptions deployed;
  deployed.deployed_profile = true;
  // Step 3 names row 2; step 6 names no row of its own, so the case's rows apply.
  EXPECT_EQ(C(with_violations({V(3, Basis::document, {2}), V(6)}), std::nullopt, {3}, deployed),
            Outcome::expected_fail);
  // No rows anywhere: a violation the profile cannot explain fails.
  EXPECT_EQ(C(with_violations({V(3, Basis::document, {2}), V(6)}), std::nullopt, {}, deployed),
            Outcome::fail);
}

TEST(Outcome, PinnedExpectationAcceptsOnlyItsStepOrClause) {
  Expectation ex{Expectation::Kind::fail, "§12 #2", "msg.history.count", {3}, {}, {2}};
  EXPECT_EQ(C(with_violations({V(3)}), ex), Outcome::expected_fail);
  // A new regression elsewhere in a listed case is not hidden.
  EXPECT_EQ(C(with_violations({V(3), V(4)}), ex), Outcome::fail);
  EXPECT_EQ(C(with_violations({V(4)}), ex), Outcome::fail);
  EXPECT_EQ(C(CaseRun{}, ex), Outcome::unexpected_pass);
  Expectation by_clause{Expectation::Kind::fail, "§12 #1", "frd.unblock", {}, {"EV-FRD-008"}, {1}};
  EXPECT_EQ(C(with_violations({V(4, Basis::document, {}, {"EV-FRD-008"})}), by_clause),
            Outcome::expected_fail);
  EXPECT_EQ(C(with_violations({V(4, Basis::document, {}, {"EV-FRD-011"})}), by_clause),
            Outcome::fail);
}

TEST(Outcome, NamesAreStable) {
  EXPECT_EQ(outcome_name(Outcome::non_strict), "non-strict");
  EXPECT_EQ(outcome_name(Outcome::expected_fail), "expected-fail");
  EXPECT_EQ(outcome_name(Outcome::unexpected_pass), "unexpected-pass");
}

TEST(Expectations, ParseAndFind) {
  auto e = parse_expectations(R"({"implementation": "x", "cases": {
      "frd.*": {"outcome": "fail", "reason": "general"},
      "frd.unblock.*": {"outcome": "fail", "reason": "specific"},
      "frd.unblock.ok": {"outcome": "skip", "reason": "exact"}}})");
  ASSERT_TRUE(e.has_value()) << e.error();
  EXPECT_EQ(e->implementation(), "x");
  EXPECT_EQ(e->size(), 3u);
  EXPECT_EQ(e->find("frd.unblock.ok")->reason, "exact");
  EXPECT_EQ(e->find("frd.unblock.alias")->reason, "specific");
  EXPECT_EQ(e->find("frd.block")->reason, "general");
  EXPECT_FALSE(e->find("msg.send").has_value());
}

TEST(Expectations, ErrorsNameTheEntry) {
  EXPECT_FALSE(parse_expectations("[").has_value());
  EXPECT_FALSE(parse_expectations(R"({"cases": {}})").has_value());
  auto no_reason = parse_expectations(R"({"implementation":"x","cases":{"a":{"outcome":"fail"}}})");
  ASSERT_FALSE(no_reason.has_value());
  EXPECT_NE(no_reason.error().find("a:"), std::string::npos);
  EXPECT_FALSE(
      parse_expectations(R"({"implementation":"x","cases":{"a":{"outcome":"maybe","reason":"r"}}})")
          .has_value());
}

TEST(Expectations, PinnedEntries) {
  auto e = parse_expectations(R"({"implementation": "x", "cases": {
      "a": {"outcome": "fail", "reason": "r", "steps": [3, 4], "rows": [2]},
      "b": {"outcome": "fail", "reason": "r", "clauses": ["EV-FRD-008"], "rows": [1]}}})");
  ASSERT_TRUE(e.has_value()) << e.error();
  EXPECT_EQ(e->find("a")->steps, (std::vector<std::size_t>{3, 4}));
  EXPECT_EQ(e->find("a")->rows, (std::vector<int>{2}));
  EXPECT_EQ(e->find("b")->clauses, (std::vector<std::string>{"EV-FRD-008"}));
  EXPECT_FALSE(
      parse_expectations(
          R"({"implementation":"x","cases":{"a":{"outcome":"fail","reason":"r","steps":[3]}}})")
          .has_value());  // a pinned step must name its §12 row
  EXPECT_FALSE(
      parse_expectations(
          R"({"implementation":"x","cases":{"a":{"outcome":"fail","reason":"r","stpes":[3]}}})")
          .has_value());  // typos are errors
}

TEST(Glob, Basics) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*c", "abbbc"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("reg.*/1?", "reg.sig/12"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
}

RC_GTEST_PROP(GlobProps, LiteralAndStarPatterns, (std::string text)) {
  std::string lit;
  for (char c : text) lit += (c == '*' || c == '?') ? 'x' : c;
  RC_ASSERT(glob_match(lit, lit));
  RC_ASSERT(glob_match("*", lit));
  RC_ASSERT(glob_match(lit + "*", lit + "tail"));
  RC_ASSERT(glob_match("*" + lit, "head" + lit));
  RC_ASSERT(!glob_match(lit + "z", lit));
}

}  // namespace
}  // namespace unm::conformance
