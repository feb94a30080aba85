"""nexus.node: the sans-I/O node (header-only C++, ``include/nexus/node.hpp``).

A :class:`Node` is one identity with its destinations, the destinations it learned from announces
and the paths to them, links, and optionally transport: it forwards announces, path requests, link
requests and link traffic between its interfaces, so a node with two interfaces and
``transport=True`` is a bridge. It never reads a clock or touches a socket. The integrator's loop:

- :meth:`Node.receive` for every frame an interface delivers (a refused frame raises; an accepted
  one returns nothing: what it caused comes from poll);
- :meth:`Node.pop_outgoing` for what to send: ``(raw, iface, except_iface)``, sent on ``iface``, or
  on every interface but ``except_iface`` when ``iface`` is :data:`ALL_INTERFACES` (a flood);
- :meth:`Node.poll` after receiving and at :attr:`Node.next_deadline` at the latest: every event
  (announces heard, link requests, links established, data, closes, packets forwarded), in the
  order they happened.

Time is integer milliseconds on any monotonic clock. Randomness comes from the operating system
unless a ``seed`` is given (reproducible: simulations and tests only, never real keys). Refused
packets and calls raise the :mod:`nexus.errors` class of the nexus error (:class:`NotFoundError`,
:class:`ReplayedError`, ...), the same classes a link raises, all subclasses of :class:`NodeError`,
which is :class:`nexus.NexusError` (a ``ValueError``).

Capacities are fixed per node by a named preset of the C++ library (``include/nexus/config.hpp``):
``Node(..., preset="pi_bridge")``, the default, a host node (8 interfaces, 256 known destinations,
1,024 routing-table paths, 32 links, ...), or ``preset="research"`` for simulations (16 interfaces,
1,024 known destinations, 4,096 paths, ...). :data:`PRESETS` holds each preset's capacities and
:attr:`Node.capacities` a node's, as dicts keyed by the C++ ``node_capacities`` field names (read
from the C++ constants); :data:`CAPACITIES` is the default preset's.

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
one, under any policy), :meth:`Node.known` (what an announce told of a destination, as
:class:`KnownDestination`), :meth:`Node.link_table_entry` (a link forwarded for others, as
:class:`LinkRoute`), :meth:`Node.budget` (:class:`GossipBudget`), :meth:`Node.neighbours`
(:class:`NeighbourInfo`), :attr:`Node.lamport` and the counters of :attr:`Node.stats`. A node
without a usable path can ask the mesh for one: :meth:`Node.request_path`.

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
from .errors import (AuthFailedError, BadEncodingError, BadStateError, BufferTooSmallError,  # noqa: F401
                     FullError, InvalidArgumentError, InvalidLengthError, NexusError, NotFoundError,
                     OutOfRangeError, ReplayedError, TruncatedError, UnsupportedError, WeakKeyError)
from .link import LinkConfig
from .wire import PathCost

#: The capacity presets a Node can have, by name: each a dict keyed by node_capacities' fields.
PRESETS: Dict[str, Dict[str, int]] = {name: dict(caps) for name, caps in _native.PRESETS.items()}
#: The preset a Node has unless told otherwise.
DEFAULT_PRESET: str = _native.DEFAULT_PRESET
#: The default preset's capacities.
CAPACITIES: Dict[str, int] = dict(PRESETS[DEFAULT_PRESET])
#: Event kind names (nexus::to_string(node_event_kind)), "none" first.
EVENT_KINDS: Tuple[str, ...] = tuple(_native.EVENT_KINDS)
ALL_INTERFACES: int = _native.ALL_INTERFACES
#: Largest message of :meth:`Node.send_reliable`, bytes (a link packet less the channel's header).
CHANNEL_MDU: int = int(_native.CHANNEL_MDU)


# A node's refusals are nexus.errors classes, raised by the native module itself; NodeError is
# their base under its older name (``except NodeError`` catches every one).
NodeError = NexusError


def _call(fn, *args):
    # Nothing left to translate (see above); kept so the call sites stay as they were.
    return fn(*args)


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
    # Rebroadcast rate control per destination: relayed announces sooner than target after the last
    # are violations; beyond grace (0 .. 255) of them that destination's announces are not relayed
    # until last + target + penalty.
    announce_rate_target_ms: int = 60 * 1000
    announce_rate_grace: int = 5
    announce_rate_penalty_ms: int = 0

    def _args(self) -> tuple:
        if not isinstance(self.link, LinkConfig):
            raise TypeError("config.link must be a nexus.LinkConfig")
        if not isinstance(self.policy, str):
            raise TypeError("config.policy must be a policy name (str)")
        return self.link._args() + (self.path_lifetime_ms, self.link_table_lifetime_ms, self.max_hops,
                                    self.policy, bool(self.gossip), bool(self.auto_announce), self.relay_fee,
                                    self.announce_interval_ms, self.gossip_interval_ms, self.active_intervals,
                                    self.stale_intervals, self.down_rounds, self.evict_rounds,
                                    self.announce_rate_target_ms, self.announce_rate_grace,
                                    self.announce_rate_penalty_ms)


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
class KnownDestination:
    """What a node knows of a destination from its newest valid announce (node/routing.hpp
    known_destination): the owner's public key and identity hash, the name hash, the highest
    Lamport time heard and the newest announce's emission time (seconds), until when that announce
    is current, when the destination was last used, until when recent traffic protects it from
    eviction, how many of our links to it are up, and the cached announce's app data (None when the
    announce is not cached: its app data did not fit the preset's cached_app_data, or a ratchet)."""

    public_key: bytes
    name_hash: bytes
    owner: bytes
    lamport: int
    emitted: int
    announce_expires_ms: int
    last_used_ms: int
    protected_until_ms: int
    links: int
    cached: bool
    app_data: Optional[bytes]


@dataclass(frozen=True)
class LinkRoute:
    """A transport node's entry for a link it forwards for others (node/transport.hpp link_route):
    the link's destination, where the request went (next_hop: the transport id, None when the
    destination's node is the neighbour), the interfaces toward each end, whether the proof came
    back, link requests and proofs forwarded, and when the entry expires."""

    destination: bytes
    next_hop: Optional[bytes]
    toward_initiator: int
    toward_responder: int
    proven: bool
    requests: int
    proofs: int
    expires_ms: int
    last_request_ms: int


@dataclass(frozen=True)
class NodeEvent:
    """What happened. kind is one of :data:`EVENT_KINDS`: "announce" (id = destination, hops, data =
    app data), "link_request", "link_established", "link_identified", "link_data" (context, data =
    plaintext; reliable is True when it came by :meth:`Node.send_reliable`, with its sequence),
    "link_rotated", "link_closed" (reason: "local", "remote", "inactivity",
    "establishment_timeout", "unidentified", "delivery_failed"), "forwarded" (for someone else),
    "link_delivered" (the peer acknowledged the reliable message numbered sequence); id is the
    destination or link id."""

    kind: str
    id: bytes
    iface: int
    hops: int = 0
    context: int = 0
    reason: str = "none"
    data: bytes = b""
    reliable: bool = False
    sequence: int = 0


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


def _preset(preset) -> str:
    if not isinstance(preset, str):
        raise TypeError("preset must be a preset name (str)")
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(repr(p) for p in PRESETS)}, not {preset!r}")
    return preset


class Node:
    """A nexus node with the identity's profile and the capacities of a preset (:data:`PRESETS`:
    "pi_bridge", the default, or "research"). Add interfaces and destinations, then drive it with
    receive / pop_outgoing / poll."""

    __slots__ = ("_core", "name")

    def __init__(self, identity: Identity, transport: bool = False, seed: Optional[int] = None,
                 config: Optional[NodeConfig] = None, name: Optional[str] = None,
                 preset: str = DEFAULT_PRESET):
        if not isinstance(identity, Identity):
            raise TypeError("identity must be a nexus.Identity")
        if config is None:
            config = NodeConfig()
        if not isinstance(config, NodeConfig):
            raise TypeError("config must be a nexus.NodeConfig")
        self._core = _call(_native.NodeCore, identity.profile, _preset(preset), identity.private_key(),
                           bool(transport), _seed(seed), *config._args())
        self.name = name  # free for the application (run_mesh and repr use it)

    @property
    def preset(self) -> str:
        """The name of the node's capacity preset."""
        return self._core.preset

    @property
    def capacities(self) -> Dict[str, int]:
        """The node's capacities (its preset's), keyed by node_capacities' field names."""
        return self._core.capacities

    def add_interface(self, metrics: Optional[InterfaceMetrics] = None, now_ms: int = 0) -> int:
        """Registers an interface at now_ms (default metrics: 1,000,000 bps, 0 ms, not shared); returns
        its id (0, 1, ...). FullError beyond capacities["interfaces"]. A new interface is an
        announce trigger (auto_announce); ingress control treats announces on a young interface
        more strictly."""
        m = _metrics(metrics)
        return _call(self._core.add_interface, m.bandwidth_bps, m.latency_ms, bool(m.shared), now_ms)

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

    def send_reliable(self, link: bytes, data: bytes, now_ms: int, context: int = 0) -> int:
        """Queues data (at most :data:`CHANNEL_MDU` bytes) on the link's reliable channel and returns
        its sequence number. The peer's application gets it exactly once and in order (a
        "link_data" event with reliable=True); it is repeated until acknowledged, and a
        "link_delivered" event with the same sequence tells this side the peer has it. FullError
        while the channel's window is taken (try after a "link_delivered"), BadStateError unless the
        link is active, InvalidLengthError above CHANNEL_MDU. A message never acknowledged closes the
        link (reason "delivery_failed")."""
        return _call(self._core.send_reliable, _bytes(link, "link"), _bytes(data, "data"), now_ms, context)

    def close(self, link: bytes) -> None:
        """Closes a link at once (a close packet is queued for the peer)."""
        _call(self._core.close, _bytes(link, "link"))

    def link_state(self, link: bytes) -> str:
        """"pending", "handshake", "active" or "closed"; NotFoundError once reported closed."""
        return _call(self._core.link_state, _bytes(link, "link"))

    def receive(self, iface: int, raw: bytes, now_ms: int) -> None:
        """Handles one frame received on iface; what it caused (an announce heard, data on a link, a
        packet forwarded...) comes from :meth:`poll`. A refused frame raises the nexus.errors class
        of the reason (ReplayedError: a duplicate, AuthFailedError: a forged announce or a bad tag,
        NotFoundError: no path or an unknown link, TruncatedError / BadEncodingError: malformed,
        OutOfRangeError: the hop limit, FullError: no room now, the sender may repeat it); the node
        then changes only its counters."""
        _call(self._core.receive, iface, _bytes(raw, "raw"), now_ms)

    def pop_outgoing(self, now_ms: int) -> List[Tuple[bytes, int, int]]:
        """Every packet to send now, in order: (raw, iface, except_iface). iface is ALL_INTERFACES
        (255) for a flood on every interface but except_iface (255 when none is excepted)."""
        return _call(self._core.pop_outgoing, now_ms)

    def poll(self, now_ms: int) -> List[NodeEvent]:
        """Every event up to now_ms, in the order it happened: those of the frames received since the
        last poll, then those of the timers it runs (links that came up or timed out, closes: closed
        links are forgotten)."""
        return [NodeEvent(*t) for t in _call(self._core.poll, now_ms)]

    @property
    def next_deadline(self) -> Optional[int]:
        """When to call poll / pop_outgoing next (ms): 0 when something is queued, None when
        nothing is pending."""
        return self._core.next_deadline()

    def known(self, destination: bytes) -> Optional[KnownDestination]:
        """What the node knows of a destination from its announce, or None when it knows nothing of
        it (never heard, or evicted for room)."""
        d = self._core.known(_bytes(destination, "destination"))
        return None if d is None else KnownDestination(**d)

    @property
    def known_count(self) -> int:
        """How many destinations the node knows (at most capacities["known_destinations"])."""
        return self._core.known_count

    def request_path(self, destination: bytes, now_ms: int) -> None:
        """Asks the mesh for a path to a destination (a path request, flooded on every interface; at
        most one every 20 s per destination, a repeat sooner does nothing). Whoever knows it answers
        with an announce (a path response), which poll reports. open_link asks by itself when it
        finds no path. InvalidArgumentError without interfaces or for one of our own destinations,
        FullError when the outbox is full."""
        _call(self._core.request_path, _bytes(destination, "destination"), now_ms)

    def link_table_entry(self, link: bytes) -> Optional[LinkRoute]:
        """Transport: the entry of a link this node forwards for others, or None."""
        d = self._core.link_table_entry(_bytes(link, "link"))
        return None if d is None else LinkRoute(**d)

    def channel_info(self, link: bytes) -> Optional[Dict[str, int]]:
        """The reliable channel of an established link of ours, or None (unknown, or not yet
        established): window, in_flight, unacknowledged, srtt_ms, rttvar_ms, rto_ms and its
        counters (messages_sent, retransmissions, fast_retransmissions, messages_acked,
        messages_received, duplicates, out_of_window, acks_sent, acks_received, acks_stale,
        malformed)."""
        return self._core.channel_info(_bytes(link, "link"))

    @property
    def link_table_size(self) -> int:
        """Transport: how many links the node forwards for others."""
        return self._core.link_table_size

    @property
    def stats(self) -> Dict[str, int]:
        """The counters of node_stats (include/nexus/node/context.hpp), all of them: received, sent,
        forwarded, duplicates, malformed, announces_valid, announces_rejected, links_rejected,
        no_route, gossip_sent, gossip_bytes_sent, gossip_received, gossip_rejected, adverts_merged,
        adverts_refused, neighbours_down, announces_sent, events_dropped, destinations_evicted,
        destinations_refused, pending_links_evicted, link_table_evicted, link_table_refused,
        proofs_returned, announces_held, announces_released, announces_dropped,
        rebroadcasts_limited, announce_retries, path_requests_sent, path_requests_answered,
        path_requests_forwarded."""
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
        return f"Node({label}{self.identity_hash.hex()}, transport={self.transport}, preset={self.preset!r})"


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
    goes out on, which is polled right after for what the packet caused. Refused frames appear as
    events with ``error`` set (the NodeError code). With ``trace`` (a list), every (sender, iface,
    raw) put on a cable is appended to it.

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
                        peer.receive(peer_iface, raw, now_ms)
                    except NodeError as e:
                        events.append(MeshEvent(peer, None, e.code, raw))
                        continue
                    events.extend(MeshEvent(peer, ev) for ev in peer.poll(now_ms))
        if not moved:
            return events
    raise RuntimeError("run_mesh: the mesh did not go quiet")


__all__ = [
    "ALL_INTERFACES",
    "CAPACITIES",
    "CHANNEL_MDU",
    "DEFAULT_PRESET",
    "EVENT_KINDS",
    "PRESETS",
    "Node",
    "NodeConfig",
    "NodeEvent",
    "InterfaceMetrics",
    "KnownDestination",
    "LinkRoute",
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
