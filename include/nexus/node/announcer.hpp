// The announcer agent of a node (spec "Announce propagation"; Reticulum's announce handling,
// ../shared/spec/reticulum-framing.md "Transport behaviour"): our own announces -- on request, and
// with auto_announce on the spec's triggers: first boot, a new interface, an interface cost change
// above 25 %, and every announce interval -- and the announces we hear: validated (signature,
// destination hash), counted, and relayed by a transport node as HEADER_2 with its identity hash.
// A bridge relays to its other interfaces; on a shared medium (a radio with several neighbours)
// the announce is repeated on the interface it came in on too, since the next node may be out of
// the first one's range.
//
// Retries (after Reticulum's PATHFINDER_R = 1): an announce a transport node sent -- its own, or
// one it relayed -- goes once more 5 s (plus up to 0.5 s of jitter) later on each interface where we have no
// sign that it arrived. On a shared radio the sign is Reticulum's: two neighbours heard passing it on, or one
// a hop further than ours; a busy radio nearly always hears that and nothing repeats. On a point-to-point
// interface the one neighbour there has it when a copy came from it (it passes announces on to every
// interface but the one they came in on, so a copy from it means it had one already); with none, ours may
// have been lost, and a lost copy at a bridge would leave a whole region without the destination until its
// next announce (30 min) -- it goes again. An end node (transport off) sends its own announces once: no
// neighbour would ever give it the sign. Table (C.announce_retries): filled by the announces we send; full,
// no retry is kept for the newest (the flood still went once). A retry of a relayed announce is rebuilt from
// the known destination's cached announce (node/routing.hpp), so the table holds no packets.
//
// Flood control (Reticulum's; docs/routing.md "Announce rate and ingress control"):
// - ingress: announces of destinations we do not know, with no path request pending for them, once
//   the known-destination table is seven-eighths full (before that a newcomer displaces nobody), are
//   metered per interface and per neighbour (the transport id of a relayed announce, the origin of a
//   direct one); in a burst they are held (routing/announce_ingress.hpp: C.held_announces, the
//   fewest-hop ones kept) and released one every 5 s once it is over. A flood of fresh identities
//   therefore cannot push known destinations out of the node's tables faster than that.
// - rebroadcast rate: each destination's announces are relayed at most once per target interval
//   beyond a grace of 5 (routing/announce_rate.hpp, C.announce_rates); the routing table still
//   learns from every one. Path responses are not rate-limited but are relayed only by a node that
//   passed the request on.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/time.hpp"
#include "nexus/node/context.hpp"
#include "nexus/node/transport.hpp"
#include "nexus/routing/announce_ingress.hpp"
#include "nexus/routing/announce_rate.hpp"
#include "nexus/wire/announce.hpp"
#include "nexus/wire/announce_ext.hpp"
#include "nexus/wire/packet.hpp"
#include "nexus/wire/path_cost.hpp"

namespace nexus {

template <hash_profile P, random_source R, node_capacities C>
class announcer_agent {
public:
    using context = node_context<P, R, C>;

    /// When an announce we sent goes again (unless heard passed on), and its jitter.
    static constexpr duration retry_delay = duration::seconds(5);
    static constexpr std::uint32_t retry_jitter_ms = 500;

    /// Queues a signed announce of our destination on every interface. `wall_seconds` (0: the
    /// node's clock) goes in the random hash's emission time.
    result<void> announce(context& ctx, transport_agent<P, R, C>& transport,
                          const truncated_hash& destination, timestamp now,
                          std::span<const std::uint8_t> app_data = {}, std::uint64_t wall_seconds = 0,
                          std::uint8_t packet_context = wire::context::none) noexcept {
        own_destination* d = ctx.find_destination(destination);
        if (d == nullptr) return fail(error::not_found);
        if (ctx.outbox_full()) return fail(error::full);
        wire::announce_params params;
        params.name = d->name;
        params.random = wire::make_random_hash(*ctx.rng, wall_seconds != 0 ? wall_seconds : now.ms() / 1000);
        params.app_data = app_data;
        params.context = packet_context;
        packet_slot slot;
        auto n = wire::build_announce(ctx.self, params, slot.bytes);
        if (!n) return fail(n.error());
        slot.size = *n;
        transport.remember(slot.view());
        const std::size_t index = static_cast<std::size_t>(d - ctx.destinations.begin());
        own_[index] = slot;
        if (ctx.config
                .transport)  // an end node's neighbours never pass its announce back: no sign to wait for
            if (auto h = wire::truncated_packet_hash<P>(slot.view()))
                (void)schedule(ctx, destination, *h, 0, true, now);
        const std::uint64_t l = wire::announce_lamport(app_data, wire::random_hash_timestamp(params.random));
        if (l > ctx.lamport) ctx.lamport = l;
        d->lamport = l;
        d->announce_due = false;
        d->next_announce = now + ctx.config.timers.announce_interval;
        ++ctx.stats.announces_sent;
        if (auto q = ctx.queue(slot); !q) return q;
        node_signal s{signal_kind::announced};
        s.destination = destination;
        s.at = now;
        ctx.signal(s);
        return ok();
    }

    /// Announces with the NEXUS extension (docs/wire/announce.md): the origin's path cost and the
    /// next Lamport time (TLV 0x01), then `extra_tlvs` (whole TLV entries) -- what auto_announce sends.
    result<void> announce_nexus(context& ctx, transport_agent<P, R, C>& transport,
                                const truncated_hash& destination, timestamp now,
                                std::span<const std::uint8_t> extra_tlvs = {},
                                std::uint8_t packet_context = wire::context::none) noexcept {
        std::array<std::uint8_t, 128> ext{};
        auto b = wire::announce_ext_builder::create(ext, wire::compact_path_cost::origin());
        if (!b) return fail(b.error());
        const std::uint64_t next = std::max(ctx.lamport + 1, static_cast<std::uint64_t>(now.ms() / 1000));
        if (auto r = b->add_lamport_timestamp(next); !r) return fail(r.error());
        std::size_t size = b->size();
        if (extra_tlvs.size() > ext.size() - size) return fail(error::invalid_length);
        if (auto v = wire::validate_tlvs(extra_tlvs); !v) return fail(v.error());
        for (std::size_t i = 0; i < extra_tlvs.size(); ++i) ext[size + i] = extra_tlvs[i];
        size += extra_tlvs.size();
        return announce(ctx, transport, destination, now, std::span<const std::uint8_t>(ext.data(), size), 0,
                        packet_context);
    }

    /// Answers a path request for one of our destinations: announces it again (context
    /// path_response) with a new random hash and so a later emission time -- and, with the NEXUS
    /// extension, the next Lamport time, which lets every node that had no feasible path start over
    /// (node/routing.hpp "Loops"). The app data is that of our last announce of it.
    result<void> answer_path_request(context& ctx, transport_agent<P, R, C>& transport,
                                     const truncated_hash& destination, timestamp now) noexcept {
        const own_destination* d = ctx.find_destination(destination);
        if (d == nullptr) return fail(error::not_found);
        const packet_slot& last = own_[static_cast<std::size_t>(d - ctx.destinations.begin())];
        std::array<std::uint8_t, wire::mtu> app{};
        std::size_t app_size = 0;
        if (auto p = wire::decode_packet(last.view()))
            if (auto a = wire::parse_announce(*p)) {
                if (wire::is_nexus_extension(a->app_data))
                    return announce_nexus(ctx, transport, destination, now, {}, wire::context::path_response);
                app_size = a->app_data.size();
                for (std::size_t i = 0; i < app_size; ++i) app[i] = a->app_data[i];
            }
        return announce(ctx, transport, destination, now, std::span<const std::uint8_t>(app.data(), app_size),
                        0, wire::context::path_response);
    }

    /// Validates a received announce; counts it. auth_failed / bad_encoding / truncated for a forged
    /// or malformed one (the node then drops it).
    result<wire::validated_announce<P>> validate(context& ctx, const wire::packet_view& p) noexcept {
        auto v = wire::validate_announce<P>(p);
        if (!v) {
            ++ctx.stats.announces_rejected;
            return fail(v.error());
        }
        ++ctx.stats.announces_valid;
        return v;
    }

    /// Ingress control (header comment): whether a valid announce of someone else's destination is
    /// processed now; when not, it is held (or dropped when the held store has better ones) and
    /// comes back from release(). `controlled`: the destination is unknown and no path request for
    /// it is pending.
    bool admit(context& ctx, interface_id iface, const inbound_packet& in, const truncated_hash& neighbour,
               bool controlled, timestamp now) noexcept {
        routing::announce_arrival a;
        a.iface = iface;
        a.iface_created = ctx.interfaces[iface].added;
        a.neighbour = neighbour;
        a.controlled = controlled;
        auto v = ingress_.on_announce(a, now);
        if (!v || *v == routing::ingress_verdict::admit) return true;
        const std::uint8_t hops = static_cast<std::uint8_t>(std::min(255, in.packet.header.hops + 1));
        if (ingress_.hold(a, in.packet.raw, hops, now))
            ++ctx.stats.announces_held;
        else
            ++ctx.stats.announces_dropped;
        return false;
    }

    /// A held announce due for release (header comment), copied to `out` with its interface; size 0
    /// when none is due.
    result<std::size_t> release(context& ctx, timestamp now, std::span<std::uint8_t> out,
                                interface_id& iface) noexcept {
        auto n = ingress_.release(now, out, iface);
        if (n && *n > 0) ++ctx.stats.announces_released;
        return n;
    }

    /// A transport node relays a valid announce of someone else's destination (header comment). A
    /// path response is relayed only when we passed the request for it on (`requested`); other
    /// announces are rate-limited per destination (Reticulum's announce rate control).
    void relay(context& ctx, transport_agent<P, R, C>& transport, interface_id iface,
               const inbound_packet& in, bool requested, timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        const std::uint8_t hops = static_cast<std::uint8_t>(std::min(255, p.header.hops + 1));
        const bool shared = ctx.metrics(iface).shared;
        if (!ctx.config.transport || hops >= ctx.config.max_hops || (ctx.interface_count() < 2 && !shared))
            return;
        if (p.header.context == wire::context::path_response
                ? !requested
                : !rates_.allow_rebroadcast(p.header.destination, now, ctx.config.announce_rate)) {
            ++ctx.stats.rebroadcasts_limited;
            return;
        }
        const interface_id except = shared ? all_interfaces : iface;
        (void)transport.rebroadcast(ctx, p, hops, except);
        if (auto* r = schedule(ctx, p.header.destination, in.hash, hops, false, now))
            r->mark(iface, ctx, p, true);
    }

    /// A copy of an announce we already had, on `iface`: the neighbours there have it (header
    /// comment).
    void heard(const context& ctx, interface_id iface, const inbound_packet& in) noexcept {
        for (auto& r : retries_)
            if (compare_bytes(r.hash, in.hash) == 0) {
                r.mark(iface, ctx, in.packet, false);
                return;
            }
    }

    void on_signal(context& ctx, const node_signal& s) noexcept {
        if (s.kind == signal_kind::interface_changed && s.ok)  // an added interface, or a cost change > 25 %
            for (auto& d : ctx.destinations) d.announce_due = true;
    }

    /// Retries that are due (`rebuild(destination, hops, out)` rebuilds a relayed announce from the
    /// known destinations), then auto_announce: our destinations whose trigger fired or whose
    /// interval passed.
    template <class Rebuild>
    void poll(context& ctx, transport_agent<P, R, C>& transport, timestamp now, Rebuild&& rebuild) noexcept {
        for (std::size_t i = 0; i < retries_.size();) {
            const retry r = retries_[i];
            if (now < r.due) {
                ++i;
                continue;
            }
            if (ctx.outbox.capacity() - ctx.outbox.size() < ctx.interface_count()) return;
            drop_retry(i);
            packet_slot slot;
            if (r.own) {
                const own_destination* d = ctx.find_destination(r.destination);
                if (d == nullptr) continue;
                slot = own_[static_cast<std::size_t>(d - ctx.destinations.begin())];
                if (wire::truncated_packet_hash<P>(slot.view()) != r.hash) continue;  // announced anew since
            } else {
                auto n = rebuild(r.destination, r.hops, std::span<std::uint8_t>(slot.bytes));
                if (!n || wire::truncated_packet_hash<P>(
                              std::span<const std::uint8_t>(slot.bytes.data(), *n)) != r.hash)
                    continue;  // gone, or a newer announce replaced it (that one has its own retry)
                slot.size = *n;
            }
            bool any = false;
            for (std::size_t k = 0; k < ctx.interface_count(); ++k) {
                const auto iface = static_cast<interface_id>(k);
                if (r.arrived(iface, ctx)) continue;
                slot.iface = iface;
                slot.except = all_interfaces;
                any = static_cast<bool>(ctx.queue(slot)) || any;
            }
            if (any) ++ctx.stats.announce_retries;
        }
        if (!ctx.config.auto_announce || ctx.interface_count() == 0) return;
        for (auto& d : ctx.destinations)
            if (d.announce_due || now >= d.next_announce) (void)announce_nexus(ctx, transport, d.hash, now);
    }

    timestamp next_deadline(const context& ctx) const noexcept {
        timestamp t = ingress_.next_deadline();
        for (const auto& r : retries_) t = std::min(t, r.due);
        if (!ctx.config.auto_announce || ctx.interface_count() == 0) return t;
        for (const auto& d : ctx.destinations)
            t = std::min(t, d.announce_due ? timestamp{} : d.next_announce);
        return t;
    }

private:
    struct retry {
        truncated_hash destination{};
        truncated_hash hash{};  ///< the announce's packet hash (what copies heard are matched by)
        std::uint8_t hops = 0;  ///< the hops our copy carried
        bool own = false;
        timestamp due{};
        std::array<std::uint8_t, (C.interfaces + 7) / 8> done{};  ///< interfaces where it arrived
        std::array<std::uint8_t, C.interfaces> heard_shared{};    ///< copies heard on shared ones

        void set(interface_id i) noexcept {
            done[i / 8] = static_cast<std::uint8_t>(done[i / 8] | 1u << (i % 8));
        }
        bool arrived(interface_id i, const context& ctx) const noexcept {
            return (done[i / 8] >> (i % 8) & 1u) != 0 || (ctx.metrics(i).shared && heard_shared[i] >= 2);
        }
        /// A copy on `iface` (`ours`: the one we relayed came in there).
        void mark(interface_id i, const context& ctx, const wire::packet_view& p, bool ours) noexcept {
            if (i >= C.interfaces) return;
            if (!ctx.metrics(i).shared) {
                set(i);
            } else if (!ours) {
                if (p.header.hops > hops) set(i);  // passed on a hop further than our copy
                if (heard_shared[i] < 0xFF) ++heard_shared[i];
            }
        }
    };

    retry* schedule(context& ctx, const truncated_hash& destination, const truncated_hash& hash,
                    std::uint8_t hops, bool own, timestamp now) noexcept {
        for (std::size_t i = 0; i < retries_.size(); ++i)
            if (compare_bytes(retries_[i].destination, destination) == 0) {
                drop_retry(i);  // an older announce of it: the newer one replaces it
                break;
            }
        if (retries_.full()) return nullptr;
        retry r;
        r.destination = destination;
        r.hash = hash;
        r.hops = hops;
        r.own = own;
        r.due = now + retry_delay + duration::milliseconds(ctx.random_u32() % retry_jitter_ms);
        (void)retries_.push_back(r);
        return &retries_[retries_.size() - 1];
    }

    /// The table is unordered: the last entry fills the gap (no shifting; it is scanned for every
    /// announce copy heard, so it stays small and cheap -- compare_bytes, not memcmp calls).
    void drop_retry(std::size_t i) noexcept {
        if (i + 1 < retries_.size()) retries_[i] = retries_[retries_.size() - 1];
        (void)retries_.pop_back();
    }

    static_vector<retry, C.announce_retries> retries_{};
    std::array<packet_slot, C.destinations> own_{};
    routing::announce_ingress<C.interfaces, C.announce_sources, C.held_announces> ingress_{};
    routing::announce_rate<C.announce_rates> rates_{};
};

}  // namespace nexus
