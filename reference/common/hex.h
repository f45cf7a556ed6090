// hex.h — lowercase hexadecimal encoding, as every key, signature and ciphertext on the wire is
// written (crypto.md: "Every value on the wire is a lowercase hex string").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm {

enum class HexError {
  odd_length,     // an odd number of characters
  bad_character,  // a character outside 0-9a-f (upper case included: the wire form is lowercase)
  wrong_length,   // decodes to a length other than the one required
};

// hex_error_name returns a short, stable, human-readable name of `e`.
std::string_view hex_error_name(HexError e);

// to_hex encodes `bytes` as lowercase hex.
std::string to_hex(std::span<const std::uint8_t> bytes);
std::string to_hex(std::string_view bytes);

// from_hex decodes lowercase hex (strict: no upper case, no whitespace, no prefix).
Expected<std::vector<std::uint8_t>, HexError> from_hex(std::string_view hex);

// from_hex_into decodes lowercase hex of exactly out.size() bytes into `out`.
Expected<void, HexError> from_hex_into(std::string_view hex, std::span<std::uint8_t> out);

// is_lower_hex reports whether `s` is non-strictly-empty-safe lowercase hex of even length.
bool is_lower_hex(std::string_view s) noexcept;

}  // namespace unm
