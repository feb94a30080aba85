// The links agent of a node: the links of our own (link/link.hpp), opened to destinations we know or
// accepted for our destinations, and what the application sees of them through the event queue:
// a request, establishment, identification, data, rotation, close -- in the order they happened.
//
// Table (C.links slots), who fills it and what is evicted first (DESIGN §3.10): the application
// (open) and link requests to our destinations (accept). Incoming links that are not established yet
// are *pending*: at most C.pending_links_per_interface per incoming interface (Reticulum packets
// do not name the previous hop, so the interface is the finest source we can tell apart); a new
// request over that bound, or one that finds every slot taken, evicts the oldest pending incoming
// link (reported closed, reason establishment_timeout). Established links and links we initiated
// are never evicted by requests. A request repeated with the same bytes (its proof was lost) makes
// the link send its proof again.
//
// Reliable delivery: every established link carries a reliable channel (link/channel.hpp) of
// C.channel_window messages per direction, created with the link's measured round trip.
// send_reliable() queues a message on it; the channel's bodies travel as link DATA with context
// wire::context::channel, so send() refuses that context. A message the channel has accepted is
// handed to the application exactly once and in order (link_data, reliable set, with its
// sequence) -- it waits inside the channel while the event queue is full, and before the link's
// close is reported -- and the sender hears link_delivered once the peer acknowledged it. A
// message that goes unacknowledged through all its retransmissions closes the link with reason
// delivery_failed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/result.hpp"
#include "nexus/core/time.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/link/channel.hpp"
#include "nexus/link/link.hpp"
#include "nexus/node/context.hpp"
#include "nexus/node/transport.hpp"
#include "nexus/routing/routing_table.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

template <hash_profile P, random_source R, node_capacities C>
class links_agent {
public:
    using context = node_context<P, R, C>;
    using link_type = link<P, R>;
    using channel_type = channel<C.channel_window>;

    links_agent() = default;
    links_agent(const links_agent&) = delete;
    links_agent& operator=(const links_agent&) = delete;
    ~links_agent() { crypto::secure_wipe_object(plaintext_); }

    // -- the application's calls --

    /// Opens a link to `destination` (owned by `peer`) through `hop`, a path of `latency_ms` one
    /// way; returns the link id. full when every slot is taken. The link waits
    /// link_setup_timeout(establishment_timeout, latency_ms) for the proof. The request goes again,
    /// identical, when no proof came back within request_retry() (a lost request or proof would
    /// otherwise cost the whole establishment timeout).
    result<truncated_hash> open(context& ctx, const truncated_hash& destination,
                                const public_identity<P>& peer, const routing::next_hop& hop,
                                const truncated_hash& via, std::uint32_t latency_ms, timestamp now) noexcept {
        slot* s = free_slot();
        if (s == nullptr) return fail(error::full);
        clear(*s);
        link_config config = ctx.config.link;
        config.establishment_timeout = link_setup_timeout(config.establishment_timeout, latency_ms);
        s->l.emplace(link_type::initiate(peer, destination, *ctx.rng, now, config,
                                         request_retry(config.establishment_timeout, latency_ms)));
        ++used_;
        s->iface = hop.iface;
        s->via = via;
        s->destination = destination;
        s->hop = hop;
        s->initiated = true;
        return s->l->id();
    }

    result<void> identify(context& ctx, const truncated_hash& link_id) noexcept {
        slot* s = find(link_id);
        if (s == nullptr) return fail(error::not_found);
        return s->l->identify(ctx.self);
    }

    /// Encrypts `data` on an active link and queues it (once: no acknowledgement, no repeat).
    /// invalid_argument for the channel's context, which only send_reliable() writes.
    result<void> send(context& ctx, const truncated_hash& link_id, std::span<const std::uint8_t> data,
                      timestamp now, std::uint8_t context_byte) noexcept {
        slot* s = find(link_id);
        if (s == nullptr) return fail(error::not_found);
        if (context_byte == wire::context::channel) return fail(error::invalid_argument);
        if (ctx.outbox_full()) return fail(error::full);
        packet_slot out;
        auto n = s->l->send(data, now, out.bytes, context_byte);
        if (!n) return fail(n.error());
        out.size = *n;
        out.iface = s->iface;
        signal(ctx, signal_kind::traffic, *s, now);
        return ctx.queue(out);
    }

    /// Queues `data` (at most channel_mdu bytes) on the link's reliable channel; returns its
    /// sequence, which the link_delivered event names once the peer acknowledged it. bad_state
    /// unless the link is active, invalid_length above channel_mdu, full while channel_window
    /// messages are unacknowledged or their link_delivered events not yet taken (try later).
    result<std::uint16_t> send_reliable(context& ctx, const truncated_hash& link_id,
                                        std::span<const std::uint8_t> data, timestamp now,
                                        std::uint8_t context_byte) noexcept {
        slot* s = find(link_id);
        if (s == nullptr) return fail(error::not_found);
        if (!s->ch || s->l->state() != link_state::active) return fail(error::bad_state);
        auto seq = s->ch->send(context_byte, data, now);
        if (!seq) return seq;
        signal(ctx, signal_kind::traffic, *s, now);
        return seq;
    }

    /// How long an initiator waits for the proof before sending its request again: the path's
    /// round trip (twice its one-way latency) plus 1 s for queues and the responder's work, at most
    /// a quarter of the establishment timeout so that all link_setup_max_sends (4) go out in it.
    static constexpr duration request_retry(duration establishment_timeout, std::uint32_t latency_ms) noexcept {
        const duration rtt_plus = duration::milliseconds(2 * std::int64_t{latency_ms} + 1000);
        const duration quarter = duration::milliseconds(establishment_timeout.count_ms() / 4);
        return rtt_plus < quarter ? rtt_plus : quarter;
    }

    const channel_type* channel_of(const truncated_hash& link_id) const noexcept {
        const slot* s = find(link_id);
        return s == nullptr || !s->ch ? nullptr : &*s->ch;
    }

    result<void> close(const truncated_hash& link_id) noexcept {
        slot* s = find(link_id);
        if (s == nullptr) return fail(error::not_found);
        s->l->close();
        return ok();
    }

    result<link_state> status(const truncated_hash& link_id) const noexcept {
        const slot* s = find(link_id);
        if (s == nullptr) return fail(error::not_found);
        return s->l->state();
    }
    const link_type* object(const truncated_hash& link_id) const noexcept {
        const slot* s = find(link_id);
        return s == nullptr ? nullptr : &*s->l;
    }
    std::size_t count() const noexcept { return used_; }

    // -- packets --

    bool owns(const truncated_hash& link_id) const noexcept { return find(link_id) != nullptr; }

    /// A link request to one of our destinations (`accept_links` from it), arrived on `iface`.
    result<void> accept(context& ctx, transport_agent<P, R, C>& transport, interface_id iface,
                        const inbound_packet& in, bool accept_links, timestamp now) noexcept {
        const wire::packet_view& p = in.packet;
        if (!accept_links) return fail(error::unsupported);
        if (p.data.size() < link_request_data_size) return fail(error::invalid_length);
        if (slot* s = find(transport_agent<P, R, C>::link_id_of(p))) {
            // The same request again: its proof was lost (or a replay: the link rate-limits proofs).
            if (s->initiated || s->l->state() != link_state::handshake) return transport.duplicate(ctx);
            s->l->on_request_repeat(now);
            return ok();
        }
        if (in.duplicate) return transport.duplicate(ctx);
        if (ctx.events.room() < 1) return fail(error::full);
        // The request is checked before room is made: a malformed one must not evict a pending link.
        // The proof goes back and the initiator's first packet comes over as many hops as the
        // request crossed: estimated as the arrival interface's latency x that hop count (as
        // routing::path_latency scores a path; the sender sets the count, the cap bounds it).
        link_config config = ctx.config.link;
        const std::uint32_t hop_ms =
            iface < ctx.interface_count() ? std::uint32_t{ctx.metrics(iface).latency_ms} + 1u : 1u;
        config.establishment_timeout =
            link_setup_timeout(config.establishment_timeout, hop_ms * (std::uint32_t{p.header.hops} + 1u));
        auto l = link_type::accept(ctx.self, p, *ctx.rng, now, config);
        if (!l) {
            ++ctx.stats.links_rejected;
            return fail(l.error());
        }
        slot* s = room_for_request(ctx, iface);
        if (s == nullptr) return fail(error::full);
        clear(*s);
        s->l.emplace(static_cast<link_type&&>(*l));
        ++used_;
        s->iface = iface;
        s->destination = p.header.destination;
        s->created = now;
        transport.remember(in.hash);
        return emit(ctx, node_event_kind::link_request, *s);
    }

    /// A packet addressed to one of our links (owns()).
    result<void> receive(context& ctx, transport_agent<P, R, C>& transport, const inbound_packet& in,
                         timestamp now) noexcept {
        slot* s = find(in.packet.header.destination);
        if (s == nullptr) return fail(error::not_found);
        if (in.duplicate) return transport.duplicate(ctx);
        // Room for what this packet may produce (established and data): refuse it otherwise, the
        // sender repeats it.
        if (ctx.events.room() < 2) return fail(error::full);
        struct wipe {
            std::array<std::uint8_t, link_mdu>& b;
            ~wipe() { crypto::secure_wipe_object(b); }
        } guard{plaintext_};
        const bool was_active = s->l->state() == link_state::active;
        auto ev = s->l->receive(in.packet, now, plaintext_);
        if (!ev) return fail(ev.error());
        transport.remember(in.hash);
        if (!was_active && s->l->state() == link_state::active) (void)established(ctx, *s, now);
        switch (ev->kind) {
            case link_event_kind::none:
            case link_event_kind::established:
                break;
            case link_event_kind::data: {
                signal(ctx, signal_kind::traffic, *s, now);
                if (ev->context == wire::context::channel) {
                    // A channel body: the channel takes it (malformed ones are counted in its stats)
                    // and hands over what is now in order.
                    if (s->ch) (void)s->ch->receive(ev->data, now);
                    (void)drain(ctx, *s);
                    break;
                }
                node_event out = event_of(node_event_kind::link_data, *s);
                out.context = ev->context;
                out.data = ev->data;
                (void)ctx.emit(out);
                break;
            }
            case link_event_kind::identified:
                (void)emit(ctx, node_event_kind::link_identified, *s);
                break;
            case link_event_kind::rotated:
                (void)emit(ctx, node_event_kind::link_rotated, *s);
                break;
            case link_event_kind::closed:
                // Reported once what the channel holds is handed over (here, or by poll()).
                if (drain(ctx, *s)) (void)closed(ctx, *s, now);
                break;
        }
        return ok();
    }

    // -- timers and output --

    /// Runs the links' timers; reports establishment and closes (frees the slot once the close
    /// packet is out). Stops early when the event queue has no room (the rest waits for the next poll).
    void poll(context& ctx, timestamp now) noexcept {
        if (used_ == 0) return;
        for (auto& s : slots_) {
            if (!s.l) continue;
            if (ctx.events.room() < 1) return;
            s.l->tick(now);
            if (s.l->state() == link_state::active && !s.established_reported) {
                (void)established(ctx, s, now);
                continue;
            }
            if (!drain(ctx, s)) return;  // the queue filled up
            if (s.ch && s.ch->failed() && s.l->state() == link_state::active) s.l->fail_delivery();
            if (s.l->state() == link_state::closed && s.l->next_deadline() == timestamp::max())
                (void)closed(ctx, s, now);
        }
    }

    /// The next packet one of our links wants sent, into `out` (wire::mtu bytes); size 0 when none.
    result<outgoing> pop_outgoing(context& ctx, transport_agent<P, R, C>& transport, timestamp now,
                                  std::span<std::uint8_t> out) noexcept {
        if (used_ == 0) return outgoing{};
        for (auto& s : slots_) {
            if (!s.l) continue;
            std::array<std::uint8_t, wire::mtu> buf{};
            auto n = s.l->poll_transmit(now, buf);
            if (!n) return fail(n.error());
            if (*n == 0) n = channel_transmit(s, now, buf);
            if (!n) return fail(n.error());
            if (*n == 0) continue;
            std::span<const std::uint8_t> pkt(buf.data(), *n);
            std::array<std::uint8_t, wire::mtu> rewritten{};
            if (pkt[0] == 0x02 && s.via != truncated_hash{}) {
                // A link request to a destination behind a transport node: HEADER_2 via it.
                auto r = transport_agent<P, R, C>::to_transport(pkt, s.via, 0, rewritten);
                if (!r) return fail(r.error());
                pkt = std::span<const std::uint8_t>(rewritten.data(), *r);
            }
            for (std::size_t i = 0; i < pkt.size(); ++i) out[i] = pkt[i];
            transport.remember(pkt);
            ++ctx.stats.sent;
            return outgoing{pkt.size(), s.iface, all_interfaces};
        }
        return outgoing{};
    }

    /// `timestamp{}` when an establishment or a close waits to be reported, else the links' earliest
    /// deadline.
    timestamp next_deadline() const noexcept {
        timestamp t = timestamp::max();
        if (used_ == 0) return t;
        for (const auto& s : slots_) {
            if (!s.l) continue;
            if (s.l->state() == link_state::active && !s.established_reported) return timestamp{};
            if (s.ch && (s.ch->deliverable() || s.ch->acknowledged_waiting() > 0)) return timestamp{};
            const timestamp d = s.l->next_deadline();
            if (s.l->state() == link_state::closed && d == timestamp::max()) return timestamp{};
            if (d < t) t = d;
            if (s.ch && s.l->state() == link_state::active) {
                if (s.ch->failed()) return timestamp{};
                const timestamp c = s.ch->next_deadline();
                if (c < t) t = c;
            }
        }
        return t;
    }

    /// The node's channels (docs/link.md, "In the node"): they give up on a message after 20
    /// repeats, not the channel's default 10, and back off at most 8x the measured RTO. A try
    /// succeeds only when the message and its ack both cross every hop, with probability
    /// (1 - p)^(2h) -- 0.28 over 6 hops that lose 10 % each, where 11 tries still fail 2.7 % of
    /// messages and 21 tries 0.1 %. Unbounded doubling makes the expected wait for a message
    /// infinite once more than half the tries fail (sum of 2^k (1 - q)^k diverges for q < 1/2,
    /// e.g. 30 % loss per hop over two hops); 8x keeps it finite. 21 tries then span
    /// (1 + 2 + 4 + 18 x 8) = 151 RTOs.
    static constexpr channel_config channel_settings{duration::milliseconds(200), duration::seconds(60), 20, 3};

private:
    struct slot {
        std::optional<link_type> l;
        std::optional<channel_type> ch;  ///< the reliable channel, from establishment on
        interface_id iface = 0;
        truncated_hash via{};  ///< transport id a request goes through (zero: direct)
        truncated_hash destination{};
        routing::next_hop hop{};  ///< the routing-table path an initiated link took
        timestamp created{};
        bool initiated = false;  ///< we opened it
        bool established_reported = false;
    };

    slot* find(const truncated_hash& id) noexcept {
        if (used_ == 0) return nullptr;
        for (auto& s : slots_)
            if (s.l && s.l->id() == id) return &s;
        return nullptr;
    }
    const slot* find(const truncated_hash& id) const noexcept {
        for (const auto& s : slots_)
            if (s.l && s.l->id() == id) return &s;
        return nullptr;
    }
    /// Empties a slot in place (a slot{} temporary would put a link and a channel on the stack).
    static void clear(slot& s) noexcept {
        s.l.reset();
        s.ch.reset();
        s.iface = 0;
        s.via = truncated_hash{};
        s.destination = truncated_hash{};
        s.hop = routing::next_hop{};
        s.created = timestamp{};
        s.initiated = false;
        s.established_reported = false;
    }

    slot* free_slot() noexcept {
        for (auto& s : slots_)
            if (!s.l) return &s;
        return nullptr;
    }

    static bool pending_incoming(const slot& s) noexcept {
        return s.l && !s.initiated && s.l->state() == link_state::handshake;
    }

    /// A slot for a new incoming request on `iface` (header comment), or nullptr.
    slot* room_for_request(context& ctx, interface_id iface) noexcept {
        std::size_t on_iface = 0;
        for (const auto& s : slots_) on_iface += pending_incoming(s) && s.iface == iface ? 1 : 0;
        slot* free = free_slot();
        if (free != nullptr && on_iface < C.pending_links_per_interface) return free;
        slot* victim = nullptr;
        for (auto& s : slots_) {
            if (!pending_incoming(s)) continue;
            if (on_iface >= C.pending_links_per_interface && s.iface != iface) continue;
            if (victim == nullptr || s.created < victim->created) victim = &s;
        }
        if (victim == nullptr) return nullptr;
        // Reported closed like a link that timed out before it was established.
        node_event ev = event_of(node_event_kind::link_closed, *victim);
        ev.reason = close_reason::establishment_timeout;
        (void)ctx.emit(ev);
        ++ctx.stats.pending_links_evicted;
        clear(*victim);
        --used_;
        return victim;
    }

    static node_event event_of(node_event_kind kind, const slot& s) noexcept {
        node_event ev;
        ev.kind = kind;
        ev.id = s.l->id();
        ev.iface = s.iface;
        return ev;
    }
    static result<void> emit(context& ctx, node_event_kind kind, const slot& s) noexcept {
        return ctx.emit(event_of(kind, s));
    }

    static void signal(context& ctx, signal_kind kind, const slot& s, timestamp now) noexcept {
        node_signal sig{kind};
        sig.destination = s.destination;
        sig.hop = s.hop;
        sig.iface = s.iface;
        sig.at = now;
        ctx.signal(sig);
    }

    result<void> established(context& ctx, slot& s, timestamp now) noexcept {
        if (auto r = emit(ctx, node_event_kind::link_established, s); !r) return r;
        s.established_reported = true;
        // The handshake's round trip (the initiator's measurement; the responder learns it from
        // the RTT packet) is the channel's first RTT sample.
        if (!s.ch) s.ch.emplace(s.l->rtt(), channel_settings);
        if (s.initiated) {
            node_signal sig{signal_kind::link_outcome};
            sig.destination = s.destination;
            sig.hop = s.hop;
            sig.ok = true;
            sig.at = now;
            ctx.signal(sig);
        }
        signal(ctx, signal_kind::link_up, s, now);
        return ok();
    }

    result<void> closed(context& ctx, slot& s, timestamp now) noexcept {
        node_event ev = event_of(node_event_kind::link_closed, s);
        ev.reason = s.l->reason();
        if (auto r = ctx.emit(ev); !r) return r;
        if (s.established_reported) {
            signal(ctx, signal_kind::link_down, s, now);
        } else if (s.initiated) {
            node_signal sig{signal_kind::link_outcome};
            sig.destination = s.destination;
            sig.hop = s.hop;
            sig.ok = false;
            sig.reason = ev.reason;
            sig.at = now;
            ctx.signal(sig);
        }
        clear(s);
        --used_;
        return ok();
    }

    /// Hands the application what the channel holds for it: messages now in order (link_data,
    /// reliable) and the peer's acknowledgements (link_delivered). false when the event queue filled
    /// up first (the rest stays in the channel).
    static bool drain(context& ctx, slot& s) noexcept {
        if (!s.ch) return true;
        while (auto m = s.ch->deliverable()) {
            if (ctx.events.room() < 1) return false;
            node_event ev = event_of(node_event_kind::link_data, s);
            ev.context = m->context;
            ev.reliable = true;
            ev.sequence = m->seq;
            ev.data = m->payload;
            (void)ctx.emit(ev);  // copies the payload before pop_deliverable() wipes it
            s.ch->pop_deliverable();
        }
        while (s.ch->acknowledged_waiting() > 0) {
            if (ctx.events.room() < 1) return false;
            node_event ev = event_of(node_event_kind::link_delivered, s);
            ev.sequence = *s.ch->pop_acknowledged();
            (void)ctx.emit(ev);
        }
        return true;
    }

    /// The channel's next body, sealed as link data into `buf`: 0 when it has nothing due or the
    /// link is not active. A channel that gives up on a message closes the link (whose close
    /// packet is then what goes out).
    result<std::size_t> channel_transmit(slot& s, timestamp now, std::span<std::uint8_t> buf) noexcept {
        if (!s.ch || s.l->state() != link_state::active) return std::size_t{0};
        std::array<std::uint8_t, channel_mdu + channel_message_header_size> body{};
        struct wipe {
            std::array<std::uint8_t, channel_mdu + channel_message_header_size>& b;
            ~wipe() { crypto::secure_wipe_object(b); }
        } guard{body};
        auto n = s.ch->poll_transmit(now, body);
        if (!n) return n;
        if (*n == 0) {
            if (!s.ch->failed()) return std::size_t{0};
            s.l->fail_delivery();
            return s.l->poll_transmit(now, buf);
        }
        return s.l->send(std::span<const std::uint8_t>(body.data(), *n), now, buf, wire::context::channel);
    }

    std::array<slot, C.links> slots_{};
    std::size_t used_ = 0;  ///< slots holding a link (the scans above skip an idle agent)
    std::array<std::uint8_t, link_mdu> plaintext_{};
};

}  // namespace nexus
