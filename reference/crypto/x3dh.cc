#include "reference/crypto/x3dh.h"

#include <sodium.h>

#include <algorithm>

#include "reference/crypto/ecdh.h"
#include "reference/crypto/internal.h"
#include "reference/crypto/kdf.h"
#include "reference/crypto/keys.h"

namespace unm::crypto {
namespace {

// derive is SK = KDF(DH1 || DH2 || DH3 || DH4) (CR-X3DH-002/003); the concatenation lives in a
// wiped buffer.
SharedKey derive(const SharedKey& dh1, const SharedKey& dh2, const SharedKey& dh3,
                 const SharedKey& dh4) {
  SecretBytes<4 * kSharedKeyBytes> km;
  std::copy_n(dh1.data(), kSharedKeyBytes, km.data());
  std::copy_n(dh2.data(), kSharedKeyBytes, km.data() + kSharedKeyBytes);
  std::copy_n(dh3.data(), kSharedKeyBytes, km.data() + 2 * kSharedKeyBytes);
  std::copy_n(dh4.data(), kSharedKeyBytes, km.data() + 3 * kSharedKeyBytes);
  return kdf(km.bytes());
}

}  // namespace

namespace detail {

Result<X3dhSent> x3dh_send_prepared(const SecretBytes<32>& xs_ik, const PrivateKey& ek,
                                    const PreKeyBundle& peer) {
  // Converting IKb validates it in full (CR-KEY-004), so the signature check can skip repeating
  // the subgroup test.
  auto ik_u = x25519_public_key(peer.ik);
  if (!ik_u) return Unexpected{ik_u.error()};
  // CR-X3DH-001: the SPK must be signed by IKb (message = the 32 raw SPK bytes).
  if (!verify_prevalidated(peer.ik, peer.spk, peer.sig)) return Unexpected{Error::bad_signature};
  auto spk_u = x25519_public_key(peer.spk);
  if (!spk_u) return Unexpected{spk_u.error()};

  const SecretBytes<32> xs_ek = x25519_private_key(ek);
  auto dh1 = x25519(xs_ik, *spk_u);
  auto dh2 = x25519(xs_ek, *ik_u);
  auto dh3 = x25519(xs_ek, *spk_u);
  auto dh4 = x25519(xs_ik, *ik_u);
  if (!dh1 || !dh2 || !dh3 || !dh4) return Unexpected{Error::invalid_point};
  return X3dhSent{derive(*dh1, *dh2, *dh3, *dh4), X3dhMessage{public_key(ek), peer.spk}};
}

}  // namespace detail

Result<X3dhSent> x3dh_send(const PrivateKey& ik, const PreKeyBundle& peer, Random& rng) {
  const PrivateKey ek = generate_private_key(rng);
  return x3dh_send_with_ephemeral(ik, ek, peer);
}

Result<X3dhSent> x3dh_send_with_ephemeral(const PrivateKey& ik, const PrivateKey& ek,
                                          const PreKeyBundle& peer) {
  return detail::x3dh_send_prepared(x25519_private_key(ik), ek, peer);
}

Result<SharedKey> x3dh_receive(const PrivateKey& ik, const PrivateKey& spk,
                               const PublicKey& sender_ik, const PublicKey& ek) {
  auto ika_u = x25519_public_key(sender_ik);
  if (!ika_u) return Unexpected{ika_u.error()};
  auto eka_u = x25519_public_key(ek);
  if (!eka_u) return Unexpected{eka_u.error()};
  const SecretBytes<32> xs_ik = x25519_private_key(ik);
  const SecretBytes<32> xs_spk = x25519_private_key(spk);
  // CR-X3DH-003: the mirror of the sender's DH1..DH4.
  auto dh1 = detail::x25519(xs_spk, *ika_u);
  auto dh2 = detail::x25519(xs_ik, *eka_u);
  auto dh3 = detail::x25519(xs_spk, *eka_u);
  auto dh4 = detail::x25519(xs_ik, *ika_u);
  if (!dh1 || !dh2 || !dh3 || !dh4) return Unexpected{Error::invalid_point};
  return derive(*dh1, *dh2, *dh3, *dh4);
}

}  // namespace unm::crypto
