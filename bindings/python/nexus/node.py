"""nexus.node: the sans-I/O node (header-only C++, ``include/nexus/node.hpp``).

A :class:`Node` is one identity with its destinations, a path table learned from announces, links,
and optionally transport: it forwards announces, link requests and link traffic between its
interfaces, so a node with two interfaces and ``transport=True`` is a bridge. It never reads a clock
or touches a socket. The integrator's loop:

- :meth:`Node.receive` for every frame an interface delivers;
- :meth:`Node.pop_outgoing` for what to send: ``(raw, iface, except_iface)``, sent on ``iface``, or
  on every interface but ``except_iface`` when ``iface`` is :data:`ALL_INTERFACES` (a flood);
- :meth:`Node.poll` at :attr:`Node.next_deadline` at the latest (links that came up, closed or
  timed out).

Time is integer milliseconds on any monotonic clock. Randomness comes from the operating system
unless a ``seed`` is given (reproducible: simulations and tests only, never real keys). Refused
packets and calls raise a :class:`NodeError` subclass (a ``ValueError``) named after the nexus
error; the ones a link also raises are subclasses of the link's classes too, so
``except ReplayedError`` / ``except AuthFailedError`` catch both.

Capacities are fixed in this binding for a desktop or simulation node (:data:`CAPACITIES`): 8
interfaces, 4 destinations, 256 paths (the farthest is evicted when full), 32 links of its own, 64
forwarded links, 64 queued packets, 1024 remembered packet hashes (duplicate detection), 512
routing-table paths, 16 gossip neighbours.

Routing and gossip (``include/nexus/node.hpp``, docs/routing.md, docs/gossip.md): paths live in a
routing table (several per destination, Lamport-ordered, with the spec's timers) and every
forwarding decision is a lookup under the node's path policy (:attr:`NodeConfig.policy`, a name of
:data:`nexus.routing.POLICIES`). With ``NodeConfig(gossip=True)`` the node runs the tier-1 gossip
round on every interface (signed bloom summaries, path offers, neighbour liveness) within each
interface's budget; with ``auto_announce=True`` it announces its destinations on the spec's
triggers (first boot, a new interface, an interface cost change above 25 %, every announce
interval). Both are off by default. :class:`InterfaceMetrics` (bandwidth, latency, shared medium)
size an interface's gossip budget and the costs of the paths offered over it. The state is
readable: :meth:`Node.routes` (every path, as :class:`RouteInfo`), :meth:`Node.route` (the best
one, under any policy), :meth:`Node.budget` (:class:`GossipBudget`), :meth:`Node.neighbours`
(:class:`NeighbourInfo`), :attr:`Node.lamport` and the counters of :attr:`Node.stats`.

:func:`run_mesh` moves packets between nodes in memory until they are quiet: the seed of the
simulator API (issue 5).

    >>> a, b = Node(Identity.generate()), Node(Identity.generate())
    >>> c = Node(Identity.generate(), transport=True)
    >>> a0, c0, c1, b0 = a.add_interface(), c.add_interface(), c.add_interface(), b.add_interface()
    >>> dest = b.add_destination("app.demo")
    >>> b.announce(dest, now_ms=0)
    >>> [e.event.hops for e in run_mesh([a, c, b], [((a, a0), (c, c0)), ((c, c1), (b, b0))], 0)
    ...  if e.node is a and e.event.kind == "announce"]
    [2]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ._nexus import node as _native
from .identity import Identity, name_hash
from .link import (AuthFailedError, BadEncodingError, BadStateError, InvalidArgumentError, InvalidLengthError,
                   LinkConfig, ReplayedError, TruncatedError, UnsupportedError, WeakKeyError)
from .wire import PathCost

CAPACITIES: Dict[str, int] = dict(_native.CAPACITIES)
ALL_INTERFACES: int = _native.ALL_INTERFACES


class NodeError(ValueError):
    """A node refused a packet or a call; ``code`` is the nexus error name."""

    code = "unknown"

    def __init__(self, message: Optional[str] = None):
        super().__init__(message or self.code)


class NotFoundError(NodeError):
    """No path, no such destination or link."""

    code = "not_found"


class FullError(NodeError):
    """A table or the outbox is full."""

    code = "full"


class OutOfRangeError(NodeError):
    """The packet reached the hop limit."""

    code = "out_of_range"


class BufferTooSmallError(NodeError):
    code = "buffer_too_small"


def _both(link_cls):
    # A node error that is also the link binding's class of the same name.
    return type(link_cls.__name__, (NodeError, link_cls), {"code": link_cls.code, "__module__": __name__,
                                                             "__doc__": link_cls.__doc__})


_LINK_CLASSES = (ReplayedError, AuthFailedError, BadStateError, InvalidArgumentError, InvalidLengthError,
                 TruncatedError, BadEncodingError, WeakKeyError, UnsupportedError)
_ERRORS = {cls.code: cls for cls in [_both(c) for c in _LINK_CLASSES]
           + [NotFoundError, FullError, OutOfRangeError, BufferTooSmallError]}


def _call(fn, *args):
    try:
        return fn(*args)
    except _native.NodeError as e:
        name = str(e)
        cls = _ERRORS.get(name)
        if cls is None:
            cls = type(f"NodeError_{name}", (NodeError,), {"code": name})
        raise cls(name) from None


@dataclass(frozen=True)
class NodeConfig:
    """Timers in milliseconds, routing and gossip; the defaults are the library's. Bad values raise
    ValueError when a Node is made with the config."""

    link: LinkConfig = field(default_factory=LinkConfig)  # for links this node opens or accepts
    path_lifetime_ms: int = 90 * 60 * 1000  # a path expires this long after its announce arrived
    link_table_lifetime_ms: int = 10 * 60 * 1000  # idle forwarded-link entries expire after this
    max_hops: int = 128  # packets at or above are not handled or forwarded
    policy: str = "balanced"  # forwarding and offers: a name of nexus.routing.POLICIES
    gossip: bool = False  # run the tier-1 gossip round (path offers, liveness) on every interface
    auto_announce: bool = False  # announce our destinations on the spec's triggers
    relay_fee: int = 0  # uNXS per byte charged to relay, added to the paths offered (0 .. 2**32 - 1)
    announce_interval_ms: int = 30 * 60 * 1000  # periodic announce; paths live in these intervals
    gossip_interval_ms: int = 60 * 1000  # one gossip round
    active_intervals: int = 3  # a path is active for this many announce intervals (>= 1)
    stale_intervals: int = 1  # then stale for this many more
    down_rounds: int = 3  # silent rounds before a neighbour is down (>= 1)
    evict_rounds: int = 10  # silent rounds before its paths are removed (>= down_rounds)

    def _args(self) -> tuple:
        if not isinstance(self.link, LinkConfig):
            raise TypeError("config.link must be a nexus.LinkConfig")
        if not isinstance(self.policy, str):
            raise TypeError("config.policy must be a policy name (str)")
        return self.link._args() + (self.path_lifetime_ms, self.link_table_lifetime_ms, self.max_hops,
                                    self.policy, bool(self.gossip), bool(self.auto_announce), self.relay_fee,
                                    self.announce_interval_ms, self.gossip_interval_ms, self.active_intervals,
                                    self.stale_intervals, self.down_rounds, self.evict_rounds)


@dataclass(frozen=True)
class InterfaceMetrics:
    """What a node knows of one of its interfaces: its nominal bandwidth (sizes the gossip budget and
    the bottleneck of the paths offered over it), its latency (their worst_latency_ms) and whether
    it is a shared broadcast medium with several neighbours (LoRa: floods repeat on it)."""

    bandwidth_bps: int = 1_000_000
    latency_ms: int = 0
    shared: bool = False


@dataclass(frozen=True)
class RouteInfo:
    """One path of the routing table. next_hop is the neighbour's identity hash (the destination's
    own identity when it is a neighbour); cost is the CompactPathCost after every hop to the
    destination (codes: nexus.wire.encode_cost / encode_bandwidth); reliability 0 (unknown) .. 255;
    state "active" or "stale" as last aged; failed after a failed delivery or a withdrawal; lamport
    the origin's Lamport time; suspect when the offer's path bloom holds this node (a last resort,
    used only while the destination has no trusted path)."""

    destination: bytes
    iface: int
    next_hop: bytes
    cost: PathCost
    reliability: int
    state: str
    failed: bool
    lamport: int
    last_updated_ms: int
    expires_ms: int
    evict_at_ms: int
    last_used_ms: int
    suspect: bool

    @property
    def hop_count(self) -> int:
        return self.cost.hop_count

    @property
    def cumulative_cost(self) -> int:
        return self.cost.cumulative_cost

    @classmethod
    def _of(cls, t) -> "RouteInfo":
        return cls(t[0], t[1], t[2], PathCost(*t[3]), *t[4:])


@dataclass(frozen=True)
class TierBudget:
    """One gossip tier's token bucket: capacity (bytes), available (bytes at the time asked, None
    when no time was given), and what it let through / refused."""

    capacity: int
    available: Optional[int]
    bytes_sent: int
    messages: int
    refused: int
    refused_push: int


@dataclass(frozen=True)
class GossipBudget:
    """The gossip budget of one interface (nexus/gossip/budget.hpp): per tier (1 routing,
    2 payments, 3 services, 4 trust: :data:`nexus.routing.TIER_ROUTING`...) a bucket of share x
    bandwidth x 60 s / 8 bytes (shares 3 %, 3 %, 2 %, 2 %) refilled at share x bandwidth / 8 bytes
    per second; constrained under 10 kbps."""

    bandwidth_bps: int
    constrained: bool
    tiers: Dict[int, TierBudget]


@dataclass(frozen=True)
class NeighbourInfo:
    """A gossip neighbour: its identity hash, heard on iface; down after down_rounds silent rounds."""

    id: bytes
    iface: int
    last_heard_ms: int
    down: bool
    session: int
    counter: int


@dataclass(frozen=True)
class NodeEvent:
    """What happened. kind is "announce" (id = destination, hops, data = app data), "link_request",
    "link_established", "link_identified", "link_data" (context, data = plaintext), "link_rotated",
    "link_closed" (reason: "local", "remote", "inactivity", "establishment_timeout",
    "unidentified"), "forwarded" (for someone else) or "none"; id is the destination or link id."""

    kind: str
    id: bytes
    iface: int
    hops: int = 0
    context: int = 0
    reason: str = "none"
    data: bytes = b""


def _bytes(value, what: str) -> bytes:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    return value


def _metrics(metrics, required: bool = False) -> InterfaceMetrics:
    if metrics is None and not required:
        return InterfaceMetrics()
    if not isinstance(metrics, InterfaceMetrics):
        raise TypeError("metrics must be a nexus.node.InterfaceMetrics")
    return metrics


def _policy(policy: Optional[str]) -> Optional[str]:
    if policy is not None and not isinstance(policy, str):
        raise TypeError("policy must be a policy name (str) or None")
    return policy


def _seed(seed: Optional[int]) -> Optional[int]:
    if seed is not None and not 0 <= seed < 2**64:
        raise ValueError("seed must be between 0 and 2**64 - 1")
    return seed


class Node:
    """A nexus node with the identity's profile. Add interfaces and destinations, then drive it with
    receive / pop_outgoing / poll."""

    __slots__ = ("_core", "name")

    def __init__(self, identity: Identity, transport: bool = False, seed: Optional[int] = None,
                 config: Optional[NodeConfig] = None, name: Optional[str] = None):
        if not isinstance(identity, Identity):
            raise TypeError("identity must be a nexus.Identity")
        if config is None:
            config = NodeConfig()
        if not isinstance(config, NodeConfig):
            raise TypeError("config must be a nexus.NodeConfig")
        self._core = _call(_native.NodeCore, identity.profile, identity.private_key(), bool(transport),
                           _seed(seed), *config._args())
        self.name = name  # free for the application (run_mesh and repr use it)

    def add_interface(self, metrics: Optional[InterfaceMetrics] = None) -> int:
        """Registers an interface (default metrics: 1,000,000 bps, 0 ms, not shared); returns its id
        (0, 1, ...). FullError beyond 8. A new interface is an announce trigger (auto_announce)."""
        m = _metrics(metrics)
        return _call(self._core.add_interface, m.bandwidth_bps, m.latency_ms, bool(m.shared))

    def set_interface_metrics(self, iface: int, metrics: InterfaceMetrics, now_ms: int) -> None:
        """New metrics for an interface; its gossip budget continues at the new bandwidth. A change of
        bandwidth or latency above 25 % is an announce trigger. InvalidArgumentError for an unknown
        interface."""
        m = _metrics(metrics, required=True)
        _call(self._core.set_interface_metrics, iface, m.bandwidth_bps, m.latency_ms, bool(m.shared), now_ms)

    def metrics(self, iface: int) -> InterfaceMetrics:
        """An interface's metrics; InvalidArgumentError for an unknown interface."""
        return InterfaceMetrics(*_call(self._core.metrics, iface))

    @property
    def interface_count(self) -> int:
        return self._core.interface_count

    def add_destination(self, name: Union[str, bytes], accept_links: bool = True) -> bytes:
        """Registers one of our destinations: a full name ("app.aspect...", a str) or its 10-byte
        name hash (bytes). Returns the 16-byte destination hash."""
        if isinstance(name, str):
            nh = name_hash(name, self.profile)
        else:
            nh = _bytes(name, "name")
            if len(nh) != 10:
                raise ValueError("a name hash must be 10 bytes (give the full name as a str)")
        return _call(self._core.add_destination, nh, bool(accept_links))

    def announce(self, destination: bytes, now_ms: int, app_data: bytes = b"") -> None:
        """Queues a signed announce of our destination on every interface."""
        _call(self._core.announce, _bytes(destination, "destination"), now_ms, _bytes(app_data, "app_data"))

    def announce_nexus(self, destination: bytes, now_ms: int, extra_tlvs: bytes = b"") -> None:
        """Announces with the NEXUS extension: the origin's path cost, the next Lamport time (TLV
        0x01), then extra_tlvs (whole TLV entries: type, length, value) -- what auto_announce sends.
        InvalidLengthError when the TLVs do not fit the 128-byte extension, TruncatedError for an
        incomplete TLV entry."""
        _call(self._core.announce_nexus, _bytes(destination, "destination"), now_ms,
              _bytes(extra_tlvs, "extra_tlvs"))

    def open_link(self, destination: bytes, now_ms: int, policy: Optional[str] = None) -> bytes:
        """Opens a link to a destination whose announce we have seen; returns the link id. The first
        hop is the best path under ``policy`` (the node's own when None). The request leaves with
        pop_outgoing; "link_established" comes when the proof arrives."""
        return _call(self._core.open_link, _bytes(destination, "destination"), now_ms, _policy(policy))

    def identify(self, link: bytes) -> None:
        """Initiator: proves our identity on the link (sent encrypted)."""
        _call(self._core.identify, _bytes(link, "link"))

    def send(self, link: bytes, data: bytes, now_ms: int, context: int = 0) -> None:
        """Encrypts and queues data (at most 456 bytes) on an active link."""
        _call(self._core.send, _bytes(link, "link"), _bytes(data, "data"), now_ms, context)

    def close(self, link: bytes) -> None:
        """Closes a link at once (a close packet is queued for the peer)."""
        _call(self._core.close, _bytes(link, "link"))

    def link_state(self, link: bytes) -> str:
        """"pending", "handshake", "active" or "closed"; NotFoundError once reported closed."""
        return _call(self._core.link_state, _bytes(link, "link"))

    def receive(self, iface: int, raw: bytes, now_ms: int) -> NodeEvent:
        """Handles one frame received on iface. A refused frame raises a NodeError subclass
        (ReplayedError, AuthFailedError, NotFoundError, ...); the node then changes only its
        counters."""
        return NodeEvent(*_call(self._core.receive, iface, _bytes(raw, "raw"), now_ms))

    def pop_outgoing(self, now_ms: int) -> List[Tuple[bytes, int, int]]:
        """Every packet to send now, in order: (raw, iface, except_iface). iface is ALL_INTERFACES
        (255) for a flood on every interface but except_iface (255 when none is excepted)."""
        return _call(self._core.pop_outgoing, now_ms)

    def poll(self, now_ms: int) -> List[NodeEvent]:
        """Runs the timers: links that came up or closed (closed ones are forgotten)."""
        return [NodeEvent(*t) for t in _call(self._core.poll, now_ms)]

    @property
    def next_deadline(self) -> Optional[int]:
        """When to call poll / pop_outgoing next (ms): 0 when something is queued, None when
        nothing is pending."""
        return self._core.next_deadline()

    def path(self, destination: bytes) -> Optional[dict]:
        """The path to a destination, or None: iface, next_hop (the transport node's identity hash,
        None when directly reachable), hops, expires_ms, public_key, name_hash."""
        return self._core.path(_bytes(destination, "destination"))

    @property
    def stats(self) -> dict:
        """Counters: received, sent, forwarded, duplicates, malformed, announces_valid,
        announces_rejected, links_rejected, no_route, gossip_sent, gossip_bytes_sent,
        gossip_received, gossip_rejected, adverts_merged, adverts_refused, neighbours_down,
        announces_sent."""
        return self._core.stats

    def routes(self) -> List[RouteInfo]:
        """Every path of the routing table (active, stale and failed), ordered by destination bytes,
        then arrival."""
        return [RouteInfo._of(t) for t in self._core.routes()]

    def route(self, destination: bytes, now_ms: int, policy: Optional[str] = None) -> Optional[RouteInfo]:
        """The best usable path to a destination at now_ms under ``policy`` (the node's own when
        None), as the node would forward: among active paths, else stale ones, never failed ones;
        None when there is none."""
        t = self._core.route(_bytes(destination, "destination"), now_ms, _policy(policy))
        return None if t is None else RouteInfo._of(t)

    def budget(self, iface: int, now_ms: Optional[int] = None) -> Optional[GossipBudget]:
        """The gossip budget of an interface (available bytes at now_ms when given; reading never
        changes the node), or None before its first gossip round or without gossip.
        InvalidArgumentError for an unknown interface."""
        t = _call(self._core.budget, iface, now_ms)
        if t is None:
            return None
        bps, constrained, tiers = t
        return GossipBudget(bps, bool(constrained), {i + 1: TierBudget(*x) for i, x in enumerate(tiers)})

    def neighbours(self) -> List[NeighbourInfo]:
        """The gossip neighbours heard so far (down ones included until their paths are evicted)."""
        return [NeighbourInfo(*t) for t in self._core.neighbours()]

    @property
    def lamport(self) -> int:
        """The node's Lamport clock (the time its next announce carries, minus one)."""
        return self._core.lamport

    @property
    def identity_hash(self) -> bytes:
        """Our identity hash: the transport id in the HEADER_2 packets we forward."""
        return self._core.identity_hash

    @property
    def transport(self) -> bool:
        return self._core.transport

    @property
    def profile(self) -> str:
        return self._core.profile

    def __repr__(self):
        label = f"{self.name!r}, " if self.name else ""
        return f"Node({label}{self.identity_hash.hex()}, transport={self.transport})"


End = Tuple[Node, int]


@dataclass(frozen=True)
class MeshEvent:
    """An event of run_mesh: at which node, and the event (or the refusal's error code)."""

    node: Node
    event: Optional[NodeEvent] = None
    error: Optional[str] = None  # the NodeError code when the node refused a frame
    frame: bytes = b""  # the refused frame


def run_mesh(nodes: Sequence[Node], cables: Iterable[Tuple[End, End]], now_ms: int,
             max_rounds: int = 10_000,
             trace: Optional[List[Tuple[Node, int, bytes]]] = None) -> List[MeshEvent]:
    """Moves packets between in-memory nodes until none has anything left to send; returns what
    happened, in order. Each cable joins two (node, iface) ends and carries every frame both ways,
    instantly and without loss. In each round every node (in the order given) is polled, then
    sends everything it has queued, each packet delivered at once to the far end of every cable it
    goes out on. Refused frames appear as events with ``error`` set (the NodeError code). With
    ``trace`` (a list), every (sender, iface, raw) put on a cable is appended to it.

    The seed of the simulator API (issue 5): later versions add latency, loss, bandwidth and a
    clock that advances to the nodes' deadlines."""
    ends: Dict[int, List[Tuple[int, End]]] = {}
    for (n1, i1), (n2, i2) in cables:
        ends.setdefault(id(n1), []).append((i1, (n2, i2)))
        ends.setdefault(id(n2), []).append((i2, (n1, i1)))
    events: List[MeshEvent] = []
    for _ in range(max_rounds):
        moved = False
        for n in nodes:
            events.extend(MeshEvent(n, e) for e in n.poll(now_ms))
            for raw, iface, except_iface in n.pop_outgoing(now_ms):
                moved = True
                for local, (peer, peer_iface) in ends.get(id(n), []):
                    if not (local != except_iface if iface == ALL_INTERFACES else local == iface):
                        continue
                    if trace is not None:
                        trace.append((n, local, raw))
                    try:
                        ev = peer.receive(peer_iface, raw, now_ms)
                    except NodeError as e:
                        events.append(MeshEvent(peer, None, e.code, raw))
                        continue
                    if ev.kind != "none":
                        events.append(MeshEvent(peer, ev))
        if not moved:
            return events
    raise RuntimeError("run_mesh: the mesh did not go quiet")


__all__ = [
    "ALL_INTERFACES",
    "CAPACITIES",
    "Node",
    "NodeConfig",
    "NodeEvent",
    "InterfaceMetrics",
    "RouteInfo",
    "TierBudget",
    "GossipBudget",
    "NeighbourInfo",
    "MeshEvent",
    "run_mesh",
    "NodeError",
    "NotFoundError",
    "FullError",
    "OutOfRangeError",
    "BufferTooSmallError",
]
