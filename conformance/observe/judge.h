// judge.h — the protocol judge of `observe`: it is fed every Socket.IO packet of every session
// in both directions (already decoded by the wire tap), pairs each request with its ack, follows
// each session's state (who is logged in, the keys and signed prekeys seen, DM membership) and
// checks both sides against events.md / crypto.md. Pure: no sockets, no clocks (times are given).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "conformance/observe/finding.h"
#include "reference/transport/sio_codec.h"

namespace unm::conformance::observe {

class Judge {
 public:
  using Clock = std::chrono::system_clock;
  // FindingHook is told of every finding as it is made (live console progress).
  using FindingHook = std::function<void(const Finding&)>;

  Judge();
  ~Judge();
  Judge(const Judge&) = delete;
  Judge& operator=(const Judge&) = delete;

  void set_finding_hook(FindingHook hook);

  // open_session starts a new Engine.IO session and returns its number (1, 2, …; "s1").
  std::uint64_t open_session(Clock::time_point at);
  // on_packet judges one complete Socket.IO packet of `session` (`frame` is its wire text).
  void on_packet(std::uint64_t session, Direction dir, Clock::time_point at,
                 const transport::sio::Incoming& packet, std::string_view frame);
  // on_malformed reports bytes that are not a valid Engine.IO / Socket.IO packet; the side at
  // fault is the sender (`dir`), `clause` the transport rule broken.
  void on_malformed(std::uint64_t session, Direction dir, Clock::time_point at,
                    std::string_view frame, std::string_view why, std::string_view clause);
  // on_frame counts an Engine.IO frame (statistics only).
  void on_frame(Direction dir);
  // on_close ends a session: requests left without an ack for a while are reported.
  void on_close(std::uint64_t session, Clock::time_point at);
  // finish ends the observation: signatures whose signer's key was never seen are counted as
  // unchecked; requests still unanswered after kAckPatience are reported.
  void finish(Clock::time_point at);

  const std::vector<Finding>& findings() const;
  const Stats& stats() const;

  // kAckPatience: a request unanswered for this long when its session ends (or the observation
  // stops) is reported as missing its ack (EV-TRN-005).
  static constexpr std::chrono::seconds kAckPatience{5};

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace unm::conformance::observe
