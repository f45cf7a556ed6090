#!/bin/sh
# peer_script_cli.sh CONFORMANCE SERVER CLIENT SCRIPT — CTest driver (docs/observe.md, "peer"):
# `peer --script tests/hostile.json` sends the reference CLI (the client under test) what a
# robust client must survive or refuse, on a fresh reference server, and the CLI's own output
# shows what it did with each:
#  - a correct message, edited: shown as the edited text;
#  - a message with a flipped AES-GCM tag: shown as undecryptable, never as text (CR-AEAD-001);
#  - a message signed by a foreign key: refused by the reference server (EV-MSG-004), so it never
#    reaches the client — the peer's report says so;
#  - a reaction (the server re-sends the message, EV-MSG-029): one message, the reaction shown;
#  - a scheduled message: appears later; a self-destructing one: shown with its delete time;
#  - a DM with itself: refused by the server (EV-DM-001); a group DM with the client and carol:
#    joined by both through X3DH, its message decrypted.
# The peer's JSON report lists the ten steps with their outcomes and has zero findings.
set -u
conf="$1"
server="$2"
client="$3"
script="$4"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/peer-script-XXXXXX")"
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
"$conf" peer --target "$surl" --username peerbot --duration 50 --script "$script" \
  --json "$tmp/peer.json" --html "$tmp/peer.html" >"$tmp/peer.out" 2>&1 &
ppid_=$!
wait_for "$tmp/peer.out" 'peer: ready as peerbot' || fail "the peer did not start"

cli() {
  who="$1"
  shift
  "$client" --server "$surl" --profile "$tmp/p-$who" --timeout 10 "$@"
}
cli alice register alice >/dev/null || fail "register alice"
cli carol register carol >/dev/null || fail "register carol"
cli alice friend add peerbot >/dev/null || fail "friend add"
wait_for "$tmp/peer.out" 'accepted the friend request of alice' || fail "the peer did not accept"
dm="$(cli alice --json dm create peerbot | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$')"
[ -n "$dm" ] || fail "dm create"
cli alice send "$dm" "hello peer" >/dev/null || fail "send"
wait_for "$tmp/peer.out" 'script step 10 ' || fail "the script did not run to its end"

# The scheduled message (2 s) has been sent by now, or shortly.
i=0
while [ $i -lt 50 ]; do
  cli alice --json history "$dm" 2>/dev/null | tr -d '\n' >"$tmp/history.json"
  grep -q '"text": *"later"' "$tmp/history.json" && break
  sleep 0.1
  i=$((i + 1))
done
h="$tmp/history.json"
grep -q '"status": *"ok", *"text": *"later"' "$h" || { cat "$h"; fail "the scheduled message"; }
grep -q '"status": *"ok", *"text": *"plain from peer, edited"' "$h" || fail "the edit"
grep -q '"text": *"plain from peer"[,}]' "$h" && fail "the text before the edit is still shown"
grep -q '"status": *"undecryptable", *"text": *null' "$h" || fail "the tampered tag"
grep -q 'tampered tag' "$h" && fail "the tampered message is shown as text"
grep -q 'forged signature' "$h" && fail "the forged message reached the client"
grep -q '"text": *"ephemeral", *"timestamp": *"[^"]*", *"delete_timestamp": *"2' "$h" ||
  fail "the self-destructing message has no delete_timestamp"
grep -q '"sender": *"peerbot", *"status": *"ok", *"text": *"peer likes this"' "$h" ||
  fail "the reaction"
[ "$(grep -o '"text": *"hello peer"' "$h" | wc -l)" -eq 1 ] ||
  fail "the message re-sent with the reaction (EV-MSG-029) is listed twice"
group="$(cli alice --json dm list | tr -d '\n' | grep -o '"id": *[0-9]*, *"name": *null, *"users": *\["peerbot"' |
  grep -o '^"id": *[0-9]*' | grep -o '[0-9]*$')"
[ -n "$group" ] || fail "the group DM created by the peer"
cli alice --json history "$group" | grep -q '"status": *"ok", *"text": *"hello group"' ||
  fail "alice cannot read the group DM"
cli carol login --wait 1 >/dev/null || fail "carol login"
cli carol --json history "$group" | grep -q '"status": *"ok", *"text": *"hello group"' ||
  fail "carol cannot read the group DM"

kill -TERM "$ppid_"
wait "$ppid_"
rc=$?
ppid_=""
[ "$rc" -eq 0 ] || fail "peer exit status $rc"
j="$(tr -d '\n' <"$tmp/peer.json")"
echo "$j" | grep -q '"findings": *\[\]' || { echo "$j"; fail "findings"; }
[ "$(echo "$j" | grep -o '"step": *[0-9]*' | wc -l)" -eq 10 ] || fail "ten script steps"
echo "$j" | grep -q 'foreign signature[^}]*"accepted_by_server": *false' ||
  fail "the foreign signature: refused by the server"
echo "$j" | grep -q '"create a DM with peerbot"[^}]*"accepted_by_server": *false' ||
  fail "the DM with itself: refused by the server"
grep -q '<h2>script</h2>' "$tmp/peer.html" || fail "the script table in the HTML report"
echo "PASS: $(grep -c 'script step' "$tmp/peer.out") script steps"
