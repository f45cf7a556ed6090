// html_report.cc — see html_report.h.
#include "conformance/src/html_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "conformance/src/json.h"

namespace unm::conformance {

namespace {

constexpr Outcome kOrder[] = {
    Outcome::fail,    Outcome::unexpected_pass, Outcome::error,   Outcome::non_strict,
    Outcome::lenient, Outcome::expected_fail,   Outcome::skipped, Outcome::pass};

// severity orders outcomes from worst (0) to best; a case or clause shows its worst outcome.
int severity(Outcome o) {
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (kOrder[i] == o) return i;
  }
  return static_cast<int>(std::size(kOrder));
}

bool needs_attention(Outcome o) {
  return o == Outcome::fail || o == Outcome::unexpected_pass || o == Outcome::error ||
         o == Outcome::non_strict || o == Outcome::lenient;
}

constexpr std::size_t kLongFrame = 2000;

bool has_transcript(Outcome o) {
  return o != Outcome::pass && o != Outcome::skipped;
}

std::string h(std::string_view s) {
  return xml_escape(s);
}

std::string oname(Outcome o) {
  return std::string(outcome_name(o));
}

// anchor turns a case id into an element id (ids may hold '/', spaces in vector ids).
std::string anchor(std::string_view id) {
  std::string a = "c-";
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    a += ok ? c : '_';
  }
  return a;
}

std::string area_of(const CaseResult& r) {
  return r.tags.empty() ? std::string("untagged") : r.tags.front();
}

std::string family_of(const std::string& clause) {
  const auto last = clause.rfind('-');
  return last == std::string::npos ? clause : clause.substr(0, last);
}

std::string offset_text(std::chrono::system_clock::time_point start,
                        std::chrono::system_clock::time_point at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - start).count();
  char b[32];
  if (ms < 10'000) {
    std::snprintf(b, sizeof b, "+%lld ms", static_cast<long long>(ms));
  } else {
    std::snprintf(b, sizeof b, "+%.2f s", static_cast<double>(ms) / 1000.0);
  }
  return b;
}

std::string pretty_if_json(std::string_view text) {
  auto d = parse_json(text);
  if (!d || !(d->IsObject() || d->IsArray())) return std::string(text);
  return to_pretty_json(*d);
}

// Row is one case across the runs (absent where a run does not have it).
struct Row {
  std::string id;
  const CaseResult* any = nullptr;  // first run that has it: title, clauses, tags
  std::vector<const CaseResult*> per_run;
  Outcome worst = Outcome::pass;
  bool agree = true;
  bool attention = false;
};

std::vector<Row> build_rows(const std::vector<ReportRun>& runs) {
  std::vector<Row> rows;
  std::map<std::string, std::size_t> index;
  for (std::size_t ri = 0; ri < runs.size(); ++ri) {
    for (const CaseResult& r : runs[ri].results) {
      auto [it, fresh] = index.emplace(r.id, rows.size());
      if (fresh) {
        Row row;
        row.id = r.id;
        row.any = &r;
        row.per_run.assign(runs.size(), nullptr);
        rows.push_back(std::move(row));
      }
      rows[it->second].per_run[ri] = &r;
    }
  }
  for (Row& row : rows) {
    int worst = severity(Outcome::pass);
    std::optional<Outcome> first;
    for (const CaseResult* r : row.per_run) {
      if (r == nullptr) {
        row.agree = false;
        continue;
      }
      worst = std::min(worst, severity(r->outcome));
      if (!first) first = r->outcome;
      if (*first != r->outcome) row.agree = false;
    }
    row.worst = kOrder[worst];
    row.attention = needs_attention(row.worst) || (runs.size() > 1 && !row.agree);
  }
  return rows;
}

// Rows ordered for reading: by area, then the worst outcome first, then first clause, then id.
bool reading_order(const Row* a, const Row* b) {
  const std::string aa = area_of(*a->any), ab = area_of(*b->any);
  if (aa != ab) return aa < ab;
  if (a->worst != b->worst) return severity(a->worst) < severity(b->worst);
  const std::string ca = a->any->clauses.empty() ? "~" : a->any->clauses.front();
  const std::string cb = b->any->clauses.empty() ? "~" : b->any->clauses.front();
  if (ca != cb) return ca < cb;
  return a->id < b->id;
}

const char* kStyle = R"CSS(
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:0 auto;
 max-width:1260px;padding:0 14px 40px}
h1{font-size:20px;margin:12px 0 2px}h2{font-size:17px;margin:22px 0 6px}
h3{font-size:14px;margin:14px 0 4px;color:#444}
code,pre{font:12px/1.35 ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.meta{color:#555;margin:0 0 6px;overflow-wrap:anywhere}
.o-pass{background:#2e9e4f;color:#fff}.o-fail{background:#d93025;color:#fff}
.o-non-strict{background:#f2b705;color:#222}.o-expected-fail{background:#9aa0a6;color:#fff}
.o-unexpected-pass{background:#c2185b;color:#fff}.o-skipped{background:#dadce0;color:#333}
.o-lenient{background:#4fa3e0;color:#fff}.o-error{background:#e8710a;color:#fff}
.o-absent{background:#fff;color:#777;outline:1px dashed #aaa}
#summary{border:1px solid #ddd;border-radius:6px;padding:8px 10px;background:#fafafa}
.counts{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:2px 0 6px}
.counts .run-name{font-weight:600;min-width:120px;overflow-wrap:anywhere}
.chip{display:inline-block;border-radius:10px;padding:1px 9px;font-size:13px;text-decoration:none}
.chip.zero{opacity:.35}
.matrix{display:grid;grid-template-columns:150px 1fr;gap:3px 10px;margin-top:8px}
.matrix .area{font-size:12px;text-align:right;color:#444;overflow:hidden;text-overflow:ellipsis;
 white-space:nowrap}
.cells{display:flex;flex-wrap:wrap;gap:2px}
.stack{display:inline-flex;flex-direction:column;gap:1px}
.cell{display:block;width:11px;height:11px;border-radius:2px}
.legend{font-size:12px;color:#555;margin-top:6px}
#filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;position:sticky;top:0;z-index:2;
 background:#fff;border-bottom:1px solid #ddd;padding:6px 0;margin-top:10px}
#filters label{font-size:13px;white-space:nowrap}
#filters[hidden]{display:none}
.group{margin-left:0}
details.case{border:1px solid #e0e0e0;border-radius:5px;margin:3px 0;background:#fff;
 scroll-margin-top:90px}
details.case>summary{cursor:pointer;padding:4px 8px;display:flex;flex-wrap:wrap;gap:4px 10px;
 align-items:baseline;list-style-position:inside}
details.case[open]>summary{background:#f1f3f4}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;white-space:nowrap}
.cid{font-weight:600;overflow-wrap:anywhere}
.ctitle{color:#333;flex:1 1 300px;min-width:0}
.cclauses{color:#666;font-size:12px;flex:0 1 auto;min-width:0;overflow-wrap:anywhere}
.agree{font-size:12px;color:#2e7d32}.differ{font-size:12px;color:#c62828;font-weight:600}
.body{padding:6px 10px 10px;border-top:1px solid #eee}
.run{margin:6px 0 12px}
.run h4{margin:4px 0;font-size:13px}
.reason{margin:4px 0;overflow-wrap:anywhere}
.eo{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin:6px 0}
.eo>div{min-width:0;border:1px solid #ddd;border-radius:4px;padding:4px 6px}
.eo h5{margin:0 0 3px;font-size:12px;color:#555}
.eo .exp{background:#f3f8f3}.eo .obs{background:#fdf1f0}
.rerun{margin:4px 0;font-size:12px;overflow-wrap:anywhere}
table{border-collapse:collapse}
table.tr{width:100%;table-layout:fixed;margin-top:6px}
table.tr td,table.tr th{border-bottom:1px solid #eee;padding:2px 6px;vertical-align:top;
 text-align:left;font-size:12px;overflow-wrap:anywhere}
table.tr col.t{width:78px}table.tr col.a{width:110px}table.tr col.d{width:34px}
tr.sent td.d{color:#1565c0}tr.received td.d{color:#2e7d32}
tr.note td{color:#666;background:#fafafa;font-style:italic}
tr.failing td{background:#fde7e6}tr.failing td:first-child{box-shadow:inset 4px 0 #d93025}
.lbl{display:inline-block;font-size:11px;color:#555;background:#eceff1;border-radius:3px;
 padding:0 4px;margin-bottom:2px}
.flag{color:#d93025;font-weight:700;font-size:11px}
table.cov{width:100%;table-layout:fixed}
table.cov td,table.cov th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;
 vertical-align:top;font-size:12px}
table.cov col.c{width:150px}table.cov col.s{width:120px}
.cov a{text-decoration:none;margin:0 3px 2px 0;display:inline-block}
details.fam>summary{cursor:pointer;padding:3px 0}
.muted{color:#666}
)CSS";

// kScript only adds filters and opens a case reached by a link; the page works without it.
const char* kScript = R"JS(
(function(){
var f=document.getElementById('filters');if(!f)return;f.hidden=false;
var cases=[].slice.call(document.querySelectorAll('details.case'));
function apply(){
 var on={};[].forEach.call(f.querySelectorAll('input[name=o]'),function(c){on[c.value]=c.checked;});
 var tag=f.querySelector('#f-tag').value,cl=f.querySelector('#f-clause').value.trim().toUpperCase();
 var re=null;if(cl){re=new RegExp('^'+cl.replace(/[.+^${}()|[\]\\]/g,'\\$&').replace(/\*/g,'.*').replace(/\?/g,'.'));}
 var shown=0;
 cases.forEach(function(c){
  var os=c.dataset.o.split(' '),ok=os.some(function(o){return on[o];});
  if(ok&&tag)ok=(' '+c.dataset.tags+' ').indexOf(' '+tag+' ')>=0;
  if(ok&&re)ok=c.dataset.clauses.split(' ').some(function(x){return re.test(x)||x.indexOf(cl)===0;});
  c.style.display=ok?'':'none';if(ok)shown++;
  var cell=document.querySelectorAll('[data-case="'+c.id+'"]');
  [].forEach.call(cell,function(x){x.style.opacity=ok?'':'0.15';});
 });
 [].forEach.call(document.querySelectorAll('.group'),function(g){
  var any=[].some.call(g.querySelectorAll('details.case'),function(c){return c.style.display!=='none';});
  g.style.display=any?'':'none';});
 document.getElementById('f-count').textContent=shown+' of '+cases.length+' cases shown';
}
f.addEventListener('input',apply);f.addEventListener('change',apply);
function openHash(){var t=location.hash&&document.getElementById(location.hash.slice(1));
 if(t&&t.tagName==='DETAILS'){t.open=true;var p=t.parentElement;
  while(p){if(p.tagName==='DETAILS')p.open=true;p=p.parentElement;}t.scrollIntoView();}}
window.addEventListener('hashchange',openHash);openHash();apply();
})();
)JS";

class Renderer {
 public:
  explicit Renderer(const std::vector<ReportRun>& runs) : runs_(runs), rows_(build_rows(runs)) {}

  std::string render() {
    o_ << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
       << "<title>Unmanageable conformance report</title>\n<style>" << kStyle
       << "</style></head><body>\n";
    header();
    summary();
    filters();
    cases();
    coverage();
    o_ << "<script>" << kScript << "</script>\n</body></html>\n";
    return o_.str();
  }

 private:
  void header() {
    o_ << "<h1>Unmanageable conformance report"
       << (runs_.size() > 1 ? " — " + std::to_string(runs_.size()) + " implementations" : "")
       << "</h1>\n";
    for (const ReportRun& run : runs_) {
      const RunMeta& m = run.meta;
      o_ << "<p class=\"meta\">" << (runs_.size() > 1 ? "<b>" + h(run.name) + "</b>: " : "")
         << "target <code>" << h(m.target) << "</code>, profile " << h(m.profile)
         << (m.strict ? " (strict)" : "") << ", seed " << m.seed << ", run " << h(m.run_id)
         << ", started " << h(format_time(m.started)) << ", " << m.duration.count() << " ms"
         << (m.expectations.empty() ? "" : ", expectations " + h(m.expectations))
         << (m.harness_version.empty()
                 ? ""
                 : ", harness <span class=\"harness-version\">unmanageable-conformance " +
                       h(m.harness_version) + "</span>")
         << ".</p>\n";
    }
  }

  void chips(const std::vector<CaseResult>& results) {
    auto t = tally(results);
    for (Outcome oc : kOrder) {
      o_ << "<a class=\"chip o-" << oname(oc) << (t[oc] == 0 ? " zero" : "")
         << "\" href=\"#cases\" data-count=\"" << t[oc] << "\">" << oname(oc) << " <b>" << t[oc]
         << "</b></a>";
    }
    o_ << "<span class=\"muted\">" << results.size() << " cases</span>";
  }

  void cell(const Row& row, const CaseResult* r, const std::string& run_name) {
    const std::string oc = r == nullptr ? std::string("absent") : oname(r->outcome);
    o_ << "<a class=\"cell o-" << oc << "\" href=\"#" << anchor(row.id) << "\" data-case=\""
       << anchor(row.id) << "\" title=\"" << h(row.id) << (run_name.empty() ? "" : " @ " + run_name)
       << ": " << oc << "\"></a>";
  }

  void summary() {
    o_ << "<section id=\"summary\">\n";
    for (const ReportRun& run : runs_) {
      o_ << "<div class=\"counts\">";
      if (runs_.size() > 1) o_ << "<span class=\"run-name\">" << h(run.name) << "</span>";
      chips(run.results);
      o_ << "</div>\n";
    }
    if (runs_.size() > 1) {
      std::size_t differ = 0;
      for (const Row& r : rows_) differ += r.agree ? 0 : 1;
      o_ << "<div class=\"counts\"><span class=\"run-name\">agreement</span><span id=\"agreement\">"
         << (rows_.size() - differ) << " of " << rows_.size() << " cases agree, <b>" << differ
         << "</b> differ</span></div>\n";
    }
    // The matrix: one line per area, one cell (a stack of cells with several runs) per case,
    // the areas with problems first.
    std::map<std::string, std::vector<const Row*>> areas;
    for (const Row& r : rows_) areas[area_of(*r.any)].push_back(&r);
    std::vector<std::pair<std::string, std::vector<const Row*>>> ordered(areas.begin(),
                                                                         areas.end());
    for (auto& [name, rows] : ordered) {
      std::stable_sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) {
        return severity(a->worst) < severity(b->worst);
      });
    }
    o_ << "<div class=\"matrix\" id=\"matrix\">\n";
    for (const auto& [name, rows] : ordered) {
      std::size_t bad = 0;
      for (const Row* r : rows) bad += r->attention ? 1 : 0;
      o_ << "<div class=\"area\" title=\"" << h(name) << "\">" << h(name) << " ("
         << (bad ? std::to_string(bad) + "/" : "") << rows.size() << ")</div><div class=\"cells\">";
      for (const Row* r : rows) {
        if (runs_.size() == 1) {
          cell(*r, r->per_run[0], "");
        } else {
          o_ << "<span class=\"stack\">";
          for (std::size_t i = 0; i < runs_.size(); ++i) cell(*r, r->per_run[i], runs_[i].name);
          o_ << "</span>";
        }
      }
      o_ << "</div>\n";
    }
    o_ << "</div>\n<div class=\"legend\">One cell per case";
    if (runs_.size() > 1) {
      o_ << " and implementation (top to bottom: ";
      for (std::size_t i = 0; i < runs_.size(); ++i) o_ << (i ? ", " : "") << h(runs_[i].name);
      o_ << ")";
    }
    o_ << ", coloured by outcome; click a cell for its transcript. Area = first tag; "
          "(problems/cases).</div>\n</section>\n";
  }

  void filters() {
    std::set<std::string> tags;
    for (const Row& r : rows_) tags.insert(r.any->tags.begin(), r.any->tags.end());
    o_ << "<form id=\"filters\" hidden onsubmit=\"return false\"><b>Filter</b>";
    for (Outcome oc : kOrder) {
      o_ << "<label><input type=\"checkbox\" name=\"o\" value=\"" << oname(oc) << "\" checked> "
         << "<span class=\"badge o-" << oname(oc) << "\">" << oname(oc) << "</span></label>";
    }
    if (runs_.size() > 1) {
      o_ << "<label><input type=\"checkbox\" name=\"o\" value=\"absent\" checked> absent</label>";
    }
    o_ << "<label>tag <select id=\"f-tag\"><option value=\"\">all</option>";
    for (const auto& t : tags) o_ << "<option>" << h(t) << "</option>";
    o_ << "</select></label><label>clause <input id=\"f-clause\" size=\"14\" "
          "placeholder=\"EV-MSG-*\"></label><span id=\"f-count\" class=\"muted\"></span></form>\n";
  }

  void transcript(const CaseResult& r) {
    const auto& tr = r.run.transcript;
    if (tr.empty()) return;
    const long bad = failing_frame(r.run);
    const auto start = tr.front().at;
    o_ << "<table class=\"tr\"><colgroup><col class=\"t\"><col class=\"a\"><col class=\"d\">"
          "<col></colgroup><tr><th>time</th><th>actor</th><th>dir</th><th>frame</th></tr>\n";
    for (std::size_t i = 0; i < tr.size(); ++i) {
      const Frame& f = tr[i];
      const char* cls = f.dir == '>' ? "sent" : f.dir == '<' ? "received" : "note";
      const bool failing = static_cast<long>(i) == bad;
      o_ << "<tr class=\"" << cls << (failing ? " failing" : "") << "\""
         << (failing ? " id=\"" + anchor(r.id) + "-failing\"" : std::string()) << "><td>"
         << offset_text(start, f.at) << "</td><td>" << h(f.actor) << "</td><td class=\"d\" title=\""
         << cls << "\">"
         << (f.dir == '>'   ? "&#8594;"
             : f.dir == '<' ? "&#8592;"
                            : "&#8226;")
         << "</td><td>";
      if (failing) o_ << "<span class=\"flag\">&#9664; failing frame</span> ";
      if (f.dir == '#') {
        o_ << h(f.text);
      } else {
        FrameView v = decode_frame(f.text);
        o_ << "<span class=\"lbl\">" << h(v.label) << "</span>";
        if (v.body.size() > kLongFrame) {
          // A huge frame (a fuzzed 140 KB value) would push the rest of the transcript far
          // down: its start is shown, the whole frame one click away.
          std::size_t cut = kLongFrame / 4;
          while (cut > 0 && (static_cast<unsigned char>(v.body[cut]) & 0xC0) == 0x80) --cut;
          o_ << "<pre>" << h(v.body.substr(0, cut)) << "…</pre><details><summary>"
             << "whole frame (" << v.body.size() << " characters)</summary><pre>" << h(v.body)
             << "</pre></details>";
        } else if (!v.body.empty()) {
          o_ << "<pre>" << h(v.body) << "</pre>";
        }
      }
      o_ << "</td></tr>\n";
    }
    o_ << "</table>\n";
  }

  void run_detail(const ReportRun& run, const CaseResult* r) {
    o_ << "<div class=\"run\">";
    if (runs_.size() > 1) {
      o_ << "<h4>" << h(run.name) << " — ";
      if (r == nullptr) {
        o_ << "<span class=\"badge o-absent\">absent</span></h4><p class=\"muted\">Not in this "
              "run.</p></div>\n";
        return;
      }
      o_ << "<span class=\"badge o-" << oname(r->outcome) << "\">" << oname(r->outcome)
         << "</span> " << r->run.duration.count() << " ms</h4>";
    }
    if (!r->reason.empty()) o_ << "<p class=\"reason\"><b>Reason:</b> " << h(r->reason) << "</p>";
    if (has_transcript(r->outcome)) {
      ExpectedObserved eo = split_reason(r->reason);
      if (eo.expected.empty()) {
        const long bad = failing_frame(r->run);
        if (bad >= 0 && !r->reason.empty()) {
          eo.expected = r->reason;
          eo.observed = decode_frame(r->run.transcript[static_cast<std::size_t>(bad)].text).body;
        }
      }
      if (!eo.expected.empty()) {
        o_ << "<div class=\"eo\"><div class=\"exp\"><h5>Expected</h5><pre>" << h(eo.expected)
           << "</pre></div><div class=\"obs\"><h5>Observed</h5><pre>" << h(eo.observed)
           << "</pre></div></div>\n";
      }
    }
    if (!r->rerun.empty()) o_ << "<p class=\"rerun\">Rerun: <code>" << h(r->rerun) << "</code></p>";
    if (has_transcript(r->outcome)) transcript(*r);
    o_ << "</div>\n";
  }

  void case_element(const Row& row) {
    const CaseResult& c = *row.any;
    std::set<std::string> os;
    for (const CaseResult* r : row.per_run) os.insert(r ? oname(r->outcome) : "absent");
    std::string data_o;
    for (const auto& s : os) data_o += (data_o.empty() ? "" : " ") + s;
    std::string tags, clauses;
    for (const auto& t : c.tags) tags += (tags.empty() ? "" : " ") + t;
    for (const auto& t : c.clauses) clauses += (clauses.empty() ? "" : " ") + t;
    o_ << "<details class=\"case\" id=\"" << anchor(row.id) << "\" data-o=\"" << h(data_o)
       << "\" data-tags=\"" << h(tags) << "\" data-clauses=\"" << h(clauses) << "\"><summary>";
    for (const CaseResult* r : row.per_run) {
      const std::string oc = r ? oname(r->outcome) : "absent";
      o_ << "<span class=\"badge o-" << oc << "\">" << oc << "</span>";
    }
    o_ << "<span class=\"cid\">" << h(row.id) << "</span><span class=\"ctitle\">" << h(c.title)
       << "</span>";
    if (runs_.size() > 1) {
      o_ << (row.agree ? "<span class=\"agree\">agree</span>"
                       : "<span class=\"differ\">differ</span>");
    }
    o_ << "<span class=\"cclauses\">" << h(clauses) << " · " << basis_name(c.basis) << "</span>"
       << "</summary><div class=\"body\">";
    for (std::size_t i = 0; i < runs_.size(); ++i) run_detail(runs_[i], row.per_run[i]);
    o_ << "</div></details>\n";
  }

  void grouped(const std::vector<const Row*>& rows) {
    std::string area;
    bool open = false;
    for (const Row* r : rows) {
      if (area_of(*r->any) != area || !open) {
        if (open) o_ << "</div>\n";
        area = area_of(*r->any);
        std::size_t n = 0;
        for (const Row* x : rows) n += area_of(*x->any) == area ? 1 : 0;
        o_ << "<div class=\"group\"><h3>" << h(area) << " <span class=\"muted\">(" << n
           << ")</span></h3>\n";
        open = true;
      }
      case_element(*r);
    }
    if (open) o_ << "</div>\n";
  }

  void cases() {
    std::vector<const Row*> attention, others, passed;
    for (const Row& r : rows_) {
      if (r.attention) {
        attention.push_back(&r);
      } else if (r.worst == Outcome::pass) {
        passed.push_back(&r);
      } else {
        others.push_back(&r);
      }
    }
    for (auto* v : {&attention, &others, &passed}) {
      std::sort(v->begin(), v->end(), reading_order);
    }
    o_ << "<div id=\"cases\">\n<section id=\"attention\"><h2>Needs attention (" << attention.size()
       << ")</h2>\n<p class=\"muted\">fail, unexpected-pass, error, "
       << "non-strict and lenient"
       << (runs_.size() > 1 ? ", and cases the implementations "
                              "disagree on"
                            : "")
       << "; grouped by area, worst first, then by clause. Click a case for its transcript.</p>\n";
    if (attention.empty()) o_ << "<p>Nothing: every case passed or was expected.</p>\n";
    grouped(attention);
    o_ << "</section>\n<section id=\"others\"><h2>Expected failures and skipped (" << others.size()
       << ")</h2>\n";
    grouped(others);
    o_ << "</section>\n<details id=\"passed\"><summary><h2 style=\"display:inline\">Passed ("
       << passed.size() << ")</h2></summary>\n";
    grouped(passed);
    o_ << "</details>\n</div>\n";
  }

  void coverage() {
    // clause -> rows citing it
    std::map<std::string, std::vector<const Row*>> by_clause;
    for (const Row& r : rows_) {
      for (const auto& c : r.any->clauses) by_clause[c].push_back(&r);
    }
    std::map<std::string, std::vector<std::string>> families;
    for (const auto& [c, rows] : by_clause) families[family_of(c)].push_back(c);
    o_ << "<section id=\"coverage\"><h2>Clause coverage (" << by_clause.size()
       << " clauses checked)</h2>\n<p class=\"muted\">Each clause the cases cite, with its worst "
          "outcome and the cases that check it. The full catalogue, with the MUST clauses no "
          "case checks, is <code>unmanageable-conformance coverage</code>.</p>\n";
    for (const auto& [fam, clauses] : families) {
      std::size_t bad = 0;
      for (const auto& c : clauses) {
        bool any = false;
        for (const Row* r : by_clause[c]) any = any || r->attention;
        bad += any ? 1 : 0;
      }
      o_ << "<details class=\"fam\"" << (bad ? " open" : "") << "><summary><b>" << h(fam)
         << "</b> — " << clauses.size() << " clauses"
         << (bad ? ", " + std::to_string(bad) + " with problems" : "")
         << "</summary><table class=\"cov\"><colgroup><col class=\"c\"><col class=\"s\"><col>"
            "</colgroup>\n";
      for (const auto& c : clauses) {
        int worst = severity(Outcome::pass);
        for (const Row* r : by_clause[c]) worst = std::min(worst, severity(r->worst));
        o_ << "<tr><td><code>" << h(c) << "</code></td><td><span class=\"badge o-"
           << oname(kOrder[worst]) << "\">" << oname(kOrder[worst]) << "</span></td><td>";
        for (const Row* r : by_clause[c]) {
          o_ << "<a class=\"badge o-" << oname(r->worst) << "\" href=\"#" << anchor(r->id) << "\">"
             << h(r->id) << "</a>";
        }
        o_ << "</td></tr>\n";
      }
      o_ << "</table></details>\n";
    }
    o_ << "</section>\n";
  }

  const std::vector<ReportRun>& runs_;
  std::vector<Row> rows_;
  std::ostringstream o_;
};

}  // namespace

FrameView decode_frame(std::string_view f) {
  FrameView v;
  if (f.empty()) return v;
  static const char* eio[] = {"open", "close", "ping", "pong", "message", "upgrade", "noop"};
  static const char* sio[] = {"CONNECT",       "DISCONNECT",   "EVENT",     "ACK",
                              "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"};
  const char t = f[0];
  if (t < '0' || t > '6') {
    v.label = "text";
    v.body = std::string(f);
    return v;
  }
  std::string_view rest = f.substr(1);
  if (t != '4') {
    v.label = eio[t - '0'];
    v.body = pretty_if_json(rest);
    return v;
  }
  if (rest.empty() || rest[0] < '0' || rest[0] > '6') {
    v.label = "message";
    v.body = std::string(rest);
    return v;
  }
  v.label = sio[rest[0] - '0'];
  rest.remove_prefix(1);
  // Binary packets carry "<attachments>-" first; then an optional "/nsp," and an ack id.
  if (v.label.rfind("BINARY", 0) == 0) {
    const auto dash = rest.find('-');
    if (dash != std::string_view::npos) rest.remove_prefix(dash + 1);
  }
  if (!rest.empty() && rest[0] == '/') {
    const auto comma = rest.find(',');
    v.label += " " + std::string(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits > 0) {
    v.label += " #" + std::string(rest.substr(0, digits));
    rest.remove_prefix(digits);
  }
  v.body = pretty_if_json(rest);
  return v;
}

ExpectedObserved split_reason(std::string_view reason) {
  ExpectedObserved eo;
  const auto got = reason.rfind(", got ");
  const auto exp = reason.find("expected");
  if (got == std::string_view::npos || exp == std::string_view::npos || exp > got) return eo;
  eo.expected = std::string(reason.substr(exp, got - exp));
  eo.observed = pretty_if_json(reason.substr(got + 6));
  return eo;
}

long failing_frame(const CaseRun& run) {
  if (run.failed_step == 0) return -1;
  const std::string marker = "step " + std::to_string(run.failed_step) + ":";
  const auto& tr = run.transcript;
  std::size_t begin = tr.size();
  for (std::size_t i = 0; i < tr.size(); ++i) {
    if (tr[i].dir == '#' && tr[i].text.rfind(marker, 0) == 0) begin = i;
  }
  if (begin == tr.size()) return -1;
  long last_received = -1, last_sent = -1;
  for (std::size_t i = begin + 1; i < tr.size(); ++i) {
    if (tr[i].dir == '#' && tr[i].text.rfind("step ", 0) == 0) break;
    // Engine.IO pings and pongs are keep-alive noise, never the failing frame.
    if (tr[i].text == "2" || tr[i].text == "3") continue;
    if (tr[i].dir == '<') last_received = static_cast<long>(i);
    if (tr[i].dir == '>') last_sent = static_cast<long>(i);
  }
  return last_received >= 0 ? last_received : last_sent;
}

std::string render_html_report(const std::vector<ReportRun>& runs) {
  return Renderer(runs).render();
}

}  // namespace unm::conformance
