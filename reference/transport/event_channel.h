// event_channel.h — the contract between application clients (the client library, the
// conformance runner, the load tool, the live fuzzer) and a Socket.IO client connection.
//
// EventChannel is one Socket.IO v5 socket on one namespace, seen from the client side. JSON
// crosses this boundary as text (compact JSON), so that callers can keep exact transcripts and
// send deliberately odd payloads; callers parse with RapidJSON where they need a DOM.
//
// Thread-safety: every member function may be called from any thread. Handlers run on the
// channel's I/O thread and must not block for long; call() must not be called from a handler
// (call_async may).
//
// The implementation (client_channel.cc, connect_channel) gives every channel its own
// io_context and one I/O thread, unless ChannelOptions::io_thread names a shared one; a channel
// must not be destroyed from a handler running on its I/O thread.
// Binary values (Socket.IO attachments, TR-SIO-004) cross this boundary as JSON objects with
// exactly one member {"_binary":"<lowercase hex>"}, in both directions. Reconnecting means
// calling connect_channel again with the same URL and options (a new Engine.IO session); a
// closed channel never comes back to life. The client side of docs/transport.md ("## Client")
// describes transports, failure reasons and TLS.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reference/common/expected.h"

namespace unm::transport {

// ChannelError classifies why a channel operation failed.
enum class ChannelError {
  invalid_url,     // the URL could not be parsed or names an unsupported scheme
  connect_failed,  // TCP/TLS/HTTP/Engine.IO/Socket.IO connection could not be established
  tls_error,       // certificate verification or TLS handshake failed
  refused,         // the server answered CONNECT_ERROR
  timeout,         // no answer within the given time
  disconnected,    // the connection closed (by either side) before the operation completed
  protocol_error,  // the peer sent something that violates Engine.IO/Socket.IO
  bad_argument,    // the caller passed something unusable (e.g. args_json is not a JSON array)
};

// channel_error_name returns a short stable name of `e` ("timeout", "disconnected", ...).
std::string_view channel_error_name(ChannelError e);

// ChannelFailure is a ChannelError with a human-readable detail for reports.
struct ChannelFailure {
  ChannelError code;
  std::string detail;
};

// FrameDirection says which way a logged frame travelled.
enum class FrameDirection { sent, received };

// FrameObserver sees every Engine.IO packet on the wire (text as is, binary as "<binary N bytes>"),
// with the time it was sent or received: transcripts for reports and debugging.
using FrameObserver = std::function<void(FrameDirection, std::chrono::system_clock::time_point,
                                         std::string_view frame)>;

// EventHandler receives a server event: its name and the JSON array text of its arguments.
using EventHandler = std::function<void(std::string name, std::string args_json_array)>;
// DisconnectHandler is told once when the connection is gone, with the reason.
using DisconnectHandler = std::function<void(const ChannelFailure&)>;

// CallCompletion receives the outcome of call_async: the ACK's argument array as JSON text, or why
// there is none.
using CallCompletion = std::function<void(Expected<std::string, ChannelFailure>)>;

// EventChannel — one connected Socket.IO socket (see file comment).
class EventChannel {
 public:
  virtual ~EventChannel() = default;

  // call emits EVENT [event, ...args] with a fresh ack id and waits up to `timeout` for the ACK;
  // returns the ACK's argument array as JSON text. `args_json_array` must be a JSON array text.
  virtual Expected<std::string, ChannelFailure> call(std::string_view event,
                                                     std::string_view args_json_array,
                                                     std::chrono::milliseconds timeout) = 0;

  // call_async is call() without waiting: `done` gets the outcome exactly once (the ACK, or
  // timeout / disconnected / bad_argument). On a connected channel `done` runs on the channel's
  // I/O thread, never inside call_async, and may itself call call_async (a closed-loop load
  // generator keeps W requests in flight per connection without W threads). The default
  // implementation, for channels without an I/O thread such as test doubles, runs call() and
  // then `done` on the caller's thread.
  virtual void call_async(std::string_view event, std::string_view args_json_array,
                          std::chrono::milliseconds timeout, CallCompletion done) {
    done(call(event, args_json_array, timeout));
  }

  // emit sends EVENT [event, ...args] without an ack id.
  virtual Expected<void, ChannelFailure> emit(std::string_view event,
                                              std::string_view args_json_array) = 0;

  // send_raw sends one Engine.IO message packet whose data is `socketio_packet` verbatim (e.g.
  // "2[\"x\"" — malformed on purpose). For conformance and fuzzing only.
  virtual Expected<void, ChannelFailure> send_raw(std::string_view socketio_packet) = 0;

  // set_event_handler installs the handler for server events (replacing any earlier one).
  // Events that arrive while no handler is installed are queued and handed to the next one.
  virtual void set_event_handler(EventHandler handler) = 0;
  virtual void set_disconnect_handler(DisconnectHandler handler) = 0;
  virtual void set_frame_observer(FrameObserver observer) = 0;

  // connected reports whether the Socket.IO socket is still connected.
  virtual bool connected() const = 0;
  // transport_name is "websocket" or "polling" (the transport currently carrying packets).
  virtual std::string transport_name() const = 0;

  // close sends a Socket.IO DISCONNECT and an Engine.IO close, then tears the connection down.
  // Idempotent; the destructor calls it.
  virtual void close() = 0;
};

// SharedIoThread is an I/O thread that several channels can share (ChannelOptions::io_thread).
// By default every channel starts its own; a client with hundreds of connections (a load
// generator) then pays a thread wake-up per frame on each. With a shared thread, handlers of all
// its channels run on it one at a time, so none may block, and none may destroy a channel of it.
// The thread ends when the last channel using it and the last shared_ptr to it are gone.
class SharedIoThread;
std::shared_ptr<SharedIoThread> make_shared_io_thread();

// ChannelOptions — how to connect.
struct ChannelOptions {
  std::string nsp = "/";        // Socket.IO namespace
  std::string auth_json;        // CONNECT auth object (JSON text), empty for none
  bool websocket_only = false;  // skip long-polling entirely
  bool polling_only = false;    // never upgrade to WebSocket
  bool verify_tls = true;       // certificate checking; false only for test servers
  std::string ca_file;          // extra trusted CA (PEM), empty for the system store
  std::chrono::milliseconds connect_timeout{10'000};
  FrameObserver observer;  // optional, installed before the first frame
  // polling_then_upgrade: with websocket_only and polling_only both false, open the session over
  // long-polling and then upgrade it to WebSocket (TR-EIO-006), as the official client does.
  // When false (the default), WebSocket is tried first and long-polling is the fallback.
  bool polling_then_upgrade = false;
  // io_thread: run this channel on a shared I/O thread (make_shared_io_thread) instead of its
  // own.
  std::shared_ptr<SharedIoThread> io_thread;
};

// connect_channel opens a Socket.IO connection to `url` (http://, https://, ws://, wss://; path
// defaults to /socket.io/, query kept) and returns it once the Socket.IO CONNECT is answered.
Expected<std::unique_ptr<EventChannel>, ChannelFailure> connect_channel(std::string_view url,
                                                                        const ChannelOptions& opts);

}  // namespace unm::transport
