#include "reference/protocol/validate.h"

#include <cmath>

#include "reference/common/hex.h"
#include "reference/common/utf8.h"
#include "reference/protocol/limits.h"

namespace unm::protocol {

bool has_exact_keys(const rapidjson::Value& obj, std::initializer_list<std::string_view> keys) {
  if (!obj.IsObject() || obj.MemberCount() != keys.size()) return false;
  // Every listed key must be present; with equal counts and distinct listed keys this also
  // excludes extra keys, unless the payload repeats one key (then a listed key is missing).
  for (std::string_view k : keys) {
    if (find_member(obj, k) == nullptr) return false;
  }
  return true;
}

const rapidjson::Value* find_member(const rapidjson::Value& obj, std::string_view key) {
  if (!obj.IsObject()) return nullptr;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
      return &it->value;
    }
  }
  return nullptr;
}

namespace {

// integer_value gives the value of a JSON number written as an integer (no fraction, no
// exponent). RapidJSON parses such numbers as Int64/Uint64; a number with '.' or 'e' is a double
// even when its value is integral, which EV-TRN-014 rejects.
std::optional<std::int64_t> integer_value(const rapidjson::Value& v) {
  if (v.IsInt64()) return v.GetInt64();
  return std::nullopt;
}

}  // namespace

Checked<std::int64_t> as_id(const rapidjson::Value& v) {
  const auto n = integer_value(v);
  if (!n || *n < 1 || *n > limits::kIdMax) return Unexpected{fail(Reason::format)};
  return *n;
}

Checked<bool> as_bool(const rapidjson::Value& v) {
  if (!v.IsBool()) return Unexpected{fail(Reason::format)};
  return v.GetBool();
}

Checked<std::int64_t> as_seconds(const rapidjson::Value& v) {
  const auto n = integer_value(v);
  if (!n || *n < 0 || *n > limits::kSecondsMax) return Unexpected{fail(Reason::format)};
  return *n;
}

Checked<std::int64_t> as_count(const rapidjson::Value& v) {
  const auto n = integer_value(v);
  if (!n || *n < 0 || *n > limits::kHistoryCountMax) return Unexpected{fail(Reason::format)};
  return *n;
}

Checked<std::string> as_string(const rapidjson::Value& v, std::size_t min, std::size_t max) {
  if (!v.IsString()) return Unexpected{fail(Reason::format)};
  std::string_view s(v.GetString(), v.GetStringLength());
  const auto n = utf8_scalar_count(s);
  if (!n || *n < min || *n > max) return Unexpected{fail(Reason::format)};
  return std::string(s);
}

Checked<std::string> as_any_string(const rapidjson::Value& v) {
  if (!v.IsString()) return Unexpected{fail(Reason::format)};
  return std::string(v.GetString(), v.GetStringLength());
}

bool is_valid_username(std::string_view name) noexcept {
  const auto n = utf8_scalar_count(name);
  return n && *n >= limits::kUsernameMin && *n <= limits::kUsernameMax && !utf8_has_control(name);
}

Checked<std::string> as_username(const rapidjson::Value& v) {
  if (!v.IsString()) return Unexpected{fail(Reason::format)};
  std::string_view s(v.GetString(), v.GetStringLength());
  if (!is_valid_username(s)) return Unexpected{fail(Reason::format)};
  return std::string(s);
}

Checked<std::string> as_hex(const rapidjson::Value& v, std::size_t min, std::size_t max) {
  if (!v.IsString()) return Unexpected{fail(Reason::format)};
  std::string_view s(v.GetString(), v.GetStringLength());
  if (s.size() < min || s.size() > max) return Unexpected{fail(Reason::format)};
  if (!is_lower_hex(s)) return Unexpected{fail(Reason::malformed)};
  return std::string(s);
}

namespace {
Checked<std::string> fixed_hex(const rapidjson::Value& v, std::size_t len) {
  if (!v.IsString()) return Unexpected{fail(Reason::format)};
  std::string_view s(v.GetString(), v.GetStringLength());
  if (s.size() != len || !is_lower_hex(s)) return Unexpected{fail(Reason::malformed)};
  return std::string(s);
}
}  // namespace

Checked<std::string> as_key_text(const rapidjson::Value& v) {
  return fixed_hex(v, limits::kKeyHex);
}

Checked<std::string> as_signature_text(const rapidjson::Value& v) {
  return fixed_hex(v, limits::kSignatureHex);
}

}  // namespace unm::protocol

#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::protocol {

Checked<std::string> as_key(const rapidjson::Value& v) {
  auto text = as_key_text(v);
  if (!text) return text;
  if (!crypto::parse_public_key(*text)) return Unexpected{fail(Reason::malformed)};
  return text;
}

Checked<void> verify_signature(std::string_view pub_hex, std::string_view msg_hex,
                               std::string_view sig_hex) {
  if (!crypto::verify_hex(pub_hex, msg_hex, sig_hex)) return Unexpected{fail(Reason::malformed)};
  return {};
}

}  // namespace unm::protocol
