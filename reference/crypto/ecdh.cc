#include "reference/crypto/ecdh.h"

#include <sodium.h>

#include "reference/crypto/internal.h"
#include "reference/crypto/keys.h"

namespace unm::crypto {
namespace detail {

Result<SharedKey> x25519(const SecretBytes<32>& xs, const PublicKey& xpub) {
  SharedKey out;
  // crypto_scalarmult returns -1 for an all-zero output (a low-order u).
  if (crypto_scalarmult(out.data(), xs.data(), xpub.data()) != 0)
    return Unexpected{Error::invalid_point};
  return out;
}

}  // namespace detail

SecretBytes<32> x25519_private_key(const PrivateKey& priv) {
  // The same bytes crypto_sign_ed25519_sk_to_curve25519 produces from the 64-byte secret key.
  SecretBytes<crypto_hash_sha512_BYTES> h;
  crypto_hash_sha512(h.data(), priv.data(), priv.size());
  h.data()[0] &= 248;
  h.data()[31] &= 127;
  h.data()[31] |= 64;
  SecretBytes<32> xs(std::span<const std::uint8_t, 32>(h.data(), 32));
  return xs;
}

Result<PublicKey> x25519_public_key(const PublicKey& pub) {
  // crypto_sign_ed25519_pk_to_curve25519 refuses small-order, off-curve and non-subgroup points
  // but accepts a non-canonical y (y >= p); the byte check closes that gap (CR-KEY-004).
  if (!is_canonical_point_encoding(pub)) return Unexpected{Error::invalid_point};
  PublicKey u{};
  if (crypto_sign_ed25519_pk_to_curve25519(u.data(), pub.data()) != 0)
    return Unexpected{Error::invalid_point};
  return u;
}

Result<SharedKey> ecdh(const PrivateKey& priv, const PublicKey& peer) {
  auto u = x25519_public_key(peer);
  if (!u) return Unexpected{u.error()};
  return detail::x25519(x25519_private_key(priv), *u);
}

Result<SharedKey> personal_key(const PrivateKey& priv) {
  return ecdh(priv, public_key(priv));
}

}  // namespace unm::crypto
