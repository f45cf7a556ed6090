// proxy.h — the forwarding half of `observe`: an HTTP/WebSocket proxy in front of one Socket.IO
// server. It forwards Engine.IO long-polling (GET, POST, OPTIONS pre-flights), WebSocket
// connections (including the polling→WebSocket upgrade; text and binary messages) unchanged, many
// sessions at once, and shows every body and message to a WireTap in wire order; TLS on either
// side. Everything runs on one thread (the caller of run()), so the tap and the judge need no
// locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "conformance/observe/wire_tap.h"
#include "reference/common/expected.h"

namespace unm::conformance::observe {

struct ProxyOptions {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: any free port (listen() returns it)
  std::string upstream_host;
  std::uint16_t upstream_port = 0;
  // TLS of the listener: both set → clients must speak https/wss.
  std::string tls_cert_file, tls_key_file;
  // TLS to the upstream (https/wss): certificates are verified (system store + ca_file, host
  // name checked) unless upstream_verify is false (--insecure, test servers only).
  bool upstream_tls = false;
  bool upstream_verify = true;
  std::string upstream_ca_file;
  // on_tick, when set, is called every tick_interval on the proxy thread (live progress).
  std::function<void()> on_tick;
  std::chrono::milliseconds tick_interval{5000};
};

class Proxy {
 public:
  Proxy(ProxyOptions options, WireTap& tap);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // listen loads the TLS material and binds the listening socket; returns the port or a
  // one-line error.
  Expected<std::uint16_t, std::string> listen();
  // run serves until stop(), until `duration` has passed (0: no limit), or, with
  // `stop_on_signals`, until SIGINT/SIGTERM. Returns why it stopped: "stopped", "duration",
  // "signal SIGINT", "signal SIGTERM". Open connections are dropped when it returns.
  std::string run(std::chrono::milliseconds duration, bool stop_on_signals);
  // stop ends run() (any thread).
  void stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace unm::conformance::observe
