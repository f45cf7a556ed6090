// objects.h — the objects of events.md §10 as plain data, and their JSON serializers. The
// serializers write exactly the keys §10 lists (EV-TRN-028: never more).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reference/protocol/timestamp.h"

namespace unm::protocol {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// User is a registered account (EV-OBJ-004/005). `id` is internal and never serialized.
struct User {
  std::int64_t id = 0;
  std::string username;
  std::string public_key;
  std::optional<std::string> spk;
  std::optional<std::string> sig;
  std::string status = "online";
  std::string biography;
  std::string profile_picture;
  std::string own_storage;
};

// Reaction is EV-OBJ-013.
struct Reaction {
  std::int64_t id = 0;
  std::string sender;
  std::string reaction;
  std::string signature;
};

// Message is EV-OBJ-010; `reactions` ascending by id (EV-RCT-008).
struct Message {
  std::int64_t id = 0;
  std::int64_t dm_id = 0;
  std::string sender;
  std::string message;
  std::string signature;
  Micros timestamp = 0;
  std::optional<Micros> delete_at;
  bool pinned = false;
  std::vector<Reaction> reactions;
};

// Dm is EV-OBJ-007: `users` in position order (EV-OBJ-006), `users_in_call` in join order.
struct Dm {
  std::int64_t id = 0;
  std::vector<std::string> users;
  std::optional<std::string> name;
  Micros created_at = 0;
  std::vector<std::string> users_in_call;
};

// ScheduledEntry is EV-OBJ-015 plus its schedule id (the key of `scheduled_messages`).
struct ScheduledEntry {
  std::int64_t schedule_id = 0;
  std::string message;
  std::string signature;
  Micros timestamp = 0;
};

// X3dhObject is EV-OBJ-016.
struct X3dhObject {
  std::string sender;
  std::string ik;
  std::string spk;
  std::string ek;
  std::vector<std::string> key_tree;
  std::int64_t position = 0;
  std::int64_t id = 0;
};

// write_user writes the User object; `own_storage` only when `with_own_storage` (EV-OBJ-005),
// `status` as given by the caller (EV-AUTH-020 decides what is reported).
void write_user(JsonWriter& w, const User& u, std::string_view status, bool with_own_storage);
void write_reaction(JsonWriter& w, const Reaction& r);
void write_message(JsonWriter& w, const Message& m);
// write_dm writes the DM object; with `latest` set it adds `latest_message` (EV-OBJ-008), with
// `scheduled` set it adds `scheduled_messages` (EV-DM-019).
void write_dm(JsonWriter& w, const Dm& d, const std::optional<std::optional<Message>>& latest,
              const std::vector<ScheduledEntry>* scheduled);
void write_x3dh(JsonWriter& w, const X3dhObject& x);

// to_json runs `fn(writer)` and returns the JSON text written.
template <class Fn>
std::string to_json(Fn&& fn) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  fn(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// json_string returns `s` as a JSON string literal.
std::string json_string(std::string_view s);

// result_json builds the result object of EV-TRN-005 from the JSON text of `result`.
std::string result_json(bool success, std::string_view result_json_text);

}  // namespace unm::protocol
