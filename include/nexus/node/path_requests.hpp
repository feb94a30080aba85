// The path-request agent of a node (Reticulum's path requests, ../shared/spec/reticulum-framing.md
// "Path requests"; wire/path_request.hpp; docs/wire/path_request.md): a node that has no usable path
// to a destination asks for one instead of waiting for the destination's next announce (30 min).
//
// Asking: on a signal path_missing (a link to open or a packet to forward and no usable path, an
// offer from a neighbour for a destination we have no current announce of, every path of a
// destination suspect or withdrawn), at most once per destination every 20 s (PATH_REQUEST_MI): a
// request with a random tag, flooded on every interface. While it is pending (15 s,
// PATH_REQUEST_TIMEOUT) announces of that destination bypass ingress control and the path
// responses to it are relayed back.
// Answering: for one of our destinations, the announcer announces it again as a path response
// (with the NEXUS extension, the next Lamport time too: node/routing.hpp "Loops"), at most once per
// destination every 20 s. A transport node that holds a trusted path answers after 0.4 s
// (PATH_REQUEST_GRACE, so the destination or a nearer node may answer first) with the destination's
// cached announce as a path response, HEADER_2 with its identity as transport id and the path's hop
// count, on that interface only -- unless the path's next hop is the requester (Reticulum's rule),
// or the path leaves over the point-to-point interface the request came in on (the one neighbour
// there asked, or passed the request on). On a shared radio every path leaves over the interface
// the request came in on: an earlier rule that refused those answers made every path request on a
// radio mesh flood the whole mesh and come back from the destination itself (at 1,000 nodes, a
// million forwarded requests and as many relayed responses in ten seconds).
// Passing on: a transport node that cannot answer floods the request on its other interfaces, at
// most once per destination every 20 s (every node floods a given request at most once anyway: the
// destination and tag are remembered).
//
// Table (C.path_requests entries): requests seen (destination and tag, to drop repeats), ours and
// those passed on (pending), answers waiting for their grace. Full, the oldest entry goes (a repeat
// of a forgotten request is then handled once more -- bounded by the 20 s gaps above).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/node/announcer.hpp"
#include "nexus/node/context.hpp"
#include "nexus/node/routing.hpp"
#include "nexus/node/transport.hpp"
#include "nexus/wire/path_request.hpp"

namespace nexus {

template <hash_profile P, random_source R, node_capacities C>
class path_request_agent {
public:
    using context = node_context<P, R, C>;

    static constexpr duration request_interval = duration::seconds(20);  ///< PATH_REQUEST_MI
    static constexpr duration pending_time = duration::seconds(15);      ///< PATH_REQUEST_TIMEOUT
    static constexpr duration answer_grace = duration::milliseconds(400);  ///< PATH_REQUEST_GRACE

    static bool is_request(const wire::packet_view& p) noexcept { return wire::is_path_request_packet<P>(p); }

    /// Whether we asked for, or passed on a request for, `destination` within the pending time.
    bool pending(const truncated_hash& destination, timestamp now) const noexcept {
        for (const auto& e : table_)
            if (e.destination == destination && (e.kind == role::asked || e.kind == role::passed) &&
                now < e.at + pending_time)
                return true;
        return false;
    }

    /// Asks for a path to `destination` now (unless we asked within request_interval).
    result<void> request(context& ctx, transport_agent<P, R, C>& transport, const truncated_hash& destination,
                         timestamp now) noexcept {
        if (ctx.interface_count() == 0 || ctx.find_destination(destination) != nullptr) return fail(error::invalid_argument);
        if (recently(destination, role::asked, now)) return ok();
        if (ctx.outbox_full()) return fail(error::full);
        wire::path_request q;
        q.destination = destination;
        if (ctx.config.transport) q.transport_id = ctx.self.hash();
        ctx.rng->fill(q.tag);
        packet_slot slot;
        auto n = wire::build_path_request_packet<P>(q, slot.bytes);
        if (!n) return fail(n.error());
        slot.size = *n;
        transport.remember(slot.view());
        entry& e = add(now);
        e.destination = destination;
        e.tag = q.tag;
        e.kind = role::asked;
        ++ctx.stats.path_requests_sent;
        return ctx.queue(slot);
    }

    /// A delayed request waits this long first (an announce may be on its way, e.g. right after an
    /// offer that overtook it): path_missing signals with `ok` set are urgent (a link to open).
    static constexpr duration wanted_delay = duration::seconds(2);

    void on_signal(context& ctx, const node_signal& s) noexcept {
        if (s.kind != signal_kind::path_missing || ctx.find_destination(s.destination) != nullptr) return;
        const timestamp due = s.ok ? s.at : s.at + wanted_delay;
        for (auto& w : wanted_)
            if (w.destination == s.destination) {
                w.due = std::min(w.due, due);
                return;
            }
        if (!wanted_.full()) (void)wanted_.push_back(wanted{s.destination, due});
    }

    /// A path request arrived on `iface` (is_request()).
    result<void> on_packet(context& ctx, transport_agent<P, R, C>& transport, announcer_agent<P, R, C>& announcer,
                           const routing_agent<P, R, C>& routing, interface_id iface, const inbound_packet& in,
                           timestamp now) noexcept {
        if (in.duplicate) return transport_agent<P, R, C>::duplicate(ctx);
        auto q = wire::path_request::decode(in.packet.data);
        if (!q) {
            ++ctx.stats.malformed;
            return fail(q.error());
        }
        transport.remember(in.hash);
        for (const auto& e : table_)
            if (e.destination == q->destination && e.tag == q->tag) return transport_agent<P, R, C>::duplicate(ctx);
        entry& seen = add(now);
        seen.destination = q->destination;
        seen.tag = q->tag;
        seen.kind = role::seen;
        if (ctx.find_destination(q->destination) != nullptr) {
            if (recently(q->destination, role::answered, now)) return ok();
            mark(q->destination, role::answered, now);
            ++ctx.stats.path_requests_answered;
            return announcer.answer_path_request(ctx, transport, q->destination, now);
        }
        if (!ctx.config.transport) return ok();
        const routing::routing_entry* r = routing.best(q->destination, ctx.config.policy, now);
        const bool back_to_requester =
            r != nullptr && ((q->transport_id && r->hop.address == *q->transport_id) ||
                             (r->hop.iface == iface && !ctx.metrics(iface).shared));
        if (r != nullptr && r->trusted_at(now) && !back_to_requester && routing.known(q->destination) != nullptr &&
            routing.known(q->destination)->cached) {
            entry& a = add(now);
            a.destination = q->destination;
            a.kind = role::answer;
            a.iface = iface;
            a.due = now + answer_grace;
            return ok();
        }
        if (recently(q->destination, role::passed, now) || ctx.outbox_full()) return ok();
        // Passed on as it came (the same packet, so every node floods it once: its hash is remembered).
        packet_slot slot;
        const std::size_t size = std::min(in.packet.raw.size(), slot.bytes.size());
        for (std::size_t i = 0; i < size; ++i) slot.bytes[i] = in.packet.raw[i];
        slot.size = size;
        slot.iface = all_interfaces;
        slot.except = ctx.metrics(iface).shared ? all_interfaces : iface;
        mark(q->destination, role::passed, now);
        ++ctx.stats.path_requests_forwarded;
        return ctx.queue(slot);
    }

    /// Requests wanted since the last poll, and answers whose grace is over.
    void poll(context& ctx, transport_agent<P, R, C>& transport, const routing_agent<P, R, C>& routing,
              timestamp now) noexcept {
        for (std::size_t i = 0; i < wanted_.size() && !ctx.outbox_full();) {
            const wanted w = wanted_[i];
            if (now < w.due) {
                ++i;
                continue;
            }
            (void)wanted_.erase(i);
            const routing::routing_entry* r = routing.best(w.destination, ctx.config.policy, now);
            if (r == nullptr || !r->trusted_at(now) || routing.known(w.destination) == nullptr)
                (void)request(ctx, transport, w.destination, now);
        }
        for (auto& e : table_) {
            if (e.kind != role::answer || now < e.due || ctx.outbox_full()) continue;
            e.kind = role::answered;
            e.at = now;
            const routing::routing_entry* r = routing.best(e.destination, ctx.config.policy, now);
            if (r == nullptr || !r->trusted_at(now)) continue;
            packet_slot slot;
            auto n = routing.cached_announce(e.destination, r->cost.hop_count, ctx.self.hash(),
                                             wire::context::path_response, slot.bytes);
            if (!n) continue;
            slot.size = *n;
            slot.iface = e.iface;
            transport.remember(slot.view());
            ++ctx.stats.path_requests_answered;
            (void)ctx.queue(slot);
        }
    }

    timestamp next_deadline() const noexcept {
        timestamp t = timestamp::max();
        for (const auto& w : wanted_) t = std::min(t, w.due);
        for (const auto& e : table_)
            if (e.kind == role::answer) t = std::min(t, e.due);
        return t;
    }

private:
    enum class role : std::uint8_t { seen, asked, passed, answer, answered };
    struct entry {
        truncated_hash destination{};
        std::array<std::uint8_t, wire::path_request_tag_max> tag{};
        role kind = role::seen;
        interface_id iface = 0;
        timestamp at{};
        timestamp due{};
    };

    /// A fresh entry (the oldest one replaced when the table is full).
    entry& add(timestamp now) noexcept {
        if (table_.full()) {
            std::size_t oldest = 0;
            for (std::size_t i = 1; i < table_.size(); ++i)
                if (table_[i].at < table_[oldest].at) oldest = i;
            (void)table_.erase(oldest);
        }
        (void)table_.push_back(entry{});
        entry& e = table_[table_.size() - 1];
        e.at = now;
        return e;
    }

    bool recently(const truncated_hash& destination, role r, timestamp now) const noexcept {
        for (const auto& e : table_)
            if (e.destination == destination && e.kind == r && now < e.at + request_interval) return true;
        return false;
    }
    void mark(const truncated_hash& destination, role r, timestamp now) noexcept {
        entry& e = add(now);
        e.destination = destination;
        e.kind = r;
    }

    struct wanted {
        truncated_hash destination{};
        timestamp due{};
    };

    static_vector<entry, C.path_requests> table_{};
    static_vector<wanted, C.path_requests> wanted_{};
};

}  // namespace nexus
