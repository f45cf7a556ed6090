// commands.h — the subcommands of `unmanageable-conformance`, one function per subcommand, each
// in its own file. main.cc only dispatches; every command parses its own flags and prints its
// own --help, so adding a command (e.g. the live-server `fuzz` command) touches only main.cc,
// this header and the new file.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace unm::conformance::tool {

// run_command implements `run`: execute scenarios against one server (exit 0/1/2).
int run_command(std::span<const std::string> args);
// list_command implements `list`: print the selected cases with their clauses and tags.
int list_command(std::span<const std::string> args);
// diff_command implements `diff`: run the same scenarios against two servers, report differences.
int diff_command(std::span<const std::string> args);
// coverage_command implements `coverage`: the clause-coverage report without a server.
int coverage_command(std::span<const std::string> args);
// ci_command implements `ci`: wait for the target, run the suite, write every report into one
// folder (exit 0/1/2 as run; 2 also when the target never answered).
int ci_command(std::span<const std::string> args);
// report_command implements `report`: one HTML/JUnit report from several runs' JSON reports.
int report_command(std::span<const std::string> args);
// explore_command implements `explore`: random valid conversations against a server, checked
// against the in-process reference core; divergences shrunk to scenarios (docs/explore.md).
int explore_command(std::span<const std::string> args);
// vectors_forward implements `vectors`: forwarded to the vectors library when it is built.
int vectors_forward(std::span<const std::string> args);

struct CliOptions;

// run_suite runs the selected cases against o.targets[0] and writes the reports `o` names;
// shared by run and ci. `command` names the subcommand in messages, `command_text` is the
// command line recorded in the reports. Returns the exit status.
int run_suite(const CliOptions& o, std::string_view command, const std::string& command_text);

// command_line renders "unmanageable-conformance <command> <args…>" for the reports.
std::string command_line(std::string_view command, std::span<const std::string> args);

}  // namespace unm::conformance::tool
