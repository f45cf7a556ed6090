#include "reference/client/key_store.h"

#include <algorithm>
#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sodium.h>

#include "reference/client/rpc.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/ecdh.h"
#include "reference/crypto/keys.h"

namespace unm::client {

namespace {

constexpr std::string_view kPrivSpk = "privSPK";
constexpr std::string_view kSharedKeys = "sharedKeys";

Unexpected<Error> storage_error(const char* what, crypto::Error e) {
  return fail(ErrorCode::crypto, std::string(what) + std::string(crypto::error_name(e)));
}

// WipedText is plaintext key material, zeroed before its memory is released.
struct WipedText {
  std::string s;
  ~WipedText() { sodium_memzero(s.data(), s.size()); }
};

}  // namespace

Result<KeyStore> KeyStore::open(const crypto::PrivateKey& identity, std::string_view sealed) {
  if (sealed.empty()) return KeyStore();  // CR-STORE-001: "no storage yet"
  auto key = crypto::personal_key(identity);
  if (!key) return storage_error("own_storage key: ", key.error());
  auto plain = crypto::aead_decrypt_hex(*key, sealed);
  if (!plain) return storage_error("own_storage does not open (CR-STORE-001): ", plain.error());
  WipedText text{std::string(plain->begin(), plain->end())};
  sodium_memzero(plain->data(), plain->size());
  auto parsed = crypto::own_storage_parse(text.s);
  if (!parsed) return storage_error("own_storage does not open (CR-STORE-001): ", parsed.error());
  KeyStore out(std::move(*parsed));
  // own_storage_parse has checked that this is a JSON object; its other members are kept.
  rapidjson::Document doc;
  doc.Parse(text.s.data(), text.s.size());
  for (const auto& m : doc.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == kPrivSpk || name == kSharedKeys) continue;
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    m.value.Accept(w);
    out.extra_.emplace_back(std::string(name), std::string(sb.GetString(), sb.GetSize()));
  }
  return out;
}

Result<std::string> KeyStore::seal(const crypto::PrivateKey& identity, crypto::Random& rng) const {
  auto known = crypto::own_storage_plaintext(storage_);
  if (!known) return storage_error("cannot seal own_storage: ", known.error());
  WipedText text{std::move(*known)};
  // The known members form `{...}`; the unknown ones go before its closing brace as they came.
  text.s.pop_back();
  for (const auto& [name, json] : extra_) {
    text.s += ',';
    text.s += json_string(name);
    text.s += ':';
    text.s += json;
  }
  text.s += '}';
  auto key = crypto::personal_key(identity);
  if (!key) return storage_error("own_storage key: ", key.error());
  auto sealed = crypto::aead_encrypt_hex(
      *key,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.s.data()),
                                    text.s.size()),
      rng);
  if (!sealed) return storage_error("cannot seal own_storage: ", sealed.error());
  return std::move(*sealed);
}

void KeyStore::set_extra_field(std::string name, std::string json) {
  for (auto& [n, j] : extra_)
    if (n == name) {
      j = std::move(json);
      return;
    }
  extra_.emplace_back(std::move(name), std::move(json));
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
  for (const auto& [name, json] : other.extra_) set_extra_field(name, json);
}

}  // namespace unm::client
