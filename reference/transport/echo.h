// echo.h — the compliance echo applications of transport.md §4, the server command-line flags
// and a SIGINT/SIGTERM helper for executables.
//
// Echo mode serves, on one port:
//  - /engine.io/: a plain Engine.IO v4 server that sends every message back unchanged;
//  - /socket.io/ (ServerOptions::path): a Socket.IO v5 server whose "/" and "/custom" namespaces
//    emit "auth" with the handshake's auth object right after CONNECT, answer "message" with
//    "message-back" (same arguments, binary kept) and ack "message-with-ack" with its own
//    arguments; other namespaces are refused with {"message":"Invalid namespace"}.
#pragma once

#include <functional>
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

// SocketIoEchoApp — the Socket.IO echo application (namespaces "/" and "/custom").
class SocketIoEchoApp : public SocketIoApp {
 public:
  explicit SocketIoEchoApp(SocketIoServer& server) : server_(server) {}
  ConnectDecision on_connect(ConnectionId conn, const std::string& nsp,
                             const rapidjson::Value& auth) override;
  void on_event(ConnectionId conn, const std::string& nsp, const std::string& event,
                rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                std::vector<std::string> attachments) override;
  void on_disconnect(ConnectionId, const std::string&, std::string_view) override {}

 private:
  SocketIoServer& server_;
};

// EchoServer — both echo applications on one listener (see file comment).
class EchoServer {
 public:
  EchoServer(boost::asio::io_context& ioc, const ServerOptions& options);
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
