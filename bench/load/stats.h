// stats.h — the load tool's pure statistics: nearest-rank percentiles of latency samples and a
// tally of failures by reason. No clocks, no I/O: unit-tested against a sorted-vector model.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace unm::load {

// percentile_sorted returns the nearest-rank `p`-th percentile (p in [0, 100]) of `sorted`, which
// must be ascending and non-empty: the smallest sample x such that at least p % of the samples
// are <= x (p = 0 gives the minimum, p = 100 the maximum). The rank is computed in integer parts
// per million so that e.g. p99 of 100 samples is exactly the 99th, not the 100th by rounding.
std::int64_t percentile_sorted(std::span<const std::int64_t> sorted, double p);

// LatencySummary describes a set of latency samples in nanoseconds. All fields are 0 when
// `count` is 0.
struct LatencySummary {
  std::uint64_t count = 0;
  std::int64_t min_ns = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t p999_ns = 0;
  std::int64_t max_ns = 0;
  double mean_ns = 0;
};

// summarize sorts `samples` (taken by value) and computes their summary.
LatencySummary summarize(std::vector<std::int64_t> samples);

// ErrorTally counts failed requests by reason (the server's refusal text, or a transport
// failure name such as "timeout"). Not thread-safe: keep one per thread and merge.
class ErrorTally {
 public:
  void add(const std::string& reason, std::uint64_t n = 1);
  void merge(const ErrorTally& other);
  std::uint64_t total() const { return total_; }
  const std::map<std::string, std::uint64_t>& by_reason() const { return by_reason_; }

 private:
  std::map<std::string, std::uint64_t> by_reason_;
  std::uint64_t total_ = 0;
};

// error_rate is failures / (successes + failures), 0 when there were no requests.
double error_rate(std::uint64_t ok, std::uint64_t failed);

}  // namespace unm::load
