// matcher.cc — see matcher.h.
#include "conformance/src/matcher.h"

#include <regex>
#include <string_view>

#include "reference/common/hex.h"
#include "reference/common/utf8.h"

namespace unm::conformance {
namespace {

std::string_view sv(const JsonValue& v) {
  return {v.GetString(), v.GetStringLength()};
}

bool is_operator_object(const JsonValue& m) {
  if (!m.IsObject() || m.MemberCount() == 0) return false;
  for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
    // "${var}" keys are variables substituted before matching, not operators.
    std::string_view key = sv(it->name);
    if (key.empty() || key[0] != '$' || key.rfind("${", 0) == 0) return false;
  }
  return true;
}

MatchResult fail(std::string path, std::string message) {
  MatchResult r;
  r.ok = false;
  r.path = path.empty() ? "/" : std::move(path);
  r.message = std::move(message);
  return r;
}

std::string show(const JsonValue& v) {
  std::string s = to_json(v);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

// timestamp_ok checks EV-OBJ-001: YYYY-MM-DDTHH:MM:SS.ffffff, 26 characters.
bool timestamp_ok(std::string_view s) {
  static const std::regex re(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})");
  return s.size() == 26 && std::regex_match(s.begin(), s.end(), re);
}

bool type_ok(std::string_view t, const JsonValue& v) {
  if (t == "any") return true;
  if (t == "null") return v.IsNull();
  if (t == "boolean") return v.IsBool();
  if (t == "integer") return json_is_integer(v);
  if (t == "number") return v.IsNumber();
  if (t == "string") return v.IsString();
  if (t == "nonempty_string") return v.IsString() && v.GetStringLength() > 0;
  if (t == "array") return v.IsArray();
  if (t == "object") return v.IsObject();
  // id: EV-TRN-014 (integer 1 … 2^53−1).
  if (t == "id") return v.IsInt64() && v.GetInt64() >= 1 && v.GetInt64() <= (1LL << 53) - 1;
  if (!v.IsString()) return false;
  std::string_view s = sv(v);
  if (t == "hex") return !s.empty() && is_lower_hex(s);  // EV-TRN-017
  if (t == "key") return s.size() == 64 && is_lower_hex(s);
  if (t == "signature") return s.size() == 128 && is_lower_hex(s);
  if (t == "timestamp") return timestamp_ok(s);  // EV-OBJ-001
  return false;
}

constexpr std::string_view kTypes[] = {
    "any",   "null",   "boolean", "integer", "number", "string",    "nonempty_string",
    "array", "object", "id",      "hex",     "key",    "signature", "timestamp"};

std::size_t length_of(const JsonValue& v, bool& ok) {
  ok = true;
  if (v.IsString()) {
    auto n = utf8_scalar_count(sv(v));
    if (n) return *n;
    return v.GetStringLength();
  }
  if (v.IsArray()) return v.Size();
  if (v.IsObject()) return v.MemberCount();
  ok = false;
  return 0;
}

double num(const JsonValue& v) {
  return v.GetDouble();
}

MatchResult match_at(const JsonValue& m, const JsonValue& a, const std::string& path);

// bipartite assigns each matcher to a distinct element (backtracking; lists here are small).
bool assign(const JsonValue& ms, const JsonValue& arr, rapidjson::SizeType i,
            std::vector<bool>& used, const std::string& path,
            std::vector<std::pair<std::string, std::string>>& caps) {
  if (i == ms.Size()) return true;
  for (rapidjson::SizeType j = 0; j < arr.Size(); ++j) {
    if (used[j]) continue;
    MatchResult r = match_at(ms[i], arr[j], path + "/" + std::to_string(j));
    if (!r.ok) continue;
    used[j] = true;
    std::size_t mark = caps.size();
    caps.insert(caps.end(), r.captures.begin(), r.captures.end());
    if (assign(ms, arr, i + 1, used, path, caps)) return true;
    caps.resize(mark);
    used[j] = false;
  }
  return false;
}

MatchResult match_operator(std::string_view op, const JsonValue& arg, const JsonValue& m,
                           const JsonValue& a, const std::string& path) {
  MatchResult ok;
  if (op == "$any" || op == "$capture") return ok;
  if (op == "$type") {
    if (arg.IsString()) {
      if (type_ok(sv(arg), a)) return ok;
      return fail(path, "expected type " + std::string(sv(arg)) + ", got " + show(a));
    }
    for (const auto& t : arg.GetArray()) {
      if (t.IsString() && type_ok(sv(t), a)) return ok;
    }
    return fail(path, "expected one of types " + show(arg) + ", got " + show(a));
  }
  if (op == "$eq") {
    if (json_equal(arg, a)) return ok;
    return fail(path, "expected exactly " + show(arg) + ", got " + show(a));
  }
  if (op == "$contains" || op == "$not_contains") {
    bool found = false;
    std::vector<std::pair<std::string, std::string>> caps;
    if (a.IsString() && arg.IsString()) {
      found = sv(a).find(sv(arg)) != std::string_view::npos;
    } else if (a.IsArray()) {
      for (rapidjson::SizeType j = 0; j < a.Size() && !found; ++j) {
        MatchResult r = match_at(arg, a[j], path + "/" + std::to_string(j));
        if (r.ok) {
          found = true;
          caps = r.captures;
        }
      }
    } else {
      return fail(path, "expected a string or array for " + std::string(op) + ", got " + show(a));
    }
    if (op == "$contains" && !found)
      return fail(path, "no element matches " + show(arg) + " in " + show(a));
    if (op == "$not_contains" && found)
      return fail(path, "unexpected element matching " + show(arg) + " in " + show(a));
    ok.captures = std::move(caps);
    return ok;
  }
  if (op == "$len") {
    bool has_len = false;
    std::size_t n = length_of(a, has_len);
    if (!has_len) return fail(path, "expected something with a length, got " + show(a));
    long long lo = 0, hi = -1;
    if (arg.IsInt64()) {
      lo = hi = arg.GetInt64();
    } else {
      lo = json_int_or(arg, "min", 0);
      hi = json_int_or(arg, "max", -1);
    }
    auto nn = static_cast<long long>(n);
    if (nn < lo || (hi >= 0 && nn > hi)) {
      return fail(path, "length " + std::to_string(n) + " outside " + show(arg));
    }
    return ok;
  }
  if (op == "$regex") {
    if (!a.IsString()) return fail(path, "expected a string for $regex, got " + show(a));
    try {
      std::regex re(std::string(sv(arg)), std::regex::ECMAScript);
      std::string s(sv(a));
      if (std::regex_match(s, re)) return ok;
    } catch (const std::regex_error&) {
      return fail(path, "bad regular expression " + show(arg));
    }
    return fail(path,
                "\"" + std::string(sv(a)) + "\" does not match /" + std::string(sv(arg)) + "/");
  }
  if (op == "$set" || op == "$superset") {
    if (!a.IsArray()) return fail(path, "expected an array, got " + show(a));
    if (op == "$set" && a.Size() != arg.Size()) {
      return fail(path, "expected a set of " + std::to_string(arg.Size()) + " elements " +
                            show(arg) + ", got " + std::to_string(a.Size()) + ": " + show(a));
    }
    std::vector<bool> used(a.Size(), false);
    std::vector<std::pair<std::string, std::string>> caps;
    if (!assign(arg, a, 0, used, path, caps)) {
      return fail(path, "set " + show(a) + " does not match " + show(arg) + " (as a set)");
    }
    ok.captures = std::move(caps);
    return ok;
  }
  if (op == "$has") {
    if (!a.IsObject()) return fail(path, "expected an object, got " + show(a));
    for (auto it = arg.MemberBegin(); it != arg.MemberEnd(); ++it) {
      std::string_view key = sv(it->name);
      const JsonValue* v = json_member(a, key);
      if (v == nullptr) return fail(path, "missing key \"" + std::string(key) + "\"");
      MatchResult r = match_at(it->value, *v, path + "/" + std::string(key));
      if (!r.ok) return r;
      ok.captures.insert(ok.captures.end(), r.captures.begin(), r.captures.end());
    }
    return ok;
  }
  if (op == "$keys") {
    // The object's keys as an array of strings, matched against the operand (e.g. to capture
    // a schedule id that is only known as a key of scheduled_messages, EV-OBJ-014).
    if (!a.IsObject()) return fail(path, "expected an object, got " + show(a));
    JsonDoc keys;
    keys.SetArray();
    for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
      keys.PushBack(
          JsonValue(it->name.GetString(), it->name.GetStringLength(), keys.GetAllocator()),
          keys.GetAllocator());
    }
    MatchResult r = match_at(arg, keys, path + "/$keys");
    return r;
  }
  if (op == "$lacks") {
    if (!a.IsObject()) return fail(path, "expected an object, got " + show(a));
    for (const auto& k : arg.GetArray()) {
      if (json_member(a, sv(k)) != nullptr) {
        return fail(path, "key \"" + std::string(sv(k)) + "\" must not be present");
      }
    }
    return ok;
  }
  if (op == "$all") {
    for (const auto& sub : arg.GetArray()) {
      MatchResult r = match_at(sub, a, path);
      if (!r.ok) return r;
      ok.captures.insert(ok.captures.end(), r.captures.begin(), r.captures.end());
    }
    return ok;
  }
  if (op == "$anyof") {
    for (const auto& sub : arg.GetArray()) {
      MatchResult r = match_at(sub, a, path);
      if (r.ok) return r;
    }
    return fail(path, show(a) + " matches none of " + show(arg));
  }
  if (op == "$not") {
    MatchResult r = match_at(arg, a, path);
    if (r.ok) return fail(path, show(a) + " must not match " + show(arg));
    return ok;
  }
  if (op == "$decided") {
    MatchResult r = match_at(arg, a, path);
    if (!r.ok) r.decided = true;
    return r;
  }
  if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
    if (!a.IsNumber()) return fail(path, "expected a number, got " + show(a));
    if (!arg.IsNumber()) return fail(path, "comparison operand is not a number: " + show(arg));
    double x = num(a), y = num(arg);
    bool good = op == "$gt" ? x > y : op == "$gte" ? x >= y : op == "$lt" ? x < y : x <= y;
    if (good) return ok;
    return fail(path, show(a) + " is not " + std::string(op.substr(1)) + " " + show(arg));
  }
  (void)m;
  return fail(path, "unknown matcher operator " + std::string(op));
}

MatchResult match_at(const JsonValue& m, const JsonValue& a, const std::string& path) {
  if (is_operator_object(m)) {
    MatchResult all;
    for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
      MatchResult r = match_operator(sv(it->name), it->value, m, a, path);
      if (!r.ok) return r;
      all.captures.insert(all.captures.end(), r.captures.begin(), r.captures.end());
    }
    if (const JsonValue* cap = json_member(m, "$capture"); cap != nullptr && cap->IsString()) {
      all.captures.emplace_back(std::string(sv(*cap)), to_json(a));
    }
    return all;
  }
  if (m.IsObject()) {
    if (!a.IsObject()) return fail(path, "expected an object, got " + show(a));
    MatchResult all;
    for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
      std::string_view key = sv(it->name);
      const JsonValue* v = json_member(a, key);
      if (v == nullptr) return fail(path, "missing key \"" + std::string(key) + "\" in " + show(a));
      MatchResult r = match_at(it->value, *v, path + "/" + std::string(key));
      if (!r.ok) return r;
      all.captures.insert(all.captures.end(), r.captures.begin(), r.captures.end());
    }
    for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
      if (json_member(m, sv(it->name)) == nullptr) {
        return fail(path, "unexpected key \"" + std::string(sv(it->name)) + "\"");
      }
    }
    return all;
  }
  if (m.IsArray()) {
    if (!a.IsArray()) return fail(path, "expected an array, got " + show(a));
    if (a.Size() != m.Size()) {
      return fail(path, "expected " + std::to_string(m.Size()) + " elements, got " +
                            std::to_string(a.Size()) + ": " + show(a));
    }
    MatchResult all;
    for (rapidjson::SizeType i = 0; i < m.Size(); ++i) {
      MatchResult r = match_at(m[i], a[i], path + "/" + std::to_string(i));
      if (!r.ok) return r;
      all.captures.insert(all.captures.end(), r.captures.begin(), r.captures.end());
    }
    return all;
  }
  if (json_equal(m, a)) return {};
  return fail(path, "expected " + show(m) + ", got " + show(a));
}

Expected<void, std::string> validate_at(const JsonValue& m, const std::string& path) {
  if (is_operator_object(m)) {
    for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
      std::string_view op = sv(it->name);
      const JsonValue& arg = it->value;
      auto bad = [&](std::string_view why) -> Expected<void, std::string> {
        return Unexpected{path + ": " + std::string(op) + " " + std::string(why)};
      };
      if (op == "$any" || op == "$eq") continue;
      if (op == "$type") {
        if (arg.IsString()) {
          if (!is_known_type(sv(arg))) return bad("names an unknown type");
        } else if (arg.IsArray()) {
          for (const auto& t : arg.GetArray()) {
            if (!t.IsString() || !is_known_type(sv(t))) return bad("names an unknown type");
          }
        } else {
          return bad("needs a type name or a list of them");
        }
      } else if (op == "$capture") {
        if (!arg.IsString() || arg.GetStringLength() == 0) return bad("needs a variable name");
      } else if (op == "$regex") {
        if (!arg.IsString()) return bad("needs a string");
        try {
          std::regex re(std::string(sv(arg)), std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          return bad("is not a valid regular expression");
        }
      } else if (op == "$len") {
        bool good = arg.IsInt64() && arg.GetInt64() >= 0;
        if (arg.IsObject()) {
          good = true;
          for (auto k = arg.MemberBegin(); k != arg.MemberEnd(); ++k) {
            if ((sv(k->name) != "min" && sv(k->name) != "max") || !k->value.IsInt64()) good = false;
          }
        }
        if (!good) return bad("needs a count or {\"min\", \"max\"}");
      } else if (op == "$set" || op == "$superset" || op == "$all" || op == "$anyof") {
        if (!arg.IsArray()) return bad("needs an array of matchers");
        for (rapidjson::SizeType i = 0; i < arg.Size(); ++i) {
          auto r = validate_at(arg[i], path + "/" + std::string(op) + "/" + std::to_string(i));
          if (!r) return r;
        }
      } else if (op == "$has") {
        if (!arg.IsObject()) return bad("needs an object of matchers");
        for (auto k = arg.MemberBegin(); k != arg.MemberEnd(); ++k) {
          auto r = validate_at(k->value, path + "/" + std::string(sv(k->name)));
          if (!r) return r;
        }
      } else if (op == "$lacks") {
        if (!arg.IsArray()) return bad("needs an array of key names");
        for (const auto& k : arg.GetArray()) {
          if (!k.IsString()) return bad("needs an array of key names");
        }
      } else if (op == "$keys" || op == "$not" || op == "$decided" || op == "$contains" ||
                 op == "$not_contains") {
        auto r = validate_at(arg, path + "/" + std::string(op));
        if (!r) return r;
      } else if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
        if (!arg.IsNumber() && !arg.IsString()) return bad("needs a number");
      } else {
        return bad("is not a matcher operator");
      }
    }
    return {};
  }
  if (m.IsObject()) {
    for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
      auto r = validate_at(it->value, path + "/" + std::string(sv(it->name)));
      if (!r) return r;
    }
  } else if (m.IsArray()) {
    for (rapidjson::SizeType i = 0; i < m.Size(); ++i) {
      auto r = validate_at(m[i], path + "/" + std::to_string(i));
      if (!r) return r;
    }
  }
  return {};
}

}  // namespace

bool is_known_type(std::string_view name) {
  for (std::string_view t : kTypes) {
    if (t == name) return true;
  }
  return false;
}

MatchResult match(const JsonValue& matcher, const JsonValue& actual) {
  return match_at(matcher, actual, "");
}

Expected<void, std::string> validate_matcher(const JsonValue& matcher) {
  return validate_at(matcher, "");
}

}  // namespace unm::conformance
