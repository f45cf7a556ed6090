// client_fake_server_test.cc — the client against a scripted long-polling server that misbehaves
// in ways the official server never does: it stops pinging (TR-EIO-005 liveness), sends malformed
// Engine.IO/Socket.IO data (TR-SIO-003), a bad handshake (TR-EIO-002), or an Engine.IO close.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reference/transport/event_channel.h"

namespace unm::transport {
namespace {

using namespace std::chrono_literals;

// Reply is what the script answers to one request; nullopt means "never answer".
using Script = std::function<std::optional<std::string>(
    const std::string& method, const std::string& target, const std::string& body)>;

// FakePollingServer answers HTTP/1.1 requests on 127.0.0.1 (OS-chosen port) with `script`.
class FakePollingServer {
 public:
  explicit FakePollingServer(Script script) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FakePollingServer() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& t : workers_) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  FakePollingServer(const FakePollingServer&) = delete;
  FakePollingServer& operator=(const FakePollingServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/socket.io/"; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // read_some waits (in short slices, so that stop_ is noticed) for bytes; false on EOF/stop.
  bool read_some(int fd, std::string& buf) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 50);
      if (r <= 0) continue;
      char tmp[4096];
      const ssize_t n = ::read(fd, tmp, sizeof tmp);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }

  void serve(int fd) {
    std::string buf;
    while (!stop_) {
      std::size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!read_some(fd, buf)) return close_fd(fd);
      }
      const std::string head = buf.substr(0, head_end);
      std::size_t content_length = 0;
      if (auto cl = head.find("Content-Length: "); cl != std::string::npos) {
        content_length = std::stoul(head.substr(cl + 16));
      }
      while (buf.size() < head_end + 4 + content_length) {
        if (!read_some(fd, buf)) return close_fd(fd);
      }
      const std::string body = buf.substr(head_end + 4, content_length);
      buf.erase(0, head_end + 4 + content_length);
      const auto sp1 = head.find(' ');
      const auto sp2 = head.find(' ', sp1 + 1);
      auto reply = script_(head.substr(0, sp1), head.substr(sp1 + 1, sp2 - sp1 - 1), body);
      if (!reply) {
        while (!stop_) std::this_thread::sleep_for(20ms);  // hang until the test ends
        return close_fd(fd);
      }
      const std::string res =
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"
          "Content-Length: " +
          std::to_string(reply->size()) + "\r\n\r\n" + *reply;
      if (::write(fd, res.data(), res.size()) != static_cast<ssize_t>(res.size())) {
        return close_fd(fd);
      }
    }
    close_fd(fd);
  }

  static void close_fd(int fd) { ::close(fd); }

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // only touched by the acceptor thread, then joined
};

constexpr const char* kHandshake =
    R"(0{"sid":"fake","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000})";

// polling_session answers the handshake, accepts POSTs, delivers the CONNECT answer, and then
// answers the n-th further GET with after[n] (hanging once `after` is exhausted).
Script polling_session(std::vector<std::optional<std::string>> after) {
  auto gets = std::make_shared<std::size_t>(0);
  auto mu = std::make_shared<std::mutex>();
  return [after = std::move(after), gets, mu](const std::string& method, const std::string& target,
                                              const std::string&) -> std::optional<std::string> {
    std::lock_guard lock(*mu);
    if (method == "POST") return std::string("ok");
    if (target.find("sid=") == std::string::npos) return std::string(kHandshake);
    const std::size_t n = (*gets)++;
    if (n == 0) return std::string(R"(40{"sid":"s"})");
    if (n - 1 < after.size()) return after[n - 1];
    return std::nullopt;
  };
}

struct Disconnects {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ChannelFailure> reason;
  void install(EventChannel& ch) {
    ch.set_disconnect_handler([this](const ChannelFailure& f) {
      std::lock_guard lock(mu);
      reason = f;
      cv.notify_all();
    });
  }
  std::optional<ChannelFailure> wait() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 10s, [&] { return reason.has_value(); });
    return reason;
  }
};

ChannelOptions polling() {
  ChannelOptions o;
  o.polling_only = true;
  o.connect_timeout = 5s;
  return o;
}

TEST(ClientFakeServer, SilentServerAfterConnectIsATimeout) {
  // TR-EIO-005: no ping within pingInterval + pingTimeout means the server is gone.
  FakePollingServer srv(polling_session({}));
  ASSERT_GT(srv.port(), 0);
  auto ch = connect_channel(srv.url(), polling());
  ASSERT_TRUE(ch) << ch.error().detail;
  Disconnects d;
  d.install(**ch);
  auto reason = d.wait();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->code, ChannelError::timeout);
  EXPECT_NE(reason->detail.find("no ping from the server within 200 ms"), std::string::npos)
      << reason->detail;
  EXPECT_FALSE((*ch)->connected());
}

TEST(ClientFakeServer, PingsKeepTheSessionAliveAndArePonged) {
  std::vector<std::optional<std::string>> pings(6, std::string("2"));
  std::atomic<int> pongs{0};
  auto base = polling_session(pings);
  FakePollingServer srv([&](const std::string& m, const std::string& t, const std::string& b) {
    if (m == "POST" && b.find('3') == 0) ++pongs;
    return base(m, t, b);
  });
  ASSERT_GT(srv.port(), 0);
  auto ch = connect_channel(srv.url(), polling());
  ASSERT_TRUE(ch) << ch.error().detail;
  Disconnects d;
  d.install(**ch);
  // Once the six pings are used up the server falls silent and the client gives up.
  auto reason = d.wait();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->code, ChannelError::timeout);
  EXPECT_GE(pongs.load(), 1);
}

TEST(ClientFakeServer, MalformedSocketIoPacketIsAProtocolError) {
  FakePollingServer srv(polling_session({std::string("49garbage")}));
  ASSERT_GT(srv.port(), 0);
  auto ch = connect_channel(srv.url(), polling());
  ASSERT_TRUE(ch) << ch.error().detail;
  Disconnects d;
  d.install(**ch);
  auto reason = d.wait();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->code, ChannelError::protocol_error);
  EXPECT_NE(reason->detail.find("malformed Socket.IO packet"), std::string::npos) << reason->detail;
}

TEST(ClientFakeServer, MalformedPayloadIsAProtocolError) {
  FakePollingServer srv(
      polling_session({std::string("4ok\x1e\x1e"
                                   "9x")}));
  ASSERT_GT(srv.port(), 0);
  auto ch = connect_channel(srv.url(), polling());
  ASSERT_TRUE(ch) << ch.error().detail;
  Disconnects d;
  d.install(**ch);
  auto reason = d.wait();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->code, ChannelError::protocol_error) << reason->detail;
}

TEST(ClientFakeServer, EngineIoCloseIsADisconnect) {
  FakePollingServer srv(polling_session({std::string("1")}));
  ASSERT_GT(srv.port(), 0);
  auto ch = connect_channel(srv.url(), polling());
  ASSERT_TRUE(ch) << ch.error().detail;
  Disconnects d;
  d.install(**ch);
  auto reason = d.wait();
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->code, ChannelError::disconnected);
  EXPECT_EQ(reason->detail, "server closed the Engine.IO session");
}

TEST(ClientFakeServer, BadHandshakesFailTheConnect) {
  for (const std::string& hs : {std::string("0{not json"), std::string("4hello"),
                                std::string(R"(0{"sid":5})"), std::string("")}) {
    FakePollingServer srv([&](const std::string& m, const std::string&,
                              const std::string&) -> std::optional<std::string> {
      if (m == "POST") return std::string("ok");
      return hs;
    });
    ASSERT_GT(srv.port(), 0);
    auto ch = connect_channel(srv.url(), polling());
    ASSERT_FALSE(ch) << hs;
    EXPECT_EQ(ch.error().code, ChannelError::protocol_error) << hs << ": " << ch.error().detail;
  }
}

TEST(ClientFakeServer, MissingConnectAnswerTimesOut) {
  FakePollingServer srv([](const std::string& m, const std::string& t,
                           const std::string&) -> std::optional<std::string> {
    if (m == "POST") return std::string("ok");
    if (t.find("sid=") == std::string::npos) {
      return std::string(
          R"(0{"sid":"f","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100})");
    }
    return std::nullopt;  // never answers CONNECT
  });
  ASSERT_GT(srv.port(), 0);
  auto o = polling();
  o.connect_timeout = 300ms;
  auto ch = connect_channel(srv.url(), o);
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().code, ChannelError::timeout);
  EXPECT_NE(ch.error().detail.find("300 ms"), std::string::npos) << ch.error().detail;
}

TEST(ClientFakeServer, PostsRespectMaxPayload) {
  // TR-EIO-007: with maxPayload 100, a long burst of emits is split into several POSTs, none
  // larger than 100 bytes (a single bigger packet would travel alone).
  std::mutex mu;
  std::vector<std::size_t> post_sizes;
  std::atomic<int> delivered{0};
  auto gets = std::make_shared<int>(0);
  FakePollingServer srv([&, gets](const std::string& m, const std::string& t,
                                  const std::string& b) -> std::optional<std::string> {
    std::lock_guard lock(mu);
    if (m == "POST") {
      post_sizes.push_back(b.size());
      for (std::size_t pos = 0; (pos = b.find("42[", pos)) != std::string::npos; ++pos) ++delivered;
      return std::string("ok");
    }
    if (t.find("sid=") == std::string::npos) {
      return std::string(
          R"(0{"sid":"f","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100})");
    }
    if ((*gets)++ == 0) return std::string(R"(40{"sid":"s"})");
    return std::nullopt;
  });
  ASSERT_GT(srv.port(), 0);
  auto ch = connect_channel(srv.url(), polling());
  ASSERT_TRUE(ch) << ch.error().detail;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*ch)->emit("e", R"(["0123456789"])"));
  for (int i = 0; i < 200 && delivered.load() < 20; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(delivered.load(), 20);
  std::lock_guard lock(mu);
  EXPECT_GE(post_sizes.size(), 5u);
  for (std::size_t s : post_sizes) EXPECT_LE(s, 100u);
}

}  // namespace
}  // namespace unm::transport
