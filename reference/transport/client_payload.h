// client_payload.h — the pure half of the client transport: turning EventChannel arguments (JSON
// text) into Socket.IO packets and received packets back into JSON text, and turning server
// refusals into readable reasons. No I/O; unit-tested without a network.
//
// Binary values (TR-SIO-004) cross the EventChannel boundary as JSON objects with exactly one
// member, {"_binary":"<lowercase hex>"}: received attachments are put back in place of their
// placeholders in that form, and such objects in emitted arguments are sent as attachments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "reference/common/expected.h"
#include "reference/transport/event_channel.h"
#include "reference/transport/sio_codec.h"

namespace unm::transport {

// kBinaryKey is the member name of the {"_binary":"<hex>"} form of a binary value.
inline constexpr std::string_view kBinaryKey = "_binary";

// build_connect_packet returns the Socket.IO CONNECT text for namespace `nsp` with the auth
// object `auth_json` (empty for none; otherwise it must be a JSON object, TR-SIO-002).
Expected<std::string, ChannelFailure> build_connect_packet(std::string_view nsp,
                                                           std::string_view auth_json);

// build_event_message returns the EVENT (or BINARY_EVENT) for [event, ...args] on `nsp` with
// ack id `id`. `args_json_array` must be a JSON array text; {"_binary":hex} values become
// attachments. Errors are bad_argument.
Expected<sio::Message, ChannelFailure> build_event_message(std::string_view nsp,
                                                           std::string_view event,
                                                           std::string_view args_json_array,
                                                           std::optional<std::uint64_t> id);

// ReceivedEvent is a server EVENT split into its name and argument array.
struct ReceivedEvent {
  std::string name;
  std::string args_json_array;
};

// split_event returns the name and the remaining arguments (binary values as {"_binary":hex})
// of a received EVENT/BINARY_EVENT. The codec has already checked that the first element is a
// string; a packet that still is not of that shape gives protocol_error.
Expected<ReceivedEvent, ChannelFailure> split_event(const sio::Incoming& in);

// ack_arguments returns the JSON array text of a received ACK/BINARY_ACK's arguments (binary
// values as {"_binary":hex}); an ACK without payload gives "[]".
Expected<std::string, ChannelFailure> ack_arguments(const sio::Incoming& in);

// connect_error_message returns the human-readable reason of a CONNECT_ERROR payload: its
// "message" member when it is an object with a string message, else the payload text itself.
std::string connect_error_message(std::string_view payload_json);

// http_failure_detail describes a refused Engine.IO HTTP request: status and reason, and the
// Engine.IO error code and message when the body is the {"code","message"} object of TR-EIO-001.
std::string http_failure_detail(unsigned status, std::string_view reason, std::string_view body);

}  // namespace unm::transport
