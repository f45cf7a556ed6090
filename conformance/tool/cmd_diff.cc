// cmd_diff.cc — `diff`: the same cases against two servers; report where behaviour differs.
#include <cstdio>

#include "conformance/src/diff.h"
#include "conformance/src/report.h"
#include "conformance/src/report_merge.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"
#include "reference/common/version.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace unm::conformance::tool {

int diff_command(std::span<const std::string> args) {
  CliOptions o;
  cli::Parser p("unmanageable-conformance diff",
                "unmanageable-conformance diff --target A --target B [options]",
                "Runs the selected cases against both servers (same seed) and lists the cases\n"
                "whose observable behaviour differs: outcome, ack success flags, notifications.\n"
                "--html F / --junit F write one report of both runs side by side (as `report`).");
  add_options(p, o);
  p.epilogue(data_help() +
             "\n\nexit status: 0 no differences, 1 differences, 2 usage or connection error");
  if (auto rc = parse_or_exit(p, o, args)) return *rc;
  if (o.targets.size() != 2) {
    std::fprintf(stderr, "unmanageable-conformance diff: give --target twice\n");
    return 2;
  }
  std::vector<Scenario> scenarios;
  auto cases = load_cases(o, scenarios);
  if (!cases) {
    std::fprintf(stderr, "unmanageable-conformance diff: %s\n", cases.error().c_str());
    return 2;
  }
  (void)crypto::init();
  std::uint64_t seed = o.seed.value_or(0);
  if (!o.seed) {
    std::uint8_t b[8];
    crypto::system_random().fill(b);
    for (std::uint8_t x : b) seed = (seed << 8) | x;
    seed >>= 1;
  }
  std::vector<std::vector<CaseResult>> results;
  std::vector<ReportRun> runs;
  for (const std::string& target : o.targets) {
    const std::string run_id = make_run_id();
    auto cfg = make_run_config(o, target, seed, run_id);
    if (!cfg) {
      std::fprintf(stderr, "unmanageable-conformance diff: %s\n", cfg.error().c_str());
      return 2;
    }
    if (!cfg->engine.connector) {
      std::fprintf(stderr, "unmanageable-conformance diff: this build has no network transport\n");
      return 2;
    }
    std::printf("running %zu cases against %s (seed %llu)\n", cases->size(), target.c_str(),
                static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    ReportRun run;
    run.name = target;
    run.meta.target = target;
    run.meta.profile = o.profile;
    run.meta.strict = o.strict;
    run.meta.seed = seed;
    run.meta.run_id = run_id;
    run.meta.harness_version = version_string();
    run.meta.started = std::chrono::system_clock::now();
    const auto t0 = std::chrono::steady_clock::now();
    results.push_back(run_cases(*cases, *cfg, nullptr));
    run.meta.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    run.results = results.back();
    runs.push_back(std::move(run));
    for (const auto& r : results.back()) {
      if (r.outcome == Outcome::error && r.run.failed_step == 0) {
        std::fprintf(stderr, "unmanageable-conformance diff: %s: %s\n", target.c_str(),
                     r.reason.c_str());
        return 2;
      }
    }
  }
  auto d = compute_diff(results[0], results[1]);
  std::printf("%s", diff_text(d, o.targets[0], o.targets[1], cases->size()).c_str());
  // One report of both runs: the cases × implementations matrix with agreement (report_merge.h).
  unique_run_names(runs);
  if (!o.html_out.empty()) {
    if (auto r = write_text_file(o.html_out, render_html_report(runs)); !r) {
      std::fprintf(stderr, "unmanageable-conformance diff: %s\n", r.error().c_str());
      return 2;
    }
  }
  if (!o.junit_out.empty()) {
    if (auto r = write_text_file(o.junit_out, merged_junit(runs)); !r) {
      std::fprintf(stderr, "unmanageable-conformance diff: %s\n", r.error().c_str());
      return 2;
    }
  }
  return d.empty() ? 0 : 1;
}

}  // namespace unm::conformance::tool
