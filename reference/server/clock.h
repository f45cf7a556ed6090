// clock.h — the injected wall clock. The chat server reads time only through Clock, so tests
// drive timers (schedule, self-destruct, soon notices, X3DH delay, lockout) with a FakeClock
// instead of sleeping.
#pragma once

#include <chrono>

#include "reference/protocol/timestamp.h"

namespace unm::server {

// Clock gives the current UTC wall-clock time in µs since the epoch.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual protocol::Micros now() = 0;
};

// SystemClock reads std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  protocol::Micros now() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// FakeClock is a settable clock for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(protocol::Micros start) : now_(start) {}
  protocol::Micros now() override { return now_; }
  void advance(protocol::Micros by) { now_ += by; }
  void set(protocol::Micros t) { now_ = t; }

 private:
  protocol::Micros now_;
};

}  // namespace unm::server
