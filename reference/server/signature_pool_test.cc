// signature_pool_test.cc — SignaturePool gives every check the result protocol::verify_signature
// gives (CR-SIG-002/003), with any number of workers, across repeated batches.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/protocol/validate.h"
#include "reference/server/signature_pool.h"

namespace unm::server {
namespace {

// Signed is one signature case: its texts own the memory the checks point into.
struct Signed {
  std::string key;
  std::string msg;
  std::string sig;
};

// make_cases signs `n` messages; `kind` 1 corrupts the signature, 2 swaps in another key, 3 an
// invalid key (the identity point, CR-KEY-004), which the pool's key cache must remember as bad.
std::vector<Signed> make_cases(const std::vector<std::pair<int, std::vector<std::uint8_t>>>& spec,
                               std::uint64_t seed) {
  EXPECT_TRUE(crypto::init());
  crypto::DeterministicRandom rng(seed);
  const auto k1 = crypto::generate_private_key(rng);
  const auto k2 = crypto::generate_private_key(rng);
  std::vector<Signed> out;
  for (const auto& [kind, bytes] : spec) {
    Signed s;
    s.msg = to_hex(bytes);
    auto sig = crypto::sign(k1, bytes);
    if (kind % 4 == 1) sig[bytes.size() % 32] ^= 0x01;
    s.sig = to_hex(sig);
    s.key = to_hex(crypto::public_key(kind % 4 == 2 ? k2 : k1));
    if (kind % 4 == 3) s.key = "01" + std::string(62, '0');
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<SignatureCheck> checks_of(const std::vector<Signed>& cases) {
  std::vector<SignatureCheck> checks;
  for (const auto& c : cases) checks.push_back(SignatureCheck{c.key, c.msg, c.sig});
  return checks;
}

// gen_spec generates the `spec` of make_cases: (kind, message bytes) pairs.
rc::Gen<std::vector<std::pair<int, std::vector<std::uint8_t>>>> gen_spec() {
  return rc::gen::container<std::vector<std::pair<int, std::vector<std::uint8_t>>>>(rc::gen::pair(
      rc::gen::inRange(0, 4), rc::gen::nonEmpty(rc::gen::container<std::vector<std::uint8_t>>(
                                  rc::gen::arbitrary<std::uint8_t>()))));
}

RC_GTEST_PROP(SignaturePoolProperty, EveryCheckGetsTheSequentialResult, ()) {
  const auto spec = *gen_spec();
  const unsigned workers = *rc::gen::inRange(0u, 4u);
  const auto cases = make_cases(spec, *rc::gen::arbitrary<std::uint64_t>());
  SignaturePool pool(workers);
  for (int round = 0; round < 2; ++round) {  // the pool is reused batch after batch
    auto checks = checks_of(cases);
    pool.verify_all(checks);
    for (std::size_t i = 0; i < checks.size(); ++i) {
      RC_ASSERT(checks[i].ok == static_cast<bool>(protocol::verify_signature(
                                    cases[i].key, cases[i].msg, cases[i].sig)));
      RC_ASSERT(checks[i].ok == (spec[i].first % 4 == 0));
    }
  }
}

// start / result / finish (the batch runs while its signatures are verified): every result asked
// for, in any order and any subset, is the sequential one, and after finish every check has it.
RC_GTEST_PROP(SignaturePoolProperty, ResultsAskedInAnyOrderAreTheSequentialOnes, ()) {
  const auto spec = *gen_spec();
  const unsigned workers = *rc::gen::inRange(0u, 4u);
  const auto cases = make_cases(spec, *rc::gen::arbitrary<std::uint64_t>());
  SignaturePool pool(workers);
  for (int round = 0; round < 2; ++round) {
    auto checks = checks_of(cases);
    // The indices asked for: any of them, repeated or not, in any order (also out of range).
    const auto asked = *rc::gen::container<std::vector<std::size_t>>(
        rc::gen::inRange<std::size_t>(0, checks.size() + 2));
    pool.start(checks);
    for (const std::size_t i : asked) {
      const bool want = i < checks.size() && spec[i].first % 4 == 0;
      RC_ASSERT(pool.result(i) == want);
    }
    pool.finish();
    for (std::size_t i = 0; i < checks.size(); ++i)
      RC_ASSERT(checks[i].ok == (spec[i].first % 4 == 0));
  }
  std::vector<SignatureCheck> none;
  pool.start(none);
  RC_ASSERT(!pool.result(0));
  pool.finish();
}

TEST(SignaturePool, EmptyBatchesAndManyBatches) {
  SignaturePool pool(2);
  EXPECT_EQ(pool.workers(), 2u);
  std::vector<SignatureCheck> none;
  pool.verify_all(none);
  std::vector<std::pair<int, std::vector<std::uint8_t>>> spec;
  for (int i = 0; i < 9; ++i) spec.emplace_back(i, std::vector<std::uint8_t>{std::uint8_t(i)});
  const auto cases = make_cases(spec, 7);
  for (int round = 0; round < 50; ++round) {
    auto checks = checks_of(cases);
    pool.verify_all(checks);
    for (std::size_t i = 0; i < checks.size(); ++i) EXPECT_EQ(checks[i].ok, i % 4 == 0) << i;
  }
}

}  // namespace
}  // namespace unm::server
