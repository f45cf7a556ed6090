// noble_check.mjs — an independent second checker: every family recomputed in JavaScript on
// @noble/curves 1.1.0 (the library of the protocol's deployed web client), @noble/hashes 1.3.1
// and node:crypto — no code shared with the C++ generator, so the files are proven against
// crypto.md by a second implementation, not only by the library that wrote them.
//
//   node vectors/js/noble_check.mjs vectors/data            (every <family>.json of a folder)
//   node vectors/js/noble_check.mjs their/x3dh.json ...     (any vector files, by their family)
//   exit 0 = every claim holds, 1 = a test failed or a file is not a vector file
//
// Primitives (keys, signatures, ECDH, challenge) use noble's own decisions, so its lenient
// ZIP-215 choices show up as `lenient`. The protocol steps noble does not have (X3DH checks, the
// key-tree receive, own_storage parsing, the recovery phrase) are written here from crypto.md,
// strictly. Rules (vectors.md):
//   - valid tests: noble must compute the same outputs / accept;
//   - invalid tests without an edge flag: noble must refuse;
//   - invalid tests with an edge flag: noble may accept (counted lenient) — except that a test
//     flagged `forgery_accepted_by_noble` MUST be accepted, or the flag is wrong;
//   - VEC-001 private_tree in either layout; VEC-002 own_storage = seal(plaintext_json) byte for
//     byte, the opened object equal to `storage` as a JSON value; VEC-003 a test is checked on
//     the side whose private keys it has, and skipped (with its reason) when it has neither;
//     VEC-004 a malformed test fails alone; VEC-005 another send_fails_by is a note.
// The library is loaded from interop/node_modules (the pinned npm project), or from the
// directory named by UNM_INTEROP_DIR. The BIP-39 word list is read from the reference's
// reference/crypto/bip39_english.cc and accepted only if its SHA-256 is the published one.
import { readFileSync, readdirSync, statSync } from 'node:fs';
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

// jsonEqual compares two JSON values; object member order does not matter (VEC-002).
function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

// The BIP-39 English list, taken from the reference's committed source and checked against the
// published digest of english.txt, so a wrong list cannot pass unnoticed.
const BIP39_SHA256 = '2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda';
const WORDS = (() => {
  const src = readFileSync(join(here, '..', '..', 'reference', 'crypto', 'bip39_english.cc'), 'utf8');
  const body = src.slice(src.indexOf('kBip39English = {'));
  const words = [...body.matchAll(/"([A-Z]+)"/g)].map((x) => x[1]);
  const text = `${words.map((w) => w.toLowerCase()).join('\n')}\n`;
  const digest = nodeCrypto.createHash('sha256').update(text).digest('hex');
  if (words.length !== 2048 || digest !== BIP39_SHA256) {
    throw new Error(`bip39_english.cc is not the BIP-39 English list (${words.length} words, sha256 ${digest})`);
  }
  return words;
})();
const WORD_INDEX = new Map(WORDS.map((w, i) => [w, BigInt(i)]));

// CR-KEY-005, written from the clause: per 8-byte group, 64 bits + 2 parity bits (sum of the 32
// two-bit fields mod 4) = six 11-bit indices.
function groupParity(v) {
  let p = 0n;
  for (let s = 0n; s < 64n; s += 2n) p += (v >> s) & 3n;
  return p & 3n;
}
function keyToPhrase(privHex) {
  const b = bytes(privHex, 32);
  const out = [];
  for (let g = 0; g < 4; g++) {
    const v = BigInt(`0x${bytesToHex(b.subarray(8 * g, 8 * g + 8))}`);
    const x = (v << 2n) | groupParity(v);
    for (let k = 0; k < 6; k++) out.push(WORDS[Number((x >> BigInt(55 - 11 * k)) & 0x7ffn)]);
  }
  return out.join(' ');
}
function phraseToKey(phrase) {
  if (typeof phrase !== 'string') throw new Error('phrase is not a string');
  const words = phrase.trim().split(/[ \t\n\v\f\r]+/).filter((w) => w !== '');
  if (words.length !== 24) throw new Error(`${words.length} words`);
  let hex = '';
  for (let g = 0; g < 4; g++) {
    let x = 0n;
    for (let k = 0; k < 6; k++) {
      const i = WORD_INDEX.get(words[6 * g + k].toUpperCase());
      if (i === undefined) throw new Error(`unknown word ${words[6 * g + k]}`);
      x = (x << 11n) | i;
    }
    const v = x >> 2n;
    if ((x & 3n) !== groupParity(v)) throw new Error(`parity of group ${g + 1}`);
    hex += v.toString(16).padStart(16, '0');
  }
  return hex;
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
    // VEC-003: each side runs when the test has its private keys.
    const has = (f) => t[f] !== undefined;
    const pub = (f, priv) => t[f] ?? (has(priv) ? publicOf(t[priv]) : undefined);
    const ikAPub = pub('ik_a_pub', 'ik_a_priv');
    const ekAPub = pub('ek_a_pub', 'ek_a_priv');
    const ikBPub = pub('ik_b_pub', 'ik_b_priv');
    const spkBPub = pub('spk_b_pub', 'spk_b_priv');
    const missing = (pairs) => pairs.filter(([, ok]) => !ok).map(([n]) => n).join(', ');
    const noSend = `initiator not run: no ${missing([['ik_a_priv', has('ik_a_priv')],
      ['ek_a_priv', has('ek_a_priv')], ['ik_b_pub', ikBPub], ['spk_b_pub', spkBPub]])}`;
    const noReceive = `responder not run: no ${missing([['ik_b_priv', has('ik_b_priv')],
      ['spk_b_priv', has('spk_b_priv')], ['ik_a_pub', ikAPub], ['ek_a_pub', ekAPub]])}`;
    const canSend = has('ik_a_priv') && has('ek_a_priv') && ikBPub && spkBPub;
    const canReceive = has('ik_b_priv') && has('spk_b_priv') && ikAPub && ekAPub;
    const send = () => attempt(() => x3dhSend(t.ik_a_priv, t.ek_a_priv, ikBPub, spkBPub, t.spk_b_sig));
    const notes = [];
    if (t.send_fails_by !== undefined) {
      if (!canSend) return { skip: `send_fails_by given, but the ${noSend}` };
      const sent = send();
      // VEC-005: this oracle names a refusal signature_check or exception.
      const ours = !sent.ok && (sent.why === 'bad SPK signature' ? 'signature_check' : 'exception');
      if (!sent.ok && ours !== t.send_fails_by) {
        notes.push(`send_fails_by: the file says "${t.send_fails_by}", noble refused by ${ours}`);
      }
      return { accepted: sent.ok, mismatches: [], notes };
    }
    if (!canSend && !canReceive) return { skip: `${noSend}; ${noReceive}` };
    let sent;
    if (canSend) {
      sent = send();
      if (!sent.ok) return { accepted: false, mismatches: [] };
    } else if (valid) {
      notes.push(noSend);
    }
    let got;
    if (canReceive) {
      got = attempt(() => {
        if (spkBPub !== publicOf(t.spk_b_priv)) throw new Error('not my SPK');  // CR-X3DH-004
        return x3dhReceive(t.ik_b_priv, t.spk_b_priv, ikAPub, ekAPub);
      });
      if (!got.ok) return { accepted: false, mismatches: [], notes };
    } else if (valid) {
      notes.push(noReceive);
    } else {
      return { skip: `the responder must refuse, but the ${noReceive}` };
    }
    if (!valid) return { accepted: true, mismatches: [], notes };
    const m = [];
    if (sent && sent.value.sk !== t.shared_key) m.push('shared_key (initiator)');
    if (got && got.value !== t.shared_key) m.push('shared_key (responder)');
    if (t.message.ek !== ekAPub || t.message.spk !== spkBPub) m.push('message');
    for (const [f, priv] of [['ik_a_pub', 'ik_a_priv'], ['ek_a_pub', 'ek_a_priv'],
      ['ik_b_pub', 'ik_b_priv'], ['spk_b_pub', 'spk_b_priv']]) {
      if (has(f) && has(priv) && t[f] !== publicOf(t[priv])) m.push(`${f} is not public(${priv})`);
    }
    const dh = sent ? sent.value.dh : [ecdh(t.spk_b_priv, ikAPub), ecdh(t.ik_b_priv, ekAPub),
      ecdh(t.spk_b_priv, ekAPub), ecdh(t.ik_b_priv, ikAPub)];
    dh.forEach((d, i) => {
      if (t[`dh${i + 1}`] !== undefined && t[`dh${i + 1}`] !== d) m.push(`dh${i + 1}`);
    });
    return { accepted: true, mismatches: m, notes };
  },
  group_dm(t, valid) {
    const members = t.members;
    const creatorPub = publicOf(t.creator_ik_priv);
    const bundle = (mb) => [mb.ik_pub ?? publicOf(mb.ik_priv), mb.spk_pub ?? publicOf(mb.spk_priv),
      mb.spk_sig];
    if (t.receive) {
      const mb = members[t.receive.member - 1];
      if (mb && (mb.ik_priv === undefined || mb.spk_priv === undefined)) {
        return { skip: `the receiving member ${t.receive.member} has no ik_priv/spk_priv` };  // VEC-003
      }
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
    const notes = [];
    if (t.padded_size !== m) mm.push('padded_size');
    if (node[1] !== t.shared_key) mm.push('shared_key');
    if (tree.join() !== t.key_tree.join()) mm.push('key_tree');
    if (t.private_tree) {
      // VEC-001: heap 1 ... 2M-1 (root first) or aligned with key_tree (heap 2 ... 2M-1).
      const first = t.private_tree.length === 2 * m - 1 ? 1 : t.private_tree.length === 2 * m - 2 ? 2 : 0;
      if (first === 0) mm.push(`private_tree has ${t.private_tree.length} entries`);
      else if (t.private_tree.join() !== node.slice(first).join()) mm.push(`private_tree (from heap ${first})`);
    }
    members.forEach((mb, i) => {
      const msg = t.messages[i];
      if (msg.ek !== publicOf(mb.ek_priv) || msg.spk !== bundle(mb)[1]) mm.push(`messages[${i}]`);
      if (mb.leaf_key !== undefined && mb.leaf_key !== leaves[i]) mm.push(`members[${i}].leaf_key`);
      if (mb.ik_priv === undefined || mb.spk_priv === undefined) {
        notes.push(`members[${i}] has no ik_priv/spk_priv: its receive not run`);  // VEC-003
        return;
      }
      const got = attempt(() => receiveTree(
        x3dhReceive(mb.ik_priv, mb.spk_priv, creatorPub, msg.ek), t.key_tree, i + 1));
      if (!got.ok) mm.push(`members[${i}] receive refused: ${got.why}`);
      else if (got.value !== t.shared_key) mm.push(`members[${i}] root`);
      else if (mb.shared_key !== undefined && mb.shared_key !== got.value) mm.push(`members[${i}].shared_key`);
    });
    return { accepted: true, mismatches: mm, notes };
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
      return { text, value: parseStorage(text) };
    });
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    const m = [];
    // VEC-002: the sealed bytes are exactly plaintext_json (whatever member order the producer
    // wrote); the opened object equals storage as a JSON value.
    if (aeadSeal(key.value, t.iv, new TextEncoder().encode(t.plaintext_json)) !== t.own_storage) {
      m.push('own_storage is not seal(plaintext_json)');
    }
    if (r.value.text !== t.plaintext_json) m.push('opened text is not plaintext_json');
    if (!jsonEqual(r.value.value, t.storage)) m.push('opened object differs from storage');
    if (t.personal_key !== undefined && t.personal_key !== key.value) m.push('personal_key');
    return { accepted: true, mismatches: m };
  },
  recovery_phrase(t, valid) {
    const r = attempt(() => phraseToKey(t.phrase));
    if (!r.ok || !valid) return { accepted: r.ok, mismatches: [] };
    const m = [];
    if (r.value !== t.private_key) m.push(`decoded private_key ${r.value}`);
    if (keyToPhrase(t.private_key) !== t.phrase.toUpperCase()) m.push('phrase (upper case)');
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
    return t.members.some((mb) => mb.ik_pub !== undefined &&
      (mb.ik_priv === undefined || mb.ik_pub !== publicOf(mb.ik_priv)) &&
      ok(mb.spk_sig, mb.spk_pub ?? publicOf(mb.spk_priv), mb.ik_pub));
  }
  return false;
}

// REQUIRED lists, per family, the fields every test needs and those a valid test needs (with
// their JSON type); a test without them is malformed and fails alone (VEC-004).
const S = 'string';
const REQUIRED = {
  ed25519_keys: [{ private_key: S }, { public_key: S }],
  ed25519_sign: [{ public_key: S, message: S, signature: S }, {}],
  challenge: [{ private_key: S, challenge: S }, { response: S }],
  ecdh: [{ private_key: S, peer_public_key: S }, { shared_secret: S }],
  personal_key: [{ private_key: S }, { personal_key: S }],
  kdf: [{ key_material: S }, { output: S }],
  x3dh: [{ spk_b_sig: S }, { shared_key: S, message: 'object' }],
  group_dm: [{ n: 'number', creator_ik_priv: S, creator_leaf: S, padding: 'array', members: 'array' },
    { padded_size: 'number', key_tree: 'array', messages: 'array', shared_key: S }],
  aead: [{ key: S, ciphertext: S }, { iv: S, plaintext: S }],
  own_storage: [{ private_key: S, own_storage: S }, { iv: S, storage: 'object', plaintext_json: S }],
  recovery_phrase: [{ phrase: S }, { private_key: S }],
};
const typeOf = (v) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

// malformedReason is why a test is not a test of its family's schema, or '' when it is one.
function malformedReason(family, t, seenIds) {
  if (typeOf(t) !== 'object') return 'not an object';
  if (!Number.isInteger(t.id)) return 'missing or non-integer id';
  if (seenIds.has(t.id)) return `duplicate id ${t.id}`;
  seenIds.add(t.id);
  if (t.result !== 'valid' && t.result !== 'invalid') return 'result is neither valid nor invalid';
  if (t.flags !== undefined && (typeOf(t.flags) !== 'array' || t.flags.some((f) => typeof f !== 'string'))) {
    return 'flags is not a list of strings';
  }
  const [always, whenValid] = REQUIRED[family];
  for (const [field, type] of Object.entries({ ...always, ...(t.result === 'valid' ? whenValid : {}) })) {
    if (t[field] === undefined) return `missing field "${field}"`;
    if (typeOf(t[field]) !== type) return `field "${field}" is not ${type === 'array' ? 'an' : 'a'} ${type}`;
  }
  return '';
}

// The files to check: every .json of a folder argument, every file argument.
// --expect-verdicts: each test carries the verdict a checker must reach (`expect_checker`, as in
// vectors/testdata); a different verdict is the failure, not the verdict itself.
const expectVerdicts = process.argv.includes('--expect-verdicts');
const args = process.argv.slice(2).filter((a) => a !== '--expect-verdicts');
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node vectors/js/noble_check.mjs [--expect-verdicts] [DIR | FILE]...  (default: vectors/data)');
  process.exit(0);
}
const files = [];
for (const a of args.length ? args : [join(here, '..', 'data')]) {
  if (statSync(a, { throwIfNoEntry: false })?.isDirectory()) {
    for (const f of readdirSync(a).filter((n) => n.endsWith('.json')).sort()) files.push(join(a, f));
  } else {
    files.push(a);
  }
}
let failures = 0;
for (const path of files) {
  let file;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
    if (typeOf(file) !== 'object' || !families[file.family] || file.version !== 1 || typeOf(file.tests) !== 'array') {
      throw new Error('not a vector file of a known family (family, version 1, tests)');
    }
  } catch (e) {
    console.log(`${path}: ${String(e.message ?? e)}`);
    failures++;
    continue;
  }
  const family = file.family;
  const counts = { agree: 0, lenient: 0, strict: 0, skipped: 0, failed: 0 };
  const seenIds = new Set();
  file.tests.forEach((t, index) => {
    const label = Number.isInteger(t?.id) && !seenIds.has(t.id) ? `#${t.id}` : `tests[${index}]`;
    const bad = malformedReason(family, t, seenIds);
    let outcome = 'agree';
    let why = '';
    let notes = [];
    if (bad) {
      outcome = 'failed';
      why = `malformed test: ${bad}`;
    } else {
      const valid = t.result === 'valid';
      const flags = t.flags ?? [];
      const edge = flags.some((f) => EDGE.has(f));
      const r = attempt(() => families[family](t, valid));
      const { accepted, mismatches = [], skip } = r.ok ? r.value : { mismatches: [] };
      notes = (r.ok && r.value.notes) || [];
      if (!r.ok) {
        outcome = 'failed';
        why = `malformed test: ${r.why}`;
      } else if (mismatches.length) {
        outcome = 'failed';
        why = `outputs differ: ${mismatches.join(', ')}`;
      } else if (skip) {
        outcome = 'skipped';
        why = skip;
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
    }
    if (expectVerdicts) {
      const want = typeOf(t) === 'object' && t.expect_checker ? t.expect_checker : 'failed';
      const got = outcome === 'agree' ? 'passed' : outcome;
      if (got !== want) {
        why = `expected ${want}, got ${got}: ${why}`;
        outcome = 'failed';
      } else {
        outcome = 'agree';
      }
    }
    counts[outcome]++;
    const comment = typeOf(t) === 'object' && t.comment ? ` (${t.comment})` : '';
    if (outcome === 'failed' || outcome === 'skipped') console.log(`  ${family} ${label} ${outcome}: ${why}${comment}`);
    for (const n of notes) console.log(`  ${family} ${label} note: ${n}`);
  });
  failures += counts.failed;
  console.log(`${family} (noble 1.1.0): ${counts.agree + counts.lenient + counts.strict} passed, ` +
    `${counts.failed} failed (${counts.lenient} lenient, ${counts.strict} strict, ${counts.skipped} skipped)`);
}
process.exit(failures === 0 ? 0 : 1);
