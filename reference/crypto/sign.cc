#include "reference/crypto/sign.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "reference/common/hex.h"
#include "reference/crypto/internal.h"
#include "reference/crypto/keys.h"

namespace unm::crypto {
namespace detail {

bool scalar_below_l(std::span<const std::uint8_t, 32> s) noexcept {
  for (std::size_t i = 32; i-- > 0;) {
    if (s[i] < kOrderL[i]) return true;
    if (s[i] > kOrderL[i]) return false;
  }
  return false;  // equal to L
}

bool verify_prevalidated(const PublicKey& pub, std::span<const std::uint8_t> msg,
                         const Signature& sig) {
  const std::span<const std::uint8_t, 32> r(sig.data(), 32);
  const std::span<const std::uint8_t, 32> s(sig.data() + 32, 32);
  // CR-SIG-003. libsodium 1.0.18 already refuses S >= L and a small-order R, and a non-canonical
  // R can never equal the canonical encoding it recomputes; the checks are repeated here so the
  // rule does not depend on a library build option (ED25519_COMPAT disables them).
  if (!scalar_below_l(s)) return false;
  if (!is_canonical_point_encoding(r) || is_small_order_encoding(r)) return false;
  static constexpr unsigned char kEmpty = 0;
  const unsigned char* m = msg.empty() ? &kEmpty : msg.data();
  return crypto_sign_verify_detached(sig.data(), m, msg.size(), pub.data()) == 0;
}

}  // namespace detail

Signature sign(const PrivateKey& priv, std::span<const std::uint8_t> msg) {
  PublicKey pub{};
  SecretBytes<crypto_sign_SECRETKEYBYTES> sk;
  crypto_sign_seed_keypair(pub.data(), sk.data(), priv.data());
  Signature sig{};
  static constexpr unsigned char kEmpty = 0;
  crypto_sign_detached(sig.data(), nullptr, msg.empty() ? &kEmpty : msg.data(), msg.size(),
                       sk.data());
  return sig;
}

bool verify(const PublicKey& pub, std::span<const std::uint8_t> msg, const Signature& sig) {
  // libsodium rejects a small-order or non-canonical A but lets a mixed-order A (prime-order
  // point plus torsion) through; CR-KEY-004 refuses it, so the full subgroup check runs first.
  if (!validate_public_key(pub)) return false;
  return detail::verify_prevalidated(pub, msg, sig);
}

Result<void> verify_hex(std::string_view pub_hex, std::string_view msg_hex,
                        std::string_view sig_hex) {
  auto pub = parse_public_key(pub_hex);
  if (!pub) return Unexpected{pub.error()};
  auto msg = unm::from_hex(msg_hex);
  if (!msg) return Unexpected{Error::bad_hex};
  auto sig = parse_signature(sig_hex);
  if (!sig) return Unexpected{sig.error()};
  if (!detail::verify_prevalidated(*pub, *msg, *sig)) return Unexpected{Error::bad_signature};
  return {};
}

Result<CheckedPublicKey> check_public_key(std::string_view pub_hex) {
  auto pub = parse_public_key(pub_hex);  // includes the CR-KEY-004 check
  if (!pub) return Unexpected{pub.error()};
  return CheckedPublicKey(*pub);
}

Result<void> verify_hex(const CheckedPublicKey& pub, std::string_view msg_hex,
                        std::string_view sig_hex) {
  auto msg = unm::from_hex(msg_hex);
  if (!msg) return Unexpected{Error::bad_hex};
  auto sig = parse_signature(sig_hex);
  if (!sig) return Unexpected{sig.error()};
  if (!detail::verify_prevalidated(pub.key(), *msg, *sig)) return Unexpected{Error::bad_signature};
  return {};
}

}  // namespace unm::crypto
