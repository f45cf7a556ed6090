#!/bin/sh
# run_server_interop.sh ECHO_SERVER_BINARY INTEROP_DIR [SCRIPT [ARGS...]] — CTest driver: a node
# script from INTEROP_DIR (default server_interop.mjs: the official JavaScript socket.io-client
# drives our echo server) runs against ECHO_SERVER_BINARY.
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
script="${3:-server_interop.mjs}"
[ $# -ge 3 ] && shift 3 || shift $#
exec "$node" "$dir/$script" "$server" "$@"
