// keys.h — library initialisation, key generation, derivation and parsing (crypto.md §1).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::crypto {

// init initialises libsodium (sodium_init). Idempotent and thread-safe; call it once before any
// other function of this library. Fails with Error::internal when libsodium cannot start.
Result<void> init();

// generate_private_key draws 32 bytes from `rng` (CR-KEY-001).
PrivateKey generate_private_key(Random& rng);

// public_key is the RFC 8032 Ed25519 public key of the seed `priv` (CR-KEY-002).
PublicKey public_key(const PrivateKey& priv);

// scalar is clamp(SHA-512(priv)[0..32]) reduced mod L, little-endian (CR-KEY-003), so that
// public_key(priv) = encode(scalar(priv)·B).
Scalar scalar(const PrivateKey& priv);

// validate_public_key accepts exactly 32 bytes that encode a point of the prime-order subgroup:
// canonical, not of small order, not mixed-order (CR-KEY-004). Errors: wrong_length,
// invalid_point.
Result<PublicKey> validate_public_key(std::span<const std::uint8_t> bytes);

// parse_public_key decodes 64 lowercase hex characters and validates the point (CR-KEY-004).
// Errors: bad_hex (odd length, a character outside 0-9a-f), wrong_length, invalid_point.
Result<PublicKey> parse_public_key(std::string_view hex);

// parse_private_key decodes 64 lowercase hex characters (any 32 bytes are a valid seed).
// Errors: bad_hex, wrong_length.
Result<PrivateKey> parse_private_key(std::string_view hex);

// parse_signature decodes 128 lowercase hex characters; the contents are judged by verify().
// Errors: bad_hex, wrong_length.
Result<Signature> parse_signature(std::string_view hex);

// is_canonical_point_encoding reports whether the y coordinate of `p` is below 2^255-19 and the
// encoding is not one of the non-canonical forms of x = 0 (cheap; no curve arithmetic).
bool is_canonical_point_encoding(std::span<const std::uint8_t, kPublicKeyBytes> p) noexcept;

// is_small_order_encoding reports whether `p` encodes one of the 8 points of small order, in any
// canonical or non-canonical form (cheap: a table comparison).
bool is_small_order_encoding(std::span<const std::uint8_t, kPublicKeyBytes> p) noexcept;

}  // namespace unm::crypto
