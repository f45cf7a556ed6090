// noble_check.mjs — an independent second checker: every family recomputed in JavaScript on
// @noble/curves 1.1.0 (the library of the protocol's deployed web client), @noble/hashes 1.3.1
// and node:crypto — no code shared with the C++ generator, so the files are proven against
// crypto.md by a second implementation, not only by the library that wrote them.
//
//   node vectors/js/noble_check.mjs vectors/data     (exit 0 = every claim holds)
//
// Primitives (keys, signatures, ECDH, challenge) use noble's own decisions, so its lenient
// ZIP-215 choices show up as `lenient`. The protocol steps noble does not have (X3DH checks, the
// key-tree receive, own_storage parsing) are written here from crypto.md, strictly. Rules (vectors.md):
//   - valid tests: noble must compute the same outputs / accept;
//   - invalid tests without an edge flag: noble must refuse;
//   - invalid tests with an edge flag: noble may accept (counted lenient) — except that a test
//     flagged `forgery_accepted_by_noble` MUST be accepted, or the flag is wrong.
// The library is loaded from interop/node_modules (the pinned npm project), or from the
// directory named by UNM_INTEROP_DIR.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const interopDir = process.env.UNM_INTEROP_DIR ?? join(here, '..', '..', 'interop');
const require = createRequire(join(interopDir, 'package.json'));
const { ed25519, x25519, edwardsToMontgomeryPub, edwardsToMontgomeryPriv } =
  require('@noble/curves/ed25519');
const { bytesToHex, hexToBytes, concatBytes } = require('@noble/curves/abstract/utils');
const { hkdf } = require('@noble/hashes/hkdf');
const { sha512 } = require('@noble/hashes/sha512');
const nodeCrypto = require('node:crypto');

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Point = ed25519.ExtendedPoint;

const EDGE = new Set([
  'small_order_pubkey', 'small_order_r', 'mixed_order_pubkey', 'mixed_order_r',
  'non_canonical_pubkey', 'non_canonical_r', 'cofactored_only', 'forgery_accepted_by_noble',
  'small_order', 'small_order_ik', 'identity', 'identity_r', 'identity_challenge',
  'torsion_challenge', 'torsion_ignored', 'non_canonical',
]);

// attempt runs fn; a throw is a refusal (noble throws on bad lengths and bad points).
function attempt(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, why: String(e.message ?? e) };
  }
}

// scalarOf is scalar(priv) of CR-KEY-003 (clamped SHA-512 head, reduced mod L) as noble has it.
function scalarOf(privHex) {
  return ed25519.utils.getExtendedPublicKey(hexToBytes(privHex)).scalar;
}

function toLE32(n) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return bytesToHex(out);
}

const HEX = /^(?:[0-9a-f]{2})*$/;
function bytes(hex, len) {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new Error('not lowercase hex');
  const b = hexToBytes(hex);
  if (len !== undefined && b.length !== len) throw new Error(`not ${len} bytes`);
  return b;
}

// CR-DH-001 / CR-DH-002 / CR-KDF-001
const ecdh = (privHex, pubHex) => bytesToHex(x25519.getSharedSecret(
  edwardsToMontgomeryPriv(bytes(privHex, 32)), edwardsToMontgomeryPub(bytes(pubHex, 32))));
const publicOf = (privHex) => bytesToHex(ed25519.getPublicKey(bytes(privHex, 32)));
const kdf = (km) => bytesToHex(hkdf(sha512, concatBytes(new Uint8Array(32).fill(0xff), km),
  new Uint8Array(64), new TextEncoder().encode('Unmanageable'), 32));

// strictPoint decodes a received key the way CR-KEY-004 demands: canonical, not small order,
// in the prime-order subgroup.
// Verdicts are cached by encoding: a member checks the whole tree, and the subgroup check (a
// multiplication by L) would otherwise be repeated for every member of every group.
const pointVerdicts = new Map();
function strictPoint(hex) {
  if (!pointVerdicts.has(hex)) {
    const v = attempt(() => {
      const p = Point.fromHex(bytes(hex, 32), false);
      if (p.isSmallOrder() || !p.isTorsionFree()) throw new Error('invalid point');
    });
    pointVerdicts.set(hex, v.ok);
  }
  if (!pointVerdicts.get(hex)) throw new Error('invalid point');
}

// X3DH initiator (CR-X3DH-001/002): returns { sk, dh: [dh1..dh4] } or throws.
function x3dhSend(ikA, ekA, ikBPub, spkBPub, sigHex) {
  if (!ed25519.verify(bytes(sigHex, 64), bytes(spkBPub, 32), bytes(ikBPub, 32))) {
    throw new Error('bad SPK signature');
  }
  const dh = [ecdh(ikA, spkBPub), ecdh(ekA, ikBPub), ecdh(ekA, spkBPub), ecdh(ikA, ikBPub)];
  return { sk: kdf(hexToBytes(dh.join(''))), dh };
}
// X3DH responder (CR-X3DH-003).
function x3dhReceive(ikB, spkB, ikAPub, ekAPub) {
  strictPoint(ikAPub);
  strictPoint(ekAPub);
  const dh = [ecdh(spkB, ikAPub), ecdh(ikB, ekAPub), ecdh(spkB, ekAPub), ecdh(ikB, ikAPub)];
  return kdf(hexToBytes(dh.join('')));
}

// The key tree (CR-TREE-002..005): a node's 32-byte encoding is the next level's private key.
const mod = (a) => ((a % L) + L) % L;
const combine = (a, b) => Point.BASE.multiply(mod(scalarOf(a) * scalarOf(b))).toHex();
function receiveTree(skHex, tree, position) {
  let m = 2;
  while (2 * m - 2 < tree.length) m *= 2;
  if (tree.length !== 2 * m - 2) throw new Error('bad tree length');
  if (!(position >= 1 && position < m)) throw new Error('position out of range');
  tree.forEach(strictPoint);  // CR-TREE-006: every entry is a valid key
  if (tree[m + position - 2] !== publicOf(skHex)) throw new Error('own leaf mismatch');  // CR-TREE-007
  let s = skHex;
  for (let i = m + position; i > 1; i >>= 1) {
    s = Point.fromHex(tree[(i ^ 1) - 2]).multiply(scalarOf(s)).toHex();
  }
  return s;
}

function aeadSeal(keyHex, ivHex, pt) {
  const c = nodeCrypto.createCipheriv('aes-256-gcm', bytes(keyHex, 32), bytes(ivHex, 12));
  return bytesToHex(concatBytes(bytes(ivHex, 12), c.update(pt), c.final(), c.getAuthTag()));
}
function aeadOpen(keyHex, sealedHex) {
  const b = bytes(sealedHex);
  if (b.length < 28) throw new Error('short input');
  const d = nodeCrypto.createDecipheriv('aes-256-gcm', bytes(keyHex, 32), b.subarray(0, 12));
  d.setAuthTag(b.subarray(b.length - 16));
  return concatBytes(d.update(b.subarray(12, b.length - 16)), d.final());
}
// CR-STORE-001: the opened text must be the JSON object with 32-byte hex keys.
function parseStorage(text) {
  const o = JSON.parse(text);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object');
  if ('privSPK' in o) bytes(o.privSPK, 32);
  if ('sharedKeys' in o) {
    const s = o.sharedKeys;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new Error('bad sharedKeys');
    Object.values(s).forEach((v) => bytes(v, 32));
  }
  return o;
}

// Each family function returns { accepted, mismatches[] } for one test.
const families = {
  ed25519_keys(t, valid) {
    const r = attempt(() => {
      if (!/^[0-9a-f]{64}$/.test(t.private_key)) throw new Error('not 32 bytes of lowercase hex');
      return bytesToHex(ed25519.getPublicKey(hexToBytes(t.private_key)));
    });
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    const m = [];
    if (r.value !== t.public_key) m.push(`public_key ${r.value}`);
    if (t.scalar && toLE32(scalarOf(t.private_key)) !== t.scalar) m.push('scalar');
    if (t.x25519_private_key &&
        bytesToHex(edwardsToMontgomeryPriv(hexToBytes(t.private_key))) !== t.x25519_private_key) {
      m.push('x25519_private_key');
    }
    if (t.x25519_public_key && bytesToHex(edwardsToMontgomeryPub(t.public_key)) !== t.x25519_public_key) {
      m.push('x25519_public_key');
    }
    return { accepted: true, mismatches: m };
  },
  ed25519_sign(t) {
    const r = attempt(() => ed25519.verify(t.signature, t.message, t.public_key));
    const m = [];
    if (t.private_key && bytesToHex(ed25519.sign(t.message, t.private_key)) !== t.signature) {
      m.push('signature');
    }
    return { accepted: r.ok && r.value === true, mismatches: m };
  },
  ecdh(t, valid) {
    const r = attempt(() => bytesToHex(x25519.getSharedSecret(
      edwardsToMontgomeryPriv(hexToBytes(t.private_key)), edwardsToMontgomeryPub(t.peer_public_key))));
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    return { accepted: true, mismatches: r.value === t.shared_secret ? [] : [`shared_secret ${r.value}`] };
  },
  challenge(t, valid) {
    const r = attempt(() => {
      const point = ed25519.ExtendedPoint.fromHex(t.challenge);
      return point.multiplyUnsafe(scalarOf(t.private_key)).toHex();
    });
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    return { accepted: true, mismatches: r.value === t.response ? [] : [`response ${r.value}`] };
  },
  personal_key(t, valid) {
    const r = attempt(() => ecdh(t.private_key, publicOf(t.private_key)));
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    return { accepted: true, mismatches: r.value === t.personal_key ? [] : [`personal_key ${r.value}`] };
  },
  kdf(t, valid) {
    const r = attempt(() => kdf(bytes(t.key_material)));
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    return { accepted: true, mismatches: r.value === t.output ? [] : [`output ${r.value}`] };
  },
  x3dh(t, valid) {
    const pub = (f, priv) => t[f] ?? publicOf(t[priv]);
    const ikAPub = pub('ik_a_pub', 'ik_a_priv');
    const ekAPub = pub('ek_a_pub', 'ek_a_priv');
    const ikBPub = pub('ik_b_pub', 'ik_b_priv');
    const spkBPub = pub('spk_b_pub', 'spk_b_priv');
    const sent = attempt(() => x3dhSend(t.ik_a_priv, t.ek_a_priv, ikBPub, spkBPub, t.spk_b_sig));
    if (t.send_fails_by !== undefined || !sent.ok) return { accepted: sent.ok, mismatches: [] };
    const got = attempt(() => {
      if (spkBPub !== publicOf(t.spk_b_priv)) throw new Error('not my SPK');  // CR-X3DH-004
      return x3dhReceive(t.ik_b_priv, t.spk_b_priv, ikAPub, ekAPub);
    });
    if (!got.ok || !valid) return { accepted: got.ok, mismatches: [] };
    const m = [];
    if (sent.value.sk !== t.shared_key) m.push('shared_key (initiator)');
    if (got.value !== t.shared_key) m.push('shared_key (responder)');
    if (t.message.ek !== ekAPub || t.message.spk !== spkBPub) m.push('message');
    sent.value.dh.forEach((d, i) => {
      if (t[`dh${i + 1}`] !== undefined && t[`dh${i + 1}`] !== d) m.push(`dh${i + 1}`);
    });
    return { accepted: true, mismatches: m };
  },
  group_dm(t, valid) {
    const members = t.members;
    const creatorPub = publicOf(t.creator_ik_priv);
    const bundle = (mb) => [mb.ik_pub ?? publicOf(mb.ik_priv), mb.spk_pub ?? publicOf(mb.spk_priv),
      mb.spk_sig];
    if (t.receive) {
      const mb = members[t.receive.member - 1];
      const r = attempt(() => {
        const ek = t.receive.ek ?? mb.ek_pub ?? publicOf(mb.ek_priv);
        const sk = x3dhReceive(mb.ik_priv, mb.spk_priv, creatorPub, ek);
        return receiveTree(sk, t.receive.key_tree, t.receive.position);
      });
      return { accepted: r.ok, mismatches: [] };
    }
    // The creator (CR-TREE-001..004): leaves, padding to M, parents by combine.
    const made = attempt(() => {
      let m = 2;
      while (m < t.n) m *= 2;
      const leaves = members.map((mb) => x3dhSend(t.creator_ik_priv, mb.ek_priv, ...bundle(mb)).sk);
      const node = new Array(2 * m);
      [t.creator_leaf, ...leaves, ...t.padding].forEach((k, i) => { node[m + i] = k; });
      if (t.padding.length !== m - t.n) throw new Error('padding count');
      for (let i = m - 1; i >= 1; i--) node[i] = combine(node[2 * i], node[2 * i + 1]);
      return { m, leaves, node, tree: node.slice(2).map(publicOf) };
    });
    if (!made.ok || !valid) return { accepted: made.ok, mismatches: [] };
    const { m, leaves, node, tree } = made.value;
    const mm = [];
    if (t.padded_size !== m) mm.push('padded_size');
    if (node[1] !== t.shared_key) mm.push('shared_key');
    if (tree.join() !== t.key_tree.join()) mm.push('key_tree');
    if (t.private_tree && t.private_tree.join() !== node.slice(1).join()) mm.push('private_tree');
    members.forEach((mb, i) => {
      const msg = t.messages[i];
      if (msg.ek !== publicOf(mb.ek_priv) || msg.spk !== bundle(mb)[1]) mm.push(`messages[${i}]`);
      if (mb.leaf_key !== undefined && mb.leaf_key !== leaves[i]) mm.push(`members[${i}].leaf_key`);
      const got = attempt(() => receiveTree(
        x3dhReceive(mb.ik_priv, mb.spk_priv, creatorPub, msg.ek), t.key_tree, i + 1));
      if (!got.ok) mm.push(`members[${i}] receive refused: ${got.why}`);
      else if (got.value !== t.shared_key) mm.push(`members[${i}] root`);
    });
    return { accepted: true, mismatches: mm };
  },
  aead(t, valid) {
    const r = attempt(() => bytesToHex(aeadOpen(t.key, t.ciphertext)));
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    const m = [];
    if (r.value !== t.plaintext) m.push('decrypted plaintext');
    if (aeadSeal(t.key, t.iv, bytes(t.plaintext)) !== t.ciphertext) m.push('ciphertext');
    if (t.plaintext_text !== undefined &&
        bytesToHex(new TextEncoder().encode(t.plaintext_text)) !== t.plaintext) {
      m.push('plaintext_text');
    }
    return { accepted: true, mismatches: m };
  },
  own_storage(t, valid) {
    const key = attempt(() => ecdh(t.private_key, publicOf(t.private_key)));
    if (!key.ok) return { accepted: false, mismatches: [] };
    const r = attempt(() => {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(aeadOpen(key.value, t.own_storage));
      parseStorage(text);
      return text;
    });
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    const m = [];
    // JSON.stringify keeps the file's member order: privSPK, then ids as listed.
    if (JSON.stringify(t.storage) !== t.plaintext_json) m.push('plaintext_json vs storage');
    if (r.value !== t.plaintext_json) m.push('opened plaintext');
    if (aeadSeal(key.value, t.iv, new TextEncoder().encode(t.plaintext_json)) !== t.own_storage) {
      m.push('own_storage');
    }
    if (t.personal_key !== undefined && t.personal_key !== key.value) m.push('personal_key');
    return { accepted: true, mismatches: m };
  },
};

// forgeryAccepted checks the claim of the flag: noble's verify accepts the forged signature (in
// x3dh and group_dm the operation as a whole still fails, on the small-order key's ECDH).
function forgeryAccepted(family, t) {
  const ok = (sig, msg, pub) => attempt(() => ed25519.verify(sig, msg, pub)).value === true;
  if (family === 'ed25519_sign') return ok(t.signature, t.message, t.public_key);
  if (family === 'x3dh') return ok(t.spk_b_sig, t.spk_b_pub, t.ik_b_pub);
  if (family === 'group_dm') {
    return t.members.some((mb) => mb.ik_pub !== undefined && mb.ik_pub !== publicOf(mb.ik_priv) &&
      ok(mb.spk_sig, mb.spk_pub ?? publicOf(mb.spk_priv), mb.ik_pub));
  }
  return false;
}

const dir = process.argv[2] ?? join(here, '..', 'data');
let failures = 0;
for (const family of Object.keys(families)) {
  const file = JSON.parse(readFileSync(join(dir, `${family}.json`), 'utf8'));
  const counts = { agree: 0, lenient: 0, strict: 0, failed: 0 };
  for (const t of file.tests) {
    const valid = t.result === 'valid';
    const flags = t.flags ?? [];
    const edge = flags.some((f) => EDGE.has(f));
    const { accepted, mismatches } = families[family](t, valid);
    let outcome = 'agree';
    let why = '';
    if (mismatches.length) {
      outcome = 'failed';
      why = `outputs differ: ${mismatches.join(', ')}`;
    } else if (valid && !accepted) {
      outcome = edge ? 'strict' : 'failed';
      why = 'valid test refused';
    } else if (!valid && accepted) {
      outcome = edge ? 'lenient' : 'failed';
      why = 'invalid test accepted';
    }
    if (flags.includes('forgery_accepted_by_noble') && !forgeryAccepted(family, t)) {
      outcome = 'failed';
      why = 'flagged forgery_accepted_by_noble, but noble refused the forged signature';
    }
    counts[outcome]++;
    if (outcome === 'failed') console.log(`  ${family} #${t.id} failed: ${why} (${t.comment})`);
  }
  failures += counts.failed;
  console.log(`${family} (noble 1.1.0): ${counts.agree + counts.lenient + counts.strict} passed, ` +
    `${counts.failed} failed (${counts.lenient} lenient, ${counts.strict} strict)`);
}
process.exit(failures === 0 ? 0 : 1);
