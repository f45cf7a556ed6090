#!/usr/bin/env bash
# package.sh [PRESET] — build the programs and their Debian package with CPack:
# build/<preset>/package/unmanageable_<version>_<arch>.deb (default preset: release).
# Install it with `apt install ./build/release/package/unmanageable_*.deb` (docs/ci.md).
# Exit status: non-zero when the build or cpack fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
preset="${1:-release}"
jobs="${UNM_JOBS:-$(nproc)}"
if [ ! -f "build/$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" >/dev/null
fi
# Only what the package holds (cpack itself builds nothing: CMAKE_SKIP_INSTALL_ALL_DEPENDENCY).
cmake --build --preset "$preset" -j "$jobs" --target unmanageable-server unmanageable-client \
  unmanageable-conformance unmanageable-load unm_data
(cd "build/$preset" && cpack -G DEB)
deb="$(ls -t "build/$preset"/package/unmanageable_*.deb | head -n 1)"
echo "package.sh: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends
