// run_result.cc — /proc sampling and the JSON form of a run.
#include "bench/echo/run_result.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::bench {

namespace {

Expected<std::uint64_t, std::string> to_u64(std::string_view what, std::string_view v) {
  std::uint64_t out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
    return Unexpected{std::string(what) + ": not a number: '" + std::string(v) + "'"};
  }
  return out;
}

// status_field returns the first token after "Name:" on its line in /proc/PID/status.
std::optional<std::string_view> status_field(std::string_view status, std::string_view name) {
  std::size_t pos = 0;
  while (pos < status.size()) {
    const auto eol = status.find('\n', pos);
    const auto line = status.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ':') {
      auto rest = line.substr(name.size() + 1);
      const auto b = rest.find_first_not_of(" \t");
      if (b == std::string_view::npos) return std::string_view{};
      rest = rest.substr(b);
      return rest.substr(0, rest.find_first_of(" \t"));
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return std::nullopt;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Expected<ProcessSample, std::string> parse_proc_sample(std::string_view stat,
                                                       std::string_view status,
                                                       long ticks_per_second) {
  if (ticks_per_second <= 0) return Unexpected{std::string("bad clock tick rate")};
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return Unexpected{std::string("stat: no command name")};
  // Fields after the command name start with field 3 (state); utime is 14, stime 15.
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty() && fields.size() < 13) {
    const auto b = rest.find_first_not_of(" \n");
    if (b == std::string_view::npos) break;
    rest = rest.substr(b);
    const auto e = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, e));
    rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e);
  }
  if (fields.size() < 13) return Unexpected{std::string("stat: too few fields")};
  auto utime = to_u64("stat utime", fields[11]);
  if (!utime) return Unexpected{utime.error()};
  auto stime = to_u64("stat stime", fields[12]);
  if (!stime) return Unexpected{stime.error()};

  ProcessSample s;
  s.cpu_seconds = static_cast<double>(*utime + *stime) / static_cast<double>(ticks_per_second);
  const auto rss = status_field(status, "VmRSS");
  if (!rss) return Unexpected{std::string("status: no VmRSS")};
  auto rss_kib = to_u64("status VmRSS", *rss);
  if (!rss_kib) return Unexpected{rss_kib.error()};
  s.rss_kib = *rss_kib;
  const auto threads = status_field(status, "Threads");
  if (!threads) return Unexpected{std::string("status: no Threads")};
  auto n = to_u64("status Threads", *threads);
  if (!n) return Unexpected{n.error()};
  s.threads = static_cast<std::uint32_t>(*n);
  return s;
}

Expected<ProcessSample, std::string> sample_process(int pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  const auto stat = read_file(base + "/stat");
  const auto status = read_file(base + "/status");
  if (!stat || !status) return Unexpected{"no process " + std::to_string(pid)};
  return parse_proc_sample(*stat, *status, sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  const auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::array<double, 3> load_average() {
  std::array<double, 3> l{};
  if (getloadavg(l.data(), 3) != 3) l = {};
  return l;
}

std::string to_json(const RunResult& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.SetMaxDecimalPlaces(3);
  const LoadOptions& o = r.options;
  const auto secs = [](std::chrono::milliseconds ms) {
    return static_cast<double>(ms.count()) / 1e3;
  };
  const double window = r.window_seconds > 0 ? r.window_seconds : 1;

  w.StartObject();
  w.Key("label");
  w.String(o.label);
  w.Key("mode");
  w.String(std::string(load_mode_name(o.mode)));
  w.Key("target");
  w.StartObject();
  w.Key("host");
  w.String(o.host);
  w.Key("port");
  w.Uint(o.port);
  w.Key("path");
  w.String(o.path);
  w.Key("transport");
  w.String("websocket");
  w.EndObject();

  w.Key("config");
  w.StartObject();
  w.Key("connections");
  w.Uint(o.connections);
  w.Key("inflight");
  if (o.mode == LoadMode::closed) {
    w.Uint(o.inflight);
  } else {
    w.Null();
  }
  w.Key("rate_per_s");
  if (o.mode == LoadMode::open) {
    w.Double(o.rate);
  } else {
    w.Null();
  }
  w.Key("payload_bytes");
  w.Uint64(o.payload_bytes);
  w.Key("event");
  w.String(o.event);
  w.Key("warmup_s");
  w.Double(secs(o.warmup));
  w.Key("duration_s");
  w.Double(secs(o.duration));
  w.Key("generator_threads");
  w.Uint(o.threads);
  w.EndObject();

  w.Key("window_s");
  w.Double(r.window_seconds);
  w.Key("connect_s");
  w.Double(r.connect_seconds);
  w.Key("scheduled");
  w.Uint64(r.scheduled);
  w.Key("sent");
  w.Uint64(r.sent);
  w.Key("acked");
  w.Uint64(r.acked);
  w.Key("throughput_per_s");
  w.Double(static_cast<double>(r.acked) / window);

  w.Key("latency_us");
  w.StartObject();
  const auto us = [&](std::uint64_t ns) { w.Double(static_cast<double>(ns) / 1e3); };
  w.Key("count");
  w.Uint64(r.latency_ns.count());
  w.Key("min");
  us(r.latency_ns.min());
  w.Key("p50");
  us(r.latency_ns.percentile(0.50));
  w.Key("p90");
  us(r.latency_ns.percentile(0.90));
  w.Key("p99");
  us(r.latency_ns.percentile(0.99));
  w.Key("p999");
  us(r.latency_ns.percentile(0.999));
  w.Key("max");
  us(r.latency_ns.max());
  w.Key("mean");
  w.Double(r.latency_ns.mean() / 1e3);
  w.EndObject();

  w.Key("errors");
  w.StartObject();
  w.Key("total");
  w.Uint64(r.error_count());
  w.Key("mismatched_acks");
  w.Uint64(r.mismatched);
  w.Key("unexpected_acks");
  w.Uint64(r.unexpected);
  w.Key("lost_acks");
  w.Uint64(r.lost);
  w.Key("disconnects");
  w.Uint64(r.disconnects);
  w.Key("protocol_errors");
  w.Uint64(r.protocol_errors);
  w.Key("skipped_sends");
  w.Uint64(r.skipped);
  w.EndObject();

  w.Key("generator");
  w.StartObject();
  w.Key("cpu_s");
  w.Double(r.generator_cpu_seconds);
  w.Key("cpu_percent");
  w.Double(100.0 * r.generator_cpu_seconds / window);
  w.Key("threads");
  w.Uint(o.threads);
  w.EndObject();

  w.Key("server");
  if (o.server_pid && r.server_before && r.server_after) {
    const double cpu = r.server_after->cpu_seconds - r.server_before->cpu_seconds;
    w.StartObject();
    w.Key("pid");
    w.Int(*o.server_pid);
    w.Key("cpu_s");
    w.Double(cpu);
    w.Key("cpu_percent");
    w.Double(100.0 * cpu / window);
    w.Key("threads");
    w.Uint(r.server_after->threads);
    w.Key("rss_kib");
    w.Uint64(r.server_after->rss_kib);
    w.EndObject();
  } else {
    w.Null();
  }

  w.Key("load_average");
  w.StartObject();
  for (const auto& [key, l] :
       {std::pair{"before", r.load_before}, std::pair{"after", r.load_after}}) {
    w.Key(key);
    w.StartArray();
    for (double x : l) w.Double(x);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

}  // namespace unm::bench
