// schedule.cc — the open-loop request schedule (see schedule.h).
#include "bench/load/schedule.h"

#include <algorithm>
#include <cmath>

namespace unm::load {

std::chrono::nanoseconds RateSchedule::offset(std::uint64_t i) const {
  const long double ns = static_cast<long double>(i) * 1e9L / static_cast<long double>(rate_);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::uint64_t RateSchedule::count_before(std::chrono::nanoseconds elapsed) const {
  if (elapsed.count() <= 0) return 0;
  // Estimate from the rate, then correct by the exact offsets (rounding can be off by one).
  const long double est = static_cast<long double>(elapsed.count()) * rate_ / 1e9L;
  auto n = static_cast<std::uint64_t>(std::max<long double>(0, std::floor(est)));
  while (n > 0 && offset(n - 1) >= elapsed) --n;
  while (offset(n) < elapsed) ++n;
  return n;
}

}  // namespace unm::load
