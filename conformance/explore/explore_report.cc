// explore_report.cc — see explore_report.h.
#include "conformance/explore/explore_report.h"

#include <map>

#include "conformance/src/json.h"

namespace unm::conformance::explore {
namespace {

std::string q(const std::string& s) {
  return json_escape(s);
}

std::string str_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s.append(i ? "," : "").append(q(v[i]));
  return s + "]";
}

std::string ops_json(const std::vector<Op>& ops) {
  JsonDoc d;
  d.SetArray();
  for (const Op& op : ops) {
    JsonValue v;
    op_to_json(op, v, d.GetAllocator());
    d.PushBack(v, d.GetAllocator());
  }
  return to_json(d);
}

std::string fixed(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// coverage_by_event splits "event|state|…" keys into event → state → count.
std::map<std::string, std::map<std::string, long long>> coverage_by_event(const Stats& s) {
  std::map<std::string, std::map<std::string, long long>> out;
  for (const auto& [key, n] : s.coverage) {
    const auto bar = key.find('|');
    const std::string event = key.substr(0, bar);
    const std::string state = bar == std::string::npos ? "" : key.substr(bar + 1);
    out[event][state] += n;
  }
  return out;
}

Outcome outcome_of(const Finding& f) {
  if (f.known) return Outcome::expected_fail;
  return f.divergence.strict ? Outcome::fail : Outcome::non_strict;
}

}  // namespace

double steps_per_second(const Stats& s) {
  return s.explore_seconds > 0 ? static_cast<double>(s.steps + s.timer_steps) / s.explore_seconds
                               : 0.0;
}

std::string explore_json(const ExploreResult& r, const ReportInfo& info) {
  const Stats& s = r.stats;
  std::string j = "{\"tool\":\"unmanageable-conformance explore\"";
  j += ",\"version\":" + q(info.version) + ",\"target\":" + q(info.target) +
       ",\"command\":" + q(info.command) + ",\"seed\":" + std::to_string(info.seed) +
       ",\"users\":" + std::to_string(info.users) +
       ",\"steps_per_sequence\":" + std::to_string(info.steps);
  if (!info.expectations.empty()) j += ",\"expectations\":" + q(info.expectations);
  if (!r.harness_error.empty()) j += ",\"harness_error\":" + q(r.harness_error);
  j += ",\"stats\":{\"sequences\":" + std::to_string(s.sequences) +
       ",\"steps\":" + std::to_string(s.steps) +
       ",\"timer_steps\":" + std::to_string(s.timer_steps) +
       ",\"requests\":" + std::to_string(s.exchanges) +
       ",\"notifications\":" + std::to_string(s.notes) +
       ",\"explore_seconds\":" + fixed(s.explore_seconds) +
       ",\"shrink_seconds\":" + fixed(s.shrink_seconds) +
       ",\"steps_per_second\":" + fixed(steps_per_second(s)) + "}";
  j += ",\"coverage\":{";
  bool first = true;
  for (const auto& [event, states] : coverage_by_event(s)) {
    j.append(first ? "" : ",").append(q(event)).append(":{");
    first = false;
    bool f2 = true;
    for (const auto& [state, n] : states) {
      j.append(f2 ? "" : ",").append(q(state)).append(":").append(std::to_string(n));
      f2 = false;
    }
    j += "}";
  }
  j += "},\"known\":{";
  first = true;
  for (const auto& [sig, n] : s.known) {
    j.append(first ? "" : ",").append(q(sig)).append(":").append(std::to_string(n));
    first = false;
  }
  j += "},\"findings\":[";
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    const Divergence& d = f.shrunk.empty() ? f.divergence : f.shrunk_divergence;
    j.append(i ? "," : "");
    j += "{\"signature\":" + q(d.signature()) +
         ",\"kind\":" + q(std::string(divergence_kind_name(d.kind))) +
         ",\"subject\":" + q(d.subject) + ",\"clauses\":" + str_list(d.clauses) +
         ",\"strict\":" + (d.strict ? "true" : "false") +
         ",\"known\":" + (f.known ? "true" : "false");
    if (f.known) j += ",\"known_reason\":" + q(f.known_reason);
    j += ",\"summary\":" + q(d.summary()) + ",\"expected\":" + q(d.expected) +
         ",\"actual\":" + q(d.actual) +
         ",\"sequence_length\":" + std::to_string(f.sequence.size()) +
         ",\"sequence\":" + ops_json(f.sequence);
    if (!f.known) {
      j += ",\"shrunk_length\":" + std::to_string(f.shrunk.size()) +
           ",\"shrunk\":" + ops_json(f.shrunk) + ",\"users\":" + std::to_string(f.users) +
           ",\"shrink_runs\":" + std::to_string(f.shrink_runs) +
           ",\"shrink_seconds\":" + fixed(f.shrink_seconds);
    }
    if (i < info.scenario_files.size() && !info.scenario_files[i].empty()) {
      j += ",\"scenario\":" + q(info.scenario_files[i]);
    }
    if (i < info.rerun.size() && !info.rerun[i].empty()) j += ",\"rerun\":" + q(info.rerun[i]);
    j += "}";
  }
  return j + "]}";
}

std::vector<CaseResult> explore_cases(const ExploreResult& r, const ReportInfo& info) {
  std::vector<CaseResult> out;
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    const Divergence& d = f.shrunk.empty() ? f.divergence : f.shrunk_divergence;
    CaseResult c;
    c.id = d.signature();
    c.title = std::string(divergence_kind_name(d.kind)) + " of " + d.subject +
              (f.known ? " (known: " + f.known_reason + ")" : "");
    c.clauses = d.clauses;
    c.tags = {"explore"};
    c.basis = d.strict ? Basis::document : Basis::decided;
    c.outcome = outcome_of(f);
    c.reason = d.summary();
    if (i < info.rerun.size()) c.rerun = info.rerun[i];
    c.run.verdict = RawVerdict::failed;
    c.run.reason = c.reason;
    const auto& trace = f.shrunk.empty() ? std::vector<StepTrace>{} : f.shrunk_trace;
    c.run.failed_step = d.step + 1;
    for (std::size_t k = 0; k < trace.size(); ++k) {
      const StepTrace& st = trace[k];
      const auto at = std::chrono::system_clock::time_point(std::chrono::microseconds(st.started));
      c.run.transcript.push_back(
          {at, "explore", '#',
           "step " + std::to_string(k + 1) + ": " + (st.timer ? "timers due" : describe(st.op))});
      for (std::size_t x = 0; x < st.target.size(); ++x) {
        const Exchange& e = st.target[x];
        const std::string actor = "u" + std::to_string(e.conn / 2) + (e.conn % 2 ? "#1" : "");
        c.run.transcript.push_back({at, actor, '>', "42[" + q(e.event) + "," + e.payload + "]"});
        c.run.transcript.push_back(
            {at, actor, '<', "43[" + (e.raw.empty() ? "null" : e.raw) + "]"});
      }
      for (const auto& [conn, notes] : st.target_notes) {
        const std::string actor = "u" + std::to_string(conn / 2) + (conn % 2 ? "#1" : "");
        for (const auto& n : notes) c.run.transcript.push_back({at, actor, '<', "target: " + n});
      }
      for (const auto& [conn, notes] : st.oracle_notes) {
        const std::string actor = "u" + std::to_string(conn / 2) + (conn % 2 ? "#1" : "");
        for (const auto& n : notes) c.run.transcript.push_back({at, actor, '#', "oracle: " + n});
      }
    }
    out.push_back(std::move(c));
  }
  // One more case tells what was explored and the coverage reached (pass unless the target
  // could not be reached), whatever was found.
  {
    CaseResult c;
    c.id = "explore.run";
    std::size_t fresh = 0;
    for (const auto& f : r.findings) fresh += f.known ? 0 : 1;
    c.title = "explored " + std::to_string(r.stats.sequences) + " sequences, " +
              std::to_string(r.stats.steps) + " steps: " +
              (fresh == 0 ? std::string("no new divergence")
                          : std::to_string(fresh) + " new divergence" + (fresh == 1 ? "" : "s"));
    c.tags = {"explore"};
    c.outcome = r.harness_error.empty() ? Outcome::pass : Outcome::error;
    std::string cov;
    for (const auto& [event, states] : coverage_by_event(r.stats)) {
      cov += event + " (";
      bool first = true;
      for (const auto& [state, n] : states) {
        cov += (first ? "" : ", ") + (state.empty() ? std::string("-") : state) + " ×" +
               std::to_string(n);
        first = false;
      }
      cov += "); ";
    }
    c.reason = r.harness_error.empty() ? "coverage: " + cov : r.harness_error;
    c.run.reason = c.reason;
    out.push_back(std::move(c));
  }
  (void)info;
  return out;
}

void print_summary(std::FILE* out, const ExploreResult& r, const ReportInfo& info) {
  const Stats& s = r.stats;
  std::fprintf(out,
               "explore: %d sequences, %lld steps (%lld timer steps), %lld requests, %lld "
               "notifications in %.1f s: %.1f steps/s\n",
               s.sequences, s.steps, s.timer_steps, s.exchanges, s.notes, s.explore_seconds,
               steps_per_second(s));
  std::size_t states = s.coverage.size();
  std::fprintf(out, "coverage: %zu events, %zu event × state pairs reached\n",
               coverage_by_event(s).size(), states);
  for (const auto& [sig, n] : s.known) {
    std::fprintf(out, "known: %s ×%lld\n", sig.c_str(), n);
  }
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    if (f.known) continue;
    const Divergence& d = f.shrunk.empty() ? f.divergence : f.shrunk_divergence;
    std::fprintf(
        out, "%s %s [%s]\n  %s\n  shrunk from %zu to %zu steps (%d users, %d replays, %.1f s)\n",
        d.strict ? "DIVERGENCE" : "NON-STRICT", d.signature().c_str(),
        [&] {
          std::string c;
          for (const auto& x : d.clauses) c += (c.empty() ? "" : " ") + x;
          return c;
        }()
            .c_str(),
        d.summary().c_str(), f.sequence.size(), f.shrunk.size(), f.users, f.shrink_runs,
        f.shrink_seconds);
    for (const Op& op : f.shrunk) std::fprintf(out, "    %s\n", describe(op).c_str());
    if (i < info.scenario_files.size() && !info.scenario_files[i].empty()) {
      std::fprintf(out, "  scenario: %s\n", info.scenario_files[i].c_str());
    }
    if (i < info.rerun.size() && !info.rerun[i].empty()) {
      std::fprintf(out, "  replay: %s\n", info.rerun[i].c_str());
    }
  }
  if (!r.harness_error.empty()) std::fprintf(out, "error: %s\n", r.harness_error.c_str());
}

}  // namespace unm::conformance::explore
