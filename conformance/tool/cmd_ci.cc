// cmd_ci.cc — `ci`: the one entry point of a third party's CI job (docs/ci.md). Waits until the
// target answers (it was usually started a moment ago), runs the suite like `run`, and writes
// every report into one folder: report.json, junit.xml, report.html, coverage.txt. Exit status
// as `run`: 0 when nothing failed or passed unexpectedly, 1 otherwise, 2 for usage errors, a
// target that never answered, or a harness error.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"

namespace unm::conformance::tool {
namespace {

constexpr double kDefaultWaitSeconds = 60;

// wait_for_target tries to open a Socket.IO connection until one succeeds or `wait` has passed;
// the error is the last attempt's.
Expected<void, std::string> wait_for_target(const RunConfig& cfg, const std::string& url,
                                            std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::string last = "no attempt";
  while (true) {
    transport::ChannelOptions co;
    co.verify_tls = cfg.engine.verify_tls;
    co.ca_file = cfg.engine.ca_file;
    co.connect_timeout = std::chrono::milliseconds(2'000);
    auto ch = cfg.engine.connector(url, co);
    if (ch) {
      (*ch)->close();
      return {};
    }
    last = ch.error().detail;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    // Poll every half second; the last attempt is made at the deadline, not before it.
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(500), deadline - now));
  }
  return Unexpected{last};
}

}  // namespace

int ci_command(std::span<const std::string> args) {
  CliOptions o;
  std::string out_dir = "conformance-report";
  double wait_s = kDefaultWaitSeconds;
  cli::Parser p("unmanageable-conformance ci",
                "unmanageable-conformance ci --target URL [--expectations FILE] [--out DIR] "
                "[--wait SECONDS] [run options]",
                "For CI jobs (docs/ci.md): waits until the target answers, runs the suite and\n"
                "writes report.json, junit.xml, report.html and coverage.txt into DIR.");
  p.option("--out", "DIR", "folder for the reports (created; default conformance-report)", out_dir,
           "UNM_CI_OUT")
      .option(
          "--wait", "SECONDS", "how long to wait for the target to answer (0 … 3600, default 60)",
          [&wait_s](std::string_view v) -> std::optional<std::string> {
            double s = 0;
            const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
            if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() ||
                !(s >= 0 && s <= 3600)) {
              return cli::cat("bad value '", v, "' (0 … 3600)");
            }
            wait_s = s;
            return std::nullopt;
          },
          "UNM_CI_WAIT");
  add_options(p, o);
  p.epilogue(data_help() + "\n\n" + kExitStatusText);
  if (auto rc = parse_or_exit(p, o, args)) return *rc;
  if (o.targets.size() != 1) {
    std::fprintf(stderr, "unmanageable-conformance ci: exactly one --target URL is required\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "unmanageable-conformance ci: cannot create %s: %s\n", out_dir.c_str(),
                 ec.message().c_str());
    return 2;
  }
  const std::filesystem::path dir(out_dir);
  o.json_out = (dir / "report.json").string();
  o.junit_out = (dir / "junit.xml").string();
  o.html_out = (dir / "report.html").string();
  o.coverage_out = (dir / "coverage.txt").string();

  auto cfg = make_run_config(o, o.targets[0], 0, "");
  if (!cfg) {
    std::fprintf(stderr, "unmanageable-conformance ci: %s\n", cfg.error().c_str());
    return 2;
  }
  if (!cfg->engine.connector) {
    std::fprintf(stderr, "unmanageable-conformance ci: this build has no network transport\n");
    return 2;
  }
  const auto wait = std::chrono::milliseconds(static_cast<long long>(wait_s * 1000));
  if (auto up = wait_for_target(*cfg, o.targets[0], wait); !up) {
    std::fprintf(stderr, "unmanageable-conformance ci: %s did not answer within %g s: %s\n",
                 o.targets[0].c_str(), wait_s, up.error().c_str());
    return 2;
  }
  const int status = run_suite(o, "ci", command_line("ci", args));
  std::printf(
      "unmanageable-conformance ci: reports in %s (report.html, junit.xml, report.json, "
      "coverage.txt); exit status %d\n",
      out_dir.c_str(), status);
  return status;
}

}  // namespace unm::conformance::tool
