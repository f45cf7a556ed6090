// generator.h — writes every vector family of vectors.md deterministically from a seed.
//
// Every random value (keys, ephemerals, padding leaves, IVs, scalars, messages) is drawn from a
// crypto::DeterministicRandom keyed by SHA-256("unm_vectors/<family>/<seed>"), so each family is
// reproducible on its own and the same seed gives byte-identical files.
#pragma once

#include <cstdint>
#include <string>

#include "reference/common/expected.h"
#include "reference/crypto/error.h"
#include "vectors/family.h"

namespace unm::vectors {

// kGeneratorTool and kGeneratorVersion name this generator in every file's `generator` field.
inline constexpr std::string_view kGeneratorTool = "unm_vectors";
inline constexpr std::string_view kGeneratorVersion = "1.0.0";
// kDefaultSeed is the seed of the committed files in vectors/data.
inline constexpr std::uint64_t kDefaultSeed = 20260101;

// GenerateError says which step of generation failed and the crypto error behind it. Generation
// only fails when unm_crypto refuses an input the generator made to be valid (a library bug).
struct GenerateError {
  crypto::Error error = crypto::Error::internal;
  std::string step;
};

// generate_family returns the complete JSON text (pretty-printed, newline-terminated) of family
// `f` for `seed`. Call crypto::init() first.
Expected<std::string, GenerateError> generate_family(Family f, std::uint64_t seed);

}  // namespace unm::vectors
