// recovery_phrase_test.cc — the 24-word recovery phrase (CR-KEY-005): the word list, known
// answers, round trip, and every way decoding must refuse a phrase.
#include "reference/crypto/recovery_phrase.h"

#include <sodium.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reference/crypto/bip39_english.h"
#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::priv_hex;

std::vector<std::string> split_words(const std::string& phrase) {
  std::istringstream in(phrase);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string join_words(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::string hex_of(const PrivateKey& k) {
  return unm::to_hex(k.bytes());
}

class RecoveryPhrase : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

// The committed list is the published BIP-39 English list: 2048 words, sorted (decoding relies
// on it), and the SHA-256 of its lower-case text form (one word per line) is the published one.
TEST_F(RecoveryPhrase, WordListIsTheBip39EnglishList) {
  ASSERT_EQ(kBip39English.size(), 2048u);
  EXPECT_TRUE(std::is_sorted(kBip39English.begin(), kBip39English.end()));
  EXPECT_EQ(std::set<std::string_view>(kBip39English.begin(), kBip39English.end()).size(), 2048u);
  EXPECT_EQ(kBip39English.front(), "ABANDON");
  EXPECT_EQ(kBip39English[1], "ABILITY");
  EXPECT_EQ(kBip39English.back(), "ZOO");
  std::string text;
  for (std::string_view w : kBip39English) {
    for (char c : w) text += static_cast<char>(c - 'A' + 'a');
    text += '\n';
  }
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size());
  EXPECT_EQ(unm::to_hex(digest),
            "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
}

TEST_F(RecoveryPhrase, ErrorNamesAreDistinct) {
  EXPECT_EQ(error_name(Error::phrase_word_count), "phrase_word_count");
  EXPECT_EQ(error_name(Error::phrase_unknown_word), "phrase_unknown_word");
  EXPECT_EQ(error_name(Error::phrase_parity), "phrase_parity");
}

// Known answers, computed by hand from CR-KEY-005 and confirmed with the deployed web client's
// keyToRecovery (docs/crypto.md, "Recovery phrase").
struct KnownAnswer {
  const char* key;
  const char* phrase;
};
const KnownAnswer kKnown[] = {
    // All-zero key: every 11-bit value is 0 and every parity is 0.
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON "
     "ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON ABANDON "
     "ABANDON ABANDON"},
    // All-0xff key: 32 fields of 3 sum to 96 ≡ 0, so each group is 64 ones then 00:
    // five words 2047 (ZOO) and 0b11111111100 = 2044 (ZEBRA).
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "ZOO ZOO ZOO ZOO ZOO ZEBRA ZOO ZOO ZOO ZOO ZOO ZEBRA ZOO ZOO ZOO ZOO ZOO ZEBRA "
     "ZOO ZOO ZOO ZOO ZOO ZEBRA"},
    // Only the last bit of each group set: parity 1, last word (1 << 2) | 1 = 5 (ABSENT).
    {"0000000000000001000000000000000100000000000000010000000000000001",
     "ABANDON ABANDON ABANDON ABANDON ABANDON ABSENT ABANDON ABANDON ABANDON ABANDON ABANDON "
     "ABSENT ABANDON ABANDON ABANDON ABANDON ABANDON ABSENT ABANDON ABANDON ABANDON ABANDON "
     "ABANDON ABSENT"},
    // Only the first bit of each group set: first word 1024 (LENGTH), field value 2, parity 2,
    // last word 2 (ABLE).
    {"8000000000000000800000000000000080000000000000008000000000000000",
     "LENGTH ABANDON ABANDON ABANDON ABANDON ABLE LENGTH ABANDON ABANDON ABANDON ABANDON ABLE "
     "LENGTH ABANDON ABANDON ABANDON ABANDON ABLE LENGTH ABANDON ABANDON ABANDON ABANDON ABLE"},
    // Mixed bits (the web client's keyToRecovery gives the same phrase).
    {"0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0",
     "ABUSE BOSS FLY BATTLE RUBBER WASP YARD TOTAL PLASTIC UNCOVER DRIP AMOUNT AUDIT VAPOR EXCUSE "
     "NOTE PLEDGE ROSE MAPLE RELEASE HONEY MARBLE COME WAY"},
};

TEST_F(RecoveryPhrase, KnownAnswers) {
  for (const auto& ka : kKnown) {
    SCOPED_TRACE(ka.key);
    EXPECT_EQ(encode_recovery_phrase(priv_hex(ka.key)), ka.phrase);
    auto back = decode_recovery_phrase(ka.phrase);
    ASSERT_TRUE(back.has_value()) << error_name(back.error());
    EXPECT_EQ(hex_of(*back), ka.key);
  }
}

TEST_F(RecoveryPhrase, PhraseIs24UpperCaseListWordsJoinedBySingleSpaces) {
  const std::string phrase = encode_recovery_phrase(
      priv_hex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0"));
  EXPECT_EQ(phrase.find("  "), std::string::npos);
  EXPECT_NE(phrase.front(), ' ');
  EXPECT_NE(phrase.back(), ' ');
  const auto words = split_words(phrase);
  ASSERT_EQ(words.size(), 24u);
  for (const auto& w : words)
    EXPECT_TRUE(std::binary_search(kBip39English.begin(), kBip39English.end(), w)) << w;
  EXPECT_EQ(join_words(words), phrase);
}

RC_GTEST_FIXTURE_PROP(RecoveryPhrase, RoundTripsEveryKey, ()) {
  const auto raw =
      *rc::gen::container<std::array<std::uint8_t, 32>>(rc::gen::arbitrary<std::uint8_t>());
  const PrivateKey key(raw);
  const std::string phrase = encode_recovery_phrase(key);
  RC_ASSERT(split_words(phrase).size() == 24u);
  const auto back = decode_recovery_phrase(phrase);
  RC_ASSERT(back.has_value());
  RC_ASSERT(hex_of(*back) == hex_of(key));
}

// Any letter case and any run of ASCII whitespace decode to the same key.
RC_GTEST_FIXTURE_PROP(RecoveryPhrase, AcceptsAnyCaseAndWhitespace, ()) {
  const auto raw =
      *rc::gen::container<std::array<std::uint8_t, 32>>(rc::gen::arbitrary<std::uint8_t>());
  const PrivateKey key(raw);
  auto words = split_words(encode_recovery_phrase(key));
  const auto lower =
      *rc::gen::container<std::vector<bool>>(words.size() * 8, rc::gen::arbitrary<bool>());
  std::string phrase = *rc::gen::element<std::string>("", " ", "\t", "\n ");
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (std::size_t j = 0; j < words[i].size(); ++j)
      if (lower[i * 8 + j]) words[i][j] = static_cast<char>(words[i][j] - 'A' + 'a');
    phrase += words[i];
    phrase += *rc::gen::element<std::string>(" ", "  ", "\t", "\r\n", " \n\t ", "\f\v");
  }
  const auto back = decode_recovery_phrase(phrase);
  RC_ASSERT(back.has_value());
  RC_ASSERT(hex_of(*back) == hex_of(key));
}

TEST_F(RecoveryPhrase, LowerCaseAndMixedCaseDecode) {
  const auto key = priv_hex("8000000000000000800000000000000080000000000000008000000000000000");
  std::string phrase = encode_recovery_phrase(key);
  std::string lower = phrase;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto a = decode_recovery_phrase(lower);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(hex_of(*a), hex_of(key));
  auto b = decode_recovery_phrase(
      "  Length abandon ABANDON aBaNdOn abandon able\tlength abandon abandon abandon abandon able "
      "lEngth abandon abandon abandon abandon able\nLENGTH abandon abandon abandon abandon Able\n");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(hex_of(*b), hex_of(key));
}

TEST_F(RecoveryPhrase, RefusesAnyWordCountButTwentyFour) {
  const auto words = split_words(encode_recovery_phrase(
      priv_hex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0")));
  for (std::size_t n : {0u, 1u, 6u, 12u, 18u, 23u, 25u, 30u, 48u}) {
    std::vector<std::string> w;
    for (std::size_t i = 0; i < n; ++i) w.push_back(words[i % 24]);
    auto r = decode_recovery_phrase(join_words(w));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error(), Error::phrase_word_count) << n;
  }
  EXPECT_EQ(decode_recovery_phrase("   \t\n").error(), Error::phrase_word_count);
}

TEST_F(RecoveryPhrase, RefusesAWordOutsideTheList) {
  auto words = split_words(encode_recovery_phrase(
      priv_hex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0")));
  // Near misses of list words, a word of RFC 1751's own list, an empty-looking word, non-ASCII.
  for (const char* bad : {"ABANDONS", "ZOOS", "ABANDO", "ABE", "AAAAAAAAAAAAAAAA", "ABAND0N",
                          "caf\xc3\xa9", "ABANDON,"}) {
    for (std::size_t pos : {0u, 11u, 23u}) {
      auto w = words;
      w[pos] = bad;
      auto r = decode_recovery_phrase(join_words(w));
      ASSERT_FALSE(r.has_value()) << bad << " at " << pos;
      EXPECT_EQ(r.error(), Error::phrase_unknown_word) << bad << " at " << pos;
    }
  }
}

// Replacing one word by another changes its 11 bits. The decoder must refuse every such phrase
// whose group parity no longer matches, and accept exactly those whose parity still matches
// (they are the phrases of other keys, which the scheme cannot tell apart).
TEST_F(RecoveryPhrase, EverySingleWordSubstitutionThatBreaksParityIsRefused) {
  const auto key = priv_hex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0");
  const auto words = split_words(encode_recovery_phrase(key));
  std::size_t refused = 0, accepted = 0;
  for (std::size_t pos = 0; pos < 24; ++pos) {
    for (std::string_view replacement : kBip39English) {
      if (replacement == words[pos]) continue;
      auto w = words;
      w[pos] = std::string(replacement);
      const std::string phrase = join_words(w);
      auto r = decode_recovery_phrase(phrase);
      if (r.has_value()) {
        // An accepted substitute must be a faithful encoding of another key.
        ++accepted;
        ASSERT_EQ(encode_recovery_phrase(*r), phrase);
        ASSERT_NE(hex_of(*r), hex_of(key));
      } else {
        ++refused;
        ASSERT_EQ(r.error(), Error::phrase_parity) << pos << " " << replacement;
      }
    }
  }
  // The 2 parity bits catch about 3 in 4 substitutions.
  EXPECT_EQ(accepted + refused, 24u * 2047u);
  EXPECT_GT(refused, accepted * 2);
}

// A change of only the parity bits (the two low bits of a group's last word) is always refused.
TEST_F(RecoveryPhrase, ParityBitsAreCheckedInEachGroup) {
  const auto key = priv_hex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0");
  const auto words = split_words(encode_recovery_phrase(key));
  for (std::size_t group = 0; group < 4; ++group) {
    const std::size_t pos = group * 6 + 5;
    const auto it = std::lower_bound(kBip39English.begin(), kBip39English.end(), words[pos]);
    const std::size_t index = static_cast<std::size_t>(it - kBip39English.begin());
    for (std::size_t p = 0; p < 4; ++p) {
      const std::size_t other = (index & ~std::size_t{3}) | p;
      if (other == index) continue;
      auto w = words;
      w[pos] = std::string(kBip39English[other]);
      auto r = decode_recovery_phrase(join_words(w));
      ASSERT_FALSE(r.has_value()) << group << " " << p;
      EXPECT_EQ(r.error(), Error::phrase_parity);
    }
  }
}

// Rules are checked in a fixed order, so the error names the first rule the phrase breaks.
TEST_F(RecoveryPhrase, ErrorsAreReportedInTheOrderCountWordParity) {
  auto words = split_words(encode_recovery_phrase(
      priv_hex("0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0")));
  words[5] = "ABOUT";  // may or may not break parity; unknown word and count come first
  words[0] = "NOTAWORD";
  EXPECT_EQ(decode_recovery_phrase(join_words(words)).error(), Error::phrase_unknown_word);
  words.pop_back();
  EXPECT_EQ(decode_recovery_phrase(join_words(words)).error(), Error::phrase_word_count);
}

}  // namespace
}  // namespace unm::crypto
