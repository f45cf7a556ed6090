// sio_packet_fuzzer.cc — Socket.IO v5 packet decoding and binary-attachment reassembly
// (transport.md TR-SIO-001..005).
//
// Input: a control byte. Mode "single" (even): the rest is one packet text, decoded under
// limits drawn from the control byte. Mode "stream" (odd): the rest is a sequence of Engine.IO
// messages for one Assembler — each a kind byte (text / binary) and a 16-bit length — the way a
// session receives them.
//
// Oracles: no crash; a decoded packet re-encodes to a text that decodes to the same packet; the
// attachment count never exceeds the limit; an Assembler's complete packet carries exactly the
// announced attachments; an Assembler never awaits more than the limit.
#include <rapidjson/document.h>

#include "fuzz/support/fuzz_support.h"
#include "reference/transport/sio_codec.h"

namespace sio = unm::transport::sio;

namespace {

sio::Limits limits_from(std::uint8_t control) {
  sio::Limits l;
  if ((control & 0x02) != 0) {
    l.max_bytes = 64;
    l.max_attachments = 3;
    l.max_depth = 4;
  }
  return l;
}

void check_round_trip(const sio::Packet& p, const sio::Limits& limits) {
  UNM_FUZZ_CHECK(p.attachments <= limits.max_attachments);
  UNM_FUZZ_CHECK(!sio::packet_type_name(p.type).empty());
  const bool binary_type =
      p.type == sio::PacketType::binary_event || p.type == sio::PacketType::binary_ack;
  UNM_FUZZ_CHECK(binary_type || p.attachments == 0);
  rapidjson::Document dom;
  auto again = sio::decode(sio::encode(p), sio::Limits{}, &dom);
  UNM_FUZZ_CHECK(again.has_value());
  UNM_FUZZ_CHECK(*again == p);
}

void single(std::string_view text, std::uint8_t control) {
  const sio::Limits limits = limits_from(control);
  rapidjson::Document dom;
  auto p = sio::decode(text, limits, (control & 0x04) != 0 ? &dom : nullptr);
  if (!p) {
    UNM_FUZZ_CHECK(!sio::error_name(p.error()).empty());
    return;
  }
  UNM_FUZZ_CHECK(text.size() <= limits.max_bytes);
  check_round_trip(*p, limits);
}

void stream(unm::fuzz::ByteReader& in, std::uint8_t control) {
  const sio::Limits limits = limits_from(control);
  sio::Assembler a(limits);
  // Bounded: every message consumes at least its 3 header bytes.
  while (!in.empty()) {
    const bool binary = in.boolean();
    const std::size_t n = in.u16() % 2048;
    auto b = in.bytes(n);
    const std::string_view msg(reinterpret_cast<const char*>(b.data()), b.size());
    auto r = binary ? a.on_binary(msg) : a.on_text(msg);
    UNM_FUZZ_CHECK(a.awaiting() <= limits.max_attachments);
    if (!r) {
      UNM_FUZZ_CHECK(!sio::error_name(r.error()).empty());
      return;  // TR-SIO-003: the session closes on any error
    }
    if (!r->has_value()) continue;
    const sio::Incoming& got = **r;
    UNM_FUZZ_CHECK(got.message.attachments.size() == got.message.packet.attachments);
    UNM_FUZZ_CHECK(a.awaiting() == 0);
    for (const auto& att : got.message.attachments) UNM_FUZZ_CHECK(att.size() <= limits.max_bytes);
    check_round_trip(got.message.packet, limits);
    // The message re-encodes into the same Engine.IO messages a peer would send.
    const sio::EncodedMessage enc = sio::encode_message(got.message);
    UNM_FUZZ_CHECK(enc.binaries == got.message.attachments);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  unm::fuzz::ByteReader in(data, size);
  const std::uint8_t control = in.u8();
  if ((control & 1) == 0) {
    single(in.rest(), control);
  } else {
    stream(in, control);
  }
  return 0;
}
