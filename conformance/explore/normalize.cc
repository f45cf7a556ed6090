// normalize.cc — see normalize.h.
#include "conformance/explore/normalize.h"

#include <algorithm>
#include <cmath>

#include "conformance/src/json.h"
#include "reference/common/hex.h"
#include "reference/protocol/timestamp.h"

namespace unm::conformance::explore {
namespace {

// Kind tells what an integer id in the current position denotes.
enum class Hint { none, dm, msg, rct, ordered };

struct Canon {
  SideState& side;
  const Registry& reg;

  std::string id_text(Hint h, const JsonValue& v) {
    if (!v.IsInt64()) return to_json(v);
    const std::int64_t raw = v.GetInt64();
    const char* prefix = h == Hint::dm ? "dm" : h == Hint::msg ? "msg" : "rct";
    const IdMap& m = h == Hint::dm ? side.dms : h == Hint::msg ? side.msgs : side.rcts;
    std::string s = "\"";
    s += prefix;
    // An id the explorer never learned is shown as unknown, which differs from any learned one.
    if (auto a = m.abstract_of(raw)) {
      s += std::to_string(*a);
    } else {
      s += "?";
    }
    return s + "\"";
  }

  static bool is_message(const JsonValue& o) {
    return o.HasMember("signature") && o.HasMember("sender") && o.HasMember("message") &&
           o.HasMember("timestamp");
  }
  static bool is_reaction(const JsonValue& o) {
    return o.HasMember("reaction") && o.HasMember("sender");
  }
  static bool is_dm(const JsonValue& o) { return o.HasMember("users") && o.HasMember("id"); }
  static bool is_x3dh(const JsonValue& o) { return o.HasMember("key_tree") && o.HasMember("ek"); }

  // learn records the raw ids of a Message or Reaction object by its ciphertext.
  void learn(const JsonValue& o) {
    const JsonValue* id = json_member(o, "id");
    if (id == nullptr || !id->IsInt64()) return;
    if (is_message(o)) {
      const std::string ct = json_string_or(o, "message", "");
      auto it = reg.ct_msg.find(ct);
      if (it == reg.ct_msg.end()) return;
      side.msgs.learn(it->second, id->GetInt64());
      if (const JsonValue* ts = json_member(o, "timestamp"); ts && ts->IsString()) {
        side.msg_timestamp[it->second] = ts->GetString();
      }
    } else if (is_reaction(o)) {
      auto it = reg.ct_rct.find(json_string_or(o, "reaction", ""));
      if (it != reg.ct_rct.end()) side.rcts.learn(it->second, id->GetInt64());
    }
  }

  static std::string delete_distance(const JsonValue& o) {
    const JsonValue* ts = json_member(o, "timestamp");
    const JsonValue* del = json_member(o, "delete_timestamp");
    if (del == nullptr) return "";
    if (del->IsNull()) return "null";
    if (ts == nullptr || !ts->IsString() || !del->IsString()) return to_json(*del);
    auto a = protocol::parse_cursor(ts->GetString());
    auto b = protocol::parse_cursor(del->GetString());
    if (!a || !b) return to_json(*del);
    const double s = static_cast<double>(*b - *a) / 1e6;
    return "\"time+" + std::to_string(static_cast<long long>(std::llround(s))) + "s\"";
  }

  std::string object(const JsonValue& o, Hint h) {
    // Message and Reaction objects first teach their ids, then are written with them.
    if (is_message(o) || is_reaction(o)) {
      learn(o);
      if (o.HasMember("reactions") && o["reactions"].IsArray()) {
        for (const auto& r : o["reactions"].GetArray()) {
          if (r.IsObject()) learn(r);
        }
      }
    }
    Hint id_hint = h;
    if (is_message(o)) {
      id_hint = Hint::msg;
    } else if (is_reaction(o)) {
      id_hint = Hint::rct;
    } else if (is_dm(o) || is_x3dh(o)) {
      id_hint = Hint::dm;
    }
    std::vector<std::pair<std::string, std::string>> kv;
    for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
      const std::string key(it->name.GetString(), it->name.GetStringLength());
      const JsonValue& v = it->value;
      std::string text;
      if (key == "id" && id_hint != Hint::none && id_hint != Hint::ordered) {
        text = id_text(id_hint, v);
      } else if (key == "dm_id" || key == "dm") {
        text = v.IsInt64() ? id_text(Hint::dm, v) : value(v, Hint::none);
      } else if (key == "schedule_id") {
        text = v.IsInt64() ? "\"sched\"" : value(v, Hint::none);
      } else if (key == "delete_timestamp" && is_message(o)) {
        text = delete_distance(o);
      } else if ((key == "timestamp" || key == "created_at") && v.IsString() &&
                 protocol::parse_cursor(v.GetString())) {
        text = "\"time\"";
      } else if (key == "scheduled_messages" && v.IsObject()) {
        // Keys are schedule ids (free): the entries as a set.
        std::vector<std::string> entries;
        for (auto e = v.MemberBegin(); e != v.MemberEnd(); ++e)
          entries.push_back(value(e->value, Hint::none));
        std::sort(entries.begin(), entries.end());
        text = "{\"sched*\":[";
        for (std::size_t i = 0; i < entries.size(); ++i) text += (i ? "," : "") + entries[i];
        text += "]}";
      } else if (key == "reactions") {
        text = value(v, Hint::rct);
      } else if (key == "key_tree") {
        text = value(v, Hint::ordered);
      } else if (key == "latest_message") {
        text = value(v, Hint::msg);
      } else {
        text = value(v, Hint::none);
      }
      kv.emplace_back(json_escape(key), std::move(text));
    }
    std::sort(kv.begin(), kv.end());
    std::string s = "{";
    for (std::size_t i = 0; i < kv.size(); ++i) {
      if (i) s += ",";
      s += kv[i].first + ":" + kv[i].second;
    }
    return s + "}";
  }

  // foreign: a User object (or username) of somebody the explorer did not create.
  bool foreign(const JsonValue& v) const {
    if (!v.IsObject() || !v.HasMember("username") || !v.HasMember("public_key")) return false;
    const JsonValue& n = v["username"];
    return n.IsString() && !reg.ours(n.GetString());
  }

  std::string array(const JsonValue& a, Hint h, bool ordered) {
    std::vector<std::string> items;
    for (const auto& e : a.GetArray()) {
      if (foreign(e)) continue;
      items.push_back(value(e, h == Hint::ordered ? Hint::none : h));
    }
    if (!ordered) std::sort(items.begin(), items.end());
    std::string s = "[";
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
    return s + "]";
  }

  std::string value(const JsonValue& v, Hint h) {
    if (v.IsObject()) return object(v, h);
    if (v.IsArray()) return array(v, h, h == Hint::ordered);
    if (v.IsInt64() && (h == Hint::dm || h == Hint::msg || h == Hint::rct)) return id_text(h, v);
    return to_json(v);
  }
};

// is_hex64 — a login challenge: 64 lowercase hex digits (EV-AUTH-010).
bool is_hex64(const JsonValue& v) {
  return v.IsString() && v.GetStringLength() == 64 &&
         is_lower_hex(std::string_view(v.GetString(), 64));
}

}  // namespace

std::string canon_ack(std::string_view event, const std::string& ack_json, SideState& side,
                      const Registry& reg) {
  auto d = parse_json(ack_json);
  if (!d) return json_escape(ack_json);
  Canon c{side, reg};
  if (!d->IsObject()) return c.value(*d, Hint::none);
  const JsonValue* ok = json_member(*d, "success");
  const JsonValue* result = json_member(*d, "result");
  // Anything but the exact envelope {success, result} is shown whole (EV-TRN-005/006).
  if (ok == nullptr || !ok->IsBool() || result == nullptr || d->MemberCount() != 2) {
    return c.value(*d, Hint::none);
  }
  std::string r;
  if (!ok->GetBool()) {
    r = result->IsString() ? "\"reason\"" : c.value(*result, Hint::none);
  } else if (event == "login" && is_hex64(*result)) {
    r = "\"challenge\"";
  } else if (event == "create_dm" || event == "get_dms") {
    r = c.value(*result, Hint::dm);
  } else if (event == "add_reaction") {
    r = c.value(*result, Hint::rct);
  } else if (event == "get_message_history" || event == "get_pinned") {
    // Message lists keep their order (newest first, EV-MSG-016/018).
    r = c.value(*result, Hint::ordered);
  } else {
    r = c.value(*result, Hint::none);
  }
  return std::string("{\"success\":") + (ok->GetBool() ? "true" : "false") + ",\"result\":" + r +
         "}";
}

std::string canon_note(const Note& n, SideState& side, const Registry& reg) {
  Canon c{side, reg};
  std::string payload;
  auto d = parse_json(n.payload);
  if (!d) {
    payload = json_escape(n.payload);
  } else if (n.name == "message_delete_notification") {
    payload = c.value(*d, Hint::msg);  // a bare message id (EV-MSG-030)
  } else if (n.name == "typing_notification" || n.name == "user_joined_call" ||
             n.name == "user_left_call") {
    payload = c.value(*d, Hint::dm);  // {"id": <DM id>, "username"}
  } else {
    payload = c.value(*d, Hint::none);
  }
  return "{\"name\":" + json_escape(n.name) + ",\"payload\":" + payload + "}";
}

bool concerns_run(const Note& n, const Registry& reg) {
  if (n.name != "profile_notification") return true;
  auto d = parse_json(n.payload);
  if (!d || !d->IsObject()) return true;
  const JsonValue* u = json_member(*d, "username");
  return u == nullptr || !u->IsString() || reg.ours(u->GetString());
}

}  // namespace unm::conformance::explore
