"""nexus.link: encrypted links (header-only C++, ``include/nexus/link/link.hpp``; docs/link.md).

Sans-I/O: a :class:`Link` never reads a clock or touches a socket. Hand it packets and the
current time (integer milliseconds on any monotonic clock) and carry what
:meth:`Link.poll_transmit` gives to the peer. Randomness comes from the operating system unless a
``seed`` is given, which makes the link reproducible (simulations and tests only: not for real
keys). Rejected packets and calls raise the :mod:`nexus.errors` class of the nexus error
(:class:`ReplayedError`, :class:`AuthFailedError`, :class:`BadStateError`, ...), all subclasses of
:class:`LinkError`, which is :class:`nexus.NexusError` (a ``ValueError``).

    >>> server = Identity.generate()
    >>> a, b = link_pair(server)
    >>> b.receive(a.send(b"hi", now_ms=10), now_ms=10).data
    b'hi'
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import List, Optional, Tuple, Union

from ._nexus import link as _native
from .errors import (AuthFailedError, BadEncodingError, BadStateError, InvalidArgumentError,  # noqa: F401
                     InvalidLengthError, NexusError, ReplayedError, TruncatedError, UnsupportedError, WeakKeyError)
from .identity import PROFILES, Identity

MDU = _native.MDU
OVERHEAD = _native.OVERHEAD

# A link's refusals are nexus.errors classes, raised by the native module itself; LinkError is
# their base under its older name (``except LinkError`` catches every one).
LinkError = NexusError


def _call(fn, *args):
    # Nothing left to translate (see above); kept so the call sites stay as they were.
    return fn(*args)


@dataclass(frozen=True)
class LinkConfig:
    """Timers and limits, in milliseconds; the defaults are the library's."""

    establishment_timeout_ms: int = 30_000
    keepalive_interval_ms: int = 120_000
    inactivity_timeout_ms: int = 360_000
    rotate_interval_ms: int = 3_600_000
    bandwidth_bps: int = 0  # nominal bitrate: rotation after max(1 MB, bandwidth x 60 s) sent
    require_identify: bool = False  # responder: refuse data until the initiator identifies

    def _args(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class LinkEvent:
    """What a received packet did: kind is "none", "established", "data", "identified",
    "rotated" or "closed"; data holds the application bytes of a "data" event."""

    kind: str
    context: int
    data: bytes


def _profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ValueError("profile must be 'nexus' or 'reticulum'")
    return profile


def _bytes(value, what: str) -> bytes:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    return value


def _config(config: Optional[LinkConfig]) -> tuple:
    if config is None:
        config = LinkConfig()
    if not isinstance(config, LinkConfig):
        raise TypeError("config must be a nexus.LinkConfig")
    return config._args()


def _seed(seed: Optional[int]) -> Optional[int]:
    if seed is not None and not 0 <= seed < 2**64:
        raise ValueError("seed must be between 0 and 2**64 - 1")
    return seed


class Link:
    """One end of an encrypted link. Create it with :meth:`initiate` or :meth:`accept`."""

    __slots__ = ("_core",)

    def __init__(self, core):
        self._core = core

    @classmethod
    def initiate(cls, peer_public_key: Union[bytes, Identity], destination_hash: bytes, now_ms: int,
                 profile: str = "nexus", seed: Optional[int] = None,
                 config: Optional[LinkConfig] = None) -> "Link":
        """Starts a link to destination_hash, owned by the identity with this 64-byte public key
        (learned from its announce). The link request is the first packet poll_transmit gives."""
        if isinstance(peer_public_key, Identity):
            peer_public_key = peer_public_key.public_key
        peer = _bytes(peer_public_key, "peer_public_key")
        dest = _bytes(destination_hash, "destination_hash")
        return cls(_call(_native.LinkCore.initiate, _profile(profile), peer, dest, now_ms, _seed(seed),
                         *_config(config)))

    @classmethod
    def accept(cls, identity: Identity, request_raw: bytes, now_ms: int, profile: Optional[str] = None,
               seed: Optional[int] = None, config: Optional[LinkConfig] = None) -> "Link":
        """Answers a link request (the whole packet) to one of identity's destinations, in the
        identity's profile unless one is given. The proof is the first packet poll_transmit
        gives. The caller checks the request's destination is one of its own."""
        if not isinstance(identity, Identity):
            raise TypeError("identity must be a nexus.Identity")
        profile = identity.profile if profile is None else _profile(profile)
        return cls(_call(_native.LinkCore.accept, profile, identity.private_key(),
                         _bytes(request_raw, "request_raw"), now_ms, _seed(seed), *_config(config)))

    def send(self, data: bytes, now_ms: int, context: int = 0) -> bytes:
        """The encrypted packet carrying data (at most MDU = 456 bytes) with this context byte.
        BadStateError unless active; InvalidArgumentError for a link-control context."""
        return _call(self._core.send, _bytes(data, "data"), now_ms, context)

    def receive(self, raw: bytes, now_ms: int) -> LinkEvent:
        """Handles a packet addressed to this link. On rejection (ReplayedError, AuthFailedError,
        BadStateError, ...) the link is unchanged apart from its stats."""
        kind, context, data = _call(self._core.receive, _bytes(raw, "raw"), now_ms)
        return LinkEvent(kind, context, data)

    def poll_transmit(self, now_ms: int) -> List[bytes]:
        """Runs the timers and returns every packet the link wants sent now (maybe none)."""
        return _call(self._core.poll_transmit, now_ms)

    @property
    def next_deadline(self) -> Optional[int]:
        """When to call poll_transmit next (ms): 0 when something is queued, None when closed
        with nothing left to send."""
        return self._core.next_deadline()

    def close(self) -> None:
        """Closes at once; an authenticated close packet is queued for the peer."""
        self._core.close()

    def identify(self, identity: Identity) -> None:
        """Initiator: proves identity to the responder (queued; sent encrypted)."""
        if not isinstance(identity, Identity):
            raise TypeError("identity must be a nexus.Identity")
        _call(self._core.identify, identity.private_key())

    def rotate(self) -> None:
        """Starts a key rotation now (it also starts by itself). BadStateError unless active."""
        _call(self._core.rotate)

    @property
    def state(self) -> str:
        """"pending", "handshake", "active" or "closed"."""
        return self._core.state

    @property
    def id(self) -> bytes:
        """The 16-byte link id (truncated hash of the link request)."""
        return self._core.id

    @property
    def destination_hash(self) -> bytes:
        return self._core.destination

    @property
    def epoch(self) -> int:
        """Key epoch: +1 (mod 256) per rotation."""
        return self._core.epoch

    @property
    def rtt_ms(self) -> int:
        """Handshake round trip: measured by the initiator, learned by the responder."""
        return self._core.rtt_ms

    @property
    def role(self) -> str:
        return self._core.role

    @property
    def close_reason(self) -> str:
        """"none", "local", "remote", "inactivity", "establishment_timeout" or "unidentified"."""
        return self._core.close_reason

    @property
    def identified(self) -> bool:
        return self._core.identified

    @property
    def remote_public_key(self) -> Optional[bytes]:
        """The peer's public key: the responder's, or the initiator's once it identified."""
        return self._core.remote_public_key

    @property
    def profile(self) -> str:
        return self._core.profile

    @property
    def stats(self) -> dict:
        """Counters: packets and bytes both ways, rejections by reason, rotations."""
        return self._core.stats

    def __repr__(self):
        return f"Link({self.role}, {self.state}, id={self.id.hex()}, epoch={self.epoch})"


def link_pair(identity: Optional[Identity] = None, name: str = "nexus.link.pair", now_ms: int = 0,
              profile: Optional[str] = None, seed: Optional[int] = None,
              config: Optional[LinkConfig] = None) -> Tuple[Link, Link]:
    """Two Links with the handshake done in memory: (initiator, responder), both active. The
    responder is identity (a new one unless given) on its destination `name`; with a seed the
    initiator uses seed and the responder seed + 1 (mod 2**64)."""
    if identity is None:
        identity = Identity.generate(profile or "nexus")
    profile = identity.profile if profile is None else _profile(profile)
    seed_b = None if seed is None else (seed + 1) % 2**64
    dest = identity.destination_hash(name) if profile == identity.profile else \
        Identity(identity.private_key(), profile).destination_hash(name)
    a = Link.initiate(identity.public_key, dest, now_ms, profile, seed, config)
    (request,) = a.poll_transmit(now_ms)
    b = Link.accept(identity, request, now_ms, profile, seed_b, config)
    for proof in b.poll_transmit(now_ms):
        a.receive(proof, now_ms)
    for rtt in a.poll_transmit(now_ms):
        b.receive(rtt, now_ms)
    if a.state != "active" or b.state != "active":
        raise BadStateError("the in-memory handshake did not complete")
    return a, b


__all__ = [
    "MDU",
    "OVERHEAD",
    "Link",
    "LinkConfig",
    "LinkEvent",
    "link_pair",
    "LinkError",
    "ReplayedError",
    "AuthFailedError",
    "BadStateError",
    "InvalidArgumentError",
    "InvalidLengthError",
    "TruncatedError",
    "BadEncodingError",
    "WeakKeyError",
    "UnsupportedError",
]
