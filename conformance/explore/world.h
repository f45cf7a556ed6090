// world.h — what the explorer knows, in three parts:
//  - Registry: the users' keys and the client-made values shared by every side (ciphertexts,
//    DM keys), with the reverse maps that turn a ciphertext back into the abstract message or
//    reaction it belongs to;
//  - SideState: per side, the server-chosen ids learned so far (abstract → raw and back) and
//    the timestamps of messages (for history cursors);
//  - Model: the generator's view of the conversation, updated from the oracle's answers (the
//    oracle is the truth by definition), used only to choose mostly valid operations.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::conformance::explore {

// UserKeys — one explorer user: its username and keys (identity, signed prekey).
struct UserKeys {
  std::string name;
  crypto::PrivateKey ik;
  std::string ik_pub;  // hex
  crypto::PrivateKey spk;
  std::string spk_pub;  // hex
  std::string sig;      // hex signature of the SPK under ik
  crypto::PublicKey ik_pub_key{};
  crypto::PublicKey spk_pub_key{};
};

// make_user_keys makes a user's identity key and signed prekey (crypto.md §3).
UserKeys make_user_keys(std::string name, crypto::Random& rng);

// Registry — see file comment.
struct Registry {
  std::vector<UserKeys> users;
  std::map<int, crypto::SharedKey> dm_key;  // abstract DM → the key messages are sealed with
  std::map<std::string, int> ct_msg;        // message ciphertext (any version) → abstract message
  std::map<std::string, int> ct_rct;        // reaction ciphertext → abstract reaction
  std::map<int, std::string> msg_ct;        // abstract message → its first ciphertext
  std::map<std::string, int> name_user;     // username → user index

  bool ours(const std::string& username) const { return name_user.count(username) != 0; }
};

// IdMap pairs abstract numbers with one side's raw ids.
struct IdMap {
  std::map<int, std::int64_t> raw;
  std::map<std::int64_t, int> abstract;
  void learn(int a, std::int64_t r) {
    if (raw.count(a) || abstract.count(r)) return;
    raw[a] = r;
    abstract[r] = a;
  }
  std::optional<std::int64_t> raw_of(int a) const {
    auto it = raw.find(a);
    return it == raw.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
  }
  std::optional<int> abstract_of(std::int64_t r) const {
    auto it = abstract.find(r);
    return it == abstract.end() ? std::nullopt : std::optional<int>(it->second);
  }
};

// SideState — see file comment.
struct SideState {
  IdMap dms, msgs, rcts;
  std::map<int, std::string> msg_timestamp;  // abstract message → its `timestamp` as sent
};

// Model — see file comment.
struct Model {
  struct Dm {
    std::vector<int> members;    // position order
    std::map<int, int> in_call;  // user → the slot that joined (EV-CALL-002)
  };
  struct Message {
    int dm = -1;
    int sender = -1;
    bool scheduled = false;  // still pending (not created yet)
    bool pinned = false;
    std::int64_t due = 0;  // scheduled: when it is sent (wall clock, µs)
    bool self_destructs = false;
  };
  struct Reaction {
    int msg = -1;
    int sender = -1;
  };
  int users = 0;
  std::vector<std::array<bool, 2>> online;  // logged in, per user and slot
  std::set<std::pair<int, int>> requests;   // a asked b
  std::set<std::pair<int, int>> friends;    // a < b
  std::set<std::pair<int, int>> blocks;     // a blocks b
  std::map<int, Dm> dms;
  std::map<int, Message> messages;
  std::map<int, Reaction> reactions;
  int next_dm = 1, next_msg = 1, next_rct = 1;

  bool is_friend(int a, int b) const { return friends.count({std::min(a, b), std::max(a, b)}); }
  bool any_online(int u) const { return online[u][0] || online[u][1]; }
  bool member(int dm, int u) const;
};

}  // namespace unm::conformance::explore
