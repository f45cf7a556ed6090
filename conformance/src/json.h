// json.h — small RapidJSON helpers shared by the runner: parsing with typed errors, compact
// serialisation, JSON type names, deep equality. RapidJSON's assert() is never reached because
// every accessor here checks the type first.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "reference/common/expected.h"

namespace unm::conformance {

using JsonValue = rapidjson::Value;
using JsonDoc = rapidjson::Document;
using JsonAlloc = rapidjson::Document::AllocatorType;

// parse_json parses `text` (strict JSON, no comments); the error says where it failed.
Expected<JsonDoc, std::string> parse_json(std::string_view text);

// to_json compact-serialises `v`.
std::string to_json(const JsonValue& v);
// to_pretty_json serialises `v` with indentation (reports).
std::string to_pretty_json(const JsonValue& v);

// json_type_name is "null", "boolean", "integer", "number", "string", "array" or "object".
std::string_view json_type_name(const JsonValue& v);

// json_is_integer reports whether `v` is a JSON number written as an integer.
bool json_is_integer(const JsonValue& v);

// json_equal compares two values structurally; integers and non-integers never compare equal
// (the protocol's strict typing, EV-TRN-014/019), object key order is ignored.
bool json_equal(const JsonValue& a, const JsonValue& b);

// json_string_or returns the string member `key` of object `v`, or `fallback`.
std::string json_string_or(const JsonValue& v, const char* key, std::string fallback);
// json_int_or returns the integer member `key` of object `v`, or `fallback`.
long long json_int_or(const JsonValue& v, const char* key, long long fallback);
// json_bool_or returns the boolean member `key` of object `v`, or `fallback`.
bool json_bool_or(const JsonValue& v, const char* key, bool fallback);
// json_member returns a pointer to member `key` of object `v`, or nullptr.
const JsonValue* json_member(const JsonValue& v, std::string_view key);

// json_escape returns `s` as a JSON string literal (with quotes).
std::string json_escape(std::string_view s);

}  // namespace unm::conformance
