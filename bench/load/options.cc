// options.cc — command-line parsing of `unmanageable-load` (see options.h).
#include "bench/load/options.h"

#include <charconv>
#include <cmath>
#include <optional>
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

Expected<Options, std::string> parse_options(std::span<const std::string_view> args) {
  Options o;
  bool scenarios_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::optional<std::string_view> inline_value;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    if (flag == "--insecure" || flag == "--quiet") {
      if (inline_value) return Unexpected{std::string(flag) + " takes no value"};
      (flag == "--insecure" ? o.insecure : o.quiet) = true;
      continue;
    }
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= args.size()) return Unexpected{std::string(flag) + " needs a value"};
      value = args[++i];
    }
    auto positive_int = [&](int& out, int max) -> std::optional<std::string> {
      auto v = parse_int(value);
      if (!v || *v < 1 || *v > max)
        return std::string(flag) + ": expected an integer 1 … " + std::to_string(max);
      out = *v;
      return std::nullopt;
    };
    auto bounded_double = [&](double& out, double min, double max,
                              bool min_inclusive) -> std::optional<std::string> {
      auto v = parse_double(value);
      if (!v || *v > max || *v < min || (!min_inclusive && *v == min))
        return std::string(flag) + ": expected a number " + (min_inclusive ? "≥ " : "> ") +
               number_text(min) + " and ≤ " + number_text(max);
      out = *v;
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (flag == "--target") {
      if (value.empty()) return Unexpected{std::string("--target: empty URL")};
      o.target = std::string(value);
    } else if (flag == "--scenario") {
      auto s = parse_scenarios(value);
      if (!s) return Unexpected{"--scenario: " + s.error()};
      o.scenarios = std::move(*s);
      scenarios_given = true;
    } else if (flag == "--duration") {
      err = bounded_double(o.duration_s, 0, 86'400, false);
    } else if (flag == "--warmup") {
      err = bounded_double(o.warmup_s, 0, 3'600, true);
    } else if (flag == "--connections") {
      err = positive_int(o.connections, 1'000);
    } else if (flag == "--in-flight") {
      err = positive_int(o.in_flight, 1'000);
    } else if (flag == "--rate") {
      err = bounded_double(o.rate, 0, 10'000'000, false);
    } else if (flag == "--users") {
      err = positive_int(o.users, 1'000'000);
    } else if (flag == "--pool") {
      err = positive_int(o.pool, 10'000'000);
    } else if (flag == "--timeout") {
      err = bounded_double(o.timeout_s, 0, 3'600, false);
    } else if (flag == "--max-error-rate") {
      err = bounded_double(o.max_error_rate, 0, 1, true);
    } else if (flag == "--json") {
      if (value.empty()) return Unexpected{std::string("--json: empty file name")};
      o.json_file = std::string(value);
    } else {
      return Unexpected{"unknown option '" + std::string(flag) + "'"};
    }
    if (err) return Unexpected{*err};
  }
  if (!scenarios_given) o.scenarios.assign(std::begin(kAll), std::end(kAll));
  if (!o.help && o.target.empty()) return Unexpected{std::string("--target URL is required")};
  // One thread per request in flight (EventChannel::call blocks): keep the total sane.
  if (static_cast<long>(o.connections) * o.in_flight > 4'096)
    return Unexpected{std::string("--connections × --in-flight must be ≤ 4096")};
  return o;
}

std::string usage_text() {
  return R"(usage: unmanageable-load --target URL [options]

Measures a server of the Unmanageable protocol (ours or anybody's) with the reference client and
prints one JSON document (docs/benchmarks.md, "Server load").

  --target URL          http://, https://, ws:// or wss:// address of the server (required)
  --scenario LIST       comma-separated: login, send2, send32, fanout, latency, or all (default)
  --duration S          timed seconds per scenario (default 5)
  --warmup S            untimed seconds before each timed phase (default 0.5)
  --connections C       login: concurrent logins; send*/latency: sender connections (default 4)
  --in-flight W         requests in flight per sender connection (default 8)
  --rate R              latency: offered messages/s (default: 50 % of the send2 rate measured
                        in this run; send2 is run first if not selected)
  --users N             users registered (untimed) for the login scenario (default 500)
  --pool N              pre-computed signed ciphertexts per sender connection (default 4096)
  --timeout S           acknowledgement timeout per request (default 10)
  --max-error-rate F    fraction of failed requests above which the exit code is 1
                        (default 0.001)
  --json FILE           write the JSON there instead of stdout
  --insecure            do not verify TLS certificates (https/wss test servers)
  --quiet               no human summary or progress on stderr
  --help                this text

Every run registers fresh users under a random prefix, so it can be repeated against the same
server. Setup (registration, friendships, DM creation, signing) is never timed.

exit codes: 0 ok; 1 a scenario failed or its error rate exceeded --max-error-rate;
            2 usage error; 3 cannot connect to the target
)";
}

}  // namespace unm::load
