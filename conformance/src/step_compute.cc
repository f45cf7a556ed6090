// step_compute.cc — `compute` (client-side values: signatures, keys, ciphertexts, text) and `set`
// (variables). Part of the engine (case_runner.h).
#include "conformance/src/case_runner.h"

#include <cctype>

#include "conformance/src/report.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::detail {

StepResult CaseRunner::step_set(const Step& st) {
  const JsonValue& obj = (*st.body)["set"];
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    auto d = subst(it->value);
    if (!d) return Unexpected{d.error()};
    vars_.set_value(sv_str(it->name), *d);
  }
  return {};
}

// ---- compute ----
StepResult CaseRunner::step_compute(const Step& st) {
  const std::string into = json_string_or(*st.body, "into", "");
  const std::string& op = st.name;
  if (op == "sign") {
    auto hex = str_field(st, "hex");
    if (!hex) return Unexpected{hex.error()};
    auto bytes = from_hex(*hex);
    if (!bytes) return harness("scenario: sign needs hex, got " + *hex);
    vars_.set_string(into, hex_of(cr::sign(identity_of(st.actor).ik, *bytes)));
    return {};
  }
  if (op == "challenge_response") {
    auto ch = str_field(st, "challenge");
    if (!ch) return Unexpected{ch.error()};
    auto pk = cr::parse_public_key(*ch);
    if (!pk) return failed("challenge is not a valid point (CR-CHAL-001): " + *ch);
    auto r = cr::challenge_response(identity_of(st.actor).ik, *pk);
    if (!r) return failed("challenge refused by client crypto");
    vars_.set_string(into, hex_of(*r));
    return {};
  }
  if (op == "keypair") {
    cr::PrivateKey k = cr::generate_private_key(rng_);
    vars_.set_string(into + ".private", hex_of(k.bytes()));
    vars_.set_string(into + ".public", hex_of(cr::public_key(k)));
    return {};
  }
  if (op == "spk_bundle") {
    // A new signed prekey for the actor; the old private key is kept (EV-USR-011).
    Identity& me = identity_of(st.actor);
    cr::PrivateKey k = cr::generate_private_key(rng_);
    cr::PublicKey pub = cr::public_key(k);
    cr::Signature sig = cr::sign(me.ik, pub);
    me.spks.emplace_back(std::move(k), pub);
    me.spk_sig = sig;
    vars_.set_string(into + ".spk", hex_of(pub));
    vars_.set_string(into + ".sig", hex_of(sig));
    return {};
  }
  if (op == "random_hex") {
    auto n = int_field(st, "bytes", 32);
    if (!n) return Unexpected{n.error()};
    if (*n < 0 || *n > 1'000'000) return harness("scenario: bytes out of range");
    std::vector<std::uint8_t> b(static_cast<std::size_t>(*n));
    rng_.fill(b);
    vars_.set_string(into, hex_of(b));
    return {};
  }
  if (op == "encrypt") {
    auto dm = int_field(st, "dm", 0);
    auto text = str_field(st, "text");
    if (!dm) return Unexpected{dm.error()};
    if (!text) return Unexpected{text.error()};
    auto key = group_key(identity_of(st.actor), *dm);
    if (!key) return Unexpected{key.error()};
    std::span<const std::uint8_t> pt(reinterpret_cast<const std::uint8_t*>(text->data()),
                                     text->size());
    auto ct = cr::aead_encrypt_hex(*key, pt, rng_);
    if (!ct) return harness("aead failed");
    vars_.set_string(into, *ct);
    return {};
  }
  if (op == "repeat") {
    auto text = str_field(st, "text");
    auto count = int_field(st, "count", 1);
    if (!text) return Unexpected{text.error()};
    if (!count) return Unexpected{count.error()};
    if (*count < 0 || static_cast<std::size_t>(*count) * text->size() > 4'000'000) {
      return harness("scenario: repeat too large");
    }
    std::string s;
    s.reserve(static_cast<std::size_t>(*count) * text->size());
    for (long long i = 0; i < *count; ++i) s += *text;
    vars_.set_string(into, s);
    return {};
  }
  if (op == "now_iso") {
    // new Date().toISOString() form (EV-MSG-015), shifted by offset_s.
    auto off = int_field(st, "offset_s", 0);
    if (!off) return Unexpected{off.error()};
    // A client's `new Date().toISOString()` (EV-MSG-015): the reports' own time format.
    vars_.set_string(into,
                     format_time(std::chrono::system_clock::now() + std::chrono::seconds(*off)));
    return {};
  }
  if (op == "int") {
    auto text = str_field(st, "text");
    if (!text) return Unexpected{text.error()};
    try {
      std::size_t used = 0;
      long long v = std::stoll(*text, &used);
      if (used != text->size()) throw std::invalid_argument(*text);
      vars_.set_int(into, v);
    } catch (const std::exception&) {
      return failed("\"" + *text + "\" is not a decimal integer");
    }
    return {};
  }
  if (op == "string" || op == "number") {
    // string: the text of a value ("7" from the DM id 7); number: a JSON number parsed from text
    // ("7.5"). Type-coercion probes build them from resources the caller may access.
    auto text = str_field(st, "text");
    if (!text) return Unexpected{text.error()};
    if (op == "string") {
      vars_.set_string(into, *text);
      return {};
    }
    auto d = parse_json(*text);
    if (!d || !d->IsNumber()) return harness("scenario: \"" + *text + "\" is not a JSON number");
    vars_.set_value(into, *d);
    return {};
  }
  if (op == "upper") {
    auto text = str_field(st, "text");
    if (!text) return Unexpected{text.error()};
    std::string u = *text;
    for (char& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    vars_.set_string(into, u);
    return {};
  }
  if (op == "public_key" || op == "set_identity") {
    auto key = str_field(st, "key");
    if (!key) return Unexpected{key.error()};
    auto priv = cr::parse_private_key(*key);
    if (!priv) return harness("scenario: key is not a 32-byte hex private key");
    if (op == "public_key") {
      vars_.set_string(into, hex_of(cr::public_key(*priv)));
      return {};
    }
    // set_identity: the actor's identity key becomes `key` (vector-driven cases), and its
    // SPK is re-signed so that register still carries a consistent bundle.
    Identity& me = identity_of(st.actor);
    me.ik = *priv;
    me.ik_pub = cr::public_key(me.ik);
    me.spk_sig = cr::sign(me.ik, me.spks.back().second);
    set_identity_vars(actors_.at(st.actor).user, me);
    vars_.set_string(into, hex_of(me.ik_pub));
    return {};
  }
  return harness("unknown compute operation " + op);
}

}  // namespace unm::conformance::detail
