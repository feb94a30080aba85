"""The nexus network simulator for research: real nexus nodes on a modelled network.

``nexus.sim`` drives the C++ simulator (sim/include/nexus/sim, docs/sim.md): a deterministic
discrete-event clock, links with bitrate, latency, loss, duplex and LoRa time on air, and one real
``nexus::node`` per simulated node (its announces, links, transport, routing table and gossip
round). Everything comes back as plain Python data: ints, floats, bytes, lists and dicts.

Units: time in **seconds** (floats; the clock counts microseconds), latencies in milliseconds,
bitrates in bits per second. Nodes are ints 0..n-1; medium links are ints 0..link_count-1 (not to
be confused with the 16-byte ids of the encrypted links nodes open, which are bytes).
Destinations are 16-byte hashes. Bad node ids, link ids and parameters raise ``ValueError``.

The same seed and the same calls give the same run, event for event and byte for byte.

    >>> from nexus import sim
    >>> m = sim.Mesh(seed=1)
    >>> m.build(sim.line(3), sim.LinkParams(bitrate_bps=1_000_000, latency_ms=1))
    [0, 1]
    >>> dest = m.add_destination(2, "app.demo")
    >>> m.announce(2, dest)
    >>> m.run(1.0)
    >>> [(e["node"], e["hops"]) for e in m.events(kind="announce")]
    [(1, 1), (0, 2)]
    >>> t = sim.inject_traffic(m, 0, dest, count=5, size=32, interval_s=0.1)
    >>> m.run(5.0)
    >>> (t.sent, t.delivered, t.ratio)
    (5, 5, 1.0)

Every node has the capacities of a preset of the C++ library (``include/nexus/config.hpp``):
``Mesh(preset="research")``, the default (1,024 known destinations, 4,096 paths, 16 interfaces,
32 neighbours: mesh.hpp's ``research_node``), or ``preset="pi_bridge"`` (the host node of the other
bindings: mesh.hpp's ``default_node``); :data:`PRESETS` has their capacities.

Routes name their next hop both by identity hash and by node index (``next_hop_node``);
:meth:`Mesh.walk` follows the nodes' own choices hop by hop and reports the nodes and links walked,
why the walk stopped, and what the walked path really costs (relay fees, link latencies), to set
against what the route advertises.

Research helpers (pure Python on the calls above): :func:`inject_traffic` (a flow that says why it
sent nothing: ``Traffic.reason``), :func:`delivery_ratio`, :func:`converged` and
:func:`convergence_state` (routes present *and* walks that arrive), :func:`convergence_time`,
:func:`route_survey`, :func:`gossip_overhead`.
"""

from __future__ import annotations

import math
import struct
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from ._nexus import sim as _native
from .errors import FullError

#: Traffic classes the medium counts frames in (medium.hpp ``traffic``), by class number.
TRAFFIC_CLASSES: Tuple[str, ...] = tuple(n for n in _native.TRAFFIC_CLASSES if not n.startswith("class_"))
#: Node configuration keys (``Mesh(**config)``, ``add_node(**config)``).
CONFIG_KEYS: Tuple[str, ...] = tuple(_native.CONFIG_KEYS)
#: The capacity presets a mesh's nodes can have, by name: dicts keyed by node_capacities' fields.
PRESETS: Dict[str, Dict[str, int]] = {name: dict(caps) for name, caps in _native.PRESETS.items()}
#: The preset of a Mesh unless told otherwise.
DEFAULT_PRESET: str = _native.DEFAULT_PRESET
#: The capacities of a simulated node of the default preset: interfaces, destinations, routes, ...
CAPACITIES: Dict[str, int] = dict(PRESETS[DEFAULT_PRESET])
#: Largest message :meth:`Mesh.send` takes, bytes.
LINK_MDU: int = int(_native.LINK_MDU)
#: Largest message :meth:`Mesh.send_reliable` takes, bytes.
CHANNEL_MDU: int = int(_native.CHANNEL_MDU)
#: Why a walk (:meth:`Mesh.walk`) stopped.
WALK_OUTCOMES: Tuple[str, ...] = tuple(_native.WALK_OUTCOMES)
#: Why a flow (:func:`inject_traffic`) stopped before sending every message (:attr:`Traffic.reason`).
TRAFFIC_REASONS: Tuple[str, ...] = ("no_path", "link_refused", "timed_out", "source_down")

_CORES = {"research": _native.MeshCoreResearch, "pi_bridge": _native.MeshCorePiBridge}


def _us(seconds, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"{what} must be a number of seconds")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{what} must be a finite number of seconds >= 0, not {seconds!r}")
    if seconds > 1e12:
        raise ValueError(f"{what} is too large")
    return int(round(seconds * 1e6))


def _int(value, what: str, lo: int, hi: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an int, not {value!r}")
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{what} must be {bound}, not {value}")
    return value


def _bytes(value, what: str) -> bytes:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, bytes):
        raise ValueError(f"{what} must be bytes, not {type(value).__name__}")
    return value


# ---- link parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoRa:
    """Semtech SX127x modem settings; a link with them charges the datasheet's time on air
    (section 4.1.1.7) instead of 8 * bytes / bitrate and is half duplex.

    coding_rate is the n of 4/(4+n), as medium.hpp and the datasheet's formula use it: 1 = 4/5,
    2 = 4/6, 3 = 4/7, 4 = 4/8. low_data_rate_optimize None = automatic (on when a symbol lasts
    more than 16 ms, as Semtech requires for SF11 and SF12 at 125 kHz)."""

    sf: int = 7
    bandwidth_hz: int = 125_000
    coding_rate: int = 1
    preamble_symbols: int = 8
    crc: bool = True
    implicit_header: bool = False
    low_data_rate_optimize: Optional[bool] = None

    def __post_init__(self):
        _int(self.sf, "LoRa sf (spreading factor)", 6, 12)
        _int(self.bandwidth_hz, "LoRa bandwidth_hz", 1, 2**32 - 1)
        if isinstance(self.coding_rate, bool) or not isinstance(self.coding_rate, int) \
                or not 1 <= self.coding_rate <= 4:
            raise ValueError("LoRa coding_rate is the n of 4/(4+n): 1..4 for 4/5..4/8, "
                             f"not {self.coding_rate!r}")
        _int(self.preamble_symbols, "LoRa preamble_symbols", 0, 65535)
        if self.low_data_rate_optimize not in (None, True, False):
            raise ValueError("LoRa low_data_rate_optimize must be None (automatic), True or False")

    def _args(self) -> tuple:
        ldro = -1 if self.low_data_rate_optimize is None else int(bool(self.low_data_rate_optimize))
        return (self.sf, self.bandwidth_hz, self.coding_rate, self.preamble_symbols, bool(self.crc),
                bool(self.implicit_header), ldro)

    def airtime_ms(self, payload_bytes: int) -> float:
        """Time on air of a frame of payload_bytes, in ms, as the medium charges it (rounded to
        the microsecond)."""
        _int(payload_bytes, "payload_bytes", 0, 255)
        return _native.lora_airtime_us(*self._args(), payload_bytes) / 1000.0


@dataclass(frozen=True)
class LinkParams:
    """One link's model (medium.hpp ``link_params``): serialisation at bitrate_bps (0 = instant),
    then latency_ms of propagation; each frame lost with probability loss; full duplex (each
    direction its own channel) unless half_duplex; with lora set, the LoRa time on air replaces
    the bitrate and the link is half duplex. queue_limit frames may wait per channel; more are
    dropped."""

    bitrate_bps: int = 1_000_000
    latency_ms: float = 0.0
    loss: float = 0.0
    half_duplex: bool = False
    lora: Optional[LoRa] = None
    queue_limit: int = 256

    def __post_init__(self):
        _int(self.bitrate_bps, "bitrate_bps", 0, 2**63 - 1)
        if isinstance(self.latency_ms, bool) or not isinstance(self.latency_ms, (int, float)) \
                or not math.isfinite(self.latency_ms) or not 0 <= self.latency_ms <= 1e9:
            raise ValueError(f"latency_ms must be a finite number of ms >= 0, not {self.latency_ms!r}")
        if isinstance(self.loss, bool) or not isinstance(self.loss, (int, float)) or not 0 <= self.loss <= 1:
            raise ValueError(f"loss must be a probability between 0 and 1, not {self.loss!r}")
        if self.lora is not None and not isinstance(self.lora, LoRa):
            raise ValueError("lora must be a nexus.sim.LoRa or None")
        _int(self.queue_limit, "queue_limit", 1, 2**31 - 1)

    @property
    def duplex_channels(self) -> int:
        """Independent channels of the link: 2 for full duplex, 1 for half duplex (and LoRa)."""
        return 1 if self.half_duplex or self.lora is not None else 2

    def _args(self) -> tuple:
        lora = None if self.lora is None else self.lora._args()
        latency_us = int(round(self.latency_ms * 1000))
        duplex = bool(self.half_duplex)
        return (self.bitrate_bps, latency_us, float(self.loss), duplex, self.queue_limit, lora)


# ---- topologies --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topology:
    """n nodes and undirected edges between them (node indices), with positions in the unit
    square for random geometric ones. Give it to :meth:`Mesh.build`."""

    n: int
    edges: Tuple[Tuple[int, int], ...]
    positions: Tuple[Tuple[float, float], ...] = ()

    def neighbours(self) -> List[List[int]]:
        """Adjacency lists."""
        adj: List[List[int]] = [[] for _ in range(self.n)]
        for a, b in self.edges:
            adj[a].append(b)
            adj[b].append(a)
        return adj

    def degrees(self) -> List[int]:
        return [len(a) for a in self.neighbours()]

    def is_connected(self) -> bool:
        return self.n == 0 or len(_component(self.neighbours(), 0)) == self.n

    def distances(self, source: int) -> Dict[int, int]:
        """Hop distances from source (breadth first) to the nodes it reaches."""
        adj = self.neighbours()
        dist = {source: 0}
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        return dist


def _component(adj: Sequence[Sequence[int]], start: int) -> Set[int]:
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in adj[u]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def _topology(t: tuple) -> Topology:
    n, edges, positions = t
    return Topology(n, tuple((int(a), int(b)) for a, b in edges),
                    tuple((float(x), float(y)) for x, y in positions))


def line(n: int) -> Topology:
    """0 - 1 - ... - n-1."""
    return _topology(_native.line(_int(n, "n", 0, 10**6)))


def grid(w: int, h: int) -> Topology:
    """w x h nodes, node = y * w + x, edges to the 4 neighbours."""
    return _topology(_native.grid(_int(w, "w", 0, 10**6), _int(h, "h", 0, 10**6)))


def random_geometric(n: int, radius: float, seed: int = 1) -> Topology:
    """n nodes uniform in the unit square (from seed), an edge when closer than radius."""
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not math.isfinite(radius) \
            or radius <= 0:
        raise ValueError(f"radius must be a number > 0, not {radius!r}")
    n = _int(n, "n", 0, 10**6)
    return _topology(_native.random_geometric(n, float(radius), _int(seed, "seed", 0, 2**64 - 1)))


def from_edges(n: int, edges: Iterable[Tuple[int, int]]) -> Topology:
    """n nodes and the given undirected edges."""
    _int(n, "n", 0, 10**6)
    out = []
    for e in edges:
        try:
            a, b = e
        except (TypeError, ValueError):
            raise ValueError(f"an edge must be a pair of node indices, not {e!r}") from None
        _int(a, "edge end", 0, max(n - 1, 0))
        _int(b, "edge end", 0, max(n - 1, 0))
        if n == 0:
            raise ValueError("a topology of 0 nodes has no edges")
        if a == b:
            raise ValueError(f"edge ({a}, {b}) joins a node to itself")
        out.append((a, b))
    return Topology(n, tuple(out))


# ---- the mesh ----------------------------------------------------------------------------------------


def _dispatcher(ref: "weakref.ref[Mesh]") -> Callable[[int], None]:
    # Holds only a weak reference: the native mesh keeps this function, and a strong reference
    # back to the Python Mesh would be a cycle the garbage collector cannot see through.
    def dispatch(token: int) -> None:
        mesh = ref()
        if mesh is None:
            return
        fn = mesh._callbacks.pop(token, None)
        if fn is not None:
            fn()

    return dispatch


Port = Union[int, Tuple[int, int]]


class Mesh:
    """A simulated mesh of real nexus nodes.

    seed makes the run reproducible (identities, announce randomness, link keys, loss draws).
    transport=True makes every node a transport node (it relays for others: needed for multi-hop
    meshes); gossip=True runs the tier-1 gossip round on every node. keep_log=True keeps every
    node event for :meth:`events` (the helpers need it). preset names the capacities of every node
    (:data:`PRESETS`: "research", the default, or "pi_bridge"). Further keyword arguments are node
    configuration (:data:`CONFIG_KEYS`: e.g. path_lifetime_ms, establishment_timeout_ms, max_hops,
    policy ('cheapest', 'fastest', 'balanced', 'most_reliable'), auto_announce, relay_fee,
    announce_interval_ms, gossip_interval_ms, down_rounds, announce_rate_target_ms); they apply to
    every node unless add_node / build override them."""

    def __init__(self, seed: int = 1, gossip: bool = True, transport: bool = True, keep_log: bool = True,
                 preset: str = DEFAULT_PRESET, **config):
        _int(seed, "seed", 0, 2**64 - 1)
        if not isinstance(preset, str) or preset not in _CORES:
            raise ValueError(f"preset must be one of {', '.join(repr(p) for p in _CORES)}, not {preset!r}")
        base = dict(config)
        base["transport"] = bool(transport)
        base["gossip"] = bool(gossip)
        self.gossip: bool = bool(gossip)
        self.seed = seed
        self.preset: str = preset
        self.capacities: Dict[str, int] = dict(PRESETS[preset])
        self._core = _CORES[preset](seed, self._config(base))
        self._core.keep_log(bool(keep_log))
        self._keep_log = bool(keep_log)
        self._callbacks: Dict[int, Callable[[], None]] = {}
        self._next_token = 0
        self._core.set_dispatcher(_dispatcher(weakref.ref(self)))
        self._destinations: Dict[bytes, Tuple[int, str]] = {}  # hash -> (node, name)
        self._announced: Set[bytes] = set()
        self._link_params: List[LinkParams] = []
        self._events_cache: List[dict] = []
        self._flows = 0  # inject_traffic's flow numbers
        self._auto_default = bool(base.get("auto_announce", False))
        self._auto: Dict[int, bool] = {}  # nodes whose config overrides auto_announce

    # -- configuration --
    @staticmethod
    def _config(config: dict) -> dict:
        out = {}
        for key, value in config.items():
            if key not in CONFIG_KEYS:
                known = ", ".join(CONFIG_KEYS)
                raise ValueError(f"unknown node config key {key!r} (known: {known})")
            if key in ("transport", "gossip", "auto_announce", "require_identify"):
                value = bool(value)
            elif key == "policy":
                if value not in ("cheapest", "fastest", "balanced", "most_reliable"):
                    raise ValueError("policy must be 'cheapest', 'fastest', 'balanced' or 'most_reliable'")
            else:
                value = _int(value, key, 0, 2**62)
            out[key] = value
        return out

    # -- building --
    def add_node(self, **config) -> int:
        """Adds a node (with the mesh's configuration, overridden by config); returns its index."""
        i = self._core.add_node(self._config(config) if config else None)
        if "auto_announce" in config:
            self._auto[i] = bool(config["auto_announce"])
        return i

    def build(self, topology: Topology, link: Optional[LinkParams] = None, shared: bool = False,
              **config) -> List[int]:
        """Adds the topology's nodes (when the mesh has fewer) and one link per edge with the same
        parameters; returns the medium link indices. shared=False (point-to-point): a new
        interface at both ends of every edge, so transport nodes relay between them; shared=True:
        interface 0 carries all of a node's edges (a broadcast radio)."""
        if not isinstance(topology, Topology):
            raise ValueError("topology must be a nexus.sim.Topology (from line, grid, random_geometric or "
                             "from_edges)")
        link = self._link(link)
        if not shared:
            deg = topology.degrees()
            room = self.capacities["interfaces"]
            for i, d in enumerate(deg):
                have = self._core.interfaces(i) if i < self._core.size else 0
                if have + d > room:
                    raise ValueError(f"node {i} would need {have + d} interfaces; a simulated node of preset "
                                     f"{self.preset!r} has {room} (use a smaller radius or shared=True)")
        before = self._core.size
        ids = self._core.build(topology.n, list(topology.edges), link._args(), bool(shared),
                               self._config(config) if config else None)
        if "auto_announce" in config:
            for i in range(before, self._core.size):
                self._auto[i] = bool(config["auto_announce"])
        self._link_params.extend(link for _ in ids)
        return ids

    def connect(self, a: Port, b: Port, link: Optional[LinkParams] = None) -> int:
        """Joins two ports with a link; returns its medium index. A port is a node (a new
        interface of it) or (node, interface): several links on one port make a broadcast radio."""
        link = self._link(link)
        (na, ia), (nb, ib) = self._port(a), self._port(b)
        lid = self._core.connect(na, ia, nb, ib, link._args())
        self._link_params.append(link)
        return lid

    @staticmethod
    def _link(link: Optional[LinkParams]) -> LinkParams:
        if link is None:
            return LinkParams()
        if not isinstance(link, LinkParams):
            raise ValueError("link must be a nexus.sim.LinkParams")
        return link

    def _port(self, p: Port) -> Tuple[int, int]:
        if isinstance(p, tuple):
            if len(p) != 2:
                raise ValueError(f"a port is a node or (node, interface), not {p!r}")
            node, iface = p
            return self._node(node), _int(iface, "interface", 0, self.capacities["interfaces"] - 1)
        return self._node(p), -1

    def _node(self, i) -> int:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self._core.size:
            raise ValueError(f"no node {i!r} (the mesh has {self._core.size} nodes)")
        return i

    def add_destination(self, node: int, name: str, accept_links: bool = True) -> bytes:
        """Registers destination "app.aspect..." on a node (kept across a crash and restart);
        returns its 16-byte hash."""
        if not isinstance(name, str):
            raise ValueError("name must be a str such as 'app.aspect'")
        h = self._core.add_destination(self._node(node), name, bool(accept_links))
        self._destinations[h] = (node, name)
        return h

    def destinations(self, node: Optional[int] = None) -> Dict[bytes, Tuple[int, str]]:
        """Registered destinations: hash -> (node, name), of one node or all."""
        if node is None:
            return dict(self._destinations)
        self._node(node)
        return {h: v for h, v in self._destinations.items() if v[0] == node}

    def owner(self, dest: bytes) -> int:
        """The node a destination belongs to."""
        entry = self._destinations.get(_bytes(dest, "destination"))
        if entry is None:
            raise ValueError(f"destination {dest.hex()} is not registered in this mesh")
        return entry[0]

    @property
    def announced(self) -> Set[bytes]:
        """Destinations announced so far through announce / announce_every, and every destination
        of a node configured with auto_announce (it announces them itself)."""
        auto = {h for h, (node, _) in self._destinations.items() if self._auto.get(node, self._auto_default)}
        return set(self._announced) | auto

    # -- actions --
    def announce(self, node: int, dest: bytes, app_data: bytes = b"") -> None:
        """The node announces one of its destinations now (ValueError if it is down)."""
        self._core.announce(self._node(node), self._dest(dest), _bytes(app_data, "app_data"))
        self._announced.add(dest)

    def announce_every(self, node: int, dest: bytes, first_s: float, period_s: float) -> None:
        """Announces at first_s (absolute simulated time) and every period_s after; skipped while
        the node is down."""
        period = _us(period_s, "period_s")
        if period == 0:
            raise ValueError("period_s must be > 0")
        self._core.announce_every(self._node(node), self._dest(dest), _us(first_s, "first_s"), period)
        self._announced.add(dest)

    def _dest(self, dest) -> bytes:
        dest = _bytes(dest, "destination")
        if len(dest) != 16:
            raise ValueError("a destination hash is 16 bytes")
        return dest

    def open_link(self, node: int, dest: bytes) -> bytes:
        """Opens an encrypted link from node to a destination it has a path to; returns the
        link id. The link is usable once link_state(node, id) is 'active'. A refusal raises the
        nexus.errors class of its code (NotFoundError: no path, FullError: no link slot)."""
        return self._core.open_link(self._node(node), self._dest(dest))

    def request_path(self, node: int, dest: bytes) -> None:
        """The node asks the mesh for a path to dest now (a path request; at most one every 20 s per
        destination, a repeat sooner does nothing); whoever knows dest answers with an announce."""
        self._core.request_path(self._node(node), self._dest(dest))

    def send(self, node: int, link_id: bytes, data: bytes, context: int = 0) -> None:
        """Sends data (at most LINK_MDU bytes) on one of the node's active links."""
        link_id = _bytes(link_id, "link_id")
        if len(link_id) != 16:
            raise ValueError("a link id is 16 bytes")
        self._core.send(self._node(node), link_id, _bytes(data, "data"), _int(context, "context", 0, 255))

    def send_reliable(self, node: int, link_id: bytes, data: bytes, context: int = 0) -> int:
        """Queues data (at most CHANNEL_MDU bytes) on the link's reliable channel; returns its
        sequence. The peer logs a "link_data" event with reliable=True exactly once and in order,
        this node a "link_delivered" event with the sequence once the peer has it. FullError while
        the channel's window is taken."""
        link_id = _bytes(link_id, "link_id")
        if len(link_id) != 16:
            raise ValueError("a link id is 16 bytes")
        return self._core.send_reliable(self._node(node), link_id, _bytes(data, "data"),
                                        _int(context, "context", 0, 255))

    def close_link(self, node: int, link_id: bytes) -> None:
        self._core.close_link(self._node(node), _bytes(link_id, "link_id"))

    def link_state(self, node: int, link_id: bytes) -> Optional[str]:
        """'pending', 'handshake', 'active', 'closed', or None when the node does not know it
        (never opened, closed and forgotten, or the node crashed)."""
        link_id = _bytes(link_id, "link_id")
        if len(link_id) != 16:
            raise ValueError("a link id is 16 bytes")
        return self._core.link_state(self._node(node), link_id)

    # -- time --
    def run(self, seconds: float) -> None:
        """Runs the simulation for `seconds` of simulated time."""
        self._core.run_until(self._core.now_us + _us(seconds, "seconds"))

    def run_until(self, seconds: float) -> None:
        """Runs the simulation up to absolute simulated time `seconds` (no-op if already past)."""
        self._core.run_until(max(self._core.now_us, _us(seconds, "seconds")))

    @property
    def now(self) -> float:
        """Simulated time, seconds."""
        return self._core.now_us / 1e6

    @property
    def now_us(self) -> int:
        return self._core.now_us

    def at(self, seconds: float, fn: Callable[[], None]) -> None:
        """Calls fn() at absolute simulated time `seconds` (now if already past), during a run.
        fn may call any action or lifecycle method, but not run / run_until."""
        if not callable(fn):
            raise ValueError("fn must be callable")
        token = self._next_token
        self._next_token += 1
        self._callbacks[token] = fn
        self._core.schedule(max(self._core.now_us, _us(seconds, "seconds")), token)

    def after(self, seconds: float, fn: Callable[[], None]) -> None:
        """Calls fn() `seconds` from now."""
        self.at(self.now + _us(seconds, "seconds") / 1e6, fn)

    # -- lifecycle --
    def crash(self, node: int) -> None:
        """The node fails: its state is lost (a later join() restarts it with the same identity
        and destinations but no paths or links)."""
        self._core.crash(self._node(node))

    def remove(self, node: int) -> None:
        """Same as crash(): the node disappears from the mesh."""
        self.crash(node)

    def leave(self, node: int) -> None:
        """The node goes away with its state frozen; join() resumes it."""
        self._core.leave(self._node(node))

    def join(self, node: int) -> None:
        """Brings a crashed or departed node back."""
        self._core.join(self._node(node))

    def state(self, node: int) -> str:
        """'up', 'left' or 'crashed'."""
        return self._core.state(self._node(node))

    def is_up(self, node: int) -> bool:
        return self.state(node) == "up"

    def up_nodes(self) -> List[int]:
        return [i for i in range(self._core.size) if self._core.state(i) == "up"]

    # -- observation --
    def __len__(self) -> int:
        return self._core.size

    @property
    def size(self) -> int:
        """Number of nodes."""
        return self._core.size

    @property
    def link_count(self) -> int:
        """Number of medium links."""
        return self._core.link_count

    def interfaces(self, node: int) -> int:
        """Interfaces the node has links on."""
        return self._core.interfaces(self._node(node))

    def link_params(self, link: int) -> LinkParams:
        """The parameters a medium link was made with."""
        return self._link_params[self._link_index(link)]

    def _link_index(self, link) -> int:
        if isinstance(link, bool) or not isinstance(link, int) or not 0 <= link < self._core.link_count:
            raise ValueError(f"no link {link!r} (the mesh has {self._core.link_count} links)")
        return link

    def events(self, kind: Optional[str] = None, node: Optional[int] = None,
               since: float = 0.0) -> List[dict]:
        """Node events so far (needs keep_log), in the order they happened: dicts with time (s),
        time_us, node, kind (nexus.node.EVENT_KINDS: 'announce', 'link_request',
        'link_established', 'link_identified', 'link_data', 'link_rotated', 'link_closed',
        'forwarded', ...), id (bytes: destination or link id), iface, hops, context, reason (of a
        close) and data (announce app data or link plaintext); optionally only one kind, one node, or
        from time `since`."""
        if not self._keep_log:
            raise ValueError("events() needs Mesh(keep_log=True)")
        if node is not None:
            self._node(node)
        cache = self._events_cache
        if len(cache) < self._core.log_size:
            cache.extend(self._core.events(len(cache)))
        since_us = _us(since, "since") if since else 0
        return [dict(e) for e in cache
                if (kind is None or e["kind"] == kind) and (node is None or e["node"] == node)
                and e["time_us"] >= since_us]

    def receive_errors(self, node: int) -> int:
        """Frames the node refused so far (duplicates, malformed, no route, ...)."""
        return self._core.receive_errors(self._node(node))

    def node_stats(self, node: int) -> Dict[str, int]:
        """The node's counters, every one of node_stats (include/nexus/node/context.hpp; the same
        keys as nexus.Node.stats): received, sent, forwarded, duplicates, malformed,
        announces_valid, announces_rejected, links_rejected, no_route, the gossip counters, the
        table evictions and refusals, announce ingress and rate control, and path requests. A
        crashed node has none (ValueError)."""
        return self._core.node_stats(self._node(node))

    def identity_hash(self, node: int) -> bytes:
        """The node's identity hash (the same in every incarnation: crashed nodes have one too)."""
        return self._core.identity_hash(self._node(node))

    def route(self, node: int, dest: bytes, policy: Optional[str] = None) -> Optional[dict]:
        """The path the node uses for dest, as it forwards (node::route: its own policy unless
        another is named; an active path, else a stale one), as a :meth:`routes` dict; None when
        it has none. ValueError for a crashed node or an unknown policy."""
        return self._core.route(self._node(node), self._dest(dest), policy)

    def path(self, node: int, dest: bytes) -> Optional[dict]:
        """The node's path to dest in short, from :meth:`route`, or None (also for a crashed node):
        iface, next_hop (the next node's identity hash, None when it is dest's own node),
        next_hop_node (its index), hops (the route's hop count), expires_ms, active."""
        if self.state(node) == "crashed":
            return None
        r = self.route(node, dest)
        if r is None:
            return None
        owner = self._destinations.get(dest, (None,))[0]
        direct = r["next_hop_node"] is not None and r["next_hop_node"] == owner
        return {"iface": r["iface"], "next_hop": None if direct else r["next_hop"],
                "next_hop_node": r["next_hop_node"], "hops": r["hop_count"], "expires_ms": r["expires_ms"],
                "active": r["active"]}

    def routes(self, node: int) -> List[dict]:
        """The node's routing table: one dict per path with destination, iface, next_hop
        (the neighbour's identity hash) and next_hop_node (its node index, None when no node of
        the mesh has that identity), cumulative_cost (code) and cost (decoded, uNXS per byte:
        the relay fees of the nodes that forward, as offered), worst_latency_ms, bottleneck (code)
        and bottleneck_bps (decoded), hop_count, reliability (0 unknown..255), state ('active' /
        'stale'), failed, suspect (the offer's path bloom holds this node: a last resort, used only
        while the destination has no trusted path), active (usable now), lamport, path_bloom (32
        bytes: the 256-bit bloom filter of the identity hashes of the nodes on the path,
        routing/advert.hpp path_bloom), last_updated_ms, expires_ms."""
        return self._core.routes(self._node(node))

    def walk(self, node: int, dest: bytes) -> dict:
        """Follows the nodes' own choices (:meth:`route` at each node) from node towards dest's
        owner over the medium, as a packet would go. Returns source, destination, owner, route (the
        source's route dict, None without one or when crashed), nodes (the node indices walked,
        the source first), links (the medium link of each step), hops (steps taken), arrived,
        outcome (:data:`WALK_OUTCOMES`: 'arrived'; 'crashed': a node on the way, the owner
        included, is crashed; 'no_route': a node has no route; 'unknown_next_hop': a next hop that
        is no node of the mesh; 'no_link': the route's interface has no link to the next hop;
        'link_down': that link, or a node at either end, is down; 'loop': a node came back), and
        what the walked path really costs: fee (the relay fees, uNXS per byte, of the nodes it
        passed through: all walked nodes but the first and the last), latency_ms
        and worst_latency_ms (sum and largest of the links' nominal latencies: propagation plus a
        255-byte frame's transmission) and bottleneck_bps (the smallest nominal bit rate, None
        before any step). The sim/survey.hpp walks of :func:`route_survey` follow the same
        choices without looking at the links."""
        dest = self._dest(dest)
        owner = self.owner(dest)
        w = self._core.walk(self._node(node), owner, dest)
        w.update(source=node, destination=dest, owner=owner,
                 route=None if self.state(node) == "crashed" else self.route(node, dest))
        return w

    def link_bytes(self) -> List[dict]:
        """Per medium link: link, ends ((node, iface), (node, iface)), up, half_duplex, lora,
        bitrate_bps, the counters (frames_sent, bytes_sent, frames_delivered, bytes_delivered,
        frames_lost, frames_dropped, busy_us: serialisation / air time) for both directions
        together, and classes: the same counters per traffic class (TRAFFIC_CLASSES)."""
        return self._core.link_bytes()

    def class_totals(self) -> Dict[str, dict]:
        """The counters per traffic class over the whole medium."""
        return self._core.class_totals()

    def total(self) -> dict:
        """The counters over every class and link."""
        return self._core.total()

    def link_up(self, link: int) -> bool:
        """Whether the link and both its nodes are up."""
        return self._core.link_up(self._link_index(link))

    def set_link_up(self, link: int, up: bool) -> None:
        """Takes a link down (its queued frames are dropped) or back up: mobility, cuts."""
        self._core.set_link_up(self._link_index(link), bool(up))

    @property
    def events_run(self) -> int:
        """Simulator events processed so far (a cost measure)."""
        return self._core.events_run


# ---- research helpers ----------------------------------------------------------------------------------


class Traffic:
    """A flow made by :func:`inject_traffic`. sent counts messages the source node accepted;
    delivered counts those the destination node reported as link_data (each payload is unique, so
    duplicates and foreign data do not count); ratio = delivered / sent (0.0 before any send).

    status is 'scheduled' (before start_s), 'opening' (waiting for a route or for a link to come
    up), 'sending', 'done' (every message offered to the source; a reliable flow: and confirmed) or 'failed'; then reason
    (:data:`TRAFFIC_REASONS`) says why the flow stopped early -- what stood in its way when
    timeout_s ran out: 'no_path' (the source had no route to dest), 'link_refused' (the source
    node refused to open a link: errors has its refusals), 'timed_out' (a link was opened but did
    not come up: the request or the proof was lost, or nothing came back), 'source_down' (the
    source node was crashed or had left). reason is None while the flow runs and when it is
    done.

    A reliable flow sends on the link's reliable channel (:meth:`Mesh.send_reliable`): a message
    waits (poll_s at a time) while the channel's window is full, and confirmed counts the
    messages the destination acknowledged (the source's "link_delivered" events). When a link
    goes away with messages unconfirmed (delivery_failed, a crashed relay, inactivity), they are
    sent again first on the next link, as an application that must lose nothing would do -- the
    destination may then see one twice (delivered, but its acknowledgement lost with the link);
    delivered counts distinct payloads."""

    def __init__(self, mesh: Mesh, src: int, dest: bytes, count: int, size: int, interval_s: float,
                 timeout_s: float, poll_s: float, flow: int, reliable: bool = False):
        self._mesh = weakref.ref(mesh)
        self.src = src
        self.dest = dest
        self.dest_node = mesh.owner(dest)
        self.count = count
        self.size = size
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.flow = flow
        self.reliable = reliable
        self.links: List[bytes] = []  # every link opened (a failed establishment is retried)
        self.payloads: List[bytes] = []  # in the order sent
        self.established_at: Optional[float] = None
        self.started_at: Optional[float] = None
        self.failed: Optional[str] = None  # why it stopped early (TRAFFIC_REASONS), None while fine
        self.errors: List[str] = []  # refused link openings and sends
        self._next = 0
        self._deadline = 0.0
        self._obstacle = "no_path"  # what kept the flow from sending at the last look
        self._sending = False
        self._resend: deque = deque()  # reliable: payloads a closed link did not confirm
        self._on_link: Dict[bytes, Dict[int, bytes]] = {}  # reliable: link -> sequence -> payload

    @property
    def link(self) -> Optional[bytes]:
        """The link in use (the last one opened)."""
        return self.links[-1] if self.links else None

    @property
    def sent(self) -> int:
        return len(self.payloads)

    @property
    def done(self) -> bool:
        return self.failed is not None or self._all_handed_over()

    def _all_handed_over(self) -> bool:
        """Every message sent and, for a reliable flow, every one confirmed."""
        if self._next < self.count or self._resend:
            return False
        mesh = self._mesh()
        return not self.reliable or mesh is None or self._unconfirmed(mesh) == 0

    def _confirmed_on(self, m: Mesh, link: bytes) -> Set[int]:
        """The sequences `link` confirmed (the source's link_delivered events)."""
        return {e["sequence"] for e in m.events(kind="link_delivered", node=self.src) if e["id"] == link}

    def _unconfirmed(self, m: Mesh) -> int:
        """Reliable: messages the current link was given and has not confirmed."""
        sent = self._on_link.get(self.link, {}) if self.links else {}
        if not sent:
            return 0
        confirmed = self._confirmed_on(m, self.link)
        return sum(1 for s in sent if s not in confirmed)

    @property
    def reason(self) -> Optional[str]:
        """Why the flow stopped early (:data:`TRAFFIC_REASONS`), None while it runs or once done."""
        return self.failed

    @property
    def status(self) -> str:
        """'scheduled', 'opening', 'sending', 'done' or 'failed'."""
        if self.failed is not None:
            return "failed"
        if self._all_handed_over():
            return "done"
        if self.started_at is None:
            return "scheduled"
        return "sending" if self._sending else "opening"

    @property
    def delivered(self) -> int:
        mesh = self._mesh()
        if mesh is None or not self.payloads:
            return 0
        links = set(self.links)
        wanted = set(self.payloads)
        got = {e["data"] for e in mesh.events(kind="link_data", node=self.dest_node)
               if e["id"] in links and e["data"] in wanted}
        return len(got)

    @property
    def ratio(self) -> float:
        return self.delivered / self.sent if self.sent else 0.0

    @property
    def confirmed(self) -> int:
        """Reliable flows: messages the destination acknowledged (0 for a plain flow)."""
        mesh = self._mesh()
        if mesh is None or not self.reliable:
            return 0
        links = set(self.links)
        return len({(e["id"], e["sequence"]) for e in mesh.events(kind="link_delivered", node=self.src)
                    if e["id"] in links})

    def payload(self, seq: int) -> bytes:
        """The bytes of message seq: flow (u16), seq (u32), then filler up to size."""
        head = struct.pack(">HI", self.flow & 0xFFFF, seq)
        return head + bytes((seq + i) & 0xFF for i in range(self.size - len(head)))

    # -- driven by mesh callbacks --
    def _start(self) -> None:
        m = self._mesh()
        if m is None:
            return
        self.started_at = m.now
        self._deadline = m.now + self.timeout_s
        self._open()

    def _requeue(self, m: Mesh) -> None:
        """Reliable: what the current link was given and did not confirm goes first on the next."""
        sent = self._on_link.pop(self.link, None) if self.links else None
        if not sent:
            return
        confirmed = self._confirmed_on(m, self.link)
        self._resend.extend(p for s, p in sorted(sent.items()) if s not in confirmed)

    def _watch(self) -> None:
        """Reliable, everything handed over: waits until the link confirmed it all, and starts again
        with what it did not confirm when the link goes away first."""
        m = self._mesh()
        if m is None or self.failed or not self.links:
            return
        if self._unconfirmed(m) == 0:
            return
        state = m.link_state(self.src, self.link) if m.state(self.src) != "crashed" else None
        if state == "active" or m.state(self.src) != "up":
            m.after(max(self.interval_s, 1.0), self._watch)
            return
        self._deadline = m.now + self.timeout_s
        self._open()

    def _open(self) -> None:
        m = self._mesh()
        if m is None or self.failed:
            return
        if self.reliable:
            self._requeue(m)
        self._sending = False
        if m.now > self._deadline:
            self.failed = self._obstacle
            return
        if m.state(self.src) != "up":
            self._retry(m, "source_down")
            return
        if m.route(self.src, self.dest) is None:
            self._retry(m, "no_path")
            return
        try:
            self.links.append(m.open_link(self.src, self.dest))
        except ValueError as e:  # the nexus.errors class of the refusal (a ValueError)
            self.errors.append(str(e))
            self._retry(m, "link_refused")
            return
        self._obstacle = "timed_out"  # should the deadline pass now: the link did not come up
        m.after(self.poll_s, self._wait)

    def _retry(self, m: Mesh, obstacle: str) -> None:
        self._obstacle = obstacle
        m.after(self.poll_s, self._open)

    def _wait(self) -> None:
        m = self._mesh()
        if m is None or self.failed:
            return
        state = m.link_state(self.src, self.link) if m.state(self.src) != "crashed" else None
        if state == "active":
            if self.established_at is None:
                self.established_at = m.now
            self._sending = True
            self._send()
        elif state in ("pending", "handshake") and m.now <= self._deadline:
            m.after(self.poll_s, self._wait)
        else:
            self._open()  # closed (establishment timeout, lost proof): open another one

    def _send(self) -> None:
        m = self._mesh()
        if m is None or self.failed:
            return
        if self._next >= self.count and not self._resend:
            if self.reliable:
                m.after(max(self.interval_s, 1.0), self._watch)
            return
        state = m.link_state(self.src, self.link) if m.state(self.src) != "crashed" else None
        if state != "active":
            if m.state(self.src) == "up":
                self._deadline = m.now + self.timeout_s
                self._open()
            else:
                self._next += 1  # the source is down: this message is not sent
                m.after(self.interval_s, self._send)
            return
        if self._resend:
            data = self._resend[0]
            try:
                seq = m.send_reliable(self.src, self.link, data)
                self._resend.popleft()
                self._on_link.setdefault(self.link, {})[seq] = data
            except FullError:
                pass  # the window is taken: wait for an acknowledgement
            except ValueError as e:
                self.errors.append(str(e))
                self._resend.popleft()
            m.after(self.poll_s, self._send)
            return
        data = self.payload(self._next)
        try:
            if self.reliable:
                seq = m.send_reliable(self.src, self.link, data)
                self._on_link.setdefault(self.link, {})[seq] = data
            else:
                m.send(self.src, self.link, data)
            self.payloads.append(data)
        except FullError as e:
            if self.reliable:  # the window is taken: this message waits for an acknowledgement
                m.after(self.poll_s, self._send)
                return
            self.errors.append(str(e))
        except ValueError as e:
            self.errors.append(str(e))
        self._next += 1
        if self._next < self.count or self.reliable:  # a reliable flow then watches its link
            m.after(self.interval_s, self._send)

    def __repr__(self):
        return (f"Traffic({self.src} -> node {self.dest_node}, sent={self.sent}, delivered={self.delivered}, "
                f"status={self.status!r}, reason={self.reason!r})")


def inject_traffic(mesh: Mesh, src: int, dest: Union[bytes, int], count: int, size: int = 32,
                   interval_s: float = 1.0, start_s: Optional[float] = None, timeout_s: float = 60.0,
                   poll_s: float = 0.05, reliable: bool = False) -> Traffic:
    """Schedules a flow of `count` messages of `size` bytes every `interval_s` from node src to
    dest (a destination hash, or a node: its first registered destination). At start_s (default:
    now) it waits until src has a path, opens a link (again if establishment fails, for up to
    timeout_s), then sends; a link that goes away mid-flow is reopened (again within timeout_s).
    Nothing runs until the mesh does: call mesh.run(...) after. Returns the :class:`Traffic`
    handle (sent, delivered, ratio, payloads, links, and status and reason: why a flow sent nothing
    or stopped early). With reliable=True the messages (size at most CHANNEL_MDU) go on the link's
    reliable channel: repeated until acknowledged, delivered once and in order."""
    if not isinstance(mesh, Mesh):
        raise ValueError("mesh must be a nexus.sim.Mesh")
    if not mesh._keep_log:
        raise ValueError("inject_traffic needs Mesh(keep_log=True) to count deliveries")
    mesh._node(src)
    if isinstance(dest, int) and not isinstance(dest, bool):
        mine = mesh.destinations(dest)
        if not mine:
            raise ValueError(f"node {dest} has no destination: add_destination and announce one first")
        dest = next(iter(mine))
    dest = mesh._dest(dest)
    if mesh.owner(dest) == src:
        raise ValueError("src owns dest: traffic must cross the mesh")
    _int(count, "count", 0, 10**7)
    _int(size, "size", 6, CHANNEL_MDU if reliable else LINK_MDU)
    _us(interval_s, "interval_s")
    if _us(timeout_s, "timeout_s") == 0:
        raise ValueError("timeout_s must be > 0")
    if _us(poll_s, "poll_s") == 0:
        raise ValueError("poll_s must be > 0")
    flow = mesh._flows
    mesh._flows += 1
    t = Traffic(mesh, src, dest, count, size, float(interval_s), float(timeout_s), float(poll_s), flow,
                bool(reliable))
    mesh.at(mesh.now if start_s is None else start_s, t._start)
    return t


def delivery_ratio(traffic: Union[Traffic, Iterable[Traffic]]) -> float:
    """Delivered / sent over one flow or several (0.0 when nothing was sent)."""
    flows = [traffic] if isinstance(traffic, Traffic) else list(traffic)
    sent = sum(f.sent for f in flows)
    return sum(f.delivered for f in flows) / sent if sent else 0.0


def _components(mesh: Mesh, up: Sequence[int]) -> Dict[int, int]:
    """node -> component id over the links that are up."""
    adj: Dict[int, List[int]] = {i: [] for i in up}
    for l in mesh.link_bytes():
        if l["up"]:
            (a, _), (b, _) = l["ends"]
            if a in adj and b in adj:
                adj[a].append(b)
                adj[b].append(a)
    comp: Dict[int, int] = {}
    for i in up:
        if i not in comp:
            for j in _component(adj, i):
                comp[j] = i
    return comp


def convergence_state(mesh: Mesh) -> dict:
    """Where routing stands, over the pairs (up node, announced destination of another up node it
    is connected to over up links): missing lists the pairs (node, destination) whose node has no
    active route, broken the pairs (node, destination, outcome) whose walk along the nodes' own
    choices (:meth:`Mesh.walk`) does not arrive; converged is True when both are empty. snapshot
    is (node, fingerprint of its routing table: destination, next hop, cost summary,
    reliability, state, failed and suspect of every path, not Lamport times or timers) per up
    node, to compare between two instants."""
    up = mesh.up_nodes()
    comp = _components(mesh, up)
    dests = [(d, mesh.owner(d)) for d in sorted(mesh.announced)]
    missing: List[Tuple[int, bytes]] = []
    broken: List[Tuple[int, bytes, str]] = []
    snap = []
    for i in up:
        wanted = [(o, d) for d, o in dests if o != i and o in comp and comp[o] == comp[i]]
        _, miss, bad, digest = mesh._core.route_check(i, wanted)  # natively, one call per node
        missing.extend((i, d) for d in miss)
        broken.extend((i, d, why) for d, why in bad)
        snap.append((i, digest))
    return {"converged": not missing and not broken, "missing": missing, "broken": broken,
            "snapshot": tuple(snap)}


def converged(mesh: Mesh) -> Tuple[bool, tuple]:
    """Whether every up node has an active route to every announced destination of every other
    up node it is connected to (over up links) *and* following the nodes' own choices from it
    reaches that destination's node over links that are up (:meth:`Mesh.walk`): a table that
    holds a route is not enough when the route leads into a dead link, a crashed node or a loop.
    Also returns the snapshot of :func:`convergence_state`, to compare between two instants."""
    state = convergence_state(mesh)
    return state["converged"], state["snapshot"]


def route_survey(mesh: Mesh, samples: int = 2000, seed: int = 1,
                 destinations: Optional[Iterable[bytes]] = None) -> dict:
    """How far routing has come, read from the nodes (natively, sim/survey.hpp): over the pairs
    (node, destination) whose node does not own the destination, `missing` of `pairs` have no
    active route at the node, and of `walks` sampled pairs (all of them when there are at most
    `samples`, else `samples` drawn from `seed`) `broken` do not reach the destination's node by
    following each node's own choice: no route, a next hop that is no node or a crashed one (the
    owner too), or a loop. Destinations: the announced ones (Mesh.announced) unless given.
    Returns {pairs, missing, walks, broken, routes_share, walks_share}; the benches call a mesh
    converged when both shares are at least 0.999. A crashed node counts as having no route."""
    dests = sorted(mesh.announced) if destinations is None else [_bytes(d, "destination") for d in destinations]
    targets = [(mesh.owner(d), d) for d in dests]
    return mesh._core.survey(targets, _int(samples, "samples", 0, 10_000_000), _int(seed, "seed", 0, 2**64 - 1))


def convergence_time(mesh: Mesh, step_s: float = 0.5, limit_s: float = 300.0,
                     settle_s: float = 2.0) -> Optional[float]:
    """Runs the mesh in steps of step_s until it has converged: every up node has an active route
    to every announced destination of every other up node it is connected to, the walks along
    the nodes' choices arrive (:func:`converged`), and no route table changes any more: the state
    held unchanged at every step for settle_s (at least one step).
    settle_s should exceed the nodes' fastest update period (gossip pushes changed offers at most
    once a second) so that a table still changing between two looks is not taken for a quiet one.
    Returns the simulated seconds from the call to the first instant of that state (a multiple of
    step_s), or None when it was not reached within limit_s (the mesh has then run limit_s, or
    until the state held since within it could no longer settle before the limit). Announce
    first (announce / announce_every), then call it."""
    step = _us(step_s, "step_s")
    if step == 0:
        raise ValueError("step_s must be > 0")
    limit = _us(limit_s, "limit_s")
    settle = max(_us(settle_s, "settle_s"), step)
    start = mesh.now_us
    since: Optional[int] = None  # start of the current converged, unchanged state
    prev = None
    while True:
        ok, snap = converged(mesh)
        if not ok:
            since = None
        elif since is None or snap != prev:
            since = mesh.now_us
        elif mesh.now_us - since >= settle:
            return (since - start) / 1e6
        prev = snap
        if since is None and mesh.now_us - start >= limit:
            return None
        if since is not None and since - start > limit:
            return None
        mesh.run(step / 1e6)


def gossip_overhead(mesh: Mesh, classes: Optional[Sequence[str]] = None) -> dict:
    """Routing-control load on the links since the start: the bytes and channel time of the
    announce and gossip classes, per link relative to its capacity over the elapsed time
    (busy_us / (channels * elapsed), channels = 2 for full duplex, 1 for half duplex and LoRa;
    for bitrate links busy_us = 8 * bytes / bitrate, so this is the bitrate share).

    classes defaults to ('announce', 'gossip'). Returns elapsed_s, classes, bytes, frames,
    per_link (link, bytes, bps, fraction) and mean_fraction / max_fraction over links (links with
    bitrate 0 and no air time have fraction None and are left out of the mean)."""
    if classes is None:
        classes = ("announce", "gossip")
    for c in classes:
        if c not in TRAFFIC_CLASSES:
            raise ValueError(f"unknown traffic class {c!r} (known: {', '.join(TRAFFIC_CLASSES)})")
    elapsed_us = mesh.now_us
    per_link = []
    total_bytes = total_frames = 0
    for l in mesh.link_bytes():
        b = sum(l["classes"][c]["bytes_sent"] for c in classes)
        f = sum(l["classes"][c]["frames_sent"] for c in classes)
        busy = sum(l["classes"][c]["busy_us"] for c in classes)
        total_bytes += b
        total_frames += f
        channels = 1 if l["half_duplex"] else 2
        capacity = l["lora"] or l["bitrate_bps"] > 0
        fraction = busy / (channels * elapsed_us) if elapsed_us and capacity else None
        per_link.append({"link": l["link"], "bytes": b, "frames": f,
                         "bps": b * 8 / (elapsed_us / 1e6) if elapsed_us else 0.0, "fraction": fraction})
    fractions = [p["fraction"] for p in per_link if p["fraction"] is not None]
    return {
        "elapsed_s": elapsed_us / 1e6,
        "classes": tuple(classes),
        "bytes": total_bytes,
        "frames": total_frames,
        "per_link": per_link,
        "mean_fraction": sum(fractions) / len(fractions) if fractions else None,
        "max_fraction": max(fractions) if fractions else None,
    }


__all__ = [
    "CAPACITIES",
    "CONFIG_KEYS",
    "DEFAULT_PRESET",
    "LINK_MDU",
    "CHANNEL_MDU",
    "PRESETS",
    "TRAFFIC_CLASSES",
    "TRAFFIC_REASONS",
    "WALK_OUTCOMES",
    "LinkParams",
    "LoRa",
    "Mesh",
    "Topology",
    "Traffic",
    "line",
    "grid",
    "random_geometric",
    "from_edges",
    "inject_traffic",
    "delivery_ratio",
    "converged",
    "convergence_state",
    "convergence_time",
    "route_survey",
    "gossip_overhead",
]
