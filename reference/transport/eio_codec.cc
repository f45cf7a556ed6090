// eio_codec.cc — Engine.IO v4 packet, payload and handshake encoding (see eio_codec.h).
#include "reference/transport/eio_codec.h"

#include <array>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::transport::eio {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// base64_value maps a base64 character to its 6-bit value, or -1.
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string_view packet_type_name(PacketType t) {
  switch (t) {
    case PacketType::open:
      return "open";
    case PacketType::close:
      return "close";
    case PacketType::ping:
      return "ping";
    case PacketType::pong:
      return "pong";
    case PacketType::message:
      return "message";
    case PacketType::upgrade:
      return "upgrade";
    case PacketType::noop:
      return "noop";
  }
  return "unknown";
}

std::string_view decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::empty_packet:
      return "empty_packet";
    case DecodeError::unknown_type:
      return "unknown_type";
    case DecodeError::bad_base64:
      return "bad_base64";
    case DecodeError::oversize:
      return "oversize";
    case DecodeError::bad_handshake:
      return "bad_handshake";
  }
  return "unknown";
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                            (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                            (static_cast<std::uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Expected<std::string, DecodeError> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return Unexpected{DecodeError::bad_base64};
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      // A data character after padding ("ab=c") is malformed.
      if (pad > 0) return Unexpected{DecodeError::bad_base64};
      v[k] = base64_value(c);
      if (v[k] < 0) return Unexpected{DecodeError::bad_base64};
    }
    const std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    // Non-canonical encodings (unused low bits set) are refused so that decode∘encode is exact.
    if (pad == 2 && (n & 0xFFFF) != 0) return Unexpected{DecodeError::bad_base64};
    if (pad == 1 && (n & 0xFF) != 0) return Unexpected{DecodeError::bad_base64};
    out += static_cast<char>((n >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

std::string encode_text(const Packet& p) {
  if (p.binary) {
    // Appended rather than `"b" + base64_encode(…)`: GCC 12 at -O3 reports a false -Wrestrict
    // for operator+(const char*, std::string&&) (GCC bug 105329).
    std::string out = "b";
    out += base64_encode(p.data);
    return out;
  }
  std::string out;
  out.reserve(1 + p.data.size());
  out += static_cast<char>('0' + static_cast<int>(p.type));
  out += p.data;
  return out;
}

Expected<Packet, DecodeError> decode_text(std::string_view frame, std::size_t max_bytes) {
  if (frame.size() > max_bytes) return Unexpected{DecodeError::oversize};
  if (frame.empty()) return Unexpected{DecodeError::empty_packet};
  const char c = frame.front();
  if (c == 'b') {
    auto bytes = base64_decode(frame.substr(1));
    if (!bytes) return Unexpected{bytes.error()};
    return binary_message(std::move(*bytes));
  }
  if (c < '0' || c > '6') return Unexpected{DecodeError::unknown_type};
  return Packet{static_cast<PacketType>(c - '0'), false, std::string(frame.substr(1))};
}

std::string encode_payload(std::span<const Packet> packets) {
  std::string out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) out += kRecordSeparator;
    out += encode_text(packets[i]);
  }
  return out;
}

Expected<std::vector<Packet>, DecodeError> decode_payload(std::string_view body,
                                                          std::size_t max_bytes,
                                                          std::size_t max_packets) {
  if (body.size() > max_bytes) return Unexpected{DecodeError::oversize};
  std::vector<Packet> out;
  std::size_t start = 0;
  while (true) {
    if (out.size() >= max_packets) return Unexpected{DecodeError::oversize};
    const std::size_t end = body.find(kRecordSeparator, start);
    const std::string_view record =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto p = decode_text(record);
    if (!p) return Unexpected{p.error()};
    out.push_back(std::move(*p));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string encode_handshake(const Handshake& h) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("sid");
  w.String(h.sid.data(), static_cast<rapidjson::SizeType>(h.sid.size()));
  w.Key("upgrades");
  w.StartArray();
  for (const auto& u : h.upgrades) w.String(u.data(), static_cast<rapidjson::SizeType>(u.size()));
  w.EndArray();
  w.Key("pingInterval");
  w.Uint64(h.ping_interval_ms);
  w.Key("pingTimeout");
  w.Uint64(h.ping_timeout_ms);
  w.Key("maxPayload");
  w.Uint64(h.max_payload);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

Expected<Handshake, DecodeError> decode_handshake(std::string_view json) {
  rapidjson::Document d;
  // Iterative parsing: no recursion on hostile nesting.
  d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return Unexpected{DecodeError::bad_handshake};
  Handshake h;
  const auto sid = d.FindMember("sid");
  const auto upgrades = d.FindMember("upgrades");
  const auto interval = d.FindMember("pingInterval");
  const auto timeout = d.FindMember("pingTimeout");
  if (sid == d.MemberEnd() || !sid->value.IsString() || upgrades == d.MemberEnd() ||
      !upgrades->value.IsArray() || interval == d.MemberEnd() || !interval->value.IsUint64() ||
      timeout == d.MemberEnd() || !timeout->value.IsUint64()) {
    return Unexpected{DecodeError::bad_handshake};
  }
  h.sid.assign(sid->value.GetString(), sid->value.GetStringLength());
  for (const auto& u : upgrades->value.GetArray()) {
    if (!u.IsString()) return Unexpected{DecodeError::bad_handshake};
    h.upgrades.emplace_back(u.GetString(), u.GetStringLength());
  }
  h.ping_interval_ms = interval->value.GetUint64();
  h.ping_timeout_ms = timeout->value.GetUint64();
  // maxPayload is optional for peers older than engine.io 6 (absent: keep the default).
  const auto max = d.FindMember("maxPayload");
  if (max != d.MemberEnd()) {
    if (!max->value.IsUint64()) return Unexpected{DecodeError::bad_handshake};
    h.max_payload = max->value.GetUint64();
  }
  return h;
}

}  // namespace unm::transport::eio
