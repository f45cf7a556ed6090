#include "reference/server/chat_app.h"

#include <algorithm>

namespace unm::server {

namespace {
const std::string kRoot = "/";
// kMaxSleep bounds one timer wait, so that a wall-clock jump delays a timer by at most this much.
constexpr Micros kMaxSleep = 1'000'000;
}  // namespace

ChatApp::ChatApp(transport::SocketIoServer& sio, Store& store, Clock& clock, crypto::Random& rng,
                 ServerOptions options, Logger& log)
    : sio_(sio),
      clock_(clock),
      log_(log),
      server_(store, clock, *this, rng, options),
      timer_(sio.executor()) {}

ChatApp::~ChatApp() = default;

void ChatApp::start() {
  server_.run_due();
  arm();
}

void ChatApp::stop() {
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
  server_.on_event(conn, event, args, ack_id, !attachments.empty());
  arm();
}

void ChatApp::on_disconnect(transport::ConnectionId conn, const std::string&,
                            std::string_view reason) {
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
  server_.run_due();
  arm();
}

}  // namespace unm::server
