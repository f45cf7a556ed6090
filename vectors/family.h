// family.h — the vector families of vectors.md and the edge-case flags a checker reports as
// `lenient` / `strict` instead of as failures (vectors.md "Edge cases", crypto.md CR-SIG-003).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace unm::vectors {

// Family is one vector file: `vectors/data/<family_name(f)>.json`.
enum class Family {
  ed25519_keys,
  ed25519_sign,
  challenge,
  ecdh,
  personal_key,
  kdf,
  x3dh,
  group_dm,
  aead,
  own_storage,
  recovery_phrase,
};

// all_families lists every family in the order files are generated and documented.
std::span<const Family> all_families() noexcept;

// family_name is the schema's family name, e.g. "ed25519_sign".
std::string_view family_name(Family f) noexcept;

// family_from_name maps a schema name back to its Family (nullopt for unknown names).
std::optional<Family> family_from_name(std::string_view name) noexcept;

// edge_flags lists the flags vectors.md names as edge cases, on which implementations may
// legitimately decide either way.
std::span<const std::string_view> edge_flags() noexcept;

// is_edge_case reports whether any of `flags` is one of edge_flags().
bool is_edge_case(std::span<const std::string> flags) noexcept;

}  // namespace unm::vectors
