// cmd_run.cc — `run` subcommand (being built; see docs/conformance.md).
#include <cstdio>

#include "conformance/tool/commands.h"

namespace unm::conformance::tool {

int run_command(std::span<const std::string> args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("usage: unmanageable-conformance run [options]\n");
      return 0;
    }
  }
  std::fprintf(stderr, "unmanageable-conformance run: not available in this build yet\n");
  return 2;
}

}  // namespace unm::conformance::tool
