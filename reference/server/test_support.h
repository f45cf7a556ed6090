// test_support.h — a chat server driven in-process for tests: fake clock, recording outbox,
// SQLite store (in memory or a file), and users with real keys so that every signature and
// challenge is checked for real.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"
#include "reference/protocol/reasons.h"
#include "reference/server/chat_server.h"
#include "reference/server/sqlite_store.h"

namespace unm::server::testing {

// Sent is one packet the server produced, in order.
struct Sent {
  ConnId conn = 0;
  bool is_ack = false;
  std::string name;  // notification name (empty for acks)
  std::string json;  // the ack's result object or the notification's payload
};

// RecordingOutbox keeps every packet in order.
class RecordingOutbox final : public Outbox {
 public:
  void ack(ConnId conn, std::uint64_t, const std::string& result_json) override {
    log.push_back(Sent{conn, true, "", result_json});
  }
  void emit(ConnId conn, std::string_view name, const std::string& payload_json) override {
    log.push_back(Sent{conn, false, std::string(name), payload_json});
  }
  std::vector<Sent> log;
};

// TestUser holds a user's keys (identity and signed prekey) and its wire forms.
struct TestUser {
  std::string name;
  crypto::PrivateKey ik;
  crypto::PrivateKey spk;
  std::string pub;      // public_key hex
  std::string spk_pub;  // spk hex
  std::string sig;      // sig of spk under ik, hex
};

// Result is a parsed result object.
struct Result {
  bool success = false;
  rapidjson::Document result;
  std::string raw;  // the whole result object's JSON
};

// kStart is the fake clock's start: 2026-01-01T00:00:00Z in µs.
inline constexpr Micros kStart = 1'767'225'600'000'000;
inline constexpr Micros kSec = 1'000'000;

// Harness — one server plus helpers. `db_path` empty means a private in-memory database.
class Harness {
 public:
  explicit Harness(std::string db_path = "", ServerOptions opts = default_options());
  static ServerOptions default_options() {
    ServerOptions o;
    o.x3dh_delay = 0;
    return o;
  }

  ConnId connect();
  void disconnect(ConnId c) { server->on_disconnect(c); }

  // call sends `event` with one argument `payload_json` and returns the ack's result.
  Result call(ConnId c, std::string_view event, std::string_view payload_json);
  // call_args sends `event` with the JSON array `args_json` as its argument list.
  Result call_args(ConnId c, std::string_view event, std::string_view args_json,
                   bool binary = false);

  TestUser make_user(std::string name);
  // register_user registers `u` on a fresh connection (closed afterwards).
  void register_user(const TestUser& u);
  // login opens a connection and logs `u` in.
  ConnId login(const TestUser& u);
  // signed_up registers and logs in a new user.
  ConnId signed_up(TestUser& out, std::string name);

  std::string sign(const TestUser& u, std::string_view hex);
  // random_key returns the hex of a fresh valid public key (for ek / key_tree entries).
  std::string random_key();
  // befriend makes a and b friends through the events (request + accept).
  void befriend(ConnId ca, const TestUser& a, ConnId cb, const TestUser& b);
  // create_dm creates a DM from `creator` to `targets` and returns its id.
  std::int64_t create_dm(ConnId c, const std::vector<const TestUser*>& targets);
  // send creates a message with the given plaintext-free ciphertext hex.
  Result send(ConnId c, const TestUser& u, std::int64_t dm, std::string_view hex,
              std::int64_t schedule = 0, std::int64_t del = 0);

  // notes returns the notifications received on `c` since the last drain, and forgets them.
  std::vector<Sent> drain(ConnId c);
  // drain_all forgets everything recorded so far.
  void drain_all() { out.log.clear(); }
  // names returns the notification names of `v`.
  static std::vector<std::string> names(const std::vector<Sent>& v);

  FakeClock clock{kStart};
  RecordingOutbox out;
  std::unique_ptr<SqliteStore> store;
  crypto::DeterministicRandom rng{42};
  std::unique_ptr<ChatServer> server;

 private:
  ConnId next_conn_ = 1;
  std::uint64_t next_ack_ = 1;
};

// expect_fail checks a failure of class `r` (texts are not normative, EV-TRN-009; this compares
// the reference text prefix, or `text` for R-RELATION / R-STATE).
void expect_fail(const Result& res, protocol::Reason r, std::string_view text = {});
// expect_ok checks success and returns the result JSON text.
std::string expect_ok(const Result& res);
// json_text serializes a DOM value.
std::string json_text(const rapidjson::Value& v);
// parse parses JSON text (asserting it is valid).
rapidjson::Document parse(std::string_view text);

}  // namespace unm::server::testing
