// Ed25519 signatures (RFC 8032 §5.1, "pure" Ed25519: no context, no prehash) and the conversion of
// Ed25519 keys to X25519 keys.
#pragma once

// ed25519_keypair(public_key, secret_key, seed)   secret_key = seed || public_key (64 bytes)
// ed25519_sign(signature, secret_key, message)     deterministic, constant time in the secret
// ed25519_verify(signature, public_key, message)   see the table below
// ed25519_public_to_x25519(x_public, ed_public)    u = (1 + y) / (1 - y); false on bad keys
// ed25519_secret_to_x25519(x_secret, ed_secret)    clamped SHA-512(seed)[0..32)
//
// Verification rules. The equation is COFACTORLESS, [S]B = R + [k]A, checked as
// encode([S]B - [k]A) == R byte for byte — the check libsodium 1.0.18 makes, so both libraries
// give the same verdict on every input (the differential test compares them on mutated
// signatures, messages and keys), and every Wycheproof ed25519_test.json verdict holds
// (tests/crypto/ed25519_test.cpp). Case by case:
//
//   input                                               verdict  why
//   S >= L (non-canonical scalar)                        reject   RFC 8032 §5.1.7 step 1; malleability
//   R is an encoding of a small-order point (y in        reject   libsodium's rule; a small-order R
//     {0, 1, -1, the two order-8 y}, or the non-                  lets one signature pass for many
//     canonical p, p+1; the sign bit ignored)                     messages under weak keys
//   R non-canonical (y >= p, or x = 0 with sign bit 1)   reject   R is compared as bytes with a
//   R not on the curve                                   reject     canonical encoding, so it never
//                                                                   matches
//   A is an encoding of a small-order point (same list)  reject   libsodium's rule; such keys verify
//                                                                   signatures on any message
//   A non-canonical (y >= p)                             reject   RFC 8032 §5.1.3 decoding; libsodium
//   A with x = 0 and the sign bit set                    reject   RFC 8032 §5.1.3 (only y = +-1, which
//                                                                   are small order anyway)
//   A not on the curve                                   reject   decoding fails
//   A or R of mixed order (prime-order part plus a       the cofactorless equation decides: accepted
//     nonzero torsion part)                                only when it holds exactly, as libsodium
//   signature of another length than 64 bytes           impossible to pass: the type is span<, 64>
//
// Why cofactorless rather than [8][S]B = [8]R + [8][k]A: nexus must give the verdicts libsodium
// 1.0.18 gives, since peers may run either, and verifiers that disagree on validity are a
// consensus hazard. The two equations only differ on signatures built deliberately with torsion
// components, which no honest signer makes. (ZIP-215-style batch verification would need the
// cofactored one; nexus does not batch.) docs/crypto/ed25519.md has the same table.
//
// All functions take the field backend as an optional template argument (default curve25519::fe).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/curve25519/field.hpp"
#include "nexus/crypto/curve25519/group.hpp"
#include "nexus/crypto/curve25519/scalar.hpp"
#include "nexus/crypto/sha2.hpp"
#include "nexus/crypto/x25519.hpp"

namespace nexus::crypto {

namespace curve25519 {

/// RFC 8032 §5.1.5 steps 1-3: SHA-512 of the seed, the low half clamped into the secret scalar.
inline void ed25519_expand_seed(std::array<std::uint8_t, 64>& h,
                                std::span<const std::uint8_t, 32> seed) noexcept {
    sha512_hash(seed, h);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
}

}  // namespace curve25519

/// RFC 8032 §5.1.5: public_key = [clamped SHA-512(seed)[0..32)]B; secret_key = seed || public_key.
template <class F = curve25519::fe>
void ed25519_keypair(std::span<std::uint8_t, 32> public_key, std::span<std::uint8_t, 64> secret_key,
                     std::span<const std::uint8_t, 32> seed) noexcept {
    std::array<std::uint8_t, 64> h{};
    curve25519::ed25519_expand_seed(h, seed);
    curve25519::edwards_point<F> a{};
    curve25519::ge_scalarmult_base(a, std::span<const std::uint8_t, 32>(h.data(), 32));
    std::array<std::uint8_t, 32> pk{};
    curve25519::ge_compress(pk, a);
    for (std::size_t i = 0; i < 32; ++i) {
        secret_key[i] = seed[i];
        secret_key[32 + i] = pk[i];
        public_key[i] = pk[i];
    }
    secure_wipe_object(h);
    secure_wipe_object(a);
}

/// RFC 8032 §5.1.6. secret_key is seed || public_key as made by ed25519_keypair; the public half is
/// trusted (as in libsodium), so a mismatched one yields signatures that do not verify. The message
/// is read twice, after R is written: `signature` must not overlap it.
template <class F = curve25519::fe>
void ed25519_sign(std::span<std::uint8_t, 64> signature, std::span<const std::uint8_t, 64> secret_key,
                  std::span<const std::uint8_t> message) noexcept {
    std::array<std::uint8_t, 64> h{}, digest{};
    curve25519::ed25519_expand_seed(h, secret_key.first<32>());
    // r = SHA-512(prefix || M) mod L, the deterministic nonce.
    sha512 hash;
    hash.update(std::span<const std::uint8_t>(h.data() + 32, 32));
    hash.update(message);
    hash.finish(digest);
    std::array<std::uint8_t, 32> r{};
    curve25519::sc_reduce(r, digest);
    // R = [r]B
    curve25519::edwards_point<F> rp{};
    curve25519::ge_scalarmult_base(rp, r);
    curve25519::ge_compress(signature.first<32>(), rp);
    // k = SHA-512(R || A || M) mod L
    hash.update(signature.first<32>());
    hash.update(secret_key.last<32>());
    hash.update(message);
    hash.finish(digest);
    std::array<std::uint8_t, 32> k{};
    curve25519::sc_reduce_public(k, digest);  // k is public: anyone can recompute it
    // S = (r + k s) mod L
    curve25519::sc_muladd(signature.last<32>(), k, std::span<const std::uint8_t, 32>(h.data(), 32), r);
    secure_wipe_object(h);
    secure_wipe_object(digest);
    secure_wipe_object(r);
    secure_wipe_object(rp);
}

/// RFC 8032 §5.1.7 with the rules in the table at the top of this file.
template <class F = curve25519::fe>
[[nodiscard]] bool ed25519_verify(std::span<const std::uint8_t, 64> signature,
                                  std::span<const std::uint8_t, 32> public_key,
                                  std::span<const std::uint8_t> message) noexcept {
    const auto r_bytes = signature.first<32>();
    const auto s_bytes = signature.last<32>();
    if (!curve25519::sc_is_canonical(s_bytes)) return false;
    if (curve25519::ge_is_small_order_encoding(r_bytes)) return false;
    if (curve25519::ge_is_small_order_encoding(public_key)) return false;
    curve25519::edwards_point<F> a{};
    if (!curve25519::ge_decompress(a, public_key)) return false;
    curve25519::ge_neg(a, a);

    std::array<std::uint8_t, 64> digest{};
    sha512 hash;
    hash.update(r_bytes);
    hash.update(public_key);
    hash.update(message);
    hash.finish(digest);
    std::array<std::uint8_t, 32> k{};
    curve25519::sc_reduce_public(k, digest);

    // [k](-A) + [S]B must encode to R exactly.
    curve25519::edwards_point<F> check{};
    curve25519::ge_double_scalarmult_base_vartime(check, k, a, s_bytes);
    std::array<std::uint8_t, 32> encoded{};
    curve25519::ge_compress(encoded, check);
    return ct_equal(encoded, r_bytes);
}

/// The X25519 public key of the same secret: u = (1 + y) / (1 - y) (RFC 7748 §4.1). Returns false,
/// writing nothing, unless ed_public decodes (strictly, RFC 8032 §5.1.3) to a point of the
/// prime-order subgroup: small-order, mixed-order, non-canonical and off-curve keys are refused.
/// These are libsodium 1.0.18's verdicts too (it accepts no non-canonical key either: none of the
/// y >= p encodings it would decode lies in the prime-order subgroup).
template <class F = curve25519::fe>
[[nodiscard]] bool ed25519_public_to_x25519(std::span<std::uint8_t, 32> x_public,
                                            std::span<const std::uint8_t, 32> ed_public) noexcept {
    if (curve25519::ge_is_small_order_encoding(ed_public)) return false;
    curve25519::edwards_point<F> a{};
    if (!curve25519::ge_decompress(a, ed_public)) return false;
    if (!curve25519::ge_is_torsion_free(a)) return false;
    curve25519::edwards_to_montgomery_u(x_public, a);
    return true;
}

/// The X25519 secret of an Ed25519 secret key (seed || public): the clamped first half of
/// SHA-512(seed), i.e. the Ed25519 secret scalar, so that x25519_public_key of it equals
/// ed25519_public_to_x25519 of the public key.
inline void ed25519_secret_to_x25519(std::span<std::uint8_t, 32> x_secret,
                                     std::span<const std::uint8_t, 64> ed_secret) noexcept {
    std::array<std::uint8_t, 64> h{};
    curve25519::ed25519_expand_seed(h, ed_secret.first<32>());
    for (std::size_t i = 0; i < 32; ++i) x_secret[i] = h[i];
    secure_wipe_object(h);
}

}  // namespace nexus::crypto
