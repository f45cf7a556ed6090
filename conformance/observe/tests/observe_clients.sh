#!/bin/sh
# observe_clients.sh CONFORMANCE SERVER CLIENT SOURCE_DIR — CTest driver (docs/observe.md):
# unmodified clients talk to the reference server through `unmanageable-conformance observe`,
# which must report zero findings on either side:
#  1. the reference CLI (unmanageable-client): register, login, friends, a DM with X3DH, messages
#     (plain, scheduled, self-destructing), reactions, edit, pin, rename, history, profile;
#  2. the JavaScript socket.io-client interop flow (interop/chat_flow.mjs, polling→WebSocket
#     upgrade), which starts its "server" through observe_wrap_server.sh (observe in front of
#     the server); skipped (not failed) when node or interop/node_modules is absent.
# Also: a CORS pre-flight through the proxy is answered as the server answers it, and the JSON,
# JUnit and HTML reports are written. Loopback only; every process is stopped at the end.
set -u
conf="$1"
server="$2"
client="$3"
src="$4"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/observe-clients-XXXXXX")"
spid=""
opid=""
cleanup() {
  # Children of observe_wrap_server.sh left behind if chat_flow.mjs killed the wrapper.
  if [ -f "$tmp/wrap.pids" ]; then
    for p in $(cat "$tmp/wrap.pids"); do kill -9 "$p" 2>/dev/null; done
  fi
  [ -n "$opid" ] && kill -9 "$opid" 2>/dev/null
  [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- observe output:"
  cat "$tmp/observe.out" 2>/dev/null | tail -40
  exit 1
}

# shellcheck source=../../tests/wait.sh
. "$here/../../tests/wait.sh"

"$server" --listen 127.0.0.1:0 --db "$tmp/chat.db" --x3dh-delay-ms 0 >"$tmp/server.out" \
  2>"$tmp/server.err" &
spid=$!
surl="$(wait_url "$tmp/server.out")" || fail "the server did not start"
"$conf" observe --listen 127.0.0.1:0 --upstream "$surl" --json "$tmp/observe.json" \
  --junit "$tmp/observe.xml" --html "$tmp/observe.html" >"$tmp/observe.out" 2>&1 &
opid=$!
ourl="$(wait_url "$tmp/observe.out")" || fail "observe did not start"
echo "server $surl, observe $ourl"

cli() {
  who="$1"
  shift
  "$client" --server "$ourl" --profile "$tmp/p-$who" --timeout 10 "$@"
}
cli alice register alice >/dev/null || fail "register alice"
cli bob register bob >/dev/null || fail "register bob"
cli carol register carol >/dev/null || fail "register carol"
cli alice friend add bob >/dev/null || fail "friend add"
cli bob friend accept alice >/dev/null || fail "friend accept"
dm="$(cli alice --json dm create bob | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$')"
[ -n "$dm" ] || fail "dm create"
group="$(cli alice --json dm create bob carol | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$')"
[ -n "$group" ] || fail "group dm create"
cli bob login --wait 1 >/dev/null || fail "bob login --wait"
cli carol login --wait 1 >/dev/null || fail "carol login --wait"
cli alice send "$dm" "hello bob" >/dev/null || fail "send"
cli alice send "$group" "hello all" >/dev/null || fail "send group"
cli alice send "$dm" "later" --schedule 3600 >/dev/null || fail "send scheduled"
cli alice send "$dm" "ephemeral" --delete 600 >/dev/null || fail "send self-destructing"
mid="$(cli bob --json history "$dm" | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$')"
[ -n "$mid" ] || fail "history"
cli bob react "$mid" "ok" >/dev/null || fail "react"
cli carol history "$group" >/dev/null || fail "carol history"
cli alice edit "$mid" "hello bob, edited" >/dev/null || fail "edit"
cli bob pin "$mid" >/dev/null || fail "pin"
cli bob pinned "$dm" >/dev/null || fail "pinned"
cli bob dm rename "$dm" "Two of us" >/dev/null || fail "rename"
cli alice dm show "$dm" >/dev/null || fail "dm show"
cli alice profile --status away --bio "observed" >/dev/null || fail "profile"
cli carol users >/dev/null || fail "users"
cli bob typing "$dm" >/dev/null || fail "typing"

# A CORS pre-flight is forwarded and answered as the server answers it (TR-EIO-009).
if command -v curl >/dev/null 2>&1; then
  direct="$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: http://example.test' \
    -H 'Access-Control-Request-Method: POST' "$surl/socket.io/?EIO=4&transport=polling")"
  proxied="$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: http://example.test' \
    -H 'Access-Control-Request-Method: POST' "$ourl/socket.io/?EIO=4&transport=polling")"
  [ "$direct" = "$proxied" ] || fail "OPTIONS pre-flight: server $direct, through observe $proxied"
fi

# The JavaScript client: chat_flow.mjs starts observe_wrap_server.sh as its server, i.e. a
# second server with a second observe in front of it; the wrapper exits non-zero when that
# observe found anything.
node="${UNM_NODE:-}"
[ -n "$node" ] && [ -x "$node" ] || node="$(command -v node || true)"
if [ -n "$node" ] && [ -d "$src/interop/node_modules/socket.io-client" ] &&
  [ -d "$src/interop/node_modules/@noble/curves" ]; then
  OBSERVE_CONFORMANCE="$conf" OBSERVE_SERVER="$server" OBSERVE_JSON="$tmp/js.json" \
    OBSERVE_PIDFILE="$tmp/wrap.pids" \
    "$node" "$src/interop/chat_flow.mjs" "$here/observe_wrap_server.sh" >"$tmp/js.out" 2>&1 ||
    { cat "$tmp/js.out"; cat "$tmp/js.json" 2>/dev/null; fail "the JavaScript chat flow through observe"; }
  grep -q '"requests":[1-9]' "$tmp/js.json" || fail "observe saw no JavaScript request"
  echo "JavaScript socket.io-client through observe: $(tail -1 "$tmp/js.out")"
else
  echo "note: node or interop/node_modules absent: JavaScript client part skipped"
fi

kill -TERM "$opid"
wait "$opid"
orc=$?
opid=""
kill -TERM "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=""
tail -12 "$tmp/observe.out"
[ "$orc" -eq 0 ] || fail "observe exited $orc (findings)"
for f in observe.json observe.xml observe.html; do
  [ -s "$tmp/$f" ] || fail "report $f missing"
done
grep -q '"client":{"fail":0,"non_strict":0' "$tmp/observe.json" || fail "client findings"
grep -q '"server":{"fail":0,"non_strict":0' "$tmp/observe.json" || fail "server findings"
grep -q '"requests":[1-9]' "$tmp/observe.json" || fail "observe saw no request"
echo "ok: reference CLI$( [ -f "$tmp/js.json" ] && echo ' and JavaScript client') through observe, zero findings"
exit 0
