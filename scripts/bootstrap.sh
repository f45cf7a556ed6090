#!/usr/bin/env bash
# bootstrap.sh [--test] — install everything the project needs on a fresh Debian 12 machine.
# Idempotent: when every package is present it does nothing (no apt-get update, no network).
# Only Debian's apt and the npm registry are used.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(
  build-essential cmake ninja-build ccache pkg-config git
  libsodium-dev libboost1.81-dev rapidjson-dev librapidcheck-dev libsqlite3-dev libssl-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang-14 libclang-rt-14-dev
  sqlite3 nodejs npm libxml2-utils
  dpkg-dev file   # the Debian package: dpkg-shlibdeps computes Depends, CPack finds ELF files with file
)
# Tests also render the conformance HTML report in headless Chromium (--test).
if [ "${1:-}" = "--test" ]; then
  debs+=(chromium)
fi

missing=()
for p in "${debs[@]}"; do
  # npm/nodejs may come from outside Debian on developer machines: accept the commands.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node packages for interoperability tests and the JavaScript benchmark, pinned by
# package-lock.json files; installed into project-local node_modules folders.
for dir in interop; do
  if [ -f "$dir/package-lock.json" ] && command -v npm >/dev/null 2>&1; then
    stamp="$dir/node_modules/.bootstrap-stamp"
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
      echo "bootstrap: npm ci in $dir" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
      touch "$stamp"
    fi
  fi
done
