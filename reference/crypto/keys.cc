#include "reference/crypto/keys.h"

#include <sodium.h>

#include <algorithm>

#include "reference/common/hex.h"

namespace unm::crypto {
namespace {

// The encodings of the 8 points of small order, sign bit cleared (y only). Points of order 1,
// 2, 4 and 8 have y in {1, -1, 0, ±y8}; 0 and 1 also have non-canonical forms y+p (below 2^255).
constexpr std::uint8_t kSmallOrder[][32] = {
    // y = 0 (order 4)
    {0},
    // y = 1 (order 1, the identity)
    {0x01},
    // y = y8 (order 8)
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    // y = -y8 (order 8)
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    // y = p-1 (order 2)
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    // y = p (non-canonical 0, order 4)
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    // y = p+1 (non-canonical 1, order 1)
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

Result<void> hex_into(std::string_view hex, std::span<std::uint8_t> out) {
  auto r = unm::from_hex_into(hex, out);
  if (r) return {};
  return Unexpected{r.error() == HexError::wrong_length ? Error::wrong_length : Error::bad_hex};
}

}  // namespace

Result<void> init() {
  if (sodium_init() < 0) return Unexpected{Error::internal};
  return {};
}

PrivateKey generate_private_key(Random& rng) {
  PrivateKey priv;
  rng.fill(priv.mutable_bytes());
  return priv;
}

PublicKey public_key(const PrivateKey& priv) {
  PublicKey pub{};
  SecretBytes<crypto_sign_SECRETKEYBYTES> sk;
  crypto_sign_seed_keypair(pub.data(), sk.data(), priv.data());
  return pub;
}

Scalar scalar(const PrivateKey& priv) {
  SecretBytes<crypto_hash_sha512_BYTES> h;
  crypto_hash_sha512(h.data(), priv.data(), priv.size());
  // RFC 8032 §5.1.5 clamping of the first half; the second half (the nonce prefix) is dropped so
  // that reduction sees the clamped head zero-padded to 64 bytes.
  h.data()[0] &= 248;
  h.data()[31] &= 127;
  h.data()[31] |= 64;
  std::fill(h.data() + 32, h.data() + 64, std::uint8_t{0});
  Scalar s;
  crypto_core_ed25519_scalar_reduce(s.data(), h.data());
  return s;
}

bool is_canonical_point_encoding(std::span<const std::uint8_t, kPublicKeyBytes> p) noexcept {
  // y >= p = 2^255 - 19 is non-canonical: y = 0x7fff...ff{ed..ff} with the sign bit ignored.
  bool top_all_ones = (p[31] & 0x7f) == 0x7f;
  for (std::size_t i = 1; i < 31 && top_all_ones; ++i) top_all_ones = p[i] == 0xff;
  if (top_all_ones && p[0] >= 0xed) return false;
  // x = 0 holds only for y = 1 and y = -1; their encodings with the sign bit set are invalid
  // (RFC 8032 §5.1.3 step 4).
  if ((p[31] & 0x80) != 0) {
    bool rest_zero = true;
    for (std::size_t i = 1; i < 31 && rest_zero; ++i) rest_zero = p[i] == 0;
    if (p[0] == 0x01 && rest_zero && p[31] == 0x80) return false;
    bool rest_ones = true;
    for (std::size_t i = 1; i < 31 && rest_ones; ++i) rest_ones = p[i] == 0xff;
    if (p[0] == 0xec && rest_ones && p[31] == 0xff) return false;
  }
  return true;
}

bool is_small_order_encoding(std::span<const std::uint8_t, kPublicKeyBytes> p) noexcept {
  for (const auto& bad : kSmallOrder) {
    if (p[0] != bad[0]) continue;  // cheap first-byte reject: trees of 2000 keys call this
    bool same = (p[31] & 0x7f) == bad[31];
    for (std::size_t i = 1; i < 31 && same; ++i) same = p[i] == bad[i];
    if (same) return true;
  }
  return false;
}

Result<PublicKey> validate_public_key(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kPublicKeyBytes) return Unexpected{Error::wrong_length};
  PublicKey pub{};
  std::copy(bytes.begin(), bytes.end(), pub.begin());
  // libsodium 1.0.18 checks: canonical y, not small order, on the curve, in the prime-order
  // subgroup (CR-KEY-004). The explicit canonical check also covers the x = 0 sign-bit forms.
  if (!is_canonical_point_encoding(pub) || crypto_core_ed25519_is_valid_point(pub.data()) != 1)
    return Unexpected{Error::invalid_point};
  return pub;
}

Result<PublicKey> parse_public_key(std::string_view hex) {
  PublicKey raw{};
  if (auto r = hex_into(hex, raw); !r) return Unexpected{r.error()};
  return validate_public_key(raw);
}

Result<PrivateKey> parse_private_key(std::string_view hex) {
  PrivateKey priv;
  if (auto r = hex_into(hex, priv.mutable_bytes()); !r) return Unexpected{r.error()};
  return priv;
}

Result<Signature> parse_signature(std::string_view hex) {
  Signature sig{};
  if (auto r = hex_into(hex, sig); !r) return Unexpected{r.error()};
  return sig;
}

}  // namespace unm::crypto
