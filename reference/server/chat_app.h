// chat_app.h — the adapter that binds ChatServer to the Socket.IO server transport: incoming
// EVENT/BINARY_EVENT packets become ChatServer::on_event calls, the Outbox calls become ACK and
// EVENT packets, and an Asio timer drives the durable timers. This is the only part of the chat
// server that knows Boost.Asio or sockets.
#pragma once

#include <memory>

#include <boost/asio/system_timer.hpp>

#include "reference/server/chat_server.h"
#include "reference/server/log.h"
#include "reference/transport/socketio_server.h"

namespace unm::server {

// ChatApp — see file comment. All members run on the transport's strand.
class ChatApp final : public transport::SocketIoApp, private Outbox {
 public:
  ChatApp(transport::SocketIoServer& sio, Store& store, Clock& clock, crypto::Random& rng,
          ServerOptions options, Logger& log);
  ~ChatApp() override;

  // start runs the overdue timers (EV-MSG-012: at start-up, in due order) and arms the timer.
  // Call on the strand (post to sio.executor()).
  void start();
  // stop cancels the timer; call before shutting the transport down.
  void stop();

  transport::ConnectDecision on_connect(transport::ConnectionId conn, const std::string& nsp,
                                        const rapidjson::Value& auth) override;
  void on_event(transport::ConnectionId conn, const std::string& nsp, const std::string& event,
                rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                std::vector<std::string> attachments) override;
  void on_disconnect(transport::ConnectionId conn, const std::string& nsp,
                     std::string_view reason) override;

 private:
  void ack(ConnId conn, std::uint64_t ack_id, const std::string& result_json) override;
  void emit(ConnId conn, std::string_view name, const std::string& payload_json) override;
  // arm (re)starts the timer for the next due time when it is earlier than the armed one.
  void arm();
  void on_timer();

  transport::SocketIoServer& sio_;
  Clock& clock_;
  Logger& log_;
  ChatServer server_;
  boost::asio::system_timer timer_;
  std::optional<Micros> armed_for_;
  bool stopped_ = false;
};

}  // namespace unm::server
