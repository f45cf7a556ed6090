// proxy_test.cc — observe's proxy in-process between our EventChannel client and the reference
// server executable, over loopback: a correct client through every transport mode (long-polling,
// WebSocket, polling→WebSocket upgrade) gives zero findings while every request is answered
// through the proxy; a faulty client (request before login, upper-case hex, an extra key, a
// signature by the wrong key, a reused IV, a key tree of the wrong length, an undefined event)
// is reported with each clause on the client side, and the reference server gets none; a faulty
// server (a small Socket.IO app that answers wrongly) is reported on the server side.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "conformance/observe/proxy.h"
#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/tools/testing/server_process.h"
#include "reference/tools/testing/temp_dir.h"
#include "reference/transport/event_channel.h"
#include "reference/transport/socketio_server.h"

namespace unm::conformance::observe {
namespace {

using namespace std::chrono_literals;
using tools::testing::ServerProcess;
using tools::testing::ServerProcessOptions;
using tools::testing::TempDir;
using transport::ChannelOptions;
using transport::EventChannel;

struct User {
  std::string name;
  crypto::PrivateKey ik;
  std::string pub, spk, sig;
};

class ObserveProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init().has_value());
    ASSERT_FALSE(dir_.path().empty());
    ServerProcessOptions o;
    o.executable = UNM_SERVER_EXE;
    o.db = dir_.path() / "chat.db";
    o.flags = {"--x3dh-delay-ms", "0"};
    server_ = std::make_unique<ServerProcess>(o);
    ASSERT_FALSE(server_->url().empty());
    const std::string url = server_->url();  // http://127.0.0.1:PORT
    ProxyOptions po;
    po.upstream_host = "127.0.0.1";
    po.upstream_port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
    proxy_ = std::make_unique<Proxy>(po, tap_);
    const auto port = proxy_->listen();
    ASSERT_TRUE(port.has_value()) << port.error();
    url_ = "http://127.0.0.1:" + std::to_string(*port);
    thread_ = std::thread([this] { proxy_->run(0ms, false); });
  }
  void TearDown() override { stop(); }

  // stop ends the observation (idempotent); the judge may be read afterwards.
  void stop() {
    if (!thread_.joinable()) return;
    proxy_->stop();
    thread_.join();
    judge_.finish(std::chrono::system_clock::now());
  }

  std::unique_ptr<EventChannel> connect(ChannelOptions o = {}) {
    auto ch = transport::connect_channel(url_, o);
    EXPECT_TRUE(ch.has_value()) << (ch ? "" : ch.error().detail);
    return ch ? std::move(*ch) : nullptr;
  }

  User make_user(const std::string& name) {
    User u;
    u.name = name + "-" + std::to_string(++serial_);
    u.ik = crypto::generate_private_key(rng_);
    u.pub = to_hex(crypto::public_key(u.ik));
    const auto spk = crypto::public_key(crypto::generate_private_key(rng_));
    u.spk = to_hex(spk);
    u.sig = to_hex(crypto::sign(u.ik, spk));
    return u;
  }
  std::string random_point() {
    return to_hex(crypto::public_key(crypto::generate_private_key(rng_)));
  }
  std::string random_hex(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    rng_.fill(b);
    return to_hex(b);
  }
  static std::string sign(const User& u, const std::string& hex) {
    return to_hex(crypto::sign(u.ik, *from_hex(hex)));
  }

  // call sends one request and returns the ack text (fails the test on a transport error).
  static std::string call(EventChannel& ch, const std::string& event, const std::string& payload) {
    auto r = ch.call(event, "[" + payload + "]", 10s);
    EXPECT_TRUE(r.has_value()) << event << ": " << (r ? "" : r.error().detail);
    return r ? *r : std::string();
  }
  static void ok(EventChannel& ch, const std::string& event, const std::string& payload) {
    const std::string r = call(ch, event, payload);
    EXPECT_NE(r.find("\"success\":true"), std::string::npos) << event << " → " << r;
  }

  void register_and_login(EventChannel& ch, const User& u) {
    ok(ch, "register",
       R"({"username":")" + u.name + R"(","public_key":")" + u.pub + R"(","spk":")" + u.spk +
           R"(","sig":")" + u.sig + R"(","own_storage":""})");
    const std::string r = call(ch, "login", R"({"username":")" + u.name + R"("})");
    const auto at = r.find("\"result\":\"");
    ASSERT_NE(at, std::string::npos) << r;
    const auto challenge = crypto::parse_public_key(r.substr(at + 10, 64));
    ASSERT_TRUE(challenge.has_value());
    const auto response = crypto::challenge_response(u.ik, *challenge);
    ASSERT_TRUE(response.has_value());
    ok(ch, "login_challenge_response", R"({"response":")" + to_hex(*response) + R"("})");
  }

  std::size_t count(Side side, std::string_view clause) const {
    const auto& f = judge_.findings();
    return std::count_if(f.begin(), f.end(), [&](const Finding& x) {
      return x.side == side && x.clause == clause && x.severity == Severity::fail;
    });
  }
  std::string dump() const {
    std::string s;
    for (const auto& f : judge_.findings()) {
      s += std::string(side_name(f.side)) + " " + f.clause + " " + f.message + "\n";
    }
    return s;
  }

  crypto::DeterministicRandom rng_{42};
  int serial_ = 0;
  TempDir dir_{"observe-proxy"};
  std::unique_ptr<ServerProcess> server_;
  Judge judge_;
  WireTap tap_{judge_};
  std::unique_ptr<Proxy> proxy_;
  std::thread thread_;
  std::string url_;
};

TEST_F(ObserveProxy, CorrectClientsOverEveryTransportGiveNoFinding) {
  ChannelOptions polling, websocket, upgrade;
  polling.polling_only = true;
  websocket.websocket_only = true;
  upgrade.polling_then_upgrade = true;
  std::size_t expected_requests = 0;
  for (const ChannelOptions& mode : {polling, websocket, upgrade}) {
    auto a = connect(mode);
    auto b = connect(mode);
    ASSERT_TRUE(a && b);
    const User alice = make_user("alice"), bob = make_user("bob");
    register_and_login(*a, alice);
    register_and_login(*b, bob);
    ok(*a, "send_friend_request", R"({"username":")" + bob.name + R"("})");
    ok(*b, "ack_friend_request", R"({"username":")" + alice.name + R"(","accept":true})");
    ok(*a, "get_user", R"({"username":")" + bob.name + R"("})");
    const std::string dm =
        call(*a, "create_dm",
             R"({"usernames":[")" + bob.name + R"("],"messages":[{"spk":")" + bob.spk +
                 R"(","ek":")" + random_point() + R"("}],"key_tree":[")" + random_point() +
                 R"(",")" + random_point() + R"("]})");
    const auto at = dm.find("\"result\":");
    ASSERT_NE(at, std::string::npos) << dm;
    const std::string id = dm.substr(at + 9, dm.find('}', at) - at - 9);
    for (int i = 0; i < 3; ++i) {
      const std::string ct = random_hex(40);
      ok(*a, "send_message",
         R"({"id":)" + id + R"(,"message":")" + ct + R"(","signature":")" + sign(alice, ct) +
             R"(","schedule":0,"delete":0})");
    }
    ok(*b, "get_message_history",
       R"({"id":)" + id + R"(,"cursor":"2999-01-01T00:00:00.000Z","count":10})");
    ok(*a, "get_full_user", "{}");
    ok(*b, "get_dm", R"({"id":)" + id + "}");
    expected_requests += 16;  // 6 to log in, 2 friends, get_user, create_dm, 3 sends, 3 reads
    std::this_thread::sleep_for(200ms);  // let the notifications pass
    a->close();
    b->close();
  }
  stop();
  EXPECT_TRUE(judge_.findings().empty()) << dump();
  EXPECT_EQ(judge_.stats().requests, expected_requests);
  EXPECT_EQ(judge_.stats().acks, expected_requests);
  EXPECT_GE(judge_.stats().notifications, 3u * (2 + 1 + 6));  // friend ×2, x3dh, messages ×2×3
  EXPECT_GE(judge_.stats().sessions, 6u);
  EXPECT_GT(judge_.stats().signatures_verified, 0u);
}

TEST_F(ObserveProxy, FaultyClientIsReportedClauseByClause) {
  auto a = connect();
  auto b = connect();
  auto c = connect();
  ASSERT_TRUE(a && b && c);
  const User alice = make_user("alice"), bob = make_user("bob"), carol = make_user("carol");
  // A request before login (EV-TRN-022).
  call(*a, "get_dms", "{}");
  // Upper-case hex in a key (EV-TRN-017), and an extra key (EV-TRN-011).
  std::string upper = alice.pub;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  call(*a, "register",
       R"({"username":")" + alice.name + R"(","public_key":")" + upper + R"(","spk":")" +
           alice.spk + R"(","sig":")" + alice.sig + R"(","own_storage":""})");
  call(*a, "username_exists", R"({"username":"x","extra":true})");
  // An event the document does not define (EV-TRN-021).
  call(*a, "get_everything", "{}");
  register_and_login(*a, alice);
  register_and_login(*b, bob);
  register_and_login(*c, carol);
  // A tree of the wrong length: 3 members need 2·4−2 = 6 nodes (CR-TREE-003).
  const std::string dm =
      call(*a, "create_dm",
           R"({"usernames":[")" + bob.name + R"(",")" + carol.name + R"("],"messages":[{"spk":")" +
               bob.spk + R"(","ek":")" + random_point() + R"("},{"spk":")" + carol.spk +
               R"(","ek":")" + random_point() + R"("}],"key_tree":[")" + random_point() + R"(",")" +
               random_point() + R"(",")" + random_point() + R"("]})");
  const auto at = dm.find("\"result\":");
  ASSERT_NE(at, std::string::npos) << dm;
  const std::string id = dm.substr(at + 9, dm.find('}', at) - at - 9);
  // A signature by the wrong key (CR-SIG-002): alice's message signed with bob's key.
  const std::string ct1 = random_hex(40);
  call(*a, "send_message",
       R"({"id":)" + id + R"(,"message":")" + ct1 + R"(","signature":")" + sign(bob, ct1) +
           R"(","schedule":0,"delete":0})");
  // A reused IV under the DM's key (CR-AEAD-003): two messages, one IV.
  const std::string iv = random_hex(12);
  for (int i = 0; i < 2; ++i) {
    const std::string ct = iv + random_hex(30);
    ok(*a, "send_message",
       R"({"id":)" + id + R"(,"message":")" + ct + R"(","signature":")" + sign(alice, ct) +
           R"(","schedule":0,"delete":0})");
  }
  std::this_thread::sleep_for(200ms);
  a->close();
  b->close();
  c->close();
  stop();
  for (const char* clause : {"EV-TRN-022", "EV-TRN-017", "EV-TRN-011", "EV-TRN-021", "CR-TREE-003",
                             "CR-SIG-002", "CR-AEAD-003"}) {
    EXPECT_EQ(count(Side::client, clause), 1u) << clause << "\n" << dump();
  }
  // The reference server refused what it must refuse and answered everything: no server fault.
  const auto& f = judge_.findings();
  EXPECT_EQ(
      std::count_if(f.begin(), f.end(), [](const Finding& x) { return x.side == Side::server; }), 0)
      << dump();
  // Findings name their session, time and frames.
  for (const auto& x : f) {
    EXPECT_FALSE(x.session.empty());
    EXPECT_FALSE(x.frames.empty());
  }
}

// FaultyServer answers as no server of this protocol may (each answer names its clause).
class FaultyServer : public transport::SocketIoApp {
 public:
  explicit FaultyServer(transport::SocketIoServer& s) : s_(s) {}
  transport::ConnectDecision on_connect(transport::ConnectionId, const std::string&,
                                        const rapidjson::Value&) override {
    return transport::ConnectDecision::allow();
  }
  void on_event(transport::ConnectionId c, const std::string& nsp, const std::string& event,
                rapidjson::Document, std::optional<std::uint64_t> ack_id,
                std::vector<std::string>) override {
    if (!ack_id) return;
    if (event == "username_exists") {
      s_.ack_json(c, nsp, *ack_id, R"([{"success":true}])");  // EV-TRN-005: no result
    } else if (event == "get_user") {
      // EV-TRN-025 (not logged in) and EV-OBJ-005 (own_storage), then EV-TRN-006 (empty reason).
      s_.emit_json(c, nsp, "profile_notification",
                   R"([{"username":"x","public_key":")" + std::string(64, 'a') +
                       R"(","spk":null,"sig":null,"status":"online","biography":"",)"
                       R"("profile_picture":"","own_storage":"secret"}])");
      s_.ack_json(c, nsp, *ack_id, R"([{"success":false,"result":""}])");
    } else if (event == "get_dms") {
      s_.ack_json(c, nsp, *ack_id, R"([{"success":true,"result":[]}])");  // before login
      s_.ack_json(c, nsp, *ack_id, R"([{"success":true,"result":[]}])");  // EV-TRN-005: twice
    } else {
      s_.ack_json(c, nsp, *ack_id, R"([{"success":false,"result":"Unknown event."}])");
    }
  }
  void on_disconnect(transport::ConnectionId, const std::string&, std::string_view) override {}

 private:
  transport::SocketIoServer& s_;
};

TEST(ObserveFaultyServer, IsReportedOnTheServerSide) {
  boost::asio::io_context ioc;
  transport::ServerOptions so;
  transport::SocketIoServer server(ioc, so);
  FaultyServer app(server);
  server.add_namespace("/", app);
  const auto sport = server.listen();
  ASSERT_TRUE(sport.has_value());
  std::thread server_thread([&] { ioc.run(); });

  Judge judge;
  WireTap tap(judge);
  ProxyOptions po;
  po.upstream_host = "127.0.0.1";
  po.upstream_port = *sport;
  Proxy proxy(po, tap);
  const auto pport = proxy.listen();
  ASSERT_TRUE(pport.has_value());
  std::thread proxy_thread([&] { proxy.run(0ms, false); });
  {
    auto ch = transport::connect_channel("http://127.0.0.1:" + std::to_string(*pport), {});
    ASSERT_TRUE(ch.has_value()) << ch.error().detail;
    for (const char* ev : {"username_exists", "get_user", "get_dms"}) {
      const std::string payload = std::string(ev) == "get_dms" ? "[{}]" : R"([{"username":"x"}])";
      EXPECT_TRUE((*ch)->call(ev, payload, 5s).has_value()) << ev;
    }
    std::this_thread::sleep_for(200ms);  // the second ACK of get_dms
    (*ch)->close();
  }
  proxy.stop();
  proxy_thread.join();
  boost::asio::post(server.executor(), [&] { server.shutdown(); });
  server_thread.join();
  judge.finish(std::chrono::system_clock::now());

  auto count = [&](std::string_view clause) {
    return std::count_if(judge.findings().begin(), judge.findings().end(), [&](const Finding& f) {
      return f.side == Side::server && f.clause == clause && f.severity == Severity::fail;
    });
  };
  std::string dump;
  for (const auto& f : judge.findings()) {
    dump += std::string(side_name(f.side)) + " " + f.clause + " " + f.message + "\n";
  }
  EXPECT_EQ(count("EV-TRN-005"), 2) << dump;  // no result; a second ACK
  EXPECT_EQ(count("EV-TRN-006"), 1) << dump;
  EXPECT_EQ(count("EV-TRN-025"), 1) << dump;
  EXPECT_EQ(count("EV-OBJ-005"), 1) << dump;
  EXPECT_EQ(count("EV-TRN-022"), 1) << dump;  // get_dms before login acked as a success
  // The client's only fault is the request before login.
  for (const auto& f : judge.findings()) {
    if (f.side == Side::client) {
      EXPECT_EQ(f.clause, "EV-TRN-022") << dump;
    }
  }
}

// TLS on both sides: an https client → observe (its own certificate) → an https reference
// server (verified with the CA file), over polling and the upgrade to wss.
TEST(ObserveTls, ForwardsAndJudgesHttpsOnBothSides) {
  ASSERT_TRUE(crypto::init().has_value());
  TempDir dir("observe-tls");
  const std::string cert = (dir.path() / "cert.pem").string();
  const std::string key = (dir.path() / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "the openssl command is not available";
  ServerProcessOptions o;
  o.executable = UNM_SERVER_EXE;
  o.db = dir.path() / "chat.db";
  o.flags = {"--tls-cert", cert, "--tls-key", key};
  ServerProcess server(o);
  ASSERT_FALSE(server.url().empty());
  Judge judge;
  WireTap tap(judge);
  ProxyOptions po;
  po.upstream_host = "127.0.0.1";
  po.upstream_port =
      static_cast<std::uint16_t>(std::stoi(server.url().substr(server.url().rfind(':') + 1)));
  po.upstream_tls = true;
  po.upstream_ca_file = cert;
  po.tls_cert_file = cert;
  po.tls_key_file = key;
  Proxy proxy(po, tap);
  const auto port = proxy.listen();
  ASSERT_TRUE(port.has_value()) << port.error();
  std::thread t([&] { proxy.run(0ms, false); });
  {
    ChannelOptions co;
    co.ca_file = cert;
    co.polling_then_upgrade = true;
    auto ch = transport::connect_channel("https://127.0.0.1:" + std::to_string(*port), co);
    ASSERT_TRUE(ch.has_value()) << ch.error().detail;
    EXPECT_EQ((*ch)->transport_name(), "websocket");
    for (int i = 0; i < 3; ++i) {
      auto r = (*ch)->call("username_exists", R"([{"username":"nobody"}])", 5s);
      ASSERT_TRUE(r.has_value()) << r.error().detail;
      EXPECT_NE(r->find("\"success\":true"), std::string::npos) << *r;
    }
    (*ch)->close();
  }
  proxy.stop();
  t.join();
  judge.finish(std::chrono::system_clock::now());
  EXPECT_TRUE(judge.findings().empty());
  EXPECT_EQ(judge.stats().requests, 3u);
  EXPECT_EQ(judge.stats().acks, 3u);
  // An untrusted upstream certificate is refused: without the CA file the client gets no session.
  ProxyOptions strict = po;
  strict.upstream_ca_file.clear();
  Judge j2;
  WireTap tap2(j2);
  Proxy p2(strict, tap2);
  const auto port2 = p2.listen();
  ASSERT_TRUE(port2.has_value());
  std::thread t2([&] { p2.run(0ms, false); });
  ChannelOptions co;
  co.ca_file = cert;
  co.connect_timeout = 3s;
  EXPECT_FALSE(
      transport::connect_channel("https://127.0.0.1:" + std::to_string(*port2), co).has_value());
  p2.stop();
  t2.join();
}

}  // namespace
}  // namespace unm::conformance::observe
