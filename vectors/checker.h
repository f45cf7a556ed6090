// checker.h — checks a vector file of the vectors.md schema against unm_crypto.
//
// The checker reads any file of the schema, from any generator: it looks fields up by name,
// ignores unknown (informational) fields, and checks optional outputs only when present. Every
// output is recomputed with unm_crypto and compared as lowercase hex; every invalid test must be
// refused. A disagreement on a test flagged as an edge case (vectors.md) is reported `lenient`
// (the file says invalid, unm_crypto accepted) or `strict` (the file says valid, unm_crypto
// refused), never as a failure. The conventions VEC-001 … VEC-005 of vectors.md hold: either
// `private_tree` layout, own_storage sealed from `plaintext_json` byte for byte, a test that
// cannot be checked at all is `skipped` with its reason, a malformed test fails alone, and a
// different `send_fails_by` is a note.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm::vectors {

// Outcome is the verdict on one test. lenient and strict count as passed; skipped (VEC-003: no
// part of the test can be checked, e.g. every private key it would need is absent) counts as
// neither passed nor failed.
enum class Outcome { passed, failed, lenient, strict, skipped };

// outcome_name is "passed", "failed", "lenient", "strict" or "skipped".
std::string_view outcome_name(Outcome o) noexcept;

// TestResult is one test's verdict; `detail` (one line) says why for anything but a plain pass.
struct TestResult {
  std::int64_t id = 0;
  bool has_id = true;     // false when the test has no integer id, or one an earlier test has
                          // (VEC-004); `index` then names it
  std::size_t index = 0;  // the test's position in the file's `tests` array
  Outcome outcome = Outcome::passed;
  std::string detail;
  std::vector<std::string> flags;
  // notes are informational remarks that change no verdict: a different `send_fails_by`
  // (VEC-005), a side of the test that could not be checked (VEC-003).
  std::vector<std::string> notes;
};

// FileReport is the verdict on one file.
struct FileReport {
  std::string family;
  std::string generator;
  std::vector<TestResult> tests;

  std::size_t count(Outcome o) const noexcept;
  // passed counts passed, lenient and strict tests (none of them is a failure).
  std::size_t passed() const noexcept;
  std::size_t failed() const noexcept { return count(Outcome::failed); }
  std::size_t skipped() const noexcept { return count(Outcome::skipped); }
};

// SchemaError is why a file is not a vector file at all: not JSON, not an object, a missing or
// unknown family, an unsupported version, no `tests` array. `message` is one line. A malformed
// test (missing or mistyped field, no integer id, a duplicate id, a bad `result`) is not a
// SchemaError: that test fails alone with the reason as its detail (VEC-004).
struct SchemaError {
  std::string message;
};

// check_text checks the JSON text of one vector file. Call crypto::init() first.
Expected<FileReport, SchemaError> check_text(std::string_view json_text);

// check_file reads `path` and checks it; an unreadable file is a SchemaError.
Expected<FileReport, SchemaError> check_file(const std::string& path);

}  // namespace unm::vectors
