// cmd_coverage.cc — `coverage`: clause coverage of the scenarios, no server needed.
#include <cstdio>

#include "conformance/src/clauses.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"

namespace unm::conformance::tool {

int coverage_command(std::span<const std::string> args) {
  auto opts = parse_options(args);
  if (!opts) {
    std::fprintf(stderr, "unmanageable-conformance coverage: %s (try --help)\n",
                 opts.error().c_str());
    return 2;
  }
  if (opts->help) {
    std::printf(
        "usage: unmanageable-conformance coverage [--spec DIR] [--scenarios DIR] "
        "[--coverage FILE]\n\n"
        "Lists every clause of events.md and crypto.md with the cases that check it, "
        "and the MUST clauses no case checks. Slow cases count.\n\n%s",
        options_help().c_str());
    return 0;
  }
  auto loaded = load_scenario_dir(opts->scenarios_dir);
  if (!loaded) {
    for (const auto& e : loaded.error()) {
      std::fprintf(stderr, "%s: %s\n", e.file.c_str(), e.message.c_str());
    }
    return 2;
  }
  auto cat = load_clause_catalogue(opts->spec_dir);
  if (!cat) {
    std::fprintf(stderr, "unmanageable-conformance coverage: %s\n", cat.error().c_str());
    return 2;
  }
  Coverage cov = compute_coverage(*cat, *loaded);
  std::string text = coverage_text(cov);
  if (!opts->coverage_out.empty()) {
    bool as_json = opts->coverage_out.size() > 5 &&
                   opts->coverage_out.compare(opts->coverage_out.size() - 5, 5, ".json") == 0;
    if (auto r = write_text_file(opts->coverage_out, as_json ? coverage_json(cov) : text); !r) {
      std::fprintf(stderr, "unmanageable-conformance coverage: %s\n", r.error().c_str());
      return 2;
    }
  }
  std::printf("%s", text.c_str());
  return 0;
}

}  // namespace unm::conformance::tool
