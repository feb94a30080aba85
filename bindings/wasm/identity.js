'use strict';
// Identities, address hashes, sealed keys, packets and announces of the nexus WebAssembly module,
// over the C ABI of nexus_identity.h. Uint8Array in, Uint8Array out; failures throw NexusError
// (e.g. code 'invalid_length', 'auth_failed', 'truncated'); an argument of the wrong type throws
// TypeError. The profile is 'nexus' (BLAKE2b-256, the default) or 'reticulum' (SHA-256, byte-exact
// with Reticulum); any other is NexusError 'invalid_argument'. An identity is its 64-byte private
// key (X25519 private || Ed25519 seed); the Identity class wraps one with its profile. Every WASM
// buffer a call uses is zeroed before it is freed.

const EMPTY = new Uint8Array(0);
const BUFFER_TOO_SMALL = 1;
const INVALID_ARGUMENT = 3;
const INVALID_LENGTH = 4;
const AUTH_FAILED = 10;

// struct nexus_packet and struct nexus_announce on wasm32 (checked by static_asserts in
// bindings/c/src/nexus_identity_c.cpp).
const PACKET = { size: 68, hops: 24, context: 25, transportId: 26, destination: 42, data: 60, dataLen: 64 };
const ANNOUNCE = {
  size: 224, timestamp: 0, hasRatchet: 8, hops: 12, context: 13, publicKey: 14, nameHash: 78,
  randomHash: 88, destination: 98, ratchet: 114, signature: 146, appData: 212, appDataLen: 216,
};

const PacketType = Object.freeze({ DATA: 0, ANNOUNCE: 1, LINK_REQUEST: 2, PROOF: 3 });
const DestinationType = Object.freeze({ SINGLE: 0, GROUP: 1, PLAIN: 2, LINK: 3 });
const HeaderType = Object.freeze({ HEADER_1: 0, HEADER_2: 1 });
const TransportType = Object.freeze({ BROADCAST: 0, TRANSPORT: 1 });

function randomBytes(n) {
  const out = new Uint8Array(n);
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') return c.getRandomValues(out);
  require('node:crypto').randomFillSync(out); // Node without the global Web Crypto object
  return out;
}

// Receives the Emscripten module and the helpers of nexus.js; returns the functions to add to
// the loaded object.
module.exports = function identityApi(m, { NexusError, check, withHeap, read }) {
  const utf8 = new TextEncoder();

  function bytes(b, name, size) {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    if (size !== undefined && b.length !== size) {
      throw new NexusError(INVALID_LENGTH, `${name} must be ${size} bytes`);
    }
    return b;
  }
  function textOrBytes(v, name) {
    return typeof v === 'string' ? utf8.encode(v) : bytes(v, name);
  }
  function byteValue(v, name) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new NexusError(INVALID_ARGUMENT, `${name} must be 0..255`);
    return v;
  }
  function u32(v, name) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new TypeError(`${name} must be a 32-bit unsigned integer`);
    }
    return v;
  }
  function profileCode(profile) {
    if (profile === 'nexus') return 0;
    if (profile === 'reticulum') return 1;
    throw new NexusError(INVALID_ARGUMENT, "profile must be 'nexus' or 'reticulum'");
  }
  const view = () => new DataView(m.HEAPU8.buffer); // re-made after each call: memory may grow

  function fixedOut(fn, size, ...inputs) {
    return withHeap(inputs, [size], (p) => {
      check(fn(...p));
      return read(p[p.length - 1], size);
    });
  }
  function nameHash(fullName, profile = 'nexus') {
    const code = profileCode(profile);
    const name = textOrBytes(fullName, 'fullName');
    return withHeap([name], [10], ([pn, pout]) => {
      check(m._nexus_name_hash(code, pn, name.length, pout));
      return read(pout, 10);
    });
  }
  // A full name (string) as its name hash; a Uint8Array must be the 10-byte name hash itself.
  function nameArg(name, profile) {
    if (typeof name === 'string') return nameHash(name, profile);
    return bytes(name, 'nameHash', 10);
  }
  function identityHash(publicKey, profile = 'nexus') {
    const code = profileCode(profile);
    bytes(publicKey, 'publicKey', 64);
    return withHeap([publicKey], [16], ([pk, pout]) => {
      check(m._nexus_identity_hash(code, pk, pout));
      return read(pout, 16);
    });
  }
  function destinationHash(name, identityHashBytes, profile = 'nexus') {
    const code = profileCode(profile);
    const nh = nameArg(name, profile);
    bytes(identityHashBytes, 'identityHash', 16);
    return fixedOut((pn, ph, pout) => m._nexus_destination_hash(code, pn, ph, pout), 16, nh, identityHashBytes);
  }
  function makeRandomHash({ seconds, random } = {}) {
    const s = seconds === undefined ? Math.floor(Date.now() / 1000) : seconds;
    if (!Number.isSafeInteger(s) || s < 0) throw new TypeError('seconds must be a non-negative integer');
    const r = random === undefined ? randomBytes(5) : bytes(random, 'random', 5);
    return fixedOut((pr, pout) => m._nexus_random_hash(pr, BigInt(s), pout), 10, r);
  }
  function sealIdentity(privateKey, passphrase,
    { profile = 'nexus', passes = 3, memoryKib = 65536, lanes = 1, random } = {}) {
    const code = profileCode(profile);
    bytes(privateKey, 'privateKey', 64);
    const pw = textOrBytes(passphrase, 'passphrase');
    const rnd = random === undefined ? randomBytes(28) : bytes(random, 'random', 28);
    u32(passes, 'passes');
    u32(memoryKib, 'memoryKib');
    u32(lanes, 'lanes');
    // A first call without work memory checks the parameters (bounds included) before a large
    // allocation is attempted; it can only end in 'buffer_too_small' or an error.
    withHeap([privateKey, pw, rnd], [126], ([pk, ppw, pr, pout]) => {
      const status = m._nexus_identity_seal(code, pk, ppw, pw.length, passes, memoryKib, lanes, pr, 0, 0, pout);
      if (status !== BUFFER_TOO_SMALL) check(status);
    });
    const workLen = withHeap([], [4], ([plen]) => {
      check(m._nexus_argon2id_work_size(memoryKib, lanes, plen));
      return m.HEAPU32[plen >>> 2];
    });
    return withHeap([privateKey, pw, rnd], [workLen, 126], ([pk, ppw, pr, pwork, pout]) => {
      check(m._nexus_identity_seal(code, pk, ppw, pw.length, passes, memoryKib, lanes, pr, pwork, workLen, pout));
      return read(pout, 126);
    });
  }
  function sealedKeyParams(sealed) {
    bytes(sealed, 'sealed');
    return withHeap([sealed], [4, 4, 4], ([ps, pt, pm, pl]) => {
      check(m._nexus_sealed_key_params(ps, sealed.length, pt, pm, pl));
      return { passes: m.HEAPU32[pt >>> 2], memoryKib: m.HEAPU32[pm >>> 2], lanes: m.HEAPU32[pl >>> 2] };
    });
  }
  // The private key of a sealed key; NexusError 'auth_failed' for a wrong passphrase or a
  // modified byte, 'invalid_argument' when it was sealed for the other profile.
  function openIdentity(sealed, passphrase, profile = 'nexus') {
    const code = profileCode(profile);
    const pw = textOrBytes(passphrase, 'passphrase');
    const { memoryKib, lanes } = sealedKeyParams(sealed);
    const workLen = withHeap([], [4], ([plen]) => {
      check(m._nexus_argon2id_work_size(memoryKib, lanes, plen));
      return m.HEAPU32[plen >>> 2];
    });
    return withHeap([sealed, pw], [workLen, 64], ([ps, ppw, pwork, pout]) => {
      check(m._nexus_identity_open(code, ps, sealed.length, ppw, pw.length, pwork, workLen, pout));
      return read(pout, 64);
    });
  }
  function buildAnnounce(privateKey, name,
    { profile = 'nexus', randomHash, appData = EMPTY, ratchet, context = 0 } = {}) {
    const code = profileCode(profile);
    bytes(privateKey, 'privateKey', 64);
    const nh = nameArg(name, profile);
    const rh = randomHash === undefined ? makeRandomHash() : bytes(randomHash, 'randomHash', 10);
    bytes(appData, 'appData');
    const hasRatchet = ratchet !== undefined && ratchet !== null;
    const rt = hasRatchet ? bytes(ratchet, 'ratchet', 32) : EMPTY;
    byteValue(context, 'context');
    return withHeap([privateKey, nh, rh, rt, appData], [500, 4], ([pk, pn, pr, prt, pa, pout, plen]) => {
      check(m._nexus_announce_build(code, pk, pn, pr, hasRatchet ? prt : 0, pa, appData.length, context,
        pout, 500, plen));
      return read(pout, m.HEAPU32[plen >>> 2]);
    });
  }
  // The fields of an authenticated announce; NexusError when it does not validate.
  function parseAnnounce(raw, profile = 'nexus') {
    const code = profileCode(profile);
    bytes(raw, 'raw');
    return withHeap([raw], [ANNOUNCE.size], ([pr, pa]) => {
      check(m._nexus_announce_validate(code, pr, raw.length, pa));
      const v = view();
      const at = (off, n) => read(pa + off, n);
      const appData = v.getUint32(pa + ANNOUNCE.appData, true);
      const appLen = v.getUint32(pa + ANNOUNCE.appDataLen, true);
      const hasRatchet = v.getInt32(pa + ANNOUNCE.hasRatchet, true) !== 0;
      const publicKey = at(ANNOUNCE.publicKey, 64);
      return {
        publicKey,
        nameHash: at(ANNOUNCE.nameHash, 10),
        randomHash: at(ANNOUNCE.randomHash, 10),
        timestamp: Number(v.getBigUint64(pa + ANNOUNCE.timestamp, true)),
        ratchet: hasRatchet ? at(ANNOUNCE.ratchet, 32) : null,
        signature: at(ANNOUNCE.signature, 64),
        appData: read(appData, appLen),
        destinationHash: at(ANNOUNCE.destination, 16),
        identityHash: identityHash(publicKey, profile),
        hops: m.HEAPU8[pa + ANNOUNCE.hops],
        context: m.HEAPU8[pa + ANNOUNCE.context],
      };
    });
  }
  // The fields of a packet: { ifac, headerType, contextFlag, transportType, destinationType,
  // packetType, hops, transportId (HEADER_2, else null), destinationHash, context, data }.
  function decodePacket(raw) {
    bytes(raw, 'raw');
    return withHeap([raw], [PACKET.size], ([pr, pp]) => {
      check(m._nexus_packet_decode(pr, raw.length, pp));
      const v = view();
      const int = (i) => v.getInt32(pp + 4 * i, true);
      const headerType = int(1);
      return {
        ifac: int(0) !== 0,
        headerType,
        contextFlag: int(2) !== 0,
        transportType: int(3),
        destinationType: int(4),
        packetType: int(5),
        hops: m.HEAPU8[pp + PACKET.hops],
        transportId: headerType === HeaderType.HEADER_2 ? read(pp + PACKET.transportId, 16) : null,
        destinationHash: read(pp + PACKET.destination, 16),
        context: m.HEAPU8[pp + PACKET.context],
        data: read(v.getUint32(pp + PACKET.data, true), v.getUint32(pp + PACKET.dataLen, true)),
      };
    });
  }
  // The bytes of a packet from the fields decodePacket gives (defaults: HEADER_1 broadcast
  // single data, hops 0, context 0, no data). NexusError 'invalid_argument' for a field out of
  // range, 'unsupported' for ifac, 'invalid_length' over the MTU (500 bytes).
  function encodePacket({
    ifac = false, headerType = 0, contextFlag = false, transportType = 0, destinationType = 0, packetType = 0,
    hops = 0, transportId = null, destinationHash, context = 0, data = EMPTY,
  } = {}) {
    const ints = [ifac ? 1 : 0, headerType, contextFlag ? 1 : 0, transportType, destinationType, packetType];
    for (const x of ints) {
      if (!Number.isInteger(x) || x < 0 || x > 3) throw new NexusError(INVALID_ARGUMENT, 'packet field out of range');
    }
    byteValue(hops, 'hops');
    byteValue(context, 'context');
    bytes(destinationHash, 'destinationHash', 16);
    const tid = transportId === null || transportId === undefined
      ? new Uint8Array(16) : bytes(transportId, 'transportId', 16);
    bytes(data, 'data');
    return withHeap([data], [PACKET.size, 500, 4], ([pd, pp, pout, plen]) => {
      const v = view();
      ints.forEach((x, i) => v.setInt32(pp + 4 * i, x, true));
      m.HEAPU8[pp + PACKET.hops] = hops;
      m.HEAPU8[pp + PACKET.context] = context;
      m.HEAPU8.set(tid, pp + PACKET.transportId);
      m.HEAPU8.set(destinationHash, pp + PACKET.destination);
      v.setUint32(pp + PACKET.data, pd, true);
      v.setUint32(pp + PACKET.dataLen, data.length, true);
      check(m._nexus_packet_encode(pp, pout, 500, plen));
      return read(pout, m.HEAPU32[plen >>> 2]);
    });
  }

  const api = {
    PacketType,
    DestinationType,
    HeaderType,
    TransportType,

    // The 64-byte private key (X25519 secret derived from the seed || seed) of a 32-byte seed.
    identityFromSeed: (seed) => fixedOut(m._nexus_identity_from_seed, 64, bytes(seed, 'seed', 32)),
    // The 64-byte public key (X25519 public || Ed25519 public) of a private key.
    identityPublicKey: (privateKey) =>
      fixedOut(m._nexus_identity_public_key, 64, bytes(privateKey, 'privateKey', 64)),
    // The 16-byte identity hash; NexusError 'bad_encoding' for an unusable Ed25519 half.
    identityHash,
    // The 10-byte name hash of 'app.aspect1.aspect2' (a string, UTF-8, or bytes).
    nameHash,
    // 16-byte destination hash of a name (full name string or 10-byte hash) and an identity hash.
    destinationHash,
    plainDestinationHash(name, profile = 'nexus') {
      const code = profileCode(profile);
      return fixedOut((pn, pout) => m._nexus_plain_destination_hash(code, pn, pout), 16, nameArg(name, profile));
    },
    identitySign(privateKey, message) {
      bytes(privateKey, 'privateKey', 64);
      bytes(message, 'message');
      return withHeap([privateKey, message], [64], ([pk, pm, ps]) => {
        check(m._nexus_identity_sign(pk, pm, message.length, ps));
        return read(ps, 64);
      });
    },
    // true or false (false also for an unusable public key).
    identityVerify(publicKey, message, signature) {
      bytes(publicKey, 'publicKey', 64);
      bytes(message, 'message');
      bytes(signature, 'signature', 64);
      return withHeap([publicKey, message, signature], [], ([pk, pm, ps]) => {
        const status = m._nexus_identity_verify(pk, pm, message.length, ps);
        if (status === AUTH_FAILED) return false;
        check(status);
        return true;
      });
    },
    // 126-byte sealed key: Argon2id (passes, memoryKib, lanes) + ChaCha20-Poly1305; random: 28
    // bytes (salt || nonce), fresh from crypto.getRandomValues unless given.
    sealIdentity,
    sealedKeyParams,
    openIdentity,

    decodePacket,
    encodePacket,
    // 32-byte packet hash: profile digest of (flags & 0x0F) || the packet from the destination on.
    packetHash(raw, profile = 'nexus') {
      const code = profileCode(profile);
      bytes(raw, 'raw');
      return fixedOut((pr, pout) => m._nexus_packet_hash(code, pr, raw.length, pout), 32, raw);
    },

    // 10-byte random hash: 5 random bytes || seconds (default: now) as 5 big-endian bytes.
    makeRandomHash,
    randomHashTimestamp(randomHash) {
      bytes(randomHash, 'randomHash', 10);
      return withHeap([randomHash], [8], ([pr, pt]) => {
        check(m._nexus_random_hash_timestamp(pr, pt));
        return Number(view().getBigUint64(pt, true));
      });
    },
    // Signed HEADER_1 announce of the identity's destination with a name (full name string or
    // 10-byte hash). randomHash defaults to 5 random bytes and the current time.
    buildAnnounce,
    parseAnnounce,
    // true when raw is an authentic announce in the profile; NexusError only for a bad profile.
    validateAnnounce(raw, profile = 'nexus') {
      profileCode(profile);
      try {
        parseAnnounce(raw, profile);
        return true;
      } catch (e) {
        if (e instanceof NexusError) return false;
        throw e;
      }
    },
  };

  // An identity and its profile, as nexus.Identity in Python.
  class Identity {
    constructor(privateKey, profile = 'nexus') {
      profileCode(profile);
      this.privateKey = bytes(privateKey, 'privateKey', 64).slice();
      this.profile = profile;
      this.publicKey = api.identityPublicKey(this.privateKey);
      this.hash = identityHash(this.publicKey, profile);
    }
    static generate(profile = 'nexus') { return new Identity(api.identityFromSeed(randomBytes(32)), profile); }
    static fromSeed(seed, profile = 'nexus') { return new Identity(api.identityFromSeed(seed), profile); }
    static fromPrivateKey(privateKey, profile = 'nexus') { return new Identity(privateKey, profile); }
    static unseal(sealed, passphrase, profile = 'nexus') {
      return new Identity(openIdentity(sealed, passphrase, profile), profile);
    }
    sign(message) { return api.identitySign(this.privateKey, message); }
    verify(message, signature) { return api.identityVerify(this.publicKey, message, signature); }
    destinationHash(name) { return destinationHash(name, this.hash, this.profile); }
    seal(passphrase, options = {}) {
      return sealIdentity(this.privateKey, passphrase, { ...options, profile: this.profile });
    }
    announce(name, options = {}) {
      return buildAnnounce(this.privateKey, name, { ...options, profile: this.profile });
    }
  }
  api.Identity = Identity;
  return api;
};
