// A nexus node: the composition of its agents (DESIGN §3.9; docs/architecture.md "The node and its
// agents"). Each concern is an agent under include/nexus/node/ with its own state and tests:
//   transport  (node/transport.hpp)  intake, duplicate filter, forwarding, link table, reverse table
//   routing    (node/routing.hpp)    the one path store, known destinations, routing gossip offers
//   gossip     (node/gossip.hpp)     gossip rounds, budgets, neighbours and their liveness
//   announcer  (node/announcer.hpp)  our announces and their triggers, relaying others' announces,
//                                    announce ingress and rate control
//   paths      (node/path_requests.hpp) asking for, answering and passing on path requests
//   links      (node/links.hpp)      our own links and what the application sees of them
// They share the node's context (node/context.hpp: identity, configuration, interfaces, our
// destinations, outbox, the one event queue, counters) and tell one another facts through signals,
// which this class hands to every agent. This class owns no protocol logic: it routes each packet
// to the agent it is for and each call to the agent that implements it.
//
// Sans-I/O. The integrator's loop:
//   - receive(iface, bytes, now) for every frame an interface delivers (the error says why a frame
//     was dropped, for the log);
//   - pop_outgoing(now, buffer) until it returns size 0, sending each packet on the interface it
//     names (or on every interface but `except` for a flood);
//   - poll(now) until it returns an event of kind none, at next_deadline() at the latest: the
//     application's events, in the order they happened.
// Nothing here allocates; capacities come from one node_capacities (config.hpp presets).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/config.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link.hpp"
#include "nexus/node/announcer.hpp"
#include "nexus/node/context.hpp"
#include "nexus/node/events.hpp"
#include "nexus/node/gossip.hpp"
#include "nexus/node/links.hpp"
#include "nexus/node/path_requests.hpp"
#include "nexus/node/routing.hpp"
#include "nexus/node/transport.hpp"
#include "nexus/routing/path_policy.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

template <hash_profile P, random_source R, node_capacities C = presets::pi_bridge>
class node {
    static_assert(valid(C), "node_capacities: every table needs room (config.hpp valid())");

public:
    using context_type = node_context<P, R, C>;
    using link_type = link<P, R>;
    using routing_table_type = typename routing_agent<P, R, C>::table_type;
    using known_type = typename routing_agent<P, R, C>::known_type;
    static constexpr node_capacities capacities = C;

    node(identity<P>&& id, R& rng, const node_config& config = {}) noexcept
        : ctx_(static_cast<identity<P>&&>(id), rng, config), routing_(config.timers) {
        ctx_.set_signal_sink(&node::dispatch, this);
        routing_.bind(ctx_);
        gossip_.start(ctx_);
        (void)gossip_.add_kind(routing_.kind());
    }
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    const identity<P>& self() const noexcept { return ctx_.self; }
    const node_config& config() const noexcept { return ctx_.config; }
    const node_stats& stats() const noexcept { return ctx_.stats; }

    // -- interfaces --

    /// Registers an interface; returns its id (0, 1, ...). full when C.interfaces are in use. A new
    /// interface is an announce trigger (auto_announce).
    result<interface_id> add_interface(const interface_metrics& metrics = {}, timestamp now = {}) noexcept {
        if (ctx_.interfaces.full()) return fail(error::full);
        (void)ctx_.interfaces.push_back(interface_state{metrics, now});
        const auto id = static_cast<interface_id>(ctx_.interfaces.size() - 1);
        node_signal s{signal_kind::interface_changed};
        s.iface = id;
        s.at = now;
        s.ok = true;
        ctx_.signal(s);
        return id;
    }

    /// New metrics for an interface (a re-measured link). A change of its bandwidth or latency above
    /// 25 % is an announce trigger (auto_announce).
    result<void> set_interface_metrics(interface_id iface, const interface_metrics& m,
                                       timestamp now) noexcept {
        if (iface >= ctx_.interface_count()) return fail(error::invalid_argument);
        interface_metrics& old = ctx_.interfaces[iface].metrics;
        const bool big =
            over_quarter(old.bandwidth_bps, m.bandwidth_bps) || over_quarter(old.latency_ms, m.latency_ms);
        old = m;
        node_signal s{signal_kind::interface_changed};
        s.iface = iface;
        s.at = now;
        s.ok = big;  // the budget follows every change; announces only big ones
        ctx_.signal(s);
        return ok();
    }
    const interface_metrics* metrics(interface_id iface) const noexcept {
        return iface < ctx_.interface_count() ? &ctx_.metrics(iface) : nullptr;
    }
    std::size_t interface_count() const noexcept { return ctx_.interface_count(); }

    // -- routing state --

    /// The routing table: every path, for inspection.
    const routing_table_type& routes() const noexcept { return routing_.routes(); }
    /// The path the node uses for `destination` (its own policy), or nullptr.
    const routing::routing_entry* route(const truncated_hash& destination, timestamp now) const noexcept {
        return routing_.best(destination, ctx_.config.policy, now);
    }
    /// The best usable path to `destination` under `policy`, or nullptr.
    const routing::routing_entry* route(const truncated_hash& destination, const routing::path_policy& policy,
                                        timestamp now) const noexcept {
        return routing_.best(destination, policy, now);
    }
    /// What the node knows of a destination from its announce (identity, Lamport time), or nullptr.
    const known_type* known(const truncated_hash& destination) const noexcept {
        return routing_.known(destination);
    }
    std::size_t known_count() const noexcept { return routing_.known_count(); }
    /// The gossip budget of an interface (nullptr before its first round or without gossip).
    const gossip::budget* budget(interface_id iface) const noexcept { return gossip_.budget(iface); }
    /// Asks the mesh for a path to `destination` (a path request; at most one every 20 s for it). An
    /// announce of it (a path response) follows when someone knows it; open_link() asks by itself.
    result<void> request_path(const truncated_hash& destination, timestamp now) noexcept {
        return paths_.request(ctx_, transport_, destination, now);
    }
    /// Gossip neighbours heard so far (down ones included until their paths are evicted).
    std::span<const neighbour_info> neighbours() const noexcept { return gossip_.neighbours(); }
    /// This node's Lamport clock (the time its next announce carries, minus one).
    std::uint64_t lamport() const noexcept { return ctx_.lamport; }
    /// Transport: the link table entry of a link forwarded for others, or nullptr.
    const link_route* link_table_entry(const truncated_hash& link_id) const noexcept {
        return transport_.link_entry(link_id);
    }
    std::size_t link_table_size() const noexcept { return transport_.link_table_size(); }

    // -- destinations and announces --

    /// Registers one of our destinations ("app.aspect..." name hash); returns its hash.
    /// invalid_argument when already registered, full beyond C.destinations.
    result<truncated_hash> add_destination(const name_hash& name, bool accept_links = true) noexcept {
        const auto hash = ctx_.self.destination_hash(name);
        if (ctx_.find_destination(hash) != nullptr) return fail(error::invalid_argument);
        if (ctx_.destinations.full()) return fail(error::full);
        own_destination d;
        d.hash = hash;
        d.name = name;
        d.accept_links = accept_links;
        (void)ctx_.destinations.push_back(d);
        return hash;
    }

    /// Queues an announce of our destination on every interface.
    result<void> announce(const truncated_hash& destination, timestamp now,
                          std::span<const std::uint8_t> app_data = {},
                          std::uint64_t wall_seconds = 0) noexcept {
        return announcer_.announce(ctx_, transport_, destination, now, app_data, wall_seconds);
    }
    /// Announces with the NEXUS extension (docs/wire/announce.md): what auto_announce sends.
    result<void> announce_nexus(const truncated_hash& destination, timestamp now,
                                std::span<const std::uint8_t> extra_tlvs = {}) noexcept {
        return announcer_.announce_nexus(ctx_, transport_, destination, now, extra_tlvs);
    }

    // -- links --

    /// Opens a link to a destination we know a path to; returns the link id. not_found without a
    /// known destination or a usable path -- a path request for it is then sent (at most one every
    /// 20 s), so a later call succeeds once someone answered -- full when every link slot is taken.
    result<truncated_hash> open_link(const truncated_hash& destination, timestamp now) noexcept {
        return open_link(destination, now, ctx_.config.policy);
    }
    /// The same, choosing the first hop under `policy` (e.g. fastest() for voice).
    result<truncated_hash> open_link(const truncated_hash& destination, timestamp now,
                                     const routing::path_policy& policy) noexcept {
        const known_type* k = routing_.known(destination);
        const auto hop = routing_.choose_hop(ctx_, destination, policy, now);
        if (k == nullptr || !hop) {
            // Ask the mesh (rate-limited per destination): an answer makes the next try succeed.
            (void)paths_.request(ctx_, transport_, destination, now);
            return fail(error::not_found);
        }
        auto peer = public_identity<P>::from_public_key(k->public_key);
        if (!peer) return fail(peer.error());
        return links_.open(ctx_, destination, *peer, hop->hop, hop->next_hop, hop->latency_ms, now);
    }
    /// Initiator side: prove our identity on the link (encrypted; see link::identify).
    result<void> identify(const truncated_hash& link_id) noexcept { return links_.identify(ctx_, link_id); }
    /// Encrypts and queues data on an active link, sent once (no acknowledgement). full when the
    /// outbox is full (try later); invalid_argument for wire::context::channel.
    result<void> send(const truncated_hash& link_id, std::span<const std::uint8_t> data, timestamp now,
                      std::uint8_t context = wire::context::none) noexcept {
        return links_.send(ctx_, link_id, data, now, context);
    }
    /// Queues data (at most channel_mdu bytes) on the link's reliable channel: delivered to the
    /// peer's application once and in order, repeated until acknowledged; returns its sequence,
    /// which a link_delivered event reports once the peer has it. bad_state unless the link is
    /// active, full while the channel's window is taken (try after a link_delivered event).
    result<std::uint16_t> send_reliable(const truncated_hash& link_id, std::span<const std::uint8_t> data,
                                        timestamp now, std::uint8_t context = wire::context::none) noexcept {
        return links_.send_reliable(ctx_, link_id, data, now, context);
    }
    result<void> close(const truncated_hash& link_id) noexcept { return links_.close(link_id); }
    /// The state of one of our links (not_found when unknown or already reported closed).
    result<link_state> link_status(const truncated_hash& link_id) const noexcept {
        return links_.status(link_id);
    }
    const link_type* find_link_object(const truncated_hash& link_id) const noexcept {
        return links_.object(link_id);
    }
    /// The reliable channel of an established link (its counters, RTT, window), else nullptr.
    const auto* find_channel(const truncated_hash& link_id) const noexcept { return links_.channel_of(link_id); }

    // -- the integrator's loop --

    /// Handles one received frame. The error says why it was dropped (for the log); the node is then
    /// unchanged but for its counters: bad_encoding / truncated / invalid_length / unsupported
    /// (malformed or not handled), replayed (a duplicate), auth_failed (forged announce, bad proof,
    /// failed tag), not_found (no path, unknown link), out_of_range (hop limit), full (no room: the
    /// sender may repeat it). What it caused for the application comes from poll().
    result<void> receive(interface_id iface, std::span<const std::uint8_t> raw, timestamp now) noexcept {
        if (iface >= ctx_.interface_count()) return fail(error::invalid_argument);
        auto in = transport_.intake(ctx_, raw);
        if (!in) return fail(in.error());
        const wire::packet_view& p = in->packet;
        if (gossip_.is_gossip(p)) return gossip_.on_packet(ctx_, iface, p, now);
        switch (p.header.flags.type) {
            case wire::packet_type::announce:
                return on_announce(iface, *in, now);
            case wire::packet_type::link_request:
                if (const own_destination* d = ctx_.find_destination(p.header.destination))
                    return links_.accept(ctx_, transport_, iface, *in, d->accept_links, now);
                if (!transport_agent<P, R, C>::addressed_to_us(ctx_, p)) return fail(error::not_found);
                return forward(iface, *in, now, true);
            case wire::packet_type::proof:
            case wire::packet_type::data:
                if (path_request_agent<P, R, C>::is_request(p))
                    return paths_.on_packet(ctx_, transport_, announcer_, routing_, iface, *in, now);
                return on_other(iface, *in, now);
        }
        return fail(error::unsupported);
    }

    /// The next packet to send, written to `out`, which must hold wire::mtu bytes (buffer_too_small
    /// otherwise, with nothing taken); size 0 when there is nothing to send.
    result<outgoing> pop_outgoing(timestamp now, std::span<std::uint8_t> out) noexcept {
        if (out.size() < wire::mtu) return fail(error::buffer_too_small);
        if (auto front = ctx_.outbox.front()) {
            const packet_slot& s = **front;
            for (std::size_t i = 0; i < s.size; ++i) out[i] = s.bytes[i];
            const outgoing o{s.size, s.iface, s.except};
            (void)ctx_.outbox.pop_front();
            ++ctx_.stats.sent;
            return o;
        }
        return links_.pop_outgoing(ctx_, transport_, now, out);
    }

    /// The next application event (kind none when there is none left): timers run first when the
    /// queue is empty. The event's data stays valid until the next poll() or receive().
    node_event poll(timestamp now) noexcept {
        // The timer passes scan whole tables; they run only once an agent's deadline has come
        // (every agent reports work it has pending as a deadline at or before now).
        if (ctx_.events.empty() && now >= timers_due()) {
            links_.poll(ctx_, now);
            transport_.poll(ctx_, now);
            routing_.expire(ctx_, now);
            announcer_.poll(ctx_, transport_, now,
                            [this](const truncated_hash& d, std::uint8_t hops, std::span<std::uint8_t> out) {
                                return routing_.cached_announce(d, hops, ctx_.self.hash(),
                                                                wire::context::none, out);
                            });
            release_held_announces(now);
            paths_.poll(ctx_, transport_, routing_, now);
            gossip_.poll(ctx_, now);
            routing_.push(ctx_, gossip_, now);
        }
        return ctx_.events.pop();
    }

    /// When poll()/pop_outgoing() next have work: `timestamp{}` when something is queued.
    timestamp next_deadline() const noexcept {
        if (!ctx_.outbox.empty() || !ctx_.events.empty()) return timestamp{};
        return timers_due();
    }

private:
    /// The earliest moment any agent's timer pass in poll() has work.
    timestamp timers_due() const noexcept {
        timestamp t = links_.next_deadline();
        t = std::min(t, transport_.next_deadline());
        t = std::min(t, routing_.next_deadline(ctx_));
        t = std::min(t, announcer_.next_deadline(ctx_));
        t = std::min(t, gossip_.next_deadline(ctx_));
        t = std::min(t, paths_.next_deadline());
        return t;
    }

    static bool over_quarter(std::uint64_t before, std::uint64_t after) noexcept {
        const std::uint64_t diff = before > after ? before - after : after - before;
        return diff * 4 > before;
    }

    /// Every signal goes to every agent.
    static void dispatch(void* self, const node_signal& s) noexcept {
        auto& n = *static_cast<node*>(self);
        n.routing_.on_signal(n.ctx_, s);
        n.gossip_.on_signal(n.ctx_, s);
        n.announcer_.on_signal(n.ctx_, s);
        n.paths_.on_signal(n.ctx_, s);
    }

    result<void> on_announce(interface_id iface, const inbound_packet& in, timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        if (in.duplicate) {
            announcer_.heard(ctx_, iface, in);
            return transport_agent<P, R, C>::duplicate(ctx_);
        }
        auto v = announcer_.validate(ctx_, p);
        if (!v) return fail(v.error());
        transport_.remember(in.hash);
        const truncated_hash& dest = p.header.destination;
        if (ctx_.find_destination(dest) == nullptr) {
            // Ingress control guards the known-destination table: while an eighth of it is free, a new
            // destination displaces nobody and is taken at once (a mesh booting at once would otherwise
            // learn its destinations one every 5 s).
            const bool controlled =
                routing_.known(dest) == nullptr && !paths_.pending(dest, now) && routing_.known_nearly_full();
            const truncated_hash neighbour = p.header.flags.header == wire::header_type::header_2
                                                 ? p.header.transport_id
                                                 : v->identity.hash();
            if (!announcer_.admit(ctx_, iface, in, neighbour, controlled, now)) return ok();  // held
        }
        accept_announce(iface, in, *v, now);
        return ok();
    }

    /// A valid announce, admitted: the application hears of it, the routing agent learns from it, a
    /// transport node passes it on.
    void accept_announce(interface_id iface, const inbound_packet& in, const wire::validated_announce<P>& v,
                         timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        node_event ev;
        ev.kind = node_event_kind::announce;
        ev.id = p.header.destination;
        ev.iface = iface;
        ev.hops = static_cast<std::uint8_t>(std::min(255, p.header.hops + 1));
        ev.data = v.fields.app_data;
        (void)ctx_.emit(ev);
        if (ctx_.find_destination(p.header.destination) != nullptr) return;  // our own, echoed back
        (void)routing_.learn(ctx_, iface, p, v.fields, v.identity, now);
        announcer_.relay(ctx_, transport_, iface, in, paths_.pending(p.header.destination, now), now);
    }

    /// Announces that ingress control held, now due.
    void release_held_announces(timestamp now) noexcept {
        for (int k = 0; k < 8; ++k) {  // a few per poll; the rest at the next deadline
            std::array<std::uint8_t, wire::mtu> buf{};
            interface_id iface = 0;
            auto n = announcer_.release(ctx_, now, buf, iface);
            if (!n || *n == 0 || iface >= ctx_.interface_count()) return;
            const std::span<const std::uint8_t> raw(buf.data(), *n);
            auto p = wire::decode_packet(raw);
            auto h = wire::truncated_packet_hash<P>(raw);
            if (!p || !h) continue;
            auto v = wire::validate_announce<P>(*p);
            if (!v) continue;
            accept_announce(iface, inbound_packet{*p, *h, false}, *v, now);
        }
    }

    /// A link request or a packet addressed to us as transport: on to the routing agent's next hop.
    result<void> forward(interface_id iface, const inbound_packet& in, timestamp now,
                         bool link_request) noexcept {
        const auto hop = routing_.choose_hop(ctx_, in.packet.header.destination, ctx_.config.policy, now);
        if (!hop) {
            ++ctx_.stats.no_route;
            return fail(error::not_found);
        }
        if (link_request)
            return transport_.forward_link_request(ctx_, iface, in, hop->iface, hop->next_hop, hop->latency_ms, now);
        return transport_.forward_addressed(ctx_, iface, in, hop->iface, hop->next_hop, now);
    }

    /// Proofs and data: for one of our links, along the link table, back along the reverse table,
    /// or on to the next hop when addressed to us as transport.
    result<void> on_other(interface_id iface, const inbound_packet& in, timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        if (p.header.flags.destination == wire::destination_type::link) {
            if (links_.owns(p.header.destination)) return links_.receive(ctx_, transport_, in, now);
            return transport_.forward_link_packet(ctx_, iface, in, now, [&](const truncated_hash& d) {
                const known_type* k = routing_.known(d);
                return k == nullptr ? nullptr : &k->public_key;
            });
        }
        if (in.duplicate) return transport_agent<P, R, C>::duplicate(ctx_);
        if (p.header.flags.type == wire::packet_type::proof)
            if (auto r = transport_.return_proof(ctx_, iface, in, now); r || r.error() != error::not_found)
                return r;
        if (transport_agent<P, R, C>::addressed_to_us(ctx_, p)) return forward(iface, in, now, false);
        // Packets to single/group/plain destinations outside links (end-to-end encrypted messages)
        // arrive with a later milestone.
        return fail(ctx_.find_destination(p.header.destination) != nullptr ? error::unsupported
                                                                           : error::not_found);
    }

    context_type ctx_;
    transport_agent<P, R, C> transport_{};
    routing_agent<P, R, C> routing_;
    gossip_agent<P, R, C> gossip_{};
    announcer_agent<P, R, C> announcer_{};
    path_request_agent<P, R, C> paths_{};
    links_agent<P, R, C> links_{};
};

}  // namespace nexus
