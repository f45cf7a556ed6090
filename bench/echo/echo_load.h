// echo_load.h — the echo benchmark's load generator: N Socket.IO v5 connections over Engine.IO v4
// WebSocket (transport.md TR-EIO-006, TR-SIO-001), emitting an event with an ack id and timing
// each acknowledgement. Built on Boost.Beast/Asio and the pure codecs of reference/transport; the
// same code drives every server, so the comparison is fair by construction.
#pragma once

#include <string>
#include <string_view>

#include "bench/echo/load_options.h"
#include "bench/echo/run_result.h"
#include "reference/common/expected.h"

namespace unm::bench {

// LoadErrorCode — why a run could not take place (failures during the run are counted in the
// RunResult instead).
enum class LoadErrorCode {
  resolve_failed,  // the host name did not resolve
  connect_failed,  // TCP connect or WebSocket upgrade refused
  protocol_error,  // the server broke Engine.IO/Socket.IO during setup (bad open packet, ...)
  refused,         // CONNECT_ERROR for the namespace, or the session was closed during setup
  timeout,         // not every connection was ready within connect_timeout
};

// load_error_name returns a short stable name of `c` ("connect_failed", ...).
std::string_view load_error_name(LoadErrorCode c);

// LoadError — the code and one readable line (the first connection's failure).
struct LoadError {
  LoadErrorCode code;
  std::string detail;
};

// run_load connects options.connections sockets to the server, runs the warm-up and the measured
// window in options.mode, waits up to drain_timeout for outstanding acks, closes every connection
// and returns the counts and latencies. Every step is bounded in time: the call returns after at
// most connect_timeout + warmup + duration + drain_timeout + ~3 s whatever the server does.
Expected<RunResult, LoadError> run_load(const LoadOptions& options);

}  // namespace unm::bench
