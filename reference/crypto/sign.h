// sign.h — strict Ed25519 signatures (crypto.md §2).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "reference/crypto/types.h"

namespace unm::crypto {

// sign is the pure RFC 8032 Ed25519 signature of `msg` under seed `priv` (CR-SIG-001).
Signature sign(const PrivateKey& priv, std::span<const std::uint8_t> msg);

// verify is strict RFC 8032 verification (CR-SIG-002/003): it refuses S >= L, a small-order or
// non-canonical R, and a public key that fails CR-KEY-004 (non-canonical, small-order, or
// mixed-order), and otherwise checks [S]B = R + [k]A with the encoding of R compared exactly.
bool verify(const PublicKey& pub, std::span<const std::uint8_t> msg, const Signature& sig);

// verify_hex decodes the three hex strings (msg_hex decodes to the signed bytes, Bytes(m)) and
// verifies. Errors: bad_hex, wrong_length (pub 32 / sig 64 bytes), invalid_point (public key
// fails CR-KEY-004), bad_signature (everything else, including S >= L and bad R).
Result<void> verify_hex(std::string_view pub_hex, std::string_view msg_hex,
                        std::string_view sig_hex);

// CheckedPublicKey is a public key known to pass CR-KEY-004 (canonical, not of small order, in
// the prime-order subgroup). Only check_public_key makes one. The full subgroup check costs about
// as much as the signature check itself, so a verifier that sees many signatures under one key
// (the server, one sender, many messages) checks the key once and keeps this.
class CheckedPublicKey {
 public:
  const PublicKey& key() const noexcept { return key_; }

 private:
  explicit CheckedPublicKey(const PublicKey& key) : key_(key) {}
  friend Result<CheckedPublicKey> check_public_key(std::string_view pub_hex);
  PublicKey key_;
};

// check_public_key decodes and fully checks a public key. Errors: bad_hex, wrong_length,
// invalid_point (CR-KEY-004).
Result<CheckedPublicKey> check_public_key(std::string_view pub_hex);

// verify_hex with a checked key is verify_hex without repeating the key check: same result for
// the same inputs. Errors: bad_hex, wrong_length (sig 64 bytes), bad_signature.
Result<void> verify_hex(const CheckedPublicKey& pub, std::string_view msg_hex,
                        std::string_view sig_hex);

}  // namespace unm::crypto
