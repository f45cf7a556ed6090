// keys_test.cc — init, SecretBytes, Random, key derivation, parsing and CR-KEY-004 validation.
#include <sodium.h>

#include <set>
#include <string>

#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;
using test::bytes;
using test::priv_hex;

class Keys : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

TEST_F(Keys, InitIsIdempotent) {
  EXPECT_TRUE(init().has_value());
  EXPECT_TRUE(init().has_value());
}

TEST_F(Keys, SizesMatchTheSpec) {
  EXPECT_EQ(kPrivateKeyBytes, 32u);
  EXPECT_EQ(kPublicKeyBytes, 32u);
  EXPECT_EQ(kSignatureBytes, 64u);
  EXPECT_EQ(kSharedKeyBytes, 32u);
  EXPECT_EQ(kIvBytes, 12u);
  EXPECT_EQ(kTagBytes, 16u);
}

TEST_F(Keys, ErrorNamesAreStableAndDistinct) {
  const Error all[] = {Error::bad_hex,
                       Error::wrong_length,
                       Error::invalid_point,
                       Error::bad_signature,
                       Error::bad_tree_length,
                       Error::position_out_of_range,
                       Error::authentication_failed,
                       Error::aead_unavailable,
                       Error::bad_json,
                       Error::internal,
                       Error::invalid_scalar,
                       Error::leaf_mismatch};
  std::set<std::string_view> names;
  for (Error e : all) names.insert(error_name(e));
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(error_name(Error::bad_hex), "bad_hex");
  EXPECT_EQ(error_name(Error::leaf_mismatch), "leaf_mismatch");
  EXPECT_EQ(error_name(static_cast<Error>(999)), "unknown");
}

TEST_F(Keys, SecretBytesMoveWipesTheSource) {
  SecretBytes<32> a(array32("0101010101010101010101010101010101010101010101010101010101010101"));
  SecretBytes<32> b(std::move(a));
  EXPECT_TRUE(sodium_is_zero(a.data(), a.size()));  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(sodium_is_zero(b.data(), b.size()));
  SecretBytes<32> c;
  c = std::move(b);
  EXPECT_TRUE(sodium_is_zero(b.data(), b.size()));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.data()[31], 1);
}

TEST_F(Keys, SecretBytesWipeAndCompare) {
  SecretBytes<4> a;
  EXPECT_TRUE(sodium_is_zero(a.data(), a.size()));
  const std::vector<std::uint8_t> four = {1, 2, 3, 4};
  EXPECT_TRUE(SecretBytes<4>::from(four, a));
  EXPECT_FALSE(SecretBytes<4>::from(std::vector<std::uint8_t>{1, 2, 3}, a));
  SecretBytes<4> copy = a;
  EXPECT_TRUE(copy == a);
  copy.wipe();
  EXPECT_FALSE(copy == a);
  EXPECT_TRUE(sodium_is_zero(copy.data(), copy.size()));
  EXPECT_EQ(a.bytes()[3], 4);
}

TEST_F(Keys, DeterministicRandomIsReproducibleAndSplitIndependent) {
  DeterministicRandom r1(42), r2(42), r3(43);
  std::vector<std::uint8_t> a(200), b(200), c(200);
  r1.fill(a);
  // The same stream, taken in uneven pieces that cross 64-byte block boundaries.
  r2.fill(std::span(b).subspan(0, 1));
  r2.fill(std::span(b).subspan(1, 70));
  r2.fill(std::span(b).subspan(71, 129));
  r3.fill(c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<std::uint8_t> empty;
  r1.fill(empty);  // no bytes requested: no effect, no crash
}

TEST_F(Keys, DeterministicRandomFromSeedBytes) {
  const auto seed = array32("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  DeterministicRandom a(seed), b(seed);
  std::array<std::uint8_t, 64> x{}, y{};
  a.fill(x);
  b.fill(y);
  EXPECT_EQ(x, y);
  // The seed is the ChaCha20-IETF key (zero nonce, counter 0): the first block is the keystream.
  std::array<std::uint8_t, 64> ks{};
  std::array<std::uint8_t, 12> nonce{};
  crypto_stream_chacha20_ietf(ks.data(), ks.size(), nonce.data(), seed.data());
  EXPECT_EQ(x, ks);
}

TEST_F(Keys, SystemRandomProducesDistinctKeys) {
  const PrivateKey a = generate_private_key(system_random());
  const PrivateKey b = generate_private_key(system_random());
  EXPECT_FALSE(a == b);
}

TEST_F(Keys, PublicKeyMatchesRfc8032Test1) {
  // RFC 8032 §7.1 TEST 1.
  const auto priv = priv_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  EXPECT_EQ(unm::to_hex(public_key(priv)),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}

TEST_F(Keys, ScalarTimesBaseIsThePublicKey) {
  // CR-KEY-003: public(priv) = encode(scalar(priv)·B), and scalar(priv) < L.
  DeterministicRandom rng(7);
  for (int i = 0; i < 20; ++i) {
    const PrivateKey priv = generate_private_key(rng);
    const Scalar s = scalar(priv);
    PublicKey p{};
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(p.data(), s.data()), 0);
    EXPECT_EQ(p, public_key(priv));
    // Reduced: reducing it again changes nothing.
    std::array<std::uint8_t, 64> wide{};
    std::copy_n(s.data(), 32, wide.data());
    std::array<std::uint8_t, 32> again{};
    crypto_core_ed25519_scalar_reduce(again.data(), wide.data());
    EXPECT_TRUE(std::equal(again.begin(), again.end(), s.data()));
  }
}

TEST_F(Keys, ParsePublicKeyErrors) {
  EXPECT_EQ(parse_public_key("abc").error(), Error::bad_hex);  // odd length
  EXPECT_EQ(parse_public_key("00").error(), Error::wrong_length);
  EXPECT_EQ(parse_public_key(std::string(66, '0')).error(), Error::wrong_length);
  EXPECT_EQ(parse_public_key(std::string(64, 'g')).error(), Error::bad_hex);
  // Upper case is not the wire form.
  EXPECT_EQ(
      parse_public_key("D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A").error(),
      Error::bad_hex);
  EXPECT_EQ(parse_public_key(test::kIdentityHex).error(), Error::invalid_point);
  auto ok = parse_public_key("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(unm::to_hex(*ok), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}

TEST_F(Keys, ParsePrivateKeyAndSignatureErrors) {
  EXPECT_EQ(parse_private_key("").error(), Error::wrong_length);
  EXPECT_EQ(parse_private_key("0").error(), Error::bad_hex);
  EXPECT_EQ(parse_private_key(std::string(64, 'x')).error(), Error::bad_hex);
  auto priv = parse_private_key(std::string(64, 'f'));
  ASSERT_TRUE(priv.has_value());
  EXPECT_EQ(priv->data()[0], 0xff);
  EXPECT_EQ(parse_signature(std::string(126, '0')).error(), Error::wrong_length);
  EXPECT_EQ(parse_signature(std::string(127, '0')).error(), Error::bad_hex);
  EXPECT_TRUE(parse_signature(std::string(128, '0')).has_value());
}

TEST_F(Keys, ValidatePublicKeyRejectsWrongLength) {
  EXPECT_EQ(validate_public_key(std::vector<std::uint8_t>(31)).error(), Error::wrong_length);
  EXPECT_EQ(validate_public_key(std::vector<std::uint8_t>(33)).error(), Error::wrong_length);
  EXPECT_EQ(validate_public_key({}).error(), Error::wrong_length);
}

// The small-order table is a fact; prove it: doubling each listed point three times reaches the
// identity (crypto_core_ed25519_add accepts any point on the curve).
TEST_F(Keys, SmallOrderEncodingsReallyHaveSmallOrder) {
  const std::string_view canonical[] = {
      test::kIdentityHex, test::kOrder8Hex, test::kOrder2Hex,
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "0000000000000000000000000000000000000000000000000000000000000000"};
  for (auto hex : canonical) {
    PublicKey p = array32(hex);
    EXPECT_TRUE(is_small_order_encoding(p)) << hex;
    EXPECT_TRUE(is_canonical_point_encoding(p)) << hex;
    EXPECT_EQ(validate_public_key(p).error(), Error::invalid_point) << hex;
    PublicKey q = p;
    for (int i = 0; i < 3; ++i) {
      PublicKey twice{};
      ASSERT_EQ(crypto_core_ed25519_add(twice.data(), q.data(), q.data()), 0) << hex;
      q = twice;
    }
    EXPECT_EQ(unm::to_hex(q), test::kIdentityHex) << hex;
    // With the sign bit set the table still matches (x = -x for these y, or x = 0).
    p[31] ^= 0x80;
    EXPECT_TRUE(is_small_order_encoding(p)) << hex;
    EXPECT_EQ(validate_public_key(p).error(), Error::invalid_point) << hex;
  }
}

TEST_F(Keys, NonCanonicalEncodingsAreRejected) {
  // y >= p: y = p + k for k = 0 ... 18 (with and without the sign bit).
  for (int k = 0; k < 19; ++k) {
    PublicKey p = array32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    p[0] = static_cast<std::uint8_t>(0xed + k);
    EXPECT_FALSE(is_canonical_point_encoding(p)) << k;
    EXPECT_EQ(validate_public_key(p).error(), Error::invalid_point) << k;
    EXPECT_EQ(x25519_public_key(p).error(), Error::invalid_point) << k;
    p[31] |= 0x80;
    EXPECT_FALSE(is_canonical_point_encoding(p)) << k;
    EXPECT_EQ(validate_public_key(p).error(), Error::invalid_point) << k;
  }
  // x = 0 with the sign bit set (RFC 8032 §5.1.3: decoding fails).
  PublicKey neg_identity = array32(test::kIdentityHex);
  neg_identity[31] |= 0x80;
  EXPECT_FALSE(is_canonical_point_encoding(neg_identity));
  PublicKey neg_order2 = array32(test::kOrder2Hex);
  neg_order2[31] |= 0x80;
  EXPECT_FALSE(is_canonical_point_encoding(neg_order2));
  // y = p - 1 itself is canonical (the order-2 point), y = p - 20 too.
  EXPECT_TRUE(is_canonical_point_encoding(array32(test::kOrder2Hex)));
}

TEST_F(Keys, MixedOrderAndOffCurvePointsAreRejected) {
  const PublicKey base = array32(test::kBaseHex);
  ASSERT_TRUE(validate_public_key(base).has_value());
  PublicKey mixed{};
  const PublicKey t8 = array32(test::kOrder8Hex);
  ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), base.data(), t8.data()), 0);
  EXPECT_TRUE(is_canonical_point_encoding(mixed));
  EXPECT_FALSE(is_small_order_encoding(mixed));
  EXPECT_EQ(validate_public_key(mixed).error(), Error::invalid_point);
  EXPECT_EQ(x25519_public_key(mixed).error(), Error::invalid_point);
  // y = 2 is not on the curve (x² would be a non-square); decoding must fail, not crash.
  int off_curve = 0;
  for (std::uint8_t y = 2; y < 40; ++y) {
    PublicKey p{};
    p[0] = y;
    PublicKey sum{};
    if (crypto_core_ed25519_add(sum.data(), p.data(), base.data()) != 0) {
      ++off_curve;
      EXPECT_EQ(validate_public_key(p).error(), Error::invalid_point);
    }
  }
  EXPECT_GT(off_curve, 0);
}

RC_GTEST_PROP(KeysProp, ValidPublicKeysOfEverySeed, ()) {
  RC_ASSERT(init().has_value());
  const PrivateKey priv = *test::gen_private_key();
  const PublicKey pub = public_key(priv);
  RC_ASSERT(validate_public_key(pub).has_value());
  RC_ASSERT(is_canonical_point_encoding(pub));
  RC_ASSERT(!is_small_order_encoding(pub));
  auto parsed = parse_public_key(unm::to_hex(pub));
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(*parsed == pub);
  auto parsed_priv = parse_private_key(unm::to_hex(priv.bytes()));
  RC_ASSERT(parsed_priv.has_value());
  RC_ASSERT(*parsed_priv == priv);
}

RC_GTEST_PROP(KeysProp, ParsersNeverCrashOnArbitraryText, (const std::string& text)) {
  // Any text gets a value or a typed error; the results agree with the hex decoder.
  auto pub = parse_public_key(text);
  auto priv = parse_private_key(text);
  auto sig = parse_signature(text);
  const bool hex_ok = unm::is_lower_hex(text);
  if (!hex_ok) {
    RC_ASSERT(!priv.has_value());
    RC_ASSERT(!sig.has_value());
  }
  RC_ASSERT(priv.has_value() == (hex_ok && text.size() == 64));
  RC_ASSERT(sig.has_value() == (hex_ok && text.size() == 128));
  if (pub) RC_ASSERT(text.size() == 64);
}

}  // namespace
}  // namespace unm::crypto
