// Arithmetic in GF(p), p = 2^255 - 19, the field of Curve25519 and edwards25519 (RFC 7748 §4.1,
// RFC 8032 §5.1): a 64-bit backend (fe51) and a portable 32-bit backend (fe25_5) behind one API.
#pragma once

// Two representations, both always usable side by side so that one test binary checks both:
//
//   fe51    5 limbs of 51 bits in uint64_t, products in unsigned __int128. Only where the compiler
//           has __int128 (64-bit GCC/Clang targets).
//   fe25_5  10 limbs of alternately 26 and 25 bits in int32_t, products in int64_t. Everywhere.
//
// `fe` names the one the library uses: fe25_5 when NEXUS_CRYPTO_32BIT is defined or there is no
// __int128, fe51 otherwise.
//
// Every operation is a free function overloaded on the element type (fe_add, fe_mul, ...), so the
// curve code is written once as templates over a `field_element` type.
//
// Limb bounds (lazy reduction). Neither backend carries in fe_add/fe_sub; instead callers follow
// one rule that keeps both backends free of overflow. Count "units": the output of fe_mul,
// fe_sq, fe_sq2, fe_mul121666, fe_carry, fe_neg and fe_from_bytes is 1 unit (fe_cmov/fe_cswap keep
// the larger count of their operands); fe_add(f, g) and fe_sub(f, g) have units(f) + units(g).
//   - fe_mul, fe_sq, fe_mul121666, fe_carry, fe_neg, fe_to_bytes and the comparison helpers
//     accept inputs of at most 3 units built with at most one fe_sub; fe_sq2 at most 2 units;
//   - the subtrahend g of fe_sub(f, g) must be 1 unit or an fe_add of two 1-unit values, never
//     an fe_sub result (fe51 computes f + 4p - g on unsigned limbs).
// (fe25_5: 1 unit = ref10's 1.1*2^25 / 1.1*2^24 per limb; 3 units keep 19*g within int32_t and the
//  column sums within int64_t. fe51: 1 unit < 2^51 + 2^18 per limb and fe_sub adds 4p, so inputs
//  stay below 2^53.9, under the 2^54.2 that keeps every carry of the 128-bit columns, and 19 times
//  the top one, within 64 bits; fe_sq2 doubles the columns, hence its 2 units.)
// tests/crypto/field_test.cpp drives both backends with inputs at these limits.
//
// Constant time: no operation branches on or indexes by the value of an element; selection is
// by masks (fe_cmov, fe_cswap); inversion and square roots are fixed exponentiations.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "nexus/core/endian.hpp"

#if !defined(NEXUS_CRYPTO_32BIT) && defined(__SIZEOF_INT128__)
#define NEXUS_CURVE25519_DEFAULT_FE51 1
#endif

// The small field operations are worth inlining into the point formulas even where the compiler's
// size heuristics would not: it keeps limbs in registers across additions and subtractions.
#if defined(__GNUC__) || defined(__clang__)
#define NEXUS_CURVE25519_INLINE [[gnu::always_inline]] inline
#define NEXUS_CURVE25519_NOINLINE [[gnu::noinline]]
#else
#define NEXUS_CURVE25519_INLINE inline
#define NEXUS_CURVE25519_NOINLINE
#endif

// Loops over limbs must be unrolled to keep limbs in registers; GCC does not do it at -O2. Not
// when optimising for size (-Os, -Oz): there code size wins, e.g. on a Cortex-M firmware.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define NEXUS_CURVE25519_PRAGMA(x) _Pragma(#x)
#define NEXUS_CURVE25519_UNROLL(n) NEXUS_CURVE25519_PRAGMA(GCC unroll n)
#else
#define NEXUS_CURVE25519_UNROLL(n)
#endif

namespace nexus::crypto::curve25519 {

/// Returns v unchanged, but hides its value from the optimiser, so that a mask derived from a
/// secret cannot be turned back into a branch or a secret-dependent address (Clang 14 turns
/// `(a & m) | (b & ~m)` on a sign mask into a load from a selected pointer, for example).
template <class T>
NEXUS_CURVE25519_INLINE constexpr T ct_barrier(T v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    if (!std::is_constant_evaluated()) __asm__("" : "+r"(v));
#endif
    return v;
}

/// Little-endian 64-bit words of a canonical value, used to write constants once for both backends.
using fe_words = std::array<std::uint64_t, 4>;

// ---------------------------------------------------------------------------------------------
// 64-bit backend: 5 x 51 bits
// ---------------------------------------------------------------------------------------------
#if defined(__SIZEOF_INT128__)
#define NEXUS_CURVE25519_HAVE_FE51 1

/// Element of GF(2^255-19) as v[0] + v[1]*2^51 + ... + v[4]*2^204 (not necessarily reduced).
struct fe51 {
    std::array<std::uint64_t, 5> v;
};

namespace detail51 {
__extension__ typedef unsigned __int128 u128;
inline constexpr std::uint64_t mask = (std::uint64_t{1} << 51) - 1;

// Carry five 128-bit column sums into a 1-unit element. The carry out of the top limb re-enters
// at the bottom times 19 because 2^255 = 19 (mod p). Carrying all columns at once, then once more
// on 64 bits, gives a shorter dependency chain than one sequential pass (squaring chains are
// latency bound). With inputs below 2^54.2 every carry is below 2^63.7 and the top column, which
// has no factor 19, below 2^59.5, so nothing overflows.
NEXUS_CURVE25519_INLINE constexpr void carry_wide(fe51& h, u128 r0, u128 r1, u128 r2, u128 r3,
                                                  u128 r4) noexcept {
    // All five carries at once, then a short second round on 64 bits.
    const std::uint64_t c0 = static_cast<std::uint64_t>(r0 >> 51), c1 = static_cast<std::uint64_t>(r1 >> 51),
                        c2 = static_cast<std::uint64_t>(r2 >> 51), c3 = static_cast<std::uint64_t>(r3 >> 51),
                        c4 = static_cast<std::uint64_t>(r4 >> 51);
    std::uint64_t h0 = (static_cast<std::uint64_t>(r0) & mask) + 19 * c4;
    std::uint64_t h1 = (static_cast<std::uint64_t>(r1) & mask) + c0;
    std::uint64_t h2 = (static_cast<std::uint64_t>(r2) & mask) + c1;
    std::uint64_t h3 = (static_cast<std::uint64_t>(r3) & mask) + c2;
    std::uint64_t h4 = (static_cast<std::uint64_t>(r4) & mask) + c3;
    h.v = {(h0 & mask) + 19 * (h4 >> 51), (h1 & mask) + (h0 >> 51), (h2 & mask) + (h1 >> 51),
           (h3 & mask) + (h2 >> 51), (h4 & mask) + (h3 >> 51)};
}
}  // namespace detail51

constexpr void fe_zero(fe51& h) noexcept { h.v = {0, 0, 0, 0, 0}; }
constexpr void fe_one(fe51& h) noexcept { h.v = {1, 0, 0, 0, 0}; }

NEXUS_CURVE25519_INLINE constexpr void fe_add(fe51& h, const fe51& f, const fe51& g) noexcept {
    h.v = {f.v[0] + g.v[0], f.v[1] + g.v[1], f.v[2] + g.v[2], f.v[3] + g.v[3], f.v[4] + g.v[4]};
}

/// h = f - g, computed as f + 4p - g so unsigned limbs never wrap (g up to 2 units).
NEXUS_CURVE25519_INLINE constexpr void fe_sub(fe51& h, const fe51& f, const fe51& g) noexcept {
    constexpr std::uint64_t four_p0 = 4 * ((std::uint64_t{1} << 51) - 19);
    constexpr std::uint64_t four_pi = 4 * ((std::uint64_t{1} << 51) - 1);
    h.v = {f.v[0] + four_p0 - g.v[0], f.v[1] + four_pi - g.v[1], f.v[2] + four_pi - g.v[2],
           f.v[3] + four_pi - g.v[3], f.v[4] + four_pi - g.v[4]};
}

/// Weak reduction: any input below 2^63 per limb becomes 1 unit (limbs < 2^51 + 2^13).
NEXUS_CURVE25519_INLINE constexpr void fe_carry(fe51& h, const fe51& f) noexcept {
    using detail51::mask;
    std::uint64_t h0 = f.v[0], h1 = f.v[1], h2 = f.v[2], h3 = f.v[3], h4 = f.v[4];
    h1 += h0 >> 51;
    h0 &= mask;
    h2 += h1 >> 51;
    h1 &= mask;
    h3 += h2 >> 51;
    h2 &= mask;
    h4 += h3 >> 51;
    h3 &= mask;
    h0 += (h4 >> 51) * 19;
    h4 &= mask;
    h1 += h0 >> 51;
    h0 &= mask;
    h.v = {h0, h1, h2, h3, h4};
}

/// h = -f as 1 unit, for any input of at most 3 units.
constexpr void fe_neg(fe51& h, const fe51& f) noexcept {
    fe51 t{}, zero{};
    fe_carry(t, f);
    fe_sub(h, zero, t);
    fe_carry(h, h);
}

NEXUS_CURVE25519_INLINE constexpr void fe_mul(fe51& h, const fe51& f, const fe51& g) noexcept {
    using detail51::u128;
    const std::uint64_t f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
    const std::uint64_t g0 = g.v[0], g1 = g.v[1], g2 = g.v[2], g3 = g.v[3], g4 = g.v[4];
    // Columns above 2^255 fold back multiplied by 19.
    const std::uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    const u128 r0 = u128{f0} * g0 + u128{f1} * g4_19 + u128{f2} * g3_19 + u128{f3} * g2_19 + u128{f4} * g1_19;
    const u128 r1 = u128{f0} * g1 + u128{f1} * g0 + u128{f2} * g4_19 + u128{f3} * g3_19 + u128{f4} * g2_19;
    const u128 r2 = u128{f0} * g2 + u128{f1} * g1 + u128{f2} * g0 + u128{f3} * g4_19 + u128{f4} * g3_19;
    const u128 r3 = u128{f0} * g3 + u128{f1} * g2 + u128{f2} * g1 + u128{f3} * g0 + u128{f4} * g4_19;
    const u128 r4 = u128{f0} * g4 + u128{f1} * g3 + u128{f2} * g2 + u128{f3} * g1 + u128{f4} * g0;
    detail51::carry_wide(h, r0, r1, r2, r3, r4);
}

namespace detail51 {
// Column sums of f^2, sharing the symmetric products (15 multiplications instead of 25).
struct square_columns {
    u128 r0, r1, r2, r3, r4;
};
NEXUS_CURVE25519_INLINE constexpr square_columns square(const fe51& f) noexcept {
    const std::uint64_t f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
    const std::uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1;
    const std::uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
    const std::uint64_t f3_38 = 2 * f3_19, f4_38 = 2 * f4_19;
    return {
        u128{f0} * f0 + u128{f1_2} * f4_19 + u128{f2} * f3_38,
        u128{f0_2} * f1 + u128{f2} * f4_38 + u128{f3} * f3_19,
        u128{f0_2} * f2 + u128{f1} * f1 + u128{f3} * f4_38,
        u128{f0_2} * f3 + u128{f1_2} * f2 + u128{f4} * f4_19,
        u128{f0_2} * f4 + u128{f1_2} * f3 + u128{f2} * f2,
    };
}
}  // namespace detail51

NEXUS_CURVE25519_INLINE constexpr void fe_sq(fe51& h, const fe51& f) noexcept {
    const auto c = detail51::square(f);
    detail51::carry_wide(h, c.r0, c.r1, c.r2, c.r3, c.r4);
}

/// h = 2 f^2 (the doubling formula needs 2Z^2), for inputs of at most 2 units.
NEXUS_CURVE25519_INLINE constexpr void fe_sq2(fe51& h, const fe51& f) noexcept {
    // Doubling the columns rather than the result saves a carry pass; with inputs of 2 units the
    // doubled top carry times 19 still fits in 64 bits.
    const auto c = detail51::square(f);
    detail51::carry_wide(h, c.r0 << 1, c.r1 << 1, c.r2 << 1, c.r3 << 1, c.r4 << 1);
}

/// h = 121666 f, the constant (A + 2) / 4 of the Montgomery ladder (RFC 7748 §5).
NEXUS_CURVE25519_INLINE constexpr void fe_mul121666(fe51& h, const fe51& f) noexcept {
    using detail51::u128;
    constexpr std::uint64_t k = 121666;
    detail51::carry_wide(h, u128{f.v[0]} * k, u128{f.v[1]} * k, u128{f.v[2]} * k, u128{f.v[3]} * k,
                         u128{f.v[4]} * k);
}

/// Reads 32 little-endian bytes, ignoring the top bit (RFC 7748 §5, RFC 8032 §5.1.3). The value
/// is not reduced: 2^255 - 19 .. 2^255 - 1 stay as they are and behave as their residues.
constexpr void fe_from_bytes(fe51& h, const std::uint8_t* s) noexcept {
    using detail51::mask;
    h.v = {load64_le(s) & mask, (load64_le(s + 6) >> 3) & mask, (load64_le(s + 12) >> 6) & mask,
           (load64_le(s + 19) >> 1) & mask, (load64_le(s + 24) >> 12) & mask};
}

/// Writes the canonical encoding (the unique representative in [0, p)).
constexpr void fe_to_bytes(std::uint8_t* s, const fe51& f) noexcept {
    using detail51::mask;
    fe51 t{};
    fe_carry(t, f);
    // Now t < 2^255 + 2^14 < 2p. q = 1 exactly when t >= p, i.e. when t + 19 reaches 2^255.
    std::uint64_t q = (t.v[0] + 19) >> 51;
    q = (t.v[1] + q) >> 51;
    q = (t.v[2] + q) >> 51;
    q = (t.v[3] + q) >> 51;
    q = (t.v[4] + q) >> 51;
    // t - q*p = t + 19q - q*2^255: add 19q, propagate, and drop bit 255.
    std::uint64_t h0 = t.v[0] + 19 * q, h1 = t.v[1], h2 = t.v[2], h3 = t.v[3], h4 = t.v[4];
    h1 += h0 >> 51;
    h0 &= mask;
    h2 += h1 >> 51;
    h1 &= mask;
    h3 += h2 >> 51;
    h2 &= mask;
    h4 += h3 >> 51;
    h3 &= mask;
    h4 &= mask;
    store64_le(s, h0 | (h1 << 51));
    store64_le(s + 8, (h1 >> 13) | (h2 << 38));
    store64_le(s + 16, (h2 >> 26) | (h3 << 25));
    store64_le(s + 24, (h3 >> 39) | (h4 << 12));
}

/// f = g when b == 1, unchanged when b == 0 (b must be 0 or 1).
NEXUS_CURVE25519_INLINE constexpr void fe_cmov(fe51& f, const fe51& g, std::uint32_t b) noexcept {
    const std::uint64_t m = ct_barrier(0 - static_cast<std::uint64_t>(b));
    f.v = {f.v[0] ^ (m & (f.v[0] ^ g.v[0])), f.v[1] ^ (m & (f.v[1] ^ g.v[1])),
           f.v[2] ^ (m & (f.v[2] ^ g.v[2])), f.v[3] ^ (m & (f.v[3] ^ g.v[3])),
           f.v[4] ^ (m & (f.v[4] ^ g.v[4]))};
}

/// Swaps f and g when b == 1 (b must be 0 or 1).
NEXUS_CURVE25519_INLINE constexpr void fe_cswap(fe51& f, fe51& g, std::uint32_t b) noexcept {
    const std::uint64_t m = ct_barrier(0 - static_cast<std::uint64_t>(b));
    const std::uint64_t x0 = m & (f.v[0] ^ g.v[0]), x1 = m & (f.v[1] ^ g.v[1]), x2 = m & (f.v[2] ^ g.v[2]),
                        x3 = m & (f.v[3] ^ g.v[3]), x4 = m & (f.v[4] ^ g.v[4]);
    f.v = {f.v[0] ^ x0, f.v[1] ^ x1, f.v[2] ^ x2, f.v[3] ^ x3, f.v[4] ^ x4};
    g.v = {g.v[0] ^ x0, g.v[1] ^ x1, g.v[2] ^ x2, g.v[3] ^ x3, g.v[4] ^ x4};
}

#endif  // __SIZEOF_INT128__

// ---------------------------------------------------------------------------------------------
// Portable backend: 10 limbs of 26/25 bits (the "25.5-bit" radix of ref10)
// ---------------------------------------------------------------------------------------------

/// Element of GF(2^255-19) as sum v[i] * 2^ceil(25.5 i); limbs are signed and not reduced.
struct fe25_5 {
    std::array<std::int32_t, 10> v;
};

namespace detail25 {
// Bit offset and width of each limb: 26 bits at even positions, 25 at odd ones.
constexpr int width(int i) noexcept { return (i & 1) ? 25 : 26; }
constexpr int offset(int i) noexcept { return 26 * ((i + 1) / 2) + 25 * (i / 2); }

// Carry signed 64-bit limbs into 1 unit: each limb is rounded to the nearest multiple of its
// radix, so limbs end centred around zero (|v[i]| <= 2^25 or 2^24, plus a little in v[1]).
// The carry out of the top limb re-enters at the bottom times 19 (2^255 = 19 mod p).
constexpr void carry_wide(fe25_5& h, std::array<std::int64_t, 10>& t) noexcept {
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 9; ++i) {
        const int w = width(i);
        const std::int64_t c = (t[i] + (std::int64_t{1} << (w - 1))) >> w;
        t[i + 1] += c;
        t[i] -= c * (std::int64_t{1} << w);
    }
    {
        const std::int64_t c = (t[9] + (std::int64_t{1} << 24)) >> 25;
        t[0] += c * 19;
        t[9] -= c * (std::int64_t{1} << 25);
    }
    {
        const std::int64_t c = (t[0] + (std::int64_t{1} << 25)) >> 26;
        t[1] += c;
        t[0] -= c * (std::int64_t{1} << 26);
    }
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) h.v[i] = static_cast<std::int32_t>(t[i]);
}
}  // namespace detail25

constexpr void fe_zero(fe25_5& h) noexcept { h.v = {}; }
constexpr void fe_one(fe25_5& h) noexcept { h.v = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}; }

NEXUS_CURVE25519_INLINE constexpr void fe_add(fe25_5& h, const fe25_5& f, const fe25_5& g) noexcept {
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) h.v[i] = f.v[i] + g.v[i];
}
NEXUS_CURVE25519_INLINE constexpr void fe_sub(fe25_5& h, const fe25_5& f, const fe25_5& g) noexcept {
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) h.v[i] = f.v[i] - g.v[i];
}

constexpr void fe_carry(fe25_5& h, const fe25_5& f) noexcept {
    std::array<std::int64_t, 10> t{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) t[i] = f.v[i];
    detail25::carry_wide(h, t);
}

/// h = -f as 1 unit, for any input of at most 3 units.
constexpr void fe_neg(fe25_5& h, const fe25_5& f) noexcept {
    std::array<std::int64_t, 10> t{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) t[i] = -static_cast<std::int64_t>(f.v[i]);
    detail25::carry_wide(h, t);
}

constexpr void fe_mul(fe25_5& h, const fe25_5& f, const fe25_5& g) noexcept {
    // Schoolbook product. Two odd limbs multiply to an offset one bit above the column they land
    // in (25.5 rounds up twice), hence the factor 2; columns at or above 2^255 fold back times 19.
    // 19*g and 2*f stay within int32_t for inputs of at most 3 units, so every product is a single
    // 32x32->64 multiplication (cheap on 32-bit cores).
    std::array<std::int32_t, 10> g19{}, f2{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) {
        g19[i] = 19 * g.v[i];
        f2[i] = (i & 1) ? 2 * f.v[i] : f.v[i];
    }
    std::array<std::int64_t, 10> t{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) {
        const std::int32_t fi = f.v[i], fi2 = f2[i];
        NEXUS_CURVE25519_UNROLL(10)
        for (int j = 0; j < 10; ++j) {
            const std::int32_t a = (j & 1) ? fi2 : fi;
            if (i + j < 10)
                t[i + j] += static_cast<std::int64_t>(a) * g.v[j];
            else
                t[i + j - 10] += static_cast<std::int64_t>(a) * g19[j];
        }
    }
    detail25::carry_wide(h, t);
}

namespace detail25 {
constexpr void square_columns(std::array<std::int64_t, 10>& t, const fe25_5& f) noexcept {
    // f_i f_j appears twice for i != j; the same odd/odd doubling and 19 fold as fe_mul apply.
    std::array<std::int32_t, 10> f19{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) f19[i] = 19 * f.v[i];
    t = {};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) {
        NEXUS_CURVE25519_UNROLL(10)
        for (int j = i; j < 10; ++j) {
            std::int64_t k = (i == j) ? 1 : 2;
            if ((i & 1) && (j & 1)) k *= 2;
            const std::int32_t a = static_cast<std::int32_t>(k * f.v[i]);
            if (i + j < 10)
                t[i + j] += static_cast<std::int64_t>(a) * f.v[j];
            else
                t[i + j - 10] += static_cast<std::int64_t>(a) * f19[j];
        }
    }
}
}  // namespace detail25

constexpr void fe_sq(fe25_5& h, const fe25_5& f) noexcept {
    std::array<std::int64_t, 10> t{};
    detail25::square_columns(t, f);
    detail25::carry_wide(h, t);
}

constexpr void fe_sq2(fe25_5& h, const fe25_5& f) noexcept {
    std::array<std::int64_t, 10> t{};
    detail25::square_columns(t, f);
    for (auto& w : t) w *= 2;
    detail25::carry_wide(h, t);
}

constexpr void fe_mul121666(fe25_5& h, const fe25_5& f) noexcept {
    std::array<std::int64_t, 10> t{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) t[i] = static_cast<std::int64_t>(f.v[i]) * 121666;
    detail25::carry_wide(h, t);
}

constexpr void fe_from_bytes(fe25_5& h, const std::uint8_t* s) noexcept {
    std::array<std::int64_t, 10> t{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) {
        // Gather the (at most 4) bytes that hold limb i; limb 9 stops at bit 254.
        const int off = detail25::offset(i), w = detail25::width(i);
        std::uint64_t acc = 0;
        for (int b = 0; b < 5 && off / 8 + b < 32; ++b)
            acc |= static_cast<std::uint64_t>(s[off / 8 + b]) << (8 * b);
        t[i] = static_cast<std::int64_t>((acc >> (off % 8)) & ((std::uint64_t{1} << w) - 1));
    }
    detail25::carry_wide(h, t);
}

constexpr void fe_to_bytes(std::uint8_t* s, const fe25_5& f) noexcept {
    using detail25::width;
    fe25_5 r{};
    fe_carry(r, f);
    // Centred limbs put the value in (-p, p). Floor-carry to non-negative limbs; the carry out of
    // the top limb (0 or -1) re-enters as 19 times itself, leaving a value in [0, 2^255).
    std::array<std::int64_t, 10> t{};
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) t[i] = r.v[i];
    auto floor_carry = [&t]() -> std::int64_t {
        std::int64_t c = 0;
        NEXUS_CURVE25519_UNROLL(10)
        for (int i = 0; i < 10; ++i) {
            t[i] += c;
            c = t[i] >> width(i);
            t[i] -= c * (std::int64_t{1} << width(i));
        }
        return c;
    };
    t[0] += 19 * floor_carry();
    floor_carry();
    // Subtract p once if the value reached it: q = 1 exactly when value + 19 >= 2^255.
    std::int64_t q = (t[0] + 19) >> 26;
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 1; i < 10; ++i) q = (t[i] + q) >> width(i);
    t[0] += 19 * q;
    floor_carry();  // the carry out of the top is q * 2^255, which is dropped
    // Pack the limbs at their bit offsets.
    for (int i = 0; i < 32; ++i) s[i] = 0;
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) {
        const int off = detail25::offset(i);
        const std::uint64_t v = static_cast<std::uint64_t>(t[i]) << (off % 8);
        for (int b = 0; b < 5 && off / 8 + b < 32; ++b)
            s[off / 8 + b] = static_cast<std::uint8_t>(s[off / 8 + b] | (v >> (8 * b)));
    }
}

NEXUS_CURVE25519_INLINE constexpr void fe_cmov(fe25_5& f, const fe25_5& g, std::uint32_t b) noexcept {
    const std::int32_t m = ct_barrier(-static_cast<std::int32_t>(b));
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) f.v[i] ^= m & (f.v[i] ^ g.v[i]);
}

NEXUS_CURVE25519_INLINE constexpr void fe_cswap(fe25_5& f, fe25_5& g, std::uint32_t b) noexcept {
    const std::int32_t m = ct_barrier(-static_cast<std::int32_t>(b));
    NEXUS_CURVE25519_UNROLL(10)
    for (int i = 0; i < 10; ++i) {
        const std::int32_t x = m & (f.v[i] ^ g.v[i]);
        f.v[i] ^= x;
        g.v[i] ^= x;
    }
}

// ---------------------------------------------------------------------------------------------
// Backend-independent operations
// ---------------------------------------------------------------------------------------------

/// What the curve code needs from a field element type.
template <class F>
concept field_element = requires(F& h, const F& f, const std::uint8_t* in, std::uint8_t* out,
                                 std::uint32_t b) {
    fe_zero(h);
    fe_one(h);
    fe_add(h, f, f);
    fe_sub(h, f, f);
    fe_neg(h, f);
    fe_mul(h, f, f);
    fe_sq(h, f);
    fe_sq2(h, f);
    fe_mul121666(h, f);
    fe_carry(h, f);
    fe_from_bytes(h, in);
    fe_to_bytes(out, f);
    fe_cmov(h, f, b);
    fe_cswap(h, h, b);
};

/// A constant given as canonical little-endian words, in the representation of F.
template <field_element F>
constexpr F fe_from_words(const fe_words& w) noexcept {
    std::array<std::uint8_t, 32> b{};
    for (int i = 0; i < 4; ++i) store64_le(b.data() + 8 * i, w[i]);
    F h{};
    fe_from_bytes(h, b.data());
    return h;
}

/// The backend the library uses (see the top of this file).
#if defined(NEXUS_CURVE25519_DEFAULT_FE51)
using fe = fe51;
#else
using fe = fe25_5;
#endif

/// h = f^(2^n) for n >= 1.
template <field_element F>
constexpr void fe_sq_n(F& h, const F& f, int n) noexcept {
    fe_sq(h, f);
    for (int i = 1; i < n; ++i) fe_sq(h, h);
}

namespace detail {
// Shared head of the two fixed exponentiations: returns z^(2^250 - 1) and z^11.
template <field_element F>
constexpr void pow_2_250_1(F& z250, F& z11, const F& z) noexcept {
    F z2{}, t{}, z9{}, z5_0{}, z10_0{}, z20_0{}, z50_0{}, z100_0{};
    fe_sq(z2, z);         // z^2
    fe_sq_n(t, z2, 2);    // z^8
    fe_mul(z9, t, z);     // z^9
    fe_mul(z11, z9, z2);  // z^11
    fe_sq(t, z11);        // z^22
    fe_mul(z5_0, t, z9);  // z^(2^5 - 1)
    fe_sq_n(t, z5_0, 5);
    fe_mul(z10_0, t, z5_0);  // z^(2^10 - 1)
    fe_sq_n(t, z10_0, 10);
    fe_mul(z20_0, t, z10_0);  // z^(2^20 - 1)
    fe_sq_n(t, z20_0, 20);
    fe_mul(t, t, z20_0);  // z^(2^40 - 1)
    fe_sq_n(t, t, 10);
    fe_mul(z50_0, t, z10_0);  // z^(2^50 - 1)
    fe_sq_n(t, z50_0, 50);
    fe_mul(z100_0, t, z50_0);  // z^(2^100 - 1)
    fe_sq_n(t, z100_0, 100);
    fe_mul(t, t, z100_0);  // z^(2^200 - 1)
    fe_sq_n(t, t, 50);
    fe_mul(z250, t, z50_0);  // z^(2^250 - 1)
}
}  // namespace detail

/// h = z^(p-2) = 1/z (and 0 for z = 0), by a fixed addition chain.
template <field_element F>
constexpr void fe_invert(F& h, const F& z) noexcept {
    F z250{}, z11{};
    detail::pow_2_250_1(z250, z11, z);
    fe_sq_n(z250, z250, 5);  // z^(2^255 - 32)
    fe_mul(h, z250, z11);    // z^(2^255 - 21)
}

/// h = z^((p-5)/8) = z^(2^252 - 3), the core of the square root (RFC 8032 §5.1.3).
template <field_element F>
constexpr void fe_pow22523(F& h, const F& z) noexcept {
    F z250{}, z11{};
    detail::pow_2_250_1(z250, z11, z);
    fe_sq_n(z250, z250, 2);  // z^(2^252 - 4)
    fe_mul(h, z250, z);
}

/// Canonical encoding as an array.
template <field_element F>
constexpr std::array<std::uint8_t, 32> fe_bytes(const F& f) noexcept {
    std::array<std::uint8_t, 32> s{};
    fe_to_bytes(s.data(), f);
    return s;
}

/// 1 when f = 0 (mod p), else 0; constant time.
template <field_element F>
constexpr std::uint32_t fe_is_zero(const F& f) noexcept {
    const auto s = fe_bytes(f);
    std::uint32_t acc = 0;
    for (auto b : s) acc |= b;
    return ((acc - 1u) >> 8) & 1u;
}

/// 1 when f = g (mod p), else 0; constant time. Compares encodings, so any inputs of at most
/// 3 units will do (a difference via fe_sub would restrict g).
template <field_element F>
constexpr std::uint32_t fe_equal(const F& f, const F& g) noexcept {
    const auto a = fe_bytes(f), b = fe_bytes(g);
    std::uint32_t acc = 0;
    for (std::size_t i = 0; i < 32; ++i) acc |= static_cast<std::uint32_t>(a[i] ^ b[i]);
    return ((acc - 1u) >> 8) & 1u;
}

/// The "sign" of RFC 8032 §5.1.2: the low bit of the canonical encoding.
template <field_element F>
constexpr std::uint32_t fe_is_negative(const F& f) noexcept {
    return fe_bytes(f)[0] & 1u;
}

/// True when 32 bytes, top bit ignored, encode a value below p.
constexpr bool fe_bytes_are_canonical(const std::uint8_t* s) noexcept {
    // Only 2^255-19 .. 2^255-1 are not: 0xed..0xff, then thirty 0xff, then 0x7f.
    std::uint32_t high = (s[31] & 0x7fu) ^ 0x7fu;
    for (int i = 1; i < 31; ++i) high |= s[i] ^ 0xffu;
    return high != 0 || s[0] < 0xed;
}

template <field_element F>
inline constexpr F fe_sqrt_m1 = fe_from_words<F>({0xc4ee1b274a0ea0b0, 0x2f431806ad2fe478, 0x2b4d00993dfbd7a7,
                                                  0x2b8324804fc1df0b});

/// If u/v is a square, sets x to a square root of it and returns 1; otherwise returns 0 (x then
/// holds garbage). v must not be 0 unless u is. Constant time. (RFC 8032 §5.1.3 step 2-3.)
template <field_element F>
constexpr std::uint32_t fe_sqrt_ratio(F& x, const F& u, const F& v) noexcept {
    F v3{}, v7{}, t{}, check{}, u_neg{}, x_alt{};
    fe_sq(v3, v);
    fe_mul(v3, v3, v);  // v^3
    fe_sq(v7, v3);
    fe_mul(v7, v7, v);  // v^7
    fe_mul(t, u, v7);
    fe_pow22523(t, t);  // (u v^7)^((p-5)/8)
    fe_mul(t, t, v3);
    fe_mul(x, t, u);  // candidate x = u v^3 (u v^7)^((p-5)/8)
    fe_sq(check, x);
    fe_mul(check, check, v);  // v x^2, which is u or -u when u/v is a square
    fe_neg(u_neg, u);
    const std::uint32_t is_root = fe_equal(check, u);
    const std::uint32_t is_neg_root = fe_equal(check, u_neg);
    // v x^2 = -u: multiply by sqrt(-1) to turn it into a root.
    fe_mul(x_alt, x, fe_sqrt_m1<F>);
    fe_cmov(x, x_alt, is_neg_root);
    return is_root | is_neg_root;
}

/// Square root of a (RFC 8032 §5.1.3 with v = 1): returns 0 when a is not a square.
template <field_element F>
constexpr std::uint32_t fe_sqrt(F& x, const F& a) noexcept {
    F one{};
    fe_one(one);
    return fe_sqrt_ratio(x, a, one);
}

}  // namespace nexus::crypto::curve25519
