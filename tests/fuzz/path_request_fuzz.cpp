// libFuzzer target for path requests (nexus/wire/path_request.hpp; ../shared/spec/reticulum-framing.md
// "Path requests"). The first input byte picks the mode:
//
//   even  the rest is the data of a path request. decode follows the spec's rule written out here
//         by length (< 16 truncated, 16 invalid_length, 17..32 client form, > 32 transport form,
//         tag cut to 16) with every field at its offset; a decoded request re-encodes to the first
//         min(size, 48) input bytes, decodes to itself again, and as a packet under either profile
//         is recognised by that profile alone.
//   odd   the rest is a raw packet. is_path_request_packet holds exactly when the packet is DATA to
//         the PLAIN path request destination of the profile; make_path_response_packet either fails
//         with the error the spec predicts or yields HEADER_2, transport, context 0x0B, the given
//         hops and transport id, the same data and the same packet hash.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/wire/path_request.hpp"

namespace {

namespace wire = nexus::wire;
using NP = nexus::nexus_profile;
using RP = nexus::reticulum_profile;

template <class P, class Other>
void check_as_packet(const wire::path_request& q, std::span<const std::uint8_t> data) {
    std::array<std::uint8_t, wire::mtu> pkt{};
    auto n = wire::build_path_request_packet<P>(q, pkt);
    NEXUS_FUZZ_CHECK(n && *n == wire::header_1_size + data.size());
    const std::vector<std::uint8_t> raw(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(*n));
    auto p = wire::decode_packet(raw);
    NEXUS_FUZZ_CHECK(p.has_value());
    NEXUS_FUZZ_CHECK(raw[0] == 0x08 && raw[1] == 0 && raw[18] == 0);
    NEXUS_FUZZ_CHECK(wire::is_path_request_packet<P>(*p) && !wire::is_path_request_packet<Other>(*p));
    NEXUS_FUZZ_CHECK(std::equal(p->data.begin(), p->data.end(), data.begin(), data.end()));
}

void data_mode(std::span<const std::uint8_t> data) {
    const auto q = wire::path_request::decode(data);
    const std::size_t len = data.size();
    if (len < 16) {
        NEXUS_FUZZ_CHECK(!q && q.error() == nexus::error::truncated);
        return;
    }
    if (len == 16) {
        NEXUS_FUZZ_CHECK(!q && q.error() == nexus::error::invalid_length);
        return;
    }
    NEXUS_FUZZ_CHECK(q.has_value());
    NEXUS_FUZZ_CHECK(std::equal(q->destination.begin(), q->destination.end(), data.begin()));
    const bool transport = len > 32;
    NEXUS_FUZZ_CHECK(q->transport_id.has_value() == transport);
    if (transport)
        NEXUS_FUZZ_CHECK(std::equal(q->transport_id->begin(), q->transport_id->end(), data.begin() + 16));
    const std::size_t from = transport ? 32 : 16;
    const std::size_t tag_len = std::min<std::size_t>(len - from, 16);
    NEXUS_FUZZ_CHECK(q->tag_size == tag_len);
    const auto tag = q->tag_bytes();
    NEXUS_FUZZ_CHECK(std::equal(tag.begin(), tag.end(), data.begin() + static_cast<std::ptrdiff_t>(from),
                                data.begin() + static_cast<std::ptrdiff_t>(from + tag_len)));

    std::array<std::uint8_t, wire::path_request_max_data> out{};
    auto n = q->encode(out);
    NEXUS_FUZZ_CHECK(n && *n == std::min<std::size_t>(len, 48));
    const auto encoded = std::span<const std::uint8_t>(out).first(*n);
    NEXUS_FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), data.begin()));
    auto again = wire::path_request::decode(encoded);
    NEXUS_FUZZ_CHECK(again && *again == *q);
    check_as_packet<NP, RP>(*q, encoded);
    check_as_packet<RP, NP>(*q, encoded);
}

template <class P>
void check_recogniser(const wire::packet_view& p) {
    const bool expect = p.header.flags.type == wire::packet_type::data &&
                        p.header.flags.destination == wire::destination_type::plain &&
                        p.header.destination == wire::path_request_destination<P>();
    NEXUS_FUZZ_CHECK(wire::is_path_request_packet<P>(p) == expect);
    if (expect) (void)wire::path_request::decode(p.data);
}

void packet_mode(std::span<const std::uint8_t> raw, std::uint8_t hops) {
    const auto p = wire::decode_packet(raw);
    nexus::truncated_hash via{};
    for (std::size_t i = 0; i < via.size(); ++i) via[i] = static_cast<std::uint8_t>(hops + i);
    std::array<std::uint8_t, wire::mtu> out{};
    const auto r = wire::make_path_response_packet(raw, via, hops, out);
    if (!p) {
        NEXUS_FUZZ_CHECK(!r && r.error() == p.error());
        return;
    }
    check_recogniser<NP>(*p);
    check_recogniser<RP>(*p);
    if (p->header.flags.type != wire::packet_type::announce) {
        NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::invalid_argument);
        return;
    }
    if (wire::header_2_size + p->data.size() > wire::mtu) {
        NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::invalid_length);
        return;
    }
    NEXUS_FUZZ_CHECK(r && *r == wire::header_2_size + p->data.size());
    const std::vector<std::uint8_t> answer(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*r));
    auto a = wire::decode_packet(answer);
    NEXUS_FUZZ_CHECK(a.has_value());
    NEXUS_FUZZ_CHECK(answer[0] == ((raw[0] & 0x2F) | 0x50));  // context flag, type bits kept
    NEXUS_FUZZ_CHECK(a->header.hops == hops && a->header.transport_id == via);
    NEXUS_FUZZ_CHECK(a->header.context == wire::context::path_response);
    NEXUS_FUZZ_CHECK(a->header.destination == p->header.destination);
    NEXUS_FUZZ_CHECK(std::equal(a->data.begin(), a->data.end(), p->data.begin(), p->data.end()));
    // The hash skips hops, header type, transport type and transport id but covers the context.
    if (p->header.context == wire::context::path_response)
        NEXUS_FUZZ_CHECK(wire::packet_hash<RP>(answer).value() == wire::packet_hash<RP>(raw).value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
    nexus::fuzz::input in(input, size);
    const std::uint8_t mode = in.byte();
    const auto rest = in.rest();
    const std::vector<std::uint8_t> bytes(rest.begin(), rest.end());  // exact size for ASan
    if ((mode & 1) == 0) {
        data_mode(bytes);
    } else {
        packet_mode(bytes, static_cast<std::uint8_t>(mode >> 1));
    }
    return 0;
}
