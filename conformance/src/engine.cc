// engine.cc — see engine.h. The client's crypto duties (key generation, the challenge response,
// X3DH and the key tree, AES-GCM and signatures) use unm_crypto directly over the EventChannel,
// so the transcript shows exactly what went over the wire.
#include "conformance/src/engine.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include <rapidjson/pointer.h>

#include "conformance/src/closest.h"
#include "conformance/src/matcher.h"
#include "conformance/src/vars.h"
#include "reference/common/hex.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/group_tree.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::conformance {

namespace tr = unm::transport;
namespace cr = unm::crypto;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool is_edge_case_flag(std::string_view flag) {
  static const std::set<std::string, std::less<>> kFlags = {"small_order_pubkey",
                                                            "small_order_r",
                                                            "mixed_order_pubkey",
                                                            "mixed_order_r",
                                                            "non_canonical_pubkey",
                                                            "non_canonical_r",
                                                            "cofactored_only",
                                                            "forgery_accepted_by_noble",
                                                            "small_order",
                                                            "small_order_ik",
                                                            "identity",
                                                            "identity_r",
                                                            "identity_challenge",
                                                            "torsion_challenge",
                                                            "torsion_ignored",
                                                            "non_canonical"};
  return kFlags.count(flag) > 0;
}

Expected<std::vector<Case>, std::string> expand_cases(const std::vector<Scenario>& scenarios,
                                                      const std::string& vectors_dir) {
  std::vector<Case> out;
  std::map<std::string, std::shared_ptr<JsonDoc>> files;
  for (const Scenario& s : scenarios) {
    if (!s.has_vectors) {
      Case c;
      c.scenario = &s;
      c.id = s.id;
      out.push_back(std::move(c));
      continue;
    }
    auto& file = files[s.vectors.family];
    if (!file) {
      std::string path = vectors_dir + "/" + s.vectors.family + ".json";
      auto text = read_file(path);
      if (!text) return Unexpected{s.id + ": vector file " + path + " missing: " + text.error()};
      auto doc = parse_json(*text);
      if (!doc) return Unexpected{path + ": " + doc.error()};
      file = std::make_shared<JsonDoc>(std::move(*doc));
    }
    const JsonValue* tests = json_member(*file, "tests");
    if (tests == nullptr || !tests->IsArray()) {
      return Unexpected{s.vectors.family + ".json has no \"tests\" array"};
    }
    for (const auto& t : tests->GetArray()) {
      if (s.vectors.where != nullptr && !match(*s.vectors.where, t).ok) continue;
      Case c;
      c.scenario = &s;
      c.vector = std::make_shared<JsonDoc>();
      c.vector->CopyFrom(t, c.vector->GetAllocator());
      const JsonValue* id = json_member(t, "id");
      c.id = s.id + "/" + (id != nullptr ? to_json(*id) : std::to_string(out.size()));
      c.vector_comment = json_string_or(t, "comment", "");
      if (json_string_or(t, "result", "") == "invalid") {
        if (const JsonValue* flags = json_member(t, "flags"); flags && flags->IsArray()) {
          for (const auto& f : flags->GetArray()) {
            if (f.IsString() && is_edge_case_flag({f.GetString(), f.GetStringLength()})) {
              c.vector_edge_case = true;
            }
          }
        }
      }
      out.push_back(std::move(c));
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].ordinal = i;
  return out;
}

namespace {

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

StepResult failed(std::string why, bool decided = false) {
  StepFailure f;
  f.reason = std::move(why);
  f.decided = decided;
  return Unexpected{std::move(f)};
}
StepResult harness(std::string why) {
  StepFailure f;
  f.verdict = RawVerdict::error;
  f.reason = std::move(why);
  return Unexpected{std::move(f)};
}

std::string sv_str(const JsonValue& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hex_of(std::span<const std::uint8_t> b) {
  return to_hex(b);
}

// channel_error_text names a ChannelError (kept here so the engine needs only the transport's
// header, not its Boost-heavy library: tests run the engine over in-process fakes).
std::string_view channel_error_text(tr::ChannelError e) {
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

class CaseRunner {
 public:
  CaseRunner(const Case& c, const EngineOptions& o)
      : c_(c), o_(o), rng_(o.seed ^ fnv1a(c.id)), transcript_(std::make_shared<Transcript>()) {}

  CaseRun run() {
    CaseRun out;
    auto start = Clock::now();
    const Scenario& s = *c_.scenario;
    for (const std::string& f : s.requires_features) {
      if (o_.missing_features.count(f)) {
        out.verdict = RawVerdict::skipped;
        out.reason = "target does not offer feature \"" + f + "\"";
        return out;
      }
    }
    if (!c_.skip_reason.empty()) {
      out.verdict = RawVerdict::skipped;
      out.reason = c_.skip_reason;
      return out;
    }
    StepResult r = prepare();
    std::size_t step_no = 0;
    if (!r && r.error().verdict == RawVerdict::failed) {
      // Setup (register, login, befriend) failed: judged by the case's own evidence.
      Violation v;
      v.basis = r.error().decided ? Basis::decided : s.basis;
      v.reason = one_line("setup: " + r.error().reason);
      v.clauses = s.clauses;
      v.deviations = s.deviations;
      out.violations.push_back(std::move(v));
    }
    if (r) {
      for (const Step& st : s.steps) {
        ++step_no;
        step_start_marks();
        transcript_->add(st.actor, '#',
                         "step " + std::to_string(step_no) + ": " +
                             std::string(step_kind_name(st.kind)) +
                             (st.name.empty() ? "" : " " + st.name));
        r = run_step(st);
        if (r) continue;
        if (r.error().verdict != RawVerdict::failed) break;  // skipped or harness error
        out.violations.push_back(make_violation(st, step_no, r.error()));
        transcript_->add(st.actor, '#', "VIOLATION " + out.violations.back().reason);
        if (st.hard) break;  // later steps depend on this one
        r = {};              // soft: go on, so one deviation never hides the next
      }
    }
    if (!r && r.error().verdict == RawVerdict::skipped) {
      out.verdict = RawVerdict::skipped;
      out.reason = r.error().reason;
      out.failed_step = 0;
    } else if (!r && r.error().verdict == RawVerdict::error) {
      out.verdict = RawVerdict::error;
      out.failed_step = step_no;
      out.reason =
          one_line((step_no ? step_where(step_no) : std::string("setup: ")) + r.error().reason);
      transcript_->add("", '#', "ERROR " + out.reason);
    } else if (!out.violations.empty()) {
      const Violation& first = out.violations.front();
      out.verdict = RawVerdict::failed;
      out.failed_step = first.step;
      out.failed_basis = first.basis;
      out.edge_case = first.edge_case;
      out.reason = first.reason;
      if (out.violations.size() > 1) {
        std::string more;
        for (std::size_t i = 1; i < out.violations.size(); ++i) {
          more += (i > 1 ? ", " : "") + std::to_string(out.violations[i].step);
        }
        out.reason = one_line(out.reason, 260) + " [+" + std::to_string(out.violations.size() - 1) +
                     " more at step " + more + "]";
      }
      transcript_->add("", '#', "FAILED " + out.reason);
    }
    for (auto& [name, a] : actors_) {
      if (a.ch) a.ch->close();
    }
    actors_.clear();
    out.observations = std::move(observations_);
    {
      std::lock_guard<std::mutex> lock(transcript_->m);
      out.transcript = transcript_->frames;
    }
    out.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return out;
  }

 private:
  std::string step_where(std::size_t step_no) const {
    const Step& st = c_.scenario->steps[step_no - 1];
    return "step " + std::to_string(step_no) + " (" + std::string(step_kind_name(st.kind)) +
           (st.name.empty() ? "" : " " + one_line(st.name, 40)) + "): ";
  }

  // make_violation records a failed step with its own evidence (clauses, §12 rows) and the
  // severity the clause catalogue gives it (severity.h).
  Violation make_violation(const Step& st, std::size_t step_no, const StepFailure& f) const {
    const Scenario& s = *c_.scenario;
    Violation v;
    v.step = step_no;
    v.basis = (f.decided || step_severity(s, st, o_.clauses.get()) == Basis::decided)
                  ? Basis::decided
                  : Basis::document;
    // An invalid crypto edge case (vectors.md flags) that the server accepted is lenient: the
    // case's vector carries the flag, or the step names it (`"edge_case": "non_canonical"`).
    v.edge_case =
        f.accepted_invalid &&
        (c_.vector_edge_case || is_edge_case_flag(json_string_or(*st.body, "edge_case", "")));
    v.reason = one_line(step_where(step_no) + f.reason);
    v.clauses = step_clauses(s, st);
    v.deviations = step_deviations(s, st);
    return v;
  }

  // step_start_marks remembers, per actor, where the inbox stood when the previous step began and
  // when this one begins: a `none` window counts only what arrived since the previous step (the
  // action it checks), never stale notifications from earlier steps.
  void step_start_marks() {
    for (auto& [name, a] : actors_) {
      std::lock_guard<std::mutex> lock(a.inbox->m);
      a.prev_mark = a.this_mark;
      a.this_mark = a.inbox->next_seq;
    }
  }

  // concerns_case: a notification belongs to this case when it names one of the case's users, or
  // names no runner-made user at all (usernames are <actor>-<run id>-<n>); broadcasts about other
  // cases' users (e.g. profile_notification, events.md §12 #13) are not this case's evidence.
  bool concerns_case(const std::string& args_json) const {
    for (const auto& [name, id] : identities_) {
      if (args_json.find(id.username) != std::string::npos) return true;
    }
    static const std::regex runner_user(R"([a-z0-9]+-[0-9a-f]{8}-[0-9]+)");
    return !std::regex_search(args_json, runner_user);
  }

  milliseconds scaled(long long ms) const {
    return milliseconds(static_cast<long long>(static_cast<double>(ms) * o_.timeout_factor));
  }
  milliseconds step_ms(const Step& st, const char* key, long long dflt) const {
    return scaled(json_int_or(*st.body, key, dflt));
  }

  StepResult prepare() {
    if (!cr::init()) return harness("libsodium failed to initialise");
    const Scenario& s = *c_.scenario;
    for (const Actor& a : s.actors) {
      if (a.user != a.name) continue;
      Identity id;
      // Usernames: actor + run id + case ordinal, unique per run (the suite can run repeatedly
      // and in parallel against one long-lived server).
      id.username = a.name + "-" + o_.run_id + "-" + std::to_string(c_.ordinal);
      id.ik = cr::generate_private_key(rng_);
      id.ik_pub = cr::public_key(id.ik);
      cr::PrivateKey spk = cr::generate_private_key(rng_);
      cr::PublicKey spk_pub = cr::public_key(spk);
      id.spk_sig = cr::sign(id.ik, spk_pub);
      id.spks.emplace_back(std::move(spk), spk_pub);
      set_identity_vars(a.name, id);
      identities_.emplace(a.name, std::move(id));
    }
    if (c_.vector) {
      for (auto it = c_.vector->MemberBegin(); it != c_.vector->MemberEnd(); ++it) {
        vars_.set_value("vector." + sv_str(it->name), it->value);
      }
    }
    for (const Actor& a : s.actors) {
      ActorRt rt;
      rt.name = a.name;
      rt.user = a.user;
      rt.inbox = std::make_shared<Inbox>();
      auto [it, _] = actors_.emplace(a.name, std::move(rt));
      if (a.connect) {
        if (auto r = connect(it->second); !r) return r;
      }
    }
    // Setup: register every identity, log actors in, befriend pairs — through the same
    // protocol-aware steps a scenario can use, so the transcript shows them.
    JsonDoc empty;
    empty.SetObject();
    Step st;
    st.kind = StepKind::do_;
    st.body = &empty;
    for (const Actor& a : s.actors) {
      if (a.user != a.name || a.state == "new" || !a.connect) continue;
      transcript_->add(a.name, '#', "setup: register");
      st.actor = a.name;
      if (auto r = do_register(st, actor(a.name), identity_of(a.name)); !r) return r;
    }
    for (const Actor& a : s.actors) {
      if (a.state != "logged_in" || !a.connect) continue;
      transcript_->add(a.name, '#', "setup: login");
      st.actor = a.name;
      if (auto r = do_login(st, actor(a.name), identity_of(a.name)); !r) return r;
    }
    for (const auto& [x, y] : s.friends) {
      transcript_->add(x, '#', "setup: befriend " + y);
      if (auto r = befriend(actor(x), identity_of(x), actor(y), identity_of(y)); !r) return r;
    }
    return {};
  }

  void set_identity_vars(const std::string& name, const Identity& id) {
    vars_.set_string(name, id.username);
    vars_.set_string(name + ".username", id.username);
    vars_.set_string(name + ".public_key", hex_of(id.ik_pub));
    vars_.set_string(name + ".spk", hex_of(id.spks.back().second));
    vars_.set_string(name + ".sig", hex_of(id.spk_sig));
  }

  StepResult connect(ActorRt& a) {
    if (a.ch) a.ch->close();
    a.ch.reset();
    a.inbox = std::make_shared<Inbox>();
    a.prev_mark = a.this_mark = 0;  // a new connection numbers its notifications afresh
    tr::ChannelOptions co;
    const Actor* spec = nullptr;
    for (const Actor& x : c_.scenario->actors) {
      if (x.name == a.name) spec = &x;
    }
    if (spec != nullptr) {
      co.nsp = spec->nsp;
      co.auth_json = spec->auth_json;
      co.polling_only = spec->transport == "polling";
      co.websocket_only = spec->transport == "websocket";
    }
    co.verify_tls = o_.verify_tls;
    co.ca_file = o_.ca_file;
    co.connect_timeout = scaled(10'000);
    std::weak_ptr<Transcript> tw = transcript_;
    std::string actor = a.name;
    co.observer = [tw, actor](tr::FrameDirection d, std::chrono::system_clock::time_point at,
                              std::string_view frame) {
      if (auto t = tw.lock()) {
        std::lock_guard<std::mutex> lock(t->m);
        t->frames.push_back(
            {at, actor, d == tr::FrameDirection::sent ? '>' : '<', std::string(frame)});
      }
    };
    if (!o_.connector) return harness("this build has no network transport (no connector)");
    auto ch = o_.connector(o_.target, co);
    if (!ch) {
      return harness("cannot connect actor " + a.name + " to " + o_.target + ": " +
                     std::string(channel_error_text(ch.error().code)) + " " + ch.error().detail);
    }
    a.ch = std::move(*ch);
    std::weak_ptr<Inbox> iw = a.inbox;
    a.ch->set_event_handler([iw](std::string name, std::string args) {
      if (auto in = iw.lock()) {
        std::lock_guard<std::mutex> lock(in->m);
        in->q.push_back({std::move(name), std::move(args), in->next_seq++});
        in->cv.notify_all();
      }
    });
    a.ch->set_disconnect_handler([iw](const tr::ChannelFailure&) {
      if (auto in = iw.lock()) {
        std::lock_guard<std::mutex> lock(in->m);
        in->disconnected = true;
        in->cv.notify_all();
      }
    });
    return {};
  }

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

  StepResult run_step(const Step& st) {
    switch (st.kind) {
      case StepKind::send:
        return step_send(st);
      case StepKind::await:
        return step_await(st);
      case StepKind::none:
        return step_none(st);
      case StepKind::raw:
        return step_raw(st);
      case StepKind::sleep:
        std::this_thread::sleep_for(scaled(json_int_or(*st.body, "sleep_ms", 0)));
        return {};
      case StepKind::do_:
        return step_do(st);
      case StepKind::compute:
        return step_compute(st);
      case StepKind::set:
        return step_set(st);
      case StepKind::connect: {
        StepResult r = connect(actor(st.actor));
        if (!json_bool_or(*st.body, "expect_refused", false)) return r;
        // EV-TRN-002: a CONNECT to another namespace must be refused with CONNECT_ERROR.
        if (r) return failed("the connection was accepted; expected CONNECT_ERROR");
        if (r.error().reason.find("refused") == std::string::npos) {
          return harness(r.error().reason);
        }
        observations_.push_back(st.actor + " connect refused");
        return {};
      }
      case StepKind::disconnect: {
        ActorRt& a = actor(st.actor);
        if (a.ch) a.ch->close();
        observations_.push_back("disconnect " + st.actor);
        return {};
      }
      case StepKind::order:
        return step_order(st);
      case StepKind::require:
      case StepKind::check: {
        auto v = subst(*json_member(*st.body, st.kind == StepKind::check ? "check" : "require"));
        if (!v) return Unexpected{v.error()};
        auto m = subst((*st.body)["match"]);
        if (!m) return Unexpected{m.error()};
        MatchResult mr = match(*m, *v);
        if (mr.ok) {
          for (auto& [name, json] : mr.captures) vars_.set_json(name, json);
          return {};
        }
        if (st.kind == StepKind::check) {
          return failed("check: " + json_string_or(*st.body, "note", "") + " at " + mr.path + ": " +
                            mr.message,
                        mr.decided);
        }
        StepFailure f;
        f.verdict = RawVerdict::skipped;
        f.reason = "not applicable: " + json_string_or(*st.body, "note", mr.message);
        return Unexpected{std::move(f)};
      }
      case StepKind::clear: {
        ActorRt& a = actor(st.actor);
        std::lock_guard<std::mutex> lock(a.inbox->m);
        a.inbox->q.clear();
        return {};
      }
    }
    return harness("unknown step kind");
  }

  Expected<JsonDoc, StepFailure> subst(const JsonValue& v) {
    auto d = substitute(v, vars_);
    if (!d) {
      StepFailure f;
      f.verdict = RawVerdict::error;
      f.reason = "scenario: " + d.error();
      return Unexpected{std::move(f)};
    }
    return std::move(*d);
  }

  // call sends `event` with `payload_array` and validates the ack's envelope (EV-TRN-005/006).
  // On success `ack` holds the result object {"success", "result"}.
  StepResult call(ActorRt& a, const std::string& event, const std::string& payload_array,
                  milliseconds timeout, JsonDoc& ack) {
    if (!a.ch) return harness("actor " + a.name + " is not connected");
    auto r = a.ch->call(event, payload_array, timeout);
    if (!r) {
      const auto& e = r.error();
      if (e.code == tr::ChannelError::timeout) {
        return failed("no ack for " + event + " within " + std::to_string(timeout.count()) +
                      " ms (EV-TRN-005: the server must answer every request with an ack id)");
      }
      if (e.code == tr::ChannelError::disconnected) {
        return failed("connection closed while waiting for the ack of " + event + ": " + e.detail);
      }
      if (e.code == tr::ChannelError::bad_argument) {
        return harness("scenario args are not a JSON array: " + e.detail);
      }
      return harness(std::string(channel_error_text(e.code)) + ": " + e.detail);
    }
    auto doc = parse_json(*r);
    if (!doc || !doc->IsArray()) return failed("ack is not a JSON array: " + *r);
    if (doc->Size() != 1) {
      return failed("ack must carry exactly one argument (EV-TRN-005), got " + *r);
    }
    ack.CopyFrom((*doc)[0], ack.GetAllocator());
    const JsonValue* success = json_member(ack, "success");
    const JsonValue* result = json_member(ack, "result");
    if (!ack.IsObject() || success == nullptr || result == nullptr || ack.MemberCount() != 2 ||
        !success->IsBool()) {
      return failed(
          "result object must be exactly {\"success\": bool, \"result\": …} "
          "(EV-TRN-005), got " +
          to_json(ack));
    }
    if (!success->GetBool() && (!result->IsString() || result->GetStringLength() == 0)) {
      return failed("a failure's result must be a non-empty string (EV-TRN-006), got " +
                    to_json(ack));
    }
    observations_.push_back(a.name + " " + event +
                            " -> success=" + (success->GetBool() ? "true" : "false"));
    return {};
  }

  // check_expect matches the result object `ack` against an `expect` spec (see scenario.h).
  StepResult check_expect(const JsonValue* expect_tmpl, const JsonDoc& ack,
                          const char* dflt = "ok") {
    bool success = ack["success"].GetBool();
    JsonDoc dflt_doc;
    dflt_doc.SetString(rapidjson::StringRef(dflt));
    auto e = subst(expect_tmpl != nullptr ? *expect_tmpl : static_cast<const JsonValue&>(dflt_doc));
    if (!e) return Unexpected{e.error()};
    const JsonValue& ex = *e;
    auto wrong_outcome = [&](bool want_success) -> StepResult {
      StepFailure f;
      f.reason = std::string("expected ") + (want_success ? "success" : "failure") + ", got " +
                 to_json(ack);
      f.accepted_invalid = !want_success && success;
      return Unexpected{std::move(f)};
    };
    if (ex.IsString()) {
      std::string s = sv_str(ex);
      if (s == "ok" && !success) return wrong_outcome(true);
      if (s == "fail" && success) return wrong_outcome(false);
      return {};
    }
    if (ex.IsObject() && ex.MemberCount() == 1) {
      if (const JsonValue* okm = json_member(ex, "ok")) {
        if (!success) return wrong_outcome(true);
        return apply_match(*okm, ack["result"]);
      }
      if (const JsonValue* f = json_member(ex, "fail")) {
        if (success) {
          StepResult r = wrong_outcome(false);
          StepFailure err = r.error();
          err.reason = "expected failure (" + sv_str(*f) + "), got " + to_json(ack);
          return Unexpected{std::move(err)};
        }
        return {};
      }
    }
    bool want_success = json_bool_or(ex, "success", !success);
    if (json_member(ex, "success") != nullptr && json_member(ex, "success")->IsBool() &&
        want_success != success) {
      return wrong_outcome(want_success);
    }
    return apply_match(ex, ack);
  }

  StepResult apply_match(const JsonValue& m, const JsonValue& actual) {
    MatchResult r = match(m, actual);
    if (!r.ok) return failed("at " + r.path + ": " + r.message, r.decided);
    for (auto& [name, json] : r.captures) vars_.set_json(name, json);
    return {};
  }

  StepResult apply_captures(const Step& st, const JsonValue& root) {
    const JsonValue* cap = json_member(*st.body, "capture");
    if (cap == nullptr) return {};
    for (auto it = cap->MemberBegin(); it != cap->MemberEnd(); ++it) {
      std::string ptr = sv_str(it->value);
      rapidjson::Pointer p(ptr.c_str());
      if (!p.IsValid()) return harness("bad JSON pointer " + ptr);
      const JsonValue* v = p.Get(root);
      if (v == nullptr) return failed("capture " + ptr + ": no such value in " + to_json(root));
      vars_.set_value(sv_str(it->name), *v);
    }
    return {};
  }

  StepResult step_send(const Step& st) {
    ActorRt& a = actor(st.actor);
    std::string payload;
    if (const JsonValue* raw = json_member(*st.body, "args_json")) {
      auto s = interpolate(sv_str(*raw), vars_);
      if (!s) return harness("scenario: " + s.error());
      payload = *s;
    } else {
      JsonDoc empty;
      empty.SetObject();
      const JsonValue* args = json_member(*st.body, "args");
      auto d = subst(args != nullptr ? *args : static_cast<const JsonValue&>(empty));
      if (!d) return Unexpected{d.error()};
      payload = "[" + to_json(*d) + "]";
    }
    if (json_bool_or(*st.body, "no_ack", false)) {
      if (!a.ch) return harness("actor " + a.name + " is not connected");
      auto r = a.ch->emit(st.name, payload);
      if (!r) return failed("emit failed: " + r.error().detail);
      observations_.push_back(a.name + " " + st.name + " (no ack)");
      return {};
    }
    JsonDoc ack;
    std::size_t mark = transcript_size();
    auto attempt = [&](const std::string& event, const std::string& args) -> StepResult {
      if (auto r = call(a, event, args, step_ms(st, "timeout_ms", 5000), ack); !r) return r;
      return check_expect(json_member(*st.body, "expect"), ack);
    };
    StepResult r = attempt(st.name, payload);
    if (!r && r.error().verdict == RawVerdict::failed) {
      // or_args / or_event: the same request in a documented alternative form (`limit` for
      // `count`, EV-MSG-014; the alias `unblock_user` for `unblock`, EV-FRD-008), tried when the
      // first form is refused or unanswered, so that a deviation in the form (demonstrated by its
      // own case) does not hide what this step checks. The step is judged on the second answer.
      const JsonValue* alt = json_member(*st.body, "or_args");
      std::string alt_event = json_string_or(*st.body, "or_event", "");
      bool refused_or_silent = !ack.IsObject() || json_member(ack, "success") == nullptr ||
                               !ack["success"].IsBool() || !ack["success"].GetBool();
      if ((alt != nullptr || !alt_event.empty()) && refused_or_silent) {
        std::string alt_payload = payload;
        if (alt != nullptr) {
          auto d = subst(*alt);
          if (!d) return Unexpected{d.error()};
          alt_payload = "[" + to_json(*d) + "]";
        }
        transcript_->add(a.name, '#',
                         "first form failed (" + one_line(r.error().reason, 120) +
                             "); trying the alternative form");
        ack.SetObject();
        r = attempt(alt_event.empty() ? st.name : alt_event, alt_payload);
      }
    }
    if (!r) {
      // if_acked (sweeps): a missing ack is the subject of its own case (EV-TRN-005, EV-TRN-021,
      // events.md §12 #1/#24), not of this one; this step judges only what the ack says.
      if (json_bool_or(*st.body, "if_acked", false) && r.error().verdict == RawVerdict::failed &&
          r.error().reason.rfind("no ack", 0) == 0) {
        transcript_->add(a.name, '#', "no ack for " + st.name + ": not this case's subject");
        observations_.push_back(a.name + " " + st.name + " (no ack, ignored)");
        return {};
      }
      return r;
    }
    if (const JsonValue* af = json_member(*st.body, "ack_first"); af != nullptr && af->IsArray()) {
      std::set<std::string> names;
      for (const auto& n : af->GetArray()) {
        if (n.IsString()) names.insert(sv_str(n));
      }
      if (auto r = check_ack_first(a.name, mark, names); !r) return r;
    }
    return apply_captures(st, ack);
  }

  std::size_t transcript_size() {
    std::lock_guard<std::mutex> lock(transcript_->m);
    return transcript_->frames.size();
  }

  // check_ack_first looks at the frames the actor received since `mark`: no EVENT (a
  // notification, "42…") may come before the ACK ("43…") — EV-TRN-026, a SHOULD and Open, so
  // failures are reported as decided.
  // Only the notifications named in `names` count: others (e.g. profile_notification of
  // unrelated users) may legitimately interleave.
  StepResult check_ack_first(const std::string& actor_name, std::size_t mark,
                             const std::set<std::string>& names) {
    std::lock_guard<std::mutex> lock(transcript_->m);
    for (std::size_t i = mark; i < transcript_->frames.size(); ++i) {
      const Frame& f = transcript_->frames[i];
      if (f.actor != actor_name || f.dir != '<') continue;
      if (f.text.rfind("43", 0) == 0) return {};
      bool named = false;
      for (const std::string& n : names) named = named || f.text.rfind("42[\"" + n + "\"", 0) == 0;
      if (named) {
        return failed(
            "notification " + f.text.substr(0, 80) + " arrived before the ack (EV-TRN-026)", true);
      }
    }
    return {};
  }

  // take waits for the first unconsumed notification named `name` whose payload matches `m`.
  Expected<Notification, StepFailure> take(ActorRt& a, const std::string& name, const JsonValue* m,
                                           milliseconds within, std::string& last_mismatch) {
    auto deadline = Clock::now() + within;
    std::unique_lock<std::mutex> lock(a.inbox->m);
    for (;;) {
      for (auto it = a.inbox->q.begin(); it != a.inbox->q.end(); ++it) {
        if (it->name != name) continue;
        auto args = parse_json(it->args_json);
        if (!args || !args->IsArray() || args->Size() != 1) {
          StepFailure f;
          f.reason = name + " must carry exactly one argument (EV-TRN-024), got " + it->args_json;
          return Unexpected{std::move(f)};
        }
        if (m != nullptr) {
          MatchResult r = match(*m, (*args)[0]);
          if (!r.ok) {
            last_mismatch = to_json((*args)[0]) + " (" + r.path + ": " + r.message + ")";
            continue;
          }
          for (auto& [k, v] : r.captures) vars_.set_json(k, v);
        }
        Notification n = *it;
        a.inbox->q.erase(it);
        return n;
      }
      if (Clock::now() >= deadline) break;
      a.inbox->cv.wait_until(lock, deadline);
    }
    StepFailure f;
    f.reason = "no matching " + name + " within " + std::to_string(within.count()) + " ms";
    // closest: the best candidate of this case by key set and values, as a compact diff.
    const Notification* best = nullptr;
    int best_score = 0;
    JsonDoc best_payload;
    std::map<std::string, int> unconsumed;
    for (const auto& n : a.inbox->q) {
      if (!concerns_case(n.args_json)) continue;
      ++unconsumed[n.name];
      if (n.name != name || m == nullptr) continue;
      auto args = parse_json(n.args_json);
      if (!args || !args->IsArray() || args->Size() != 1) continue;
      int score = closeness(*m, (*args)[0]);
      if (best == nullptr || score > best_score) {
        best = &n;
        best_score = score;
        best_payload.CopyFrom((*args)[0], best_payload.GetAllocator());
      }
    }
    if (best != nullptr) {
      f.reason += "; closest: " + one_line(compact_diff(*m, best_payload), 160);
    } else if (!unconsumed.empty()) {
      std::string got;
      for (const auto& [n, k] : unconsumed) {
        got += (got.empty() ? "" : ", ") + n + (k > 1 ? " x" + std::to_string(k) : "");
      }
      f.reason += "; received instead: " + one_line(got, 120);
    } else {
      f.reason += "; nothing received";
    }
    (void)last_mismatch;
    return Unexpected{std::move(f)};
  }

  StepResult step_await(const Step& st) {
    ActorRt& a = actor(st.actor);
    const JsonValue* mt = json_member(*st.body, "match");
    JsonDoc m;
    if (mt != nullptr) {
      auto d = subst(*mt);
      if (!d) return Unexpected{d.error()};
      m = std::move(*d);
    }
    std::string last;
    auto n = take(a, st.name, mt != nullptr ? &m : nullptr, step_ms(st, "within_ms", 3000), last);
    if (!n) return Unexpected{n.error()};
    observations_.push_back(a.name + " got " + st.name);
    if (const JsonValue* l = json_member(*st.body, "label"); l != nullptr && l->IsString()) {
      a.labels[sv_str(*l)] = n->seq;
    }
    auto args = parse_json(n->args_json);
    return apply_captures(st, (*args)[0]);
  }

  // step_none: no matching notification may arrive within the window. The window is a waiting
  // limit and scales with --timeout-factor, except a `before_due` window, which proves that a
  // timer has not fired yet before its due time: stretching it would run past the due time.
  StepResult step_none(const Step& st) {
    ActorRt& a = actor(st.actor);
    const JsonValue* mt = json_member(*st.body, "match");
    JsonDoc m;
    if (mt != nullptr) {
      auto d = subst(*mt);
      if (!d) return Unexpected{d.error()};
      m = std::move(*d);
    }
    long long window = json_int_or(*st.body, "window_ms", 500);
    std::this_thread::sleep_for(json_bool_or(*st.body, "before_due", false) ? milliseconds(window)
                                                                            : scaled(window));
    std::lock_guard<std::mutex> lock(a.inbox->m);
    for (const auto& n : a.inbox->q) {
      if (n.seq < a.prev_mark) continue;  // older than the action this window checks
      if (st.name != "*" && n.name != st.name) continue;
      if (!concerns_case(n.args_json)) continue;
      if (mt != nullptr) {
        auto args = parse_json(n.args_json);
        if (!args || !args->IsArray() || args->Size() != 1) continue;
        if (!match(m, (*args)[0]).ok) continue;
      }
      observations_.push_back(a.name + " unexpected " + n.name);
      return failed("expected no " + st.name + " within " + std::to_string(window) + " ms, got " +
                    n.name + " " + one_line(n.args_json, 160));
    }
    observations_.push_back(a.name + " none " + st.name);
    return {};
  }

  StepResult step_raw(const Step& st) {
    ActorRt& a = actor(st.actor);
    if (!a.ch) return harness("actor " + a.name + " is not connected");
    auto text = interpolate(st.name, vars_);
    if (!text) return harness("scenario: " + text.error());
    auto r = a.ch->send_raw(*text);
    if (!r) return failed("send_raw failed: " + r.error().detail);
    std::this_thread::sleep_for(step_ms(st, "window_ms", 300));
    if (const JsonValue* ec = json_member(*st.body, "expect_connected"); ec && ec->IsBool()) {
      bool up = a.ch->connected();
      observations_.push_back(a.name + " raw -> connected=" + (up ? "true" : "false"));
      if (up != ec->GetBool()) {
        return failed(std::string("expected the connection to be ") +
                      (ec->GetBool() ? "open" : "closed") + " after the raw packet");
      }
    }
    return {};
  }

  StepResult step_set(const Step& st) {
    const JsonValue& obj = (*st.body)["set"];
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      auto d = subst(it->value);
      if (!d) return Unexpected{d.error()};
      vars_.set_value(sv_str(it->name), *d);
    }
    return {};
  }

  StepResult step_order(const Step& st) {
    ActorRt& a = actor(st.actor);
    const JsonValue& list = (*st.body)["order"];
    std::uint64_t prev = 0;
    std::string prev_label;
    for (const auto& l : list.GetArray()) {
      std::string label = sv_str(l);
      auto it = a.labels.find(label);
      if (it == a.labels.end()) {
        // The labelled await failed earlier (a soft violation already reported): the order
        // cannot be judged. A label no step defines is a scenario error (the loader checks).
        transcript_->add(a.name, '#', "order not judged: no notification labelled " + label);
        return {};
      }
      if (it->second < prev) {
        return failed("notification '" + label + "' arrived before '" + prev_label +
                      "' (EV-TRN-027 order)");
      }
      prev = it->second;
      prev_label = label;
    }
    return {};
  }

  // ---- protocol-aware steps ----

  Expected<std::string, StepFailure> str_field(const Step& st, const char* key) {
    const JsonValue* v = json_member(*st.body, key);
    if (v == nullptr) {
      StepFailure f;
      f.verdict = RawVerdict::error;
      f.reason = std::string("scenario: ") + key + " is required";
      return Unexpected{std::move(f)};
    }
    auto d = subst(*v);
    if (!d) return Unexpected{d.error()};
    if (d->IsString()) return sv_str(*d);
    return to_json(*d);
  }

  Expected<long long, StepFailure> int_field(const Step& st, const char* key, long long dflt) {
    const JsonValue* v = json_member(*st.body, key);
    if (v == nullptr) return dflt;
    auto d = subst(*v);
    if (!d) return Unexpected{d.error()};
    if (d->IsInt64()) return d->GetInt64();
    if (d->IsString()) {
      try {
        return std::stoll(sv_str(*d));
      } catch (...) {
      }
    }
    StepFailure f;
    f.verdict = RawVerdict::error;
    f.reason = std::string("scenario: ") + key + " must be an integer";
    return Unexpected{std::move(f)};
  }

  // merge_with applies the step's "with" object over `payload` (fields replaced or added;
  // a value of null removes the field — to build payloads with missing keys).
  StepResult merge_with(const Step& st, JsonDoc& payload) {
    const JsonValue* w = json_member(*st.body, "with");
    if (w == nullptr) return {};
    auto d = subst(*w);
    if (!d) return Unexpected{d.error()};
    if (!d->IsObject()) return harness("scenario: with must be an object");
    auto& al = payload.GetAllocator();
    for (auto it = d->MemberBegin(); it != d->MemberEnd(); ++it) {
      std::string key = sv_str(it->name);
      payload.RemoveMember(key.c_str());
      if (it->value.IsNull()) continue;
      JsonValue k(key.c_str(), al);
      JsonValue v;
      v.CopyFrom(it->value, al);
      payload.AddMember(k, v, al);
    }
    return {};
  }

  StepResult send_payload(const Step& st, ActorRt& a, const std::string& event, JsonDoc& payload,
                          const char* dflt_expect, JsonDoc& ack) {
    if (auto r = call(a, event, "[" + to_json(payload) + "]", step_ms(st, "timeout_ms", 5000), ack);
        !r) {
      return r;
    }
    JsonDoc d;
    if (auto pd = parse_json(dflt_expect)) d = std::move(*pd);
    return check_expect(json_member(*st.body, "expect") ? json_member(*st.body, "expect") : &d,
                        ack);
  }

  static void add_str(JsonDoc& d, const char* key, const std::string& v) {
    auto& al = d.GetAllocator();
    d.AddMember(JsonValue(key, al), JsonValue(v.c_str(), al), al);
  }

  StepResult step_do(const Step& st) {
    ActorRt& a = actor(st.actor);
    Identity& me = identity_of(st.actor);
    const std::string& op = st.name;
    if (op == "register") return do_register(st, a, me);
    if (op == "login") return do_login(st, a, me);
    if (op == "befriend") return do_befriend(st, a, me);
    if (op == "create_dm") return do_create_dm(st, a, me);
    if (op == "join_dm") return do_join_dm(st, a, me);
    if (op == "send_message") return do_send_message(st, a, me);
    if (op == "expect_message") return do_expect_message(st, a, me);
    return harness("unknown do operation " + op);
  }

  StepResult do_register(const Step& st, ActorRt& a, Identity& me) {
    {
      JsonDoc p;
      p.SetObject();
      add_str(p, "username", me.username);
      add_str(p, "public_key", hex_of(me.ik_pub));
      add_str(p, "spk", hex_of(me.spks.back().second));
      add_str(p, "sig", hex_of(me.spk_sig));
      add_str(p, "own_storage", "");
      if (auto r = merge_with(st, p); !r) return r;
      JsonDoc ack;
      return send_payload(st, a, "register", p, R"({"ok": true})", ack);
    }
  }

  StepResult do_login(const Step& st, ActorRt& a, Identity& me) {
    JsonDoc p;
    p.SetObject();
    add_str(p, "username", me.username);
    JsonDoc ack;
    if (auto r = call(a, "login", "[" + to_json(p) + "]", step_ms(st, "timeout_ms", 5000), ack);
        !r) {
      return r;
    }
    if (!ack["success"].GetBool()) return failed("login refused: " + to_json(ack));
    const JsonValue& ch = ack["result"];
    if (!ch.IsString() || ch.GetStringLength() != 64 || !is_lower_hex(sv_str(ch))) {
      return failed("login must succeed with a 64-hex challenge (EV-AUTH-010), got " +
                    to_json(ack));
    }
    auto pk = cr::parse_public_key(sv_str(ch));
    if (!pk) return failed("challenge is not a valid point (CR-CHAL-001): " + sv_str(ch));
    auto resp = cr::challenge_response(me.ik, *pk);
    if (!resp) return failed("challenge refused by client crypto: " + sv_str(ch));
    JsonDoc q;
    q.SetObject();
    add_str(q, "response", hex_of(*resp));
    if (auto r = merge_with(st, q); !r) return r;
    JsonDoc ack2;
    return send_payload(st, a, "login_challenge_response", q, R"({"ok": true})", ack2);
  }

  StepResult do_befriend(const Step& st, ActorRt& a, Identity& me) {
    auto other_name = str_field(st, "other");
    if (!other_name) return Unexpected{other_name.error()};
    if (!actors_.count(*other_name)) return harness("scenario: unknown actor " + *other_name);
    return befriend(a, me, actor(*other_name), identity_of(*other_name));
  }

  StepResult befriend(ActorRt& a, Identity& me, ActorRt& b, Identity& them) {
    JsonDoc ack;
    std::string req = "[{\"username\":" + json_escape(them.username) + "}]";
    if (auto r = call(a, "send_friend_request", req, scaled(5000), ack); !r) return r;
    if (!ack["success"].GetBool()) return failed("send_friend_request refused: " + to_json(ack));
    std::string accept = "[{\"username\":" + json_escape(me.username) + ",\"accept\":true}]";
    if (auto r = call(b, "ack_friend_request", accept, scaled(5000), ack); !r) return r;
    if (!ack["success"].GetBool()) return failed("ack_friend_request refused: " + to_json(ack));
    // Consume the two notices so later steps see a clean inbox (EV-FRD-003, EV-FRD-005).
    JsonDoc m1;
    m1.Parse(("{\"username\":" + json_escape(me.username) + "}").c_str());
    std::string last;
    if (auto n = take(b, "friend_request_notification", &m1, scaled(3000), last); !n) {
      return Unexpected{n.error()};
    }
    JsonDoc m2;
    m2.Parse(("{\"username\":" + json_escape(them.username) + ",\"accept\":true}").c_str());
    if (auto n = take(a, "friend_request_accept_notification", &m2, scaled(3000), last); !n) {
      return Unexpected{n.error()};
    }
    return {};
  }

  StepResult do_create_dm(const Step& st, ActorRt& a, Identity& me) {
    const JsonValue* members = json_member(*st.body, "members");
    if (members == nullptr || !members->IsArray() || members->Empty()) {
      return harness("scenario: create_dm needs members (actor names)");
    }
    std::vector<cr::PreKeyBundle> bundles;
    std::vector<std::string> names;
    for (const auto& m : members->GetArray()) {
      if (!m.IsString()) return harness("scenario: members must be actor names");
      Identity* id = identity_by_actor_or_null(sv_str(m));
      if (id == nullptr) return harness("scenario: unknown member actor " + sv_str(m));
      // EV-USR-002: the key bundle comes from get_user, as a real client does.
      JsonDoc ack;
      if (auto r = call(a, "get_user", "[{\"username\":" + json_escape(id->username) + "}]",
                        scaled(5000), ack);
          !r) {
        return r;
      }
      if (!ack["success"].GetBool()) return failed("get_user refused: " + to_json(ack));
      const JsonValue& u = ack["result"];
      std::string pk = json_string_or(u, "public_key", ""), spk = json_string_or(u, "spk", ""),
                  sig = json_string_or(u, "sig", "");
      auto ppk = cr::parse_public_key(pk);
      auto pspk = cr::parse_public_key(spk);
      auto psig = cr::parse_signature(sig);
      if (!ppk || !pspk || !psig)
        return failed("get_user returned an unusable key bundle: " + to_json(u));
      bundles.push_back({*ppk, *pspk, *psig});
      names.push_back(id->username);
    }
    auto g = cr::create_group_dm(me.ik, bundles, rng_);
    if (!g) {
      return failed("create_group_dm refused the bundles (CR-X3DH-001): " +
                    std::string(cr::error_name(g.error())));
    }
    JsonDoc p;
    p.SetObject();
    auto& al = p.GetAllocator();
    JsonValue us(rapidjson::kArrayType), ms(rapidjson::kArrayType), kt(rapidjson::kArrayType);
    for (std::size_t i = 0; i < names.size(); ++i) {
      us.PushBack(JsonValue(names[i].c_str(), al), al);
      JsonValue m(rapidjson::kObjectType);
      m.AddMember("spk", JsonValue(hex_of(g->messages[i].spk).c_str(), al), al);
      m.AddMember("ek", JsonValue(hex_of(g->messages[i].ek).c_str(), al), al);
      ms.PushBack(m, al);
    }
    for (const auto& k : g->key_tree) kt.PushBack(JsonValue(hex_of(k).c_str(), al), al);
    // corrupt: replace one value by a given one (invalid-point cases, CR-KEY-004, EV-DM-004).
    if (const JsonValue* c = json_member(*st.body, "corrupt"); c != nullptr && c->IsString()) {
      auto value = str_field(st, "value");
      if (!value) return Unexpected{value.error()};
      std::string what = sv_str(*c);
      if (what == "ek") {
        ms[0]["ek"].SetString(value->c_str(), al);
      } else if (what == "spk") {
        ms[0]["spk"].SetString(value->c_str(), al);
      } else if (what == "key_tree") {
        kt[0].SetString(value->c_str(), al);
      } else {
        return harness("scenario: corrupt must be ek, spk or key_tree");
      }
    }
    p.AddMember("usernames", us, al);
    p.AddMember("messages", ms, al);
    p.AddMember("key_tree", kt, al);
    if (auto r = merge_with(st, p); !r) return r;
    JsonDoc ack;
    if (auto r = send_payload(st, a, "create_dm", p, R"({"ok": {"$type": "id"}})", ack); !r) {
      return r;
    }
    if (ack["success"].GetBool() && ack["result"].IsInt64()) {
      long long id = ack["result"].GetInt64();
      me.group_keys[id] = g->shared_key;
      if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
        vars_.set_int(sv_str(*into), id);
      }
    }
    return {};
  }

  StepResult do_join_dm(const Step& st, ActorRt& a, Identity& me) {
    JsonDoc m;
    m.SetObject();
    if (json_member(*st.body, "dm") != nullptr) {
      auto dm = int_field(st, "dm", 0);
      if (!dm) return Unexpected{dm.error()};
      JsonDoc tmp;
      tmp.Parse(("{\"$has\":{\"id\":" + std::to_string(*dm) + "}}").c_str());
      m.CopyFrom(tmp, m.GetAllocator());
    } else {
      m.Parse(R"({"$any": true})");
    }
    std::string last;
    auto n = take(a, "x3dh_notification", &m, step_ms(st, "within_ms", 3000), last);
    if (!n) return Unexpected{n.error()};
    observations_.push_back(a.name + " got x3dh_notification");
    auto args = parse_json(n->args_json);
    const JsonValue& x = (*args)[0];
    // EV-OBJ-016: the X3DH notification object's exact shape.
    JsonDoc shape;
    shape.Parse(R"({"sender":{"$type":"string"},"ik":{"$type":"key"},"spk":{"$type":"key"},
      "ek":{"$type":"key"},"key_tree":{"$type":"array"},"position":{"$type":"integer"},
      "id":{"$type":"id"}})");
    if (auto r = apply_match(shape, x); !r) return r;
    if (const JsonValue* mt = json_member(*st.body, "match")) {
      auto d = subst(*mt);
      if (!d) return Unexpected{d.error()};
      if (auto r = apply_match(*d, x); !r) return r;
    }
    std::string spk_hex = json_string_or(x, "spk", "");
    const cr::PrivateKey* spk_priv = nullptr;
    for (const auto& [priv, pub] : me.spks) {
      if (hex_of(pub) == spk_hex) spk_priv = &priv;
    }
    if (spk_priv == nullptr)
      return failed("x3dh_notification names an SPK we never had: " + spk_hex);
    auto sender_ik = cr::parse_public_key(json_string_or(x, "ik", ""));
    auto ek = cr::parse_public_key(json_string_or(x, "ek", ""));
    if (!sender_ik || !ek) return failed("x3dh_notification carries an invalid ik/ek point");
    std::vector<cr::PublicKey> tree;
    for (const auto& k : x["key_tree"].GetArray()) {
      cr::PublicKey pk{};
      if (!k.IsString() || !from_hex_into(sv_str(k), pk)) {
        return failed("key_tree entry is not 64 hex: " + to_json(k));
      }
      tree.push_back(pk);
    }
    auto key = cr::receive_group_dm(me.ik, *spk_priv, *sender_ik, *ek, tree,
                                    static_cast<std::size_t>(x["position"].GetInt64()));
    if (!key) {
      return failed("group key could not be derived from the notification (CR-TREE-005..007): " +
                    std::string(cr::error_name(key.error())));
    }
    long long id = x["id"].GetInt64();
    me.group_keys[id] = *key;
    if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
      vars_.set_int(sv_str(*into), id);
    }
    return {};
  }

  Expected<cr::SharedKey, StepFailure> group_key(Identity& me, long long dm) {
    auto it = me.group_keys.find(dm);
    if (it == me.group_keys.end()) {
      StepFailure f;
      f.verdict = RawVerdict::error;
      f.reason = "scenario: " + me.username + " holds no key for DM " + std::to_string(dm) +
                 " (create_dm or join_dm first)";
      return Unexpected{std::move(f)};
    }
    return it->second;
  }

  StepResult do_send_message(const Step& st, ActorRt& a, Identity& me) {
    auto dm = int_field(st, "dm", 0);
    if (!dm) return Unexpected{dm.error()};
    auto text = str_field(st, "text");
    if (!text) return Unexpected{text.error()};
    auto key = group_key(me, *dm);
    if (!key) return Unexpected{key.error()};
    std::span<const std::uint8_t> pt(reinterpret_cast<const std::uint8_t*>(text->data()),
                                     text->size());
    auto ct = cr::aead_encrypt_hex(*key, pt, rng_);
    if (!ct) return harness("aead failed: " + std::string(cr::error_name(ct.error())));
    auto ct_bytes = from_hex(*ct);
    cr::Signature sig = cr::sign(me.ik, *ct_bytes);  // CR-SIG-002: sign after encrypting
    auto schedule = int_field(st, "schedule", 0);
    auto del = int_field(st, "delete", 0);
    if (!schedule) return Unexpected{schedule.error()};
    if (!del) return Unexpected{del.error()};
    JsonDoc p;
    p.SetObject();
    auto& al = p.GetAllocator();
    p.AddMember("id", JsonValue(static_cast<int64_t>(*dm)), al);
    add_str(p, "message", *ct);
    add_str(p, "signature", hex_of(sig));
    p.AddMember("schedule", JsonValue(static_cast<int64_t>(*schedule)), al);
    p.AddMember("delete", JsonValue(static_cast<int64_t>(*del)), al);
    if (auto r = merge_with(st, p); !r) return r;
    if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
      vars_.set_string(sv_str(*into), *ct);
      vars_.set_string(sv_str(*into) + ".signature", hex_of(sig));
    }
    JsonDoc ack;
    return send_payload(st, a, "send_message", p, R"({"ok": true})", ack);
  }

  StepResult do_expect_message(const Step& st, ActorRt& a, Identity& me) {
    auto dm = int_field(st, "dm", 0);
    if (!dm) return Unexpected{dm.error()};
    auto text = str_field(st, "text");
    if (!text) return Unexpected{text.error()};
    auto sender_actor = str_field(st, "sender");
    if (!sender_actor) return Unexpected{sender_actor.error()};
    Identity* sender = identity_by_actor_or_null(*sender_actor);
    if (sender == nullptr) return harness("scenario: unknown sender actor " + *sender_actor);
    JsonDoc m;
    m.Parse(("{\"$has\":{\"dm_id\":" + std::to_string(*dm) +
             ",\"sender\":" + json_escape(sender->username) + "}}")
                .c_str());
    std::string last;
    auto n = take(a, "message_notification", &m, step_ms(st, "within_ms", 3000), last);
    if (!n) return Unexpected{n.error()};
    observations_.push_back(a.name + " got message_notification");
    auto args = parse_json(n->args_json);
    const JsonValue& msg = (*args)[0];
    if (const JsonValue* mt = json_member(*st.body, "match")) {
      auto d = subst(*mt);
      if (!d) return Unexpected{d.error()};
      if (auto r = apply_match(*d, msg); !r) return r;
    }
    std::string ct = json_string_or(msg, "message", "");
    std::string sig = json_string_or(msg, "signature", "");
    // The receiving client's duties: verify the sender's signature, then decrypt (CR-SIG-002).
    if (!cr::verify_hex(hex_of(sender->ik_pub), ct, sig)) {
      return failed("message signature does not verify under the sender's key");
    }
    auto key = group_key(me, *dm);
    if (!key) return Unexpected{key.error()};
    auto pt = cr::aead_decrypt_hex(*key, ct);
    if (!pt) return failed("message does not decrypt: " + std::string(cr::error_name(pt.error())));
    std::string plain(pt->begin(), pt->end());
    if (plain != *text) return failed("decrypted \"" + plain + "\", expected \"" + *text + "\"");
    if (const JsonValue* into = json_member(*st.body, "into"); into && into->IsString()) {
      vars_.set_value(sv_str(*into), msg["id"]);
      vars_.set_value(sv_str(*into) + ".timestamp", msg["timestamp"]);
    }
    return apply_captures(st, msg);
  }

  // ---- compute ----

  StepResult step_compute(const Step& st) {
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
      auto now = std::chrono::system_clock::now() + std::chrono::seconds(*off);
      auto ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
      std::time_t secs = static_cast<std::time_t>(ms / 1000);
      std::tm tm{};
      gmtime_r(&secs, &tm);
      char buf[96];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    static_cast<int>(ms % 1000));
      vars_.set_string(into, buf);
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

  const Case& c_;
  const EngineOptions& o_;
  cr::DeterministicRandom rng_;
  std::shared_ptr<Transcript> transcript_;
  Vars vars_;
  std::map<std::string, Identity> identities_;
  std::map<std::string, ActorRt> actors_;
  std::vector<std::string> observations_;
};

}  // namespace

CaseRun run_case(const Case& c, const EngineOptions& opts) {
  CaseRunner runner(c, opts);
  return runner.run();
}

}  // namespace unm::conformance
