// case_runner.h — internal to the engine: one case's state (actors, identities, variables,
// transcript) behind one small interface, and the step families, each in its own file:
//   engine.cc         the case loop, setup, connections, dispatch, shared helpers (subst, match)
//   step_sends.cc     sends and acks: `send` (envelope, expect, or_args/or_event, ack_first), `raw`
//   step_notify.cc    notifications: `await`, `none`, `order`, the inbox and "closest"
//   step_crypto.cc    the `do` crypto duties: register, login, befriend, create_dm, join_dm,
//                     send_message, expect_message
//   step_compute.cc   `compute` and `set` (client-side values and variables)
// A new step kind is one new file defining a CaseRunner member and one dispatch line.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "conformance/src/engine.h"
#include "conformance/src/json.h"
#include "conformance/src/vars.h"
#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace unm::conformance::detail {

namespace tr = unm::transport;
namespace cr = unm::crypto;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Notification is one server event received by an actor's connection.
struct Notification {
  std::string name;
  std::string args_json;
  std::uint64_t seq = 0;
};

// Inbox collects notifications from the channel's I/O thread for the case thread.
struct Inbox {
  std::mutex m;
  std::condition_variable cv;
  std::deque<Notification> q;
  std::uint64_t next_seq = 1;
  bool disconnected = false;
};

// Identity is one user's client state: keys and the group secrets of its DMs.
struct Identity {
  std::string username;
  cr::PrivateKey ik;
  cr::PublicKey ik_pub{};
  std::vector<std::pair<cr::PrivateKey, cr::PublicKey>> spks;  // newest last (CR-X3DH-004)
  cr::Signature spk_sig{};
  std::map<long long, cr::SharedKey> group_keys;
};

struct ActorRt {
  std::string name;
  std::string user;
  std::unique_ptr<tr::EventChannel> ch;
  std::shared_ptr<Inbox> inbox;
  std::map<std::string, std::uint64_t> labels;
  std::uint64_t prev_mark = 0, this_mark = 0;  // inbox positions at the last two step starts
};

// Transcript is shared with the channels' observers (which run on I/O threads).
struct Transcript {
  std::mutex m;
  std::vector<Frame> frames;
  void add(std::string actor, char dir, std::string text) {
    std::lock_guard<std::mutex> lock(m);
    frames.push_back({std::chrono::system_clock::now(), std::move(actor), dir, std::move(text)});
  }
};

// StepFailure is how a step reports a failure to the case loop.
struct StepFailure {
  RawVerdict verdict = RawVerdict::failed;
  std::string reason;
  bool decided = false;
  bool accepted_invalid = false;  // the server accepted what the step expected it to refuse
};
using StepResult = Expected<void, StepFailure>;

inline StepResult failed(std::string why, bool decided = false) {
  StepFailure f;
  f.reason = std::move(why);
  f.decided = decided;
  return Unexpected{std::move(f)};
}
inline StepResult harness(std::string why) {
  StepFailure f;
  f.verdict = RawVerdict::error;
  f.reason = std::move(why);
  return Unexpected{std::move(f)};
}

// args_array is `[json]`, the one-argument array a request carries (EV-TRN-024). Built by
// appending: `"[" + std::string + "]"` draws a false -Wrestrict from GCC 12 at -O3.
inline std::string args_array(std::string_view json) {
  std::string s;
  s.reserve(json.size() + 2);
  s.append("[").append(json).append("]");
  return s;
}

inline std::string sv_str(const JsonValue& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

inline std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

inline std::string hex_of(std::span<const std::uint8_t> b) {
  return to_hex(b);
}

// channel_error_text names a ChannelError (kept here so the engine needs only the transport's
// header, not its Boost-heavy library: tests run the engine over in-process fakes).
inline std::string_view channel_error_text(tr::ChannelError e) {
  switch (e) {
    case tr::ChannelError::invalid_url:
      return "invalid_url";
    case tr::ChannelError::connect_failed:
      return "connect_failed";
    case tr::ChannelError::tls_error:
      return "tls_error";
    case tr::ChannelError::refused:
      return "refused";
    case tr::ChannelError::timeout:
      return "timeout";
    case tr::ChannelError::disconnected:
      return "disconnected";
    case tr::ChannelError::protocol_error:
      return "protocol_error";
    case tr::ChannelError::bad_argument:
      return "bad_argument";
  }
  return "unknown";
}

// CaseRunner runs one case; its step families are defined in the files listed above.
class CaseRunner {
 public:
  CaseRunner(const Case& c, const EngineOptions& o)
      : c_(c), o_(o), rng_(o.seed ^ fnv1a(c.id)), transcript_(std::make_shared<Transcript>()) {}

  CaseRun run();

 private:
  std::string step_where(std::size_t step_no) const;

  // make_violation records a failed step with its own evidence (clauses, §12 rows) and the
  // severity the clause catalogue gives it (severity.h).
  Violation make_violation(const Step& st, std::size_t step_no, const StepFailure& f) const;

  // step_start_marks remembers, per actor, where the inbox stood when the previous step began and
  // when this one begins: a `none` window counts only what arrived since the previous step (the
  // action it checks), never stale notifications from earlier steps.
  void step_start_marks();

  // concerns_case: a notification belongs to this case when it names one of the case's users, or
  // names no runner-made user at all (usernames are <actor>-<run id>-<n>); broadcasts about other
  // cases' users (e.g. profile_notification, events.md §12 #13) are not this case's evidence.
  bool concerns_case(const std::string& args_json) const;

  milliseconds scaled(long long ms) const {
    return milliseconds(static_cast<long long>(static_cast<double>(ms) * o_.timeout_factor));
  }
  milliseconds step_ms(const Step& st, const char* key, long long dflt) const {
    return scaled(json_int_or(*st.body, key, dflt));
  }

  StepResult prepare();

  void set_identity_vars(const std::string& name, const Identity& id);

  StepResult connect(ActorRt& a);

  ActorRt& actor(const std::string& name) { return actors_.at(name); }
  Identity& identity_of(const std::string& actor_name) {
    return identities_.at(actors_.at(actor_name).user);
  }
  Identity* identity_by_actor_or_null(const std::string& name) {
    auto a = actors_.find(name);
    if (a == actors_.end()) return nullptr;
    auto it = identities_.find(a->second.user);
    return it == identities_.end() ? nullptr : &it->second;
  }

  // ---- generic steps ----
  StepResult run_step(const Step& st);

  Expected<JsonDoc, StepFailure> subst(const JsonValue& v);

  // call sends `event` with `payload_array` and validates the ack's envelope (EV-TRN-005/006).
  // On success `ack` holds the result object {"success", "result"}.
  StepResult call(ActorRt& a, const std::string& event, const std::string& payload_array,
                  milliseconds timeout, JsonDoc& ack);

  // check_expect matches the result object `ack` against an `expect` spec (see scenario.h).
  StepResult check_expect(const JsonValue* expect_tmpl, const JsonDoc& ack,
                          const char* dflt = "ok");

  StepResult apply_match(const JsonValue& m, const JsonValue& actual);

  StepResult apply_captures(const Step& st, const JsonValue& root);

  StepResult step_send(const Step& st);

  std::size_t transcript_size();

  // check_ack_first looks at the frames the actor received since `mark`: no EVENT (a
  // notification, "42…") may come before the ACK ("43…") — EV-TRN-026, a SHOULD and Open, so
  // failures are reported as decided.
  // Only the notifications named in `names` count: others (e.g. profile_notification of
  // unrelated users) may legitimately interleave.
  StepResult check_ack_first(const std::string& actor_name, std::size_t mark,
                             const std::set<std::string>& names);

  // take waits for the first unconsumed notification named `name` whose payload matches `m`.
  Expected<Notification, StepFailure> take(ActorRt& a, const std::string& name, const JsonValue* m,
                                           milliseconds within, std::string& last_mismatch);

  // step_match substitutes the step's `match` into `m`; `has` tells whether it has one.
  StepResult step_match(const Step& st, JsonDoc& m, bool& has);
  StepResult step_await(const Step& st);

  // step_none: no matching notification may arrive within the window. The window is a waiting
  // limit and scales with --timeout-factor, except a `before_due` window, which proves that a
  // timer has not fired yet before its due time: stretching it would run past the due time.
  StepResult step_none(const Step& st);

  StepResult step_raw(const Step& st);

  StepResult step_set(const Step& st);

  StepResult step_order(const Step& st);

  // ---- protocol-aware steps ----
  Expected<std::string, StepFailure> str_field(const Step& st, const char* key);

  Expected<long long, StepFailure> int_field(const Step& st, const char* key, long long dflt);

  // merge_with applies the step's "with" object over `payload` (fields replaced or added;
  // a value of null removes the field — to build payloads with missing keys).
  StepResult merge_with(const Step& st, JsonDoc& payload);

  StepResult send_payload(const Step& st, ActorRt& a, const std::string& event, JsonDoc& payload,
                          const char* dflt_expect, JsonDoc& ack);

  static void add_str(JsonDoc& d, const char* key, const std::string& v);

  StepResult step_do(const Step& st);

  StepResult do_register(const Step& st, ActorRt& a, Identity& me);

  StepResult do_login(const Step& st, ActorRt& a, Identity& me);

  StepResult do_befriend(const Step& st, ActorRt& a, Identity& me);

  StepResult befriend(ActorRt& a, Identity& me, ActorRt& b, Identity& them);

  StepResult do_create_dm(const Step& st, ActorRt& a, Identity& me);

  StepResult do_join_dm(const Step& st, ActorRt& a, Identity& me);

  Expected<cr::SharedKey, StepFailure> group_key(Identity& me, long long dm);

  StepResult do_send_message(const Step& st, ActorRt& a, Identity& me);

  StepResult do_expect_message(const Step& st, ActorRt& a, Identity& me);

  // ---- compute ----
  StepResult step_compute(const Step& st);

  const Case& c_;
  const EngineOptions& o_;
  cr::DeterministicRandom rng_;
  std::shared_ptr<Transcript> transcript_;
  Vars vars_;
  std::map<std::string, Identity> identities_;
  std::map<std::string, ActorRt> actors_;
  std::vector<std::string> observations_;
};

}  // namespace unm::conformance::detail
