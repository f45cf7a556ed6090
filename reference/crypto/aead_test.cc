// aead_test.cc — AES-256-GCM: NIST/McGrew–Viega KATs on both backends, the hex wire form,
// round trips and tamper rejection (CR-AEAD-001..003).
#include <sodium.h>

#include <string>

#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;
using test::bytes;

struct GcmCase {
  const char* name;
  const char* key;
  const char* iv;
  const char* pt;
  const char* ct;
  const char* tag;
};

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13-15 (256-bit keys, no
// additional data).
const GcmCase kGcm[] = {
    {"test case 13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"test case 14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"test case 15", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
     "b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b105682"
     "8838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
};

class Aead : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
  // backends lists the AES-GCM implementations this machine can run.
  static std::vector<AeadBackend> backends() {
    std::vector<AeadBackend> b = {AeadBackend::openssl};
    if (crypto_aead_aes256gcm_is_available()) b.push_back(AeadBackend::libsodium);
    return b;
  }
};

TEST_F(Aead, McGrewViegaKnownAnswersOnEveryBackend) {
  for (AeadBackend backend : backends()) {
    for (const auto& c : kGcm) {
      SCOPED_TRACE(std::string(c.name) +
                   (backend == AeadBackend::openssl ? " (openssl)" : " (libsodium)"));
      const SharedKey key(array32(c.key));
      auto sealed = aead_seal(backend, key, bytes(c.iv), bytes(c.pt));
      ASSERT_TRUE(sealed.has_value());
      EXPECT_EQ(unm::to_hex(*sealed), std::string(c.iv) + c.ct + c.tag);
      auto opened = aead_open(backend, key, *sealed);
      ASSERT_TRUE(opened.has_value());
      EXPECT_EQ(unm::to_hex(*opened), c.pt);
    }
  }
}

TEST_F(Aead, HexWireFormIsIvCiphertextTag) {
  const auto& c = kGcm[2];
  const SharedKey key(array32(c.key));
  auto hex = aead_encrypt_hex_with_iv(key, bytes(c.iv), bytes(c.pt));
  ASSERT_TRUE(hex.has_value());
  EXPECT_EQ(*hex, std::string(c.iv) + c.ct + c.tag);
  auto pt = aead_decrypt_hex(key, *hex);
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(unm::to_hex(*pt), c.pt);
}

TEST_F(Aead, DefaultBackendIsLibsodiumWhenTheCpuAllows) {
  EXPECT_EQ(aead_default_backend(),
            crypto_aead_aes256gcm_is_available() ? AeadBackend::libsodium : AeadBackend::openssl);
}

TEST_F(Aead, DecryptErrors) {
  const SharedKey key(array32(kGcm[2].key));
  EXPECT_EQ(aead_decrypt_hex(key, "0").error(), Error::bad_hex);
  EXPECT_EQ(aead_decrypt_hex(key, "zz").error(), Error::bad_hex);
  EXPECT_EQ(aead_decrypt_hex(key, "").error(), Error::wrong_length);
  EXPECT_EQ(aead_decrypt_hex(key, std::string(54, '0')).error(), Error::wrong_length);  // 27 B
  EXPECT_EQ(aead_decrypt_hex(key, std::string(56, '0')).error(), Error::authentication_failed);
  // Right ciphertext, wrong key.
  const SharedKey other(array32(kGcm[0].key));
  const std::string good = std::string(kGcm[2].iv) + kGcm[2].ct + kGcm[2].tag;
  EXPECT_EQ(aead_decrypt_hex(other, good).error(), Error::authentication_failed);
  for (AeadBackend backend : backends()) {
    EXPECT_EQ(aead_open(backend, key, std::vector<std::uint8_t>(27)).error(), Error::wrong_length);
    EXPECT_EQ(aead_open(backend, key, std::vector<std::uint8_t>(28)).error(),
              Error::authentication_failed);
  }
}

TEST_F(Aead, EncryptRejectsWrongIvLength) {
  const SharedKey key;
  EXPECT_EQ(aead_encrypt_hex_with_iv(key, std::vector<std::uint8_t>(11), {}).error(),
            Error::wrong_length);
  EXPECT_EQ(aead_encrypt_hex_with_iv(key, std::vector<std::uint8_t>(16), {}).error(),
            Error::wrong_length);
}

TEST_F(Aead, FreshIvPerMessage) {
  DeterministicRandom rng(51);
  const SharedKey key(array32(kGcm[2].key));
  const std::vector<std::uint8_t> pt = {'h', 'i'};
  auto a = aead_encrypt_hex(key, pt, rng);
  auto b = aead_encrypt_hex(key, pt, rng);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->substr(0, 24), b->substr(0, 24));
  EXPECT_EQ(a->size(), 2 * (12 + 2 + 16));
}

TEST_F(Aead, BackendsAgreeOnLongMessages) {
  if (backends().size() < 2) GTEST_SKIP() << "libsodium AES-GCM not available on this CPU";
  DeterministicRandom rng(52);
  SharedKey key;
  rng.fill(key.mutable_bytes());
  std::vector<std::uint8_t> iv(12), pt(65536 + 17);
  rng.fill(iv);
  rng.fill(pt);
  auto a = aead_seal(AeadBackend::libsodium, key, iv, pt);
  auto b = aead_seal(AeadBackend::openssl, key, iv, pt);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  auto back = aead_open(AeadBackend::openssl, key, *a);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, pt);
}

RC_GTEST_PROP(AeadProp, RoundTrip, (const std::vector<std::uint8_t>& plaintext)) {
  RC_ASSERT(init().has_value());
  DeterministicRandom rng(*rc::gen::arbitrary<std::uint64_t>());
  SharedKey key;
  rng.fill(key.mutable_bytes());
  auto hex = aead_encrypt_hex(key, plaintext, rng);
  RC_ASSERT(hex.has_value());
  RC_ASSERT(hex->size() == 2 * (plaintext.size() + 28));
  auto back = aead_decrypt_hex(key, *hex);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == plaintext);
}

RC_GTEST_PROP(AeadProp, AnyFlippedBitIsAnAuthenticationFailure,
              (const std::vector<std::uint8_t>& plaintext)) {
  RC_ASSERT(init().has_value());
  DeterministicRandom rng(*rc::gen::arbitrary<std::uint64_t>());
  SharedKey key;
  rng.fill(key.mutable_bytes());
  auto hex = aead_encrypt_hex(key, plaintext, rng);
  RC_ASSERT(hex.has_value());
  auto sealed = unm::from_hex(*hex);
  RC_ASSERT(sealed.has_value());
  // Any bit of IV, ciphertext or tag.
  const auto bit = *rc::gen::inRange<std::size_t>(0, 8 * sealed->size());
  (*sealed)[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  auto back = aead_decrypt_hex(key, unm::to_hex(*sealed));
  RC_ASSERT(!back.has_value());
  RC_ASSERT(back.error() == Error::authentication_failed);
  // Truncation is refused too (a short input or a wrong tag position).
  sealed->pop_back();
  auto cut = aead_decrypt_hex(key, unm::to_hex(*sealed));
  RC_ASSERT(!cut.has_value());
}

RC_GTEST_PROP(AeadProp, DecryptNeverCrashesOnArbitraryText, (const std::string& text)) {
  RC_ASSERT(init().has_value());
  const SharedKey key;
  auto r = aead_decrypt_hex(key, text);
  if (!r) {
    const Error e = r.error();
    RC_ASSERT(e == Error::bad_hex || e == Error::wrong_length || e == Error::authentication_failed);
  }
}

}  // namespace
}  // namespace unm::crypto
