// schedule.h — the open-loop request schedule of the `latency` scenario.
//
// Request i is due at start + i / rate. Workers take the next index, sleep until it is due, send,
// and measure latency from the due time, not from the moment they got round to sending: when the
// server stalls, the requests that should have been sent meanwhile are late, and their lateness
// counts (no coordinated omission). Pure: the caller supplies the clock readings.
#pragma once

#include <chrono>
#include <cstdint>

namespace unm::load {

// RateSchedule — see file comment. `rate_per_s` must be > 0.
class RateSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  RateSchedule(Clock::time_point start, double rate_per_s) : start_(start), rate_(rate_per_s) {}

  // offset is how long after the start request `i` is due (rounded to the nanosecond).
  std::chrono::nanoseconds offset(std::uint64_t i) const;
  // due is the time request `i` is due.
  Clock::time_point due(std::uint64_t i) const { return start_ + offset(i); }
  // count_before is the number of requests due strictly before `start + elapsed`.
  std::uint64_t count_before(std::chrono::nanoseconds elapsed) const;

  double rate() const { return rate_; }
  Clock::time_point start() const { return start_; }

 private:
  Clock::time_point start_;
  double rate_;
};

}  // namespace unm::load
