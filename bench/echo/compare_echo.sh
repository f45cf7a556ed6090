#!/usr/bin/env bash
# compare_echo.sh — the transport echo benchmark (docs/benchmarks.md, "Transport echo"): starts our
# C++ echo server and the official Node.js socket.io 4.8.3 server (node_echo_server.js) on free
# ports, drives each with the same C++ load generator (bench_echo_load) — a closed-loop phase for
# maximum throughput, then an open-loop phase at a fixed rate (by default 50% of the slower
# server's throughput) for latency — stops them, writes BUILD_DIR/bench-results/echo.json and
# prints both side by side with the verdict (ours: more throughput and lower p99 than Node).
set -euo pipefail

usage() {
  cat <<'TXT'
Usage: bench/echo/compare_echo.sh BUILD_DIR [options]

  BUILD_DIR            a configured CMake build (UNM_BUILD_BENCH=ON); bench_echo_load and the
                       server are built there first unless --no-build
  --duration S         measured seconds per run (default 5)
  --warmup S           unmeasured seconds of load before each run (default 1)
  --connections N      WebSocket connections per run (default 50)
  --inflight W         closed loop: emits in flight per connection (default 8)
  --payload BYTES      length of the echoed string (default 64)
  --rate R|auto        open loop: emits per second; auto = FRACTION x the slower server's
                       closed-loop throughput (default auto)
  --rate-fraction F    for --rate auto (default 0.5)
  --threads T          load generator threads (default 1)
  --rounds K           runs per server and phase, alternating which server goes first; the
                       report keeps the median run (closed: by throughput, open: by p99) and
                       lists every round (default 3)
  --pin                pin the servers to CPU 1 and the generator to CPU 0 (taskset), so
                       that generator and server never take each other's core
  --ours NAME          transport_echo_server (default) or unmanageable-server (run with --echo)
  --out FILE           result file (default BUILD_DIR/bench-results/echo.json)
  --no-build           use the binaries already built
  --help               this text

Environment: UNM_NODE (node binary), ECHO_LOAD / OURS_BIN (binaries, overriding BUILD_DIR's).
Exit status: 0 after a complete comparison (whatever the verdict), 1 when a step failed,
2 for bad usage, 77 when node or interop/node_modules/socket.io is missing (CTest "skipped").
TXT
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

build=""
duration=5
warmup=1
connections=50
inflight=8
payload=64
rate=auto
fraction=0.5
threads=1
rounds=3
pin=0
ours=transport_echo_server
out=""
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --duration|--warmup|--connections|--inflight|--payload|--rate|--rate-fraction|--threads|--rounds|--ours|--out)
      [ $# -ge 2 ] || { echo "compare_echo: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --duration) duration=$2 ;;
        --warmup) warmup=$2 ;;
        --connections) connections=$2 ;;
        --inflight) inflight=$2 ;;
        --payload) payload=$2 ;;
        --rate) rate=$2 ;;
        --rate-fraction) fraction=$2 ;;
        --threads) threads=$2 ;;
        --rounds) rounds=$2 ;;
        --ours) ours=$2 ;;
        --out) out=$2 ;;
      esac
      shift 2 ;;
    --no-build) do_build=0; shift ;;
    --pin) pin=1; shift ;;
    -*) echo "compare_echo: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      [ -z "$build" ] || { echo "compare_echo: one BUILD_DIR only (see --help)" >&2; exit 2; }
      build=$1; shift ;;
  esac
done
[ -n "$build" ] || { usage >&2; exit 2; }
case "$ours" in
  transport_echo_server|unmanageable-server) ;;
  *) echo "compare_echo: --ours must be transport_echo_server or unmanageable-server" >&2; exit 2 ;;
esac
case "$rounds" in
  ''|*[!0-9]*|0) echo "compare_echo: --rounds must be a positive integer" >&2; exit 2 ;;
esac
case "$fraction" in
  ''|*[!0-9.]*) echo "compare_echo: --rate-fraction must be a positive number" >&2; exit 2 ;;
esac

node="${UNM_NODE:-}"
if [ -z "$node" ] || [ ! -x "$node" ]; then node="$(command -v node || true)"; fi
if [ -z "$node" ]; then echo "SKIPPED: node is not installed" >&2; exit 77; fi
if [ ! -d "$root/interop/node_modules/socket.io" ]; then
  echo "SKIPPED: $root/interop/node_modules/socket.io is absent (run scripts/bootstrap.sh)" >&2
  exit 77
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "compare_echo: $build is not a configured build; e.g." >&2
  echo "  cmake --preset release && bench/echo/compare_echo.sh build/release" >&2
  exit 2
fi
build=$(cd "$build" && pwd)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
if grep -q '^UNM_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "compare_echo: warning: $build is a sanitizer build; its figures mean little" >&2
fi
if [ "$ours" = unmanageable-server ]; then
  ours_rel=reference/tools/unmanageable-server; ours_args=(--echo --listen 127.0.0.1:0)
else
  ours_rel=reference/transport/transport_echo_server; ours_args=(--port 0)
fi
if [ "$do_build" = 1 ]; then
  cmake --build "$build" --target bench_echo_load "$ours" -j2 >&2
fi
load_bin="${ECHO_LOAD:-$build/bench/echo/bench_echo_load}"
ours_bin="${OURS_BIN:-$build/$ours_rel}"
for b in "$load_bin" "$ours_bin"; do
  [ -x "$b" ] || { echo "compare_echo: $b is not built (drop --no-build)" >&2; exit 1; }
done
[ -n "$out" ] || out="$build/bench-results/echo.json"
mkdir -p "$(dirname "$out")"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    # Give each server 3 s to shut down gracefully, then make sure it is gone.
    for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
# Signals end the script through `exit`, so that the EXIT trap stops the servers.
trap 'exit 143' TERM
trap 'exit 130' INT

# start_server NAME CMD... — starts a server on a free port (port 0) and sets PORT and PID.
start_server() {
  local name=$1; shift
  # Created first: the loop below may look before the background job has opened it.
  : >"$tmp/$name.log"
  "$@" >"$tmp/$name.log" 2>&1 &
  PID=$!
  pids+=("$PID")
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's|^listening on http://[^ ]*:\([0-9][0-9]*\)$|\1|p' "$tmp/$name.log" | head -n 1 || true)
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare_echo: $name server did not start:" >&2
  cat "$tmp/$name.log" >&2
  exit 1
}

# Each server and the generator run in a session of their own (setsid): with the kernel's
# autogroup scheduling, CPU time is shared between sessions first, so otherwise the generator and
# the server would split one session's share between them on a busy machine.
server_pin=()
load_pin=()
if command -v setsid >/dev/null; then
  server_pin=(setsid)
  load_pin=(setsid)
fi
if [ "$pin" = 1 ]; then
  command -v taskset >/dev/null || { echo "compare_echo: --pin needs taskset" >&2; exit 1; }
  [ "$(nproc)" -ge 2 ] || { echo "compare_echo: --pin needs 2 CPUs" >&2; exit 1; }
  server_pin+=(taskset -c 1)
  load_pin+=(taskset -c 0)
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start_server ours "${server_pin[@]}" "$ours_bin" "${ours_args[@]}"
ours_port=$PORT ours_pid=$PID
start_server node "${server_pin[@]}" "$node" "$here/node_echo_server.js" --port 0 --lifetime 3600000
node_port=$PORT node_pid=$PID
# The servers live in sessions of their own, out of reach of a process-group kill: a watchdog
# (in its own session too) stops them if this script disappears without running its EXIT trap
# (e.g. SIGKILL from a test driver's timeout).
if command -v setsid >/dev/null; then
  setsid sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM "$2" "$3" 2>/dev/null' \
    watchdog "$$" "$ours_pid" "$node_pid" </dev/null >/dev/null 2>&1 &
fi
echo "compare_echo: ours ($ours_bin${ours_args[*]:+ ${ours_args[*]}}) on port $ours_port, node socket.io on port $node_port" >&2

common=(--connections "$connections" --payload "$payload" --warmup "$warmup"
        --duration "$duration" --threads "$threads")
# run_load NAME PORT PID MODE ROUND [ARGS...] — one generator run into $tmp/NAME-MODE-ROUND.json.
run_load() {
  local name=$1 port=$2 pid=$3 mode=$4 round=$5; shift 5
  echo "compare_echo: $mode loop against $name (round $round of $rounds)" >&2
  if ! "${load_pin[@]}" "$load_bin" --port "$port" --label "$name" --server-pid "$pid" \
      --mode "$mode" "${common[@]}" "$@" >"$tmp/$name-$mode-$round.json"; then
    echo "compare_echo: the $mode-loop run against $name failed" >&2
    exit 1
  fi
}
# run_phase MODE [ARGS...] — `rounds` runs per server; odd rounds ours first, even rounds node
# first, so that neither server always runs first on a machine whose load drifts.
run_phase() {
  local mode=$1; shift
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
      run_load ours "$ours_port" "$ours_pid" "$mode" "$r" "$@"
      run_load node "$node_port" "$node_pid" "$mode" "$r" "$@"
    else
      run_load node "$node_port" "$node_pid" "$mode" "$r" "$@"
      run_load ours "$ours_port" "$ours_pid" "$mode" "$r" "$@"
    fi
  done
}
files() { seq "$rounds" | sed "s|.*|$tmp/$1-$2-&.json|" | paste -sd, -; }

run_phase closed --inflight "$inflight"
if [ "$rate" = auto ]; then
  rate=$("$node" "$here/echo_report.mjs" rate "$fraction" "$(files ours closed)" "$(files node closed)")
fi
run_phase open --rate "$rate"

# Metadata the runs cannot know: what each server is and how the machine looked.
build_desc="$build_type build"
if [ -n "${OURS_BIN:-}" ]; then build_desc="given by OURS_BIN, build type unknown"; fi
UNM_META_OURS="$ours_bin${ours_args[*]:+ ${ours_args[*]}} ($build_desc): Boost.Beast/Asio, one io_context run by 1 I/O thread (one strand)" \
UNM_META_CONFIG="$connections $inflight $payload $duration $warmup $rate $threads $fraction $rounds $pin" \
"$node" -e '
  const fs = require("fs"), os = require("os"), path = require("path");
  const sio = require(path.join(process.argv[1], "node_modules/socket.io/package.json")).version;
  const ws = require(path.join(process.argv[1], "node_modules/ws/package.json")).version;
  const [connections, inflight, payload, duration, warmup, rate, threads, fraction, rounds, pin] =
    process.env.UNM_META_CONFIG.split(" ").map(Number);
  const meta = {
    host: { hostname: os.hostname(), cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? "",
            load_average_start: process.argv[3].split(" ").map(Number),
            load_average_end: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    config: { connections, inflight, payload_bytes: payload, duration_s: duration, warmup_s: warmup,
              rate_per_s: rate, rate_fraction: fraction, generator_threads: threads, rounds,
              pinned: pin === 1 ? "servers on CPU 1, generator on CPU 0" : "no",
              event: "message-with-ack", transport: "websocket" },
    servers: {
      ours: { description: process.env.UNM_META_OURS, io_threads: 1 },
      node: { description: `socket.io ${sio} (ws ${ws}, no native add-ons) on node ${process.version}: one JavaScript thread (plus V8/libuv helper threads)`,
              io_threads: 1, node: process.version, socket_io: sio, ws },
    },
  };
  fs.writeFileSync(process.argv[2], JSON.stringify(meta));' "$root/interop" "$tmp/meta.json" "$load_start"

"$node" "$here/echo_report.mjs" combine --out "$out" --meta "$tmp/meta.json" \
  --ours-closed "$(files ours closed)" --node-closed "$(files node closed)" \
  --ours-open "$(files ours open)" --node-open "$(files node open)"
echo "compare_echo: wrote $out" >&2
