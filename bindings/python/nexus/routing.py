"""nexus.routing: routing and gossip building blocks (header-only C++,
``include/nexus/routing/ring.hpp``, ``path_policy.hpp``, ``routing_table.hpp``,
``include/nexus/gossip/bloom.hpp``, ``budget.hpp``).

Addresses are 16-byte ``bytes`` read as big-endian integers on a ring of size 2**128;
``ring_distance(a, b) = min(|a - b|, 2**128 - |a - b|)``. Path costs are 4-tuples (cost code,
worst latency ms, bandwidth code, hop count) or ``nexus.wire.PathCost``. Policies: ``"cheapest"``
(0.1 ring, 0.8 cost, 0.1 latency), ``"fastest"`` (0.1 / 0.1 / 0.8), ``"balanced"`` (0.1 / 0.3 / 0.3
plus 0.3 unreliability) and ``"most_reliable"`` (highest reliability first).

``RoutingTable`` is routing_table<1024, 4> with the spec's timers (announce interval 30 min, active
for 3, stale for 1 more; gossip round 60 s). ``Bloom`` is a k = 3 BLAKE3-derived filter sized by the
caller (``bloom_bytes_for`` gives the bytes for a 1 % FPR); serialised as version 1, salt u32 LE,
length u16 LE, bits. ``Budget`` holds four token buckets (tier 1 routing 3 %, 2 payments 3 %,
3 services 2 %, 4 trust 2 % of the link, each a 60 s round's worth; tiers 3-4 pull-only under
10 kbps). Times are integer milliseconds of the caller's monotonic clock.

    >>> ring_distance(bytes(16), b"\\xff" * 16)
    1
"""

from __future__ import annotations

from typing import Iterable, Tuple, Union

from ._nexus import routing as _native

TABLE_CAPACITY = _native.TABLE_CAPACITY
PATHS_PER_DESTINATION = _native.PATHS_PER_DESTINATION
BLOOM_HEADER_BYTES = _native.BLOOM_HEADER_BYTES
BLOOM_MAX_BYTES = _native.BLOOM_MAX_BYTES
BLOOM_CONSTRAINED_MAX_BYTES = _native.BLOOM_CONSTRAINED_MAX_BYTES

TIER_ROUTING = 1
TIER_PAYMENTS = 2
TIER_SERVICES = 3
TIER_TRUST = 4
POLICIES = ("cheapest", "fastest", "most_reliable", "balanced")

ring_distance = _native.ring_distance
bloom_bytes_for = _native.bloom_bytes_for
Bloom = _native.Bloom
Budget = _native.Budget

CostLike = Union[Tuple[int, int, int, int], "PathCost"]  # nexus.wire.PathCost


def _cost(c) -> Tuple[int, int, int, int]:
    if isinstance(c, tuple):
        return c
    return (c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count)


def choose_next_hop(candidates: Iterable[Tuple[bytes, CostLike, int]], destination: bytes,
                    policy: str = "balanced") -> int:
    """Index of the (neighbour, cost, reliability) candidate to forward to; ValueError when empty."""
    return _native.choose_next_hop([(n, _cost(c), r) for n, c, r in candidates], destination, policy)


class RoutingTable(_native.RoutingTable):
    """routing_table<1024, 4>; lookup returns a dict per path (or None), entries() all of them."""

    def update(self, destination: bytes, iface: int, hop_address: bytes, cost: CostLike, lamport: int,
               now_ms: int, reliability: int = 0) -> str:
        """Applies an announce-derived path; returns 'inserted', 'updated', 'discarded_older', ..."""
        return super().update(destination, iface, hop_address, _cost(cost), lamport, now_ms, reliability)


__all__ = [
    "TABLE_CAPACITY",
    "PATHS_PER_DESTINATION",
    "BLOOM_HEADER_BYTES",
    "BLOOM_MAX_BYTES",
    "BLOOM_CONSTRAINED_MAX_BYTES",
    "TIER_ROUTING",
    "TIER_PAYMENTS",
    "TIER_SERVICES",
    "TIER_TRUST",
    "POLICIES",
    "ring_distance",
    "choose_next_hop",
    "RoutingTable",
    "bloom_bytes_for",
    "Bloom",
    "Budget",
]
