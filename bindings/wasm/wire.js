'use strict';
// Stream framing, path cost and the NEXUS announce extension of the nexus WebAssembly module, over
// the C ABI of nexus_wire.h. Uint8Array in, Uint8Array out; failures throw NexusError.
// HDLC: 7E, payload with 7D and 7E sent as 7D (byte ^ 0x20), 7E. KISS: C0, command byte port << 4,
// payload with C0 sent as DB DC and DB as DB DD, C0. The stream decoders (HdlcDecoder,
// KissDecoder) own a WASM handle: call free() when done (nothing frees it behind
// your back). CompactPathCost (6 bytes): cost code round(16 log2(cost + 1)) u16 LE, worst
// latency ms u16 LE, bandwidth code round(8 log2(bps)) u8, hop count u8. Announce extension: 4E,
// version 1, CompactPathCost, TLVs (type u8, length u8, data).

const INVALID_ARGUMENT = 3;
const EMPTY_STATUS = 8;
const FRAME_CAPACITY = 4096;
const KISS_ANY_PORT = 255;

// Structs of nexus_wire.h on wasm32 (checked by static_asserts in bindings/c/src/nexus_wire_c.cpp).
const STATS = { size: 20 };
const COST = { size: 6 };
const TLV = { size: 12, data: 4, len: 8 };
const EXT = { size: 20, version: 0, cost: 2, tlvs: 8, tlvsLen: 12, count: 16 };

// Receives the Emscripten module and the helpers of nexus.js; returns the functions to add to
// the loaded object.
module.exports = function wireApi(m, { NexusError, check, withHeap, read }) {

  function bytes(b, name) {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    return b;
  }
  function u64(v, name) {
    const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : null;
    if (b === null || b < 0n || b > 0xffffffffffffffffn) {
      throw new TypeError(`${name} must be a non-negative integer (Number or BigInt) below 2**64`);
    }
    return b;
  }
  function uint(v, max, name) {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new NexusError(INVALID_ARGUMENT, `${name} must be 0..${max}`);
    }
    return v;
  }
  const view = () => new DataView(m.HEAPU8.buffer); // re-made after each call: memory may grow

  function encodeWith(fn, payload, extra) {
    bytes(payload, 'payload');
    const cap = 2 * payload.length + 3;
    return withHeap([payload], [cap, 4], ([pp, pout, plen]) => {
      check(fn(pp, payload.length, ...extra, pout, cap, plen));
      return read(pout, m.HEAPU32[plen >>> 2]);
    });
  }

  // A stream decoder over a C handle; kind is 'hdlc' or 'kiss'.
  class Decoder {
    constructor(kind, ptr) {
      this._kind = kind;
      this._ptr = ptr;
      const free = m[`_nexus_${kind}_decoder_free`];
    }
    get _handle() {
      if (!this._ptr) throw new NexusError(15, 'decoder freed');
      return this._ptr;
    }
    // The frames completed by these bytes, in order (payloads, for KISS without the command byte).
    feed(data) {
      bytes(data, 'data');
      const feedFn = m[`_nexus_${this._kind}_decoder_feed`];
      return withHeap([data], [4, 4, 4], ([pd, pused, pframe, plen]) => {
        const frames = [];
        let at = 0;
        while (at < data.length) {
          check(feedFn(this._handle, pd + at, data.length - at, pused, pframe, plen));
          const frame = m.HEAPU32[pframe >>> 2];
          if (frame) frames.push(read(frame, m.HEAPU32[plen >>> 2]));
          at += m.HEAPU32[pused >>> 2];
        }
        return frames;
      });
    }
    // Back to hunting for a flag (counters kept).
    reset() { check(m[`_nexus_${this._kind}_decoder_reset`](this._handle)); }
    // { frames, oversized, invalidEscapes, ignored, discarded }.
    get stats() {
      return withHeap([], [STATS.size], ([p]) => {
        check(m[`_nexus_${this._kind}_decoder_stats`](this._handle, p));
        const u = (i) => m.HEAPU32[(p >>> 2) + i];
        return { frames: u(0), oversized: u(1), invalidEscapes: u(2), ignored: u(3), discarded: u(4) };
      });
    }
    free() {
      if (!this._ptr) return;
      m[`_nexus_${this._kind}_decoder_free`](this._ptr);
      this._ptr = 0;
    }
  }
  class HdlcDecoder extends Decoder {
    constructor() {
      super('hdlc', withHeap([], [4], ([pout]) => {
        check(m._nexus_hdlc_decoder_new(pout));
        return m.HEAPU32[pout >>> 2];
      }));
    }
  }
  class KissDecoder extends Decoder {
    // port: 0..15, or KISS_ANY_PORT (255) to deliver data frames of every port.
    constructor(port = 0) {
      if (!Number.isInteger(port)) throw new NexusError(INVALID_ARGUMENT, 'port must be an integer');
      super('kiss', withHeap([], [4], ([pout]) => {
        check(m._nexus_kiss_decoder_new(port, pout));
        return m.HEAPU32[pout >>> 2];
      }));
      this.port = port;
    }
  }

  // Path costs are { cumulativeCost, worstLatencyMs, bottleneckBps, hopCount } (the codes).
  function writeCost(p, c) {
    const v = view();
    v.setUint16(p, uint(c.cumulativeCost, 0xffff, 'cumulativeCost'), true);
    v.setUint16(p + 2, uint(c.worstLatencyMs, 0xffff, 'worstLatencyMs'), true);
    v.setUint8(p + 4, uint(c.bottleneckBps, 255, 'bottleneckBps'));
    v.setUint8(p + 5, uint(c.hopCount, 255, 'hopCount'));
  }
  function readCost(p) {
    const v = view();
    return {
      cumulativeCost: v.getUint16(p, true), worstLatencyMs: v.getUint16(p + 2, true),
      bottleneckBps: v.getUint8(p + 4), hopCount: v.getUint8(p + 5),
    };
  }
  function costArg(c) {
    if (!c || typeof c !== 'object') throw new TypeError('path cost must be an object');
    return c;
  }

  function parseAnnounceExt(appData) {
    bytes(appData, 'appData');
    return withHeap([appData], [EXT.size, 4, TLV.size], ([pa, pe, poff, pt]) => {
      check(m._nexus_announce_ext_parse(pa, appData.length, pe));
      const v = view();
      const area = v.getUint32(pe + EXT.tlvs, true);
      const areaLen = v.getUint32(pe + EXT.tlvsLen, true);
      const tlvs = [];
      m.HEAPU32[poff >>> 2] = 0;
      for (;;) {
        const s = m._nexus_tlv_next(area, areaLen, poff, pt);
        if (s === EMPTY_STATUS) break;
        check(s);
        const w = view();
        const data = read(w.getUint32(pt + TLV.data, true), w.getUint32(pt + TLV.len, true));
        tlvs.push({ type: m.HEAPU8[pt], data });
      }
      const find = (type, size) => {
        const e = tlvs.find((t) => t.type === type);
        if (!e) return null;
        if (e.data.length !== size) return undefined;
        const d = new DataView(e.data.buffer, e.data.byteOffset, size);
        return size === 8 ? d.getBigUint64(0, true) : d.getUint16(0, true);
      };
      return {
        version: m.HEAPU8[pe + EXT.version],
        pathCost: readCost(pe + EXT.cost),
        tlvs,
        // Typed values of the first TLV of their type: null when absent, undefined when of the
        // wrong size.
        lamportTimestamp: find(1, 8),
        pathMtu: find(2, 2),
        capabilities: find(3, 2),
      };
    });
  }

  return {
    FRAME_CAPACITY,
    KISS_ANY_PORT,
    HdlcDecoder,
    KissDecoder,
    hdlcEncode: (payload) => encodeWith(m._nexus_hdlc_encode, payload, []),
    // port 0..15 (12 is refused: its command byte would be C0).
    kissEncode(payload, port = 0) {
      if (!Number.isInteger(port)) throw new NexusError(INVALID_ARGUMENT, 'port must be an integer');
      return encodeWith(m._nexus_kiss_encode, payload, [port]);
    },

    // Cost code round(16 log2(cost + 1)) (cost a Number or BigInt) and back (a BigInt: the
    // decoded cost reaches 2**64 - 1).
    encodeCost(cost) {
      const c = u64(cost, 'cost');
      return withHeap([], [2], ([p]) => { check(m._nexus_encode_cost(c, p)); return m.HEAPU16[p >>> 1]; });
    },
    decodeCost(code) {
      uint(code, 0xffff, 'code');
      return withHeap([], [8], ([p]) => {
        check(m._nexus_decode_cost(code, p));
        return view().getBigUint64(p, true);
      });
    },
    // Bandwidth code round(8 log2(bps)), saturating at 255, and back (a Number).
    encodeBandwidth(bps) {
      const b = u64(bps, 'bps');
      return withHeap([], [1], ([p]) => { check(m._nexus_encode_bandwidth(b, p)); return m.HEAPU8[p]; });
    },
    decodeBandwidth(code) {
      uint(code, 255, 'code');
      return withHeap([], [8], ([p]) => {
        check(m._nexus_decode_bandwidth(code, p));
        return Number(view().getBigUint64(p, true));
      });
    },

    pathCostOrigin() {
      return withHeap([], [COST.size], ([p]) => { check(m._nexus_path_cost_origin(p)); return readCost(p); });
    },
    encodePathCost(cost) {
      costArg(cost);
      return withHeap([], [COST.size, 6], ([pc, pout]) => {
        writeCost(pc, cost);
        check(m._nexus_path_cost_encode(pc, pout));
        return read(pout, 6);
      });
    },
    decodePathCost(raw) {
      bytes(raw, 'raw');
      return withHeap([raw], [COST.size], ([pr, pc]) => {
        check(m._nexus_path_cost_decode(pr, raw.length, pc));
        return readCost(pc);
      });
    },
    // The summary a relay forwards after its own hop { costPerByte, latencyMs, bps }.
    relayUpdate(cost, { costPerByte = 0, latencyMs = 0, bps = 0 } = {}) {
      costArg(cost);
      const c = u64(costPerByte, 'costPerByte');
      const b = u64(bps, 'bps');
      if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 0xffffffff) {
        throw new TypeError('latencyMs must be a 32-bit unsigned integer');
      }
      return withHeap([], [COST.size, COST.size], ([pin, pout]) => {
        writeCost(pin, cost);
        check(m._nexus_path_cost_relay_update(pin, c, latencyMs, b, pout));
        return readCost(pout);
      });
    },

    // Extension bytes: 4E, version 1, the path cost, then the TLVs ({ type, data }) in order.
    buildAnnounceExt(pathCost, tlvs = []) {
      costArg(pathCost);
      if (!Array.isArray(tlvs)) throw new TypeError('tlvs must be an array of { type, data }');
      const datas = tlvs.map((t) => bytes(t.data, 'TLV data'));
      tlvs.forEach((t) => uint(t.type, 255, 'TLV type'));
      const size = 8 + datas.reduce((n, d) => n + 2 + d.length, 0);
      return withHeap(datas, [COST.size, Math.max(tlvs.length, 1) * TLV.size, size, 4], (p) => {
        const [pc, pt, pout, plen] = p.slice(datas.length);
        writeCost(pc, pathCost);
        const v = view();
        tlvs.forEach((t, i) => {
          m.HEAPU8[pt + i * TLV.size] = t.type;
          v.setUint32(pt + i * TLV.size + TLV.data, p[i], true);
          v.setUint32(pt + i * TLV.size + TLV.len, datas[i].length, true);
        });
        check(m._nexus_announce_ext_build(pc, pt, tlvs.length, pout, size, plen));
        return read(pout, m.HEAPU32[plen >>> 2]);
      });
    },
    // { version, pathCost, tlvs: [{ type, data }], lamportTimestamp (BigInt), pathMtu,
    // capabilities } of app data; NexusError otherwise ('unsupported' for a newer version).
    parseAnnounceExt,
    isNexusExtension(appData) {
      bytes(appData, 'appData');
      return appData.length >= 8 && appData[0] === 0x4e;
    },
  };
};
