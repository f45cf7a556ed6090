// profile.h — the client's local profile directory: who this client is, and its identity key.
//
// The identity private key is the one secret that cannot be recovered from the server (every
// other key lives in own_storage, CR-STORE-001), so it is kept in a local key file readable only
// by its owner (mode 0600, directory 0700), written atomically (temporary file + rename).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "reference/client/error.h"
#include "reference/crypto/secret.h"

namespace unm::client {

// Identity is an account: its username and identity private key (CR-KEY-001).
struct Identity {
  std::string username;
  crypto::SecretBytes<32> private_key;
};

// recovery_phrase is the 24-word recovery phrase of the identity key (crypto.md CR-KEY-005),
// the form the deployed web client shows and asks for. It is the key itself: keep it secret.
std::string recovery_phrase(const Identity& id);

// identity_from_phrase rebuilds an Identity from a recovery phrase (any letter case, any
// whitespace between the words). A phrase that does not decode is ErrorCode::local, with the
// reason (word count, unknown word, parity).
Result<Identity> identity_from_phrase(std::string_view username, std::string_view phrase);

// Profile is a directory holding `identity.json` (see file comment).
class Profile {
 public:
  explicit Profile(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // key_file is the path of the identity key file.
  std::filesystem::path key_file() const { return dir_ / "identity.json"; }
  const std::filesystem::path& dir() const { return dir_; }

  // exists reports whether the key file is present.
  bool exists() const;

  // save writes `id` to the key file with mode 0600, creating the directory (0700) if needed.
  // It refuses to overwrite an existing key file unless `overwrite` is set, so a second
  // `register` cannot silently destroy the only copy of an identity key.
  Result<void> save(const Identity& id, bool overwrite = false) const;

  // load reads the key file. A file readable by group or others is refused (the key may have
  // leaked), as is one that is not the JSON object save() writes.
  Result<Identity> load() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace unm::client
