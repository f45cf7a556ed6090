// report.cc — see report.h.
#include "conformance/src/report.h"

#include <cstdio>
#include <ctime>
#include <sstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "conformance/src/html_report.h"
#include "conformance/src/json.h"

namespace unm::conformance {

namespace {
bool shows_transcript(Outcome o) {
  return o != Outcome::pass && o != Outcome::skipped;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? std::string(sep) : "") + v[i];
  return s;
}

// Strips invalid XML 1.0 characters (control characters) that may appear in raw frames.
std::string xml_clean(std::string_view s) {
  std::string o;
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      o += buf;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o;
}
}  // namespace

std::string format_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::map<Outcome, std::size_t> tally(const std::vector<CaseResult>& results) {
  std::map<Outcome, std::size_t> t;
  for (Outcome o : kAllOutcomes) t[o] = 0;
  for (const auto& r : results) ++t[r.outcome];
  return t;
}

int exit_status(const std::vector<CaseResult>& results) {
  bool bad = false, err = false;
  for (const auto& r : results) {
    bad = bad || outcome_is_bad(r.outcome);
    err = err || r.outcome == Outcome::error;
  }
  if (err) return 2;
  return bad ? 1 : 0;
}

std::string console_line(const CaseResult& r, std::size_t done, std::size_t total) {
  char head[64];
  std::snprintf(head, sizeof head, "[%zu/%zu] %-15s ", done, total,
                std::string(outcome_name(r.outcome)).c_str());
  std::string line = head + r.id + " (" + std::to_string(r.run.duration.count()) + " ms)";
  // Every printed line of a case carries its id (parallel runs interleave cases).
  if (r.outcome != Outcome::pass && !r.reason.empty()) line += "\n      " + r.id + ": " + r.reason;
  return line;
}

std::string console_summary(const std::vector<CaseResult>& results, const RunMeta& meta) {
  std::ostringstream o;
  auto t = tally(results);
  o << "\nUnmanageable conformance — target " << meta.target << ", profile " << meta.profile
    << (meta.strict ? ", strict" : "") << ", seed " << meta.seed << ", run " << meta.run_id << "\n";
  if (!meta.harness_version.empty()) {
    o << "harness unmanageable-conformance " << meta.harness_version << "\n";
  }
  o << "+-----------------+-------+\n| outcome         | cases |\n+-----------------+-------+\n";
  for (Outcome oc : kAllOutcomes) {
    char row[64];
    std::snprintf(row, sizeof row, "| %-15s | %5zu |\n", std::string(outcome_name(oc)).c_str(),
                  t[oc]);
    o << row;
  }
  char total[64];
  std::snprintf(total, sizeof total, "| %-15s | %5zu |\n", "total", results.size());
  o << "+-----------------+-------+\n" << total << "+-----------------+-------+\n";
  o << "duration " << meta.duration.count() << " ms\n";
  bool header = false;
  for (const auto& r : results) {
    if (!outcome_is_bad(r.outcome) && r.outcome != Outcome::error) continue;
    if (!header) o << "\nTo rerun one case:\n";
    header = true;
    o << "  " << r.rerun << "\n";
  }
  return o.str();
}

namespace {
void write_transcript(rapidjson::Writer<rapidjson::StringBuffer>& w, const CaseRun& run) {
  w.StartArray();
  for (const Frame& f : run.transcript) {
    w.StartObject();
    w.Key("at");
    w.String(format_time(f.at));
    w.Key("actor");
    w.String(f.actor);
    w.Key("dir");
    w.String(f.dir == '>' ? "sent" : f.dir == '<' ? "received" : "note");
    w.Key("frame");
    w.String(f.text);
    w.EndObject();
  }
  w.EndArray();
}
}  // namespace

std::string report_json(const std::vector<CaseResult>& results, const RunMeta& meta) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("harness_version");
  w.String(meta.harness_version);
  w.Key("target");
  w.String(meta.target);
  w.Key("profile");
  w.String(meta.profile);
  w.Key("strict");
  w.Bool(meta.strict);
  w.Key("seed");
  w.Uint64(meta.seed);
  w.Key("run_id");
  w.String(meta.run_id);
  w.Key("expectations");
  w.String(meta.expectations);
  w.Key("started");
  w.String(format_time(meta.started));
  w.Key("duration_ms");
  w.Int64(meta.duration.count());
  w.Key("summary");
  w.StartObject();
  for (auto [o, n] : tally(results)) {
    w.Key(outcome_name(o).data(), static_cast<rapidjson::SizeType>(outcome_name(o).size()));
    w.Uint64(n);
  }
  w.EndObject();
  w.Key("cases");
  w.StartArray();
  for (const auto& r : results) {
    w.StartObject();
    w.Key("id");
    w.String(r.id);
    w.Key("title");
    w.String(r.title);
    w.Key("clauses");
    w.StartArray();
    for (const auto& c : r.clauses) w.String(c);
    w.EndArray();
    w.Key("tags");
    w.StartArray();
    for (const auto& c : r.tags) w.String(c);
    w.EndArray();
    w.Key("basis");
    w.String(std::string(basis_name(r.basis)));
    w.Key("outcome");
    w.String(std::string(outcome_name(r.outcome)));
    w.Key("reason");
    w.String(r.reason);
    w.Key("duration_ms");
    w.Int64(r.run.duration.count());
    w.Key("failed_step");
    w.Uint64(r.run.failed_step);
    w.Key("rerun");
    w.String(r.rerun);
    // Step-level evidence: every violation with its own clauses and §12 rows.
    w.Key("violations");
    w.StartArray();
    for (const Violation& v : r.run.violations) {
      w.StartObject();
      w.Key("step");
      w.Uint64(v.step);
      w.Key("basis");
      w.String(std::string(basis_name(v.basis)));
      w.Key("reason");
      w.String(v.reason);
      w.Key("clauses");
      w.StartArray();
      for (const auto& c : v.clauses) w.String(c);
      w.EndArray();
      w.Key("deviations");
      w.StartArray();
      for (int d : v.deviations) w.Int(d);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    if (shows_transcript(r.outcome)) {
      w.Key("transcript");
      write_transcript(w, r.run);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : xml_clean(s)) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&apos;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string report_junit(const std::vector<CaseResult>& results, const RunMeta& meta) {
  auto t = tally(results);
  std::size_t failures = t[Outcome::fail] + t[Outcome::unexpected_pass];
  std::size_t skipped = t[Outcome::skipped] + t[Outcome::expected_fail];
  std::size_t errors = t[Outcome::error];
  auto secs = [](std::chrono::milliseconds d) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", static_cast<double>(d.count()) / 1000.0);
    return std::string(b);
  };
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"unmanageable-conformance\" tests=\"" << results.size()
    << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped
    << "\" time=\"" << secs(meta.duration) << "\">\n";
  o << "  <testsuite name=\"conformance\" tests=\"" << results.size() << "\" failures=\""
    << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\""
    << secs(meta.duration) << "\" timestamp=\"" << xml_escape(format_time(meta.started)) << "\">\n";
  o << "    <properties>\n";
  o << "      <property name=\"target\" value=\"" << xml_escape(meta.target) << "\"/>\n";
  o << "      <property name=\"profile\" value=\"" << xml_escape(meta.profile) << "\"/>\n";
  o << "      <property name=\"seed\" value=\"" << meta.seed << "\"/>\n";
  o << "      <property name=\"harness_version\" value=\"" << xml_escape(meta.harness_version)
    << "\"/>\n";
  o << "    </properties>\n";
  for (const auto& r : results) {
    std::string cls = r.id.substr(0, r.id.find('.'));
    o << "    <testcase name=\"" << xml_escape(r.id) << "\" classname=\"conformance."
      << xml_escape(cls) << "\" time=\"" << secs(r.run.duration) << "\">\n";
    std::string detail = "outcome: " + std::string(outcome_name(r.outcome)) +
                         "\nclauses: " + join(r.clauses, ", ") +
                         "\nbasis: " + std::string(basis_name(r.basis)) + "\nreason: " + r.reason +
                         "\nrerun: " + r.rerun;
    switch (r.outcome) {
      case Outcome::fail:
      case Outcome::unexpected_pass:
        o << "      <failure message=\"" << xml_escape(r.reason) << "\" type=\""
          << outcome_name(r.outcome) << "\">" << xml_escape(detail) << "</failure>\n";
        break;
      case Outcome::error:
        o << "      <error message=\"" << xml_escape(r.reason) << "\" type=\"error\">"
          << xml_escape(detail) << "</error>\n";
        break;
      case Outcome::skipped:
      case Outcome::expected_fail:
        o << "      <skipped message=\""
          << xml_escape(std::string(outcome_name(r.outcome)) + ": " + r.reason) << "\"/>\n";
        break;
      default:
        break;
    }
    if (shows_transcript(r.outcome)) {
      o << "      <system-out>";
      for (const Frame& f : r.run.transcript) {
        o << xml_escape(format_time(f.at) + " " + f.actor + " " + f.dir + " " + f.text) << "\n";
      }
      o << "</system-out>\n";
    }
    o << "    </testcase>\n";
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

std::string report_html(const std::vector<CaseResult>& results, const RunMeta& meta) {
  // The layout lives in html_report.cc; a single run is a report of one implementation.
  ReportRun run{meta.expectations.empty() ? meta.target : meta.expectations, meta, results};
  return render_html_report({run});
}

}  // namespace unm::conformance
