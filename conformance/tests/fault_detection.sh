#!/usr/bin/env bash
# fault_detection.sh SERVER_EXE RUNNER_EXE [INDEX COUNT | NAME…] — the runner's own power
# (docs/conformance.md, "Fault injection (self-test)"). For each fault of the server's catalogue
# (`--inject-fault list`: name, clause, description, finder) that the default suite is meant to
# detect (finder `suite`) — all of them, or those at positions ≡ INDEX (mod COUNT) among them —,
# or for each NAME given (any finder: an `explore` fault is expected to be MISSED), start a fresh
# reference server with that one fault on 127.0.0.1 port 0 and a temporary SQLite file, run the
# default suite's cases that cite the fault's clause (`run --clause CLAUSE --jobs 4`), and
# require that the run exits 1 with at least one case failing (outcome `fail`). Restricting to
# the citing cases gives the verdict of the whole default suite under the rule "a failing case
# cites the fault's clause", in a fraction of the time. Prints one line per fault (detected /
# MISSED, with the failing case ids) and a score; exit 0 only when every fault tried was
# detected, 2 on a harness problem.
# UNM_FAULT_RUNNER_ARGS adds arguments to every run (e.g. "--scenarios DIR" to measure another
# set of cases).
set -uo pipefail
server_exe="$1"
runner_exe="$2"
shift 2
index=""
count=""
names=()
if [ $# -eq 2 ] && [[ "$1" =~ ^[0-9]+$ ]] && [[ "$2" =~ ^[0-9]+$ ]]; then
  index="$1"
  count="$2"
else
  names=("$@")
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/unm-faults.XXXXXX")"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

if ! "$server_exe" --inject-fault list >"$work/catalogue" 2>"$work/list.err"; then
  echo "cannot list the fault catalogue: $(head -n 1 "$work/list.err")" >&2
  exit 2
fi

# start_server NAME: a fresh server with fault NAME; sets server_pid and url.
start_server() {
  local dir="$work/$1"
  mkdir -p "$dir"
  UNM_ALLOW_FAULTS=1 "$server_exe" --listen 127.0.0.1:0 --db "$dir/db" --x3dh-delay-ms 500 \
    --log-level warn --inject-fault "$1" >"$dir/out" 2>"$dir/err" &
  server_pid=$!
  url=""
  for _ in $(seq 1 200); do
    url="$(sed -n 's/^listening on \(http[s]*:\/\/[^ ]*\).*/\1/p' "$dir/out" | head -n 1)"
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "server with fault $1 did not start: $(head -n 1 "$dir/err")" >&2
  return 1
}

tried=0
detected=0
missed=()
position=0
while IFS=$'\t' read -r name clause description finder; do
  [ -n "$name" ] || continue
  if [ ${#names[@]} -gt 0 ]; then
    wanted=0
    for n in "${names[@]}"; do [ "$n" = "$name" ] && wanted=1; done
    [ "$wanted" -eq 1 ] || continue
  else
    # Faults only `unmanageable-conformance explore` is meant to find are not the suite's.
    [ "$finder" = "suite" ] || continue
    pos=$position
    position=$((position + 1))
    if [ -n "$count" ]; then
      [ $((pos % count)) -eq "$index" ] || continue
    fi
  fi
  tried=$((tried + 1))
  start_server "$name" || exit 2
  dir="$work/$name"
  "$runner_exe" run --target "$url" --jobs 4 --quiet --clause "$clause" \
    --junit "$dir/junit.xml" ${UNM_FAULT_RUNNER_ARGS:-} >"$dir/run.out" 2>"$dir/run.err"
  status=$?
  stop_server
  failing=""
  if [ -f "$dir/junit.xml" ]; then
    # The ids of the cases whose <failure> is of type "fail" (not unexpected-pass).
    failing="$(awk '
      /<testcase name="/ { id = $0; sub(/.*<testcase name="/, "", id); sub(/".*/, "", id) }
      /<failure / && /type="fail"/ { printf "%s ", id }' "$dir/junit.xml")"
  fi
  if [ "$status" -eq 1 ] && [ -n "$failing" ]; then
    detected=$((detected + 1))
    echo "detected  $name ($clause) by: $failing"
  else
    missed+=("$name")
    echo "MISSED    $name ($clause, finder $finder): runner exit $status, failing cases: ${failing:-none} — $description"
    sed 's/^/    | /' "$dir/run.out" | tail -n 20
    [ "$status" -eq 2 ] && sed 's/^/    ! /' "$dir/run.err" | tail -n 5
  fi
done <"$work/catalogue"

if [ "$tried" -eq 0 ]; then
  echo "no fault selected" >&2
  exit 2
fi
echo "score: $detected/$tried faults detected"
[ ${#missed[@]} -eq 0 ]
