// closest_test.cc — the closest candidate and its one-line diff; the reason length cap.
#include "conformance/src/closest.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace unm::conformance {
namespace {

JsonDoc J(const char* text) {
  auto d = parse_json(text);
  EXPECT_TRUE(d.has_value()) << text;
  return std::move(*d);
}

TEST(Closest, PrefersTheCandidateWithTheSameKeysAndValues) {
  JsonDoc m = J(R"({"$has": {"dm_id": 7, "sender": "alice"}})");
  JsonDoc other_case = J(R"({"dm_id": 9, "sender": "zed", "message": "x"})");
  JsonDoc near = J(R"({"dm_id": 7, "sender": "bob", "message": "x"})");
  EXPECT_GT(closeness(m, near), closeness(m, other_case));
}

TEST(Closest, DiffNamesWrongMissingAndExtraKeys) {
  JsonDoc m = J(R"({"id": 1, "users_in_call": {"$type": "array"}, "dm_id": 3})");
  JsonDoc got = J(R"({"id": 1, "users_in_call": {"u": "x"}, "public_keys": "[]"})");
  std::string d = compact_diff(m, got);
  EXPECT_NE(d.find("users_in_call: want"), std::string::npos) << d;
  EXPECT_NE(d.find("-dm_id"), std::string::npos) << d;
  EXPECT_NE(d.find("+public_keys"), std::string::npos) << d;
  EXPECT_EQ(d.find("id: want"), std::string::npos) << d;  // equal values are not listed
  EXPECT_EQ(d.find('\n'), std::string::npos);
}

TEST(Closest, ScalarDiff) {
  JsonDoc m = J("5");
  JsonDoc got = J("6");
  EXPECT_EQ(compact_diff(m, got), "want 5 got 6");
}

RC_GTEST_PROP(OneLine, IsOneLineAndBounded, (std::string s)) {
  std::string o = one_line(s, 300);
  RC_ASSERT(o.find('\n') == std::string::npos);
  RC_ASSERT(o.size() <= 300 + 3);  // "…" is three bytes
  if (s.size() <= 300 && s.find_first_of("\n\r\t") == std::string::npos) RC_ASSERT(o == s);
}

}  // namespace
}  // namespace unm::conformance
