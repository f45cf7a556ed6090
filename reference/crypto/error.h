// error.h — the crypto layer's typed errors and its Result alias.
#pragma once

#include <string_view>

#include "reference/common/expected.h"

namespace unm::crypto {

// Error names every way a crypto operation can refuse its input. Values may be added at the end;
// existing ones are never renamed (other layers map them to protocol failure reasons).
enum class Error {
  bad_hex,                // input is not lowercase hex of even length
  wrong_length,           // a byte string or list has the wrong length / count
  invalid_point,          // a public key that is non-canonical, small-order or off the subgroup
                          // (CR-KEY-004), or an operation whose result is the identity
  bad_signature,          // an Ed25519 signature that does not verify (CR-SIG-002/003)
  bad_tree_length,        // a key tree whose length is not 2M-2 for a power of two M >= 2
  position_out_of_range,  // a tree position outside 1 ... M-1 (CR-TREE-006)
  authentication_failed,  // an AES-GCM tag that does not match (CR-AEAD-002)
  aead_unavailable,       // neither libsodium nor OpenSSL can provide AES-256-GCM
  bad_json,               // own_storage plaintext is not the JSON object of CR-STORE-001
  internal,               // libsodium or OpenSSL failed where it should not (init, allocation)
  invalid_scalar,         // a scalar that is zero or not below L (CR-CHAL-001)
  leaf_mismatch,          // the receiver's own leaf differs from its X3DH result (CR-TREE-007)
  phrase_word_count,      // a recovery phrase of other than 24 words (CR-KEY-005)
  phrase_unknown_word,    // a recovery phrase word outside the BIP-39 English list (CR-KEY-005)
  phrase_parity,          // a recovery phrase group whose 2 parity bits do not match (CR-KEY-005)
};

// error_name returns a short, stable, lowercase name of `e` (the enumerator's name).
std::string_view error_name(Error e) noexcept;

// Result is what every fallible crypto function returns: a value or an Error.
template <class T>
using Result = unm::Expected<T, Error>;

}  // namespace unm::crypto
