// engine.h — the Engine.IO v4 server engine (transport.md §1): sessions, HTTP long-polling,
// WebSocket transport, the polling→WebSocket upgrade, heartbeat, payload limits and close
// rules. It knows no HTTP library: the network layer (http_server.h) turns requests into
// HttpRequest values and WebSocket connections into WsLink objects.
//
// Threading: every member function must run on the executor given to the constructor (one
// strand); handler callbacks run there too, one at a time, per session in arrival order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "reference/common/expected.h"
#include "reference/transport/eio_codec.h"
#include "reference/transport/server_options.h"

namespace unm::transport::eio {

// HttpRequest — the parts of an HTTP request the engine looks at.
struct HttpRequest {
  std::string method;                        // "GET", "POST", "OPTIONS", ...
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string origin;                        // Origin header, empty when absent
  std::string request_headers;               // Access-Control-Request-Headers
  std::string body;
};

// HttpResponse — what the engine answers.
struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Responder delivers the answer to one HTTP request (called exactly once).
using Responder = std::function<void(HttpResponse)>;

// ErrorCode — the Engine.IO error codes of TR-EIO-001.
enum class ErrorCode {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

// error_response builds the HTTP error answer {"code":N,"message":"…"} (400, or 403 for
// forbidden) of TR-EIO-001.
HttpResponse error_response(ErrorCode code);

// max_queued_bytes is how much outgoing data one session may have waiting (max(16 MiB,
// 16 × maxPayload)); a client that stops reading while more is sent is disconnected.
std::size_t max_queued_bytes(const ServerOptions& options);

// CloseReason says why a session ended.
enum class CloseReason {
  client_close,     // the client sent a close packet
  server_close,     // Engine::close() (or the application) ended it
  ping_timeout,     // no pong in time (TR-EIO-005)
  transport_close,  // the WebSocket closed
  transport_error,  // the WebSocket failed or an oversize message arrived (TR-EIO-007)
  protocol_error,   // the client violated Engine.IO (bad packet, two GETs, bad POST, ...)
  shutdown,         // the server is shutting down
};

// close_reason_name returns "client_close", "ping_timeout", ... for `r`.
std::string_view close_reason_name(CloseReason r);

// WsLink is one accepted WebSocket, implemented by the network layer. The engine writes frames
// through it and closes it; the network layer reports frames and closure back through
// Engine::on_ws_frame / on_ws_closed.
class WsLink {
 public:
  virtual ~WsLink() = default;
  // send queues one frame (text or binary).
  virtual void send(std::string data, bool binary) = 0;
  // close closes the WebSocket after queued frames are written.
  virtual void close() = 0;
};

// EngineHandler — what the layer above (Socket.IO, or the plain echo) is told.
class EngineHandler {
 public:
  virtual ~EngineHandler() = default;
  virtual void on_open(ConnectionId id) = 0;
  // on_message receives each message packet (text or binary) in arrival order.
  virtual void on_message(ConnectionId id, const Packet& message) = 0;
  // on_close is called exactly once per opened session.
  virtual void on_close(ConnectionId id, CloseReason reason) = 0;
};

// WsAdmission is the engine's yes to a WebSocket upgrade request: a new session, or the upgrade
// of the polling session `sid`.
struct WsAdmission {
  std::optional<std::string> sid;
};

// Engine — the Engine.IO server state machine (see file comment).
class Engine {
 public:
  Engine(boost::asio::any_io_executor executor, const ServerOptions& options,
         EngineHandler& handler);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // handle_http answers a non-upgrade HTTP request on the engine's path (polling GET/POST,
  // OPTIONS pre-flight, errors). `respond` may be called later (a GET waits for packets).
  void handle_http(HttpRequest request, Responder respond);

  // handle_oversize answers a POST whose body exceeded maxPayload (TR-EIO-007: 413) and closes
  // its session.
  HttpResponse handle_oversize(const HttpRequest& request);

  // admit_websocket checks a WebSocket upgrade request; an error is the HTTP answer to give.
  Expected<WsAdmission, HttpResponse> admit_websocket(const HttpRequest& request);

  // on_ws_open attaches an accepted WebSocket (admitted earlier) and returns the handle the
  // network layer passes to on_ws_frame / on_ws_closed.
  std::uint64_t on_ws_open(std::shared_ptr<WsLink> link, const WsAdmission& admission);
  void on_ws_frame(std::uint64_t link, std::string data, bool binary);
  void on_ws_closed(std::uint64_t link, bool error);

  // send queues a message packet for session `id`; false when the session is gone.
  bool send(ConnectionId id, Packet message);
  // close ends session `id` (a close packet is sent when the transport allows).
  void close(ConnectionId id);
  // shutdown closes every session; new sessions are refused afterwards.
  void shutdown();

  // cors_headers returns the CORS headers for an allowed origin (empty when none applies), or
  // nullopt when the origin is not allowed (TR-EIO-009).
  std::optional<std::vector<std::pair<std::string, std::string>>> cors_headers(
      const std::string& origin) const;

  // session_count is the number of open sessions.
  std::size_t session_count() const;
  // transport_of returns "polling" or "websocket" for an open session.
  std::optional<std::string> transport_of(ConnectionId id) const;

  const ServerOptions& options() const { return options_; }

 private:
  struct Session;
  struct Link;

  Session* find(ConnectionId id);
  Session* find_sid(const std::string& sid);
  Session& create_session(bool websocket);
  void handle_get(Session& s, Responder respond);
  void handle_post(Session& s, const HttpRequest& req, Responder respond);
  void on_packet(Session& s, Packet p);
  void flush(Session& s);
  void schedule_ping(Session& s);
  void end(Session& s, CloseReason reason, bool send_close);
  void finish_upgrade(Session& s);
  void with_cors(const HttpRequest& req, HttpResponse& r) const;
  std::string new_sid();

  boost::asio::any_io_executor executor_;
  ServerOptions options_;
  EngineHandler& handler_;
  std::unordered_map<ConnectionId, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::string, ConnectionId> by_sid_;
  std::unordered_map<std::uint64_t, Link> links_;
  ConnectionId next_id_ = 1;
  std::uint64_t next_link_ = 1;
  bool stopped_ = false;
  // life_ is observed (weakly) by every timer handler, so one that fires after the engine is
  // gone does nothing.
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace unm::transport::eio
