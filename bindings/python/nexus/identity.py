"""nexus.identity: identities, address hashes, sealed keys, packets and announces
(header-only C++, ``include/nexus/identity`` and ``include/nexus/wire``).

Two hash profiles derive addresses: ``"nexus"`` (BLAKE2b-256, the default) and ``"reticulum"``
(SHA-256, byte-exact with the Reticulum reference implementation). The wire framing is the same
in both. Keys, hashes and packets are ``bytes``. Failures raise :mod:`nexus.errors` classes, all
``ValueError``: bad lengths ``InvalidLengthError``, a bad profile or field ``InvalidArgumentError``,
a packet that does not decode ``TruncatedError``, ``InvalidLengthError`` or ``UnsupportedError``, an
announce that does not authenticate or a wrong passphrase ``AuthFailedError`` (which is
``nexus.crypto.AuthenticationError``). A wrong type raises ``TypeError``.

    >>> me = Identity.generate()
    >>> raw = Announce.build(me, "chat.inbox", app_data=b"hello")
    >>> Announce.parse(raw).destination_hash == me.destination_hash("chat.inbox")
    True
"""

from __future__ import annotations

import enum
import os
import time
from dataclasses import dataclass
from typing import Optional, Union

from ._nexus import identity as _native
from .crypto import AuthenticationError
from .errors import InvalidArgumentError, InvalidLengthError

PROFILES = ("nexus", "reticulum")
PRIVATE_KEY_SIZE = 64
PUBLIC_KEY_SIZE = 64
SIGNATURE_SIZE = 64
HASH_SIZE = 16
NAME_HASH_SIZE = 10
RANDOM_HASH_SIZE = 10
RATCHET_SIZE = 32
SEALED_KEY_SIZE = 126
MTU = 500


class PacketType(enum.IntEnum):
    """Bits 1-0 of the flags byte."""

    DATA = 0
    ANNOUNCE = 1
    LINK_REQUEST = 2
    PROOF = 3


class DestinationType(enum.IntEnum):
    """Bits 3-2 of the flags byte."""

    SINGLE = 0
    GROUP = 1
    PLAIN = 2
    LINK = 3


class HeaderType(enum.IntEnum):
    """Bit 6 of the flags byte: HEADER_2 carries a transport id before the destination."""

    HEADER_1 = 0
    HEADER_2 = 1


class TransportType(enum.IntEnum):
    """Bit 4 of the flags byte."""

    BROADCAST = 0
    TRANSPORT = 1


def _profile(profile: str) -> str:
    if profile not in PROFILES:
        raise InvalidArgumentError("profile must be 'nexus' or 'reticulum'")
    return profile


def _bytes(value, what: str) -> bytes:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    return value


def _passphrase(value) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else _bytes(value, "passphrase")


def name_hash(full_name: Union[str, bytes], profile: str = "nexus") -> bytes:
    """The 10-byte name hash of a full name such as ``"app.aspect1.aspect2"`` (str as UTF-8)."""
    if isinstance(full_name, (bytearray, memoryview)):
        full_name = bytes(full_name)
    return _native.name_hash(full_name, _profile(profile))


def _name(name: Union[str, bytes], profile: str) -> bytes:
    """A full name (str) as its name hash; bytes must already be a 10-byte name hash."""
    if isinstance(name, str):
        return name_hash(name, profile)
    name = _bytes(name, "name")
    if len(name) != NAME_HASH_SIZE:
        raise InvalidLengthError("a name hash must be 10 bytes (pass the full name as str)")
    return name


def destination_hash(name: Union[str, bytes], identity_hash: bytes, profile: str = "nexus") -> bytes:
    """The 16-byte destination hash of a full name (str) or name hash (10 bytes) and an identity hash."""
    identity_hash = _bytes(identity_hash, "identity_hash")
    return _native.destination_hash(_name(name, profile), identity_hash, _profile(profile))


def plain_destination_hash(name: Union[str, bytes], profile: str = "nexus") -> bytes:
    """The 16-byte destination hash of a PLAIN destination (no identity) with this name."""
    return _native.plain_destination_hash(_name(name, profile), _profile(profile))


class Identity:
    """An identity with its private key: X25519 private (32) || Ed25519 seed (32), Reticulum's
    layout; its public key is X25519 public || Ed25519 public. The profile decides its hash and
    the destination hashes it derives."""

    __slots__ = ("_private", "_public", "_hash", "_profile")

    def __init__(self, private_key: bytes, profile: str = "nexus"):
        profile = _profile(profile)
        private_key = _bytes(private_key, "private_key")
        if len(private_key) != PRIVATE_KEY_SIZE:
            raise InvalidLengthError("private_key must be 64 bytes")
        self._private = private_key
        self._public = _native.public_key(private_key)
        self._hash = _native.identity_hash(self._public, profile)
        self._profile = profile

    @classmethod
    def generate(cls, profile: str = "nexus") -> "Identity":
        """A new identity from a random Ed25519 seed (os.urandom); X25519 derived from it."""
        return cls.from_seed(os.urandom(32), profile)

    @classmethod
    def from_seed(cls, seed: bytes, profile: str = "nexus") -> "Identity":
        """The NEXUS identity of a 32-byte Ed25519 seed (its X25519 secret derived from the seed)."""
        return cls(_native.from_seed(_bytes(seed, "seed")), profile)

    @classmethod
    def from_private_key(cls, private_key: bytes, profile: str = "nexus") -> "Identity":
        """The identity of a 64-byte private key (a Reticulum key loads as it is)."""
        return cls(private_key, profile)

    @property
    def public_key(self) -> bytes:
        """The 64-byte public key: X25519 public || Ed25519 public."""
        return self._public

    @property
    def hash(self) -> bytes:
        """The 16-byte identity hash (profile digest of the public key, truncated)."""
        return self._hash

    @property
    def profile(self) -> str:
        return self._profile

    def private_key(self) -> bytes:
        """The 64-byte private key. Keep it secret."""
        return self._private

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature (64 bytes) of message."""
        return _native.sign(self._private, _bytes(message, "message"))

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when signature is this identity's valid signature of message."""
        signature = _bytes(signature, "signature")
        if len(signature) != SIGNATURE_SIZE:
            raise InvalidLengthError("signature must be 64 bytes")
        return _native.verify(self._public, _bytes(message, "message"), signature)

    def destination_hash(self, name: Union[str, bytes]) -> bytes:
        """The 16-byte hash of this identity's destination with a full name (str) or a 10-byte name hash."""
        return _native.destination_hash(_name(name, self._profile), self._hash, self._profile)

    def seal(self, passphrase: Union[str, bytes], passes: int = 3, memory_kib: int = 65536,
             lanes: int = 1) -> bytes:
        """The private key sealed under passphrase (126 bytes): Argon2id (passes, memory_kib,
        lanes; at most 16 passes, 1 GiB, 16 lanes) and ChaCha20-Poly1305 with a random salt and
        nonce. The profile is recorded: the key opens only for the same profile."""
        return _native.seal(self._private, _passphrase(passphrase), self._profile, passes, memory_kib, lanes,
                            os.urandom(28))

    @classmethod
    def unseal(cls, sealed: bytes, passphrase: Union[str, bytes], profile: str = "nexus") -> "Identity":
        """The identity of a sealed key. AuthenticationError (AuthFailedError, a ValueError) for a
        wrong passphrase or a modified byte; another NexusError (a ValueError) for a malformed file
        or one sealed for the other profile."""
        key = _native.open(_bytes(sealed, "sealed"), _passphrase(passphrase), _profile(profile))
        if key is None:
            raise AuthenticationError("authentication failed: wrong passphrase or damaged sealed key")
        return cls(key, profile)

    @staticmethod
    def sealed_params(sealed: bytes) -> tuple:
        """(passes, memory_kib, lanes) recorded in a sealed key."""
        return _native.sealed_key_params(_bytes(sealed, "sealed"))

    def __eq__(self, other):
        if not isinstance(other, Identity):
            return NotImplemented
        return self._public == other._public and self._profile == other._profile

    def __hash__(self):
        return hash((self._public, self._profile))

    def __repr__(self):
        return f"Identity(hash={self._hash.hex()}, profile={self._profile!r})"


class Packet:
    """A packet in Reticulum's framing: flags (ifac, header_type, context_flag, transport_type,
    destination_type, packet_type), hops, transport_id (HEADER_2 only, else None),
    destination_hash, context and data. Packets with the IFAC bit are not supported."""

    __slots__ = ("ifac", "header_type", "context_flag", "transport_type", "destination_type", "packet_type",
                 "hops", "transport_id", "destination_hash", "context", "data")

    def __init__(self, destination_hash: bytes, data: bytes = b"", *, packet_type: int = PacketType.DATA,
                 destination_type: int = DestinationType.SINGLE, header_type: int = HeaderType.HEADER_1,
                 transport_type: int = TransportType.BROADCAST, context_flag: bool = False, hops: int = 0,
                 transport_id: Optional[bytes] = None, context: int = 0, ifac: bool = False):
        self.destination_hash = destination_hash
        self.data = data
        self.packet_type = PacketType(packet_type)
        self.destination_type = DestinationType(destination_type)
        self.header_type = HeaderType(header_type)
        self.transport_type = TransportType(transport_type)
        self.context_flag = bool(context_flag)
        self.hops = hops
        self.transport_id = transport_id
        self.context = context
        self.ifac = bool(ifac)

    @classmethod
    def decode(cls, raw: bytes) -> "Packet":
        """The packet of raw bytes; InvalidLengthError when longer than the MTU (500),
        TruncatedError when shorter than its header, UnsupportedError for an IFAC packet."""
        f = _native.packet_decode(_bytes(raw, "raw"))
        return cls(f["destination_hash"], f["data"], packet_type=f["packet_type"],
                   destination_type=f["destination_type"], header_type=f["header_type"],
                   transport_type=f["transport_type"], context_flag=f["context_flag"], hops=f["hops"],
                   transport_id=f["transport_id"], context=f["context"], ifac=f["ifac"])

    def encode(self) -> bytes:
        """The bytes of the packet; InvalidArgumentError for fields out of range, InvalidLengthError
        for a packet over the MTU (both ValueError)."""
        tid = None if self.transport_id is None else _bytes(self.transport_id, "transport_id")
        return _native.packet_encode(
            bool(self.ifac), int(self.header_type), bool(self.context_flag), int(self.transport_type),
            int(self.destination_type), int(self.packet_type), int(self.hops), tid,
            _bytes(self.destination_hash, "destination_hash"), int(self.context), _bytes(self.data, "data"))

    @property
    def flags(self) -> int:
        """The flags byte."""
        return ((0x80 if self.ifac else 0) | int(self.header_type) << 6 | (0x20 if self.context_flag else 0)
                | int(self.transport_type) << 4 | int(self.destination_type) << 2 | int(self.packet_type))

    def hash(self, profile: str = "nexus") -> bytes:
        """The 32-byte packet hash: profile digest of (flags & 0x0F) || the packet from the
        destination hash on (unchanged by hops, header type and transport)."""
        return _native.packet_hash(self.encode(), _profile(profile))

    def __eq__(self, other):
        if not isinstance(other, Packet):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self):
        return (f"Packet({self.packet_type.name}, {self.destination_type.name}, {self.header_type.name}, "
                f"hops={self.hops}, destination={bytes(self.destination_hash).hex()}, "
                f"data={len(self.data)} bytes)")


@dataclass(frozen=True)
class AnnounceInfo:
    """The fields of a validated announce. ratchet is None when absent; timestamp is the
    seconds in the random hash."""

    public_key: bytes
    name_hash: bytes
    random_hash: bytes
    timestamp: int
    ratchet: Optional[bytes]
    app_data: bytes
    destination_hash: bytes
    identity_hash: bytes
    signature: bytes
    hops: int
    context: int


class Announce:
    """Announces: build, validate and parse (packet type announce, destination type single)."""

    @staticmethod
    def random_hash(seconds: Optional[int] = None, random: Optional[bytes] = None) -> bytes:
        """A 10-byte random hash: 5 random bytes (os.urandom unless given) || seconds (default:
        now) as 5 big-endian bytes."""
        seconds = int(time.time()) if seconds is None else seconds
        return _native.random_hash(os.urandom(5) if random is None else _bytes(random, "random"), seconds)

    @staticmethod
    def timestamp(random_hash: bytes) -> int:
        """The seconds in the last 5 bytes of a random hash."""
        return _native.random_hash_timestamp(_bytes(random_hash, "random_hash"))

    @staticmethod
    def build(identity: Identity, name: Union[str, bytes], random_hash: Optional[bytes] = None,
              app_data: bytes = b"", ratchet: Optional[bytes] = None, context: int = 0) -> bytes:
        """The bytes of a signed HEADER_1 announce of identity's destination with a full name (str)
        or 10-byte name hash, in the identity's profile. random_hash defaults to 5 random bytes
        and the current time; ratchet, when given, is a 32-byte public key (sets the context
        flag); context 0x0B marks an answer to a path request. InvalidLengthError over the MTU."""
        if not isinstance(identity, Identity):
            raise TypeError("identity must be a nexus.Identity")
        rh = Announce.random_hash() if random_hash is None else _bytes(random_hash, "random_hash")
        rt = None if ratchet is None else _bytes(ratchet, "ratchet")
        return _native.announce_build(identity.private_key(), identity.profile, _name(name, identity.profile),
                                      rh, rt, _bytes(app_data, "app_data"), context)

    @staticmethod
    def parse(raw: bytes, profile: str = "nexus") -> AnnounceInfo:
        """The fields of an announce after authenticating it (signature, and destination hash =
        hash of name hash and identity hash in the profile). A NexusError (a ValueError) when it does
        not validate: AuthFailedError for a bad signature or hash, TruncatedError, ... otherwise."""
        return AnnounceInfo(**_native.announce_validate(_bytes(raw, "raw"), _profile(profile)))

    @staticmethod
    def validate(raw: bytes, profile: str = "nexus") -> bool:
        """True when raw is an authentic announce in the profile. InvalidArgumentError only for a bad
        profile."""
        profile = _profile(profile)
        try:
            _native.announce_validate(_bytes(raw, "raw"), profile)
        except ValueError:
            return False
        return True


__all__ = [
    "PROFILES",
    "Identity",
    "Packet",
    "PacketType",
    "DestinationType",
    "HeaderType",
    "TransportType",
    "Announce",
    "AnnounceInfo",
    "name_hash",
    "destination_hash",
    "plain_destination_hash",
]
