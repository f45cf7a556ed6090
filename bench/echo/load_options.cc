// load_options.cc — flags of bench_echo_load.
#include "bench/echo/load_options.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <ostream>

#include "reference/common/command_line.h"

namespace unm::bench {

std::string_view load_mode_name(LoadMode m) {
  return m == LoadMode::closed ? "closed" : "open";
}

namespace {

template <class T>
Expected<T, std::string> parse_integer(std::string_view v, T min_value) {
  T out{};
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || out < min_value) {
    return Unexpected{
        cli::cat("expected an integer >= ", std::to_string(min_value), ", got '", v, "'")};
  }
  return out;
}

// parse_seconds reads a non-negative decimal number of seconds ("0.5", "10") into milliseconds.
Expected<std::chrono::milliseconds, std::string> parse_seconds(std::string_view v) {
  double s = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
  // One day bounds the value so the conversion to milliseconds cannot overflow.
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !(s >= 0) || s > 86400) {
    return Unexpected{cli::cat("expected seconds in [0, 86400], got '", v, "'")};
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000)));
}

cli::Parser make_load_parser(LoadOptions& o, bool& rate_given) {
  cli::Parser p("bench_echo_load", "bench_echo_load --port N [options]",
                "Socket.IO echo load generator (WebSocket transport). Opens N Socket.IO v5 /\n"
                "Engine.IO v4 WebSocket connections to a server whose event EVENT is acked with\n"
                "its own arguments, emits EVENT with one string argument of PAYLOAD bytes and an\n"
                "ack id, and measures acked round trips per second and latency percentiles.\n"
                "Prints one JSON object.");
  // Setters: each checks its value and stores it (the parser names the flag in errors).
  auto seconds = [](std::chrono::milliseconds& out, bool positive) -> cli::Setter {
    return [&out, positive](std::string_view v) -> std::optional<std::string> {
      auto ms = parse_seconds(v);
      if (!ms) return ms.error();
      if (positive && ms->count() == 0) return std::string("must be > 0");
      out = *ms;
      return std::nullopt;
    };
  };
  auto u32 = [](std::uint32_t& out, std::uint32_t min_value,
                std::uint32_t max_value) -> cli::Setter {
    return [&out, min_value, max_value](std::string_view v) -> std::optional<std::string> {
      auto n = parse_integer<std::uint32_t>(v, min_value);
      if (!n) return n.error();
      if (*n > max_value) return cli::cat("at most ", std::to_string(max_value));
      out = *n;
      return std::nullopt;
    };
  };
  p.option("--host", "H", "server address (default 127.0.0.1)", o.host)
      .option("--port", "N", "server port (required)",
              [&o](std::string_view v) -> std::optional<std::string> {
                auto n = parse_integer<std::uint16_t>(v, 1);
                if (!n) return n.error();
                o.port = *n;
                return std::nullopt;
              })
      .option("--path", "P", "Socket.IO path (default /socket.io/)",
              [&o](std::string_view v) -> std::optional<std::string> {
                if (!v.starts_with("/")) return std::string("must start with /");
                o.path = std::string(v);
                return std::nullopt;
              })
      .option("--label", "NAME", "server name in the report (default \"server\")",
              [&o](std::string_view v) -> std::optional<std::string> {
                o.label = std::string(v);
                return std::nullopt;
              })
      .option("--mode", "closed|open",
              "closed: keep --inflight emits outstanding per connection (throughput);\n"
              "open: emit at --rate per second in total, latency measured from each\n"
              "emit's scheduled send time (default closed)",
              [&o](std::string_view v) -> std::optional<std::string> {
                if (v == "closed") {
                  o.mode = LoadMode::closed;
                } else if (v == "open") {
                  o.mode = LoadMode::open;
                } else {
                  return cli::cat("expected closed or open, got '", v, "'");
                }
                return std::nullopt;
              })
      // The cap keeps a typo from exhausting file descriptors.
      .option("--connections", "N", "connections (default 50, at most 20000)",
              u32(o.connections, 1, 20000))
      .option("--inflight", "W", "closed loop: emits in flight per connection (default 8)",
              u32(o.inflight, 1, 100000))
      .option("--rate", "R", "open loop: emits per second over all connections (required for open)",
              [&o, &rate_given](std::string_view v) -> std::optional<std::string> {
                double r = 0;
                const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), r);
                if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !(r > 0) ||
                    r > 1e8) {
                  return "expected a number of emits per second in (0, 1e8], got '" +
                         std::string(v) + "'";
                }
                o.rate = r;
                rate_given = true;
                return std::nullopt;
              })
      .option("--payload", "BYTES", "length of the echoed string (default 64)",
              [&o](std::string_view v) -> std::optional<std::string> {
                auto n = parse_integer<std::size_t>(v, 0);
                if (!n) return n.error();
                // Below the servers' default maxPayload (1 000 000 bytes) with room for framing.
                if (*n > 900000) return std::string("at most 900000 bytes");
                o.payload_bytes = *n;
                return std::nullopt;
              })
      .option("--event", "NAME", "event name (default message-with-ack)", o.event)
      .option("--warmup", "S", "seconds of load before measuring (default 1)",
              seconds(o.warmup, false))
      .option("--duration", "S", "measured seconds (default 5)", seconds(o.duration, true))
      .option("--drain-timeout", "S", "seconds to wait for outstanding acks at the end (default 5)",
              seconds(o.drain_timeout, false))
      .option("--connect-timeout", "S", "seconds for all connections to be ready (default 10)",
              seconds(o.connect_timeout, false))
      .option("--threads", "T", "generator I/O threads (default 1, at most 64)",
              u32(o.threads, 1, 64))
      .option("--max-outstanding", "N",
              "open loop: per-connection cap; emits beyond it are counted as skipped\n"
              "(default 10000)",
              u32(o.max_outstanding, 1, std::numeric_limits<std::uint32_t>::max()))
      .option("--server-pid", "PID", "sample the server's CPU time, threads and RSS from /proc",
              [&o](std::string_view v) -> std::optional<std::string> {
                auto n = parse_integer<int>(v, 1);
                if (!n) return n.error();
                o.server_pid = *n;
                return std::nullopt;
              })
      .epilogue(
          "Exit status: 0 when the run completed (the JSON may still report errors), 1 when it\n"
          "could not run (connect failure, protocol violation during setup), 2 for bad flags.");
  return p;
}

}  // namespace

std::string load_usage() {
  LoadOptions scratch;
  bool rate_given = false;
  return make_load_parser(scratch, rate_given).help();
}

int finish_load_flags(const Expected<FlagsResult, std::string>& flags, std::ostream& out,
                      std::ostream& err) {
  LoadOptions scratch;
  bool rate_given = false;
  const cli::Parser p = make_load_parser(scratch, rate_given);
  Expected<cli::Parsed, std::string> parsed = cli::Parsed::run;
  if (!flags) {
    parsed = Unexpected{flags.error()};
  } else if (flags->help) {
    parsed = cli::Parsed::help;
  } else if (flags->version) {
    parsed = cli::Parsed::version;
  }
  return cli::finish(p, parsed, out, err).value_or(-1);
}

Expected<FlagsResult, std::string> parse_load_flags(std::span<const std::string_view> args) {
  FlagsResult r;
  LoadOptions& o = r.options;
  bool rate_given = false;
  const cli::Parser p = make_load_parser(o, rate_given);
  auto parsed = p.parse(args);
  if (!parsed) return Unexpected{parsed.error()};
  r.help = *parsed == cli::Parsed::help;
  r.version = *parsed == cli::Parsed::version;
  if (r.help || r.version) return r;
  if (o.port == 0) return Unexpected{std::string("--port is required")};
  if (o.mode == LoadMode::open && !rate_given) {
    return Unexpected{std::string("--mode open needs --rate")};
  }
  if (o.mode == LoadMode::closed && rate_given) {
    return Unexpected{std::string("--rate applies to --mode open only")};
  }
  if (o.threads > o.connections) o.threads = o.connections;
  return r;
}

}  // namespace unm::bench
