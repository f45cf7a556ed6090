// expectations.cc — see expectations.h.
#include "conformance/src/expectations.h"

namespace unm::conformance {

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point: linear-ish, no recursion on hostile patterns.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Expected<Expectations, std::string> parse_expectations(std::string_view text) {
  auto doc = parse_json(text);
  if (!doc) return Unexpected{"invalid JSON: " + doc.error()};
  if (!doc->IsObject()) return Unexpected{std::string("an expectations file is a JSON object")};
  Expectations out;
  out.implementation_ = json_string_or(*doc, "implementation", "");
  if (out.implementation_.empty()) return Unexpected{std::string("\"implementation\" is required")};
  const JsonValue* cases = json_member(*doc, "cases");
  if (cases == nullptr || !cases->IsObject()) {
    return Unexpected{std::string("\"cases\" must be an object of case-id globs")};
  }
  for (auto it = cases->MemberBegin(); it != cases->MemberEnd(); ++it) {
    std::string pattern(it->name.GetString(), it->name.GetStringLength());
    const JsonValue& e = it->value;
    if (!e.IsObject()) return Unexpected{pattern + ": entry must be an object"};
    Expectation x;
    x.pattern = pattern;
    std::string outcome = json_string_or(e, "outcome", "");
    if (outcome == "fail") {
      x.kind = Expectation::Kind::fail;
    } else if (outcome == "skip") {
      x.kind = Expectation::Kind::skip;
    } else {
      return Unexpected{pattern + ": outcome must be \"fail\" or \"skip\""};
    }
    x.reason = json_string_or(e, "reason", "");
    if (x.reason.empty()) return Unexpected{pattern + ": a reason is required"};
    out.entries_.push_back(std::move(x));
  }
  return out;
}

std::optional<Expectation> Expectations::find(std::string_view case_id) const {
  const Expectation* best = nullptr;
  for (const Expectation& e : entries_) {
    if (e.pattern == case_id) return e;
    if (!glob_match(e.pattern, case_id)) continue;
    if (best == nullptr || e.pattern.size() > best->pattern.size()) best = &e;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace unm::conformance
