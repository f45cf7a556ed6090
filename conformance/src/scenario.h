// scenario.h — the scenario model and its JSON loader (format: docs/conformance.md).
//
// A scenario file holds one scenario object, or {"scenarios": [...]} with several. Each scenario
// names the clauses it checks, its basis (`document` or `decided`), its tags, actors and steps.
// A scenario with `foreach_vector` expands, at run time, into one case per matching test of a
// vector file (vectors.md), so new vectors need no code.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "conformance/src/json.h"

namespace unm::conformance {

// Basis says why a case is required: `document` — the protocol document requires it; `decided` —
// an Open point of events.md or robustness the document is silent on (failures are non-strict).
enum class Basis { document, decided };
std::string_view basis_name(Basis b);

// StepKind is what a step does.
enum class StepKind {
  send,        // emit an event (with ack unless no_ack) and match the ack
  await,       // wait for a notification that matches, within a deadline
  none,        // assert that no matching notification arrives within a window
  raw,         // send a raw Socket.IO packet (malformed-frame cases)
  sleep,       // wait
  do_,         // protocol-aware step with client crypto (register, login, create_dm, ...)
  compute,     // client-side computation into a variable (sign, challenge_response, ...)
  set,         // set variables from templates
  connect,     // (re)open the actor's connection
  disconnect,  // close the actor's connection
  order,       // assert the arrival order of labelled notifications
  clear,       // drop an actor's unconsumed notifications
  require,     // skip the case unless a value matches (e.g. a vector that does not apply)
  check,       // fail unless a value (usually captured variables) matches
};
std::string_view step_kind_name(StepKind k);

// Step is one step; `body` points into the owning scenario's JSON document, where the engine reads
// the kind-specific fields (validated by the loader).
struct Step {
  StepKind kind = StepKind::send;
  std::string actor;  // empty for sleep, set, order
  std::string name;   // event, notification, do/compute operation
  Basis basis = Basis::document;
  bool basis_explicit = false;  // the step itself says "basis" (wins over the clause catalogue)
  // Step-level evidence: the clauses and events.md §12 rows this step checks. Empty: the case's.
  std::vector<std::string> clauses;
  std::vector<int> deviations;
  // hard: a failure stops the case (later steps depend on it). Soft steps (no capture, label or
  // `into`; kinds send/await/none/order/check) let the case go on and collect every violation.
  bool hard = true;
  const JsonValue* body = nullptr;
  std::size_t index = 0;  // 0-based position in the scenario
};

// Actor is one connection of the case; several actors may share a user identity (`as`).
struct Actor {
  std::string name;
  std::string user;     // identity name (== name unless "as" is given)
  bool connect = true;  // connect before the first step
  // state before the first step: "new" (nothing), "registered", "logged_in" (default)
  std::string state = "logged_in";
  std::string transport;  // "", "polling" (never upgrade) or "websocket" (WebSocket only)
  std::string nsp = "/";  // Socket.IO namespace to connect to
  std::string auth_json;  // CONNECT auth object (compact JSON), empty for none
};

// VectorSelector picks vector tests for a data-driven scenario.
struct VectorSelector {
  std::string family;                // vectors/data/<family>.json
  const JsonValue* where = nullptr;  // matcher every selected test must satisfy (may be null)
};

// Scenario — one scenario (see file comment).
struct Scenario {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> clauses;
  std::vector<std::string> tags;
  std::vector<std::string> requires_features;  // skipped when the target lacks one
  std::vector<int> deviations;                 // events.md §12 rows this case touches
  Basis basis = Basis::document;
  std::vector<Actor> actors;
  std::vector<std::pair<std::string, std::string>> friends;  // befriended during setup
  std::vector<Step> steps;
  bool has_vectors = false;
  VectorSelector vectors;
  std::string file;
  std::shared_ptr<JsonDoc> source;  // owns every JsonValue the steps point to
};

// LoadError names a file and what is wrong in it.
struct LoadError {
  std::string file;
  std::string message;
};

// parse_scenarios parses the text of one scenario file (named `file` in errors).
Expected<std::vector<Scenario>, LoadError> parse_scenarios(std::string_view text,
                                                           const std::string& file);

// load_scenario_dir loads every *.json file of `dir` (sorted by name); all errors are returned
// together, so a scenario author sees every problem at once. Duplicate ids are errors.
Expected<std::vector<Scenario>, std::vector<LoadError>> load_scenario_dir(const std::string& dir);

// read_file reads a whole file.
Expected<std::string, std::string> read_file(const std::string& path);

}  // namespace unm::conformance
