// noble_check.mjs — an independent second checker: runs the vector files through
// @noble/curves 1.1.0, the library of the protocol's deployed web client, and checks what the
// files claim about it.
//
//   node vectors/js/noble_check.mjs vectors/data     (exit 0 = every claim holds)
//
// Families: ed25519_keys, ed25519_sign, ecdh, challenge. Rules (vectors.md):
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
const { bytesToHex, hexToBytes } = require('@noble/curves/abstract/utils');

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
};

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
    if (!valid && !accepted && flags.includes('forgery_accepted_by_noble')) {
      outcome = 'failed';
      why = 'flagged forgery_accepted_by_noble, but noble refused it';
    }
    counts[outcome]++;
    if (outcome === 'failed') console.log(`  ${family} #${t.id} failed: ${why} (${t.comment})`);
  }
  failures += counts.failed;
  console.log(`${family} (noble 1.1.0): ${counts.agree + counts.lenient + counts.strict} passed, ` +
    `${counts.failed} failed (${counts.lenient} lenient, ${counts.strict} strict)`);
}
process.exit(failures === 0 ? 0 : 1);
