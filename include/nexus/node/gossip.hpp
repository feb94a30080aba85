// The gossip agent of a node (spec "Gossip"; docs/gossip.md): runs the gossip round on every
// interface -- each round a signed bloom summary of every registered state kind (gossip/round.hpp,
// gossip/envelope.hpp), answers to neighbours' summaries with signed deltas, merging of their
// deltas -- within each interface's four-tier budget (gossip/budget.hpp), and keeps the gossip
// neighbours: who was heard on which interface, their replay counters, their liveness. State kinds
// (routing offers now; the ledger and capabilities later) register with add_kind() and are called
// with an explicit round_context; they push changes between rounds through room() and send().
//
// Neighbours: filled by valid signed gossip messages only (a forged or replayed envelope is refused
// before the table is touched). Full: a down neighbour makes room for a new one; with none down the
// stranger is refused until one goes down. A neighbour silent for timers.down_rounds rounds is down
// (signal neighbour_down: its paths go stale), for timers.evict_rounds it is gone (signal
// neighbour_gone: its paths go) and leaves the table.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/gossip/budget.hpp"
#include "nexus/gossip/envelope.hpp"
#include "nexus/gossip/round.hpp"
#include "nexus/node/context.hpp"

namespace nexus {

/// A gossip neighbour: heard (a valid signed gossip message) on `iface`.
struct neighbour_info {
    truncated_hash id{};  ///< identity hash
    interface_id iface = 0;
    timestamp last_heard{};
    bool down = false;  ///< silent for timers.down_rounds rounds
    std::uint32_t session = 0, counter = 0;
};

template <hash_profile P, random_source R, node_capacities C>
class gossip_agent {
public:
    using context = node_context<P, R, C>;

    gossip_agent() noexcept : dest_(gossip::gossip_destination<P>()) {}
    gossip_agent(const gossip_agent&) = delete;
    gossip_agent& operator=(const gossip_agent&) = delete;

    /// Draws the session number (each start of a node is a new session for its neighbours).
    void start(context& ctx) noexcept { session_ = ctx.random_u32(); }

    /// Registers a state kind (invalid_argument for a taken id or a bad tier, full beyond
    /// C.gossip_kinds).
    result<void> add_kind(gossip::state_kind& k) noexcept { return mux_.add(k); }

    bool is_gossip(const wire::packet_view& p) const noexcept { return gossip::is_gossip_packet(p, dest_); }

    std::span<const neighbour_info> neighbours() const noexcept { return {neighbours_.data(), neighbours_.size()}; }
    const gossip::budget* budget(interface_id iface) const noexcept {
        return iface < C.interfaces && ifaces_[iface].budget ? &*ifaces_[iface].budget : nullptr;
    }

    void on_signal(context& ctx, const node_signal& s) noexcept {
        if (s.kind != signal_kind::interface_changed || s.iface >= ctx.interface_count()) return;
        if (auto& b = ifaces_[s.iface].budget) b->set_bandwidth(ctx.metrics(s.iface).bandwidth_bps, s.at);
    }

    // -- rounds and liveness --

    void poll(context& ctx, timestamp now) noexcept {
        if (!ctx.config.gossip) return;
        liveness(ctx, now);
        for (std::size_t i = 0; i < ctx.interface_count(); ++i) {
            (void)budget_of(ctx, static_cast<interface_id>(i), now);
            if (now >= ifaces_[i].next_round) run_round(ctx, static_cast<interface_id>(i), now);
        }
    }

    timestamp next_deadline(const context& ctx) const noexcept {
        timestamp t = timestamp::max();
        if (!ctx.config.gossip) return t;
        for (std::size_t i = 0; i < ctx.interface_count(); ++i) t = std::min(t, ifaces_[i].next_round);
        const duration round = ctx.config.timers.gossip_interval;
        for (const auto& n : neighbours_) {
            const auto rounds =
                static_cast<std::int64_t>(n.down ? ctx.config.timers.evict_rounds : ctx.config.timers.down_rounds);
            t = std::min(t, n.last_heard + round * rounds);
        }
        return t;
    }

    // -- sending (rounds, answers, and kinds' pushes) --

    /// Room a message of `t` may take on `iface` now: the tier's tokens minus the envelope.
    std::size_t room(context& ctx, interface_id iface, gossip::tier t, timestamp now) noexcept {
        const std::uint64_t avail = budget_of(ctx, iface, now).available(t, now);
        const std::size_t envelope = gossip::gossip_packet_bytes(0);
        if (avail <= envelope) return 0;
        return static_cast<std::size_t>(std::min<std::uint64_t>(avail - envelope, gossip::max_envelope_message));
    }
    /// What the bucket of `t` on `iface` can ever hold, minus the envelope (a push waits for this much
    /// rather than trickling one item per packet).
    std::size_t bucket_room(context& ctx, interface_id iface, gossip::tier t, timestamp now) noexcept {
        const std::uint64_t bucket = budget_of(ctx, iface, now).capacity(t);
        const std::size_t envelope = gossip::gossip_packet_bytes(0);
        return bucket > envelope ? static_cast<std::size_t>(bucket - envelope) : 0;
    }

    /// Seals `message` in a signed envelope and queues it on `iface`, charging the message and the
    /// envelope to tier `t`; false (nothing sent or charged) without budget or outbox room.
    bool send(context& ctx, interface_id iface, gossip::tier t, std::span<const std::uint8_t> message,
              timestamp now) noexcept {
        if (ctx.outbox_full()) return false;
        gossip::budget& b = budget_of(ctx, iface, now);
        if (b.available(t, now) < gossip::gossip_packet_bytes(message.size())) return false;
        packet_slot slot;
        auto n = gossip::seal_envelope(ctx.self, dest_, session_, counter_ + 1, message, slot.bytes);
        if (!n) return false;
        (void)b.try_spend(t, gossip::gossip_packet_bytes(message.size()), now);
        ++counter_;
        slot.size = *n;
        slot.iface = iface;
        ++ctx.stats.gossip_sent;
        ctx.stats.gossip_bytes_sent += *n;
        return static_cast<bool>(ctx.queue(slot));
    }

    // -- receiving --

    /// A gossip packet (is_gossip). Gossip packets stay out of the duplicate filter: their counters
    /// order them, and remembering them would push announce hashes out of it on a busy mesh.
    result<void> on_packet(context& ctx, interface_id iface, const wire::packet_view& p, timestamp now) noexcept {
        auto reject = [&](error e) -> result<void> {
            ++ctx.stats.gossip_rejected;
            return fail(e);
        };
        if (!ctx.config.gossip) return fail(error::unsupported);
        auto env = gossip::open_envelope<P>(p);
        if (!env) return reject(env.error());
        if (env->sender == ctx.self.hash()) return fail(error::replayed);  // our own, echoed
        neighbour_info* nb = find_neighbour(env->sender, iface);
        if (nb != nullptr) {
            const bool same = env->session == nb->session;
            if ((same && env->counter <= nb->counter) || (!same && !nb->down)) return reject(error::replayed);
        } else if (neighbours_.full()) {
            bool any_down = false;
            for (const auto& n : neighbours_) any_down = any_down || n.down;
            if (!any_down) return reject(error::full);
        }
        gossip::budget& budget = budget_of(ctx, iface, now);
        gossip::round_context rc{now, env->sender, iface, 0, 0};
        const std::uint8_t type = env->message[0];
        if (type == gossip::summary_message_type) {
            rc.start = ctx.random_u32();
            for (int part = 0; part < 8; ++part) {
                std::array<std::uint8_t, gossip::max_envelope_message> msg{};
                const std::size_t space = room(ctx, iface, gossip::tier::routing, now);
                auto rep = mux_.answer_summary(rc, env->message, std::span<std::uint8_t>(msg.data(), space), budget);
                if (!rep) {
                    if (part == 0) return reject(rep.error());
                    break;
                }
                if (rep->bytes == 0) break;
                // answer_summary charged the sections to their tiers; send_answer charges the envelope.
                if (!send_answer(ctx, iface, std::span<const std::uint8_t>(msg.data(), rep->bytes), now)) break;
                if (rep->complete) break;
            }
        } else if (type == gossip::delta_message_type) {
            auto rep = mux_.receive_delta(rc, env->message);
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
        ++ctx.stats.gossip_received;
        return ok();
    }

private:
    struct iface_gossip {
        std::optional<gossip::budget> budget;  ///< made at first use (it needs the time)
        timestamp next_round{};
        std::uint32_t salt = 0;
    };

    gossip::budget& budget_of(context& ctx, interface_id iface, timestamp now) noexcept {
        auto& st = ifaces_[iface];
        if (!st.budget) st.budget.emplace(ctx.metrics(iface).bandwidth_bps, now);
        return *st.budget;
    }

    neighbour_info* find_neighbour(const truncated_hash& id, interface_id iface) noexcept {
        for (auto& n : neighbours_)
            if (n.id == id && n.iface == iface) return &n;
        return nullptr;
    }

    /// Seals a message whose sections were already charged (a summary or an answer): only the
    /// envelope is charged, to tier 1.
    bool send_answer(context& ctx, interface_id iface, std::span<const std::uint8_t> message, timestamp now) noexcept {
        if (ctx.outbox_full()) return false;
        if (!budget_of(ctx, iface, now).try_spend(gossip::tier::routing, gossip::gossip_packet_bytes(0), now))
            return false;
        packet_slot slot;
        auto n = gossip::seal_envelope(ctx.self, dest_, session_, ++counter_, message, slot.bytes);
        if (!n) return false;
        slot.size = *n;
        slot.iface = iface;
        ++ctx.stats.gossip_sent;
        ctx.stats.gossip_bytes_sent += *n;
        return static_cast<bool>(ctx.queue(slot));
    }

    void run_round(context& ctx, interface_id iface, timestamp now) noexcept {
        iface_gossip& st = ifaces_[iface];
        st.next_round = now + ctx.config.timers.gossip_interval;
        const std::size_t space = room(ctx, iface, gossip::tier::routing, now);
        if (space < gossip::message_header_bytes + gossip::summary_section_overhead + 1 || ctx.outbox_full()) return;
        std::array<std::uint8_t, gossip::max_envelope_message> msg{};
        const gossip::round_context rc{now, {}, iface, 0, 0};
        auto rep = mux_.make_summary(rc, std::span<std::uint8_t>(msg.data(), space), *st.budget, session_ ^ ++st.salt);
        if (!rep || rep->bytes == 0) return;
        (void)send_answer(ctx, iface, std::span<const std::uint8_t>(msg.data(), rep->bytes), now);
    }

    void liveness(context& ctx, timestamp now) noexcept {
        const duration round = ctx.config.timers.gossip_interval;
        for (std::size_t i = 0; i < neighbours_.size();) {
            neighbour_info& n = neighbours_[i];
            const routing::next_hop hop{n.iface, n.id};
            if (now >= n.last_heard + round * static_cast<std::int64_t>(ctx.config.timers.evict_rounds)) {
                const timestamp heard = n.last_heard;
                (void)neighbours_.erase(i);
                node_signal s{signal_kind::neighbour_gone};
                s.hop = hop;
                s.iface = hop.iface;
                s.at = now;
                s.since = heard;
                ctx.signal(s);
                continue;
            }
            if (!n.down && now >= n.last_heard + round * static_cast<std::int64_t>(ctx.config.timers.down_rounds)) {
                n.down = true;
                ++ctx.stats.neighbours_down;
                node_signal s{signal_kind::neighbour_down};
                s.hop = hop;
                s.iface = hop.iface;
                s.at = now;
                s.since = n.last_heard;
                ctx.signal(s);
            }
            ++i;
        }
    }

    gossip::round_multiplexer<C.gossip_kinds> mux_{};
    std::array<iface_gossip, C.interfaces> ifaces_{};
    static_vector<neighbour_info, C.neighbours> neighbours_{};
    std::uint32_t session_ = 0, counter_ = 0;
    truncated_hash dest_{};
};

}  // namespace nexus
