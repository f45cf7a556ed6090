#!/bin/sh
# smoke_test.sh BUILD_DIR — CTest bench_echo_smoke: the echo comparison at a tiny duration (both
# servers, both phases), then a check of the JSON's shape. Figures are not asserted.
# Exit 77 (skipped) when node or the npm packages are absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$1/bench-results/echo-smoke.json"
rm -f "$out"
"$here/compare_echo.sh" "$1" --no-build --duration 0.3 --warmup 0.1 --connections 4 \
  --inflight 2 --payload 16 --rounds 1 --out "$out"
node="${UNM_NODE:-node}"
[ -x "$node" ] || node=node
exec "$node" "$here/echo_report.mjs" check "$out"
