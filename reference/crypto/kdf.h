// kdf.h — HKDF-SHA-512 (RFC 5869) and the protocol KDF (crypto.md §4, CR-KDF-001).
#pragma once

#include <cstdint>
#include <span>

#include "reference/crypto/types.h"

namespace unm::crypto {

// hkdf_sha512 fills `out` with HKDF-SHA-512(ikm, salt, info) (RFC 5869), built on libsodium's
// HMAC-SHA-512. An empty salt means 64 zero bytes, as RFC 5869 says. Errors: wrong_length when
// out is longer than 255·64 bytes.
Result<void> hkdf_sha512(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

// kdf is HKDF-SHA-512(ikm = 0xFF×32 || key_material, salt = 0x00×64, info = "Unmanageable",
// L = 32) (CR-KDF-001).
SharedKey kdf(std::span<const std::uint8_t> key_material);

}  // namespace unm::crypto
