// Path requests (../shared/spec/reticulum-framing.md "Transport behaviour", "Path requests"): a
// PLAIN DATA packet, HEADER_1, broadcast, context none, to the plain destination
// "rnstransport.path.request". Data:
//
//   requested destination (16) | [requesting transport id (16)] | tag (1..16)
//
// A transport node puts its identity hash in; a client leaves it out. Parsing follows the reference
// implementation: more than 32 bytes means bytes 16..31 are the transport id and the rest the tag;
// 17..32 bytes means the tag follows the destination directly; a tag longer than 16 bytes is cut
// to 16; a request without a tag is ignored (decode refuses it). The answer is the destination's
// announce with context PATH_RESPONSE (0x0B); make_path_response_packet builds the form a transport
// node sends from its cached announce. Layout tables: docs/wire/path_request.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::wire {

inline constexpr std::size_t path_request_tag_max = 16;  ///< longer tags are cut to this
/// Smallest request that is answered: destination and a 1-byte tag.
inline constexpr std::size_t path_request_min_data = truncated_hash_size + 1;
/// Largest request encode writes: destination, transport id, 16-byte tag.
inline constexpr std::size_t path_request_max_data = 2 * truncated_hash_size + path_request_tag_max;

/// The PLAIN destination every path request is addressed to (no identity in the hash).
template <hash_profile P>
truncated_hash path_request_destination() noexcept {
    return make_plain_destination_hash<P>(make_name_hash<P>("rnstransport.path.request"));
}

/// The data of a path request.
struct path_request {
    truncated_hash destination{};                ///< the destination a path is wanted for
    std::optional<truncated_hash> transport_id;  ///< the requesting transport node, if any
    std::array<std::uint8_t, path_request_tag_max> tag{};
    std::uint8_t tag_size = path_request_tag_max;  ///< 1..16 significant bytes of tag

    /// The significant tag bytes: destination || tag() is what a node de-duplicates on.
    std::span<const std::uint8_t> tag_bytes() const noexcept {
        return std::span<const std::uint8_t>(tag.data(), tag_size <= path_request_tag_max ? tag_size : 0);
    }
    std::size_t data_size() const noexcept {
        return truncated_hash_size + (transport_id ? truncated_hash_size : 0) + tag_size;
    }

    /// Writes the packet data. invalid_argument for a tag size outside 1..16 (a tagless request is
    /// ignored by every receiver), buffer_too_small when `out` is short.
    result<std::size_t> encode(std::span<std::uint8_t> out) const noexcept {
        if (tag_size == 0 || tag_size > path_request_tag_max) return fail(error::invalid_argument);
        if (out.size() < data_size()) return fail(error::buffer_too_small);
        byte_writer w{out};
        (void)w.bytes(destination);
        if (transport_id) (void)w.bytes(*transport_id);
        (void)w.bytes(tag_bytes());
        return w.size();
    }

    /// Parses packet data with the reference implementation's rules. truncated below 16 bytes (no
    /// destination), invalid_length for exactly 16 (no tag: the request is ignored).
    static result<path_request> decode(std::span<const std::uint8_t> data) noexcept {
        if (data.size() < truncated_hash_size) return fail(error::truncated);
        if (data.size() == truncated_hash_size) return fail(error::invalid_length);
        byte_reader r{data};
        path_request q;
        (void)r.copy_to(q.destination);
        if (data.size() > 2 * truncated_hash_size) {
            truncated_hash via{};
            (void)r.copy_to(via);
            q.transport_id = via;
        }
        const auto rest = r.take_rest();  // 1.. bytes: the tag, cut to 16
        q.tag_size = static_cast<std::uint8_t>(rest.size() < path_request_tag_max ? rest.size()
                                                                                  : path_request_tag_max);
        for (std::size_t i = 0; i < q.tag_size; ++i) q.tag[i] = rest[i];
        return q;
    }

    friend bool operator==(const path_request& a, const path_request& b) noexcept {
        if (a.destination != b.destination || a.transport_id != b.transport_id || a.tag_size != b.tag_size)
            return false;
        for (std::size_t i = 0; i < a.tag_size && i < path_request_tag_max; ++i)
            if (a.tag[i] != b.tag[i]) return false;
        return true;
    }
};

/// The header of a path request as sent: PLAIN DATA, HEADER_1, broadcast, hops 0, context none.
template <hash_profile P>
packet_header path_request_header() noexcept {
    packet_header h;
    h.flags.header = header_type::header_1;
    h.flags.transport = transport_type::broadcast;
    h.flags.destination = destination_type::plain;
    h.flags.type = packet_type::data;
    h.destination = path_request_destination<P>();
    h.context = context::none;
    return h;
}

/// Builds the whole path request packet into `out`; returns its size (19 + data). Errors as
/// path_request::encode.
template <hash_profile P>
result<std::size_t> build_path_request_packet(const path_request& q, std::span<std::uint8_t> out) noexcept {
    std::array<std::uint8_t, path_request_max_data> data{};
    auto n = q.encode(data);
    if (!n) return fail(n.error());
    return encode_packet(path_request_header<P>(), std::span<const std::uint8_t>(data.data(), *n), out);
}

/// Whether a decoded packet is addressed as a path request (DATA to the PLAIN path request
/// destination of profile P). Its data may still fail path_request::decode. The reference
/// implementation drops PLAIN non-announce packets with more than 1 hop before this point; that is
/// the transport's check, not the address's.
template <hash_profile P>
bool is_path_request_packet(const packet_view& p) noexcept {
    return p.header.flags.type == packet_type::data &&
           p.header.flags.destination == destination_type::plain &&
           p.header.destination == path_request_destination<P>();
}

/// A transport node's answer from its path table: the cached announce `announce_raw` (as received,
/// HEADER_1 or HEADER_2) re-sent as HEADER_2, transport type transport, transport id = this node's
/// identity hash, context PATH_RESPONSE, hops = the stored path hops. The data (and so the
/// signature and the packet hash) is unchanged, as is the context-flag bit (ratchet).
/// invalid_argument when the packet is not an announce; decode_packet's errors; invalid_length when
/// the HEADER_2 form exceeds the MTU; buffer_too_small.
inline result<std::size_t> make_path_response_packet(std::span<const std::uint8_t> announce_raw,
                                                     const truncated_hash& transport_id, std::uint8_t hops,
                                                     std::span<std::uint8_t> out) noexcept {
    auto p = decode_packet(announce_raw);
    if (!p) return fail(p.error());
    if (p->header.flags.type != packet_type::announce) return fail(error::invalid_argument);
    packet_header h = p->header;
    h.flags.header = header_type::header_2;
    h.flags.transport = transport_type::transport;
    h.transport_id = transport_id;
    h.hops = hops;
    h.context = context::path_response;
    return encode_packet(h, p->data, out);
}

}  // namespace nexus::wire
