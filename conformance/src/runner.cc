// runner.cc — see runner.h.
#include "conformance/src/runner.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "conformance/src/closest.h"
#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

namespace unm::conformance {

bool selected(const Case& c, const Filter& f) {
  const Scenario& s = *c.scenario;
  auto any_glob = [](const std::vector<std::string>& globs, const std::string& v) {
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& g) { return glob_match(g, v); });
  };
  if (!f.id_globs.empty() && !any_glob(f.id_globs, c.id) && !any_glob(f.id_globs, s.id)) {
    return false;
  }
  auto has_tag = [&](const std::string& t) {
    return std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end();
  };
  if (!f.tags.empty() && std::none_of(f.tags.begin(), f.tags.end(), has_tag)) return false;
  if (std::any_of(f.exclude_tags.begin(), f.exclude_tags.end(), has_tag)) return false;
  if (!f.clause_globs.empty() &&
      std::none_of(s.clauses.begin(), s.clauses.end(),
                   [&](const std::string& cl) { return any_glob(f.clause_globs, cl); })) {
    return false;
  }
  return true;
}

std::string make_run_id() {
  (void)crypto::init();
  std::uint8_t b[4];
  crypto::system_random().fill(b);
  return to_hex(std::span<const std::uint8_t>(b, 4));
}

std::string shell_quote(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=") ==
      std::string::npos) {
    return s;
  }
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string format_factor(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", f);
  return buf;
}

std::string rerun_command(const std::string& prefix, const Case& c) {
  const auto& tags = c.scenario->tags;
  bool slow = std::find(tags.begin(), tags.end(), "slow") != tags.end();
  return prefix + (slow ? " --slow" : "") + " --case " + shell_quote(c.id);
}

std::vector<CaseResult> run_cases(const std::vector<Case>& cases, const RunConfig& cfg,
                                  const Progress& progress) {
  std::vector<CaseResult> results(cases.size());
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex progress_mutex;
  auto worker = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= cases.size()) return;
      const Case& c = cases[i];
      CaseResult r;
      r.id = c.id;
      r.title = c.scenario->title + (c.vector_comment.empty() ? "" : " — " + c.vector_comment);
      r.clauses = c.scenario->clauses;
      r.tags = c.scenario->tags;
      r.basis = c.scenario->basis;
      r.run = run_case(c, cfg.engine);
      std::optional<Expectation> ex;
      if (cfg.expectations) ex = cfg.expectations->find(c.id);
      r.outcome = classify(r.run, ex, c.scenario->deviations, cfg.classify, r.reason);
      r.reason = one_line(r.reason);  // one line, ~300 characters; the JSON keeps every violation
      r.rerun = rerun_command(cfg.rerun_prefix, c);
      std::lock_guard<std::mutex> lock(progress_mutex);
      results[i] = std::move(r);
      ++done;
      if (progress) progress(results[i], done, cases.size());
    }
  };
  int jobs = std::clamp(cfg.jobs, 1, 64);
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace unm::conformance
