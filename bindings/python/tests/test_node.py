"""nexus nodes from Python: three nodes in memory, A -- C -- B with C a transport node (a bridge between
its two interfaces), in both profiles. B's announce crosses the bridge (2 hops at A), a link opens
across it, messages go both ways in order, the initiator identifies, a forged announce (public key
swapped) is refused with AuthFailedError, replayed packets with ReplayedError, a close reaches the
peer; then run_mesh and the error contract. Independent truth: the rebroadcast announce checked by
slicing against the original (HEADER_2 flags 0x51, hops 1, C's identity hash from hashlib over C's
public key, the rest identical from byte 2 on), the destination hash from hashlib, the link request
seen on the wire as HEADER_2 via C then HEADER_1 with hops 1, and the link id recomputed with
hashlib from the request bytes."""
import hashlib

import pytest

import nexus
from nexus import Identity, Node, NodeConfig, NodeEvent, run_mesh
from nexus.link import AuthFailedError, LinkConfig, LinkError, ReplayedError
from nexus.node import ALL_INTERFACES, CAPACITIES, FullError, NodeError, NotFoundError

HASHES = {
    "nexus": lambda b: hashlib.blake2b(b, digest_size=32).digest(),
    "reticulum": lambda b: hashlib.sha256(b).digest(),
}


class Mesh:
    """A -- C -- B; every frame on a cable is captured, every event and refusal recorded."""

    def __init__(self, profile="nexus", config=None):
        self.profile = profile
        self.ids = {k: Identity.from_seed(bytes([fill]) * 32, profile)
                    for k, fill in (("a", 0xA1), ("b", 0xB2), ("c", 0xC3))}
        self.a = Node(self.ids["a"], seed=1, config=config, name="a")
        self.b = Node(self.ids["b"], seed=2, config=config, name="b")
        self.c = Node(self.ids["c"], transport=True, seed=3, config=config, name="c")
        a0, c0, c1 = self.a.add_interface(), self.c.add_interface(), self.c.add_interface()
        b0 = self.b.add_interface()
        assert (a0, c0, c1, b0) == (0, 0, 1, 0)
        self.cables = [((self.a, a0), (self.c, c0)), ((self.c, c1), (self.b, b0))]
        self.dest_b = self.b.add_destination("nexus.test.b")
        self.dest_a = self.a.add_destination("nexus.test.a")
        self.trace = []
        self.events = []

    def run(self, now):
        self.events += run_mesh([self.a, self.c, self.b], self.cables, now, trace=self.trace)

    def of(self, node, kind=None):
        return [m.event for m in self.events
                if m.node is node and m.event and (kind is None or m.event.kind == kind)]

    def errors(self, node):
        return [m.error for m in self.events if m.node is node and m.error]

    def frames(self, start=0):
        return [raw for _, _, raw in self.trace[start:]]

    def data(self, node):
        return [e.data for e in self.of(node, "link_data")]


def hash16(profile, b):
    return HASHES[profile](b)[:16]


def open_link(m, now=10):
    link = m.a.open_link(m.dest_b, now)
    assert m.a.link_state(link) == "pending"
    start = len(m.trace)
    m.run(now)
    assert m.a.link_state(link) == m.b.link_state(link) == "active"
    assert [e.id for e in m.of(m.b, "link_request")] == [link]
    assert len(m.of(m.a, "link_established")) == len(m.of(m.b, "link_established")) == 1
    # The request (packet type 2) left A as HEADER_2 via C and reached B as HEADER_1 with hops 1.
    (h2,) = [f for f in m.frames(start) if f[0] & 0x03 == 2 and f[0] & 0x40]
    (h1,) = [f for f in m.frames(start) if f[0] & 0x03 == 2 and not f[0] & 0x40]
    assert h2[0] == 0x52 and h2[1] == 0 and h2[2:18] == m.c.identity_hash and h2[18:34] == m.dest_b
    assert h1[0] == 0x02 and h1[1] == 1 and h1[2:18] == m.dest_b and h1[18:] == h2[34:]
    # The link id: the profile's hash of (flags & 0x0F) || destination || context || 64 bytes.
    assert link == hash16(m.profile, bytes([h1[0] & 0x0F]) + h1[2:19] + h1[19:19 + 64])
    return link


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_announce_crosses_the_bridge(profile):
    m = Mesh(profile)
    pub = {k: i.public_key for k, i in m.ids.items()}
    c_hash = hash16(profile, pub["c"])
    assert m.c.identity_hash == c_hash and m.c.identity_hash == m.ids["c"].hash
    assert m.dest_b == hash16(profile, nexus.name_hash("nexus.test.b", profile) + hash16(profile, pub["b"]))
    m.b.announce(m.dest_b, 0, b"b-app")
    assert m.b.next_deadline == 0
    m.run(0)
    (ev,) = m.of(m.a, "announce")
    assert ev == NodeEvent("announce", m.dest_b, 0, 2, 0, "none", b"b-app")
    assert m.of(m.c, "announce")[0].hops == 1
    path = m.a.path(m.dest_b)
    assert path["hops"] == 2 and path["iface"] == 0 and path["next_hop"] == c_hash
    assert path["public_key"] == pub["b"] and path["expires_ms"] == 90 * 60 * 1000
    assert m.c.path(m.dest_b)["next_hop"] is None and m.c.path(m.dest_b)["iface"] == 1
    assert m.b.path(m.dest_a) is None

    orig, again = m.frames()
    assert orig[0] == 0x01 and orig[1] == 0 and orig[2:18] == m.dest_b
    assert again[0] == 0x51  # HEADER_2, transport, single, announce
    assert again[1] == 1
    assert again[2:18] == c_hash
    assert again[18:] == orig[2:]
    assert nexus.identity.Announce.validate(again, profile)

    with pytest.raises(ReplayedError) as info:
        m.c.receive(1, orig, 1)
    assert isinstance(info.value, NodeError) and isinstance(info.value, LinkError)
    with pytest.raises(ReplayedError):
        m.a.receive(0, again, 1)
    s = m.c.stats
    assert s["announces_valid"] == 1 and s["forwarded"] == 1 and s["duplicates"] == 1 and s["sent"] == 1


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_link_across_the_bridge(profile):
    m = Mesh(profile)
    m.b.announce(m.dest_b, 0)
    m.run(0)
    link = open_link(m)
    sent_ab, sent_ba = [], []
    t = 100
    for i in range(300):
        x = bytes([i & 0xFF, 0xA]) + bytes((i * 7 + j) & 0xFF for j in range(i % 190))
        y = bytes([i & 0xFF, 0xB]) + bytes((i * 11 + j) & 0xFF for j in range(i % 170))
        m.a.send(link, x, t)
        m.b.send(link, y, t)
        sent_ab.append(x)
        sent_ba.append(y)
        if i % 7 == 0:
            m.run(t)
        t += 5
    m.run(t)
    assert m.data(m.b) == sent_ab
    assert m.data(m.a) == sent_ba
    assert not any(m.errors(n) for n in (m.a, m.b, m.c))
    assert m.c.stats["forwarded"] >= 600
    frames = m.frames()
    assert not any(x in f for x in sent_ab[20:40] for f in frames)  # nothing in clear

    m.a.send(link, b"ctx", t, context=0x42)
    m.a.identify(link)
    m.run(t)
    assert m.of(m.b, "link_data")[-1].context == 0x42
    assert [e.id for e in m.of(m.b, "link_identified")] == [link]

    m.a.close(link)
    m.run(t + 10)
    assert [e.reason for e in m.of(m.a, "link_closed")] == ["local"]
    assert [e.reason for e in m.of(m.b, "link_closed")] == ["remote"]
    with pytest.raises(NotFoundError):
        m.a.link_state(link)
    with pytest.raises(NotFoundError):
        m.b.send(link, b"x", t)


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_forged_and_replayed(profile):
    m = Mesh(profile)
    m.b.announce(m.dest_b, 0)
    m.run(0)
    genuine = m.frames()[0]
    mallory = Identity.from_seed(bytes([0x66]) * 32, profile)
    forged = genuine[:19] + mallory.public_key + genuine[19 + 64:]
    assert len(forged) == len(genuine) and forged[:19] == genuine[:19]
    with pytest.raises(AuthFailedError) as info:
        m.c.receive(1, forged, 1)
    assert info.value.code == "auth_failed" and isinstance(info.value, nexus.crypto.AuthenticationError)
    assert m.c.stats["announces_rejected"] == 1
    before = len(m.trace)
    m.run(1)
    assert len(m.trace) == before  # not forwarded
    assert m.a.path(m.dest_b)["public_key"] == m.ids["b"].public_key

    link = open_link(m)
    start = len(m.trace)
    m.a.send(link, b"\x01\x02\x03", 20)
    m.run(20)
    from_a, from_c = m.frames(start)
    assert from_a[1] == 0 and from_c[1] == 1 and from_a[2:] == from_c[2:]
    with pytest.raises(ReplayedError):
        m.b.receive(0, from_c, 21)
    with pytest.raises(ReplayedError):
        m.c.receive(0, from_a, 21)
    assert m.data(m.b) == [b"\x01\x02\x03"]
    # A tampered copy passes C (which cannot check it) and fails its tag at B.
    m.a.send(link, b"\x04", 22)
    ((pkt, iface, exc),) = m.a.pop_outgoing(22)
    assert iface == 0 and exc == ALL_INTERFACES
    bad = pkt[:-1] + bytes([pkt[-1] ^ 1])
    assert m.c.receive(0, bad, 22).kind == "forwarded"
    m.run(22)
    assert m.errors(m.b)[-1] == "auth_failed"
    m.c.receive(0, pkt, 22)
    m.b.send(link, b"\x09", 22)
    m.run(22)
    assert m.data(m.b) == [b"\x01\x02\x03", b"\x04"] and m.data(m.a) == [b"\x09"]


def test_timers_config_and_determinism():
    m = Mesh("nexus")
    m.b.announce(m.dest_b, 0)
    m.run(0)
    assert m.a.next_deadline is None
    link = m.a.open_link(m.dest_b, 0)
    ((request, iface, exc),) = m.a.pop_outgoing(0)  # ... lost
    assert len(request) == 35 + 64 and request[0] == 0x52
    assert m.a.next_deadline == 30_000
    assert m.a.poll(29_999) == []
    (ev,) = m.a.poll(30_000)
    assert ev.kind == "link_closed" and ev.id == link and ev.reason == "establishment_timeout"
    with pytest.raises(NotFoundError):
        m.a.open_link(m.dest_b, 90 * 60 * 1000)

    config = NodeConfig(link=LinkConfig(establishment_timeout_ms=500), path_lifetime_ms=1000)
    assert NodeConfig() == NodeConfig(**nexus._nexus.node.default_config())
    m = Mesh("reticulum", config=config)
    m.b.announce(m.dest_b, 0)
    m.run(0)
    assert m.a.path(m.dest_b)["expires_ms"] == 1000
    with pytest.raises(NotFoundError):
        m.a.open_link(m.dest_b, 1000)
    m.a.open_link(m.dest_b, 999)
    m.a.pop_outgoing(999)
    assert m.a.next_deadline == 1499

    # Seeded nodes reproduce each other; operating-system randomness does not.
    ident = Identity.from_seed(bytes([0x44]) * 32)
    out = []
    for seed in (42, 42, None):
        n = Node(ident, seed=seed)
        n.add_interface()
        d = n.add_destination(nexus.name_hash("app.x"), accept_links=False)
        n.announce(d, 5000)
        ((raw, iface, exc),) = n.pop_outgoing(5000)
        assert iface == exc == ALL_INTERFACES and len(raw) == 19 + 148
        assert raw[19 + 64 + 10 + 5:19 + 64 + 20] == (5).to_bytes(5, "big")  # announce time, seconds
        out.append(raw)
    assert out[0] == out[1] != out[2]


def test_run_mesh_returns_the_events():
    a, b = Node(Identity.generate(), name="a"), Node(Identity.generate("reticulum"), name="b")
    with pytest.raises(TypeError):
        Node(Identity.generate(), config={"max_hops": 3})
    a.add_interface()
    b.add_interface()
    assert b.profile == "reticulum" and not b.transport
    dest = a.add_destination("app.two")
    a.announce(dest, 0, b"hi")
    trace = []
    events = run_mesh([a, b], [((a, 0), (b, 0))], 0, trace=trace)
    # Different profiles: B cannot verify A's (BLAKE2b-addressed) announce.
    assert [(e.node, e.error) for e in events] == [(b, "auth_failed")]
    assert len(trace) == 1 and trace[0][0] is a
    b2 = Node(Identity.generate(), name="b2")
    b2.add_interface()
    a.announce(dest, 1, b"hi2")
    events = run_mesh([a, b2], [((a, 0), (b2, 0))], 1)
    got = [(e.node.name, e.event.kind, e.event.hops, e.event.data) for e in events]
    assert got == [("b2", "announce", 1, b"hi2")]


def test_errors():
    m = Mesh()
    with pytest.raises(nexus.link.InvalidArgumentError):
        m.a.receive(9, bytes(30), 0)  # no such interface
    with pytest.raises(nexus.link.TruncatedError):
        m.a.receive(0, bytes(5), 0)
    with pytest.raises(NotFoundError):
        m.a.receive(0, bytes([0x0C]) + bytes(59), 0)  # data to a link nobody has
    assert m.a.stats["malformed"] == 1 and m.a.stats["received"] == 1
    with pytest.raises(NotFoundError):
        m.a.open_link(m.dest_b, 0)
    with pytest.raises(NotFoundError):
        m.a.announce(bytes(16), 0)
    with pytest.raises(NotFoundError):
        m.a.send(bytes(16), b"x", 0)
    with pytest.raises(nexus.link.InvalidLengthError):
        m.b.announce(m.dest_b, 0, bytes(400))
    with pytest.raises(nexus.link.InvalidArgumentError):
        m.b.add_destination("nexus.test.b")
    for i in range(3):
        m.b.add_destination(f"nexus.test.more{i}")
    with pytest.raises(FullError) as info:
        m.b.add_destination("nexus.test.one.too.many")
    assert info.value.code == "full" and isinstance(info.value, ValueError)
    assert CAPACITIES == {"interfaces": 8, "destinations": 4, "paths": 256, "links": 32, "link_table": 64,
                          "outbox": 64, "seen": 1024}
    for _ in range(6):
        m.c.add_interface()
    with pytest.raises(FullError):
        m.c.add_interface()
    with pytest.raises(ValueError):
        m.a.add_destination(b"short")
    with pytest.raises(ValueError):
        m.a.send(bytes(15), b"x", 0)
    with pytest.raises(ValueError):
        m.a.receive(-1, bytes(30), 0)
    with pytest.raises(TypeError):
        m.a.receive(0, "text", 0)
    with pytest.raises(TypeError):
        Node(m.ids["a"].private_key())
    with pytest.raises(ValueError):
        Node(m.ids["a"], seed=-1)
    with pytest.raises(ValueError):
        Node(m.ids["a"], config=NodeConfig(max_hops=0))
    assert repr(m.c).startswith("Node('c', ") and "transport=True" in repr(m.c)
