// random.h — injected randomness. Every function that needs random bytes takes a Random&, so
// production code passes system_random() and tests, vector generation and fuzzing pass a seeded
// DeterministicRandom and get reproducible keys, IVs and challenges.
#pragma once

#include <cstdint>
#include <span>

#include "reference/crypto/secret.h"

namespace unm::crypto {

// Random is a source of random bytes.
class Random {
 public:
  virtual ~Random() = default;
  // fill overwrites every byte of `out`.
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

// SystemRandom draws from the operating system's CSPRNG through libsodium's randombytes_buf
// (CR-AEAD-003). It has no state of its own. Call init() before first use.
class SystemRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

// system_random returns the process-wide SystemRandom (stateless, safe from any thread).
Random& system_random();

// DeterministicRandom is a ChaCha20 (IETF) keystream keyed by a seed: the same seed gives the
// same byte stream however it is split into fill() calls. For tests, vectors and fuzzing only —
// never for keys that protect real data.
class DeterministicRandom final : public Random {
 public:
  // DeterministicRandom(seed) derives the 32-byte stream key from a 64-bit seed.
  explicit DeterministicRandom(std::uint64_t seed);
  // DeterministicRandom(seed32) uses 32 bytes directly as the stream key.
  explicit DeterministicRandom(std::span<const std::uint8_t, 32> seed32);
  void fill(std::span<std::uint8_t> out) override;

 private:
  void next_block();

  SecretBytes<32> key_;
  SecretBytes<64> block_;      // the current keystream block
  std::size_t used_ = 64;      // bytes of block_ already handed out
  std::uint32_t counter_ = 0;  // ChaCha20-IETF block counter
  std::uint32_t nonce_ = 0;    // nonce, bumped when the 32-bit block counter wraps
};

}  // namespace unm::crypto
