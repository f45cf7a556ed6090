// executor.cc — see executor.h.
#include "conformance/explore/executor.h"

#include <functional>

#include "conformance/explore/normalize.h"
#include "conformance/src/json.h"
#include "reference/common/hex.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/group_tree.h"
#include "reference/crypto/sign.h"
#include "reference/protocol/timestamp.h"

namespace unm::conformance::explore {
namespace {

// kMissingId stands for an abstract thing a side never created (its creation failed there, a
// divergence already reported): a valid id no server has, so the request is refused.
constexpr std::int64_t kMissingId = 9'007'199'254'740'000;

std::string q(const std::string& s) {
  return json_escape(s);
}

// Runner performs one operation on one side.
struct Runner {
  const Op& op;
  const Prepared& prep;
  Side& side;
  SideState& st;
  const Registry& reg;
  const std::vector<Micros>* times;
  std::vector<Exchange> out;

  Micros stamp() const {
    if (times != nullptr && out.size() < times->size()) return (*times)[out.size()];
    return wall_now();
  }

  // call sends one request. `learn`, when given, sees the raw ack object first, so that the ids
  // it reveals are known when the canonical form is written.
  Exchange& call(int conn, std::string event, std::string payload,
                 const std::function<void(const JsonValue&)>& learn = {}) {
    Exchange x;
    x.conn = conn;
    x.event = std::move(event);
    x.payload = std::move(payload);
    x.at = stamp();
    Ack a = side.call(conn, x.event, x.payload, x.at);
    if (a.result) {
      x.acked = true;
      x.raw = *a.result;
      auto d = parse_json(*a.result);
      x.success = d && d->IsObject() && json_bool_or(*d, "success", false);
      if (x.success && learn) {
        const JsonValue* r = json_member(*d, "result");
        if (r != nullptr) learn(*r);
      }
      x.canon = canon_ack(x.event, *a.result, st, reg);
    } else {
      x.canon = "{\"no_ack\":" + q(a.error) + "}";
    }
    out.push_back(std::move(x));
    return out.back();
  }

  // result parses the raw result of the last exchange's ack again (for the client's next step).
  std::int64_t raw(const IdMap& m, int a) const { return m.raw_of(a).value_or(kMissingId); }
  std::string dm() const { return std::to_string(raw(st.dms, op.dm)); }
  std::string msg(int a) const { return std::to_string(raw(st.msgs, a)); }
  const std::string& name(int u) const { return reg.users.at(static_cast<std::size_t>(u)).name; }

  void run(std::string& why) {
    const int c = conn_of(op.user, op.slot);
    const std::string other = op.other >= 0 ? name(op.other) : std::string();
    switch (op.kind) {
      case OpKind::login: {
        if (!side.open(c, why)) return;
        const UserKeys& u = reg.users.at(static_cast<std::size_t>(op.user));
        std::string challenge;
        {
          // The raw challenge is needed for the response; canon_ack hides it.
          Exchange x;
          x.conn = c;
          x.event = "login";
          x.payload = "{\"username\":" + q(u.name) + "}";
          x.at = stamp();
          Ack a = side.call(c, x.event, x.payload, x.at);
          if (a.result) {
            x.acked = true;
            x.raw = *a.result;
            x.canon = canon_ack(x.event, *a.result, st, reg);
            auto d = parse_json(*a.result);
            x.success = d && d->IsObject() && json_bool_or(*d, "success", false);
            if (x.success) challenge = json_string_or(*d, "result", "");
          } else {
            x.canon = "{\"no_ack\":" + q(a.error) + "}";
          }
          out.push_back(std::move(x));
        }
        auto pk = crypto::parse_public_key(challenge);
        if (!pk) return;  // refused or not a point: the comparison shows it
        auto resp = crypto::challenge_response(u.ik, *pk);
        if (!resp) return;
        call(c, "login_challenge_response", "{\"response\":" + q(to_hex(*resp)) + "}");
        return;
      }
      case OpKind::logout:
        side.close(c);
        return;
      case OpKind::friend_request:
        call(c, "send_friend_request", "{\"username\":" + q(other) + "}");
        return;
      case OpKind::answer_request:
        call(c, "ack_friend_request",
             "{\"username\":" + q(other) + ",\"accept\":" + (op.flag ? "true" : "false") + "}");
        return;
      case OpKind::unfriend:
        call(c, "unfriend", "{\"username\":" + q(other) + "}");
        return;
      case OpKind::block:
        call(c, "block_user", "{\"username\":" + q(other) + "}");
        return;
      case OpKind::unblock:
        call(c, "unblock", "{\"username\":" + q(other) + "}");
        return;
      case OpKind::relations: {
        static const char* kLists[] = {"get_friends", "get_friend_requests",
                                       "get_outgoing_requests", "get_blocked"};
        call(c, kLists[op.count & 3], "{}");
        return;
      }
      case OpKind::get_user:
        call(c, "get_user", "{\"username\":" + q(other) + "}");
        return;
      case OpKind::user_list:
        call(c, "get_user_list", "{}");
        return;
      case OpKind::set_user:
        call(c, "set_user",
             std::string("{\"") + (op.count == 1 ? "biography" : "status") + "\":" + q(op.text) +
                 "}");
        return;
      case OpKind::create_dm: {
        // A client fetches every bundle first (EV-USR-002, crypto.md §5).
        for (int m : op.members) call(c, "get_user", "{\"username\":" + q(name(m)) + "}");
        call(c, "create_dm", prep.create_dm_payload, [&](const JsonValue& r) {
          if (r.IsInt64()) st.dms.learn(op.dm, r.GetInt64());
        });
        return;
      }
      case OpKind::get_dms:
        call(c, "get_dms", "{}");
        return;
      case OpKind::get_dm:
        call(c, "get_dm", "{\"id\":" + dm() + "}");
        return;
      case OpKind::set_dm:
        call(c, "set_dm",
             "{\"id\":" + dm() + ",\"name\":" + (op.text.empty() ? "null" : q(op.text)) + "}");
        return;
      case OpKind::leave_dm:
        call(c, "leave_dm", "{\"id\":" + dm() + "}");
        return;
      case OpKind::typing:
        call(c, "ping_typing", "{\"id\":" + dm() + "}");
        return;
      case OpKind::send:
      case OpKind::burst:
        for (const auto& s : prep.sealed) {
          call(c, "send_message",
               "{\"id\":" + dm() + ",\"message\":" + q(s.ciphertext) + ",\"signature\":" +
                   q(s.signature) + ",\"schedule\":" + std::to_string(op.schedule) +
                   ",\"delete\":" + std::to_string(op.del) + "}");
        }
        return;
      case OpKind::edit:
        call(c, "set_message",
             "{\"id\":" + msg(op.msg) + ",\"message\":" + q(prep.sealed.at(0).ciphertext) +
                 ",\"signature\":" + q(prep.sealed.at(0).signature) + "}");
        return;
      case OpKind::pin:
        call(c, "set_message",
             "{\"id\":" + msg(op.msg) + ",\"pinned\":" + (op.flag ? "true" : "false") + "}");
        return;
      case OpKind::pin_many:
        for (int k = op.msg; k < op.msg + op.count; ++k) {
          if (reg.msg_ct.count(k) == 0) continue;  // never sent
          call(c, "set_message", "{\"id\":" + msg(k) + ",\"pinned\":true}");
        }
        return;
      case OpKind::get_message:
        call(c, "get_message", "{\"id\":" + msg(op.msg) + "}");
        return;
      case OpKind::history: {
        std::string cursor;
        if (op.cursor >= 0) {
          auto it = st.msg_timestamp.find(op.cursor);
          cursor = it != st.msg_timestamp.end() ? it->second : "2000-01-01T00:00:00.000Z";
        } else {
          // A client's "now" (new Date().toISOString(), EV-MSG-015), one second ahead so that a
          // message of the previous step is inside the page on every side whatever the clocks.
          std::string t = protocol::format_timestamp(stamp() + 1'000'000);
          cursor = t.substr(0, 23) + "Z";
        }
        call(c, "get_message_history",
             "{\"id\":" + dm() + ",\"cursor\":" + q(cursor) +
                 ",\"count\":" + std::to_string(op.count) + "}");
        return;
      }
      case OpKind::pinned:
        call(c, "get_pinned", "{\"id\":" + dm() + "}");
        return;
      case OpKind::cancel_scheduled: {
        // The schedule id is learned as a client learns it: from get_dm (EV-MSG-007).
        // Not among the caller's own (another member's message): a client can only guess, and
        // schedule ids are small (EV-MSG-007).
        std::int64_t sched = 1;
        const auto ct = reg.msg_ct.find(op.msg);
        call(c, "get_dm", "{\"id\":" + dm() + "}", [&](const JsonValue& r) {
          const JsonValue* s = json_member(r, "scheduled_messages");
          if (s == nullptr || !s->IsObject() || ct == reg.msg_ct.end()) return;
          for (auto e = s->MemberBegin(); e != s->MemberEnd(); ++e) {
            if (json_string_or(e->value, "message", "") != ct->second) continue;
            try {
              sched = std::stoll(std::string(e->name.GetString(), e->name.GetStringLength()));
            } catch (...) {
              // A key that is no decimal id (EV-OBJ-014) leaves the missing id: refused.
            }
          }
        });
        call(c, "cancel_scheduled_message",
             "{\"dm_id\":" + dm() + ",\"schedule_id\":" + std::to_string(sched) + "}");
        return;
      }
      case OpKind::react: {
        call(c, "add_reaction",
             "{\"id\":" + msg(op.msg) + ",\"reaction\":" + q(prep.sealed.at(0).ciphertext) +
                 ",\"signature\":" + q(prep.sealed.at(0).signature) + "}");
        // The reaction's id is learned from the Reaction object the notifications carry (by its
        // ciphertext), so that a wrong id in this ack shows; see settle_reaction_ack.
        return;
      }
      case OpKind::unreact:
        call(c, "remove_reaction", "{\"id\":" + std::to_string(raw(st.rcts, op.rct)) + "}");
        return;
      case OpKind::join_call:
        call(c, "join_call", "{\"id\":" + dm() + ",\"uuid\":" + q(op.text) + "}");
        return;
      case OpKind::leave_call:
        call(c, "leave_call", "{\"id\":" + dm() + "}");
        return;
    }
  }
};

void add_sealed(Prepared& p, const crypto::SharedKey& key, const UserKeys& u, std::string_view text,
                crypto::Random& rng) {
  std::span<const std::uint8_t> pt(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  auto ct = crypto::aead_encrypt_hex(key, pt, rng);
  if (!ct) return;
  auto bytes = from_hex(*ct);
  const crypto::Signature sig = crypto::sign(u.ik, *bytes);  // CR-SIG-002: sign the ciphertext
  p.sealed.push_back({*ct, to_hex(sig)});
}

}  // namespace

Micros wall_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void settle_reaction_ack(const Op& op, Exchange& x, SideState& st, const Registry& reg) {
  if (x.event != "add_reaction" || !x.acked || !x.success) return;
  if (!st.rcts.raw_of(op.rct)) {
    if (auto d = parse_json(x.raw); d && d->IsObject()) {
      const JsonValue* r = json_member(*d, "result");
      if (r != nullptr && r->IsInt64()) st.rcts.learn(op.rct, r->GetInt64());
    }
  }
  x.canon = canon_ack(x.event, x.raw, st, reg);
}

Prepared prepare(const Op& op, Registry& reg, crypto::Random& rng) {
  Prepared p;
  const UserKeys& me = reg.users.at(static_cast<std::size_t>(op.user));
  switch (op.kind) {
    case OpKind::create_dm: {
      std::vector<crypto::PreKeyBundle> bundles;
      std::string names = "[", messages = "[", tree = "[";
      for (std::size_t i = 0; i < op.members.size(); ++i) {
        const UserKeys& m = reg.users.at(static_cast<std::size_t>(op.members[i]));
        crypto::Signature sig{};
        if (!from_hex_into(m.sig, sig)) continue;  // made by the explorer: always valid hex
        bundles.push_back({m.ik_pub_key, m.spk_pub_key, sig});
        names.append(i ? "," : "").append(q(m.name));
      }
      auto g = crypto::create_group_dm(me.ik, bundles, rng);
      if (!g) {
        // Only a self-DM or a bad key can fail here; the payload then carries no valid tree
        // and both sides refuse it alike.
        p.create_dm_payload = "{\"usernames\":" + names + "],\"messages\":[],\"key_tree\":[]}";
        return p;
      }
      for (std::size_t i = 0; i < g->messages.size(); ++i) {
        messages += std::string(i ? "," : "") + "{\"spk\":" + q(to_hex(g->messages[i].spk)) +
                    ",\"ek\":" + q(to_hex(g->messages[i].ek)) + "}";
      }
      for (std::size_t i = 0; i < g->key_tree.size(); ++i) {
        tree.append(i ? "," : "").append(q(to_hex(g->key_tree[i])));
      }
      p.create_dm_payload = "{\"usernames\":" + names + "],\"messages\":" + messages +
                            "],\"key_tree\":" + tree + "]}";
      reg.dm_key[op.dm] = g->shared_key;
      return p;
    }
    case OpKind::send:
    case OpKind::burst:
    case OpKind::edit:
    case OpKind::react: {
      crypto::SharedKey key{};
      int dm = op.dm;
      if (auto it = reg.dm_key.find(dm); it != reg.dm_key.end()) key = it->second;
      const int n = op.kind == OpKind::burst ? std::max(1, op.count) : 1;
      for (int i = 0; i < n; ++i) {
        const std::string text = std::string(op_kind_name(op.kind)) + " " + std::to_string(i);
        add_sealed(p, key, me, text, rng);
      }
      for (std::size_t i = 0; i < p.sealed.size(); ++i) {
        if (op.kind == OpKind::react) {
          reg.ct_rct[p.sealed[i].ciphertext] = op.rct;
        } else if (op.kind == OpKind::edit) {
          reg.ct_msg[p.sealed[i].ciphertext] = op.msg;
        } else {
          reg.ct_msg[p.sealed[i].ciphertext] = op.msg + static_cast<int>(i);
          reg.msg_ct[op.msg + static_cast<int>(i)] = p.sealed[i].ciphertext;
        }
      }
      return p;
    }
    default:
      return p;
  }
}

std::vector<Exchange> perform(const Op& op, const Prepared& prep, Side& side, SideState& st,
                              const Registry& reg, const std::vector<Micros>* times,
                              std::string& why) {
  Runner r{op, prep, side, st, reg, times, {}};
  r.run(why);
  return std::move(r.out);
}

}  // namespace unm::conformance::explore
