// normalize_test.cc — the canonical form (normalize.h): what is free and what is not.
#include "conformance/explore/normalize.h"

#include <gtest/gtest.h>

namespace unm::conformance::explore {
namespace {

struct Fixture {
  Registry reg;
  SideState a, b;
  Fixture() {
    reg.name_user["alice"] = 0;
    reg.name_user["bob"] = 1;
    reg.ct_msg["aa01"] = 7;
    reg.ct_rct["bb02"] = 3;
    a.dms.learn(1, 10);
    b.dms.learn(1, 99);
  }
};

TEST(Normalize, IdsBecomeWhatTheyDenote) {
  Fixture f;
  // The same message under different raw ids on two sides, learned from its ciphertext.
  const std::string ma = R"({"id":5,"dm_id":10,"sender":"alice","message":"aa01","signature":"s",
    "timestamp":"2026-01-01T00:00:00.000000","delete_timestamp":null,"pinned":false,
    "reactions":[{"id":40,"sender":"bob","reaction":"bb02","signature":"t"}]})";
  const std::string mb = R"({"id":77,"dm_id":99,"sender":"alice","message":"aa01","signature":"s",
    "timestamp":"2026-01-01T00:00:03.250000","delete_timestamp":null,"pinned":false,
    "reactions":[{"id":1,"sender":"bob","reaction":"bb02","signature":"t"}]})";
  const auto ca = canon_note({"message_notification", ma}, f.a, f.reg);
  const auto cb = canon_note({"message_notification", mb}, f.b, f.reg);
  EXPECT_EQ(ca, cb);
  EXPECT_NE(ca.find("\"id\":\"msg7\""), std::string::npos) << ca;
  EXPECT_NE(ca.find("\"dm_id\":\"dm1\""), std::string::npos) << ca;
  EXPECT_NE(ca.find("\"id\":\"rct3\""), std::string::npos) << ca;
  // Learned: a bare id (message_delete_notification) now names the message on each side.
  EXPECT_EQ(canon_note({"message_delete_notification", "5"}, f.a, f.reg),
            canon_note({"message_delete_notification", "77"}, f.b, f.reg));
  // A wrong id is a difference.
  EXPECT_NE(canon_note({"message_delete_notification", "5"}, f.a, f.reg),
            canon_note({"message_delete_notification", "78"}, f.b, f.reg));
}

TEST(Normalize, SelfDestructDistanceIsKept) {
  Fixture f;
  auto msg = [](const char* del) {
    return std::string(R"({"id":5,"dm_id":10,"sender":"alice","message":"aa01","signature":"s",
      "timestamp":"2026-01-01T00:00:00.000000","delete_timestamp":)") +
           del + R"(,"pinned":false,"reactions":[]})";
  };
  const auto two =
      canon_note({"message_notification", msg("\"2026-01-01T00:00:02.000000\"")}, f.a, f.reg);
  const auto ms =
      canon_note({"message_notification", msg("\"2026-01-01T00:00:00.002000\"")}, f.a, f.reg);
  EXPECT_NE(two.find("time+2s"), std::string::npos) << two;
  EXPECT_NE(two, ms);  // EV-OBJ-010: seconds, not milliseconds
}

TEST(Normalize, AcksKeepTheEnvelopeAndDropWhatIsFree) {
  Fixture f;
  EXPECT_EQ(
      canon_ack("send_friend_request", R"({"success":false,"result":"Could not friend"})", f.a,
                f.reg),
      canon_ack("send_friend_request", R"({"success":false,"result":"other text"})", f.b, f.reg));
  EXPECT_NE(canon_ack("get_friends", R"({"success":true,"result":[]})", f.a, f.reg),
            canon_ack("get_friends", R"({"success":true,"result":[],"extra":1})", f.b, f.reg));
  // Sets: order free; lists of users drop users the run did not create.
  EXPECT_EQ(canon_ack("get_friends", R"({"success":true,"result":["alice","bob"]})", f.a, f.reg),
            canon_ack("get_friends", R"({"success":true,"result":["bob","alice"]})", f.b, f.reg));
  const std::string u =
      R"({"username":"%s","public_key":"k","spk":"s","sig":"g","status":"online","biography":"","profile_picture":""})";
  auto user = [&](const char* n) {
    std::string s = u;
    s.replace(s.find("%s"), 2, n);
    return s;
  };
  EXPECT_EQ(canon_ack("get_user_list", "{\"success\":true,\"result\":[" + user("alice") + "]}", f.a,
                      f.reg),
            canon_ack("get_user_list",
                      "{\"success\":true,\"result\":[" + user("carol") + "," + user("alice") + "]}",
                      f.b, f.reg));
  // The challenge is random; a login refusal is not a challenge.
  EXPECT_EQ(canon_ack("login", R"({"success":true,"result":")" + std::string(64, 'a') + "\"}", f.a,
                      f.reg),
            canon_ack("login", R"({"success":true,"result":")" + std::string(64, 'b') + "\"}", f.b,
                      f.reg));
  EXPECT_FALSE(concerns_run({"profile_notification", user("carol")}, f.reg));
  EXPECT_TRUE(concerns_run({"profile_notification", user("bob")}, f.reg));
}

TEST(Normalize, MessageListsKeepTheirOrder) {
  Fixture f;
  f.reg.ct_msg["cc03"] = 8;
  auto m = [](int id, const char* ct) {
    return "{\"id\":" + std::to_string(id) + R"(,"dm_id":10,"sender":"alice","message":")" + ct +
           R"(","signature":"s","timestamp":"2026-01-01T00:00:00.000000","delete_timestamp":null,"pinned":false,"reactions":[]})";
  };
  const auto newest_first = canon_ack(
      "get_message_history",
      "{\"success\":true,\"result\":[" + m(6, "cc03") + "," + m(5, "aa01") + "]}", f.a, f.reg);
  const auto oldest_first = canon_ack(
      "get_message_history",
      "{\"success\":true,\"result\":[" + m(5, "aa01") + "," + m(6, "cc03") + "]}", f.a, f.reg);
  EXPECT_NE(newest_first, oldest_first);
}

}  // namespace
}  // namespace unm::conformance::explore
