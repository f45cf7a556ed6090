// group_tree_test.cc — the group key tree: creator and members agree (CR-TREE-001..007).
#include <sodium.h>

#include "reference/crypto/test_util.h"

namespace unm::crypto {
namespace {

using test::array32;
using test::make_member;
using test::Member;

class GroupTree : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init().has_value()); }
};

// Group is a creator and n-1 members with their bundles.
struct Group {
  PrivateKey creator;
  std::vector<Member> members;
  std::vector<PreKeyBundle> bundles;
};

Group make_group(std::size_t n, Random& rng) {
  Group g{generate_private_key(rng), {}, {}};
  for (std::size_t i = 1; i < n; ++i) {
    g.members.push_back(make_member(rng));
    g.bundles.push_back(g.members.back().bundle);
  }
  return g;
}

// receive_all checks that every member derives the creator's root.
void expect_all_agree(const Group& g, const GroupDm& dm) {
  for (std::size_t i = 0; i < g.members.size(); ++i) {
    auto k = receive_group_dm(g.members[i].ik, g.members[i].spk, public_key(g.creator),
                              dm.messages[i].ek, dm.key_tree, i + 1);
    ASSERT_TRUE(k.has_value()) << "position " << i + 1 << ": " << error_name(k.error());
    EXPECT_TRUE(*k == dm.shared_key) << "position " << i + 1;
  }
}

TEST_F(GroupTree, PaddedSize) {
  EXPECT_EQ(padded_size_for(0), 2u);
  EXPECT_EQ(padded_size_for(1), 2u);
  EXPECT_EQ(padded_size_for(2), 2u);
  EXPECT_EQ(padded_size_for(3), 4u);
  EXPECT_EQ(padded_size_for(4), 4u);
  EXPECT_EQ(padded_size_for(5), 8u);
  EXPECT_EQ(padded_size_for(1025), 2048u);
  EXPECT_EQ(padded_size_for(kMaxGroupLeaves), kMaxGroupLeaves);
  EXPECT_EQ(padded_size_for(kMaxGroupLeaves + 1), 0u);
}

TEST_F(GroupTree, CombineIsSymmetricAndMatchesItsDefinition) {
  DeterministicRandom rng(41);
  const PrivateKey a = generate_private_key(rng);
  const PrivateKey b = generate_private_key(rng);
  auto ab = combine(a, b);
  auto ba = combine(b, a);
  ASSERT_TRUE(ab.has_value());
  ASSERT_TRUE(ba.has_value());
  EXPECT_TRUE(*ab == *ba);
  // combine(a, b) = encode(scalar(b)·point(a)).
  PublicKey via_point{};
  const PublicKey pa = public_key(a);
  ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(via_point.data(), scalar(b).data(), pa.data()), 0);
  EXPECT_TRUE(std::equal(via_point.begin(), via_point.end(), ab->data()));
}

TEST_F(GroupTree, TwoPartyTreeByHand) {
  // n = 2, M = 2: key_tree = [public(leaf0), public(SK_1)], root = combine(leaf0, SK_1).
  DeterministicRandom rng(42);
  const Group g = make_group(2, rng);
  const PrivateKey leaf0 = generate_private_key(rng);
  const PrivateKey ek = generate_private_key(rng);
  auto dm = create_group_dm_explicit(g.creator, g.bundles, leaf0, {}, std::span(&ek, 1));
  ASSERT_TRUE(dm.has_value());
  EXPECT_EQ(dm->padded_size, 2u);
  ASSERT_EQ(dm->key_tree.size(), 2u);
  ASSERT_EQ(dm->messages.size(), 1u);
  auto sk = x3dh_send_with_ephemeral(g.creator, ek, g.bundles[0]);
  ASSERT_TRUE(sk.has_value());
  EXPECT_EQ(dm->messages[0].ek, public_key(ek));
  EXPECT_EQ(dm->messages[0].spk, g.bundles[0].spk);
  EXPECT_EQ(dm->key_tree[0], public_key(leaf0));
  EXPECT_EQ(dm->key_tree[1], public_key(sk->shared_key));
  auto root = combine(leaf0, sk->shared_key);
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(*root == dm->shared_key);
  expect_all_agree(g, *dm);
}

TEST_F(GroupTree, FourLeafTreeByHand) {
  // n = 3, M = 4: leaves 4..7 = leaf0, SK_1, SK_2, padding; nodes 2, 3 and the root.
  DeterministicRandom rng(43);
  const Group g = make_group(3, rng);
  const PrivateKey leaf0 = generate_private_key(rng);
  const std::vector<PrivateKey> pad = {generate_private_key(rng)};
  const std::vector<PrivateKey> eks = {generate_private_key(rng), generate_private_key(rng)};
  auto dm = create_group_dm_explicit(g.creator, g.bundles, leaf0, pad, eks);
  ASSERT_TRUE(dm.has_value());
  ASSERT_EQ(dm->key_tree.size(), 6u);
  auto sk1 = x3dh_send_with_ephemeral(g.creator, eks[0], g.bundles[0]);
  auto sk2 = x3dh_send_with_ephemeral(g.creator, eks[1], g.bundles[1]);
  ASSERT_TRUE(sk1 && sk2);
  auto n2 = combine(leaf0, sk1->shared_key);
  auto n3 = combine(sk2->shared_key, pad[0]);
  ASSERT_TRUE(n2 && n3);
  auto root = combine(*n2, *n3);
  ASSERT_TRUE(root.has_value());
  const std::vector<PublicKey> expect = {public_key(*n2),
                                         public_key(*n3),
                                         public_key(leaf0),
                                         public_key(sk1->shared_key),
                                         public_key(sk2->shared_key),
                                         public_key(pad[0])};
  EXPECT_EQ(dm->key_tree, expect);
  EXPECT_TRUE(*root == dm->shared_key);
  expect_all_agree(g, *dm);
}

TEST_F(GroupTree, RandomCreationAgreesAndIsReproducible) {
  DeterministicRandom rng(44);
  const Group g = make_group(6, rng);
  DeterministicRandom r1(99), r2(99);
  auto a = create_group_dm(g.creator, g.bundles, r1);
  auto b = create_group_dm(g.creator, g.bundles, r2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->padded_size, 8u);
  EXPECT_EQ(a->key_tree.size(), 14u);
  EXPECT_EQ(a->key_tree, b->key_tree);
  EXPECT_TRUE(a->shared_key == b->shared_key);
  expect_all_agree(g, *a);
  for (const auto& k : a->key_tree) EXPECT_TRUE(validate_public_key(k).has_value());
}

TEST_F(GroupTree, CreatorRefusesBadInput) {
  DeterministicRandom rng(45);
  const Group g = make_group(3, rng);
  const PrivateKey leaf0 = generate_private_key(rng);
  const std::vector<PrivateKey> pad = {generate_private_key(rng)};
  const std::vector<PrivateKey> eks = {generate_private_key(rng), generate_private_key(rng)};
  EXPECT_EQ(create_group_dm(g.creator, {}, rng).error(), Error::wrong_length);
  EXPECT_EQ(create_group_dm_explicit(g.creator, g.bundles, leaf0, {}, eks).error(),
            Error::wrong_length);
  EXPECT_EQ(
      create_group_dm_explicit(g.creator, g.bundles, leaf0, pad, std::span(eks).first(1)).error(),
      Error::wrong_length);
  // CR-X3DH-001: one forged bundle fails the whole creation.
  auto bundles = g.bundles;
  bundles[1].sig[0] ^= 0x40;
  EXPECT_EQ(create_group_dm(g.creator, bundles, rng).error(), Error::bad_signature);
  bundles = g.bundles;
  bundles[0].ik = array32(test::kOrder8Hex);
  EXPECT_EQ(create_group_dm(g.creator, bundles, rng).error(), Error::invalid_point);
}

// With several bad bundles the error is the first one's, however the work is split over
// threads (CR-X3DH-001).
TEST_F(GroupTree, FirstBadBundleDecidesTheErrorForAnyThreadCount) {
  DeterministicRandom rng(47);
  const Group g = make_group(40, rng);
  auto bundles = g.bundles;
  bundles[3].ik = array32(test::kOrder8Hex);  // invalid_point, first
  bundles[30].sig[5] ^= 0x01;                 // bad_signature, later
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    DeterministicRandom r(7);
    EXPECT_EQ(create_group_dm(g.creator, bundles, r, threads).error(), Error::invalid_point)
        << threads << " threads";
  }
}

class GroupTreeReceive : public GroupTree {
 protected:
  void SetUp() override {
    GroupTree::SetUp();
    DeterministicRandom rng(46);
    g_ = make_group(5, rng);  // M = 8, tree of 14
    auto dm = create_group_dm(g_.creator, g_.bundles, rng);
    ASSERT_TRUE(dm.has_value());
    dm_ = std::move(*dm);
  }
  Result<SharedKey> receive(std::span<const PublicKey> tree, std::size_t position,
                            std::size_t who = 0) {
    return receive_group_dm(g_.members[who].ik, g_.members[who].spk, public_key(g_.creator),
                            dm_.messages[who].ek, tree, position);
  }
  Group g_;
  GroupDm dm_;
};

TEST_F(GroupTreeReceive, RejectsBadTreeLengths) {
  for (std::size_t len : {0u, 1u, 3u, 4u, 10u, 12u, 13u, 16u}) {
    std::vector<PublicKey> tree(dm_.key_tree.begin(),
                                dm_.key_tree.begin() + std::min(len, dm_.key_tree.size()));
    tree.resize(len, dm_.key_tree[0]);
    EXPECT_EQ(receive(tree, 1).error(), Error::bad_tree_length) << len;
  }
  const std::vector<PublicKey> huge(2 * (kMaxGroupLeaves * 2) - 2);
  EXPECT_EQ(receive(huge, 1).error(), Error::bad_tree_length);
}

TEST_F(GroupTreeReceive, RejectsPositionsOutOfRange) {
  EXPECT_EQ(receive(dm_.key_tree, 0).error(), Error::position_out_of_range);
  EXPECT_EQ(receive(dm_.key_tree, 8).error(), Error::position_out_of_range);
  EXPECT_EQ(receive(dm_.key_tree, 1000).error(), Error::position_out_of_range);
  EXPECT_EQ(receive(dm_.key_tree, static_cast<std::size_t>(-1)).error(),
            Error::position_out_of_range);
}

TEST_F(GroupTreeReceive, RejectsInvalidEntriesAnywhere) {
  for (std::size_t idx = 0; idx < dm_.key_tree.size(); ++idx) {
    auto tree = dm_.key_tree;
    tree[idx] = array32(test::kIdentityHex);
    EXPECT_EQ(receive(tree, 1).error(), Error::invalid_point) << idx;
    tree[idx] = array32("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    EXPECT_EQ(receive(tree, 1).error(), Error::invalid_point) << idx;
  }
}

TEST_F(GroupTreeReceive, RejectsMixedOrderSiblingOnThePath) {
  // Position 1 is leaf 9; its path uses siblings 8, 5 and 3 (array indices 6, 3, 1).
  for (std::size_t idx : {6u, 3u, 1u}) {
    auto tree = dm_.key_tree;
    PublicKey mixed{};
    const PublicKey t8 = array32(test::kOrder8Hex);
    ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), tree[idx].data(), t8.data()), 0);
    tree[idx] = mixed;
    EXPECT_EQ(receive(tree, 1).error(), Error::invalid_point) << idx;
  }
}

TEST_F(GroupTreeReceive, DetectsATamperedOwnLeaf) {
  // CR-TREE-007: position 1's own leaf is heap 9, array index 7.
  auto tree = dm_.key_tree;
  tree[7] = tree[8];
  EXPECT_EQ(receive(tree, 1).error(), Error::leaf_mismatch);
  // Claiming another member's position is caught the same way.
  EXPECT_EQ(receive(dm_.key_tree, 2).error(), Error::leaf_mismatch);
}

TEST_F(GroupTreeReceive, ATamperedSiblingChangesTheKey) {
  // A valid but wrong sibling cannot be detected by the member; the key then differs (and the
  // first message fails to decrypt).
  auto tree = dm_.key_tree;
  tree[1] = public_key(generate_private_key(system_random()));
  auto k = receive(tree, 1);
  ASSERT_TRUE(k.has_value());
  EXPECT_FALSE(*k == dm_.shared_key);
}

TEST_F(GroupTreeReceive, WrongSenderOrEphemeralFails) {
  auto k = receive_group_dm(g_.members[0].ik, g_.members[0].spk, public_key(g_.creator),
                            dm_.messages[1].ek, dm_.key_tree, 1);
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error(), Error::leaf_mismatch);
}

// Tree agreement for every position of a random group size n in 2 ... 200. Sizes are drawn from
// the whole range; 30 cases keep it within seconds on a 2-core machine (one case of n = 200 runs
// 199 X3DH handshakes and 199 receivers).
UNM_RC_GTEST_PROP_N(GroupTreeProp, EveryMemberDerivesTheRoot, 30, ()) {
  RC_ASSERT(init().has_value());
  const auto n = *rc::gen::inRange<std::size_t>(2, 201);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  DeterministicRandom rng(seed);
  const Group g = make_group(n, rng);
  auto dm = create_group_dm(g.creator, g.bundles, rng);
  RC_ASSERT(dm.has_value());
  RC_ASSERT(dm->padded_size == padded_size_for(n));
  RC_ASSERT(dm->key_tree.size() == 2 * dm->padded_size - 2);
  RC_ASSERT(dm->messages.size() == n - 1);
  for (std::size_t p = 1; p < n; ++p) {
    auto k = receive_group_dm(g.members[p - 1].ik, g.members[p - 1].spk, public_key(g.creator),
                              dm->messages[p - 1].ek, dm->key_tree, p);
    RC_ASSERT(k.has_value());
    RC_ASSERT(*k == dm->shared_key);
  }
}

// The creator's result does not depend on how many threads build it: same seed, same tree, same
// messages, same root, for thread counts 1 ... 4 and sizes that cross the parallel thresholds.
UNM_RC_GTEST_PROP_N(GroupTreeProp, ThreadCountDoesNotChangeTheTree, 15, ()) {
  RC_ASSERT(init().has_value());
  const auto n = *rc::gen::inRange<std::size_t>(2, 70);
  const auto threads = *rc::gen::inRange(2u, 5u);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  DeterministicRandom rng(seed);
  const Group g = make_group(n, rng);
  DeterministicRandom r1(seed ^ 1), r2(seed ^ 1);
  auto serial = create_group_dm(g.creator, g.bundles, r1, 1);
  auto parallel = create_group_dm(g.creator, g.bundles, r2, threads);
  RC_ASSERT(serial.has_value());
  RC_ASSERT(parallel.has_value());
  RC_ASSERT(serial->key_tree == parallel->key_tree);
  RC_ASSERT(serial->shared_key == parallel->shared_key);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    RC_ASSERT(serial->messages[i].ek == parallel->messages[i].ek);
    RC_ASSERT(serial->messages[i].spk == parallel->messages[i].spk);
  }
}

RC_GTEST_PROP(GroupTreeProp, CombineIsSymmetric, ()) {
  RC_ASSERT(init().has_value());
  const PrivateKey a = *test::gen_private_key();
  const PrivateKey b = *test::gen_private_key();
  auto ab = combine(a, b);
  auto ba = combine(b, a);
  RC_ASSERT(ab.has_value());
  RC_ASSERT(ba.has_value());
  RC_ASSERT(*ab == *ba);
}

// A receiver given arbitrary trees and positions returns a key or a typed error, never crashes.
RC_GTEST_PROP(GroupTreeProp, ReceiveNeverCrashes, ()) {
  RC_ASSERT(init().has_value());
  DeterministicRandom rng(*rc::gen::arbitrary<std::uint64_t>());
  const Member me = make_member(rng);
  const auto len = *rc::gen::inRange<std::size_t>(0, 40);
  const auto position = *rc::gen::inRange<std::size_t>(0, 40);
  // Entries: a mix of arbitrary bytes, valid points and small-order points.
  std::vector<PublicKey> tree(len);
  for (auto& e : tree) {
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        e = *rc::gen::arbitrary<std::array<std::uint8_t, 32>>();
        break;
      case 1:
        e = public_key(generate_private_key(rng));
        break;
      default:
        e = array32(test::kOrder8Hex);
        break;
    }
  }
  const auto sender = *rc::gen::arbitrary<std::array<std::uint8_t, 32>>();
  const auto ek = *rc::gen::element(public_key(generate_private_key(rng)),
                                    *rc::gen::arbitrary<std::array<std::uint8_t, 32>>());
  auto k = receive_group_dm(me.ik, me.spk, sender, ek, tree, position);
  if (!k) {
    const Error e = k.error();
    RC_ASSERT(e == Error::bad_tree_length || e == Error::position_out_of_range ||
              e == Error::invalid_point || e == Error::leaf_mismatch);
  }
}

}  // namespace
}  // namespace unm::crypto
