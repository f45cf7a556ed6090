// http_server.cc — Beast/Asio listener, HTTP connections and WebSocket connections of the
// server transport (see http_server.h). Templates over the stream type (plain TCP or TLS) are
// instantiated only here, to keep compile times down.
#include "reference/transport/http_server.h"

#include <deque>
#include <functional>
#include <optional>
#include <type_traits>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "reference/transport/tcp_cork.h"

namespace unm::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Closable is anything the server must be able to tear down on stop().
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void force_close() = 0;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// url_decode decodes %XX and '+' of a query component (malformed escapes are kept as is).
std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// split_target splits "/path?query" into the path and the decoded query parameters (the first
// occurrence of a key wins; unknown keys are kept and ignored by the engine, TR-EIO-010).
std::string split_target(std::string_view target, std::map<std::string, std::string>& query) {
  const std::size_t q = target.find('?');
  const std::string path(target.substr(0, q));
  if (q == std::string_view::npos) return path;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    const std::size_t eq = part.find('=');
    std::string key = url_decode(part.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1));
    query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return path;
}

template <class Fields>
eio::HttpRequest to_request(http::verb method, std::string_view method_string, const Fields& f,
                            std::map<std::string, std::string> query) {
  eio::HttpRequest r;
  r.method = method == http::verb::unknown ? std::string(method_string)
                                           : std::string(http::to_string(method));
  r.query = std::move(query);
  if (auto it = f.find(http::field::origin); it != f.end()) r.origin = std::string(it->value());
  if (auto it = f.find(http::field::access_control_request_headers); it != f.end()) {
    r.request_headers = std::string(it->value());
  }
  return r;
}

}  // namespace

// Impl — state shared by the listener and its connections.
struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::any_io_executor ex, const ServerOptions& o)
      : executor(ex), options(o), acceptor(ex), tls(ssl::context::tls_server), grace(ex) {}

  asio::any_io_executor executor;
  ServerOptions options;
  tcp::acceptor acceptor;
  ssl::context tls;
  bool use_tls = false;
  bool stopped = false;
  std::uint16_t port = 0;
  std::vector<std::pair<std::string, eio::Engine*>> routes;
  std::vector<std::weak_ptr<Closable>> live;
  asio::steady_timer grace;

  eio::Engine* route(const std::string& path) {
    for (auto& [p, e] : routes) {
      // "/socket.io/" also matches "/socket.io" (clients differ on the trailing slash).
      if (path == p || (p.size() > 1 && p.back() == '/' && path == p.substr(0, p.size() - 1))) {
        return e;
      }
    }
    return nullptr;
  }

  void track(const std::shared_ptr<Closable>& c) {
    // Prune dead entries now and then so the list stays proportional to live connections.
    if (live.size() > 64 && live.size() % 64 == 0) {
      std::erase_if(live, [](const auto& w) { return w.expired(); });
    }
    live.push_back(c);
  }

  void accept();
};

namespace {

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// WsConnection — one accepted WebSocket, the engine's WsLink.
template <class Stream>
class WsConnection : public eio::WsLink,
                     public Closable,
                     public std::enable_shared_from_this<WsConnection<Stream>> {
 public:
  WsConnection(Stream&& stream, std::shared_ptr<HttpServer::Impl> impl, eio::Engine& engine,
               eio::WsAdmission admission)
      : ws_(std::move(stream)),
        impl_(std::move(impl)),
        engine_(engine),
        admission_(std::move(admission)) {}

  void start(http::request<http::string_body> req) {
    // Kept as a member: the request must outlive the asynchronous accept.
    req_ = std::move(req);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // TR-EIO-007: a WebSocket message over maxPayload fails the read and closes the session.
    ws_.read_message_max(impl_->options.max_payload);
    ws_.async_accept(req_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->handle_ = self->engine_.on_ws_open(self, self->admission_);
      self->open_ = true;
      self->read();
    });
  }

  void send(std::string data, bool binary) override {
    if (closing_) return;
    // A peer that does not read must not make the server buffer without bound.
    queued_ += data.size();
    if (queued_ > eio::max_queued_bytes(impl_->options)) return force_close();
    out_.emplace_back(std::move(data), binary);
    if (writing_) return;
    // The first frame of a burst is written from a posted handler, not from here: the frames
    // the current handler goes on to queue (a batch's acks and notifications) are then all
    // waiting when the writes start, and leave corked together (write_next).
    writing_ = true;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->write_next(); });
  }

  void close() override {
    if (closing_) return;
    closing_ = true;
    if (!writing_) close_now();
  }

  void force_close() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->open_ = false;
        self->engine_.on_ws_closed(self->handle_, ec != websocket::error::closed);
        return;
      }
      std::string data = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->engine_.on_ws_frame(self->handle_, std::move(data), !self->ws_.got_text());
      self->read();
    });
  }

  void write_next() {
    if (out_.empty()) {
      writing_ = false;
      cork(false);
      if (closing_) close_now();
      return;
    }
    writing_ = true;
    // Several frames waiting: keep them in the kernel until the queue drains (the uncork above
    // sends them), so a burst of N frames costs one trip through the TCP stack and one wake-up
    // of the peer instead of N. Profiling the server under message load showed about 40 % of
    // its CPU in one sendmsg-and-transmit per frame.
    if (out_.size() > 1) cork(true);
    ws_.binary(out_.front().second);
    ws_.async_write(asio::buffer(out_.front().first),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->queued_ -= self->out_.front().first.size();
                      self->out_.pop_front();
                      if (ec) {
                        self->out_.clear();
                        self->queued_ = 0;
                        self->writing_ = false;
                        self->cork(false);
                        return;
                      }
                      self->write_next();
                    });
  }

  // cork sets TCP_CORK on the connection's socket when it changes (set_tcp_cork).
  void cork(bool on) {
    if (corked_ == on) return;
    set_tcp_cork(beast::get_lowest_layer(ws_).socket(), on);
    corked_ = on;
  }

  void close_now() {
    if (closed_sent_) return;
    closed_sent_ = true;
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](beast::error_code) {});
  }

  websocket::stream<Stream> ws_;
  http::request<http::string_body> req_;
  std::shared_ptr<HttpServer::Impl> impl_;
  eio::Engine& engine_;
  eio::WsAdmission admission_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, bool>> out_;
  std::size_t queued_ = 0;
  std::uint64_t handle_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_sent_ = false;
  bool corked_ = false;
};

// HttpConnection — one TCP (or TLS) connection carrying HTTP requests, until it becomes a
// WebSocket or closes.
template <class Stream>
class HttpConnection : public Closable,
                       public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  template <class... Args>
  HttpConnection(std::shared_ptr<HttpServer::Impl> impl, Args&&... args)
      : stream_(std::forward<Args>(args)...), impl_(std::move(impl)) {}

  void start() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->force_close();
                                self->read();
                              });
    } else {
      read();
    }
  }

  void force_close() override {
    // After a WebSocket upgrade the stream has moved into the WsConnection.
    if (upgraded_) return;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

 private:
  std::chrono::milliseconds idle_timeout() const {
    // A polling client comes back within pingInterval; allow generously more before reaping.
    return impl_->options.ping_interval + impl_->options.ping_timeout + std::chrono::seconds(30);
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(impl_->options.max_payload);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(idle_timeout());
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      // TR-EIO-007: an oversize POST → 413 and the session closes.
      const auto& h = parser_->get();
      std::map<std::string, std::string> query;
      const std::string path = split_target(h.target(), query);
      eio::Engine* engine = impl_->route(path);
      eio::HttpResponse r;
      r.status = 413;
      r.body = "Payload Too Large";
      if (engine != nullptr) {
        r = engine->handle_oversize(to_request(h.method(), h.method_string(), h, std::move(query)));
      }
      return write(std::move(r), false, h.version());
    }
    if (ec) return force_close();
    auto& msg = parser_->get();
    std::map<std::string, std::string> query;
    const std::string path = split_target(msg.target(), query);
    eio::Engine* engine = impl_->route(path);
    if (engine == nullptr || impl_->stopped) {
      eio::HttpResponse r;
      r.status = 404;
      r.body = "Not Found";
      return write(std::move(r), msg.keep_alive(), msg.version());
    }
    eio::HttpRequest req = to_request(msg.method(), msg.method_string(), msg, std::move(query));
    if (websocket::is_upgrade(msg)) {
      auto admission = engine->admit_websocket(req);
      if (!admission) return write(std::move(admission.error()), false, msg.version());
      upgraded_ = true;
      auto ws = std::make_shared<WsConnection<Stream>>(std::move(stream_), impl_, *engine,
                                                       std::move(*admission));
      impl_->track(ws);
      ws->start(parser_->release());
      return;
    }
    req.body = std::move(msg.body());
    const bool keep_alive = msg.keep_alive();
    const unsigned version = msg.version();
    // The answer may come later (a polling GET waits for packets): keep no timeout meanwhile.
    beast::get_lowest_layer(stream_).expires_never();
    engine->handle_http(std::move(req), [self = this->shared_from_this(), keep_alive,
                                         version](eio::HttpResponse r) {
      self->write(std::move(r), keep_alive, version);
    });
  }

  void write(eio::HttpResponse r, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "unmanageable");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive && !impl_->stopped);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) return self->shutdown();
                        self->read();
                      });
  }

  void shutdown() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->force_close(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      force_close();
    }
  }

  Stream stream_;
  std::shared_ptr<HttpServer::Impl> impl_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool upgraded_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(executor, [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
    if (self->stopped) return;
    if (!ec) {
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      if (self->use_tls) {
        auto c = std::make_shared<HttpConnection<ssl::stream<beast::tcp_stream>>>(
            self, std::move(s), self->tls);
        self->track(c);
        c->start();
      } else {
        auto c = std::make_shared<HttpConnection<beast::tcp_stream>>(self, std::move(s));
        self->track(c);
        c->start();
      }
    }
    // Accept errors (e.g. too many open files) are transient: keep accepting.
    self->accept();
  });
}

HttpServer::HttpServer(asio::any_io_executor executor, const ServerOptions& options)
    : impl_(std::make_shared<Impl>(std::move(executor), options)) {}

HttpServer::~HttpServer() {
  // Handlers still queued hold the Impl alive; make sure they do nothing further.
  impl_->stopped = true;
}

void HttpServer::add_route(std::string path, eio::Engine& engine) {
  impl_->routes.emplace_back(std::move(path), &engine);
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

Expected<std::uint16_t, std::string> HttpServer::listen() {
  Impl& im = *impl_;
  beast::error_code ec;
  if (!im.options.tls_cert_file.empty() || !im.options.tls_key_file.empty()) {
    if (im.options.tls_cert_file.empty() || im.options.tls_key_file.empty()) {
      return Unexpected{std::string("TLS needs both a certificate and a key file")};
    }
    im.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    im.tls.use_certificate_chain_file(im.options.tls_cert_file, ec);
    if (ec)
      return Unexpected{"cannot load TLS certificate " + im.options.tls_cert_file + ": " +
                        ec.message()};
    im.tls.use_private_key_file(im.options.tls_key_file, ssl::context::pem, ec);
    if (ec)
      return Unexpected{"cannot load TLS key " + im.options.tls_key_file + ": " + ec.message()};
    im.use_tls = true;
  }
  const auto address = asio::ip::make_address(im.options.host, ec);
  if (ec) return Unexpected{"bad listen address " + im.options.host + ": " + ec.message()};
  const tcp::endpoint ep(address, im.options.port);
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unexpected{"cannot listen on " + im.options.host + ":" +
                      std::to_string(im.options.port) + ": " + ec.message()};
  }
  im.port = im.acceptor.local_endpoint().port();
  im.accept();
  return im.port;
}

void HttpServer::stop() {
  Impl& im = *impl_;
  if (im.stopped) return;
  im.stopped = true;
  beast::error_code ec;
  im.acceptor.close(ec);
  // Give WebSockets a moment to finish their close handshake (the engines' shutdown started
  // it), then close whatever is left.
  im.grace.expires_after(std::chrono::milliseconds(300));
  im.grace.async_wait([self = impl_](beast::error_code) {
    for (auto& w : self->live) {
      if (auto c = w.lock()) c->force_close();
    }
    self->live.clear();
  });
}

}  // namespace unm::transport
