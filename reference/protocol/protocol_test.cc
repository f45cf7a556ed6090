// protocol_test.cc — unm_protocol: event names and aliases, value checks of EV-TRN-014…020,
// timestamps and cursors (EV-OBJ-001, EV-MSG-015), object serializers (§10).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <rapidjson/document.h>

#include "reference/protocol/events.h"
#include "reference/protocol/limits.h"
#include "reference/protocol/objects.h"
#include "reference/protocol/timestamp.h"
#include "reference/protocol/validate.h"

namespace unm::protocol {
namespace {

rapidjson::Document doc(const char* json) {
  rapidjson::Document d;
  d.Parse(json);
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

TEST(Events, PrimaryNamesAndAliases) {
  EXPECT_EQ(parse_event("unblock"), Event::unblock);
  EXPECT_EQ(parse_event("unblock_user"), Event::unblock);  // EV-TRN-013
  EXPECT_EQ(event_name(Event::unblock), "unblock");
  EXPECT_EQ(parse_event("register"), Event::register_user);
  EXPECT_FALSE(parse_event("no_such_event"));
  EXPECT_FALSE(parse_event("Register"));
  EXPECT_FALSE(requires_login(Event::username_exists));
  EXPECT_TRUE(requires_login(Event::get_user));
}

TEST(Validate, ExactKeys) {
  EXPECT_TRUE(has_exact_keys(doc(R"({"a":1,"b":2})"), {"a", "b"}));
  EXPECT_FALSE(has_exact_keys(doc(R"({"a":1})"), {"a", "b"}));
  EXPECT_FALSE(has_exact_keys(doc(R"({"a":1,"b":2,"c":3})"), {"a", "b"}));
  EXPECT_FALSE(has_exact_keys(doc(R"({"a":1,"a":2})"), {"a", "b"}));
  EXPECT_TRUE(has_exact_keys(doc("{}"), {}));
  EXPECT_FALSE(has_exact_keys(doc("[]"), {}));
}

TEST(Validate, IdAcceptsOnlyPlainPositiveIntegers) {  // EV-TRN-014
  EXPECT_EQ(*as_id(doc("7")), 7);
  EXPECT_EQ(*as_id(doc("9007199254740991")), limits::kIdMax);
  for (const char* bad : {"0", "-1", "7.0", "7e0", "\"7\"", "true", "null", "9007199254740992",
                          "18446744073709551615", "[]"}) {
    auto r = as_id(doc(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().reason, Reason::format) << bad;
  }
}

TEST(Validate, SecondsBooleanCount) {  // EV-TRN-015/016
  EXPECT_EQ(*as_seconds(doc("0")), 0);
  EXPECT_EQ(*as_seconds(doc("31536000")), 31'536'000);
  EXPECT_FALSE(as_seconds(doc("31536001")));
  EXPECT_FALSE(as_seconds(doc("-1")));
  EXPECT_FALSE(as_seconds(doc("1.5")));
  EXPECT_TRUE(*as_bool(doc("true")));
  EXPECT_FALSE(as_bool(doc("1")));
  EXPECT_FALSE(as_bool(doc("\"false\"")));
  EXPECT_EQ(*as_count(doc("2147483647")), 2'147'483'647);
  EXPECT_FALSE(as_count(doc("2147483648")));
}

TEST(Validate, HexClassesFormatVersusMalformed) {  // EV-TRN-017, EV-TRN-020
  EXPECT_EQ(*as_hex(doc(R"("00ff")"), 2, 10), "00ff");
  EXPECT_EQ(as_hex(doc("12"), 2, 10).error().reason, Reason::format);
  EXPECT_EQ(as_hex(doc(R"("00FF")"), 2, 10).error().reason, Reason::malformed);
  EXPECT_EQ(as_hex(doc(R"("0")"), 1, 10).error().reason, Reason::malformed);
  EXPECT_EQ(as_hex(doc(R"("")"), 2, 10).error().reason, Reason::format);
  EXPECT_EQ(as_key_text(doc(R"("abcd")")).error().reason, Reason::malformed);
  EXPECT_EQ(as_key_text(doc("null")).error().reason, Reason::format);
  // Small-order point (the identity encoding) fails CR-KEY-004.
  EXPECT_EQ(as_key(doc(R"("0100000000000000000000000000000000000000000000000000000000000000")"))
                .error()
                .reason,
            Reason::malformed);
}

TEST(Validate, UsernameLimits) {  // Table 2
  EXPECT_TRUE(is_valid_username("a"));
  EXPECT_TRUE(is_valid_username(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_username(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_username(""));
  EXPECT_FALSE(is_valid_username("a\x7f"));
  EXPECT_FALSE(is_valid_username("a\nb"));
  EXPECT_FALSE(is_valid_username("\xc2\x85"));          // U+0085, a C1 control
  EXPECT_TRUE(is_valid_username("\xc3\xa9t\xc3\xa9"));  // "été": 3 scalar values
  EXPECT_FALSE(is_valid_username("\xff"));
}

TEST(Timestamp, FormatIsTwentySixCharacters) {  // EV-OBJ-001
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000000");
  EXPECT_EQ(format_timestamp(1'690'000'739'123'456), "2023-07-22T04:38:59.123456");
}

TEST(Timestamp, CursorForms) {  // EV-MSG-015
  const Micros t = 1'690'000'739'123'000;
  EXPECT_EQ(parse_cursor("2023-07-22T04:38:59.123Z"), t);
  EXPECT_EQ(parse_cursor("2023-07-22T04:38:59.123"), t);
  EXPECT_EQ(parse_cursor("2023-07-22T06:38:59.123+02:00"), t);
  EXPECT_EQ(parse_cursor("2023-07-22T04:38:59.123000999"), t);
  EXPECT_EQ(parse_cursor("2023-07-22T04:38:59"), 1'690'000'739'000'000);
  for (const char* bad : {"", "2023-07-22", "2023-07-22 04:38:59", "2023-02-30T00:00:00",
                          "2023-07-22T04:38:59.", "2023-07-22T04:38:59.1234567890",
                          "2023-07-22T04:38:59ZZ", "2023-07-22T04:38:59+0200", "x"}) {
    EXPECT_FALSE(parse_cursor(bad)) << bad;
  }
}

RC_GTEST_PROP(Timestamp, FormattedTimestampsParseBack, ()) {
  const auto t = *rc::gen::inRange<Micros>(0, 253'402'300'799'999'999);  // up to year 9999
  RC_ASSERT(parse_cursor(format_timestamp(t)) == std::optional<Micros>(t));
  RC_ASSERT(format_timestamp(t).size() == 26u);
}

TEST(Objects, MessageHasExactlyTheListedKeys) {  // EV-OBJ-010
  Message m;
  m.id = 3;
  m.dm_id = 1;
  m.sender = "al\"ice";
  m.message = "00";
  m.signature = std::string(128, 'a');
  m.reactions.push_back(Reaction{1, "bob", "11", std::string(128, 'b')});
  const auto json = to_json([&](JsonWriter& w) { write_message(w, m); });
  auto d = doc(json.c_str());
  EXPECT_EQ(d.MemberCount(), 9u);
  EXPECT_TRUE(d["delete_timestamp"].IsNull());
  EXPECT_STREQ(d["sender"].GetString(), "al\"ice");
  EXPECT_EQ(d["reactions"][0].MemberCount(), 4u);
}

TEST(Objects, UserOwnStorageOnlyWhenAsked) {  // EV-OBJ-005
  User u;
  u.username = "a";
  u.public_key = std::string(64, '0');
  const auto without =
      doc(to_json([&](JsonWriter& w) { write_user(w, u, "offline", false); }).c_str());
  const auto with = doc(to_json([&](JsonWriter& w) { write_user(w, u, "online", true); }).c_str());
  EXPECT_EQ(without.MemberCount(), 7u);
  EXPECT_FALSE(without.HasMember("own_storage"));
  EXPECT_STREQ(without["status"].GetString(), "offline");
  EXPECT_EQ(with.MemberCount(), 8u);
  EXPECT_TRUE(without["spk"].IsNull());
}

TEST(Objects, ResultObject) {
  EXPECT_EQ(result_json(true, "true"), R"({"success":true,"result":true})");
  EXPECT_EQ(result_json(false, json_string("x")), R"({"success":false,"result":"x"})");
}

}  // namespace
}  // namespace unm::protocol
