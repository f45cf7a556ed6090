// report_merge.cc — see report_merge.h.
#include "conformance/src/report_merge.h"

#include <cstdio>
#include <ctime>
#include <set>

#include "conformance/src/json.h"

namespace unm::conformance {

namespace {

std::vector<std::string> strings(const JsonValue& o, const char* key) {
  std::vector<std::string> v;
  const JsonValue* a = json_member(o, key);
  if (a == nullptr || !a->IsArray()) return v;
  for (const auto& e : a->GetArray()) {
    if (e.IsString()) v.emplace_back(e.GetString(), e.GetStringLength());
  }
  return v;
}

}  // namespace

Expected<std::chrono::system_clock::time_point, std::string> parse_time(std::string_view text) {
  std::tm tm{};
  int ms = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return Unexpected{"bad time \"" + s + "\" (want 2026-01-02T03:04:05.678Z)"};
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = ::timegm(&tm);
  return std::chrono::system_clock::time_point(std::chrono::seconds(secs)) +
         std::chrono::milliseconds(ms);
}

Expected<ReportRun, std::string> parse_run_json(std::string_view text, std::string name) {
  auto d = parse_json(text);
  if (!d) return Unexpected{d.error()};
  if (!d->IsObject()) return Unexpected{std::string("not a JSON report (no top-level object)")};
  const JsonValue* cases = json_member(*d, "cases");
  if (cases == nullptr || !cases->IsArray()) {
    return Unexpected{std::string("not a conformance JSON report (no \"cases\" array)")};
  }
  ReportRun run;
  RunMeta& m = run.meta;
  m.target = json_string_or(*d, "target", "");
  m.profile = json_string_or(*d, "profile", "document");
  m.strict = json_bool_or(*d, "strict", false);
  const JsonValue* seed = json_member(*d, "seed");
  if (seed != nullptr && seed->IsUint64()) m.seed = seed->GetUint64();
  m.run_id = json_string_or(*d, "run_id", "");
  m.harness_version = json_string_or(*d, "harness_version", "");
  m.expectations = json_string_or(*d, "expectations", "");
  if (auto t = parse_time(json_string_or(*d, "started", ""))) m.started = *t;
  m.duration = std::chrono::milliseconds(json_int_or(*d, "duration_ms", 0));
  run.name = !name.empty() ? std::move(name) : !m.expectations.empty() ? m.expectations : m.target;
  std::size_t n = 0;
  for (const auto& c : cases->GetArray()) {
    ++n;
    const std::string where = "case " + std::to_string(n);
    if (!c.IsObject()) return Unexpected{where + " is not an object"};
    CaseResult r;
    r.id = json_string_or(c, "id", "");
    if (r.id.empty()) return Unexpected{where + " has no \"id\""};
    r.title = json_string_or(c, "title", "");
    r.clauses = strings(c, "clauses");
    r.tags = strings(c, "tags");
    r.basis =
        json_string_or(c, "basis", "document") == "decided" ? Basis::decided : Basis::document;
    const std::string oc = json_string_or(c, "outcome", "");
    bool known = false;
    for (Outcome o : kAllOutcomes) {
      if (outcome_name(o) == oc) {
        r.outcome = o;
        known = true;
      }
    }
    if (!known) return Unexpected{r.id + ": unknown outcome \"" + oc + "\""};
    r.reason = json_string_or(c, "reason", "");
    r.rerun = json_string_or(c, "rerun", "");
    r.run.duration = std::chrono::milliseconds(json_int_or(c, "duration_ms", 0));
    r.run.failed_step = static_cast<std::size_t>(json_int_or(c, "failed_step", 0));
    if (const JsonValue* tr = json_member(c, "transcript"); tr != nullptr && tr->IsArray()) {
      for (const auto& f : tr->GetArray()) {
        if (!f.IsObject()) return Unexpected{r.id + ": transcript entry is not an object"};
        Frame fr;
        auto at = parse_time(json_string_or(f, "at", ""));
        if (!at) return Unexpected{r.id + ": " + at.error()};
        fr.at = *at;
        fr.actor = json_string_or(f, "actor", "");
        const std::string dir = json_string_or(f, "dir", "note");
        fr.dir = dir == "sent" ? '>' : dir == "received" ? '<' : '#';
        fr.text = json_string_or(f, "frame", "");
        r.run.transcript.push_back(std::move(fr));
      }
    }
    run.results.push_back(std::move(r));
  }
  return run;
}

void unique_run_names(std::vector<ReportRun>& runs) {
  std::set<std::string> seen;
  for (ReportRun& r : runs) {
    std::string name = r.name.empty() ? "run" : r.name;
    for (int i = 2; seen.count(name) != 0; ++i) name = r.name + " (" + std::to_string(i) + ")";
    seen.insert(name);
    r.name = name;
  }
}

std::string merged_junit(const std::vector<ReportRun>& runs) {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  long long ms = 0;
  std::string suites;
  for (const ReportRun& run : runs) {
    const std::string one = report_junit(run.results, run.meta);
    const auto b = one.find("  <testsuite ");
    const auto e = one.find("</testsuites>");
    if (b == std::string::npos || e == std::string::npos) continue;
    std::string suite = one.substr(b, e - b);
    const std::string from = "<testsuite name=\"conformance\"";
    if (auto p = suite.find(from); p != std::string::npos) {
      suite.replace(p, from.size(), "<testsuite name=\"" + xml_escape(run.name) + "\"");
    }
    suites += suite;
    auto t = tally(run.results);
    tests += run.results.size();
    failures += t[Outcome::fail] + t[Outcome::unexpected_pass];
    errors += t[Outcome::error];
    skipped += t[Outcome::skipped] + t[Outcome::expected_fail];
    ms += run.meta.duration.count();
  }
  char time[32];
  std::snprintf(time, sizeof time, "%.3f", static_cast<double>(ms) / 1000.0);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"unmanageable-conformance\""
         " tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
         std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + time +
         "\">\n" + suites + "</testsuites>\n";
}

}  // namespace unm::conformance
