#include "reference/client/fake_server.h"

#include <algorithm>

#include <rapidjson/document.h>

#include "reference/client/rpc.h"
#include "reference/common/hex.h"
#include "reference/crypto/crypto.h"

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
  std::map<std::string, UserRec> users;
  std::map<std::int64_t, DmRec> dms;
  std::map<std::int64_t, MsgRec> msgs;
  std::map<std::string, std::vector<std::string>> pending;
  std::vector<FakeChannel*> conns;
  std::int64_t next_dm = 1, next_msg = 1, next_rct = 1, clock = 0;

  std::string now() {
    ++clock;
    // Distinct, increasing timestamps in the EV-OBJ-001 form (one second apart).
    char buf[64];
    std::snprintf(buf, sizeof buf, "2026-01-01T%02d:%02d:%02d.000000",
                  static_cast<int>((clock / 3600) % 24), static_cast<int>((clock / 60) % 60),
                  static_cast<int>(clock % 60));
    return buf;
  }

  std::string user_json(const std::string& name, bool full) {
    const UserRec& u = users.at(name);
    Payload p;
    p.str("username", name).str("public_key", u.pub).str("spk", u.spk).str("sig", u.sig);
    p.str("status", u.status).str("biography", u.biography).str("profile_picture", u.picture);
    if (full) p.str("own_storage", u.own_storage);
    return p.text();
  }

  std::string msg_json(const MsgRec& m) {
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
    p.num("id", m.id).num("dm_id", m.dm_id).str("sender", m.sender).str("message", m.message);
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
    return std::any_of(conns.begin(), conns.end(), [&](FakeChannel* c) { return c->user == user; });
  }

  std::function<bool(const std::string&, const std::string&, std::string&)>* tamper = nullptr;

  void notify(const std::string& user, const std::string& name, const std::string& payload) {
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

MiniServer::MiniServer(crypto::Random& rng) : impl_(std::make_unique<Impl>()) {
  impl_->rng = &rng;
}

MiniServer::~MiniServer() {
  for (FakeChannel* c : impl_->conns) c->on_close = nullptr;
}

std::unique_ptr<transport::EventChannel> MiniServer::connect(FakeChannel** out) {
  auto ch = std::make_unique<FakeChannel>(
      [this](FakeChannel& c, std::string_view e, std::string_view a) -> std::optional<std::string> {
        auto ack = handle(c, e, a);
        if (ack && tamper_ack) tamper_ack(e, *ack);
        return ack;
      });
  ch->on_close = [impl = impl_.get()](FakeChannel* c) {
    impl->conns.erase(std::remove(impl->conns.begin(), impl->conns.end(), c), impl->conns.end());
  };
  impl_->conns.push_back(ch.get());
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

  if (ev == "username_exists") return ok(s.users.count(str(p, "username")) ? "true" : "false");
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
    for (const auto& x : pend) conn.deliver("x3dh_notification", x);
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
    Payload d;
    d.num("id", id).str_array("users", s.dms[id].users).null("name");
    d.str("created_at", "2026-01-01T00:00:00.000000").str_array("users_in_call", {});
    d.null("latest_message").raw("scheduled_messages", "{}");
    return ok(d.text());
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
    s.notify_members(m.dm_id, "message_notification", s.msg_json(m));
    s.notify_members(m.dm_id, "message_change_notification", s.msg_json(m));
    return ok(std::to_string(rid));
  }
  if (ev == "get_message_history") {
    const std::int64_t id = num(p, "id");
    if (!s.member(id, me)) return err("You do not have access to that DM.");
    std::string out = "[";
    std::int64_t n = 0;
    for (auto it = s.msgs.rbegin(); it != s.msgs.rend() && n < num(p, "count"); ++it) {
      if (it->second.dm_id != id) continue;
      out += (n++ ? "," : "") + s.msg_json(it->second);
    }
    return ok(out + "]");
  }
  return err("Unknown event.");
}

}  // namespace unm::client::testing
