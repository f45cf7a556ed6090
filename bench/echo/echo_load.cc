// echo_load.cc — the Beast/Asio load generator (see echo_load.h). The only translation unit of
// the benchmark that instantiates Beast templates.
#include "bench/echo/echo_load.h"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <rapidjson/document.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "bench/echo/ack_match.h"
#include "reference/transport/eio_codec.h"
#include "reference/transport/sio_codec.h"

namespace unm::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace eio = unm::transport::eio;
namespace sio = unm::transport::sio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view load_error_name(LoadErrorCode c) {
  switch (c) {
    case LoadErrorCode::resolve_failed:
      return "resolve_failed";
    case LoadErrorCode::connect_failed:
      return "connect_failed";
    case LoadErrorCode::protocol_error:
      return "protocol_error";
    case LoadErrorCode::refused:
      return "refused";
    case LoadErrorCode::timeout:
      return "timeout";
  }
  return "unknown";
}

namespace {

// A hostile or broken server must not make the generator allocate without bound.
constexpr std::size_t kMaxFrameBytes = 16u << 20;

// Run — state shared by all workers. Everything but the atomics and the failure record is
// written before the phase is posted to the workers and only read afterwards.
struct Run {
  const LoadOptions& options;
  std::string target;              // "/socket.io/?EIO=4&transport=websocket"
  std::string host_header;         // "host:port"
  std::string emit_args;           // ["event","xxxx"]
  std::string expected_ack;        // ["xxxx"]
  Clock::time_point start;         // first emit (warm-up begins)
  Clock::time_point window_start;  // measurement begins
  Clock::time_point window_end;    // no emit is started at or after this
  std::atomic<std::uint32_t> ready{0};
  std::atomic<std::uint32_t> failed{0};
  std::atomic<std::uint32_t> drained{0};
  std::atomic<std::uint32_t> closed{0};

  std::mutex failure_mu;
  std::optional<LoadError> failure;  // the first setup failure

  void fail_setup(LoadErrorCode code, std::string detail) {
    {
      std::lock_guard lock(failure_mu);
      if (!failure) failure = LoadError{code, std::move(detail)};
    }
    failed.fetch_add(1);
  }
};

// Stats — per-worker counters (one thread each, merged after the threads are joined).
struct Stats {
  LatencyHistogram latency_ns;
  std::uint64_t scheduled = 0, sent = 0, acked = 0, skipped = 0, mismatched = 0, unexpected = 0,
                lost = 0, disconnects = 0, protocol_errors = 0;
};

// Connection — one Socket.IO socket on namespace "/". Runs on its worker's single-threaded
// io_context; handlers capture `this`, which outlives them (the worker destroys its connections
// only after its io_context has stopped running).
class Connection {
 public:
  Connection(asio::io_context& ioc, Run& run, Stats& stats, std::uint32_t index)
      : ws_(ioc), timer_(ioc), run_(run), stats_(stats), index_(index) {}

  // start_setup connects, upgrades to WebSocket, reads the open packet and CONNECTs to "/".
  void start_setup(const tcp::resolver::results_type& endpoints) {
    asio::async_connect(
        ws_.next_layer(), endpoints, [this](beast::error_code ec, const tcp::endpoint&) {
          if (ec)
            return setup_failed(LoadErrorCode::connect_failed, "TCP connect: " + ec.message());
          ws_.next_layer().set_option(tcp::no_delay(true), ec);
          ws_.read_message_max(kMaxFrameBytes);
          // The masking keys need no cryptographic strength for a benchmark.
          ws_.secure_prng(false);
          ws_.async_handshake(run_.host_header, run_.target, [this](beast::error_code hec) {
            if (hec) {
              return setup_failed(LoadErrorCode::connect_failed,
                                  "WebSocket upgrade: " + hec.message());
            }
            state_ = State::opening;
            read();
          });
        });
  }

  // start_load begins the phase (posted to the worker once every connection is ready).
  void start_load() {
    if (state_ != State::ready) return;
    state_ = State::loading;
    if (run_.options.mode == LoadMode::closed) {
      for (std::uint32_t i = 0; i < run_.options.inflight; ++i) send_emit(Clock::now(), false);
      return;
    }
    // Open loop: this connection's share of the rate, its first emit staggered so that the
    // connections' emits interleave evenly.
    interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
        static_cast<double>(run_.options.connections) / run_.options.rate));
    next_ = run_.start + interval_ * index_ / run_.options.connections;
    schedule();
  }

  // finish counts the acks still missing and closes the WebSocket.
  void finish() {
    for (const auto& s : pending_) {
      if (s) ++stats_.lost;
    }
    pending_.clear();
    timer_.cancel();
    if (state_ == State::closing) return;
    if (state_ != State::ready && state_ != State::loading) {
      // Never upgraded, or already broken: nothing to close gracefully.
      force_close();
      return mark_closed();
    }
    state_ = State::closing;
    ws_.async_close(websocket::close_code::normal, [this](beast::error_code ec) {
      // The read loop normally ends with the close and marks this connection closed.
      if (ec) mark_closed();
    });
  }

  // force_close drops the TCP connection (the server did not complete the close handshake).
  void force_close() {
    beast::error_code ec;
    ws_.next_layer().close(ec);
  }

 private:
  enum class State { connecting_tcp, opening, connecting_sio, ready, loading, closing, failed };

  struct Slot {
    Clock::time_point stamp;  // send time (closed loop) or scheduled time (open loop)
    bool in_window;           // open loop: scheduled inside the measured window
  };

  // running: set up (CONNECT answered), whether or not the load has started. A connection that
  // breaks from then on is counted as a disconnect instead of failing the setup.
  bool running() const { return state_ == State::ready || state_ == State::loading; }

  void setup_failed(LoadErrorCode code, std::string detail) {
    if (state_ == State::failed) return;
    state_ = State::failed;
    run_.fail_setup(code, "connection " + std::to_string(index_) + ": " + std::move(detail));
    force_close();
    mark_closed();
  }

  // run_failed ends a connection that broke during the load (counted, never fatal).
  void run_failed(bool protocol) {
    if (state_ == State::failed || state_ == State::closing) return;
    if (!running()) {
      return setup_failed(protocol ? LoadErrorCode::protocol_error : LoadErrorCode::refused,
                          "connection lost during setup");
    }
    state_ = State::failed;
    ++stats_.disconnects;
    if (protocol) ++stats_.protocol_errors;
    timer_.cancel();
    force_close();
    mark_drained();
    mark_closed();
  }

  void mark_drained() {
    if (drained_) return;
    drained_ = true;
    run_.drained.fetch_add(1);
  }

  void mark_closed() {
    if (closed_) return;
    closed_ = true;
    run_.closed.fetch_add(1);
  }

  void read() {
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        if (state_ == State::closing || state_ == State::failed) return mark_closed();
        if (running()) {
          run_failed(false);
          return mark_closed();
        }
        setup_failed(LoadErrorCode::refused, "connection closed during setup: " + ec.message());
        return mark_closed();
      }
      const auto now = Clock::now();
      if (ws_.got_text()) {
        const auto data = buffer_.cdata();
        on_text(std::string_view(static_cast<const char*>(data.data()), data.size()), now);
      }
      // Binary frames would be attachments of binary events, which this benchmark never asks for.
      buffer_.consume(buffer_.size());
      if (state_ != State::failed) read();
    });
  }

  void on_text(std::string_view frame, Clock::time_point now) {
    // Fast path for the expected answer (ack_match.h); anything else takes the codec path.
    if (state_ == State::loading) {
      if (const auto id = match_expected_ack(frame, run_.expected_ack)) {
        return on_ack("/", *id, run_.expected_ack, now);
      }
    }
    auto packet = eio::decode_text(frame, kMaxFrameBytes);
    if (!packet)
      return protocol_violation("Engine.IO: " +
                                std::string(eio::decode_error_name(packet.error())));
    switch (packet->type) {
      case eio::PacketType::open: {
        if (state_ != State::opening) return protocol_violation("second Engine.IO open packet");
        if (auto hs = eio::decode_handshake(packet->data); !hs) {
          return protocol_violation("bad handshake: " +
                                    std::string(eio::decode_error_name(hs.error())));
        }
        state_ = State::connecting_sio;
        // TR-SIO-002: CONNECT to the main namespace.
        return send(eio::encode_text(
            eio::text_message(sio::encode(sio::Packet{sio::PacketType::connect, "/", {}, {}, 0}))));
      }
      case eio::PacketType::ping:  // TR-EIO-005: answer every ping with a pong.
        return send(eio::encode_text(eio::Packet{eio::PacketType::pong, false, packet->data}));
      case eio::PacketType::close:
        if (running() || state_ == State::closing) return run_failed(false);
        return setup_failed(LoadErrorCode::refused, "the server closed the Engine.IO session");
      case eio::PacketType::message:
        return on_socketio(packet->data, now);
      default:
        return;  // pong, upgrade, noop: nothing to do over a WebSocket-only session
    }
  }

  void protocol_violation(std::string detail) {
    if (running()) return run_failed(true);
    setup_failed(LoadErrorCode::protocol_error, std::move(detail));
  }

  void on_socketio(std::string_view text, Clock::time_point now) {
    auto p = sio::decode(text);
    if (!p) return protocol_violation("Socket.IO: " + std::string(sio::error_name(p.error())));
    switch (p->type) {
      case sio::PacketType::connect:
        if (state_ != State::connecting_sio) return protocol_violation("unexpected CONNECT");
        state_ = State::ready;
        run_.ready.fetch_add(1);
        return;
      case sio::PacketType::connect_error:
        return setup_failed(LoadErrorCode::refused, "CONNECT_ERROR " + p->data);
      case sio::PacketType::disconnect:
        if (running()) return run_failed(false);
        return setup_failed(LoadErrorCode::refused, "the server sent DISCONNECT");
      case sio::PacketType::ack:
        // Acks arriving after finish() were already counted as lost.
        if (state_ == State::closing) return;
        if (state_ != State::loading) return protocol_violation("ACK before any emit");
        return on_ack(p->nsp, *p->id, p->data, now);
      default:
        return;  // events (the echo apps greet with "auth") and binary packets are not measured
    }
  }

  void on_ack(std::string_view nsp, std::uint64_t id, std::string_view data,
              Clock::time_point now) {
    if (nsp != "/" || id < base_id_ || id - base_id_ >= pending_.size() ||
        !pending_[id - base_id_]) {
      ++stats_.unexpected;
      return;
    }
    const Slot slot = *pending_[id - base_id_];
    pending_[id - base_id_].reset();
    while (!pending_.empty() && !pending_.front()) {
      pending_.pop_front();
      ++base_id_;
    }
    const bool closed_loop = run_.options.mode == LoadMode::closed;
    if (data != run_.expected_ack) {
      ++stats_.mismatched;
    } else {
      const bool counted =
          closed_loop ? (now >= run_.window_start && now < run_.window_end) : slot.in_window;
      if (counted) {
        ++stats_.acked;
        stats_.latency_ns.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - slot.stamp).count()));
      }
    }
    if (state_ != State::loading) return;
    if (closed_loop && now < run_.window_end) {
      send_emit(now, false);
      return;
    }
    if (pending_.empty() && (closed_loop || scheduling_done_)) mark_drained();
  }

  // schedule sends every open-loop emit whose time has come and waits for the next one.
  void schedule() {
    const auto now = Clock::now();
    while (next_ <= now && next_ < run_.window_end) {
      const bool in_window = next_ >= run_.window_start;
      if (in_window) ++stats_.scheduled;
      if (pending_.size() >= run_.options.max_outstanding) {
        if (in_window) ++stats_.skipped;
      } else {
        send_emit(next_, in_window);
      }
      next_ += interval_;
    }
    if (next_ >= run_.window_end) {
      scheduling_done_ = true;
      if (pending_.empty()) mark_drained();
      return;
    }
    timer_.expires_at(next_);
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec && state_ == State::loading) schedule();
    });
  }

  void send_emit(Clock::time_point stamp, bool in_window) {
    const std::uint64_t id = base_id_ + pending_.size();
    pending_.push_back(Slot{stamp, in_window});
    if (run_.options.mode == LoadMode::closed) {
      if (stamp >= run_.window_start && stamp < run_.window_end) ++stats_.sent;
    } else if (in_window) {
      ++stats_.sent;
    }
    // TR-SIO-001: EVENT with an ack id, "42<id>[...]" inside an Engine.IO message.
    send(eio::encode_text(eio::text_message(
        sio::encode(sio::Packet{sio::PacketType::event, "/", id, run_.emit_args, 0}))));
  }

  // send queues one text frame; Beast allows one write in flight per stream.
  void send(std::string frame) {
    out_.push_back(std::move(frame));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(out_.front()), [this](beast::error_code ec, std::size_t) {
      out_.pop_front();
      if (ec) {
        writing_ = false;
        out_.clear();
        if (running()) run_failed(false);
        return;
      }
      if (out_.empty() || state_ == State::failed) {
        writing_ = false;
        return;
      }
      write_next();
    });
  }

  // A plain socket rather than beast::tcp_stream: every wait here is bounded by run_load's own
  // deadlines, and the per-operation timer machinery would only add cost to each round trip.
  websocket::stream<tcp::socket> ws_;
  asio::steady_timer timer_;
  Run& run_;
  Stats& stats_;
  std::uint32_t index_;
  State state_ = State::connecting_tcp;
  beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  // pending_[i] is the emit with ack id base_id_ + i, empty once answered; ids are sequential,
  // so lookup and removal are O(1) whatever the order of the acks.
  std::deque<std::optional<Slot>> pending_;
  std::uint64_t base_id_ = 0;
  Clock::duration interval_{};
  Clock::time_point next_;
  bool scheduling_done_ = false;
  bool drained_ = false;
  bool closed_ = false;
};

// Worker — one io_context and its thread, with the connections it drives.
struct Worker {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ioc);
  Stats stats;
  std::vector<std::unique_ptr<Connection>> connections;
  std::thread thread;
  std::atomic<bool> stopped{false};
};

// wait_until polls `done` every millisecond until it holds or `deadline` passes. The main thread
// only waits, so polling costs nothing measurable.
template <class F>
bool wait_until(Clock::time_point deadline, F done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string json_string(std::string_view s) {
  rapidjson::Value v(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return sio::to_json(v);
}

}  // namespace

Expected<RunResult, LoadError> run_load(const LoadOptions& o) {
  Run run{o};
  run.target = o.path + "?EIO=4&transport=websocket";
  run.host_header = o.host + ":" + std::to_string(o.port);
  // An alphanumeric payload serializes identically in every JSON encoder, so the expected ack is
  // known byte for byte.
  std::string payload(o.payload_bytes, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + 3) % 36];
  }
  run.emit_args = "[" + json_string(o.event) + "," + json_string(payload) + "]";
  run.expected_ack = "[" + json_string(payload) + "]";

  tcp::resolver::results_type endpoints;
  {
    asio::io_context rioc;
    tcp::resolver resolver(rioc);
    beast::error_code ec;
    endpoints = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec)
      return Unexpected{LoadError{LoadErrorCode::resolve_failed, o.host + ": " + ec.message()}};
  }

  const std::uint32_t nthreads = std::max<std::uint32_t>(1, std::min(o.threads, o.connections));
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::uint32_t t = 0; t < nthreads; ++t) workers.push_back(std::make_unique<Worker>());
  for (std::uint32_t i = 0; i < o.connections; ++i) {
    Worker& w = *workers[i % nthreads];
    w.connections.push_back(std::make_unique<Connection>(w.ioc, run, w.stats, i));
  }
  for (auto& w : workers) {
    for (auto& c : w->connections) c->start_setup(endpoints);
    w->thread = std::thread([&wk = *w] {
      wk.ioc.run();
      wk.stopped = true;
    });
  }
  const auto post_all = [&](auto f) {
    for (auto& w : workers) {
      asio::post(w->ioc, [&wk = *w, f] {
        for (auto& c : wk.connections) f(*c);
      });
    }
  };
  // stop_all closes every connection and joins the threads, forcing the issue after 2 s.
  const auto stop_all = [&] {
    post_all([](Connection& c) { c.finish(); });
    wait_until(Clock::now() + std::chrono::seconds(2),
               [&] { return run.closed.load() >= o.connections; });
    post_all([](Connection& c) { c.force_close(); });
    for (auto& w : workers) w->guard.reset();
    const auto deadline = Clock::now() + std::chrono::seconds(1);
    for (auto& w : workers) {
      if (!wait_until(deadline, [&] { return w->stopped.load(); })) w->ioc.stop();
      w->thread.join();
    }
  };

  const auto setup_started = Clock::now();
  const bool all_answered = wait_until(setup_started + o.connect_timeout, [&] {
    return run.ready.load() + run.failed.load() >= o.connections;
  });
  if (!all_answered || run.failed.load() > 0) {
    stop_all();
    std::lock_guard lock(run.failure_mu);
    if (run.failure) return Unexpected{*run.failure};
    return Unexpected{LoadError{LoadErrorCode::timeout,
                                std::to_string(run.ready.load()) + " of " +
                                    std::to_string(o.connections) + " connections ready within " +
                                    std::to_string(o.connect_timeout.count()) + " ms"}};
  }

  RunResult result;
  result.options = o;
  result.options.threads = nthreads;
  result.connect_seconds = std::chrono::duration<double>(Clock::now() - setup_started).count();
  result.load_before = load_average();

  // The phase's clock: a short lead so every worker has the times before the first emit.
  run.start = Clock::now() + std::chrono::milliseconds(5);
  run.window_start = run.start + o.warmup;
  run.window_end = run.window_start + o.duration;
  post_all([](Connection& c) { c.start_load(); });

  std::this_thread::sleep_until(run.window_start);
  const double cpu_before = self_cpu_seconds();
  if (o.server_pid) {
    if (auto s = sample_process(*o.server_pid)) result.server_before = *s;
  }
  std::this_thread::sleep_until(run.window_end);
  result.generator_cpu_seconds = self_cpu_seconds() - cpu_before;
  if (o.server_pid) {
    if (auto s = sample_process(*o.server_pid)) result.server_after = *s;
  }
  result.window_seconds = std::chrono::duration<double>(run.window_end - run.window_start).count();
  result.load_after = load_average();

  wait_until(run.window_end + o.drain_timeout, [&] { return run.drained.load() >= o.connections; });
  stop_all();

  for (auto& w : workers) {
    const Stats& s = w->stats;
    result.latency_ns.merge(s.latency_ns);
    result.scheduled += s.scheduled;
    result.sent += s.sent;
    result.acked += s.acked;
    result.skipped += s.skipped;
    result.mismatched += s.mismatched;
    result.unexpected += s.unexpected;
    result.lost += s.lost;
    result.disconnects += s.disconnects;
    result.protocol_errors += s.protocol_errors;
  }
  if (o.mode == LoadMode::closed) result.scheduled = result.sent;
  return result;
}

}  // namespace unm::bench
