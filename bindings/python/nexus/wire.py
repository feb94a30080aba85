"""nexus.wire: stream framing, path cost and the NEXUS announce extension (header-only C++,
``include/nexus/wire/hdlc.hpp``, ``kiss.hpp``, ``path_cost.hpp``, ``announce_ext.hpp``).

HDLC (Reticulum on TCP and pipes): 7E, payload with 7D and 7E sent as 7D (byte ^ 0x20), 7E. KISS
(serial ports, TNCs): C0, command byte port << 4, payload with C0 sent as DB DC and DB as DB DD,
C0. The decoders take chunks of any size and return whole frames; bad input is never an error
(the decoder resynchronises and counts what it dropped).

CompactPathCost (6 bytes): cost code round(16 log2(cost + 1)) u16 LE, worst latency ms u16 LE,
bandwidth code round(8 log2(bps)) u8, hop count u8. The announce extension (in an announce's app
data): 4E, version 1, CompactPathCost, TLVs (type u8, length u8, data).

    >>> HdlcDecoder().feed(hdlc_encode(b"\\x7e"))
    [b'~']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from ._nexus import wire as _native

FRAME_CAPACITY = _native.FRAME_CAPACITY
KISS_ANY_PORT = _native.KISS_ANY_PORT
MAX_FINITE_COST_CODE = _native.MAX_FINITE_COST_CODE

HdlcDecoder = _native.HdlcDecoder
KissDecoder = _native.KissDecoder
encode_cost = _native.encode_cost
decode_cost = _native.decode_cost
encode_bandwidth = _native.encode_bandwidth
decode_bandwidth = _native.decode_bandwidth
is_nexus_extension = _native.is_nexus_extension

TLV_LAMPORT_TIMESTAMP = 0x01  # u64 LE
TLV_PATH_MTU = 0x02  # u16 LE
TLV_CAPABILITIES = 0x03  # u16 LE


def _bytes(value, what: str) -> bytes:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes")
    return value


def hdlc_encode(payload: bytes) -> bytes:
    """One HDLC frame of payload."""
    return _native.hdlc_encode(_bytes(payload, "payload"))


def kiss_encode(payload: bytes, port: int = 0) -> bytes:
    """One KISS data frame of payload for port 0..15 (12 is refused: its command byte is C0)."""
    return _native.kiss_encode(_bytes(payload, "payload"), port)


@dataclass(frozen=True)
class PathCost:
    """A CompactPathCost: the codes as they travel (see encode_cost / encode_bandwidth)."""

    cumulative_cost: int = 0
    worst_latency_ms: int = 0
    bottleneck_bps: int = 0
    hop_count: int = 0

    @classmethod
    def origin(cls) -> "PathCost":
        """What an origin announces: cost 0, latency 0, bandwidth code 255, 0 hops."""
        return cls(*_native.path_cost_origin())

    def encode(self) -> bytes:
        """The 6 wire bytes."""
        return _native.path_cost_encode(*self._tuple())

    @classmethod
    def decode(cls, raw: bytes) -> "PathCost":
        """From exactly 6 bytes; ValueError otherwise."""
        return cls(*_native.path_cost_decode(_bytes(raw, "raw")))

    def relay_update(self, cost_per_byte: int, latency_ms: int, bps: int) -> "PathCost":
        """What a relay forwards after its own hop: cost added in the decoded domain (never
        below the incoming code), latency max, bandwidth min, hops + 1."""
        return PathCost(*_native.relay_update(*self._tuple(), cost_per_byte, latency_ms, bps))

    @property
    def cost(self) -> int:
        """The decoded cost (uNXS per byte)."""
        return decode_cost(self.cumulative_cost)

    @property
    def bandwidth_bps(self) -> int:
        """The decoded bottleneck bandwidth."""
        return decode_bandwidth(self.bottleneck_bps)

    def _tuple(self) -> tuple:
        return (self.cumulative_cost, self.worst_latency_ms, self.bottleneck_bps, self.hop_count)


@dataclass(frozen=True)
class AnnounceExtension:
    """A NEXUS announce extension: version, path cost and the TLVs as (type, data) pairs."""

    path_cost: PathCost
    tlvs: Tuple[Tuple[int, bytes], ...] = ()
    version: int = 1

    @classmethod
    def build(cls, path_cost: PathCost, tlvs: Iterable[Tuple[int, bytes]] = (),
              lamport_timestamp: Optional[int] = None, path_mtu: Optional[int] = None,
              capabilities: Optional[int] = None) -> bytes:
        """The extension's bytes: the typed values first (lamport timestamp, path MTU,
        capabilities, when given), then tlvs in order. ValueError for a TLV over 255 bytes."""
        entries: List[Tuple[int, bytes]] = []
        if lamport_timestamp is not None:
            entries.append((TLV_LAMPORT_TIMESTAMP, lamport_timestamp.to_bytes(8, "little")))
        if path_mtu is not None:
            entries.append((TLV_PATH_MTU, path_mtu.to_bytes(2, "little")))
        if capabilities is not None:
            entries.append((TLV_CAPABILITIES, capabilities.to_bytes(2, "little")))
        entries.extend((int(t), _bytes(d, "TLV data")) for t, d in tlvs)
        return _native.announce_ext_build(*path_cost._tuple(), entries)

    @classmethod
    def parse(cls, app_data: bytes) -> "AnnounceExtension":
        """The extension in app data; ValueError when it is not one (message 'unsupported' for a
        newer version, whose bytes are still valid app data to forward)."""
        version, cost, tlvs = _native.announce_ext_parse(_bytes(app_data, "app_data"))
        return cls(PathCost(*cost), tuple((t, d) for t, d in tlvs), version)

    def find(self, tlv_type: int) -> Optional[bytes]:
        """Data of the first TLV of this type, or None."""
        for t, d in self.tlvs:
            if t == tlv_type:
                return d
        return None

    def _int(self, tlv_type: int, size: int) -> Optional[int]:
        d = self.find(tlv_type)
        if d is None:
            return None
        if len(d) != size:
            raise ValueError(f"TLV {tlv_type} must be {size} bytes")
        return int.from_bytes(d, "little")

    @property
    def lamport_timestamp(self) -> Optional[int]:
        return self._int(TLV_LAMPORT_TIMESTAMP, 8)

    @property
    def path_mtu(self) -> Optional[int]:
        return self._int(TLV_PATH_MTU, 2)

    @property
    def capabilities(self) -> Optional[int]:
        return self._int(TLV_CAPABILITIES, 2)


__all__ = [
    "FRAME_CAPACITY",
    "KISS_ANY_PORT",
    "MAX_FINITE_COST_CODE",
    "HdlcDecoder",
    "KissDecoder",
    "hdlc_encode",
    "kiss_encode",
    "encode_cost",
    "decode_cost",
    "encode_bandwidth",
    "decode_bandwidth",
    "is_nexus_extension",
    "PathCost",
    "AnnounceExtension",
]
