// fuzz_findings.cc — see fuzz_findings.h.
#include "conformance/tool/fuzz_findings.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace unm::conformance::tool::livefuzz {

namespace {

std::string id_part(std::string_view s) {
  std::string o;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    o += ok ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_';
  }
  return o.empty() ? "x" : o;
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_finding(Writer& w, const Finding& f) {
  w.StartObject();
  w.Key("what");
  w.String(f.what);
  if (!f.raw.empty()) {
    w.Key("raw");
    w.String(f.raw);
  } else {
    w.Key("event");
    w.String(f.request.event);
    w.Key("args_json");
    w.String(f.request.args_json);
    w.Key("mutation");
    w.String(f.request.mutation);
  }
  if (f.disconnect) {
    w.Key("then_disconnect");
    w.Bool(true);
  }
  w.Key("got");
  w.String(f.got);
  w.Key("size");
  w.Uint64(reproducer_size(f));
  w.EndObject();
}

double per_second(std::size_t n, std::chrono::milliseconds t) {
  return t.count() <= 0 ? 0.0 : static_cast<double>(n) * 1000.0 / static_cast<double>(t.count());
}

}  // namespace

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::crash:
      return "crash";
    case Severity::hang:
      return "hang";
    default:
      return "deviation";
  }
}

std::string Signature::id() const {
  return "fuzz." + id_part(event) + "." + id_part(mutation_class) + "." + id_part(problem);
}

Signature signature_of(const Finding& f, std::string_view problem) {
  Signature s;
  s.problem = std::string(problem);
  if (!f.raw.empty()) {
    s.event = "raw";
    s.mutation_class = "raw-packet";
  } else {
    s.mutation_class = f.request.mutation_class.empty() ? "none" : f.request.mutation_class;
    // Made-up event names are one kind, whatever name was made up.
    s.event = s.mutation_class == "unknown-event" ? "unknown-event" : f.request.event;
    if (f.disconnect) s.mutation_class = "abrupt-disconnect";
  }
  return s;
}

Severity severity_of(std::string_view problem) {
  if (problem == "target-crashed") return Severity::crash;
  if (problem == "target-hung") return Severity::hang;
  return Severity::deviation;
}

Registry::Registry(std::optional<Expectations> e) : expectations_(std::move(e)) {}

bool Registry::add(const Signature& sig, const Finding& f) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = records_.try_emplace(sig);
  Record& r = it->second;
  ++r.count;
  if (fresh) {
    r.sig = sig;
    r.severity = severity_of(sig.problem);
    r.first = f;
    r.smallest = f;
    if (expectations_) {
      if (auto e = expectations_->find(sig.id())) {
        r.expected = true;
        r.expected_reason = e->reason;
      }
    }
  } else if (reproducer_size(f) < reproducer_size(r.smallest)) {
    r.smallest = f;
  }
  return fresh;
}

void Registry::covered(const std::string& event, const std::string& mutation_class) {
  std::lock_guard lock(mu_);
  ++coverage_[event][mutation_class];
}

bool Registry::is_expected(const Signature& sig) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(sig);
  return it != records_.end() && it->second.expected;
}

void Registry::set_minimized(const Signature& sig, Finding f, std::size_t replays) {
  std::lock_guard lock(mu_);
  auto it = records_.find(sig);
  if (it == records_.end()) return;
  it->second.minimized = std::move(f);
  it->second.replays = replays;
}

void Registry::set_scenario_file(const Signature& sig, std::string file) {
  std::lock_guard lock(mu_);
  auto it = records_.find(sig);
  if (it != records_.end()) it->second.scenario_file = std::move(file);
}

std::vector<Record> Registry::records() const {
  std::vector<Record> v;
  {
    std::lock_guard lock(mu_);
    for (const auto& [sig, r] : records_) v.push_back(r);
  }
  std::stable_sort(v.begin(), v.end(), [](const Record& a, const Record& b) {
    if (a.expected != b.expected) return !a.expected;
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.count > b.count;
  });
  return v;
}

std::map<std::string, std::map<std::string, std::size_t>> Registry::coverage() const {
  std::lock_guard lock(mu_);
  return coverage_;
}

std::string summary_json(const Registry& reg, const Stats& st, const Options& o) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("target");
  w.String(o.target);
  w.Key("seed");
  w.Uint64(o.seed);
  w.Key("sessions");
  w.Int(o.sessions);
  w.Key("duration_s");
  w.Int64(o.duration.count());
  w.Key("elapsed_ms");
  w.Int64(st.elapsed.count());
  w.Key("target_state");
  w.String(st.target_state);
  w.Key("counts");
  w.StartObject();
  for (auto [k, v] : {std::pair{"session_runs", st.sessions},
                      {"requests", st.requests},
                      {"probes", st.probes},
                      {"short_probes", st.short_probes},
                      {"raw_packets", st.raw_packets},
                      {"disconnects", st.disconnects},
                      {"minimize_replays", st.replays}}) {
    w.Key(k);
    w.Uint64(v);
  }
  w.EndObject();
  w.Key("requests_per_s");
  w.Double(per_second(st.requests, st.elapsed));
  const auto cov = reg.coverage();
  std::size_t cells = 0;
  for (const auto& [e, m] : cov) cells += m.size();
  w.Key("coverage");
  w.StartObject();
  w.Key("events");
  w.Uint64(cov.size());
  w.Key("mutation_classes");
  w.StartArray();
  for (const auto& c : mutation_classes()) w.String(c);
  w.EndArray();
  w.Key("cells_hit");
  w.Uint64(cells);
  w.Key("matrix");
  w.StartObject();
  for (const auto& [e, m] : cov) {
    w.Key(e);
    w.StartObject();
    for (const auto& [c, n] : m) {
      w.Key(c);
      w.Uint64(n);
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  const auto records = reg.records();
  std::size_t fresh = 0;
  for (const auto& r : records) fresh += r.expected ? 0 : 1;
  w.Key("new_findings");
  w.Uint64(fresh);
  w.Key("findings");
  w.StartArray();
  for (const Record& r : records) {
    w.StartObject();
    w.Key("signature");
    w.String(r.sig.id());
    w.Key("event");
    w.String(r.sig.event);
    w.Key("mutation_class");
    w.String(r.sig.mutation_class);
    w.Key("problem");
    w.String(r.sig.problem);
    w.Key("severity");
    w.String(std::string(severity_name(r.severity)));
    w.Key("count");
    w.Uint64(r.count);
    w.Key("expected");
    w.Bool(r.expected);
    if (r.expected) {
      w.Key("expected_reason");
      w.String(r.expected_reason);
    }
    w.Key("first");
    write_finding(w, r.first);
    w.Key("smallest");
    write_finding(w, r.smallest);
    if (r.minimized) {
      w.Key("minimized");
      write_finding(w, *r.minimized);
      w.Key("minimize_replays");
      w.Uint64(r.replays);
    }
    if (!r.scenario_file.empty()) {
      w.Key("scenario");
      w.String(r.scenario_file);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

std::string summary_text(const Registry& reg, const Stats& st, const Options& o) {
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line,
                "fuzz: %s: %zu requests in %.1f s (%.1f requests/s, %d sessions), %zu probes "
                "(%zu after a missing ack), %zu raw packets, %zu disconnects; target %s\n",
                o.target.c_str(), st.requests, static_cast<double>(st.elapsed.count()) / 1000.0,
                per_second(st.requests, st.elapsed), o.sessions, st.probes, st.short_probes,
                st.raw_packets, st.disconnects, st.target_state.c_str());
  s << line;
  const auto cov = reg.coverage();
  std::size_t cells = 0;
  for (const auto& [e, m] : cov) cells += m.size();
  s << "coverage: " << cov.size() << " events x " << mutation_classes().size()
    << " mutation classes, " << cells << " combinations exercised\n";
  const auto records = reg.records();
  if (records.empty()) {
    s << "findings: none\n";
    return s.str();
  }
  std::size_t fresh = 0;
  for (const auto& r : records) fresh += r.expected ? 0 : 1;
  s << "findings: " << records.size() << " signatures, " << fresh << " new\n";
  for (const Record& r : records) {
    std::snprintf(
        line, sizeof line, "  %-9s %5zux  %-58s %s\n",
        std::string(severity_name(r.severity)).c_str(), r.count, r.sig.id().c_str(),
        r.expected ? ("expected: " + r.expected_reason).c_str() : r.scenario_file.c_str());
    s << line;
  }
  return s.str();
}

int exit_code(const Registry& reg, const Stats& st) {
  if (st.target_state != "alive") return 3;
  for (const auto& r : reg.records()) {
    if (!r.expected) return 1;
  }
  return 0;
}

}  // namespace unm::conformance::tool::livefuzz
