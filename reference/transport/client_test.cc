// client_test.cc — unit tests of the client transport's pure parts: URL parsing and request
// targets (client_url.h, TR-EIO-001), argument/packet conversion (client_payload.h, TR-SIO-001..
// 004), and connect_channel's refusals that need no server.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "reference/common/hex.h"
#include "reference/transport/client_payload.h"
#include "reference/transport/client_url.h"
#include "reference/transport/event_channel.h"
#include "reference/transport/sio_codec.h"

namespace unm::transport {
namespace {

// ---- URL parsing --------------------------------------------------------------------------------

TEST(ClientUrl, HttpDefaultsToPort80AndSocketIoPath) {
  auto u = parse_client_url("http://example.org");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "example.org");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/socket.io/");
  EXPECT_EQ(u->query, "");
}

TEST(ClientUrl, SchemesSelectTlsAndDefaultPorts) {
  struct Case {
    const char* url;
    bool tls;
    int port;
  };
  for (const Case& c :
       {Case{"https://h", true, 443}, Case{"wss://h", true, 443}, Case{"ws://h", false, 80},
        Case{"HTTP://h", false, 80}, Case{"WsS://h", true, 443}}) {
    auto u = parse_client_url(c.url);
    ASSERT_TRUE(u) << c.url;
    EXPECT_EQ(u->tls, c.tls) << c.url;
    EXPECT_EQ(u->port, c.port) << c.url;
  }
}

TEST(ClientUrl, ExplicitPortPathAndQueryKept) {
  auto u = parse_client_url("wss://chat.example:8443/custom/path?token=abc&x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "chat.example");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/custom/path/");   // trailing slash added, as the official client does
  EXPECT_EQ(u->query, "token=abc&x=1");  // fragment dropped
}

TEST(ClientUrl, RootPathMeansSocketIoPath) {
  auto u = parse_client_url("http://h:3000/?a=b");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "/socket.io/");
  EXPECT_EQ(u->query, "a=b");
  auto v = parse_client_url("http://h:3000?a=b");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->path, "/socket.io/");
  EXPECT_EQ(v->query, "a=b");
}

TEST(ClientUrl, Ipv6LiteralsWithAndWithoutPort) {
  auto a = parse_client_url("http://[::1]:3000/socket.io/");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_TRUE(a->ipv6_literal);
  EXPECT_EQ(a->port, 3000);
  EXPECT_EQ(host_header(*a), "[::1]:3000");
  auto b = parse_client_url("https://[2001:db8::7]");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "2001:db8::7");
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(host_header(*b), "[2001:db8::7]");
  auto c = parse_client_url("ws://[::ffff:127.0.0.1]:80");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::ffff:127.0.0.1");
}

TEST(ClientUrl, HostHeaderOmitsDefaultPort) {
  EXPECT_EQ(host_header(*parse_client_url("http://a.b:80/")), "a.b");
  EXPECT_EQ(host_header(*parse_client_url("https://a.b:443/")), "a.b");
  EXPECT_EQ(host_header(*parse_client_url("https://a.b:80/")), "a.b:80");
  EXPECT_EQ(host_header(*parse_client_url("http://127.0.0.1:3000")), "127.0.0.1:3000");
}

TEST(ClientUrl, RefusesMalformedUrlsWithTypedErrors) {
  struct Case {
    const char* url;
    UrlError err;
  };
  for (const Case& c : {
           Case{"", UrlError::empty},
           Case{"example.org", UrlError::bad_scheme},
           Case{"ftp://example.org", UrlError::bad_scheme},
           Case{"://example.org", UrlError::bad_scheme},
           Case{"http://user:pw@example.org", UrlError::has_userinfo},
           Case{"http://", UrlError::bad_host},
           Case{"http://:80", UrlError::bad_host},
           Case{"http://exa mple.org", UrlError::bad_host},
           Case{"http://[::1", UrlError::bad_host},
           Case{"http://[]:80", UrlError::bad_host},
           Case{"http://[zz::1]", UrlError::bad_host},
           Case{"http://[::1]x", UrlError::bad_host},
           Case{"http://h:", UrlError::bad_port},
           Case{"http://h:0", UrlError::bad_port},
           Case{"http://h:65536", UrlError::bad_port},
           Case{"http://h:123456", UrlError::bad_port},
           Case{"http://h:8o", UrlError::bad_port},
           Case{"http://h:-1", UrlError::bad_port},
           Case{"http://h/pa th", UrlError::bad_path},
           Case{"http://h/p?q=\"x\"", UrlError::bad_path},
           Case{"http://h/p\x01", UrlError::bad_path},
       }) {
    auto u = parse_client_url(c.url);
    ASSERT_FALSE(u) << c.url;
    EXPECT_EQ(u.error(), c.err) << c.url << " gave " << url_error_name(u.error());
  }
}

TEST(ClientUrl, ErrorNamesAreStable) {
  EXPECT_EQ(url_error_name(UrlError::bad_scheme), "bad_scheme");
  EXPECT_EQ(url_error_name(UrlError::bad_port), "bad_port");
  EXPECT_EQ(url_error_name(UrlError::has_userinfo), "has_userinfo");
}

TEST(ClientUrl, EngineTargetAddsProtocolParametersAfterUserQuery) {
  auto u = parse_client_url("http://h/socket.io/?token=a%20b&lang=en");
  ASSERT_TRUE(u);
  EXPECT_EQ(engine_target(*u, "polling", ""),
            "/socket.io/?token=a%20b&lang=en&EIO=4&transport=polling");
  EXPECT_EQ(engine_target(*u, "websocket", "abc-_DEF"),
            "/socket.io/?token=a%20b&lang=en&EIO=4&transport=websocket&sid=abc-_DEF");
}

TEST(ClientUrl, EngineTargetDropsUserCopiesOfOwnParameters) {
  // TR-EIO-001: a second EIO or transport would make the server refuse the request.
  auto u = parse_client_url("http://h/x?EIO=3&transport=websocket&sid=old&keep=1&&EIOX=2");
  ASSERT_TRUE(u);
  EXPECT_EQ(engine_target(*u, "polling", ""), "/x/?keep=1&EIOX=2&EIO=4&transport=polling");
}

TEST(ClientUrl, EngineTargetPercentEncodesSessionId) {
  auto u = parse_client_url("http://h");
  ASSERT_TRUE(u);
  EXPECT_EQ(engine_target(*u, "polling", "a+b/c=&"),
            "/socket.io/?EIO=4&transport=polling&sid=a%2Bb%2Fc%3D%26");
}

RC_GTEST_PROP(ClientUrlProperty, ComposedUrlsParseBackToTheirParts, ()) {
  const bool tls = *rc::gen::arbitrary<bool>();
  const bool ws = *rc::gen::arbitrary<bool>();
  const auto host_chars = rc::gen::elementOf(std::string("abcxyz0189-."));
  const std::string host = "h" + *rc::gen::container<std::string>(host_chars);
  const int port = *rc::gen::inRange(1, 65536);
  const auto path_chars = rc::gen::elementOf(std::string("abc/_-~.%019"));
  const std::string path = "/" + *rc::gen::container<std::string>(path_chars);
  const auto query_chars = rc::gen::elementOf(std::string("abc=&%019"));
  const std::string query = *rc::gen::container<std::string>(query_chars);
  const std::string scheme = tls ? (ws ? "wss" : "https") : (ws ? "ws" : "http");
  const std::string url = scheme + "://" + host + ":" + std::to_string(port) + path +
                          (query.empty() ? "" : "?" + query);
  auto u = parse_client_url(url);
  RC_ASSERT(u.has_value());
  RC_ASSERT(u->tls == tls);
  RC_ASSERT(u->host == host);
  RC_ASSERT(u->port == port);
  RC_ASSERT(u->query == query);
  RC_ASSERT(u->path.front() == '/');
  RC_ASSERT(u->path.back() == '/');
  if (path != "/") {
    RC_ASSERT(u->path.substr(0, path.size()) == path);
  }
  // Every target carries exactly one EIO=4 and one transport parameter.
  const std::string target = engine_target(*u, "polling", "");
  RC_ASSERT(target.find("EIO=4&transport=polling") != std::string::npos);
}

RC_GTEST_PROP(ClientUrlProperty, ArbitraryTextNeverCrashesTheParser, (const std::string& text)) {
  auto u = parse_client_url(text);
  if (u) {
    RC_ASSERT(u->port != 0);
    RC_ASSERT(!u->host.empty());
    RC_ASSERT(u->path.front() == '/');
  }
  auto v = parse_client_url("http://" + text);
  if (v) RC_ASSERT(!v->host.empty());
}

// ---- payload conversion
// --------------------------------------------------------------------------

TEST(ClientPayload, EventMessagePutsNameFirstAndKeepsAckId) {
  auto m = build_event_message("/", "hello", R"([1,"two",{"three":3}])", 7);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->packet.type, sio::PacketType::event);
  EXPECT_EQ(m->packet.id, 7u);
  EXPECT_EQ(m->packet.data, R"(["hello",1,"two",{"three":3}])");
  EXPECT_EQ(sio::encode_message(*m).text, R"(27["hello",1,"two",{"three":3}])");
}

TEST(ClientPayload, EventMessageOnOtherNamespaceWithoutAck) {
  auto m = build_event_message("/admin", "x", "[]", std::nullopt);
  ASSERT_TRUE(m);
  EXPECT_EQ(sio::encode_message(*m).text, R"(2/admin,["x"])");
}

TEST(ClientPayload, BinaryValuesBecomeAttachments) {
  auto m = build_event_message("/", "up", R"([{"_binary":"00ff"},{"k":[{"_binary":""}]}])", 1);
  ASSERT_TRUE(m);
  auto enc = sio::encode_message(*m);
  EXPECT_EQ(enc.text,
            R"(52-1["up",{"_placeholder":true,"num":0},{"k":[{"_placeholder":true,"num":1}]}])");
  ASSERT_EQ(enc.binaries.size(), 2u);
  EXPECT_EQ(enc.binaries[0], std::string("\x00\xff", 2));
  EXPECT_EQ(enc.binaries[1], "");
}

TEST(ClientPayload, ObjectsThatOnlyLookBinaryStayJson) {
  // Two members, or a non-string value: ordinary JSON, not an attachment.
  auto m = build_event_message("/", "e", R"([{"_binary":"00","x":1},{"_binary":5}])", std::nullopt);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->attachments.empty());
  EXPECT_EQ(m->packet.data, R"(["e",{"_binary":"00","x":1},{"_binary":5}])");
}

TEST(ClientPayload, BadArgumentsAreRefused) {
  for (const char* args : {"", "{}", "1", "not json", "[1,", "[1] x", R"([{"_binary":"0g"}])",
                           R"([{"_binary":"ABCD"}])", R"([{"_binary":"abc"}])"}) {
    auto m = build_event_message("/", "e", args, 1);
    ASSERT_FALSE(m) << args;
    EXPECT_EQ(m.error().code, ChannelError::bad_argument) << args;
    EXPECT_FALSE(m.error().detail.empty());
  }
}

TEST(ClientPayload, DeeplyNestedArgumentsAreRefusedNotRecursedInto) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  auto m = build_event_message("/", "e", "[" + deep + "]", 1);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ChannelError::bad_argument);
}

TEST(ClientPayload, ConnectPacketCarriesNamespaceAndAuth) {
  EXPECT_EQ(*build_connect_packet("/", ""), "0");
  EXPECT_EQ(*build_connect_packet("/", R"({"token":"x"})"), R"(0{"token":"x"})");
  EXPECT_EQ(*build_connect_packet("/admin", ""), "0/admin,");
  EXPECT_EQ(*build_connect_packet("/admin", R"({ "a" : 1 })"), R"(0/admin,{"a":1})");
}

TEST(ClientPayload, ConnectPacketRefusesBadNamespaceOrAuth) {
  for (auto [nsp, auth] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"admin", ""}, {"/", "[1]"}, {"/", "\"s\""}, {"/", "{"}}) {
    auto p = build_connect_packet(nsp, auth);
    ASSERT_FALSE(p) << nsp << " " << auth;
    EXPECT_EQ(p.error().code, ChannelError::bad_argument);
  }
}

// incoming decodes a received packet (and its attachments) the way the channel does.
sio::Incoming incoming(const std::string& text, const std::vector<std::string>& binaries = {}) {
  sio::Assembler a;
  auto r = a.on_text(text);
  EXPECT_TRUE(r) << text;
  for (const auto& b : binaries) {
    if (r && r->has_value()) break;
    r = a.on_binary(b);
    EXPECT_TRUE(r);
  }
  EXPECT_TRUE(r && r->has_value()) << text;
  return std::move(**r);
}

TEST(ClientPayload, SplitEventSeparatesNameAndArguments) {
  auto ev = split_event(incoming(R"(2["news",{"a":1},2])"));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "news");
  EXPECT_EQ(ev->args_json_array, R"([{"a":1},2])");
  auto empty = split_event(incoming(R"(2["ping-me"])"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->args_json_array, "[]");
}

TEST(ClientPayload, ReceivedAttachmentsComeBackAsBinaryObjects) {
  auto ev = split_event(
      incoming(R"(52-["bin",{"_placeholder":true,"num":1},{"n":{"_placeholder":true,"num":0}}])",
               {std::string("\x01\x02", 2), std::string("\xff")}));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "bin");
  EXPECT_EQ(ev->args_json_array, R"([{"_binary":"ff"},{"n":{"_binary":"0102"}}])");
}

TEST(ClientPayload, AckArgumentsIncludingBinary) {
  EXPECT_EQ(*ack_arguments(incoming(R"(31["ok",{"x":null}])")), R"(["ok",{"x":null}])");
  EXPECT_EQ(*ack_arguments(incoming("3/admin,12[]")), "[]");
  EXPECT_EQ(*ack_arguments(incoming(R"(61-4[{"_placeholder":true,"num":0}])", {"AB"})),
            R"([{"_binary":"4142"}])");
}

TEST(ClientPayload, ConnectErrorMessageIsExtracted) {
  EXPECT_EQ(connect_error_message(R"({"message":"Invalid namespace"})"), "Invalid namespace");
  EXPECT_EQ(connect_error_message(R"({"message":"no","data":{"x":1}})"), "no");
  EXPECT_EQ(connect_error_message(R"("plain")"), "plain");
  EXPECT_EQ(connect_error_message(R"({"msg":1})"), R"({"msg":1})");
  EXPECT_EQ(connect_error_message(""), "(no reason given)");
}

TEST(ClientPayload, HttpFailureDetailNamesEngineIoErrors) {
  EXPECT_EQ(http_failure_detail(400, "Bad Request", R"({"code":1,"message":"Session ID unknown"})"),
            "HTTP 400 Bad Request: Engine.IO error 1 (Session ID unknown)");
  EXPECT_EQ(http_failure_detail(403, "Forbidden", R"({"code":4})"),
            "HTTP 403 Forbidden: Engine.IO error 4");
  EXPECT_EQ(http_failure_detail(404, "Not Found", "no\x01such"), "HTTP 404 Not Found: no?such");
  EXPECT_EQ(http_failure_detail(502, "", ""), "HTTP 502");
  EXPECT_EQ(http_failure_detail(500, "X", std::string(1000, 'a')).size(),
            std::string("HTTP 500 X: ").size() + 200);
}

// Arguments built from arbitrary strings and byte strings survive the trip through the codec:
// what the client sends is what a peer decodes (TR-SIO-001, TR-SIO-004).
RC_GTEST_PROP(ClientPayloadProperty, EventArgumentsRoundTripThroughTheCodec,
              (const std::vector<std::string>& texts)) {
  // Receivers bound attachments per packet (sio::Limits::max_attachments, 64); stay below.
  const auto count = *rc::gen::inRange<std::size_t>(0, 17);
  const auto blobs = *rc::gen::container<std::vector<std::vector<std::uint8_t>>>(
      count, rc::gen::arbitrary<std::vector<std::uint8_t>>());
  std::string args = "[";
  auto append = [](std::string& out, const std::string& item) {
    if (out.size() > 1) out += ',';
    out += item;
  };
  for (const auto& t : texts) {
    // Strings as JSON: escape everything outside printable ASCII.
    std::string s = "\"";
    for (unsigned char c : t) {
      if (c == '"' || c == '\\') {
        s += '\\';
        s += static_cast<char>(c);
      } else if (c >= 0x20 && c < 0x7f) {
        s += static_cast<char>(c);
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        s += "\\u00";
        s += kHex[c >> 4];
        s += kHex[c & 15];
      }
    }
    s += "\"";
    append(args, s);
  }
  for (const auto& b : blobs) {
    append(args, R"({"_binary":")" + to_hex(std::span<const std::uint8_t>(b)) + R"("})");
  }
  args += "]";
  auto m = build_event_message("/", "prop", args, 3);
  RC_ASSERT(m.has_value());
  RC_ASSERT(m->attachments.size() == blobs.size());
  auto enc = sio::encode_message(*m);
  sio::Assembler a;
  auto r = a.on_text(enc.text);
  for (const auto& bin : enc.binaries) {
    RC_ASSERT(r.has_value());
    r = a.on_binary(bin);
  }
  RC_ASSERT(r.has_value());
  RC_ASSERT(r->has_value());
  auto ev = split_event(**r);
  RC_ASSERT(ev.has_value());
  RC_ASSERT(ev->name == "prop");
  auto again = build_event_message("/", "prop", ev->args_json_array, 3);
  RC_ASSERT(again.has_value());
  RC_ASSERT(again->packet.data == m->packet.data);
  RC_ASSERT(again->attachments == m->attachments);
}

// ---- connect_channel refusals that need no server
// ------------------------------------------------

TEST(ConnectChannel, InvalidUrlIsReportedWithReason) {
  auto c = connect_channel("gopher://h", ChannelOptions{});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChannelError::invalid_url);
  EXPECT_NE(c.error().detail.find("bad_scheme"), std::string::npos) << c.error().detail;
}

TEST(ConnectChannel, ContradictoryOptionsAreBadArguments) {
  ChannelOptions o;
  o.websocket_only = true;
  o.polling_only = true;
  auto c = connect_channel("http://127.0.0.1:1", o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChannelError::bad_argument);

  ChannelOptions t;
  t.connect_timeout = std::chrono::milliseconds(0);
  auto d = connect_channel("http://127.0.0.1:1", t);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ChannelError::bad_argument);

  ChannelOptions a;
  a.auth_json = "[1]";
  auto e = connect_channel("http://127.0.0.1:1", a);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ChannelError::bad_argument);
}

TEST(ConnectChannel, MissingCaFileIsATlsError) {
  ChannelOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto c = connect_channel("https://127.0.0.1:1", o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChannelError::tls_error);
  EXPECT_NE(c.error().detail.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(ConnectChannel, ErrorNamesAreStable) {
  EXPECT_EQ(channel_error_name(ChannelError::invalid_url), "invalid_url");
  EXPECT_EQ(channel_error_name(ChannelError::connect_failed), "connect_failed");
  EXPECT_EQ(channel_error_name(ChannelError::tls_error), "tls_error");
  EXPECT_EQ(channel_error_name(ChannelError::refused), "refused");
  EXPECT_EQ(channel_error_name(ChannelError::timeout), "timeout");
  EXPECT_EQ(channel_error_name(ChannelError::disconnected), "disconnected");
  EXPECT_EQ(channel_error_name(ChannelError::protocol_error), "protocol_error");
  EXPECT_EQ(channel_error_name(ChannelError::bad_argument), "bad_argument");
}

}  // namespace
}  // namespace unm::transport
