// cmd_list.cc — `list`: print the selected cases with basis, clauses and tags.
#include <cstdio>

#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"

namespace unm::conformance::tool {

int list_command(std::span<const std::string> args) {
  auto opts = parse_options(args);
  if (!opts) {
    std::fprintf(stderr, "unmanageable-conformance list: %s (try --help)\n", opts.error().c_str());
    return 2;
  }
  if (opts->help) {
    std::printf(
        "usage: unmanageable-conformance list [--case GLOB] [--tag T] [--clause GLOB] "
        "[--slow] [--scenarios DIR] [--vectors DIR]\n\n"
        "Lists the selected cases: id, basis, clauses, tags and title. Loading also "
        "validates every scenario file (exit 2 on errors).\n\n%s",
        options_help().c_str());
    return 0;
  }
  std::vector<Scenario> scenarios;
  auto cases = load_cases(*opts, scenarios);
  if (!cases) {
    std::fprintf(stderr, "unmanageable-conformance list: %s\n", cases.error().c_str());
    return 2;
  }
  for (const Case& c : *cases) {
    std::string clauses, tags;
    for (const auto& x : c.scenario->clauses) clauses += (clauses.empty() ? "" : ",") + x;
    for (const auto& x : c.scenario->tags) tags += (tags.empty() ? "" : ",") + x;
    std::printf("%-48s %-8s %-40s [%s] %s\n", c.id.c_str(),
                std::string(basis_name(c.scenario->basis)).c_str(), clauses.c_str(), tags.c_str(),
                c.scenario->title.c_str());
  }
  std::printf("%zu cases\n", cases->size());
  return 0;
}

}  // namespace unm::conformance::tool
