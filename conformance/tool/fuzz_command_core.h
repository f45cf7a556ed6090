// fuzz_command_core.h — the network-free part of the live-server fuzzer
// (`unmanageable-conformance fuzz`, fuzz_command.cc): options, the catalogue of well-formed
// event payloads, the mutations with what the server must answer to each, the ack oracle, and
// findings written as replayable scenario files (docs/conformance.md format).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "reference/common/expected.h"

namespace unm::conformance::tool::livefuzz {

// Options of the fuzz command.
struct Options {
  std::string target;                     // server URL (http://, ws://, ...)
  std::chrono::seconds duration{60};      // how long to fuzz
  std::uint64_t seed = 1;                 // all choices and keys derive from it
  std::string out_dir = "fuzz-findings";  // where finding scenario files go
  std::chrono::milliseconds call_timeout{5'000};
  bool insecure = false;  // skip TLS certificate checks (test servers)
  bool help = false;
};

// parse_duration reads "90", "90s", "5m" or "1h" (at most 24 h).
Expected<std::chrono::seconds, std::string> parse_duration(std::string_view text);

// parse_options parses the fuzz command's flags (errors are usage errors, exit 2).
Expected<Options, std::string> parse_options(std::span<const std::string> args);

// help_text is printed by `fuzz --help`.
std::string help_text();

// Expect is what the server must answer to a request.
enum class Expect {
  any,      // a well-formed ack, success or failure
  failure,  // a well-formed ack with success false (invalid input, EV-TRN-008/011/017/020/021)
};

// Request is one event the fuzzer sends: name, argument array text, and the required answer.
struct Request {
  std::string event;
  std::string args_json;  // a JSON array text (may be deliberately odd but always JSON)
  Expect expect = Expect::any;
  std::string mutation;  // what was done to the well-formed payload ("drop key id", ...)
};

// Context gives the catalogue real values: the fuzzing user's and its peer's names.
struct Context {
  std::string self;
  std::string peer;
  std::string valid_key;  // hex of a valid public key
  std::string valid_sig;  // 128 hex characters
};

// well_formed returns one well-formed payload object (JSON text) per client→server event that
// needs a login (events.md Table 1), with the event name.
std::vector<std::pair<std::string, std::string>> well_formed(const Context& ctx);

// mutate picks a payload of the catalogue and mutates it: wrong types, missing and extra keys,
// huge values, invalid hex and points, wrong argument shapes, unknown events. Mutations that make
// the payload invalid by the spec carry Expect::failure; generic JSON mutations Expect::any.
Request mutate(const Context& ctx, std::mt19937_64& rng);

// AckVerdict is the oracle's judgement of an ack.
struct AckVerdict {
  bool well_formed = false;  // [{"success": Boolean, "result": ...}] (EV-TRN-005/006)
  bool success = false;
  std::string problem;  // empty when acceptable for the request
};

// judge_ack checks the ACK argument array text `ack_json` against `req`.
AckVerdict judge_ack(const Request& req, std::string_view ack_json);

// is_probe_ok reports whether `ack_json` is the answer to the alive probe
// username_exists{username: self}: [{"success":true,"result":true}].
bool is_probe_ok(std::string_view ack_json);

// Finding is one problem, with the steps that reproduce it.
struct Finding {
  std::string what;               // one line
  Request request;                // the offending request (empty event for a raw frame)
  std::string raw;                // the raw Socket.IO packet, when the finding came from one
  std::string got;                // what the server answered (or the failure)
  bool after_disconnect = false;  // the request followed an abrupt disconnect
};

// finding_scenario returns a scenario file (one scenario, id `id`) that replays `f`: register
// and log in a fresh user, send the request (or raw packet) with its required outcome, then the
// alive probe. The text loads with conformance::parse_scenarios.
std::string finding_scenario(const Finding& f, const std::string& id);

}  // namespace unm::conformance::tool::livefuzz
