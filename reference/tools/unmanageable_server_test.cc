// unmanageable_server_test.cc — the `unmanageable-server` executable over loopback, through the
// C++ EventChannel client: a full flow, and durability — a `kill -9` during a load of
// acknowledged messages, then a restart on the same database: every acknowledged message is
// there, and the pending timers (a scheduled message, a self-destruct, a pending X3DH object)
// still fire (events.md EV-TRN-010, EV-MSG-012, EV-DM-013).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"
#include "reference/tools/testing/server_process.h"
#include "reference/transport/event_channel.h"

namespace {

using namespace std::chrono_literals;
using unm::tools::testing::ServerProcess;
using unm::tools::testing::ServerProcessOptions;
using unm::transport::EventChannel;

// server_options runs the executable on `db` with no X3DH grace period and warnings only; a
// server still running at the end of its scope is killed (-9).
ServerProcessOptions server_options(const std::string& db) {
  ServerProcessOptions o;
  o.executable = UNM_SERVER_EXE;
  o.db = db;
  o.flags = {"--x3dh-delay-ms", "0", "--log-level", "warn"};
  return o;
}

struct User {
  std::string name;
  unm::crypto::PrivateKey ik;
  std::string pub, spk, sig;
};

User make_user(std::string name, unm::crypto::Random& rng) {
  User u;
  u.name = std::move(name);
  u.ik = unm::crypto::generate_private_key(rng);
  u.pub = unm::to_hex(unm::crypto::public_key(u.ik));
  const auto spk = unm::crypto::public_key(unm::crypto::generate_private_key(rng));
  u.spk = unm::to_hex(spk);
  u.sig = unm::to_hex(unm::crypto::sign(u.ik, spk));
  return u;
}

std::string sign(const User& u, const std::string& hex) {
  auto bytes = unm::from_hex(hex);
  return unm::to_hex(unm::crypto::sign(u.ik, *bytes));
}

// Client is one connection with a notification log.
class Client {
 public:
  explicit Client(const std::string& url) {
    unm::transport::ChannelOptions o;
    o.websocket_only = true;
    auto ch = unm::transport::connect_channel(url, o);
    if (!ch) {
      ADD_FAILURE() << "connect: " << ch.error().detail;
      return;
    }
    ch_ = std::move(*ch);
    ch_->set_event_handler([this](std::string name, std::string args) {
      std::lock_guard lock(mu_);
      events_.emplace_back(std::move(name), std::move(args));
      cv_.notify_all();
    });
  }
  bool ok() const { return ch_ != nullptr; }
  EventChannel& channel() { return *ch_; }
  // call_raw sends `args_json_array` as the argument list and returns the ACK's array text.
  std::string call_raw(std::string_view event, const std::string& args_json_array) {
    auto r = ch_->call(event, args_json_array, 10s);
    return r ? *r : std::string("<no ack: ") + r.error().detail + ">";
  }
  // call returns the result object's DOM (success, result); an empty object on transport errors.
  rapidjson::Document call(std::string_view event, const std::string& payload) {
    rapidjson::Document d;
    d.SetObject();
    if (!ch_) return d;
    auto r = ch_->call(event, "[" + payload + "]", 10s);
    if (!r) return d;
    rapidjson::Document arr;
    arr.Parse(r->c_str());
    if (arr.IsArray() && arr.Size() == 1 && arr[0].IsObject()) d.CopyFrom(arr[0], d.GetAllocator());
    return d;
  }
  bool ok_call(std::string_view event, const std::string& payload) {
    auto d = call(event, payload);
    return d.HasMember("success") && d["success"].IsBool() && d["success"].GetBool();
  }
  // wait_for waits up to `timeout` for a notification `name` whose payload contains `needle`.
  bool wait_for(const std::string& name, const std::string& needle, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& [n, a] : events_) {
        if (n == name && a.find(needle) != std::string::npos) return true;
      }
      return false;
    });
  }
  void register_and_login(const User& u) {
    ASSERT_TRUE(ok_call("register", R"({"username":")" + u.name + R"(","public_key":")" + u.pub +
                                        R"(","spk":")" + u.spk + R"(","sig":")" + u.sig +
                                        R"(","own_storage":""})"));
    login(u);
  }
  void login(const User& u) {
    auto ch = call("login", R"({"username":")" + u.name + "\"}");
    ASSERT_TRUE(ch.HasMember("result") && ch["result"].IsString());
    unm::crypto::PublicKey k{};
    ASSERT_TRUE(unm::from_hex_into(ch["result"].GetString(), k));
    auto resp = unm::crypto::challenge_response(u.ik, k);
    ASSERT_TRUE(resp);
    ASSERT_TRUE(
        ok_call("login_challenge_response", R"({"response":")" + unm::to_hex(*resp) + "\"}"));
  }

 private:
  std::unique_ptr<EventChannel> ch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> events_;
};

std::string temp_dir() {
  const auto dir =
      std::filesystem::temp_directory_path() / ("unm_server_exe_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(UnmanageableServer, KillNineDuringLoadLosesNoAcknowledgedMessageAndTimersResume) {
  ASSERT_TRUE(unm::crypto::init());
  unm::crypto::DeterministicRandom rng(7);
  const std::string dir = temp_dir();
  const std::string db = dir + "/chat.db";
  const User alice = make_user("alice", rng);
  const User bob = make_user("bob", rng);
  const User carol = make_user("carol", rng);
  std::set<std::string> acked;
  std::string dm;
  {
    ServerProcess server(server_options(db));
    ASSERT_FALSE(server.url().empty()) << "server did not start";
    Client a(server.url());
    Client b(server.url());
    Client c(server.url());
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    a.register_and_login(alice);
    b.register_and_login(bob);
    ASSERT_TRUE(c.ok_call("register", R"({"username":"carol","public_key":")" + carol.pub +
                                          R"(","spk":")" + carol.spk + R"(","sig":")" + carol.sig +
                                          R"(","own_storage":""})"));
    auto key = [&] {
      return unm::to_hex(unm::crypto::public_key(unm::crypto::generate_private_key(rng)));
    };
    // A group DM with bob (online) and carol (never logged in: her X3DH object is pending).
    auto created =
        a.call("create_dm", R"({"usernames":["bob","carol"],"messages":[{"spk":")" + bob.spk +
                                R"(","ek":")" + key() + R"("},{"spk":")" + carol.spk +
                                R"(","ek":")" + key() + R"("}],"key_tree":[")" + key() + R"("]})");
    ASSERT_TRUE(created["success"].GetBool());
    dm = std::to_string(created["result"].GetInt64());
    ASSERT_TRUE(b.wait_for("x3dh_notification", "\"id\":" + dm, 10s));
    // Pending timers: a scheduled message (+3 s) and a self-destructing one (+2 s).
    ASSERT_TRUE(a.ok_call("send_message", R"({"id":)" + dm + R"(,"message":"5c5c","signature":")" +
                                              sign(alice, "5c5c") +
                                              R"(","schedule":3,"delete":0})"));
    ASSERT_TRUE(
        a.ok_call("send_message", R"({"id":)" + dm + R"(,"message":"de1e7e","signature":")" +
                                      sign(alice, "de1e7e") + R"(","schedule":0,"delete":2})"));
    // Load: four connections of alice send at once, so that the server's batches (group
    // commit) hold requests of several connections; every acknowledged message is recorded, and
    // kill -9 hits mid-stream.
    constexpr int kSenders = 4;
    std::vector<std::unique_ptr<Client>> senders;
    for (int t = 0; t < kSenders; ++t) {
      senders.push_back(std::make_unique<Client>(server.url()));
      ASSERT_TRUE(senders.back()->ok());
      senders.back()->login(alice);
    }
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < kSenders; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100000 && !stop; ++i) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "%02x%06x", t, i);
          const std::string text = buf;
          if (senders[static_cast<std::size_t>(t)]->ok_call(
                  "send_message", R"({"id":)" + dm + R"(,"message":")" + text +
                                      R"(","signature":")" + sign(alice, text) +
                                      R"(","schedule":0,"delete":0})")) {
            std::lock_guard lock(mu);
            acked.insert(text);
          }
        }
      });
    }
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(20ms);
      std::lock_guard lock(mu);
      if (acked.size() >= 60) break;
    }
    server.kill9();
    stop = true;
    for (auto& th : threads) th.join();
  }
  ASSERT_GE(acked.size(), 1u);
  ServerProcess server(server_options(db));
  ASSERT_FALSE(server.url().empty()) << "server did not restart";
  Client b(server.url());
  ASSERT_TRUE(b.ok());
  b.login(bob);
  // Every acknowledged message survived: page through the whole history.
  std::set<std::string> stored;
  std::string cursor = "2100-01-01T00:00:00Z";
  for (int page = 0; page < 1000; ++page) {
    auto h = b.call("get_message_history",
                    R"({"id":)" + dm + R"(,"cursor":")" + cursor + R"(","count":100})");
    ASSERT_TRUE(h["success"].GetBool());
    const auto& arr = h["result"];
    for (const auto& m : arr.GetArray()) stored.insert(m["message"].GetString());
    if (arr.Size() < 100) break;
    cursor = arr[arr.Size() - 1]["timestamp"].GetString();
  }
  for (const auto& text : acked) EXPECT_TRUE(stored.count(text)) << "lost acked message " << text;
  // The timers resume: the scheduled message is sent, the self-destructing one disappears.
  bool scheduled_sent = false;
  bool destructed = false;
  for (int i = 0; i < 100 && !(scheduled_sent && destructed); ++i) {
    // The scheduled message gets its actual send time, so it is the newest once it has fired.
    auto h = b.call("get_message_history",
                    R"({"id":)" + dm + R"(,"cursor":"2100-01-01T00:00:00Z","count":1})");
    scheduled_sent = h.HasMember("result") && h["result"].IsArray() && h["result"].Size() == 1 &&
                     std::string(h["result"][0]["message"].GetString()) == "5c5c";
    // "de1e7e" is message 1; after its delete time it is gone.
    auto first = b.call("get_message", R"({"id":1})");
    destructed = first.HasMember("success") && !first["success"].GetBool();
    if (!(scheduled_sent && destructed)) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(scheduled_sent) << "the scheduled message never fired after the restart";
  EXPECT_TRUE(destructed) << "the self-destruct never fired after the restart";
  // Carol's X3DH object was kept and is delivered at her first login.
  Client c(server.url());
  c.login(carol);
  EXPECT_TRUE(c.wait_for("x3dh_notification", "\"id\":" + dm, 10s));
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0);  // graceful shutdown
  std::filesystem::remove_all(dir);
}

// A SIGTERM sent the moment the start-up line is read is a graceful shutdown (exit 0): the
// handler is installed before the line is printed (test-helper finding of session 2).
TEST(UnmanageableServer, SigtermRightAfterTheStartupLineExitsCleanly) {
  const std::string dir = temp_dir();
  for (int i = 0; i < 5; ++i) {
    ServerProcess server(server_options(dir + "/early-" + std::to_string(i) + ".db"));
    ASSERT_FALSE(server.url().empty()) << "server did not start";
    EXPECT_EQ(server.stop(SIGTERM, 10s), 0) << "attempt " << i;
  }
  std::filesystem::remove_all(dir);
}

TEST(UnmanageableServer, LoopbackFramingAndFanOut) {  // EV-TRN-002, -005, -007, -008, -021
  ASSERT_TRUE(unm::crypto::init());
  unm::crypto::DeterministicRandom rng(11);
  const std::string dir = temp_dir();
  ServerProcess server(server_options(dir + "/chat.db"));
  ASSERT_FALSE(server.url().empty());
  // Only "/" is served: a CONNECT to another namespace is refused.
  unm::transport::ChannelOptions other;
  other.nsp = "/admin";
  auto refused = unm::transport::connect_channel(server.url(), other);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, unm::transport::ChannelError::refused);
  const User alice = make_user("alice", rng);
  Client a1(server.url());
  Client a2(server.url());
  Client idle(server.url());  // connected, never logged in
  ASSERT_TRUE(a1.ok() && a2.ok() && idle.ok());
  a1.register_and_login(alice);
  a2.login(alice);
  EXPECT_EQ(a1.call_raw("no_such_event", "[{}]"),
            R"([{"success":false,"result":"Unknown event."}])");
  EXPECT_EQ(a1.call_raw("get_dms", "[]"), R"([{"success":false,"result":"Invalid data format."}])");
  EXPECT_EQ(a1.call_raw("get_dms", "[1,2]"),
            R"([{"success":false,"result":"Invalid data format."}])");
  EXPECT_EQ(a1.call_raw("get_dms", "[{}]"), R"([{"success":true,"result":[]}])");
  EXPECT_EQ(idle.call_raw("get_dms", "[{}]"), R"([{"success":false,"result":"Not logged in."}])");
  // A request without an ack id still takes effect (EV-TRN-007), and its notification reaches
  // the user's other connection but neither the requester nor a connection that is not logged in.
  ASSERT_TRUE(a1.channel().emit("set_user", R"([{"biography":"no ack"}])"));
  EXPECT_TRUE(a2.wait_for("profile_notification", "no ack", 10s));
  auto me = a2.call("get_full_user", "{}");
  EXPECT_STREQ(me["result"]["biography"].GetString(), "no ack");
  EXPECT_FALSE(a1.wait_for("profile_notification", "no ack", 0s));
  EXPECT_FALSE(idle.wait_for("profile_notification", "", 0s));
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
