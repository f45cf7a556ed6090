// wire_tap.h — the Engine.IO layer of `observe`: turns what the proxy forwards (long-polling
// request and response bodies, WebSocket messages) into Engine.IO packets per session, reassembles
// Socket.IO packets (binary attachments included) with the project's codecs, and hands them to
// the Judge. Pure: no sockets; the proxy calls it in wire order, on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "conformance/observe/judge.h"
#include "reference/transport/eio_codec.h"
#include "reference/transport/sio_codec.h"

namespace unm::conformance::observe {

class WireTap {
 public:
  using Clock = std::chrono::system_clock;
  using WsId = std::uint64_t;

  explicit WireTap(Judge& judge) : judge_(judge) {}

  // on_poll_request sees a long-polling request before it is forwarded: a POST body carries
  // client packets (TR-EIO-004). `target` is the HTTP request target (path and query).
  void on_poll_request(std::string_view method, std::string_view target, std::string_view body,
                       Clock::time_point at);
  // on_poll_response sees the answer to a long-polling request: a GET's 200 body carries server
  // packets; the handshake GET (no sid) opens a session.
  void on_poll_response(std::string_view method, std::string_view target, int status,
                        std::string_view body, Clock::time_point at);

  // on_ws_open: a WebSocket to the Engine.IO endpoint was opened (`target` with or without sid).
  WsId on_ws_open(std::string_view target, Clock::time_point at);
  // on_ws_message: one WebSocket message in direction `dir`.
  void on_ws_message(WsId ws, Direction dir, bool binary, std::string_view data,
                     Clock::time_point at);
  // on_ws_close: the WebSocket ended (either side); an upgraded session ends with it.
  void on_ws_close(WsId ws, Clock::time_point at);

  // query_param returns the value of `key` in the query of `target` ("" when absent).
  static std::string query_param(std::string_view target, std::string_view key);

 private:
  struct Session {
    std::uint64_t number = 0;
    transport::sio::Assembler to_server;
    transport::sio::Assembler to_client;
    bool closed = false;
  };
  Session* session_for(const std::string& sid);
  Session& open(const std::string& sid, Clock::time_point at);
  void feed(Session& s, Direction dir, const transport::eio::Packet& p, Clock::time_point at);
  void close(Session& s, Clock::time_point at);

  Judge& judge_;
  std::map<std::string, Session> sessions_;  // by Engine.IO sid
  struct Ws {
    std::string sid;                 // "" until the open packet names it
    std::unique_ptr<Session> fresh;  // a WebSocket-only session before its sid is known
    bool carries = false;            // carries the session (WebSocket-only, or upgraded by "5")
  };
  std::map<WsId, Ws> ws_;
  WsId next_ws_ = 1;
  std::uint64_t anonymous_ = 0;
};

}  // namespace unm::conformance::observe
