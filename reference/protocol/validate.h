// validate.h — payload validation helpers for events.md §1.3–1.5: exact key sets, Id, Boolean,
// Seconds, Hex, Key, Signature and length-limited strings. Pure: every check reads a RapidJSON
// value and answers a value or a typed Failure (R-FORMAT / R-MALFORMED).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "reference/common/expected.h"
#include "reference/protocol/reasons.h"

namespace unm::protocol {

template <class T>
using Checked = Expected<T, Failure>;

// has_exact_keys reports whether object `obj` has exactly the keys `keys` (EV-TRN-011), each once.
bool has_exact_keys(const rapidjson::Value& obj, std::initializer_list<std::string_view> keys);

// find_member returns the member `key` of object `obj`, or nullptr.
const rapidjson::Value* find_member(const rapidjson::Value& obj, std::string_view key);

// as_id checks an Id (EV-TRN-014): an integer-written JSON number 1 … 2^53−1.
Checked<std::int64_t> as_id(const rapidjson::Value& v);
// as_bool checks a Boolean (EV-TRN-015).
Checked<bool> as_bool(const rapidjson::Value& v);
// as_seconds checks Seconds (EV-TRN-016): an integer 0 … 31 536 000.
Checked<std::int64_t> as_seconds(const rapidjson::Value& v);
// as_count checks a history count (EV-MSG-014, Table 2): an integer 0 … 2^31−1.
Checked<std::int64_t> as_count(const rapidjson::Value& v);

// as_string checks a string (EV-TRN-018) of well-formed UTF-8 whose scalar count is within
// [min, max] (R-FORMAT otherwise).
Checked<std::string> as_string(const rapidjson::Value& v, std::size_t min, std::size_t max);
// as_any_string checks only that `v` is a JSON string (EV-AUTH-008: no limit).
Checked<std::string> as_any_string(const rapidjson::Value& v);
// as_username checks a username (Table 2): 1 … 64 scalar values, no C0/C1 control or U+007F.
Checked<std::string> as_username(const rapidjson::Value& v);

// as_hex checks Hex (EV-TRN-017) of [min, max] characters: wrong type or length → R-FORMAT
// (EV-TRN-020), not lowercase even-length hex → R-MALFORMED.
Checked<std::string> as_hex(const rapidjson::Value& v, std::size_t min, std::size_t max);
// as_key_text checks the text form of a Key: a string (R-FORMAT) of exactly 64 lowercase hex
// characters (R-MALFORMED). The point check (CR-KEY-004) is the caller's, see key_check.h.
Checked<std::string> as_key_text(const rapidjson::Value& v);
// as_signature_text checks the text form of a Signature: a string of 128 lowercase hex
// characters (R-MALFORMED otherwise). Verification is the caller's (key_check.h).
Checked<std::string> as_signature_text(const rapidjson::Value& v);

// is_valid_username reports whether `name` satisfies Table 2's username rule.
bool is_valid_username(std::string_view name) noexcept;

}  // namespace unm::protocol

namespace unm::protocol {

// as_key checks a Key fully (EV-TRN-017): text form, then the point check of CR-KEY-004
// (R-MALFORMED).
Checked<std::string> as_key(const rapidjson::Value& v);

// verify_signature checks that `sig_hex` is an Ed25519 signature of Bytes(msg_hex) under
// `pub_hex` (CR-SIG-002/003); R-MALFORMED otherwise.
Checked<void> verify_signature(std::string_view pub_hex, std::string_view msg_hex,
                               std::string_view sig_hex);

}  // namespace unm::protocol
