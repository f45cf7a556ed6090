// user_dm_test.cc — users (§3), DMs and X3DH notifications (§4), typing (§7).
#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

using protocol::Reason;

TEST(Users, GetUserAndList) {  // EV-USR-001…005
  Harness h;
  TestUser a;
  TestUser b;
  const ConnId ca = h.signed_up(a, "alice");
  b = h.make_user("bob");
  h.register_user(b);
  const auto got = h.call(ca, "get_user", R"({"username":"bob"})");
  ASSERT_TRUE(got.success);
  EXPECT_EQ(got.result.MemberCount(), 7u);
  EXPECT_STREQ(got.result["public_key"].GetString(), b.pub.c_str());
  EXPECT_STREQ(got.result["spk"].GetString(), b.spk_pub.c_str());
  EXPECT_STREQ(got.result["sig"].GetString(), b.sig.c_str());
  EXPECT_STREQ(got.result["status"].GetString(), "offline");
  expect_fail(h.call(ca, "get_user", R"({"username":"carol"})"), Reason::nouser);
  expect_fail(h.call(ca, "get_user", R"({"username":5})"), Reason::format);
  const auto list = h.call(ca, "get_user_list", "{}");
  ASSERT_TRUE(list.success && list.result.IsArray());
  ASSERT_EQ(list.result.Size(), 2u);
  EXPECT_STREQ(list.result[0]["status"].GetString(), "online");
  EXPECT_FALSE(list.result[0].HasMember("own_storage"));
  const auto full = h.call(ca, "get_full_user", "{}");
  EXPECT_EQ(full.result.MemberCount(), 8u);
  EXPECT_STREQ(full.result["own_storage"].GetString(), "");
  expect_fail(h.call(ca, "get_full_user", R"({"a":1})"), Reason::format);
}

TEST(Users, SetUserAppliesAndNotifiesOthers) {  // EV-USR-006…010
  Harness h;
  TestUser a;
  TestUser b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId ca2 = h.login(a);
  const ConnId cb = h.signed_up(b, "bob");
  h.drain_all();
  auto nspk = h.make_user("x");  // a fresh SPK signed by alice
  const std::string sig = h.sign(a, nspk.spk_pub);
  EXPECT_TRUE(
      h.call(ca, "set_user",
             R"({"status":"dnd","biography":"hi","profile_picture":"red","own_storage":"s",)"
             R"("spk":")" +
                 nspk.spk_pub + R"(","sig":")" + sig + R"(","username":"ignored","public_key":5})")
          .success);
  EXPECT_TRUE(h.drain(ca).empty());
  for (ConnId c : {ca2, cb}) {
    auto n = h.drain(c);
    ASSERT_EQ(Harness::names(n), std::vector<std::string>{"profile_notification"});
    auto p = parse(n[0].json);
    EXPECT_STREQ(p["status"].GetString(), "dnd");
    EXPECT_STREQ(p["spk"].GetString(), nspk.spk_pub.c_str());
    EXPECT_FALSE(p.HasMember("own_storage"));
  }
  const auto full = h.call(ca, "get_full_user", "{}");
  EXPECT_STREQ(full.result["own_storage"].GetString(), "s");
  EXPECT_STREQ(full.result["username"].GetString(), "alice");
}

TEST(Users, SetUserFailures) {  // EV-USR-006…009
  Harness h;
  TestUser a;
  const ConnId ca = h.signed_up(a, "alice");
  auto other = h.make_user("x");
  expect_fail(h.call(ca, "set_user", "{}"), Reason::format);
  expect_fail(h.call(ca, "set_user", R"({"username":"bob"})"), Reason::format);
  expect_fail(h.call(ca, "set_user", R"({"status":"busy"})"), Reason::format);
  expect_fail(h.call(ca, "set_user", R"({"status":null})"), Reason::format);
  expect_fail(h.call(ca, "set_user", R"({"biography":")" + std::string(501, 'b') + "\"}"),
              Reason::format);
  expect_fail(h.call(ca, "set_user", R"({"spk":")" + other.spk_pub + "\"}"), Reason::format);
  expect_fail(h.call(ca, "set_user", R"({"sig":")" + other.sig + "\"}"), Reason::format);
  // other.sig is by another identity key (EV-USR-007).
  expect_fail(
      h.call(ca, "set_user", R"({"spk":")" + other.spk_pub + R"(","sig":")" + other.sig + "\"}"),
      Reason::malformed);
  // Nothing was applied by a failing request, not even the valid part (EV-USR-009).
  expect_fail(h.call(ca, "set_user", R"({"biography":"new","status":"nope"})"), Reason::format);
  const auto full = h.call(ca, "get_full_user", "{}");
  EXPECT_STREQ(full.result["biography"].GetString(), "");
  EXPECT_STREQ(full.result["status"].GetString(), "online");
  EXPECT_STREQ(full.result["spk"].GetString(), a.spk_pub.c_str());
  EXPECT_TRUE(h.call(ca, "set_user", R"({"biography":")" + std::string(500, 'b') + "\"}").success);
}

class Dms : public ::testing::Test {
 protected:
  void SetUp() override {
    ca = h.signed_up(a, "alice");
    cb = h.signed_up(b, "bob");
    c = h.make_user("carol");
    h.register_user(c);  // carol stays offline
    h.befriend(ca, a, cb, b);
    h.drain_all();
  }
  std::string create(const std::string& names, const std::string& msgs, const std::string& tree) {
    return R"({"usernames":)" + names + R"(,"messages":)" + msgs + R"(,"key_tree":)" + tree + "}";
  }
  std::string msg(const TestUser& u) {
    return R"({"spk":")" + u.spk_pub + R"(","ek":")" + h.random_key() + R"("})";
  }
  std::string tree() { return R"([")" + h.random_key() + R"("])"; }
  Harness h;
  TestUser a, b, c;
  ConnId ca = 0, cb = 0;
};

TEST_F(Dms, CreateGroupSendsX3dhAtOnceOrLater) {  // EV-DM-008…015
  const std::string ek_b = h.random_key();
  const std::string key = h.random_key();
  const auto r = h.call(
      ca, "create_dm",
      create(R"(["bob","carol"])",
             R"([{"spk":")" + b.spk_pub + R"(","ek":")" + ek_b + R"(","extra":1},)" + msg(c) + "]",
             R"([")" + key + R"("])"));
  ASSERT_TRUE(r.success) << r.raw;
  const auto id = r.result.GetInt64();
  EXPECT_TRUE(h.drain(ca).empty());  // EV-DM-010: no notification of the creation
  auto nb = h.drain(cb);
  ASSERT_EQ(Harness::names(nb), std::vector<std::string>{"x3dh_notification"});
  auto x = parse(nb[0].json);
  EXPECT_EQ(x.MemberCount(), 7u);
  EXPECT_STREQ(x["sender"].GetString(), "alice");
  EXPECT_STREQ(x["ik"].GetString(), a.pub.c_str());
  EXPECT_STREQ(x["spk"].GetString(), b.spk_pub.c_str());
  EXPECT_STREQ(x["ek"].GetString(), ek_b.c_str());
  EXPECT_EQ(x["position"].GetInt64(), 1);
  EXPECT_EQ(x["id"].GetInt64(), id);
  EXPECT_STREQ(x["key_tree"][0].GetString(), key.c_str());
  // Carol was offline: her object is pending until her next login (EV-DM-013/014).
  const ConnId cc = h.login(c);
  auto ncc = h.drain(cc);
  ASSERT_EQ(Harness::names(ncc), std::vector<std::string>{"x3dh_notification"});
  EXPECT_EQ(parse(ncc[0].json)["position"].GetInt64(), 2);
  // Delivered once only.
  const ConnId cc2 = h.login(c);
  EXPECT_TRUE(h.drain(cc2).empty());
  const auto dm = h.call(cc, "get_dm", R"({"id":)" + std::to_string(id) + "}");
  ASSERT_TRUE(dm.success);
  EXPECT_EQ(dm.result.MemberCount(), 7u);
  EXPECT_EQ(json_text(dm.result["users"]), R"(["alice","bob","carol"])");
  EXPECT_TRUE(dm.result["name"].IsNull());
  EXPECT_TRUE(dm.result["latest_message"].IsNull());
  EXPECT_EQ(json_text(dm.result["users_in_call"]), "[]");
  EXPECT_EQ(json_text(dm.result["scheduled_messages"]), "{}");
  EXPECT_EQ(std::string(dm.result["created_at"].GetString()).size(), 26u);
  EXPECT_EQ(expect_ok(h.call(cc, "get_dms", "{}")), "[" + std::to_string(id) + "]");
}

TEST_F(Dms, PendingX3dhWaitsForTheDelayAndSurvivesAnEarlyDisconnect) {  // EV-DM-014/015
  Harness slow("", [] {
    ServerOptions o;
    o.x3dh_delay = 5 * kSec;
    return o;
  }());
  TestUser x, y;
  const ConnId cx = slow.signed_up(x, "x");
  y = slow.make_user("y");
  slow.register_user(y);
  const ConnId cy0 = slow.login(y);
  slow.befriend(cx, x, cy0, y);
  slow.disconnect(cy0);  // y offline: its object is kept pending
  slow.drain_all();
  (void)slow.create_dm(cx, {&y});
  ConnId cy = slow.login(y);
  EXPECT_TRUE(slow.drain(cy).empty());
  slow.disconnect(cy);  // gone before the delay ran out: the object stays pending
  slow.clock.advance(6 * kSec);
  slow.server->run_due();
  cy = slow.login(y);
  slow.clock.advance(4 * kSec);
  slow.server->run_due();
  EXPECT_TRUE(slow.drain(cy).empty());
  slow.clock.advance(1 * kSec);
  slow.server->run_due();
  EXPECT_EQ(Harness::names(slow.drain(cy)), std::vector<std::string>{"x3dh_notification"});
}

TEST_F(Dms, CreateFailures) {  // EV-DM-001…005
  const auto t = tree();
  expect_fail(h.call(ca, "create_dm", create("[]", "[]", t)), Reason::format);
  expect_fail(h.call(ca, "create_dm", create(R"(["bob"])", "[]", t)), Reason::format);
  expect_fail(h.call(ca, "create_dm", create(R"(["bob"])", "[" + msg(b) + "]", "[]")),
              Reason::format);
  expect_fail(
      h.call(ca, "create_dm", create(R"(["alice","bob"])", "[" + msg(a) + "," + msg(b) + "]", t)),
      Reason::format);
  expect_fail(
      h.call(ca, "create_dm", create(R"(["bob","bob"])", "[" + msg(b) + "," + msg(b) + "]", t)),
      Reason::format);
  expect_fail(
      h.call(ca, "create_dm", create(R"(["bob"])", R"([{"spk":")" + b.spk_pub + R"("}])", t)),
      Reason::format);
  expect_fail(h.call(ca, "create_dm", create(R"([7])", "[" + msg(b) + "]", t)), Reason::format);
  expect_fail(h.call(ca, "create_dm",
                     create(R"(["bob"])", R"([{"spk":")" + b.spk_pub + R"(","ek":"00"}])", t)),
              Reason::malformed);
  expect_fail(h.call(ca, "create_dm", create(R"(["bob"])", "[" + msg(b) + "]", R"(["zz"])")),
              Reason::malformed);
  expect_fail(h.call(ca, "create_dm", create(R"(["dave"])", "[" + msg(b) + "]", t)),
              Reason::nouser);
  expect_fail(h.call(ca, "create_dm", create(R"(["bob"])", "[" + msg(c) + "]", t)), Reason::state,
              "SPK does not match.");
  // 1:1 needs friendship; groups do not (EV-DM-005/006).
  expect_fail(h.call(ca, "create_dm", create(R"(["carol"])", "[" + msg(c) + "]", t)),
              Reason::relation, "You need to be friends to make that DM.");
  EXPECT_TRUE(
      h.call(ca, "create_dm", create(R"(["bob","carol"])", "[" + msg(b) + "," + msg(c) + "]", t))
          .success);
  EXPECT_TRUE(h.call(ca, "create_dm", create(R"(["bob"])", "[" + msg(b) + "]", t)).success);
  expect_fail(h.call(cb, "create_dm", create(R"(["alice"])", "[" + msg(a) + "]", t)), Reason::state,
              "DM with that user already exists.");
  std::string many = "[";
  std::string msgs = "[";
  for (int i = 0; i < 64; ++i) {
    many += std::string(i ? "," : "") + "\"u" + std::to_string(i) + "\"";
    msgs += std::string(i ? "," : "") + msg(b);
  }
  expect_fail(h.call(ca, "create_dm", create(many + "]", msgs + "]", t)), Reason::format);
}

TEST_F(Dms, SetDmRenamesAndNotifiesMembers) {  // EV-DM-023…024
  const auto id = std::to_string(h.create_dm(ca, {&b}));
  h.drain_all();
  expect_fail(h.call(ca, "set_dm", R"({"id":)" + id + "}"), Reason::format);
  expect_fail(h.call(ca, "set_dm", R"({"name":"x"})"), Reason::format);
  expect_fail(h.call(ca, "set_dm", R"({"id":)" + id + R"(,"name":5})"), Reason::format);
  expect_fail(
      h.call(ca, "set_dm", R"({"id":)" + id + R"(,"name":")" + std::string(101, 'n') + "\"}"),
      Reason::format);
  expect_fail(h.call(ca, "set_dm", R"({"id":999,"name":"x"})"), Reason::dmaccess);
  EXPECT_TRUE(h.call(ca, "set_dm", R"({"id":)" + id + R"(,"name":"team","other":1})").success);
  for (ConnId conn : {ca, cb}) {
    auto n = h.drain(conn);
    ASSERT_EQ(Harness::names(n), std::vector<std::string>{"dm_notification"});
    auto d = parse(n[0].json);
    EXPECT_STREQ(d["name"].GetString(), "team");
    EXPECT_EQ(d.MemberCount(), 5u);
  }
  EXPECT_TRUE(h.call(cb, "set_dm", R"({"id":)" + id + R"(,"name":null})").success);
  EXPECT_TRUE(h.call(ca, "get_dm", R"({"id":)" + id + "}").result["name"].IsNull());
}

TEST_F(Dms, LeaveRemovesMemberCancelsScheduledAndNotifiesTheRest) {  // EV-DM-026…028
  const auto cc = h.login(c);
  const auto idn = h.create_dm(ca, {&b, &c});
  const auto id = std::to_string(idn);
  EXPECT_TRUE(h.send(cb, b, idn, "abcd", 100).success);
  h.drain_all();
  expect_fail(h.call(cb, "leave_dm", R"({"id":"1"})"), Reason::format);
  expect_fail(h.call(cb, "leave_dm", R"({"id":999})"), Reason::dmaccess);
  EXPECT_TRUE(h.call(cb, "leave_dm", R"({"id":)" + id + "}").success);
  EXPECT_TRUE(h.drain(cb).empty());
  for (ConnId conn : {ca, cc}) {
    auto n = h.drain(conn);
    ASSERT_EQ(Harness::names(n), std::vector<std::string>{"dm_notification"});
    EXPECT_EQ(json_text(parse(n[0].json)["users"]), R"(["alice","carol"])");
  }
  expect_fail(h.call(cb, "get_dm", R"({"id":)" + id + "}"), Reason::dmaccess);
  EXPECT_EQ(expect_ok(h.call(cb, "get_dms", "{}")), "[]");
  // Bob's scheduled message was cancelled: nothing arrives when it would have been due.
  h.clock.advance(200 * kSec);
  h.server->run_due();
  EXPECT_TRUE(h.drain(ca).empty());
  // Leaving with no members left keeps the DM unreachable (EV-DM-028).
  EXPECT_TRUE(h.call(ca, "leave_dm", R"({"id":)" + id + "}").success);
  EXPECT_TRUE(h.call(cc, "leave_dm", R"({"id":)" + id + "}").success);
  expect_fail(h.call(cc, "get_dm", R"({"id":)" + id + "}"), Reason::dmaccess);
}

TEST_F(Dms, ExactOneToOneCountsAfterOthersLeave) {  // EV-DM-005
  const auto id = h.create_dm(ca, {&b, &c});
  const auto cc = h.login(c);
  EXPECT_TRUE(h.call(cc, "leave_dm", R"({"id":)" + std::to_string(id) + "}").success);
  expect_fail(h.call(ca, "create_dm", create(R"(["bob"])", "[" + msg(b) + "]", tree())),
              Reason::state, "DM with that user already exists.");
}

TEST_F(Dms, TypingGoesToOtherConnections) {  // EV-TYP-001…003
  const auto id = std::to_string(h.create_dm(ca, {&b}));
  const ConnId ca2 = h.login(a);
  h.drain_all();
  EXPECT_TRUE(h.call(ca, "ping_typing", R"({"id":)" + id + "}").success);
  EXPECT_TRUE(h.call(ca, "ping_typing", R"({"id":)" + id + "}").success);
  EXPECT_TRUE(h.drain(ca).empty());
  for (ConnId conn : {ca2, cb}) {
    auto n = h.drain(conn);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n[0].json, R"({"id":)" + id + R"(,"username":"alice"})");
  }
  expect_fail(h.call(ca, "ping_typing", R"({"id":999})"), Reason::dmaccess);
  expect_fail(h.call(ca, "ping_typing", R"({"id":true})"), Reason::format);
  EXPECT_TRUE(h.call(ca, "unfriend", R"({"username":"bob"})").success);
  expect_fail(h.call(ca, "ping_typing", R"({"id":)" + id + "}"), Reason::notfriends);
}

}  // namespace
}  // namespace unm::server::testing
