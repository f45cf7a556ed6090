// robustness_test.cc — atomicity when the store fails (EV-TRN-010), notification order across
// requests (EV-TRN-027), and the remaining shape failures of every event.
#include <sqlite3.h>

#include <filesystem>

#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

using protocol::Reason;

// A store fault in the middle of a request: the request answers R-INTERNAL, nothing of it is
// applied and nobody is notified.
TEST(Atomicity, AStoreFaultAppliesNothingAndNotifiesNobody) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("unm_atomic_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "chat.db").string();
  Harness h(path);
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  h.befriend(ca, a, cb, b);
  const auto dm = h.create_dm(ca, {&b});
  ASSERT_TRUE(h.send(ca, a, dm, "aa").success);
  h.drain_all();
  // Another connection to the same file installs a trigger that makes reaction inserts fail:
  // add_reaction fails after its checks passed, half-way through its writes.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TRIGGER fault BEFORE INSERT ON reactions "
                           "BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  const auto r = h.call(cb, "add_reaction",
                        R"({"id":1,"reaction":"f00d","signature":")" + h.sign(b, "f00d") + "\"}");
  expect_fail(r, Reason::internal);
  EXPECT_TRUE(h.drain(ca).empty());
  EXPECT_TRUE(h.drain(cb).empty());
  const auto m = h.call(ca, "get_message", R"({"id":1})");
  EXPECT_EQ(json_text(m.result["reactions"]), "[]");
  // The server keeps working, and the next requests succeed.
  EXPECT_TRUE(h.send(ca, a, dm, "bb").success);
  EXPECT_EQ(Harness::names(h.drain(cb)), std::vector<std::string>{"message_notification"});
  std::filesystem::remove_all(dir);
}

TEST(Ordering, NotificationsFollowCommitOrderOnEveryConnection) {  // EV-TRN-027, EV-NTF-003
  Harness h;
  TestUser a, b, c;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  const ConnId cc = h.signed_up(c, "carol");
  const auto dm = h.create_dm(ca, {&b, &c});
  const auto id = std::to_string(dm);
  h.drain_all();
  ASSERT_TRUE(h.send(ca, a, dm, "01").success);
  ASSERT_TRUE(h.call(cb, "set_dm", R"({"id":)" + id + R"(,"name":"n"})").success);
  ASSERT_TRUE(h.send(cc, c, dm, "02").success);
  ASSERT_TRUE(h.call(cb, "ping_typing", R"({"id":)" + id + "}").success);
  ASSERT_TRUE(h.call(ca, "add_reaction",
                     R"({"id":1,"reaction":"ab","signature":")" + h.sign(a, "ab") + "\"}")
                  .success);
  const std::vector<std::string> want{"message_notification", "dm_notification",
                                      "message_notification", "typing_notification",
                                      "message_notification", "message_change_notification"};
  auto without_typing = want;
  without_typing.erase(without_typing.begin() + 3);
  EXPECT_EQ(Harness::names(h.drain(ca)), want);
  EXPECT_EQ(Harness::names(h.drain(cb)), without_typing);  // no typing notice to the requester
  EXPECT_EQ(Harness::names(h.drain(cc)), want);
}

TEST(Shapes, RemainingFormatFailures) {  // EV-TRN-011, EV-TRN-014, Table 2
  Harness h;
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  h.befriend(ca, a, cb, b);
  const auto id = std::to_string(h.create_dm(ca, {&b}));
  ASSERT_TRUE(h.send(ca, a, std::stoll(id), "aa").success);
  const std::pair<const char*, std::string> cases[] = {
      {"get_dm", R"({"id":1.0})"},
      {"get_dm", R"({"id":1,"x":1})"},
      {"get_message", R"({"id":0})"},
      {"get_message", R"({})"},
      {"get_pinned", R"({"id":-3})"},
      {"leave_dm", R"({"id":null})"},
      {"remove_reaction", R"({"id":"1"})"},
      {"add_reaction", R"({"id":1,"reaction":"ab"})"},
      {"cancel_scheduled_message", R"({"dm_id":)" + id + R"(,"schedule_id":0})"},
      {"cancel_scheduled_message", R"({"dm_id":)" + id + "}"},
      {"join_call", R"({"id":)" + id + R"(,"uuid":")" + std::string(129, 'u') + "\"}"},
      {"join_call", R"({"id":)" + id + R"(,"uuid":7})"},
      {"leave_call", R"({"id":)" + id + R"(,"uuid":"x"})"},
      {"ping_typing", "{}"},
      {"unfriend", R"({"username":null})"},
      {"block_user", R"({"username":"bob","x":1})"},
      {"unblock", "{}"},
      {"get_user_list", R"({"a":null})"},
      {"get_friend_requests", R"({"a":1})"},
      {"get_outgoing_requests", R"({"a":1})"},
      {"get_blocked", R"({"a":1})"},
      {"get_dms", R"({"a":1})"},
      {"username_exists", R"({"username":null})"},
      {"set_dm", R"({"id":"1","name":"x"})"},
      {"set_message", R"({"id":1.5,"pinned":true})"},
      {"get_message_history", R"({"id":)" + id + R"(,"cursor":5,"count":1})"},
      {"get_message_history", R"({"id":)" + id + R"(,"cursor":"2020-01-01T00:00:00","count":1.0})"},
      {"get_message_history", R"({"id":)" + id + R"(,"cursor":"2020-01-01T00:00:00"})"},
      {"create_dm", R"({"usernames":"bob","messages":[],"key_tree":[]})"},
  };
  for (const auto& [event, payload] : cases) {
    SCOPED_TRACE(std::string(event) + " " + payload);
    expect_fail(h.call(ca, event, payload), Reason::format);
  }
  // A well-formed Id that names nothing fails with the access reason (EV-TRN-014).
  expect_fail(h.call(ca, "get_message", R"({"id":9007199254740991})"), Reason::msgaccess);
  expect_fail(h.call(ca, "get_dm", R"({"id":9007199254740991})"), Reason::dmaccess);
  expect_fail(h.call(ca, "remove_reaction", R"({"id":9007199254740991})"), Reason::rctaccess);
  // Nothing above notified anybody.
  h.drain_all();
  EXPECT_TRUE(h.drain(cb).empty());
}

TEST(Shapes, LimitsAtTheirEdges) {  // Table 2
  Harness h;
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  h.befriend(ca, a, cb, b);
  const auto dm = h.create_dm(ca, {&b});
  EXPECT_TRUE(h.send(ca, a, dm, std::string(131072, 'a')).success);
  EXPECT_TRUE(h.send(ca, a, dm, "ab", 31536000, 31536000).success);
  EXPECT_TRUE(
      h.call(ca, "set_dm",
             R"({"id":)" + std::to_string(dm) + R"(,"name":")" + std::string(100, 'n') + "\"}")
          .success);
  EXPECT_TRUE(h.call(ca, "set_dm", R"({"id":)" + std::to_string(dm) + R"(,"name":""})").success);
  EXPECT_TRUE(
      h.call(ca, "join_call",
             R"({"id":)" + std::to_string(dm) + R"(,"uuid":")" + std::string(128, 'u') + "\"}")
          .success);
  // Scalar values, not bytes: 500 × "é" (1000 bytes) is a valid biography.
  std::string bio;
  for (int i = 0; i < 500; ++i) bio += "\xc3\xa9";
  EXPECT_TRUE(h.call(ca, "set_user", R"({"biography":")" + bio + "\"}").success);
  auto u = h.make_user(std::string(64, 'z'));
  h.register_user(u);
  EXPECT_EQ(
      expect_ok(h.call(ca, "username_exists", R"({"username":")" + std::string(64, 'z') + "\"}")),
      "true");
}

}  // namespace
}  // namespace unm::server::testing
