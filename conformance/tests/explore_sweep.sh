#!/usr/bin/env bash
# explore_sweep.sh — explore against every fault of the catalogue (docs/explore.md, "Proof").
# Not a CTest (about 15 minutes): a measurement of what explore finds.
#
#   explore_sweep.sh SERVER RUNNER [SECONDS] [EXPLORE ARGS…]
#
# For each fault of `SERVER --inject-fault list`: a fresh faulty server (127.0.0.1, port chosen
# by the OS, X3DH delay 0), `RUNNER explore` for SECONDS (default 30) of exploring and at most
# 60 s of shrinking. Prints one line per fault: name, finder column, clause, `found SIGNATURE
# (N steps)` or `missed`; then the count. Exit 0. FAULTS="a b …" limits the sweep to those.
set -u
server_exe="$1" runner="$2" seconds="${3:-30}"
shift 2
[ $# -gt 0 ] && shift
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/reference_server.sh"
export X3DH_DELAY_MS=0
found=0 total=0
while IFS=$'\t' read -r name clause _ finder; do
  [ -n "$name" ] || continue
  if [ -n "${FAULTS:-}" ] && [[ " $FAULTS " != *" $name "* ]]; then continue; fi
  work="$(mktemp -d)"
  UNM_ALLOW_FAULTS=1 start_reference_server "$server_exe" "$work" --inject-fault "$name" || {
    echo "$name: the server did not start" >&2
    rm -rf "$work"
    continue
  }
  "$runner" explore --target "$url" --x3dh-delay-ms 0 --duration "${seconds}s" \
    --shrink-budget 60s --out "$work/explore" --quiet "$@" >"$work/log" 2>&1
  result="$(python3 -c "
import json
r = json.load(open('$work/explore/report.json'))
f = [x for x in r['findings'] if not x['known']]
print('found %s (%d steps)' % (f[0]['signature'], f[0]['shrunk_length']) if f else 'missed')
" 2>/dev/null || echo "error: no report")"
  stop_reference_server
  rm -rf "$work"
  total=$((total + 1))
  case "$result" in found*) found=$((found + 1)) ;; esac
  printf '%-32s %-8s %-12s %s\n' "$name" "$finder" "$clause" "$result"
done < <(UNM_ALLOW_FAULTS=1 "$server_exe" --inject-fault list)
echo "found: $found of $total"
