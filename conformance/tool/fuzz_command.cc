// fuzz_command.cc — the live-server fuzzer's network loop (see fuzz_command_core.h for the
// requests, oracles and finding files). One session after another: register and log in a fresh
// user (and a peer for the friend and DM events), then a run of actions — a mutated event, a raw
// broken packet, an out-of-order login step, an abrupt disconnect — each followed by the alive
// probe. The server may close a connection after a broken packet (TR-SIO-003); it must never stop
// answering new connections, never leave a request without a well-formed ack, and never accept
// invalid input.
#include "conformance/tool/fuzz_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include <rapidjson/document.h>

#include "conformance/tool/fuzz_command_core.h"
#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/protocol/objects.h"
#include "reference/transport/event_channel.h"

namespace unm::conformance::tool {

namespace {

using namespace std::chrono_literals;
using livefuzz::Expect;
using livefuzz::Finding;
using livefuzz::Request;
using protocol::json_string;
using transport::EventChannel;

using Clock = std::chrono::steady_clock;
using ChannelPtr = std::unique_ptr<EventChannel>;

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

class LiveFuzzer {
 public:
  explicit LiveFuzzer(livefuzz::Options o) : o_(std::move(o)), rng_(o_.seed), keys_(o_.seed) {
    // Names must be fresh on a server that has seen earlier runs; choices still follow the seed.
    name_salt_ =
        static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  }

  int run() {
    std::error_code ec;
    std::filesystem::create_directories(o_.out_dir, ec);
    if (ec) {
      std::fprintf(stderr, "fuzz: cannot create %s: %s\n", o_.out_dir.c_str(),
                   ec.message().c_str());
      return 2;
    }
    deadline_ = Clock::now() + o_.duration;
    bool first = true;
    while (Clock::now() < deadline_) {
      const int r = session(first);
      if (r != 0) return r;
      first = false;
    }
    std::printf(
        "fuzz: %s: %zu sessions, %zu requests, %zu raw packets, %zu disconnects, "
        "%zu probes, %zu findings\n",
        o_.target.c_str(), sessions_, requests_, raws_, disconnects_, probes_, findings_);
    return findings_ == 0 ? 0 : 1;
  }

 private:
  Identity make_identity() {
    Identity id;
    std::uint8_t b[6];
    keys_.fill(b);
    id.name = "fz" + to_hex(std::span<const std::uint8_t>(b)) +
              std::to_string(name_salt_ % 100000) + std::to_string(counter_++);
    id.ik = crypto::generate_private_key(keys_);
    const auto spk = crypto::generate_private_key(keys_);
    id.pub = to_hex(crypto::public_key(id.ik));
    const auto spk_pub = crypto::public_key(spk);
    id.spk_pub = to_hex(spk_pub);
    id.sig = to_hex(crypto::sign(id.ik, spk_pub));
    return id;
  }

  std::optional<ChannelPtr> connect() {
    transport::ChannelOptions opts;
    opts.verify_tls = !o_.insecure;
    opts.connect_timeout = o_.call_timeout;
    auto ch = transport::connect_channel(o_.target, opts);
    if (!ch) {
      last_error_ =
          std::string(transport::channel_error_name(ch.error().code)) + ": " + ch.error().detail;
      return std::nullopt;
    }
    return std::move(*ch);
  }

  // call_ok sends a well-formed request that must succeed (setup steps).
  bool call_ok(EventChannel& ch, std::string_view event, const std::string& payload,
               std::string* result = nullptr) {
    auto r = ch.call(event, "[" + payload + "]", o_.call_timeout);
    if (!r) {
      last_error_ =
          std::string(event) + ": " + std::string(transport::channel_error_name(r.error().code));
      return false;
    }
    rapidjson::Document d;
    d.Parse(r->data(), r->size());
    if (d.HasParseError() || !d.IsArray() || d.Size() != 1 || !d[0].IsObject() ||
        !d[0].HasMember("success") || !d[0]["success"].IsBool() || !d[0]["success"].GetBool()) {
      last_error_ = std::string(event) + " refused: " + *r;
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
      last_error_ = "login: challenge is not 64 hex characters";
      return false;
    }
    auto resp = crypto::challenge_response(id.ik, c);
    if (!resp) {
      last_error_ = "login: challenge is not a valid point";
      return false;
    }
    return call_ok(ch, "login_challenge_response", R"({"response":")" + to_hex(*resp) + R"("})");
  }

  // logged_in_channel connects and logs `id` in, or records why not.
  std::optional<ChannelPtr> logged_in_channel(const Identity& id) {
    auto ch = connect();
    if (!ch) return std::nullopt;
    if (!login(**ch, id)) return std::nullopt;
    return ch;
  }

  void report(Finding f) {
    ++findings_;
    const std::string id =
        "fuzz-finding-" + std::to_string(o_.seed) + "-" + std::to_string(findings_);
    const std::string path = (std::filesystem::path(o_.out_dir) / (id + ".json")).string();
    std::ofstream out(path);
    out << livefuzz::finding_scenario(f, id);
    std::printf("fuzz: FINDING %s — %s\n", path.c_str(), f.what.c_str());
  }

  // alive checks the probe on `ch`, or on a new logged-in connection when `ch` is gone.
  bool alive(ChannelPtr& ch, const Identity& self, const Finding& context) {
    ++probes_;
    if (!ch || !ch->connected()) {
      auto again = logged_in_channel(self);
      if (!again) {
        Finding f = context;
        f.what = "server not answering after: " + context.what + " (" + last_error_ + ")";
        f.got = last_error_;
        report(std::move(f));
        return false;
      }
      ch = std::move(*again);
    }
    auto r = ch->call("username_exists", R"([{"username":)" + json_string(self.name) + "}]",
                      o_.call_timeout);
    if (!r || !livefuzz::is_probe_ok(*r)) {
      Finding f = context;
      f.what = "alive probe failed after: " + context.what;
      f.got = r ? *r : std::string(transport::channel_error_name(r.error().code));
      report(std::move(f));
      return false;
    }
    return true;
  }

  int session(bool first) {
    ++sessions_;
    const Identity self = make_identity();
    const Identity peer = make_identity();
    auto setup = connect();
    if (!setup) {
      std::fprintf(stderr, "fuzz: cannot connect to %s: %s\n", o_.target.c_str(),
                   last_error_.c_str());
      if (first) return 2;
      Finding f;
      f.what = "server stopped accepting connections";
      f.got = last_error_;
      report(std::move(f));
      return 1;
    }
    if (!register_user(**setup, self) || !register_user(**setup, peer)) {
      std::fprintf(stderr, "fuzz: registration failed: %s\n", last_error_.c_str());
      return first ? 2 : 1;
    }
    (*setup)->close();
    auto ch = logged_in_channel(self);
    if (!ch) {
      std::fprintf(stderr, "fuzz: login failed: %s\n", last_error_.c_str());
      return first ? 2 : 1;
    }
    ChannelPtr chan = std::move(*ch);
    const livefuzz::Context ctx{self.name, peer.name, peer.pub, std::string(128, '0')};
    bool after_disconnect = false;
    for (int step = 0; step < 40 && Clock::now() < deadline_; ++step) {
      Finding context;
      context.after_disconnect = after_disconnect;
      after_disconnect = false;
      const auto kind = rng_() % 20;
      if (kind < 14) {
        const Request req = livefuzz::mutate(ctx, rng_);
        ++requests_;
        context.request = req;
        context.what = req.event + " with " + req.mutation;
        auto r = chan->call(req.event, req.args_json, o_.call_timeout);
        if (!r) {
          Finding f = context;
          f.what = "no ack for " + req.event + " (" + req.mutation + ")";
          f.got = std::string(transport::channel_error_name(r.error().code));
          report(std::move(f));
          chan->close();  // the probe runs on a fresh connection
          chan.reset();
        } else if (auto v = livefuzz::judge_ack(req, *r); !v.problem.empty()) {
          Finding f = context;
          f.what = v.problem + " on " + req.event;
          f.got = *r;
          report(std::move(f));
        }
      } else if (kind < 16) {
        // A raw broken packet: the server may close this connection, nothing more.
        ++raws_;
        context.raw = kRawPackets[rng_() % std::size(kRawPackets)];
        context.what = "raw packet " + context.raw;
        (void)chan->send_raw(context.raw);
        std::this_thread::sleep_for(100ms);
        // After a broken (or a DISCONNECT "1") packet the session's state is the server's
        // choice and the client cannot always tell: probe on a fresh connection instead.
        chan->close();
        chan.reset();
      } else if (kind < 18) {
        // Out-of-order login steps while logged in: each must fail (EV-AUTH-009/011, EV-AUTH-003).
        Request req;
        req.expect = Expect::failure;
        switch (rng_() % 3) {
          case 0:
            req.event = "login_challenge_response";
            req.args_json = R"([{"response":")" + std::string(64, 'a') + R"("}])";
            req.mutation = "response without a challenge, logged in";
            break;
          case 1:
            req.event = "login";
            req.args_json = R"([{"username":)" + json_string(self.name) + "}]";
            req.mutation = "login while logged in";
            break;
          default:
            req.event = "register";
            req.args_json = R"([{"username":)" + json_string(self.name + "x") +
                            R"(,"public_key":")" + self.pub + R"(","spk":")" + self.spk_pub +
                            R"(","sig":")" + self.sig + R"(","own_storage":""}])";
            req.mutation = "register while logged in";
            break;
        }
        ++requests_;
        context.request = req;
        context.what = req.mutation;
        auto r = chan->call(req.event, req.args_json, o_.call_timeout);
        if (!r) {
          Finding f = context;
          f.what = "no ack for " + req.mutation;
          f.got = std::string(transport::channel_error_name(r.error().code));
          report(std::move(f));
          chan->close();
          chan.reset();
        } else if (auto v = livefuzz::judge_ack(req, *r); !v.problem.empty()) {
          Finding f = context;
          f.what = v.problem;
          f.got = *r;
          report(std::move(f));
        }
      } else {
        // Abrupt disconnect right after a request, before its ack (EV-AUTH-022).
        ++disconnects_;
        const Request req = livefuzz::mutate(ctx, rng_);
        (void)chan->emit(req.event, req.args_json);
        chan->close();
        chan.reset();
        context.what = "abrupt disconnect after " + req.event;
        after_disconnect = true;
      }
      if (!alive(chan, self, context)) {
        // A dead server ends the run; a failed probe on a live one is reported and we go on,
        // on a fresh connection so one broken session does not cascade into more findings.
        if (chan) chan->close();
        chan.reset();
        auto again = logged_in_channel(self);
        if (!again) return 1;
        chan = std::move(*again);
      }
    }
    return 0;
  }

  livefuzz::Options o_;
  std::mt19937_64 rng_;
  crypto::DeterministicRandom keys_;
  std::uint64_t name_salt_ = 0;
  std::uint64_t counter_ = 0;
  Clock::time_point deadline_;
  std::string last_error_;
  std::size_t sessions_ = 0, requests_ = 0, raws_ = 0, disconnects_ = 0, probes_ = 0, findings_ = 0;
};

}  // namespace

int fuzz_command(std::span<const std::string> args) {
  auto o = livefuzz::parse_options(args);
  if (!o) {
    std::fprintf(stderr, "fuzz: %s\n\n%s", o.error().c_str(), livefuzz::help_text().c_str());
    return 2;
  }
  if (o->help) {
    std::fputs(livefuzz::help_text().c_str(), stdout);
    return 0;
  }
  if (!crypto::init()) {
    std::fprintf(stderr, "fuzz: libsodium failed to initialise\n");
    return 2;
  }
  LiveFuzzer f(std::move(*o));
  return f.run();
}

}  // namespace unm::conformance::tool
