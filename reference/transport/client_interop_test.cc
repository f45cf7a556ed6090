// client_interop_test.cc — our client (connect_channel) drives the official JavaScript socket.io
// server (npm socket.io 4.8.3, interop/client_interop_server.js): transports and upgrade
// (TR-EIO-001..006), heartbeat (TR-EIO-005), events and acks (TR-SIO-003), binary (TR-SIO-004),
// namespaces and refusals (TR-SIO-002, TR-SIO-005), server disconnects, reconnecting, TLS.
// Plus failures that need only a raw socket: refused port, silent server.
//
// Skipped (GTEST_SKIP) only when node or interop/node_modules is missing.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reference/transport/event_channel.h"

extern char** environ;

namespace unm::transport {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Generous bounds: they only stop a broken test from hanging, nothing is timed.
constexpr auto kWait = 10s;

fs::path source_root() {
  if (const char* env = std::getenv("UNM_SOURCE_DIR")) return env;
#ifdef UNM_TRANSPORT_SOURCE_ROOT
  return UNM_TRANSPORT_SOURCE_ROOT;  // set by CMakeLists.txt
#else
  // This file is reference/transport/client_interop_test.cc under the repository root.
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
#endif
}

std::optional<std::string> find_node() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto end = std::min(p.find(':', start), p.size());
    for (const char* name : {"node", "nodejs"}) {
      fs::path cand = fs::path(p.substr(start, end - start)) / name;
      if (::access(cand.c_str(), X_OK) == 0) return cand.string();
    }
    start = end + 1;
  }
  return std::nullopt;
}

struct FdCloser {
  int fd = -1;
  explicit FdCloser(int f = -1) : fd(f) {}
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  void reset(int f = -1) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
  int release() {
    int f = fd;
    fd = -1;
    return f;
  }
};

// NodeServer runs interop/client_interop_server.js; it stops when this object is destroyed
// (stdin closed, then SIGTERM, then SIGKILL) and on its own after --lifetime.
class NodeServer {
 public:
  // start returns nullptr with `why` set when the server cannot run here.
  static std::unique_ptr<NodeServer> start(const std::vector<std::string>& args, std::string* why) {
    auto node = find_node();
    const fs::path root = source_root();
    const fs::path script = root / "interop" / "client_interop_server.js";
    if (!node) {
      *why = "node is not installed";
      return nullptr;
    }
    if (!fs::exists(root / "interop" / "node_modules" / "socket.io" / "package.json")) {
      *why = "interop/node_modules is missing (run scripts/bootstrap.sh)";
      return nullptr;
    }
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) return fail(why, "pipe failed");
    FdCloser in_r(in_pipe[0]), in_w(in_pipe[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return fail(why, "pipe failed");
    FdCloser out_r(out_pipe[0]), out_w(out_pipe[1]);

    std::vector<std::string> argv_s{*node, script.string(), "--lifetime", "120000"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_r.fd, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w.fd, 1);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, node->c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return fail(why, "cannot start node");
    in_r.reset();
    out_w.reset();
    auto server = std::unique_ptr<NodeServer>(new NodeServer(pid, in_w.release()));

    // Read "PORT <n>\n" (bounded).
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{out_r.fd, POLLIN, 0};
      if (::poll(&pfd, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out_r.fd, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    if (line.rfind("PORT ", 0) != 0) return fail(why, "node server did not start: " + line);
    server->port_ = std::atoi(line.c_str() + 5);
    if (server->port_ <= 0) return fail(why, "bad port line: " + line);
    return server;
  }

  ~NodeServer() {
    ::close(stdin_fd_);  // the script exits when its stdin closes
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }

  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;

  std::string url(const std::string& scheme = "http", const std::string& host = "127.0.0.1") const {
    return scheme + "://" + host + ":" + std::to_string(port_) + "/socket.io/";
  }
  int port() const { return port_; }

 private:
  NodeServer(pid_t pid, int stdin_fd) : pid_(pid), stdin_fd_(stdin_fd) {}
  static std::unique_ptr<NodeServer> fail(std::string* why, std::string text) {
    *why = std::move(text);
    return nullptr;
  }
  pid_t pid_;
  int stdin_fd_;
  int port_ = 0;
};

// Events collects server events and the disconnect reason for assertions.
class Events {
 public:
  void install(EventChannel& ch) {
    ch.set_event_handler([this](std::string name, std::string args) {
      std::lock_guard lock(mu_);
      events_.emplace_back(std::move(name), std::move(args));
      cv_.notify_all();
    });
    ch.set_disconnect_handler([this](const ChannelFailure& f) {
      std::lock_guard lock(mu_);
      ++disconnects_;
      reason_ = f;
      cv_.notify_all();
    });
  }
  // wait_event returns the arguments of the first event named `name` (bounded wait).
  std::optional<std::string> wait_event(const std::string& name) {
    std::unique_lock lock(mu_);
    std::optional<std::string> out;
    cv_.wait_for(lock, kWait, [&] {
      for (const auto& [n, a] : events_) {
        if (n == name) {
          out = a;
          return true;
        }
      }
      return false;
    });
    return out;
  }
  std::optional<ChannelFailure> wait_disconnect() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return reason_.has_value(); });
    return reason_;
  }
  int disconnects() {
    std::lock_guard lock(mu_);
    return disconnects_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> events_;
  std::optional<ChannelFailure> reason_;
  int disconnects_ = 0;
};

// Frames records what the frame observer sees.
class Frames {
 public:
  FrameObserver observer() {
    return [this](FrameDirection d, std::chrono::system_clock::time_point t, std::string_view f) {
      std::lock_guard lock(mu_);
      frames_.push_back({d, t, std::string(f)});
    };
  }
  bool saw(FrameDirection d, const std::string& frame) {
    std::lock_guard lock(mu_);
    return std::any_of(frames_.begin(), frames_.end(),
                       [&](const auto& f) { return f.dir == d && f.text == frame; });
  }
  bool saw_prefix(FrameDirection d, const std::string& prefix) {
    std::lock_guard lock(mu_);
    return std::any_of(frames_.begin(), frames_.end(),
                       [&](const auto& f) { return f.dir == d && f.text.rfind(prefix, 0) == 0; });
  }
  // index returns the position of the first frame equal to `frame` in direction `d`, or -1.
  long index(FrameDirection d, const std::string& frame) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      if (frames_[i].dir == d && frames_[i].text == frame) return static_cast<long>(i);
    }
    return -1;
  }
  bool timestamps_ordered() {
    std::lock_guard lock(mu_);
    for (std::size_t i = 1; i < frames_.size(); ++i) {
      if (frames_[i].time < frames_[i - 1].time) return false;
    }
    return !frames_.empty();
  }

 private:
  struct Frame {
    FrameDirection dir;
    std::chrono::system_clock::time_point time;
    std::string text;
  };
  std::mutex mu_;
  std::vector<Frame> frames_;
};

#define START_NODE(var, ...)                                  \
  std::string var##_why;                                      \
  auto var = NodeServer::start({__VA_ARGS__}, &var##_why);    \
  if (!var) {                                                 \
    if (var##_why.find("node") != std::string::npos &&        \
        var##_why.find("did not start") == std::string::npos) \
      GTEST_SKIP() << var##_why;                              \
    FAIL() << var##_why;                                      \
  }

ChannelOptions websocket_only() {
  ChannelOptions o;
  o.websocket_only = true;
  return o;
}
ChannelOptions polling_only() {
  ChannelOptions o;
  o.polling_only = true;
  return o;
}

// ---- transports ---------------------------------------------------------------------------------

TEST(ClientInterop, PollingHandshakeThenUpgradeToWebSocket) {
  START_NODE(srv);
  Frames frames;
  ChannelOptions o;
  o.polling_then_upgrade = true;
  o.observer = frames.observer();
  auto ch = connect_channel(srv->url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  EXPECT_TRUE((*ch)->connected());
  EXPECT_EQ((*ch)->transport_name(), "websocket");
  // TR-EIO-006: probe, probe answer, then the upgrade packet, in that order.
  const long probe = frames.index(FrameDirection::sent, "2probe");
  const long answer = frames.index(FrameDirection::received, "3probe");
  const long upgrade = frames.index(FrameDirection::sent, "5");
  EXPECT_GE(probe, 0);
  EXPECT_GT(answer, probe);
  EXPECT_GT(upgrade, answer);
  EXPECT_TRUE(frames.saw_prefix(FrameDirection::received, "0{\"sid\""));
  Events ev;
  ev.install(**ch);
  // The server saw the session start on polling and now carries it on WebSocket.
  auto welcome = ev.wait_event("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_NE(welcome->find(R"("transport":"polling")"), std::string::npos) << *welcome;
  auto t = (*ch)->call("transport", "[]", kWait);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(*t, R"(["websocket"])");
}

TEST(ClientInterop, WebSocketOnly) {
  START_NODE(srv);
  Frames frames;
  auto o = websocket_only();
  o.observer = frames.observer();
  auto ch = connect_channel(srv->url("ws"), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  EXPECT_EQ((*ch)->transport_name(), "websocket");
  EXPECT_FALSE(frames.saw(FrameDirection::sent, "2probe"));
  auto t = (*ch)->call("transport", "[]", kWait);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(*t, R"(["websocket"])");
  EXPECT_TRUE(frames.timestamps_ordered());
}

TEST(ClientInterop, PollingOnlyNeverUpgrades) {
  START_NODE(srv);
  Frames frames;
  auto o = polling_only();
  o.observer = frames.observer();
  auto ch = connect_channel(srv->url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  EXPECT_EQ((*ch)->transport_name(), "polling");
  for (int i = 0; i < 3; ++i) {
    auto t = (*ch)->call("transport", "[]", kWait);
    ASSERT_TRUE(t) << t.error().detail;
    EXPECT_EQ(*t, R"(["polling"])");
  }
  EXPECT_FALSE(frames.saw(FrameDirection::sent, "2probe"));
  EXPECT_TRUE(frames.saw(FrameDirection::sent, "40"));
}

TEST(ClientInterop, DefaultTriesWebSocketFirst) {
  START_NODE(srv);
  Frames frames;
  ChannelOptions o;
  o.observer = frames.observer();
  auto ch = connect_channel(srv->url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  EXPECT_EQ((*ch)->transport_name(), "websocket");
  EXPECT_FALSE(frames.saw(FrameDirection::sent, "2probe"));  // no polling phase, no upgrade
}

TEST(ClientInterop, DefaultFallsBackToPollingWhenWebSocketIsRefused) {
  START_NODE(srv, "--transports", "polling");
  ChannelOptions o;
  auto ch = connect_channel(srv->url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  EXPECT_EQ((*ch)->transport_name(), "polling");
  auto t = (*ch)->call("echo", "[1]", kWait);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(*t, "[1]");
}

TEST(ClientInterop, UpgradeRefusedStaysOnPolling) {
  START_NODE(srv, "--transports", "polling");
  ChannelOptions o;
  o.polling_then_upgrade = true;
  auto ch = connect_channel(srv->url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  EXPECT_EQ((*ch)->transport_name(), "polling");
  auto t = (*ch)->call("transport", "[]", kWait);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(*t, R"(["polling"])");
}

TEST(ClientInterop, WebSocketOnlyAgainstPollingOnlyServerFails) {
  START_NODE(srv, "--transports", "polling");
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().code, ChannelError::connect_failed);
  EXPECT_NE(ch.error().detail.find("HTTP 400"), std::string::npos) << ch.error().detail;
}

TEST(ClientInterop, HttpRefusalIsReportedWithEngineIoError) {
  START_NODE(srv);
  // allowRequest in the script refuses "deny=1": HTTP 403 with Engine.IO code 4 (TR-EIO-001).
  const std::string url = srv->url() + "?deny=1";
  for (const auto& o : {polling_only(), websocket_only(), ChannelOptions{}}) {
    auto ch = connect_channel(url, o);
    ASSERT_FALSE(ch);
    EXPECT_EQ(ch.error().code, ChannelError::connect_failed);
    // engine.io answers a refused WebSocket upgrade with 400 and the message as text.
    EXPECT_NE(ch.error().detail.find("Forbidden"), std::string::npos) << ch.error().detail;
  }
  auto p = connect_channel(url, polling_only());
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().detail.find("HTTP 403 Forbidden: Engine.IO error 4 (Forbidden)"),
            std::string::npos)
      << p.error().detail;
}

// ---- events and acks ----------------------------------------------------------------------------

void expect_events_and_acks(EventChannel& ch) {
  auto r = ch.call("echo", R"([1,"two",{"three":[3]},null,true])", kWait);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, R"([1,"two",{"three":[3]},null,true])");
  auto empty = ch.call("echo", "[]", kWait);
  ASSERT_TRUE(empty) << empty.error().detail;
  EXPECT_EQ(*empty, "[]");
  auto unicode = ch.call("echo", R"(["h\u00e9llo \ud83d\ude00"])", kWait);
  ASSERT_TRUE(unicode) << unicode.error().detail;
  EXPECT_EQ(*unicode, "[\"h\xc3\xa9llo \xf0\x9f\x98\x80\"]");
}

TEST(ClientInterop, EventsWithAcksOverWebSocket) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  expect_events_and_acks(**ch);
}

TEST(ClientInterop, EventsWithAcksOverPolling) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), polling_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  expect_events_and_acks(**ch);
}

TEST(ClientInterop, ConcurrentCallsFromManyThreadsGetTheirOwnAcks) {
  START_NODE(srv);
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto ch = connect_channel(srv->url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
          const std::string args =
              std::string("[").append(std::to_string(t * 1000 + i)).append("]");
          auto r = (*ch)->call("echo", args, kWait);
          if (r && *r == args) ++good;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), 100) << (*ch)->transport_name();
  }
}

TEST(ClientInterop, AckTimeoutLeavesTheChannelUsable) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  auto r = (*ch)->call("no-ack", "[]", 200ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ChannelError::timeout);
  EXPECT_NE(r.error().detail.find("no-ack"), std::string::npos) << r.error().detail;
  EXPECT_TRUE((*ch)->connected());
  auto ok = (*ch)->call("echo", R"(["after"])", kWait);
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(*ok, R"(["after"])");
}

TEST(ClientInterop, EmitWithoutAckAndServerSentEvents) {
  START_NODE(srv);
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto ch = connect_channel(srv->url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    Events ev;
    ev.install(**ch);
    // "welcome" arrived before the handler existed: it was queued, not lost.
    auto welcome = ev.wait_event("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_NE(welcome->find(R"("nsp":"/")"), std::string::npos) << *welcome;
    ASSERT_TRUE((*ch)->emit("emit-back", R"(["x",{"y":2}])"));
    auto back = ev.wait_event("echo-back");
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, R"(["x",{"y":2}])");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*ch)->emit("emit-only", "[]"));
    auto count = (*ch)->call("count", "[]", kWait);
    ASSERT_TRUE(count) << count.error().detail;
    EXPECT_EQ(*count, "[3]");  // packets on one channel arrive in order
  }
}

TEST(ClientInterop, BadArgumentsAreRefusedLocally) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  auto r = (*ch)->call("echo", "{not an array}", kWait);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ChannelError::bad_argument);
  auto e = (*ch)->emit("echo", "17");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ChannelError::bad_argument);
  EXPECT_TRUE((*ch)->connected());
}

TEST(ClientInterop, CallFromAHandlerIsRefusedInsteadOfDeadlocking) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ChannelError> inner;
  EventChannel* raw = ch->get();
  (*ch)->set_event_handler([&](const std::string& name, const std::string&) {
    if (name.size() != 7 || name.compare(0, 7, "welcome") != 0) return;
    auto r = raw->call("echo", "[]", 1s);
    std::lock_guard lock(mu);
    inner = r ? std::optional<ChannelError>() : r.error().code;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return inner.has_value(); }));
  EXPECT_EQ(*inner, ChannelError::bad_argument);
}

// ---- binary -------------------------------------------------------------------------------------

TEST(ClientInterop, BinaryAttachmentsBothWays) {
  START_NODE(srv);
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto ch = connect_channel(srv->url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    Events ev;
    ev.install(**ch);
    // TR-SIO-004: sent as attachments, acknowledged by the JS server with the Buffers it got.
    auto r =
        (*ch)->call("binary-echo", R"([{"_binary":"00ff10"},"text",{"in":{"_binary":""}}])", kWait);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(*r, R"([{"_binary":"00ff10"},"text",{"in":{"_binary":""}}])");
    ASSERT_TRUE((*ch)->emit("send-binary", "[]"));
    auto bin = ev.wait_event("binary");
    ASSERT_TRUE(bin) << (*ch)->transport_name();
    EXPECT_EQ(*bin, R"(["bytes",{"_binary":"010203"},{"nested":{"_binary":"ff"}}])");
  }
}

// ---- namespaces ---------------------------------------------------------------------------------

TEST(ClientInterop, NamespaceConnects) {
  START_NODE(srv);
  for (auto o : {websocket_only(), polling_only()}) {
    o.nsp = "/admin";
    auto ch = connect_channel(srv->url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    Events ev;
    ev.install(**ch);
    auto welcome = ev.wait_event("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_NE(welcome->find(R"("nsp":"/admin")"), std::string::npos) << *welcome;
    auto r = (*ch)->call("echo", R"(["admin"])", kWait);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(*r, R"(["admin"])");
  }
}

TEST(ClientInterop, UnknownNamespaceIsRefusedWithTheServersMessage) {
  START_NODE(srv);
  for (auto o : {websocket_only(), polling_only()}) {
    o.nsp = "/nope";
    auto ch = connect_channel(srv->url(), o);
    ASSERT_FALSE(ch);
    EXPECT_EQ(ch.error().code, ChannelError::refused);
    EXPECT_NE(ch.error().detail.find("Invalid namespace"), std::string::npos) << ch.error().detail;
  }
}

TEST(ClientInterop, MiddlewareRefusalAndAuth) {
  START_NODE(srv);
  ChannelOptions o = websocket_only();
  o.nsp = "/private";
  auto refused = connect_channel(srv->url(), o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ChannelError::refused);
  EXPECT_NE(refused.error().detail.find("not authorized"), std::string::npos)
      << refused.error().detail;

  o.auth_json = R"({"token":"letmein"})";
  auto ok = connect_channel(srv->url(), o);
  ASSERT_TRUE(ok) << ok.error().detail;
  Events ev;
  ev.install(**ok);
  auto welcome = ev.wait_event("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_NE(welcome->find(R"("auth":{"token":"letmein"})"), std::string::npos) << *welcome;
}

// ---- disconnects, close, reconnect
// ---------------------------------------------------------------

TEST(ClientInterop, ServerDisconnectReachesTheHandlerAndReconnectWorks) {
  START_NODE(srv);
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto ch = connect_channel(srv->url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    Events ev;
    ev.install(**ch);
    auto bye = (*ch)->call("disconnect-me", "[]", kWait);
    ASSERT_TRUE(bye) << bye.error().detail;
    EXPECT_EQ(*bye, R"(["bye"])");
    auto reason = ev.wait_disconnect();
    ASSERT_TRUE(reason);
    EXPECT_EQ(reason->code, ChannelError::disconnected);
    EXPECT_NE(reason->detail.find("DISCONNECT"), std::string::npos) << reason->detail;
    EXPECT_FALSE((*ch)->connected());
    auto late = (*ch)->call("echo", "[]", kWait);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, ChannelError::disconnected);
    EXPECT_FALSE((*ch)->emit("echo", "[]"));

    // Reconnecting = connecting again (a new Engine.IO session).
    auto again = connect_channel(srv->url(), o);
    ASSERT_TRUE(again) << again.error().detail;
    auto r = (*again)->call("echo", R"(["again"])", kWait);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(*r, R"(["again"])");
    EXPECT_EQ(ev.disconnects(), 1);  // told once
  }
}

TEST(ClientInterop, ServerClosingTheTransportIsADisconnect) {
  START_NODE(srv);
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto ch = connect_channel(srv->url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    Events ev;
    ev.install(**ch);
    ASSERT_TRUE((*ch)->emit("close-transport", "[]"));
    auto reason = ev.wait_disconnect();
    ASSERT_TRUE(reason) << (*ch)->transport_name();
    EXPECT_EQ(reason->code, ChannelError::disconnected) << reason->detail;
    EXPECT_FALSE((*ch)->connected());
  }
}

TEST(ClientInterop, PendingCallFailsWhenTheServerGoesAway) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  std::thread closer([&] {
    std::this_thread::sleep_for(100ms);
    (void)(*ch)->emit("close-transport", "[]");
  });
  auto r = (*ch)->call("no-ack", "[]", kWait);
  closer.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ChannelError::disconnected) << r.error().detail;
}

TEST(ClientInterop, MalformedRawPacketMakesTheServerCloseTheConnection) {
  START_NODE(srv);
  auto ch = connect_channel(srv->url(), websocket_only());
  ASSERT_TRUE(ch) << ch.error().detail;
  Events ev;
  ev.install(**ch);
  ASSERT_TRUE((*ch)->send_raw("2[\"x\""));  // TR-SIO-003: the server must close
  auto reason = ev.wait_disconnect();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->code, ChannelError::disconnected) << reason->detail;
}

TEST(ClientInterop, CloseSendsDisconnectAndIsIdempotent) {
  START_NODE(srv);
  for (const auto& o : {websocket_only(), polling_only()}) {
    Frames frames;
    auto opts = o;
    opts.observer = frames.observer();
    auto ch = connect_channel(srv->url(), opts);
    ASSERT_TRUE(ch) << ch.error().detail;
    Events ev;
    ev.install(**ch);
    ASSERT_TRUE(ev.wait_event("welcome"));  // handlers are installed on the I/O thread
    (*ch)->close();
    (*ch)->close();
    EXPECT_FALSE((*ch)->connected());
    EXPECT_TRUE(frames.saw(FrameDirection::sent, "41"));
    EXPECT_TRUE(frames.saw(FrameDirection::sent, "1"));
    auto reason = ev.wait_disconnect();
    ASSERT_TRUE(reason);
    EXPECT_EQ(reason->detail, "closed by the client");
    auto r = (*ch)->call("echo", "[]", kWait);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ChannelError::disconnected);
  }
}

// ---- heartbeat ----------------------------------------------------------------------------------

TEST(ClientInterop, ServerPingsAreAnswered) {
  // TR-EIO-005: with pings every 100 ms and 100 ms to answer, a client that did not answer would
  // be dropped long before the wait below ends.
  START_NODE(srv, "--ping-interval", "100", "--ping-timeout", "100");
  for (const auto& o : {websocket_only(), polling_only()}) {
    Frames frames;
    auto opts = o;
    opts.observer = frames.observer();
    auto ch = connect_channel(srv->url(), opts);
    ASSERT_TRUE(ch) << ch.error().detail;
    std::this_thread::sleep_for(800ms);
    EXPECT_TRUE((*ch)->connected()) << (*ch)->transport_name();
    auto r = (*ch)->call("echo", "[1]", kWait);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_TRUE(frames.saw(FrameDirection::received, "2"));
    EXPECT_TRUE(frames.saw(FrameDirection::sent, "3"));
  }
}

// ---- TLS ----------------------------------------------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

// write_self_signed writes a self-signed certificate (a CA for itself) for `san` and its key.
bool write_self_signed(const fs::path& cert, const fs::path& key, const std::string& san) {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, X509Free> x(X509_new());
  if (!pkey || !x) return false;
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 7 * 24 * 3600);
  X509_set_pubkey(x.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("unm test"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, san},
        std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")},
        std::pair{NID_key_usage, std::string("critical,digitalSignature,keyCertSign")}}) {
    std::unique_ptr<X509_EXTENSION, ExtFree> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(x.get(), ext.get(), -1) != 1) return false;
  }
  if (X509_sign(x.get(), pkey.get(), EVP_sha256()) == 0) return false;
  std::unique_ptr<FILE, FileClose> cf(std::fopen(cert.c_str(), "w"));
  std::unique_ptr<FILE, FileClose> kf(std::fopen(key.c_str(), "w"));
  if (!cf || !kf) return false;
  return PEM_write_X509(cf.get(), x.get()) == 1 &&
         PEM_write_PrivateKey(kf.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "unm-tclient-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ClientInterop, TlsVerificationOnByDefault) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto cert = dir.path() / "cert.pem";
  const auto key = dir.path() / "key.pem";
  ASSERT_TRUE(write_self_signed(cert, key, "DNS:localhost,IP:127.0.0.1"));
  START_NODE(srv, "--tls", cert.string(), key.string());

  for (const auto& base : {websocket_only(), polling_only()}) {
    // Self-signed, not in the system store: refused with a TLS reason.
    auto refused = connect_channel(srv->url("https"), base);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ChannelError::tls_error) << refused.error().detail;
    EXPECT_NE(refused.error().detail.find("certificate"), std::string::npos)
        << refused.error().detail;

    // Trusted through ca_file: works, by IP and by host name.
    auto with_ca = base;
    with_ca.ca_file = cert.string();
    for (const std::string host : {"127.0.0.1", "localhost"}) {
      auto ok = connect_channel(srv->url("wss", host), with_ca);
      ASSERT_TRUE(ok) << host << ": " << ok.error().detail;
      auto r = (*ok)->call("echo", R"(["tls"])", kWait);
      ASSERT_TRUE(r) << r.error().detail;
      EXPECT_EQ(*r, R"(["tls"])");
    }

    // Explicit opt-out for test servers.
    auto insecure = base;
    insecure.verify_tls = false;
    auto ok = connect_channel(srv->url("https"), insecure);
    ASSERT_TRUE(ok) << ok.error().detail;
    auto r = (*ok)->call("echo", "[2]", kWait);
    ASSERT_TRUE(r) << r.error().detail;
  }
}

TEST(ClientInterop, TlsHostNameMismatchIsRefusedEvenWithTheRightCa) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto cert = dir.path() / "cert.pem";
  const auto key = dir.path() / "key.pem";
  ASSERT_TRUE(write_self_signed(cert, key, "DNS:other.example"));
  START_NODE(srv, "--tls", cert.string(), key.string());
  auto o = websocket_only();
  o.ca_file = cert.string();
  auto ch = connect_channel(srv->url("wss"), o);
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().code, ChannelError::tls_error) << ch.error().detail;
}

TEST(ClientInterop, PlainClientAgainstTlsServerFailsCleanly) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto cert = dir.path() / "cert.pem";
  const auto key = dir.path() / "key.pem";
  ASSERT_TRUE(write_self_signed(cert, key, "IP:127.0.0.1"));
  START_NODE(srv, "--tls", cert.string(), key.string());
  ChannelOptions o;
  o.connect_timeout = 3s;
  auto ch = connect_channel(srv->url("http"), o);
  ASSERT_FALSE(ch);
  EXPECT_NE(ch.error().code, ChannelError::refused);
  EXPECT_FALSE(ch.error().detail.empty());
}

// ---- failures without a Socket.IO server
// ---------------------------------------------------------

// listening_socket opens a TCP listener on 127.0.0.1 with an OS-chosen port.
int listening_socket(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

TEST(ClientFailures, RefusedPortIsConnectFailed) {
  int port = 0;
  int fd = listening_socket(&port);
  ASSERT_GE(fd, 0);
  ::close(fd);  // nothing listens there any more
  for (const auto& o : {websocket_only(), polling_only(), ChannelOptions{}}) {
    auto ch = connect_channel("http://127.0.0.1:" + std::to_string(port), o);
    ASSERT_FALSE(ch);
    EXPECT_EQ(ch.error().code, ChannelError::connect_failed);
    EXPECT_NE(ch.error().detail.find("refused"), std::string::npos) << ch.error().detail;
  }
}

TEST(ClientFailures, SilentServerTimesOut) {
  int port = 0;
  FdCloser fd(listening_socket(&port));
  ASSERT_GE(fd.fd, 0);
  // The kernel completes TCP handshakes on the backlog; nobody ever answers HTTP.
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto opts = o;
    opts.connect_timeout = 300ms;
    auto ch = connect_channel("http://127.0.0.1:" + std::to_string(port), opts);
    ASSERT_FALSE(ch);
    EXPECT_EQ(ch.error().code, ChannelError::timeout) << ch.error().detail;
  }
}

TEST(ClientFailures, UnresolvableHostIsConnectFailed) {
  // ".invalid" never resolves (RFC 6761).
  for (const auto& o : {websocket_only(), polling_only()}) {
    auto opts = o;
    opts.connect_timeout = 20s;
    auto ch = connect_channel("http://no-such-host.invalid:80", opts);
    ASSERT_FALSE(ch);
    EXPECT_EQ(ch.error().code, ChannelError::connect_failed) << ch.error().detail;
    EXPECT_NE(ch.error().detail.find("cannot resolve host 'no-such-host.invalid'"),
              std::string::npos)
        << ch.error().detail;
  }
}

}  // namespace
}  // namespace unm::transport
