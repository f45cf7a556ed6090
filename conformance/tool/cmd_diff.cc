// cmd_diff.cc — `diff`: the same cases against two servers; report where behaviour differs.
#include <cstdio>

#include "conformance/src/diff.h"
#include "conformance/src/report.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace unm::conformance::tool {

int diff_command(std::span<const std::string> args) {
  CliOptions o;
  cli::Parser p("unmanageable-conformance diff",
                "unmanageable-conformance diff --target A --target B [options]",
                "Runs the selected cases against both servers (same seed) and lists the cases\n"
                "whose observable behaviour differs: outcome, ack success flags, notifications.");
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
  for (const std::string& target : o.targets) {
    auto cfg = make_run_config(o, target, seed, make_run_id());
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
    results.push_back(run_cases(*cases, *cfg, nullptr));
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
  return d.empty() ? 0 : 1;
}

}  // namespace unm::conformance::tool
