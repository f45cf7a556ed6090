// client_channel.cc — the Socket.IO v5 / Engine.IO v4 client transport on Boost.Asio and
// Boost.Beast: connect_channel and the EventChannel implementation (event_channel.h).
//
// Threading model: each channel owns one io_context run by one I/O thread. Everything that
// touches sockets, queues or Engine.IO state runs on that thread (C++20 coroutines, so that the
// handshake, polling loop and upgrade read as straight-line code); the public member functions
// only post work to it, and call() waits on a future for its ACK. The ack table and the
// connected/transport flags are the only state shared between threads.
//
// The heavy Beast templates are instantiated in this one translation unit on purpose (compile
// time on a 2-core machine).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "reference/transport/client_payload.h"
#include "reference/transport/client_url.h"
#include "reference/transport/eio_codec.h"
#include "reference/transport/event_channel.h"
#include "reference/transport/sio_codec.h"
#include "reference/transport/tcp_cork.h"

namespace unm::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
template <class T>
using Awaitable = asio::awaitable<T>;
using Result = Expected<void, ChannelFailure>;

// kMaxIncomingBytes bounds one HTTP response body or WebSocket message from the server, so that
// a hostile server cannot make the client allocate without bound.
constexpr std::size_t kMaxIncomingBytes = 16 * 1024 * 1024;
// kMaxTimerMs clamps server-given intervals (TR-EIO-002) before they reach chrono arithmetic.
constexpr std::uint64_t kMaxTimerMs = 24ull * 3600 * 1000;
// kCloseGrace bounds how long close() waits for DISCONNECT and close to leave.
constexpr milliseconds kCloseGrace{1000};
constexpr std::string_view kUserAgent = "unmanageable-client/0.1";

auto ec_token(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

ChannelFailure failure(ChannelError code, std::string detail) {
  return ChannelFailure{code, std::move(detail)};
}

std::string describe_packet(const eio::Packet& p) {
  if (p.binary) return "<binary " + std::to_string(p.data.size()) + " bytes>";
  return eio::encode_text(p);
}

std::optional<asio::ip::address> ip_literal(const std::string& host) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return addr;
}

// connect_tcp resolves the URL's host and opens a TCP connection, all before `deadline`.
Awaitable<Result> connect_tcp(beast::tcp_stream& stream, const ClientUrl& url,
                              Clock::time_point deadline) {
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  if (auto addr = ip_literal(url.host)) {
    endpoints.emplace_back(*addr, url.port);
  } else {
    tcp::resolver resolver(stream.get_executor());
    auto results =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), ec_token(ec));
    if (ec) {
      co_return Unexpected{failure(ChannelError::connect_failed,
                                   "cannot resolve host '" + url.host + "': " + ec.message())};
    }
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  stream.expires_at(deadline);
  co_await stream.async_connect(endpoints, ec_token(ec));
  if (ec == beast::error::timeout) {
    co_return Unexpected{
        failure(ChannelError::timeout,
                "TCP connect to " + url.host + ":" + std::to_string(url.port) + " timed out")};
  }
  if (ec) {
    co_return Unexpected{failure(
        ChannelError::connect_failed,
        "cannot connect to " + url.host + ":" + std::to_string(url.port) + ": " + ec.message())};
  }
  co_return Result{};
}

// tls_handshake runs the client TLS handshake with SNI and, when verifying, RFC 2818/6125 host
// name checking (IP literals are matched against IP subjectAltNames).
Awaitable<Result> tls_handshake(beast::ssl_stream<beast::tcp_stream>& stream, const ClientUrl& url,
                                bool verify, Clock::time_point deadline) {
  if (!ip_literal(url.host)) {
    // SNI: without it, servers hosting several names present the wrong certificate.
    SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  }
  if (verify) stream.set_verify_callback(ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  beast::error_code ec;
  co_await stream.async_handshake(ssl::stream_base::client, ec_token(ec));
  if (!ec) co_return Result{};
  if (ec == beast::error::timeout) {
    co_return Unexpected{
        failure(ChannelError::timeout, "TLS handshake with " + url.host + " timed out")};
  }
  std::string detail = "TLS handshake with " + url.host + " failed: " + ec.message();
  const long verify_result = SSL_get_verify_result(stream.native_handle());
  if (verify && verify_result != X509_V_OK) {
    detail += std::string(" (certificate verification: ") +
              X509_verify_cert_error_string(verify_result) + ")";
  }
  co_return Unexpected{failure(ChannelError::tls_error, std::move(detail))};
}

// ---------------------------------------------------------------------------------------------
// HTTP (long-polling) connections.

struct HttpReply {
  unsigned status = 0;
  std::string reason;
  std::string body;
};

// HttpConn is one keep-alive HTTP/1.1 connection used for one request at a time.
class HttpConn {
 public:
  virtual ~HttpConn() = default;
  // request sends one request and reads its response before `deadline`, (re)connecting when
  // needed. A reused connection the server has meanwhile closed is retried once.
  virtual Awaitable<Expected<HttpReply, ChannelFailure>> request(http::verb verb,
                                                                 std::string target,
                                                                 std::string body,
                                                                 Clock::time_point deadline) = 0;
  // abort closes the socket now: a pending request completes with an error.
  virtual void abort() = 0;
};

template <class Stream>
class BasicHttpConn final : public HttpConn {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  BasicHttpConn(asio::any_io_executor ex, ssl::context* ctx, const ClientUrl& url, bool verify)
      : ex_(std::move(ex)), ctx_(ctx), url_(url), verify_(verify) {}

  Awaitable<Expected<HttpReply, ChannelFailure>> request(http::verb verb, std::string target,
                                                         std::string body,
                                                         Clock::time_point deadline) override {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (aborted_)
        co_return Unexpected{failure(ChannelError::disconnected, "closed by the client")};
      bool fresh = false;
      if (!stream_) {
        auto opened = co_await open(deadline);
        if (!opened) co_return Unexpected{opened.error()};
        fresh = true;
      }
      http::request<http::string_body> req{verb, target, 11};
      req.set(http::field::host, host_header(url_));
      req.set(http::field::user_agent, kUserAgent);
      req.set(http::field::accept, "*/*");
      if (verb == http::verb::post) {
        req.set(http::field::content_type, "text/plain;charset=UTF-8");
        req.body() = body;
      }
      req.prepare_payload();
      beast::get_lowest_layer(*stream_).expires_at(deadline);
      beast::error_code ec;
      co_await http::async_write(*stream_, req, ec_token(ec));
      if (!ec) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxIncomingBytes);
        co_await http::async_read(*stream_, buffer_, parser, ec_token(ec));
        if (!ec) {
          auto& res = parser.get();
          HttpReply reply{res.result_int(), std::string(res.reason()), std::move(res.body())};
          if (!res.keep_alive()) reset();
          co_return reply;
        }
      }
      reset();
      if (aborted_)
        co_return Unexpected{failure(ChannelError::disconnected, "closed by the client")};
      if (ec == beast::error::timeout) {
        co_return Unexpected{failure(ChannelError::timeout,
                                     "HTTP " + std::string(http::to_string(verb)) + " timed out")};
      }
      if (ec == http::error::body_limit) {
        co_return Unexpected{failure(
            ChannelError::protocol_error,
            "HTTP response body larger than " + std::to_string(kMaxIncomingBytes) + " bytes")};
      }
      if (fresh) {
        co_return Unexpected{
            failure(ChannelError::connect_failed,
                    "HTTP " + std::string(http::to_string(verb)) + " failed: " + ec.message())};
      }
      // A kept-alive connection may have been closed by the server between requests.
    }
    co_return Unexpected{failure(ChannelError::connect_failed, "HTTP connection lost twice")};
  }

  void abort() override {
    aborted_ = true;
    if (stream_) beast::get_lowest_layer(*stream_).close();
  }

 private:
  Awaitable<Result> open(Clock::time_point deadline) {
    if constexpr (kTls) {
      stream_.emplace(ex_, *ctx_);
    } else {
      stream_.emplace(ex_);
    }
    auto r = co_await connect_tcp(beast::get_lowest_layer(*stream_), url_, deadline);
    if (r && aborted_) r = Unexpected{failure(ChannelError::disconnected, "closed by the client")};
    if constexpr (kTls) {
      if (r) r = co_await tls_handshake(*stream_, url_, verify_, deadline);
    }
    if (!r) reset();
    co_return r;
  }

  void reset() {
    stream_.reset();
    buffer_.clear();
  }

  asio::any_io_executor ex_;
  ssl::context* ctx_;
  ClientUrl url_;
  bool verify_;
  bool aborted_ = false;
  std::optional<Stream> stream_;
  beast::flat_buffer buffer_;
};

// ---------------------------------------------------------------------------------------------
// WebSocket connections.

struct WsMessage {
  bool binary = false;
  std::string data;
};

// WsConn is one WebSocket connection: one reader and one writer at a time.
class WsConn {
 public:
  virtual ~WsConn() = default;
  virtual Awaitable<Result> open(std::string target, Clock::time_point deadline) = 0;
  virtual Awaitable<Expected<WsMessage, ChannelFailure>> read() = 0;
  virtual Awaitable<Result> write(const eio::Packet& p) = 0;
  virtual void abort() = 0;
  // cork holds written frames in the kernel (TCP_CORK) until it is turned off again, so a burst
  // of frames leaves in as few segments as possible; best effort, a no-op where unsupported.
  virtual void cork(bool on) = 0;
};

template <class NextLayer>
class BasicWsConn final : public WsConn {
  static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;

 public:
  BasicWsConn(asio::any_io_executor ex, ssl::context* ctx, const ClientUrl& url, bool verify)
      : ws_(make_stream(std::move(ex), ctx)), url_(url), verify_(verify) {}

  Awaitable<Result> open(std::string target, Clock::time_point deadline) override {
    auto r = co_await connect_tcp(beast::get_lowest_layer(ws_), url_, deadline);
    if (!r) co_return r;
    if constexpr (kTls) {
      r = co_await tls_handshake(ws_.next_layer(), url_, verify_, deadline);
      if (!r) co_return r;
    }
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::user_agent, kUserAgent); }));
    ws_.read_message_max(kMaxIncomingBytes);
    beast::get_lowest_layer(ws_).expires_at(deadline);
    websocket::response_type res;
    beast::error_code ec;
    co_await ws_.async_handshake(res, host_header(url_), target, ec_token(ec));
    if (ec == beast::error::timeout) {
      co_return Unexpected{failure(ChannelError::timeout, "WebSocket handshake timed out")};
    }
    if (ec == websocket::error::upgrade_declined) {
      co_return Unexpected{failure(
          ChannelError::connect_failed,
          "WebSocket upgrade refused: " +
              http_failure_detail(res.result_int(), std::string(res.reason()), res.body()))};
    }
    if (ec) {
      co_return Unexpected{
          failure(ChannelError::connect_failed, "WebSocket handshake failed: " + ec.message())};
    }
    // From here on the WebSocket layer owns timeouts; liveness comes from Engine.IO pings.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(5);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    co_return Result{};
  }

  Awaitable<Expected<WsMessage, ChannelFailure>> read() override {
    beast::flat_buffer buffer;
    beast::error_code ec;
    co_await ws_.async_read(buffer, ec_token(ec));
    if (ec == websocket::error::closed) {
      const auto& reason = ws_.reason();
      co_return Unexpected{failure(
          ChannelError::disconnected,
          "server closed the WebSocket (code " +
              std::to_string(static_cast<unsigned>(reason.code)) +
              (reason.reason.empty() ? "" : ", " + std::string(reason.reason.c_str())) + ")")};
    }
    if (ec == websocket::error::message_too_big) {
      co_return Unexpected{
          failure(ChannelError::protocol_error,
                  "WebSocket message larger than " + std::to_string(kMaxIncomingBytes) + " bytes")};
    }
    if (ec) {
      co_return Unexpected{
          failure(ChannelError::disconnected, "WebSocket read failed: " + ec.message())};
    }
    co_return WsMessage{ws_.got_binary(), beast::buffers_to_string(buffer.data())};
  }

  Awaitable<Result> write(const eio::Packet& p) override {
    // TR-EIO-003: binary messages are raw binary frames, everything else a text frame.
    const std::string frame = p.binary ? p.data : eio::encode_text(p);
    ws_.binary(p.binary);
    beast::error_code ec;
    co_await ws_.async_write(asio::buffer(frame), ec_token(ec));
    if (ec) {
      co_return Unexpected{
          failure(ChannelError::disconnected, "WebSocket write failed: " + ec.message())};
    }
    co_return Result{};
  }

  void abort() override { beast::get_lowest_layer(ws_).close(); }

  void cork(bool on) override { set_tcp_cork(beast::get_lowest_layer(ws_).socket(), on); }

 private:
  static websocket::stream<NextLayer> make_stream(asio::any_io_executor ex, ssl::context* ctx) {
    if constexpr (kTls) {
      return websocket::stream<NextLayer>(std::move(ex), *ctx);
    } else {
      return websocket::stream<NextLayer>(std::move(ex));
    }
  }

  websocket::stream<NextLayer> ws_;
  ClientUrl url_;
  bool verify_;
};

// ---------------------------------------------------------------------------------------------
// Signal: a one-shot event between coroutines of the I/O thread.

class Signal {
 public:
  explicit Signal(asio::any_io_executor ex) : timer_(std::move(ex), Clock::time_point::max()) {}
  void fire() {
    fired_ = true;
    timer_.cancel();
  }
  bool fired() const { return fired_; }
  // wait_until returns true once fired, false when `deadline` passed first.
  Awaitable<bool> wait_until(Clock::time_point deadline) {
    while (!fired_) {
      timer_.expires_at(deadline);
      beast::error_code ec;
      co_await timer_.async_wait(ec_token(ec));
      if (!ec) break;  // the deadline passed
    }
    co_return fired_;
  }

 private:
  asio::steady_timer timer_;
  bool fired_ = false;
};

// ---------------------------------------------------------------------------------------------
// Core: the Engine.IO session and the Socket.IO socket, on the I/O thread.

enum class Transport : int { none = 0, polling = 1, websocket = 2 };
enum class State { connecting, connected, closed };

using AckPromise = std::promise<Expected<std::string, ChannelFailure>>;
using AckResult = Expected<std::string, ChannelFailure>;

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::io_context& ioc, ClientUrl url, ChannelOptions opts, std::unique_ptr<ssl::context> ctx)
      : ex_(ioc.get_executor()),
        url_(std::move(url)),
        opts_(std::move(opts)),
        ctx_(std::move(ctx)),
        observer_(opts_.observer),
        connect_answer_(ex_),
        get_idle_(ex_),
        post_idle_(ex_),
        drained_(ex_),
        heartbeat_(ex_),
        connect_timer_(ex_),
        assembler_(sio::Limits{kMaxIncomingBytes, 64, 64}),
        ack_timer_(ex_) {}

  // ---- any thread ----------------------------------------------------------------------------

  bool is_connected() const { return connected_.load(); }
  Transport transport() const { return static_cast<Transport>(transport_flag_.load()); }
  const ChannelOptions& options() const { return opts_; }

  // register_ack reserves a fresh ack id with its promise (call(): the caller waits and times
  // out by itself).
  std::pair<std::uint64_t, std::future<AckResult>> register_ack() {
    auto promise = std::make_shared<AckPromise>();
    auto fut = promise->get_future();
    const std::uint64_t id =
        register_handler([promise](AckResult r) { promise->set_value(std::move(r)); });
    return {id, std::move(fut)};
  }
  // register_handler reserves a fresh ack id whose outcome goes to `done` (call_async; its
  // timeout is armed on the I/O thread by arm_ack_timeout).
  std::uint64_t register_handler(CallCompletion done) {
    std::lock_guard lock(acks_mu_);
    const std::uint64_t id = next_ack_id_++;
    acks_.emplace(id, std::move(done));
    return id;
  }
  // forget_ack drops a waiter; false when the ACK already resolved it.
  bool forget_ack(std::uint64_t id) {
    std::lock_guard lock(acks_mu_);
    return acks_.erase(id) > 0;
  }

  // ---- I/O thread ----------------------------------------------------------------------------

  void begin_connect(std::shared_ptr<std::promise<Result>> done) {
    connect_done_ = std::move(done);
    spawn(run_connect());
  }

  // fail_ack completes the request `id` with `f` (it could not be sent).
  void fail_ack(std::uint64_t id, ChannelFailure f) { resolve_ack(id, Unexpected{std::move(f)}); }

  void send_message(const sio::Message& m) {
    if (state_ == State::closed) {
      if (m.packet.id) resolve_ack(*m.packet.id, Unexpected{closed_failure()});
      return;
    }
    auto encoded = sio::encode_message(m);
    send_eio(eio::text_message(std::move(encoded.text)));
    for (auto& b : encoded.binaries) send_eio(eio::binary_message(std::move(b)));
  }

  // arm_ack_timeout makes call_async's request `id` fail with a timeout at `deadline` unless
  // its ACK comes first. One timer serves every pending request: it fires at the earliest
  // deadline and re-arms for the next.
  void arm_ack_timeout(std::uint64_t id, Clock::time_point deadline, std::string event,
                       std::chrono::milliseconds timeout) {
    if (state_ == State::closed) return;  // send_message already failed it
    ack_deadlines_.emplace(deadline, PendingTimeout{id, std::move(event), timeout});
    if (!ack_timer_armed_ || deadline < ack_timer_at_) rearm_ack_timer();
  }

  void rearm_ack_timer() {
    if (ack_deadlines_.empty() || state_ == State::closed) {
      ack_timer_armed_ = false;
      ack_timer_.cancel();
      return;
    }
    ack_timer_armed_ = true;
    ack_timer_at_ = ack_deadlines_.begin()->first;
    ack_timer_.expires_at(ack_timer_at_);
    ack_timer_.async_wait([w = weak_from_this(), at = ack_timer_at_](beast::error_code ec) {
      auto self = w.lock();
      if (!self || ec || !self->ack_timer_armed_ || at != self->ack_timer_at_) return;
      self->expire_acks();
    });
  }

  void expire_acks() {
    const auto now = Clock::now();
    while (!ack_deadlines_.empty() && ack_deadlines_.begin()->first <= now) {
      PendingTimeout t = std::move(ack_deadlines_.begin()->second);
      ack_deadlines_.erase(ack_deadlines_.begin());
      // Already answered requests are no longer in the table: resolve_ack ignores them.
      resolve_ack(t.id, Unexpected{failure(ChannelError::timeout,
                                           "no ACK for '" + t.event + "' within " +
                                               std::to_string(t.timeout.count()) + " ms")});
    }
    rearm_ack_timer();
  }

  void send_raw(std::string text) {
    if (state_ == State::closed) return;
    send_eio(eio::text_message(std::move(text)));
  }

  void set_event_handler(EventHandler h) {
    event_handler_ = std::move(h);
    while (event_handler_ && !pending_events_.empty()) {
      auto ev = std::move(pending_events_.front());
      pending_events_.pop_front();
      deliver_event(std::move(ev));
    }
  }

  void set_disconnect_handler(DisconnectHandler h) {
    disconnect_handler_ = std::move(h);
    maybe_report_disconnect();
  }

  void set_frame_observer(FrameObserver o) { observer_ = std::move(o); }

  // close_gracefully sends DISCONNECT and an Engine.IO close, waits briefly for them to leave,
  // then tears everything down (TR-EIO-008).
  Awaitable<void> close_gracefully() {
    auto self = shared_from_this();
    if (state_ == State::connected) {
      closing_ = true;
      sio::Packet disc;
      disc.type = sio::PacketType::disconnect;
      disc.nsp = opts_.nsp;
      send_eio(eio::text_message(sio::encode(disc)));
      send_eio(eio::Packet{eio::PacketType::close, false, {}});
      if (!queues_empty()) co_await drained_.wait_until(Clock::now() + kCloseGrace);
    }
    fail(failure(ChannelError::disconnected, "closed by the client"));
  }

  void fail(ChannelFailure f) {
    if (state_ == State::closed) return;
    // A failure during close_gracefully's drain (e.g. the server answering the pending long-poll
    // of the session the close just ended with HTTP 400) is a consequence of the close: report
    // the close, as the caller asked for it (CI flake of ClientInterop.CloseSends…, polling).
    if (closing_) f = failure(ChannelError::disconnected, "closed by the client");
    const bool was_connected = state_ == State::connected;
    state_ = State::closed;
    connected_ = false;
    abort_all();
    heartbeat_.cancel();
    connect_timer_.cancel();
    connect_answer_.fire();
    get_idle_.fire();
    post_idle_.fire();
    drained_.fire();
    ws_out_.clear();
    poll_out_.clear();
    fail_all_acks(failure(ChannelError::disconnected, "connection lost: " + f.detail));
    if (!was_connected) {
      complete_connect(Unexpected{std::move(f)});
    } else {
      disconnect_reason_ = std::move(f);
      maybe_report_disconnect();
    }
  }

 private:
  // ---- plumbing ------------------------------------------------------------------------------

  void spawn(Awaitable<void> a) {
    asio::co_spawn(ex_, std::move(a), [self = shared_from_this()](std::exception_ptr e) {
      if (!e) return;
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        what = x.what();
      } catch (...) {
      }
      self->fail(failure(ChannelError::protocol_error, "internal error: " + what));
    });
  }

  std::shared_ptr<HttpConn> make_http() {
    if (url_.tls) {
      return std::make_shared<BasicHttpConn<beast::ssl_stream<beast::tcp_stream>>>(
          ex_, ctx_.get(), url_, opts_.verify_tls);
    }
    return std::make_shared<BasicHttpConn<beast::tcp_stream>>(ex_, nullptr, url_, opts_.verify_tls);
  }

  std::shared_ptr<WsConn> make_ws() {
    if (url_.tls) {
      return std::make_shared<BasicWsConn<beast::ssl_stream<beast::tcp_stream>>>(
          ex_, ctx_.get(), url_, opts_.verify_tls);
    }
    return std::make_shared<BasicWsConn<beast::tcp_stream>>(ex_, nullptr, url_, opts_.verify_tls);
  }

  void abort_all() {
    if (ws_) ws_->abort();
    if (probe_ws_) probe_ws_->abort();
    if (get_conn_) get_conn_->abort();
    if (post_conn_) post_conn_->abort();
  }

  ChannelFailure closed_failure() const {
    return failure(ChannelError::disconnected,
                   disconnect_reason_ ? "connection lost: " + disconnect_reason_->detail
                                      : std::string("connection closed"));
  }

  void observe(FrameDirection dir, std::string_view frame) {
    if (!observer_) return;
    try {
      observer_(dir, std::chrono::system_clock::now(), frame);
    } catch (...) {
      // An observer is a passive logger; its failure must not take the connection down.
    }
  }

  milliseconds ping_window() const {
    // Clamped one by one: the sum of two server-given values must not wrap around.
    return milliseconds(std::min(hs_.ping_interval_ms, kMaxTimerMs) +
                        std::min(hs_.ping_timeout_ms, kMaxTimerMs));
  }

  // request_deadline bounds one polling request: the server answers a GET at the latest with
  // its next ping (TR-EIO-005), so pingInterval + pingTimeout plus slack is always enough.
  Clock::time_point request_deadline() const {
    return Clock::now() + ping_window() + std::chrono::seconds(5);
  }

  ChannelFailure transport_failure(ChannelFailure f) const {
    if (state_ == State::connected &&
        (f.code == ChannelError::connect_failed || f.code == ChannelError::tls_error)) {
      f.code = ChannelError::disconnected;
    }
    return f;
  }

  void complete_connect(Result r) {
    if (!connect_done_) return;
    connect_done_->set_value(std::move(r));
    connect_done_.reset();
  }

  void maybe_report_disconnect() {
    if (!disconnect_reason_ || disconnect_reported_ || !disconnect_handler_) return;
    disconnect_reported_ = true;
    try {
      disconnect_handler_(*disconnect_reason_);
    } catch (...) {
      // A throwing handler must not kill the I/O thread.
    }
  }

  void deliver_event(ReceivedEvent ev) {
    if (!event_handler_) {
      pending_events_.push_back(std::move(ev));
      return;
    }
    try {
      event_handler_(std::move(ev.name), std::move(ev.args_json_array));
    } catch (...) {
      // A throwing handler must not kill the I/O thread.
    }
  }

  void resolve_ack(std::uint64_t id, AckResult value) {
    CallCompletion done;
    {
      std::lock_guard lock(acks_mu_);
      auto it = acks_.find(id);
      if (it == acks_.end()) return;  // a late ACK for a call that timed out
      done = std::move(it->second);
      acks_.erase(it);
    }
    run_ack_handler(done, std::move(value));
  }

  void fail_all_acks(const ChannelFailure& f) {
    std::map<std::uint64_t, CallCompletion> waiting;
    {
      std::lock_guard lock(acks_mu_);
      waiting.swap(acks_);
    }
    ack_deadlines_.clear();
    ack_timer_armed_ = false;
    ack_timer_.cancel();
    for (auto& [id, done] : waiting) run_ack_handler(done, Unexpected{f});
  }

  static void run_ack_handler(const CallCompletion& done, AckResult value) {
    try {
      done(std::move(value));
    } catch (...) {
      // A throwing handler must not kill the I/O thread.
    }
  }

  void set_transport(Transport t) {
    transport_ = t;
    transport_flag_ = static_cast<int>(t);
  }

  bool queues_empty() const {
    return ws_out_.empty() && poll_out_.empty() && !ws_writing_ && !poll_writing_;
  }

  void check_drained() {
    if (closing_ && queues_empty()) drained_.fire();
  }

  // ---- heartbeat (TR-EIO-005) ----------------------------------------------------------------

  // reset_heartbeat restarts the liveness window: a server that sends nothing (not even a ping)
  // for pingInterval + pingTimeout is gone.
  void reset_heartbeat() {
    if (state_ == State::closed) return;
    ++heartbeat_gen_;
    heartbeat_.expires_after(ping_window());
    heartbeat_.async_wait([w = weak_from_this(), gen = heartbeat_gen_](beast::error_code ec) {
      auto self = w.lock();
      if (!self || ec || gen != self->heartbeat_gen_) return;
      self->fail(failure(
          ChannelError::timeout,
          "no ping from the server within " + std::to_string(self->ping_window().count()) + " ms"));
    });
  }

  // ---- sending -------------------------------------------------------------------------------

  void send_eio(eio::Packet p) {
    if (state_ == State::closed) return;
    if (transport_ == Transport::websocket) {
      ws_out_.push_back(std::move(p));
      if (!ws_writing_) {
        ws_writing_ = true;
        spawn(ws_writer(ws_));
      }
    } else {
      // Before the upgrade completes everything goes through polling (or waits for the switch).
      poll_out_.push_back(std::move(p));
      kick_poll_writer();
    }
  }

  void kick_poll_writer() {
    if (transport_ != Transport::polling || poll_writing_ || pause_polling_ || poll_out_.empty()) {
      return;
    }
    poll_writing_ = true;
    spawn(poll_writer());
  }

  Awaitable<void> ws_writer(std::shared_ptr<WsConn> ws) {
    auto self = shared_from_this();
    bool corked = false;
    while (!ws_out_.empty() && state_ != State::closed) {
      // Several frames waiting (requests made back to back): let them leave together.
      if (!corked && ws_out_.size() > 1) {
        ws->cork(true);
        corked = true;
      }
      eio::Packet p = std::move(ws_out_.front());
      ws_out_.pop_front();
      observe(FrameDirection::sent, describe_packet(p));
      auto r = co_await ws->write(p);
      if (!r) {
        fail(transport_failure(r.error()));
        break;
      }
    }
    if (corked) ws->cork(false);
    ws_writing_ = false;
    check_drained();
  }

  Awaitable<void> poll_writer() {
    auto self = shared_from_this();
    while (!poll_out_.empty() && state_ != State::closed && !pause_polling_) {
      // TR-EIO-007: one POST carries at most maxPayload bytes (but always at least one packet).
      std::vector<eio::Packet> batch;
      std::size_t size = 0;
      while (!poll_out_.empty()) {
        const std::size_t n = eio::encode_text(poll_out_.front()).size() + 1;
        if (!batch.empty() && size + n > hs_.max_payload) break;
        size += n;
        batch.push_back(std::move(poll_out_.front()));
        poll_out_.pop_front();
      }
      for (const auto& p : batch) observe(FrameDirection::sent, describe_packet(p));
      auto reply =
          co_await post_conn_->request(http::verb::post, engine_target(url_, "polling", hs_.sid),
                                       eio::encode_payload(batch), request_deadline());
      if (state_ == State::closed) break;
      if (!reply) {
        fail(transport_failure(reply.error()));
        break;
      }
      if (reply->status != 200) {
        fail(failure(
            ChannelError::disconnected,
            "POST refused: " + http_failure_detail(reply->status, reply->reason, reply->body)));
        break;
      }
    }
    poll_writing_ = false;
    if (pause_polling_) post_idle_.fire();
    check_drained();
  }

  // ---- receiving -----------------------------------------------------------------------------

  Awaitable<void> poll_reader() {
    auto self = shared_from_this();
    get_running_ = true;
    while (state_ != State::closed && transport_ == Transport::polling && !pause_polling_) {
      auto reply = co_await get_conn_->request(
          http::verb::get, engine_target(url_, "polling", hs_.sid), {}, request_deadline());
      if (state_ == State::closed) break;
      if (!reply) {
        fail(transport_failure(reply.error()));
        break;
      }
      if (reply->status != 200) {
        fail(failure(
            ChannelError::disconnected,
            "poll refused: " + http_failure_detail(reply->status, reply->reason, reply->body)));
        break;
      }
      if (!handle_payload(reply->body)) break;
    }
    get_running_ = false;
    get_idle_.fire();
  }

  // handle_payload processes one polling payload; false when the session ended meanwhile.
  bool handle_payload(std::string_view body) {
    auto packets = eio::decode_payload(body, kMaxIncomingBytes);
    if (!packets) {
      fail(failure(
          ChannelError::protocol_error,
          "malformed polling payload: " + std::string(eio::decode_error_name(packets.error()))));
      return false;
    }
    for (auto& p : *packets) {
      observe(FrameDirection::received, describe_packet(p));
      on_eio_packet(std::move(p));
      if (state_ == State::closed) return false;
    }
    return true;
  }

  Awaitable<void> ws_reader(std::shared_ptr<WsConn> ws) {
    auto self = shared_from_this();
    while (state_ != State::closed) {
      auto m = co_await ws->read();
      if (state_ == State::closed) break;
      if (!m) {
        fail(transport_failure(m.error()));
        break;
      }
      eio::Packet p;
      if (m->binary) {
        p = eio::decode_binary_frame(m->data);
      } else {
        auto d = eio::decode_text(m->data, kMaxIncomingBytes);
        if (!d) {
          observe(FrameDirection::received, m->data);
          fail(failure(
              ChannelError::protocol_error,
              "malformed Engine.IO packet: " + std::string(eio::decode_error_name(d.error()))));
          break;
        }
        p = std::move(*d);
      }
      observe(FrameDirection::received, describe_packet(p));
      on_eio_packet(std::move(p));
    }
  }

  void on_eio_packet(eio::Packet p) {
    reset_heartbeat();
    switch (p.type) {
      case eio::PacketType::open:
        fail(failure(ChannelError::protocol_error, "unexpected second Engine.IO open packet"));
        return;
      case eio::PacketType::close:
        fail(failure(ChannelError::disconnected, "server closed the Engine.IO session"));
        return;
      case eio::PacketType::ping:
        // TR-EIO-005: answer every ping with a pong carrying the same data.
        send_eio(eio::Packet{eio::PacketType::pong, false, std::move(p.data)});
        return;
      case eio::PacketType::pong:
      case eio::PacketType::upgrade:
      case eio::PacketType::noop:
        return;
      case eio::PacketType::message: {
        auto r = p.binary ? assembler_.on_binary(p.data) : assembler_.on_text(p.data);
        if (!r) {
          // TR-SIO-003: a malformed packet ends the connection.
          fail(failure(ChannelError::protocol_error,
                       "malformed Socket.IO packet: " + std::string(sio::error_name(r.error()))));
          return;
        }
        if (r->has_value()) on_sio(std::move(**r));
        return;
      }
    }
  }

  void on_sio(sio::Incoming in) {
    const sio::Packet& pk = in.message.packet;
    if (pk.nsp != opts_.nsp) return;  // another namespace's traffic on a shared session
    switch (pk.type) {
      case sio::PacketType::connect:
        if (state_ == State::connecting) connect_answer_.fire();
        return;
      case sio::PacketType::connect_error:
        // TR-SIO-002: the server refused this namespace (or our auth).
        fail(failure(ChannelError::refused,
                     "namespace " + opts_.nsp + " refused: " + connect_error_message(pk.data)));
        return;
      case sio::PacketType::disconnect:
        fail(failure(ChannelError::disconnected,
                     "server disconnected the socket (Socket.IO DISCONNECT on " + opts_.nsp + ")"));
        return;
      case sio::PacketType::event:
      case sio::PacketType::binary_event: {
        // Acks the server asks for are not answered: the EventChannel contract has no reply path.
        auto ev = split_event(in);
        if (!ev) {
          fail(ev.error());
          return;
        }
        deliver_event(std::move(*ev));
        return;
      }
      case sio::PacketType::ack:
      case sio::PacketType::binary_ack: {
        if (!pk.id) {
          fail(failure(ChannelError::protocol_error, "ACK without an ack id"));
          return;
        }
        auto args = ack_arguments(in);
        if (!args) {
          fail(args.error());
          return;
        }
        resolve_ack(*pk.id, std::move(*args));
        return;
      }
    }
  }

  // ---- connecting ----------------------------------------------------------------------------

  Awaitable<void> run_connect() {
    auto self = shared_from_this();
    deadline_ = Clock::now() + opts_.connect_timeout;
    connect_timer_.expires_at(deadline_);
    connect_timer_.async_wait([w = weak_from_this()](beast::error_code ec) {
      auto s = w.lock();
      if (!s || ec || s->state_ != State::connecting) return;
      s->fail(failure(ChannelError::timeout, "no Socket.IO connection within " +
                                                 std::to_string(s->opts_.connect_timeout.count()) +
                                                 " ms"));
    });

    Result opened;
    if (opts_.websocket_only) {
      opened = co_await open_websocket();
    } else if (opts_.polling_only || opts_.polling_then_upgrade) {
      opened = co_await open_polling();
    } else {
      opened = co_await open_websocket();
      if (!opened && state_ == State::connecting) {
        // Fallback: some proxies and servers only speak long-polling.
        const std::string first = opened.error().detail;
        opened = co_await open_polling();
        if (!opened) {
          opened = Unexpected{failure(
              opened.error().code, "websocket: " + first + "; polling: " + opened.error().detail)};
        }
      }
    }
    if (state_ == State::closed) co_return;
    if (!opened) {
      fail(opened.error());
      co_return;
    }

    // TR-SIO-002: CONNECT the namespace and wait for its answer.
    auto connect_text = build_connect_packet(opts_.nsp, opts_.auth_json);
    if (!connect_text) {
      fail(connect_text.error());
      co_return;
    }
    send_eio(eio::text_message(std::move(*connect_text)));
    co_await connect_answer_.wait_until(Clock::time_point::max());
    if (state_ == State::closed) co_return;

    if (opts_.polling_then_upgrade && !opts_.polling_only && transport_ == Transport::polling &&
        std::find(hs_.upgrades.begin(), hs_.upgrades.end(), "websocket") != hs_.upgrades.end()) {
      co_await upgrade();
      if (state_ == State::closed) co_return;
    }
    state_ = State::connected;
    connected_ = true;
    connect_timer_.cancel();
    complete_connect(Result{});
  }

  // accept_handshake checks the open packet (TR-EIO-002) and starts the heartbeat.
  Result accept_handshake(const eio::Packet& p) {
    if (p.type != eio::PacketType::open || p.binary) {
      return Unexpected{
          failure(ChannelError::protocol_error, "first Engine.IO packet is not an open packet")};
    }
    auto hs = eio::decode_handshake(p.data);
    if (!hs) {
      return Unexpected{failure(
          ChannelError::protocol_error,
          "malformed Engine.IO handshake: " + std::string(eio::decode_error_name(hs.error())))};
    }
    hs_ = std::move(*hs);
    if (hs_.max_payload == 0) hs_.max_payload = 1;
    reset_heartbeat();
    return {};
  }

  Awaitable<Result> open_websocket() {
    auto conn = make_ws();
    ws_ = conn;
    auto r = co_await conn->open(engine_target(url_, "websocket", ""), deadline_);
    if (r && state_ == State::closed) r = Unexpected{closed_failure()};
    if (!r) {
      ws_.reset();
      co_return r;
    }
    auto m = co_await conn->read();
    if (!m) {
      ws_.reset();
      co_return Unexpected{failure(m.error().code == ChannelError::protocol_error
                                       ? ChannelError::protocol_error
                                       : ChannelError::connect_failed,
                                   "no Engine.IO handshake: " + m.error().detail)};
    }
    observe(FrameDirection::received,
            m->binary ? "<binary " + std::to_string(m->data.size()) + " bytes>" : m->data);
    auto p = m->binary ? Expected<eio::Packet, eio::DecodeError>(eio::decode_binary_frame(m->data))
                       : eio::decode_text(m->data, kMaxIncomingBytes);
    Result ok = p ? accept_handshake(*p)
                  : Result(Unexpected{failure(ChannelError::protocol_error,
                                              "malformed Engine.IO handshake packet")});
    if (!ok) {
      conn->abort();
      ws_.reset();
      co_return ok;
    }
    set_transport(Transport::websocket);
    spawn(ws_reader(conn));
    co_return Result{};
  }

  Awaitable<Result> open_polling() {
    get_conn_ = make_http();
    post_conn_ = make_http();
    auto reply = co_await get_conn_->request(http::verb::get, engine_target(url_, "polling", ""),
                                             {}, deadline_);
    if (!reply) co_return Unexpected{reply.error()};
    if (reply->status != 200) {
      co_return Unexpected{
          failure(ChannelError::connect_failed,
                  "Engine.IO handshake refused: " +
                      http_failure_detail(reply->status, reply->reason, reply->body))};
    }
    auto packets = eio::decode_payload(reply->body, kMaxIncomingBytes);
    if (!packets || packets->empty()) {
      co_return Unexpected{
          failure(ChannelError::protocol_error, "malformed Engine.IO handshake payload")};
    }
    observe(FrameDirection::received, describe_packet(packets->front()));
    auto ok = accept_handshake(packets->front());
    if (!ok) co_return ok;
    set_transport(Transport::polling);
    for (std::size_t i = 1; i < packets->size(); ++i) {
      observe(FrameDirection::received, describe_packet((*packets)[i]));
      on_eio_packet(std::move((*packets)[i]));
      if (state_ == State::closed) co_return Unexpected{closed_failure()};
    }
    spawn(poll_reader());
    co_return Result{};
  }

  // upgrade moves a polling session to WebSocket (TR-EIO-006). When the probe fails the session
  // simply stays on polling, as the official client does.
  Awaitable<void> upgrade() {
    auto probe = make_ws();
    probe_ws_ = probe;
    auto r = co_await probe->open(engine_target(url_, "websocket", hs_.sid), deadline_);
    if (state_ == State::closed) co_return;
    if (r) {
      const eio::Packet ping{eio::PacketType::ping, false, "probe"};
      observe(FrameDirection::sent, describe_packet(ping));
      r = co_await probe->write(ping);
    }
    if (state_ == State::closed) co_return;
    bool probed = false;
    if (r) {
      auto m = co_await probe->read();
      if (state_ == State::closed) co_return;
      if (m) {
        observe(FrameDirection::received, m->binary ? "<binary>" : m->data);
        probed = !m->binary && m->data == "3probe";
      }
    }
    if (!probed) {
      probe->abort();
      probe_ws_.reset();
      co_return;
    }
    // Stop polling: the server answers the waiting GET with a noop once it has seen the probe.
    pause_polling_ = true;
    if (get_running_) co_await get_idle_.wait_until(Clock::time_point::max());
    if (poll_writing_) co_await post_idle_.wait_until(Clock::time_point::max());
    if (state_ == State::closed) co_return;
    ws_ = probe;
    probe_ws_.reset();
    set_transport(Transport::websocket);
    ws_out_.push_back(eio::Packet{eio::PacketType::upgrade, false, {}});
    for (auto& p : poll_out_) ws_out_.push_back(std::move(p));
    poll_out_.clear();
    ws_writing_ = true;
    spawn(ws_writer(ws_));
    spawn(ws_reader(ws_));
  }

  // ---- state ---------------------------------------------------------------------------------

  asio::any_io_executor ex_;
  ClientUrl url_;
  ChannelOptions opts_;
  std::unique_ptr<ssl::context> ctx_;
  FrameObserver observer_;

  State state_ = State::connecting;
  Transport transport_ = Transport::none;
  eio::Handshake hs_;
  Clock::time_point deadline_{};
  std::shared_ptr<std::promise<Result>> connect_done_;

  std::shared_ptr<WsConn> ws_;
  std::shared_ptr<WsConn> probe_ws_;
  std::shared_ptr<HttpConn> get_conn_;
  std::shared_ptr<HttpConn> post_conn_;
  std::deque<eio::Packet> ws_out_;
  std::deque<eio::Packet> poll_out_;
  bool ws_writing_ = false;
  bool poll_writing_ = false;
  bool get_running_ = false;
  bool pause_polling_ = false;
  bool closing_ = false;

  Signal connect_answer_;
  Signal get_idle_;
  Signal post_idle_;
  Signal drained_;
  asio::steady_timer heartbeat_;
  std::uint64_t heartbeat_gen_ = 0;
  asio::steady_timer connect_timer_;
  sio::Assembler assembler_;

  EventHandler event_handler_;
  std::deque<ReceivedEvent> pending_events_;
  DisconnectHandler disconnect_handler_;
  std::optional<ChannelFailure> disconnect_reason_;
  bool disconnect_reported_ = false;

  // Shared with caller threads.
  std::atomic<bool> connected_{false};
  std::atomic<int> transport_flag_{0};
  std::mutex acks_mu_;
  std::map<std::uint64_t, CallCompletion> acks_;  // guarded by acks_mu_
  std::uint64_t next_ack_id_ = 0;                 // guarded by acks_mu_

  // call_async's timeouts (I/O thread only).
  struct PendingTimeout {
    std::uint64_t id;
    std::string event;
    std::chrono::milliseconds timeout;
  };
  std::multimap<Clock::time_point, PendingTimeout> ack_deadlines_;
  asio::steady_timer ack_timer_;
  Clock::time_point ack_timer_at_{};
  bool ack_timer_armed_ = false;
};

// ---------------------------------------------------------------------------------------------
// SharedIoThread: one io_context and the thread that runs it, for one channel or for many.

}  // namespace

class SharedIoThread {
 public:
  SharedIoThread()
      : ioc_(std::make_shared<asio::io_context>(1)), work_(asio::make_work_guard(*ioc_)) {
    // The thread co-owns the io_context so that it stays valid until run() has returned.
    auto finished = std::make_shared<std::promise<void>>();
    finished_ = finished->get_future();
    thread_ = std::thread([ioc = ioc_, finished] {
      for (;;) {
        try {
          ioc->run();
          break;
        } catch (...) {
          // Handlers report their own failures; keep serving the remaining ones.
        }
      }
      finished->set_value();
    });
  }

  ~SharedIoThread() {
    // The channels are closed by now: every socket is shut and every timer cancelled, so the
    // coroutines unwind and run() runs out of work; stop() only cuts short what still lingers
    // (e.g. a DNS lookup).
    work_.reset();
    if (std::this_thread::get_id() == thread_.get_id()) {
      ioc_->stop();
      thread_.detach();  // misuse (destroyed from a handler): the thread owns ioc_ and ends
      return;
    }
    if (finished_.wait_for(std::chrono::seconds(2)) != std::future_status::ready) ioc_->stop();
    if (thread_.joinable()) thread_.join();
  }

  SharedIoThread(const SharedIoThread&) = delete;
  SharedIoThread& operator=(const SharedIoThread&) = delete;

  asio::io_context& context() { return *ioc_; }
  bool is_current() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  std::shared_ptr<asio::io_context> ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::future<void> finished_;
};

std::shared_ptr<SharedIoThread> make_shared_io_thread() {
  return std::make_shared<SharedIoThread>();
}

namespace {

// ---------------------------------------------------------------------------------------------
// ClientChannel: the EventChannel facade over a Core, on its own or a shared I/O thread.

// take_io_thread moves the shared thread out of `opts` (the Core keeps the options, and must not
// keep its own thread alive), or makes a private one.
std::shared_ptr<SharedIoThread> take_io_thread(ChannelOptions& opts) {
  auto io = std::move(opts.io_thread);
  opts.io_thread = nullptr;
  return io ? io : make_shared_io_thread();
}

class ClientChannel final : public EventChannel {
 public:
  ClientChannel(ClientUrl url, ChannelOptions opts, std::unique_ptr<ssl::context> ctx)
      : io_(take_io_thread(opts)),
        ioc_(&io_->context()),
        core_(std::make_shared<Core>(*ioc_, std::move(url), std::move(opts), std::move(ctx))) {}

  ~ClientChannel() override {
    close();
    core_.reset();
    io_.reset();  // a private thread ends here, once the closed channel's work has run out
  }

  ClientChannel(const ClientChannel&) = delete;
  ClientChannel& operator=(const ClientChannel&) = delete;

  Result start() {
    auto done = std::make_shared<std::promise<Result>>();
    auto fut = done->get_future();
    asio::post(*ioc_, [core = core_, done] { core->begin_connect(done); });
    // The I/O side enforces connect_timeout itself; the slack only guards against a stuck thread.
    if (fut.wait_for(core_->options().connect_timeout + std::chrono::seconds(5)) !=
        std::future_status::ready) {
      return Unexpected{failure(ChannelError::timeout, "connect did not finish")};
    }
    return fut.get();
  }

  Expected<std::string, ChannelFailure> call(std::string_view event,
                                             std::string_view args_json_array,
                                             std::chrono::milliseconds timeout) override {
    if (on_io_thread()) {
      return Unexpected{failure(ChannelError::bad_argument,
                                "call() from a channel handler would wait for itself")};
    }
    if (!core_->is_connected())
      return Unexpected{failure(ChannelError::disconnected, "not connected")};
    auto [id, fut] = core_->register_ack();
    auto m = build_event_message(core_->options().nsp, event, args_json_array, id);
    if (!m) {
      core_->forget_ack(id);
      return Unexpected{m.error()};
    }
    asio::post(*ioc_, [core = core_, msg = std::move(*m)] { core->send_message(msg); });
    if (fut.wait_for(timeout) == std::future_status::ready) return fut.get();
    if (core_->forget_ack(id)) {
      return Unexpected{
          failure(ChannelError::timeout, "no ACK for '" + std::string(event) + "' within " +
                                             std::to_string(timeout.count()) + " ms")};
    }
    return fut.get();  // answered between the wait and forget_ack
  }

  void call_async(std::string_view event, std::string_view args_json_array,
                  std::chrono::milliseconds timeout, CallCompletion done) override {
    if (!done) return;
    if (!core_->is_connected()) {
      asio::post(*ioc_, [done = std::move(done)] {
        done(Unexpected{failure(ChannelError::disconnected, "not connected")});
      });
      return;
    }
    const std::uint64_t id = core_->register_handler(std::move(done));
    auto m = build_event_message(core_->options().nsp, event, args_json_array, id);
    if (!m) {
      asio::post(*ioc_, [core = core_, id, f = m.error()] { core->fail_ack(id, f); });
      return;
    }
    // Posted even from the I/O thread, so that requests leave in the order they were made.
    asio::post(*ioc_, [core = core_, msg = std::move(*m), id, name = std::string(event), timeout,
                       deadline = Clock::now() + timeout]() mutable {
      core->send_message(msg);
      core->arm_ack_timeout(id, deadline, std::move(name), timeout);
    });
  }

  Expected<void, ChannelFailure> emit(std::string_view event,
                                      std::string_view args_json_array) override {
    auto m = build_event_message(core_->options().nsp, event, args_json_array, std::nullopt);
    if (!m) return Unexpected{m.error()};
    if (!core_->is_connected())
      return Unexpected{failure(ChannelError::disconnected, "not connected")};
    asio::post(*ioc_, [core = core_, msg = std::move(*m)] { core->send_message(msg); });
    return {};
  }

  Expected<void, ChannelFailure> send_raw(std::string_view socketio_packet) override {
    if (!core_->is_connected())
      return Unexpected{failure(ChannelError::disconnected, "not connected")};
    asio::post(*ioc_, [core = core_, text = std::string(socketio_packet)]() mutable {
      core->send_raw(std::move(text));
    });
    return {};
  }

  void set_event_handler(EventHandler handler) override {
    asio::post(*ioc_, [core = core_, h = std::move(handler)]() mutable {
      core->set_event_handler(std::move(h));
    });
  }
  void set_disconnect_handler(DisconnectHandler handler) override {
    asio::post(*ioc_, [core = core_, h = std::move(handler)]() mutable {
      core->set_disconnect_handler(std::move(h));
    });
  }
  void set_frame_observer(FrameObserver observer) override {
    asio::post(*ioc_, [core = core_, o = std::move(observer)]() mutable {
      core->set_frame_observer(std::move(o));
    });
  }

  bool connected() const override { return core_->is_connected(); }

  std::string transport_name() const override {
    switch (core_->transport()) {
      case Transport::websocket:
        return "websocket";
      case Transport::polling:
        return "polling";
      case Transport::none:
        break;
    }
    return "none";
  }

  void close() override {
    if (close_started_.exchange(true)) return;
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    asio::co_spawn(
        *ioc_,
        [core = core_, done]() -> Awaitable<void> {
          co_await core->close_gracefully();
          done->set_value();
        },
        [](std::exception_ptr) {});
    if (on_io_thread()) return;  // cannot wait for the thread we are running on
    fut.wait_for(kCloseGrace + std::chrono::seconds(1));
  }

 private:
  bool on_io_thread() const { return io_->is_current(); }

  std::shared_ptr<SharedIoThread> io_;
  asio::io_context* ioc_;  // io_'s context
  std::shared_ptr<Core> core_;
  std::atomic<bool> close_started_{false};
};

// make_tls_context builds the client TLS context: verification against the system store plus
// `ca_file` unless the caller opted out (test servers only).
Expected<std::unique_ptr<ssl::context>, ChannelFailure> make_tls_context(const ChannelOptions& o) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  if (!o.verify_tls) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    return ctx;
  }
  ctx->set_default_verify_paths(ec);
  if (ec) {
    return Unexpected{
        failure(ChannelError::tls_error, "cannot load the system CA store: " + ec.message())};
  }
  if (!o.ca_file.empty()) {
    ctx->load_verify_file(o.ca_file, ec);
    if (ec) {
      return Unexpected{failure(ChannelError::tls_error,
                                "cannot load CA file '" + o.ca_file + "': " + ec.message())};
    }
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec)
    return Unexpected{
        failure(ChannelError::tls_error, "cannot enable verification: " + ec.message())};
  return ctx;
}

}  // namespace

Expected<std::unique_ptr<EventChannel>, ChannelFailure> connect_channel(
    std::string_view url, const ChannelOptions& opts) {
  auto parsed = parse_client_url(url);
  if (!parsed) {
    return Unexpected{failure(ChannelError::invalid_url,
                              "cannot use URL '" + std::string(url) +
                                  "': " + std::string(url_error_name(parsed.error())))};
  }
  if (opts.websocket_only && opts.polling_only) {
    return Unexpected{
        failure(ChannelError::bad_argument, "websocket_only and polling_only exclude each other")};
  }
  if (opts.connect_timeout.count() <= 0) {
    return Unexpected{failure(ChannelError::bad_argument, "connect_timeout must be positive")};
  }
  // Refuse a bad namespace or auth object before touching the network.
  if (auto pkt = build_connect_packet(opts.nsp, opts.auth_json); !pkt)
    return Unexpected{pkt.error()};
  std::unique_ptr<ssl::context> ctx;
  if (parsed->tls) {
    auto made = make_tls_context(opts);
    if (!made) return Unexpected{made.error()};
    ctx = std::move(*made);
  }
  auto channel = std::make_unique<ClientChannel>(std::move(*parsed), opts, std::move(ctx));
  auto started = channel->start();
  if (!started) return Unexpected{started.error()};
  return std::unique_ptr<EventChannel>(std::move(channel));
}

}  // namespace unm::transport
