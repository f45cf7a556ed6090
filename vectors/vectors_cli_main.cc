// vectors_cli_main.cc — a minimal driver for the `vectors` command, used by CTest to check the
// committed files (the user-facing entry point is `unmanageable-conformance vectors`).
#include <string>
#include <vector>

#include "vectors/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return unm::vectors::vectors_command(args);
}
