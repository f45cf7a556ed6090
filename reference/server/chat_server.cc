#include "reference/server/chat_server.h"

#include <algorithm>

namespace unm::server {

using protocol::Event;
using protocol::fail;
using protocol::Failure;
using protocol::Reason;

namespace {
// kCacheMax bounds each read cache (entries); a full cache starts over.
constexpr std::size_t kCacheMax = 65'536;
}  // namespace

ChatServer::ChatServer(Store& store, Clock& clock, Outbox& outbox, crypto::Random& rng,
                       ServerOptions options)
    : store_(store), clock_(clock), outbox_(outbox), rng_(rng), options_(options) {}

void ChatServer::on_connect(ConnId conn) {
  sessions_.try_emplace(conn);
}

void ChatServer::on_disconnect(ConnId conn) {
  auto it = sessions_.find(conn);
  if (it == sessions_.end()) return;
  const Session s = it->second;
  sessions_.erase(it);  // EV-AUTH-022 (a): no more notifications on this connection
  if (s.state != State::logged_in) return;  // EV-AUTH-023: no visible effect
  reset_request_state();
  auto& conns = online_[s.user];
  conns.erase(conn);
  if (conns.empty()) {
    online_.erase(s.user);
    // EV-AUTH-022 (b): the user went offline; tell everyone unless it already looked offline.
    if (store_.begin()) {
      auto u = store_.user_by_id(s.user);
      store_.rollback();
      if (u && u->status != "offline") {
        notify_everyone(protocol::notification::kProfile, user_json(*u, "offline", false),
                        std::nullopt);
      }
    }
  }
  leave_calls_of_connection(conn);  // EV-AUTH-022 (c), EV-CALL-010
  flush_notes();
}

void ChatServer::reset_request_state() {
  notes_.clear();
  post_commit_.clear();
}

void ChatServer::on_event(ConnId conn, std::string_view name, const rapidjson::Value& args,
                          std::optional<std::uint64_t> ack_id, bool binary) {
  const View v{conn, name, &args, ack_id, binary};
  run_batch(std::span<const View>(&v, 1));
}

void ChatServer::on_batch(std::span<const Incoming> batch, std::span<const SignatureCheck> checked,
                          const CheckResult& result) {
  precomputed_.clear();
  for (std::size_t i = 0; i < checked.size(); ++i)
    precomputed_.emplace(
        std::tuple{std::string_view(checked[i].key), checked[i].msg, checked[i].sig}, i);
  check_result_ = result ? result : CheckResult([checked](std::size_t i) { return checked[i].ok; });
  std::vector<View> views;
  views.reserve(batch.size());
  for (const auto& in : batch)
    views.push_back(View{in.conn, in.name, &in.args, in.ack_id, in.binary});
  run_batch(views);
  precomputed_.clear();  // its views point into `batch` and `checked`
  check_result_ = nullptr;
}

std::vector<SignatureCheck> ChatServer::signature_checks(std::span<const Incoming> batch) {
  std::vector<SignatureCheck> out;
  for (const auto& in : batch) {
    const auto ev = protocol::parse_event(in.name);
    if (!ev || in.binary || !in.args.IsArray() || in.args.Size() != 1 || !in.args[0].IsObject())
      continue;
    const char* text_key = *ev == Event::send_message || *ev == Event::set_message ? "message"
                           : *ev == Event::add_reaction                            ? "reaction"
                                                                                   : nullptr;
    if (text_key == nullptr) continue;
    const auto s = sessions_.find(in.conn);
    if (s == sessions_.end() || s->second.state != State::logged_in) continue;
    const auto& p = in.args[0];
    const auto* text = protocol::find_member(p, text_key);
    const auto* sig = protocol::find_member(p, "signature");
    if (text == nullptr || sig == nullptr || !text->IsString() || !sig->IsString()) continue;
    auto key = public_key_of(s->second.user);
    if (!key) continue;
    out.push_back(SignatureCheck{std::move(*key),
                                 std::string_view(text->GetString(), text->GetStringLength()),
                                 std::string_view(sig->GetString(), sig->GetStringLength())});
  }
  return out;
}

protocol::Checked<void> ChatServer::check_signature(std::string_view key, std::string_view msg,
                                                    std::string_view sig) {
  // A check computed ahead for this very triple answers for it when it verified; anything else
  // (no such check, or one that failed) is verified here, so the answer never depends on it.
  if (const auto it = precomputed_.find({key, msg, sig});
      it != precomputed_.end() && check_result_(it->second))
    return {};
  return protocol::verify_signature(key, msg, sig);
}

void ChatServer::run_batch(std::span<const View> batch) {
  if (batch.empty()) return;
  journal_ = Journal{};
  out_.clear();
  out_texts_.clear();
  // One transaction for the whole batch: one fsync makes every request of it durable.
  bool committed = store_.begin();
  if (committed) {
    for (const auto& v : batch) handle_in_batch(v);
    committed = store_.commit();
  }
  if (!committed) {
    // Nothing of the batch is durable, so nothing of it may be visible: undo its in-memory
    // effects and answer every request R-INTERNAL (EV-TRN-010), notifying nobody.
    undo_batch();
    drop_caches();
    out_.clear();
    out_texts_.clear();
    for (const auto& v : batch) finish(v.conn, v.ack_id, Unexpected{fail(Reason::internal)});
  }
  journal_ = Journal{};
  send_out();  // acks and notifications in request order, only now that they are durable
  run_due();   // e.g. an X3DH delivery with zero delay, due right after a login's ack
}

void ChatServer::handle_in_batch(const View& v) {
  if (!v.ack_id && fault(Fault::no_ack_ignored)) return;  // bug against EV-TRN-007
  auto found = sessions_.find(v.conn);
  journal_.sessions.try_emplace(
      v.conn, found == sessions_.end() ? std::nullopt : std::optional<Session>(found->second));
  Session& s =
      found == sessions_.end() ? sessions_.try_emplace(v.conn).first->second : found->second;
  const rapidjson::Value& args = *v.args;
  reset_request_state();
  Reply reply = Unexpected{fail(Reason::internal)};
  const auto ev = protocol::parse_event(v.name);
  const bool one_object = (!v.binary || fault(Fault::binary_event_accepted)) && args.IsArray() &&
                          args.Size() == 1 && args[0].IsObject();
  if (!ev) {
    reply = Unexpected{fail(Reason::unknown)};  // EV-TRN-021: no state change
  } else if (*ev == Event::login || *ev == Event::login_challenge_response) {
    // In-memory session transitions: they only read the store, and their failures must keep
    // their session effects (the failure count, §2.6), so their scope is always discarded.
    if (store_.savepoint()) {
      reply = *ev == Event::login ? handle_login(v.conn, s, args, v.binary)
                                  : handle_challenge_response(v.conn, s, args, v.binary);
      store_.rollback_savepoint();
    }
  } else if (protocol::requires_login(*ev) && s.state != State::logged_in &&
             !(*ev == Event::get_user_list && fault(Fault::user_list_without_login))) {
    reply = Unexpected{fail(Reason::notlogged)};  // EV-TRN-022: before payload validation
  } else if (!one_object) {
    reply = Unexpected{fail(Reason::format)};  // EV-TRN-008
  } else if (store_.savepoint()) {
    Request req{v.conn, s, args[0]};
    reply = dispatch(*ev, req);
    // EV-TRN-010: a failed request changes nothing; a successful one becomes durable with the
    // batch's commit, before its ack is sent.
    if (!reply) {
      store_.rollback_savepoint();
      reset_request_state();
      drop_caches();
    } else if (!store_.release_savepoint()) {
      reply = Unexpected{fail(Reason::internal)};
      reset_request_state();
      drop_caches();
    }
  }
  if (!post_commit_.empty() && !journal_.calls) journal_.calls = calls_;
  for (auto& fn : post_commit_) fn();
  post_commit_.clear();
  finish(v.conn, v.ack_id, reply);
  resolve_notes();  // recipients as logged in now, between this request and the next
}

void ChatServer::undo_batch() {
  for (auto it = journal_.x3dh_added.rbegin(); it != journal_.x3dh_added.rend(); ++it) {
    x3dh_deliveries_.erase(*it);
  }
  for (const auto& [user, conn] : journal_.online_added) {
    auto it = online_.find(user);
    if (it == online_.end()) continue;
    it->second.erase(conn);
    if (it->second.empty()) online_.erase(it);
  }
  if (journal_.calls) calls_ = std::move(*journal_.calls);
  for (auto& [conn, before] : journal_.sessions) {
    if (before) {
      sessions_[conn] = std::move(*before);
    } else {
      sessions_.erase(conn);
    }
  }
  journal_ = Journal{};
}

ChatServer::Reply ChatServer::dispatch(Event ev, Request& req) {
  switch (ev) {
    case Event::register_user:
      return handle_register(req);
    case Event::username_exists:
      return handle_username_exists(req);
    case Event::get_user:
      return handle_get_user(req);
    case Event::get_full_user:
      return handle_get_full_user(req);
    case Event::get_user_list:
      return handle_get_user_list(req);
    case Event::set_user:
      return handle_set_user(req);
    case Event::create_dm:
      return handle_create_dm(req);
    case Event::get_dms:
      return handle_get_dms(req);
    case Event::get_dm:
      return handle_get_dm(req);
    case Event::set_dm:
      return handle_set_dm(req);
    case Event::leave_dm:
      return handle_leave_dm(req);
    case Event::send_message:
      return handle_send_message(req);
    case Event::get_message:
      return handle_get_message(req);
    case Event::get_message_history:
      return handle_get_message_history(req);
    case Event::get_pinned:
      return handle_get_pinned(req);
    case Event::set_message:
      return handle_set_message(req);
    case Event::cancel_scheduled_message:
      return handle_cancel_scheduled(req);
    case Event::add_reaction:
      return handle_add_reaction(req);
    case Event::remove_reaction:
      return handle_remove_reaction(req);
    case Event::ping_typing:
      return handle_ping_typing(req);
    case Event::send_friend_request:
      return handle_send_friend_request(req);
    case Event::get_friend_requests:
      return handle_list_relation(req, Relation::request, true);
    case Event::get_outgoing_requests:
      return handle_list_relation(req, Relation::request, false);
    case Event::get_friends:
      return handle_list_relation(req, Relation::friends, false);
    case Event::get_blocked:
      return handle_list_relation(req, Relation::block, false);
    case Event::ack_friend_request:
      return handle_ack_friend_request(req);
    case Event::unfriend:
      return handle_unfriend(req);
    case Event::block_user:
      return handle_block(req);
    case Event::unblock:
      return handle_unblock(req);
    case Event::join_call:
      return handle_join_call(req);
    case Event::leave_call:
      return handle_leave_call(req);
    case Event::login:
    case Event::login_challenge_response:
      break;  // handled before dispatch (their lockout check precedes everything)
  }
  return Unexpected{fail(Reason::internal)};
}

void ChatServer::finish(ConnId conn, std::optional<std::uint64_t> ack_id, const Reply& reply) {
  if (!ack_id) return;  // EV-TRN-007: processed, but no ack
  out_texts_.push_back(
      reply ? protocol::result_json(true, *reply)
            : protocol::result_json(false, protocol::json_string(reply.error().text)));
  if (!reply && fault(Fault::ack_extra_key)) {  // bug against EV-TRN-005: a third key
    out_texts_.back().insert(out_texts_.back().size() - 1, R"(,"error":true)");
  }
  out_.push_back(Output{conn, ack_id, {}, out_texts_.size() - 1});
}

void ChatServer::notify(std::vector<UserId> users, std::string_view name, std::string payload,
                        std::optional<ConnId> exclude) {
  notes_.push_back(Note{std::move(users), false, exclude, name, std::move(payload)});
}

void ChatServer::notify_everyone(std::string_view name, std::string payload,
                                 std::optional<ConnId> exclude) {
  notes_.push_back(Note{{}, true, exclude, name, std::move(payload)});
}

void ChatServer::resolve_notes() {
  // Recipients are resolved now, when the notification is produced (§0 "members' connections");
  // only logged-in connections ever receive one (EV-TRN-025).
  auto notes = std::move(notes_);
  notes_.clear();
  std::vector<ConnId> targets;
  for (auto& n : notes) {
    targets.clear();
    if (n.everyone && fault(Fault::notify_unauthenticated)) {
      for (const auto& [conn, session] : sessions_) targets.push_back(conn);  // EV-TRN-025 bug
    } else if (n.everyone) {
      for (const auto& [user, conns] : online_)
        targets.insert(targets.end(), conns.begin(), conns.end());
    } else {
      for (UserId u : n.users) {
        auto it = online_.find(u);
        if (it != online_.end())
          targets.insert(targets.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    if (n.exclude) std::erase(targets, *n.exclude);
    if (targets.empty()) continue;
    out_texts_.push_back(std::move(n.payload));
    for (ConnId c : targets) out_.push_back(Output{c, std::nullopt, n.name, out_texts_.size() - 1});
  }
}

void ChatServer::send_out() {
  auto out = std::move(out_);
  auto texts = std::move(out_texts_);
  out_.clear();
  out_texts_.clear();
  for (const auto& o : out) {
    if (o.ack_id) {
      outbox_.ack(o.conn, *o.ack_id, texts[o.text]);
    } else {
      outbox_.emit(o.conn, o.name, texts[o.text]);
    }
  }
}

void ChatServer::flush_notes() {
  resolve_notes();
  send_out();
}

std::string ChatServer::reported_status(const protocol::User& u) {
  // EV-AUTH-020: "offline" unless the user has a logged-in connection.
  return online_.count(u.id) != 0 ? u.status : std::string("offline");
}

std::string ChatServer::user_json(const protocol::User& u, std::string_view status,
                                  bool own_storage) {
  return protocol::to_json(
      [&](protocol::JsonWriter& w) { protocol::write_user(w, u, status, own_storage); });
}

protocol::Dm ChatServer::dm_object(const DmRecord& d) {
  protocol::Dm dm;
  dm.id = d.id;
  dm.users = d.member_names;
  dm.name = d.name;
  dm.created_at = d.created_at;
  dm.users_in_call = call_usernames(d.id);
  return dm;
}

std::string ChatServer::dm_json(const DmRecord& d) {
  const auto dm = dm_object(d);
  return protocol::to_json(
      [&](protocol::JsonWriter& w) { protocol::write_dm(w, dm, std::nullopt, nullptr); });
}

std::string ChatServer::message_json(const protocol::Message& m) {
  return protocol::to_json([&](protocol::JsonWriter& w) { protocol::write_message(w, m); });
}

bool ChatServer::friends(UserId a, UserId b) {
  return store_.relation(a, b) == Relation::friends;
}

Expected<DmRecord, Failure> ChatServer::access_dm(std::int64_t id, UserId caller) {
  auto cached = dm_cache_.find(id);
  if (cached == dm_cache_.end()) {
    auto d = store_.dm(id);
    if (!d) return Unexpected{fail(Reason::dmaccess)};
    if (dm_cache_.size() >= kCacheMax) dm_cache_.clear();
    cached = dm_cache_.emplace(id, std::move(*d)).first;
  }
  const DmRecord& d = cached->second;
  if (std::find(d.member_ids.begin(), d.member_ids.end(), caller) == d.member_ids.end()) {
    return Unexpected{fail(Reason::dmaccess)};
  }
  return d;
}

std::optional<std::string> ChatServer::public_key_of(UserId id) {
  if (auto it = key_cache_.find(id); it != key_cache_.end()) return it->second;
  auto u = store_.user_by_id(id);
  if (!u) return std::nullopt;
  if (key_cache_.size() >= kCacheMax) key_cache_.clear();
  key_cache_.emplace(id, u->public_key);
  return std::move(u->public_key);
}

Expected<crypto::PublicKey, crypto::Error> ChatServer::parsed_key_of(const protocol::User& u) {
  if (auto it = parsed_keys_.find(u.id); it != parsed_keys_.end()) return it->second;
  auto pub = crypto::parse_public_key(u.public_key);
  if (!pub) return Unexpected{pub.error()};
  if (parsed_keys_.size() >= kCacheMax) parsed_keys_.clear();
  parsed_keys_.emplace(u.id, *pub);
  return *pub;
}

void ChatServer::drop_caches() {
  key_cache_.clear();
  dm_cache_.clear();
  parsed_keys_.clear();
}

}  // namespace unm::server
