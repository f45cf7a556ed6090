// message_test.cc — messages, history, pins, edits, scheduling, self-destruct, reactions
// (events.md §5, §6), and durable timers across a restart (EV-MSG-012).
#include <filesystem>

#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

using protocol::Reason;

class Messages : public ::testing::Test {
 protected:
  void SetUp() override { init(h); }
  void init(Harness& hh) {
    ca = hh.signed_up(a, "alice");
    cb = hh.signed_up(b, "bob");
    hh.befriend(ca, a, cb, b);
    dm = hh.create_dm(ca, {&b});
    ids = std::to_string(dm);
    hh.drain_all();
  }
  Harness h;
  TestUser a, b;
  ConnId ca = 0, cb = 0;
  std::int64_t dm = 0;
  std::string ids;
};

TEST_F(Messages, SendNotifiesEveryMemberConnection) {  // EV-MSG-005, EV-MSG-027
  const ConnId ca2 = h.login(a);
  h.drain_all();
  EXPECT_EQ(expect_ok(h.send(ca, a, dm, "c0ffee")), "true");
  for (ConnId c : {ca, ca2, cb}) {
    auto n = h.drain(c);
    ASSERT_EQ(Harness::names(n), std::vector<std::string>{"message_notification"});
    auto m = parse(n[0].json);
    EXPECT_EQ(m.MemberCount(), 9u);
    EXPECT_EQ(m["dm_id"].GetInt64(), dm);
    EXPECT_STREQ(m["sender"].GetString(), "alice");
    EXPECT_STREQ(m["message"].GetString(), "c0ffee");
    EXPECT_TRUE(m["delete_timestamp"].IsNull());
    EXPECT_FALSE(m["pinned"].GetBool());
    EXPECT_EQ(json_text(m["reactions"]), "[]");
    EXPECT_STREQ(m["timestamp"].GetString(), protocol::format_timestamp(kStart).c_str());
  }
}

TEST_F(Messages, SendFailures) {  // EV-MSG-001…004
  const std::string sig = h.sign(a, "00");
  auto send = [&](std::string id, std::string msg, std::string s, std::string sched,
                  std::string del) {
    return h.call(ca, "send_message",
                  R"({"id":)" + id + R"(,"message":)" + msg + R"(,"signature":)" + s +
                      R"(,"schedule":)" + sched + R"(,"delete":)" + del + "}");
  };
  const std::string qs = "\"" + sig + "\"";
  expect_fail(send(ids, R"("00")", qs, "0", "-1"), Reason::format);
  expect_fail(send(ids, R"("00")", qs, "0.5", "0"), Reason::format);
  expect_fail(send(ids, R"("00")", qs, "31536001", "0"), Reason::format);
  expect_fail(send("\"" + ids + "\"", R"("00")", qs, "0", "0"), Reason::format);
  expect_fail(send(ids, "0", qs, "0", "0"), Reason::format);
  expect_fail(send(ids, R"("0")", qs, "0", "0"), Reason::format);  // below 2 characters
  expect_fail(send(ids, "\"" + std::string(131074, 'a') + "\"", qs, "0", "0"), Reason::format);
  expect_fail(send(ids, R"("0G")", qs, "0", "0"), Reason::malformed);
  expect_fail(send(ids, R"("01")", qs, "0", "0"), Reason::malformed);  // signature of "00"
  expect_fail(send(ids, R"("00")", R"("00")", "0", "0"), Reason::malformed);
  expect_fail(send("999", R"("00")", qs, "0", "0"), Reason::dmaccess);
  expect_fail(
      h.call(ca, "send_message",
             R"({"id":)" + ids + R"(,"message":"00","signature":)" + qs + R"(,"schedule":0})"),
      Reason::format);
  // A 1:1 DM without friendship refuses messages (EV-MSG-003).
  EXPECT_TRUE(h.call(cb, "unfriend", R"({"username":"alice"})").success);
  expect_fail(send(ids, R"("00")", qs, "0", "0"), Reason::notfriends);
  h.drain_all();
  EXPECT_TRUE(h.drain(cb).empty());  // failures notify nobody (EV-TRN-010)
}

TEST_F(Messages, GetMessageAndHistoryPaging) {  // EV-MSG-013…017
  for (int i = 0; i < 5; ++i) {
    // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
    ASSERT_TRUE(h.send(ca, a, dm, std::string("0").append(std::to_string(i))).success);
    h.clock.advance(kSec);
  }
  const auto first = h.call(cb, "get_message", R"({"id":1})");
  ASSERT_TRUE(first.success);
  EXPECT_STREQ(first.result["message"].GetString(), "00");
  expect_fail(h.call(cb, "get_message", R"({"id":99})"), Reason::msgaccess);
  const std::string now = protocol::format_timestamp(h.clock.now());
  auto page = h.call(cb, "get_message_history",
                     R"({"id":)" + ids + R"(,"cursor":")" + now + R"(","count":2})");
  ASSERT_TRUE(page.success) << page.raw;
  ASSERT_EQ(page.result.Size(), 2u);
  EXPECT_STREQ(page.result[0]["message"].GetString(), "04");
  EXPECT_STREQ(page.result[1]["message"].GetString(), "03");
  // The cursor is exclusive: the oldest timestamp held gives the next page (`limit` alias).
  const std::string cursor = page.result[1]["timestamp"].GetString();
  page = h.call(cb, "get_message_history",
                R"({"id":)" + ids + R"(,"cursor":")" + cursor + R"(","limit":10})");
  ASSERT_TRUE(page.success);
  ASSERT_EQ(page.result.Size(), 3u);
  EXPECT_STREQ(page.result[0]["message"].GetString(), "02");
  EXPECT_EQ(expect_ok(h.call(cb, "get_message_history",
                             R"({"id":)" + ids + R"(,"cursor":")" + now + R"(","count":0})")),
            "[]");
  expect_fail(
      h.call(cb, "get_message_history", R"({"id":)" + ids + R"(,"cursor":"yesterday","count":2})"),
      Reason::malformed);
  expect_fail(h.call(cb, "get_message_history",
                     R"({"id":)" + ids + R"(,"cursor":")" + now + R"(","count":2,"limit":2})"),
              Reason::format);
  expect_fail(h.call(cb, "get_message_history",
                     R"({"id":)" + ids + R"(,"cursor":")" + now + R"(","count":-1})"),
              Reason::format);
  expect_fail(
      h.call(cb, "get_message_history", R"({"id":999,"cursor":")" + now + R"(","count":1})"),
      Reason::dmaccess);
  const auto dmres = h.call(cb, "get_dm", R"({"id":)" + ids + "}");
  EXPECT_STREQ(dmres.result["latest_message"]["message"].GetString(), "04");
}

TEST_F(Messages, HistoryPageIsCappedAtOneHundred) {  // Table 2
  for (int i = 0; i < 105; ++i) ASSERT_TRUE(h.send(ca, a, dm, "ab").success);
  const auto page =
      h.call(ca, "get_message_history",
             R"({"id":)" + ids + R"(,"cursor":"2100-01-01T00:00:00Z","count":2147483647})");
  ASSERT_TRUE(page.success);
  EXPECT_EQ(page.result.Size(), 100u);
}

TEST_F(Messages, EditAndPin) {  // EV-MSG-019…024
  ASSERT_TRUE(h.send(ca, a, dm, "aa").success);
  h.drain_all();
  const std::string sig = h.sign(a, "bbbb");
  EXPECT_TRUE(h.call(ca, "set_message",
                     R"({"id":1,"message":"bbbb","signature":")" + sig + R"(","extra":1})")
                  .success);
  auto n = h.drain(cb);
  ASSERT_EQ(Harness::names(n), std::vector<std::string>{"message_change_notification"});
  EXPECT_STREQ(parse(n[0].json)["message"].GetString(), "bbbb");
  // Bob may pin but not edit alice's message.
  EXPECT_TRUE(h.call(cb, "set_message", R"({"id":1,"pinned":true})").success);
  const std::string bsig = h.sign(b, "cc");
  expect_fail(h.call(cb, "set_message", R"({"id":1,"message":"cc","signature":")" + bsig + "\"}"),
              Reason::state, "You cannot edit that message.");
  expect_fail(h.call(ca, "set_message", R"({"id":1,"message":"cc","signature":")" + bsig + "\"}"),
              Reason::malformed);
  expect_fail(h.call(ca, "set_message", R"({"id":1})"), Reason::format);
  expect_fail(h.call(ca, "set_message", R"({"id":1,"message":"cc"})"), Reason::format);
  expect_fail(h.call(ca, "set_message", R"({"id":1,"signature":")" + bsig + "\"}"), Reason::format);
  expect_fail(h.call(ca, "set_message", R"({"id":1,"pinned":1})"), Reason::format);
  expect_fail(h.call(ca, "set_message", R"({"pinned":true})"), Reason::format);
  expect_fail(h.call(ca, "set_message", R"({"id":9,"pinned":true})"), Reason::msgaccess);
  const auto pinned = h.call(ca, "get_pinned", R"({"id":)" + ids + "}");
  ASSERT_EQ(pinned.result.Size(), 1u);
  EXPECT_STREQ(pinned.result[0]["message"].GetString(), "bbbb");
  expect_fail(h.call(ca, "get_pinned", R"({"id":999})"), Reason::dmaccess);
}

TEST_F(Messages, ReactionsAddAndRemove) {  // EV-RCT-001…008
  ASSERT_TRUE(h.send(ca, a, dm, "aa").success);
  h.drain_all();
  const auto r = h.call(cb, "add_reaction",
                        R"({"id":1,"reaction":"f00d","signature":")" + h.sign(b, "f00d") + "\"}");
  ASSERT_TRUE(r.success);
  const auto rid = r.result.GetInt64();
  for (ConnId c : {ca, cb}) {
    auto n = h.drain(c);
    ASSERT_EQ(Harness::names(n),
              (std::vector<std::string>{"message_notification", "message_change_notification"}));
    auto m = parse(n[0].json);
    ASSERT_EQ(m["reactions"].Size(), 1u);
    EXPECT_EQ(m["reactions"][0]["id"].GetInt64(), rid);
    EXPECT_STREQ(m["reactions"][0]["sender"].GetString(), "bob");
  }
  expect_fail(h.call(cb, "add_reaction",
                     R"({"id":1,"reaction":"f00d","signature":")" + h.sign(a, "f00d") + "\"}"),
              Reason::malformed);
  expect_fail(h.call(cb, "add_reaction",
                     R"({"id":7,"reaction":"f00d","signature":")" + h.sign(b, "f00d") + "\"}"),
              Reason::msgaccess);
  expect_fail(h.call(cb, "add_reaction",
                     R"({"id":1,"reaction":")" + std::string(4098, 'a') + R"(","signature":")" +
                         h.sign(b, "f00d") + "\"}"),
              Reason::format);
  expect_fail(h.call(ca, "remove_reaction", R"({"id":)" + std::to_string(rid) + "}"),
              Reason::rctaccess);
  expect_fail(h.call(cb, "remove_reaction", R"({"id":999})"), Reason::rctaccess);
  // A former member may still withdraw its own reaction (EV-RCT-006).
  EXPECT_TRUE(h.call(cb, "leave_dm", R"({"id":)" + ids + "}").success);
  h.drain_all();
  EXPECT_TRUE(h.call(cb, "remove_reaction", R"({"id":)" + std::to_string(rid) + "}").success);
  auto n = h.drain(ca);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(json_text(parse(n[1].json)["reactions"]), "[]");
  EXPECT_TRUE(h.drain(cb).empty());
}

TEST_F(Messages, ScheduledMessageLifecycle) {  // EV-MSG-006…009, EV-DM-019
  ASSERT_TRUE(h.send(ca, a, dm, "aa", 120, 30).success);
  ASSERT_TRUE(h.send(ca, a, dm, "bb", 30).success);
  EXPECT_TRUE(h.drain(ca).empty());
  auto d = h.call(ca, "get_dm", R"({"id":)" + ids + "}");
  EXPECT_EQ(d.result["scheduled_messages"].MemberCount(), 2u);
  ASSERT_TRUE(d.result["scheduled_messages"].HasMember("1"));
  EXPECT_STREQ(d.result["scheduled_messages"]["1"]["timestamp"].GetString(),
               protocol::format_timestamp(kStart + 120 * kSec).c_str());
  EXPECT_EQ(
      h.call(cb, "get_dm", R"({"id":)" + ids + "}").result["scheduled_messages"].MemberCount(),
      0u);  // others' scheduled messages are never shown
  expect_fail(h.call(cb, "cancel_scheduled_message", R"({"dm_id":)" + ids + R"(,"schedule_id":2})"),
              Reason::state, "You did not schedule a message with that id.");
  EXPECT_TRUE(h.call(ca, "cancel_scheduled_message", R"({"dm_id":)" + ids + R"(,"schedule_id":2})")
                  .success);
  expect_fail(h.call(ca, "cancel_scheduled_message", R"({"dm_id":)" + ids + R"(,"schedule_id":2})"),
              Reason::state);
  h.clock.advance(59 * kSec);
  h.server->run_due();
  EXPECT_TRUE(h.drain(ca).empty());  // neither "bb" (cancelled) nor the soon notice yet
  h.clock.advance(1 * kSec);         // 60 s before the send
  h.server->run_due();
  auto n = h.drain(ca);
  ASSERT_EQ(Harness::names(n), std::vector<std::string>{"scheduled_soon_notification"});
  EXPECT_EQ(n[0].json, R"({"dm_id":)" + ids + R"(,"schedule_id":1})");
  EXPECT_TRUE(h.drain(cb).empty());
  h.clock.advance(60 * kSec - 1);
  h.server->run_due();
  EXPECT_TRUE(h.drain(ca).empty());  // never early (EV-MSG-012)
  h.clock.advance(1);
  h.server->run_due();
  n = h.drain(ca);
  ASSERT_EQ(Harness::names(n), (std::vector<std::string>{"scheduled_message_sent_notification",
                                                         "message_notification"}));
  auto m = parse(n[1].json);
  EXPECT_STREQ(m["timestamp"].GetString(), protocol::format_timestamp(kStart + 120 * kSec).c_str());
  EXPECT_STREQ(m["delete_timestamp"].GetString(),
               protocol::format_timestamp(kStart + 150 * kSec).c_str());
  EXPECT_EQ(Harness::names(h.drain(cb)), std::vector<std::string>{"message_notification"});
  // Self-destruct 30 s after the actual send (EV-MSG-011).
  h.clock.advance(30 * kSec);
  h.server->run_due();
  n = h.drain(cb);
  ASSERT_EQ(Harness::names(n), std::vector<std::string>{"message_delete_notification"});
  EXPECT_EQ(n[0].json, std::to_string(m["id"].GetInt64()));
  expect_fail(h.call(cb, "get_message", R"({"id":)" + std::to_string(m["id"].GetInt64()) + "}"),
              Reason::msgaccess);
}

TEST_F(Messages, ShortScheduleHasNoSoonNotice) {  // EV-MSG-008
  ASSERT_TRUE(h.send(ca, a, dm, "aa", 60).success);
  h.clock.advance(60 * kSec);
  h.server->run_due();
  EXPECT_EQ(
      Harness::names(h.drain(ca)),
      (std::vector<std::string>{"scheduled_message_sent_notification", "message_notification"}));
}

TEST(Restart, TimersResumeFromTheDatabaseFile) {  // EV-MSG-012, EV-DM-013
  const auto dir =
      std::filesystem::temp_directory_path() / ("unm_restart_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "chat.db").string();
  TestUser a, b, c;
  std::int64_t dm = 0;
  {
    Harness h(path);
    const ConnId ca = h.signed_up(a, "alice");
    const ConnId cb = h.signed_up(b, "bob");
    h.befriend(ca, a, cb, b);
    c = h.make_user("carol");
    h.register_user(c);
    dm = h.create_dm(ca, {&b, &c});                       // carol's X3DH object is pending
    ASSERT_TRUE(h.send(ca, a, dm, "01", 0, 10).success);  // deletes at +10 s
    ASSERT_TRUE(h.send(ca, a, dm, "02", 5).success);      // sends at +5 s
    ASSERT_TRUE(h.send(ca, a, dm, "03", 3600).success);   // sends at +1 h
  }  // "crash": the server object is gone, only the file remains
  Harness h(path);
  // Start-up: overdue timers run in due order before anyone is connected (EV-MSG-012).
  h.clock.set(kStart + 20 * kSec);
  h.server->run_due();
  const ConnId cb = h.login(b);
  const auto ids = std::to_string(dm);
  const auto page = h.call(cb, "get_message_history",
                           R"({"id":)" + ids + R"(,"cursor":"2100-01-01T00:00:00Z","count":10})");
  ASSERT_TRUE(page.success);
  ASSERT_EQ(page.result.Size(), 1u);  // "01" self-destructed, "02" was sent
  EXPECT_STREQ(page.result[0]["message"].GetString(), "02");
  EXPECT_STREQ(page.result[0]["timestamp"].GetString(),
               protocol::format_timestamp(kStart + 20 * kSec).c_str());
  const ConnId ca = h.login(a);
  const auto d = h.call(ca, "get_dm", R"({"id":)" + ids + "}");
  EXPECT_EQ(d.result["scheduled_messages"].MemberCount(), 1u);  // "03" keeps its due time
  h.drain_all();
  h.clock.set(kStart + 3600 * kSec);
  h.server->run_due();
  auto n = h.drain(cb);
  ASSERT_EQ(Harness::names(n), std::vector<std::string>{"message_notification"});
  EXPECT_STREQ(parse(n[0].json)["message"].GetString(), "03");
  EXPECT_EQ(
      Harness::names(h.drain(ca)),
      (std::vector<std::string>{"scheduled_soon_notification",
                                "scheduled_message_sent_notification", "message_notification"}));
  const ConnId cc = h.login(c);
  EXPECT_EQ(Harness::names(h.drain(cc)), std::vector<std::string>{"x3dh_notification"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unm::server::testing
