// fake_channel_test.h — an in-process EventChannel whose "server" is a test function, so the
// engine, outcomes and reports can be tested without a network or the reference server.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "conformance/src/engine.h"

namespace unm::conformance::testing {

class FakeChannel;

// FakeServer answers a request: the ack's argument array as JSON text, or nullopt for no ack.
using FakeServer = std::function<std::optional<std::string>(FakeChannel&, const std::string& event,
                                                            const std::string& args)>;

// FakeChannel — see file comment. Notifications pushed by the server are delivered
// synchronously to the installed handler (or queued until one is installed).
class FakeChannel final : public transport::EventChannel {
 public:
  FakeChannel(FakeServer server, transport::FrameObserver obs)
      : server_(std::move(server)), obs_(std::move(obs)) {}

  Expected<std::string, transport::ChannelFailure> call(std::string_view event,
                                                        std::string_view args,
                                                        std::chrono::milliseconds) override {
    log(transport::FrameDirection::sent, "42" + std::string(args));
    auto r = server_(*this, std::string(event), std::string(args));
    if (!r)
      return Unexpected{transport::ChannelFailure{transport::ChannelError::timeout, "no ack"}};
    log(transport::FrameDirection::received, "43" + *r);
    return *r;
  }
  Expected<void, transport::ChannelFailure> emit(std::string_view event,
                                                 std::string_view args) override {
    log(transport::FrameDirection::sent, "42" + std::string(args));
    (void)server_(*this, std::string(event), std::string(args));
    return {};
  }
  Expected<void, transport::ChannelFailure> send_raw(std::string_view p) override {
    log(transport::FrameDirection::sent, "4" + std::string(p));
    // The server sees raw packets as the pseudo-event "<raw>" (so tests can record them).
    (void)server_(*this, "<raw>", std::string(p));
    return {};
  }
  void set_event_handler(transport::EventHandler h) override {
    std::deque<std::pair<std::string, std::string>> q;
    {
      std::lock_guard<std::mutex> lock(m_);
      handler_ = std::move(h);
      q.swap(queued_);
    }
    for (auto& [n, a] : q) handler_(n, a);
  }
  void set_disconnect_handler(transport::DisconnectHandler) override {}
  void set_frame_observer(transport::FrameObserver o) override { obs_ = std::move(o); }
  bool connected() const override { return up; }
  std::string transport_name() const override { return "fake"; }
  void close() override { up = false; }

  // push delivers a notification to this channel.
  void push(const std::string& name, const std::string& payload_json) {
    log(transport::FrameDirection::received, "42[\"" + name + "\"," + payload_json + "]");
    transport::EventHandler h;
    {
      std::lock_guard<std::mutex> lock(m_);
      if (!handler_) {
        queued_.emplace_back(name, "[" + payload_json + "]");
        return;
      }
      h = handler_;
    }
    h(name, "[" + payload_json + "]");
  }

  bool up = true;
  std::string user;  // logged-in user, managed by fake servers

 private:
  void log(transport::FrameDirection d, const std::string& f) {
    if (obs_) obs_(d, std::chrono::system_clock::now(), f);
  }
  FakeServer server_;
  transport::FrameObserver obs_;
  std::mutex m_;
  transport::EventHandler handler_;
  std::deque<std::pair<std::string, std::string>> queued_;
};

// fake_connector makes a Connector whose channels all talk to `server` ("http://unreachable"
// fails to connect).
inline Connector fake_connector(FakeServer server) {
  return [server](std::string_view url, const transport::ChannelOptions& o)
             -> Expected<std::unique_ptr<transport::EventChannel>, transport::ChannelFailure> {
    if (url == "http://unreachable") {
      return Unexpected{
          transport::ChannelFailure{transport::ChannelError::connect_failed, "connection refused"}};
    }
    auto ch = std::make_unique<FakeChannel>(server, o.observer);
    return std::unique_ptr<transport::EventChannel>(std::move(ch));
  };
}

}  // namespace unm::conformance::testing
