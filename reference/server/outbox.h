// outbox.h — where the chat server's output goes. The transport adapter turns these calls into
// Socket.IO ACK and EVENT packets; tests record them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace unm::server {

// ConnId identifies one Socket.IO connection (chosen by the transport).
using ConnId = std::uint64_t;

// Outbox receives acks and notifications in the exact order they must reach each connection.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // ack answers request `ack_id` of `conn` with the result object (JSON text, EV-TRN-005).
  virtual void ack(ConnId conn, std::uint64_t ack_id, const std::string& result_json) = 0;
  // emit sends notification `name` with one argument, `payload_json`, to `conn` (EV-TRN-024).
  virtual void emit(ConnId conn, std::string_view name, const std::string& payload_json) = 0;
};

}  // namespace unm::server
