// Packets in Reticulum's framing (../shared/spec/reticulum-framing.md "Packet header").
//
//   byte 0   flags: bit 7 IFAC | bit 6 header type | bit 5 context flag | bit 4 transport type |
//                   bits 3-2 destination type | bits 1-0 packet type
//   byte 1   hops
//   HEADER_1 destination hash (16) | context (1) | data
//   HEADER_2 transport id (16) | destination hash (16) | context (1) | data
//
// Decoding is a view: packet_view's spans point into the caller's bytes. Packets with the IFAC bit
// set carry an interface access code whose length and masking belong to the interface; the packet
// codec rejects them as `unsupported` (the flags byte itself still round-trips, see packet_flags).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/identity/hash_profile.hpp"

namespace nexus::wire {

inline constexpr std::size_t mtu = 500;             ///< largest packet, bytes
inline constexpr std::size_t header_1_size = 19;    ///< flags, hops, destination, context
inline constexpr std::size_t header_2_size = 35;    ///< + transport id
inline constexpr std::size_t mdu = mtu - header_2_size - 1;  ///< 464: data that always fits
inline constexpr std::uint8_t max_hops = 128;       ///< a packet is not forwarded at or above this

enum class packet_type : std::uint8_t { data = 0, announce = 1, link_request = 2, proof = 3 };
enum class destination_type : std::uint8_t { single = 0, group = 1, plain = 2, link = 3 };
enum class header_type : std::uint8_t { header_1 = 0, header_2 = 1 };
enum class transport_type : std::uint8_t { broadcast = 0, transport = 1 };

/// Context byte values.
namespace context {
inline constexpr std::uint8_t none = 0x00;
inline constexpr std::uint8_t resource = 0x01;
inline constexpr std::uint8_t resource_adv = 0x02;
inline constexpr std::uint8_t resource_req = 0x03;
inline constexpr std::uint8_t resource_hmu = 0x04;
inline constexpr std::uint8_t resource_prf = 0x05;
inline constexpr std::uint8_t resource_icl = 0x06;
inline constexpr std::uint8_t resource_rcl = 0x07;
inline constexpr std::uint8_t cache_request = 0x08;
inline constexpr std::uint8_t request = 0x09;
inline constexpr std::uint8_t response = 0x0A;
inline constexpr std::uint8_t path_response = 0x0B;
inline constexpr std::uint8_t command = 0x0C;
inline constexpr std::uint8_t command_status = 0x0D;
inline constexpr std::uint8_t channel = 0x0E;
inline constexpr std::uint8_t keepalive = 0xFA;
inline constexpr std::uint8_t link_identify = 0xFB;
inline constexpr std::uint8_t link_close = 0xFC;
inline constexpr std::uint8_t link_proof = 0xFD;
inline constexpr std::uint8_t link_rtt = 0xFE;
inline constexpr std::uint8_t link_request_proof = 0xFF;
}  // namespace context

/// The flags byte, field by field. from_byte(b).to_byte() == b for every b.
struct packet_flags {
    bool ifac = false;
    header_type header = header_type::header_1;
    bool context_flag = false;
    transport_type transport = transport_type::broadcast;
    destination_type destination = destination_type::single;
    packet_type type = packet_type::data;

    static constexpr packet_flags from_byte(std::uint8_t b) noexcept {
        packet_flags f;
        f.ifac = (b & 0x80) != 0;
        f.header = static_cast<header_type>((b >> 6) & 1);
        f.context_flag = (b & 0x20) != 0;
        f.transport = static_cast<transport_type>((b >> 4) & 1);
        f.destination = static_cast<destination_type>((b >> 2) & 3);
        f.type = static_cast<packet_type>(b & 3);
        return f;
    }
    constexpr std::uint8_t to_byte() const noexcept {
        return static_cast<std::uint8_t>((ifac ? 0x80 : 0) | (static_cast<unsigned>(header) & 1) << 6 |
                                         (context_flag ? 0x20 : 0) | (static_cast<unsigned>(transport) & 1) << 4 |
                                         (static_cast<unsigned>(destination) & 3) << 2 |
                                         (static_cast<unsigned>(type) & 3));
    }
    friend constexpr bool operator==(const packet_flags&, const packet_flags&) noexcept = default;
};

/// Everything of a packet but its data. transport_id is meaningful only for HEADER_2.
struct packet_header {
    packet_flags flags{};
    std::uint8_t hops = 0;
    truncated_hash transport_id{};
    truncated_hash destination{};
    std::uint8_t context = context::none;

    constexpr std::size_t size() const noexcept {
        return flags.header == header_type::header_2 ? header_2_size : header_1_size;
    }
    friend constexpr bool operator==(const packet_header&, const packet_header&) noexcept = default;
};

/// A decoded packet: header fields copied, data a view into the raw bytes.
struct packet_view {
    packet_header header{};
    std::span<const std::uint8_t> data{};
    std::span<const std::uint8_t> raw{};  ///< the whole packet as received
};

/// Parses a packet. invalid_length above the MTU, truncated below the header size, unsupported
/// for an IFAC packet.
inline result<packet_view> decode_packet(std::span<const std::uint8_t> raw) noexcept {
    if (raw.size() > mtu) return fail(error::invalid_length);
    byte_reader r{raw};
    auto flags_byte = r.u8();
    auto hops = r.u8();
    if (!flags_byte || !hops) return fail(error::truncated);
    packet_view v;
    v.raw = raw;
    v.header.flags = packet_flags::from_byte(*flags_byte);
    v.header.hops = *hops;
    if (v.header.flags.ifac) return fail(error::unsupported);
    if (raw.size() < v.header.size()) return fail(error::truncated);
    if (v.header.flags.header == header_type::header_2) (void)r.copy_to(v.header.transport_id);
    (void)r.copy_to(v.header.destination);
    v.header.context = *r.u8();
    v.data = r.take_rest();
    return v;
}

/// Writes a packet; returns its size. invalid_length when it would exceed the MTU, unsupported
/// for the IFAC flag, buffer_too_small when `out` is too small.
inline result<std::size_t> encode_packet(const packet_header& h, std::span<const std::uint8_t> data,
                                         std::span<std::uint8_t> out) noexcept {
    if (h.flags.ifac) return fail(error::unsupported);
    const std::size_t n = h.size() + data.size();
    if (n > mtu) return fail(error::invalid_length);
    if (out.size() < n) return fail(error::buffer_too_small);
    byte_writer w{out};
    (void)w.u8(h.flags.to_byte());
    (void)w.u8(h.hops);
    if (h.flags.header == header_type::header_2) (void)w.bytes(h.transport_id);
    (void)w.bytes(h.destination);
    (void)w.u8(h.context);
    (void)w.bytes(data);
    return n;
}

/// The packet hash: profile digest of (flags & 0x0F) followed by the packet from the destination
/// hash on. Hops, header type, transport type and transport id are left out, so the hash does not
/// change as the packet travels. The raw bytes must be a decodable packet.
template <hash_profile P>
result<full_hash> packet_hash(std::span<const std::uint8_t> raw) noexcept {
    auto v = decode_packet(raw);
    if (!v) return fail(v.error());
    const std::uint8_t masked = static_cast<std::uint8_t>(raw[0] & 0x0F);
    const std::size_t skip = v->header.size() - truncated_hash_size - 1;  // flags, hops[, transport id]
    return profile_hash<P>(std::span<const std::uint8_t>(&masked, 1), raw.subspan(skip));
}

/// The first 16 bytes of packet_hash.
template <hash_profile P>
result<truncated_hash> truncated_packet_hash(std::span<const std::uint8_t> raw) noexcept {
    auto h = packet_hash<P>(raw);
    if (!h) return fail(h.error());
    truncated_hash t{};
    for (std::size_t i = 0; i < truncated_hash_size; ++i) t[i] = (*h)[i];
    return t;
}

}  // namespace nexus::wire
