// load_options.h — what one run of the echo load generator does, and its command-line flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "reference/common/expected.h"

namespace unm::bench {

// LoadMode — closed loop (each connection keeps `inflight` emits outstanding: maximum
// throughput) or open loop (emits at a fixed total rate whatever the answers: latency at a given
// load, measured from each emit's scheduled time so a stalled server cannot hide its backlog).
enum class LoadMode { closed, open };

// load_mode_name returns "closed" or "open".
std::string_view load_mode_name(LoadMode m);

// LoadOptions — one run of the generator against one server.
struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // required (no default server)
  std::string path = "/socket.io/";
  std::string label = "server";  // name of the server in the report ("ours", "node")
  LoadMode mode = LoadMode::closed;
  std::uint32_t connections = 50;            // Socket.IO connections (WebSocket transport)
  std::uint32_t inflight = 8;                // closed loop: emits outstanding per connection
  double rate = 0;                           // open loop: emits per second over all connections
  std::size_t payload_bytes = 64;            // length of the string argument echoed back
  std::string event = "message-with-ack";    // acked by the server with its own arguments
  std::chrono::milliseconds warmup{1000};    // sent and answered but not recorded
  std::chrono::milliseconds duration{5000};  // the measured window
  std::chrono::milliseconds drain_timeout{5000};  // wait for outstanding acks after the window
  std::chrono::milliseconds connect_timeout{10000};
  std::uint32_t threads = 1;              // generator I/O threads (one io_context each)
  std::uint32_t max_outstanding = 10000;  // open loop: per connection; further emits are skipped
  std::optional<int> server_pid;          // sampled from /proc for CPU time, RSS and threads
};

// load_usage is the --help text of bench_echo_load.
std::string load_usage();

// FlagsResult — parsed options, or a request for --help or --version.
struct FlagsResult {
  LoadOptions options;
  bool help = false;
  bool version = false;
};

// parse_load_flags reads `--flag value` / `--flag=value` arguments (see load_usage) with the
// project's parser (reference/common/command_line.h). Unknown flags, missing or malformed
// values, and inconsistent combinations (open loop without a rate, no port, zero connections)
// give an error text.
Expected<FlagsResult, std::string> parse_load_flags(std::span<const std::string_view> args);

// finish_load_flags prints the help, the version or the usage error that `flags` asks for and
// returns the exit status (0 or 2), or -1 when the generator should run.
int finish_load_flags(const Expected<FlagsResult, std::string>& flags, std::ostream& out,
                      std::ostream& err);

}  // namespace unm::bench
