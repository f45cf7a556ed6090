#include "reference/client/objects.h"

#include <algorithm>
#include <cmath>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reference/common/hex.h"

namespace unm::client {
namespace {

constexpr std::int64_t kMaxId = (std::int64_t{1} << 53) - 1;

Unexpected<ParseError> bad(std::string_view what) {
  return Unexpected<ParseError>{std::string(what)};
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// get_string reads a required string member.
bool get_string(const rapidjson::Value& obj, const char* key, std::string& out) {
  const rapidjson::Value* v = member(obj, key);
  if (v == nullptr || !v->IsString()) return false;
  out.assign(v->GetString(), v->GetStringLength());
  return true;
}

// get_nullable_string reads a member that is a string or null (absent counts as null).
bool get_nullable_string(const rapidjson::Value& obj, const char* key,
                         std::optional<std::string>& out) {
  const rapidjson::Value* v = member(obj, key);
  if (v == nullptr || v->IsNull()) {
    out.reset();
    return true;
  }
  if (!v->IsString()) return false;
  out.emplace(v->GetString(), v->GetStringLength());
  return true;
}

bool get_id(const rapidjson::Value& obj, const char* key, std::int64_t& out) {
  const rapidjson::Value* v = member(obj, key);
  if (v == nullptr || !is_id(*v)) return false;
  out = v->GetInt64();
  return true;
}

bool get_bool(const rapidjson::Value& obj, const char* key, bool& out) {
  const rapidjson::Value* v = member(obj, key);
  if (v == nullptr || !v->IsBool()) return false;
  out = v->GetBool();
  return true;
}

bool is_hex_of(std::string_view s, std::size_t n) noexcept {
  return s.size() == n && is_lower_hex(s);
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void put_opt(Writer& w, const std::optional<std::string>& s) {
  if (s) {
    put(w, *s);
  } else {
    w.Null();
  }
}
void key(Writer& w, const char* k) {
  w.Key(k);
}

void write_message(Writer& w, const Message& m) {
  w.StartObject();
  key(w, "id");
  w.Int64(m.id);
  key(w, "dm_id");
  w.Int64(m.dm_id);
  key(w, "sender");
  put(w, m.sender);
  key(w, "message");
  put(w, m.message);
  key(w, "signature");
  put(w, m.signature);
  key(w, "timestamp");
  put(w, m.timestamp);
  key(w, "delete_timestamp");
  put_opt(w, m.delete_timestamp);
  key(w, "pinned");
  w.Bool(m.pinned);
  key(w, "reactions");
  w.StartArray();
  for (const Reaction& r : m.reactions) {
    w.StartObject();
    key(w, "id");
    w.Int64(r.id);
    key(w, "sender");
    put(w, r.sender);
    key(w, "reaction");
    put(w, r.reaction);
    key(w, "signature");
    put(w, r.signature);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

bool is_key_hex(std::string_view s) noexcept {
  return is_hex_of(s, 64);
}
bool is_signature_hex(std::string_view s) noexcept {
  return is_hex_of(s, 128);
}

bool is_id(const rapidjson::Value& v) noexcept {
  // EV-TRN-014: an integer literal 1 … 2^53−1; doubles (fraction or exponent) are not Ids.
  if (!v.IsInt64() || v.IsDouble()) return false;
  const std::int64_t x = v.GetInt64();
  return x >= 1 && x <= kMaxId;
}

Expected<std::int64_t, ParseError> parse_id(const rapidjson::Value& v) {
  if (!is_id(v)) return bad("expected an id (integer 1 … 2^53−1)");
  return v.GetInt64();
}

Expected<User, ParseError> parse_user(const rapidjson::Value& v) {
  if (!v.IsObject()) return bad("user: not an object");
  User u;
  if (!get_string(v, "username", u.username)) return bad("user.username: missing or not a string");
  if (!get_string(v, "public_key", u.public_key) || !is_key_hex(u.public_key))
    return bad("user.public_key: missing or not a 64-hex key");
  if (!get_nullable_string(v, "spk", u.spk) || (u.spk && !is_key_hex(*u.spk)))
    return bad("user.spk: not null or a 64-hex key");
  if (!get_nullable_string(v, "sig", u.sig) || (u.sig && !is_signature_hex(*u.sig)))
    return bad("user.sig: not null or a 128-hex signature");
  if (!get_string(v, "status", u.status)) return bad("user.status: missing or not a string");
  if (!get_string(v, "biography", u.biography))
    return bad("user.biography: missing or not a string");
  if (!get_string(v, "profile_picture", u.profile_picture))
    return bad("user.profile_picture: missing or not a string");
  if (const rapidjson::Value* s = member(v, "own_storage")) {
    if (!s->IsString()) return bad("user.own_storage: not a string");
    u.own_storage.emplace(s->GetString(), s->GetStringLength());
  }
  return u;
}

Expected<Reaction, ParseError> parse_reaction(const rapidjson::Value& v) {
  if (!v.IsObject()) return bad("reaction: not an object");
  Reaction r;
  if (!get_id(v, "id", r.id)) return bad("reaction.id: missing or not an id");
  if (!get_string(v, "sender", r.sender)) return bad("reaction.sender: missing or not a string");
  if (!get_string(v, "reaction", r.reaction))
    return bad("reaction.reaction: missing or not a string");
  if (!get_string(v, "signature", r.signature))
    return bad("reaction.signature: missing or not a string");
  return r;
}

Expected<Message, ParseError> parse_message(const rapidjson::Value& v) {
  if (!v.IsObject()) return bad("message: not an object");
  Message m;
  if (!get_id(v, "id", m.id)) return bad("message.id: missing or not an id");
  if (!get_id(v, "dm_id", m.dm_id)) return bad("message.dm_id: missing or not an id");
  if (!get_string(v, "sender", m.sender)) return bad("message.sender: missing or not a string");
  // Ciphertext and signature are kept as given: a malformed one is the per-message status
  // "bad_signature"/"undecryptable" (shown to the user), not a reason to drop the whole object.
  if (!get_string(v, "message", m.message)) return bad("message.message: missing or not a string");
  if (!get_string(v, "signature", m.signature))
    return bad("message.signature: missing or not a string");
  if (!get_string(v, "timestamp", m.timestamp))
    return bad("message.timestamp: missing or not a string");
  if (!get_nullable_string(v, "delete_timestamp", m.delete_timestamp))
    return bad("message.delete_timestamp: not null or a string");
  if (const rapidjson::Value* p = member(v, "pinned")) {
    if (!p->IsBool()) return bad("message.pinned: not a boolean");
    m.pinned = p->GetBool();
  } else {
    return bad("message.pinned: missing");
  }
  const rapidjson::Value* rs = member(v, "reactions");
  if (rs == nullptr || !rs->IsArray()) return bad("message.reactions: missing or not an array");
  for (const auto& r : rs->GetArray()) {
    auto pr = parse_reaction(r);
    if (!pr) return bad("message.reactions[]: " + pr.error());
    m.reactions.push_back(std::move(*pr));
  }
  return m;
}

Expected<std::vector<Message>, ParseError> parse_message_list(const rapidjson::Value& v) {
  if (!v.IsArray()) return bad("message list: not an array");
  std::vector<Message> out;
  for (const auto& e : v.GetArray()) {
    auto m = parse_message(e);
    if (!m) return bad("message list[]: " + m.error());
    out.push_back(std::move(*m));
  }
  return out;
}

Expected<std::vector<std::string>, ParseError> parse_string_list(const rapidjson::Value& v) {
  if (!v.IsArray()) return bad("not an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v.GetArray()) {
    if (!e.IsString()) return bad("array entry is not a string");
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

Expected<std::vector<std::int64_t>, ParseError> parse_id_list(const rapidjson::Value& v) {
  if (!v.IsArray()) return bad("not an array of ids");
  std::vector<std::int64_t> out;
  for (const auto& e : v.GetArray()) {
    if (!is_id(e)) return bad("array entry is not an id");
    out.push_back(e.GetInt64());
  }
  return out;
}

Expected<Dm, ParseError> parse_dm(const rapidjson::Value& v) {
  if (!v.IsObject()) return bad("dm: not an object");
  Dm d;
  if (!get_id(v, "id", d.id)) return bad("dm.id: missing or not an id");
  const rapidjson::Value* users = member(v, "users");
  if (users == nullptr) return bad("dm.users: missing");
  auto ul = parse_string_list(*users);
  if (!ul) return bad("dm.users: " + ul.error());
  d.users = std::move(*ul);
  if (!get_nullable_string(v, "name", d.name)) return bad("dm.name: not null or a string");
  if (!get_string(v, "created_at", d.created_at))
    return bad("dm.created_at: missing or not a string");
  const rapidjson::Value* call = member(v, "users_in_call");
  if (call == nullptr) return bad("dm.users_in_call: missing");
  auto cl = parse_string_list(*call);
  if (!cl) return bad("dm.users_in_call: " + cl.error());
  d.users_in_call = std::move(*cl);
  if (const rapidjson::Value* lm = member(v, "latest_message"); lm != nullptr && !lm->IsNull()) {
    auto m = parse_message(*lm);
    if (!m) return bad("dm.latest_message: " + m.error());
    d.latest_message = std::move(*m);
  }
  if (const rapidjson::Value* sm = member(v, "scheduled_messages"); sm != nullptr) {
    if (!sm->IsObject()) return bad("dm.scheduled_messages: not an object");
    for (const auto& kv : sm->GetObject()) {
      // EV-OBJ-014: keys are decimal schedule ids.
      std::string k(kv.name.GetString(), kv.name.GetStringLength());
      if (k.empty() || k.size() > 16 ||
          !std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return bad("dm.scheduled_messages: key is not a decimal id");
      ScheduledEntry e;
      e.schedule_id = std::stoll(k);
      if (!kv.value.IsObject() || !get_string(kv.value, "message", e.message) ||
          !get_string(kv.value, "signature", e.signature) ||
          !get_string(kv.value, "timestamp", e.timestamp))
        return bad("dm.scheduled_messages[" + k + "]: not a scheduled entry");
      d.scheduled.push_back(std::move(e));
    }
    std::sort(d.scheduled.begin(), d.scheduled.end(),
              [](const ScheduledEntry& a, const ScheduledEntry& b) {
                return a.schedule_id < b.schedule_id;
              });
  }
  return d;
}

Expected<X3dhNotification, ParseError> parse_x3dh(const rapidjson::Value& v) {
  if (!v.IsObject()) return bad("x3dh: not an object");
  X3dhNotification x;
  if (!get_string(v, "sender", x.sender)) return bad("x3dh.sender: missing or not a string");
  if (!get_string(v, "ik", x.ik) || !is_key_hex(x.ik)) return bad("x3dh.ik: not a 64-hex key");
  if (!get_string(v, "spk", x.spk) || !is_key_hex(x.spk)) return bad("x3dh.spk: not a 64-hex key");
  if (!get_string(v, "ek", x.ek) || !is_key_hex(x.ek)) return bad("x3dh.ek: not a 64-hex key");
  const rapidjson::Value* tree = member(v, "key_tree");
  if (tree == nullptr) return bad("x3dh.key_tree: missing");
  auto tl = parse_string_list(*tree);
  if (!tl) return bad("x3dh.key_tree: " + tl.error());
  for (const auto& k : *tl)
    if (!is_key_hex(k)) return bad("x3dh.key_tree: entry is not a 64-hex key");
  x.key_tree = std::move(*tl);
  const rapidjson::Value* pos = member(v, "position");
  if (pos == nullptr || !pos->IsInt64() || pos->IsDouble() || pos->GetInt64() < 0)
    return bad("x3dh.position: missing or not a non-negative integer");
  x.position = pos->GetInt64();
  if (!get_id(v, "id", x.id)) return bad("x3dh.id: missing or not an id");
  return x;
}

Expected<TypingNotice, ParseError> parse_typing(const rapidjson::Value& v) {
  TypingNotice t;
  if (!v.IsObject() || !get_id(v, "id", t.id) || !get_string(v, "username", t.username))
    return bad("typing notice: expected {id, username}");
  return t;
}

Expected<ScheduleNotice, ParseError> parse_schedule_notice(const rapidjson::Value& v) {
  ScheduleNotice s;
  if (!v.IsObject() || !get_id(v, "dm_id", s.dm_id) || !get_id(v, "schedule_id", s.schedule_id))
    return bad("schedule notice: expected {dm_id, schedule_id}");
  return s;
}

Expected<FriendAnswer, ParseError> parse_friend_answer(const rapidjson::Value& v) {
  FriendAnswer f;
  if (!v.IsObject() || !get_string(v, "username", f.username) || !get_bool(v, "accept", f.accept))
    return bad("friend answer: expected {username, accept}");
  return f;
}

Expected<CallNotice, ParseError> parse_call_notice(const rapidjson::Value& v) {
  CallNotice c;
  if (!v.IsObject() || !get_id(v, "id", c.id) || !get_string(v, "username", c.username))
    return bad("call notice: expected {id, username}");
  return c;
}

Expected<std::string, ParseError> parse_username_payload(const rapidjson::Value& v) {
  std::string name;
  if (!v.IsObject() || !get_string(v, "username", name)) return bad("expected {username}");
  return name;
}

std::string user_to_json(const User& u) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  key(w, "username");
  put(w, u.username);
  key(w, "public_key");
  put(w, u.public_key);
  key(w, "spk");
  put_opt(w, u.spk);
  key(w, "sig");
  put_opt(w, u.sig);
  key(w, "status");
  put(w, u.status);
  key(w, "biography");
  put(w, u.biography);
  key(w, "profile_picture");
  put(w, u.profile_picture);
  if (u.own_storage) {
    key(w, "own_storage");
    put(w, *u.own_storage);
  }
  w.EndObject();
  return sb.GetString();
}

std::string message_to_json(const Message& m) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  write_message(w, m);
  return sb.GetString();
}

std::string dm_to_json(const Dm& d) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  key(w, "id");
  w.Int64(d.id);
  key(w, "users");
  w.StartArray();
  for (const auto& u : d.users) put(w, u);
  w.EndArray();
  key(w, "name");
  put_opt(w, d.name);
  key(w, "created_at");
  put(w, d.created_at);
  key(w, "users_in_call");
  w.StartArray();
  for (const auto& u : d.users_in_call) put(w, u);
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

}  // namespace unm::client
