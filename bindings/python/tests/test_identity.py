"""nexus identities, packets and announces from Python: the Reticulum reference announces
(../shared/vectors/reticulum/announces.json, skipped when absent) and the independently made
NEXUS-profile vectors (test-vectors/identity.json) rebuilt byte for byte from their private keys;
packets against hand-written layouts; packet and address hashes against hashlib; sealed keys; the
error contract."""
import hashlib
import time

import pytest

import nexus
import nexus.crypto as nc
from conftest import load_shared, load_vectors
from nexus import Announce, DestinationType, HeaderType, Identity, Packet, PacketType, TransportType

# Offsets in a HEADER_1 announce, from the framing spec.
DEST, CONTEXT, PUB, NAME, RANDOM, RATCHET = 2, 18, 19, 83, 93, 103

HASHES = {
    "nexus": lambda b: hashlib.blake2b(b, digest_size=32).digest(),
    "reticulum": lambda b: hashlib.sha256(b).digest(),
}


def reticulum_cases():
    doc = load_shared("reticulum/announces.json")
    return doc["announces"] + doc["ratchet_announces"]


def nexus_cases():
    doc = load_vectors("identity.json")
    assert doc["profile"] == "nexus"
    return doc["cases"]


def check_announce(identity, case, ann, profile):
    """Identity values, the announce rebuilt from the private key, validate/parse, tampering."""
    digest = HASHES[profile]
    raw = bytes.fromhex(ann["raw"])
    app_data = bytes.fromhex(ann["app_data"] or "")
    assert identity.profile == profile
    assert identity.public_key.hex() == case["public_key"]
    assert identity.hash == digest(identity.public_key)[:16]
    if case.get("identity_hash"):
        assert identity.hash.hex() == case["identity_hash"]
    if ann.get("full_name"):
        nh = nexus.name_hash(ann["full_name"], profile)
        assert nh.hex() == ann["name_hash"]
        assert nh == digest(ann["full_name"].encode())[:10]
        assert identity.destination_hash(ann["full_name"]).hex() == ann["destination_hash"]
    else:
        nh = raw[NAME:NAME + 10]
    assert identity.destination_hash(nh).hex() == ann["destination_hash"]
    assert identity.destination_hash(nh) == digest(nh + identity.hash)[:16]
    assert nexus.destination_hash(nh, identity.hash, profile).hex() == ann["destination_hash"]

    # The layout by hand: flags 0x01 (0x21 with a ratchet), hops 0, destination, public key.
    has_ratchet = bool(raw[0] & 0x20)
    assert raw[0] == (0x21 if has_ratchet else 0x01) and raw[1] == 0
    assert raw[DEST:DEST + 16].hex() == ann["destination_hash"]
    assert raw[PUB:PUB + 64] == identity.public_key
    ratchet = raw[RATCHET:RATCHET + 32] if has_ratchet else None
    sig_at = RATCHET + (32 if has_ratchet else 0)

    rebuilt = Announce.build(identity, nh, random_hash=raw[RANDOM:RANDOM + 10], app_data=app_data,
                             ratchet=ratchet, context=raw[CONTEXT])
    assert rebuilt == raw
    if ann.get("full_name"):
        assert Announce.build(identity, ann["full_name"], random_hash=raw[RANDOM:RANDOM + 10],
                              app_data=app_data, ratchet=ratchet, context=raw[CONTEXT]) == raw

    assert Announce.validate(raw, profile)
    info = Announce.parse(raw, profile)
    assert info.public_key == identity.public_key
    assert info.name_hash == nh
    assert info.random_hash == raw[RANDOM:RANDOM + 10]
    assert info.timestamp == int.from_bytes(raw[RANDOM + 5:RANDOM + 10], "big")
    assert info.ratchet == ratchet
    assert info.app_data == app_data
    assert info.destination_hash.hex() == ann["destination_hash"]
    assert info.identity_hash == identity.hash
    assert info.signature == raw[sig_at:sig_at + 64]
    assert (info.hops, info.context) == (0, raw[CONTEXT])
    # The signed message: destination || public key || name || random || ratchet || app data.
    signed = raw[DEST:DEST + 16] + raw[PUB:sig_at] + raw[sig_at + 64:]
    assert identity.verify(signed, info.signature)
    assert identity.sign(signed) == info.signature
    assert nc.ed25519_verify(identity.public_key[32:], signed, info.signature)

    # The other profile's destination hash differs; a flipped byte anywhere signed fails.
    other = "reticulum" if profile == "nexus" else "nexus"
    assert not Announce.validate(raw, other)
    with pytest.raises(ValueError):
        Announce.parse(raw, other)
    for i in [2, 17, 19, 50, 82, 83, 92, 93, 102, sig_at - 1, sig_at, sig_at + 63, len(raw) - 1]:
        bad = bytearray(raw)
        bad[i] ^= 0x40
        assert not Announce.validate(bytes(bad), profile), i
    assert not Announce.validate(raw[:-1] if app_data else raw[:-65], profile)
    hops = bytearray(raw)
    hops[1] = 5
    assert Announce.parse(bytes(hops), profile).hops == 5  # hops are not signed

    # As a packet: HEADER_1, broadcast, single, announce; round trip; hash by hand.
    p = Packet.decode(raw)
    assert p.packet_type == PacketType.ANNOUNCE == 1
    assert p.destination_type == DestinationType.SINGLE == 0
    assert p.header_type == HeaderType.HEADER_1 == 0
    assert p.transport_type == TransportType.BROADCAST == 0
    assert p.context_flag is has_ratchet and p.ifac is False
    assert (p.hops, p.transport_id, p.context, p.flags) == (0, None, raw[CONTEXT], raw[0])
    assert p.destination_hash.hex() == ann["destination_hash"]
    assert p.data == raw[19:]
    assert p.encode() == raw
    expected = digest(bytes([raw[0] & 0x0F]) + raw[2:])
    assert p.hash(profile) == expected
    if ann.get("packet_hash"):
        assert p.hash(profile).hex() == ann["packet_hash"]
    if profile == "reticulum":
        assert p.hash("reticulum") == hashlib.sha256(bytes([raw[0] & 0x0F]) + raw[2:]).digest()


def test_reticulum_reference_announces():
    cases = reticulum_cases()
    assert len(cases) >= 3
    for case in cases:
        key = bytes.fromhex(case["private_key"])
        identity = Identity.from_private_key(key, profile="reticulum")
        assert identity.private_key() == key
        check_announce(identity, case, case, "reticulum")


@pytest.mark.parametrize("case", nexus_cases(), ids=lambda c: c["announce"]["full_name"])
def test_nexus_profile_vectors(case):
    seed = bytes.fromhex(case["seed"])
    identity = Identity.from_seed(seed)
    assert identity.private_key() == bytes.fromhex(case["x25519_secret"]) + seed
    assert Identity.from_private_key(identity.private_key()) == identity
    check_announce(identity, case, case["announce"], "nexus")


def test_identity_halves_against_crypto():
    seed = bytes(range(32))
    identity = Identity.from_seed(seed, profile="reticulum")
    ed_public, ed_secret = nc.ed25519_keypair(seed)
    assert identity.public_key[32:] == ed_public
    assert identity.public_key[:32] == nc.x25519_public_key(identity.private_key()[:32])
    assert identity.public_key[:32] == nc.ed25519_public_to_x25519(ed_public)
    assert identity.private_key()[:32] == nc.ed25519_secret_to_x25519(ed_secret)
    assert identity.sign(b"m") == nc.ed25519_sign(ed_secret, b"m")
    assert identity.verify(b"m", identity.sign(b"m"))
    assert not identity.verify(b"n", identity.sign(b"m"))
    assert identity.hash == hashlib.sha256(identity.public_key).digest()[:16]
    assert Identity.from_seed(seed).hash == hashlib.blake2b(identity.public_key, digest_size=32).digest()[:16]
    assert Identity.from_seed(seed) != identity  # same key, other profile
    assert "reticulum" in repr(identity) and identity.private_key().hex() not in repr(identity)


def test_generate_is_random_and_consistent():
    a, b = Identity.generate(), Identity.generate(profile="reticulum")
    assert a.public_key != b.public_key and a.profile == "nexus" and b.profile == "reticulum"
    assert Identity.from_private_key(a.private_key()).public_key == a.public_key
    assert len({Identity.generate().hash for _ in range(8)}) == 8


def test_name_and_plain_destination_hashes():
    for profile, digest in HASHES.items():
        assert nexus.name_hash("app.aspect", profile) == digest(b"app.aspect")[:10]
        assert nexus.name_hash(b"app.aspect", profile) == digest(b"app.aspect")[:10]
        assert nexus.name_hash("", profile) == digest(b"")[:10]
        assert nexus.name_hash("h\u00e9.x", profile) == digest("h\u00e9.x".encode())[:10]
        nh = digest(b"app.aspect")[:10]
        assert nexus.plain_destination_hash("app.aspect", profile) == digest(nh)[:16]
        assert nexus.plain_destination_hash(nh, profile) == digest(nh)[:16]
    assert nexus.name_hash("a.b") == nexus.name_hash("a.b", "nexus")


def test_packet_header_2_by_hand():
    # flags 0x58: HEADER_2, transport, plain, data; hops 3; transport id; destination; context 0x0A.
    tid, dest = bytes(range(0xA0, 0xB0)), bytes(range(0xB0, 0xC0))
    raw = bytes([0x58, 3]) + tid + dest + bytes([0x0A]) + b"hi"
    p = Packet.decode(raw)
    assert (p.header_type, p.transport_type, p.destination_type, p.packet_type) == (
        HeaderType.HEADER_2, TransportType.TRANSPORT, DestinationType.PLAIN, PacketType.DATA)
    assert (p.hops, p.transport_id, p.destination_hash, p.context, p.data) == (3, tid, dest, 0x0A, b"hi")
    assert p.encode() == raw and p.flags == 0x58
    # The hash leaves out hops, header type, transport type and the transport id.
    h = hashlib.sha256(bytes([0x08]) + dest + bytes([0x0A]) + b"hi").digest()
    assert p.hash("reticulum") == h
    q = Packet(dest, b"hi", destination_type=DestinationType.PLAIN, hops=9, context=0x0A)
    assert q.encode() == bytes([0x08, 9]) + dest + bytes([0x0A]) + b"hi"
    assert q.hash("reticulum") == h
    assert q.hash() == hashlib.blake2b(bytes([0x08]) + dest + bytes([0x0A]) + b"hi", digest_size=32).digest()
    assert Packet.decode(q.encode()) == q


def test_every_flags_byte_round_trips():
    for b in range(0x80):
        raw = bytes([b, 1]) + bytes(range(33 if b & 0x40 else 17))
        p = Packet.decode(raw)
        assert p.flags == b and p.encode() == raw
        assert (p.packet_type, p.destination_type, p.transport_type, p.context_flag, p.header_type) == (
            b & 3, (b >> 2) & 3, (b >> 4) & 1, bool(b & 0x20), (b >> 6) & 1)


def test_packet_errors():
    with pytest.raises(ValueError):
        Packet.decode(bytes(18))  # shorter than HEADER_1
    with pytest.raises(ValueError):
        Packet.decode(bytes([0x40]) + bytes(33))  # shorter than HEADER_2
    with pytest.raises(ValueError):
        Packet.decode(bytes([0x80]) + bytes(40))  # IFAC
    with pytest.raises(ValueError):
        Packet.decode(bytes(501))
    assert len(Packet.decode(bytes(500)).data) == 481
    with pytest.raises(ValueError):
        Packet(bytes(16), bytes(482)).encode()  # over the MTU
    with pytest.raises(ValueError):
        Packet(bytes(15)).encode()
    with pytest.raises(ValueError):
        Packet(bytes(16), hops=256).encode()
    with pytest.raises(ValueError):
        Packet(bytes(16), context=-1).encode()
    with pytest.raises(ValueError):
        Packet(bytes(16), header_type=HeaderType.HEADER_2).encode()  # no transport id
    with pytest.raises(ValueError):
        Packet(bytes(16), transport_id=bytes(16)).encode()  # HEADER_1 with a transport id
    with pytest.raises(ValueError):
        Packet(bytes(16), ifac=True).encode()
    with pytest.raises(ValueError):
        Packet(bytes(16), packet_type=4)
    with pytest.raises(ValueError):
        Packet.decode(bytes(19)).hash("sha1")
    with pytest.raises(TypeError):
        Packet.decode("00" * 19)


def test_announce_build_defaults_and_limits():
    me = Identity.generate()
    before = int(time.time())
    raw = Announce.build(me, "chat.inbox")
    info = Announce.parse(raw)
    assert before <= info.timestamp <= int(time.time()) + 1
    assert Announce.timestamp(info.random_hash) == info.timestamp
    assert info.destination_hash == me.destination_hash("chat.inbox")
    assert (info.ratchet, info.app_data, len(raw)) == (None, b"", 167)
    assert Announce.random_hash(0x0102030405, b"\x01\x02\x03\x04\x05") == bytes([1, 2, 3, 4, 5] * 2)
    assert Announce.random_hash(2**40 + 7, bytes(5))[5:] == bytes([0, 0, 0, 0, 7])
    assert len(Announce.build(me, "a.b", app_data=bytes(333))) == 500
    with pytest.raises(ValueError):
        Announce.build(me, "a.b", app_data=bytes(334))
    raw = Announce.build(me, "a.b", ratchet=bytes(range(32)), app_data=bytes(301), context=0x0B)
    assert len(raw) == 500 and raw[0] == 0x21 and raw[18] == 0x0B
    assert Announce.parse(raw).ratchet == bytes(range(32))
    with pytest.raises(ValueError):
        Announce.build(me, "a.b", ratchet=bytes(31))
    with pytest.raises(ValueError):
        Announce.build(me, b"a.b")  # bytes must be a 10-byte name hash
    with pytest.raises(ValueError):
        Announce.build(me, "a.b", random_hash=bytes(9))
    with pytest.raises(ValueError):
        Announce.build(me, "a.b", context=256)
    with pytest.raises(TypeError):
        Announce.build(me.private_key(), "a.b")
    # Reticulum-profile identities build announces that validate only in that profile.
    rns = Identity.from_private_key(me.private_key(), profile="reticulum")
    raw = Announce.build(rns, "a.b")
    assert Announce.validate(raw, "reticulum") and not Announce.validate(raw, "nexus")
    # Not announces, or not valid ones.
    assert not Announce.validate(b"")
    assert not Announce.validate(bytes(167))
    assert not Announce.validate(raw[:166], "reticulum")
    with pytest.raises(ValueError):
        Announce.validate(raw, "blake3")
    with pytest.raises(ValueError):
        Announce.parse(bytes(200))


def test_seal_and_unseal():
    me = Identity.generate()
    sealed = me.seal("correct horse", passes=1, memory_kib=8)
    assert len(sealed) == 126
    # magic, version, profile, passes, memory, lanes (little-endian), then salt and nonce.
    assert sealed[:18] == b"NXID\x01\x00" + (1).to_bytes(4, "little") + (8).to_bytes(4, "little") + \
        (1).to_bytes(4, "little")
    assert me.private_key()[32:] not in sealed
    assert Identity.sealed_params(sealed) == (1, 8, 1)
    opened = Identity.unseal(sealed, "correct horse")
    assert opened == me and opened.private_key() == me.private_key()
    assert Identity.unseal(sealed, b"correct horse") == me
    with pytest.raises(nc.AuthenticationError):
        Identity.unseal(sealed, "wrong horse")
    with pytest.raises(ValueError):  # AuthenticationError is a ValueError
        Identity.unseal(sealed, "")
    for i in (18, 40, 46, 100, 125):
        bad = bytearray(sealed)
        bad[i] ^= 1
        with pytest.raises(nc.AuthenticationError):
            Identity.unseal(bytes(bad), "correct horse")
    with pytest.raises(ValueError) as e:
        Identity.unseal(sealed, "correct horse", profile="reticulum")
    assert not isinstance(e.value, nc.AuthenticationError)
    with pytest.raises(ValueError):
        Identity.unseal(sealed[:-1], "correct horse")
    with pytest.raises(ValueError):
        Identity.unseal(b"NXIE" + sealed[4:], "correct horse")
    # Random salt and nonce: two seals differ; the Reticulum profile is recorded.
    assert me.seal("pw", passes=1, memory_kib=8) != me.seal("pw", passes=1, memory_kib=8)
    rns = Identity.from_private_key(me.private_key(), "reticulum")
    sealed = rns.seal(b"", passes=2, memory_kib=16, lanes=2)
    assert sealed[5] == 1 and Identity.sealed_params(sealed) == (2, 16, 2)
    assert Identity.unseal(sealed, b"", profile="reticulum") == rns
    for bad in [dict(passes=0), dict(passes=17), dict(memory_kib=7), dict(lanes=0), dict(memory_kib=2**21)]:
        with pytest.raises(ValueError):
            me.seal("pw", **{"passes": 1, "memory_kib": 8, **bad})


def test_seal_default_parameters():
    # The library default: Argon2id t=3, 64 MiB, one lane.
    me = Identity.from_seed(bytes(32))
    sealed = me.seal("pw")
    assert Identity.sealed_params(sealed) == (3, 65536, 1)
    assert Identity.unseal(sealed, "pw") == me


def test_argument_errors():
    with pytest.raises(ValueError):
        Identity.from_seed(bytes(31))
    with pytest.raises(ValueError):
        Identity.from_private_key(bytes(63))
    with pytest.raises(ValueError):
        Identity.generate(profile="sha256")
    with pytest.raises(ValueError):
        Identity.from_seed(bytes(32), profile="Nexus")
    with pytest.raises(ValueError):
        nexus.name_hash("a.b", profile="x")
    with pytest.raises(TypeError):
        Identity.from_seed("00" * 32)
    me = Identity.from_seed(bytes(32))
    with pytest.raises(ValueError):
        me.verify(b"m", bytes(63))
    with pytest.raises(ValueError):
        me.destination_hash(bytes(11))
    with pytest.raises(ValueError):
        nexus.destination_hash(bytes(10), bytes(15))
    # An unusable Ed25519 half: the identity point (y = 1) has small order.
    with pytest.raises(ValueError):
        nexus.identity._native.identity_hash(bytes(32) + b"\x01" + bytes(31), "nexus")
    assert not nexus.identity._native.verify(bytes(32) + b"\x01" + bytes(31), b"m", bytes(64))


def test_module_surface():
    assert nexus.Identity is nexus.identity.Identity
    for name in nexus.identity.__all__:
        assert hasattr(nexus, name) or name == "PROFILES"
    assert nexus.identity.PROFILES == ("nexus", "reticulum")
    assert Identity.__doc__ and Packet.__doc__ and Announce.build.__doc__
