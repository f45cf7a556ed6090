// report.cc — JSON and human forms of a load run (see report.h).
#include "bench/load/report.h"

#include <cmath>
#include <cstdio>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace unm::load {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void key(Writer& w, const std::string& k) {
  w.Key(k.c_str(), static_cast<unsigned>(k.size()));
}

void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<unsigned>(s.size()));
}

// number writes integers as integers (counts stay exact) and other values as doubles; NaN and
// infinities, which JSON cannot carry, become null.
void number(Writer& w, double v) {
  if (!std::isfinite(v)) {
    w.Null();
  } else if (v == std::floor(v) && std::fabs(v) < 9.0e15) {
    w.Int64(static_cast<std::int64_t>(v));
  } else {
    w.Double(v);
  }
}

double ms(double ns) {
  return ns / 1e6;
}

void latency(Writer& w, const LatencySummary& s) {
  w.StartObject();
  key(w, "count");
  w.Uint64(s.count);
  key(w, "min_ms");
  w.Double(ms(static_cast<double>(s.min_ns)));
  key(w, "mean_ms");
  w.Double(ms(s.mean_ns));
  key(w, "p50_ms");
  w.Double(ms(static_cast<double>(s.p50_ns)));
  key(w, "p90_ms");
  w.Double(ms(static_cast<double>(s.p90_ns)));
  key(w, "p99_ms");
  w.Double(ms(static_cast<double>(s.p99_ns)));
  key(w, "p999_ms");
  w.Double(ms(static_cast<double>(s.p999_ns)));
  key(w, "max_ms");
  w.Double(ms(static_cast<double>(s.max_ns)));
  w.EndObject();
}

void pairs(Writer& w, const std::vector<std::pair<std::string, double>>& kv) {
  w.StartObject();
  for (const auto& [k, v] : kv) {
    key(w, k);
    number(w, v);
  }
  w.EndObject();
}

void scenario(Writer& w, const ScenarioReport& s) {
  w.StartObject();
  key(w, "scenario");
  str(w, s.name);
  key(w, "ok");
  w.Bool(s.ok);
  key(w, "failure");
  if (s.ok) {
    w.Null();
  } else {
    str(w, s.failure);
  }
  key(w, "params");
  pairs(w, s.params);
  key(w, "ok_requests");
  w.Uint64(s.ok_requests);
  key(w, "errors");
  w.Uint64(s.errors.total());
  key(w, "error_rate");
  w.Double(error_rate(s.ok_requests, s.errors.total()));
  key(w, "errors_by_reason");
  w.StartObject();
  for (const auto& [reason, n] : s.errors.by_reason()) {
    key(w, reason);
    w.Uint64(n);
  }
  w.EndObject();
  key(w, "metrics");
  pairs(w, s.metrics);
  key(w, "latency");
  w.StartObject();
  for (const auto& [name, l] : s.latencies) {
    key(w, name);
    latency(w, l);
  }
  w.EndObject();
  key(w, "notes");
  w.StartArray();
  for (const auto& n : s.notes) str(w, n);
  w.EndArray();
  w.EndObject();
}

}  // namespace

double ScenarioReport::metric(const std::string& k, double fallback) const {
  for (const auto& [metric_name, v] : metrics)
    if (metric_name == k) return v;
  return fallback;
}

std::string to_json(const RunReport& r) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  key(w, "tool");
  str(w, "unmanageable-load");
  key(w, "version");
  str(w, r.tool_version);
  key(w, "target");
  str(w, r.target);
  key(w, "started_utc");
  str(w, r.started_utc);
  key(w, "user_prefix");
  str(w, r.user_prefix);
  key(w, "client_load_average_1m");
  if (r.load_average_1m < 0) {
    w.Null();
  } else {
    w.Double(r.load_average_1m);
  }
  key(w, "client_hardware_threads");
  w.Uint(r.hardware_threads);
  key(w, "options");
  pairs(w, r.options);
  key(w, "scenarios");
  w.StartArray();
  for (const auto& s : r.scenarios) scenario(w, s);
  w.EndArray();
  key(w, "exit_code");
  w.Int(r.exit_code);
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  out += '\n';
  return out;
}

std::string human_summary(const RunReport& r) {
  std::string out;
  char line[512];
  for (const auto& s : r.scenarios) {
    if (!s.ok) {
      std::snprintf(line, sizeof line, "%-8s FAILED: %s\n", s.name.c_str(), s.failure.c_str());
      out += line;
      continue;
    }
    const LatencySummary* l = s.latencies.empty() ? nullptr : &s.latencies.front().second;
    std::snprintf(line, sizeof line,
                  "%-8s %10.0f %-16s p50 %7.3f ms  p99 %7.3f ms  max %8.3f ms  errors %llu\n",
                  s.name.c_str(), s.metric("rate_per_s"),
                  s.name == "login"    ? "logins/s"
                  : s.name == "fanout" ? "notifications/s"
                                       : "acked msgs/s",
                  l ? ms(static_cast<double>(l->p50_ns)) : 0.0,
                  l ? ms(static_cast<double>(l->p99_ns)) : 0.0,
                  l ? ms(static_cast<double>(l->max_ns)) : 0.0,
                  static_cast<unsigned long long>(s.errors.total()));
    out += line;
    // The other latencies (login's two requests, fan-out delivery from the send, …) indented.
    for (std::size_t i = 1; i < s.latencies.size(); ++i) {
      const LatencySummary& x = s.latencies[i].second;
      std::snprintf(line, sizeof line, "  %-33s p50 %7.3f ms  p99 %7.3f ms  max %8.3f ms\n",
                    s.latencies[i].first.c_str(), ms(static_cast<double>(x.p50_ns)),
                    ms(static_cast<double>(x.p99_ns)), ms(static_cast<double>(x.max_ns)));
      out += line;
    }
  }
  return out;
}

}  // namespace unm::load
