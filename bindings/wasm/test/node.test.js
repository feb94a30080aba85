'use strict';
// nexus WASM nodes: three nodes in memory, A -- C -- B with C a transport node (a bridge between its
// two interfaces), in both profiles. B's announce crosses the bridge (2 hops at A), a link opens
// across it, messages go both ways in order, the initiator identifies, a forged announce (public
// key swapped) is refused with 'auth_failed', replayed packets with 'replayed', a close reaches the
// peer; then runMesh and the error contract. Independent truth: the rebroadcast announce checked by
// slicing against the original (HEADER_2 flags 0x51, hops 1, C's identity hash recomputed from C's
// public key — SHA-256 from node:crypto for the Reticulum profile, BLAKE2b-256 from the crypto layer,
// tested against RFC 7693 in crypto.test.js, for the NEXUS profile — the rest identical from byte 2
// on), the link request seen on the wire as HEADER_2 via C then HEADER_1 with hops 1, and the link
// id recomputed from the request bytes.
//
// Routing and gossip: three gossiping, self-announcing nodes in a line A -- C -- B (C relays for a
// fee). Independent truth: hop counts are the distances on the line, C's fee appears in the relayed
// paths' cost code as round(16 log2(fee + 1)) computed here with Math.log2 (and not in the paths to
// C's own destination), the bandwidth code as round(8 log2(bps)), the gossip budget's capacity as 3 %
// of the bandwidth over 60 s in bytes and its spending within capacity + refill x elapsed, the
// Lamport time of a path equal to TLV 0x01 (u64 LE) parsed from the origin's announce on the wire,
// and the neighbours the line's ends.
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

let nexus;
let digest;
test.before(async () => {
  nexus = await require(path.join(wasmDir, 'nexus.js')).load();
  digest = {
    nexus: (b) => nexus.blake2b(b, { digestSize: 32 }),
    reticulum: (b) => new Uint8Array(nodeCrypto.createHash('sha256').update(b).digest()),
  };
});
const hash16 = (profile, b) => digest[profile](b).slice(0, 16);

// A -- C -- B; every frame on a cable is traced, every event and refusal recorded.
class Mesh {
  constructor(profile = 'nexus', config) {
    this.profile = profile;
    this.ids = {};
    for (const [k, fill] of [['a', 0xa1], ['b', 0xb2], ['c', 0xc3]]) {
      this.ids[k] = nexus.Identity.fromSeed(new Uint8Array(32).fill(fill), profile);
    }
    this.a = new nexus.Node(this.ids.a, { seed: 1, config, name: 'a' });
    this.b = new nexus.Node(this.ids.b, { seed: 2, config, name: 'b' });
    this.c = new nexus.Node(this.ids.c, { transport: true, seed: 3, config, name: 'c' });
    const ifaces = [this.a.addInterface(), this.c.addInterface(), this.c.addInterface(),
      this.b.addInterface()];
    assert.deepEqual(ifaces, [0, 0, 1, 0]);
    this.cables = [[[this.a, 0], [this.c, 0]], [[this.c, 1], [this.b, 0]]];
    this.destB = this.b.addDestination('nexus.test.b');
    this.destA = this.a.addDestination('nexus.test.a');
    this.trace = [];
    this.events = [];
  }
  run(now) {
    this.events.push(...nexus.runMesh([this.a, this.c, this.b], this.cables, now, { trace: this.trace }));
  }
  of(node, kind) {
    return this.events.filter((m) => m.node === node && m.event && (!kind || m.event.kind === kind))
      .map((m) => m.event);
  }
  errors(node) { return this.events.filter((m) => m.node === node && m.error).map((m) => m.error); }
  frames(start = 0) { return this.trace.slice(start).map((t) => t.raw); }
  data(node) { return this.of(node, 'link_data').map((e) => hex(e.data)); }
  free() { this.a.free(); this.b.free(); this.c.free(); }
}

function openLink(m, now = 10) {
  const link = m.a.openLink(m.destB, now);
  assert.equal(m.a.linkState(link), 'pending');
  const start = m.trace.length;
  m.run(now);
  assert.equal(m.a.linkState(link), 'active');
  assert.equal(m.b.linkState(link), 'active');
  assert.deepEqual(m.of(m.b, 'link_request').map((e) => hex(e.id)), [hex(link)]);
  assert.equal(m.of(m.a, 'link_established').length, 1);
  assert.equal(m.of(m.b, 'link_established').length, 1);
  // The request (packet type 2) left A as HEADER_2 via C and reached B as HEADER_1 with hops 1.
  const requests = m.frames(start).filter((f) => (f[0] & 0x03) === 2);
  const h2 = requests.filter((f) => f[0] & 0x40);
  const h1 = requests.filter((f) => !(f[0] & 0x40));
  assert.equal(h2.length, 1);
  assert.equal(h1.length, 1);
  assert.equal(h2[0][0], 0x52);
  assert.equal(h2[0][1], 0);
  assert.equal(hex(h2[0].slice(2, 18)), hex(m.c.identityHash));
  assert.equal(hex(h2[0].slice(18, 34)), hex(m.destB));
  assert.equal(h1[0][0], 0x02);
  assert.equal(h1[0][1], 1);
  assert.equal(hex(h1[0].slice(18)), hex(h2[0].slice(34)));
  // The link id: the profile's hash of (flags & 0x0F) || destination || context || 64 bytes.
  assert.equal(hex(link), hex(hash16(m.profile, cat([h1[0][0] & 0x0f], h1[0].slice(2, 19 + 64)))));
  return link;
}

for (const profile of ['nexus', 'reticulum']) {
  test(`${profile}: an announce crosses the bridge as HEADER_2 with the bridge's identity hash`, () => {
    const m = new Mesh(profile);
    const cHash = hash16(profile, m.ids.c.publicKey);
    assert.equal(hex(m.c.identityHash), hex(cHash));
    const nameHash = nexus.nameHash('nexus.test.b', profile);
    assert.equal(hex(m.destB), hex(hash16(profile, cat(nameHash, hash16(profile, m.ids.b.publicKey)))));
    m.b.announce(m.destB, 0, utf8('b-app'));
    assert.equal(m.b.nextDeadline, 0);
    m.run(0);
    const announces = m.of(m.a, 'announce');
    assert.equal(announces.length, 1);
    assert.deepEqual(announces[0], {
      kind: 'announce', id: m.destB, iface: 0, hops: 2, context: 0, reason: 'none', data: utf8('b-app'),
    });
    assert.equal(m.of(m.c, 'announce')[0].hops, 1);
    const p = m.a.path(m.destB);
    assert.equal(p.hops, 2);
    assert.equal(p.iface, 0);
    assert.equal(hex(p.nextHop), hex(cHash));
    assert.equal(hex(p.publicKey), hex(m.ids.b.publicKey));
    assert.equal(p.expiresMs, 90 * 60 * 1000);
    assert.equal(m.c.path(m.destB).nextHop, null);
    assert.equal(m.c.path(m.destB).iface, 1);
    assert.equal(m.b.path(m.destA), null);

    const [orig, again, ...rest] = m.frames();
    assert.equal(rest.length, 0);
    assert.equal(orig[0], 0x01);
    assert.equal(orig[1], 0);
    assert.equal(again[0], 0x51); // HEADER_2, transport, single, announce
    assert.equal(again[1], 1);
    assert.equal(hex(again.slice(2, 18)), hex(cHash));
    assert.equal(hex(again.slice(18)), hex(orig.slice(2)));
    assert.equal(nexus.validateAnnounce(again, profile), true);

    assert.throws(() => m.c.receive(1, orig, 1), code('replayed'));
    assert.throws(() => m.a.receive(0, again, 1), code('replayed'));
    const s = m.c.stats;
    assert.equal(s.announcesValid, 1);
    assert.equal(s.forwarded, 1);
    assert.equal(s.duplicates, 1);
    assert.equal(s.sent, 1);
    m.free();
  });

  test(`${profile}: a link across the bridge carries messages both ways in order`, () => {
    const m = new Mesh(profile);
    m.b.announce(m.destB, 0);
    m.run(0);
    const link = openLink(m);
    const sentAB = [];
    const sentBA = [];
    let t = 100;
    for (let i = 0; i < 200; ++i) {
      const x = new Uint8Array(2 + (i % 190)).map((_, j) => (j === 0 ? i : j === 1 ? 0xa : i * 7 + j));
      const y = new Uint8Array(2 + (i % 170)).map((_, j) => (j === 0 ? i : j === 1 ? 0xb : i * 11 + j));
      m.a.send(link, x, t);
      m.b.send(link, y, t);
      sentAB.push(hex(x));
      sentBA.push(hex(y));
      if (i % 7 === 0) m.run(t);
      t += 5;
    }
    m.run(t);
    assert.deepEqual(m.data(m.b), sentAB);
    assert.deepEqual(m.data(m.a), sentBA);
    for (const n of [m.a, m.b, m.c]) assert.deepEqual(m.errors(n), []);
    assert.ok(m.c.stats.forwarded >= 400);
    const frames = m.frames().map(hex);
    for (const x of sentAB.slice(20, 40)) assert.ok(!frames.some((f) => f.includes(x)), 'a message in clear');

    m.a.send(link, utf8('ctx'), t, 0x42);
    m.a.identify(link);
    m.run(t);
    assert.equal(m.of(m.b, 'link_data').pop().context, 0x42);
    assert.deepEqual(m.of(m.b, 'link_identified').map((e) => hex(e.id)), [hex(link)]);

    m.a.close(link);
    m.run(t + 10);
    assert.deepEqual(m.of(m.a, 'link_closed').map((e) => e.reason), ['local']);
    assert.deepEqual(m.of(m.b, 'link_closed').map((e) => e.reason), ['remote']);
    assert.throws(() => m.a.linkState(link), code('not_found'));
    assert.throws(() => m.b.send(link, utf8('x'), t), code('not_found'));
    m.free();
  });

  test(`${profile}: forged announces and replayed packets are refused; the link stays up`, () => {
    const m = new Mesh(profile);
    m.b.announce(m.destB, 0);
    m.run(0);
    const genuine = m.frames()[0];
    const mallory = nexus.Identity.fromSeed(new Uint8Array(32).fill(0x66), profile);
    const forged = genuine.slice();
    forged.set(mallory.publicKey, 19);
    assert.equal(hex(forged.slice(0, 19)), hex(genuine.slice(0, 19)));
    assert.throws(() => m.c.receive(1, forged, 1), code('auth_failed'));
    assert.equal(m.c.stats.announcesRejected, 1);
    const before = m.trace.length;
    m.run(1);
    assert.equal(m.trace.length, before); // not forwarded
    assert.equal(hex(m.a.path(m.destB).publicKey), hex(m.ids.b.publicKey));

    const link = openLink(m);
    const start = m.trace.length;
    m.a.send(link, new Uint8Array([1, 2, 3]), 20);
    m.run(20);
    const [fromA, fromC, ...rest] = m.frames(start);
    assert.equal(rest.length, 0);
    assert.equal(fromA[1], 0);
    assert.equal(fromC[1], 1);
    assert.equal(hex(fromA.slice(2)), hex(fromC.slice(2)));
    assert.throws(() => m.b.receive(0, fromC, 21), code('replayed'));
    assert.throws(() => m.c.receive(0, fromA, 21), code('replayed'));
    assert.deepEqual(m.data(m.b), ['010203']);
    // A tampered copy passes C (which cannot check it) and fails its tag at B.
    m.a.send(link, new Uint8Array([4]), 22);
    const [out] = m.a.popOutgoing(22);
    assert.equal(out.iface, 0);
    assert.equal(out.except, nexus.ALL_INTERFACES);
    const bad = out.raw.slice();
    bad[bad.length - 1] ^= 1;
    assert.equal(m.c.receive(0, bad, 22).kind, 'forwarded');
    m.run(22);
    assert.equal(m.errors(m.b).pop(), 'auth_failed');
    m.c.receive(0, out.raw, 22);
    m.b.send(link, new Uint8Array([9]), 22);
    m.run(22);
    assert.deepEqual(m.data(m.b), ['010203', '04']);
    assert.deepEqual(m.data(m.a), ['09']);
    m.free();
  });
}

test('timers, config and seeded nodes', () => {
  let m = new Mesh('nexus');
  m.b.announce(m.destB, 0);
  m.run(0);
  assert.equal(m.a.nextDeadline, null);
  const link = m.a.openLink(m.destB, 0);
  const [request] = m.a.popOutgoing(0); // ... lost
  assert.equal(request.raw.length, 35 + 64);
  assert.equal(request.raw[0], 0x52);
  assert.equal(m.a.nextDeadline, 30000);
  assert.deepEqual(m.a.poll(29999), []);
  const [ev] = m.a.poll(30000);
  assert.equal(ev.kind, 'link_closed');
  assert.equal(hex(ev.id), hex(link));
  assert.equal(ev.reason, 'establishment_timeout');
  assert.throws(() => m.a.openLink(m.destB, 90 * 60 * 1000), code('not_found'));
  m.free();

  const defaults = nexus.nodeDefaultConfig();
  assert.deepEqual(defaults, { link: nexus.linkDefaultConfig(), pathLifetimeMs: 5400000,
    linkTableLifetimeMs: 600000, maxHops: 128, policy: 'balanced', gossip: false, autoAnnounce: false,
    relayFee: 0, announceIntervalMs: 1800000, gossipIntervalMs: 60000, activeIntervals: 3,
    staleIntervals: 1, downRounds: 3, evictRounds: 10 });
  m = new Mesh('reticulum', { link: { establishmentTimeoutMs: 500 }, pathLifetimeMs: 1000 });
  m.b.announce(m.destB, 0);
  m.run(0);
  assert.equal(m.a.path(m.destB).expiresMs, 1000);
  assert.throws(() => m.a.openLink(m.destB, 1000), code('not_found'));
  m.a.openLink(m.destB, 999);
  m.a.popOutgoing(999);
  assert.equal(m.a.nextDeadline, 1499);
  m.free();

  // Seeded nodes reproduce each other; crypto.getRandomValues does not.
  const ident = nexus.Identity.fromSeed(new Uint8Array(32).fill(0x44));
  const out = [];
  for (const seed of [42, 42n, undefined]) {
    const n = new nexus.Node(ident, { seed });
    n.addInterface();
    const d = n.addDestination(nexus.nameHash('app.x'), false);
    n.announce(d, 5000);
    const [o] = n.popOutgoing(5000);
    assert.equal(o.iface, nexus.ALL_INTERFACES);
    assert.equal(o.except, nexus.ALL_INTERFACES);
    assert.equal(o.raw.length, 19 + 148);
    assert.equal(hex(o.raw.slice(19 + 64 + 10 + 5, 19 + 64 + 20)), '0000000005'); // announce time, seconds
    out.push(hex(o.raw));
    n.free();
  }
  assert.equal(out[0], out[1]);
  assert.notEqual(out[0], out[2]);
});

test('runMesh returns the events', () => {
  const a = new nexus.Node(nexus.Identity.generate(), { name: 'a' });
  const b = new nexus.Node(nexus.Identity.generate('reticulum'), { name: 'b' });
  a.addInterface();
  b.addInterface();
  assert.equal(b.profile, 'reticulum');
  assert.equal(b.transport, false);
  const dest = a.addDestination('app.two');
  a.announce(dest, 0, utf8('hi'));
  const trace = [];
  let events = nexus.runMesh([a, b], [[[a, 0], [b, 0]]], 0, { trace });
  // Different profiles: B cannot verify A's announce.
  assert.deepEqual(events.map((e) => [e.node.name, e.error]), [['b', 'auth_failed']]);
  assert.equal(trace.length, 1);
  assert.equal(trace[0].from, a);
  const b2 = new nexus.Node(nexus.Identity.generate(), { name: 'b2' });
  b2.addInterface();
  a.announce(dest, 1, utf8('hi2'));
  events = nexus.runMesh([a, b2], [[[a, 0], [b2, 0]]], 1);
  assert.deepEqual(events.map((e) => [e.node.name, e.event.kind, e.event.hops, hex(e.event.data)]),
    [['b2', 'announce', 1, hex(utf8('hi2'))]]);
  for (const n of [a, b, b2]) n.free();
});

test('errors', () => {
  const m = new Mesh();
  assert.throws(() => m.a.receive(9, new Uint8Array(30), 0), code('invalid_argument')); // no such interface
  assert.throws(() => m.a.receive(0, new Uint8Array(5), 0), code('truncated'));
  const toNoLink = new Uint8Array(60);
  toNoLink[0] = 0x0c;
  assert.throws(() => m.a.receive(0, toNoLink, 0), code('not_found'));
  assert.equal(m.a.stats.malformed, 1);
  assert.equal(m.a.stats.received, 1);
  assert.throws(() => m.a.openLink(m.destB, 0), code('not_found'));
  assert.throws(() => m.a.announce(new Uint8Array(16), 0), code('not_found'));
  assert.throws(() => m.a.send(new Uint8Array(16), utf8('x'), 0), code('not_found'));
  assert.throws(() => m.b.announce(m.destB, 0, new Uint8Array(400)), code('invalid_length'));
  assert.throws(() => m.b.addDestination('nexus.test.b'), code('invalid_argument'));
  for (let i = 0; i < 3; ++i) m.b.addDestination(`nexus.test.more${i}`);
  assert.throws(() => m.b.addDestination('nexus.test.one.too.many'), code('full'));
  assert.deepEqual(nexus.NODE_CAPACITIES, {
    interfaces: 8, destinations: 4, paths: 256, links: 32, linkTable: 64, outbox: 64, seen: 1024,
    routes: 512, neighbours: 16,
  });
  for (let i = 0; i < 6; ++i) m.c.addInterface();
  assert.throws(() => m.c.addInterface(), code('full'));
  assert.throws(() => m.a.addDestination(new Uint8Array(5)), code('invalid_length'));
  assert.throws(() => m.a.addDestination(5), TypeError);
  assert.throws(() => m.a.send(new Uint8Array(15), utf8('x'), 0), code('invalid_length'));
  assert.throws(() => m.a.send(new Uint8Array(16), utf8('x'), 0, 256), code('invalid_argument'));
  assert.throws(() => m.a.receive(-1, new Uint8Array(30), 0), code('invalid_argument'));
  assert.throws(() => m.a.receive(0, 'text', 0), TypeError);
  assert.throws(() => m.a.receive(0, new Uint8Array(30), -1), TypeError);
  assert.throws(() => new nexus.Node(m.ids.a.privateKey), TypeError);
  assert.throws(() => new nexus.Node(m.ids.a, { seed: -1 }), TypeError);
  assert.throws(() => new nexus.Node(m.ids.a, { config: { maxHops: 0 } }), code('invalid_argument'));
  assert.throws(() => new nexus.Node({ privateKey: m.ids.a.privateKey, profile: 'other' }),
    code('invalid_argument'));
  m.free();
  m.a.free();
  assert.throws(() => m.a.stats, code('bad_state'));
});

// ---- routing and gossip ----------------------------------------------------------------------------

const LINE_BW = 1000000;
const LINE_LATENCY = 7;
const SHARES = { 1: 0.03, 2: 0.03, 3: 0.02, 4: 0.02 }; // the spec's gossip tiers: 3 %, 3 %, 2 %, 2 %
const POLICY_NAMES = ['cheapest', 'fastest', 'most_reliable', 'balanced'];

// A -- C -- B, all gossiping and announcing by themselves; C relays for `fee` uNXS per byte. A Mesh
// (run, of, errors, frames, free) whose constructor is not reused: the interfaces need metrics.
function line(profile, fee) {
  const m = Object.create(Mesh.prototype);
  m.profile = profile;
  m.ids = {};
  for (const [k, fill] of [['a', 0xa1], ['b', 0xb2], ['c', 0xc3]]) {
    m.ids[k] = nexus.Identity.fromSeed(new Uint8Array(32).fill(fill), profile);
  }
  const config = { gossip: true, autoAnnounce: true };
  m.a = new nexus.Node(m.ids.a, { seed: 1, config, name: 'a' });
  m.b = new nexus.Node(m.ids.b, { seed: 2, config, name: 'b' });
  const relay = { ...config, relayFee: fee };
  m.c = new nexus.Node(m.ids.c, { transport: true, seed: 3, config: relay, name: 'c' });
  const metrics = { bandwidthBps: LINE_BW, latencyMs: LINE_LATENCY };
  assert.deepEqual([m.a, m.c, m.c, m.b].map((n) => n.addInterface(metrics)), [0, 0, 1, 0]);
  m.cables = [[[m.a, 0], [m.c, 0]], [[m.c, 1], [m.b, 0]]];
  m.dest = { a: m.a.addDestination('nexus.test.a'), b: m.b.addDestination('nexus.test.b'),
    c: m.c.addDestination('nexus.test.c') };
  m.trace = [];
  m.events = [];
  return m;
}

// TLV 0x01 (u64 LE) of the NEXUS extension of the origin's last announce of dest, from the wire:
// HEADER_1 announce, app data after 19 + 148 bytes: magic 'N', version 1, 6-byte cost, TLVs.
function announcedLamport(m, dest) {
  const raws = m.frames().filter((f) => f[0] === 0x01 && hex(f.slice(2, 18)) === hex(dest));
  const app = raws[raws.length - 1].slice(19 + 148);
  assert.deepEqual([app[0], app[1], app[8], app[9]], [0x4e, 1, 0x01, 8]);
  return Buffer.from(app.slice(10, 18)).readBigUInt64LE(0);
}

for (const profile of ['nexus', 'reticulum']) {
  test(`gossip on a line (${profile})`, () => {
    const fee = 15;
    const m = line(profile, fee);
    const end = 5000;
    for (let t = 0; t <= end; t += 100) m.run(t);
    for (const n of [m.a, m.b, m.c]) assert.deepEqual(m.errors(n), []);
    const feeCode = Math.round(16 * Math.log2(fee + 1));
    const bwCode = Math.round(8 * Math.log2(LINE_BW));
    const node = { a: m.a, b: m.b, c: m.c };
    const idHash = { a: m.ids.a.hash, b: m.ids.b.hash, c: m.ids.c.hash };
    // [node, destination's owner, distance, iface, first hop]
    const expected = [['a', 'b', 2, 0, 'c'], ['a', 'c', 1, 0, 'c'], ['b', 'a', 2, 0, 'c'],
      ['b', 'c', 1, 0, 'c'], ['c', 'a', 1, 0, 'a'], ['c', 'b', 1, 1, 'b']];
    for (const [x, y, hops, iface, via] of expected) {
      const r = node[x].route(m.dest[y], end);
      assert.equal(hex(r.destination), hex(m.dest[y]));
      assert.equal(r.cost.hopCount, hops);
      assert.equal(r.iface, iface);
      assert.equal(hex(r.nextHop), hex(idHash[via]));
      assert.equal(r.cost.cumulativeCost, hops === 2 ? feeCode : 0);
      assert.equal(r.cost.worstLatencyMs, LINE_LATENCY);
      assert.equal(r.cost.bottleneckBps, bwCode);
      assert.equal(r.state, 'active');
      assert.equal(r.failed, false);
      assert.ok(r.expiresMs > end);
      assert.equal(r.lamport, announcedLamport(m, m.dest[y]));
      assert.ok(node[y].lamport >= r.lamport);
      for (const p of POLICY_NAMES) assert.deepEqual(node[x].route(m.dest[y], end, p), r); // one path
    }
    for (const x of ['a', 'b', 'c']) {
      const others = ['a', 'b', 'c'].filter((y) => y !== x).map((y) => hex(m.dest[y]));
      const routes = node[x].routes();
      assert.ok(routes.every((r) => others.includes(hex(r.destination))));
      assert.equal(routes.filter((r) => r.state === 'active' && !r.failed && !r.suspect).length, 2);
      const order = routes.map((r) => hex(r.destination));
      assert.deepEqual(order, [...order].sort());
      assert.equal(node[x].route(m.dest[x], end), null);
    }

    // Budgets: capacity = share x bandwidth x 60 s / 8; spending within capacity + refill x elapsed.
    for (const [n, iface] of [[m.a, 0], [m.c, 0], [m.c, 1], [m.b, 0]]) {
      const b = n.budget(iface, end);
      assert.equal(b.bandwidthBps, LINE_BW);
      assert.equal(b.constrained, false);
      for (const t of [1, 2, 3, 4]) {
        const capacity = Math.floor(SHARES[t] * LINE_BW * 60 / 8);
        assert.equal(b.tiers[t].capacity, capacity);
        assert.ok(b.tiers[t].available >= 0 && b.tiers[t].available <= capacity);
        if (t > 1) {
          assert.equal(b.tiers[t].bytesSent, 0);
          assert.equal(b.tiers[t].available, capacity);
        }
      }
      const r = b.tiers[1];
      const earned = SHARES[1] * LINE_BW / 8 * end / 1000;
      assert.ok(r.bytesSent > 0 && r.bytesSent <= r.capacity + earned && r.messages > 0);
      assert.ok(r.available <= r.capacity + earned - r.bytesSent);
      const again = n.budget(iface);
      assert.equal(again.tiers[1].available, null);
      assert.equal(again.tiers[1].bytesSent, r.bytesSent); // reading changed nothing
    }

    // Neighbours: the middle node hears both ends, each end the middle.
    const pairs = (n) => n.neighbours().map((x) => `${hex(x.id)}/${x.iface}`).sort();
    assert.deepEqual(pairs(m.c), [`${hex(idHash.a)}/0`, `${hex(idHash.b)}/1`].sort());
    assert.deepEqual(pairs(m.a), [`${hex(idHash.c)}/0`]);
    assert.deepEqual(pairs(m.b), [`${hex(idHash.c)}/0`]);
    for (const n of [m.a, m.b, m.c]) {
      for (const x of n.neighbours()) {
        assert.equal(x.down, false);
        assert.ok(x.lastHeardMs <= end && x.counter >= 1);
      }
      const s = n.stats;
      assert.ok(s.gossipSent > 0 && s.gossipBytesSent > s.gossipSent && s.gossipReceived > 0);
      assert.ok(s.advertsMerged > 0);
      assert.equal(s.gossipRejected, 0);
      assert.equal(s.neighboursDown, 0);
      assert.equal(s.announcesSent, 1); // first boot
    }

    // A cost change above 25 % triggers an announce, one of 10 % does not; the budget follows.
    assert.deepEqual(m.a.metrics(0), { bandwidthBps: LINE_BW, latencyMs: LINE_LATENCY, shared: false });
    m.a.setInterfaceMetrics(0, { bandwidthBps: LINE_BW * 1.1, latencyMs: LINE_LATENCY }, end + 100);
    m.run(end + 100);
    assert.equal(m.a.stats.announcesSent, 1);
    m.a.setInterfaceMetrics(0, { bandwidthBps: 2 * LINE_BW, latencyMs: LINE_LATENCY }, end + 200);
    m.run(end + 200);
    assert.equal(m.a.stats.announcesSent, 2);
    const b = m.a.budget(0, end + 200);
    assert.equal(b.bandwidthBps, 2 * LINE_BW);
    assert.equal(b.tiers[1].capacity, Math.floor(0.03 * 2 * LINE_BW * 60 / 8));
    assert.equal(m.a.interfaceCount, 1);
    assert.equal(m.c.interfaceCount, 2);

    // announceNexus: the extra TLV follows the Lamport TLV, which is max(clock + 1, seconds).
    const clock = m.b.lamport;
    const extra = new Uint8Array([0x7e, 3, 0x78, 0x79, 0x7a]);
    m.b.announceNexus(m.dest.b, end + 300, extra);
    m.run(end + 300);
    const ev = m.of(m.a, 'announce').pop();
    assert.equal(hex(ev.id), hex(m.dest.b));
    const seconds = BigInt(Math.floor((end + 300) / 1000));
    const next = clock + 1n > seconds ? clock + 1n : seconds;
    const lamportLe = Buffer.alloc(8);
    lamportLe.writeBigUInt64LE(next);
    assert.equal(hex(ev.data.slice(8)), `0108${lamportLe.toString('hex')}${hex(extra)}`);
    assert.equal(m.b.lamport, next);
    assert.throws(() => m.b.announceNexus(m.dest.b, end + 300, extra.slice(0, 4)), code('truncated'));
    assert.throws(() => m.b.announceNexus(m.dest.b, end + 300, new Uint8Array(130)), code('invalid_length'));

    // A link along the gossiped path, first hop chosen under another policy.
    assert.throws(() => m.a.openLink(m.dest.b, end + 400, 'shortest'), code('invalid_argument'));
    const link = m.a.openLink(m.dest.b, end + 400, 'fastest');
    m.run(end + 400);
    assert.equal(m.a.linkState(link), 'active');
    for (const n of [m.a, m.b, m.c]) assert.deepEqual(m.errors(n), []);
    m.free();
  });
}

test('routing without gossip, and errors', () => {
  const m = new Mesh();
  m.b.announce(m.destB, 7000);
  m.run(7000);
  // Gossip off (the default): the table still learns from announces; no budget, no neighbours.
  // Without the NEXUS extension the Lamport time is the announce's time in seconds (random hash).
  const routes = m.a.routes();
  assert.equal(routes.length, 1);
  const [r] = routes;
  assert.equal(hex(r.destination), hex(m.destB));
  assert.equal(hex(r.nextHop), hex(m.c.identityHash));
  assert.deepEqual(r.cost, { cumulativeCost: 0, worstLatencyMs: 0,
    bottleneckBps: Math.round(8 * Math.log2(1000000)), hopCount: 2 });
  assert.equal(r.lamport, 7n);
  assert.equal(m.a.lamport, 7n);
  assert.deepEqual(m.a.route(m.destB, 7000), r);
  assert.equal(m.a.budget(0), null);
  assert.deepEqual(m.c.neighbours(), []);
  assert.equal(m.b.stats.announcesSent, 1);
  assert.equal(m.b.stats.gossipSent, 0);

  // Config checks.
  const key = m.ids.a;
  const bads = [{ policy: 'shortest' }, { policy: 3 }, { gossipIntervalMs: 0 }, { announceIntervalMs: 0 },
    { downRounds: 0 }, { evictRounds: 2 }, { activeIntervals: 0 }, { relayFee: -1 }, { relayFee: 2 ** 32 }];
  for (const bad of bads) {
    assert.throws(() => new nexus.Node(key, { config: bad }), code('invalid_argument'), JSON.stringify(bad));
  }
  const n = new nexus.Node(key, { config: { policy: 'cheapest', relayFee: 2 ** 32 - 1, staleIntervals: 0 } });

  // Interfaces and metrics.
  assert.equal(n.addInterface(), 0);
  assert.deepEqual(n.metrics(0), { bandwidthBps: 1000000, latencyMs: 0, shared: false });
  assert.equal(n.addInterface({ bandwidthBps: 9600, latencyMs: 1500, shared: true }), 1);
  assert.deepEqual(n.metrics(1), { bandwidthBps: 9600, latencyMs: 1500, shared: true });
  n.setInterfaceMetrics(0, { bandwidthBps: 2400, latencyMs: 20 }, 0);
  assert.deepEqual(n.metrics(0), { bandwidthBps: 2400, latencyMs: 20, shared: false });
  assert.equal(n.interfaceCount, 2);
  assert.throws(() => n.metrics(2), code('invalid_argument'));
  assert.throws(() => n.budget(2), code('invalid_argument'));
  assert.throws(() => n.budget(256), code('invalid_argument'));
  assert.throws(() => n.setInterfaceMetrics(5, {}, 0), code('invalid_argument'));
  assert.throws(() => n.setInterfaceMetrics(0, undefined, 0), TypeError);
  assert.throws(() => n.addInterface({ bandwidthBps: -1 }), code('invalid_argument'));
  assert.throws(() => n.addInterface({ bandwidthBps: 2 ** 32 }), code('invalid_argument'));
  assert.throws(() => n.addInterface({ latencyMs: 65536 }), code('invalid_argument'));
  assert.throws(() => n.addInterface(null), TypeError);
  assert.equal(n.interfaceCount, 2);
  assert.throws(() => n.route(new Uint8Array(15), 0), code('invalid_length'));
  assert.throws(() => n.route(new Uint8Array(16), 0, 'shortest'), code('invalid_argument'));
  assert.throws(() => n.route(new Uint8Array(16), -1), TypeError);
  assert.throws(() => n.announceNexus(new Uint8Array(17), 0), code('invalid_length'));
  assert.throws(() => n.announceNexus(new Uint8Array(16), 0), code('not_found'));
  assert.throws(() => n.openLink(new Uint8Array(16), 0, 'fastest'), code('not_found'));
  assert.equal(n.route(new Uint8Array(16), 0), null);
  assert.deepEqual(n.routes(), []);
  assert.deepEqual(n.neighbours(), []);
  assert.equal(n.lamport, 0n);
  n.free();
  assert.throws(() => n.routes(), code('bad_state'));
  m.free();
});
