// faults_test.cc — the fault catalogue (faults.h) and that a hook changes behaviour only when its
// fault is injected. The fault-by-fault detection by the conformance suite is the CTest
// conformance_fault_detection_* (conformance/tests/fault_detection.sh).
#include "reference/server/faults.h"

#include <set>
#include <string>
#include <vector>

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

// The explore-only rows are the bugs the default suite is not meant to find: exactly these three.
TEST(FaultCatalogue, NamesTheFaultsOnlyExploreIsMeantToFind) {
  std::set<std::string_view> explore;
  for (const auto& f : fault_catalogue()) {
    EXPECT_TRUE(finder_name(f.finder) == "suite" || finder_name(f.finder) == "explore");
    if (f.finder == FaultFinder::explore) explore.insert(f.name);
  }
  const std::set<std::string_view> expected{"history-uncapped", "pinned-capped-at-ten",
                                            "fanout-first-eight"};
  EXPECT_EQ(explore, expected);
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

// The explore-only faults below act only in states the hand-written suite never reaches; each
// test drives one such state through the correct server and the faulty one.

// with_fault returns the harness options with `f` injected when `injected`.
ServerOptions with_fault(Fault f, bool injected) {
  auto opts = Harness::default_options();
  if (injected) opts.faults.enable(f);
  return opts;
}

// FriendsDm is alice and bob, friends, with a 1:1 DM.
struct FriendsDm {
  explicit FriendsDm(ServerOptions opts) : h("", std::move(opts)) {
    ca = h.signed_up(a, "alice");
    cb = h.signed_up(b, "bob");
    h.befriend(ca, a, cb, b);
    dm = h.create_dm(ca, {&b});
    ids = std::to_string(dm);
  }
  Harness h;
  TestUser a, b;
  ConnId ca = 0, cb = 0;
  std::int64_t dm = 0;
  std::string ids;
};

// EV-MSG-016: at most min(count, 100) messages, whatever count asks.
TEST(FaultHooks, HistoryUncappedReturnsMoreThanOneHundred) {
  if (!kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  for (const bool injected : {false, true}) {
    FriendsDm f(with_fault(Fault::history_uncapped, injected));
    for (int i = 0; i < 101; ++i) ASSERT_TRUE(f.h.send(f.ca, f.a, f.dm, "ab").success);
    const auto page =
        f.h.call(f.cb, "get_message_history",
                 R"({"id":)" + f.ids + R"(,"cursor":"2100-01-01T00:00:00Z","count":1000})");
    ASSERT_TRUE(page.success) << page.raw;
    EXPECT_EQ(page.result.Size(), injected ? 101u : 100u) << "injected " << injected;
  }
}

// EV-MSG-018: every pinned message, newest first, without a cap.
TEST(FaultHooks, PinnedCappedAtTenDropsTheOldestPin) {
  if (!kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  for (const bool injected : {false, true}) {
    FriendsDm f(with_fault(Fault::pinned_capped_at_ten, injected));
    for (int i = 0; i < 11; ++i) {
      // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
      ASSERT_TRUE(
          f.h.send(f.ca, f.a, f.dm, std::string(i < 10 ? "0" : "").append(std::to_string(i)))
              .success);
      f.h.clock.advance(kSec);
      ASSERT_TRUE(
          f.h.call(f.cb, "set_message", R"({"id":)" + std::to_string(i + 1) + R"(,"pinned":true})")
              .success);
    }
    const auto pinned = f.h.call(f.ca, "get_pinned", R"({"id":)" + f.ids + "}");
    ASSERT_TRUE(pinned.success) << pinned.raw;
    ASSERT_EQ(pinned.result.Size(), injected ? 10u : 11u) << "injected " << injected;
    EXPECT_STREQ(pinned.result[0]["message"].GetString(), "10");  // newest first
    EXPECT_STREQ(pinned.result[pinned.result.Size() - 1]["message"].GetString(),
                 injected ? "01" : "00");
  }
}

// EV-DM-013 / EV-DM-014: every pending X3DH object reaches the user at login, oldest first.
TEST(FaultHooks, PendingX3dhOnlyLatestDropsTheOlderInvitation) {
  if (!kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  for (const bool injected : {false, true}) {
    Harness h("", with_fault(Fault::pending_x3dh_only_latest, injected));
    TestUser a, b, c, d;
    const ConnId ca = h.signed_up(a, "alice");
    h.disconnect(h.signed_up(b, "bob"));  // bob offline: both invitations stay pending
    h.signed_up(c, "carol");
    h.signed_up(d, "dave");
    const auto dm1 = h.create_dm(ca, {&b, &c});
    const auto dm2 = h.create_dm(ca, {&b, &d});
    const ConnId cb = h.login(b);
    std::vector<std::int64_t> delivered;
    for (const auto& n : h.drain(cb)) {
      ASSERT_EQ(n.name, "x3dh_notification");
      delivered.push_back(parse(n.json)["id"].GetInt64());
    }
    const std::vector<std::int64_t> expected =
        injected ? std::vector<std::int64_t>{dm2} : std::vector<std::int64_t>{dm1, dm2};
    EXPECT_EQ(delivered, expected) << "injected " << injected;
    EXPECT_TRUE(h.drain(h.login(b)).empty());  // nothing left pending either way
  }
}

// EV-MSG-005 / EV-MSG-027: a new message reaches every member's connections, however many.
TEST(FaultHooks, FanoutFirstEightSkipsMembersNineAndTen) {
  if (!kFaultInjectionBuilt) GTEST_SKIP() << "built without UNM_TEST_FAULTS";
  for (const bool injected : {false, true}) {
    Harness h("", with_fault(Fault::fanout_first_eight, injected));
    std::vector<TestUser> users(10);
    std::vector<ConnId> conns;
    for (std::size_t i = 0; i < users.size(); ++i) {
      conns.push_back(h.signed_up(users[i], "user" + std::to_string(i)));
    }
    std::vector<const TestUser*> targets;
    for (std::size_t i = 1; i < users.size(); ++i) targets.push_back(&users[i]);
    const auto big = h.create_dm(conns[0], targets);  // positions 0 … 9
    targets.resize(7);
    const auto small = h.create_dm(conns[0], targets);  // positions 0 … 7: unaffected
    h.drain_all();
    for (const auto dm : {big, small}) {
      ASSERT_TRUE(h.send(conns[0], users[0], dm, "ab").success);
      const std::size_t members = dm == big ? 10 : 8;
      for (std::size_t i = 0; i < members; ++i) {
        const bool reached = !injected || i < 8;
        EXPECT_EQ(
            Harness::names(h.drain(conns[i])),
            reached ? std::vector<std::string>{"message_notification"} : std::vector<std::string>{})
            << "injected " << injected << ", DM of " << members << ", position " << i;
      }
    }
  }
}

}  // namespace
}  // namespace unm::server::testing
