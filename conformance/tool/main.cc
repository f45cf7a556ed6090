// main.cc — `unmanageable-conformance`: a thin subcommand dispatcher (see commands.h).
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/tool/cmd_observe.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/fuzz_command.h"

namespace {

using Command = int (*)(std::span<const std::string>);

struct Entry {
  std::string_view name;
  Command fn;
  std::string_view summary;
};

// kCommands lists the subcommands. A live-server `fuzz` command slots in here as one more row.
constexpr Entry kCommands[] = {
    {"run", unm::conformance::tool::run_command, "run scenarios against a server (--target URL)"},
    {"list", unm::conformance::tool::list_command, "list cases with their clauses, tags and basis"},
    {"diff", unm::conformance::tool::diff_command,
     "run scenarios against two servers and report behaviour differences"},
    {"coverage", unm::conformance::tool::coverage_command,
     "clause-coverage report: which clauses each case checks, which none check"},
    {"vectors", unm::conformance::tool::vectors_forward,
     "generate or check crypto test vectors (the vectors tool)"},
    {"fuzz", unm::conformance::tool::fuzz_command,
     "fuzz a live server (--target URL --duration D)"},
    {"observe", unm::conformance::tool::observe_command,
     "judging proxy between a client and a server (--listen HOST:PORT --upstream URL)"},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: unmanageable-conformance <command> [options]\n"
               "       unmanageable-conformance <command> --help\n\n"
               "Conformance runner for the Unmanageable chat protocol.\n\ncommands:\n");
  for (const Entry& e : kCommands) {
    std::fprintf(out, "  %-9.*s %.*s\n", static_cast<int>(e.name.size()), e.name.data(),
                 static_cast<int>(e.summary.size()), e.summary.data());
  }
  std::fprintf(out,
               "\nexit status: 0 all passed (or expected), 1 failures, 2 usage or "
               "connection error\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(stderr);
    return 2;
  }
  const std::string& name = args.front();
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  for (const Entry& e : kCommands) {
    if (e.name == name) return e.fn(std::span<const std::string>(args).subspan(1));
  }
  std::fprintf(stderr, "unmanageable-conformance: unknown command '%s'\n\n", name.c_str());
  print_usage(stderr);
  return 2;
}
