// session.h — the reference client: one logged-in (or about to log in) connection to a chat
// server, with one typed call per event of events.md and the client's crypto duties done inside.
//
// What Session does for its caller (protocol-document.txt "Protocols", crypto.md):
//  - register: generates the identity key and SPK, signs the SPK, seals own_storage;
//  - login: answers the challenge (CR-CHAL-002), then loads the key store from own_storage;
//  - create_dm: fetches every bundle with get_user, verifies the SPK signatures (CR-X3DH-001),
//    builds the key tree (CR-TREE-001…004), stores the group secret and backs it up;
//  - x3dh_notification: checks the sender's identity key and that the SPK is one it holds
//    (CR-X3DH-004), derives the group secret (CR-TREE-005…007), stores and backs it up;
//  - messages and reactions: encrypts (CR-AEAD-001) then signs the ciphertext (CR-SIG-002);
//    everything received is verified under the sender's registered key and decrypted, with a
//    per-item ContentStatus — text is only ever filled in when the status is ok.
//
// Threading: a Session is used from one thread. Notifications arrive on the channel's I/O thread
// and are queued; process_notifications() handles them on the caller's thread (verification may
// need get_user calls, which must not run on the I/O thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reference/client/dialect.h"
#include "reference/client/error.h"
#include "reference/client/key_store.h"
#include "reference/client/objects.h"
#include "reference/client/profile.h"
#include "reference/crypto/random.h"
#include "reference/transport/event_channel.h"

namespace unm::client {

// ContentStatus says what became of one received message or reaction.
enum class ContentStatus {
  ok,              // signature verified under the sender's key and the AEAD tag matched
  bad_signature,   // the signature does not verify under the sender's registered key
  undecryptable,   // signature fine, but the ciphertext does not open under the DM key
  unknown_dm,      // no key for this DM (yet): its X3DH notification has not been processed
  unknown_sender,  // the sender's public key could not be fetched
};

// content_status_name returns "ok", "bad_signature", "undecryptable", "unknown_dm",
// "unknown_sender".
std::string_view content_status_name(ContentStatus s);

// ReadReaction is a received reaction after verification and decryption.
struct ReadReaction {
  Reaction raw;
  ContentStatus status = ContentStatus::unknown_dm;
  std::string text;  // the plaintext; empty unless status is ok
};

// ReadMessage is a received message after verification and decryption.
struct ReadMessage {
  Message raw;
  ContentStatus status = ContentStatus::unknown_dm;
  std::string text;  // the plaintext; empty unless status is ok
  std::vector<ReadReaction> reactions;
};

// ReadScheduled is one of the caller's pending scheduled messages, decrypted.
struct ReadScheduled {
  ScheduledEntry raw;
  ContentStatus status = ContentStatus::unknown_dm;
  std::string text;
};

// DmDetails is get_dm's result with its messages read.
struct DmDetails {
  Dm dm;
  std::optional<ReadMessage> latest_message;
  std::vector<ReadScheduled> scheduled;
};

// DmJoined reports a processed x3dh_notification: the DM is usable when `error` is empty.
struct DmJoined {
  std::int64_t dm_id = 0;
  std::string sender;
  std::optional<Error> error;  // why the invitation was refused (crypto, protocol, ...)
};

// MalformedNotification is a server event this client could not read (unknown name or a
// payload that violates events.md §10/§11); it is reported, never acted on.
struct MalformedNotification {
  std::string name;
  std::string args_json;
  std::string detail;
};

// Handlers receive notifications (events.md Table 4), already verified and decrypted. Any
// handler may be left empty.
struct Handlers {
  std::function<void(const User&)> on_profile;
  std::function<void(const Dm&)> on_dm;
  std::function<void(const TypingNotice&)> on_typing;
  std::function<void(const ReadMessage&)> on_message;         // message_notification
  std::function<void(const ReadMessage&)> on_message_change;  // message_change_notification
  std::function<void(std::int64_t message_id)> on_message_deleted;
  std::function<void(const ScheduleNotice&)> on_scheduled_sent;
  std::function<void(const ScheduleNotice&)> on_scheduled_soon;
  std::function<void(const DmJoined&)> on_dm_joined;  // x3dh_notification processed
  std::function<void(const std::string& from)> on_friend_request;
  std::function<void(const FriendAnswer&)> on_friend_answer;
  std::function<void(const std::string& other)> on_unfriend;
  std::function<void(const CallNotice&)> on_call_joined;
  std::function<void(const CallNotice&)> on_call_left;
  std::function<void(const MalformedNotification&)> on_malformed;
};

// UserChanges are the set_user properties a caller may change (EV-USR-006); unset ones are
// left alone. Keys (spk/sig/own_storage) are the library's business: see rotate_spk.
struct UserChanges {
  std::optional<std::string> status;
  std::optional<std::string> biography;
  std::optional<std::string> profile_picture;
};

// SessionOptions tune a Session.
struct SessionOptions {
  std::chrono::milliseconds call_timeout{10'000};
  // max_held is how many notifications of DMs without a key yet are kept for replay once the
  // key arrives (EV-DM-030); older ones are delivered as unknown_dm.
  std::size_t max_held = 256;
  // dialect: the document's, the deployed implementation's (events.md §12), or detected by one
  // probe before the first call whose wire form differs (see dialect.h).
  DialectChoice dialect = DialectChoice::automatic;
};

// ConnectOptions are how Session::connect reaches a server.
struct ConnectOptions {
  bool verify_tls = true;  // false for test servers (--insecure)
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};
  SessionOptions session;
};

class Inbox;

// Session — see file comment.
class Session {
 public:
  // Session takes an open channel. `rng` must outlive the session.
  Session(std::unique_ptr<transport::EventChannel> channel, crypto::Random& rng,
          SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // connect opens a channel to `url` (connect_channel of the transport layer).
  static Result<std::unique_ptr<Session>> connect(std::string_view url, crypto::Random& rng,
                                                  const ConnectOptions& options = {});

  // channel gives raw access to the connection (conformance runner, debugging).
  transport::EventChannel& channel() { return *channel_; }

  // ---- dialect (events.md §12, dialect.h) ----
  // detect_dialect settles the dialect now (one probe when the choice is automatic; otherwise
  // free). Calls whose wire form differs do it themselves when it has not been done.
  Result<Dialect> detect_dialect();
  // dialect is the wire dialect and the §12 deviations met so far.
  const WireDialect& dialect() const { return dialect_; }
  bool dialect_settled() const { return dialect_settled_; }
  // take_new_warnings returns the deviations first met since the previous call.
  std::vector<DeviationWarning> take_new_warnings() { return dialect_.take_new(); }
  // await_invitations waits (up to `max_wait` counted from the login, and while `keep_waiting`
  // says so) until this account holds a key for every DM it is a member of, processing
  // notifications meanwhile; returns the DMs still without a key. The deployed server sends
  // pending X3DH invitations 5 s after login and drops them if the connection closes earlier
  // (§12 #10), so a client that has a DM without key must stay that long.
  Result<std::vector<std::int64_t>> await_invitations(
      std::chrono::milliseconds max_wait, const std::function<bool()>& keep_waiting = {});
  // reaction_notice_pending is true while a reaction change of ours has not been announced
  // back (deployed dialect only: it comes as message_change_notification, §12 #4).
  bool reaction_notice_pending() const { return !reacted_.empty(); }

  // ---- account (EV-AUTH) ----
  // register_account creates keys for `username` and registers it (not logged in afterwards,
  // EV-AUTH-006). The returned Identity must be kept (Profile::save): it is the only copy.
  Result<Identity> register_account(std::string_view username);
  // login runs login + login_challenge_response, then get_full_user, and loads the key store
  // from own_storage. On a refused login the session stays logged out.
  Result<void> login(const Identity& identity);
  bool logged_in() const { return identity_.has_value(); }
  const std::string& username() const;

  // ---- users (EV-USR) ----
  Result<bool> username_exists(std::string_view username);
  // get_user returns the User object; its public key is remembered for verifying signatures.
  Result<User> get_user(std::string_view username);
  Result<User> get_full_user();
  Result<std::vector<User>> get_user_list();
  Result<void> set_user(const UserChanges& changes);
  // rotate_spk makes a new SPK, signs it, and uploads spk, sig and the updated own_storage in
  // one set_user (atomic, EV-USR-009). The old SPK stays held in memory (EV-USR-011).
  Result<void> rotate_spk();

  // ---- DMs (EV-DM) ----
  // create_dm performs the whole DM creation procedure (see file comment); returns the DM id.
  Result<std::int64_t> create_dm(const std::vector<std::string>& usernames);
  Result<std::vector<std::int64_t>> get_dms();
  Result<DmDetails> get_dm(std::int64_t dm_id);
  // set_dm_name renames a DM; nullopt clears the name.
  Result<void> set_dm_name(std::int64_t dm_id, const std::optional<std::string>& name);
  Result<void> leave_dm(std::int64_t dm_id);

  // ---- messages (EV-MSG) ----
  // send_message encrypts `text` under the DM key, signs the ciphertext and sends it.
  // schedule/delete_after are seconds (0 = off, EV-TRN-016).
  Result<void> send_message(std::int64_t dm_id, std::string_view text, std::int64_t schedule = 0,
                            std::int64_t delete_after = 0);
  Result<ReadMessage> get_message(std::int64_t message_id);
  // get_message_history returns up to `count` messages older than `cursor` (an ISO timestamp,
  // EV-MSG-015; empty means "now"), newest first.
  Result<std::vector<ReadMessage>> get_message_history(std::int64_t dm_id, std::string_view cursor,
                                                       std::int64_t count);
  Result<std::vector<ReadMessage>> get_pinned(std::int64_t dm_id);
  // edit_message re-encrypts and re-signs new text for an own message (EV-MSG-021).
  Result<void> edit_message(std::int64_t message_id, std::string_view text);
  Result<void> set_pinned(std::int64_t message_id, bool pinned);
  Result<void> cancel_scheduled_message(std::int64_t dm_id, std::int64_t schedule_id);

  // ---- reactions (EV-RCT) ----
  // add_reaction encrypts and signs `text` under the message's DM key; returns the reaction id.
  Result<std::int64_t> add_reaction(std::int64_t message_id, std::string_view text);
  Result<void> remove_reaction(std::int64_t reaction_id);

  // ---- typing, friends, blocking, calls (EV-TYP, EV-FRD, EV-CALL) ----
  Result<void> ping_typing(std::int64_t dm_id);
  Result<void> send_friend_request(std::string_view username);
  Result<std::vector<std::string>> get_friend_requests();
  Result<std::vector<std::string>> get_outgoing_requests();
  Result<void> ack_friend_request(std::string_view username, bool accept);
  Result<void> unfriend(std::string_view username);
  Result<std::vector<std::string>> get_friends();
  Result<void> block_user(std::string_view username);
  Result<void> unblock(std::string_view username);
  Result<std::vector<std::string>> get_blocked();
  // join_call returns username → uuid of everybody in the call (EV-CALL-002).
  Result<std::map<std::string, std::string>> join_call(std::int64_t dm_id, std::string_view uuid);
  Result<void> leave_call(std::int64_t dm_id);

  // ---- reading ----
  // read verifies and decrypts a Message object (fetching the sender's key when needed).
  ReadMessage read(const Message& m);

  // ---- notifications ----
  void set_handlers(Handlers handlers);
  // process_notifications handles every queued notification, waiting up to `wait` for the
  // first one when none is queued; returns how many were handled.
  std::size_t process_notifications(std::chrono::milliseconds wait = std::chrono::milliseconds{0});
  // disconnected reports whether the connection has gone (the reason in last_disconnect()).
  bool disconnected() const;
  std::optional<Error> last_disconnect() const;

  // keys exposes the key store (read-only).
  const KeyStore& keys() const { return keys_; }

 private:
  Result<void> require_login() const;
  Result<void> ensure_dialect();
  void remember_call(std::int64_t dm_id, const std::vector<std::string>& users);
  Result<void> backup_keys();  // read-merge-write own_storage (CR-STORE-001)
  Result<crypto::PublicKey> sender_key(const std::string& username);
  ContentStatus open_content(std::int64_t dm_id, const std::string& sender,
                             const std::string& ciphertext, const std::string& signature,
                             std::string& text);
  Result<std::pair<std::string, std::string>> seal_content(std::int64_t dm_id,
                                                           std::string_view text);
  Result<std::vector<ReadMessage>> read_list(const rapidjson::Value& v, const char* what);
  Result<std::vector<std::string>> string_list_call(std::string_view event);
  Result<void> username_call(std::string_view event, std::string_view username);
  Result<void> id_call(std::string_view event, std::int64_t id);
  void handle(const std::string& name, const std::string& args);
  void handle_x3dh(const X3dhNotification& x);
  void replay_held(std::int64_t dm_id);

  std::unique_ptr<transport::EventChannel> channel_;
  crypto::Random* rng_;
  SessionOptions options_;
  std::shared_ptr<Inbox> inbox_;
  std::optional<Identity> identity_;
  KeyStore keys_;
  std::map<std::string, crypto::PublicKey> key_cache_;  // username → identity public key
  Handlers handlers_;
  // Held is a message notification of a DM without a key yet, replayed on key arrival.
  struct Held {
    std::int64_t dm_id;
    std::string name;
    std::string args;
  };
  std::vector<Held> held_;
  WireDialect dialect_;
  bool dialect_settled_ = false;
  std::chrono::steady_clock::time_point logged_in_at_{};
  std::set<std::int64_t> reacted_;  // messages whose reaction change is not yet announced (#4)
  std::map<std::int64_t, std::vector<std::string>> calls_;  // users_in_call last seen (#7)
};

}  // namespace unm::client
