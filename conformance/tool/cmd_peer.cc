// cmd_peer.cc — `unmanageable-conformance peer`: a harness-run user, a strict member of the
// protocol that a client under test befriends, invites and writes to (conformance/peer/peer.h,
// docs/observe.md "peer"). Reports use the observe formats (console, JSON, JUnit, HTML).
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>
#include <string>

#include "conformance/observe/observe_report.h"
#include "conformance/peer/peer.h"
#include "conformance/peer/script.h"
#include "conformance/tool/cmd_peer.h"
#include "conformance/tool/options.h"
#include "reference/client/profile.h"
#include "reference/client/session.h"
#include "reference/common/command_line.h"
#include "reference/crypto/random.h"

namespace unm::conformance::tool {

namespace {

using namespace std::chrono_literals;
using observe::Finding;
using observe::Severity;
using observe::Side;

constexpr const char* kProgram = "unmanageable-conformance peer";

// as_peer_report names this tool in a report the observe formats wrote (title, tool, suites).
std::string as_peer_report(std::string text) {
  const std::pair<std::string, std::string> renames[] = {
      {"unmanageable-conformance observe", kProgram},
      {"<title>observe report</title>", "<title>peer report</title>"},
      {"\"observe.client\"", "\"peer.client\""},
      {"\"observe.server\"", "\"peer.server\""},
      {", listening on peer ", ", as peer "},
  };
  for (const auto& [from, to] : renames) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

// html_escape escapes text for the HTML report.
std::string html_escape(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

// with_script_html adds the script's outcomes as a table before the end of the HTML report.
std::string with_script_html(std::string html, const std::vector<peer::StepOutcome>& outcomes) {
  std::string t =
      "<h2>script</h2>\n<table><tr><th>#</th><th>clause</th><th>input</th>"
      "<th>server</th><th>outcome</th><th>note</th></tr>\n";
  for (const auto& o : outcomes) {
    t += "<tr><td>" + std::to_string(o.index) + "</td><td>" + html_escape(o.clause) + "</td><td>" +
         html_escape(o.step) + "</td><td>" + (o.done ? "accepted" : "refused") + "</td><td>" +
         html_escape(o.outcome) + "</td><td>" + html_escape(o.note) + "</td></tr>\n";
  }
  t += "</table>\n";
  const auto end = html.rfind("</body>");
  if (end == std::string::npos) return html + t;
  html.insert(end, t);
  return html;
}

// with_script adds the script's outcomes to the JSON report as "script": [...].
std::string with_script(std::string json, const std::string& script) {
  const auto end = json.rfind('}');
  if (end == std::string::npos) return json;
  json.insert(end, ",\"script\":" + script);
  return json;
}

std::string progress_line(const peer::PeerCounts& c, const std::vector<Finding>& findings) {
  std::size_t client_fail = 0, server_fail = 0;
  for (const auto& f : findings) {
    if (f.severity != Severity::fail) continue;
    (f.side == Side::client ? client_fail : server_fail) += 1;
  }
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "peer: %zu friends accepted, %zu DMs joined (%zu refused), %zu messages (%zu ok), "
                "%zu reactions (%zu ok), %zu echoes; findings: client %zu, server %zu",
                c.friends_accepted, c.dms_joined, c.dms_refused, c.messages, c.messages_ok,
                c.reactions, c.reactions_ok, c.echoes, client_fail, server_fail);
  return buf;
}

// pending_signal returns the SIGINT/SIGTERM received since the last call (they are blocked in
// every thread and collected here, so no handler and no global flag are needed), or 0.
int pending_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec zero{0, 0};
  const int sig = sigtimedwait(&set, nullptr, &zero);
  return sig > 0 ? sig : 0;
}

}  // namespace

int peer_command(std::span<const std::string> args) {
  std::string target, username, profile_dir, json, junit, html, ca_file, script_file;
  std::string echo_prefix = "echo: ";
  std::string fail_on_text = "client";
  std::string dialect_text = "auto";
  std::chrono::milliseconds duration{0};
  bool insecure = false, quiet = false;
  cli::Parser p(
      kProgram, "unmanageable-conformance peer --target URL --username NAME [options]",
      "A harness-run user for testing a client: it registers NAME on the server (or reuses the\n"
      "identity in --profile DIR), then behaves as a correct, strict member of the protocol:\n"
      "accepts every friend request, joins every DM it is invited to (X3DH and the key tree,\n"
      "CR-X3DH-004, CR-TREE-006/007), verifies and decrypts every message and reaction\n"
      "(CR-SIG-002, CR-AEAD-001) and answers each message with an encrypted echo, \"echo: "
      "<text>\".\n"
      "Whatever a correct client would not have sent is a finding with its clause. Reports are\n"
      "written at --duration or on SIGINT/SIGTERM.");
  p.option("--target", "URL", "the server (http, https, ws, wss)", target)
      .option("--username", "NAME", "the peer's username", username)
      .option("--profile", "DIR",
              "key folder: reused when it holds an identity, else the new one is saved there "
              "(default: none, a new user each run)",
              profile_dir)
      .option("--duration", "D", "stop after D (90, 90s, 5m, 1h); default: until SIGINT/SIGTERM",
              [&](std::string_view v) -> std::optional<std::string> {
                auto d = parse_wall_duration(v);
                if (!d) return cli::cat("'", v, "' is not a positive duration (90, 90s, 5m)");
                duration = *d;
                return std::nullopt;
              })
      .option("--json", "F", "write the JSON report", json)
      .option("--junit", "F", "write the JUnit XML report", junit)
      .option("--html", "F", "write the HTML report", html)
      .option("--script", "FILE",
              "once the client has invited the peer to a DM, send the steps of FILE (JSON, "
              "see docs/observe.md): tampered tag, foreign signature, edit, reaction, scheduled, "
              "self-destructing, more DMs",
              script_file)
      .option("--echo-prefix", "TEXT", "what each echo starts with (default 'echo: ')", echo_prefix)
      .option("--fail-on", "SIDE",
              "client (default) | server | any | none: which failing findings make exit 1",
              fail_on_text)
      .option("--dialect", "D", "document | deployed | auto (default): events.md §12", dialect_text)
      .option("--ca-file", "F", "extra trusted CA (PEM) for an https/wss target", ca_file)
      .flag("--insecure", "do not verify the target's certificate (test servers only)", insecure)
      .flag("--quiet", "no live lines, only the summary", quiet)
      .epilogue(
          "console: one line per event and per finding as it happens, a progress line every\n"
          "5 s when something changed, a summary at the end; the line 'peer: ready as NAME'\n"
          "says when the peer is logged in and listening.\n\n"
          "exit status: 0 no failing finding on the --fail-on side(s), 1 failing findings,\n"
          "             2 usage error, or the peer could not connect, register or log in");
  if (auto rc = cli::finish(p, p.parse(args), std::cout, std::cerr)) return *rc;
  auto usage = [&](const std::string& why) {
    std::fprintf(stderr, "%s\n", p.usage_error(why).c_str());
    return cli::kExitUsage;
  };
  if (target.empty()) return usage("--target URL is required");
  if (username.empty()) return usage("--username NAME is required");
  const auto fail_on = observe::parse_fail_on(fail_on_text);
  if (!fail_on) return usage("--fail-on must be client, server, any or none");
  const auto dialect = client::parse_dialect_choice(dialect_text);
  if (!dialect) return usage("--dialect must be document, deployed or auto");

  std::vector<peer::ScriptStep> steps;
  if (!script_file.empty()) {
    std::ifstream in(script_file, std::ios::binary);
    if (!in) return usage("cannot read --script " + script_file);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = peer::parse_script(text.str());
    if (!parsed) return usage("--script " + script_file + ": " + parsed.error());
    steps = std::move(*parsed);
  }

  // SIGINT/SIGTERM are blocked before any thread starts (the channel's I/O thread inherits the
  // mask) and collected by pending_signal() in the loop.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto die = [](const std::string& what) {
    std::fprintf(stderr, "peer: %s\n", what.c_str());
    return 2;
  };
  std::optional<client::Identity> identity;
  const bool have_profile = !profile_dir.empty();
  if (have_profile && client::Profile(profile_dir).exists()) {
    auto id = client::Profile(profile_dir).load();
    if (!id)
      return die("cannot use --profile " + profile_dir + ": " + client::describe(id.error()));
    if (id->username != username) {
      return die("--profile " + profile_dir + " holds user '" + id->username + "', not '" +
                 username + "'");
    }
    identity = std::move(*id);
  }
  client::ConnectOptions co;
  co.verify_tls = !insecure;
  co.ca_file = ca_file;
  co.session.dialect = *dialect;
  auto session = client::Session::connect(target, crypto::system_random(), co);
  if (!session)
    return die("cannot connect to " + target + ": " + client::describe(session.error()));
  client::Session& s = **session;
  if (!identity) {
    auto id = s.register_account(username);
    if (!id) return die("cannot register '" + username + "': " + client::describe(id.error()));
    if (have_profile) {
      if (auto saved = client::Profile(profile_dir).save(*id); !saved) {
        return die("cannot save the identity: " + client::describe(saved.error()));
      }
    }
    identity = std::move(*id);
  }
  if (auto r = s.login(*identity); !r) {
    return die("cannot log in as '" + username + "': " + client::describe(r.error()));
  }

  observe::ObserveMeta meta;
  meta.listen = "peer " + username;
  meta.upstream = target;
  meta.command = std::string(kProgram);
  for (const auto& a : args) meta.command += " " + a;
  meta.started = std::chrono::system_clock::now();
  auto print = [quiet](const std::string& line) {
    if (quiet) return;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  peer::Peer member(
      s, echo_prefix, [&](const Finding& f) { print(observe::console_line(f)); },
      [&](const std::string& line) { print("peer: " + line); });
  member.start();
  std::optional<peer::ScriptRunner> script;
  if (!script_file.empty()) {
    script.emplace(std::move(steps), s, *identity, member, crypto::system_random());
  }
  std::printf("peer: ready as %s on %s (dialect %s)\n", username.c_str(), target.c_str(),
              std::string(client::dialect_name(s.dialect().dialect())).c_str());
  std::fflush(stdout);

  const auto t0 = std::chrono::steady_clock::now();
  auto next_progress = t0 + 5s;
  std::string last_progress;
  meta.stop_reason = "duration";
  while (true) {
    if (const int sig = pending_signal()) {
      meta.stop_reason = sig == SIGINT ? "signal SIGINT" : "signal SIGTERM";
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (duration.count() > 0 && now - t0 >= duration) break;
    if (!member.step(200ms)) {
      meta.stop_reason =
          "disconnected: " + client::describe(s.last_disconnect().value_or(
                                 client::Error{client::ErrorCode::transport, "connection closed"}));
      break;
    }
    if (script) {
      if (auto o = script->tick()) {
        print("peer: script step " + std::to_string(o->index) + " (" + o->clause + "): " + o->step +
              " → " + o->outcome);
      }
    }
    if (std::chrono::steady_clock::now() >= next_progress) {
      next_progress += 5s;
      std::string line = progress_line(member.counts(), member.findings());
      if (line != last_progress) print(line);
      last_progress = std::move(line);
    }
  }
  meta.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  const auto& findings = member.finish();
  const auto& stats = member.stats();
  std::printf("\n%s\nstopped by: %s after %.1f s\n",
              progress_line(member.counts(), findings).c_str(), meta.stop_reason.c_str(),
              static_cast<double>(meta.duration.count()) / 1000.0);
  for (Side side : {Side::client, Side::server}) {
    const auto& m = side == Side::client ? stats.client_clauses : stats.server_clauses;
    std::printf("%s:\n", side == Side::client ? "client under test" : "server");
    if (m.empty()) std::printf("  (nothing checked)\n");
    for (const auto& [clause, n] : m) {
      std::printf("  %-14s %6zu fail %6zu non-strict  (of %zu checks)\n", clause.c_str(), n.failed,
                  n.non_strict, n.checked);
    }
  }
  if (script) {
    std::printf("script: %zu of %zu steps performed%s\n", script->outcomes().size(),
                script->outcomes().size() + (script->finished() ? 0 : 1),
                script->finished() ? "" : " (stopped before the end, or no DM was joined)");
    for (const auto& o : script->outcomes()) {
      std::printf("  %zu. [%s] %s → %s\n", o.index, o.clause.c_str(), o.step.c_str(),
                  o.outcome.c_str());
    }
  }
  bool wrote = true;
  if (!json.empty()) {
    std::string text = as_peer_report(observe::report_json(findings, stats, meta));
    if (script) text = with_script(std::move(text), peer::script_json(script->outcomes()));
    wrote &= write_report("peer", json, text);
  }
  if (!junit.empty()) {
    wrote &=
        write_report("peer", junit, as_peer_report(observe::report_junit(findings, stats, meta)));
  }
  if (!html.empty()) {
    std::string text = as_peer_report(observe::report_html(findings, stats, meta));
    if (script) text = with_script_html(std::move(text), script->outcomes());
    wrote &= write_report("peer", html, text);
  }
  std::fflush(stdout);
  if (!wrote) return 2;
  return observe::exit_status(findings, *fail_on);
}

}  // namespace unm::conformance::tool
