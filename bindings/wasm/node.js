'use strict';
// The sans-I/O node of the nexus WebAssembly module, over the C ABI of nexus_node.h. A Node is one
// identity with its destinations, a path table learned from announces, links, and optionally
// transport (forwarding between its interfaces: a node with two interfaces and transport on is a
// bridge). It owns a handle in WASM memory: call free() when done (nothing frees it for
// you; cleanup stays deterministic). The integrator's loop: receive() every frame an interface delivers;
// send what popOutgoing() gives ({ raw, iface, except }: on iface, or on every interface but
// `except` when iface is ALL_INTERFACES); poll() at nextDeadline at the latest. Time is integer
// milliseconds (Number or BigInt) on any monotonic clock. Randomness comes from
// crypto.getRandomValues unless a seed is given (reproducible: simulations and tests only, never
// real keys). Refusals throw NexusError with the nexus error code ('replayed', 'auth_failed',
// 'not_found', ...).
//
// Capacities are fixed for a desktop or simulation node (NODE_CAPACITIES): 8 interfaces, 4
// destinations, 256 paths, 32 links, 64 forwarded links, 64 queued packets, 1024 remembered packet
// hashes. runMesh() moves packets between in-memory nodes until they are quiet: the seed of the
// simulator API (issue 5).

const INVALID_ARGUMENT = 3;
const INVALID_LENGTH = 4;
const BAD_STATE = 15;
const MTU = 500;
const DATA_MAX = 456; // NEXUS_NODE_DATA_MAX
const ALL_INTERFACES = 0xff;
const NO_DEADLINE = 0xffffffffffffffffn;

// Structs of nexus_node.h on wasm32 (checked by static_asserts in bindings/c/src/nexus_node_c.cpp).
const CONFIG = {
  size: 72, establishment: 0, keepalive: 8, inactivity: 16, rotate: 24, bandwidth: 32, identify: 40,
  pathLifetime: 48, linkTableLifetime: 56, maxHops: 64,
};
const EVENT = { size: 40, kind: 0, id: 4, iface: 20, hops: 24, context: 28, reason: 32, dataLen: 36 };
const PATH = { size: 96, expires: 0, iface: 8, hops: 12, nextHop: 16, publicKey: 32 };
const STATS = ['received', 'sent', 'forwarded', 'duplicates', 'malformed', 'announcesValid',
  'announcesRejected', 'linksRejected', 'noRoute'];

const KINDS = ['none', 'announce', 'link_request', 'link_established', 'link_identified', 'link_data',
  'link_rotated', 'link_closed', 'forwarded'];
const REASONS = ['none', 'local', 'remote', 'inactivity', 'establishment_timeout', 'unidentified'];
const STATES = ['pending', 'handshake', 'active', 'closed'];
const CAPACITIES = Object.freeze({
  interfaces: 8, destinations: 4, paths: 256, links: 32, linkTable: 64, outbox: 64, seen: 1024,
});
const DEFAULT_LINK = Object.freeze({
  establishmentTimeoutMs: 30000, keepaliveIntervalMs: 120000, inactivityTimeoutMs: 360000,
  rotateIntervalMs: 3600000, bandwidthBps: 0, requireIdentify: false,
});
const DEFAULT_CONFIG = Object.freeze({
  pathLifetimeMs: 90 * 60 * 1000, linkTableLifetimeMs: 10 * 60 * 1000, maxHops: 128,
});
const EMPTY = new Uint8Array(0);

// Receives the Emscripten module and the helpers of nexus.js; returns the functions to add to the
// loaded object.
module.exports = function nodeApi(m, { NexusError, check, withHeap, read }) {
  const enc = new TextEncoder();

  function bytes(b, name, size) {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    if (size !== undefined && b.length !== size) {
      throw new NexusError(INVALID_LENGTH, `${name} must be ${size} bytes`);
    }
    return b;
  }
  function u64(v, name) {
    const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : null;
    if (b === null || b < 0n || b > 0xffffffffffffffffn) {
      throw new TypeError(`${name} must be a non-negative integer (Number or BigInt) below 2**64`);
    }
    return b;
  }
  function byte(v, name) {
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new NexusError(INVALID_ARGUMENT, `${name} must be 0..255`);
    }
    return v;
  }
  function profileCode(profile) {
    if (profile === 'nexus') return 0;
    if (profile === 'reticulum') return 1;
    throw new NexusError(INVALID_ARGUMENT, "profile must be 'nexus' or 'reticulum'");
  }
  const view = () => new DataView(m.HEAPU8.buffer); // re-made after each call: memory may grow

  function writeConfig(p, config) {
    const c = { ...DEFAULT_CONFIG, ...(config || {}) };
    const l = { ...DEFAULT_LINK, ...(c.link || {}) };
    if (!Number.isInteger(c.maxHops) || c.maxHops < 1 || c.maxHops > 255) {
      throw new NexusError(INVALID_ARGUMENT, 'maxHops must be 1..255');
    }
    const v = view();
    v.setBigUint64(p + CONFIG.establishment, u64(l.establishmentTimeoutMs, 'establishmentTimeoutMs'), true);
    v.setBigUint64(p + CONFIG.keepalive, u64(l.keepaliveIntervalMs, 'keepaliveIntervalMs'), true);
    v.setBigUint64(p + CONFIG.inactivity, u64(l.inactivityTimeoutMs, 'inactivityTimeoutMs'), true);
    v.setBigUint64(p + CONFIG.rotate, u64(l.rotateIntervalMs, 'rotateIntervalMs'), true);
    v.setBigUint64(p + CONFIG.bandwidth, u64(l.bandwidthBps, 'bandwidthBps'), true);
    v.setInt32(p + CONFIG.identify, l.requireIdentify ? 1 : 0, true);
    v.setBigUint64(p + CONFIG.pathLifetime, u64(c.pathLifetimeMs, 'pathLifetimeMs'), true);
    v.setBigUint64(p + CONFIG.linkTableLifetime, u64(c.linkTableLifetimeMs, 'linkTableLifetimeMs'), true);
    v.setUint32(p + CONFIG.maxHops, c.maxHops, true);
  }
  function readEvent(pe, pd) {
    const v = view();
    const int = (off) => v.getInt32(pe + off, true);
    const n = v.getUint32(pe + EVENT.dataLen, true);
    return {
      kind: KINDS[int(EVENT.kind)],
      id: read(pe + EVENT.id, 16),
      iface: int(EVENT.iface),
      hops: int(EVENT.hops),
      context: int(EVENT.context),
      reason: REASONS[int(EVENT.reason)],
      data: n > 0 ? read(pd, n) : new Uint8Array(0),
    };
  }
  function nameHashOf(name, profile) {
    if (typeof name === 'string') {
      const t = enc.encode(name);
      return withHeap([t], [10], ([pt, pout]) => {
        check(m._nexus_name_hash(profileCode(profile), pt, t.length, pout));
        return read(pout, 10);
      });
    }
    if (!(name instanceof Uint8Array)) {
      throw new TypeError('name must be a string (full name) or a Uint8Array');
    }
    return bytes(name, 'nameHash', 10);
  }

  class Node {
    // identity: a nexus.Identity (its profile is the node's). Options: transport (forward for
    // others), seed (reproducible randomness), config ({ link: { ...link timers },
    // pathLifetimeMs, linkTableLifetimeMs, maxHops }), name (free for the application).
    constructor(identity, { transport = false, seed, config, name } = {}) {
      if (!identity || !(identity.privateKey instanceof Uint8Array) || typeof identity.profile !== 'string') {
        throw new TypeError('identity must be a nexus.Identity');
      }
      const code = profileCode(identity.profile);
      bytes(identity.privateKey, 'privateKey', 64);
      const [det, s] = seed === undefined || seed === null ? [0, 0n] : [1, u64(seed, 'seed')];
      this._ptr = withHeap([identity.privateKey], [CONFIG.size, 4], ([pk, pc, pout]) => {
        writeConfig(pc, config);
        check(m._nexus_node_new(code, pk, transport ? 1 : 0, pc, det, s, pout));
        return m.HEAPU32[pout >>> 2];
      });
      this.profile = identity.profile;
      this.transport = !!transport;
      this.name = name;
    }

    get _handle() {
      if (!this._ptr) throw new NexusError(BAD_STATE, 'node freed');
      return this._ptr;
    }

    // Releases the WASM handle (wiped). The Node is unusable afterwards.
    free() {
      if (!this._ptr) return;
      m._nexus_node_free(this._ptr);
      this._ptr = 0;
    }

    // Registers an interface; its id (0, 1, ...).
    addInterface() {
      return withHeap([], [1], ([p]) => {
        check(m._nexus_node_add_interface(this._handle, p));
        return m.HEAPU8[p];
      });
    }

    // Registers one of our destinations: a full name (string) or its 10-byte name hash. Returns
    // the 16-byte destination hash.
    addDestination(name, acceptLinks = true) {
      const nh = nameHashOf(name, this.profile);
      return withHeap([nh], [16], ([pn, pout]) => {
        check(m._nexus_node_add_destination(this._handle, pn, acceptLinks ? 1 : 0, pout));
        return read(pout, 16);
      });
    }

    // Queues a signed announce of our destination on every interface.
    announce(destination, nowMs, appData = EMPTY) {
      bytes(destination, 'destination', 16);
      bytes(appData, 'appData');
      const now = u64(nowMs, 'nowMs');
      withHeap([destination, appData], [], ([pd, pa]) => {
        check(m._nexus_node_announce(this._handle, pd, now, pa, appData.length));
      });
    }

    // Opens a link to a destination whose announce we have seen; the link id.
    openLink(destination, nowMs) {
      bytes(destination, 'destination', 16);
      const now = u64(nowMs, 'nowMs');
      return withHeap([destination], [16], ([pd, pout]) => {
        check(m._nexus_node_open_link(this._handle, pd, now, pout));
        return read(pout, 16);
      });
    }

    _onLink(fn, link) {
      bytes(link, 'link', 16);
      withHeap([link], [], ([pl]) => check(fn(this._handle, pl)));
    }

    // Initiator: proves our identity on the link (sent encrypted).
    identify(link) { this._onLink(m._nexus_node_identify, link); }

    // Closes a link at once (a close packet is queued for the peer).
    close(link) { this._onLink(m._nexus_node_close, link); }

    // Encrypts and queues data (at most 456 bytes) on an active link.
    send(link, data, nowMs, context = 0) {
      bytes(link, 'link', 16);
      bytes(data, 'data');
      byte(context, 'context');
      const now = u64(nowMs, 'nowMs');
      withHeap([link, data], [], ([pl, pd]) => {
        check(m._nexus_node_send(this._handle, pl, pd, data.length, now, context));
      });
    }

    // 'pending', 'handshake', 'active' or 'closed'; NexusError 'not_found' once reported closed.
    linkState(link) {
      bytes(link, 'link', 16);
      return withHeap([link], [4], ([pl, ps]) => {
        check(m._nexus_node_link_state(this._handle, pl, ps));
        return STATES[view().getInt32(ps, true)];
      });
    }

    // Handles one frame received on iface: { kind, id, iface, hops, context, reason, data }.
    // NexusError when the node refuses it (it then changes only its counters).
    receive(iface, raw, nowMs) {
      byte(iface, 'iface');
      bytes(raw, 'raw');
      const now = u64(nowMs, 'nowMs');
      return withHeap([raw], [EVENT.size, DATA_MAX], ([pr, pe, pd]) => {
        check(m._nexus_node_receive(this._handle, iface, pr, raw.length, now, pe, pd, DATA_MAX));
        return readEvent(pe, pd);
      });
    }

    // Every packet to send now, in order: [{ raw, iface, except }]; iface ALL_INTERFACES (255) is
    // a flood on every interface but `except` (255 when none is excepted).
    popOutgoing(nowMs) {
      const now = u64(nowMs, 'nowMs');
      return withHeap([], [MTU, 4, 1, 1], ([pout, plen, pi, px]) => {
        const out = [];
        for (;;) {
          check(m._nexus_node_pop_outgoing(this._handle, now, pout, MTU, plen, pi, px));
          const n = m.HEAPU32[plen >>> 2];
          if (n === 0) return out;
          out.push({ raw: read(pout, n), iface: m.HEAPU8[pi], except: m.HEAPU8[px] });
        }
      });
    }

    // Runs the timers: the events of links that came up or closed.
    poll(nowMs) {
      const now = u64(nowMs, 'nowMs');
      return withHeap([], [EVENT.size], ([pe]) => {
        const out = [];
        for (;;) {
          check(m._nexus_node_poll(this._handle, now, pe));
          const ev = readEvent(pe, 0);
          if (ev.kind === 'none') return out;
          out.push(ev);
        }
      });
    }

    // When to call poll()/popOutgoing() next (ms, a Number): 0 when something is queued, null
    // when nothing is pending.
    get nextDeadline() {
      return withHeap([], [8], ([pd]) => {
        check(m._nexus_node_next_deadline(this._handle, pd));
        const t = view().getBigUint64(pd, true);
        return t === NO_DEADLINE ? null : Number(t);
      });
    }

    // The path to a destination, or null: { iface, nextHop (null when directly reachable), hops,
    // expiresMs, publicKey }.
    path(destination) {
      bytes(destination, 'destination', 16);
      return withHeap([destination], [PATH.size], ([pd, pp]) => {
        const s = m._nexus_node_path(this._handle, pd, pp);
        if (s === 9) return null; // not_found
        check(s);
        const v = view();
        const nextHop = read(pp + PATH.nextHop, 16);
        return {
          iface: v.getInt32(pp + PATH.iface, true),
          nextHop: nextHop.every((b) => b === 0) ? null : nextHop,
          hops: v.getInt32(pp + PATH.hops, true),
          expiresMs: Number(v.getBigUint64(pp + PATH.expires, true)),
          publicKey: read(pp + PATH.publicKey, 64),
        };
      });
    }

    // Counters (Numbers): received, sent, forwarded, duplicates, malformed, announcesValid,
    // announcesRejected, linksRejected, noRoute.
    get stats() {
      return withHeap([], [8 * STATS.length], ([p]) => {
        check(m._nexus_node_stats_get(this._handle, p));
        const v = view();
        return Object.fromEntries(STATS.map((k, i) => [k, Number(v.getBigUint64(p + 8 * i, true))]));
      });
    }

    // Our identity hash: the transport id of the HEADER_2 packets we forward.
    get identityHash() {
      return withHeap([], [16], ([p]) => {
        check(m._nexus_node_identity_hash(this._handle, p));
        return read(p, 16);
      });
    }
  }

  // Moves packets between in-memory nodes until none has anything left to send; returns what
  // happened, in order: [{ node, event }] or, for a refused frame, [{ node, error, frame }].
  // cables: [[[nodeX, ifaceX], [nodeY, ifaceY]], ...], each carrying every frame both ways,
  // instantly and without loss. Each round polls every node (in the order given), then sends
  // everything it has queued. With trace (an array), every { from, iface, raw } put on a cable is
  // pushed to it. The seed of the simulator API (issue 5): later versions add latency, loss,
  // bandwidth and a clock that advances to the nodes' deadlines.
  function runMesh(nodes, cables, nowMs, { maxRounds = 10000, trace } = {}) {
    const ends = new Map();
    const add = (n, i, far) => {
      if (!ends.has(n)) ends.set(n, []);
      ends.get(n).push([i, far]);
    };
    for (const [[n1, i1], [n2, i2]] of cables) {
      add(n1, i1, [n2, i2]);
      add(n2, i2, [n1, i1]);
    }
    const events = [];
    for (let round = 0; round < maxRounds; ++round) {
      let moved = false;
      for (const n of nodes) {
        for (const e of n.poll(nowMs)) events.push({ node: n, event: e });
        for (const { raw, iface, except } of n.popOutgoing(nowMs)) {
          moved = true;
          for (const [local, [peer, peerIface]] of ends.get(n) || []) {
            if (iface === ALL_INTERFACES ? local === except : local !== iface) continue;
            if (trace) trace.push({ from: n, iface: local, raw });
            try {
              const ev = peer.receive(peerIface, raw, nowMs);
              if (ev.kind !== 'none') events.push({ node: peer, event: ev });
            } catch (e) {
              if (!(e instanceof NexusError)) throw e;
              events.push({ node: peer, error: e.code, frame: raw });
            }
          }
        }
      }
      if (!moved) return events;
    }
    throw new Error('runMesh: the mesh did not go quiet');
  }

  return {
    Node,
    runMesh,
    NODE_CAPACITIES: CAPACITIES,
    ALL_INTERFACES,
    // The library's default node configuration (ms).
    nodeDefaultConfig() {
      return withHeap([], [CONFIG.size], ([p]) => {
        check(m._nexus_node_config_default(p));
        const v = view();
        const at = (off) => Number(v.getBigUint64(p + off, true));
        return {
          link: {
            establishmentTimeoutMs: at(CONFIG.establishment), keepaliveIntervalMs: at(CONFIG.keepalive),
            inactivityTimeoutMs: at(CONFIG.inactivity), rotateIntervalMs: at(CONFIG.rotate),
            bandwidthBps: at(CONFIG.bandwidth), requireIdentify: v.getInt32(p + CONFIG.identify, true) !== 0,
          },
          pathLifetimeMs: at(CONFIG.pathLifetime), linkTableLifetimeMs: at(CONFIG.linkTableLifetime),
          maxHops: v.getUint32(p + CONFIG.maxHops, true),
        };
      });
    },
  };
};
