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
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/lru_cache.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/core/static_map.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link.hpp"
#include "nexus/wire/announce.hpp"
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
};

template <hash_profile P, random_source R, std::size_t MaxInterfaces = 4, std::size_t MaxDestinations = 4,
          std::size_t MaxPaths = 64, std::size_t MaxLinks = 8, std::size_t MaxLinkTable = 32,
          std::size_t Outbox = 16, std::size_t Seen = 256>
class node {
public:
    using link_type = link<P, R>;

    struct path_entry {
        interface_id iface = 0;
        truncated_hash next_hop{};  ///< transport id to send through; zero when directly reachable
        std::uint8_t hops = 0;      ///< 1 = a neighbour
        timestamp expires{};
        std::uint64_t emitted = 0;  ///< announce timestamp (random hash), newer replaces older
        public_key_bytes public_key{};
        name_hash name{};
    };

    node(identity<P>&& id, R& rng, const node_config& config = {}) noexcept
        : id_(static_cast<identity<P>&&>(id)), rng_(&rng), config_(config) {}

    const identity<P>& self() const noexcept { return id_; }
    const node_config& config() const noexcept { return config_; }
    const node_stats& stats() const noexcept { return stats_; }

    /// Registers an interface; returns its id (0, 1, ...). full when MaxInterfaces are in use.
    result<interface_id> add_interface() noexcept {
        if (interfaces_ >= MaxInterfaces) return fail(error::full);
        return static_cast<interface_id>(interfaces_++);
    }

    /// Registers one of our destinations ("app.aspect..." name hash); returns its hash.
    result<truncated_hash> add_destination(const name_hash& name, bool accept_links = true) noexcept {
        const auto hash = id_.destination_hash(name);
        for (const auto& d : destinations_)
            if (d.hash == hash) return fail(error::invalid_argument);
        if (destinations_.full()) return fail(error::full);
        (void)destinations_.push_back(destination_entry{hash, name, accept_links});
        return hash;
    }

    /// Queues an announce of our destination on every interface.
    result<void> announce(const truncated_hash& destination, timestamp now, std::span<const std::uint8_t> app_data = {},
                          std::uint64_t wall_seconds = 0) noexcept {
        const destination_entry* d = find_destination(destination);
        if (d == nullptr) return fail(error::not_found);
        wire::announce_params params;
        params.name = d->name;
        params.random = wire::make_random_hash(*rng_, wall_seconds != 0 ? wall_seconds : now.ms() / 1000);
        params.app_data = app_data;
        packet_slot slot;
        auto n = wire::build_announce(id_, params, slot.bytes);
        if (!n) return fail(n.error());
        slot.size = *n;
        remember(std::span<const std::uint8_t>(slot.bytes.data(), slot.size));
        return queue(slot);
    }

    /// Opens a link to a destination whose announce we have seen; returns the link id.
    result<truncated_hash> open_link(const truncated_hash& destination, timestamp now) noexcept {
        const path_entry* p = paths_.find(destination);
        if (p == nullptr || now >= p->expires) return fail(error::not_found);
        auto peer = public_identity<P>::from_public_key(p->public_key);
        if (!peer) return fail(peer.error());
        auto* slot = free_link_slot();
        if (slot == nullptr) return fail(error::full);
        slot->l.emplace(link_type::initiate(*peer, destination, *rng_, now, config_.link));
        slot->iface = p->iface;
        slot->via = p->next_hop;
        slot->established_reported = false;
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
                return node_event{node_event_kind::link_established, s.l->id(), s.iface};
            }
            if (s.l->state() == link_state::closed && s.l->next_deadline() == timestamp::max()) {
                node_event ev{node_event_kind::link_closed, s.l->id(), s.iface};
                ev.reason = s.l->reason();
                s.l.reset();
                return ev;
            }
        }
        expire(now);
        return node_event{};
    }

    /// When poll()/pop_outgoing() next have work: `timestamp{}` when something is queued.
    timestamp next_deadline() const noexcept {
        if (!outbox_.empty()) return timestamp{};
        timestamp t = timestamp::max();
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
    };
    struct link_slot {
        std::optional<link_type> l;
        interface_id iface = 0;
        truncated_hash via{};
        bool established_reported = false;
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
        const path_entry* old = paths_.find(dest);
        const bool replace = old == nullptr || now >= old->expires || e.hops <= old->hops || e.emitted > old->emitted;
        if (replace) {
            if (paths_.full() && old == nullptr) evict_one_path(now);
            (void)paths_.insert_or_assign(dest, e);
        }
        if (config_.transport && ev.hops < config_.max_hops && interfaces_ > 1 && !outbox_.full()) {
            packet_slot slot;
            auto n = to_transport(p.raw, id_.hash(), ev.hops, slot.bytes);
            if (n) {
                slot.size = *n;
                slot.iface = all_interfaces;
                slot.except = iface;
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
            return node_event{node_event_kind::link_request, slot->l->id(), iface};
        }
        if (!addressed_to_us_as_transport(p)) return fail(error::not_found);
        const path_entry* path = paths_.find(p.header.destination);
        if (path == nullptr || now >= path->expires) {
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
        (void)link_table_.insert_or_assign(link_id, link_route{iface, path->iface, now + config_.link_table_lifetime});
        if (auto r = forward(p, path->iface, path->hops > 1 ? path->next_hop : truncated_hash{}); !r)
            return fail(r.error());
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
            const path_entry* path = paths_.find(p.header.destination);
            if (path == nullptr || now >= path->expires) {
                ++stats_.no_route;
                return fail(error::not_found);
            }
            (void)seen_.put(hash, true);
            if (auto r = forward(p, path->iface, path->hops > 1 ? path->next_hop : truncated_hash{}); !r)
                return fail(r.error());
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

    identity<P> id_;
    R* rng_;
    node_config config_;
    node_stats stats_{};
    std::size_t interfaces_ = 0;
    static_vector<destination_entry, MaxDestinations> destinations_{};
    static_map<truncated_hash, path_entry, MaxPaths> paths_{};
    static_map<truncated_hash, link_route, MaxLinkTable> link_table_{};
    std::array<link_slot, MaxLinks> links_{};
    ring_buffer<packet_slot, Outbox> outbox_{};
    lru_cache<truncated_hash, bool, Seen> seen_{};
};

}  // namespace nexus
