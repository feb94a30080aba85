'use strict';
// nexus WASM links: a pair of links driven in memory through the handshake in both profiles,
// messages both ways, a tampered packet ('auth_failed'), a replayed one ('replayed'), a close
// reaching the peer, identification, rotation, timers and the error contract. Independent truth:
// the link id recomputed from the request bytes (SHA-256 from node:crypto for the Reticulum
// profile, BLAKE2b-256 from the crypto layer, tested against RFC 7693 in crypto.test.js, for the
// NEXUS profile), packet layouts written out by hand, seeded links reproducing each other.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const nodeCrypto = require('node:crypto');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');
const hex = (b) => Buffer.from(b).toString('hex');
const code = (c) => (e) => e.name === 'NexusError' && e.code === c;
const cat = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));
const utf8 = (s) => new TextEncoder().encode(s);
const NAME = 'nexus.test.link';

let nexus;
let digest;
test.before(async () => {
  nexus = await require(path.join(wasmDir, 'nexus.js')).load();
  digest = {
    nexus: (b) => nexus.blake2b(b, { digestSize: 32 }),
    reticulum: (b) => new Uint8Array(nodeCrypto.createHash('sha256').update(b).digest()),
  };
});

// [server, destination, initiator, responder, request] after a full handshake at time 1000.
function handshake(profile, { seed = 100, config } = {}) {
  const server = nexus.Identity.fromSeed(new Uint8Array(32).fill(0x11), profile);
  const dest = server.destinationHash(NAME);
  const a = nexus.Link.initiate(server.publicKey, dest, 1000, { profile, seed, config });
  assert.equal(a.state, 'pending');
  assert.equal(a.nextDeadline, 0);
  const [request] = a.pollTransmit(1000);
  assert.deepEqual(a.pollTransmit(1000), []);
  const b = nexus.Link.accept(server, request, 1000, { seed: seed + 1, config });
  assert.equal(b.state, 'handshake');
  assert.equal(b.profile, profile);
  const [proof] = b.pollTransmit(1000);
  // Proof: flags 0x0F, hops 0, link id, context 0xFF, signature (64) || ephemeral (32).
  assert.equal(proof.length, 19 + 96);
  assert.equal(proof[0], 0x0f);
  assert.equal(proof[18], 0xff);
  assert.deepEqual(a.receive(proof, 1040), { kind: 'established', context: 0xff, data: new Uint8Array(0) });
  assert.equal(a.rttMs, 40);
  const [rtt] = a.pollTransmit(1040);
  assert.equal(rtt[18], 0xfe);
  assert.equal(b.receive(rtt, 1060).kind, 'established');
  assert.equal(a.state, 'active');
  assert.equal(b.state, 'active');
  assert.equal(b.rttMs, 40);
  return [server, dest, a, b, request];
}

for (const profile of ['nexus', 'reticulum']) {
  test(`${profile}: handshake, link id and messages both ways`, () => {
    const [server, dest, a, b, request] = handshake(profile);
    // Request by hand: flags 0x02 (link request, single), hops 0, destination, context 0, 64 bytes.
    assert.equal(request.length, 19 + 64);
    assert.equal(request[0], 0x02);
    assert.equal(request[1], 0);
    assert.equal(hex(request.slice(2, 18)), hex(dest));
    assert.equal(request[18], 0);
    const id = digest[profile](cat([request[0] & 0x0f], request.slice(2))).slice(0, 16);
    assert.equal(hex(a.id), hex(id));
    assert.equal(hex(b.id), hex(id));
    assert.equal(hex(a.remotePublicKey), hex(server.publicKey));
    assert.equal(b.remotePublicKey, null);
    assert.equal(hex(b.destinationHash), hex(dest));

    // Data: flags 0x0C, hops 0, link id, context, epoch 0, counter (8, LE): 1 after the RTT packet.
    let pkt = a.send(utf8('hello responder'), 1100);
    assert.equal(pkt.length, 19 + 25 + 15);
    assert.equal(hex(pkt.slice(0, 2)), '0c00');
    assert.equal(hex(pkt.slice(2, 18)), hex(id));
    assert.equal(hex(pkt.slice(18, 28)), '00' + '00' + '0100000000000000');
    assert.deepEqual(b.receive(pkt, 1100), { kind: 'data', context: 0, data: utf8('hello responder') });
    pkt = b.send(utf8('hello initiator'), 1100, 0x42);
    assert.equal(pkt[18], 0x42);
    assert.deepEqual(a.receive(pkt, 1100), { kind: 'data', context: 0x42, data: utf8('hello initiator') });
    const big = new Uint8Array(nexus.LINK_MDU).map((_, i) => i * 7 + 1);
    assert.deepEqual(b.receive(a.send(big, 1100), 1100).data, big);
    assert.throws(() => a.send(new Uint8Array(nexus.LINK_MDU + 1), 1100), code('invalid_length'));
    assert.throws(() => a.send(utf8('x'), 1100, 0xfc), code('invalid_argument'));
    const s = a.stats;
    assert.equal(s.bytesSent, 15 + nexus.LINK_MDU);
    assert.equal(s.bytesReceived, 15);
    a.free();
    b.free();
    a.free();
    assert.throws(() => a.state, code('bad_state'));
  });

  test(`${profile}: tampered and replayed packets are refused; close reaches the peer`, () => {
    const [, , a, b] = handshake(profile);
    const pkt = a.send(utf8('secret'), 1100);
    for (let i = 18; i < pkt.length; ++i) {
      const bad = pkt.slice();
      bad[i] ^= 0x01;
      // Byte 19: epoch 1 unknown; byte 20: counter 1 -> 0, the RTT packet's.
      const expected = i === 19 ? 'bad_state' : i === 20 ? 'replayed' : 'auth_failed';
      assert.throws(() => b.receive(bad, 1100), code(expected), `byte ${i}`);
    }
    assert.deepEqual(b.receive(pkt, 1100).data, utf8('secret'));
    assert.throws(() => b.receive(pkt, 1100), code('replayed'));
    const s = b.stats;
    assert.equal(s.rejectedReplay, 2);
    assert.equal(s.rejectedState, 1);
    assert.equal(s.rejectedAuth, pkt.length - 18 - 2);
    const other = pkt.slice();
    other[5] ^= 0xff;
    assert.throws(() => b.receive(other, 1100), code('invalid_argument'));
    assert.throws(() => b.receive(pkt.slice(0, 10), 1100), code('truncated'));

    a.close();
    a.close();
    assert.equal(a.state, 'closed');
    assert.equal(a.closeReason, 'local');
    const [close] = a.pollTransmit(1200);
    assert.equal(close[18], 0xfc);
    assert.equal(close.length, 19 + 25 + 16);
    assert.equal(a.nextDeadline, null);
    assert.equal(b.receive(close, 1200).kind, 'closed');
    assert.equal(b.state, 'closed');
    assert.equal(b.closeReason, 'remote');
    assert.throws(() => b.send(utf8('x'), 1200), code('bad_state'));
    assert.throws(() => b.rotate(), code('bad_state'));
    a.free();
    b.free();
  });
}

test('identify, rotate and linkPair', () => {
  const server = nexus.Identity.generate();
  const client = nexus.Identity.generate();
  const [a, b] = nexus.linkPair(server); // crypto.getRandomValues
  assert.equal(hex(a.id), hex(b.id));
  assert.equal(b.identified, false);
  assert.throws(() => b.identify(server), code('bad_state'));
  a.identify(client);
  const [ident] = a.pollTransmit(10);
  assert.equal(ident[18], 0xfb);
  assert.equal(b.receive(ident, 10).kind, 'identified');
  assert.equal(hex(b.remotePublicKey), hex(client.publicKey));

  // Offer (a) -> answer (b) -> a switches and confirms in the new epoch -> b switches.
  a.rotate();
  const [offer] = a.pollTransmit(20);
  assert.equal(offer[18], 0xf0);
  b.receive(offer, 20);
  const [answer] = b.pollTransmit(20);
  assert.equal(a.receive(answer, 20).kind, 'rotated');
  const kinds = a.pollTransmit(20).map((p) => b.receive(p, 20).kind);
  assert.ok(kinds.includes('rotated'));
  assert.equal(a.epoch, 1);
  assert.equal(b.epoch, 1);
  assert.equal(a.stats.rotations, 1);
  const pkt = a.send(utf8('after'), 30);
  assert.equal(pkt[19], 1);
  assert.deepEqual(b.receive(pkt, 30).data, utf8('after'));
  assert.deepEqual(a.receive(b.send(utf8('back'), 30), 30).data, utf8('back'));

  const [x1, y1] = nexus.linkPair(server, { seed: 7 });
  const [x2, y2] = nexus.linkPair(server, { seed: 7n });
  const [x3, y3] = nexus.linkPair(server, { seed: 8 });
  assert.equal(hex(x1.id), hex(x2.id));
  assert.notEqual(hex(x1.id), hex(x3.id));
  const [r, s] = nexus.linkPair(server, { profile: 'reticulum', seed: 7 });
  assert.equal(r.profile, 'reticulum');
  for (const l of [a, b, x1, y1, x2, y2, x3, y3, r, s]) l.free();
});

test('config, timers and errors', () => {
  assert.deepEqual(nexus.linkDefaultConfig(), {
    establishmentTimeoutMs: 30000, keepaliveIntervalMs: 120000, inactivityTimeoutMs: 360000,
    rotateIntervalMs: 3600000, bandwidthBps: 0, requireIdentify: false,
  });
  const config = { establishmentTimeoutMs: 5000, keepaliveIntervalMs: 1000, inactivityTimeoutMs: 4000 };
  const server = nexus.Identity.fromSeed(new Uint8Array(32));
  const dest = server.destinationHash(NAME);
  const l = nexus.Link.initiate(server, dest, 1000, { seed: 1, config });
  l.pollTransmit(1000);
  assert.equal(l.nextDeadline, 6000);
  assert.deepEqual(l.pollTransmit(5999), []);
  assert.equal(l.state, 'pending');
  l.pollTransmit(6000);
  assert.equal(l.closeReason, 'establishment_timeout');
  l.free();

  const [, , a, b] = handshake('nexus', { config });
  const [probe] = a.pollTransmit(2040);
  assert.equal(probe[18], 0xfa);
  b.receive(probe, 2040);
  const out = b.pollTransmit(6040);
  assert.equal(b.closeReason, 'inactivity');
  assert.equal(out[out.length - 1][18], 0xfc);
  a.free();
  b.free();

  assert.throws(() => nexus.Link.initiate(server.publicKey, dest, 0, { profile: 'x' }),
    code('invalid_argument'));
  assert.throws(() => nexus.Link.initiate(server.publicKey.slice(1), dest, 0), code('invalid_length'));
  assert.throws(() => nexus.Link.initiate(server.publicKey, dest, -1), TypeError);
  assert.throws(() => nexus.Link.initiate(server.publicKey, dest, 0, { seed: -1 }), TypeError);
  const bad = cat(server.publicKey.slice(0, 32), new Uint8Array(31).fill(0xff), [0x7f]);
  assert.throws(() => nexus.Link.initiate(bad, dest, 0), code('bad_encoding'));
  const data = nexus.encodePacket({ destinationHash: dest, data: new Uint8Array(64) });
  assert.throws(() => nexus.Link.accept(server, data, 0), code('invalid_argument'));
  const short = nexus.encodePacket({ destinationHash: dest, packetType: 2, data: new Uint8Array(63) });
  assert.throws(() => nexus.Link.accept(server, short, 0), code('invalid_length'));
  const zeros = nexus.encodePacket({ destinationHash: dest, packetType: 2, data: new Uint8Array(64) });
  assert.throws(() => nexus.Link.accept(server, zeros, 0), code('weak_key'));
  assert.throws(() => nexus.Link.accept('key', zeros, 0), TypeError);
});
