#include "reference/client/fake_server.h"

#include <algorithm>
#include <set>
#include <thread>

#include <rapidjson/document.h>

#include "reference/client/rpc.h"
#include "reference/common/hex.h"
#include "reference/crypto/crypto.h"
#include "reference/protocol/timestamp.h"

namespace unm::client::testing {

using transport::ChannelError;
using transport::ChannelFailure;

Expected<std::string, ChannelFailure> FakeChannel::call(std::string_view event,
                                                        std::string_view args_json_array,
                                                        std::chrono::milliseconds) {
  if (!open_)
    return Unexpected<ChannelFailure>{ChannelFailure{ChannelError::disconnected, "closed"}};
  calls.emplace_back(std::string(event), std::string(args_json_array));
  auto r = responder_(*this, event, args_json_array);
  if (!r) return Unexpected<ChannelFailure>{ChannelFailure{ChannelError::timeout, "no ack"}};
  return std::move(*r);
}

Expected<void, ChannelFailure> FakeChannel::emit(std::string_view event,
                                                 std::string_view args_json_array) {
  if (!open_)
    return Unexpected<ChannelFailure>{ChannelFailure{ChannelError::disconnected, "closed"}};
  calls.emplace_back(std::string(event), std::string(args_json_array));
  (void)responder_(*this, event, args_json_array);
  return {};
}

Expected<void, ChannelFailure> FakeChannel::send_raw(std::string_view) {
  return Unexpected<ChannelFailure>{ChannelFailure{ChannelError::bad_argument, "not supported"}};
}

void FakeChannel::set_event_handler(transport::EventHandler handler) {
  handler_ = std::move(handler);
  while (handler_ && !queued_.empty()) {
    auto [n, a] = std::move(queued_.front());
    queued_.pop_front();
    handler_(std::move(n), std::move(a));
  }
}

void FakeChannel::set_disconnect_handler(transport::DisconnectHandler handler) {
  on_disconnect_ = std::move(handler);
}

void FakeChannel::close() {
  if (!open_) return;
  open_ = false;
  if (on_close) on_close(this);
}

void FakeChannel::drop() {
  if (!open_) return;
  close();
  if (on_disconnect_) on_disconnect_(ChannelFailure{ChannelError::disconnected, "server closed"});
}

void FakeChannel::deliver(const std::string& name, const std::string& payload_json) {
  std::string args = "[" + payload_json + "]";
  if (handler_) {
    handler_(name, std::move(args));
  } else {
    queued_.emplace_back(name, std::move(args));
  }
}

// ---------------------------------------------------------------------------------------------

namespace {

std::string ok(const std::string& result_json) {
  return "[{\"success\":true,\"result\":" + result_json + "}]";
}
std::string err(const std::string& reason) {
  return "[{\"success\":false,\"result\":" + json_string(reason) + "}]";
}

std::string str(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t num(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return -1;
  return it->value.GetInt64();
}

}  // namespace

struct MiniServer::Impl {
  struct UserRec {
    std::string pub, spk, sig, own_storage, status = "online", biography, picture;
  };
  struct ReactionRec {
    std::int64_t id;
    std::string sender, reaction, signature;
  };
  struct MsgRec {
    std::int64_t id, dm_id;
    std::string sender, message, signature, timestamp;
    bool pinned = false;
    std::vector<ReactionRec> reactions;
  };
  struct DmRec {
    std::vector<std::string> users;
    std::optional<std::string> name;
  };

  crypto::Random* rng;
  Dialect dialect = Dialect::document;
  std::chrono::milliseconds pending_delay{0};
  std::mutex mu;  // guards conns: pending X3DH objects are delivered from timer threads
  std::vector<std::thread> timers;
  std::map<std::string, std::set<std::string>> blocked;
  // dm → (user, uuid) in join order
  std::map<std::int64_t, std::vector<std::pair<std::string, std::string>>> calls;
  std::map<std::string, UserRec> users;
  std::map<std::int64_t, DmRec> dms;
  std::map<std::int64_t, MsgRec> msgs;
  std::map<std::string, std::vector<std::string>> pending;
  std::vector<FakeChannel*> conns;
  std::int64_t next_dm = 1, next_msg = 1, next_rct = 1, clock = 0;
  std::uint64_t next_serial = 1;

  bool deployed() const { return dialect == Dialect::deployed; }

  std::string now() {
    ++clock;
    // Distinct, increasing timestamps in the EV-OBJ-001 form, 1.5 s apart, so that every other
    // one has a zero fraction (which the deployed server leaves out, §12 #26).
    constexpr protocol::Micros kBase = 1'767'225'600'000'000;  // 2026-01-01T00:00:00
    std::string t = protocol::format_timestamp(kBase + clock * 1'500'000);
    if (deployed() && t.ends_with(".000000")) t.resize(t.size() - 7);
    return t;
  }

  std::string user_json(const std::string& name, bool full, bool with_id = false) {
    const UserRec& u = users.at(name);
    Payload p;
    if (with_id)
      p.num("id", static_cast<std::int64_t>(std::distance(users.begin(), users.find(name)) + 1));
    p.str("username", name).str("public_key", u.pub).str("spk", u.spk).str("sig", u.sig);
    p.str("status", u.status).str("biography", u.biography).str("profile_picture", u.picture);
    if (full) p.str("own_storage", u.own_storage);
    if (full && with_id) p.str("x3dh_requests", "[]");
    return p.text();
  }

  std::string call_json(std::int64_t dm) {
    // §12 #6: the deployed server sends username → uuid; the document a list of usernames.
    std::string out = deployed() ? "{" : "[";
    bool first = true;
    for (const auto& [u, uuid] : calls[dm]) {
      if (!first) out += ',';
      first = false;
      out += json_string(u);
      if (deployed()) {
        out += ':';
        out += json_string(uuid);
      }
    }
    return out + (deployed() ? "}" : "]");
  }

  std::string dm_json(std::int64_t id, bool with_latest) {
    Payload d;
    d.num("id", id).str_array("users", dms[id].users);
    if (dms[id].name) {
      d.str("name", *dms[id].name);
    } else {
      d.null("name");
    }
    d.str("created_at", "2026-01-01T00:00:00.000000").raw("users_in_call", call_json(id));
    if (deployed()) d.str("public_keys", "[\"00\"]");  // §12 #18
    if (with_latest) {
      const MsgRec* latest = nullptr;
      for (const auto& [mid, m] : msgs)
        if (m.dm_id == id) latest = &m;
      if (latest != nullptr) {
        d.raw("latest_message", msg_json(*latest, deployed()));
      } else {
        d.null("latest_message");
      }
      d.raw("scheduled_messages", "{}");
    }
    return d.text();
  }

  std::string msg_json(const MsgRec& m, bool dm_key_named_dm = false) {
    std::string rs = "[";
    for (std::size_t i = 0; i < m.reactions.size(); ++i) {
      if (i) rs += ',';
      rs += Payload()
                .num("id", m.reactions[i].id)
                .str("sender", m.reactions[i].sender)
                .str("reaction", m.reactions[i].reaction)
                .str("signature", m.reactions[i].signature)
                .text();
    }
    rs += ']';
    Payload p;
    p.num("id", m.id).num(dm_key_named_dm ? "dm" : "dm_id", m.dm_id);
    p.str("sender", m.sender).str("message", m.message);
    p.str("signature", m.signature).str("timestamp", m.timestamp).null("delete_timestamp");
    p.boolean("pinned", m.pinned).raw("reactions", rs);
    return p.text();
  }

  bool member(std::int64_t dm, const std::string& user) {
    auto it = dms.find(dm);
    return it != dms.end() && std::find(it->second.users.begin(), it->second.users.end(), user) !=
                                  it->second.users.end();
  }
  bool online(const std::string& user) {
    std::lock_guard<std::mutex> lock(mu);
    return std::any_of(conns.begin(), conns.end(), [&](FakeChannel* c) { return c->user == user; });
  }

  std::function<bool(const std::string&, const std::string&, std::string&)>* tamper = nullptr;

  void notify(const std::string& user, const std::string& name, const std::string& payload) {
    std::lock_guard<std::mutex> lock(mu);
    for (FakeChannel* c : std::vector<FakeChannel*>(conns)) {
      if (c->user != user) continue;
      std::string p = payload;
      if (tamper != nullptr && *tamper && !(*tamper)(user, name, p)) continue;
      c->deliver(name, p);
    }
  }
  void notify_members(std::int64_t dm, const std::string& name, const std::string& payload) {
    for (const auto& u : dms.at(dm).users) notify(u, name, payload);
  }
};

MiniServer::MiniServer(crypto::Random& rng, Dialect dialect,
                       std::chrono::milliseconds pending_delay)
    : impl_(std::make_unique<Impl>()) {
  impl_->rng = &rng;
  impl_->dialect = dialect;
  impl_->pending_delay = pending_delay;
}

MiniServer::~MiniServer() {
  for (auto& t : impl_->timers) t.join();
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (FakeChannel* c : impl_->conns) c->on_close = nullptr;
}

std::string MiniServer::sealed_storage(const std::string& user) const {
  return impl_->users.at(user).own_storage;
}

void MiniServer::set_sealed_storage(const std::string& user, const std::string& sealed) {
  impl_->users.at(user).own_storage = sealed;
}

std::unique_ptr<transport::EventChannel> MiniServer::connect(FakeChannel** out) {
  auto ch = std::make_unique<FakeChannel>(
      [this](FakeChannel& c, std::string_view e, std::string_view a) -> std::optional<std::string> {
        auto ack = handle(c, e, a);
        if (ack && tamper_ack) tamper_ack(e, *ack);
        return ack;
      });
  ch->on_close = [impl = impl_.get()](FakeChannel* c) {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->conns.erase(std::remove(impl->conns.begin(), impl->conns.end(), c), impl->conns.end());
    // EV-CALL-010 (and §12 #8): a closed connection leaves its user's calls (not announced
    // here: the fake has a single connection per user at a time).
    for (auto& [dm, call] : impl->calls)
      call.erase(std::remove_if(call.begin(), call.end(),
                                [&](const auto& e) { return e.first == c->user; }),
                 call.end());
  };
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    ch->serial = impl_->next_serial++;
    impl_->conns.push_back(ch.get());
  }
  if (out != nullptr) *out = ch.get();
  return ch;
}

std::size_t MiniServer::pending_count(const std::string& user) const {
  auto it = impl_->pending.find(user);
  return it == impl_->pending.end() ? 0 : it->second.size();
}

std::int64_t MiniServer::raw_message(std::int64_t dm_id, const std::string& sender,
                                     const std::string& ciphertext, const std::string& signature) {
  Impl::MsgRec m{impl_->next_msg++, dm_id, sender, ciphertext, signature, impl_->now()};
  impl_->msgs.emplace(m.id, m);
  return m.id;
}

std::optional<std::string> MiniServer::handle(FakeChannel& conn, std::string_view event,
                                              std::string_view args) {
  Impl& s = *impl_;
  s.tamper = &tamper;
  auto doc = parse_json(args);
  if (!doc || !doc->IsArray() || doc->Size() != 1 || !(*doc)[0].IsObject())
    return err("Invalid data format.");
  const rapidjson::Value& p = (*doc)[0];
  const std::string ev(event);

  if (ev == "username_exists") {
    auto u = p.FindMember("username");
    if (u == p.MemberEnd()) return err("Invalid data format.");
    // EV-TRN-018 refuses a non-string username; the deployed server answers false (§12 #30).
    if (!u->value.IsString()) return s.deployed() ? ok("false") : err("Invalid data format.");
    return ok(s.users.count(str(p, "username")) ? "true" : "false");
  }
  if (ev == "register") {
    const std::string name = str(p, "username");
    if (!crypto::verify_hex(str(p, "public_key"), str(p, "spk"), str(p, "sig")))
      return err("Malformed data.");
    if (s.users.count(name)) return err("Username already exists.");
    s.users[name] =
        Impl::UserRec{str(p, "public_key"), str(p, "spk"), str(p, "sig"), str(p, "own_storage")};
    return ok("true");
  }
  if (ev == "login") {
    auto it = s.users.find(str(p, "username"));
    if (it == s.users.end()) return err("User does not exist.");
    auto pub = crypto::parse_public_key(it->second.pub);
    auto ch = crypto::create_challenge(*pub, *s.rng);
    conn.expected_response = to_hex(std::span<const std::uint8_t>(ch->expected));
    conn.pending_user = it->first;
    return ok(json_string(to_hex(std::span<const std::uint8_t>(ch->challenge))));
  }
  if (ev == "login_challenge_response") {
    if (conn.pending_user.empty()) return err("Not expecting a challenge response right now.");
    const bool right = crypto::challenge_matches(conn.expected_response, str(p, "response"));
    const std::string user = std::exchange(conn.pending_user, {});
    if (!right) return err("Incorrect response.");
    conn.user = user;
    // EV-DM-014: pending X3DH objects go out after login (here at once: grace period 0).
    auto pend = std::move(s.pending[user]);
    s.pending.erase(user);
    if (!s.deployed()) {
      for (const auto& x : pend) conn.deliver("x3dh_notification", x);
      return ok("true");
    }
    // §12 #10: the queue is emptied now and sent after a delay, to this connection if it is
    // still open; otherwise the objects are lost.
    if (!pend.empty()) {
      const std::uint64_t target = conn.serial;
      s.timers.emplace_back([impl = impl_.get(), target, pend = std::move(pend)] {
        std::this_thread::sleep_for(impl->pending_delay);
        std::lock_guard<std::mutex> lock(impl->mu);
        for (FakeChannel* c : impl->conns)
          if (c->serial == target)
            for (const auto& x : pend) c->deliver("x3dh_notification", x);
      });
    }
    // §12 #13: the full record (own_storage included) goes to everybody else.
    const std::string full = s.user_json(user, true, true);
    {
      std::lock_guard<std::mutex> lock(s.mu);
      for (FakeChannel* c : s.conns)
        if (c != &conn) c->deliver("profile_notification", full);
    }
    return ok("true");
  }
  if (conn.user.empty()) return err("Not logged in.");
  const std::string& me = conn.user;

  if (ev == "get_user") {
    const std::string name = str(p, "username");
    if (!s.users.count(name)) return err("User does not exist.");
    return ok(s.user_json(name, false));
  }
  if (ev == "get_full_user") return ok(s.user_json(me, true));
  if (ev == "get_user_list") {
    std::string out = "[";
    for (const auto& [name, u] : s.users)
      out += (out.size() > 1 ? "," : "") + s.user_json(name, false, s.deployed());  // #14
    return ok(out + "]");
  }
  if (ev == "block_user") {
    if (!s.users.count(str(p, "username"))) return err("User does not exist.");
    s.blocked[me].insert(str(p, "username"));
    return ok("true");
  }
  if (ev == (s.deployed() ? "unblock_user" : "unblock")) {
    if (s.blocked[me].erase(str(p, "username")) == 0) return err("You cannot unblock that user.");
    return ok("true");
  }
  if (ev == "get_blocked") {
    std::string out = "[";
    for (const auto& u : s.blocked[me]) out += (out.size() > 1 ? "," : "") + json_string(u);
    return ok(out + "]");
  }
  if (ev == "set_user") {
    Impl::UserRec& u = s.users.at(me);
    if (p.HasMember("spk")) {
      if (!crypto::verify_hex(u.pub, str(p, "spk"), str(p, "sig"))) return err("Malformed data.");
      u.spk = str(p, "spk");
      u.sig = str(p, "sig");
    }
    if (p.HasMember("own_storage")) u.own_storage = str(p, "own_storage");
    if (p.HasMember("status")) u.status = str(p, "status");
    if (p.HasMember("biography")) u.biography = str(p, "biography");
    return ok("true");
  }
  if (ev == "create_dm") {
    const auto& names = p["usernames"];
    const auto& msgs = p["messages"];
    if (!names.IsArray() || !msgs.IsArray() || names.Size() != msgs.Size())
      return err("Invalid data format.");
    Impl::DmRec dm;
    dm.users.push_back(me);
    for (rapidjson::SizeType i = 0; i < names.Size(); ++i) {
      const std::string n(names[i].GetString(), names[i].GetStringLength());
      if (!s.users.count(n)) return err("User does not exist.");
      if (str(msgs[i], "spk") != s.users[n].spk) return err("SPK does not match.");
      dm.users.push_back(n);
    }
    std::string tree = "[";
    for (rapidjson::SizeType i = 0; i < p["key_tree"].Size(); ++i) {
      if (i) tree += ',';
      tree += json_string(p["key_tree"][i].GetString());
    }
    tree += ']';
    const std::int64_t id = s.next_dm++;
    s.dms[id] = dm;
    for (rapidjson::SizeType i = 0; i < names.Size(); ++i) {
      const std::string& target = dm.users[i + 1];
      std::string x = Payload()
                          .str("sender", me)
                          .str("ik", s.users[me].pub)
                          .str("spk", str(msgs[i], "spk"))
                          .str("ek", str(msgs[i], "ek"))
                          .raw("key_tree", tree)
                          .num("position", static_cast<std::int64_t>(i) + 1)
                          .num("id", id)
                          .text();
      if (s.online(target)) {
        s.notify(target, "x3dh_notification", x);
      } else {
        s.pending[target].push_back(x);
      }
    }
    return ok(std::to_string(id));
  }
  if (ev == "get_dms") {
    std::string out = "[";
    for (const auto& [id, dm] : s.dms)
      if (s.member(id, me)) out += (out.size() > 1 ? "," : "") + std::to_string(id);
    return ok(out + "]");
  }
  if (ev == "get_dm") {
    const std::int64_t id = num(p, "id");
    if (!s.member(id, me)) return err("You do not have access to that DM.");
    return ok(s.dm_json(id, true));
  }
  if (ev == "leave_dm") {
    const std::int64_t id = num(p, "id");
    if (!s.member(id, me)) return err("You do not have access to that DM.");
    auto& users = s.dms[id].users;
    users.erase(std::remove(users.begin(), users.end(), me), users.end());
    if (users.empty()) {
      s.dms.erase(id);
      // §12 #21: applied, but acknowledged as an internal error.
      return s.deployed() ? err("Internal server error.") : ok("true");
    }
    s.notify_members(id, "dm_notification", s.dm_json(id, false));
    return ok("true");
  }
  if (ev == "join_call" || ev == "leave_call") {
    const std::int64_t id = num(p, "id");
    if (!s.member(id, me)) return err("You do not have access to that DM.");
    auto& call = s.calls[id];
    const bool was_in =
        std::any_of(call.begin(), call.end(), [&](const auto& e) { return e.first == me; });
    call.erase(
        std::remove_if(call.begin(), call.end(), [&](const auto& e) { return e.first == me; }),
        call.end());
    if (ev == "leave_call" && !was_in) return err("You are not part of the call.");
    if (ev == "join_call") call.emplace_back(me, str(p, "uuid"));
    s.notify_members(id, "dm_notification", s.dm_json(id, false));
    // §12 #7: the deployed server never sends the call notices.
    if (!s.deployed())
      s.notify_members(id, ev == "join_call" ? "user_joined_call" : "user_left_call",
                       Payload().num("id", id).str("username", me).text());
    if (ev == "leave_call") return ok("true");
    std::string out = "{";
    for (const auto& [u, uuid] : call)
      out += (out.size() > 1 ? "," : "") + json_string(u) + ":" + json_string(uuid);
    return ok(out + "}");
  }
  if (ev == "send_message") {
    const std::int64_t id = num(p, "id");
    if (!s.member(id, me)) return err("You do not have access to that DM.");
    if (!crypto::verify_hex(s.users[me].pub, str(p, "message"), str(p, "signature")))
      return err("Malformed data.");
    const std::int64_t mid = raw_message(id, me, str(p, "message"), str(p, "signature"));
    s.notify_members(id, "message_notification", s.msg_json(s.msgs.at(mid)));
    return ok("true");
  }
  if (ev == "get_message" || ev == "add_reaction" || ev == "set_message") {
    auto it = s.msgs.find(num(p, "id"));
    if (it == s.msgs.end() || !s.member(it->second.dm_id, me))
      return err("You do not have access to that message.");
    Impl::MsgRec& m = it->second;
    if (ev == "get_message") return ok(s.msg_json(m));
    if (ev == "set_message") {
      if (p.HasMember("message")) {
        if (m.sender != me) return err("You cannot edit that message.");
        if (!crypto::verify_hex(s.users[me].pub, str(p, "message"), str(p, "signature")))
          return err("Malformed data.");
        m.message = str(p, "message");
        m.signature = str(p, "signature");
      }
      if (p.HasMember("pinned")) m.pinned = p["pinned"].IsTrue();
      s.notify_members(m.dm_id, "message_change_notification", s.msg_json(m));
      return ok("true");
    }
    if (!crypto::verify_hex(s.users[me].pub, str(p, "reaction"), str(p, "signature")))
      return err("Malformed data.");
    const std::int64_t rid = s.next_rct++;
    m.reactions.push_back(Impl::ReactionRec{rid, me, str(p, "reaction"), str(p, "signature")});
    // §12 #4: the deployed server announces it with message_change_notification only.
    if (!s.deployed()) s.notify_members(m.dm_id, "message_notification", s.msg_json(m));
    s.notify_members(m.dm_id, "message_change_notification", s.msg_json(m));
    return ok(std::to_string(rid));
  }
  if (ev == "remove_reaction") {
    for (auto& [mid, m] : s.msgs) {
      auto it = std::find_if(m.reactions.begin(), m.reactions.end(),
                             [&](const Impl::ReactionRec& r) { return r.id == num(p, "id"); });
      if (it == m.reactions.end()) continue;
      if (it->sender != me) break;
      m.reactions.erase(it);
      s.notify_members(m.dm_id,
                       s.deployed() ? "message_change_notification" : "message_notification",
                       s.msg_json(m));
      return ok("true");
    }
    return err("You do not have access to that reaction.");
  }
  if (ev == "get_message_history") {
    // Exact key sets: {id, cursor, count} (EV-MSG-014), deployed {id, cursor, limit} (#2).
    const char* count_key = s.deployed() ? "limit" : "count";
    if (p.MemberCount() != 3 || !p.HasMember("id") || !p.HasMember("cursor") ||
        !p.HasMember(count_key))
      return err("Invalid data format.");
    const std::string cursor = str(p, "cursor");
    auto cursor_time = protocol::parse_cursor(cursor);
    if (!cursor_time) return err("Malformed data.");
    if (s.deployed()) {
      // §12 #3: a fraction and a zone are required; the comparison is textual.
      const auto dot = cursor.find('.');
      const bool zone = cursor.ends_with("Z") ||
                        (cursor.size() > 6 &&
                         (cursor[cursor.size() - 6] == '+' || cursor[cursor.size() - 6] == '-'));
      if (dot == std::string::npos || !zone) return err("Malformed data.");
    }
    const std::int64_t id = num(p, "id");
    if (!s.member(id, me)) return err("You do not have access to that DM.");
    std::string out = "[";
    std::int64_t n = 0;
    for (auto it = s.msgs.rbegin(); it != s.msgs.rend() && n < num(p, count_key); ++it) {
      if (it->second.dm_id != id) continue;
      const bool earlier = s.deployed()
                               ? it->second.timestamp < cursor
                               : *protocol::parse_cursor(it->second.timestamp) < *cursor_time;
      if (!earlier) continue;
      out += (n++ ? "," : "") + s.msg_json(it->second);
    }
    return ok(out + "]");
  }
  // §12 #24: the deployed server does not acknowledge an unknown event at all.
  if (s.deployed()) return std::nullopt;
  return err("Unknown event.");
}

}  // namespace unm::client::testing
