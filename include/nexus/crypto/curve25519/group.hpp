// The edwards25519 group (RFC 8032 §5.1): point encoding and decoding, addition, doubling, and
// constant-time and variable-time scalar multiplication, templated on the field backend.
#pragma once

// API (F is a field backend from field.hpp: fe51, fe25_5, or the default `fe`; `point` is
// edwards_point<fe>). Scalars are 32-byte little-endian strings (scalar.hpp has arithmetic mod L:
// sc_reduce, sc_reduce_public, sc_reduce32, sc_muladd, sc_mul, sc_add, sc_sub, sc_is_canonical).
// Functions write into their first argument, which may alias an input.
//
//   edwards_point<F>                   extended coordinates (X:Y:Z:T): x = X/Z, y = Y/Z, XY = ZT
//   ge_identity(p)                     the neutral element (0, 1)
//   ge_base(p)                         the base point B of RFC 8032 §5.1
//   bool ge_decompress(p, bytes32)     RFC 8032 §5.1.3 decoding, strict: false (p unspecified) when
//                                      y >= p, x^2 has no root, or x = 0 with the sign bit set.
//                                      Accepts points of any order; check them as the protocol needs.
//   ge_compress(bytes32, p)            RFC 8032 §5.1.2 encoding (always canonical)
//   ge_add(r, p, q)  ge_sub(r, p, q)  ge_dbl(r, p)  ge_neg(r, p)
//   ge_scalarmult_base(r, a)           [a]B, constant time; a < 2^255 (reduced scalars, clamped secrets)
//   ge_scalarmult(r, p, a)             [a]P, constant time, any 256-bit a (secret scalars on any point)
//   ge_scalarmult_vartime(r, p, a)     [a]P, time depends on a: public scalars only
//   ge_double_scalarmult_base_vartime(r, a, p, b)   [a]P + [b]B, public a and b (Ed25519 verification)
//   ge_double_scalarmult_vartime(r, a, p, b, q)     [a]P + [b]Q, public a and b
//   ge_mul_by_cofactor(r, p)           [8]P
//   ge_is_identity(p), ge_equal(p, q)  constant time
//   ge_is_small_order(p)               [8]P = identity (one of the 8 torsion points); constant time
//   ge_is_torsion_free(p)              [L]P = identity (P in the prime-order subgroup); variable time
//   ge_is_small_order_encoding(bytes32)   the same test as ge_is_small_order on an encoding, without
//                                      decoding it (libsodium's list; the sign bit is ignored)
//
// Formulas: Hisil-Wong-Carter-Dawson, "Twisted Edwards curves revisited" (2008), for a = -1, in the
// ref10 arrangement: additions take a "cached" (Y+X, Y-X, Z, 2dT) or affine "niels"
// (y+x, y-x, 2dxy) second operand and produce "completed" coordinates that are converted to
// projective (3 multiplications) or extended (4) form depending on what comes next. The unified
// addition is complete on edwards25519 (d is not a square), so it needs no special cases.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/curve25519/base_table.hpp"
#include "nexus/crypto/curve25519/field.hpp"
#include "nexus/crypto/curve25519/scalar.hpp"

namespace nexus::crypto::curve25519 {

template <field_element F>
struct edwards_point {
    F X, Y, Z, T;
};

using point = edwards_point<fe>;

namespace detail {

// Completed coordinates: x = X/Z, y = Y/T.
template <class F>
struct ge_p1p1 {
    F X, Y, Z, T;
};
// Projective coordinates: x = X/Z, y = Y/Z.
template <class F>
struct ge_p2 {
    F X, Y, Z;
};
// An addend in the form the addition formula consumes.
template <class F>
struct ge_cached {
    F YplusX, YminusX, Z, T2d;
};
// An affine addend (Z = 1) from a precomputed table.
template <class F>
struct ge_niels {
    F yplusx, yminusx, xy2d;
};

template <class F>
inline constexpr F fe_d = fe_from_words<F>({0x75eb4dca135978a3, 0x00700a4d4141d8ab, 0x8cc740797779e898,
                                            0x52036cee2b6ffe73});
template <class F>
inline constexpr F fe_d2 = fe_from_words<F>({0xebd69b9426b2f159, 0x00e0149a8283b156, 0x198e80f2eef3d130,
                                             0x2406d9dc56dffce7});

template <class F>
constexpr void to_p2(ge_p2<F>& r, const ge_p1p1<F>& p) noexcept {
    fe_mul(r.X, p.X, p.T);
    fe_mul(r.Y, p.Y, p.Z);
    fe_mul(r.Z, p.Z, p.T);
}

template <class F>
constexpr void to_p3(edwards_point<F>& r, const ge_p1p1<F>& p) noexcept {
    fe_mul(r.X, p.X, p.T);
    fe_mul(r.Y, p.Y, p.Z);
    fe_mul(r.Z, p.Z, p.T);
    fe_mul(r.T, p.X, p.Y);
}

template <class F>
constexpr void to_p2(ge_p2<F>& r, const edwards_point<F>& p) noexcept {
    r.X = p.X;
    r.Y = p.Y;
    r.Z = p.Z;
}

template <class F>
constexpr void to_cached(ge_cached<F>& r, const edwards_point<F>& p) noexcept {
    fe_add(r.YplusX, p.Y, p.X);
    fe_sub(r.YminusX, p.Y, p.X);
    r.Z = p.Z;
    fe_mul(r.T2d, p.T, fe_d2<F>);
}

// 2P from projective P: x' = 2xy / (y^2 - x^2), y' = (y^2 + x^2) / (2 - y^2 + x^2).
template <class F>
constexpr void dbl(ge_p1p1<F>& r, const ge_p2<F>& p) noexcept {
    F xx{}, yy{}, zz2{}, s{};
    fe_sq(xx, p.X);
    fe_sq(yy, p.Y);
    fe_sq2(zz2, p.Z);
    fe_add(s, p.X, p.Y);
    fe_sq(s, s);           // (X+Y)^2
    fe_add(r.Y, yy, xx);   // Y^2 + X^2
    fe_sub(r.Z, yy, xx);   // Y^2 - X^2
    fe_sub(r.X, s, r.Y);   // 2XY
    fe_add(r.T, zz2, xx);  // 2Z^2 - (Y^2 - X^2), arranged so fe_sub's subtrahend is 1 unit
    fe_sub(r.T, r.T, yy);
}

// P + Q (negate = 0) or P - Q (negate = 1) with Q cached; `negate` is a compile-time choice.
template <bool negate, class F>
constexpr void add_cached(ge_p1p1<F>& r, const edwards_point<F>& p, const ge_cached<F>& q) noexcept {
    F a{}, b{}, c{}, d{};
    fe_add(a, p.Y, p.X);
    fe_sub(b, p.Y, p.X);
    // -Q swaps Y+X with Y-X and negates T.
    fe_mul(a, a, negate ? q.YminusX : q.YplusX);
    fe_mul(b, b, negate ? q.YplusX : q.YminusX);
    fe_mul(c, p.T, q.T2d);
    fe_mul(d, p.Z, q.Z);
    fe_add(d, d, d);
    fe_sub(r.X, a, b);
    fe_add(r.Y, a, b);
    if constexpr (negate) {
        fe_sub(r.Z, d, c);
        fe_add(r.T, d, c);
    } else {
        fe_add(r.Z, d, c);
        fe_sub(r.T, d, c);
    }
}

// P + Q (negate = 0) or P - Q (negate = 1) with Q affine.
template <bool negate, class F>
constexpr void add_niels(ge_p1p1<F>& r, const edwards_point<F>& p, const ge_niels<F>& q) noexcept {
    F a{}, b{}, c{}, d{};
    fe_add(a, p.Y, p.X);
    fe_sub(b, p.Y, p.X);
    fe_mul(a, a, negate ? q.yminusx : q.yplusx);
    fe_mul(b, b, negate ? q.yplusx : q.yminusx);
    fe_mul(c, p.T, q.xy2d);
    fe_add(d, p.Z, p.Z);
    fe_sub(r.X, a, b);
    fe_add(r.Y, a, b);
    if constexpr (negate) {
        fe_sub(r.Z, d, c);
        fe_add(r.T, d, c);
    } else {
        fe_add(r.Z, d, c);
        fe_sub(r.T, d, c);
    }
}

// ---- precomputed multiples of B (tools/gen_curve25519_tables.cpp writes base_table.hpp) ----

template <class F>
constexpr ge_niels<F> niels_from_words(const std::uint64_t (&w)[3][4]) noexcept {
    return {fe_from_words<F>({w[0][0], w[0][1], w[0][2], w[0][3]}),
            fe_from_words<F>({w[1][0], w[1][1], w[1][2], w[1][3]}),
            fe_from_words<F>({w[2][0], w[2][1], w[2][2], w[2][3]})};
}

template <class F>
struct base_comb_table {
    ge_niels<F> entry[32][8];  // entry[i][j] = (j+1) 256^i B
};
template <class F>
constexpr base_comb_table<F> make_base_comb() noexcept {
    base_comb_table<F> t{};
    for (int i = 0; i < 32; ++i)
        for (int j = 0; j < 8; ++j) t.entry[i][j] = niels_from_words<F>(base_comb_words[i][j]);
    return t;
}
template <class F>
inline constexpr base_comb_table<F> base_comb = make_base_comb<F>();

template <class F>
struct base_odd_table {
    ge_niels<F> entry[64];  // entry[i] = (2i+1) B
};
template <class F>
constexpr base_odd_table<F> make_base_odd() noexcept {
    base_odd_table<F> t{};
    for (int i = 0; i < 64; ++i) t.entry[i] = niels_from_words<F>(base_odd_words[i]);
    return t;
}
template <class F>
inline constexpr base_odd_table<F> base_odd = make_base_odd<F>();

// ---- scalar recodings ----

// 64 signed radix-16 digits in [-8, 8) (the last in [-8, 8]) with a = sum e[i] 16^i; a < 2^255.
inline void radix16(std::array<std::int8_t, 64>& e, const std::uint8_t* a) noexcept {
    for (int i = 0; i < 32; ++i) {
        e[2 * i] = static_cast<std::int8_t>(a[i] & 15);
        e[2 * i + 1] = static_cast<std::int8_t>(a[i] >> 4);
    }
    // Shift each digit from [0, 16) to [-8, 8) by carrying 16 into the next; branch free.
    std::int8_t carry = 0;
    for (int i = 0; i < 63; ++i) {
        e[i] = static_cast<std::int8_t>(e[i] + carry);
        carry = static_cast<std::int8_t>((e[i] + 8) >> 4);
        e[i] = static_cast<std::int8_t>(e[i] - carry * 16);
    }
    e[63] = static_cast<std::int8_t>(e[63] + carry);
}

// Width-w non-adjacent form of a 256-bit scalar: odd digits in (-2^(w-1), 2^(w-1)) or 0, with
// at least w-1 zeros after each nonzero digit; 257 positions hold any 256-bit value.
template <int w>
inline void wnaf(std::array<std::int8_t, 257>& naf, const std::uint8_t* a) noexcept {
    std::array<std::uint64_t, 5> x{};
    for (int i = 0; i < 4; ++i) x[i] = load64_le(a + 8 * i);
    naf = {};
    constexpr std::uint64_t width = std::uint64_t{1} << w, mask = width - 1;
    std::uint64_t carry = 0;
    int pos = 0;
    while (pos < 257) {
        const int idx = pos / 64, bit = pos % 64;
        std::uint64_t bits = x[idx] >> bit;
        if (bit > 64 - w && idx < 4) bits |= x[idx + 1] << (64 - bit);
        const std::uint64_t window = carry + (bits & mask);
        if ((window & 1) == 0) {
            ++pos;
            continue;
        }
        if (window < width / 2) {
            carry = 0;
            naf[pos] = static_cast<std::int8_t>(window);
        } else {
            carry = 1;
            naf[pos] = static_cast<std::int8_t>(static_cast<std::int64_t>(window) -
                                                static_cast<std::int64_t>(width));
        }
        pos += w;
    }
}

// ---- constant-time table selection ----

inline constexpr std::uint32_t ct_eq_u8(std::uint32_t a, std::uint32_t b) noexcept {
    return (((a ^ b) - 1u) >> 31) & 1u;
}

// t = digit * (entries[0] = 1Q ... entries[7] = 8Q) for digit in [-8, 8], reading every entry.
// The selection runs on local copies so the compiler can keep them in registers: writing through
// `t` directly would force a store per entry, since `t` might alias the table.
template <class F>
constexpr void select_niels(ge_niels<F>& t, const ge_niels<F> (&entries)[8], std::int8_t digit) noexcept {
    const std::uint32_t negative = static_cast<std::uint32_t>(static_cast<std::uint8_t>(digit)) >> 7;
    const std::uint32_t magnitude =
        static_cast<std::uint32_t>(digit) - ((0u - negative) & (static_cast<std::uint32_t>(digit) << 1));
    F yplusx{}, yminusx{}, xy2d{};
    fe_one(yplusx);
    fe_one(yminusx);
    for (std::uint32_t j = 0; j < 8; ++j) {
        const std::uint32_t hit = ct_eq_u8(magnitude & 0xffu, j + 1);
        fe_cmov(yplusx, entries[j].yplusx, hit);
        fe_cmov(yminusx, entries[j].yminusx, hit);
        fe_cmov(xy2d, entries[j].xy2d, hit);
    }
    // -Q = (y-x, y+x, -2dxy). 0 - xy2d is only ever a multiplication input, so it needs no carry.
    fe_cswap(yplusx, yminusx, negative);
    F zero{}, minus{};
    fe_sub(minus, zero, xy2d);
    fe_cmov(xy2d, minus, negative);
    t.yplusx = yplusx;
    t.yminusx = yminusx;
    t.xy2d = xy2d;
}

template <class F>
constexpr void select_cached(ge_cached<F>& t, const ge_cached<F> (&entries)[8], std::int8_t digit) noexcept {
    const std::uint32_t negative = static_cast<std::uint32_t>(static_cast<std::uint8_t>(digit)) >> 7;
    const std::uint32_t magnitude =
        static_cast<std::uint32_t>(digit) - ((0u - negative) & (static_cast<std::uint32_t>(digit) << 1));
    F yplusx{}, yminusx{}, z{}, t2d{};
    fe_one(yplusx);
    fe_one(yminusx);
    fe_one(z);
    for (std::uint32_t j = 0; j < 8; ++j) {
        const std::uint32_t hit = ct_eq_u8(magnitude & 0xffu, j + 1);
        fe_cmov(yplusx, entries[j].YplusX, hit);
        fe_cmov(yminusx, entries[j].YminusX, hit);
        fe_cmov(z, entries[j].Z, hit);
        fe_cmov(t2d, entries[j].T2d, hit);
    }
    fe_cswap(yplusx, yminusx, negative);
    F zero{}, minus{};
    fe_sub(minus, zero, t2d);
    fe_cmov(t2d, minus, negative);
    t.YplusX = yplusx;
    t.YminusX = yminusx;
    t.Z = z;
    t.T2d = t2d;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Points
// ---------------------------------------------------------------------------------------------

template <field_element F>
constexpr void ge_identity(edwards_point<F>& p) noexcept {
    fe_zero(p.X);
    fe_one(p.Y);
    fe_one(p.Z);
    fe_zero(p.T);
}

template <field_element F>
constexpr void ge_base(edwards_point<F>& p) noexcept {
    // B = (x, 4/5) with x even (RFC 8032 §5.1).
    p.X = fe_from_words<F>({0xc9562d608f25d51a, 0x692cc7609525a7b2, 0xc0a4e231fdd6dc5c, 0x216936d3cd6e53fe});
    p.Y = fe_from_words<F>({0x6666666666666658, 0x6666666666666666, 0x6666666666666666, 0x6666666666666666});
    fe_one(p.Z);
    fe_mul(p.T, p.X, p.Y);
}

template <field_element F>
constexpr void ge_add(edwards_point<F>& r, const edwards_point<F>& p, const edwards_point<F>& q) noexcept {
    detail::ge_cached<F> c{};
    detail::ge_p1p1<F> t{};
    detail::to_cached(c, q);
    detail::add_cached<false>(t, p, c);
    detail::to_p3(r, t);
}

template <field_element F>
constexpr void ge_sub(edwards_point<F>& r, const edwards_point<F>& p, const edwards_point<F>& q) noexcept {
    detail::ge_cached<F> c{};
    detail::ge_p1p1<F> t{};
    detail::to_cached(c, q);
    detail::add_cached<true>(t, p, c);
    detail::to_p3(r, t);
}

template <field_element F>
constexpr void ge_dbl(edwards_point<F>& r, const edwards_point<F>& p) noexcept {
    detail::ge_p2<F> q{};
    detail::ge_p1p1<F> t{};
    detail::to_p2(q, p);
    detail::dbl(t, q);
    detail::to_p3(r, t);
}

template <field_element F>
constexpr void ge_neg(edwards_point<F>& r, const edwards_point<F>& p) noexcept {
    fe_neg(r.X, p.X);
    r.Y = p.Y;
    r.Z = p.Z;
    fe_neg(r.T, p.T);
}

/// [8]P: three doublings.
template <field_element F>
constexpr void ge_mul_by_cofactor(edwards_point<F>& r, const edwards_point<F>& p) noexcept {
    detail::ge_p2<F> q{};
    detail::ge_p1p1<F> t{};
    detail::to_p2(q, p);
    detail::dbl(t, q);
    detail::to_p2(q, t);
    detail::dbl(t, q);
    detail::to_p2(q, t);
    detail::dbl(t, q);
    detail::to_p3(r, t);
}

/// True when P is (0, 1). Constant time.
template <field_element F>
constexpr bool ge_is_identity(const edwards_point<F>& p) noexcept {
    return (fe_is_zero(p.X) & fe_equal(p.Y, p.Z)) != 0;
}

/// True when P and Q are the same point (compares x and y across the denominators). Constant time.
template <field_element F>
constexpr bool ge_equal(const edwards_point<F>& p, const edwards_point<F>& q) noexcept {
    F a{}, b{};
    fe_mul(a, p.X, q.Z);
    fe_mul(b, q.X, p.Z);
    std::uint32_t same = fe_equal(a, b);
    fe_mul(a, p.Y, q.Z);
    fe_mul(b, q.Y, p.Z);
    same &= fe_equal(a, b);
    return same != 0;
}

/// True when P has order 1, 2, 4 or 8. Constant time.
template <field_element F>
constexpr bool ge_is_small_order(const edwards_point<F>& p) noexcept {
    edwards_point<F> q{};
    ge_mul_by_cofactor(q, p);
    return ge_is_identity(q);
}

/// RFC 8032 §5.1.2: y with the sign of x in the top bit.
template <field_element F>
constexpr void ge_compress(std::span<std::uint8_t, 32> s, const edwards_point<F>& p) noexcept {
    F zinv{}, x{}, y{};
    fe_invert(zinv, p.Z);
    fe_mul(x, p.X, zinv);
    fe_mul(y, p.Y, zinv);
    fe_to_bytes(s.data(), y);
    s[31] = static_cast<std::uint8_t>(s[31] | (fe_is_negative(x) << 7));
}

/// RFC 8032 §5.1.3, strictly: rejects y >= p, points off the curve, and x = 0 with the sign bit
/// set. The time depends only on whether decoding succeeds (inputs here are public).
template <field_element F>
constexpr bool ge_decompress(edwards_point<F>& p, std::span<const std::uint8_t, 32> s) noexcept {
    if (!fe_bytes_are_canonical(s.data())) return false;
    const std::uint32_t sign = s[31] >> 7;
    F u{}, v{}, one{};
    fe_one(one);
    fe_from_bytes(p.Y, s.data());
    fe_sq(u, p.Y);
    fe_mul(v, u, detail::fe_d<F>);
    fe_sub(u, u, one);  // y^2 - 1
    fe_add(v, v, one);  // d y^2 + 1 (never 0: -1/d is not a square)
    if (!fe_sqrt_ratio(p.X, u, v)) return false;
    const std::uint32_t x_negative = fe_is_negative(p.X);
    if (fe_is_zero(p.X) && sign) return false;
    F minus{};
    fe_neg(minus, p.X);
    fe_cmov(p.X, minus, x_negative ^ sign);
    fe_one(p.Z);
    fe_mul(p.T, p.X, p.Y);
    return true;
}

/// True when the 32 bytes, sign bit ignored, carry the y of a point of order dividing 8 — the same
/// list libsodium 1.0.18 checks (its encodings of 0, 1, -1 and the order-8 y values, plus the
/// non-canonical p and p + 1). Works on bytes that may not decode at all.
constexpr bool ge_is_small_order_encoding(std::span<const std::uint8_t, 32> s) noexcept {
    constexpr std::uint8_t list[7][32] = {
        // y = 0 (order 4)
        {0},
        // y = 1 (identity)
        {1},
        // y of the order-8 points, and its negation
        {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
         0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
        {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
         0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
        // y = p - 1 (order 2), then the non-canonical p (= 0) and p + 1 (= 1)
        {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
        {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
        {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    };
    std::uint32_t found = 0;
    for (const auto& y : list) {
        std::uint32_t diff = (s[31] & 0x7fu) ^ y[31];
        for (std::size_t i = 0; i < 31; ++i) diff |= static_cast<std::uint32_t>(s[i] ^ y[i]);
        found |= ((diff - 1u) >> 8) & 1u;
    }
    return found != 0;
}

// ---------------------------------------------------------------------------------------------
// Scalar multiplication
// ---------------------------------------------------------------------------------------------

/// [a]B in constant time, for a < 2^255 (the top bit of a[31] clear).
///
/// a = sum e[i] 16^i with e[i] in [-8, 8]; with T[i][j] = (j+1) 256^i B precomputed,
/// [a]B = 16 * sum_{i odd} e[i] 256^((i-1)/2) B + sum_{i even} e[i] 256^(i/2) B:
/// 64 table additions and 4 doublings. Every lookup reads all 8 entries of its row.
template <field_element F>
void ge_scalarmult_base(edwards_point<F>& r, std::span<const std::uint8_t, 32> a) noexcept {
    std::array<std::int8_t, 64> e{};
    detail::radix16(e, a.data());
    const auto& table = detail::base_comb<F>;
    detail::ge_niels<F> t{};
    detail::ge_p1p1<F> s{};
    detail::ge_p2<F> q{};
    ge_identity(r);
    for (int i = 1; i < 64; i += 2) {
        detail::select_niels(t, table.entry[i / 2], e[i]);
        detail::add_niels<false>(s, r, t);
        detail::to_p3(r, s);
    }
    detail::to_p2(q, r);
    for (int k = 0; k < 3; ++k) {
        detail::dbl(s, q);
        detail::to_p2(q, s);
    }
    detail::dbl(s, q);
    detail::to_p3(r, s);
    for (int i = 0; i < 64; i += 2) {
        detail::select_niels(t, table.entry[i / 2], e[i]);
        detail::add_niels<false>(s, r, t);
        detail::to_p3(r, s);
    }
    secure_wipe_object(e);
    secure_wipe_object(t);
    secure_wipe_object(s);
    secure_wipe_object(q);
}

/// [a]P in constant time, for any 256-bit a: signed radix-16 digits over a table of 1P..8P.
template <field_element F>
void ge_scalarmult(edwards_point<F>& r, const edwards_point<F>& p,
                   std::span<const std::uint8_t, 32> a) noexcept {
    // 65 digits: split off the top bit so that radix16's input stays below 2^255.
    std::array<std::uint8_t, 32> low{};
    for (std::size_t i = 0; i < 32; ++i) low[i] = a[i];
    const std::int8_t top_bit = static_cast<std::int8_t>(low[31] >> 7);
    low[31] &= 0x7f;
    std::array<std::int8_t, 64> e{};
    detail::radix16(e, low.data());
    // 2^255 = 8 * 16^63: fold the top bit into the last digit, which stays in [-8, 16].
    // Digits above 8 are split again: e63 = 16 * top + rest with rest in [-8, 8).
    std::int8_t e63 = static_cast<std::int8_t>(e[63] + 8 * top_bit);
    const std::int8_t extra = static_cast<std::int8_t>((e63 + 8) >> 4);
    e[63] = static_cast<std::int8_t>(e63 - 16 * extra);

    detail::ge_cached<F> table[8];
    edwards_point<F> multiple = p;
    detail::ge_p1p1<F> s{};
    detail::to_cached(table[0], p);
    for (int j = 1; j < 8; ++j) {
        // (j+1)P = jP + P
        detail::add_cached<false>(s, multiple, table[0]);
        detail::to_p3(multiple, s);
        detail::to_cached(table[j], multiple);
    }

    detail::ge_cached<F> t{};
    detail::ge_p2<F> q{};
    ge_identity(r);
    // The extra digit (0 or 1) first, then 64 digits from the top.
    detail::select_cached(t, table, extra);
    detail::add_cached<false>(s, r, t);
    detail::to_p3(r, s);
    for (int i = 63; i >= 0; --i) {
        detail::to_p2(q, r);
        for (int k = 0; k < 3; ++k) {
            detail::dbl(s, q);
            detail::to_p2(q, s);
        }
        detail::dbl(s, q);
        detail::to_p3(r, s);
        detail::select_cached(t, table, e[i]);
        detail::add_cached<false>(s, r, t);
        detail::to_p3(r, s);
    }
    secure_wipe_object(low);
    secure_wipe_object(e);
    secure_wipe_object(table);
    secure_wipe_object(multiple);
    secure_wipe_object(t);
    secure_wipe_object(s);
    secure_wipe_object(q);
}

namespace detail {
// Odd multiples P, 3P, ..., 15P as cached points, for width-5 NAF digits.
template <class F>
constexpr void odd_multiples(ge_cached<F> (&table)[8], const edwards_point<F>& p) noexcept {
    edwards_point<F> p2{}, acc = p;
    ge_dbl(p2, p);
    ge_cached<F> c2{};
    to_cached(c2, p2);
    to_cached(table[0], p);
    ge_p1p1<F> s{};
    for (int i = 1; i < 8; ++i) {
        add_cached<false>(s, acc, c2);
        to_p3(acc, s);
        to_cached(table[i], acc);
    }
}

// One step of a NAF multiplication: adds (digit > 0) or subtracts (digit < 0) the odd multiple
// |digit|·P held at table[|digit| / 2] to the sum in s; a zero digit adds nothing. The table
// holds cached (projective) or niels (affine) entries.
template <class F, class Entry>
inline void add_naf_digit(ge_p1p1<F>& s, edwards_point<F>& r, int digit, const Entry* table) noexcept {
    if (digit == 0) return;
    to_p3(r, s);
    const Entry& e = table[(digit > 0 ? digit : -digit) / 2];
    if constexpr (std::is_same_v<Entry, ge_niels<F>>) {
        if (digit > 0)
            add_niels<false>(s, r, e);
        else
            add_niels<true>(s, r, e);
    } else {
        if (digit > 0)
            add_cached<false>(s, r, e);
        else
            add_cached<true>(s, r, e);
    }
}
}  // namespace detail

/// [a]P for a public scalar (variable time): width-5 NAF.
template <field_element F>
void ge_scalarmult_vartime(edwards_point<F>& r, const edwards_point<F>& p,
                           std::span<const std::uint8_t, 32> a) noexcept {
    std::array<std::int8_t, 257> naf{};
    detail::wnaf<5>(naf, a.data());
    detail::ge_cached<F> table[8];
    detail::odd_multiples(table, p);
    int i = 256;
    while (i >= 0 && naf[i] == 0) --i;
    ge_identity(r);
    detail::ge_p2<F> q{};
    detail::ge_p1p1<F> s{};
    detail::to_p2(q, r);
    for (; i >= 0; --i) {
        detail::dbl(s, q);
        detail::add_naf_digit(s, r, naf[i], table);
        detail::to_p2(q, s);
        if (i == 0) detail::to_p3(r, s);
    }
}

/// [a]P + [b]B for public 256-bit scalars a, b (variable time; Ed25519 verification).
/// Width-5 NAF for a over 8 odd multiples of P built here; width-8 NAF for b over 64 precomputed
/// odd multiples of B, so about 253 doublings, 42 + 28 additions.
template <field_element F>
void ge_double_scalarmult_base_vartime(edwards_point<F>& r, std::span<const std::uint8_t, 32> a,
                                       const edwards_point<F>& p,
                                       std::span<const std::uint8_t, 32> b) noexcept {
    std::array<std::int8_t, 257> naf_a{}, naf_b{};
    detail::wnaf<5>(naf_a, a.data());
    detail::wnaf<8>(naf_b, b.data());
    detail::ge_cached<F> table[8];
    detail::odd_multiples(table, p);
    const auto& base = detail::base_odd<F>;

    int i = 256;
    while (i >= 0 && naf_a[i] == 0 && naf_b[i] == 0) --i;
    ge_identity(r);
    if (i < 0) return;
    detail::ge_p2<F> q{};
    detail::ge_p1p1<F> s{};
    detail::to_p2(q, r);
    for (; i >= 0; --i) {
        detail::dbl(s, q);
        detail::add_naf_digit(s, r, naf_a[i], table);
        detail::add_naf_digit(s, r, naf_b[i], base.entry);
        if (i == 0)
            detail::to_p3(r, s);
        else
            detail::to_p2(q, s);
    }
}

/// [a]P + [b]Q for public 256-bit scalars (variable time): width-5 NAF for both, interleaved.
template <field_element F>
void ge_double_scalarmult_vartime(edwards_point<F>& r, std::span<const std::uint8_t, 32> a,
                                  const edwards_point<F>& p, std::span<const std::uint8_t, 32> b,
                                  const edwards_point<F>& q) noexcept {
    std::array<std::int8_t, 257> naf_a{}, naf_b{};
    detail::wnaf<5>(naf_a, a.data());
    detail::wnaf<5>(naf_b, b.data());
    detail::ge_cached<F> table_p[8], table_q[8];
    detail::odd_multiples(table_p, p);
    detail::odd_multiples(table_q, q);

    int i = 256;
    while (i >= 0 && naf_a[i] == 0 && naf_b[i] == 0) --i;
    ge_identity(r);
    if (i < 0) return;
    detail::ge_p2<F> t{};
    detail::ge_p1p1<F> s{};
    detail::to_p2(t, r);
    for (; i >= 0; --i) {
        detail::dbl(s, t);
        detail::add_naf_digit(s, r, naf_a[i], table_p);
        detail::add_naf_digit(s, r, naf_b[i], table_q);
        if (i == 0)
            detail::to_p3(r, s);
        else
            detail::to_p2(t, s);
    }
}

/// True when [L]P is the identity, i.e. P lies in the prime-order subgroup (variable time).
template <field_element F>
bool ge_is_torsion_free(const edwards_point<F>& p) noexcept {
    edwards_point<F> q{};
    ge_scalarmult_vartime(q, p, scalar_order);
    return ge_is_identity(q);
}

}  // namespace nexus::crypto::curve25519
