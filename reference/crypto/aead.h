// aead.h — AES-256-GCM with the wire form hex(IV || ciphertext || tag) (crypto.md §7).
//
// Backend: libsodium's crypto_aead_aes256gcm_* when crypto_aead_aes256gcm_is_available() (the CPU
// has AES-NI and PCLMULQDQ); otherwise OpenSSL's EVP AES-256-GCM. Both produce identical bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::crypto {

// AeadBackend names an AES-256-GCM implementation.
enum class AeadBackend { libsodium, openssl };

// aead_default_backend is libsodium when it can run AES-GCM on this CPU, else OpenSSL.
AeadBackend aead_default_backend() noexcept;

// aead_encrypt_hex encrypts with a fresh 12-byte IV from `rng` (CR-AEAD-001/003).
Result<std::string> aead_encrypt_hex(const SharedKey& key, std::span<const std::uint8_t> plaintext,
                                     Random& rng);

// aead_encrypt_hex_with_iv encrypts under an explicit IV (vectors only: an IV must never repeat
// under one key). Errors: wrong_length (iv not 12 bytes), aead_unavailable.
Result<std::string> aead_encrypt_hex_with_iv(const SharedKey& key,
                                             std::span<const std::uint8_t> iv12,
                                             std::span<const std::uint8_t> plaintext);

// aead_decrypt_hex opens hex(IV || ct || tag) (CR-AEAD-002). Never returns partial plaintext.
// Errors: bad_hex, wrong_length (fewer than 28 bytes), authentication_failed, aead_unavailable.
Result<std::vector<std::uint8_t>> aead_decrypt_hex(const SharedKey& key, std::string_view hex);

// aead_seal / aead_open are the byte-level operations on IV || ct || tag with a chosen backend
// (tests compare both backends; other callers use the hex functions).
Result<std::vector<std::uint8_t>> aead_seal(AeadBackend backend, const SharedKey& key,
                                            std::span<const std::uint8_t> iv12,
                                            std::span<const std::uint8_t> plaintext);
Result<std::vector<std::uint8_t>> aead_open(AeadBackend backend, const SharedKey& key,
                                            std::span<const std::uint8_t> sealed);

}  // namespace unm::crypto
