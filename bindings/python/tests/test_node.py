"""nexus nodes from Python: three nodes in memory, A -- C -- B with C a transport node (a bridge between
its two interfaces), in both profiles. B's announce crosses the bridge (2 hops at A), a link opens
across it, messages go both ways in order, the initiator identifies, a forged announce (public key
swapped) is refused with AuthFailedError, replayed packets with ReplayedError, a close reaches the
peer; then run_mesh and the error contract. Independent truth: the rebroadcast announce checked by
slicing against the original (HEADER_2 flags 0x51, hops 1, C's identity hash from hashlib over C's
public key, the rest identical from byte 2 on), the destination hash from hashlib, the link request
seen on the wire as HEADER_2 via C then HEADER_1 with hops 1, and the link id recomputed with
hashlib from the request bytes.

The node's API (include/nexus/node.hpp): receive() only accepts or refuses, every event comes from
poll() in causal order; known destinations (public key, owner and name hash from hashlib, the
Lamport time from the announce's emission time, the app data cache against the preset's
cached_app_data); path requests (the request read off the wire: PLAIN DATA to the hash of
"rnstransport.path.request" computed here, the answer a HEADER_2 path response, context 0x0B, from
the bridge); the bridge's link table; capacity presets, counters and event kinds compared with the
C++ headers themselves (include/nexus/config.hpp, node/context.hpp, node/events.hpp, parsed here).

Routing and gossip: three gossiping, self-announcing nodes in a line A -- C -- B (C relays for a fee).
Independent truth: hop counts are the distances on the line, C's fee appears in the relayed paths'
cost code as round(16 log2(fee + 1)) computed here with math.log2 (and not in the paths to C's own
destination), the bandwidth code as round(8 log2(bps)), the gossip budget's capacity as 3 % of the
bandwidth over 60 s in bytes and its spending within capacity + refill x elapsed, the Lamport time of
a path equal to the TLV 0x01 parsed from the origin's announce on the wire, and the neighbours the
line's ends."""
import hashlib
import math
import pathlib
import re

import random

import pytest

import nexus
from nexus import Identity, Node, NodeConfig, NodeEvent, run_mesh
from nexus.link import AuthFailedError, LinkConfig, LinkError, ReplayedError
from nexus.node import (ALL_INTERFACES, CAPACITIES, CHANNEL_MDU, DEFAULT_PRESET, EVENT_KINDS, PRESETS,
                        BadStateError, FullError, GossipBudget, InterfaceMetrics, InvalidArgumentError,
                        InvalidLengthError, KnownDestination, LinkRoute, NeighbourInfo, NodeError,
                        NotFoundError, RouteInfo)
from nexus.routing import POLICIES, TIER_ROUTING

HASHES = {
    "nexus": lambda b: hashlib.blake2b(b, digest_size=32).digest(),
    "reticulum": lambda b: hashlib.sha256(b).digest(),
}
ROOT = pathlib.Path(__file__).resolve().parents[3]


# ---- the C++ headers, read here ---------------------------------------------------------------------

def cpp_source(relative):
    path = ROOT / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (the tests run from a source checkout)")
    # Comments out: "///< ..." after a field would otherwise look like more declarations.
    return re.sub(r"//[^\n]*", "", path.read_text(encoding="utf-8"))


def struct_fields(text, name):
    """Member names of a struct of plain fields, in declaration order."""
    body = re.search(r"struct %s \{(.*?)\n\};" % name, text, re.S).group(1)
    names = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl or decl.startswith("friend"):
            continue
        decl = re.sub(r"^std::\w+\s+", "", decl)
        names += [part.split("=")[0].strip() for part in decl.split(",")]
    return names


def preset_values(text, name):
    """The designated initializers of `inline constexpr node_capacities <name>{...}`."""
    body = re.search(r"node_capacities %s\{(.*?)\};" % name, text, re.S).group(1)
    return {k: int(v) for k, v in re.findall(r"\.(\w+)\s*=\s*(\d+)", body)}


def enum_names(text, name):
    body = re.search(r"enum class %s : std::\w+ \{(.*?)\};" % name, text, re.S).group(1)
    return [x.strip() for x in body.split(",") if x.strip()]


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
    r = m.a.route(m.dest_b, 0)
    assert r.hop_count == 2 and r.iface == 0 and r.next_hop == c_hash
    k = m.a.known(m.dest_b)
    assert isinstance(k, KnownDestination) and k.public_key == pub["b"]
    assert k.announce_expires_ms == 90 * 60 * 1000  # path_lifetime after it arrived
    # C hears B directly: the next hop is B's own identity.
    assert m.c.route(m.dest_b, 0).next_hop == hash16(profile, pub["b"]) and m.c.route(m.dest_b, 0).iface == 1
    assert m.b.route(m.dest_a, 0) is None and m.b.known(m.dest_a) is None

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
    assert m.a.known(m.dest_b).public_key == m.ids["b"].public_key

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
    assert m.c.receive(0, bad, 22) is None
    assert [(e.kind, e.id) for e in m.c.poll(22)] == [("forwarded", link)]
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
    # Lost, and so are its repeats: the identical request goes again after the path's round trip
    # + 1 s (2 x latency + 1000 ms, latency = (worst hop latency + 1) x hops, at most a quarter of
    # the 30 s establishment timeout), four sends in all; then the link times out.
    r = m.a.route(m.dest_b, 0)
    retry = min(2 * (r.cost.worst_latency_ms + 1) * r.cost.hop_count + 1000, 30_000 // 4)
    for i in range(1, 4):
        assert m.a.next_deadline == i * retry
        assert m.a.poll(i * retry) == []
        assert m.a.pop_outgoing(i * retry) == [(request, iface, exc)]
    assert m.a.next_deadline == 30_000
    assert m.a.poll(29_999) == []
    (ev,) = m.a.poll(30_000)
    assert ev.kind == "link_closed" and ev.id == link and ev.reason == "establishment_timeout"
    # The path is active for 3 announce intervals of 30 min, then stale for one more (still used:
    # a destination stays reachable), then gone.
    r = m.a.route(m.dest_b, 0)
    assert (r.expires_ms, r.evict_at_ms) == (90 * 60 * 1000, 120 * 60 * 1000)
    assert m.a.route(m.dest_b, 90 * 60 * 1000).state == "active"  # as last aged; no longer active_at
    m.a.open_link(m.dest_b, 90 * 60 * 1000)
    m.a.pop_outgoing(90 * 60 * 1000)
    assert m.a.route(m.dest_b, 120 * 60 * 1000) is None
    with pytest.raises(NotFoundError):
        m.a.open_link(m.dest_b, 120 * 60 * 1000)

    config = NodeConfig(link=LinkConfig(establishment_timeout_ms=500), path_lifetime_ms=1000)
    assert NodeConfig() == NodeConfig(**nexus._nexus.node.default_config())
    m = Mesh("reticulum", config=config)
    m.b.announce(m.dest_b, 0)
    m.run(0)
    assert m.a.known(m.dest_b).announce_expires_ms == 1000
    m.a.open_link(m.dest_b, 999)
    m.a.pop_outgoing(999)
    assert m.a.next_deadline == 999 + 500 // 4  # the request's first repeat: a quarter of the timeout
    for t in (999 + 125, 999 + 250, 999 + 375):
        assert m.a.poll(t) == [] and len(m.a.pop_outgoing(t)) == 1
    assert m.a.next_deadline == 1499
    (ev,) = m.a.poll(1499)
    assert ev.kind == "link_closed" and ev.reason == "establishment_timeout"

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
    for _ in range(CAPACITIES["interfaces"] - 2):  # C has two
        m.c.add_interface()
    with pytest.raises(FullError):
        m.c.add_interface()
    with pytest.raises(InvalidArgumentError):
        m.b.request_path(m.dest_b, 0)  # our own destination
    with pytest.raises(InvalidArgumentError):
        Node(m.ids["a"]).request_path(m.dest_b, 0)  # no interface to ask on
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
    for grace in (-1, 256):
        with pytest.raises(ValueError):
            Node(m.ids["a"], config=NodeConfig(announce_rate_grace=grace))
    with pytest.raises(ValueError):
        Node(m.ids["a"], preset="mcu_relay")  # a microcontroller's: not built by this binding
    with pytest.raises(TypeError):
        Node(m.ids["a"], preset=1)
    for bad in (lambda: m.a.known(bytes(15)), lambda: m.a.link_table_entry(bytes(17)),
                lambda: m.a.request_path(bytes(3), 0)):
        with pytest.raises(ValueError):
            bad()
    assert repr(m.c).startswith("Node('c', ") and "transport=True" in repr(m.c) and "'pi_bridge'" in repr(m.c)


# ---- routing and gossip -----------------------------------------------------------------------------

LINE_BW = 1_000_000
LINE_LATENCY = 7
SHARES = {1: 0.03, 2: 0.03, 3: 0.02, 4: 0.02}  # the spec's gossip tiers: 3 %, 3 %, 2 %, 2 %


class Line(Mesh):
    """A -- C -- B, all gossiping and announcing by themselves; C relays for `fee` uNXS per byte."""

    def __init__(self, profile="nexus", fee=15):
        self.profile = profile
        self.ids = {k: Identity.from_seed(bytes([fill]) * 32, profile)
                    for k, fill in (("a", 0xA1), ("b", 0xB2), ("c", 0xC3))}
        config = NodeConfig(gossip=True, auto_announce=True)
        self.a = Node(self.ids["a"], seed=1, config=config, name="a")
        self.b = Node(self.ids["b"], seed=2, config=config, name="b")
        relay = NodeConfig(gossip=True, auto_announce=True, relay_fee=fee)
        self.c = Node(self.ids["c"], transport=True, seed=3, config=relay, name="c")
        metrics = InterfaceMetrics(bandwidth_bps=LINE_BW, latency_ms=LINE_LATENCY)
        ifaces = [n.add_interface(metrics) for n in (self.a, self.c, self.c, self.b)]
        assert ifaces == [0, 0, 1, 0]
        self.cables = [((self.a, 0), (self.c, 0)), ((self.c, 1), (self.b, 0))]
        self.dest = {k: n.add_destination(f"nexus.test.{k}") for k, n in (("a", self.a), ("b", self.b),
                                                                           ("c", self.c))}
        self.trace = []
        self.events = []

    def run_until(self, end, step=100):
        for t in range(0, end + 1, step):
            self.run(t)


def assert_only_repeated_announces(m):
    """Every frame a node refused was an announce it already had (ReplayedError): a transport node
    sends an announce once more 5 s later on an interface where no copy came back
    (node/announcer.hpp "Retries"), and the line's end nodes never pass announces on."""
    for n in (m.a, m.b, m.c):
        for ev in m.events:
            if ev.node is n and ev.error:
                assert ev.error == "replayed" and ev.frame[0] & 0x03 == 0x01, (n.name, ev.error, ev.frame[:2])


def announced_lamport(m, dest):
    """TLV 0x01 (u64 LE, docs/wire/path_cost.md) of the NEXUS extension of the origin's last announce
    of dest, parsed here from the wire: HEADER_1 announce, app data after 19 + 64 + 10 + 10 + 64
    bytes, then magic 'N', version 1, the 6-byte path cost and the TLVs."""
    raws = [f for f in m.frames() if f[0] == 0x01 and f[2:18] == dest]
    app = raws[-1][19 + 148:]
    assert app[:2] == b"N\x01"
    tlvs = app[8:]
    assert tlvs[0] == 0x01 and tlvs[1] == 8
    return int.from_bytes(tlvs[2:10], "little")


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_gossip_line(profile):
    fee = 15
    m = Line(profile, fee)
    end = 5000
    m.run_until(end)
    assert not any(m.errors(n) for n in (m.a, m.b, m.c))
    assert_only_repeated_announces(m)
    fee_code = round(16 * math.log2(fee + 1))
    bw_code = round(8 * math.log2(LINE_BW))
    hash_of = {k: m.ids[k].hash for k in "abc"}
    node = {"a": m.a, "b": m.b, "c": m.c}
    # (node, destination's owner) -> (distance, iface, first hop)
    expected = {("a", "b"): (2, 0, "c"), ("a", "c"): (1, 0, "c"), ("b", "a"): (2, 0, "c"),
                ("b", "c"): (1, 0, "c"), ("c", "a"): (1, 0, "a"), ("c", "b"): (1, 1, "b")}
    for (x, y), (hops, iface, via) in expected.items():
        r = node[x].route(m.dest[y], end)
        assert isinstance(r, RouteInfo)
        assert r.destination == m.dest[y] and r.hop_count == hops and r.cost.hop_count == hops
        assert r.iface == iface and r.next_hop == hash_of[via]
        assert r.cumulative_cost == (fee_code if hops == 2 else 0)
        assert r.cost.worst_latency_ms == LINE_LATENCY and r.cost.bottleneck_bps == bw_code
        assert r.state == "active" and not r.failed and r.expires_ms > end
        assert r.lamport == announced_lamport(m, m.dest[y])
        assert node[y].lamport >= r.lamport
        for p in POLICIES:  # one path: every policy picks it
            assert node[x].route(m.dest[y], end, p) == r
    for x in "abc":
        routes = node[x].routes()
        assert all(r.destination in {m.dest[y] for y in "abc" if y != x} for r in routes)
        assert len([r for r in routes if r.state == "active" and not r.failed and not r.suspect]) == 2
        assert [r.destination for r in routes] == sorted(r.destination for r in routes)
        assert node[x].route(m.dest[x], end) is None

    # Budgets: capacity = share x bandwidth x 60 s / 8; spending within capacity + refill x elapsed.
    for n, iface in ((m.a, 0), (m.c, 0), (m.c, 1), (m.b, 0)):
        b = n.budget(iface, end)
        assert isinstance(b, GossipBudget) and b.bandwidth_bps == LINE_BW and not b.constrained
        for tier, share in SHARES.items():
            capacity = math.floor(share * LINE_BW * 60 / 8)
            assert b.tiers[tier].capacity == capacity
            assert 0 <= b.tiers[tier].available <= capacity
        r = b.tiers[TIER_ROUTING]
        earned = SHARES[1] * LINE_BW / 8 * end / 1000
        assert 0 < r.bytes_sent <= r.capacity + earned and r.messages > 0
        assert r.available <= r.capacity + earned - r.bytes_sent
        for t in (2, 3, 4):
            assert b.tiers[t].bytes_sent == 0 and b.tiers[t].available == b.tiers[t].capacity
        assert n.budget(iface).tiers[1].available is None
        assert n.budget(iface).tiers[1].bytes_sent == r.bytes_sent  # reading changed nothing

    # Neighbours: the middle node hears both ends, each end the middle.
    got = {(x.id, x.iface) for x in m.c.neighbours()}
    assert got == {(hash_of["a"], 0), (hash_of["b"], 1)}
    assert [(x.id, x.iface) for x in m.a.neighbours()] == [(hash_of["c"], 0)]
    assert [(x.id, x.iface) for x in m.b.neighbours()] == [(hash_of["c"], 0)]
    assert all(isinstance(x, NeighbourInfo) and not x.down and 0 <= x.last_heard_ms <= end and x.counter >= 1
               for n in (m.a, m.b, m.c) for x in n.neighbours())

    for n in (m.a, m.b, m.c):
        s = n.stats
        assert s["gossip_sent"] > 0 and s["gossip_bytes_sent"] > s["gossip_sent"] and s["gossip_received"] > 0
        assert s["adverts_merged"] > 0 and s["gossip_rejected"] == 0 and s["neighbours_down"] == 0
        assert s["announces_sent"] == 1  # first boot

    # A cost change above 25 % triggers an announce, one of 10 % does not; the budget follows.
    assert m.a.metrics(0) == InterfaceMetrics(LINE_BW, LINE_LATENCY, False)
    m.a.set_interface_metrics(0, InterfaceMetrics(LINE_BW * 11 // 10, LINE_LATENCY), end + 100)
    m.run(end + 100)
    assert m.a.stats["announces_sent"] == 1
    m.a.set_interface_metrics(0, InterfaceMetrics(2 * LINE_BW, LINE_LATENCY), end + 200)
    m.run(end + 200)
    assert m.a.stats["announces_sent"] == 2
    b = m.a.budget(0, end + 200)
    assert b.bandwidth_bps == 2 * LINE_BW and b.tiers[1].capacity == math.floor(0.03 * 2 * LINE_BW * 60 / 8)
    assert m.a.interface_count == 1 and m.c.interface_count == 2

    # announce_nexus: the extra TLV follows the Lamport TLV, which is max(clock + 1, seconds).
    clock = m.b.lamport
    m.b.announce_nexus(m.dest["b"], end + 300, bytes([0x7E, 3]) + b"xyz")
    m.run(end + 300)
    ev = m.of(m.a, "announce")[-1]
    assert ev.id == m.dest["b"]
    lamport = max(clock + 1, (end + 300) // 1000)
    assert ev.data[8:] == bytes([0x01, 8]) + lamport.to_bytes(8, "little") + bytes([0x7E, 3]) + b"xyz"
    assert m.b.lamport == lamport
    with pytest.raises(nexus.link.TruncatedError):
        m.b.announce_nexus(m.dest["b"], end + 300, bytes([0x7E, 3, 1]))
    with pytest.raises(nexus.link.InvalidLengthError):
        m.b.announce_nexus(m.dest["b"], end + 300, bytes(130))

    # A link along the gossiped path, first hop chosen under another policy.
    with pytest.raises(ValueError):
        m.a.open_link(m.dest["b"], end + 400, "shortest")
    link = m.a.open_link(m.dest["b"], end + 400, "fastest")
    m.run(end + 400)
    assert m.a.link_state(link) == "active"
    assert_only_repeated_announces(m)


def test_routing_without_gossip_and_errors():
    m = Mesh()
    m.b.announce(m.dest_b, 7000)
    m.run(7000)
    # Gossip off (the default): the table still learns from announces; no budget, no neighbours.
    # Without the NEXUS extension the Lamport time is the announce's time in seconds (random hash).
    (r,) = m.a.routes()
    assert r.lamport == 7 and m.a.lamport == 7
    assert r.destination == m.dest_b and r.next_hop == m.c.identity_hash and r.iface == 0
    assert r.cost.hop_count == 2 and r.cost.cumulative_cost == 0 and r.cost.worst_latency_ms == 0
    assert r.cost.bottleneck_bps == round(8 * math.log2(1_000_000))  # the default interface bandwidth
    assert m.a.route(m.dest_b, 7000) == r
    assert m.a.budget(0) is None and m.c.neighbours() == []
    assert m.b.stats["announces_sent"] == 1 and m.b.stats["gossip_sent"] == 0

    # Config: defaults and checks.
    d = NodeConfig()
    assert (d.policy, d.gossip, d.auto_announce, d.relay_fee) == ("balanced", False, False, 0)
    assert (d.announce_interval_ms, d.gossip_interval_ms) == (1_800_000, 60_000)
    assert (d.active_intervals, d.stale_intervals, d.down_rounds, d.evict_rounds) == (3, 1, 3, 10)
    key = m.ids["a"]
    for bad in (dict(policy="shortest"), dict(gossip_interval_ms=0), dict(announce_interval_ms=0),
                dict(down_rounds=0), dict(evict_rounds=2), dict(active_intervals=0), dict(relay_fee=-1),
                dict(relay_fee=2**32)):
        with pytest.raises(ValueError):
            Node(key, config=NodeConfig(**bad))
    with pytest.raises(TypeError):
        Node(key, config=NodeConfig(policy=3))
    n = Node(key, config=NodeConfig(policy="cheapest", relay_fee=2**32 - 1, stale_intervals=0))

    # Interfaces and metrics.
    assert n.add_interface() == 0 and n.metrics(0) == InterfaceMetrics()
    assert n.add_interface(InterfaceMetrics(9600, 1500, True)) == 1
    assert n.metrics(1) == InterfaceMetrics(9600, 1500, True)
    n.set_interface_metrics(0, InterfaceMetrics(2400, 20), 0)
    assert n.metrics(0) == InterfaceMetrics(2400, 20, False)
    for call in (lambda: n.metrics(2), lambda: n.budget(2), lambda: n.budget(255),
                 lambda: n.set_interface_metrics(5, InterfaceMetrics(), 0)):
        with pytest.raises(nexus.link.InvalidArgumentError):
            call()
    for bad in (lambda: n.metrics(-1), lambda: n.budget(256),
                lambda: n.add_interface(InterfaceMetrics(bandwidth_bps=-1)),
                lambda: n.add_interface(InterfaceMetrics(bandwidth_bps=2**32)),
                lambda: n.add_interface(InterfaceMetrics(latency_ms=65536)),
                lambda: n.route(bytes(15), 0), lambda: n.route(bytes(16), 0, "shortest"),
                lambda: n.announce_nexus(bytes(17), 0)):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(TypeError):
        n.add_interface({"bandwidth_bps": 5})
    with pytest.raises(TypeError):
        n.set_interface_metrics(0, None, 0)
    with pytest.raises(TypeError):
        n.route(bytes(16), 0, 1)
    with pytest.raises(NotFoundError):
        n.announce_nexus(bytes(16), 0)
    with pytest.raises(NotFoundError):
        n.open_link(bytes(16), 0, "fastest")
    assert n.route(bytes(16), 0) is None and n.routes() == [] and n.neighbours() == [] and n.lamport == 0
    assert n.interface_count == 2


# ---- the node's API: events, known destinations, path requests, link table, presets ----------------


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_events_come_from_poll_in_causal_order(profile):
    m = Mesh(profile)
    m.b.announce(m.dest_b, 0)
    ((raw, iface, exc),) = m.b.pop_outgoing(0)
    assert m.c.receive(1, raw, 0) is None  # accepted: nothing returned, the event waits for poll
    (ev,) = m.c.poll(0)
    assert (ev.kind, ev.id, ev.iface, ev.hops) == ("announce", m.dest_b, 1, 1)
    assert m.c.poll(0) == []
    m.run(0)
    link = open_link(m)
    for i in range(5):
        m.a.send(link, bytes([i]) * 3, 20 + i)
    m.run(30)
    m.a.close(link)
    m.run(40)
    # B's link events in the order they happened: a request, establishment, the messages as sent,
    # the close; and nothing of the link before its request or after its close.
    kinds = [e.kind for e in m.of(m.b) if e.id == link]
    assert kinds == ["link_request", "link_established"] + ["link_data"] * 5 + ["link_closed"]
    assert m.data(m.b) == [bytes([i]) * 3 for i in range(5)]
    # C forwarded every one of them for someone else: the request, the proof, 5 messages, a close
    # (and the RTT packet that establishes the link at B): one event each, with the link id.
    forwarded = [e for e in m.of(m.c, "forwarded") if e.id in (link, m.dest_b)]
    assert len(forwarded) == m.c.stats["forwarded"] - 1  # the first one: B's announce, relayed


def test_event_kinds_and_counters_are_the_cores():
    kinds = enum_names(cpp_source("include/nexus/node/events.hpp"), "node_event_kind")
    assert list(EVENT_KINDS) == kinds and EVENT_KINDS[0] == "none"
    stats = struct_fields(cpp_source("include/nexus/node/context.hpp"), "node_stats")
    assert len(stats) >= 30
    n = Node(Identity.from_seed(bytes(32)))
    assert list(n.stats) == stats and all(v == 0 for v in n.stats.values())


def test_presets_are_the_libraries():
    text = cpp_source("include/nexus/config.hpp")
    fields = struct_fields(text, "node_capacities")
    assert set(PRESETS) == {"pi_bridge", "research"} and DEFAULT_PRESET == "pi_bridge"
    for name, caps in PRESETS.items():
        assert list(caps) == fields and caps == preset_values(text, name)
    assert CAPACITIES == PRESETS["pi_bridge"]
    for preset in PRESETS:
        n = Node(Identity.from_seed(bytes([7]) * 32), preset=preset)
        assert n.preset == preset and n.capacities == PRESETS[preset]
        for i in range(n.capacities["interfaces"]):
            assert n.add_interface(now_ms=i) == i
        with pytest.raises(FullError):
            n.add_interface()
        for i in range(n.capacities["destinations"]):
            n.add_destination(f"app.preset.{i}")
        with pytest.raises(FullError):
            n.add_destination("app.preset.more")
    assert Node(Identity.from_seed(bytes([7]) * 32)).preset == "pi_bridge"


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_known_destinations(profile):
    m = Mesh(profile)
    m.b.announce(m.dest_b, 7000, b"b-app")
    m.run(7000)
    pub_b = m.ids["b"].public_key
    for n in (m.a, m.c):
        k = n.known(m.dest_b)
        assert isinstance(k, KnownDestination) and n.known_count == 1
        assert k.public_key == pub_b and k.owner == hash16(profile, pub_b)
        assert k.name_hash == HASHES[profile](b"nexus.test.b")[:10]
        # Without the NEXUS extension the Lamport time is the emission time, in seconds.
        assert k.emitted == 7 and k.lamport == 7
        assert k.announce_expires_ms == 7000 + 90 * 60 * 1000 and k.links == 0
        assert k.cached and k.app_data == b"b-app"
    assert m.b.known(m.dest_b) is None and m.b.known_count == 0  # our own is not "known"
    link = open_link(m, 8000)
    assert m.a.known(m.dest_b).links == 1  # a link of ours up: the destination is protected
    m.a.close(link)
    m.run(8010)
    assert m.a.known(m.dest_b).links == 0

    # App data beyond the preset's cached_app_data is not cached (the announce is still learned).
    limit = {p: preset_values(cpp_source("include/nexus/config.hpp"), p)["cached_app_data"] for p in PRESETS}
    assert limit == {p: PRESETS[p]["cached_app_data"] for p in PRESETS}
    assert limit["research"] < limit["pi_bridge"]
    app = bytes(range(limit["research"] + 1))  # fits the bridge's cache, not the research node's
    ids = [Identity.from_seed(bytes([0x30 + i]) * 32, profile) for i in range(2)]
    owner = Node(ids[0], seed=5)
    owner.add_interface()
    dest = owner.add_destination("nexus.test.app")
    for preset, cached in (("pi_bridge", True), ("research", False)):
        n = Node(ids[1], seed=6, preset=preset)
        n.add_interface()
        owner.announce(dest, 9000 + len(preset), app)
        ((raw, _, _),) = owner.pop_outgoing(9000)
        n.receive(0, raw, 9000)
        assert [e.data for e in n.poll(9000)] == [app]
        k = n.known(dest)
        assert k.cached is cached and k.app_data == (app if cached else None)


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_request_path(profile):
    m = Mesh(profile)
    m.b.announce(m.dest_b, 0)
    run_mesh([m.c, m.b], [m.cables[1]], 0)  # A is not cabled yet: only C hears B
    assert m.c.known(m.dest_b) is not None and m.a.known(m.dest_b) is None and m.a.route(m.dest_b, 0) is None
    start = len(m.trace)
    m.a.request_path(m.dest_b, 1000)
    m.a.request_path(m.dest_b, 1000)  # again within 20 s: nothing more
    for t in (1000, 1400, 1500):  # C answers after a 0.4 s grace
        m.run(t)
    frames = m.frames(start)
    (req,) = [raw for sender, _, raw in m.trace[start:] if sender is m.a]
    # PLAIN (destination type 2) DATA, HEADER_1, to the plain destination "rnstransport.path.request":
    # the hash of its name hash; data: the destination, then a tag (A is no transport node).
    name = HASHES[profile](b"rnstransport.path.request")[:10]
    assert req[0] == 0x08 and req[1] == 0 and req[2:18] == HASHES[profile](name)[:16] and req[18] == 0
    assert req[19:35] == m.dest_b and 1 <= len(req) - 35 <= 16
    # The answer: C's cached copy of B's announce as a path response (context 0x0B), HEADER_2 with
    # C's identity as transport id.
    (resp,) = [f for f in frames if f[0] & 0x03 == 0x01]
    assert resp[0] & 0x40 and resp[2:18] == m.c.identity_hash and resp[18:34] == m.dest_b and resp[34] == 0x0B
    (ev,) = m.of(m.a, "announce")
    assert ev.id == m.dest_b and ev.hops == 2
    r = m.a.route(m.dest_b, 1500)
    assert r.hop_count == 2 and r.next_hop == m.c.identity_hash
    assert m.a.known(m.dest_b).public_key == m.ids["b"].public_key
    assert m.a.stats["path_requests_sent"] == 1 and m.c.stats["path_requests_answered"] == 1


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_link_table_of_the_bridge(profile):
    m = Mesh(profile)
    m.b.announce(m.dest_b, 0)
    m.run(0)
    assert m.c.link_table_size == 0
    link = open_link(m)
    # C forwards the link: the request came in on interface 0 (from A) and went out on 1 to B, its
    # neighbour (HEADER_1: no transport id); B's proof came back through it.
    e = m.c.link_table_entry(link)
    assert isinstance(e, LinkRoute) and m.c.link_table_size == 1
    assert e.destination == m.dest_b and e.next_hop is None
    assert (e.toward_initiator, e.toward_responder) == (0, 1)
    assert e.proven and e.requests == 1 and e.proofs == 1 and e.expires_ms > 10
    for n in (m.a, m.b):  # the ends hold the link itself, not a table entry
        assert n.link_table_size == 0 and n.link_table_entry(link) is None
    assert m.c.link_table_entry(bytes(16)) is None


def test_announce_rate_control_is_configured():
    # Rebroadcast rate control at the bridge: B announces twice a second apart. With the default
    # grace (5 violations) C relays both; with a grace of 0 the second is a violation beyond it
    # and is not relayed (the table still learns from it).
    for grace, relayed in ((5, 2), (0, 1)):
        m = Mesh("nexus", config=NodeConfig(announce_rate_grace=grace))
        m.b.announce(m.dest_b, 0)
        m.run(0)
        m.b.announce(m.dest_b, 1000)
        m.run(1000)
        assert len(m.of(m.a, "announce")) == relayed
        assert m.c.stats["rebroadcasts_limited"] == 2 - relayed
        assert m.c.stats["announces_valid"] == 2


@pytest.mark.parametrize("profile", ["nexus", "reticulum"])
def test_reliable_messages_over_a_lossy_bridge(profile):
    # A seeded dice loses a fifth of the link data (DATA to a link: flags & 0x0F == 0x0C) on every
    # cable. Each reliable message still arrives exactly once and in order, with its sequence and
    # context, and is confirmed once by "link_delivered"; FullError is the only refusal.
    m = Mesh(profile)
    m.b.announce(m.dest_b, 0)
    m.run(0)
    link = open_link(m)
    dice = random.Random(7)
    lost = 0
    got = {m.a: [], m.b: []}
    delivered = {m.a: [], m.b: []}

    def take(n, now):
        for e in n.poll(now):
            if n in got and e.kind == "link_data":
                assert e.reliable
                got[n].append((e.sequence, e.context, e.data))
            if n in got and e.kind == "link_delivered":
                assert not e.reliable and e.data == b""
                delivered[n].append(e.sequence)

    def step(now):
        nonlocal lost
        moved = True
        while moved:
            moved = False
            for n in (m.a, m.c, m.b):
                take(n, now)
                for raw, iface, except_iface in n.pop_outgoing(now):
                    moved = True
                    for x, y in m.cables:
                        for (src, si), (dst, di) in ((x, y), (y, x)):
                            if src is not n:
                                continue
                            if si != iface if iface != ALL_INTERFACES else si == except_iface:
                                continue
                            if raw[0] & 0x0F == 0x0C and dice.random() < 0.2:
                                lost += 1
                                continue
                            try:
                                dst.receive(di, raw, now)
                            except NodeError:
                                pass  # a refusal is a loss the channel repairs
                            take(dst, now)

    count = 100
    sent = {m.a: [], m.b: []}
    fulls = 0
    t = 1000
    while t < 1_000_000:
        for src, out in sent.items():
            while len(out) < count:
                i = len(out)
                msg = bytes([0xA if src is m.a else 0xB]) + bytes([i & 0xFF]) * ((i * 37) % CHANNEL_MDU)
                try:
                    seq = src.send_reliable(link, msg, t, 0x30 + i % 5)
                except FullError:
                    fulls += 1
                    break
                assert seq == i
                out.append((seq, 0x30 + i % 5, msg))
        step(t)
        if all(len(got[n]) == count and len(delivered[n]) == count for n in got):
            break
        t += 50
    assert lost > 20 and fulls > 0
    assert got[m.b] == sent[m.a] and got[m.a] == sent[m.b]
    assert sorted(delivered[m.a]) == sorted(delivered[m.b]) == list(range(count))
    assert m.a.link_state(link) == "active"
    for n in (m.a, m.b):  # the channels' counters agree with what the test saw
        c = n.channel_info(link)
        assert c["window"] == CAPACITIES["channel_window"] and c["in_flight"] == c["unacknowledged"] == 0
        assert c["messages_sent"] == c["messages_acked"] == c["messages_received"] == count
        assert c["retransmissions"] > 0 and c["rto_ms"] >= 200 and c["malformed"] == 0
    assert m.a.channel_info(bytes(16)) is None
    assert CHANNEL_MDU == 452  # docs/link.md: a link packet's 456 bytes less the channel's 4

    with pytest.raises(InvalidLengthError):
        m.a.send_reliable(link, bytes(CHANNEL_MDU + 1), t)
    with pytest.raises(NotFoundError):
        m.a.send_reliable(bytes(16), b"x", t)
    with pytest.raises(ValueError):
        m.a.send_reliable(link, b"x", t, 256)
    with pytest.raises(TypeError):
        m.a.send_reliable(link, "text", t)
    with pytest.raises(InvalidArgumentError):
        m.a.send(link, bytes(7), t, 0x0E)  # the channel's context: only send_reliable writes it
    # Not active: a link still pending.
    pending = m.a.open_link(m.dest_b, t)
    with pytest.raises(BadStateError):
        m.a.send_reliable(pending, b"x", t)
