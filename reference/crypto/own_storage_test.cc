// own_storage_test.cc — the key backup (CR-STORE-001): exact JSON text, seal/open, errors.
#include <string>

#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;
using test::bytes;
using test::priv_hex;

class OwnStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

OwnStorage sample() {
  OwnStorage s;
  s.priv_spk = priv_hex("0101010101010101010101010101010101010101010101010101010101010101");
  s.shared_keys.emplace(
      "1", SharedKey(array32("0202020202020202020202020202020202020202020202020202020202020202")));
  s.shared_keys.emplace(
      "12", SharedKey(array32("0303030303030303030303030303030303030303030303030303030303030303")));
  return s;
}

TEST_F(OwnStorageTest, PlaintextIsTheExactJsonText) {
  auto text = own_storage_plaintext(sample());
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(
      *text,
      "{\"privSPK\":\"0101010101010101010101010101010101010101010101010101010101010101\","
      "\"sharedKeys\":{\"1\":\"0202020202020202020202020202020202020202020202020202020202020202\","
      "\"12\":\"0303030303030303030303030303030303030303030303030303030303030303\"}}");
  auto empty = own_storage_plaintext(OwnStorage{});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, "{\"sharedKeys\":{}}");
}

TEST_F(OwnStorageTest, PlaintextEscapesIdsAndRefusesInvalidUtf8) {
  OwnStorage s;
  s.shared_keys.emplace("a\"b", SharedKey());
  auto text = own_storage_plaintext(s);
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("\"a\\\"b\""), std::string::npos);
  auto back = own_storage_parse(*text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->shared_keys.count("a\"b"), 1u);
  OwnStorage bad;
  bad.shared_keys.emplace(std::string("\xff\xfe"), SharedKey());
  EXPECT_EQ(own_storage_plaintext(bad).error(), Error::bad_json);
}

TEST_F(OwnStorageTest, SealWithIvIsAeadUnderThePersonalKey) {
  DeterministicRandom rng(61);
  const PrivateKey ik = generate_private_key(rng);
  const auto iv = bytes("000102030405060708090a0b");
  auto sealed = own_storage_seal_with_iv(ik, sample(), iv);
  ASSERT_TRUE(sealed.has_value());
  auto key = personal_key(ik);
  auto text = own_storage_plaintext(sample());
  ASSERT_TRUE(key && text);
  auto expect = aead_encrypt_hex_with_iv(
      *key, iv, std::span(reinterpret_cast<const std::uint8_t*>(text->data()), text->size()));
  ASSERT_TRUE(expect.has_value());
  EXPECT_EQ(*sealed, *expect);
  EXPECT_EQ(sealed->substr(0, 24), "000102030405060708090a0b");
  EXPECT_EQ(own_storage_seal_with_iv(ik, sample(), bytes("00")).error(), Error::wrong_length);
}

TEST_F(OwnStorageTest, OpenRoundTripAndErrors) {
  DeterministicRandom rng(62);
  const PrivateKey ik = generate_private_key(rng);
  auto sealed = own_storage_seal(ik, sample(), rng);
  ASSERT_TRUE(sealed.has_value());
  auto opened = own_storage_open(ik, *sealed);
  ASSERT_TRUE(opened.has_value());
  ASSERT_TRUE(opened->priv_spk.has_value());
  EXPECT_TRUE(*opened->priv_spk == *sample().priv_spk);
  EXPECT_EQ(opened->shared_keys.size(), 2u);
  EXPECT_TRUE(opened->shared_keys.at("12") == sample().shared_keys.at("12"));
  // "" = no storage yet.
  auto none = own_storage_open(ik, "");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->priv_spk.has_value());
  EXPECT_TRUE(none->shared_keys.empty());
  // Another user's key, bad hex, too short.
  EXPECT_EQ(own_storage_open(generate_private_key(rng), *sealed).error(),
            Error::authentication_failed);
  EXPECT_EQ(own_storage_open(ik, "xyz").error(), Error::bad_hex);
  EXPECT_EQ(own_storage_open(ik, "00").error(), Error::wrong_length);
}

TEST_F(OwnStorageTest, OpenRefusesSealedTextThatIsNotTheJsonObject) {
  DeterministicRandom rng(63);
  const PrivateKey ik = generate_private_key(rng);
  auto key = personal_key(ik);
  ASSERT_TRUE(key.has_value());
  const std::vector<std::string> texts = {"",
                                          "[]",
                                          "null",
                                          "{",
                                          "{\"privSPK\":5}",
                                          "{\"privSPK\":\"00\"}",
                                          "{\"sharedKeys\":[]}",
                                          "{\"sharedKeys\":{\"1\":\"zz\"}}",
                                          "{\"sharedKeys\":{}} x",
                                          "{\"privSPK\":null,\"privSPK\":null}",
                                          "{\"a\":\"\xff\"}"};
  for (const std::string& text : texts) {
    auto sealed = aead_encrypt_hex(
        *key, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), rng);
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(own_storage_open(ik, *sealed).error(), Error::bad_json) << text;
  }
}

TEST_F(OwnStorageTest, ParseAcceptsNullSpkAndIgnoresUnknownMembers) {
  auto s = own_storage_parse("{ \"privSPK\": null, \"extra\": [1,2], \"sharedKeys\": {} }");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->priv_spk.has_value());
  auto t = own_storage_parse("{}");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->shared_keys.empty());
  EXPECT_EQ(own_storage_parse(std::string("{}\0", 3)).error(), Error::bad_json);
  EXPECT_EQ(own_storage_parse(
                "{\"sharedKeys\":{\"1\":"
                "\"0202020202020202020202020202020202020202020202020202020202020202\","
                "\"1\":\"0202020202020202020202020202020202020202020202020202020202020202\"}}")
                .error(),
            Error::bad_json);
}

RC_GTEST_PROP(OwnStorageProp, SealOpenRoundTrip, (const std::map<std::string, bool>& ids)) {
  RC_ASSERT(init().has_value());
  DeterministicRandom rng(*rc::gen::arbitrary<std::uint64_t>());
  const PrivateKey ik = generate_private_key(rng);
  OwnStorage s;
  if (*rc::gen::arbitrary<bool>()) s.priv_spk = generate_private_key(rng);
  // Ids are arbitrary strings; only valid UTF-8 can be written as JSON.
  bool all_utf8 = true;
  for (const auto& [id, unused] : ids) {
    (void)unused;
    SharedKey k;
    rng.fill(k.mutable_bytes());
    s.shared_keys.emplace(id, k);
    all_utf8 = all_utf8 && is_valid_utf8(id);
  }
  auto sealed = own_storage_seal(ik, s, rng);
  if (!all_utf8) {
    RC_ASSERT(!sealed.has_value());
    RC_ASSERT(sealed.error() == Error::bad_json);
    return;
  }
  RC_ASSERT(sealed.has_value());
  auto back = own_storage_open(ik, *sealed);
  RC_ASSERT(back.has_value());
  RC_ASSERT(back->priv_spk.has_value() == s.priv_spk.has_value());
  if (s.priv_spk) RC_ASSERT(*back->priv_spk == *s.priv_spk);
  RC_ASSERT(back->shared_keys.size() == s.shared_keys.size());
  for (const auto& [id, k] : s.shared_keys) {
    auto it = back->shared_keys.find(id);
    RC_ASSERT(it != back->shared_keys.end());
    RC_ASSERT(it->second == k);
  }
}

RC_GTEST_PROP(OwnStorageProp, ParseNeverCrashes, (const std::string& text)) {
  auto r = own_storage_parse(text);
  if (!r) RC_ASSERT(r.error() == Error::bad_json);
}

}  // namespace
}  // namespace unm::crypto
