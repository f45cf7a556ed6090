// crypto_bench.cc — Google Benchmark timings of the crypto layer (docs/benchmarks.md).
//
// Two groups: "Prim_*" time one libsodium primitive alone; the others time a protocol operation
// of unm::crypto. bench/compare_crypto.sh predicts each composite operation from the primitives
// it is made of, and compares both with the JavaScript client's library (bench/js).
// Run: bench_crypto --benchmark_format=json
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "reference/crypto/crypto.h"

namespace unm::crypto {
namespace {

// Fixture data is built once from a fixed seed so that every run times the same inputs.
struct Keys {
  PrivateKey a;
  PrivateKey b;
  PublicKey a_pub;
  PublicKey b_pub;
  Scalar sa;
  Scalar sb;
};

Keys make_keys() {
  DeterministicRandom rng(1);
  Keys k{generate_private_key(rng), generate_private_key(rng), {}, {}, {}, {}};
  k.a_pub = public_key(k.a);
  k.b_pub = public_key(k.b);
  k.sa = scalar(k.a);
  k.sb = scalar(k.b);
  return k;
}

struct Member {
  PrivateKey ik;
  PrivateKey spk;
  PreKeyBundle bundle;
};

std::vector<Member> make_members(std::size_t count, Random& rng) {
  std::vector<Member> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Member m{generate_private_key(rng), generate_private_key(rng), {}};
    m.bundle = {public_key(m.ik), public_key(m.spk), sign(m.ik, public_key(m.spk))};
    out.push_back(std::move(m));
  }
  return out;
}

// ---- primitives, each alone --------------------------------------------------------------

void Prim_BaseMult(benchmark::State& state) {  // k·B (fixed base)
  const Keys k = make_keys();
  PublicKey out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_ed25519_base_noclamp(out.data(), k.sa.data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(Prim_BaseMult);

void Prim_VarMult(benchmark::State& state) {  // k·P incl. libsodium's CR-KEY-004 check of P
  const Keys k = make_keys();
  PublicKey out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        crypto_scalarmult_ed25519_noclamp(out.data(), k.sa.data(), k.b_pub.data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(Prim_VarMult);

void Prim_ValidatePoint(benchmark::State& state) {  // canonical + small order + subgroup
  const Keys k = make_keys();
  for (auto _ : state) benchmark::DoNotOptimize(crypto_core_ed25519_is_valid_point(k.b_pub.data()));
}
BENCHMARK(Prim_ValidatePoint);

void Prim_EdToCurve(benchmark::State& state) {  // Edwards -> Montgomery u, with subgroup check
  const Keys k = make_keys();
  PublicKey u{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_sign_ed25519_pk_to_curve25519(u.data(), k.b_pub.data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(Prim_EdToCurve);

void Prim_X25519(benchmark::State& state) {
  const Keys k = make_keys();
  PublicKey u{};
  if (crypto_sign_ed25519_pk_to_curve25519(u.data(), k.b_pub.data()) != 0) state.SkipWithError("u");
  const SecretBytes<32> xs = x25519_private_key(k.a);
  std::array<std::uint8_t, 32> out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult(out.data(), xs.data(), u.data()));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(Prim_X25519);

void Prim_ScalarOfKey(benchmark::State& state) {  // scalar(priv): SHA-512, clamp, reduce
  const Keys k = make_keys();
  for (auto _ : state) benchmark::DoNotOptimize(scalar(k.a));
}
BENCHMARK(Prim_ScalarOfKey);

void Prim_ScalarMul(benchmark::State& state) {  // a·b mod L
  const Keys k = make_keys();
  Scalar out;
  for (auto _ : state) {
    crypto_core_ed25519_scalar_mul(out.data(), k.sa.data(), k.sb.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(Prim_ScalarMul);

void Prim_Kdf(benchmark::State& state) {  // HKDF-SHA-512 of the 128-byte X3DH key material
  std::array<std::uint8_t, 128> km{};
  for (auto _ : state) benchmark::DoNotOptimize(kdf(km));
}
BENCHMARK(Prim_Kdf);

void Prim_VerifyRaw(benchmark::State& state) {  // crypto_sign_verify_detached alone
  const Keys k = make_keys();
  const Signature sig = sign(k.a, k.b_pub);
  for (auto _ : state)
    benchmark::DoNotOptimize(
        crypto_sign_verify_detached(sig.data(), k.b_pub.data(), k.b_pub.size(), k.a_pub.data()));
}
BENCHMARK(Prim_VerifyRaw);

void Prim_PublicKey(benchmark::State& state) {  // public(priv) = SHA-512 + fixed-base mult
  const Keys k = make_keys();
  for (auto _ : state) benchmark::DoNotOptimize(public_key(k.a));
}
BENCHMARK(Prim_PublicKey);

void Prim_CanonicalCheck(benchmark::State& state) {  // the receiver's cheap per-entry check
  const Keys k = make_keys();
  for (auto _ : state)
    benchmark::DoNotOptimize(is_canonical_point_encoding(k.b_pub) &&
                             !is_small_order_encoding(k.b_pub));
}
BENCHMARK(Prim_CanonicalCheck);

// ---- protocol operations ----------------------------------------------------------------

void Sign(benchmark::State& state) {
  const Keys k = make_keys();
  std::vector<std::uint8_t> msg(128, 0x42);  // about one hex ciphertext of a short message
  for (auto _ : state) benchmark::DoNotOptimize(sign(k.a, msg));
}
BENCHMARK(Sign);

void Verify(benchmark::State& state) {
  const Keys k = make_keys();
  std::vector<std::uint8_t> msg(128, 0x42);
  const Signature sig = sign(k.a, msg);
  for (auto _ : state) benchmark::DoNotOptimize(verify(k.a_pub, msg, sig));
}
BENCHMARK(Verify);

void ChallengeCreate(benchmark::State& state) {
  const Keys k = make_keys();
  for (auto _ : state) benchmark::DoNotOptimize(create_challenge(k.a_pub, system_random()));
}
BENCHMARK(ChallengeCreate);

void ChallengeResponse(benchmark::State& state) {
  const Keys k = make_keys();
  auto c = create_challenge(k.a_pub, system_random());
  if (!c) state.SkipWithError("challenge");
  for (auto _ : state) benchmark::DoNotOptimize(challenge_response(k.a, c->challenge));
}
BENCHMARK(ChallengeResponse);

void Ecdh(benchmark::State& state) {
  const Keys k = make_keys();
  for (auto _ : state) benchmark::DoNotOptimize(ecdh(k.a, k.b_pub));
}
BENCHMARK(Ecdh);

void X3dhSend(benchmark::State& state) {
  DeterministicRandom rng(2);
  const PrivateKey ik = generate_private_key(rng);
  const auto members = make_members(1, rng);
  for (auto _ : state) benchmark::DoNotOptimize(x3dh_send(ik, members[0].bundle, system_random()));
}
BENCHMARK(X3dhSend);

void X3dhReceive(benchmark::State& state) {
  DeterministicRandom rng(3);
  const PrivateKey ik = generate_private_key(rng);
  const auto members = make_members(1, rng);
  auto sent = x3dh_send(ik, members[0].bundle, rng);
  if (!sent) state.SkipWithError("send");
  const PublicKey ik_pub = public_key(ik);
  for (auto _ : state)
    benchmark::DoNotOptimize(x3dh_receive(members[0].ik, members[0].spk, ik_pub, sent->message.ek));
}
BENCHMARK(X3dhReceive);

// TreeCreate/n: createGroupDM for n participants (n-1 X3DH handshakes and the tree) on every
// core (the default of create_group_dm); wall-clock time, since the work is split over threads.
// TreeCreateSerial/n: the same on the calling thread alone (threads = 1), CPU time, which is what
// the sum of the primitive operations predicts.
void tree_create(benchmark::State& state, unsigned threads) {
  const auto n = static_cast<std::size_t>(state.range(0));
  DeterministicRandom rng(4);
  const PrivateKey ik = generate_private_key(rng);
  const auto members = make_members(n - 1, rng);
  std::vector<PreKeyBundle> bundles;
  for (const auto& m : members) bundles.push_back(m.bundle);
  for (auto _ : state)
    benchmark::DoNotOptimize(create_group_dm(ik, bundles, system_random(), threads));
  state.counters["M"] = static_cast<double>(padded_size_for(n));
  state.counters["threads"] = threads == 0 ? std::thread::hardware_concurrency() : threads;
}
void TreeCreate(benchmark::State& state) {
  tree_create(state, 0);
}
void TreeCreateSerial(benchmark::State& state) {
  tree_create(state, 1);
}
BENCHMARK(TreeCreate)
    ->Arg(2)
    ->Arg(8)
    ->Arg(32)
    ->Arg(128)
    ->Arg(512)
    ->Arg(1024)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(TreeCreateSerial)->Arg(8)->Arg(128)->Arg(1024)->Unit(benchmark::kMillisecond);

// TreeReceive/n: recvGroupDM of the member at the last position of an n-member tree.
void TreeReceive(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  DeterministicRandom rng(5);
  const PrivateKey ik = generate_private_key(rng);
  const auto members = make_members(n - 1, rng);
  std::vector<PreKeyBundle> bundles;
  for (const auto& m : members) bundles.push_back(m.bundle);
  auto dm = create_group_dm(ik, bundles, rng);
  if (!dm) {
    state.SkipWithError("create");
    return;
  }
  const PublicKey ik_pub = public_key(ik);
  const std::size_t p = n - 1;
  for (auto _ : state)
    benchmark::DoNotOptimize(receive_group_dm(members[p - 1].ik, members[p - 1].spk, ik_pub,
                                              dm->messages[p - 1].ek, dm->key_tree, p));
  state.counters["M"] = static_cast<double>(dm->padded_size);
}
BENCHMARK(TreeReceive)->Arg(1024)->Unit(benchmark::kMicrosecond);

// AesGcmEncrypt/bytes and AesGcmDecrypt/bytes, hex wire form included (as the client uses it).
void AesGcmEncrypt(benchmark::State& state) {
  DeterministicRandom rng(6);
  SharedKey key;
  rng.fill(key.mutable_bytes());
  std::vector<std::uint8_t> pt(static_cast<std::size_t>(state.range(0)));
  rng.fill(pt);
  for (auto _ : state) benchmark::DoNotOptimize(aead_encrypt_hex(key, pt, system_random()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetLabel(aead_default_backend() == AeadBackend::libsodium ? "libsodium" : "openssl");
}
BENCHMARK(AesGcmEncrypt)->Arg(1024)->Arg(65536);

void AesGcmDecrypt(benchmark::State& state) {
  DeterministicRandom rng(7);
  SharedKey key;
  rng.fill(key.mutable_bytes());
  std::vector<std::uint8_t> pt(static_cast<std::size_t>(state.range(0)));
  rng.fill(pt);
  auto hex = aead_encrypt_hex(key, pt, rng);
  if (!hex) state.SkipWithError("encrypt");
  for (auto _ : state) benchmark::DoNotOptimize(aead_decrypt_hex(key, *hex));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(AesGcmDecrypt)->Arg(1024)->Arg(65536);

// AesGcmSealRaw/backend/bytes: the AEAD without hex, per backend (0 = libsodium, 1 = OpenSSL).
void AesGcmSealRaw(benchmark::State& state) {
  const auto backend = state.range(0) == 0 ? AeadBackend::libsodium : AeadBackend::openssl;
  if (backend == AeadBackend::libsodium && !crypto_aead_aes256gcm_is_available()) {
    state.SkipWithError("libsodium AES-GCM unavailable on this CPU");
    return;
  }
  SharedKey key;
  std::vector<std::uint8_t> iv(kIvBytes), pt(static_cast<std::size_t>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(aead_seal(backend, key, iv, pt));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(1));
}
BENCHMARK(AesGcmSealRaw)->Args({0, 1024})->Args({1, 1024})->Args({0, 65536})->Args({1, 65536});

}  // namespace
}  // namespace unm::crypto

int main(int argc, char** argv) {
  if (!unm::crypto::init()) {
    std::fputs("bench_crypto: libsodium failed to initialise\n", stderr);
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
