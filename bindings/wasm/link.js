'use strict';
// Encrypted links of the nexus WebAssembly module, over the C ABI of nexus_link.h. A Link owns a
// handle in WASM memory: call free() when done (nothing frees it for
// you; cleanup stays deterministic). Sans-I/O: hand it packets and the current time (integer milliseconds, Number or
// BigInt, on any monotonic clock) and carry what pollTransmit() gives to the peer. Randomness comes
// from crypto.getRandomValues (Emscripten's getentropy) unless a seed is given, which makes the
// link reproducible (simulations and tests only: not for real keys). Rejections throw NexusError
// with the nexus error code ('replayed', 'auth_failed', 'bad_state', ...).

const INVALID_ARGUMENT = 3;
const INVALID_LENGTH = 4;
const MDU = 456;
const MTU = 500;

// Structs of nexus_link.h on wasm32 (checked by static_asserts in bindings/c/src/nexus_link_c.cpp).
const CONFIG = {
  size: 48, establishment: 0, keepalive: 8, inactivity: 16, rotate: 24, bandwidth: 32, identify: 40,
};
const EVENT = { size: 12, kind: 0, context: 4, dataLen: 8 };
const STATS = { size: 56 };
const INFO = {
  size: 120, rtt: 0, state: 8, role: 12, reason: 16, identified: 20, epoch: 24, profile: 28, destination: 32,
  hasRemote: 48, remoteKey: 52,
};

const STATES = ['pending', 'handshake', 'active', 'closed'];
const ROLES = ['initiator', 'responder'];
const REASONS = ['none', 'local', 'remote', 'inactivity', 'establishment_timeout', 'unidentified',
  'delivery_failed'];
const KINDS = ['none', 'established', 'data', 'identified', 'rotated', 'closed'];
const DEFAULT_CONFIG = Object.freeze({
  establishmentTimeoutMs: 30000, keepaliveIntervalMs: 120000, inactivityTimeoutMs: 360000,
  rotateIntervalMs: 3600000, bandwidthBps: 0, requireIdentify: false,
});

// Receives the Emscripten module and the helpers of nexus.js; returns the functions to add to
// the loaded object.
module.exports = function linkApi(m, { NexusError, check, withHeap, read }) {

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
  function profileCode(profile) {
    if (profile === 'nexus') return 0;
    if (profile === 'reticulum') return 1;
    throw new NexusError(INVALID_ARGUMENT, "profile must be 'nexus' or 'reticulum'");
  }
  const view = () => new DataView(m.HEAPU8.buffer); // re-made after each call: memory may grow

  // Writes a config ({ establishmentTimeoutMs, ..., requireIdentify }, defaults for what is
  // missing) at p.
  function writeConfig(p, config) {
    const c = { ...DEFAULT_CONFIG, ...(config || {}) };
    const v = view();
    v.setBigUint64(p + CONFIG.establishment, u64(c.establishmentTimeoutMs, 'establishmentTimeoutMs'), true);
    v.setBigUint64(p + CONFIG.keepalive, u64(c.keepaliveIntervalMs, 'keepaliveIntervalMs'), true);
    v.setBigUint64(p + CONFIG.inactivity, u64(c.inactivityTimeoutMs, 'inactivityTimeoutMs'), true);
    v.setBigUint64(p + CONFIG.rotate, u64(c.rotateIntervalMs, 'rotateIntervalMs'), true);
    v.setBigUint64(p + CONFIG.bandwidth, u64(c.bandwidthBps, 'bandwidthBps'), true);
    v.setInt32(p + CONFIG.identify, c.requireIdentify ? 1 : 0, true);
  }
  function privateKeyOf(identity) {
    if (identity instanceof Uint8Array) return bytes(identity, 'privateKey', 64);
    if (identity && identity.privateKey instanceof Uint8Array) {
      return bytes(identity.privateKey, 'privateKey', 64);
    }
    throw new TypeError('identity must be a nexus.Identity or a 64-byte private key');
  }
  function seedArgs(seed) {
    if (seed === undefined || seed === null) return [0, 0n];
    return [1, u64(seed, 'seed')];
  }

  class Link {
    // Use Link.initiate / Link.accept.
    constructor(ptr) {
      this._ptr = ptr;
    }

    // Starts a link to destinationHash, owned by the identity with this 64-byte public key (or an
    // Identity). The link request is the first packet pollTransmit() gives.
    static initiate(peerPublicKey, destinationHash, nowMs, { profile = 'nexus', seed, config } = {}) {
      const code = profileCode(profile);
      const pub = peerPublicKey && peerPublicKey.publicKey instanceof Uint8Array
        ? peerPublicKey.publicKey : peerPublicKey;
      bytes(pub, 'peerPublicKey', 64);
      bytes(destinationHash, 'destinationHash', 16);
      const now = u64(nowMs, 'nowMs');
      const [det, s] = seedArgs(seed);
      return withHeap([pub, destinationHash], [CONFIG.size, 4], ([pk, pd, pc, pout]) => {
        writeConfig(pc, config);
        check(m._nexus_link_initiate(code, pk, pd, now, pc, det, s, pout));
        return new Link(m.HEAPU32[pout >>> 2]);
      });
    }

    // Answers a link request (the whole packet) to one of the identity's destinations (an
    // Identity, whose profile is the default, or a 64-byte private key). The proof is the first
    // packet pollTransmit() gives.
    static accept(identity, requestRaw, nowMs, { profile, seed, config } = {}) {
      const key = privateKeyOf(identity);
      const prof = profile !== undefined ? profile : (identity && identity.profile) || 'nexus';
      const code = profileCode(prof);
      bytes(requestRaw, 'requestRaw');
      const now = u64(nowMs, 'nowMs');
      const [det, s] = seedArgs(seed);
      return withHeap([key, requestRaw], [CONFIG.size, 4], ([pk, pr, pc, pout]) => {
        writeConfig(pc, config);
        check(m._nexus_link_accept(code, pk, pr, requestRaw.length, now, pc, det, s, pout));
        return new Link(m.HEAPU32[pout >>> 2]);
      });
    }

    get _handle() {
      if (!this._ptr) throw new NexusError(15, 'link freed');
      return this._ptr;
    }

    // Releases the WASM handle (its keys are wiped). The Link is unusable afterwards.
    free() {
      if (!this._ptr) return;
      m._nexus_link_free(this._ptr);
      this._ptr = 0;
    }

    // The encrypted packet carrying data (at most 456 bytes) with this context byte.
    send(data, nowMs, context = 0) {
      bytes(data, 'data');
      if (!Number.isInteger(context) || context < 0 || context > 255) {
        throw new NexusError(INVALID_ARGUMENT, 'context must be 0..255');
      }
      const now = u64(nowMs, 'nowMs');
      return withHeap([data], [MTU, 4], ([pd, pout, plen]) => {
        check(m._nexus_link_send(this._handle, pd, data.length, context, now, pout, MTU, plen));
        return read(pout, m.HEAPU32[plen >>> 2]);
      });
    }

    // { kind, context, data } of a packet addressed to this link; NexusError on rejection (the
    // link is then unchanged apart from its stats).
    receive(raw, nowMs) {
      bytes(raw, 'raw');
      const now = u64(nowMs, 'nowMs');
      return withHeap([raw], [EVENT.size, MDU], ([pr, pe, pp]) => {
        check(m._nexus_link_receive(this._handle, pr, raw.length, now, pe, pp, MDU));
        const v = view();
        const n = v.getUint32(pe + EVENT.dataLen, true);
        return {
          kind: KINDS[v.getInt32(pe + EVENT.kind, true)],
          context: v.getInt32(pe + EVENT.context, true),
          data: read(pp, n),
        };
      });
    }

    // Runs the timers; every packet the link wants sent now.
    pollTransmit(nowMs) {
      const now = u64(nowMs, 'nowMs');
      return withHeap([], [MTU, 4], ([pout, plen]) => {
        const out = [];
        for (;;) {
          check(m._nexus_link_poll_transmit(this._handle, now, pout, MTU, plen));
          const n = m.HEAPU32[plen >>> 2];
          if (n === 0) return out;
          out.push(read(pout, n));
        }
      });
    }

    // When to call pollTransmit() next (ms, a Number): 0 when something is queued, null when
    // closed with nothing left to send.
    get nextDeadline() {
      return withHeap([], [8], ([pd]) => {
        check(m._nexus_link_next_deadline(this._handle, pd));
        const t = view().getBigUint64(pd, true);
        return t === 0xffffffffffffffffn ? null : Number(t);
      });
    }

    close() { check(m._nexus_link_close(this._handle)); }

    // Initiator: proves the identity (Identity or 64-byte private key) to the responder.
    identify(identity) {
      const key = privateKeyOf(identity);
      withHeap([key], [], ([pk]) => check(m._nexus_link_identify(this._handle, pk)));
    }

    rotate() { check(m._nexus_link_rotate(this._handle)); }

    get id() {
      return withHeap([], [16], ([p]) => {
        check(m._nexus_link_id(this._handle, p));
        return read(p, 16);
      });
    }

    _info() {
      return withHeap([], [INFO.size], ([p]) => {
        check(m._nexus_link_info_get(this._handle, p));
        const v = view();
        const int = (off) => v.getInt32(p + off, true);
        return {
          rttMs: Number(v.getBigUint64(p + INFO.rtt, true)),
          state: STATES[int(INFO.state)],
          role: ROLES[int(INFO.role)],
          closeReason: REASONS[int(INFO.reason)],
          identified: int(INFO.identified) !== 0,
          epoch: v.getUint32(p + INFO.epoch, true),
          profile: int(INFO.profile) === 0 ? 'nexus' : 'reticulum',
          destinationHash: read(p + INFO.destination, 16),
          remotePublicKey: int(INFO.hasRemote) !== 0 ? read(p + INFO.remoteKey, 64) : null,
        };
      });
    }

    // 'pending', 'handshake', 'active' or 'closed'.
    get state() { return this._info().state; }
    get role() { return this._info().role; }
    get closeReason() { return this._info().closeReason; }
    get identified() { return this._info().identified; }
    get epoch() { return this._info().epoch; }
    get rttMs() { return this._info().rttMs; }
    get profile() { return this._info().profile; }
    get destinationHash() { return this._info().destinationHash; }
    get remotePublicKey() { return this._info().remotePublicKey; }

    // Counters: packets and bytes both ways (Numbers), rejections by reason, rotations.
    get stats() {
      return withHeap([], [STATS.size], ([p]) => {
        check(m._nexus_link_stats_get(this._handle, p));
        const v = view();
        const u64at = (i) => Number(v.getBigUint64(p + 8 * i, true));
        const u32at = (i) => v.getUint32(p + 32 + 4 * i, true);
        return {
          packetsSent: u64at(0), packetsReceived: u64at(1), bytesSent: u64at(2), bytesReceived: u64at(3),
          rejectedAuth: u32at(0), rejectedReplay: u32at(1), rejectedState: u32at(2),
          rejectedMalformed: u32at(3), rejectedUnidentified: u32at(4), rotations: u32at(5),
        };
      });
    }
  }

  // Two Links with the handshake done in memory: [initiator, responder], both active. identity
  // (an Identity from identity.js) is the responder, on its destination `name`; with a seed the
  // initiator uses seed and the responder seed + 1.
  function linkPair(identity, { name = 'nexus.link.pair', nowMs = 0, profile, seed, config } = {}) {
    if (!identity || !(identity.privateKey instanceof Uint8Array) ||
        typeof identity.destinationHash !== 'function') {
      throw new TypeError('identity must be a nexus.Identity');
    }
    const prof = profile !== undefined ? profile : identity.profile;
    const id = prof === identity.profile ? identity : new identity.constructor(identity.privateKey, prof);
    const seedB = seed === undefined || seed === null ? seed : (u64(seed, 'seed') + 1n) & 0xffffffffffffffffn;
    const a = Link.initiate(id.publicKey, id.destinationHash(name), nowMs, { profile: prof, seed, config });
    let b = null;
    try {
      const [request] = a.pollTransmit(nowMs);
      b = Link.accept(id, request, nowMs, { profile: prof, seed: seedB, config });
      for (const p of b.pollTransmit(nowMs)) a.receive(p, nowMs);
      for (const p of a.pollTransmit(nowMs)) b.receive(p, nowMs);
      if (a.state !== 'active' || b.state !== 'active') {
        throw new NexusError(15, 'the handshake did not complete');
      }
      return [a, b];
    } catch (e) {
      a.free();
      if (b) b.free();
      throw e;
    }
  }

  return {
    Link,
    linkPair,
    LINK_MDU: MDU,
    // The library's default link configuration (ms).
    linkDefaultConfig() {
      return withHeap([], [CONFIG.size], ([p]) => {
        check(m._nexus_link_config_default(p));
        const v = view();
        const at = (off) => Number(v.getBigUint64(p + off, true));
        return {
          establishmentTimeoutMs: at(CONFIG.establishment), keepaliveIntervalMs: at(CONFIG.keepalive),
          inactivityTimeoutMs: at(CONFIG.inactivity), rotateIntervalMs: at(CONFIG.rotate),
          bandwidthBps: at(CONFIG.bandwidth), requireIdentify: v.getInt32(p + CONFIG.identify, true) !== 0,
        };
      });
    },
  };
};

// Shared with node.js.
Object.assign(module.exports, { STATES, REASONS, DEFAULT_CONFIG });
