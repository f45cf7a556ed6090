#include "reference/protocol/objects.h"

namespace unm::protocol {
namespace {

void key(JsonWriter& w, std::string_view k) {
  w.Key(k.data(), static_cast<unsigned>(k.size()));
}

void str(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void opt_str(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    str(w, *s);
  } else {
    w.Null();
  }
}

void str_array(JsonWriter& w, const std::vector<std::string>& v) {
  w.StartArray();
  for (const auto& s : v) str(w, s);
  w.EndArray();
}

}  // namespace

void write_user(JsonWriter& w, const User& u, std::string_view status, bool with_own_storage) {
  w.StartObject();
  key(w, "username");
  str(w, u.username);
  key(w, "public_key");
  str(w, u.public_key);
  key(w, "spk");
  opt_str(w, u.spk);
  key(w, "sig");
  opt_str(w, u.sig);
  key(w, "status");
  str(w, status);
  key(w, "biography");
  str(w, u.biography);
  key(w, "profile_picture");
  str(w, u.profile_picture);
  if (with_own_storage) {
    key(w, "own_storage");
    str(w, u.own_storage);
  }
  w.EndObject();
}

void write_reaction(JsonWriter& w, const Reaction& r) {
  w.StartObject();
  key(w, "id");
  w.Int64(r.id);
  key(w, "sender");
  str(w, r.sender);
  key(w, "reaction");
  str(w, r.reaction);
  key(w, "signature");
  str(w, r.signature);
  w.EndObject();
}

void write_message(JsonWriter& w, const Message& m) {
  w.StartObject();
  key(w, "id");
  w.Int64(m.id);
  key(w, "dm_id");
  w.Int64(m.dm_id);
  key(w, "sender");
  str(w, m.sender);
  key(w, "message");
  str(w, m.message);
  key(w, "signature");
  str(w, m.signature);
  key(w, "timestamp");
  str(w, format_timestamp(m.timestamp));
  key(w, "delete_timestamp");
  if (m.delete_at) {
    str(w, format_timestamp(*m.delete_at));
  } else {
    w.Null();
  }
  key(w, "pinned");
  w.Bool(m.pinned);
  key(w, "reactions");
  w.StartArray();
  for (const auto& r : m.reactions) write_reaction(w, r);
  w.EndArray();
  w.EndObject();
}

void write_dm(JsonWriter& w, const Dm& d, const std::optional<std::optional<Message>>& latest,
              const std::vector<ScheduledEntry>* scheduled) {
  w.StartObject();
  key(w, "id");
  w.Int64(d.id);
  key(w, "users");
  str_array(w, d.users);
  key(w, "name");
  opt_str(w, d.name);
  key(w, "created_at");
  str(w, format_timestamp(d.created_at));
  key(w, "users_in_call");
  str_array(w, d.users_in_call);
  if (latest) {
    key(w, "latest_message");
    if (*latest) {
      write_message(w, **latest);
    } else {
      w.Null();
    }
  }
  if (scheduled != nullptr) {
    key(w, "scheduled_messages");
    w.StartObject();
    for (const auto& s : *scheduled) {
      key(w, std::to_string(s.schedule_id));  // EV-OBJ-014: decimal string keys
      w.StartObject();
      key(w, "message");
      str(w, s.message);
      key(w, "signature");
      str(w, s.signature);
      key(w, "timestamp");
      str(w, format_timestamp(s.timestamp));
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
}

void write_x3dh(JsonWriter& w, const X3dhObject& x) {
  w.StartObject();
  key(w, "sender");
  str(w, x.sender);
  key(w, "ik");
  str(w, x.ik);
  key(w, "spk");
  str(w, x.spk);
  key(w, "ek");
  str(w, x.ek);
  key(w, "key_tree");
  str_array(w, x.key_tree);
  key(w, "position");
  w.Int64(x.position);
  key(w, "id");
  w.Int64(x.id);
  w.EndObject();
}

std::string json_string(std::string_view s) {
  return to_json([&](JsonWriter& w) { str(w, s); });
}

std::string result_json(bool success, std::string_view result_json_text) {
  std::string out = success ? R"({"success":true,"result":)" : R"({"success":false,"result":)";
  out.append(result_json_text);
  out.push_back('}');
  return out;
}

}  // namespace unm::protocol
