// A nexus node, first cut (Milestone 1.1): one identity, its destinations, a path table learned
// from announces, links, and (optionally) transport: forwarding announces, link requests and
// link traffic between interfaces, which makes a node with two interfaces a bridge.
//
// Sans-I/O. The integrator's loop:
//   - receive(iface, bytes, now, plaintext) for every frame an interface delivers;
//   - pop_outgoing(now, buffer) until it returns size 0, sending each packet on the interface it
//     names (or on every interface but `except` for a flood);
//   - poll(now) until it returns an event of kind none, at next_deadline() at the latest.
// Nothing here allocates; capacities are template parameters.
//
// Forwarding follows Reticulum's transport rules in their simplest form: a transport node
// rebroadcasts a valid announce as HEADER_2 with its own identity hash as transport id; a sender
// whose path is more than one hop away sends HEADER_2 to that transport id; the transport node
// forwards it (HEADER_2 to the next transport, or HEADER_1 for the last hop) and remembers link
// requests in a link table so that proofs and link traffic (HEADER_1 to the link id) find their
// way back. Every packet's hash is remembered for a while and duplicates are dropped.
//
// Routing (Milestone 1.2, docs/routing.md "In the node"): paths live in a routing::routing_table
// (several per destination, Lamport-ordered, with the spec's timers) and every forwarding decision
// is a lookup under the node's path policy. Announces feed the table directly (the origin's values
// plus the hop count) and a cache of verified destinations (public key, name, Lamport time). With
// `gossip` on, the node also runs the tier-1 gossip round on every interface: each round it
// broadcasts a signed bloom summary of the paths it holds (gossip/envelope.hpp); neighbours answer
// with signed deltas of their path offers (routing/advert.hpp: cost after their own hop, Lamport
// time, their next hop), which replace the announce estimates with real CompactPathCost values; a
// change to an offer is pushed at once (within the tier's budget). Summaries double as liveness:
// a neighbour silent for 3 rounds is down (its paths go stale, the offers that used them are
// withdrawn), after 10 rounds its paths are gone. A link that fails to establish demotes the path
// it used (mark_failed) and an established one raises its reliability (record_outcome). With
// `auto_announce` on, our destinations are announced on the spec's triggers: first boot, a new
// interface, an interface cost change above 25 %, and every announce interval (1,800 s).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/lru_cache.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/core/static_map.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/gossip/budget.hpp"
#include "nexus/gossip/envelope.hpp"
#include "nexus/gossip/round.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link.hpp"
#include "nexus/routing/advert.hpp"
#include "nexus/routing/path_policy.hpp"
#include "nexus/routing/routing_table.hpp"
#include "nexus/wire/announce.hpp"
#include "nexus/wire/announce_ext.hpp"
#include "nexus/wire/path_cost.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

using interface_id = std::uint8_t;
inline constexpr interface_id all_interfaces = 0xFF;

struct node_config {
    bool transport = false;                   ///< forward for others (bridge / relay)
    link_config link{};                       ///< for links this node opens or accepts
    duration path_lifetime = duration::minutes(90);  ///< 3 x the 30 min announce interval
    duration link_table_lifetime = duration::minutes(10);  ///< idle transport link entries
    std::uint8_t max_hops = wire::max_hops;   ///< do not forward at or above
    routing::path_policy policy = routing::path_policy::balanced();  ///< forwarding and offers
    routing::routing_timers timers{};         ///< announce interval, gossip round, liveness rounds
    bool gossip = false;         ///< run the tier-1 gossip round (path offers, liveness) on every interface
    bool auto_announce = false;  ///< announce our destinations on the spec's triggers (header comment)
    std::uint32_t relay_fee = 0;  ///< uNXS per byte this node charges to relay, added to the paths it offers
};

/// What a node knows of one of its interfaces: its nominal bandwidth (sizes the gossip budget and
/// the bottleneck of the paths offered over it) and its latency (worst_latency_ms of those paths).
struct interface_metrics {
    std::uint32_t bandwidth_bps = 1'000'000;
    std::uint16_t latency_ms = 0;
    bool shared = false;  ///< a broadcast medium with several neighbours (LoRa): floods repeat on it
    friend constexpr bool operator==(const interface_metrics&, const interface_metrics&) noexcept = default;
};

/// A gossip neighbour: heard (a valid signed gossip message) on `iface`.
struct neighbour_info {
    truncated_hash id{};  ///< identity hash
    interface_id iface = 0;
    timestamp last_heard{};
    bool down = false;  ///< silent for timers.down_rounds rounds
    std::uint32_t session = 0, counter = 0;
};

enum class node_event_kind : std::uint8_t {
    none,
    announce,          ///< a valid announce arrived (destination, hops, app data)
    link_request,      ///< a peer opened a link to one of our destinations (link id)
    link_established,  ///< a link became active
    link_identified,   ///< the initiator of an incoming link identified (remote identity)
    link_data,         ///< data on a link (link id, context, data)
    link_rotated,
    link_closed,       ///< a link closed (by the peer, by us, or a timeout: see reason)
    forwarded,         ///< a packet was forwarded for someone else
};

struct node_event {
    node_event_kind kind = node_event_kind::none;
    truncated_hash id{};        ///< destination (announce) or link id (link events)
    interface_id iface = 0;     ///< where it arrived / the link's interface
    std::uint8_t hops = 0;      ///< announce: distance in hops
    std::uint8_t context = 0;   ///< link data: context byte
    close_reason reason = close_reason::none;
    std::span<const std::uint8_t> data{};  ///< app data (announce) or plaintext (link data)
};

/// Where a packet from pop_outgoing() goes: one interface, or every interface but `except`.
struct outgoing {
    std::size_t size = 0;
    interface_id iface = all_interfaces;
    interface_id except = all_interfaces;
};

/// Counters for the log.
struct node_stats {
    std::uint64_t received = 0, sent = 0, forwarded = 0, duplicates = 0, malformed = 0;
    std::uint64_t announces_valid = 0, announces_rejected = 0, links_rejected = 0, no_route = 0;
    std::uint64_t gossip_sent = 0, gossip_bytes_sent = 0, gossip_received = 0, gossip_rejected = 0;
    std::uint64_t adverts_merged = 0, adverts_refused = 0, neighbours_down = 0, announces_sent = 0;
};

template <hash_profile P, random_source R, std::size_t MaxInterfaces = 4, std::size_t MaxDestinations = 4,
          std::size_t MaxPaths = 64, std::size_t MaxLinks = 8, std::size_t MaxLinkTable = 32,
          std::size_t Outbox = 16, std::size_t Seen = 256, std::size_t MaxRoutes = 2 * MaxPaths,
          std::size_t MaxNeighbours = 16>
class node {
public:
    using link_type = link<P, R>;
    using routing_table_type = routing::routing_table<MaxRoutes, 4>;

    struct path_entry {
        interface_id iface = 0;
        truncated_hash next_hop{};  ///< transport id to send through; zero when directly reachable
        std::uint8_t hops = 0;      ///< 1 = a neighbour
        timestamp expires{};
        std::uint64_t emitted = 0;  ///< announce timestamp (random hash), newer replaces older
        public_key_bytes public_key{};
        name_hash name{};
        std::uint64_t lamport = 0;  ///< NEXUS extension TLV 0x01, else the random hash's timestamp
        truncated_hash owner{};     ///< identity hash of public_key
        bool dirty = false;         ///< our offer changed: push it (gossip)
    };

    node(identity<P>&& id, R& rng, const node_config& config = {}) noexcept
        : id_(static_cast<identity<P>&&>(id)),
          rng_(&rng),
          config_(config),
          routes_(config.timers),
          gossip_dest_(gossip::gossip_destination<P>()),
          kind_(*this) {
        std::array<std::uint8_t, 4> s{};
        rng_->fill(s);
        session_ = static_cast<std::uint32_t>(s[0]) | static_cast<std::uint32_t>(s[1]) << 8 |
                   static_cast<std::uint32_t>(s[2]) << 16 | static_cast<std::uint32_t>(s[3]) << 24;
        (void)mux_.add(kind_);
    }
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    const identity<P>& self() const noexcept { return id_; }
    const node_config& config() const noexcept { return config_; }
    const node_stats& stats() const noexcept { return stats_; }

    /// Registers an interface; returns its id (0, 1, ...). full when MaxInterfaces are in use.
    /// A new interface is a trigger: with auto_announce our destinations are announced again.
    result<interface_id> add_interface(const interface_metrics& metrics = {}) noexcept {
        if (interfaces_ >= MaxInterfaces) return fail(error::full);
        iface_state& st = ifaces_[interfaces_];
        st = iface_state{};
        st.metrics = metrics;
        for (auto& d : destinations_) d.announce_due = true;
        return static_cast<interface_id>(interfaces_++);
    }

    /// Updates an interface's metrics (e.g. a re-measured link). A change of its cost above 25 %
    /// (bandwidth or latency) is a trigger: with auto_announce our destinations are announced again.
    result<void> set_interface_metrics(interface_id iface, const interface_metrics& m, timestamp now) noexcept {
        if (iface >= interfaces_) return fail(error::invalid_argument);
        iface_state& st = ifaces_[iface];
        const bool big = changed_over_quarter(st.metrics.bandwidth_bps, m.bandwidth_bps) ||
                         changed_over_quarter(st.metrics.latency_ms, m.latency_ms);
        st.metrics = m;
        if (st.budget) st.budget->set_bandwidth(m.bandwidth_bps, now);
        if (big)
            for (auto& d : destinations_) d.announce_due = true;
        return ok();
    }
    const interface_metrics* metrics(interface_id iface) const noexcept {
        return iface < interfaces_ ? &ifaces_[iface].metrics : nullptr;
    }
    std::size_t interface_count() const noexcept { return interfaces_; }

    /// The routing table (every path, for inspection).
    const routing_table_type& routes() const noexcept { return routes_; }
    /// The best usable path to `destination` under `policy` (the node's own when omitted), or nullptr.
    /// The path the node uses (forwarding, offers): the best under its own policy.
    const routing::routing_entry* route(const truncated_hash& destination, timestamp now) const noexcept {
        return routes_.best(destination, config_.policy, now);
    }
    const routing::routing_entry* route(const truncated_hash& destination, const routing::path_policy& policy,
                                        timestamp now) const noexcept {
        return routes_.best(destination, policy, now);
    }
    /// The gossip budget of an interface (nullptr before its first round or without gossip).
    const gossip::budget* budget(interface_id iface) const noexcept {
        return iface < interfaces_ && ifaces_[iface].budget ? &*ifaces_[iface].budget : nullptr;
    }
    /// Gossip neighbours heard so far (down ones included until their paths are evicted).
    std::span<const neighbour_info> neighbours() const noexcept { return {neighbours_.data(), neighbours_.size()}; }
    /// This node's Lamport clock (the time its next announce carries, minus one).
    std::uint64_t lamport() const noexcept { return lamport_; }

    /// Registers one of our destinations ("app.aspect..." name hash); returns its hash.
    result<truncated_hash> add_destination(const name_hash& name, bool accept_links = true) noexcept {
        const auto hash = id_.destination_hash(name);
        for (const auto& d : destinations_)
            if (d.hash == hash) return fail(error::invalid_argument);
        if (destinations_.full()) return fail(error::full);
        (void)destinations_.push_back(destination_entry{hash, name, accept_links, true, timestamp{}, 0, false});
        return hash;
    }

    /// Queues an announce of our destination on every interface.
    result<void> announce(const truncated_hash& destination, timestamp now, std::span<const std::uint8_t> app_data = {},
                          std::uint64_t wall_seconds = 0) noexcept {
        destination_entry* d = find_destination(destination);
        if (d == nullptr) return fail(error::not_found);
        if (outbox_.full()) return fail(error::full);
        wire::announce_params params;
        params.name = d->name;
        params.random = wire::make_random_hash(*rng_, wall_seconds != 0 ? wall_seconds : now.ms() / 1000);
        params.app_data = app_data;
        packet_slot slot;
        auto n = wire::build_announce(id_, params, slot.bytes);
        if (!n) return fail(n.error());
        slot.size = *n;
        remember(std::span<const std::uint8_t>(slot.bytes.data(), slot.size));
        const std::uint64_t l = announce_lamport(app_data, params.random);
        if (l > lamport_) lamport_ = l;
        d->lamport = l;
        d->announce_due = false;
        d->next_announce = now + config_.timers.announce_interval;
        ++stats_.announces_sent;
        if (config_.gossip) mark_dirty(destination);
        return queue(slot);
    }

    /// Announces with the NEXUS extension (docs/wire/announce.md): the origin's path cost and the
    /// next Lamport time (TLV 0x01), then `extra_tlvs` (whole TLV entries) — what auto_announce sends.
    result<void> announce_nexus(const truncated_hash& destination, timestamp now,
                                std::span<const std::uint8_t> extra_tlvs = {}) noexcept {
        std::array<std::uint8_t, 128> ext{};
        auto b = wire::announce_ext_builder::create(ext, wire::compact_path_cost::origin());
        if (!b) return fail(b.error());
        const std::uint64_t next = std::max(lamport_ + 1, static_cast<std::uint64_t>(now.ms() / 1000));
        if (auto r = b->add_lamport_timestamp(next); !r) return fail(r.error());
        std::size_t size = b->size();
        if (extra_tlvs.size() > ext.size() - size) return fail(error::invalid_length);
        if (auto v = wire::validate_tlvs(extra_tlvs); !v) return fail(v.error());
        for (std::size_t i = 0; i < extra_tlvs.size(); ++i) ext[size + i] = extra_tlvs[i];
        size += extra_tlvs.size();
        return announce(destination, now, std::span<const std::uint8_t>(ext.data(), size));
    }

    /// Opens a link to a destination whose announce we have seen; returns the link id.
    result<truncated_hash> open_link(const truncated_hash& destination, timestamp now) noexcept {
        return open_link(destination, now, config_.policy);
    }
    /// The same, choosing the first hop under `policy` (e.g. fastest() for voice).
    result<truncated_hash> open_link(const truncated_hash& destination, timestamp now,
                                     const routing::path_policy& policy) noexcept {
        const path_entry* p = paths_.find(destination);
        if (p == nullptr || now >= p->expires) return fail(error::not_found);
        const routing::routing_entry* r = routes_.lookup(destination, policy, now);
        if (r == nullptr) return fail(error::not_found);
        auto peer = public_identity<P>::from_public_key(p->public_key);
        if (!peer) return fail(peer.error());
        auto* slot = free_link_slot();
        if (slot == nullptr) return fail(error::full);
        slot->l.emplace(link_type::initiate(*peer, destination, *rng_, now, config_.link));
        slot->iface = r->hop.iface;
        slot->via = r->hop.address == p->owner ? truncated_hash{} : r->hop.address;
        slot->established_reported = false;
        slot->destination = destination;
        slot->hop = r->hop;
        slot->initiated = true;
        slot->outcome_recorded = false;
        return slot->l->id();
    }

    /// Initiator side: prove our identity on the link (encrypted; see link::identify).
    result<void> identify(const truncated_hash& link_id) noexcept {
        auto* s = find_link(link_id);
        if (s == nullptr) return fail(error::not_found);
        return s->l->identify(id_);
    }

    /// Encrypts and queues data on an active link. full when the outbox is full (try later).
    result<void> send(const truncated_hash& link_id, std::span<const std::uint8_t> data, timestamp now,
                      std::uint8_t context = wire::context::none) noexcept {
        auto* s = find_link(link_id);
        if (s == nullptr) return fail(error::not_found);
        if (outbox_.full()) return fail(error::full);
        packet_slot slot;
        auto n = s->l->send(data, now, slot.bytes, context);
        if (!n) return fail(n.error());
        slot.size = *n;
        slot.iface = s->iface;
        return queue(slot);
    }

    result<void> close(const truncated_hash& link_id) noexcept {
        auto* s = find_link(link_id);
        if (s == nullptr) return fail(error::not_found);
        s->l->close();
        return ok();
    }

    /// The state of one of our links (not_found when unknown or already reported closed).
    result<link_state> link_status(const truncated_hash& link_id) const noexcept {
        for (const auto& s : links_)
            if (s.l && s.l->id() == link_id) return s.l->state();
        return fail(error::not_found);
    }
    const link_type* find_link_object(const truncated_hash& link_id) const noexcept {
        for (const auto& s : links_)
            if (s.l && s.l->id() == link_id) return &*s.l;
        return nullptr;
    }
    const path_entry* path(const truncated_hash& destination) const noexcept { return paths_.find(destination); }

    /// Handles one received frame. Link plaintext goes to `plaintext` (link_mdu bytes suffice).
    /// Errors say why a packet was dropped (for the log); the node is unchanged by them except
    /// for its counters: bad_encoding/truncated/invalid_length/unsupported (malformed), replayed
    /// (duplicate), auth_failed / bad_encoding (forged announce, bad proof, failed tag...),
    /// not_found (no path / unknown link), out_of_range (hop limit).
    result<node_event> receive(interface_id iface, std::span<const std::uint8_t> raw, timestamp now,
                               std::span<std::uint8_t> plaintext) noexcept {
        if (iface >= interfaces_) return fail(error::invalid_argument);
        auto p = wire::decode_packet(raw);
        if (!p) {
            ++stats_.malformed;
            return fail(p.error());
        }
        ++stats_.received;
        auto h = wire::truncated_packet_hash<P>(raw);
        if (seen_.contains(*h)) {
            ++stats_.duplicates;
            return fail(error::replayed);
        }
        if (p->header.hops >= config_.max_hops) return fail(error::out_of_range);
        if (gossip::is_gossip_packet(*p, gossip_dest_)) return on_gossip(iface, *p, now);
        switch (p->header.flags.type) {
            case wire::packet_type::announce:
                return on_announce(iface, *p, *h, now);
            case wire::packet_type::link_request:
                return on_link_request(iface, *p, *h, now);
            case wire::packet_type::proof:
            case wire::packet_type::data:
                return on_link_packet(iface, *p, *h, now, plaintext);
        }
        return fail(error::unsupported);
    }

    /// The next packet to send, written to `out`, which must hold wire::mtu bytes
    /// (buffer_too_small otherwise, with nothing taken); size 0 when there is nothing to send.
    result<outgoing> pop_outgoing(timestamp now, std::span<std::uint8_t> out) noexcept {
        // Checked first: a link hands its packet over in poll_transmit and cannot take it back.
        if (out.size() < wire::mtu) return fail(error::buffer_too_small);
        if (auto front = outbox_.front()) {
            const packet_slot& s = **front;
            for (std::size_t i = 0; i < s.size; ++i) out[i] = s.bytes[i];
            outgoing o{s.size, s.iface, s.except};
            (void)outbox_.pop_front();
            ++stats_.sent;
            return o;
        }
        for (auto& s : links_) {
            if (!s.l) continue;
            std::array<std::uint8_t, wire::mtu> buf{};
            auto n = s.l->poll_transmit(now, buf);
            if (!n) return fail(n.error());
            if (*n == 0) continue;
            std::span<const std::uint8_t> pkt(buf.data(), *n);
            std::array<std::uint8_t, wire::mtu> rewritten{};
            if (pkt[0] == 0x02 && s.via != truncated_hash{}) {
                // A link request to a destination behind a transport node: HEADER_2 via it.
                auto r = to_transport(pkt, s.via, 0, rewritten);
                if (!r) return fail(r.error());
                pkt = std::span<const std::uint8_t>(rewritten.data(), *r);
            }
            for (std::size_t i = 0; i < pkt.size(); ++i) out[i] = pkt[i];
            remember(pkt);
            ++stats_.sent;
            return outgoing{pkt.size(), s.iface, all_interfaces};
        }
        return outgoing{};
    }

    /// Timers: reports links that closed (and frees them) and expires table entries. Call until
    /// it returns kind none.
    node_event poll(timestamp now) noexcept {
        for (auto& s : links_) {
            if (!s.l) continue;
            s.l->tick(now);
            if (s.l->state() == link_state::active && !s.established_reported) {
                s.established_reported = true;
                link_outcome(s, true);
                return node_event{node_event_kind::link_established, s.l->id(), s.iface};
            }
            if (s.l->state() == link_state::closed && s.l->next_deadline() == timestamp::max()) {
                node_event ev{node_event_kind::link_closed, s.l->id(), s.iface};
                ev.reason = s.l->reason();
                link_outcome(s, false);
                s.l.reset();
                return ev;
            }
        }
        expire(now);
        routing_timers_due(now);
        return node_event{};
    }

    /// When poll()/pop_outgoing() next have work: `timestamp{}` when something is queued.
    timestamp next_deadline() const noexcept {
        if (!outbox_.empty()) return timestamp{};
        timestamp t = routing_deadline();
        for (const auto& s : links_) {
            if (!s.l) continue;
            if (s.l->state() == link_state::active && !s.established_reported) return timestamp{};
            const timestamp d = s.l->next_deadline();
            if (d < t) t = d;
        }
        return t;
    }

private:
    struct destination_entry {
        truncated_hash hash{};
        name_hash name{};
        bool accept_links = true;
        bool announce_due = true;    ///< auto_announce: a trigger fired
        timestamp next_announce{};   ///< auto_announce: periodic refresh
        std::uint64_t lamport = 0;   ///< Lamport time of our last announce of it
        bool dirty = false;          ///< our offer changed: push it (gossip)
    };
    struct link_slot {
        std::optional<link_type> l;
        interface_id iface = 0;
        truncated_hash via{};
        bool established_reported = false;
        bool initiated = false;         ///< we opened it along a routing-table path (below)
        bool outcome_recorded = false;  ///< record_outcome done for it
        truncated_hash destination{};
        routing::next_hop hop{};
    };
    struct link_route {
        interface_id toward_initiator = 0;
        interface_id toward_responder = 0;
        timestamp expires{};
    };
    struct packet_slot {
        std::array<std::uint8_t, wire::mtu> bytes{};
        std::size_t size = 0;
        interface_id iface = all_interfaces;
        interface_id except = all_interfaces;
    };

    const destination_entry* find_destination(const truncated_hash& h) const noexcept {
        for (const auto& d : destinations_)
            if (d.hash == h) return &d;
        return nullptr;
    }
    destination_entry* find_destination(const truncated_hash& h) noexcept {
        for (auto& d : destinations_)
            if (d.hash == h) return &d;
        return nullptr;
    }
    link_slot* find_link(const truncated_hash& id) noexcept {
        for (auto& s : links_)
            if (s.l && s.l->id() == id) return &s;
        return nullptr;
    }
    link_slot* free_link_slot() noexcept {
        for (auto& s : links_)
            if (!s.l) return &s;
        return nullptr;
    }

    void remember(std::span<const std::uint8_t> raw) noexcept {
        if (auto h = wire::truncated_packet_hash<P>(raw)) (void)seen_.put(*h, true);
    }

    result<void> queue(const packet_slot& slot) noexcept { return outbox_.push_back(slot); }

    /// Rewrites a HEADER_1 packet as HEADER_2 (transport) with the given transport id and hops.
    static result<std::size_t> to_transport(std::span<const std::uint8_t> raw, const truncated_hash& transport_id,
                                            std::uint8_t hops, std::span<std::uint8_t> out) noexcept {
        auto p = wire::decode_packet(raw);
        if (!p) return fail(p.error());
        wire::packet_header h = p->header;
        h.flags.header = wire::header_type::header_2;
        h.flags.transport = wire::transport_type::transport;
        h.transport_id = transport_id;
        h.hops = hops;
        return wire::encode_packet(h, p->data, out);
    }

    /// Re-encodes a packet for the next hop: HEADER_2 via `next_hop`, or HEADER_1 when zero.
    result<void> forward(const wire::packet_view& p, interface_id iface, const truncated_hash& next_hop) noexcept {
        if (outbox_.full()) return fail(error::full);
        wire::packet_header h = p.header;
        h.hops = static_cast<std::uint8_t>(h.hops + 1);
        if (next_hop == truncated_hash{}) {
            h.flags.header = wire::header_type::header_1;
            h.flags.transport = wire::transport_type::broadcast;
            h.transport_id = {};
        } else {
            h.flags.header = wire::header_type::header_2;
            h.flags.transport = wire::transport_type::transport;
            h.transport_id = next_hop;
        }
        packet_slot slot;
        auto n = wire::encode_packet(h, p.data, slot.bytes);
        if (!n) return fail(n.error());
        slot.size = *n;
        slot.iface = iface;
        ++stats_.forwarded;
        return queue(slot);
    }

    result<node_event> on_announce(interface_id iface, const wire::packet_view& p, const truncated_hash& hash,
                                   timestamp now) noexcept {
        auto v = wire::validate_announce<P>(p);
        if (!v) {
            ++stats_.announces_rejected;
            return fail(v.error());
        }
        (void)seen_.put(hash, true);
        ++stats_.announces_valid;
        const auto& dest = p.header.destination;
        node_event ev{node_event_kind::announce, dest, iface};
        ev.hops = static_cast<std::uint8_t>(p.header.hops + 1);
        ev.data = v->fields.app_data;
        if (find_destination(dest) != nullptr) return ev;  // our own, echoed back

        path_entry e;
        e.iface = iface;
        e.next_hop = p.header.flags.header == wire::header_type::header_2 ? p.header.transport_id : truncated_hash{};
        e.hops = ev.hops;
        e.expires = now + config_.path_lifetime;
        e.emitted = wire::random_hash_timestamp(v->fields.random);
        e.public_key = v->identity.public_key();
        for (std::size_t i = 0; i < name_hash_size; ++i) e.name[i] = v->fields.name[i];
        e.lamport = announce_lamport(v->fields.app_data, v->fields.random);
        e.owner = v->identity.hash();
        if (e.lamport > lamport_) lamport_ = e.lamport;  // Lamport: the clock moves past what we hear
        const path_entry* old = paths_.find(dest);
        const bool replace = old == nullptr || now >= old->expires || e.hops <= old->hops || e.emitted > old->emitted;
        if (replace) {
            if (old != nullptr && old->lamport > e.lamport && now < old->expires) e.lamport = old->lamport;
            if (old != nullptr) e.dirty = old->dirty;
            if (paths_.full() && old == nullptr) evict_one_path(now);
            (void)paths_.insert_or_assign(dest, e);
        } else if (e.lamport > old->lamport) {
            path_entry* w = paths_.find(dest);
            w->lamport = e.lamport;
            w->expires = e.expires;
        }
        route_from_announce(iface, p, e, v->fields.app_data, now);
        // Rebroadcast: a bridge floods to its other interfaces; a gossiping mesh node also repeats
        // on the interface it heard it on (a broadcast radio: the next node may be out of range).
        const bool shared = ifaces_[iface].metrics.shared;
        const bool flood = config_.transport && ev.hops < config_.max_hops && (interfaces_ > 1 || shared);
        if (flood && !outbox_.full()) {
            packet_slot slot;
            auto n = to_transport(p.raw, id_.hash(), ev.hops, slot.bytes);
            if (n) {
                slot.size = *n;
                slot.iface = all_interfaces;
                slot.except = shared ? all_interfaces : iface;
                ++stats_.forwarded;
                (void)queue(slot);
            }
        }
        return ev;
    }

    result<node_event> on_link_request(interface_id iface, const wire::packet_view& p, const truncated_hash& hash,
                                       timestamp now) noexcept {
        const destination_entry* d = find_destination(p.header.destination);
        if (d != nullptr) {
            (void)seen_.put(hash, true);
            if (!d->accept_links) return fail(error::unsupported);
            auto* slot = free_link_slot();
            if (slot == nullptr) return fail(error::full);
            auto l = link_type::accept(id_, p, *rng_, now, config_.link);
            if (!l) {
                ++stats_.links_rejected;
                return fail(l.error());
            }
            slot->l.emplace(static_cast<link_type&&>(*l));
            slot->iface = iface;
            slot->via = {};
            slot->established_reported = false;
            slot->initiated = false;
            slot->outcome_recorded = false;
            return node_event{node_event_kind::link_request, slot->l->id(), iface};
        }
        if (!addressed_to_us_as_transport(p)) return fail(error::not_found);
        const auto hop = choose_hop(p.header.destination, now);
        if (!hop) {
            ++stats_.no_route;
            return fail(error::not_found);
        }
        if (p.data.size() < link_request_data_size) return fail(error::invalid_length);
        (void)seen_.put(hash, true);
        const std::uint8_t masked = static_cast<std::uint8_t>(p.header.flags.to_byte() & 0x0F);
        const auto link_id = profile_hash_prefix<P, truncated_hash_size>(
            std::span<const std::uint8_t>(&masked, 1), p.header.destination,
            std::span<const std::uint8_t>(&p.header.context, 1), p.data.first(link_request_data_size));
        if (link_table_.full()) expire(now);
        if (link_table_.full()) return fail(error::full);
        (void)link_table_.insert_or_assign(link_id, link_route{iface, hop->iface, now + config_.link_table_lifetime});
        if (auto r = forward(p, hop->iface, hop->next_hop); !r) return fail(r.error());
        return node_event{node_event_kind::forwarded, p.header.destination, iface};
    }

    bool addressed_to_us_as_transport(const wire::packet_view& p) const noexcept {
        return config_.transport && p.header.flags.header == wire::header_type::header_2 &&
               p.header.transport_id == id_.hash();
    }

    result<node_event> on_link_packet(interface_id iface, const wire::packet_view& p, const truncated_hash& hash,
                                      timestamp now, std::span<std::uint8_t> plaintext) noexcept {
        if (p.header.flags.destination == wire::destination_type::link) {
            if (auto* s = find_link(p.header.destination)) {
                auto ev = s->l->receive(p, now, plaintext);
                if (!ev) return fail(ev.error());
                (void)seen_.put(hash, true);
                return translate(*s, *ev);
            }
            if (config_.transport) {
                if (auto* route = link_table_.find(p.header.destination)) {
                    const interface_id out = iface == route->toward_initiator ? route->toward_responder
                                                                               : route->toward_initiator;
                    (void)seen_.put(hash, true);
                    route->expires = now + config_.link_table_lifetime;
                    if (auto r = forward(p, out, truncated_hash{}); !r) return fail(r.error());
                    return node_event{node_event_kind::forwarded, p.header.destination, iface};
                }
            }
            return fail(error::not_found);
        }
        if (addressed_to_us_as_transport(p)) {
            const auto hop = choose_hop(p.header.destination, now);
            if (!hop) {
                ++stats_.no_route;
                return fail(error::not_found);
            }
            (void)seen_.put(hash, true);
            if (auto r = forward(p, hop->iface, hop->next_hop); !r) return fail(r.error());
            return node_event{node_event_kind::forwarded, p.header.destination, iface};
        }
        // Packets to single/group/plain destinations outside links (end-to-end encrypted
        // messages) arrive with a later milestone.
        return fail(find_destination(p.header.destination) != nullptr ? error::unsupported : error::not_found);
    }

    node_event translate(link_slot& s, const link_event& ev) noexcept {
        node_event out{node_event_kind::none, s.l->id(), s.iface};
        out.context = ev.context;
        switch (ev.kind) {
            case link_event_kind::none:
                break;
            case link_event_kind::established:
                s.established_reported = true;
                link_outcome(s, true);
                out.kind = node_event_kind::link_established;
                if (ev.context != wire::context::link_rtt && ev.context != wire::context::link_request_proof &&
                    !ev.data.empty()) {
                    out.kind = node_event_kind::link_data;
                    out.data = ev.data;
                }
                break;
            case link_event_kind::data:
                out.kind = node_event_kind::link_data;
                out.data = ev.data;
                break;
            case link_event_kind::identified:
                out.kind = node_event_kind::link_identified;
                break;
            case link_event_kind::rotated:
                out.kind = node_event_kind::link_rotated;
                break;
            case link_event_kind::closed:
                out.kind = node_event_kind::link_closed;
                out.reason = s.l->reason();
                link_outcome(s, false);
                s.l.reset();
                break;
        }
        return out;
    }

    void evict_one_path(timestamp now) noexcept {
        // Expired first, else the farthest (a cheap stand-in for "least useful").
        const truncated_hash* victim = nullptr;
        std::uint8_t worst = 0;
        for (const auto& e : paths_) {
            if (now >= e.value.expires) {
                victim = &e.key;
                break;
            }
            if (victim == nullptr || e.value.hops > worst) {
                victim = &e.key;
                worst = e.value.hops;
            }
        }
        if (victim != nullptr) {
            const truncated_hash k = *victim;
            (void)paths_.erase(k);
        }
    }

    void expire(timestamp now) noexcept {
        for (;;) {
            const truncated_hash* stale = nullptr;
            for (const auto& e : link_table_)
                if (now >= e.value.expires) stale = &e.key;
            if (stale == nullptr) break;
            const truncated_hash k = *stale;
            (void)link_table_.erase(k);
        }
    }


    // ---- routing and gossip (header comment; docs/routing.md "In the node") ----

    struct iface_state {
        interface_metrics metrics{};
        std::optional<gossip::budget> budget;  ///< made at the first round (needs the time)
        timestamp next_round{};
        std::uint32_t salt = 0;
    };
    struct hop_choice {
        interface_id iface = 0;
        truncated_hash next_hop{};  ///< zero: the destination's node is the neighbour (HEADER_1)
    };
    struct best_snapshot {
        bool has = false;
        routing::next_hop hop{};
        wire::compact_path_cost cost{};
        std::uint64_t lamport = 0;
        bool active = false;
        bool estimate = false;  ///< taken from a relayed announce (path bloom unknown_path())
        routing::path_bloom path{};  ///< the nodes on it
        friend constexpr bool operator==(const best_snapshot&, const best_snapshot&) noexcept = default;
    };

    /// The routing state kind of the gossip round: path offers (routing/advert.hpp).
    class routing_kind final : public gossip::state_kind {
    public:
        explicit routing_kind(node& n) noexcept : n_(&n) {}
        std::uint8_t id() const noexcept override { return routing::routing_kind_id; }
        gossip::tier kind_tier() const noexcept override { return gossip::tier::routing; }
        std::size_t item_count() const noexcept override {
            std::size_t c = 0;
            for (const auto& e : n_->routes_) c += summarised(e) ? 1 : 0;
            return c;
        }
        void summarise(gossip::bloom_span& filter) const noexcept override {
            for (const auto& e : n_->routes_)
                if (summarised(e))
                    filter.insert(routing::advert_key(e.hop.address, e.destination, e.lamport, e.cost, e.path));
        }
        /// Active paths, and failed ones (withdrawn or poisoned: the offer that failed them is held,
        /// so it is not sent again); stale ones are left out so that a returning neighbour re-sends.
        bool summarised(const routing::routing_entry& e) const noexcept { return e.failed || e.active_at(now); }
        bool delta(const gossip::bloom_view& peer_filter, gossip::delta_sink& out) const noexcept override {
            std::size_t pos = 0;
            auto consider = [&](const std::optional<routing::advert>& a) -> bool {
                const std::size_t here = pos++;
                if (here < cursor || !a || a->withdrawn()) return true;
                if (const path_entry* pe = n_->paths_.find(a->destination); pe != nullptr && pe->owner == peer)
                    return true;  // the peer's own destination
                // While the peer offers us an active path, ours goes to it only when it would make
                // the peer switch: better than the peer's own by the hysteresis margin. Fallback
                // paths reach a peer when it withdraws its own (keeps a busy broadcast medium
                // quiet once converged: the peer's summary cannot list offers it did not keep).
                // (A path through the peer always goes: it tells the peer not to use ours.)
                if (const auto* theirs = n_->routes_.find(a->destination, routing::next_hop{iface, peer});
                    theirs != nullptr && theirs->trusted_at(now) && !routing::path_bloom_contains(a->path, peer) &&
                    !n_->improves(*theirs, peer, *a))
                    return true;
                if (peer_filter.maybe_contains(
                        routing::advert_key(n_->id_.hash(), a->destination, a->lamport, a->cost, a->path)))
                    return true;
                std::array<std::uint8_t, routing::advert_size> item{};
                (void)routing::encode_advert(*a, item);
                if (!out.put(item)) {
                    cursor = here;
                    return false;
                }
                return true;
            };
            for (const auto& d : n_->destinations_)
                if (!consider(n_->own_offer(d, iface))) return false;
            // The table's destinations from a random entry on, wrapping: neighbours answering the
            // same summary with one packet each then send different offers.
            const routing::routing_entry* entries = n_->routes_.begin();
            const std::size_t size = n_->routes_.size();
            for (std::size_t k = 0; k < size; ++k) {
                const std::size_t i = (start + k) % size;
                if (i > 0 && entries[i - 1].destination == entries[i].destination) continue;
                if (!consider(n_->offer(entries[i].destination, iface, now))) return false;
            }
            cursor = 0;
            return true;
        }
        result<void> check(std::span<const std::uint8_t> item) const noexcept override {
            auto a = routing::decode_advert(item);
            if (!a) return fail(a.error());
            return ok();
        }
        result<void> merge(std::span<const std::uint8_t> item) noexcept override {
            auto a = routing::decode_advert(item);
            if (!a) return fail(a.error());
            return n_->merge_advert(*a, routing::next_hop{iface, peer}, now);
        }

        // The context of the call in progress, set by the node.
        timestamp now{};
        truncated_hash peer{};  ///< the neighbour whose summary we answer / whose delta we merge
        interface_id iface = 0;
        mutable std::size_t cursor = 0;  ///< where a delta cut short by its packet resumes
        std::size_t start = 0;           ///< the table entry the delta starts from

    private:
        node* n_;
    };

    static bool changed_over_quarter(std::uint64_t before, std::uint64_t after) noexcept {
        const std::uint64_t diff = before > after ? before - after : after - before;
        return diff * 4 > before;
    }

    /// The Lamport time an announce carries: the NEXUS extension's TLV 0x01 when present, else the
    /// emission time in the random hash (seconds; monotonic per origin).
    static std::uint64_t announce_lamport(std::span<const std::uint8_t> app_data,
                                          std::span<const std::uint8_t, wire::random_hash_size> random) noexcept {
        if (wire::is_nexus_extension(app_data))
            if (auto ext = wire::parse_announce_ext(app_data))
                if (auto l = ext->lamport_timestamp()) return *l;
        return wire::random_hash_timestamp(random);
    }

    wire::hop_metrics own_hop(interface_id iface, bool relaying) const noexcept {
        const interface_metrics& m = ifaces_[iface].metrics;
        return wire::hop_metrics{relaying ? config_.relay_fee : 0u, m.latency_ms, m.bandwidth_bps};
    }

    /// Our offer of a destination we own, over `iface` (none before its first announce).
    std::optional<routing::advert> own_offer(const destination_entry& d, interface_id iface) const noexcept {
        if (d.lamport == 0) return std::nullopt;
        routing::path_bloom path{};
        routing::path_bloom_add(path, id_.hash());
        return routing::advert{d.hash, d.lamport, wire::relay_update(wire::compact_path_cost::origin(), own_hop(iface, false)),
                               path};
    }

    /// Our offer of a destination we route to, over `iface`: the best active path after our own hop;
    /// a withdrawal when we hold only stale or failed paths; none when we hold none or only an
    /// estimate (a relayed announce: neighbours have the announce themselves).
    std::optional<routing::advert> offer(const truncated_hash& destination, interface_id iface,
                                         timestamp now) const noexcept {
        const routing::routing_entry* best = routes_.best(destination, config_.policy, now);
        if (best != nullptr && best->path == routing::unknown_path()) return std::nullopt;  // an estimate: not offered
        if (best != nullptr && best->trusted_at(now) && best->cost.hop_count + 1 < config_.max_hops) {
            routing::path_bloom path = best->path;
            routing::path_bloom_add(path, id_.hash());
            return routing::advert{destination, best->lamport, wire::relay_update(best->cost, own_hop(iface, true)), path};
        }
        const auto paths = routes_.paths(destination);
        if (paths.empty()) return std::nullopt;
        routing::advert w{destination, 0, {}, {}};
        routing::path_bloom_add(w.path, id_.hash());
        for (const auto& e : paths) w.lamport = std::max(w.lamport, e.lamport);
        w.cost.hop_count = routing::withdrawn_hop_count;
        return w;
    }

    /// Whether our offer `mine` would make a peer whose own offer is `theirs` switch to us.
    bool improves(const routing::routing_entry& theirs, const truncated_hash& peer, const routing::advert& mine) const noexcept {
        const routing::path_policy& p = config_.policy;
        const truncated_hash& self = id_.hash();
        if (p.kind != routing::policy_kind::weighted) {
            const routing::path_view both[2] = {{&peer, theirs.cost, theirs.reliability}, {&self, mine.cost, 0}};
            return routing::select_best(2, [&](std::size_t k) { return both[k]; }, mine.destination, p) == 1;
        }
        const auto dt = routing::ring_distance(peer, mine.destination), dm = routing::ring_distance(self, mine.destination);
        const std::uint64_t ct = wire::decode_cost(theirs.cost.cumulative_cost), cm = wire::decode_cost(mine.cost.cumulative_cost);
        const std::uint16_t lt = theirs.cost.worst_latency_ms, lm = mine.cost.worst_latency_ms;
        const auto md = dt > dm ? dt : dm;
        const std::uint64_t mc = std::max(ct, cm);
        const std::uint16_t ml = std::max(lt, lm);
        const std::uint64_t st = routing::weighted_score(p, dt, ct, lt, theirs.reliability, md, mc, ml);
        const std::uint64_t sm = routing::weighted_score(p, dm, cm, lm, 0, md, mc, ml);
        return sm + sm / offer_margin_divisor < st;
    }

    /// An offer goes to a peer that has an active path of its own only when it scores at least
    /// 2 % lower than the peer's (improves()).
    static constexpr std::uint64_t offer_margin_divisor = 50;

    best_snapshot snapshot(const truncated_hash& destination, timestamp now) const noexcept {
        const routing::routing_entry* b = routes_.best(destination, config_.policy, now);
        if (b == nullptr) return {};
        return best_snapshot{true,    b->hop, b->cost, b->lamport, b->trusted_at(now),
                             b->path == routing::unknown_path(), b->path};
    }

    /// Whether a change of our best path is pushed at once (spec: "cost change > 25 %"): a path
    /// appearing or disappearing, a switch to another next hop (neighbours must see the nodes of
    /// the path we now use, or a loop could stand until the next round), a node joining the path
    /// further on (the same reason), an estimate replaced by a real offer (neighbours held ours as
    /// unusable) or the reverse, its cost code moving by more than 5 steps (2^(5/16) = 1.24) or its
    /// worst latency by more than a quarter. Smaller changes reach the neighbours in the next
    /// round's delta (the bloom key holds the exact cost).
    static bool significant(const best_snapshot& a, const best_snapshot& b) noexcept {
        if (a.has != b.has || a.active != b.active) return true;
        if (!a.has) return false;
        if (!(a.hop == b.hop)) return true;  // a different next hop: a different path (loop check)
        if (a.estimate != b.estimate) return true;  // neighbours could not use an estimate
        // The path now runs through a node it did not (the same next hop, a change further on):
        // that node may be one of our neighbours, which must learn it before it routes through us.
        for (std::size_t i = 0; i < b.path.size(); ++i)
            if ((b.path[i] & ~a.path[i]) != 0) return true;
        const int dc = static_cast<int>(a.cost.cumulative_cost) - static_cast<int>(b.cost.cumulative_cost);
        return dc > 5 || dc < -5 || changed_over_quarter(a.cost.worst_latency_ms, b.cost.worst_latency_ms);
    }

    /// Flags a destination (ours or one we route to) for the next push.
    void mark_dirty(const truncated_hash& destination) noexcept {
        if (!config_.gossip) return;
        bool* flag = nullptr;
        if (destination_entry* own = find_destination(destination))
            flag = &own->dirty;
        else if (path_entry* pe = paths_.find(destination))
            flag = &pe->dirty;
        if (flag == nullptr || *flag) return;
        *flag = true;
        ++dirty_count_;
    }

    /// Feeds a verified announce into the routing table. A path we already hold keeps the cost its
    /// neighbour offered (the announce only refreshes its Lamport time and timers); a new one starts
    /// from the origin's values, the hops travelled and the receiving interface -- with gossip on,
    /// only when the announce comes straight from its origin.
    void route_from_announce(interface_id iface, const wire::packet_view& p, const path_entry& e,
                             std::span<const std::uint8_t> app_data, timestamp now) noexcept {
        const truncated_hash& dest = p.header.destination;
        const routing::next_hop hop{iface,
                                    p.header.flags.header == wire::header_type::header_2 ? p.header.transport_id : e.owner};
        if (hop.address == id_.hash()) return;
        wire::compact_path_cost cost = wire::compact_path_cost::origin();
        routing::path_bloom path{};
        routing::path_bloom_add(path, hop.address);
        routing::path_bloom_add(path, e.owner);
        if (const routing::routing_entry* old = routes_.find(dest, hop)) {
            if (e.lamport <= old->lamport) return;
            cost = old->cost;
            path = old->path;
        } else if (config_.gossip && p.header.hops > 0) {
            // With gossip, paths through relays come from their offers (real costs, the nodes on
            // the path). A relayed announce gives only hop counts: it becomes an estimate, and only
            // while the destination has no path at all (reachable at once, as without gossip).
            // Its path bloom is all ones, so no neighbour uses an offer built on it, and the first
            // real offer replaces it (merge_advert).
            if (!routes_.paths(dest).empty()) return;
            path = routing::unknown_path();
            const interface_metrics& m = ifaces_[iface].metrics;
            cost.hop_count = static_cast<std::uint8_t>(std::min<unsigned>(255u, e.hops));
            cost.worst_latency_ms = std::max(cost.worst_latency_ms, m.latency_ms);
            cost.bottleneck_bps = std::min(cost.bottleneck_bps, wire::encode_bandwidth(m.bandwidth_bps));
        } else {
            if (wire::is_nexus_extension(app_data))
                if (auto ext = wire::parse_announce_ext(app_data)) cost = ext->path_cost;
            const interface_metrics& m = ifaces_[iface].metrics;
            cost.hop_count = static_cast<std::uint8_t>(std::min<unsigned>(255u, e.hops));
            cost.worst_latency_ms = std::max(cost.worst_latency_ms, m.latency_ms);
            cost.bottleneck_bps = std::min(cost.bottleneck_bps, wire::encode_bandwidth(m.bandwidth_bps));
        }
        const best_snapshot before = snapshot(dest, now);
        (void)routes_.update(routing::route_update{dest, hop, cost, e.lamport, 0, path}, now, &config_.policy);
        // A refresh keeps the path as offered: one that may run through us stays a last resort.
        if (path != routing::unknown_path() && routing::path_bloom_contains(path, id_.hash()))
            (void)routes_.mark_suspect(dest, hop);
        if (significant(before, snapshot(dest, now))) mark_dirty(dest);
    }

    result<void> merge_advert(const routing::advert& a, const routing::next_hop& hop, timestamp now) noexcept {
        auto refuse = [&](error e) -> result<void> {
            ++stats_.adverts_refused;
            return fail(e);
        };
        if (find_destination(a.destination) != nullptr) return refuse(error::invalid_argument);  // ours
        const path_entry* pe = paths_.find(a.destination);
        if (pe == nullptr || now >= pe->expires) return refuse(error::not_found);  // no verified announce
        if (a.lamport > pe->lamport) return refuse(error::out_of_range);  // newer than any announce seen
        const best_snapshot before = snapshot(a.destination, now);
        if (a.withdrawn() || routing::path_bloom_contains(a.path, id_.hash())) {
            // A withdrawal, or a path that may go back through us (poisoned reverse): held with the
            // offer's own values, so that our summary lists it and the sender does not offer it
            // again (a withdrawal of a path we never held is dropped). A withdrawal fails the path.
            // A bloom hit only makes it suspect: a last resort, used only while we have no trusted
            // path and never offered on (docs/routing.md "Loops"). The hit may be false -- the
            // bloom of a long path is dense, and the neighbours' paths share their tails, so a
            // node can find itself "in" every offer for a far destination it is not on.
            const routing::routing_entry* old = routes_.find(a.destination, hop);
            if (old != nullptr && a.lamport < old->lamport) return ok();
            if (old == nullptr) {
                // Never held: keep it only in a free slot (it must not push out a usable path).
                if (a.withdrawn() || routes_.paths(a.destination).size() >= routes_.paths_per_destination()) return ok();
            }
            (void)routes_.update(routing::route_update{a.destination, hop, a.cost, a.lamport, 0, a.path}, now);
            if (a.withdrawn())
                (void)routes_.mark_failed(a.destination, hop);
            else
                (void)routes_.mark_suspect(a.destination, hop);
        } else {
            if (a.cost.hop_count >= config_.max_hops) return refuse(error::out_of_range);
            const auto o =
                routes_.update(routing::route_update{a.destination, hop, a.cost, a.lamport, 0, a.path}, now, &config_.policy);
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
        ++stats_.adverts_merged;
        if (significant(before, snapshot(a.destination, now))) mark_dirty(a.destination);
        return ok();
    }

    std::optional<hop_choice> choose_hop(const truncated_hash& destination, timestamp now) noexcept {
        const routing::routing_entry* r = routes_.lookup(destination, config_.policy, now);
        if (r == nullptr) return std::nullopt;
        const path_entry* p = paths_.find(destination);
        const bool direct = p != nullptr && r->hop.address == p->owner;
        return hop_choice{r->hop.iface, direct ? truncated_hash{} : r->hop.address};
    }

    void link_outcome(link_slot& s, bool established) noexcept {
        if (!s.initiated || s.outcome_recorded) return;
        if (!established && s.established_reported) return;
        s.outcome_recorded = true;
        (void)routes_.record_outcome(s.destination, s.hop, established);
        if (!established && s.l && s.l->reason() == close_reason::establishment_timeout) {
            (void)routes_.mark_failed(s.destination, s.hop);
            mark_dirty(s.destination);
        }
    }

    timestamp routing_deadline() const noexcept {
        timestamp t = timestamp::max();
        if (config_.auto_announce && interfaces_ > 0)
            for (const auto& d : destinations_) t = std::min(t, d.announce_due ? timestamp{} : d.next_announce);
        if (!config_.gossip || interfaces_ == 0) return t;
        t = std::min(t, next_expire_);
        for (std::size_t i = 0; i < interfaces_; ++i) t = std::min(t, ifaces_[i].next_round);
        const duration round = config_.timers.gossip_interval;
        for (const auto& n : neighbours_) {
            const auto rounds = static_cast<std::int64_t>(n.down ? config_.timers.evict_rounds : config_.timers.down_rounds);
            t = std::min(t, n.last_heard + round * rounds);
        }
        if (dirty_count_ > 0) t = std::min(t, push_at_);
        return t;
    }

    void routing_timers_due(timestamp now) noexcept {
        if (now >= next_expire_) {
            (void)routes_.expire(now);
            next_expire_ = now + config_.timers.gossip_interval;
        }
        if (config_.auto_announce && interfaces_ > 0)
            for (auto& d : destinations_)
                if (d.announce_due || now >= d.next_announce) (void)announce_nexus(d.hash, now);
        if (!config_.gossip) return;
        liveness(now);
        for (std::size_t i = 0; i < interfaces_; ++i) {
            iface_state& st = ifaces_[i];
            (void)budget_of(st, now);
            if (now >= st.next_round) run_round(static_cast<interface_id>(i), now);
        }
        if (dirty_count_ > 0) {
            if (push_at_ == timestamp{}) {
                // A random 50-500 ms before pushing: two neighbours that learn of each other's
                // change at the same instant would otherwise both switch to the other's old path
                // and push in lockstep, forever (an oscillating two-node loop).
                std::array<std::uint8_t, 2> r{};
                rng_->fill(r);
                const auto jitter = duration::milliseconds(50 + (r[0] | r[1] << 8) % 450);
                push_at_ = std::max(next_push_, now) + jitter;
            }
            if (now >= push_at_) push_dirty(now);
        }
    }

    void dirty_via(const routing::next_hop& hop) noexcept {
        for (const auto& e : routes_)
            if (e.hop == hop) mark_dirty(e.destination);
    }

    void liveness(timestamp now) noexcept {
        const duration round = config_.timers.gossip_interval;
        for (std::size_t i = 0; i < neighbours_.size();) {
            neighbour_info& n = neighbours_[i];
            const routing::next_hop hop{n.iface, n.id};
            if (now >= n.last_heard + round * static_cast<std::int64_t>(config_.timers.evict_rounds)) {
                dirty_via(hop);
                (void)routes_.neighbour_silent(hop, n.last_heard, now);
                (void)neighbours_.erase(i);
                continue;
            }
            if (!n.down && now >= n.last_heard + round * static_cast<std::int64_t>(config_.timers.down_rounds)) {
                n.down = true;
                ++stats_.neighbours_down;
                dirty_via(hop);
                (void)routes_.neighbour_silent(hop, n.last_heard, now);
            }
            ++i;
        }
    }

    /// Room a gossip message may take on `iface` now: the tier-1 tokens minus the envelope.
    std::size_t gossip_room(interface_id iface, timestamp now) noexcept {
        const std::uint64_t avail = ifaces_[iface].budget->available(gossip::tier::routing, now);
        const std::size_t envelope = gossip::gossip_packet_bytes(0);
        if (avail <= envelope) return 0;
        return static_cast<std::size_t>(std::min<std::uint64_t>(avail - envelope, gossip::max_envelope_message));
    }

    bool send_gossip(interface_id iface, std::span<const std::uint8_t> message, timestamp now) noexcept {
        if (outbox_.full()) return false;
        if (!ifaces_[iface].budget->try_spend(gossip::tier::routing, gossip::gossip_packet_bytes(0), now)) return false;
        packet_slot slot;
        auto n = gossip::seal_envelope(id_, gossip_dest_, session_, ++counter_, message, slot.bytes);
        if (!n) return false;
        slot.size = *n;
        slot.iface = iface;
        ++stats_.gossip_sent;
        stats_.gossip_bytes_sent += *n;
        return static_cast<bool>(queue(slot));
    }

    void run_round(interface_id iface, timestamp now) noexcept {
        iface_state& st = ifaces_[iface];
        st.next_round = now + config_.timers.gossip_interval;
        const std::size_t room = gossip_room(iface, now);
        if (room < gossip::message_header_bytes + gossip::summary_section_overhead + 1 || outbox_.full()) return;
        std::array<std::uint8_t, gossip::max_envelope_message> msg{};
        kind_.now = now;
        auto rep = mux_.make_summary(std::span<std::uint8_t>(msg.data(), room), *st.budget, now, session_ ^ ++st.salt);
        if (!rep || rep->bytes == 0) return;
        (void)send_gossip(iface, std::span<const std::uint8_t>(msg.data(), rep->bytes), now);
    }

    /// Pushes the changed offers at once on every interface (within each tier-1 budget); what does
    /// not fit waits for the next round's summary and delta.
    void push_dirty(timestamp now) noexcept {
        next_push_ = now + duration::seconds(1);
        push_at_ = timestamp{};
        // The flagged destinations, ours first, in order. `sent_all_before` ends up as the first
        // position some interface could not send (budget or outbox): flags from there on stay set
        // and go in the next push, at least a second later, when the budget has refilled. (They
        // used to be cleared all the same; on a 1,000-node mesh the changes cut off that way
        // waited for a round's delta, and two-node loops stood for rounds.)
        const std::size_t own_count = destinations_.size();
        const std::size_t total = own_count + paths_.size();
        std::size_t sent_all_before = total;
        for (std::size_t i = 0; i < interfaces_; ++i) {
            const auto iface = static_cast<interface_id>(i);
            std::size_t next = 0;  // where the next packet starts
            constexpr std::size_t head = gossip::message_header_bytes + gossip::delta_section_header_bytes;
            constexpr std::size_t item = gossip::item_prefix_bytes + routing::advert_size;
            // A packet goes when the budget holds all the changes, or a full packet, or as much as
            // the bucket can ever hold: trickling one offer per packet as the bucket refills would
            // spend most of a slow link's budget on envelopes (~150 bytes each).
            const std::uint64_t bucket = ifaces_[iface].budget->capacity(gossip::tier::routing);
            const std::size_t envelope = gossip::gossip_packet_bytes(0);
            const std::size_t want = std::min<std::size_t>(
                {head + dirty_count_ * item, gossip::max_envelope_message,
                 bucket > envelope ? static_cast<std::size_t>(bucket - envelope) : std::size_t{0}});
            while (next < total) {
                const std::size_t room = gossip_room(iface, now);
                if (room < head + item || room < want) break;  // not enough budget yet
                std::array<std::uint8_t, gossip::max_envelope_message> msg{};
                gossip::delta_sink sink(std::span<std::uint8_t>(msg.data() + head, room - head), room - head);
                const std::size_t first = next;
                for (; next < total; ++next) {
                    std::optional<routing::advert> a;
                    if (next < own_count) {
                        const destination_entry& own = destinations_[next];
                        if (!own.dirty) continue;
                        a = own_offer(own, iface);
                    } else {
                        const auto& pe = paths_.begin()[next - own_count];
                        if (!pe.value.dirty) continue;
                        a = offer(pe.key, iface, now);
                    }
                    if (!a) continue;
                    std::array<std::uint8_t, routing::advert_size> item{};
                    (void)routing::encode_advert(*a, item);
                    if (!sink.put(item)) break;
                }
                if (sink.items() == 0) break;
                msg[0] = gossip::delta_message_type;
                msg[1] = gossip::round_message_version;
                msg[2] = 1;
                msg[3] = routing::routing_kind_id;
                store16_le(msg.data() + 4, static_cast<std::uint16_t>(sink.items()));
                const std::size_t size = head + sink.bytes();
                if (!ifaces_[iface].budget->try_spend(gossip::tier::routing, size, now) ||
                    !send_gossip(iface, std::span<const std::uint8_t>(msg.data(), size), now)) {
                    next = first;
                    break;
                }
            }
            sent_all_before = std::min(sent_all_before, next);
        }
        dirty_count_ = 0;
        for (std::size_t k = 0; k < total; ++k) {
            bool& flag = k < own_count ? destinations_[k].dirty : paths_.begin()[k - own_count].value.dirty;
            if (k < sent_all_before) flag = false;
            dirty_count_ += flag ? 1 : 0;
        }
    }
    /// An interface's gossip budget, made at first use (it needs the time).
    static gossip::budget& budget_of(iface_state& st, timestamp now) noexcept {
        if (!st.budget) st.budget.emplace(st.metrics.bandwidth_bps, now);
        return *st.budget;
    }

    neighbour_info* find_neighbour(const truncated_hash& id, interface_id iface) noexcept {
        for (auto& n : neighbours_)
            if (n.id == id && n.iface == iface) return &n;
        return nullptr;
    }

    // Gossip packets stay out of the seen cache (their counters order them; remembering them would
    // push announce hashes out of it on a busy mesh).
    result<node_event> on_gossip(interface_id iface, const wire::packet_view& p, timestamp now) noexcept {
        auto reject = [&](error e) -> result<node_event> {
            ++stats_.gossip_rejected;
            return fail(e);
        };
        if (!config_.gossip) return fail(error::unsupported);
        auto env = gossip::open_envelope<P>(p);
        if (!env) return reject(env.error());
        if (env->sender == id_.hash()) return fail(error::replayed);  // our own, echoed
        neighbour_info* nb = find_neighbour(env->sender, iface);
        if (nb != nullptr) {
            const bool same = env->session == nb->session;
            if ((same && env->counter <= nb->counter) || (!same && !nb->down)) return reject(error::replayed);
        } else if (neighbours_.full()) {
            std::size_t down = neighbours_.size();
            for (std::size_t i = 0; i < neighbours_.size(); ++i)
                if (neighbours_[i].down) down = i;
            if (down == neighbours_.size()) return reject(error::full);
        }
        gossip::budget& budget = budget_of(ifaces_[iface], now);
        kind_.now = now;
        kind_.peer = env->sender;
        kind_.iface = iface;
        const std::uint8_t type = env->message[0];
        if (type == gossip::summary_message_type) {
            kind_.cursor = 0;
            std::array<std::uint8_t, 4> r{};
            rng_->fill(r);
            kind_.start = static_cast<std::size_t>(r[0] | r[1] << 8 | r[2] << 16 | std::uint32_t{r[3]} << 24);
            for (int part = 0; part < 8; ++part) {
                std::array<std::uint8_t, gossip::max_envelope_message> msg{};
                const std::size_t room = gossip_room(iface, now);
                auto rep = mux_.answer_summary(env->message, std::span<std::uint8_t>(msg.data(), room), budget, now);
                if (!rep) {
                    if (part == 0) return reject(rep.error());
                    break;
                }
                if (rep->bytes == 0) break;
                if (!send_gossip(iface, std::span<const std::uint8_t>(msg.data(), rep->bytes), now)) break;
                if (rep->complete) break;
            }
            kind_.cursor = 0;
        } else if (type == gossip::delta_message_type) {
            auto rep = mux_.receive_delta(env->message);
            if (!rep) return reject(rep.error());
        } else {
            return reject(error::bad_encoding);
        }
        // Accepted: the neighbour is alive.
        if (nb == nullptr) {
            if (neighbours_.full())
                for (std::size_t i = 0; i < neighbours_.size(); ++i)
                    if (neighbours_[i].down) {
                        (void)neighbours_.erase(i);
                        break;
                    }
            (void)neighbours_.push_back(neighbour_info{env->sender, iface, now, false, env->session, env->counter});
        } else {
            nb->last_heard = now;
            nb->down = false;
            nb->session = env->session;
            nb->counter = env->counter;
        }
        ++stats_.gossip_received;
        return node_event{};
    }

    identity<P> id_;
    R* rng_;
    node_config config_;
    node_stats stats_{};
    std::size_t interfaces_ = 0;
    static_vector<destination_entry, MaxDestinations> destinations_{};
    static_map<truncated_hash, path_entry, MaxPaths, bytes_less> paths_{};
    static_map<truncated_hash, link_route, MaxLinkTable, bytes_less> link_table_{};
    std::array<link_slot, MaxLinks> links_{};
    ring_buffer<packet_slot, Outbox> outbox_{};
    lru_cache<truncated_hash, bool, Seen> seen_{};
    routing_table_type routes_;
    std::array<iface_state, MaxInterfaces> ifaces_{};
    static_vector<neighbour_info, MaxNeighbours> neighbours_{};
    std::size_t dirty_count_ = 0;  ///< destinations flagged dirty (ours and paths_)
    timestamp next_push_{};
    timestamp push_at_{};  ///< when the pending changes go out (unset: not yet scheduled)
    timestamp next_expire_{};
    std::uint64_t lamport_ = 0;
    std::uint32_t session_ = 0, counter_ = 0;
    truncated_hash gossip_dest_{};
    routing_kind kind_;
    gossip::round_multiplexer<4> mux_{};
};

}  // namespace nexus
