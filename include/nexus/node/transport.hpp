// The transport agent of a node (Reticulum's transport rules, ../shared/spec/reticulum-framing.md
// "Transport behaviour"; docs/routing.md "Transport"): intake of every frame (decode, duplicate
// filter, hop limit), forwarding for others, the link table that takes proofs and link traffic
// back along the path a link request came, and the reverse table that takes the proof of a packet
// it forwarded back to the packet's sender.
//
// Forwarding: a packet addressed to us as transport (HEADER_2, our identity hash) goes on to the
// next hop the routing agent chose: HEADER_2 with the next transport id, or HEADER_1 when the
// destination's own node is the neighbour. A relayed announce goes out as HEADER_2 with our id
// (rebroadcast()); the announcer decides whether it goes.
//
// Tables, who fills them and what is evicted first (DESIGN §3.10):
// - seen (C.seen hashes, least recently used replaced): hashes of packets handled. Link-setup
//   packets are let through once more when they are a legitimate repeat (below), so a request or
//   proof lost on the way can be sent again with the same bytes (link/link.hpp); a repeated
//   announce reaches the announcer, which counts it as passed on by a neighbour.
// - link table (C.link_table): a link request addressed to us makes an *unproven* entry, which
//   lives for the link-establishment timeout; a valid proof (signature checked against the
//   destination's identity, as Reticulum's transport does) makes it *proven*, still within that
//   timeout; the initiator's first packet after the proof (its RTT packet) makes it *confirmed*,
//   living while traffic uses it (link_table_lifetime after the last packet). Only confirmed
//   entries are kept against newcomers: a destination that answers every request proves the
//   requests of an attacker who then sends nothing, and those proven entries used to hold the
//   table for 10 minutes. Entries made by requests from one interface are at most half the table
//   when the node has several interfaces (a flood on one interface leaves room for the others).
//   Room for a new request: expired entries first, then the oldest unconfirmed entry of the
//   interface over its share or, with the table full, of the interface with the most unconfirmed
//   entries; confirmed entries are never evicted by requests: with none unconfirmed the request is
//   refused. A repeated
//   request (same link id, same interface, entry not yet confirmed) is forwarded again at most
//   every 250 ms -- also when proven: the proof may have been lost between us and the initiator,
//   and only the responder can send it again; a proof is forwarded at most once per request
//   forwarded, so a proof echoed between two relays on a shared radio stops at once.
// - reverse table (C.reverse_table): every packet forwarded as HEADER_2 for a single, group or
//   plain destination (not link requests, not link traffic); a PROOF addressed to its truncated
//   hash that arrives on the interface the packet left by is sent back on the interface it came
//   from, once (the entry is used up). Entries live 480 s; full, the oldest goes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/bytes.hpp"
#include "nexus/core/lru_cache.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/static_map.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link.hpp"
#include "nexus/node/context.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

/// A frame the transport agent took in: the packet, its hash, and whether that hash was seen before
/// (only link-setup packets and announces get this far as duplicates: their handlers decide).
struct inbound_packet {
    wire::packet_view packet{};
    truncated_hash hash{};
    bool duplicate = false;
};

/// A transport link-table entry (public for inspection: node::link_table()).
struct link_route {
    interface_id toward_initiator = 0;
    interface_id toward_responder = 0;
    truncated_hash destination{};  ///< the destination the link goes to (checks its proof)
    truncated_hash next_hop{};     ///< where the request went: a transport id, zero for HEADER_1
    timestamp expires{};
    timestamp last_request{};
    bool proven = false;        ///< the responder's proof went through
    bool confirmed = false;     ///< and the initiator sent on the link after it (kept against newcomers)
    std::uint8_t requests = 0;  ///< link requests forwarded (the first and its repeats)
    std::uint8_t proofs = 0;    ///< proofs forwarded back
    duration setup{};           ///< link_setup_timeout over our path to the destination
};

template <hash_profile P, random_source R, node_capacities C>
class transport_agent {
public:
    using context = node_context<P, R, C>;

    /// How long a reverse-table entry waits for its proof (Reticulum's REVERSE_TIMEOUT).
    static constexpr duration reverse_timeout = duration::seconds(480);
    /// A repeated link request is forwarded again at most this often.
    static constexpr duration request_repeat_gap = duration::milliseconds(250);

    // -- intake --

    /// Decodes a frame, drops it when its hop count is at the limit or (for all but link-setup
    /// packets) when it was seen before. Counts received, malformed and duplicates.
    result<inbound_packet> intake(context& ctx, std::span<const std::uint8_t> raw) noexcept {
        auto p = wire::decode_packet(raw);
        if (!p) {
            ++ctx.stats.malformed;
            return fail(p.error());
        }
        ++ctx.stats.received;
        auto h = wire::truncated_packet_hash<P>(raw);
        if (!h) return fail(h.error());
        if (p->header.hops >= ctx.config.max_hops) return fail(error::out_of_range);
        inbound_packet in{*p, *h, seen_.contains(*h)};
        if (in.duplicate && !link_setup(*p) && p->header.flags.type != wire::packet_type::announce) {
            ++ctx.stats.duplicates;
            return fail(error::replayed);
        }
        return in;
    }

    /// Remembers a handled packet's hash (the duplicate filter).
    void remember(const truncated_hash& hash) noexcept { (void)seen_.put(hash, true); }
    void remember(std::span<const std::uint8_t> raw) noexcept {
        if (auto h = wire::truncated_packet_hash<P>(raw)) remember(*h);
    }
    /// Counts a duplicate and answers replayed.
    static result<void> duplicate(context& ctx) noexcept {
        ++ctx.stats.duplicates;
        return fail(error::replayed);
    }

    static bool link_setup(const wire::packet_view& p) noexcept {
        return p.header.flags.type == wire::packet_type::link_request ||
               (p.header.flags.type == wire::packet_type::proof &&
                p.header.context == wire::context::link_request_proof);
    }

    static bool addressed_to_us(const context& ctx, const wire::packet_view& p) noexcept {
        return ctx.config.transport && p.header.flags.header == wire::header_type::header_2 &&
               p.header.transport_id == ctx.self.hash();
    }

    // -- forwarding --

    /// A packet addressed to us as transport (not a link request) goes on towards `next_hop`
    /// through `out`; its proof may come back through the reverse table.
    result<void> forward_addressed(context& ctx, interface_id iface, const inbound_packet& in,
                                   interface_id out, const truncated_hash& next_hop, timestamp now) noexcept {
        if (auto r = forward(ctx, in.packet, out, next_hop); !r) return r;
        remember(in.hash);
        if (in.packet.header.flags.destination != wire::destination_type::link) {
            if (reverse_.full()) evict_oldest_reverse();
            (void)reverse_.insert_or_assign(in.hash, reverse_entry{iface, out, now + reverse_timeout});
            next_expire_ = std::min(next_expire_, now + reverse_timeout);
        }
        signal_traffic(ctx, in.packet.header.destination, out, in.packet.raw.size(), now);
        forwarded_event(ctx, in.packet.header.destination, iface);
        return ok();
    }

    /// A link request addressed to us as transport, for a destination the routing agent found a
    /// next hop to (`out`, `next_hop`): enters the link table (header comment) and goes on.
    result<void> forward_link_request(context& ctx, interface_id iface, const inbound_packet& in,
                                      interface_id out, const truncated_hash& next_hop,
                                      std::uint32_t latency_ms, timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        if (p.data.size() < link_request_data_size) return fail(error::invalid_length);
        const truncated_hash id = link_id_of(p);
        if (link_route* e = link_table_.find(id)) {
            // A repeat (the initiator sends the same request again when no proof came back).
            if (e->confirmed || e->toward_initiator != iface || now < e->last_request + request_repeat_gap)
                return duplicate(ctx);
            e->last_request = now;
            if (e->requests < 0xFF) ++e->requests;
            if (auto r = forward(ctx, p, e->toward_responder, e->next_hop); !r) return r;
            forwarded_event(ctx, p.header.destination, iface);
            return ok();
        }
        if (in.duplicate) return duplicate(ctx);
        expire(now);
        if (!make_room(ctx, iface)) {
            ++ctx.stats.link_table_refused;
            return fail(error::full);
        }
        link_route e;
        e.toward_initiator = iface;
        e.toward_responder = out;
        e.destination = p.header.destination;
        e.next_hop = next_hop;
        e.setup = link_setup_timeout(ctx.config.link.establishment_timeout, latency_ms);
        e.expires = now + e.setup;
        e.last_request = now;
        e.requests = 1;
        if (auto r = forward(ctx, p, out, next_hop); !r) return r;
        (void)link_table_.insert_or_assign(id, e);
        next_expire_ = std::min(next_expire_, e.expires);
        remember(in.hash);
        forwarded_event(ctx, p.header.destination, iface);
        return ok();
    }

    /// A packet to a link id that is not ours: forwarded along the link table, or not_found. A link
    /// proof is checked against the destination's identity (`responder_key` finds it: a pointer to
    /// its public key, or nullptr when unknown) and makes the entry proven; link traffic goes only
    /// through proven entries and keeps them alive; the initiator's confirms them.
    template <class KeyLookup>
    result<void> forward_link_packet(context& ctx, interface_id iface, const inbound_packet& in,
                                     timestamp now, KeyLookup&& responder_key) noexcept {
        const wire::packet_view& p = in.packet;
        if (!ctx.config.transport) return fail(error::not_found);
        link_route* e = link_table_.find(p.header.destination);
        if (e == nullptr || now >= e->expires) return fail(error::not_found);
        const bool proof = p.header.flags.type == wire::packet_type::proof;
        if (proof && p.header.context == wire::context::link_request_proof) {
            if (iface != e->toward_responder) return fail(error::invalid_argument);
            if (e->proofs >= e->requests) return duplicate(ctx);
            const public_key_bytes* key = responder_key(e->destination);
            if (key == nullptr || !proof_valid(*key, p)) return fail(error::auth_failed);
            e->proven = true;
            ++e->proofs;
        } else if (!e->proven) {
            return fail(error::bad_state);
        } else if (in.duplicate) {
            return duplicate(ctx);
        } else if (iface == e->toward_initiator) {
            e->confirmed = true;
        }
        const interface_id out = iface == e->toward_initiator ? e->toward_responder : e->toward_initiator;
        if (e->confirmed)
            e->expires = now + ctx.config.link_table_lifetime;
        else  // the responder talking: alive (a lost RTT packet must not cut the link), still evictable
            e->expires = std::max(e->expires, now + e->setup);
        if (auto r = forward(ctx, p, out, truncated_hash{}); !r) return r;
        remember(in.hash);
        signal_traffic(ctx, e->destination, out, p.raw.size(), now);
        forwarded_event(ctx, p.header.destination, iface);
        return ok();
    }

    /// A PROOF for a packet we forwarded (reverse table): back where the packet came from; not_found
    /// when there is no entry or the proof came in on another interface than the packet went out on.
    result<void> return_proof(context& ctx, interface_id iface, const inbound_packet& in,
                              timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        if (!ctx.config.transport || p.header.flags.type != wire::packet_type::proof)
            return fail(error::not_found);
        const reverse_entry* e = reverse_.find(p.header.destination);
        if (e == nullptr || now >= e->expires || e->outbound != iface) return fail(error::not_found);
        const interface_id back = e->received;
        (void)reverse_.erase(p.header.destination);
        if (auto r = forward(ctx, p, back, truncated_hash{}); !r) return r;
        remember(in.hash);
        ++ctx.stats.proofs_returned;
        return ok();
    }

    /// Queues a relayed announce as HEADER_2 with our identity hash as transport id and `hops`
    /// travelled: on every interface but `except` (all_interfaces: every one).
    result<void> rebroadcast(context& ctx, const wire::packet_view& p, std::uint8_t hops,
                             interface_id except) noexcept {
        if (ctx.outbox_full()) return fail(error::full);
        packet_slot slot;
        auto n = to_transport(p.raw, ctx.self.hash(), hops, slot.bytes);
        if (!n) return fail(n.error());
        slot.size = *n;
        slot.iface = all_interfaces;
        slot.except = except;
        ++ctx.stats.forwarded;
        return ctx.queue(slot);
    }

    /// Rewrites a HEADER_1 packet as HEADER_2 (transport) with the given transport id and hops.
    static result<std::size_t> to_transport(std::span<const std::uint8_t> raw,
                                            const truncated_hash& transport_id, std::uint8_t hops,
                                            std::span<std::uint8_t> out) noexcept {
        auto p = wire::decode_packet(raw);
        if (!p) return fail(p.error());
        wire::packet_header h = p->header;
        h.flags.header = wire::header_type::header_2;
        h.flags.transport = wire::transport_type::transport;
        h.transport_id = transport_id;
        h.hops = hops;
        return wire::encode_packet(h, p->data, out);
    }

    // -- timers --

    void poll(context&, timestamp now) noexcept {
        if (now >= next_expire_) expire(now);
    }
    timestamp next_deadline() const noexcept { return next_expire_; }

    // -- inspection --
    std::size_t link_table_size() const noexcept { return link_table_.size(); }
    const link_route* link_entry(const truncated_hash& link_id) const noexcept {
        return link_table_.find(link_id);
    }
    std::size_t reverse_table_size() const noexcept { return reverse_.size(); }

    /// The link id of a link request (Reticulum: the truncated hash of the request without its
    /// signalling bytes).
    static truncated_hash link_id_of(const wire::packet_view& p) noexcept {
        const std::uint8_t masked = static_cast<std::uint8_t>(p.header.flags.to_byte() & 0x0F);
        return profile_hash_prefix<P, truncated_hash_size>(
            std::span<const std::uint8_t>(&masked, 1), p.header.destination,
            std::span<const std::uint8_t>(&p.header.context, 1), p.data.first(link_request_data_size));
    }

private:
    struct reverse_entry {
        interface_id received = 0;
        interface_id outbound = 0;
        timestamp expires{};
    };

    /// Re-encodes a packet for the next hop: HEADER_2 via `next_hop`, or HEADER_1 when zero.
    result<void> forward(context& ctx, const wire::packet_view& p, interface_id iface,
                         const truncated_hash& next_hop) noexcept {
        if (ctx.outbox_full()) return fail(error::full);
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
        ++ctx.stats.forwarded;
        return ctx.queue(slot);
    }

    /// The application's informational event of a forward (`id`: the destination, or the link id of
    /// link traffic), arrived on `iface`.
    static void forwarded_event(context& ctx, const truncated_hash& id, interface_id iface) noexcept {
        node_event ev;
        ev.kind = node_event_kind::forwarded;
        ev.id = id;
        ev.iface = iface;
        (void)ctx.emit(ev);
    }

    static void signal_traffic(context& ctx, const truncated_hash& destination, interface_id out,
                               std::size_t bytes, timestamp now) noexcept {
        node_signal s{signal_kind::forwarded};
        s.destination = destination;
        s.iface = out;
        s.bytes = bytes;
        s.at = now;
        ctx.signal(s);
        s.kind = signal_kind::traffic;
        ctx.signal(s);
    }

    /// A link proof's signature: the responder's identity key over link id || responder ephemeral
    /// X25519 || responder Ed25519 public || the signalling bytes when present (link/link.hpp).
    static bool proof_valid(const public_key_bytes& key, const wire::packet_view& p) noexcept {
        if (p.data.size() != link_proof_data_size && p.data.size() != link_proof_data_size + 3) return false;
        auto id = public_identity<P>::from_public_key(key);
        if (!id) return false;
        std::array<std::uint8_t, 16 + 32 + 32 + 3> msg{};
        byte_writer w{msg};
        (void)w.bytes(p.header.destination);
        (void)w.bytes(p.data.subspan(64, 32));
        (void)w.bytes(std::span<const std::uint8_t>(key).last(32));
        (void)w.bytes(p.data.subspan(link_proof_data_size));
        return id->verify(w.written(), p.data.first(64));
    }

    std::size_t unconfirmed_on(interface_id iface) const noexcept {
        std::size_t n = 0;
        for (const auto& e : link_table_)
            n += !e.value.confirmed && e.value.toward_initiator == iface ? 1 : 0;
        return n;
    }
    std::size_t entries_from(interface_id iface) const noexcept {
        std::size_t n = 0;
        for (const auto& e : link_table_) n += e.value.toward_initiator == iface ? 1 : 0;
        return n;
    }

    /// Room for a new unproven entry from `iface` (header comment); false when there is none.
    bool make_room(context& ctx, interface_id iface) noexcept {
        const std::size_t quota =
            ctx.interface_count() > 1 ? std::max<std::size_t>(1, C.link_table / 2) : C.link_table;
        std::optional<interface_id> from;
        if (entries_from(iface) >= quota) {
            from = iface;
        } else if (link_table_.full()) {
            std::size_t most = 0;
            for (std::size_t i = 0; i < ctx.interface_count(); ++i) {
                const std::size_t n = unconfirmed_on(static_cast<interface_id>(i));
                if (n > most) {
                    most = n;
                    from = static_cast<interface_id>(i);
                }
            }
            if (!from) return false;
        } else {
            return true;
        }
        const truncated_hash* victim = nullptr;
        timestamp oldest = timestamp::max();
        for (const auto& e : link_table_)
            if (!e.value.confirmed && e.value.toward_initiator == *from && e.value.expires < oldest) {
                oldest = e.value.expires;
                victim = &e.key;
            }
        if (victim == nullptr) return false;
        const truncated_hash k = *victim;
        (void)link_table_.erase(k);
        ++ctx.stats.link_table_evicted;
        return true;
    }

    void evict_oldest_reverse() noexcept {
        const truncated_hash* victim = nullptr;
        timestamp oldest = timestamp::max();
        for (const auto& e : reverse_)
            if (e.value.expires < oldest) {
                oldest = e.value.expires;
                victim = &e.key;
            }
        if (victim == nullptr) return;
        const truncated_hash k = *victim;
        (void)reverse_.erase(k);
    }

    template <class Map>
    static void expire_map(Map& m, timestamp now) noexcept {
        for (std::size_t i = m.size(); i > 0; --i) {
            const auto& e = m.begin()[i - 1];
            if (now >= e.value.expires) {
                const truncated_hash k = e.key;
                (void)m.erase(k);
            }
        }
    }

    void expire(timestamp now) noexcept {
        expire_map(link_table_, now);
        expire_map(reverse_, now);
        next_expire_ = timestamp::max();
        for (const auto& e : link_table_) next_expire_ = std::min(next_expire_, e.value.expires);
        for (const auto& e : reverse_) next_expire_ = std::min(next_expire_, e.value.expires);
    }

    lru_cache<truncated_hash, bool, C.seen> seen_{};
    static_map<truncated_hash, link_route, C.link_table, bytes_less> link_table_{};
    static_map<truncated_hash, reverse_entry, C.reverse_table, bytes_less> reverse_{};
    timestamp next_expire_ = timestamp::max();
};

}  // namespace nexus
