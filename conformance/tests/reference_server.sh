# reference_server.sh — sourced by the e2e scripts: start_reference_server SERVER_EXE WORKDIR
# [EXTRA SERVER ARGS…] starts the reference server on 127.0.0.1 (port chosen by the OS, SQLite
# file in WORKDIR, X3DH delay $X3DH_DELAY_MS, default 500), sets $server_pid and $url;
# stop_reference_server stops it. Callers set an EXIT trap that calls it.
start_reference_server() {
  local exe="$1" dir="$2"
  shift 2
  "$exe" --listen 127.0.0.1:0 --db "$dir/e2e.db" --x3dh-delay-ms "${X3DH_DELAY_MS:-500}" \
    --log-level warn "$@" >"$dir/out" 2>"$dir/err" &
  server_pid=$!
  url=""
  for _ in $(seq 1 200); do
    url="$(sed -n 's/^listening on \(http[s]*:\/\/[^ ]*\).*/\1/p' "$dir/out" | head -n 1)"
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir/err" >&2; return 2; }
    sleep 0.1
  done
  echo "server did not start" >&2
  return 2
}

stop_reference_server() {
  if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
