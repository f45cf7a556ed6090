// generator.h — chooses the next operation of a sequence from the model (world.h), weighted
// towards the states where bugs live (docs/explore.md, "What it generates"): offline members
// (invitations left pending), several connections of one user, limits and boundaries (history
// pages around the cap of 100, more than ten pins, groups larger than eight), scheduled and
// self-destructing messages, and every event of Table 1 at least sometimes.
#pragma once

#include <cstdint>
#include <map>
#include <random>

#include "conformance/explore/executor.h"
#include "conformance/explore/op.h"
#include "conformance/explore/world.h"

namespace unm::conformance::explore {

// GeneratorOptions tune what is generated.
struct GeneratorOptions {
  bool timers = true;        // scheduled and self-destructing messages (waits of seconds)
  bool long_timers = false;  // schedules past 60 s (soon notices, EV-MSG-008): a minute a wait
  int max_burst = 120;       // the largest burst of messages (the history cap is 100)
};

// Generator — see file comment. Deterministic for a seed.
class Generator {
 public:
  Generator(std::uint64_t seed, GeneratorOptions options) : rng_(seed), options_(options) {}
  // next returns an operation applicable to `m` (applicable() holds).
  Op next(Model& m);
  // damp lowers the weight of an operation kind (a known deviation keeps recurring there).
  void damp(OpKind k) { damp_[k] += 1; }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::mt19937_64 rng_;
  GeneratorOptions options_;
  std::map<OpKind, int> damp_;
};

// applicable tells whether `op` can run on `m`: its actor is logged in on the slot (a login:
// the slot is not), and every DM, message and reaction it names exists in the model. Shrinking
// replays only applicable operations.
bool applicable(const Op& op, const Model& m);

// apply updates the model with what the oracle answered to `op` (its exchanges), at `now`.
void apply(Model& m, const Op& op, const std::vector<Exchange>& oracle, Micros now);

// reserve makes sure the model's counters stay above the numbers `op` creates (replays of a
// recorded sequence keep the recorded numbers).
void reserve(Model& m, const Op& op);

}  // namespace unm::conformance::explore
