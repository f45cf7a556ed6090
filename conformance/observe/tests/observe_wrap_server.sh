#!/bin/sh
# observe_wrap_server.sh SERVER-FLAGS… — a stand-in "server" for interop/chat_flow.mjs (which
# starts the server binary it is given and reads its "listening on URL" line): it starts the real
# server ($OBSERVE_SERVER, with the flags given) and `observe` in front of it, prints only
# observe's line, and on SIGTERM stops both; its exit status is observe's (1 = findings), or 1
# when the server did not stop cleanly. $OBSERVE_JSON receives observe's JSON report; the pids of
# both children are written to $OBSERVE_PIDFILE, so that the caller can stop them should this
# wrapper be killed (chat_flow.mjs sends SIGKILL when it fails).
set -u
# shellcheck source=../../tests/wait.sh
. "$(dirname "$0")/../../tests/wait.sh"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/observe-wrap-XXXXXX")"
"$OBSERVE_SERVER" "$@" >"$tmp/server.out" 2>"$tmp/server.err" &
spid=$!
surl="$(wait_url "$tmp/server.out")" || { kill -9 "$spid"; rm -rf "$tmp"; exit 1; }
"$OBSERVE_CONFORMANCE" observe --listen 127.0.0.1:0 --upstream "$surl" --json "$OBSERVE_JSON" &
opid=$!
[ -n "${OBSERVE_PIDFILE:-}" ] && echo "$spid $opid" >"$OBSERVE_PIDFILE"
stop() {
  kill -TERM "$opid"
  wait "$opid"
  orc=$?
  kill -TERM "$spid"
  wait "$spid"
  src=$?
  [ -n "${OBSERVE_PIDFILE:-}" ] && rm -f "$OBSERVE_PIDFILE"
  rm -rf "$tmp"
  [ "$src" -eq 0 ] || exit 1
  exit "$orc"
}
trap stop TERM INT
wait "$opid"
# observe ended by itself: that is an error.
kill -9 "$spid"
rm -rf "$tmp"
exit 1
