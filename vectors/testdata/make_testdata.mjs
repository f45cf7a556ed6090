// make_testdata.mjs — writes the small vector files of vectors/testdata/ that are laid out "the
// other way" (vectors.md VEC-001 … VEC-005), from the committed files in vectors/data/.
// vectors_test (checker_vec_test.cc) asserts the checker's verdict on each of their tests.
//
//   node vectors/testdata/make_testdata.mjs        (rewrites vectors/testdata/*.json)
//
// Only node:crypto (AES-256-GCM) is used; every other value is copied from vectors/data.
import { createCipheriv } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const data = (family) => JSON.parse(readFileSync(join(here, '..', 'data', `${family}.json`), 'utf8'));
const clone = (v) => JSON.parse(JSON.stringify(v));
const byComment = (file, re) => clone(file.tests.find((t) => re.test(t.comment)));
const byId = (file, id) => clone(file.tests.find((t) => t.id === id));
const without = (t, ...fields) => {
  for (const f of fields) delete t[f];
  return t;
};
const flipLastHexDigit = (h) => h.slice(0, -1) + (h.endsWith('0') ? '1' : '0');

function write(name, family, notes, tests) {
  const file = { family, version: 1, generator: 'vectors/testdata/make_testdata.mjs', notes,
    tests: tests.map(([expect, comment, t], i) => ({ ...t, id: i + 1, comment,
      expect_checker: expect })) };
  writeFileSync(join(here, name), `${JSON.stringify(file, null, 1)}\n`);
}

// VEC-001: private_tree in either layout.
{
  const g = data('group_dm');
  const m2 = byComment(g, /^group of n = 2 /);  // M = 2
  const m4 = byComment(g, /^group of n = 3 /);  // M = 4
  const aligned = (t) => ({ ...clone(t), private_tree: t.private_tree.slice(1) });
  const tampered = aligned(m4);
  tampered.private_tree[2] = flipLastHexDigit(tampered.private_tree[2]);
  write('group_dm_private_tree_layouts.json', 'group_dm',
    ['VEC-001: private_tree as heap 1 ... 2M-1 (root first) or aligned with key_tree (heap 2 ... 2M-1).'], [
      ['passed', 'n = 3, M = 4: private_tree aligned with key_tree (heap 2 ... 7, 6 entries)', aligned(m4)],
      ['passed', 'n = 3, M = 4: private_tree root first (heap 1 ... 7, 7 entries)', m4],
      ['passed', 'n = 2, M = 2: private_tree aligned with key_tree (2 entries)', aligned(m2)],
      ['failed', 'aligned layout with heap 4 changed', tampered],
      ['failed', 'private_tree of 5 entries (neither 2M-1 nor 2M-2)',
        { ...clone(m4), private_tree: m4.private_tree.slice(0, 5) }],
      ['failed', 'heap 1 ... 2M-2 (the last node dropped instead of the root): misaligned',
        { ...clone(m4), private_tree: m4.private_tree.slice(0, 6) }],
    ]);
}

// VEC-003 in group_dm: a member without ik_priv / spk_priv cannot receive; the creator side and
// the other members are still checked.
{
  const g = data('group_dm');
  const m4 = byComment(g, /^group of n = 3 /);
  const noIk = clone(m4);
  delete noIk.members[0].ik_priv;
  const noIkWrongRoot = clone(noIk);
  noIkWrongRoot.members[1].shared_key = flipLastHexDigit(noIkWrongRoot.members[1].shared_key);
  const smallIk = byComment(g, /member 1's ik_pub is a small-order point/);
  const receiveCase = byComment(g, /member 1 told position 2/);
  const receiveNoKeys = clone(receiveCase);
  delete receiveNoKeys.members[0].ik_priv;
  delete receiveNoKeys.members[0].spk_priv;
  write('group_dm_member_keys_omitted.json', 'group_dm',
    ['VEC-003: a member may lack ik_priv / spk_priv (a small-order key has none); its receive cannot run.'], [
      ['passed', 'valid n = 3, member 1 without ik_priv: creator and member 2 checked', noIk],
      ['failed', 'as above, with member 2 shared_key changed: still checked', noIkWrongRoot],
      ['passed', 'creator-side: member 1 ik_pub small-order, no ik_priv', smallIk],
      ['skipped', 'receiver-side test whose receiving member has no ik_priv / spk_priv', receiveNoKeys],
    ]);
}

// VEC-002: own_storage is seal(plaintext_json) byte for byte; storage compares as a JSON value.
{
  const o = data('own_storage');
  const base = byComment(o, /ids 3, 12, 1000/);
  const seal = (t, text) => {
    const key = Buffer.from(t.personal_key, 'hex');
    const iv = Buffer.from(t.iv, 'hex');
    const c = createCipheriv('aes-256-gcm', key, iv);
    return Buffer.concat([iv, c.update(Buffer.from(text, 'utf8')), c.final(), c.getAuthTag()])
      .toString('hex');
  };
  const keys = base.storage.sharedKeys;
  const byteOrder = { privSPK: base.storage.privSPK,
    sharedKeys: Object.fromEntries(['1000', '12', '3'].map((id) => [id, keys[id]])) };
  // JSON.stringify would reorder integer-like keys; write the byte-ordered text by hand.
  const byteText = `{"privSPK":"${byteOrder.privSPK}","sharedKeys":{` +
    ['1000', '12', '3'].map((id) => `"${id}":"${keys[id]}"`).join(',') + '}}';
  const jsText = JSON.stringify(base.storage);
  if (jsText !== base.plaintext_json) throw new Error('committed own_storage is not in JS order');
  const byteSealed = { ...clone(base), plaintext_json: byteText, own_storage: seal(base, byteText) };
  const pretty = JSON.stringify(base.storage, null, 2);
  const otherValue = clone(base);
  otherValue.storage.sharedKeys['12'] = flipLastHexDigit(otherValue.storage.sharedKeys['12']);
  write('own_storage_member_order.json', 'own_storage',
    ['VEC-002: own_storage = seal(plaintext_json) byte for byte, whatever order the producer wrote; the opened object equals storage as a JSON value.',
      'The storage objects of tests 2 and 3 list sharedKeys in different orders; JSON readers may reorder them, the checker compares them as values.'], [
      ['passed', 'sharedKeys in JavaScript order (3, 12, 1000), as the web client seals', base],
      ['passed', 'sharedKeys in byte-wise order (1000, 12, 3), as std::map writes them', byteSealed],
      ['passed', 'byte-wise plaintext_json, storage written in JavaScript order', { ...byteSealed, storage: base.storage }],
      ['passed', 'plaintext_json with whitespace (still the exact text sealed)',
        { ...clone(base), plaintext_json: pretty, own_storage: seal(base, pretty) }],
      ['failed', 'plaintext_json in JavaScript order, own_storage sealed from the byte-wise text',
        { ...clone(base), own_storage: byteSealed.own_storage }],
      ['failed', 'storage has another value for id 12', otherValue],
      ['failed', 'storage lacks privSPK', { ...clone(base), storage: { sharedKeys: keys } }],
    ]);
}

// VEC-003 and VEC-005: x3dh tests without impossible private keys; send_fails_by of another producer.
{
  const x = data('x3dh');
  const valid = byId(x, 1);
  const smallIk = byComment(x, /ik_b_pub is the small-order point 1/);
  const badSig = byComment(x, /spk_b_sig with a flipped bit/);
  const badEk = byComment(x, /invalid ek: ek_a_pub is a small-order point 1/);
  write('x3dh_private_keys_omitted.json', 'x3dh',
    ['VEC-003: a test may omit a private key that cannot exist; only the other side is checked.',
      'VEC-005: send_fails_by signature_check / exception is how the JavaScript oracle names a refusal.'], [
      ['passed', 'valid, no ik_b_priv: only the initiator is checked', without(clone(valid), 'ik_b_priv')],
      ['passed', 'valid, no ik_a_priv nor ek_a_priv: only the responder is checked',
        without(clone(valid), 'ik_a_priv', 'ek_a_priv')],
      ['skipped', 'valid, no private key at all: nothing can be checked',
        without(clone(valid), 'ik_a_priv', 'ek_a_priv', 'ik_b_priv', 'spk_b_priv')],
      ['passed', 'small-order ik_b_pub without ik_b_priv, send_fails_by ik_b_pub', smallIk],
      ['passed', 'small-order ik_b_pub, send_fails_by "exception" (another producer)',
        { ...clone(smallIk), send_fails_by: 'exception' }],
      ['passed', 'flipped SPK signature, send_fails_by "signature_check" (another producer)',
        { ...clone(badSig), send_fails_by: 'signature_check' }],
      ['skipped', 'responder-side invalid test (bad ek_a_pub) without ik_b_priv',
        without(clone(badEk), 'ik_b_priv')],
      ['skipped', 'send_fails_by given, but no ik_a_priv', without(clone(badSig), 'ik_a_priv')],
      ['failed', 'valid, no ik_b_priv, and a wrong shared_key: the initiator side is still checked',
        { ...without(clone(valid), 'ik_b_priv'), shared_key: flipLastHexDigit(valid.shared_key) }],
      ['failed', 'send_fails_by "signature_check" on a bundle that is fine: sending succeeds',
        { ...without(clone(valid), 'shared_key', 'message', 'dh1', 'dh2', 'dh3', 'dh4'),
          result: 'invalid', send_fails_by: 'signature_check' }],
    ]);
}

// VEC-004: one malformed test fails alone.
{
  const k = data('kdf');
  const good = (id) => without(byId(k, id), 'id', 'comment');
  write('kdf_one_malformed.json', 'kdf',
    ['VEC-004: each malformed test fails alone with a one-line reason; the others are checked.'], [
      ['passed', 'a good test', good(1)],
      ['failed', 'missing output', without(good(2), 'output')],
      ['failed', 'key_material is a number', { ...good(3), key_material: 5 }],
      ['failed', 'result is "maybe"', { ...good(4), result: 'maybe' }],
      ['failed', 'flags is not a list of strings', { ...good(5), flags: [1] }],
      ['passed', 'another good test', good(6)],
    ]);
  // Tests that cannot carry an id of their own: patched after writing.
  const path = join(here, 'kdf_one_malformed.json');
  const file = JSON.parse(readFileSync(path, 'utf8'));
  const noId = { ...good(7), comment: 'no id', expect_checker: 'failed' };
  const dup = { ...good(8), id: 1, comment: 'duplicate id 1', expect_checker: 'failed' };
  file.tests.splice(3, 0, noId, 'not an object', dup);
  writeFileSync(path, `${JSON.stringify(file, null, 1)}\n`);
}
