#!/usr/bin/env bash
# fault_switch.sh SERVER_EXE — the gate of `--inject-fault` (docs/server.md, "Fault injection"):
# refused with exit 2 and a one-line message unless UNM_ALLOW_FAULTS=1; an unknown name is
# refused too; `list` prints the catalogue (at least 30 rows of name, clause, description and
# finder — `suite` or `explore` —, each name and clause once, at least 30 `suite` rows); an
# allowed fault starts the server with a warning, and SIGTERM still exits 0.
set -uo pipefail
server_exe="$1"
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-fault-switch.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# refused ENV_ASSIGNMENT… -- ARGS…: exit 2, nothing on stdout (never "listening"), one stderr line.
refused() {
  local envs=()
  while [ "$1" != "--" ]; do
    envs+=("$1")
    shift
  done
  shift
  env -u UNM_ALLOW_FAULTS "${envs[@]}" timeout 10 "$server_exe" --listen 127.0.0.1:0 \
    --db "$work/refused.db" "$@" >"$work/out" 2>"$work/err"
  local status=$?
  [ "$status" -eq 2 ] || fail "expected exit 2 for [${envs[*]} $*], got $status"
  [ ! -s "$work/out" ] || fail "server printed to stdout for [${envs[*]} $*]: $(head -n 1 "$work/out")"
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "expected one stderr line for [${envs[*]} $*], got: $(cat "$work/err")"
  echo "refused [${envs[*]} $*]: $(cat "$work/err")"
}

# Not allowed: the variable is absent, empty or anything but 1.
refused -- --inject-fault ack-extra-key
refused UNM_ALLOW_FAULTS= -- --inject-fault ack-extra-key
refused UNM_ALLOW_FAULTS=0 -- --inject-fault ack-extra-key
refused UNM_ALLOW_FAULTS=yes -- --inject-fault=any-member-edits,leave-dm-keeps-call
# Allowed, but not a fault of the catalogue.
refused UNM_ALLOW_FAULTS=1 -- --inject-fault no-such-fault
refused UNM_ALLOW_FAULTS=1 -- --inject-fault ack-extra-key,

# The catalogue.
if "$server_exe" --inject-fault list >"$work/list" 2>"$work/err"; then
  rows="$(wc -l <"$work/list")"
  [ "$rows" -ge 30 ] || fail "list prints $rows faults, expected at least 30"
  bad="$(awk -F'\t' 'NF != 4 || $1 == "" || $2 !~ /^(EV|CR)-[A-Z0-9]+-[0-9][0-9][0-9]$/ || $3 == "" ||
    $4 !~ /^(suite|explore)$/' "$work/list")"
  [ -z "$bad" ] || fail "malformed catalogue rows: $bad"
  suite_rows="$(awk -F'\t' '$4 == "suite"' "$work/list" | wc -l)"
  [ "$suite_rows" -ge 30 ] || fail "list marks $suite_rows faults suite, expected at least 30"
  [ -z "$(cut -f1 "$work/list" | sort | uniq -d)" ] || fail "a fault name appears twice"
  [ -z "$(cut -f2 "$work/list" | sort | uniq -d)" ] || fail "a clause appears twice"
  echo "list: $rows faults, $suite_rows for the default suite"
else
  fail "--inject-fault list failed: $(cat "$work/err")"
fi
"$server_exe" --help | grep -q -- '--inject-fault' || fail "--help does not mention --inject-fault"

# Allowed: the server starts, says so on stderr, and shuts down cleanly.
UNM_ALLOW_FAULTS=1 "$server_exe" --listen 127.0.0.1:0 --db "$work/ok.db" \
  --inject-fault ack-extra-key --inject-fault any-member-edits >"$work/out" 2>"$work/err" &
server_pid=$!
started=0
for _ in $(seq 1 200); do
  grep -q '^listening on ' "$work/out" && started=1 && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
if [ "$started" -eq 1 ]; then
  grep -q 'FAULTS INJECTED.*ack-extra-key,any-member-edits' "$work/err" ||
    fail "no start-up warning naming the faults: $(cat "$work/err")"
  kill -TERM "$server_pid"
  wait "$server_pid"
  status=$?
  server_pid=""
  [ "$status" -eq 0 ] || fail "SIGTERM exit status $status"
else
  fail "the server with UNM_ALLOW_FAULTS=1 did not start: $(cat "$work/err")"
fi

[ "$failures" -eq 0 ] && echo "fault switch: ok"
[ "$failures" -eq 0 ]
