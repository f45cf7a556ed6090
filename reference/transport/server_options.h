// server_options.h — configuration of the Engine.IO/Socket.IO server transport (transport.md
// TR-EIO-001..010, TR-SIO-002). Defaults are those of the specification.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace unm::transport {

// ServerOptions — everything the server transport needs to know before listen().
struct ServerOptions {
  std::string host = "127.0.0.1";                     // listen address
  std::uint16_t port = 0;                             // 0: the OS picks a free port (see listen())
  std::string path = "/socket.io/";                   // Socket.IO endpoint path (TR-EIO-001)
  std::chrono::milliseconds ping_interval{25'000};    // TR-EIO-005
  std::chrono::milliseconds ping_timeout{20'000};     // TR-EIO-005
  std::size_t max_payload = 1'000'000;                // bytes, TR-EIO-007
  std::chrono::milliseconds connect_timeout{45'000};  // Socket.IO CONNECT deadline, TR-SIO-002
  // cors_origins lists the browser origins allowed (TR-EIO-009); "*" allows any origin (the
  // request's Origin is echoed back). A request from another origin is refused with 403.
  std::vector<std::string> cors_origins = {"*"};
  // tls_cert_file / tls_key_file: PEM files; when both are set the server speaks only
  // https/wss on its port.
  std::string tls_cert_file;
  std::string tls_key_file;
  // upgrade_timeout bounds the polling→WebSocket upgrade (probe to upgrade packet).
  std::chrono::milliseconds upgrade_timeout{10'000};
};

// ConnectionId identifies one Engine.IO session (one client connection) for the server's whole
// lifetime; ids are never reused.
using ConnectionId = std::uint64_t;

}  // namespace unm::transport
