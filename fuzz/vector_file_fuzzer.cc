// vector_file_fuzzer.cc — the test-vector file parser and checker (vectors.md) on arbitrary
// text: a hostile or corrupt vector file must give a SchemaError or a report, never a crash.
//
// Oracles: a schema error has a one-line, non-empty message; a report's counts add up (every
// test has exactly one outcome); the ids reported as ids are unique (vectors.md VEC-004: a test
// repeating an id fails alone and is named by its position); every verdict other than a pass has
// a one-line reason. A structure-aware mutator mutates the JSON values of the committed vector
// files.
#include <set>

#include "fuzz/support/fuzz_support.h"
#include "fuzz/support/json_mutator.h"
#include "reference/crypto/keys.h"
#include "vectors/checker.h"

namespace vectors = unm::vectors;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!unm::crypto::init()) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = vectors::check_text(text);
  if (!report) {
    UNM_FUZZ_CHECK(!report.error().message.empty());
    UNM_FUZZ_CHECK(report.error().message.find('\n') == std::string::npos);
    return 0;
  }
  std::size_t total = 0;
  for (auto o : {vectors::Outcome::passed, vectors::Outcome::failed, vectors::Outcome::lenient,
                 vectors::Outcome::strict, vectors::Outcome::skipped}) {
    total += report->count(o);
    UNM_FUZZ_CHECK(!vectors::outcome_name(o).empty());
  }
  UNM_FUZZ_CHECK(total == report->tests.size());
  UNM_FUZZ_CHECK(report->passed() + report->failed() + report->skipped() == total);
  std::set<std::int64_t> ids;
  for (const auto& t : report->tests) {
    if (t.has_id) UNM_FUZZ_CHECK(ids.insert(t.id).second);
    UNM_FUZZ_CHECK(t.outcome == vectors::Outcome::passed || !t.detail.empty());
    UNM_FUZZ_CHECK(t.detail.find('\n') == std::string::npos);
  }
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned seed) {
  return unm::fuzz::custom_mutate_json(data, size, max_size, seed, 0, &LLVMFuzzerMutate);
}
