// auth_test.cc — register, login, challenge response, lockout, presence (events.md §2).
#include "reference/server/test_support.h"

#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"

namespace unm::server::testing {
namespace {

using protocol::Reason;

TEST(Register, SucceedsAndDoesNotLogIn) {  // EV-AUTH-006
  Harness h;
  auto u = h.make_user("alice");
  const ConnId c = h.connect();
  const auto r = h.call(c, "register",
                        R"({"username":"alice","public_key":")" + u.pub + R"(","spk":")" +
                            u.spk_pub + R"(","sig":")" + u.sig + R"(","own_storage":"x"})");
  EXPECT_EQ(expect_ok(r), "true");
  expect_fail(h.call(c, "get_dms", "{}"), Reason::notlogged);
  EXPECT_EQ(expect_ok(h.call(c, "username_exists", R"({"username":"alice"})")), "true");
  EXPECT_EQ(expect_ok(h.call(c, "username_exists", R"({"username":"Alice"})")), "false");
}

TEST(Register, FailureReasons) {  // EV-AUTH-003…005, EV-AUTH-007
  Harness h;
  auto u = h.make_user("alice");
  auto other = h.make_user("other");
  h.register_user(u);
  const ConnId c = h.connect();
  auto reg = [&](std::string name, std::string pub, std::string spk, std::string sig,
                 std::string extra = "") {
    return h.call(c, "register",
                  R"({"username":)" + name + R"(,"public_key":)" + pub + R"(,"spk":)" + spk +
                      R"(,"sig":)" + sig + R"(,"own_storage":"")" + extra + "}");
  };
  const std::string pub = "\"" + other.pub + "\"";
  const std::string spk = "\"" + other.spk_pub + "\"";
  const std::string sig = "\"" + other.sig + "\"";
  expect_fail(reg(R"("alice")", pub, spk, sig), Reason::taken);
  expect_fail(reg(R"("")", pub, spk, sig), Reason::format);
  expect_fail(reg("\"" + std::string(65, 'x') + "\"", pub, spk, sig), Reason::format);
  expect_fail(reg(R"("a\u0001b")", pub, spk, sig), Reason::format);
  expect_fail(reg("7", pub, spk, sig), Reason::format);
  expect_fail(reg(R"("o")", pub, "null", sig), Reason::format);
  expect_fail(reg(R"("o")", pub, spk, sig, R"(,"x":1)"), Reason::format);
  expect_fail(reg(R"("o")", "\"" + std::string(64, 'g') + "\"", spk, sig), Reason::malformed);
  expect_fail(reg(R"("o")", "\"" + std::string(62, 'a') + "\"", spk, sig), Reason::malformed);
  // The identity point is of small order (CR-KEY-004).
  expect_fail(reg(R"("o")", R"("0100000000000000000000000000000000000000000000000000000000000000")",
                  spk, sig),
              Reason::malformed);
  // A signature by another key does not verify (EV-AUTH-004).
  expect_fail(reg(R"("o")", pub, spk, "\"" + u.sig + "\""), Reason::malformed);
  expect_fail(reg(R"("o")", "\"" + u.pub + "\"", spk, sig), Reason::malformed);
  EXPECT_EQ(expect_ok(reg(R"("o")", pub, spk, sig)), "true");
}

TEST(Register, NotOnALoggedInConnection) {  // EV-AUTH-002
  Harness h;
  TestUser a;
  const ConnId c = h.signed_up(a, "alice");
  auto b = h.make_user("bob");
  expect_fail(h.call(c, "register",
                     R"({"username":"bob","public_key":")" + b.pub + R"(","spk":")" + b.spk_pub +
                         R"(","sig":")" + b.sig + R"(","own_storage":""})"),
              Reason::loggedin);
  expect_fail(h.call(c, "login", R"({"username":"alice"})"), Reason::loggedin);
  expect_fail(h.call(c, "login_challenge_response", R"({"response":"00"})"), Reason::loggedin);
}

TEST(Login, ChallengeAndResponse) {  // EV-AUTH-010…013
  Harness h;
  auto u = h.make_user("alice");
  h.register_user(u);
  const ConnId c = h.login(u);
  EXPECT_EQ(expect_ok(h.call(c, "get_dms", "{}")), "[]");
}

TEST(Login, FailureReasons) {  // EV-AUTH-009, EV-AUTH-011, EV-AUTH-012
  Harness h;
  auto u = h.make_user("alice");
  h.register_user(u);
  const ConnId c = h.connect();
  expect_fail(h.call(c, "login", R"({"username":"nobody"})"), Reason::nouser);
  expect_fail(h.call(c, "login", R"({"username":1})"), Reason::format);
  expect_fail(h.call(c, "login", R"({"username":"alice","x":1})"), Reason::format);
  expect_fail(h.call_args(c, "login", "[]"), Reason::format);
  expect_fail(h.call(c, "login_challenge_response", R"({"response":"00"})"), Reason::nochal);
  const auto ch = h.call(c, "login", R"({"username":"alice"})");
  ASSERT_TRUE(ch.success);
  EXPECT_EQ(std::string(ch.result.GetString()).size(), 64u);
  // A shape error keeps the challenge; a wrong answer discards it.
  expect_fail(h.call(c, "login_challenge_response", R"({"response":1})"), Reason::format);
  expect_fail(h.call(c, "login_challenge_response", R"({"response":"00"})"), Reason::badresp);
  expect_fail(h.call(c, "login_challenge_response", R"({"response":"00"})"), Reason::nochal);
}

TEST(Login, LockoutAfterTenCountedFailures) {  // EV-AUTH-014…017
  Harness h;
  auto u = h.make_user("alice");
  h.register_user(u);
  const ConnId c = h.connect();
  for (int i = 0; i < 9; ++i)
    expect_fail(h.call(c, "login", R"({"username":"x"})"), Reason::nouser);
  expect_fail(h.call(c, "login", R"({"username":"x"})"), Reason::nouser);  // 10th: locks
  expect_fail(h.call(c, "login", R"({"username":"alice"})"), Reason::locked);
  expect_fail(h.call(c, "login_challenge_response", R"({"response":"00"})"), Reason::locked);
  // Other connections and other events are not locked.
  const ConnId other = h.login(u);
  EXPECT_EQ(expect_ok(h.call(c, "username_exists", R"({"username":"alice"})")), "true");
  h.clock.advance(55 * kSec);
  expect_fail(h.call(c, "login", R"({"username":"alice"})"), Reason::locked);
  h.clock.advance(10 * kSec);
  EXPECT_TRUE(h.call(c, "login", R"({"username":"alice"})").success);
  // The count is still ≥ 10: the next counted failure locks again at once.
  expect_fail(h.call(c, "login", R"({"username":"x"})"), Reason::nouser);
  expect_fail(h.call(c, "login", R"({"username":"alice"})"), Reason::locked);
  (void)other;
}

TEST(Login, SuccessResetsTheCount) {  // EV-AUTH-016
  Harness h;
  auto u = h.make_user("alice");
  h.register_user(u);
  const ConnId c = h.connect();
  for (int i = 0; i < 9; ++i)
    expect_fail(h.call(c, "login", R"({"username":"x"})"), Reason::nouser);
  // Log in on this very connection: the count resets, later failures start from zero.
  const auto ch = h.call(c, "login", R"({"username":"alice"})");
  ASSERT_TRUE(ch.success);
  crypto::PublicKey k{};
  ASSERT_TRUE(from_hex_into(ch.result.GetString(), k));
  auto resp = crypto::challenge_response(u.ik, k);
  ASSERT_TRUE(resp);
  EXPECT_TRUE(
      h.call(c, "login_challenge_response", R"({"response":")" + to_hex(*resp) + "\"}").success);
  for (int i = 0; i < 9; ++i)
    expect_fail(h.call(c, "login", R"({"username":"x"})"), Reason::nouser);
  expect_fail(h.call(c, "login", R"({"username":"alice"})"), Reason::loggedin);
}

TEST(Session, UnknownEventAndShapeErrors) {  // EV-TRN-008, EV-TRN-021, EV-TRN-022
  Harness h;
  TestUser a;
  const ConnId c = h.signed_up(a, "alice");
  expect_fail(h.call(c, "no_such_event", "{}"), Reason::unknown);
  expect_fail(h.call_args(c, "get_dms", "[]"), Reason::format);
  expect_fail(h.call_args(c, "get_dms", "[{}, {}]"), Reason::format);
  expect_fail(h.call_args(c, "get_dms", "[[]]"), Reason::format);
  expect_fail(h.call_args(c, "get_dms", "[\"x\"]"), Reason::format);
  expect_fail(h.call_args(c, "get_dms", "[null]"), Reason::format);
  expect_fail(h.call_args(c, "get_dms", "[{}]", true), Reason::format);
  expect_fail(h.call(c, "get_dms", R"({"x":1})"), Reason::format);
  const ConnId fresh = h.connect();
  expect_fail(h.call(fresh, "get_dms", "[]"), Reason::notlogged);  // before validation
  expect_fail(h.call(fresh, "no_such_event", "{}"), Reason::unknown);
}

TEST(Session, RequestWithoutAckIdStillTakesEffect) {  // EV-TRN-007
  Harness h;
  TestUser a;
  const ConnId c = h.signed_up(a, "alice");
  rapidjson::Document args;
  args.Parse(R"([{"status":"away"}])");
  h.out.log.clear();
  h.server->on_event(c, "set_user", args, std::nullopt);
  EXPECT_TRUE(h.out.log.empty());
  const auto me = h.call(c, "get_full_user", "{}");
  EXPECT_STREQ(me.result["status"].GetString(), "away");
}

TEST(Presence, LoginAndLastLogoutNotifyEveryoneElse) {  // EV-AUTH-013, EV-AUTH-022, EV-USR-013
  Harness h;
  TestUser a;
  TestUser b;
  const ConnId cb = h.signed_up(b, "bob");
  a = h.make_user("alice");
  h.register_user(a);
  const ConnId waiting = h.connect();  // never logs in: never notified (EV-TRN-025)
  h.drain_all();
  const ConnId ca = h.login(a);
  auto nb = h.drain(cb);
  ASSERT_EQ(Harness::names(nb), std::vector<std::string>{"profile_notification"});
  auto p = parse(nb[0].json);
  EXPECT_STREQ(p["username"].GetString(), "alice");
  EXPECT_STREQ(p["status"].GetString(), "online");
  EXPECT_FALSE(p.HasMember("own_storage"));
  EXPECT_TRUE(h.drain(ca).empty());  // not the connection that logged in
  EXPECT_TRUE(h.drain(waiting).empty());
  // get_user reports offline for users without a logged-in connection (EV-AUTH-020).
  const ConnId ca2 = h.login(a);
  h.drain_all();
  h.disconnect(ca);
  EXPECT_TRUE(h.drain(cb).empty());  // alice still online through ca2
  h.disconnect(ca2);
  nb = h.drain(cb);
  ASSERT_EQ(Harness::names(nb), std::vector<std::string>{"profile_notification"});
  EXPECT_STREQ(parse(nb[0].json)["status"].GetString(), "offline");
  const auto got = h.call(cb, "get_user", R"({"username":"alice"})");
  EXPECT_STREQ(got.result["status"].GetString(), "offline");
}

TEST(Presence, StoredOfflineStatusIsNeverAnnounced) {  // EV-AUTH-013 (b), EV-AUTH-022 (b)
  Harness h;
  TestUser a;
  TestUser b;
  const ConnId cb = h.signed_up(b, "bob");
  ConnId ca = h.signed_up(a, "alice");
  EXPECT_TRUE(h.call(ca, "set_user", R"({"status":"offline"})").success);
  h.drain_all();
  h.disconnect(ca);
  ca = h.login(a);
  EXPECT_TRUE(h.drain(cb).empty());
  const auto got = h.call(cb, "get_user", R"({"username":"alice"})");
  EXPECT_STREQ(got.result["status"].GetString(), "offline");
}

}  // namespace
}  // namespace unm::server::testing
