// types.h — sizes and value types shared by every crypto header (crypto.md §1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "reference/crypto/error.h"
#include "reference/crypto/secret.h"

namespace unm::crypto {

inline constexpr std::size_t kPrivateKeyBytes = 32;  // CR-KEY-001: an Ed25519 seed
inline constexpr std::size_t kPublicKeyBytes = 32;   // CR-KEY-002: an Ed25519 point encoding
inline constexpr std::size_t kSignatureBytes = 64;   // CR-SIG-001: R || S
inline constexpr std::size_t kSharedKeyBytes = 32;   // CR-KDF-001 output, CR-TREE-004 root
inline constexpr std::size_t kScalarBytes = 32;      // CR-KEY-003: little-endian, below L
inline constexpr std::size_t kIvBytes = 12;          // CR-AEAD-001
inline constexpr std::size_t kTagBytes = 16;         // CR-AEAD-001

// PrivateKey is a 32-byte Ed25519 seed (also: a shared key or tree node used as a private key).
using PrivateKey = SecretBytes<kPrivateKeyBytes>;
// SharedKey is a 32-byte symmetric secret (X3DH SK, group secret, personal key).
using SharedKey = SecretBytes<kSharedKeyBytes>;
// Scalar is a secret scalar mod L, 32 bytes little-endian.
using Scalar = SecretBytes<kScalarBytes>;
// PublicKey is a 32-byte compressed Edwards point.
using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;
// Signature is a 64-byte Ed25519 signature R || S.
using Signature = std::array<std::uint8_t, kSignatureBytes>;

}  // namespace unm::crypto
