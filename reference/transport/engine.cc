// engine.cc — Engine.IO v4 server state machine (see engine.h; transport.md §1, TR-EIO-…).
#include "reference/transport/engine.h"

#include <algorithm>
#include <array>
#include <deque>
#include <random>

#include <openssl/rand.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace unm::transport::eio {

namespace asio = boost::asio;

// Session — one Engine.IO session and its transport state.
struct Engine::Session {
  Session(asio::any_io_executor ex, ConnectionId i, std::string s)
      : id(i), sid(std::move(s)), ping_timer(ex), pong_timer(ex), upgrade_timer(ex) {}

  ConnectionId id;
  std::string sid;
  bool websocket = false;  // the WebSocket carries packets (from the start or after upgrade)
  bool upgrading = false;  // a WebSocket for this polling session is open, upgrade pending
  bool probed = false;     // "2probe" was answered on that WebSocket
  bool closed = false;     // ended; kept only to deliver a final "1" to the next GET
  std::deque<Packet> queue;
  std::size_t queued_bytes = 0;  // data bytes in `queue`
  std::optional<Responder> get;  // the GET waiting for packets (TR-EIO-004)
  std::shared_ptr<WsLink> ws;
  std::uint64_t ws_link = 0;
  std::shared_ptr<WsLink> probe;
  std::uint64_t probe_link = 0;
  asio::steady_timer ping_timer;
  asio::steady_timer pong_timer;
  asio::steady_timer upgrade_timer;
};

// Link — which session a WebSocket belongs to, and whether it is still an upgrade probe.
struct Engine::Link {
  ConnectionId session = 0;
  bool probe = false;
};

namespace {

HttpResponse text_response(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

std::string error_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::unknown_transport:
      return "Transport unknown";
    case ErrorCode::unknown_sid:
      return "Session ID unknown";
    case ErrorCode::bad_handshake_method:
      return "Bad handshake method";
    case ErrorCode::bad_request:
      return "Bad request";
    case ErrorCode::forbidden:
      return "Forbidden";
    case ErrorCode::unsupported_protocol_version:
      return "Unsupported protocol version";
  }
  return "Bad request";
}

const std::string* query_value(const HttpRequest& r, const char* key) {
  const auto it = r.query.find(key);
  return it == r.query.end() ? nullptr : &it->second;
}

// check_common validates EIO and transport (TR-EIO-001); nullopt when they are acceptable.
std::optional<ErrorCode> check_common(const HttpRequest& r, std::string_view want_transport) {
  const std::string* eio = query_value(r, "EIO");
  if (eio == nullptr || *eio != "4") return ErrorCode::unsupported_protocol_version;
  const std::string* transport = query_value(r, "transport");
  if (transport == nullptr || (*transport != "polling" && *transport != "websocket")) {
    return ErrorCode::unknown_transport;
  }
  if (*transport != want_transport) return ErrorCode::bad_request;
  return std::nullopt;
}

}  // namespace

std::size_t max_queued_bytes(const ServerOptions& o) {
  return std::max<std::size_t>(16u << 20, 16 * o.max_payload);
}

HttpResponse error_response(ErrorCode code) {
  HttpResponse r;
  r.status = code == ErrorCode::forbidden ? 403 : 400;
  r.content_type = "application/json";
  r.body = "{\"code\":" + std::to_string(static_cast<int>(code)) + ",\"message\":\"" +
           error_message(code) + "\"}";
  return r;
}

std::string_view close_reason_name(CloseReason r) {
  switch (r) {
    case CloseReason::client_close:
      return "client_close";
    case CloseReason::server_close:
      return "server_close";
    case CloseReason::ping_timeout:
      return "ping_timeout";
    case CloseReason::transport_close:
      return "transport_close";
    case CloseReason::transport_error:
      return "transport_error";
    case CloseReason::protocol_error:
      return "protocol_error";
    case CloseReason::shutdown:
      return "shutdown";
  }
  return "unknown";
}

Engine::Engine(asio::any_io_executor executor, const ServerOptions& options, EngineHandler& handler)
    : executor_(std::move(executor)), options_(options), handler_(handler) {}

Engine::~Engine() = default;

std::string Engine::new_sid() {
  // TR-EIO-002: unguessable — 15 bytes from the OpenSSL CSPRNG, base64url (20 characters).
  std::array<unsigned char, 15> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // The CSPRNG failing is not recoverable for session security; fall back to a fresh
    // random_device draw rather than a predictable id.
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  std::string s =
      base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

Engine::Session* Engine::find(ConnectionId id) {
  const auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second->closed) return nullptr;
  return it->second.get();
}

Engine::Session* Engine::find_sid(const std::string& sid) {
  const auto it = by_sid_.find(sid);
  if (it == by_sid_.end()) return nullptr;
  const auto s = sessions_.find(it->second);
  return s == sessions_.end() ? nullptr : s->second.get();
}

std::size_t Engine::session_count() const {
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                [](const auto& kv) { return !kv.second->closed; }));
}

std::optional<std::string> Engine::transport_of(ConnectionId id) const {
  const auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second->closed) return std::nullopt;
  return std::string(it->second->websocket ? "websocket" : "polling");
}

std::optional<std::vector<std::pair<std::string, std::string>>> Engine::cors_headers(
    const std::string& origin) const {
  std::vector<std::pair<std::string, std::string>> h;
  if (origin.empty()) return h;  // not a cross-origin browser request
  const bool allowed = std::any_of(options_.cors_origins.begin(), options_.cors_origins.end(),
                                   [&](const std::string& o) { return o == "*" || o == origin; });
  if (!allowed) return std::nullopt;
  h.emplace_back("Access-Control-Allow-Origin", origin);
  h.emplace_back("Access-Control-Allow-Credentials", "true");
  h.emplace_back("Vary", "Origin");
  return h;
}

void Engine::with_cors(const HttpRequest& req, HttpResponse& r) const {
  if (auto h = cors_headers(req.origin)) {
    r.headers.insert(r.headers.end(), h->begin(), h->end());
  }
}

Engine::Session& Engine::create_session(bool websocket) {
  const ConnectionId id = next_id_++;
  auto owned = std::make_unique<Session>(executor_, id, new_sid());
  Session& s = *owned;
  s.websocket = websocket;
  by_sid_[s.sid] = id;
  sessions_.emplace(id, std::move(owned));
  // TR-EIO-010: the ping timer starts at the handshake.
  schedule_ping(s);
  return s;
}

void Engine::schedule_ping(Session& s) {
  s.ping_timer.expires_after(options_.ping_interval);
  s.ping_timer.async_wait([this, id = s.id, life = std::weak_ptr<int>(life_)](auto ec) {
    if (ec || life.expired()) return;
    Session* sp = find(id);
    if (sp == nullptr) return;
    sp->queue.push_back(Packet{PacketType::ping, false, ""});
    flush(*sp);
    // TR-EIO-005: no pong within pingTimeout ends the session.
    sp->pong_timer.expires_after(options_.ping_timeout);
    sp->pong_timer.async_wait([this, id, life](auto ec2) {
      if (ec2 || life.expired()) return;
      if (Session* s2 = find(id)) end(*s2, CloseReason::ping_timeout, true);
    });
  });
}

void Engine::handle_http(HttpRequest req, Responder respond) {
  if (req.method == "OPTIONS") {
    // TR-EIO-009: CORS pre-flight.
    if (!cors_headers(req.origin)) return respond(error_response(ErrorCode::forbidden));
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    with_cors(req, r);
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    if (!req.request_headers.empty()) {
      r.headers.emplace_back("Access-Control-Allow-Headers", req.request_headers);
    }
    r.headers.emplace_back("Access-Control-Max-Age", "86400");
    return respond(std::move(r));
  }
  if (!cors_headers(req.origin)) return respond(error_response(ErrorCode::forbidden));
  const auto fail = [&](ErrorCode code) {
    HttpResponse r = error_response(code);
    with_cors(req, r);
    respond(std::move(r));
  };
  if (auto err = check_common(req, "polling")) return fail(*err);
  const std::string* sid = query_value(req, "sid");
  if (sid == nullptr) {
    // TR-EIO-010: only GET opens a session.
    if (req.method != "GET") return fail(ErrorCode::bad_handshake_method);
    if (stopped_) return fail(ErrorCode::forbidden);
    Session& s = create_session(false);
    const Handshake h{s.sid,
                      {"websocket"},
                      static_cast<std::uint64_t>(options_.ping_interval.count()),
                      static_cast<std::uint64_t>(options_.ping_timeout.count()),
                      options_.max_payload};
    HttpResponse r =
        text_response(encode_text(Packet{PacketType::open, false, encode_handshake(h)}));
    with_cors(req, r);
    respond(std::move(r));
    handler_.on_open(s.id);
    return;
  }
  Session* s = find_sid(*sid);
  if (s == nullptr) return fail(ErrorCode::unknown_sid);
  if (s->closed) {
    // The session was closed by the server while no GET waited: deliver the close packet once.
    const ConnectionId id = s->id;
    if (req.method == "GET") {
      HttpResponse r = text_response("1");
      with_cors(req, r);
      respond(std::move(r));
    } else {
      fail(ErrorCode::unknown_sid);
    }
    by_sid_.erase(s->sid);
    sessions_.erase(id);
    return;
  }
  // TR-EIO-006: after the upgrade only the WebSocket carries packets.
  if (s->websocket) return fail(ErrorCode::bad_request);
  const auto cors =
      cors_headers(req.origin).value_or(std::vector<std::pair<std::string, std::string>>{});
  Responder with_headers = [respond = std::move(respond), cors](HttpResponse r) {
    r.headers.insert(r.headers.end(), cors.begin(), cors.end());
    respond(std::move(r));
  };
  if (req.method == "GET") return handle_get(*s, std::move(with_headers));
  if (req.method == "POST") return handle_post(*s, req, std::move(with_headers));
  fail(ErrorCode::bad_request);
}

void Engine::handle_get(Session& s, Responder respond) {
  if (s.get) {
    // TR-EIO-004/010: two GETs in flight: the first gets "1", the second 400, session closed.
    Responder first = std::move(*s.get);
    s.get.reset();
    first(text_response("1"));
    respond(error_response(ErrorCode::bad_request));
    end(s, CloseReason::protocol_error, false);
    return;
  }
  if (s.upgrading && s.probed) {
    // TR-EIO-006: during the upgrade a GET is released at once with a noop.
    respond(text_response("6"));
    return;
  }
  s.get = std::move(respond);
  flush(s);
}

void Engine::handle_post(Session& s, const HttpRequest& req, Responder respond) {
  auto packets = decode_payload(req.body, options_.max_payload);
  if (!packets) {
    // TR-EIO-010: an invalid POST body → 400 and the session closes.
    respond(error_response(ErrorCode::bad_request));
    end(s, CloseReason::protocol_error, true);
    return;
  }
  respond(text_response("ok"));
  const ConnectionId id = s.id;
  for (auto& p : *packets) {
    Session* sp = find(id);
    if (sp == nullptr) return;  // closed by an earlier packet (or by the application)
    on_packet(*sp, std::move(p));
  }
}

HttpResponse Engine::handle_oversize(const HttpRequest& req) {
  // TR-EIO-007: a POST over maxPayload is answered 413 and its session closes.
  const std::string* sid = query_value(req, "sid");
  if (sid != nullptr) {
    if (Session* s = find_sid(*sid); s != nullptr && !s->closed)
      end(*s, CloseReason::protocol_error, true);
  }
  HttpResponse r;
  r.status = 413;
  r.body = "Payload Too Large";
  with_cors(req, r);
  return r;
}

void Engine::on_packet(Session& s, Packet p) {
  switch (p.type) {
    case PacketType::pong:
      s.pong_timer.cancel();
      schedule_ping(s);
      return;
    case PacketType::ping:
      // v4 clients do not ping, but answering is harmless and mirrors the probe exchange.
      s.queue.push_back(Packet{PacketType::pong, false, std::move(p.data)});
      flush(s);
      return;
    case PacketType::message:
      handler_.on_message(s.id, p);
      return;
    case PacketType::close:
      // TR-EIO-010: a close while a GET waits releases that GET with a noop.
      if (s.get) {
        Responder g = std::move(*s.get);
        s.get.reset();
        g(text_response("6"));
      }
      end(s, CloseReason::client_close, false);
      return;
    case PacketType::noop:
      return;
    case PacketType::open:
    case PacketType::upgrade:
      // Only the server opens; an upgrade packet is valid only on the probing WebSocket.
      end(s, CloseReason::protocol_error, true);
      return;
  }
}

void Engine::flush(Session& s) {
  if (s.closed || s.queue.empty()) return;
  if (s.websocket) {
    for (auto& p : s.queue) {
      if (p.binary) {
        s.ws->send(std::move(p.data), true);
      } else {
        s.ws->send(encode_text(p), false);
      }
    }
    s.queue.clear();
    s.queued_bytes = 0;
    return;
  }
  // During an upgrade packets wait for the WebSocket (TR-EIO-006).
  if (s.upgrading && s.probed) return;
  if (!s.get) return;
  Responder g = std::move(*s.get);
  s.get.reset();
  const std::vector<Packet> packets(std::make_move_iterator(s.queue.begin()),
                                    std::make_move_iterator(s.queue.end()));
  s.queue.clear();
  s.queued_bytes = 0;
  g(text_response(encode_payload(packets)));
}

bool Engine::send(ConnectionId id, Packet message) {
  Session* s = find(id);
  if (s == nullptr) return false;
  // A client that stops polling while the application keeps sending must not make the server
  // buffer without bound: past the limit the session is dropped.
  s->queued_bytes += message.data.size();
  if (s->queued_bytes > max_queued_bytes(options_)) {
    end(*s, CloseReason::transport_error, false);
    return false;
  }
  s->queue.push_back(std::move(message));
  flush(*s);
  return true;
}

void Engine::close(ConnectionId id) {
  if (Session* s = find(id)) end(*s, CloseReason::server_close, true);
}

void Engine::shutdown() {
  stopped_ = true;
  std::vector<ConnectionId> ids;
  for (const auto& [id, s] : sessions_) ids.push_back(id);
  for (const ConnectionId id : ids) {
    if (Session* s = find(id)) end(*s, CloseReason::shutdown, true);
  }
  // Zombie sessions (waiting to deliver "1") are dropped: nobody will poll a stopped server.
  for (auto& [id, s] : sessions_) {
    s->ping_timer.cancel();
    s->pong_timer.cancel();
    s->upgrade_timer.cancel();
  }
  sessions_.clear();
  by_sid_.clear();
}

void Engine::end(Session& s, CloseReason reason, bool send_close) {
  if (s.closed) return;
  s.closed = true;
  s.ping_timer.cancel();
  s.pong_timer.cancel();
  s.upgrade_timer.cancel();
  s.queue.clear();  // TR-EIO-008: queued data is dropped
  s.queued_bytes = 0;
  if (s.probe) {
    links_.erase(s.probe_link);
    s.probe->close();
    s.probe.reset();
  }
  bool keep_zombie = false;
  if (s.websocket) {
    if (s.ws) {
      if (send_close) s.ws->send("1", false);
      links_.erase(s.ws_link);
      s.ws->close();
      s.ws.reset();
    }
  } else if (s.get) {
    Responder g = std::move(*s.get);
    s.get.reset();
    g(text_response(send_close ? "1" : "6"));
  } else if (send_close && reason == CloseReason::server_close) {
    // A server-initiated close with no GET to carry the close packet: keep the sid a while so
    // that the client's next GET learns about the close ("1"), as engine.io does. Errors and
    // ping timeouts end the session at once (the next request gets 400, code 1).
    keep_zombie = true;
  }
  const ConnectionId id = s.id;
  std::unique_ptr<Session> owned;
  if (keep_zombie) {
    s.ping_timer.expires_after(options_.ping_interval + options_.ping_timeout);
    s.ping_timer.async_wait([this, id, life = std::weak_ptr<int>(life_)](auto ec) {
      if (ec || life.expired()) return;
      const auto it = sessions_.find(id);
      if (it == sessions_.end()) return;
      by_sid_.erase(it->second->sid);
      sessions_.erase(it);
    });
  } else {
    by_sid_.erase(s.sid);
    const auto it = sessions_.find(id);
    owned = std::move(it->second);
    sessions_.erase(it);
  }
  handler_.on_close(id, reason);
}

Expected<WsAdmission, HttpResponse> Engine::admit_websocket(const HttpRequest& req) {
  if (!cors_headers(req.origin)) return Unexpected{error_response(ErrorCode::forbidden)};
  if (auto err = check_common(req, "websocket")) return Unexpected{error_response(*err)};
  if (req.method != "GET") return Unexpected{error_response(ErrorCode::bad_handshake_method)};
  if (stopped_) return Unexpected{error_response(ErrorCode::forbidden)};
  const std::string* sid = query_value(req, "sid");
  if (sid == nullptr) return WsAdmission{};
  Session* s = find_sid(*sid);
  if (s == nullptr || s->closed) return Unexpected{error_response(ErrorCode::unknown_sid)};
  // TR-EIO-006: one upgrade per session, so a second WebSocket for a session that is upgraded
  // (or upgrading) is refused — but at the WebSocket level, not with an HTTP 400: its handshake
  // completes and on_ws_open closes it at once, leaving the session's own WebSocket untouched.
  // That is what engine.io does and what the published compliance suite waits for (a WebSocket
  // client treats a 400 to its handshake as an error, not as a close).
  return WsAdmission{*sid};
}

std::uint64_t Engine::on_ws_open(std::shared_ptr<WsLink> link, const WsAdmission& admission) {
  const std::uint64_t handle = next_link_++;
  if (!admission.sid) {
    if (stopped_) {
      link->close();
      return handle;
    }
    Session& s = create_session(true);
    s.ws = link;
    s.ws_link = handle;
    links_[handle] = Link{s.id, false};
    const Handshake h{s.sid,
                      {},
                      static_cast<std::uint64_t>(options_.ping_interval.count()),
                      static_cast<std::uint64_t>(options_.ping_timeout.count()),
                      options_.max_payload};
    link->send(encode_text(Packet{PacketType::open, false, encode_handshake(h)}), false);
    handler_.on_open(s.id);
    return handle;
  }
  Session* s = find_sid(*admission.sid);
  // A second WebSocket for an upgraded or upgrading session is closed here (TR-EIO-006, see
  // admit_websocket); so is one whose session ended while its handshake ran. It is never
  // linked, so its frames and its closing reach no session.
  if (s == nullptr || s->closed || s->websocket || s->upgrading) {
    link->close();
    return handle;
  }
  s->upgrading = true;
  s->probed = false;
  s->probe = link;
  s->probe_link = handle;
  links_[handle] = Link{s->id, true};
  s->upgrade_timer.expires_after(options_.upgrade_timeout);
  s->upgrade_timer.async_wait(
      [this, id = s->id, handle, life = std::weak_ptr<int>(life_)](auto ec) {
        if (ec || life.expired()) return;
        Session* sp = find(id);
        if (sp == nullptr || !sp->upgrading || sp->probe_link != handle) return;
        // The upgrade did not complete in time: drop the probe, keep polling.
        links_.erase(handle);
        sp->probe->close();
        sp->probe.reset();
        sp->upgrading = false;
        sp->probed = false;
        flush(*sp);
      });
  return handle;
}

void Engine::finish_upgrade(Session& s) {
  s.upgrade_timer.cancel();
  s.websocket = true;
  s.upgrading = false;
  s.ws = std::move(s.probe);
  s.ws_link = s.probe_link;
  s.probe_link = 0;
  links_[s.ws_link].probe = false;
  if (s.get) {
    Responder g = std::move(*s.get);
    s.get.reset();
    g(text_response("6"));
  }
  flush(s);
}

void Engine::on_ws_frame(std::uint64_t handle, std::string data, bool binary) {
  const auto it = links_.find(handle);
  if (it == links_.end()) return;
  const Link link = it->second;
  Session* s = find(link.session);
  if (s == nullptr) return;
  if (link.probe) {
    // TR-EIO-006: the probe dance; "2probe" and "5" may arrive back to back.
    auto p = binary ? Expected<Packet, DecodeError>(binary_message(std::move(data)))
                    : decode_text(data, options_.max_payload);
    if (p && p->type == PacketType::ping && p->data == "probe") {
      s->probed = true;
      s->probe->send("3probe", false);
      if (s->get) {
        Responder g = std::move(*s->get);
        s->get.reset();
        g(text_response("6"));
      }
      return;
    }
    if (p && p->type == PacketType::upgrade && s->probed) {
      finish_upgrade(*s);
      return;
    }
    // Anything else on a probing WebSocket: abandon the upgrade, the session keeps polling.
    links_.erase(handle);
    s->probe->close();
    s->probe.reset();
    s->upgrading = false;
    s->probed = false;
    s->upgrade_timer.cancel();
    flush(*s);
    return;
  }
  if (binary) {
    on_packet(*s, binary_message(std::move(data)));
    return;
  }
  auto p = decode_text(data, options_.max_payload);
  if (!p) {
    end(*s, CloseReason::protocol_error, true);
    return;
  }
  on_packet(*s, std::move(*p));
}

void Engine::on_ws_closed(std::uint64_t handle, bool error) {
  const auto it = links_.find(handle);
  if (it == links_.end()) return;
  const Link link = it->second;
  links_.erase(it);
  Session* s = find(link.session);
  if (s == nullptr) return;
  if (link.probe) {
    s->probe.reset();
    s->upgrading = false;
    s->probed = false;
    s->upgrade_timer.cancel();
    flush(*s);
    return;
  }
  if (s->ws_link == handle) {
    s->ws.reset();
    end(*s, error ? CloseReason::transport_error : CloseReason::transport_close, false);
  }
}

}  // namespace unm::transport::eio
