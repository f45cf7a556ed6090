// options.h — the command line of `unmanageable-load` (docs/benchmarks.md, "Server load").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <iosfwd>

#include "reference/common/command_line.h"
#include "reference/common/expected.h"

namespace unm::load {

// Scenario names one measured scenario, in the order they run.
enum class Scenario { login, send2, send32, fanout, latency };

// scenario_name returns "login", "send2", "send32", "fanout" or "latency".
std::string_view scenario_name(Scenario s);

// Options are the parsed command line. Defaults are the documented ones.
struct Options {
  std::string target;               // --target URL (http, https, ws, wss); required
  std::vector<Scenario> scenarios;  // --scenario a,b,... or all (default all, in enum order)
  double duration_s = 5.0;          // --duration: timed seconds per scenario
  double warmup_s = 0.5;            // --warmup: untimed seconds before each timed phase
  int connections = 4;              // --connections: login concurrency / sender connections
  int in_flight = 8;                // --in-flight: requests in flight per sender connection
  double rate = 0;                  // --rate: latency scenario's offered msgs/s (0 = 50 % send2)
  int users = 500;                  // --users: users registered for the login scenario
  int pool = 4096;                  // --pool: pre-computed messages per sender connection
  double timeout_s = 10.0;          // --timeout: per-request acknowledgement timeout
  double max_error_rate = 0.001;    // --max-error-rate: above it, exit code 1
  std::string json_file;            // --json FILE (empty = stdout)
  bool insecure = false;            // --insecure: no TLS certificate verification
  bool quiet = false;               // --quiet: no human summary or progress on stderr
  bool help = false;                // --help
  bool version = false;             // --version
};

// make_parser declares the flags on the project's parser (reference/common/command_line.h),
// stored into `o`, which must outlive the parser.
cli::Parser make_parser(Options& o);

// parse_options parses argv[1..] (`args` excludes the program name). Accepts "--flag value" and
// "--flag=value". Returns a one-line reason on any usage error; `--help` and `--version` need no
// target.
Expected<Options, std::string> parse_options(std::span<const std::string_view> args);

// finish_command_line prints the help, the version or the usage error that `o` asks for and
// returns the exit status (0 or kExitUsage), or -1 when the tool should run.
int finish_command_line(const Expected<Options, std::string>& o, std::ostream& out,
                        std::ostream& err);

// usage_text is the --help text (flags, defaults, exit codes).
std::string usage_text();

// Exit codes of `unmanageable-load`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;   // a scenario failed or errors exceeded --max-error-rate
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitConnect = 3;  // the target could not be reached

}  // namespace unm::load
