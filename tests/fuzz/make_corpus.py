#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets in tests/fuzz from test-vectors/*.json.

    make_corpus.py TEST_VECTORS_DIR OUT_DIR     ->  OUT_DIR/<target>/seed-NNN

Each seed is laid out the way its target reads its input (see the comment at the top of each
*_fuzz.cpp), so the fuzzer starts from valid keys, signatures, ciphertexts and encodings
instead of having to find them: most of the crypto code is constant time and gives libFuzzer
no coverage signal to climb towards a valid signature or tag on its own.
"""
import json
import os
import sys


def load(vectors, name):
    path = os.path.join(vectors, name + ".json")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f).get("cases", [])


def h(s):
    return bytes.fromhex(s or "")


def write(out, target, seeds):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(s)
    return len(seeds)


def ed25519(vectors):
    seeds = []
    for c in load(vectors, "ed25519"):
        pk, sig, msg = h(c["public_key"]), h(c["signature"]), h(c["message"])
        seeds.append(pk + sig + msg)  # a valid signature through verify
        bad = bytearray(sig)
        bad[63] ^= 0x10  # S >= L: the non-canonical branch
        seeds.append(pk + bytes(bad) + msg)
        seeds.append(b"\x01" + h(c["secret_key"])[:32] + b"\x00\x07" + msg)  # sign mode
    return seeds


def ecvrf(vectors):
    # Verify mode: public key (32) || proof (80) || alpha; prove mode: 0x01 || seed || flip (2) || alpha.
    seeds = []
    for c in load(vectors, "ecvrf"):
        seeds.append(h(c["pk"]) + h(c["pi"]) + h(c["alpha"]))
        seeds.append(b"\x01" + h(c["sk"])[:32] + b"\x00\x05" + h(c["alpha"]))
    return seeds


def aead(vectors):
    seeds = []
    for mode, name in ((0, "chacha20_poly1305"), (1, "xchacha20_poly1305")):
        for c in load(vectors, name):
            ad = h(c["aad"])[:255]
            body = h(c["key"]) + h(c["nonce"]) + bytes([len(ad)]) + ad + b"\x01\x23"
            seeds.append(bytes([mode]) + body + h(c["ciphertext"]) + h(c["tag"]))  # opens
            seeds.append(bytes([mode | 2]) + body + h(c["plaintext"]))  # in-place round trip
    return seeds


def x25519(vectors):
    seeds = []
    for c in load(vectors, "x25519"):
        if c.get("type") == "function":
            seeds.append(h(c["scalar"]) + h(c["scalar"])[::-1] + h(c["u"]))
        elif "alice_secret" in c:
            seeds.append(h(c["alice_secret"]) + h(c["bob_secret"]) + h(c["bob_public"]))
    # Small-order and non-canonical peers: u = 0, 1, p - 1, p, p + 1, 2^255 - 1.
    p = 2**255 - 19
    for u in (0, 1, p - 1, p, p + 1, 2**255 - 1):
        seeds.append(bytes(range(1, 33)) + bytes(range(33, 65)) + u.to_bytes(32, "little"))
    return seeds


def hash_seeds(vectors):
    # Header: repeat, BLAKE2b digest size, key length, 160 key bytes, BLAKE3 output length (2),
    # seek offset (2), number of cuts, cuts (2 each); then the message base.
    def seed(msg, repeat=0, digest=64, key_len=32, out_len=31, offset=0, cuts=()):
        head = bytes([repeat, digest, key_len]) + bytes(range(160))
        head += out_len.to_bytes(2, "big") + offset.to_bytes(2, "big") + bytes([len(cuts)])
        return head + b"".join(c.to_bytes(2, "big") for c in cuts) + msg

    seeds = []
    for c in load(vectors, "sha2")[:6]:
        if "msg" in c:
            seeds.append(seed(h(c["msg"]), cuts=(1, 64, 65)))
    for c in load(vectors, "blake2b")[:4]:
        seeds.append(seed(h(c["in"]), digest=len(h(c["out"])), key_len=len(h(c["key"])), cuts=(3,)))
    # Long enough, repeated, for BLAKE3's multi-chunk tree and a seek into the second block.
    seeds.append(seed(bytes(i % 251 for i in range(1025)), repeat=7, out_len=200, offset=100,
                      cuts=(1024, 2048, 4096, 5000)))
    seeds.append(seed(b"", digest=0, key_len=65))  # invalid BLAKE2b lengths
    return seeds


def hex_seeds(vectors):
    seeds = [c["hex"].encode() for c in load(vectors, "hex")]
    with open(os.path.join(vectors, "hex.json"), encoding="utf-8") as f:
        d = json.load(f)
    seeds += [c["hex"].encode() for c in d.get("upper_case_accepted", [])]
    seeds += [s.encode() for s in d.get("invalid", [])]
    seeds += [c["signature"].encode() for c in load(vectors, "ed25519")[:2]]
    return seeds


def byte_reader_seeds():
    # Op count, ops (0..10; bytes/copy_to/skip take a length byte), then data.
    data = bytes(range(64))
    return [
        bytes([11]) + bytes([0, 1, 2, 3, 4, 5, 6, 7, 5, 8, 6]) + data[:40],
        bytes([7]) + bytes([7, 200, 9, 3, 8, 12, 10]) + data,
        bytes([3]) + bytes([6, 6, 6]) + data[:13],  # the third read does not fit
    ]


# ---- wire framing and announce extension (hdlc, kiss, announce_ext) ----------------------------
# Hand-made streams: first byte = chunk seed (kiss: low 5 bits also pick the port filter, 16..31 =
# any port), then frames with escapes, shared flags, empty frames, a bad escape, an oversized frame
# (> 64 bytes) and garbage before the first flag. announce_ext seeds are whole app-data fields.


def hdlc_seeds():
    def frame(p):
        return b"\x7e" + p.replace(b"\x7d", b"\x7d\x5d").replace(b"\x7e", b"\x7d\x5e") + b"\x7e"

    return [
        b"\x01" + frame(bytes([1, 0x7E, 2, 0x7D, 3])) + frame(b"A"),
        b"\x07" + b"junk" + frame(b"B" * 20)[:-1] + frame(b"C") + b"\x7e\x7e",
        b"\x10" + frame(bytes(range(100))) + b"\x7e\x01\x7d\x41\x7e" + frame(b"D"),
    ]


def kiss_seeds():
    def frame(p, cmd=0):
        return b"\xc0" + bytes([cmd]) + p.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"

    return [
        b"\x00" + frame(bytes([1, 0xC0, 2, 0xDB, 3])) + frame(b"A"),
        b"\x13" + b"\xdb\xdc" + frame(b"B", 0x10) + frame(b"\x05", 0x01) + frame(b"C") + b"\xc0\x00\xc0",
        b"\x02" + frame(bytes(range(100)), 0x20) + b"\xc0\x20\xdb\x41\xc0" + frame(b"D", 0x20),
    ]


def announce_ext_seeds():
    head = b"\x4e\x01" + bytes([0x02, 0x01, 0x04, 0x03, 0x05, 0x06])
    tlvs = bytes.fromhex("01088877665544332211" "0202f401" "03020300")
    return [
        head + tlvs,
        head,
        head + b"\x7f\x03abc" + b"\xee\x00",
        b"\x4e\x02" + head[2:] + b"\xff\xff",  # later version
        head + b"\x01\x08\x00",  # truncated TLV
    ]


def path_request_seeds(vectors):
    # Mode byte: even = path request data, odd = raw packet (bits 1.. = the hops of the answer).
    seeds = []
    for c in load(vectors, "path_request"):
        seeds.append(b"\x00" + h(c["data"]))
        if c.get("raw"):
            seeds.append(b"\x03" + h(c["raw"]))
    dest, via = bytes(range(16)), bytes(range(100, 116))
    seeds.append(b"\x05" + b"\x01\x00" + dest + b"\x0b" + bytes(148))  # announce answering a request
    seeds.append(b"\x07" + b"\x71\x02" + via + dest + b"\x00" + bytes(180))  # HEADER_2, ratchet bit
    seeds.append(b"\x09" + b"\x01\x00" + dest + b"\x00" + bytes(466))  # 485 bytes: no room for HEADER_2
    return seeds


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vectors, out = sys.argv[1], sys.argv[2]
    n = 0
    n += write(out, "ed25519_verify", ed25519(vectors))
    n += write(out, "ecvrf_verify", ecvrf(vectors))
    n += write(out, "aead_open", aead(vectors))
    n += write(out, "x25519", x25519(vectors))
    n += write(out, "hash", hash_seeds(vectors))
    n += write(out, "hex_decode", hex_seeds(vectors) if os.path.exists(os.path.join(vectors, "hex.json")) else [b"00"])
    n += write(out, "byte_reader", byte_reader_seeds())
    n += write(out, "hdlc", hdlc_seeds())
    n += write(out, "kiss", kiss_seeds())
    n += write(out, "announce_ext", announce_ext_seeds())
    n += write(out, "path_request", path_request_seeds(vectors))
    print("wrote %d seeds to %s" % (n, out))


if __name__ == "__main__":
    main()


# ---- protocol: packet, announce, link (packet_fuzz, announce_fuzz, link_fuzz) ---------------------
# Self-contained seeds (no vector files), written after main() has run, into the same OUT_DIR.
# announce: mode byte 0 = raw packet (valid announces signed here when python3-cryptography is
# installed), 1 / 3 = structured (nexus / reticulum profile): seed (32), name hash (10), random
# hash (10), ratchet flag (1), ratchet (32), context (1), app data length (2, big-endian), app
# data, mutation count (1), then per mutation position (2, big-endian) and XOR mask (1).
# link: initiator seed, responder seed, config byte, then ops (see link_fuzz.cpp).


def packet_seeds():
    dest, via = bytes(range(16)), bytes(range(100, 116))
    return [
        b"\x00\x00" + dest + b"\x00" + b"hello",  # HEADER_1 data to a single destination
        b"\x51\x03" + via + dest + b"\x0b" + bytes(148),  # HEADER_2 announce, path response
        b"\x02\x00" + dest + b"\x00" + bytes(64),  # link request
        b"\x0f\x00" + dest + b"\xff" + bytes(96),  # link proof
        b"\x80\x00" + dest + b"\x00",  # IFAC: unsupported
        b"\x40\x00" + dest,  # HEADER_2 cut short
        b"\x0c\x05" + dest + b"\xfe" + bytes(477),  # 500 bytes exactly
    ]


def signed_announces():
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        return []
    import hashlib

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    seeds = []
    for i, (digest, ratchet, app) in enumerate(
        (
            (lambda b: hashlib.sha256(b).digest(), b"", b""),
            (lambda b: hashlib.sha256(b).digest(), bytes(range(32)), b"\x4e\x01" + bytes(6)),
            (lambda b: hashlib.blake2b(b, digest_size=32).digest(), b"", b"app data"),
            (lambda b: hashlib.blake2b(b, digest_size=32).digest(), bytes(range(32, 64)), b""),
        )
    ):
        key = Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32)
        pk = bytes(range(32)) + key.public_key().public_bytes(*raw)  # X25519 half: any 32 bytes
        name = digest(b"nexus.fuzz.announce")[:10]
        dest = digest(name + digest(pk)[:16])[:16]
        random = bytes([i] * 5) + (1700000000 + i).to_bytes(5, "big")
        sig = key.sign(dest + pk + name + random + ratchet + app)
        flags = 0x21 if ratchet else 0x01
        seeds.append(b"\x00" + bytes([flags, 0]) + dest + b"\x00" + pk + name + random + ratchet + sig + app)
    return seeds


def announce_seeds():
    def structured(mode, ratchet, ctx, app, mutations=()):
        s = bytes([mode]) + bytes(range(7, 39)) + bytes(range(10))  # mode, seed, name hash
        s += bytes(5) + (1700000000).to_bytes(5, "big")  # random hash
        s += bytes([1 if ratchet else 0]) + bytes(range(50, 82)) + bytes([ctx])
        s += len(app).to_bytes(2, "big") + app + bytes([len(mutations)])
        return s + b"".join(p.to_bytes(2, "big") + bytes([m]) for p, m in mutations)

    ext = b"\x4e\x01" + bytes([2, 1, 4, 3, 5, 6])
    return signed_announces() + [
        structured(1, False, 0, b""),
        structured(3, True, 0x0B, ext),
        structured(1, True, 0, ext, [(1, 0x05), (18, 0x0B)]),  # unsigned bytes only: still valid
        structured(3, False, 0, b"x", [(0, 0x10)]),  # transport-type bit: not signed
        structured(1, False, 0, b"", [(100, 0x01)]),  # inside the signed region: invalid
        structured(1, False, 0, bytes(400)),  # too big for the MTU
    ]


def link_seeds():
    A, B = 0, 8  # the side bit of an op
    # Request -> responder, responder polls (proof), proof -> initiator, initiator polls (RTT), RTT
    # -> responder.
    handshake = bytes([A | 2, 0, B | 0, B | 2, 0, A | 0, A | 2, 1])
    talk = bytes([A | 1, 0, 5]) + b"hello" + bytes([A | 2, 2, A | 2, 2])  # data, then its replay
    talk += bytes([B | 1, 0x0E, 3]) + b"abc" + bytes([B | 2, 1])
    identify = bytes([A | 7, 2, A | 0, A | 2, 3])
    rotate = bytes([A | 7, 0, A | 0, A | 2, 4, B | 0, B | 2, 2])
    idle = bytes([B | 6, 0, 121, A | 0, A | 2, 5, B | 0, B | 2, 3])
    close = bytes([A | 7, 1, A | 0, A | 2, 6])
    mutate = bytes([A | 3, 2, 0, 0, 30, 0x40])  # the data packet, one ciphertext bit flipped
    mutate += bytes([A | 4, 10]) + bytes(20) + bytes([B | 5, 0, 0x00, 20]) + bytes(40)  # raw, forged
    return [
        bytes([1, 2, 0]) + handshake + talk + identify + rotate + idle + close,
        bytes([3, 4, 1]) + handshake + talk + identify + talk,  # require_identify: data refused first
        bytes([5, 6, 0x13]) + handshake + talk + mutate + bytes([B | 6, 0, 9, A | 0, B | 0]),
        bytes([7, 8, 0]) + bytes([A | 2, 0, A | 2, 0, B | 0, B | 2, 0, B | 2, 0]),  # replayed handshake
    ]


# channel: window selector (% 3: 1, 4, 32), config byte (bits 0-1 max_retries, bits 2-7 initial
# RTT / 20 ms), then ops (see channel_fuzz.cpp; bit 3 of an op = side B).
def channel_seeds():
    A, B = 0, 8

    def send(side, ctx, n):  # n payload bytes (even, <= 16 taken from the seed)
        return bytes([side | 3, ctx, n // 2]) + bytes(range(0x40, 0x40 + min(n, 16)))

    def poll(side, forward=1, size=0):
        return bytes([side | 4, size, forward])

    take = bytes([A | 5, B | 5])
    run = bytes([A | 7])
    msg = lambda side, seq, ctx, data: bytes([side | 1]) + seq.to_bytes(2, "big") + bytes([ctx, len(data)]) + data
    ack = lambda side, nxt, mask: bytes([side | 2]) + nxt.to_bytes(2, "big") + mask.to_bytes(4, "big")
    raw = lambda side, data: bytes([side | 0, len(data)]) + data
    wait = lambda ms: bytes([A | 6]) + ms.to_bytes(2, "big")
    exchange = send(A, 7, 6) + send(A, 8, 0) + poll(A) + poll(A) + poll(B) + take + run
    lossy = send(A, 1, 4) + send(A, 2, 4) + send(A, 3, 4) + poll(A, 0) + poll(A) + poll(A) + poll(B) + take
    lossy += wait(400) + poll(A) + poll(B) + take + run
    bad = raw(B, b"") + raw(B, b"\x03\x00") + raw(B, b"\x02\x00\x00\x00") + raw(B, b"\x02" + bytes(7))
    bad += ack(A, 9, 0) + ack(A, 0, 0xFFFFFFFF) + msg(B, 2, 5, b"two") + msg(B, 0, 5, b"zero")
    bad += msg(B, 0, 5, b"again") + poll(B, 1, 3) + poll(B) + take
    return [
        b"\x01\x16" + exchange,
        b"\x01\x16" + lossy + bad,
        b"\x00\x15" + exchange + lossy,
        b"\x02\x00" + exchange + send(B, 9, 16) * 4 + run + take,
        b"\x01\x14" + send(A, 1, 2) + poll(A, 0) + wait(300) + poll(A, 0) + run,  # dead pipe: fails
        b"\x02\x16" + send(A, 1, 200) + poll(A, 1, 20) + poll(A) + poll(B) + take,  # short buffer
    ]


if __name__ == "__main__":
    protocol_out = sys.argv[2]
    m = write(protocol_out, "packet", packet_seeds())
    m += write(protocol_out, "announce", announce_seeds())
    m += write(protocol_out, "link", link_seeds())
    m += write(protocol_out, "channel", channel_seeds())
    print("wrote %d protocol seeds to %s" % (m, protocol_out))
