// client_checks.cc — checks of client requests (events.md §1–§9, crypto.md): event names, exact
// key sets and value types, lowercase hex and lengths, valid points (CR-KEY-004), signatures
// over the signed bytes with the sender's identity key, ciphertext shape and IV reuse, create_dm
// bundles and trees, own_storage shape, requests before login.
#include <algorithm>
#include <set>

#include "conformance/observe/judge_impl.h"
#include "reference/common/hex.h"
#include "reference/crypto/sign.h"
#include "reference/protocol/limits.h"
#include "reference/protocol/timestamp.h"
#include "reference/protocol/validate.h"

namespace unm::conformance::observe {

namespace sio = transport::sio;
namespace lim = protocol::limits;
using protocol::Event;

namespace {

// Minimum AEAD wire form: 12-byte IV + 16-byte tag (CR-AEAD-001), in hex.
constexpr std::size_t kMinCiphertextHex = 2 * (12 + 16);

// Type is the value type of a payload key (EV-TRN-014…020).
enum class Type {
  id,
  boolean,
  seconds,
  count,
  username,    // Table 2 username
  any_string,  // a JSON string, no limit
  key,         // 64 hex + CR-KEY-004
  signature,   // 128 hex
  message_hex,
  reaction_hex,
  uuid,
  biography,
  picture,
  own_storage,
  dm_name,  // null or string 0…100
  cursor,
};

std::string quote(std::string_view s) {
  // Appends, not `"'" + std::string`: GCC 12 gives a false -Wrestrict for that at -O3.
  std::string q;
  q.reserve(s.size() + 2);
  q.append("'").append(s).append("'");
  return q;
}

// check_value judges one value; `what` is "event.key".
bool check_value(Scope& s, const std::string& what, const rapidjson::Value& v, Type t) {
  switch (t) {
    case Type::id:
      return s.expect(protocol::as_id(v).has_value(), "EV-TRN-014",
                      what + " is not an Id (an integer 1 … 2^53−1)");
    case Type::boolean:
      return s.expect(v.IsBool(), "EV-TRN-015", what + " is not true or false");
    case Type::seconds:
      return s.expect(protocol::as_seconds(v).has_value(), "EV-TRN-016",
                      what + " is not Seconds (an integer 0 … 31 536 000)");
    case Type::count:
      return s.expect(protocol::as_count(v).has_value(), "EV-MSG-014",
                      what + " is not an integer 0 … 2^31−1");
    case Type::username:
      if (!s.expect(v.IsString(), "EV-TRN-018", what + " is not a string")) return false;
      return s.expect(protocol::is_valid_username(str(v)), "EV-TRN-020",
                      what + " is not a username of Table 2 (1 … 64 characters, no controls)");
    case Type::any_string:
    case Type::cursor:
      if (!s.expect(v.IsString(), "EV-TRN-018", what + " is not a string")) return false;
      if (t == Type::cursor) {
        return s.expect(protocol::parse_cursor(str(v)).has_value(), "EV-MSG-015",
                        what + " is not an ISO-8601 date-time");
      }
      return true;
    case Type::key:
      if (!s.expect(is_key_text(v), "EV-TRN-017",
                    what + " is not a Key: 64 lowercase hex characters")) {
        return false;
      }
      return s.expect(
          key_point_valid(str(v)), "CR-KEY-004",
          what + " " + str(v).substr(0, 16) + "… is not a point of the prime-order subgroup");
    case Type::signature:
      return s.expect(is_sig_text(v), "EV-TRN-017",
                      what + " is not a Signature: 128 lowercase hex characters");
    case Type::message_hex:
    case Type::reaction_hex: {
      if (!s.expect(v.IsString(), "EV-TRN-018", what + " is not a string")) return false;
      const std::string h = str(v);
      if (!s.expect(is_lower_hex(h), "EV-TRN-017", what + " is not lowercase hex of even length")) {
        return false;
      }
      const std::size_t max = t == Type::message_hex ? lim::kMessageHexMax : lim::kReactionHexMax;
      if (!s.expect(h.size() >= 2 && h.size() <= max, "EV-TRN-020",
                    what + " has " + std::to_string(h.size()) + " hex characters (Table 2: 2 … " +
                        std::to_string(max) + ")")) {
        return false;
      }
      return s.expect(
          h.size() >= kMinCiphertextHex, "CR-AEAD-001",
          what + " is " + std::to_string(h.size() / 2) + " bytes: shorter than IV (12) ‖ tag (16)");
    }
    case Type::uuid:
    case Type::biography:
    case Type::picture: {
      if (!s.expect(v.IsString(), "EV-TRN-018", what + " is not a string")) return false;
      const std::size_t min = t == Type::uuid ? lim::kCallUuidMin : 0;
      const std::size_t max = t == Type::uuid        ? lim::kCallUuidMax
                              : t == Type::biography ? lim::kBiographyMax
                                                     : lim::kProfilePictureMax;
      return s.expect(protocol::as_string(v, min, max).has_value(), "EV-TRN-020",
                      what + " is outside the Table 2 length limits");
    }
    case Type::own_storage: {
      if (!s.expect(v.IsString(), "EV-TRN-018", what + " is not a string")) return false;
      const std::string h = str(v);
      if (!s.expect(h.size() <= lim::kOwnStorageMax, "EV-TRN-020",
                    what + " is longer than Table 2 allows")) {
        return false;
      }
      // CR-STORE-001: "" (no storage yet) or hex(IV ‖ AEAD ciphertext ‖ tag).
      return s.expect(h.empty() || (is_lower_hex(h) && h.size() >= kMinCiphertextHex),
                      "CR-STORE-001",
                      what + " is neither \"\" nor lowercase hex of IV ‖ ciphertext ‖ tag");
    }
    case Type::dm_name:
      if (v.IsNull()) return true;
      if (!s.expect(v.IsString(), "EV-DM-023", what + " is neither null nor a string")) {
        return false;
      }
      return s.expect(protocol::as_string(v, 0, lim::kDmNameMax).has_value(), "EV-TRN-020",
                      what + " is longer than 100 characters");
  }
  return true;
}

struct Field {
  std::string_view key;
  Type type;
};

// check_exact judges an *exact* payload (EV-TRN-011): the key set, then each value.
bool check_exact(Scope& s, std::string_view event, const rapidjson::Value& p,
                 std::initializer_list<Field> fields) {
  bool ok = true;
  for (const Field& f : fields) {
    ok &= s.expect(p.HasMember(rapidjson::StringRef(f.key.data(), f.key.size())), "EV-TRN-011",
                   std::string(event) + ": key " + quote(f.key) + " is missing");
  }
  for (auto it = p.MemberBegin(); it != p.MemberEnd(); ++it) {
    const std::string_view k(it->name.GetString(), it->name.GetStringLength());
    const bool listed =
        std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.key == k; });
    ok &= s.expect(listed, "EV-TRN-011",
                   std::string(event) + ": key " + quote(k) + " is not defined for this event");
  }
  for (const Field& f : fields) {
    const auto it = p.FindMember(rapidjson::StringRef(f.key.data(), f.key.size()));
    if (it == p.MemberEnd()) continue;
    ok &= check_value(s, std::string(event) + "." + std::string(f.key), it->value, f.type);
  }
  return ok;
}

// check_open judges an *open* payload (EV-TRN-012): unrecognised keys are ignored by servers and
// reported as non-strict; recognised ones are checked.
void check_open(Scope& s, std::string_view event, const rapidjson::Value& p,
                std::initializer_list<Field> recognised) {
  for (auto it = p.MemberBegin(); it != p.MemberEnd(); ++it) {
    const std::string_view k(it->name.GetString(), it->name.GetStringLength());
    const auto f = std::find_if(recognised.begin(), recognised.end(),
                                [&](const Field& x) { return x.key == k; });
    if (f == recognised.end()) {
      s.expect(false, "EV-TRN-012",
               std::string(event) + ": key " + quote(k) +
                   " is not defined for this event (servers ignore it)",
               Severity::non_strict);
      continue;
    }
    check_value(s, std::string(event) + "." + std::string(k), it->value, f->type);
  }
}

const rapidjson::Value* member(const rapidjson::Value& p, std::string_view k) {
  const auto it = p.FindMember(rapidjson::StringRef(k.data(), k.size()));
  return it == p.MemberEnd() ? nullptr : &it->value;
}

std::size_t tree_leaves(std::size_t n) {
  std::size_t m = 2;
  while (m < n) m *= 2;
  return m;
}

// check_create_dm judges a create_dm payload: the lists (EV-DM-001), every `ek` and tree node a
// valid point (EV-DM-004, CR-KEY-004), the tree length 2M−2 (CR-TREE-003), and each bundle as
// the client should have used it (CR-X3DH-001/002).
void check_create_dm(Judge::Impl& j, Scope& s, const rapidjson::Value& p,
                     const std::string& caller) {
  for (const char* k : {"usernames", "messages", "key_tree"}) {
    s.expect(p.HasMember(k), "EV-TRN-011", std::string("create_dm: key '") + k + "' is missing");
  }
  for (auto it = p.MemberBegin(); it != p.MemberEnd(); ++it) {
    const std::string k(it->name.GetString(), it->name.GetStringLength());
    s.expect(k == "usernames" || k == "messages" || k == "key_tree", "EV-TRN-011",
             "create_dm: key '" + k + "' is not defined for this event");
  }
  const auto* names = member(p, "usernames");
  const auto* msgs = member(p, "messages");
  const auto* tree = member(p, "key_tree");
  std::vector<std::string> targets;
  if (names) {
    if (s.expect(names->IsArray() && names->Size() >= lim::kCreateDmTargetsMin &&
                     names->Size() <= lim::kCreateDmTargetsMax,
                 "EV-DM-001", "create_dm.usernames is not an array of 1 … 63 usernames")) {
      std::set<std::string> seen;
      for (const auto& n : names->GetArray()) {
        if (!s.expect(n.IsString(), "EV-DM-001", "create_dm.usernames holds a non-string")) {
          continue;
        }
        const std::string name = str(n);
        s.expect(seen.insert(name).second, "EV-DM-001",
                 "create_dm.usernames lists '" + name + "' twice");
        s.expect(name != caller || caller.empty(), "EV-DM-001",
                 "create_dm.usernames lists the caller '" + name + "'");
        targets.push_back(name);
      }
    }
  }
  if (msgs) {
    const bool shape =
        s.expect(msgs->IsArray() && (!names || !names->IsArray() || msgs->Size() == names->Size()),
                 "EV-DM-001", "create_dm.messages is not an array as long as usernames");
    if (shape) {
      for (rapidjson::SizeType i = 0; i < msgs->Size(); ++i) {
        const auto& m = (*msgs)[i];
        const std::string at = "create_dm.messages[" + std::to_string(i) + "]";
        if (!s.expect(m.IsObject() && m.HasMember("spk") && m.HasMember("ek"), "EV-DM-001",
                      at + " is not an object with 'spk' and 'ek'")) {
          continue;
        }
        check_value(s, at + ".ek", m["ek"], Type::key);
        if (!check_value(s, at + ".spk", m["spk"], Type::key) || i >= targets.size()) continue;
        const auto u = j.users.find(targets[i]);
        if (u == j.users.end() || u->second.spk.empty()) continue;
        // CR-X3DH-001: the bundle used must verify; CR-X3DH-002: `spk` is the target's SPKb.
        if (str(m["spk"]) == u->second.spk) {
          s.expect(
              crypto::verify_hex(u->second.public_key, u->second.spk, u->second.sig).has_value(),
              "CR-X3DH-001",
              "create_dm uses the bundle of '" + targets[i] + "' whose sig does not verify");
        } else {
          s.expect(false, "CR-X3DH-002",
                   at + ".spk is not the SPK that '" + targets[i] + "' published (" +
                       u->second.spk.substr(0, 16) + "…)",
                   Severity::non_strict);  // the target may have rotated it meanwhile
        }
      }
    }
  }
  if (tree) {
    if (!s.expect(
            tree->IsArray() && tree->Size() >= lim::kKeyTreeMin && tree->Size() <= lim::kKeyTreeMax,
            "EV-TRN-020", "create_dm.key_tree is not an array of 1 … 126 Keys")) {
      return;
    }
    for (rapidjson::SizeType i = 0; i < tree->Size(); ++i) {
      check_value(s, "create_dm.key_tree[" + std::to_string(i) + "]", (*tree)[i], Type::key);
    }
    if (names && names->IsArray() && !names->Empty()) {
      const std::size_t members = names->Size() + 1;
      const std::size_t m = tree_leaves(members);
      s.expect(tree->Size() == 2 * m - 2, "CR-TREE-003",
               "create_dm.key_tree has " + std::to_string(tree->Size()) + " nodes; " +
                   std::to_string(members) + " members need M = " + std::to_string(m) +
                   " leaves, 2M−2 = " + std::to_string(2 * m - 2) + " nodes");
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Request Judge::Impl::check_request(Connection& c, Clock::time_point at, const sio::Incoming& in,
                                   const FrameRecord& frame) {
  Scope s(*this, Side::client, c, at, {frame});
  Request r;
  r.frame = frame;
  r.user = user_of(c);
  const rapidjson::Value& args = in.dom;  // the codec guarantees a non-empty array, name first
  r.event = str(args[0]);
  r.known = protocol::parse_event(r.event);
  const std::string& ev = r.event;

  s.expect(in.message.packet.id.has_value(), "EV-TRN-004",
           "request " + quote(ev) + " asks for no acknowledgement (no ack id)");
  if (!s.expect(in.message.packet.type == sio::PacketType::event, "EV-TRN-008",
                "request " + quote(ev) + " carries binary attachments")) {
    r.refused = {"EV-TRN-008"};
    return r;
  }
  if (!s.expect(r.known.has_value(), "EV-TRN-021",
                "event " + quote(ev) + " is not an event of events.md Table 1")) {
    return r;
  }
  if (!s.expect(args.Size() == 2, "EV-TRN-004",
                "request " + quote(ev) + " has " + std::to_string(args.Size() - 1) +
                    " arguments; exactly one (the payload object) is defined")) {
    r.refused = {"EV-TRN-004"};
    return r;
  }
  const rapidjson::Value& p = args[1];
  if (!s.expect(p.IsObject(), "EV-TRN-008", "the payload of " + quote(ev) + " is not an object")) {
    r.refused = {"EV-TRN-008"};
    return r;
  }
  r.payload.CopyFrom(p, r.payload.GetAllocator());

  const Event e = *r.known;
  const bool logging_in = std::any_of(c.outstanding.begin(), c.outstanding.end(), [](auto& kv) {
    return kv.second.known == Event::login_challenge_response;
  });
  if (protocol::requires_login(e)) {
    s.expect(c.state == Connection::State::logged_in || logging_in, "EV-TRN-022",
             quote(ev) + " sent before login (the connection is not LOGGED_IN)");
  }
  if (e == Event::register_user || e == Event::login || e == Event::login_challenge_response) {
    s.expect(c.state != Connection::State::logged_in, "EV-AUTH-001",
             quote(ev) + " on a connection already logged in as " + c.user +
                 " (another identity needs a new connection)");
  }
  const std::string caller = c.state == Connection::State::logged_in ? c.user : std::string();

  switch (e) {
    case Event::register_user: {
      const bool ok = check_exact(s, ev, p,
                                  {{"username", Type::username},
                                   {"public_key", Type::key},
                                   {"spk", Type::key},
                                   {"sig", Type::signature},
                                   {"own_storage", Type::own_storage}});
      if (ok) {
        const std::string name = str(p["username"]);
        s.expect(crypto::verify_hex(str(p["public_key"]), str(p["spk"]), str(p["sig"])).has_value(),
                 "CR-SIG-002",
                 "register.sig does not verify over the SPK bytes under register.public_key");
        ++stats.signatures_verified;
        if (!str(p["own_storage"]).empty()) {
          record_iv(s, "own_storage key of " + name, name, str(p["own_storage"]),
                    "register.own_storage");
        }
      }
      break;
    }
    case Event::login:
      check_exact(s, ev, p, {{"username", Type::any_string}});
      break;
    case Event::login_challenge_response:
      if (check_exact(s, ev, p, {{"response", Type::any_string}})) {
        s.expect(is_key_text(p["response"]), "CR-CHAL-002",
                 "login_challenge_response.response is not a point encoding (64 lowercase hex)");
      }
      break;
    case Event::username_exists:
    case Event::get_user:
    case Event::send_friend_request:
    case Event::unfriend:
    case Event::block_user:
    case Event::unblock:
      check_exact(s, ev, p, {{"username", Type::any_string}});
      break;
    case Event::get_full_user:
    case Event::get_user_list:
    case Event::get_dms:
    case Event::get_friend_requests:
    case Event::get_outgoing_requests:
    case Event::get_friends:
    case Event::get_blocked:
      check_exact(s, ev, p, {});
      break;
    case Event::set_user: {
      check_open(s, ev, p,
                 {{"spk", Type::key},
                  {"sig", Type::signature},
                  {"status", Type::any_string},
                  {"biography", Type::biography},
                  {"profile_picture", Type::picture},
                  {"own_storage", Type::own_storage}});
      const auto* spk = member(p, "spk");
      const auto* sig = member(p, "sig");
      const auto* status = member(p, "status");
      const auto* storage = member(p, "own_storage");
      s.expect(
          spk || sig || status || member(p, "biography") || member(p, "profile_picture") || storage,
          "EV-USR-006", "set_user without any recognised property");
      s.expect((spk == nullptr) == (sig == nullptr), "EV-USR-007",
               "set_user: spk and sig must come together");
      if (status && status->IsString()) {
        const std::string st = str(*status);
        s.expect(st == "online" || st == "away" || st == "dnd" || st == "offline", "EV-USR-008",
                 "set_user.status " + quote(st) + " is not online, away, dnd or offline");
      }
      if (spk && sig && is_key_text(*spk) && is_sig_text(*sig) && !caller.empty()) {
        check_signature(s, caller, "CR-SIG-002", "set_user.sig over the new SPK", str(*spk),
                        str(*sig));
      }
      if (storage && storage->IsString() && !str(*storage).empty() && !caller.empty()) {
        record_iv(s, "own_storage key of " + caller, caller, str(*storage), "set_user.own_storage");
      }
      break;
    }
    case Event::create_dm:
      check_create_dm(*this, s, p, caller);
      break;
    case Event::get_dm:
    case Event::leave_dm:
    case Event::get_message:
    case Event::get_pinned:
    case Event::remove_reaction:
    case Event::ping_typing:
    case Event::leave_call:
      check_exact(s, ev, p, {{"id", Type::id}});
      break;
    case Event::set_dm: {
      const auto* id = member(p, "id");
      if (s.expect(id != nullptr, "EV-DM-023", "set_dm without 'id'")) {
        check_value(s, "set_dm.id", *id, Type::id);
      }
      s.expect(member(p, "name") != nullptr, "EV-DM-023", "set_dm without 'name'");
      check_open(s, ev, p, {{"id", Type::id}, {"name", Type::dm_name}});
      break;
    }
    case Event::send_message: {
      const bool ok = check_exact(s, ev, p,
                                  {{"id", Type::id},
                                   {"message", Type::message_hex},
                                   {"signature", Type::signature},
                                   {"schedule", Type::seconds},
                                   {"delete", Type::seconds}});
      if (ok && !caller.empty()) {
        const std::string m = str(p["message"]);
        check_signature(s, caller, "CR-SIG-002", "send_message.signature over the ciphertext", m,
                        str(p["signature"]));
        record_iv(s, "the key of DM " + std::to_string(p["id"].GetInt64()), caller, m,
                  "send_message.message");
      }
      break;
    }
    case Event::get_message_history: {
      const bool has_limit = member(p, "limit") != nullptr;
      check_exact(s, ev, p,
                  {{"id", Type::id},
                   {"cursor", Type::cursor},
                   {has_limit ? "limit" : "count", Type::count}});
      break;
    }
    case Event::set_message: {
      const auto* id = member(p, "id");
      const auto* msg = member(p, "message");
      const auto* sig = member(p, "signature");
      if (s.expect(id != nullptr, "EV-MSG-019", "set_message without 'id'")) {
        check_value(s, "set_message.id", *id, Type::id);
      }
      check_open(s, ev, p,
                 {{"id", Type::id},
                  {"message", Type::message_hex},
                  {"signature", Type::signature},
                  {"pinned", Type::boolean}});
      s.expect(msg || sig || member(p, "pinned"), "EV-MSG-019",
               "set_message without message, signature or pinned");
      s.expect((msg == nullptr) == (sig == nullptr), "EV-MSG-019",
               "set_message: message and signature must come together");
      if (msg && sig && is_lower_hex_text(*msg, kMinCiphertextHex, lim::kMessageHexMax) &&
          is_sig_text(*sig) && !caller.empty()) {
        check_signature(s, caller, "CR-SIG-002", "set_message.signature over the new ciphertext",
                        str(*msg), str(*sig));
        if (is_id(*id)) {
          const auto dm = message_dm.find(id->GetInt64());
          record_iv(s,
                    dm != message_dm.end() ? "the key of DM " + std::to_string(dm->second)
                                           : "the DM of message " + std::to_string(id->GetInt64()),
                    caller, str(*msg), "set_message.message");
        }
      }
      break;
    }
    case Event::cancel_scheduled_message:
      check_exact(s, ev, p, {{"dm_id", Type::id}, {"schedule_id", Type::id}});
      break;
    case Event::add_reaction: {
      const bool ok = check_exact(
          s, ev, p,
          {{"id", Type::id}, {"reaction", Type::reaction_hex}, {"signature", Type::signature}});
      if (ok && !caller.empty()) {
        const std::string rc = str(p["reaction"]);
        check_signature(s, caller, "CR-SIG-002", "add_reaction.signature over the ciphertext", rc,
                        str(p["signature"]));
        const std::int64_t mid = p["id"].GetInt64();
        const auto dm = message_dm.find(mid);
        record_iv(s,
                  dm != message_dm.end() ? "the key of DM " + std::to_string(dm->second)
                                         : "the DM of message " + std::to_string(mid),
                  caller, rc, "add_reaction.reaction");
      }
      break;
    }
    case Event::ack_friend_request:
      check_exact(s, ev, p, {{"username", Type::any_string}, {"accept", Type::boolean}});
      break;
    case Event::join_call:
      check_exact(s, ev, p, {{"id", Type::id}, {"uuid", Type::uuid}});
      break;
  }
  // Clauses whose breach the server must answer with a failure (not IV reuse, tree shape or
  // SPK choice: a server cannot see those, EV-DM-004).
  for (const std::string& cl : s.violated()) {
    if (cl != "CR-AEAD-003" && cl != "CR-TREE-003" && cl != "CR-X3DH-001" && cl != "CR-X3DH-002" &&
        cl != "EV-TRN-004" && cl != "EV-AUTH-001" && cl != "CR-STORE-001" && cl != "CR-CHAL-002") {
      r.refused.push_back(cl);
    }
  }
  return r;
}

}  // namespace unm::conformance::observe
