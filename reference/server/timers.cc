// timers.cc — durable timers (scheduled-soon notices, scheduled sends, self-destruct; events.md
// EV-MSG-008/009/011/012) and the X3DH delivery after login (EV-DM-014). Durable timers are
// rows of the store, so a restart resumes them; overdue ones fire at start-up in due order.
#include <algorithm>

#include "reference/server/chat_server.h"

namespace unm::server {

namespace {
constexpr std::size_t kBatch = 64;  // timers read per store query

// schedule_notice_json is the payload of both schedule notices (EV-OBJ-017); `dm_key` is
// "dm_id" except under Fault::schedule_notice_id_key.
std::string schedule_notice_json(std::string_view dm_key, std::int64_t dm_id,
                                 std::int64_t schedule_id) {
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartObject();
    w.Key(dm_key.data(), static_cast<rapidjson::SizeType>(dm_key.size()));
    w.Int64(dm_id);
    w.Key("schedule_id");
    w.Int64(schedule_id);
    w.EndObject();
  });
}
}  // namespace

std::optional<Micros> ChatServer::durable_next_due() {
  if (!due_known_) {
    due_cache_ = store_.next_due();
    due_known_ = true;
  }
  return due_cache_;
}

void ChatServer::note_timer(Micros due) {
  if (due_known_ && (!due_cache_ || due < *due_cache_)) due_cache_ = due;
}

std::optional<Micros> ChatServer::next_wakeup() {
  std::optional<Micros> next = durable_next_due();
  if (!x3dh_deliveries_.empty()) {
    const Micros x = x3dh_deliveries_.begin()->first;
    next = next ? std::min(*next, x) : x;
  }
  return next;
}

void ChatServer::run_due() {
  const Micros now = clock_.now();
  // X3DH deliveries are in memory (the objects themselves are durable).
  while (!x3dh_deliveries_.empty() && x3dh_deliveries_.begin()->first <= now) {
    const UserId user = x3dh_deliveries_.begin()->second;
    x3dh_deliveries_.erase(x3dh_deliveries_.begin());
    deliver_pending_x3dh(user);
  }
  // Durable timers, in (due, kind, ref) order; each runs in its own transaction. A timer that
  // keeps failing to commit would be read again, so the loop stops on the first failure and the
  // next wake-up retries it. Nothing is due before the remembered earliest due time.
  if (const auto next = durable_next_due(); !next || *next > now) return;
  due_known_ = false;  // timers run (or are retried): ask the store again next time
  for (;;) {
    const auto due = store_.due_timers(now, kBatch);
    if (due.empty()) return;
    for (const auto& t : due) {
      reset_request_state();
      if (!store_.begin()) return;
      fire(t);
      if (!store_.commit()) {
        reset_request_state();
        return;
      }
      flush_notes();
    }
  }
}

void ChatServer::fire(const DueTimer& t) {
  const Micros now = clock_.now();
  const std::string_view dm_key = fault(Fault::schedule_notice_id_key) ? "id" : "dm_id";
  switch (t.kind) {
    case TimerKind::soon_notice: {
      auto s = store_.scheduled_by_row(t.ref);
      if (!s) return;
      store_.clear_soon(s->row_id);
      notify({s->user_id}, protocol::notification::kScheduledSoon,
             schedule_notice_json(dm_key, s->dm_id, s->schedule_id));
      if (fault(Fault::send_fires_with_soon_notice)) {  // bug against EV-MSG-012: 60 s early
        fire(DueTimer{TimerKind::send_scheduled, t.due, t.ref});
      }
      return;
    }
    case TimerKind::send_scheduled: {
      auto s = store_.scheduled_by_row(t.ref);
      if (!s) return;
      store_.delete_scheduled(s->row_id);
      // EV-MSG-009: created now (the actual send time); EV-MSG-010: no re-check.
      const Micros unit = fault(Fault::self_destruct_in_milliseconds) ? 1'000 : 1'000'000;
      const std::optional<Micros> delete_at =
          s->delete_seconds > 0 ? std::optional<Micros>(now + s->delete_seconds * unit)
                                : std::nullopt;
      const MessageId mid =
          store_.insert_message(s->dm_id, s->user_id, s->message, s->signature, now, delete_at);
      auto m = store_.message(mid);
      auto d = store_.dm(s->dm_id);
      if (!m || !d) return;
      notify({s->user_id}, protocol::notification::kScheduledSent,
             schedule_notice_json(dm_key, s->dm_id, s->schedule_id));
      notify(d->member_ids, protocol::notification::kMessage, message_json(*m));
      return;
    }
    case TimerKind::delete_message: {
      auto m = store_.message(t.ref);
      if (!m) return;
      auto d = store_.dm(m->dm_id);
      store_.delete_message(m->id);  // EV-MSG-011: with its reactions
      if (d) {
        notify(d->member_ids, protocol::notification::kMessageDelete, std::to_string(m->id));
      }
      return;
    }
  }
}

void ChatServer::deliver_pending_x3dh(UserId user) {
  // EV-DM-014: emitted to every logged-in connection the user has now; an object stays pending
  // when there is none.
  if (online_.count(user) == 0) return;
  reset_request_state();
  if (!store_.begin()) return;
  auto pending = store_.pending_x3dh(user);
  if (fault(Fault::pending_x3dh_newest_first)) std::reverse(pending.begin(), pending.end());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const auto& p = pending[i];
    store_.delete_pending_x3dh(p.row_id);
    // Every pending object is sent (EV-DM-014), not only the newest.
    if (fault(Fault::pending_x3dh_only_latest) && i + 1 < pending.size()) continue;
    notify({user}, protocol::notification::kX3dh, x3dh_json(p.object));
  }
  if (!store_.commit()) {
    reset_request_state();
    return;
  }
  flush_notes();
}

}  // namespace unm::server
