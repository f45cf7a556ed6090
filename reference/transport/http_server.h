// http_server.h — the network side of the server transport: TCP (optionally TLS) listener, HTTP
// request parsing and WebSocket handshakes with Boost.Beast, routing each path to an Engine.IO
// engine (engine.h). All Beast code of the server lives in http_server.cc.
//
// Threading: construct with the same executor (strand) as the engines; every callback runs there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "reference/common/expected.h"
#include "reference/transport/engine.h"
#include "reference/transport/server_options.h"

namespace unm::transport {

// HttpServer — listener + HTTP/WebSocket front end for one or more Engine.IO engines.
class HttpServer {
 public:
  HttpServer(boost::asio::any_io_executor executor, const ServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // add_route serves `path` (e.g. "/socket.io/") with `engine`, which must outlive the server's
  // I/O (stop() the server and let the io_context finish before destroying engines).
  void add_route(std::string path, eio::Engine& engine);

  // listen binds options.host:options.port (0 = any free port), loads the TLS certificate and
  // key when configured, starts accepting, and returns the bound port or a readable error.
  Expected<std::uint16_t, std::string> listen();

  // stop closes the listener and every HTTP connection; WebSockets still open a short while
  // later are closed forcibly, so that the io_context runs out of work.
  void stop();

  // port is the bound port (0 before listen()).
  std::uint16_t port() const;

  // Impl is the implementation (http_server.cc); public only so that connection classes there
  // can name it.
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace unm::transport
