// sio_codec.cc — Socket.IO v5 packet encoding, decoding and binary reassembly (see sio_codec.h).
#include "reference/transport/sio_codec.h"

#include <array>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::transport::sio {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_binary_type(PacketType t) {
  return t == PacketType::binary_event || t == PacketType::binary_ack;
}

// json_depth_exceeds scans JSON text (without parsing it) and reports whether arrays/objects
// nest deeper than `max_depth`. Done before parsing so that no DOM of hostile depth is ever
// built (RapidJSON's writer recurses on output).
bool json_depth_exceeds(std::string_view json, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// kReservedEvents cannot be sent by a peer: the JavaScript implementations use these names for
// their own lifecycle events and refuse them on the wire.
constexpr std::array<std::string_view, 6> kReservedEvents = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};

// placeholders_valid walks `v` (iteratively: depth is bounded but recursion is avoided anyway)
// and checks every placeholder's num is below `attachments`.
bool placeholders_valid(const rapidjson::Value& root, std::size_t attachments) {
  std::vector<const rapidjson::Value*> stack{&root};
  while (!stack.empty()) {
    const rapidjson::Value* v = stack.back();
    stack.pop_back();
    if (v->IsObject()) {
      if (v->HasMember("_placeholder")) {
        std::size_t num = 0;
        if (!is_placeholder(*v, &num) || num >= attachments) return false;
        continue;
      }
      for (const auto& m : v->GetObject()) stack.push_back(&m.value);
    } else if (v->IsArray()) {
      for (const auto& e : v->GetArray()) stack.push_back(&e);
    }
  }
  return true;
}

}  // namespace

std::string_view packet_type_name(PacketType t) {
  switch (t) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::event:
      return "EVENT";
    case PacketType::ack:
      return "ACK";
    case PacketType::connect_error:
      return "CONNECT_ERROR";
    case PacketType::binary_event:
      return "BINARY_EVENT";
    case PacketType::binary_ack:
      return "BINARY_ACK";
  }
  return "UNKNOWN";
}

std::string_view error_name(Error e) {
  switch (e) {
    case Error::empty_packet:
      return "empty_packet";
    case Error::unknown_type:
      return "unknown_type";
    case Error::bad_attachments:
      return "bad_attachments";
    case Error::too_many_attachments:
      return "too_many_attachments";
    case Error::bad_namespace:
      return "bad_namespace";
    case Error::bad_ack_id:
      return "bad_ack_id";
    case Error::bad_json:
      return "bad_json";
    case Error::bad_payload:
      return "bad_payload";
    case Error::reserved_event:
      return "reserved_event";
    case Error::bad_placeholder:
      return "bad_placeholder";
    case Error::oversize:
      return "oversize";
    case Error::unexpected_binary:
      return "unexpected_binary";
  }
  return "unknown";
}

std::string encode(const Packet& p) {
  std::string out;
  out.reserve(p.data.size() + p.nsp.size() + 24);
  out += static_cast<char>('0' + static_cast<int>(p.type));
  if (is_binary_type(p.type)) {
    out += std::to_string(p.attachments);
    out += '-';
  }
  if (!p.nsp.empty() && p.nsp != "/") {
    out += p.nsp;
    out += ',';
  }
  if (p.id) out += std::to_string(*p.id);
  out += p.data;
  return out;
}

Expected<Packet, Error> decode(std::string_view text, const Limits& limits,
                               rapidjson::Document* dom) {
  if (text.size() > limits.max_bytes) return Unexpected{Error::oversize};
  if (text.empty()) return Unexpected{Error::empty_packet};
  if (text[0] < '0' || text[0] > '6') return Unexpected{Error::unknown_type};
  Packet p;
  p.type = static_cast<PacketType>(text[0] - '0');
  std::size_t i = 1;

  if (is_binary_type(p.type)) {
    const std::size_t dash = text.find('-', i);
    // At most 20 digits: keeps the count inside 64 bits before the limit check.
    if (dash == std::string_view::npos || dash == i || dash - i > 20) {
      return Unexpected{Error::bad_attachments};
    }
    std::uint64_t n = 0;
    for (std::size_t k = i; k < dash; ++k) {
      if (!is_digit(text[k])) return Unexpected{Error::bad_attachments};
      const std::uint64_t digit = static_cast<std::uint64_t>(text[k] - '0');
      if (n > (UINT64_MAX - digit) / 10) return Unexpected{Error::bad_attachments};
      n = n * 10 + digit;
    }
    if (n > limits.max_attachments) return Unexpected{Error::too_many_attachments};
    p.attachments = static_cast<std::size_t>(n);
    i = dash + 1;
  }

  if (i < text.size() && text[i] == '/') {
    const std::size_t comma = text.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp.assign(text.substr(i, end - i));
    for (const char c : p.nsp) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return Unexpected{Error::bad_namespace};
    }
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  if (i < text.size() && is_digit(text[i])) {
    std::uint64_t id = 0;
    std::size_t digits = 0;
    while (i < text.size() && is_digit(text[i])) {
      const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
      if (++digits > 20 || id > (UINT64_MAX - digit) / 10) return Unexpected{Error::bad_ack_id};
      id = id * 10 + digit;
      ++i;
    }
    p.id = id;
  }

  const std::string_view payload = text.substr(i);
  rapidjson::Document local;
  rapidjson::Document& d = dom != nullptr ? *dom : local;
  d.SetNull();
  if (!payload.empty()) {
    if (json_depth_exceeds(payload, limits.max_depth)) return Unexpected{Error::bad_json};
    // Iterative parsing (no recursion), UTF-8 validated: a peer's bytes are untrusted.
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(payload.data(),
                                                                                    payload.size());
    if (d.HasParseError()) return Unexpected{Error::bad_json};
    p.data.assign(payload);
  }

  // TR-SIO-001..003: each type has its shape.
  switch (p.type) {
    case PacketType::connect:
      if (p.id) return Unexpected{Error::bad_ack_id};
      if (!payload.empty() && !d.IsObject()) return Unexpected{Error::bad_payload};
      break;
    case PacketType::disconnect:
      if (p.id) return Unexpected{Error::bad_ack_id};
      if (!payload.empty()) return Unexpected{Error::bad_payload};
      break;
    case PacketType::connect_error:
      if (p.id) return Unexpected{Error::bad_ack_id};
      if (payload.empty() || !(d.IsObject() || d.IsString())) return Unexpected{Error::bad_payload};
      break;
    case PacketType::event:
    case PacketType::binary_event: {
      if (payload.empty() || !d.IsArray() || d.Empty() || !d[0].IsString()) {
        return Unexpected{Error::bad_payload};
      }
      const std::string_view name(d[0].GetString(), d[0].GetStringLength());
      for (const auto r : kReservedEvents) {
        if (name == r) return Unexpected{Error::reserved_event};
      }
      break;
    }
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!p.id) return Unexpected{Error::bad_ack_id};
      if (payload.empty() || !d.IsArray()) return Unexpected{Error::bad_payload};
      break;
  }
  if (is_binary_type(p.type) && !placeholders_valid(d, p.attachments)) {
    return Unexpected{Error::bad_placeholder};
  }
  return p;
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

rapidjson::Value make_placeholder(std::size_t num, rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value v(rapidjson::kObjectType);
  v.AddMember("_placeholder", true, alloc);
  v.AddMember("num", static_cast<std::uint64_t>(num), alloc);
  return v;
}

bool is_placeholder(const rapidjson::Value& v, std::size_t* num) {
  if (!v.IsObject()) return false;
  const auto ph = v.FindMember("_placeholder");
  const auto n = v.FindMember("num");
  if (ph == v.MemberEnd() || !ph->value.IsBool() || !ph->value.GetBool() || n == v.MemberEnd() ||
      !n->value.IsUint64()) {
    return false;
  }
  if (num != nullptr) *num = static_cast<std::size_t>(n->value.GetUint64());
  return true;
}

Assembler::Result Assembler::on_text(std::string_view text) {
  // TR-SIO-004: the attachments of a binary packet come right after it; a text packet in
  // between is a violation.
  if (pending_) return Unexpected{Error::bad_attachments};
  Incoming in;
  auto p = decode(text, limits_, &in.dom);
  if (!p) return Unexpected{p.error()};
  in.message.packet = std::move(*p);
  if (in.message.packet.attachments > 0) {
    in.message.attachments.reserve(in.message.packet.attachments);
    pending_ = std::move(in);
    return std::optional<Incoming>{};
  }
  return std::optional<Incoming>{std::move(in)};
}

Assembler::Result Assembler::on_binary(std::string_view bytes) {
  if (!pending_) return Unexpected{Error::unexpected_binary};
  if (bytes.size() > limits_.max_bytes) return Unexpected{Error::oversize};
  pending_->message.attachments.emplace_back(bytes);
  if (pending_->message.attachments.size() < pending_->message.packet.attachments) {
    return std::optional<Incoming>{};
  }
  std::optional<Incoming> done = std::move(pending_);
  pending_.reset();
  return done;
}

EncodedMessage encode_message(Message m) {
  Packet& p = m.packet;
  p.attachments = m.attachments.size();
  if (p.attachments > 0) {
    if (p.type == PacketType::event) p.type = PacketType::binary_event;
    if (p.type == PacketType::ack) p.type = PacketType::binary_ack;
  } else {
    if (p.type == PacketType::binary_event) p.type = PacketType::event;
    if (p.type == PacketType::binary_ack) p.type = PacketType::ack;
  }
  return EncodedMessage{encode(p), std::move(m.attachments)};
}

}  // namespace unm::transport::sio
