#!/usr/bin/env bash
# minimize-corpus.sh — shrink checked-in corpora to a minimal set with the same coverage.
#
# usage: fuzz/minimize-corpus.sh TARGET|all [--build DIR] [--dry-run]
#   TARGET     one of the fuzz targets, or `all`
#   --build    the clang `fuzz` build directory (default build/fuzz)
#   --dry-run  report what would be kept, leave fuzz/corpus/ unchanged
#
# Campaigns (run-campaign.sh) only ever add inputs that bring new coverage, so a corpus grows with
# inputs that later ones make redundant. This runs libFuzzer's merge of the whole corpus into an
# empty folder (which keeps a smallest set with the same features) and replaces the corpus with
# it. Regression inputs (files named regress-*) are always kept: they pin fixed bugs, whatever
# their coverage. Exit status: 0 done, 2 usage or build problem.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=fuzz/targets.sh
. "$HERE/targets.sh"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
WHICH="$1"; shift
BUILD="$ROOT/build/fuzz"; DRY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "minimize-corpus: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
select_targets minimize-corpus "$WHICH"

for t in $TARGETS; do
  bin="$BUILD/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "minimize-corpus: $bin missing; build it: cmake --build --preset fuzz" >&2; exit 2; }
  corpus="$ROOT/fuzz/corpus/$t"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/min" "$tmp/artifacts"
  "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$tmp/artifacts/" \
    "$tmp/min" "$corpus" > "$tmp/merge.log" 2>&1 || {
      echo "minimize-corpus: $t: merge failed (see below); corpus left unchanged" >&2
      tail -5 "$tmp/merge.log" >&2; exit 2; }
  find "$corpus" -maxdepth 1 -type f -name 'regress-*' -exec cp -p {} "$tmp/min/" \;
  before=$(find "$corpus" -type f | wc -l); after=$(find "$tmp/min" -type f | wc -l)
  printf '%-16s %6s -> %6s files\n' "$t" "$before" "$after"
  if [ "$DRY" = 0 ]; then
    find "$corpus" -maxdepth 1 -type f -delete
    cp -p "$tmp/min/"* "$corpus/"
  fi
  rm -rf "$tmp"; trap - EXIT
done
