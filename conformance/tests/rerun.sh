#!/usr/bin/env bash
# rerun.sh SERVER_EXE RUNNER_EXE — the printed rerun command reproduces the run: it names every
# data folder, the profile, the expectations file and the factor (`3`, not `3.000000`), adds
# `--slow` only for a slow case, and running it gives the same outcome for that one case.
set -uo pipefail
server_exe="$1"
runner_exe="$2"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=reference_server.sh
. "$here/reference_server.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-conf-rerun.XXXXXX")"
trap 'stop_reference_server; rm -rf "$work"' EXIT
fail() { echo "rerun.sh: $*" >&2; exit 1; }

mkdir -p "$work/scenarios" "$work/vectors"
# Two cases that fail against any correct server (a registered user exists), one of them slow,
# and one whose failure the expectations file pins.
cat >"$work/scenarios/rr.json" <<'JSON'
{"scenarios": [
{"id": "rr.fail", "title": "fails on purpose", "basis": "document", "clauses": ["EV-AUTH-002"],
 "tags": ["rr"], "actors": ["alice"],
 "steps": [{"actor": "alice", "send": "username_exists", "args": {"username": "${alice}"}, "expect": {"ok": false}}]},
{"id": "rr.slow-fail", "title": "fails on purpose, slowly", "basis": "document",
 "clauses": ["EV-AUTH-002"], "tags": ["rr", "slow"], "actors": ["alice"],
 "steps": [{"actor": "alice", "send": "username_exists", "args": {"username": "${alice}"}, "expect": {"ok": false}}]},
{"id": "rr.pinned", "title": "fails where the expectations say", "basis": "document",
 "clauses": ["EV-AUTH-002"], "tags": ["rr"], "actors": ["alice"],
 "steps": [{"actor": "alice", "send": "username_exists", "args": {"username": "${alice}"}, "expect": {"ok": false}}]}
]}
JSON
cat >"$work/expectations.json" <<'JSON'
{"implementation": "rr", "cases": {"rr.pinned": {"outcome": "fail", "reason": "on purpose", "steps": [1], "rows": [1]}}}
JSON

start_reference_server "$server_exe" "$work" || exit 2
"$runner_exe" run --target "$url" --scenarios "$work/scenarios" --vectors "$work/vectors" \
  --expectations "$work/expectations.json" --timeout-factor 3 --slow --seed 42 --jobs 2 \
  >"$work/run.txt" 2>&1
status=$?
[ "$status" = 1 ] || { cat "$work/run.txt"; fail "first run exited $status, want 1"; }
grep -q "expected-fail *rr.pinned" "$work/run.txt" || fail "rr.pinned is not expected-fail"

rerun_of() { grep "^  unmanageable-conformance run .* --case $1\$" "$work/run.txt"; }
for id in rr.fail rr.slow-fail; do
  line="$(rerun_of "$id")" || { cat "$work/run.txt"; fail "no rerun line for $id"; }
  for want in "--scenarios $work/scenarios" "--vectors $work/vectors" \
    "--expectations $work/expectations.json" "--timeout-factor 3 " "--profile document" \
    "--seed 42"; do
    case "$line" in *"$want"*) ;; *) fail "rerun of $id lacks '$want': $line" ;; esac
  done
  case "$line" in *3.0*) fail "factor not printed plainly: $line" ;; esac
  case "$id:$line" in
    rr.slow-fail:*" --slow "*) ;;
    rr.slow-fail:*) fail "rerun of a slow case lacks --slow: $line" ;;
    *:*" --slow "*) fail "rerun of a normal case adds --slow: $line" ;;
  esac
  # Run it (the tool's name replaced by the binary under test): same outcome, only that case.
  cmd="${line#  unmanageable-conformance}"
  eval "\"\$runner_exe\"$cmd" >"$work/again.txt" 2>&1
  again=$?
  [ "$again" = 1 ] || { cat "$work/again.txt"; fail "rerun of $id exited $again, want 1"; }
  grep -q "^unmanageable-conformance: 1 cases " "$work/again.txt" ||
    { cat "$work/again.txt"; fail "rerun of $id did not run exactly one case"; }
  grep -q "fail *$id " "$work/again.txt" || { cat "$work/again.txt"; fail "rerun of $id: not fail"; }
done
echo "rerun.sh: rerun commands reproduce rr.fail and rr.slow-fail"
