// utf8.h — UTF-8 validation and scalar-value counting. Lengths in the protocol's limits are
// counted in Unicode scalar values (events.md EV-TRN-018).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace unm {

// utf8_scalar_count returns the number of Unicode scalar values in `s`, or nullopt when `s` is
// not well-formed UTF-8 (overlong forms, surrogates and values above U+10FFFF are ill-formed).
std::optional<std::size_t> utf8_scalar_count(std::string_view s) noexcept;

// is_valid_utf8 reports whether `s` is well-formed UTF-8.
inline bool is_valid_utf8(std::string_view s) noexcept {
  return utf8_scalar_count(s).has_value();
}

// utf8_has_control reports whether well-formed `s` holds a C0/C1 control character or U+007F.
bool utf8_has_control(std::string_view s) noexcept;

}  // namespace unm
