// options.h — command-line options shared by run, list, diff and coverage.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/src/engine.h"
#include "conformance/src/runner.h"
#include "reference/common/expected.h"

namespace unm::conformance::tool {

// CliOptions holds every flag; each command reads the ones it uses.
struct CliOptions {
  std::vector<std::string> targets;
  std::string scenarios_dir;
  std::string vectors_dir;
  std::string spec_dir;
  Filter filter;
  bool include_slow = false;
  int jobs = 1;
  double timeout_factor = 1.0;
  std::optional<std::uint64_t> seed;
  bool strict = false;
  std::string profile = "document";
  std::string expectations_file;
  bool insecure = false;
  std::string ca_file;
  std::string json_out, junit_out, html_out, coverage_out;
  std::vector<std::string> without;
  bool quiet = false;
  bool help = false;
};

// parse_options parses `args`; errors are usage errors (exit 2).
Expected<CliOptions, std::string> parse_options(std::span<const std::string> args);

// options_help is the flag reference printed by --help.
std::string options_help();

// load_cases loads scenarios and vectors and applies the filter (slow cases only with --slow).
// `scenarios` keeps the loaded scenarios alive (cases point into it).
Expected<std::vector<Case>, std::string> load_cases(const CliOptions& o,
                                                    std::vector<Scenario>& scenarios);

// make_run_config builds the runner configuration for one target.
Expected<RunConfig, std::string> make_run_config(const CliOptions& o, const std::string& target,
                                                 std::uint64_t seed, const std::string& run_id);

// write_text_file writes `text` to `path` (errors say which file).
Expected<void, std::string> write_text_file(const std::string& path, const std::string& text);

}  // namespace unm::conformance::tool
