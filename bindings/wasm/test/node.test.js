'use strict';
// nexus WASM nodes: three nodes in memory, A -- C -- B with C a transport node (a bridge between its
// two interfaces), in both profiles. B's announce crosses the bridge (2 hops at A), a link opens
// across it, messages go both ways in order and each node's events come from poll() in causal order
// (the request and the establishment before the first message, the messages before the close), the
// initiator identifies, a forged announce (public key swapped) is refused with 'auth_failed',
// replayed packets with 'replayed', a close reaches the peer; a fourth node D, plugged into C after
// B's announce went by, asks for a path to B and C answers; then runMesh, the capacities and the
// error contract. Independent truth: the rebroadcast announce checked by slicing against the
// original (HEADER_2 flags 0x51, hops 1, C's identity hash recomputed from C's public key — SHA-256
// from node:crypto for the Reticulum profile, BLAKE2b-256 from the crypto layer, tested against RFC
// 7693 in crypto.test.js, for the NEXUS profile — the rest identical from byte 2 on), what A knows of
// B against B's keys, its name hash and the announce time written into the random hash, the link
// request seen on the wire as HEADER_2 via C then HEADER_1 with hops 1, the link id recomputed from
// the request bytes, C's link-table entry against the mesh's wiring, the path request against
// docs/wire/path_request.md (flags 0x08, the profile's path-request address listed there) and C's
// answer against B's original announce (same signed body, HEADER_2 from C, context 0x0B), and the
// capacities against the pi_bridge preset as written in include/nexus/config.hpp (parsed here).
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
const fs = require('node:fs');

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
  of(node, kind) {
    return this.events.filter((m) => m.node === node && m.event && (!kind || m.event.kind === kind))
      .map((m) => m.event);
  }
  errors(node) { return this.events.filter((m) => m.node === node && m.error).map((m) => m.error); }
  // D joins on a third interface of C.
  plugD(now) {
    this.ids.d = nexus.Identity.fromSeed(new Uint8Array(32).fill(0xd4), this.profile);
    this.d = new nexus.Node(this.ids.d, { seed: 4, name: 'd' });
    assert.equal(this.c.addInterface(undefined, now), 2);
    assert.equal(this.d.addInterface({}, now), 0);
    this.cables.push([[this.c, 2], [this.d, 0]]);
  }
  run(now) {
    const nodes = [this.a, this.c, this.b, ...(this.d ? [this.d] : [])];
    this.events.push(...nexus.runMesh(nodes, this.cables, now, { trace: this.trace }));
  }
  kinds(node) { return this.of(node).map((e) => e.kind); }
  frames(start = 0) { return this.trace.slice(start).map((t) => t.raw); }
  data(node) { return this.of(node, 'link_data').map((e) => hex(e.data)); }
  free() { for (const n of [this.a, this.b, this.c, this.d]) if (n) n.free(); }
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
  // B hears of the request before the link is established.
  const kb = m.kinds(m.b);
  assert.ok(kb.indexOf('link_request') >= 0 && kb.indexOf('link_request') < kb.indexOf('link_established'));
  // C forwards it: back to A on 0, on to B on 1; the request went straight to B (no next transport),
  // once, and B's proof came back through C. A forwards nothing.
  const r = m.c.linkTableEntry(link);
  assert.deepEqual({ ...r, expiresMs: undefined }, {
    destination: m.destB, nextHop: null, towardInitiator: 0, towardResponder: 1, proven: true, requests: 1,
    proofs: 1, expiresMs: undefined, lastRequestMs: now,
  });
  assert.ok(r.expiresMs > now);
  assert.equal(m.c.linkTableSize, 1);
  assert.equal(m.a.linkTableSize, 0);
  assert.equal(m.a.linkTableEntry(link), null);
  assert.equal(m.c.linkTableEntry(m.destB), null);
  return link;
}

for (const profile of ['nexus', 'reticulum']) {
  test(`${profile}: an announce crosses the bridge as HEADER_2 with the bridge's identity hash`, () => {
    const m = new Mesh(profile);
    const cHash = hash16(profile, m.ids.c.publicKey);
    assert.equal(hex(m.c.identityHash), hex(cHash));
    const nameHash = nexus.nameHash('nexus.test.b', profile);
    assert.equal(hex(m.destB), hex(hash16(profile, cat(nameHash, hash16(profile, m.ids.b.publicKey)))));
    assert.equal(m.a.knownCount, 0);
    m.b.announce(m.destB, 3000, utf8('b-app'));
    assert.equal(m.b.nextDeadline, 0);
    m.run(3000);
    assert.deepEqual(m.of(m.a), [{
      kind: 'announce', id: m.destB, iface: 0, hops: 2, context: 0, reason: 'none', reliable: false,
      sequence: 0, data: utf8('b-app'),
    }]);
    assert.equal(m.of(m.c, 'announce')[0].hops, 1);
    // A's path goes through C, C's straight to B (a neighbour: its identity is the hop).
    const viaC = m.a.route(m.destB, 3000);
    assert.equal(viaC.cost.hopCount, 2);
    assert.equal(viaC.iface, 0);
    assert.equal(hex(viaC.nextHop), hex(cHash));
    const direct = m.c.route(m.destB, 3000);
    assert.equal(direct.cost.hopCount, 1);
    assert.equal(direct.iface, 1);
    assert.equal(hex(direct.nextHop), hex(m.ids.b.hash));
    // What A and C know of B: its keys and name; without the NEXUS extension the Lamport time is the
    // announce's emission time (the seconds in its random hash); current for 90 min from arrival.
    for (const n of [m.a, m.c]) {
      assert.deepEqual(n.known(m.destB), {
        publicKey: m.ids.b.publicKey, nameHash, owner: m.ids.b.hash, links: 0, cached: true, lamport: 3n,
        emitted: 3, announceExpiresMs: 3000 + 90 * 60 * 1000, lastUsedMs: n.known(m.destB).lastUsedMs,
        protectedUntilMs: n.known(m.destB).protectedUntilMs,
      });
    }
    assert.equal(m.a.knownCount, 1);
    assert.equal(m.b.knownCount, 0); // its own destination is not "known"
    assert.equal(m.b.known(m.destA), null);
    assert.equal(m.b.route(m.destA, 3000), null);

    const [orig, again, ...rest] = m.frames();
    assert.equal(rest.length, 0);
    assert.equal(orig[0], 0x01);
    assert.equal(orig[1], 0);
    assert.equal(again[0], 0x51); // HEADER_2, transport, single, announce
    assert.equal(again[1], 1);
    assert.equal(hex(again.slice(2, 18)), hex(cHash));
    assert.equal(hex(again.slice(18)), hex(orig.slice(2)));
    assert.equal(nexus.validateAnnounce(again, profile), true);
    assert.equal(hex(orig.slice(19 + 64 + 10 + 5, 19 + 64 + 20)), '0000000003'); // announce time, seconds

    assert.throws(() => m.c.receive(1, orig, 3001), code('replayed'));
    assert.throws(() => m.a.receive(0, again, 3001), code('replayed'));
    assert.deepEqual(m.a.poll(3001), []);
    assert.deepEqual(m.c.poll(3001), []);
    const s = m.c.stats;
    assert.equal(s.announcesValid, 1);
    assert.equal(s.forwarded, 1);
    assert.equal(s.duplicates, 1);
    assert.equal(s.sent, 1);
    assert.equal(s.received, 2);
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
    for (const e of m.of(m.b, 'link_data')) {
      assert.equal(hex(e.id), hex(link));
    }
    // One queue, causal order at each end: established before the first message, the messages
    // before the close, the close last.
    for (const n of [m.a, m.b]) {
      const k = m.kinds(n);
      assert.ok(k.indexOf('link_established') >= 0 && k.indexOf('link_established') < k.indexOf('link_data'));
      assert.ok(k.lastIndexOf('link_data') < k.indexOf('link_closed'));
      assert.equal(k.indexOf('link_closed'), k.length - 1);
    }
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
    assert.equal(hex(m.a.known(m.destB).publicKey), hex(m.ids.b.publicKey));
    assert.equal(hex(m.c.known(m.destB).publicKey), hex(m.ids.b.publicKey));

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
    m.c.receive(0, bad, 22);
    assert.deepEqual(m.c.poll(22).map((e) => [e.kind, hex(e.id), e.iface]), [['forwarded', hex(link), 0]]);
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
  const link = m.a.openLink(m.destB, 0);
  const [request] = m.a.popOutgoing(0); // ... lost
  assert.equal(request.raw.length, 35 + 64);
  assert.equal(request.raw[0], 0x52);
  // Lost, and so are its repeats: the identical request goes again after the path's round trip
  // + 1 s (2 x latency + 1000 ms, latency = (worst hop latency + 1) x hops, at most a quarter of the
  // 30 s establishment timeout), four sends in all; then the link times out.
  const route = m.a.route(m.destB, 0);
  const retry = Math.min(2 * (route.cost.worstLatencyMs + 1) * route.cost.hopCount + 1000, 30000 / 4);
  for (let i = 1; i < 4; ++i) {
    assert.equal(m.a.nextDeadline, i * retry);
    assert.deepEqual(m.a.poll(i * retry), []);
    assert.deepEqual(m.a.popOutgoing(i * retry), [request]);
  }
  assert.equal(m.a.nextDeadline, 30000);
  assert.deepEqual(m.a.poll(29999), []);
  const [ev] = m.a.poll(30000);
  assert.equal(ev.kind, 'link_closed');
  assert.equal(hex(ev.id), hex(link));
  assert.equal(ev.reason, 'establishment_timeout');
  // The path's timers are the spec's (routing.js): active for 3 announce intervals (90 min), stale
  // for 1 more; then it is gone.
  const minutes = (n) => n * 60 * 1000;
  const r = m.a.route(m.destB, 0);
  assert.equal(r.expiresMs, minutes(90));
  assert.equal(r.evictAtMs, minutes(120));
  assert.notEqual(m.a.route(m.destB, minutes(120) - 1), null);
  assert.equal(m.a.route(m.destB, minutes(120)), null);
  assert.throws(() => m.a.openLink(m.destB, minutes(120)), code('not_found'));
  m.free();

  // The defaults; rebroadcast rate control as node/context.hpp documents it (a minute's target, a
  // grace of 5, no penalty).
  const defaults = nexus.nodeDefaultConfig();
  assert.deepEqual(defaults, { link: nexus.linkDefaultConfig(), pathLifetimeMs: 5400000,
    linkTableLifetimeMs: 600000, maxHops: 128, policy: 'balanced', gossip: false, autoAnnounce: false,
    relayFee: 0, announceIntervalMs: 1800000, gossipIntervalMs: 60000, activeIntervals: 3,
    staleIntervals: 1, downRounds: 3, evictRounds: 10, announceRateTargetMs: 60000, announceRateGrace: 5,
    announceRatePenaltyMs: 0 });
  // Shorter timers: an announce current for 1 s, paths active for one 1 s interval and never stale,
  // links given 500 ms to come up.
  m = new Mesh('reticulum', { link: { establishmentTimeoutMs: 500 }, pathLifetimeMs: 1000,
    announceIntervalMs: 1000, activeIntervals: 1, staleIntervals: 0 });
  m.b.announce(m.destB, 0);
  m.run(0);
  assert.equal(m.a.known(m.destB).announceExpiresMs, 1000);
  assert.equal(m.a.route(m.destB, 0).expiresMs, 1000);
  const late = m.a.openLink(m.destB, 999);
  assert.equal(m.a.popOutgoing(999)[0].raw[0] & 0x03, 2); // the link request
  assert.equal(m.a.route(m.destB, 1000), null);
  assert.throws(() => m.a.openLink(m.destB, 1000), code('not_found'));
  assert.deepEqual(m.a.poll(1498).filter((e) => e.kind === 'link_closed'), []);
  assert.deepEqual(m.a.poll(1499).filter((e) => e.kind === 'link_closed').map((e) => [hex(e.id), e.reason]),
    [[hex(late), 'establishment_timeout']]);
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
  const caps = nexus.Node.capacities;
  assert.throws(() => m.a.receive(9, new Uint8Array(30), 0), code('invalid_argument')); // no such interface
  assert.throws(() => m.a.receive(0, new Uint8Array(5), 0), code('truncated'));
  assert.throws(() => m.a.receive(0, new Uint8Array(0), 0), code('truncated'));
  const toNoLink = new Uint8Array(60);
  toNoLink[0] = 0x0c;
  assert.throws(() => m.a.receive(0, toNoLink, 0), code('not_found'));
  assert.deepEqual(m.a.poll(0), []);
  assert.throws(() => m.a.openLink(m.destB, 0), code('not_found'));
  assert.throws(() => m.a.announce(new Uint8Array(16), 0), code('not_found'));
  assert.throws(() => m.a.send(new Uint8Array(16), utf8('x'), 0), code('not_found'));
  assert.throws(() => m.b.announce(m.destB, 0, new Uint8Array(400)), code('invalid_length'));
  assert.throws(() => m.b.addDestination('nexus.test.b'), code('invalid_argument'));
  for (let i = 1; i < caps.destinations; ++i) m.b.addDestination(`nexus.test.more${i}`);
  assert.throws(() => m.b.addDestination('nexus.test.one.too.many'), code('full'));
  for (let i = 2; i < caps.interfaces; ++i) m.c.addInterface();
  assert.equal(m.c.interfaceCount, caps.interfaces);
  assert.throws(() => m.c.addInterface(), code('full'));
  assert.throws(() => m.a.addDestination(new Uint8Array(5)), code('invalid_length'));
  assert.throws(() => m.a.addDestination(5), TypeError);
  assert.throws(() => m.a.send(new Uint8Array(15), utf8('x'), 0), code('invalid_length'));
  assert.throws(() => m.a.send(new Uint8Array(16), utf8('x'), 0, 256), code('invalid_argument'));
  assert.throws(() => m.a.receive(-1, new Uint8Array(30), 0), code('invalid_argument'));
  assert.throws(() => m.a.receive(0, 'text', 0), TypeError);
  assert.throws(() => m.a.receive(0, new Uint8Array(30), -1), TypeError);
  assert.throws(() => m.a.addInterface({}, -1), TypeError);
  assert.throws(() => m.a.requestPath(new Uint8Array(15), 0), code('invalid_length'));
  assert.throws(() => m.a.requestPath(m.destA, 0), code('invalid_argument')); // its own
  assert.throws(() => m.a.requestPath(m.destB, -1), TypeError);
  assert.throws(() => m.a.known(new Uint8Array(17)), code('invalid_length'));
  assert.throws(() => m.a.known('dest'), TypeError);
  assert.throws(() => m.a.linkTableEntry(new Uint8Array(15)), code('invalid_length'));
  assert.throws(() => new nexus.Node(m.ids.a.privateKey), TypeError);
  assert.throws(() => new nexus.Node(m.ids.a, { seed: -1 }), TypeError);
  assert.throws(() => new nexus.Node(m.ids.a, { config: { maxHops: 0 } }), code('invalid_argument'));
  assert.throws(() => new nexus.Node({ privateKey: m.ids.a.privateKey, profile: 'other' }),
    code('invalid_argument'));
  const lone = new nexus.Node(m.ids.a);
  assert.throws(() => lone.requestPath(m.destB, 0), code('invalid_argument')); // no interface to ask on
  lone.free();
  m.free();
  m.a.free();
  assert.throws(() => m.a.stats, code('bad_state'));
  assert.throws(() => m.a.knownCount, code('bad_state'));
  assert.throws(() => m.a.requestPath(m.destB, 0), code('bad_state'));
});

// The pi_bridge preset as include/nexus/config.hpp writes it: { camelCaseName: value } in order.
function piBridgePreset() {
  const text = fs.readFileSync(path.join(root, 'include', 'nexus', 'config.hpp'), 'utf8');
  const start = text.indexOf('node_capacities pi_bridge{');
  assert.ok(start >= 0);
  const block = text.slice(start, text.indexOf('};', start));
  const camel = (n) => n.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  return Object.fromEntries([...block.matchAll(/^\s*\.([a-z_]+)\s*=\s*(\d+),/gm)]
    .map(([, n, v]) => [camel(n), Number(v)]));
}

// Reliable messages both ways over the bridge while a seeded dice loses a fifth of the link data
// (DATA to a link, flags & 0x0F = 0x0C) on every cable: each arrives exactly once and in order with
// its sequence and context, and each is confirmed once by 'link_delivered'; 'full' is the only
// refusal. Then the bad input sendReliable refuses, and send() refusing the channel's context 0x0E.
for (const profile of ['nexus', 'reticulum']) {
  test(`${profile}: reliable messages over a lossy bridge arrive once, in order, and are confirmed once`, () => {
    const m = new Mesh(profile);
    m.b.announce(m.destB, 0);
    m.run(0);
    const link = openLink(m);
    let dice = 7n;
    let lost = 0;
    const roll = () => {
      dice = (dice * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      return Number(dice >> 33n) % 100;
    };
    const got = new Map([[m.a, []], [m.b, []]]);
    const delivered = new Map([[m.a, []], [m.b, []]]);
    const take = (n, now) => {
      for (const e of n.poll(now)) {
        if (!got.has(n)) continue;
        if (e.kind === 'link_data') {
          assert.equal(e.reliable, true);
          got.get(n).push([e.sequence, e.context, hex(e.data)]);
        }
        if (e.kind === 'link_delivered') delivered.get(n).push(e.sequence);
      }
    };
    const step = (now) => {
      for (let moved = true; moved;) {
        moved = false;
        for (const n of [m.a, m.c, m.b]) {
          take(n, now);
          for (const { raw, iface, except } of n.popOutgoing(now)) {
            moved = true;
            for (const [x, y] of m.cables) {
              for (const [[from, fi], [to, ti]] of [[x, y], [y, x]]) {
                if (from !== n || (iface === nexus.ALL_INTERFACES ? fi === except : fi !== iface)) continue;
                if ((raw[0] & 0x0f) === 0x0c && roll() < 20) { lost++; continue; }
                try { to.receive(ti, raw, now); } catch (e) { assert.equal(e.name, 'NexusError'); }
                take(to, now);
              }
            }
          }
        }
      }
    };
    const count = 120;
    const sent = new Map([[m.a, []], [m.b, []]]);
    let fulls = 0;
    let t = 1000;
    for (; t < 1000000; t += 50) {
      for (const [from, out] of sent) {
        while (out.length < count) {
          const i = out.length;
          const msg = new Uint8Array(1 + ((i * 37) % nexus.CHANNEL_MDU)).fill(i & 0xff);
          msg[0] = from === m.a ? 0xa : 0xb;
          let seq;
          try {
            seq = from.sendReliable(link, msg, t, 0x30 + (i % 5));
          } catch (e) {
            assert.equal(e.code, 'full');
            fulls++;
            break;
          }
          assert.equal(seq, i);
          out.push([seq, 0x30 + (i % 5), hex(msg)]);
        }
      }
      step(t);
      if ([m.a, m.b].every((n) => got.get(n).length === count && delivered.get(n).length === count)) break;
    }
    assert.ok(lost > 20 && fulls > 0);
    assert.deepEqual(got.get(m.b), sent.get(m.a));
    assert.deepEqual(got.get(m.a), sent.get(m.b));
    const all = Array.from({ length: count }, (_, i) => i);
    for (const n of [m.a, m.b]) assert.deepEqual([...delivered.get(n)].sort((x, y) => x - y), all);
    assert.equal(m.a.linkState(link), 'active');
    for (const n of [m.a, m.b]) { // the channels' counters agree with what the test saw
      const c = n.channelInfo(link);
      assert.equal(c.window, nexus.Node.capacities.channelWindow);
      assert.equal(c.inFlight, 0);
      assert.equal(c.unacknowledged, 0);
      assert.deepEqual([c.messagesSent, c.messagesAcked, c.messagesReceived], [count, count, count]);
      assert.ok(c.retransmissions > 0 && c.rtoMs >= 200 && c.malformed === 0);
    }
    assert.equal(m.a.channelInfo(new Uint8Array(16)), null);
    assert.throws(() => m.a.channelInfo(new Uint8Array(15)), code('invalid_length'));

    assert.throws(() => m.a.sendReliable(link, new Uint8Array(nexus.CHANNEL_MDU + 1), t), code('invalid_length'));
    assert.throws(() => m.a.sendReliable(new Uint8Array(16), utf8('x'), t), code('not_found'));
    assert.throws(() => m.a.sendReliable(new Uint8Array(15), utf8('x'), t), code('invalid_length'));
    assert.throws(() => m.a.sendReliable(link, utf8('x'), t, 256), code('invalid_argument'));
    assert.throws(() => m.a.sendReliable(link, 'text', t), TypeError);
    assert.throws(() => m.a.send(link, new Uint8Array(7), t, 0x0e), code('invalid_argument'));
    m.free();
  });
}

test('capacities: the pi_bridge preset, by name', () => {
  const preset = piBridgePreset();
  assert.equal(Object.keys(preset).length, 22);
  assert.deepEqual(Object.keys(nexus.Node.capacities), Object.keys(preset)); // every field, in order
  assert.deepEqual(nexus.Node.capacities, preset);
  assert.equal(nexus.NODE_CAPACITIES, nexus.Node.capacities);
  assert.ok(Object.isFrozen(nexus.Node.capacities));
});

test('path requests: a node that knows the destination answers', () => {
  for (const profile of ['nexus', 'reticulum']) {
    const m = new Mesh(profile);
    m.b.announce(m.destB, 0, utf8('b-app'));
    m.run(0);
    m.plugD(500);
    m.run(500);
    assert.equal(m.d.known(m.destB), null);
    assert.equal(m.d.route(m.destB, 1000), null);
    const start = m.trace.length;
    const aAnnounces = m.of(m.a, 'announce').length;
    m.d.requestPath(m.destB, 1000);
    m.run(1000);
    // The request as docs/wire/path_request.md has it: HEADER_1 DATA to the PLAIN path-request
    // address, context 0, the wanted destination, a 16-byte tag (a client: no transport id).
    const address = {
      nexus: '5543cbe02bc99f8133f733bff50ad90a', reticulum: '6b9f66014d9853faab220fba47d02761',
    };
    const [q, ...none] = m.frames(start);
    assert.equal(none.length, 0);
    assert.equal(q.length, 19 + 16 + 16);
    assert.deepEqual([q[0], q[1], q[18]], [0x08, 0, 0]);
    assert.equal(hex(q.slice(2, 18)), address[profile]);
    assert.equal(hex(q.slice(19, 35)), hex(m.destB));
    assert.deepEqual(m.of(m.d, 'announce'), []); // C waits for its 0.4 s grace
    assert.equal(m.c.nextDeadline, 1400);
    m.run(1400);
    // C's answer: B's signed announce, HEADER_2 via C, hops 1 (its path), context PATH_RESPONSE.
    const [answer, ...more] = m.frames(start + 1);
    assert.equal(more.length, 0);
    const orig = m.frames()[0]; // B's own announce, HEADER_1
    assert.deepEqual([answer[0], answer[1], answer[34]], [0x51, 1, 0x0b]);
    assert.equal(hex(answer.slice(2, 18)), hex(m.ids.c.hash));
    assert.equal(hex(answer.slice(18, 34)), hex(m.destB));
    assert.equal(hex(answer.slice(35)), hex(orig.slice(19)));
    assert.deepEqual(m.of(m.d, 'announce').map((e) => [hex(e.id), e.hops, e.iface, hex(e.data)]),
      [[hex(m.destB), 2, 0, hex(utf8('b-app'))]]);
    assert.equal(hex(m.d.known(m.destB).publicKey), hex(m.ids.b.publicKey));
    const r = m.d.route(m.destB, 1400);
    assert.equal(r.cost.hopCount, 2);
    assert.equal(hex(r.nextHop), hex(m.ids.c.hash));
    assert.equal(m.of(m.a, 'announce').length, aAnnounces); // the answer went to D only
    assert.equal(m.d.stats.pathRequestsSent, 1);
    assert.equal(m.c.stats.pathRequestsAnswered, 1);
    assert.equal(m.c.stats.pathRequestsForwarded, 0);
    for (const n of [m.a, m.b, m.c, m.d]) assert.deepEqual(m.errors(n), []);
    // Again within 20 s: nothing is sent.
    const before = m.trace.length;
    m.d.requestPath(m.destB, 2000);
    m.run(2000);
    assert.equal(m.trace.length, before);
    m.free();
  }
});

test('node.js keeps no table of status names of its own', () => {
  const source = fs.readFileSync(path.join(root, 'bindings', 'wasm', 'node.js'), 'utf8');
  assert.doesNotMatch(source, /\b\d+\s*:\s*'[a-z_]+'/); // entries such as 14: 'replayed'
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
    // Past 5 s C has sent again the announces it sent or relayed at the start to the ends, which, as
    // end nodes, never passed them on (node/announcer.hpp "Retries"): the ends drop those copies as
    // duplicates, and that is all they refused.
    assert.ok(m.c.stats.announceRetries > 0);
    for (const n of [m.a, m.b]) {
      assert.ok(m.errors(n).length > 0);
      assert.deepEqual(new Set(m.errors(n)), new Set(['replayed']));
    }
    assert.deepEqual(m.errors(m.c), []);
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
    { downRounds: 0 }, { evictRounds: 2 }, { activeIntervals: 0 }, { relayFee: -1 }, { relayFee: 2 ** 32 },
    { announceRateGrace: 256 }, { announceRateTargetMs: 2n ** 63n },
    { announceRatePenaltyMs: 2n ** 64n - 1n }];
  for (const bad of bads) {
    const what = JSON.stringify(bad, (k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    assert.throws(() => new nexus.Node(key, { config: bad }), code('invalid_argument'), what);
  }
  assert.throws(() => new nexus.Node(key, { config: { announceRatePenaltyMs: -1 } }), TypeError);
  const n = new nexus.Node(key, { config: { policy: 'cheapest', relayFee: 2 ** 32 - 1, staleIntervals: 0,
    announceRateGrace: 255, announceRateTargetMs: 0 } });

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
