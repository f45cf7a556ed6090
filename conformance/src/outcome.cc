// outcome.cc — see outcome.h.
#include "conformance/src/outcome.h"

namespace unm::conformance {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::pass:
      return "pass";
    case Outcome::fail:
      return "fail";
    case Outcome::non_strict:
      return "non-strict";
    case Outcome::expected_fail:
      return "expected-fail";
    case Outcome::unexpected_pass:
      return "unexpected-pass";
    case Outcome::skipped:
      return "skipped";
    case Outcome::lenient:
      return "lenient";
    case Outcome::error:
      return "error";
  }
  return "?";
}

bool outcome_is_bad(Outcome o) {
  return o == Outcome::fail || o == Outcome::unexpected_pass;
}

Outcome classify(const CaseRun& run, const std::optional<Expectation>& expectation,
                 const std::vector<int>& deviations, const ClassifyOptions& opts,
                 std::string& reason) {
  reason = run.reason;
  if (expectation && expectation->kind == Expectation::Kind::skip) {
    reason = "expectations: " + expectation->reason;
    return Outcome::skipped;
  }
  switch (run.verdict) {
    case RawVerdict::skipped:
      return Outcome::skipped;
    case RawVerdict::error:
      return Outcome::error;
    case RawVerdict::passed:
      if (expectation) {
        reason = "expected to fail (" + expectation->reason + ") but passed";
        return Outcome::unexpected_pass;
      }
      return Outcome::pass;
    case RawVerdict::failed:
      break;
  }
  if (expectation) {
    reason = expectation->reason + " — observed: " + run.reason;
    return Outcome::expected_fail;
  }
  if (opts.deployed_profile && !deviations.empty()) {
    std::string rows;
    for (int d : deviations) rows += (rows.empty() ? "#" : ", #") + std::to_string(d);
    reason = "deployed profile accepts events.md §12 " + rows + " — observed: " + run.reason;
    return Outcome::expected_fail;
  }
  // CR-SIG-003 / vectors.md: accepting a flagged edge case is lenient, never a failure.
  if (run.edge_case) return Outcome::lenient;
  if (run.failed_basis == Basis::decided && !opts.strict) return Outcome::non_strict;
  return Outcome::fail;
}

}  // namespace unm::conformance
