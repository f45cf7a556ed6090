// script.h — `peer --script FILE`: hostile and unusual inputs the peer sends to the client under
// test once it has joined a DM with it (docs/observe.md, "peer"). A robust client must survive
// each of them and show or refuse it correctly; the peer records what it sent and what the
// server answered, and the client's reaction as far as the wire shows it.
//
// FILE is JSON: {"steps": [STEP, …]}, each STEP one of
//   {"send": TEXT}                             a correct message
//   {"send": TEXT, "tamper": "tag"}            the AES-GCM tag flipped, signed correctly over
//                                              the tampered ciphertext (must not be shown:
//                                              CR-AEAD-001)
//   {"send": TEXT, "tamper": "signature"}      correct ciphertext, signed by another key
//                                              (must not be shown: CR-SIG-002)
//   {"send": TEXT, "schedule": S}              scheduled S seconds ahead (EV-MSG-006)
//   {"send": TEXT, "delete": S}                self-destructing after S seconds (EV-MSG-011)
//   {"edit": TEXT}                             the peer's last correct message, re-encrypted
//                                              (EV-MSG-021)
//   {"react": TEXT}                            a reaction on the client's last message; the
//                                              server then re-sends that message with a known
//                                              id (EV-RCT-004 → EV-MSG-029)
//   {"create_dm": [NAME, …], "switch": BOOL}   a new DM; "$self" is the peer, "$client" the
//                                              user who invited it; with switch the later steps
//                                              go to that DM
//   {"wait": SECONDS}                          pause (notifications are handled meanwhile)
// Every step may carry "note": TEXT, copied to the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/peer/peer.h"
#include "reference/client/profile.h"
#include "reference/common/expected.h"
#include "reference/crypto/random.h"

namespace unm::conformance::peer {

// ScriptStep is one parsed step (see file comment).
struct ScriptStep {
  enum class Kind { send, edit, react, create_dm, wait };
  Kind kind = Kind::send;
  std::string text;
  std::string tamper;  // "", "tag", "signature"
  std::int64_t schedule = 0;
  std::int64_t delete_after = 0;
  std::vector<std::string> users;
  bool switch_to = false;
  double wait_seconds = 0;
  std::string note;
};

// parse_script reads the script's JSON text; the error names the step and the problem.
Expected<std::vector<ScriptStep>, std::string> parse_script(std::string_view json);

// StepOutcome is what became of one step.
struct StepOutcome {
  std::size_t index = 0;
  std::string step;     // "send (tamper tag) \"…\"", …
  std::string clause;   // what a client must do with it
  std::string outcome;  // "sent to DM 3", "refused by the server: …", "skipped: …"
  bool done = false;    // the server accepted it
  std::string note;
};

// ScriptRunner performs the steps one by one, once the peer has joined its first DM.
class ScriptRunner {
 public:
  ScriptRunner(std::vector<ScriptStep> steps, client::Session& session,
               const client::Identity& identity, Peer& member, crypto::Random& rng);
  // tick performs the next step when it is due; returns the outcome of a step performed.
  std::optional<StepOutcome> tick();
  bool finished() const { return next_ >= steps_.size(); }
  const std::vector<StepOutcome>& outcomes() const { return outcomes_; }

 private:
  StepOutcome perform(const ScriptStep& st);
  StepOutcome send_raw(const ScriptStep& st, std::int64_t dm);
  StepOutcome create_dm_with_self(const std::vector<std::string>& users, StepOutcome o);

  std::vector<ScriptStep> steps_;
  client::Session* s_;
  const client::Identity* id_;
  Peer* member_;
  crypto::Random* rng_;
  std::size_t next_ = 0;
  std::optional<std::int64_t> dm_;
  std::chrono::steady_clock::time_point due_{};
  std::vector<StepOutcome> outcomes_;
};

// script_json renders the outcomes as a JSON array (for the report).
std::string script_json(const std::vector<StepOutcome>& outcomes);

}  // namespace unm::conformance::peer
