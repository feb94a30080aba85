'use strict';
// nexus WASM framing, path cost and announce extension. Independent truth: HDLC and KISS frames
// written out by hand from the framing spec (../shared/spec/reticulum-framing.md "Framing on byte
// streams"), the decoders fed one stream in every chunking; cost and bandwidth codes against the
// spec's formulas computed here with Math.log2 on values away from rounding boundaries;
// CompactPathCost and extension bytes written by hand.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const wasmDir = process.env.NEXUS_WASM_DIR || path.join(root, 'build', 'wasm');
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const code = (c) => (e) => e.name === 'NexusError' && e.code === c;

let nexus;
test.before(async () => {
  nexus = await require(path.join(wasmDir, 'nexus.js')).load();
});

function* chunkings(stream) {
  for (let size = 1; size <= stream.length; ++size) {
    const chunks = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
    yield chunks;
  }
}

test('HDLC by hand', () => {
  // 01 7E 02 7D 03 -> 7E 01 7D5E 02 7D5D 03 7E
  assert.equal(hex(nexus.hdlcEncode(unhex('017e027d03'))), '7e017d5e027d5d037e');
  assert.equal(hex(nexus.hdlcEncode(new Uint8Array(0))), '7e7e');
  // Junk, the frame, a frame sharing its flag (AA), an empty frame, a bad escape, then BB.
  const stream = unhex('5566' + '7e017d5e027d5d037e' + 'aa7e' + '7e' + '107d41117e' + 'bb7e');
  for (const chunks of chunkings(stream)) {
    const d = new nexus.HdlcDecoder();
    const frames = chunks.flatMap((c) => d.feed(c)).map(hex);
    assert.deepEqual(frames, ['017e027d03', 'aa', 'bb']);
    assert.deepEqual(d.stats, { frames: 3, oversized: 0, invalidEscapes: 1, ignored: 0, discarded: 2 });
    d.free();
  }
  const d = new nexus.HdlcDecoder();
  const long = new Uint8Array(nexus.FRAME_CAPACITY + 3).fill(0x33);
  long[0] = 0x7e;
  long[long.length - 1] = 0x7e;
  assert.deepEqual(d.feed(long), []);
  assert.equal(d.stats.oversized, 1);
  d.reset();
  assert.deepEqual(d.feed(unhex('447e')), []);
  assert.equal(d.stats.discarded, 1);
  const payload = new Uint8Array(700).map((_, i) => (i * 31) & 0xff);
  assert.deepEqual(d.feed(nexus.hdlcEncode(payload)), [payload]);
  d.free();
  assert.throws(() => d.feed(payload), code('bad_state'));
});

test('KISS by hand', () => {
  // 01 C0 02 DB 03 -> C0 00 01 DBDC 02 DBDD 03 C0; port 3 -> command byte 0x30.
  assert.equal(hex(nexus.kissEncode(unhex('01c002db03'))), 'c00001dbdc02dbdd03c0');
  assert.equal(hex(nexus.kissEncode(unhex('01'), 3)), 'c03001c0');
  for (const port of [12, 16, -1]) {
    assert.throws(() => nexus.kissEncode(unhex('01'), port), code('invalid_argument'));
  }
  const stream = unhex('99' + 'c00001dbdc02dbdd03c0' + '30aac0' + '01bbc0' + '00db41c0' + '00ccc0');
  const cases = [
    [0, ['01c002db03', 'cc'], 2, 1],
    [nexus.KISS_ANY_PORT, ['01c002db03', 'aa', 'cc'], 1, 1],
    [3, ['aa'], 4, 0], // for port 3 the port-0 frames, the bad escape's included, are ignored unread
  ];
  for (const chunks of chunkings(stream)) {
    for (const [port, expect, ignored, bad] of cases) {
      const d = new nexus.KissDecoder(port);
      assert.deepEqual(chunks.flatMap((c) => d.feed(c)).map(hex), expect);
      const stats = { frames: expect.length, oversized: 0, invalidEscapes: bad, ignored, discarded: 1 };
      assert.deepEqual(d.stats, stats);
      d.free();
    }
  }
  assert.throws(() => new nexus.KissDecoder(16), code('invalid_argument'));
});

const farFromHalf = (x) => Math.abs(x - Math.floor(x) - 0.5) > 0.01;

test('cost and bandwidth codes against Math.log2', () => {
  let x = 0x9e3779b9;
  let checked = 0;
  for (let i = 0; i < 3000; ++i) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    const v = Math.floor(x / 2 ** (i % 32)) * 2 ** (i % 20); // up to ~2^51: exact in a double
    const c = 16 * Math.log2(v + 1);
    if (farFromHalf(c)) {
      assert.equal(nexus.encodeCost(v), Math.round(c));
      ++checked;
    }
    if (v >= 1) {
      const b = 8 * Math.log2(v);
      if (farFromHalf(b)) assert.equal(nexus.encodeBandwidth(v), Math.min(Math.round(b), 255));
    }
  }
  assert.ok(checked > 2500);
  for (let c = 0; c < 600; ++c) {
    const d = 2 ** (c / 16);
    if (farFromHalf(d)) assert.equal(nexus.decodeCost(c), BigInt(Math.round(d) - 1));
  }
  for (let c = 0; c < 256; ++c) {
    const d = 2 ** (c / 8);
    if (farFromHalf(d)) assert.equal(nexus.decodeBandwidth(c), Math.round(d));
  }
  assert.deepEqual([0, 1, 3, 15, 255].map(nexus.encodeCost), [0, 16, 32, 64, 128]);
  assert.deepEqual([0, 1, 2, 256, 1000000].map(nexus.encodeBandwidth), [0, 0, 8, 64, 159]);
  assert.equal(nexus.encodeCost(0xffffffffffffffffn), 1024);
  assert.equal(nexus.decodeCost(0xffff), 0xffffffffffffffffn);
  assert.equal(nexus.decodeBandwidth(255), 3938502376);
  assert.throws(() => nexus.encodeCost(-1), TypeError);
});

test('CompactPathCost and the relay update by hand', () => {
  const c = { cumulativeCost: 0x1234, worstLatencyMs: 0x0250, bottleneckBps: 0x9f, hopCount: 3 };
  assert.equal(hex(nexus.encodePathCost(c)), '3412' + '5002' + '9f' + '03'); // u16 little-endian
  assert.deepEqual(nexus.decodePathCost(unhex('341250029f03')), c);
  assert.throws(() => nexus.decodePathCost(new Uint8Array(5)), code('truncated'));
  assert.throws(() => nexus.decodePathCost(new Uint8Array(7)), code('invalid_length'));
  assert.throws(() => nexus.encodePathCost({ ...c, hopCount: 256 }), code('invalid_argument'));
  const origin = nexus.pathCostOrigin();
  assert.deepEqual(origin, { cumulativeCost: 0, worstLatencyMs: 0, bottleneckBps: 255, hopCount: 0 });
  // 15 uNXS/B (code 64) at 20 ms and 1 Mbps (code 159); then 16 more (31 -> 80) at 5 ms, 256 bps (64).
  const one = nexus.relayUpdate(origin, { costPerByte: 15, latencyMs: 20, bps: 1000000 });
  assert.deepEqual(one, { cumulativeCost: 64, worstLatencyMs: 20, bottleneckBps: 159, hopCount: 1 });
  const two = nexus.relayUpdate(one, { costPerByte: 16, latencyMs: 5, bps: 256 });
  assert.deepEqual(two, { cumulativeCost: 80, worstLatencyMs: 20, bottleneckBps: 64, hopCount: 2 });
  const sat = nexus.relayUpdate({ cumulativeCost: 5, worstLatencyMs: 0, bottleneckBps: 9, hopCount: 255 },
    { latencyMs: 100000, bps: 1000000 });
  assert.deepEqual(sat, { cumulativeCost: 5, worstLatencyMs: 0xffff, bottleneckBps: 9, hopCount: 255 });
});

test('announce extension by hand', () => {
  const cost = { cumulativeCost: 80, worstLatencyMs: 20, bottleneckBps: 64, hopCount: 2 };
  const tlvs = [
    { type: 1, data: unhex('0807060504030201') },
    { type: 2, data: unhex('f401') },
    { type: 0x77, data: unhex('abcdef') },
  ];
  const raw = nexus.buildAnnounceExt(cost, tlvs);
  assert.equal(hex(raw), '4e01' + '500014004002' + '01080807060504030201' + '0202f401' + '7703abcdef');
  assert.equal(hex(nexus.buildAnnounceExt(cost)), '4e01500014004002');
  assert.ok(nexus.isNexusExtension(raw));
  assert.ok(!nexus.isNexusExtension(raw.slice(0, 7)));
  const ext = nexus.parseAnnounceExt(raw);
  assert.equal(ext.version, 1);
  assert.deepEqual(ext.pathCost, cost);
  assert.deepEqual(ext.tlvs.map((t) => [t.type, hex(t.data)]), tlvs.map((t) => [t.type, hex(t.data)]));
  assert.equal(ext.lamportTimestamp, 0x0102030405060708n);
  assert.equal(ext.pathMtu, 500);
  assert.equal(ext.capabilities, null);
  assert.throws(() => nexus.buildAnnounceExt(cost, [{ type: 1, data: new Uint8Array(256) }]),
    code('invalid_length'));
  const bad = (edit) => { const b = raw.slice(); edit(b); return b; };
  assert.throws(() => nexus.parseAnnounceExt(new Uint8Array(0)), code('truncated'));
  assert.throws(() => nexus.parseAnnounceExt(bad((b) => { b[0] = 0x4f; })), code('bad_encoding'));
  assert.throws(() => nexus.parseAnnounceExt(raw.slice(0, 7)), code('truncated'));
  assert.throws(() => nexus.parseAnnounceExt(bad((b) => { b[1] = 0; })), code('bad_encoding'));
  assert.throws(() => nexus.parseAnnounceExt(bad((b) => { b[1] = 2; })), code('unsupported'));
  assert.throws(() => nexus.parseAnnounceExt(raw.slice(0, raw.length - 1)), code('truncated'));
  const wrong = nexus.parseAnnounceExt(unhex('4e01500014004002' + '0107' + '00'.repeat(7)));
  assert.equal(wrong.lamportTimestamp, undefined);

  // It rides in an announce's app data.
  const me = nexus.Identity.fromSeed(new Uint8Array(32).fill(9));
  const info = nexus.parseAnnounce(me.announce('nexus.test.ext', { appData: raw }));
  assert.deepEqual(nexus.parseAnnounceExt(info.appData).pathCost, cost);
});
