// sign_test.cc — RFC 8032 KATs and the strict-verification edge cases (CR-SIG-001..003).
#include <sodium.h>

#include <string>

#include "reference/crypto/internal.h"
#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;
using test::bytes;
using test::priv_hex;
using test::sig_hex;

struct Rfc8032Case {
  const char* name;
  const char* secret;
  const char* pub;
  const char* msg;
  const char* sig;
};

// RFC 8032 §7.1: TEST 1, TEST 2, TEST 3 and TEST SHA(abc).
const Rfc8032Case kRfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "4"
     "6bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d"
     "8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6"
     "594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "b"
     "bd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e"
     "0"
     "303dca179c138ac17ad9bef1177331a704"},
};

class Sign : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

TEST_F(Sign, Rfc8032KnownAnswers) {
  for (const auto& c : kRfc8032) {
    SCOPED_TRACE(c.name);
    const PrivateKey priv = priv_hex(c.secret);
    const PublicKey pub = public_key(priv);
    EXPECT_EQ(unm::to_hex(pub), c.pub);
    const auto msg = bytes(c.msg);
    const Signature sig = sign(priv, msg);
    EXPECT_EQ(unm::to_hex(sig), c.sig);
    EXPECT_TRUE(verify(pub, msg, sig));
    EXPECT_TRUE(verify_hex(c.pub, c.msg, c.sig).has_value());
  }
}

TEST_F(Sign, Sha512OfAbcIsTheSha_abcMessage) {
  // RFC 8032's TEST SHA(abc) signs SHA-512("abc"); check that fact with libsodium's hash.
  std::array<std::uint8_t, 64> h{};
  const std::string abc = "abc";
  crypto_hash_sha512(h.data(), reinterpret_cast<const unsigned char*>(abc.data()), abc.size());
  EXPECT_EQ(unm::to_hex(h), kRfc8032[3].msg);
}

TEST_F(Sign, VerifyHexReportsTypedErrors) {
  const auto& c = kRfc8032[1];
  EXPECT_EQ(verify_hex(std::string(64, 'z'), c.msg, c.sig).error(), Error::bad_hex);
  EXPECT_EQ(verify_hex("zz", c.msg, c.sig).error(), Error::wrong_length);
  EXPECT_EQ(verify_hex(std::string(62, '0'), c.msg, c.sig).error(), Error::wrong_length);
  EXPECT_EQ(verify_hex(test::kIdentityHex, c.msg, c.sig).error(), Error::invalid_point);
  EXPECT_EQ(verify_hex(c.pub, "7", c.sig).error(), Error::bad_hex);
  EXPECT_EQ(verify_hex(c.pub, "7G", c.sig).error(), Error::bad_hex);
  EXPECT_EQ(verify_hex(c.pub, c.msg, std::string(c.sig).substr(2)).error(), Error::wrong_length);
  EXPECT_EQ(verify_hex(c.pub, c.msg, std::string(c.sig) + "0").error(), Error::bad_hex);
  EXPECT_EQ(verify_hex(c.pub, "73", c.sig).error(), Error::bad_signature);
  EXPECT_EQ(verify_hex(kRfc8032[0].pub, c.msg, c.sig).error(), Error::bad_signature);
}

// A checked key gives the same answers as verify_hex with the hex key, and check_public_key refuses
// what parse_public_key refuses (CR-KEY-004).
TEST_F(Sign, CheckedKeyVerifiesLikeTheHexForm) {
  const auto& c = kRfc8032[1];
  EXPECT_EQ(check_public_key(std::string(64, 'z')).error(), Error::bad_hex);
  EXPECT_EQ(check_public_key("zz").error(), Error::wrong_length);
  EXPECT_EQ(check_public_key(test::kIdentityHex).error(), Error::invalid_point);
  EXPECT_EQ(check_public_key(test::kOrder8Hex).error(), Error::invalid_point);
  auto key = check_public_key(c.pub);
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(verify_hex(*key, c.msg, c.sig).has_value());
  EXPECT_EQ(verify_hex(*key, "7", c.sig).error(), Error::bad_hex);
  EXPECT_EQ(verify_hex(*key, c.msg, std::string(c.sig).substr(2)).error(), Error::wrong_length);
  EXPECT_EQ(verify_hex(*key, "73", c.sig).error(), Error::bad_signature);
  auto other = check_public_key(kRfc8032[0].pub);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(verify_hex(*other, c.msg, c.sig).error(), Error::bad_signature);
}

TEST_F(Sign, OrderLConstantIsTheGroupOrder) {
  // L reduces to zero and L - 1 does not: the constant used for S < L is right.
  std::array<std::uint8_t, 64> wide{};
  const auto l = array32(test::kOrderLHex);
  std::copy(l.begin(), l.end(), wide.begin());
  std::array<std::uint8_t, 32> r{};
  crypto_core_ed25519_scalar_reduce(r.data(), wide.data());
  EXPECT_TRUE(sodium_is_zero(r.data(), r.size()));
  EXPECT_TRUE(std::equal(l.begin(), l.end(), detail::kOrderL));
  EXPECT_FALSE(detail::scalar_below_l(l));
  auto l_minus_1 = l;
  l_minus_1[0] -= 1;
  EXPECT_TRUE(detail::scalar_below_l(l_minus_1));
  auto big = l;
  big[31] = 0xff;
  EXPECT_FALSE(detail::scalar_below_l(big));
}

// S + L verifies under the cofactorless equation mod L; a strict verifier refuses S >= L.
TEST_F(Sign, RejectsNonCanonicalS) {
  const auto& c = kRfc8032[0];
  Signature sig = sig_hex(c.sig);
  const PublicKey pub = array32(c.pub);
  // S + L (no overflow: S < 2^253, L < 2^253).
  unsigned carry = 0;
  const auto l = array32(test::kOrderLHex);
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = sig[32 + i] + l[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_FALSE(verify(pub, {}, sig));
  EXPECT_EQ(verify_hex(c.pub, "", unm::to_hex(sig)).error(), Error::bad_signature);
  // S with the top bits set.
  Signature high = sig_hex(c.sig);
  high[63] |= 0xe0;
  EXPECT_FALSE(verify(pub, {}, high));
}

TEST_F(Sign, RejectsSmallOrderPublicKeyAndR) {
  // A = identity, R = identity, S = 0 satisfies [S]B = R + [k]A for every message: the classic
  // small-order forgery (flags small_order_pubkey, small_order_r).
  const PublicKey identity = array32(test::kIdentityHex);
  Signature forged{};
  std::copy(identity.begin(), identity.end(), forged.begin());
  EXPECT_FALSE(verify(identity, bytes("616263"), forged));
  // Non-canonical identity (y = p + 1) as A and as R.
  const PublicKey nc_identity =
      array32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  Signature nc_forged{};
  std::copy(nc_identity.begin(), nc_identity.end(), nc_forged.begin());
  EXPECT_FALSE(verify(nc_identity, bytes("616263"), nc_forged));
  EXPECT_FALSE(verify(identity, bytes("616263"), nc_forged));
  // Order-8 A with each small-order R and S = 0.
  const PublicKey t8 = array32(test::kOrder8Hex);
  for (auto r_hex : {test::kIdentityHex, test::kOrder8Hex, test::kOrder2Hex}) {
    Signature s{};
    const auto r = array32(r_hex);
    std::copy(r.begin(), r.end(), s.begin());
    EXPECT_FALSE(verify(t8, bytes("00"), s)) << r_hex;
  }
}

TEST_F(Sign, RejectsSmallOrderAndNonCanonicalRWithAGoodKey) {
  const auto& c = kRfc8032[2];
  const PublicKey pub = array32(c.pub);
  for (auto r_hex :
       {test::kIdentityHex, test::kOrder8Hex, test::kOrder2Hex,
        std::string_view("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        std::string_view("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")}) {
    Signature s = sig_hex(c.sig);
    const auto r = array32(r_hex);
    std::copy(r.begin(), r.end(), s.begin());
    EXPECT_FALSE(verify(pub, bytes(c.msg), s)) << r_hex;
  }
}

// A mixed-order key A' = aB + T8 with a signature whose challenge k is a multiple of 8 passes
// the cofactorless equation, so libsodium 1.0.18's crypto_sign_verify_detached accepts it; the
// reference implementation must not (CR-KEY-004, flag mixed_order_pubkey).
TEST_F(Sign, RejectsMixedOrderPublicKeyThatLibsodiumAccepts) {
  DeterministicRandom rng(2024);
  const PrivateKey priv = generate_private_key(rng);
  const Scalar a = scalar(priv);
  const PublicKey pub = public_key(priv);
  PublicKey mixed{};
  const PublicKey t8 = array32(test::kOrder8Hex);
  ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), pub.data(), t8.data()), 0);
  bool found = false;
  for (int attempt = 0; attempt < 200 && !found; ++attempt) {
    // Nonce r, R = rB; k = SHA-512(R || A' || M) mod L; S = r + k·a.
    std::array<std::uint8_t, 64> wide{};
    rng.fill(wide);
    std::array<std::uint8_t, 32> r{}, k{}, ka{}, s{};
    crypto_core_ed25519_scalar_reduce(r.data(), wide.data());
    Signature sig{};
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(sig.data(), r.data()), 0);
    const std::array<std::uint8_t, 1> msg = {static_cast<std::uint8_t>(attempt)};
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig.data(), 32);
    crypto_hash_sha512_update(&st, mixed.data(), 32);
    crypto_hash_sha512_update(&st, msg.data(), msg.size());
    crypto_hash_sha512_final(&st, wide.data());
    crypto_core_ed25519_scalar_reduce(k.data(), wide.data());
    if ((k[0] & 7) != 0) continue;  // k·T8 must vanish
    crypto_core_ed25519_scalar_mul(ka.data(), k.data(), a.data());
    crypto_core_ed25519_scalar_add(s.data(), r.data(), ka.data());
    std::copy(s.begin(), s.end(), sig.begin() + 32);
    found = true;
    EXPECT_EQ(crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), mixed.data()), 0)
        << "libsodium became stricter: this test documents what it lets through";
    EXPECT_FALSE(verify(mixed, msg, sig));
    EXPECT_EQ(verify_hex(unm::to_hex(mixed), unm::to_hex(msg), unm::to_hex(sig)).error(),
              Error::invalid_point);
    EXPECT_EQ(check_public_key(unm::to_hex(mixed)).error(), Error::invalid_point);
  }
  EXPECT_TRUE(found);
}

RC_GTEST_PROP(SignProp, SignThenVerify, (const std::vector<std::uint8_t>& msg)) {
  RC_ASSERT(init().has_value());
  const PrivateKey priv = *test::gen_private_key();
  const PublicKey pub = public_key(priv);
  const Signature sig = sign(priv, msg);
  RC_ASSERT(verify(pub, msg, sig));
  RC_ASSERT(verify_hex(unm::to_hex(pub), unm::to_hex(msg), unm::to_hex(sig)).has_value());
}

// The checked-key path agrees with the hex path for good and tampered signatures alike.
RC_GTEST_PROP(SignProp, CheckedKeyAgreesWithHexVerify, (const std::vector<std::uint8_t>& msg)) {
  RC_ASSERT(init().has_value());
  const PrivateKey priv = *test::gen_private_key();
  const std::string pub = unm::to_hex(public_key(priv));
  Signature sig = sign(priv, msg);
  if (*rc::gen::arbitrary<bool>()) sig[*rc::gen::inRange<std::size_t>(0, sig.size())] ^= 0x10;
  auto key = check_public_key(pub);
  RC_ASSERT(key.has_value());
  const auto by_hex = verify_hex(pub, unm::to_hex(msg), unm::to_hex(sig));
  const auto by_key = verify_hex(*key, unm::to_hex(msg), unm::to_hex(sig));
  RC_ASSERT(by_hex.has_value() == by_key.has_value());
  if (!by_hex) RC_ASSERT(by_hex.error() == by_key.error());
}

RC_GTEST_PROP(SignProp, AnyFlippedBitIsRejected, (const std::vector<std::uint8_t>& msg)) {
  RC_ASSERT(init().has_value());
  const PrivateKey priv = *test::gen_private_key();
  const PublicKey pub = public_key(priv);
  const Signature sig = sign(priv, msg);
  // Flip one bit of the signature, the key or the message.
  const std::size_t total_bits = 8 * (sig.size() + pub.size() + msg.size());
  const std::size_t bit = *rc::gen::inRange<std::size_t>(0, total_bits);
  Signature s2 = sig;
  PublicKey p2 = pub;
  std::vector<std::uint8_t> m2 = msg;
  std::size_t byte = bit / 8;
  const auto mask = static_cast<std::uint8_t>(1u << (bit % 8));
  if (byte < s2.size()) {
    s2[byte] ^= mask;
  } else if ((byte -= s2.size()) < p2.size()) {
    p2[byte] ^= mask;
  } else {
    m2[byte - p2.size()] ^= mask;
  }
  RC_ASSERT(!verify(p2, m2, s2));
}

RC_GTEST_PROP(SignProp, VerifyNeverCrashesOnArbitraryBytes,
              (const std::array<std::uint8_t, 32>& pub, const std::array<std::uint8_t, 64>& sig,
               const std::vector<std::uint8_t>& msg)) {
  // Arbitrary keys and signatures are refused (a random 64-byte string verifying would be a
  // forgery), never a crash.
  RC_ASSERT(!verify(pub, msg, sig));
}

}  // namespace
}  // namespace unm::crypto
