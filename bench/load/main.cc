// main.cc — `unmanageable-load`: measures any server of the Unmanageable protocol (docs/
// benchmarks.md, "Server load"). Parses options, probes the target, runs the chosen scenarios,
// prints JSON (stdout or --json FILE) and a short summary on stderr, and exits with a documented
// code (options.h).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bench/load/options.h"
#include "bench/load/report.h"
#include "bench/load/scenarios.h"
#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace {

using namespace unm::load;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// random_prefix makes this run's usernames unique on a server that keeps earlier runs' users.
std::string random_prefix() {
  std::uint8_t bytes[5];
  unm::crypto::system_random().fill(bytes);
  return "ld" + unm::to_hex(std::span<const std::uint8_t>(bytes, sizeof bytes)) + "-";
}

void echo_options(RunReport& r, const Options& o) {
  r.options = {{"duration_s", o.duration_s},
               {"warmup_s", o.warmup_s},
               {"connections", o.connections},
               {"in_flight", o.in_flight},
               {"rate", o.rate},
               {"users", o.users},
               {"pool", o.pool},
               {"timeout_s", o.timeout_s},
               {"max_error_rate", o.max_error_rate},
               {"insecure", o.insecure ? 1.0 : 0.0}};
}

bool has(const Options& o, Scenario s) {
  for (auto x : o.scenarios)
    if (x == s) return true;
  return false;
}

int run(const Options& o) {
  RunReport report;
  report.tool_version = "1";
  report.target = o.target;
  report.started_utc = utc_now();
  report.user_prefix = random_prefix();
  report.hardware_threads = std::thread::hardware_concurrency();
  double load[1];
  if (getloadavg(load, 1) == 1) report.load_average_1m = load[0];
  echo_options(report, o);

  auto emit = [&](int code) {
    report.exit_code = code;
    const std::string json = to_json(report);
    if (o.json_file.empty()) {
      std::cout << json << std::flush;
    } else {
      std::ofstream f(o.json_file, std::ios::binary | std::ios::trunc);
      f << json;
      if (!f) {
        std::cerr << "unmanageable-load: cannot write " << o.json_file << "\n";
        return code == kExitOk ? kExitFailed : code;
      }
    }
    if (!o.quiet) std::cerr << human_summary(report);
    return code;
  };

  if (auto ok = unm::crypto::init(); !ok) {
    std::cerr << "unmanageable-load: libsodium initialisation failed\n";
    return emit(kExitFailed);
  }
  if (auto err = probe(o)) {
    std::cerr << "unmanageable-load: cannot connect to " << o.target << ": " << *err << "\n";
    return emit(kExitConnect);
  }
  double send2_rate = 0;
  for (Scenario s : o.scenarios) {
    // The latency scenario's default rate is half of send2's: measure send2 first if needed.
    if (s == Scenario::latency && o.rate == 0 && !has(o, Scenario::send2)) {
      if (!o.quiet) std::cerr << "[send2] measuring the maximum rate for the latency scenario\n";
      report.scenarios.push_back(run_send(o, report.user_prefix + "c", 2));
      send2_rate = report.scenarios.back().ok ? report.scenarios.back().metric("rate_per_s") : 0;
    }
    if (!o.quiet) std::cerr << "[" << scenario_name(s) << "] running\n";
    const std::string prefix = report.user_prefix + std::string(scenario_name(s)).substr(0, 2);
    switch (s) {
      case Scenario::login:
        report.scenarios.push_back(run_login(o, prefix));
        break;
      case Scenario::send2:
        report.scenarios.push_back(run_send(o, prefix, 2));
        if (report.scenarios.back().ok) send2_rate = report.scenarios.back().metric("rate_per_s");
        break;
      case Scenario::send32:
        report.scenarios.push_back(run_send(o, prefix + "x", 32));
        break;
      case Scenario::fanout:
        report.scenarios.push_back(run_fanout(o, prefix));
        break;
      case Scenario::latency: {
        const double rate = o.rate > 0 ? o.rate : send2_rate / 2;
        if (rate <= 0) {
          ScenarioReport r;
          r.name = "latency";
          r.ok = false;
          r.failure = "no offered rate: send2 measured nothing and --rate was not given";
          report.scenarios.push_back(std::move(r));
        } else {
          report.scenarios.push_back(run_latency(o, prefix, rate));
          if (o.rate == 0)
            report.scenarios.back().notes.push_back("offered rate = 50 % of send2's rate_per_s");
        }
        break;
      }
    }
  }
  int code = kExitOk;
  for (const auto& s : report.scenarios) {
    if (!s.ok || error_rate(s.ok_requests, s.errors.total()) > o.max_error_rate) code = kExitFailed;
  }
  return emit(code);
}

// keep_heap_memory stops glibc from handing freed heap memory back to the kernel between
// bursts. The tool's many threads allocate and free in waves (acks, notifications); trimming
// then page-faulting the same memory again cost TLB-shootdown interrupts across both cores
// (profile of send2: about a quarter of the tool's CPU). The tool's peak heap is small.
void keep_heap_memory() {
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  keep_heap_memory();
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto o = parse_options(args);
  if (const int code = finish_command_line(o, std::cout, std::cerr); code >= 0) return code;
  return run(*o);
}
