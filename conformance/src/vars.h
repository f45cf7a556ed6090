// vars.h — scenario variables: named JSON values captured from acks and notifications or set by
// the engine (actor usernames and keys, vector fields), and `${name}` substitution in templates.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "conformance/src/json.h"

namespace unm::conformance {

// Vars maps variable names to JSON values (kept as compact JSON text, so copies are cheap and
// values outlive the documents they were captured from).
class Vars {
 public:
  // set stores `json_text` (a JSON text) under `name`.
  void set_json(std::string name, std::string json_text);
  // set_string stores a JSON string.
  void set_string(std::string name, std::string_view value);
  void set_int(std::string name, long long value);
  void set_value(std::string name, const JsonValue& value);
  // get returns the JSON text of `name`, if set.
  std::optional<std::string> get(std::string_view name) const;
  // get_string returns the string form of `name` (a JSON string's contents, else its JSON text).
  std::optional<std::string> get_string(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& all() const { return vars_; }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// substitute returns a copy of `tmpl` in which every string that is exactly "${name}" is replaced
// by the variable's JSON value (keeping its type, e.g. an integer id), and every "${name}" inside a
// longer string by the variable's string form. "$${" stands for a literal "${". Object keys are
// interpolated too. An unknown variable is an error naming it.
Expected<JsonDoc, std::string> substitute(const JsonValue& tmpl, const Vars& vars);

// interpolate applies the string rule of substitute to one string.
Expected<std::string, std::string> interpolate(std::string_view s, const Vars& vars);

}  // namespace unm::conformance
