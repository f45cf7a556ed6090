#!/usr/bin/env bash
# e2e.sh SERVER_EXE RUNNER_EXE [run args…] — the default suite against a freshly started
# reference server (127.0.0.1, port chosen by the OS, temporary SQLite file). Exit status is the
# runner's: the suite must pass against the reference server.
set -euo pipefail
server_exe="$1"
runner_exe="$2"
shift 2
work="$(mktemp -d "${TMPDIR:-/tmp}/unm-conf-e2e.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
"$server_exe" --listen 127.0.0.1:0 --db "$work/e2e.db" --x3dh-delay-ms 500 --log-level warn \
  >"$work/out" 2>"$work/err" &
server_pid=$!
url=""
for _ in $(seq 1 200); do
  url="$(sed -n 's/^listening on \(http[s]*:\/\/[^ ]*\).*/\1/p' "$work/out" | head -n 1)"
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/err" >&2; exit 2; }
  sleep 0.1
done
[ -n "$url" ] || { echo "server did not start" >&2; exit 2; }
"$runner_exe" run --target "$url" --jobs 2 --quiet --junit "$work/junit.xml" "$@"
status=$?
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout --schema "$(dirname "$0")/../schema/junit.xsd" "$work/junit.xml"
fi
exit "$status"
