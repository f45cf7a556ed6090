#!/usr/bin/env bash
# ci_test.sh SERVER_EXE RUNNER_EXE — `unmanageable-conformance ci` as a third party's CI job runs
# it (docs/ci.md):
#   1. a target that never comes up: one clear line on stderr and exit 2 after --wait;
#   2. a reference server: exit 0, and report.json / junit.xml / report.html / coverage.txt in
#      --out, each naming the harness version;
#   3. an expectations file that says a passing case fails: unexpected-pass, exit 1.
# A subset of the cases keeps it short; the full suite runs in conformance_e2e_reference_server.
set -euo pipefail
# shellcheck source=reference_server.sh
. "$(dirname "$0")/reference_server.sh"
server_exe="$1"
runner_exe="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-ci-test.XXXXXX")"
server_pid=""
cleanup() {
  stop_reference_server
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "ci_test: FAIL: $*" >&2
  exit 1
}

# 1. Nothing listens on port 1 (privileged, never used by the test machine's services).
start_ms=$(($(date +%s%N) / 1000000))
status=0
"$runner_exe" ci --target http://127.0.0.1:1 --wait 2 --out "$work/none" \
  >"$work/none.out" 2>"$work/none.err" || status=$?
elapsed_ms=$(($(date +%s%N) / 1000000 - start_ms))
[ "$status" -eq 2 ] || fail "never-up target: exit $status, expected 2"
[ "$(wc -l <"$work/none.err")" -eq 1 ] || fail "never-up target: not one line: $(cat "$work/none.err")"
grep -q "http://127.0.0.1:1 did not answer within 2 s" "$work/none.err" ||
  fail "never-up target: unclear message: $(cat "$work/none.err")"
[ "$elapsed_ms" -ge 2000 ] || fail "never-up target: gave up after ${elapsed_ms} ms, before --wait 2"
[ "$elapsed_ms" -le 15000 ] || fail "never-up target: took ${elapsed_ms} ms"
echo "ci_test: never-up target: exit 2 after ${elapsed_ms} ms: $(cat "$work/none.err")"

# 2. The reference server.
start_reference_server "$server_exe" "$work" || exit 2
status=0
"$runner_exe" ci --target "$url" --out "$work/reports" --wait 10 --jobs 2 --case 'auth.*' \
  --quiet >"$work/ci.out" 2>&1 || status=$?
[ "$status" -eq 0 ] || { cat "$work/ci.out" >&2; fail "reference server: exit $status"; }
version="$("$runner_exe" --version)"
version="${version#unmanageable-conformance }"
for f in report.json junit.xml report.html coverage.txt; do
  [ -s "$work/reports/$f" ] || fail "missing $f"
done
for f in report.json junit.xml report.html; do
  grep -qF "$version" "$work/reports/$f" || fail "$f does not name the harness version $version"
done
grep -q '"outcome":"pass"' "$work/reports/report.json" || fail "report.json has no passing case"
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout --schema "$(dirname "$0")/../schema/junit.xsd" "$work/reports/junit.xml"
fi
echo "ci_test: reference server: exit 0, four reports, harness $version"

# 3. An expectations file that is out of date: the case passes although it should fail.
"$runner_exe" list --case 'auth.*' >"$work/list.txt"
case_id="$(head -n 1 "$work/list.txt" | cut -d' ' -f1)"
[ -n "$case_id" ] || fail "no auth case listed"
cat >"$work/expect.json" <<JSON
{"implementation": "stale", "cases": {"$case_id": {"outcome": "fail", "reason": "out of date"}}}
JSON
status=0
"$runner_exe" ci --target "$url" --out "$work/stale" --wait 10 --case "$case_id" \
  --expectations "$work/expect.json" --quiet >"$work/stale.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$work/stale.out" >&2; fail "unexpected pass: exit $status, expected 1"; }
grep -q "unexpected-pass" "$work/stale/report.json" || fail "report.json has no unexpected-pass"
echo "ci_test: stale expectations: exit 1 (unexpected-pass of $case_id)"

# 4. A bare expectations name is a file of the installed expectations folder: deployed.json says
# frd.unblock fails, which it does not against the reference server.
status=0
"$runner_exe" ci --target "$url" --out "$work/deployed" --wait 10 --case frd.unblock \
  --expectations deployed --quiet >"$work/deployed.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$work/deployed.out" >&2; fail "--expectations deployed: exit $status"; }
grep -q '"expectations":"deployed"' "$work/deployed/report.json" ||
  fail "--expectations deployed was not read"
echo "ci_test: --expectations deployed: exit 1 (unexpected-pass of frd.unblock)"
