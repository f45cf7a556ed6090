// echo_bench_test.cc — tests of the echo benchmark's parts: the latency histogram (RapidCheck
// properties against exact nearest-rank percentiles), the flags, /proc parsing, the JSON report,
// and the load generator end to end against in-process Socket.IO servers: our echo server, and
// servers that misbehave on purpose (wrong ack arguments, acks out of order, no acks, dropping
// the socket). No timing is asserted: only counts that hold whatever the machine's speed.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "bench/echo/ack_match.h"
#include "bench/echo/echo_load.h"
#include "bench/echo/latency_histogram.h"
#include "bench/echo/load_options.h"
#include "bench/echo/run_result.h"
#include "reference/transport/echo.h"
#include "reference/transport/eio_codec.h"
#include "reference/transport/sio_codec.h"
#include "reference/transport/socketio_server.h"

namespace unm::bench {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// ---------------------------------------------------------------- LatencyHistogram

// exact_percentile is the nearest-rank definition percentile() approximates.
std::uint64_t exact_percentile(std::vector<std::uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  if (q <= 0) return v.front();
  if (q >= 1) return v.back();
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(0.5), 50u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.percentile(0.0), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, LargeValuesKeepRelativePrecision) {
  LatencyHistogram h;
  h.record(1'000'000);  // 1 ms in ns
  h.record(3'000'000'000);
  const auto p = h.percentile(0.5);
  EXPECT_NEAR(static_cast<double>(p), 1e6, 1e6 / 128);
  EXPECT_EQ(h.percentile(1.0), 3'000'000'000u);
}

TEST(LatencyHistogram, ValuesAboveTheRangeAreSaturatedNotLost) {
  LatencyHistogram h;
  h.record(LatencyHistogram::max_value() + 5);
  h.record(7);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.max(), LatencyHistogram::max_value());
}

RC_GTEST_PROP(LatencyHistogram, PercentileWithinBucketPrecisionOfExact, ()) {
  // Values spread over many orders of magnitude, as latencies under load are.
  const auto values = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::uint64_t>>(
      rc::gen::map(rc::gen::pair(rc::gen::inRange<int>(0, 40), rc::gen::arbitrary<std::uint64_t>()),
                   [](const std::pair<int, std::uint64_t>& p) {
                     return p.second & ((std::uint64_t{1} << p.first) - 1);
                   })));
  const double q = *rc::gen::element(0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0);
  LatencyHistogram h;
  for (auto v : values) h.record(v);
  const auto exact = exact_percentile(values, q);
  const auto got = h.percentile(q);
  RC_ASSERT(static_cast<double>(got > exact ? got - exact : exact - got) <=
            static_cast<double>(exact) / 128.0 + 1.0);
  RC_ASSERT(h.count() == values.size());
  RC_ASSERT(h.min() == *std::min_element(values.begin(), values.end()));
  RC_ASSERT(h.max() == *std::max_element(values.begin(), values.end()));
}

RC_GTEST_PROP(LatencyHistogram, MergeEqualsRecordingEverything,
              (const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b)) {
  LatencyHistogram ha, hb, all;
  for (auto v : a) ha.record(v), all.record(v);
  for (auto v : b) hb.record(v), all.record(v);
  ha.merge(hb);
  RC_ASSERT(ha.count() == all.count());
  RC_ASSERT(ha.min() == all.min());
  RC_ASSERT(ha.max() == all.max());
  RC_ASSERT(ha.mean() == all.mean());
  for (double q : {0.1, 0.5, 0.9, 0.99}) RC_ASSERT(ha.percentile(q) == all.percentile(q));
}

RC_GTEST_PROP(LatencyHistogram, PercentilesAreMonotonic, (const std::vector<std::uint64_t>& v)) {
  LatencyHistogram h;
  for (auto x : v) h.record(x);
  std::uint64_t last = h.min();
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    RC_ASSERT(h.percentile(q) >= last);
    last = h.percentile(q);
  }
  RC_ASSERT(last == h.max());
}

// ---------------------------------------------------------------- ack fast path

namespace eio = unm::transport::eio;
namespace sio = unm::transport::sio;

// ack_frame is the frame the codec produces for ACK `id` with `args` on "/".
std::string ack_frame(std::uint64_t id, const std::string& args) {
  return eio::encode_text(
      eio::text_message(sio::encode(sio::Packet{sio::PacketType::ack, "/", id, args, 0})));
}

TEST(AckMatch, AcceptsExactlyTheExpectedAck) {
  const std::string args = R"(["abc"])";
  EXPECT_EQ(match_expected_ack("43" + args, args), std::nullopt);  // no id
  EXPECT_EQ(match_expected_ack("430" + args, args), 0u);
  EXPECT_EQ(match_expected_ack("4317" + args, args), 17u);
  EXPECT_EQ(match_expected_ack("43017" + args, args), std::nullopt);  // leading zero
  EXPECT_EQ(match_expected_ack("4317" + args + " ", args), std::nullopt);
  EXPECT_EQ(match_expected_ack("4317[\"abd\"]", args), std::nullopt);
  EXPECT_EQ(match_expected_ack("4217" + args, args), std::nullopt);     // an EVENT
  EXPECT_EQ(match_expected_ack("43/x,17" + args, args), std::nullopt);  // other namespace
  EXPECT_EQ(match_expected_ack("431234567890123456789" + args, args), std::nullopt);
  EXPECT_EQ(match_expected_ack("", args), std::nullopt);
}

RC_GTEST_PROP(AckMatch, AgreesWithTheCodecOnItsOwnFrames, ()) {
  const auto id = *rc::gen::inRange<std::uint64_t>(0, 999'999'999'999'999'999ULL);
  const auto payload = *rc::gen::container<std::string>(rc::gen::element('a', 'z', '0', '9', 'q'));
  const std::string args = "[\"" + payload + "\"]";
  RC_ASSERT(match_expected_ack(ack_frame(id, args), args) == std::optional<std::uint64_t>(id));
}

RC_GTEST_PROP(AckMatch, AcceptsOnlyWhatTheCodecDecodesToTheSameAck, ()) {
  // Frames near the expected one: a random prefix (often "43" + digits), then either the
  // expected arguments or random text.
  const std::string args = R"(["payload"])";
  const auto head = *rc::gen::oneOf(
      rc::gen::just(std::string("43")),
      rc::gen::container<std::string>(rc::gen::element('4', '3', '2', '0', '1', '/', ',')));
  const auto digits =
      *rc::gen::container<std::string>(rc::gen::inRange('0', static_cast<char>('9' + 1)));
  const auto tail = *rc::gen::oneOf(rc::gen::just(args), rc::gen::arbitrary<std::string>());
  const std::string frame = head + digits + tail;
  const auto fast = match_expected_ack(frame, args);
  if (!fast) return;  // the generator falls back to the codec: nothing to check
  const auto packet = eio::decode_text(frame);
  RC_ASSERT(packet.has_value());
  RC_ASSERT(packet->type == eio::PacketType::message);
  const auto ack = sio::decode(packet->data);
  RC_ASSERT(ack.has_value());
  RC_ASSERT(ack->type == sio::PacketType::ack);
  RC_ASSERT(ack->nsp == "/");
  RC_ASSERT(ack->id == fast);
  RC_ASSERT(ack->data == args);
}

// ---------------------------------------------------------------- flags

Expected<FlagsResult, std::string> parse(std::vector<std::string_view> args) {
  return parse_load_flags(args);
}

TEST(LoadFlags, DefaultsNeedOnlyAPort) {
  const auto r = parse({"--port", "3000"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->help);
  EXPECT_EQ(r->options.port, 3000);
  EXPECT_EQ(r->options.host, "127.0.0.1");
  EXPECT_EQ(r->options.path, "/socket.io/");
  EXPECT_EQ(r->options.mode, LoadMode::closed);
  EXPECT_EQ(r->options.connections, 50u);
  EXPECT_EQ(r->options.inflight, 8u);
  EXPECT_EQ(r->options.payload_bytes, 64u);
  EXPECT_EQ(r->options.event, "message-with-ack");
  EXPECT_EQ(r->options.duration, 5000ms);
  EXPECT_FALSE(r->options.server_pid);
}

TEST(LoadFlags, EveryFlagInBothForms) {
  const auto r = parse({"--port=4000",
                        "--host",
                        "localhost",
                        "--path=/x/",
                        "--label",
                        "node",
                        "--mode",
                        "open",
                        "--rate=1500.5",
                        "--connections",
                        "7",
                        "--payload=0",
                        "--event",
                        "ping-me",
                        "--warmup",
                        "0.25",
                        "--duration=2",
                        "--drain-timeout",
                        "0",
                        "--connect-timeout",
                        "3",
                        "--threads",
                        "2",
                        "--max-outstanding",
                        "9",
                        "--server-pid",
                        "42"});
  ASSERT_TRUE(r) << r.error();
  const LoadOptions& o = r->options;
  EXPECT_EQ(o.port, 4000);
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.path, "/x/");
  EXPECT_EQ(o.label, "node");
  EXPECT_EQ(o.mode, LoadMode::open);
  EXPECT_DOUBLE_EQ(o.rate, 1500.5);
  EXPECT_EQ(o.connections, 7u);
  EXPECT_EQ(o.payload_bytes, 0u);
  EXPECT_EQ(o.event, "ping-me");
  EXPECT_EQ(o.warmup, 250ms);
  EXPECT_EQ(o.duration, 2000ms);
  EXPECT_EQ(o.drain_timeout, 0ms);
  EXPECT_EQ(o.connect_timeout, 3000ms);
  EXPECT_EQ(o.threads, 2u);
  EXPECT_EQ(o.max_outstanding, 9u);
  EXPECT_EQ(o.server_pid, 42);
}

TEST(LoadFlags, HelpWins) {
  const auto r = parse({"--bogus-but-later-ignored", "--help"});
  // Flags are read in order: the unknown flag comes first and is reported.
  EXPECT_FALSE(r);
  const auto h = parse({"--help", "--bogus"});
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->help);
  EXPECT_NE(load_usage().find("--inflight"), std::string::npos);
}

TEST(LoadFlags, BadInputGivesAnErrorNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases = {
      {{}, "--port is required"},
      {{"--port", "0"}, "--port"},
      {{"--port", "70000"}, "--port"},
      {{"--port", "12x"}, "--port"},
      {{"--port"}, "--port needs a value"},
      {{"--port", "1", "--connections", "0"}, "--connections"},
      {{"--port", "1", "--connections", "20001"}, "--connections"},
      {{"--port", "1", "--inflight", "-1"}, "--inflight"},
      {{"--port", "1", "--mode", "sideways"}, "--mode"},
      {{"--port", "1", "--mode", "open"}, "needs --rate"},
      {{"--port", "1", "--rate", "100"}, "--mode open only"},
      {{"--port", "1", "--mode", "open", "--rate", "0"}, "--rate"},
      {{"--port", "1", "--mode", "open", "--rate", "nan"}, "--rate"},
      {{"--port", "1", "--duration", "0"}, "--duration"},
      {{"--port", "1", "--duration", "-1"}, "--duration"},
      {{"--port", "1", "--warmup", "1e9"}, "--warmup"},
      {{"--port", "1", "--payload", "900001"}, "--payload"},
      {{"--port", "1", "--path", "nope"}, "--path"},
      {{"--port", "1", "--threads", "65"}, "--threads"},
      {{"--port", "1", "--server-pid", "0"}, "--server-pid"},
      {{"--port", "1", "--frobnicate", "1"}, "unknown flag: --frobnicate"},
      {{"--port", "1", "stray"}, "unexpected argument: stray"},
  };
  for (const auto& [args, want] : cases) {
    const auto r = parse(args);
    ASSERT_FALSE(r) << want;
    EXPECT_NE(r.error().find(want), std::string::npos) << r.error() << " / want " << want;
  }
}

TEST(LoadFlags, ThreadsAreCappedByConnections) {
  const auto r = parse({"--port", "1", "--connections", "2", "--threads", "8"});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->options.threads, 2u);
}

RC_GTEST_PROP(LoadFlags, IntegersRoundTrip, ()) {
  const auto port = *rc::gen::inRange<std::uint32_t>(1, 65536);
  const auto conns = *rc::gen::inRange<std::uint32_t>(1, 20001);
  const auto inflight = *rc::gen::inRange<std::uint32_t>(1, 100001);
  const auto ms = *rc::gen::inRange<std::uint32_t>(1, 86'400'000);
  const std::string p = std::to_string(port), c = std::to_string(conns),
                    w = std::to_string(inflight), d = std::to_string(ms / 1000.0);
  const auto r = parse({"--port", p, "--connections=" + c, "--inflight", w, "--duration", d});
  // The concatenated temporaries above live until the end of the full expression.
  RC_ASSERT(r.has_value());
  RC_ASSERT(r->options.port == port);
  RC_ASSERT(r->options.connections == conns);
  RC_ASSERT(r->options.inflight == inflight);
  RC_ASSERT(std::llabs(r->options.duration.count() - static_cast<long long>(ms)) <= 1);
}

// ---------------------------------------------------------------- /proc

TEST(ProcSample, ParsesStatWithAwkwardCommandName) {
  // utime 250 and stime 50 ticks at 100 Hz: 3 s.
  const std::string stat =
      "1234 (my (odd) name) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 3 0 100 "
      "1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const std::string status = "Name:\tx\nThreads:\t3\nVmRSS:\t   10824 kB\nVmSwap:\t0 kB\n";
  const auto s = parse_proc_sample(stat, status, 100);
  ASSERT_TRUE(s) << s.error();
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);
  EXPECT_EQ(s->rss_kib, 10824u);
  EXPECT_EQ(s->threads, 3u);
}

TEST(ProcSample, MalformedTextGivesErrors) {
  const std::string status = "Threads:\t1\nVmRSS:\t1 kB\n";
  EXPECT_FALSE(parse_proc_sample("", status, 100));
  EXPECT_FALSE(parse_proc_sample("1 (x) S 1 2 3", status, 100));
  EXPECT_FALSE(parse_proc_sample("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 5 0", status, 100));
  const std::string ok_stat = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 5 0 0";
  EXPECT_TRUE(parse_proc_sample(ok_stat, status, 100));
  EXPECT_FALSE(parse_proc_sample(ok_stat, "Threads:\t1\n", 100));
  EXPECT_FALSE(parse_proc_sample(ok_stat, "VmRSS:\t1 kB\n", 100));
  EXPECT_FALSE(parse_proc_sample(ok_stat, status, 0));
}

TEST(ProcSample, ReadsThisProcessAndRefusesAMissingOne) {
  const auto me = sample_process(static_cast<int>(getpid()));
  ASSERT_TRUE(me) << me.error();
  EXPECT_GT(me->rss_kib, 0u);
  EXPECT_GE(me->threads, 1u);
  // pid_max is at most 2^22 on Linux, so this pid cannot exist.
  EXPECT_FALSE(sample_process(1 << 23));
}

// ---------------------------------------------------------------- JSON

TEST(RunResultJson, CarriesCountsLatenciesAndDerivedFigures) {
  RunResult r;
  r.options.label = "ours";
  r.options.port = 1234;
  r.options.server_pid = 99;
  r.window_seconds = 2.0;
  r.sent = 1000;
  r.scheduled = 1000;
  r.acked = 998;
  r.lost = 2;
  for (std::uint64_t i = 1; i <= 998; ++i) r.latency_ns.record(i * 1000);
  r.generator_cpu_seconds = 0.5;
  r.server_before = ProcessSample{1.0, 100, 1};
  r.server_after = ProcessSample{2.5, 120, 1};
  rapidjson::Document d;
  d.Parse(to_json(r).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["label"].GetString(), "ours");
  EXPECT_STREQ(d["mode"].GetString(), "closed");
  EXPECT_EQ(d["target"]["port"].GetInt(), 1234);
  EXPECT_EQ(d["config"]["inflight"].GetInt(), 8);
  EXPECT_TRUE(d["config"]["rate_per_s"].IsNull());
  EXPECT_DOUBLE_EQ(d["throughput_per_s"].GetDouble(), 499.0);
  EXPECT_EQ(d["latency_us"]["count"].GetInt(), 998);
  EXPECT_NEAR(d["latency_us"]["p50"].GetDouble(), 499.0, 499.0 / 128);
  EXPECT_DOUBLE_EQ(d["latency_us"]["max"].GetDouble(), 998.0);
  EXPECT_EQ(d["errors"]["total"].GetInt(), 2);
  EXPECT_EQ(d["errors"]["lost_acks"].GetInt(), 2);
  EXPECT_DOUBLE_EQ(d["generator"]["cpu_percent"].GetDouble(), 25.0);
  EXPECT_DOUBLE_EQ(d["server"]["cpu_percent"].GetDouble(), 75.0);
  EXPECT_EQ(d["server"]["rss_kib"].GetInt(), 120);
  EXPECT_EQ(d["load_average"]["before"].Size(), 3u);
}

TEST(RunResultJson, OpenLoopAndNoServerPid) {
  RunResult r;
  r.options.mode = LoadMode::open;
  r.options.rate = 250;
  r.window_seconds = 1;
  rapidjson::Document d;
  d.Parse(to_json(r).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["mode"].GetString(), "open");
  EXPECT_TRUE(d["config"]["inflight"].IsNull());
  EXPECT_DOUBLE_EQ(d["config"]["rate_per_s"].GetDouble(), 250.0);
  EXPECT_TRUE(d["server"].IsNull());
  EXPECT_EQ(d["latency_us"]["count"].GetInt(), 0);
}

// ---------------------------------------------------------------- run_load end to end

// ServerThread runs an io_context on a thread until the server is shut down (bounded).
class ServerThread {
 public:
  explicit ServerThread(asio::io_context& ioc) : ioc_(ioc) {
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ServerThread() {
    for (int i = 0; i < 300 && !ioc_.stopped(); ++i) std::this_thread::sleep_for(10ms);
    ioc_.stop();
    thread_.join();
  }

 private:
  asio::io_context& ioc_;
  std::thread thread_;
};

// OurEchoServer — reference/transport's echo applications, in process.
class OurEchoServer {
 public:
  OurEchoServer() : server_(ioc_, transport::ServerOptions{}) {
    port_ = server_.listen().value_or(0);
    thread_ = std::make_unique<ServerThread>(ioc_);
  }
  ~OurEchoServer() {
    asio::post(server_.executor(), [this] { server_.shutdown(); });
    thread_.reset();
  }
  std::uint16_t port() const { return port_; }

 private:
  asio::io_context ioc_{1};
  transport::EchoServer server_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerThread> thread_;
};

// Behaviour — how a ScriptedServer answers "message-with-ack".
enum class Behaviour { wrong_args, reverse_pairs, never_ack, drop_after_first };

// ScriptedServer — a Socket.IO server (our transport) whose app misbehaves as told.
class ScriptedServer : public transport::SocketIoApp {
 public:
  explicit ScriptedServer(Behaviour b) : behaviour_(b), server_(ioc_, transport::ServerOptions{}) {
    server_.add_namespace("/", *this);
    port_ = server_.listen().value_or(0);
    thread_ = std::make_unique<ServerThread>(ioc_);
  }
  ~ScriptedServer() override {
    asio::post(server_.executor(), [this] { server_.shutdown(); });
    thread_.reset();
  }
  std::uint16_t port() const { return port_; }

  transport::ConnectDecision on_connect(transport::ConnectionId, const std::string&,
                                        const rapidjson::Value&) override {
    return transport::ConnectDecision::allow();
  }
  void on_event(transport::ConnectionId c, const std::string& nsp, const std::string&,
                rapidjson::Document args, std::optional<std::uint64_t> id,
                std::vector<std::string>) override {
    if (!id) return;
    switch (behaviour_) {
      case Behaviour::wrong_args:
        server_.ack_json(c, nsp, *id, R"(["not what was sent"])");
        return;
      case Behaviour::reverse_pairs:
        // Hold every even id and answer it after the next one: acks arrive out of order.
        if (auto h = held_.find(c); h != held_.end()) {
          server_.ack(c, nsp, *id, args);
          server_.ack(c, nsp, h->second.first, h->second.second);
          held_.erase(h);
        } else {
          held_.emplace(c, std::make_pair(*id, std::move(args)));
        }
        return;
      case Behaviour::never_ack:
        return;
      case Behaviour::drop_after_first:
        server_.ack(c, nsp, *id, args);
        server_.close(c);
        return;
    }
  }
  void on_disconnect(transport::ConnectionId, const std::string&, std::string_view) override {}

 private:
  Behaviour behaviour_;
  asio::io_context ioc_{1};
  transport::SocketIoServer server_;
  std::uint16_t port_ = 0;
  // reverse_pairs: the held emit of each connection.
  std::map<transport::ConnectionId, std::pair<std::uint64_t, rapidjson::Document>> held_;
  std::unique_ptr<ServerThread> thread_;
};

LoadOptions quick(std::uint16_t port) {
  LoadOptions o;
  o.port = port;
  o.connections = 4;
  o.inflight = 2;
  o.warmup = 50ms;
  o.duration = 300ms;
  o.drain_timeout = 3000ms;
  o.connect_timeout = 5000ms;
  return o;
}

TEST(RunLoad, ClosedLoopAgainstOurEchoServerIsClean) {
  OurEchoServer server;
  ASSERT_NE(server.port(), 0);
  LoadOptions o = quick(server.port());
  o.server_pid = static_cast<int>(getpid());  // the server runs in this process
  o.payload_bytes = 1000;
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->error_count(), 0u);
  EXPECT_GT(r->acked, 0u);
  EXPECT_EQ(r->latency_ns.count(), r->acked);
  // Every emit sent in the window is answered by the end, in or after it.
  EXPECT_LE(r->acked, r->sent + o.connections * o.inflight);
  EXPECT_GT(r->latency_ns.min(), 0u);
  EXPECT_DOUBLE_EQ(r->window_seconds, 0.3);
  ASSERT_TRUE(r->server_before && r->server_after);
  EXPECT_GE(r->server_after->cpu_seconds, r->server_before->cpu_seconds);
}

TEST(RunLoad, TwoGeneratorThreadsGiveTheSameCleanResult) {
  OurEchoServer server;
  LoadOptions o = quick(server.port());
  o.threads = 2;
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->error_count(), 0u);
  EXPECT_GT(r->acked, 0u);
  EXPECT_EQ(r->options.threads, 2u);
}

TEST(RunLoad, OpenLoopSendsExactlyTheScheduleAndAllIsAnswered) {
  OurEchoServer server;
  LoadOptions o = quick(server.port());
  o.mode = LoadMode::open;
  o.rate = 400;  // far below any server's capacity
  o.duration = 500ms;
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  // The schedule is fixed by the clock, not by how fast emits go out: rate x window, give or
  // take one emit per connection at each edge of the window.
  EXPECT_NEAR(static_cast<double>(r->scheduled), 200.0, o.connections * 2.0);
  EXPECT_EQ(r->sent, r->scheduled);
  EXPECT_EQ(r->skipped, 0u);
  EXPECT_EQ(r->acked, r->scheduled);
  EXPECT_EQ(r->error_count(), 0u);
  EXPECT_EQ(r->latency_ns.count(), r->acked);
}

TEST(RunLoad, AcksWithOtherArgumentsAreCountedAsMismatched) {
  ScriptedServer server(Behaviour::wrong_args);
  const auto r = run_load(quick(server.port()));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_GT(r->mismatched, 0u);
  EXPECT_EQ(r->acked, 0u);
  EXPECT_EQ(r->latency_ns.count(), 0u);
}

TEST(RunLoad, AcksOutOfOrderAreMatchedByTheirIds) {
  ScriptedServer server(Behaviour::reverse_pairs);
  LoadOptions o = quick(server.port());
  o.inflight = 4;  // even, so every held emit has a partner in flight
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_GT(r->acked, 0u);
  EXPECT_EQ(r->mismatched, 0u);
  EXPECT_EQ(r->unexpected, 0u);
  EXPECT_EQ(r->disconnects, 0u);
  // When the window closes between the two acks of a pair, the generator sends only one new
  // emit and the server keeps it waiting for a partner: at most one lost emit per connection.
  EXPECT_LE(r->lost, std::uint64_t{o.connections});
}

TEST(RunLoad, UnansweredEmitsAreLostAfterTheDrainTimeout) {
  ScriptedServer server(Behaviour::never_ack);
  LoadOptions o = quick(server.port());
  o.drain_timeout = 200ms;
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->acked, 0u);
  // Closed loop: each connection sent its first `inflight` emits and got nothing back.
  EXPECT_EQ(r->lost, std::uint64_t{o.connections} * o.inflight);
}

TEST(RunLoad, ServerDroppingConnectionsIsCountedNotFatal) {
  ScriptedServer server(Behaviour::drop_after_first);
  LoadOptions o = quick(server.port());
  o.drain_timeout = 500ms;
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->disconnects, o.connections);
  EXPECT_GT(r->error_count(), 0u);
}

TEST(RunLoad, NoServerGivesConnectFailed) {
  // Bind a port and close it again: nothing listens there afterwards.
  std::uint16_t port = 0;
  {
    asio::io_context ioc;
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  const auto r = run_load(quick(port));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, LoadErrorCode::connect_failed);
  EXPECT_NE(r.error().detail.find("TCP connect"), std::string::npos) << r.error().detail;
}

TEST(RunLoad, WrongPathGivesConnectFailed) {
  OurEchoServer server;
  LoadOptions o = quick(server.port());
  o.path = "/nowhere/";
  const auto r = run_load(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, LoadErrorCode::connect_failed);
  EXPECT_EQ(load_error_name(r.error().code), "connect_failed");
}

TEST(RunLoad, PlainEngineIoPeerThatNeverAcksLosesEverything) {
  // The echo server's /engine.io/ endpoint reflects every message: our CONNECT comes back as a
  // CONNECT (so setup succeeds) and every emit comes back as an event, never as an ack.
  OurEchoServer server;
  LoadOptions o = quick(server.port());
  o.path = "/engine.io/";
  o.drain_timeout = 200ms;
  const auto r = run_load(o);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->acked, 0u);
  EXPECT_EQ(r->lost, std::uint64_t{o.connections} * o.inflight);
}

TEST(RunLoad, UnresolvableHostGivesResolveFailed) {
  LoadOptions o = quick(1);
  o.host = "host.invalid";
  const auto r = run_load(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, LoadErrorCode::resolve_failed);
}

}  // namespace
}  // namespace unm::bench
