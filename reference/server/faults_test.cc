// faults_test.cc — the fault catalogue (faults.h) and that a hook changes behaviour only when its
// fault is injected. The fault-by-fault detection by the conformance suite is the CTest
// conformance_fault_detection_* (conformance/tests/fault_detection.sh).
#include "reference/server/faults.h"

#include <set>
#include <string>

#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

TEST(FaultCatalogue, OneRowPerFaultWithDistinctNamesAndClauses) {
  const auto cat = fault_catalogue();
  ASSERT_EQ(cat.size(), kFaultCount);
  EXPECT_GE(cat.size(), 30u);
  std::set<std::string_view> names;
  std::set<std::string_view> clauses;
  for (std::size_t i = 0; i < cat.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(cat[i].fault), i) << cat[i].name;  // enum order
    EXPECT_TRUE(names.insert(cat[i].name).second) << "duplicate name " << cat[i].name;
    EXPECT_TRUE(clauses.insert(cat[i].clause).second) << "duplicate clause " << cat[i].clause;
    EXPECT_TRUE(cat[i].clause.starts_with("EV-") || cat[i].clause.starts_with("CR-"));
    EXPECT_FALSE(cat[i].breaks.empty());
    EXPECT_EQ(cat[i].name.find(','), std::string_view::npos);
    EXPECT_EQ(fault_by_name(cat[i].name), cat[i].fault);
  }
}

TEST(FaultCatalogue, ParsesRepeatedAndCommaSeparatedNames) {
  const std::vector<std::string> values{"ack-extra-key,any-member-edits", "leave-dm-keeps-call"};
  auto f = parse_faults(values);
  ASSERT_TRUE(f) << f.error();
  if (!kFaultInjectionBuilt) {
    EXPECT_FALSE(f->any());  // hooks compiled away: nothing can be enabled
    return;
  }
  EXPECT_TRUE(f->has(Fault::ack_extra_key));
  EXPECT_TRUE(f->has(Fault::any_member_edits));
  EXPECT_TRUE(f->has(Fault::leave_dm_keeps_call));
  EXPECT_FALSE(f->has(Fault::no_ack_ignored));
  EXPECT_EQ(f->names().size(), 3u);

  const std::vector<std::string> bad{"ack-extra-key,nonsense"};
  auto e = parse_faults(bad);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("nonsense"), std::string::npos);
  const std::vector<std::string> empty{""};
  EXPECT_FALSE(parse_faults(empty));
}

TEST(FaultHooks, DefaultOptionsInjectNothing) {
  EXPECT_FALSE(ServerOptions{}.faults.any());
  EXPECT_FALSE(Harness::default_options().faults.any());
}

// One hook end to end: the same request with and without Fault::get_user_unknown_null.
TEST(FaultHooks, HookActsOnlyWhenInjected) {
  if (!kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  for (const bool injected : {false, true}) {
    auto opts = Harness::default_options();
    if (injected) opts.faults.enable(Fault::get_user_unknown_null);
    Harness h("", opts);
    TestUser alice;
    const ConnId c = h.signed_up(alice, "alice");
    const auto r = h.call(c, "get_user", R"({"username":"nobody"})");
    if (injected) {
      EXPECT_EQ(expect_ok(r), "null");
    } else {
      expect_fail(r, protocol::Reason::nouser);  // EV-USR-001
    }
  }
}

}  // namespace
}  // namespace unm::server::testing
