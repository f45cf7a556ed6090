// server_checks.cc — checks of what the server sends: exactly one ack per request with the
// result object of EV-TRN-005/006, result shapes per event, notification names and payloads
// (events.md §10, §11), own_storage only in get_full_user (EV-OBJ-005), notifications only to
// logged-in connections (EV-TRN-025), the ack before the notifications it causes (EV-TRN-026,
// SHOULD), timestamps and ids (EV-OBJ-001/002). Also learns state from successful answers.
#include <algorithm>
#include <functional>
#include <regex>

#include "conformance/observe/judge_impl.h"
#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::observe {

namespace sio = transport::sio;
using protocol::Event;

bool is_lower_hex_text(const rapidjson::Value& v, std::size_t min, std::size_t max) {
  if (!v.IsString()) return false;
  const std::string_view s(v.GetString(), v.GetStringLength());
  return s.size() >= min && s.size() <= max && is_lower_hex(s);
}
bool is_key_text(const rapidjson::Value& v) {
  return is_lower_hex_text(v, 64, 64);
}
bool is_sig_text(const rapidjson::Value& v) {
  return is_lower_hex_text(v, 128, 128);
}
bool is_id(const rapidjson::Value& v) {
  return v.IsInt64() && v.GetInt64() >= 1 && v.GetInt64() <= 9'007'199'254'740'991;
}
bool is_timestamp(const rapidjson::Value& v) {
  if (!v.IsString() || v.GetStringLength() != 26) return false;
  static const std::regex form(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})");
  return std::regex_match(v.GetString(), v.GetString() + v.GetStringLength(), form);
}
std::string str(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}
bool key_point_valid(const std::string& key_hex) {
  return crypto::parse_public_key(key_hex).has_value();
}

namespace {

std::string json_text(const rapidjson::Value& v) {
  return clip(sio::to_json(v));
}

// ObjectRule: the keys of one §10 object and the clause that lists them.
struct KeyRule {
  std::string_view clause;
  std::initializer_list<std::string_view> required;
  std::initializer_list<std::string_view> optional = {};
};

// check_keys: missing keys fail the object's clause; an `own_storage` key fails EV-OBJ-005
// (unless allowed); any other extra key is non-strict (EV-TRN-028).
bool check_keys(Scope& s, const std::string& what, const rapidjson::Value& o, const KeyRule& r,
                bool own_storage_allowed = false) {
  if (!s.expect(o.IsObject(), r.clause, what + " is not an object: " + json_text(o))) {
    return false;
  }
  bool ok = true;
  for (std::string_view k : r.required) {
    ok &= s.expect(o.HasMember(rapidjson::StringRef(k.data(), k.size())), r.clause,
                   what + " lacks key '" + std::string(k) + "'");
  }
  for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
    const std::string_view k(it->name.GetString(), it->name.GetStringLength());
    const bool listed = std::find(r.required.begin(), r.required.end(), k) != r.required.end() ||
                        std::find(r.optional.begin(), r.optional.end(), k) != r.optional.end();
    if (listed) continue;
    if (k == "own_storage" && !own_storage_allowed) {
      ok &= s.expect(false, "EV-OBJ-005", what + " carries 'own_storage'");
    } else {
      s.expect(false, "EV-TRN-028", what + " has key '" + std::string(k) + "' beyond §10",
               Severity::non_strict);
    }
  }
  return ok;
}

void expect_type(Scope& s, bool ok, std::string_view clause, const std::string& what,
                 std::string_view type, const rapidjson::Value* v) {
  s.expect(ok, clause,
           what + " is not " + std::string(type) + (v ? ": " + json_text(*v) : std::string()));
}

const rapidjson::Value* get(const rapidjson::Value& o, std::string_view k) {
  if (!o.IsObject()) return nullptr;
  const auto it = o.FindMember(rapidjson::StringRef(k.data(), k.size()));
  return it == o.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

// The object checkers live in a small class so that they can learn state as they go.
class ObjectChecks {
 public:
  ObjectChecks(Judge::Impl& j, Scope& s) : j_(j), s_(s) {}

  void user(const std::string& what, const rapidjson::Value& u, bool full) {
    if (!check_keys(
            s_, what, u,
            {full ? "EV-OBJ-005" : "EV-OBJ-004",
             {"username", "public_key", "spk", "sig", "status", "biography", "profile_picture"},
             full ? std::initializer_list<std::string_view>{"own_storage"}
                  : std::initializer_list<std::string_view>{}},
            full)) {
      return;
    }
    const auto& pk = u["public_key"];
    expect_type(s_, u["username"].IsString(), "EV-OBJ-004", what + ".username", "a string",
                &u["username"]);
    expect_type(s_, is_key_text(pk), "EV-OBJ-003", what + ".public_key", "64 lowercase hex", &pk);
    const auto& spk = u["spk"];
    const auto& sig = u["sig"];
    expect_type(s_, spk.IsNull() || is_key_text(spk), "EV-OBJ-003", what + ".spk",
                "null or 64 lowercase hex", &spk);
    expect_type(s_, sig.IsNull() || is_sig_text(sig), "EV-OBJ-003", what + ".sig",
                "null or 128 lowercase hex", &sig);
    const std::string st = str(u["status"]);
    s_.expect(st == "online" || st == "away" || st == "dnd" || st == "offline", "EV-USR-008",
              what + ".status is not online, away, dnd or offline: " + json_text(u["status"]));
    expect_type(s_, u["biography"].IsString(), "EV-OBJ-004", what + ".biography", "a string",
                &u["biography"]);
    expect_type(s_, u["profile_picture"].IsString(), "EV-OBJ-004", what + ".profile_picture",
                "a string", &u["profile_picture"]);
    if (full && u.HasMember("own_storage")) {
      expect_type(s_, u["own_storage"].IsString(), "EV-OBJ-005", what + ".own_storage", "a string",
                  &u["own_storage"]);
    }
    // A published bundle must verify (EV-AUTH-004, EV-USR-007: the server checked it).
    if (is_key_text(pk) && is_key_text(spk) && is_sig_text(sig)) {
      const std::string memo = str(pk) + "|" + str(spk) + "|" + str(sig);
      if (!j_.verified_sigs.count(std::hash<std::string>{}(memo))) {
        ++j_.stats.signatures_verified;
        const bool ok = crypto::verify_hex(str(pk), str(spk), str(sig)).has_value();
        if (ok) j_.verified_sigs.insert(std::hash<std::string>{}(memo));
        s_.expect(ok, "EV-AUTH-004", what + ".sig does not verify over spk under public_key");
      }
    }
    j_.learn_user(u);
  }

  void reaction(const std::string& what, const rapidjson::Value& r) {
    if (!check_keys(s_, what, r, {"EV-OBJ-013", {"id", "sender", "reaction", "signature"}})) {
      return;
    }
    expect_type(s_, is_id(r["id"]), "EV-OBJ-002", what + ".id", "an Id", &r["id"]);
    expect_type(s_, r["sender"].IsString(), "EV-OBJ-013", what + ".sender", "a string",
                &r["sender"]);
    expect_type(s_, is_lower_hex_text(r["reaction"], 2, SIZE_MAX), "EV-OBJ-003", what + ".reaction",
                "lowercase hex", nullptr);
    expect_type(s_, is_sig_text(r["signature"]), "EV-OBJ-003", what + ".signature",
                "128 lowercase hex", nullptr);
  }

  void message(const std::string& what, const rapidjson::Value& m) {
    if (!check_keys(s_, what, m,
                    {"EV-OBJ-010",
                     {"id", "dm_id", "sender", "message", "signature", "timestamp",
                      "delete_timestamp", "pinned", "reactions"}})) {
      return;
    }
    expect_type(s_, is_id(m["id"]), "EV-OBJ-002", what + ".id", "an Id", &m["id"]);
    expect_type(s_, is_id(m["dm_id"]), "EV-OBJ-010", what + ".dm_id", "an Id", &m["dm_id"]);
    expect_type(s_, m["sender"].IsString(), "EV-OBJ-010", what + ".sender", "a string",
                &m["sender"]);
    expect_type(s_, is_lower_hex_text(m["message"], 2, SIZE_MAX), "EV-OBJ-003", what + ".message",
                "lowercase hex", nullptr);
    expect_type(s_, is_sig_text(m["signature"]), "EV-OBJ-003", what + ".signature",
                "128 lowercase hex", nullptr);
    expect_type(s_, is_timestamp(m["timestamp"]), "EV-OBJ-001", what + ".timestamp",
                "a timestamp YYYY-MM-DDTHH:MM:SS.ffffff", &m["timestamp"]);
    expect_type(s_, m["delete_timestamp"].IsNull() || is_timestamp(m["delete_timestamp"]),
                "EV-OBJ-001", what + ".delete_timestamp", "null or a timestamp",
                &m["delete_timestamp"]);
    expect_type(s_, m["pinned"].IsBool(), "EV-OBJ-010", what + ".pinned", "a boolean",
                &m["pinned"]);
    if (expect_type_ok(m["reactions"].IsArray(), "EV-OBJ-010", what + ".reactions", "an array")) {
      std::int64_t last = 0;
      for (rapidjson::SizeType i = 0; i < m["reactions"].Size(); ++i) {
        const auto& r = m["reactions"][i];
        reaction(what + ".reactions[" + std::to_string(i) + "]", r);
        if (r.IsObject() && r.HasMember("id") && is_id(r["id"])) {
          s_.expect(r["id"].GetInt64() > last, "EV-RCT-008",
                    what + ".reactions are not in ascending id order", Severity::non_strict);
          last = r["id"].GetInt64();
        }
      }
    }
    // The server checked the sender's signature at send time (EV-MSG-004): a stored message
    // must still verify under the sender's identity key.
    if (m["sender"].IsString() && is_lower_hex_text(m["message"], 2, SIZE_MAX) &&
        is_sig_text(m["signature"])) {
      j_.check_signature(s_, str(m["sender"]), "EV-MSG-004",
                         what + ".signature (relayed by the server)", str(m["message"]),
                         str(m["signature"]));
    }
    j_.learn_message(m);
  }

  void dm(const std::string& what, const rapidjson::Value& d,
          std::initializer_list<std::string_view> extra, std::string_view clause = "EV-OBJ-007") {
    if (!check_keys(s_, what, d,
                    {clause, {"id", "users", "name", "created_at", "users_in_call"}, extra})) {
      return;
    }
    expect_type(s_, is_id(d["id"]), "EV-OBJ-002", what + ".id", "an Id", &d["id"]);
    const bool users_ok = d["users"].IsArray() && std::all_of(d["users"].Begin(), d["users"].End(),
                                                              [](auto& u) { return u.IsString(); });
    expect_type(s_, users_ok, "EV-OBJ-007", what + ".users", "an array of strings", &d["users"]);
    expect_type(s_, d["name"].IsNull() || d["name"].IsString(), "EV-OBJ-007", what + ".name",
                "null or a string", &d["name"]);
    expect_type(s_, is_timestamp(d["created_at"]), "EV-OBJ-001", what + ".created_at",
                "a timestamp YYYY-MM-DDTHH:MM:SS.ffffff", &d["created_at"]);
    const auto& call = d["users_in_call"];
    const bool call_ok = call.IsArray() && std::all_of(call.Begin(), call.End(),
                                                       [](auto& u) { return u.IsString(); });
    expect_type(s_, call_ok, "EV-OBJ-007", what + ".users_in_call", "an array of strings", &call);
    if (const auto* lm = get(d, "latest_message")) {
      if (!lm->IsNull()) message(what + ".latest_message", *lm);
    }
    if (is_id(d["id"]) && users_ok) {
      std::vector<std::string> members;
      for (const auto& u : d["users"].GetArray()) members.push_back(str(u));
      j_.dm_members[d["id"].GetInt64()] = std::move(members);
    }
  }

  void x3dh(const std::string& what, const rapidjson::Value& x, const std::string& recipient) {
    if (!check_keys(s_, what, x,
                    {"EV-OBJ-016", {"sender", "ik", "spk", "ek", "key_tree", "position", "id"}})) {
      return;
    }
    expect_type(s_, x["sender"].IsString(), "EV-OBJ-016", what + ".sender", "a string",
                &x["sender"]);
    for (const char* k : {"ik", "spk", "ek"}) {
      expect_type(s_, is_key_text(x[k]), "EV-OBJ-016", what + "." + k, "a Key (64 lowercase hex)",
                  &x[k]);
    }
    const auto& tree = x["key_tree"];
    const bool tree_ok = tree.IsArray() && std::all_of(tree.Begin(), tree.End(),
                                                       [](auto& k) { return is_key_text(k); });
    expect_type(s_, tree_ok, "EV-OBJ-016", what + ".key_tree", "an array of Keys", nullptr);
    expect_type(s_, x["position"].IsInt64() && x["position"].GetInt64() >= 1, "EV-OBJ-016",
                what + ".position", "an integer ≥ 1", &x["position"]);
    expect_type(s_, is_id(x["id"]), "EV-OBJ-016", what + ".id", "an Id", &x["id"]);
    // EV-DM-011: the object carries what create_dm sent, for this recipient's position.
    const auto made =
        is_id(x["id"]) ? j_.created_dms.find(x["id"].GetInt64()) : j_.created_dms.end();
    if (made != j_.created_dms.end() && !recipient.empty()) {
      const CreatedDm& d = made->second;
      const auto pos = std::find(d.targets.begin(), d.targets.end(), recipient);
      if (s_.expect(pos != d.targets.end(), "EV-DM-011",
                    what + " reaches " + recipient + ", who is not a target of DM " +
                        std::to_string(made->first))) {
        const std::size_t i = static_cast<std::size_t>(pos - d.targets.begin());
        s_.expect(str(x["sender"]) == d.creator, "EV-DM-011", what + ".sender is not the creator");
        s_.expect(
            x["position"].IsInt64() && x["position"].GetInt64() == static_cast<std::int64_t>(i + 1),
            "EV-DM-011", what + ".position is not " + std::to_string(i + 1));
        if (i < d.spks.size()) {
          s_.expect(str(x["spk"]) == d.spks[i] && str(x["ek"]) == d.eks[i], "EV-DM-011",
                    what + ".spk / .ek are not the ones create_dm sent for " + recipient);
        }
        s_.expect(sio::to_json(x["key_tree"]) == d.key_tree_json, "EV-DM-011",
                  what + ".key_tree is not the array create_dm sent");
      }
    }
    // EV-DM-011: ik is the sender's registered identity key.
    const auto u = j_.users.find(str(x["sender"]));
    if (u != j_.users.end() && is_key_text(x["ik"])) {
      s_.expect(u->second.public_key == str(x["ik"]), "EV-DM-011",
                what + ".ik is not the registered identity key of " + str(x["sender"]));
    }
  }

  bool expect_type_ok(bool ok, std::string_view clause, const std::string& what,
                      std::string_view type) {
    expect_type(s_, ok, clause, what, type, nullptr);
    return ok;
  }

 private:
  Judge::Impl& j_;
  Scope& s_;
};

namespace {

// check_result judges the `result` of a successful ack of event `e` and learns from it.
void check_result(Judge::Impl& j, Scope& s, Connection& c, const Request& req,
                  const rapidjson::Value& res) {
  ObjectChecks o(j, s);
  const std::string what = req.event + " result";
  auto expect_true = [&](std::string_view clause) {
    s.expect(res.IsBool() && res.GetBool(), clause,
             what + " is not true: " + clip(sio::to_json(res)));
  };
  auto expect_strings = [&](std::string_view clause) {
    const bool ok =
        res.IsArray() && std::all_of(res.Begin(), res.End(), [](auto& v) { return v.IsString(); });
    s.expect(ok, clause, what + " is not an array of strings: " + clip(sio::to_json(res)));
  };
  auto messages = [&](std::string_view clause) {
    if (!s.expect(res.IsArray(), clause, what + " is not an array of Message objects")) return;
    for (rapidjson::SizeType i = 0; i < res.Size(); ++i) {
      o.message(what + "[" + std::to_string(i) + "]", res[i]);
    }
  };
  const rapidjson::Value& p = req.payload;
  switch (*req.known) {
    case Event::register_user: {
      expect_true("EV-AUTH-006");
      UserKeys k{str(p["public_key"]), str(p["spk"]), str(p["sig"])};
      j.learn_keys(str(p["username"]), k);
      break;
    }
    case Event::login:
      s.expect(is_key_text(res), "EV-AUTH-010",
               what + " is not a challenge of 64 lowercase hex characters");
      c.state = Connection::State::challenged;
      c.challenged_user = str(p["username"]);
      break;
    case Event::login_challenge_response:
      expect_true("EV-AUTH-013");
      if (c.state == Connection::State::challenged) {
        c.state = Connection::State::logged_in;
        c.user = c.challenged_user;
      }
      break;
    case Event::username_exists:
      s.expect(res.IsBool(), "EV-AUTH-008", what + " is not a boolean");
      break;
    case Event::get_user:
      o.user(what, res, false);
      break;
    case Event::get_full_user:
      o.user(what, res, true);
      break;
    case Event::get_user_list:
      if (s.expect(res.IsArray(), "EV-USR-004", what + " is not an array of User objects")) {
        for (rapidjson::SizeType i = 0; i < res.Size(); ++i) {
          o.user(what + "[" + std::to_string(i) + "]", res[i], false);
        }
      }
      break;
    case Event::create_dm:
      if (s.expect(is_id(res), "EV-DM-008", what + " is not a DM id (an Id)")) {
        std::vector<std::string> members{c.user};
        if (p.HasMember("usernames") && p["usernames"].IsArray()) {
          for (const auto& u : p["usernames"].GetArray()) members.push_back(str(u));
        }
        j.dm_members[res.GetInt64()] = std::move(members);
        CreatedDm d;
        d.creator = c.user;
        if (p.HasMember("usernames") && p["usernames"].IsArray()) {
          for (const auto& u : p["usernames"].GetArray()) d.targets.push_back(str(u));
        }
        if (p.HasMember("messages") && p["messages"].IsArray()) {
          for (const auto& m : p["messages"].GetArray()) {
            d.spks.push_back(m.IsObject() && m.HasMember("spk") ? str(m["spk"]) : "");
            d.eks.push_back(m.IsObject() && m.HasMember("ek") ? str(m["ek"]) : "");
          }
        }
        if (p.HasMember("key_tree")) d.key_tree_json = sio::to_json(p["key_tree"]);
        j.created_dms[res.GetInt64()] = std::move(d);
      }
      break;
    case Event::get_dms: {
      const bool ok =
          res.IsArray() && std::all_of(res.Begin(), res.End(), [](auto& v) { return is_id(v); });
      s.expect(ok, "EV-DM-017", what + " is not an array of DM ids");
      break;
    }
    case Event::get_dm:
      o.dm(what, res, {"latest_message", "scheduled_messages"}, "EV-DM-019");
      if (res.IsObject()) {
        s.expect(res.HasMember("latest_message") && res.HasMember("scheduled_messages"),
                 "EV-DM-019", what + " lacks latest_message or scheduled_messages");
        if (const auto* sm = get(res, "scheduled_messages")) {
          if (s.expect(sm->IsObject(), "EV-DM-019", what + ".scheduled_messages is no object")) {
            for (auto it = sm->MemberBegin(); it != sm->MemberEnd(); ++it) {
              const std::string key = str(it->name);
              s.expect(!key.empty() && std::all_of(key.begin(), key.end(),
                                                   [](char ch) { return ch >= '0' && ch <= '9'; }),
                       "EV-OBJ-014", what + ".scheduled_messages key '" + key + "' is not decimal");
              const std::string w = what + ".scheduled_messages." + key;
              if (check_keys(s, w, it->value,
                             {"EV-OBJ-015", {"message", "signature", "timestamp"}})) {
                s.expect(is_timestamp(it->value["timestamp"]), "EV-OBJ-001",
                         w + ".timestamp is not a timestamp");
              }
            }
          }
        }
      }
      break;
    case Event::get_message:
      o.message(what, res);
      break;
    case Event::get_message_history: {
      messages("EV-MSG-016");
      const auto* n = get(p, p.HasMember("count") ? "count" : "limit");
      if (res.IsArray() && n && n->IsInt64()) {
        const auto cap = std::min<std::int64_t>(n->GetInt64(), 100);
        s.expect(static_cast<std::int64_t>(res.Size()) <= cap, "EV-MSG-016",
                 what + " holds " + std::to_string(res.Size()) + " messages, more than " +
                     std::to_string(cap),
                 n->GetInt64() > 100 ? Severity::non_strict : Severity::fail);
      }
      break;
    }
    case Event::get_pinned:
      messages("EV-MSG-018");
      break;
    case Event::add_reaction:
      s.expect(is_id(res), "EV-RCT-003", what + " is not a reaction id (an Id)");
      break;
    case Event::get_friend_requests:
    case Event::get_outgoing_requests:
    case Event::get_friends:
    case Event::get_blocked:
      expect_strings("EV-FRD-004");
      break;
    case Event::join_call: {
      const bool ok = res.IsObject() && std::all_of(res.MemberBegin(), res.MemberEnd(),
                                                    [](auto& m) { return m.value.IsString(); });
      s.expect(ok, "EV-CALL-002", what + " is not an object username → uuid");
      break;
    }
    case Event::set_user:
      expect_true("EV-USR-009");
      break;
    case Event::set_dm:
      expect_true("EV-DM-024");
      break;
    case Event::leave_dm:
      expect_true("EV-DM-027");
      break;
    case Event::send_message:
      expect_true("EV-MSG-005");
      break;
    case Event::set_message:
      expect_true("EV-MSG-023");
      break;
    case Event::cancel_scheduled_message:
      expect_true("EV-MSG-026");
      break;
    case Event::remove_reaction:
      expect_true("EV-RCT-007");
      break;
    case Event::ping_typing:
      expect_true("EV-TYP-002");
      break;
    case Event::send_friend_request:
      expect_true("EV-FRD-003");
      break;
    case Event::ack_friend_request:
      expect_true("EV-FRD-005");
      break;
    case Event::unfriend:
      expect_true("EV-FRD-006");
      break;
    case Event::block_user:
      expect_true("EV-FRD-007");
      break;
    case Event::unblock:
      expect_true("EV-FRD-008");
      break;
    case Event::leave_call:
      expect_true("EV-CALL-005");
      break;
  }
}

}  // namespace

void Judge::Impl::check_ack(Connection& c, Clock::time_point at, const sio::Incoming& in,
                            const FrameRecord& frame) {
  const auto id = in.message.packet.id;
  const auto it = id ? c.outstanding.find(*id) : c.outstanding.end();
  if (it == c.outstanding.end()) {
    Scope s(*this, Side::server, c, at, {frame});
    s.expect(false, "EV-TRN-005",
             "ACK with id " + (id ? std::to_string(*id) : std::string("(none)")) +
                 " answers no outstanding request (a second ACK, or one never asked for)");
    return;
  }
  Request req = std::move(it->second);
  c.outstanding.erase(it);
  Scope s(*this, Side::server, c, at, {req.frame, frame});
  s.expect(in.message.packet.type == sio::PacketType::ack, "EV-TRN-005",
           "the ACK of '" + req.event + "' carries binary attachments");
  const rapidjson::Value& args = in.dom;
  if (!s.expect(args.IsArray() && args.Size() == 1, "EV-TRN-005",
                "the ACK of '" + req.event + "' does not have exactly one argument")) {
    return;
  }
  const rapidjson::Value& ro = args[0];
  const bool envelope = ro.IsObject() && ro.MemberCount() == 2 && ro.HasMember("success") &&
                        ro.HasMember("result") && ro["success"].IsBool();
  if (!s.expect(envelope, "EV-TRN-005",
                "the ACK of '" + req.event +
                    "' is not a result object {\"success\": bool, \"result\": …}")) {
    return;
  }
  const bool success = ro["success"].GetBool();
  const rapidjson::Value& res = ro["result"];
  if (!success) {
    s.expect(res.IsString() && res.GetStringLength() > 0, "EV-TRN-006",
             "the failure result of '" + req.event + "' is not a non-empty string");
    if (req.known == Event::login_challenge_response && c.state == Connection::State::challenged) {
      c.state = Connection::State::connected;  // EV-AUTH-012: a wrong response
    }
    return;
  }
  if (!req.known) {
    s.expect(false, "EV-TRN-021", "unknown event '" + req.event + "' acknowledged as a success");
    return;
  }
  // A request that broke a rule the server must enforce, yet succeeded.
  for (const std::string& cl : req.refused) {
    const bool strict = cl == "EV-TRN-022";  // login is never optional
    s.expect(false, cl,
             "'" + req.event + "' succeeded although the request breaks " + cl +
                 " (see the client finding)",
             strict ? Severity::fail : Severity::non_strict);
    break;  // one is enough
  }
  if (req.payload.IsObject()) check_result(*this, s, c, req, res);
}

namespace {

// causes reports whether the outstanding request `r` (on the receiving connection) is the cause
// of notification `name` with payload `p` (EV-TRN-026 needs the ack first).
bool causes(const Request& r, std::string_view name, const rapidjson::Value& p) {
  if (!r.known || !r.payload.IsObject()) return false;
  const rapidjson::Value& q = r.payload;
  switch (*r.known) {
    case Event::send_message:
      return name == "message_notification" && p.IsObject() && get(p, "message") &&
             get(q, "message") && *get(p, "message") == *get(q, "message") && get(q, "schedule") &&
             get(q, "schedule")->IsInt64() && get(q, "schedule")->GetInt64() == 0;
    case Event::add_reaction:
    case Event::remove_reaction:
    case Event::set_message:
      return (name == "message_notification" || name == "message_change_notification") &&
             p.IsObject() && get(p, "id") && get(q, "id") && *get(p, "id") == *get(q, "id") &&
             *r.known != Event::remove_reaction;
    case Event::set_dm:
    case Event::join_call:
      return (name == "dm_notification" || name == "user_joined_call") && p.IsObject() &&
             get(p, "id") && get(q, "id") && *get(p, "id") == *get(q, "id");
    case Event::unfriend:
      return name == "unfriend_notification";
    default:
      return false;
  }
}

}  // namespace

void Judge::Impl::check_notification(Connection& c, Clock::time_point at, const sio::Incoming& in,
                                     const FrameRecord& frame) {
  Scope s(*this, Side::server, c, at, {frame});
  ObjectChecks o(*this, s);
  const rapidjson::Value& args = in.dom;
  const std::string name = str(args[0]);
  s.expect(!in.message.packet.id.has_value(), "EV-TRN-024",
           "notification '" + name + "' asks for an ack");
  const bool logging_in = std::any_of(c.outstanding.begin(), c.outstanding.end(), [](auto& kv) {
    return kv.second.known == Event::login_challenge_response;
  });
  if (!logging_in) {
    s.expect(c.state == Connection::State::logged_in, "EV-TRN-025",
             "notification '" + name + "' sent to a connection that is not logged in");
  }
  if (!s.expect(args.Size() == 2, "EV-TRN-024",
                "notification '" + name + "' does not have exactly one argument")) {
    return;
  }
  const rapidjson::Value& p = args[1];
  for (const auto& [id, r] : c.outstanding) {
    if (causes(r, name, p)) {
      s.expect(false, "EV-TRN-026",
               "notification '" + name + "' caused by '" + r.event + "' (ack id " +
                   std::to_string(id) + ") arrived before its ack",
               Severity::non_strict);
      break;
    }
  }
  const std::string what = name;
  auto small = [&](std::string_view clause, std::initializer_list<std::string_view> keys) {
    if (!check_keys(s, what, p, {clause, keys})) return;
    for (std::string_view k : keys) {
      const auto& v = p.FindMember(rapidjson::StringRef(k.data(), k.size()))->value;
      const bool ok = k == "username" ? v.IsString() : k == "accept" ? v.IsBool() : is_id(v);
      s.expect(ok, "EV-OBJ-017",
               what + "." + std::string(k) + " has the wrong type: " + clip(sio::to_json(v)));
    }
  };
  namespace n = protocol::notification;
  if (name == n::kProfile) {
    o.user(what, p, false);
  } else if (name == n::kDm) {
    o.dm(what, p, {"latest_message"}, "EV-DM-021");
  } else if (name == n::kTyping) {
    small("EV-TYP-002", {"id", "username"});
  } else if (name == n::kMessage || name == n::kMessageChange) {
    o.message(what, p);
  } else if (name == n::kMessageDelete) {
    s.expect(is_id(p), "EV-MSG-030", what + " is not a bare message id: " + clip(sio::to_json(p)));
  } else if (name == n::kScheduledSent || name == n::kScheduledSoon) {
    small("EV-MSG-031", {"dm_id", "schedule_id"});
  } else if (name == n::kX3dh) {
    o.x3dh(what, p, c.state == Connection::State::logged_in ? c.user : std::string());
    if (p.IsObject() && p.HasMember("id") && is_id(p["id"]) &&
        c.state == Connection::State::logged_in) {
      auto& members = dm_members[p["id"].GetInt64()];
      if (std::find(members.begin(), members.end(), c.user) == members.end()) {
        members.push_back(c.user);
      }
    }
  } else if (name == n::kFriendRequest || name == n::kUnfriend) {
    small("EV-OBJ-017", {"username"});
  } else if (name == n::kFriendAccept) {
    small("EV-OBJ-017", {"username", "accept"});
  } else if (name == n::kUserJoinedCall || name == n::kUserLeftCall) {
    small("EV-OBJ-017", {"id", "username"});
  } else {
    s.expect(false, "EV-NTF-001", "'" + name + "' is not a notification of Table 4");
  }
}

}  // namespace unm::conformance::observe
