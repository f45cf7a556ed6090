#!/bin/sh
# run_chat_interop.sh SERVER_BINARY INTEROP_DIR — CTest driver: the official JavaScript
# socket.io-client with @noble/curves (interop/node_modules) runs one full chat flow against
# `unmanageable-server` (chat_flow.mjs). Exit 77 (CTest "skipped") when node or the npm
# packages are absent, and say so.
set -u
server="$1"
dir="$2"
node="${UNM_NODE:-}"
if [ -z "$node" ] || [ ! -x "$node" ]; then node="$(command -v node || true)"; fi
if [ -z "$node" ]; then
  echo "SKIPPED: node is not installed"
  exit 77
fi
for pkg in socket.io-client @noble/curves; do
  if [ ! -d "$dir/node_modules/$pkg" ]; then
    echo "SKIPPED: $dir/node_modules/$pkg is absent (run scripts/bootstrap.sh)"
    exit 77
  fi
done
exec "$node" "$dir/chat_flow.mjs" "$server"
