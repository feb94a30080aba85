'use strict';
// JavaScript API of the nexus WebAssembly module. Uint8Array in, Uint8Array out; failures
// throw NexusError carrying the C status (status, a number) and its name (code: 'invalid_length',
// 'replayed', ..., the library's own nexus_status_name). Load once:
// `const nexus = await require('./nexus').load()`.
// The core functions live here; each further layer has its own file (crypto.js, identity.js,
// link.js, wire.js, routing.js, node.js)
// whose functions are added to the same object.

const createNexusCore = require('./nexus_core.js');
const cryptoApi = require('./crypto.js');
const identityApi = require('./identity.js');
const linkApi = require('./link.js');
const wireApi = require('./wire.js');
const routingApi = require('./routing.js');
const nodeApi = require('./node.js');

// status: the C nexus_status number; code: its name, which only the library knows (the loaded
// module's subclass below passes it; 'unknown' otherwise).
class NexusError extends Error {
  constructor(status, message, code = 'unknown') {
    super(message);
    this.name = 'NexusError';
    this.status = status;
    this.code = code;
  }
}

function wrap(m) {
  const enc = new TextEncoder();
  const statusName = (s) => m.UTF8ToString(m._nexus_status_name(s));
  // The NexusError every part of this module throws (and `nexus.NexusError`): its code is the
  // library's name of the status, so no table of names lives in JavaScript.
  class ModuleError extends NexusError {
    constructor(status, message) { super(status, message, statusName(status)); }
  }

  function check(status) {
    if (status !== 0) throw new ModuleError(status, m.UTF8ToString(m._nexus_status_string(status)));
  }
  // Runs fn with n bytes of WASM memory, freed afterwards whatever happens.
  function withAlloc(n, fn) {
    const p = m._malloc(Math.max(n, 1));
    if (!p) throw new ModuleError(7, 'out of WASM memory');
    try { return fn(p); } finally { m._free(p); }
  }
  function bytesArg(b, name) {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    return b;
  }
  function withBytes(b, fn) {
    return withAlloc(b.length, (p) => { m.HEAPU8.set(b, p); return fn(p); });
  }
  function orderCode(order) {
    if (order === 'big') return 0;
    if (order === 'little') return 1;
    throw new TypeError("order must be 'big' or 'little'");
  }
  function readU64(p) {
    const lo = BigInt(m.HEAPU32[p >>> 2]);
    const hi = BigInt(m.HEAPU32[(p >>> 2) + 1]);
    return (hi << 32n) | lo;
  }
  function readU32(p) { return m.HEAPU32[p >>> 2]; }

  const core = {
    NexusError: ModuleError,
    version: () => m.UTF8ToString(m._nexus_version_string()),
    versionNumber: () => m._nexus_version_number() >>> 0,
    statusString: (s) => m.UTF8ToString(m._nexus_status_string(s)),
    statusName: statusName,

    hexEncode(data) {
      bytesArg(data, 'data');
      return withBytes(data, (pin) => withAlloc(2 * data.length + 1, (pout) => {
        check(m._nexus_hex_encode(pin, data.length, pout, 2 * data.length + 1, 0));
        return m.UTF8ToString(pout);
      }));
    },
    hexDecode(text) {
      if (typeof text !== 'string') throw new TypeError('text must be a string');
      const t = enc.encode(text);
      const cap = t.length >> 1;
      return withBytes(t, (pin) => withAlloc(cap, (pout) => withAlloc(4, (plen) => {
        check(m._nexus_hex_decode(pin, t.length, pout, cap, plen));
        return m.HEAPU8.slice(pout, pout + readU32(plen));
      })));
    },
    loadUint(data, width, order = 'big') {
      bytesArg(data, 'data');
      return withBytes(data, (pin) => withAlloc(8, (pv) => {
        check(m._nexus_load_uint(pin, data.length, width, orderCode(order), pv));
        return readU64(pv);
      }));
    },
    storeUint(value, width, order = 'big') {
      const v = BigInt(value);
      if (v < 0n || v > 0xffffffffffffffffn) throw new ModuleError(6, 'value out of range');
      const code = orderCode(order);
      return withAlloc(8, (pout) => {
        check(m._nexus_store_uint(v, width, code, pout, 8));
        return m.HEAPU8.slice(pout, pout + width);
      });
    },
  };
  // Shared by every part: copies `inputs` into WASM memory and reserves `outSizes` more bytes,
  // calls fn with the pointers (inputs first), then zeroes and frees every buffer whatever
  // happens (HEAPU8 is re-read: a call may have grown, and so replaced, the memory).
  function withHeap(inputs, outSizes, fn) {
    const sizes = inputs.map((b) => b.length).concat(outSizes);
    const ptrs = [];
    try {
      for (const n of sizes) {
        const p = m._malloc(Math.max(n, 1));
        if (!p) throw new ModuleError(7, 'out of WASM memory');
        ptrs.push(p);
      }
      inputs.forEach((b, i) => m.HEAPU8.set(b, ptrs[i]));
      return fn(ptrs);
    } finally {
      ptrs.forEach((p, i) => { m.HEAPU8.fill(0, p, p + sizes[i]); m._free(p); });
    }
  }
  const read = (p, n) => m.HEAPU8.slice(p, p + n);
  const helpers = { NexusError: ModuleError, check, withHeap, read };
  return Object.assign(core, cryptoApi(m, helpers), identityApi(m, helpers), linkApi(m, helpers),
    wireApi(m, helpers), routingApi(m, helpers), nodeApi(m, helpers));
}

async function load() {
  return wrap(await createNexusCore());
}

module.exports = { load, NexusError };
