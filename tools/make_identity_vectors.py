#!/usr/bin/env python3
"""Writes test-vectors/identity.json: NEXUS-profile identities, destinations and announces computed
by an implementation independent of nexus (Python's hashlib BLAKE2b, the `cryptography` package's
Ed25519/X25519, and the RFC 7748 birational map in plain integers). The C++, C, Python and WASM
tests compare nexus against this file. Reticulum-profile truth comes from the reference
implementation instead (../shared/vectors/reticulum/announces.json).

Usage: python3 tools/make_identity_vectors.py > test-vectors/identity.json
"""
import hashlib
import json
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

P = 2**255 - 19
RAW = serialization.Encoding.Raw
RAW_PUB = serialization.PublicFormat.Raw


def blake2b256(*parts):
    h = hashlib.blake2b(digest_size=32)
    for p in parts:
        h.update(p)
    return h.digest()


def identity_from_seed(seed):
    sk = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    ed_pub = sk.public_key().public_bytes(RAW, RAW_PUB)
    # X25519 secret: the clamped first half of SHA-512(seed) (RFC 8032 §5.1.5 expansion).
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    x_sk = x25519.X25519PrivateKey.from_private_bytes(bytes(h))
    x_pub = x_sk.public_key().public_bytes(RAW, RAW_PUB)
    # The same key through the Edwards -> Montgomery map u = (1 + y) / (1 - y).
    y = int.from_bytes(ed_pub, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, P - 2, P) % P
    assert u.to_bytes(32, "little") == x_pub, "birational map disagrees with X25519(seed)"
    return sk, x_pub + ed_pub, bytes(h)


def announce(sk, public_key, name, random_hash, ratchet=b"", app_data=b""):
    name_hash = blake2b256(name.encode())[:10]
    identity_hash = blake2b256(public_key)[:16]
    dest = blake2b256(name_hash, identity_hash)[:16]
    signed = dest + public_key + name_hash + random_hash + ratchet + app_data
    sig = sk.sign(signed)
    flags = 0x01 | (0x20 if ratchet else 0)
    raw = bytes([flags, 0]) + dest + b"\x00" + public_key + name_hash + random_hash + ratchet + sig + app_data
    packet_hash = blake2b256(bytes([flags & 0x0F]), raw[2:])
    return {
        "full_name": name,
        "random_hash": random_hash.hex(),
        "ratchet": ratchet.hex(),
        "app_data": app_data.hex(),
        "name_hash": name_hash.hex(),
        "destination_hash": dest.hex(),
        "packet_hash": packet_hash.hex(),
        "raw": raw.hex(),
    }


def main():
    cases = []
    for i, (name, app) in enumerate([("nexus.test.0", b""), ("chat.inbox", b"hello"),
                                     ("nexus.relay.lora", bytes([0x4E, 1, 0, 0, 0, 0, 0, 0]))]):
        seed = hashlib.sha256(b"nexus identity vector %d" % i).digest()
        sk, public_key, x_secret = identity_from_seed(seed)
        random_hash = hashlib.sha256(b"random %d" % i).digest()[:5] + struct.pack(">Q", 1_700_000_000 + i)[3:]
        ratchet = hashlib.sha256(b"ratchet %d" % i).digest() if i == 1 else b""
        cases.append({
            "seed": seed.hex(),
            "x25519_secret": x_secret.hex(),
            "public_key": public_key.hex(),
            "identity_hash": blake2b256(public_key)[:16].hex(),
            "announce": announce(sk, public_key, name, random_hash, ratchet, app),
        })
    print(json.dumps({
        "made_by": "tools/make_identity_vectors.py (hashlib BLAKE2b + cryptography Ed25519/X25519)",
        "profile": "nexus",
        "cases": cases,
    }, indent=1))


if __name__ == "__main__":
    main()
