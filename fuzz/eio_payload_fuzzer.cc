// eio_payload_fuzzer.cc — Engine.IO v4 long-polling payloads (transport.md TR-EIO-004): packets
// separated by 0x1E, binary ones as "b" + base64. Input: two control bytes (byte and packet
// limits), then the POST body.
//
// Oracles: no crash; never more packets than the limit; a decoded payload re-encodes to a body
// that decodes to the same packets; every binary packet is a message.
#include "fuzz/support/fuzz_support.h"
#include "reference/transport/eio_codec.h"

namespace eio = unm::transport::eio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  unm::fuzz::ByteReader in(data, size);
  const std::uint8_t byte_limit = in.u8();
  const std::uint8_t packet_limit = in.u8();
  const std::string_view body = in.rest();
  const std::size_t max_bytes = (byte_limit & 0x80) != 0 ? byte_limit & 0x7f : SIZE_MAX;
  const std::size_t max_packets = (packet_limit & 0x80) != 0 ? packet_limit & 0x0f : 4096;
  auto packets = eio::decode_payload(body, max_bytes, max_packets);
  if (!packets) {
    UNM_FUZZ_CHECK(!eio::decode_error_name(packets.error()).empty());
    return 0;
  }
  UNM_FUZZ_CHECK(packets->size() <= max_packets);
  UNM_FUZZ_CHECK(body.size() <= max_bytes);
  for (const auto& p : *packets) UNM_FUZZ_CHECK(!p.binary || p.type == eio::PacketType::message);
  const std::string again = eio::encode_payload(*packets);
  auto round = eio::decode_payload(again);
  UNM_FUZZ_CHECK(round.has_value());
  UNM_FUZZ_CHECK(*round == *packets);
  return 0;
}
