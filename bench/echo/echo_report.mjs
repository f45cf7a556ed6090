#!/usr/bin/env node
// echo_report.mjs — assembles the runs of bench_echo_load made by compare_echo.sh into one JSON
// document with the verdict (more throughput and lower p99 than the Node.js server) and
// prints it as a table; or checks the shape of such a document.
//
//   node echo_report.mjs combine --out FILE --meta META.json \
//        --ours-closed A1.json[,A2.json...] --node-closed B1.json[,...] \
//        --ours-open C1.json[,...] --node-open D1.json[,...]
//   node echo_report.mjs rate FRACTION OURS_CLOSED_FILES NODE_CLOSED_FILES
//   node echo_report.mjs check FILE
//
// With several rounds per server and phase the report keeps the median run (closed loop: by
// throughput; open loop: by p99) and lists every round; errors of any round make it invalid.
// `rate` prints FRACTION x the smaller of the two servers' median closed-loop throughputs.
// The schema is documented in docs/benchmarks.md ("Transport echo"). `check` exits 1 and lists
// every problem when FILE does not have it.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVERS = ['ours', 'node'];
const MODES = ['closed', 'open'];

function fail(msg) {
  process.stderr.write(`echo_report: ${msg}\n`);
  process.exit(2);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
}

// median returns the run with the median `key` (the lower middle for an even count).
export function median(runs, key) {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const readRuns = (list) => list.split(',').filter((f) => f).map(readJson);

// bottleneck names what limited a closed-loop run: a single-threaded server at ~one full core is
// saturated; a generator at ~its thread count of cores is the limit instead.
export function bottleneck(run) {
  const server = run.server ? run.server.cpu_percent : null;
  const gen = run.generator.cpu_percent;
  if (server !== null && server >= 90) return 'server';
  if (gen >= 90 * run.generator.threads) return 'generator';
  return 'unclear (neither process used a full core: CPU contention from other jobs?)';
}

function summarize(closed, open, rounds) {
  const perAck = (cpu) => (closed.acked > 0 ? (cpu * 1e6) / closed.acked : null);
  const all = [...rounds.closed, ...rounds.open];
  return {
    throughput_per_s: closed.throughput_per_s,
    closed_p50_us: closed.latency_us.p50,
    closed_p99_us: closed.latency_us.p99,
    open_rate_per_s: open.config.rate_per_s,
    open_p50_us: open.latency_us.p50,
    open_p99_us: open.latency_us.p99,
    open_p999_us: open.latency_us.p999,
    open_acked_fraction: open.scheduled > 0 ? open.acked / open.scheduled : 0,
    server_cpu_percent: closed.server ? closed.server.cpu_percent : null,
    server_threads: closed.server ? closed.server.threads : null,
    server_rss_kib: closed.server ? closed.server.rss_kib : null,
    generator_cpu_percent: closed.generator.cpu_percent,
    // CPU time per acked round trip: independent of how much CPU other jobs left the process.
    server_cpu_us_per_ack: closed.server ? perAck(closed.server.cpu_s) : null,
    generator_cpu_us_per_ack: perAck(closed.generator.cpu_s),
    closed_throughput_rounds: rounds.closed.map((r) => r.throughput_per_s),
    open_p99_rounds_us: rounds.open.map((r) => r.latency_us.p99),
    bottleneck: bottleneck(closed),
    errors: all.reduce((n, r) => n + r.errors.total, 0),
    open_acked_fraction_min: Math.min(...rounds.open.map((r) => (r.scheduled > 0 ? r.acked / r.scheduled : 0))),
  };
}

function cpuPerAckRatio(summary) {
  const a = summary.ours.server_cpu_us_per_ack, b = summary.node.server_cpu_us_per_ack;
  return a !== null && b !== null && b > 0 ? a / b : null;
}

// buildDoc assembles the report from every run: rounds = {ours: {closed: [...], open: [...]},
// node: {...}}, each run as printed by bench_echo_load; meta = {host, config, servers}. Throws
// when a list is empty or holds a run of the other mode.
export function buildDoc(meta, rounds) {
  const runs = {};
  for (const s of SERVERS) {
    runs[s] = {};
    for (const m of MODES) {
      const list = rounds[s]?.[m] ?? [];
      if (list.length === 0) throw new Error(`no ${m}-loop run for ${s}`);
      for (const r of list) if (r.mode !== m) throw new Error(`a ${r.mode}-loop run was given as ${s}-${m}`);
      runs[s][m] = m === 'closed' ? median(list, (r) => r.throughput_per_s) : median(list, (r) => r.latency_us.p99);
    }
  }
  const summary = {};
  for (const s of SERVERS) summary[s] = summarize(runs[s].closed, runs[s].open, rounds[s]);
  const valid = summary.ours.errors === 0 && summary.node.errors === 0 &&
    summary.ours.open_acked_fraction_min >= 0.999 && summary.node.open_acked_fraction_min >= 0.999;
  const throughputRatio = summary.ours.throughput_per_s / summary.node.throughput_per_s;
  const p99Ratio = summary.ours.open_p99_us / summary.node.open_p99_us;
  const more = summary.ours.throughput_per_s > summary.node.throughput_per_s;
  const lower = summary.ours.open_p99_us < summary.node.open_p99_us;
  return {
    benchmark: 'transport-echo',
    schema: 1,
    date: new Date().toISOString(),
    host: meta.host,
    config: meta.config,
    servers: meta.servers,
    runs,
    rounds,
    summary,
    verdict: {
      target: 'ours: more closed-loop throughput and lower open-loop p99 than the Node.js socket.io server',
      throughput_ratio: Number.isFinite(throughputRatio) ? throughputRatio : null,
      p99_ratio: Number.isFinite(p99Ratio) ? p99Ratio : null,
      // Server CPU time per acked round trip, ours / node: what the throughput ratio would tend
      // to on a machine where both servers get a whole core (below 1: ours is cheaper).
      cpu_per_ack_ratio: cpuPerAckRatio(summary),
      more_throughput: more,
      lower_p99: lower,
      valid,
      // Conclusive only when both closed-loop runs were limited by the server itself (a full
      // core busy): on a contended machine the throughputs measure CPU shares, not servers.
      conclusive: valid && summary.ours.bottleneck === 'server' && summary.node.bottleneck === 'server',
      met: valid && more && lower,
    },
  };
}

function combine(args) {
  const opt = {};
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || i + 1 >= args.length) fail(`bad argument ${args[i]}`);
    opt[args[i].slice(2)] = args[i + 1];
  }
  for (const k of ['out', 'meta', 'ours-closed', 'node-closed', 'ours-open', 'node-open']) {
    if (!opt[k]) fail(`combine needs --${k}`);
  }
  const rounds = {};
  for (const s of SERVERS) {
    rounds[s] = {};
    for (const m of MODES) rounds[s][m] = readRuns(opt[`${s}-${m}`]);
  }
  let doc;
  try {
    doc = buildDoc(readJson(opt.meta), rounds);
  } catch (e) {
    fail(e.message);
  }
  writeFileSync(opt.out, `${JSON.stringify(doc, null, 2)}\n`);
  printTable(doc);
}

const n0 = (x) => (x === null || x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
const n1 = (x) => (x === null || x === undefined ? '-' : x.toFixed(1));

function printTable(doc) {
  const c = doc.config;
  const load = (r) => r.load_average.before.map((x) => x.toFixed(2)).join(' ');
  console.log(`Transport echo — ${c.connections} WebSocket connections, "${c.event}" with a ${c.payload_bytes}-byte string, acked;`);
  console.log(`closed loop ${c.inflight} in flight per connection, open loop at ${n0(c.rate_per_s)}/s; ` +
    `${c.warmup_s} s warm-up + ${c.duration_s} s measured per run, ${c.rounds} round(s) (median shown); ` +
    `generator: ${c.generator_threads} thread(s); pinned: ${c.pinned}`);
  console.log(`ours: ${doc.servers.ours.description}`);
  console.log(`node: ${doc.servers.node.description}`);
  console.log('');
  const rows = [];
  const row = (name, f) => rows.push([name, f('ours'), f('node')]);
  const R = doc.runs, S = doc.summary;
  row('closed: acks/s', (s) => n0(R[s].closed.throughput_per_s));
  row('closed: p50 / p99 us', (s) => `${n0(R[s].closed.latency_us.p50)} / ${n0(R[s].closed.latency_us.p99)}`);
  row('closed: server CPU %', (s) => n1(S[s].server_cpu_percent));
  row('closed: generator CPU %', (s) => n1(S[s].generator_cpu_percent));
  row('closed: server CPU us/ack', (s) => n1(S[s].server_cpu_us_per_ack));
  row('closed: generator CPU us/ack', (s) => n1(S[s].generator_cpu_us_per_ack));
  row('closed: server threads / RSS', (s) => `${S[s].server_threads ?? '-'} / ${n0((S[s].server_rss_kib ?? 0) / 1024)} MiB`);
  row('closed: load avg (1 5 15)', (s) => load(R[s].closed));
  row('open: p50 / p99 us', (s) => `${n0(R[s].open.latency_us.p50)} / ${n0(R[s].open.latency_us.p99)}`);
  row('open: p99.9 / max us', (s) => `${n0(R[s].open.latency_us.p999)} / ${n0(R[s].open.latency_us.max)}`);
  row('open: acked / scheduled', (s) => `${R[s].open.acked} / ${R[s].open.scheduled}`);
  row('open: server CPU %', (s) => n1(R[s].open.server ? R[s].open.server.cpu_percent : null));
  row('open: load avg (1 5 15)', (s) => load(R[s].open));
  row('errors (both runs)', (s) => String(S[s].errors));
  row('closed-loop bottleneck', (s) => S[s].bottleneck.split(' ')[0]);
  console.log(`${''.padEnd(30)}${'ours'.padStart(22)}${'node'.padStart(22)}`);
  for (const [name, a, b] of rows) console.log(`${name.padEnd(30)}${a.padStart(22)}${b.padStart(22)}`);
  console.log('');
  for (const s of SERVERS) {
    console.log(`${s}: closed-loop acks/s by round: ${S[s].closed_throughput_rounds.map(n0).join(', ')}`);
    console.log(`${s}: open-loop p99 us by round:   ${S[s].open_p99_rounds_us.map(n0).join(', ')}`);
  }
  const v = doc.verdict;
  console.log('');
  console.log(`throughput ours/node: ${v.throughput_ratio === null ? '-' : v.throughput_ratio.toFixed(2)}x; ` +
    `open-loop p99 ours/node: ${v.p99_ratio === null ? '-' : v.p99_ratio.toFixed(2)}x; ` +
    `server CPU per ack ours/node: ${v.cpu_per_ack_ratio === null ? '-' : v.cpu_per_ack_ratio.toFixed(2)}x`);
  console.log(`verdict: ${v.met ? 'MET' : 'NOT MET'} (${v.target})` +
    (v.valid ? '' : ' — run INVALID: errors or unanswered emits, see runs.*.errors'));
  if (v.valid && !v.conclusive) {
    console.log('INCONCLUSIVE: a server did not use a full core in the closed loop (CPU taken by other ' +
      'jobs: see the load averages); rerun on a quiet machine. The CPU-per-ack ratio does not depend on it.');
  }
}

// check validates the document's shape (types and presence), not its figures.
// validate returns every way `doc` departs from the report's shape (types and presence, the
// order of the percentiles, one run per round), or [] when it has it.
export function validate(doc) {
  const problems = [];
  const at = (obj, p) => p.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
  const need = (p, type) => {
    const v = at(doc, p);
    const ok = type === 'array' ? Array.isArray(v) : type === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === type;
    if (!ok) problems.push(`${p}: expected ${type}, got ${JSON.stringify(v)}`);
  };
  need('benchmark', 'string');
  if (doc.benchmark !== 'transport-echo') problems.push('benchmark: expected "transport-echo"');
  need('schema', 'number');
  need('date', 'string');
  need('host.cpus', 'number');
  need('host.load_average_start', 'array');
  for (const k of ['connections', 'inflight', 'payload_bytes', 'duration_s', 'warmup_s', 'rate_per_s', 'generator_threads', 'rounds']) need(`config.${k}`, 'number');
  need('config.event', 'string');
  need('servers.ours.description', 'string');
  need('servers.ours.io_threads', 'number');
  need('servers.node.description', 'string');
  for (const s of SERVERS) {
    for (const m of MODES) {
      const p = `runs.${s}.${m}`;
      need(`${p}.label`, 'string');
      if (at(doc, `${p}.mode`) !== m) problems.push(`${p}.mode: expected "${m}"`);
      for (const k of ['window_s', 'scheduled', 'sent', 'acked', 'throughput_per_s']) need(`${p}.${k}`, 'number');
      for (const k of ['count', 'min', 'p50', 'p90', 'p99', 'p999', 'max', 'mean']) need(`${p}.latency_us.${k}`, 'number');
      for (const k of ['total', 'mismatched_acks', 'unexpected_acks', 'lost_acks', 'disconnects', 'protocol_errors', 'skipped_sends']) need(`${p}.errors.${k}`, 'number');
      for (const k of ['cpu_s', 'cpu_percent', 'threads']) need(`${p}.generator.${k}`, 'number');
      for (const k of ['pid', 'cpu_s', 'cpu_percent', 'threads', 'rss_kib']) need(`${p}.server.${k}`, 'number');
      need(`${p}.load_average.before`, 'array');
      const lat = at(doc, `${p}.latency_us`);
      if (lat && !(lat.min <= lat.p50 && lat.p50 <= lat.p90 && lat.p90 <= lat.p99 && lat.p99 <= lat.p999 && lat.p999 <= lat.max)) {
        problems.push(`${p}.latency_us: percentiles out of order`);
      }
    }
    for (const k of ['throughput_per_s', 'closed_p99_us', 'open_p99_us', 'errors', 'server_cpu_us_per_ack', 'generator_cpu_us_per_ack']) need(`summary.${s}.${k}`, 'number');
    for (const m of MODES) {
      need(`rounds.${s}.${m}`, 'array');
      if ((at(doc, `rounds.${s}.${m}`) ?? []).length !== at(doc, 'config.rounds')) problems.push(`rounds.${s}.${m}: expected config.rounds runs`);
    }
    need(`summary.${s}.bottleneck`, 'string');
  }
  for (const k of ['more_throughput', 'lower_p99', 'valid', 'conclusive', 'met']) need(`verdict.${k}`, 'boolean');
  need('verdict.target', 'string');
  return problems;
}

function check(file) {
  const doc = readJson(file);
  const problems = validate(doc);
  if (problems.length) {
    for (const p of problems) process.stderr.write(`echo_report check: ${p}\n`);
    process.exit(1);
  }
  console.log(`echo_report check: ${file} has the transport-echo shape (verdict ${doc.verdict.met ? 'met' : 'not met'}, valid=${doc.verdict.valid})`);
}

// openLoopRate is `fraction` x the smaller of the two servers' median closed-loop throughputs
// (at least 1 emit per second).
export function openLoopRate(oursClosed, nodeClosed, fraction) {
  const t = [oursClosed, nodeClosed].map((l) => median(l, (r) => r.throughput_per_s).throughput_per_s);
  return Math.max(1, Math.round(Math.min(...t) * fraction));
}

function rate(fraction, oursFiles, nodeFiles) {
  const f = Number(fraction);
  if (!(f > 0)) fail('rate: FRACTION must be > 0');
  console.log(openLoopRate(readRuns(oursFiles), readRuns(nodeFiles), f));
}

// The command line runs only when this file is the program (tests import it).
// Node resolves symbolic links in import.meta.url, so compare real paths.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'combine') combine(rest);
  else if (cmd === 'rate' && rest.length === 3) rate(...rest);
  else if (cmd === 'check' && rest.length === 1) check(rest[0]);
  else fail('usage: echo_report.mjs combine --out FILE --meta META --ours-closed A[,...] --node-closed B[,...] --ours-open C[,...] --node-open D[,...] | rate FRACTION A[,...] B[,...] | check FILE');
}
