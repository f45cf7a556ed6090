// fuzz_live_test.cc — the live fuzzer's loop against a scripted fake server (no network, a
// few seconds each): findings deduplicated by signature with the missing ack found by the short
// probe (not by waiting out the call timeout), parallel sessions, minimised reproducers that
// load as scenarios, expectations files, and a crash or hang of the target told apart from a
// protocol deviation.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

#include "conformance/src/expectations.h"
#include "conformance/src/json.h"
#include "conformance/src/scenario.h"
#include "conformance/tool/fuzz_live.h"
#include "reference/crypto/keys.h"

namespace lf = unm::conformance::tool::livefuzz;
using unm::transport::ChannelError;
using unm::transport::ChannelFailure;
using unm::transport::EventChannel;

namespace {

using namespace std::chrono_literals;

// Fault is what the fake does with one request: answer normally, not ack it, ack it with
// success, or go down (crash: refuse connections; hang: answer nothing).
enum class Fault { none, no_ack, accept, crash, hang };

// FakeTarget is a scripted server: it registers and logs users in (any challenge response is
// accepted), answers username_exists with true and refuses everything else — except what
// `fault` says.
struct FakeTarget {
  std::function<Fault(const std::string& event, const std::string& args)> fault;
  std::mutex mu;
  bool crashed = false;
  bool hung = false;
  std::size_t connects = 0;
};

class FakeChannel final : public EventChannel {
 public:
  explicit FakeChannel(std::shared_ptr<FakeTarget> t) : t_(std::move(t)) {}
  ~FakeChannel() override { close(); }

  unm::Expected<std::string, ChannelFailure> call(std::string_view event, std::string_view args,
                                                  std::chrono::milliseconds timeout) override {
    auto a = answer(std::string(event), std::string(args));
    if (a) return *a;
    std::this_thread::sleep_for(timeout);
    if (!connected()) return unm::Unexpected{ChannelFailure{ChannelError::disconnected, "gone"}};
    return unm::Unexpected{ChannelFailure{ChannelError::timeout, "timeout"}};
  }
  void call_async(std::string_view event, std::string_view args, std::chrono::milliseconds,
                  unm::transport::CallCompletion done) override {
    auto a = answer(std::string(event), std::string(args));
    if (a) {
      done(*a);
      return;
    }
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(done));  // completed (disconnected) on close
  }
  unm::Expected<void, ChannelFailure> emit(std::string_view event, std::string_view args) override {
    (void)answer(std::string(event), std::string(args));
    return {};
  }
  unm::Expected<void, ChannelFailure> send_raw(std::string_view) override {
    closed_ = true;  // the fake closes the connection on every raw packet (TR-SIO-003)
    return {};
  }
  void set_event_handler(unm::transport::EventHandler) override {}
  void set_disconnect_handler(unm::transport::DisconnectHandler) override {}
  void set_frame_observer(unm::transport::FrameObserver) override {}
  bool connected() const override {
    std::lock_guard lock(t_->mu);
    return !closed_ && !t_->crashed;
  }
  std::string transport_name() const override { return "fake"; }
  void close() override {
    std::vector<unm::transport::CallCompletion> p;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      p.swap(pending_);
    }
    for (auto& d : p) d(unm::Unexpected{ChannelFailure{ChannelError::disconnected, "closed"}});
  }

 private:
  std::optional<std::string> answer(const std::string& event, const std::string& args) {
    std::lock_guard lock(t_->mu);
    if (closed_ || t_->crashed || t_->hung) return std::nullopt;
    const Fault f = t_->fault ? t_->fault(event, args) : Fault::none;
    switch (f) {
      case Fault::no_ack:
        return std::nullopt;
      case Fault::accept:
        return R"([{"success":true,"result":{}}])";
      case Fault::crash:
        t_->crashed = true;
        return std::nullopt;
      case Fault::hang:
        t_->hung = true;
        return std::nullopt;
      case Fault::none:
        break;
    }
    // Login steps out of order fail (EV-AUTH-003/009/011), as they must.
    const std::string refused = R"([{"success":false,"result":"Refused."}])";
    if (event == "register") return logged_in_ ? refused : R"([{"success":true,"result":true}])";
    if (event == "login_challenge_response") {
      if (logged_in_ || !challenged_) return refused;
      logged_in_ = true;
      return R"([{"success":true,"result":true}])";
    }
    if (event == "login") {
      if (logged_in_) return refused;
      challenged_ = true;
      // A valid point (the Ed25519 base point), so the client can answer the challenge.
      return R"([{"success":true,"result":"5866666666666666666666666666666666666666666666666666666666666666"}])";
    }
    if (event == "username_exists") return R"([{"success":true,"result":true}])";
    return R"([{"success":false,"result":"Refused."}])";
  }

  std::shared_ptr<FakeTarget> t_;
  mutable std::mutex mu_;
  bool closed_ = false;
  bool challenged_ = false, logged_in_ = false;  // guarded by the target's mutex
  std::vector<unm::transport::CallCompletion> pending_;
};

unm::conformance::Connector connector_for(std::shared_ptr<FakeTarget> t) {
  return [t](std::string_view, const unm::transport::ChannelOptions&)
             -> unm::Expected<std::unique_ptr<EventChannel>, ChannelFailure> {
    {
      std::lock_guard lock(t->mu);
      ++t->connects;
      if (t->crashed)
        return unm::Unexpected{ChannelFailure{ChannelError::connect_failed, "refused"}};
    }
    return std::unique_ptr<EventChannel>(std::make_unique<FakeChannel>(t));
  };
}

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("unm_livefuzz_" + std::to_string(::getpid()) + "_" +
                                std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

lf::Options options(const TempDir& dir) {
  lf::Options o;
  o.target = "fake://";
  o.duration = 2s;
  o.seed = 7;
  o.out_dir = dir.path.string();
  o.summary = (dir.path / "summary.json").string();
  o.call_timeout = 5000ms;
  o.probe_after = 30ms;
  o.sessions = 2;
  o.minimize_budget = 3s;
  return o;
}

// Quiet is where the loop's console output goes in tests.
struct Quiet {
  std::FILE* f = std::fopen("/dev/null", "w");
  ~Quiet() { std::fclose(f); }
};

// The events the fake never acknowledges in the first test.
const std::set<std::string> kSilent{"unblock", "get_dm", "get_pinned", "ping_typing"};

TEST(LiveFuzzLoop, MissingAcksFoundByProbeDeduplicatedAndMinimised) {
  ASSERT_TRUE(unm::crypto::init().has_value());
  auto target = std::make_shared<FakeTarget>();
  target->fault = [](const std::string& event, const std::string&) {
    return kSilent.count(event) != 0 ? Fault::no_ack : Fault::none;
  };
  TempDir dir;
  const lf::Options o = options(dir);
  lf::Registry reg;
  const auto res = lf::run_live_fuzz(o, connector_for(target), reg, Quiet().f);
  EXPECT_EQ(res.exit, 1);
  EXPECT_EQ(res.stats.target_state, "alive");
  const auto recs = reg.records();
  ASSERT_FALSE(recs.empty());
  std::size_t occurrences = 0;
  bool shrunk = false;
  for (const auto& r : recs) {
    EXPECT_EQ(kSilent.count(r.sig.event), 1u) << r.sig.id();
    EXPECT_EQ(r.sig.problem, "no-ack") << r.sig.id();
    EXPECT_EQ(r.severity, lf::Severity::deviation);
    occurrences += r.count;
    // One reproducer per signature, minimised, loading as a scenario.
    ASSERT_FALSE(r.scenario_file.empty());
    std::ifstream in(dir.path / r.scenario_file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto s = unm::conformance::parse_scenarios(text, r.scenario_file);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    EXPECT_EQ((*s)[0].id, r.sig.id());
    if (r.minimized) {
      EXPECT_LE(lf::reproducer_size(*r.minimized), lf::reproducer_size(r.smallest));
      shrunk = shrunk || lf::reproducer_size(*r.minimized) < lf::reproducer_size(r.smallest);
    }
  }
  EXPECT_TRUE(shrunk) << "no finding was minimised";
  EXPECT_GT(occurrences, recs.size());  // deduplicated: several occurrences per signature
  // Each missing ack cost a 30 ms probe, not the 5 s call timeout: in 2 s with 2 sessions,
  // waiting out timeouts would allow at most 2 of them.
  EXPECT_GT(occurrences, 4u);
  EXPECT_GE(res.stats.short_probes, occurrences);
  // The JSON summary: findings per signature, coverage, requests/s.
  std::ifstream in(o.summary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto d = unm::conformance::parse_json(text);
  ASSERT_TRUE(d.has_value()) << d.error();
  EXPECT_EQ((*d)["findings"].Size(), recs.size());
  EXPECT_GT((*d)["requests_per_s"].GetDouble(), 0.0);
  EXPECT_GE((*d)["coverage"]["events"].GetUint64(), 10u);
  EXPECT_EQ(unm::conformance::json_string_or((*d)["findings"][0], "problem", ""), "no-ack");
}

TEST(LiveFuzzLoop, ExpectationsMarkKnownFindings) {
  ASSERT_TRUE(unm::crypto::init().has_value());
  auto target = std::make_shared<FakeTarget>();
  target->fault = [](const std::string& event, const std::string&) {
    return event == "unblock" ? Fault::no_ack : Fault::none;
  };
  auto e = unm::conformance::parse_expectations(
      R"({"implementation":"fake","cases":{"fuzz.unblock.*":{"outcome":"fail","reason":"known: unblock is not acked"}}})");
  ASSERT_TRUE(e.has_value()) << e.error();
  TempDir dir;
  lf::Options o = options(dir);
  o.duration = 1s;
  lf::Registry reg(std::move(*e));
  const auto res = lf::run_live_fuzz(o, connector_for(target), reg, Quiet().f);
  EXPECT_EQ(res.exit, 0);
  const auto recs = reg.records();
  ASSERT_FALSE(recs.empty());
  for (const auto& r : recs) {
    EXPECT_TRUE(r.expected) << r.sig.id();
    EXPECT_EQ(r.expected_reason, "known: unblock is not acked");
    EXPECT_TRUE(r.scenario_file.empty());  // only new findings get reproducers
  }
}

TEST(LiveFuzzLoop, AcceptedInvalidInputIsADeviationWithAReproducer) {
  ASSERT_TRUE(unm::crypto::init().has_value());
  auto target = std::make_shared<FakeTarget>();
  target->fault = [](const std::string& event, const std::string&) {
    return event == "block_user" ? Fault::accept : Fault::none;
  };
  TempDir dir;
  lf::Options o = options(dir);
  o.sessions = 1;
  lf::Registry reg;
  const auto res = lf::run_live_fuzz(o, connector_for(target), reg, Quiet().f);
  EXPECT_EQ(res.exit, 1);
  bool found = false;
  for (const auto& r : reg.records()) {
    EXPECT_EQ(r.sig.event, "block_user");
    EXPECT_EQ(r.sig.problem, "accepted-invalid");
    found = true;
    const auto& f = r.minimized ? *r.minimized : r.smallest;
    // The key the mutation is about survives minimisation (a dropped key stays dropped).
    const std::string key = "\"" + f.request.mutated_key + "\"";
    if (f.request.mutation_class == "drop-key") {
      EXPECT_EQ(f.request.args_json.find(key), std::string::npos) << f.request.args_json;
    } else if (!f.request.mutated_key.empty()) {
      EXPECT_NE(f.request.args_json.find(key), std::string::npos)
          << r.sig.id() << " " << f.request.args_json;
    }
  }
  EXPECT_TRUE(found);
}

TEST(LiveFuzzLoop, CrashIsToldApartFromADeviation) {
  ASSERT_TRUE(unm::crypto::init().has_value());
  auto target = std::make_shared<FakeTarget>();
  target->fault = [](const std::string& event, const std::string&) {
    return event == "get_pinned" ? Fault::crash : Fault::none;
  };
  TempDir dir;
  lf::Options o = options(dir);
  o.duration = 5s;
  o.call_timeout = 300ms;
  o.sessions = 1;
  lf::Registry reg;
  const auto res = lf::run_live_fuzz(o, connector_for(target), reg, Quiet().f);
  EXPECT_EQ(res.exit, 3);
  EXPECT_EQ(res.stats.target_state, "crashed");
  std::size_t crash = 0;
  for (const auto& r : reg.records()) {
    if (r.severity != lf::Severity::crash) continue;
    ++crash;
    EXPECT_EQ(r.sig.event, "get_pinned");
    EXPECT_EQ(r.sig.problem, "target-crashed");
  }
  EXPECT_EQ(crash, 1u);
}

TEST(LiveFuzzLoop, HangIsToldApartFromACrash) {
  ASSERT_TRUE(unm::crypto::init().has_value());
  auto target = std::make_shared<FakeTarget>();
  target->fault = [](const std::string& event, const std::string&) {
    return event == "get_pinned" ? Fault::hang : Fault::none;
  };
  TempDir dir;
  lf::Options o = options(dir);
  o.duration = 5s;
  o.call_timeout = 300ms;
  lf::Registry reg;
  const auto res = lf::run_live_fuzz(o, connector_for(target), reg, Quiet().f);
  EXPECT_EQ(res.exit, 3);
  EXPECT_EQ(res.stats.target_state, "hung");
  bool hang = false;
  for (const auto& r : reg.records()) hang = hang || r.severity == lf::Severity::hang;
  EXPECT_TRUE(hang);
}

TEST(LiveFuzzLoop, UnreachableTargetIsAConnectionError) {
  ASSERT_TRUE(unm::crypto::init().has_value());
  auto target = std::make_shared<FakeTarget>();
  target->crashed = true;
  TempDir dir;
  lf::Registry reg;
  EXPECT_EQ(lf::run_live_fuzz(options(dir), connector_for(target), reg, Quiet().f).exit, 2);
}

}  // namespace
