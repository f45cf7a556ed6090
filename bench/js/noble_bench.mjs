// noble_bench.mjs — times the protocol's crypto operations with the JavaScript libraries the web
// client uses (@noble/curves 1.1.0, @noble/hashes 1.3.1, AES-GCM from node:crypto's WebCrypto),
// under the same names as bench_crypto, and prints JSON on stdout.
//
// Usage: node bench/js/noble_bench.mjs [--quick] [--min-ms N]
//   --quick   skip TreeCreate/512 and /1024 (seconds per iteration in JS)
//   --min-ms  time spent per benchmark (default 500; every benchmark runs at least once)
// Times are process CPU time (user + system) per operation, in nanoseconds, so that a loaded
// machine distorts them less; bench_crypto's cpu_time is compared with them.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import assert from 'node:assert/strict';

// The packages live in interop/node_modules (pinned by interop/package-lock.json).
const require = createRequire(new URL('../../interop/package.json', import.meta.url));
const { ed25519, x25519, edwardsToMontgomeryPub, edwardsToMontgomeryPriv } = require('@noble/curves/ed25519');
const { hkdf } = require('@noble/hashes/hkdf');
const { sha512 } = require('@noble/hashes/sha512');
// package.json is not an exported subpath: read it from the folder the package resolved to.
const versionOf = (pkg) => JSON.parse(readFileSync(
  new URL(`../../interop/node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
const curvesVersion = versionOf('@noble/curves');
const hashesVersion = versionOf('@noble/hashes');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const minMsArg = args.indexOf('--min-ms');
const minMs = minMsArg >= 0 ? Number(args[minMsArg + 1]) : 500;

const Point = ed25519.ExtendedPoint;
const L = ed25519.CURVE.n;
const hex = (b) => Buffer.from(b).toString('hex');
const fromHex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

// A seeded generator (xorshift-based byte stream) so every run times the same inputs.
function seeded(seed) {
  let s = BigInt(seed) | 1n;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= (s << 13n) & 0xffffffffffffffffn;
      s ^= s >> 7n;
      s ^= (s << 17n) & 0xffffffffffffffffn;
      out[i] = Number(s & 0xffn);
    }
    return out;
  };
}
const rnd = seeded(1);
const freshRandom = (n) => webcrypto.getRandomValues(new Uint8Array(n));

// ---- the protocol in JavaScript (crypto.md), written the way a web client does it ----------
// CR-KEY-003 without computing the public point (getExtendedPublicKey would add a base mult).
function scalarOf(priv) {
  const head = sha512(priv).slice(0, 32);
  head[0] &= 248;
  head[31] &= 127;
  head[31] |= 64;
  let x = 0n;
  for (let i = 31; i >= 0; i--) x = (x << 8n) | BigInt(head[i]);
  return x % L;
}
const publicOf = (priv) => ed25519.getPublicKey(priv); // CR-KEY-002
const ecdh = (priv, pub) => // CR-DH-001
  x25519.getSharedSecret(edwardsToMontgomeryPriv(priv), edwardsToMontgomeryPub(pub));
const INFO = new TextEncoder().encode('Unmanageable');
const SALT = new Uint8Array(64);
function kdf(km) { // CR-KDF-001
  const ikm = new Uint8Array(32 + km.length);
  ikm.fill(0xff, 0, 32);
  ikm.set(km, 32);
  return hkdf(sha512, ikm, SALT, INFO, 32);
}
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
function x3dhSend(ika, bundle, eka) { // CR-X3DH-001/002
  if (!ed25519.verify(bundle.sig, bundle.spk, bundle.ik)) throw new Error('bad spk signature');
  const sk = kdf(concat(ecdh(ika, bundle.spk), ecdh(eka, bundle.ik), ecdh(eka, bundle.spk), ecdh(ika, bundle.ik)));
  return { sk, ek: publicOf(eka), spk: bundle.spk };
}
function x3dhReceive(ikb, spkb, ikA, ekA) { // CR-X3DH-003
  return kdf(concat(ecdh(spkb, ikA), ecdh(ikb, ekA), ecdh(spkb, ekA), ecdh(ikb, ikA)));
}
// combine(a, b) = encode(scalar(b)·point(a)) (CR-TREE-002), from a's public key.
const combineWithPublic = (pubA, privB) => Point.fromHex(pubA).multiply(scalarOf(privB)).toRawBytes();
function createGroupDM(ik, bundles) { // CR-TREE-001..004
  const n = bundles.length + 1;
  let m = 2;
  while (m < n) m *= 2;
  const priv = new Array(2 * m);
  const pub = new Array(2 * m);
  priv[m] = freshRandom(32);
  const messages = [];
  bundles.forEach((b, i) => {
    const sent = x3dhSend(ik, b, freshRandom(32));
    priv[m + 1 + i] = sent.sk;
    messages.push({ ek: sent.ek, spk: sent.spk });
  });
  for (let h = m + n; h < 2 * m; h++) priv[h] = freshRandom(32);
  for (let h = m; h < 2 * m; h++) pub[h] = publicOf(priv[h]);
  for (let h = m - 1; h >= 1; h--) {
    priv[h] = combineWithPublic(pub[2 * h], priv[2 * h + 1]);
    if (h > 1) pub[h] = publicOf(priv[h]);
  }
  return { sharedKey: priv[1], m, keyTree: pub.slice(2), messages };
}
function recvGroupDM(ik, spk, senderIk, ek, keyTree, position) { // CR-TREE-005
  const m = (keyTree.length + 2) / 2;
  let s = x3dhReceive(ik, spk, senderIk, ek);
  for (let i = m + position; i > 1; i >>= 1) s = combineWithPublic(keyTree[(i ^ 1) - 2], s);
  return s;
}
function makeMember() {
  const ik = rnd(32);
  const spk = rnd(32);
  const spkPub = publicOf(spk);
  return { ik, spk, bundle: { ik: publicOf(ik), spk: spkPub, sig: ed25519.sign(spkPub, ik) } };
}

const a0 = rnd(32);
// Sanity: the JavaScript protocol agrees with itself and with the C++ KDF known answer, so the
// timings are of correct code.
{
  assert.equal(scalarOf(a0), ed25519.utils.getExtendedPublicKey(a0).scalar);
  const km = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(hex(kdf(km)), '57c4ef264a91e6ddcd90a01f80a7e53c18c7ddc0806e1b39c3daa614653b4d2b');
  const creator = rnd(32);
  const members = Array.from({ length: 4 }, makeMember);
  const dm = createGroupDM(creator, members.map((x) => x.bundle));
  members.forEach((mem, i) => {
    const k = recvGroupDM(mem.ik, mem.spk, publicOf(creator), dm.messages[i].ek, dm.keyTree, i + 1);
    assert.equal(hex(k), hex(dm.sharedKey));
  });
}

// ---- timing ----------------------------------------------------------------------------
const results = [];
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
async function bench(name, fn, extra = {}) {
  await fn(); // warm-up (JIT)
  let iterations = 0;
  const wallStart = performance.now();
  const cpuStart = cpuNs();
  do {
    await fn();
    iterations++;
  } while (performance.now() - wallStart < minMs);
  const cpu = cpuNs() - cpuStart;
  const wall = (performance.now() - wallStart) * 1e6;
  results.push({ name, iterations, cpu_ns_per_op: cpu / iterations, real_ns_per_op: wall / iterations, ...extra });
  process.stderr.write(`${name}: ${(cpu / iterations / 1000).toFixed(1)} us/op (${iterations} it)\n`);
}

const a = rnd(32);
const b = rnd(32);
const aPub = publicOf(a);
const bPub = publicOf(b);
const sa = scalarOf(a);
const sb = scalarOf(b);
const msg = new Uint8Array(128).fill(0x42);
const sig = ed25519.sign(msg, a);

// Primitives alone.
await bench('Prim_BaseMult', () => Point.BASE.multiply(sa).toRawBytes());
await bench('Prim_VarMult', () => Point.fromHex(bPub).multiply(sa).toRawBytes());
await bench('Prim_X25519', () => x25519.scalarMult(edwardsToMontgomeryPriv(a), edwardsToMontgomeryPub(bPub)));
await bench('Prim_EdToCurve', () => edwardsToMontgomeryPub(bPub));
await bench('Prim_ScalarOfKey', () => scalarOf(a));
await bench('Prim_ScalarMul', () => (sa * sb) % L);
await bench('Prim_Kdf', () => kdf(new Uint8Array(128)));
await bench('Prim_PublicKey', () => publicOf(a));

// Protocol operations.
await bench('Sign', () => ed25519.sign(msg, a));
await bench('Verify', () => { if (!ed25519.verify(sig, msg, aPub)) throw new Error('verify'); });
await bench('ChallengeCreate', () => {
  const k = (BigInt('0x' + hex(freshRandom(32))) % (L - 1n)) + 1n;
  return [Point.BASE.multiply(k).toRawBytes(), Point.fromHex(aPub).multiply(k).toRawBytes()];
});
const challenge = Point.BASE.multiply(12345678901234567890n).toRawBytes();
await bench('ChallengeResponse', () => Point.fromHex(challenge).multiply(scalarOf(a)).toRawBytes());
await bench('Ecdh', () => ecdh(a, bPub));
const creator = rnd(32);
const one = makeMember();
await bench('X3dhSend', () => x3dhSend(creator, one.bundle, freshRandom(32)));
const sent = x3dhSend(creator, one.bundle, rnd(32));
await bench('X3dhReceive', () => x3dhReceive(one.ik, one.spk, publicOf(creator), sent.ek));

const sizes = quick ? [2, 8, 32, 128] : [2, 8, 32, 128, 512, 1024];
const members = Array.from({ length: 1023 }, makeMember);
for (const n of sizes) {
  const bundles = members.slice(0, n - 1).map((x) => x.bundle);
  await bench(`TreeCreate/${n}`, () => createGroupDM(creator, bundles), { M: Math.max(2, 2 ** Math.ceil(Math.log2(n))) });
}
{
  const dm = createGroupDM(creator, members.map((x) => x.bundle));
  const p = 1023;
  const mem = members[p - 1];
  const ikPub = publicOf(creator);
  const k = recvGroupDM(mem.ik, mem.spk, ikPub, dm.messages[p - 1].ek, dm.keyTree, p);
  assert.equal(hex(k), hex(dm.sharedKey));
  await bench('TreeReceive/1024', () => recvGroupDM(mem.ik, mem.spk, ikPub, dm.messages[p - 1].ek, dm.keyTree, p), { M: dm.m });
}

const key = await webcrypto.subtle.importKey('raw', rnd(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
for (const size of [1024, 65536]) {
  const pt = rnd(size);
  // The wire form is hex(IV || ct || tag): hex encoding is part of the client's cost too.
  await bench(`AesGcmEncrypt/${size}`, async () => {
    const iv = freshRandom(12);
    const ct = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, pt));
    return hex(iv) + hex(ct);
  });
  const iv = freshRandom(12);
  const wire = hex(iv) + hex(new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, pt)));
  await bench(`AesGcmDecrypt/${size}`, async () => {
    const bytes = fromHex(wire);
    return webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12) }, key, bytes.subarray(12));
  });
}

process.stdout.write(JSON.stringify({
  context: {
    library: `@noble/curves ${curvesVersion}, @noble/hashes ${hashesVersion}, node:crypto WebCrypto`,
    node: process.version,
    min_ms: minMs,
    time: 'cpu_ns_per_op = process CPU time (user+system) / iterations',
  },
  benchmarks: results,
}, null, 2) + '\n');
