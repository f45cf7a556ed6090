#!/usr/bin/env bash
# run-tests.sh — README command 2: set up, build, run every test (ctest); non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test
./scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j "${UNM_JOBS:-$(nproc)}" "$@"
