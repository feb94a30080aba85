// The signed envelope that carries one gossip round message (round.hpp: summary or delta) between
// neighbours (docs/gossip.md "Envelope"). It travels as the data of a Reticulum packet: type data,
// HEADER_1, destination type plain, destination = the plain destination of the name "nexus.gossip",
// context 0xF1, hops 0, never forwarded (gossip is hop-local). Data, little-endian:
//
//   sender public key 64 | session u32 | counter u32 | round message | Ed25519 signature 64
//
// The signature covers destination 16 | context 1 | every data byte before the signature, under the
// sender's Ed25519 key (the second half of its public key). The sender's identity hash is derived
// from the key, so a neighbour needs no announce to check a message. session is chosen at random
// when a node starts; counter increases by one per message. A receiver keeps (session, counter)
// per neighbour and refuses a counter that does not increase within a session, and a different
// session while the neighbour is still alive: a replayed message is refused (docs/gossip.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::gossip {

inline constexpr std::uint8_t gossip_context = 0xF1;
inline constexpr std::size_t envelope_prefix_bytes = public_key_size + 4 + 4;
inline constexpr std::size_t envelope_overhead = envelope_prefix_bytes + signature_size;
/// Largest round message one packet carries (MTU minus the HEADER_1 header and the envelope).
inline constexpr std::size_t max_envelope_message = wire::mtu - wire::header_1_size - envelope_overhead;
/// Bytes on air of a gossip packet carrying `message_bytes`.
constexpr std::size_t gossip_packet_bytes(std::size_t message_bytes) noexcept {
    return wire::header_1_size + envelope_overhead + message_bytes;
}

/// The plain destination all gossip packets are addressed to.
template <hash_profile P>
truncated_hash gossip_destination() noexcept {
    return make_plain_destination_hash<P>(make_name_hash<P>("nexus.gossip"));
}

struct envelope_view {
    public_key_bytes sender_key{};
    truncated_hash sender{};  ///< identity hash of sender_key
    std::uint32_t session = 0;
    std::uint32_t counter = 0;
    std::span<const std::uint8_t> message{};
};

namespace envelope_detail {
inline constexpr std::size_t signed_max = truncated_hash_size + 1 + wire::mtu;
}

/// Builds the gossip packet (header and envelope) for `message` into `out`. invalid_length when the
/// message is empty or above max_envelope_message, buffer_too_small when `out` is short.
template <hash_profile P>
result<std::size_t> seal_envelope(const identity<P>& self, const truncated_hash& destination, std::uint32_t session,
                                  std::uint32_t counter, std::span<const std::uint8_t> message,
                                  std::span<std::uint8_t> out) noexcept {
    if (message.empty() || message.size() > max_envelope_message) return fail(error::invalid_length);
    std::array<std::uint8_t, envelope_detail::signed_max> signed_bytes{};
    byte_writer w{std::span<std::uint8_t>(signed_bytes)};
    (void)w.bytes(destination);
    (void)w.u8(gossip_context);
    (void)w.bytes(self.public_key());
    (void)w.u32_le(session);
    (void)w.u32_le(counter);
    (void)w.bytes(message);
    const std::size_t signed_size = w.size();
    std::array<std::uint8_t, envelope_detail::signed_max + signature_size> data{};
    const std::size_t body = signed_size - truncated_hash_size - 1;
    for (std::size_t i = 0; i < body; ++i) data[i] = signed_bytes[truncated_hash_size + 1 + i];
    self.sign(std::span<std::uint8_t, signature_size>(data.data() + body, signature_size),
              std::span<const std::uint8_t>(signed_bytes.data(), signed_size));
    wire::packet_header h;
    h.flags.header = wire::header_type::header_1;
    h.flags.transport = wire::transport_type::broadcast;
    h.flags.destination = wire::destination_type::plain;
    h.flags.type = wire::packet_type::data;
    h.destination = destination;
    h.context = gossip_context;
    return wire::encode_packet(h, std::span<const std::uint8_t>(data.data(), body + signature_size), out);
}

/// Whether a decoded packet is a gossip packet (by its addressing alone, before any check).
inline bool is_gossip_packet(const wire::packet_view& p, const truncated_hash& destination) noexcept {
    return p.header.flags.type == wire::packet_type::data &&
           p.header.flags.destination == wire::destination_type::plain && p.header.context == gossip_context &&
           p.header.destination == destination;
}

/// Checks a gossip packet's envelope: truncated when shorter than the envelope plus one message
/// byte, bad_encoding for a HEADER_2 or relayed (hops > 0) gossip packet or an unusable key,
/// auth_failed when the signature does not verify. The message is not parsed.
template <hash_profile P>
result<envelope_view> open_envelope(const wire::packet_view& p) noexcept {
    if (p.header.flags.header != wire::header_type::header_1 || p.header.hops != 0) return fail(error::bad_encoding);
    if (p.data.size() < envelope_overhead + 1) return fail(error::truncated);
    const std::size_t body = p.data.size() - signature_size;
    auto sender = public_identity<P>::from_public_key(p.data.first(public_key_size));
    if (!sender) return fail(error::bad_encoding);
    std::array<std::uint8_t, envelope_detail::signed_max> signed_bytes{};
    byte_writer w{std::span<std::uint8_t>(signed_bytes)};
    (void)w.bytes(p.header.destination);
    (void)w.u8(gossip_context);
    (void)w.bytes(p.data.first(body));
    if (!sender->verify(std::span<const std::uint8_t>(signed_bytes.data(), w.size()), p.data.subspan(body)))
        return fail(error::auth_failed);
    byte_reader r{p.data.first(body)};
    envelope_view v;
    for (auto& b : v.sender_key) b = *r.u8();
    v.sender = sender->hash();
    v.session = *r.u32_le();
    v.counter = *r.u32_le();
    v.message = r.rest();
    return v;
}

}  // namespace nexus::gossip
