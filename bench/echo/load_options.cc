// load_options.cc — flags of bench_echo_load.
#include "bench/echo/load_options.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace unm::bench {

const char* const kLoadUsage =
    R"(bench_echo_load — Socket.IO echo load generator (WebSocket transport)

Opens N Socket.IO v5 / Engine.IO v4 WebSocket connections to a server whose event EVENT is acked
with its own arguments, emits EVENT with one string argument of PAYLOAD bytes and an ack id, and
measures acked round trips per second and latency percentiles. Prints one JSON object.

  --host H              server address (default 127.0.0.1)
  --port N              server port (required)
  --path P              Socket.IO path (default /socket.io/)
  --label NAME          server name in the report (default "server")
  --mode closed|open    closed: keep --inflight emits outstanding per connection (throughput);
                        open: emit at --rate per second in total, latency measured from each
                        emit's scheduled send time (default closed)
  --connections N       connections (default 50)
  --inflight W          closed loop: emits in flight per connection (default 8)
  --rate R              open loop: emits per second over all connections (required for open)
  --payload BYTES       length of the echoed string (default 64)
  --event NAME          event name (default message-with-ack)
  --warmup S            seconds of load before measuring (default 1)
  --duration S          measured seconds (default 5)
  --drain-timeout S     seconds to wait for outstanding acks at the end (default 5)
  --connect-timeout S   seconds for all connections to be ready (default 10)
  --threads T           generator I/O threads (default 1)
  --max-outstanding N   open loop: per-connection cap; emits beyond it are counted as skipped
                        (default 10000)
  --server-pid PID      sample the server's CPU time, threads and RSS from /proc
  --help                this text

Exit status: 0 when the run completed (the JSON may still report errors), 1 when it could not
run (connect failure, protocol violation during setup), 2 for bad flags.
)";

std::string_view load_mode_name(LoadMode m) {
  return m == LoadMode::closed ? "closed" : "open";
}

namespace {

template <class T>
Expected<T, std::string> parse_integer(std::string_view flag, std::string_view v, T min_value) {
  T out{};
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || out < min_value) {
    return Unexpected{std::string(flag) + ": expected an integer >= " + std::to_string(min_value) +
                      ", got '" + std::string(v) + "'"};
  }
  return out;
}

// parse_seconds reads a non-negative decimal number of seconds ("0.5", "10") into milliseconds.
Expected<std::chrono::milliseconds, std::string> parse_seconds(std::string_view flag,
                                                               std::string_view v) {
  double s = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
  // One day bounds the value so the conversion to milliseconds cannot overflow.
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !(s >= 0) || s > 86400) {
    return Unexpected{std::string(flag) + ": expected seconds in [0, 86400], got '" +
                      std::string(v) + "'"};
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000)));
}

}  // namespace

Expected<FlagsResult, std::string> parse_load_flags(std::span<const std::string_view> args) {
  FlagsResult r;
  LoadOptions& o = r.options;
  bool rate_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::string_view value;
    bool has_value = false;
    if (const auto eq = flag.find('='); eq != std::string_view::npos && flag.starts_with("--")) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      r.help = true;
      return r;
    }
    if (!flag.starts_with("--")) return Unexpected{"unexpected argument: " + std::string(flag)};
    if (!has_value) {
      if (i + 1 >= args.size()) return Unexpected{std::string(flag) + " needs a value"};
      value = args[++i];
    }
    // Each branch either sets a field or returns the error of its value.
    Expected<void, std::string> ok;
    const auto set_ms = [&](std::chrono::milliseconds& out) {
      auto v = parse_seconds(flag, value);
      if (!v) return Expected<void, std::string>(Unexpected{v.error()});
      out = *v;
      return Expected<void, std::string>();
    };
    const auto set_u32 = [&](std::uint32_t& out, std::uint32_t min_value) {
      auto v = parse_integer<std::uint32_t>(flag, value, min_value);
      if (!v) return Expected<void, std::string>(Unexpected{v.error()});
      out = *v;
      return Expected<void, std::string>();
    };
    if (flag == "--host") {
      if (value.empty()) return Unexpected{std::string("--host: empty")};
      o.host = std::string(value);
    } else if (flag == "--port") {
      auto v = parse_integer<std::uint16_t>(flag, value, 1);
      if (!v) return Unexpected{v.error()};
      o.port = *v;
    } else if (flag == "--path") {
      if (!value.starts_with("/")) return Unexpected{std::string("--path: must start with /")};
      o.path = std::string(value);
    } else if (flag == "--label") {
      o.label = std::string(value);
    } else if (flag == "--mode") {
      if (value == "closed") {
        o.mode = LoadMode::closed;
      } else if (value == "open") {
        o.mode = LoadMode::open;
      } else {
        return Unexpected{"--mode: expected closed or open, got '" + std::string(value) + "'"};
      }
    } else if (flag == "--connections") {
      // The cap keeps a typo from exhausting file descriptors.
      ok = set_u32(o.connections, 1);
      if (ok && o.connections > 20000)
        return Unexpected{std::string("--connections: at most 20000")};
    } else if (flag == "--inflight") {
      ok = set_u32(o.inflight, 1);
      if (ok && o.inflight > 100000) return Unexpected{std::string("--inflight: at most 100000")};
    } else if (flag == "--rate") {
      double v = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || !(v > 0) ||
          v > 1e8) {
        return Unexpected{"--rate: expected a number of emits per second in (0, 1e8], got '" +
                          std::string(value) + "'"};
      }
      o.rate = v;
      rate_given = true;
    } else if (flag == "--payload") {
      auto v = parse_integer<std::size_t>(flag, value, 0);
      if (!v) return Unexpected{v.error()};
      // Below the servers' default maxPayload (1 000 000 bytes) with room for the framing.
      if (*v > 900000) return Unexpected{std::string("--payload: at most 900000 bytes")};
      o.payload_bytes = *v;
    } else if (flag == "--event") {
      if (value.empty()) return Unexpected{std::string("--event: empty")};
      o.event = std::string(value);
    } else if (flag == "--warmup") {
      ok = set_ms(o.warmup);
    } else if (flag == "--duration") {
      ok = set_ms(o.duration);
      if (ok && o.duration.count() == 0) return Unexpected{std::string("--duration: must be > 0")};
    } else if (flag == "--drain-timeout") {
      ok = set_ms(o.drain_timeout);
    } else if (flag == "--connect-timeout") {
      ok = set_ms(o.connect_timeout);
    } else if (flag == "--threads") {
      ok = set_u32(o.threads, 1);
      if (ok && o.threads > 64) return Unexpected{std::string("--threads: at most 64")};
    } else if (flag == "--max-outstanding") {
      ok = set_u32(o.max_outstanding, 1);
    } else if (flag == "--server-pid") {
      auto v = parse_integer<int>(flag, value, 1);
      if (!v) return Unexpected{v.error()};
      o.server_pid = *v;
    } else {
      return Unexpected{"unknown flag: " + std::string(flag)};
    }
    if (!ok) return Unexpected{ok.error()};
  }
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
