// ack_match.h — the load generator's fast path for the answer it expects.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace unm::bench {

// match_expected_ack returns the ack id when `frame` (a WebSocket text frame) is exactly the
// Engine.IO message carrying the Socket.IO ACK with arguments `expected_args` on namespace "/":
// "43" + the id in canonical decimal (no leading zero, at most 18 digits) + expected_args
// (TR-SIO-001). Otherwise nullopt, and the caller decodes the frame with the codec. Bytes equal to
// a packet the codec accepts need no parsing, which keeps the generator's cost per round trip low;
// `expected_args` must itself be valid JSON (it is built by the generator).
std::optional<std::uint64_t> match_expected_ack(std::string_view frame,
                                                std::string_view expected_args);

}  // namespace unm::bench
