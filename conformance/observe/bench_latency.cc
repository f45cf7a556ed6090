// bench_latency.cc — `bench_observe_latency`: how much latency observe adds. Starts the
// reference server (unmanageable-server, a child process) and an in-process observe proxy in
// front of it, then times sequential request→ack round trips over WebSocket, directly and through
// the proxy, for a cheap request (`username_exists`) and one the judge verifies a signature for
// (`send_message` to a group DM). Prints p50 / p99 of both paths and the difference.
// usage: bench_observe_latency SERVER_EXE [ROUND_TRIPS (default 2000)]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "conformance/observe/proxy.h"
#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/tools/testing/server_process.h"
#include "reference/tools/testing/temp_dir.h"
#include "reference/transport/event_channel.h"

namespace {

using namespace std::chrono_literals;
using namespace unm;
using Micros = std::chrono::duration<double, std::micro>;

struct User {
  std::string name;
  crypto::PrivateKey ik;
  std::string pub, spk, sig;
};

User make_user(crypto::Random& rng, std::string name) {
  User u;
  u.name = std::move(name);
  u.ik = crypto::generate_private_key(rng);
  u.pub = to_hex(crypto::public_key(u.ik));
  const auto spk = crypto::public_key(crypto::generate_private_key(rng));
  u.spk = to_hex(spk);
  u.sig = to_hex(crypto::sign(u.ik, spk));
  return u;
}

std::string call(transport::EventChannel& ch, const std::string& ev, const std::string& payload) {
  auto r = ch.call(ev, "[" + payload + "]", 10s);
  if (!r) {
    std::fprintf(stderr, "%s failed: %s\n", ev.c_str(), r.error().detail.c_str());
    std::exit(1);
  }
  return *r;
}

void enter(transport::EventChannel& ch, const User& u) {
  call(ch, "register",
       R"({"username":")" + u.name + R"(","public_key":")" + u.pub + R"(","spk":")" + u.spk +
           R"(","sig":")" + u.sig + R"(","own_storage":""})");
  const std::string r = call(ch, "login", R"({"username":")" + u.name + R"("})");
  const auto at = r.find("\"result\":\"");
  const auto ch_key = crypto::parse_public_key(r.substr(at + 10, 64));
  const auto resp = crypto::challenge_response(u.ik, *ch_key);
  call(ch, "login_challenge_response", R"({"response":")" + to_hex(*resp) + R"("})");
}

struct Percentiles {
  double p50, p99;
};

Percentiles measure(transport::EventChannel& ch, int n, const std::function<std::string()>& next,
                    const std::string& ev) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const std::string payload = next();
    const auto t0 = std::chrono::steady_clock::now();
    call(ch, ev, payload);
    us.push_back(Micros(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_observe_latency SERVER_EXE [ROUND_TRIPS]\n");
    return 2;
  }
  const int n = argc > 2 ? std::max(10, std::atoi(argv[2])) : 2000;
  if (!crypto::init()) return 1;
  tools::testing::TempDir dir("observe-bench");
  tools::testing::ServerProcessOptions so;
  so.executable = argv[1];
  so.db = dir.path() / "chat.db";
  so.flags = {"--x3dh-delay-ms", "0", "--synchronous", "normal", "--log-level", "warn"};
  tools::testing::ServerProcess server(so);
  if (server.url().empty()) return 1;

  conformance::observe::Judge judge;
  conformance::observe::WireTap tap(judge);
  conformance::observe::ProxyOptions po;
  po.upstream_host = "127.0.0.1";
  po.upstream_port =
      static_cast<std::uint16_t>(std::stoi(server.url().substr(server.url().rfind(':') + 1)));
  conformance::observe::Proxy proxy(po, tap);
  const auto port = proxy.listen();
  if (!port) return 1;
  std::thread t([&] { proxy.run(0ms, false); });
  const std::string via = "http://127.0.0.1:" + std::to_string(*port);

  crypto::DeterministicRandom rng(1);
  transport::ChannelOptions o;
  o.websocket_only = true;
  std::printf("round trips: %d per row, WebSocket, sequential\n", n);
  std::printf("%-28s %10s %10s\n", "", "p50 (µs)", "p99 (µs)");
  int serial = 0;
  for (const std::string ev : {"username_exists", "send_message"}) {
    Percentiles direct{}, proxied{};
    for (const std::string& url : {server.url(), via}) {
      auto ch = transport::connect_channel(url, o);
      if (!ch) return 1;
      const std::string tag = std::to_string(++serial);
      const User a = make_user(rng, "a" + tag), b = make_user(rng, "b" + tag),
                 c = make_user(rng, "c" + tag);
      auto other = transport::connect_channel(url, o);
      if (!other) return 1;
      // c is only registered (never logged in): register before the connection logs in
      // (EV-AUTH-002 refuses it afterwards, and observe reports EV-AUTH-001).
      call(**other, "register",
           R"({"username":")" + c.name + R"(","public_key":")" + c.pub + R"(","spk":")" + c.spk +
               R"(","sig":")" + c.sig + R"(","own_storage":""})");
      enter(**other, b);
      enter(**ch, a);
      const auto k = [&] { return to_hex(crypto::public_key(crypto::generate_private_key(rng))); };
      const std::string dm =
          call(**ch, "create_dm",
               R"({"usernames":[")" + b.name + R"(",")" + c.name + R"("],"messages":[{"spk":")" +
                   b.spk + R"(","ek":")" + k() + R"("},{"spk":")" + c.spk + R"(","ek":")" + k() +
                   R"("}],"key_tree":[")" + k() + R"(",")" + k() + R"(",")" + k() + R"(",")" + k() +
                   R"(",")" + k() + R"(",")" + k() + R"("]})");
      const std::string id =
          dm.substr(dm.find("\"result\":") + 9,
                    dm.find('}', dm.find("\"result\":")) - dm.find("\"result\":") - 9);
      std::function<std::string()> next;
      if (ev == "username_exists") {
        next = [] { return std::string(R"({"username":"nobody"})"); };
      } else {
        next = [&] {
          std::vector<std::uint8_t> bytes(60);
          rng.fill(bytes);
          const std::string ct = to_hex(bytes);
          return R"({"id":)" + id + R"(,"message":")" + ct + R"(","signature":")" +
                 to_hex(crypto::sign(a.ik, bytes)) + R"(","schedule":0,"delete":0})";
        };
      }
      measure(**ch, n / 10, next, ev);  // warm-up
      const Percentiles p = measure(**ch, n, next, ev);
      (url == via ? proxied : direct) = p;
      (*ch)->close();
      (*other)->close();
    }
    std::printf("%-28s %10.1f %10.1f\n", (ev + " direct").c_str(), direct.p50, direct.p99);
    std::printf("%-28s %10.1f %10.1f\n", (ev + " through observe").c_str(), proxied.p50,
                proxied.p99);
    std::printf("%-28s %10.1f %10.1f\n", (ev + " added").c_str(), proxied.p50 - direct.p50,
                proxied.p99 - direct.p99);
  }
  proxy.stop();
  t.join();
  judge.finish(std::chrono::system_clock::now());
  std::printf("observe findings: %zu (requests judged %zu)\n", judge.findings().size(),
              judge.stats().requests);
  for (std::size_t i = 0; i < judge.findings().size() && i < 5; ++i) {
    const auto& f = judge.findings()[i];
    std::printf("  %s %s %s\n", f.clause.c_str(), f.session.c_str(), f.message.c_str());
  }
  return 0;
}
