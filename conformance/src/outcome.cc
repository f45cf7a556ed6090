// outcome.cc — see outcome.h.
#include "conformance/src/outcome.h"

#include <algorithm>

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

namespace {

std::string rows_text(const std::vector<int>& rows) {
  std::string s;
  for (int d : rows) s += (s.empty() ? "#" : ", #") + std::to_string(d);
  return s;
}

// pinned_by reports whether expectation `e` (which pins steps or clauses) covers violation `v`.
bool pinned_by(const Expectation& e, const Violation& v) {
  for (std::size_t st : e.steps) {
    if (st == v.step) return true;
  }
  for (const std::string& c : e.clauses) {
    for (const std::string& vc : v.clauses) {
      if (c == vc) return true;
    }
  }
  return false;
}

// The violations of a failed run; a run from an older engine may carry only the primary one.
std::vector<Violation> violations_of(const CaseRun& run) {
  if (!run.violations.empty()) return run.violations;
  Violation v;
  v.step = run.failed_step;
  v.basis = run.failed_basis;
  v.edge_case = run.edge_case;
  v.reason = run.reason;
  return {v};
}

}  // namespace

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
  const std::vector<Violation> vs = violations_of(run);
  if (expectation) {
    bool pins = !expectation->steps.empty() || !expectation->clauses.empty();
    if (!pins) {
      reason = expectation->reason + " — observed: " + run.reason;
      return Outcome::expected_fail;
    }
    bool met = false;
    for (const Violation& v : vs) {
      if (pinned_by(*expectation, v)) {
        met = true;
        continue;
      }
      // A violation the expectation does not name is a regression inside a listed case.
      reason = "not the expected failure (" + expectation->reason + "): step " +
               std::to_string(v.step) + ": " + v.reason;
      if (v.edge_case) return Outcome::lenient;
      return (v.basis == Basis::decided && !opts.strict) ? Outcome::non_strict : Outcome::fail;
    }
    if (met) {
      reason = expectation->reason + " — observed: " + run.reason;
      return Outcome::expected_fail;
    }
  }
  // Worst violation wins; the deployed profile accepts violations that name §12 rows.
  Outcome worst = Outcome::expected_fail;
  std::vector<int> accepted_rows;
  const Violation* worst_v = nullptr;
  auto rank = [](Outcome o) {
    switch (o) {
      case Outcome::fail:
        return 4;
      case Outcome::non_strict:
        return 3;
      case Outcome::lenient:
        return 2;
      default:
        return 1;
    }
  };
  for (const Violation& v : vs) {
    const std::vector<int>& rows = v.deviations.empty() ? deviations : v.deviations;
    Outcome o;
    if (v.edge_case) {
      // CR-SIG-003 / vectors.md: accepting a flagged edge case is lenient, never a failure.
      o = Outcome::lenient;
    } else if (opts.deployed_profile && !rows.empty()) {
      o = Outcome::expected_fail;
      for (int r : rows) {
        if (std::find(accepted_rows.begin(), accepted_rows.end(), r) == accepted_rows.end()) {
          accepted_rows.push_back(r);
        }
      }
    } else if (v.basis == Basis::decided && !opts.strict) {
      o = Outcome::non_strict;
    } else {
      o = Outcome::fail;
    }
    if (worst_v == nullptr || rank(o) > rank(worst)) {
      worst = o;
      worst_v = &v;
    }
  }
  if (worst == Outcome::expected_fail) {
    reason = "deployed profile accepts events.md §12 " + rows_text(accepted_rows) +
             " — observed: " + run.reason;
    return worst;
  }
  if (worst_v != nullptr && vs.size() > 1 && worst_v != &vs.front()) {
    reason = "step " + std::to_string(worst_v->step) + ": " + worst_v->reason +
             " (first: " + run.reason + ")";
  }
  return worst;
}

}  // namespace unm::conformance
