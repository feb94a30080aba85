// Announces (../shared/spec/reticulum-framing.md "Announce"): packet type 1, destination type
// single, not encrypted. Data:
//
//   public key (64) | name hash (10) | random hash (10) | [ratchet public key (32)] |
//   signature (64) | app data (rest)
//
// The ratchet is present exactly when the flags' context bit is set. The random hash is 5 random
// bytes then a 5-byte big-endian timestamp in seconds. The signature is Ed25519 by the announcing
// identity over destination hash || public key || name hash || random hash || ratchet || app data.
// The header (hops, context byte) is not signed: hops change in transit and the context marks
// an answer to a path request. A receiver verifies the signature and then recomputes the destination hash from the name hash
// and the identity hash (profile digests) and rejects a mismatch.
//
// The NEXUS extension (wire/announce_ext.hpp) travels inside the app data, so a Reticulum node
// forwards it untouched; see docs/wire/announce.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::wire {

inline constexpr std::size_t random_hash_size = 10;
inline constexpr std::size_t ratchet_size = 32;
inline constexpr std::size_t announce_min_data = public_key_size + name_hash_size + random_hash_size + signature_size;
/// Smallest announce packet: HEADER_1, no ratchet, no app data (167 bytes).
inline constexpr std::size_t announce_min_packet = header_1_size + announce_min_data;

using random_hash = std::array<std::uint8_t, random_hash_size>;

/// A random hash: 5 bytes from `rng` then `seconds` as a 5-byte big-endian number (mod 2^40).
template <random_source R>
random_hash make_random_hash(R& rng, std::uint64_t seconds) noexcept {
    random_hash h{};
    rng.fill(std::span<std::uint8_t>(h.data(), 5));
    for (std::size_t i = 0; i < 5; ++i) h[5 + i] = static_cast<std::uint8_t>(seconds >> (8 * (4 - i)));
    return h;
}

/// The timestamp (seconds) carried in the last 5 bytes of a random hash.
constexpr std::uint64_t random_hash_timestamp(std::span<const std::uint8_t, random_hash_size> h) noexcept {
    std::uint64_t t = 0;
    for (std::size_t i = 5; i < random_hash_size; ++i) t = t << 8 | h[i];
    return t;
}

namespace announce_detail {
inline constexpr std::array<std::uint8_t, 64> zeros{};  // what a default announce_view points at
}

/// The parts of an announce, as views into the packet.
struct announce_view {
    packet_header header{};
    std::span<const std::uint8_t, public_key_size> public_key{announce_detail::zeros};
    std::span<const std::uint8_t, name_hash_size> name{announce_detail::zeros.data(), name_hash_size};
    std::span<const std::uint8_t, random_hash_size> random{announce_detail::zeros.data(), random_hash_size};
    std::span<const std::uint8_t> ratchet{};  ///< empty or 32 bytes
    std::span<const std::uint8_t, signature_size> signature{announce_detail::zeros};
    std::span<const std::uint8_t> app_data{};

    bool has_ratchet() const noexcept { return !ratchet.empty(); }
};

/// Splits an announce packet into its fields; no cryptography. invalid_argument when the packet
/// is not an announce to a single destination, truncated when the data is too short.
inline result<announce_view> parse_announce(const packet_view& p) noexcept {
    if (p.header.flags.type != packet_type::announce || p.header.flags.destination != destination_type::single)
        return fail(error::invalid_argument);
    byte_reader r{p.data};
    announce_view a;
    a.header = p.header;
    auto pk = r.bytes(public_key_size);
    auto nh = r.bytes(name_hash_size);
    auto rh = r.bytes(random_hash_size);
    if (!pk || !nh || !rh) return fail(error::truncated);
    if (p.header.flags.context_flag) {
        auto rt = r.bytes(ratchet_size);
        if (!rt) return fail(error::truncated);
        a.ratchet = *rt;
    }
    auto sig = r.bytes(signature_size);
    if (!sig) return fail(error::truncated);
    a.public_key = std::span<const std::uint8_t, public_key_size>(pk->data(), public_key_size);
    a.name = std::span<const std::uint8_t, name_hash_size>(nh->data(), name_hash_size);
    a.random = std::span<const std::uint8_t, random_hash_size>(rh->data(), random_hash_size);
    a.signature = std::span<const std::uint8_t, signature_size>(sig->data(), signature_size);
    a.app_data = r.take_rest();
    return a;
}

namespace announce_detail {

/// Feeds destination || public key || name || random || ratchet || app data to `sink` in order.
template <class Sink>
void signed_parts(Sink&& sink, std::span<const std::uint8_t> destination, std::span<const std::uint8_t> pk,
                  std::span<const std::uint8_t> name, std::span<const std::uint8_t> random,
                  std::span<const std::uint8_t> ratchet, std::span<const std::uint8_t> app_data) {
    sink(destination);
    sink(pk);
    sink(name);
    sink(random);
    sink(ratchet);
    sink(app_data);
}

/// Largest signed message: everything of a packet but flags, hops, context and the signature.
inline constexpr std::size_t max_signed = mtu;

}  // namespace announce_detail

/// A validated announce: the fields plus the announcing identity.
template <hash_profile P>
struct validated_announce {
    announce_view fields;
    public_identity<P> identity;
};

/// Parses and authenticates an announce: the public key must be valid, the signature must verify
/// and the destination hash must equal the one derived from name hash and identity hash.
/// auth_failed for a bad signature or a destination mismatch, bad_encoding for an unusable key.
template <hash_profile P>
result<validated_announce<P>> validate_announce(const packet_view& p) noexcept {
    auto a = parse_announce(p);
    if (!a) return fail(a.error());
    auto id = public_identity<P>::from_public_key(a->public_key);
    if (!id) return fail(id.error());
    // Ed25519 needs the message contiguous: assemble it (bounded by the MTU) on the stack.
    std::array<std::uint8_t, announce_detail::max_signed> msg{};
    std::size_t n = 0;
    announce_detail::signed_parts(
        [&](std::span<const std::uint8_t> s) {
            for (auto b : s) msg[n++] = b;
        },
        a->header.destination, a->public_key, a->name, a->random, a->ratchet, a->app_data);
    if (!id->verify(std::span<const std::uint8_t>(msg.data(), n), a->signature)) return fail(error::auth_failed);
    name_hash nh{};
    for (std::size_t i = 0; i < name_hash_size; ++i) nh[i] = a->name[i];
    if (id->destination_hash(nh) != a->header.destination) return fail(error::auth_failed);
    return validated_announce<P>{*a, *id};
}

/// Convenience: decode the raw packet and validate it.
template <hash_profile P>
result<validated_announce<P>> validate_announce(std::span<const std::uint8_t> raw) noexcept {
    auto p = decode_packet(raw);
    if (!p) return fail(p.error());
    return validate_announce<P>(*p);
}

/// What an announce says besides the identity.
struct announce_params {
    name_hash name{};
    random_hash random{};
    std::span<const std::uint8_t> ratchet{};   ///< empty, or a 32-byte ratchet public key
    std::span<const std::uint8_t> app_data{};  ///< e.g. a NEXUS extension (announce_ext.hpp)
    std::uint8_t context = context::none;      ///< path_response for answers to path requests
};

/// Builds a HEADER_1 announce (hops 0) of `id`'s destination with `params.name`; returns the
/// packet size. invalid_length for a ratchet that is not 32 bytes or a packet over the MTU,
/// buffer_too_small when `out` cannot hold it.
template <hash_profile P>
result<std::size_t> build_announce(const identity<P>& id, const announce_params& params,
                                   std::span<std::uint8_t> out) noexcept {
    if (!params.ratchet.empty() && params.ratchet.size() != ratchet_size) return fail(error::invalid_length);
    const std::size_t data_size = announce_min_data + params.ratchet.size() + params.app_data.size();
    if (header_1_size + data_size > mtu) return fail(error::invalid_length);
    if (out.size() < header_1_size + data_size) return fail(error::buffer_too_small);

    packet_header h;
    h.flags.type = packet_type::announce;
    h.flags.destination = destination_type::single;
    h.flags.context_flag = !params.ratchet.empty();
    h.destination = id.destination_hash(params.name);
    h.context = params.context;

    // Lay out the data in place after the header, signing the assembled fields.
    auto data = out.subspan(header_1_size, data_size);
    byte_writer w{data};
    (void)w.bytes(id.public_key());
    (void)w.bytes(params.name);
    (void)w.bytes(params.random);
    (void)w.bytes(params.ratchet);
    std::array<std::uint8_t, announce_detail::max_signed> msg{};
    std::size_t n = 0;
    announce_detail::signed_parts(
        [&](std::span<const std::uint8_t> s) {
            for (auto b : s) msg[n++] = b;
        },
        h.destination, id.public_key(), params.name, params.random, params.ratchet, params.app_data);
    (void)w.bytes(id.sign(std::span<const std::uint8_t>(msg.data(), n)));
    (void)w.bytes(params.app_data);

    byte_writer hw{out};
    (void)hw.u8(h.flags.to_byte());
    (void)hw.u8(h.hops);
    (void)hw.bytes(h.destination);
    (void)hw.u8(h.context);
    return header_1_size + data_size;
}

}  // namespace nexus::wire
