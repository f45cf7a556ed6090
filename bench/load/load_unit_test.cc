// load_unit_test.cc — the pure parts of the load tool: percentiles (against a sorted-vector
// model), summaries, error tallies, option parsing, the open-loop schedule and the JSON report.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidjson/document.h>

#include "bench/load/options.h"
#include "bench/load/report.h"
#include "bench/load/schedule.h"
#include "bench/load/stats.h"

namespace unm::load {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- percentiles

TEST(LoadToolPercentile, NearestRankOnOneToHundred) {
  std::vector<std::int64_t> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(percentile_sorted(v, 0), 1);
  EXPECT_EQ(percentile_sorted(v, 1), 1);
  EXPECT_EQ(percentile_sorted(v, 50), 50);
  EXPECT_EQ(percentile_sorted(v, 50.5), 51);
  EXPECT_EQ(percentile_sorted(v, 99), 99);  // exactly the 99th, not pushed up by rounding
  EXPECT_EQ(percentile_sorted(v, 99.9), 100);
  EXPECT_EQ(percentile_sorted(v, 100), 100);
}

TEST(LoadToolPercentile, SmallAndDegenerateInputs) {
  const std::vector<std::int64_t> one{7};
  EXPECT_EQ(percentile_sorted(one, 0), 7);
  EXPECT_EQ(percentile_sorted(one, 99), 7);
  EXPECT_EQ(percentile_sorted({}, 50), 0);
  const std::vector<std::int64_t> two{3, 9};
  EXPECT_EQ(percentile_sorted(two, 50), 3);
  EXPECT_EQ(percentile_sorted(two, 50.1), 9);
  // Out-of-range and NaN percentages are clamped rather than read out of bounds.
  EXPECT_EQ(percentile_sorted(two, -5), 3);
  EXPECT_EQ(percentile_sorted(two, 250), 9);
  EXPECT_EQ(percentile_sorted(two, std::numeric_limits<double>::quiet_NaN()), 3);
}

// Model: sort, then take the ceil(p/100 · n)-th smallest (at least the first), with p given in
// thousandths of a percent so the model's arithmetic is exact integers.
RC_GTEST_PROP(LoadToolPercentile, MatchesSortedVectorModel, (std::vector<std::int64_t> v)) {
  RC_PRE(!v.empty());
  const auto milli = *rc::gen::inRange<std::int64_t>(0, 100'001);  // 0 … 100.000 %
  std::sort(v.begin(), v.end());
  const auto n = static_cast<std::int64_t>(v.size());
  const std::int64_t rank = std::max<std::int64_t>(1, (milli * n + 99'999) / 100'000);
  RC_ASSERT(percentile_sorted(v, static_cast<double>(milli) / 1000.0) ==
            v[static_cast<std::size_t>(rank - 1)]);
}

// Defining property, independent of the rank formula: at least p % of the samples are ≤ the
// result, and fewer than p % are strictly below it (unless it is the minimum).
RC_GTEST_PROP(LoadToolPercentile, AtLeastPPercentAtOrBelow, (std::vector<std::int64_t> v)) {
  RC_PRE(!v.empty());
  const auto p = static_cast<double>(*rc::gen::inRange(0, 101));
  std::sort(v.begin(), v.end());
  const std::int64_t r = percentile_sorted(v, p);
  const auto n = static_cast<double>(v.size());
  const auto at_or_below = static_cast<double>(std::upper_bound(v.begin(), v.end(), r) - v.begin());
  const auto below = static_cast<double>(std::lower_bound(v.begin(), v.end(), r) - v.begin());
  RC_ASSERT(std::binary_search(v.begin(), v.end(), r));
  RC_ASSERT(at_or_below * 100.0 >= p * n);
  RC_ASSERT(r == v.front() || below * 100.0 < p * n);
}

TEST(LoadToolSummary, FieldsOfKnownSamples) {
  const LatencySummary s = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.min_ns, 1);
  EXPECT_EQ(s.max_ns, 5);
  EXPECT_EQ(s.p50_ns, 3);
  EXPECT_EQ(s.p99_ns, 5);
  EXPECT_DOUBLE_EQ(s.mean_ns, 3.0);
  const LatencySummary e = summarize({});
  EXPECT_EQ(e.count, 0u);
  EXPECT_EQ(e.max_ns, 0);
}

RC_GTEST_PROP(LoadToolSummary, OrderedAndBounded, (std::vector<std::int32_t> raw)) {
  RC_PRE(!raw.empty());
  std::vector<std::int64_t> v(raw.begin(), raw.end());
  const LatencySummary s = summarize(v);
  RC_ASSERT(s.count == v.size());
  RC_ASSERT(s.min_ns == *std::min_element(v.begin(), v.end()));
  RC_ASSERT(s.max_ns == *std::max_element(v.begin(), v.end()));
  RC_ASSERT(s.min_ns <= s.p50_ns && s.p50_ns <= s.p90_ns && s.p90_ns <= s.p99_ns &&
            s.p99_ns <= s.p999_ns && s.p999_ns <= s.max_ns);
  RC_ASSERT(s.mean_ns >= static_cast<double>(s.min_ns) - 1e-6);
  RC_ASSERT(s.mean_ns <= static_cast<double>(s.max_ns) + 1e-6);
}

TEST(LoadToolErrorTally, CountsMergesAndRates) {
  ErrorTally a;
  a.add("timeout");
  a.add("Malformed request.", 3);
  a.add("ignored", 0);
  ErrorTally b;
  b.add("timeout", 2);
  a.merge(b);
  EXPECT_EQ(a.total(), 6u);
  EXPECT_EQ(a.by_reason().at("timeout"), 3u);
  EXPECT_EQ(a.by_reason().at("Malformed request."), 3u);
  EXPECT_EQ(a.by_reason().count("ignored"), 0u);
  EXPECT_DOUBLE_EQ(error_rate(0, 0), 0.0);
  EXPECT_DOUBLE_EQ(error_rate(3, 1), 0.25);
}

// ---------------------------------------------------------------- options

Expected<Options, std::string> parse(std::vector<std::string_view> args) {
  return parse_options(args);
}

TEST(LoadToolOptions, DefaultsWithOnlyTarget) {
  auto o = parse({"--target", "http://127.0.0.1:1"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->target, "http://127.0.0.1:1");
  ASSERT_EQ(o->scenarios.size(), 5u);
  EXPECT_EQ(o->scenarios.front(), Scenario::login);
  EXPECT_EQ(o->scenarios.back(), Scenario::latency);
  EXPECT_EQ(o->duration_s, 5.0);
  EXPECT_EQ(o->connections, 4);
  EXPECT_EQ(o->in_flight, 8);
  EXPECT_EQ(o->rate, 0.0);
  EXPECT_FALSE(o->insecure);
  EXPECT_TRUE(o->json_file.empty());
}

TEST(LoadToolOptions, EveryFlagBothSpellings) {
  auto o = parse({"--target=wss://h:9/x",
                  "--scenario",
                  "latency,send2",
                  "--duration=2.5",
                  "--warmup",
                  "0",
                  "--connections",
                  "3",
                  "--in-flight=16",
                  "--rate",
                  "1234.5",
                  "--users",
                  "50",
                  "--pool",
                  "99",
                  "--timeout",
                  "1.5",
                  "--max-error-rate",
                  "0.2",
                  "--json",
                  "/tmp/out.json",
                  "--insecure",
                  "--quiet"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->target, "wss://h:9/x");
  // Scenarios run in the fixed order (send2 before latency), whatever order they were given in.
  ASSERT_EQ(o->scenarios.size(), 2u);
  EXPECT_EQ(o->scenarios[0], Scenario::send2);
  EXPECT_EQ(o->scenarios[1], Scenario::latency);
  EXPECT_EQ(o->duration_s, 2.5);
  EXPECT_EQ(o->warmup_s, 0.0);
  EXPECT_EQ(o->connections, 3);
  EXPECT_EQ(o->in_flight, 16);
  EXPECT_EQ(o->rate, 1234.5);
  EXPECT_EQ(o->users, 50);
  EXPECT_EQ(o->pool, 99);
  EXPECT_EQ(o->timeout_s, 1.5);
  EXPECT_EQ(o->max_error_rate, 0.2);
  EXPECT_EQ(o->json_file, "/tmp/out.json");
  EXPECT_TRUE(o->insecure);
  EXPECT_TRUE(o->quiet);
}

TEST(LoadToolOptions, ScenarioAllAndDuplicates) {
  auto o = parse({"--target", "x", "--scenario", "fanout,all,fanout"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->scenarios.size(), 5u);
  auto one = parse({"--target", "x", "--scenario", "login,login"});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->scenarios, std::vector<Scenario>{Scenario::login});
}

TEST(LoadToolOptions, HelpNeedsNoTarget) {
  auto o = parse({"--help"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->help);
  EXPECT_NE(usage_text().find("--target"), std::string::npos);
  EXPECT_NE(usage_text().find("exit codes"), std::string::npos);
}

TEST(LoadToolOptions, UsageErrorsAreReported) {
  const std::vector<std::vector<std::string_view>> bad = {
      {},                                                               // no target
      {"--target"},                                                     // missing value
      {"--target", ""},                                                 // empty URL
      {"--target", "x", "--bogus"},                                     // unknown flag
      {"--target", "x", "positional"},                                  // stray argument
      {"--target", "x", "--scenario", "login,nope"},                    // unknown scenario
      {"--target", "x", "--scenario", ""},                              // empty scenario
      {"--target", "x", "--duration", "0"},                             // must be > 0
      {"--target", "x", "--duration", "abc"},                           // not a number
      {"--target", "x", "--duration", "nan"},                           // not finite
      {"--target", "x", "--connections", "0"},                          // must be ≥ 1
      {"--target", "x", "--connections", "2.5"},                        // not an integer
      {"--target", "x", "--in-flight", "-1"},                           // negative
      {"--target", "x", "--rate", "0"},                                 // must be > 0 when given
      {"--target", "x", "--max-error-rate", "1.5"},                     // a fraction
      {"--target", "x", "--insecure=yes"},                              // switch with a value
      {"--target", "x", "--json", ""},                                  // empty file name
      {"--target", "x", "--connections", "100", "--in-flight", "100"},  // too many threads
  };
  for (const auto& args : bad) {
    auto o = parse(args);
    EXPECT_FALSE(o) << "accepted: " << (args.empty() ? "(nothing)" : std::string(args.back()));
    if (!o) {
      EXPECT_FALSE(o.error().empty());
    }
  }
}

TEST(LoadToolOptions, ScenarioNames) {
  EXPECT_EQ(scenario_name(Scenario::login), "login");
  EXPECT_EQ(scenario_name(Scenario::send2), "send2");
  EXPECT_EQ(scenario_name(Scenario::send32), "send32");
  EXPECT_EQ(scenario_name(Scenario::fanout), "fanout");
  EXPECT_EQ(scenario_name(Scenario::latency), "latency");
}

// ---------------------------------------------------------------- schedule

TEST(LoadToolRateSchedule, EvenSpacing) {
  const auto t0 = RateSchedule::Clock::time_point{} + 1s;
  const RateSchedule s(t0, 1000.0);
  EXPECT_EQ(s.due(0), t0);
  EXPECT_EQ(s.offset(1), 1ms);
  EXPECT_EQ(s.offset(1000), 1s);
  EXPECT_EQ(s.count_before(0ns), 0u);
  EXPECT_EQ(s.count_before(1ns), 1u);  // request 0 is due at the start
  EXPECT_EQ(s.count_before(1ms), 1u);  // request 1 is due exactly at 1 ms: not before it
  EXPECT_EQ(s.count_before(1ms + 1ns), 2u);
  EXPECT_EQ(s.count_before(1s), 1000u);
  const RateSchedule third(t0, 3.0);  // 333 333 333.3… ns apart: rounding stays exact in sum
  EXPECT_EQ(third.offset(3), 1s);
  EXPECT_EQ(third.offset(1), 333'333'333ns);
}

RC_GTEST_PROP(LoadToolRateSchedule, CountBeforeAgreesWithOffsets, ()) {
  const double rate = static_cast<double>(*rc::gen::inRange(1, 2'000'000)) / 7.0;
  const auto elapsed = std::chrono::nanoseconds(*rc::gen::inRange<std::int64_t>(0, 20'000'000'000));
  const RateSchedule s(RateSchedule::Clock::time_point{}, rate);
  const std::uint64_t n = s.count_before(elapsed);
  RC_ASSERT(s.offset(n) >= elapsed);                // request n is not due before `elapsed` …
  if (n > 0) RC_ASSERT(s.offset(n - 1) < elapsed);  // … but every earlier one is
}

RC_GTEST_PROP(LoadToolRateSchedule, OffsetsAreMonotonicAndOnRate, ()) {
  const double rate = static_cast<double>(*rc::gen::inRange(1, 1'000'000));
  const auto i = static_cast<std::uint64_t>(*rc::gen::inRange(0, 100'000'000));
  const RateSchedule s(RateSchedule::Clock::time_point{}, rate);
  RC_ASSERT(s.offset(i) <= s.offset(i + 1));
  const double expect_ns = static_cast<double>(i) * 1e9 / rate;
  RC_ASSERT(std::fabs(static_cast<double>(s.offset(i).count()) - expect_ns) <= 1.0);
}

// ---------------------------------------------------------------- report

RunReport sample_report() {
  RunReport r;
  r.tool_version = "1";
  r.target = "http://127.0.0.1:5000";
  r.started_utc = "2026-01-01T00:00:00Z";
  r.user_prefix = "ldabc-";
  r.load_average_1m = 0.5;
  r.hardware_threads = 2;
  r.options = {{"duration_s", 5}, {"connections", 4}};
  ScenarioReport ok;
  ok.name = "send2";
  ok.ok_requests = 1000;
  ok.errors.add("timeout", 2);
  ok.metrics = {{"acked", 1000}, {"rate_per_s", 2500.5}, {"nan", std::nan("")}};
  ok.latencies = {{"ack", summarize({1'000'000, 2'000'000, 3'000'000})},
                  {"delivery_from_send", summarize({4'000'000})}};
  ok.notes = {"closed loop \"quoted\""};
  ScenarioReport bad;
  bad.name = "fanout";
  bad.ok = false;
  bad.failure = "setup: connect: refused";
  r.scenarios = {ok, bad};
  r.exit_code = 1;
  return r;
}

TEST(LoadToolReport, JsonHasEveryDocumentedField) {
  const std::string text = to_json(sample_report());
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_STREQ(d["tool"].GetString(), "unmanageable-load");
  EXPECT_STREQ(d["target"].GetString(), "http://127.0.0.1:5000");
  EXPECT_DOUBLE_EQ(d["client_load_average_1m"].GetDouble(), 0.5);
  EXPECT_EQ(d["exit_code"].GetInt(), 1);
  EXPECT_EQ(d["options"]["connections"].GetInt(), 4);
  const auto& s = d["scenarios"][0];
  EXPECT_STREQ(s["scenario"].GetString(), "send2");
  EXPECT_TRUE(s["ok"].GetBool());
  EXPECT_TRUE(s["failure"].IsNull());
  EXPECT_EQ(s["ok_requests"].GetUint64(), 1000u);
  EXPECT_EQ(s["errors"].GetUint64(), 2u);
  EXPECT_EQ(s["errors_by_reason"]["timeout"].GetUint64(), 2u);
  EXPECT_NEAR(s["error_rate"].GetDouble(), 2.0 / 1002.0, 1e-12);
  EXPECT_EQ(s["metrics"]["acked"].GetInt64(), 1000);  // counts stay integers
  EXPECT_DOUBLE_EQ(s["metrics"]["rate_per_s"].GetDouble(), 2500.5);
  EXPECT_TRUE(s["metrics"]["nan"].IsNull());  // JSON has no NaN
  EXPECT_DOUBLE_EQ(s["latency"]["ack"]["p50_ms"].GetDouble(), 2.0);
  EXPECT_DOUBLE_EQ(s["latency"]["ack"]["max_ms"].GetDouble(), 3.0);
  EXPECT_EQ(s["latency"]["ack"]["count"].GetUint64(), 3u);
  EXPECT_DOUBLE_EQ(s["latency"]["delivery_from_send"]["p99_ms"].GetDouble(), 4.0);
  EXPECT_STREQ(s["notes"][0].GetString(), "closed loop \"quoted\"");
  const auto& f = d["scenarios"][1];
  EXPECT_FALSE(f["ok"].GetBool());
  EXPECT_STREQ(f["failure"].GetString(), "setup: connect: refused");
}

TEST(LoadToolReport, HumanSummaryOneLinePerScenario) {
  const std::string text = human_summary(sample_report());
  // One line per scenario, plus one indented line per further latency.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  EXPECT_NE(text.find("  delivery_from_send"), std::string::npos);
  EXPECT_NE(text.find("send2"), std::string::npos);
  EXPECT_NE(text.find("2500"), std::string::npos);
  EXPECT_NE(text.find("acked msgs/s"), std::string::npos);
  EXPECT_NE(text.find("fanout   FAILED: setup: connect: refused"), std::string::npos);
}

}  // namespace
}  // namespace unm::load
