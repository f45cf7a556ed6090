// objects.h — typed forms of the protocol's objects and notification payloads (events.md §10),
// and their parsers.
//
// Parsers are tolerant where EV-TRN-028 asks clients to be (unknown keys are ignored) and strict
// about what the client relies on (types, key and signature shapes), so a misbehaving server is
// reported as a protocol error instead of producing half-filled objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/fwd.h>

#include "reference/common/expected.h"

namespace unm::client {

// User is the User object (EV-OBJ-004/005). own_storage is present only from get_full_user.
struct User {
  std::string username;
  std::string public_key;          // 64 hex
  std::optional<std::string> spk;  // 64 hex, nullable (EV-OBJ-004)
  std::optional<std::string> sig;  // 128 hex, nullable when spk is null
  std::string status;
  std::string biography;
  std::string profile_picture;
  std::optional<std::string> own_storage;
};

// Reaction is the Reaction object (EV-OBJ-013), still encrypted.
struct Reaction {
  std::int64_t id = 0;
  std::string sender;
  std::string reaction;   // hex(IV ‖ ciphertext ‖ tag)
  std::string signature;  // 128 hex
};

// Message is the Message object (EV-OBJ-010), still encrypted.
struct Message {
  std::int64_t id = 0;
  std::int64_t dm_id = 0;
  std::string sender;
  std::string message;    // hex(IV ‖ ciphertext ‖ tag)
  std::string signature;  // 128 hex
  std::string timestamp;
  std::optional<std::string> delete_timestamp;
  bool pinned = false;
  std::vector<Reaction> reactions;
};

// ScheduledEntry is one entry of get_dm's scheduled_messages (EV-OBJ-014/015).
struct ScheduledEntry {
  std::int64_t schedule_id = 0;
  std::string message;
  std::string signature;
  std::string timestamp;
};

// Dm is the DM object (EV-OBJ-007); latest_message and scheduled come only from get_dm (and
// latest_message optionally from dm_notification, EV-DM-021).
struct Dm {
  std::int64_t id = 0;
  std::vector<std::string> users;
  std::optional<std::string> name;
  std::string created_at;
  std::vector<std::string> users_in_call;
  std::optional<Message> latest_message;
  std::vector<ScheduledEntry> scheduled;  // ascending schedule id
};

// X3dhNotification is the X3DH notification object (EV-OBJ-016).
struct X3dhNotification {
  std::string sender;
  std::string ik;
  std::string spk;
  std::string ek;
  std::vector<std::string> key_tree;
  std::int64_t position = 0;
  std::int64_t id = 0;
};

// TypingNotice is typing_notification's payload (EV-OBJ-017).
struct TypingNotice {
  std::int64_t id = 0;
  std::string username;
};

// ScheduleNotice is the payload of scheduled_soon / scheduled_message_sent (EV-MSG-031).
struct ScheduleNotice {
  std::int64_t dm_id = 0;
  std::int64_t schedule_id = 0;
};

// FriendAnswer is friend_request_accept_notification's payload (EV-FRD-005).
struct FriendAnswer {
  std::string username;
  bool accept = false;
};

// CallNotice is the payload of user_joined_call / user_left_call (EV-CALL-003/005).
struct CallNotice {
  std::int64_t id = 0;
  std::string username;
};

// ParseError says why a JSON value is not the expected object (field path and problem).
using ParseError = std::string;

// is_key_hex reports whether `s` has the shape of a Key on the wire (64 lowercase hex).
bool is_key_hex(std::string_view s) noexcept;
// is_signature_hex reports whether `s` has the shape of a Signature (128 lowercase hex).
bool is_signature_hex(std::string_view s) noexcept;
// is_id reports whether `v` is an Id (EV-TRN-014): an integer 1 … 2^53−1.
bool is_id(const rapidjson::Value& v) noexcept;

Expected<User, ParseError> parse_user(const rapidjson::Value& v);
Expected<Reaction, ParseError> parse_reaction(const rapidjson::Value& v);
Expected<Message, ParseError> parse_message(const rapidjson::Value& v);
Expected<std::vector<Message>, ParseError> parse_message_list(const rapidjson::Value& v);
// parse_dm reads a DM object; get_dm's extra keys are read when present.
Expected<Dm, ParseError> parse_dm(const rapidjson::Value& v);
Expected<X3dhNotification, ParseError> parse_x3dh(const rapidjson::Value& v);
Expected<TypingNotice, ParseError> parse_typing(const rapidjson::Value& v);
Expected<ScheduleNotice, ParseError> parse_schedule_notice(const rapidjson::Value& v);
Expected<FriendAnswer, ParseError> parse_friend_answer(const rapidjson::Value& v);
Expected<CallNotice, ParseError> parse_call_notice(const rapidjson::Value& v);
// parse_username_payload reads {"username": str} (friend request and unfriend notices).
Expected<std::string, ParseError> parse_username_payload(const rapidjson::Value& v);
Expected<std::vector<std::string>, ParseError> parse_string_list(const rapidjson::Value& v);
Expected<std::vector<std::int64_t>, ParseError> parse_id_list(const rapidjson::Value& v);
Expected<std::int64_t, ParseError> parse_id(const rapidjson::Value& v);

// user_to_json, message_to_json, dm_to_json render objects back as compact JSON (for --json
// output and transcripts), with the keys of events.md §10.
std::string user_to_json(const User& u);
std::string message_to_json(const Message& m);
std::string dm_to_json(const Dm& d);

}  // namespace unm::client
