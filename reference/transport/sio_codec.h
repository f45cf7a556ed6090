// sio_codec.h — Socket.IO protocol version 5 packets (transport.md TR-SIO-001..005). Pure
// functions: no I/O.
//
// Text form: <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//   "0" CONNECT to "/", "0/custom,{\"token\":1}", "2[\"hello\",1]", "21[\"ask\"]" (ack id 1),
//   "3/custom,1[\"answer\"]", "51-[\"bin\",{\"_placeholder\":true,\"num\":0}]" + 1 binary frame.
// The payload is kept as JSON text (exactly as received on decode, as given on encode), so that
// transcripts stay exact; decode validates it and can hand back the parsed DOM as well.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "reference/common/expected.h"

namespace unm::transport::sio {

// PacketType is the Socket.IO packet type digit (TR-SIO-001).
enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

// packet_type_name returns "CONNECT", "EVENT", ... for `t`.
std::string_view packet_type_name(PacketType t);

// Packet is one Socket.IO packet without its binary attachments (those travel as separate
// Engine.IO binary messages; see Assembler).
struct Packet {
  PacketType type = PacketType::event;
  std::string nsp = "/";            // namespace; "/" is omitted on the wire
  std::optional<std::uint64_t> id;  // ack id
  std::string data;                 // JSON payload text; empty when the packet has none
  std::size_t attachments = 0;      // number of binary attachments (BINARY_* only)

  friend bool operator==(const Packet&, const Packet&) = default;
};

// Error says why a text is not a valid Socket.IO packet (or why an attachment was refused).
enum class Error {
  empty_packet,          // no type digit
  unknown_type,          // a type character outside 0-6
  bad_attachments,       // BINARY_* without a valid "<n>-" count, or a count on another type
  too_many_attachments,  // more attachments than Limits::max_attachments
  bad_namespace,         // a namespace that is not "/"-rooted or holds control characters
  bad_ack_id,            // ack id too long / overflows 64 bits, or an id on CONNECT/DISCONNECT/...
  bad_json,              // payload is not JSON, or is nested deeper than Limits::max_depth
  bad_payload,           // JSON of the wrong shape for the type (e.g. EVENT without a name)
  reserved_event,        // EVENT named connect/connect_error/disconnect/disconnecting/...
  bad_placeholder,       // a binary placeholder whose num is not < attachments
  oversize,              // text or attachment larger than Limits::max_bytes
  unexpected_binary,     // a binary attachment when none is awaited
};

// error_name returns a short stable name of `e` ("bad_ack_id", ...).
std::string_view error_name(Error e);

// Limits bound what decode accepts, so hostile input cannot make it allocate without bound.
struct Limits {
  std::size_t max_bytes = 1'000'000;  // a packet's text (and each attachment)
  std::size_t max_attachments = 64;   // binary attachments announced by one packet
  std::size_t max_depth = 64;         // JSON nesting depth of the payload
};

// encode returns the text form of `p`. The payload text is written as given (callers pass
// valid JSON, e.g. from to_json()).
std::string encode(const Packet& p);

// decode parses and validates one Socket.IO packet text. When `dom` is not null and the packet
// has a payload, the parsed payload is stored into *dom (saving callers a second parse).
Expected<Packet, Error> decode(std::string_view text, const Limits& limits = {},
                               rapidjson::Document* dom = nullptr);

// to_json returns the compact JSON text of `v` (key order kept).
std::string to_json(const rapidjson::Value& v);

// make_placeholder returns {"_placeholder":true,"num":num} allocated in `alloc` (TR-SIO-004).
rapidjson::Value make_placeholder(std::size_t num, rapidjson::Document::AllocatorType& alloc);

// is_placeholder reports whether `v` is a binary placeholder object, storing its num.
bool is_placeholder(const rapidjson::Value& v, std::size_t* num = nullptr);

// Message is a complete Socket.IO packet with its attachments (bytes), ready to encode.
struct Message {
  Packet packet;
  std::vector<std::string> attachments;

  friend bool operator==(const Message&, const Message&) = default;
};

// Incoming is a complete received Message with its payload parsed (`dom` is Null when the
// packet carried no payload).
struct Incoming {
  Message message;
  rapidjson::Document dom;
};

// Assembler collects a BINARY_EVENT/BINARY_ACK and the binary messages that follow it
// (TR-SIO-004). Feed every Engine.IO message of one session in order; a complete Incoming comes
// out when ready. Any error means the peer violated the protocol (TR-SIO-003: close).
class Assembler {
 public:
  explicit Assembler(Limits limits = {}) : limits_(limits) {}

  // Result of feeding one Engine.IO message: a complete packet, or nothing yet.
  using Result = Expected<std::optional<Incoming>, Error>;

  // on_text feeds a text Engine.IO message (a Socket.IO packet). A text while attachments are
  // still awaited gives `bad_attachments`.
  Result on_text(std::string_view text);
  // on_binary feeds a binary Engine.IO message (an attachment); `unexpected_binary` when none is
  // awaited, `oversize` when larger than Limits::max_bytes.
  Result on_binary(std::string_view bytes);

  // awaiting reports how many attachments are still missing.
  std::size_t awaiting() const {
    return pending_ ? pending_->message.packet.attachments - pending_->message.attachments.size()
                    : 0;
  }

 private:
  Limits limits_;
  std::optional<Incoming> pending_;
};

// encode_message returns the Engine.IO messages (text first, then binary attachments) carrying
// `m`; m.packet.attachments is set from m.attachments and the type made BINARY_* if needed.
struct EncodedMessage {
  std::string text;
  std::vector<std::string> binaries;
};
EncodedMessage encode_message(Message m);

}  // namespace unm::transport::sio
