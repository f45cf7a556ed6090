// unmanageable_server.cc — the `unmanageable-server` executable: the reference chat server
// (events.md) on the Socket.IO transport, durable on SQLite; or, with --echo, the transport
// compliance echo applications. Flags, logs and exit codes: docs/server.md.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "reference/common/version.h"
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

// Exit codes (docs/server.md).
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;   // cannot listen, or the transport failed
constexpr int kExitUsage = 2;     // bad command line
constexpr int kExitDatabase = 3;  // the database cannot be opened or migrated

constexpr const char* kUsage = R"(usage: unmanageable-server [options]

The reference server of the Unmanageable chat protocol (Socket.IO v5 / Engine.IO v4).

  --listen HOST:PORT     address to listen on (default 127.0.0.1:5000; port 0 = any free port)
  --db PATH              SQLite database (default ./unmanageable-data/unmanageable.db, created)
  --synchronous MODE     full (default: every ack survives power loss) or normal (survives a
                         crash of the server process, not of the machine)
  --tls-cert FILE        PEM certificate; with --tls-key the server speaks only https/wss
  --tls-key FILE         PEM private key
  --log-level LEVEL      debug, info (default), warn or error; logs go to stderr
  --batch N              group commit: at most N queued requests share one transaction and
                         one fsync (default 256; 1 = one transaction per request)
  --verify-threads N     threads that help verify the signatures of a batch (default 1;
                         0 = all on the event-loop thread; at most 16)
  --x3dh-delay-ms MS     grace period before pending X3DH notifications after login (default
                         5000, 0 allowed, at most 10000)
  --ping-interval MS     Engine.IO ping interval (default 25000)
  --ping-timeout MS      Engine.IO ping timeout (default 20000)
  --max-payload BYTES    Engine.IO maxPayload (default 1000000)
  --connect-timeout MS   Socket.IO CONNECT deadline (default 45000)
  --echo                 serve the transport compliance echo applications instead of the chat
  --inject-fault NAME    harness self-tests only: inject a named bug (repeatable, or a comma
                         list; `list` prints the catalogue). Needs a build with UNM_TEST_FAULTS
                         and UNM_ALLOW_FAULTS=1 in the environment; refused otherwise (exit 2)
  --help                 print this text and exit

On start-up the server prints one line "listening on http://HOST:PORT" to stdout.
Exit codes: 0 graceful shutdown (SIGINT/SIGTERM), 1 runtime error, 2 usage error,
3 database error.
)";

struct Config {
  unm::transport::ServerOptions transport;
  std::string db = "unmanageable-data/unmanageable.db";
  unm::server::Synchronous sync = unm::server::Synchronous::full;
  LogLevel level = LogLevel::info;
  std::int64_t x3dh_delay_ms = 5000;
  std::size_t batch = unm::server::ChatApp::kMaxBatch;
  unsigned verify_threads = 1;
  bool echo = false;
  bool help = false;
  std::vector<std::string> inject_faults;  // --inject-fault values (see fault_gate)
};

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// parse reads the command line; returns an error text on failure.
std::optional<std::string> parse(const std::vector<std::string_view>& args, Config& c) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::optional<std::string_view> inline_value;
    if (const auto eq = flag.find('='); eq != std::string_view::npos && flag.starts_with("--")) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--help" || flag == "-h") {
      c.help = true;
      continue;
    }
    if (flag == "--echo") {
      c.echo = true;
      continue;
    }
    static constexpr std::string_view kValueFlags[] = {
        "--listen",         "--db",          "--synchronous",     "--tls-cert",
        "--tls-key",        "--log-level",   "--x3dh-delay-ms",   "--ping-interval",
        "--ping-timeout",   "--max-payload", "--connect-timeout", "--batch",
        "--verify-threads", "--inject-fault"};
    if (std::find(std::begin(kValueFlags), std::end(kValueFlags), flag) == std::end(kValueFlags)) {
      return "unknown option " + std::string(flag);
    }
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return "missing value for " + std::string(flag);
    }
    auto ms = [&](std::chrono::milliseconds& out) -> std::optional<std::string> {
      const auto n = number<std::int64_t>(value);
      if (!n || *n <= 0) return "bad value for " + std::string(flag) + ": " + std::string(value);
      out = std::chrono::milliseconds(*n);
      return std::nullopt;
    };
    if (flag == "--listen") {
      const auto colon = value.rfind(':');
      const auto port = colon == std::string_view::npos
                            ? std::nullopt
                            : number<std::uint16_t>(value.substr(colon + 1));
      if (!port || colon == 0) return "bad --listen (HOST:PORT): " + std::string(value);
      std::string_view host = value.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);  // [::1]:5000
      }
      c.transport.host = std::string(host);
      c.transport.port = *port;
    } else if (flag == "--db") {
      c.db = std::string(value);
    } else if (flag == "--synchronous") {
      if (value == "full") {
        c.sync = unm::server::Synchronous::full;
      } else if (value == "normal") {
        c.sync = unm::server::Synchronous::normal;
      } else {
        return "bad --synchronous (full or normal): " + std::string(value);
      }
    } else if (flag == "--tls-cert") {
      c.transport.tls_cert_file = std::string(value);
    } else if (flag == "--tls-key") {
      c.transport.tls_key_file = std::string(value);
    } else if (flag == "--log-level") {
      const auto l = unm::server::parse_log_level(value);
      if (!l) return "bad --log-level: " + std::string(value);
      c.level = *l;
    } else if (flag == "--x3dh-delay-ms") {
      const auto n = number<std::int64_t>(value);
      // EV-DM-014: delivery within 10 s of the login ack.
      if (!n || *n < 0 || *n > 10'000) return "bad --x3dh-delay-ms (0 … 10000)";
      c.x3dh_delay_ms = *n;
    } else if (flag == "--ping-interval") {
      if (auto e = ms(c.transport.ping_interval)) return e;
    } else if (flag == "--ping-timeout") {
      if (auto e = ms(c.transport.ping_timeout)) return e;
    } else if (flag == "--connect-timeout") {
      if (auto e = ms(c.transport.connect_timeout)) return e;
    } else if (flag == "--batch") {
      const auto n = number<std::size_t>(value);
      if (!n || *n == 0 || *n > 100'000) return "bad --batch (1 … 100000)";
      c.batch = *n;
    } else if (flag == "--verify-threads") {
      const auto n = number<unsigned>(value);
      if (!n || *n > 16) return "bad --verify-threads (0 … 16)";
      c.verify_threads = *n;
    } else if (flag == "--inject-fault") {
      c.inject_faults.emplace_back(value);
    } else if (flag == "--max-payload") {
      const auto n = number<std::size_t>(value);
      if (!n || *n == 0) return "bad --max-payload";
      c.transport.max_payload = *n;
    } else {
      return "unknown option " + std::string(flag);
    }
  }
  if (c.transport.tls_cert_file.empty() != c.transport.tls_key_file.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  return std::nullopt;
}

// fault_gate applies --inject-fault (docs/server.md, "Fault injection"): `list` prints the
// catalogue; anything else needs a build with UNM_TEST_FAULTS *and* UNM_ALLOW_FAULTS=1, so that a
// fault is never enabled by accident. Returns an exit code when the program must stop here.
std::optional<int> fault_gate(const Config& c, unm::server::Faults& out) {
  if (c.inject_faults.empty()) return std::nullopt;
  if (!unm::server::kFaultInjectionBuilt) {
    std::cerr << "unmanageable-server: --inject-fault: this build has no fault injection "
                 "(configure with -DUNM_TEST_FAULTS=ON)\n";
    return kExitUsage;
  }
  if (std::find(c.inject_faults.begin(), c.inject_faults.end(), "list") != c.inject_faults.end()) {
    for (const auto& f : unm::server::fault_catalogue()) {
      std::cout << f.name << '\t' << f.clause << '\t' << f.breaks << '\n';
    }
    return kExitOk;
  }
  const char* allow = std::getenv("UNM_ALLOW_FAULTS");
  if (allow == nullptr || std::string_view(allow) != "1") {
    std::cerr << "unmanageable-server: --inject-fault is for harness self-tests only; set "
                 "UNM_ALLOW_FAULTS=1 to allow it\n";
    return kExitUsage;
  }
  auto faults = unm::server::parse_faults(c.inject_faults);
  if (!faults) {
    std::cerr << "unmanageable-server: --inject-fault: " << faults.error() << "\n";
    return kExitUsage;
  }
  if (c.echo) {
    std::cerr << "unmanageable-server: --inject-fault does not apply to --echo\n";
    return kExitUsage;
  }
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
    for (const auto n : faults.names()) names += (names.empty() ? "" : ",") + std::string(n);
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
  // --version as every program answers it (reference/common/command_line.h, issue 17).
  if (std::find(args.begin(), args.end(), "--version") != args.end()) {
    std::cout << unm::version_line("unmanageable-server") << "\n";
    return kExitOk;
  }
  Config c;
  if (auto err = parse(args, c)) {
    std::cerr << "unmanageable-server: " << *err << "\n\n" << kUsage;
    return kExitUsage;
  }
  if (c.help) {
    std::cout << kUsage;
    return kExitOk;
  }
  unm::server::Faults faults;
  if (const auto exit_code = fault_gate(c, faults)) return *exit_code;
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
