'use strict';
// nexus WASM identities, packets and announces: the Reticulum reference announces
// (../shared/vectors/reticulum/announces.json, skipped when absent) and the independently made
// NEXUS-profile vectors (test-vectors/identity.json) rebuilt byte for byte from their private keys;
// packets against hand-written layouts; hashes against Node's crypto; sealed keys; the error contract.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const nodeCrypto = require('node:crypto');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');
const sharedDir = path.resolve(root, '..', 'shared', 'vectors');
const vectors = (name) => JSON.parse(fs.readFileSync(path.join(root, 'test-vectors', name), 'utf8'));
const shared = (rel) => JSON.parse(fs.readFileSync(path.join(sharedDir, rel), 'utf8'));
const haveShared = (rel) => fs.existsSync(path.join(sharedDir, rel));
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s || '', 'hex'));
const utf8 = (s) => new TextEncoder().encode(s);
const code = (c) => (e) => e.name === 'NexusError' && e.code === c;
const cat = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

// Offsets in a HEADER_1 announce, from the framing spec.
const DEST = 2, CONTEXT = 18, PUB = 19, NAME = 83, RANDOM = 93, RATCHET = 103;

let nexus;
let digest;
test.before(async () => {
  nexus = await require(path.join(wasmDir, 'nexus.js')).load();
  // BLAKE2b-256 (Node's blake2b512 has a fixed 64-byte output, which is a different hash) from the
  // crypto layer, tested against RFC 7693 in crypto.test.js; SHA-256 from Node.
  digest = {
    nexus: (b) => nexus.blake2b(b, { digestSize: 32 }),
    reticulum: (b) => new Uint8Array(nodeCrypto.createHash('sha256').update(b).digest()),
  };
});

function checkAnnounce(profile, privateKey, c, a) {
  const d = digest[profile];
  const raw = unhex(a.raw);
  const appData = unhex(a.app_data);
  const id = nexus.Identity.fromPrivateKey(privateKey, profile);
  assert.equal(hex(id.publicKey), c.public_key);
  assert.equal(hex(nexus.identityPublicKey(privateKey)), c.public_key);
  assert.equal(hex(id.hash), hex(d(id.publicKey).slice(0, 16)));
  if (c.identity_hash) assert.equal(hex(id.hash), c.identity_hash);
  let nh;
  if (a.full_name) {
    nh = nexus.nameHash(a.full_name, profile);
    assert.equal(hex(nh), a.name_hash);
    assert.equal(hex(nh), hex(d(utf8(a.full_name)).slice(0, 10)));
    assert.equal(hex(id.destinationHash(a.full_name)), a.destination_hash);
  } else {
    nh = raw.slice(NAME, NAME + 10);
  }
  assert.equal(hex(id.destinationHash(nh)), a.destination_hash);
  assert.equal(hex(nexus.destinationHash(nh, id.hash, profile)), hex(d(cat(nh, id.hash)).slice(0, 16)));

  // Layout by hand: flags 0x01 (0x21 with a ratchet), hops 0, destination, public key.
  const hasRatchet = (raw[0] & 0x20) !== 0;
  assert.equal(raw[0], hasRatchet ? 0x21 : 0x01);
  assert.equal(raw[1], 0);
  assert.equal(hex(raw.slice(DEST, DEST + 16)), a.destination_hash);
  assert.equal(hex(raw.slice(PUB, PUB + 64)), c.public_key);
  const ratchet = hasRatchet ? raw.slice(RATCHET, RATCHET + 32) : undefined;
  const sigAt = RATCHET + (hasRatchet ? 32 : 0);

  const rebuilt = nexus.buildAnnounce(privateKey, nh, {
    profile, randomHash: raw.slice(RANDOM, RANDOM + 10), appData, ratchet, context: raw[CONTEXT],
  });
  assert.equal(hex(rebuilt), a.raw);
  if (a.full_name) {
    const again = id.announce(a.full_name, { randomHash: raw.slice(RANDOM, RANDOM + 10), appData, ratchet });
    assert.equal(hex(again), a.raw);
  }

  assert.ok(nexus.validateAnnounce(raw, profile));
  const info = nexus.parseAnnounce(raw, profile);
  assert.equal(hex(info.publicKey), c.public_key);
  assert.equal(hex(info.nameHash), hex(nh));
  assert.equal(hex(info.randomHash), hex(raw.slice(RANDOM, RANDOM + 10)));
  assert.equal(info.timestamp, Buffer.from(raw.slice(RANDOM + 5, RANDOM + 10)).readUIntBE(0, 5));
  assert.equal(nexus.randomHashTimestamp(info.randomHash), info.timestamp);
  assert.equal(info.ratchet === null ? null : hex(info.ratchet), hasRatchet ? hex(ratchet) : null);
  assert.equal(hex(info.appData), hex(appData));
  assert.equal(hex(info.destinationHash), a.destination_hash);
  assert.equal(hex(info.identityHash), hex(id.hash));
  assert.equal(hex(info.signature), hex(raw.slice(sigAt, sigAt + 64)));
  assert.deepEqual([info.hops, info.context], [0, raw[CONTEXT]]);
  // Signed: destination || public key || name || random || ratchet || app data.
  const signed = cat(raw.slice(DEST, DEST + 16), raw.slice(PUB, sigAt), raw.slice(sigAt + 64));
  assert.ok(id.verify(signed, info.signature));
  assert.equal(hex(id.sign(signed)), hex(info.signature));
  assert.ok(nexus.ed25519Verify(id.publicKey.slice(32), signed, info.signature));

  // The other profile; flipped bytes; truncation.
  assert.equal(nexus.validateAnnounce(raw, profile === 'nexus' ? 'reticulum' : 'nexus'), false);
  for (const i of [2, 17, 19, 50, 82, 83, 92, 93, 102, sigAt - 1, sigAt, sigAt + 63, raw.length - 1]) {
    const bad = raw.slice();
    bad[i] ^= 0x40;
    assert.equal(nexus.validateAnnounce(bad, profile), false, `byte ${i}`);
  }
  assert.throws(() => nexus.parseAnnounce(raw.slice(0, 166), profile), code('truncated'));
  const hopped = raw.slice();
  hopped[1] = 5;
  assert.equal(nexus.parseAnnounce(hopped, profile).hops, 5);

  // As a packet: flags 0x01 -> announce / single / HEADER_1 / broadcast.
  const p = nexus.decodePacket(raw);
  assert.equal(p.packetType, nexus.PacketType.ANNOUNCE);
  assert.equal(p.destinationType, nexus.DestinationType.SINGLE);
  assert.equal(p.headerType, nexus.HeaderType.HEADER_1);
  assert.equal(p.transportType, nexus.TransportType.BROADCAST);
  assert.equal(p.contextFlag, hasRatchet);
  assert.equal(p.ifac, false);
  assert.deepEqual([p.hops, p.transportId, p.context], [0, null, raw[CONTEXT]]);
  assert.equal(hex(p.destinationHash), a.destination_hash);
  assert.equal(hex(p.data), hex(raw.slice(19)));
  assert.equal(hex(nexus.encodePacket(p)), a.raw);
  const h = nexus.packetHash(raw, profile);
  assert.equal(hex(h), hex(d(cat([raw[0] & 0x0f], raw.slice(2)))));
  if (a.packet_hash) assert.equal(hex(h), a.packet_hash);
}

test('Reticulum reference announces: identity, hashes, rebuilt announce, packet',
  { skip: !haveShared('reticulum/announces.json') && `shared vectors absent: ${sharedDir}/reticulum/announces.json` },
  () => {
    const doc = shared('reticulum/announces.json');
    const cases = doc.announces.concat(doc.ratchet_announces);
    assert.ok(cases.length >= 3);
    for (const c of cases) checkAnnounce('reticulum', unhex(c.private_key), c, c);
  });

test('NEXUS-profile vectors (tools/make_identity_vectors.py)', () => {
  const doc = vectors('identity.json');
  assert.equal(doc.profile, 'nexus');
  assert.ok(doc.cases.length >= 3);
  for (const c of doc.cases) {
    const seed = unhex(c.seed);
    const key = nexus.identityFromSeed(seed);
    assert.equal(hex(key), c.x25519_secret + c.seed);
    assert.equal(hex(nexus.Identity.fromSeed(seed).privateKey), hex(key));
    checkAnnounce('nexus', key, c, c.announce);
  }
});

test('identity halves, sign/verify against the crypto layer, generate', () => {
  const seed = new Uint8Array(32).map((_, i) => i);
  const id = nexus.Identity.fromSeed(seed, 'reticulum');
  const { publicKey, secretKey } = nexus.ed25519Keypair(seed);
  assert.equal(hex(id.publicKey.slice(32)), hex(publicKey));
  assert.equal(hex(id.publicKey.slice(0, 32)), hex(nexus.ed25519PublicToX25519(publicKey)));
  assert.equal(hex(id.privateKey.slice(0, 32)), hex(nexus.ed25519SecretToX25519(secretKey)));
  assert.equal(hex(id.sign(utf8('m'))), hex(nexus.ed25519Sign(secretKey, utf8('m'))));
  assert.ok(id.verify(utf8('m'), id.sign(utf8('m'))));
  assert.equal(id.verify(utf8('n'), id.sign(utf8('m'))), false);
  assert.equal(hex(id.hash), hex(digest.reticulum(id.publicKey).slice(0, 16)));
  const a = nexus.Identity.generate(), b = nexus.Identity.generate('reticulum');
  assert.notEqual(hex(a.publicKey), hex(b.publicKey));
  assert.equal(b.profile, 'reticulum');
  // An unusable Ed25519 half (the identity point).
  const bad = new Uint8Array(64);
  bad[32] = 1;
  assert.throws(() => nexus.identityHash(bad), code('bad_encoding'));
  assert.equal(nexus.identityVerify(bad, utf8('m'), new Uint8Array(64)), false);
});

test('name and plain destination hashes by hand', () => {
  for (const profile of ['nexus', 'reticulum']) {
    const d = digest[profile];
    assert.equal(hex(nexus.nameHash('app.aspect', profile)), hex(d(utf8('app.aspect')).slice(0, 10)));
    assert.equal(hex(nexus.nameHash(utf8('app.aspect'), profile)), hex(d(utf8('app.aspect')).slice(0, 10)));
    assert.equal(hex(nexus.nameHash('', profile)), hex(d(new Uint8Array(0)).slice(0, 10)));
    const nh = d(utf8('app.aspect')).slice(0, 10);
    assert.equal(hex(nexus.plainDestinationHash('app.aspect', profile)), hex(d(nh).slice(0, 16)));
  }
});

test('packets: HEADER_2 by hand, every flags byte, errors', () => {
  const tid = new Uint8Array(16).map((_, i) => 0xa0 + i), dest = new Uint8Array(16).map((_, i) => 0xb0 + i);
  const raw = cat([0x58, 3], tid, dest, [0x0a], utf8('hi'));
  const p = nexus.decodePacket(raw);
  assert.deepEqual([p.headerType, p.transportType, p.destinationType, p.packetType, p.hops, p.context],
    [1, 1, 2, 0, 3, 0x0a]);
  assert.equal(hex(p.transportId), hex(tid));
  assert.equal(hex(p.destinationHash), hex(dest));
  assert.equal(hex(p.data), hex(utf8('hi')));
  assert.equal(hex(nexus.encodePacket(p)), hex(raw));
  const h = digest.reticulum(cat([0x08], dest, [0x0a], utf8('hi')));
  assert.equal(hex(nexus.packetHash(raw, 'reticulum')), hex(h));
  const q = nexus.encodePacket({
    destinationHash: dest, destinationType: 2, hops: 9, context: 0x0a, data: utf8('hi'),
  });
  assert.equal(hex(q), hex(cat([0x08, 9], dest, [0x0a], utf8('hi'))));
  assert.equal(hex(nexus.packetHash(q, 'reticulum')), hex(h));
  assert.equal(hex(nexus.packetHash(q)), hex(digest.nexus(cat([0x08], dest, [0x0a], utf8('hi')))));

  for (let b = 0; b < 0x80; ++b) {
    const r = cat([b, 1], new Uint8Array(b & 0x40 ? 33 : 17).map((_, i) => i));
    const f = nexus.decodePacket(r);
    assert.deepEqual([f.packetType, f.destinationType, f.transportType, f.contextFlag, f.headerType],
      [b & 3, (b >> 2) & 3, (b >> 4) & 1, (b & 0x20) !== 0, (b >> 6) & 1]);
    assert.equal(hex(nexus.encodePacket(f)), hex(r));
  }

  assert.throws(() => nexus.decodePacket(new Uint8Array(18)), code('truncated'));
  assert.throws(() => nexus.decodePacket(cat([0x40], new Uint8Array(33))), code('truncated'));
  assert.throws(() => nexus.decodePacket(cat([0x80], new Uint8Array(40))), code('unsupported'));
  assert.throws(() => nexus.decodePacket(new Uint8Array(501)), code('invalid_length'));
  assert.equal(nexus.decodePacket(new Uint8Array(500)).data.length, 481);
  assert.throws(() => nexus.decodePacket('00'), TypeError);
  assert.throws(() => nexus.encodePacket({ destinationHash: dest, data: new Uint8Array(482) }), code('invalid_length'));
  assert.throws(() => nexus.encodePacket({ destinationHash: dest, ifac: true }), code('unsupported'));
  assert.throws(() => nexus.encodePacket({ destinationHash: dest, headerType: 2 }), code('invalid_argument'));
  assert.throws(() => nexus.encodePacket({ destinationHash: dest, packetType: 4 }), code('invalid_argument'));
  assert.throws(() => nexus.encodePacket({ destinationHash: dest, hops: 256 }), code('invalid_argument'));
  assert.throws(() => nexus.encodePacket({ destinationHash: dest.slice(1) }), code('invalid_length'));
  assert.throws(() => nexus.packetHash(raw, 'sha256'), code('invalid_argument'));
});

test('announces: defaults, limits, random hash, profiles', () => {
  const id = nexus.Identity.generate();
  const before = Math.floor(Date.now() / 1000);
  const raw = id.announce('chat.inbox');
  const info = nexus.parseAnnounce(raw);
  assert.ok(info.timestamp >= before && info.timestamp <= Math.floor(Date.now() / 1000) + 1);
  assert.equal(hex(info.destinationHash), hex(id.destinationHash('chat.inbox')));
  assert.deepEqual([info.ratchet, info.appData.length, raw.length], [null, 0, 167]);
  assert.equal(hex(nexus.makeRandomHash({ seconds: 0x0102030405, random: new Uint8Array([1, 2, 3, 4, 5]) })),
    '01020304050102030405');
  assert.equal(id.announce('a.b', { appData: new Uint8Array(333) }).length, 500);
  assert.throws(() => id.announce('a.b', { appData: new Uint8Array(334) }), code('invalid_length'));
  const r = id.announce('a.b', { ratchet: new Uint8Array(32).fill(7), appData: new Uint8Array(301), context: 0x0b });
  assert.deepEqual([r.length, r[0], r[18]], [500, 0x21, 0x0b]);
  assert.equal(hex(nexus.parseAnnounce(r).ratchet), hex(new Uint8Array(32).fill(7)));
  assert.throws(() => id.announce('a.b', { ratchet: new Uint8Array(31) }), code('invalid_length'));
  assert.throws(() => id.announce(utf8('a.b')), code('invalid_length'));
  assert.throws(() => id.announce('a.b', { context: 256 }), code('invalid_argument'));
  const rns = nexus.Identity.fromPrivateKey(id.privateKey, 'reticulum');
  const rr = rns.announce('a.b');
  assert.ok(nexus.validateAnnounce(rr, 'reticulum'));
  assert.equal(nexus.validateAnnounce(rr, 'nexus'), false);
  assert.equal(nexus.validateAnnounce(new Uint8Array(0)), false);
  assert.equal(nexus.validateAnnounce(new Uint8Array(167)), false);
  assert.throws(() => nexus.validateAnnounce(rr, 'blake3'), code('invalid_argument'));
  assert.throws(() => nexus.parseAnnounce(new Uint8Array(200)), (e) => e.name === 'NexusError');
});

test('sealed keys: layout, round trip, wrong passphrase, tampering, profiles', () => {
  const id = nexus.Identity.fromSeed(new Uint8Array(32).fill(3));
  const random = new Uint8Array(28).map((_, i) => 0xc0 + i);
  const sealed = nexus.sealIdentity(id.privateKey, 'correct horse', { passes: 1, memoryKib: 8, random });
  assert.equal(sealed.length, 126);
  assert.equal(hex(sealed.slice(0, 18)), hex(cat(utf8('NXID'), [1, 0, 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0])));
  assert.equal(hex(sealed.slice(18, 46)), hex(random));
  assert.deepEqual(nexus.sealedKeyParams(sealed), { passes: 1, memoryKib: 8, lanes: 1 });
  assert.equal(hex(nexus.openIdentity(sealed, 'correct horse')), hex(id.privateKey));
  assert.equal(hex(nexus.Identity.unseal(sealed, utf8('correct horse')).publicKey), hex(id.publicKey));
  assert.throws(() => nexus.openIdentity(sealed, 'wrong horse'), code('auth_failed'));
  for (const i of [18, 40, 46, 100, 125]) {
    const bad = sealed.slice();
    bad[i] ^= 1;
    assert.throws(() => nexus.openIdentity(bad, 'correct horse'), code('auth_failed'));
  }
  assert.throws(() => nexus.openIdentity(sealed, 'correct horse', 'reticulum'), code('invalid_argument'));
  assert.throws(() => nexus.openIdentity(sealed.slice(1), 'correct horse'), code('invalid_length'));
  const s1 = id.seal('pw', { passes: 1, memoryKib: 8 }), s2 = id.seal('pw', { passes: 1, memoryKib: 8 });
  assert.notEqual(hex(s1), hex(s2));
  const rns = nexus.Identity.fromPrivateKey(id.privateKey, 'reticulum');
  const s3 = rns.seal('', { passes: 2, memoryKib: 16, lanes: 2 });
  assert.equal(s3[5], 1);
  assert.equal(hex(nexus.Identity.unseal(s3, '', 'reticulum').privateKey), hex(id.privateKey));
  for (const bad of [{ passes: 0 }, { passes: 17 }, { memoryKib: 7 }, { lanes: 0 }, { memoryKib: 2 ** 21 }]) {
    assert.throws(() => id.seal('pw', { passes: 1, memoryKib: 8, ...bad }), code('invalid_argument'));
  }
  // The library default: t = 3, 64 MiB, one lane.
  const sd = id.seal('pw');
  assert.deepEqual(nexus.sealedKeyParams(sd), { passes: 3, memoryKib: 65536, lanes: 1 });
  assert.equal(hex(nexus.Identity.unseal(sd, 'pw').privateKey), hex(id.privateKey));
});

test('argument errors', () => {
  assert.throws(() => nexus.identityFromSeed(new Uint8Array(31)), code('invalid_length'));
  assert.throws(() => nexus.Identity.fromPrivateKey(new Uint8Array(63)), code('invalid_length'));
  assert.throws(() => nexus.Identity.generate('sha256'), code('invalid_argument'));
  assert.throws(() => nexus.nameHash('a.b', 'Nexus'), code('invalid_argument'));
  assert.throws(() => nexus.identityFromSeed('00'.repeat(32)), TypeError);
  assert.throws(() => nexus.destinationHash(new Uint8Array(10), new Uint8Array(15)), code('invalid_length'));
  assert.throws(() => nexus.identityVerify(new Uint8Array(64), utf8('m'), new Uint8Array(63)), code('invalid_length'));
});
