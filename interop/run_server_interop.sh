#!/bin/sh
# run_server_interop.sh ECHO_SERVER_BINARY INTEROP_DIR — CTest driver: the official JavaScript
# socket.io-client (interop/node_modules) drives our echo server (server_interop.mjs).
# Exit 77 (CTest "skipped") when node or the npm packages are absent, and say so.
set -u
server="$1"
dir="$2"
node="${UNM_NODE:-}"
if [ -z "$node" ] || [ ! -x "$node" ]; then node="$(command -v node || true)"; fi
if [ -z "$node" ]; then
  echo "SKIPPED: node is not installed"
  exit 77
fi
if [ ! -d "$dir/node_modules/socket.io-client" ]; then
  echo "SKIPPED: $dir/node_modules/socket.io-client is absent (run scripts/bootstrap.sh)"
  exit 77
fi
exec "$node" "$dir/server_interop.mjs" "$server"
