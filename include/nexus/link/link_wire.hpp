// Link packet layouts (docs/link.md "Packet layouts"; ../shared/spec/reticulum-framing.md "Links"):
// sizes and contexts, the link id, the link request and proof, what the proof and the
// identification sign, and the plaintext bodies of the encrypted control packets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link_keys.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

/// NEXUS-specific link context: key rotation (a Reticulum transport node forwards link packets
/// whatever their context).
inline constexpr std::uint8_t context_link_rotate = 0xF0;

inline constexpr std::size_t link_request_data_size = 64;
inline constexpr std::size_t link_proof_data_size = 96;
/// Largest application payload of one link packet (500 - 19 - 25).
inline constexpr std::size_t link_mdu = wire::mtu - wire::header_1_size - link_overhead;

namespace link_detail {

inline constexpr std::uint8_t keepalive_request = 0xFF;
inline constexpr std::uint8_t keepalive_response = 0xFE;
inline constexpr std::uint8_t rotate_offer = 1;
inline constexpr std::uint8_t rotate_answer = 2;
inline constexpr std::uint8_t rotate_confirm = 3;
inline constexpr std::size_t offer_tag_size = 8;
inline constexpr std::size_t rotate_offer_size = 1 + 32;
inline constexpr std::size_t rotate_answer_size = 1 + 32 + offer_tag_size;

/// Contexts the link itself speaks; send() refuses them for application data.
inline bool control_context(std::uint8_t c) noexcept {
    return c == wire::context::keepalive || c == wire::context::link_identify ||
           c == wire::context::link_close || c == wire::context::link_proof || c == wire::context::link_rtt ||
           c == wire::context::link_request_proof || c == context_link_rotate;
}

/// The link id: the truncated packet hash of the request, (flags & 0x0F) || destination || context
/// || the first 64 data bytes (hops and a transport id are not hashed, so relaying keeps it).
template <hash_profile P>
truncated_hash link_id(std::uint8_t masked_flags, const truncated_hash& destination, std::uint8_t context,
                       std::span<const std::uint8_t> request_data) noexcept {
    return profile_hash_prefix<P, truncated_hash_size>(
        std::span<const std::uint8_t>(&masked_flags, 1), destination,
        std::span<const std::uint8_t>(&context, 1), request_data.first(link_request_data_size));
}

/// LINK REQUEST to a single destination: eph X25519 public (32) || nonce (32).
inline result<std::size_t> encode_request(const truncated_hash& destination, const key& eph_public,
                                          const key& nonce, std::span<std::uint8_t> out) noexcept {
    wire::packet_header h;
    h.flags.type = wire::packet_type::link_request;
    h.flags.destination = wire::destination_type::single;
    h.destination = destination;
    std::array<std::uint8_t, link_request_data_size> d{};
    byte_writer w{d};
    (void)w.bytes(eph_public);
    (void)w.bytes(nonce);
    return wire::encode_packet(h, d, out);
}

/// PROOF to the link id, context 0xFF: signature (64) || responder eph X25519 public (32).
inline result<std::size_t> encode_proof(const truncated_hash& id, const signature_bytes& signature,
                                        const key& eph_public, std::span<std::uint8_t> out) noexcept {
    wire::packet_header h;
    h.flags.type = wire::packet_type::proof;
    h.flags.destination = wire::destination_type::link;
    h.destination = id;
    h.context = wire::context::link_request_proof;
    std::array<std::uint8_t, link_proof_data_size> d{};
    byte_writer w{d};
    (void)w.bytes(signature);
    (void)w.bytes(eph_public);
    return wire::encode_packet(h, d, out);
}

/// What the proof signs: link id || responder eph public || responder Ed25519 public.
inline std::array<std::uint8_t, 16 + 32 + 32> proof_message(
    const truncated_hash& id, std::span<const std::uint8_t> responder_eph,
    std::span<const std::uint8_t> responder_ed25519) noexcept {
    std::array<std::uint8_t, 16 + 32 + 32> msg{};
    byte_writer w{msg};
    (void)w.bytes(id);
    (void)w.bytes(responder_eph.first(32));
    (void)w.bytes(responder_ed25519.first(32));
    return msg;
}

/// What an identification signs: link id || the initiator's public key (binds it to this link).
inline std::array<std::uint8_t, 16 + public_key_size> identify_message(
    const truncated_hash& id, std::span<const std::uint8_t> public_key) noexcept {
    std::array<std::uint8_t, 16 + public_key_size> msg{};
    byte_writer w{msg};
    (void)w.bytes(id);
    (void)w.bytes(public_key.first(public_key_size));
    return msg;
}

/// IDENTIFY body: the initiator's public key (64) || its signature over identify_message().
inline std::array<std::uint8_t, public_key_size + signature_size> identify_body(
    const public_key_bytes& public_key, const signature_bytes& signature) noexcept {
    std::array<std::uint8_t, public_key_size + signature_size> v{};
    byte_writer w{v};
    (void)w.bytes(public_key);
    (void)w.bytes(signature);
    return v;
}

/// RTT body: the handshake round trip in ms, u32 LE, saturating.
inline std::array<std::uint8_t, 4> rtt_body(duration rtt) noexcept {
    std::array<std::uint8_t, 4> v{};
    const auto ms = rtt.count_ms();
    store32_le(v.data(), static_cast<std::uint32_t>(ms > 0xFFFFFFFF ? 0xFFFFFFFF : ms));
    return v;
}

/// ROTATE(1, new public) and ROTATE(2, new public, first 8 bytes of the offer's public).
inline std::array<std::uint8_t, rotate_offer_size> offer_body(const key& new_public) noexcept {
    std::array<std::uint8_t, rotate_offer_size> v{};
    v[0] = rotate_offer;
    for (std::size_t i = 0; i < 32; ++i) v[1 + i] = new_public[i];
    return v;
}

inline std::array<std::uint8_t, rotate_answer_size> answer_body(
    const key& new_public, const std::array<std::uint8_t, offer_tag_size>& tag) noexcept {
    std::array<std::uint8_t, rotate_answer_size> v{};
    v[0] = rotate_answer;
    for (std::size_t i = 0; i < 32; ++i) v[1 + i] = new_public[i];
    for (std::size_t i = 0; i < offer_tag_size; ++i) v[33 + i] = tag[i];
    return v;
}

/// The size a rotation body of this kind must have; 0 for an unknown kind.
constexpr std::size_t rotate_body_size(std::uint8_t kind) noexcept {
    return kind == rotate_offer     ? rotate_offer_size
           : kind == rotate_answer  ? rotate_answer_size
           : kind == rotate_confirm ? 1
                                    : 0;
}

}  // namespace link_detail
}  // namespace nexus
