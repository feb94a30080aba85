// libFuzzer target for the NEXUS announce extension and CompactPathCost (nexus/wire/announce_ext.hpp,
// nexus/wire/path_cost.hpp). The whole input is parsed as app data: the verdict must match a
// model of the documented checks (magic, length, version, TLV bounds), is_nexus_extension must
// agree, and whatever parses must rebuild byte for byte through the builder, with every TLV a view
// inside the input. The same bytes then drive the path-cost codecs: 6-byte round trip, the log
// codes' monotonicity and range, and the relay update's invariants.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/wire/announce_ext.hpp"

namespace {

namespace wire = nexus::wire;

std::uint64_t u64_from(nexus::fuzz::input& in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | in.byte();
    return v >> (in.byte() % 64);  // spread over all magnitudes
}

void check_parse(std::span<const std::uint8_t> d) {
    const auto v = wire::parse_announce_ext(d);
    NEXUS_FUZZ_CHECK(wire::is_nexus_extension(d) == (d.size() >= 8 && d[0] == 0x4E));

    // Model of the documented order of checks.
    nexus::error want{};
    bool want_ok = false;
    if (d.empty()) {
        want = nexus::error::truncated;
    } else if (d[0] != 0x4E) {
        want = nexus::error::bad_encoding;
    } else if (d.size() < 8) {
        want = nexus::error::truncated;
    } else if (d[1] == 0) {
        want = nexus::error::bad_encoding;
    } else if (d[1] > 1) {
        want = nexus::error::unsupported;
    } else {
        std::size_t i = 8;
        want_ok = true;
        while (i < d.size()) {
            if (d.size() - i < 2 || d.size() - i - 2 < d[i + 1]) {
                want_ok = false;
                want = nexus::error::truncated;
                break;
            }
            i += 2 + std::size_t{d[i + 1]};
        }
    }
    NEXUS_FUZZ_CHECK(v.has_value() == want_ok);
    if (!v) {
        NEXUS_FUZZ_CHECK(v.error() == want);
        return;
    }

    NEXUS_FUZZ_CHECK(v->version == 1 && v->raw.data() == d.data() && v->raw.size() == d.size());
    // Rebuild: same bytes.
    std::vector<std::uint8_t> out(d.size());
    auto b = wire::announce_ext_builder::create(out, v->path_cost);
    NEXUS_FUZZ_CHECK(b.has_value());
    std::size_t count = 0;
    bool seen_lamport = false;
    for (const auto e : v->tlvs) {
        NEXUS_FUZZ_CHECK(e.data.data() >= d.data() + 10 || e.data.empty());
        NEXUS_FUZZ_CHECK(e.data.data() + e.data.size() <= d.data() + d.size());
        NEXUS_FUZZ_CHECK(b->add_tlv(e.type, e.data).has_value());
        if (e.type == 0x01 && !seen_lamport) {
            seen_lamport = true;
            const auto t = v->lamport_timestamp();
            NEXUS_FUZZ_CHECK(t.has_value() == (e.data.size() == 8));
        }
        ++count;
    }
    const auto lamport = v->lamport_timestamp();
    NEXUS_FUZZ_CHECK(!seen_lamport == (!lamport && lamport.error() == nexus::error::not_found));
    NEXUS_FUZZ_CHECK(wire::validate_tlvs(v->tlvs.bytes()).value() == count);
    NEXUS_FUZZ_CHECK(b->size() == d.size() && std::equal(out.begin(), out.end(), d.begin(), d.end()));
    (void)v->path_mtu();
    (void)v->capabilities();
}

void check_path_cost(nexus::fuzz::input& in) {
    std::uint8_t raw[6];
    in.fill(raw);
    const auto c = wire::compact_path_cost::decode(raw);
    NEXUS_FUZZ_CHECK(c.has_value());
    std::uint8_t again[6];
    NEXUS_FUZZ_CHECK(c->encode(again).value() == 6 && std::equal(raw, raw + 6, again));
    NEXUS_FUZZ_CHECK(c->cumulative_cost == (raw[0] | raw[1] << 8) && c->hop_count == raw[5]);

    const std::uint64_t x = u64_from(in);
    const std::uint16_t code = wire::encode_cost(x);
    NEXUS_FUZZ_CHECK(code <= wire::max_finite_cost_code);
    if (x != std::numeric_limits<std::uint64_t>::max()) NEXUS_FUZZ_CHECK(wire::encode_cost(x + 1) >= code);
    if (x != 0) NEXUS_FUZZ_CHECK(wire::encode_cost(x - 1) <= code);
    NEXUS_FUZZ_CHECK(wire::encode_cost(wire::decode_cost(code)) == code);  // codes from encode are reachable
    const std::uint8_t bw = wire::encode_bandwidth(x);
    NEXUS_FUZZ_CHECK(wire::encode_bandwidth(wire::decode_bandwidth(bw)) == bw);
    if (x != std::numeric_limits<std::uint64_t>::max()) NEXUS_FUZZ_CHECK(wire::encode_bandwidth(x + 1) >= bw);

    const wire::hop_metrics own{x, static_cast<std::uint32_t>(u64_from(in)), u64_from(in)};
    const auto r = wire::relay_update(*c, own);
    NEXUS_FUZZ_CHECK(r.cumulative_cost >= c->cumulative_cost);
    if (own.cost_per_byte == 0) NEXUS_FUZZ_CHECK(r.cumulative_cost == c->cumulative_cost);
    if (c->cumulative_cost <= wire::max_finite_cost_code)
        NEXUS_FUZZ_CHECK(r.cumulative_cost <= wire::max_finite_cost_code);
    NEXUS_FUZZ_CHECK(r.cumulative_cost >= wire::encode_cost(own.cost_per_byte));
    NEXUS_FUZZ_CHECK(r.worst_latency_ms >= c->worst_latency_ms);
    NEXUS_FUZZ_CHECK(r.bottleneck_bps <= c->bottleneck_bps);
    NEXUS_FUZZ_CHECK(r.hop_count == std::min(255, c->hop_count + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An exact-size heap copy, so ASan sees any read past the end.
    const std::vector<std::uint8_t> copy(data, data + size);
    check_parse(copy);
    nexus::fuzz::input in(data, size);
    check_path_cost(in);
    return 0;
}
