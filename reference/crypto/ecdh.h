// ecdh.h — X25519 Diffie-Hellman over Ed25519 keys (crypto.md §4, CR-DH-001/002).
#pragma once

#include "reference/crypto/types.h"

namespace unm::crypto {

// ecdh is X25519(clamp(SHA-512(priv)[0..32]), u(peer)) where u is the Montgomery coordinate of
// the Edwards point `peer` (CR-DH-001). Errors: invalid_point (peer fails CR-KEY-004, or the
// X25519 output is all zero).
Result<SharedKey> ecdh(const PrivateKey& priv, const PublicKey& peer);

// personal_key is ecdh(priv, public_key(priv)), the own_storage key (CR-DH-002).
Result<SharedKey> personal_key(const PrivateKey& priv);

// x25519_private_key is clamp(SHA-512(priv)[0..32]), the X25519 scalar of `priv`.
SecretBytes<32> x25519_private_key(const PrivateKey& priv);

// x25519_public_key is the Montgomery u-coordinate of `pub`. Errors: invalid_point.
Result<PublicKey> x25519_public_key(const PublicKey& pub);

}  // namespace unm::crypto
