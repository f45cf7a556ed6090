// options.cc — see options.h.
#include "conformance/tool/options.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "conformance/src/clauses.h"
#include "conformance/src/expectations.h"
#include "conformance/src/scenario.h"
#include "conformance/src/severity.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

#ifdef UNM_HAVE_TRANSPORT
#include "reference/transport/event_channel.h"
#endif

// The trees this program was built in and from: used only while it runs from the build tree
// (data_dir.h); an installed copy finds its data beside itself.
#ifndef UNM_SOURCE_DIR
#define UNM_SOURCE_DIR ""
#endif
#ifndef UNM_BUILD_DIR
#define UNM_BUILD_DIR ""
#endif

namespace unm::conformance::tool {

namespace {

using cli::Setter;

// append stores each value of a repeatable option.
Setter append(std::vector<std::string>& to) {
  return [&to](std::string_view v) -> std::optional<std::string> {
    if (v.empty()) return "empty value";
    to.emplace_back(v);
    return std::nullopt;
  };
}

}  // namespace

void add_options(cli::Parser& p, CliOptions& o) {
  p.option("--target", "URL", "server to test (http, https, ws, wss); diff takes it twice",
           append(o.targets))
      .option("--case", "GLOB", "only cases whose id matches (repeatable; * and ?)",
              append(o.filter.id_globs))
      .option("--tag", "TAG", "only cases with this tag (repeatable)", append(o.filter.tags))
      .option("--exclude-tag", "TAG", "drop cases with this tag (repeatable)",
              append(o.filter.exclude_tags))
      .option("--clause", "GLOB", "only cases that check a matching clause, e.g. EV-MSG-*",
              append(o.filter.clause_globs))
      .flag("--slow", "include cases tagged slow (long timers; excluded by default)",
            o.include_slow)
      .option(
          "--jobs", "N", "run N cases in parallel (1 … 64, default 1)",
          [&o](std::string_view v) -> std::optional<std::string> {
            int n = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 64) {
              return cli::cat("bad value '", v, "' (1 … 64)");
            }
            o.jobs = n;
            return std::nullopt;
          })
      .option("--timeout-factor", "F",
              "multiply every step timeout and window by F (0.1 … 100, default 1.0)",
              [&o](std::string_view v) -> std::optional<std::string> {
                double f = 0;
                const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), f);
                if (v.empty() || ec != std::errc() || end != v.data() + v.size() ||
                    !(f >= 0.1 && f <= 100)) {
                  return cli::cat("bad value '", v, "' (0.1 … 100)");
                }
                o.timeout_factor = f;
                return std::nullopt;
              })
      .option("--seed", "N", "seed for the client-side keys (printed; default random)",
              [&o](std::string_view v) -> std::optional<std::string> {
                std::uint64_t n = 0;
                const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
                  return cli::cat("bad value '", v, "'");
                }
                o.seed = n;
                return std::nullopt;
              })
      .flag("--strict", "report failed `decided` cases as failures, not non-strict", o.strict)
      .option("--profile", "NAME",
              "document (default) or deployed (accepts events.md §12 deviations)",
              [&o](std::string_view v) -> std::optional<std::string> {
                if (v != "document" && v != "deployed") return "must be document or deployed";
                o.profile = std::string(v);
                return std::nullopt;
              })
      .option("--expectations", "FILE",
              "per-implementation expected failures / skips (JSON); a bare NAME is\n"
              "expectations/NAME.json of the data folders (e.g. deployed)",
              o.expectations_file)
      .option("--without", "FEATURE",
              "the target does not offer FEATURE: cases requiring it\nare skipped",
              append(o.without))
      .flag("--insecure", "do not verify TLS certificates (test servers only)", o.insecure)
      .option("--ca-file", "PEM", "extra trusted CA certificate", o.ca_file)
      .option("--json", "FILE", "write the JSON report", o.json_out)
      .option("--junit", "FILE", "write the JUnit XML report", o.junit_out)
      .option("--html", "FILE", "write the single-file HTML report (transcripts of failing cases)",
              o.html_out)
      .option("--coverage", "FILE", "write the clause-coverage report (text; .json for JSON)",
              o.coverage_out)
      .option("--scenarios", "DIR", "scenario folder (default: found as described below)",
              o.scenarios_dir, std::string(data::env_name(data::DataKind::scenarios)))
      .option("--vectors", "DIR", "vector folder (default: found as described below)",
              o.vectors_dir, std::string(data::env_name(data::DataKind::vectors)))
      .option("--spec", "DIR", "clause catalogue folder (default: found as described below)",
              o.spec_dir, std::string(data::env_name(data::DataKind::spec)))
      .flag("--quiet", "no per-case progress lines", o.quiet)
      .environment(std::string(data::kDataDirEnv),
                   "a folder laid out as share/unmanageable (scenarios/, vectors/, spec/)",
                   [](std::string_view) -> std::optional<std::string> {
                     return std::nullopt;  // read by data_dir() when a folder is looked for
                   });
}

namespace {

// data_field is the CliOptions member holding a data folder (nullptr for kinds without one).
template <class Options>
auto data_field(Options& o, data::DataKind k) -> decltype(&o.scenarios_dir) {
  switch (k) {
    case data::DataKind::scenarios:
      return &o.scenarios_dir;
    case data::DataKind::vectors:
      return &o.vectors_dir;
    case data::DataKind::spec:
      return &o.spec_dir;
    default:
      return nullptr;
  }
}

data::SearchPlaces search_places() {
  return data::default_places(UNM_BUILD_DIR, UNM_SOURCE_DIR);
}

}  // namespace

std::optional<int> parse_or_exit(const cli::Parser& p, CliOptions& o,
                                 std::span<const std::string> args) {
  if (auto rc = cli::finish(p, p.parse(args), std::cout, std::cerr)) return rc;
  // Resolved once here, so every command (and the rerun line) sees the folders actually used.
  for (auto k : {data::DataKind::scenarios, data::DataKind::vectors, data::DataKind::spec}) {
    std::string& field = *data_field(o, k);
    auto found = data::find_data_dir(k, field, search_places());
    if (found) {
      field = found->string();
    } else if (!field.empty()) {
      std::cerr << p.usage_error(found.error()) << "\n";
      return cli::kExitUsage;
    }
  }
  return std::nullopt;
}

std::string data_help() {
  return "data folders: --scenarios/--vectors/--spec, else their variable, else "
         "UNM_DATA_DIR/<folder>,\n"
         "else <bin>/../share/unmanageable/<folder> (an installed copy), else the build tree\n"
         "(docs/conformance.md, \"Data folders\").";
}

Expected<std::string, std::string> data_dir(const CliOptions& o, data::DataKind k) {
  const std::string* resolved = data_field(o, k);
  if (resolved != nullptr && !resolved->empty()) return *resolved;
  auto found = data::find_data_dir(k, "", search_places());
  if (!found) return Unexpected{found.error()};
  return found->string();
}

Expected<std::vector<Case>, std::string> load_cases(const CliOptions& o,
                                                    std::vector<Scenario>& scenarios) {
  auto scenarios_dir = data_dir(o, data::DataKind::scenarios);
  if (!scenarios_dir) return Unexpected{scenarios_dir.error()};
  auto vectors_dir = data_dir(o, data::DataKind::vectors);
  if (!vectors_dir) return Unexpected{vectors_dir.error()};
  auto loaded = load_scenario_dir(*scenarios_dir);
  if (!loaded) {
    std::string msg = "scenario errors:";
    for (const auto& e : loaded.error()) msg += "\n  " + e.file + ": " + e.message;
    return Unexpected{msg};
  }
  scenarios = std::move(*loaded);
  auto cases = expand_cases(scenarios, *vectors_dir);
  if (!cases) return Unexpected{cases.error()};
  Filter f = o.filter;
  if (!o.include_slow) f.exclude_tags.push_back("slow");
  std::vector<Case> out;
  for (auto& c : *cases) {
    if (selected(c, f)) out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].ordinal = i;
  return out;
}

Expected<std::string, std::string> expectations_path(const CliOptions& o) {
  const std::string& f = o.expectations_file;
  std::error_code ec;
  if (std::filesystem::exists(f, ec) || f.find('/') != std::string::npos) return f;
  // A bare name ("deployed") names a file of the expectations folder (data_dir.h).
  auto dir = data_dir(o, data::DataKind::expectations);
  if (!dir) return f;  // read_file reports the missing file
  for (const std::string& name : {f, f + ".json"}) {
    const auto candidate = std::filesystem::path(*dir) / name;
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return f;
}

Expected<Expectations, std::string> load_expectations(const CliOptions& o) {
  auto path = expectations_path(o);
  if (!path) return Unexpected{path.error()};
  auto text = read_file(*path);
  if (!text) return Unexpected{text.error()};
  auto ex = parse_expectations(*text);
  if (!ex) return Unexpected{o.expectations_file + ": " + ex.error()};
  return std::move(*ex);
}

Expected<RunConfig, std::string> make_run_config(const CliOptions& o, const std::string& target,
                                                 std::uint64_t seed, const std::string& run_id) {
  RunConfig cfg;
  cfg.engine.target = target;
  cfg.engine.verify_tls = !o.insecure;
  cfg.engine.ca_file = o.ca_file;
  cfg.engine.timeout_factor = o.timeout_factor;
  cfg.engine.seed = seed;
  cfg.engine.run_id = run_id;
  cfg.engine.missing_features.insert(o.without.begin(), o.without.end());
#ifdef UNM_HAVE_TRANSPORT
  cfg.engine.connector = [](std::string_view url, const transport::ChannelOptions& co) {
    return transport::connect_channel(url, co);
  };
#endif
  cfg.classify.strict = o.strict;
  cfg.classify.deployed_profile = o.profile == "deployed";
  cfg.jobs = o.jobs;
  if (!o.expectations_file.empty()) {
    auto ex = load_expectations(o);
    if (!ex) return Unexpected{ex.error()};
    cfg.expectations = std::move(*ex);
  }
  // Severity follows the clause catalogue (severity.h); without the spec copies, step bases.
  if (auto cat = load_clause_catalogue(o.spec_dir); cat) {
    cfg.engine.clauses = std::make_shared<const ClauseIndex>(index_clauses(*cat));
  }
  // The rerun one-liner repeats every setting that changes outcomes (data folders included);
  // rerun_command() adds --slow for slow cases and names the case.
  auto abs = [](const std::string& d) {
    return std::filesystem::absolute(d).lexically_normal().string();
  };
  std::string p = "unmanageable-conformance run --target " + shell_quote(target) + " --seed " +
                  std::to_string(seed) + " --profile " + o.profile + " --scenarios " +
                  shell_quote(abs(o.scenarios_dir)) + " --vectors " +
                  shell_quote(abs(o.vectors_dir)) + " --spec " + shell_quote(abs(o.spec_dir));
  if (o.strict) p += " --strict";
  if (o.insecure) p += " --insecure";
  if (!o.ca_file.empty()) p += " --ca-file " + shell_quote(abs(o.ca_file));
  if (o.timeout_factor != 1.0) p += " --timeout-factor " + format_factor(o.timeout_factor);
  if (!o.expectations_file.empty()) p += " --expectations " + shell_quote(abs(o.expectations_file));
  for (const auto& w : o.without) p += " --without " + shell_quote(w);
  cfg.rerun_prefix = p;
  return cfg;
}

std::optional<std::chrono::milliseconds> parse_wall_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(std::string(text), &used);
  } catch (...) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(used);
  double mult = 0;
  if (unit == "ms") mult = 1;
  if (unit.empty() || unit == "s") mult = 1000;
  if (unit == "m") mult = 60'000;
  if (unit == "h") mult = 3'600'000;
  if (mult == 0 || !(v > 0)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(v * mult));
}

bool write_report(std::string_view tool, const std::string& path, const std::string& text) {
  if (auto r = write_text_file(path, text); !r) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(tool.size()), tool.data(),
                 r.error().c_str());
    return false;
  }
  return true;
}

Expected<void, std::string> write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Unexpected{"cannot write " + path};
  out << text;
  if (!out) return Unexpected{"error writing " + path};
  return {};
}

}  // namespace unm::conformance::tool
