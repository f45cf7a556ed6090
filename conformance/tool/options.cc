// options.cc — see options.h.
#include "conformance/tool/options.h"

#include <filesystem>
#include <fstream>

#include "conformance/src/clauses.h"
#include "conformance/src/expectations.h"
#include "conformance/src/scenario.h"
#include "conformance/src/severity.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"

#ifdef UNM_HAVE_TRANSPORT
#include "reference/transport/event_channel.h"
#endif

#ifndef UNM_SOURCE_DIR
#define UNM_SOURCE_DIR "."
#endif

namespace unm::conformance::tool {

std::string options_help() {
  return R"(options:
  --target URL          server to test (http, https, ws, wss); diff takes it twice
  --case GLOB           only cases whose id matches (repeatable; * and ?)
  --tag TAG             only cases with this tag (repeatable)
  --exclude-tag TAG     drop cases with this tag (repeatable)
  --clause GLOB         only cases that check a matching clause, e.g. EV-MSG-* (repeatable)
  --slow                include cases tagged slow (long timers; excluded by default)
  --jobs N              run N cases in parallel (default 1)
  --timeout-factor F    multiply every step timeout and window by F (default 1.0)
  --seed N              seed for the client-side keys (printed; default random)
  --strict              report failed `decided` cases as failures, not non-strict
  --profile NAME        document (default) or deployed (accepts events.md §12 deviations)
  --expectations FILE   per-implementation expected failures / skips (JSON)
  --without FEATURE     the target does not offer FEATURE: cases requiring it are skipped
  --insecure            do not verify TLS certificates (test servers only)
  --ca-file PEM         extra trusted CA certificate
  --json FILE           write the JSON report
  --junit FILE          write the JUnit XML report
  --html FILE           write the single-file HTML report (transcripts of failing cases)
  --coverage FILE       write the clause-coverage report (text; .json for JSON)
  --scenarios DIR       scenario folder (default: the source tree's conformance/scenarios)
  --vectors DIR         vector folder (default: the source tree's vectors/data)
  --spec DIR            clause catalogue folder (default: conformance/spec)
  --quiet               no per-case progress lines
  --help                this text
)";
}

Expected<CliOptions, std::string> parse_options(std::span<const std::string> args) {
  CliOptions o;
  o.scenarios_dir = std::string(UNM_SOURCE_DIR) + "/conformance/scenarios";
  o.vectors_dir = std::string(UNM_SOURCE_DIR) + "/vectors/data";
  o.spec_dir = std::string(UNM_SOURCE_DIR) + "/conformance/spec";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--slow") {
      o.include_slow = true;
    } else if (a == "--strict") {
      o.strict = true;
    } else if (a == "--insecure") {
      o.insecure = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--target" || a == "--case" || a == "--tag" || a == "--exclude-tag" ||
               a == "--clause" || a == "--jobs" || a == "--timeout-factor" || a == "--seed" ||
               a == "--profile" || a == "--expectations" || a == "--without" || a == "--ca-file" ||
               a == "--json" || a == "--junit" || a == "--html" || a == "--coverage" ||
               a == "--scenarios" || a == "--vectors" || a == "--spec") {
      if (!value(v)) return Unexpected{a + " needs a value"};
      if (a == "--target") o.targets.push_back(v);
      if (a == "--case") o.filter.id_globs.push_back(v);
      if (a == "--tag") o.filter.tags.push_back(v);
      if (a == "--exclude-tag") o.filter.exclude_tags.push_back(v);
      if (a == "--clause") o.filter.clause_globs.push_back(v);
      if (a == "--profile") o.profile = v;
      if (a == "--expectations") o.expectations_file = v;
      if (a == "--without") o.without.push_back(v);
      if (a == "--ca-file") o.ca_file = v;
      if (a == "--json") o.json_out = v;
      if (a == "--junit") o.junit_out = v;
      if (a == "--html") o.html_out = v;
      if (a == "--coverage") o.coverage_out = v;
      if (a == "--scenarios") o.scenarios_dir = v;
      if (a == "--vectors") o.vectors_dir = v;
      if (a == "--spec") o.spec_dir = v;
      try {
        std::size_t used = 0;
        if (a == "--jobs") {
          o.jobs = std::stoi(v, &used);
          if (used != v.size() || o.jobs < 1 || o.jobs > 64) throw std::invalid_argument(v);
        }
        if (a == "--timeout-factor") {
          o.timeout_factor = std::stod(v, &used);
          if (used != v.size() || !(o.timeout_factor >= 0.1 && o.timeout_factor <= 100)) {
            throw std::invalid_argument(v);
          }
        }
        if (a == "--seed") {
          o.seed = std::stoull(v, &used);
          if (used != v.size()) throw std::invalid_argument(v);
        }
      } catch (const std::exception&) {
        return Unexpected{a + ": bad value '" + v + "'"};
      }
    } else {
      return Unexpected{"unknown option '" + a + "'"};
    }
  }
  if (o.profile != "document" && o.profile != "deployed") {
    return Unexpected{"--profile must be document or deployed"};
  }
  return o;
}

Expected<std::vector<Case>, std::string> load_cases(const CliOptions& o,
                                                    std::vector<Scenario>& scenarios) {
  auto loaded = load_scenario_dir(o.scenarios_dir);
  if (!loaded) {
    std::string msg = "scenario errors:";
    for (const auto& e : loaded.error()) msg += "\n  " + e.file + ": " + e.message;
    return Unexpected{msg};
  }
  scenarios = std::move(*loaded);
  auto cases = expand_cases(scenarios, o.vectors_dir);
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
    auto text = read_file(o.expectations_file);
    if (!text) return Unexpected{text.error()};
    auto ex = parse_expectations(*text);
    if (!ex) return Unexpected{o.expectations_file + ": " + ex.error()};
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

Expected<void, std::string> write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Unexpected{"cannot write " + path};
  out << text;
  if (!out) return Unexpected{"error writing " + path};
  return {};
}

}  // namespace unm::conformance::tool
