// X25519 Diffie-Hellman (RFC 7748 §5 and §6.1): the Montgomery ladder on Curve25519, in constant
// time, and public-key derivation through the edwards25519 fixed-base table.
#pragma once

// x25519(shared, secret, peer_public)
//   Clamps the secret (RFC 7748 §5 decodeScalar25519), ignores the top bit of the peer's u
//   (decodeUCoordinate) and accepts every u, including non-canonical ones (u >= p is used modulo
//   p, as §5 prescribes) and points on the twist. Returns false when the shared secret is all
//   zeros — the peer sent a point of small order — as §6.1 asks; `shared` then holds those zeros
//   and must not be used.
// x25519_public_key(public_key, secret)
//   X25519(secret, 9), computed as [clamped secret]B on edwards25519 with the precomputed table and
//   mapped to u = (1 + y) / (1 - y), which is about three times faster than the ladder and gives the
//   same bytes.
//
// Both take the field backend as an optional template argument (default curve25519::fe), so tests
// can run the 64-bit and the portable 32-bit arithmetic side by side.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/curve25519/field.hpp"
#include "nexus/crypto/curve25519/group.hpp"

namespace nexus::crypto {

namespace curve25519 {

/// RFC 7748 §5 decodeScalar25519: clear the low 3 bits (a multiple of the cofactor 8), clear bit
/// 255 and set bit 254 (a fixed ladder length).
inline void x25519_clamp(std::array<std::uint8_t, 32>& k, std::span<const std::uint8_t, 32> secret) noexcept {
    for (std::size_t i = 0; i < 32; ++i) k[i] = secret[i];
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
}

template <field_element F>
struct ladder_state {
    F x1, x2, z2, x3, z3;
};

// One ladder step (RFC 7748 §5). Kept out of line: inlined into the loop, Clang 14's register
// allocation spills so much that the ladder runs about 40% slower.
template <field_element F>
NEXUS_CURVE25519_NOINLINE void ladder_step(ladder_state<F>& s) noexcept {
    F a{}, aa{}, b{}, bb{}, e{}, c{}, d{}, da{}, cb{}, t{};
    fe_add(a, s.x2, s.z2);
    fe_sub(b, s.x2, s.z2);
    fe_add(c, s.x3, s.z3);
    fe_sub(d, s.x3, s.z3);
    fe_sq(aa, a);
    fe_sq(bb, b);
    fe_mul(da, d, a);
    fe_mul(cb, c, b);
    fe_sub(e, aa, bb);
    fe_add(t, da, cb);
    fe_sq(s.x3, t);  // (DA + CB)^2
    fe_sub(t, da, cb);
    fe_sq(t, t);
    fe_mul(s.z3, s.x1, t);  // x1 (DA - CB)^2
    fe_mul(s.x2, aa, bb);
    // z2 = E (AA + a24 E) with a24 = 121665; AA = BB + E makes it E (BB + 121666 E).
    fe_mul121666(t, e);
    fe_add(t, t, bb);
    fe_mul(s.z2, e, t);
}

/// The RFC 7748 §5 ladder: out = u([k] (u, .)) for a clamped k, constant time in k. The peer's u
/// loses its top bit and is otherwise used as is (values >= p act as their residues).
template <field_element F>
void montgomery_ladder(std::span<std::uint8_t, 32> out, const std::array<std::uint8_t, 32>& k,
                       std::span<const std::uint8_t, 32> u) noexcept {
    ladder_state<F> s{};
    fe_from_bytes(s.x1, u.data());
    fe_one(s.x2);
    fe_zero(s.z2);
    s.x3 = s.x1;
    fe_one(s.z3);
    std::uint32_t swap = 0;
    for (int i = 254; i >= 0; --i) {
        const std::uint32_t bit = (k[static_cast<std::size_t>(i / 8)] >> (i % 8)) & 1u;
        swap ^= bit;
        fe_cswap(s.x2, s.x3, swap);
        fe_cswap(s.z2, s.z3, swap);
        swap = bit;
        ladder_step(s);
    }
    fe_cswap(s.x2, s.x3, swap);
    fe_cswap(s.z2, s.z3, swap);
    fe_invert(s.z2, s.z2);  // 0 stays 0, so a small-order input gives u = 0
    fe_mul(s.x2, s.x2, s.z2);
    fe_to_bytes(out.data(), s.x2);
    secure_wipe_object(s);
    secure_wipe_object(swap);
}

/// The Montgomery u of an Edwards point: u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y) (RFC 7748 §4.1).
/// Gives 0 for the identity (whose denominator is 0).
template <field_element F>
constexpr void edwards_to_montgomery_u(std::span<std::uint8_t, 32> out, const edwards_point<F>& p) noexcept {
    F num{}, den{};
    fe_add(num, p.Z, p.Y);
    fe_sub(den, p.Z, p.Y);
    fe_invert(den, den);
    fe_mul(num, num, den);
    fe_to_bytes(out.data(), num);
}

}  // namespace curve25519

/// RFC 7748 §6.1: shared = X25519(secret, peer_public). False (with shared all zero) when the
/// peer's point has small order.
template <class F = curve25519::fe>
[[nodiscard]] bool x25519(std::span<std::uint8_t, 32> shared, std::span<const std::uint8_t, 32> secret,
                          std::span<const std::uint8_t, 32> peer_public) noexcept {
    std::array<std::uint8_t, 32> k{};
    curve25519::x25519_clamp(k, secret);
    curve25519::montgomery_ladder<F>(shared, k, peer_public);
    secure_wipe_object(k);
    return !ct_is_zero(shared);
}

/// RFC 7748 §6.1: public_key = X25519(secret, 9).
template <class F = curve25519::fe>
void x25519_public_key(std::span<std::uint8_t, 32> public_key,
                       std::span<const std::uint8_t, 32> secret) noexcept {
    std::array<std::uint8_t, 32> k{};
    curve25519::x25519_clamp(k, secret);
    curve25519::edwards_point<F> p{};
    curve25519::ge_scalarmult_base(p, k);
    curve25519::edwards_to_montgomery_u(public_key, p);
    secure_wipe_object(k);
    secure_wipe_object(p);
}

}  // namespace nexus::crypto
