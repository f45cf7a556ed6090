// clauses.h — the clause catalogue, parsed at run time from the spec files (committed copies in
// conformance/spec/, so the runner works without the shared spec folder), and clause coverage.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conformance/src/scenario.h"

namespace unm::conformance {

// Level is the strongest RFC 2119 keyword of a clause.
enum class Level { must, should, may, info };
std::string_view level_name(Level l);

// Clause is one normative statement of events.md or crypto.md.
struct Clause {
  std::string id;
  Level level = Level::info;
  bool open = false;        // marked Open: (a reference choice; failures are non-strict)
  bool server_side = true;  // crypto.md: whether a server can be observed doing it
  bool retired = false;
  std::string text;  // first line, for reports
};

// parse_clauses extracts clauses ("- EV-…" / "- CR-…" bullets with continuation lines).
std::vector<Clause> parse_clauses(std::string_view markdown);

// load_clause_catalogue reads events.md and crypto.md from `spec_dir`.
Expected<std::vector<Clause>, std::string> load_clause_catalogue(const std::string& spec_dir);

// CoverageRow is one clause with the cases that cite it.
struct CoverageRow {
  Clause clause;
  std::vector<std::string> cases;
};

// Coverage summarises which clauses the scenarios check.
struct Coverage {
  std::vector<CoverageRow> rows;     // catalogue order
  std::vector<std::string> unknown;  // clause ids cited by scenarios but not in the catalogue
  std::size_t must_total = 0, must_covered = 0;  // MUST clauses (events.md + server-side CR)
  std::size_t should_total = 0, should_covered = 0;
};

// compute_coverage maps scenario clause citations onto the catalogue.
Coverage compute_coverage(const std::vector<Clause>& catalogue,
                          const std::vector<Scenario>& scenarios);

// coverage_text renders a plain-text coverage report (every clause, its cases, the gaps).
std::string coverage_text(const Coverage& c);
// coverage_json renders the same as JSON.
std::string coverage_json(const Coverage& c);

}  // namespace unm::conformance
