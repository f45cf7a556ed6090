// clauses.cc — see clauses.h.
#include "conformance/src/clauses.h"

#include <regex>
#include <set>
#include <sstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::conformance {

std::string_view level_name(Level l) {
  switch (l) {
    case Level::must:
      return "MUST";
    case Level::should:
      return "SHOULD";
    case Level::may:
      return "MAY";
    case Level::info:
      return "info";
  }
  return "?";
}

namespace {

// kClientOnlyCrypto lists crypto.md clauses that only a client can be seen doing (key derivation,
// X3DH and tree maths, AEAD, storage encryption): a server cannot be tested on them. The others
// (key validation, signature checks, the challenge) are server-side.
const std::set<std::string, std::less<>> kClientOnlyCrypto = {
    "CR-KEY-001",  "CR-KEY-002",  "CR-KEY-003",  "CR-SIG-001",  "CR-CHAL-002", "CR-DH-001",
    "CR-DH-002",   "CR-KDF-001",  "CR-X3DH-001", "CR-X3DH-002", "CR-X3DH-003", "CR-X3DH-004",
    "CR-TREE-001", "CR-TREE-002", "CR-TREE-003", "CR-TREE-004", "CR-TREE-005", "CR-TREE-006",
    "CR-TREE-007", "CR-AEAD-001", "CR-AEAD-002", "CR-AEAD-003", "CR-STORE-001"};

// kClientOnlyEvents lists events.md clauses that state client duties only (what a client does with
// what it receives), which no server test can observe.
const std::set<std::string, std::less<>> kClientOnlyEvents = {"EV-MSG-029", "EV-DM-030"};

void finish(Clause& c, const std::string& body) {
  static const std::regex must_re(R"(\bMUST\b)");
  static const std::regex should_re(R"(\bSHOULD\b)");
  static const std::regex may_re(R"(\bMAY\b)");
  if (std::regex_search(body, must_re)) {
    c.level = Level::must;
  } else if (std::regex_search(body, should_re)) {
    c.level = Level::should;
  } else if (std::regex_search(body, may_re)) {
    c.level = Level::may;
  } else {
    c.level = Level::info;
  }
  c.open = body.find("Open") != std::string::npos;
  c.retired = body.rfind("Retired", 0) == 0;
  if (c.id.rfind("CR-", 0) == 0) c.server_side = !kClientOnlyCrypto.count(c.id);
  if (kClientOnlyEvents.count(c.id)) c.server_side = false;
}

}  // namespace

std::vector<Clause> parse_clauses(std::string_view md) {
  static const std::regex head_re(R"(^- ((?:EV|CR)-[A-Z0-9]+-\d{3}) ?(.*)$)");
  std::vector<Clause> out;
  std::string body;
  bool in_clause = false;
  std::istringstream in{std::string(md)};
  std::string line;
  auto flush = [&] {
    if (in_clause) finish(out.back(), body);
    in_clause = false;
    body.clear();
  };
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, head_re)) {
      flush();
      Clause c;
      c.id = m[1];
      c.text = m[2];
      out.push_back(c);
      body = m[2];
      in_clause = true;
    } else if (in_clause && line.rfind("  ", 0) == 0) {
      // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" +
      // std::string`.
      body += ' ';
      body += line.substr(2);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

Expected<std::vector<Clause>, std::string> load_clause_catalogue(const std::string& spec_dir) {
  std::vector<Clause> all;
  for (const char* f : {"events.md", "crypto.md"}) {
    auto text = read_file(spec_dir + "/" + f);
    if (!text) return Unexpected{text.error()};
    auto part = parse_clauses(*text);
    all.insert(all.end(), part.begin(), part.end());
  }
  if (all.empty()) return Unexpected{"no clauses found in " + spec_dir};
  return all;
}

Coverage compute_coverage(const std::vector<Clause>& catalogue,
                          const std::vector<Scenario>& scenarios) {
  Coverage cov;
  std::map<std::string, std::size_t, std::less<>> index;
  for (const Clause& c : catalogue) {
    index[c.id] = cov.rows.size();
    cov.rows.push_back({c, {}});
  }
  std::set<std::string> unknown;
  for (const Scenario& s : scenarios) {
    for (const std::string& id : s.clauses) {
      auto it = index.find(id);
      if (it == index.end()) {
        if (id.rfind("TR-", 0) != 0) unknown.insert(id);  // TR- clauses live in transport.md
        continue;
      }
      cov.rows[it->second].cases.push_back(s.id);
    }
  }
  cov.unknown.assign(unknown.begin(), unknown.end());
  for (const CoverageRow& r : cov.rows) {
    if (r.clause.retired || !r.clause.server_side) continue;
    if (r.clause.level == Level::must) {
      ++cov.must_total;
      if (!r.cases.empty()) ++cov.must_covered;
    } else if (r.clause.level == Level::should) {
      ++cov.should_total;
      if (!r.cases.empty()) ++cov.should_covered;
    }
  }
  return cov;
}

namespace {
std::string pct(std::size_t a, std::size_t b) {
  if (b == 0) return "100.0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * static_cast<double>(a) / static_cast<double>(b));
  return buf;
}
}  // namespace

std::string coverage_text(const Coverage& c) {
  std::ostringstream o;
  o << "Clause coverage (server-testable clauses)\n";
  o << "  MUST:   " << c.must_covered << "/" << c.must_total << " ("
    << pct(c.must_covered, c.must_total) << " %)\n";
  o << "  SHOULD: " << c.should_covered << "/" << c.should_total << " ("
    << pct(c.should_covered, c.should_total) << " %)\n\n";
  for (const CoverageRow& r : c.rows) {
    o << (r.cases.empty() ? "  - " : "  + ") << r.clause.id << " [" << level_name(r.clause.level)
      << (r.clause.open ? ", Open" : "") << (r.clause.server_side ? "" : ", client-only") << "] ";
    if (r.cases.empty()) {
      o << "(no case)";
    } else {
      for (std::size_t i = 0; i < r.cases.size(); ++i) o << (i ? ", " : "") << r.cases[i];
    }
    o << "\n";
  }
  o << "\nMUST clauses that no case checks:";
  bool any = false;
  for (const CoverageRow& r : c.rows) {
    if (r.clause.level == Level::must && r.clause.server_side && !r.clause.retired &&
        r.cases.empty()) {
      o << " " << r.clause.id;
      any = true;
    }
  }
  o << (any ? "\n" : " none\n");
  if (!c.unknown.empty()) {
    o << "Cited clause ids not in the catalogue:";
    for (const auto& u : c.unknown) o << " " << u;
    o << "\n";
  }
  return o.str();
}

std::string coverage_json(const Coverage& c) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("must_total");
  w.Uint64(c.must_total);
  w.Key("must_covered");
  w.Uint64(c.must_covered);
  w.Key("should_total");
  w.Uint64(c.should_total);
  w.Key("should_covered");
  w.Uint64(c.should_covered);
  w.Key("clauses");
  w.StartArray();
  for (const CoverageRow& r : c.rows) {
    w.StartObject();
    w.Key("id");
    w.String(r.clause.id);
    w.Key("level");
    w.String(std::string(level_name(r.clause.level)));
    w.Key("open");
    w.Bool(r.clause.open);
    w.Key("server_side");
    w.Bool(r.clause.server_side);
    w.Key("cases");
    w.StartArray();
    for (const auto& id : r.cases) w.String(id);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("unknown");
  w.StartArray();
  for (const auto& u : c.unknown) w.String(u);
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace unm::conformance
