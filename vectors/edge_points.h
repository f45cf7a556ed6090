// edge_points.h — explicit constructions of the Ed25519 corner cases the vector files exercise
// (crypto.md CR-KEY-004, CR-SIG-003): the 8 small-order points, non-canonical encodings
// (y >= p, and x = 0 with the sign bit set), mixed-order points (valid + torsion), and the scalar
// arithmetic needed to build signatures over them. Built on libsodium's low-level point and
// scalar functions, which accept such points where the protocol functions of unm_crypto refuse
// them — that is the point: the generator must make the inputs a strict verifier rejects.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace unm::vectors::edge {

// Bytes32 is a point encoding or a 32-byte little-endian scalar.
using Bytes32 = std::array<std::uint8_t, 32>;

// identity is the canonical encoding of the neutral element (y = 1, x = 0).
Bytes32 identity() noexcept;

// small_order_points returns the 8 points of order dividing 8, canonically encoded; entry i is
// i·T where T is a fixed point of order 8 (so entry 0 is the identity, entry 4 has order 2,
// entries 2 and 6 have order 4, the odd entries order 8).
std::array<Bytes32, 8> small_order_points();

// small_order_index returns i when `p` (in any encoding that decodes) is small_order_points()[i].
std::optional<int> small_order_index(const Bytes32& p);

// NonCanonical is an encoding with y >= p or with x = 0 and the sign bit set; `canonical` is the
// canonical encoding of the point it decodes to under lenient (mod p) decoding.
struct NonCanonical {
  Bytes32 encoding;
  Bytes32 canonical;
  std::optional<int> small_order;  // index into small_order_points(), if the point is small
};

// non_canonical_encodings lists every encoding y = p + d (0 <= d < 19, both signs of x) that
// decodes to a curve point, then the two sign-bit forms of x = 0 (y = 1 and y = -1).
std::vector<NonCanonical> non_canonical_encodings();

// on_curve reports whether `p` decodes (leniently) to a point of the curve.
bool on_curve(const Bytes32& p);

// add is the point sum of two (leniently decoded) curve points, canonically encoded.
std::optional<Bytes32> add(const Bytes32& a, const Bytes32& b);

// base_mul is s·B for a scalar s (no clamping); nullopt when the result is the identity.
std::optional<Bytes32> base_mul(const Bytes32& s);

// reduce64 reduces a 64-byte little-endian integer mod L.
Bytes32 reduce64(std::span<const std::uint8_t, 64> wide);

// hram is SHA-512(R || A || M) mod L, the RFC 8032 challenge scalar k, over the encodings exactly
// as given (non-canonical ones included).
Bytes32 hram(const Bytes32& r, const Bytes32& a, std::span<const std::uint8_t> msg);

// muladd is a·b + c mod L.
Bytes32 muladd(const Bytes32& a, const Bytes32& b, const Bytes32& c);

// plus_multiple_of_l is s + m·L as a 256-bit little-endian integer (no reduction), used to make
// S >= L. Requires s + m·L < 2^256 (true for s < L and m <= 8).
Bytes32 plus_multiple_of_l(const Bytes32& s, unsigned m);

// low_bits_mod8 is k mod 8 for a little-endian integer k.
inline unsigned low_bits_mod8(const Bytes32& k) noexcept {
  return k[0] & 7u;
}

}  // namespace unm::vectors::edge
