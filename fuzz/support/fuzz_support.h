// fuzz_support.h — what every fuzz target shares: the libFuzzer entry points' declarations, a
// reader that splits the fuzzer's bytes into typed values, and the invariant check that turns a
// broken oracle into a crash the fuzzer records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

extern "C" {
// LLVMFuzzerTestOneInput runs one input (defined by each target).
int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// LLVMFuzzerMutate is libFuzzer's own byte mutator (replay_main.cc supplies a deterministic one
// in the ordinary build), used by the structure-aware mutators for leaf values.
std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);
}

namespace unm::fuzz {

// check_failed reports a broken invariant and aborts: a fuzz target's oracle failing is a
// finding, and abort() is how libFuzzer (and the replay driver's CTest case) notices it.
[[noreturn]] inline void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

// ByteReader hands out the fuzzer's bytes as typed values, front to back. Reads past the end
// give zeros / empty strings, so a target never has to bounds-check.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  ByteReader(const std::uint8_t* data, std::size_t size) : bytes_(data, size) {}

  bool empty() const { return pos_ >= bytes_.size(); }
  std::size_t remaining() const { return empty() ? 0 : bytes_.size() - pos_; }

  std::uint8_t u8() { return empty() ? 0 : bytes_[pos_++]; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) | (std::uint32_t{u16()} << 16); }
  std::uint64_t u64() { return std::uint64_t{u32()} | (std::uint64_t{u32()} << 32); }
  bool boolean() { return (u8() & 1) != 0; }
  // below returns a value in [0, n) (0 when n is 0).
  std::size_t below(std::size_t n) { return n == 0 ? 0 : u32() % n; }

  // bytes returns the next `n` bytes (fewer at the end).
  std::span<const std::uint8_t> bytes(std::size_t n) {
    const std::size_t take = n < remaining() ? n : remaining();
    auto out = bytes_.subspan(pos_, take);
    pos_ += take;
    return out;
  }
  // fill copies the next out.size() bytes into `out`, zero-padding at the end of the input.
  void fill(std::span<std::uint8_t> out) {
    auto in = bytes(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = i < in.size() ? in[i] : 0;
  }
  // string returns a string of at most `max` bytes whose length is read first.
  std::string string(std::size_t max) {
    const std::size_t n = below(max + 1);
    auto b = bytes(n);
    return std::string(b.begin(), b.end());
  }
  // rest returns every byte not read yet.
  std::string_view rest() {
    auto b = bytes(remaining());
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace unm::fuzz

// UNM_FUZZ_CHECK aborts with the condition's text when `cond` is false (see check_failed).
#define UNM_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::unm::fuzz::check_failed(#cond, __FILE__, __LINE__))
