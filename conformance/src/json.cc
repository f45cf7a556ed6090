// json.cc — see json.h.
#include "conformance/src/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::conformance {

Expected<JsonDoc, std::string> parse_json(std::string_view text) {
  JsonDoc d;
  // No kParseFullPrecisionFlag: RapidJSON 1.1.0 misreads inputs such as 0e300 with it (fuzz
  // finding scenario_file-open-rapidjson-0e300).
  d.Parse(text.data(), text.size());
  if (d.HasParseError()) {
    return Unexpected{std::string(rapidjson::GetParseError_En(d.GetParseError())) + " at offset " +
                      std::to_string(d.GetErrorOffset())};
  }
  return d;
}

std::string to_json(const JsonValue& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

std::string to_pretty_json(const JsonValue& v) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

bool json_is_integer(const JsonValue& v) {
  return v.IsInt64() || v.IsUint64();
}

std::string_view json_type_name(const JsonValue& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (json_is_integer(v)) return "integer";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

bool json_equal(const JsonValue& a, const JsonValue& b) {
  if (json_type_name(a) != json_type_name(b)) return false;
  if (a.IsNull()) return true;
  if (a.IsBool()) return a.GetBool() == b.GetBool();
  if (json_is_integer(a)) {
    if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
    if (a.IsUint64() && b.IsUint64()) return a.GetUint64() == b.GetUint64();
    return false;
  }
  if (a.IsNumber()) return a.GetDouble() == b.GetDouble();
  if (a.IsString()) {
    return std::string_view(a.GetString(), a.GetStringLength()) ==
           std::string_view(b.GetString(), b.GetStringLength());
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!json_equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.MemberCount() != b.MemberCount()) return false;
  for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
    const JsonValue* other =
        json_member(b, std::string_view(it->name.GetString(), it->name.GetStringLength()));
    if (other == nullptr || !json_equal(it->value, *other)) return false;
  }
  return true;
}

const JsonValue* json_member(const JsonValue& v, std::string_view key) {
  if (!v.IsObject()) return nullptr;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
      return &it->value;
    }
  }
  return nullptr;
}

std::string json_string_or(const JsonValue& v, const char* key, std::string fallback) {
  const JsonValue* m = json_member(v, key);
  if (m == nullptr || !m->IsString()) return fallback;
  return std::string(m->GetString(), m->GetStringLength());
}

long long json_int_or(const JsonValue& v, const char* key, long long fallback) {
  const JsonValue* m = json_member(v, key);
  if (m == nullptr || !m->IsInt64()) return fallback;
  return m->GetInt64();
}

bool json_bool_or(const JsonValue& v, const char* key, bool fallback) {
  const JsonValue* m = json_member(v, key);
  if (m == nullptr || !m->IsBool()) return fallback;
  return m->GetBool();
}

std::string json_escape(std::string_view s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace unm::conformance
