// Per-destination announce rate control (../shared/spec/reticulum-framing.md "Announce rate control and
// ingress control"; docs/routing.md "Announce rate and ingress control"): decides whether an announce
// the path table accepted may also be rebroadcast. Only the rebroadcast is blocked; the path table
// still updates. Announces with context PATH_RESPONSE are never rate controlled.
//
// Per destination: last = time of the last accepted announce, violations, blocked_until.
//   first announce            accepted; last = now, violations = 0
//   now <= blocked_until      blocked, nothing changes
//   otherwise                 now - last < target: violations + 1, else violations - 1 (not below 0);
//                             violations > grace: blocked_until = last + target + penalty, blocked
//                             (last keeps the time of the last accepted announce); else accepted,
//                             last = now
// So a destination may announce grace + 1 times faster than the target before it is blocked, and
// once blocked it gets one rebroadcast per target interval (+ penalty).
//
// Fixed capacity: Capacity destinations; a new one meeting a full table evicts the least recently
// seen. An evicted destination starts clean. That is safe enough because eviction never amplifies:
// to evict a destination an attacker must make this node accept announces of Capacity other
// destinations after its last one, and all that buys is grace + 1 rebroadcasts of it, fewer than
// the announces spent (and the announces of unknown destinations pass ingress control first).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nexus/core/lru_cache.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::routing {

/// Reticulum's interface settings announce_rate_target / _grace / _penalty, defaults as used by a
/// transport node (DEFAULT_AR_TARGET, DEFAULT_AR_GRACE, DEFAULT_AR_PENALTY).
struct announce_rate_config {
    duration target = duration::seconds(3600);  ///< announces sooner than this after the last are violations
    std::uint8_t grace = 5;                     ///< violations tolerated before blocking
    duration penalty = duration::seconds(0);    ///< added to the block
};

/// What the table holds for one destination.
struct announce_rate_entry {
    timestamp last{};  ///< the last accepted (rebroadcast) announce
    std::uint8_t violations = 0;
    bool blocked = false;       ///< blocked_until is meaningful
    timestamp blocked_until{};  ///< blocked while now <= blocked_until
};

struct announce_rate_stats {
    std::uint64_t allowed = 0;
    std::uint64_t blocked = 0;
    std::uint64_t evicted = 0;  ///< destinations forgotten to make room
};

template <std::size_t Capacity>
class announce_rate {
    static_assert(Capacity > 0, "announce_rate needs room for one destination");

public:
    constexpr explicit announce_rate(announce_rate_config config = {}) noexcept : config_(config) {}

    /// Records an announce of `destination` accepted by the path table at `now` and says whether it
    /// may be rebroadcast, under this table's configuration.
    bool allow_rebroadcast(const truncated_hash& destination, timestamp now) noexcept {
        return allow_rebroadcast(destination, now, config_);
    }

    /// The same with the receiving interface's own settings (Reticulum configures them per
    /// interface while the table is per destination).
    bool allow_rebroadcast(const truncated_hash& destination, timestamp now,
                           const announce_rate_config& config) noexcept {
        announce_rate_entry* e = entries_.get(destination);
        if (e == nullptr) {
            if (entries_.put(destination, announce_rate_entry{now, 0, false, timestamp{}})) ++stats_.evicted;
            ++stats_.allowed;
            return true;
        }
        if (e->blocked && now <= e->blocked_until) {
            ++stats_.blocked;
            return false;
        }
        if (now - e->last < config.target) {
            if (e->violations < 0xFF) ++e->violations;
        } else if (e->violations > 0) {
            --e->violations;
        }
        if (e->violations > config.grace) {
            e->blocked = true;
            e->blocked_until = e->last + config.target + config.penalty;
            ++stats_.blocked;
            return false;
        }
        e->last = now;
        ++stats_.allowed;
        return true;
    }

    /// As allow_rebroadcast, but an announce with context PATH_RESPONSE is always allowed and not
    /// recorded (the reference implementation skips rate control for it).
    bool allow_rebroadcast(const truncated_hash& destination, std::uint8_t context, timestamp now) noexcept {
        if (context == wire::context::path_response) return true;
        return allow_rebroadcast(destination, now);
    }

    /// The stored state of a destination, without touching its recency.
    const announce_rate_entry* find(const truncated_hash& destination) const noexcept {
        return entries_.peek(destination);
    }
    /// Whether a rebroadcast of `destination` at `now` would be refused outright (blocked_until not
    /// yet passed); a further violation may still block it.
    bool is_blocked(const truncated_hash& destination, timestamp now) const noexcept {
        const announce_rate_entry* e = entries_.peek(destination);
        return e != nullptr && e->blocked && now <= e->blocked_until;
    }
    /// Forgets a destination (e.g. when its path is dropped).
    void forget(const truncated_hash& destination) noexcept { (void)entries_.erase(destination); }

    std::size_t size() const noexcept { return entries_.size(); }
    static constexpr std::size_t capacity() noexcept { return Capacity; }
    const announce_rate_config& config() const noexcept { return config_; }
    const announce_rate_stats& stats() const noexcept { return stats_; }

private:
    announce_rate_config config_;
    lru_cache<truncated_hash, announce_rate_entry, Capacity> entries_;
    announce_rate_stats stats_;
};

}  // namespace nexus::routing
