// trace.h — what one explored sequence produced, step by step, on the target and on the oracle
// (docs/explore.md). A step is an operation (op.h) or a timer step (the explorer waited for a
// due timer: scheduled send, soon notice, self-destruct, delayed X3DH delivery). Notifications
// are kept per explorer connection, in arrival order, in canonical form (normalize.h).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "conformance/explore/executor.h"
#include "conformance/explore/op.h"

namespace unm::conformance::explore {

// StepTrace — one step on both sides.
struct StepTrace {
  bool timer = false;  // a timer step (no operation)
  Op op;               // the operation (unused for timer steps)
  Micros started = 0;  // wall clock when the step began
  Micros waited = 0;   // timer steps: how long the explorer waited before comparing (µs)
  std::vector<Exchange> target, oracle;
  std::map<int, std::vector<std::string>> target_notes, oracle_notes;  // per connection
};

// DivergenceKind — how the target differed from the oracle at a step.
enum class DivergenceKind {
  ack,           // an ack's canonical result differs (or one side did not answer)
  missing_note,  // the oracle sent a notification the target did not (within the wait)
  extra_note,    // the target sent a notification the oracle did not
  note_order,    // the same notifications, in an order the spec fixes, arrived otherwise
  unreachable,   // the target could not be reached (connection refused): a harness error
};
std::string_view divergence_kind_name(DivergenceKind k);

// Divergence — the first difference of a sequence, with its evidence.
struct Divergence {
  DivergenceKind kind = DivergenceKind::ack;
  std::size_t step = 0;              // index into the sequence's steps
  int conn = -1;                     // the explorer connection concerned (user × 2 + slot)
  std::string subject;               // the event (ack) or notification name
  std::string op;                    // the step's operation (op_kind_name), "timer" or "register"
  std::string expected;              // the oracle's canonical text
  std::string actual;                // the target's canonical text
  std::vector<std::string> clauses;  // clauses of events.md the subject is governed by
  bool strict = true;  // false when every clause involved is Open (a reference choice)
  std::string diff;    // what differs, on one line (closest.h compact_diff), when computable
  // signature groups divergences of one cause: "explore.<op>.<subject>.<kind>" (e.g.
  // "explore.react.message_notification.missing-notification") — the key an expectations file
  // uses (conformance/expectations/*.json, globs allowed).
  std::string signature() const;
  // summary is one line for consoles and reports.
  std::string summary() const;
};

}  // namespace unm::conformance::explore
