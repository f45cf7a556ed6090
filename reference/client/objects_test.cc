// objects_test — parsing of events.md §10 objects and notification payloads (EV-OBJ-…):
// valid objects read completely, violations are typed errors, and arbitrary JSON never crashes.
#include "reference/client/objects.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <rapidjson/document.h>

#include "reference/client/rpc.h"

namespace unm::client {
namespace {

const std::string kKey(64, 'a');
const std::string kSig(128, 'b');

rapidjson::Document doc(const std::string& text) {
  auto d = parse_json(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? std::move(*d) : rapidjson::Document();
}

std::string user_text(const std::string& extra = "") {
  return R"({"username":"joe","public_key":")" + kKey + R"(","spk":")" + kKey + R"(","sig":")" +
         kSig + R"(","status":"online","biography":"","profile_picture":"red")" + extra + "}";
}

TEST(Objects, UserParsesAllKeysAndIgnoresUnknownOnes) {
  // EV-OBJ-004; EV-TRN-028: unknown keys are ignored by clients.
  auto d = doc(user_text(R"(,"id":7,"own_storage":"abcd")"));
  auto u = parse_user(d);
  ASSERT_TRUE(u.has_value()) << u.error();
  EXPECT_EQ(u->username, "joe");
  EXPECT_EQ(u->public_key, kKey);
  EXPECT_EQ(u->spk, kKey);
  EXPECT_EQ(u->sig, kSig);
  EXPECT_EQ(u->profile_picture, "red");
  EXPECT_EQ(u->own_storage, "abcd");
}

TEST(Objects, UserWithNullSpkIsAccepted) {
  auto d =
      doc(R"({"username":"a","public_key":")" + kKey +
          R"(","spk":null,"sig":null,"status":"offline","biography":"b","profile_picture":""})");
  auto u = parse_user(d);
  ASSERT_TRUE(u.has_value()) << u.error();
  EXPECT_FALSE(u->spk.has_value());
  EXPECT_FALSE(u->own_storage.has_value());
}

TEST(Objects, UserRejectsBadKeyShapes) {
  auto upper = doc(R"({"username":"a","public_key":")" + std::string(64, 'A') +
                   R"(","spk":null,"sig":null,"status":"","biography":"","profile_picture":""})");
  EXPECT_FALSE(parse_user(upper).has_value());
  auto missing = doc(R"({"username":"a","spk":null})");
  EXPECT_FALSE(parse_user(missing).has_value());
  auto not_obj = doc("[1]");
  EXPECT_FALSE(parse_user(not_obj).has_value());
}

std::string message_text(const std::string& id = "1") {
  return R"({"id":)" + id + R"(,"dm_id":2,"sender":"joe","message":"00","signature":")" + kSig +
         R"(","timestamp":"2023-07-22T01:58:59.123456","delete_timestamp":null,"pinned":true,)"
         R"("reactions":[{"id":3,"sender":"bob","reaction":"11","signature":")" +
         kSig + R"("}]})";
}

TEST(Objects, MessageWithReactions) {
  auto d = doc(message_text());
  auto m = parse_message(d);
  ASSERT_TRUE(m.has_value()) << m.error();
  EXPECT_EQ(m->id, 1);
  EXPECT_EQ(m->dm_id, 2);
  EXPECT_TRUE(m->pinned);
  EXPECT_FALSE(m->delete_timestamp.has_value());
  ASSERT_EQ(m->reactions.size(), 1u);
  EXPECT_EQ(m->reactions[0].sender, "bob");
}

TEST(Objects, IdsMustBeIntegersInRange) {
  // EV-TRN-014: 0, negatives, fractions, strings and 2^53 are not Ids.
  for (const char* bad : {"0", "-1", "1.5", "\"1\"", "9007199254740992", "1e3", "true"}) {
    auto d = doc(message_text(bad));
    EXPECT_FALSE(parse_message(d).has_value()) << bad;
  }
  auto d = doc(message_text("9007199254740991"));
  EXPECT_TRUE(parse_message(d).has_value());
}

TEST(Objects, DmWithLatestMessageAndScheduledEntries) {
  auto d = doc(R"({"id":4,"users":["a","b"],"name":null,"created_at":"2023-07-22T01:58:59.123456",)"
               R"("users_in_call":[],"latest_message":)" +
               message_text() +
               R"(,"scheduled_messages":{"10":{"message":"aa","signature":"bb","timestamp":"t"},)"
               R"("2":{"message":"cc","signature":"dd","timestamp":"u"}}})");
  auto dm = parse_dm(d);
  ASSERT_TRUE(dm.has_value()) << dm.error();
  EXPECT_EQ(dm->users, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(dm->name.has_value());
  ASSERT_TRUE(dm->latest_message.has_value());
  ASSERT_EQ(dm->scheduled.size(), 2u);
  EXPECT_EQ(dm->scheduled[0].schedule_id, 2);  // ascending
  EXPECT_EQ(dm->scheduled[1].schedule_id, 10);
}

TEST(Objects, DmRejectsNonDecimalScheduleKeysAndObjectCallLists) {
  auto bad_key =
      doc(R"({"id":4,"users":[],"name":"n","created_at":"t","users_in_call":[],)"
          R"("scheduled_messages":{"x":{"message":"a","signature":"b","timestamp":"t"}}})");
  EXPECT_FALSE(parse_dm(bad_key).has_value());
  // EV-DM-020: the deployed server's object form of users_in_call is not the DM object.
  auto obj_call =
      doc(R"({"id":4,"users":[],"name":"n","created_at":"t","users_in_call":{"a":"u"}})");
  EXPECT_FALSE(parse_dm(obj_call).has_value());
}

TEST(Objects, X3dhNotification) {
  auto d = doc(R"({"sender":"a","ik":")" + kKey + R"(","spk":")" + kKey + R"(","ek":")" + kKey +
               R"(","key_tree":[")" + kKey + R"(",")" + kKey + R"("],"position":1,"id":9})");
  auto x = parse_x3dh(d);
  ASSERT_TRUE(x.has_value()) << x.error();
  EXPECT_EQ(x->key_tree.size(), 2u);
  EXPECT_EQ(x->position, 1);
  EXPECT_EQ(x->id, 9);
  auto short_key = doc(R"({"sender":"a","ik":"ab","spk":")" + kKey + R"(","ek":")" + kKey +
                       R"(","key_tree":[],"position":1,"id":9})");
  EXPECT_FALSE(parse_x3dh(short_key).has_value());
}

TEST(Objects, SmallPayloads) {
  auto t = doc(R"({"id":1,"username":"joe"})");
  EXPECT_TRUE(parse_typing(t).has_value());
  EXPECT_TRUE(parse_call_notice(t).has_value());
  auto s = doc(R"({"dm_id":1,"schedule_id":2})");
  EXPECT_EQ(parse_schedule_notice(s)->schedule_id, 2);
  auto f = doc(R"({"username":"joe","accept":false})");
  EXPECT_FALSE(parse_friend_answer(f)->accept);
  auto f2 = doc(R"({"username":"joe","accept":"false"})");
  EXPECT_FALSE(parse_friend_answer(f2).has_value());  // EV-TRN-015: booleans only
  auto u = doc(R"({"username":"joe"})");
  EXPECT_EQ(*parse_username_payload(u), "joe");
}

TEST(Objects, RenderingRoundTrips) {
  auto d = doc(user_text(R"(,"own_storage":"")"));
  auto u = parse_user(d);
  ASSERT_TRUE(u.has_value());
  auto again = doc(user_to_json(*u));
  auto u2 = parse_user(again);
  ASSERT_TRUE(u2.has_value());
  EXPECT_EQ(u2->username, u->username);
  EXPECT_EQ(u2->own_storage, u->own_storage);
  auto md = doc(message_text());
  auto m = parse_message(md);
  auto md2 = doc(message_to_json(*m));
  auto m2 = parse_message(md2);
  ASSERT_TRUE(m2.has_value());
  EXPECT_EQ(m2->reactions.size(), 1u);
  EXPECT_EQ(m2->signature, m->signature);
}

// Property: every parser takes any JSON value without crashing (a hostile server cannot crash
// the client with a payload), and anything it accepts renders back to an equal object.
RC_GTEST_PROP(ObjectsProperty, ParsersNeverCrashOnArbitraryJson, ()) {
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
      "{", "}", "[", "]", ",", ":", "\"id\"", "\"users\"", "\"message\"", "\"reactions\"", "1",
      "-1", "0", "1.5", "true", "null", "\"x\"", "\"" + kKey + "\"", "\"scheduled_messages\"",
      "\"key_tree\"", "\"username\""));
  std::string text;
  for (const auto& p : pieces) text += p;
  auto d = parse_json(text);
  if (!d) return;  // not JSON: the notification is reported as malformed before parsing
  (void)parse_user(*d);
  (void)parse_dm(*d);
  (void)parse_x3dh(*d);
  (void)parse_typing(*d);
  (void)parse_schedule_notice(*d);
  (void)parse_friend_answer(*d);
  (void)parse_id_list(*d);
  if (auto m = parse_message(*d)) {
    auto again = parse_json(message_to_json(*m));
    RC_ASSERT(again.has_value());
    auto m2 = parse_message(*again);
    RC_ASSERT(m2.has_value());
    RC_ASSERT(m2->id == m->id);
  }
}

RC_GTEST_PROP(ObjectsProperty, DeepNestingIsAnErrorNotAStackOverflow, ()) {
  const int depth = *rc::gen::inRange(1000, 200000);
  std::string text(static_cast<std::size_t>(depth), '[');
  auto d = parse_json(text);  // unterminated: must fail cleanly
  RC_ASSERT(!d.has_value());
}

}  // namespace
}  // namespace unm::client
