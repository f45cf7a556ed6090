// cmd_peer.h — `unmanageable-conformance peer` (docs/observe.md, "peer").
#pragma once

#include <span>
#include <string>

namespace unm::conformance::tool {

// peer_command runs a harness user that a client under test talks to, until --duration or
// SIGINT/SIGTERM, then writes its reports. Exit 0 no failing finding on the --fail-on side(s),
// 1 failing findings, 2 usage error or the peer could not register, log in or connect.
int peer_command(std::span<const std::string> args);

}  // namespace unm::conformance::tool
