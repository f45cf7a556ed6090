#!/usr/bin/env bash
# explore_e2e.sh — the CTest proof of `unmanageable-conformance explore` (docs/explore.md,
# "Proof"). Two modes:
#
#   explore_e2e.sh SERVER RUNNER reference SECONDS [EXPLORE ARGS…]
#       a correct reference server: SECONDS of exploring find no divergence (exit 0, no
#       finding in report.json) and reach a fair share of the protocol.
#   explore_e2e.sh SERVER RUNNER fault NAME MAX_STEPS [EXPLORE ARGS…]
#       the reference server with fault NAME (faults.h): explore finds a divergence, shrinks it
#       to at most MAX_STEPS operations and writes a scenario; replayed with `run --strict`, the
#       scenario fails against the faulty server (exit 1) and passes against a correct one
#       (exit 0).
#
# X3DH_DELAY_MS (default 0) is the servers' delay before pending X3DH objects; explore is told
# the same. Exit 0 on success, 1 with the reason otherwise.
set -u
server_exe="$1" runner="$2" mode="$3"
shift 3
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/reference_server.sh"
export X3DH_DELAY_MS="${X3DH_DELAY_MS:-0}"
work="$(mktemp -d)"
good_pid=""
cleanup() {
  stop_reference_server
  if [ -n "$good_pid" ]; then kill "$good_pid" 2>/dev/null; wait "$good_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/explore.out" ] && tail -n 30 "$work/explore.out" >&2
  exit 1
}
field() {  # field EXPR: a Python expression over the report `r`
  python3 -c "import json,sys; r=json.load(open('$work/out/report.json')); print($1)"
}

case "$mode" in
  reference)
    seconds="$1"
    shift
    mkdir -p "$work/s"
    start_reference_server "$server_exe" "$work/s" || fail "the server did not start"
    "$runner" explore --target "$url" --x3dh-delay-ms "$X3DH_DELAY_MS" --duration "${seconds}s" \
      --out "$work/out" --quiet "$@" >"$work/explore.out" 2>&1
    rc=$?
    cat "$work/explore.out"
    [ "$rc" = 0 ] || fail "explore exited $rc against a correct server"
    [ "$(field 'len(r["findings"])')" = 0 ] || fail "a correct server diverged"
    steps="$(field 'r["stats"]["steps"]')"
    events="$(field 'len(r["coverage"])')"
    echo "steps: $steps, events covered: $events"
    [ "$steps" -ge 100 ] || fail "only $steps steps explored"
    [ "$events" -ge 25 ] || fail "only $events events covered"
    ;;
  fault)
    name="$1" max_steps="$2"
    shift 2
    mkdir -p "$work/bad" "$work/good"
    UNM_ALLOW_FAULTS=1 start_reference_server "$server_exe" "$work/bad" --inject-fault "$name" ||
      fail "the faulty server did not start"
    bad_url="$url"
    "$runner" explore --target "$bad_url" --x3dh-delay-ms "$X3DH_DELAY_MS" --out "$work/out" \
      --quiet "$@" >"$work/explore.out" 2>&1
    rc=$?
    cat "$work/explore.out"
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "explore exited $rc"
    [ "$(field 'len([f for f in r["findings"] if not f["known"]])')" -ge 1 ] ||
      fail "fault $name was not found"
    shrunk="$(field 'r["findings"][0]["shrunk_length"]')"
    scenario="$(field 'r["findings"][0].get("scenario","")')"
    echo "found: $(field 'r["findings"][0]["signature"]'), shrunk to $shrunk steps"
    [ "$shrunk" -le "$max_steps" ] || fail "shrunk only to $shrunk steps (at most $max_steps wanted)"
    [ -f "$scenario" ] || fail "no scenario file written"
    dir="$(dirname "$scenario")"
    id="$(basename "$scenario" .json)"
    "$runner" run --target "$bad_url" --scenarios "$dir" --case "$id" --strict \
      >"$work/replay-bad.out" 2>&1
    rc=$?
    [ "$rc" = 1 ] || { cat "$work/replay-bad.out"; fail "replay against the faulty server exited $rc, not 1"; }
    good_pid="$server_pid"  # swap: keep the faulty one for cleanup, start a correct one
    server_pid=""
    start_reference_server "$server_exe" "$work/good" || fail "the correct server did not start"
    tmp="$good_pid"; good_pid="$server_pid"; server_pid="$tmp"
    "$runner" run --target "$url" --scenarios "$dir" --case "$id" --strict \
      >"$work/replay-good.out" 2>&1
    rc=$?
    [ "$rc" = 0 ] || { cat "$work/replay-good.out"; fail "replay against a correct server exited $rc, not 0"; }
    echo "replay: fails against $name, passes against the correct server"
    ;;
  *)
    echo "usage: explore_e2e.sh SERVER RUNNER reference SECONDS | fault NAME MAX_STEPS" >&2
    exit 2
    ;;
esac
exit 0
