// generator_test.cc — generated files are reproducible, complete and follow vectors.md.
#include "vectors/generator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "vectors/checker.h"
#include "vectors/family.h"
#include "vectors/test_support.h"

namespace unm::vectors {
namespace {

using testing::generated;
using testing::parse;

class Generator : public ::testing::TestWithParam<Family> {};

TEST_P(Generator, SameSeedGivesByteIdenticalFile) {
  const std::string a = generated(GetParam(), 7);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, generated(GetParam(), 7));
  EXPECT_EQ(a.back(), '\n');
}

TEST_P(Generator, OtherSeedGivesOtherValues) {
  const std::string a = generated(GetParam(), 7);
  const std::string b = generated(GetParam(), 8);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);
}

TEST_P(Generator, FileFollowsTheSchema) {
  const std::string text = generated(GetParam(), 11);
  const auto doc = parse(text);
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(std::string(doc["family"].GetString()), family_name(GetParam()));
  EXPECT_EQ(doc["version"].GetInt(), 1);
  const std::string gen = doc["generator"].GetString();
  EXPECT_NE(gen.find(kGeneratorTool), std::string::npos);
  EXPECT_NE(gen.find(kGeneratorVersion), std::string::npos);
  EXPECT_NE(gen.find("seed 11"), std::string::npos);
  ASSERT_TRUE(doc["notes"].IsArray());
  EXPECT_GE(doc["notes"].Size(), 2u);
  std::set<std::int64_t> ids;
  std::size_t valid = 0;
  std::size_t invalid = 0;
  for (const auto& t : doc["tests"].GetArray()) {
    EXPECT_TRUE(ids.insert(t["id"].GetInt64()).second);
    EXPECT_TRUE(t["comment"].IsString());
    const std::string result = t["result"].GetString();
    (result == "valid" ? valid : invalid)++;
    if (t.HasMember("flags")) {
      // Every flag the generator writes is one vectors.md lists (no typos that would turn an edge
      // case into a plain failure).
      for (const auto& f : t["flags"].GetArray()) {
        const std::string flag = f.GetString();
        EXPECT_TRUE(std::find(edge_flags().begin(), edge_flags().end(), flag) != edge_flags().end())
            << flag;
      }
    }
  }
  EXPECT_GE(valid, 20u);
  if (GetParam() != Family::kdf) {
    EXPECT_GE(invalid, 2u);  // the KDF refuses nothing, every other family does
  }
}

TEST_P(Generator, GeneratedFilePassesTheChecker) {
  const auto report = check_text(generated(GetParam()));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failed(), 0u);
  EXPECT_EQ(report->count(Outcome::strict), 0u);
  EXPECT_EQ(report->skipped(), 0u);  // every generated test is checkable (VEC-003)
  for (const TestResult& t : report->tests) {
    EXPECT_NE(t.outcome, Outcome::failed) << "#" << t.id << ": " << t.detail;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, Generator, ::testing::ValuesIn(all_families()),
                         [](const ::testing::TestParamInfo<Family>& i) {
                           return std::string(family_name(i.param));
                         });

TEST(GeneratorGroupDm, CoversTheRequiredSizesWithEveryMember) {
  const auto doc = parse(generated(Family::group_dm));
  ASSERT_TRUE(doc.IsObject());
  std::set<std::uint64_t> sizes;
  for (const auto& t : doc["tests"].GetArray()) {
    if (std::string(t["result"].GetString()) != "valid") continue;
    const std::uint64_t n = t["n"].GetUint64();
    sizes.insert(n);
    const std::uint64_t m = t["padded_size"].GetUint64();
    EXPECT_EQ(t["key_tree"].Size(), 2 * m - 2);
    EXPECT_EQ(t["padding"].Size(), m - n);
    EXPECT_EQ(t["messages"].Size(), n - 1);
    EXPECT_EQ(t["private_tree"].Size(), 2 * m - 1);
    ASSERT_EQ(t["members"].Size(), n - 1);
    std::uint64_t pos = 1;
    for (const auto& mb : t["members"].GetArray()) {
      EXPECT_EQ(mb["position"].GetUint64(), pos++);
      EXPECT_EQ(std::string(mb["shared_key"].GetString()), t["shared_key"].GetString());
      EXPECT_TRUE(mb["leaf_key"].IsString());
    }
  }
  for (std::uint64_t n : {2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 32, 33}) EXPECT_TRUE(sizes.count(n)) << n;
}

// recovery_phrase (CR-KEY-005): the boundary keys and other letter cases are among the valid
// tests, and every valid phrase is 24 words.
TEST(GeneratorRecoveryPhrase, CoversBoundaryKeysAndLetterCase) {
  const auto doc = parse(generated(Family::recovery_phrase));
  ASSERT_TRUE(doc.IsObject());
  std::set<std::string> keys;
  bool lower = false, mixed = false;
  for (const auto& t : doc["tests"].GetArray()) {
    if (std::string(t["result"].GetString()) != "valid") {
      EXPECT_FALSE(t.HasMember("private_key"));  // invalid tests give only the phrase
      continue;
    }
    keys.insert(t["private_key"].GetString());
    const std::string phrase = t["phrase"].GetString();
    EXPECT_EQ(std::count(phrase.begin(), phrase.end(), ' '), 23) << phrase;
    const bool has_lower = phrase.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
    const bool has_upper = phrase.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos;
    lower = lower || (has_lower && !has_upper);
    mixed = mixed || (has_lower && has_upper);
  }
  EXPECT_TRUE(keys.count(std::string(64, '0')));
  EXPECT_TRUE(keys.count(std::string(64, 'f')));
  EXPECT_TRUE(lower);
  EXPECT_TRUE(mixed);
}

// Each rejection rule of the brief appears among the invalid tests (found by comment text).
TEST(GeneratorCoverage, EveryRejectionRuleHasInvalidTests) {
  const std::map<Family, std::vector<std::string>> wanted = {
      {Family::aead,
       {"tampered tag", "tampered IV", "tampered ciphertext", "wrong key", "short input"}},
      {Family::ed25519_sign,
       {"flipped bit in signature", "S >= L", "small-order public key", "small-order R",
        "non-canonical public key", "non-canonical R", "mixed-order public key", "mixed-order R"}},
      {Family::challenge, {"small-order point 0", "mixed-order", "non-canonical"}},
      {Family::x3dh, {"wrong spk", "invalid ek", "spk_b_sig with a flipped bit"}},
      {Family::group_dm,
       {"bad tree length", "outside 1 ... M-1", "tampered path node", "invalid ek",
        "creation fails"}},
      {Family::own_storage, {"tampered", "another private key", "not JSON"}},
      {Family::recovery_phrase,
       {"23 words", "25 words", "empty phrase", "unknown word", "group 1: parity",
        "group 2: parity", "group 3: parity", "group 4: parity", "a key bit flipped"}},
  };
  for (const auto& [family, phrases] : wanted) {
    const auto doc = parse(generated(family));
    ASSERT_TRUE(doc.IsObject());
    for (const std::string& phrase : phrases) {
      bool found = false;
      for (const auto& t : doc["tests"].GetArray()) {
        if (std::string(t["result"].GetString()) == "invalid" &&
            std::string(t["comment"].GetString()).find(phrase) != std::string::npos) {
          found = true;
        }
      }
      EXPECT_TRUE(found) << family_name(family) << ": " << phrase;
    }
  }
}

// Any seed gives a file that the checker accepts, and the same seed gives the same file.
RC_GTEST_PROP(GeneratorProp, AnySeedIsReproducibleAndChecks, (std::uint64_t seed)) {
  for (Family f : {Family::kdf, Family::personal_key, Family::recovery_phrase}) {
    const std::string a = generated(f, seed);
    RC_ASSERT(!a.empty());
    RC_ASSERT(a == generated(f, seed));
    const auto report = check_text(a);
    RC_ASSERT(static_cast<bool>(report));
    RC_ASSERT(report->failed() == 0u);
  }
}

}  // namespace
}  // namespace unm::vectors
