// The gossip bandwidth budget of one link (spec "Gossip"): all gossip ≤ 10 % of the link's
// bandwidth, split in four tiers — 1 routing ≤ 3 %, 2 payments/settlements ≤ 3 %,
// 3 capabilities/DHT/pub-sub ≤ 2 %, 4 trust/names ≤ 2 % — each enforced by its own token bucket
// (1 token = 1 byte, as the spec's congestion-control bucket), and the constrained-link rules
// under 10 kbps: tiers 3–4 pull-only, payment batching 60 s → 5 min, capabilities to direct
// neighbours only. Integer arithmetic only; time is the caller's monotonic ms clock.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "nexus/core/time.hpp"
#include "nexus/gossip/bloom.hpp"

namespace nexus::gossip {

/// Gossip tiers, numbered as in the spec (the value is the wire/tier number).
enum class tier : std::uint8_t {
    routing = 1,   ///< routing state, path costs
    payments = 2,  ///< ledger, payment-channel settlements
    services = 3,  ///< capabilities, DHT metadata, pub/sub notices
    trust = 4,     ///< trust attestations, names
};
inline constexpr std::size_t tier_count = 4;

constexpr bool is_valid_tier(std::uint8_t t) noexcept { return t >= 1 && t <= tier_count; }
constexpr std::size_t tier_index(tier t) noexcept { return static_cast<std::size_t>(t) - 1; }

/// Share of link bandwidth, in per mille (spec: 3 %, 3 %, 2 %, 2 %).
constexpr std::uint32_t tier_share_permille(tier t) noexcept {
    switch (t) {
        case tier::routing:
        case tier::payments:
            return 30;
        case tier::services:
        case tier::trust:
            return 20;
    }
    return 0;
}
/// All gossip together: ≤ 10 %.
inline constexpr std::uint32_t total_share_permille = 100;
static_assert(tier_share_permille(tier::routing) + tier_share_permille(tier::payments) +
                      tier_share_permille(tier::services) + tier_share_permille(tier::trust) ==
                  total_share_permille,
              "tier shares must add up to the 10 % total");

/// Links slower than this are "constrained" (spec: under 10 kbps).
inline constexpr std::uint32_t constrained_link_bps = 10'000;
/// Gossip round period with each neighbour (spec: 60 s).
inline constexpr duration round_interval = duration::seconds(60);

/// Whether bytes are volunteered (push) or answer the peer's explicit request (pull).
enum class direction : std::uint8_t { push, pull };

/// Per-tier accounting, for reports.
struct tier_stats {
    std::uint64_t bytes_sent = 0;    ///< bytes accepted by try_spend
    std::uint32_t messages = 0;      ///< successful try_spend calls
    std::uint32_t refused = 0;       ///< refused for lack of tokens
    std::uint32_t refused_push = 0;  ///< refused because the tier is pull-only on this link
};

/// Four token buckets over one link. Bucket capacity = share × bandwidth × window / 8 bytes
/// (window defaults to the 60 s round interval; at most 600 s), refill = share × bandwidth / 8
/// bytes per second. A new budget starts full. Over any interval of T ms a tier therefore spends
/// at most capacity + share × bandwidth × T / 8000 bytes, and on average its share.
class budget {
public:
    static constexpr std::int64_t max_window_ms = 600'000;

    budget(std::uint32_t bandwidth_bps, timestamp now, duration window = round_interval) noexcept
        : bps_(bandwidth_bps),
          window_ms_(static_cast<std::uint64_t>(std::clamp<std::int64_t>(window.count_ms(), 1, max_window_ms))),
          last_(now) {
        for (std::size_t i = 0; i < tier_count; ++i) units_[i] = capacity_units(i);
    }

    std::uint32_t bandwidth_bps() const noexcept { return bps_; }
    duration window() const noexcept { return duration::milliseconds(static_cast<std::int64_t>(window_ms_)); }

    /// Under 10 kbps: the spec's constrained-link adaptation applies.
    bool constrained() const noexcept { return bps_ < constrained_link_bps; }
    /// Tiers 3–4 accept only pulls on a constrained link.
    bool pull_only(tier t) const noexcept { return constrained() && (t == tier::services || t == tier::trust); }
    /// Payment batching interval: 60 s, or 5 min on a constrained link.
    duration payment_batch_interval() const noexcept {
        return constrained() ? duration::minutes(5) : duration::seconds(60);
    }
    /// Capabilities are advertised to direct neighbours only (not relayed) on a constrained link.
    bool capabilities_direct_only() const noexcept { return constrained(); }
    /// The largest bloom filter to send on this link (256 bytes when constrained).
    std::size_t max_filter_bytes() const noexcept;

    /// Bytes a tier may send now.
    std::uint64_t available(tier t, timestamp now) noexcept {
        refill(now);
        return units_[tier_index(t)] / units_per_byte;
    }
    /// Bucket size of a tier in bytes (the most it can ever send at once).
    std::uint64_t capacity(tier t) const noexcept { return capacity_units(tier_index(t)) / units_per_byte; }
    /// Refill rate of a tier, in milli-bytes per second (share × bandwidth / 8 × 1000).
    std::uint64_t refill_millibytes_per_s(tier t) const noexcept {
        return std::uint64_t{tier_share_permille(t)} * bps_ / 8;
    }

    /// Takes `bytes` tokens from the tier if it has them (and, for a push, if the tier is not
    /// pull-only); false leaves the bucket unchanged and counts the refusal.
    bool try_spend(tier t, std::size_t bytes, timestamp now, direction d = direction::push) noexcept {
        const std::size_t i = tier_index(t);
        if (d == direction::push && pull_only(t)) {
            ++stats_[i].refused_push;
            return false;
        }
        refill(now);
        const std::uint64_t cap_bytes = capacity_units(i) / units_per_byte;
        if (bytes > cap_bytes || std::uint64_t{bytes} * units_per_byte > units_[i]) {
            ++stats_[i].refused;
            return false;
        }
        units_[i] -= std::uint64_t{bytes} * units_per_byte;
        stats_[i].bytes_sent += bytes;
        ++stats_[i].messages;
        return true;
    }

    /// A new measured or nominal bandwidth: tokens earned so far are kept (clamped to the new
    /// capacity), refill continues at the new rate.
    void set_bandwidth(std::uint32_t bandwidth_bps, timestamp now) noexcept {
        refill(now);
        bps_ = bandwidth_bps;
        for (std::size_t i = 0; i < tier_count; ++i) units_[i] = std::min(units_[i], capacity_units(i));
    }

    const tier_stats& stats(tier t) const noexcept { return stats_[tier_index(t)]; }
    std::uint64_t total_bytes_sent() const noexcept {
        std::uint64_t n = 0;
        for (const auto& s : stats_) n += s.bytes_sent;
        return n;
    }

private:
    // One unit = 1/8,000,000 byte: a tier earns exactly share‰ × bps units per millisecond
    // (share‰/1000 × bps/8 bytes/s ÷ 1000 ms/s). Bounds: 30 × 2^32 × 600,000 < 2^64.
    static constexpr std::uint64_t units_per_byte = 8'000'000;

    std::uint64_t rate_units_per_ms(std::size_t i) const noexcept {
        return std::uint64_t{tier_share_permille(static_cast<tier>(i + 1))} * bps_;
    }
    std::uint64_t capacity_units(std::size_t i) const noexcept { return rate_units_per_ms(i) * window_ms_; }

    void refill(timestamp now) noexcept {
        if (now <= last_) return;  // a clock that does not advance earns nothing
        const std::uint64_t dt = std::min<std::uint64_t>(now.ms() - last_.ms(), window_ms_);
        for (std::size_t i = 0; i < tier_count; ++i)
            units_[i] = std::min(units_[i] + rate_units_per_ms(i) * dt, capacity_units(i));
        last_ = now;
    }

    std::uint32_t bps_;
    std::uint64_t window_ms_;
    timestamp last_;
    std::array<std::uint64_t, tier_count> units_{};
    std::array<tier_stats, tier_count> stats_{};
};

inline std::size_t budget::max_filter_bytes() const noexcept {
    return constrained() ? bloom_constrained_max_bytes : bloom_max_bytes;
}

}  // namespace nexus::gossip
