// eio_packet_fuzzer.cc — Engine.IO v4 packet and handshake decoding (transport.md TR-EIO-002,
// TR-EIO-003). Input: one control byte (which decoder, and a size limit), then the frame text.
//
// Oracles: decoding never crashes; a decoded packet re-encodes to a text that decodes to the same
// packet (TR-EIO-003 round trip); a packet is never longer than the limit it was decoded under;
// a handshake that decodes re-encodes to an equal handshake; base64 that decodes re-encodes to
// the exact same text (strict decoding, RFC 4648 §4).
#include "fuzz/support/fuzz_support.h"
#include "reference/transport/eio_codec.h"

namespace eio = unm::transport::eio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  unm::fuzz::ByteReader in(data, size);
  const std::uint8_t control = in.u8();
  const std::string_view text = in.rest();
  switch (control % 3) {
    case 0: {
      // The limit is small now and then, so the oversize path is reached too.
      const std::size_t limit = (control & 0x80) != 0 ? (control & 0x3f) : SIZE_MAX;
      auto p = eio::decode_text(text, limit);
      if (!p) {
        UNM_FUZZ_CHECK(!eio::decode_error_name(p.error()).empty());
        break;
      }
      UNM_FUZZ_CHECK(!p->binary || p->type == eio::PacketType::message);
      UNM_FUZZ_CHECK(!eio::packet_type_name(p->type).empty());
      const std::string again = eio::encode_text(*p);
      auto q = eio::decode_text(again);
      UNM_FUZZ_CHECK(q.has_value());
      UNM_FUZZ_CHECK(*q == *p);
      break;
    }
    case 1: {
      auto h = eio::decode_handshake(text);
      if (!h) break;
      auto h2 = eio::decode_handshake(eio::encode_handshake(*h));
      UNM_FUZZ_CHECK(h2.has_value());
      UNM_FUZZ_CHECK(*h2 == *h);
      break;
    }
    default: {
      auto b = eio::base64_decode(text);
      if (!b) break;
      UNM_FUZZ_CHECK(eio::base64_encode(*b) == text);
      break;
    }
  }
  return 0;
}
