// challenge.h — the login challenge (crypto.md §3).
#pragma once

#include <string_view>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::crypto {

// Challenge is what the server sends (`challenge` = k·B) and what it keeps (`expected` = k·A).
struct Challenge {
  PublicKey challenge;
  PublicKey expected;
};

// create_challenge picks a fresh scalar 1 <= k < L from `rng` and returns k·B and k·A for the
// user's key A (CR-CHAL-001). Errors: invalid_point (A fails CR-KEY-004).
Result<Challenge> create_challenge(const PublicKey& user, Random& rng);

// create_challenge_with_scalar is create_challenge with an explicit k (32 bytes little-endian),
// for vectors. Errors: invalid_scalar (k = 0 or k >= L), invalid_point.
Result<Challenge> create_challenge_with_scalar(const PublicKey& user, const Scalar& k);

// challenge_response is encode(scalar(priv)·decode(challenge)) (CR-CHAL-002). Errors:
// invalid_point (the challenge fails CR-KEY-004, e.g. the identity or a torsion point).
Result<PublicKey> challenge_response(const PrivateKey& priv, const PublicKey& challenge);

// challenge_matches compares the response text with the expected lowercase hex in constant time
// (CR-CHAL-003): true only for the exact same 64-character string.
bool challenge_matches(std::string_view expected_hex, std::string_view response) noexcept;

}  // namespace unm::crypto
