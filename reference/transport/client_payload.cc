// client_payload.cc — JSON ⇄ Socket.IO packet conversions for the client (see client_payload.h).
#include "reference/transport/client_payload.h"

#include <utility>
#include <vector>

#include <rapidjson/error/en.h>

#include "reference/common/hex.h"

namespace unm::transport {
namespace {

ChannelFailure bad_argument(std::string detail) {
  return ChannelFailure{ChannelError::bad_argument, std::move(detail)};
}

// Nesting bound for caller-given JSON: deep enough for any real payload, shallow enough that the
// recursive walks below cannot exhaust the stack.
constexpr unsigned kMaxDepth = 64;

// is_binary_value reports whether `v` is the {"_binary":"<hex>"} form.
bool is_binary_value(const rapidjson::Value& v) {
  if (!v.IsObject() || v.MemberCount() != 1) return false;
  const auto& m = *v.MemberBegin();
  return m.name.GetString() == kBinaryKey && m.value.IsString();
}

// extract_binaries replaces every {"_binary":hex} in `v` by a placeholder and appends the decoded
// bytes to `out` (TR-SIO-004: placeholders numbered in order of appearance).
Expected<void, ChannelFailure> extract_binaries(rapidjson::Value& v,
                                                rapidjson::Document::AllocatorType& alloc,
                                                std::vector<std::string>& out, unsigned depth) {
  if (depth > kMaxDepth) return Unexpected{bad_argument("arguments nested too deeply")};
  if (is_binary_value(v)) {
    const auto& hex = v.MemberBegin()->value;
    auto bytes = from_hex(std::string_view(hex.GetString(), hex.GetStringLength()));
    if (!bytes) {
      return Unexpected{bad_argument(std::string("binary value is not lowercase hex: ") +
                                     std::string(hex_error_name(bytes.error())))};
    }
    out.emplace_back(bytes->begin(), bytes->end());
    v = sio::make_placeholder(out.size() - 1, alloc);
    return {};
  }
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) {
      auto r = extract_binaries(e, alloc, out, depth + 1);
      if (!r) return r;
    }
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      auto r = extract_binaries(m.value, alloc, out, depth + 1);
      if (!r) return r;
    }
  }
  return {};
}

// restore_binaries replaces placeholders in `v` by {"_binary":hex} of their attachment. The
// codec's Assembler has already checked every placeholder number against the attachment count;
// a number out of range here is still refused rather than trusted.
Expected<void, ChannelFailure> restore_binaries(rapidjson::Value& v,
                                                rapidjson::Document::AllocatorType& alloc,
                                                const std::vector<std::string>& attachments,
                                                unsigned depth) {
  if (depth > kMaxDepth) {
    return Unexpected{ChannelFailure{ChannelError::protocol_error, "payload nested too deeply"}};
  }
  std::size_t num = 0;
  if (sio::is_placeholder(v, &num)) {
    if (num >= attachments.size()) {
      return Unexpected{ChannelFailure{ChannelError::protocol_error,
                                       "binary placeholder refers to a missing attachment"}};
    }
    const std::string hex = to_hex(attachments[num]);
    rapidjson::Value obj(rapidjson::kObjectType);
    obj.AddMember(
        rapidjson::Value(kBinaryKey.data(), static_cast<rapidjson::SizeType>(kBinaryKey.size()),
                         alloc),
        rapidjson::Value(hex.c_str(), static_cast<rapidjson::SizeType>(hex.size()), alloc), alloc);
    v = std::move(obj);
    return {};
  }
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) {
      auto r = restore_binaries(e, alloc, attachments, depth + 1);
      if (!r) return r;
    }
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      auto r = restore_binaries(m.value, alloc, attachments, depth + 1);
      if (!r) return r;
    }
  }
  return {};
}

Expected<void, ChannelFailure> parse_json(std::string_view text, rapidjson::Document& doc,
                                          std::string_view what) {
  // kParseStopWhenDoneFlag is not used: trailing garbage after the value is an error.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Unexpected{bad_argument(std::string(what) + " is not valid JSON: " +
                                   rapidjson::GetParseError_En(doc.GetParseError()) +
                                   " at offset " + std::to_string(doc.GetErrorOffset()))};
  }
  return {};
}

// payload_array copies the received payload (binary values restored) into a new document.
Expected<rapidjson::Document, ChannelFailure> restored_payload(const sio::Incoming& in) {
  rapidjson::Document doc;
  doc.CopyFrom(in.dom, doc.GetAllocator());
  auto r = restore_binaries(doc, doc.GetAllocator(), in.message.attachments, 0);
  if (!r) return Unexpected{r.error()};
  return doc;
}

}  // namespace

Expected<std::string, ChannelFailure> build_connect_packet(std::string_view nsp,
                                                           std::string_view auth_json) {
  sio::Packet p;
  p.type = sio::PacketType::connect;
  p.nsp = std::string(nsp);
  if (p.nsp.empty() || p.nsp.front() != '/') {
    return Unexpected{bad_argument("namespace must start with '/'")};
  }
  if (!auth_json.empty()) {
    rapidjson::Document doc;
    auto r = parse_json(auth_json, doc, "auth");
    if (!r) return Unexpected{r.error()};
    if (!doc.IsObject()) return Unexpected{bad_argument("auth must be a JSON object")};
    p.data = sio::to_json(doc);
  }
  std::string text = sio::encode(p);
  // Round-trip through the codec so that a namespace the server would refuse as malformed
  // (control characters, a comma) is reported here as the caller's mistake.
  if (auto back = sio::decode(text); !back || back->nsp != p.nsp) {
    return Unexpected{bad_argument("namespace cannot be encoded: " + std::string(nsp))};
  }
  return text;
}

Expected<sio::Message, ChannelFailure> build_event_message(std::string_view nsp,
                                                           std::string_view event,
                                                           std::string_view args_json_array,
                                                           std::optional<std::uint64_t> id) {
  rapidjson::Document args;
  auto parsed = parse_json(args_json_array, args, "arguments");
  if (!parsed) return Unexpected{parsed.error()};
  if (!args.IsArray()) return Unexpected{bad_argument("arguments must be a JSON array")};

  rapidjson::Document payload(rapidjson::kArrayType);
  auto& alloc = payload.GetAllocator();
  payload.PushBack(
      rapidjson::Value(event.data(), static_cast<rapidjson::SizeType>(event.size()), alloc), alloc);
  for (auto& a : args.GetArray()) payload.PushBack(rapidjson::Value(a, alloc), alloc);

  sio::Message m;
  auto bin = extract_binaries(payload, alloc, m.attachments, 0);
  if (!bin) return Unexpected{bin.error()};
  m.packet.type = sio::PacketType::event;
  m.packet.nsp = std::string(nsp);
  m.packet.id = id;
  m.packet.data = sio::to_json(payload);
  return m;
}

Expected<ReceivedEvent, ChannelFailure> split_event(const sio::Incoming& in) {
  auto doc = restored_payload(in);
  if (!doc) return Unexpected{doc.error()};
  if (!doc->IsArray() || doc->Empty() || !(*doc)[0].IsString()) {
    return Unexpected{ChannelFailure{ChannelError::protocol_error,
                                     "EVENT payload is not an array starting with a name"}};
  }
  ReceivedEvent ev;
  ev.name.assign((*doc)[0].GetString(), (*doc)[0].GetStringLength());
  doc->Erase(doc->Begin());
  ev.args_json_array = sio::to_json(*doc);
  return ev;
}

Expected<std::string, ChannelFailure> ack_arguments(const sio::Incoming& in) {
  if (in.dom.IsNull() && in.message.packet.data.empty()) return std::string("[]");
  auto doc = restored_payload(in);
  if (!doc) return Unexpected{doc.error()};
  if (!doc->IsArray()) {
    return Unexpected{ChannelFailure{ChannelError::protocol_error, "ACK payload is not an array"}};
  }
  return sio::to_json(*doc);
}

std::string connect_error_message(std::string_view payload_json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(payload_json.data(), payload_json.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    const auto it = doc.FindMember("message");
    if (it != doc.MemberEnd() && it->value.IsString()) {
      return std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  if (!doc.HasParseError() && doc.IsString()) {
    return std::string(doc.GetString(), doc.GetStringLength());
  }
  return payload_json.empty() ? std::string("(no reason given)") : std::string(payload_json);
}

std::string http_failure_detail(unsigned status, std::string_view reason, std::string_view body) {
  // Appended piece by piece: `"HTTP " + std::to_string(…)` draws a false -Wrestrict from GCC 12
  // at -O3 (GCC bug 105329).
  std::string out = "HTTP ";
  out += std::to_string(status);
  if (!reason.empty()) {
    out += ' ';
    out += reason;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    const auto code = doc.FindMember("code");
    const auto msg = doc.FindMember("message");
    if (code != doc.MemberEnd() && code->value.IsInt64()) {
      out += ": Engine.IO error " + std::to_string(code->value.GetInt64());
      if (msg != doc.MemberEnd() && msg->value.IsString()) {
        out += " (" + std::string(msg->value.GetString(), msg->value.GetStringLength()) + ")";
      }
      return out;
    }
  }
  // Bodies are shown only when short and printable: they end up in one-line reports.
  constexpr std::size_t kMaxShown = 200;
  std::string shown;
  for (char c : body.substr(0, kMaxShown)) {
    shown +=
        (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) ? c : '?';
  }
  if (!shown.empty()) out += ": " + shown;
  return out;
}

}  // namespace unm::transport
