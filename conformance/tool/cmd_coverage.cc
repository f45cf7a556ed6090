// cmd_coverage.cc — `coverage`: clause coverage of the scenarios, no server needed.
#include <cstdio>

#include "conformance/src/clauses.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"

namespace unm::conformance::tool {

int coverage_command(std::span<const std::string> args) {
  CliOptions o;
  cli::Parser p(
      "unmanageable-conformance coverage",
      "unmanageable-conformance coverage [--spec DIR] [--scenarios DIR] [--coverage FILE]",
      "Lists every clause of events.md and crypto.md with the cases that check it,\n"
      "and the MUST clauses no case checks. Slow cases count.");
  add_options(p, o);
  p.epilogue(data_help());
  if (auto rc = parse_or_exit(p, o, args)) return *rc;
  auto scenarios_dir = data_dir(o, data::DataKind::scenarios);
  auto spec_dir = data_dir(o, data::DataKind::spec);
  for (const auto* d : {&scenarios_dir, &spec_dir}) {
    if (!*d) {
      std::fprintf(stderr, "unmanageable-conformance coverage: %s\n", d->error().c_str());
      return 2;
    }
  }
  auto loaded = load_scenario_dir(*scenarios_dir);
  if (!loaded) {
    for (const auto& e : loaded.error()) {
      std::fprintf(stderr, "%s: %s\n", e.file.c_str(), e.message.c_str());
    }
    return 2;
  }
  auto cat = load_clause_catalogue(*spec_dir);
  if (!cat) {
    std::fprintf(stderr, "unmanageable-conformance coverage: %s\n", cat.error().c_str());
    return 2;
  }
  Coverage cov = compute_coverage(*cat, *loaded);
  std::string text = coverage_text(cov);
  if (!o.coverage_out.empty()) {
    bool as_json = o.coverage_out.size() > 5 &&
                   o.coverage_out.compare(o.coverage_out.size() - 5, 5, ".json") == 0;
    if (auto r = write_text_file(o.coverage_out, as_json ? coverage_json(cov) : text); !r) {
      std::fprintf(stderr, "unmanageable-conformance coverage: %s\n", r.error().c_str());
      return 2;
    }
  }
  std::printf("%s", text.c_str());
  return 0;
}

}  // namespace unm::conformance::tool
