// echo.h — the compliance echo applications of transport.md §4, the server command-line flags
// and a SIGINT/SIGTERM helper for executables.
//
// Echo mode serves, on one port:
//  - /engine.io/: a plain Engine.IO v4 server that sends every message back unchanged;
//  - /socket.io/ (ServerOptions::path): a Socket.IO v5 server whose "/" and "/custom" namespaces
//    emit "auth" with the handshake's auth object after CONNECT (in a write of its own, see
//    SocketIoEchoApp), answer "message" with "message-back" (same arguments, binary kept) and
//    ack "message-with-ack" with its own arguments; other namespaces are refused with
//    {"message":"Invalid namespace"}.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "reference/common/expected.h"
#include "reference/transport/engine.h"
#include "reference/transport/http_server.h"
#include "reference/transport/server_options.h"
#include "reference/transport/socketio_server.h"

namespace unm::transport {

// parse_server_flags applies command-line flags to `base`:
//   --host H, --port N, --path P, --ping-interval MS, --ping-timeout MS, --max-payload BYTES,
//   --connect-timeout MS, --cors-origin O (repeatable; replaces the default "*"),
//   --tls-cert FILE, --tls-key FILE. Both "--flag value" and "--flag=value" are accepted.
// Unknown flags and bad numbers give an error text.
Expected<ServerOptions, std::string> parse_server_flags(std::span<const std::string_view> args,
                                                        ServerOptions base = {});

// kEchoAuthPause is how long after the CONNECT answer the echo app waits before it sends "auth"
// on its own (see SocketIoEchoApp).
inline constexpr std::chrono::milliseconds kEchoAuthPause{50};

// SocketIoEchoApp — the Socket.IO echo application (namespaces "/" and "/custom").
//
// "auth" is not written together with the CONNECT answer but `auth_pause` later, in a write of
// its own, so that a client that reads one message at a time and only then waits for the next
// (as the published compliance suites do) sees the two in separate reads instead of losing the
// second (docs/transport.md, "Echo mode"). When the client sends an event on the socket before
// the pause is over, "auth" goes out at once, ahead of the answer: it is always the first
// message after the CONNECT answer (transport.md §4), and eager clients wait for nothing.
class SocketIoEchoApp : public SocketIoApp {
 public:
  explicit SocketIoEchoApp(SocketIoServer& server,
                           std::chrono::milliseconds auth_pause = kEchoAuthPause);
  ~SocketIoEchoApp() override;
  SocketIoEchoApp(const SocketIoEchoApp&) = delete;
  SocketIoEchoApp& operator=(const SocketIoEchoApp&) = delete;

  ConnectDecision on_connect(ConnectionId conn, const std::string& nsp,
                             const rapidjson::Value& auth) override;
  void on_event(ConnectionId conn, const std::string& nsp, const std::string& event,
                rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                std::vector<std::string> attachments) override;
  void on_disconnect(ConnectionId conn, const std::string& nsp, std::string_view) override;

 private:
  struct PendingAuth;
  using SocketKey = std::pair<ConnectionId, std::string>;
  // send_auth emits the pending "auth" of a socket, if it has one.
  void send_auth(const SocketKey& key);

  SocketIoServer& server_;
  std::chrono::milliseconds auth_pause_;
  std::map<SocketKey, std::unique_ptr<PendingAuth>> pending_;
  std::uint64_t next_serial_ = 1;
  // life_ is observed (weakly) by the pause timers' handlers, so one that runs after the app is
  // gone does nothing.
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

// EchoServer — both echo applications on one listener (see file comment).
class EchoServer {
 public:
  // `auth_pause`: see SocketIoEchoApp (tests lengthen it to observe it).
  EchoServer(boost::asio::io_context& ioc, const ServerOptions& options,
             std::chrono::milliseconds auth_pause = kEchoAuthPause);
  ~EchoServer();
  // listen returns the bound port.
  Expected<std::uint16_t, std::string> listen();
  // shutdown closes every session and the listener.
  void shutdown();
  boost::asio::any_io_executor executor() const { return executor_; }

 private:
  class EngineEcho;
  boost::asio::any_io_executor executor_;
  HttpServer http_;
  std::unique_ptr<EngineEcho> engine_echo_;
  std::unique_ptr<eio::Engine> engine_;
  SocketIoServer sio_;
  SocketIoEchoApp app_;
};

// SignalShutdown calls `on_signal` (on the io_context) at the first SIGINT or SIGTERM while it
// exists. Executables use it for graceful shutdown.
class SignalShutdown {
 public:
  SignalShutdown(boost::asio::io_context& ioc, std::function<void(int signal)> on_signal);
  ~SignalShutdown();
  // cancel stops waiting for signals (lets io_context::run() return).
  void cancel();

 private:
  boost::asio::signal_set signals_;
};

// run_echo_server runs the echo applications with `options` until SIGINT/SIGTERM, writing
// "listening on http://host:port" (or https) to `log`. Returns a process exit code (0 after a
// graceful shutdown, 1 when it cannot listen).
int run_echo_server(const ServerOptions& options, std::ostream& log);

}  // namespace unm::transport
