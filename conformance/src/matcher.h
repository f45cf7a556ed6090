// matcher.h — matching observed JSON (acks, notification payloads) against scenario matchers.
//
// A matcher is JSON. A literal scalar matches an equal value of the same JSON type; a literal
// array matches element by element; a literal object matches an object with exactly the same key
// set. An object whose keys start with `$` is an operator (several operators in one object must
// all hold): $any, $type, $eq, $contains, $not_contains, $len, $regex, $set, $superset, $has,
// $lacks, $keys, $all, $anyof, $not, $gt, $gte, $lt, $lte, $capture, $decided. docs/conformance.md
// describes each. Lists returned by events are sets (events.md §0): scenarios compare them with
// $set.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "conformance/src/json.h"
#include "conformance/src/vars.h"

namespace unm::conformance {

// MatchResult says whether a value matched; on a mismatch, where (a JSON pointer), why, and
// whether the failing check was wrapped in $decided (a reference choice, not a document rule).
struct MatchResult {
  bool ok = true;
  bool decided = false;
  std::string path;
  std::string message;
  // captures holds ($capture name, compact JSON value) pairs, applied only when the whole match
  // succeeds.
  std::vector<std::pair<std::string, std::string>> captures;
};

// match checks `actual` against `matcher` (already substituted, see substitute()).
MatchResult match(const JsonValue& matcher, const JsonValue& actual);

// is_known_type reports whether `name` is a $type name the matcher understands.
bool is_known_type(std::string_view name);

// validate_matcher reports the first malformed operator in `matcher` (unknown $-key, wrong
// operand type), so scenario files fail at load time rather than mid-run.
Expected<void, std::string> validate_matcher(const JsonValue& matcher);

}  // namespace unm::conformance
