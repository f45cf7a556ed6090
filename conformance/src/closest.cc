// closest.cc — see closest.h.
#include "conformance/src/closest.h"

#include "conformance/src/matcher.h"

namespace unm::conformance {

namespace {

// object_shape returns the key → matcher object a matcher constrains, and whether extra keys
// count against it (literal objects: exact key set; $has: at least these keys).
const JsonValue* object_shape(const JsonValue& m, bool& exact) {
  if (!m.IsObject()) return nullptr;
  if (const JsonValue* has = json_member(m, "$has"); has != nullptr && has->IsObject()) {
    exact = false;
    return has;
  }
  for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
    if (it->name.GetStringLength() > 0 && it->name.GetString()[0] == '$') return nullptr;
  }
  exact = true;
  return &m;
}

std::string short_json(const JsonValue& v, std::size_t max = 60) {
  return one_line(to_json(v), max);
}

}  // namespace

int closeness(const JsonValue& m, const JsonValue& actual) {
  bool exact = false;
  const JsonValue* shape = object_shape(m, exact);
  if (shape == nullptr || !actual.IsObject()) return match(m, actual).ok ? 100 : 0;
  int score = 0;
  for (auto it = shape->MemberBegin(); it != shape->MemberEnd(); ++it) {
    const JsonValue* v = json_member(actual, {it->name.GetString(), it->name.GetStringLength()});
    if (v == nullptr) {
      score -= 1;
      continue;
    }
    score += 1;
    if (match(it->value, *v).ok) score += 2;
  }
  if (exact) {
    for (auto it = actual.MemberBegin(); it != actual.MemberEnd(); ++it) {
      if (json_member(*shape, {it->name.GetString(), it->name.GetStringLength()}) == nullptr) {
        score -= 1;
      }
    }
  }
  return score;
}

std::string compact_diff(const JsonValue& m, const JsonValue& actual) {
  bool exact = false;
  const JsonValue* shape = object_shape(m, exact);
  if (shape == nullptr || !actual.IsObject()) {
    MatchResult r = match(m, actual);
    if (r.ok) return "matches";
    return "want " + short_json(m) + " got " + short_json(actual) +
           (r.path.empty() || r.path == "/" ? "" : " (at " + r.path + ")");
  }
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  for (auto it = shape->MemberBegin(); it != shape->MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    const JsonValue* v = json_member(actual, key);
    if (v == nullptr) {
      add("-" + key);
    } else if (!match(it->value, *v).ok) {
      add(key + ": want " + short_json(it->value, 50) + " got " + short_json(*v, 50));
    }
  }
  if (exact) {
    for (auto it = actual.MemberBegin(); it != actual.MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      if (json_member(*shape, key) == nullptr) add("+" + key);
    }
  }
  if (out.empty()) {
    MatchResult r = match(m, actual);
    out = r.ok ? "matches" : r.path + ": " + r.message;
  }
  return out;
}

std::string one_line(std::string_view s, std::size_t max) {
  std::string o;
  o.reserve(std::min(s.size(), max + 4));
  for (char c : s) o += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (o.size() <= max) return o;
  std::size_t cut = max;
  // Do not cut inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(o[cut]) & 0xC0) == 0x80) --cut;
  return o.substr(0, cut) + "…";
}

}  // namespace unm::conformance
