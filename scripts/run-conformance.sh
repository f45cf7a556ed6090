#!/usr/bin/env bash
# run-conformance.sh — README main job: set up, build, start the reference server on a fresh
# SQLite file, run the default conformance suite against it, print the summary (and write the
# JSON, JUnit, HTML and clause-coverage reports to build/conformance-report/).
#
# Extra arguments go to `unmanageable-conformance run` (e.g. --slow, --jobs 4, --case 'msg.*').
# Exit status: the runner's (0 all passed or expected, 1 failures, 2 usage/connection error).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
preset="${UNM_PRESET:-release}"
jobs="${UNM_JOBS:-$(nproc)}"
if [ ! -f "build/$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -j "$jobs" --target unmanageable-server unmanageable-conformance

bin="build/$preset"
server_exe="$bin/reference/tools/unmanageable-server"
runner_exe="$bin/conformance/unmanageable-conformance"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-conformance.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh database every run; port 0 lets the OS pick a free port; a short X3DH grace period
# keeps the offline-delivery case quick (EV-DM-015 allows 0 … 10 s).
"$server_exe" --listen 127.0.0.1:0 --db "$work/conformance.db" --x3dh-delay-ms 500 \
  --log-level warn >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on \(http[s]*:\/\/[^ ]*\).*/\1/p' "$work/server.out" | head -n 1)"
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run-conformance: the server exited:" >&2
    cat "$work/server.err" >&2
    exit 2
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "run-conformance: the server did not report its address" >&2
  exit 2
fi
echo "run-conformance: reference server at $url (database $work/conformance.db)"

report_dir="$bin/conformance-report"
mkdir -p "$report_dir"
status=0
"$runner_exe" run --target "$url" --jobs "${UNM_CONFORMANCE_JOBS:-4}" --quiet \
  --json "$report_dir/report.json" --junit "$report_dir/junit.xml" \
  --html "$report_dir/report.html" --coverage "$report_dir/coverage.txt" "$@" || status=$?
echo "run-conformance: reports in $report_dir (report.html, report.json, junit.xml, coverage.txt)"
exit "$status"
