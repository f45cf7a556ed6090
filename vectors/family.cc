#include "vectors/family.h"

#include <algorithm>
#include <array>

namespace unm::vectors {
namespace {

constexpr std::array<Family, 11> kFamilies = {
    Family::ed25519_keys, Family::ed25519_sign,    Family::challenge,
    Family::ecdh,         Family::personal_key,    Family::kdf,
    Family::x3dh,         Family::group_dm,        Family::aead,
    Family::own_storage,  Family::recovery_phrase,
};

// The list of vectors.md, "Edge cases that implementations may decide either way".
constexpr std::array<std::string_view, 16> kEdgeFlags = {
    "small_order_pubkey",   "small_order_r",     "mixed_order_pubkey", "mixed_order_r",
    "non_canonical_pubkey", "non_canonical_r",   "cofactored_only",    "forgery_accepted_by_noble",
    "small_order",          "small_order_ik",    "identity",           "identity_r",
    "identity_challenge",   "torsion_challenge", "torsion_ignored",    "non_canonical",
};

}  // namespace

std::span<const Family> all_families() noexcept {
  return kFamilies;
}

std::string_view family_name(Family f) noexcept {
  switch (f) {
    case Family::ed25519_keys:
      return "ed25519_keys";
    case Family::ed25519_sign:
      return "ed25519_sign";
    case Family::challenge:
      return "challenge";
    case Family::ecdh:
      return "ecdh";
    case Family::personal_key:
      return "personal_key";
    case Family::kdf:
      return "kdf";
    case Family::x3dh:
      return "x3dh";
    case Family::group_dm:
      return "group_dm";
    case Family::aead:
      return "aead";
    case Family::own_storage:
      return "own_storage";
    case Family::recovery_phrase:
      return "recovery_phrase";
  }
  return "unknown";
}

std::optional<Family> family_from_name(std::string_view name) noexcept {
  for (Family f : kFamilies) {
    if (family_name(f) == name) return f;
  }
  return std::nullopt;
}

std::span<const std::string_view> edge_flags() noexcept {
  return kEdgeFlags;
}

bool is_edge_case(std::span<const std::string> flags) noexcept {
  return std::any_of(flags.begin(), flags.end(), [](const std::string& f) {
    return std::find(kEdgeFlags.begin(), kEdgeFlags.end(), f) != kEdgeFlags.end();
  });
}

}  // namespace unm::vectors
