// script.cc — see script.h.
#include "conformance/peer/script.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "reference/client/rpc.h"
#include "reference/common/hex.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::peer {

namespace {

using namespace std::chrono_literals;

// kStepGap lets the notifications of one step reach both sides before the next.
constexpr auto kStepGap = 300ms;

std::string quoted(const std::string& t) {
  return "\"" + t + "\"";
}

}  // namespace

Expected<std::vector<ScriptStep>, std::string> parse_script(std::string_view json) {
  using Err = Unexpected<std::string>;
  auto doc = client::parse_json(json);
  if (!doc) return Err{"not JSON: " + doc.error()};
  if (!doc->IsObject() || !doc->HasMember("steps") || !(*doc)["steps"].IsArray()) {
    return Err{"the script must be an object {\"steps\": [...]}"};
  }
  std::vector<ScriptStep> steps;
  std::size_t i = 0;
  for (const auto& v : (*doc)["steps"].GetArray()) {
    ++i;
    const std::string where = "step " + std::to_string(i) + ": ";
    if (!v.IsObject()) return Err{where + "not an object"};
    ScriptStep st;
    auto str = [&](const char* k, std::string& out) -> bool {
      if (!v.HasMember(k)) return true;
      if (!v[k].IsString()) return false;
      out = v[k].GetString();
      return true;
    };
    auto seconds = [&](const char* k, std::int64_t& out) -> bool {
      if (!v.HasMember(k)) return true;
      if (!v[k].IsInt64() || v[k].GetInt64() < 0) return false;
      out = v[k].GetInt64();
      return true;
    };
    if (!str("note", st.note)) return Err{where + "\"note\" must be a string"};
    int kinds = 0;
    if (v.HasMember("send")) {
      ++kinds;
      st.kind = ScriptStep::Kind::send;
      if (!str("send", st.text)) return Err{where + "\"send\" must be a string"};
      if (!str("tamper", st.tamper) ||
          (st.tamper != "" && st.tamper != "tag" && st.tamper != "signature")) {
        return Err{where + "\"tamper\" must be \"tag\" or \"signature\""};
      }
      if (!seconds("schedule", st.schedule) || !seconds("delete", st.delete_after)) {
        return Err{where + "\"schedule\" and \"delete\" must be seconds (integers >= 0)"};
      }
    }
    if (v.HasMember("edit")) {
      ++kinds;
      st.kind = ScriptStep::Kind::edit;
      if (!str("edit", st.text)) return Err{where + "\"edit\" must be a string"};
    }
    if (v.HasMember("react")) {
      ++kinds;
      st.kind = ScriptStep::Kind::react;
      if (!str("react", st.text)) return Err{where + "\"react\" must be a string"};
    }
    if (v.HasMember("create_dm")) {
      ++kinds;
      st.kind = ScriptStep::Kind::create_dm;
      const auto& u = v["create_dm"];
      if (!u.IsArray() || u.Empty()) return Err{where + "\"create_dm\" must be a list of names"};
      for (const auto& n : u.GetArray()) {
        if (!n.IsString()) return Err{where + "\"create_dm\" must be a list of names"};
        st.users.emplace_back(n.GetString());
      }
      if (v.HasMember("switch")) {
        if (!v["switch"].IsBool()) return Err{where + "\"switch\" must be true or false"};
        st.switch_to = v["switch"].GetBool();
      }
    }
    if (v.HasMember("wait")) {
      ++kinds;
      st.kind = ScriptStep::Kind::wait;
      if (!v["wait"].IsNumber() || v["wait"].GetDouble() < 0 || v["wait"].GetDouble() > 3600) {
        return Err{where + "\"wait\" must be 0 … 3600 seconds"};
      }
      st.wait_seconds = v["wait"].GetDouble();
    }
    if (kinds != 1) {
      return Err{where + "exactly one of send, edit, react, create_dm, wait is needed"};
    }
    steps.push_back(std::move(st));
  }
  return steps;
}

ScriptRunner::ScriptRunner(std::vector<ScriptStep> steps, client::Session& session,
                           const client::Identity& identity, Peer& member, crypto::Random& rng)
    : steps_(std::move(steps)), s_(&session), id_(&identity), member_(&member), rng_(&rng) {}

std::optional<StepOutcome> ScriptRunner::tick() {
  if (finished()) return std::nullopt;
  if (!dm_) {
    dm_ = member_->first_dm();  // the script starts once the client has invited the peer
    if (!dm_) return std::nullopt;
    due_ = std::chrono::steady_clock::now() + kStepGap;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < due_) return std::nullopt;
  const ScriptStep& st = steps_[next_];
  StepOutcome o = perform(st);
  o.index = ++next_;
  o.note = st.note;
  due_ = std::chrono::steady_clock::now() + kStepGap;
  if (st.kind == ScriptStep::Kind::wait) {
    due_ += std::chrono::milliseconds(static_cast<std::int64_t>(st.wait_seconds * 1000));
  }
  outcomes_.push_back(o);
  return o;
}

StepOutcome ScriptRunner::send_raw(const ScriptStep& st, std::int64_t dm) {
  StepOutcome o;
  const crypto::SharedKey* key = s_->keys().dm_key(dm);
  if (key == nullptr) {
    o.outcome = "skipped: no key for DM " + std::to_string(dm);
    return o;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(st.text.data());
  auto ct =
      crypto::aead_encrypt_hex(*key, std::span<const std::uint8_t>(bytes, st.text.size()), *rng_);
  if (!ct) {
    o.outcome = "skipped: encryption failed";
    return o;
  }
  crypto::PrivateKey signer = id_->private_key;
  if (st.tamper == "tag") {
    // The last hex digit is in the GCM tag: flipping it keeps the layout and breaks the tag.
    ct->back() = ct->back() == '0' ? '1' : '0';
  } else {
    signer = crypto::generate_private_key(*rng_);  // a key nobody registered
  }
  const auto ct_bytes = from_hex(*ct);
  const crypto::Signature sig = crypto::sign(signer, *ct_bytes);
  const std::string payload = client::Payload()
                                  .num("id", dm)
                                  .str("message", *ct)
                                  .str("signature", to_hex(std::span<const std::uint8_t>(sig)))
                                  .num("schedule", st.schedule)
                                  .num("delete", st.delete_after)
                                  .text();
  auto r = client::Rpc(s_->channel(), 10s).call_true("send_message", payload);
  o.done = r.has_value();
  o.outcome = r ? "sent to DM " + std::to_string(dm)
                : "not sent: " + client::describe(r.error()) +
                      (st.tamper == "signature" ? " (a server may check EV-MSG-004 itself)" : "");
  return o;
}

StepOutcome ScriptRunner::create_dm_with_self(const std::vector<std::string>& users,
                                              StepOutcome o) {
  // The library refuses to list its own user, so this request is built here: well-formed
  // points everywhere (each member's current SPK, fresh ek and tree nodes), so that only the
  // self-listing is wrong (EV-DM-001: `usernames` must not contain the caller).
  auto point = [this] {
    const auto k = crypto::public_key(crypto::generate_private_key(*rng_));
    return to_hex(std::span<const std::uint8_t>(k));
  };
  std::string messages = "[";
  for (const auto& u : users) {
    auto user = s_->get_user(u);
    const std::string spk = user && user->spk ? *user->spk : point();
    if (messages.size() > 1) messages += ",";
    messages += "{\"spk\":\"" + spk + "\",\"ek\":\"" + point() + "\"}";
  }
  messages += "]";
  std::size_t m = 2;
  while (m < users.size() + 1) m *= 2;
  std::vector<std::string> tree;
  for (std::size_t i = 0; i < 2 * m - 2; ++i) tree.push_back(point());
  const std::string payload = client::Payload()
                                  .str_array("usernames", users)
                                  .raw("messages", messages)
                                  .str_array("key_tree", tree)
                                  .text();
  auto r = client::Rpc(s_->channel(), 10s).call("create_dm", payload);
  o.done = r.has_value();
  o.outcome = r ? "accepted by the server (EV-DM-001 says it must be refused)"
                : client::describe(r.error());
  return o;
}

StepOutcome ScriptRunner::perform(const ScriptStep& st) {
  const std::int64_t dm = *dm_;
  StepOutcome o;
  auto result = [&o](const client::Result<void>& r, const std::string& ok) {
    o.done = r.has_value();
    o.outcome = r ? ok : client::describe(r.error());
  };
  switch (st.kind) {
    case ScriptStep::Kind::send: {
      if (!st.tamper.empty()) {
        const bool tag = st.tamper == "tag";
        o = send_raw(st, dm);
        o.step = std::string("send with ") +
                 (tag ? "a flipped AES-GCM tag " : "a foreign signature ") + quoted(st.text);
        o.clause = tag ? "CR-AEAD-001" : "CR-SIG-002";
        return o;
      }
      o.step = "send " + quoted(st.text);
      o.clause = "CR-AEAD-001";
      if (st.schedule > 0) {
        o.step += " scheduled in " + std::to_string(st.schedule) + " s";
        o.clause = "EV-MSG-006";
      }
      if (st.delete_after > 0) {
        o.step += " self-destructing after " + std::to_string(st.delete_after) + " s";
        o.clause = "EV-MSG-011";
      }
      result(s_->send_message(dm, st.text, st.schedule, st.delete_after),
             "sent to DM " + std::to_string(dm));
      return o;
    }
    case ScriptStep::Kind::edit: {
      o.step = "edit the peer's last message to " + quoted(st.text);
      o.clause = "EV-MSG-021";
      const auto id = member_->last_own(dm);
      if (!id) {
        o.outcome = "skipped: the peer has no message in DM " + std::to_string(dm) + " yet";
        return o;
      }
      result(s_->edit_message(*id, st.text), "message " + std::to_string(*id) + " edited");
      return o;
    }
    case ScriptStep::Kind::react: {
      o.step = "react " + quoted(st.text) + " to the client's last message";
      o.clause = "EV-MSG-029";
      const auto id = member_->last_received(dm);
      if (!id) {
        o.outcome = "skipped: no message from the client in DM " + std::to_string(dm) + " yet";
        return o;
      }
      auto r = s_->add_reaction(*id, st.text);
      o.done = r.has_value();
      o.outcome = r ? "reaction " + std::to_string(*r) + " on message " + std::to_string(*id) +
                          " (the server re-sends message " + std::to_string(*id) +
                          ": a replacement, not a new message)"
                    : client::describe(r.error());
      return o;
    }
    case ScriptStep::Kind::create_dm: {
      std::vector<std::string> users;
      std::string names;
      for (const auto& u : st.users) {
        users.push_back(u == "$self"     ? s_->username()
                        : u == "$client" ? member_->first_inviter()
                                         : u);
        names += (names.empty() ? "" : ", ") + users.back();
      }
      o.step = "create a DM with " + names;
      o.clause = "EV-DM-001";
      bool with_self = false;
      for (const auto& u : users) with_self |= u == s_->username();
      if (with_self) return create_dm_with_self(users, o);
      auto r = s_->create_dm(users);
      o.done = r.has_value();
      if (r) {
        o.outcome = "DM " + std::to_string(*r) + " created";
        if (st.switch_to) dm_ = *r;
      } else {
        o.outcome = client::describe(r.error());
      }
      return o;
    }
    case ScriptStep::Kind::wait:
      o.step = "wait " + std::to_string(st.wait_seconds).substr(0, 5) + " s";
      o.done = true;
      o.outcome = "waited";
      return o;
  }
  return o;
}

std::string script_json(const std::vector<StepOutcome>& outcomes) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartArray();
  for (const auto& o : outcomes) {
    w.StartObject();
    w.Key("step");
    w.Uint64(o.index);
    w.Key("input");
    w.String(o.step.c_str());
    w.Key("clause");
    w.String(o.clause.c_str());
    w.Key("accepted_by_server");
    w.Bool(o.done);
    w.Key("outcome");
    w.String(o.outcome.c_str());
    if (!o.note.empty()) {
      w.Key("note");
      w.String(o.note.c_str());
    }
    w.EndObject();
  }
  w.EndArray();
  return b.GetString();
}

}  // namespace unm::conformance::peer
