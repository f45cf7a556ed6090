// codec_test.cc — Engine.IO v4 / Socket.IO v5 codec: round trips (RapidCheck) and typed errors
// for malformed input (TR-EIO-003/004, TR-SIO-001..004).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "reference/transport/eio_codec.h"
#include "reference/transport/sio_codec.h"

namespace unm::transport {
namespace {

using eio::DecodeError;
using sio::Error;

// --- generators -------------------------------------------------------------------------------

rc::Gen<eio::Packet> gen_eio_packet() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 7), rc::gen::arbitrary<std::string>()),
                   [](std::pair<int, std::string> v) {
                     // Text packets never contain the record separator (TR-EIO-004): strip it.
                     std::erase(v.second, eio::kRecordSeparator);
                     return eio::Packet{static_cast<eio::PacketType>(v.first), false, v.second};
                   }),
      rc::gen::map(rc::gen::arbitrary<std::string>(),
                   [](std::string b) { return eio::binary_message(std::move(b)); }));
}

rc::Gen<std::string> gen_nsp() {
  return rc::gen::oneOf(rc::gen::just(std::string("/")), rc::gen::just(std::string("/custom")),
                        rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange('a', 'z')),
                                     [](std::string s) { return "/" + s; }));
}

// gen_json_value gives JSON texts of scalars, strings with escapes included.
rc::Gen<std::string> gen_json_value() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<int>(), [](int v) { return std::to_string(v); }),
      rc::gen::element<std::string>("true", "false", "null", "{}", "[]", "{\"a\":[1,{\"b\":null}]}",
                                    "\"\u00e9\\n\\\"x\"", "1.5"),
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange('a', 'z')),
                   [](std::string s) { return "\"" + s + "\""; }));
}

rc::Gen<std::string> gen_json_array(bool with_event_name) {
  return rc::gen::map(rc::gen::pair(rc::gen::container<std::vector<std::string>>(gen_json_value()),
                                    rc::gen::container<std::string>(rc::gen::inRange('a', 'z'))),
                      [with_event_name](std::pair<std::vector<std::string>, std::string> v) {
                        std::string out = "[";
                        bool first = true;
                        if (with_event_name) {
                          out += "\"ev_" + v.second + "\"";
                          first = false;
                        }
                        for (const auto& e : v.first) {
                          if (!first) out += ',';
                          out += e;
                          first = false;
                        }
                        return out + "]";
                      });
}

rc::Gen<sio::Packet> gen_sio_packet(sio::PacketType t) {
  using sio::PacketType;
  return rc::gen::map(
      rc::gen::tuple(gen_nsp(), rc::gen::arbitrary<std::uint64_t>(),
                     gen_json_array(t == PacketType::event || t == PacketType::binary_event),
                     rc::gen::inRange<std::size_t>(0, 5), rc::gen::arbitrary<bool>()),
      [t](std::tuple<std::string, std::uint64_t, std::string, std::size_t, bool> v) {
        sio::Packet p;
        p.type = t;
        p.nsp = std::get<0>(v);
        const bool has_id = std::get<4>(v);
        switch (t) {
          case PacketType::connect:
            p.data = has_id ? "{\"token\":" + std::to_string(std::get<1>(v) % 1000) + "}" : "";
            break;
          case PacketType::disconnect:
            break;
          case PacketType::connect_error:
            p.data = "{\"message\":\"Invalid namespace\"}";
            break;
          case PacketType::event:
            if (has_id) p.id = std::get<1>(v);
            p.data = std::get<2>(v);
            break;
          case PacketType::binary_event:
            if (has_id) p.id = std::get<1>(v);
            p.data = std::get<2>(v);
            p.attachments = std::get<3>(v);
            break;
          case PacketType::ack:
            p.id = std::get<1>(v);
            p.data = std::get<2>(v);
            break;
          case PacketType::binary_ack:
            p.id = std::get<1>(v);
            p.data = std::get<2>(v);
            p.attachments = std::get<3>(v);
            break;
        }
        return p;
      });
}

// --- Engine.IO ---------------------------------------------------------------------------------

RC_GTEST_PROP(EioCodec, TextPacketRoundTrips, ()) {
  const auto p = *gen_eio_packet();
  const auto d = eio::decode_text(eio::encode_text(p));
  RC_ASSERT(d.has_value());
  RC_ASSERT(*d == p);
}

RC_GTEST_PROP(EioCodec, PayloadRoundTrips, ()) {
  const auto packets =
      *rc::gen::nonEmpty(rc::gen::container<std::vector<eio::Packet>>(gen_eio_packet()));
  const auto d = eio::decode_payload(eio::encode_payload(packets));
  RC_ASSERT(d.has_value());
  RC_ASSERT(*d == packets);
}

RC_GTEST_PROP(EioCodec, Base64RoundTrips, (const std::string& bytes)) {
  const auto d = eio::base64_decode(eio::base64_encode(bytes));
  RC_ASSERT(d.has_value());
  RC_ASSERT(*d == bytes);
}

RC_GTEST_PROP(EioCodec, HandshakeRoundTrips,
              (std::uint64_t interval, std::uint64_t timeout, std::uint64_t max, bool polling)) {
  eio::Handshake h;
  h.sid = *rc::gen::container<std::string>(rc::gen::inRange('A', 'z'));
  h.sid.erase(std::remove_if(h.sid.begin(), h.sid.end(), [](char c) { return c == '\\'; }),
              h.sid.end());
  if (polling) h.upgrades = {"websocket"};
  h.ping_interval_ms = interval;
  h.ping_timeout_ms = timeout;
  h.max_payload = max;
  const auto d = eio::decode_handshake(eio::encode_handshake(h));
  RC_ASSERT(d.has_value());
  RC_ASSERT(*d == h);
}

RC_GTEST_PROP(EioCodec, DecodeNeverCrashesOnArbitraryText, (const std::string& s)) {
  // Any outcome is fine; a typed error or a packet, never a crash.
  const auto d = eio::decode_payload(s, 1 << 20);
  if (d) RC_ASSERT(!d->empty());
}

TEST(EioCodec, KnownWireForms) {
  EXPECT_EQ(eio::encode_text(eio::text_message("hello")), "4hello");
  EXPECT_EQ(eio::encode_text({eio::PacketType::ping, false, "probe"}), "2probe");
  EXPECT_EQ(eio::encode_text(eio::binary_message(std::string("\x01\x02\x03\x04", 4))), "bAQIDBA==");
  const std::vector<eio::Packet> ps = {eio::text_message("test1"), eio::text_message("test2"),
                                       eio::binary_message(std::string("\x01\x02\x03\x04", 4)),
                                       eio::text_message("test3")};
  EXPECT_EQ(eio::encode_payload(ps),
            "4test1\x1e"
            "4test2\x1e"
            "bAQIDBA==\x1e"
            "4test3");
  eio::Handshake h{"abc", {"websocket"}, 300, 200, 1000000};
  EXPECT_EQ(
      eio::encode_handshake(h),
      R"({"sid":"abc","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000})");
}

TEST(EioCodec, MalformedInputGivesTypedErrors) {
  EXPECT_EQ(eio::decode_text("").error(), DecodeError::empty_packet);
  EXPECT_EQ(eio::decode_text("7").error(), DecodeError::unknown_type);
  EXPECT_EQ(eio::decode_text("x").error(), DecodeError::unknown_type);
  EXPECT_EQ(eio::decode_text("bA=").error(), DecodeError::bad_base64);
  EXPECT_EQ(eio::decode_text("b!!!!").error(), DecodeError::bad_base64);
  EXPECT_EQ(eio::decode_text("bAR==").error(), DecodeError::bad_base64);  // non-canonical bits
  EXPECT_EQ(eio::decode_text("bA=A=").error(), DecodeError::bad_base64);
  EXPECT_EQ(eio::decode_text("4hello", 3).error(), DecodeError::oversize);
  EXPECT_EQ(eio::decode_payload("4a\x1e\x1e"
                                "4b")
                .error(),
            DecodeError::empty_packet);
  EXPECT_EQ(eio::decode_payload("4a\x1e").error(), DecodeError::empty_packet);
  EXPECT_EQ(eio::decode_payload(std::string(11, '4'), 10).error(), DecodeError::oversize);
  EXPECT_EQ(eio::decode_payload("6\x1e"
                                "6\x1e"
                                "6",
                                SIZE_MAX, 2)
                .error(),
            DecodeError::oversize);
  EXPECT_EQ(eio::decode_handshake("{").error(), DecodeError::bad_handshake);
  EXPECT_EQ(
      eio::decode_handshake(R"({"sid":1,"upgrades":[],"pingInterval":1,"pingTimeout":1})").error(),
      DecodeError::bad_handshake);
  EXPECT_EQ(eio::decode_handshake(R"({"sid":"a","upgrades":[1],"pingInterval":1,"pingTimeout":1})")
                .error(),
            DecodeError::bad_handshake);
  EXPECT_EQ(eio::decode_error_name(DecodeError::bad_base64), "bad_base64");
}

// --- Socket.IO ---------------------------------------------------------------------------------

class SioRoundTrip : public ::testing::TestWithParam<sio::PacketType> {};

TEST_P(SioRoundTrip, EveryPacketKindRoundTrips) {
  const sio::PacketType t = GetParam();
  const bool ok =
      rc::check(std::string("round trip of ") + std::string(sio::packet_type_name(t)), [t] {
        const auto p = *gen_sio_packet(t);
        const auto text = sio::encode(p);
        rapidjson::Document dom;
        const auto d = sio::decode(text, {}, &dom);
        RC_ASSERT(d.has_value());
        RC_ASSERT(*d == p);
        if (!p.data.empty()) RC_ASSERT(sio::to_json(dom) == p.data);
      });
  EXPECT_TRUE(ok);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, SioRoundTrip,
                         ::testing::Values(sio::PacketType::connect, sio::PacketType::disconnect,
                                           sio::PacketType::event, sio::PacketType::ack,
                                           sio::PacketType::connect_error,
                                           sio::PacketType::binary_event,
                                           sio::PacketType::binary_ack),
                         [](const ::testing::TestParamInfo<sio::PacketType>& pinfo) {
                           return std::string(sio::packet_type_name(pinfo.param));
                         });

RC_GTEST_PROP(SioCodec, BinaryMessageRoundTripsThroughAssembler,
              (const std::vector<std::string>& bins)) {
  RC_PRE(bins.size() <= 64);
  rapidjson::Document d(rapidjson::kArrayType);
  d.PushBack("bin", d.GetAllocator());
  for (std::size_t i = 0; i < bins.size(); ++i)
    d.PushBack(sio::make_placeholder(i, d.GetAllocator()), d.GetAllocator());
  sio::Message m;
  m.packet.type = sio::PacketType::event;
  m.packet.nsp = "/custom";
  m.packet.id = 7;
  m.packet.data = sio::to_json(d);
  m.attachments = bins;
  const auto enc = sio::encode_message(m);
  RC_ASSERT(enc.binaries.size() == bins.size());
  sio::Assembler a;
  auto r = a.on_text(enc.text);
  RC_ASSERT(r.has_value());
  for (const auto& b : enc.binaries) {
    RC_ASSERT(!r->has_value());
    r = a.on_binary(b);
    RC_ASSERT(r.has_value());
  }
  RC_ASSERT(r->has_value());
  const sio::Incoming& in = **r;
  RC_ASSERT(in.message.attachments == bins);
  RC_ASSERT(in.message.packet.type ==
            (bins.empty() ? sio::PacketType::event : sio::PacketType::binary_event));
  RC_ASSERT(in.message.packet.id == std::optional<std::uint64_t>(7));
  RC_ASSERT(sio::to_json(in.dom) == m.packet.data);
  RC_ASSERT(a.awaiting() == 0U);
}

RC_GTEST_PROP(SioCodec, DecodeNeverCrashesOnArbitraryText, (const std::string& s)) {
  const auto d = sio::decode(s);
  if (d) RC_ASSERT(sio::decode(sio::encode(*d)).has_value());
}

TEST(SioCodec, KnownWireForms) {
  sio::Packet p;
  p.type = sio::PacketType::connect;
  EXPECT_EQ(sio::encode(p), "0");
  p.nsp = "/custom";
  EXPECT_EQ(sio::encode(p), "0/custom,");
  p.type = sio::PacketType::binary_event;
  p.attachments = 1;
  p.nsp = "/";
  p.data = R"(["message",{"_placeholder":true,"num":0}])";
  EXPECT_EQ(sio::encode(p), R"(51-["message",{"_placeholder":true,"num":0}])");
  p.type = sio::PacketType::binary_ack;
  p.id = 1;
  p.data = R"([{"_placeholder":true,"num":0}])";
  EXPECT_EQ(sio::encode(p), R"(61-1[{"_placeholder":true,"num":0}])");

  const auto d = sio::decode(R"(3/custom,12["answer"])");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->type, sio::PacketType::ack);
  EXPECT_EQ(d->nsp, "/custom");
  EXPECT_EQ(d->id, std::optional<std::uint64_t>(12));
  EXPECT_EQ(d->data, R"(["answer"])");
  const auto c = sio::decode("0/custom");  // namespace up to the end, no comma
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->nsp, "/custom");
  EXPECT_TRUE(c->data.empty());
}

TEST(SioCodec, MalformedInputGivesTypedErrors) {
  struct Case {
    std::string text;
    Error want;
  };
  const std::vector<Case> cases = {
      {"", Error::empty_packet},
      {"7", Error::unknown_type},
      {"a[\"x\"]", Error::unknown_type},
      {"5[\"x\"]", Error::bad_attachments},                          // no count
      {"5x-[\"x\"]", Error::bad_attachments},                        // count not a number
      {"5-[\"x\"]", Error::bad_attachments},                         // empty count
      {"599999999999999999999999-[\"x\"]", Error::bad_attachments},  // overflow
      {"565-[\"x\"]", Error::too_many_attachments},
      {"2/a\x01,[\"x\"]", Error::bad_namespace},
      {"2123456789012345678901[\"x\"]", Error::bad_ack_id},  // 22 digits
      {"218446744073709551616[\"x\"]", Error::bad_ack_id},   // 2^64
      {"01{}", Error::bad_ack_id},                           // id on CONNECT
      {"3[\"x\"]", Error::bad_ack_id},                       // ACK without id
      {"2[\"x\"", Error::bad_json},
      {"2[\"x\",]", Error::bad_json},
      {"2[\"\xff\"]", Error::bad_json},                                      // invalid UTF-8
      {"2" + std::string(65, '[') + std::string(65, ']'), Error::bad_json},  // too deep
      {"2", Error::bad_payload},
      {"2[]", Error::bad_payload},
      {"2[1]", Error::bad_payload},
      {"2{\"a\":1}", Error::bad_payload},
      {"0[]", Error::bad_payload},
      {"1{}", Error::bad_payload},
      {"4", Error::bad_payload},
      {"31{}", Error::bad_payload},
      {"2[\"disconnect\"]", Error::reserved_event},
      {"51-[\"x\",{\"_placeholder\":true,\"num\":1}]", Error::bad_placeholder},
      {"51-[\"x\",{\"_placeholder\":true,\"num\":\"0\"}]", Error::bad_placeholder},
  };
  for (const auto& c : cases) {
    const auto d = sio::decode(c.text);
    ASSERT_FALSE(d.has_value()) << c.text;
    EXPECT_EQ(d.error(), c.want) << c.text << " gave " << sio::error_name(d.error());
  }
  sio::Limits small;
  small.max_bytes = 4;
  EXPECT_EQ(sio::decode("2[\"x\"]", small).error(), Error::oversize);
  EXPECT_EQ(sio::error_name(Error::bad_ack_id), "bad_ack_id");
}

TEST(SioCodec, AssemblerRefusesOutOfOrderBinary) {
  sio::Assembler a;
  EXPECT_EQ(a.on_binary("x").error(), Error::unexpected_binary);
  ASSERT_TRUE(a.on_text(R"(52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])")
                  .has_value());
  EXPECT_EQ(a.awaiting(), 2U);
  EXPECT_EQ(a.on_text(R"(2["y"])").error(), Error::bad_attachments);
  sio::Limits small;
  small.max_bytes = 100;
  sio::Assembler b(small);
  ASSERT_TRUE(b.on_text(R"(51-["x",{"_placeholder":true,"num":0}])").has_value());
  EXPECT_EQ(b.on_binary(std::string(101, 'z')).error(), Error::oversize);
}

}  // namespace
}  // namespace unm::transport
