// json_mutator.h — a structure-aware mutator for JSON texts (event payloads, scenario and vector
// files). Plain byte mutation mostly breaks JSON syntax, so the parser refuses the input before
// the code under test sees it; this mutator parses the text, changes one value the way a hostile
// or buggy client would (wrong type, missing or extra key, huge value, invalid hex, a point that
// is not on the curve, ...) and writes it back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace unm::fuzz {

// ByteMutator mutates data[0, size) in place (at most max_size bytes) and returns the new size:
// LLVMFuzzerMutate's signature.
using ByteMutator = std::size_t (*)(std::uint8_t* data, std::size_t size, std::size_t max_size);

// mutate_json returns a mutation of `text`, at most `max_size` bytes long. Text that is not
// JSON is mutated as bytes by `bytes`. `seed` makes the choice reproducible.
std::string mutate_json(std::string_view text, std::size_t max_size, unsigned seed,
                        ByteMutator bytes);

// custom_mutate_json is the body of a LLVMFuzzerCustomMutator for targets whose input is
// `prefix` raw bytes followed by JSON text: the prefix is byte-mutated now and then, the rest
// always as JSON. Returns the new size (written into data, at most max_size).
std::size_t custom_mutate_json(std::uint8_t* data, std::size_t size, std::size_t max_size,
                               unsigned seed, std::size_t prefix, ByteMutator bytes);

}  // namespace unm::fuzz
