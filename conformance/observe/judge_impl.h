// judge_impl.h — internals of Judge shared by judge.cc (sessions, pairing, state),
// client_checks.cc (requests) and server_checks.cc (acks, results, notifications, objects).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "conformance/observe/judge.h"
#include "reference/protocol/events.h"

namespace unm::conformance::observe {

using Clock = std::chrono::system_clock;

// UserKeys is what the wire told about one user's published keys.
struct UserKeys {
  std::string public_key;
  std::string spk;
  std::string sig;
};

// Request is one client request waiting for its ack.
struct Request {
  std::string event;
  std::optional<protocol::Event> known;
  rapidjson::Document payload;  // Null when the request had no (object) argument
  FrameRecord frame;
  std::string user;                  // caller at the time of the request ("" before login)
  std::vector<std::string> refused;  // clauses the request broke that the server must refuse
};

// CreatedDm is a successful create_dm seen on the wire: what each x3dh_notification must carry
// (EV-DM-011).
struct CreatedDm {
  std::string creator;
  std::vector<std::string> targets;
  std::vector<std::string> spks, eks;
  std::string key_tree_json;
};

// Connection is one Engine.IO session (one Socket.IO connection on "/").
struct Connection {
  enum class State { connected, challenged, logged_in };
  std::uint64_t number = 0;
  State state = State::connected;
  std::string user;             // LOGGED_IN user
  std::string challenged_user;  // CHALLENGED user
  std::map<std::uint64_t, Request> outstanding;
  bool closed = false;
};

// Origin of an IV: who used it first, where, over which ciphertext (hash of the whole text: the
// same ciphertext sent again is a retry, not a second encryption).
struct IvOrigin {
  std::size_t ciphertext_hash = 0;
  std::string sender;
  std::string session;
  FrameRecord frame;
};

// PendingSignature waits for the signer's public key to appear on the wire.
struct PendingSignature {
  Side side = Side::client;
  std::string clause;
  std::string what;  // "send_message.signature"
  std::string msg_hex;
  std::string sig_hex;
  std::string session;
  std::string user;
  Clock::time_point at;
  FrameRecord frame;
};

// Scope collects the checks of one packet: every expect() counts a check of a clause for a side
// and makes a finding when it does not hold.
class Scope {
 public:
  Scope(Judge::Impl& judge, Side side, const Connection& conn, Clock::time_point at,
        std::vector<FrameRecord> frames);
  // expect records a check; returns `ok`.
  bool expect(bool ok, std::string_view clause, std::string_view message,
              Severity severity = Severity::fail);
  Side side() const { return side_; }
  Clock::time_point at() const { return at_; }
  const std::vector<FrameRecord>& frames() const { return frames_; }
  const std::string& session() const { return session_; }
  const std::string& user() const { return user_; }
  // violated lists the clauses that failed (severity fail) in this scope.
  const std::vector<std::string>& violated() const { return violated_; }

 private:
  Judge::Impl& judge_;
  Side side_;
  std::string session_;
  std::string user_;
  Clock::time_point at_;
  std::vector<FrameRecord> frames_;
  std::vector<std::string> violated_;
};

class Judge::Impl {
 public:
  // --- judge.cc ---
  void add_finding(Finding f);
  void count(Side side, std::string_view clause, std::optional<Severity> failed);
  Connection& conn(std::uint64_t n);
  static std::string session_name(std::uint64_t n);
  static std::string user_of(const Connection& c);
  void learn_user(const rapidjson::Value& user_object);
  void learn_keys(const std::string& username, const UserKeys& keys);
  void learn_message(const rapidjson::Value& message_object);
  // check_signature verifies `sig_hex` over Bytes(msg_hex) under `signer`'s identity key, now
  // when the key is known, or later when it appears (PendingSignature).
  void check_signature(Scope& s, const std::string& signer, std::string_view clause,
                       std::string what, const std::string& msg_hex, const std::string& sig_hex);
  // record_iv remembers the IV (first 12 bytes) of an AEAD ciphertext under `key_scope` and
  // reports its use for another ciphertext (CR-AEAD-003).
  void record_iv(Scope& s, const std::string& key_scope, const std::string& sender,
                 const std::string& ciphertext_hex, std::string_view what);

  // --- client_checks.cc ---
  // check_request judges a client EVENT on "/" and returns the Request to pair with its ack.
  Request check_request(Connection& c, Clock::time_point at, const transport::sio::Incoming& in,
                        const FrameRecord& frame);

  // --- server_checks.cc ---
  void check_ack(Connection& c, Clock::time_point at, const transport::sio::Incoming& in,
                 const FrameRecord& frame);
  void check_notification(Connection& c, Clock::time_point at, const transport::sio::Incoming& in,
                          const FrameRecord& frame);

  // State shared by every session.
  std::map<std::uint64_t, Connection> conns;
  std::map<std::string, UserKeys> users;
  std::map<std::int64_t, std::vector<std::string>> dm_members;
  std::map<std::int64_t, CreatedDm> created_dms;
  std::map<std::int64_t, std::int64_t> message_dm;                    // message id → DM id
  std::map<std::string, std::map<std::string, IvOrigin>> ivs;         // key scope → IV → origin
  std::map<std::string, std::vector<PendingSignature>> pending_sigs;  // signer → checks
  // verified_sigs holds hashes of signer|msg|sig already verified (a message is relayed to every
  // member and again in history pages); hashes keep a long observation's memory small.
  std::set<std::size_t> verified_sigs;
  std::vector<Finding> findings;
  Stats stats;
  FindingHook hook;
  std::uint64_t next_session = 1;
};

// --- value forms shared by both sides (server_checks.cc) ---
bool is_lower_hex_text(const rapidjson::Value& v, std::size_t min, std::size_t max);
bool is_key_text(const rapidjson::Value& v);
bool is_sig_text(const rapidjson::Value& v);
bool is_timestamp(const rapidjson::Value& v);
bool is_id(const rapidjson::Value& v);
std::string str(const rapidjson::Value& v);  // the string value, "" when not a string
// key_point_valid reports whether a 64-hex key decodes to a prime-order point (CR-KEY-004).
bool key_point_valid(const std::string& key_hex);

}  // namespace unm::conformance::observe
