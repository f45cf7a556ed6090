// scenario_file_fuzzer.cc — the conformance scenario loader (docs/conformance.md) on arbitrary
// text: a corrupt scenario file must give a LoadError naming the file, never a crash.
//
// Oracles: an error names the file it was given and says what is wrong; a loaded scenario has
// an id, every step's index is its position, and step bodies point into the scenario's own
// document (kept alive by `source`). A structure-aware mutator mutates JSON values.
#include "conformance/src/scenario.h"
#include "fuzz/support/fuzz_support.h"
#include "fuzz/support/json_mutator.h"

namespace conformance = unm::conformance;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.json";
  auto scenarios = conformance::parse_scenarios(text, file);
  if (!scenarios) {
    UNM_FUZZ_CHECK(scenarios.error().file == file);
    UNM_FUZZ_CHECK(!scenarios.error().message.empty());
    return 0;
  }
  for (const auto& s : *scenarios) {
    UNM_FUZZ_CHECK(!s.id.empty());
    UNM_FUZZ_CHECK(s.source != nullptr);
    UNM_FUZZ_CHECK(!conformance::basis_name(s.basis).empty());
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
      UNM_FUZZ_CHECK(s.steps[i].index == i);
      UNM_FUZZ_CHECK(!conformance::step_kind_name(s.steps[i].kind).empty());
    }
  }
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned seed) {
  return unm::fuzz::custom_mutate_json(data, size, max_size, seed, 0, &LLVMFuzzerMutate);
}
