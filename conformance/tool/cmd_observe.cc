// cmd_observe.cc — `unmanageable-conformance observe`: the judging proxy (docs/observe.md).
// It forwards every byte between any client and one server, decodes both directions and reports
// each protocol violation with its side, clause, session, time and frames.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <span>
#include <string>

#include "conformance/observe/judge.h"
#include "conformance/observe/observe_report.h"
#include "conformance/observe/proxy.h"
#include "conformance/observe/wire_tap.h"
#include "conformance/tool/cmd_observe.h"
#include "conformance/tool/options.h"
#include "reference/common/command_line.h"
#include "reference/transport/client_url.h"

namespace unm::conformance::tool {

namespace {

using namespace observe;

constexpr const char* kProgram = "unmanageable-conformance observe";

constexpr const char* kDescription =
    "A judging proxy: point any client at http://HOST:PORT instead of the server. Everything is\n"
    "forwarded unchanged to URL (long-polling, WebSocket, the upgrade, binary frames, CORS\n"
    "pre-flights); every Socket.IO packet is decoded in both directions and checked against\n"
    "events.md / crypto.md. Each violation is printed at once with its side (client|server),\n"
    "clause, session and frames; reports are written when observation stops.";

constexpr const char* kExitText =
    "exit status: 0 no failing finding on the --fail-on side(s), 1 failing findings,\n"
    "             2 usage error or cannot listen";

// usage reports a usage error found after parsing in the common one-line form (command_line.h).
int usage(const std::string& why) {
  std::fprintf(stderr, "%s\n", cli::usage_line(kProgram, why).c_str());
  return cli::kExitUsage;
}

}  // namespace

int observe_command(std::span<const std::string> args) {
  std::string listen, upstream, json, junit, html;
  std::string fail_on_text = "any";
  std::chrono::milliseconds duration{0};
  bool quiet = false;
  bool insecure = false;
  std::string tls_cert, tls_key, ca_file;
  cli::Parser p(kProgram,
                "unmanageable-conformance observe --listen HOST:PORT --upstream URL [options]",
                kDescription);
  p.option("--listen", "HOST:PORT",
           "address to listen on (PORT 0: any free port; the line\n"
           "'listening on http(s)://HOST:PORT' on stdout names it)",
           listen)
      .option("--upstream", "URL",
              "the server: http(s)://host:port or ws(s)://host:port (path ignored:\n"
              "request targets are forwarded as the client sends them)",
              upstream)
      .option("--tls-cert", "F", "PEM certificate: clients must use https/wss (with --tls-key)",
              tls_cert)
      .option("--tls-key", "F", "PEM private key of --tls-cert", tls_key)
      .option("--ca-file", "F", "extra trusted CA (PEM) for an https/wss upstream", ca_file)
      .flag("--insecure", "do not verify the upstream's certificate (test servers only)", insecure)
      .option("--duration", "D",
              "stop after D (e.g. 90, 90s, 5m, 1h); default: until SIGINT/SIGTERM",
              [&duration](std::string_view v) -> std::optional<std::string> {
                const auto d = parse_wall_duration(v);
                if (!d) return "is not a positive duration (90, 90s, 5m)";
                duration = *d;
                return std::nullopt;
              })
      .option("--json", "F", "write the JSON report", json)
      .option("--junit", "F", "write the JUnit XML report", junit)
      .option("--html", "F", "write the HTML report", html)
      .option("--fail-on", "SIDE",
              "client | server | any (default) | none: which findings of\n"
              "severity fail make the exit status 1",
              fail_on_text)
      .flag("--quiet", "no live lines (findings and progress), only the summary", quiet)
      .epilogue(kExitText);
  if (auto rc = cli::finish(p, p.parse(args), std::cout, std::cerr)) return *rc;
  std::string command = kProgram;
  for (const auto& a : args) command.append(" ").append(a);
  if (listen.empty()) return usage("--listen HOST:PORT is required");
  if (upstream.empty()) return usage("--upstream URL is required");
  const auto fail_on = parse_fail_on(fail_on_text);
  if (!fail_on) return usage("--fail-on must be client, server, any or none");
  const auto url = transport::parse_client_url(upstream);
  if (!url) {
    return usage("cannot use --upstream '" + upstream +
                 "': " + std::string(transport::url_error_name(url.error())));
  }
  if ((tls_cert.empty()) != (tls_key.empty())) {
    return usage("--tls-cert and --tls-key go together");
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage("--listen must be HOST:PORT");
  ProxyOptions po;
  po.listen_host = listen.substr(0, colon);
  if (po.listen_host.size() >= 2 && po.listen_host.front() == '[') {
    po.listen_host = po.listen_host.substr(1, po.listen_host.size() - 2);
  }
  try {
    const int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    po.listen_port = static_cast<std::uint16_t>(port);
  } catch (...) {
    return usage("--listen: '" + listen.substr(colon + 1) + "' is not a port");
  }
  po.upstream_host = url->host;
  po.upstream_port = url->port;
  po.upstream_tls = url->tls;
  po.upstream_verify = !insecure;
  po.upstream_ca_file = ca_file;
  po.tls_cert_file = tls_cert;
  po.tls_key_file = tls_key;

  Judge judge;
  WireTap tap(judge);
  if (!quiet) {
    judge.set_finding_hook([](const Finding& f) {
      std::printf("%s\n", console_line(f).c_str());
      std::fflush(stdout);
    });
    // Progress every 5 s, only when something changed (a quiet proxy stays quiet).
    po.on_tick = [&judge, last = std::string()]() mutable {
      std::string now = console_progress(judge.findings(), judge.stats());
      if (now == last) return;
      std::printf("%s\n", now.c_str());
      std::fflush(stdout);
      last = std::move(now);
    };
  }
  Proxy proxy(po, tap);
  const auto port = proxy.listen();
  if (!port) {
    std::fprintf(stderr, "observe: %s\n", port.error().c_str());
    return 2;
  }
  ObserveMeta meta;
  meta.listen = listen.substr(0, colon) + ":" + std::to_string(*port);
  meta.upstream = upstream;
  meta.command = command;
  meta.started = std::chrono::system_clock::now();
  std::printf("listening on %s://%s → %s\n", tls_cert.empty() ? "http" : "https",
              meta.listen.c_str(), upstream.c_str());
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  meta.stop_reason = proxy.run(duration, true);
  meta.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  judge.finish(std::chrono::system_clock::now());
  std::printf("%s", console_summary(judge.findings(), judge.stats(), meta).c_str());
  bool wrote = true;
  if (!json.empty())
    wrote &= write_report("observe", json, report_json(judge.findings(), judge.stats(), meta));
  if (!junit.empty()) {
    wrote &= write_report("observe", junit, report_junit(judge.findings(), judge.stats(), meta));
  }
  if (!html.empty())
    wrote &= write_report("observe", html, report_html(judge.findings(), judge.stats(), meta));
  std::fflush(stdout);
  if (!wrote) return 2;
  return exit_status(judge.findings(), *fail_on);
}

}  // namespace unm::conformance::tool
