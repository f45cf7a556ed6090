// dm_handlers.cc — create_dm (with X3DH notifications), get_dms, get_dm, set_dm, leave_dm and
// ping_typing (events.md §4, §7).
#include <algorithm>
#include <set>

#include "reference/protocol/limits.h"
#include "reference/protocol/validate.h"
#include "reference/server/chat_server.h"

namespace unm::server {

using protocol::fail;
using protocol::Reason;

ChatServer::Reply ChatServer::handle_create_dm(Request& req) {
  const auto& p = req.payload;
  namespace lim = protocol::limits;
  // EV-DM-001: shapes first (R-FORMAT) …
  if (!protocol::has_exact_keys(p, {"usernames", "messages", "key_tree"})) {
    return Unexpected{fail(Reason::format)};
  }
  const auto& names_v = p["usernames"];
  const auto& msgs_v = p["messages"];
  const auto& tree_v = p["key_tree"];
  if (!names_v.IsArray() || !msgs_v.IsArray() || !tree_v.IsArray() ||
      names_v.Size() < lim::kCreateDmTargetsMin || names_v.Size() > lim::kCreateDmTargetsMax ||
      msgs_v.Size() != names_v.Size() || tree_v.Size() < lim::kKeyTreeMin ||
      tree_v.Size() > lim::kKeyTreeMax) {
    return Unexpected{fail(Reason::format)};
  }
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& n : names_v.GetArray()) {
    if (!n.IsString()) return Unexpected{fail(Reason::format)};
    std::string name(n.GetString(), n.GetStringLength());
    if (name == req.session.username || !seen.insert(name).second) {
      return Unexpected{fail(Reason::format)};  // the caller itself, or a duplicate
    }
    names.push_back(std::move(name));
  }
  for (const auto& m : msgs_v.GetArray()) {
    const auto* spk = protocol::find_member(m, "spk");
    const auto* ek = protocol::find_member(m, "ek");
    if (!m.IsObject() || spk == nullptr || ek == nullptr || !spk->IsString() || !ek->IsString()) {
      return Unexpected{fail(Reason::format)};
    }
  }
  for (const auto& k : tree_v.GetArray()) {
    if (!k.IsString()) return Unexpected{fail(Reason::format)};
  }
  // … then points (EV-DM-004, R-MALFORMED).
  std::vector<std::string> eks;
  std::vector<std::string> spks;
  for (const auto& m : msgs_v.GetArray()) {
    auto ek = protocol::as_key(m["ek"]);
    if (!ek) return Unexpected{ek.error()};
    eks.push_back(std::move(*ek));
    spks.emplace_back(m["spk"].GetString(), m["spk"].GetStringLength());
  }
  std::vector<std::string> tree;
  for (const auto& k : tree_v.GetArray()) {
    auto key = protocol::as_key(k);
    if (!key) return Unexpected{key.error()};
    tree.push_back(std::move(*key));
  }
  // EV-DM-002 / EV-DM-003: every target exists and was addressed with its current SPK.
  std::vector<protocol::User> targets;
  std::vector<std::size_t> entry;  // targets[k] was usernames[entry[k]]
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto u = store_.user_by_name(names[i]);
    if (!u && fault(Fault::create_dm_skips_unknown_users)) continue;  // EV-DM-002 bug
    if (!u) return Unexpected{fail(Reason::nouser)};
    if (!u->spk || *u->spk != spks[i])
      return Unexpected{fail(Reason::state, "SPK does not match.")};
    targets.push_back(std::move(*u));
    entry.push_back(i);
  }
  const UserId caller = req.session.user;
  // EV-DM-005: a 1:1 DM needs friendship and must not exist yet.
  if (targets.size() == 1) {
    if (!friends(caller, targets[0].id)) {
      return Unexpected{fail(Reason::relation, "You need to be friends to make that DM.")};
    }
    if (store_.dm_with_members(caller, targets[0].id)) {
      return Unexpected{fail(Reason::state, "DM with that user already exists.")};
    }
  }
  auto creator = store_.user_by_id(caller);
  if (!creator) return Unexpected{fail(Reason::internal)};
  // EV-DM-008 / EV-DM-009: positions are the creator, then `usernames` in order.
  std::vector<UserId> members{caller};
  for (const auto& t : targets) members.push_back(t.id);
  const DmId id = store_.insert_dm(clock_.now(), members, tree);
  // EV-DM-011…013: one X3DH object per target; online targets get it at once, the others keep
  // it pending (durably, in creation order). The DM creation itself notifies nobody.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    protocol::X3dhObject x;
    x.sender = creator->username;
    x.ik = creator->public_key;
    x.spk = spks[entry[i]];
    x.ek = fault(Fault::x3dh_first_ek_for_all) ? eks[0] : eks[entry[i]];
    x.key_tree = tree;
    x.position = static_cast<std::int64_t>(i) + (fault(Fault::x3dh_position_from_zero) ? 0 : 1);
    x.id = id;
    if (online_.count(targets[i].id) != 0) {
      notify({targets[i].id}, protocol::notification::kX3dh, x3dh_json(x));
    } else {
      store_.insert_pending_x3dh(targets[i].id, x);
    }
  }
  if (fault(Fault::create_dm_notifies)) {  // bug against EV-DM-010
    if (auto d = store_.dm(id)) notify(d->member_ids, protocol::notification::kDm, dm_json(*d));
  }
  return std::to_string(id);
}

std::string ChatServer::x3dh_json(const protocol::X3dhObject& x) {
  if (!fault(Fault::x3dh_prose_keys)) {
    return protocol::to_json([&](protocol::JsonWriter& w) { protocol::write_x3dh(w, x); });
  }
  // Bug against EV-OBJ-016: the keys of the document's prose (pub, dm_id) instead of ik, id.
  return protocol::to_json([&](protocol::JsonWriter& w) {
    const auto str = [&](const char* k, const std::string& v) {
      w.Key(k);
      w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    w.StartObject();
    str("sender", x.sender);
    str("pub", x.ik);
    str("spk", x.spk);
    str("ek", x.ek);
    w.Key("key_tree");
    w.StartArray();
    for (const auto& k : x.key_tree)
      w.String(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.EndArray();
    w.Key("position");
    w.Int64(x.position);
    w.Key("dm_id");
    w.Int64(x.id);
    w.EndObject();
  });
}

ChatServer::Reply ChatServer::handle_get_dms(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {})) return Unexpected{fail(Reason::format)};
  const auto ids = store_.dms_of(req.session.user);  // EV-DM-017: ascending
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartArray();
    for (DmId id : ids) w.Int64(id);
    w.EndArray();
  });
}

ChatServer::Reply ChatServer::handle_get_dm(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  auto d = access_dm(*id, req.session.user);  // EV-DM-018
  if (!d && fault(Fault::get_dm_no_access_check)) {
    if (auto any = store_.dm(*id)) d = std::move(*any);
  }
  if (!d) return Unexpected{d.error()};
  // EV-DM-019: latest message and the caller's own pending scheduled messages.
  const auto dm = dm_object(*d);
  const std::optional<std::optional<protocol::Message>> latest = store_.latest_message(*id);
  std::vector<protocol::ScheduledEntry> scheduled;
  const auto list = [&](UserId u) {
    for (const auto& s : store_.scheduled_of(*id, u)) {
      scheduled.push_back(protocol::ScheduledEntry{s.schedule_id, s.message, s.signature, s.due});
    }
  };
  list(req.session.user);
  if (fault(Fault::get_dm_shows_all_scheduled)) {  // bug: the other members' too
    for (UserId u : d->member_ids) {
      if (u != req.session.user) list(u);
    }
  }
  return protocol::to_json(
      [&](protocol::JsonWriter& w) { protocol::write_dm(w, dm, latest, &scheduled); });
}

ChatServer::Reply ChatServer::handle_set_dm(Request& req) {
  const auto& p = req.payload;
  // EV-DM-023: `id` mandatory, `name` the one recognised property, other keys ignored.
  const auto* id_v = protocol::find_member(p, "id");
  const auto* name_v = protocol::find_member(p, "name");
  if (id_v == nullptr || name_v == nullptr) return Unexpected{fail(Reason::format)};
  if (fault(Fault::set_dm_exact_keys) && !protocol::has_exact_keys(p, {"id", "name"})) {
    return Unexpected{fail(Reason::format)};  // bug against EV-TRN-012
  }
  auto id = protocol::as_id(*id_v);
  if (!id) return Unexpected{id.error()};
  std::optional<std::string> name;
  if (!name_v->IsNull()) {
    auto n = protocol::as_string(*name_v, 0, protocol::limits::kDmNameMax);
    if (!n) return Unexpected{n.error()};
    name = std::move(*n);
  }
  auto d = access_dm(*id, req.session.user);  // EV-DM-024
  if (!d) return Unexpected{d.error()};
  store_.set_dm_name(*id, name);
  forget_dm(*id);
  d->name = name;
  notify(d->member_ids, protocol::notification::kDm, dm_json(*d));
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_leave_dm(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  const UserId caller = req.session.user;
  auto d = access_dm(*id, caller);  // EV-DM-026
  if (!d) return Unexpected{d.error()};
  // EV-DM-027: leave, cancel own scheduled messages, leave the call — in one change.
  store_.remove_member(*id, caller);
  forget_dm(*id);
  store_.delete_scheduled_of(*id, caller);
  const auto pos = std::find(d->member_ids.begin(), d->member_ids.end(), caller);
  d->member_names.erase(d->member_names.begin() + (pos - d->member_ids.begin()));
  d->member_ids.erase(pos);
  const auto call = calls_.find(*id);
  const bool was_in_call = !fault(Fault::leave_dm_keeps_call) && call != calls_.end() &&
                           std::any_of(call->second.begin(), call->second.end(),
                                       [&](const CallEntry& e) { return e.user == caller; });
  auto dm = dm_object(*d);
  if (was_in_call) {
    std::erase(dm.users_in_call, req.session.username);
    after_commit([this, id = *id, caller] {
      auto it = calls_.find(id);
      if (it == calls_.end()) return;
      std::erase_if(it->second, [&](const CallEntry& e) { return e.user == caller; });
      if (it->second.empty()) calls_.erase(it);
    });
  }
  std::vector<UserId> told = d->member_ids;
  if (fault(Fault::leave_dm_notifies_leaver)) told.push_back(caller);  // EV-DM-027 bug
  notify(std::move(told), protocol::notification::kDm,
         protocol::to_json(
             [&](protocol::JsonWriter& w) { protocol::write_dm(w, dm, std::nullopt, nullptr); }));
  if (was_in_call) {
    notify(d->member_ids, protocol::notification::kUserLeftCall,
           protocol::to_json([&](protocol::JsonWriter& w) {
             w.StartObject();
             w.Key("id");
             w.Int64(*id);
             w.Key("username");
             w.String(req.session.username.c_str(),
                      static_cast<rapidjson::SizeType>(req.session.username.size()));
             w.EndObject();
           }));
  }
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_ping_typing(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"id"})) return Unexpected{fail(Reason::format)};
  auto id = protocol::as_id(req.payload["id"]);
  if (!id) return Unexpected{id.error()};
  auto d = access_dm(*id, req.session.user);  // EV-TYP-001
  if (!d) return Unexpected{d.error()};
  if (d->member_ids.size() == 2 && !friends(d->member_ids[0], d->member_ids[1])) {
    return Unexpected{fail(Reason::notfriends)};
  }
  // EV-TYP-002: members' connections except the requesting one.
  notify(d->member_ids, protocol::notification::kTyping,
         protocol::to_json([&](protocol::JsonWriter& w) {
           w.StartObject();
           w.Key("id");
           w.Int64(*id);
           w.Key("username");
           w.String(req.session.username.c_str(),
                    static_cast<rapidjson::SizeType>(req.session.username.size()));
           w.EndObject();
         }),
         req.conn);
  return std::string("true");
}

}  // namespace unm::server
