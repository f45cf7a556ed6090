// side.h — one implementation the explorer talks to (docs/explore.md): the target server over
// the network, or the in-process reference core that serves as its oracle. Both are seen as a
// set of numbered client connections that send requests, receive acks and collect notifications,
// so the explorer drives them with the same code.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm::conformance::explore {

// Micros is a wall-clock time in µs since the epoch (the protocol's time base).
using Micros = std::int64_t;

// Note is one notification a connection received: its name and payload (JSON text).
struct Note {
  std::string name;
  std::string payload;
};

// Ack is the outcome of one request: the ack's result object as JSON text, or why there is none
// (timeout, closed connection: a divergence in itself when the other side answered).
struct Ack {
  std::optional<std::string> result;  // the ack's first argument, e.g. {"success":true,...}
  std::string error;                  // why there is no result
};

// Side — see file comment. Connection numbers are the explorer's (user × slot); a Side opens
// them lazily. Not thread-safe: the explorer calls it from one thread.
class Side {
 public:
  virtual ~Side() = default;
  // open connects `conn` (a fresh Socket.IO connection, not logged in); false with a reason in
  // `why` when the connection could not be made.
  virtual bool open(int conn, std::string& why) = 0;
  // close disconnects `conn` (a no-op when it is not open).
  virtual void close(int conn) = 0;
  virtual bool is_open(int conn) const = 0;
  // call sends request `event` with one payload and waits for its ack. `now` is the wall-clock
  // time the request is sent at (the oracle's clock follows it).
  virtual Ack call(int conn, std::string_view event, std::string_view payload_json, Micros now) = 0;
  // take returns and forgets the notifications `conn` received so far, in arrival order.
  virtual std::vector<Note> take(int conn) = 0;
  // wait_for waits up to `limit` until `conn` holds at least `count` notifications not yet
  // taken; returns whether it does.
  virtual bool wait_for(int conn, std::size_t count, std::chrono::milliseconds limit) = 0;
  // advance lets time pass to `now`: the oracle fires its due timers; a network side does
  // nothing (its server keeps its own time).
  virtual void advance(Micros now) = 0;
  // next_timer is the oracle's earliest pending timer (nullopt: none, or unknown for a network
  // side).
  virtual std::optional<Micros> next_timer() = 0;
  // close_all closes every connection (end of a sequence).
  virtual void close_all() = 0;
};

// wall_now is the system clock in µs since the epoch.
Micros wall_now();

// make_target_side connects to a server at `url` (docs/conformance.md "--target"); connections
// time out after `timeout`.
std::unique_ptr<Side> make_target_side(std::string url, std::chrono::milliseconds timeout,
                                       bool insecure);

// OracleOptions configure the in-process reference core.
struct OracleOptions {
  Micros x3dh_delay = 5'000'000;    // EV-DM-015; must match the target's to compare deliveries
  std::vector<std::string> faults;  // injected faults (tests of the explorer only; faults.h)
};
// make_oracle_side creates a fresh in-process reference core (in-memory SQLite, a clock driven
// by the times the explorer passes in). Fails with a one-line reason (e.g. an unknown fault).
Expected<std::unique_ptr<Side>, std::string> make_oracle_side(const OracleOptions& options);

}  // namespace unm::conformance::explore
