// The routing state kind's gossip item (docs/routing.md "Gossiped adverts"): one node's offer of a
// path to a destination, carried in the tier-1 section (kind 0x01) of a gossip delta. Fixed 62
// bytes, little-endian:
//
//   destination 16 | lamport u64 | CompactPathCost 6 (wire/path_cost.hpp) | path 32
//
// `cost` is the path as the SENDER offers it: its best path's summary after the relay update of its
// own hop (fee, latency, bandwidth of the interface it sends on; hop_count counts links, so 1 for
// the sender's own destination). `path` is a 256-bit bloom filter of the identity hashes of every
// node on the offered path, the sender included (path_bloom below): a receiver that finds itself
// in it holds the offer as failed and never uses it, so an offer never loops back through a node
// that would use it -- whatever the metric (docs/routing.md "Loops"). A false positive (about
// 0.3 % at 12 hops) makes a node pass over every path sharing the nodes that caused it. hop_count 255 withdraws the offer (the sender
// lost its last active path); a hop_count of 0 is malformed (every offer crosses a link).
//
// The bloom key of an advert names who offered it: sender 16 | destination 16 | lamport 8 |
// cost 6 | path 32. A node's summary inserts the key of every active path in its table (the
// neighbour it goes through being the sender), so a neighbour re-sends an offer only when it
// changed.
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
inline constexpr std::size_t path_bloom_size = 32;
inline constexpr std::size_t advert_size = 16 + 8 + wire::compact_path_cost::wire_size + path_bloom_size;
inline constexpr std::size_t advert_key_size = 16 + 16 + 8 + wire::compact_path_cost::wire_size + path_bloom_size;
/// hop_count of a withdrawal.
inline constexpr std::uint8_t withdrawn_hop_count = 255;

/// The nodes of a path as a 256-bit bloom filter, k = 3: an identity hash h (already uniform)
/// sets bits h[0], h[1] and h[2] (each byte a bit index 0..255); bit b is bit b mod 8 of byte b / 8.
using path_bloom = std::array<std::uint8_t, path_bloom_size>;

constexpr void path_bloom_add(path_bloom& b, const truncated_hash& id) noexcept {
    for (int k = 0; k < 3; ++k) b[id[k] / 8] = static_cast<std::uint8_t>(b[id[k] / 8] | 1u << (id[k] % 8));
}
/// The path of an estimate (a route taken from a relayed announce, whose nodes are unknown): every
/// bit set, so every node finds itself in it and no neighbour ever uses an offer built on it.
constexpr path_bloom unknown_path() noexcept {
    path_bloom b{};
    for (auto& x : b) x = 0xFF;
    return b;
}
constexpr bool path_bloom_contains(const path_bloom& b, const truncated_hash& id) noexcept {
    for (int k = 0; k < 3; ++k)
        if ((b[id[k] / 8] >> (id[k] % 8) & 1u) == 0) return false;
    return true;
}

struct advert {
    truncated_hash destination{};
    std::uint64_t lamport = 0;
    wire::compact_path_cost cost{};
    path_bloom path{};

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
    (void)w.bytes(a.path);
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
    for (auto& b : a.path) b = *r.u8();
    if (a.cost.hop_count == 0) return fail(error::bad_encoding);
    return a;
}

/// The bloom key of an advert offered by `sender`.
constexpr std::array<std::uint8_t, advert_key_size> advert_key(const truncated_hash& sender,
                                                               const truncated_hash& destination,
                                                               std::uint64_t lamport,
                                                               const wire::compact_path_cost& cost,
                                                               const path_bloom& path) noexcept {
    std::array<std::uint8_t, advert_key_size> k{};
    byte_writer w{std::span<std::uint8_t>(k)};
    (void)w.bytes(sender);
    (void)w.bytes(destination);
    (void)w.u64_le(lamport);
    (void)cost.write(w);
    (void)w.bytes(path);
    return k;
}

}  // namespace nexus::routing
