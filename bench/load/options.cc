// options.cc — command-line parsing of `unmanageable-load` (see options.h).
#include "bench/load/options.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <ostream>
#include <sstream>

namespace unm::load {
namespace {

constexpr Scenario kAll[] = {Scenario::login, Scenario::send2, Scenario::send32, Scenario::fanout,
                             Scenario::latency};

std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

// number_text prints a bound compactly ("0", "86400", "0.5").
std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

Expected<std::vector<Scenario>, std::string> parse_scenarios(std::string_view list) {
  std::vector<Scenario> chosen;
  bool want[std::size(kAll)] = {};
  while (true) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    bool known = false;
    if (item == "all") {
      for (auto& w : want) w = true;
      known = true;
    }
    for (std::size_t i = 0; i < std::size(kAll); ++i) {
      if (item == scenario_name(kAll[i])) {
        want[i] = true;
        known = true;
      }
    }
    if (!known) return Unexpected{"unknown scenario '" + std::string(item) + "'"};
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  // Run in the fixed order: latency needs send2's maximum rate when --rate is not given.
  for (std::size_t i = 0; i < std::size(kAll); ++i)
    if (want[i]) chosen.push_back(kAll[i]);
  return chosen;
}

}  // namespace

std::string_view scenario_name(Scenario s) {
  switch (s) {
    case Scenario::login:
      return "login";
    case Scenario::send2:
      return "send2";
    case Scenario::send32:
      return "send32";
    case Scenario::fanout:
      return "fanout";
    case Scenario::latency:
      return "latency";
  }
  return "?";
}

cli::Parser make_parser(Options& o) {
  cli::Parser p(
      "unmanageable-load", "unmanageable-load --target URL [options]",
      "Measures a server of the Unmanageable protocol (ours or anybody's) with the\n"
      "reference client and prints one JSON document (docs/benchmarks.md, \"Server load\").");
  // positive_int / bounded_double check a number and store it.
  auto positive_int = [](int& out, int max) -> cli::Setter {
    return [&out, max](std::string_view v) -> std::optional<std::string> {
      auto n = parse_int(v);
      if (!n || *n < 1 || *n > max)
        return cli::cat("expected an integer 1 … ", std::to_string(max));
      out = *n;
      return std::nullopt;
    };
  };
  auto bounded_double = [](double& out, double min, double max, bool min_inclusive) -> cli::Setter {
    return [&out, min, max, min_inclusive](std::string_view v) -> std::optional<std::string> {
      auto d = parse_double(v);
      if (!d || *d > max || *d < min || (!min_inclusive && *d == min)) {
        return cli::cat("expected a number ", min_inclusive ? "≥ " : "> ", number_text(min),
                        " and ≤ ", number_text(max));
      }
      out = *d;
      return std::nullopt;
    };
  };
  p.option("--target", "URL", "http://, https://, ws:// or wss:// address of the server (required)",
           o.target)
      .option("--scenario", "LIST",
              "comma-separated: login, send2, send32, fanout, latency, or all (default)",
              [&o](std::string_view v) -> std::optional<std::string> {
                auto s = parse_scenarios(v);
                if (!s) return s.error();
                o.scenarios = std::move(*s);
                return std::nullopt;
              })
      .option("--duration", "S", "timed seconds per scenario (default 5)",
              bounded_double(o.duration_s, 0, 86'400, false))
      .option("--warmup", "S", "untimed seconds before each timed phase (default 0.5)",
              bounded_double(o.warmup_s, 0, 3'600, true))
      .option("--connections", "C",
              "login: concurrent logins; send*/latency: sender connections (default 4)",
              positive_int(o.connections, 1'000))
      .option("--in-flight", "W", "requests in flight per sender connection (default 8)",
              positive_int(o.in_flight, 1'000))
      .option("--rate", "R",
              "latency: offered messages/s (default: 50 % of the send2 rate measured\n"
              "in this run; send2 is run first if not selected)",
              bounded_double(o.rate, 0, 10'000'000, false))
      .option("--users", "N", "users registered (untimed) for the login scenario (default 500)",
              positive_int(o.users, 1'000'000))
      .option("--pool", "N", "pre-computed signed ciphertexts per sender connection (default 4096)",
              positive_int(o.pool, 10'000'000))
      .option("--timeout", "S", "acknowledgement timeout per request (default 10)",
              bounded_double(o.timeout_s, 0, 3'600, false))
      .option("--max-error-rate", "F",
              "fraction of failed requests above which the exit code is 1\n(default 0.001)",
              bounded_double(o.max_error_rate, 0, 1, true))
      .option("--json", "FILE", "write the JSON there instead of stdout", o.json_file)
      .flag("--insecure", "do not verify TLS certificates (https/wss test servers)", o.insecure)
      .flag("--quiet", "no human summary or progress on stderr", o.quiet)
      .epilogue(
          "Every run registers fresh users under a random prefix, so it can be repeated against "
          "the\n"
          "same server. Setup (registration, friendships, DM creation, signing) is never timed.\n"
          "\n"
          "exit codes: 0 ok; 1 a scenario failed or its error rate exceeded --max-error-rate;\n"
          "            2 usage error; 3 cannot connect to the target");
  return p;
}

Expected<Options, std::string> parse_options(std::span<const std::string_view> args) {
  Options o;
  o.scenarios.assign(std::begin(kAll), std::end(kAll));
  const cli::Parser p = make_parser(o);
  auto parsed = p.parse(args);
  if (!parsed) return Unexpected{parsed.error()};
  o.help = *parsed == cli::Parsed::help;
  o.version = *parsed == cli::Parsed::version;
  if (o.help || o.version) return o;
  if (o.target.empty()) return Unexpected{std::string("--target URL is required")};
  // One thread per request in flight (EventChannel::call blocks): keep the total sane.
  if (static_cast<long>(o.connections) * o.in_flight > 4'096)
    return Unexpected{std::string("--connections × --in-flight must be ≤ 4096")};
  return o;
}

int finish_command_line(const Expected<Options, std::string>& o, std::ostream& out,
                        std::ostream& err) {
  Options scratch;
  const cli::Parser p = make_parser(scratch);
  Expected<cli::Parsed, std::string> parsed = cli::Parsed::run;
  if (!o) {
    parsed = Unexpected{o.error()};
  } else if (o->help) {
    parsed = cli::Parsed::help;
  } else if (o->version) {
    parsed = cli::Parsed::version;
  }
  return cli::finish(p, parsed, out, err).value_or(-1);
}

std::string usage_text() {
  Options scratch;
  return make_parser(scratch).help();
}

}  // namespace unm::load
