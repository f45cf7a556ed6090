// eio_codec.h — Engine.IO protocol version 4 packets, polling payloads and the handshake object
// (transport.md TR-EIO-002, TR-EIO-003, TR-EIO-004). Pure functions: no I/O, no clocks.
//
// Wire forms handled here:
//  - a text packet is the type digit followed by its data ("4hello", "2probe", "6");
//  - a binary message travels as a WebSocket binary frame (raw bytes, no type digit) or, inside a
//    long-polling payload, as "b" followed by the base64 of the bytes;
//  - a long-polling payload is packets joined by the record separator 0x1E.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm::transport::eio {

// PacketType is the Engine.IO packet type digit (TR-EIO-003).
enum class PacketType : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

// packet_type_name returns "open", "close", "ping", ... for `t`.
std::string_view packet_type_name(PacketType t);

// Packet is one Engine.IO packet. `data` is text for text packets and raw bytes when `binary`
// is set (only message packets may be binary).
struct Packet {
  PacketType type = PacketType::message;
  bool binary = false;
  std::string data;

  friend bool operator==(const Packet&, const Packet&) = default;
};

// text_message / binary_message build message packets.
inline Packet text_message(std::string data) {
  return Packet{PacketType::message, false, std::move(data)};
}
inline Packet binary_message(std::string bytes) {
  return Packet{PacketType::message, true, std::move(bytes)};
}

// DecodeError says why bytes are not a valid Engine.IO packet or payload.
enum class DecodeError {
  empty_packet,   // a packet with no type digit (e.g. "" or two separators in a row)
  unknown_type,   // a type character outside 0-6 (or "b" not followed by base64)
  bad_base64,     // a "b" packet whose base64 is malformed
  oversize,       // more bytes or packets than the given limit
  bad_handshake,  // the open packet's JSON is not a valid handshake object
};

// decode_error_name returns a short stable name of `e` ("unknown_type", ...).
std::string_view decode_error_name(DecodeError e);

// encode_text returns the text form of a text packet (type digit + data). For a binary packet it
// returns the polling form "b" + base64(data).
std::string encode_text(const Packet& p);

// decode_text parses one text packet (a WebSocket text frame or one payload record). A record
// starting with 'b' is a base64 binary message. Packets longer than `max_bytes` are refused.
Expected<Packet, DecodeError> decode_text(std::string_view frame, std::size_t max_bytes = SIZE_MAX);

// decode_binary_frame wraps a WebSocket binary frame: always a binary message packet.
inline Packet decode_binary_frame(std::string_view bytes) {
  return binary_message(std::string(bytes));
}

// encode_payload joins packets into a long-polling payload (TR-EIO-004): text packets as text,
// binary ones as "b"+base64, separated by 0x1E.
std::string encode_payload(std::span<const Packet> packets);

// decode_payload splits a long-polling payload (POST body) into packets. Bodies larger than
// `max_bytes` give `oversize`, as does a payload of more than `max_packets` packets.
Expected<std::vector<Packet>, DecodeError> decode_payload(std::string_view body,
                                                          std::size_t max_bytes = SIZE_MAX,
                                                          std::size_t max_packets = 4096);

// kRecordSeparator separates packets in a polling payload.
inline constexpr char kRecordSeparator = '\x1e';

// Handshake is the JSON object carried by the open packet (TR-EIO-002).
struct Handshake {
  std::string sid;
  std::vector<std::string> upgrades;  // {"websocket"} over polling, {} over WebSocket
  std::uint64_t ping_interval_ms = 25'000;
  std::uint64_t ping_timeout_ms = 20'000;
  std::uint64_t max_payload = 1'000'000;

  friend bool operator==(const Handshake&, const Handshake&) = default;
};

// encode_handshake returns the compact JSON text of `h`, keys in the order sid, upgrades,
// pingInterval, pingTimeout, maxPayload.
std::string encode_handshake(const Handshake& h);

// decode_handshake parses the open packet's JSON (keys in any order, unknown keys ignored).
Expected<Handshake, DecodeError> decode_handshake(std::string_view json);

// base64_encode / base64_decode: standard alphabet with '=' padding (RFC 4648 §4), strict
// decoding (no whitespace, padding required, no trailing bits set).
std::string base64_encode(std::string_view bytes);
Expected<std::string, DecodeError> base64_decode(std::string_view text);

}  // namespace unm::transport::eio
