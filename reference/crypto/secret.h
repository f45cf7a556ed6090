// secret.h — SecretBytes<N>, a fixed-size buffer for private keys and shared secrets that wipes
// itself with sodium_memzero whenever its contents are discarded.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace unm::crypto {

// SecretBytes holds N secret bytes. The bytes are wiped on destruction, and the source of a move
// is wiped too, so a secret never outlives the object that owns it. Copies are allowed (a client
// keeps keys in maps) and every copy wipes itself the same way. Comparison is constant-time.
template <std::size_t N>
class SecretBytes {
 public:
  static constexpr std::size_t kSize = N;

  // SecretBytes() is N zero bytes.
  SecretBytes() noexcept { bytes_.fill(0); }
  // SecretBytes(src) copies exactly N bytes from `src`.
  explicit SecretBytes(std::span<const std::uint8_t, N> src) noexcept {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = src[i];
  }
  SecretBytes(const SecretBytes& other) noexcept : bytes_(other.bytes_) {}
  SecretBytes(SecretBytes&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
  SecretBytes& operator=(const SecretBytes& other) noexcept {
    if (this != &other) bytes_ = other.bytes_;
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.wipe();
    }
    return *this;
  }
  ~SecretBytes() { wipe(); }

  // from copies `src` when it holds exactly N bytes; otherwise returns false and leaves `out`.
  static bool from(std::span<const std::uint8_t> src, SecretBytes& out) noexcept {
    if (src.size() != N) return false;
    for (std::size_t i = 0; i < N; ++i) out.bytes_[i] = src[i];
    return true;
  }

  // bytes gives read access to the secret.
  std::span<const std::uint8_t, N> bytes() const noexcept {
    return std::span<const std::uint8_t, N>(bytes_);
  }
  // mutable_bytes gives write access (to fill the secret in place, without a temporary copy).
  std::span<std::uint8_t, N> mutable_bytes() noexcept { return std::span<std::uint8_t, N>(bytes_); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::uint8_t* data() noexcept { return bytes_.data(); }
  static constexpr std::size_t size() noexcept { return N; }

  // wipe sets every byte to zero with sodium_memzero (which the optimiser may not elide).
  void wipe() noexcept { sodium_memzero(bytes_.data(), N); }

  // operator== compares in constant time (sodium_memcmp), so equality checks leak no prefix.
  friend bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept {
    return sodium_memcmp(a.bytes_.data(), b.bytes_.data(), N) == 0;
  }

 private:
  std::array<std::uint8_t, N> bytes_;
};

}  // namespace unm::crypto
