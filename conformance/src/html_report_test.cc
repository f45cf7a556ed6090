// html_report_test.cc — the HTML report as a person meets it: its structure (summary first,
// failures first, details that expand without JavaScript), the helpers that decode frames and
// split reasons, and — in headless Chromium at 1280 × 800 — the summary visible without
// scrolling, a failing case's transcript one click away, working filters and no horizontal
// scroll, for one run and for several runs side by side. Screenshots are kept in the build
// folder (test-artifacts/) for a person to look at.
#include "conformance/src/html_report.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "conformance/src/headless_chromium_test.h"
#include "conformance/src/json.h"
#include "conformance/src/report_merge.h"

namespace unm::conformance {
namespace {

using std::chrono::milliseconds;

// A run shaped like the real suite: ~330 cases over ten areas, mostly passing, with long clause
// lists, long frames (a 4 KB hex string must wrap, not widen the page) and failing transcripts.
std::vector<CaseResult> big_run(int variant) {
  const char* areas[] = {"auth",      "users",  "friends", "dms",       "messages",
                         "reactions", "typing", "calls",   "transport", "vectors"};
  std::vector<CaseResult> v;
  const auto t0 = std::chrono::system_clock::now();
  for (int i = 0; i < 332; ++i) {
    CaseResult r;
    const std::string area = areas[i % 10];
    r.id = area.substr(0, 3) + ".case" + std::to_string(i);
    r.title = "the server does something observable with " + area + " number " + std::to_string(i);
    r.tags = {area, i % 3 == 0 ? "robustness" : "basic"};
    for (int k = 0; k < 1 + i % 6; ++k) {
      r.clauses.push_back("EV-" + std::string(i % 2 ? "MSG" : "AUTH") + "-0" +
                          std::to_string(10 + (i + k) % 40));
    }
    r.outcome = Outcome::pass;
    if (i % 29 == 3) r.outcome = Outcome::fail;
    if (i % 31 == 5) r.outcome = Outcome::non_strict;
    if (i % 37 == 7) r.outcome = Outcome::expected_fail;
    if (i % 41 == 9) r.outcome = Outcome::skipped;
    if (i == 100) r.outcome = Outcome::error;
    if (variant == 1 && i % 17 == 0) r.outcome = Outcome::fail;
    r.basis = r.outcome == Outcome::non_strict ? Basis::decided : Basis::document;
    r.rerun =
        "unmanageable-conformance run --target http://127.0.0.1:5000 --seed 42 --case " + r.id;
    r.run.duration = milliseconds(10 + i % 50);
    if (r.outcome != Outcome::pass && r.outcome != Outcome::skipped) {
      r.run.failed_step = 2;
      r.reason =
          "step 2 (send get_user): expected success, got "
          "{\"success\":false,\"result\":\"User does not exist.\"}";
      auto at = [&](int ms) { return t0 + milliseconds(ms); };
      r.run.transcript = {
          {at(0), "alice", '#', "setup: register"},
          {at(1), "alice", '>',
           "42[\"register\",{\"username\":\"alice-x-1\",\"public_key\":\"" +
               std::string(4096, 'a') + "\"}]"},
          {at(9), "alice", '<', "430[{\"success\":true,\"result\":true}]"},
          {at(10), "alice", '#', "step 1: send username_exists"},
          {at(11), "alice", '>', "421[\"username_exists\",{\"username\":\"alice-x-1\"}]"},
          {at(15), "alice", '<', "431[{\"success\":true,\"result\":true}]"},
          {at(16), "alice", '#', "step 2: send get_user"},
          {at(17), "alice", '>', "422[\"get_user\",{\"username\":\"bob-x-1\"}]"},
          {at(18), "alice", '<', "2"},
          {at(25), "alice", '<', "432[{\"success\":false,\"result\":\"User does not exist.\"}]"},
          {at(26), "", '#', "FAILED " + r.reason},
      };
    }
    v.push_back(std::move(r));
  }
  if (variant == 1) v.erase(v.begin() + 50);  // a case the second implementation lacks
  return v;
}

RunMeta meta_for(const std::string& target) {
  RunMeta m;
  m.target = target;
  m.seed = 42;
  m.run_id = "abcd0123";
  m.started = std::chrono::system_clock::now();
  m.duration = milliseconds(61234);
  return m;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(HtmlReport, DecodesFramesForDisplay) {
  auto ev = decode_frame("421[\"get_user\",{\"username\":\"bob\"}]");
  EXPECT_EQ(ev.label, "EVENT #1");
  EXPECT_NE(ev.body.find("\n"), std::string::npos);  // pretty-printed
  EXPECT_NE(ev.body.find("\"username\": \"bob\""), std::string::npos) << ev.body;
  EXPECT_EQ(decode_frame("430[{\"success\":true,\"result\":1}]").label, "ACK #0");
  EXPECT_EQ(decode_frame("2").label, "ping");
  EXPECT_EQ(decode_frame("40{\"sid\":\"x\"}").label, "CONNECT");
  EXPECT_EQ(decode_frame("42/chat,7[\"x\"]").label, "EVENT /chat #7");
  EXPECT_EQ(decode_frame("451-[\"x\",{\"_placeholder\":true,\"num\":0}]").label, "BINARY_EVENT");
  auto broken = decode_frame("42[\"unterminated");
  EXPECT_EQ(broken.body, "[\"unterminated");  // not JSON: shown as is
  EXPECT_EQ(decode_frame("<binary 12 bytes>").label, "text");
}

TEST(HtmlReport, SplitsReasonIntoExpectedAndObserved) {
  auto eo = split_reason("step 2 (send login): expected success, got {\"success\":false}");
  EXPECT_EQ(eo.expected, "expected success");
  EXPECT_NE(eo.observed.find("\"success\": false"), std::string::npos) << eo.observed;
  EXPECT_TRUE(split_reason("no matching message_notification within 3000 ms").expected.empty());
}

TEST(HtmlReport, MarksTheLastFrameReceivedInTheFailingStep) {
  auto run = big_run(0)[3].run;  // a failing case
  const long i = failing_frame(run);
  ASSERT_GE(i, 0);
  EXPECT_EQ(run.transcript[static_cast<std::size_t>(i)].text.rfind("432[", 0), 0u);  // not the ping
  run.failed_step = 0;
  EXPECT_EQ(failing_frame(run), -1);
}

TEST(HtmlReport, OpensOnSummaryWithFailuresFirstAndDetailsForTranscripts) {
  const auto results = big_run(0);
  const std::string html = report_html(results, meta_for("http://127.0.0.1:5000"));
  const auto summary = html.find("id=\"summary\"");
  const auto attention = html.find("id=\"attention\"");
  const auto passed = html.find("id=\"passed\"");
  ASSERT_NE(summary, std::string::npos);
  EXPECT_LT(summary, attention);
  EXPECT_LT(attention, passed);
  // Every case is a <details> (expands without JavaScript), every one has a matrix cell.
  EXPECT_EQ(count(html, "<details class=\"case\""), results.size());
  EXPECT_EQ(count(html, "class=\"cell "), results.size());
  // The first case under "Needs attention" is a failure, not a pass.
  const auto first = html.find("<details class=\"case\"", attention);
  EXPECT_NE(html.substr(first, 200).find("data-o=\"fail\""), std::string::npos)
      << html.substr(first, 200);
  // Filters are hidden until the script shows them; the failing frame is marked.
  EXPECT_NE(html.find("<form id=\"filters\" hidden"), std::string::npos);
  EXPECT_NE(html.find("tr class=\"received failing\""), std::string::npos);
  EXPECT_NE(html.find("class=\"eo\""), std::string::npos);  // expected vs observed
  EXPECT_NE(html.find("id=\"coverage\""), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // self-contained
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

// What the page looks like in a browser: measured by a script that runs in the page.
const char* kMeasure = R"JS(
(function(){
 var m={};
 m.innerWidth=innerWidth;m.innerHeight=innerHeight;
 var s=document.getElementById('summary').getBoundingClientRect();
 m.summaryTop=s.top;m.summaryBottom=s.bottom;
 m.cells=document.querySelectorAll('#matrix .cell').length;
 m.filtersShown=!document.getElementById('filters').hidden;
 var c=document.querySelector('#attention details.case');
 m.first=c.id;m.firstOutcomes=c.dataset.o;
 var cell=document.querySelector('#matrix a.cell[href="#'+c.id+'"]');
 m.cellLinks=!!cell;
 var tr=c.querySelector('table.tr');
 m.openBefore=c.open;m.visibleBefore=tr.checkVisibility();
 c.querySelector('summary').click();
 m.open=c.open;m.visibleAfter=tr.checkVisibility();
 m.transcriptHeight=tr.getBoundingClientRect().height;
 var f=c.querySelector('tr.failing');
 m.failingVisible=!!f&&f.checkVisibility();
 m.failingHeight=f?f.getBoundingClientRect().height:0;
 var eo=c.querySelector('.eo');
 m.eoHeight=eo?eo.getBoundingClientRect().height:0;
 // Filter to failures only: only fail cases stay visible.
 document.querySelectorAll('#filters input[name=o]').forEach(function(x){x.checked=x.value==='fail';});
 document.getElementById('filters').dispatchEvent(new Event('change'));
 var vis=0,wrong=0;
 document.querySelectorAll('details.case').forEach(function(x){
  if(x.style.display!=='none'){vis++;if(x.dataset.o.split(' ').indexOf('fail')<0)wrong++;}});
 m.visibleAfterFilter=vis;m.wrongAfterFilter=wrong;
 document.querySelectorAll('#filters input[name=o]').forEach(function(x){x.checked=true;});
 document.getElementById('filters').dispatchEvent(new Event('change'));
 // The widest state: everything open.
 document.querySelectorAll('details').forEach(function(d){d.open=true;});
 m.scrollWidth=document.documentElement.scrollWidth;m.clientWidth=document.documentElement.clientWidth;
 document.body.dataset.measure=JSON.stringify(m);
})();
)JS";

// Opens the first case that needs attention, in place (the second screenshot).
const char* kOpenFirstFailure = R"JS(
(function(){document.querySelector('#attention details.case').open=true;})();
)JS";

void check_in_browser(const std::string& html, const std::string& name, std::size_t fail_cases,
                      std::size_t cases) {
  auto bin = testing::chromium_binary();
  if (!bin) GTEST_SKIP() << "chromium is not installed (scripts/bootstrap.sh --test)";
  testing::HeadlessChromium browser(*bin);
  const auto dir = testing::artifact_dir();
  const auto summary_png = dir / (name + "-summary.png");
  const auto case_png = dir / (name + "-failing-case.png");
  ASSERT_TRUE(browser.screenshot(html, summary_png));
  ASSERT_TRUE(browser.screenshot(html, case_png, kOpenFirstFailure, 1400));
  EXPECT_GT(std::filesystem::file_size(summary_png), 10000u);
  std::ofstream(dir / (name + ".html")) << html;

  const std::string text = browser.measure(html, kMeasure);
  auto m = parse_json(text);
  ASSERT_TRUE(m.has_value()) << "measurement: '" << text << "'";
  const auto num = [&](const char* k) {
    const JsonValue* v = json_member(*m, k);
    return v != nullptr && v->IsNumber() ? v->GetDouble() : -1.0;
  };
  const auto flag = [&](const char* k) { return json_bool_or(*m, k, false); };
  EXPECT_EQ(num("innerWidth"), 1280);
  // The summary — counts and the whole matrix — is on the first screen.
  EXPECT_GE(num("summaryTop"), 0);
  EXPECT_LE(num("summaryBottom"), num("innerHeight")) << text;
  EXPECT_EQ(num("cells"), static_cast<double>(cases));
  EXPECT_TRUE(flag("filtersShown"));
  EXPECT_TRUE(flag("cellLinks"));
  // A failing case: closed, its transcript takes no room; one click shows it in place, with the
  // failing frame and expected vs observed.
  EXPECT_NE(json_string_or(*m, "firstOutcomes", "").find("fail"), std::string::npos) << text;
  EXPECT_FALSE(flag("openBefore"));
  EXPECT_FALSE(flag("visibleBefore"));
  EXPECT_TRUE(flag("open"));
  EXPECT_TRUE(flag("visibleAfter"));
  EXPECT_GT(num("transcriptHeight"), 100);
  EXPECT_TRUE(flag("failingVisible"));
  EXPECT_GT(num("failingHeight"), 0);
  EXPECT_GT(num("eoHeight"), 0);
  // Filters work.
  EXPECT_EQ(num("visibleAfterFilter"), static_cast<double>(fail_cases)) << text;
  EXPECT_EQ(num("wrongAfterFilter"), 0);
  // No horizontal scroll, even with every case open.
  EXPECT_LE(num("scrollWidth"), num("clientWidth")) << text;
}

TEST(HtmlReport, ReadsWellInHeadlessChromium) {
  const auto results = big_run(0);
  std::size_t fails = 0;
  for (const auto& r : results) fails += r.outcome == Outcome::fail ? 1 : 0;
  check_in_browser(report_html(results, meta_for("http://127.0.0.1:5000")), "report-single", fails,
                   results.size());
}

TEST(HtmlReport, SeveralRunsSideBySideInHeadlessChromium) {
  std::vector<ReportRun> runs{{"reference", meta_for("http://127.0.0.1:5000"), big_run(0)},
                              {"deployed", meta_for("http://127.0.0.1:5394"), big_run(1)}};
  const std::string html = render_html_report(runs);
  EXPECT_NE(html.find("<span class=\"differ\">differ</span>"), std::string::npos);
  EXPECT_NE(html.find("o-absent"), std::string::npos);  // the case run 2 lacks
  EXPECT_NE(html.find("id=\"agreement\""), std::string::npos);
  const std::size_t cells = 2 * 332;  // one per case and run; an absent case still has one
  std::set<std::string> failing;
  for (const auto& run : runs) {
    for (const auto& r : run.results) {
      if (r.outcome == Outcome::fail) failing.insert(r.id);
    }
  }
  check_in_browser(html, "report-merged", failing.size(), cells);
}

TEST(ReportMerge, JsonReportsReadBackIntoTheSameCases) {
  const auto results = big_run(0);
  const RunMeta m = meta_for("http://127.0.0.1:5000");
  auto run = parse_run_json(report_json(results, m), "");
  ASSERT_TRUE(run.has_value()) << run.error();
  EXPECT_EQ(run->name, "http://127.0.0.1:5000");
  EXPECT_EQ(run->meta.seed, 42u);
  EXPECT_EQ(format_time(run->meta.started), format_time(m.started));
  ASSERT_EQ(run->results.size(), results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& a = results[i];
    const auto& b = run->results[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.clauses, b.clauses);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.basis, b.basis);
    EXPECT_EQ(a.run.failed_step, b.run.failed_step);
    if (a.outcome == Outcome::fail) {
      ASSERT_EQ(a.run.transcript.size(), b.run.transcript.size());
      EXPECT_EQ(a.run.transcript[4].text, b.run.transcript[4].text);
      EXPECT_EQ(a.run.transcript[4].dir, b.run.transcript[4].dir);
    }
  }
  EXPECT_FALSE(parse_run_json("{}", "").has_value());
  EXPECT_FALSE(parse_run_json("not json", "").has_value());
  auto bad = parse_run_json(R"({"cases":[{"id":"x","outcome":"great"}]})", "");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("great"), std::string::npos);
}

TEST(ReportMerge, NamesAreUniqueAndJunitHasOneSuitePerRun) {
  std::vector<ReportRun> runs{{"x", meta_for("a"), big_run(0)}, {"x", meta_for("b"), big_run(1)}};
  unique_run_names(runs);
  EXPECT_EQ(runs[0].name, "x");
  EXPECT_EQ(runs[1].name, "x (2)");
  const std::string xml = merged_junit(runs);
  EXPECT_EQ(count(xml, "<testsuite "), 2u);
  EXPECT_NE(xml.find("<testsuite name=\"x (2)\""), std::string::npos);
  EXPECT_NE(xml.find("tests=\"663\""), std::string::npos);
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  const auto path = testing::artifact_dir() / "merged-junit.xml";
  std::ofstream(path) << xml;
  const std::string cmd = "xmllint --noout --schema " UNM_SOURCE_DIR
                          "/conformance/schema/junit.xsd " +
                          path.string() + " 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace unm::conformance
