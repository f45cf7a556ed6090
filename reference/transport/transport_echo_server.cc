// transport_echo_server.cc — test-only executable: the compliance echo applications
// (transport.md §4) with the server flags of echo.h. Used by the interop CTest; the installed
// front end is `unmanageable-server --echo`.
#include <iostream>
#include <string_view>
#include <vector>

#include "reference/transport/echo.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto options = unm::transport::parse_server_flags(args);
  if (!options) {
    std::cerr << "transport_echo_server: " << options.error() << "\n";
    return 2;
  }
  return unm::transport::run_echo_server(*options, std::cout);
}
