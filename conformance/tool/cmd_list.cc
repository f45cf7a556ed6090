// cmd_list.cc — `list` subcommand (being built; see docs/conformance.md).
#include <cstdio>

#include "conformance/tool/commands.h"

namespace unm::conformance::tool {

int list_command(std::span<const std::string> args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("usage: unmanageable-conformance list [options]\n");
      return 0;
    }
  }
  std::fprintf(stderr, "unmanageable-conformance list: not available in this build yet\n");
  return 2;
}

}  // namespace unm::conformance::tool
