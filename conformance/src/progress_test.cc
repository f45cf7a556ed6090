// progress_test.cc — `run`'s live progress: plain per-case lines (unchanged, parsed by scripts)
// when stdout is not a terminal, a bar redrawn in place with counts by outcome on a terminal.
#include "conformance/src/progress.h"

#include <gtest/gtest.h>

#include "conformance/src/report.h"

namespace unm::conformance {
namespace {

CaseResult result(const std::string& id, Outcome o) {
  CaseResult r;
  r.id = id;
  r.outcome = o;
  r.reason = o == Outcome::pass ? "" : "step 1 (send x): expected success, got {}";
  r.run.duration = std::chrono::milliseconds(7);
  return r;
}

std::string strip_ansi(const std::string& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      while (i < s.size() && s[i] != 'm' && s[i] != 'K') ++i;
      continue;
    }
    o += s[i];
  }
  return o;
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  std::string out;
  ProgressDisplay p({false, false, 80}, [&](std::string_view t) { out += t; });
  const auto a = result("a.one", Outcome::pass), b = result("a.two", Outcome::fail);
  p.on_case(a, 1, 2);
  p.on_case(b, 2, 2);
  p.finish();
  EXPECT_EQ(out, console_line(a, 1, 2) + "\n" + console_line(b, 2, 2) + "\n");
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  std::string quiet;
  ProgressDisplay q({false, true, 80}, [&](std::string_view t) { quiet += t; });
  q.on_case(a, 1, 2);
  q.on_case(b, 2, 2);
  EXPECT_EQ(quiet, console_line(b, 2, 2) + "\n");
}

TEST(Progress, BarWithCountsOnATerminal) {
  std::string out;
  ProgressDisplay p({true, false, 100}, [&](std::string_view t) { out += t; });
  p.on_case(result("a.one", Outcome::pass), 1, 4);
  p.on_case(result("a.two", Outcome::fail), 2, 4);
  p.on_case(result("a.three", Outcome::non_strict), 3, 4);
  const std::string before_finish = out;
  p.finish();
  // The bar is redrawn in place; failures are printed above it, passes are not.
  EXPECT_NE(out.find("\r\x1b[K"), std::string::npos);
  const std::string plain = strip_ansi(before_finish);
  EXPECT_EQ(plain.find("a.one"), std::string::npos);
  EXPECT_NE(plain.find("[2/4] fail            a.two"), std::string::npos) << plain;
  const std::string last = plain.substr(plain.rfind('\n') + 1);
  EXPECT_NE(last.find("3/4"), std::string::npos) << last;
  EXPECT_NE(last.find("pass 1"), std::string::npos) << last;
  EXPECT_NE(last.find("fail 1"), std::string::npos) << last;
  EXPECT_NE(last.find("non-strict 1"), std::string::npos) << last;
  EXPECT_EQ(out.substr(out.size() - 4), "\r\x1b[K");  // cleared for the summary
}

TEST(Progress, BarFitsTheTerminal) {
  std::map<Outcome, std::size_t> counts{
      {Outcome::pass, 300}, {Outcome::fail, 12}, {Outcome::non_strict, 7}, {Outcome::error, 1}};
  for (std::size_t cols : {60u, 80u, 120u, 200u}) {
    const std::string bar =
        strip_ansi(progress_bar(counts, 320, 332, std::chrono::seconds(75), cols, true));
    EXPECT_LE(bar.size(), cols) << bar;
    EXPECT_NE(bar.find("320/332 1:15"), std::string::npos) << bar;
  }
  const std::string full = progress_bar(counts, 332, 332, std::chrono::seconds(1), 80, false);
  EXPECT_EQ(full.find('-'), full.find("non-strict") + 3);  // no '-' left in the bar itself
}

}  // namespace
}  // namespace unm::conformance
