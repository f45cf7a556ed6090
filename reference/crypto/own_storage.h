// own_storage.h — the client's key backup held by the server (crypto.md §8, CR-STORE-001).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::crypto {

// OwnStorage is the backed-up state: the SPK private key and the group secret of every DM, keyed
// by the DM id as decimal text.
struct OwnStorage {
  std::optional<PrivateKey> priv_spk;
  std::map<std::string, SharedKey> shared_keys;
};

// own_storage_plaintext is the exact JSON text that is sealed:
//   {"privSPK":"<64 hex>","sharedKeys":{"<id>":"<64 hex>",...}}
// no whitespace, "privSPK" omitted when priv_spk is empty, ids in std::map (byte-wise) order.
// Errors: bad_json (an id that is not valid UTF-8).
Result<std::string> own_storage_plaintext(const OwnStorage& storage);

// own_storage_seal is hex(AEAD(personal_key(ik), plaintext)) with a fresh IV from `rng`.
Result<std::string> own_storage_seal(const PrivateKey& ik, const OwnStorage& storage, Random& rng);

// own_storage_seal_with_iv is own_storage_seal with an explicit 12-byte IV (vectors only).
Result<std::string> own_storage_seal_with_iv(const PrivateKey& ik, const OwnStorage& storage,
                                             std::span<const std::uint8_t> iv12);

// own_storage_parse reads the JSON text of CR-STORE-001 ("privSPK" optional, "sharedKeys"
// optional, other members ignored; every key value is 64 lowercase hex). Errors: bad_json.
Result<OwnStorage> own_storage_parse(std::string_view json);

// own_storage_open decrypts and parses `sealed`; the empty string ("no storage yet") gives an
// empty OwnStorage. Errors: bad_hex, wrong_length, authentication_failed, bad_json.
Result<OwnStorage> own_storage_open(const PrivateKey& ik, std::string_view sealed);

}  // namespace unm::crypto
