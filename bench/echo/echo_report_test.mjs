#!/usr/bin/env node
// echo_report_test.mjs — tests of echo_report.mjs on synthetic runs: which run is kept as the
// median, the verdict (met, valid, conclusive), the open-loop rate, the bottleneck heuristic, and
// that validate() finds every kind of damage to a report. Exits non-zero on the first failure.
// CTest: bench_echo_report_test.
import assert from 'node:assert/strict';
import { bottleneck, buildDoc, median, openLoopRate, validate } from './echo_report.mjs';

// run builds a run object shaped like bench_echo_load's output.
function run(label, mode, { tput = 1000, p99 = 500, serverCpu = 50, genCpu = 30, errors = 0, scheduled = 5000, acked = 5000 } = {}) {
  return {
    label, mode,
    target: { host: '127.0.0.1', port: 1, path: '/socket.io/', transport: 'websocket' },
    config: { connections: 4, inflight: mode === 'closed' ? 2 : null, rate_per_s: mode === 'open' ? 1000 : null, payload_bytes: 16, event: 'message-with-ack', warmup_s: 1, duration_s: 5, generator_threads: 1 },
    window_s: 5, connect_s: 0.01, scheduled, sent: scheduled, acked, throughput_per_s: tput,
    latency_us: { count: acked, min: 10, p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 1.5, max: p99 * 2, mean: p99 / 3 },
    errors: { total: errors, mismatched_acks: errors, unexpected_acks: 0, lost_acks: 0, disconnects: 0, protocol_errors: 0, skipped_sends: 0 },
    generator: { cpu_s: genCpu / 20, cpu_percent: genCpu, threads: 1 },
    server: { pid: 42, cpu_s: serverCpu / 20, cpu_percent: serverCpu, threads: 1, rss_kib: 1000 },
    load_average: { before: [1, 1, 1], after: [1, 1, 1] },
  };
}

const meta = {
  host: { hostname: 'h', cpus: 2, cpu_model: 'x', load_average_start: [1, 1, 1], load_average_end: [1, 1, 1] },
  config: { connections: 4, inflight: 2, payload_bytes: 16, duration_s: 5, warmup_s: 1, rate_per_s: 1000, rate_fraction: 0.5, generator_threads: 1, rounds: 3, pinned: 'no', event: 'message-with-ack', transport: 'websocket' },
  servers: { ours: { description: 'ours', io_threads: 1 }, node: { description: 'node', io_threads: 1 } },
};

// rounds3 builds three rounds per server and phase from per-round options.
function rounds3(ours, node) {
  const r = {};
  for (const [s, o] of [['ours', ours], ['node', node]]) {
    r[s] = {
      closed: o.closed.map((x) => run(s, 'closed', x)),
      open: o.open.map((x) => run(s, 'open', x)),
    };
  }
  return r;
}

const tests = [];
const test = (name, f) => tests.push([name, f]);

test('median keeps the middle run, the lower middle for an even count', () => {
  const runs = [{ v: 3 }, { v: 1 }, { v: 2 }];
  assert.equal(median(runs, (r) => r.v).v, 2);
  assert.equal(median([{ v: 4 }, { v: 1 }, { v: 3 }, { v: 2 }], (r) => r.v).v, 2);
  assert.equal(median([{ v: 7 }], (r) => r.v).v, 7);
});

test('the report keeps the median closed run by throughput and the median open run by p99', () => {
  const doc = buildDoc(meta, rounds3(
    { closed: [{ tput: 900 }, { tput: 3000 }, { tput: 2000 }], open: [{ p99: 100 }, { p99: 900 }, { p99: 300 }] },
    { closed: [{ tput: 1000 }, { tput: 1100 }, { tput: 1200 }], open: [{ p99: 700 }, { p99: 800 }, { p99: 50000 }] }));
  assert.equal(doc.runs.ours.closed.throughput_per_s, 2000);
  assert.equal(doc.runs.ours.open.latency_us.p99, 300);
  assert.equal(doc.runs.node.closed.throughput_per_s, 1100);
  assert.equal(doc.runs.node.open.latency_us.p99, 800);
  assert.deepEqual(doc.summary.ours.closed_throughput_rounds, [900, 3000, 2000]);
  assert.equal(doc.verdict.more_throughput, true);
  assert.equal(doc.verdict.lower_p99, true);
  assert.equal(doc.verdict.valid, true);
  assert.equal(doc.verdict.met, true);
  assert.ok(Math.abs(doc.verdict.throughput_ratio - 2000 / 1100) < 1e-12);
  assert.deepEqual(validate(JSON.parse(JSON.stringify(doc))), []);
});

test('the target is missed when Node has the higher throughput or the lower p99', () => {
  const slower = buildDoc(meta, rounds3(
    { closed: [{ tput: 900 }, { tput: 900 }, { tput: 900 }], open: [{ p99: 100 }, { p99: 100 }, { p99: 100 }] },
    { closed: [{ tput: 1000 }, { tput: 1000 }, { tput: 1000 }], open: [{ p99: 700 }, { p99: 700 }, { p99: 700 }] }));
  assert.equal(slower.verdict.more_throughput, false);
  assert.equal(slower.verdict.met, false);
  const laggier = buildDoc(meta, rounds3(
    { closed: [{ tput: 2000 }, { tput: 2000 }, { tput: 2000 }], open: [{ p99: 900 }, { p99: 900 }, { p99: 900 }] },
    { closed: [{ tput: 1000 }, { tput: 1000 }, { tput: 1000 }], open: [{ p99: 700 }, { p99: 700 }, { p99: 700 }] }));
  assert.equal(laggier.verdict.lower_p99, false);
  assert.equal(laggier.verdict.met, false);
});

test('errors in any round, or unanswered open-loop emits, make the run invalid', () => {
  const good = { closed: [{ tput: 2000 }, { tput: 2000 }, { tput: 2000 }], open: [{ p99: 100 }, { p99: 100 }, { p99: 100 }] };
  const node = { closed: [{ tput: 1000 }, { tput: 1000 }, { tput: 1000 }], open: [{ p99: 700 }, { p99: 700 }, { p99: 700 }] };
  const withErrors = { ...good, closed: [{ tput: 2000 }, { tput: 100, errors: 3 }, { tput: 2000 }] };
  const doc = buildDoc(meta, rounds3(withErrors, node));
  assert.equal(doc.summary.ours.errors, 3);
  assert.equal(doc.verdict.valid, false);
  assert.equal(doc.verdict.met, false);
  const unanswered = { ...good, open: [{ p99: 100 }, { p99: 100, acked: 4000 }, { p99: 100 }] };
  const doc2 = buildDoc(meta, rounds3(unanswered, node));
  assert.equal(doc2.verdict.valid, false);
});

test('the verdict is conclusive only when both servers filled a core', () => {
  const saturated = { closed: [{ serverCpu: 98 }, { serverCpu: 97 }, { serverCpu: 99 }], open: [{}, {}, {}] };
  const starved = { closed: [{ serverCpu: 60 }, { serverCpu: 60 }, { serverCpu: 60 }], open: [{}, {}, {}] };
  assert.equal(buildDoc(meta, rounds3(saturated, saturated)).verdict.conclusive, true);
  assert.equal(buildDoc(meta, rounds3(saturated, starved)).verdict.conclusive, false);
});

test('bottleneck names the side that used a full core', () => {
  assert.equal(bottleneck(run('x', 'closed', { serverCpu: 95, genCpu: 40 })), 'server');
  assert.equal(bottleneck(run('x', 'closed', { serverCpu: 50, genCpu: 96 })), 'generator');
  assert.match(bottleneck(run('x', 'closed', { serverCpu: 50, genCpu: 50 })), /^unclear/);
  assert.match(bottleneck({ ...run('x', 'closed'), server: null }), /^unclear/);
});

test('the open-loop rate is the fraction of the slower median throughput', () => {
  const ours = [1000, 5000, 3000].map((t) => run('ours', 'closed', { tput: t }));
  const node = [2000, 2400, 2200].map((t) => run('node', 'closed', { tput: t }));
  assert.equal(openLoopRate(ours, node, 0.5), 1100);
  assert.equal(openLoopRate(ours, node, 1e-9), 1);
});

test('buildDoc refuses missing phases and runs of the wrong mode', () => {
  const r = rounds3({ closed: [{}, {}, {}], open: [{}, {}, {}] }, { closed: [{}, {}, {}], open: [{}, {}, {}] });
  assert.throws(() => buildDoc(meta, { ...r, node: { closed: r.node.closed, open: [] } }), /no open-loop run for node/);
  assert.throws(() => buildDoc(meta, { ...r, ours: { closed: r.ours.open, open: r.ours.open } }), /open-loop run was given as ours-closed/);
});

test('validate finds each kind of damage', () => {
  const fresh = () => JSON.parse(JSON.stringify(buildDoc(meta, rounds3(
    { closed: [{}, {}, {}], open: [{}, {}, {}] }, { closed: [{}, {}, {}], open: [{}, {}, {}] }))));
  const damage = [
    [(d) => { delete d.runs.ours.open.latency_us.p99; }, /runs\.ours\.open\.latency_us\.p99/],
    [(d) => { d.runs.node.closed.latency_us.p50 = 1e9; }, /percentiles out of order/],
    [(d) => { d.rounds.node.open.pop(); }, /rounds\.node\.open: expected config\.rounds runs/],
    [(d) => { d.verdict.met = 'yes'; }, /verdict\.met: expected boolean/],
    [(d) => { d.runs.ours.closed.server = null; }, /runs\.ours\.closed\.server\.pid/],
    [(d) => { d.runs.ours.closed.mode = 'open'; }, /runs\.ours\.closed\.mode/],
    [(d) => { d.benchmark = 'other'; }, /benchmark: expected "transport-echo"/],
    [(d) => { d.summary.node.throughput_per_s = null; }, /summary\.node\.throughput_per_s/],
    [(d) => { d.config.rounds = 'three'; }, /config\.rounds/],
  ];
  for (const [hurt, want] of damage) {
    const d = fresh();
    hurt(d);
    const problems = validate(d);
    assert.ok(problems.some((p) => want.test(p)), `${want} not in ${JSON.stringify(problems)}`);
  }
});

let failed = 0;
for (const [name, f] of tests) {
  try {
    f();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e.message}`);
  }
}
console.log(`${tests.length - failed} of ${tests.length} passed`);
process.exit(failed ? 1 : 0);
