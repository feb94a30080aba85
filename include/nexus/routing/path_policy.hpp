// Path policies and greedy next-hop choice (../shared/spec/protocol.md "Routing"). Every hop picks
// the candidate minimising
//
//   score = a * norm_ring_distance + b * norm_cost + c * norm_latency + d * unreliability
//
// where, over the candidate set, norm_x = x / max(x) (0 when the max is 0) with DECODED values:
// ring distance from the candidate's neighbour to the destination (ring.hpp; 0 when the neighbour
// is the destination's own node, a path of one hop), cost = wire::decode_cost(code) =
// round(2^(code / 16)) - 1 uNXS per byte, latency = (worst_latency_ms + 1) x hop_count
// (path_latency: CompactPathCost carries the worst hop, not the sum; this bounds the sum, counts
// every hop at least 1 ms, and so grows along a path -- shorter paths win when the rest is equal).
// The reliability term (the spec leaves it open) is absolute, not set-normalised, because
// reliability already is a probability on a fixed scale: unreliability = 1 - r_eff / 255, with
// r_eff = reliability, or 128 (a coin flip) while reliability is 0 ("unknown").
//
//   policy        a (ring)  b (cost)  c (latency)  d (reliability)
//   cheapest      0.1       0.8       0.1          0
//   fastest       0.1       0.1       0.8          0
//   balanced      0.1       0.3       0.3          0.3     (default; balanced(...) sets b, c, d)
//   most_reliable lexicographic: highest r_eff, then lowest cost code, lowest latency, smallest
//                 ring distance, fewest hops (no weights; an integer comparison)
//
// Fixed point, no floating point anywhere: weights and normalised terms are Q0.16 integers
// (1.0 = 65535), the score is their u64 dot product. Compared with the same formula in exact
// arithmetic, a score is off by at most (0.5 * sum(w) + 0.5 * 4) / 65535 + 2^-30, so for weights
// summing to at most 1 two candidates whose exact scores differ by more than score_epsilon
// (1e-4) are always ordered as exact arithmetic orders them. Equal fixed-point scores fall back
// to lower cost code, lower latency, smaller (exact, 128-bit) ring distance, fewer hops, then the
// earlier candidate -- so distances below one Q16 step of the set's largest still steer greedily.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/result.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/routing/ring.hpp"
#include "nexus/wire/path_cost.hpp"

namespace nexus::routing {

enum class policy_kind : std::uint8_t { weighted, most_reliable };

/// Q0.16 of a constant fraction (compile time only: no floating point reaches the target).
consteval std::uint16_t q16(double fraction) { return static_cast<std::uint16_t>(fraction * 65535.0 + 0.5); }

/// The weights of the named policies (named constants: clang 14 rejects consteval calls in
/// default arguments).
inline constexpr std::uint16_t weight_0_1 = q16(0.1);  // 6554
inline constexpr std::uint16_t weight_0_3 = q16(0.3);  // 19661
inline constexpr std::uint16_t weight_0_8 = q16(0.8);  // 52428

/// What the spec calls PathPolicy. Weights are Q0.16 (1.0 = 65535).
struct path_policy {
    policy_kind kind = policy_kind::weighted;
    std::uint16_t w_ring = 0;
    std::uint16_t w_cost = 0;
    std::uint16_t w_latency = 0;
    std::uint16_t w_reliability = 0;

    static constexpr path_policy cheapest() noexcept {
        return {policy_kind::weighted, weight_0_1, weight_0_8, weight_0_1, 0};
    }
    static constexpr path_policy fastest() noexcept {
        return {policy_kind::weighted, weight_0_1, weight_0_1, weight_0_8, 0};
    }
    static constexpr path_policy most_reliable() noexcept { return {policy_kind::most_reliable, 0, 0, 0, 0}; }
    /// Balanced(cost, latency, reliability) of the spec, plus the ring term every policy has.
    static constexpr path_policy balanced(std::uint16_t cost = weight_0_3, std::uint16_t latency = weight_0_3,
                                          std::uint16_t reliability = weight_0_3,
                                          std::uint16_t ring = weight_0_1) noexcept {
        return {policy_kind::weighted, ring, cost, latency, reliability};
    }

    friend constexpr bool operator==(const path_policy&, const path_policy&) noexcept = default;
};

/// The documented ordering tolerance of weighted scores (see the header comment).
inline constexpr double score_epsilon = 1e-4;

/// reliability u8 as used in scoring: 0 ("unknown") counts as 128.
inline constexpr std::uint8_t unknown_reliability_prior = 128;
constexpr std::uint32_t effective_reliability(std::uint8_t r) noexcept {
    return r == 0 ? unknown_reliability_prior : r;
}

/// The latency a path is scored by (header comment): (worst_latency_ms + 1) x max(1, hop_count).
constexpr std::uint32_t path_latency(const wire::compact_path_cost& c) noexcept {
    return (std::uint32_t{c.worst_latency_ms} + 1) * (c.hop_count > 1 ? c.hop_count : 1u);
}

/// The ring distance a path is scored by: from its next hop to the destination, or 0 when the next
/// hop is the destination's own node (a path of one hop).
constexpr u128 path_ring_distance(const truncated_hash& next_hop, const truncated_hash& destination,
                                  const wire::compact_path_cost& c) noexcept {
    return c.hop_count <= 1 ? u128{} : ring_distance(next_hop, destination);
}

/// A neighbour offering a path to a destination.
struct route_candidate {
    truncated_hash neighbour{};      ///< the neighbour's address (its point on the ring)
    wire::compact_path_cost cost{};  ///< the path summary it advertised
    std::uint8_t reliability = 0;    ///< 0 unknown .. 255 perfect
};

/// What scoring reads of one candidate; address == nullptr means "skip this one". A candidate
/// that is not `selectable` (a failed or withdrawn path still held) is never chosen but still
/// counts in the set maxima of the weighted policies, so that a path failing does not rescale
/// the others (docs/routing.md "Stable normalisation").
struct path_view {
    const truncated_hash* address = nullptr;
    wire::compact_path_cost cost{};
    std::uint8_t reliability = 0;
    bool selectable = true;
};

namespace policy_detail {

struct tie_key {
    std::uint16_t cost;
    std::uint32_t latency;
    u128 distance;
    std::uint8_t hops;
};
constexpr bool tie_less(const tie_key& a, const tie_key& b) noexcept {
    if (a.cost != b.cost) return a.cost < b.cost;
    if (a.latency != b.latency) return a.latency < b.latency;
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.hops < b.hops;
}

}  // namespace policy_detail

/// The score of one candidate given the set maxima (lower is better); exposed for tests and tools.
constexpr std::uint64_t weighted_score(const path_policy& p, const u128& distance, std::uint64_t cost,
                                       std::uint32_t latency, std::uint8_t reliability,
                                       const u128& max_distance, std::uint64_t max_cost,
                                       std::uint32_t max_latency) noexcept {
    // 1 - r / 255 in Q0.16 is exactly (255 - r) * 257, since 65535 = 255 * 257.
    const std::uint64_t unrel = (255u - effective_reliability(reliability)) * 257u;
    return std::uint64_t{p.w_ring} * norm_q16(distance, max_distance) +
           std::uint64_t{p.w_cost} * norm_q16(cost, max_cost) +
           std::uint64_t{p.w_latency} * norm_q16(latency, max_latency) +
           std::uint64_t{p.w_reliability} * unrel;
}

/// Index of the best of n candidates (view(i) -> path_view) towards `destination`, or n when none
/// is eligible. Two passes: the set maxima, then the scores. No allocation, no floating point.
template <class View>
constexpr std::size_t select_best(std::size_t n, View&& view, const truncated_hash& destination,
                                  const path_policy& policy) noexcept {
    using policy_detail::tie_key;
    using policy_detail::tie_less;
    std::size_t best = n;
    std::size_t eligible = 0;
    u128 max_d{};
    std::uint64_t max_c = 0;
    std::uint32_t max_l = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const path_view v = view(i);
        if (v.address == nullptr) continue;
        if (v.selectable) {
            ++eligible;
            best = i;
        }
        if (policy.kind == policy_kind::weighted) {
            const u128 d = path_ring_distance(*v.address, destination, v.cost);
            if (d > max_d) max_d = d;
            const std::uint64_t c = wire::decode_cost(v.cost.cumulative_cost);
            if (c > max_c) max_c = c;
            if (path_latency(v.cost) > max_l) max_l = path_latency(v.cost);
        }
    }
    if (eligible <= 1) return best;

    best = n;
    if (policy.kind == policy_kind::most_reliable) {
        std::uint32_t best_r = 0;
        tie_key best_k{};
        for (std::size_t i = 0; i < n; ++i) {
            const path_view v = view(i);
            if (v.address == nullptr || !v.selectable) continue;
            const std::uint32_t r = effective_reliability(v.reliability);
            const tie_key k{v.cost.cumulative_cost, path_latency(v.cost),
                            path_ring_distance(*v.address, destination, v.cost), v.cost.hop_count};
            if (best == n || r > best_r || (r == best_r && tie_less(k, best_k))) {
                best = i;
                best_r = r;
                best_k = k;
            }
        }
        return best;
    }

    std::uint64_t best_s = 0;
    tie_key best_k{};
    for (std::size_t i = 0; i < n; ++i) {
        const path_view v = view(i);
        if (v.address == nullptr || !v.selectable) continue;
        const u128 d = path_ring_distance(*v.address, destination, v.cost);
        const std::uint64_t s = weighted_score(policy, d, wire::decode_cost(v.cost.cumulative_cost),
                                               path_latency(v.cost), v.reliability, max_d, max_c, max_l);
        const tie_key k{v.cost.cumulative_cost, path_latency(v.cost), d, v.cost.hop_count};
        if (best == n || s < best_s || (s == best_s && tie_less(k, best_k))) {
            best = i;
            best_s = s;
            best_k = k;
        }
    }
    return best;
}

/// Greedy forwarding: the neighbour to hand a packet for `destination` to, as an index into
/// `candidates`; not_found when the set is empty.
constexpr result<std::size_t> choose_next_hop(std::span<const route_candidate> candidates,
                                              const truncated_hash& destination,
                                              const path_policy& policy) noexcept {
    const std::size_t i = select_best(
        candidates.size(),
        [&](std::size_t k) {
            const route_candidate& c = candidates[k];
            return path_view{&c.neighbour, c.cost, c.reliability};
        },
        destination, policy);
    if (i >= candidates.size()) return fail(error::not_found);
    return i;
}

}  // namespace nexus::routing
