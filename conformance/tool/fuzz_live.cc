// fuzz_live.cc — see fuzz_live.h. Each session: register and log in a fresh user (and a peer for
// the friend and DM events), then a run of actions — a mutated event, a raw broken packet, an
// out-of-order login step, an abrupt disconnect. A request's ack is awaited only for
// --probe-after-ms; then the alive probe goes out on the same connection, and if the probe is
// answered while the ack is still missing, that is a no-ack finding (the server is alive, it
// just did not answer). Only when nothing answers does the fuzzer open a fresh connection to
// tell a stalled connection from a hung target (connects, answers nothing) or a crashed one
// (refuses connections). The server may close a connection after a broken packet (TR-SIO-003);
// it must never stop answering new connections, never leave a request without a well-formed
// ack (EV-TRN-005/006), and never accept invalid input (EV-TRN-008/011/017/020/021).
#include "conformance/tool/fuzz_live.h"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <rapidjson/document.h>

#include "conformance/tool/fuzz_minimize.h"
#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/protocol/objects.h"

namespace unm::conformance::tool::livefuzz {

namespace {

using namespace std::chrono_literals;
using protocol::json_string;
using transport::ChannelError;
using transport::EventChannel;
using Clock = std::chrono::steady_clock;
using ChannelPtr = std::unique_ptr<EventChannel>;
using CallResult = Expected<std::string, transport::ChannelFailure>;

// Identity is one fuzzing user with real keys.
struct Identity {
  std::string name;
  crypto::PrivateKey ik;
  std::string pub, spk_pub, sig;
};

// kRawPackets are broken or hostile Socket.IO packets (TR-SIO-001..005).
constexpr const char* kRawPackets[] = {
    "2",
    "2[",
    "2[\"get_dms\"",
    "2{}",
    "2[1]",
    "2[null]",
    "21",
    "9",
    "0/nope,",
    "5-[\"get_dms\"]",
    "51-[\"get_dms\",{\"_placeholder\":true,\"num\":5}]",
    "3999[]",
    "2/nope,[\"get_dms\",{}]",
    "299999999999999999999999[\"get_dms\",{}]",
    "2[\"connect\"]",
    "1",
};

std::string probe_args(const std::string& self) {
  return R"([{"username":)" + json_string(self) + "}]";
}

// Answer is what became of one request.
enum class Answer {
  acked,      // an ack arrived (judged separately)
  missing,    // no ack, but the probe sent after it on the same connection was answered
  closed,     // the connection closed before the ack
  probe_bad,  // the probe was answered, wrongly
  stalled,    // neither the request nor the probe was answered
};

struct Exchange {
  Answer answer = Answer::acked;
  std::string text;  // the ack, or what happened instead
};

enum class Life { alive, crashed, hung };

// Shared is what all sessions share: options, the connector, findings, counters, the users
// (replays log in as the finding's user).
struct Shared {
  const Options& o;
  const Connector& connect;
  Registry& registry;
  std::FILE* out;
  Clock::time_point deadline;
  std::uint64_t name_salt = 0;
  std::atomic<bool> stop{false};
  std::atomic<bool> ever_connected{false};
  std::atomic<bool> unreachable{false};
  std::atomic<std::size_t> sessions{0}, requests{0}, probes{0}, short_probes{0}, raws{0},
      disconnects{0}, replays{0};
  std::mutex mu;  // guards the members below and printing
  std::map<std::string, Identity> identities;
  std::string target_state = "alive";
  std::string unreachable_reason;

  void print(const std::string& line) {
    std::lock_guard lock(mu);
    std::fprintf(out, "%s\n", line.c_str());
    std::fflush(out);
  }
};

// Connection helpers used by sessions and by the replays of minimisation.
class Client {
 public:
  explicit Client(Shared& s) : s_(s) {}

  std::optional<ChannelPtr> open() {
    transport::ChannelOptions opts;
    opts.verify_tls = !s_.o.insecure;
    opts.connect_timeout = s_.o.call_timeout;
    auto ch = s_.connect(s_.o.target, opts);
    if (!ch) {
      last_error =
          std::string(transport::channel_error_name(ch.error().code)) + ": " + ch.error().detail;
      return std::nullopt;
    }
    return std::move(*ch);
  }

  // call_ok sends a well-formed request that must succeed (setup steps).
  bool call_ok(EventChannel& ch, std::string_view event, const std::string& payload,
               std::string* result = nullptr) {
    auto r = ch.call(event, "[" + payload + "]", s_.o.call_timeout);
    if (!r) {
      last_error =
          std::string(event) + ": " + std::string(transport::channel_error_name(r.error().code));
      return false;
    }
    rapidjson::Document d;
    d.Parse(r->data(), r->size());
    if (d.HasParseError() || !d.IsArray() || d.Size() != 1 || !d[0].IsObject() ||
        !d[0].HasMember("success") || !d[0]["success"].IsBool() || !d[0]["success"].GetBool()) {
      last_error = std::string(event) + " refused: " + *r;
      return false;
    }
    if (result != nullptr && d[0].HasMember("result") && d[0]["result"].IsString()) {
      *result = d[0]["result"].GetString();
    }
    return true;
  }

  bool register_user(EventChannel& ch, const Identity& id) {
    return call_ok(ch, "register",
                   R"({"username":)" + json_string(id.name) + R"(,"public_key":")" + id.pub +
                       R"(","spk":")" + id.spk_pub + R"(","sig":")" + id.sig +
                       R"(","own_storage":""})");
  }

  bool login(EventChannel& ch, const Identity& id) {
    std::string challenge;
    if (!call_ok(ch, "login", R"({"username":)" + json_string(id.name) + "}", &challenge)) {
      return false;
    }
    crypto::PublicKey c{};
    if (!from_hex_into(challenge, c)) {
      last_error = "login: challenge is not 64 hex characters";
      return false;
    }
    auto resp = crypto::challenge_response(id.ik, c);
    if (!resp) {
      last_error = "login: challenge is not a valid point";
      return false;
    }
    return call_ok(ch, "login_challenge_response", R"({"response":")" + to_hex(*resp) + R"("})");
  }

  std::optional<ChannelPtr> logged_in(const Identity& id) {
    auto ch = open();
    if (!ch) return std::nullopt;
    if (!login(**ch, id)) return std::nullopt;
    return ch;
  }

  // exchange sends `req` and waits for its ack only for probe_after; then the probe decides.
  Exchange exchange(EventChannel& ch, const Request& req, const std::string& self) {
    struct Slot {
      std::mutex m;
      std::condition_variable cv;
      std::optional<CallResult> r;
    };
    auto slot = std::make_shared<Slot>();
    ch.call_async(req.event, req.args_json, s_.o.call_timeout, [slot](CallResult r) {
      {
        std::lock_guard lock(slot->m);
        slot->r = std::move(r);
      }
      slot->cv.notify_all();
    });
    auto wait = [&](std::chrono::milliseconds d) {
      std::unique_lock lock(slot->m);
      return slot->cv.wait_for(lock, d, [&] { return slot->r.has_value(); });
    };
    auto answered = [&]() -> Exchange {
      std::lock_guard lock(slot->m);
      const CallResult& r = *slot->r;
      if (r) return {Answer::acked, *r};
      if (r.error().code == ChannelError::timeout) {
        return {Answer::missing,
                "no ack within " + std::to_string(s_.o.call_timeout.count()) + " ms"};
      }
      return {Answer::closed, std::string(transport::channel_error_name(r.error().code))};
    };
    if (wait(s_.o.probe_after)) return answered();
    ++s_.probes;
    ++s_.short_probes;
    auto p = ch.call("username_exists", probe_args(self), s_.o.call_timeout);
    if (wait(0ms)) return answered();  // the ack came while the probe was out
    if (p && is_probe_ok(*p)) {
      if (wait(s_.o.probe_after)) return answered();
      return {Answer::missing, "no ack; the probe sent " +
                                   std::to_string(s_.o.probe_after.count()) +
                                   " ms later on the same connection was answered"};
    }
    if (p) return {Answer::probe_bad, *p};
    if (p.error().code == ChannelError::disconnected) return {Answer::closed, "disconnected"};
    return {Answer::stalled, "neither the request nor the probe after it was answered within " +
                                 std::to_string(s_.o.call_timeout.count()) + " ms"};
  }

  // check_target opens a fresh connection and probes: crashed (refuses connections), hung
  // (connects, answers nothing) or alive.
  Life check_target(const std::string& self, std::string& detail) {
    std::optional<ChannelPtr> ch;
    for (int attempt = 0; attempt < 3 && !ch; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(300ms);
      ch = open();
    }
    if (!ch) {
      detail = "new connections fail: " + last_error;
      return Life::crashed;
    }
    ++s_.probes;
    auto p = (*ch)->call("username_exists", probe_args(self), s_.o.call_timeout);
    (*ch)->close();
    if (!p) {
      detail = "a new connection is accepted but the probe gets no answer (" +
               std::string(transport::channel_error_name(p.error().code)) + ")";
      return Life::hung;
    }
    return Life::alive;
  }

  std::string last_error;

 private:
  Shared& s_;
};

class Session {
 public:
  Session(Shared& s, int index)
      : s_(s),
        index_(index),
        rng_(s.o.seed + static_cast<std::uint64_t>(index)),
        keys_(s.o.seed * 1000003 + static_cast<std::uint64_t>(index)),
        client_(s) {}

  void run() {
    while (!s_.stop && Clock::now() < s_.deadline) {
      if (!one_session()) return;
    }
  }

 private:
  Identity make_identity() {
    Identity id;
    std::uint8_t b[5];
    keys_.fill(b);
    id.name = "fz" + to_hex(std::span<const std::uint8_t>(b)) +
              std::to_string(s_.name_salt % 100000) + "s" + std::to_string(index_) + "n" +
              std::to_string(counter_++);
    id.ik = crypto::generate_private_key(keys_);
    const auto spk = crypto::generate_private_key(keys_);
    id.pub = to_hex(crypto::public_key(id.ik));
    const auto spk_pub = crypto::public_key(spk);
    id.spk_pub = to_hex(spk_pub);
    id.sig = to_hex(crypto::sign(id.ik, spk_pub));
    std::lock_guard lock(s_.mu);
    s_.identities[id.name] = id;
    return id;
  }

  void report(Finding f, const std::string& problem) {
    f.ctx = ctx_;
    const Signature sig = signature_of(f, problem);
    if (s_.registry.add(sig, f)) {
      s_.print(std::string("fuzz: ") + (s_.registry.is_expected(sig) ? "known " : "new ") +
               std::string(severity_name(severity_of(problem))) + " " + sig.id() + " — " + f.what);
    }
  }

  // target_down records a crash or hang and stops every session.
  void target_down(Finding f, Life life, const std::string& detail) {
    const std::string problem = life == Life::crashed ? "target-crashed" : "target-hung";
    f.what = (life == Life::crashed ? "target crashed after: " : "target hung after: ") + f.what +
             " (" + detail + ")";
    f.got = detail;
    bool first = false;
    {
      std::lock_guard lock(s_.mu);
      first = s_.target_state == "alive";
      if (first) s_.target_state = life == Life::crashed ? "crashed" : "hung";
    }
    s_.stop = true;
    // Other sessions see the same dead target while their requests are in flight: only the
    // first to find it reports, so the finding names one action.
    if (first) report(std::move(f), problem);
  }

  // reconnect gives the session a fresh logged-in connection, or finds the target down.
  bool reconnect(const Finding& context) {
    if (chan_) chan_->close();
    chan_.reset();
    if (auto ch = client_.logged_in(self_)) {
      chan_ = std::move(*ch);
      return true;
    }
    std::string detail;
    const Life life = client_.check_target(self_.name, detail);
    if (life != Life::alive) {
      target_down(context, life, detail);
    } else {
      Finding f = context;
      f.what = "cannot log in again after: " + context.what + " (" + client_.last_error + ")";
      f.got = client_.last_error;
      report(std::move(f), "login-failed-after");
    }
    return false;
  }

  // after_reset probes on a fresh connection after a raw packet or an abrupt disconnect.
  bool after_reset(const Finding& context) {
    if (!reconnect(context)) return false;
    ++s_.probes;
    auto p = chan_->call("username_exists", probe_args(self_.name), s_.o.call_timeout);
    if (p && is_probe_ok(*p)) return true;
    if (p) {
      Finding f = context;
      f.what = "wrong probe answer after: " + context.what;
      f.got = *p;
      report(std::move(f), "probe-failed");
      return reconnect(context);
    }
    std::string detail;
    const Life life = client_.check_target(self_.name, detail);
    if (life != Life::alive) {
      target_down(context, life, detail);
      return false;
    }
    Finding f = context;
    f.what = "probe unanswered after: " + context.what;
    f.got = std::string(transport::channel_error_name(p.error().code));
    report(std::move(f), "connection-stalled");
    return reconnect(context);
  }

  // send_judged sends one request and records what was wrong with its answer. Returns false
  // when the session cannot go on.
  bool send_judged(const Request& req, Finding context) {
    ++s_.requests;
    s_.registry.covered(signature_of(context, "").event, req.mutation_class);
    const Exchange ex = client_.exchange(*chan_, req, self_.name);
    switch (ex.answer) {
      case Answer::acked: {
        const AckVerdict v = judge_ack(req, ex.text);
        if (!v.code.empty()) {
          Finding f = context;
          f.what = v.problem + " on " + req.event;
          f.got = ex.text;
          report(std::move(f), v.code);
        }
        return true;
      }
      case Answer::missing: {
        Finding f = context;
        f.what = "no ack for " + req.event + " (" + req.mutation + ")";
        f.got = ex.text;
        report(std::move(f), "no-ack");
        return true;  // the connection still answers: keep it
      }
      case Answer::probe_bad: {
        Finding f = context;
        f.what = "wrong probe answer after " + req.event + " (" + req.mutation + ")";
        f.got = ex.text;
        report(std::move(f), "probe-failed");
        return reconnect(context);
      }
      case Answer::closed:
      case Answer::stalled: {
        std::string detail;
        const Life life = client_.check_target(self_.name, detail);
        if (life != Life::alive) {
          target_down(context, life, detail);
          return false;
        }
        Finding f = context;
        const bool closed = ex.answer == Answer::closed;
        f.what = (closed ? "connection closed instead of an ack for " : "connection stalled by ") +
                 req.event + " (" + req.mutation + ")";
        f.got = ex.text;
        report(std::move(f), closed ? "connection-closed" : "connection-stalled");
        return reconnect(context);
      }
    }
    return true;
  }

  Request out_of_order() {
    Request req;
    req.expect = Expect::failure;
    req.mutation_class = "out-of-order";
    switch (rng_() % 3) {
      case 0:
        req.event = "login_challenge_response";
        req.args_json = R"([{"response":")" + std::string(64, 'a') + R"("}])";
        req.mutation = "response without a challenge, logged in";
        break;
      case 1:
        req.event = "login";
        req.args_json = R"([{"username":)" + json_string(self_.name) + "}]";
        req.mutation = "login while logged in";
        break;
      default:
        req.event = "register";
        req.args_json = R"([{"username":)" + json_string(self_.name + "x") + R"(,"public_key":")" +
                        self_.pub + R"(","spk":")" + self_.spk_pub + R"(","sig":")" + self_.sig +
                        R"(","own_storage":""}])";
        req.mutation = "register while logged in";
        break;
    }
    return req;
  }

  // one_session runs one user's session; false ends this thread (target down or unreachable).
  bool one_session() {
    ++s_.sessions;
    self_ = make_identity();
    const Identity peer = make_identity();
    auto setup = client_.open();
    if (!setup) {
      if (!s_.ever_connected) {
        std::lock_guard lock(s_.mu);
        s_.unreachable_reason = client_.last_error;
        s_.unreachable = true;
        s_.stop = true;
        return false;
      }
      Finding f;
      f.what = "a new session";
      std::string detail;
      const Life life = client_.check_target(self_.name, detail);
      if (life != Life::alive) target_down(f, life, detail);
      return life == Life::alive;
    }
    s_.ever_connected = true;
    if (!client_.register_user(**setup, self_) || !client_.register_user(**setup, peer)) {
      s_.print("fuzz: registration failed: " + client_.last_error);
      (*setup)->close();
      return false;
    }
    (*setup)->close();
    auto ch = client_.logged_in(self_);
    if (!ch) {
      s_.print("fuzz: login failed: " + client_.last_error);
      return false;
    }
    chan_ = std::move(*ch);
    ctx_ = Context{self_.name, peer.name, peer.pub, std::string(128, '0')};
    bool after_disconnect = false;
    for (int step = 0; step < 40 && !s_.stop && Clock::now() < s_.deadline; ++step) {
      Finding context;
      context.after_disconnect = after_disconnect;
      after_disconnect = false;
      const auto kind = rng_() % 20;
      bool go_on = true;
      if (kind < 14) {
        const Request req = mutate(ctx_, rng_);
        context.request = req;
        context.what = req.event + " with " + req.mutation;
        go_on = send_judged(req, context);
      } else if (kind < 16) {
        // A raw broken packet: the server may close this connection, nothing more.
        ++s_.raws;
        context.raw = kRawPackets[rng_() % std::size(kRawPackets)];
        context.what = "raw packet " + context.raw;
        s_.registry.covered("raw", "raw-packet");
        (void)chan_->send_raw(context.raw);
        // No waiting: the probe goes out on a fresh connection, which the server sees after the
        // broken packet anyway (the reconnect and login take three round trips).
        go_on = after_reset(context);
      } else if (kind < 18) {
        // Out-of-order login steps while logged in: each must fail (EV-AUTH-009/011, EV-AUTH-003).
        const Request req = out_of_order();
        context.request = req;
        context.what = req.mutation;
        go_on = send_judged(req, context);
      } else {
        // Abrupt disconnect right after a request, before its ack (EV-AUTH-022).
        ++s_.disconnects;
        const Request req = mutate(ctx_, rng_);
        context.request = req;
        context.disconnect = true;
        context.what = "abrupt disconnect after " + req.event + " (" + req.mutation + ")";
        s_.registry.covered(signature_of(context, "").event, "abrupt-disconnect");
        (void)chan_->emit(req.event, req.args_json);
        chan_->close();
        after_disconnect = true;
        go_on = after_reset(context);
      }
      if (!go_on) {
        if (s_.stop) return false;
        if (!chan_) return true;  // start a new session
      }
    }
    if (chan_) chan_->close();
    chan_.reset();
    return true;
  }

  Shared& s_;
  int index_;
  std::mt19937_64 rng_;
  crypto::DeterministicRandom keys_;
  Client client_;
  std::uint64_t counter_ = 0;
  Identity self_;
  Context ctx_;
  ChannelPtr chan_;
};

// replay_problem sends `req` as `self` on `chan` (reopened when needed) and returns the
// problem code it shows ("" when none).
std::string replay_problem(Shared& s, Client& client, ChannelPtr& chan, const Identity& self,
                           const Request& req) {
  if (!chan || !chan->connected()) {
    chan.reset();
    auto ch = client.logged_in(self);
    if (!ch) return "login-failed";
    chan = std::move(*ch);
  }
  ++s.replays;
  const Exchange ex = client.exchange(*chan, req, self.name);
  switch (ex.answer) {
    case Answer::acked:
      return judge_ack(req, ex.text).code;
    case Answer::missing:
      return "no-ack";
    case Answer::probe_bad:
      chan.reset();
      return "probe-failed";
    case Answer::closed:
      chan.reset();
      return "connection-closed";
    case Answer::stalled:
      chan.reset();
      return "connection-stalled";
  }
  return "";
}

void minimize_findings(Shared& s, const Options& o) {
  if (o.minimize_budget.count() == 0) return;
  const auto until = Clock::now() + o.minimize_budget;
  Client client(s);
  for (const Record& r : s.registry.records()) {
    if (Clock::now() >= until) break;
    // Only new protocol deviations of requests: raw packets are already one frame, and a
    // crashed or hung target cannot be replayed against.
    if (r.expected || r.severity != Severity::deviation || !r.smallest.raw.empty() ||
        r.smallest.disconnect || r.smallest.request.event.empty()) {
      continue;
    }
    Identity self;
    {
      std::lock_guard lock(s.mu);
      auto it = s.identities.find(r.smallest.ctx.self);
      if (it == s.identities.end()) continue;
      self = it->second;
    }
    ChannelPtr chan;
    auto still_shows = [&](const Request& c) {
      if (Clock::now() >= until) return false;
      return replay_problem(s, client, chan, self, c) == r.sig.problem;
    };
    auto [best, used] = minimize(r.smallest.request, still_shows, 40);
    if (chan) chan->close();
    Finding m = r.smallest;
    m.request = best;
    s.registry.set_minimized(r.sig, std::move(m), used);
  }
}

void write_reproducers(Shared& s, const Options& o) {
  const auto dir = std::filesystem::path(o.out_dir) / "scenarios";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const Record& r : s.registry.records()) {
    if (r.expected) continue;
    const std::string name = r.sig.id() + ".json";
    std::ofstream(dir / name) << finding_scenario(r.minimized ? *r.minimized : r.smallest,
                                                  r.sig.id());
    s.registry.set_scenario_file(r.sig, "scenarios/" + name);
  }
}

}  // namespace

RunResult run_live_fuzz(const Options& o, const Connector& connect, Registry& registry,
                        std::FILE* out) {
  RunResult result;
  Shared s{o, connect, registry, out, Clock::now() + o.duration};
  s.name_salt =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  const auto t0 = Clock::now();
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < o.sessions; ++i) {
      threads.emplace_back([&s, i] { Session(s, i).run(); });
    }
    for (auto& t : threads) t.join();
  }
  if (s.unreachable) {
    std::fprintf(stderr, "fuzz: cannot connect to %s: %s\n", o.target.c_str(),
                 s.unreachable_reason.c_str());
    result.exit = 2;
    return result;
  }
  result.stats.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  if (s.target_state == "alive") minimize_findings(s, o);
  write_reproducers(s, o);
  Stats& st = result.stats;
  st.sessions = s.sessions;
  st.requests = s.requests;
  st.probes = s.probes;
  st.short_probes = s.short_probes;
  st.raw_packets = s.raws;
  st.disconnects = s.disconnects;
  st.replays = s.replays;
  st.target_state = s.target_state;
  std::error_code ec;
  const auto parent = std::filesystem::path(o.summary).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream(o.summary) << summary_json(registry, st, o);
  std::fprintf(out, "%s", summary_text(registry, st, o).c_str());
  std::fprintf(out, "summary: %s\n", o.summary.c_str());
  result.exit = exit_code(registry, st);
  return result;
}

}  // namespace unm::conformance::tool::livefuzz
