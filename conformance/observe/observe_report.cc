#include "conformance/observe/observe_report.h"

#include <cstdio>
#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "conformance/src/report.h"

namespace unm::conformance::observe {

namespace {

std::string arrow(Direction d) {
  return d == Direction::to_server ? "C→S" : "S→C";
}

std::size_t count_of(const std::vector<Finding>& v, Side side, Severity sev) {
  std::size_t n = 0;
  for (const auto& f : v) n += f.side == side && f.severity == sev;
  return n;
}

std::string frames_text(const Finding& f) {
  std::string s;
  for (const auto& fr : f.frames) {
    s += "    " + format_time(fr.at) + " " + arrow(fr.dir) + " " + fr.text + "\n";
  }
  return s;
}

std::string finding_text(const Finding& f) {
  return format_time(f.at) + " " + std::string(severity_name(f.severity)) + " " +
         std::string(side_name(f.side)) + " " + f.clause + " " + f.session +
         (f.user.empty() ? "" : " (" + f.user + ")") + ": " + f.message + "\n" + frames_text(f);
}

}  // namespace

std::optional<FailOn> parse_fail_on(std::string_view s) {
  if (s == "client") return FailOn::client;
  if (s == "server") return FailOn::server;
  if (s == "any") return FailOn::any;
  if (s == "none") return FailOn::none;
  return std::nullopt;
}

int exit_status(const std::vector<Finding>& findings, FailOn f) {
  for (const auto& x : findings) {
    if (x.severity != Severity::fail) continue;
    if (f == FailOn::any || (f == FailOn::client && x.side == Side::client) ||
        (f == FailOn::server && x.side == Side::server)) {
      return 1;
    }
  }
  return 0;
}

std::string console_line(const Finding& f) {
  // Appends, not `"…" + std::string`: GCC 12 gives a false -Wrestrict for that at -O3.
  std::string s = "[";
  s.append(side_name(f.side)).append("] ").append(severity_name(f.severity));
  s.append(" ").append(f.clause).append(" ").append(f.session);
  if (!f.user.empty()) s.append(" (").append(f.user).append(")");
  s.append(": ").append(f.message);
  return s;
}

std::string console_progress(const std::vector<Finding>& findings, const Stats& st) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "observe: %zu sessions, %zu requests, %zu acks, %zu notifications; findings: "
                "client %zu fail / %zu non-strict, server %zu fail / %zu non-strict",
                st.sessions, st.requests, st.acks, st.notifications,
                count_of(findings, Side::client, Severity::fail),
                count_of(findings, Side::client, Severity::non_strict),
                count_of(findings, Side::server, Severity::fail),
                count_of(findings, Side::server, Severity::non_strict));
  return buf;
}

std::string console_summary(const std::vector<Finding>& findings, const Stats& st,
                            const ObserveMeta& meta) {
  std::string s = "\n";  // appends: GCC 12's false -Wrestrict on `"…" + std::string` at -O3
  s.append(console_progress(findings, st)).append("\n");
  s += "stopped by: " + meta.stop_reason + " after " +
       std::to_string(meta.duration.count() / 1000.0).substr(0, 6) + " s; frames C→S " +
       std::to_string(st.frames_to_server) + ", S→C " + std::to_string(st.frames_to_client) +
       "; signatures verified " + std::to_string(st.signatures_verified) + ", unchecked " +
       std::to_string(st.signatures_unchecked) + "\n";
  for (Side side : {Side::client, Side::server}) {
    const auto& m = side == Side::client ? st.client_clauses : st.server_clauses;
    std::size_t checks = 0;
    for (const auto& [c, n] : m) checks += n.checked;
    // Appends (GCC 12's false -Wrestrict on `"…" + std::string` at -O3).
    s.append("\n").append(side_name(side)).append(": ").append(std::to_string(m.size()));
    s.append(" clauses checked ").append(std::to_string(checks)).append(" times\n");
    for (const auto& [clause, n] : m) {
      if (n.failed == 0 && n.non_strict == 0) continue;
      char buf[160];
      std::snprintf(buf, sizeof buf, "  %-14s %6zu fail %6zu non-strict  (of %zu checks)\n",
                    clause.c_str(), n.failed, n.non_strict, n.checked);
      s += buf;
    }
  }
  return s;
}

std::string report_json(const std::vector<Finding>& findings, const Stats& st,
                        const ObserveMeta& meta) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto kv = [&](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  kv("tool", "unmanageable-conformance observe");
  kv("listen", meta.listen);
  kv("upstream", meta.upstream);
  kv("command", meta.command);
  kv("started", format_time(meta.started));
  w.Key("duration_ms");
  w.Int64(meta.duration.count());
  kv("stop_reason", meta.stop_reason);
  w.Key("stats");
  w.StartObject();
  const std::pair<const char*, std::size_t> counters[] = {
      {"sessions", st.sessions},
      {"frames_to_server", st.frames_to_server},
      {"frames_to_client", st.frames_to_client},
      {"requests", st.requests},
      {"acks", st.acks},
      {"notifications", st.notifications},
      {"signatures_verified", st.signatures_verified},
      {"signatures_unchecked", st.signatures_unchecked}};
  for (const auto& [k, v] : counters) {
    w.Key(k);
    w.Uint64(v);
  }
  w.EndObject();
  for (Side side : {Side::client, Side::server}) {
    const auto& m = side == Side::client ? st.client_clauses : st.server_clauses;
    w.Key(side == Side::client ? "client" : "server");
    w.StartObject();
    w.Key("fail");
    w.Uint64(count_of(findings, side, Severity::fail));
    w.Key("non_strict");
    w.Uint64(count_of(findings, side, Severity::non_strict));
    w.Key("clauses");
    w.StartObject();
    for (const auto& [clause, n] : m) {
      w.Key(clause.c_str());
      w.StartObject();
      w.Key("checked");
      w.Uint64(n.checked);
      w.Key("fail");
      w.Uint64(n.failed);
      w.Key("non_strict");
      w.Uint64(n.non_strict);
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.Key("findings");
  w.StartArray();
  for (const auto& f : findings) {
    w.StartObject();
    kv("side", std::string(side_name(f.side)));
    kv("severity", std::string(severity_name(f.severity)));
    kv("clause", f.clause);
    kv("session", f.session);
    kv("user", f.user);
    kv("at", format_time(f.at));
    kv("message", f.message);
    w.Key("frames");
    w.StartArray();
    for (const auto& fr : f.frames) {
      w.StartObject();
      kv("at", format_time(fr.at));
      kv("dir", fr.dir == Direction::to_server ? "to_server" : "to_client");
      kv("frame", fr.text);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string report_junit(const std::vector<Finding>& findings, const Stats& st,
                         const ObserveMeta& meta) {
  std::string body;
  std::size_t total = 0, failures = 0;
  const std::string secs = std::to_string(meta.duration.count() / 1000.0);
  for (Side side : {Side::client, Side::server}) {
    const auto& m = side == Side::client ? st.client_clauses : st.server_clauses;
    const std::string suite = "observe." + std::string(side_name(side));
    std::size_t suite_failures = 0;
    std::string cases;
    for (const auto& [clause, n] : m) {
      std::string out;
      for (const auto& f : findings) {
        if (f.side == side && f.clause == clause) out += finding_text(f);
      }
      cases += "    <testcase name=\"" + xml_escape(clause) + "\" classname=\"" + suite +
               "\" time=\"0\">\n";
      if (n.failed > 0) {
        ++suite_failures;
        cases += "      <failure message=\"" +
                 xml_escape(std::to_string(n.failed) + " violation(s) in " +
                            std::to_string(n.checked) + " checks") +
                 "\" type=\"fail\"/>\n";
      }
      if (!out.empty()) cases += "      <system-out>" + xml_escape(out) + "</system-out>\n";
      cases += "    </testcase>\n";
    }
    total += m.size();
    failures += suite_failures;
    body += "  <testsuite name=\"" + suite + "\" tests=\"" + std::to_string(m.size()) +
            "\" failures=\"" + std::to_string(suite_failures) + "\" errors=\"0\" skipped=\"0\" " +
            "time=\"" + secs + "\" timestamp=\"" + format_time(meta.started) + "\">\n" +
            "    <properties>\n      <property name=\"upstream\" value=\"" +
            xml_escape(meta.upstream) + "\"/>\n      <property name=\"listen\" value=\"" +
            xml_escape(meta.listen) + "\"/>\n    </properties>\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"unmanageable-conformance "
         "observe\" tests=\"" +
         std::to_string(total) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\" skipped=\"0\" time=\"" + secs + "\">\n" + body + "</testsuites>\n";
}

std::string report_html(const std::vector<Finding>& findings, const Stats& st,
                        const ObserveMeta& meta) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>observe report</title>\n"
      "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
      ".fail{background:#fdd}.non-strict{background:#ffd}pre{margin:0;white-space:pre-wrap;"
      "font-size:85%}</style></head><body>\n<h1>unmanageable-conformance observe</h1>\n";
  h += "<p>upstream " + xml_escape(meta.upstream) + ", listening on " + xml_escape(meta.listen) +
       ", started " + format_time(meta.started) + ", stopped by " + xml_escape(meta.stop_reason) +
       "</p>\n<p>" + xml_escape(console_progress(findings, st)) + "</p>\n";
  for (Side side : {Side::client, Side::server}) {
    const auto& m = side == Side::client ? st.client_clauses : st.server_clauses;
    h += "<h2>" + std::string(side_name(side)) +
         " — clauses</h2>\n<table><tr><th>clause</th>"
         "<th>checked</th><th>fail</th><th>non-strict</th></tr>\n";
    for (const auto& [clause, n] : m) {
      const char* cls = n.failed ? "fail" : n.non_strict ? "non-strict" : "";
      h += "<tr class=\"" + std::string(cls) + "\"><td>" + xml_escape(clause) + "</td><td>" +
           std::to_string(n.checked) + "</td><td>" + std::to_string(n.failed) + "</td><td>" +
           std::to_string(n.non_strict) + "</td></tr>\n";
    }
    h += "</table>\n<h2>" + std::string(side_name(side)) +
         " — findings</h2>\n<table><tr><th>time</th><th>severity</th><th>clause</th>"
         "<th>session</th><th>what</th><th>frames</th></tr>\n";
    for (const auto& f : findings) {
      if (f.side != side) continue;
      h += "<tr class=\"" + std::string(severity_name(f.severity)) + "\"><td>" + format_time(f.at) +
           "</td><td>" + std::string(severity_name(f.severity)) + "</td><td>" +
           xml_escape(f.clause) + "</td><td>" + xml_escape(f.session) +
           (f.user.empty() ? "" : " (" + xml_escape(f.user) + ")") + "</td><td>" +
           xml_escape(f.message) + "</td><td><pre>" + xml_escape(frames_text(f)) +
           "</pre></td></tr>\n";
    }
    h += "</table>\n";
  }
  return h + "</body></html>\n";
}

}  // namespace unm::conformance::observe
