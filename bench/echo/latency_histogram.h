// latency_histogram.h — a fixed-precision latency histogram for the echo benchmark.
//
// The load generator records hundreds of thousands of round trips per second; keeping every
// sample would make memory grow with the run's length. LatencyHistogram keeps counts in
// log-linear buckets instead (the layout HdrHistogram made popular): values below 256 are exact,
// above that each power of two is split into 128 buckets, so a reported percentile is within
// 1/128 (< 0.8 %) of the true sample value whatever the run's length. Memory is fixed (~34 KiB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace unm::bench {

// LatencyHistogram — counts of non-negative integer values (the benchmark records nanoseconds).
// Values above max_value() are counted as max_value() (and reported as saturated).
class LatencyHistogram {
 public:
  LatencyHistogram();

  // record adds one value.
  void record(std::uint64_t value);
  // merge adds every count of `other`.
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  // min / max return the exact smallest / largest value recorded (0 when empty).
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  // mean returns the exact mean of the recorded values (0 when empty).
  double mean() const;
  // saturated counts values that were above max_value().
  std::uint64_t saturated() const { return saturated_; }

  // percentile returns the value at quantile q in [0, 1]: the smallest recorded value v such
  // that at least ceil(q * count) values are <= v, up to the bucket precision (the returned value
  // lies in the same bucket as v, clamped to [min(), max()]). q <= 0 gives min(), q >= 1 max().
  // 0 when empty.
  std::uint64_t percentile(double q) const;

  // max_value is the largest value stored without saturation (2^40 - 1: ~18 minutes in ns).
  static constexpr std::uint64_t max_value() { return (std::uint64_t{1} << 40) - 1; }

 private:
  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t lowest_of(std::size_t index);
  static std::uint64_t highest_of(std::size_t index);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
  std::uint64_t saturated_ = 0;
};

}  // namespace unm::bench
