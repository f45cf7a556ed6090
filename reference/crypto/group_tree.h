// group_tree.h — the group DM key tree: createGroupDM and recvGroupDM (crypto.md §6).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"
#include "reference/crypto/x3dh.h"

namespace unm::crypto {

// kMaxGroupLeaves bounds M (the padded leaf count) so that hostile sizes cannot exhaust memory.
inline constexpr std::size_t kMaxGroupLeaves = std::size_t{1} << 16;

// GroupDm is the creator's result: the group secret (the root, CR-TREE-004), M, the wire
// key_tree (public(node) of heap indices 2 ... 2M-1, CR-TREE-003) and one X3DH message per
// member, in member order.
struct GroupDm {
  SharedKey shared_key;
  std::size_t padded_size = 0;
  std::vector<PublicKey> key_tree;
  std::vector<X3dhMessage> messages;
};

// create_group_dm builds the tree for the creator (seed `ik`) and members (positions 1 ... n-1,
// in the order given); n = members.size() + 1 must be >= 2. Leaf 0 and the padding leaves up to
// M are fresh privs from `rng`, then one ephemeral per member (CR-TREE-001..004). Work: one X3DH
// per member plus 3M-3 fixed-base scalar multiplications. Errors: wrong_length (no members),
// bad_tree_length (M > kMaxGroupLeaves), invalid_point, bad_signature (a member's bundle,
// CR-X3DH-001: the whole creation fails; with several failing bundles, the first one's error).
// `threads` is how many threads the independent parts (the X3DH handshakes, the nodes of one
// level) are split over: 0 (default) uses every core, 1 only the calling thread. The result does
// not depend on it: all randomness is drawn before the work is split.
Result<GroupDm> create_group_dm(const PrivateKey& ik, std::span<const PreKeyBundle> members,
                                Random& rng, unsigned threads = 0);

// create_group_dm_explicit is create_group_dm with every random value given: the creator's leaf,
// M - n padding leaves, and one ephemeral per member. Errors as create_group_dm, plus
// wrong_length when padding or ephemerals have the wrong count; `threads` as create_group_dm.
Result<GroupDm> create_group_dm_explicit(const PrivateKey& ik,
                                         std::span<const PreKeyBundle> members,
                                         const PrivateKey& creator_leaf,
                                         std::span<const PrivateKey> padding,
                                         std::span<const PrivateKey> ephemerals,
                                         unsigned threads = 0);

// combine is encode(scalar(a)·scalar(b)·B) (CR-TREE-002): the parent of nodes a and b, itself
// used as a private key one level up. Symmetric. Errors: internal (a zero product, which needs
// a scalar that is 0 mod L: negligible).
Result<PrivateKey> combine(const PrivateKey& a, const PrivateKey& b);

// receive_group_dm is a member's side (CR-TREE-005..007): X3DH with the creator gives SK_p, the
// own leaf must equal public(SK_p), then log2(M) multiplications by the siblings on the path give
// the root. Every tree entry must be a canonical encoding that is not of small order; the
// siblings it multiplies by are checked in full (CR-KEY-004). Errors: bad_tree_length,
// position_out_of_range (outside 1 ... M-1), invalid_point, leaf_mismatch.
Result<SharedKey> receive_group_dm(const PrivateKey& ik, const PrivateKey& spk,
                                   const PublicKey& sender_ik, const PublicKey& ek,
                                   std::span<const PublicKey> key_tree, std::size_t position);

// padded_size_for returns M, the next power of two >= max(n, 2) (CR-TREE-001), or 0 when that
// exceeds kMaxGroupLeaves.
std::size_t padded_size_for(std::size_t n) noexcept;

}  // namespace unm::crypto
