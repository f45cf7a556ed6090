// explorer_test.cc — the explorer against in-process targets: the reference core itself (no
// divergence may ever be reported) and the core with one injected fault (found, shrunk to a
// few steps that still diverge). No network: the target is a second oracle side.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance/explore/clauses_of.h"
#include "conformance/explore/explorer.h"
#include "conformance/src/expectations.h"
#include "reference/server/faults.h"

namespace unm::conformance::explore {
namespace {

SideFactory in_process(std::vector<std::string> faults) {
  return [faults] {
    OracleOptions o;
    o.x3dh_delay = 0;
    o.faults = faults;
    auto s = make_oracle_side(o);
    EXPECT_TRUE(s.has_value());
    return std::move(*s);
  };
}

ExploreOptions quick(int sequences, int steps) {
  ExploreOptions o;
  o.users = 4;
  o.steps = steps;
  o.sequences = sequences;
  o.seed = 7;
  o.oracle.x3dh_delay = 0;
  o.generator.timers = false;
  o.settle = std::chrono::milliseconds(0);
  o.note_wait = std::chrono::milliseconds(0);
  return o;
}

TEST(Explore, ReferenceAgainstItselfNeverDiverges) {
  ExploreOptions o = quick(6, 60);
  auto r = explore(o, in_process({}));
  EXPECT_TRUE(r.harness_error.empty()) << r.harness_error;
  for (const auto& f : r.findings) ADD_FAILURE() << f.divergence.summary();
  EXPECT_EQ(r.stats.sequences, 6);
  EXPECT_GT(r.stats.steps, 300);
  EXPECT_GT(r.stats.coverage.size(), 30u);
}

TEST(Explore, FindsAndShrinksAnInjectedFault) {
  if (!unm::server::kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  ExploreOptions o = quick(40, 60);
  auto r = explore(o, in_process({"reaction-returns-message-id"}));
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.divergence.subject, "add_reaction") << f.divergence.summary();
  EXPECT_LE(f.shrunk.size(), 5u);
  for (const auto& op : f.shrunk) std::cerr << "  " << describe(op) << "\n";
  std::cerr << f.shrunk_divergence.summary() << "\n";
}

TEST(Explore, KnownDeviationsAreCountedAndTheExplorationGoesOn) {
  if (!unm::server::kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  // create-dm-notifies: a creation also sends dm_notification (EV-DM-010 says none).
  auto e = parse_expectations(R"({"implementation": "test", "cases": {
    "explore.create_dm.dm_notification.extra-notification":
      {"outcome": "fail", "reason": "known: a creation is notified"}}})");
  ASSERT_TRUE(e.has_value()) << e.error();
  ExploreOptions o = quick(8, 60);
  o.expectations = &*e;
  auto r = explore(o, in_process({"create-dm-notifies"}));
  // A notification difference changes no state: nothing new, the sequences ran to their end.
  for (const auto& f : r.findings) {
    EXPECT_TRUE(f.known) << f.divergence.summary();
  }
  long long known = 0;
  for (const auto& [sig, n] : r.stats.known) known += n;
  EXPECT_GE(known, 8);
  EXPECT_EQ(r.stats.sequences, 8);
  EXPECT_GE(r.stats.steps, 8 * 60);
}

TEST(Explore, ASecondFindingIsADifferentOne) {
  if (!unm::server::kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  ExploreOptions o = quick(60, 60);
  o.max_findings = 2;
  auto r = explore(o, in_process({"reaction-returns-message-id", "any-member-edits"}));
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_NE(r.findings[0].divergence.signature(), r.findings[1].divergence.signature());
}

// Every explore entry of the committed expectations files is a signature explore can produce:
// explore.<operation|timer|register|*>.<event or notification|*>.<kind|*> (docs/explore.md).
TEST(Explore, CommittedSignatures) {
  const std::string dir = std::string(UNM_SOURCE_DIR) + "/conformance/expectations";
  int checked = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path());
    std::stringstream text;
    text << in.rdbuf();
    auto doc = parse_json(text.str());
    ASSERT_TRUE(doc.has_value()) << f.path();
    for (auto it = (*doc)["cases"].MemberBegin(); it != (*doc)["cases"].MemberEnd(); ++it) {
      const std::string pattern(it->name.GetString());
      if (pattern.rfind("explore.", 0) != 0) continue;
      std::vector<std::string> parts;
      std::stringstream ss(pattern.substr(8));
      for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
      ASSERT_EQ(parts.size(), 3u) << f.path() << ": " << pattern;
      const bool op_ok = parts[0] == "*" || parts[0] == "timer" || parts[0] == "register" ||
                         op_kind_by_name(parts[0]).has_value();
      const bool subject_ok = parts[1] == "*" || !clauses_of(parts[1]).empty();
      bool kind_ok = parts[2] == "*";
      for (auto k : {DivergenceKind::ack, DivergenceKind::missing_note, DivergenceKind::extra_note,
                     DivergenceKind::note_order}) {
        kind_ok = kind_ok || parts[2] == divergence_kind_name(k);
      }
      EXPECT_TRUE(op_ok && subject_ok && kind_ok) << f.path() << ": " << pattern;
      ++checked;
    }
  }
  EXPECT_GT(checked, 5);
}

}  // namespace
}  // namespace unm::conformance::explore
