#include "conformance/observe/wire_tap.h"

#include <memory>

namespace unm::conformance::observe {

namespace eio = transport::eio;
namespace sio = transport::sio;

std::string WireTap::query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    const auto eq = kv.find('=');
    if (kv.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : std::string(kv.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return {};
}

WireTap::Session* WireTap::session_for(const std::string& sid) {
  const auto it = sessions_.find(sid);
  return it == sessions_.end() ? nullptr : &it->second;
}

WireTap::Session& WireTap::open(const std::string& sid, Clock::time_point at) {
  Session& s = sessions_[sid];
  s.number = judge_.open_session(at);
  return s;
}

void WireTap::close(Session& s, Clock::time_point at) {
  if (s.closed) return;
  s.closed = true;
  judge_.on_close(s.number, at);
}

void WireTap::feed(Session& s, Direction dir, const eio::Packet& p, Clock::time_point at) {
  judge_.on_frame(dir);
  if (s.closed) return;
  if (p.type == eio::PacketType::close) {
    close(s, at);
    return;
  }
  if (p.type != eio::PacketType::message) return;
  sio::Assembler& a = dir == Direction::to_server ? s.to_server : s.to_client;
  auto r = p.binary ? a.on_binary(p.data) : a.on_text(p.data);
  const std::string frame =
      p.binary ? "<binary " + std::to_string(p.data.size()) + " bytes>" : "4" + p.data;
  if (!r) {
    judge_.on_malformed(s.number, dir, at, frame, sio::error_name(r.error()), "TR-SIO-003");
    return;
  }
  if (!r->has_value()) return;  // waiting for attachments
  const sio::Incoming& in = **r;
  std::string text = sio::encode(in.message.packet);
  if (!in.message.attachments.empty()) {
    text += " + " + std::to_string(in.message.attachments.size()) + " binary attachment(s)";
  }
  judge_.on_packet(s.number, dir, at, in, text);
}

void WireTap::on_poll_request(std::string_view method, std::string_view target,
                              std::string_view body, Clock::time_point at) {
  if (method != "POST") return;
  Session* s = session_for(query_param(target, "sid"));
  if (s == nullptr) return;  // the server will refuse an unknown sid (TR-EIO-001)
  auto packets = eio::decode_payload(body);
  if (!packets) {
    judge_.on_malformed(s->number, Direction::to_server, at, clip(body),
                        eio::decode_error_name(packets.error()), "TR-EIO-004");
    return;
  }
  for (const eio::Packet& p : *packets) feed(*s, Direction::to_server, p, at);
}

void WireTap::on_poll_response(std::string_view method, std::string_view target, int status,
                               std::string_view body, Clock::time_point at) {
  if (method != "GET" || status != 200) return;
  const std::string sid = query_param(target, "sid");
  auto packets = eio::decode_payload(body);
  if (sid.empty()) {
    // The handshake: the open packet names the new session (TR-EIO-002).
    if (!packets || packets->empty() || packets->front().type != eio::PacketType::open) return;
    auto hs = eio::decode_handshake(packets->front().data);
    if (!hs) return;
    Session& s = open(hs->sid, at);
    for (const eio::Packet& p : *packets) feed(s, Direction::to_client, p, at);
    return;
  }
  Session* s = session_for(sid);
  if (s == nullptr) return;
  if (!packets) {
    judge_.on_malformed(s->number, Direction::to_client, at, clip(body),
                        eio::decode_error_name(packets.error()), "TR-EIO-004");
    return;
  }
  for (const eio::Packet& p : *packets) feed(*s, Direction::to_client, p, at);
}

WireTap::WsId WireTap::on_ws_open(std::string_view target, Clock::time_point at) {
  const WsId id = next_ws_++;
  Ws& w = ws_[id];
  w.sid = query_param(target, "sid");
  if (w.sid.empty()) {
    w.fresh = std::make_unique<Session>();
    w.fresh->number = judge_.open_session(at);
    w.carries = true;
  }
  return id;
}

void WireTap::on_ws_message(WsId ws, Direction dir, bool binary, std::string_view data,
                            Clock::time_point at) {
  const auto it = ws_.find(ws);
  if (it == ws_.end()) return;
  Ws& w = it->second;
  Session* s = w.fresh ? w.fresh.get() : session_for(w.sid);
  if (s == nullptr) return;
  if (binary) {
    feed(*s, dir, eio::decode_binary_frame(data), at);
    return;
  }
  auto p = eio::decode_text(data);
  if (!p) {
    judge_.on_malformed(s->number, dir, at, clip(data), eio::decode_error_name(p.error()),
                        "TR-EIO-003");
    return;
  }
  if (w.fresh && p->type == eio::PacketType::open) {
    // A WebSocket-only session learns its sid from the open packet; keep it under that sid.
    if (auto hs = eio::decode_handshake(p->data)) {
      w.sid = hs->sid;
      sessions_[w.sid] = std::move(*w.fresh);
      w.fresh.reset();
      s = &sessions_[w.sid];
    }
  }
  if (dir == Direction::to_server && p->type == eio::PacketType::upgrade) w.carries = true;
  feed(*s, dir, *p, at);
}

void WireTap::on_ws_close(WsId ws, Clock::time_point at) {
  const auto it = ws_.find(ws);
  if (it == ws_.end()) return;
  Session* s = it->second.fresh ? it->second.fresh.get() : session_for(it->second.sid);
  // A probe WebSocket that never carried the session closes without ending it; the close of a
  // WebSocket that carries the session ends the session (TR-EIO-008).
  if (s != nullptr && it->second.carries) close(*s, at);
  ws_.erase(it);
}

}  // namespace unm::conformance::observe
