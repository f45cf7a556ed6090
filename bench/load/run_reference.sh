#!/usr/bin/env bash
# run_reference.sh — the recorded figures of docs/benchmarks.md ("Server load"): every scenario
# of unmanageable-load against its own freshly started reference server with an empty database
# (the reference server's throughput depends on the size of its database, so scenarios must not
# inherit each other's messages). The latency scenario gets --rate = 50 % of the send2 rate
# measured just before on a fresh server.
#
# usage: bench/load/run_reference.sh SERVER_EXE LOAD_EXE OUT_DIR [extra unmanageable-load flags]
#   e.g. bench/load/run_reference.sh build/load/reference/tools/unmanageable-server \
#          build/load/bench/load/unmanageable-load /tmp/load-figures --duration 5
# Server flags can be added with UNM_SERVER_FLAGS="--synchronous normal".
# Writes OUT_DIR/<scenario>.json and OUT_DIR/<scenario>.server_cpu.txt (the server's CPU time
# during the run, from /proc) and prints the tool's summaries; exit 1 if any run failed.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
server=$1 load=$2 out=$3
shift 3
mkdir -p "$out"
status=0
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

# start_server: fresh database, port 0; sets $url from the "listening on URL" line.
start_server() {
  local dir="$out/db-$1"
  rm -rf "$dir" && mkdir -p "$dir"
  # shellcheck disable=SC2086
  "$server" --listen 127.0.0.1:0 --db "$dir/load.db" --log-level warn ${UNM_SERVER_FLAGS:-} \
    >"$dir/stdout" 2>"$dir/stderr" &
  server_pid=$!
  url=""
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$dir/stdout" | head -n1)
    [[ -n "$url" ]] && return 0
    sleep 0.1
  done
  echo "server did not start (see $dir/stderr)" >&2
  exit 1
}

run() {  # run SCENARIO [flags]: one fresh server, one tool run
  local scenario=$1
  shift
  start_server "$scenario"
  echo "== $scenario (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  local cpu0 cpu1
  cpu0=$(server_cpu_ticks)
  "$load" --target "$url" --scenario "$scenario" --json "$out/$scenario.json" "$@" || status=1
  cpu1=$(server_cpu_ticks)
  # The server's own CPU over the whole tool run (setup included: registrations, DM creation,
  # and for login every connection opened and closed), the figure that does not depend on how
  # much of the machine the load tool took.
  if [[ -n "$cpu0" && -n "$cpu1" ]]; then
    awk -v t="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "server CPU: %.2f s (whole run, setup included)\n", t / hz }' |
      tee "$out/$scenario.server_cpu.txt" >&2
  fi
  stop_server
}

# server_cpu_ticks prints the server's user + system CPU time so far, in clock ticks (Linux).
server_cpu_ticks() {
  [[ -r "/proc/$server_pid/stat" ]] || return 0
  # Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
  sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{ print $12 + $13 }'
}

run login "$@"
run send2 "$@"
rate=$(sed -n 's/^ *"rate_per_s": \([0-9.]*\).*/\1/p' "$out/send2.json" | head -n1)
run send32 "$@"
run fanout "$@"
if [[ -n "$rate" ]] && awk -v r="$rate" 'BEGIN { exit !(r > 0) }'; then
  run latency --rate "$(awk -v r="$rate" 'BEGIN { printf "%.1f", r / 2 }')" "$@"
else
  echo "latency: skipped, send2 measured no rate" >&2
  status=1
fi
exit $status
