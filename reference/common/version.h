// version.h — which build of the project this is: the project version (CMake project VERSION)
// and the git commit it was built from ("unknown" outside a git checkout). Printed by every
// program's --version and written into every conformance report (docs/conformance.md).
#pragma once

#include <string>
#include <string_view>

namespace unm {

// project_version is the CMake project version, e.g. "0.1.0".
std::string_view project_version();

// build_commit is `git describe --always --dirty` of the sources at build time (an abbreviated
// commit, "-dirty" when they had local changes), or "unknown".
std::string_view build_commit();

// version_string is "0.1.0 (commit 1a2b3c4d5e6f)": what reports record as the harness version.
std::string version_string();

// version_line is "<program> 0.1.0 (commit 1a2b3c4d5e6f)": the --version output of `program`.
std::string version_line(std::string_view program);

}  // namespace unm
