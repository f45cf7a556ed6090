// progress.cc — see progress.h.
#include "conformance/src/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "conformance/src/report.h"

namespace unm::conformance {

namespace {

// Outcomes in the order the bar lists them: the ones a person acts on first.
constexpr Outcome kBarOrder[] = {Outcome::pass,
                                 Outcome::fail,
                                 Outcome::non_strict,
                                 Outcome::error,
                                 Outcome::unexpected_pass,
                                 Outcome::expected_fail,
                                 Outcome::skipped,
                                 Outcome::lenient};

const char* ansi(Outcome o) {
  switch (o) {
    case Outcome::pass:
      return "\x1b[32m";
    case Outcome::fail:
    case Outcome::unexpected_pass:
      return "\x1b[31;1m";
    case Outcome::non_strict:
    case Outcome::error:
      return "\x1b[33m";
    default:
      return "\x1b[2m";
  }
}

}  // namespace

std::string progress_bar(const std::map<Outcome, std::size_t>& counts, std::size_t done,
                         std::size_t total, std::chrono::seconds elapsed, std::size_t columns,
                         bool colour) {
  char head[64];
  const long long s = elapsed.count();
  std::snprintf(head, sizeof head, "%zu/%zu %lld:%02lld", done, total, s / 60, s % 60);
  struct Item {
    Outcome o;
    std::string text;
  };
  std::vector<Item> items;
  std::size_t width = std::string_view(head).size();
  for (Outcome o : kBarOrder) {
    auto it = counts.find(o);
    const std::size_t n = it == counts.end() ? 0 : it->second;
    // Always show pass and fail; the rest only once they occur.
    if (n == 0 && o != Outcome::pass && o != Outcome::fail) continue;
    std::string text = "  ";
    text += outcome_name(o);
    text += ' ';
    text += std::to_string(n);
    items.push_back({o, std::move(text)});
    width += items.back().text.size();
  }
  // A narrow terminal loses the bar first, then the rarest counts.
  while (width > columns && items.size() > 2) {
    width -= items.back().text.size();
    items.pop_back();
  }
  std::string line;
  if (columns >= width + 3 + 5) {
    const std::size_t bar = std::min<std::size_t>(columns - width - 3, 40);
    const std::size_t filled = total == 0 ? bar : bar * std::min(done, total) / total;
    line.push_back('[');  // in steps: gcc 12 warns (-Wrestrict, falsely) on "[" + ...
    line.append(filled, '#');
    line.append(bar - filled, '-');
    line += "] ";
  }
  line += head;
  for (const Item& i : items) {
    const auto n = counts.find(i.o);
    line += colour && n != counts.end() && n->second > 0
                ? std::string(ansi(i.o)) + i.text + "\x1b[0m"
                : i.text;
  }
  return line;
}

ProgressDisplay::ProgressDisplay(Options o, std::function<void(std::string_view)> write)
    : o_(o), write_(std::move(write)) {}

void ProgressDisplay::on_case(const CaseResult& r, std::size_t done, std::size_t total) {
  ++counts_[r.outcome];
  if (!o_.tty) {
    if (o_.quiet && r.outcome == Outcome::pass) return;
    write_(console_line(r, done, total) + "\n");
    return;
  }
  std::string out = bar_shown_ ? "\r\x1b[K" : "";
  // Cases a person must look at stay on screen above the bar; passes only move the bar.
  if (r.outcome != Outcome::pass && r.outcome != Outcome::skipped) {
    out += console_line(r, done, total) + "\n";
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_);
  out += progress_bar(counts_, done, total, elapsed, o_.columns, true);
  bar_shown_ = true;
  write_(out);
}

void ProgressDisplay::finish() {
  if (o_.tty && bar_shown_) write_("\r\x1b[K");
  bar_shown_ = false;
}

std::size_t terminal_columns(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

}  // namespace unm::conformance
