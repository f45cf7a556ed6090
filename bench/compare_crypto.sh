#!/usr/bin/env bash
# compare_crypto.sh — runs bench_crypto (C++, libsodium) and bench/js/noble_bench.mjs (the web
# client's JavaScript libraries) and prints the ratios docs/benchmarks.md records:
#   1. TreeCreate/128: JavaScript time / C++ wall time on every core (target >= 50; the issue
#      allows both cores; JavaScript is single-threaded, so its CPU time is its wall time)
#   2. TreeCreateSerial/128 (one thread, CPU time) / the sum of the primitives the algorithm
#      needs (target <= 1.2)
#   3. TreeReceive/1024: C++ time / (one X3DH receive + log2(M) scalar mults) (target <= 1.2)
#
# Usage: bench/compare_crypto.sh [BUILD_DIR] [--quick] [--strict]
#   BUILD_DIR  a configured build with UNM_BUILD_BENCH=ON (default: build/release); bench_crypto
#              is built there first
#   --quick    JavaScript skips TreeCreate/512 and /1024 (minutes per iteration when loaded)
#   --strict   exit 1 when a target is missed (default: report only; timing is not a test)
# Environment: REPS (C++ repetitions, randomly interleaved to even out load drift; default 5),
#              JS_MIN_MS (ms per JS benchmark, default 1000).
# Output: a table on stdout; raw JSON in BUILD_DIR/bench-results/{cpp,js}.json.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/release
quick=()
strict=0
for a in "$@"; do
  case "$a" in
    --quick) quick=(--quick) ;;
    --strict) strict=1 ;;
    -*) echo "compare_crypto: unknown option $a" >&2; exit 2 ;;
    *) build=$a ;;
  esac
done

if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "compare_crypto: $build is not a configured build; e.g." >&2
  echo "  cmake --preset release && bench/compare_crypto.sh build/release" >&2
  exit 2
fi
cmake --build "$build" --target bench_crypto -j2 >&2
bin=$(find "$build" -type f -name bench_crypto -perm -u+x | head -n 1)
[ -n "$bin" ] || { echo "compare_crypto: bench_crypto not found under $build" >&2; exit 2; }

out="$build/bench-results"
mkdir -p "$out"
echo "compare_crypto: running $bin (REPS=${REPS:-5})" >&2
"$bin" --benchmark_format=json --benchmark_repetitions="${REPS:-5}" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true >"$out/cpp.json"
echo "compare_crypto: running node bench/js/noble_bench.mjs" >&2
node bench/js/noble_bench.mjs "${quick[@]}" --min-ms "${JS_MIN_MS:-1000}" >"$out/js.json"

STRICT=$strict node - "$out/cpp.json" "$out/js.json" <<'JS'
const fs = require('node:fs');
const [cppFile, jsFile] = process.argv.slice(2);
const cpp = JSON.parse(fs.readFileSync(cppFile, 'utf8'));
const js = JSON.parse(fs.readFileSync(jsFile, 'utf8'));
const toUs = { ns: 1e-3, us: 1, ms: 1e3, s: 1e6 };
// C++: the median of the repetitions, in microseconds: CPU time, except for benchmarks that run
// on several threads (UseRealTime, name suffix /real_time: TreeCreate/n), whose wall time counts.
const c = {};
for (const b of cpp.benchmarks) {
  if (b.run_type === 'aggregate' && b.aggregate_name !== 'median') continue;
  if (b.error_occurred) continue;
  const name = b.run_name || b.name;
  if (name.endsWith('/real_time')) c[name.slice(0, -'/real_time'.length)] = b.real_time * toUs[b.time_unit];
  else c[name] = b.cpu_time * toUs[b.time_unit];
}
const j = {};
for (const b of js.benchmarks) j[b.name] = b.cpu_ns_per_op / 1000;
const need = (name) => {
  if (!(name in c)) throw new Error(`bench_crypto has no result for ${name}`);
  return c[name];
};

const fmt = (us) => us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} us`;
console.log(`C++: ${cpp.context.host_name}, ${cpp.context.num_cpus} CPUs, load ${cpp.context.load_avg?.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`JS:  ${js.context.library}, node ${js.context.node}`);
console.log('');
console.log('operation                  C++ (cpu)     JS (cpu)   JS/C++   (C++ TreeCreate/n: wall time on ' + cpp.context.num_cpus + ' threads)');
// JavaScript's order is the logical one (primitives, operations, tree, AES); C++-only rows last.
const names = [...Object.keys(j), ...Object.keys(c).filter((n) => !(n in j))];
for (const n of names) {
  const a = c[n], b = j[n];
  const ratio = a !== undefined && b !== undefined ? `${(b / a).toFixed(1)}x` : '-';
  console.log(`${n.padEnd(24)} ${(a === undefined ? '-' : fmt(a)).padStart(11)} ${(b === undefined ? '-' : fmt(b)).padStart(12)} ${ratio.padStart(8)}`);
}

// Predicted cost of createGroupDM (n = 128, M = 128) from the primitives it performs:
//   per member: IK and SPK to Montgomery (each with the subgroup check), the SPK signature check,
//   4 X25519, the KDF, public(ek), SHA-512 of ek and scalar(SK);
//   tree: scalar() of the other leaves and of M-2 inner nodes, M-1 scalar products,
//   3M-3 fixed-base multiplications (M leaves' publics, M-2 inner nodes x2, the root).
const n = 128, M = 128;
const member = 2 * need('Prim_EdToCurve') + need('Prim_VerifyRaw') + 4 * need('Prim_X25519') +
  need('Prim_Kdf') + need('Prim_PublicKey') + 2 * need('Prim_ScalarOfKey');
const tree = (M - n + 1 + M - 2) * need('Prim_ScalarOfKey') + (M - 1) * need('Prim_ScalarMul') +
  (3 * M - 3) * need('Prim_BaseMult');
const predictedCreate = (n - 1) * member + tree;
// Predicted recvGroupDM (M = 1024): one X3DH receive + log2(M) variable-base multiplications.
const predictedRecv = need('X3dhReceive') + Math.log2(1024) * need('Prim_VarMult');

const checks = [
  ['TreeCreate/128 JS/C++ speed-up', j['TreeCreate/128'] / need('TreeCreate/128'), '>=', 50],
  ['TreeCreateSerial/128 C++ / sum of primitives', need('TreeCreateSerial/128') / predictedCreate, '<=', 1.2],
  ['TreeReceive/1024 C++ / (X3DH recv + 10 mults)', need('TreeReceive/1024') / predictedRecv, '<=', 1.2],
];
console.log('');
console.log(`sum of primitives, TreeCreate/128:  ${fmt(predictedCreate)} (X3DH part ${fmt((n - 1) * member)}, tree part ${fmt(tree)})`);
console.log(`X3DH receive + 10 VarMult:          ${fmt(predictedRecv)}`);
let failed = 0;
for (const [what, value, op, target] of checks) {
  const ok = op === '>=' ? value >= target : value <= target;
  if (!ok) failed++;
  console.log(`${ok ? 'MET ' : 'MISS'} ${what}: ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'} (target ${op} ${target})`);
}
if (failed && process.env.STRICT === '1') process.exit(1);
JS
