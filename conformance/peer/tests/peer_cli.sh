#!/bin/sh
# peer_cli.sh CONFORMANCE SERVER CLIENT — CTest driver (docs/observe.md, "peer"): the reference
# CLI (unmanageable-client) is the client under test, `unmanageable-conformance peer` the user it
# talks to, on a fresh reference server:
#  1. alice befriends the peer (the peer accepts), creates a DM with it and sends a message;
#  2. the peer joins through X3DH (CR-X3DH-004, CR-TREE-006/007), verifies and decrypts
#     (CR-SIG-002, CR-AEAD-001) and echoes "echo: <text>";
#  3. alice's `history --json` shows the echo decrypted (status ok);
#  4. a reaction and an edit by alice are verified by the peer too;
#  5. on SIGTERM the peer writes its reports: zero findings, the clauses checked, exit 0.
# Loopback only; every process is stopped at the end.
set -u
conf="$1"
server="$2"
client="$3"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/peer-cli-XXXXXX")"
spid=""
ppid_=""
cleanup() {
  [ -n "$ppid_" ] && kill -9 "$ppid_" 2>/dev/null
  [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- peer output:"
  tail -40 "$tmp/peer.out" 2>/dev/null
  exit 1
}

# shellcheck source=../../tests/wait.sh
. "$(dirname "$0")/../../tests/wait.sh"

"$server" --listen 127.0.0.1:0 --db "$tmp/chat.db" --x3dh-delay-ms 0 >"$tmp/server.out" \
  2>"$tmp/server.err" &
spid=$!
surl="$(wait_url "$tmp/server.out")" || fail "the server did not start"

"$conf" peer --target "$surl" --username peerbot --profile "$tmp/p-peer" --duration 50 \
  --json "$tmp/peer.json" --junit "$tmp/peer.xml" --html "$tmp/peer.html" >"$tmp/peer.out" 2>&1 &
ppid_=$!
wait_for "$tmp/peer.out" 'peer: ready as peerbot' || fail "the peer did not start"

cli() {
  "$client" --server "$surl" --profile "$tmp/p-alice" --timeout 10 "$@"
}
cli register alice >/dev/null || fail "register alice"
cli friend add peerbot >/dev/null || fail "friend add"
wait_for "$tmp/peer.out" 'accepted the friend request of alice' || fail "the peer did not accept"
cli --json friend list | grep -q '"peerbot"' || fail "peerbot is not alice's friend"
dm="$(cli --json dm create peerbot | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$')"
[ -n "$dm" ] || fail "dm create"
wait_for "$tmp/peer.out" "joined DM $dm (invited by alice)" || fail "the peer did not join DM $dm"
cli send "$dm" "hello peer" >/dev/null || fail "send"
wait_for "$tmp/peer.out" "echoed in DM $dm" || fail "no echo"
cli --json history "$dm" >"$tmp/history.json" || fail "history"
# The echo is shown decrypted and verified; alice's own message too.
tr -d ' \n' <"$tmp/history.json" | grep -q '"sender":"peerbot"' || fail "no message from the peer"
tr -d ' \n' <"$tmp/history.json" | grep -q '"status":"ok","text":"echo:hellopeer"' ||
  { cat "$tmp/history.json"; fail "the echo is not shown decrypted"; }
grep -q '"status": *"bad_signature"\|"status": *"undecryptable"' "$tmp/history.json" &&
  fail "history shows content that failed verification"

# A reaction and an edit by the client are verified by the peer as well.
mid="$(tr -d ' \n' <"$tmp/history.json" | grep -o '"id":[0-9]*,"dm_id":[0-9]*,"sender":"alice"' |
  head -1 | grep -o '^"id":[0-9]*' | grep -o '[0-9]*$')"
[ -n "$mid" ] || { cat "$tmp/history.json"; fail "alice's message id"; }
cli react "$mid" "thumbs up" >/dev/null || fail "react"
wait_for "$tmp/peer.out" "reaction [0-9]* on message $mid from alice: ok" ||
  fail "the peer did not verify the reaction"
cli edit "$mid" "hello again" >/dev/null || fail "edit"
wait_for "$tmp/peer.out" "message $mid in DM $dm from alice: edited, ok" ||
  fail "the peer did not verify the edit"

# SIGTERM: the peer stops, writes its reports and exits 0 (no finding).
kill -TERM "$ppid_"
wait "$ppid_"
rc=$?
ppid_=""
[ "$rc" -eq 0 ] || fail "peer exit status $rc"
grep -q 'stopped by: signal SIGTERM' "$tmp/peer.out" || fail "stop reason"
tr -d ' \n' <"$tmp/peer.json" >"$tmp/peer.flat"
grep -q '"tool": *"unmanageable-conformance peer"' "$tmp/peer.json" || fail "JSON report tool"
grep -q '"client":{"fail":0,"non_strict":0' "$tmp/peer.flat" || { cat "$tmp/peer.json"; fail "client findings"; }
grep -q '"server":{"fail":0,"non_strict":0' "$tmp/peer.flat" || { cat "$tmp/peer.json"; fail "server findings"; }
grep -q '"CR-SIG-002":{"checked":[2-9]' "$tmp/peer.flat" || fail "CR-SIG-002 not counted"
grep -q '"CR-X3DH-004":{"checked":1' "$tmp/peer.flat" || fail "CR-X3DH-004 not counted"
grep -q '<testsuite' "$tmp/peer.xml" || fail "JUnit report"
grep -q '<title>peer report</title>' "$tmp/peer.html" || fail "HTML report"
grep -q 'name="peer.client"' "$tmp/peer.xml" || fail "JUnit suite name"
echo "peer: $(grep '^peer: [0-9]* friends' "$tmp/peer.out" | tail -1)"
echo "PASS"
