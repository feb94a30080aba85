'use strict';
// Routing and gossip building blocks of the nexus WebAssembly module, over the C ABI of
// nexus_routing.h (ring.hpp, path_policy.hpp, routing_table.hpp, bloom.hpp, budget.hpp).
// Addresses are 16-byte Uint8Arrays read as big-endian integers on a ring of size 2^128;
// ringDistance returns a BigInt. Path costs are { cumulativeCost, worstLatencyMs, bottleneckBps,
// hopCount } (the codes, as in wire.js). Policies: 'cheapest', 'fastest', 'most_reliable',
// 'balanced'. RoutingTable (routing_table<1024, 4>, the spec's timers) and Budget own a WASM handle:
// call free() when done (nothing frees it behind your back). Bloom keeps its
// bit array in JS. Times are milliseconds (Number or BigInt). Failures throw NexusError.

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 9;
const BLOOM_HEADER_BYTES = 7;
const BLOOM_MAX_BYTES = 16384;
const BLOOM_CONSTRAINED_MAX_BYTES = 256;
const TABLE_CAPACITY = 1024;
const PATHS_PER_DESTINATION = 4;
const POLICIES = { cheapest: 0, fastest: 1, most_reliable: 2, balanced: 3 };
const OUTCOMES = [
  'inserted', 'inserted_evicting', 'replaced_path', 'updated', 'discarded_older', 'discarded_worse',
];
const TIERS = { routing: 1, payments: 2, services: 3, trust: 4 };

// Structs of nexus_routing.h (checked by static_asserts in bindings/c/src/nexus_routing_c.cpp).
const CAND = { size: 24, cost: 16, reliability: 22 };
const UPDATE = { size: 48, hop: 16, cost: 32, iface: 38, reliability: 39, lamport: 40 };
const ENTRY = {
  size: 88, hop: 16, cost: 32, iface: 38, reliability: 39, state: 40, failed: 41, suspect: 42, lamport: 48,
  lastUpdated: 56, expires: 64, evictAt: 72, lastUsed: 80,
};
const STATS = { size: 24 };

module.exports = function routingApi(m, { NexusError, check, withHeap, read }) {

  function bytes(b, name) {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    return b;
  }
  function addr(b, name) {
    bytes(b, name);
    if (b.length !== 16) throw new NexusError(INVALID_ARGUMENT, `${name} must be 16 bytes`);
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
  function policyCode(p) {
    if (!Object.prototype.hasOwnProperty.call(POLICIES, p)) {
      throw new NexusError(INVALID_ARGUMENT,
        "policy must be 'cheapest', 'fastest', 'most_reliable' or 'balanced'");
    }
    return POLICIES[p];
  }
  function tierCode(t) {
    const n = typeof t === 'string' ? TIERS[t] : t;
    if (!Number.isInteger(n) || n < 1 || n > 4) throw new NexusError(INVALID_ARGUMENT, 'tier must be 1..4');
    return n;
  }
  const view = () => new DataView(m.HEAPU8.buffer);

  function writeCost(p, c) {
    if (!c || typeof c !== 'object') throw new TypeError('path cost must be an object');
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
  function readEntry(p) {
    const v = view();
    return {
      destination: read(p, 16),
      hopAddress: read(p + ENTRY.hop, 16),
      iface: v.getUint8(p + ENTRY.iface),
      cost: readCost(p + ENTRY.cost),
      reliability: v.getUint8(p + ENTRY.reliability),
      state: v.getUint8(p + ENTRY.state) === 0 ? 'active' : 'stale',
      failed: v.getUint8(p + ENTRY.failed) !== 0,
      suspect: v.getUint8(p + ENTRY.suspect) !== 0,
      lamport: v.getBigUint64(p + ENTRY.lamport, true),
      lastUpdatedMs: v.getBigUint64(p + ENTRY.lastUpdated, true),
      expiresMs: v.getBigUint64(p + ENTRY.expires, true),
      evictAtMs: v.getBigUint64(p + ENTRY.evictAt, true),
      lastUsedMs: v.getBigUint64(p + ENTRY.lastUsed, true),
    };
  }

  // min(|a - b|, 2^128 - |a - b|) as a BigInt.
  function ringDistance(a, b) {
    addr(a, 'a');
    addr(b, 'b');
    return withHeap([a, b], [16], ([pa, pb, pout]) => {
      check(m._nexus_ring_distance(pa, pb, pout));
      let d = 0n;
      for (const x of read(pout, 16)) d = (d << 8n) | BigInt(x);
      return d;
    });
  }

  // Index of the best { neighbour, cost, reliability } candidate; NexusError not_found when empty.
  function chooseNextHop(candidates, destination, policy = 'balanced') {
    if (!Array.isArray(candidates)) throw new TypeError('candidates must be an array');
    addr(destination, 'destination');
    const code = policyCode(policy);
    return withHeap([destination], [CAND.size * candidates.length, 4], ([pd, pc, pi]) => {
      candidates.forEach((c, i) => {
        const p = pc + i * CAND.size;
        m.HEAPU8.set(addr(c.neighbour, 'neighbour'), p);
        writeCost(p + CAND.cost, c.cost);
        m.HEAPU8[p + CAND.reliability] = uint(c.reliability ?? 0, 255, 'reliability');
      });
      check(m._nexus_choose_next_hop(pc, candidates.length, pd, code, pi));
      return m.HEAPU32[pi >>> 2];
    });
  }

  class Handle {
    constructor(kind, ptr) {
      this._kind = kind;
      this._ptr = ptr;
    }
    get _handle() {
      if (!this._ptr) throw new NexusError(15, `${this._kind} freed`);
      return this._ptr;
    }
    free() {
      if (!this._ptr) return;
      m[`_nexus_${this._kind}_free`](this._ptr);
      this._ptr = 0;
    }
  }

  class RoutingTable extends Handle {
    constructor() {
      super('routing_table', withHeap([], [4], ([pout]) => {
        check(m._nexus_routing_table_new(pout));
        return m.HEAPU32[pout >>> 2];
      }));
    }
    // u: { destination, iface, hopAddress, cost, lamport, reliability = 0 }; returns the outcome name.
    update(u, nowMs) {
      return withHeap([], [UPDATE.size, 4], ([pu, po]) => {
        m.HEAPU8.set(addr(u.destination, 'destination'), pu);
        m.HEAPU8.set(addr(u.hopAddress, 'hopAddress'), pu + UPDATE.hop);
        writeCost(pu + UPDATE.cost, u.cost);
        m.HEAPU8[pu + UPDATE.iface] = uint(u.iface ?? 0, 255, 'iface');
        m.HEAPU8[pu + UPDATE.reliability] = uint(u.reliability ?? 0, 255, 'reliability');
        view().setBigUint64(pu + UPDATE.lamport, u64(u.lamport ?? 0, 'lamport'), true);
        check(m._nexus_routing_table_update(this._handle, pu, u64(nowMs, 'nowMs'), po));
        return OUTCOMES[m.HEAP32[po >>> 2]];
      });
    }
    // The best usable path (an entry object) or null.
    lookup(destination, policy, nowMs) {
      addr(destination, 'destination');
      const code = policyCode(policy);
      return withHeap([destination], [ENTRY.size], ([pd, pe]) => {
        const s = m._nexus_routing_table_lookup(this._handle, pd, code, u64(nowMs, 'nowMs'), pe);
        if (s === NOT_FOUND) return null;
        check(s);
        return readEntry(pe);
      });
    }
    markFailed(destination, iface, hopAddress) {
      withHeap([addr(destination, 'destination'), addr(hopAddress, 'hopAddress')], [], ([pd, ph]) => {
        check(m._nexus_routing_table_mark_failed(this._handle, pd, uint(iface, 255, 'iface'), ph));
      });
    }
    markSuspect(destination, iface, hopAddress) {
      withHeap([addr(destination, 'destination'), addr(hopAddress, 'hopAddress')], [], ([pd, ph]) => {
        check(m._nexus_routing_table_mark_suspect(this._handle, pd, uint(iface, 255, 'iface'), ph));
      });
    }
    recordOutcome(destination, iface, hopAddress, delivered) {
      withHeap([addr(destination, 'destination'), addr(hopAddress, 'hopAddress')], [], ([pd, ph]) => {
        check(m._nexus_routing_table_record_outcome(this._handle, pd, uint(iface, 255, 'iface'), ph,
          delivered ? 1 : 0));
      });
    }
    // { staled, evicted }.
    expire(nowMs) {
      return withHeap([], [4, 4], ([ps, pe]) => {
        check(m._nexus_routing_table_expire(this._handle, u64(nowMs, 'nowMs'), ps, pe));
        return { staled: m.HEAPU32[ps >>> 2], evicted: m.HEAPU32[pe >>> 2] };
      });
    }
    neighbourSilent(iface, hopAddress, lastHeardMs, nowMs) {
      return withHeap([addr(hopAddress, 'hopAddress')], [4, 4], ([ph, ps, pe]) => {
        check(m._nexus_routing_table_neighbour_silent(this._handle, uint(iface, 255, 'iface'), ph,
          u64(lastHeardMs, 'lastHeardMs'), u64(nowMs, 'nowMs'), ps, pe));
        return { staled: m.HEAPU32[ps >>> 2], evicted: m.HEAPU32[pe >>> 2] };
      });
    }
    get size() {
      return withHeap([], [4], ([p]) => {
        check(m._nexus_routing_table_size(this._handle, p));
        return m.HEAPU32[p >>> 2];
      });
    }
    // Every path, ordered by destination bytes, then arrival.
    entries() {
      const n = this.size;
      return withHeap([], [ENTRY.size], ([pe]) => {
        const out = [];
        for (let i = 0; i < n; ++i) {
          check(m._nexus_routing_table_entry(this._handle, i, pe));
          out.push(readEntry(pe));
        }
        return out;
      });
    }
  }

  // Bytes of bit array for `entries` at <= 1 % FPR, 1..maxBytes.
  function bloomBytesFor(entries, maxBytes = BLOOM_MAX_BYTES) {
    return withHeap([], [4], ([p]) => {
      check(m._nexus_bloom_bytes_for(u64(entries, 'entries'), uint(maxBytes, 0xffffffff, 'maxBytes'), p));
      return m.HEAPU32[p >>> 2];
    });
  }

  // A gossip bloom filter (k = 3, BLAKE3-derived) over sizeBytes bytes kept in JS (`bits`).
  class Bloom {
    constructor(sizeBytes, salt = 0) {
      if (!Number.isInteger(sizeBytes) || sizeBytes < 1) {
        throw new NexusError(4, 'sizeBytes must be at least 1'); // invalid_length
      }
      if (sizeBytes > BLOOM_MAX_BYTES) {
        throw new NexusError(6, `sizeBytes must be at most ${BLOOM_MAX_BYTES}`); // out_of_range
      }
      this.bits = new Uint8Array(sizeBytes);
      this.salt = uint(salt, 0xffffffff, 'salt');
    }
    get sizeBytes() { return this.bits.length; }
    insert(item) {
      bytes(item, 'item');
      withHeap([this.bits, item], [], ([pb, pi]) => {
        check(m._nexus_bloom_insert(pb, this.bits.length, this.salt, pi, item.length));
        this.bits.set(read(pb, this.bits.length));
      });
    }
    maybeContains(item) {
      bytes(item, 'item');
      return withHeap([this.bits, item], [4], ([pb, pi, pm]) => {
        check(m._nexus_bloom_maybe_contains(pb, this.bits.length, this.salt, pi, item.length, pm));
        return m.HEAP32[pm >>> 2] !== 0;
      });
    }
    // Set union with a filter of the same size and salt.
    merge(other) {
      if (!(other instanceof Bloom)) throw new TypeError('other must be a Bloom');
      withHeap([this.bits, other.bits], [], ([pb, po]) => {
        check(m._nexus_bloom_merge(pb, this.bits.length, this.salt, po, other.bits.length, other.salt));
        this.bits.set(read(pb, this.bits.length));
      });
    }
    encode() {
      const cap = BLOOM_HEADER_BYTES + this.bits.length;
      return withHeap([this.bits], [cap, 4], ([pb, pout, plen]) => {
        check(m._nexus_bloom_encode(pb, this.bits.length, this.salt, pout, cap, plen));
        return read(pout, m.HEAPU32[plen >>> 2]);
      });
    }
    static decode(data, maxBytes = BLOOM_MAX_BYTES) {
      bytes(data, 'data');
      return withHeap([data], [4, 4, 4], ([pd, ps, pb, pl]) => {
        check(m._nexus_bloom_decode(pd, data.length, uint(maxBytes, 0xffffffff, 'maxBytes'), ps, pb, pl));
        const b = new Bloom(m.HEAPU32[pl >>> 2], m.HEAPU32[ps >>> 2]);
        b.bits.set(read(m.HEAPU32[pb >>> 2], b.bits.length));
        return b;
      });
    }
  }

  // The four-tier gossip budget of one link; tiers 1..4 or 'routing', 'payments', 'services', 'trust'.
  class Budget extends Handle {
    constructor(bandwidthBps, nowMs = 0) {
      const bps = uint(bandwidthBps, 0xffffffff, 'bandwidthBps');
      super('budget', withHeap([], [4], ([pout]) => {
        check(m._nexus_budget_new(bps, u64(nowMs, 'nowMs'), pout));
        return m.HEAPU32[pout >>> 2];
      }));
    }
    trySpend(tier, bytesCount, nowMs, pull = false) {
      const t = tierCode(tier);
      return withHeap([], [4], ([p]) => {
        check(m._nexus_budget_try_spend(this._handle, t, uint(bytesCount, 0xffffffff, 'bytes'),
          u64(nowMs, 'nowMs'), pull ? 1 : 0, p));
        return m.HEAP32[p >>> 2] !== 0;
      });
    }
    // Bytes the tier may send now (BigInt).
    available(tier, nowMs) {
      const t = tierCode(tier);
      return withHeap([], [8], ([p]) => {
        check(m._nexus_budget_available(this._handle, t, u64(nowMs, 'nowMs'), p));
        return view().getBigUint64(p, true);
      });
    }
    capacity(tier) {
      const t = tierCode(tier);
      return withHeap([], [8], ([p]) => {
        check(m._nexus_budget_capacity(this._handle, t, p));
        return view().getBigUint64(p, true);
      });
    }
    // { bytesSent (BigInt), messages, refused, refusedPush }.
    stats(tier) {
      const t = tierCode(tier);
      return withHeap([], [STATS.size], ([p]) => {
        check(m._nexus_budget_stats(this._handle, t, p));
        const v = view();
        return {
          bytesSent: v.getBigUint64(p, true), messages: v.getUint32(p + 8, true),
          refused: v.getUint32(p + 12, true), refusedPush: v.getUint32(p + 16, true),
        };
      });
    }
  }

  return {
    TABLE_CAPACITY,
    PATHS_PER_DESTINATION,
    BLOOM_HEADER_BYTES,
    BLOOM_MAX_BYTES,
    BLOOM_CONSTRAINED_MAX_BYTES,
    TIERS,
    POLICIES: Object.keys(POLICIES),
    ringDistance,
    chooseNextHop,
    RoutingTable,
    bloomBytesFor,
    Bloom,
    Budget,
  };
};
