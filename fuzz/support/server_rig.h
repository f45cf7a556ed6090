// server_rig.h — the reference chat server core run in-process for fuzzing: private in-memory
// SQLite store, fake clock, deterministic randomness, and an outbox that checks, for every
// request, the invariants any input must keep:
//  - exactly one ack per request, to the requesting connection (EV-TRN-005), sent before any
//    notification on that connection (EV-TRN-026);
//  - the ack is {"success": Boolean, "result": ...} and a failure's result a non-empty string
//    (EV-TRN-005/006);
//  - a request that is not one object argument (or came as a BINARY_EVENT) never succeeds
//    (EV-TRN-008); an unknown event never succeeds (EV-TRN-021); an event that needs a login
//    never succeeds on a connection that is not logged in (EV-TRN-022);
//  - notifications go only to logged-in connections, and carry valid JSON;
//  - the server's online-user count equals the users of the logged-in connections the rig saw.
// Any violation aborts (a fuzz finding).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"
#include "reference/server/chat_server.h"
#include "reference/server/clock.h"
#include "reference/server/outbox.h"
#include "reference/server/sqlite_store.h"

namespace unm::fuzz {

// RigUser is a user with real keys, so signatures and challenges are checked for real.
struct RigUser {
  std::string name;
  crypto::PrivateKey ik;
  crypto::PrivateKey spk;
  std::string pub;
  std::string spk_pub;
  std::string sig;
};

// Ack is a checked ack.
struct Ack {
  bool success = false;
  std::string json;  // the whole result object
};

// CheckingOutbox records acks and notifications of the current request.
class CheckingOutbox final : public server::Outbox {
 public:
  struct Sent {
    server::ConnId conn = 0;
    bool is_ack = false;
    std::uint64_t ack_id = 0;
    std::string name;
    std::string json;
  };
  void ack(server::ConnId conn, std::uint64_t ack_id, const std::string& result_json) override {
    log.push_back(Sent{conn, true, ack_id, "", result_json});
  }
  void emit(server::ConnId conn, std::string_view name, const std::string& payload_json) override {
    log.push_back(Sent{conn, false, 0, std::string(name), payload_json});
  }
  std::vector<Sent> log;
};

// ServerRig — see file comment. Not copyable; one per fuzz input.
class ServerRig {
 public:
  // ServerRig opens the store (abort when SQLite cannot open ":memory:": an environment
  // failure, not a finding) and seeds randomness from `seed`.
  explicit ServerRig(std::uint64_t seed);
  ServerRig(const ServerRig&) = delete;
  ServerRig& operator=(const ServerRig&) = delete;

  server::ConnId connect();
  void disconnect(server::ConnId c);
  bool is_open(server::ConnId c) const { return open_.count(c) != 0; }
  std::optional<std::string> logged_in_as(server::ConnId c) const;

  // call sends `event` with the JSON argument array `args` (any JSON text; text that does not
  // parse is sent as one string argument) and returns the checked ack.
  Ack call(server::ConnId c, std::string_view event, std::string_view args, bool binary = false);
  // call1 sends one payload object text as the only argument.
  Ack call1(server::ConnId c, std::string_view event, const std::string& payload) {
    return call(c, event, "[" + payload + "]");
  }

  RigUser make_user(std::string name);
  // register_user registers `u` from connection `c` (which must not be logged in to succeed).
  Ack register_user(server::ConnId c, const RigUser& u);
  // login runs login + login_challenge_response for `u` on `c`; true when logged in.
  bool login(server::ConnId c, const RigUser& u);
  // sign signs Bytes(hex) with u's identity key (hex).
  std::string sign(const RigUser& u, std::string_view hex);
  // random_key returns the hex of a fresh valid public key.
  std::string random_key();

  // advance moves the fake clock and fires due timers, checking the notifications.
  void advance(server::Micros by);

  // check_counts compares the server's online-user and connection counts with the model.
  void check_counts() const;

  server::ChatServer& server() { return *server_; }
  crypto::Random& rng() { return rng_; }

 private:
  void check_notes(std::size_t from) const;

  crypto::DeterministicRandom rng_;
  std::unique_ptr<server::SqliteStore> store_;
  server::FakeClock clock_;
  CheckingOutbox out_;
  std::unique_ptr<server::ChatServer> server_;
  server::ConnId next_conn_ = 1;
  std::uint64_t next_ack_ = 1;
  std::set<server::ConnId> open_;
  std::map<server::ConnId, std::string> logged_in_;   // conn -> username
  std::map<server::ConnId, std::string> login_name_;  // conn -> username of the last login ack
};

}  // namespace unm::fuzz
