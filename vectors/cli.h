// cli.h — the `vectors` command: generate and check vector files (docs/vectors.md).
//
//   vectors generate DIR [--seed S] [--family NAME]...   write DIR/<family>.json
//   vectors check FILE... [--json] [--quiet]              check files, print per-family lines
//   vectors --help
//
// Exit status: 0 success, 1 a check failed (or generation failed), 2 usage error, unreadable or
// malformed file.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace unm::vectors {

// vectors_command runs the command line `args` (without the leading "vectors"), printing to
// standard output and standard error. Returns the exit status.
int vectors_command(std::span<const std::string> args);

// vectors_command_to is vectors_command with the output streams given (for tests and embedding).
int vectors_command_to(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace unm::vectors
