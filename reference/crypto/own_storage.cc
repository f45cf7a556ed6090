#include "reference/crypto/own_storage.h"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>
#include <sodium.h>

#include "reference/common/hex.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/ecdh.h"

namespace unm::crypto {
namespace {

// StringOut is a RapidJSON output stream that appends to a pre-reserved std::string, so the
// secret-bearing JSON text is never copied through a reallocating buffer we cannot wipe.
struct StringOut {
  using Ch = char;
  std::string& s;
  void Put(char c) { s.push_back(c); }
  void Flush() {}
};

// WipedString is a std::string that is zeroed before its memory is released.
struct WipedString {
  std::string s;
  ~WipedString() { sodium_memzero(s.data(), s.size()); }
};

constexpr const char* kPrivSpk = "privSPK";
constexpr const char* kSharedKeys = "sharedKeys";

bool write_key(rapidjson::Writer<StringOut, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                 rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>& w,
               std::span<const std::uint8_t, 32> key) {
  WipedString hex{unm::to_hex(key)};
  return w.String(hex.s.data(), static_cast<rapidjson::SizeType>(hex.s.size()));
}

// parse_key reads a JSON value that must be 64 lowercase hex characters into `out`.
bool parse_key(const rapidjson::Value& v, SecretBytes<32>& out) {
  if (!v.IsString()) return false;
  return static_cast<bool>(unm::from_hex_into(std::string_view(v.GetString(), v.GetStringLength()),
                                              out.mutable_bytes()));
}

}  // namespace

Result<std::string> own_storage_plaintext(const OwnStorage& storage) {
  std::size_t reserve = 64 + 2 * kPrivateKeyBytes;
  for (const auto& [id, key] : storage.shared_keys) reserve += 6 * id.size() + 8 + 2 * key.size();
  std::string text;
  text.reserve(reserve);
  StringOut out{text};
  rapidjson::Writer<StringOut, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                    rapidjson::kWriteValidateEncodingFlag>
      w(out);
  bool ok = w.StartObject();
  if (storage.priv_spk) ok = ok && w.Key(kPrivSpk) && write_key(w, storage.priv_spk->bytes());
  ok = ok && w.Key(kSharedKeys) && w.StartObject();
  for (const auto& [id, key] : storage.shared_keys)
    ok = ok && w.Key(id.data(), static_cast<rapidjson::SizeType>(id.size())) &&
         write_key(w, key.bytes());
  ok = ok && w.EndObject() && w.EndObject();
  if (!ok) {
    // Only an id that is not valid UTF-8 makes the validating writer refuse.
    sodium_memzero(text.data(), text.size());
    return Unexpected{Error::bad_json};
  }
  return text;
}

Result<OwnStorage> own_storage_parse(std::string_view json) {
  // In-situ parsing keeps the key strings inside `buf`, which is wiped afterwards; a normal
  // parse would copy them into RapidJSON's pool. An embedded NUL would end in-situ input early.
  if (json.find('\0') != std::string_view::npos) return Unexpected{Error::bad_json};
  WipedString buf{std::string(json)};
  rapidjson::Document doc;
  doc.ParseInsitu<rapidjson::kParseValidateEncodingFlag>(buf.s.data());
  if (doc.HasParseError() || !doc.IsObject()) return Unexpected{Error::bad_json};
  OwnStorage out;
  bool seen_spk = false;
  bool seen_keys = false;
  // Indexed, not range-for: clang in C++20 finds RapidJSON 1.1.0's iterator != ambiguous.
  for (rapidjson::SizeType m = 0; m < doc.MemberCount(); ++m) {
    const auto& member = *(doc.MemberBegin() + m);
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name == kPrivSpk) {
      if (seen_spk) return Unexpected{Error::bad_json};  // duplicate: which one is meant?
      seen_spk = true;
      if (member.value.IsNull()) continue;  // tolerated as "no SPK yet"
      PrivateKey spk;
      if (!parse_key(member.value, spk)) return Unexpected{Error::bad_json};
      out.priv_spk = spk;
    } else if (name == kSharedKeys) {
      if (seen_keys || !member.value.IsObject()) return Unexpected{Error::bad_json};
      seen_keys = true;
      for (const auto& entry : member.value.GetObject()) {
        SharedKey key;
        if (!parse_key(entry.value, key)) return Unexpected{Error::bad_json};
        std::string id(entry.name.GetString(), entry.name.GetStringLength());
        if (!out.shared_keys.emplace(std::move(id), key).second) return Unexpected{Error::bad_json};
      }
    }
    // Other members are ignored: a client may keep more in its backup.
  }
  return out;
}

Result<std::string> own_storage_seal_with_iv(const PrivateKey& ik, const OwnStorage& storage,
                                             std::span<const std::uint8_t> iv12) {
  if (iv12.size() != kIvBytes) return Unexpected{Error::wrong_length};
  auto key = personal_key(ik);  // CR-DH-002
  if (!key) return Unexpected{key.error()};
  auto text = own_storage_plaintext(storage);
  if (!text) return Unexpected{text.error()};
  WipedString plain{std::move(*text)};
  return aead_encrypt_hex_with_iv(
      *key, iv12,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(plain.s.data()),
                                    plain.s.size()));
}

Result<std::string> own_storage_seal(const PrivateKey& ik, const OwnStorage& storage, Random& rng) {
  std::uint8_t iv[kIvBytes];
  rng.fill(iv);
  return own_storage_seal_with_iv(ik, storage, iv);
}

Result<OwnStorage> own_storage_open(const PrivateKey& ik, std::string_view sealed) {
  if (sealed.empty()) return OwnStorage{};  // CR-STORE-001: "no storage yet"
  auto key = personal_key(ik);
  if (!key) return Unexpected{key.error()};
  auto plain = aead_decrypt_hex(*key, sealed);
  if (!plain) return Unexpected{plain.error()};
  auto parsed = own_storage_parse(
      std::string_view(reinterpret_cast<const char*>(plain->data()), plain->size()));
  sodium_memzero(plain->data(), plain->size());
  return parsed;
}

}  // namespace unm::crypto
