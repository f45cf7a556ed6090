#include "reference/crypto/group_tree.h"

#include <sodium.h>

#include <algorithm>
#include <optional>

#include "reference/crypto/ecdh.h"
#include "reference/crypto/internal.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/parallel.h"

namespace unm::crypto {
namespace {

// base_point is encode(s·B) for a reduced scalar s; fails only for s = 0.
Result<PublicKey> base_point(const Scalar& s) {
  PublicKey p{};
  if (crypto_scalarmult_ed25519_base_noclamp(p.data(), s.data()) != 0)
    return Unexpected{Error::internal};
  return p;
}

// A thread start costs about as much as one fixed-base multiplication; these minimum chunk
// sizes keep small trees (and small levels) on the calling thread.
constexpr std::size_t kLeavesPerThread = 2;  // a member leaf costs one X3DH (~10 mults)
constexpr std::size_t kNodesPerThread = 16;  // an inner node costs two fixed-base mults

}  // namespace

std::size_t padded_size_for(std::size_t n) noexcept {
  std::size_t m = 2;
  while (m < n && m <= kMaxGroupLeaves) m <<= 1;
  return m > kMaxGroupLeaves ? 0 : m;
}

Result<PrivateKey> combine(const PrivateKey& a, const PrivateKey& b) {
  // CR-TREE-002: scalar(a)·scalar(b) mod L, then one fixed-base multiplication.
  const Scalar sa = scalar(a);
  const Scalar sb = scalar(b);
  Scalar product;
  crypto_core_ed25519_scalar_mul(product.data(), sa.data(), sb.data());
  auto p = base_point(product);
  if (!p) return Unexpected{p.error()};
  return PrivateKey(std::span<const std::uint8_t, 32>(*p));
}

Result<GroupDm> create_group_dm(const PrivateKey& ik, std::span<const PreKeyBundle> members,
                                Random& rng, unsigned threads) {
  if (members.empty()) return Unexpected{Error::wrong_length};
  const std::size_t n = members.size() + 1;
  const std::size_t m = padded_size_for(n);
  if (m == 0) return Unexpected{Error::bad_tree_length};
  // Draw order (fixed, so seeded runs are reproducible): creator leaf, padding, ephemerals.
  // All randomness is drawn here, before any work is split over threads.
  const PrivateKey creator_leaf = generate_private_key(rng);
  std::vector<PrivateKey> padding(m - n);
  for (auto& p : padding) p = generate_private_key(rng);
  std::vector<PrivateKey> ephemerals(members.size());
  for (auto& e : ephemerals) e = generate_private_key(rng);
  return create_group_dm_explicit(ik, members, creator_leaf, padding, ephemerals, threads);
}

Result<GroupDm> create_group_dm_explicit(const PrivateKey& ik,
                                         std::span<const PreKeyBundle> members,
                                         const PrivateKey& creator_leaf,
                                         std::span<const PrivateKey> padding,
                                         std::span<const PrivateKey> ephemerals, unsigned threads) {
  if (members.empty()) return Unexpected{Error::wrong_length};
  const std::size_t n = members.size() + 1;
  const std::size_t m = padded_size_for(n);
  if (m == 0) return Unexpected{Error::bad_tree_length};
  if (padding.size() != m - n || ephemerals.size() != members.size())
    return Unexpected{Error::wrong_length};
  const unsigned t = detail::resolve_threads(threads);

  GroupDm out;
  out.padded_size = m;
  out.messages.resize(members.size());
  // sc[h] is scalar(node h) in heap order (CR-TREE-003); sc[0] and sc[1] stay unused.
  std::vector<Scalar> sc(2 * m);
  // failure[h] records a failed step for node h (leaves: the member's X3DH); read after each
  // parallel phase, lowest index first, so the error reported does not depend on `t`.
  std::vector<std::optional<Error>> failure(2 * m);

  // CR-TREE-001: leaf 0 is the creator's, leaf i the X3DH key with member i, then padding.
  // CR-TREE-003: key_tree[h - 2] = public(node h). Every leaf is independent of the others (one
  // X3DH per member, CR-X3DH-001), so the leaves are computed in parallel.
  out.key_tree.resize(2 * m - 2);
  const SecretBytes<32> xs_ik = x25519_private_key(ik);
  auto leaf = [&](std::size_t j) {
    const std::size_t h = m + j;
    if (j == 0) {
      sc[h] = scalar(creator_leaf);
    } else if (j < n) {
      auto sent = detail::x3dh_send_prepared(xs_ik, ephemerals[j - 1], members[j - 1]);
      if (!sent) {
        failure[h] = sent.error();
        return;
      }
      sc[h] = scalar(sent->shared_key);
      out.messages[j - 1] = sent->message;
    } else {
      sc[h] = scalar(padding[j - n]);
    }
    auto pub = base_point(sc[h]);
    if (!pub) {
      failure[h] = pub.error();
      return;
    }
    out.key_tree[h - 2] = *pub;
  };
  detail::parallel_for(m, t, kLeavesPerThread, leaf);
  for (std::size_t h = m; h < 2 * m; ++h)  // CR-X3DH-001: one bad bundle fails it all
    if (failure[h]) return Unexpected{*failure[h]};

  // Upward pass, one level at a time (a level needs only the level below). Both child scalars
  // are known, so a parent costs one scalar product mod L and one fixed-base multiplication (the
  // node's encoding), plus one more for its public key; the root needs no public key. Total:
  // M + 2(M-2) + 1 = 3M-3 fixed-base multiplications.
  auto node_of = [&](std::size_t h) -> Result<PrivateKey> {
    Scalar product;
    crypto_core_ed25519_scalar_mul(product.data(), sc[2 * h].data(), sc[2 * h + 1].data());
    auto point = base_point(product);
    if (!point) return Unexpected{point.error()};
    PrivateKey node{std::span<const std::uint8_t, 32>(*point)};
    sodium_memzero(point->data(), point->size());
    return node;
  };
  for (std::size_t level = m / 2; level >= 2; level /= 2) {
    auto inner = [&](std::size_t j) {
      const std::size_t h = level + j;
      auto node = node_of(h);
      if (!node) {
        failure[h] = node.error();
        return;
      }
      sc[h] = scalar(*node);  // CR-TREE-002: the encoding is the node's private key
      auto pub = base_point(sc[h]);
      if (!pub) {
        failure[h] = pub.error();
        return;
      }
      out.key_tree[h - 2] = *pub;
    };
    detail::parallel_for(level, t, kNodesPerThread, inner);
    for (std::size_t h = level; h < 2 * level; ++h)
      if (failure[h]) return Unexpected{*failure[h]};
  }
  auto root = node_of(1);  // CR-TREE-004: the root is the group secret, never sent
  if (!root) return Unexpected{root.error()};
  out.shared_key = *root;
  return out;
}

Result<SharedKey> receive_group_dm(const PrivateKey& ik, const PrivateKey& spk,
                                   const PublicKey& sender_ik, const PublicKey& ek,
                                   std::span<const PublicKey> key_tree, std::size_t position) {
  // CR-TREE-006: the length must be 2M-2 for a power of two M >= 2.
  const std::size_t len = key_tree.size();
  if (len < 2 || len % 2 != 0) return Unexpected{Error::bad_tree_length};
  const std::size_t m = (len + 2) / 2;
  if ((m & (m - 1)) != 0 || m > kMaxGroupLeaves) return Unexpected{Error::bad_tree_length};
  if (position < 1 || position >= m) return Unexpected{Error::position_out_of_range};
  // Every entry must at least be a canonical encoding of a point that is not of small order.
  // The full subgroup test costs a scalar multiplication, so it runs on the log2(M) siblings
  // this member multiplies by (CR-KEY-004) and on its own leaf, keeping the work O(log M).
  for (const PublicKey& k : key_tree)
    if (!is_canonical_point_encoding(k) || is_small_order_encoding(k))
      return Unexpected{Error::invalid_point};

  auto sk = x3dh_receive(ik, spk, sender_ik, ek);
  if (!sk) return Unexpected{sk.error()};

  std::size_t i = m + position;
  Scalar s = scalar(*sk);
  // CR-TREE-007: the own leaf must be public(SK_p), else the tree is corrupt or tampered.
  auto own_leaf = base_point(s);
  if (!own_leaf) return Unexpected{own_leaf.error()};
  if (sodium_memcmp(own_leaf->data(), key_tree[i - 2].data(), kPublicKeyBytes) != 0)
    return Unexpected{Error::leaf_mismatch};

  // CR-TREE-005: s = encode(scalar(s)·sibling) up to the root.
  PrivateKey node;
  while (i > 1) {
    const PublicKey& sibling = key_tree[(i ^ 1) - 2];
    if (crypto_scalarmult_ed25519_noclamp(node.data(), s.data(), sibling.data()) != 0)
      return Unexpected{Error::invalid_point};
    i >>= 1;
    if (i > 1) s = scalar(node);
  }
  return node;
}

}  // namespace unm::crypto
