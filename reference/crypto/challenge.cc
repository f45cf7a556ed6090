#include "reference/crypto/challenge.h"

#include <sodium.h>

#include "reference/crypto/internal.h"
#include "reference/crypto/keys.h"

namespace unm::crypto {

Result<Challenge> create_challenge(const PublicKey& user, Random& rng) {
  // 64 random bytes reduced mod L give a scalar whose bias is below 2^-250. k = 0 has
  // probability ~2^-252; a source that keeps producing it is broken, hence the bounded retry.
  for (int attempt = 0; attempt < 4; ++attempt) {
    SecretBytes<64> wide;
    rng.fill(wide.mutable_bytes());
    Scalar k;
    crypto_core_ed25519_scalar_reduce(k.data(), wide.data());
    if (sodium_is_zero(k.data(), k.size())) continue;
    return create_challenge_with_scalar(user, k);
  }
  return Unexpected{Error::internal};
}

Result<Challenge> create_challenge_with_scalar(const PublicKey& user, const Scalar& k) {
  // CR-CHAL-001: 1 <= k < L.
  if (sodium_is_zero(k.data(), k.size()) || !detail::scalar_below_l(k.bytes()))
    return Unexpected{Error::invalid_scalar};
  Challenge c{};
  // crypto_scalarmult_ed25519_noclamp refuses a user key that fails CR-KEY-004.
  if (crypto_scalarmult_ed25519_noclamp(c.expected.data(), k.data(), user.data()) != 0)
    return Unexpected{Error::invalid_point};
  if (crypto_scalarmult_ed25519_base_noclamp(c.challenge.data(), k.data()) != 0)
    return Unexpected{Error::internal};
  return c;
}

Result<PublicKey> challenge_response(const PrivateKey& priv, const PublicKey& challenge) {
  const Scalar s = scalar(priv);
  PublicKey response{};
  // CR-CHAL-002 with CR-KEY-004: the identity, torsion, mixed-order and non-canonical challenges
  // are refused by libsodium (it returns -1), so no response ever leaks a torsion component.
  if (crypto_scalarmult_ed25519_noclamp(response.data(), s.data(), challenge.data()) != 0)
    return Unexpected{Error::invalid_point};
  return response;
}

bool challenge_matches(std::string_view expected_hex, std::string_view response) noexcept {
  // CR-CHAL-003: exact 64-character strings; lengths are public, the contents compared in
  // constant time.
  if (expected_hex.size() != 2 * kPublicKeyBytes || response.size() != expected_hex.size())
    return false;
  return sodium_memcmp(expected_hex.data(), response.data(), expected_hex.size()) == 0;
}

}  // namespace unm::crypto
