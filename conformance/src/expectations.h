// expectations.h — per-implementation expectations files: which cases are known to fail (with a
// reason) or to be skipped, as globs over case ids.
//
//   {"implementation": "deployed", "description": "...",
//    "cases": {"frd.unblock.*": {"outcome": "fail", "reason": "events.md §12 #1 ..."},
//              "call.*": {"outcome": "skip", "reason": "..."}}}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conformance/src/outcome.h"

namespace unm::conformance {

class Expectations;
// parse_expectations reads an expectations file's text; errors name the offending entry.
Expected<Expectations, std::string> parse_expectations(std::string_view text);

// Expectations — a parsed expectations file.
class Expectations {
 public:
  // find returns the entry for `case_id`; an exact id wins over globs, then the longest glob.
  std::optional<Expectation> find(std::string_view case_id) const;
  const std::string& implementation() const { return implementation_; }
  std::size_t size() const { return entries_.size(); }

 private:
  friend Expected<Expectations, std::string> parse_expectations(std::string_view text);
  std::string implementation_;
  std::vector<Expectation> entries_;
};

// glob_match matches `text` against `pattern` with `*` (any run) and `?` (one character).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace unm::conformance
