// wire_tap_test.cc — the Engine.IO layer: polling handshake and payloads, the upgrade to
// WebSocket, WebSocket-only sessions, binary attachments, malformed payloads.
#include "conformance/observe/wire_tap.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace unm::conformance::observe {
namespace {

using Clock = std::chrono::system_clock;

const std::string kOpen =
    R"(0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

std::size_t count(const Judge& j, Side side, std::string_view clause) {
  return std::count_if(j.findings().begin(), j.findings().end(),
                       [&](const Finding& f) { return f.side == side && f.clause == clause; });
}

TEST(WireTap, QueryParameters) {
  EXPECT_EQ(WireTap::query_param("/socket.io/?EIO=4&transport=polling&sid=x1&t=9", "sid"), "x1");
  EXPECT_EQ(WireTap::query_param("/socket.io/?EIO=4&transport=polling", "sid"), "");
  EXPECT_EQ(WireTap::query_param("/socket.io/", "sid"), "");
  EXPECT_EQ(WireTap::query_param("/?sid", "sid"), "");
}

TEST(WireTap, PollingThenUpgradeCarriesRequestsAndAcks) {
  Judge j;
  WireTap tap(j);
  const auto t = Clock::now();
  tap.on_poll_response("GET", "/socket.io/?EIO=4&transport=polling&t=1", 200, kOpen, t);
  EXPECT_EQ(j.stats().sessions, 1u);
  const std::string q = "/socket.io/?EIO=4&transport=polling&sid=abc";
  tap.on_poll_request("POST", q,
                      "40\x1e"
                      R"(421["username_exists",{"username":"x"}])",
                      t);
  tap.on_poll_response("GET", q, 200,
                       R"(40{"sid":"s"})"
                       "\x1e"
                       R"(431[{"success":true,"result":false}])",
                       t);
  EXPECT_EQ(j.stats().requests, 1u);
  EXPECT_EQ(j.stats().acks, 1u);
  // Upgrade: the probe, then "5"; the session continues on the WebSocket.
  const auto ws = tap.on_ws_open("/socket.io/?EIO=4&transport=websocket&sid=abc", t);
  tap.on_ws_message(ws, Direction::to_server, false, "2probe", t);
  tap.on_ws_message(ws, Direction::to_client, false, "3probe", t);
  tap.on_poll_response("GET", q, 200, "6", t);
  tap.on_ws_message(ws, Direction::to_server, false, "5", t);
  tap.on_ws_message(ws, Direction::to_server, false, R"(422["username_exists",{"username":"y"}])",
                    t);
  tap.on_ws_message(ws, Direction::to_client, false, R"(432[{"success":true,"result":true}])", t);
  EXPECT_EQ(j.stats().requests, 2u);
  EXPECT_EQ(j.stats().acks, 2u);
  EXPECT_TRUE(j.findings().empty());
  // A request left unanswered, then the WebSocket closes long after: the session ends and the
  // missing ack is the server's (EV-TRN-005).
  tap.on_ws_message(ws, Direction::to_server, false, R"(423["username_exists",{"username":"z"}])",
                    t);
  tap.on_ws_close(ws, t + std::chrono::seconds(30));
  EXPECT_EQ(count(j, Side::server, "EV-TRN-005"), 1u);
}

TEST(WireTap, WebSocketOnlySessionWithBinaryAttachment) {
  Judge j;
  WireTap tap(j);
  const auto t = Clock::now();
  const auto ws = tap.on_ws_open("/socket.io/?EIO=4&transport=websocket", t);
  tap.on_ws_message(
      ws, Direction::to_client, false,
      R"(0{"sid":"w1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
      t);
  tap.on_ws_message(ws, Direction::to_server, false, "40", t);
  tap.on_ws_message(ws, Direction::to_server, false,
                    R"(451-1["username_exists",{"_placeholder":true,"num":0}])", t);
  EXPECT_EQ(j.stats().requests, 0u);  // waiting for the attachment
  tap.on_ws_message(ws, Direction::to_server, true, std::string("\x01\x02", 2), t);
  EXPECT_EQ(j.stats().requests, 1u);
  EXPECT_EQ(count(j, Side::client, "EV-TRN-008"), 1u);  // no event takes binary data
}

TEST(WireTap, MalformedDataIsChargedToItsSender) {
  Judge j;
  WireTap tap(j);
  const auto t = Clock::now();
  tap.on_poll_response("GET", "/socket.io/?EIO=4&transport=polling", 200, kOpen, t);
  const std::string q = "/socket.io/?EIO=4&transport=polling&sid=abc";
  tap.on_poll_request("POST", q,
                      "4"
                      "2[\"x\""
                      "\x1e"
                      "9",
                      t);
  EXPECT_EQ(count(j, Side::client, "TR-EIO-004"), 1u);  // '9' is no Engine.IO type
  tap.on_poll_request("POST", q, "42[\"x\"", t);
  EXPECT_EQ(count(j, Side::client, "TR-SIO-003"), 1u);  // unterminated JSON
  tap.on_poll_response("GET", q, 200,
                       "4"
                       "3[",
                       t);
  EXPECT_EQ(count(j, Side::server, "TR-SIO-003"), 1u);
  // Unknown sessions (the server refuses them, TR-EIO-001) are not judged.
  tap.on_poll_request("POST", "/socket.io/?EIO=4&transport=polling&sid=zzz", "9", t);
  EXPECT_EQ(j.findings().size(), 3u);
}

// Hostile bytes in any direction, on polling or WebSocket, never crash the tap or the judge, and
// every finding names a clause and a session.
RC_GTEST_PROP(WireTapProperty, ArbitraryTrafficNeverCrashesAndFindingsAreComplete, ()) {
  Judge j;
  WireTap tap(j);
  const auto t = Clock::now();
  tap.on_poll_response("GET", "/socket.io/?EIO=4&transport=polling", 200, kOpen, t);
  const std::string q = "/socket.io/?EIO=4&transport=polling&sid=abc";
  const auto ws = tap.on_ws_open("/socket.io/?EIO=4&transport=websocket", t);
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::map(rc::gen::arbitrary<std::string>(), [](std::string s) { return "42" + s; }),
      rc::gen::element<std::string>(
          R"(421["send_message",{"id":1,"message":"00","signature":"11","schedule":0,"delete":0}])",
          R"(431[{"success":true,"result":true}])", R"(42["message_notification",{}])",
          R"(451-["get_dms",{"_placeholder":true,"num":0}])", "40", "2probe", "5", "1")));
  for (const std::string& p : pieces) {
    const int where = *rc::gen::inRange(0, 4);
    if (where == 0) tap.on_poll_request("POST", q, p, t);
    if (where == 1) tap.on_poll_response("GET", q, 200, p, t);
    if (where == 2) tap.on_ws_message(ws, Direction::to_server, *rc::gen::arbitrary<bool>(), p, t);
    if (where == 3) tap.on_ws_message(ws, Direction::to_client, false, p, t);
  }
  tap.on_ws_close(ws, t + std::chrono::seconds(10));
  j.finish(t + std::chrono::seconds(10));
  for (const Finding& f : j.findings()) {
    RC_ASSERT(!f.clause.empty());
    RC_ASSERT(!f.session.empty());
    RC_ASSERT(!f.message.empty());
  }
}

}  // namespace
}  // namespace unm::conformance::observe
