#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reference/common/hex.h"
#include "reference/common/utf8.h"

namespace unm {
namespace {

TEST(Hex, EncodesLowercase) {
  const std::vector<std::uint8_t> b{0x00, 0xab, 0xff, 0x10};
  EXPECT_EQ(to_hex(b), "00abff10");
}

TEST(Hex, RejectsUpperCaseOddLengthAndJunk) {
  EXPECT_EQ(from_hex("AB").error(), HexError::bad_character);
  EXPECT_EQ(from_hex("abc").error(), HexError::odd_length);
  EXPECT_EQ(from_hex("0x").error(), HexError::bad_character);
  EXPECT_EQ(from_hex(" 0").error(), HexError::bad_character);
  std::uint8_t out[2];
  EXPECT_EQ(from_hex_into("00", out).error(), HexError::wrong_length);
  EXPECT_TRUE(from_hex("").has_value());
}

RC_GTEST_PROP(Hex, RoundTrip, (const std::vector<std::uint8_t>& bytes)) {
  const auto hex = to_hex(bytes);
  RC_ASSERT(is_lower_hex(hex));
  const auto back = from_hex(hex);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == bytes);
}

// from_hex on arbitrary text agrees with a character-by-character model: every byte value is
// tried (the decoder uses a 256-entry table), with a bias towards hex digits and near misses.
RC_GTEST_PROP(Hex, DecodeAgreesWithAModel, ()) {
  const auto text = *rc::gen::container<std::string>(
      rc::gen::oneOf(rc::gen::elementOf(std::string("0123456789abcdef")),
                     rc::gen::elementOf(std::string("ABCDEFgG/:`@ ") + '\0' + '\xff'),
                     rc::gen::arbitrary<char>()));
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const auto got = from_hex(text);
  if (text.size() % 2 != 0) {
    RC_ASSERT(!got && got.error() == HexError::odd_length);
    return;
  }
  bool all_hex = true;
  for (char c : text) all_hex = all_hex && value(c) >= 0;
  RC_ASSERT(is_lower_hex(text) == all_hex);
  if (!all_hex) {
    RC_ASSERT(!got && got.error() == HexError::bad_character);
    return;
  }
  RC_ASSERT(got.has_value());
  for (std::size_t i = 0; i < got->size(); ++i)
    RC_ASSERT((*got)[i] ==
              static_cast<std::uint8_t>(value(text[2 * i]) * 16 + value(text[2 * i + 1])));
}

TEST(Utf8, CountsScalarValues) {
  EXPECT_EQ(utf8_scalar_count("abc"), 3u);
  EXPECT_EQ(utf8_scalar_count("\xc3\xa9t\xc3\xa9"), 3u);           // été
  EXPECT_EQ(utf8_scalar_count("\xf0\x9f\x98\x80"), 1u);            // U+1F600
  EXPECT_EQ(utf8_scalar_count("\xc0\xaf"), std::nullopt);          // overlong
  EXPECT_EQ(utf8_scalar_count("\xed\xa0\x80"), std::nullopt);      // surrogate
  EXPECT_EQ(utf8_scalar_count("\xf4\x90\x80\x80"), std::nullopt);  // > U+10FFFF
  EXPECT_EQ(utf8_scalar_count("\xe2\x82"), std::nullopt);          // truncated
}

TEST(Utf8, DetectsControlCharacters) {
  EXPECT_FALSE(utf8_has_control("Joe Blogs"));
  EXPECT_TRUE(utf8_has_control("a\nb"));
  EXPECT_TRUE(utf8_has_control("a\x7f"));
  EXPECT_TRUE(utf8_has_control("a\xc2\x85"));  // U+0085, C1
}

RC_GTEST_PROP(Utf8, RoundTripOfScalarValues, (const std::vector<std::uint32_t>& raw)) {
  std::string s;
  std::size_t n = 0;
  for (std::uint32_t r : raw) {
    std::uint32_t cp = r % 0x110000;
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    ++n;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  RC_ASSERT(utf8_scalar_count(s) == std::optional<std::size_t>(n));
}

}  // namespace
}  // namespace unm
