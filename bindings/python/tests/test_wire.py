"""nexus framing, path cost and the announce extension from Python. Independent truth: HDLC and
KISS frames written out by hand from the framing spec (../shared/spec/reticulum-framing.md
"Framing on byte streams"), the decoders fed one stream in every chunking; cost and bandwidth
codes against the spec's formulas computed here with math.log2 on values away from rounding
boundaries; CompactPathCost and extension bytes written by hand."""
import math
import random

import pytest

import nexus
from nexus import AnnounceExtension, HdlcDecoder, KissDecoder, PathCost, hdlc_encode, kiss_encode
from nexus import wire


def chunkings(stream):
    for size in range(1, len(stream) + 1):
        yield [stream[i:i + size] for i in range(0, len(stream), size)]


def test_hdlc_encode_by_hand():
    # 01 7E 02 7D 03 -> 7E 01 7D5E 02 7D5D 03 7E
    assert hdlc_encode(bytes.fromhex("017e027d03")) == bytes.fromhex("7e017d5e027d5d037e")
    assert hdlc_encode(b"") == b"\x7e\x7e"
    assert hdlc_encode(bytearray(b"\x7d")) == bytes.fromhex("7e7d5d7e")
    with pytest.raises(TypeError):
        hdlc_encode("text")


def test_hdlc_decoder_stream():
    # Junk, the frame, a frame sharing its flag (AA), an empty frame, a bad escape (7D 41,
    # dropped), then BB.
    stream = bytes.fromhex("5566" "7e017d5e027d5d037e" "aa7e" "7e" "107d41117e" "bb7e")
    for chunks in chunkings(stream):
        d = HdlcDecoder()
        frames = [f for c in chunks for f in d.feed(c)]
        assert frames == [bytes.fromhex("017e027d03"), b"\xaa", b"\xbb"]
        assert (d.frames, d.discarded, d.invalid_escapes, d.oversized) == (3, 2, 1, 0)
        assert d.synchronised
    d = HdlcDecoder()
    assert d.feed(b"\x7e" + b"\x33" * (wire.FRAME_CAPACITY + 1) + b"\x7e") == []
    assert d.oversized == 1
    assert d.feed(b"\x44\x7e") == [b"\x44"]  # resynchronised at the flag that ended the long frame
    d.reset()
    assert not d.synchronised and d.feed(b"\x44\x7e") == [] and d.discarded == 1
    payload = bytes(random.Random(5).randrange(256) for _ in range(700))
    assert HdlcDecoder().feed(hdlc_encode(payload)) == [payload]


def test_kiss_by_hand():
    # 01 C0 02 DB 03 -> C0 00 01 DBDC 02 DBDD 03 C0; port 3 -> command byte 0x30.
    assert kiss_encode(bytes.fromhex("01c002db03")) == bytes.fromhex("c00001dbdc02dbdd03c0")
    assert kiss_encode(b"\x01", port=3) == bytes.fromhex("c03001c0")
    for port in (12, 16, -1):
        with pytest.raises(ValueError):
            kiss_encode(b"\x01", port=port)
    # Junk, the frame, a port-3 data frame (30 AA), a non-data command (01 BB), a bad escape
    # (DB 41), then 00 CC.
    stream = bytes.fromhex("99" "c00001dbdc02dbdd03c0" "30aac0" "01bbc0" "00db41c0" "00ccc0")
    for chunks in chunkings(stream):
        # For port 3 the port-0 frames, the bad escape's included, are ignored unread.
        first = bytes.fromhex("01c002db03")
        for port, expect, ignored, bad in ((0, [first, b"\xcc"], 2, 1),
                                           (wire.KISS_ANY_PORT, [first, b"\xaa", b"\xcc"], 1, 1),
                                           (3, [b"\xaa"], 4, 0)):
            d = KissDecoder(port)
            assert [f for c in chunks for f in d.feed(c)] == expect
            counters = (d.frames, d.ignored, d.invalid_escapes, d.discarded, d.port)
            assert counters == (len(expect), ignored, bad, 1, port)
    with pytest.raises(ValueError):
        KissDecoder(16)
    payload = bytes(random.Random(6).randrange(256) for _ in range(700))
    assert KissDecoder(5).feed(kiss_encode(payload, 5)) == [payload]


def far_from_half(x):
    return abs(x - math.floor(x) - 0.5) > 0.01


def test_codes_against_log2():
    rng = random.Random(11)
    checked = 0
    for i in range(5000):
        v = rng.getrandbits(1 + i % 40)
        c = 16 * math.log2(v + 1)
        if far_from_half(c):
            assert wire.encode_cost(v) == round(c)
            checked += 1
        if v >= 1:
            b = 8 * math.log2(v)
            if far_from_half(b):
                assert wire.encode_bandwidth(v) == min(round(b), 255)
    assert checked > 4500
    for code in range(600):
        d = 2 ** (code / 16)
        if far_from_half(d):
            assert wire.decode_cost(code) == round(d) - 1
    for code in range(256):
        d = 2 ** (code / 8)
        if far_from_half(d):
            assert wire.decode_bandwidth(code) == round(d)
    # Hand-picked: log2 of powers of two.
    assert [wire.encode_cost(c) for c in (0, 1, 3, 15, 255)] == [0, 16, 32, 64, 128]
    assert [wire.encode_bandwidth(b) for b in (0, 1, 2, 256, 1_000_000)] == [0, 0, 8, 64, 159]
    assert wire.encode_cost(2**64 - 1) == wire.MAX_FINITE_COST_CODE == 1024
    assert wire.decode_cost(0xFFFF) == 2**64 - 1
    assert wire.decode_bandwidth(255) == 3_938_502_376


def test_path_cost():
    c = PathCost(0x1234, 0x0250, 0x9F, 3)
    assert c.encode() == bytes.fromhex("3412" "5002" "9f" "03")  # u16 little-endian
    assert PathCost.decode(bytes.fromhex("341250029f03")) == c
    with pytest.raises(ValueError):
        PathCost.decode(bytes(5))
    with pytest.raises(ValueError):
        PathCost.decode(bytes(7))
    with pytest.raises(ValueError):
        PathCost(70000).encode()
    o = PathCost.origin()
    assert o == PathCost(0, 0, 255, 0)
    # A relay costing 15 uNXS/B (code 64) at 20 ms and 1 Mbps (code 159), then one costing 16
    # more (31 -> 16 log2 32 = 80) at 5 ms and 256 bps (code 64).
    one = o.relay_update(15, 20, 1_000_000)
    assert one == PathCost(64, 20, 159, 1)
    two = one.relay_update(16, 5, 256)
    assert two == PathCost(80, 20, 64, 2) and two.cost == 31 and two.bandwidth_bps == 256
    assert PathCost(5, 0, 9, 255).relay_update(0, 100_000, 1_000_000) == PathCost(5, 0xFFFF, 9, 255)


def test_announce_extension():
    cost = PathCost(80, 20, 64, 2)
    raw = AnnounceExtension.build(cost, tlvs=[(0x77, b"\xab\xcd\xef")], lamport_timestamp=0x0102030405060708,
                                  path_mtu=500)
    assert raw == bytes.fromhex("4e01" "500014004002" "01080807060504030201" "0202f401" "7703abcdef")
    assert wire.is_nexus_extension(raw) and not wire.is_nexus_extension(raw[:7])
    ext = AnnounceExtension.parse(raw)
    assert ext.version == 1 and ext.path_cost == cost
    assert ext.tlvs == ((1, bytes.fromhex("0807060504030201")), (2, b"\xf4\x01"), (0x77, b"\xab\xcd\xef"))
    assert ext.lamport_timestamp == 0x0102030405060708 and ext.path_mtu == 500 and ext.capabilities is None
    assert AnnounceExtension.build(cost) == bytes.fromhex("4e01500014004002")
    assert AnnounceExtension.build(cost, capabilities=3) == bytes.fromhex("4e01500014004002" "03020300")
    with pytest.raises(ValueError):
        AnnounceExtension.build(cost, tlvs=[(1, bytes(256))])
    with pytest.raises(ValueError):
        AnnounceExtension.build(cost, tlvs=[(256, b"")])
    for bad, why in ((b"", "truncated"), (b"\x4f" + raw[1:], "bad encoding"), (raw[:7], "truncated"),
                     (raw[:1] + b"\x00" + raw[2:], "bad encoding"),
                     (raw[:1] + b"\x02" + raw[2:], "unsupported"),
                     (raw[:-1], "truncated")):
        with pytest.raises(ValueError) as info:
            AnnounceExtension.parse(bad)
        assert why in str(info.value)
    wrong = AnnounceExtension.parse(bytes.fromhex("4e01500014004002" "0107" + "00" * 7))
    with pytest.raises(ValueError):
        wrong.lamport_timestamp

    # The extension rides in an announce's app data and survives validation unchanged.
    me = nexus.Identity.from_seed(bytes([9]) * 32)
    info = nexus.Announce.parse(nexus.Announce.build(me, "nexus.test.ext", app_data=raw))
    assert AnnounceExtension.parse(info.app_data) == ext
