// store.h — the chat server's storage interface. Handlers talk only to this interface, so a
// second backend (e.g. PostgreSQL) can be added without touching them. The store knows nothing
// of the wire form: it holds plain records (reference/protocol/objects.h) and times in µs.
//
// Transactions: the server runs a batch of requests in one transaction (begin … commit, group
// commit) with a savepoint per request (savepoint … release_savepoint / rollback_savepoint), so
// that one failing request rolls back alone. Data methods do not return errors one by one: a
// failing statement marks the current scope failed, reads then return empty results, and
// release_savepoint() / commit() report false after rolling that scope back — so a fault can
// never leave a half-applied change (EV-TRN-010); the request's answer is then R-INTERNAL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/protocol/objects.h"

namespace unm::server {

using protocol::Micros;
using UserId = std::int64_t;
using DmId = std::int64_t;
using MessageId = std::int64_t;
using ReactionId = std::int64_t;

// Relation is the directed relation A→B of events.md §8.1.
enum class Relation { none = 0, request = 1, friends = 2, block = 3 };

// DmRecord is a stored DM: members in position order (EV-OBJ-006).
struct DmRecord {
  DmId id = 0;
  std::optional<std::string> name;
  Micros created_at = 0;
  std::vector<UserId> member_ids;
  std::vector<std::string> member_names;
};

// ReactionRecord locates a reaction (EV-RCT-006 needs its sender and message).
struct ReactionRecord {
  ReactionId id = 0;
  MessageId message_id = 0;
  UserId sender_id = 0;
};

// ScheduledRecord is a pending scheduled message (EV-MSG-006). `soon_at` is the due time of the
// not yet sent soon notice, or empty (EV-MSG-008).
struct ScheduledRecord {
  std::int64_t row_id = 0;
  DmId dm_id = 0;
  UserId user_id = 0;
  std::int64_t schedule_id = 0;
  std::string message;
  std::string signature;
  std::int64_t delete_seconds = 0;
  Micros due = 0;
  std::optional<Micros> soon_at;
};

// PendingX3dh is an X3DH object waiting for its recipient's next login (EV-DM-013).
struct PendingX3dh {
  std::int64_t row_id = 0;
  UserId user_id = 0;
  protocol::X3dhObject object;
};

// TimerKind is what a durable timer does when it is due (EV-MSG-008/009/011).
enum class TimerKind { soon_notice = 0, send_scheduled = 1, delete_message = 2 };

// DueTimer is one durable timer: `ref` is the scheduled row id or the message id.
struct DueTimer {
  TimerKind kind = TimerKind::send_scheduled;
  Micros due = 0;
  std::int64_t ref = 0;
};

// Store — see file comment.
class Store {
 public:
  virtual ~Store() = default;

  // begin starts a transaction; false if the backend failed.
  virtual bool begin() = 0;
  // commit makes the transaction durable; false (after a rollback) if any statement failed.
  virtual bool commit() = 0;
  // rollback discards the transaction.
  virtual void rollback() = 0;
  // savepoint opens a nested scope inside the transaction (one per request of a batch); false if
  // the backend failed or the transaction is gone (nothing may be written then).
  virtual bool savepoint() = 0;
  // release_savepoint closes the scope keeping its changes (they become durable with the
  // transaction's commit); false, after rolling the scope back, if a statement in it failed.
  virtual bool release_savepoint() = 0;
  // rollback_savepoint discards the scope's changes; the transaction goes on.
  virtual void rollback_savepoint() = 0;

  // Users.
  virtual std::optional<protocol::User> user_by_name(std::string_view username) = 0;
  virtual std::optional<protocol::User> user_by_id(UserId id) = 0;
  virtual std::vector<protocol::User> all_users() = 0;  // registration order
  virtual UserId insert_user(const protocol::User& u) = 0;
  virtual void update_user(const protocol::User& u) = 0;  // by u.id; username/public_key kept

  // Relations (§8.1): one row per ordered pair.
  virtual Relation relation(UserId a, UserId b) = 0;
  virtual void set_relation(UserId a, UserId b, Relation r) = 0;  // none deletes
  // related_names lists usernames X with relation (me→X) == r, or (X→me) == r when incoming.
  virtual std::vector<std::string> related_names(UserId me, Relation r, bool incoming) = 0;

  // DMs.
  virtual DmId insert_dm(Micros created_at, const std::vector<UserId>& members_in_order,
                         const std::vector<std::string>& key_tree) = 0;
  virtual std::optional<DmRecord> dm(DmId id) = 0;
  virtual std::vector<DmId> dms_of(UserId user) = 0;  // ascending
  virtual bool is_member(DmId dm, UserId user) = 0;
  virtual void set_dm_name(DmId dm, const std::optional<std::string>& name) = 0;
  virtual void remove_member(DmId dm, UserId user) = 0;
  // dm_with_members reports whether some DM has exactly the member set {a, b} (EV-DM-005).
  virtual bool dm_with_members(UserId a, UserId b) = 0;

  // Messages (with their reactions, ascending id).
  virtual MessageId insert_message(DmId dm, UserId sender, std::string_view message,
                                   std::string_view signature, Micros timestamp,
                                   std::optional<Micros> delete_at) = 0;
  virtual std::optional<protocol::Message> message(MessageId id) = 0;
  // history: messages with timestamp < before, newest first (timestamp desc, id desc).
  virtual std::vector<protocol::Message> history(DmId dm, Micros before, std::int64_t limit) = 0;
  virtual std::optional<protocol::Message> latest_message(DmId dm) = 0;
  virtual std::vector<protocol::Message> pinned_messages(DmId dm) = 0;  // newest first
  virtual void update_message_text(MessageId id, std::string_view message,
                                   std::string_view signature) = 0;
  virtual void set_pinned(MessageId id, bool pinned) = 0;
  virtual void delete_message(MessageId id) = 0;  // its reactions too

  // Reactions.
  virtual ReactionId insert_reaction(MessageId message, UserId sender, std::string_view reaction,
                                     std::string_view signature) = 0;
  virtual std::optional<ReactionRecord> reaction(ReactionId id) = 0;
  virtual void delete_reaction(ReactionId id) = 0;

  // Scheduled messages.
  virtual std::int64_t insert_scheduled(const ScheduledRecord& s) = 0;  // returns row id
  virtual std::optional<ScheduledRecord> scheduled_by_row(std::int64_t row_id) = 0;
  virtual std::optional<ScheduledRecord> scheduled(DmId dm, UserId user,
                                                   std::int64_t schedule_id) = 0;
  virtual std::vector<ScheduledRecord> scheduled_of(DmId dm, UserId user) = 0;  // by schedule id
  virtual std::int64_t max_schedule_id(DmId dm, UserId user) = 0;               // 0 when none
  virtual void delete_scheduled(std::int64_t row_id) = 0;
  virtual void delete_scheduled_of(DmId dm, UserId user) = 0;
  virtual void clear_soon(std::int64_t row_id) = 0;

  // Durable timers, derived from scheduled rows and message delete times.
  virtual std::optional<Micros> next_due() = 0;
  // due_timers: timers due at or before `now`, ordered by (due, kind, ref), at most `limit`.
  virtual std::vector<DueTimer> due_timers(Micros now, std::size_t limit) = 0;

  // Pending X3DH objects (EV-DM-013), oldest first.
  virtual void insert_pending_x3dh(UserId user, const protocol::X3dhObject& x) = 0;
  virtual std::vector<PendingX3dh> pending_x3dh(UserId user) = 0;
  virtual void delete_pending_x3dh(std::int64_t row_id) = 0;
};

}  // namespace unm::server
