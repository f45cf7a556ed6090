// client_own_server_test.cc — our client against our own server (the compliance echo app of
// transport.md §4, run in-process on a port the OS picks): every transport mode, acks with
// binary attachments, server events, the auth echo, refused namespaces (TR-SIO-002), pings.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "reference/transport/echo.h"
#include "reference/transport/event_channel.h"

namespace unm::transport {
namespace {

using namespace std::chrono_literals;

// OwnEchoServer runs EchoServer on its own thread for one test.
class OwnEchoServer {
 public:
  explicit OwnEchoServer(const ServerOptions& o) : server_(ioc_, o) {
    auto port = server_.listen();
    if (!port) {
      error_ = port.error();
      return;
    }
    port_ = *port;
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~OwnEchoServer() {
    std::promise<void> done;
    boost::asio::post(ioc_, [this, &done] {
      server_.shutdown();
      done.set_value();
    });
    if (thread_.joinable()) done.get_future().wait_for(5s);
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  OwnEchoServer(const OwnEchoServer&) = delete;
  OwnEchoServer& operator=(const OwnEchoServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/socket.io/"; }
  const std::string& error() const { return error_; }
  bool ok() const { return port_ != 0; }

 private:
  boost::asio::io_context ioc_;
  EchoServer server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::string error_;
};

ServerOptions fast_pings() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.ping_interval = 100ms;
  o.ping_timeout = 100ms;
  return o;
}

struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> events;
  void install(EventChannel& ch) {
    ch.set_event_handler([this](std::string n, std::string a) {
      std::lock_guard lock(mu);
      events.emplace_back(std::move(n), std::move(a));
      cv.notify_all();
    });
  }
  std::optional<std::string> wait(const std::string& name) {
    std::unique_lock lock(mu);
    std::optional<std::string> out;
    cv.wait_for(lock, 10s, [&] {
      for (const auto& [n, a] : events) {
        if (n == name) {
          out = a;
          return true;
        }
      }
      return false;
    });
    return out;
  }
};

std::vector<ChannelOptions> all_modes() {
  std::vector<ChannelOptions> modes(4);
  modes[1].websocket_only = true;
  modes[2].polling_only = true;
  modes[3].polling_then_upgrade = true;
  return modes;
}

TEST(ClientOwnServer, EveryTransportModeCarriesAcksEventsAndBinary) {
  OwnEchoServer srv(fast_pings());
  ASSERT_TRUE(srv.ok()) << srv.error();
  for (auto o : all_modes()) {
    o.auth_json = R"({"who":"me"})";
    auto ch = connect_channel(srv.url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    EXPECT_EQ((*ch)->transport_name(), o.polling_only ? "polling" : "websocket");
    Inbox in;
    in.install(**ch);
    auto auth = in.wait("auth");
    ASSERT_TRUE(auth);
    EXPECT_EQ(*auth, R"([{"who":"me"}])");
    auto r = (*ch)->call("message-with-ack", R"([1,"a",{"_binary":"0102"}])", 10s);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(*r, R"([1,"a",{"_binary":"0102"}])");
    ASSERT_TRUE((*ch)->emit("message", R"(["hi",{"_binary":"ff"}])"));
    auto back = in.wait("message-back");
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, R"(["hi",{"_binary":"ff"}])");
    // Several ping rounds (100 ms) pass while the client keeps answering them.
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE((*ch)->connected()) << (*ch)->transport_name();
  }
}

TEST(ClientOwnServer, CustomNamespaceAndRefusedNamespace) {
  OwnEchoServer srv(fast_pings());
  ASSERT_TRUE(srv.ok()) << srv.error();
  ChannelOptions o;
  o.nsp = "/custom";
  auto ch = connect_channel(srv.url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  auto r = (*ch)->call("message-with-ack", R"(["custom"])", 10s);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, R"(["custom"])");

  o.nsp = "/nope";
  auto refused = connect_channel(srv.url(), o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ChannelError::refused);
  EXPECT_NE(refused.error().detail.find("Invalid namespace"), std::string::npos)
      << refused.error().detail;
}

}  // namespace
}  // namespace unm::transport
