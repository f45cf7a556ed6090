#!/usr/bin/env bash
# build.sh [PRESET] — configure and build the project with a CMake preset (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
jobs="${UNM_JOBS:-$(nproc)}"
if [ ! -f "build/$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -j "$jobs"
