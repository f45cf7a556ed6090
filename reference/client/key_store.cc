#include "reference/client/key_store.h"

#include <algorithm>
#include <charconv>

#include "reference/crypto/keys.h"

namespace unm::client {

Result<KeyStore> KeyStore::open(const crypto::PrivateKey& identity, std::string_view sealed) {
  auto opened = crypto::own_storage_open(identity, sealed);
  if (!opened)
    return fail(ErrorCode::crypto, std::string("own_storage does not open (CR-STORE-001): ") +
                                       std::string(crypto::error_name(opened.error())));
  return KeyStore(std::move(*opened));
}

Result<std::string> KeyStore::seal(const crypto::PrivateKey& identity, crypto::Random& rng) const {
  auto sealed = crypto::own_storage_seal(identity, storage_, rng);
  if (!sealed)
    return fail(ErrorCode::crypto, std::string("cannot seal own_storage: ") +
                                       std::string(crypto::error_name(sealed.error())));
  return std::move(*sealed);
}

void KeyStore::set_spk(const crypto::PrivateKey& spk) {
  if (storage_.priv_spk) held_spks_.push_back(*storage_.priv_spk);
  storage_.priv_spk = spk;
}

const crypto::PrivateKey* KeyStore::find_spk(const crypto::PublicKey& pub) const {
  if (storage_.priv_spk && crypto::public_key(*storage_.priv_spk) == pub)
    return &*storage_.priv_spk;
  for (const auto& k : held_spks_)
    if (crypto::public_key(k) == pub) return &k;
  return nullptr;
}

const crypto::SharedKey* KeyStore::dm_key(std::int64_t dm_id) const {
  auto it = storage_.shared_keys.find(std::to_string(dm_id));
  return it == storage_.shared_keys.end() ? nullptr : &it->second;
}

void KeyStore::set_dm_key(std::int64_t dm_id, const crypto::SharedKey& key) {
  storage_.shared_keys.insert_or_assign(std::to_string(dm_id), key);
}

std::vector<std::int64_t> KeyStore::dm_ids() const {
  std::vector<std::int64_t> out;
  for (const auto& [k, v] : storage_.shared_keys) {
    std::int64_t id = 0;
    auto [p, ec] = std::from_chars(k.data(), k.data() + k.size(), id);
    // Entries whose name is not a DM id (written by another client) are kept but not listed.
    if (ec == std::errc() && p == k.data() + k.size() && id > 0) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void KeyStore::merge_missing(const KeyStore& other) {
  for (const auto& [k, v] : other.storage_.shared_keys) storage_.shared_keys.try_emplace(k, v);
  if (!storage_.priv_spk && other.storage_.priv_spk) storage_.priv_spk = other.storage_.priv_spk;
}

}  // namespace unm::client
