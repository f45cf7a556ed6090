#include "reference/server/chat_app.h"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace unm::server {

namespace {
const std::string kRoot = "/";
// kMaxSleep bounds one timer wait, so that a wall-clock jump delays a timer by at most this much.
constexpr Micros kMaxSleep = 1'000'000;
}  // namespace

ChatApp::ChatApp(transport::SocketIoServer& sio, Store& store, Clock& clock, crypto::Random& rng,
                 ServerOptions options, Logger& log, std::size_t max_batch, unsigned verify_workers)
    : sio_(sio),
      clock_(clock),
      log_(log),
      server_(store, clock, *this, rng, options),
      timer_(sio.executor()),
      max_batch_(std::max<std::size_t>(1, max_batch)),
      pool_(verify_workers) {}

ChatApp::~ChatApp() {
  *alive_ = false;
}

void ChatApp::start() {
  server_.run_due();
  arm();
}

void ChatApp::stop() {
  drain_now();
  stopped_ = true;
  timer_.cancel();
}

transport::ConnectDecision ChatApp::on_connect(transport::ConnectionId conn, const std::string&,
                                               const rapidjson::Value&) {
  // EV-TRN-002: the auth object is ignored; connecting authenticates nobody. The transport
  // refuses namespaces other than "/" (only "/" is registered).
  server_.on_connect(conn);
  log_.log(LogLevel::debug, "connect", {{"conn", std::to_string(conn)}});
  return transport::ConnectDecision::allow();
}

void ChatApp::on_event(transport::ConnectionId conn, const std::string&, const std::string& event,
                       rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                       std::vector<std::string> attachments) {
  if (log_.enabled(LogLevel::debug)) {
    log_.log(LogLevel::debug, "event", {{"conn", std::to_string(conn)}, {"event", event}});
  }
  // EV-TRN-008: any attachment makes it a BINARY_EVENT, which no event of the protocol takes.
  if (queue_.empty()) wait_from_ = std::chrono::steady_clock::now();
  queue_.push_back(
      ChatServer::Incoming{conn, event, std::move(args), ack_id, !attachments.empty()});
  schedule_drain();
}

void ChatApp::schedule_drain() {
  if (drain_posted_) return;
  drain_posted_ = true;
  boost::asio::post(sio_.executor(), [this, alive = alive_] {
    if (*alive) drain();
  });
}

void ChatApp::drain() {
  drain_posted_ = false;
  if (queue_.empty()) return;
  const bool grew = queue_.size() > seen_;
  if (grew && queue_.size() < max_batch_ &&
      std::chrono::steady_clock::now() - wait_from_ < kMaxWait) {
    // More requests came during the last round: give the reads still queued a round too.
    seen_ = queue_.size();
    schedule_drain();
    return;
  }
  run_batch(std::min(queue_.size(), max_batch_));
  if (!queue_.empty()) {
    wait_from_ = std::chrono::steady_clock::now();
    schedule_drain();
  }
}

void ChatApp::drain_now() {
  while (!queue_.empty()) run_batch(std::min(queue_.size(), max_batch_));
}

void ChatApp::run_batch(std::size_t n) {
  batch_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    batch_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  seen_ = 0;
  // Pure signature checks on the workers, ahead of the batch, which runs in order on this thread
  // meanwhile: a request waits only for its own signature (and this thread verifies instead of
  // waiting). With no worker, the handlers verify inline.
  auto checks = server_.signature_checks(batch_);
  if (pool_.workers() > 0 && checks.size() >= 2) {
    pool_.start(checks);
    struct Finish {  // no worker may touch `checks` once this scope is left, however it is left
      SignaturePool& pool;
      ~Finish() { pool.finish(); }
    } finish{pool_};
    server_.on_batch(batch_, checks, [this](std::size_t i) { return pool_.result(i); });
  } else {
    server_.on_batch(batch_);
  }
  batch_.clear();
  arm();
}

void ChatApp::on_disconnect(transport::ConnectionId conn, const std::string&,
                            std::string_view reason) {
  drain_now();  // the connection's queued requests come first (EV-TRN-023)
  server_.on_disconnect(conn);
  log_.log(LogLevel::debug, "disconnect",
           {{"conn", std::to_string(conn)}, {"reason", std::string(reason)}});
  arm();
}

void ChatApp::ack(ConnId conn, std::uint64_t ack_id, const std::string& result_json) {
  sio_.ack_json(conn, kRoot, ack_id, "[" + result_json + "]");
}

void ChatApp::emit(ConnId conn, std::string_view name, const std::string& payload_json) {
  sio_.emit_json(conn, kRoot, name, "[" + payload_json + "]");
}

void ChatApp::arm() {
  if (stopped_) return;
  const Micros now = clock_.now();
  const auto next = server_.next_wakeup();
  const Micros target = std::min(next.value_or(now + kMaxSleep), now + kMaxSleep);
  if (armed_for_ && *armed_for_ <= target) return;  // an earlier wake-up is already set
  armed_for_ = target;
  timer_.expires_after(std::chrono::microseconds(std::max<Micros>(0, target - now)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: re-armed or stopped
    on_timer();
  });
}

void ChatApp::on_timer() {
  armed_for_.reset();
  if (stopped_) return;
  drain_now();
  server_.run_due();
  arm();
}

}  // namespace unm::server
