// outcome.h — case outcomes and the rules that turn a raw verdict into one.
//
// The engine produces a raw verdict per case (passed, failed at a step — with the step's basis
// and whether a vector edge-case flag applies —, skipped, or harness error). classify() then
// applies --strict, the profile and the expectations file, as Autobahn|Testsuite does with its
// NON-STRICT and expected-failure outcomes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "conformance/src/scenario.h"

namespace unm::conformance {

// Outcome is the reported result of one case.
enum class Outcome {
  pass,             // every step held
  fail,             // a `document` rule was violated (or any rule, with --strict)
  non_strict,       // a `decided` rule (Open point or robustness choice) was violated
  expected_fail,    // failed, and the expectations file (or profile) says it fails
  unexpected_pass,  // passed, but the expectations file says it fails
  skipped,          // the target does not offer a feature the case needs
  lenient,          // an invalid crypto edge case (vector flags) was accepted
  error,            // harness or network problem: no verdict about the server
};
std::string_view outcome_name(Outcome o);
// kAllOutcomes lists every outcome in report order (summaries, matrices).
inline constexpr Outcome kAllOutcomes[] = {Outcome::pass,
                                           Outcome::fail,
                                           Outcome::non_strict,
                                           Outcome::expected_fail,
                                           Outcome::unexpected_pass,
                                           Outcome::skipped,
                                           Outcome::lenient,
                                           Outcome::error};
// outcome_is_bad reports whether `o` makes the run exit 1 (fail, unexpected-pass).
bool outcome_is_bad(Outcome o);

// RawVerdict is the engine's verdict before classification.
enum class RawVerdict { passed, failed, skipped, error };

// Frame is one transcript line: an Engine.IO frame, or an engine note (step boundaries).
struct Frame {
  std::chrono::system_clock::time_point at;
  std::string actor;
  char dir = '>';  // '>' sent, '<' received, '#' note
  std::string text;
};

// Violation is one failed check of a case. Soft steps (scenario.h Step::hard) let a case go on,
// so one deviation never hides the next; the first violation is the case's primary one.
struct Violation {
  std::size_t step = 0;              // 1-based; 0 = setup
  Basis basis = Basis::document;     // severity: document -> fail, decided -> non-strict
  bool edge_case = false;            // acceptance of an invalid vector carrying edge-case flags
  std::string reason;                // one line, expected vs observed
  std::vector<std::string> clauses;  // the failing step's clauses (the case's when it names none)
  std::vector<int> deviations;       // the failing step's §12 rows (the case's when none)
};

// CaseRun is what the engine reports for one case.
struct CaseRun {
  RawVerdict verdict = RawVerdict::passed;
  Basis failed_basis = Basis::document;  // basis of the failing step (or $decided matcher)
  bool edge_case = false;  // failure = acceptance of an invalid vector carrying edge-case flags
  std::size_t failed_step = 0;  // 1-based; 0 when none
  std::string reason;
  std::vector<Violation> violations;      // every violation met, in step order (failed runs)
  std::vector<std::string> observations;  // per step, normalised (diff mode)
  std::vector<Frame> transcript;
  std::chrono::milliseconds duration{0};
};

// Expectation is one entry of an expectations file (see expectations.h).
// A `fail` entry pins the expected failure: the steps (1-based) and/or clauses that must fail,
// and the §12 rows that explain them. A violation elsewhere in the case is still `fail`. An entry
// that pins nothing accepts any failure (older files).
struct Expectation {
  enum class Kind { fail, skip } kind = Kind::fail;
  std::string reason;
  std::string pattern;  // the glob that matched
  std::vector<std::size_t> steps;
  std::vector<std::string> clauses;
  std::vector<int> rows;
};

// CaseResult is a classified case, as reporters see it.
struct CaseResult {
  std::string id;
  std::string title;
  std::vector<std::string> clauses;
  std::vector<std::string> tags;
  Basis basis = Basis::document;
  Outcome outcome = Outcome::pass;
  std::string reason;
  std::string rerun;  // one-line command that reruns only this case
  CaseRun run;
};

// ClassifyOptions are the run-wide switches that affect classification.
struct ClassifyOptions {
  bool strict = false;
  bool deployed_profile = false;
};

// classify turns `run` into an outcome. `expectation` is the matching expectations-file entry;
// `deviations` the events.md §12 rows of the case (the deployed profile accepts failures there;
// a violation at a step naming its own rows is accepted only when it names some).
Outcome classify(const CaseRun& run, const std::optional<Expectation>& expectation,
                 const std::vector<int>& deviations, const ClassifyOptions& opts,
                 std::string& reason);

}  // namespace unm::conformance
