#!/usr/bin/env bash
# run-campaign.sh — run fuzz targets for a time budget, merge what they found into the checked-in
# corpora, and write a summary (executions, exec/s, edge coverage, features, findings) as JSON
# and text. See docs/fuzzing.md.
#
# usage: fuzz/run-campaign.sh TARGET|all [--time SECONDS] [--jobs N] [--build DIR] [--out DIR]
#                              [--no-merge] [--max-len BYTES]
#   TARGET     one of the targets below, or `all`
#   --time     seconds per target (default 300)
#   --jobs     parallel fuzzing processes per target (libFuzzer -jobs/-workers; default 1)
#   --build    the clang `fuzz` build directory (default build/fuzz)
#   --out      where logs, findings and the summary go (default build/fuzz-campaign/<UTC time>)
#   --no-merge leave fuzz/corpus/ unchanged
#
# Findings (crash-*, leak-*, timeout-*, oom-* files) stay in <out>/<target>/artifacts/; fix each
# and copy the input to fuzz/corpus/<target>/regress-<what> so the replay test keeps it fixed.
# Exit status: 0 no findings, 1 findings, 2 usage or build problem.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=fuzz/targets.sh
. "$HERE/targets.sh"

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
WHICH="$1"; shift
TIME=300; JOBS=1; BUILD="$ROOT/build/fuzz"; OUT=""; MERGE=1; MAXLEN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-merge) MERGE=0; shift ;;
    --max-len) MAXLEN="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-campaign: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$TIME" in ''|*[!0-9]*) echo "run-campaign: --time needs seconds" >&2; exit 2 ;; esac
case "$JOBS" in ''|*[!0-9]*|0) echo "run-campaign: --jobs needs a positive number" >&2; exit 2 ;; esac

select_targets run-campaign "$WHICH"
[ -n "$OUT" ] || OUT="$ROOT/build/fuzz-campaign/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"

# last_field LOG KEY prints the number after "KEY: " on the last status line that has it.
last_field() { { grep -a -o "$2: [0-9]*" "$1" 2>/dev/null || true; } | tail -1 | awk '{print $2}'; }
# stat_field LOG NAME prints libFuzzer's final stat::NAME (summed over jobs).
stat_field() { { grep -a "stat::$2:" "$1" 2>/dev/null || true; } | awk '{s += $2} END {print s + 0}'; }

JSON="$OUT/summary.json"; TEXT="$OUT/summary.txt"
printf '[\n' > "$JSON"
printf '%-16s %7s %12s %9s %7s %8s %7s %7s %s\n' target seconds execs exec/s cov ft corpus +new findings > "$TEXT"
FOUND=0; FIRST=1
for t in $TARGETS; do
  bin="$BUILD/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "run-campaign: $bin missing; build it: cmake --preset fuzz && cmake --build build/fuzz --target fuzz_$t" >&2
    exit 2
  fi
  corpus="$ROOT/fuzz/corpus/$t"; dict="$ROOT/fuzz/dict/$t.dict"
  work="$OUT/$t"; mkdir -p "$work/new" "$work/artifacts" "$corpus"
  before=$(find "$corpus" -type f | wc -l)
  args=(-max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [ -f "$dict" ] && args+=(-dict="$dict")
  [ -n "$MAXLEN" ] && args+=(-max_len="$MAXLEN")
  echo "== $t: ${TIME}s x $JOBS job(s)"
  log="$work/fuzz.log"
  set +e
  if [ "$JOBS" -gt 1 ]; then
    # -jobs runs N fuzzing processes (each for the whole budget) writing fuzz-<i>.log.
    (cd "$work" && "$bin" "${args[@]}" -jobs="$JOBS" -workers="$JOBS" "$work/new" "$corpus" > "$log" 2>&1)
    cat "$work"/fuzz-*.log >> "$log" 2>/dev/null
  else
    "$bin" "${args[@]}" "$work/new" "$corpus" > "$log" 2>&1
  fi
  set -e
  execs=$(stat_field "$log" number_of_executed_units)
  # libFuzzer's own average (summed over jobs); a run that stopped at a finding ran for less than
  # the budget, so the elapsed time is derived from it rather than assumed.
  eps=$(stat_field "$log" average_exec_per_sec)
  ran=$(( eps > 0 ? execs / eps : TIME ))
  new=$(find "$work/new" -type f | wc -l)
  if [ "$MERGE" = 1 ] && [ "$new" -gt 0 ]; then
    "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" "$corpus" "$work/new" > "$work/merge.log" 2>&1 || true
  fi
  after=$(find "$corpus" -type f | wc -l)
  # Coverage of the (merged) corpus: one pass over it, no mutation.
  "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" "$corpus" > "$work/cov.log" 2>&1 || true
  cov=$(last_field "$work/cov.log" cov); ft=$(last_field "$work/cov.log" ft)
  [ -n "$cov" ] || cov=$(last_field "$log" cov)
  [ -n "$ft" ] || ft=$(last_field "$log" ft)
  findings=$(find "$work/artifacts" -type f | sort)
  nfind=$(printf '%s' "$findings" | grep -c . || true)
  [ "$nfind" -gt 0 ] && FOUND=1
  flist=$(printf '%s\n' "$findings" | grep . | sed 's/.*/"&"/' | paste -sd, - || true)
  [ "$FIRST" = 1 ] || printf ',\n' >> "$JSON"; FIRST=0
  printf '  {"target":"%s","budget_seconds":%s,"seconds":%s,"jobs":%s,"execs":%s,"exec_per_sec":%s,"cov_edges":%s,"features":%s,"corpus_before":%s,"corpus_after":%s,"new_inputs":%s,"findings":[%s],"log":"%s"}' \
    "$t" "$TIME" "$ran" "$JOBS" "${execs:-0}" "$eps" "${cov:-0}" "${ft:-0}" "$before" "$after" "$new" "$flist" "$log" >> "$JSON"
  printf '%-16s %7s %12s %9s %7s %8s %7s %7s %s\n' "$t" "$ran" "${execs:-0}" "$eps" "${cov:-0}" "${ft:-0}" "$after" "$((after - before))" "$nfind" >> "$TEXT"
done
printf '\n]\n' >> "$JSON"
echo; cat "$TEXT"; echo; echo "summary: $JSON"
exit $FOUND
