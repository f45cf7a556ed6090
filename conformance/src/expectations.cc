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
    for (auto m = e.MemberBegin(); m != e.MemberEnd(); ++m) {
      std::string_view k(m->name.GetString(), m->name.GetStringLength());
      if (k != "outcome" && k != "reason" && k != "steps" && k != "clauses" && k != "rows") {
        return Unexpected{pattern + ": unknown key \"" + std::string(k) + "\""};
      }
    }
    // steps / clauses pin the expected failure; rows name the §12 rows that explain it.
    if (const JsonValue* st = json_member(e, "steps")) {
      if (!st->IsArray()) return Unexpected{pattern + ": steps must list step numbers (1-based)"};
      for (const auto& n : st->GetArray()) {
        if (!n.IsInt() || n.GetInt() < 1) {
          return Unexpected{pattern + ": steps must list step numbers (1-based)"};
        }
        x.steps.push_back(static_cast<std::size_t>(n.GetInt()));
      }
    }
    if (const JsonValue* cl = json_member(e, "clauses")) {
      if (!cl->IsArray()) return Unexpected{pattern + ": clauses must list clause ids"};
      for (const auto& c : cl->GetArray()) {
        if (!c.IsString()) return Unexpected{pattern + ": clauses must list clause ids"};
        x.clauses.emplace_back(c.GetString(), c.GetStringLength());
      }
    }
    if (const JsonValue* rw = json_member(e, "rows")) {
      if (!rw->IsArray()) return Unexpected{pattern + ": rows must list §12 row numbers"};
      for (const auto& n : rw->GetArray()) {
        if (!n.IsInt() || n.GetInt() < 1) {
          return Unexpected{pattern + ": rows must list §12 row numbers"};
        }
        x.rows.push_back(n.GetInt());
      }
    }
    if (x.kind == Expectation::Kind::fail && !x.steps.empty() && x.rows.empty()) {
      return Unexpected{pattern + ": a pinned failure must name its §12 rows"};
    }
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
