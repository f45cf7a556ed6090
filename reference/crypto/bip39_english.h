// bip39_english.h — the BIP-39 English word list, the alphabet of the recovery phrase (CR-KEY-005).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace unm::crypto {

inline constexpr std::size_t kBip39WordCount = 2048;  // 11 bits per word

// kBip39English is the BIP-39 English list in its published order (index = the 11-bit value),
// upper case, as the phrase is written. The list is sorted, so a word can be found by binary
// search.
extern const std::array<std::string_view, kBip39WordCount> kBip39English;

}  // namespace unm::crypto
