// libFuzzer target for announces (nexus/wire/announce.hpp; ../shared/spec/reticulum-framing.md
// "Announce"). The first input byte picks the mode:
//
//   even  raw: the rest is a packet. decode_packet, parse_announce and validate_announce under both
//         hash profiles never crash; a validated announce has the fields parse_announce found (at
//         the spec's offsets), never validates under both profiles at once (the destination hash
//         differs), and still validates with the unsigned header bytes changed (hops, context).
//   odd   structured: profile (bit 1 of the mode byte), Ed25519 seed (32), name hash (10), random
//         hash (10), ratchet flag (1) + ratchet (32), context (1), app data length (2, big-endian)
//         and app data, then mutations: count (1), each position (2) and XOR mask (1). The announce
//         is built from the fields and must validate (and not under the other profile, and still
//         after a relay turns it into HEADER_2 when that fits the MTU). The mutated copy must then validate
//         exactly when every changed bit lies outside the signed region: the hops byte (offset 1), the
//         context byte (18) and the flags byte's transport-type bit (0x10), which the spec does not sign
//         either (a relay sets it when it adds a transport id). Any other change fails.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/wire/announce.hpp"

namespace {

namespace wire = nexus::wire;
using NP = nexus::nexus_profile;
using RP = nexus::reticulum_profile;

template <class P>
nexus::result<wire::validated_announce<P>> validate(std::span<const std::uint8_t> raw) {
    return wire::validate_announce<P>(raw);
}

// The announce fields sit where the spec puts them, as views into the packet.
void check_fields(const wire::announce_view& a, std::span<const std::uint8_t> raw) {
    const std::size_t h = a.header.size();
    const std::size_t rt = a.header.flags.context_flag ? wire::ratchet_size : 0;
    NEXUS_FUZZ_CHECK(a.public_key.data() == raw.data() + h);
    NEXUS_FUZZ_CHECK(a.name.data() == raw.data() + h + 64);
    NEXUS_FUZZ_CHECK(a.random.data() == raw.data() + h + 74);
    NEXUS_FUZZ_CHECK(a.ratchet.size() == rt && (rt == 0 || a.ratchet.data() == raw.data() + h + 84));
    NEXUS_FUZZ_CHECK(a.has_ratchet() == (rt != 0));
    NEXUS_FUZZ_CHECK(a.signature.data() == raw.data() + h + 84 + rt);
    NEXUS_FUZZ_CHECK(a.app_data.data() == raw.data() + h + 148 + rt);
    NEXUS_FUZZ_CHECK(a.app_data.size() == raw.size() - h - 148 - rt);
}

template <class P>
void check_unsigned_header(std::span<const std::uint8_t> raw) {
    std::vector<std::uint8_t> m(raw.begin(), raw.end());
    const std::size_t ctx_at = (m[0] & 0x40) != 0 ? 34 : 18;
    m[1] = static_cast<std::uint8_t>(m[1] + 1);
    m[ctx_at] = static_cast<std::uint8_t>(m[ctx_at] ^ 0x0B);
    NEXUS_FUZZ_CHECK(validate<P>(m).has_value());
}

void raw_mode(std::span<const std::uint8_t> raw) {
    auto p = wire::decode_packet(raw);
    if (!p) {
        NEXUS_FUZZ_CHECK(!validate<NP>(raw) && !validate<RP>(raw));
        return;
    }
    auto parsed = wire::parse_announce(*p);
    if (parsed) check_fields(*parsed, raw);
    auto vn = wire::validate_announce<NP>(*p);
    auto vr = wire::validate_announce<RP>(*p);
    if (!parsed) NEXUS_FUZZ_CHECK(!vn && !vr && vn.error() == parsed.error() && vr.error() == parsed.error());
    NEXUS_FUZZ_CHECK(!(vn && vr));
    if (vn) {
        check_fields(vn->fields, raw);
        NEXUS_FUZZ_CHECK(std::equal(vn->identity.public_key().begin(), vn->identity.public_key().end(),
                                    parsed->public_key.begin()));
        check_unsigned_header<NP>(raw);
    }
    if (vr) {
        check_fields(vr->fields, raw);
        check_unsigned_header<RP>(raw);
    }
}

// The relay's rewrite: HEADER_2, transport type set, a transport id inserted after the hops byte.
std::vector<std::uint8_t> to_header_2(std::span<const std::uint8_t> h1,
                                      std::span<const std::uint8_t, 16> via) {
    std::vector<std::uint8_t> h2;
    h2.push_back(static_cast<std::uint8_t>(h1[0] | 0x40 | 0x10));
    h2.push_back(static_cast<std::uint8_t>(h1[1] + 1));
    h2.insert(h2.end(), via.begin(), via.end());
    h2.insert(h2.end(), h1.begin() + 2, h1.end());
    return h2;
}

template <class P, class Other>
void structured_mode(nexus::fuzz::input& in) {
    std::array<std::uint8_t, 32> seed{};
    in.fill(seed);
    const auto id = nexus::identity<P>::from_ed25519_seed(seed);
    wire::announce_params params;
    in.fill(params.name);
    in.fill(params.random);
    const bool with_ratchet = (in.byte() & 1) != 0;
    std::array<std::uint8_t, 32> ratchet{};
    in.fill(ratchet);
    if (with_ratchet) params.ratchet = ratchet;
    params.context = in.byte();
    const std::size_t app_len = in.u16() % 512;
    std::vector<std::uint8_t> app(app_len);
    in.fill(app);
    params.app_data = app;

    std::vector<std::uint8_t> pkt(wire::mtu + 1, 0);
    auto n = wire::build_announce(id, params, pkt);
    const std::size_t expect = wire::announce_min_packet + (with_ratchet ? 32 : 0) + app_len;
    if (expect > wire::mtu) {
        NEXUS_FUZZ_CHECK(!n && n.error() == nexus::error::invalid_length);
        return;
    }
    NEXUS_FUZZ_CHECK(n && *n == expect);
    pkt.resize(*n);  // exact size from here on
    // The header the spec prescribes: announce, single, HEADER_1, hops 0, the context asked for.
    NEXUS_FUZZ_CHECK(pkt[0] == (with_ratchet ? 0x21 : 0x01));
    NEXUS_FUZZ_CHECK(pkt[1] == 0 && pkt[18] == params.context);

    auto good = validate<P>(pkt);
    NEXUS_FUZZ_CHECK(good.has_value());
    NEXUS_FUZZ_CHECK(good->identity.public_key() == id.public_key());
    NEXUS_FUZZ_CHECK(
        std::equal(good->fields.app_data.begin(), good->fields.app_data.end(), app.begin(), app.end()));
    NEXUS_FUZZ_CHECK(wire::random_hash_timestamp(good->fields.random) ==
                     wire::random_hash_timestamp(std::span<const std::uint8_t, 10>(params.random)));
    // The other profile derives another destination hash from the same key and name.
    auto other = validate<Other>(pkt);
    NEXUS_FUZZ_CHECK(!other && other.error() == nexus::error::auth_failed);
    // A relay's HEADER_2 rewrite keeps it valid.
    std::array<std::uint8_t, 16> via{};
    std::copy_n(seed.begin(), 16, via.begin());
    // (An announce over 484 bytes has no room for the transport id: the MTU refuses it.)
    const auto relayed = validate<P>(to_header_2(pkt, via));
    if (pkt.size() + 16 <= wire::mtu) {
        NEXUS_FUZZ_CHECK(relayed.has_value());
    } else {
        NEXUS_FUZZ_CHECK(!relayed && relayed.error() == nexus::error::invalid_length);
    }

    // Mutations.
    std::vector<std::uint8_t> m = pkt;
    const std::size_t count = in.byte() % 9;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t pos = in.u16() % m.size();
        std::uint8_t mask = in.byte();
        if (mask == 0) mask = 0x01;
        m[pos] = static_cast<std::uint8_t>(m[pos] ^ mask);
    }
    bool only_unsigned = true;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const std::uint8_t diff = static_cast<std::uint8_t>(m[i] ^ pkt[i]);
        if (diff == 0 || i == 1 || i == 18) continue;
        if (i == 0 && diff == 0x10) continue;  // transport type: not signed, not part of the layout
        only_unsigned = false;
    }
    const auto verdict = validate<P>(m);
    if (only_unsigned) {
        NEXUS_FUZZ_CHECK(verdict.has_value());
    } else {
        NEXUS_FUZZ_CHECK(!verdict.has_value());
    }
    // Whatever the mutation, the raw-mode invariants hold too.
    raw_mode(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
    nexus::fuzz::input in(input, size);
    const std::uint8_t mode = in.byte();
    if ((mode & 1) == 0) {
        const auto rest = in.rest();
        const std::vector<std::uint8_t> raw(rest.begin(), rest.end());  // exact size for ASan
        raw_mode(raw);
        return 0;
    }
    if ((mode & 2) == 0) {
        structured_mode<NP, RP>(in);
    } else {
        structured_mode<RP, NP>(in);
    }
    return 0;
}
