#include "reference/crypto/kdf.h"

#include <sodium.h>

#include <algorithm>
#include <array>

namespace unm::crypto {
namespace {

constexpr std::size_t kHashLen = crypto_auth_hmacsha512_BYTES;  // 64

// HmacState wipes the HMAC state (it holds key-derived pads) when it goes out of scope.
struct HmacState {
  crypto_auth_hmacsha512_state st;
  ~HmacState() { sodium_memzero(&st, sizeof st); }
};

const unsigned char* ptr(std::span<const std::uint8_t> s) {
  static constexpr unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : s.data();
}

// expand is HKDF-Expand (RFC 5869 §2.3) from a 64-byte PRK.
void expand(const SecretBytes<kHashLen>& prk, std::span<const std::uint8_t> info,
            std::span<std::uint8_t> out) {
  SecretBytes<kHashLen> t;
  std::size_t t_len = 0;
  std::size_t done = 0;
  for (std::uint8_t counter = 1; done < out.size(); ++counter) {
    HmacState h;
    crypto_auth_hmacsha512_init(&h.st, prk.data(), prk.size());
    crypto_auth_hmacsha512_update(&h.st, t.data(), t_len);
    crypto_auth_hmacsha512_update(&h.st, ptr(info), info.size());
    crypto_auth_hmacsha512_update(&h.st, &counter, 1);
    crypto_auth_hmacsha512_final(&h.st, t.data());
    t_len = kHashLen;
    const std::size_t take = std::min(kHashLen, out.size() - done);
    std::copy_n(t.data(), take, out.data() + done);
    done += take;
  }
}

}  // namespace

Result<void> hkdf_sha512(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (out.size() > 255 * kHashLen) return Unexpected{Error::wrong_length};
  // HKDF-Extract: PRK = HMAC(salt, IKM). An empty HMAC key equals 64 zero bytes (the key is
  // zero-padded to the block size), which is RFC 5869's default salt.
  SecretBytes<kHashLen> prk;
  {
    HmacState h;
    crypto_auth_hmacsha512_init(&h.st, ptr(salt), salt.size());
    crypto_auth_hmacsha512_update(&h.st, ptr(ikm), ikm.size());
    crypto_auth_hmacsha512_final(&h.st, prk.data());
  }
  expand(prk, info, out);
  return {};
}

SharedKey kdf(std::span<const std::uint8_t> key_material) {
  // CR-KDF-001, with the IKM prefix streamed into HMAC instead of copied next to the secret.
  static constexpr std::array<std::uint8_t, 32> kPrefix = [] {
    std::array<std::uint8_t, 32> a{};
    a.fill(0xff);
    return a;
  }();
  static constexpr std::array<std::uint8_t, 64> kSalt{};
  static constexpr std::array<std::uint8_t, 12> kInfo = {'U', 'n', 'm', 'a', 'n', 'a',
                                                         'g', 'e', 'a', 'b', 'l', 'e'};
  SecretBytes<kHashLen> prk;
  {
    HmacState h;
    crypto_auth_hmacsha512_init(&h.st, kSalt.data(), kSalt.size());
    crypto_auth_hmacsha512_update(&h.st, kPrefix.data(), kPrefix.size());
    crypto_auth_hmacsha512_update(&h.st, ptr(key_material), key_material.size());
    crypto_auth_hmacsha512_final(&h.st, prk.data());
  }
  SharedKey out;
  expand(prk, kInfo, out.mutable_bytes());
  return out;
}

}  // namespace unm::crypto
