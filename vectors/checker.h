// checker.h — checks a vector file of the vectors.md schema against unm_crypto.
//
// The checker reads any file of the schema, from any generator: it looks fields up by name,
// ignores unknown (informational) fields, and checks optional outputs only when present. Every
// output is recomputed with unm_crypto and compared as lowercase hex; every invalid test must be
// refused. A disagreement on a test flagged as an edge case (vectors.md) is reported `lenient`
// (the file says invalid, unm_crypto accepted) or `strict` (the file says valid, unm_crypto
// refused), never as a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm::vectors {

// Outcome is the verdict on one test. lenient and strict count as passed.
enum class Outcome { passed, failed, lenient, strict };

// outcome_name is "passed", "failed", "lenient" or "strict".
std::string_view outcome_name(Outcome o) noexcept;

// TestResult is one test's verdict; `detail` says why for anything but a plain pass.
struct TestResult {
  std::int64_t id = 0;
  Outcome outcome = Outcome::passed;
  std::string detail;
  std::vector<std::string> flags;
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
};

// SchemaError is why a file is not a vector file: not JSON, an unknown family, a missing or
// mistyped field, a duplicate id. `message` is one line.
struct SchemaError {
  std::string message;
};

// check_text checks the JSON text of one vector file. Call crypto::init() first.
Expected<FileReport, SchemaError> check_text(std::string_view json_text);

// check_file reads `path` and checks it; an unreadable file is a SchemaError.
Expected<FileReport, SchemaError> check_file(const std::string& path);

}  // namespace unm::vectors
