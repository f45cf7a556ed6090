// echo.cc — compliance echo applications (transport.md §4), flags and signal handling.
#include "reference/transport/echo.h"

#include <charconv>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "reference/transport/sio_codec.h"

namespace unm::transport {

namespace asio = boost::asio;

namespace {

template <class T>
Expected<T, std::string> parse_number(std::string_view flag, std::string_view v) {
  T out{};
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    return Unexpected{std::string(flag) + ": not a non-negative number: " + std::string(v)};
  }
  return out;
}

}  // namespace

Expected<ServerOptions, std::string> parse_server_flags(std::span<const std::string_view> args,
                                                        ServerOptions base) {
  ServerOptions o = std::move(base);
  bool cors_replaced = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::string_view value;
    bool has_value = false;
    if (const auto eq = flag.find('='); eq != std::string_view::npos && flag.starts_with("--")) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    const auto need = [&]() -> Expected<std::string_view, std::string> {
      if (has_value) return value;
      if (i + 1 >= args.size()) return Unexpected{std::string(flag) + " needs a value"};
      return args[++i];
    };
    const auto ms = [&](std::chrono::milliseconds& out) -> Expected<void, std::string> {
      auto v = need();
      if (!v) return Unexpected{v.error()};
      auto n = parse_number<std::uint64_t>(flag, *v);
      if (!n) return Unexpected{n.error()};
      out = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*n));
      return {};
    };
    Expected<void, std::string> r;
    if (flag == "--ping-interval") {
      r = ms(o.ping_interval);
    } else if (flag == "--ping-timeout") {
      r = ms(o.ping_timeout);
    } else if (flag == "--connect-timeout") {
      r = ms(o.connect_timeout);
    } else if (flag == "--max-payload") {
      auto v = need();
      if (!v) return Unexpected{v.error()};
      auto n = parse_number<std::size_t>(flag, *v);
      if (!n) return Unexpected{n.error()};
      o.max_payload = *n;
    } else if (flag == "--port") {
      auto v = need();
      if (!v) return Unexpected{v.error()};
      auto n = parse_number<std::uint16_t>(flag, *v);
      if (!n) return Unexpected{n.error()};
      o.port = *n;
    } else if (flag == "--host" || flag == "--path" || flag == "--tls-cert" ||
               flag == "--tls-key" || flag == "--cors-origin") {
      auto v = need();
      if (!v) return Unexpected{v.error()};
      if (flag == "--host") o.host = std::string(*v);
      if (flag == "--path") o.path = std::string(*v);
      if (flag == "--tls-cert") o.tls_cert_file = std::string(*v);
      if (flag == "--tls-key") o.tls_key_file = std::string(*v);
      if (flag == "--cors-origin") {
        if (!cors_replaced) o.cors_origins.clear();
        cors_replaced = true;
        o.cors_origins.emplace_back(*v);
      }
    } else {
      return Unexpected{"unknown flag: " + std::string(args[i])};
    }
    if (!r) return Unexpected{r.error()};
  }
  if (o.ping_interval.count() == 0 || o.ping_timeout.count() == 0 || o.max_payload == 0) {
    return Unexpected{std::string("--ping-interval, --ping-timeout and --max-payload must be > 0")};
  }
  return o;
}

// PendingAuth — an "auth" waiting for the end of its pause.
struct SocketIoEchoApp::PendingAuth {
  explicit PendingAuth(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  std::string args_json;  // ["<auth object>"]
  std::uint64_t serial = 0;
};

SocketIoEchoApp::SocketIoEchoApp(SocketIoServer& server, std::chrono::milliseconds auth_pause)
    : server_(server), auth_pause_(auth_pause) {}

SocketIoEchoApp::~SocketIoEchoApp() = default;

ConnectDecision SocketIoEchoApp::on_connect(ConnectionId conn, const std::string& nsp,
                                            const rapidjson::Value& auth) {
  // transport.md §4: "auth" with the handshake's auth object ({} when none), after the CONNECT
  // answer — in a write of its own, auth_pause_ later (see echo.h).
  rapidjson::Document args(rapidjson::kArrayType);
  rapidjson::Value a;
  if (auth.IsObject()) {
    a.CopyFrom(auth, args.GetAllocator());
  } else {
    a.SetObject();
  }
  args.PushBack(a, args.GetAllocator());
  SocketKey key{conn, nsp};
  auto p = std::make_unique<PendingAuth>(server_.executor());
  p->args_json = sio::to_json(args);
  p->serial = next_serial_++;
  p->timer.expires_after(auth_pause_);
  p->timer.async_wait([this, key, serial = p->serial,
                       life = std::weak_ptr<int>(life_)](const boost::system::error_code& ec) {
    if (ec || life.expired()) return;
    const auto it = pending_.find(key);
    // A socket that left and came back has a new pending "auth" of its own.
    if (it == pending_.end() || it->second->serial != serial) return;
    send_auth(key);
  });
  pending_[key] = std::move(p);
  return ConnectDecision::allow();
}

void SocketIoEchoApp::send_auth(const SocketKey& key) {
  const auto it = pending_.find(key);
  if (it == pending_.end()) return;
  const std::string args = std::move(it->second->args_json);
  pending_.erase(it);  // cancels the timer if it has not fired
  server_.emit_json(key.first, key.second, "auth", args);
}

void SocketIoEchoApp::on_event(ConnectionId conn, const std::string& nsp, const std::string& event,
                               rapidjson::Document args, std::optional<std::uint64_t> ack_id,
                               std::vector<std::string> attachments) {
  // "auth" first, whatever the client sends before its pause is over.
  send_auth(SocketKey{conn, nsp});
  if (event == "message") {
    server_.emit(conn, nsp, "message-back", args, std::move(attachments));
  } else if (event == "message-with-ack" && ack_id) {
    server_.ack(conn, nsp, *ack_id, args, std::move(attachments));
  }
}

void SocketIoEchoApp::on_disconnect(ConnectionId conn, const std::string& nsp, std::string_view) {
  pending_.erase(SocketKey{conn, nsp});  // nobody to greet any more
}

// EngineEcho — the plain Engine.IO echo: every message goes back as it came.
class EchoServer::EngineEcho : public eio::EngineHandler {
 public:
  void on_open(ConnectionId) override {}
  void on_message(ConnectionId id, const eio::Packet& message) override {
    if (engine != nullptr) engine->send(id, message);
  }
  void on_close(ConnectionId, eio::CloseReason) override {}
  eio::Engine* engine = nullptr;
};

namespace {
ServerOptions with_path(ServerOptions o, std::string path) {
  o.path = std::move(path);
  return o;
}
}  // namespace

EchoServer::EchoServer(asio::io_context& ioc, const ServerOptions& options,
                       std::chrono::milliseconds auth_pause)
    : executor_(asio::make_strand(ioc)),
      http_(executor_, options),
      engine_echo_(std::make_unique<EngineEcho>()),
      engine_(std::make_unique<eio::Engine>(executor_, with_path(options, "/engine.io/"),
                                            *engine_echo_)),
      sio_(executor_, options, http_),
      app_(sio_, auth_pause) {
  engine_echo_->engine = engine_.get();
  http_.add_route("/engine.io/", *engine_);
  sio_.add_namespace("/", app_);
  sio_.add_namespace("/custom", app_);
}

EchoServer::~EchoServer() = default;

Expected<std::uint16_t, std::string> EchoServer::listen() {
  return http_.listen();
}

void EchoServer::shutdown() {
  engine_->shutdown();
  sio_.shutdown();
  http_.stop();
}

SignalShutdown::SignalShutdown(asio::io_context& ioc, std::function<void(int)> on_signal)
    : signals_(ioc, SIGINT, SIGTERM) {
  signals_.async_wait([cb = std::move(on_signal)](const boost::system::error_code& ec, int sig) {
    if (!ec) cb(sig);
  });
}

SignalShutdown::~SignalShutdown() {
  cancel();
}

void SignalShutdown::cancel() {
  boost::system::error_code ec;
  signals_.cancel(ec);
}

int run_echo_server(const ServerOptions& options, std::ostream& log) {
  asio::io_context ioc(1);
  EchoServer server(ioc, options);
  const auto port = server.listen();
  if (!port) {
    log << "error: " << port.error() << "\n";
    return 1;
  }
  // Signals first: a SIGTERM sent as soon as the line is read must shut down gracefully.
  SignalShutdown signals(ioc,
                         [&](int) { asio::post(server.executor(), [&] { server.shutdown(); }); });
  log << "listening on " << (options.tls_cert_file.empty() ? "http" : "https") << "://"
      << options.host << ":" << *port << std::endl;
  ioc.run();
  log << "shut down" << std::endl;
  return 0;
}

}  // namespace unm::transport
