#!/usr/bin/env bash
# run-socketio-compliance.sh — run the official Engine.IO and Socket.IO compliance suites (the
# `test-suite/` folders of github.com/socketio/engine.io-protocol and
# github.com/socketio/socket.io-protocol, unmodified) against `unmanageable-server --echo` on
# localhost:3000, the address and timings the suites expect (transport.md §4). Not part of CI:
# the suites are not in this repository, the user points the script at them.
# Documentation: docs/transport.md, "Running the published compliance suites".
set -uo pipefail

usage() {
  cat <<'EOF'
usage: scripts/run-socketio-compliance.sh [options] SUITES_DIR
       scripts/run-socketio-compliance.sh [options] ENGINE_IO_TEST_SUITE SOCKET_IO_TEST_SUITE

Runs the official compliance suites, unmodified, with mocha --retries 2 against
`unmanageable-server --echo --ping-interval 300 --ping-timeout 200 --max-payload 1000000
--connect-timeout 1000` listening on 127.0.0.1:3000, then stops the server and prints the
passing/failing counts of each suite.

SUITES_DIR holds clones of both repositories:
  git clone https://github.com/socketio/engine.io-protocol SUITES_DIR/engine.io-protocol
  git clone https://github.com/socketio/socket.io-protocol SUITES_DIR/socket.io-protocol
or give the two test-suite/ folders themselves. A suite without node_modules/ gets
`npm ci` first (needs the npm registry).

options:
  --server PATH   server executable (default build/release/reference/tools/unmanageable-server,
                  or $UNM_SERVER)
  --runs N        run both suites N times in a row (default 1)
  --only NAME     run only one suite: engine.io or socket.io
  --help          print this text

Needs node and npm. Port 3000 on 127.0.0.1 must be free.
Exit status: 0 every run of every suite passed; 1 a suite had failures (or did not run to the
end); 2 usage or set-up error (missing folder, server, node, or port 3000 in use).
EOF
}

die() {
  echo "run-socketio-compliance: $*" >&2
  exit 2
}

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
server="${UNM_SERVER:-$repo_root/build/release/reference/tools/unmanageable-server}"
runs=1
only=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help | -h)
      usage
      exit 0
      ;;
    --server)
      [ $# -ge 2 ] || die "--server needs a path"
      server="$2"
      shift 2
      ;;
    --runs)
      [ $# -ge 2 ] || die "--runs needs a number"
      runs="$2"
      shift 2
      ;;
    --only)
      [ $# -ge 2 ] || die "--only needs engine.io or socket.io"
      only="$2"
      shift 2
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done

case "$runs" in
  '' | *[!0-9]* | 0) die "--runs must be a positive number" ;;
esac
case "$only" in
  '' | engine.io | socket.io) ;;
  *) die "--only must be engine.io or socket.io" ;;
esac

case ${#args[@]} in
  1)
    eio_suite="${args[0]}/engine.io-protocol/test-suite"
    sio_suite="${args[0]}/socket.io-protocol/test-suite"
    ;;
  2)
    eio_suite="${args[0]}"
    sio_suite="${args[1]}"
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac

suites=()
[ "$only" != socket.io ] && suites+=("engine.io:$eio_suite")
[ "$only" != engine.io ] && suites+=("socket.io:$sio_suite")
for entry in "${suites[@]}"; do
  dir="${entry#*:}"
  if [ ! -f "$dir/test-suite.js" ] || [ ! -f "$dir/package.json" ]; then
    die "${entry%%:*} suite not found: $dir has no test-suite.js and package.json (see --help)"
  fi
done
command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
[ -x "$server" ] || die "no server executable at $server (build it: cmake --build build/release --target unmanageable-server, or use --server)"

for entry in "${suites[@]}"; do
  dir="${entry#*:}"
  if [ ! -d "$dir/node_modules" ]; then
    echo "run-socketio-compliance: installing the ${entry%%:*} suite's dependencies (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed in $dir"
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/unm-socketio-compliance.XXXXXX")"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  server_pid=""
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The suites hard-code http://localhost:3000 and these timings.
"$server" --echo --listen 127.0.0.1:3000 --ping-interval 300 --ping-timeout 200 \
  --max-payload 1000000 --connect-timeout 1000 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on' "$work/server.out" && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    server_pid=""
    echo "run-socketio-compliance: the server exited (is port 3000 in use?):" >&2
    cat "$work/server.out" "$work/server.err" >&2
    exit 2
  fi
  sleep 0.1
done
grep -q '^listening on' "$work/server.out" || die "the server did not start listening"
echo "run-socketio-compliance: $(head -n 1 "$work/server.out") ($server --echo)"

status=0
summary=()
for run in $(seq 1 "$runs"); do
  for entry in "${suites[@]}"; do
    name="${entry%%:*}"
    dir="${entry#*:}"
    log="$work/$name-$run.log"
    (cd "$dir" && ./node_modules/.bin/mocha --retries 2 --reporter spec test-suite.js) >"$log" 2>&1
    rc=$?
    passing="$(sed -n 's/^ *\([0-9][0-9]*\) passing.*/\1/p' "$log" | tail -n 1)"
    failing="$(sed -n 's/^ *\([0-9][0-9]*\) failing.*/\1/p' "$log" | tail -n 1)"
    line="run $run/$runs  $name-protocol suite: ${passing:-0} passing, ${failing:-0} failing"
    if [ "$rc" -ne 0 ] || [ -z "$passing" ] || [ "${failing:-0}" -ne 0 ]; then
      status=1
      line="$line  FAILED (mocha exit $rc)"
      echo "----- $name-protocol suite, run $run: mocha output -----" >&2
      cat "$log" >&2
    fi
    echo "$line"
    summary+=("$line")
  done
done
stop_server

echo "run-socketio-compliance: summary ($(date -u '+%Y-%m-%d %H:%M UTC'))"
printf '  %s\n' "${summary[@]}"
if [ "$status" -eq 0 ]; then
  echo "run-socketio-compliance: all suites passed"
else
  echo "run-socketio-compliance: FAILURES (mocha output above)" >&2
fi
exit "$status"
