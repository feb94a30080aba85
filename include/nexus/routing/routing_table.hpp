// The routing table (../shared/spec/protocol.md "Routing", "Announce propagation"): several paths
// per destination, learned from announces, each with its CompactPathCost summary, a reliability
// byte, the origin's Lamport time and the timers of the spec. Fixed capacity, no allocation, no
// floating point. Full description and the exact rules: docs/routing.md.
//
// Rules implemented (timers in routing_timers; defaults from the spec):
// - Lamport: an update whose Lamport time is lower than the stored one for the same destination and
//   next hop is discarded; equal or higher refreshes the path.
// - Lifetime: expires = last_updated + 3 x announce interval (90 min); then stale (usable only when
//   no active path exists) for one more interval; evicted at evict_at = expires + 1 interval.
// - Link failure: a neighbour silent for 3 gossip rounds (3 min) is down: its paths go stale at
//   once, with evict_at = last heard + 10 rounds; silent for 10 rounds: its paths are evicted.
// - mark_failed: a path that failed to deliver is demoted (stale, failed) and no longer returned by
//   lookup, so the next best path is used; a fresh announce through it restores it.
// - mark_suspect: a path that may loop back through this node (a path bloom hit, possibly false)
//   stays active but is a last resort: lookup returns it only when the destination has no trusted
//   (active, not suspect) path, and it is replaced or evicted before any trusted one.
// - Memory pressure (table full, new path): evict, in this order, (1) a path past its evict_at,
//   (2) the least recently used stale path, (3) a suspect path, (4) a trusted active path of the
//   destination that has the most of them -- among its paths the least reliable (ties: least
//   recently used, then higher cost code); ties after that: the lowest position (smallest
//   destination). "Used" = inserted, refreshed or returned by lookup. Fair share: a destination
//   that already has k trusted paths only takes a trusted victim from a destination with at least
//   k + 2 of them; otherwise the table is full for it, and the newcomer competes with its own
//   paths as at the per-destination limit below. So a full table settles with the paths shared
//   out evenly instead of churning, and no destination loses its only route to another's spare.
// - Per destination at most PathsPerDestination paths: a new next hop replaces the destination's
//   worst path -- a dead one, else the least recently used stale one, else a suspect one, else the
//   trusted one with the lowest reliability, then the highest cost code, then least recently used
//   -- when that victim is not trusted, or when the newcomer's effective reliability is higher, or
//   equal with a lower cost code; otherwise it is discarded. (Worst by cost, not by use: on a
//   broadcast medium with many neighbours an LRU victim made the kept set, and with it the best
//   path, churn.)
// Storage: the entries stay in fixed slots; a sorted index of 16-bit slot numbers (by destination,
// then arrival) gives the order, so an insert or eviction moves two bytes per entry after it, not
// the entries themselves (a full table of thousands of paths is updated on every offer merged).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/routing/path_policy.hpp"
#include "nexus/routing/ring.hpp"
#include "nexus/wire/path_cost.hpp"

namespace nexus::routing {

/// Where to send: an interface and the neighbour's transport id / link address on it. For a
/// destination that is itself a neighbour the address is the destination (ring distance 0).
struct next_hop {
    std::uint8_t iface = 0;
    truncated_hash address{};

    friend constexpr bool operator==(const next_hop&, const next_hop&) noexcept = default;
};

enum class route_state : std::uint8_t { active, stale };

struct routing_entry {
    truncated_hash destination{};
    next_hop hop{};
    wire::compact_path_cost cost{};  ///< cumulative_cost code, worst_latency_ms, bottleneck code, hop_count
    std::uint8_t reliability = 0;    ///< 0 unknown .. 255 perfect (learned locally, see record_outcome)
    route_state state = route_state::active;
    bool failed = false;        ///< set by mark_failed, cleared by a fresh update
    bool suspect = false;       ///< set by mark_suspect, cleared by a fresh update (a last resort)
    std::uint64_t lamport = 0;  ///< the origin's Lamport time of the announce that set this path
    std::array<std::uint8_t, 32> path{};  ///< the nodes on it, as offered (routing/advert.hpp path_bloom)
    timestamp last_updated{};   ///< when the last accepted update arrived
    timestamp expires{};        ///< end of the active life: last_updated + 3 x announce interval
    timestamp evict_at{};       ///< end of the stale life
    timestamp last_used{};      ///< LRU clock: insert, refresh, lookup

    /// The state at `now`, whether or not expire() has run since.
    constexpr bool active_at(timestamp now) const noexcept {
        return state == route_state::active && !failed && now < expires;
    }
    constexpr bool alive_at(timestamp now) const noexcept { return now < evict_at; }
    /// Active and not suspect: a path the node may use and offer.
    constexpr bool trusted_at(timestamp now) const noexcept { return active_at(now) && !suspect; }
};

struct routing_timers {
    duration announce_interval = duration::seconds(1800);  ///< periodic refresh
    duration gossip_interval = duration::seconds(60);      ///< one gossip round
    std::uint32_t active_intervals = 3;                    ///< active for 3 announce intervals
    std::uint32_t stale_intervals = 1;                     ///< then stale for 1 more
    std::uint32_t down_rounds = 3;                         ///< silent rounds before a neighbour is down
    std::uint32_t evict_rounds = 10;                       ///< silent rounds before its paths go

    constexpr duration active_lifetime() const noexcept {
        return announce_interval * static_cast<std::int64_t>(active_intervals);
    }
    constexpr duration stale_lifetime() const noexcept {
        return announce_interval * static_cast<std::int64_t>(stale_intervals);
    }
};

/// An announce-derived path candidate (after the relay update of the cost summary).
struct route_update {
    truncated_hash destination{};
    next_hop hop{};
    wire::compact_path_cost cost{};
    std::uint64_t lamport = 0;
    std::uint8_t reliability = 0;  ///< 0 keeps what the table learned (unknown for a fresh path)
    std::array<std::uint8_t, 32> path{};  ///< the nodes on it (routing/advert.hpp path_bloom)
};

enum class update_outcome : std::uint8_t {
    inserted,           ///< a fresh path, free room
    inserted_evicting,  ///< a fresh path, another one evicted for room (memory pressure)
    replaced_path,      ///< a fresh next hop took the place of a worse path of the destination
    updated,            ///< existing path refreshed
    discarded_older,    ///< Lamport time lower than the stored one
    discarded_worse,    ///< the destination has PathsPerDestination better paths
};

constexpr bool accepted(update_outcome o) noexcept {
    return o != update_outcome::discarded_older && o != update_outcome::discarded_worse;
}

struct expire_counts {
    std::size_t staled = 0;
    std::size_t evicted = 0;
};

/// A run of a routing table's entries in table order (all of them, or one destination's): what
/// routing_table::paths() returns and the table iterates over. Valid until the table changes.
class routing_entries {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = routing_entry;
        using difference_type = std::ptrdiff_t;
        using pointer = const routing_entry*;
        using reference = const routing_entry&;
        iterator() noexcept = default;
        iterator(const routing_entry* slots, const std::uint16_t* at) noexcept : slots_(slots), at_(at) {}
        reference operator*() const noexcept { return slots_[*at_]; }
        pointer operator->() const noexcept { return &slots_[*at_]; }
        iterator& operator++() noexcept {
            ++at_;
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator was = *this;
            ++at_;
            return was;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.at_ == b.at_; }

    private:
        const routing_entry* slots_ = nullptr;
        const std::uint16_t* at_ = nullptr;
    };

    routing_entries() noexcept = default;
    routing_entries(const routing_entry* slots, const std::uint16_t* first, std::size_t n) noexcept
        : slots_(slots), first_(first), n_(n) {}
    std::size_t size() const noexcept { return n_; }
    bool empty() const noexcept { return n_ == 0; }
    /// The i-th entry of the run (i < size()).
    const routing_entry& operator[](std::size_t i) const noexcept { return slots_[first_[i]]; }
    iterator begin() const noexcept { return {slots_, first_}; }
    iterator end() const noexcept { return {slots_, first_ + n_}; }

private:
    const routing_entry* slots_ = nullptr;
    const std::uint16_t* first_ = nullptr;
    std::size_t n_ = 0;
};

template <std::size_t Capacity, std::size_t PathsPerDestination = 4>
class routing_table {
    static_assert(Capacity > 0 && PathsPerDestination > 0 && PathsPerDestination <= Capacity);
    static_assert(Capacity <= std::numeric_limits<std::uint16_t>::max() + std::size_t{1},
                  "slot numbers are 16 bits");

public:
    using entry = routing_entry;

    constexpr explicit routing_table(const routing_timers& timers = {}) noexcept : timers_(timers) {}

    static constexpr std::size_t capacity() noexcept { return Capacity; }
    static constexpr std::size_t paths_per_destination() noexcept { return PathsPerDestination; }
    std::size_t size() const noexcept { return order_.size(); }
    bool empty() const noexcept { return order_.empty(); }
    const routing_timers& timers() const noexcept { return timers_; }

    /// All paths, ordered by destination (byte order), then by arrival.
    routing_entries all() const noexcept { return {slots_.data(), order_.data(), order_.size()}; }
    routing_entries::iterator begin() const noexcept { return all().begin(); }
    routing_entries::iterator end() const noexcept { return all().end(); }

    /// The paths of one destination (empty when none), by arrival.
    routing_entries paths(const truncated_hash& destination) const noexcept {
        const auto [b, e] = range(destination);
        return {slots_.data(), order_.data() + b, e - b};
    }

    /// The stored path through `hop`, or nullptr.
    const entry* find(const truncated_hash& destination, const next_hop& hop) const noexcept {
        const std::size_t i = index_of(destination, hop);
        return i == npos ? nullptr : &at(i);
    }

    /// Applies an announce-derived candidate received at `now` (rules: header comment). With a
    /// `policy`, a destination at its path limit keeps the paths that policy ranks best instead
    /// (the newcomer replaces the active path the policy ranks last, scored over the kept paths
    /// plus the newcomer, when it scores strictly better; stale and dead paths still go first),
    /// so that what the table keeps agrees with what lookup would choose.
    update_outcome update(const route_update& u, timestamp now, const path_policy* policy = nullptr) noexcept {
        auto [b, e] = range(u.destination);
        for (std::size_t i = b; i < e; ++i) {
            entry& x = at(i);
            if (x.hop != u.hop) continue;
            if (u.lamport < x.lamport) return update_outcome::discarded_older;
            refresh(x, u, now);
            return update_outcome::updated;
        }
        // Room for one more path of this destination: below its own limit, and when the table is
        // full, a victim that is dead, stale, suspect, or a trusted path of a destination left with
        // at least as many trusted paths as this one would then have (fair share; header comment).
        // At the limit (e > b then), the newcomer competes with the destination's own paths.
        std::size_t victim_index = npos;
        bool at_limit = e - b >= PathsPerDestination;
        if (!at_limit && order_.full()) {
            std::size_t victim_paths = 0;
            victim_index = victim(now, victim_paths);
            const std::size_t mine = active_count(b, e, now);
            at_limit = victim_paths != 0 && mine > 0 && victim_paths < mine + 2;
        }
        if (at_limit) {
            std::size_t v = b;
            for (std::size_t i = b + 1; i < e; ++i)
                if (worse_path(at(i), at(v), now)) v = i;
            const entry& old = at(v);
            const std::uint32_t rn = effective_reliability(u.reliability);
            const std::uint32_t ro = effective_reliability(old.reliability);
            bool take = !old.trusted_at(now) || rn > ro ||
                        (rn == ro && u.cost.cumulative_cost < old.cost.cumulative_cost);
            if (old.trusted_at(now) && policy != nullptr && policy->kind == policy_kind::weighted)
                take = policy_replace(b, e, u, *policy, now, v);
            if (!take) return update_outcome::discarded_worse;
            at(v) = fresh(u, now);
            return update_outcome::replaced_path;
        }
        if (order_.full()) {
            // The victim goes and the newcomer takes its slot, at the end of its destination's run:
            // one move of the index between the two (not two shifts of the table's tail).
            const std::uint16_t slot = order_[victim_index];
            slots_[slot] = fresh(u, now);
            (void)order_.erase_insert(victim_index, victim_index < e ? e - 1 : e, slot);
            return update_outcome::inserted_evicting;
        }
        const std::uint16_t slot = take_slot();
        slots_[slot] = fresh(u, now);
        (void)order_.insert(e, slot);
        return update_outcome::inserted;
    }

    /// The best usable path to `destination` under `policy`: among active paths when there is
    /// one, else among stale ones; failed and evictable paths are never returned, but every path
    /// not yet evictable counts in the weighted set maxima (path_view::selectable). nullptr when
    /// there is none. Marks the returned path used (LRU).
    const entry* lookup(const truncated_hash& destination, const path_policy& policy,
                        timestamp now) noexcept {
        const std::size_t i = best_index(destination, policy, now);
        if (i == npos) return nullptr;
        at(i).last_used = now;
        return &at(i);
    }

    /// The same choice as lookup, without touching the LRU clock.
    const entry* best(const truncated_hash& destination, const path_policy& policy,
                      timestamp now) const noexcept {
        const std::size_t i = best_index(destination, policy, now);
        return i == npos ? nullptr : &at(i);
    }

    /// The path through `hop` failed to deliver: demote it so lookup falls back to the next best.
    result<void> mark_failed(const truncated_hash& destination, const next_hop& hop) noexcept {
        const std::size_t i = index_of(destination, hop);
        if (i == npos) return fail(error::not_found);
        at(i).failed = true;
        at(i).state = route_state::stale;
        return ok();
    }

    /// The path through `hop` may lead back through this node (its path bloom says so; it may be a
    /// false positive): it stays active but is chosen only when the destination has no trusted
    /// active path, and goes first when a destination or the table needs room.
    result<void> mark_suspect(const truncated_hash& destination, const next_hop& hop) noexcept {
        const std::size_t i = index_of(destination, hop);
        if (i == npos) return fail(error::not_found);
        at(i).suspect = true;
        return ok();
    }

    /// Delivery feedback: reliability moves 1/8 of the way (rounded up, so it reaches the ends) to
    /// 255 when delivered or towards 0 when lost, starting from 128 when unknown; it never returns to
    /// 0 ("unknown"): r' = r + ceil((255 - r) / 8), or max(1, r - ceil(r / 8)).
    result<void> record_outcome(const truncated_hash& destination, const next_hop& hop,
                                bool delivered) noexcept {
        const std::size_t i = index_of(destination, hop);
        if (i == npos) return fail(error::not_found);
        const std::uint32_t r = effective_reliability(at(i).reliability);
        std::uint32_t next = delivered ? r + (255 - r + 7) / 8 : r - (r + 7) / 8;
        if (next == 0) next = 1;
        at(i).reliability = static_cast<std::uint8_t>(next);
        return ok();
    }

    /// Ages the table: active paths past `expires` go stale, paths past `evict_at` are removed.
    expire_counts expire(timestamp now) noexcept {
        expire_counts c;
        std::size_t w = 0;
        for (std::size_t i = 0; i < order_.size(); ++i) {
            entry& x = at(i);
            if (!x.alive_at(now)) {
                ++c.evicted;
                release_slot(order_[i]);
                continue;
            }
            if (x.state == route_state::active && now >= x.expires) {
                x.state = route_state::stale;
                ++c.staled;
            }
            order_[w++] = order_[i];
        }
        while (order_.size() > w) (void)order_.pop_back();
        return c;
    }

    /// Link failure: `hop` was last heard at `last_heard`. Down (>= 3 silent gossip rounds): its
    /// paths go stale at once, evictable 10 rounds after last_heard; >= 10 rounds: they are removed.
    expire_counts neighbour_silent(const next_hop& hop, timestamp last_heard, timestamp now) noexcept {
        expire_counts c;
        const std::int64_t round_ms = timers_.gossip_interval.count_ms();
        const std::int64_t silent_ms = (now - last_heard).count_ms();
        const std::int64_t rounds = round_ms > 0 ? silent_ms / round_ms : 0;
        if (rounds < static_cast<std::int64_t>(timers_.down_rounds)) return c;
        const bool evict = rounds >= static_cast<std::int64_t>(timers_.evict_rounds);
        const timestamp gone =
            last_heard + timers_.gossip_interval * static_cast<std::int64_t>(timers_.evict_rounds);
        std::size_t w = 0;
        for (std::size_t i = 0; i < order_.size(); ++i) {
            entry& x = at(i);
            if (x.hop == hop) {
                if (evict) {
                    ++c.evicted;
                    release_slot(order_[i]);
                    continue;
                }
                if (x.state == route_state::active) ++c.staled;
                x.state = route_state::stale;
                if (gone < x.evict_at) x.evict_at = gone;
            }
            order_[w++] = order_[i];
        }
        while (order_.size() > w) (void)order_.pop_back();
        return c;
    }

    /// The same, for a neighbour the caller declares down right now (last heard 3 rounds ago).
    expire_counts neighbour_silent(const next_hop& hop, timestamp now) noexcept {
        return neighbour_silent(
            hop, now - timers_.gossip_interval * static_cast<std::int64_t>(timers_.down_rounds), now);
    }

    /// Removes the path through `hop`; not_found when there is none.
    result<void> erase(const truncated_hash& destination, const next_hop& hop) noexcept {
        const std::size_t i = index_of(destination, hop);
        if (i == npos) return fail(error::not_found);
        release_slot(order_[i]);
        return order_.erase(i);
    }

    /// Removes every path of `destination`; returns how many.
    std::size_t erase(const truncated_hash& destination) noexcept {
        const auto [b, e] = range(destination);
        for (std::size_t i = e; i > b; --i) {
            release_slot(order_[i - 1]);
            (void)order_.erase(i - 1);
        }
        return e - b;
    }

    void clear() noexcept {
        order_.clear();
        free_.clear();
        used_slots_ = 0;
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    static int compare(const truncated_hash& a, const truncated_hash& b) noexcept {
        return compare_bytes(a, b);
    }

    struct span_pair {
        std::size_t first;
        std::size_t second;
    };

    // [first, second): the run of paths of `d` (binary search; the run is contiguous).
    span_pair range(const truncated_hash& d) const noexcept {
        std::size_t lo = 0, hi = order_.size();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (compare(at(mid).destination, d) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        std::size_t e = lo;
        while (e < order_.size() && compare(at(e).destination, d) == 0) ++e;
        return {lo, e};
    }

    std::size_t best_index(const truncated_hash& destination, const path_policy& policy,
                           timestamp now) const noexcept {
        const span_pair run = range(destination);
        const std::size_t b = run.first, e = run.second;
        if (b == e) return npos;
        bool any_trusted = false, any_active = false;
        for (std::size_t i = b; i < e; ++i) {
            any_trusted = any_trusted || at(i).trusted_at(now);
            any_active = any_active || at(i).active_at(now);
        }
        const std::size_t n = e - b;
        const std::size_t k = select_best(
            n,
            [&](std::size_t j) {
                const entry& x = at(b + j);
                const bool usable = any_trusted  ? x.trusted_at(now)
                                    : any_active ? x.active_at(now)
                                                 : (!x.failed && x.alive_at(now));
                if (!x.alive_at(now)) return path_view{};
                return path_view{&x.hop.address, x.cost, x.reliability, usable};
            },
            destination, policy);
        return k >= n ? npos : b + k;
    }

    std::size_t index_of(const truncated_hash& d, const next_hop& hop) const noexcept {
        const auto [b, e] = range(d);
        for (std::size_t i = b; i < e; ++i)
            if (at(i).hop == hop) return i;
        return npos;
    }

    void refresh(entry& x, const route_update& u, timestamp now) const noexcept {
        x.cost = u.cost;
        x.lamport = u.lamport;
        x.path = u.path;
        if (u.reliability != 0) x.reliability = u.reliability;
        x.state = route_state::active;
        x.failed = false;
        x.suspect = false;
        x.last_updated = now;
        x.expires = now + timers_.active_lifetime();
        x.evict_at = x.expires + timers_.stale_lifetime();
        x.last_used = now;
    }

    entry fresh(const route_update& u, timestamp now) const noexcept {
        entry x;
        x.destination = u.destination;
        x.hop = u.hop;
        x.reliability = 0;
        refresh(x, u, now);
        return x;
    }

    // Eviction rank, lower = evicted first: 0 dead, 1 stale, 2 active suspect, 3 active trusted
    // (header comment).
    static int tier(const entry& x, timestamp now) noexcept {
        if (!x.alive_at(now)) return 0;
        if (!x.active_at(now)) return 1;
        return x.suspect ? 2 : 3;
    }

    // Whether a should be evicted before b.
    static bool evict_before(const entry& a, const entry& b, timestamp now) noexcept {
        const int ta = tier(a, now), tb = tier(b, now);
        if (ta != tb) return ta < tb;
        if (ta >= 2) {
            const std::uint32_t ra = effective_reliability(a.reliability);
            const std::uint32_t rb = effective_reliability(b.reliability);
            if (ra != rb) return ra < rb;
        }
        if (a.last_used != b.last_used) return a.last_used < b.last_used;
        if (ta >= 2) return a.cost.cumulative_cost > b.cost.cumulative_cost;
        return false;
    }

    // Weighted policy at the path limit (all kept paths active): scores every kept path and the
    // newcomer over that whole set; `v` becomes the kept path scoring worst (ties: least recently
    // used); true when the newcomer scores strictly better than it.
    bool policy_replace(std::size_t b, std::size_t e, const route_update& u, const path_policy& p, timestamp now,
                        std::size_t& v) const noexcept {
        u128 max_d = path_ring_distance(u.hop.address, u.destination, u.cost);
        std::uint64_t max_c = wire::decode_cost(u.cost.cumulative_cost);
        std::uint32_t max_l = path_latency(u.cost);
        for (std::size_t i = b; i < e; ++i) {
            const entry& x = at(i);
            if (!x.trusted_at(now)) return true;  // a stale or suspect one is there to replace
            const u128 d = path_ring_distance(x.hop.address, x.destination, x.cost);
            if (d > max_d) max_d = d;
            max_c = std::max(max_c, wire::decode_cost(x.cost.cumulative_cost));
            max_l = std::max(max_l, path_latency(x.cost));
        }
        auto score = [&](const truncated_hash& address, const wire::compact_path_cost& c, std::uint8_t r) {
            return weighted_score(p, path_ring_distance(address, u.destination, c), wire::decode_cost(c.cumulative_cost),
                                  path_latency(c), r, max_d, max_c, max_l);
        };
        std::uint64_t worst = 0;
        for (std::size_t i = b; i < e; ++i) {
            const entry& x = at(i);
            const std::uint64_t s = score(x.hop.address, x.cost, x.reliability);
            if (i == b || s > worst || (s == worst && x.last_used < at(v).last_used)) {
                worst = s;
                v = i;
            }
        }
        return score(u.hop.address, u.cost, u.reliability) < worst;
    }

    // Whether a is a worse path than b of the same destination (the per-destination victim order).
    static bool worse_path(const entry& a, const entry& b, timestamp now) noexcept {
        const int ta = tier(a, now), tb = tier(b, now);
        if (ta != tb) return ta < tb;
        if (ta >= 2) {
            const std::uint32_t ra = effective_reliability(a.reliability);
            const std::uint32_t rb = effective_reliability(b.reliability);
            if (ra != rb) return ra < rb;
            if (a.cost.cumulative_cost != b.cost.cumulative_cost) return a.cost.cumulative_cost > b.cost.cumulative_cost;
        }
        return a.last_used < b.last_used;
    }

    std::size_t active_count(std::size_t b, std::size_t e, timestamp now) const noexcept {
        std::size_t n = 0;
        for (std::size_t i = b; i < e; ++i) n += at(i).trusted_at(now) ? 1 : 0;
        return n;
    }

    // The memory-pressure victim (header comment): a dead path, else the least recently used stale
    // one, else a suspect one, else a trusted active path of the destination with the most of them,
    // by evict_before within it. `active_paths` is that destination's number of trusted active
    // paths (0 for a dead, stale or suspect victim).
    std::size_t victim(timestamp now, std::size_t& active_paths) const noexcept {
        std::size_t v = npos, v_count = 0;
        int v_tier = 0;
        for (std::size_t b = 0; b < order_.size();) {
            std::size_t e = b + 1;
            while (e < order_.size() && compare(at(e).destination, at(b).destination) == 0) ++e;
            const std::size_t n = active_count(b, e, now);
            for (std::size_t i = b; i < e; ++i) {
                const int t = tier(at(i), now);
                const std::size_t count = t == 3 ? n : 0;
                bool better = v == npos || t < v_tier;
                if (!better && t == v_tier) {
                    if (t == 3 && count != v_count)
                        better = count > v_count;
                    else
                        better = evict_before(at(i), at(v), now);
                }
                if (better) {
                    v = i;
                    v_tier = t;
                    v_count = count;
                }
            }
            b = e;
        }
        active_paths = v_count;
        return v;
    }

    entry& at(std::size_t i) noexcept { return slots_[order_[i]]; }
    const entry& at(std::size_t i) const noexcept { return slots_[order_[i]]; }

    // A free slot (the caller checked that the index is not full: then one is free).
    std::uint16_t take_slot() noexcept {
        if (!free_.empty()) {
            const std::uint16_t slot = free_[free_.size() - 1];
            (void)free_.pop_back();
            return slot;
        }
        return static_cast<std::uint16_t>(used_slots_++);
    }
    void release_slot(std::uint16_t slot) noexcept { (void)free_.push_back(slot); }

    std::array<entry, Capacity> slots_{};
    static_vector<std::uint16_t, Capacity> order_{};  ///< slots in table order
    static_vector<std::uint16_t, Capacity> free_{};   ///< released slots below used_slots_
    std::size_t used_slots_ = 0;                      ///< slots ever taken (the rest never were)
    routing_timers timers_{};
};

}  // namespace nexus::routing
