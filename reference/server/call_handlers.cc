// call_handlers.cc — join_call, leave_call and the call clean-up on disconnect (events.md §9).
// Call state lives in memory only (EV-CALL-008).
#include <algorithm>
#include <iterator>

#include "reference/protocol/limits.h"
#include "reference/protocol/validate.h"
#include "reference/server/chat_server.h"

namespace unm::server {

using protocol::fail;
using protocol::Reason;

namespace {
std::string id_username_json(DmId id, std::string_view name) {
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartObject();
    w.Key("id");
    w.Int64(id);
    w.Key("username");
    w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.EndObject();
  });
}
}  // namespace

std::vector<std::string> ChatServer::call_usernames(DmId dm) const {
  std::vector<std::string> out;
  auto it = calls_.find(dm);
  if (it == calls_.end()) return out;
  for (const auto& e : it->second) out.push_back(e.username);
  return out;
}

ChatServer::Reply ChatServer::handle_join_call(Request& req) {
  const auto& p = req.payload;
  if (!protocol::has_exact_keys(p, {"id", "uuid"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(p["id"]);
  if (!id) return Unexpected{id.error()};
  auto uuid = protocol::as_string(p["uuid"], protocol::limits::kCallUuidMin,
                                  protocol::limits::kCallUuidMax);
  if (!uuid) return Unexpected{uuid.error()};
  auto d = access_dm(*id, req.session.user);  // EV-CALL-001
  if (!d && fault(Fault::join_call_no_access_check)) {
    if (auto any = store_.dm(*id)) d = std::move(*any);
  }
  if (!d) return Unexpected{d.error()};
  // EV-CALL-002 / EV-CALL-006: a re-join replaces the uuid and moves the user to the end.
  std::vector<CallEntry> call;
  if (auto it = calls_.find(*id); it != calls_.end()) call = it->second;
  std::erase_if(call, [&](const CallEntry& e) { return e.user == req.session.user; });
  call.push_back(CallEntry{req.session.user, req.session.username, *uuid, req.conn});
  after_commit([this, id = *id, call] { calls_[id] = call; });
  auto dm = dm_object(*d);
  dm.users_in_call.clear();
  for (const auto& e : call) dm.users_in_call.push_back(e.username);
  // EV-CALL-003: dm_notification, then user_joined_call.
  notify(d->member_ids, protocol::notification::kDm,
         protocol::to_json(
             [&](protocol::JsonWriter& w) { protocol::write_dm(w, dm, std::nullopt, nullptr); }));
  notify(d->member_ids, protocol::notification::kUserJoinedCall,
         id_username_json(*id, req.session.username));
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartObject();
    for (const auto& e : call) {
      if (e.user == req.session.user && fault(Fault::join_result_without_caller)) continue;
      w.Key(e.username.c_str(), static_cast<rapidjson::SizeType>(e.username.size()));
      w.String(e.uuid.c_str(), static_cast<rapidjson::SizeType>(e.uuid.size()));
    }
    w.EndObject();
  });
}

ChatServer::Reply ChatServer::handle_leave_call(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  auto d = access_dm(*id, req.session.user);  // EV-CALL-004
  if (!d) return Unexpected{d.error()};
  std::vector<CallEntry> call;
  if (auto it = calls_.find(*id); it != calls_.end()) call = it->second;
  const auto before = call.size();
  std::erase_if(call, [&](const CallEntry& e) { return e.user == req.session.user; });
  if (call.size() == before && fault(Fault::leave_call_when_absent)) return std::string("true");
  if (call.size() == before)
    return Unexpected{fail(Reason::state, "You are not part of the call.")};
  after_commit([this, id = *id, call] { calls_[id] = call; });
  auto dm = dm_object(*d);
  dm.users_in_call.clear();
  for (const auto& e : call) dm.users_in_call.push_back(e.username);
  // EV-CALL-005: dm_notification, then user_left_call.
  notify(d->member_ids, protocol::notification::kDm,
         protocol::to_json(
             [&](protocol::JsonWriter& w) { protocol::write_dm(w, dm, std::nullopt, nullptr); }));
  notify(d->member_ids, protocol::notification::kUserLeftCall,
         id_username_json(*id, req.session.username));
  return std::string("true");
}

void ChatServer::leave_calls_of_connection(ConnId conn) {
  // EV-CALL-010: only calls joined through this very connection.
  std::vector<std::pair<DmId, std::string>> left;
  for (auto c = calls_.begin(); c != calls_.end();) {
    auto& call = c->second;
    auto it =
        std::find_if(call.begin(), call.end(), [&](const CallEntry& e) { return e.conn == conn; });
    if (it != call.end()) {
      left.emplace_back(c->first, it->username);
      call.erase(it);
    }
    c = call.empty() ? calls_.erase(c) : std::next(c);
  }
  for (const auto& [dm_id, username] : left) {
    if (!store_.begin()) continue;
    auto d = store_.dm(dm_id);
    store_.rollback();
    if (!d) continue;
    notify(d->member_ids, protocol::notification::kDm, dm_json(*d));
    notify(d->member_ids, protocol::notification::kUserLeftCall, id_username_json(dm_id, username));
  }
}

}  // namespace unm::server
