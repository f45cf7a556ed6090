// server_test.cc — server transport tests over loopback with a raw Beast HTTP/WebSocket client
// (transport.md TR-EIO-001..010, TR-SIO-001..005, §4), and the server flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <any>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "reference/transport/echo.h"
#include "reference/transport/eio_codec.h"
#include "reference/transport/socketio_server.h"
#include "reference/transport/tcp_cork.h"

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

// --- test harness -------------------------------------------------------------------------------

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// on_strand runs `f` on `ex` and waits (bounded) for its result.
template <class F>
auto on_strand(const asio::any_io_executor& ex, F f) -> decltype(f()) {
  using R = decltype(f());
  std::promise<R> p;
  auto fut = p.get_future();
  asio::post(ex, [&] {
    if constexpr (std::is_void_v<R>) {
      f();
      p.set_value();
    } else {
      p.set_value(f());
    }
  });
  if (fut.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "strand call timed out";
    std::abort();  // the promise is referenced by the queued handler: cannot continue safely
  }
  return fut.get();
}

// IoThread runs an io_context on its own thread; the destructor waits (bounded) for it to run
// out of work after the test shut its servers down, and stops it otherwise.
class IoThread {
 public:
  asio::io_context ioc{1};
  void start() {
    thread_ = std::thread([this] {
      ioc.run();
      done_ = true;
    });
  }
  // finish waits up to 5 s for run() to return by itself; true when it did.
  bool finish() {
    for (int i = 0; i < 500 && !done_; ++i) std::this_thread::sleep_for(10ms);
    const bool clean = done_;
    if (!clean) ioc.stop();
    if (thread_.joinable()) thread_.join();
    return clean;
  }
  ~IoThread() {
    if (thread_.joinable()) {
      ioc.stop();
      thread_.join();
    }
  }

 private:
  std::thread thread_;
  std::atomic<bool> done_{false};
};

struct Resp {
  int status = -1;  // -1: no answer (connection failed or timed out)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& k) const {
    const auto it = headers.find(k);
    return it == headers.end() ? std::string() : it->second;
  }
};

Resp request(std::uint16_t port, http::verb verb, const std::string& target, std::string body = {},
             const std::vector<std::pair<std::string, std::string>>& headers = {},
             std::chrono::milliseconds timeout = 5s) {
  asio::io_context ioc;
  beast::tcp_stream s(ioc);
  beast::flat_buffer buf;
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  http::response<http::string_body> res;
  Resp out;
  s.expires_after(timeout);
  s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                  [&](beast::error_code ec) {
                    if (ec) return;
                    http::async_write(s, req, [&](beast::error_code ec2, std::size_t) {
                      if (ec2) return;
                      http::async_read(s, buf, res, [&](beast::error_code ec3, std::size_t) {
                        if (ec3) return;
                        out.status = static_cast<int>(res.result_int());
                        out.body = res.body();
                        for (const auto& f : res) {
                          std::string name(f.name_string());
                          std::transform(name.begin(), name.end(), name.begin(), ::tolower);
                          out.headers[name] = std::string(f.value());
                        }
                      });
                    });
                  });
  ioc.run();
  return out;
}

std::string eio_query(const std::string& path, const std::string& sid = {}) {
  return path + "?EIO=4&transport=polling&t=abc" + (sid.empty() ? "" : "&sid=" + sid);
}

// handshake_sid opens a polling session and returns its sid (empty on failure).
std::string handshake_sid(std::uint16_t port, const std::string& path,
                          eio::Handshake* out = nullptr) {
  const Resp r = request(port, http::verb::get, eio_query(path));
  if (r.status != 200 || r.body.empty() || r.body[0] != '0') return {};
  const auto h = eio::decode_handshake(std::string_view(r.body).substr(1));
  if (!h) return {};
  if (out != nullptr) *out = *h;
  return h->sid;
}

// WsClient — a raw Beast WebSocket client with bounded waits.
class WsClient {
 public:
  bool connect(std::uint16_t port, const std::string& target) {
    bool ok = false;
    beast::get_lowest_layer(ws_).expires_after(5s);
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
          if (ec) return;
          ws_.async_handshake("127.0.0.1", target, [&](beast::error_code ec2) { ok = !ec2; });
        });
    ioc_.run();
    ioc_.restart();
    beast::get_lowest_layer(ws_).expires_never();
    return ok;
  }

  bool send(const std::string& data, bool binary = false) {
    bool ok = false;
    ws_.binary(binary);
    ws_.async_write(asio::buffer(data), [&](beast::error_code ec, std::size_t) { ok = !ec; });
    run_bounded(5s);
    return ok;
  }

  // read returns the next frame (text or binary), nullopt on close, error or timeout.
  std::optional<std::pair<std::string, bool>> read(std::chrono::milliseconds timeout = 5s) {
    if (dead_) return std::nullopt;
    bool done = false;
    beast::error_code err;
    ws_.async_read(buf_, [&](beast::error_code ec, std::size_t) {
      done = true;
      err = ec;
    });
    if (!run_bounded(timeout) || !done || err) {
      dead_ = true;
      closed_by_peer_ = done && err == websocket::error::closed;
      return std::nullopt;
    }
    std::pair<std::string, bool> out{beast::buffers_to_string(buf_.data()), !ws_.got_text()};
    buf_.consume(buf_.size());
    return out;
  }

  // closed_by_peer is true once read() has ended because the server closed the WebSocket with
  // a close frame (not because of a timeout or a broken connection).
  bool closed_by_peer() const { return closed_by_peer_; }

  // next returns the next text frame that is not an Engine.IO ping (pings are answered "3").
  std::optional<std::string> next(std::chrono::milliseconds timeout = 5s) {
    while (true) {
      auto f = read(timeout);
      if (!f) return std::nullopt;
      if (!f->second && f->first == "2") {
        send("3");
        continue;
      }
      return f->first;
    }
  }

  // closed_within reads until the server closes the connection (true) or `timeout` (false).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool done = false;
      beast::error_code err;
      ws_.async_read(buf_, [&](beast::error_code ec, std::size_t) {
        done = true;
        err = ec;
      });
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!run_bounded(std::max(left, 1ms)) || !done) return false;
      if (err) return true;
      buf_.consume(buf_.size());
    }
    return false;
  }

 private:
  // run_bounded runs the client's io_context until the pending operation completes or
  // `timeout` passes (then the socket is closed so that the operation ends).
  bool run_bounded(std::chrono::milliseconds timeout) {
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!ioc_.stopped()) {
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().close(ec);
      ioc_.restart();
      ioc_.run_for(1s);
      return false;
    }
    return true;
  }

  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_{ioc_};
  beast::flat_buffer buf_;
  bool dead_ = false;
  bool closed_by_peer_ = false;
};

// sio_open connects a WebSocket-only Socket.IO client and CONNECTs to `nsp` (with optional
// auth JSON); returns the CONNECT answer packet (without the Engine.IO "4").
std::string sio_open(WsClient& ws, std::uint16_t port, const std::string& nsp = "/",
                     const std::string& auth = {}) {
  if (!ws.connect(port, "/socket.io/?EIO=4&transport=websocket")) return "no websocket";
  const auto open = ws.next();
  if (!open || open->empty() || (*open)[0] != '0') return "no open packet";
  ws.send("40" + (nsp == "/" ? std::string() : nsp + ",") + auth);
  const auto answer = ws.next();
  if (!answer || answer->size() < 2 || (*answer)[0] != '4') return "no connect answer";
  return answer->substr(1);
}

// EchoFixture — the compliance echo server on a free port.
class EchoFixture : public ::testing::Test {
 protected:
  void start(ServerOptions o = {}, std::chrono::milliseconds auth_pause = kEchoAuthPause) {
    o.port = 0;
    server_ = std::make_unique<EchoServer>(io_.ioc, o, auth_pause);
    const auto p = server_->listen();
    ASSERT_TRUE(p.has_value()) << p.error();
    port_ = *p;
    io_.start();
  }
  void TearDown() override {
    if (server_) {
      on_strand(server_->executor(), [&] { server_->shutdown(); });
      EXPECT_TRUE(io_.finish()) << "the io_context did not run out of work after shutdown";
    }
  }
  IoThread io_;
  std::unique_ptr<EchoServer> server_;
  std::uint16_t port_ = 0;
};

// --- Engine.IO over polling ---------------------------------------------------------------------

TEST_F(EchoFixture, PollingHandshakeGivesOpenPacket) {
  ServerOptions o;
  o.ping_interval = 300ms;
  o.ping_timeout = 200ms;
  start(o);
  const Resp r = request(port_, http::verb::get, eio_query("/engine.io/"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=UTF-8");
  ASSERT_FALSE(r.body.empty());
  ASSERT_EQ(r.body[0], '0');  // TR-EIO-002
  const auto h = eio::decode_handshake(std::string_view(r.body).substr(1));
  ASSERT_TRUE(h.has_value()) << r.body;
  EXPECT_EQ(h->upgrades, std::vector<std::string>{"websocket"});
  EXPECT_EQ(h->ping_interval_ms, 300U);
  EXPECT_EQ(h->ping_timeout_ms, 200U);
  EXPECT_EQ(h->max_payload, 1000000U);
  EXPECT_GE(h->sid.size(), 16U);
  EXPECT_NE(handshake_sid(port_, "/engine.io/"), h->sid);  // every session has its own sid
}

TEST_F(EchoFixture, BadRequestsGetTheSpecifiedErrorCodes) {
  start();
  // TR-EIO-001: 400 with {"code":N,"message":…}.
  auto r = request(port_, http::verb::get, "/engine.io/?EIO=3&transport=polling");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":5,"message":"Unsupported protocol version"})");
  r = request(port_, http::verb::get, "/engine.io/?transport=polling");
  EXPECT_EQ(r.body, R"({"code":5,"message":"Unsupported protocol version"})");
  r = request(port_, http::verb::get, "/engine.io/?EIO=4&transport=carrier-pigeon");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":0,"message":"Transport unknown"})");
  r = request(port_, http::verb::get, eio_query("/engine.io/", "nope"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":1,"message":"Session ID unknown"})");
  // TR-EIO-010: only GET opens a session.
  r = request(port_, http::verb::post, eio_query("/engine.io/"), "4x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":2,"message":"Bad handshake method"})");
  r = request(port_, http::verb::put, eio_query("/engine.io/"));
  EXPECT_EQ(r.body, R"({"code":2,"message":"Bad handshake method"})");
  // A plain GET with transport=websocket but no upgrade is a bad request.
  r = request(port_, http::verb::get, "/engine.io/?EIO=4&transport=websocket");
  EXPECT_EQ(r.body, R"({"code":3,"message":"Bad request"})");
  r = request(port_, http::verb::get, "/elsewhere/?EIO=4&transport=polling");
  EXPECT_EQ(r.status, 404);
}

TEST_F(EchoFixture, PollingEchoesTextAndBinaryInPayloads) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  ASSERT_FALSE(sid.empty());
  // TR-EIO-004: 0x1E-separated packets, binary as "b"+base64, POST answered "ok".
  auto r = request(port_, http::verb::post, eio_query("/engine.io/", sid),
                   "4hello\x1e"
                   "bAQIDBA==\x1e"
                   "4\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  r = request(port_, http::verb::get, eio_query("/engine.io/", sid));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "4hello\x1e"
            "bAQIDBA==\x1e"
            "4\xc3\xa9t\xc3\xa9");
}

TEST_F(EchoFixture, GetWaitsForPackets) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  auto pending = std::async(std::launch::async, [&] {
    return request(port_, http::verb::get, eio_query("/engine.io/", sid));
  });
  EXPECT_EQ(pending.wait_for(200ms), std::future_status::timeout);  // nothing queued yet
  EXPECT_EQ(request(port_, http::verb::post, eio_query("/engine.io/", sid), "4late").body, "ok");
  const Resp r = pending.get();
  EXPECT_EQ(r.body, "4late");
}

TEST_F(EchoFixture, TwoConcurrentGetsCloseTheSession) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  auto first = std::async(std::launch::async, [&] {
    return request(port_, http::verb::get, eio_query("/engine.io/", sid));
  });
  // Make sure the first GET is parked at the server before the second one arrives.
  ASSERT_EQ(first.wait_for(300ms), std::future_status::timeout);
  const Resp second = request(port_, http::verb::get, eio_query("/engine.io/", sid));
  EXPECT_EQ(second.status, 400);  // TR-EIO-010
  EXPECT_EQ(first.get().body, "1");
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).body,
            R"({"code":1,"message":"Session ID unknown"})");
}

TEST_F(EchoFixture, InvalidPostBodyClosesTheSession) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  EXPECT_EQ(request(port_, http::verb::post, eio_query("/engine.io/", sid), "abc").status, 400);
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).status, 400);
}

TEST_F(EchoFixture, ClosePacketReleasesWaitingGetWithNoop) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  auto pending = std::async(std::launch::async, [&] {
    return request(port_, http::verb::get, eio_query("/engine.io/", sid));
  });
  ASSERT_EQ(pending.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(request(port_, http::verb::post, eio_query("/engine.io/", sid), "1").body, "ok");
  EXPECT_EQ(pending.get().body, "6");  // TR-EIO-010
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).status, 400);
}

TEST_F(EchoFixture, OversizePostIs413AndClosesTheSession) {
  ServerOptions o;
  o.max_payload = 1000;
  start(o);
  const std::string sid = handshake_sid(port_, "/engine.io/");
  const Resp r =
      request(port_, http::verb::post, eio_query("/engine.io/", sid), "4" + std::string(2000, 'x'));
  EXPECT_EQ(r.status, 413);  // TR-EIO-007
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).status, 400);
  // At the limit is fine.
  const std::string sid2 = handshake_sid(port_, "/engine.io/");
  EXPECT_EQ(
      request(port_, http::verb::post, eio_query("/engine.io/", sid2), "4" + std::string(999, 'x'))
          .body,
      "ok");
}

TEST_F(EchoFixture, UnreadOutputIsBounded) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  // The client posts but never polls: the echoes pile up until the server drops the session
  // (max_queued_bytes: 16 MiB here) instead of buffering without bound.
  const std::string big = "4" + std::string(999'999, 'x');
  int accepted = 0;
  for (int i = 0; i < 40; ++i) {
    if (request(port_, http::verb::post, eio_query("/engine.io/", sid), big).status != 200) break;
    ++accepted;
  }
  EXPECT_GE(accepted, 16);
  EXPECT_LT(accepted, 40);
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).status, 400);
}

TEST_F(EchoFixture, HeartbeatPingsAndTimesOutSilentClients) {
  ServerOptions o;
  o.ping_interval = 150ms;
  o.ping_timeout = 150ms;
  start(o);
  const std::string sid = handshake_sid(port_, "/engine.io/");
  // TR-EIO-005: a ping arrives within pingInterval; answered, the session lives on.
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).body, "2");
  EXPECT_EQ(request(port_, http::verb::post, eio_query("/engine.io/", sid), "3").body, "ok");
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).body, "2");
  // Not answered: the waiting GET gets the close packet and the session is gone.
  const Resp last = request(port_, http::verb::get, eio_query("/engine.io/", sid));
  EXPECT_EQ(last.body, "1");
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).status, 400);
}

TEST_F(EchoFixture, CorsPreflightAndHeaders) {
  ServerOptions o;
  o.cors_origins = {"https://good.example"};
  start(o);
  Resp r = request(port_, http::verb::options, eio_query("/engine.io/"), {},
                   {{"Origin", "https://good.example"}, {"Access-Control-Request-Headers", "x-a"}});
  EXPECT_EQ(r.status, 204);  // TR-EIO-009
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://good.example");
  EXPECT_EQ(r.header("access-control-allow-credentials"), "true");
  EXPECT_NE(r.header("access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_EQ(r.header("access-control-allow-headers"), "x-a");
  r = request(port_, http::verb::get, eio_query("/engine.io/"), {},
              {{"Origin", "https://good.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://good.example");
  r = request(port_, http::verb::get, eio_query("/engine.io/"), {},
              {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"code":4,"message":"Forbidden"})");
  EXPECT_EQ(r.header("access-control-allow-origin"), "");
  r = request(port_, http::verb::options, eio_query("/engine.io/"), {},
              {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 403);
}

// --- Engine.IO over WebSocket and the upgrade -----------------------------------------------

TEST_F(EchoFixture, WebSocketEchoesTextAndBinary) {
  start();
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/engine.io/?EIO=4&transport=websocket"));
  const auto open = ws.next();
  ASSERT_TRUE(open.has_value());
  const auto h = eio::decode_handshake(std::string_view(*open).substr(1));
  ASSERT_TRUE(h.has_value()) << *open;
  EXPECT_TRUE(h->upgrades.empty());  // TR-EIO-002: no upgrade from WebSocket
  ws.send("4hello");
  EXPECT_EQ(ws.next(), std::optional<std::string>("4hello"));
  ws.send(std::string("\x01\x02\x00\x03", 4), true);
  const auto b = ws.read();
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->second);  // binary stays binary, no type prefix
  EXPECT_EQ(b->first, std::string("\x01\x02\x00\x03", 4));
}

TEST_F(EchoFixture, WebSocketWithBadEioIsRefused) {
  start();
  WsClient ws;
  EXPECT_FALSE(ws.connect(port_, "/engine.io/?EIO=3&transport=websocket"));
}

TEST_F(EchoFixture, OversizeWebSocketMessageClosesTheSession) {
  ServerOptions o;
  o.max_payload = 100;
  start(o);
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/engine.io/?EIO=4&transport=websocket"));
  ASSERT_TRUE(ws.next().has_value());
  ws.send("4" + std::string(500, 'x'));
  EXPECT_TRUE(ws.closed_within(3s));  // TR-EIO-007
}

TEST_F(EchoFixture, UpgradeProbeDance) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  ASSERT_FALSE(sid.empty());
  auto pending = std::async(std::launch::async, [&] {
    return request(port_, http::verb::get, eio_query("/engine.io/", sid));
  });
  ASSERT_EQ(pending.wait_for(200ms), std::future_status::timeout);
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/engine.io/?EIO=4&transport=websocket&sid=" + sid));
  // TR-EIO-006: 2probe → 3probe, the waiting GET is released with a noop, then 5.
  ws.send("2probe");
  EXPECT_EQ(ws.next(), std::optional<std::string>("3probe"));
  EXPECT_EQ(pending.get().body, "6");
  ws.send("5");
  ws.send("4over websocket");
  EXPECT_EQ(ws.next(), std::optional<std::string>("4over websocket"));
  // Polling for that sid is refused from now on (a second WebSocket: the next test).
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/engine.io/", sid)).status, 400);
  ws.send("4still here");
  EXPECT_EQ(ws.next(), std::optional<std::string>("4still here"));
}

// TR-EIO-006: a second WebSocket for a session that has upgraded, or is upgrading, is refused
// the way engine.io refuses it: its handshake completes (101) and the server closes it at once
// with a close frame, sending it nothing; the session's own WebSocket carries on.
TEST_F(EchoFixture, SecondWebSocketForTheSessionIsAcceptedThenClosed) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  ASSERT_FALSE(sid.empty());
  const std::string target = "/engine.io/?EIO=4&transport=websocket&sid=" + sid;
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, target));

  // While the upgrade is pending (probe answered, no "5" yet).
  ws.send("2probe");
  ASSERT_EQ(ws.next(), std::optional<std::string>("3probe"));
  WsClient during;
  ASSERT_TRUE(during.connect(port_, target)) << "the handshake must complete (101)";
  EXPECT_EQ(during.read(3s), std::nullopt);
  EXPECT_TRUE(during.closed_by_peer()) << "closed with a close frame, nothing sent before it";

  // After the upgrade.
  ws.send("5");
  ws.send("4one");
  EXPECT_EQ(ws.next(), std::optional<std::string>("4one"));
  WsClient after;
  ASSERT_TRUE(after.connect(port_, target)) << "the handshake must complete (101)";
  EXPECT_EQ(after.read(3s), std::nullopt);
  EXPECT_TRUE(after.closed_by_peer()) << "closed with a close frame, nothing sent before it";

  ws.send("4still here");
  EXPECT_EQ(ws.next(), std::optional<std::string>("4still here"));
  // An unknown sid is still an HTTP refusal (TR-EIO-001, code 1).
  WsClient unknown;
  EXPECT_FALSE(unknown.connect(port_, "/engine.io/?EIO=4&transport=websocket&sid=nope"));
}

TEST_F(EchoFixture, UpgradePacketsMayArriveBackToBack) {
  start();
  const std::string sid = handshake_sid(port_, "/engine.io/");
  // Packets posted before the upgrade are delivered over the WebSocket after it.
  EXPECT_EQ(request(port_, http::verb::post, eio_query("/engine.io/", sid), "4queued").body, "ok");
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/engine.io/?EIO=4&transport=websocket&sid=" + sid));
  ws.send("2probe");
  ws.send("5");  // TR-EIO-010: back to back, processed in order
  EXPECT_EQ(ws.next(), std::optional<std::string>("3probe"));
  EXPECT_EQ(ws.next(), std::optional<std::string>("4queued"));
}

TEST_F(EchoFixture, WebSocketHeartbeatTimesOutSilentClient) {
  ServerOptions o;
  o.ping_interval = 100ms;
  o.ping_timeout = 100ms;
  start(o);
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/engine.io/?EIO=4&transport=websocket"));
  ASSERT_TRUE(ws.read().has_value());  // open
  const auto ping = ws.read();
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->first, "2");
  // Not answering: the server sends "1" and closes.
  const auto close = ws.read();
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->first, "1");
  EXPECT_TRUE(ws.closed_within(3s));
}

// --- Socket.IO ---------------------------------------------------------------------------------

TEST_F(EchoFixture, SocketIoNamespacesAndAuth) {
  start();
  WsClient a;
  const std::string answer = sio_open(a, port_);
  ASSERT_EQ(answer.rfind("0{\"sid\":\"", 0), 0U) << answer;             // TR-SIO-002
  EXPECT_EQ(a.next(), std::optional<std::string>(R"(42["auth",{}])"));  // transport.md §4

  WsClient b;
  const std::string custom = sio_open(b, port_, "/custom", R"({"token":"abc"})");
  EXPECT_EQ(custom.rfind("0/custom,{\"sid\":\"", 0), 0U) << custom;
  EXPECT_EQ(b.next(), std::optional<std::string>(R"(42/custom,["auth",{"token":"abc"}])"));

  WsClient c;
  EXPECT_EQ(sio_open(c, port_, "/random"), R"(4/random,{"message":"Invalid namespace"})");
}

// The echo app's "auth" leaves in a write of its own, a pause after the CONNECT answer, so a
// client that reads one message at a time sees them in separate reads (docs/transport.md, "Echo
// mode"). With a long pause this is observable without racing: the CONNECT answer arrives well
// before the pause is over, and "auth" not before it.
TEST_F(EchoFixture, SocketIoEchoSendsAuthInAWriteOfItsOwnAfterThePause) {
  constexpr auto kPause = 1500ms;
  start({}, kPause);
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/socket.io/?EIO=4&transport=websocket"));
  ASSERT_TRUE(ws.next().has_value());  // Engine.IO open
  const auto sent = std::chrono::steady_clock::now();
  ws.send(R"(40{"token":"123"})");
  const auto answer = ws.next();
  const auto answer_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->rfind("40{\"sid\":\"", 0), 0U) << *answer;  // TR-SIO-002
  EXPECT_LT(answer_at - sent, kPause) << "the CONNECT answer must not wait for the pause";
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42["auth",{"token":"123"}])"));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, kPause) << "auth came with the answer";
}

// A client that sends before the pause is over gets "auth" at once, ahead of the answer: it is
// always the first message after the CONNECT answer (transport.md §4), per namespace; a socket
// that leaves during its pause is not greeted, and one that comes back is greeted once.
TEST_F(EchoFixture, SocketIoEchoSendsAuthFirstWhenTheClientSpeaksDuringThePause) {
  start({}, 30s);  // far longer than the test: only the client's events can release "auth"
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/socket.io/?EIO=4&transport=websocket"));
  ASSERT_TRUE(ws.next().has_value());
  ws.send("40");
  ws.send(R"(42["message","x"])");
  const auto answer = ws.next();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->rfind("40{", 0), 0U) << *answer;
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42["auth",{}])"));
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42["message-back","x"])"));

  ws.send("40/custom,");
  ws.send("41/custom,");  // leaves before its "auth" was due
  ws.send(R"(40/custom,{"n":2})");
  ws.send(R"(42/custom,17["message-with-ack","y"])");
  const auto first = ws.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->rfind("40/custom,{", 0), 0U) << *first;
  const auto second = ws.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->rfind("40/custom,{", 0), 0U) << *second;
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42/custom,["auth",{"n":2}])"));
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(43/custom,17["y"])"));
}

TEST_F(EchoFixture, SocketIoEventsAcksAndBinary) {
  start();
  WsClient ws;
  ASSERT_EQ(sio_open(ws, port_).rfind("0{", 0), 0U);
  ASSERT_TRUE(ws.next().has_value());  // auth
  ws.send(R"(42["message",1,"2",{"3":[true]}])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42["message-back",1,"2",{"3":[true]}])"));
  ws.send(R"(4217["message-with-ack",1,"2",{"3":[false]}])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(4317[1,"2",{"3":[false]}])"));
  // TR-SIO-004: binary attachments.
  ws.send(R"(451-["message",{"_placeholder":true,"num":0}])");
  ws.send(std::string("\x01\x02\x03", 3), true);
  EXPECT_EQ(ws.next(),
            std::optional<std::string>(R"(451-["message-back",{"_placeholder":true,"num":0}])"));
  auto bin = ws.read();
  ASSERT_TRUE(bin.has_value());
  EXPECT_TRUE(bin->second);
  EXPECT_EQ(bin->first, std::string("\x01\x02\x03", 3));
  ws.send(R"(451-3["message-with-ack",{"_placeholder":true,"num":0}])");
  ws.send(std::string("\xff", 1), true);
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(461-3[{"_placeholder":true,"num":0}])"));
  bin = ws.read();
  ASSERT_TRUE(bin.has_value());
  EXPECT_EQ(bin->first, std::string("\xff", 1));
}

TEST_F(EchoFixture, SocketIoOverPollingAnswersConnectThenAuth) {
  start();
  const std::string sid = handshake_sid(port_, "/socket.io/");
  ASSERT_FALSE(sid.empty());
  EXPECT_EQ(request(port_, http::verb::post, eio_query("/socket.io/", sid), "40").body, "ok");
  std::string got;
  for (int i = 0; i < 3 && got.find("auth") == std::string::npos; ++i) {
    const Resp r = request(port_, http::verb::get, eio_query("/socket.io/", sid));
    ASSERT_EQ(r.status, 200);
    got += r.body + "|";
  }
  EXPECT_EQ(got.rfind("40{\"sid\":\"", 0), 0U) << got;
  EXPECT_NE(got.find(R"(42["auth",{}])"), std::string::npos) << got;
}

TEST_F(EchoFixture, SocketIoConnectTimeoutClosesTheConnection) {
  ServerOptions o;
  o.connect_timeout = 200ms;
  start(o);
  const std::string sid = handshake_sid(port_, "/socket.io/");
  // TR-SIO-002: no CONNECT → the waiting GET gets the close packet.
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/socket.io/", sid)).body, "1");
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/socket.io/", sid)).status, 400);
  WsClient ws;
  ASSERT_TRUE(ws.connect(port_, "/socket.io/?EIO=4&transport=websocket"));
  ASSERT_TRUE(ws.next().has_value());
  EXPECT_EQ(ws.next(), std::optional<std::string>("1"));
  EXPECT_TRUE(ws.closed_within(3s));
}

TEST_F(EchoFixture, MalformedSocketIoPacketsCloseTheConnection) {
  start();
  for (const std::string bad :
       {R"(42["message")", "4x", "43[1]", R"(452-["a",{"_placeholder":true,"num":5}])",
        R"(4218446744073709551616["message"])", "44{}"}) {
    WsClient ws;
    ASSERT_EQ(sio_open(ws, port_).rfind("0{", 0), 0U);
    ASSERT_TRUE(ws.next().has_value());  // auth
    ws.send(bad);
    EXPECT_TRUE(ws.closed_within(3s)) << bad;  // TR-SIO-003
  }
}

TEST_F(EchoFixture, SocketIoDisconnectLeavesTheEngineSessionOpen) {
  start();
  WsClient ws;
  ASSERT_EQ(sio_open(ws, port_).rfind("0{", 0), 0U);
  ASSERT_TRUE(ws.next().has_value());
  ws.send("41");  // no answer (transport.md §4)
  ws.send("40/custom,");
  const auto a = ws.next();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->rfind("40/custom,{\"sid\"", 0), 0U) << *a;
  // Events to the namespace that was left are ignored; /custom still answers.
  ws.send(R"(42["message","ignored"])");
  ws.send(R"(42/custom,["message","x"])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42/custom,["auth",{}])"));
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42/custom,["message-back","x"])"));
}

// --- the application API: rooms, acks from the server, session data, refusal -----------------

// RoomApp — a test application exercising the SocketIoServer API through events.
class RoomApp : public SocketIoApp {
 public:
  SocketIoServer* server = nullptr;
  std::vector<std::string> disconnects;  // "nsp reason", touched only on the strand

  ConnectDecision on_connect(ConnectionId conn, const std::string& nsp,
                             const rapidjson::Value& auth) override {
    if (auth.IsObject() && auth.HasMember("refuse")) return ConnectDecision::refuse("not \"you\"");
    std::string name = "anonymous";
    if (auth.IsObject() && auth.HasMember("name") && auth["name"].IsString())
      name = auth["name"].GetString();
    *server->session_data(conn, nsp) = name;
    return ConnectDecision::allow();
  }

  void on_event(ConnectionId conn, const std::string& nsp, const std::string& event,
                rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                std::vector<std::string>) override {
    rapidjson::Document out(rapidjson::kArrayType);
    auto& al = out.GetAllocator();
    const auto arg_string = [&](rapidjson::SizeType i) {
      return args.Size() > i && args[i].IsString() ? std::string(args[i].GetString())
                                                   : std::string();
    };
    if (event == "join") {
      out.PushBack(server->join(conn, nsp, arg_string(0)), al);
    } else if (event == "leave") {
      server->leave(conn, nsp, arg_string(0));
      out.PushBack(static_cast<std::uint64_t>(server->room_size(nsp, arg_string(0))), al);
    } else if (event == "shout") {
      rapidjson::Document msg(rapidjson::kArrayType);
      msg.PushBack(rapidjson::Value(arg_string(1).c_str(), msg.GetAllocator()), msg.GetAllocator());
      out.PushBack(static_cast<std::uint64_t>(
                       server->emit_to_room(nsp, arg_string(0), "shouted", msg, conn)),
                   al);
    } else if (event == "everyone") {
      rapidjson::Document msg(rapidjson::kArrayType);
      msg.PushBack(rapidjson::Value(arg_string(0).c_str(), msg.GetAllocator()), msg.GetAllocator());
      out.PushBack(static_cast<std::uint64_t>(server->broadcast(nsp, "heard", msg)), al);
    } else if (event == "whoami") {
      const auto* name = std::any_cast<std::string>(server->session_data(conn, nsp));
      out.PushBack(rapidjson::Value(name != nullptr ? name->c_str() : "?", al), al);
    } else if (event == "ask") {
      // A server→client event with an ack and a timeout; the outcome is reported back.
      rapidjson::Document q(rapidjson::kArrayType);
      q.PushBack("question?", q.GetAllocator());
      const auto timeout =
          std::chrono::milliseconds(args.Size() > 0 && args[0].IsUint() ? args[0].GetUint() : 1000);
      server->emit_with_ack(
          conn, nsp, "question", q, timeout, [this, conn, nsp](Expected<AckReply, AckError> r) {
            if (r) {
              server->emit_json(conn, nsp, "answered", sio::to_json(r->args));
            } else {
              server->emit_json(conn, nsp, "not-answered",
                                "[\"" + std::string(ack_error_name(r.error())) + "\"]");
            }
          });
      return;
    } else if (event == "burst") {
      // burst N: N events emitted from this one handler (frame i carries i and a payload of
      // (i * 997) % 70000 bytes, so some frames are larger than a TCP segment), then the ack.
      const unsigned n = args.Size() > 0 && args[0].IsUint() ? args[0].GetUint() : 0;
      for (unsigned i = 0; i < n; ++i) {
        server->emit_json(
            conn, nsp, "part",
            "[" + std::to_string(i) + ",\"" + std::string((i * 997U) % 70000U, 'x') + "\"]");
      }
      out.PushBack(n, al);
    } else if (event == "kick") {
      server->disconnect_socket(conn, nsp);
      return;
    } else if (event == "close-me") {
      server->close(conn);
      return;
    }
    if (ack_id) server->ack(conn, nsp, *ack_id, out);
  }

  void on_disconnect(ConnectionId, const std::string& nsp, std::string_view reason) override {
    disconnects.push_back(nsp + " " + std::string(reason));
  }
};

class AppFixture : public ::testing::Test {
 protected:
  void start(ServerOptions o = {}) {
    o.port = 0;
    server_ = std::make_unique<SocketIoServer>(io_.ioc, o);
    app_.server = server_.get();
    server_->add_namespace("/", app_);
    server_->add_namespace("/chat", app_);
    const auto p = server_->listen();
    ASSERT_TRUE(p.has_value()) << p.error();
    port_ = *p;
    io_.start();
  }
  void stop() {
    if (!server_) return;
    on_strand(server_->executor(), [&] { server_->shutdown(); });
    EXPECT_TRUE(io_.finish()) << "the io_context did not run out of work after shutdown";
    stopped_ = true;
  }
  void TearDown() override {
    if (!stopped_) stop();
  }
  std::vector<std::string> disconnects() {
    return on_strand(server_->executor(), [&] { return app_.disconnects; });
  }
  IoThread io_;
  RoomApp app_;
  std::unique_ptr<SocketIoServer> server_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

TEST_F(AppFixture, RoomsReachMembersExceptTheSender) {
  start();
  WsClient a, b, c;
  for (WsClient* w : {&a, &b, &c}) ASSERT_EQ(sio_open(*w, port_).rfind("0{", 0), 0U);
  a.send(R"(421["join","r"])");
  EXPECT_EQ(a.next(), std::optional<std::string>("431[true]"));
  b.send(R"(421["join","r"])");
  EXPECT_EQ(b.next(), std::optional<std::string>("431[true]"));
  a.send(R"(422["shout","r","hi"])");
  EXPECT_EQ(a.next(), std::optional<std::string>("432[1]"));  // b only: the sender is excluded
  EXPECT_EQ(b.next(), std::optional<std::string>(R"(42["shouted","hi"])"));
  // c is not in the room: the next thing c sees is the broadcast to everyone.
  c.send(R"(423["everyone","all"])");
  EXPECT_EQ(c.next(), std::optional<std::string>(R"(42["heard","all"])"));
  EXPECT_EQ(c.next(), std::optional<std::string>("433[3]"));
  EXPECT_EQ(a.next(), std::optional<std::string>(R"(42["heard","all"])"));
  EXPECT_EQ(b.next(), std::optional<std::string>(R"(42["heard","all"])"));
  b.send(R"(424["leave","r"])");
  EXPECT_EQ(b.next(), std::optional<std::string>("434[1]"));
  b.send(R"(425["shout","r","nobody"])");
  EXPECT_EQ(b.next(), std::optional<std::string>("435[1]"));  // a hears it, b is out
  EXPECT_EQ(a.next(), std::optional<std::string>(R"(42["shouted","nobody"])"));
}

TEST_F(AppFixture, RoomsArePerNamespaceAndForgetDisconnectedSockets) {
  start();
  WsClient a, b;
  ASSERT_EQ(sio_open(a, port_, "/chat").rfind("0/chat,{", 0), 0U);
  ASSERT_EQ(sio_open(b, port_).rfind("0{", 0), 0U);
  a.send(R"(42/chat,1["join","r"])");
  EXPECT_EQ(a.next(), std::optional<std::string>("43/chat,1[true]"));
  b.send(R"(421["join","r"])");
  EXPECT_EQ(b.next(), std::optional<std::string>("431[true]"));
  b.send(R"(422["shout","r","x"])");
  EXPECT_EQ(b.next(), std::optional<std::string>("432[0]"));  // "/chat" room r is another room
  EXPECT_EQ(on_strand(server_->executor(), [&] { return server_->room_size("/chat", "r"); }), 1U);
  a.send("41/chat,");
  // Packets of one connection are handled in order: once "/" answers, "/chat" has been left.
  a.send("40");
  const auto answer = a.next();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->rfind("40{", 0), 0U) << *answer;
  EXPECT_EQ(on_strand(server_->executor(), [&] { return server_->room_size("/chat", "r"); }), 0U);
  EXPECT_EQ(on_strand(server_->executor(), [&] { return server_->room_size("/", "r"); }), 1U);
}

TEST_F(AppFixture, ServerToClientAcksAndTimeouts) {
  start();
  WsClient ws;
  ASSERT_EQ(sio_open(ws, port_).rfind("0{", 0), 0U);
  ws.send(R"(42["ask",2000])");
  const auto q = ws.next();
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q, R"(420["question","question?"])");  // ack id 0
  ws.send(R"(430["yes",{"n":1}])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42["answered","yes",{"n":1}])"));
  ws.send(R"(42["ask",100])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(421["question","question?"])"));
  // No answer: the callback reports a timeout; a late ACK is ignored.
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(42["not-answered","timeout"])"));
  ws.send(R"(431["late"])");
  ws.send(R"(42["whoami"])");  // no ack id: no answer either
  ws.send(R"(427["whoami"])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(437["anonymous"])"));
}

#ifdef TCP_CORK
// set_tcp_cork sets and clears TCP_CORK (read back with getsockopt) and ignores a closed socket.
TEST(TcpCork, SetsAndClearsTheOptionAndIgnoresAClosedSocket) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket socket(ioc);
  socket.connect(acceptor.local_endpoint());
  const auto corked = [&] {
    int value = -1;
    socklen_t len = sizeof value;
    EXPECT_EQ(::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CORK, &value, &len), 0);
    return value;
  };
  EXPECT_EQ(corked(), 0);
  set_tcp_cork(socket, true);
  EXPECT_EQ(corked(), 1);
  set_tcp_cork(socket, false);
  EXPECT_EQ(corked(), 0);
  socket.close();
  set_tcp_cork(socket, true);  // no effect, no failure
  EXPECT_FALSE(socket.is_open());
}
#endif

// The frames one handler queues leave together (TCP_CORK while the queue is non-empty, see
// http_server.cc): all of them arrive, whole and in order, before the ack that followed them; and
// nothing is held back afterwards — a cork left on would delay every later small frame by the
// kernel's 200 ms, so 20 request/answer round trips would take at least 4 s.
TEST_F(AppFixture, BurstsArriveWholeAndInOrderAndNothingIsHeldBack) {
  start();
  WsClient ws;
  ASSERT_EQ(sio_open(ws, port_).rfind("0{", 0), 0U);
  for (const unsigned n : {1U, 2U, 300U}) {
    ws.send("421[\"burst\"," + std::to_string(n) + "]");
    for (unsigned i = 0; i < n; ++i) {
      const auto f = ws.next();
      ASSERT_TRUE(f.has_value()) << "frame " << i << " of " << n;
      EXPECT_EQ(*f, "42[\"part\"," + std::to_string(i) + ",\"" +
                        std::string((i * 997U) % 70000U, 'x') + "\"]")
          << "frame " << i << " of " << n;
    }
    EXPECT_EQ(ws.next(), std::optional<std::string>("431[" + std::to_string(n) + "]"));
  }
  const auto start_time = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    ws.send(R"(422["whoami"])");
    ASSERT_EQ(ws.next(), std::optional<std::string>(R"(432["anonymous"])"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start_time, 3s);
}

TEST_F(AppFixture, SessionDataRefusalAndDisconnectReasons) {
  start();
  WsClient ws;
  ASSERT_EQ(sio_open(ws, port_, "/", R"({"name":"ann"})").rfind("0{", 0), 0U);
  ws.send(R"(421["whoami"])");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(431["ann"])"));
  ws.send(R"(40/chat,{"refuse":true})");
  EXPECT_EQ(ws.next(), std::optional<std::string>(R"(44/chat,{"message":"not \"you\""})"));
  ws.send(R"(40/chat,{"name":"bob"})");
  const auto ok = ws.next();
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->rfind("40/chat,{\"sid\"", 0), 0U);
  ws.send(R"(42/chat,["kick"])");
  EXPECT_EQ(ws.next(), std::optional<std::string>("41/chat,"));  // server namespace disconnect
  ws.send(R"(42["close-me"])");
  EXPECT_TRUE(ws.closed_within(3s));
  std::vector<std::string> got;
  for (int i = 0; i < 100 && got.size() < 2; ++i) {
    got = disconnects();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"/chat server namespace disconnect", "/ forced close"}));
}

TEST_F(AppFixture, ShutdownClosesClientsAndEndsTheIoContext) {
  start();
  WsClient ws;
  ASSERT_EQ(sio_open(ws, port_).rfind("0{", 0), 0U);
  const std::string sid = handshake_sid(port_, "/socket.io/");
  ASSERT_FALSE(sid.empty());
  auto pending = std::async(std::launch::async, [&] {
    return request(port_, http::verb::get, eio_query("/socket.io/", sid));
  });
  ASSERT_EQ(pending.wait_for(200ms), std::future_status::timeout);
  stop();
  EXPECT_EQ(ws.next(), std::optional<std::string>("1"));
  EXPECT_TRUE(ws.closed_within(3s));
  EXPECT_EQ(pending.get().body, "1");
  EXPECT_EQ(app_.disconnects, std::vector<std::string>{"/ server shutting down"});
  EXPECT_EQ(request(port_, http::verb::get, eio_query("/socket.io/"), {}, {}, 1s).status, -1);
}

// --- TLS -----------------------------------------------------------------------------------------

// make_self_signed writes a throwaway certificate and key (openssl CLI) into a fresh directory.
std::optional<std::pair<std::string, std::string>> make_self_signed(const std::string& dir) {
  const std::string cert = dir + "/cert.pem";
  const std::string key = dir + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
      " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  return std::make_pair(cert, key);
}

TEST(TlsServer, ServesSocketIoOverWss) {
  char tmpl[] = "/tmp/unm_tls_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const auto files = make_self_signed(dir);
  if (!files) GTEST_SKIP() << "openssl CLI unavailable: cannot generate a test certificate";
  IoThread io;
  RoomApp app;
  ServerOptions o;
  o.tls_cert_file = files->first;
  o.tls_key_file = files->second;
  SocketIoServer server(io.ioc, o);
  app.server = &server;
  server.add_namespace("/", app);
  const auto port = server.listen();
  ASSERT_TRUE(port.has_value()) << port.error();
  io.start();
  {
    // A verifying client that trusts exactly this certificate.
    asio::io_context cioc;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(files->first);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    websocket::stream<asio::ssl::stream<beast::tcp_stream>> ws(cioc, ctx);
    std::string opened, answer;
    beast::flat_buffer buf;
    beast::get_lowest_layer(ws).expires_after(5s);
    beast::get_lowest_layer(ws).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), *port), [&](beast::error_code ec) {
          ASSERT_FALSE(ec) << ec.message();
          ws.next_layer().async_handshake(
              asio::ssl::stream_base::client, [&](beast::error_code ec2) {
                ASSERT_FALSE(ec2) << ec2.message();
                ws.async_handshake(
                    "127.0.0.1", "/socket.io/?EIO=4&transport=websocket",
                    [&](beast::error_code ec3) {
                      ASSERT_FALSE(ec3) << ec3.message();
                      ws.async_read(buf, [&](beast::error_code ec4, std::size_t) {
                        ASSERT_FALSE(ec4);
                        opened = beast::buffers_to_string(buf.data());
                        buf.consume(buf.size());
                        ws.text(true);
                        ws.async_write(asio::buffer(std::string("40")), [&](beast::error_code ec5,
                                                                            std::size_t) {
                          ASSERT_FALSE(ec5);
                          ws.async_read(buf, [&](beast::error_code ec6, std::size_t) {
                            ASSERT_FALSE(ec6);
                            answer = beast::buffers_to_string(buf.data());
                            beast::get_lowest_layer(ws).close();
                          });
                        });
                      });
                    });
              });
        });
    cioc.run_for(10s);
    EXPECT_EQ(opened.rfind("0{\"sid\"", 0), 0U) << opened;
    EXPECT_EQ(answer.rfind("40{\"sid\"", 0), 0U) << answer;
  }
  // Plain HTTP to the TLS port gets nothing useful.
  EXPECT_EQ(request(*port, http::verb::get, eio_query("/socket.io/"), {}, {}, 2s).status, -1);
  on_strand(server.executor(), [&] { server.shutdown(); });
  EXPECT_TRUE(io.finish());
  std::filesystem::remove_all(dir);
}

TEST(TlsServer, ListenReportsMissingCertificate) {
  IoThread io;
  ServerOptions o;
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  SocketIoServer server(io.ioc, o);
  const auto port = server.listen();
  ASSERT_FALSE(port.has_value());
  EXPECT_NE(port.error().find("certificate"), std::string::npos) << port.error();
}

}  // namespace
}  // namespace unm::transport
