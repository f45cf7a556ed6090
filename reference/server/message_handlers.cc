// message_handlers.cc — send_message, get_message, get_message_history, get_pinned,
// set_message, cancel_scheduled_message, add_reaction, remove_reaction (events.md §5, §6).
#include <algorithm>

#include "reference/protocol/limits.h"
#include "reference/protocol/timestamp.h"
#include "reference/protocol/validate.h"
#include "reference/server/chat_server.h"

namespace unm::server {

using protocol::fail;
using protocol::Reason;
namespace lim = protocol::limits;

namespace {
constexpr Micros kSecond = 1'000'000;
constexpr Micros kSoonNotice = 60 * kSecond;  // EV-MSG-008

std::string message_array(const std::vector<protocol::Message>& v) {
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartArray();
    for (const auto& m : v) protocol::write_message(w, m);
    w.EndArray();
  });
}
}  // namespace

ChatServer::Reply ChatServer::handle_send_message(Request& req) {
  const auto& p = req.payload;
  if (!protocol::has_exact_keys(p, {"id", "message", "signature", "schedule", "delete"})) {
    return Unexpected{fail(Reason::format)};  // EV-MSG-001
  }
  auto id = protocol::as_id(p["id"]);
  if (!id) return Unexpected{id.error()};
  auto schedule = protocol::as_seconds(p["schedule"]);
  if (!schedule) return Unexpected{schedule.error()};
  auto del = protocol::as_seconds(p["delete"]);
  if (!del) return Unexpected{del.error()};
  auto message = protocol::as_hex(p["message"], lim::kMessageHexMin, lim::kMessageHexMax);
  if (!message) return Unexpected{message.error()};
  auto signature = protocol::as_signature_text(p["signature"]);
  if (!signature) return Unexpected{signature.error()};
  const UserId caller = req.session.user;
  auto d = access_dm(*id, caller);  // EV-MSG-002
  if (!d) return Unexpected{d.error()};
  if (d->member_ids.size() == 2 && !friends(d->member_ids[0], d->member_ids[1])) {
    return Unexpected{fail(Reason::notfriends)};  // EV-MSG-003
  }
  const auto key = public_key_of(caller);
  if (!key) return Unexpected{fail(Reason::internal)};
  if (auto ok = check_signature(*key, *message, *signature);
      !ok && !fault(Fault::message_signature_unchecked)) {
    return Unexpected{ok.error()};  // EV-MSG-004
  }
  const Micros now = clock_.now();
  const Micros delete_unit = fault(Fault::self_destruct_in_milliseconds) ? 1'000 : kSecond;
  if (*schedule > 0) {
    // EV-MSG-006 / EV-MSG-007: a scheduled message, id = 1 + largest pending id of the pair.
    ScheduledRecord s;
    s.dm_id = *id;
    s.user_id = caller;
    s.schedule_id = store_.max_schedule_id(*id, caller) + 1;
    const bool also_now = fault(Fault::scheduled_also_sent_at_once);  // keeps the texts
    s.message = also_now ? *message : std::move(*message);
    s.signature = also_now ? *signature : std::move(*signature);
    s.delete_seconds = *del;
    s.due = now + *schedule * kSecond;
    const bool soon = fault(Fault::soon_notice_at_sixty) ? *schedule * kSecond >= kSoonNotice
                                                         : *schedule * kSecond > kSoonNotice;
    if (soon) s.soon_at = s.due - kSoonNotice;  // EV-MSG-008
    store_.insert_scheduled(s);
    note_timer(s.soon_at.value_or(s.due));
    // Fault::scheduled_also_sent_at_once falls through: created now as well (EV-MSG-006 bug).
    if (!also_now) return std::string("true");
  }
  // EV-MSG-005: created at once.
  const std::optional<Micros> delete_at =
      *del > 0 ? std::optional<Micros>(now + *del * delete_unit) : std::nullopt;
  // The new message is built from what was just written rather than read back: one query less
  // on the hottest path.
  protocol::Message m;
  m.id = store_.insert_message(*id, caller, *message, *signature, now, delete_at);
  if (delete_at) note_timer(*delete_at);
  m.dm_id = *id;
  m.sender = req.session.username;
  m.message = std::move(*message);
  m.signature = std::move(*signature);
  m.timestamp = now;
  m.delete_at = delete_at;
  // EV-MSG-005 / EV-MSG-027: to every member's connections, the sender's included.
  std::vector<UserId> recipients = d->member_ids;
  if (fault(Fault::fanout_first_eight) && recipients.size() > 8) recipients.resize(8);
  notify(std::move(recipients), protocol::notification::kMessage, message_json(m),
         fault(Fault::message_skips_sender_connection) ? std::optional<ConnId>(req.conn)
                                                       : std::nullopt);
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_get_message(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  auto m = store_.message(*id);  // EV-MSG-013
  if (!m || (!store_.is_member(m->dm_id, req.session.user) &&
             !fault(Fault::get_message_no_access_check))) {
    return Unexpected{fail(Reason::msgaccess)};
  }
  return message_json(*m);
}

ChatServer::Reply ChatServer::handle_get_message_history(Request& req) {
  const auto& p = req.payload;
  // EV-MSG-014 / EV-TRN-013: exactly one of `count` and its alias `limit`.
  const bool with_count = protocol::has_exact_keys(p, {"id", "cursor", "count"});
  if (!with_count && !protocol::has_exact_keys(p, {"id", "cursor", "limit"})) {
    return Unexpected{fail(Reason::format)};
  }
  auto id = protocol::as_id(p["id"]);
  if (!id) return Unexpected{id.error()};
  auto count = protocol::as_count(with_count ? p["count"] : p["limit"]);
  if (!count) return Unexpected{count.error()};
  auto cursor_text = protocol::as_any_string(p["cursor"]);
  if (!cursor_text) return Unexpected{cursor_text.error()};
  const auto cursor = protocol::parse_cursor(*cursor_text);  // EV-MSG-015
  if (!cursor) return Unexpected{fail(Reason::malformed)};
  auto d = access_dm(*id, req.session.user);
  if (!d && fault(Fault::history_no_access_check)) {
    if (auto any = store_.dm(*id)) d = std::move(*any);
  }
  if (!d) return Unexpected{d.error()};
  // EV-MSG-016: strictly before the cursor, newest first, at most min(count, 100).
  const std::int64_t limit = fault(Fault::history_uncapped)
                                 ? *count
                                 : std::min<std::int64_t>(*count, lim::kHistoryPageMax);
  if (limit == 0) return std::string("[]");
  return message_array(store_.history(*id, *cursor, limit));
}

ChatServer::Reply ChatServer::handle_get_pinned(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  auto d = access_dm(*id, req.session.user);  // EV-MSG-018
  if (!d) return Unexpected{d.error()};
  auto pinned = store_.pinned_messages(*id);  // all of them, newest first: no cap
  if (fault(Fault::pinned_capped_at_ten) && pinned.size() > 10) pinned.resize(10);
  return message_array(pinned);
}

ChatServer::Reply ChatServer::handle_set_message(Request& req) {
  const auto& p = req.payload;
  // EV-MSG-019: `id` mandatory; message+signature together; pinned Boolean; one of them present.
  const auto* id_v = protocol::find_member(p, "id");
  const auto* msg_v = protocol::find_member(p, "message");
  const auto* sig_v = protocol::find_member(p, "signature");
  const auto* pin_v = protocol::find_member(p, "pinned");
  if (id_v == nullptr) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(*id_v);
  if (!id) return Unexpected{id.error()};
  if (msg_v == nullptr && sig_v == nullptr && pin_v == nullptr) {
    return Unexpected{fail(Reason::format)};
  }
  if ((msg_v == nullptr) != (sig_v == nullptr)) return Unexpected{fail(Reason::format)};
  std::optional<bool> pinned;
  if (pin_v) {
    auto b = protocol::as_bool(*pin_v);
    if (!b) return Unexpected{b.error()};
    pinned = *b;
  }
  std::string message;
  std::string signature;
  if (msg_v) {
    auto m = protocol::as_hex(*msg_v, lim::kMessageHexMin, lim::kMessageHexMax);
    if (!m) return Unexpected{m.error()};
    auto s = protocol::as_signature_text(*sig_v);
    if (!s) return Unexpected{s.error()};
    message = std::move(*m);
    signature = std::move(*s);
  }
  auto m = store_.message(*id);  // EV-MSG-020
  if (!m || !store_.is_member(m->dm_id, req.session.user)) {
    return Unexpected{fail(Reason::msgaccess)};
  }
  if (msg_v) {
    // EV-MSG-021: only the sender edits, with a valid signature.
    if (m->sender != req.session.username && !fault(Fault::any_member_edits)) {
      return Unexpected{fail(Reason::state, "You cannot edit that message.")};
    }
    const auto key = public_key_of(req.session.user);
    if (!key) return Unexpected{fail(Reason::internal)};
    if (auto ok = check_signature(*key, message, signature); !ok) {
      return Unexpected{ok.error()};
    }
    store_.update_message_text(*id, message, signature);
  }
  if (pinned) store_.set_pinned(*id, *pinned);  // EV-MSG-022
  auto updated = store_.message(*id);
  auto d = store_.dm(m->dm_id);
  if (!updated || !d) return Unexpected{fail(Reason::internal)};
  // EV-MSG-023 / EV-MSG-024: only message_change_notification.
  notify(d->member_ids, protocol::notification::kMessageChange, message_json(*updated));
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_cancel_scheduled(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"dm_id", "schedule_id"})) {
    return Unexpected{fail(Reason::format)};
  }
  auto dm = protocol::as_id(req.payload["dm_id"]);
  if (!dm) return Unexpected{dm.error()};
  auto sid = protocol::as_id(req.payload["schedule_id"]);
  if (!sid) return Unexpected{sid.error()};
  auto s = store_.scheduled(*dm, req.session.user, *sid);  // EV-MSG-025
  if (!s && fault(Fault::cancel_ignores_owner)) {
    if (auto d = store_.dm(*dm)) {  // bug: any member's message with that schedule id
      for (UserId u : d->member_ids) {
        if ((s = store_.scheduled(*dm, u, *sid))) break;
      }
    }
  }
  if (!s) return Unexpected{fail(Reason::state, "You did not schedule a message with that id.")};
  // EV-MSG-026: silently discarded.
  if (!fault(Fault::cancel_keeps_timer)) store_.delete_scheduled(s->row_id);
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_add_reaction(Request& req) {
  const auto& p = req.payload;
  if (!protocol::has_exact_keys(p, {"id", "reaction", "signature"})) {
    return Unexpected{fail(Reason::format)};  // EV-RCT-001
  }
  auto id = protocol::as_id(p["id"]);
  if (!id) return Unexpected{id.error()};
  auto reaction = protocol::as_hex(p["reaction"], lim::kReactionHexMin, lim::kReactionHexMax);
  if (!reaction) return Unexpected{reaction.error()};
  auto signature = protocol::as_signature_text(p["signature"]);
  if (!signature) return Unexpected{signature.error()};
  auto m = store_.message(*id);  // EV-RCT-002
  if (!m || !store_.is_member(m->dm_id, req.session.user)) {
    return Unexpected{fail(Reason::msgaccess)};
  }
  const auto key = public_key_of(req.session.user);
  if (!key) return Unexpected{fail(Reason::internal)};
  if (auto ok = check_signature(*key, *reaction, *signature);
      !ok && !fault(Fault::reaction_signature_unchecked)) {
    return Unexpected{ok.error()};
  }
  const ReactionId rid = store_.insert_reaction(*id, req.session.user, *reaction, *signature);
  auto updated = store_.message(*id);
  auto d = store_.dm(m->dm_id);
  if (!updated || !d) return Unexpected{fail(Reason::internal)};
  // EV-RCT-004: message_notification, then message_change_notification.
  const std::string json = message_json(*updated);
  notify(d->member_ids, protocol::notification::kMessage, json);
  notify(d->member_ids, protocol::notification::kMessageChange, json);
  if (fault(Fault::reaction_returns_message_id)) return std::to_string(*id);
  return std::to_string(rid);  // EV-RCT-003
}

ChatServer::Reply ChatServer::handle_remove_reaction(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  auto r = store_.reaction(*id);  // EV-RCT-006: only the reaction's sender, member or not
  if (!r || r->sender_id != req.session.user) return Unexpected{fail(Reason::rctaccess)};
  store_.delete_reaction(*id);
  auto updated = store_.message(r->message_id);
  if (!updated) return Unexpected{fail(Reason::internal)};
  auto d = store_.dm(updated->dm_id);
  if (!d) return Unexpected{fail(Reason::internal)};
  const std::string json = message_json(*updated);  // EV-RCT-007
  notify(d->member_ids, protocol::notification::kMessage, json);
  notify(d->member_ids, protocol::notification::kMessageChange, json);
  return std::string("true");
}

}  // namespace unm::server
