// socketio_server.cc — Socket.IO v5 server over the Engine.IO engine (see socketio_server.h;
// transport.md TR-SIO-001..005, TR-APP-002).
#include "reference/transport/socketio_server.h"

#include <array>
#include <random>

#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace unm::transport {

namespace asio = boost::asio;

struct SocketIoServer::PendingAck {
  AckHandler done;
  std::unique_ptr<asio::steady_timer> timer;
};

// Socket — one namespace connection of a client.
struct SocketIoServer::Socket {
  std::string sid;
  bool connecting = true;  // on_connect is running: emits wait for the CONNECT answer
  std::vector<sio::EncodedMessage> held;
  std::set<std::string> rooms;
  std::any data;
  std::uint64_t next_ack = 0;
  std::map<std::uint64_t, PendingAck> acks;
};

// Conn — one Engine.IO session seen by the Socket.IO layer.
struct SocketIoServer::Conn {
  Conn(asio::any_io_executor ex, sio::Limits limits) : assembler(limits), connect_timer(ex) {}
  sio::Assembler assembler;
  std::map<std::string, Socket> sockets;
  asio::steady_timer connect_timer;
};

namespace {

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {buf.GetString(), buf.GetSize()};
}

// array_inner returns the text between the outer brackets of a JSON array text, trimmed, or
// nullopt when `json` is not bracketed.
std::optional<std::string_view> array_inner(std::string_view json) {
  const auto first = json.find_first_not_of(" \t\r\n");
  const auto last = json.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos || json[first] != '[' || json[last] != ']' || last == first) {
    return std::nullopt;
  }
  std::string_view inner = json.substr(first + 1, last - first - 1);
  const auto a = inner.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return std::string_view();
  return inner.substr(a, inner.find_last_not_of(" \t\r\n") - a + 1);
}

// event_payload builds ["event", ...args] from the event name and an argument array text.
std::optional<std::string> event_payload(std::string_view event, std::string_view args_json) {
  const auto inner = array_inner(args_json);
  if (!inner) return std::nullopt;
  std::string out = "[" + json_string(event);
  if (!inner->empty()) {
    out += ',';
    out += *inner;
  }
  out += ']';
  return out;
}

std::string random_sid() {
  std::array<unsigned char, 15> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  std::string s = eio::base64_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::string_view disconnect_reason(eio::CloseReason r) {
  switch (r) {
    case eio::CloseReason::client_close:
      return "transport close";
    case eio::CloseReason::server_close:
      return "forced close";
    case eio::CloseReason::ping_timeout:
      return "ping timeout";
    case eio::CloseReason::transport_close:
      return "transport close";
    case eio::CloseReason::transport_error:
      return "transport error";
    case eio::CloseReason::protocol_error:
      return "parse error";
    case eio::CloseReason::shutdown:
      return "server shutting down";
  }
  return "transport close";
}

}  // namespace

std::string_view ack_error_name(AckError e) {
  switch (e) {
    case AckError::timeout:
      return "timeout";
    case AckError::disconnected:
      return "disconnected";
  }
  return "unknown";
}

SocketIoServer::SocketIoServer(asio::io_context& ioc, const ServerOptions& options)
    : executor_(asio::make_strand(ioc)),
      options_(options),
      own_http_(std::make_unique<HttpServer>(executor_, options)),
      http_(own_http_.get()),
      engine_(executor_, options_, *this) {
  http_->add_route(options_.path, engine_);
}

SocketIoServer::SocketIoServer(asio::any_io_executor executor, const ServerOptions& options,
                               HttpServer& http)
    : executor_(std::move(executor)),
      options_(options),
      http_(&http),
      engine_(executor_, options_, *this) {
  http_->add_route(options_.path, engine_);
}

SocketIoServer::~SocketIoServer() = default;

void SocketIoServer::add_namespace(std::string nsp, SocketIoApp& app) {
  apps_[std::move(nsp)] = &app;
}

Expected<std::uint16_t, std::string> SocketIoServer::listen() {
  if (!own_http_) return Unexpected{std::string("this server is attached to another listener")};
  return own_http_->listen();
}

void SocketIoServer::on_open(ConnectionId id) {
  sio::Limits limits;
  limits.max_bytes = options_.max_payload;
  auto c = std::make_unique<Conn>(executor_, limits);
  // TR-SIO-002: no CONNECT within the connect timeout → the connection is closed.
  c->connect_timer.expires_after(options_.connect_timeout);
  c->connect_timer.async_wait([this, id, life = std::weak_ptr<int>(life_)](auto ec) {
    if (ec || life.expired()) return;
    const auto it = conns_.find(id);
    if (it != conns_.end() && it->second->sockets.empty()) engine_.close(id);
  });
  conns_.emplace(id, std::move(c));
}

void SocketIoServer::on_message(ConnectionId id, const eio::Packet& message) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) return;
  auto r = message.binary ? it->second->assembler.on_binary(message.data)
                          : it->second->assembler.on_text(message.data);
  if (!r) {
    // TR-SIO-003: a malformed packet closes the connection.
    engine_.close(id);
    return;
  }
  if (r->has_value()) handle(id, std::move(**r));
}

void SocketIoServer::on_close(ConnectionId id, eio::CloseReason reason) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) return;
  std::unique_ptr<Conn> c = std::move(it->second);
  conns_.erase(it);
  c->connect_timer.cancel();
  while (!c->sockets.empty()) {
    const std::string nsp = c->sockets.begin()->first;
    drop_socket(id, *c, nsp, disconnect_reason(reason));
  }
}

void SocketIoServer::drop_socket(ConnectionId id, Conn& c, const std::string& nsp,
                                 std::string_view reason) {
  const auto it = c.sockets.find(nsp);
  if (it == c.sockets.end()) return;
  Socket s = std::move(it->second);
  c.sockets.erase(it);
  for (const auto& room : s.rooms) {
    const auto r = rooms_.find({nsp, room});
    if (r == rooms_.end()) continue;
    r->second.erase(id);
    if (r->second.empty()) rooms_.erase(r);
  }
  for (auto& [ack_id, pending] : s.acks) {
    pending.timer->cancel();
    pending.done(Unexpected{AckError::disconnected});
  }
  if (!s.connecting) {
    if (const auto app = apps_.find(nsp); app != apps_.end()) {
      app->second->on_disconnect(id, nsp, reason);
    }
  }
}

void SocketIoServer::handle(ConnectionId id, sio::Incoming in) {
  sio::Packet& p = in.message.packet;
  const auto cit = conns_.find(id);
  if (cit == conns_.end()) return;
  Conn& c = *cit->second;
  switch (p.type) {
    case sio::PacketType::connect: {
      const auto app = apps_.find(p.nsp);
      if (app == apps_.end()) {
        sio::Message m;
        m.packet.type = sio::PacketType::connect_error;
        m.packet.nsp = p.nsp;
        m.packet.data = R"({"message":"Invalid namespace"})";
        send(id, sio::encode_message(std::move(m)));
        return;
      }
      if (c.sockets.count(p.nsp) != 0) {
        // A second CONNECT for a connected namespace is a protocol violation.
        engine_.close(id);
        return;
      }
      Socket& s = c.sockets[p.nsp];
      s.sid = random_sid();
      const std::string nsp = p.nsp;
      const ConnectDecision d = app->second->on_connect(id, nsp, in.dom);
      // The application may have closed the connection from inside on_connect.
      const auto again = conns_.find(id);
      if (again == conns_.end()) return;
      Conn& c2 = *again->second;
      const auto sit = c2.sockets.find(nsp);
      if (sit == c2.sockets.end()) return;
      if (!d.accept) {
        c2.sockets.erase(sit);
        sio::Message m;
        m.packet.type = sio::PacketType::connect_error;
        m.packet.nsp = nsp;
        m.packet.data = "{\"message\":" + json_string(d.message) + "}";
        send(id, sio::encode_message(std::move(m)));
        return;
      }
      Socket& sock = sit->second;
      c2.connect_timer.cancel();
      sio::Message m;
      m.packet.type = sio::PacketType::connect;
      m.packet.nsp = nsp;
      m.packet.data = "{\"sid\":" + json_string(sock.sid) + "}";
      send(id, sio::encode_message(std::move(m)));
      sock.connecting = false;
      std::vector<sio::EncodedMessage> held = std::move(sock.held);
      for (const auto& h : held) send(id, h);
      return;
    }
    case sio::PacketType::disconnect:
      drop_socket(id, c, p.nsp, "client namespace disconnect");
      return;
    case sio::PacketType::event:
    case sio::PacketType::binary_event: {
      // Packets for a namespace the client has not joined are ignored, as socket.io does.
      const Socket* s = find_socket(id, p.nsp);
      if (s == nullptr || s->connecting) return;
      const auto app = apps_.find(p.nsp);
      if (app == apps_.end()) return;
      std::string name(in.dom[0].GetString(), in.dom[0].GetStringLength());
      in.dom.Erase(in.dom.Begin());
      app->second->on_event(id, p.nsp, name, std::move(in.dom), p.id,
                            std::move(in.message.attachments));
      return;
    }
    case sio::PacketType::ack:
    case sio::PacketType::binary_ack: {
      Socket* s = find_socket(id, p.nsp);
      if (s == nullptr) return;
      const auto a = s->acks.find(*p.id);
      if (a == s->acks.end()) return;  // late or unknown ack: nothing waits for it
      PendingAck pending = std::move(a->second);
      s->acks.erase(a);
      pending.timer->cancel();
      pending.done(AckReply{std::move(in.dom), std::move(in.message.attachments)});
      return;
    }
    case sio::PacketType::connect_error:
      // Only servers send CONNECT_ERROR.
      engine_.close(id);
      return;
  }
}

void SocketIoServer::send(ConnectionId id, const sio::EncodedMessage& m) {
  engine_.send(id, eio::text_message(m.text));
  for (const auto& b : m.binaries) engine_.send(id, eio::binary_message(b));
}

SocketIoServer::Socket* SocketIoServer::find_socket(ConnectionId id, const std::string& nsp) {
  const auto c = conns_.find(id);
  if (c == conns_.end()) return nullptr;
  const auto s = c->second->sockets.find(nsp);
  return s == c->second->sockets.end() ? nullptr : &s->second;
}

const SocketIoServer::Socket* SocketIoServer::find_socket(ConnectionId id,
                                                          const std::string& nsp) const {
  const auto c = conns_.find(id);
  if (c == conns_.end()) return nullptr;
  const auto s = c->second->sockets.find(nsp);
  return s == c->second->sockets.end() ? nullptr : &s->second;
}

bool SocketIoServer::send_packet(ConnectionId id, const std::string& nsp, sio::Message m) {
  Socket* s = find_socket(id, nsp);
  if (s == nullptr) return false;
  m.packet.nsp = nsp;
  sio::EncodedMessage e = sio::encode_message(std::move(m));
  if (s->connecting) {
    s->held.push_back(std::move(e));
    return true;
  }
  send(id, e);
  return true;
}

bool SocketIoServer::emit_json(ConnectionId conn, const std::string& nsp, std::string_view event,
                               std::string_view args_json_array,
                               std::vector<std::string> attachments) {
  auto payload = event_payload(event, args_json_array);
  if (!payload) return false;
  sio::Message m;
  m.packet.type = sio::PacketType::event;
  m.packet.data = std::move(*payload);
  m.attachments = std::move(attachments);
  return send_packet(conn, nsp, std::move(m));
}

bool SocketIoServer::emit(ConnectionId conn, const std::string& nsp, std::string_view event,
                          const rapidjson::Value& args, std::vector<std::string> attachments) {
  if (!args.IsArray()) return false;
  return emit_json(conn, nsp, event, sio::to_json(args), std::move(attachments));
}

bool SocketIoServer::emit_with_ack(ConnectionId conn, const std::string& nsp,
                                   std::string_view event, const rapidjson::Value& args,
                                   std::chrono::milliseconds timeout, AckHandler done) {
  Socket* s = find_socket(conn, nsp);
  if (s == nullptr || !args.IsArray()) return false;
  auto payload = event_payload(event, sio::to_json(args));
  if (!payload) return false;
  const std::uint64_t ack_id = s->next_ack++;
  PendingAck pending{std::move(done), std::make_unique<asio::steady_timer>(executor_)};
  pending.timer->expires_after(timeout);
  pending.timer->async_wait([this, conn, nsp, ack_id, life = std::weak_ptr<int>(life_)](auto ec) {
    if (ec || life.expired()) return;
    Socket* sp = find_socket(conn, nsp);
    if (sp == nullptr) return;
    const auto a = sp->acks.find(ack_id);
    if (a == sp->acks.end()) return;
    AckHandler h = std::move(a->second.done);
    sp->acks.erase(a);
    h(Unexpected{AckError::timeout});
  });
  s->acks.emplace(ack_id, std::move(pending));
  sio::Message m;
  m.packet.type = sio::PacketType::event;
  m.packet.id = ack_id;
  m.packet.data = std::move(*payload);
  return send_packet(conn, nsp, std::move(m));
}

bool SocketIoServer::ack_json(ConnectionId conn, const std::string& nsp, std::uint64_t ack_id,
                              std::string_view args_json_array,
                              std::vector<std::string> attachments) {
  if (!array_inner(args_json_array)) return false;
  sio::Message m;
  m.packet.type = sio::PacketType::ack;
  m.packet.id = ack_id;
  m.packet.data = std::string(args_json_array);
  m.attachments = std::move(attachments);
  return send_packet(conn, nsp, std::move(m));
}

bool SocketIoServer::ack(ConnectionId conn, const std::string& nsp, std::uint64_t ack_id,
                         const rapidjson::Value& args, std::vector<std::string> attachments) {
  if (!args.IsArray()) return false;
  return ack_json(conn, nsp, ack_id, sio::to_json(args), std::move(attachments));
}

bool SocketIoServer::join(ConnectionId conn, const std::string& nsp, const std::string& room) {
  Socket* s = find_socket(conn, nsp);
  if (s == nullptr) return false;
  s->rooms.insert(room);
  rooms_[{nsp, room}].insert(conn);
  return true;
}

void SocketIoServer::leave(ConnectionId conn, const std::string& nsp, const std::string& room) {
  if (Socket* s = find_socket(conn, nsp)) s->rooms.erase(room);
  const auto r = rooms_.find({nsp, room});
  if (r == rooms_.end()) return;
  r->second.erase(conn);
  if (r->second.empty()) rooms_.erase(r);
}

std::size_t SocketIoServer::room_size(const std::string& nsp, const std::string& room) const {
  const auto r = rooms_.find({nsp, room});
  return r == rooms_.end() ? 0 : r->second.size();
}

std::size_t SocketIoServer::send_to(const std::vector<ConnectionId>& targets,
                                    const std::string& nsp, std::string_view event,
                                    const rapidjson::Value& args) {
  if (!args.IsArray() || targets.empty()) return 0;
  auto payload = event_payload(event, sio::to_json(args));
  if (!payload) return 0;
  // Encoded once, sent to every target.
  sio::Message m;
  m.packet.type = sio::PacketType::event;
  m.packet.nsp = nsp;
  m.packet.data = std::move(*payload);
  const sio::EncodedMessage e = sio::encode_message(std::move(m));
  std::size_t n = 0;
  for (const ConnectionId id : targets) {
    Socket* s = find_socket(id, nsp);
    if (s == nullptr) continue;
    if (s->connecting) {
      s->held.push_back(e);
    } else {
      send(id, e);
    }
    ++n;
  }
  return n;
}

std::size_t SocketIoServer::emit_to_room(const std::string& nsp, const std::string& room,
                                         std::string_view event, const rapidjson::Value& args,
                                         std::optional<ConnectionId> except) {
  const auto r = rooms_.find({nsp, room});
  if (r == rooms_.end()) return 0;
  std::vector<ConnectionId> targets;
  for (const ConnectionId id : r->second) {
    if (id != except) targets.push_back(id);
  }
  return send_to(targets, nsp, event, args);
}

std::size_t SocketIoServer::broadcast(const std::string& nsp, std::string_view event,
                                      const rapidjson::Value& args,
                                      std::optional<ConnectionId> except) {
  std::vector<ConnectionId> targets;
  for (const auto& [id, c] : conns_) {
    if (id != except && c->sockets.count(nsp) != 0) targets.push_back(id);
  }
  return send_to(targets, nsp, event, args);
}

std::any* SocketIoServer::session_data(ConnectionId conn, const std::string& nsp) {
  Socket* s = find_socket(conn, nsp);
  return s == nullptr ? nullptr : &s->data;
}

std::optional<std::string> SocketIoServer::socket_id(ConnectionId conn,
                                                     const std::string& nsp) const {
  const Socket* s = find_socket(conn, nsp);
  if (s == nullptr) return std::nullopt;
  return s->sid;
}

bool SocketIoServer::connected(ConnectionId conn, const std::string& nsp) const {
  const Socket* s = find_socket(conn, nsp);
  return s != nullptr && !s->connecting;
}

std::optional<std::string> SocketIoServer::transport(ConnectionId conn) const {
  return engine_.transport_of(conn);
}

void SocketIoServer::disconnect_socket(ConnectionId conn, const std::string& nsp) {
  const auto c = conns_.find(conn);
  if (c == conns_.end() || c->second->sockets.count(nsp) == 0) return;
  sio::Message m;
  m.packet.type = sio::PacketType::disconnect;
  m.packet.nsp = nsp;
  send(conn, sio::encode_message(std::move(m)));
  drop_socket(conn, *c->second, nsp, "server namespace disconnect");
}

void SocketIoServer::close(ConnectionId conn) {
  engine_.close(conn);
}

void SocketIoServer::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  engine_.shutdown();
  if (own_http_) own_http_->stop();
}

}  // namespace unm::transport
