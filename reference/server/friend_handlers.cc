// friend_handlers.cc — friend requests, friendship and blocking: the state table of events.md
// §8.3. Friendship is stored as two `friends` rows (A→B and B→A); a request or a block is one
// directed row, so a request and a block can coexist in opposite directions (EV-FRD-001 iii).
#include "reference/protocol/validate.h"
#include "reference/server/chat_server.h"

namespace unm::server {

using protocol::fail;
using protocol::Reason;

namespace {
std::string username_json(std::string_view name) {
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartObject();
    w.Key("username");
    w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.EndObject();
  });
}

// username_arg reads the one `username` string of the §8 events (EV-FRD-002).
Expected<std::string, protocol::Failure> username_arg(const rapidjson::Value& p) {
  if (!protocol::has_exact_keys(p, {"username"})) return Unexpected{fail(Reason::format)};
  return protocol::as_any_string(p["username"]);
}
}  // namespace

ChatServer::Reply ChatServer::handle_send_friend_request(Request& req) {
  auto name = username_arg(req.payload);
  if (!name) return Unexpected{name.error()};
  const UserId a = req.session.user;
  if (*name == req.session.username) {
    return Unexpected{fail(Reason::relation, "You cannot friend yourself.")};
  }
  // EV-FRD-003: unknown and "blocks you" share one text, so a block is not revealed.
  const auto target = store_.user_by_name(*name);
  if (!target || store_.relation(target->id, a) == Relation::block) {
    return Unexpected{fail(Reason::relation, "Could not friend that person.")};
  }
  const UserId b = target->id;
  const Relation ab = store_.relation(a, b);
  const Relation ba = store_.relation(b, a);
  if (ab == Relation::friends)
    return Unexpected{fail(Reason::relation, "You are already friends.")};
  if (ab == Relation::request) {
    return Unexpected{fail(Reason::relation, "You already sent that user a request.")};
  }
  if (ba == Relation::request) {
    return Unexpected{fail(Reason::relation, "That user already sent you a request.")};
  }
  // S0 → S1, S4 → S1 (the caller's own block is replaced by the request).
  store_.set_relation(a, b, Relation::request);
  const UserId told = fault(Fault::friend_request_notifies_sender) ? a : b;  // EV-FRD-003 bug
  notify({told}, protocol::notification::kFriendRequest, username_json(req.session.username));
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_list_relation(Request& req, Relation r, bool incoming) {
  if (!protocol::has_exact_keys(req.payload, {})) return Unexpected{fail(Reason::format)};
  if (r == Relation::request && !incoming && fault(Fault::outgoing_lists_incoming)) {
    incoming = true;  // bug against EV-FRD-004: direction swapped
  }
  const auto names = store_.related_names(req.session.user, r, incoming);  // EV-FRD-004
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartArray();
    for (const auto& n : names) w.String(n.c_str(), static_cast<rapidjson::SizeType>(n.size()));
    w.EndArray();
  });
}

ChatServer::Reply ChatServer::handle_ack_friend_request(Request& req) {
  const auto& p = req.payload;
  if (!protocol::has_exact_keys(p, {"username", "accept"})) return Unexpected{fail(Reason::format)};
  auto name = protocol::as_any_string(p["username"]);
  if (!name) return Unexpected{name.error()};
  auto accept = protocol::as_bool(p["accept"]);
  if (!accept) return Unexpected{accept.error()};
  const UserId a = req.session.user;
  const auto requester = store_.user_by_name(*name);
  if (!requester || requester->id == a || store_.relation(requester->id, a) != Relation::request) {
    return Unexpected{fail(Reason::relation, "That user did not send you a request.")};
  }
  const UserId b = requester->id;
  if (*accept) {
    // S2 → S3, S8 → S3: friendship replaces the request and the caller's block.
    store_.set_relation(a, b, Relation::friends);
    // Fault::accept_keeps_request: one side only, b's request stays (EV-FRD-001 bug).
    if (!fault(Fault::accept_keeps_request)) store_.set_relation(b, a, Relation::friends);
  } else {
    store_.set_relation(b, a, Relation::none);  // S2 → S0, S8 → S4: a block stays
  }
  notify({b}, protocol::notification::kFriendAccept,
         protocol::to_json([&](protocol::JsonWriter& w) {
           w.StartObject();
           w.Key("username");
           w.String(req.session.username.c_str(),
                    static_cast<rapidjson::SizeType>(req.session.username.size()));
           w.Key("accept");
           w.Bool(*accept);
           w.EndObject();
         }));
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_unfriend(Request& req) {
  auto name = username_arg(req.payload);
  if (!name) return Unexpected{name.error()};
  const UserId a = req.session.user;
  const auto other = store_.user_by_name(*name);
  if (!other || other->id == a || !friends(a, other->id)) {
    return Unexpected{fail(Reason::relation, "You are not friends with that user.")};
  }
  store_.set_relation(a, other->id, Relation::none);  // S3 → S0
  store_.set_relation(other->id, a, Relation::none);
  // EV-FRD-006: both sides are told, the other user first.
  notify({other->id}, protocol::notification::kUnfriend, username_json(req.session.username));
  notify({a}, protocol::notification::kUnfriend, username_json(other->username));
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_block(Request& req) {
  auto name = username_arg(req.payload);
  if (!name) return Unexpected{name.error()};
  const UserId a = req.session.user;
  const auto target = store_.user_by_name(*name);
  if (!target || target->id == a || store_.relation(a, target->id) == Relation::block) {
    return Unexpected{fail(Reason::relation, "You cannot block that user.")};
  }
  const UserId b = target->id;
  // EV-FRD-007: friendship and own request dropped, block stored, their request kept — and no
  // notification at all.
  const bool were_friends = store_.relation(b, a) == Relation::friends;
  if (were_friends) store_.set_relation(b, a, Relation::none);
  store_.set_relation(a, b, Relation::block);
  if (were_friends && fault(Fault::block_notifies_unfriend)) {  // bug against EV-FRD-007
    notify({b}, protocol::notification::kUnfriend, username_json(req.session.username));
    notify({a}, protocol::notification::kUnfriend, username_json(target->username));
  }
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_unblock(Request& req) {
  auto name = username_arg(req.payload);
  if (!name) return Unexpected{name.error()};
  const UserId a = req.session.user;
  const auto target = store_.user_by_name(*name);
  if (!target || target->id == a || store_.relation(a, target->id) != Relation::block) {
    return Unexpected{fail(Reason::relation, "You cannot unblock that user.")};
  }
  if (fault(Fault::unblock_keeps_block)) {
    store_.set_relation(target->id, a, Relation::none);  // bug: the wrong direction
  } else {
    store_.set_relation(a, target->id, Relation::none);  // EV-FRD-008, no notification
  }
  return std::string("true");
}

}  // namespace unm::server
