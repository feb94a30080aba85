'use strict';
// nexus WASM routing and gossip. Independent truth: ring distances against BigInt arithmetic;
// policy choices against the spec's score formula computed here in floats (decoded cost
// round(2^(code/16)) - 1, set-normalised terms, unreliability 1 - r/255 with 0 counted as 128) on
// candidate sets whose best beats the runner-up by far more than the documented 1e-4 tolerance;
// bloom sizes from the 12.365 bits-per-entry rule and the serialised header written by hand; budget
// figures from share x bandwidth / 8 x 60 s.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');
const code = (c) => (e) => e.name === 'NexusError' && e.code === c;

let nexus;
test.before(async () => {
  nexus = await require(path.join(wasmDir, 'nexus.js')).load();
});

let seed = 7;
function rand() { // xorshift32, deterministic
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed;
}
const randInt = (n) => rand() % n;
const randBytes = (n) => Uint8Array.from({ length: n }, () => rand() & 0xff);
const big = (a) => a.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
const RING = 1n << 128n;
function modelDistance(a, b) {
  const d = (((big(a) - big(b)) % RING) + RING) % RING;
  return d < RING - d ? d : RING - d;
}
const fill = (x) => new Uint8Array(16).fill(x);
const cost = (c, l = 100, bw = 100, h = 1) =>
  ({ cumulativeCost: c, worstLatencyMs: l, bottleneckBps: bw, hopCount: h });

test('ring distance against BigInt', () => {
  assert.equal(nexus.ringDistance(fill(0), fill(0xff)), 1n);
  const anti = fill(0); anti[0] = 0x80;
  assert.equal(nexus.ringDistance(fill(0), anti), 1n << 127n);
  assert.equal(nexus.ringDistance(fill(0x42), fill(0x42)), 0n);
  for (let i = 0; i < 1000; ++i) {
    const a = randBytes(16), b = randBytes(16);
    assert.equal(nexus.ringDistance(a, b), modelDistance(a, b));
  }
  assert.throws(() => nexus.ringDistance(new Uint8Array(15), fill(0)), code('invalid_argument'));
});

const WEIGHTS = { cheapest: [0.1, 0.8, 0.1, 0], fastest: [0.1, 0.1, 0.8, 0], balanced: [0.1, 0.3, 0.3, 0.3] };
function modelBest(cands, dest, policy) {
  const reff = cands.map((c) => (c.reliability === 0 ? 128 : c.reliability));
  let scores;
  if (policy === 'most_reliable') {
    scores = reff.map((r) => -r); // distinct in these sets
  } else {
    // docs/routing.md: no ring term on a one-hop path; latency (worst hop + 1 ms) x hops.
    const dist = cands.map((c) => (c.cost.hopCount > 1 ? Number(modelDistance(c.neighbour, dest)) : 0));
    const cst = cands.map((c) => Math.round(2 ** (c.cost.cumulativeCost / 16)) - 1);
    const lat = cands.map((c) => (c.cost.worstLatencyMs + 1) * Math.max(c.cost.hopCount, 1));
    const norm = (v, xs) => { const mx = Math.max(...xs); return mx ? v / mx : 0; };
    const [a, b, c, d] = WEIGHTS[policy];
    scores = cands.map((_, i) => a * norm(dist[i], dist) + b * norm(cst[i], cst) + c * norm(lat[i], lat) +
      d * (1 - reff[i] / 255));
  }
  let best = 0;
  scores.forEach((s, i) => { if (s < scores[best]) best = i; });
  let gap = Infinity;
  scores.forEach((s, i) => { if (i !== best) gap = Math.min(gap, s - scores[best]); });
  return [best, gap];
}

test('chooseNextHop against the float model', () => {
  let checked = 0;
  for (let round = 0; round < 300; ++round) {
    const n = 2 + randInt(5);
    const dest = randBytes(16);
    const cands = [];
    for (let i = 0; i < n; ++i) {
      cands.push({
        neighbour: randBytes(16),
        cost: cost(randInt(640), randInt(5000), 100, randInt(8)),
        reliability: 1 + 40 * i + randInt(40), // distinct
      });
    }
    for (const policy of nexus.POLICIES) {
      const [want, gap] = modelBest(cands, dest, policy);
      if (gap < 1e-3) continue;
      ++checked;
      assert.equal(nexus.chooseNextHop(cands, dest, policy), want);
    }
  }
  assert.ok(checked > 900, `checked ${checked}`);
  assert.throws(() => nexus.chooseNextHop([], fill(0), 'cheapest'), code('not_found'));
  assert.throws(() => nexus.chooseNextHop([], fill(0), 'shortest'), code('invalid_argument'));
});

test('routing table: cheaper path, failover, ageing', () => {
  const t = new nexus.RoutingTable();
  try {
    const dest = fill(0xd0), h1 = fill(0x11), h2 = fill(0x22);
    const t0 = 1000000;
    const up = (hop, c, lamport, now) =>
      t.update({ destination: dest, iface: 1, hopAddress: hop, cost: cost(c, 100, 100, 2), lamport }, now);
    assert.equal(up(h2, 160, 5, t0), 'inserted');
    assert.equal(up(h1, 32, 5, t0), 'inserted');
    assert.equal(up(h1, 32, 4, t0), 'discarded_older');
    assert.equal(t.size, 2);
    let e = t.lookup(dest, 'cheapest', t0 + 1);
    assert.deepEqual(e.hopAddress, h1);
    assert.deepEqual(e.cost, cost(32, 100, 100, 2));
    assert.equal(e.iface, 1);
    assert.equal(e.state, 'active');
    assert.equal(e.failed, false);
    assert.equal(e.lamport, 5n);
    assert.equal(e.expiresMs, BigInt(t0 + 3 * 1800000));
    assert.equal(e.evictAtMs, BigInt(t0 + 4 * 1800000));
    assert.equal(e.lastUsedMs, BigInt(t0 + 1));

    t.markFailed(dest, 1, h1);
    assert.deepEqual(t.lookup(dest, 'cheapest', t0 + 2).hopAddress, h2);
    assert.throws(() => t.markFailed(dest, 2, h1), code('not_found'));
    assert.equal(up(h1, 32, 6, t0 + 3), 'updated');
    assert.deepEqual(t.lookup(dest, 'cheapest', t0 + 4).hopAddress, h1);
    assert.equal(t.lookup(dest, 'cheapest', t0 + 4).suspect, false);

    // A suspect path is a last resort: the dearer trusted one wins while it is there.
    t.markSuspect(dest, 1, h1);
    assert.throws(() => t.markSuspect(dest, 2, h1), code('not_found'));
    assert.deepEqual(t.lookup(dest, 'cheapest', t0 + 4).hopAddress, h2);
    t.markFailed(dest, 1, h2);
    e = t.lookup(dest, 'cheapest', t0 + 4);
    assert.deepEqual(e.hopAddress, h1);
    assert.equal(e.suspect, true);
    assert.equal(e.state, 'active');
    assert.equal(up(h1, 32, 6, t0 + 3), 'updated');
    assert.equal(up(h2, 160, 5, t0 + 3), 'updated');
    assert.ok(t.entries().every((x) => !x.suspect && !x.failed));

    t.recordOutcome(dest, 1, h2, false); // 128 - ceil(128 / 8) = 112
    const entries = t.entries();
    assert.equal(entries.length, 2);
    e = entries.find((x) => x.hopAddress[0] === 0x22);
    assert.equal(e.reliability, 112);
    assert.equal(t.lookup(fill(1), 'cheapest', t0), null);

    assert.deepEqual(t.neighbourSilent(1, h2, t0, t0 + 180000), { staled: 1, evicted: 0 });
    assert.deepEqual(t.expire(t0 + 3 + 3 * 1800000), { staled: 1, evicted: 1 });
    assert.deepEqual(t.expire(BigInt(t0 + 3 + 4 * 1800000)), { staled: 0, evicted: 1 });
    assert.equal(t.size, 0);
  } finally {
    t.free();
  }
  assert.throws(() => t.size, code('bad_state'));
});

test('bloom: sizes, no false negatives, codec, errors', () => {
  assert.equal(nexus.bloomBytesFor(100), Math.ceil(1237 / 8));
  assert.equal(nexus.bloomBytesFor(1000n), Math.ceil(12365 / 8));
  assert.equal(nexus.bloomBytesFor(0), 1);
  assert.equal(nexus.bloomBytesFor(100000, nexus.BLOOM_CONSTRAINED_MAX_BYTES), 256);

  const items = Array.from({ length: 200 }, () => randBytes(1 + randInt(30)));
  const b = new nexus.Bloom(nexus.bloomBytesFor(items.length), 0x01020304);
  items.forEach((it) => b.insert(it));
  assert.ok(items.every((it) => b.maybeContains(it)));
  let fp = 0;
  for (let i = 0; i < 2000; ++i) fp += b.maybeContains(Uint8Array.of(0xee, i & 0xff, i >> 8)) ? 1 : 0;
  assert.ok(fp < 60, `fp ${fp}`);

  const wire = b.encode();
  const n = b.sizeBytes;
  assert.deepEqual(wire.slice(0, 7), Uint8Array.of(1, 4, 3, 2, 1, n & 0xff, n >> 8));
  assert.deepEqual(wire.slice(7), b.bits);
  const back = nexus.Bloom.decode(wire);
  assert.equal(back.salt, 0x01020304);
  assert.deepEqual(back.bits, b.bits);

  assert.throws(() => nexus.Bloom.decode(wire.slice(0, 6)), code('truncated'));
  assert.throws(() => nexus.Bloom.decode(wire.slice(0, -1)), code('truncated'));
  const v2 = wire.slice(); v2[0] = 2;
  assert.throws(() => nexus.Bloom.decode(v2), code('unsupported'));
  assert.throws(() => nexus.Bloom.decode(Uint8Array.of(1, 0, 0, 0, 0, 0, 0)), code('invalid_length'));
  const trailing = new Uint8Array(wire.length + 1); trailing.set(wire);
  assert.throws(() => nexus.Bloom.decode(trailing), code('invalid_length'));
  assert.throws(() => nexus.Bloom.decode(wire, n - 1), code('out_of_range'));

  const other = new nexus.Bloom(n, 0x01020304);
  other.insert(Uint8Array.of(1, 2, 3));
  b.merge(other);
  assert.ok(b.maybeContains(Uint8Array.of(1, 2, 3)));
  assert.throws(() => b.merge(new nexus.Bloom(n, 7)), code('invalid_argument'));
});

test('budget: tier share, refill, constrained links', () => {
  const b = new nexus.Budget(100000, 5000);
  try {
    assert.equal(b.capacity('routing'), 375n * 60n); // 3 % of 100 kbps / 8 x 60 s
    assert.equal(b.capacity(4), 250n * 60n);
    assert.equal(b.trySpend('routing', 22501, 5000), false);
    assert.equal(b.trySpend('routing', 22000, 5000), true);
    assert.equal(b.trySpend('routing', 501, 5000), false);
    assert.equal(b.available('routing', 5000), 500n);
    assert.equal(b.available('routing', 7000), 500n + 750n);
    assert.equal(b.trySpend('routing', 1250, 7000, true), true);
    assert.equal(b.available('payments', 7000), 22500n);
    assert.deepEqual(b.stats(1), { bytesSent: 23250n, messages: 2, refused: 2, refusedPush: 0 });
    assert.throws(() => b.trySpend(0, 1, 0), code('invalid_argument'));
  } finally {
    b.free();
  }
  const slow = new nexus.Budget(9600);
  try {
    assert.equal(slow.trySpend('services', 10, 0), false);
    assert.equal(slow.trySpend('services', 10, 0, true), true);
    assert.equal(slow.trySpend('routing', 10, 0), true);
    assert.equal(slow.stats('services').refusedPush, 1);
  } finally {
    slow.free();
  }
});
