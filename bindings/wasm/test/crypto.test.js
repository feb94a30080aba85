'use strict';
// nexus WASM cryptography: the RFC vectors in test-vectors/, Wycheproof (when present), and Node's
// own crypto (OpenSSL) as a second implementation on pseudo-random inputs, plus the error contract.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const nodeCrypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');
const sharedDir = path.resolve(root, '..', 'shared', 'vectors');
const vectors = (name) => JSON.parse(fs.readFileSync(path.join(root, 'test-vectors', name), 'utf8'));
const shared = (rel) => JSON.parse(fs.readFileSync(path.join(sharedDir, rel), 'utf8'));
const haveShared = (rel) => fs.existsSync(path.join(sharedDir, rel));
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const u8 = (b) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const utf8 = (s) => new TextEncoder().encode(s);
const code = (c) => (e) => e.name === 'NexusError' && e.code === c;

// A deterministic xorshift32 stream, so failures reproduce.
function rng(seed) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return {
    int: (n) => next() % n,
    bytes: (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; ++i) b[i] = next() & 0xff; return b; },
  };
}

let nexus;
test.before(async () => { nexus = await require(path.join(wasmDir, 'nexus.js')).load(); });

// ---- SHA-2, HMAC, HKDF ------------------------------------------------------------------------

test('sha256/sha512: FIPS 180-4 vectors, and Node createHash on random inputs', () => {
  for (const c of vectors('sha2.json').cases) {
    const msg = c.repeat !== undefined ? unhex(c.repeat.repeat(c.count)) : unhex(c.msg);
    assert.equal(hex(c.algorithm === 'sha256' ? nexus.sha256(msg) : nexus.sha512(msg)), c.digest, c.comment);
  }
  const r = rng(1);
  for (let i = 0; i < 300; ++i) {
    const data = r.bytes(i < 260 ? i : r.int(5000));
    assert.equal(hex(nexus.sha256(data)), nodeCrypto.createHash('sha256').update(data).digest('hex'));
    assert.equal(hex(nexus.sha512(data)), nodeCrypto.createHash('sha512').update(data).digest('hex'));
  }
  assert.throws(() => nexus.sha256('abc'), TypeError);
  assert.throws(() => nexus.sha512([1, 2]), TypeError);
});

test('hmacSha256/hmacSha512: RFC 4231 vectors, and Node createHmac on random inputs', () => {
  for (const c of vectors('hmac.json').cases) {
    const key = unhex(c.key), data = unhex(c.data);
    // Test Case 5 lists a truncated tag: compare the length given.
    assert.equal(hex(nexus.hmacSha256(key, data)).slice(0, c.hmac_sha256.length), c.hmac_sha256, c.comment);
    assert.equal(hex(nexus.hmacSha512(key, data)).slice(0, c.hmac_sha512.length), c.hmac_sha512, c.comment);
  }
  const r = rng(2);
  for (let i = 0; i < 300; ++i) {
    const key = r.bytes(r.int(200)), data = r.bytes(r.int(400));
    assert.equal(hex(nexus.hmacSha256(key, data)), nodeCrypto.createHmac('sha256', key).update(data).digest('hex'));
    assert.equal(hex(nexus.hmacSha512(key, data)), nodeCrypto.createHmac('sha512', key).update(data).digest('hex'));
  }
});

for (const name of ['hmac_sha256_test.json', 'hmac_sha512_test.json']) {
  test(`hmac: Wycheproof ${name}`, { skip: !haveShared(`wycheproof/${name}`) && 'shared vectors absent' }, () => {
    const fn = name.includes('256') ? nexus.hmacSha256 : nexus.hmacSha512;
    for (const g of shared(`wycheproof/${name}`).testGroups) {
      for (const t of g.tests) {
        const tag = hex(fn(unhex(t.key), unhex(t.msg))).slice(0, g.tagSize / 4);
        assert.equal(tag === t.tag, t.result === 'valid', `tcId ${t.tcId}`);
      }
    }
  });
}

test('hkdfSha256/hkdfSha512: RFC 5869 vectors, Node hkdfSync on random inputs, length limits', () => {
  for (const c of vectors('hkdf.json').cases) {
    const fn = c.hash === 'sha256' ? nexus.hkdfSha256 : nexus.hkdfSha512;
    assert.equal(hex(fn(unhex(c.ikm), c.length, unhex(c.salt), unhex(c.info))), c.okm, c.comment);
  }
  const r = rng(3);
  for (let i = 0; i < 200; ++i) {
    const [name, fn] = i % 2 ? ['sha256', nexus.hkdfSha256] : ['sha512', nexus.hkdfSha512];
    const ikm = r.bytes(r.int(80)), salt = r.bytes(r.int(80)), info = r.bytes(r.int(80));
    const length = 1 + r.int(700);
    assert.equal(hex(fn(ikm, length, salt, info)), hex(new Uint8Array(nodeCrypto.hkdfSync(name, ikm, salt, info, length))));
  }
  assert.equal(nexus.hkdfSha256(utf8('k'), 8160).length, 8160);
  assert.equal(nexus.hkdfSha512(utf8('k'), 16320).length, 16320);
  assert.equal(nexus.hkdfSha256(utf8('k'), 0).length, 0);
  assert.throws(() => nexus.hkdfSha256(utf8('k'), 8161), code('invalid_length'));
  assert.throws(() => nexus.hkdfSha512(utf8('k'), 16321), code('invalid_length'));
  assert.throws(() => nexus.hkdfSha256(utf8('k'), -1), TypeError);
  assert.throws(() => nexus.hkdfSha256(utf8('k'), 1.5), TypeError);
  // An empty salt stands for HashLen zero bytes (RFC 5869 §2.2).
  assert.deepEqual(nexus.hkdfSha256(utf8('ikm'), 42), nexus.hkdfSha256(utf8('ikm'), 42, new Uint8Array(32)));
});

for (const name of ['hkdf_sha256_test.json', 'hkdf_sha512_test.json']) {
  test(`hkdf: Wycheproof ${name}`, { skip: !haveShared(`wycheproof/${name}`) && 'shared vectors absent' }, () => {
    const fn = name.includes('256') ? nexus.hkdfSha256 : nexus.hkdfSha512;
    for (const g of shared(`wycheproof/${name}`).testGroups) {
      for (const t of g.tests) {
        const call = () => fn(unhex(t.ikm), t.size, unhex(t.salt), unhex(t.info));
        if (t.result === 'valid') assert.equal(hex(call()), t.okm, `tcId ${t.tcId}`);
        else assert.throws(call, code('invalid_length'));
      }
    }
  });
}

// ---- BLAKE2b, BLAKE3 --------------------------------------------------------------------------

test('blake2b: RFC 7693 / KAT vectors, Node blake2b512 on random inputs, bad lengths', () => {
  for (const c of vectors('blake2b.json').cases) {
    const out = unhex(c.out);
    assert.equal(hex(nexus.blake2b(unhex(c.in), { digestSize: out.length, key: unhex(c.key) })), c.out, c.comment);
  }
  const r = rng(4);
  for (let i = 0; i < 300; ++i) {
    const data = r.bytes(r.int(600));
    assert.equal(hex(nexus.blake2b(data, { digestSize: 64 })), nodeCrypto.createHash('blake2b512').update(data).digest('hex'));
  }
  assert.equal(nexus.blake2b(utf8('abc')).length, 32);
  for (const digestSize of [0, 65]) {
    assert.throws(() => nexus.blake2b(utf8('x'), { digestSize }), code('invalid_length'));
  }
  assert.throws(() => nexus.blake2b(utf8('x'), { key: new Uint8Array(65) }), code('invalid_length'));
  assert.throws(() => nexus.blake2b('x'), TypeError);
});

test('blake3: official vectors in all three modes, extended and default lengths', () => {
  const v = vectors('blake3.json');
  const key = utf8(v.key);
  for (const c of v.cases) {
    const data = new Uint8Array(c.input_len).map((_, i) => i % 251);
    for (const [mode, fn] of [
      ['hash', (n) => nexus.blake3(data, { length: n })],
      ['keyed_hash', (n) => nexus.blake3(data, { length: n, key })],
      ['derive_key', (n) => nexus.blake3DeriveKey(v.context_string, data, n)],
    ]) {
      assert.equal(hex(fn(c[mode].length / 2)), c[mode], `${mode} ${c.input_len}`);
      assert.equal(hex(fn(32)), c[mode].slice(0, 64), `${mode} ${c.input_len}`);
    }
    assert.equal(hex(nexus.blake3(data)), c.hash.slice(0, 64));
    assert.equal(hex(nexus.blake3DeriveKey(utf8(v.context_string), data)), c.derive_key.slice(0, 64));
  }
  assert.equal(nexus.blake3(utf8('abc'), { length: 0 }).length, 0);
  for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
    assert.throws(() => nexus.blake3(utf8('abc'), { key: bad }), code('invalid_length'));
  }
  assert.throws(() => nexus.blake3DeriveKey(42, utf8('m')), TypeError);
});

let haveB3sum = true;
try { execFileSync('b3sum', ['--version']); } catch { haveB3sum = false; }

test('blake3: b3sum on random inputs', { skip: !haveB3sum && 'b3sum is not installed' }, () => {
  const r = rng(5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexus-b3-'));
  try {
    const sizes = [0, 1, 64, 1023, 1024, 1025, 4096, 8193];
    while (sizes.length < 60) sizes.push(r.int(20000));
    const inputs = sizes.map((n) => r.bytes(n));
    const files = inputs.map((data, i) => { const f = path.join(dir, `in${i}`); fs.writeFileSync(f, data); return f; });
    const key = r.bytes(32);
    const context = 'nexus 2024 bindings test context';
    const b3sum = (args, input) =>
      execFileSync('b3sum', ['--no-names', '-l', '100', ...args, ...files], { input }).toString().trim().split(/\s+/);
    const plain = b3sum([]), keyed = b3sum(['--keyed'], Buffer.from(key)), derived = b3sum(['--derive-key', context]);
    inputs.forEach((data, i) => {
      assert.equal(hex(nexus.blake3(data, { length: 100 })), plain[i]);
      assert.equal(hex(nexus.blake3(data, { length: 100, key })), keyed[i]);
      assert.equal(hex(nexus.blake3DeriveKey(context, data, 100)), derived[i]);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- Argon2id ---------------------------------------------------------------------------------

test('argon2id: RFC 9106 §5.3 vector and parameter errors', () => {
  const cases = vectors('argon2.json').cases.filter((c) => c.type === 'argon2id');
  assert.equal(cases.length, 1);
  for (const c of cases) {
    const tag = nexus.argon2id({
      password: unhex(c.password), salt: unhex(c.salt), secret: unhex(c.secret), ad: unhex(c.ad),
      tCost: c.passes, mCostKib: c.memory_kib, parallelism: c.lanes, length: c.tag.length / 2,
    });
    assert.equal(hex(tag), c.tag);
  }
  const base = { password: utf8('password'), salt: utf8('somesalt'), tCost: 1, mCostKib: 64 };
  const a = nexus.argon2id(base);
  assert.equal(a.length, 32);
  assert.notDeepEqual(nexus.argon2id({ ...base, secret: utf8('k') }), a);
  assert.notDeepEqual(nexus.argon2id({ ...base, ad: utf8('x') }), a);
  assert.notDeepEqual(nexus.argon2id({ ...base, parallelism: 2 }), a);
  assert.throws(() => nexus.argon2id({ ...base, salt: utf8('short') }), code('invalid_length'));
  assert.throws(() => nexus.argon2id({ ...base, length: 3 }), code('invalid_length'));
  assert.throws(() => nexus.argon2id({ ...base, tCost: 0 }), code('invalid_argument'));
  assert.throws(() => nexus.argon2id({ ...base, mCostKib: 7 }), code('invalid_argument'));
  assert.throws(() => nexus.argon2id({ ...base, parallelism: 0 }), code('invalid_argument'));
  assert.throws(() => nexus.argon2id({ ...base, password: 'password' }), TypeError);
  assert.throws(() => nexus.argon2id({ ...base, tCost: undefined }), TypeError);
});

// ---- AEAD -------------------------------------------------------------------------------------

// HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2), written from the draft for the XChaCha20 check.
function hchacha20(key, nonce16) {
  const s = new Uint32Array(16);
  s.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  const kv = new DataView(key.buffer, key.byteOffset, 32), nv = new DataView(nonce16.buffer, nonce16.byteOffset, 16);
  for (let i = 0; i < 8; ++i) s[4 + i] = kv.getUint32(4 * i, true);
  for (let i = 0; i < 4; ++i) s[12 + i] = nv.getUint32(4 * i, true);
  const rotl = (v, c) => (v << c) | (v >>> (32 - c));
  const qr = (a, b, c, d) => {
    s[a] += s[b]; s[d] = rotl(s[d] ^ s[a], 16);
    s[c] += s[d]; s[b] = rotl(s[b] ^ s[c], 12);
    s[a] += s[b]; s[d] = rotl(s[d] ^ s[a], 8);
    s[c] += s[d]; s[b] = rotl(s[b] ^ s[c], 7);
  };
  for (let i = 0; i < 10; ++i) {
    qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
    qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
  }
  const out = new Uint8Array(32), ov = new DataView(out.buffer);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((w, i) => ov.setUint32(4 * i, s[w], true));
  return out;
}

function nodeChachaSeal(key, nonce, pt, ad) {
  const c = nodeCrypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(ad, { plaintextLength: pt.length });
  return u8(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

test('aead: RFC 8439 and XChaCha draft vectors; tampering fails with auth_failed', () => {
  for (const name of ['chacha20_poly1305.json', 'xchacha20_poly1305.json']) {
    for (const c of vectors(name).cases) {
      const key = unhex(c.key), nonce = unhex(c.nonce), ad = unhex(c.aad), pt = unhex(c.plaintext);
      const sealed = nexus.aeadSeal(key, nonce, pt, ad);
      assert.equal(hex(sealed), c.ciphertext + c.tag, c.section);
      assert.deepEqual(nexus.aeadOpen(key, nonce, sealed, ad), pt);
      for (const i of [0, sealed.length >> 1, sealed.length - 1]) {
        const bad = sealed.slice();
        bad[i] ^= 1;
        assert.throws(() => nexus.aeadOpen(key, nonce, bad, ad), code('auth_failed'));
      }
      assert.throws(() => nexus.aeadOpen(key, nonce, sealed), code('auth_failed'));
      const otherNonce = nonce.slice();
      otherNonce[0] ^= 1;
      assert.throws(() => nexus.aeadOpen(key, otherNonce, sealed, ad), code('auth_failed'));
    }
  }
  const v = vectors('hchacha20.json').cases[0];
  assert.equal(hex(hchacha20(unhex(v.key), unhex(v.input))), v.output); // the test's own helper
});

test('aead: Node chacha20-poly1305 (and HChaCha20 for XChaCha20) on random inputs', () => {
  const r = rng(6);
  for (let i = 0; i < 300; ++i) {
    const key = r.bytes(32), pt = r.bytes(r.int(600)), ad = r.bytes(r.int(60));
    const nonce = r.bytes(12);
    const expect = nodeChachaSeal(key, nonce, pt, ad);
    assert.deepEqual(nexus.aeadSeal(key, nonce, pt, ad), expect);
    assert.deepEqual(nexus.aeadOpen(key, nonce, expect, ad), pt);
    // XChaCha20-Poly1305 = ChaCha20-Poly1305 under HChaCha20(key, n[0..16)), nonce 0^4 || n[16..24).
    const xnonce = r.bytes(24);
    const inner = new Uint8Array(12);
    inner.set(xnonce.subarray(16), 4);
    const xexpect = nodeChachaSeal(hchacha20(key, xnonce.subarray(0, 16)), inner, pt, ad);
    assert.deepEqual(nexus.aeadSeal(key, xnonce, pt, ad), xexpect);
    assert.deepEqual(nexus.aeadOpen(key, xnonce, xexpect, ad), pt);
  }
});

for (const [name, nonceBits] of [['chacha20_poly1305_test.json', 96], ['xchacha20_poly1305_test.json', 192]]) {
  test(`aead: Wycheproof ${name}`, { skip: !haveShared(`wycheproof/${name}`) && 'shared vectors absent' }, () => {
    for (const g of shared(`wycheproof/${name}`).testGroups) {
      for (const t of g.tests) {
        const key = unhex(t.key), nonce = unhex(t.iv), ad = unhex(t.aad), msg = unhex(t.msg);
        if (g.ivSize !== nonceBits) {
          assert.equal(t.result, 'invalid');
          if (nonce.length !== 12 && nonce.length !== 24) {
            assert.throws(() => nexus.aeadSeal(key, nonce, msg, ad), code('invalid_length'));
          }
          continue;
        }
        const sealed = unhex(t.ct + t.tag);
        if (t.result === 'valid') {
          assert.equal(hex(nexus.aeadSeal(key, nonce, msg, ad)), t.ct + t.tag, `tcId ${t.tcId}`);
          assert.deepEqual(nexus.aeadOpen(key, nonce, sealed, ad), msg);
        } else {
          assert.throws(() => nexus.aeadOpen(key, nonce, sealed, ad), code('auth_failed'), `tcId ${t.tcId}`);
        }
      }
    }
  });
}

test('aead: lengths and types', () => {
  const key = new Uint8Array(32).map((_, i) => i);
  for (const nonce of [new Uint8Array(12), new Uint8Array(24)]) {
    const empty = nexus.aeadSeal(key, nonce, new Uint8Array(0));
    assert.equal(empty.length, 16);
    assert.equal(nexus.aeadOpen(key, nonce, empty).length, 0);
    assert.throws(() => nexus.aeadOpen(key, nonce, new Uint8Array(15)), code('truncated'));
    assert.throws(() => nexus.aeadOpen(key, nonce, new Uint8Array(16)), code('auth_failed'));
    for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
      assert.throws(() => nexus.aeadSeal(bad, nonce, utf8('m')), code('invalid_length'));
      assert.throws(() => nexus.aeadOpen(bad, nonce, new Uint8Array(20)), code('invalid_length'));
    }
  }
  for (const n of [0, 8, 13, 23, 25]) {
    assert.throws(() => nexus.aeadSeal(key, new Uint8Array(n), utf8('m')), code('invalid_length'));
    assert.throws(() => nexus.aeadOpen(key, new Uint8Array(n), new Uint8Array(20)), code('invalid_length'));
  }
  assert.notDeepEqual(nexus.aeadSeal(key, new Uint8Array(12), utf8('m')), nexus.aeadSeal(key, new Uint8Array(24), utf8('m')));
  assert.throws(() => nexus.aeadSeal(key, new Uint8Array(12), 'text'), TypeError);
  assert.throws(() => nexus.aeadSeal(Array.from(key), new Uint8Array(12), utf8('m')), TypeError);
});

// ---- X25519 -----------------------------------------------------------------------------------

// u = 0, 1, p - 1 (orders 1, 4, 2), the non-canonical p and p + 1, and the two order-8 points.
const X25519_LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
];

const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const privateKey = (prefix, raw) => nodeCrypto.createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
const publicKey = (prefix, raw) => nodeCrypto.createPublicKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'spki' });
const rawPublic = (keyObject) => u8(keyObject.export({ format: 'der', type: 'spki' }).subarray(12));

test('x25519: RFC 7748 vectors (function, 1 and 1,000 iterations, Diffie-Hellman)', () => {
  for (const c of vectors('x25519.json').cases) {
    if (c.type === 'function') {
      assert.equal(hex(nexus.x25519(unhex(c.scalar), unhex(c.u))), c.output, c.name);
    } else if (c.type === 'iterated') {
      if (c.iterations > 1000) continue; // the 1,000,000-step value is left to the C++ suite
      let k = new Uint8Array(32), u = new Uint8Array(32);
      k[0] = 9;
      u[0] = 9;
      for (let i = 0; i < c.iterations; ++i) [k, u] = [nexus.x25519(k, u), k];
      assert.equal(hex(k), c.output, c.name);
    } else {
      const a = unhex(c.alice_secret), b = unhex(c.bob_secret);
      assert.equal(hex(nexus.x25519PublicKey(a)), c.alice_public);
      assert.equal(hex(nexus.x25519PublicKey(b)), c.bob_public);
      assert.equal(hex(nexus.x25519(a, unhex(c.bob_public))), c.shared);
      assert.equal(hex(nexus.x25519(b, unhex(c.alice_public))), c.shared);
    }
  }
});

test('x25519: Node X25519 KeyObjects on random keys', () => {
  const r = rng(8);
  for (let i = 0; i < 200; ++i) {
    const a = r.bytes(32), b = r.bytes(32);
    const ka = privateKey(X25519_PKCS8, a), kb = privateKey(X25519_PKCS8, b);
    const pa = rawPublic(nodeCrypto.createPublicKey(ka)), pb = rawPublic(nodeCrypto.createPublicKey(kb));
    assert.deepEqual(nexus.x25519PublicKey(a), pa);
    const expect = u8(nodeCrypto.diffieHellman({ privateKey: ka, publicKey: publicKey(X25519_SPKI, pb) }));
    assert.deepEqual(nexus.x25519(a, pb), expect);
    assert.deepEqual(nexus.x25519(b, pa), expect);
  }
});

test('x25519: Wycheproof x25519_test.json', { skip: !haveShared('wycheproof/x25519_test.json') && 'shared vectors absent' }, () => {
  for (const g of shared('wycheproof/x25519_test.json').testGroups) {
    for (const t of g.tests) {
      const call = () => nexus.x25519(unhex(t.private), unhex(t.public));
      if (t.flags.includes('ZeroSharedSecret')) assert.throws(call, code('weak_key'), `tcId ${t.tcId}`);
      else assert.equal(hex(call()), t.shared, `tcId ${t.tcId}`);
    }
  }
});

test('x25519: weak points and bad lengths', () => {
  const k = new Uint8Array(32).fill(0x42);
  for (const u of X25519_LOW_ORDER) assert.throws(() => nexus.x25519(k, unhex(u)), code('weak_key'), u);
  for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
    assert.throws(() => nexus.x25519(bad, new Uint8Array(32)), code('invalid_length'));
    assert.throws(() => nexus.x25519(k, bad), code('invalid_length'));
    assert.throws(() => nexus.x25519PublicKey(bad), code('invalid_length'));
  }
  assert.throws(() => nexus.x25519PublicKey(null), TypeError);
});

// ---- Ed25519 ----------------------------------------------------------------------------------

const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const leToBig = (b) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const bigToLe = (n) => new Uint8Array(32).map((_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

test('ed25519: RFC 8032 vectors; tampering, S + L and key conversion', () => {
  for (const c of vectors('ed25519.json').cases) {
    const seed = unhex(c.secret_key), msg = unhex(c.message);
    const { publicKey: pub, secretKey: sec } = nexus.ed25519Keypair(seed);
    assert.equal(hex(pub), c.public_key, c.name);
    assert.equal(hex(sec), c.secret_key + c.public_key);
    const sig = nexus.ed25519Sign(sec, msg);
    assert.equal(hex(sig), c.signature, c.name);
    assert.equal(nexus.ed25519Verify(pub, msg, sig), true);
    const longer = new Uint8Array(msg.length + 1);
    longer.set(msg);
    assert.equal(nexus.ed25519Verify(pub, longer, sig), false);
    for (const i of [0, 31, 32, 63]) {
      const bad = sig.slice();
      bad[i] ^= 0x20;
      assert.equal(nexus.ed25519Verify(pub, msg, bad), false);
    }
    const malleable = sig.slice();
    malleable.set(bigToLe(leToBig(sig.subarray(32)) + L), 32);
    assert.equal(nexus.ed25519Verify(pub, msg, malleable), false);
    assert.deepEqual(nexus.x25519PublicKey(nexus.ed25519SecretToX25519(sec)), nexus.ed25519PublicToX25519(pub));
  }
});

test('ed25519: Node Ed25519 KeyObjects on random keys and messages', () => {
  const r = rng(9);
  for (let i = 0; i < 200; ++i) {
    const seed = r.bytes(32), msg = r.bytes(r.int(300));
    const key = privateKey(ED25519_PKCS8, seed);
    const { publicKey: pub, secretKey: sec } = nexus.ed25519Keypair(seed);
    assert.deepEqual(pub, rawPublic(nodeCrypto.createPublicKey(key)));
    const sig = nexus.ed25519Sign(sec, msg);
    assert.deepEqual(sig, u8(nodeCrypto.sign(null, msg, key)));
    const nodePub = publicKey(ED25519_SPKI, pub);
    assert.equal(nodeCrypto.verify(null, msg, nodePub, sig), true);
    const bad = sig.slice();
    bad[r.int(64)] ^= 1 << r.int(8);
    assert.equal(nexus.ed25519Verify(pub, msg, bad), false);
    assert.equal(nodeCrypto.verify(null, msg, nodePub, bad), false);
  }
});

test('ed25519: converted keys agree on X25519 secrets, also with Node', () => {
  const r = rng(10);
  for (let i = 0; i < 100; ++i) {
    const a = nexus.ed25519Keypair(r.bytes(32)), b = nexus.ed25519Keypair(r.bytes(32));
    const xa = nexus.ed25519SecretToX25519(a.secretKey), xb = nexus.ed25519SecretToX25519(b.secretKey);
    const xpa = nexus.ed25519PublicToX25519(a.publicKey), xpb = nexus.ed25519PublicToX25519(b.publicKey);
    assert.deepEqual(nexus.x25519(xa, xpb), nexus.x25519(xb, xpa));
    assert.deepEqual(rawPublic(nodeCrypto.createPublicKey(privateKey(X25519_PKCS8, xa))), xpa);
  }
});

test('ed25519: Wycheproof ed25519_test.json', { skip: !haveShared('wycheproof/ed25519_test.json') && 'shared vectors absent' }, () => {
  for (const g of shared('wycheproof/ed25519_test.json').testGroups) {
    const pub = unhex(g.publicKey.pk);
    for (const t of g.tests) {
      const msg = unhex(t.msg), sig = unhex(t.sig);
      if (sig.length !== 64) {
        assert.equal(t.result, 'invalid');
        assert.throws(() => nexus.ed25519Verify(pub, msg, sig), code('invalid_length'));
      } else {
        assert.equal(nexus.ed25519Verify(pub, msg, sig), t.result === 'valid', `tcId ${t.tcId}`);
      }
    }
  }
});

test('ed25519: small-order keys, bad lengths and types', () => {
  const smallOrder = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ];
  for (const h of smallOrder) {
    const pk = unhex(h);
    assert.throws(() => nexus.ed25519PublicToX25519(pk), code('bad_encoding'), h);
    const sig = new Uint8Array(64);
    sig.set(pk);
    assert.equal(nexus.ed25519Verify(pk, utf8('m'), sig), false, h);
  }
  const { publicKey: pub, secretKey: sec } = nexus.ed25519Keypair(new Uint8Array(32));
  const sig = nexus.ed25519Sign(sec, utf8('m'));
  for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
    assert.throws(() => nexus.ed25519Keypair(bad), code('invalid_length'));
    assert.throws(() => nexus.ed25519Verify(bad, utf8('m'), sig), code('invalid_length'));
    assert.throws(() => nexus.ed25519PublicToX25519(bad), code('invalid_length'));
  }
  for (const bad of [new Uint8Array(32), new Uint8Array(63), new Uint8Array(65)]) {
    assert.throws(() => nexus.ed25519Sign(bad, utf8('m')), code('invalid_length'));
    assert.throws(() => nexus.ed25519SecretToX25519(bad), code('invalid_length'));
  }
  for (const bad of [sig.subarray(0, 63), new Uint8Array(65), new Uint8Array(0)]) {
    assert.throws(() => nexus.ed25519Verify(pub, utf8('m'), bad), code('invalid_length'));
  }
  assert.throws(() => nexus.ed25519Sign(sec, 'm'), TypeError);
  assert.throws(() => nexus.ed25519Verify(pub, utf8('m'), null), TypeError);
});
