// cmd_observe.h — the `observe` subcommand (cmd_observe.cc, docs/observe.md).
#pragma once

#include <span>
#include <string>

namespace unm::conformance::tool {

// observe_command implements `observe`: the judging proxy between a client and a server.
int observe_command(std::span<const std::string> args);

}  // namespace unm::conformance::tool
