// internal.h — helpers shared by the crypto sources; not part of the public API (not installed,
// not included by crypto.h), so other layers must not include it.
#pragma once

#include <cstdint>
#include <span>

#include "reference/crypto/types.h"
#include "reference/crypto/x3dh.h"

namespace unm::crypto::detail {

// kOrderL is L = 2^252 + 27742317777372353535851937790883648493, little-endian.
inline constexpr std::uint8_t kOrderL[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// scalar_below_l reports whether the little-endian 32-byte `s` is < L (variable time: used on
// public values such as a signature's S, and on vector inputs).
bool scalar_below_l(std::span<const std::uint8_t, 32> s) noexcept;

// verify_prevalidated is verify() for a public key already known to satisfy CR-KEY-004.
bool verify_prevalidated(const PublicKey& pub, std::span<const std::uint8_t> msg,
                         const Signature& sig);

// x25519 is crypto_scalarmult(xs, xpub) as a shared key. Errors: invalid_point (all-zero).
Result<SharedKey> x25519(const SecretBytes<32>& xs, const PublicKey& xpub);

// x3dh_send_prepared is x3dh_send_with_ephemeral with the creator's X25519 scalar computed once
// (a group DM runs one X3DH per member with the same identity key).
Result<X3dhSent> x3dh_send_prepared(const SecretBytes<32>& xs_ik, const PrivateKey& ek,
                                    const PreKeyBundle& peer);

}  // namespace unm::crypto::detail
