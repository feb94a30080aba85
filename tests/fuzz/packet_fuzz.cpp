// libFuzzer target for the packet codec (nexus/wire/packet.hpp; ../shared/spec/reticulum-framing.md
// "Packet header"). Input: the raw packet, as received. Checked against a model written here from
// the spec, not against the codec:
//   - decode_packet accepts exactly the inputs the spec allows (2..500 bytes, IFAC clear, at
//     least the 19- or 35-byte header) and fails with the spec's error otherwise;
//   - every header field equals the bits of the flags byte / the bytes at the spec's offsets, and
//     the data view is the rest of the caller's buffer (no copy, nothing past its end);
//   - decode -> encode reproduces the input byte for byte;
//   - packet_hash succeeds under both profiles, equals the profile digest (SHA-256 or BLAKE2b-256,
//     computed here) of (flags & 0x0F) || packet from the destination hash on, and does not
//     change when the hops byte or (HEADER_2) the transport id changes.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/sha2.hpp"
#include "nexus/wire/packet.hpp"

namespace {

namespace wire = nexus::wire;

// The spec's packet hash, by hand: digest of (flags & 0x0F) || raw[skip:], skip = 2 (HEADER_1) or
// 18 (HEADER_2: flags, hops, transport id).
template <bool sha>
nexus::full_hash model_hash(std::span<const std::uint8_t> raw) {
    const std::size_t skip = (raw[0] & 0x40) != 0 ? 18 : 2;
    std::vector<std::uint8_t> m;
    m.push_back(static_cast<std::uint8_t>(raw[0] & 0x0F));
    m.insert(m.end(), raw.begin() + static_cast<std::ptrdiff_t>(skip), raw.end());
    nexus::full_hash out{};
    if constexpr (sha) {
        nexus::crypto::sha256_hash(m, out);
    } else {
        NEXUS_FUZZ_CHECK(nexus::crypto::blake2b_hash(out, m));
    }
    return out;
}

void check_hashes(std::span<const std::uint8_t> raw) {
    auto hn = wire::packet_hash<nexus::nexus_profile>(raw);
    auto hr = wire::packet_hash<nexus::reticulum_profile>(raw);
    NEXUS_FUZZ_CHECK(hn && hr);
    NEXUS_FUZZ_CHECK(*hn == model_hash<false>(raw));
    NEXUS_FUZZ_CHECK(*hr == model_hash<true>(raw));
    auto tn = wire::truncated_packet_hash<nexus::nexus_profile>(raw);
    NEXUS_FUZZ_CHECK(tn && std::equal(tn->begin(), tn->end(), hn->begin()));

    // What changes in transit does not change the hash: the hops byte, and HEADER_2's transport id.
    std::vector<std::uint8_t> moved(raw.begin(), raw.end());
    moved[1] = static_cast<std::uint8_t>(moved[1] + 1 + (moved[1] % 7));
    if ((raw[0] & 0x40) != 0)
        for (std::size_t i = 2; i < 18; ++i) moved[i] = static_cast<std::uint8_t>(~moved[i] ^ (i * 37));
    auto mn = wire::packet_hash<nexus::nexus_profile>(moved);
    auto mr = wire::packet_hash<nexus::reticulum_profile>(moved);
    NEXUS_FUZZ_CHECK(mn && mr && *mn == *hn && *mr == *hr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
    const std::vector<std::uint8_t> raw(input, input + size);  // exact size: ASan sees overreads
    const std::span<const std::uint8_t> view(raw);

    // The flags byte round-trips field by field whatever its value.
    if (size > 0) {
        const auto f = wire::packet_flags::from_byte(raw[0]);
        NEXUS_FUZZ_CHECK(f.to_byte() == raw[0]);
    }

    const auto v = wire::decode_packet(view);

    // The model's verdict.
    if (size > wire::mtu) {
        NEXUS_FUZZ_CHECK(!v && v.error() == nexus::error::invalid_length);
        return 0;
    }
    if (size < 2) {
        NEXUS_FUZZ_CHECK(!v && v.error() == nexus::error::truncated);
        return 0;
    }
    const std::uint8_t b = raw[0];
    if ((b & 0x80) != 0) {
        NEXUS_FUZZ_CHECK(!v && v.error() == nexus::error::unsupported);
        NEXUS_FUZZ_CHECK(!wire::packet_hash<nexus::nexus_profile>(view));
        return 0;
    }
    const bool h2 = (b & 0x40) != 0;
    const std::size_t header = h2 ? 35 : 19;
    if (size < header) {
        NEXUS_FUZZ_CHECK(!v && v.error() == nexus::error::truncated);
        NEXUS_FUZZ_CHECK(!wire::packet_hash<nexus::reticulum_profile>(view));
        return 0;
    }
    NEXUS_FUZZ_CHECK(v.has_value());

    // Header fields agree with the flags byte's bits and the spec's offsets.
    const auto& hd = v->header;
    NEXUS_FUZZ_CHECK(!hd.flags.ifac);
    NEXUS_FUZZ_CHECK(hd.flags.header == (h2 ? wire::header_type::header_2 : wire::header_type::header_1));
    NEXUS_FUZZ_CHECK(hd.flags.context_flag == ((b & 0x20) != 0));
    NEXUS_FUZZ_CHECK(static_cast<unsigned>(hd.flags.transport) == ((b >> 4) & 1u));
    NEXUS_FUZZ_CHECK(static_cast<unsigned>(hd.flags.destination) == ((b >> 2) & 3u));
    NEXUS_FUZZ_CHECK(static_cast<unsigned>(hd.flags.type) == (b & 3u));
    NEXUS_FUZZ_CHECK(hd.hops == raw[1]);
    NEXUS_FUZZ_CHECK(hd.size() == header);
    const std::size_t dest_at = h2 ? 18 : 2;
    if (h2) NEXUS_FUZZ_CHECK(std::equal(hd.transport_id.begin(), hd.transport_id.end(), raw.begin() + 2));
    NEXUS_FUZZ_CHECK(std::equal(hd.destination.begin(), hd.destination.end(),
                                raw.begin() + static_cast<std::ptrdiff_t>(dest_at)));
    NEXUS_FUZZ_CHECK(hd.context == raw[header - 1]);
    NEXUS_FUZZ_CHECK(v->data.data() == raw.data() + header && v->data.size() == size - header);
    NEXUS_FUZZ_CHECK(v->raw.data() == raw.data() && v->raw.size() == size);

    // Re-encoding gives back exactly the input, and needs exactly its size.
    std::vector<std::uint8_t> out(size, 0);
    auto n = wire::encode_packet(hd, v->data, out);
    NEXUS_FUZZ_CHECK(n && *n == size && out == raw);
    if (size > 0) {
        std::vector<std::uint8_t> small(size - 1, 0);
        auto m = wire::encode_packet(hd, v->data, small);
        NEXUS_FUZZ_CHECK(!m && m.error() == nexus::error::buffer_too_small);
    }
    // One more byte of data than the MTU allows is refused.
    if (size == wire::mtu) {
        std::vector<std::uint8_t> more(v->data.begin(), v->data.end());
        more.push_back(0);
        std::vector<std::uint8_t> big(wire::mtu + 1, 0);
        auto m = wire::encode_packet(hd, more, big);
        NEXUS_FUZZ_CHECK(!m && m.error() == nexus::error::invalid_length);
    }

    check_hashes(view);
    return 0;
}
