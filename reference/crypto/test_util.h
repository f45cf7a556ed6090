// test_util.h — helpers shared by the crypto tests (not part of the library).
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/hex.h"
#include "reference/common/utf8.h"
#include "reference/crypto/crypto.h"

namespace unm::crypto::test {

// bytes decodes hex that the test itself wrote; a typo fails the test instead of crashing it.
inline std::vector<std::uint8_t> bytes(std::string_view hex) {
  auto r = unm::from_hex(hex);
  EXPECT_TRUE(r.has_value()) << "bad hex in test: " << hex;
  return r ? *r : std::vector<std::uint8_t>{};
}

// array32 decodes 64 hex characters into 32 raw bytes (no point validation).
inline std::array<std::uint8_t, 32> array32(std::string_view hex) {
  std::array<std::uint8_t, 32> a{};
  EXPECT_TRUE(unm::from_hex_into(hex, a).has_value()) << "bad hex in test: " << hex;
  return a;
}

inline PrivateKey priv_hex(std::string_view hex) {
  return PrivateKey(array32(hex));
}

inline Signature sig_hex(std::string_view hex) {
  Signature s{};
  EXPECT_TRUE(unm::from_hex_into(hex, s).has_value()) << "bad hex in test: " << hex;
  return s;
}

// Member is a registered user: identity and signed-prekey privs and the published bundle.
struct Member {
  PrivateKey ik;
  PrivateKey spk;
  PreKeyBundle bundle;
};

inline Member make_member(Random& rng) {
  Member m{generate_private_key(rng), generate_private_key(rng), {}};
  m.bundle.ik = public_key(m.ik);
  m.bundle.spk = public_key(m.spk);
  m.bundle.sig = sign(m.ik, m.bundle.spk);
  return m;
}

// gen_private_key generates 32 arbitrary bytes (every byte string is a valid seed).
inline rc::Gen<PrivateKey> gen_private_key() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::uint8_t>>(32, rc::gen::arbitrary<std::uint8_t>()),
      [](const std::vector<std::uint8_t>& v) {
        PrivateKey k;
        std::copy(v.begin(), v.end(), k.data());
        return k;
      });
}

// Known points (facts): the identity, a point of order 8 (y = y8) and the base point B.
inline constexpr std::string_view kIdentityHex =
    "0100000000000000000000000000000000000000000000000000000000000000";
inline constexpr std::string_view kOrder8Hex =
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";
inline constexpr std::string_view kOrder2Hex =
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
inline constexpr std::string_view kBaseHex =
    "5866666666666666666666666666666666666666666666666666666666666666";
// L, little-endian.
inline constexpr std::string_view kOrderLHex =
    "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

// check_with_count runs a RapidCheck property inside the current GoogleTest test with
// `count` cases instead of the default 100 (for properties whose single case is expensive). An
// explicit RC_PARAMS max_success other than the default still wins, as do its seed and size.
template <class Testable>
void check_with_count(Testable&& testable, int count) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (params.maxSuccess == rc::detail::TestParams{}.maxSuccess) params.maxSuccess = count;
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    FAIL() << ss.str();
  }
}

}  // namespace unm::crypto::test

// UNM_RC_GTEST_PROP_N is RC_GTEST_PROP with an explicit number of cases.
#define UNM_RC_GTEST_PROP_N(TestCase, Name, Count, ArgList)                       \
  void unmRcProp_##TestCase##_##Name ArgList;                                     \
  TEST(TestCase, Name) {                                                          \
    ::unm::crypto::test::check_with_count(&unmRcProp_##TestCase##_##Name, Count); \
  }                                                                               \
  void unmRcProp_##TestCase##_##Name ArgList
