// What a link's caller sees besides the link itself (docs/link.md): configuration, the states of
// its two state machines, close reasons, events and counters. The transitions are in link.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/time.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

/// Setup retransmission (docs/link.md "Setup retransmission"): the initiator sends its request at
/// most this many times in all, and the responder its proof.
inline constexpr std::uint8_t link_setup_max_sends = 4;
/// The responder sends its proof again for a repeated request at most once per this gap, so a
/// replayed request cannot make it send proofs faster than that.
inline constexpr duration link_proof_repeat_gap = duration::milliseconds(500);

/// Link setup over slow paths (docs/link.md, "Setup timeout"): a request and its proof cross every
/// hop of the path, and on a LoRa channel shared by many nodes each hop can take seconds. A link
/// over a path of one-way latency L (routing::path_latency: the worst hop's latency x the hops)
/// waits link_setup_latency_factor x L, never less than the configured establishment timeout and
/// never more than four times it: 30 s up to ~1.9 s one way (any WiFi path), 64 s for ten SF8 LoRa
/// hops. The bound also caps what a forged hop count in a request can make a responder wait.
inline constexpr std::uint32_t link_setup_latency_factor = 16;
constexpr duration link_setup_timeout(duration configured, std::uint32_t latency_ms) noexcept {
    const std::int64_t want = std::int64_t{latency_ms} * link_setup_latency_factor;
    const std::int64_t cap = configured.count_ms() * 4;
    if (want <= configured.count_ms()) return configured;
    return duration::milliseconds(want < cap ? want : cap);
}

struct link_config {
    duration establishment_timeout = duration::seconds(30);  ///< request -> active; also identify
    duration keepalive_interval = duration::seconds(120);    ///< initiator probes after this silence
    duration inactivity_timeout = duration::seconds(360);    ///< closed when nothing valid arrives
    duration rotate_interval = duration::hours(1);
    std::uint64_t bandwidth_bps = 0;  ///< nominal bitrate, for the rotation volume
    bool require_identify = false;    ///< responder: refuse data until the initiator identifies

    /// Bytes sent under one key before rotating: max(1 MB, bandwidth x 60 s).
    constexpr std::uint64_t rotate_bytes() const noexcept {
        const std::uint64_t per_minute = bandwidth_bps / 8 * 60;
        return per_minute > 1'000'000 ? per_minute : 1'000'000;
    }
};

enum class link_state : std::uint8_t { pending, handshake, active, closed };

/// Key rotation, while active. offered: our offer is queued or sent and we wait for its answer.
/// answered: we answered the peer's offer and hold the next epoch's keys until its first packet
/// in that epoch arrives (no timeout: the offerer may have switched, so dropping the keys could
/// split the two ends; a new offer replaces them).
enum class rotation_state : std::uint8_t { idle, offered, answered };

enum class link_role : std::uint8_t { initiator, responder };

enum class close_reason : std::uint8_t {
    none,
    local,                  ///< close() was called
    remote,                 ///< the peer sent an authenticated close
    inactivity,             ///< nothing valid arrived for inactivity_timeout
    establishment_timeout,  ///< not active within establishment_timeout
    unidentified,           ///< require_identify and no identification in time
    delivery_failed,        ///< the reliable channel gave up on a message (fail_delivery())
};

constexpr std::string_view to_string(close_reason r) noexcept {
    switch (r) {
        case close_reason::none:
            return "none";
        case close_reason::local:
            return "local";
        case close_reason::remote:
            return "remote";
        case close_reason::inactivity:
            return "inactivity";
        case close_reason::establishment_timeout:
            return "establishment_timeout";
        case close_reason::unidentified:
            return "unidentified";
        case close_reason::delivery_failed:
            return "delivery_failed";
    }
    return "unknown";
}

constexpr std::string_view to_string(link_state s) noexcept {
    switch (s) {
        case link_state::pending:
            return "pending";
        case link_state::handshake:
            return "handshake";
        case link_state::active:
            return "active";
        case link_state::closed:
            return "closed";
    }
    return "unknown";
}

constexpr std::string_view to_string(rotation_state s) noexcept {
    switch (s) {
        case rotation_state::idle:
            return "idle";
        case rotation_state::offered:
            return "offered";
        case rotation_state::answered:
            return "answered";
    }
    return "unknown";
}

enum class link_event_kind : std::uint8_t {
    none,         ///< accepted, nothing for the application (keepalive, rotation step, RTT)
    established,  ///< the link became active
    data,         ///< application data in `data`, with its context byte
    identified,   ///< the initiator proved its identity (responder side)
    rotated,      ///< a key rotation completed
    closed,       ///< the peer closed the link
};

struct link_event {
    link_event_kind kind = link_event_kind::none;
    std::uint8_t context = wire::context::none;
    std::span<const std::uint8_t> data{};
};

/// Counters for the log: every rejected packet is counted by reason.
struct link_stats {
    std::uint64_t packets_sent = 0;
    std::uint64_t packets_received = 0;  ///< authenticated
    std::uint64_t bytes_sent = 0;        ///< application bytes
    std::uint64_t bytes_received = 0;
    std::uint32_t rejected_auth = 0;          ///< bad tag, bad proof or identify signature
    std::uint32_t rejected_replay = 0;        ///< counter already seen or too old
    std::uint32_t rejected_state = 0;         ///< not valid in the current state / unknown epoch
    std::uint32_t rejected_malformed = 0;     ///< wrong size or shape
    std::uint32_t rejected_unidentified = 0;  ///< data before identification (require_identify)
    std::uint32_t rotations = 0;
    std::uint32_t setup_resent = 0;  ///< link requests (initiator) or proofs (responder) sent again
};

}  // namespace nexus
