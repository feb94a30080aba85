// The routing state kind's gossip item (docs/routing.md "Gossiped adverts"): one node's offer of a
// path to a destination, carried in the tier-1 section (kind 0x01) of a gossip delta. Fixed 46
// bytes, little-endian:
//
//   destination 16 | lamport u64 | CompactPathCost 6 (wire/path_cost.hpp) | via 16
//
// `cost` is the path as the SENDER offers it: its best path's summary after the relay update of its
// own hop (fee, latency, bandwidth of the interface it sends on; hop_count counts links, so 1 for
// the sender's own destination). `via` is the sender's own next hop (its neighbour's identity hash,
// or the destination's owner for a direct path): a receiver never takes a path that goes back
// through itself. hop_count 255 withdraws the offer (the sender lost its last active path); a
// hop_count of 0 is malformed (every offer crosses at least one link).
//
// The bloom key of an advert names who offered it: sender 16 | destination 16 | lamport 8 | cost 6.
// A node's summary inserts the key of every active path in its table (the neighbour it goes
// through being the sender), so a neighbour re-sends an offer only when it changed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/wire/path_cost.hpp"

namespace nexus::routing {

/// Gossip kind id of routing adverts (docs/gossip.md "Kind ids").
inline constexpr std::uint8_t routing_kind_id = 0x01;
inline constexpr std::size_t advert_size = 16 + 8 + wire::compact_path_cost::wire_size + 16;
inline constexpr std::size_t advert_key_size = 16 + 16 + 8 + wire::compact_path_cost::wire_size;
/// hop_count of a withdrawal.
inline constexpr std::uint8_t withdrawn_hop_count = 255;

struct advert {
    truncated_hash destination{};
    std::uint64_t lamport = 0;
    wire::compact_path_cost cost{};
    truncated_hash via{};

    constexpr bool withdrawn() const noexcept { return cost.hop_count == withdrawn_hop_count; }
    friend constexpr bool operator==(const advert&, const advert&) noexcept = default;
};

/// Writes the 46 bytes; buffer_too_small when `out` is shorter.
constexpr result<std::size_t> encode_advert(const advert& a, std::span<std::uint8_t> out) noexcept {
    if (out.size() < advert_size) return fail(error::buffer_too_small);
    byte_writer w{out};
    (void)w.bytes(a.destination);
    (void)w.u64_le(a.lamport);
    (void)a.cost.write(w);
    (void)w.bytes(a.via);
    return advert_size;
}

/// Reads exactly 46 bytes: invalid_length for any other size, bad_encoding for hop_count 0.
constexpr result<advert> decode_advert(std::span<const std::uint8_t> in) noexcept {
    if (in.size() != advert_size) return fail(error::invalid_length);
    byte_reader r{in};
    advert a;
    for (auto& b : a.destination) b = *r.u8();
    a.lamport = *r.u64_le();
    auto cost = wire::compact_path_cost::read(r);
    if (!cost) return fail(cost.error());
    a.cost = *cost;
    for (auto& b : a.via) b = *r.u8();
    if (a.cost.hop_count == 0) return fail(error::bad_encoding);
    return a;
}

/// The bloom key of an advert offered by `sender`.
constexpr std::array<std::uint8_t, advert_key_size> advert_key(const truncated_hash& sender,
                                                               const truncated_hash& destination,
                                                               std::uint64_t lamport,
                                                               const wire::compact_path_cost& cost) noexcept {
    std::array<std::uint8_t, advert_key_size> k{};
    byte_writer w{std::span<std::uint8_t>(k)};
    (void)w.bytes(sender);
    (void)w.bytes(destination);
    (void)w.u64_le(lamport);
    (void)cost.write(w);
    return k;
}

}  // namespace nexus::routing
