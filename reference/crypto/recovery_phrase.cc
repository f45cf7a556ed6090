// recovery_phrase.cc — CR-KEY-005: RFC 1751's scheme (64 bits + 2 parity bits → six 11-bit
// words) applied to each 8-byte group of the key, with the BIP-39 English list as alphabet.
#include "reference/crypto/recovery_phrase.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "reference/crypto/bip39_english.h"

namespace unm::crypto {
namespace {

constexpr std::size_t kGroupBytes = 8;
constexpr std::size_t kWordsPerGroup = 6;  // 6 × 11 = 66 bits = 64 key bits + 2 parity bits
constexpr std::size_t kGroups = kPrivateKeyBytes / kGroupBytes;
static_assert(kGroups * kWordsPerGroup == kRecoveryPhraseWords);
constexpr std::size_t kLongestWord = 8;  // of the BIP-39 English list

// parity is the sum of the 32 two-bit fields of `group`, mod 4 (CR-KEY-005).
unsigned parity(std::uint64_t group) {
  unsigned sum = 0;
  for (int shift = 0; shift < 64; shift += 2) sum += static_cast<unsigned>((group >> shift) & 3u);
  return sum & 3u;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// word_index finds `word` (any ASCII case) in the list; -1 when it is not a word of the list.
int word_index(std::string_view word) {
  if (word.empty() || word.size() > kLongestWord) return -1;
  std::array<char, kLongestWord> upper{};
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    upper[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  const std::string_view key(upper.data(), word.size());
  const auto it = std::lower_bound(kBip39English.begin(), kBip39English.end(), key);
  const int index =
      (it != kBip39English.end() && *it == key) ? static_cast<int>(it - kBip39English.begin()) : -1;
  sodium_memzero(upper.data(), upper.size());  // a word of a secret phrase
  return index;
}

}  // namespace

std::string encode_recovery_phrase(const PrivateKey& priv) {
  std::string phrase;
  phrase.reserve(kRecoveryPhraseWords * (kLongestWord + 1));
  const auto bytes = priv.bytes();
  for (std::size_t g = 0; g < kGroups; ++g) {
    std::uint64_t group = 0;  // big-endian: bit 0 of the scheme is the MSB of the first byte
    for (std::size_t i = 0; i < kGroupBytes; ++i) group = (group << 8) | bytes[g * kGroupBytes + i];
    // The 66-bit number is (group << 2) | parity; word k holds its bits 65-11k … 55-11k.
    std::array<unsigned, kWordsPerGroup> words{};
    for (std::size_t k = 0; k + 1 < kWordsPerGroup; ++k)
      words[k] = static_cast<unsigned>((group >> (53 - 11 * k)) & 0x7ffu);
    words[kWordsPerGroup - 1] = static_cast<unsigned>(((group & 0x1ffu) << 2) | parity(group));
    for (unsigned w : words) {
      if (!phrase.empty()) phrase += ' ';
      phrase += kBip39English[w];
    }
    sodium_memzero(&group, sizeof group);
    sodium_memzero(words.data(), sizeof words);
  }
  return phrase;
}

Result<PrivateKey> decode_recovery_phrase(std::string_view phrase) {
  // Split on runs of ASCII whitespace; count before looking words up (the first rule that fails
  // is the one reported, in the order count, unknown word, parity).
  std::array<std::string_view, kRecoveryPhraseWords> tokens{};
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < phrase.size()) {
    while (i < phrase.size() && is_ascii_space(phrase[i])) ++i;
    if (i == phrase.size()) break;
    const std::size_t start = i;
    while (i < phrase.size() && !is_ascii_space(phrase[i])) ++i;
    if (count == kRecoveryPhraseWords) return Unexpected{Error::phrase_word_count};
    tokens[count++] = phrase.substr(start, i - start);
  }
  if (count != kRecoveryPhraseWords) return Unexpected{Error::phrase_word_count};

  std::array<std::uint16_t, kRecoveryPhraseWords> indices{};
  for (std::size_t k = 0; k < kRecoveryPhraseWords; ++k) {
    const int index = word_index(tokens[k]);
    if (index < 0) return Unexpected{Error::phrase_unknown_word};
    indices[k] = static_cast<std::uint16_t>(index);
  }

  PrivateKey priv;
  auto out = priv.mutable_bytes();
  bool parity_ok = true;
  for (std::size_t g = 0; g < kGroups && parity_ok; ++g) {
    const std::uint16_t* w = &indices[g * kWordsPerGroup];
    std::uint64_t group = 0;
    for (std::size_t k = 0; k + 1 < kWordsPerGroup; ++k)
      group |= static_cast<std::uint64_t>(w[k]) << (53 - 11 * k);
    group |= static_cast<std::uint64_t>(w[kWordsPerGroup - 1]) >> 2;
    parity_ok = (w[kWordsPerGroup - 1] & 3u) == parity(group);
    for (std::size_t b = 0; b < kGroupBytes; ++b)
      out[g * kGroupBytes + b] = static_cast<std::uint8_t>(group >> (56 - 8 * b));
    sodium_memzero(&group, sizeof group);
  }
  sodium_memzero(indices.data(), sizeof indices);
  if (!parity_ok) return Unexpected{Error::phrase_parity};  // `priv` wipes itself
  return priv;
}

}  // namespace unm::crypto
