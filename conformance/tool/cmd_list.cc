// cmd_list.cc — `list`: print the selected cases with basis, clauses and tags.
#include <cstdio>

#include "conformance/tool/commands.h"
#include "conformance/tool/options.h"

namespace unm::conformance::tool {

int list_command(std::span<const std::string> args) {
  CliOptions o;
  cli::Parser p("unmanageable-conformance list", "unmanageable-conformance list [options]",
                "Lists the selected cases: id, basis, clauses, tags and title. Loading also\n"
                "validates every scenario file (exit 2 on errors).");
  add_options(p, o);
  p.epilogue(data_help());
  if (auto rc = parse_or_exit(p, o, args)) return *rc;
  std::vector<Scenario> scenarios;
  auto cases = load_cases(o, scenarios);
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
