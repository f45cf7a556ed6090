// server_test.cc — server transport tests over loopback with a raw Beast HTTP/WebSocket client
// (transport.md TR-EIO-001..010, TR-SIO-001..005, §4), and the server flags.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "reference/transport/echo.h"

namespace unm::transport {
namespace {

TEST(ServerFlags, ParsesEveryFlag) {
  const std::vector<std::string_view> args = {"--ping-interval",
                                              "300",
                                              "--ping-timeout=200",
                                              "--max-payload",
                                              "1000000",
                                              "--connect-timeout",
                                              "1000",
                                              "--port",
                                              "3000",
                                              "--host",
                                              "0.0.0.0",
                                              "--cors-origin",
                                              "https://a",
                                              "--cors-origin=https://b",
                                              "--tls-cert",
                                              "c.pem",
                                              "--tls-key",
                                              "k.pem"};
  const auto o = parse_server_flags(args);
  ASSERT_TRUE(o.has_value()) << o.error();
  EXPECT_EQ(o->ping_interval.count(), 300);
  EXPECT_EQ(o->ping_timeout.count(), 200);
  EXPECT_EQ(o->max_payload, 1000000U);
  EXPECT_EQ(o->connect_timeout.count(), 1000);
  EXPECT_EQ(o->port, 3000);
  EXPECT_EQ(o->host, "0.0.0.0");
  EXPECT_EQ(o->cors_origins, (std::vector<std::string>{"https://a", "https://b"}));
  EXPECT_EQ(o->tls_cert_file, "c.pem");
  EXPECT_EQ(o->tls_key_file, "k.pem");
}

TEST(ServerFlags, DefaultsAreTheSpecifications) {
  const auto o = parse_server_flags({});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->ping_interval.count(), 25000);  // TR-EIO-005
  EXPECT_EQ(o->ping_timeout.count(), 20000);
  EXPECT_EQ(o->max_payload, 1000000U);           // TR-EIO-007
  EXPECT_EQ(o->connect_timeout.count(), 45000);  // TR-SIO-002
  EXPECT_EQ(o->path, "/socket.io/");
}

TEST(ServerFlags, RejectsBadInput) {
  const std::vector<std::vector<std::string_view>> bad = {
      {"--ping-interval"}, {"--ping-interval", "abc"}, {"--port", "70000"},
      {"--bogus"},         {"--max-payload", "-1"},    {"--ping-timeout", "0"}};
  for (const auto& args : bad) {
    EXPECT_FALSE(parse_server_flags(args).has_value()) << args[0];
  }
}

}  // namespace
}  // namespace unm::transport
