// main.cc — `unmanageable-conformance`: a thin subcommand dispatcher (see commands.h).
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/tool/cmd_observe.h"
#include "conformance/tool/cmd_peer.h"
#include "conformance/tool/commands.h"
#include "conformance/tool/fuzz_command.h"
#include "conformance/tool/options.h"
#include "reference/common/version.h"

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
    {"ci", unm::conformance::tool::ci_command,
     "for CI jobs: wait for the target, run, write every report into one folder"},
    {"list", unm::conformance::tool::list_command, "list cases with their clauses, tags and basis"},
    {"diff", unm::conformance::tool::diff_command,
     "run scenarios against two servers and report behaviour differences"},
    {"coverage", unm::conformance::tool::coverage_command,
     "clause-coverage report: which clauses each case checks, which none check"},
    {"report", unm::conformance::tool::report_command,
     "one HTML/JUnit report from several runs' JSON reports (cases x implementations)"},
    {"vectors", unm::conformance::tool::vectors_forward,
     "generate or check crypto test vectors (the vectors tool)"},
    {"fuzz", unm::conformance::tool::fuzz_command,
     "fuzz a live server (--target URL --duration D)"},
    {"explore", unm::conformance::tool::explore_command,
     "random valid conversations checked against the reference model (--target URL)"},
    {"observe", unm::conformance::tool::observe_command,
     "judging proxy between a client and a server (--listen HOST:PORT --upstream URL)"},
    {"peer", unm::conformance::tool::peer_command,
     "a harness user for a client under test to talk to (--target URL --username NAME)"},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: unmanageable-conformance <command> [options]\n"
               "       unmanageable-conformance <command> --help\n"
               "       unmanageable-conformance --version\n\n"
               "Conformance runner for the Unmanageable chat protocol.\n\ncommands:\n");
  for (const Entry& e : kCommands) {
    std::fprintf(out, "  %-9.*s %.*s\n", static_cast<int>(e.name.size()), e.name.data(),
                 static_cast<int>(e.summary.size()), e.summary.data());
  }
  std::fprintf(out, "\n%s\n", unm::conformance::tool::kExitStatusText);
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
  if (name == "--version") {
    std::printf("%s\n", unm::version_line("unmanageable-conformance").c_str());
    return 0;
  }
  for (const Entry& e : kCommands) {
    if (e.name == name) return e.fn(std::span<const std::string>(args).subspan(1));
  }
  // The same one-line usage error as every option error (reference/common/command_line.h).
  std::fprintf(stderr,
               "unmanageable-conformance: unknown command '%s' (see unmanageable-conformance "
               "--help)\n",
               name.c_str());
  return 2;
}
