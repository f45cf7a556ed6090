// cmd_explore.cc — `unmanageable-conformance explore`: flags, the expectations file, the real
// transport and the reports; the exploration itself is conformance/explore/. Documented in
// docs/explore.md.
#include <unistd.h>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "conformance/explore/explore_report.h"
#include "conformance/explore/explorer.h"
#include "conformance/explore/scenario_writer.h"
#include "conformance/src/clauses.h"
#include "conformance/src/closest.h"
#include "conformance/src/expectations.h"
#include "conformance/src/html_report.h"
#include "conformance/src/severity.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/fuzz_command_core.h"
#include "conformance/tool/options.h"
#include "reference/common/command_line.h"
#include "reference/common/version.h"
#include "reference/crypto/keys.h"

namespace unm::conformance::tool {
namespace {

namespace ex = unm::conformance::explore;

constexpr const char* kProgram = "unmanageable-conformance explore";

constexpr const char* kDescription =
    "Random valid conversations checked against the reference model. Each sequence registers\n"
    "fresh users and plays random valid operations over the whole protocol (logins on one or\n"
    "two connections, friend requests and blocks, 1:1 and group DMs with real X3DH and key\n"
    "trees, messages, scheduled and self-destructing messages, edits, pins, reactions, typing,\n"
    "calls, history pages, set_user / set_dm), weighted towards offline members, pending\n"
    "invitations and limits. Every step is run on the target and on the in-process reference\n"
    "core, and everything a client can observe is compared (acks, notifications per\n"
    "connection) modulo ids, timestamps and the orders the spec leaves open. The first\n"
    "divergence of a sequence is shrunk to a minimal sequence and written as a scenario file\n"
    "that `unmanageable-conformance run --scenarios DIR` replays.";

struct Options {
  std::string target;
  ex::ExploreOptions explore;
  std::string expectations;
  std::string out_dir = "explore-findings";
  std::string json;
  std::string html;
  bool insecure = false;
  bool quiet = false;
  bool no_timers = false;
};

std::optional<std::string> number_in(std::string_view v, long long lo, long long hi,
                                     long long& out) {
  long long n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size()) return "needs an integer";
  if (n < lo || n > hi) return cli::cat("must be ", std::to_string(lo), " … ", std::to_string(hi));
  out = n;
  return std::nullopt;
}

cli::Parser make_parser(Options& o) {
  cli::Parser p(kProgram,
                "unmanageable-conformance explore --target URL [--users N] [--steps N]\n"
                "         [--duration D] [--sequences N] [--seed S] [--expectations FILE]\n"
                "         [--out DIR] [--json F] [--html F] [--x3dh-delay-ms MS] [--no-timers]\n"
                "         [--long-timers] [--max-findings N] [--shrink-budget D] [--quiet]",
                kDescription);
  auto int_into = [](int& target, long long lo, long long hi) {
    return [&target, lo, hi](std::string_view v) -> std::optional<std::string> {
      long long n = 0;
      if (auto e = number_in(v, lo, hi, n)) return e;
      target = static_cast<int>(n);
      return std::nullopt;
    };
  };
  auto ms_into = [](std::chrono::milliseconds& target, long long lo, long long hi) {
    return [&target, lo, hi](std::string_view v) -> std::optional<std::string> {
      long long n = 0;
      if (auto e = number_in(v, lo, hi, n)) return e;
      target = std::chrono::milliseconds(n);
      return std::nullopt;
    };
  };
  auto duration_into = [](std::chrono::milliseconds& target) {
    return [&target](std::string_view v) -> std::optional<std::string> {
      auto d = livefuzz::parse_duration(v);
      if (!d) return d.error();
      target = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
      return std::nullopt;
    };
  };
  p.option("--target", "URL", "server to explore (http://, https://, ws://, wss://)", o.target)
      .option("--users", "N", "users per sequence, 2 … 16 (default 4)",
              int_into(o.explore.users, 2, 16))
      .option("--steps", "N", "operations per sequence, 1 … 10000 (default 50)",
              int_into(o.explore.steps, 1, 10'000))
      .option("--duration", "D",
              "exploring budget: 90, 90s, 5m, 1h (default 30s); shrinking\n"
              "is extra (--shrink-budget)",
              duration_into(o.explore.duration))
      .option("--sequences", "N", "stop after N sequences instead of --duration",
              [&o](std::string_view v) -> std::optional<std::string> {
                long long n = 0;
                if (auto e = number_in(v, 1, 1'000'000, n)) return e;
                o.explore.sequences = static_cast<int>(n);
                return std::nullopt;
              })
      .option("--seed", "S", "seed of every choice (default 1)",
              [&o](std::string_view v) -> std::optional<std::string> {
                long long n = 0;
                if (auto e = number_in(v, 0, std::numeric_limits<long long>::max(), n)) return e;
                o.explore.seed = static_cast<std::uint64_t>(n);
                return std::nullopt;
              })
      .option("--expectations", "FILE",
              "known deviations of the target: signatures \"explore.<op>.<event>.<kind>\" in\n"
              "the runner's expectations format (a file, or a name of the expectations\n"
              "folder, e.g. deployed); met ones are counted, not shrunk, and the\n"
              "exploration moves on",
              o.expectations)
      .option("--out", "DIR", "where scenarios and reports go (default ./explore-findings)",
              o.out_dir)
      .option("--json", "F", "JSON report (default DIR/report.json)", o.json)
      .option("--html", "F", "HTML report (default DIR/report.html)", o.html)
      .option("--x3dh-delay-ms", "MS",
              "the target's delay before pending X3DH objects are sent after a login\n"
              "(EV-DM-015), 0 … 10000 (default 5000, the reference server's default)",
              [&o](std::string_view v) -> std::optional<std::string> {
                long long n = 0;
                if (auto e = number_in(v, 0, 10'000, n)) return e;
                o.explore.oracle.x3dh_delay = n * 1000;
                return std::nullopt;
              })
      .option("--timeout-ms", "MS", "how long to wait for an ack, 1 … 600000 (default 5000)",
              ms_into(o.explore.timeout, 1, 600'000))
      .option("--notification-wait-ms", "MS",
              "how long to wait for a step's expected notifications (default 2000)",
              ms_into(o.explore.note_wait, 0, 600'000))
      .flag("--no-timers", "no scheduled or self-destructing messages (no waiting)", o.no_timers)
      .flag("--long-timers",
            "also schedules past 60 s (soon notices, EV-MSG-008): waits of a\nminute",
            o.explore.generator.long_timers)
      .option("--max-findings", "N", "stop after N new divergences, 1 … 100 (default 1)",
              int_into(o.explore.max_findings, 1, 100))
      .option("--shrink-budget", "D", "time to shrink one divergence (default 120s)",
              duration_into(o.explore.shrink_budget))
      .flag("--insecure", "do not verify TLS certificates", o.insecure)
      .flag("--quiet", "no live progress line", o.quiet)
      .epilogue(
          "exit status: 0 no new divergence, 1 a new divergence (a `fail`: a non-Open clause),\n"
          "2 usage error or the target could not be reached");
  return p;
}

std::string slug(std::string s) {
  for (char& c : s) {
    if (c == '_') c = '-';
  }
  return s;
}

}  // namespace

int explore_command(std::span<const std::string> args) {
  Options o;
  const cli::Parser p = make_parser(o);
  auto parsed = p.parse(args, [](std::string_view) { return std::optional<std::string>(); });
  if (!parsed) {
    std::fprintf(stderr, "%s\n", p.usage_error(parsed.error()).c_str());
    return cli::kExitUsage;
  }
  if (*parsed == cli::Parsed::help) {
    std::fputs(p.help().c_str(), stdout);
    return 0;
  }
  if (*parsed == cli::Parsed::version) {
    std::printf("%s\n", version_line("unmanageable-conformance").c_str());
    return 0;
  }
  if (o.target.empty()) {
    std::fprintf(stderr, "%s\n", p.usage_error("--target URL is required").c_str());
    return cli::kExitUsage;
  }
  if (!crypto::init()) {
    std::fprintf(stderr, "explore: libsodium failed to initialise\n");
    return 2;
  }
  if (o.no_timers) o.explore.generator.timers = false;
  std::optional<Expectations> expectations;
  if (!o.expectations.empty()) {
    // As `run`'s --expectations: a file, or a bare name of the expectations folder.
    CliOptions paths;
    paths.expectations_file = o.expectations;
    auto e = load_expectations(paths);
    if (!e) {
      std::fprintf(stderr, "explore: %s\n", e.error().c_str());
      return 2;
    }
    expectations = std::move(*e);
    o.explore.expectations = &*expectations;
  }
  // Severity from the clause catalogue: a divergence is `fail` unless every clause it cites is
  // Open (severity.h); without the catalogue, every divergence counts as `fail`.
  ClauseIndex index;
  if (auto spec = data_dir(CliOptions{}, data::DataKind::spec)) {
    if (auto cat = load_clause_catalogue(*spec)) index = index_clauses(*cat);
  }
  o.explore.strict_of = [&index](const std::vector<std::string>& clauses) {
    if (clauses.empty()) return true;
    for (const auto& c : clauses) {
      auto it = index.find(c);
      if (it == index.end() || !it->second.open) return true;
    }
    return false;
  };
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "explore: cannot create %s: %s\n", o.out_dir.c_str(),
                 ec.message().c_str());
    return 2;
  }
  if (o.json.empty()) o.json = o.out_dir + "/report.json";
  if (o.html.empty()) o.html = o.out_dir + "/report.html";

  std::printf("explore: %s, %d users, %d steps a sequence, %s, seed %llu%s\n", o.target.c_str(),
              o.explore.users, o.explore.steps,
              o.explore.sequences
                  ? (std::to_string(*o.explore.sequences) + " sequences").c_str()
                  : (std::to_string(o.explore.duration.count() / 1000) + " s").c_str(),
              static_cast<unsigned long long>(o.explore.seed),
              expectations ? (", expectations of " + expectations->implementation()).c_str() : "");
  std::fflush(stdout);

  const bool tty = isatty(fileno(stderr)) != 0;
  auto last = std::chrono::steady_clock::now();
  const ex::ProgressFn progress = [&](const ex::Stats& s, std::size_t found, bool shrinking) {
    if (o.quiet) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(tty ? 250 : 5000)) return;
    last = now;
    std::fprintf(stderr, "%s%d sequences, %lld steps, %.1f steps/s, %zu new divergence%s%s%s",
                 tty ? "\r" : "", s.sequences, s.steps, ex::steps_per_second(s), found,
                 found == 1 ? "" : "s", shrinking ? ", shrinking…" : "            ",
                 tty ? "" : "\n");
    std::fflush(stderr);
  };
  const std::string url = o.target;
  const auto timeout = o.explore.timeout;
  const bool insecure = o.insecure;
  ex::ExploreResult r = ex::explore(
      o.explore, [&] { return ex::make_target_side(url, timeout, insecure); }, progress);
  if (tty && !o.quiet) std::fprintf(stderr, "\n");

  ex::ReportInfo info;
  info.target = o.target;
  info.command = command_line("explore", args);
  info.version = version_line("unmanageable-conformance");
  info.seed = o.explore.seed;
  info.users = o.explore.users;
  info.steps = o.explore.steps;
  if (expectations) info.expectations = expectations->implementation();
  const std::string abs_out = std::filesystem::absolute(o.out_dir).string();
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const ex::Finding& f = r.findings[i];
    if (f.known || f.shrunk.empty()) {
      info.scenario_files.emplace_back();
      info.rerun.emplace_back();
      continue;
    }
    ex::ScenarioInput in;
    const ex::Divergence& d = f.shrunk_divergence;
    in.id =
        slug("explore." + d.op + "." + d.subject + "." +
             std::string(ex::divergence_kind_name(d.kind)) + ".s" + std::to_string(o.explore.seed));
    in.title = one_line(d.summary(), 160);  // closest.h: cut on a character boundary
    in.steps = f.shrunk_trace;
    in.divergence = d;
    in.found_by = info.command;
    const std::string dir = abs_out + "/scenarios";
    std::filesystem::create_directories(dir, ec);
    const std::string file = dir + "/" + in.id + ".json";
    if (!write_report("explore", file, ex::write_scenario(in))) return 2;
    info.scenario_files.push_back(file);
    info.rerun.push_back("unmanageable-conformance run --target " + o.target + " --scenarios " +
                         dir + " --case " + in.id);
  }
  ex::print_summary(stdout, r, info);
  if (!write_report("explore", o.json, ex::explore_json(r, info))) return 2;
  ReportRun run;
  run.name = o.target;
  run.meta.target = o.target;
  run.meta.seed = o.explore.seed;
  run.meta.run_id = "explore-" + std::to_string(o.explore.seed);
  run.meta.command = info.command;
  run.meta.harness_version = info.version;
  run.meta.expectations = info.expectations;
  run.meta.started = std::chrono::system_clock::now();
  run.meta.duration = std::chrono::milliseconds(
      static_cast<long long>((r.stats.explore_seconds + r.stats.shrink_seconds) * 1000));
  run.results = ex::explore_cases(r, info);
  if (!write_report("explore", o.html, render_html_report({run}))) return 2;
  std::printf("reports: %s, %s\n", o.json.c_str(), o.html.c_str());
  if (!r.harness_error.empty()) return 2;
  for (const auto& f : r.findings) {
    if (!f.known && (f.shrunk.empty() ? f.divergence : f.shrunk_divergence).strict) return 1;
  }
  return 0;
}

}  // namespace unm::conformance::tool
