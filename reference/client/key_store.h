// key_store.h — the client's private keys besides the identity key: the signed prekey and the
// group secret of every DM, kept exactly in the form CR-STORE-001 backs up to the server.
//
// The server holds the store sealed as `own_storage` (AEAD under personal_key(identity)), so a
// second client that knows only the identity key recovers the SPK and every DM key with one
// get_full_user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reference/client/error.h"
#include "reference/crypto/own_storage.h"
#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::client {

// KeyStore is the in-memory key state (see file comment).
class KeyStore {
 public:
  KeyStore() = default;
  explicit KeyStore(crypto::OwnStorage storage) : storage_(std::move(storage)) {}

  // open decrypts and parses a sealed own_storage ("" is an empty store). A store that does not
  // open is ErrorCode::crypto: it was sealed under another identity key or has been altered.
  // Members other than privSPK and sharedKeys are kept (extra_fields) and sealed again.
  static Result<KeyStore> open(const crypto::PrivateKey& identity, std::string_view sealed);

  // seal encrypts the store for set_user/register (CR-STORE-001) with a fresh IV.
  Result<std::string> seal(const crypto::PrivateKey& identity, crypto::Random& rng) const;

  // spk is the current signed-prekey private key, if any.
  const std::optional<crypto::PrivateKey>& spk() const { return storage_.priv_spk; }
  // set_spk replaces the current SPK; the previous one is still held (for X3DH notifications
  // that name it, EV-USR-011) for the life of this object.
  void set_spk(const crypto::PrivateKey& spk);
  // find_spk returns the private SPK whose public key is `pub` (current or held), or nullptr
  // (CR-X3DH-004).
  const crypto::PrivateKey* find_spk(const crypto::PublicKey& pub) const;

  // dm_key returns the group secret of DM `dm_id`, or nullptr.
  const crypto::SharedKey* dm_key(std::int64_t dm_id) const;
  void set_dm_key(std::int64_t dm_id, const crypto::SharedKey& key);
  // dm_ids lists the DMs this store holds a key for, ascending.
  std::vector<std::int64_t> dm_ids() const;

  // merge_missing adds every DM key of `other` this store lacks (so that a write-back never
  // drops a key another client of the same account stored meanwhile), adopts its SPK when this
  // store has none, and takes its unknown fields (the newer copy wins).
  void merge_missing(const KeyStore& other);

  const crypto::OwnStorage& storage() const { return storage_; }

  // extra_fields are the top-level members of the backup this client does not know (another
  // client's additions), name → JSON text; kept as found and written back by seal().
  const std::vector<std::pair<std::string, std::string>>& extra_fields() const { return extra_; }
  void set_extra_field(std::string name, std::string json);

 private:
  crypto::OwnStorage storage_;
  std::vector<std::pair<std::string, std::string>> extra_;
  std::vector<crypto::PrivateKey> held_spks_;
};

}  // namespace unm::client
