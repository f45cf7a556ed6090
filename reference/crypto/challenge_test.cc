// challenge_test.cc — the login challenge (CR-CHAL-001..003) and its edge cases.
#include <sodium.h>

#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;

class ChallengeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

TEST_F(ChallengeTest, HonestClientAnswersWhatTheServerExpects) {
  DeterministicRandom rng(11);
  const PrivateKey priv = generate_private_key(rng);
  auto c = create_challenge(public_key(priv), rng);
  ASSERT_TRUE(c.has_value());
  auto response = challenge_response(priv, c->challenge);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(*response, c->expected);
  EXPECT_TRUE(challenge_matches(unm::to_hex(c->expected), unm::to_hex(*response)));
}

TEST_F(ChallengeTest, ExplicitScalarOneGivesBaseAndTheUserKey) {
  // k = 1: challenge = B, expected = A; the response to B is the public key itself.
  DeterministicRandom rng(12);
  const PrivateKey priv = generate_private_key(rng);
  Scalar one;
  one.data()[0] = 1;
  auto c = create_challenge_with_scalar(public_key(priv), one);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(unm::to_hex(c->challenge), test::kBaseHex);
  EXPECT_EQ(c->expected, public_key(priv));
  auto response = challenge_response(priv, c->challenge);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(*response, public_key(priv));
}

TEST_F(ChallengeTest, ScalarMustBeInOneToLMinusOne) {
  DeterministicRandom rng(13);
  const PublicKey user = public_key(generate_private_key(rng));
  Scalar zero;
  EXPECT_EQ(create_challenge_with_scalar(user, zero).error(), Error::invalid_scalar);
  Scalar l(array32(test::kOrderLHex));
  EXPECT_EQ(create_challenge_with_scalar(user, l).error(), Error::invalid_scalar);
  Scalar big(array32("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
  EXPECT_EQ(create_challenge_with_scalar(user, big).error(), Error::invalid_scalar);
  Scalar l_minus_1 = l;
  l_minus_1.data()[0] -= 1;
  auto c = create_challenge_with_scalar(user, l_minus_1);
  ASSERT_TRUE(c.has_value());
  // (L-1)·B = -B: same y as B, sign bit flipped.
  auto neg_base = array32(test::kBaseHex);
  neg_base[31] ^= 0x80;
  EXPECT_EQ(c->challenge, neg_base);
}

TEST_F(ChallengeTest, InvalidUserKeyIsRefused) {
  DeterministicRandom rng(14);
  EXPECT_EQ(create_challenge(array32(test::kIdentityHex), rng).error(), Error::invalid_point);
  EXPECT_EQ(create_challenge(array32(test::kOrder8Hex), rng).error(), Error::invalid_point);
  EXPECT_EQ(create_challenge(
                array32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), rng)
                .error(),
            Error::invalid_point);
}

// A Random that only ever yields zero bytes: k would be 0, which must not be used.
class ZeroRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override { std::fill(out.begin(), out.end(), 0); }
};

TEST_F(ChallengeTest, BrokenRandomnessIsAnErrorNotAZeroChallenge) {
  ZeroRandom zero;
  DeterministicRandom rng(15);
  EXPECT_EQ(create_challenge(public_key(generate_private_key(rng)), zero).error(), Error::internal);
}

TEST_F(ChallengeTest, EdgeChallengesAreRefused) {
  DeterministicRandom rng(16);
  const PrivateKey priv = generate_private_key(rng);
  // identity_challenge, torsion_challenge (order 8 and 2), the non-canonical identity.
  for (auto hex :
       {test::kIdentityHex, test::kOrder8Hex, test::kOrder2Hex,
        std::string_view("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        std::string_view("0000000000000000000000000000000000000000000000000000000000000000")}) {
    EXPECT_EQ(challenge_response(priv, array32(hex)).error(), Error::invalid_point) << hex;
  }
  // torsion_ignored: B + T8 is mixed-order; a lenient client would answer a·B + a·T8.
  PublicKey mixed{};
  const PublicKey base = array32(test::kBaseHex);
  const PublicKey t8 = array32(test::kOrder8Hex);
  ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), base.data(), t8.data()), 0);
  EXPECT_EQ(challenge_response(priv, mixed).error(), Error::invalid_point);
}

TEST_F(ChallengeTest, MatchingIsExactAndLowercase) {
  const std::string expected(64, 'a');
  EXPECT_TRUE(challenge_matches(expected, expected));
  EXPECT_FALSE(challenge_matches(expected, std::string(64, 'A')));
  EXPECT_FALSE(challenge_matches(expected, std::string(63, 'a')));
  EXPECT_FALSE(challenge_matches(expected, expected + "a"));
  EXPECT_FALSE(challenge_matches(expected, ""));
  EXPECT_FALSE(challenge_matches("", ""));  // no stored challenge never matches
  std::string last_differs = expected;
  last_differs.back() = 'b';
  EXPECT_FALSE(challenge_matches(expected, last_differs));
}

RC_GTEST_PROP(ChallengeProp, ResponseMatchesForEveryKeyAndScalar, ()) {
  RC_ASSERT(init().has_value());
  const PrivateKey priv = *test::gen_private_key();
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  DeterministicRandom rng(seed);
  auto c = create_challenge(public_key(priv), rng);
  RC_ASSERT(c.has_value());
  auto response = challenge_response(priv, c->challenge);
  RC_ASSERT(response.has_value());
  RC_ASSERT(challenge_matches(unm::to_hex(c->expected), unm::to_hex(*response)));
  // Another key's answer does not match.
  const PrivateKey other = *test::gen_private_key();
  RC_PRE(!(other == priv));
  auto wrong = challenge_response(other, c->challenge);
  RC_ASSERT(wrong.has_value());
  RC_ASSERT(!challenge_matches(unm::to_hex(c->expected), unm::to_hex(*wrong)));
}

RC_GTEST_PROP(ChallengeProp, ResponseNeverCrashesOnArbitraryPoints,
              (const std::array<std::uint8_t, 32>& point)) {
  RC_ASSERT(init().has_value());
  const PrivateKey priv = *test::gen_private_key();
  auto r = challenge_response(priv, point);
  // Either a valid subgroup point (then the answer is a valid key too) or invalid_point.
  if (r) {
    RC_ASSERT(validate_public_key(point).has_value());
    RC_ASSERT(validate_public_key(*r).has_value());
  } else {
    RC_ASSERT(r.error() == Error::invalid_point);
    RC_ASSERT(!validate_public_key(point).has_value());
  }
}

}  // namespace
}  // namespace unm::crypto
