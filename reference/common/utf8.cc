#include "reference/common/utf8.h"

#include <cstdint>

namespace unm {
namespace {

// decode_one reads one scalar value at s[i], advancing i; returns -1 when ill-formed.
long decode_one(std::string_view s, std::size_t& i) noexcept {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int extra;
  std::uint32_t cp;
  std::uint32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    extra = 1, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    extra = 2, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() - i <= static_cast<std::size_t>(extra)) return -1;
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  i += extra + 1;
  return static_cast<long>(cp);
}

}  // namespace

std::optional<std::size_t> utf8_scalar_count(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (decode_one(s, i) < 0) return std::nullopt;
    ++n;
  }
  return n;
}

bool utf8_has_control(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const long cp = decode_one(s, i);
    if (cp < 0) return true;  // ill-formed input is never acceptable where this is asked
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
  }
  return false;
}

}  // namespace unm
