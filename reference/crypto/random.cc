#include "reference/crypto/random.h"

#include <sodium.h>

#include <algorithm>
#include <array>

namespace unm::crypto {

void SystemRandom::fill(std::span<std::uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

Random& system_random() {
  // SystemRandom has no data members: sharing one instance shares no mutable state.
  static SystemRandom instance;
  return instance;
}

DeterministicRandom::DeterministicRandom(std::uint64_t seed) {
  // Hash the seed (with a domain label) so that nearby integer seeds give unrelated streams.
  static constexpr char kLabel[] = "unm::crypto::DeterministicRandom";
  std::array<std::uint8_t, 8> le{};
  for (std::size_t i = 0; i < le.size(); ++i) le[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, key_.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kLabel), sizeof kLabel - 1);
  crypto_generichash_update(&st, le.data(), le.size());
  crypto_generichash_final(&st, key_.data(), key_.size());
}

DeterministicRandom::DeterministicRandom(std::span<const std::uint8_t, 32> seed32) : key_(seed32) {}

void DeterministicRandom::next_block() {
  std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
  for (std::size_t i = 0; i < 4; ++i) nonce[i] = static_cast<std::uint8_t>(nonce_ >> (8 * i));
  block_.wipe();
  // XOR of a zero block with the keystream at block `counter_` is the keystream block itself.
  crypto_stream_chacha20_ietf_xor_ic(block_.data(), block_.data(), block_.size(), nonce.data(),
                                     counter_, key_.data());
  if (++counter_ == 0) ++nonce_;
  used_ = 0;
}

void DeterministicRandom::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (used_ == block_.size()) next_block();
    const std::size_t take = std::min(out.size() - done, block_.size() - used_);
    std::copy_n(block_.data() + used_, take, out.data() + done);
    used_ += take;
    done += take;
  }
}

}  // namespace unm::crypto
