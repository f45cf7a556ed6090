// scenario_writer.h — turns a shrunk explored sequence into an ordinary scenario file
// (docs/conformance.md "Scenario files"; docs/explore.md "Scenario files written by explore"):
// the runner's own clients re-create the sequence (actors u<i>, u<i>b), and every step checks
// what the oracle answered and notified, in matchers made from the canonical form
// (normalize.h). Replayed with `unmanageable-conformance run --scenarios FILE --target URL`, the
// scenario fails against the target that diverged and passes against a correct server.
#pragma once

#include <string>
#include <vector>

#include "conformance/explore/trace.h"

namespace unm::conformance::explore {

// ScenarioInput — one shrunk sequence and the divergence it shows.
struct ScenarioInput {
  std::string id;                // scenario id, e.g. "explore.get-message-history.ack.s42"
  std::string title;             // one line
  std::vector<StepTrace> steps;  // the shrunk sequence as run: the ORACLE side is the truth
  Divergence divergence;         // the difference found (its step index is into `steps`)
  std::string found_by;          // the explore command line, for the description
};

// write_scenario returns the JSON text of one scenario object (docs/conformance.md) whose steps
// re-create the sequence with the runner's own clients and check, at every step, what the oracle
// answered and notified; at the divergence step the check is the one the target failed.
std::string write_scenario(const ScenarioInput& in);

}  // namespace unm::conformance::explore
