// ECVRF-EDWARDS25519-SHA512-TAI, the elliptic-curve verifiable random function of RFC 9381 §5
// (suite_string 0x03, §5.5) over Ed25519 keys: prove (§5.1), proof_to_hash (§5.2), verify (§5.3).
#pragma once

// ecvrf_prove(proof, seed, alpha)               proof (80 bytes) = Gamma(32) || c(16) || s(32)
// ecvrf_prove(proof, secret_key, alpha)         the same from ed25519.hpp's seed || public_key
// ecvrf_verify(beta, public_key, proof, alpha)  true and beta (64 bytes) for a valid proof; false,
//                                               beta untouched, for anything else
// ecvrf_proof_to_hash(beta, proof)              beta of a proof, without verifying it (§5.2)
// ecvrf_public_key_valid(public_key)            RFC 9381 §5.4.5 ECVRF_validate_key
//
// Keys are Ed25519 keys (RFC 8032 §5.1.5): the secret is the 32-byte seed, the secret scalar x its
// clamped SHA-512, the public key Y = [x]B as ed25519_keypair makes it. One key pair may serve
// both Ed25519 and the VRF: every hash here starts with suite_string 0x03 and a domain byte, so
// no VRF hash input is also an Ed25519 hash input of the same key.
//
// Suite parameters (§5.5): cLen = 16, ptLen = qLen = 32, cofactor 8, hash SHA-512,
// encode_to_curve_salt = PK_string, ECVRF_encode_to_curve by try-and-increment (§5.4.1.1) with
// string_to_point = the strict RFC 8032 §5.1.3 decoding, nonces per RFC 8032 §5.1.6 (§5.4.2.2),
// and point_to_string = RFC 8032 §5.1.2.
//
// Verification choices (RFC 9381 §5.3 leaves one to the application, validate_key):
//
//   input                                                  verdict  why
//   public key not decodable (y >= p, not on the curve,    reject   string_to_point is INVALID
//     x = 0 with the sign bit set)
//   public key of order 1, 2, 4 or 8                       reject   validate_key = TRUE, always:
//                                                                   with such a key anyone can
//                                                                   make proofs that pass the
//                                                                   equations for any alpha, and
//                                                                   §3.2/§3.3 "full uniqueness"
//                                                                   and "full collision
//                                                                   resistance" need the check
//   public key of mixed order (prime-order part plus       accept   §5.4.5 checks cofactor*Y !=
//     a torsion part)                                               identity only; beta hashes
//                                                                   cofactor*Gamma, so the torsion
//                                                                   part cannot change it
//   Gamma not decodable                                    reject   §5.4.4
//   s >= L                                                 reject   §5.4.4 (else s and s + L both
//                                                                   pass: a malleable proof)
//   c of the proof != recomputed challenge                 reject   §5.3 step 11
//   Gamma of small order                                   reject   only through the challenge:
//                                                                   it would prove x = 0 mod L,
//                                                                   impossible for a valid key
//                                                                   (§5.4.4 does not test it,
//                                                                   nor do we)
//
// Only canonical encodings decode, so the 32 bytes of the public key and of Gamma are hashed as
// they are: they equal point_to_string of the decoded points.
//
// Constant time: the secret scalar, the nonce and everything derived from them before the proof
// is published go through the constant-time scalar multiplications (ge_scalarmult_base,
// ge_scalarmult) and scalar arithmetic (sc_reduce, sc_muladd), and are wiped. encode_to_curve
// depends only on the public key and alpha, and verification only on public inputs, so both run
// in variable time.
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
#include "nexus/crypto/ed25519.hpp"
#include "nexus/crypto/sha2.hpp"

namespace nexus::crypto {

inline constexpr std::size_t ecvrf_proof_size = 80;   // ptLen + cLen + qLen
inline constexpr std::size_t ecvrf_output_size = 64;  // beta: one SHA-512 output

namespace detail {

inline constexpr std::uint8_t ecvrf_suite = 0x03;
inline constexpr std::size_t ecvrf_c_len = 16;

/// Encodes several points with one field inversion (Montgomery's trick: invert the product of
/// the Zs, then peel off one factor at a time). Each encoding is what ge_compress would write.
/// Constant time.
template <class F, std::size_t N>
void ecvrf_compress_batch(const std::array<std::span<std::uint8_t, 32>, N>& out,
                          const std::array<const curve25519::edwards_point<F>*, N>& points) noexcept {
    using namespace curve25519;
    std::array<F, N> prefix{};  // prefix[i] = Z_0 ... Z_i
    prefix[0] = points[0]->Z;
    for (std::size_t i = 1; i < N; ++i) fe_mul(prefix[i], prefix[i - 1], points[i]->Z);
    F inv{}, zinv{}, x{}, y{};
    fe_invert(inv, prefix[N - 1]);  // 1 / (Z_0 ... Z_{N-1})
    for (std::size_t i = N; i-- > 0;) {
        if (i > 0) {
            fe_mul(zinv, inv, prefix[i - 1]);  // 1 / Z_i
            fe_mul(inv, inv, points[i]->Z);    // 1 / (Z_0 ... Z_{i-1})
        } else {
            zinv = inv;
        }
        fe_mul(x, points[i]->X, zinv);
        fe_mul(y, points[i]->Y, zinv);
        fe_to_bytes(out[i].data(), y);
        out[i][31] = static_cast<std::uint8_t>(out[i][31] | (fe_is_negative(x) << 7));
    }
}

/// RFC 9381 §5.4.1.1 ECVRF_encode_to_curve_try_and_increment with salt = PK_string: the first
/// ctr in 0..255 for which SHA-512(0x03 || 0x01 || salt || alpha || ctr || 0x00)[0..32) decodes
/// gives H = cofactor * that point. Returns that ctr; 256 (H then the identity) if none decodes,
/// which happens with probability about 2^-256 (each try succeeds about half the time).
/// Public inputs only: variable time.
template <class F>
unsigned ecvrf_encode_to_curve(curve25519::edwards_point<F>& h, std::span<const std::uint8_t, 32> salt,
                               std::span<const std::uint8_t> alpha) noexcept {
    constexpr std::uint8_t front[2] = {ecvrf_suite, 0x01};
    sha512 prefix;
    prefix.update(front);
    prefix.update(salt);
    prefix.update(alpha);
    for (unsigned ctr = 0; ctr < 256; ++ctr) {
        // Continue from a copy of the state after alpha: a long alpha is hashed once.
        sha512 attempt = prefix;
        const std::uint8_t back[2] = {static_cast<std::uint8_t>(ctr), 0x00};
        attempt.update(back);
        std::array<std::uint8_t, 64> digest{};
        attempt.finish(digest);
        if (curve25519::ge_decompress(h, std::span<const std::uint8_t, 32>(digest.data(), 32))) {
            curve25519::ge_mul_by_cofactor(h, h);
            return ctr;
        }
    }
    curve25519::ge_identity(h);
    return 256;
}

/// RFC 9381 §5.4.2.2 (RFC 8032 §5.1.6 step 2): k_string = SHA-512(SHA-512(seed)[32..64) || h_string).
inline void ecvrf_nonce(std::span<std::uint8_t, 64> k_string, std::span<const std::uint8_t, 32> hash_prefix,
                        std::span<const std::uint8_t, 32> h_string) noexcept {
    sha512 hash;
    hash.update(hash_prefix);
    hash.update(h_string);
    hash.finish(k_string);
}

/// RFC 9381 §5.4.3 over the encodings of Y, H, Gamma, U, V: the first cLen = 16 bytes of
/// SHA-512(0x03 || 0x02 || Y || H || Gamma || U || V || 0x00), written as a 32-byte scalar
/// (c < 2^128 < L, upper half zero).
inline void ecvrf_challenge(std::span<std::uint8_t, 32> c, std::span<const std::uint8_t, 32> y,
                            std::span<const std::uint8_t, 32> h, std::span<const std::uint8_t, 32> gamma,
                            std::span<const std::uint8_t, 32> u,
                            std::span<const std::uint8_t, 32> v) noexcept {
    constexpr std::uint8_t front[2] = {ecvrf_suite, 0x02};
    constexpr std::uint8_t back[1] = {0x00};
    sha512 hash;
    hash.update(front);
    hash.update(y);
    hash.update(h);
    hash.update(gamma);
    hash.update(u);
    hash.update(v);
    hash.update(back);
    std::array<std::uint8_t, 64> digest{};
    hash.finish(digest);
    for (std::size_t i = 0; i < 32; ++i) c[i] = i < ecvrf_c_len ? digest[i] : 0;
}

/// RFC 9381 §5.2 step 4 from the encoding of cofactor * Gamma.
inline void ecvrf_hash_point(std::span<std::uint8_t, 64> beta,
                             std::span<const std::uint8_t, 32> gamma8) noexcept {
    constexpr std::uint8_t front[2] = {ecvrf_suite, 0x03};
    constexpr std::uint8_t back[1] = {0x00};
    sha512 hash;
    hash.update(front);
    hash.update(gamma8);
    hash.update(back);
    hash.finish(beta);
}

/// RFC 9381 §5.4.4: Gamma decodes (strictly) and s < L. c needs no check: any 16 bytes are a
/// valid c.
template <class F>
bool ecvrf_decode_proof(curve25519::edwards_point<F>& gamma,
                        std::span<const std::uint8_t, 80> proof) noexcept {
    if (!curve25519::sc_is_canonical(proof.last<32>())) return false;
    return curve25519::ge_decompress(gamma, proof.first<32>());
}

/// RFC 9381 §5.4.5 after string_to_point: Y decodes and cofactor * Y is not the identity.
template <class F>
bool ecvrf_decode_public_key(curve25519::edwards_point<F>& y,
                             std::span<const std::uint8_t, 32> public_key) noexcept {
    if (!curve25519::ge_decompress(y, public_key)) return false;
    return !curve25519::ge_is_small_order(y);
}

/// What prove computes on the way, for the tests to compare with RFC 9381 Appendix B.3.
struct ecvrf_trace {
    std::array<std::uint8_t, 32> x{};         // secret scalar
    unsigned ctr = 0;                         // try-and-increment counter that succeeded
    std::array<std::uint8_t, 32> h{};         // H
    std::array<std::uint8_t, 64> k_string{};  // nonce hash before reduction mod L
    std::array<std::uint8_t, 32> u{};         // U = kB
    std::array<std::uint8_t, 32> v{};         // V = kH
};

/// RFC 9381 §5.1 for the given seed and public key (public_key must be [x]B; ecvrf_prove checks
/// nothing about it). `trace`, when not null, receives the intermediate values (tests only: it
/// holds secrets).
template <class F>
void ecvrf_prove_with_key(std::span<std::uint8_t, 80> proof, std::span<const std::uint8_t, 32> seed,
                          std::span<const std::uint8_t, 32> public_key, std::span<const std::uint8_t> alpha,
                          ecvrf_trace* trace) noexcept {
    using namespace curve25519;
    // 1. x and the nonce prefix from SHA-512(seed).
    std::array<std::uint8_t, 64> expanded{};
    ed25519_expand_seed(expanded, seed);
    const std::span<const std::uint8_t, 32> x(expanded.data(), 32);
    const std::span<const std::uint8_t, 32> prefix(expanded.data() + 32, 32);
    // 2-3. H = ECVRF_encode_to_curve(PK_string, alpha), h_string.
    edwards_point<F> h{};
    const unsigned ctr = ecvrf_encode_to_curve(h, public_key, alpha);
    std::array<std::uint8_t, 32> h_string{};
    ge_compress(h_string, h);
    // 4. Gamma = x*H. H has prime order (cofactor cleared), so the clamped x acts as x mod L.
    edwards_point<F> gamma{}, u{}, v{};
    ge_scalarmult(gamma, h, x);
    // 5. k = ECVRF_nonce_generation(SK, h_string).
    std::array<std::uint8_t, 64> k_string{};
    ecvrf_nonce(k_string, prefix, h_string);
    std::array<std::uint8_t, 32> k{};
    sc_reduce(k, k_string);
    // 6. c = ECVRF_challenge_generation(Y, H, Gamma, k*B, k*H).
    ge_scalarmult_base(u, k);
    ge_scalarmult(v, h, k);
    std::array<std::uint8_t, 32> gamma_string{}, u_string{}, v_string{};
    ecvrf_compress_batch<F, 3>({std::span<std::uint8_t, 32>(gamma_string),
                                std::span<std::uint8_t, 32>(u_string), std::span<std::uint8_t, 32>(v_string)},
                               {&gamma, &u, &v});
    std::array<std::uint8_t, 32> c{};
    ecvrf_challenge(c, public_key, h_string, gamma_string, u_string, v_string);
    // 7. s = (k + c*x) mod q.
    // 8. pi = point_to_string(Gamma) || int_to_string(c, 16) || int_to_string(s, 32).
    std::array<std::uint8_t, 32> s{};
    sc_muladd(s, c, x, k);
    for (std::size_t i = 0; i < 32; ++i) proof[i] = gamma_string[i];
    for (std::size_t i = 0; i < ecvrf_c_len; ++i) proof[32 + i] = c[i];
    for (std::size_t i = 0; i < 32; ++i) proof[48 + i] = s[i];
    if (trace != nullptr) {
        for (std::size_t i = 0; i < 32; ++i) trace->x[i] = x[i];
        trace->ctr = ctr;
        trace->h = h_string;
        trace->k_string = k_string;
        trace->u = u_string;
        trace->v = v_string;
    }
    // U and V are public (a verifier recomputes them); x, the prefix and k are not, and V and
    // Gamma as points are only as secret as their published encodings.
    secure_wipe_object(expanded);
    secure_wipe_object(k_string);
    secure_wipe_object(k);
}

}  // namespace detail

/// RFC 9381 §5.1 ECVRF_prove with the 32-byte Ed25519 seed as SK; the public key is derived from it.
template <class F = curve25519::fe>
void ecvrf_prove(std::span<std::uint8_t, 80> proof, std::span<const std::uint8_t, 32> seed,
                 std::span<const std::uint8_t> alpha) noexcept {
    std::array<std::uint8_t, 32> public_key{};
    std::array<std::uint8_t, 64> secret_key{};
    ed25519_keypair<F>(public_key, secret_key, seed);
    detail::ecvrf_prove_with_key<F>(proof, seed, public_key, alpha, nullptr);
    secure_wipe_object(secret_key);
}

/// RFC 9381 §5.1 ECVRF_prove with secret_key = seed || public_key as made by ed25519_keypair.
/// The public half is trusted, as ed25519_sign trusts it (it saves a scalar multiplication): a
/// mismatched one yields proofs that verify under no key. It cannot leak the secret either: the
/// nonce hashes H, which hashes the public key, so two public keys never share a nonce.
template <class F = curve25519::fe>
void ecvrf_prove(std::span<std::uint8_t, 80> proof, std::span<const std::uint8_t, 64> secret_key,
                 std::span<const std::uint8_t> alpha) noexcept {
    detail::ecvrf_prove_with_key<F>(proof, secret_key.first<32>(), secret_key.last<32>(), alpha, nullptr);
}

/// RFC 9381 §5.2 ECVRF_proof_to_hash: beta = SHA-512(0x03 || 0x03 || cofactor*Gamma || 0x00).
/// False (beta untouched) when the proof does not decode (§5.4.4). It does not verify the proof:
/// use it only on proofs that ecvrf_verify has accepted (which returns beta itself anyway).
template <class F = curve25519::fe>
[[nodiscard]] bool ecvrf_proof_to_hash(std::span<std::uint8_t, 64> beta,
                                       std::span<const std::uint8_t, 80> proof) noexcept {
    curve25519::edwards_point<F> gamma{};
    if (!detail::ecvrf_decode_proof(gamma, proof)) return false;
    curve25519::ge_mul_by_cofactor(gamma, gamma);
    std::array<std::uint8_t, 32> gamma8{};
    curve25519::ge_compress(gamma8, gamma);
    detail::ecvrf_hash_point(beta, gamma8);
    return true;
}

/// RFC 9381 §5.4.5 ECVRF_validate_key: true when the public key decodes (strictly: canonical,
/// on the curve) and is not of order 1, 2, 4 or 8.
template <class F = curve25519::fe>
[[nodiscard]] bool ecvrf_public_key_valid(std::span<const std::uint8_t, 32> public_key) noexcept {
    curve25519::edwards_point<F> y{};
    return detail::ecvrf_decode_public_key(y, public_key);
}

/// RFC 9381 §5.3 ECVRF_verify with validate_key = TRUE (see the table at the top of this file).
/// True with beta = ECVRF_proof_to_hash(proof) when the proof is valid for public_key and alpha;
/// false, with beta untouched, otherwise.
template <class F = curve25519::fe>
[[nodiscard]] bool ecvrf_verify(std::span<std::uint8_t, 64> beta,
                                std::span<const std::uint8_t, 32> public_key,
                                std::span<const std::uint8_t, 80> proof,
                                std::span<const std::uint8_t> alpha) noexcept {
    namespace c25 = curve25519;
    // 1-3. Y = string_to_point(PK_string), ECVRF_validate_key.
    c25::edwards_point<F> y{};
    if (!detail::ecvrf_decode_public_key(y, public_key)) return false;
    // 4-6. (Gamma, c, s) = ECVRF_decode_proof(pi_string).
    c25::edwards_point<F> gamma{};
    if (!detail::ecvrf_decode_proof(gamma, proof)) return false;
    std::array<std::uint8_t, 32> c{};
    for (std::size_t i = 0; i < detail::ecvrf_c_len; ++i) c[i] = proof[32 + i];
    const auto s = proof.last<32>();
    // 7. H = ECVRF_encode_to_curve(PK_string, alpha).
    c25::edwards_point<F> h{};
    if (detail::ecvrf_encode_to_curve(h, public_key, alpha) > 255) return false;
    // 8. U = s*B - c*Y.
    c25::edwards_point<F> u{}, v{}, t{};
    c25::ge_neg(y, y);
    c25::ge_double_scalarmult_base_vartime(u, c, y, s);
    // 9. V = s*H - c*Gamma (c has 128 bits, so its product costs half of s's).
    c25::ge_scalarmult_vartime(v, h, s);
    c25::ge_scalarmult_vartime(t, gamma, c);
    c25::ge_sub(v, v, t);
    // The encoding of cofactor*Gamma for beta shares the inversion with H, U and V.
    c25::ge_mul_by_cofactor(gamma, gamma);
    std::array<std::uint8_t, 32> h_string{}, u_string{}, v_string{}, gamma8{};
    detail::ecvrf_compress_batch<F, 4>(
        {std::span<std::uint8_t, 32>(h_string), std::span<std::uint8_t, 32>(u_string),
         std::span<std::uint8_t, 32>(v_string), std::span<std::uint8_t, 32>(gamma8)},
        {&h, &u, &v, &gamma});
    // 10-11. c' = ECVRF_challenge_generation(Y, H, Gamma, U, V); valid when c = c'.
    std::array<std::uint8_t, 32> c_prime{};
    detail::ecvrf_challenge(c_prime, public_key, h_string, proof.first<32>(), u_string, v_string);
    if (!ct_equal(c_prime, c)) return false;
    detail::ecvrf_hash_point(beta, gamma8);
    return true;
}

}  // namespace nexus::crypto
