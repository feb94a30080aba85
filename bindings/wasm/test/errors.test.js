'use strict';
// NexusError codes: the library's own status names (nexus_status_name), checked against the C
// header's enumerators (NEXUS_ERR_REPLAYED = 14 is code 'replayed', status 14), and real failures
// returned by the C ABI arriving as NexusError with the code the call's specification fixes.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');

// { status number: expected code } from bindings/c/include/nexus.h: the enumerator without
// NEXUS_ERR_ (or NEXUS_), lower-cased.
function headerStatuses() {
  const text = fs.readFileSync(path.join(root, 'bindings', 'c', 'include', 'nexus.h'), 'utf8');
  const body = text.slice(text.indexOf('typedef enum nexus_status'), text.indexOf('} nexus_status;'));
  const out = {};
  for (const [, name, value] of body.matchAll(/NEXUS_(?:ERR_)?([A-Z_]+)\s*=\s*(\d+)/g)) {
    out[Number(value)] = name.toLowerCase();
  }
  return out;
}

let nexus;
let api;
test.before(async () => {
  api = require(path.join(wasmDir, 'nexus.js'));
  nexus = await api.load();
});

test('the header lists ok, the fifteen errors and null_pointer', () => {
  const statuses = headerStatuses();
  assert.deepEqual(Object.keys(statuses).map(Number).sort((a, b) => a - b),
    [...Array(16).keys(), 100]);
  assert.equal(statuses[14], 'replayed');
  assert.equal(statuses[100], 'null_pointer');
});

test('every status maps to the name of its C enumerator', () => {
  for (const [status, code] of Object.entries(headerStatuses())) {
    assert.equal(nexus.statusName(Number(status)), code, `status ${status}`);
    const e = new nexus.NexusError(Number(status), 'why');
    assert.equal(e.code, code);
    assert.equal(e.status, Number(status));
    assert.equal(e.message, 'why');
    assert.equal(e.name, 'NexusError');
    assert.ok(e instanceof api.NexusError && e instanceof Error);
  }
  for (const unknown of [-1, 16, 99, 101, 256 + 7]) {
    assert.equal(nexus.statusName(unknown), 'unknown');
    assert.equal(new nexus.NexusError(unknown, 'x').code, 'unknown');
  }
  const names = Object.values(headerStatuses());
  assert.equal(new Set(names).size, names.length);
});

test('nexus.js keeps no table of status names of its own', () => {
  const source = fs.readFileSync(path.join(root, 'bindings', 'wasm', 'nexus.js'), 'utf8');
  assert.doesNotMatch(source, /\b\d+\s*:\s*'[a-z_]+'/);  // entries such as 14: 'replayed'
  assert.ok(!source.includes('null_pointer'));
});

// A failure of the library: a NexusError with this code and the header's status for it.
const failsWith = (code) => (e) => {
  assert.ok(e instanceof api.NexusError, `not a NexusError: ${e}`);
  assert.equal(e.code, code);
  assert.equal(headerStatuses()[e.status], code);
  return true;
};

test('failures returned by the C ABI throw NexusError with their code', () => {
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12);
  const sealed = nexus.aeadSeal(key, nonce, new Uint8Array([1, 2, 3]));
  sealed[sealed.length - 1] ^= 1;  // a modified tag
  assert.throws(() => nexus.aeadOpen(key, nonce, sealed), failsWith('auth_failed'));
  // RFC 7748 §6.1: the small-order point u = 0 gives an all-zero shared secret.
  assert.throws(() => nexus.x25519(key, new Uint8Array(32)), failsWith('weak_key'));
  assert.throws(() => nexus.hexDecode('0g'), failsWith('bad_encoding'));
  assert.throws(() => nexus.loadUint(new Uint8Array(3), 4), failsWith('truncated'));
});

test('a too-short key throws NexusError invalid_length', () => {
  assert.throws(() => nexus.x25519PublicKey(new Uint8Array(31)), failsWith('invalid_length'));
  assert.throws(() => nexus.aeadSeal(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1)),
    failsWith('invalid_length'));
  assert.throws(() => nexus.ed25519Sign(new Uint8Array(63), new Uint8Array(1)), failsWith('invalid_length'));
});
