// cmd_diff.cc — `diff` subcommand (being built; see docs/conformance.md).
#include <cstdio>

#include "conformance/tool/commands.h"

namespace unm::conformance::tool {

int diff_command(std::span<const std::string> args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("usage: unmanageable-conformance diff [options]\n");
      return 0;
    }
  }
  std::fprintf(stderr, "unmanageable-conformance diff: not available in this build yet\n");
  return 2;
}

}  // namespace unm::conformance::tool
