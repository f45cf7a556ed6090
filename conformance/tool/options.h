// options.h — command-line options shared by run, list, diff, coverage and ci, declared on the
// project's one parser (reference/common/command_line.h), and the data folders they name.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/src/engine.h"
#include "conformance/src/runner.h"
#include "reference/common/command_line.h"
#include "reference/common/data_dir.h"
#include "reference/common/expected.h"

namespace unm::conformance::tool {

// CliOptions holds every flag; each command reads the ones it uses.
struct CliOptions {
  std::vector<std::string> targets;
  // Data folders: after parse_or_exit, where data_dir.h found them (--scenarios … or their
  // variables first); empty when not found (data_dir() then says where it looked).
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
};

// add_options declares the shared flags on `p`, stored into `o` (which must outlive `p`).
void add_options(cli::Parser& p, CliOptions& o);

// kExitStatusText is the exit-status paragraph of run's, ci's and the tool's help.
inline constexpr const char* kExitStatusText =
    "exit status: 0 all passed (or expected), 1 a case failed or passed unexpectedly,\n"
    "             2 usage error, unreachable target or harness error";

// parse_or_exit parses `args` with `p` (declared on `o` by add_options) and resolves the data
// folders into `o`. It returns the exit status when the command must stop (help, version, usage
// error, a data folder named on the command line that does not exist: printed), or nothing.
std::optional<int> parse_or_exit(const cli::Parser& p, CliOptions& o,
                                 std::span<const std::string> args);

// data_help is the help paragraph on where the data folders are found.
std::string data_help();

// data_dir returns the folder of kind `k` (resolved by parse_or_exit), or why there is none.
Expected<std::string, std::string> data_dir(const CliOptions& o, data::DataKind k);

// expectations_path is --expectations FILE as given when it exists (or has a '/'), else
// FILE or FILE.json in the expectations folder (`--expectations deployed`).
Expected<std::string, std::string> expectations_path(const CliOptions& o);
// load_expectations reads and parses the file expectations_path names (one-line errors).
Expected<Expectations, std::string> load_expectations(const CliOptions& o);

// load_cases loads scenarios and vectors and applies the filter (slow cases only with --slow).
// `scenarios` keeps the loaded scenarios alive (cases point into it).
Expected<std::vector<Case>, std::string> load_cases(const CliOptions& o,
                                                    std::vector<Scenario>& scenarios);

// make_run_config builds the runner configuration for one target.
Expected<RunConfig, std::string> make_run_config(const CliOptions& o, const std::string& target,
                                                 std::uint64_t seed, const std::string& run_id);

// parse_wall_duration reads a positive duration: "90" or "90s" (seconds), "500ms", "1.5m", "1h"
// (observe's and peer's --duration).
std::optional<std::chrono::milliseconds> parse_wall_duration(std::string_view text);

// write_report writes one report file; on failure it prints "<tool>: <reason>" on stderr and
// returns false, so a tool can write every report and then fail once.
bool write_report(std::string_view tool, const std::string& path, const std::string& text);

// write_text_file writes `text` to `path` (errors say which file).
Expected<void, std::string> write_text_file(const std::string& path, const std::string& text);

}  // namespace unm::conformance::tool
