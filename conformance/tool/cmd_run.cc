// cmd_run.cc — `run`: execute the selected cases against one server and report.
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include "conformance/src/clauses.h"
#include "conformance/src/progress.h"
#include "conformance/src/report.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"
#include "reference/common/version.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace unm::conformance::tool {

namespace {

std::uint64_t random_seed() {
  (void)crypto::init();
  std::uint8_t b[8];
  crypto::system_random().fill(b);
  std::uint64_t s = 0;
  for (std::uint8_t x : b) s = (s << 8) | x;
  return s >> 1;  // keep it positive in any language that reads it back
}

}  // namespace

std::string command_line(std::string_view command, std::span<const std::string> args) {
  std::string s = "unmanageable-conformance " + std::string(command);
  for (const auto& a : args) s += " " + a;
  return s;
}

// write_reports writes the optional report files; shared with diff (per target).
int write_reports(const CliOptions& o, const std::vector<CaseResult>& results, const RunMeta& meta,
                  const std::vector<Scenario>& scenarios) {
  struct Out {
    const std::string& path;
    std::string (*render)(const std::vector<CaseResult>&, const RunMeta&);
  };
  for (const Out& out : {Out{o.json_out, report_json}, Out{o.junit_out, report_junit},
                         Out{o.html_out, report_html}}) {
    if (out.path.empty()) continue;
    if (auto r = write_text_file(out.path, out.render(results, meta)); !r) {
      std::fprintf(stderr, "unmanageable-conformance: %s\n", r.error().c_str());
      return 2;
    }
  }
  if (!o.coverage_out.empty()) {
    auto spec_dir = data_dir(o, data::DataKind::spec);
    if (!spec_dir) {
      std::fprintf(stderr, "unmanageable-conformance: %s\n", spec_dir.error().c_str());
      return 2;
    }
    auto cat = load_clause_catalogue(*spec_dir);
    if (!cat) {
      std::fprintf(stderr, "unmanageable-conformance: %s\n", cat.error().c_str());
      return 2;
    }
    Coverage cov = compute_coverage(*cat, scenarios);
    bool as_json = o.coverage_out.size() > 5 &&
                   o.coverage_out.compare(o.coverage_out.size() - 5, 5, ".json") == 0;
    if (auto r = write_text_file(o.coverage_out, as_json ? coverage_json(cov) : coverage_text(cov));
        !r) {
      std::fprintf(stderr, "unmanageable-conformance: %s\n", r.error().c_str());
      return 2;
    }
  }
  return 0;
}

int run_command(std::span<const std::string> args) {
  CliOptions o;
  cli::Parser p("unmanageable-conformance run",
                "unmanageable-conformance run --target URL [options]",
                "Runs the scenarios against one server and reports every case's outcome.");
  add_options(p, o);
  p.epilogue(data_help() + "\n\n" + kExitStatusText);
  if (auto rc = parse_or_exit(p, o, args)) return *rc;
  if (o.targets.size() != 1) {
    std::fprintf(stderr, "unmanageable-conformance run: exactly one --target URL is required\n");
    return 2;
  }
  return run_suite(o, "run", command_line("run", args));
}

int run_suite(const CliOptions& o, std::string_view command, const std::string& command_text) {
  const std::string who = "unmanageable-conformance " + std::string(command);
  std::vector<Scenario> scenarios;
  auto cases = load_cases(o, scenarios);
  if (!cases) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), cases.error().c_str());
    return 2;
  }
  std::uint64_t seed = o.seed.value_or(random_seed());
  std::string run_id = make_run_id();
  auto cfg = make_run_config(o, o.targets[0], seed, run_id);
  if (!cfg) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), cfg.error().c_str());
    return 2;
  }
  if (!cfg->engine.connector) {
    std::fprintf(stderr, "%s: this build has no network transport\n", who.c_str());
    return 2;
  }
  // Preflight: one connection, so an unreachable target is a usage/connection error (exit 2),
  // not hundreds of per-case errors.
  {
    transport::ChannelOptions co;
    co.verify_tls = cfg->engine.verify_tls;
    co.ca_file = cfg->engine.ca_file;
    co.connect_timeout =
        std::chrono::milliseconds(static_cast<long long>(10'000 * cfg->engine.timeout_factor));
    auto ch = cfg->engine.connector(o.targets[0], co);
    if (!ch) {
      std::fprintf(stderr, "%s: cannot connect to %s: %s\n", who.c_str(), o.targets[0].c_str(),
                   ch.error().detail.c_str());
      return 2;
    }
    (*ch)->close();
  }
  std::printf("unmanageable-conformance: %zu cases against %s (seed %llu, run %s, jobs %d)\n",
              cases->size(), o.targets[0].c_str(), static_cast<unsigned long long>(seed),
              run_id.c_str(), o.jobs);
  std::fflush(stdout);
  RunMeta meta;
  meta.target = o.targets[0];
  meta.profile = o.profile;
  meta.strict = o.strict;
  meta.seed = seed;
  meta.run_id = run_id;
  meta.command = command_text;
  meta.harness_version = version_string();
  meta.expectations = cfg->expectations ? cfg->expectations->implementation() : "";
  meta.started = std::chrono::system_clock::now();
  auto t0 = std::chrono::steady_clock::now();
  // A terminal gets a progress bar; a pipe or log the plain per-case lines (progress.h).
  ProgressDisplay progress({::isatty(STDOUT_FILENO) == 1, o.quiet, terminal_columns(STDOUT_FILENO)},
                           [](std::string_view text) {
                             std::fwrite(text.data(), 1, text.size(), stdout);
                             std::fflush(stdout);
                           });
  auto results = run_cases(*cases, *cfg,
                           [&progress](const CaseResult& r, std::size_t done, std::size_t total) {
                             progress.on_case(r, done, total);
                           });
  progress.finish();
  meta.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  std::printf("%s", console_summary(results, meta).c_str());
  if (int rc = write_reports(o, results, meta, scenarios); rc != 0) return rc;
  return exit_status(results);
}

}  // namespace unm::conformance::tool
