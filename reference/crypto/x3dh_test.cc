// x3dh_test.cc — X3DH agreement and refusals (CR-X3DH-001..003).
#include <sodium.h>

#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;
using test::make_member;

class X3dh : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

TEST_F(X3dh, BothSidesDeriveTheSameKey) {
  DeterministicRandom rng(31);
  const PrivateKey ika = generate_private_key(rng);
  const auto bob = make_member(rng);
  auto sent = x3dh_send(ika, bob.bundle, rng);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->message.spk, bob.bundle.spk);
  auto got = x3dh_receive(bob.ik, bob.spk, public_key(ika), sent->message.ek);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == sent->shared_key);
}

TEST_F(X3dh, SharedKeyIsKdfOfTheFourDhValues) {
  // CR-X3DH-002 by its definition, from ecdh() and kdf().
  DeterministicRandom rng(32);
  const PrivateKey ika = generate_private_key(rng);
  const PrivateKey eka = generate_private_key(rng);
  const auto bob = make_member(rng);
  auto sent = x3dh_send_with_ephemeral(ika, eka, bob.bundle);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->message.ek, public_key(eka));
  std::vector<std::uint8_t> km;
  for (const auto& [priv, pub] :
       {std::pair{&ika, bob.bundle.spk}, std::pair{&eka, bob.bundle.ik},
        std::pair{&eka, bob.bundle.spk}, std::pair{&ika, bob.bundle.ik}}) {
    auto dh = ecdh(*priv, pub);
    ASSERT_TRUE(dh.has_value());
    km.insert(km.end(), dh->data(), dh->data() + dh->size());
  }
  EXPECT_TRUE(kdf(km) == sent->shared_key);
}

TEST_F(X3dh, BadSignatureFailsTheSend) {
  DeterministicRandom rng(33);
  const PrivateKey ika = generate_private_key(rng);
  auto bob = make_member(rng);
  auto bundle = bob.bundle;
  bundle.sig[5] ^= 1;
  EXPECT_EQ(x3dh_send(ika, bundle, rng).error(), Error::bad_signature);
  // A signature by another key over the right SPK.
  bundle = bob.bundle;
  bundle.sig = sign(ika, bundle.spk);
  EXPECT_EQ(x3dh_send(ika, bundle, rng).error(), Error::bad_signature);
  // The right signature over another SPK.
  bundle = bob.bundle;
  bundle.spk = public_key(generate_private_key(rng));
  EXPECT_EQ(x3dh_send(ika, bundle, rng).error(), Error::bad_signature);
}

TEST_F(X3dh, InvalidKeysAreRefused) {
  DeterministicRandom rng(34);
  const PrivateKey ika = generate_private_key(rng);
  const auto bob = make_member(rng);
  auto bundle = bob.bundle;
  bundle.ik = array32(test::kIdentityHex);
  EXPECT_EQ(x3dh_send(ika, bundle, rng).error(), Error::invalid_point);
  // A small-order SPK that is (validly) signed by Bob still fails: it would zero DH1 and DH3.
  bundle = bob.bundle;
  bundle.spk = array32(test::kOrder8Hex);
  bundle.sig = sign(bob.ik, bundle.spk);
  EXPECT_EQ(x3dh_send(ika, bundle, rng).error(), Error::invalid_point);
  // Receiver side: a small-order ephemeral or identity key.
  EXPECT_EQ(x3dh_receive(bob.ik, bob.spk, public_key(ika), array32(test::kOrder2Hex)).error(),
            Error::invalid_point);
  EXPECT_EQ(x3dh_receive(bob.ik, bob.spk, array32(test::kIdentityHex), public_key(ika)).error(),
            Error::invalid_point);
}

RC_GTEST_PROP(X3dhProp, AgreementForRandomKeys, ()) {
  RC_ASSERT(init().has_value());
  const PrivateKey ika = *test::gen_private_key();
  const PrivateKey eka = *test::gen_private_key();
  const PrivateKey ikb = *test::gen_private_key();
  const PrivateKey spkb = *test::gen_private_key();
  const PreKeyBundle bundle{public_key(ikb), public_key(spkb), sign(ikb, public_key(spkb))};
  auto sent = x3dh_send_with_ephemeral(ika, eka, bundle);
  RC_ASSERT(sent.has_value());
  auto got = x3dh_receive(ikb, spkb, public_key(ika), sent->message.ek);
  RC_ASSERT(got.has_value());
  RC_ASSERT(*got == sent->shared_key);
  // The wrong SPK private key gives another key.
  RC_PRE(!(eka == spkb));
  auto wrong = x3dh_receive(ikb, eka, public_key(ika), sent->message.ek);
  RC_ASSERT(wrong.has_value());
  RC_ASSERT(!(*wrong == sent->shared_key));
}

}  // namespace
}  // namespace unm::crypto
