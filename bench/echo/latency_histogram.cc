// latency_histogram.cc — log-linear buckets (see latency_histogram.h).
#include "bench/echo/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace unm::bench {

namespace {
// kSubBits: 2^kSubBits buckets per power of two above the exact range [0, 2^(kSubBits+1)).
constexpr unsigned kSubBits = 7;
constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;
// Largest shift used: values up to 2^40 - 1 have their top bit at 39, shift 39 - kSubBits.
constexpr std::size_t kBuckets = (39 - kSubBits) * kSub + 2 * kSub;
}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

std::size_t LatencyHistogram::index_of(std::uint64_t value) {
  if (value < 2 * kSub) return static_cast<std::size_t>(value);
  const unsigned top = static_cast<unsigned>(std::bit_width(value)) - 1;  // >= kSubBits + 1
  const unsigned shift = top - kSubBits;
  const std::uint64_t sub = value >> shift;  // in [kSub, 2 * kSub)
  return static_cast<std::size_t>(shift * kSub + sub);
}

std::uint64_t LatencyHistogram::lowest_of(std::size_t index) {
  if (index < 2 * kSub) return index;
  const std::uint64_t shift = index / kSub - 1;
  const std::uint64_t sub = index - shift * kSub;
  return sub << shift;
}

std::uint64_t LatencyHistogram::highest_of(std::size_t index) {
  if (index < 2 * kSub) return index;
  const std::uint64_t shift = index / kSub - 1;
  return lowest_of(index) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value) {
  if (value > max_value()) {
    ++saturated_;
    value = max_value();
  }
  ++buckets_[index_of(value)];
  if (count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
  saturated_ += other.saturated_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0.0)) return min_;  // also catches NaN
  if (q >= 1.0) return max_;
  // rank: how many values must be <= the answer (1-based), at least 1.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      // The middle of the bucket halves the worst-case error; min/max are exact.
      const std::uint64_t mid = lowest_of(i) + (highest_of(i) - lowest_of(i)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace unm::bench
