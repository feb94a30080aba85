'use strict';
// nexus WASM core surface: version, hex, byte order — against the shared test-vectors/.
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

test('version string matches the version number', () => {
  const [maj, min, pat] = nexus.version().split('.').map(Number);
  assert.equal(nexus.versionNumber(), (maj << 16) | (min << 8) | pat);
  assert.equal(nexus.statusString(1), 'buffer too small');
});

test('hex: RFC 4648 vectors, both directions, and Node Buffer as a second implementation', () => {
  const v = vectors('hex.json');
  for (const c of v.cases) {
    const raw = new TextEncoder().encode(c.ascii);
    assert.equal(nexus.hexEncode(raw), c.hex);
    assert.deepEqual(nexus.hexDecode(c.hex), raw);
    assert.equal(nexus.hexEncode(raw), hex(raw));
  }
  for (const c of v.upper_case_accepted) assert.deepEqual(nexus.hexDecode(c.hex), unhex(c.bytes_hex));
  for (const bad of v.invalid) {
    assert.throws(() => nexus.hexDecode(bad), (e) => e.code === 'bad_encoding');
  }
  const all = new Uint8Array(256).map((_, i) => i);
  assert.deepEqual(nexus.hexDecode(nexus.hexEncode(all)), all);
  assert.throws(() => nexus.hexEncode('text'), TypeError);
});

test('byte order: store and load both ways, errors as NexusError', () => {
  const v = vectors('byte_order.json');
  for (const c of v.cases) {
    const value = BigInt('0x' + c.value);
    assert.equal(hex(nexus.storeUint(value, c.width, 'big')), c.big);
    assert.equal(hex(nexus.storeUint(value, c.width, 'little')), c.little);
    assert.equal(nexus.loadUint(unhex(c.big), c.width, 'big'), value);
    assert.equal(nexus.loadUint(unhex(c.little), c.width, 'little'), value);
    assert.throws(() => nexus.loadUint(unhex(c.big).slice(1), c.width, 'big'), (e) => e.code === 'truncated');
  }
  for (const c of v.out_of_range) {
    assert.throws(() => nexus.storeUint(BigInt('0x' + c.value), c.width), (e) => e.code === 'out_of_range');
  }
  for (const w of v.invalid_widths) {
    assert.throws(() => nexus.storeUint(0n, w), (e) => e.code === 'invalid_argument');
    assert.throws(() => nexus.loadUint(new Uint8Array(16), w), (e) => e.code === 'invalid_argument');
  }
  assert.throws(() => nexus.storeUint(1n, 4, 'middle'), TypeError);
});
