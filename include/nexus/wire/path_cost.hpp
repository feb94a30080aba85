// CompactPathCost: the 6-byte path summary carried in NEXUS announces
// (../shared/spec/protocol.md "CompactPathCost"), its logarithmic cost and bandwidth codes, and the
// relay update. Layout (u16 little-endian, the NEXUS convention):
//
//   offset 0  cumulative_cost   u16  round(16 * log2(cost + 1)), cost in uNXS per byte
//   offset 2  worst_latency_ms  u16  milliseconds, max over the hops
//   offset 4  bottleneck_bps    u8   round(8 * log2(bps)), bps 0 -> 0
//   offset 5  hop_count         u8   relays traversed
//
// The codes are computed without floating point (for MCUs without an FPU): the exponent is the
// bit length, the rounded fraction is found by comparing the 64-bit normalised mantissa with the
// exact rounding thresholds ceil(2^(63 + (2k - 1) / 32)) (cost) and ceil(2^(63 + (2k - 1) / 16))
// (bandwidth). Since the thresholds are irrational before the ceiling, an integer mantissa is at or
// above one exactly when the real logarithm rounds up there, so the codes equal the real-valued
// formulas for every input (no ties exist). Precision and bounds: docs/wire/path_cost.md.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"

namespace nexus::wire {

namespace path_cost_detail {

// ceil(2^(63 + (2k - 1) / 32)), k = 1..16: a mantissa m (bit 63 set) of v = m * 2^(e - 63) has
// round(16 * log2(v)) = 16 e + (number of thresholds <= m).
inline constexpr std::array<std::uint64_t, 16> cost_thresholds{
    0x82cd8698ac2ba1d8, 0x88980e8092da8528, 0x8ea4398b45cd53c1, 0x94f4efa8fef70962,
    0x9b8d39b9d54e5539, 0xa27043030c496819, 0xa9a15ab4ea7c0ef9, 0xb123f581d2ac2590,
    0xb8fbaf4762fb9eea, 0xc12c4cca66709457, 0xc9b9bd866e2f27a3, 0xd2a81d91f12ae45b,
    0xdbfbb797daf23756, 0xe5b906e77c8348a9, 0xefe4b99bdcdaf5cc, 0xfa83b2db722a033b,
};

// ceil(2^(63 + (2k - 1) / 16)), k = 1..8: the same for round(8 * log2(v)).
inline constexpr std::array<std::uint64_t, 8> bandwidth_thresholds{
    0x85aac367cc487b15, 0x91c3d373ab11c337, 0x9ef5326091a111ae, 0xad583eea42a14ac7,
    0xbd08a39f580c36bf, 0xce248c151f8480e4, 0xe0ccdeec2a94e112, 0xf5257d152486cc2d,
};

// floor(2^(63 + k / 16)), k = 0..15: mantissas of the decoded values, and in bit k of
// mantissa_round_up whether the fraction dropped by the floor is 1/2 or more. The bandwidth codes
// use every other entry (2^(k / 8) = 2^(2k / 16)).
inline constexpr std::array<std::uint64_t, 16> mantissas{
    0x8000000000000000, 0x85aac367cc487b14, 0x8b95c1e3ea8bd6e6, 0x91c3d373ab11c336,
    0x9837f0518db8a96f, 0x9ef5326091a111ad, 0xa5fed6a9b15138ea, 0xad583eea42a14ac6,
    0xb504f333f9de6484, 0xbd08a39f580c36be, 0xc5672a115506dadd, 0xce248c151f8480e3,
    0xd744fccad69d6af4, 0xe0ccdeec2a94e111, 0xeac0c6e7dd24392e, 0xf5257d152486cc2c,
};
inline constexpr std::uint16_t mantissa_round_up = 0x4a26;

// round(Steps * log2(v)) for v >= 1, from the thresholds of that step count.
template <std::size_t N>
constexpr std::uint32_t log_code(std::uint64_t v, const std::array<std::uint64_t, N>& thresholds) noexcept {
    const int e = 63 - std::countl_zero(v);
    const std::uint64_t m = v << (63 - e);
    std::uint32_t r = 0;
    for (const std::uint64_t t : thresholds) r += m >= t ? 1u : 0u;
    return static_cast<std::uint32_t>(e) * static_cast<std::uint32_t>(N) + r;
}

// round(2^(e + k / 16)) exactly, for e <= 63. With X = 2^(63 + k / 16) and s = 63 - e the result
// is floor((X + 2^(s-1)) / 2^s), which equals floor((floor(X) + 2^(s-1)) / 2^s) because 2^(s-1)
// and 2^s are integers; for s = 0 the stored round-up bit supplies the dropped fraction.
constexpr std::uint64_t exp2_rounded(unsigned e, unsigned k) noexcept {
    const std::uint64_t floor_x = mantissas[k];
    const unsigned shift = 63 - e;
    if (shift == 0) return floor_x + ((mantissa_round_up >> k) & 1u);
    return ((floor_x >> (shift - 1)) + 1) >> 1;
}

}  // namespace path_cost_detail

/// Largest cost code encode_cost produces: cost 2^64 - 1, log2(2^64) = 64, 16 * 64.
inline constexpr std::uint16_t max_finite_cost_code = 1024;

/// Cost code of a cost in uNXS per byte: round(16 * log2(cost + 1)). 0 -> 0; never above 1024
/// (max_finite_cost_code, for cost 2^64 - 1), so it is far from the u16 limit.
constexpr std::uint16_t encode_cost(std::uint64_t micro_nxs_per_byte) noexcept {
    if (micro_nxs_per_byte == std::numeric_limits<std::uint64_t>::max()) return max_finite_cost_code;
    return static_cast<std::uint16_t>(
        path_cost_detail::log_code(micro_nxs_per_byte + 1, path_cost_detail::cost_thresholds));
}

/// The cost a code stands for: round(2^(code / 16)) - 1, exactly. Codes of 1024 and above, up to
/// 0xFFFF, saturate at 2^64 - 1. Codes 1..15 and 35 others up to 66 are never produced by
/// encode_cost, since no integer cost rounds to them.
constexpr std::uint64_t decode_cost(std::uint16_t code) noexcept {
    if (code >= max_finite_cost_code) return std::numeric_limits<std::uint64_t>::max();
    return path_cost_detail::exp2_rounded(code >> 4, code & 15u) - 1;
}

/// Bandwidth code: round(8 * log2(bps)), saturating at 255 (bps >= 3,771,522,797, i.e.
/// 2^(254.5 / 8) rounded up). bps 0 and 1 both give 0.
constexpr std::uint8_t encode_bandwidth(std::uint64_t bps) noexcept {
    if (bps <= 1) return 0;
    const std::uint32_t code = path_cost_detail::log_code(bps, path_cost_detail::bandwidth_thresholds);
    return static_cast<std::uint8_t>(std::min<std::uint32_t>(code, 255));
}

/// The bandwidth a code stands for: round(2^(code / 8)) bps; 0 -> 1, 255 -> 3,938,502,376.
constexpr std::uint64_t decode_bandwidth(std::uint8_t code) noexcept {
    return path_cost_detail::exp2_rounded(code >> 3, (code & 7u) * 2u);
}

struct compact_path_cost {
    static constexpr std::size_t wire_size = 6;

    std::uint16_t cumulative_cost = 0;   ///< cost code, see encode_cost
    std::uint16_t worst_latency_ms = 0;  ///< max over the hops, ms
    std::uint8_t bottleneck_bps = 0;     ///< bandwidth code, see encode_bandwidth
    std::uint8_t hop_count = 0;          ///< relays traversed

    /// What an origin puts in its own announce: nothing spent yet, no latency, no bandwidth limit
    /// (code 255, so the first relay's min() takes its own), zero hops.
    static constexpr compact_path_cost origin() noexcept { return {0, 0, 255, 0}; }

    constexpr result<void> write(byte_writer& w) const noexcept {
        if (w.remaining() < wire_size) return fail(error::buffer_too_small);
        (void)w.u16_le(cumulative_cost);
        (void)w.u16_le(worst_latency_ms);
        (void)w.u8(bottleneck_bps);
        (void)w.u8(hop_count);
        return ok();
    }

    /// Reads 6 bytes; truncated (cursor unchanged) when fewer remain.
    static constexpr result<compact_path_cost> read(byte_reader& r) noexcept {
        if (r.remaining() < wire_size) return fail(error::truncated);
        compact_path_cost c;
        c.cumulative_cost = *r.u16_le();
        c.worst_latency_ms = *r.u16_le();
        c.bottleneck_bps = *r.u8();
        c.hop_count = *r.u8();
        return c;
    }

    /// Writes the 6 bytes to the front of `out`; returns 6.
    constexpr result<std::size_t> encode(std::span<std::uint8_t> out) const noexcept {
        byte_writer w{out};
        if (auto r = write(w); !r) return fail(r.error());
        return wire_size;
    }

    /// Exactly 6 bytes: truncated when shorter, invalid_length when longer.
    static constexpr result<compact_path_cost> decode(std::span<const std::uint8_t> in) noexcept {
        if (in.size() > wire_size) return fail(error::invalid_length);
        byte_reader r{in};
        return read(r);
    }

    friend constexpr bool operator==(const compact_path_cost&, const compact_path_cost&) noexcept = default;
};
static_assert(sizeof(compact_path_cost) == compact_path_cost::wire_size);

/// What a relay's own hop contributes when it forwards an announce.
struct hop_metrics {
    std::uint64_t cost_per_byte = 0;  ///< uNXS per byte
    std::uint32_t latency_ms = 0;     ///< measured; saturates at 0xFFFF in the summary
    std::uint64_t bps = 0;            ///< link bandwidth
};

/// The relay update (protocol.md "CompactPathCost"): cost = encode(decode(cost) + own), computed
/// in the decoded domain with saturation and never below the incoming code (so a code above 1024
/// stays as it is, and rounding can never make a path look cheaper for the extra hop); a hop of
/// cost 0 leaves the code exactly as it was (even a code encode_cost never produces); latency =
/// max; bandwidth = min of the codes (the same as the min of the rates, since the code is
/// monotonic); hops + 1, saturating at 255.
constexpr compact_path_cost relay_update(const compact_path_cost& in, const hop_metrics& own) noexcept {
    compact_path_cost out = in;
    const std::uint64_t before = decode_cost(in.cumulative_cost);
    const std::uint64_t sum = own.cost_per_byte > std::numeric_limits<std::uint64_t>::max() - before
                                  ? std::numeric_limits<std::uint64_t>::max()
                                  : before + own.cost_per_byte;
    if (own.cost_per_byte != 0) out.cumulative_cost = std::max(in.cumulative_cost, encode_cost(sum));
    const auto latency = static_cast<std::uint16_t>(std::min<std::uint32_t>(own.latency_ms, 0xFFFF));
    out.worst_latency_ms = std::max(in.worst_latency_ms, latency);
    out.bottleneck_bps = std::min(in.bottleneck_bps, encode_bandwidth(own.bps));
    out.hop_count = in.hop_count == 255 ? std::uint8_t{255} : static_cast<std::uint8_t>(in.hop_count + 1);
    return out;
}

}  // namespace nexus::wire
