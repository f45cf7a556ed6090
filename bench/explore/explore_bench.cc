// explore_bench.cc — how many explorer steps a second (docs/benchmarks.md, "Explore"): one
// iteration is one sequence of 40 generated operations by 4 users (no timers: a scheduled
// message would measure sleeping), compared step by step with the in-process reference core.
//   BM_ExploreInProcess     the target is a second in-process core: the explorer's own cost
//                           (generation, crypto, two cores, normalisation, comparison);
//   BM_ExploreReference/S   the target is `unmanageable-server` over WebSocket on 127.0.0.1,
//                           with --synchronous S (full: an fsync per acknowledged batch).
// Counter `steps_per_s` is the rate; run with --benchmark_format=json for machine-readable
// output. UNM_SERVER_EXE overrides the server executable built with this program.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "conformance/explore/explorer.h"
#include "reference/crypto/keys.h"
#include "reference/tools/testing/server_process.h"

namespace {

namespace ex = unm::conformance::explore;

ex::ExploreOptions options() {
  ex::ExploreOptions o;
  o.users = 4;
  o.steps = 40;
  o.sequences = 1;
  o.oracle.x3dh_delay = 0;
  o.generator.timers = false;
  return o;
}

// run plays one sequence an iteration. `network`: the defaults of the command (the waits and
// the end-of-sequence quiet window); in process there is nothing to wait for.
void run(benchmark::State& state, ex::Side& target, bool network) {
  ex::ExploreOptions o = options();
  if (!network) {
    o.note_wait = std::chrono::milliseconds(0);
    o.settle = std::chrono::milliseconds(0);
  }
  ex::Generator gen(7, o.generator);
  long long steps = 0;
  int n = 0;
  for (auto _ : state) {
    ex::Stats stats;
    auto r = ex::play(o, target, nullptr, &gen, "bench" + std::to_string(n++) + "x", &stats);
    if (r.divergence || !r.harness_error.empty()) {
      state.SkipWithError(r.divergence ? r.divergence->summary().c_str() : r.harness_error.c_str());
      return;
    }
    steps += stats.steps;
  }
  state.counters["steps_per_s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["steps"] = static_cast<double>(steps);
}

void BM_ExploreInProcess(benchmark::State& state) {
  ex::OracleOptions oo;
  oo.x3dh_delay = 0;
  auto target = ex::make_oracle_side(oo);
  if (!target) {
    state.SkipWithError(target.error().c_str());
    return;
  }
  run(state, **target, false);
}
BENCHMARK(BM_ExploreInProcess)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

void BM_ExploreReference(benchmark::State& state) {
  const char* exe = std::getenv("UNM_SERVER_EXE");
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("bench-explore-" + std::to_string(::getpid()) + "-" + std::to_string(state.range(0)));
  std::filesystem::create_directories(dir);
  unm::tools::testing::ServerProcessOptions so;
  so.executable = exe != nullptr ? exe : UNM_SERVER_EXE;
  so.db = dir / "db.sqlite";
  so.flags = {"--x3dh-delay-ms", "0",
              "--log-level",     "warn",
              "--synchronous",   state.range(0) ? "full" : "normal"};
  {
    unm::tools::testing::ServerProcess server(so);
    if (server.url().empty()) {
      state.SkipWithError("the reference server did not start");
    } else {
      auto target = ex::make_target_side(server.url(), std::chrono::milliseconds(5000), false);
      run(state, *target, true);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  state.SetLabel(state.range(0) ? "synchronous=full" : "synchronous=normal");
}
BENCHMARK(BM_ExploreReference)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (!unm::crypto::init()) return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
