// peer.h — `unmanageable-conformance peer`: a harness-run user that a client under test talks
// to (docs/observe.md, "peer"). It is a correct, strict member of the protocol built on the
// reference client library: it accepts friend requests, joins every DM it is invited to through
// X3DH and the key tree, verifies and decrypts every message and reaction, answers each message
// with an encrypted echo, and records as a Finding everything it received that a correct client
// would not have sent (the clause, the DM, the message).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/observe/finding.h"
#include "reference/client/session.h"

namespace unm::conformance::peer {

// PeerCounts are what the peer did, for the live progress line and the summary.
struct PeerCounts {
  std::size_t friends_accepted = 0;
  std::size_t dms_joined = 0;
  std::size_t dms_refused = 0;
  std::size_t messages = 0;      // distinct message ids received from others
  std::size_t messages_ok = 0;   // of which verified and decrypted
  std::size_t reactions = 0;     // distinct reaction ids received from others
  std::size_t reactions_ok = 0;  // of which verified and decrypted
  std::size_t echoes = 0;        // echo messages sent
};

// join_error_clause names the clause a refused X3DH invitation broke, from the library's
// DmJoined error (reference/client/session.cc, handle_x3dh).
std::string join_error_clause(const client::Error& e);

// content_clause names the clause a received content status breaks (CR-SIG-002 for a signature
// that does not verify over the ciphertext, CR-AEAD-001 for a tag that does not match); empty
// for ok.
std::string content_clause(client::ContentStatus s);

// Peer drives one logged-in Session as the strict member (see file comment). Single-threaded:
// call step() in a loop.
class Peer {
 public:
  using FindingHook = std::function<void(const observe::Finding&)>;
  using EventHook = std::function<void(const std::string& line)>;

  // `session` must be logged in and outlive the Peer. `echo_prefix` starts every echo.
  Peer(client::Session& session, std::string echo_prefix, FindingHook on_finding,
       EventHook on_event);

  // start installs the handlers and accepts the friend requests already pending.
  void start();
  // step handles the notifications that arrive within `wait`, then performs the answers they
  // call for (accept, history after a join, echo). Returns false once the connection is gone.
  bool step(std::chrono::milliseconds wait);
  // finish records what never became readable (a DM it is a member of without a key, a message
  // of such a DM) and returns the findings.
  const std::vector<observe::Finding>& finish();

  // What a script (script.h) acts on: the first DM joined and who invited the peer to it, the
  // peer's own last message and the last message received, per DM.
  std::optional<std::int64_t> first_dm() const { return first_dm_; }
  const std::string& first_inviter() const { return first_inviter_; }
  std::optional<std::int64_t> last_own(std::int64_t dm) const;
  std::optional<std::int64_t> last_received(std::int64_t dm) const;

  const std::vector<observe::Finding>& findings() const { return findings_; }
  const observe::Stats& stats() const { return stats_; }
  const PeerCounts& counts() const { return counts_; }

 private:
  void check_message(const client::ReadMessage& m, bool is_new);
  void check_reaction(const client::ReadReaction& r, const client::ReadMessage& m);
  void add_finding(observe::Side side, observe::Severity sev, const std::string& clause,
                   const std::string& message, const std::string& frame);
  void checked(observe::Side side, const std::string& clause);
  void event(const std::string& line);

  client::Session* s_;
  std::string echo_prefix_;
  FindingHook on_finding_;
  EventHook on_event_;
  std::vector<observe::Finding> findings_;
  observe::Stats stats_;
  PeerCounts counts_;
  // Work found by handlers, done after process_notifications returns (the handlers run inside
  // it, and calls made there would interleave with the queue being handled).
  std::vector<std::string> to_accept_;
  std::vector<std::int64_t> joined_to_read_;
  struct Echo {
    std::int64_t dm_id;
    std::string text;
  };
  std::vector<Echo> to_echo_;
  std::map<std::int64_t, std::string> seen_messages_;       // id → ciphertext last checked
  std::set<std::int64_t> seen_reactions_;                   // ids checked
  std::map<std::int64_t, client::ReadMessage> unreadable_;  // unknown_dm, awaiting the key
  std::set<std::int64_t> member_of_;                        // DMs announced with us in them
  std::optional<std::int64_t> first_dm_;
  std::string first_inviter_;
  std::map<std::int64_t, std::int64_t> last_own_;       // DM → the peer's last message
  std::map<std::int64_t, std::int64_t> last_received_;  // DM → last message from others
};

}  // namespace unm::conformance::peer
