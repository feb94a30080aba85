// The routing agent of a node (spec "Routing", "Announce propagation"; docs/routing.md "In the
// node"): the one path store of the node -- a routing::routing_table of several paths per
// destination under the node's path policy -- the known destinations (the verified identity behind
// each destination hash, its Lamport time, and its announce kept for path responses), and the
// routing state kind of the gossip round: path offers (routing/advert.hpp) answered to neighbours'
// summaries, merged from their deltas, and pushed between rounds when the best path changes.
//
// Paths come from announces (node/announcer.hpp validates them and hands them over: learn()) and
// from neighbours' offers (merge()). With gossip on, a relayed announce only gives an estimate
// while a destination has no path at all; real offers replace it. Forwarding and link setup look a
// path up with choose_hop(); the links agent reports how a link setup went (signal link_outcome),
// which moves the path's reliability, never its existence: a reachable destination stays reachable
// after a lost request or proof (the next setup may take another path, and a path request refreshes
// what is known).
//
// Loops: an offer carries a bloom of the nodes on its path (routing/advert.hpp); one that holds us
// may loop back through us and is kept only as a last resort (suspect). Neighbours' paths share
// their tails, so one false positive in a tail would make every path of a node suspect and its
// withdrawal would cut a whole region off. A hit is therefore ignored when the offer is feasible
// in Babel's sense (RFC 8966 §3.5.1, with the hop count as metric and the Lamport time as sequence
// number): it has the Lamport time of our feasibility distance and at most as many hops as the
// fewest we could have offered for it -- a path through us has more hops than any we offered, so a
// feasible offer cannot loop back through us, whatever the bloom says. Before we could offer any
// path, no path can run through us either. (A newer Lamport time is not enough here: a relayed
// announce refreshes a held path's Lamport time without changing its nodes.)
//
// Early offers: an offer that comes before the announce it builds on waits (node/early_offers.hpp,
// C.early_offers) and is merged when the announce is learned. An offer newer than
// the announce we hold is merged at once at that announce's Lamport time (the newest we can vouch
// for) and waits too, to be merged again at its own when the newer announce arrives.
//
// Known destinations (fixed table, C.known_destinations): filled by valid announces only. Full, a
// new destination takes the place of (1) one with no path left, else (2) the least recently used one
// that is not protected; protected are destinations with a link of ours up, or traffic sent or
// forwarded to them within the link-table lifetime. With every entry protected the newcomer is
// refused (counted: destinations_refused). An evicted destination loses its paths too (signal
// destination_lost); a path request brings it back.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/slot_map.hpp"
#include "nexus/core/time.hpp"
#include "nexus/gossip/round.hpp"
#include "nexus/node/context.hpp"
#include "nexus/node/early_offers.hpp"
#include "nexus/node/known_destination.hpp"
#include "nexus/node/gossip.hpp"
#include "nexus/routing/advert.hpp"
#include "nexus/routing/path_policy.hpp"
#include "nexus/routing/routing_table.hpp"
#include "nexus/wire/announce.hpp"
#include "nexus/wire/announce_ext.hpp"
#include "nexus/wire/packet.hpp"
#include "nexus/wire/path_cost.hpp"

namespace nexus {

/// How to reach a destination's next hop: the interface and the transport id (zero when the
/// destination's own node is the neighbour: HEADER_1).
struct hop_choice {
    interface_id iface = 0;
    truncated_hash next_hop{};
    routing::next_hop hop{};  ///< the routing-table path chosen
    std::uint32_t latency_ms = 0;  ///< its one-way latency as scored (routing::path_latency)
};

template <hash_profile P, random_source R, node_capacities C>
class routing_agent {
public:
    using context = node_context<P, R, C>;
    using table_type = routing::routing_table<C.routes, C.paths_per_destination>;
    using known_type = known_destination<C.cached_app_data>;

    explicit routing_agent(const routing::routing_timers& timers) noexcept : routes_(timers), kind_(*this) {}
    routing_agent(const routing_agent&) = delete;
    routing_agent& operator=(const routing_agent&) = delete;

    /// The routing state kind, for the gossip agent.
    gossip::state_kind& kind() noexcept { return kind_; }

    // -- reading --
    const table_type& routes() const noexcept { return routes_; }
    const routing::routing_entry* best(const truncated_hash& destination, const routing::path_policy& policy,
                                       timestamp now) const noexcept {
        return routes_.best(destination, policy, now);
    }
    const known_type* known(const truncated_hash& destination) const noexcept {
        return known_.find(destination);
    }

    /// The newest announce of a known destination rebuilt byte for byte from its cache, as relayed by
    /// `transport_id` (HEADER_2; zero: HEADER_1) after `hops` hops with `context` (none, or
    /// path_response); not_found when it is not cached (its app data did not fit, or a ratchet).
    result<std::size_t> cached_announce(const truncated_hash& destination, std::uint8_t hops,
                                        const truncated_hash& transport_id, std::uint8_t context,
                                        std::span<std::uint8_t> out) const noexcept {
        const known_type* k = known_.find(destination);
        if (k == nullptr || !k->cached) return fail(error::not_found);
        std::array<std::uint8_t, wire::mtu> data{};
        byte_writer w{data};
        (void)w.bytes(k->public_key);
        (void)w.bytes(k->name);
        (void)w.bytes(k->random);
        (void)w.bytes(k->signature);
        (void)w.bytes(std::span<const std::uint8_t>(k->app_data.data(), k->app_size));
        wire::packet_header h;
        h.flags.type = wire::packet_type::announce;
        h.flags.destination = wire::destination_type::single;
        if (transport_id != truncated_hash{}) {
            h.flags.header = wire::header_type::header_2;
            h.flags.transport = wire::transport_type::transport;
            h.transport_id = transport_id;
        }
        h.hops = hops;
        h.destination = destination;
        h.context = context;
        return wire::encode_packet(h, w.written(), out);
    }
    /// Less than an eighth of the known-destination table free: new destinations now displace
    /// others, so announce ingress control applies (node.hpp).
    bool known_nearly_full() const noexcept {
        return known_.size() + C.known_destinations / 8 >= C.known_destinations;
    }
    std::size_t known_count() const noexcept { return known_.size(); }

    /// The next hop to `destination` under `policy` (marks the path and the destination used); none
    /// without a usable path (signal path_missing).
    std::optional<hop_choice> choose_hop(context& ctx, const truncated_hash& destination,
                                         const routing::path_policy& policy, timestamp now) noexcept {
        const routing::routing_entry* r = routes_.lookup(destination, policy, now);
        known_type* k = known_.find(destination);
        if (r == nullptr || k == nullptr) {
            missing(ctx, destination, true, now);
            return std::nullopt;
        }
        k->last_used = now;
        const bool direct = r->hop.address == k->owner;
        return hop_choice{r->hop.iface, direct ? truncated_hash{} : r->hop.address, r->hop,
                          routing::path_latency(r->cost)};
    }

    // -- learning --

    /// A verified announce of `destination` (not ours) arrived on `iface`, `hops` away (the packet's
    /// hops + 1). Updates the known destination (or admits a new one) and feeds the routing table.
    /// full when the destination is new and every known one is protected (the announce is still
    /// valid; the node just has no room for it).
    result<void> learn(context& ctx, interface_id iface, const wire::packet_view& p,
                       const wire::announce_view& f, const public_identity<P>& origin,
                       timestamp now) noexcept {
        const truncated_hash& dest = p.header.destination;
        const std::uint64_t emitted = wire::random_hash_timestamp(f.random);
        const std::uint64_t lamport = wire::announce_lamport(f.app_data, emitted);
        if (lamport > ctx.lamport) ctx.lamport = lamport;  // Lamport: the clock moves past what we hear
        known_type* k = known_.find(dest);
        if (k == nullptr) {
            if (known_.full() && !evict_one(ctx, now)) {
                ++ctx.stats.destinations_refused;
                return fail(error::full);
            }
            known_type fresh;
            fresh.public_key = origin.public_key();
            for (std::size_t i = 0; i < name_hash_size; ++i) fresh.name[i] = f.name[i];
            fresh.owner = origin.hash();
            auto ins = known_.insert(dest, fresh);
            if (!ins) return fail(ins.error());
            k = *ins;
        }
        if (lamport > k->lamport) k->lamport = lamport;
        k->last_used = now;
        if (emitted >= k->emitted) {
            k->emitted = emitted;
            k->announce_expires = now + ctx.config.path_lifetime;
            cache_announce(*k, p, f);
        }
        route_from_announce(ctx, iface, p, *k, lamport,
                            static_cast<std::uint8_t>(std::min(255, p.header.hops + 1)), f.app_data, now);
        early_.take(dest, now, [&](const routing::advert& a, const routing::next_hop& h) {
            (void)merge_advert(ctx, a, h, now);
        });
        return ok();
    }

    void on_signal(context& ctx, const node_signal& s) noexcept {
        switch (s.kind) {
            case signal_kind::link_outcome:
                // Reliability only: a lost request or proof must not make the destination unreachable.
                (void)routes_.record_outcome(s.destination, s.hop, s.ok);
                break;
            case signal_kind::link_up:
                if (known_type* k = known_.find(s.destination))
                    k->links = static_cast<std::uint8_t>(k->links + 1);
                break;
            case signal_kind::link_down:
                if (known_type* k = known_.find(s.destination); k != nullptr && k->links > 0) --k->links;
                break;
            case signal_kind::announced:
                mark_dirty(ctx, s.destination);  // our own offer carries the next Lamport time
                break;
            case signal_kind::traffic:
                if (known_type* k = known_.find(s.destination)) {
                    k->last_used = s.at;
                    k->protected_until = s.at + ctx.config.link_table_lifetime;
                }
                break;
            case signal_kind::neighbour_down:
            case signal_kind::neighbour_gone:
                dirty_via(ctx, s.hop);
                (void)routes_.neighbour_silent(s.hop, s.since, s.at);
                break;
            default:
                break;
        }
    }

    // -- timers and pushes --

    /// Ages the routing table (once a gossip round).
    void expire(context& ctx, timestamp now) noexcept {
        if (now < next_expire_) return;
        (void)routes_.expire(now);
        next_expire_ = now + ctx.config.timers.gossip_interval;
        // A destination left with withdrawn or failed paths only: the path request that followed may
        // have been lost, or answered before anyone had a path again. Asked again each interval, a
        // few times (requests_left, reset whenever a usable path comes back).
        for (auto e : known_) {
            if (e.value.requests_left == 0) continue;
            const auto paths = routes_.paths(e.key);
            if (paths.empty()) continue;
            bool any = false;
            for (const auto& x : paths) any = any || (usable(ctx, x) && x.active_at(now));
            if (any) continue;
            --e.value.requests_left;
            missing(ctx, e.key, false, now);
        }
    }

    /// Pushes the changed offers (after a jitter; at most once a second).
    void push(context& ctx, gossip_agent<P, R, C>& gossip, timestamp now) noexcept {
        if (!ctx.config.gossip || dirty_count_ == 0) return;
        if (push_at_ == timestamp{}) {
            // A random 50-500 ms before pushing: two neighbours that learn of each other's change at
            // the same instant would otherwise both switch to the other's old path and push in
            // lockstep, forever (an oscillating two-node loop).
            const auto jitter = duration::milliseconds(50 + ctx.random_u32() % 450);
            push_at_ = std::max(next_push_, now) + jitter;
        }
        if (now >= push_at_) push_dirty(ctx, gossip, now);
    }

    timestamp next_deadline(const context& ctx) const noexcept {
        if (!ctx.config.gossip) return timestamp::max();
        timestamp t = next_expire_;
        if (dirty_count_ > 0) t = std::min(t, push_at_);
        return t;
    }

    /// Flags a destination (ours or one we route to) for the next push.
    void mark_dirty(context& ctx, const truncated_hash& destination) noexcept {
        if (!ctx.config.gossip) return;
        bool* flag = nullptr;
        if (own_destination* own = ctx.find_destination(destination))
            flag = &own->dirty;
        else if (known_type* k = known_.find(destination))
            flag = &k->dirty;
        if (flag == nullptr || *flag) return;
        *flag = true;
        ++dirty_count_;
    }

private:
    struct best_snapshot {
        bool has = false;
        routing::next_hop hop{};
        wire::compact_path_cost cost{};
        std::uint64_t lamport = 0;
        bool active = false;
        bool estimate = false;       ///< taken from a relayed announce (path bloom unknown_path())
        routing::path_bloom path{};  ///< the nodes on it
        friend constexpr bool operator==(const best_snapshot&, const best_snapshot&) noexcept = default;
    };

    /// The routing state kind of the gossip round: path offers (routing/advert.hpp).
    class routing_kind final : public gossip::state_kind {
    public:
        explicit routing_kind(routing_agent& a) noexcept : a_(&a) {}
        void bind(context& ctx) noexcept { ctx_ = &ctx; }
        std::uint8_t id() const noexcept override { return routing::routing_kind_id; }
        gossip::tier kind_tier() const noexcept override { return gossip::tier::routing; }
        std::size_t item_count(const gossip::round_context& rc) const noexcept override {
            std::size_t c = 0;
            for (const auto& e : a_->routes_) c += summarised(e, rc.now) ? 1 : 0;
            return c;
        }
        void summarise(const gossip::round_context& rc, gossip::bloom_span& filter) const noexcept override {
            for (const auto& e : a_->routes_)
                if (summarised(e, rc.now))
                    filter.insert(
                        routing::advert_key(e.hop.address, e.destination, e.lamport, e.cost, e.path));
        }
        bool delta(gossip::round_context& rc, const gossip::bloom_view& peer_filter,
                   gossip::delta_sink& out) const noexcept override {
            return a_->delta(*ctx_, rc, peer_filter, out);
        }
        result<void> check(const gossip::round_context&,
                           std::span<const std::uint8_t> item) const noexcept override {
            auto a = routing::decode_advert(item);
            if (!a) return fail(a.error());
            return ok();
        }
        result<void> merge(const gossip::round_context& rc,
                           std::span<const std::uint8_t> item) noexcept override {
            auto a = routing::decode_advert(item);
            if (!a) return fail(a.error());
            return a_->merge_advert(*ctx_, *a, routing::next_hop{rc.iface, rc.peer}, rc.now);
        }

    private:
        /// Active paths, and failed ones (withdrawn or poisoned: the offer that failed them is held,
        /// so it is not sent again); stale ones are left out so that a returning neighbour re-sends.
        static bool summarised(const routing::routing_entry& e, timestamp now) noexcept {
            return e.failed || e.active_at(now);
        }
        routing_agent* a_;
        context* ctx_ = nullptr;
    };

    static bool changed_over_quarter(std::uint64_t before, std::uint64_t after) noexcept {
        const std::uint64_t diff = before > after ? before - after : after - before;
        return diff * 4 > before;
    }

    static void cache_announce(known_type& k, const wire::packet_view& p,
                               const wire::announce_view& f) noexcept {
        k.cached = !p.header.flags.context_flag && f.app_data.size() <= k.app_data.size();
        if (!k.cached) return;
        for (std::size_t i = 0; i < k.random.size(); ++i) k.random[i] = f.random[i];
        for (std::size_t i = 0; i < k.signature.size(); ++i) k.signature[i] = f.signature[i];
        k.app_size = static_cast<std::uint8_t>(f.app_data.size());
        for (std::size_t i = 0; i < f.app_data.size(); ++i) k.app_data[i] = f.app_data[i];
    }

    bool is_protected(const known_type& k, timestamp now) const noexcept {
        return k.links > 0 || now < k.protected_until;
    }

    /// Makes room in the known destinations (header comment); false when every entry is protected.
    bool evict_one(context& ctx, timestamp now) noexcept {
        const truncated_hash* victim = nullptr;
        const known_type* v = nullptr;
        bool victim_pathless = false;
        for (const auto e : known_) {
            const bool pathless = routes_.paths(e.key).empty();
            if (is_protected(e.value, now) && !pathless) continue;
            if (victim == nullptr || (pathless && !victim_pathless) ||
                (pathless == victim_pathless && e.value.last_used < v->last_used)) {
                victim = &e.key;
                v = &e.value;
                victim_pathless = pathless;
            }
        }
        if (victim == nullptr) return false;
        const truncated_hash dest = *victim;
        if (v->dirty && dirty_count_ > 0) --dirty_count_;
        (void)routes_.erase(dest);
        (void)known_.erase(dest);
        ++ctx.stats.destinations_evicted;
        node_signal s{signal_kind::destination_lost};
        s.destination = dest;
        s.at = now;
        ctx.signal(s);
        return true;
    }

    wire::hop_metrics own_hop(const context& ctx, interface_id iface, bool relaying) const noexcept {
        const interface_metrics& m = ctx.metrics(iface);
        return wire::hop_metrics{relaying ? ctx.config.relay_fee : 0u, m.latency_ms, m.bandwidth_bps};
    }

    /// Our offer of a destination we own, over `iface` (none before its first announce).
    std::optional<routing::advert> own_offer(const context& ctx, const own_destination& d,
                                             interface_id iface) const noexcept {
        if (d.lamport == 0) return std::nullopt;
        routing::path_bloom path{};
        routing::path_bloom_add(path, ctx.self.hash());
        return routing::advert{
            d.hash, d.lamport,
            wire::relay_update(wire::compact_path_cost::origin(), own_hop(ctx, iface, false)), path};
    }

    /// Our offer of a destination we route to, over `iface`: the best active path after our own hop;
    /// a withdrawal when we hold only stale or failed paths; none when we hold none or only an
    /// estimate (a relayed announce: neighbours have the announce themselves).
    std::optional<routing::advert> offer(const context& ctx, const truncated_hash& destination,
                                         interface_id iface, timestamp now) const noexcept {
        const routing::routing_entry* best = routes_.best(destination, ctx.config.policy, now);
        if (best != nullptr && best->path == routing::unknown_path()) return std::nullopt;  // an estimate
        if (best != nullptr && best->trusted_at(now) && best->cost.hop_count + 1 < ctx.config.max_hops) {
            routing::path_bloom path = best->path;
            routing::path_bloom_add(path, ctx.self.hash());
            return routing::advert{destination, best->lamport,
                                   wire::relay_update(best->cost, own_hop(ctx, iface, true)), path};
        }
        const auto paths = routes_.paths(destination);
        if (paths.empty()) return std::nullopt;
        routing::advert w{destination, 0, {}, {}};
        routing::path_bloom_add(w.path, ctx.self.hash());
        // As new as anything we could have offered before (the newest announce we verified): an
        // older withdrawal would be ignored by a neighbour holding our earlier, newer offer.
        for (const auto& e : paths) w.lamport = std::max(w.lamport, e.lamport);
        if (const known_type* k = known_.find(destination)) w.lamport = std::max(w.lamport, k->lamport);
        w.cost.hop_count = routing::withdrawn_hop_count;
        return w;
    }

    /// Whether our offer `mine` would make a peer whose own offer is `theirs` switch to us.
    bool improves(const context& ctx, const routing::routing_entry& theirs, const truncated_hash& peer,
                  const routing::advert& mine) const noexcept {
        const routing::path_policy& p = ctx.config.policy;
        const truncated_hash& self = ctx.self.hash();
        if (p.kind != routing::policy_kind::weighted) {
            const routing::path_view both[2] = {{&peer, theirs.cost, theirs.reliability},
                                                {&self, mine.cost, 0}};
            return routing::select_best(
                       2, [&](std::size_t k) { return both[k]; }, mine.destination, p) == 1;
        }
        const auto dt = routing::path_ring_distance(peer, mine.destination, theirs.cost);
        const auto dm = routing::path_ring_distance(self, mine.destination, mine.cost);
        const std::uint64_t ct = wire::decode_cost(theirs.cost.cumulative_cost);
        const std::uint64_t cm = wire::decode_cost(mine.cost.cumulative_cost);
        const std::uint32_t lt = routing::path_latency(theirs.cost), lm = routing::path_latency(mine.cost);
        const auto md = dt > dm ? dt : dm;
        const std::uint64_t mc = std::max(ct, cm);
        const std::uint32_t ml = std::max(lt, lm);
        const std::uint64_t st = routing::weighted_score(p, dt, ct, lt, theirs.reliability, md, mc, ml);
        const std::uint64_t sm = routing::weighted_score(p, dm, cm, lm, 0, md, mc, ml);
        return sm + sm / offer_margin_divisor < st;
    }

    /// An offer goes to a peer that has an active path of its own only when it scores at least
    /// 2 % lower than the peer's (improves()).
    static constexpr std::uint64_t offer_margin_divisor = 50;

    /// The routing kind's delta: our offers the peer lacks (routing/advert.hpp; docs/routing.md).
    bool delta(const context& ctx, gossip::round_context& rc, const gossip::bloom_view& peer_filter,
               gossip::delta_sink& out) const noexcept {
        const timestamp now = rc.now;
        std::size_t pos = 0;
        auto consider = [&](const std::optional<routing::advert>& a) -> bool {
            const std::size_t here = pos++;
            // Withdrawals go too: a pushed one may have been lost, and a neighbour still holding our
            // old path as trusted would route through us while we route back (a two-node loop that
            // stood for minutes on a 100-node mesh with 1 % loss). Once merged, the peer holds it
            // failed and its summary lists it; one it never held it drops, and it goes again each
            // round while we hold nothing but failed paths (until they are evicted).
            if (here < rc.cursor || !a) return true;
            if (const known_type* k = known_.find(a->destination); k != nullptr && k->owner == rc.peer)
                return true;  // the peer's own destination
            // While the peer offers us an active path, ours goes to it only when it would make the peer
            // switch: better than the peer's own by the hysteresis margin. Fallback paths reach a peer
            // when it withdraws its own (keeps a busy broadcast medium quiet once converged: the peer's
            // summary cannot list offers it did not keep). (A path through the peer always goes: it
            // tells the peer not to use ours.)
            if (const auto* theirs = routes_.find(a->destination, routing::next_hop{rc.iface, rc.peer});
                theirs != nullptr && theirs->trusted_at(now) &&
                !routing::path_bloom_contains(a->path, rc.peer) && !improves(ctx, *theirs, rc.peer, *a))
                return true;
            if (peer_filter.maybe_contains(
                    routing::advert_key(ctx.self.hash(), a->destination, a->lamport, a->cost, a->path)))
                return true;
            std::array<std::uint8_t, routing::advert_size> item{};
            (void)routing::encode_advert(*a, item);
            if (!out.put(item)) {
                rc.cursor = here;
                return false;
            }
            return true;
        };
        for (const auto& d : ctx.destinations)
            if (!consider(own_offer(ctx, d, rc.iface))) return false;
        // The table's destinations from a random entry on, wrapping: neighbours answering the same
        // summary with one packet each then send different offers.
        const routing::routing_entries entries = routes_.all();
        const std::size_t size = routes_.size();
        for (std::size_t k = 0; k < size; ++k) {
            const std::size_t i = (rc.start + k) % size;
            if (i > 0 && entries[i - 1].destination == entries[i].destination) continue;
            if (!consider(offer(ctx, entries[i].destination, rc.iface, now))) return false;
        }
        rc.cursor = 0;
        return true;
    }

    best_snapshot snapshot(const context& ctx, const truncated_hash& destination,
                           timestamp now) const noexcept {
        const routing::routing_entry* b = routes_.best(destination, ctx.config.policy, now);
        if (b == nullptr) return {};
        return best_snapshot{
            true,   b->hop, b->cost, b->lamport, b->trusted_at(now), b->path == routing::unknown_path(),
            b->path};
    }

    /// Whether a change of our best path is pushed at once (spec: "cost change > 25 %"): a path
    /// appearing or disappearing, a switch to another next hop (neighbours must see the nodes of the
    /// path we now use, or a loop could stand until the next round), a node joining the path further
    /// on (the same reason), an estimate replaced by a real offer (neighbours held ours as unusable) or
    /// the reverse, its cost code moving by more than 5 steps (2^(5/16) = 1.24) or its worst latency
    /// by more than a quarter. Smaller changes reach the neighbours in the next round's delta (the
    /// bloom key holds the exact cost).
    static bool significant(const best_snapshot& a, const best_snapshot& b) noexcept {
        if (a.has != b.has || a.active != b.active) return true;
        if (!a.has) return false;
        if (!(a.hop == b.hop)) return true;
        if (a.estimate != b.estimate) return true;
        for (std::size_t i = 0; i < b.path.size(); ++i)
            if ((b.path[i] & ~a.path[i]) != 0) return true;
        const int dc = static_cast<int>(a.cost.cumulative_cost) - static_cast<int>(b.cost.cumulative_cost);
        return dc > 5 || dc < -5 || changed_over_quarter(a.cost.worst_latency_ms, b.cost.worst_latency_ms);
    }

    /// Feeds a verified announce into the routing table. A path we already hold keeps the cost its
    /// neighbour offered (the announce only refreshes its Lamport time and timers); a new one starts
    /// from the origin's values, the hops travelled and the receiving interface -- with gossip on,
    /// only when the announce comes straight from its origin.
    void route_from_announce(context& ctx, interface_id iface, const wire::packet_view& p,
                             const known_type& k, std::uint64_t lamport, std::uint8_t hops,
                             std::span<const std::uint8_t> app_data, timestamp now) noexcept {
        const truncated_hash& dest = p.header.destination;
        const routing::next_hop hop{
            iface, p.header.flags.header == wire::header_type::header_2 ? p.header.transport_id : k.owner};
        if (hop.address == ctx.self.hash()) return;
        wire::compact_path_cost cost = wire::compact_path_cost::origin();
        routing::path_bloom path{};
        routing::path_bloom_add(path, hop.address);
        routing::path_bloom_add(path, k.owner);
        const interface_metrics& m = ctx.metrics(iface);
        const routing::routing_entry* old = routes_.find(dest, hop);
        if (old != nullptr && usable(ctx, *old)) {
            if (lamport <= old->lamport) return;
            cost = old->cost;
            path = old->path;
        } else if (old != nullptr && lamport < old->lamport) {
            return;
        } else if (ctx.config.gossip && p.header.hops > 0) {
            // With gossip, paths through relays come from their offers (real costs, the nodes on the
            // path). A relayed announce gives only hop counts: it becomes an estimate, and only while
            // the destination has no usable path (reachable at once, as without gossip; and again
            // after a withdrawal left only failed paths: a path response, even at the Lamport time
            // of the withdrawn paths, comes from a node that has a path). Its path bloom is all ones,
            // so no neighbour uses an offer built on it, and the first real offer replaces it
            // (merge_advert). A withdrawn path is never refreshed as it is: its 255 hops would come
            // back as an active path.
            for (const auto& x : routes_.paths(dest))
                if (usable(ctx, x)) return;
            path = routing::unknown_path();
            cost.hop_count = hops;
            cost.worst_latency_ms = std::max(cost.worst_latency_ms, m.latency_ms);
            cost.bottleneck_bps = std::min(cost.bottleneck_bps, wire::encode_bandwidth(m.bandwidth_bps));
        } else {
            if (wire::is_nexus_extension(app_data))
                if (auto ext = wire::parse_announce_ext(app_data)) cost = ext->path_cost;
            cost.hop_count = hops;
            cost.worst_latency_ms = std::max(cost.worst_latency_ms, m.latency_ms);
            cost.bottleneck_bps = std::min(cost.bottleneck_bps, wire::encode_bandwidth(m.bandwidth_bps));
        }
        const best_snapshot before = snapshot(ctx, dest, now);
        (void)routes_.update(routing::route_update{dest, hop, cost, lamport, 0, path}, now,
                             &ctx.config.policy);
        // A refresh keeps the path as offered: one that may run through us stays a last resort.
        if (path != routing::unknown_path() && may_loop(ctx, k, path, lamport, cost.hop_count))
            (void)routes_.mark_suspect(dest, hop);
        changed(ctx, dest, before, now);
    }

    /// A path that can carry traffic once refreshed: not withdrawn or failed.
    static bool usable(const context& ctx, const routing::routing_entry& e) noexcept {
        return !e.failed && e.cost.hop_count < ctx.config.max_hops;
    }

    /// Whether a path may lead back through us (header comment "Loops").
    static bool may_loop(const context& ctx, const known_type& k, const routing::path_bloom& path,
                         std::uint64_t lamport, std::uint8_t hops) noexcept {
        if (!routing::path_bloom_contains(path, ctx.self.hash())) return false;
        const bool feasible = !k.offered || (lamport == k.fd_lamport && hops <= k.fd_hops);
        return !feasible;
    }

    /// After a change of `destination`'s paths: the feasibility distance follows the best path we
    /// could offer, and a significant change is pushed.
    void changed(context& ctx, const truncated_hash& destination, const best_snapshot& before,
                 timestamp now) noexcept {
        const best_snapshot after = snapshot(ctx, destination, now);
        if (known_type* k = known_.find(destination); k != nullptr && after.has && after.active)
            k->requests_left = 3;
        if (known_type* k = known_.find(destination);
            k != nullptr && after.has && after.active && !after.estimate) {
            if (!k->offered || after.lamport > k->fd_lamport) {
                k->offered = true;
                k->fd_lamport = after.lamport;
                k->fd_hops = after.cost.hop_count;
            } else if (after.lamport == k->fd_lamport && after.cost.hop_count < k->fd_hops) {
                k->fd_hops = after.cost.hop_count;
            }
        }
        if (significant(before, after)) mark_dirty(ctx, destination);
        // Paths, but none we could use or offer (all suspect or withdrawn): a path request makes the
        // destination announce again, with a Lamport time that lets us start over ("Loops").
        if (after.has && !after.active && before.active) missing(ctx, destination, false, now);
    }

    static void missing(context& ctx, const truncated_hash& destination, bool urgent,
                        timestamp now) noexcept {
        node_signal s{signal_kind::path_missing};
        s.destination = destination;
        s.ok = urgent;
        s.at = now;
        ctx.signal(s);
    }

    result<void> merge_advert(context& ctx, const routing::advert& a, const routing::next_hop& hop,
                              timestamp now) noexcept {
        auto refuse = [&](error e) -> result<void> {
            ++ctx.stats.adverts_refused;
            return fail(e);
        };
        if (ctx.find_destination(a.destination) != nullptr) return refuse(error::invalid_argument);  // ours
        const known_type* k = known_.find(a.destination);
        // No current announce: the offer waits for it. (No path request here: at boot nearly every
        // offer overtakes its announce, and a request per offer flooded a 1,000-node mesh with
        // path requests -- each one crosses every transport node.)
        if (k == nullptr || now >= k->announce_expires) {
            if (!a.withdrawn()) early_.keep(a, hop, now);
            return refuse(error::not_found);
        }
        routing::advert offer = a;
        if (!a.withdrawn()) {
            if (a.lamport > k->lamport) {
                // Newer than any announce of it we verified: that announce is on its way (or held by
                // ingress control). Until it comes the offer counts at the newest Lamport time we can
                // vouch for, and it waits to be merged again with its own.
                early_.keep(a, hop, now);
                offer.lamport = k->lamport;
            }
            // The neighbour relayed a newer announce than its offer: its path is as new as that.
            if (const routing::routing_entry* old = routes_.find(a.destination, hop);
                old != nullptr && old->path == routing::unknown_path() && old->lamport > offer.lamport)
                offer.lamport = old->lamport;
        }
        return merge_offer(ctx, *k, offer, hop, now);
    }

    /// merge_advert() for an offer of a destination whose announce we hold.
    result<void> merge_offer(context& ctx, const known_type& known, const routing::advert& a,
                             const routing::next_hop& hop, timestamp now) noexcept {
        auto refuse = [&](error e) -> result<void> {
            ++ctx.stats.adverts_refused;
            return fail(e);
        };
        const best_snapshot before = snapshot(ctx, a.destination, now);
        if (a.withdrawn() || may_loop(ctx, known, a.path, a.lamport, a.cost.hop_count)) {
            // A withdrawal, or a path that may go back through us (poisoned reverse): held with the
            // offer's own values, so that our summary lists it and the sender does not offer it again
            // (a withdrawal of a path we never held is dropped). A withdrawal fails the path. A bloom
            // hit only makes it suspect: a last resort, used only while we have no trusted path and
            // never offered on (docs/routing.md "Loops"). The hit may be false -- the bloom of a long
            // path is dense, and the neighbours' paths share their tails.
            const routing::routing_entry* old = routes_.find(a.destination, hop);
            if (old != nullptr && a.lamport < old->lamport) return ok();
            if (old == nullptr &&
                (a.withdrawn() || routes_.paths(a.destination).size() >= routes_.paths_per_destination()))
                return ok();  // never held: keep it only in a free slot (it must not push out a usable path)
            (void)routes_.update(routing::route_update{a.destination, hop, a.cost, a.lamport, 0, a.path},
                                 now);
            if (a.withdrawn())
                (void)routes_.mark_failed(a.destination, hop);
            else
                (void)routes_.mark_suspect(a.destination, hop);
        } else {
            if (a.cost.hop_count >= ctx.config.max_hops) return refuse(error::out_of_range);
            const auto o =
                routes_.update(routing::route_update{a.destination, hop, a.cost, a.lamport, 0, a.path}, now,
                               &ctx.config.policy);
            if (!routing::accepted(o))
                return refuse(o == routing::update_outcome::discarded_older ? error::replayed : error::full);
            // A real offer replaces the estimates taken from relayed announces.
            for (;;) {
                const routing::routing_entry* est = nullptr;
                for (const auto& x : routes_.paths(a.destination))
                    if (x.path == routing::unknown_path()) est = &x;
                if (est == nullptr) break;
                const routing::next_hop h = est->hop;
                (void)routes_.erase(a.destination, h);
            }
        }
        ++ctx.stats.adverts_merged;
        changed(ctx, a.destination, before, now);
        return ok();
    }

    void dirty_via(context& ctx, const routing::next_hop& hop) noexcept {
        for (const auto& e : routes_)
            if (e.hop == hop) mark_dirty(ctx, e.destination);
    }

    /// Pushes the changed offers at once on every interface (within each tier-1 budget); what does
    /// not fit waits for the next push, at least a second later, when the budget has refilled.
    void push_dirty(context& ctx, gossip_agent<P, R, C>& gossip, timestamp now) noexcept {
        next_push_ = now + duration::seconds(1);
        push_at_ = timestamp{};
        // The flagged destinations, ours first, in order. `sent_all_before` ends up as the first
        // position some interface could not send (budget or outbox): flags from there on stay set.
        // (They used to be cleared all the same; on a 1,000-node mesh the changes cut off that way
        // waited for a round's delta, and two-node loops stood for rounds.)
        const std::size_t own_count = ctx.destinations.size();
        const std::size_t total = own_count + known_.size();
        std::size_t sent_all_before = total;
        constexpr std::size_t item = gossip::item_prefix_bytes + routing::advert_size;
        for (std::size_t i = 0; i < ctx.interface_count(); ++i) {
            const auto iface = static_cast<interface_id>(i);
            std::size_t next = 0;  // where the next packet starts
            // A packet goes when the budget holds all the changes, or a full packet, or as much as the
            // bucket can ever hold: trickling one offer per packet as the bucket refills would spend
            // most of a slow link's budget on envelopes (~150 bytes each).
            const std::size_t want = std::min<std::size_t>(
                {gossip::single_delta::header_bytes + dirty_count_ * item, gossip::max_envelope_message,
                 gossip.bucket_room(ctx, iface, gossip::tier::routing, now)});
            while (next < total) {
                const std::size_t room = gossip.room(ctx, iface, gossip::tier::routing, now);
                if (room < gossip::single_delta::header_bytes + item || room < want) break;  // not enough yet
                std::array<std::uint8_t, gossip::max_envelope_message> msg{};
                gossip::single_delta delta(routing::routing_kind_id,
                                           std::span<std::uint8_t>(msg.data(), room));
                const std::size_t first = next;
                for (; next < total; ++next) {
                    std::optional<routing::advert> a;
                    if (next < own_count) {
                        const own_destination& own = ctx.destinations[next];
                        if (!own.dirty) continue;
                        a = own_offer(ctx, own, iface);
                    } else {
                        const auto& e = known_.begin()[next - own_count];
                        if (!e.value.dirty) continue;
                        a = offer(ctx, e.key, iface, now);
                    }
                    if (!a) continue;
                    std::array<std::uint8_t, routing::advert_size> bytes{};
                    (void)routing::encode_advert(*a, bytes);
                    if (!delta.sink().put(bytes)) break;
                }
                const std::size_t size = delta.finish();
                if (size == 0) break;
                if (!gossip.send(ctx, iface, gossip::tier::routing,
                                 std::span<const std::uint8_t>(msg.data(), size), now)) {
                    next = first;
                    break;
                }
            }
            sent_all_before = std::min(sent_all_before, next);
        }
        dirty_count_ = 0;
        for (std::size_t k = 0; k < total; ++k) {
            bool& flag =
                k < own_count ? ctx.destinations[k].dirty : known_.begin()[k - own_count].value.dirty;
            if (k < sent_all_before) flag = false;
            dirty_count_ += flag ? 1 : 0;
        }
    }

    table_type routes_;
    early_offers<C.early_offers> early_{};
    slot_map<truncated_hash, known_type, C.known_destinations, bytes_less> known_{};
    routing_kind kind_;
    std::size_t dirty_count_ = 0;  ///< destinations flagged dirty (ours and known ones)
    timestamp next_push_{};
    timestamp push_at_{};  ///< when the pending changes go out (unset: not yet scheduled)
    timestamp next_expire_{};

public:
    /// Binds the routing kind to the node's context (the node calls it once it is built).
    void bind(context& ctx) noexcept { kind_.bind(ctx); }
};

}  // namespace nexus
