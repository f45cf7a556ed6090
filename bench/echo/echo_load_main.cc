// echo_load_main.cc — bench_echo_load: runs one load phase against one Socket.IO server and
// prints its JSON (see load_usage(), docs/benchmarks.md "Transport echo").
#include <iostream>
#include <string_view>
#include <vector>

#include "bench/echo/echo_load.h"
#include "bench/echo/load_options.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto flags = unm::bench::parse_load_flags(args);
  if (const int code = unm::bench::finish_load_flags(flags, std::cout, std::cerr); code >= 0) {
    return code;
  }
  const auto result = unm::bench::run_load(flags->options);
  if (!result) {
    std::cerr << "bench_echo_load: " << unm::bench::load_error_name(result.error().code) << ": "
              << result.error().detail << "\n";
    return 1;
  }
  std::cout << unm::bench::to_json(*result) << std::endl;
  return 0;
}
