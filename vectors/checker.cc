#include "vectors/checker.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "reference/common/hex.h"
#include "reference/crypto/crypto.h"
#include "reference/crypto/recovery_phrase.h"
#include "vectors/family.h"

namespace unm::vectors {
namespace {

// one_line escapes control characters in untrusted text (and bounds its length) so that an
// error message quoting it stays one line.
std::string one_line(std::string_view s, std::size_t limit = 200) {
  std::string out;
  for (const char c : s.substr(0, limit)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > limit) out += "...";
  return out;
}

using crypto::PrivateKey;
using crypto::PublicKey;
using Bytes = std::vector<std::uint8_t>;

// SchemaSink collects the first schema problem found while a test is read; the whole file is then
// rejected as malformed (a problem with the file, not with the implementation under test).
struct SchemaSink {
  std::string error;
  void set(std::string m) {
    if (error.empty()) error = std::move(m);
  }
};

// Obj is a read-only view of a JSON object with typed, schema-checked field access. A missing
// required field or a wrong type is reported to the SchemaSink and yields an empty value.
class Obj {
 public:
  Obj(const rapidjson::Value* v, std::string where, SchemaSink& sink)
      : v_(v), where_(std::move(where)), sink_(&sink) {}

  bool has(const char* name) const { return v_ != nullptr && v_->HasMember(name); }

  std::string str(const char* name) const {
    const rapidjson::Value* f = field(name);
    if (f == nullptr) return {};
    if (!f->IsString()) {
      problem(name, "is not a string");
      return {};
    }
    return std::string(f->GetString(), f->GetStringLength());
  }
  std::optional<std::string> opt_str(const char* name) const {
    if (!has(name)) return std::nullopt;
    return str(name);
  }

  std::uint64_t uint(const char* name) const {
    const rapidjson::Value* f = field(name);
    if (f == nullptr) return 0;
    if (!f->IsUint64()) {
      problem(name, "is not a non-negative integer");
      return 0;
    }
    return f->GetUint64();
  }

  std::vector<std::string> str_list(const char* name) const {
    std::vector<std::string> out;
    const rapidjson::Value* f = field(name);
    if (f == nullptr) return out;
    if (!f->IsArray()) {
      problem(name, "is not an array");
      return out;
    }
    for (const rapidjson::Value& e : f->GetArray()) {
      if (!e.IsString()) {
        problem(name, "has an element that is not a string");
        return {};
      }
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
  }
  std::optional<std::vector<std::string>> opt_str_list(const char* name) const {
    if (!has(name)) return std::nullopt;
    return str_list(name);
  }

  Obj obj(const char* name) const {
    const rapidjson::Value* f = field(name);
    if (f != nullptr && !f->IsObject()) {
      problem(name, "is not an object");
      f = nullptr;
    }
    return Obj(f, where_ + "." + name, *sink_);
  }
  std::optional<Obj> opt_obj(const char* name) const {
    if (!has(name)) return std::nullopt;
    return obj(name);
  }

  std::vector<Obj> obj_list(const char* name) const {
    std::vector<Obj> out;
    const rapidjson::Value* f = field(name);
    if (f == nullptr) return out;
    if (!f->IsArray()) {
      problem(name, "is not an array");
      return out;
    }
    std::size_t i = 0;
    for (const rapidjson::Value& e : f->GetArray()) {
      if (!e.IsObject()) {
        problem(name, "has an element that is not an object");
        return {};
      }
      out.emplace_back(&e, where_ + "." + name + "[" + std::to_string(i++) + "]", *sink_);
    }
    return out;
  }

  const rapidjson::Value* raw(const char* name) const { return field(name); }
  const std::string& where() const { return where_; }
  SchemaSink& sink() const { return *sink_; }

 private:
  const rapidjson::Value* field(const char* name) const {
    if (v_ == nullptr) return nullptr;  // the parent already reported the problem
    const auto it = v_->FindMember(name);
    if (it == v_->MemberEnd()) {
      sink_->set(where_ + ": missing field \"" + name + "\"");
      return nullptr;
    }
    return &it->value;
  }
  void problem(const char* name, const char* what) const {
    sink_->set(where_ + ": field \"" + name + "\" " + what);
  }

  const rapidjson::Value* v_;
  std::string where_;
  SchemaSink* sink_;
};

// Observed is what the implementation did with one test: refused (with the first reason), and
// every output that differed from the file.
struct Observed {
  std::optional<std::string> refusal;
  std::vector<std::string> mismatches;
  std::optional<std::string> skip;  // why no part of the test could be checked (VEC-003)
  std::vector<std::string> notes;   // informational (VEC-003, VEC-005)

  void refuse(std::string why) {
    if (!refusal) refusal = std::move(why);
  }
  void refuse(std::string_view step, crypto::Error e) {
    refuse(std::string(step) + ": " + std::string(crypto::error_name(e)));
  }
  void expect(std::string_view field, std::string_view want, std::string_view got) {
    if (want != got) {
      mismatches.push_back(std::string(field) + " differs: file " + std::string(want) +
                           ", computed " + std::string(got));
    }
  }
  void expect_opt(std::string_view field, const std::optional<std::string>& want,
                  std::string_view got) {
    if (want) expect(field, *want, got);
  }
};

std::optional<PrivateKey> private_key(Observed& o, std::string_view field, std::string_view hex) {
  auto k = crypto::parse_private_key(hex);
  if (!k) {
    o.refuse(field, k.error());
    return std::nullopt;
  }
  return std::move(*k);
}

// raw_point decodes 32 bytes without judging the point: the operation under test must do that.
std::optional<PublicKey> raw_point(Observed& o, std::string_view field, std::string_view hex) {
  PublicKey p{};
  if (!from_hex_into(hex, p)) {
    o.refuse(std::string(field) + ": not 32 bytes of lowercase hex");
    return std::nullopt;
  }
  return p;
}

std::optional<Bytes> bytes(Observed& o, std::string_view field, std::string_view hex) {
  auto b = from_hex(hex);
  if (!b) {
    o.refuse(std::string(field) + ": not lowercase hex");
    return std::nullopt;
  }
  return std::move(*b);
}

std::string hx(std::span<const std::uint8_t> b) {
  return to_hex(b);
}

// public_or_derived is the *_pub field when present (what travels), else public(priv).
std::optional<PublicKey> public_or_derived(Observed& o, const Obj& t, const char* field,
                                           const PrivateKey& priv) {
  if (const auto given = t.opt_str(field)) return raw_point(o, field, *given);
  return crypto::public_key(priv);
}

// ---------------------------------------------------------------------------------------------

void check_ed25519_keys(const Obj& t, bool valid, Observed& o) {
  const auto priv = private_key(o, "private_key", t.str("private_key"));
  if (!priv || !valid) return;
  const PublicKey pub = crypto::public_key(*priv);
  o.expect("public_key", t.str("public_key"), hx(pub));
  o.expect_opt("scalar", t.opt_str("scalar"), hx(crypto::scalar(*priv).bytes()));
  o.expect_opt("x25519_private_key", t.opt_str("x25519_private_key"),
               hx(crypto::x25519_private_key(*priv).bytes()));
  if (const auto want = t.opt_str("x25519_public_key")) {
    const auto x = crypto::x25519_public_key(pub);
    if (!x) return o.refuse("x25519_public_key", x.error());
    o.expect("x25519_public_key", *want, hx(*x));
  }
}

void check_ed25519_sign(const Obj& t, bool valid, Observed& o) {
  const std::string pub = t.str("public_key");
  const std::string msg = t.str("message");
  const std::string sig = t.str("signature");
  if (const auto priv_hex = t.opt_str("private_key")) {
    // The file claims signature = sign(private_key, message): deterministic Ed25519 must agree.
    const auto priv = private_key(o, "private_key", *priv_hex);
    const auto m = bytes(o, "message", msg);
    if (!priv || !m) return;
    o.expect("signature", sig, hx(crypto::sign(*priv, *m)));
    if (valid) o.expect("public_key", pub, hx(crypto::public_key(*priv)));
  }
  const auto r = crypto::verify_hex(pub, msg, sig);
  if (!r) o.refuse("verify", r.error());
}

void check_challenge(const Obj& t, bool valid, Observed& o) {
  const auto priv = private_key(o, "private_key", t.str("private_key"));
  const auto ch = raw_point(o, "challenge", t.str("challenge"));
  if (!priv || !ch) return;
  const auto resp = crypto::challenge_response(*priv, *ch);
  if (!resp) return o.refuse("challenge_response", resp.error());
  if (!valid) return;
  o.expect("response", t.str("response"), hx(*resp));
  const PublicKey pub = crypto::public_key(*priv);
  o.expect_opt("public_key", t.opt_str("public_key"), hx(pub));
  if (const auto k_hex = t.opt_str("server_scalar")) {
    crypto::Scalar k;
    if (!from_hex_into(*k_hex, k.mutable_bytes())) {
      return o.refuse("server_scalar: not 32 bytes of lowercase hex");
    }
    const auto made = crypto::create_challenge_with_scalar(pub, k);
    if (!made) return o.refuse("create_challenge_with_scalar", made.error());
    o.expect("challenge (k·B)", t.str("challenge"), hx(made->challenge));
    o.expect_opt("expected_response", t.opt_str("expected_response"), hx(made->expected));
    // CR-CHAL-003: the server's comparison of the exact lowercase hex.
    if (!crypto::challenge_matches(hx(made->expected), hx(*resp))) {
      o.mismatches.push_back("challenge_matches refused the correct response");
    }
  } else if (const auto want = t.opt_str("expected_response")) {
    o.expect("expected_response", *want, hx(*resp));
  }
}

void check_ecdh(const Obj& t, bool valid, Observed& o) {
  const auto priv = private_key(o, "private_key", t.str("private_key"));
  const auto peer = raw_point(o, "peer_public_key", t.str("peer_public_key"));
  if (!priv || !peer) return;
  const auto shared = crypto::ecdh(*priv, *peer);
  if (!shared) return o.refuse("ecdh", shared.error());
  if (!valid) return;
  o.expect("shared_secret", t.str("shared_secret"), hx(shared->bytes()));
  o.expect_opt("public_key", t.opt_str("public_key"), hx(crypto::public_key(*priv)));
  o.expect_opt("x25519_private_key", t.opt_str("x25519_private_key"),
               hx(crypto::x25519_private_key(*priv).bytes()));
  if (const auto want = t.opt_str("x25519_peer_public_key")) {
    const auto x = crypto::x25519_public_key(*peer);
    if (!x) return o.refuse("x25519_public_key", x.error());
    o.expect("x25519_peer_public_key", *want, hx(*x));
  }
  if (const auto peer_priv_hex = t.opt_str("peer_private_key")) {
    const auto peer_priv = private_key(o, "peer_private_key", *peer_priv_hex);
    if (!peer_priv) return;
    o.expect("peer_public_key", t.str("peer_public_key"), hx(crypto::public_key(*peer_priv)));
    const auto back = crypto::ecdh(*peer_priv, crypto::public_key(*priv));
    if (!back) return o.refuse("ecdh (peer side)", back.error());
    o.expect("shared_secret (peer side)", t.str("shared_secret"), hx(back->bytes()));
  }
}

void check_personal_key(const Obj& t, bool valid, Observed& o) {
  const auto priv = private_key(o, "private_key", t.str("private_key"));
  if (!priv) return;
  const auto pk = crypto::personal_key(*priv);
  if (!pk) return o.refuse("personal_key", pk.error());
  if (!valid) return;
  o.expect("personal_key", t.str("personal_key"), hx(pk->bytes()));
  o.expect_opt("public_key", t.opt_str("public_key"), hx(crypto::public_key(*priv)));
}

void check_kdf(const Obj& t, bool valid, Observed& o) {
  const auto km = bytes(o, "key_material", t.str("key_material"));
  if (!km || !valid) return;
  o.expect("output", t.str("output"), hx(crypto::kdf(*km).bytes()));
  if (const auto want = t.opt_str("ikm")) {
    Bytes ikm(32 + km->size(), 0xff);
    std::copy(km->begin(), km->end(), ikm.begin() + 32);
    o.expect("ikm", *want, hx(ikm));
  }
}

// own_send_failure names the bundle field that makes unm_crypto's initiator refuse, in the order
// x3dh_send checks them: IKb (CR-KEY-004), the SPK signature (CR-X3DH-001), SPKb (CR-KEY-004).
std::string own_send_failure(crypto::Error e, const PublicKey& ik_b_pub) {
  if (e == crypto::Error::bad_signature) return "spk_b_sig";
  if (e == crypto::Error::invalid_point) {
    return crypto::validate_public_key(ik_b_pub) ? "spk_b_pub" : "ik_b_pub";
  }
  return std::string(crypto::error_name(e));
}

// optional_private_key decodes an optional *_priv field (VEC-003: it may be absent).
std::optional<PrivateKey> optional_private_key(Observed& o, const Obj& t, const char* field,
                                               bool& bad) {
  const auto hex = t.opt_str(field);
  if (!hex) return std::nullopt;
  auto k = private_key(o, field, *hex);
  if (!k) bad = true;
  return k;
}

// optional_public decodes a *_pub field when present, else derives it from the private key when
// that is present; nullopt when neither is there (the caller then cannot run that side).
std::optional<PublicKey> optional_public(Observed& o, const Obj& t, const char* field,
                                         const std::optional<PrivateKey>& priv, bool& bad) {
  if (const auto given = t.opt_str(field)) {
    auto p = raw_point(o, field, *given);
    if (!p) bad = true;
    return p;
  }
  if (priv) return crypto::public_key(*priv);
  return std::nullopt;
}

std::string missing_list(std::initializer_list<std::pair<const char*, bool>> fields) {
  std::string out;
  for (const auto& [name, present] : fields) {
    if (present) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// check_x3dh runs the initiator (CR-X3DH-001/002) when it has ik_a_priv, ek_a_priv and the
// bundle, and the responder (CR-X3DH-003/004) when it has ik_b_priv, spk_b_priv and the sender's
// public keys. A test may omit a private key that cannot exist (VEC-003); then only the other
// side is checked, and a test with neither side is skipped.
void check_x3dh(const Obj& t, bool valid, Observed& o) {
  bool bad = false;
  const auto ik_a = optional_private_key(o, t, "ik_a_priv", bad);
  const auto ek_a = optional_private_key(o, t, "ek_a_priv", bad);
  const auto ik_b = optional_private_key(o, t, "ik_b_priv", bad);
  const auto spk_b = optional_private_key(o, t, "spk_b_priv", bad);
  const std::string sig_hex = t.str("spk_b_sig");
  const auto send_fails_by = t.opt_str("send_fails_by");
  const auto ik_a_pub = optional_public(o, t, "ik_a_pub", ik_a, bad);
  const auto ek_a_pub = optional_public(o, t, "ek_a_pub", ek_a, bad);
  const auto ik_b_pub = optional_public(o, t, "ik_b_pub", ik_b, bad);
  const auto spk_b_pub = optional_public(o, t, "spk_b_pub", spk_b, bad);
  if (bad) return;  // a field that is present but not hex: refused like any bad input
  const auto sig = crypto::parse_signature(sig_hex);
  if (!sig) return o.refuse("spk_b_sig", sig.error());

  const bool can_send = ik_a && ek_a && ik_b_pub && spk_b_pub;
  const bool can_receive = ik_b && spk_b && ik_a_pub && ek_a_pub;
  const std::string no_send =
      "initiator not run: no " + missing_list({{"ik_a_priv", ik_a.has_value()},
                                               {"ek_a_priv", ek_a.has_value()},
                                               {"ik_b_pub/ik_b_priv", ik_b_pub.has_value()},
                                               {"spk_b_pub/spk_b_priv", spk_b_pub.has_value()}});
  const std::string no_receive =
      "responder not run: no " + missing_list({{"ik_b_priv", ik_b.has_value()},
                                               {"spk_b_priv", spk_b.has_value()},
                                               {"ik_a_pub/ik_a_priv", ik_a_pub.has_value()},
                                               {"ek_a_pub/ek_a_priv", ek_a_pub.has_value()}});

  if (send_fails_by) {
    // The initiator must refuse; a responder-side refusal would not count (VEC-005: how it
    // fails is informational).
    if (!can_send) {
      o.skip = "send_fails_by given, but the " + no_send;
      return;
    }
    const auto sent = crypto::x3dh_send_with_ephemeral(*ik_a, *ek_a, {*ik_b_pub, *spk_b_pub, *sig});
    if (!sent) {
      const std::string ours = own_send_failure(sent.error(), *ik_b_pub);
      o.refuse("x3dh_send (" + ours + ")", sent.error());
      if (ours != *send_fails_by) {
        o.notes.push_back("send_fails_by: the file says \"" + *send_fails_by +
                          "\", unm_crypto refused on " + ours);
      }
    }
    return;
  }
  if (!can_send && !can_receive) {
    o.skip = no_send + "; " + no_receive;
    return;
  }

  std::optional<crypto::X3dhSent> sent;
  if (can_send) {
    auto s = crypto::x3dh_send_with_ephemeral(*ik_a, *ek_a, {*ik_b_pub, *spk_b_pub, *sig});
    if (!s) return o.refuse("x3dh_send", s.error());
    sent = std::move(*s);
  } else if (valid) {
    o.notes.push_back(no_send);  // an invalid test here is the responder's to refuse anyway
  }
  std::optional<crypto::SharedKey> received;
  if (can_receive) {
    // CR-X3DH-004: the SPK the message names must be the responder's own.
    const PublicKey named_spk = sent ? sent->message.spk : *spk_b_pub;
    if (named_spk != crypto::public_key(*spk_b)) {
      return o.refuse("x3dh_receive: message.spk is not the responder's SPK (CR-X3DH-004)");
    }
    auto r = crypto::x3dh_receive(*ik_b, *spk_b, *ik_a_pub, *ek_a_pub);
    if (!r) return o.refuse("x3dh_receive", r.error());
    received = std::move(*r);
  } else if (!valid) {
    // An invalid test without send_fails_by is the responder's to refuse: the initiator's
    // success proves nothing (VEC-003).
    o.skip = "the responder must refuse, but the " + no_receive;
    return;
  } else {
    o.notes.push_back(no_receive);
  }
  if (!valid) return;

  const std::string want = t.str("shared_key");
  if (sent) o.expect("shared_key (initiator)", want, hx(sent->shared_key.bytes()));
  if (received) o.expect("shared_key (responder)", want, hx(received->bytes()));
  const Obj msg = t.obj("message");
  if (sent) {
    o.expect("message.ek", msg.str("ek"), hx(sent->message.ek));
    o.expect("message.spk", msg.str("spk"), hx(sent->message.spk));
  } else {
    o.expect("message.ek", msg.str("ek"), hx(*ek_a_pub));
    o.expect("message.spk", msg.str("spk"), hx(*spk_b_pub));
  }
  // A valid test's public keys are those of its private keys, where both are given.
  const std::array<
      std::tuple<const char*, const std::optional<PublicKey>*, const std::optional<PrivateKey>*>, 4>
      pairs = {{{"ik_a_pub", &ik_a_pub, &ik_a},
                {"ek_a_pub", &ek_a_pub, &ek_a},
                {"ik_b_pub", &ik_b_pub, &ik_b},
                {"spk_b_pub", &spk_b_pub, &spk_b}}};
  for (const auto& [name, pub, priv] : pairs) {
    if (*priv) o.expect(name, hx(**pub), hx(crypto::public_key(**priv)));
  }
  // DH1..DH4 from whichever side has the private keys (CR-X3DH-002/003).
  const std::array<
      std::tuple<const char*, const std::optional<PrivateKey>*, const std::optional<PublicKey>*,
                 const std::optional<PrivateKey>*, const std::optional<PublicKey>*>,
      4>
      dhs = {{{"dh1", &ik_a, &spk_b_pub, &spk_b, &ik_a_pub},
              {"dh2", &ek_a, &ik_b_pub, &ik_b, &ek_a_pub},
              {"dh3", &ek_a, &spk_b_pub, &spk_b, &ek_a_pub},
              {"dh4", &ik_a, &ik_b_pub, &ik_b, &ik_a_pub}}};
  for (const auto& [name, a_priv, b_pub, b_priv, a_pub] : dhs) {
    if (!t.has(name)) continue;
    const auto dh = sent ? crypto::ecdh(**a_priv, **b_pub) : crypto::ecdh(**b_priv, **a_pub);
    if (!dh) return o.refuse(name, dh.error());
    o.expect(name, t.str(name), hx(dh->bytes()));
  }
}

// GroupMember is one member's inputs, decoded.
// ik and spk may be absent when the matching public key is given (VEC-003: a small-order member
// key has no private key); that member's receive then cannot run.
struct GroupMember {
  std::optional<PrivateKey> ik, spk;
  PrivateKey ek;
  crypto::PreKeyBundle bundle;
  PublicKey ek_pub{};
};

std::optional<std::vector<PublicKey>> tree_of(Observed& o, std::string_view field,
                                              const std::vector<std::string>& entries) {
  std::vector<PublicKey> tree;
  for (const std::string& e : entries) {
    const auto p = raw_point(o, field, e);
    if (!p) return std::nullopt;
    tree.push_back(*p);
  }
  return tree;
}

void check_group_dm(const Obj& t, bool valid, Observed& o) {
  const std::uint64_t n = t.uint("n");
  const auto creator = private_key(o, "creator_ik_priv", t.str("creator_ik_priv"));
  const auto leaf = private_key(o, "creator_leaf", t.str("creator_leaf"));
  const std::vector<std::string> padding_hex = t.str_list("padding");
  const std::vector<Obj> member_objs = t.obj_list("members");
  const auto receive = valid ? std::nullopt : t.opt_obj("receive");
  if (!t.sink().error.empty()) return;
  if (member_objs.size() + 1 != n) {
    t.sink().set(t.where() + ": members has " + std::to_string(member_objs.size()) +
                 " entries, n - 1 = " + std::to_string(n == 0 ? 0 : n - 1) + " expected");
    return;
  }
  std::vector<PrivateKey> padding;
  for (const std::string& p : padding_hex) {
    auto k = private_key(o, "padding", p);
    if (!k) return;
    padding.push_back(std::move(*k));
  }
  std::vector<GroupMember> members;
  for (std::size_t i = 0; i < member_objs.size(); ++i) {
    const Obj& m = member_objs[i];
    if (m.uint("position") != i + 1) {
      m.sink().set(m.where() + ": position is not " + std::to_string(i + 1) +
                   " (members are listed in position order)");
      return;
    }
    bool bad = false;
    auto ik = optional_private_key(o, m, "ik_priv", bad);
    auto spk = optional_private_key(o, m, "spk_priv", bad);
    auto ek = private_key(o, "members.ek_priv", m.str("ek_priv"));
    const auto sig = crypto::parse_signature(m.str("spk_sig"));
    if (!sig) return o.refuse("members.spk_sig", sig.error());
    // Without ik_priv, ik_pub is required (str() reports it missing), and likewise for spk.
    const auto ik_pub = ik ? public_or_derived(o, m, "ik_pub", *ik)
                           : raw_point(o, "members.ik_pub", m.str("ik_pub"));
    const auto spk_pub = spk ? public_or_derived(o, m, "spk_pub", *spk)
                             : raw_point(o, "members.spk_pub", m.str("spk_pub"));
    if (bad || !ek || !ik_pub || !spk_pub) return;
    const auto ek_pub = public_or_derived(o, m, "ek_pub", *ek);
    if (!ek_pub) return;
    members.push_back(
        {std::move(ik), std::move(spk), std::move(*ek), {*ik_pub, *spk_pub, *sig}, *ek_pub});
  }
  if (!creator || !leaf) return;
  const PublicKey creator_pub = crypto::public_key(*creator);

  if (receive) {
    // A member refuses what arrived (CR-TREE-006/007, CR-KEY-004).
    const std::uint64_t member = receive->uint("member");
    const std::uint64_t position = receive->uint("position");
    const std::vector<std::string> tree_hex = receive->str_list("key_tree");
    const auto ek_hex = receive->opt_str("ek");
    if (!t.sink().error.empty()) return;
    if (member < 1 || member > members.size()) {
      t.sink().set(t.where() + ".receive: member " + std::to_string(member) +
                   " is not a listed position");
      return;
    }
    const GroupMember& gm = members[member - 1];
    if (!gm.ik || !gm.spk) {
      o.skip = "the receiving member " + std::to_string(member) + " has no ik_priv/spk_priv";
      return;
    }
    const auto tree = tree_of(o, "receive.key_tree", tree_hex);
    const auto ek = ek_hex ? raw_point(o, "receive.ek", *ek_hex) : std::optional(gm.ek_pub);
    if (!tree || !ek) return;
    const auto got = crypto::receive_group_dm(*gm.ik, *gm.spk, creator_pub, *ek, *tree,
                                              static_cast<std::size_t>(position));
    if (!got) o.refuse("receive_group_dm", got.error());
    return;
  }

  std::vector<crypto::PreKeyBundle> bundles;
  std::vector<PrivateKey> eks;
  for (const GroupMember& m : members) {
    bundles.push_back(m.bundle);
    eks.push_back(m.ek);
  }
  const auto dm = crypto::create_group_dm_explicit(*creator, bundles, *leaf, padding, eks);
  if (!dm) return o.refuse("create_group_dm_explicit", dm.error());
  // An invalid test without `receive` must be refused by the creator (CR-X3DH-001): it was not.
  if (!valid) return;

  const std::string shared = t.str("shared_key");
  o.expect("shared_key", shared, hx(dm->shared_key.bytes()));
  if (t.uint("padded_size") != dm->padded_size) {
    o.mismatches.push_back("padded_size differs: file " + std::to_string(t.uint("padded_size")) +
                           ", computed " + std::to_string(dm->padded_size));
  }
  const std::vector<std::string> tree_hex = t.str_list("key_tree");
  if (tree_hex.size() != dm->key_tree.size()) {
    o.mismatches.push_back("key_tree length differs: file " + std::to_string(tree_hex.size()) +
                           ", computed " + std::to_string(dm->key_tree.size()));
    return;
  }
  for (std::size_t i = 0; i < tree_hex.size(); ++i) {
    o.expect("key_tree[" + std::to_string(i) + "]", tree_hex[i], hx(dm->key_tree[i]));
  }
  const std::vector<Obj> msgs = t.obj_list("messages");
  if (msgs.size() != dm->messages.size()) {
    o.mismatches.push_back("messages length differs");
    return;
  }
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    o.expect("messages[" + std::to_string(i) + "].ek", msgs[i].str("ek"), hx(dm->messages[i].ek));
    o.expect("messages[" + std::to_string(i) + "].spk", msgs[i].str("spk"),
             hx(dm->messages[i].spk));
  }
  const auto tree = tree_of(o, "key_tree", tree_hex);
  if (!tree) return;
  // Every member recomputes the root from the file's tree and its message (CR-TREE-005).
  std::vector<PrivateKey> leaves;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const GroupMember& m = members[i];
    const auto ek = raw_point(o, "messages.ek", msgs[i].str("ek"));
    if (!ek) return;
    const std::string who = "members[" + std::to_string(i) + "]";
    if (m.ik && m.spk) {
      const auto got = crypto::receive_group_dm(*m.ik, *m.spk, creator_pub, *ek, *tree, i + 1);
      if (!got) return o.refuse("receive_group_dm (" + who + ")", got.error());
      o.expect(who + " root", shared, hx(got->bytes()));
      o.expect_opt(who + ".shared_key", member_objs[i].opt_str("shared_key"), hx(got->bytes()));
    } else {
      o.notes.push_back(who + " has no ik_priv/spk_priv: its receive not run");
    }
    const auto sk = crypto::x3dh_send_with_ephemeral(*creator, m.ek, m.bundle);
    if (!sk) return o.refuse("x3dh_send (" + who + ")", sk.error());
    o.expect_opt(who + ".leaf_key", member_objs[i].opt_str("leaf_key"), hx(sk->shared_key.bytes()));
    leaves.push_back(sk->shared_key);
  }
  if (const auto priv_tree = t.opt_str_list("private_tree")) {
    // Rebuild every node private key: leaves, then parent = combine(left, right) (CR-TREE-002).
    // VEC-001: heap 1 ... 2M-1 (root first, 2M-1 entries), or aligned with key_tree (heap
    // 2 ... 2M-1, 2M-2 entries).
    const std::size_t m = dm->padded_size;
    std::size_t first_heap = 0;
    if (priv_tree->size() == 2 * m - 1) {
      first_heap = 1;
    } else if (priv_tree->size() == 2 * m - 2) {
      first_heap = 2;
    } else {
      o.mismatches.push_back("private_tree has " + std::to_string(priv_tree->size()) +
                             " entries, 2M-1 = " + std::to_string(2 * m - 1) + " (heap 1 ...) or " +
                             "2M-2 = " + std::to_string(2 * m - 2) + " (heap 2 ...) expected");
      return;
    }
    std::vector<PrivateKey> node(2 * m);
    node[m] = *leaf;
    for (std::size_t p = 1; p < n; ++p) node[m + p] = leaves[p - 1];
    for (std::size_t i = n; i < m; ++i) node[m + i] = padding[i - n];
    for (std::size_t i = m - 1; i >= 1; --i) {
      auto c = crypto::combine(node[2 * i], node[2 * i + 1]);
      if (!c) return o.refuse("combine", c.error());
      node[i] = std::move(*c);
    }
    for (std::size_t i = first_heap; i < 2 * m; ++i) {
      o.expect(
          "private_tree[" + std::to_string(i - first_heap) + "] (heap " + std::to_string(i) + ")",
          (*priv_tree)[i - first_heap], hx(node[i].bytes()));
    }
  }
}

void check_aead(const Obj& t, bool valid, Observed& o) {
  crypto::SharedKey key;
  if (!from_hex_into(t.str("key"), key.mutable_bytes())) {
    return o.refuse("key: not 32 bytes of lowercase hex");
  }
  const std::string ct = t.str("ciphertext");
  const auto opened = crypto::aead_decrypt_hex(key, ct);
  if (!opened) return o.refuse("aead_decrypt_hex", opened.error());
  if (!valid) return;
  const auto iv = bytes(o, "iv", t.str("iv"));
  const auto pt = bytes(o, "plaintext", t.str("plaintext"));
  if (!iv || !pt) return;
  const auto sealed = crypto::aead_encrypt_hex_with_iv(key, *iv, *pt);
  if (!sealed) return o.refuse("aead_encrypt_hex_with_iv", sealed.error());
  o.expect("ciphertext", ct, *sealed);
  o.expect("decrypted plaintext", hx(*pt), hx(*opened));
  if (const auto text = t.opt_str("plaintext_text")) {
    o.expect("plaintext_text (as UTF-8 hex)", hx(*pt), to_hex(std::string_view(*text)));
  }
}

// parse_json_value parses JSON text for a value comparison; nullopt when it is not JSON.
std::optional<rapidjson::Document> parse_json_value(std::string_view text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                  text.size());
  if (d.HasParseError()) return std::nullopt;
  return d;
}

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// same_storage compares two OwnStorage values (order-free: shared_keys is a map).
bool same_storage(const crypto::OwnStorage& a, const crypto::OwnStorage& b) {
  if (a.priv_spk.has_value() != b.priv_spk.has_value()) return false;
  if (a.priv_spk && !(*a.priv_spk == *b.priv_spk)) return false;
  if (a.shared_keys.size() != b.shared_keys.size()) return false;
  for (const auto& [id, key] : a.shared_keys) {
    const auto it = b.shared_keys.find(id);
    if (it == b.shared_keys.end() || !(it->second == key)) return false;
  }
  return true;
}

// check_own_storage applies VEC-002: own_storage = seal(plaintext_json) byte for byte (the text
// is whatever the producer sealed: the web client's JSON.stringify order, or ours), and the
// opened object equals `storage` as JSON values (member order and number spelling are free).
void check_own_storage(const Obj& t, bool valid, Observed& o) {
  const auto priv = private_key(o, "private_key", t.str("private_key"));
  const std::string sealed = t.str("own_storage");
  if (!priv) return;
  const auto opened = crypto::own_storage_open(*priv, sealed);
  if (!opened) return o.refuse("own_storage_open", opened.error());
  if (!valid) return;
  const rapidjson::Value* storage = t.raw("storage");
  if (storage == nullptr) return;
  if (!storage->IsObject()) return t.sink().set(t.where() + ": field \"storage\" is not an object");
  const std::string want_plain = t.str("plaintext_json");
  const auto iv = bytes(o, "iv", t.str("iv"));
  if (!iv) return;
  const auto pk = crypto::personal_key(*priv);
  if (!pk) return o.refuse("personal_key", pk.error());
  o.expect_opt("personal_key", t.opt_str("personal_key"), hx(pk->bytes()));
  // Byte for byte: AEAD(personal_key, plaintext_json) with the file's IV (CR-STORE-001).
  const auto resealed = crypto::aead_encrypt_hex_with_iv(
      *pk, *iv,
      std::span(reinterpret_cast<const std::uint8_t*>(want_plain.data()), want_plain.size()));
  if (!resealed) return o.refuse("aead_encrypt_hex_with_iv", resealed.error());
  o.expect("own_storage (sealed plaintext_json)", sealed, *resealed);
  // The opened text is plaintext_json itself; as a JSON value it equals `storage`.
  const auto opened_text = crypto::aead_decrypt_hex(*pk, sealed);
  if (!opened_text) return o.refuse("aead_decrypt_hex", opened_text.error());
  const std::string_view text(reinterpret_cast<const char*>(opened_text->data()),
                              opened_text->size());
  o.expect("opened text", want_plain, text);
  const auto value = parse_json_value(text);
  if (!value) return o.refuse("opened own_storage is not JSON");
  if (!(*value == *storage)) {
    o.mismatches.push_back("opened own_storage differs from storage as a JSON value: opened " +
                           json_text(*value) + ", storage " + json_text(*storage));
  }
  // And what unm_crypto reads from it is what it reads from `storage`.
  const auto parsed = crypto::own_storage_parse(json_text(*storage));
  if (!parsed) return o.refuse("own_storage_parse (storage)", parsed.error());
  if (!same_storage(*parsed, *opened)) {
    o.mismatches.push_back("own_storage_open gives other keys than storage");
  }
}

// check_recovery_phrase (CR-KEY-005): a valid phrase decodes to private_key, and private_key
// encodes to the phrase in upper case (a valid test may give the phrase in another letter case,
// which decoding must accept); an invalid phrase must not decode.
void check_recovery_phrase(const Obj& t, bool valid, Observed& o) {
  const std::string phrase = t.str("phrase");
  if (!valid) {
    const auto decoded = crypto::decode_recovery_phrase(phrase);
    if (!decoded) o.refuse("decode_recovery_phrase", decoded.error());
    return;
  }
  const auto priv = private_key(o, "private_key", t.str("private_key"));
  if (!priv) return;
  const auto decoded = crypto::decode_recovery_phrase(phrase);
  if (!decoded) return o.refuse("decode_recovery_phrase", decoded.error());
  o.expect("decoded private_key", t.str("private_key"), hx(decoded->bytes()));
  std::string upper = phrase;
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  o.expect("phrase (upper case)", upper, crypto::encode_recovery_phrase(*priv));
}

void run_family(Family f, const Obj& t, bool valid, Observed& o) {
  switch (f) {
    case Family::ed25519_keys:
      return check_ed25519_keys(t, valid, o);
    case Family::ed25519_sign:
      return check_ed25519_sign(t, valid, o);
    case Family::challenge:
      return check_challenge(t, valid, o);
    case Family::ecdh:
      return check_ecdh(t, valid, o);
    case Family::personal_key:
      return check_personal_key(t, valid, o);
    case Family::kdf:
      return check_kdf(t, valid, o);
    case Family::x3dh:
      return check_x3dh(t, valid, o);
    case Family::group_dm:
      return check_group_dm(t, valid, o);
    case Family::aead:
      return check_aead(t, valid, o);
    case Family::own_storage:
      return check_own_storage(t, valid, o);
    case Family::recovery_phrase:
      return check_recovery_phrase(t, valid, o);
  }
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += "; ";
    out += p;
  }
  return out;
}

// verdict applies vectors.md: a refusal or acceptance that contradicts the file is lenient or
// strict on an edge case, a failure otherwise; a wrong output is always a failure; a test with
// nothing checkable is skipped (VEC-003).
TestResult verdict(bool valid, bool edge, Observed& o) {
  TestResult r;
  r.notes = std::move(o.notes);
  if (!o.mismatches.empty()) {
    r.outcome = Outcome::failed;
    r.detail = join(o.mismatches);
  } else if (o.skip) {
    r.outcome = Outcome::skipped;
    r.detail = *o.skip;
  } else if (valid && o.refusal) {
    r.outcome = edge ? Outcome::strict : Outcome::failed;
    r.detail = "valid test refused: " + *o.refusal;
  } else if (!valid && !o.refusal) {
    r.outcome = edge ? Outcome::lenient : Outcome::failed;
    r.detail = "invalid test accepted";
  }
  return r;
}

}  // namespace

std::string_view outcome_name(Outcome o) noexcept {
  switch (o) {
    case Outcome::passed:
      return "passed";
    case Outcome::failed:
      return "failed";
    case Outcome::lenient:
      return "lenient";
    case Outcome::strict:
      return "strict";
    case Outcome::skipped:
      return "skipped";
  }
  return "unknown";
}

std::size_t FileReport::count(Outcome o) const noexcept {
  return static_cast<std::size_t>(std::count_if(
      tests.begin(), tests.end(), [o](const TestResult& t) { return t.outcome == o; }));
}

std::size_t FileReport::passed() const noexcept {
  return count(Outcome::passed) + count(Outcome::lenient) + count(Outcome::strict);
}

namespace {

// malformed is the verdict on a test that is not a test of the schema (VEC-004): it fails
// alone, with a one-line reason.
TestResult malformed(TestResult r, std::string why) {
  r.outcome = Outcome::failed;
  r.detail = "malformed test: " + one_line(why, std::string::npos);
  return r;
}

// check_one_test checks the test at `index`; `ids` collects the ids seen so far.
TestResult check_one_test(Family family, const rapidjson::Value& tv, std::size_t index,
                          std::set<std::int64_t>& ids) {
  TestResult r;
  r.index = index;
  const std::string where = "tests[" + std::to_string(index) + "]";
  if (!tv.IsObject()) {
    r.has_id = false;
    return malformed(std::move(r), where + " is not an object");
  }
  const auto idv = tv.FindMember("id");
  if (idv == tv.MemberEnd() || !idv->value.IsInt64()) {
    r.has_id = false;
    return malformed(std::move(r), where + ": missing or non-integer \"id\"");
  }
  r.id = idv->value.GetInt64();
  if (!ids.insert(r.id).second) {
    r.has_id = false;  // the id names another test: report this one by its position
    return malformed(std::move(r), where + ": duplicate id " + std::to_string(r.id));
  }
  SchemaSink sink;
  const Obj t(&tv, "test id " + std::to_string(r.id), sink);
  const std::string result = t.str("result");
  std::vector<std::string> flags;
  if (t.has("flags")) flags = t.str_list("flags");
  if (!sink.error.empty()) return malformed(std::move(r), sink.error);
  r.flags = std::move(flags);
  if (result != "valid" && result != "invalid") {
    return malformed(std::move(r),
                     t.where() + ": result is \"" + result + "\", not \"valid\" or \"invalid\"");
  }
  const bool valid = result == "valid";
  Observed o;
  run_family(family, t, valid, o);
  if (!sink.error.empty()) return malformed(std::move(r), sink.error);
  TestResult v = verdict(valid, is_edge_case(r.flags), o);
  v.id = r.id;
  v.index = r.index;
  v.flags = std::move(r.flags);
  v.detail = one_line(v.detail, std::string::npos);
  for (std::string& n : v.notes) n = one_line(n, std::string::npos);
  return v;
}

// check_text_unescaped is check_text before the final escaping of the message.
Expected<FileReport, SchemaError> check_text_unescaped(std::string_view json_text) {
  rapidjson::Document doc;
  // Iterative parsing: a hostile file nested a million levels deep must not exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    return Unexpected{
        SchemaError{"not JSON: " + std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                    " at offset " + std::to_string(doc.GetErrorOffset())}};
  }
  if (!doc.IsObject()) return Unexpected{SchemaError{"the top level is not a JSON object"}};
  SchemaSink sink;
  const Obj top(&doc, "file", sink);
  FileReport report;
  report.family = top.str("family");
  const std::uint64_t version = top.uint("version");
  if (const auto g = top.opt_str("generator")) report.generator = *g;
  const rapidjson::Value* tests = top.raw("tests");
  if (!sink.error.empty()) return Unexpected{SchemaError{sink.error}};
  if (version != 1) {
    return Unexpected{SchemaError{"unsupported version " + std::to_string(version) +
                                  " (this checker reads version 1)"}};
  }
  const auto family = family_from_name(report.family);
  if (!family) {
    // The name is untrusted text: keep the error on one line (fuzz finding
    // vector_file-open-multiline-schema-error).
    return Unexpected{SchemaError{"unknown family \"" + one_line(report.family) + "\""}};
  }
  if (!tests->IsArray()) return Unexpected{SchemaError{"field \"tests\" is not an array"}};

  std::set<std::int64_t> ids;
  std::size_t index = 0;
  for (const rapidjson::Value& tv : tests->GetArray()) {
    report.tests.push_back(check_one_test(*family, tv, index++, ids));
  }
  return report;
}

}  // namespace

Expected<FileReport, SchemaError> check_text(std::string_view json_text) {
  auto report = check_text_unescaped(json_text);
  // checker.h promises one-line messages; any quoted file text gets its control characters
  // escaped here too, whatever path produced it (fuzz findings regress-multiline-schema-error,
  // regress-multiline-result).
  if (!report) return Unexpected{SchemaError{one_line(report.error().message, std::string::npos)}};
  return report;
}

Expected<FileReport, SchemaError> check_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected{SchemaError{"cannot read " + path}};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Unexpected{SchemaError{"cannot read " + path}};
  return check_text(text.str());
}

}  // namespace unm::vectors
