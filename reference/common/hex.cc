#include "reference/common/hex.h"

#include <array>

namespace unm {
namespace {
constexpr char kDigits[] = "0123456789abcdef";

// kNibble maps every byte to its value as a lowercase hex digit, or -1. A table rather than range
// tests: on random hex the digit/letter branch is unpredictable, and the mispredictions made
// decoding a 64 KiB ciphertext cost several times the AES-GCM decryption itself.
constexpr auto kNibble = [] {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
  return t;
}();

int nibble(char c) noexcept {
  return kNibble[static_cast<unsigned char>(c)];
}
}  // namespace

std::string_view hex_error_name(HexError e) {
  switch (e) {
    case HexError::odd_length:
      return "odd hex length";
    case HexError::bad_character:
      return "character outside lowercase hex";
    case HexError::wrong_length:
      return "wrong decoded length";
  }
  return "hex error";
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  return to_hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                              bytes.size()));
}

Expected<void, HexError> from_hex_into(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() % 2 != 0) return Unexpected{HexError::odd_length};
  if (hex.size() / 2 != out.size()) return Unexpected{HexError::wrong_length};
  int bad = 0;  // accumulated, so the loop has no data-dependent branch
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    bad |= hi | lo;
    out[i] = static_cast<std::uint8_t>(((hi & 0x0f) << 4) | (lo & 0x0f));
  }
  if (bad < 0) return Unexpected{HexError::bad_character};
  return {};
}

Expected<std::vector<std::uint8_t>, HexError> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Unexpected{HexError::odd_length};
  std::vector<std::uint8_t> out(hex.size() / 2);
  if (auto r = from_hex_into(hex, out); !r) return Unexpected{r.error()};
  return out;
}

bool is_lower_hex(std::string_view s) noexcept {
  if (s.size() % 2 != 0) return false;
  for (char c : s)
    if (nibble(c) < 0) return false;
  return true;
}

}  // namespace unm
