// proxy.cc — the Beast/Asio forwarding code of `observe` (see proxy.h), kept in one translation
// unit because Beast templates are slow to compile. C++20 coroutines; errors are returned through
// error codes (redirect_error), never thrown.
#include "conformance/observe/proxy.h"

#include <csignal>
#include <optional>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace unm::conformance::observe {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Plain = beast::tcp_stream;
using Tls = beast::ssl_stream<beast::tcp_stream>;
using Ec = boost::system::error_code;
template <class T>
using Awaitable = asio::awaitable<T>;
using namespace asio::experimental::awaitable_operators;

namespace {

// kBodyLimit bounds one HTTP body or WebSocket message (well above Engine.IO's maxPayload, so
// the server, not the proxy, decides what is too large).
constexpr std::size_t kBodyLimit = 64 * 1024 * 1024;
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kCloseTimeout = std::chrono::seconds(5);

auto redirect(Ec& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}
WireTap::Clock::time_point now() {
  return WireTap::Clock::now();
}

// Headers of a WebSocket handshake that Beast writes itself (the rest are copied upstream).
bool handshake_own_field(http::field f) {
  return f == http::field::host || f == http::field::upgrade || f == http::field::connection ||
         f == http::field::sec_websocket_key || f == http::field::sec_websocket_version ||
         f == http::field::sec_websocket_extensions || f == http::field::content_length;
}

}  // namespace

class Proxy::Impl {
 public:
  Impl(ProxyOptions o, WireTap& tap) : opts_(std::move(o)), tap_(tap), acceptor_(ioc_) {}

  Expected<std::uint16_t, std::string> listen() {
    Ec ec;
    if (!opts_.tls_cert_file.empty() || !opts_.tls_key_file.empty()) {
      if (opts_.tls_cert_file.empty() || opts_.tls_key_file.empty()) {
        return Unexpected{std::string("TLS needs both a certificate and a key")};
      }
      server_ctx_.emplace(ssl::context::tls_server);
      server_ctx_->use_certificate_chain_file(opts_.tls_cert_file, ec);
      if (ec)
        return Unexpected{"cannot use certificate " + opts_.tls_cert_file + ": " + ec.message()};
      server_ctx_->use_private_key_file(opts_.tls_key_file, ssl::context::pem, ec);
      if (ec) return Unexpected{"cannot use key " + opts_.tls_key_file + ": " + ec.message()};
    }
    if (opts_.upstream_tls) {
      if (opts_.upstream_verify) {
        client_ctx_.set_verify_mode(ssl::verify_peer);
        client_ctx_.set_default_verify_paths(ec);
        if (!opts_.upstream_ca_file.empty()) {
          client_ctx_.load_verify_file(opts_.upstream_ca_file, ec);
          if (ec) {
            return Unexpected{"cannot read CA file " + opts_.upstream_ca_file + ": " +
                              ec.message()};
          }
        }
      } else {
        client_ctx_.set_verify_mode(ssl::verify_none);
      }
    }
    const auto addr = asio::ip::make_address(opts_.listen_host, ec);
    if (ec) return Unexpected{"cannot listen on '" + opts_.listen_host + "': not an IP address"};
    const tcp::endpoint ep(addr, opts_.listen_port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unexpected{"cannot listen on " + opts_.listen_host + ":" +
                        std::to_string(opts_.listen_port) + ": " + ec.message()};
    }
    return acceptor_.local_endpoint().port();
  }

  std::string run(std::chrono::milliseconds duration, bool signals) {
    std::string why = "stopped";
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    asio::steady_timer limit(ioc_);
    if (duration.count() > 0) {
      limit.expires_after(duration);
      limit.async_wait([&](Ec ec) {
        if (ec) return;
        why = "duration";
        ioc_.stop();
      });
    }
    asio::signal_set sigs(ioc_);
    if (signals) {
      sigs.add(SIGINT);
      sigs.add(SIGTERM);
      sigs.async_wait([&](Ec ec, int sig) {
        if (ec) return;
        why = sig == SIGINT ? "signal SIGINT" : "signal SIGTERM";
        ioc_.stop();
      });
    }
    asio::steady_timer tick(ioc_);
    std::function<void()> arm = [&] {
      tick.expires_after(opts_.tick_interval);
      tick.async_wait([&](Ec ec) {
        if (ec) return;
        opts_.on_tick();
        arm();
      });
    };
    if (opts_.on_tick) arm();
    ioc_.run();
    return why;
  }

  void stop() {
    asio::post(ioc_, [this] { ioc_.stop(); });
  }

 private:
  Awaitable<void> accept_loop() {
    for (;;) {
      Ec ec;
      tcp::socket sock = co_await acceptor_.async_accept(redirect(ec));
      if (ec) {
        if (!acceptor_.is_open()) co_return;
        continue;  // e.g. too many open files: keep serving the others
      }
      sock.set_option(tcp::no_delay(true), ec);
      if (server_ctx_) {
        asio::co_spawn(ioc_, serve_tls(std::move(sock)), asio::detached);
      } else if (opts_.upstream_tls) {
        asio::co_spawn(ioc_, serve_client<Plain, Tls>(Plain(std::move(sock))), asio::detached);
      } else {
        asio::co_spawn(ioc_, serve_client<Plain, Plain>(Plain(std::move(sock))), asio::detached);
      }
    }
  }

  // serve_tls completes the listener's TLS handshake, then serves the connection.
  Awaitable<void> serve_tls(tcp::socket sock) {
    Tls cs(std::move(sock), *server_ctx_);
    Ec ec;
    beast::get_lowest_layer(cs).expires_after(kConnectTimeout);
    co_await cs.async_handshake(ssl::stream_base::server, redirect(ec));
    beast::get_lowest_layer(cs).expires_never();
    if (ec) co_return;
    if (opts_.upstream_tls) {
      co_await serve_client<Tls, Tls>(std::move(cs));
    } else {
      co_await serve_client<Tls, Plain>(std::move(cs));
    }
  }

  template <class US>
  US make_upstream() {
    if constexpr (std::is_same_v<US, Tls>) {
      return US(ioc_, client_ctx_);
    } else {
      return US(ioc_);
    }
  }

  // connect_upstream connects (and for TLS: SNI, host-name check, handshake) `s`.
  template <class US>
  Awaitable<Ec> connect_upstream(US& us) {
    Ec ec = co_await connect_tcp(beast::get_lowest_layer(us));
    if (ec) co_return ec;
    if constexpr (std::is_same_v<US, Tls>) {
      SSL_set_tlsext_host_name(us.native_handle(), opts_.upstream_host.c_str());
      if (opts_.upstream_verify)
        us.set_verify_callback(ssl::host_name_verification(opts_.upstream_host));
      beast::get_lowest_layer(us).expires_after(kConnectTimeout);
      co_await us.async_handshake(ssl::stream_base::client, redirect(ec));
      beast::get_lowest_layer(us).expires_never();
    }
    co_return ec;
  }

  Awaitable<Ec> connect_tcp(beast::tcp_stream& s) {
    Ec ec;
    tcp::resolver resolver(ioc_);
    const auto results = co_await resolver.async_resolve(
        opts_.upstream_host, std::to_string(opts_.upstream_port), redirect(ec));
    if (ec) co_return ec;
    s.expires_after(kConnectTimeout);
    co_await s.async_connect(results, redirect(ec));
    s.expires_never();
    if (!ec) s.socket().set_option(tcp::no_delay(true), ec);
    co_return ec;
  }

  // bad_gateway answers the client when the upstream cannot be reached.
  static http::response<http::string_body> bad_gateway(unsigned version, const std::string& why) {
    http::response<http::string_body> r{http::status::bad_gateway, version};
    r.set(http::field::content_type, "text/plain");
    r.body() = "observe: upstream unreachable: " + why + "\n";
    r.keep_alive(false);
    r.prepare_payload();
    return r;
  }

  // serve_client forwards the HTTP requests of one client connection, one at a time (long-polling
  // clients use one connection per outstanding request), over one upstream connection.
  template <class CS, class US>
  Awaitable<void> serve_client(CS cs) {
    beast::flat_buffer cbuf;
    std::optional<US> us;
    beast::flat_buffer ubuf;
    for (;;) {
      Ec ec;
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      co_await http::async_read(cs, cbuf, parser, redirect(ec));
      if (ec) co_return;
      if (websocket::is_upgrade(parser.get())) {
        co_await relay_websocket<CS, US>(std::move(cs), parser.release());
        co_return;
      }
      http::request<http::string_body> req = parser.release();
      const std::string method(req.method_string());
      const std::string target(req.target());
      tap_.on_poll_request(method, target, req.body(), now());
      // Bodies must stay readable: no compressed answers (the only header observe changes).
      req.erase(http::field::accept_encoding);
      const bool keep = req.keep_alive();

      http::response<http::string_body> res;
      bool ok = false;
      std::string failure;
      for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
        const bool reused = us.has_value();
        if (!us) {
          us.emplace(make_upstream<US>());
          ubuf.clear();
          ec = co_await connect_upstream(*us);
          if (ec) {
            failure = ec.message();
            us.reset();
            break;
          }
        }
        bool wrote = false;
        co_await http::async_write(*us, req, redirect(ec));
        if (!ec) {
          wrote = true;
          http::response_parser<http::string_body> rp;
          rp.body_limit(kBodyLimit);
          co_await http::async_read(*us, ubuf, rp, redirect(ec));
          if (!ec) {
            res = rp.release();
            ok = true;
          }
        }
        if (!ok) {
          failure = ec.message();
          us.reset();
          // A kept-alive upstream connection may have been closed meanwhile: retry once on a
          // fresh one, but only when the request cannot have been processed.
          const bool stale = reused && (!wrote || ec == http::error::end_of_stream);
          if (!stale) break;
        }
      }
      if (!ok) {
        auto r = bad_gateway(req.version(), failure);
        co_await http::async_write(cs, r, redirect(ec));
        co_return;
      }
      tap_.on_poll_response(method, target, res.result_int(), res.body(), now());
      if (res.need_eof()) us.reset();
      if (res.chunked()) {
        res.chunked(false);
        res.content_length(res.body().size());
      }
      res.keep_alive(keep);
      co_await http::async_write(cs, res, redirect(ec));
      if (ec || !keep) {
        beast::get_lowest_layer(cs).socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return;
      }
    }
  }

  // pump copies messages from one WebSocket to the other until `from` ends, then closes `to`.
  template <class From, class To>
  Awaitable<void> pump(websocket::stream<From>& from, websocket::stream<To>& to, Direction dir,
                       WireTap::WsId id) {
    beast::flat_buffer buf;
    Ec ec;
    for (;;) {
      buf.clear();
      co_await from.async_read(buf, redirect(ec));
      if (ec) break;
      const bool text = from.got_text();
      const std::string_view data(static_cast<const char*>(buf.data().data()), buf.size());
      tap_.on_ws_message(id, dir, !text, data, now());
      to.text(text);
      co_await to.async_write(buf.data(), redirect(ec));
      if (ec) break;
    }
    Ec ignored;
    websocket::close_reason reason =
        ec == websocket::error::closed ? from.reason()
                                       : websocket::close_reason(websocket::close_code::going_away);
    if (to.is_open()) co_await to.async_close(reason, redirect(ignored));
    beast::get_lowest_layer(to).socket().close(ignored);
  }

  template <class CS, class US>
  Awaitable<void> relay_websocket(CS cs, http::request<http::string_body> req) {
    Ec ec;
    const std::string target(req.target());
    US raw = make_upstream<US>();
    ec = co_await connect_upstream(raw);
    if (ec) {
      auto r = bad_gateway(req.version(), ec.message());
      co_await http::async_write(cs, r, redirect(ec));
      co_return;
    }
    websocket::stream<US> uws(std::move(raw));
    uws.set_option(websocket::stream_base::decorator([&req](websocket::request_type& r) {
      for (const auto& f : req) {
        if (!handshake_own_field(f.name())) r.set(f.name_string(), f.value());
      }
    }));
    uws.read_message_max(kBodyLimit);
    websocket::response_type ures;
    const std::string host(req[http::field::host]);
    co_await uws.async_handshake(ures, host.empty() ? opts_.upstream_host : host, target,
                                 redirect(ec));
    if (ec) {
      // Forward the server's refusal (e.g. 400 "Session ID unknown") as it came.
      http::response<http::string_body> r{
          ures.result_int() >= 400 ? ures.result() : http::status::bad_gateway, req.version()};
      for (const auto& f : ures) r.set(f.name_string(), f.value());
      r.body() = ures.body();
      r.keep_alive(false);
      r.prepare_payload();
      co_await http::async_write(cs, r, redirect(ec));
      co_return;
    }
    websocket::stream<CS> cws(std::move(cs));
    cws.read_message_max(kBodyLimit);
    co_await cws.async_accept(req, redirect(ec));
    if (ec) co_return;
    // Engine.IO has its own heartbeat; only the closing handshake is bounded.
    const websocket::stream_base::timeout limits{kCloseTimeout, websocket::stream_base::none(),
                                                 false};
    cws.set_option(limits);
    uws.set_option(limits);
    const WireTap::WsId id = tap_.on_ws_open(target, now());
    co_await (pump(cws, uws, Direction::to_server, id) && pump(uws, cws, Direction::to_client, id));
    tap_.on_ws_close(id, now());
  }

  asio::io_context ioc_{1};
  std::optional<ssl::context> server_ctx_;
  ssl::context client_ctx_{ssl::context::tls_client};
  ProxyOptions opts_;
  WireTap& tap_;
  tcp::acceptor acceptor_;
};

Proxy::Proxy(ProxyOptions options, WireTap& tap)
    : impl_(std::make_unique<Impl>(std::move(options), tap)) {}
Proxy::~Proxy() = default;
Expected<std::uint16_t, std::string> Proxy::listen() {
  return impl_->listen();
}
std::string Proxy::run(std::chrono::milliseconds duration, bool stop_on_signals) {
  return impl_->run(duration, stop_on_signals);
}
void Proxy::stop() {
  impl_->stop();
}

}  // namespace unm::conformance::observe
