// explorer_test.cc — the explorer against in-process targets: the reference core itself (no
// divergence may ever be reported) and the core with one injected fault (found, shrunk to a
// few steps that still diverge). No network: the target is a second oracle side.
#include <gtest/gtest.h>

#include "conformance/explore/explorer.h"
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

}  // namespace
}  // namespace unm::conformance::explore
