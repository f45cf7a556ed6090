// chat_app.h — the adapter that binds ChatServer to the Socket.IO server transport: incoming
// EVENT/BINARY_EVENT packets become ChatServer::on_event calls, the Outbox calls become ACK and
// EVENT packets, and an Asio timer drives the durable timers. This is the only part of the chat
// server that knows Boost.Asio or sockets.
//
// Group commit: incoming requests are queued, and a handler posted on the strand hands every
// queued request (at most kMaxBatch) to ChatServer::on_batch — one transaction and one fsync for
// all of them. Before it does, it lets the read completions already waiting on the io_context
// add their requests (it re-posts itself while the queue keeps growing, for at most kMaxWait), so
// batches form by themselves under load and a lone request waits only one loop round. The
// signatures of a batch are verified first, in parallel (SignaturePool), then the batch runs in
// order on the strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>

#include <boost/asio/system_timer.hpp>

#include "reference/server/chat_server.h"
#include "reference/server/log.h"
#include "reference/transport/socketio_server.h"

namespace unm::server {

// ChatApp — see file comment. All members run on the transport's strand.
class ChatApp final : public transport::SocketIoApp, private Outbox {
 public:
  // ChatApp: `max_batch` bounds the requests of one transaction (1 = one transaction per
  // request, no group commit); `verify_workers` threads help the I/O thread verify the
  // signatures of a batch (0 = every signature is verified on the I/O thread).
  ChatApp(transport::SocketIoServer& sio, Store& store, Clock& clock, crypto::Random& rng,
          ServerOptions options, Logger& log, std::size_t max_batch = kMaxBatch,
          unsigned verify_workers = 1);
  ~ChatApp() override;
  ChatApp(const ChatApp&) = delete;
  ChatApp& operator=(const ChatApp&) = delete;

  // start runs the overdue timers (EV-MSG-012: at start-up, in due order) and arms the timer.
  // Call on the strand (post to sio.executor()).
  void start();
  // stop handles the queued requests and cancels the timer; call before shutting the transport
  // down.
  void stop();

  // kMaxBatch is the default bound of the requests of one transaction; kMaxWait bounds how long the
  // first request of a batch waits for others to join it.
  static constexpr std::size_t kMaxBatch = 256;
  static constexpr std::chrono::microseconds kMaxWait{2000};

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
  // schedule_drain posts drain() unless it is already posted; drain() handles the queue (see
  // the file comment); drain_now() handles every queued request at once, e.g. before a
  // disconnect so that the requests a connection sent are answered in order before it goes.
  void schedule_drain();
  void drain();
  void drain_now();
  void run_batch(std::size_t n);

  transport::SocketIoServer& sio_;
  Clock& clock_;
  Logger& log_;
  ChatServer server_;
  boost::asio::system_timer timer_;
  std::optional<Micros> armed_for_;
  bool stopped_ = false;
  std::deque<ChatServer::Incoming> queue_;
  std::vector<ChatServer::Incoming> batch_;
  std::size_t max_batch_;
  SignaturePool pool_;
  bool drain_posted_ = false;
  std::size_t seen_ = 0;                             // queue size at the last drain() round
  std::chrono::steady_clock::time_point wait_from_;  // when the oldest queued request came
  // alive_ is shared with posted drain handlers, so that one running after the app is gone
  // does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace unm::server
