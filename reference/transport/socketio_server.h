// socketio_server.h — the Socket.IO v5 server (transport.md §2): namespaces, events, acks in
// both directions, binary attachments, rooms and per-socket session data, on top of the
// Engine.IO engine and the Beast/Asio network layer. This is the API the chat server is
// written against.
//
// Threading: the caller drives one boost::asio::io_context (the executable runs it; tests run it
// on a thread). The server works on one strand of it; every SocketIoApp callback runs on that
// strand, one at a time, per connection in arrival order. Call the server's member functions
// only from inside those callbacks or from work posted to executor().
//
// Lifetime: call shutdown(), let io_context::run() return, then destroy the server and apps.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <rapidjson/document.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "reference/common/expected.h"
#include "reference/transport/engine.h"
#include "reference/transport/http_server.h"
#include "reference/transport/server_options.h"
#include "reference/transport/sio_codec.h"

namespace unm::transport {

// ConnectDecision is an application's answer to a namespace CONNECT (TR-SIO-002).
struct ConnectDecision {
  bool accept = true;
  std::string message;  // CONNECT_ERROR message when refused

  static ConnectDecision allow() { return {}; }
  static ConnectDecision refuse(std::string why) { return {false, std::move(why)}; }
};

// SocketIoApp — what an application implements; one instance may serve several namespaces.
class SocketIoApp {
 public:
  virtual ~SocketIoApp() = default;
  // on_connect decides whether socket (conn, nsp) may connect. `auth` is the CONNECT payload
  // (an object) or Null. Events emitted to the socket from inside on_connect are sent right
  // after the CONNECT answer.
  virtual ConnectDecision on_connect(ConnectionId conn, const std::string& nsp,
                                     const rapidjson::Value& auth) = 0;
  // on_event receives EVENT/BINARY_EVENT: the event name, the JSON array of the arguments after
  // the name (placeholders {"_placeholder":true,"num":k} stand for attachments[k]), and the
  // ack id when the client wants an answer (answer with SocketIoServer::ack).
  virtual void on_event(ConnectionId conn, const std::string& nsp, const std::string& event,
                        rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                        std::vector<std::string> attachments) = 0;
  // on_disconnect is called once per connected socket: "client namespace disconnect",
  // "server namespace disconnect", "transport close", "transport error", "ping timeout",
  // "parse error", "forced close" or "server shutting down".
  virtual void on_disconnect(ConnectionId conn, const std::string& nsp,
                             std::string_view reason) = 0;
};

// AckError says why a server→client ack did not arrive.
enum class AckError { timeout, disconnected };
std::string_view ack_error_name(AckError e);

// AckReply is the client's ACK: its argument array and attachments.
struct AckReply {
  rapidjson::Document args;
  std::vector<std::string> attachments;
};
using AckHandler = std::function<void(Expected<AckReply, AckError>)>;

// SocketIoServer — see file comment.
class SocketIoServer : private eio::EngineHandler {
 public:
  // SocketIoServer owns its listener (options.host/port/path/TLS).
  SocketIoServer(boost::asio::io_context& ioc, const ServerOptions& options);
  // SocketIoServer served by an existing HttpServer (several engines on one port, e.g. the echo
  // mode); `executor` must be the one `http` was built with.
  SocketIoServer(boost::asio::any_io_executor executor, const ServerOptions& options,
                 HttpServer& http);
  ~SocketIoServer() override;
  SocketIoServer(const SocketIoServer&) = delete;
  SocketIoServer& operator=(const SocketIoServer&) = delete;

  // add_namespace serves `nsp` ("/", "/custom", ...) with `app`; CONNECTs to other namespaces
  // get CONNECT_ERROR {"message":"Invalid namespace"}. Call before listen().
  void add_namespace(std::string nsp, SocketIoApp& app);

  // listen starts the owned listener and returns the bound port (error for an attached server).
  Expected<std::uint16_t, std::string> listen();

  // executor is the strand all callbacks run on; post work there to call the server.
  boost::asio::any_io_executor executor() const { return executor_; }

  // emit sends EVENT [event, ...args] to socket (conn, nsp); `args` is a JSON array (with
  // placeholders for `attachments`, if any). False when the socket is not connected.
  bool emit(ConnectionId conn, const std::string& nsp, std::string_view event,
            const rapidjson::Value& args, std::vector<std::string> attachments = {});
  // emit_json is emit with the arguments as JSON array text (trusted to be valid JSON).
  bool emit_json(ConnectionId conn, const std::string& nsp, std::string_view event,
                 std::string_view args_json_array, std::vector<std::string> attachments = {});
  // emit_with_ack emits with a fresh ack id; `done` gets the client's ACK, or timeout after
  // `timeout`, or disconnected. Returns false (and never calls `done`) if not connected.
  bool emit_with_ack(ConnectionId conn, const std::string& nsp, std::string_view event,
                     const rapidjson::Value& args, std::chrono::milliseconds timeout,
                     AckHandler done);
  // ack answers the client's event `ack_id` with the JSON array `args` (TR-APP-002).
  bool ack(ConnectionId conn, const std::string& nsp, std::uint64_t ack_id,
           const rapidjson::Value& args, std::vector<std::string> attachments = {});
  bool ack_json(ConnectionId conn, const std::string& nsp, std::uint64_t ack_id,
                std::string_view args_json_array, std::vector<std::string> attachments = {});

  // join / leave put socket (conn, nsp) into / out of a room of its namespace.
  bool join(ConnectionId conn, const std::string& nsp, const std::string& room);
  void leave(ConnectionId conn, const std::string& nsp, const std::string& room);
  // emit_to_room sends the event to every socket of `room` in `nsp` except `except`; returns
  // the number of sockets reached.
  std::size_t emit_to_room(const std::string& nsp, const std::string& room, std::string_view event,
                           const rapidjson::Value& args,
                           std::optional<ConnectionId> except = std::nullopt);
  // broadcast sends the event to every connected socket of `nsp` except `except`.
  std::size_t broadcast(const std::string& nsp, std::string_view event,
                        const rapidjson::Value& args,
                        std::optional<ConnectionId> except = std::nullopt);
  // room_size is the number of sockets in a room.
  std::size_t room_size(const std::string& nsp, const std::string& room) const;

  // session_data is the application's per-socket slot (empty std::any at connect); nullptr when
  // the socket is not connected.
  std::any* session_data(ConnectionId conn, const std::string& nsp);
  // socket_id is the Socket.IO sid given to the socket in its CONNECT answer.
  std::optional<std::string> socket_id(ConnectionId conn, const std::string& nsp) const;
  bool connected(ConnectionId conn, const std::string& nsp) const;
  // transport is "polling" or "websocket" for an open connection.
  std::optional<std::string> transport(ConnectionId conn) const;
  // connection_count is the number of open Engine.IO sessions.
  std::size_t connection_count() const { return engine_.session_count(); }

  // disconnect_socket sends DISCONNECT to (conn, nsp) and forgets the socket (the connection
  // stays open); close ends the whole connection.
  void disconnect_socket(ConnectionId conn, const std::string& nsp);
  void close(ConnectionId conn);

  // shutdown closes every connection (apps see "server shutting down") and stops listening.
  void shutdown();

 private:
  struct PendingAck;
  struct Socket;
  struct Conn;

  void on_open(ConnectionId id) override;
  void on_message(ConnectionId id, const eio::Packet& message) override;
  void on_close(ConnectionId id, eio::CloseReason reason) override;

  void handle(ConnectionId id, sio::Incoming in);
  void send(ConnectionId id, const sio::EncodedMessage& m);
  bool send_packet(ConnectionId id, const std::string& nsp, sio::Message m);
  void drop_socket(ConnectionId id, Conn& c, const std::string& nsp, std::string_view reason);
  Socket* find_socket(ConnectionId id, const std::string& nsp);
  const Socket* find_socket(ConnectionId id, const std::string& nsp) const;
  std::size_t send_to(const std::vector<ConnectionId>& targets, const std::string& nsp,
                      std::string_view event, const rapidjson::Value& args);

  boost::asio::any_io_executor executor_;
  ServerOptions options_;
  std::unique_ptr<HttpServer> own_http_;
  HttpServer* http_;
  eio::Engine engine_;
  std::map<std::string, SocketIoApp*> apps_;
  std::unordered_map<ConnectionId, std::unique_ptr<Conn>> conns_;
  std::map<std::pair<std::string, std::string>, std::set<ConnectionId>> rooms_;
  bool stopped_ = false;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace unm::transport
