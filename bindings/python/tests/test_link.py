"""nexus links from Python: a pair of links driven in memory through the handshake in both
profiles, messages both ways, a tampered packet (AuthFailedError), a replayed one (ReplayedError),
a close reaching the peer, identification, rotation, timers and the error contract. Independent
truth: the link id recomputed with hashlib (BLAKE2b-256 / SHA-256 of (flags & 0x0F) || destination
|| context || 64 request bytes, first 16 bytes), packet layouts written out by hand, and seeded
links reproducing each other byte for byte."""
import hashlib

import pytest

import nexus
from nexus import Identity, Link, LinkConfig, LinkEvent, link_pair
from nexus.link import (AuthFailedError, BadStateError, InvalidArgumentError, InvalidLengthError, LinkError,
                        ReplayedError, WeakKeyError)

HASHES = {
    "nexus": lambda b: hashlib.blake2b(b, digest_size=32).digest(),
    "reticulum": lambda b: hashlib.sha256(b).digest(),
}
NAME = "nexus.test.link"


def handshake(profile, seed=100, config=None, now=1000):
    """(server identity, destination, initiator, responder, request) after a full handshake."""
    server = Identity.from_seed(bytes([0x11]) * 32, profile)
    dest = server.destination_hash(NAME)
    a = Link.initiate(server.public_key, dest, now, profile=profile, seed=seed, config=config)
    assert a.state == "pending" and a.role == "initiator"
    assert a.next_deadline == 0
    (request,) = a.poll_transmit(now)
    assert a.poll_transmit(now) == []
    b = Link.accept(server, request, now, seed=seed + 1, config=config)
    assert b.state == "handshake" and b.role == "responder" and b.profile == profile
    (proof,) = b.poll_transmit(now)
    # Proof: flags 0x0F (HEADER_1, link, proof), hops 0, link id, context 0xFF, sig (64) || eph (32).
    assert proof[0] == 0x0F and proof[2:18] == a.id and proof[18] == 0xFF and len(proof) == 19 + 96
    assert a.receive(proof, now + 40) == LinkEvent("established", 0xFF, b"")
    assert a.state == "active" and a.rtt_ms == 40
    (rtt,) = a.poll_transmit(now + 40)
    assert rtt[18] == 0xFE
    assert b.receive(rtt, now + 60).kind == "established"
    assert b.state == "active" and b.rtt_ms == 40
    return server, dest, a, b, request


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_handshake_link_id_and_messages(profile):
    server, dest, a, b, request = handshake(profile)
    # Request by hand: flags 0x02 (link request, single), hops 0, destination, context 0, 64 bytes.
    assert len(request) == 19 + 64
    assert request[0] == 0x02 and request[1] == 0 and request[2:18] == dest and request[18] == 0
    link_id = HASHES[profile](bytes([request[0] & 0x0F]) + request[2:])[:16]
    assert a.id == link_id and b.id == link_id
    assert a.destination_hash == dest and b.destination_hash == dest
    assert a.remote_public_key == server.public_key and b.remote_public_key is None

    # Data packets: flags 0x0C (HEADER_1, data, link), hops 0, link id, context, epoch, counter LE.
    pkt = a.send(b"hello responder", 1100)
    assert pkt[0] == 0x0C and pkt[1] == 0 and pkt[2:18] == link_id and pkt[18] == 0 and pkt[19] == 0
    assert int.from_bytes(pkt[20:28], "little") == 1  # the RTT packet had counter 0
    assert len(pkt) == 19 + 25 + 15
    assert b.receive(pkt, 1100) == LinkEvent("data", 0, b"hello responder")
    pkt = b.send(b"hello initiator", 1100, context=0x42)
    assert pkt[18] == 0x42 and int.from_bytes(pkt[20:28], "little") == 0
    assert a.receive(pkt, 1100) == LinkEvent("data", 0x42, b"hello initiator")
    big = bytes(range(256)) * 2
    assert b.receive(a.send(big[:nexus.link.MDU], 1100), 1100).data == big[:nexus.link.MDU]
    assert a.receive(b.send(b"", 1100), 1100) == LinkEvent("data", 0, b"")
    with pytest.raises(InvalidLengthError):
        a.send(big[:nexus.link.MDU + 1], 1100)
    with pytest.raises(InvalidArgumentError):
        a.send(b"x", 1100, context=0xFC)  # link close is a control context
    s = a.stats
    assert s["bytes_sent"] == 15 + nexus.link.MDU and s["bytes_received"] == 15 and s["rejected_auth"] == 0


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_tampered_replayed_and_close(profile):
    _, _, a, b, _ = handshake(profile)
    pkt = a.send(b"secret", 1100)
    for i in range(18, len(pkt)):
        bad = bytearray(pkt)
        bad[i] ^= 0x01
        # Byte 19: epoch 1 is unknown (bad_state); byte 20: counter 1 -> 0, already seen (replayed).
        expected = BadStateError if i == 19 else ReplayedError if i == 20 else AuthFailedError
        with pytest.raises(expected) as info:
            b.receive(bytes(bad), 1100)
        assert isinstance(info.value, ValueError) and isinstance(info.value, LinkError)
    with pytest.raises(nexus.crypto.AuthenticationError):
        b.receive(pkt[:-1] + bytes([pkt[-1] ^ 0x80]), 1100)
    assert b.receive(pkt, 1100).data == b"secret"
    with pytest.raises(ReplayedError) as info:
        b.receive(pkt, 1100)
    assert info.value.code == "replayed"
    s = b.stats
    assert s["rejected_replay"] == 2 and s["rejected_state"] == 1
    assert s["rejected_auth"] == len(pkt) - 18 - 2 + 1

    # A packet for another link; garbage.
    other = bytearray(pkt)
    other[5] ^= 0xFF
    with pytest.raises(InvalidArgumentError):
        b.receive(bytes(other), 1100)
    with pytest.raises(ValueError):
        b.receive(pkt[:10], 1100)

    a.close()
    assert a.state == "closed" and a.close_reason == "local"
    a.close()
    (close,) = a.poll_transmit(1200)
    assert close[18] == 0xFC and len(close) == 19 + 25 + 16
    assert a.next_deadline is None
    assert b.receive(close, 1200).kind == "closed"
    assert b.state == "closed" and b.close_reason == "remote"
    with pytest.raises(BadStateError):
        b.send(b"x", 1200)
    with pytest.raises(BadStateError):
        b.rotate()


def test_identify_rotate_and_link_pair():
    server = Identity.generate()
    client = Identity.generate()
    a, b = link_pair(server)  # operating-system randomness
    assert a.state == b.state == "active" and a.id == b.id
    assert not b.identified and a.identified
    with pytest.raises(BadStateError):
        b.identify(server)
    a.identify(client)
    with pytest.raises(BadStateError):
        a.send(b"overtakes", 10)  # the identification is queued: poll it out first
    (ident,) = a.poll_transmit(10)
    assert ident[18] == 0xFB and len(ident) == 19 + 25 + 64 + 64
    assert b.receive(ident, 10).kind == "identified"
    assert b.identified and b.remote_public_key == client.public_key

    # Rotation: offer (a) -> answer (b) -> a switches and confirms in the new epoch -> b switches.
    a.rotate()
    (offer,) = a.poll_transmit(20)
    assert offer[18] == 0xF0
    assert b.receive(offer, 20).kind == "none"
    (answer,) = b.poll_transmit(20)
    assert a.receive(answer, 20).kind == "rotated"
    assert a.epoch == 1
    events = [b.receive(p, 20).kind for p in a.poll_transmit(20)]
    assert "rotated" in events
    assert a.epoch == b.epoch == 1 and a.stats["rotations"] == b.stats["rotations"] == 1
    pkt = a.send(b"after", 30)
    assert pkt[19] == 1
    assert b.receive(pkt, 30).data == b"after"
    assert a.receive(b.send(b"both ways", 30), 30).data == b"both ways"

    # Seeded pairs reproduce each other; the profile may differ from the identity's.
    x1, _ = link_pair(server, seed=7)
    x2, _ = link_pair(server, seed=7)
    x3, _ = link_pair(server, seed=8)
    assert x1.id == x2.id != x3.id
    r, s = link_pair(server, profile="reticulum", seed=7)
    assert r.profile == s.profile == "reticulum"
    reticulum_server = Identity(server.private_key(), "reticulum")
    assert r.destination_hash == reticulum_server.destination_hash("nexus.link.pair")


def test_config_and_timers():
    assert LinkConfig() == LinkConfig(**nexus._nexus.link.default_config())
    config = LinkConfig(establishment_timeout_ms=5000, keepalive_interval_ms=1000, inactivity_timeout_ms=4000)
    server = Identity.from_seed(bytes(32))
    a = Link.initiate(server, server.destination_hash(NAME), 1000, seed=1, config=config)
    a.poll_transmit(1000)
    assert a.next_deadline == 6000
    assert a.poll_transmit(5999) == [] and a.state == "pending"
    assert a.poll_transmit(6000) == [] and a.state == "closed" and a.close_reason == "establishment_timeout"

    _, _, a, b, _ = handshake("nexus", config=config)
    # The initiator probes after keepalive_interval of silence; the responder answers.
    (probe,) = a.poll_transmit(1040 + 1000)
    assert probe[18] == 0xFA
    assert b.receive(probe, 2040).kind == "none"
    (answer,) = b.poll_transmit(2040)
    assert a.receive(answer, 2040).kind == "none"
    # Nothing valid for inactivity_timeout: closed, with a close packet for the peer.
    out = b.poll_transmit(2040 + 4000)
    assert b.state == "closed" and b.close_reason == "inactivity" and out[-1][18] == 0xFC


def test_errors():
    server = Identity.from_seed(bytes([3]) * 32)
    dest = server.destination_hash(NAME)
    with pytest.raises(ValueError):
        Link.initiate(server.public_key, dest, 0, profile="other")
    with pytest.raises(ValueError):
        Link.initiate(server.public_key[:63], dest, 0)
    with pytest.raises(ValueError):
        Link.initiate(server.public_key, dest[:15], 0)
    with pytest.raises(TypeError):
        Link.initiate("key", dest, 0)
    with pytest.raises(ValueError):
        Link.initiate(server.public_key, dest, 0, seed=-1)
    with pytest.raises(TypeError):
        Link.initiate(server.public_key, dest, 0, config={"require_identify": True})
    bad = server.public_key[:32] + bytes([0xFF] * 31 + [0x7F])
    with pytest.raises(LinkError) as info:
        Link.initiate(bad, dest, 0)
    assert info.value.code == "bad_encoding"
    # accept: not a link request, short data, a small-order ephemeral key.
    data_packet = nexus.Packet(dest, bytes(64)).encode()
    with pytest.raises(InvalidArgumentError):
        Link.accept(server, data_packet, 0)
    short = nexus.Packet(dest, bytes(63), packet_type=nexus.PacketType.LINK_REQUEST).encode()
    with pytest.raises(InvalidLengthError):
        Link.accept(server, short, 0)
    zeros = nexus.Packet(dest, bytes(64), packet_type=nexus.PacketType.LINK_REQUEST).encode()
    with pytest.raises(WeakKeyError):
        Link.accept(server, zeros, 0)
    with pytest.raises(TypeError):
        Link.accept(server.private_key(), zeros, 0)
