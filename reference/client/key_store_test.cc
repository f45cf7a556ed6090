// key_store_test — the key store and its own_storage form (CR-STORE-001): round trips, the
// exact JSON layout, refusal under another identity, and merging for read-merge-write.
#include "reference/client/key_store.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reference/client/rpc.h"
#include "reference/crypto/crypto.h"

namespace unm::client {
namespace {

TEST(KeyStore, SealOpenRoundTrip) {
  crypto::DeterministicRandom rng(1);
  const crypto::PrivateKey ik = crypto::generate_private_key(rng);
  KeyStore ks;
  ks.set_spk(crypto::generate_private_key(rng));
  crypto::SharedKey k1;
  rng.fill(k1.mutable_bytes());
  ks.set_dm_key(12, k1);
  auto sealed = ks.seal(ik, rng);
  ASSERT_TRUE(sealed.has_value());
  auto back = KeyStore::open(ik, *sealed);
  ASSERT_TRUE(back.has_value()) << describe(back.error());
  ASSERT_NE(back->dm_key(12), nullptr);
  EXPECT_TRUE(*back->dm_key(12) == k1);
  EXPECT_EQ(back->dm_key(13), nullptr);
  ASSERT_TRUE(back->spk().has_value());
  EXPECT_TRUE(*back->spk() == *ks.spk());
  EXPECT_EQ(back->dm_ids(), (std::vector<std::int64_t>{12}));
}

// seal_plaintext seals `json` as another client would (CR-STORE-001: AEAD under personal_key).
std::string seal_plaintext(const crypto::PrivateKey& ik, const std::string& json,
                           crypto::Random& rng) {
  auto key = crypto::personal_key(ik);
  auto sealed =
      crypto::aead_encrypt_hex(*key,
                               std::span<const std::uint8_t>(
                                   reinterpret_cast<const std::uint8_t*>(json.data()), json.size()),
                               rng);
  return *sealed;
}

std::string open_plaintext(const crypto::PrivateKey& ik, const std::string& sealed) {
  auto plain = crypto::aead_decrypt_hex(*crypto::personal_key(ik), sealed);
  return std::string(plain->begin(), plain->end());
}

TEST(KeyStore, UnknownFieldsOfAnotherClientSurviveAWriteBack) {
  crypto::DeterministicRandom rng(9);
  const crypto::PrivateKey ik = crypto::generate_private_key(rng);
  const std::string spk(64, 'a'), k7(64, 'b'), k8(64, 'c');
  const std::string theirs = R"({"privSPK":")" + spk + R"(","sharedKeys":{"7":")" + k7 +
                             R"("},"settings":{"theme":"dark","n":[1,2]},"note":"kept é"})";
  auto store = KeyStore::open(ik, seal_plaintext(ik, theirs, rng));
  ASSERT_TRUE(store.has_value()) << describe(store.error());
  ASSERT_EQ(store->extra_fields().size(), 2u);
  crypto::SharedKey key8;
  key8.mutable_bytes()[0] = 0xcc;
  store->set_dm_key(8, key8);
  auto sealed = store->seal(ik, rng);
  ASSERT_TRUE(sealed.has_value());
  auto text = open_plaintext(ik, *sealed);
  auto doc = parse_json(text);
  ASSERT_TRUE(doc.has_value()) << text;
  EXPECT_STREQ((*doc)["settings"]["theme"].GetString(), "dark");
  EXPECT_EQ((*doc)["settings"]["n"].Size(), 2u);
  EXPECT_STREQ((*doc)["note"].GetString(), "kept é");
  EXPECT_STREQ((*doc)["sharedKeys"]["7"].GetString(), k7.c_str());
  EXPECT_TRUE((*doc)["sharedKeys"].HasMember("8"));
  EXPECT_STREQ((*doc)["privSPK"].GetString(), spk.c_str());
}

TEST(KeyStore, MergeTakesTheNewerCopyOfUnknownFields) {
  KeyStore mine, remote;
  mine.set_extra_field("a", "1");
  mine.set_extra_field("b", "2");
  remote.set_extra_field("b", "\"new\"");
  remote.set_extra_field("c", "[]");
  mine.merge_missing(remote);
  EXPECT_EQ(mine.extra_fields(), (std::vector<std::pair<std::string, std::string>>{
                                     {"a", "1"}, {"b", "\"new\""}, {"c", "[]"}}));
}

TEST(KeyStore, PlaintextIsExactlyTheDocumentedJson) {
  // CR-STORE-001: {"privSPK": "<hex>", "sharedKeys": {"<dm id>": "<hex>"}}.
  crypto::DeterministicRandom rng(2);
  const crypto::PrivateKey ik = crypto::generate_private_key(rng);
  KeyStore ks;
  crypto::PrivateKey spk;
  spk.mutable_bytes()[0] = 1;
  ks.set_spk(spk);
  crypto::SharedKey k;
  k.mutable_bytes()[31] = 0xff;
  ks.set_dm_key(3, k);
  auto sealed = ks.seal(ik, rng);
  auto pk = crypto::personal_key(ik);
  ASSERT_TRUE(pk.has_value());
  auto plain = crypto::aead_decrypt_hex(*pk, *sealed);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(std::string(plain->begin(), plain->end()), R"({"privSPK":"01)" + std::string(62, '0') +
                                                           R"(","sharedKeys":{"3":")" +
                                                           std::string(62, '0') + R"(ff"}})");
}

TEST(KeyStore, EmptyStorageIsAnEmptyStoreAndForeignStorageIsACryptoError) {
  crypto::DeterministicRandom rng(3);
  const crypto::PrivateKey ik = crypto::generate_private_key(rng);
  const crypto::PrivateKey other = crypto::generate_private_key(rng);
  auto empty = KeyStore::open(ik, "");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->spk().has_value());
  KeyStore ks;
  ks.set_spk(crypto::generate_private_key(rng));
  auto sealed = ks.seal(ik, rng);
  auto wrong = KeyStore::open(other, *sealed);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::crypto);
  auto garbage = KeyStore::open(ik, "zz");
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, ErrorCode::crypto);
}

TEST(KeyStore, RotatedSpkIsStillFound) {
  crypto::DeterministicRandom rng(4);
  KeyStore ks;
  const crypto::PrivateKey a = crypto::generate_private_key(rng);
  const crypto::PrivateKey b = crypto::generate_private_key(rng);
  const crypto::PrivateKey c = crypto::generate_private_key(rng);
  ks.set_spk(a);
  ks.set_spk(b);
  ASSERT_NE(ks.find_spk(crypto::public_key(a)), nullptr);  // EV-USR-011: old SPK held
  ASSERT_NE(ks.find_spk(crypto::public_key(b)), nullptr);
  EXPECT_EQ(ks.find_spk(crypto::public_key(c)), nullptr);
  EXPECT_TRUE(*ks.spk() == b);
}

TEST(KeyStore, MergeMissingKeepsOwnKeysAndAddsOthers) {
  crypto::SharedKey k1, k2, k3;
  k1.mutable_bytes()[0] = 1;
  k2.mutable_bytes()[0] = 2;
  k3.mutable_bytes()[0] = 3;
  KeyStore mine, theirs;
  mine.set_dm_key(1, k1);
  theirs.set_dm_key(1, k3);
  theirs.set_dm_key(2, k2);
  mine.merge_missing(theirs);
  EXPECT_TRUE(*mine.dm_key(1) == k1);
  EXPECT_TRUE(*mine.dm_key(2) == k2);
  EXPECT_EQ(mine.dm_ids(), (std::vector<std::int64_t>{1, 2}));
}

// Property: any set of DM keys and any SPK survive seal → open under the same identity.
RC_GTEST_PROP(KeyStoreProperty, OwnStorageRoundTrip, (std::uint64_t seed)) {
  crypto::DeterministicRandom rng(seed);
  const crypto::PrivateKey ik = crypto::generate_private_key(rng);
  const auto ids = *rc::gen::container<std::vector<std::int64_t>>(
      rc::gen::inRange<std::int64_t>(1, (std::int64_t{1} << 53) - 1));
  KeyStore ks;
  if (*rc::gen::arbitrary<bool>()) ks.set_spk(crypto::generate_private_key(rng));
  for (std::int64_t id : ids) {
    crypto::SharedKey k;
    rng.fill(k.mutable_bytes());
    ks.set_dm_key(id, k);
  }
  auto sealed = ks.seal(ik, rng);
  RC_ASSERT(sealed.has_value());
  auto back = KeyStore::open(ik, *sealed);
  RC_ASSERT(back.has_value());
  RC_ASSERT(back->dm_ids() == ks.dm_ids());
  for (std::int64_t id : ks.dm_ids()) RC_ASSERT(*back->dm_key(id) == *ks.dm_key(id));
  RC_ASSERT(back->spk().has_value() == ks.spk().has_value());
}

}  // namespace
}  // namespace unm::client
