// unmanageable_server.cc — the `unmanageable-server` executable: the reference chat server
// (events.md) on the Socket.IO transport, durable on SQLite; or, with --echo, the transport
// compliance echo applications. Flags, logs and exit codes: docs/server.md.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "reference/common/command_line.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/server/chat_app.h"
#include "reference/server/clock.h"
#include "reference/server/faults.h"
#include "reference/server/log.h"
#include "reference/server/sqlite_store.h"
#include "reference/transport/echo.h"
#include "reference/transport/socketio_server.h"

namespace {

using unm::server::LogLevel;

// Exit codes (docs/server.md); 2, a bad command line, is unm::cli::kExitUsage.
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;   // cannot listen, or the transport failed
constexpr int kExitDatabase = 3;  // the database cannot be opened or migrated

struct Config {
  unm::transport::ServerOptions transport;
  std::string db = "unmanageable-data/unmanageable.db";
  unm::server::Synchronous sync = unm::server::Synchronous::full;
  LogLevel level = LogLevel::info;
  std::int64_t x3dh_delay_ms = 5000;
  std::size_t batch = unm::server::ChatApp::kMaxBatch;
  unsigned verify_threads = 1;
  bool echo = false;
  std::vector<std::string> inject_faults;  // --inject-fault values (see fault_gate)
  bool allow_faults = false;               // UNM_ALLOW_FAULTS is exactly "1"
};

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// in_range is a setter for an integer option within [lo, hi].
template <class T>
unm::cli::Setter in_range(T& out, T lo, T hi, std::string_view range) {
  return [&out, lo, hi, range](std::string_view v) -> std::optional<std::string> {
    const auto n = number<T>(v);
    if (!n || *n < lo || *n > hi) return unm::cli::cat("bad value '", v, "' (", range, ")");
    out = *n;
    return std::nullopt;
  };
}

// milliseconds is a setter for a positive duration in milliseconds.
unm::cli::Setter milliseconds(std::chrono::milliseconds& out) {
  return [&out](std::string_view v) -> std::optional<std::string> {
    const auto n = number<std::int64_t>(v);
    if (!n || *n <= 0) return unm::cli::cat("bad value '", v, "' (milliseconds > 0)");
    out = std::chrono::milliseconds(*n);
    return std::nullopt;
  };
}

// declare_options puts every flag of the server on `p` (docs/server.md, "Running").
void declare_options(unm::cli::Parser& p, Config& c) {
  using unm::cli::cat;
  p.option("--listen", "HOST:PORT",
           "address to listen on (default 127.0.0.1:5000; port 0 = any free port)",
           [&c](std::string_view v) -> std::optional<std::string> {
             const auto colon = v.rfind(':');
             const auto port = colon == std::string_view::npos
                                   ? std::nullopt
                                   : number<std::uint16_t>(v.substr(colon + 1));
             if (!port || colon == 0) return cat("bad value '", v, "' (HOST:PORT)");
             std::string_view host = v.substr(0, colon);
             if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
               host = host.substr(1, host.size() - 2);  // [::1]:5000
             }
             c.transport.host = std::string(host);
             c.transport.port = *port;
             return std::nullopt;
           })
      .option("--db", "PATH",
              "SQLite database (default ./unmanageable-data/unmanageable.db, created)", c.db)
      .option("--synchronous", "MODE",
              "full (default: every ack survives power loss) or normal (survives a\n"
              "crash of the server process, not of the machine)",
              [&c](std::string_view v) -> std::optional<std::string> {
                if (v == "full") {
                  c.sync = unm::server::Synchronous::full;
                } else if (v == "normal") {
                  c.sync = unm::server::Synchronous::normal;
                } else {
                  return cat("bad value '", v, "' (full or normal)");
                }
                return std::nullopt;
              })
      .option("--tls-cert", "FILE",
              "PEM certificate; with --tls-key the server speaks only https/wss",
              c.transport.tls_cert_file)
      .option("--tls-key", "FILE", "PEM private key", c.transport.tls_key_file)
      .option("--log-level", "LEVEL", "debug, info (default), warn or error; logs go to stderr",
              [&c](std::string_view v) -> std::optional<std::string> {
                const auto l = unm::server::parse_log_level(v);
                if (!l) return cat("bad value '", v, "' (debug, info, warn or error)");
                c.level = *l;
                return std::nullopt;
              })
      .option("--batch", "N",
              "group commit: at most N queued requests share one transaction and\n"
              "one fsync (default 256; 1 = one transaction per request)",
              in_range<std::size_t>(c.batch, 1, 100'000, "1 … 100000"))
      .option("--verify-threads", "N",
              "threads that help verify the signatures of a batch (default 1;\n"
              "0 = all on the event-loop thread; at most 16)",
              in_range<unsigned>(c.verify_threads, 0, 16, "0 … 16"))
      // EV-DM-014: delivery within 10 s of the login ack.
      .option("--x3dh-delay-ms", "MS",
              "grace period before pending X3DH notifications after login (default\n"
              "5000, 0 allowed, at most 10000)",
              in_range<std::int64_t>(c.x3dh_delay_ms, 0, 10'000, "0 … 10000"))
      .option("--ping-interval", "MS", "Engine.IO ping interval (default 25000)",
              milliseconds(c.transport.ping_interval))
      .option("--ping-timeout", "MS", "Engine.IO ping timeout (default 20000)",
              milliseconds(c.transport.ping_timeout))
      .option("--max-payload", "BYTES", "Engine.IO maxPayload (default 1000000)",
              in_range<std::size_t>(c.transport.max_payload, 1,
                                    std::numeric_limits<std::size_t>::max(), "bytes > 0"))
      .option("--connect-timeout", "MS", "Socket.IO CONNECT deadline (default 45000)",
              milliseconds(c.transport.connect_timeout))
      .flag("--echo", "serve the transport compliance echo applications instead of the chat",
            c.echo)
      .option("--inject-fault", "NAME",
              "harness self-tests only: inject a named bug (repeatable, or a comma\n"
              "list; `list` prints the catalogue). Needs a build with UNM_TEST_FAULTS\n"
              "and UNM_ALLOW_FAULTS=1 in the environment; refused otherwise (exit 2)",
              [&c](std::string_view v) -> std::optional<std::string> {
                // Empty names are refused by parse_faults (fault_gate), after the gate.
                c.inject_faults.emplace_back(v);
                return std::nullopt;
              })
      // Read, never refused: the gate (fault_gate) decides what a value other than 1 means.
      .environment("UNM_ALLOW_FAULTS", "1 allows --inject-fault (harness self-tests only)",
                   [&c](std::string_view v) -> std::optional<std::string> {
                     c.allow_faults = v == "1";
                     return std::nullopt;
                   })
      .epilogue(
          "On start-up the server prints one line \"listening on http://HOST:PORT\" to stdout.\n"
          "Exit codes: 0 graceful shutdown (SIGINT/SIGTERM), --help or --version; 1 runtime\n"
          "error; 2 usage error (one line on stderr); 3 database error.\n");
}

// fault_gate applies --inject-fault (docs/server.md, "Fault injection"): `list` prints the
// catalogue; anything else needs a build with UNM_TEST_FAULTS *and* UNM_ALLOW_FAULTS=1, so that a
// fault is never enabled by accident. Returns an exit code when the program must stop here.
std::optional<int> fault_gate(const unm::cli::Parser& p, const Config& c,
                              unm::server::Faults& out) {
  if (c.inject_faults.empty()) return std::nullopt;
  auto refuse = [&p](std::string_view why) {
    std::cerr << p.usage_error(why) << '\n';
    return unm::cli::kExitUsage;
  };
  if (!unm::server::kFaultInjectionBuilt) {
    return refuse(
        "--inject-fault: this build has no fault injection (configure with "
        "-DUNM_TEST_FAULTS=ON)");
  }
  if (std::find(c.inject_faults.begin(), c.inject_faults.end(), "list") != c.inject_faults.end()) {
    for (const auto& f : unm::server::fault_catalogue()) {
      std::cout << f.name << '\t' << f.clause << '\t' << f.breaks << '\t'
                << unm::server::finder_name(f.finder) << '\n';
    }
    return kExitOk;
  }
  if (!c.allow_faults) {
    return refuse(
        "--inject-fault is for harness self-tests only; set UNM_ALLOW_FAULTS=1 to allow it");
  }
  auto faults = unm::server::parse_faults(c.inject_faults);
  if (!faults) return refuse(unm::cli::cat("--inject-fault: ", faults.error()));
  if (c.echo) return refuse("--inject-fault does not apply to --echo");
  out = *faults;
  return std::nullopt;
}

int run_chat(const Config& c, const unm::server::Faults& faults, unm::server::Logger& log) {
  if (!unm::crypto::init()) {
    log.log(LogLevel::error, "libsodium failed to initialise");
    return kExitRuntime;
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(c.db).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto store = unm::server::SqliteStore::open(c.db, c.sync);
  if (!store) {
    log.log(LogLevel::error, "cannot open database", {{"db", c.db}, {"error", store.error()}});
    return kExitDatabase;
  }
  boost::asio::io_context ioc(1);
  unm::transport::SocketIoServer sio(ioc, c.transport);
  unm::server::SystemClock clock;
  unm::server::ServerOptions opts;
  opts.x3dh_delay = c.x3dh_delay_ms * 1000;
  opts.faults = faults;
  unm::server::ChatApp app(sio, **store, clock, unm::crypto::system_random(), opts, log, c.batch,
                           c.verify_threads);
  sio.add_namespace("/", app);
  const auto port = sio.listen();
  if (!port) {
    log.log(LogLevel::error, "cannot listen", {{"error", port.error()}});
    return kExitRuntime;
  }
  // The signal handler goes in before the start-up line: a script that reads the line and
  // sends SIGTERM at once must get the graceful shutdown (exit 0), not the default action.
  unm::transport::SignalShutdown signals(ioc, [&](int sig) {
    log.log(LogLevel::info, "shutting down", {{"signal", std::to_string(sig)}});
    boost::asio::post(sio.executor(), [&] {
      app.stop();
      sio.shutdown();
    });
  });
  const std::string scheme = c.transport.tls_cert_file.empty() ? "http" : "https";
  const std::string host = c.transport.host.find(':') != std::string::npos
                               ? "[" + c.transport.host + "]"
                               : c.transport.host;
  std::cout << "listening on " << scheme << "://" << host << ":" << *port << std::endl;
  log.log(LogLevel::info, "started",
          {{"listen", host + ":" + std::to_string(*port)},
           {"db", c.db},
           {"synchronous", c.sync == unm::server::Synchronous::full ? "full" : "normal"},
           {"batch", std::to_string(c.batch)},
           {"verify_threads", std::to_string(c.verify_threads)}});
  if (faults.any()) {
    std::string names;
    // Appends, not `"," + std::string(n)`: that form draws a false -Wrestrict from GCC 12 at -O3.
    for (const auto n : faults.names()) {
      if (!names.empty()) names += ',';
      names += n;
    }
    log.log(LogLevel::warn, "FAULTS INJECTED: this server is deliberately wrong (self-test only)",
            {{"faults", names}});
  }
  boost::asio::post(sio.executor(), [&] { app.start(); });
  ioc.run();
  log.log(LogLevel::info, "stopped");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  Config c;
  unm::cli::Parser parser(
      "unmanageable-server", "unmanageable-server [options]",
      "The reference server of the Unmanageable chat protocol (Socket.IO v5 / Engine.IO v4).");
  declare_options(parser, c);
  auto parsed = parser.parse(args);
  if (parsed && *parsed == unm::cli::Parsed::run &&
      c.transport.tls_cert_file.empty() != c.transport.tls_key_file.empty()) {
    parsed = unm::Unexpected{std::string("--tls-cert and --tls-key go together")};
  }
  if (const auto exit_code = unm::cli::finish(parser, parsed, std::cout, std::cerr)) {
    return *exit_code;
  }
  unm::server::Faults faults;
  if (const auto exit_code = fault_gate(parser, c, faults)) return *exit_code;
  unm::server::Logger log(std::cerr, c.level);
  if (c.echo) return unm::transport::run_echo_server(c.transport, std::cout);
  try {
    return run_chat(c, faults, log);
  } catch (const std::exception& e) {
    // Boost.Asio reports some socket failures by exception; never abort with a core dump.
    log.log(LogLevel::error, "fatal", {{"error", e.what()}});
    return kExitRuntime;
  }
}
