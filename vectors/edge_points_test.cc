// edge_points_test.cc — the explicit corner-case constructions are what they claim to be.
#include "vectors/edge_points.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sodium.h>

#include <numeric>

#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::vectors::edge {
namespace {

class EdgePoints : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
};

// times is k·P by repeated addition (valid for any on-curve point, small order included).
std::optional<Bytes32> times(const Bytes32& p, int k) {
  std::optional<Bytes32> acc = identity();
  for (int i = 0; i < k && acc; ++i) acc = add(*acc, p);
  return acc;
}

TEST_F(EdgePoints, SmallOrderPointsHaveTheStatedOrder) {
  const auto pts = small_order_points();
  for (int i = 0; i < 8; ++i) {
    const int order = 8 / std::gcd(i == 0 ? 8 : i, 8);
    SCOPED_TRACE(i);
    EXPECT_EQ(times(pts[i], order), identity());
    for (int k = 1; k < order; ++k) EXPECT_NE(times(pts[i], k), identity());
    EXPECT_EQ(small_order_index(pts[i]), i);
  }
  // The 8 encodings are distinct.
  for (int i = 0; i < 8; ++i)
    for (int j = i + 1; j < 8; ++j) EXPECT_NE(pts[i], pts[j]);
}

TEST_F(EdgePoints, CryptoRefusesEverySmallOrderPoint) {  // CR-KEY-004
  for (const Bytes32& p : small_order_points()) {
    EXPECT_FALSE(crypto::validate_public_key(p));
    EXPECT_TRUE(crypto::is_small_order_encoding(std::span<const std::uint8_t, 32>(p)));
  }
}

TEST_F(EdgePoints, NonCanonicalEncodingsDecodeToTheirCanonicalPoint) {
  const auto ncs = non_canonical_encodings();
  // y = p + d is on the curve for d in {0,1,3,4,5,6,9,10,14,15,16,18}, both signs: 24, plus the
  // two sign-bit forms of x = 0.
  EXPECT_EQ(ncs.size(), 26u);
  int small = 0;
  for (const NonCanonical& nc : ncs) {
    EXPECT_FALSE(
        crypto::is_canonical_point_encoding(std::span<const std::uint8_t, 32>(nc.encoding)));
    EXPECT_NE(nc.encoding, nc.canonical);
    EXPECT_EQ(add(nc.encoding, identity()), nc.canonical);
    EXPECT_FALSE(crypto::validate_public_key(nc.encoding));
    if (nc.small_order) ++small;
  }
  // y = 0 (two points), y = 1 (two sign forms), and the sign-bit forms of y = 1 and y = -1.
  EXPECT_EQ(small, 6);
}

TEST_F(EdgePoints, PlusMultipleOfLReducesBackToTheSameScalar) {
  Bytes32 s{};
  s[0] = 42;
  s[20] = 7;
  for (unsigned m : {1u, 2u, 8u}) {
    const Bytes32 big = plus_multiple_of_l(s, m);
    EXPECT_NE(big, s);
    std::array<std::uint8_t, 64> wide{};
    std::copy(big.begin(), big.end(), wide.begin());
    EXPECT_EQ(reduce64(wide), s);
  }
}

TEST_F(EdgePoints, OffCurvePointIsNotOnCurve) {
  Bytes32 y2{};
  y2[0] = 2;
  EXPECT_FALSE(on_curve(y2));
  EXPECT_TRUE(on_curve(identity()));
}

// The Ed25519 equation S·B = R + k·A holds for S = r + k·a, R = r·B, A = a·B: the helpers the
// generator uses to build (edge-case) signatures compute what RFC 8032 says.
RC_GTEST_PROP(EdgePointsProp, SignatureEquationHolds,
              (std::array<std::uint8_t, 32> seed, std::vector<std::uint8_t> msg)) {
  RC_ASSERT(static_cast<bool>(crypto::init()));
  const crypto::PrivateKey priv{std::span<const std::uint8_t, 32>(seed)};
  const crypto::PublicKey a_pub = crypto::public_key(priv);
  Bytes32 a{};
  const auto sc = crypto::scalar(priv);
  std::copy(sc.bytes().begin(), sc.bytes().end(), a.begin());
  std::array<std::uint8_t, 64> wide{};
  std::copy(seed.begin(), seed.end(), wide.begin() + 7);
  const Bytes32 r = reduce64(wide);
  const auto r_enc = base_mul(r);
  RC_PRE(r_enc.has_value());
  const Bytes32 k = hram(*r_enc, a_pub, msg);
  const Bytes32 s = muladd(k, a, r);
  const auto lhs = base_mul(s);
  Bytes32 ka{};
  RC_ASSERT(crypto_scalarmult_ed25519_noclamp(ka.data(), k.data(), a_pub.data()) == 0);
  RC_ASSERT(lhs == add(*r_enc, ka));
  // And it is the signature libsodium makes: deterministic r differs, so check verification.
  crypto::Signature sig{};
  std::copy(r_enc->begin(), r_enc->end(), sig.begin());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  RC_ASSERT(crypto::verify(a_pub, msg, sig));
}

}  // namespace
}  // namespace unm::vectors::edge
