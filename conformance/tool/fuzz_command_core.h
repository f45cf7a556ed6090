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

#include "reference/common/command_line.h"
#include "reference/common/expected.h"

namespace unm::conformance::tool::livefuzz {

// Options of the fuzz command.
struct Options {
  std::string target;                     // server URL (http://, ws://, ...)
  std::chrono::seconds duration{60};      // how long to fuzz
  std::uint64_t seed = 1;                 // all choices and keys derive from it
  std::string out_dir = "fuzz-findings";  // where finding scenario files go
  std::chrono::milliseconds call_timeout{5'000};
  // probe_after: how long to wait for an ack before asking the same connection the alive probe;
  // an answered probe with the ack still missing is a no-ack finding (no waiting out
  // call_timeout).
  std::chrono::milliseconds probe_after{400};
  int sessions = 1;                          // parallel fuzzing sessions (threads)
  std::string expectations;                  // expectations file: known findings
  std::chrono::seconds minimize_budget{30};  // time for minimising the new findings
  std::string summary;                       // JSON summary (default <out>/summary.json)
  bool insecure = false;                     // skip TLS certificate checks (test servers)
  bool help = false;
  bool version = false;
};

// kFuzzProgram names the command in its help, version and usage-error lines.
inline constexpr const char* kFuzzProgram = "unmanageable-conformance fuzz";

// parse_duration reads "90", "90s", "5m" or "1h" (at most 24 h).
Expected<std::chrono::seconds, std::string> parse_duration(std::string_view text);

// make_parser declares the fuzz command's options (the project's one parser, command_line.h),
// storing into `o`.
cli::Parser make_parser(Options& o);

// parse_options parses the fuzz command's flags; an error is the reason of a usage error (exit 2),
// printed with cli::usage_line.
Expected<Options, std::string> parse_options(std::span<const std::string> args);

// help_text is printed by `fuzz --help` (the parser's help).
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
  // mutation_class is the kind of mutation without the field ("drop-key", "wrong-type", ...):
  // part of a finding's signature (mutation_classes lists them).
  std::string mutation_class = "none";
  // mutated_key is the payload key the mutation is about; minimisation never touches it, so a
  // smaller reproducer stays invalid in the same way. Empty when the mutation is the shape.
  std::string mutated_key;
};

// mutation_classes lists every mutation class mutate() produces, for the coverage matrix.
const std::vector<std::string>& mutation_classes();

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
  // code names the problem for signatures: "malformed-ack", "failure-without-reason",
  // "accepted-invalid"; empty when acceptable.
  std::string code;
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
  bool disconnect = false;        // the action was: send the request, then drop the connection
  Context ctx;                    // the session's names and keys (replaced by variables)
};

// reproducer_size is the size of what a finding sends (its request or raw packet): the smallest
// occurrence of a signature is the one with the least.
std::size_t reproducer_size(const Finding& f);

// finding_scenario returns a scenario file (one scenario, id `id`) that replays `f`: a logged-in
// actor (and the peer its payload names, registered) sends the request (or raw packet) with its
// required outcome, then the alive probe. The session's names and the peer's key in the payload
// become ${fuzzer}, ${peer} and ${peer.public_key}, so `run --scenarios` replays it against any
// server. The text loads with conformance::parse_scenarios.
std::string finding_scenario(const Finding& f, const std::string& id);

}  // namespace unm::conformance::tool::livefuzz
