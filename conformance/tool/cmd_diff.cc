// cmd_diff.cc — `diff`: the same cases against two servers; report where behaviour differs.
#include <cstdio>

#include "conformance/src/diff.h"
#include "conformance/src/report.h"
#include "conformance/src/report_merge.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace unm::conformance::tool {

int diff_command(std::span<const std::string> args) {
  auto opts = parse_options(args);
  if (!opts) {
    std::fprintf(stderr, "unmanageable-conformance diff: %s (try --help)\n", opts.error().c_str());
    return 2;
  }
  if (opts->help) {
    std::printf(
        "usage: unmanageable-conformance diff --target A --target B [options]\n\n"
        "Runs the selected cases against both servers (same seed) and lists the cases\n"
        "whose observable behaviour differs: outcome, ack success flags, notifications.\n"
        "--html F / --junit F write one report of both runs side by side (as `report`).\n"
        "Exit status: 0 no differences, 1 differences, 2 usage or connection error.\n\n%s",
        options_help().c_str());
    return 0;
  }
  if (opts->targets.size() != 2) {
    std::fprintf(stderr, "unmanageable-conformance diff: give --target twice\n");
    return 2;
  }
  std::vector<Scenario> scenarios;
  auto cases = load_cases(*opts, scenarios);
  if (!cases) {
    std::fprintf(stderr, "unmanageable-conformance diff: %s\n", cases.error().c_str());
    return 2;
  }
  (void)crypto::init();
  std::uint64_t seed = opts->seed.value_or(0);
  if (!opts->seed) {
    std::uint8_t b[8];
    crypto::system_random().fill(b);
    for (std::uint8_t x : b) seed = (seed << 8) | x;
    seed >>= 1;
  }
  std::vector<std::vector<CaseResult>> results;
  std::vector<ReportRun> runs;
  for (const std::string& target : opts->targets) {
    const std::string run_id = make_run_id();
    auto cfg = make_run_config(*opts, target, seed, run_id);
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
    run.meta.profile = opts->profile;
    run.meta.strict = opts->strict;
    run.meta.seed = seed;
    run.meta.run_id = run_id;
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
  std::printf("%s", diff_text(d, opts->targets[0], opts->targets[1], cases->size()).c_str());
  // One report of both runs: the cases × implementations matrix with agreement (report_merge.h).
  unique_run_names(runs);
  if (!opts->html_out.empty()) {
    if (auto r = write_text_file(opts->html_out, render_html_report(runs)); !r) {
      std::fprintf(stderr, "unmanageable-conformance diff: %s\n", r.error().c_str());
      return 2;
    }
  }
  if (!opts->junit_out.empty()) {
    if (auto r = write_text_file(opts->junit_out, merged_junit(runs)); !r) {
      std::fprintf(stderr, "unmanageable-conformance diff: %s\n", r.error().c_str());
      return 2;
    }
  }
  return d.empty() ? 0 : 1;
}

}  // namespace unm::conformance::tool
