// Tests routing/routing_table.hpp against the rules of protocol.md "Announce propagation" and
// "Routing", with the timer values of the spec written out here (90 min active, 30 min stale,
// neighbour down after 3 x 60 s, evicted after 10 x 60 s): every state transition, Lamport
// ordering, several paths per destination with fallback, the per-destination limit, the capacity
// eviction order, and that lookups and updates never allocate. A randomised run checks the table
// against a plain list model of the same rules.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "nexus/routing/routing_table.hpp"
#include "support/alloc_counter.hpp"

using nexus::duration;
using nexus::timestamp;
using nexus::truncated_hash;
namespace routing = nexus::routing;
namespace wire = nexus::wire;
using routing::update_outcome;

namespace {

constexpr std::int64_t minute_ms = 60'000;

timestamp at_ms(std::int64_t ms) { return timestamp::from_ms(static_cast<std::uint64_t>(1'000'000 + ms)); }
timestamp at_min(std::int64_t m) { return at_ms(m * minute_ms); }

truncated_hash addr(std::uint8_t first, std::uint8_t last = 0) {
    truncated_hash a{};
    a[0] = first;
    a[15] = last;
    return a;
}

routing::next_hop hop(std::uint8_t iface, std::uint8_t id) { return {iface, addr(0xA0, id)}; }

routing::route_update upd(truncated_hash dest, routing::next_hop h, std::uint64_t cost_per_byte,
                          std::uint64_t lamport, std::uint16_t latency = 10, std::uint8_t reliability = 0) {
    routing::route_update u;
    u.destination = dest;
    u.hop = h;
    u.cost = {wire::encode_cost(cost_per_byte), latency, 100, 2};
    u.lamport = lamport;
    u.reliability = reliability;
    return u;
}

const auto cheapest = routing::path_policy::cheapest();

}  // namespace

TEST_CASE("routing_table: insert, lookup, paths, iteration order") {
    routing::routing_table<16, 4> t;
    CHECK(t.lookup(addr(1), cheapest, at_min(0)) == nullptr);
    CHECK(t.update(upd(addr(3), hop(0, 1), 10, 1), at_min(0)) == update_outcome::inserted);
    CHECK(t.update(upd(addr(1), hop(0, 1), 10, 1), at_min(0)) == update_outcome::inserted);
    CHECK(t.update(upd(addr(2), hop(1, 2), 10, 1), at_min(0)) == update_outcome::inserted);
    CHECK(t.update(upd(addr(1), hop(1, 2), 20, 1), at_min(0)) == update_outcome::inserted);
    CHECK(t.size() == 4);
    std::vector<std::uint8_t> order;
    for (const auto& e : t) order.push_back(e.destination[0]);
    CHECK(order == std::vector<std::uint8_t>{1, 1, 2, 3});
    CHECK(t.paths(addr(1)).size() == 2);
    CHECK(t.paths(addr(9)).empty());

    const auto* peek = t.best(addr(1), cheapest, at_min(1));
    REQUIRE(peek != nullptr);
    CHECK(peek->last_used == at_min(0));  // best() leaves the LRU clock alone
    const auto* e = t.lookup(addr(1), cheapest, at_min(1));
    REQUIRE(e == peek);
    CHECK(e->hop == hop(0, 1));
    CHECK(e->state == routing::route_state::active);
    CHECK(e->last_updated == at_min(0));
    CHECK(e->expires == at_min(90));
    CHECK(e->evict_at == at_min(120));
    CHECK(e->last_used == at_min(1));
    CHECK(e->reliability == 0);
    CHECK(e->cost.cumulative_cost == wire::encode_cost(10));
    CHECK(t.find(addr(2), hop(1, 2)) != nullptr);
    CHECK(t.find(addr(2), hop(0, 2)) == nullptr);  // same address, other interface: another hop
    CHECK(t.erase(addr(1)) == 2);
    CHECK(t.size() == 2);
}

TEST_CASE("routing_table: Lamport ordering per destination and next hop") {
    routing::routing_table<8, 4> t;
    const auto d = addr(5);
    CHECK(t.update(upd(d, hop(0, 1), 10, 100), at_min(0)) == update_outcome::inserted);
    // Lower logical time through the same hop: discarded, nothing changes.
    CHECK(t.update(upd(d, hop(0, 1), 99999, 99), at_min(5)) == update_outcome::discarded_older);
    const auto* e = t.find(d, hop(0, 1));
    REQUIRE(e != nullptr);
    CHECK(e->lamport == 100);
    CHECK(e->cost.cumulative_cost == wire::encode_cost(10));
    CHECK(e->last_updated == at_min(0));
    // Equal: accepted as a refresh; higher: accepted with the new summary.
    CHECK(t.update(upd(d, hop(0, 1), 10, 100), at_min(6)) == update_outcome::updated);
    CHECK(t.find(d, hop(0, 1))->expires == at_min(96));
    CHECK(t.update(upd(d, hop(0, 1), 77, 101), at_min(7)) == update_outcome::updated);
    CHECK(t.find(d, hop(0, 1))->lamport == 101);
    CHECK(t.find(d, hop(0, 1))->cost.cumulative_cost == wire::encode_cost(77));
    // Another next hop keeps its own order: an older announce through it is a new path.
    CHECK(t.update(upd(d, hop(0, 2), 10, 50), at_min(8)) == update_outcome::inserted);
    CHECK(t.paths(d).size() == 2);
    // Reliability: 0 in an update keeps the learned value, non-zero sets it.
    CHECK(t.update(upd(d, hop(0, 2), 10, 51, 10, 200), at_min(9)) == update_outcome::updated);
    CHECK(t.update(upd(d, hop(0, 2), 10, 52), at_min(10)) == update_outcome::updated);
    CHECK(t.find(d, hop(0, 2))->reliability == 200);
}

TEST_CASE("routing_table: active -> stale -> evicted on the announce timers") {
    routing::routing_table<8, 4> t;
    const auto d = addr(7);
    (void)t.update(upd(d, hop(0, 1), 10, 1), at_min(0));
    // Active until 90 min (3 x 30 min).
    auto c = t.expire(at_ms(90 * minute_ms - 1));
    CHECK(c.staled == 0);
    CHECK(c.evicted == 0);
    CHECK(t.find(d, hop(0, 1))->state == routing::route_state::active);
    c = t.expire(at_min(90));
    CHECK(c.staled == 1);
    CHECK(c.evicted == 0);
    CHECK(t.find(d, hop(0, 1))->state == routing::route_state::stale);
    // Stale: still returned while there is no active path.
    CHECK(t.lookup(d, cheapest, at_min(100)) != nullptr);
    // Evicted after one more interval (120 min).
    c = t.expire(at_ms(120 * minute_ms - 1));
    CHECK(c.evicted == 0);
    CHECK(t.size() == 1);
    c = t.expire(at_min(120));
    CHECK(c.evicted == 1);
    CHECK(t.empty());
    CHECK(t.lookup(d, cheapest, at_min(120)) == nullptr);

    // lookup applies the timers even when expire() has not run.
    (void)t.update(upd(d, hop(0, 1), 10, 1), at_min(200));
    CHECK(t.lookup(d, cheapest, at_min(289)) != nullptr);
    const auto* s = t.lookup(d, cheapest, at_min(291));
    REQUIRE(s != nullptr);
    CHECK_FALSE(s->active_at(at_min(291)));
    CHECK(t.lookup(d, cheapest, at_min(320)) == nullptr);

    // A refresh of a stale path makes it active again with new timers.
    (void)t.expire(at_min(300));
    CHECK(t.find(d, hop(0, 1))->state == routing::route_state::stale);
    CHECK(t.update(upd(d, hop(0, 1), 10, 2), at_min(305)) == update_outcome::updated);
    CHECK(t.find(d, hop(0, 1))->state == routing::route_state::active);
    CHECK(t.find(d, hop(0, 1))->evict_at == at_min(425));
}

TEST_CASE("routing_table: stale paths only when no active path exists") {
    routing::routing_table<8, 4> t;
    const auto d = addr(8);
    (void)t.update(upd(d, hop(0, 1), 1, 1), at_min(0));        // cheap, will go stale
    (void)t.update(upd(d, hop(0, 2), 100000, 1), at_min(60));  // dear, active longer
    CHECK(t.lookup(d, cheapest, at_min(61))->hop == hop(0, 1));
    (void)t.expire(at_min(95));
    CHECK(t.lookup(d, cheapest, at_min(95))->hop == hop(0, 2));
    (void)t.expire(at_min(150));  // the dear one is stale too; the cheap one is gone
    CHECK(t.size() == 1);
    CHECK(t.lookup(d, cheapest, at_min(150))->hop == hop(0, 2));
}

TEST_CASE("routing_table: neighbour silent 3 rounds -> stale, 10 rounds -> evicted") {
    routing::routing_table<16, 4> t;
    const auto down = hop(0, 1), other = hop(1, 2);
    (void)t.update(upd(addr(1), down, 1, 1), at_min(0));
    (void)t.update(upd(addr(2), down, 1, 1), at_min(0));
    (void)t.update(upd(addr(1), other, 50000, 1), at_min(0));
    const timestamp heard = at_min(1);
    // 2 min 59 s of silence: nothing.
    auto c = t.neighbour_silent(down, heard, at_ms(minute_ms + 3 * minute_ms - 1));
    CHECK(c.staled == 0);
    CHECK(c.evicted == 0);
    CHECK(t.lookup(addr(1), cheapest, at_min(3))->hop == down);
    // 3 rounds: down; its routes go stale at once, the other hop takes over.
    c = t.neighbour_silent(down, heard, at_min(4));
    CHECK(c.staled == 2);
    CHECK(c.evicted == 0);
    CHECK(t.find(addr(1), down)->state == routing::route_state::stale);
    CHECK(t.find(addr(2), down)->state == routing::route_state::stale);
    CHECK(t.find(addr(1), down)->evict_at == at_min(11));  // last heard + 10 rounds
    CHECK(t.find(addr(1), other)->state == routing::route_state::active);
    CHECK(t.lookup(addr(1), cheapest, at_min(4))->hop == other);
    CHECK(t.lookup(addr(2), cheapest, at_min(4))->hop == down);  // stale, but the only one
    // expire() removes them 10 rounds after last heard.
    CHECK(t.expire(at_ms(11 * minute_ms - 1)).evicted == 0);
    CHECK(t.expire(at_min(11)).evicted == 2);
    CHECK(t.size() == 1);

    // Direct 10-round report evicts at once; the 2-argument form means "down now".
    (void)t.update(upd(addr(3), down, 1, 1), at_min(20));
    (void)t.update(upd(addr(4), down, 1, 1), at_min(20));
    c = t.neighbour_silent(down, at_min(21));
    CHECK(c.staled == 2);
    CHECK(t.find(addr(3), down)->evict_at == at_min(28));  // 21 - 3 + 10
    c = t.neighbour_silent(down, at_min(20), at_min(30));
    CHECK(c.evicted == 2);
    CHECK(t.size() == 1);
    CHECK(t.find(addr(1), other) != nullptr);
}

TEST_CASE("routing_table: several paths, fallback on failure") {
    routing::routing_table<16, 4> t;
    const auto d = addr(9);
    (void)t.update(upd(d, hop(0, 1), 100, 1, 500), at_min(0));
    (void)t.update(upd(d, hop(0, 2), 200, 1, 50), at_min(0));
    (void)t.update(upd(d, hop(1, 3), 400, 1, 5), at_min(0));
    CHECK(t.lookup(d, cheapest, at_min(1))->hop == hop(0, 1));
    CHECK(t.lookup(d, routing::path_policy::fastest(), at_min(1))->hop == hop(1, 3));
    REQUIRE(t.mark_failed(d, hop(0, 1)));
    CHECK(t.find(d, hop(0, 1))->failed);
    CHECK(t.lookup(d, cheapest, at_min(1))->hop == hop(0, 2));
    REQUIRE(t.mark_failed(d, hop(0, 2)));
    CHECK(t.lookup(d, cheapest, at_min(1))->hop == hop(1, 3));
    REQUIRE(t.mark_failed(d, hop(1, 3)));
    CHECK(t.lookup(d, cheapest, at_min(1)) == nullptr);  // failed paths are never returned
    CHECK(t.mark_failed(d, hop(2, 3)).error() == nexus::error::not_found);
    CHECK(t.size() == 3);
    // A fresh announce through the first hop restores it.
    CHECK(t.update(upd(d, hop(0, 1), 100, 2, 500), at_min(2)) == update_outcome::updated);
    CHECK_FALSE(t.find(d, hop(0, 1))->failed);
    CHECK(t.lookup(d, cheapest, at_min(2))->hop == hop(0, 1));
    // A failed path with a stale sibling: the stale one is used.
    routing::routing_table<16, 4> u;
    (void)u.update(upd(d, hop(0, 1), 100, 1), at_min(0));
    (void)u.update(upd(d, hop(0, 2), 200, 1), at_min(0));
    (void)u.expire(at_min(95));
    REQUIRE(u.mark_failed(d, hop(0, 1)));
    CHECK(u.lookup(d, cheapest, at_min(95))->hop == hop(0, 2));
}

TEST_CASE("routing_table: reliability feedback and MostReliable") {
    routing::routing_table<8, 4> t;
    const auto d = addr(10);
    (void)t.update(upd(d, hop(0, 1), 10, 1), at_min(0));
    (void)t.update(upd(d, hop(0, 2), 1000, 1), at_min(0));
    REQUIRE(t.record_outcome(d, hop(0, 2), true));
    CHECK(t.find(d, hop(0, 2))->reliability == 144);  // 128 + ceil(127 / 8)
    REQUIRE(t.record_outcome(d, hop(0, 1), false));
    CHECK(t.find(d, hop(0, 1))->reliability == 112);  // 128 - ceil(128 / 8)
    CHECK(t.lookup(d, routing::path_policy::most_reliable(), at_min(1))->hop == hop(0, 2));
    CHECK(t.lookup(d, cheapest, at_min(1))->hop == hop(0, 1));
    for (int i = 0; i < 60; ++i) (void)t.record_outcome(d, hop(0, 1), false);
    CHECK(t.find(d, hop(0, 1))->reliability == 1);  // never back to 0 = unknown
    for (int i = 0; i < 200; ++i) (void)t.record_outcome(d, hop(0, 2), true);
    CHECK(t.find(d, hop(0, 2))->reliability == 255);
    CHECK(t.record_outcome(addr(11), hop(0, 2), true).error() == nexus::error::not_found);
}

TEST_CASE("routing_table: per-destination path limit") {
    routing::routing_table<16, 2> t;
    const auto d = addr(12);
    (void)t.update(upd(d, hop(0, 1), 100, 1), at_min(0));
    (void)t.update(upd(d, hop(0, 2), 200, 1), at_min(1));
    // Same (unknown) reliability and a higher cost code than the victim: discarded.
    CHECK(t.update(upd(d, hop(0, 3), 300, 1), at_min(2)) == update_outcome::discarded_worse);
    // The victim among active paths of equal reliability is the dearest: hop 2 (cost 200), though
    // hop 1 is the least recently used. A cheaper newcomer takes its place.
    CHECK(t.update(upd(d, hop(0, 3), 50, 1), at_min(3)) == update_outcome::replaced_path);
    CHECK(t.find(d, hop(0, 2)) == nullptr);
    CHECK(t.find(d, hop(0, 1)) != nullptr);
    CHECK(t.find(d, hop(0, 3)) != nullptr);
    CHECK(t.paths(d).size() == 2);
    // Higher reliability wins even when dearer; the victim is now hop 1 (100 > 50).
    CHECK(t.update(upd(d, hop(0, 4), 99999, 1, 10, 200), at_min(4)) == update_outcome::replaced_path);
    CHECK(t.find(d, hop(0, 1)) == nullptr);
    // A stale victim is always replaced.
    (void)t.neighbour_silent(hop(0, 3), at_min(3), at_min(7));
    CHECK(t.update(upd(d, hop(0, 5), 99999, 1), at_min(7)) == update_outcome::replaced_path);
    CHECK(t.find(d, hop(0, 3)) == nullptr);
    CHECK(t.size() == 2);
}

TEST_CASE("routing_table: eviction under memory pressure") {
    routing::routing_table<4, 2> t;
    (void)t.update(upd(addr(1), hop(0, 1), 10, 1), at_min(0));
    (void)t.update(upd(addr(2), hop(0, 2), 10, 1, 10, 50), at_min(0));
    (void)t.update(upd(addr(3), hop(0, 3), 10, 1, 10, 200), at_min(0));
    (void)t.update(upd(addr(4), hop(0, 4), 10, 1, 10, 200), at_min(0));
    // Two stale paths: the least recently used goes first.
    (void)t.neighbour_silent(hop(0, 3), at_min(0), at_min(3));
    (void)t.neighbour_silent(hop(0, 4), at_min(0), at_min(3));
    (void)t.lookup(addr(3), cheapest, at_min(4));  // path 3 used at 4 min; path 4 last at 0
    CHECK(t.update(upd(addr(5), hop(0, 5), 10, 1), at_min(5)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(4)).empty());
    CHECK(t.paths(addr(3)).size() == 1);
    // Next: the remaining stale one (3), though it is more reliable than every active path.
    CHECK(t.update(upd(addr(6), hop(0, 6), 10, 1), at_min(5)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(3)).empty());
    // No stale path left: the least reliable active one. Reliabilities: 1 -> unknown (128),
    // 2 -> 50, 5 -> 128, 6 -> 128.
    CHECK(t.update(upd(addr(7), hop(0, 7), 10, 1), at_min(6)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(2)).empty());
    // Equal reliability: least recently used (1 at 0 min, 5 and 6 at 5 min, 7 at 6 min).
    CHECK(t.update(upd(addr(8), hop(0, 8), 10, 1), at_min(7)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(1)).empty());
    // Equal reliability and last use: the higher cost code goes (5 is dearer than 6).
    (void)t.update(upd(addr(5), hop(0, 5), 5000, 2), at_min(8));
    (void)t.update(upd(addr(6), hop(0, 6), 10, 2), at_min(8));
    (void)t.lookup(addr(7), cheapest, at_min(9));
    (void)t.lookup(addr(8), cheapest, at_min(9));
    CHECK(t.update(upd(addr(9), hop(0, 9), 10, 1), at_min(10)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(5)).empty());
    CHECK(t.paths(addr(6)).size() == 1);
    // A path already past evict_at goes before any stale or active one.
    (void)t.neighbour_silent(hop(0, 6), at_min(8), at_min(11));  // stale, evict_at 18 min
    (void)t.neighbour_silent(hop(0, 7), at_min(0), at_min(11));  // 11 rounds: removed now
    CHECK(t.size() == 3);
    (void)t.update(upd(addr(10), hop(0, 10), 10, 1), at_min(12));
    CHECK(t.size() == 4);
    // 6 dead at 18; 8 and 9 would be stale at 97/100 but are active at 19.
    (void)t.update(upd(addr(8), hop(0, 8), 10, 3), at_min(12));
    CHECK(t.update(upd(addr(11), hop(0, 11), 10, 1), at_min(19)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(6)).empty());
    CHECK(t.size() == 4);
}

TEST_CASE("routing_table: a full table shares its paths out fairly") {
    routing::routing_table<4, 4> t;
    // Destination 1 has three active paths, destination 2 one; the victim is a path of the
    // destination with the most (1), its least recently used, though destination 2's only path is
    // older still.
    (void)t.update(upd(addr(2), hop(0, 9), 10, 1), at_min(0));
    (void)t.update(upd(addr(1), hop(0, 1), 10, 1), at_min(1));
    (void)t.update(upd(addr(1), hop(0, 2), 10, 1), at_min(1));
    (void)t.update(upd(addr(1), hop(0, 3), 10, 1), at_min(1));
    const auto used = t.lookup(addr(1), cheapest, at_min(2))->hop;
    CHECK(t.update(upd(addr(3), hop(0, 4), 10, 1), at_min(3)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(2)).size() == 1);  // the only path survived although least recently used
    CHECK(t.paths(addr(1)).size() == 2);
    CHECK(t.find(addr(1), used) != nullptr);  // the path in use was not the one taken
    CHECK(t.paths(addr(3)).size() == 1);
    // Destination 3 (one path) may not take destination 1's second: 2 < 1 + 2. It competes with
    // its own path instead, as at the per-destination limit: a dearer one is discarded, a cheaper
    // one replaces it.
    CHECK(t.update(upd(addr(3), hop(0, 5), 50, 1), at_min(3)) == update_outcome::discarded_worse);
    CHECK(t.update(upd(addr(3), hop(0, 6), 5, 1), at_min(3)) == update_outcome::replaced_path);
    CHECK(t.paths(addr(3)).size() == 1);
    CHECK(t.find(addr(3), hop(0, 6)) != nullptr);
    CHECK(t.paths(addr(1)).size() == 2);
    // A new destination takes from the richest: destination 1 is down to one path.
    CHECK(t.update(upd(addr(4), hop(0, 7), 10, 1), at_min(4)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(1)).size() == 1);
    CHECK(t.find(addr(1), used) != nullptr);
    // Every destination now has one path: a new destination still gets in, and the least recently
    // used sole path (destination 2's) goes.
    CHECK(t.update(upd(addr(5), hop(0, 8), 10, 1), at_min(6)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(2)).empty());
    CHECK(t.paths(addr(5)).size() == 1);
    CHECK(t.size() == 4);
    // A stale path is evicted before any active one, even for a destination that has a path.
    (void)t.neighbour_silent(hop(0, 7), at_min(4), at_min(8));
    CHECK(t.update(upd(addr(5), hop(0, 9), 10, 1), at_min(8)) == update_outcome::inserted_evicting);
    CHECK(t.paths(addr(4)).empty());
    CHECK(t.paths(addr(5)).size() == 2);
}

TEST_CASE("routing_table: a suspect path is a last resort, replaced first, cleared by a fresh update") {
    routing::routing_table<16, 2> t;
    const auto d = addr(1);
    (void)t.update(upd(d, hop(0, 1), 50, 1), at_min(0));
    (void)t.update(upd(d, hop(0, 2), 5, 1), at_min(0));
    REQUIRE(t.mark_suspect(d, hop(0, 2)).has_value());
    CHECK(t.mark_suspect(d, hop(0, 9)).error() == nexus::error::not_found);
    const auto* s = t.find(d, hop(0, 2));
    CHECK(s->active_at(at_min(0)));
    CHECK_FALSE(s->trusted_at(at_min(0)));
    // The cheaper path is suspect: the trusted one is chosen.
    CHECK(t.lookup(d, cheapest, at_min(1))->hop == hop(0, 1));
    // With no trusted path left, the suspect one is used rather than nothing...
    REQUIRE(t.mark_failed(d, hop(0, 1)).has_value());
    CHECK(t.lookup(d, cheapest, at_min(1))->hop == hop(0, 2));
    // ...and even before a stale one.
    (void)t.update(upd(d, hop(0, 1), 50, 2), at_min(1));
    (void)t.neighbour_silent(hop(0, 1), at_min(1), at_min(5));
    CHECK(t.lookup(d, cheapest, at_min(5))->hop == hop(0, 2));
    // At the per-destination limit a trusted newcomer replaces the stale path first, then the
    // suspect one, even when dearer.
    CHECK(t.update(upd(d, hop(0, 3), 500, 2), at_min(5)) == update_outcome::replaced_path);
    CHECK(t.find(d, hop(0, 1)) == nullptr);
    CHECK(t.update(upd(d, hop(0, 4), 500, 2), at_min(5)) == update_outcome::replaced_path);
    CHECK(t.find(d, hop(0, 2)) == nullptr);
    // A fresh update of a suspect path makes it trusted again.
    REQUIRE(t.mark_suspect(d, hop(0, 4)).has_value());
    (void)t.update(upd(d, hop(0, 4), 500, 3), at_min(6));
    CHECK(t.find(d, hop(0, 4))->trusted_at(at_min(6)));
}

TEST_CASE("routing_table: no allocation on updates, lookups and timers") {
    static routing::routing_table<256, 4> t;
    update_outcome o{};
    for (std::uint8_t i = 0; i < 200; ++i) {
        NEXUS_CHECK_NO_ALLOC(
            o = t.update(upd(addr(i, i), hop(0, static_cast<std::uint8_t>(i % 7)), i, 1), at_min(0)));
        CHECK(o == update_outcome::inserted);
    }
    const routing::routing_entry* e = nullptr;
    NEXUS_CHECK_NO_ALLOC(e = t.lookup(addr(17, 17), routing::path_policy::balanced(), at_min(1)));
    CHECK(e != nullptr);
    NEXUS_CHECK_NO_ALLOC((void)t.mark_failed(addr(17, 17), e->hop));
    NEXUS_CHECK_NO_ALLOC((void)t.record_outcome(addr(18, 18), hop(0, 4), true));
    NEXUS_CHECK_NO_ALLOC((void)t.neighbour_silent(hop(0, 3), at_min(0), at_min(5)));
    NEXUS_CHECK_NO_ALLOC((void)t.expire(at_min(200)));
    CHECK(t.empty());
}

// A plain model of the rules: a list of paths, no ordering, linear scans. The table must agree on
// every outcome and every lookup through a long random run.
namespace {

struct model_path {
    truncated_hash dest;
    routing::next_hop hop;
    wire::compact_path_cost cost;
    std::uint64_t lamport;
    std::int64_t updated_ms;
    std::int64_t expires_ms, evict_ms, used_ms;
    bool stale, failed;
    std::uint8_t reliability;
};

}  // namespace

TEST_CASE("routing_table: random run against a list model (lookups, Lamport, timers, silence)") {
    static routing::routing_table<64, 3> t;
    std::vector<model_path> m;
    std::mt19937_64 rng(77);
    std::int64_t now_min = 0;
    const auto tnow = [&] { return at_min(now_min); };
    const auto rel = [](std::uint8_t r) { return r == 0 ? 128u : unsigned{r}; };
    for (int step = 0; step < 20000; ++step) {
        now_min += static_cast<std::int64_t>(rng() % 3);
        const std::int64_t nms = now_min * minute_ms;
        const auto d = addr(static_cast<std::uint8_t>(rng() % 24));
        const auto h = hop(0, static_cast<std::uint8_t>(rng() % 6));
        const auto action = rng() % 10;
        if (action < 5) {
            const auto u = upd(d, h, rng() % 5000, rng() % 40, static_cast<std::uint16_t>(rng() % 1000));
            // The model only covers updates that fit: skip those that would hit a limit.
            auto it = std::find_if(m.begin(), m.end(),
                                   [&](const model_path& p) { return p.dest == d && p.hop == h; });
            const auto same_dest =
                std::count_if(m.begin(), m.end(), [&](const model_path& p) { return p.dest == d; });
            if (it == m.end() && (same_dest >= 3 || m.size() >= 64)) continue;
            const auto got = t.update(u, tnow());
            if (it != m.end()) {
                if (u.lamport < it->lamport) {
                    CHECK(got == update_outcome::discarded_older);
                    continue;
                }
                CHECK(got == update_outcome::updated);
                it->cost = u.cost;
                it->lamport = u.lamport;
                it->updated_ms = it->used_ms = nms;
                it->expires_ms = nms + 90 * minute_ms;
                it->evict_ms = nms + 120 * minute_ms;
                it->stale = it->failed = false;
            } else {
                CHECK(got == update_outcome::inserted);
                m.push_back({d, h, u.cost, u.lamport, nms, nms + 90 * minute_ms, nms + 120 * minute_ms, nms,
                             false, false, 0});
            }
        } else if (action == 5) {
            const auto c = t.expire(tnow());
            std::size_t staled = 0, evicted = 0;
            for (auto& p : m) {
                if (nms >= p.evict_ms) continue;
                if (!p.stale && nms >= p.expires_ms) {
                    p.stale = true;
                    ++staled;
                }
            }
            evicted = static_cast<std::size_t>(
                std::count_if(m.begin(), m.end(), [&](const model_path& p) { return nms >= p.evict_ms; }));
            m.erase(
                std::remove_if(m.begin(), m.end(), [&](const model_path& p) { return nms >= p.evict_ms; }),
                m.end());
            CHECK(c.staled == staled);
            CHECK(c.evicted == evicted);
        } else if (action == 6) {
            const std::int64_t heard = now_min - static_cast<std::int64_t>(rng() % 14);
            (void)t.neighbour_silent(h, at_min(heard), tnow());
            const std::int64_t rounds = now_min - heard;
            if (rounds >= 10) {
                m.erase(std::remove_if(m.begin(), m.end(), [&](const model_path& p) { return p.hop == h; }),
                        m.end());
            } else if (rounds >= 3) {
                for (auto& p : m)
                    if (p.hop == h) {
                        p.stale = true;
                        p.evict_ms = std::min(p.evict_ms, (heard + 10) * minute_ms);
                    }
            }
        } else if (action == 7) {
            const bool ok = static_cast<bool>(t.mark_failed(d, h));
            auto it = std::find_if(m.begin(), m.end(),
                                   [&](const model_path& p) { return p.dest == d && p.hop == h; });
            CHECK(ok == (it != m.end()));
            if (it != m.end()) it->failed = it->stale = true;
        } else if (action == 8) {
            const bool delivered = rng() % 2 == 0;
            (void)t.record_outcome(d, h, delivered);
            for (auto& p : m)
                if (p.dest == d && p.hop == h) {
                    // 1/8 of the gap, rounded up, in double.
                    const double r = rel(p.reliability);
                    const double next = delivered ? r + std::ceil((255.0 - r) / 8.0) : r - std::ceil(r / 8.0);
                    p.reliability = static_cast<std::uint8_t>(next < 1 ? 1 : next);
                }
        } else {
            // MostReliable lookup: the model picks by its lexicographic rule among usable paths.
            const auto* got = t.lookup(d, routing::path_policy::most_reliable(), tnow());
            const auto active = [&](const model_path& p) {
                return !p.stale && !p.failed && nms < p.expires_ms;
            };
            bool any_active = false;
            for (const auto& p : m)
                if (p.dest == d && active(p)) any_active = true;
            const model_path* best = nullptr;
            for (const auto& p : m) {
                if (p.dest != d) continue;
                const bool usable = any_active ? active(p) : (!p.failed && nms < p.evict_ms);
                if (!usable) continue;
                if (best == nullptr) {
                    best = &p;
                    continue;
                }
                const auto key = [&](const model_path& x) {
                    return std::make_tuple(-static_cast<int>(rel(x.reliability)), x.cost.cumulative_cost,
                                           x.cost.worst_latency_ms);
                };
                const auto kp = key(p), kb = key(*best);
                if (kp != kb) {
                    if (kp < kb) best = &p;
                    continue;
                }
                // Then the smaller ring distance (distinct for distinct hops here).
                const auto dp = routing::ring_distance(p.hop.address, d),
                           db = routing::ring_distance(best->hop.address, d);
                if (dp < db) best = &p;
            }
            if (best == nullptr) {
                CHECK(got == nullptr);
            } else {
                REQUIRE(got != nullptr);
                CHECK(got->hop == best->hop);
                for (auto& p : m)
                    if (p.dest == d && p.hop == got->hop) p.used_ms = nms;
            }
        }
        // The whole content agrees after each step.
        REQUIRE(t.size() == m.size());
        for (const auto& p : m) {
            const auto* e = t.find(p.dest, p.hop);
            REQUIRE(e != nullptr);
            CHECK(e->lamport == p.lamport);
            CHECK(e->failed == p.failed);
            CHECK(e->reliability == p.reliability);
            CHECK(e->evict_at == at_ms(p.evict_ms));
            CHECK(e->active_at(tnow()) == (!p.stale && !p.failed && nms < p.expires_ms));
        }
    }
}
