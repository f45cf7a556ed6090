// recovery_phrase.h — the 24-word recovery phrase of a private key (crypto.md CR-KEY-005).
//
// A client convention, never on the wire: the deployed web client shows the phrase at
// registration and asks for it at login, so a user can carry an account between clients.
#pragma once

#include <string>
#include <string_view>

#include "reference/crypto/types.h"

namespace unm::crypto {

inline constexpr std::size_t kRecoveryPhraseWords = 24;  // 4 groups of 64 key bits + 2 parity bits

// encode_recovery_phrase is the 24 upper-case BIP-39 words of `priv`, joined by single spaces
// (CR-KEY-005).
std::string encode_recovery_phrase(const PrivateKey& priv);

// decode_recovery_phrase accepts any letter case and any run of ASCII whitespace between words;
// requires exactly 24 known words and matching parity (CR-KEY-005). Leading and trailing
// whitespace is ignored. Errors, in the order they are checked: phrase_word_count (not 24
// words), phrase_unknown_word (a word outside the BIP-39 English list), phrase_parity (a group's
// 2 parity bits differ from the sum of its bit pairs).
Result<PrivateKey> decode_recovery_phrase(std::string_view phrase);

}  // namespace unm::crypto
