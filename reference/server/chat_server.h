// chat_server.h — the reference chat server core (events.md): connection sessions (§2.1),
// dispatch of every event of Table 1 to handlers grouped by area, notifications (§11) through an
// Outbox, and durable timers through the Store. No sockets and no JSON text on the input side:
// the transport adapter hands over parsed RapidJSON arguments.
//
// Threading: not thread-safe. The adapter calls every member from one thread (the transport's
// io_context), which gives the per-connection ordering of EV-TRN-023 and the commit-order
// notification delivery of EV-TRN-027 for free.
//
// Group commit: on_batch runs several queued requests inside ONE store transaction, a savepoint
// per request (a failing request rolls back alone, EV-TRN-010), commits once and only then sends
// the acks and notifications of the batch in request order (EV-TRN-026/027) — one fsync per
// batch instead of one per request, and still "acknowledged ⇒ durable". If the commit fails,
// every request of the batch answers R-INTERNAL and the in-memory effects of the batch
// (sessions, online sets, calls, X3DH delivery times) are undone from a journal.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <rapidjson/document.h>

#include "reference/common/expected.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/protocol/events.h"
#include "reference/protocol/objects.h"
#include "reference/protocol/reasons.h"
#include "reference/protocol/validate.h"
#include "reference/server/clock.h"
#include "reference/server/faults.h"
#include "reference/server/outbox.h"
#include "reference/server/signature_pool.h"
#include "reference/server/store.h"

namespace unm::server {

// ServerOptions — tunables of the core.
struct ServerOptions {
  // x3dh_delay is the grace period between a login's ack and the delivery of pending X3DH
  // objects (EV-DM-015; default 5 s, 0 allowed, at most 10 s by EV-DM-014).
  Micros x3dh_delay = 5'000'000;
  // lockout_threshold / lockout_duration: §2.6 (10 failures, 60 s).
  int lockout_threshold = 10;
  Micros lockout_duration = 60'000'000;
  // faults: bugs injected for the conformance harness's self-test (faults.h); empty = correct.
  Faults faults;
};

// ChatServer — see file comment.
class ChatServer {
 public:
  ChatServer(Store& store, Clock& clock, Outbox& outbox, crypto::Random& rng,
             ServerOptions options = {});

  // on_connect registers a new connection in state CONNECTED (EV-TRN-003).
  void on_connect(ConnId conn);
  // on_disconnect forgets `conn` and applies EV-AUTH-022 / EV-CALL-010.
  void on_disconnect(ConnId conn);
  // on_event handles one request: `args` is the array of the event's arguments (after the
  // name), `binary` says it came as a BINARY_EVENT. The ack (when `ack_id` is set) goes out
  // before any notification the request causes (EV-TRN-026). Same as a batch of one.
  void on_event(ConnId conn, std::string_view name, const rapidjson::Value& args,
                std::optional<std::uint64_t> ack_id, bool binary = false);

  // Incoming is one request waiting in the adapter's queue (the arguments of on_event).
  struct Incoming {
    ConnId conn = 0;
    std::string name;
    rapidjson::Document args;  // the array of the event's arguments
    std::optional<std::uint64_t> ack_id;
    bool binary = false;
  };
  // on_batch handles `batch` in order with group commit (see file comment). Each request sees
  // the effects of the ones before it, exactly as if they came one by one through on_event;
  // nothing is sent before the batch's commit returned. `checked` are signatures of the batch
  // already verified (signature_checks + SignaturePool); a request whose signature is listed
  // with ok = true skips its own verification, every other one verifies as usual.
  //
  // `result`, when given, tells whether check i of `checked` verified, waiting for it if it is
  // still being computed (SignaturePool::result): the batch then starts while its signatures are
  // still being verified, and each request waits only for its own. Without it, `checked[i].ok`
  // is read directly.
  using CheckResult = std::function<bool(std::size_t)>;
  void on_batch(std::span<const Incoming> batch, std::span<const SignatureCheck> checked = {},
                const CheckResult& result = {});
  // signature_checks lists the message and reaction signatures carried by the requests of
  // `batch` from connections logged in now (send_message, set_message, add_reaction), with the
  // signer's key, so that they can be verified off the I/O thread. The views point into
  // `batch`.
  std::vector<SignatureCheck> signature_checks(std::span<const Incoming> batch);

  // next_wakeup is the earliest time a timer is due (durable timers and X3DH deliveries), or
  // nullopt when none is pending; the driver calls run_due() then.
  std::optional<Micros> next_wakeup();
  // run_due fires every timer due at the clock's now, in due-time order (EV-MSG-012). Called at
  // start-up it executes overdue timers left by an earlier run.
  void run_due();

  // connection_count / online_user_count are for logs and tests.
  std::size_t connection_count() const { return sessions_.size(); }
  std::size_t online_user_count() const { return online_.size(); }

 private:
  enum class State { connected, challenged, logged_in };
  struct Session {
    State state = State::connected;
    UserId user = 0;          // LOGGED_IN: the user; CHALLENGED: the user being challenged
    std::string username;     // same
    std::string expected;     // CHALLENGED: the expected response (CR-CHAL-001)
    int failures = 0;         // §2.6
    Micros locked_until = 0;  // §2.6: lockout runs while now < locked_until
    std::string challenge;    // CHALLENGED, with Fault::challenge_repeated only
  };
  struct CallEntry {
    UserId user = 0;
    std::string username;
    std::string uuid;
    ConnId conn = 0;  // the connection that joined (EV-CALL-002)
  };
  // Audience of a notification, resolved to connections when it is emitted.
  struct Note {
    std::vector<UserId> users;      // empty with `everyone` set
    bool everyone = false;          // every logged-in connection (profile_notification)
    std::optional<ConnId> exclude;  // the requesting connection, when excluded
    std::string_view name;
    std::string payload;
  };
  using Reply = Expected<std::string, protocol::Failure>;  // the result's JSON text
  // Request is what a handler sees: its connection, session and payload object.
  struct Request {
    ConnId conn;
    Session& session;
    const rapidjson::Value& payload;
  };

  // View is a request of a batch, borrowed from the caller.
  struct View {
    ConnId conn = 0;
    std::string_view name;
    const rapidjson::Value* args = nullptr;
    std::optional<std::uint64_t> ack_id;
    bool binary = false;
  };
  // Output is one packet of the batch waiting for the commit: an ack (ack_id set) or a
  // notification `name`; its JSON text is out_texts_[text] (shared by a notification's targets).
  struct Output {
    ConnId conn = 0;
    std::optional<std::uint64_t> ack_id;
    std::string_view name;
    std::size_t text = 0;
  };
  // Journal holds what a batch changed in memory, to undo it when the commit fails.
  struct Journal {
    std::map<ConnId, std::optional<Session>> sessions;  // as before the batch (nullopt: absent)
    std::vector<std::pair<UserId, ConnId>> online_added;
    std::vector<std::multimap<Micros, UserId>::iterator> x3dh_added;
    std::optional<std::map<DmId, std::vector<CallEntry>>> calls;  // before the first change
  };

  // Dispatch and framing (chat_server.cc).
  void run_batch(std::span<const View> batch);
  void handle_in_batch(const View& v);
  void undo_batch();
  Reply dispatch(protocol::Event ev, Request& req);
  void finish(ConnId conn, std::optional<std::uint64_t> ack_id, const Reply& reply);
  // resolve_notes turns the pending notifications into outputs for the connections logged in
  // now; send_out writes every output to the Outbox; flush_notes does both.
  void resolve_notes();
  void send_out();
  void flush_notes();
  void notify(std::vector<UserId> users, std::string_view name, std::string payload,
              std::optional<ConnId> exclude = std::nullopt);
  void notify_everyone(std::string_view name, std::string payload, std::optional<ConnId> exclude);
  void after_commit(std::function<void()> fn) { post_commit_.push_back(std::move(fn)); }
  void reset_request_state();

  // fault tells whether bug `f` is injected (faults.h); false in a correct server.
  bool fault(Fault f) const noexcept { return options_.faults.has(f); }

  // Shared helpers (chat_server.cc).
  std::string reported_status(const protocol::User& u);
  std::string user_json(const protocol::User& u, std::string_view status, bool own_storage);
  protocol::Dm dm_object(const DmRecord& d);
  std::string dm_json(const DmRecord& d);
  std::string message_json(const protocol::Message& m);
  // x3dh_json writes an X3DH notification object (EV-OBJ-016; dm_handlers.cc).
  std::string x3dh_json(const protocol::X3dhObject& x);
  bool friends(UserId a, UserId b);
  // access_dm loads DM `id` if the caller is a member (else R-DMACCESS).
  Expected<DmRecord, protocol::Failure> access_dm(std::int64_t id, UserId caller);
  // check_signature is protocol::verify_signature, answered from the batch's pre-verified
  // signatures when listed there.
  protocol::Checked<void> check_signature(std::string_view key, std::string_view msg,
                                          std::string_view sig);
  // public_key_of returns a user's identity key (immutable, EV-AUTH-006), or nullopt.
  std::optional<std::string> public_key_of(UserId id);
  // parsed_key_of returns user `u`'s identity key decoded and checked (CR-KEY-004) — the point
  // check costs about as much as the challenge itself, so it runs once per user, not per login.
  Expected<crypto::PublicKey, crypto::Error> parsed_key_of(const protocol::User& u);
  // Read caches of the hot path: public keys by user and DMs by id. They are filled from reads
  // inside transactions, so drop_caches() empties them whenever a scope rolls back (a
  // rolled-back insert's id may be handed out again, a rolled-back rename must not stay), and
  // the handlers that change a DM call forget_dm().
  void forget_dm(DmId id) { dm_cache_.erase(id); }
  void drop_caches();

  // Auth (auth_handlers.cc).
  Reply handle_register(Request& req);
  Reply handle_login(ConnId conn, Session& s, const rapidjson::Value& args, bool binary);
  Reply handle_challenge_response(ConnId conn, Session& s, const rapidjson::Value& args,
                                  bool binary);
  Reply handle_username_exists(Request& req);
  protocol::Failure count_failure(Session& s, protocol::Failure f);
  // Users (user_handlers.cc).
  Reply handle_get_user(Request& req);
  Reply handle_get_full_user(Request& req);
  Reply handle_get_user_list(Request& req);
  Reply handle_set_user(Request& req);
  // DMs (dm_handlers.cc).
  Reply handle_create_dm(Request& req);
  Reply handle_get_dms(Request& req);
  Reply handle_get_dm(Request& req);
  Reply handle_set_dm(Request& req);
  Reply handle_leave_dm(Request& req);
  Reply handle_ping_typing(Request& req);
  // Messages and reactions (message_handlers.cc).
  Reply handle_send_message(Request& req);
  Reply handle_get_message(Request& req);
  Reply handle_get_message_history(Request& req);
  Reply handle_get_pinned(Request& req);
  Reply handle_set_message(Request& req);
  Reply handle_cancel_scheduled(Request& req);
  Reply handle_add_reaction(Request& req);
  Reply handle_remove_reaction(Request& req);
  // Friends and blocking (friend_handlers.cc).
  Reply handle_send_friend_request(Request& req);
  Reply handle_list_relation(Request& req, Relation r, bool incoming);
  Reply handle_ack_friend_request(Request& req);
  Reply handle_unfriend(Request& req);
  Reply handle_block(Request& req);
  Reply handle_unblock(Request& req);
  // Calls (call_handlers.cc).
  Reply handle_join_call(Request& req);
  Reply handle_leave_call(Request& req);
  void leave_calls_of_connection(ConnId conn);
  std::vector<std::string> call_usernames(DmId dm) const;

  // Timers (timers.cc).
  // durable_next_due is Store::next_due, remembered between batches: the store is asked again
  // only after timers ran. note_timer(due) keeps it right when a handler adds a timer row; a
  // remembered time that is too early (a rolled-back or cancelled timer) only costs a wake-up
  // that finds nothing due.
  std::optional<Micros> durable_next_due();
  void note_timer(Micros due);
  void fire(const DueTimer& t);
  void deliver_pending_x3dh(UserId user);

  Store& store_;
  Clock& clock_;
  Outbox& outbox_;
  crypto::Random& rng_;
  ServerOptions options_;

  std::map<ConnId, Session> sessions_;
  std::map<UserId, std::set<ConnId>> online_;       // logged-in connections per user
  std::map<DmId, std::vector<CallEntry>> calls_;    // join order (EV-CALL-006)
  std::multimap<Micros, UserId> x3dh_deliveries_;   // EV-DM-014 delivery times
  std::vector<Note> notes_;                         // of the request being handled
  std::vector<std::function<void()>> post_commit_;  // in-memory effects applied on commit
  std::vector<Output> out_;                         // of the batch, sent after its commit
  std::vector<std::string> out_texts_;
  Journal journal_;  // of the batch being handled
  std::unordered_map<UserId, std::string> key_cache_;
  std::unordered_map<DmId, DmRecord> dm_cache_;
  std::unordered_map<UserId, crypto::PublicKey> parsed_keys_;
  bool due_known_ = false;           // whether due_cache_ holds Store::next_due (or earlier)
  std::optional<Micros> due_cache_;  // see durable_next_due
  // precomputed_ maps the (key, message, signature) triples of the batch's checks to their index
  // in `checked`; check_result_ tells a check's outcome (both set by on_batch only).
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::size_t>
      precomputed_;
  std::function<bool(std::size_t)> check_result_;
};

}  // namespace unm::server
