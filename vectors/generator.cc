#include "vectors/generator.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "reference/common/hex.h"
#include "reference/crypto/bip39_english.h"
#include "reference/crypto/crypto.h"
#include "reference/crypto/recovery_phrase.h"
#include "vectors/edge_points.h"

namespace unm::vectors {
namespace {

using crypto::PrivateKey;
using crypto::PublicKey;
using crypto::Signature;
using edge::Bytes32;
using Bytes = std::vector<std::uint8_t>;

// Fail is the early return of a failed generation step.
Unexpected<GenerateError> fail(crypto::Error e, std::string step) {
  return Unexpected{GenerateError{e, std::move(step)}};
}

// FileWriter streams one vector file in the schema's field order: family, version, generator,
// notes, tests; each test starts with id, comment, result, flags.
class FileWriter {
 public:
  FileWriter(Family f, std::uint64_t seed, std::initializer_list<std::string_view> notes)
      : w_(buf_) {
    w_.SetIndent(' ', 2);
    w_.StartObject();
    text("family", family_name(f));
    number("version", 1);
    text("generator", std::string(kGeneratorTool) + ", " + std::string(kGeneratorVersion) +
                          ", seed " + std::to_string(seed));
    key("notes");
    w_.StartArray();
    for (std::string_view n : notes) w_.String(n.data(), static_cast<unsigned>(n.size()));
    w_.EndArray();
    key("tests");
    w_.StartArray();
  }

  // begin_test opens a test object; ids count from 1 in file order.
  void begin_test(std::string_view comment, bool valid,
                  std::initializer_list<std::string_view> flags = {}) {
    begin_test(comment, valid, std::vector<std::string_view>(flags));
  }
  void begin_test(std::string_view comment, bool valid,
                  const std::vector<std::string_view>& flags) {
    w_.StartObject();
    number("id", ++next_id_);
    text("comment", comment);
    text("result", valid ? "valid" : "invalid");
    if (!flags.empty()) {
      key("flags");
      w_.StartArray();
      for (std::string_view f : flags) w_.String(f.data(), static_cast<unsigned>(f.size()));
      w_.EndArray();
    }
  }
  void end_test() { w_.EndObject(); }

  void key(std::string_view k) { w_.Key(k.data(), static_cast<unsigned>(k.size())); }
  void text(std::string_view k, std::string_view v) {
    key(k);
    w_.String(v.data(), static_cast<unsigned>(v.size()));
  }
  void hex(std::string_view k, std::span<const std::uint8_t> v) { text(k, to_hex(v)); }
  void hex(std::string_view k, const PrivateKey& v) { text(k, to_hex(v.bytes())); }
  void number(std::string_view k, std::uint64_t v) {
    key(k);
    w_.Uint64(v);
  }
  void element(std::string_view v) { w_.String(v.data(), static_cast<unsigned>(v.size())); }
  void start_object(std::string_view k) {
    key(k);
    w_.StartObject();
  }
  void start_object() { w_.StartObject(); }
  void end_object() { w_.EndObject(); }
  void start_array(std::string_view k) {
    key(k);
    w_.StartArray();
  }
  void end_array() { w_.EndArray(); }

  std::string finish() {
    w_.EndArray();
    w_.EndObject();
    std::string out(buf_.GetString(), buf_.GetSize());
    out.push_back('\n');
    return out;
  }

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w_;
  std::uint64_t next_id_ = 0;
};

// family_rng keys a DeterministicRandom with SHA-256("unm_vectors/<family>/<seed>"), so each file
// depends only on its family and the seed.
crypto::DeterministicRandom family_rng(Family f, std::uint64_t seed) {
  const std::string label =
      "unm_vectors/" + std::string(family_name(f)) + "/" + std::to_string(seed);
  std::array<std::uint8_t, 32> key{};
  crypto_hash_sha256(key.data(), reinterpret_cast<const unsigned char*>(label.data()),
                     label.size());
  return crypto::DeterministicRandom(std::span<const std::uint8_t, 32>(key));
}

Bytes random_bytes(crypto::Random& rng, std::size_t n) {
  Bytes b(n);
  rng.fill(b);
  return b;
}

std::uint32_t random_below(crypto::Random& rng, std::uint32_t bound) {
  std::array<std::uint8_t, 4> b{};
  rng.fill(b);
  const std::uint32_t v =
      static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
      (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  return bound == 0 ? 0 : v % bound;
}

// random_scalar is a uniform scalar mod L (a 64-byte value reduced), never zero.
Bytes32 random_scalar(crypto::Random& rng) {
  for (;;) {
    std::array<std::uint8_t, 64> wide{};
    rng.fill(wide);
    Bytes32 s = edge::reduce64(wide);
    if (std::any_of(s.begin(), s.end(), [](std::uint8_t b) { return b != 0; })) return s;
  }
}

Bytes32 as_bytes(const crypto::Scalar& s) {
  Bytes32 out{};
  std::copy(s.bytes().begin(), s.bytes().end(), out.begin());
  return out;
}

Bytes text_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Signature signature_of(const Bytes32& r, const Bytes32& s) {
  Signature sig{};
  std::copy(r.begin(), r.end(), sig.begin());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  return sig;
}

// Forged is a signature made without the private key of a small-order public key.
struct Forged {
  Signature sig{};
  int r_index = 0;
  bool cofactorless = false;  // R + k·A = S·B holds without multiplying by the cofactor
};

// forge_for_small_order_key returns (R, S = 0) with R of small order. Any such pair passes the
// cofactored (ZIP-215) equation 8·S·B = 8·R + 8·k·A; it prefers the R for which the cofactorless
// equation R + k·A = 0 holds too (k depends on R, so each R is tried).
Forged forge_for_small_order_key(const Bytes32& a_enc, int a_index,
                                 std::span<const std::uint8_t> msg) {
  const auto pts = edge::small_order_points();
  for (int j = 0; j < 8; ++j) {
    const Bytes32 k = edge::hram(pts[j], a_enc, msg);
    if ((j + static_cast<int>(edge::low_bits_mod8(k)) * a_index) % 8 == 0) {
      return {signature_of(pts[j], Bytes32{}), j, true};
    }
  }
  return {signature_of(pts[1], Bytes32{}), 1, false};
}

// sign_with_r signs `msg` for the public-key encoding `a_enc` with secret scalar `a`, nonce r and
// an arbitrary R encoding: S = r + k·a with k = H(R || A || M). With R = r·B and A = a·B this is
// plain Ed25519; the generator passes R or A with torsion or non-canonical encodings added.
Signature sign_with_r(const Bytes32& a_scalar, const Bytes32& a_enc, const Bytes32& r,
                      const Bytes32& r_enc, std::span<const std::uint8_t> msg) {
  const Bytes32 k = edge::hram(r_enc, a_enc, msg);
  return signature_of(r_enc, edge::muladd(k, a_scalar, r));
}

std::vector<std::string_view> with(std::vector<std::string_view> flags, bool cond,
                                   std::string_view extra) {
  if (cond) flags.push_back(extra);
  return flags;
}

// small-order flags for a point given as a (possibly non-canonical) encoding.
std::vector<std::string_view> point_flags(const Bytes32& p, std::string_view small_flag) {
  std::vector<std::string_view> flags;
  Bytes32 q = p;
  if (!crypto::is_canonical_point_encoding(std::span<const std::uint8_t, 32>(q))) {
    flags.push_back("non_canonical");
  }
  const auto idx = edge::small_order_index(p);
  if (idx) {
    flags.push_back(small_flag);
    if (*idx == 0) flags.push_back("identity");
  }
  return flags;
}

// Bad point encodings every receiver must refuse (CR-KEY-004), with their flags and a comment.
struct BadPoint {
  Bytes32 enc;
  std::string comment;
  std::vector<std::string_view> flags;
};

// off_curve is y = 2, which has no x on the curve.
Bytes32 off_curve_point() {
  Bytes32 p{};
  p[0] = 2;
  return p;
}

// bad_points lists: all 8 small-order points, the non-canonical encodings (small and large order),
// mixed-order points valid + T for torsion of order 8, 4 and 2, and a point off the curve.
// `small_flag` is the small-order flag of the context (small_order, small_order_ik, ...).
std::vector<BadPoint> bad_points(const Bytes32& valid, std::string_view small_flag,
                                 std::string_view torsion_flag) {
  std::vector<BadPoint> out;
  const auto pts = edge::small_order_points();
  for (int i = 0; i < 8; ++i) {
    out.push_back({pts[i],
                   "small-order point " + std::to_string(i) + "·T (order " +
                       std::to_string(8 / std::gcd(i == 0 ? 8 : i, 8)) + ")",
                   point_flags(pts[i], small_flag)});
  }
  int large = 0;
  for (const edge::NonCanonical& nc : edge::non_canonical_encodings()) {
    if (!nc.small_order) {
      if (large++ >= 2) continue;  // two large-order examples are enough
    }
    out.push_back({nc.encoding,
                   std::string("non-canonical encoding (y >= p or x = 0 with sign bit) of ") +
                       (nc.small_order ? "a small-order point" : "a large-order point"),
                   point_flags(nc.encoding, small_flag)});
  }
  for (int j : {1, 2, 4}) {
    const auto mixed = edge::add(valid, pts[j]);
    if (!mixed) continue;
    out.push_back(
        {*mixed,
         "mixed-order point: a valid key plus a torsion point of order " + std::to_string(8 / j),
         {torsion_flag}});
  }
  out.push_back({off_curve_point(), "not a curve point (y = 2)", {}});
  return out;
}

// compact keeps one bad point of each kind: the identity, an order-8 point, a non-canonical
// encoding, a mixed-order point and the off-curve point (for places where the full list would
// only repeat the same check).
std::vector<BadPoint> compact(std::vector<BadPoint> all) {
  std::vector<BadPoint> out;
  bool non_canonical = false;
  bool mixed = false;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool nc = all[i].comment.find("non-canonical") != std::string::npos;
    const bool mx = all[i].comment.find("mixed-order") != std::string::npos;
    if (i < 2 || i + 1 == all.size() || (nc && !non_canonical) || (mx && !mixed)) {
      out.push_back(std::move(all[i]));
    }
    non_canonical = non_canonical || nc;
    mixed = mixed || mx;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ed25519_keys

Expected<std::string, GenerateError> gen_ed25519_keys(std::uint64_t seed) {
  auto rng = family_rng(Family::ed25519_keys, seed);
  FileWriter w(Family::ed25519_keys, seed,
               {"CR-KEY-001..003: a private key is any 32-byte Ed25519 seed; public_key = "
                "RFC 8032 public key; scalar = clamp(SHA-512(priv)[0..32]) mod L, 32 bytes LE.",
                "x25519_private_key = clamp(SHA-512(priv)[0..32]) (CR-DH-001); "
                "x25519_public_key = Montgomery u of public_key = X25519 base point times it.",
                "Invalid tests give a private_key that is not 64 lowercase hex characters; the "
                "implementation must refuse to parse it."});
  for (int i = 0; i < 24; ++i) {
    PrivateKey priv;
    std::string comment = "random seed";
    if (i == 0) {
      comment = "all-zero seed";
    } else if (i == 1) {
      std::fill(priv.mutable_bytes().begin(), priv.mutable_bytes().end(), 0xff);
      comment = "all-0xff seed";
    } else {
      priv = crypto::generate_private_key(rng);
    }
    const PublicKey pub = crypto::public_key(priv);
    const auto xpub = crypto::x25519_public_key(pub);
    if (!xpub) return fail(xpub.error(), "ed25519_keys x25519_public_key");
    w.begin_test(comment, true);
    w.hex("private_key", priv);
    w.hex("public_key", pub);
    w.hex("scalar", crypto::scalar(priv).bytes());
    w.hex("x25519_private_key", crypto::x25519_private_key(priv).bytes());
    w.hex("x25519_public_key", *xpub);
    w.end_test();
  }
  const PrivateKey k = crypto::generate_private_key(rng);
  const std::string h = to_hex(k.bytes());
  std::string upper = h;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return static_cast<char>(c >= 'a' && c <= 'f' ? c - 32 : c); });
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"short input: 31 bytes", h.substr(0, 62)},
      {"33 bytes", h + "00"},
      {"empty", ""},
      {"odd number of hex characters", h.substr(0, 63)},
      {"upper-case hex (the wire form is lowercase)", upper},
      {"characters outside hex", "zz" + h.substr(2)},
  };
  for (const auto& [comment, value] : bad) {
    w.begin_test(comment, false);
    w.text("private_key", value);
    w.end_test();
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// ed25519_sign

Expected<std::string, GenerateError> gen_ed25519_sign(std::uint64_t seed) {
  auto rng = family_rng(Family::ed25519_sign, seed);
  FileWriter w(
      Family::ed25519_sign, seed,
      {"CR-SIG-001/002: pure Ed25519 (RFC 8032) over Bytes(message); result is the verify "
       "decision. When private_key is present, signature = sign(private_key, message) too.",
       "CR-SIG-003: a strict verifier refuses S >= L, small-order or non-canonical R and A, and "
       "mixed-order A. Such tests are invalid and flagged; ZIP-215 verifiers (e.g. "
       "@noble/curves 1.1.0) accept many of them and are reported lenient.",
       "cofactored_only: the signature satisfies 8·S·B = 8·R + 8·k·A but not S·B = R + k·A. "
       "forgery_accepted_by_noble: made without any private key (S = 0, small-order R and A).",
       "signer_private_key is informational: the key that produced an invalid signature."});
  const std::array<std::size_t, 12> lengths = {0, 1, 2, 3, 31, 32, 33, 64, 100, 255, 256, 1000};
  for (int i = 0; i < 24; ++i) {
    const PrivateKey priv = crypto::generate_private_key(rng);
    const std::size_t len = i < 12 ? lengths[i] : random_below(rng, 300);
    const Bytes msg = random_bytes(rng, len);
    w.begin_test("random key, " + std::to_string(len) + "-byte message", true);
    w.hex("private_key", priv);
    w.hex("public_key", crypto::public_key(priv));
    w.hex("message", msg);
    w.hex("signature", crypto::sign(priv, msg));
    w.end_test();
  }
  {
    // CR-SIG-002: the SPK signature, message = the 32 raw SPK bytes.
    const PrivateKey ik = crypto::generate_private_key(rng);
    const PublicKey spk = crypto::public_key(crypto::generate_private_key(rng));
    w.begin_test("SPK signature: sig = signature(ik, spk), message = the raw SPK", true);
    w.hex("private_key", ik);
    w.hex("public_key", crypto::public_key(ik));
    w.hex("message", spk);
    w.hex("signature", crypto::sign(ik, spk));
    w.end_test();
  }

  const PrivateKey priv = crypto::generate_private_key(rng);
  const PublicKey pub = crypto::public_key(priv);
  const Bytes32 a = as_bytes(crypto::scalar(priv));
  const Bytes msg = text_bytes("Unmanageable test message");
  const Signature good = crypto::sign(priv, msg);
  auto invalid = [&](std::string_view comment, const Bytes32& pk, std::span<const std::uint8_t> m,
                     std::span<const std::uint8_t> sig, std::vector<std::string_view> flags,
                     bool with_signer) {
    w.begin_test(comment, false, flags);
    if (with_signer) w.hex("signer_private_key", priv);
    w.hex("public_key", pk);
    w.hex("message", m);
    w.hex("signature", sig);
    w.end_test();
  };
  // Plain rejections that every verifier must agree on.
  for (std::size_t byte :
       {std::size_t{0}, std::size_t{31}, std::size_t{32}, std::size_t{40}, std::size_t{63}}) {
    Signature s = good;
    s[byte] ^= 0x01;
    invalid("flipped bit in signature byte " + std::to_string(byte) + (byte < 32 ? " (R)" : " (S)"),
            pub, msg, s, {}, true);
  }
  {
    Bytes m2 = msg;
    m2[0] ^= 0x01;
    invalid("flipped bit in the message", pub, m2, good, {}, true);
    Bytes m3 = msg;
    m3.push_back(0);
    invalid("message with one byte appended", pub, m3, good, {}, true);
    const PublicKey other = crypto::public_key(crypto::generate_private_key(rng));
    invalid("valid signature checked against another public key", other, msg, good, {}, true);
    invalid("short input: 63-byte signature", pub, msg, std::span(good).first(63), {}, true);
    invalid("empty signature", pub, msg, std::span<const std::uint8_t>(), {}, true);
    Bytes long_sig(good.begin(), good.end());
    long_sig.push_back(0);
    invalid("65-byte signature", pub, msg, long_sig, {}, true);
    w.begin_test("short input: 31-byte public key", false);
    w.hex("public_key", std::span(pub).first(31));
    w.hex("message", msg);
    w.hex("signature", good);
    w.end_test();
  }
  // S >= L: the same signature with S + L and S + 2L (malleability, CR-SIG-003).
  for (unsigned m : {1u, 2u}) {
    Bytes32 s{};
    std::copy(good.begin() + 32, good.end(), s.begin());
    Bytes32 r{};
    std::copy(good.begin(), good.begin() + 32, r.begin());
    invalid("non-canonical S: S + " + std::to_string(m) + "·L (S >= L)", pub, msg,
            signature_of(r, edge::plus_multiple_of_l(s, m)), {"non_canonical"}, true);
  }
  const auto pts = edge::small_order_points();
  // Small-order public keys with signatures forged without a private key.
  auto forged_case = [&](const Bytes32& a_enc, int a_idx, bool non_canonical_a) {
    // Search a message for which the cofactorless equation holds as well, when one exists.
    Forged f{};
    Bytes m;
    for (int t = 0; t < 64; ++t) {
      m = text_bytes("forged message #" + std::to_string(t));
      f = forge_for_small_order_key(a_enc, a_idx, m);
      if (f.cofactorless) break;
    }
    std::vector<std::string_view> flags = {"small_order_pubkey", "small_order_r",
                                           "forgery_accepted_by_noble"};
    if (non_canonical_a) flags.push_back("non_canonical_pubkey");
    if (a_idx == 0) flags.push_back("identity");
    if (f.r_index == 0) flags.push_back("identity_r");
    if (!f.cofactorless) flags.push_back("cofactored_only");
    invalid(std::string(non_canonical_a ? "non-canonical encoding of " : "") +
                "small-order public key " + std::to_string(a_idx) +
                "·T, forged signature R = " + std::to_string(f.r_index) + "·T, S = 0",
            a_enc, m, f.sig, flags, false);
  };
  for (int i = 0; i < 8; ++i) forged_case(pts[i], i, false);
  const auto ncs = edge::non_canonical_encodings();
  for (const edge::NonCanonical& nc : ncs) {
    if (nc.small_order) forged_case(nc.encoding, *nc.small_order, true);
  }
  // Valid key, small-order R (canonical and not): S = k·a satisfies the cofactored equation.
  auto small_r_case = [&](const Bytes32& r_enc, int r_idx, bool non_canonical_r) {
    const Signature s = sign_with_r(a, pub, Bytes32{}, r_enc, msg);
    std::vector<std::string_view> flags = {"small_order_r"};
    if (non_canonical_r) flags.push_back("non_canonical_r");
    flags.push_back(r_idx == 0 ? "identity_r" : "cofactored_only");
    invalid(std::string("valid key, ") + (non_canonical_r ? "non-canonical " : "") +
                "small-order R = " + std::to_string(r_idx) + "·T, S = k·a",
            pub, msg, s, flags, true);
  };
  for (int i = 0; i < 8; ++i) small_r_case(pts[i], i, false);
  for (const edge::NonCanonical& nc : ncs) {
    if (nc.small_order) small_r_case(nc.encoding, *nc.small_order, true);
  }
  // Mixed-order A = a·B + T: the signer knows a; k·T vanishes only for some k.
  for (int j : {1, 2, 4}) {
    const auto a_mixed = edge::add(pub, pts[j]);
    if (!a_mixed) return fail(crypto::Error::internal, "mixed-order key");
    const Bytes32 r = random_scalar(rng);
    const auto r_enc = edge::base_mul(r);
    if (!r_enc) return fail(crypto::Error::internal, "nonce point");
    const Signature s = sign_with_r(a, *a_mixed, r, *r_enc, msg);
    const Bytes32 k = edge::hram(*r_enc, *a_mixed, msg);
    const bool cofactorless = (edge::low_bits_mod8(k) * static_cast<unsigned>(j)) % 8 == 0;
    invalid("mixed-order public key a·B + " + std::to_string(j) + "·T", *a_mixed, msg, s,
            with({"mixed_order_pubkey"}, !cofactorless, "cofactored_only"), true);
  }
  {
    // Mixed-order A with a nonce chosen so that k·T = 0: even the cofactorless equation holds.
    const auto a_mixed = edge::add(pub, pts[1]);
    if (!a_mixed) return fail(crypto::Error::internal, "mixed-order key");
    for (int t = 0; t < 256; ++t) {
      const Bytes32 r = random_scalar(rng);
      const auto r_enc = edge::base_mul(r);
      if (!r_enc) continue;
      if (edge::low_bits_mod8(edge::hram(*r_enc, *a_mixed, msg)) != 0) continue;
      invalid("mixed-order public key a·B + T, nonce chosen so that k·T = 0", *a_mixed, msg,
              sign_with_r(a, *a_mixed, r, *r_enc, msg), {"mixed_order_pubkey"}, true);
      break;
    }
  }
  // Mixed-order R = r·B + T.
  for (int j : {1, 4}) {
    const Bytes32 r = random_scalar(rng);
    const auto rb = edge::base_mul(r);
    const auto r_mixed = rb ? edge::add(*rb, pts[j]) : std::nullopt;
    if (!r_mixed) return fail(crypto::Error::internal, "mixed-order R");
    invalid("mixed-order R = r·B + " + std::to_string(j) + "·T", pub, msg,
            sign_with_r(a, pub, r, *r_mixed, msg), {"mixed_order_r", "cofactored_only"}, true);
  }
  // Non-canonical encodings of large-order points as A and as R: no one knows their logarithm.
  int large = 0;
  for (const edge::NonCanonical& nc : ncs) {
    if (nc.small_order || large >= 2) continue;
    ++large;
    invalid("non-canonical public key (y >= p) of a large-order point, unrelated signature",
            nc.encoding, msg, good, {"non_canonical_pubkey"}, true);
    Bytes32 s{};
    std::copy(good.begin() + 32, good.end(), s.begin());
    invalid("non-canonical R (y >= p) of a large-order point", pub, msg,
            signature_of(nc.encoding, s), {"non_canonical_r"}, true);
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// challenge

Expected<std::string, GenerateError> gen_challenge(std::uint64_t seed) {
  auto rng = family_rng(Family::challenge, seed);
  FileWriter w(Family::challenge, seed,
               {"CR-CHAL-001..003: challenge = encode(k·B) for the server's scalar k "
                "(server_scalar, 32 bytes LE, 1 <= k < L); expected_response = encode(k·A) for "
                "A = public_key; response = encode(scalar(private_key)·decode(challenge)).",
                "Invalid tests give a challenge the client must refuse to multiply by "
                "(CR-KEY-004): small-order, identity, non-canonical, mixed-order (torsion) or "
                "off-curve points, or a wrong length."});
  Bytes32 one{};
  one[0] = 1;
  Bytes32 l_minus_1 = edge::plus_multiple_of_l(Bytes32{}, 1);
  l_minus_1[0] = static_cast<std::uint8_t>(l_minus_1[0] - 1);
  for (int i = 0; i < 22; ++i) {
    const PrivateKey priv = crypto::generate_private_key(rng);
    const PublicKey pub = crypto::public_key(priv);
    Bytes32 k = i == 0 ? one : i == 1 ? l_minus_1 : random_scalar(rng);
    const crypto::Scalar ks{std::span<const std::uint8_t, 32>(k)};
    const auto ch = crypto::create_challenge_with_scalar(pub, ks);
    if (!ch) return fail(ch.error(), "create_challenge_with_scalar");
    const auto resp = crypto::challenge_response(priv, ch->challenge);
    if (!resp) return fail(resp.error(), "challenge_response");
    if (*resp != ch->expected) return fail(crypto::Error::internal, "response != expected");
    w.begin_test(i == 0 ? "k = 1 (challenge = B)" : i == 1 ? "k = L - 1" : "random k", true);
    w.hex("private_key", priv);
    w.hex("public_key", pub);
    w.hex("server_scalar", k);
    w.hex("challenge", ch->challenge);
    w.hex("expected_response", ch->expected);
    w.hex("response", *resp);
    w.end_test();
  }
  const PrivateKey priv = crypto::generate_private_key(rng);
  const PublicKey pub = crypto::public_key(priv);
  const auto valid_ch = edge::base_mul(random_scalar(rng));
  if (!valid_ch) return fail(crypto::Error::internal, "challenge point");
  for (BadPoint& bp : bad_points(*valid_ch, "small_order", "torsion_challenge")) {
    if (edge::small_order_index(bp.enc) == std::optional<int>(0)) {
      bp.flags.push_back("identity_challenge");
    }
    w.begin_test("challenge is a " + bp.comment, false, bp.flags);
    w.hex("private_key", priv);
    w.hex("public_key", pub);
    w.hex("challenge", bp.enc);
    w.end_test();
  }
  w.begin_test("short input: 31-byte challenge", false);
  w.hex("private_key", priv);
  w.hex("challenge", std::span(*valid_ch).first(31));
  w.end_test();
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// ecdh

Expected<std::string, GenerateError> gen_ecdh(std::uint64_t seed) {
  auto rng = family_rng(Family::ecdh, seed);
  FileWriter w(Family::ecdh, seed,
               {"CR-DH-001: shared_secret = X25519(x25519_private_key, x25519_peer_public_key) "
                "where x25519_private_key = clamp(SHA-512(private_key)[0..32]) and "
                "x25519_peer_public_key = u(peer_public_key) = (1+y)/(1-y).",
                "When peer_private_key is present the shared secret is symmetric: "
                "ECDH(peer_private_key, public_key) gives the same value.",
                "Invalid tests give a peer key that fails CR-KEY-004. torsion_ignored: a "
                "mixed-order key whose torsion part X25519's clamped scalar cancels, so a "
                "lenient implementation computes the same secret as for the valid part."});
  for (int i = 0; i < 22; ++i) {
    const PrivateKey priv = crypto::generate_private_key(rng);
    const PrivateKey peer = crypto::generate_private_key(rng);
    const PublicKey peer_pub = crypto::public_key(peer);
    const auto shared = crypto::ecdh(priv, peer_pub);
    if (!shared) return fail(shared.error(), "ecdh");
    const auto xpeer = crypto::x25519_public_key(peer_pub);
    if (!xpeer) return fail(xpeer.error(), "x25519_public_key");
    w.begin_test("random key pair", true);
    w.hex("private_key", priv);
    w.hex("public_key", crypto::public_key(priv));
    w.hex("peer_private_key", peer);
    w.hex("peer_public_key", peer_pub);
    w.hex("x25519_private_key", crypto::x25519_private_key(priv).bytes());
    w.hex("x25519_peer_public_key", *xpeer);
    w.hex("shared_secret", shared->bytes());
    w.end_test();
  }
  const PrivateKey priv = crypto::generate_private_key(rng);
  const PublicKey peer = crypto::public_key(crypto::generate_private_key(rng));
  for (const BadPoint& bp : bad_points(peer, "small_order", "torsion_ignored")) {
    w.begin_test("peer key is a " + bp.comment, false, bp.flags);
    w.hex("private_key", priv);
    w.hex("peer_public_key", bp.enc);
    w.end_test();
  }
  w.begin_test("short input: 31-byte peer key", false);
  w.hex("private_key", priv);
  w.hex("peer_public_key", std::span(peer).first(31));
  w.end_test();
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// personal_key

Expected<std::string, GenerateError> gen_personal_key(std::uint64_t seed) {
  auto rng = family_rng(Family::personal_key, seed);
  FileWriter w(Family::personal_key, seed,
               {"CR-DH-002: personal_key = ECDH(private_key, public(private_key)), the key that "
                "seals own_storage.",
                "Invalid tests give a private_key that is not 32 bytes of lowercase hex."});
  for (int i = 0; i < 22; ++i) {
    const PrivateKey priv = crypto::generate_private_key(rng);
    const auto pk = crypto::personal_key(priv);
    if (!pk) return fail(pk.error(), "personal_key");
    w.begin_test("random key", true);
    w.hex("private_key", priv);
    w.hex("public_key", crypto::public_key(priv));
    w.hex("personal_key", pk->bytes());
    w.end_test();
  }
  const PrivateKey k = crypto::generate_private_key(rng);
  w.begin_test("short input: 31-byte private key", false);
  w.hex("private_key", k.bytes().first(31));
  w.end_test();
  w.begin_test("odd number of hex characters", false);
  w.text("private_key", to_hex(k.bytes()).substr(0, 63));
  w.end_test();
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// kdf

Expected<std::string, GenerateError> gen_kdf(std::uint64_t seed) {
  auto rng = family_rng(Family::kdf, seed);
  FileWriter w(Family::kdf, seed,
               {"CR-KDF-001: output = HKDF-SHA-512(ikm = 0xFF×32 || key_material, salt = "
                "0x00×64, info = \"Unmanageable\", L = 32); ikm is given for debugging.",
                "X3DH feeds 128 bytes (DH1 || DH2 || DH3 || DH4); other lengths check the HKDF "
                "plumbing. The KDF refuses nothing, so this family has no invalid tests."});
  const std::array<std::size_t, 22> lengths = {0,   1,   16,  31,  32,  33,  63,  64,
                                               65,  96,  127, 128, 128, 128, 128, 129,
                                               160, 200, 255, 256, 512, 1000};
  for (std::size_t len : lengths) {
    const Bytes km = random_bytes(rng, len);
    Bytes ikm(32 + km.size(), 0xff);
    std::copy(km.begin(), km.end(), ikm.begin() + 32);
    w.begin_test(std::to_string(len) + "-byte key material", true);
    w.hex("key_material", km);
    w.hex("ikm", ikm);
    w.hex("output", crypto::kdf(km).bytes());
    w.end_test();
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// x3dh

struct X3dhKeys {
  PrivateKey ik_a, ek_a, ik_b, spk_b;
  PublicKey ik_a_pub, ek_a_pub, ik_b_pub, spk_b_pub;
  Signature sig;
};

X3dhKeys make_x3dh_keys(crypto::Random& rng) {
  X3dhKeys k;
  k.ik_a = crypto::generate_private_key(rng);
  k.ek_a = crypto::generate_private_key(rng);
  k.ik_b = crypto::generate_private_key(rng);
  k.spk_b = crypto::generate_private_key(rng);
  k.ik_a_pub = crypto::public_key(k.ik_a);
  k.ek_a_pub = crypto::public_key(k.ek_a);
  k.ik_b_pub = crypto::public_key(k.ik_b);
  k.spk_b_pub = crypto::public_key(k.spk_b);
  k.sig = crypto::sign(k.ik_b, k.spk_b_pub);
  return k;
}

// NoPrivate names the private keys a test omits because they cannot exist (VEC-003): the
// matching public key is a small-order, mixed-order, non-canonical or off-curve point, which no
// seed has as its public key.
struct NoPrivate {
  bool ik_a = false, ek_a = false, ik_b = false, spk_b = false;
};

void write_x3dh_inputs(FileWriter& w, const X3dhKeys& k, NoPrivate omit = {}) {
  if (!omit.ik_a) w.hex("ik_a_priv", k.ik_a);
  w.hex("ik_a_pub", k.ik_a_pub);
  if (!omit.ek_a) w.hex("ek_a_priv", k.ek_a);
  w.hex("ek_a_pub", k.ek_a_pub);
  if (!omit.ik_b) w.hex("ik_b_priv", k.ik_b);
  w.hex("ik_b_pub", k.ik_b_pub);
  if (!omit.spk_b) w.hex("spk_b_priv", k.spk_b);
  w.hex("spk_b_pub", k.spk_b_pub);
  w.hex("spk_b_sig", k.sig);
}

Expected<std::string, GenerateError> gen_x3dh(std::uint64_t seed) {
  auto rng = family_rng(Family::x3dh, seed);
  FileWriter w(
      Family::x3dh, seed,
      {"CR-X3DH-001..003: A checks verify(ik_b_pub, spk_b_pub, spk_b_sig), then DH1 = "
       "ECDH(ik_a, SPKb), DH2 = ECDH(ek_a, IKb), DH3 = ECDH(ek_a, SPKb), DH4 = ECDH(ik_a, IKb), "
       "shared_key = KDF(DH1 || DH2 || DH3 || DH4), message = {ek: ek_a_pub, spk: spk_b_pub}; "
       "B computes the same shared_key from ik_b_priv, spk_b_priv, ik_a_pub and message.ek.",
       "The *_pub fields are the public values that travel: the bundle (ik_b_pub, spk_b_pub, "
       "spk_b_sig) and the sender's ik_a_pub and ek_a_pub. In invalid tests they may differ from "
       "public(*_priv): that is the corruption under test.",
       "send_fails_by names the bundle field that makes the initiator refuse (CR-X3DH-001, "
       "CR-KEY-004): the initiator must refuse; how it fails is informational (VEC-005: another "
       "producer may say signature_check or exception, a checker notes the difference). Invalid "
       "tests without it must be refused by the responder (ek_a_pub or ik_a_pub fails "
       "CR-KEY-004, or the message names an SPK the responder does not hold, CR-X3DH-004).",
       "VEC-003: a test omits a private key that cannot exist because its public key is a "
       "small-order, mixed-order, non-canonical or off-curve point (ik_b_priv, spk_b_priv, "
       "ik_a_priv or ek_a_priv); a checker runs the side it has the private keys for."});
  for (int i = 0; i < 22; ++i) {
    const X3dhKeys k = make_x3dh_keys(rng);
    const auto sent =
        crypto::x3dh_send_with_ephemeral(k.ik_a, k.ek_a, {k.ik_b_pub, k.spk_b_pub, k.sig});
    if (!sent) return fail(sent.error(), "x3dh_send_with_ephemeral");
    const auto recv = crypto::x3dh_receive(k.ik_b, k.spk_b, k.ik_a_pub, sent->message.ek);
    if (!recv) return fail(recv.error(), "x3dh_receive");
    if (!(*recv == sent->shared_key)) return fail(crypto::Error::internal, "x3dh disagreement");
    const auto dh1 = crypto::ecdh(k.ik_a, k.spk_b_pub);
    const auto dh2 = crypto::ecdh(k.ek_a, k.ik_b_pub);
    const auto dh3 = crypto::ecdh(k.ek_a, k.spk_b_pub);
    const auto dh4 = crypto::ecdh(k.ik_a, k.ik_b_pub);
    if (!dh1 || !dh2 || !dh3 || !dh4) return fail(crypto::Error::internal, "x3dh dh");
    w.begin_test("random keys", true);
    write_x3dh_inputs(w, k);
    w.hex("dh1", dh1->bytes());
    w.hex("dh2", dh2->bytes());
    w.hex("dh3", dh3->bytes());
    w.hex("dh4", dh4->bytes());
    w.hex("shared_key", sent->shared_key.bytes());
    w.start_object("message");
    w.hex("ek", sent->message.ek);
    w.hex("spk", sent->message.spk);
    w.end_object();
    w.end_test();
  }
  // Initiator-side refusals.
  auto send_case = [&](std::string_view comment, const X3dhKeys& k, std::string_view by,
                       std::vector<std::string_view> flags, NoPrivate omit = {}) {
    w.begin_test(comment, false, flags);
    write_x3dh_inputs(w, k, omit);
    w.text("send_fails_by", by);
    w.end_test();
  };
  {
    X3dhKeys k = make_x3dh_keys(rng);
    k.sig[10] ^= 0x04;
    send_case("spk_b_sig with a flipped bit (CR-X3DH-001)", k, "spk_b_sig", {});
  }
  {
    X3dhKeys k = make_x3dh_keys(rng);
    k.sig = crypto::sign(k.ik_a, k.spk_b_pub);
    send_case("spk_b_sig made by another identity key", k, "spk_b_sig", {});
  }
  {
    X3dhKeys k = make_x3dh_keys(rng);
    const PrivateKey other = crypto::generate_private_key(rng);
    k.sig = crypto::sign(k.ik_b, crypto::public_key(other));
    send_case("wrong spk: spk_b_sig covers a different SPK than spk_b_pub", k, "spk_b_sig", {});
  }
  {
    // The bundle names a genuinely signed SPK whose private key the responder no longer holds:
    // the initiator succeeds, the responder must refuse the message (CR-X3DH-004).
    X3dhKeys k = make_x3dh_keys(rng);
    k.spk_b_pub = crypto::public_key(crypto::generate_private_key(rng));
    k.sig = crypto::sign(k.ik_b, k.spk_b_pub);
    w.begin_test("wrong spk: the message names an SPK the responder does not hold (CR-X3DH-004)",
                 false);
    write_x3dh_inputs(w, k);
    w.end_test();
  }
  {
    const X3dhKeys base = make_x3dh_keys(rng);
    for (const BadPoint& bp : bad_points(base.spk_b_pub, "small_order", "torsion_ignored")) {
      X3dhKeys k = make_x3dh_keys(rng);
      k.spk_b_pub = bp.enc;
      k.sig = crypto::sign(k.ik_b, k.spk_b_pub);  // genuinely signed: only the point is bad
      send_case("spk_b_pub is a " + bp.comment + " (correctly signed; no spk_b_priv, VEC-003)", k,
                "spk_b_pub", bp.flags, {.spk_b = true});
    }
  }
  {
    const auto pts = edge::small_order_points();
    for (int i : {0, 1, 4}) {
      X3dhKeys k = make_x3dh_keys(rng);
      k.ik_b_pub = pts[i];
      const Forged f = forge_for_small_order_key(pts[i], i, k.spk_b_pub);
      k.sig = f.sig;
      std::vector<std::string_view> flags = {"small_order_ik", "forgery_accepted_by_noble"};
      if (i == 0) flags.push_back("identity");
      send_case("ik_b_pub is the small-order point " + std::to_string(i) +
                    "·T with a forged SPK signature (no ik_b_priv, VEC-003)",
                k, "ik_b_pub", flags, {.ik_b = true});
    }
    X3dhKeys k = make_x3dh_keys(rng);
    const auto mixed = edge::add(k.ik_b_pub, pts[1]);
    if (!mixed) return fail(crypto::Error::internal, "mixed ik");
    k.ik_b_pub = *mixed;
    const Bytes32 r = random_scalar(rng);
    const auto r_enc = edge::base_mul(r);
    if (!r_enc) return fail(crypto::Error::internal, "nonce");
    k.sig = sign_with_r(as_bytes(crypto::scalar(k.ik_b)), *mixed, r, *r_enc, k.spk_b_pub);
    send_case(
        "ik_b_pub is mixed-order (valid + order-8 torsion), SPK signed with its scalar "
        "(no ik_b_priv: no seed has a mixed-order public key, VEC-003)",
        k, "ik_b_pub", {"mixed_order_pubkey", "torsion_ignored"}, {.ik_b = true});
  }
  // Responder-side refusals: the sender's ek or ik is not a valid point.
  {
    const X3dhKeys base = make_x3dh_keys(rng);
    for (const BadPoint& bp : bad_points(base.ek_a_pub, "small_order", "torsion_ignored")) {
      X3dhKeys k = make_x3dh_keys(rng);
      k.ek_a_pub = bp.enc;
      w.begin_test("invalid ek: ek_a_pub is a " + bp.comment + " (no ek_a_priv, VEC-003)", false,
                   bp.flags);
      write_x3dh_inputs(w, k, {.ek_a = true});
      w.end_test();
    }
    for (const BadPoint& bp : bad_points(base.ik_a_pub, "small_order_ik", "torsion_ignored")) {
      X3dhKeys k = make_x3dh_keys(rng);
      k.ik_a_pub = bp.enc;
      w.begin_test("sender identity key ik_a_pub is a " + bp.comment + " (no ik_a_priv, VEC-003)",
                   false, bp.flags);
      write_x3dh_inputs(w, k, {.ik_a = true});
      w.end_test();
    }
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// group_dm

struct Member {
  PrivateKey ik, spk, ek;
  PublicKey ik_pub, spk_pub, ek_pub;
  Signature sig;
  // VEC-003: the private key of a small-order ik_pub / spk_pub cannot exist; it is not written.
  bool omit_ik_priv = false, omit_spk_priv = false;
};

struct GroupInputs {
  std::size_t n = 0;
  PrivateKey creator;
  PublicKey creator_pub;
  PrivateKey leaf;
  std::vector<PrivateKey> padding;
  std::vector<Member> members;  // position p is members[p - 1]
};

GroupInputs make_group(crypto::Random& rng, std::size_t n) {
  GroupInputs g;
  g.n = n;
  g.creator = crypto::generate_private_key(rng);
  g.creator_pub = crypto::public_key(g.creator);
  g.leaf = crypto::generate_private_key(rng);
  const std::size_t m = crypto::padded_size_for(n);
  for (std::size_t i = n; i < m; ++i) g.padding.push_back(crypto::generate_private_key(rng));
  for (std::size_t p = 1; p < n; ++p) {
    Member mb;
    mb.ik = crypto::generate_private_key(rng);
    mb.spk = crypto::generate_private_key(rng);
    mb.ek = crypto::generate_private_key(rng);
    mb.ik_pub = crypto::public_key(mb.ik);
    mb.spk_pub = crypto::public_key(mb.spk);
    mb.ek_pub = crypto::public_key(mb.ek);
    mb.sig = crypto::sign(mb.ik, mb.spk_pub);
    g.members.push_back(std::move(mb));
  }
  return g;
}

Expected<crypto::GroupDm, crypto::Error> create(const GroupInputs& g) {
  std::vector<crypto::PreKeyBundle> bundles;
  std::vector<PrivateKey> eks;
  for (const Member& m : g.members) {
    bundles.push_back({m.ik_pub, m.spk_pub, m.sig});
    eks.push_back(m.ek);
  }
  auto r = crypto::create_group_dm_explicit(g.creator, bundles, g.leaf, g.padding, eks);
  if (!r) return Unexpected{r.error()};
  return std::move(*r);
}

// write_group_inputs writes the inputs; `per_member` adds a member's outputs inside its object.
template <class PerMember>
void write_group_inputs(FileWriter& w, const GroupInputs& g, PerMember per_member) {
  w.number("n", g.n);
  w.hex("creator_ik_priv", g.creator);
  w.hex("creator_ik_pub", g.creator_pub);
  w.hex("creator_leaf", g.leaf);
  w.start_array("padding");
  for (const PrivateKey& p : g.padding) w.element(to_hex(p.bytes()));
  w.end_array();
  w.start_array("members");
  for (std::size_t i = 0; i < g.members.size(); ++i) {
    const Member& m = g.members[i];
    w.start_object();
    w.number("position", i + 1);
    if (!m.omit_ik_priv) w.hex("ik_priv", m.ik);
    w.hex("ik_pub", m.ik_pub);
    if (!m.omit_spk_priv) w.hex("spk_priv", m.spk);
    w.hex("spk_pub", m.spk_pub);
    w.hex("spk_sig", m.sig);
    w.hex("ek_priv", m.ek);
    w.hex("ek_pub", m.ek_pub);
    per_member(i);
    w.end_object();
  }
  w.end_array();
}

void write_tree(FileWriter& w, std::string_view key, std::span<const PublicKey> tree) {
  w.start_array(key);
  for (const PublicKey& p : tree) w.element(to_hex(p));
  w.end_array();
}

// private_tree recomputes every node private key (heap indices 1 ... 2M-1) the way CR-TREE-001/002
// define them: leaves, then parent = combine(left, right).
Expected<std::vector<PrivateKey>, crypto::Error> private_tree(
    const GroupInputs& g, std::span<const PrivateKey> leaves_sk) {
  const std::size_t m = crypto::padded_size_for(g.n);
  std::vector<PrivateKey> node(2 * m);
  node[m] = g.leaf;
  for (std::size_t p = 1; p < g.n; ++p) node[m + p] = leaves_sk[p - 1];
  for (std::size_t i = g.n; i < m; ++i) node[m + i] = g.padding[i - g.n];
  for (std::size_t i = m - 1; i >= 1; --i) {
    auto c = crypto::combine(node[2 * i], node[2 * i + 1]);
    if (!c) return Unexpected{c.error()};
    node[i] = std::move(*c);
  }
  return node;
}

Expected<std::string, GenerateError> gen_group_dm(std::uint64_t seed) {
  auto rng = family_rng(Family::group_dm, seed);
  FileWriter w(
      Family::group_dm, seed,
      {"CR-TREE-001..005: leaves in order are creator_leaf (position 0), SK_p = the X3DH shared "
       "key with members[p-1] (ephemeral ek_priv, bundle ik_pub/spk_pub/spk_sig), then the "
       "padding privs up to M = padded_size. Parent = combine(left, right) = "
       "encode(scalar(left)·scalar(right)·B); shared_key = the root.",
       "key_tree = public(node) for heap indices 2 ... 2M-1; messages[p-1] = {ek, spk} for "
       "position p. private_tree (optional) = node private keys for heap indices 1 ... 2M-1 "
       "(array index = heap index - 1; element 0 is the root; VEC-001: a checker also accepts "
       "the layout aligned with key_tree, heap 2 ... 2M-1, 2M-2 entries).",
       "Per member: leaf_key = SK_p (the leaf private key), shared_key = what "
       "receive(ik_priv, spk_priv, creator_ik_pub, ek, key_tree, position) must return.",
       "Invalid tests without `receive` must be refused by the creator (a bad bundle, "
       "CR-X3DH-001); a member whose ik_pub or spk_pub is a small-order point has no ik_priv / "
       "spk_priv (VEC-003). Invalid tests with `receive` {member, position, key_tree, ek?} must be "
       "refused by the receiving member: `member` is the real position whose private keys "
       "receive, `position` the position claimed, key_tree and ek (default: messages[member-1]"
       ".ek) what arrived (CR-TREE-006/007, CR-KEY-004).",
       "Positions in n ... M-1 and a replaced own leaf are caught by the own-leaf check of "
       "CR-TREE-007 (SHOULD); the reference makes it a refusal."});
  const std::array<std::size_t, 21> sizes = {2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                             13, 14, 15, 16, 17, 20, 24, 31, 32, 33};
  for (std::size_t n : sizes) {
    const GroupInputs g = make_group(rng, n);
    const auto dm = create(g);
    if (!dm) return fail(dm.error(), "create_group_dm_explicit n=" + std::to_string(n));
    std::vector<PrivateKey> leaves;
    std::vector<PrivateKey> member_keys;
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      const Member& mb = g.members[i];
      const auto sent =
          crypto::x3dh_send_with_ephemeral(g.creator, mb.ek, {mb.ik_pub, mb.spk_pub, mb.sig});
      if (!sent) return fail(sent.error(), "group x3dh");
      leaves.push_back(PrivateKey(sent->shared_key.bytes()));
      const auto got = crypto::receive_group_dm(mb.ik, mb.spk, g.creator_pub, dm->messages[i].ek,
                                                dm->key_tree, i + 1);
      if (!got) return fail(got.error(), "receive_group_dm n=" + std::to_string(n));
      if (!(*got == dm->shared_key)) return fail(crypto::Error::internal, "tree disagreement");
      member_keys.push_back(PrivateKey(got->bytes()));
    }
    const auto nodes = private_tree(g, leaves);
    if (!nodes) return fail(nodes.error(), "private_tree");
    if (!((*nodes)[1] == PrivateKey(dm->shared_key.bytes()))) {
      return fail(crypto::Error::internal, "private tree root differs from shared_key");
    }
    w.begin_test(
        "group of n = " + std::to_string(n) + " (M = " + std::to_string(dm->padded_size) + ")",
        true);
    write_group_inputs(w, g, [&](std::size_t i) {
      w.hex("leaf_key", leaves[i]);
      w.hex("shared_key", member_keys[i]);
    });
    w.number("padded_size", dm->padded_size);
    write_tree(w, "key_tree", dm->key_tree);
    w.start_array("messages");
    for (const crypto::X3dhMessage& msg : dm->messages) {
      w.start_object();
      w.hex("ek", msg.ek);
      w.hex("spk", msg.spk);
      w.end_object();
    }
    w.end_array();
    w.hex("shared_key", dm->shared_key.bytes());
    w.start_array("private_tree");
    for (std::size_t i = 1; i < nodes->size(); ++i) w.element(to_hex((*nodes)[i].bytes()));
    w.end_array();
    w.end_test();
  }

  auto no_outputs = [](std::size_t) {};
  // Creator-side refusals: a member's bundle is not genuine (CR-X3DH-001, CR-KEY-004).
  {
    GroupInputs g = make_group(rng, 4);
    g.members[1].sig[5] ^= 0x10;
    w.begin_test("member 2's spk_sig has a flipped bit: creation fails", false);
    write_group_inputs(w, g, no_outputs);
    w.end_test();
  }
  {
    GroupInputs g = make_group(rng, 4);
    g.members[2].sig = crypto::sign(g.members[0].ik, g.members[2].spk_pub);
    w.begin_test("member 3's spk_sig was made by another member: creation fails", false);
    write_group_inputs(w, g, no_outputs);
    w.end_test();
  }
  const auto pts = edge::small_order_points();
  {
    GroupInputs g = make_group(rng, 3);
    g.members[0].ik_pub = pts[1];
    g.members[0].sig = forge_for_small_order_key(pts[1], 1, g.members[0].spk_pub).sig;
    g.members[0].omit_ik_priv = true;
    w.begin_test(
        "member 1's ik_pub is a small-order point with a forged SPK signature (no ik_priv)", false,
        {"small_order_ik", "forgery_accepted_by_noble"});
    write_group_inputs(w, g, no_outputs);
    w.end_test();
  }
  {
    GroupInputs g = make_group(rng, 3);
    g.members[1].spk_pub = pts[4];
    g.members[1].sig = crypto::sign(g.members[1].ik, g.members[1].spk_pub);
    g.members[1].omit_spk_priv = true;
    w.begin_test("member 2's spk_pub is the order-2 point (correctly signed; no spk_priv)", false,
                 {"small_order"});
    write_group_inputs(w, g, no_outputs);
    w.end_test();
  }

  // Receiver-side refusals, all on one valid group of n = 5 (M = 8).
  const GroupInputs g = make_group(rng, 5);
  const auto dm = create(g);
  if (!dm) return fail(dm.error(), "create_group_dm_explicit n=5");
  const std::size_t m = dm->padded_size;
  auto receive_case = [&](std::string_view comment, std::vector<std::string_view> flags,
                          std::size_t member, std::uint64_t position,
                          std::span<const PublicKey> tree, const PublicKey* ek) {
    w.begin_test(comment, false, flags);
    write_group_inputs(w, g, no_outputs);
    w.start_object("receive");
    w.number("member", member);
    w.number("position", position);
    write_tree(w, "key_tree", tree);
    if (ek != nullptr) w.hex("ek", *ek);
    w.end_object();
    w.end_test();
  };
  const std::vector<PublicKey>& tree = dm->key_tree;
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{2 * m - 3},
                          std::size_t{2 * m - 1}, std::size_t{2 * m}}) {
    std::vector<PublicKey> t(
        tree.begin(), tree.begin() + static_cast<std::ptrdiff_t>(std::min(len, tree.size())));
    while (t.size() < len) t.push_back(tree[t.size() % tree.size()]);
    receive_case("bad tree length " + std::to_string(len) + " (not 2M-2 for a power of two M)", {},
                 2, 2, t, nullptr);
  }
  {
    // A well-formed tree for M = 4: its entry at the member's leaf index is not the member's leaf.
    std::vector<PublicKey> t(tree.begin(), tree.begin() + 6);
    receive_case("tree of length 6 (M = 4) cut from the M = 8 tree: own leaf not found", {}, 2, 2,
                 t, nullptr);
  }
  for (std::uint64_t pos : {std::uint64_t{0}, std::uint64_t{m}, std::uint64_t{m + 1},
                            std::uint64_t{2 * m}, std::uint64_t{1} << 32}) {
    receive_case("position " + std::to_string(pos) + " outside 1 ... M-1", {}, 1, pos, tree,
                 nullptr);
  }
  for (std::uint64_t pos : {std::uint64_t{5}, std::uint64_t{7}}) {
    receive_case("position " + std::to_string(pos) + " is a padding leaf (n = 5)", {}, 1, pos, tree,
                 nullptr);
  }
  receive_case("member 1 told position 2 (another member's leaf)", {}, 1, 2, tree, nullptr);
  {
    std::vector<PublicKey> t = tree;
    t[m + 3 - 2] = crypto::public_key(crypto::generate_private_key(rng));
    receive_case("member 3's own leaf replaced by another valid key", {}, 3, 3, t, nullptr);
  }
  // Tampered nodes on member 3's path: its sibling leaf (heap M+2), the sibling one level up
  // (heap (M+3)/2 ^ 1) and the top sibling (heap 2 or 3).
  const std::size_t leaf = m + 3;
  const std::array<std::size_t, 3> path_siblings = {leaf ^ 1, (leaf >> 1) ^ 1, (leaf >> 2) ^ 1};
  for (std::size_t heap : path_siblings) {
    const std::string where = "path node (heap index " + std::to_string(heap) + ")";
    auto bads = bad_points(tree[heap - 2], "small_order", "torsion_ignored");
    if (heap != path_siblings[0]) bads = compact(std::move(bads));
    for (const BadPoint& bp : bads) {
      std::vector<PublicKey> t = tree;
      t[heap - 2] = bp.enc;
      receive_case("tampered " + where + ": " + bp.comment, bp.flags, 3, 3, t, nullptr);
    }
    // One flipped byte that leaves the curve: searched deterministically.
    for (std::size_t b = 0; b < 32; ++b) {
      std::vector<PublicKey> t = tree;
      t[heap - 2][b] ^= 0x01;
      if (edge::on_curve(t[heap - 2])) continue;
      receive_case("tampered " + where + ": byte " + std::to_string(b) + " flipped (off the curve)",
                   {}, 3, 3, t, nullptr);
      break;
    }
  }
  {
    // Off-path node: CR-TREE-006 asks for every entry to be a valid key.
    const std::size_t heap = m + 6;  // a padding leaf, not on member 1's path (heap M+1)
    std::vector<PublicKey> t = tree;
    t[heap - 2] = pts[1];
    receive_case("off-path node (heap index " + std::to_string(heap) + ") is a small-order point",
                 {"small_order"}, 1, 1, t, nullptr);
    const auto mixed = edge::add(tree[heap - 2], pts[1]);
    if (!mixed) return fail(crypto::Error::internal, "mixed node");
    t[heap - 2] = *mixed;
    receive_case("off-path node (heap index " + std::to_string(heap) +
                     ") is mixed-order (valid + torsion): only a full subgroup check sees it",
                 {"torsion_ignored"}, 1, 1, t, nullptr);
  }
  for (const BadPoint& bp :
       compact(bad_points(dm->messages[1].ek, "small_order", "torsion_ignored"))) {
    receive_case("invalid ek for member 2: " + bp.comment, bp.flags, 2, 2, tree, &bp.enc);
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// aead

Expected<std::string, GenerateError> gen_aead(std::uint64_t seed) {
  auto rng = family_rng(Family::aead, seed);
  FileWriter w(Family::aead, seed,
               {"CR-AEAD-001: AES-256-GCM, 12-byte IV, no associated data, 16-byte tag; "
                "ciphertext = hex(iv || ct || tag). plaintext is hex; plaintext_text (optional) "
                "is the same bytes as UTF-8 text (messages and reactions, CR-AEAD-002).",
                "Invalid tests give a key and a ciphertext that must fail to open: tampered "
                "tag, IV or body, wrong key, short input (< 28 bytes), or bad hex "
                "(CR-AEAD-002). No partial plaintext may be returned."});
  const std::array<std::size_t, 12> lengths = {0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 255, 1000};
  for (std::size_t len : lengths) {
    const crypto::SharedKey key = crypto::generate_private_key(rng);
    const Bytes iv = random_bytes(rng, 12);
    const Bytes pt = random_bytes(rng, len);
    const auto ct = crypto::aead_encrypt_hex_with_iv(key, iv, pt);
    if (!ct) return fail(ct.error(), "aead_encrypt_hex_with_iv");
    w.begin_test(std::to_string(len) + "-byte random plaintext", true);
    w.hex("key", key.bytes());
    w.hex("iv", iv);
    w.hex("plaintext", pt);
    w.text("ciphertext", *ct);
    w.end_test();
  }
  const std::array<std::string_view, 10> texts = {
      "",
      "Hello",
      "The answer is 42.",
      "h\xc3\xa9llo w\xc3\xb6rld",             // héllo wörld
      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",  // 日本語
      "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",      // thumbs up, skin tone
      "\xf0\x9f\x98\x80",                      // grinning face (a reaction)
      "line one\nline two\ttab",
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",  // Привет
      "A longer message that spans several AES blocks, so that the counter mode increments "
      "more than once across the plaintext.",
  };
  for (std::string_view t : texts) {
    const crypto::SharedKey key = crypto::generate_private_key(rng);
    const Bytes iv = random_bytes(rng, 12);
    const Bytes pt = text_bytes(t);
    const auto ct = crypto::aead_encrypt_hex_with_iv(key, iv, pt);
    if (!ct) return fail(ct.error(), "aead_encrypt_hex_with_iv");
    w.begin_test("UTF-8 text message", true);
    w.hex("key", key.bytes());
    w.hex("iv", iv);
    w.hex("plaintext", pt);
    w.text("plaintext_text", t);
    w.text("ciphertext", *ct);
    w.end_test();
  }
  const crypto::SharedKey key = crypto::generate_private_key(rng);
  const crypto::SharedKey other = crypto::generate_private_key(rng);
  const Bytes iv = random_bytes(rng, 12);
  const Bytes pt = text_bytes("tamper with me");
  const auto ct_hex = crypto::aead_encrypt_hex_with_iv(key, iv, pt);
  if (!ct_hex) return fail(ct_hex.error(), "aead_encrypt_hex_with_iv");
  const auto ct_bytes = from_hex(*ct_hex);
  if (!ct_bytes) return fail(crypto::Error::bad_hex, "aead ciphertext");
  const Bytes& ct = *ct_bytes;
  auto bad = [&](std::string_view comment, const crypto::SharedKey& k, std::string_view c) {
    w.begin_test(comment, false);
    w.hex("key", k.bytes());
    w.text("ciphertext", c);
    w.end_test();
  };
  auto flipped = [&](std::size_t at) {
    Bytes c = ct;
    c[at] ^= 0x01;
    return to_hex(c);
  };
  bad("tampered tag (last byte)", key, flipped(ct.size() - 1));
  bad("tampered tag (first tag byte)", key, flipped(ct.size() - 16));
  bad("tampered IV", key, flipped(0));
  bad("tampered IV (last IV byte)", key, flipped(11));
  bad("tampered ciphertext body", key, flipped(12));
  bad("wrong key", other, *ct_hex);
  bad("short input: 27 bytes", key, ct_hex->substr(0, 54));
  bad("short input: IV only", key, ct_hex->substr(0, 24));
  bad("empty input", key, "");
  bad("tag truncated by one byte", key, ct_hex->substr(0, ct_hex->size() - 2));
  bad("one byte appended", key, *ct_hex + "00");
  {
    Bytes c = ct;
    std::swap(c[12], c[13]);
    bad("two ciphertext bytes swapped", key, to_hex(c));
  }
  {
    std::string upper = *ct_hex;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return static_cast<char>(c >= 'a' && c <= 'f' ? c - 32 : c); });
    bad("upper-case hex", key, upper);
  }
  bad("odd number of hex characters", key, ct_hex->substr(0, ct_hex->size() - 1));
  bad("character outside hex", key, "g" + ct_hex->substr(1));
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// own_storage

// js_key_order sorts DM ids the way a JavaScript object orders integer-like keys: ascending
// numeric value. The generator's ids are canonical decimals (no sign, no leading zero), for
// which that is shorter first, then byte-wise.
bool js_key_order(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

std::vector<const std::pair<const std::string, crypto::SharedKey>*> js_ordered(
    const crypto::OwnStorage& s) {
  std::vector<const std::pair<const std::string, crypto::SharedKey>*> out;
  for (const auto& entry : s.shared_keys) out.push_back(&entry);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return js_key_order(a->first, b->first); });
  return out;
}

// js_storage_json is what the deployed web client seals (VEC-002): JSON.stringify of
// {privSPK, sharedKeys} — no whitespace, privSPK first, ids in ascending numeric order. Ids and
// hex need no JSON escaping.
std::string js_storage_json(const crypto::OwnStorage& s) {
  std::string out = "{";
  if (s.priv_spk) out += "\"privSPK\":\"" + to_hex(s.priv_spk->bytes()) + "\",";
  out += "\"sharedKeys\":{";
  bool first = true;
  for (const auto* entry : js_ordered(s)) {
    if (!first) out += ',';
    first = false;
    out += "\"" + entry->first + "\":\"" + to_hex(entry->second.bytes()) + "\"";
  }
  out += "}}";
  return out;
}

void write_storage(FileWriter& w, const crypto::OwnStorage& s) {
  w.start_object("storage");
  if (s.priv_spk) w.hex("privSPK", *s.priv_spk);
  w.start_object("sharedKeys");
  for (const auto* entry : js_ordered(s)) w.hex(entry->first, entry->second.bytes());
  w.end_object();
  w.end_object();
}

// random_dm_id is a DM id of 1 to 5 digits, so that numeric and byte-wise order differ.
std::string random_dm_id(crypto::Random& rng) {
  static constexpr std::array<std::uint32_t, 5> kBounds = {10, 100, 1000, 10000, 100000};
  return std::to_string(random_below(rng, kBounds[random_below(rng, 5)]));
}

Expected<std::string, GenerateError> gen_own_storage(std::uint64_t seed) {
  auto rng = family_rng(Family::own_storage, seed);
  FileWriter w(
      Family::own_storage, seed,
      {"CR-STORE-001: own_storage = hex(iv || AES-256-GCM(personal_key(private_key), "
       "plaintext_json) || tag); plaintext_json is the exact UTF-8 text sealed.",
       "VEC-002: plaintext_json is what the deployed web client seals, JSON.stringify of the "
       "object: no whitespace, privSPK before sharedKeys, sharedKeys in ascending numeric order "
       "of the DM id (\"3\", \"12\", \"1000\"); `storage` lists the members in the same order. "
       "A checker verifies own_storage = seal(plaintext_json) byte for byte and compares the "
       "opened object with `storage` as JSON values (member order does not matter there).",
       "Invalid tests give an own_storage that must fail to open under private_key: tampered, "
       "sealed under another key, short, bad hex, or sealing text that is not the JSON object "
       "of CR-STORE-001."});
  for (int i = 0; i < 22; ++i) {
    const PrivateKey ik = crypto::generate_private_key(rng);
    crypto::OwnStorage s;
    if (i % 7 != 6) s.priv_spk = crypto::generate_private_key(rng);
    std::string comment;
    if (i == 0) {
      // The ids of the issue: numeric order 3, 12, 1000; byte-wise order 1000, 12, 3.
      for (const char* id : {"1000", "3", "12"})
        s.shared_keys.emplace(id, crypto::generate_private_key(rng));
      comment = "privSPK and ids 3, 12, 1000 (numeric order differs from byte-wise order)";
    } else if (i == 1) {
      for (const char* id : {"0", "9", "10", "99", "100", "4294967294", "7", "20"})
        s.shared_keys.emplace(id, crypto::generate_private_key(rng));
      comment = "privSPK and 8 ids of 1 to 10 digits";
    } else {
      const std::size_t count = static_cast<std::size_t>(i % 5);
      while (s.shared_keys.size() < count)
        s.shared_keys.emplace(random_dm_id(rng), crypto::generate_private_key(rng));
      comment = std::string(s.priv_spk ? "privSPK and " : "no privSPK, ") +
                std::to_string(s.shared_keys.size()) + " shared key(s)";
    }
    const Bytes iv = random_bytes(rng, 12);
    const std::string plain = js_storage_json(s);
    const auto pk = crypto::personal_key(ik);
    if (!pk) return fail(pk.error(), "personal_key");
    const auto sealed = crypto::aead_encrypt_hex_with_iv(*pk, iv, text_bytes(plain));
    if (!sealed) return fail(sealed.error(), "aead_encrypt_hex_with_iv");
    // The reference must read what the web client writes (CR-STORE-001 fixes no order).
    const auto back = crypto::own_storage_open(ik, *sealed);
    if (!back || back->shared_keys.size() != s.shared_keys.size()) {
      return fail(back ? crypto::Error::internal : back.error(), "own_storage_open (JS order)");
    }
    w.begin_test(comment, true);
    w.hex("private_key", ik);
    w.hex("personal_key", pk->bytes());
    w.hex("iv", iv);
    write_storage(w, s);
    w.text("plaintext_json", plain);
    w.text("own_storage", *sealed);
    w.end_test();
  }
  const PrivateKey ik = crypto::generate_private_key(rng);
  const PrivateKey other = crypto::generate_private_key(rng);
  crypto::OwnStorage s;
  s.priv_spk = crypto::generate_private_key(rng);
  s.shared_keys.emplace("7", crypto::generate_private_key(rng));
  const Bytes iv = random_bytes(rng, 12);
  const auto sealed = crypto::own_storage_seal_with_iv(ik, s, iv);
  if (!sealed) return fail(sealed.error(), "own_storage_seal_with_iv");
  auto bad = [&](std::string_view comment, const PrivateKey& k, std::string_view value) {
    w.begin_test(comment, false);
    w.hex("private_key", k);
    w.text("own_storage", value);
    w.end_test();
  };
  {
    auto b = from_hex(*sealed);
    if (!b) return fail(crypto::Error::bad_hex, "own_storage");
    (*b)[b->size() - 1] ^= 0x01;
    bad("tampered tag", ik, to_hex(*b));
  }
  bad("opened with another private key", other, *sealed);
  bad("short input: 27 bytes", ik, sealed->substr(0, 54));
  bad("odd number of hex characters", ik, sealed->substr(0, sealed->size() - 1));
  {
    std::string upper = *sealed;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return static_cast<char>(c >= 'a' && c <= 'f' ? c - 32 : c); });
    bad("upper-case hex", ik, upper);
  }
  const auto pk = crypto::personal_key(ik);
  if (!pk) return fail(pk.error(), "personal_key");
  const std::array<std::pair<std::string_view, std::string_view>, 6> texts = {{
      {"sealed text is not JSON", "not json"},
      {"sealed JSON is an array, not an object", "[]"},
      {"privSPK is not 32 bytes of hex", "{\"privSPK\":\"abcd\",\"sharedKeys\":{}}"},
      {"a shared key is not hex",
       "{\"sharedKeys\":{\"1\":"
       "\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}}"},
      {"sharedKeys is not an object", "{\"sharedKeys\":[1,2]}"},
      {"sealed text is truncated JSON", "{\"privSPK\":"},
  }};
  for (const auto& [comment, text] : texts) {
    const Bytes iv2 = random_bytes(rng, 12);
    const auto ct = crypto::aead_encrypt_hex_with_iv(*pk, iv2, text_bytes(text));
    if (!ct) return fail(ct.error(), "aead_encrypt_hex_with_iv");
    bad(comment, ik, *ct);
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// recovery_phrase

std::vector<std::string> words_of(const std::string& phrase) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= phrase.size()) {
    const std::size_t end = std::min(phrase.find(' ', start), phrase.size());
    out.push_back(phrase.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::size_t word_index(std::string_view word) {
  const auto it =
      std::lower_bound(crypto::kBip39English.begin(), crypto::kBip39English.end(), word);
  return static_cast<std::size_t>(it - crypto::kBip39English.begin());
}

Expected<std::string, GenerateError> gen_recovery_phrase(std::uint64_t seed) {
  auto rng = family_rng(Family::recovery_phrase, seed);
  FileWriter w(
      Family::recovery_phrase, seed,
      {"CR-KEY-005: the 32-byte private_key in four 8-byte groups; per group the 64 bits (MSB of "
       "the first byte first) and 2 parity bits p = (sum of its 32 two-bit fields) mod 4 are "
       "six 11-bit big-endian indices into the BIP-39 English list; phrase = the 24 words, "
       "upper case, joined by single spaces.",
       "Valid tests: phrase must decode to private_key, and private_key must encode to phrase "
       "upper-cased (a few valid phrases are given in lower or mixed case: decoding accepts any "
       "letter case).",
       "Invalid tests give only a phrase that must not decode: not 24 words, a word outside the "
       "list, or a group whose parity bits do not match."});
  std::vector<std::pair<std::string, PrivateKey>> keys;
  {
    PrivateKey zero;
    keys.emplace_back("all-zero key", zero);
    PrivateKey ones;
    std::fill(ones.mutable_bytes().begin(), ones.mutable_bytes().end(), 0xff);
    keys.emplace_back("all-0xff key (every parity 0: 96 mod 4)", ones);
    PrivateKey low, high;
    for (std::size_t g = 0; g < 4; ++g) {
      low.mutable_bytes()[8 * g + 7] = 0x01;
      high.mutable_bytes()[8 * g] = 0x80;
    }
    keys.emplace_back("only the last bit of each group (parity 1)", low);
    keys.emplace_back("only the first bit of each group (parity 2)", high);
  }
  for (int i = 0; i < 20; ++i) keys.emplace_back("random key", crypto::generate_private_key(rng));
  for (const auto& [comment, key] : keys) {
    const std::string phrase = crypto::encode_recovery_phrase(key);
    const auto back = crypto::decode_recovery_phrase(phrase);
    if (!back || !(*back == key))
      return fail(crypto::Error::internal, "recovery phrase round trip");
    w.begin_test(comment, true);
    w.hex("private_key", key);
    w.text("phrase", phrase);
    w.end_test();
  }
  // Other letter cases (what a user types): all lower case, and a random mix.
  for (int i = 0; i < 3; ++i) {
    const PrivateKey key = crypto::generate_private_key(rng);
    std::string phrase = crypto::encode_recovery_phrase(key);
    for (char& c : phrase) {
      const bool lower = i == 0 || random_below(rng, 2) == 1;
      if (lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    w.begin_test(i == 0 ? "lower-case phrase" : "mixed-case phrase", true);
    w.hex("private_key", key);
    w.text("phrase", phrase);
    w.end_test();
  }

  const PrivateKey key = crypto::generate_private_key(rng);
  const std::vector<std::string> words = words_of(crypto::encode_recovery_phrase(key));
  auto refused = [&](std::string_view comment, const std::string& phrase,
                     crypto::Error expected) -> Expected<void, GenerateError> {
    const auto r = crypto::decode_recovery_phrase(phrase);
    if (r || r.error() != expected) {
      return fail(crypto::Error::internal, "invalid recovery phrase not refused as expected");
    }
    w.begin_test(comment, false);
    w.text("phrase", phrase);
    w.end_test();
    return {};
  };
  std::vector<std::pair<std::string, std::string>> count_cases;
  {
    auto v = words;
    v.pop_back();
    count_cases.emplace_back("23 words (the last one dropped)", joined(v));
    v = words;
    v.push_back(words[0]);
    count_cases.emplace_back("25 words (a list word appended)", joined(v));
    v.assign(words.begin(), words.begin() + 12);
    count_cases.emplace_back("12 words (a BIP-39 wallet length)", joined(v));
    count_cases.emplace_back("empty phrase", "");
  }
  for (const auto& [comment, phrase] : count_cases) {
    if (auto r = refused(comment, phrase, crypto::Error::phrase_word_count); !r)
      return Unexpected{r.error()};
  }
  const std::array<std::pair<std::size_t, std::string_view>, 4> unknown = {{
      {0, "ABANDONS"},  // a list word with a letter more
      {7, "ZOOS"},
      {13, "YOKE"},     // a word of RFC 1751's own list that BIP-39 lacks
      {23, "AB4NDON"},  // a digit
  }};
  for (const auto& [pos, word] : unknown) {
    if (word_index(word) < crypto::kBip39English.size() &&
        crypto::kBip39English[word_index(word)] == word) {
      return fail(crypto::Error::internal, "unknown-word test uses a list word");
    }
    auto v = words;
    v[pos] = std::string(word);
    if (auto r =
            refused("unknown word " + std::string(word) + " at word " + std::to_string(pos + 1),
                    joined(v), crypto::Error::phrase_unknown_word);
        !r) {
      return Unexpected{r.error()};
    }
  }
  for (std::size_t group = 0; group < 4; ++group) {
    // The last word of a group carries the 2 parity bits: flip the low one.
    auto v = words;
    const std::size_t pos = 6 * group + 5;
    v[pos] = std::string(crypto::kBip39English[word_index(words[pos]) ^ 1]);
    if (auto r = refused("group " + std::to_string(group + 1) + ": parity bit flipped (word " +
                             std::to_string(pos + 1) + ")",
                         joined(v), crypto::Error::phrase_parity);
        !r) {
      return Unexpected{r.error()};
    }
    // A key bit of the group changed instead (the first word's lowest bit): the parity stored
    // no longer matches the bits.
    v = words;
    const std::size_t first = 6 * group;
    v[first] = std::string(crypto::kBip39English[word_index(words[first]) ^ 1]);
    if (auto r = refused("group " + std::to_string(group + 1) + ": a key bit flipped (word " +
                             std::to_string(first + 1) + "), parity bits left as they were",
                         joined(v), crypto::Error::phrase_parity);
        !r) {
      return Unexpected{r.error()};
    }
  }
  return w.finish();
}

}  // namespace

Expected<std::string, GenerateError> generate_family(Family f, std::uint64_t seed) {
  switch (f) {
    case Family::ed25519_keys:
      return gen_ed25519_keys(seed);
    case Family::ed25519_sign:
      return gen_ed25519_sign(seed);
    case Family::challenge:
      return gen_challenge(seed);
    case Family::ecdh:
      return gen_ecdh(seed);
    case Family::personal_key:
      return gen_personal_key(seed);
    case Family::kdf:
      return gen_kdf(seed);
    case Family::x3dh:
      return gen_x3dh(seed);
    case Family::group_dm:
      return gen_group_dm(seed);
    case Family::aead:
      return gen_aead(seed);
    case Family::own_storage:
      return gen_own_storage(seed);
    case Family::recovery_phrase:
      return gen_recovery_phrase(seed);
  }
  return fail(crypto::Error::internal, "unknown family");
}

}  // namespace unm::vectors
