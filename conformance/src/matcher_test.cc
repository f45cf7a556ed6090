// matcher_test.cc — every matcher operator, substitution and captures.
#include "conformance/src/matcher.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "conformance/src/vars.h"

namespace unm::conformance {
namespace {

JsonDoc J(const std::string& text) {
  auto d = parse_json(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? std::move(*d) : JsonDoc();
}

bool M(const std::string& matcher, const std::string& actual) {
  JsonDoc m = J(matcher), a = J(actual);
  return match(m, a).ok;
}

TEST(Matcher, LiteralsCompareTypeAndValue) {
  EXPECT_TRUE(M("1", "1"));
  EXPECT_FALSE(M("1", "1.0"));  // integer vs number: strict JSON types (EV-TRN-019)
  EXPECT_FALSE(M("1", "\"1\""));
  EXPECT_TRUE(M("\"a\"", "\"a\""));
  EXPECT_TRUE(M("null", "null"));
  EXPECT_FALSE(M("true", "false"));
}

TEST(Matcher, LiteralObjectsNeedExactKeySet) {
  EXPECT_TRUE(M(R"({"a":1,"b":2})", R"({"b":2,"a":1})"));
  EXPECT_FALSE(M(R"({"a":1})", R"({"a":1,"b":2})"));
  EXPECT_FALSE(M(R"({"a":1,"b":2})", R"({"a":1})"));
  JsonDoc m = J(R"({"a":1})"), a = J(R"({"a":1,"own_storage":""})");
  MatchResult r = match(m, a);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("own_storage"), std::string::npos);
}

TEST(Matcher, LiteralArraysAreOrdered) {
  EXPECT_TRUE(M("[1,2]", "[1,2]"));
  EXPECT_FALSE(M("[1,2]", "[2,1]"));
  EXPECT_FALSE(M("[1,2]", "[1,2,3]"));
}

TEST(Matcher, AnyAndType) {
  EXPECT_TRUE(M(R"({"$any":true})", "[1,{}]"));
  EXPECT_TRUE(M(R"({"$type":"integer"})", "7"));
  EXPECT_FALSE(M(R"({"$type":"integer"})", "7.5"));
  EXPECT_TRUE(M(R"({"$type":"number"})", "7.5"));
  EXPECT_TRUE(M(R"({"$type":["null","string"]})", "null"));
  EXPECT_TRUE(M(R"({"$type":"id"})", "1"));
  EXPECT_FALSE(M(R"({"$type":"id"})", "0"));
  EXPECT_TRUE(M(R"({"$type":"key"})", "\"" + std::string(64, 'a') + "\""));
  EXPECT_FALSE(M(R"({"$type":"key"})", "\"" + std::string(64, 'A') + "\""));
  EXPECT_TRUE(M(R"({"$type":"signature"})", "\"" + std::string(128, '0') + "\""));
  EXPECT_TRUE(M(R"({"$type":"hex"})", "\"00ff\""));
  EXPECT_FALSE(M(R"({"$type":"hex"})", "\"0\""));
  EXPECT_TRUE(M(R"({"$type":"timestamp"})", "\"2023-07-22T01:58:59.123456\""));
  EXPECT_FALSE(M(R"({"$type":"timestamp"})", "\"2023-07-22T01:58:59\""));  // EV-OBJ-001
  EXPECT_TRUE(M(R"({"$type":"nonempty_string"})", "\"x\""));
  EXPECT_FALSE(M(R"({"$type":"nonempty_string"})", "\"\""));
}

TEST(Matcher, EqIsLiteralEvenForOperatorLookalikes) {
  EXPECT_TRUE(M(R"({"$eq":{"$any":true}})", R"({"$any":true})"));
  EXPECT_FALSE(M(R"({"$eq":{"$any":true}})", "1"));
}

TEST(Matcher, ContainsOnStringsAndArrays) {
  EXPECT_TRUE(M(R"({"$contains":"lo"})", "\"hello\""));
  EXPECT_FALSE(M(R"({"$contains":"xx"})", "\"hello\""));
  EXPECT_TRUE(M(R"({"$contains":{"$type":"string"}})", "[1,\"a\"]"));
  EXPECT_FALSE(M(R"({"$contains":3})", "[1,2]"));
  EXPECT_TRUE(M(R"({"$not_contains":3})", "[1,2]"));
  EXPECT_FALSE(M(R"({"$not_contains":2})", "[1,2]"));
}

TEST(Matcher, LengthCountsScalarValues) {
  EXPECT_TRUE(M(R"({"$len":3})", "[1,2,3]"));
  EXPECT_TRUE(M(R"({"$len":2})", "\"\\u00e9\\u00e9\""));  // 2 scalar values, 4 bytes
  EXPECT_TRUE(M(R"({"$len":{"min":1,"max":2}})", "\"ab\""));
  EXPECT_FALSE(M(R"({"$len":{"min":3}})", "\"ab\""));
  EXPECT_TRUE(M(R"({"$len":1})", R"({"a":1})"));
  EXPECT_FALSE(M(R"({"$len":1})", "5"));
}

TEST(Matcher, RegexIsAFullMatch) {
  EXPECT_TRUE(M(R"({"$regex":"[0-9a-f]{4}"})", "\"00af\""));
  EXPECT_FALSE(M(R"({"$regex":"[0-9a-f]{4}"})", "\"00af0\""));
  EXPECT_FALSE(M(R"({"$regex":"a"})", "1"));
}

TEST(Matcher, SetIgnoresOrderButNotSize) {
  EXPECT_TRUE(M(R"({"$set":["a","b","c"]})", R"(["c","a","b"])"));
  EXPECT_FALSE(M(R"({"$set":["a","b"]})", R"(["a","a"])"));
  EXPECT_FALSE(M(R"({"$set":["a","b"]})", R"(["a","b","c"])"));
  EXPECT_TRUE(M(R"({"$superset":["a"]})", R"(["x","a","y"])"));
  EXPECT_FALSE(M(R"({"$superset":["a","a"]})", R"(["a"])"));
  EXPECT_FALSE(M(R"({"$set":[]})", R"({})"));
}

TEST(Matcher, HasAndLacks) {
  EXPECT_TRUE(M(R"({"$has":{"a":1}})", R"({"a":1,"b":2})"));
  EXPECT_FALSE(M(R"({"$has":{"c":1}})", R"({"a":1})"));
  EXPECT_TRUE(M(R"({"$lacks":["own_storage"]})", R"({"a":1})"));
  EXPECT_FALSE(M(R"({"$lacks":["a"]})", R"({"a":1})"));
}

TEST(Matcher, Combinators) {
  EXPECT_TRUE(M(R"({"$all":[{"$type":"string"},{"$len":2}]})", "\"ab\""));
  EXPECT_FALSE(M(R"({"$all":[{"$type":"string"},{"$len":3}]})", "\"ab\""));
  EXPECT_TRUE(M(R"({"$anyof":[1,2]})", "2"));
  EXPECT_FALSE(M(R"({"$anyof":[1,2]})", "3"));
  EXPECT_TRUE(M(R"({"$not":1})", "2"));
  EXPECT_FALSE(M(R"({"$not":1})", "1"));
  EXPECT_TRUE(M(R"({"$type":"string","$len":1})", "\"a\""));
  EXPECT_FALSE(M(R"({"$type":"string","$len":2})", "\"a\""));
}

TEST(Matcher, Comparisons) {
  EXPECT_TRUE(M(R"({"$gt":1})", "2"));
  EXPECT_FALSE(M(R"({"$gt":2})", "2"));
  EXPECT_TRUE(M(R"({"$gte":2})", "2"));
  EXPECT_TRUE(M(R"({"$lt":3})", "2"));
  EXPECT_TRUE(M(R"({"$lte":2})", "2"));
  EXPECT_FALSE(M(R"({"$lt":2})", "\"1\""));
}

TEST(Matcher, DecidedMarksTheMismatch) {
  JsonDoc m = J(R"({"users":{"$decided":["a","b"]}})"), a = J(R"({"users":["b","a"]})");
  MatchResult r = match(m, a);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.decided);
  EXPECT_EQ(r.path.rfind("/users", 0), 0u);
  JsonDoc plain = J(R"({"users":["a","b"]})");
  EXPECT_FALSE(match(plain, a).decided);
}

TEST(Matcher, CaptureCollectsValuesOnSuccessOnly) {
  JsonDoc m = J(R"({"id":{"$capture":"dm","$type":"id"},"x":1})");
  JsonDoc a = J(R"({"id":42,"x":1})");
  MatchResult r = match(m, a);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.captures.size(), 1u);
  EXPECT_EQ(r.captures[0].first, "dm");
  EXPECT_EQ(r.captures[0].second, "42");
  JsonDoc bad = J(R"({"id":"42","x":1})");
  EXPECT_FALSE(match(m, bad).ok);
}

TEST(Matcher, ValidateRejectsMalformedOperators) {
  for (const char* bad :
       {R"({"$typo":1})", R"({"$type":"integr"})", R"({"$len":"x"})", R"({"$set":1})",
        R"({"$regex":"("})", R"({"$has":[]})", R"({"a":{"$lacks":[1]}})", R"({"$capture":""})"}) {
    JsonDoc m = J(bad);
    EXPECT_FALSE(validate_matcher(m).has_value()) << bad;
  }
  JsonDoc good = J(R"({"a":{"$set":[{"$type":"string"}]},"b":[{"$any":true}]})");
  EXPECT_TRUE(validate_matcher(good).has_value());
}

TEST(Vars, SubstitutionKeepsTypes) {
  Vars v;
  v.set_int("dm", 7);
  v.set_string("alice", "alice-1");
  JsonDoc t = J(R"({"id":"${dm}","u":"${alice}","s":"dm ${dm} of ${alice}","lit":"$${x}"})");
  auto d = substitute(t, v);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(to_json(*d), R"({"id":7,"u":"alice-1","s":"dm 7 of alice-1","lit":"${x}"})");
  JsonDoc unknown = J(R"(["${nope}"])");
  auto e = substitute(unknown, v);
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().find("nope"), std::string::npos);
  EXPECT_FALSE(interpolate("${open", v).has_value());
}

// Property: a list always matches $set of any permutation of itself (events.md §0: lists are
// sets), and never a $set with one element removed.
RC_GTEST_PROP(MatcherProps, SetMatchesAnyPermutation, (std::vector<int> xs, unsigned seed)) {
  JsonDoc a;
  a.SetArray();
  for (int x : xs) a.PushBack(x, a.GetAllocator());
  std::vector<int> perm = xs;
  std::mt19937 g(seed);
  std::shuffle(perm.begin(), perm.end(), g);
  JsonDoc m;
  m.SetObject();
  JsonValue arr(rapidjson::kArrayType);
  for (int x : perm) arr.PushBack(x, m.GetAllocator());
  m.AddMember("$set", arr, m.GetAllocator());
  RC_ASSERT(match(m, a).ok);
  if (!perm.empty()) {
    m["$set"].PopBack();
    RC_ASSERT(!match(m, a).ok);
  }
}

// Property: a literal matcher built from a value matches exactly that value.
RC_GTEST_PROP(MatcherProps, LiteralMatchesItself, (std::map<std::string, int> obj)) {
  JsonDoc a;
  a.SetObject();
  for (const auto& [k, v] : obj) {
    if (!k.empty() && k[0] == '$') continue;  // would be an operator
    a.AddMember(JsonValue(k.c_str(), a.GetAllocator()), JsonValue(v), a.GetAllocator());
  }
  auto copy = parse_json(to_json(a));
  RC_ASSERT(copy.has_value());
  RC_ASSERT(match(*copy, a).ok);
}

}  // namespace
}  // namespace unm::conformance

namespace unm::conformance {
namespace {

// Fuzz finding scenario_file-open-rapidjson-0e300: with full-precision parsing RapidJSON 1.1.0
// read 0e300 as ~1.45e281. Zero with any exponent is zero.
TEST(Json, ZeroWithExponentIsZero) {
  for (const char* text : {"[0e300]", "[0.0e300]", "[0e-300]"}) {
    auto doc = parse_json(text);
    ASSERT_TRUE(doc.has_value()) << text;
    ASSERT_TRUE((*doc)[0].IsNumber()) << text;
    EXPECT_EQ((*doc)[0].GetDouble(), 0.0) << text;
  }
}

}  // namespace
}  // namespace unm::conformance
