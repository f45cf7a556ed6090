// progress.h — the live progress of `run`: on a terminal a one-line bar with counts by outcome
// (the cases that did not pass are printed above it as they finish); elsewhere (a pipe, a CI
// log) the plain per-case lines of console_line, which scripts and tests parse.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "conformance/src/outcome.h"

namespace unm::conformance {

// progress_bar renders the bar line (no newline): "[#####-----] 12/130 0:04  pass 10  fail 1 …",
// at most `columns` characters wide; with `colour`, counts are coloured with ANSI escapes (whose
// bytes do not count towards the width).
std::string progress_bar(const std::map<Outcome, std::size_t>& counts, std::size_t done,
                         std::size_t total, std::chrono::seconds elapsed, std::size_t columns,
                         bool colour);

// ProgressDisplay receives every finished case and writes what a person (tty) or a parser (not a
// tty) should see through `write`.
class ProgressDisplay {
 public:
  struct Options {
    bool tty = false;          // redraw a bar in place; otherwise plain lines
    bool quiet = false;        // plain mode: print only cases that did not pass
    std::size_t columns = 80;  // terminal width
  };
  ProgressDisplay(Options o, std::function<void(std::string_view)> write);
  // on_case is called once per finished case (from the runner's callback, one at a time).
  void on_case(const CaseResult& r, std::size_t done, std::size_t total);
  // finish clears the bar (tty) so the summary starts on a clean line.
  void finish();

 private:
  Options o_;
  std::function<void(std::string_view)> write_;
  std::map<Outcome, std::size_t> counts_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool bar_shown_ = false;
};

// terminal_columns returns the width of the terminal on `fd`, or 80.
std::size_t terminal_columns(int fd);

}  // namespace unm::conformance
