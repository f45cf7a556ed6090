// support_test.cc — the fuzzing helpers: ByteReader never reads past its input, and the JSON
// mutator stays within its size bound, is reproducible from its seed, and changes its input.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <vector>

#include "fuzz/support/fuzz_support.h"
#include "fuzz/support/json_mutator.h"

namespace {

// A deterministic stand-in for libFuzzer's byte mutator: flips the first byte.
std::size_t flip_first(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  if (size == 0) {
    if (max_size == 0) return 0;
    data[0] = 'x';
    return 1;
  }
  data[0] ^= 0x01;
  return size;
}

RC_GTEST_PROP(ByteReader, NeverReadsPastTheEnd, (std::vector<std::uint8_t> input)) {
  unm::fuzz::ByteReader in(input.data(), input.size());
  std::size_t consumed = 0;
  for (int i = 0; i < 64 && !in.empty(); ++i) {
    const std::size_t before = in.remaining();
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 40);
    RC_ASSERT(in.below(n) < n);
    auto b = in.bytes(n);
    RC_ASSERT(b.size() <= n);
    consumed += before - in.remaining();
  }
  RC_ASSERT(consumed <= input.size());
  RC_ASSERT(in.remaining() + consumed == input.size());
}

TEST(ByteReader, ZerosPastTheEnd) {
  const std::uint8_t one[] = {0x7f};
  unm::fuzz::ByteReader in(one, 1);
  EXPECT_EQ(in.u8(), 0x7f);
  EXPECT_EQ(in.u8(), 0);
  EXPECT_EQ(in.u64(), 0u);
  EXPECT_EQ(in.below(0), 0u);
  EXPECT_TRUE(in.string(10).empty());
  std::uint8_t buf[4] = {1, 2, 3, 4};
  in.fill(buf);
  EXPECT_EQ(buf[0] + buf[1] + buf[2] + buf[3], 0);
}

RC_GTEST_PROP(JsonMutator, BoundedAndReproducible, (unsigned seed, std::size_t max_extra)) {
  const std::string text = R"({"id":1,"message":"00ff","list":[1,"a",{"k":null}],"ok":true})";
  const std::size_t max_size = text.size() + max_extra % 256 + 1;
  const std::string a = unm::fuzz::mutate_json(text, max_size, seed, &flip_first);
  const std::string b = unm::fuzz::mutate_json(text, max_size, seed, &flip_first);
  RC_ASSERT(a.size() <= max_size);
  RC_ASSERT(a == b);
}

TEST(JsonMutator, ChangesTheInputAcrossSeeds) {
  const std::string text = R"([{"username":"alice","accept":true}])";
  std::size_t changed = 0;
  for (unsigned seed = 1; seed <= 50; ++seed) {
    if (unm::fuzz::mutate_json(text, 4096, seed, &flip_first) != text) ++changed;
  }
  EXPECT_GE(changed, 45u);
}

RC_GTEST_PROP(JsonMutator, CustomMutatorKeepsPrefixBound, (unsigned seed)) {
  std::vector<std::uint8_t> buf(512, 0);
  const char payload[] = "\x85[{\"id\":1}]";
  std::memcpy(buf.data(), payload, sizeof(payload) - 1);
  const std::size_t n = unm::fuzz::custom_mutate_json(buf.data(), sizeof(payload) - 1, buf.size(),
                                                      seed, 1, &flip_first);
  RC_ASSERT(n <= buf.size());
  RC_ASSERT(n >= 1u);
}

}  // namespace
