// stats.cc — percentiles and failure tallies of the load tool (see stats.h).
#include "bench/load/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace unm::load {

std::int64_t percentile_sorted(std::span<const std::int64_t> sorted, double p) {
  if (sorted.empty()) return 0;
  const double clamped = std::isnan(p) ? 0.0 : std::clamp(p, 0.0, 100.0);
  // Parts per million keep ranks exact for the percentiles people ask for (50, 99, 99.9).
  const auto ppm = static_cast<std::uint64_t>(std::llround(clamped * 10'000.0));
  const std::uint64_t n = sorted.size();
  std::uint64_t rank = (ppm * n + 999'999) / 1'000'000;  // ceil(p/100 * n)
  rank = std::clamp<std::uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

LatencySummary summarize(std::vector<std::int64_t> samples) {
  LatencySummary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  s.min_ns = samples.front();
  s.max_ns = samples.back();
  s.p50_ns = percentile_sorted(samples, 50);
  s.p90_ns = percentile_sorted(samples, 90);
  s.p99_ns = percentile_sorted(samples, 99);
  s.p999_ns = percentile_sorted(samples, 99.9);
  // Summing in long double: 1e8 samples of 1e10 ns would overflow nothing, but keep precision.
  const long double sum = std::accumulate(samples.begin(), samples.end(), 0.0L);
  s.mean_ns = static_cast<double>(sum / static_cast<long double>(samples.size()));
  return s;
}

void ErrorTally::add(const std::string& reason, std::uint64_t n) {
  if (n == 0) return;
  by_reason_[reason] += n;
  total_ += n;
}

void ErrorTally::merge(const ErrorTally& other) {
  for (const auto& [reason, n] : other.by_reason_) add(reason, n);
}

double error_rate(std::uint64_t ok, std::uint64_t failed) {
  const std::uint64_t all = ok + failed;
  return all == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(all);
}

}  // namespace unm::load
