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
// Routing and gossip (nexus/node.hpp; docs/routing.md, docs/gossip.md): paths live in a routing
// table (several per destination, Lamport-ordered, the spec's timers) and forwarding is a lookup under
// the node's path policy (config.policy: 'cheapest', 'fastest', 'most_reliable', 'balanced', as in
// routing.js). With config.gossip the node runs the tier-1 gossip round on every interface (signed
// bloom summaries, path offers, neighbour liveness) within each interface's gossip budget; with
// config.autoAnnounce it announces its destinations on the spec's triggers (first boot, a new
// interface, an interface cost change above 25 %, every announce interval). Both are off by default.
// Interface metrics ({ bandwidthBps, latencyMs, shared }) size the budget and the costs of the paths
// offered. Readable as plain objects: routes(), route(), budget(), neighbours(), lamport, stats.
//
// Events: receive() only takes a frame in (it throws NexusError when the node drops it, saying why);
// everything the application hears comes from poll(), one queue in the order it happened (a link's
// establishment before its first data, its data before its close). known() is what the node knows
// of a destination from its announces; requestPath() asks the mesh for a path (whoever knows the
// destination answers with its announce, which poll() reports); linkTableEntry() is a transport
// node's entry for a link it forwards.
//
// Capacities: the C binding's node is nexus::node<P, R, presets::pi_bridge> (include/nexus/config.hpp);
// Node.capacities (also NODE_CAPACITIES) holds them by name as the library reports them
// (nexus_node_get_capacities). runMesh() moves packets between in-memory nodes until they are
// quiet: the seed of the simulator API (issue 5).

// nexus_status codes this file raises or tests for itself (their names come from the library).
const INVALID_ARGUMENT = 3;
const INVALID_LENGTH = 4;
const NOT_FOUND = 9;
const BAD_STATE = 15;
const MTU = 500;
const DATA_MAX = 456; // NEXUS_NODE_DATA_MAX
const CHANNEL_MDU = 452; // NEXUS_CHANNEL_MDU: the largest message of sendReliable
const ALL_INTERFACES = 0xff;
const NO_DEADLINE = 0xffffffffffffffffn;

// Structs of nexus_node.h on wasm32 (checked by static_asserts in bindings/c/src/nexus_node_c.cpp).
const CONFIG = {
  size: 144, establishment: 0, keepalive: 8, inactivity: 16, rotate: 24, bandwidth: 32, identify: 40,
  pathLifetime: 48, linkTableLifetime: 56, maxHops: 64, policy: 68, gossip: 72, autoAnnounce: 76,
  relayFee: 80, announceInterval: 88, gossipInterval: 96, activeIntervals: 104, staleIntervals: 108,
  downRounds: 112, evictRounds: 116, announceRateTarget: 120, announceRateGrace: 128,
  announceRatePenalty: 136,
};
const EVENT = {
  size: 48, kind: 0, id: 4, iface: 20, hops: 24, context: 28, reason: 32, reliable: 36, sequence: 40, dataLen: 44,
};
const KNOWN = {
  size: 136, publicKey: 0, nameHash: 64, owner: 74, links: 90, cached: 91, lamport: 96, emitted: 104,
  announceExpires: 112, lastUsed: 120, protectedUntil: 128,
};
const LINK_ROUTE = {
  size: 56, destination: 0, nextHop: 16, towardInitiator: 32, towardResponder: 33, proven: 34, requests: 35,
  proofs: 36, expires: 40, lastRequest: 48,
};
// nexus_node_stats: one uint64 per field, in this order.
const STATS = ['received', 'sent', 'forwarded', 'duplicates', 'malformed', 'announcesValid',
  'announcesRejected', 'linksRejected', 'noRoute', 'gossipSent', 'gossipBytesSent', 'gossipReceived',
  'gossipRejected', 'advertsMerged', 'advertsRefused', 'neighboursDown', 'announcesSent', 'eventsDropped',
  'destinationsEvicted', 'destinationsRefused', 'pendingLinksEvicted', 'linkTableEvicted',
  'linkTableRefused', 'proofsReturned', 'announcesHeld', 'announcesReleased', 'announcesDropped',
  'rebroadcastsLimited', 'announceRetries', 'pathRequestsSent', 'pathRequestsAnswered',
  'pathRequestsForwarded'];
// nexus_node_capacities: one size_t (4 bytes on wasm32) per nexus::node_capacities field, in this order.
const CAPACITY_NAMES = ['interfaces', 'destinations', 'knownDestinations', 'routes', 'pathsPerDestination',
  'links', 'pendingLinksPerInterface', 'linkTable', 'reverseTable', 'outbox', 'seen', 'neighbours',
  'earlyOffers', 'gossipKinds', 'events', 'announceSources', 'heldAnnounces', 'announceRates',
  'announceRetries', 'pathRequests', 'cachedAppData', 'channelWindow'];
const METRICS = { size: 8, bandwidth: 0, latency: 4, shared: 6 };
// nexus_node_channel_info: one uint64 per field, in this order (read as Numbers).
const CHANNEL_INFO = ['window', 'inFlight', 'unacknowledged', 'srttMs', 'rttvarMs', 'rtoMs', 'messagesSent',
  'retransmissions', 'fastRetransmissions', 'messagesAcked', 'messagesReceived', 'duplicates', 'outOfWindow',
  'acksSent', 'acksReceived', 'acksStale', 'malformed'];
// nexus_routing_entry of nexus_routing.h (as in routing.js).
const ENTRY = {
  size: 88, hop: 16, cost: 32, iface: 38, reliability: 39, state: 40, failed: 41, suspect: 42, lamport: 48,
  lastUpdated: 56, expires: 64, evictAt: 72, lastUsed: 80,
};
const BUDGET = { size: 168, constrained: 4, capacity: 8, available: 40, stats: 72, tierStats: 24 };
const NEIGHBOUR = { size: 40, iface: 16, down: 17, lastHeard: 24, session: 32, counter: 36 };
const TIERS = 4;
const POLICIES = { cheapest: 0, fastest: 1, most_reliable: 2, balanced: 3 };
const POLICY_NAMES = ['cheapest', 'fastest', 'most_reliable', 'balanced'];
const OWN_POLICY = -1;

const KINDS = ['none', 'announce', 'link_request', 'link_established', 'link_identified', 'link_data',
  'link_rotated', 'link_closed', 'forwarded', 'link_delivered'];
// Link state and close-reason names are link.js's.
const { STATES, REASONS } = require('./link.js');
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
  function uint(v, max, name) {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new NexusError(INVALID_ARGUMENT, `${name} must be 0..${max}`);
    }
    return v;
  }
  // A policy name as its NEXUS_POLICY_* code; undefined / null: the node's own.
  function policyCode(p) {
    if (p === undefined || p === null) return OWN_POLICY;
    if (typeof p !== 'string' || !Object.prototype.hasOwnProperty.call(POLICIES, p)) {
      throw new NexusError(INVALID_ARGUMENT,
        "policy must be 'cheapest', 'fastest', 'most_reliable' or 'balanced'");
    }
    return POLICIES[p];
  }
  function profileCode(profile) {
    if (profile === 'nexus') return 0;
    if (profile === 'reticulum') return 1;
    throw new NexusError(INVALID_ARGUMENT, "profile must be 'nexus' or 'reticulum'");
  }
  const view = () => new DataView(m.HEAPU8.buffer); // re-made after each call: memory may grow

  // The library's defaults and capacities, read once from the C side (nothing here repeats them).
  function readConfig(p) {
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
      policy: POLICY_NAMES[v.getInt32(p + CONFIG.policy, true)],
      gossip: v.getInt32(p + CONFIG.gossip, true) !== 0,
      autoAnnounce: v.getInt32(p + CONFIG.autoAnnounce, true) !== 0,
      relayFee: v.getUint32(p + CONFIG.relayFee, true),
      announceIntervalMs: at(CONFIG.announceInterval), gossipIntervalMs: at(CONFIG.gossipInterval),
      activeIntervals: v.getUint32(p + CONFIG.activeIntervals, true),
      staleIntervals: v.getUint32(p + CONFIG.staleIntervals, true),
      downRounds: v.getUint32(p + CONFIG.downRounds, true),
      evictRounds: v.getUint32(p + CONFIG.evictRounds, true),
      announceRateTargetMs: at(CONFIG.announceRateTarget),
      announceRateGrace: v.getUint32(p + CONFIG.announceRateGrace, true),
      announceRatePenaltyMs: at(CONFIG.announceRatePenalty),
    };
  }
  function nodeDefaultConfig() {
    return withHeap([], [CONFIG.size], ([p]) => {
      check(m._nexus_node_config_default(p));
      return readConfig(p);
    });
  }
  const DEFAULT_CONFIG = nodeDefaultConfig();
  const DEFAULT_METRICS = withHeap([], [METRICS.size], ([p]) => {
    check(m._nexus_node_interface_metrics_default(p));
    const v = view();
    return Object.freeze({
      bandwidthBps: v.getUint32(p + METRICS.bandwidth, true),
      latencyMs: v.getUint16(p + METRICS.latency, true),
      shared: v.getUint8(p + METRICS.shared) !== 0,
    });
  });
  const CAPACITIES = withHeap([], [4 * CAPACITY_NAMES.length], ([p]) => {
    check(m._nexus_node_get_capacities(p));
    return Object.freeze(Object.fromEntries(CAPACITY_NAMES.map((k, i) => [k, m.HEAPU32[(p >>> 2) + i]])));
  });

  function writeConfig(p, config) {
    const c = { ...DEFAULT_CONFIG, ...(config || {}) };
    const l = { ...DEFAULT_CONFIG.link, ...(c.link || {}) };
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
    const policy = policyCode(c.policy);
    if (policy === OWN_POLICY) throw new NexusError(INVALID_ARGUMENT, 'config.policy must be a policy name');
    v.setInt32(p + CONFIG.policy, policy, true);
    v.setInt32(p + CONFIG.gossip, c.gossip ? 1 : 0, true);
    v.setInt32(p + CONFIG.autoAnnounce, c.autoAnnounce ? 1 : 0, true);
    v.setUint32(p + CONFIG.relayFee, uint(c.relayFee, 0xffffffff, 'relayFee'), true);
    v.setBigUint64(p + CONFIG.announceInterval, u64(c.announceIntervalMs, 'announceIntervalMs'), true);
    v.setBigUint64(p + CONFIG.gossipInterval, u64(c.gossipIntervalMs, 'gossipIntervalMs'), true);
    v.setUint32(p + CONFIG.activeIntervals, uint(c.activeIntervals, 0xffffffff, 'activeIntervals'), true);
    v.setUint32(p + CONFIG.staleIntervals, uint(c.staleIntervals, 0xffffffff, 'staleIntervals'), true);
    v.setUint32(p + CONFIG.downRounds, uint(c.downRounds, 0xffffffff, 'downRounds'), true);
    v.setUint32(p + CONFIG.evictRounds, uint(c.evictRounds, 0xffffffff, 'evictRounds'), true);
    v.setBigUint64(p + CONFIG.announceRateTarget, u64(c.announceRateTargetMs, 'announceRateTargetMs'), true);
    // A grace over 255 is refused by the C side (invalid_argument), like every other range it checks.
    const grace = uint(c.announceRateGrace, 0xffffffff, 'announceRateGrace');
    v.setUint32(p + CONFIG.announceRateGrace, grace, true);
    const penalty = u64(c.announceRatePenaltyMs, 'announceRatePenaltyMs');
    v.setBigUint64(p + CONFIG.announceRatePenalty, penalty, true);
  }
  // Validates interface metrics (missing fields: the defaults) before anything is allocated.
  function metricsOf(metrics) {
    if (metrics !== undefined && (metrics === null || typeof metrics !== 'object')) {
      throw new TypeError('metrics must be an object { bandwidthBps, latencyMs, shared }');
    }
    const x = { ...DEFAULT_METRICS, ...(metrics || {}) };
    return {
      bandwidthBps: uint(x.bandwidthBps, 0xffffffff, 'bandwidthBps'),
      latencyMs: uint(x.latencyMs, 0xffff, 'latencyMs'),
      shared: !!x.shared,
    };
  }
  function writeMetrics(p, x) {
    const v = view();
    v.setUint32(p + METRICS.bandwidth, x.bandwidthBps, true);
    v.setUint16(p + METRICS.latency, x.latencyMs, true);
    v.setUint8(p + METRICS.shared, x.shared ? 1 : 0);
  }
  // A nexus_routing_entry as { destination, iface, nextHop, cost, reliability, state, failed,
  // lamport (BigInt), lastUpdatedMs, expiresMs, evictAtMs, lastUsedMs }.
  function readRoute(p) {
    const v = view();
    const at = (off) => Number(v.getBigUint64(p + off, true));
    return {
      destination: read(p, 16),
      iface: v.getUint8(p + ENTRY.iface),
      nextHop: read(p + ENTRY.hop, 16),
      cost: {
        cumulativeCost: v.getUint16(p + ENTRY.cost, true),
        worstLatencyMs: v.getUint16(p + ENTRY.cost + 2, true),
        bottleneckBps: v.getUint8(p + ENTRY.cost + 4),
        hopCount: v.getUint8(p + ENTRY.cost + 5),
      },
      reliability: v.getUint8(p + ENTRY.reliability),
      state: v.getUint8(p + ENTRY.state) === 0 ? 'active' : 'stale',
      failed: v.getUint8(p + ENTRY.failed) !== 0,
      suspect: v.getUint8(p + ENTRY.suspect) !== 0,
      lamport: v.getBigUint64(p + ENTRY.lamport, true),
      lastUpdatedMs: at(ENTRY.lastUpdated),
      expiresMs: at(ENTRY.expires),
      evictAtMs: at(ENTRY.evictAt),
      lastUsedMs: at(ENTRY.lastUsed),
    };
  }
  // A nexus_node_event with its data: { kind, id, iface, hops, context, reason, reliable, sequence,
  // data }.
  function readEvent(pe, pd) {
    const v = view();
    const int = (off) => v.getInt32(pe + off, true);
    const n = v.getUint32(pe + EVENT.dataLen, true);
    return {
      kind: KINDS[int(EVENT.kind)] || 'unknown',
      id: read(pe + EVENT.id, 16),
      iface: int(EVENT.iface),
      hops: int(EVENT.hops),
      context: int(EVENT.context),
      reason: REASONS[int(EVENT.reason)] || 'unknown',
      reliable: int(EVENT.reliable) !== 0,
      sequence: int(EVENT.sequence),
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
    // pathLifetimeMs, linkTableLifetimeMs, maxHops, policy, gossip, autoAnnounce, relayFee,
    // announceIntervalMs, gossipIntervalMs, activeIntervals, staleIntervals, downRounds, evictRounds };
    // missing fields: nodeDefaultConfig()), name (free for the application).
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

    // Registers an interface at nowMs (default 0) with its metrics ({ bandwidthBps, latencyMs, shared };
    // missing fields: the library's defaults, 1000000 bps, 0 ms, not shared); its id (0, 1, ...).
    // 'full' beyond Node.capacities.interfaces. A new interface is an announce trigger.
    addInterface(metrics, nowMs = 0) {
      const x = metricsOf(metrics);
      const now = u64(nowMs, 'nowMs');
      return withHeap([], [METRICS.size, 1], ([pm, p]) => {
        writeMetrics(pm, x);
        check(m._nexus_node_add_interface(this._handle, pm, now, p));
        return m.HEAPU8[p];
      });
    }

    // New metrics for an interface; its gossip budget continues at the new bandwidth. A change of
    // bandwidth or latency above 25 % is an announce trigger. 'invalid_argument': unknown interface.
    setInterfaceMetrics(iface, metrics, nowMs) {
      byte(iface, 'iface');
      if (metrics === undefined) throw new TypeError('metrics must be an object');
      const x = metricsOf(metrics);
      const now = u64(nowMs, 'nowMs');
      withHeap([], [METRICS.size], ([pm]) => {
        writeMetrics(pm, x);
        check(m._nexus_node_set_interface_metrics(this._handle, iface, pm, now));
      });
    }

    // An interface's metrics { bandwidthBps, latencyMs, shared }; 'invalid_argument' when unknown.
    metrics(iface) {
      byte(iface, 'iface');
      return withHeap([], [METRICS.size], ([pm]) => {
        check(m._nexus_node_interface_metrics_get(this._handle, iface, pm));
        const v = view();
        return {
          bandwidthBps: v.getUint32(pm + METRICS.bandwidth, true),
          latencyMs: v.getUint16(pm + METRICS.latency, true),
          shared: v.getUint8(pm + METRICS.shared) !== 0,
        };
      });
    }

    get interfaceCount() { return this._size(m._nexus_node_interface_count); }

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

    // Announces with the NEXUS extension: the origin's path cost, the next Lamport time (TLV 0x01),
    // then extraTlvs (whole TLV entries: type, length, value) -- what autoAnnounce sends.
    // 'invalid_length' when they do not fit the 128-byte extension, 'truncated' for an incomplete one.
    announceNexus(destination, nowMs, extraTlvs = EMPTY) {
      bytes(destination, 'destination', 16);
      bytes(extraTlvs, 'extraTlvs');
      const now = u64(nowMs, 'nowMs');
      withHeap([destination, extraTlvs], [], ([pd, pt]) => {
        check(m._nexus_node_announce_nexus(this._handle, pd, now, pt, extraTlvs.length));
      });
    }

    // Asks the mesh for a path to a destination (a path request on every interface; at most one every
    // 20 s for it, a repeat sooner sends nothing). Whoever knows the destination answers with its
    // announce, which poll() reports. 'invalid_argument' without interfaces or for our own destination.
    requestPath(destination, nowMs) {
      bytes(destination, 'destination', 16);
      const now = u64(nowMs, 'nowMs');
      withHeap([destination], [], ([pd]) => check(m._nexus_node_request_path(this._handle, pd, now)));
    }

    // Opens a link to a destination whose announce we have seen; the link id. The first hop is the
    // best path under policy (the node's own when omitted).
    openLink(destination, nowMs, policy) {
      bytes(destination, 'destination', 16);
      const now = u64(nowMs, 'nowMs');
      const code = policyCode(policy);
      return withHeap([destination], [16], ([pd, pout]) => {
        check(m._nexus_node_open_link_with_policy(this._handle, pd, now, code, pout));
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

    // Queues data (at most 452 bytes, CHANNEL_MDU) on the link's reliable channel; returns its
    // sequence. The peer's application gets it exactly once and in order ('link_data' with
    // reliable: true); it is repeated until acknowledged, and a 'link_delivered' event with the
    // same sequence tells this side the peer has it. NexusError 'full' while the channel's window is
    // taken (try after a 'link_delivered'), 'bad_state' unless active, 'invalid_length' above 452.
    sendReliable(link, data, nowMs, context = 0) {
      bytes(link, 'link', 16);
      bytes(data, 'data');
      byte(context, 'context');
      const now = u64(nowMs, 'nowMs');
      return withHeap([link, data], [4], ([pl, pd, ps]) => {
        check(m._nexus_node_send_reliable(this._handle, pl, pd, data.length, now, context, ps));
        return view().getInt32(ps, true);
      });
    }

    // The reliable channel of an established link of ours ({ window, inFlight, unacknowledged,
    // srttMs, rttvarMs, rtoMs, messagesSent, retransmissions, ... }), or null (unknown, or not yet
    // established).
    channelInfo(link) {
      bytes(link, 'link', 16);
      return withHeap([link], [8 * CHANNEL_INFO.length], ([pl, pi]) => {
        const s = m._nexus_node_channel_info_get(this._handle, pl, pi);
        if (s === NOT_FOUND) return null;
        check(s);
        const v = view();
        return Object.fromEntries(CHANNEL_INFO.map((k, i) => [k, Number(v.getBigUint64(pi + 8 * i, true))]));
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

    // Handles one frame received on iface; what it causes comes from poll(). NexusError when the node
    // drops it, its code saying why ('replayed', 'auth_failed', 'not_found', ...; the node then
    // changes only its counters).
    receive(iface, raw, nowMs) {
      byte(iface, 'iface');
      bytes(raw, 'raw');
      const now = u64(nowMs, 'nowMs');
      withHeap([raw], [], ([pr]) => {
        check(m._nexus_node_receive(this._handle, iface, pr, raw.length, now));
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

    // Every event for the application, in the order they happened (timers run first when none is
    // queued): [{ kind, id, iface, hops, context, reason, data }]. kind: 'announce' (id the
    // destination, hops, data its app data), 'link_request', 'link_established', 'link_identified',
    // 'link_data' (data the message, context its context byte), 'link_rotated', 'link_closed'
    // (reason), 'forwarded'.
    poll(nowMs) {
      const now = u64(nowMs, 'nowMs');
      return withHeap([], [EVENT.size, DATA_MAX], ([pe, pd]) => {
        const out = [];
        for (;;) {
          check(m._nexus_node_poll(this._handle, now, pe, pd, DATA_MAX));
          const ev = readEvent(pe, pd);
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

    // What the node knows of a destination from its announces, or null: { publicKey, nameHash, owner
    // (identity hash of publicKey), links (ours to it that are up), cached (its announce is kept to
    // answer path requests), lamport (BigInt: highest Lamport time heard), emitted (seconds: emission
    // time of its newest announce), announceExpiresMs, lastUsedMs, protectedUntilMs }.
    known(destination) {
      bytes(destination, 'destination', 16);
      return withHeap([destination], [KNOWN.size], ([pd, pk]) => {
        const s = m._nexus_node_known(this._handle, pd, pk);
        if (s === NOT_FOUND) return null;
        check(s);
        const v = view();
        const at = (off) => Number(v.getBigUint64(pk + off, true));
        return {
          publicKey: read(pk + KNOWN.publicKey, 64),
          nameHash: read(pk + KNOWN.nameHash, 10),
          owner: read(pk + KNOWN.owner, 16),
          links: v.getUint8(pk + KNOWN.links),
          cached: v.getUint8(pk + KNOWN.cached) !== 0,
          lamport: v.getBigUint64(pk + KNOWN.lamport, true),
          emitted: at(KNOWN.emitted),
          announceExpiresMs: at(KNOWN.announceExpires),
          lastUsedMs: at(KNOWN.lastUsed),
          protectedUntilMs: at(KNOWN.protectedUntil),
        };
      });
    }

    // How many destinations the node knows from their announces.
    get knownCount() { return this._size(m._nexus_node_known_count); }

    // Transport: the link-table entry of a link this node forwards for others, or null:
    // { destination, nextHop (the transport id the request went to; null when sent straight to the
    // destination), towardInitiator, towardResponder (interfaces), proven, requests, proofs,
    // expiresMs, lastRequestMs }.
    linkTableEntry(link) {
      bytes(link, 'link', 16);
      return withHeap([link], [LINK_ROUTE.size], ([pl, pr]) => {
        const s = m._nexus_node_link_table_entry(this._handle, pl, pr);
        if (s === NOT_FOUND) return null;
        check(s);
        const v = view();
        const nextHop = read(pr + LINK_ROUTE.nextHop, 16);
        return {
          destination: read(pr + LINK_ROUTE.destination, 16),
          nextHop: nextHop.every((b) => b === 0) ? null : nextHop,
          towardInitiator: v.getUint8(pr + LINK_ROUTE.towardInitiator),
          towardResponder: v.getUint8(pr + LINK_ROUTE.towardResponder),
          proven: v.getUint8(pr + LINK_ROUTE.proven) !== 0,
          requests: v.getUint8(pr + LINK_ROUTE.requests),
          proofs: v.getUint8(pr + LINK_ROUTE.proofs),
          expiresMs: Number(v.getBigUint64(pr + LINK_ROUTE.expires, true)),
          lastRequestMs: Number(v.getBigUint64(pr + LINK_ROUTE.lastRequest, true)),
        };
      });
    }

    // How many links the node forwards for others.
    get linkTableSize() { return this._size(m._nexus_node_link_table_size); }

    _size(fn) {
      return withHeap([], [4], ([p]) => {
        check(fn(this._handle, p));
        return m.HEAPU32[p >>> 2];
      });
    }

    // Counters (Numbers), one per nexus::node_stats field: received, sent, forwarded, duplicates,
    // malformed, announcesValid, announcesRejected, linksRejected, noRoute, gossipSent,
    // gossipBytesSent, gossipReceived, gossipRejected, advertsMerged, advertsRefused, neighboursDown,
    // announcesSent, eventsDropped, destinationsEvicted, destinationsRefused, pendingLinksEvicted,
    // linkTableEvicted, linkTableRefused, proofsReturned, announcesHeld, announcesReleased,
    // announcesDropped, rebroadcastsLimited, announceRetries, pathRequestsSent, pathRequestsAnswered,
    // pathRequestsForwarded.
    get stats() {
      return withHeap([], [8 * STATS.length], ([p]) => {
        check(m._nexus_node_stats_get(this._handle, p));
        const v = view();
        return Object.fromEntries(STATS.map((k, i) => [k, Number(v.getBigUint64(p + 8 * i, true))]));
      });
    }

    // Every path of the routing table (active, stale and failed), ordered by destination bytes, then
    // arrival: [{ destination, iface, nextHop (the neighbour's identity hash), cost: { cumulativeCost,
    // worstLatencyMs, bottleneckBps, hopCount } (codes, after every hop to the destination),
    // reliability, state ('active' / 'stale'), failed, lamport (BigInt), lastUpdatedMs, expiresMs,
    // evictAtMs, lastUsedMs }].
    routes() {
      return withHeap([], [8, ENTRY.size], ([pc, pe]) => {
        check(m._nexus_node_route_count(this._handle, pc));
        const n = m.HEAPU32[pc >>> 2];
        const out = [];
        for (let i = 0; i < n; ++i) {
          check(m._nexus_node_route_at(this._handle, i, pe));
          out.push(readRoute(pe));
        }
        return out;
      });
    }

    // The best usable path to a destination at nowMs under policy (the node's own when omitted), as
    // the node would forward (active paths first, never failed ones); null when there is none.
    route(destination, nowMs, policy) {
      bytes(destination, 'destination', 16);
      const now = u64(nowMs, 'nowMs');
      const code = policyCode(policy);
      return withHeap([destination], [ENTRY.size], ([pd, pe]) => {
        const s = m._nexus_node_best_route(this._handle, pd, code, now, pe);
        if (s === NOT_FOUND) return null;
        check(s);
        return readRoute(pe);
      });
    }

    // The gossip budget of an interface, or null before its first round / without gossip:
    // { bandwidthBps, constrained, tiers: { 1: { capacity, available, bytesSent, messages, refused,
    // refusedPush }, 2: ..., 3: ..., 4: ... } } (tiers 1 routing, 2 payments, 3 services, 4 trust;
    // available at nowMs, null without it; reading never changes the node). 'invalid_argument' for
    // an unknown interface.
    budget(iface, nowMs) {
      byte(iface, 'iface');
      const now = nowMs === undefined || nowMs === null ? null : u64(nowMs, 'nowMs');
      return withHeap([], [BUDGET.size], ([pb]) => {
        const s = m._nexus_node_budget_get(this._handle, iface, now === null ? 0n : now, pb);
        if (s === NOT_FOUND) return null;
        check(s);
        const v = view();
        const tiers = {};
        for (let t = 0; t < TIERS; ++t) {
          const st = pb + BUDGET.stats + BUDGET.tierStats * t;
          tiers[t + 1] = {
            capacity: Number(v.getBigUint64(pb + BUDGET.capacity + 8 * t, true)),
            available: now === null ? null : Number(v.getBigUint64(pb + BUDGET.available + 8 * t, true)),
            bytesSent: Number(v.getBigUint64(st, true)),
            messages: v.getUint32(st + 8, true),
            refused: v.getUint32(st + 12, true),
            refusedPush: v.getUint32(st + 16, true),
          };
        }
        return {
          bandwidthBps: v.getUint32(pb, true),
          constrained: v.getUint32(pb + BUDGET.constrained, true) !== 0,
          tiers,
        };
      });
    }

    // The gossip neighbours heard so far (down ones included until their paths are evicted):
    // [{ id (identity hash), iface, lastHeardMs, down, session, counter }].
    neighbours() {
      return withHeap([], [8, NEIGHBOUR.size], ([pc, pn]) => {
        check(m._nexus_node_neighbour_count(this._handle, pc));
        const n = m.HEAPU32[pc >>> 2];
        const out = [];
        for (let i = 0; i < n; ++i) {
          check(m._nexus_node_neighbour_at(this._handle, i, pn));
          const v = view();
          out.push({
            id: read(pn, 16),
            iface: v.getUint8(pn + NEIGHBOUR.iface),
            lastHeardMs: Number(v.getBigUint64(pn + NEIGHBOUR.lastHeard, true)),
            down: v.getUint8(pn + NEIGHBOUR.down) !== 0,
            session: v.getUint32(pn + NEIGHBOUR.session, true),
            counter: v.getUint32(pn + NEIGHBOUR.counter, true),
          });
        }
        return out;
      });
    }

    // The node's Lamport clock (BigInt): the time its next announce carries, minus one.
    get lamport() {
      return withHeap([], [8], ([p]) => {
        check(m._nexus_node_lamport(this._handle, p));
        return view().getBigUint64(p, true);
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
  // happened: [{ node, event }] as each node's poll() gives them (in order for each node) or, for a
  // refused frame, [{ node, error, frame }] when it is refused.
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
              peer.receive(peerIface, raw, nowMs);
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

  Node.capacities = CAPACITIES;

  return {
    Node,
    runMesh,
    NODE_CAPACITIES: CAPACITIES,
    ALL_INTERFACES,
    CHANNEL_MDU,
    // The library's default node configuration (ms; routing, gossip and announce rate control).
    nodeDefaultConfig,
  };
};
