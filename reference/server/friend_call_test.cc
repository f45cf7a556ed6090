// friend_call_test.cc — friends and blocking: the §8.3 table cell by cell; calls (§9).
#include <array>

#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

using protocol::Reason;

enum Action { kSend, kAccept, kRefuse, kUnfriend, kBlock, kUnblock };
constexpr int kFail = -1;
enum Notice { kNone, kRQ, kAC, kUF };

struct Cell {
  int next;  // state number, or kFail
  Notice notice;
};

// The table of events.md §8.3 (rows S0…S8, columns in Action order).
constexpr std::array<std::array<Cell, 6>, 9> kTable{{
    {{{1, kRQ}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {4, kNone}, {kFail, kNone}}},
    {{{kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {4, kNone}, {kFail, kNone}}},
    {{{kFail, kNone}, {3, kAC}, {0, kAC}, {kFail, kNone}, {8, kNone}, {kFail, kNone}}},
    {{{kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {0, kUF}, {4, kNone}, {kFail, kNone}}},
    {{{1, kRQ}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {0, kNone}}},
    {{{kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {6, kNone}, {kFail, kNone}}},
    {{{kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {5, kNone}}},
    {{{kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {kFail, kNone}, {6, kNone}, {kFail, kNone}}},
    {{{kFail, kNone}, {3, kAC}, {4, kAC}, {kFail, kNone}, {kFail, kNone}, {2, kNone}}},
}};

struct Pair {
  Harness h;
  TestUser a, b;
  ConnId ca = 0, cb = 0;
  Pair() {
    ca = h.signed_up(a, "alice");
    cb = h.signed_up(b, "bob");
  }
  bool act(ConnId c, Action act, const std::string& target) {
    const std::string u = R"({"username":")" + target + "\"}";
    switch (act) {
      case kSend:
        return h.call(c, "send_friend_request", u).success;
      case kAccept:
        return h.call(c, "ack_friend_request", R"({"username":")" + target + R"(","accept":true})")
            .success;
      case kRefuse:
        return h.call(c, "ack_friend_request", R"({"username":")" + target + R"(","accept":false})")
            .success;
      case kUnfriend:
        return h.call(c, "unfriend", u).success;
      case kBlock:
        return h.call(c, "block_user", u).success;
      case kUnblock:
        return h.call(c, "unblock", u).success;
    }
    return false;
  }
  bool has(ConnId c, const char* event, const char* name) {
    const auto r = h.call(c, event, "{}");
    EXPECT_TRUE(r.success);
    for (const auto& v : r.result.GetArray()) {
      if (std::string(v.GetString()) == name) return true;
    }
    return false;
  }
  // state observes the pair from alice's side through the four queries of EV-FRD-004.
  int state() {
    const bool friends = has(ca, "get_friends", "bob");
    EXPECT_EQ(friends, has(cb, "get_friends", "alice"));
    const bool a_req = has(ca, "get_outgoing_requests", "bob");
    EXPECT_EQ(a_req, has(cb, "get_friend_requests", "alice"));
    const bool b_req = has(cb, "get_outgoing_requests", "alice");
    EXPECT_EQ(b_req, has(ca, "get_friend_requests", "bob"));
    const bool a_block = has(ca, "get_blocked", "bob");
    const bool b_block = has(cb, "get_blocked", "alice");
    if (friends) {
      EXPECT_FALSE(a_req || b_req || a_block || b_block);  // EV-FRD-001 (ii)
      return 3;
    }
    EXPECT_FALSE(a_req && b_req);  // EV-FRD-001 (i)
    if (a_req && b_block) return 7;
    if (a_block && b_req) return 8;
    if (a_block && b_block) return 6;
    if (a_req) return 1;
    if (b_req) return 2;
    if (a_block) return 4;
    if (b_block) return 5;
    return 0;
  }
  // reach puts the pair into state `s` through events.
  void reach(int s) {
    switch (s) {
      case 0:
        break;
      case 1:
        ASSERT_TRUE(act(ca, kSend, "bob"));
        break;
      case 2:
        ASSERT_TRUE(act(cb, kSend, "alice"));
        break;
      case 3:
        ASSERT_TRUE(act(ca, kSend, "bob"));
        ASSERT_TRUE(act(cb, kAccept, "alice"));
        break;
      case 4:
        ASSERT_TRUE(act(ca, kBlock, "bob"));
        break;
      case 5:
        ASSERT_TRUE(act(cb, kBlock, "alice"));
        break;
      case 6:
        ASSERT_TRUE(act(ca, kBlock, "bob"));
        ASSERT_TRUE(act(cb, kBlock, "alice"));
        break;
      case 7:
        ASSERT_TRUE(act(ca, kSend, "bob"));
        ASSERT_TRUE(act(cb, kBlock, "alice"));
        break;
      case 8:
        ASSERT_TRUE(act(cb, kSend, "alice"));
        ASSERT_TRUE(act(ca, kBlock, "bob"));
        break;
    }
    ASSERT_EQ(state(), s);
  }
};

TEST(FriendTable, EveryCell) {  // EV-FRD-003…011
  static constexpr const char* kActionNames[] = {"send",     "ack(true)", "ack(false)",
                                                 "unfriend", "block",     "unblock"};
  for (int s = 0; s < 9; ++s) {
    for (int act = 0; act < 6; ++act) {
      // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
      SCOPED_TRACE(
          std::string("S").append(std::to_string(s)).append(" ").append(kActionNames[act]));
      Pair p;
      p.reach(s);
      p.h.drain_all();
      const Cell cell = kTable[s][act];
      const bool ok = p.act(p.ca, static_cast<Action>(act), "bob");
      EXPECT_EQ(ok, cell.next != kFail);
      const auto na = p.h.drain(p.ca);
      const auto nb = p.h.drain(p.cb);
      switch (cell.notice) {
        case kNone:
          EXPECT_TRUE(na.empty());
          EXPECT_TRUE(nb.empty());
          break;
        case kRQ:
          EXPECT_TRUE(na.empty());
          ASSERT_EQ(nb.size(), 1u);
          EXPECT_EQ(nb[0].name, "friend_request_notification");
          EXPECT_EQ(nb[0].json, R"({"username":"alice"})");
          break;
        case kAC:
          EXPECT_TRUE(na.empty());
          ASSERT_EQ(nb.size(), 1u);
          EXPECT_EQ(nb[0].name, "friend_request_accept_notification");
          EXPECT_EQ(nb[0].json, act == kAccept ? R"({"username":"alice","accept":true})"
                                               : R"({"username":"alice","accept":false})");
          break;
        case kUF:
          ASSERT_EQ(na.size(), 1u);
          ASSERT_EQ(nb.size(), 1u);
          EXPECT_EQ(na[0].name, "unfriend_notification");
          EXPECT_EQ(na[0].json, R"({"username":"bob"})");
          EXPECT_EQ(nb[0].json, R"({"username":"alice"})");
          break;
      }
      EXPECT_EQ(p.state(), cell.next == kFail ? s : cell.next);
    }
  }
}

TEST(Friends, SelfUnknownAndShapeFailures) {  // EV-FRD-002/003/007/008
  Pair p;
  expect_fail(p.h.call(p.ca, "send_friend_request", R"({"username":"alice"})"), Reason::relation,
              "You cannot friend yourself.");
  expect_fail(p.h.call(p.ca, "send_friend_request", R"({"username":"nobody"})"), Reason::relation,
              "Could not friend that person.");
  ASSERT_TRUE(p.act(p.cb, kBlock, "alice"));
  // Blocked: the same text as an unknown user, so the block is not revealed.
  expect_fail(p.h.call(p.ca, "send_friend_request", R"({"username":"bob"})"), Reason::relation,
              "Could not friend that person.");
  expect_fail(p.h.call(p.ca, "block_user", R"({"username":"alice"})"), Reason::relation);
  expect_fail(p.h.call(p.ca, "block_user", R"({"username":"nobody"})"), Reason::relation);
  expect_fail(p.h.call(p.ca, "unblock", R"({"username":"nobody"})"), Reason::relation);
  expect_fail(p.h.call(p.ca, "unfriend", R"({"username":"nobody"})"), Reason::relation);
  expect_fail(p.h.call(p.ca, "ack_friend_request", R"({"username":"nobody","accept":true})"),
              Reason::relation);
  expect_fail(p.h.call(p.ca, "ack_friend_request", R"({"username":"bob","accept":"yes"})"),
              Reason::format);
  expect_fail(p.h.call(p.ca, "send_friend_request", R"({"user":"bob"})"), Reason::format);
  expect_fail(p.h.call(p.ca, "get_friends", R"({"x":1})"), Reason::format);
  // The alias `unblock_user` (EV-TRN-013).
  EXPECT_TRUE(p.h.call(p.cb, "unblock_user", R"({"username":"alice"})").success);
}

TEST(Calls, JoinLeaveAndDisconnect) {  // EV-CALL-001…010
  Harness h;
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  h.befriend(ca, a, cb, b);
  const auto id = std::to_string(h.create_dm(ca, {&b}));
  h.drain_all();
  expect_fail(h.call(ca, "join_call", R"({"id":)" + id + R"(,"uuid":""})"), Reason::format);
  expect_fail(h.call(ca, "join_call", R"({"id":999,"uuid":"p1"})"), Reason::dmaccess);
  expect_fail(h.call(ca, "leave_call", R"({"id":)" + id + "}"), Reason::state,
              "You are not part of the call.");
  EXPECT_EQ(expect_ok(h.call(ca, "join_call", R"({"id":)" + id + R"(,"uuid":"p1"})")),
            R"({"alice":"p1"})");
  for (ConnId c : {ca, cb}) {
    auto n = h.drain(c);
    ASSERT_EQ(Harness::names(n), (std::vector<std::string>{"dm_notification", "user_joined_call"}));
    EXPECT_EQ(json_text(parse(n[0].json)["users_in_call"]), R"(["alice"])");
    EXPECT_EQ(n[1].json, R"({"id":)" + id + R"(,"username":"alice"})");
  }
  const ConnId cb2 = h.login(b);
  EXPECT_EQ(expect_ok(h.call(cb2, "join_call", R"({"id":)" + id + R"(,"uuid":"p2"})")),
            R"({"alice":"p1","bob":"p2"})");
  // Re-join replaces the uuid and moves alice to the end (EV-CALL-006).
  EXPECT_EQ(expect_ok(h.call(ca, "join_call", R"({"id":)" + id + R"(,"uuid":"p3"})")),
            R"({"bob":"p2","alice":"p3"})");
  EXPECT_EQ(json_text(h.call(cb, "get_dm", R"({"id":)" + id + "}").result["users_in_call"]),
            R"(["bob","alice"])");
  h.drain_all();
  EXPECT_TRUE(h.call(ca, "leave_call", R"({"id":)" + id + "}").success);
  auto n = h.drain(cb);
  ASSERT_EQ(Harness::names(n), (std::vector<std::string>{"dm_notification", "user_left_call"}));
  EXPECT_EQ(json_text(parse(n[0].json)["users_in_call"]), R"(["bob"])");
  h.drain_all();
  // Closing another connection of bob does not end his call; closing the joining one does.
  h.disconnect(cb);
  EXPECT_TRUE(h.drain(ca).empty());
  h.disconnect(cb2);
  n = h.drain(ca);
  ASSERT_EQ(Harness::names(n), (std::vector<std::string>{"profile_notification", "dm_notification",
                                                         "user_left_call"}));
  EXPECT_EQ(json_text(parse(n[1].json)["users_in_call"]), "[]");
}

TEST(Calls, LeavingTheDmLeavesTheCall) {  // EV-DM-027, EV-CALL-009
  Harness h;
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  h.befriend(ca, a, cb, b);
  const auto id = std::to_string(h.create_dm(ca, {&b}));
  ASSERT_TRUE(h.call(cb, "join_call", R"({"id":)" + id + R"(,"uuid":"p"})").success);
  h.drain_all();
  ASSERT_TRUE(h.call(cb, "leave_dm", R"({"id":)" + id + "}").success);
  auto n = h.drain(ca);
  ASSERT_EQ(Harness::names(n), (std::vector<std::string>{"dm_notification", "user_left_call"}));
  auto d = parse(n[0].json);
  EXPECT_EQ(json_text(d["users"]), R"(["alice"])");
  EXPECT_EQ(json_text(d["users_in_call"]), "[]");
  EXPECT_TRUE(h.drain(cb).empty());
  EXPECT_EQ(json_text(h.call(ca, "get_dm", R"({"id":)" + id + "}").result["users_in_call"]), "[]");
}

}  // namespace
}  // namespace unm::server::testing
