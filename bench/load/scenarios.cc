// scenarios.cc — the timed scenarios of the load tool (see scenarios.h).
#include "bench/load/scenarios.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>

#include "bench/load/schedule.h"
#include "reference/client/rpc.h"
#include "reference/client/session.h"
#include "reference/common/hex.h"
#include "reference/crypto/aead.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/transport/event_channel.h"

namespace unm::load {
namespace {

using Clock = std::chrono::steady_clock;
using client::Error;
using client::Identity;
using client::Payload;
using client::Rpc;
using client::Session;
using transport::EventChannel;

template <class T>
using Setup = Expected<T, std::string>;

std::chrono::milliseconds timeout_of(const Options& o) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000.0));
}

std::chrono::nanoseconds seconds_ns(double s) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

double seconds_of(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::int64_t ns_of(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// CpuMeter measures how many cores this process (the client) kept busy during a phase: on a
// machine shared with the server, a client near its share of the cores limits the figures.
class CpuMeter {
 public:
  CpuMeter() : wall_(Clock::now()), cpu_(process_cpu_seconds()) {}
  // cores is process CPU seconds per wall second since construction.
  double cores() const {
    const double wall = seconds_of(Clock::now() - wall_);
    return wall > 0 ? (process_cpu_seconds() - cpu_) / wall : 0;
  }

 private:
  static double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto secs = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return secs(u.ru_utime) + secs(u.ru_stime);
  }
  Clock::time_point wall_;
  double cpu_;
};

// reason_of names a failed request for the error tally: the server's refusal text as is, or
// the client error class ("timeout", "transport", "protocol").
std::string reason_of(const Error& e) {
  if (e.code == client::ErrorCode::refused) return e.detail;
  return std::string(client::error_code_name(e.code));
}

transport::ChannelOptions channel_options(const Options& o) {
  transport::ChannelOptions co;
  co.verify_tls = !o.insecure;
  co.connect_timeout = std::chrono::milliseconds(10'000);
  return co;
}

// open_channel opens a bare channel; with `io`, on that shared I/O thread instead of its own.
Setup<std::unique_ptr<EventChannel>> open_channel(
    const Options& o, std::shared_ptr<transport::SharedIoThread> io = nullptr) {
  auto opts = channel_options(o);
  opts.io_thread = std::move(io);
  auto ch = transport::connect_channel(o.target, opts);
  if (!ch)
    return Unexpected{"connect: " + std::string(transport::channel_error_name(ch.error().code)) +
                      " " + ch.error().detail};
  return std::move(*ch);
}

Setup<std::unique_ptr<Session>> open_session(const Options& o) {
  client::ConnectOptions co;
  co.verify_tls = !o.insecure;
  co.session.call_timeout = timeout_of(o);
  auto s = Session::connect(o.target, crypto::system_random(), co);
  if (!s) return Unexpected{"connect: " + client::describe(s.error())};
  return std::move(*s);
}

// Member is a registered user logged in on its own connection.
struct Member {
  Identity id;
  std::unique_ptr<Session> session;
};

Setup<Member> new_member(const Options& o, const std::string& name) {
  auto s = open_session(o);
  if (!s) return Unexpected{s.error()};
  auto id = (*s)->register_account(name);
  if (!id) return Unexpected{"register " + name + ": " + client::describe(id.error())};
  if (auto r = (*s)->login(*id); !r)
    return Unexpected{"login " + name + ": " + client::describe(r.error())};
  return Member{std::move(*id), std::move(*s)};
}

// run_parallel runs fn(0 … n-1) on n threads and waits for all of them.
void run_parallel(int n, const std::function<void(int)>& fn) {
  std::vector<std::jthread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) threads.emplace_back([&fn, i] { fn(i); });
}

// close_all closes every member's connection (in parallel: a graceful close waits for the
// server). Once closed, no handler runs any more, so state the handlers use may go away.
void close_all(std::vector<Member>& ms) {
  const int n = static_cast<int>(ms.size());
  const int k = std::min(n, 8);
  run_parallel(k, [&](int w) {
    for (int i = w; i < n; i += k) ms[static_cast<std::size_t>(i)].session->channel().close();
  });
}

// new_members makes `count` logged-in members named prefix + index, `parallel` at a time.
Setup<std::vector<Member>> new_members(const Options& o, const std::string& prefix, int count,
                                       int parallel) {
  std::vector<std::optional<Member>> made(static_cast<std::size_t>(count));
  std::mutex mu;
  std::string first_error;
  std::atomic<int> next{0};
  run_parallel(std::min(parallel, count), [&](int) {
    for (int i = next++; i < count; i = next++) {
      auto m = new_member(o, prefix + std::to_string(i));
      std::lock_guard lock(mu);
      if (!m) {
        if (first_error.empty()) first_error = m.error();
        return;
      }
      made[static_cast<std::size_t>(i)] = std::move(*m);
    }
  });
  if (!first_error.empty()) return Unexpected{first_error};
  std::vector<Member> out;
  for (auto& m : made) out.push_back(std::move(*m));
  return out;
}

// register_only registers `count` users (never logged in), `parallel` connections at a time.
Setup<std::vector<Identity>> register_only(const Options& o, const std::string& prefix, int count,
                                           int parallel) {
  std::vector<std::optional<Identity>> made(static_cast<std::size_t>(count));
  std::mutex mu;
  std::string first_error;
  std::atomic<int> next{0};
  run_parallel(std::min(parallel, count), [&](int) {
    auto s = open_session(o);
    if (!s) {
      std::lock_guard lock(mu);
      if (first_error.empty()) first_error = s.error();
      return;
    }
    for (int i = next++; i < count; i = next++) {
      const std::string name = prefix + std::to_string(i);
      auto id = (*s)->register_account(name);
      std::lock_guard lock(mu);
      if (!id) {
        if (first_error.empty()) first_error = "register " + name + ": " + describe(id.error());
        return;
      }
      made[static_cast<std::size_t>(i)] = std::move(*id);
    }
  });
  if (!first_error.empty()) return Unexpected{first_error};
  std::vector<Identity> out;
  for (auto& m : made) out.push_back(std::move(*m));
  return out;
}

// build_pool encrypts (CR-AEAD-001) and signs (CR-SIG-002) `count` distinct 32-byte messages for
// DM `dm_id` as `m`, ready-made send_message payloads: the server still verifies every signature
// (EV-MSG-004), but the client's crypto stays out of the timed phase.
Setup<std::vector<std::string>> build_pool(const Member& m, std::int64_t dm_id, int count) {
  const crypto::SharedKey* key = m.session->keys().dm_key(dm_id);
  if (key == nullptr) return Unexpected{"no key for DM " + std::to_string(dm_id)};
  std::vector<std::string> pool;
  pool.reserve(static_cast<std::size_t>(count));
  for (int k = 0; k < count; ++k) {
    char text[33];
    std::snprintf(text, sizeof text, "load message %019d", k);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text);
    auto ct = crypto::aead_encrypt_hex(*key, std::span<const std::uint8_t>(bytes, 32),
                                       crypto::system_random());
    if (!ct) return Unexpected{std::string("encrypt failed")};
    auto ct_bytes = from_hex(*ct);
    if (!ct_bytes) return Unexpected{std::string("encrypt produced bad hex")};
    const crypto::Signature sig = crypto::sign(m.id.private_key, *ct_bytes);
    pool.push_back(Payload()
                       .num("id", dm_id)
                       .str("message", *ct)
                       .str("signature", to_hex(std::span<const std::uint8_t>(sig)))
                       .num("schedule", 0)
                       .num("delete", 0)
                       .text());
  }
  return pool;
}

// Progress prints a line every two seconds for long timed phases (≥ 10 s), from its own thread.
class Progress {
 public:
  Progress(const Options& o, std::string name, const std::atomic<std::uint64_t>& done,
           const char* unit)
      : name_(std::move(name)), done_(done), unit_(unit) {
    if (o.quiet || o.duration_s < 10) return;
    thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
  }

 private:
  void loop(const std::stop_token& stop) {
    const auto start = Clock::now();
    std::uint64_t last = 0;
    std::mutex mu;
    std::condition_variable_any cv;
    while (true) {
      std::unique_lock lock(mu);
      if (cv.wait_for(lock, stop, std::chrono::seconds(2), [] { return false; }) ||
          stop.stop_requested())
        return;
      const std::uint64_t now = done_.load();
      std::fprintf(stderr, "[%s] %6.1f s  %llu %s  (%.0f/s over the last 2 s)\n", name_.c_str(),
                   seconds_of(Clock::now() - start), static_cast<unsigned long long>(now), unit_,
                   static_cast<double>(now - last) / 2.0);
      last = now;
    }
  }

  std::string name_;
  const std::atomic<std::uint64_t>& done_;
  const char* unit_;
  std::jthread thread_;  // last: stopped and joined before the members it reads go away
};

// Pending counts asynchronous work still running (request chains, requests in flight), done on
// channel I/O threads, and lets the scenario's thread wait until none is left.
class Pending {
 public:
  explicit Pending(std::uint64_t n = 0) : n_(n) {}
  void add() {
    std::lock_guard lock(mu_);
    ++n_;
  }
  void done() {
    std::lock_guard lock(mu_);
    if (--n_ == 0) none_left_.notify_all();
  }
  // wait_until waits until none is left or `deadline` passes; returns how many are left.
  std::uint64_t wait_until(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    none_left_.wait_until(lock, deadline, [this] { return n_ == 0; });
    return n_;
  }

 private:
  std::mutex mu_;
  std::condition_variable none_left_;
  std::uint64_t n_;
};

// WorkerResult is one sending thread's record of the timed phase.
struct WorkerResult {
  std::vector<std::int64_t> latency_ns;
  // login only: the two requests of a login, timed apart.
  std::vector<std::int64_t> first_ns;
  std::vector<std::int64_t> second_ns;
  ErrorTally errors;
  std::uint64_t ok = 0;
  Clock::time_point last_end{};
};

// Merged is the union of the workers' records.
struct Merged {
  std::vector<std::int64_t> latency_ns;
  std::vector<std::int64_t> first_ns;
  std::vector<std::int64_t> second_ns;
  ErrorTally errors;
  std::uint64_t ok = 0;
  Clock::time_point last_end{};
};

Merged merge(std::vector<WorkerResult>& results) {
  Merged m;
  for (auto& r : results) {
    m.latency_ns.insert(m.latency_ns.end(), r.latency_ns.begin(), r.latency_ns.end());
    m.first_ns.insert(m.first_ns.end(), r.first_ns.begin(), r.first_ns.end());
    m.second_ns.insert(m.second_ns.end(), r.second_ns.begin(), r.second_ns.end());
    m.errors.merge(r.errors);
    m.ok += r.ok;
    m.last_end = std::max(m.last_end, r.last_end);
  }
  return m;
}

// settle records a scenario's request outcome: its successes and errors by reason, and a failure
// named `none_ok` when not a single request succeeded (unless an earlier failure is recorded).
void settle(ScenarioReport& rep, const Merged& m, const char* none_ok) {
  rep.ok_requests = m.ok;
  rep.errors = m.errors;
  if (m.ok == 0 && rep.ok) {
    rep.ok = false;
    rep.failure = none_ok;
  }
}

// count_events installs a handler on `ch` that counts the events named `event` and drops
// everything else (a Session's own queue would otherwise grow without bound).
void count_events(EventChannel& ch, const char* event, std::atomic<std::uint64_t>& counter) {
  ch.set_event_handler([&counter, event](const std::string& name, const std::string&) {
    if (name == event) counter.fetch_add(1, std::memory_order_relaxed);
  });
}

// count_notifications counts message_notification events.
void count_notifications(EventChannel& ch, std::atomic<std::uint64_t>& counter) {
  count_events(ch, "message_notification", counter);
}

// message_ciphertext returns the "message" member of a message_notification's argument array.
std::optional<std::string> message_ciphertext(const std::string& args) {
  auto doc = client::parse_json(args);
  if (!doc || !doc->IsArray() || doc->Empty() || !(*doc)[0].IsObject()) return std::nullopt;
  const auto& obj = (*doc)[0];
  const auto it = obj.FindMember("message");
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

void add_common_params(ScenarioReport& r, const Options& o) {
  r.params.emplace_back("duration_s", o.duration_s);
  r.params.emplace_back("warmup_s", o.warmup_s);
  r.params.emplace_back("timeout_s", o.timeout_s);
}

// SendEnv is the set-up state of a sending scenario: logged-in senders, one DM and one pool of
// pre-computed payloads per sender.
struct SendEnv {
  std::vector<Member> senders;
  std::vector<std::int64_t> dms;
  std::vector<std::vector<std::string>> pools;
};

// setup_send makes `o.connections` senders, each in its own DM of `members` members; the other
// members are shared between the DMs and stay offline. 2-member DMs need friendship (EV-DM-005);
// group DMs do not (EV-DM-006).
Setup<SendEnv> setup_send(const Options& o, const std::string& prefix, int members,
                          ScenarioReport& rep) {
  SendEnv env;
  auto senders = new_members(o, prefix + "s", o.connections, 4);
  if (!senders) return Unexpected{senders.error()};
  env.senders = std::move(*senders);
  if (members == 2) {
    auto partner = new_member(o, prefix + "p");
    if (!partner) return Unexpected{partner.error()};
    for (auto& s : env.senders) {
      if (auto r = s.session->send_friend_request(partner->id.username); !r)
        return Unexpected{"send_friend_request: " + describe(r.error())};
      if (auto r = partner->session->ack_friend_request(s.id.username, true); !r)
        return Unexpected{"ack_friend_request: " + describe(r.error())};
      auto dm = s.session->create_dm({partner->id.username});
      if (!dm) return Unexpected{"create_dm: " + describe(dm.error())};
      env.dms.push_back(*dm);
    }
    // The partner's connection closes here: its notifications are not part of this scenario.
  } else {
    auto others = register_only(o, prefix + "m", members - 1, 4);
    if (!others) return Unexpected{others.error()};
    std::vector<std::string> names;
    for (const auto& id : *others) names.push_back(id.username);
    for (auto& s : env.senders) {
      auto dm = s.session->create_dm(names);
      if (!dm) return Unexpected{"create_dm: " + describe(dm.error())};
      env.dms.push_back(*dm);
    }
  }
  for (std::size_t i = 0; i < env.senders.size(); ++i) {
    auto pool = build_pool(env.senders[i], env.dms[i], o.pool);
    if (!pool) return Unexpected{pool.error()};
    env.pools.push_back(std::move(*pool));
  }
  rep.notes.push_back(
      "setup (untimed): registration, friendship, create_dm with X3DH and the key tree, and " +
      std::to_string(o.pool) +
      " AES-256-GCM ciphertexts of 32-byte texts signed with Ed25519 per sender, reused "
      "cyclically; the server verifies every signature");
  return env;
}

}  // namespace

std::optional<std::string> probe(const Options& o) {
  auto ch = open_channel(o);
  if (!ch) return ch.error();
  (*ch)->close();
  return std::nullopt;
}

// ---------------------------------------------------------------- login

namespace {

// Closer closes channels on its own threads, so that a login worker hands its logged-in
// connection over and goes on with the next login at once. Without it the round's users would
// all stay online until the round ends, and every login would notify all of them
// (profile_notification to every logged-in connection, EV-USR-013): a cost that grows with the
// round size, not a property of logging in.
class Closer {
 public:
  explicit Closer(int threads) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this](const std::stop_token& stop) { loop(stop); });
  }
  ~Closer() {
    drain();
    for (auto& t : threads_) t.request_stop();
    cv_.notify_all();
  }
  void close(std::unique_ptr<EventChannel> ch) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(ch));
    }
    cv_.notify_one();
  }
  // drain waits until every channel handed over so far is closed.
  void drain() {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
  }

 private:
  void loop(const std::stop_token& stop) {
    while (true) {
      std::unique_ptr<EventChannel> ch;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, stop, [this] { return !queue_.empty(); });
        if (queue_.empty()) return;  // stop requested
        ch = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      ch.reset();  // graceful close: waits for the server's close
      std::lock_guard lock(mu_);
      --busy_;
      if (queue_.empty() && busy_ == 0) idle_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::condition_variable_any idle_;
  std::deque<std::unique_ptr<EventChannel>> queue_;
  int busy_ = 0;
  std::vector<std::jthread> threads_;  // last: joined before the members above go away
};

}  // namespace

ScenarioReport run_login(const Options& o, const std::string& prefix) {
  ScenarioReport rep;
  rep.name = "login";
  add_common_params(rep, o);
  rep.params.emplace_back("users", o.users);
  rep.params.emplace_back("connections", o.connections);
  const auto setup_start = Clock::now();
  auto ids = register_only(o, prefix + "u", o.users, std::max(o.connections, 4));
  if (!ids) {
    rep.ok = false;
    rep.failure = "setup: " + ids.error();
    return rep;
  }
  double connect_s = 0;
  double timed_s = 0;
  double client_cpu_s = 0;
  std::atomic<std::uint64_t> profile_notified{0};
  int rounds = 0;
  std::vector<WorkerResult> results(static_cast<std::size_t>(o.connections));
  std::atomic<std::uint64_t> done{0};
  Progress progress(o, "login", done, "logins");
  const auto timeout = timeout_of(o);
  // Every login connection runs on one shared I/O thread: with a thread per channel, the wake-ups
  // of a round's hundreds of threads (each login notifies every logged-in connection,
  // EV-USR-013) took about a core of the client (profile, session 3).
  const auto io = transport::make_shared_io_thread();
  // Rounds: open one connection per user (untimed), log every user in (timed), close them all
  // (untimed); repeat until the timed total reaches --duration.
  while (timed_s < o.duration_s || rounds == 0) {
    const auto c0 = Clock::now();
    std::vector<std::unique_ptr<EventChannel>> chans(ids->size());
    std::atomic<std::size_t> next{0};
    std::mutex mu;
    std::string first_error;
    run_parallel(std::max(o.connections, 4), [&](int) {
      for (std::size_t i = next++; i < chans.size(); i = next++) {
        auto ch = open_channel(o, io);
        if (!ch) {
          std::lock_guard lock(mu);
          if (first_error.empty()) first_error = ch.error();
          return;
        }
        chans[i] = std::move(*ch);
      }
    });
    connect_s += seconds_of(Clock::now() - c0);
    if (!first_error.empty()) {
      rep.ok = false;
      rep.failure = "opening login connections: " + first_error;
      return rep;
    }
    for (auto& ch : chans) count_events(*ch, "profile_notification", profile_notified);
    next = 0;
    Closer closer(2);
    const auto t0 = Clock::now();
    const CpuMeter cpu;
    run_parallel(o.connections, [&](int w) {
      WorkerResult& res = results[static_cast<std::size_t>(w)];
      for (std::size_t i = next++; i < chans.size(); i = next++) {
        const Identity& id = (*ids)[i];
        Rpc rpc(*chans[i], timeout);
        const auto start = Clock::now();
        auto challenge = rpc.call("login", Payload().str("username", id.username).text());
        if (!challenge) {
          res.errors.add("login: " + reason_of(challenge.error()));
          continue;
        }
        if (!challenge->IsString()) {
          res.errors.add("login: challenge is not a string");
          continue;
        }
        auto point = crypto::parse_public_key(
            std::string_view(challenge->GetString(), challenge->GetStringLength()));
        if (!point) {
          res.errors.add("login: challenge is not a valid point");
          continue;
        }
        // CR-CHAL-002: the response is the challenge point multiplied by our private scalar.
        auto response = crypto::challenge_response(id.private_key, *point);
        if (!response) {
          res.errors.add("login: challenge response failed");
          continue;
        }
        const auto second = Clock::now();
        auto ok = rpc.call_true("login_challenge_response",
                                Payload()
                                    .str("response", to_hex(std::span<const std::uint8_t>(
                                                         response->data(), response->size())))
                                    .text());
        const auto end = Clock::now();
        closer.close(std::move(chans[i]));
        if (!ok) {
          res.errors.add("login_challenge_response: " + reason_of(ok.error()));
          continue;
        }
        res.ok++;
        res.latency_ns.push_back(ns_of(end - start));
        res.first_ns.push_back(ns_of(second - start));
        res.second_ns.push_back(ns_of(end - second));
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
    const double span = seconds_of(Clock::now() - t0);
    client_cpu_s += cpu.cores() * span;
    timed_s += span;
    const auto c1 = Clock::now();
    closer.drain();
    ++rounds;
    std::uint64_t ok_so_far = 0;
    for (const auto& r : results) ok_so_far += r.ok;
    run_parallel(std::max(o.connections, 4), [&](int w) {
      for (std::size_t i = static_cast<std::size_t>(w); i < chans.size();
           i += static_cast<std::size_t>(std::max(o.connections, 4)))
        chans[i].reset();
    });
    connect_s += seconds_of(Clock::now() - c1);
    // A server that refuses every login would otherwise keep us opening connections for ever
    // (the timed part of such rounds is tiny): one round shows it.
    if (ok_so_far == 0) break;
  }
  Merged m = merge(results);
  rep.metrics.emplace_back("logins", static_cast<double>(m.ok));
  rep.metrics.emplace_back("seconds", timed_s);
  rep.metrics.emplace_back("rate_per_s", timed_s > 0 ? static_cast<double>(m.ok) / timed_s : 0);
  rep.metrics.emplace_back("rounds", rounds);
  rep.metrics.emplace_back("profile_notifications_received",
                           static_cast<double>(profile_notified.load()));
  rep.metrics.emplace_back("client_cpu_cores", timed_s > 0 ? client_cpu_s / timed_s : 0);
  rep.metrics.emplace_back("connect_and_close_seconds_untimed", connect_s);
  rep.metrics.emplace_back("setup_seconds", seconds_of(Clock::now() - setup_start) - timed_s);
  rep.latencies.emplace_back("login", summarize(std::move(m.latency_ns)));
  rep.latencies.emplace_back("login_event", summarize(std::move(m.first_ns)));
  rep.latencies.emplace_back("challenge_response_event", summarize(std::move(m.second_ns)));
  rep.notes.push_back(
      "a login is login + login_challenge_response (CR-CHAL) on a fresh connection opened "
      "before the clock starts, handed to a closer thread as soon as it is logged in (so few "
      "users are online at a time; closing is server work inside the timed span); latency from the "
      "login request to the response's ack; the "
      "challenge response (one X25519 multiplication) is computed inside the timed span");
  settle(rep, m, "no login succeeded");
  return rep;
}

// ---------------------------------------------------------------- send2 / send32

ScenarioReport run_send(const Options& o, const std::string& prefix, int members) {
  ScenarioReport rep;
  rep.name = members == 2 ? "send2" : "send32";
  add_common_params(rep, o);
  rep.params.emplace_back("members", members);
  rep.params.emplace_back("connections", o.connections);
  rep.params.emplace_back("in_flight", o.in_flight);
  std::atomic<std::uint64_t> notified{0};  // before env: its handlers count here until closed
  const auto setup_start = Clock::now();
  auto env = setup_send(o, prefix, members, rep);
  if (!env) {
    rep.ok = false;
    rep.failure = "setup: " + env.error();
    return rep;
  }
  const double setup_s = seconds_of(Clock::now() - setup_start);
  for (auto& s : env->senders) count_notifications(s.session->channel(), notified);

  const int S = o.connections;
  const int W = o.in_flight;
  const auto timeout = timeout_of(o);
  // One record per connection: its requests are answered on its channel's I/O thread, one
  // completion at a time, so each record has a single writer.
  std::vector<WorkerResult> results(static_cast<std::size_t>(S));
  std::vector<Rpc> rpcs;
  for (auto& sender : env->senders) rpcs.emplace_back(sender.session->channel(), timeout);
  std::atomic<std::uint64_t> acked{0};
  Pending chains(static_cast<std::uint64_t>(S * W));  // request chains still running
  // send_next (below) outlives every chain: a chain's completion may run until close_all.
  std::function<void(int, std::size_t)> send_next;
  const CpuMeter cpu;
  const auto measure_start = Clock::now() + seconds_ns(o.warmup_s);
  const auto deadline = measure_start + seconds_ns(o.duration_s);
  {
    Progress progress(o, rep.name, acked, "acked");
    // Closed loop without a thread per request: each of the S × W chains sends its next message
    // from the completion of the previous one (Rpc::call_true_async), on the connection's I/O
    // thread, until the deadline. The load generator's own CPU then stays small and mostly
    // spent in the protocol, not in waking threads.
    send_next = [&](int c, std::size_t k) {
      const auto start = Clock::now();
      if (start >= deadline) return chains.done();
      const auto& pool = env->pools[static_cast<std::size_t>(c)];
      rpcs[static_cast<std::size_t>(c)].call_true_async(
          "send_message", pool[k % pool.size()], [&, c, k, start](client::Result<void> r) {
            const auto end = Clock::now();
            WorkerResult& res = results[static_cast<std::size_t>(c)];
            const bool timed = start >= measure_start;
            if (timed) res.last_end = end;
            if (!r) {
              // A broken connection ends this chain, and counts even during the warm-up.
              const bool broken = r.error().code == client::ErrorCode::transport;
              if (timed || broken) res.errors.add(reason_of(r.error()));
              if (broken) return chains.done();
            } else if (timed) {
              res.ok++;
              res.latency_ns.push_back(ns_of(end - start));
              acked.fetch_add(1, std::memory_order_relaxed);
            }
            send_next(c, k + static_cast<std::size_t>(W));
          });
    };
    for (int w = 0; w < W; ++w)
      for (int c = 0; c < S; ++c) send_next(c, static_cast<std::size_t>(w));
    // Every chain ends at most one timeout after the deadline (an unanswered request fails
    // then); the slack only guards against a channel that stopped calling back at all.
    if (const auto left = chains.wait_until(deadline + timeout + std::chrono::seconds(5))) {
      rep.ok = false;
      rep.failure = std::to_string(left) + " request chains did not end";
    }
  }
  const double client_cores = cpu.cores();
  close_all(env->senders);  // fails whatever is still outstanding, so no chain outlives `results`
  chains.wait_until(Clock::now() + std::chrono::seconds(5));
  Merged m = merge(results);
  const double seconds = m.last_end > measure_start ? seconds_of(m.last_end - measure_start) : 0;
  rep.metrics.emplace_back("acked", static_cast<double>(m.ok));
  rep.metrics.emplace_back("seconds", seconds);
  rep.metrics.emplace_back("rate_per_s", seconds > 0 ? static_cast<double>(m.ok) / seconds : 0);
  rep.metrics.emplace_back("notifications_received", static_cast<double>(notified.load()));
  rep.metrics.emplace_back("client_cpu_cores", client_cores);
  rep.metrics.emplace_back("setup_seconds", setup_s);
  rep.latencies.emplace_back("ack", summarize(std::move(m.latency_ns)));
  rep.notes.push_back(
      "closed loop: each of connections × in_flight request chains sends its next "
      "message as soon as the previous one is acknowledged (from the acknowledgement's "
      "completion on the connection's I/O thread, no thread per request); latency from the "
      "request to its ack; each sender is the only online member of its DM, so "
      "it also receives its own message_notification (EV-MSG-005)");
  settle(rep, m, "no message was acknowledged");
  return rep;
}

// ---------------------------------------------------------------- fanout

namespace {

// Delivery tracks one fan-out message: when it was sent and acked, how many recipients still
// wait for it, and when the last one got it (steady-clock nanoseconds).
struct Delivery {
  std::atomic<std::int64_t> sent_ns{0};
  std::atomic<std::int64_t> acked_ns{0};
  std::atomic<int> remaining{0};
  std::atomic<std::int64_t> last_receipt_ns{0};
  std::atomic<bool> timed{false};
};

std::int64_t now_ns() {
  return ns_of(Clock::now().time_since_epoch());
}

}  // namespace

ScenarioReport run_fanout(const Options& o, const std::string& prefix) {
  constexpr int kMembers = 32;
  ScenarioReport rep;
  rep.name = "fanout";
  add_common_params(rep, o);
  rep.params.emplace_back("members", kMembers);
  rep.params.emplace_back("connections", 1);
  rep.params.emplace_back("in_flight", o.in_flight);
  const auto setup_start = Clock::now();
  auto members = new_members(o, prefix + "f", kMembers, 4);
  if (!members) {
    rep.ok = false;
    rep.failure = "setup: " + members.error();
    return rep;
  }
  Member& sender = (*members)[0];
  std::vector<std::string> names;
  for (int i = 1; i < kMembers; ++i)
    names.push_back((*members)[static_cast<std::size_t>(i)].id.username);
  auto dm = sender.session->create_dm(names);
  if (!dm) {
    rep.ok = false;
    rep.failure = "setup: create_dm: " + describe(dm.error());
    return rep;
  }
  // Every message must be told apart on receipt: no reuse, so the pool bounds the phase.
  auto pool = build_pool(sender, *dm, o.pool);
  if (!pool) {
    rep.ok = false;
    rep.failure = "setup: " + pool.error();
    return rep;
  }
  std::unordered_map<std::string, std::size_t> index;  // ciphertext → pool slot; read-only below
  for (std::size_t i = 0; i < pool->size(); ++i) {
    auto ct = message_ciphertext("[" + (*pool)[i] + "]");
    if (ct) index.emplace(std::move(*ct), i);
  }
  std::vector<Delivery> deliveries(pool->size());
  for (auto& d : deliveries) d.remaining = kMembers - 1;
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> unmatched{0};
  for (int i = 1; i < kMembers; ++i) {
    (*members)[static_cast<std::size_t>(i)].session->channel().set_event_handler(
        [&](const std::string& name, const std::string& args) {
          if (name != "message_notification") return;
          const std::int64_t t = now_ns();
          auto ct = message_ciphertext(args);
          const auto it = ct ? index.find(*ct) : index.end();
          if (it == index.end()) {
            unmatched.fetch_add(1, std::memory_order_relaxed);
            return;
          }
          Delivery& d = deliveries[it->second];
          received.fetch_add(1, std::memory_order_relaxed);
          std::int64_t prev = d.last_receipt_ns.load();
          while (prev < t && !d.last_receipt_ns.compare_exchange_weak(prev, t)) {
          }
          d.remaining.fetch_sub(1);
        });
  }
  std::atomic<std::uint64_t> sender_notified{0};
  count_notifications(sender.session->channel(), sender_notified);
  const double setup_s = seconds_of(Clock::now() - setup_start);

  const int W = o.in_flight;
  const auto timeout = timeout_of(o);
  std::vector<WorkerResult> results(static_cast<std::size_t>(W));
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> acked{0};
  bool pool_exhausted = false;
  const CpuMeter cpu;
  const auto measure_start = Clock::now() + seconds_ns(o.warmup_s);
  const auto deadline = measure_start + seconds_ns(o.duration_s);
  {
    Progress progress(o, "fanout", received, "notifications");
    run_parallel(W, [&](int t) {
      WorkerResult& res = results[static_cast<std::size_t>(t)];
      Rpc rpc(sender.session->channel(), timeout);
      while (true) {
        const auto start = Clock::now();
        if (start >= deadline) break;
        const std::size_t i = next++;
        if (i >= pool->size()) break;
        Delivery& d = deliveries[i];
        const bool timed = start >= measure_start;
        d.timed = timed;
        d.sent_ns = ns_of(start.time_since_epoch());
        auto r = rpc.call_true("send_message", (*pool)[i]);
        const auto end = Clock::now();
        d.acked_ns = ns_of(end.time_since_epoch());
        if (timed) res.last_end = end;
        if (!r) {
          d.timed = false;
          if (timed) res.errors.add(reason_of(r.error()));
          if (r.error().code == client::ErrorCode::transport) break;
          continue;
        }
        if (!timed) continue;
        res.ok++;
        res.latency_ns.push_back(ns_of(end - start));
        acked.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  pool_exhausted = next.load() >= pool->size();
  const std::size_t sent = std::min(next.load(), pool->size());
  // Give the last notifications a bounded time to arrive.
  const auto grace_end = Clock::now() + std::chrono::seconds(5);
  auto all_delivered = [&] {
    for (std::size_t i = 0; i < sent; ++i)
      if (deliveries[i].acked_ns.load() != 0 && deliveries[i].timed && deliveries[i].remaining > 0)
        return false;
    return true;
  };
  while (!all_delivered() && Clock::now() < grace_end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Stop the receivers before reading the records they write (and before those go away).
  const double client_cores = cpu.cores();
  close_all(*members);

  Merged m = merge(results);
  std::vector<std::int64_t> from_ack;
  std::vector<std::int64_t> from_send;
  std::uint64_t timed_notifications = 0;
  std::int64_t last_receipt = 0;
  for (std::size_t i = 0; i < sent; ++i) {
    const Delivery& d = deliveries[i];
    if (!d.timed) continue;
    const int got = (kMembers - 1) - d.remaining.load();
    timed_notifications += static_cast<std::uint64_t>(std::max(got, 0));
    if (d.remaining.load() > 0) {
      m.errors.add("notification not delivered to every member within 5 s");
      continue;
    }
    const std::int64_t lr = d.last_receipt_ns.load();
    last_receipt = std::max(last_receipt, lr);
    from_ack.push_back(std::max<std::int64_t>(0, lr - d.acked_ns.load()));
    from_send.push_back(lr - d.sent_ns.load());
  }
  const std::int64_t start_ns = ns_of(measure_start.time_since_epoch());
  const double seconds =
      last_receipt > start_ns ? static_cast<double>(last_receipt - start_ns) / 1e9 : 0;
  rep.metrics.emplace_back("acked", static_cast<double>(m.ok));
  rep.metrics.emplace_back("notifications", static_cast<double>(timed_notifications));
  rep.metrics.emplace_back("seconds", seconds);
  rep.metrics.emplace_back("rate_per_s",
                           seconds > 0 ? static_cast<double>(timed_notifications) / seconds : 0);
  rep.metrics.emplace_back("messages_per_s",
                           seconds > 0 ? static_cast<double>(from_ack.size()) / seconds : 0);
  rep.metrics.emplace_back("unmatched_notifications", static_cast<double>(unmatched.load()));
  rep.metrics.emplace_back("pool_exhausted", pool_exhausted ? 1 : 0);
  rep.metrics.emplace_back("client_cpu_cores", client_cores);
  rep.metrics.emplace_back("setup_seconds", setup_s);
  rep.latencies.emplace_back("delivery_from_ack", summarize(std::move(from_ack)));
  rep.latencies.emplace_back("delivery_from_send", summarize(from_send));
  rep.latencies.emplace_back("ack", summarize(std::move(m.latency_ns)));
  rep.notes.push_back(
      "one 32-member DM, every member connected; one sender with in_flight "
      "requests in flight; delivery latency = last of the 31 other members' "
      "message_notification minus the send's ack (0 when the notifications came "
      "first) and minus the send itself; rate_per_s counts notifications");
  rep.notes.push_back("messages are pre-computed and never reused (" + std::to_string(o.pool) +
                      "): the timed phase ends early when they run out (pool_exhausted = 1)");
  settle(rep, m, "no message was acknowledged");
  return rep;
}

// ---------------------------------------------------------------- latency

ScenarioReport run_latency(const Options& o, const std::string& prefix, double rate) {
  ScenarioReport rep;
  rep.name = "latency";
  add_common_params(rep, o);
  rep.params.emplace_back("members", 2);
  rep.params.emplace_back("connections", o.connections);
  rep.params.emplace_back("offered_rate_per_s", rate);
  std::atomic<std::uint64_t> notified{0};  // before env: its handlers count here until closed
  const auto setup_start = Clock::now();
  auto env = setup_send(o, prefix, 2, rep);
  if (!env) {
    rep.ok = false;
    rep.failure = "setup: " + env.error();
    return rep;
  }
  const double setup_s = seconds_of(Clock::now() - setup_start);
  for (auto& s : env->senders) count_notifications(s.session->channel(), notified);

  const int S = o.connections;
  const auto timeout = timeout_of(o);
  std::vector<Rpc> rpcs;
  for (auto& sender : env->senders) rpcs.emplace_back(sender.session->channel(), timeout);
  const CpuMeter cpu;
  const RateSchedule sched(Clock::now() + std::chrono::milliseconds(20), rate);
  const auto measure_start = sched.start() + seconds_ns(o.warmup_s);
  const auto deadline = measure_start + seconds_ns(o.duration_s);
  const std::uint64_t total = sched.count_before(deadline - sched.start());
  // One record per connection, written by its channel's I/O thread only.
  std::vector<WorkerResult> results(static_cast<std::size_t>(S));
  std::uint64_t late_total = 0;
  std::atomic<std::uint64_t> acked{0};
  Pending in_flight;  // requests sent and not yet completed
  {
    Progress progress(o, "latency", acked, "acked");
    // One scheduling thread sends request i at its due time without waiting for anything
    // (Rpc::call_true_async); its completion, on the connection's I/O thread, records the
    // latency from the due time. A slow server therefore cannot slow the schedule down.
    for (std::uint64_t i = 0; i < total; ++i) {
      const auto due = sched.due(i);
      std::this_thread::sleep_until(due);
      const std::size_t c = static_cast<std::size_t>(i % static_cast<std::uint64_t>(S));
      const auto& pool = env->pools[c];
      const auto start = Clock::now();
      const bool timed = due >= measure_start;
      // A start more than 1 ms after the due time means the scheduling thread fell behind.
      if (timed && start - due > std::chrono::milliseconds(1)) late_total++;
      in_flight.add();
      rpcs[c].call_true_async("send_message",
                              pool[(i / static_cast<std::uint64_t>(S)) % pool.size()],
                              [&, c, due, timed](client::Result<void> r) {
                                const auto end = Clock::now();
                                if (timed) {
                                  WorkerResult& res = results[c];
                                  res.last_end = end;
                                  if (!r) {
                                    res.errors.add(reason_of(r.error()));
                                  } else {
                                    res.ok++;
                                    res.latency_ns.push_back(ns_of(end - due));
                                    acked.fetch_add(1, std::memory_order_relaxed);
                                  }
                                }
                                in_flight.done();
                              });
    }
    // Every request completes within its timeout; the slack guards against a silent channel.
    if (const auto left = in_flight.wait_until(Clock::now() + timeout + std::chrono::seconds(5))) {
      rep.ok = false;
      rep.failure = std::to_string(left) + " requests never completed";
    }
  }
  const double client_cores = cpu.cores();
  close_all(env->senders);  // fails whatever is still outstanding, before `results` goes away
  in_flight.wait_until(Clock::now() + std::chrono::seconds(5));
  Merged m = merge(results);
  const double seconds = seconds_of(deadline - measure_start);
  rep.metrics.emplace_back("offered_rate_per_s", rate);
  rep.metrics.emplace_back(
      "scheduled", static_cast<double>(total - sched.count_before(measure_start - sched.start())));
  rep.metrics.emplace_back("acked", static_cast<double>(m.ok));
  rep.metrics.emplace_back("seconds", seconds);
  rep.metrics.emplace_back("rate_per_s", seconds > 0 ? static_cast<double>(m.ok) / seconds : 0);
  rep.metrics.emplace_back("late_starts", static_cast<double>(late_total));
  rep.metrics.emplace_back("client_cpu_cores", client_cores);
  rep.metrics.emplace_back("setup_seconds", setup_s);
  rep.latencies.emplace_back("ack", summarize(std::move(m.latency_ns)));
  rep.notes.push_back(
      "open loop: request i is due at start + i/rate on a fixed schedule and sent then, "
      "round-robin over the connections, without waiting for earlier answers; latency from "
      "the due time to the ack, so server stalls are not hidden (late_starts counts requests "
      "that the scheduling thread sent > 1 ms late)");
  settle(rep, m, "no message was acknowledged");
  return rep;
}

}  // namespace unm::load
