#!/usr/bin/env bash
# report_command.sh RUNNER — `unmanageable-conformance report` from two JSON reports: the HTML and
# JUnit files are written, the runs' disagreement gives exit 1, agreement exit 0, a missing or
# malformed file exit 2 with a one-line message.
set -uo pipefail
runner="$1"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-report-cmd.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
case_json() {  # id outcome
  printf '{"id":"%s","title":"t","clauses":["EV-AUTH-001"],"tags":["auth"],"basis":"document","outcome":"%s","reason":"","duration_ms":3,"failed_step":0,"rerun":"r"}' "$1" "$2"
}
run_json() {  # target outcome-of-b
  printf '{"target":"%s","profile":"document","strict":false,"seed":1,"run_id":"x","expectations":"","started":"2026-12-07T01:02:03.004Z","duration_ms":10,"summary":{},"cases":[%s,%s]}' \
    "$1" "$(case_json a.one pass)" "$(case_json a.two "$2")"
}
run_json http://a pass >"$work/a.json"
run_json http://b fail >"$work/b.json"
run_json http://c pass >"$work/c.json"

"$runner" report --html "$work/r.html" --junit "$work/r.xml" ref="$work/a.json" "$work/b.json" \
  >"$work/out" 2>&1
[ $? -eq 1 ] || fail "differing runs should exit 1: $(cat "$work/out")"
grep -q "1 agree, 1 differ" "$work/out" || fail "agreement line: $(cat "$work/out")"
grep -q 'class="differ"' "$work/r.html" || fail "no differ mark in the HTML"
grep -q '<b>ref</b>' "$work/r.html" || fail "the NAME= column name is missing"
grep -q '<testsuite name="http://b"' "$work/r.xml" || fail "no testsuite per run"

"$runner" report --html "$work/s.html" "$work/a.json" "$work/c.json" >"$work/out" 2>&1
[ $? -eq 0 ] || fail "agreeing runs should exit 0: $(cat "$work/out")"

"$runner" report --html "$work/x.html" "$work/missing.json" >"$work/out" 2>&1
[ $? -eq 2 ] || fail "a missing file should exit 2"
echo '{"cases":[{"id":"x","outcome":"great"}]}' >"$work/bad.json"
"$runner" report --html "$work/x.html" "$work/bad.json" >"$work/out" 2>&1
[ $? -eq 2 ] || fail "a malformed report should exit 2"
[ "$(wc -l <"$work/out")" -eq 1 ] || fail "the error should be one line: $(cat "$work/out")"
"$runner" report "$work/a.json" >"$work/out" 2>&1
[ $? -eq 2 ] || fail "no --html/--junit should exit 2"
echo "report command: all checks passed"
