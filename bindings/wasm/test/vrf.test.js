'use strict';
// ECVRF-EDWARDS25519-SHA512-TAI through WASM: RFC 9381 vectors and the reference's random cases.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');
const vectors = (name) => JSON.parse(fs.readFileSync(path.join(root, 'test-vectors', name), 'utf8'));
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

let nexus;
test.before(async () => { nexus = await require(path.join(wasmDir, 'nexus.js')).load(); });

test('RFC 9381 and reference vectors: prove, verify, proof_to_hash', () => {
  const cases = vectors('ecvrf.json').cases.concat(
    vectors('ecvrf_random.json').cases.filter((c) => c.pi && c.sk));
  assert.ok(cases.length >= 3);
  for (const c of cases) {
    const { publicKey, secretKey } = nexus.ed25519Keypair(unhex(c.sk));
    assert.equal(hex(publicKey), c.pk);
    const proof = nexus.vrfProve(secretKey, unhex(c.alpha));
    assert.equal(hex(proof), c.pi);
    assert.equal(hex(nexus.vrfVerify(publicKey, proof, unhex(c.alpha))), c.beta);
    assert.equal(hex(nexus.vrfProofToHash(proof)), c.beta);
  }
});

test('tampered proofs, wrong alpha and bad lengths are rejected', () => {
  const { publicKey, secretKey } = nexus.ed25519Keypair(new Uint8Array(32).fill(7));
  const alpha = new TextEncoder().encode('alpha');
  const proof = nexus.vrfProve(secretKey, alpha);
  assert.ok(nexus.vrfVerify(publicKey, proof, alpha));
  assert.equal(nexus.vrfVerify(publicKey, proof, new TextEncoder().encode('alphb')), null);
  for (const i of [0, 33, 50, 79]) {
    const bad = proof.slice();
    bad[i] ^= 1;
    assert.equal(nexus.vrfVerify(publicKey, bad, alpha), null);
  }
  assert.throws(() => nexus.vrfProve(secretKey.slice(0, 32), alpha));
  assert.throws(() => nexus.vrfProofToHash(new Uint8Array(80).fill(0xff)), (e) => e.code === 'bad_encoding');
});
