// cmd_coverage.cc — `coverage` subcommand (being built; see docs/conformance.md).
#include <cstdio>

#include "conformance/tool/commands.h"

namespace unm::conformance::tool {

int coverage_command(std::span<const std::string> args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("usage: unmanageable-conformance coverage [options]\n");
      return 0;
    }
  }
  std::fprintf(stderr, "unmanageable-conformance coverage: not available in this build yet\n");
  return 2;
}

}  // namespace unm::conformance::tool
