// group_tree_fuzzer.cc — X3DH and the group DM key tree (crypto.md §5, §6: CR-X3DH-001..003,
// CR-TREE-001..007), the work a client does on an x3dh_notification.
//
// Input: a mode byte, then mode-specific bytes.
//  - honest (0): a seed and a group size; the creator builds the tree with create_group_dm from
//    a DeterministicRandom; then one tampering (a byte of a tree entry, the position, the
//    ephemeral key) drawn from the input.
//    Oracle: every member receives exactly the creator's group secret (a tree built by the
//    creator is always received correctly); a member whose own leaf was changed, or who is given
//    another member's position, is refused (CR-TREE-007); a member bundle with a broken
//    signature makes the whole creation fail (CR-X3DH-001).
//  - garbage (1): tree entries, position, keys, all raw bytes from the input.
//    Oracle: a typed error or a key, never a crash; wrong lengths and positions are refused.
//  - x3dh (2): initiator and responder keys from the input, the signature valid or garbage.
//    Oracle: when x3dh_send accepts, x3dh_receive derives the same key (CR-X3DH-003).
#include <vector>

#include "fuzz/support/fuzz_support.h"
#include "reference/crypto/group_tree.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/crypto/x3dh.h"

namespace crypto = unm::crypto;
using unm::fuzz::ByteReader;

namespace {

// Member is one user's secret and published keys.
struct Member {
  crypto::PrivateKey ik;
  crypto::PrivateKey spk;
  crypto::PreKeyBundle bundle;
};

Member make_member(crypto::Random& rng) {
  Member m;
  m.ik = crypto::generate_private_key(rng);
  m.spk = crypto::generate_private_key(rng);
  m.bundle.ik = crypto::public_key(m.ik);
  m.bundle.spk = crypto::public_key(m.spk);
  m.bundle.sig = crypto::sign(m.ik, m.bundle.spk);
  return m;
}

crypto::PrivateKey private_from(ByteReader& in) {
  crypto::PrivateKey k;
  in.fill(k.mutable_bytes());
  return k;
}

crypto::PublicKey public_from(ByteReader& in) {
  crypto::PublicKey k{};
  in.fill(k);
  return k;
}

void honest(ByteReader& in) {
  crypto::DeterministicRandom rng(in.u64());
  // n = 2 ... 9 users: M = 2, 4, 8 or 16 leaves, trees of depth 1 to 4 with and without
  // padding. Larger groups only repeat the same shapes at more cost per input.
  const std::size_t n = 2 + in.below(8);
  const Member creator = make_member(rng);
  std::vector<Member> members;
  std::vector<crypto::PreKeyBundle> bundles;
  for (std::size_t i = 1; i < n; ++i) {
    members.push_back(make_member(rng));
    bundles.push_back(members.back().bundle);
  }
  const std::uint8_t tamper = in.u8();
  if (tamper % 8 == 7) {
    // CR-X3DH-001: one forged bundle signature fails the whole creation.
    auto& sig = bundles[in.below(bundles.size())].sig;
    sig[in.below(sig.size())] ^= static_cast<std::uint8_t>(1 + in.below(255));
    auto g = crypto::create_group_dm(creator.ik, bundles, rng);
    UNM_FUZZ_CHECK(!g.has_value());
    return;
  }
  auto g = crypto::create_group_dm(creator.ik, bundles, rng);
  UNM_FUZZ_CHECK(g.has_value());
  UNM_FUZZ_CHECK(g->padded_size == crypto::padded_size_for(n));
  UNM_FUZZ_CHECK(g->key_tree.size() == 2 * g->padded_size - 2);
  UNM_FUZZ_CHECK(g->messages.size() == members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto k = crypto::receive_group_dm(members[i].ik, members[i].spk, creator.bundle.ik,
                                      g->messages[i].ek, g->key_tree, i + 1);
    UNM_FUZZ_CHECK(k.has_value());
    UNM_FUZZ_CHECK(*k == g->shared_key);
  }
  // One tampering, received by one member.
  const std::size_t who = in.below(members.size());
  const std::size_t position = who + 1;
  const std::size_t m = g->padded_size;
  std::vector<crypto::PublicKey> tree = g->key_tree;
  crypto::PublicKey ek = g->messages[who].ek;
  std::size_t pos = position;
  bool must_fail = false;
  switch (tamper % 8) {
    case 0: {  // the member's own leaf: CR-TREE-007
      tree[m + position - 2][in.below(32)] ^= static_cast<std::uint8_t>(1 + in.below(255));
      must_fail = true;
      break;
    }
    case 1: {  // any entry
      tree[in.below(tree.size())][in.below(32)] ^= static_cast<std::uint8_t>(1 + in.below(255));
      break;
    }
    case 2: {  // another member's position
      if (members.size() < 2) return;
      pos = 1 + (who + 1 + in.below(members.size() - 1)) % members.size();
      must_fail = pos != position;
      break;
    }
    case 3: {  // a position outside 1 ... M-1
      pos = in.boolean() ? 0 : m + in.below(4);
      must_fail = true;
      break;
    }
    case 4: {  // another ephemeral key
      ek = public_from(in);
      must_fail = ek != g->messages[who].ek;
      break;
    }
    case 5: {  // a tree of another length
      const std::size_t len = in.below(2 * m + 2);
      must_fail = len != tree.size();
      tree.resize(len, tree.empty() ? crypto::PublicKey{} : tree.front());
      break;
    }
    default:
      break;  // received unchanged below
  }
  auto k =
      crypto::receive_group_dm(members[who].ik, members[who].spk, creator.bundle.ik, ek, tree, pos);
  if (must_fail) {
    // A different own leaf / ephemeral could only match by a hash collision.
    UNM_FUZZ_CHECK(!k.has_value());
    UNM_FUZZ_CHECK(!crypto::error_name(k.error()).empty());
  } else if (tree == g->key_tree && pos == position) {
    UNM_FUZZ_CHECK(k.has_value());
    UNM_FUZZ_CHECK(*k == g->shared_key);
  }
}

void garbage(ByteReader& in) {
  const crypto::PrivateKey ik = private_from(in);
  const crypto::PrivateKey spk = private_from(in);
  const crypto::PublicKey sender = public_from(in);
  const crypto::PublicKey ek = public_from(in);
  const std::size_t position = in.u16();
  std::vector<crypto::PublicKey> tree(in.below(40));
  for (auto& e : tree) in.fill(e);
  auto k = crypto::receive_group_dm(ik, spk, sender, ek, tree, position);
  const std::size_t m = (tree.size() + 2) / 2;
  const bool good_length = tree.size() >= 2 && tree.size() % 2 == 0 && (m & (m - 1)) == 0;
  if (!good_length) {
    UNM_FUZZ_CHECK(!k.has_value() && k.error() == crypto::Error::bad_tree_length);
  } else if (position < 1 || position >= m) {
    UNM_FUZZ_CHECK(!k.has_value() && k.error() == crypto::Error::position_out_of_range);
  }
}

void x3dh(ByteReader& in) {
  crypto::DeterministicRandom rng(in.u64());
  const Member responder = make_member(rng);
  const crypto::PrivateKey initiator = private_from(in);
  const crypto::PrivateKey ephemeral = private_from(in);
  crypto::PreKeyBundle bundle = responder.bundle;
  const std::uint8_t how = in.u8();
  if ((how & 1) != 0) in.fill(bundle.sig);
  if ((how & 2) != 0) in.fill(bundle.spk);
  if ((how & 4) != 0) in.fill(bundle.ik);
  auto sent = crypto::x3dh_send_with_ephemeral(initiator, ephemeral, bundle);
  if (!sent) return;
  UNM_FUZZ_CHECK(crypto::verify(bundle.ik, bundle.spk, bundle.sig));
  if (bundle.ik != responder.bundle.ik || bundle.spk != responder.bundle.spk) return;
  auto got = crypto::x3dh_receive(responder.ik, responder.spk, crypto::public_key(initiator),
                                  sent->message.ek);
  UNM_FUZZ_CHECK(got.has_value());
  UNM_FUZZ_CHECK(*got == sent->shared_key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!crypto::init()) return 0;  // libsodium could not start: nothing to test
  ByteReader in(data, size);
  switch (in.u8() % 3) {
    case 0:
      honest(in);
      break;
    case 1:
      garbage(in);
      break;
    default:
      x3dh(in);
      break;
  }
  return 0;
}
