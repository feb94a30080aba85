// The address ring of greedy forwarding (../shared/spec/protocol.md "Routing"): 16-byte addresses
// are points on a ring of size 2^128 and
//
//   ring_distance(a, b) = min(|a - b|, 2^128 - |a - b|)        (0 .. 2^127, antipodes = 2^127)
//
// An address is read as a big-endian unsigned integer (byte 0 most significant), the order in
// which hashes are printed. The arithmetic is two 64-bit limbs on every target (no __int128, no
// floating point), so an FPU-less 32-bit MCU routes with the same results as a host; the tests
// check it against unsigned __int128 where the compiler has it.
//
// Fixed point: a fraction in [0, 1] is a Q0.16 integer 0..65535 (value x 65535, the spec's
// "Q0.16 on constrained nodes" convention). norm_q16(v, max) = round(65535 * v / max) is the
// per-candidate-set normalisation the path policies use; ring_fraction_q16(d) = round(65535 * d /
// 2^127) places a distance on the whole ring's scale. Accuracy: docs/routing.md.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>

#include "nexus/identity/hash_profile.hpp"

namespace nexus::routing {

/// An unsigned 128-bit integer as two limbs; only what the ring needs.
struct u128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;

    static constexpr u128 from_u64(std::uint64_t v) noexcept { return {0, v}; }

    /// The big-endian value of a 16-byte address.
    static constexpr u128 from_address(const truncated_hash& a) noexcept {
        u128 r;
        for (std::size_t i = 0; i < 8; ++i) r.hi = (r.hi << 8) | a[i];
        for (std::size_t i = 8; i < 16; ++i) r.lo = (r.lo << 8) | a[i];
        return r;
    }

    /// a - b modulo 2^128.
    friend constexpr u128 operator-(const u128& a, const u128& b) noexcept {
        const std::uint64_t lo = a.lo - b.lo;
        const std::uint64_t borrow = a.lo < b.lo ? 1u : 0u;
        return {a.hi - b.hi - borrow, lo};
    }
    /// -a modulo 2^128 (= 2^128 - a for a != 0).
    constexpr u128 negate() const noexcept { return u128{} - *this; }

    constexpr u128 shr(unsigned s) const noexcept {
        if (s == 0) return *this;
        if (s >= 128) return {};
        if (s >= 64) return {0, hi >> (s - 64)};
        return {hi >> s, (lo >> s) | (hi << (64 - s))};
    }
    /// Number of significant bits (0 for zero).
    constexpr unsigned bit_length() const noexcept {
        if (hi != 0) return 128u - static_cast<unsigned>(std::countl_zero(hi));
        return 64u - static_cast<unsigned>(std::countl_zero(lo));
    }

    friend constexpr bool operator==(const u128&, const u128&) noexcept = default;
    friend constexpr std::strong_ordering operator<=>(const u128& a, const u128& b) noexcept {
        if (a.hi != b.hi) return a.hi <=> b.hi;
        return a.lo <=> b.lo;
    }
};

/// The largest ring distance: 2^127, between antipodes.
inline constexpr u128 max_ring_distance{std::uint64_t{1} << 63, 0};

/// min(|a - b|, 2^128 - |a - b|) on 128-bit values.
constexpr u128 ring_distance(const u128& a, const u128& b) noexcept {
    const u128 d = a - b;  // |a - b| or 2^128 - |a - b|; the other one is its negation
    const u128 e = d.negate();
    return d < e ? d : e;
}

/// ring_distance of two addresses read big-endian.
constexpr u128 ring_distance(const truncated_hash& a, const truncated_hash& b) noexcept {
    return ring_distance(u128::from_address(a), u128::from_address(b));
}

/// The Q0.16 one (1.0 = 65535).
inline constexpr std::uint32_t q16_one = 65535;

/// round(65535 * v / max) for v <= max, 0 when max is 0; values above max clamp to 65535.
/// Both operands are first shifted right until max fits in 32 bits, so the quotient is one 48-by-32
/// bit division; the shift changes the result by less than 2^-15 of one Q16 step (docs/routing.md).
constexpr std::uint32_t norm_q16(const u128& v, const u128& max) noexcept {
    if (max == u128{}) return 0;
    if (v >= max) return q16_one;
    const unsigned bits = max.bit_length();
    const unsigned s = bits > 32 ? bits - 32 : 0;
    const std::uint64_t m = max.shr(s).lo;  // 2^31 <= m < 2^32 when shifted
    const std::uint64_t x = v.shr(s).lo;    // x <= m
    return static_cast<std::uint32_t>((x * q16_one + m / 2) / m);
}
constexpr std::uint32_t norm_q16(std::uint64_t v, std::uint64_t max) noexcept {
    return norm_q16(u128::from_u64(v), u128::from_u64(max));
}

/// round(65535 * d / 2^127): a ring distance as a fraction of the largest one.
constexpr std::uint32_t ring_fraction_q16(const u128& d) noexcept { return norm_q16(d, max_ring_distance); }

}  // namespace nexus::routing
