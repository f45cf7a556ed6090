// fuzz_command.h — `unmanageable-conformance fuzz`: the live-server fuzzer (fuzz_command.cc;
// the network-free logic is in fuzz_command_core.h). Documented in docs/fuzzing.md.
#pragma once

#include <span>
#include <string>

namespace unm::conformance::tool {

// fuzz_command implements `fuzz --target URL --duration D`: exit 0 no finding, 1 findings,
// 2 usage or connection error.
int fuzz_command(std::span<const std::string> args);

}  // namespace unm::conformance::tool
