// Ingress control for announces (../shared/spec/reticulum-framing.md "Announce rate control and ingress
// control"; docs/routing.md "Announce rate and ingress control"): when announces arrive faster than a
// burst threshold, announces of destinations we do not know (and have no pending path request for)
// are held instead of processed, and released later one at a time, fewest hops first.
//
// Reticulum meters each interface. nexus meters each interface AND each neighbour (the transport id
// of a relayed announce, the origin's identity hash of a direct one), with the same state machine:
//   - arrivals: the last 48 arrival times within the last 10 s; frequency = n / (now - oldest) when
//     n > 2 (else 0), i.e. Reticulum's 48-sample deque with its 10 s decay applied exactly (see
//     arrival_meter);
//   - burst: starts when the frequency exceeds the threshold (3 Hz while the interface, or the
//     neighbour, is younger than 2 h; 10 Hz after); ends at the first evaluation at least 15 s after
//     it started with the frequency below the threshold (that evaluation still holds, as Reticulum's);
//   - an announce is held when its neighbour or its interface is in a burst. An announce from a
//     neighbour in a burst is counted against that neighbour only, so one flooding neighbour does
//     not push a busy interface into a burst that would hold everyone else's announces; many fresh
//     identities (each a new neighbour) still add up on the interface;
//   - release, per interface: no earlier than 15 s after its burst started (the penalty), then one
//     held announce every 5 s while the interface's frequency is below its threshold, the one with
//     the fewest hops (ties: held first); an announce held because of its neighbour waits at least
//     15 s after that neighbour's burst started;
//   - store: Held announces of up to HeldBytes bytes, shared by all interfaces, one per destination
//     (a copy with no more hops replaces it); when full, the entry with the most hops (ties: the
//     latest held) makes room for one with fewer hops, else the newcomer is dropped. Announces with
//     127 or more hops are not held (Reticulum's hold_announce).
// Sources (neighbours) live in an LRU table of Sources entries; an evicted neighbour comes back as
// new, i.e. with the stricter young threshold.
//
// Use (sans-I/O): for every announce whose signature verified, on_announce(); when it says hold,
// hold() copies the packet and the caller stops processing it. Call release(now, ...) at
// next_deadline() and whenever convenient; every packet it returns is processed as an admitted
// announce (not passed to on_announce again).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/lru_cache.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::routing {

/// Samples per meter: Reticulum's IA_FREQ_SAMPLES.
inline constexpr std::size_t ingress_samples = 48;

/// Settings; the defaults are Reticulum's (Interface.IC_*, AR_FREQ_DECAY). Frequencies are in
/// millihertz (integers, no floating point); a threshold of 0 counts as 1 mHz.
struct ingress_config {
    std::uint32_t burst_mhz_new = 3'000;            ///< interface younger than new_time (IC_BURST_FREQ_NEW)
    std::uint32_t burst_mhz = 10'000;               ///< older interface (IC_BURST_FREQ)
    std::uint32_t neighbour_burst_mhz_new = 3'000;  ///< neighbour first seen less than new_time ago
    std::uint32_t neighbour_burst_mhz = 10'000;
    duration new_time = duration::hours(2);            ///< IC_NEW_TIME
    duration hold = duration::seconds(15);             ///< shortest burst (IC_BURST_HOLD)
    duration penalty = duration::seconds(15);          ///< burst start to first release (IC_BURST_PENALTY)
    duration release_interval = duration::seconds(5);  ///< between releases (IC_HELD_RELEASE_INTERVAL)
    duration window = duration::seconds(10);           ///< older samples drop out (AR_FREQ_DECAY); <= 1 day
    bool per_neighbour = true;                         ///< meter neighbours as well as interfaces
};

/// Arrival times for a frequency estimate: the last Samples arrivals no older than the window.
/// Frequency at t = n / (t - oldest) for n > 2 samples, else 0 (Reticulum's
/// incoming_announce_frequency). Reticulum drops at most one sample older than the window per
/// measurement, so its estimate depends on how often it is measured; here every sample older than
/// the window is out at once, so the estimate depends on the arrival times alone. Times are kept
/// as the low 32 bits of the millisecond clock: add() drops whatever is older than the window, so
/// any sample is at most two windows older than the newest.
template <std::size_t Samples = ingress_samples>
class arrival_meter {
    static_assert(Samples >= 3 && Samples <= 255, "a meter needs 3..255 samples");

public:
    /// What the meter sees at a time: samples in the window and the age of the oldest.
    struct view {
        std::size_t n = 0;
        std::uint64_t span_ms = 0;
    };

    void add(timestamp now, duration window) noexcept {
        if (count_ > 0 && now - newest_ > window) count_ = 0;
        const std::size_t skip = stale(now, window);
        head_ = static_cast<std::uint8_t>((head_ + skip) % Samples);
        count_ = static_cast<std::uint8_t>(count_ - skip);
        if (count_ == Samples) {
            head_ = static_cast<std::uint8_t>((head_ + 1) % Samples);
            --count_;
        }
        times_[(head_ + count_) % Samples] = low32(now);
        ++count_;
        if (now > newest_) newest_ = now;
    }

    view at(timestamp t, duration window) const noexcept {
        if (count_ == 0 || t - newest_ > window) return {};
        const std::size_t skip = stale(t, window);
        if (skip == count_) return {};
        return {static_cast<std::size_t>(count_ - skip), age(t, times_[(head_ + skip) % Samples])};
    }

    /// Frequency above `mhz` at t.
    bool above(timestamp t, std::uint32_t mhz, duration window) const noexcept {
        const view v = at(t, window);
        if (v.n <= 2 || v.span_ms == 0) return false;
        return v.n * 1'000'000u > std::uint64_t{nonzero(mhz)} * v.span_ms;
    }
    /// Frequency below `mhz` at t (a frequency of 0 is below any threshold).
    bool below(timestamp t, std::uint32_t mhz, duration window) const noexcept {
        const view v = at(t, window);
        if (v.n <= 2 || v.span_ms == 0) return true;
        return v.n * 1'000'000u < std::uint64_t{nonzero(mhz)} * v.span_ms;
    }

    /// The first t >= from at which the frequency is below the threshold, with no new arrival; the
    /// threshold is young_mhz before old_at and old_mhz from then on. Between two samples leaving
    /// the window the frequency only falls, so each such stretch is solved in closed form.
    timestamp first_below(timestamp from, std::uint32_t young_mhz, std::uint32_t old_mhz, timestamp old_at,
                          duration window) const noexcept {
        timestamp t = from;
        for (std::size_t step = 0; step < Samples + 3; ++step) {
            const view v = at(t, window);
            if (v.n <= 2 || v.span_ms == 0) return t;
            const std::uint64_t mhz = nonzero(t < old_at ? young_mhz : old_mhz);
            if (v.n * 1'000'000u < mhz * v.span_ms) return t;
            const std::uint64_t window_ms = static_cast<std::uint64_t>(window.count_ms());
            timestamp end = t + duration::milliseconds(static_cast<std::int64_t>(window_ms - v.span_ms + 1));
            if (t < old_at && old_at < end) end = old_at;
            const std::uint64_t need = v.n * 1'000'000u / mhz + 1;  // smallest span that is below
            const timestamp hit = t + duration::milliseconds(static_cast<std::int64_t>(need - v.span_ms));
            if (hit < end) return hit;
            t = end;
        }
        return timestamp::max();  // not reached: every step ends with a sample leaving or the switch
    }

    std::size_t stored() const noexcept { return count_; }

private:
    static std::uint32_t low32(timestamp t) noexcept { return static_cast<std::uint32_t>(t.ms()); }
    static std::uint64_t age(timestamp t, std::uint32_t sample) noexcept {
        return static_cast<std::uint32_t>(low32(t) - sample);
    }
    static std::uint32_t nonzero(std::uint32_t mhz) noexcept { return mhz == 0 ? 1 : mhz; }
    // Samples at the head older than the window at t (a sample "after" t counts as stale too).
    std::size_t stale(timestamp t, duration window) const noexcept {
        const auto window_ms = static_cast<std::uint64_t>(window.count_ms());
        std::size_t k = 0;
        while (k < count_ && age(t, times_[(head_ + k) % Samples]) > window_ms) ++k;
        return k;
    }

    std::array<std::uint32_t, Samples> times_{};
    std::uint8_t head_ = 0;
    std::uint8_t count_ = 0;
    timestamp newest_{};
};

/// One meter's burst state machine (Interface.should_ingress_limit).
struct burst_state {
    bool active = false;
    timestamp activated{};

    /// Evaluates at `now` and says whether announces are limited; `on_start` runs when a burst starts.
    template <std::size_t Samples, class OnStart>
    bool limited(const arrival_meter<Samples>& m, timestamp now, std::uint32_t mhz, const ingress_config& c,
                 OnStart&& on_start) noexcept {
        if (active) {
            if (now - activated > c.hold && m.below(now, mhz, c.window)) active = false;
            return true;  // the evaluation that ends a burst still limits, as Reticulum's
        }
        if (m.above(now, mhz, c.window)) {
            active = true;
            activated = now;
            on_start();
            return true;
        }
        return false;
    }
};

/// Where an announce came from.
struct announce_arrival {
    std::uint8_t iface = 0;
    timestamp iface_created{};   ///< when the interface came up (its age picks the threshold)
    truncated_hash neighbour{};  ///< transport id (relayed) or the origin's identity hash (direct)
    /// The destination is unknown and no path request for it is pending: the announce may be held.
    bool controlled = true;
};

enum class ingress_verdict : std::uint8_t { admit, hold };

struct ingress_stats {
    std::uint64_t admitted = 0;         ///< on_announce said admit
    std::uint64_t limited = 0;          ///< on_announce said hold
    std::uint64_t held = 0;             ///< packets stored by hold (including replacements)
    std::uint64_t dropped = 0;          ///< refused by hold, or pushed out / superseded in the store
    std::uint64_t released = 0;         ///< packets handed back by release
    std::uint64_t sources_evicted = 0;  ///< neighbours forgotten to make room
};

template <std::size_t Interfaces, std::size_t Sources, std::size_t Held, std::size_t HeldBytes = wire::mtu>
class announce_ingress {
    static_assert(Interfaces > 0 && Interfaces <= 256, "interfaces are numbered by a byte");
    static_assert(Sources > 0 && Held > 0 && Held <= 0xFFFF, "room for one source and one held announce");
    static_assert(HeldBytes >= wire::header_1_size && HeldBytes <= 0xFFFF, "a held announce is a packet");

public:
    using meter = arrival_meter<ingress_samples>;
    using verdict = ingress_verdict;

    constexpr explicit announce_ingress(ingress_config config = {}) noexcept : config_(config) {}

    /// Counts an announce (signature verified) and says whether to process it now or hold it.
    /// out_of_range for an interface number >= Interfaces.
    result<verdict> on_announce(const announce_arrival& a, timestamp now) noexcept {
        if (a.iface >= Interfaces) return fail(error::out_of_range);
        seen(now);
        iface_state& ifs = touch_iface(a);
        bool neighbour_limited = false;
        if (config_.per_neighbour) {
            source_state& s = touch_source(a.neighbour, now);
            s.arrivals.add(now, config_.window);
            neighbour_limited = s.burst.limited(s.arrivals, now, source_mhz(s, now), config_,
                                                [&] { s.release_at = now + config_.penalty; });
        }
        if (!neighbour_limited) ifs.arrivals.add(now, config_.window);
        const bool iface_limited = ifs.burst.limited(ifs.arrivals, now, iface_mhz(ifs, now), config_,
                                                     [&] { ifs.release_at = now + config_.penalty; });
        if (a.controlled && (neighbour_limited || iface_limited)) {
            ++stats_.limited;
            return verdict::hold;
        }
        ++stats_.admitted;
        return verdict::admit;
    }

    /// Copies an announce on_announce said to hold. `hops` is the hop count the caller uses for it.
    /// out_of_range for a bad interface number or hops >= 127 (not held); invalid_length for a
    /// packet above HeldBytes; decode_packet's errors; invalid_argument for a non-announce; full
    /// when it was dropped (the store is full of announces with no more hops, or the same
    /// destination is held with fewer hops). The state is unchanged on every error but full.
    result<void> hold(const announce_arrival& a, std::span<const std::uint8_t> raw, std::uint8_t hops,
                      timestamp now) noexcept {
        if (a.iface >= Interfaces || hops >= wire::max_hops - 1) return fail(error::out_of_range);
        if (raw.size() > HeldBytes) return fail(error::invalid_length);
        auto p = wire::decode_packet(raw);
        if (!p) return fail(p.error());
        if (p->header.flags.type != wire::packet_type::announce) return fail(error::invalid_argument);
        seen(now);
        (void)touch_iface(a);
        timestamp not_before{};
        if (config_.per_neighbour) {
            const source_state* s = sources_.peek(a.neighbour);
            if (s != nullptr && s->burst.active) not_before = s->release_at;
        }
        held_entry* slot = nullptr;
        for (auto& e : held_)
            if (e.destination == p->header.destination) slot = &e;
        if (slot != nullptr) {
            if (hops > slot->hops) return drop();
            --held_per_iface_[slot->iface];
            ++stats_.dropped;  // the copy superseded
        } else if (!held_.full()) {
            slot = *held_.emplace_back();
        } else {
            slot = &held_[worst()];
            if (slot->hops <= hops) return drop();
            --held_per_iface_[slot->iface];
            ++stats_.dropped;  // the entry pushed out
        }
        slot->iface = a.iface;
        slot->hops = hops;
        slot->size = static_cast<std::uint16_t>(raw.size());
        slot->destination = p->header.destination;
        slot->not_before = not_before;
        slot->order = next_order_++;
        for (std::size_t i = 0; i < raw.size(); ++i) slot->bytes[i] = raw[i];
        ++held_per_iface_[a.iface];
        ++stats_.held;
        return ok();
    }

    /// Evaluates every interface's burst (Reticulum's 5 s interface job) and hands back one held
    /// announce that is due, copied to `out`, its interface in `iface`; 0 when none is due. Call
    /// again until it returns 0. buffer_too_small (nothing released) when `out` cannot hold it.
    result<std::size_t> release(timestamp now, std::span<std::uint8_t> out, std::uint8_t& iface) noexcept {
        seen(now);
        for (std::size_t i = 0; i < Interfaces; ++i) {
            iface_state& ifs = ifaces_[i];
            if (!ifs.used) continue;
            (void)ifs.burst.limited(ifs.arrivals, now, iface_mhz(ifs, now), config_,
                                    [&] { ifs.release_at = now + config_.penalty; });
        }
        for (std::size_t i = 0; i < Interfaces; ++i) {
            iface_state& ifs = ifaces_[i];
            if (held_per_iface_[i] == 0 || now < ifs.release_at) continue;
            if (!ifs.arrivals.below(now, iface_mhz(ifs, now), config_.window)) continue;
            const std::size_t best = best_due(i, now);
            if (best == none) continue;
            const held_entry& e = held_[best];
            if (out.size() < e.size) return fail(error::buffer_too_small);
            for (std::size_t k = 0; k < e.size; ++k) out[k] = e.bytes[k];
            const std::size_t n = e.size;
            iface = static_cast<std::uint8_t>(i);
            remove(best);
            ifs.release_at = now + config_.release_interval;
            ++stats_.released;
            return n;
        }
        return std::size_t{0};
    }

    /// The first time release() hands something back if no announce arrives meanwhile (exact, not
    /// an estimate; timestamp::max() with nothing held); never earlier than the latest time seen.
    timestamp next_deadline() const noexcept {
        timestamp best = timestamp::max();
        const timestamp floor = latest_;
        for (std::size_t i = 0; i < Interfaces; ++i) {
            if (held_per_iface_[i] == 0) continue;
            const iface_state& ifs = ifaces_[i];
            timestamp start = floor;
            if (ifs.release_at > start) start = ifs.release_at;
            timestamp eligible = timestamp::max();
            for (const auto& e : held_)
                if (e.iface == i && e.not_before < eligible) eligible = e.not_before;
            if (eligible > start) start = eligible;
            const timestamp t = ifs.arrivals.first_below(start, config_.burst_mhz_new, config_.burst_mhz,
                                                         ifs.created + config_.new_time, config_.window);
            if (t < best) best = t;
        }
        return best;
    }

    /// Visits the held announces (interface, hops, packet bytes), in no particular order.
    template <class F>
    void for_each_held(F&& f) const {
        for (const auto& e : held_) f(e.iface, e.hops, std::span<const std::uint8_t>(e.bytes.data(), e.size));
    }
    std::size_t held_count() const noexcept { return held_.size(); }
    std::size_t held_count(std::uint8_t iface) const noexcept {
        return iface < Interfaces ? held_per_iface_[iface] : 0;
    }
    /// Whether an interface / a neighbour is in a burst (as last evaluated).
    bool interface_in_burst(std::uint8_t iface) const noexcept {
        return iface < Interfaces && ifaces_[iface].burst.active;
    }
    bool neighbour_in_burst(const truncated_hash& neighbour) const noexcept {
        const source_state* s = sources_.peek(neighbour);
        return s != nullptr && s->burst.active;
    }
    const ingress_config& config() const noexcept { return config_; }
    const ingress_stats& stats() const noexcept { return stats_; }

private:
    static constexpr std::size_t none = static_cast<std::size_t>(-1);

    struct iface_state {
        bool used = false;
        timestamp created{};
        meter arrivals{};
        burst_state burst{};
        timestamp release_at{};  ///< Reticulum's ic_held_release
    };
    struct source_state {
        timestamp first_seen{};
        meter arrivals{};
        burst_state burst{};
        timestamp release_at{};  ///< burst start + penalty
    };
    struct held_entry {
        std::uint8_t iface = 0;
        std::uint8_t hops = 0;
        std::uint16_t size = 0;
        truncated_hash destination{};
        timestamp not_before{};   ///< released no earlier than this (neighbour penalty)
        std::uint64_t order = 0;  ///< hold order: ties go to the earliest
        std::array<std::uint8_t, HeldBytes> bytes{};
    };

    void seen(timestamp now) noexcept {
        if (now > latest_) latest_ = now;
    }
    iface_state& touch_iface(const announce_arrival& a) noexcept {
        iface_state& ifs = ifaces_[a.iface];
        ifs.used = true;
        ifs.created = a.iface_created;
        return ifs;
    }
    source_state& touch_source(const truncated_hash& id, timestamp now) noexcept {
        if (source_state* s = sources_.get(id)) return *s;
        source_state fresh;
        fresh.first_seen = now;
        if (sources_.put(id, fresh)) ++stats_.sources_evicted;
        return *sources_.get(id);
    }
    std::uint32_t iface_mhz(const iface_state& ifs, timestamp now) const noexcept {
        return now - ifs.created < config_.new_time ? config_.burst_mhz_new : config_.burst_mhz;
    }
    std::uint32_t source_mhz(const source_state& s, timestamp now) const noexcept {
        return now - s.first_seen < config_.new_time ? config_.neighbour_burst_mhz_new
                                                     : config_.neighbour_burst_mhz;
    }
    result<void> drop() noexcept {
        ++stats_.dropped;
        return fail(error::full);
    }
    // The entry to push out: most hops, then the latest held.
    std::size_t worst() const noexcept {
        std::size_t w = 0;
        for (std::size_t k = 1; k < held_.size(); ++k)
            if (held_[k].hops > held_[w].hops ||
                (held_[k].hops == held_[w].hops && held_[k].order > held_[w].order))
                w = k;
        return w;
    }
    // The interface's entry to release now: fewest hops, then the earliest held, past its not_before.
    std::size_t best_due(std::size_t iface, timestamp now) const noexcept {
        std::size_t b = none;
        for (std::size_t k = 0; k < held_.size(); ++k) {
            const held_entry& e = held_[k];
            if (e.iface != iface || now < e.not_before) continue;
            if (b == none || e.hops < held_[b].hops || (e.hops == held_[b].hops && e.order < held_[b].order))
                b = k;
        }
        return b;
    }
    void remove(std::size_t k) noexcept {
        --held_per_iface_[held_[k].iface];
        (void)held_.swap_erase(k);
    }

    ingress_config config_;
    std::array<iface_state, Interfaces> ifaces_{};
    lru_cache<truncated_hash, source_state, Sources> sources_;
    static_vector<held_entry, Held> held_;
    std::array<std::uint16_t, Interfaces> held_per_iface_{};
    std::uint64_t next_order_ = 0;
    timestamp latest_{};
    ingress_stats stats_;
};

}  // namespace nexus::routing
