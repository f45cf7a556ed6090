#include "vectors/edge_points.h"

#include <sodium.h>

namespace unm::vectors::edge {
namespace {

// A point of order 8 (y =
// 2707385501144840649318225287225658788936804267575313519463743609750303402022), the published
// constant libsodium and others list among small-order encodings. Its multiples give all 8
// small-order points; edge_points_test checks that 8·T is the identity and 4·T is not.
constexpr Bytes32 kOrder8 = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                             0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                             0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr Bytes32 kL = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                        0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

}  // namespace

Bytes32 identity() noexcept {
  Bytes32 p{};
  p[0] = 1;
  return p;
}

std::optional<Bytes32> add(const Bytes32& a, const Bytes32& b) {
  Bytes32 out{};
  // crypto_core_ed25519_add decodes both inputs mod p and only checks they are on the curve, so
  // it works on small-order, mixed-order and non-canonical encodings alike.
  if (crypto_core_ed25519_add(out.data(), a.data(), b.data()) != 0) return std::nullopt;
  return out;
}

bool on_curve(const Bytes32& p) {
  return add(p, identity()).has_value();
}

std::array<Bytes32, 8> small_order_points() {
  std::array<Bytes32, 8> pts{};
  pts[0] = identity();
  for (std::size_t i = 1; i < pts.size(); ++i) {
    // kOrder8 is a fixed, on-curve constant: the addition cannot fail.
    pts[i] = add(pts[i - 1], kOrder8).value_or(Bytes32{});
  }
  return pts;
}

std::optional<int> small_order_index(const Bytes32& p) {
  const auto canonical = add(p, identity());
  if (!canonical) return std::nullopt;
  const auto pts = small_order_points();
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (pts[i] == *canonical) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::vector<NonCanonical> non_canonical_encodings() {
  std::vector<NonCanonical> out;
  // p = 2^255 - 19 is ed ff .. ff 7f little-endian; p + d for d < 19 only changes byte 0.
  for (int d = 0; d < 19; ++d) {
    for (int sign = 0; sign < 2; ++sign) {
      Bytes32 e;
      e.fill(0xff);
      e[0] = static_cast<std::uint8_t>(0xed + d);
      e[31] = sign ? 0xff : 0x7f;
      const auto canonical = add(e, identity());
      if (!canonical) continue;  // y = d has no x on the curve
      out.push_back({e, *canonical, small_order_index(e)});
    }
  }
  // x = 0 with the sign bit set: "-0" for y = 1 (the identity) and y = -1 (order 2).
  Bytes32 neg_identity = identity();
  neg_identity[31] |= 0x80;
  Bytes32 neg_order2;
  neg_order2.fill(0xff);
  neg_order2[0] = 0xec;
  for (const Bytes32& e : {neg_identity, neg_order2}) {
    const auto canonical = add(e, identity());
    if (canonical) out.push_back({e, *canonical, small_order_index(e)});
  }
  return out;
}

std::optional<Bytes32> base_mul(const Bytes32& s) {
  Bytes32 out{};
  if (crypto_scalarmult_ed25519_base_noclamp(out.data(), s.data()) != 0) return std::nullopt;
  return out;
}

Bytes32 reduce64(std::span<const std::uint8_t, 64> wide) {
  Bytes32 out{};
  crypto_core_ed25519_scalar_reduce(out.data(), wide.data());
  return out;
}

Bytes32 hram(const Bytes32& r, const Bytes32& a, std::span<const std::uint8_t> msg) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, r.data(), r.size());
  crypto_hash_sha512_update(&st, a.data(), a.size());
  crypto_hash_sha512_update(&st, msg.data(), msg.size());
  std::array<std::uint8_t, 64> h{};
  crypto_hash_sha512_final(&st, h.data());
  return reduce64(h);
}

Bytes32 muladd(const Bytes32& a, const Bytes32& b, const Bytes32& c) {
  Bytes32 prod{};
  crypto_core_ed25519_scalar_mul(prod.data(), a.data(), b.data());
  Bytes32 out{};
  crypto_core_ed25519_scalar_add(out.data(), prod.data(), c.data());
  return out;
}

Bytes32 plus_multiple_of_l(const Bytes32& s, unsigned m) {
  Bytes32 out = s;
  for (unsigned k = 0; k < m; ++k) {
    unsigned carry = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const unsigned sum = out[i] + kL[i] + carry;
      out[i] = static_cast<std::uint8_t>(sum & 0xff);
      carry = sum >> 8;
    }
  }
  return out;
}

}  // namespace unm::vectors::edge
