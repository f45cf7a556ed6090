// step_crypto.cc — the `do` steps: the client's crypto duties over the wire (register, login with
// the challenge CR-CHAL-002, befriend, create_dm with X3DH and the key tree, join_dm, send_message
// / expect_message with AES-GCM and signatures). Part of the engine (case_runner.h).
#include "conformance/src/case_runner.h"

#include <rapidjson/pointer.h>

#include "conformance/src/matcher.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/group_tree.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::detail {

// merge_with applies the step's "with" object over `payload` (fields replaced or added;
// a value of null removes the field — to build payloads with missing keys).
StepResult CaseRunner::merge_with(const Step& st, JsonDoc& payload) {
  const JsonValue* w = json_member(*st.body, "with");
  if (w == nullptr) return {};
  auto d = subst(*w);
  if (!d) return Unexpected{d.error()};
  if (!d->IsObject()) return harness("scenario: with must be an object");
  auto& al = payload.GetAllocator();
  for (auto it = d->MemberBegin(); it != d->MemberEnd(); ++it) {
    std::string key = sv_str(it->name);
    payload.RemoveMember(key.c_str());
    if (it->value.IsNull()) continue;
    JsonValue k(key.c_str(), al);
    JsonValue v;
    v.CopyFrom(it->value, al);
    payload.AddMember(k, v, al);
  }
  return {};
}

void CaseRunner::add_str(JsonDoc& d, const char* key, const std::string& v) {
  auto& al = d.GetAllocator();
  d.AddMember(JsonValue(key, al), JsonValue(v.c_str(), al), al);
}

StepResult CaseRunner::step_do(const Step& st) {
  ActorRt& a = actor(st.actor);
  Identity& me = identity_of(st.actor);
  const std::string& op = st.name;
  if (op == "register") return do_register(st, a, me);
  if (op == "login") return do_login(st, a, me);
  if (op == "befriend") return do_befriend(st, a, me);
  if (op == "create_dm") return do_create_dm(st, a, me);
  if (op == "join_dm") return do_join_dm(st, a, me);
  if (op == "send_message") return do_send_message(st, a, me);
  if (op == "expect_message") return do_expect_message(st, a, me);
  return harness("unknown do operation " + op);
}

StepResult CaseRunner::do_register(const Step& st, ActorRt& a, Identity& me) {
  {
    JsonDoc p;
    p.SetObject();
    add_str(p, "username", me.username);
    add_str(p, "public_key", hex_of(me.ik_pub));
    add_str(p, "spk", hex_of(me.spks.back().second));
    add_str(p, "sig", hex_of(me.spk_sig));
    add_str(p, "own_storage", "");
    if (auto r = merge_with(st, p); !r) return r;
    JsonDoc ack;
    return send_payload(st, a, "register", p, R"({"ok": true})", ack);
  }
}

StepResult CaseRunner::do_login(const Step& st, ActorRt& a, Identity& me) {
  JsonDoc p;
  p.SetObject();
  add_str(p, "username", me.username);
  JsonDoc ack;
  if (auto r = call(a, "login", args_array(to_json(p)), step_ms(st, "timeout_ms", 5000), ack); !r) {
    return r;
  }
  if (!ack["success"].GetBool()) return failed("login refused: " + to_json(ack));
  const JsonValue& ch = ack["result"];
  if (!ch.IsString() || ch.GetStringLength() != 64 || !is_lower_hex(sv_str(ch))) {
    return failed("login must succeed with a 64-hex challenge (EV-AUTH-010), got " + to_json(ack));
  }
  auto pk = cr::parse_public_key(sv_str(ch));
  if (!pk) return failed("challenge is not a valid point (CR-CHAL-001): " + sv_str(ch));
  auto resp = cr::challenge_response(me.ik, *pk);
  if (!resp) return failed("challenge refused by client crypto: " + sv_str(ch));
  JsonDoc q;
  q.SetObject();
  add_str(q, "response", hex_of(*resp));
  if (auto r = merge_with(st, q); !r) return r;
  JsonDoc ack2;
  return send_payload(st, a, "login_challenge_response", q, R"({"ok": true})", ack2);
}

StepResult CaseRunner::do_befriend(const Step& st, ActorRt& a, Identity& me) {
  auto other_name = str_field(st, "other");
  if (!other_name) return Unexpected{other_name.error()};
  if (!actors_.count(*other_name)) return harness("scenario: unknown actor " + *other_name);
  return befriend(a, me, actor(*other_name), identity_of(*other_name));
}

StepResult CaseRunner::befriend(ActorRt& a, Identity& me, ActorRt& b, Identity& them) {
  JsonDoc ack;
  std::string req = "[{\"username\":" + json_escape(them.username) + "}]";
  if (auto r = call(a, "send_friend_request", req, scaled(5000), ack); !r) return r;
  if (!ack["success"].GetBool()) return failed("send_friend_request refused: " + to_json(ack));
  std::string accept = "[{\"username\":" + json_escape(me.username) + ",\"accept\":true}]";
  if (auto r = call(b, "ack_friend_request", accept, scaled(5000), ack); !r) return r;
  if (!ack["success"].GetBool()) return failed("ack_friend_request refused: " + to_json(ack));
  // Consume the two notices so later steps see a clean inbox (EV-FRD-003, EV-FRD-005).
  JsonDoc m1;
  m1.Parse(("{\"username\":" + json_escape(me.username) + "}").c_str());
  std::string last;
  if (auto n = take(b, "friend_request_notification", &m1, scaled(3000), last); !n) {
    return Unexpected{n.error()};
  }
  JsonDoc m2;
  m2.Parse(("{\"username\":" + json_escape(them.username) + ",\"accept\":true}").c_str());
  if (auto n = take(a, "friend_request_accept_notification", &m2, scaled(3000), last); !n) {
    return Unexpected{n.error()};
  }
  return {};
}

StepResult CaseRunner::do_create_dm(const Step& st, ActorRt& a, Identity& me) {
  const JsonValue* members = json_member(*st.body, "members");
  if (members == nullptr || !members->IsArray() || members->Empty()) {
    return harness("scenario: create_dm needs members (actor names)");
  }
  std::vector<cr::PreKeyBundle> bundles;
  std::vector<std::string> names;
  for (const auto& m : members->GetArray()) {
    if (!m.IsString()) return harness("scenario: members must be actor names");
    Identity* id = identity_by_actor_or_null(sv_str(m));
    if (id == nullptr) return harness("scenario: unknown member actor " + sv_str(m));
    // EV-USR-002: the key bundle comes from get_user, as a real client does.
    JsonDoc ack;
    if (auto r = call(a, "get_user", "[{\"username\":" + json_escape(id->username) + "}]",
                      scaled(5000), ack);
        !r) {
      return r;
    }
    if (!ack["success"].GetBool()) return failed("get_user refused: " + to_json(ack));
    const JsonValue& u = ack["result"];
    std::string pk = json_string_or(u, "public_key", ""), spk = json_string_or(u, "spk", ""),
                sig = json_string_or(u, "sig", "");
    auto ppk = cr::parse_public_key(pk);
    auto pspk = cr::parse_public_key(spk);
    auto psig = cr::parse_signature(sig);
    if (!ppk || !pspk || !psig)
      return failed("get_user returned an unusable key bundle: " + to_json(u));
    bundles.push_back({*ppk, *pspk, *psig});
    names.push_back(id->username);
  }
  auto g = cr::create_group_dm(me.ik, bundles, rng_);
  if (!g) {
    return failed("create_group_dm refused the bundles (CR-X3DH-001): " +
                  std::string(cr::error_name(g.error())));
  }
  JsonDoc p;
  p.SetObject();
  auto& al = p.GetAllocator();
  JsonValue us(rapidjson::kArrayType), ms(rapidjson::kArrayType), kt(rapidjson::kArrayType);
  for (std::size_t i = 0; i < names.size(); ++i) {
    us.PushBack(JsonValue(names[i].c_str(), al), al);
    JsonValue m(rapidjson::kObjectType);
    m.AddMember("spk", JsonValue(hex_of(g->messages[i].spk).c_str(), al), al);
    m.AddMember("ek", JsonValue(hex_of(g->messages[i].ek).c_str(), al), al);
    ms.PushBack(m, al);
  }
  for (const auto& k : g->key_tree) kt.PushBack(JsonValue(hex_of(k).c_str(), al), al);
  // corrupt: replace one value by a given one (invalid-point cases, CR-KEY-004, EV-DM-004).
  if (const JsonValue* c = json_member(*st.body, "corrupt"); c != nullptr && c->IsString()) {
    auto value = str_field(st, "value");
    if (!value) return Unexpected{value.error()};
    std::string what = sv_str(*c);
    if (what == "ek") {
      ms[0]["ek"].SetString(value->c_str(), al);
    } else if (what == "spk") {
      ms[0]["spk"].SetString(value->c_str(), al);
    } else if (what == "key_tree") {
      kt[0].SetString(value->c_str(), al);
    } else {
      return harness("scenario: corrupt must be ek, spk or key_tree");
    }
  }
  p.AddMember("usernames", us, al);
  p.AddMember("messages", ms, al);
  p.AddMember("key_tree", kt, al);
  if (auto r = merge_with(st, p); !r) return r;
  JsonDoc ack;
  if (auto r = send_payload(st, a, "create_dm", p, R"({"ok": {"$type": "id"}})", ack); !r) {
    return r;
  }
  if (ack["success"].GetBool() && ack["result"].IsInt64()) {
    long long id = ack["result"].GetInt64();
    me.group_keys[id] = g->shared_key;
    if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
      vars_.set_int(sv_str(*into), id);
    }
  }
  return {};
}

StepResult CaseRunner::do_join_dm(const Step& st, ActorRt& a, Identity& me) {
  JsonDoc m;
  m.SetObject();
  if (json_member(*st.body, "dm") != nullptr) {
    auto dm = int_field(st, "dm", 0);
    if (!dm) return Unexpected{dm.error()};
    JsonDoc tmp;
    tmp.Parse(("{\"$has\":{\"id\":" + std::to_string(*dm) + "}}").c_str());
    m.CopyFrom(tmp, m.GetAllocator());
  } else {
    m.Parse(R"({"$any": true})");
  }
  std::string last;
  auto n = take(a, "x3dh_notification", &m, step_ms(st, "within_ms", 3000), last);
  if (!n) return Unexpected{n.error()};
  observations_.push_back(a.name + " got x3dh_notification");
  auto args = parse_json(n->args_json);
  const JsonValue& x = (*args)[0];
  // EV-OBJ-016: the X3DH notification object's exact shape.
  JsonDoc shape;
  shape.Parse(R"({"sender":{"$type":"string"},"ik":{"$type":"key"},"spk":{"$type":"key"},
    "ek":{"$type":"key"},"key_tree":{"$type":"array"},"position":{"$type":"integer"},
    "id":{"$type":"id"}})");
  if (auto r = apply_match(shape, x); !r) return r;
  if (const JsonValue* mt = json_member(*st.body, "match")) {
    auto d = subst(*mt);
    if (!d) return Unexpected{d.error()};
    if (auto r = apply_match(*d, x); !r) return r;
  }
  std::string spk_hex = json_string_or(x, "spk", "");
  const cr::PrivateKey* spk_priv = nullptr;
  for (const auto& [priv, pub] : me.spks) {
    if (hex_of(pub) == spk_hex) spk_priv = &priv;
  }
  if (spk_priv == nullptr) return failed("x3dh_notification names an SPK we never had: " + spk_hex);
  auto sender_ik = cr::parse_public_key(json_string_or(x, "ik", ""));
  auto ek = cr::parse_public_key(json_string_or(x, "ek", ""));
  if (!sender_ik || !ek) return failed("x3dh_notification carries an invalid ik/ek point");
  std::vector<cr::PublicKey> tree;
  for (const auto& k : x["key_tree"].GetArray()) {
    cr::PublicKey pk{};
    if (!k.IsString() || !from_hex_into(sv_str(k), pk)) {
      return failed("key_tree entry is not 64 hex: " + to_json(k));
    }
    tree.push_back(pk);
  }
  auto key = cr::receive_group_dm(me.ik, *spk_priv, *sender_ik, *ek, tree,
                                  static_cast<std::size_t>(x["position"].GetInt64()));
  if (!key) {
    return failed("group key could not be derived from the notification (CR-TREE-005..007): " +
                  std::string(cr::error_name(key.error())));
  }
  long long id = x["id"].GetInt64();
  me.group_keys[id] = *key;
  if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
    vars_.set_int(sv_str(*into), id);
  }
  return {};
}

Expected<cr::SharedKey, StepFailure> CaseRunner::group_key(Identity& me, long long dm) {
  auto it = me.group_keys.find(dm);
  if (it == me.group_keys.end()) {
    StepFailure f;
    f.verdict = RawVerdict::error;
    f.reason = "scenario: " + me.username + " holds no key for DM " + std::to_string(dm) +
               " (create_dm or join_dm first)";
    return Unexpected{std::move(f)};
  }
  return it->second;
}

StepResult CaseRunner::do_send_message(const Step& st, ActorRt& a, Identity& me) {
  auto dm = int_field(st, "dm", 0);
  if (!dm) return Unexpected{dm.error()};
  auto text = str_field(st, "text");
  if (!text) return Unexpected{text.error()};
  auto key = group_key(me, *dm);
  if (!key) return Unexpected{key.error()};
  std::span<const std::uint8_t> pt(reinterpret_cast<const std::uint8_t*>(text->data()),
                                   text->size());
  auto ct = cr::aead_encrypt_hex(*key, pt, rng_);
  if (!ct) return harness("aead failed: " + std::string(cr::error_name(ct.error())));
  auto ct_bytes = from_hex(*ct);
  cr::Signature sig = cr::sign(me.ik, *ct_bytes);  // CR-SIG-002: sign after encrypting
  auto schedule = int_field(st, "schedule", 0);
  auto del = int_field(st, "delete", 0);
  if (!schedule) return Unexpected{schedule.error()};
  if (!del) return Unexpected{del.error()};
  JsonDoc p;
  p.SetObject();
  auto& al = p.GetAllocator();
  p.AddMember("id", JsonValue(static_cast<int64_t>(*dm)), al);
  add_str(p, "message", *ct);
  add_str(p, "signature", hex_of(sig));
  p.AddMember("schedule", JsonValue(static_cast<int64_t>(*schedule)), al);
  p.AddMember("delete", JsonValue(static_cast<int64_t>(*del)), al);
  if (auto r = merge_with(st, p); !r) return r;
  if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
    vars_.set_string(sv_str(*into), *ct);
    vars_.set_string(sv_str(*into) + ".signature", hex_of(sig));
  }
  JsonDoc ack;
  return send_payload(st, a, "send_message", p, R"({"ok": true})", ack);
}

StepResult CaseRunner::do_expect_message(const Step& st, ActorRt& a, Identity& me) {
  auto dm = int_field(st, "dm", 0);
  if (!dm) return Unexpected{dm.error()};
  auto text = str_field(st, "text");
  if (!text) return Unexpected{text.error()};
  auto sender_actor = str_field(st, "sender");
  if (!sender_actor) return Unexpected{sender_actor.error()};
  Identity* sender = identity_by_actor_or_null(*sender_actor);
  if (sender == nullptr) return harness("scenario: unknown sender actor " + *sender_actor);
  JsonDoc m;
  m.Parse(("{\"$has\":{\"dm_id\":" + std::to_string(*dm) +
           ",\"sender\":" + json_escape(sender->username) + "}}")
              .c_str());
  std::string last;
  auto n = take(a, "message_notification", &m, step_ms(st, "within_ms", 3000), last);
  if (!n) return Unexpected{n.error()};
  observations_.push_back(a.name + " got message_notification");
  auto args = parse_json(n->args_json);
  const JsonValue& msg = (*args)[0];
  if (const JsonValue* mt = json_member(*st.body, "match")) {
    auto d = subst(*mt);
    if (!d) return Unexpected{d.error()};
    if (auto r = apply_match(*d, msg); !r) return r;
  }
  std::string ct = json_string_or(msg, "message", "");
  std::string sig = json_string_or(msg, "signature", "");
  // The receiving client's duties: verify the sender's signature, then decrypt (CR-SIG-002).
  if (!cr::verify_hex(hex_of(sender->ik_pub), ct, sig)) {
    return failed("message signature does not verify under the sender's key");
  }
  auto key = group_key(me, *dm);
  if (!key) return Unexpected{key.error()};
  auto pt = cr::aead_decrypt_hex(*key, ct);
  if (!pt) return failed("message does not decrypt: " + std::string(cr::error_name(pt.error())));
  std::string plain(pt->begin(), pt->end());
  if (plain != *text) return failed("decrypted \"" + plain + "\", expected \"" + *text + "\"");
  if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
    vars_.set_value(sv_str(*into), msg["id"]);
    vars_.set_value(sv_str(*into) + ".timestamp", msg["timestamp"]);
  }
  return apply_captures(st, msg);
}

}  // namespace unm::conformance::detail
