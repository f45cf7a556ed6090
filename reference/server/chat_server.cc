#include "reference/server/chat_server.h"

#include <algorithm>

namespace unm::server {

using protocol::Event;
using protocol::fail;
using protocol::Failure;
using protocol::Reason;

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
  auto [it, inserted] = sessions_.try_emplace(conn);
  Session& s = it->second;
  reset_request_state();
  Reply reply = Unexpected{fail(Reason::internal)};
  const auto ev = protocol::parse_event(name);
  const bool one_object = !binary && args.IsArray() && args.Size() == 1 && args[0].IsObject();
  if (!ev) {
    reply = Unexpected{fail(Reason::unknown)};  // EV-TRN-021: no state change
  } else if (*ev == Event::login) {
    reply = handle_login(conn, s, args, binary);
  } else if (*ev == Event::login_challenge_response) {
    reply = handle_challenge_response(conn, s, args, binary);
  } else if (protocol::requires_login(*ev) && s.state != State::logged_in) {
    reply = Unexpected{fail(Reason::notlogged)};  // EV-TRN-022: before payload validation
  } else if (!one_object) {
    reply = Unexpected{fail(Reason::format)};  // EV-TRN-008
  } else if (!store_.begin()) {
    reply = Unexpected{fail(Reason::internal)};
  } else {
    Request req{conn, s, args[0]};
    reply = dispatch(*ev, req);
    // EV-TRN-010: a failed request changes nothing; a successful one is committed (durable)
    // before its ack is sent.
    if (!reply) {
      store_.rollback();
      reset_request_state();
    } else if (!store_.commit()) {
      reply = Unexpected{fail(Reason::internal)};
      reset_request_state();
    }
  }
  for (auto& fn : post_commit_) fn();
  post_commit_.clear();
  finish(conn, ack_id, reply);
  flush_notes();
  run_due();  // e.g. an X3DH delivery with zero delay, due right after this ack
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
  if (reply) {
    outbox_.ack(conn, *ack_id, protocol::result_json(true, *reply));
  } else {
    outbox_.ack(conn, *ack_id,
                protocol::result_json(false, protocol::json_string(reply.error().text)));
  }
}

void ChatServer::notify(std::vector<UserId> users, std::string_view name, std::string payload,
                        std::optional<ConnId> exclude) {
  notes_.push_back(Note{std::move(users), false, exclude, name, std::move(payload)});
}

void ChatServer::notify_everyone(std::string_view name, std::string payload,
                                 std::optional<ConnId> exclude) {
  notes_.push_back(Note{{}, true, exclude, name, std::move(payload)});
}

void ChatServer::flush_notes() {
  // Recipients are resolved now, when the notification is emitted (§0 "members' connections");
  // only logged-in connections ever receive one (EV-TRN-025).
  auto notes = std::move(notes_);
  notes_.clear();
  for (const auto& n : notes) {
    std::vector<ConnId> targets;
    if (n.everyone) {
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
    for (ConnId c : targets) {
      if (n.exclude && *n.exclude == c) continue;
      outbox_.emit(c, n.name, n.payload);
    }
  }
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
  auto d = store_.dm(id);
  if (!d || std::find(d->member_ids.begin(), d->member_ids.end(), caller) == d->member_ids.end()) {
    return Unexpected{fail(Reason::dmaccess)};
  }
  return std::move(*d);
}

}  // namespace unm::server
