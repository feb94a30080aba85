// Arithmetic modulo L = 2^252 + 27742317777372353535851937790883648493, the order of the
// edwards25519 base point (RFC 8032 §5.1): reduction of 64-byte hashes, multiply-add, range checks.
#pragma once

// Scalars are 32-byte little-endian strings. Internally a value is held in signed 64-bit limbs of
// 21 bits (radix 2^21, so 12 limbs make 2^252): a 21x21-bit product leaves room for the column
// sums, and 2^252 = -(L - 2^252) (mod L) folds the high limbs down with six small constants.
// Every function runs in time independent of the values (the nonce and secret scalar of a
// signature go through here).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/curve25519/field.hpp"

namespace nexus::crypto::curve25519 {

namespace detail_sc {

// 25 limbs cover a 64-byte input (24 * 21 = 504 bits, the 25th holds the last 8) and the product
// of two 256-bit scalars.
using limbs = std::array<std::int64_t, 25>;

// L - 2^252 in 21-bit digits.
inline constexpr std::array<std::int64_t, 6> c_digits = {1430509, 1626855, 1442968, 997804, 1960495, 683900};

inline void load(limbs& a, const std::uint8_t* s, std::size_t n) noexcept {
    a = {};
    const std::size_t count = (8 * n + 20) / 21;
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t bit = 21 * k;
        std::uint64_t acc = 0;
        for (std::size_t b = 0; b < 4 && bit / 8 + b < n; ++b)
            acc |= static_cast<std::uint64_t>(s[bit / 8 + b]) << (8 * b);
        a[k] = static_cast<std::int64_t>((acc >> (bit % 8)) & 0x1fffff);
    }
}

// Floor carries through limbs [0, top): they end in [0, 2^21); a[top] keeps the rest (and the
// sign, since arithmetic shifts round towards minus infinity).
template <std::size_t top>
inline void carry(limbs& a) noexcept {
    NEXUS_CURVE25519_UNROLL(24)
    for (std::size_t k = 0; k < top; ++k) {
        const std::int64_t c = a[k] >> 21;
        a[k + 1] += c;
        a[k] -= c * (std::int64_t{1} << 21);
    }
}

// x = lo + 2^252 hi  ->  lo - (L - 2^252) hi, congruent mod L, for hi in limbs [12, top]. Folding in
// ascending order lets deposits into already-folded limbs (from k >= 19) wait for the next round,
// so every deposit is the product of two roughly 21-bit numbers.
template <std::size_t top>
inline void fold(limbs& a) noexcept {
    NEXUS_CURVE25519_UNROLL(13)
    for (std::size_t k = 12; k <= top; ++k) {
        NEXUS_CURVE25519_UNROLL(6)
        for (std::size_t j = 0; j < 6; ++j) a[k - 12 + j] -= a[k] * c_digits[j];
        a[k] = 0;
    }
}

// a -= L when a >= L, for a in [0, 2^254) held in limbs 0..12 after carry<12>(). `t` is scratch
// space, left for the caller to wipe.
inline void subtract_l_if_above(limbs& a, limbs& t) noexcept {
    t = a;
    NEXUS_CURVE25519_UNROLL(6)
    for (std::size_t j = 0; j < 6; ++j) t[j] -= c_digits[j];
    t[12] -= 1;
    carry<12>(t);
    // t[12] is negative exactly when a < L: keep a then.
    const std::int64_t keep = ct_barrier(t[12] >> 63);
    NEXUS_CURVE25519_UNROLL(13)
    for (std::size_t k = 0; k < 13; ++k) a[k] = (a[k] & keep) | (t[k] & ~keep);
}

// Fully reduces a value below 2^513 held as limbs 0..23 in [0, 2^21) and a small a[24], and writes
// it as 32 bytes. The magnitude shrinks round by round: < 2^513 -> 2^386 (limbs up to 18) ->
// (-2^259, 2^253) (up to 12) -> (-2^132, 2^252 + 2^132) -> (-c, 2^252 + c), c = L - 2^252 < 2^125.
// The same rounds run whatever the value. Leaves secrets in `a` and `scratch` for the caller.
inline void reduce_to_bytes(std::uint8_t* out, limbs& a, limbs& scratch) noexcept {
    fold<24>(a);
    carry<18>(a);
    fold<18>(a);
    carry<12>(a);
    fold<12>(a);
    carry<12>(a);
    fold<12>(a);
    carry<12>(a);
    // Into [0, L): add L (now in (0, 3L)), then subtract it at most twice.
    for (std::size_t j = 0; j < 6; ++j) a[j] += c_digits[j];
    a[12] += 1;
    carry<12>(a);
    subtract_l_if_above(a, scratch);
    subtract_l_if_above(a, scratch);
    for (std::size_t i = 0; i < 32; ++i) out[i] = 0;
    for (std::size_t k = 0; k < 13; ++k) {
        const std::size_t bit = 21 * k;
        const std::uint64_t v = static_cast<std::uint64_t>(a[k]) << (bit % 8);
        for (std::size_t b = 0; b < 4 && bit / 8 + b < 32; ++b)
            out[bit / 8 + b] = static_cast<std::uint8_t>(out[bit / 8 + b] | (v >> (8 * b)));
    }
}

}  // namespace detail_sc

/// The group order L, little-endian.
inline constexpr std::array<std::uint8_t, 32> scalar_order = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

/// out = in mod L for a 64-byte little-endian value (RFC 8032 §5.1.6 steps 2 and 4). Wipes its
/// temporaries: use it for nonces and secret scalars.
inline void sc_reduce(std::span<std::uint8_t, 32> out, std::span<const std::uint8_t, 64> in) noexcept {
    detail_sc::limbs a{}, scratch{};
    detail_sc::load(a, in.data(), 64);
    detail_sc::reduce_to_bytes(out.data(), a, scratch);
    secure_wipe_object(a);
    secure_wipe_object(scratch);
}

/// sc_reduce for public values (the challenge hash of verification): the same result without
/// wiping temporaries, which costs more than the reduction itself in a verifier's hot path.
inline void sc_reduce_public(std::span<std::uint8_t, 32> out, std::span<const std::uint8_t, 64> in) noexcept {
    detail_sc::limbs a{}, scratch{};
    detail_sc::load(a, in.data(), 64);
    detail_sc::reduce_to_bytes(out.data(), a, scratch);
}

/// out = in mod L for a 32-byte little-endian value.
inline void sc_reduce32(std::span<std::uint8_t, 32> out, std::span<const std::uint8_t, 32> in) noexcept {
    detail_sc::limbs a{}, scratch{};
    detail_sc::load(a, in.data(), 32);
    detail_sc::reduce_to_bytes(out.data(), a, scratch);
    secure_wipe_object(a);
    secure_wipe_object(scratch);
}

/// s = (a * b + c) mod L for any 32-byte a, b, c (RFC 8032 §5.1.6 step 5).
inline void sc_muladd(std::span<std::uint8_t, 32> s, std::span<const std::uint8_t, 32> a,
                      std::span<const std::uint8_t, 32> b, std::span<const std::uint8_t, 32> c) noexcept {
    detail_sc::limbs x{}, y{}, t{}, scratch{};
    detail_sc::load(x, a.data(), 32);
    detail_sc::load(y, b.data(), 32);
    detail_sc::load(t, c.data(), 32);
    // 13 limbs each (the 13th holds bits 252..255); column sums stay below 13 * 2^42.
    NEXUS_CURVE25519_UNROLL(13)
    for (std::size_t i = 0; i < 13; ++i) {
        NEXUS_CURVE25519_UNROLL(13)
        for (std::size_t j = 0; j < 13; ++j) t[i + j] += x[i] * y[j];
    }
    detail_sc::carry<24>(t);
    detail_sc::reduce_to_bytes(s.data(), t, scratch);
    secure_wipe_object(x);
    secure_wipe_object(y);
    secure_wipe_object(t);
    secure_wipe_object(scratch);
}

/// s = (a * b) mod L.
inline void sc_mul(std::span<std::uint8_t, 32> s, std::span<const std::uint8_t, 32> a,
                   std::span<const std::uint8_t, 32> b) noexcept {
    constexpr std::array<std::uint8_t, 32> zero{};
    sc_muladd(s, a, b, zero);
}

/// s = (a + b) mod L.
inline void sc_add(std::span<std::uint8_t, 32> s, std::span<const std::uint8_t, 32> a,
                   std::span<const std::uint8_t, 32> b) noexcept {
    constexpr std::array<std::uint8_t, 32> one{1};
    sc_muladd(s, a, one, b);
}

/// s = (a - b) mod L.
inline void sc_sub(std::span<std::uint8_t, 32> s, std::span<const std::uint8_t, 32> a,
                   std::span<const std::uint8_t, 32> b) noexcept {
    // L - 1 = -1 (mod L).
    std::array<std::uint8_t, 32> minus_one = scalar_order;
    minus_one[0] = static_cast<std::uint8_t>(minus_one[0] - 1);
    sc_muladd(s, b, minus_one, a);
}

/// True when s < L, i.e. s is the canonical encoding of a scalar (RFC 8032 §5.1.7 step 1).
/// Constant time in s.
inline bool sc_is_canonical(std::span<const std::uint8_t, 32> s) noexcept {
    // Compare from the most significant byte: s < L when the first differing byte is smaller.
    std::uint32_t less = 0, equal = 1;
    for (std::size_t i = 32; i-- > 0;) {
        const std::uint32_t x = s[i], y = scalar_order[i];
        less |= equal & ((x - y) >> 31);
        equal &= ((x ^ y) - 1u) >> 31;
    }
    return less != 0;
}

/// True when s = 0 (mod L) is encoded as all zeros.
inline bool sc_is_zero(std::span<const std::uint8_t, 32> s) noexcept { return ct_is_zero(s); }

}  // namespace nexus::crypto::curve25519
