// data_dir.h — where a program finds the data it ships with (scenarios, vector files, spec
// copies, expectations, the JUnit schema), so that an installed copy works anywhere and never
// reads the source tree it was built from (docs/conformance.md, "Data folders").
//
// The first of these that names a folder wins:
//   1. the command-line option (--scenarios DIR, …), given by the caller;
//   2. the folder's own environment variable (UNM_SCENARIOS_DIR, …);
//   3. UNM_DATA_DIR/<sub> (UNM_DATA_DIR has the layout of share/unmanageable);
//   4. <executable's folder>/../share/unmanageable/<sub>  — an installed copy (bin/ + share/);
//   5. <build tree>/share/unmanageable/<sub>  — only for an executable inside the build tree,
//      which stages its data there at build time;
//   6. <source tree>/<source sub>  — only for an executable inside the build tree (developers).
// A folder named by 1–3 must exist (a typo is an error, not a silent fallback).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "reference/common/expected.h"

namespace unm::data {

// DataKind is one folder of share/unmanageable.
enum class DataKind { scenarios, vectors, spec, expectations, schema };

// share_subdir is the folder under share/unmanageable: "scenarios", "vectors", "spec",
// "expectations", "schema".
std::string_view share_subdir(DataKind k);
// source_subdir is where the folder lives in the source tree ("vectors/data", …).
std::string_view source_subdir(DataKind k);
// env_name is the folder's own environment variable ("UNM_SCENARIOS_DIR", …).
std::string_view env_name(DataKind k);

// kDataDirEnv names the root variable (layout of share/unmanageable).
inline constexpr std::string_view kDataDirEnv = "UNM_DATA_DIR";

// Where to look, besides the command line. Empty paths are skipped.
struct SearchPlaces {
  std::function<std::optional<std::string>(std::string_view)> env;  // empty: no environment
  std::filesystem::path executable;  // the running program (executable_path())
  std::filesystem::path build_dir;   // the build tree the program was built in
  std::filesystem::path source_dir;  // the source tree it was built from
};

// find_data_dir returns the folder of kind `k`; `given` is the command-line value (empty when
// the option was not given). The error says where it looked.
Expected<std::filesystem::path, std::string> find_data_dir(DataKind k, std::string_view given,
                                                           const SearchPlaces& places);

// executable_path is the absolute path of the running program (/proc/self/exe), or empty.
std::filesystem::path executable_path();

// default_places is the environment, the running executable and the build and source trees
// the calling program was compiled with (pass UNM_BUILD_DIR / UNM_SOURCE_DIR).
SearchPlaces default_places(std::string_view build_dir, std::string_view source_dir);

}  // namespace unm::data
