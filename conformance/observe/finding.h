// finding.h — what `unmanageable-conformance observe` reports: one violation seen on the wire,
// with the side at fault (client or server), the clause, the session, the time and the frames.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace unm::conformance::observe {

// Side is the party whose frames broke the rule.
enum class Side { client, server };
std::string_view side_name(Side s);

// Severity: `fail` for a MUST of the document; `non_strict` for a SHOULD or an Open point
// (a reference choice), reported but never failing the run (the runner's NON-STRICT).
enum class Severity { fail, non_strict };
std::string_view severity_name(Severity s);

// Direction of a frame on the wire.
enum class Direction { to_server, to_client };

// FrameRecord is one frame involved in a finding: when, which way, its text (truncated).
struct FrameRecord {
  std::chrono::system_clock::time_point at;
  Direction dir = Direction::to_server;
  std::string text;
};

// Finding is one violation.
struct Finding {
  Side side = Side::client;
  Severity severity = Severity::fail;
  std::string clause;   // EV-…, CR-…, TR-…
  std::string session;  // "s3" (the observer's numbering of Engine.IO sessions)
  std::string user;     // the session's logged-in (or logging-in) user, when known
  std::chrono::system_clock::time_point at;
  std::string message;  // one line: what was wrong
  std::vector<FrameRecord> frames;
};

// ClauseCount counts, for one clause and side, how often it was checked and how often violated.
struct ClauseCount {
  std::size_t checked = 0;
  std::size_t failed = 0;      // severity fail
  std::size_t non_strict = 0;  // severity non_strict
};

// Stats summarises an observation.
struct Stats {
  std::size_t sessions = 0;
  std::size_t frames_to_server = 0;
  std::size_t frames_to_client = 0;
  std::size_t requests = 0;
  std::size_t acks = 0;
  std::size_t notifications = 0;
  std::size_t signatures_verified = 0;
  std::size_t signatures_unchecked = 0;  // signer's key never seen on the wire
  std::map<std::string, ClauseCount> client_clauses;
  std::map<std::string, ClauseCount> server_clauses;
};

// kFrameTextMax bounds the frame text kept in a finding.
inline constexpr std::size_t kFrameTextMax = 2000;

// clip returns `text` cut to kFrameTextMax characters with a marker of what was cut.
std::string clip(std::string_view text);

}  // namespace unm::conformance::observe
