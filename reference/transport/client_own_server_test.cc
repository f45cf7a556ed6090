// client_own_server_test.cc — our client against our own server (the compliance echo app of
// transport.md §4, run in-process on a port the OS picks): every transport mode, acks with
// binary attachments, server events, the auth echo, refused namespaces (TR-SIO-002), pings.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
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

// Outcomes collects call_async completions: their text ("error <code>: detail" for failures) and
// whether any ran on the thread that made the call.
struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> results;
  bool on_caller_thread = false;
  std::thread::id caller = std::this_thread::get_id();

  void add(const Expected<std::string, ChannelFailure>& r) {
    std::lock_guard lock(mu);
    results.push_back(r ? *r
                        : "error " + std::string(channel_error_name(r.error().code)) + ": " +
                              r.error().detail);
    if (std::this_thread::get_id() == caller) on_caller_thread = true;
    cv.notify_all();
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return results.size() >= n; });
  }
};

// call_async (event_channel.h): completions run on the channel's I/O thread, and a completion
// may make the next call — 50 calls chained that way come back in order, in every transport mode.
TEST(ClientOwnServer, CallAsyncCompletionsChainTheNextCall) {
  OwnEchoServer srv(fast_pings());
  ASSERT_TRUE(srv.ok()) << srv.error();
  for (const auto& o : all_modes()) {
    auto ch = connect_channel(srv.url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    Outcomes out;
    std::function<void(int)> next = [&](int i) {
      if (i == 50) return;
      (*ch)->call_async("message-with-ack", "[" + std::to_string(i) + "]", 10s,
                        [&, i](Expected<std::string, ChannelFailure> r) {
                          out.add(r);
                          next(i + 1);
                        });
    };
    next(0);
    ASSERT_TRUE(out.wait_for_count(50)) << (*ch)->transport_name();
    std::lock_guard lock(out.mu);
    // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
    for (int i = 0; i < 50; ++i)
      EXPECT_EQ(out.results[i], std::string("[").append(std::to_string(i)).append("]"));
    EXPECT_FALSE(out.on_caller_thread);
  }
}

// 500 calls made back to back without waiting (frames queued together, corked) each get their
// own ACK: ack ids never cross.
// numbered_payload is `[i,"ppp…"]` (i p's), appended piece by piece: GCC 12 at -O3 warns falsely
// (-Wrestrict) about `"text" + std::string`.
std::string numbered_payload(int i) {
  std::string s("[");
  s += std::to_string(i);
  s += ",\"";
  s.append(static_cast<std::size_t>(i), 'p');
  s += "\"]";
  return s;
}

TEST(ClientOwnServer, CallAsyncManyInFlightEachGetItsOwnAck) {
  OwnEchoServer srv(fast_pings());
  ASSERT_TRUE(srv.ok()) << srv.error();
  ChannelOptions o;
  o.websocket_only = true;
  auto ch = connect_channel(srv.url(), o);
  ASSERT_TRUE(ch) << ch.error().detail;
  std::vector<std::string> got(500);
  Outcomes out;
  for (int i = 0; i < 500; ++i) {
    (*ch)->call_async("message-with-ack", numbered_payload(i), 10s,
                      [&, i](Expected<std::string, ChannelFailure> r) {
                        got[static_cast<std::size_t>(i)] = r ? *r : "error";
                        out.add(r);
                      });
  }
  ASSERT_TRUE(out.wait_for_count(500));
  std::lock_guard lock(out.mu);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], numbered_payload(i));
}

// An unanswered call_async times out (not before its timeout, and the channel stays usable); a
// call pending when the channel closes, and one made after, fail as disconnected — never on the
// caller's thread.
TEST(ClientOwnServer, CallAsyncTimesOutAndFailsOnClose) {
  OwnEchoServer srv(fast_pings());
  ASSERT_TRUE(srv.ok()) << srv.error();
  auto ch = connect_channel(srv.url(), ChannelOptions{});
  ASSERT_TRUE(ch) << ch.error().detail;
  Outcomes out;
  const auto t0 = std::chrono::steady_clock::now();
  // The echo app answers "message" with an event, never with an ACK.
  (*ch)->call_async("message", R"(["x"])", 300ms,
                    [&](Expected<std::string, ChannelFailure> r) { out.add(r); });
  ASSERT_TRUE(out.wait_for_count(1));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  (*ch)->call_async("message-with-ack", "[1]", 10s,
                    [&](Expected<std::string, ChannelFailure> r) { out.add(r); });
  ASSERT_TRUE(out.wait_for_count(2));
  (*ch)->call_async("message", R"(["never"])", 60s,
                    [&](Expected<std::string, ChannelFailure> r) { out.add(r); });
  (*ch)->close();
  ASSERT_TRUE(out.wait_for_count(3));
  (*ch)->call_async("message-with-ack", "[2]", 10s,
                    [&](Expected<std::string, ChannelFailure> r) { out.add(r); });
  ASSERT_TRUE(out.wait_for_count(4));
  std::lock_guard lock(out.mu);
  EXPECT_EQ(out.results[0], "error timeout: no ACK for 'message' within 300 ms");
  EXPECT_EQ(out.results[1], "[1]");
  EXPECT_EQ(out.results[2].rfind("error disconnected: ", 0), 0U) << out.results[2];
  EXPECT_EQ(out.results[3], "error disconnected: not connected");
  EXPECT_FALSE(out.on_caller_thread);
}

// Channels on one SharedIoThread: every handler runs on that one thread; call() from a handler
// on it refuses for any channel of the thread (waiting there would deadlock them all); closing
// some channels leaves the others working; the thread outlives the shared_ptr given out.
TEST(ClientOwnServer, ChannelsCanShareOneIoThread) {
  OwnEchoServer srv(fast_pings());
  ASSERT_TRUE(srv.ok()) << srv.error();
  auto io = make_shared_io_thread();
  std::vector<std::unique_ptr<EventChannel>> chans;
  for (int i = 0; i < 20; ++i) {
    ChannelOptions o;
    o.websocket_only = i % 2 == 0;
    o.polling_only = i % 4 == 1;
    o.io_thread = io;
    auto ch = connect_channel(srv.url(), o);
    ASSERT_TRUE(ch) << ch.error().detail;
    chans.push_back(std::move(*ch));
  }
  io.reset();  // the channels keep the thread alive
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread::id> handler_threads;
  std::vector<std::string> refusals;
  for (std::size_t i = 0; i < chans.size(); ++i) {
    EventChannel* other = chans[(i + 1) % chans.size()].get();
    // The name by reference: taken by value, GCC 12 at -O3 warned falsely (-Wmaybe-uninitialized)
    // about the comparison below.
    chans[i]->set_event_handler([&, other](const std::string& name, const std::string&) {
      if (name != "message-back") return;
      auto r = other->call("message-with-ack", "[0]", 1s);
      std::lock_guard lock(mu);
      handler_threads.push_back(std::this_thread::get_id());
      refusals.push_back(r ? "answered" : std::string(channel_error_name(r.error().code)));
      cv.notify_all();
    });
  }
  for (std::size_t i = 0; i < chans.size(); ++i) {
    auto r = chans[i]->call("message-with-ack", "[" + std::to_string(i) + "]", 10s);
    ASSERT_TRUE(r) << i << ": " << r.error().detail;
    EXPECT_EQ(*r, "[" + std::to_string(i) + "]");
    ASSERT_TRUE(chans[i]->emit("message", R"(["x"])"));
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return handler_threads.size() == chans.size(); }));
    for (const auto& t : handler_threads) EXPECT_EQ(t, handler_threads[0]);
    EXPECT_NE(handler_threads[0], std::this_thread::get_id());
    for (const auto& r : refusals) EXPECT_EQ(r, "bad_argument");
  }
  // Closing half of them leaves the other half usable.
  for (std::size_t i = 0; i < chans.size(); i += 2) chans[i].reset();
  for (std::size_t i = 1; i < chans.size(); i += 2) {
    auto r = chans[i]->call("message-with-ack", "[\"still\"]", 10s);
    ASSERT_TRUE(r) << i << ": " << r.error().detail;
    EXPECT_EQ(*r, R"(["still"])");
  }
  chans.clear();  // the last channel ends the thread (its destructor joins it)
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
