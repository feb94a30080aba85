// Offers that came before their announce (docs/routing.md "In the node"; node/routing.hpp "Early
// offers"): a gossip neighbour may push its offer of a destination before this node accepted the
// announce the offer builds on (ingress control may be holding it, or it is still on its way). The
// routing agent keeps such an offer here and merges it when the announce is learned, instead of
// losing it until the next round's delta.
//
// A fixed table of N slots: a newer offer from the same neighbour for the same destination replaces
// the older one, otherwise the slot whose offer expires first (a free slot first) is overwritten.
// An offer lives `lifetime` (5 minutes: ingress control releases a burst's held announces one every
// 5 s). A neighbour flooding offers for destinations that never announce only pushes out other early
// offers; nothing here is ever merged without its verified announce.
#pragma once

#include <array>
#include <cstddef>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/time.hpp"
#include "nexus/routing/advert.hpp"
#include "nexus/routing/routing_table.hpp"

namespace nexus {

template <std::size_t N>
class early_offers {
    static_assert(N >= 1, "early_offers needs a slot");

public:
    static constexpr duration lifetime = duration::minutes(5);

    /// Keeps an offer that came before its announce.
    void keep(const routing::advert& a, const routing::next_hop& hop, timestamp now) noexcept {
        entry* slot = &slots_[0];
        for (auto& e : slots_) {
            if (e.until > now && compare_bytes(e.advert.destination, a.destination) == 0 && e.hop == hop) {
                slot = &e;
                break;
            }
            if (e.until < slot->until) slot = &e;
        }
        *slot = entry{a, hop, now + lifetime};
    }

    /// Hands every live offer for `destination` to f(advert, hop) and forgets it (f may keep it
    /// again: a slot is freed before f runs).
    template <class F>
    void take(const truncated_hash& destination, timestamp now, F&& f) noexcept {
        for (auto& e : slots_) {
            if (e.until <= now || compare_bytes(e.advert.destination, destination) != 0) continue;
            const entry o = e;
            e.until = timestamp{};
            f(o.advert, o.hop);
        }
    }

private:
    struct entry {
        routing::advert advert{};
        routing::next_hop hop{};
        timestamp until{};  ///< dropped from then on (default: a free slot)
    };
    std::array<entry, N> slots_{};
};

}  // namespace nexus
