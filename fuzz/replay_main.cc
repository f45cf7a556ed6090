// replay_main.cc — the ordinary-build driver of a fuzz target: it runs every file given (and
// every regular file below each directory given) through LLVMFuzzerTestOneInput, so the seed
// corpus and every regression input keep being checked by CTest without clang or libFuzzer.
//
// When the target has a structure-aware LLVMFuzzerCustomMutator, each file is also mutated a few
// times with fixed seeds and the mutants are run too: that exercises the mutator in the gcc build
// and gives a little deterministic fuzzing for free.
//
// usage: fuzz_<name> [--mutants N] <file-or-dir>...
// exit status: 0 every input ran; 1 no input found or a file unreadable; a crash or abort in
// the target ends the process as it would under libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz/support/fuzz_support.h"

extern "C" {
// Optional entry points of a target (weak: absent in most targets).
__attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
__attribute__((weak)) std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                                          std::size_t max_size, unsigned seed);

// LLVMFuzzerMutate stands in for libFuzzer's byte mutator: a deterministic mix of bit flips,
// byte changes, insertions and truncation, seeded from the data so replays are reproducible.
std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  std::uint32_t h = 2166136261u;  // FNV-1a over the input picks the mutation
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
  std::minstd_rand rng(h | 1u);
  if (max_size == 0) return 0;
  switch (rng() % 4) {
    case 0:
      if (size > 0) data[rng() % size] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      return size;
    case 1:
      if (size > 0) data[rng() % size] = static_cast<std::uint8_t>(rng());
      return size;
    case 2:
      if (size < max_size) {
        const std::size_t at = size == 0 ? 0 : rng() % (size + 1);
        std::copy_backward(data + at, data + size, data + size + 1);
        data[at] = static_cast<std::uint8_t>(rng());
        return size + 1;
      }
      return size;
    default:
      return size == 0 ? 0 : rng() % size;
  }
}
}

namespace {

bool read_all(const std::filesystem::path& p, std::vector<std::uint8_t>& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Replays one input: the file itself, then its mutants. Returns false when unreadable.
bool replay(const std::filesystem::path& p, int mutants) {
  std::vector<std::uint8_t> data;
  if (!read_all(p, data)) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    return false;
  }
  LLVMFuzzerTestOneInput(data.data(), data.size());
  if (LLVMFuzzerCustomMutator == nullptr) return true;
  // Mutants are bounded in size like libFuzzer's -max_len.
  const std::size_t max_size = std::max<std::size_t>(data.size() * 2, 4096);
  for (int i = 0; i < mutants; ++i) {
    std::vector<std::uint8_t> m = data;
    m.resize(max_size);
    const std::size_t n =
        LLVMFuzzerCustomMutator(m.data(), data.size(), max_size, static_cast<unsigned>(i) + 1);
    m.resize(std::min(n, max_size));
    LLVMFuzzerTestOneInput(m.data(), m.size());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  int mutants = 8;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mutants" && i + 1 < argc) {
      mutants = std::atoi(argv[++i]);
      continue;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(arg, ec)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (std::filesystem::is_regular_file(arg, ec)) {
      files.emplace_back(arg);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", arg.c_str());
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--mutants N] <file-or-dir>...  (no inputs found)\n",
                 argc > 0 ? argv[0] : "fuzz_replay");
    return 1;
  }
  std::sort(files.begin(), files.end());  // a stable order makes failures reproducible
  for (const auto& f : files) {
    if (!replay(f, mutants)) return 1;
  }
  std::printf("replayed %zu inputs (%d mutants each with a custom mutator)\n", files.size(),
              LLVMFuzzerCustomMutator != nullptr ? mutants : 0);
  return 0;
}
