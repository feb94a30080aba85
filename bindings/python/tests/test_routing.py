"""nexus routing and gossip from Python. Independent truth: ring distances against Python's
big integers; policy choices against the spec's score formula computed here in floats (decoded
cost round(2**(code/16)) - 1, set-normalised terms, unreliability 1 - r/255 with 0 counted as 128),
on candidate sets whose best beats the runner-up by far more than the documented 1e-4 tolerance;
bloom sizes from the 12.365 bits-per-entry rule and the serialised header written out by hand;
budget figures from share x bandwidth / 8 x 60 s."""
import random

import pytest

from nexus import routing
from nexus.routing import Bloom, Budget, RoutingTable, choose_next_hop, ring_distance
from nexus.wire import PathCost

RING = 1 << 128
WEIGHTS = {
    "cheapest": (0.1, 0.8, 0.1, 0.0),
    "fastest": (0.1, 0.1, 0.8, 0.0),
    "balanced": (0.1, 0.3, 0.3, 0.3),
}


def big(a):
    return int.from_bytes(a, "big")


def model_distance(a, b):
    d = (big(a) - big(b)) % RING
    return min(d, RING - d)


def test_ring_distance_against_big_integers():
    rng = random.Random(1)
    assert ring_distance(bytes(16), b"\xff" * 16) == 1
    assert ring_distance(bytes(16), b"\x80" + bytes(15)) == 1 << 127
    assert ring_distance(b"\x42" * 16, b"\x42" * 16) == 0
    for _ in range(2000):
        a, b = rng.randbytes(16), rng.randbytes(16)
        assert ring_distance(a, b) == model_distance(a, b) == ring_distance(b, a)
    with pytest.raises(ValueError):
        ring_distance(bytes(15), bytes(16))


def model_best(cands, dest, policy):
    """(index, gap to the runner-up) under the float formula."""
    reff = [r if r else 128 for _, _, r in cands]
    if policy == "most_reliable":
        scores = [-r for r in reff]  # the sets below have distinct reliabilities
    else:
        # docs/routing.md: no ring term on a one-hop path; latency (worst hop + 1 ms) x hops.
        dist = [model_distance(n, dest) if c[3] > 1 else 0 for n, c, _ in cands]
        cost = [round(2 ** (c[0] / 16)) - 1 for _, c, _ in cands]
        lat = [(c[1] + 1) * max(c[3], 1) for _, c, _ in cands]

        def norm(v, m):
            return v / m if m else 0.0

        a, b, c, d = WEIGHTS[policy]
        scores = [a * norm(dist[i], max(dist)) + b * norm(cost[i], max(cost)) + c * norm(lat[i], max(lat))
                  + d * (1 - reff[i] / 255) for i in range(len(cands))]
    best = min(range(len(cands)), key=lambda i: scores[i])
    gap = min((scores[i] - scores[best] for i in range(len(cands)) if i != best), default=1.0)
    return best, gap


def test_choose_next_hop_against_float_model():
    rng = random.Random(2)
    checked = 0
    for _ in range(500):
        n = rng.randint(2, 6)
        dest = rng.randbytes(16)
        rels = rng.sample(range(1, 256), n)
        cands = [(rng.randbytes(16), (rng.randrange(0, 640), rng.randrange(5000), 100, rng.randrange(8)),
                  rels[i]) for i in range(n)]
        for policy in routing.POLICIES:
            want, gap = model_best(cands, dest, policy)
            if gap < 1e-3:
                continue
            checked += 1
            assert choose_next_hop(cands, dest, policy) == want, (cands, dest, policy)
    assert checked > 1500


def test_choose_next_hop_by_hand_and_errors():
    dest = bytes(16)
    near = bytes(15) + b"\x01"
    far = b"\x80" + bytes(15)
    cheap_far = (far, (16, 100, 100, 1), 200)
    dear_near = (near, (160, 100, 100, 1), 200)
    assert choose_next_hop([dear_near, cheap_far], dest, "cheapest") == 1
    # Same cost and latency: the ring term decides (on paths of more than one hop)...
    same = [(far, (16, 100, 100, 2), 200), (near, (16, 100, 100, 2), 200)]
    assert choose_next_hop(same, dest, "fastest") == 1
    # ...and not on one-hop paths: the next hop is the destination's node, whatever its address.
    one_hop = [(far, (16, 100, 100, 1), 200), (near, (16, 100, 100, 2), 200)]
    assert choose_next_hop(one_hop, dest, "fastest") == 0
    # PathCost objects work too.
    assert choose_next_hop([(near, PathCost(160, 10, 100, 1), 50), (far, PathCost(16, 10, 100, 1), 250)],
                           dest,
                           "most_reliable") == 1
    with pytest.raises(ValueError):
        choose_next_hop([], dest, "cheapest")
    with pytest.raises(ValueError):
        choose_next_hop([cheap_far], dest, "shortest")
    with pytest.raises(ValueError):
        choose_next_hop([(far, (16, 100, 100, 1), 256)], dest, "cheapest")


def test_routing_table_paths_failover_and_ageing():
    t = RoutingTable()
    dest, h1, h2 = b"\xd0" * 16, b"\x11" * 16, b"\x22" * 16
    t0 = 1_000_000
    assert t.update(dest, 1, h2, (160, 100, 100, 2), 5, t0) == "inserted"
    assert t.update(dest, 1, h1, (32, 100, 100, 2), 5, t0) == "inserted"
    assert t.update(dest, 1, h1, (32, 100, 100, 2), 4, t0) == "discarded_older"
    assert len(t) == 2
    e = t.lookup(dest, "cheapest", t0 + 1)
    assert e["hop_address"] == h1 and e["iface"] == 1 and e["cost"] == (32, 100, 100, 2)
    assert e["state"] == "active" and not e["failed"] and e["lamport"] == 5
    assert e["expires_ms"] == t0 + 3 * 1_800_000 and e["evict_at_ms"] == t0 + 4 * 1_800_000
    assert e["last_used_ms"] == t0 + 1

    t.mark_failed(dest, 1, h1)
    assert t.lookup(dest, "cheapest", t0 + 2)["hop_address"] == h2
    with pytest.raises(ValueError):
        t.mark_failed(dest, 2, h1)
    assert t.update(dest, 1, h1, PathCost(32, 100, 100, 2), 6, t0 + 3) == "updated"
    assert t.lookup(dest, "cheapest", t0 + 4)["hop_address"] == h1
    assert not t.lookup(dest, "cheapest", t0 + 4)["suspect"]

    # A suspect path is a last resort: the dearer trusted one wins while it is there.
    t.mark_suspect(dest, 1, h1)
    with pytest.raises(ValueError):
        t.mark_suspect(dest, 2, h1)
    assert t.lookup(dest, "cheapest", t0 + 4)["hop_address"] == h2
    t.mark_failed(dest, 1, h2)
    e = t.lookup(dest, "cheapest", t0 + 4)
    assert e["hop_address"] == h1 and e["suspect"] and e["state"] == "active"
    assert t.update(dest, 1, h1, PathCost(32, 100, 100, 2), 6, t0 + 3) == "updated"
    assert t.update(dest, 1, h2, (160, 100, 100, 2), 5, t0 + 3) == "updated"
    assert not any(x["suspect"] or x["failed"] for x in t.entries())

    t.record_outcome(dest, 1, h2, False)  # unknown (128) -> 128 - ceil(128 / 8) = 112
    rel = {x["hop_address"]: x["reliability"] for x in t.entries()}
    assert rel[h2] == 112 and rel[h1] == 0
    assert t.lookup(b"\x01" * 16, "cheapest", t0) is None

    assert t.neighbour_silent(1, h2, t0, t0 + 180_000) == (1, 0)  # 3 silent rounds: stale
    assert t.expire(t0 + 3 + 3 * 1_800_000) == (1, 1)  # h1 stale, h2 past its 10-round eviction
    assert t.expire(t0 + 3 + 4 * 1_800_000) == (0, 1)
    assert len(t) == 0


def test_bloom_sizes_membership_and_codec():
    assert routing.bloom_bytes_for(100) == (1237 + 7) // 8  # ceil(100 * 12.365) bits
    assert routing.bloom_bytes_for(1000) == (12365 + 7) // 8
    assert routing.bloom_bytes_for(0) == 1
    assert routing.bloom_bytes_for(100_000, routing.BLOOM_CONSTRAINED_MAX_BYTES) == 256

    rng = random.Random(3)
    items = [rng.randbytes(rng.randint(0, 40)) for _ in range(300)]
    b = Bloom(routing.bloom_bytes_for(len(items)), 0x01020304)
    assert b.is_empty
    for it in items:
        b.insert(it)
    assert all(b.maybe_contains(it) for it in items)  # no false negatives
    fp = sum(b.maybe_contains(b"other" + i.to_bytes(4, "little")) for i in range(5000))
    assert fp < 150  # ~1 % expected

    wire = b.encode()
    n = b.size_bytes
    assert wire[:7] == bytes([1, 4, 3, 2, 1, n & 0xFF, n >> 8]) and wire[7:] == b.bits
    back = Bloom.decode(wire)
    assert back.bits == b.bits and back.salt == 0x01020304
    assert all(back.maybe_contains(it) for it in items)

    for bad in (wire[:6], wire[:-1], b"\x02" + wire[1:], bytes([1, 0, 0, 0, 0, 0, 0]), wire + b"\x00"):
        with pytest.raises(ValueError):
            Bloom.decode(bad)
    with pytest.raises(ValueError):
        Bloom.decode(wire, max_bytes=n - 1)

    other = Bloom(n, 0x01020304)
    other.insert(b"extra")
    b.merge(other)
    assert b.maybe_contains(b"extra")
    with pytest.raises(ValueError):
        b.merge(Bloom(n, 7))
    with pytest.raises(ValueError):
        Bloom(0)


def test_budget_tiers_refill_and_constrained_links():
    b = Budget(100_000, 5000)
    # routing: 3 % of 100 kbps = 375 B/s; the bucket holds 60 s of it.
    assert b.capacity(routing.TIER_ROUTING) == 375 * 60
    assert b.capacity(routing.TIER_TRUST) == 250 * 60
    assert not b.try_spend(routing.TIER_ROUTING, 22_501, 5000)
    assert b.try_spend(routing.TIER_ROUTING, 22_000, 5000)
    assert not b.try_spend(routing.TIER_ROUTING, 501, 5000)
    assert b.available(routing.TIER_ROUTING, 5000) == 500
    assert b.available(routing.TIER_ROUTING, 7000) == 500 + 2 * 375
    assert b.try_spend(routing.TIER_ROUTING, 1250, 7000, pull=True)
    assert b.available(routing.TIER_PAYMENTS, 7000) == 22_500
    assert b.stats(routing.TIER_ROUTING) == {
        "bytes_sent": 23_250, "messages": 2, "refused": 2, "refused_push": 0}
    with pytest.raises(ValueError):
        b.try_spend(0, 1, 0)
    with pytest.raises(ValueError):
        b.available(5, 0)

    slow = Budget(9600)
    assert slow.constrained
    assert not slow.try_spend(routing.TIER_SERVICES, 10, 0)
    assert slow.try_spend(routing.TIER_SERVICES, 10, 0, pull=True)
    assert slow.try_spend(routing.TIER_ROUTING, 10, 0)
    assert slow.stats(routing.TIER_SERVICES)["refused_push"] == 1
