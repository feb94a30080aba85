// The cryptography part of the C ABI (bindings/c/include/nexus_crypto.h), on nexus::crypto.
// The functions only check pointers and lengths and translate results: every secret temporary
// lives inside the nexus::crypto routines, which wipe it themselves.
#include "nexus.h"

#include <nexus/crypto/aead.hpp>
#include <nexus/crypto/argon2.hpp>
#include <nexus/crypto/blake2b.hpp>
#include <nexus/crypto/blake3.hpp>
#include <nexus/crypto/ecvrf.hpp>
#include <nexus/crypto/ed25519.hpp>
#include <nexus/crypto/hkdf.hpp>
#include <nexus/crypto/hmac.hpp>
#include <nexus/crypto/sha2.hpp>
#include <nexus/crypto/x25519.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

namespace nc = nexus::crypto;

using in_bytes = std::span<const std::uint8_t>;

static_assert(sizeof(nc::argon2_block) == NEXUS_ARGON2_BLOCK_BYTES);
static_assert(NEXUS_HKDF_SHA256_MAX_BYTES == nc::hkdf_max_output<nc::sha256>);
static_assert(NEXUS_HKDF_SHA512_MAX_BYTES == nc::hkdf_max_output<nc::sha512>);
static_assert(NEXUS_AEAD_TAG_BYTES == nc::chacha20_poly1305::tag_size);
static_assert(NEXUS_CHACHA20POLY1305_NONCE_BYTES == nc::chacha20_poly1305::nonce_size);
static_assert(NEXUS_XCHACHA20POLY1305_NONCE_BYTES == nc::xchacha20_poly1305::nonce_size);
static_assert(NEXUS_BLAKE3_KEY_BYTES == nc::blake3::key_len);

// A variable-length buffer may be NULL only when it is empty.
constexpr bool usable(const void* p, std::size_t n) noexcept { return p != nullptr || n == 0; }

template <std::size_t N>
std::span<const std::uint8_t, N> fixed(const std::uint8_t* p) noexcept {
    return std::span<const std::uint8_t, N>(p, N);
}

template <std::size_t N>
std::span<std::uint8_t, N> fixed_out(std::uint8_t* p) noexcept {
    return std::span<std::uint8_t, N>(p, N);
}

// The AEAD routines support exactly in-place operation (out == in) or disjoint buffers; a
// partial overlap would corrupt the output, so it is refused up front. Compared as integers:
// relational operators on pointers into different objects are unspecified.
bool partial_overlap(const void* in, std::size_t in_len, const void* out, std::size_t out_len) noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(in);
    const auto b = reinterpret_cast<std::uintptr_t>(out);
    if (a == b || in_len == 0 || out_len == 0) return false;
    return a < b ? b - a < in_len : a - b < out_len;
}

constexpr nexus_status from_aead(nc::aead_status s) noexcept {
    switch (s) {
        case nc::aead_status::ok:
            return NEXUS_OK;
        case nc::aead_status::bad_tag:
            return NEXUS_ERR_AUTH_FAILED;
        case nc::aead_status::bad_length:
            break;
    }
    // Output sizes are derived here, so only the message-size limit can be left.
    return NEXUS_ERR_INVALID_LENGTH;
}

template <class Aead>
nexus_status aead_seal(const std::uint8_t* key, const std::uint8_t* nonce, const std::uint8_t* plaintext,
                       std::size_t plaintext_len, const std::uint8_t* ad, std::size_t ad_len,
                       std::uint8_t* out, std::size_t out_cap, std::size_t* out_len) noexcept {
    if (key == nullptr || nonce == nullptr || out == nullptr || !usable(plaintext, plaintext_len) ||
        !usable(ad, ad_len))
        return NEXUS_ERR_NULL_POINTER;
    // Written so that plaintext_len + 16 cannot wrap around.
    if (out_cap < Aead::tag_size || out_cap - Aead::tag_size < plaintext_len)
        return NEXUS_ERR_BUFFER_TOO_SMALL;
    const std::size_t n = plaintext_len + Aead::tag_size;
    if (partial_overlap(plaintext, plaintext_len, out, n)) return NEXUS_ERR_INVALID_ARGUMENT;
    const nexus_status s = from_aead(Aead::seal(fixed<Aead::key_size>(key), fixed<Aead::nonce_size>(nonce),
                                                in_bytes(plaintext, plaintext_len), in_bytes(ad, ad_len),
                                                std::span<std::uint8_t>(out, n)));
    if (s == NEXUS_OK && out_len != nullptr) *out_len = n;
    return s;
}

template <class Aead>
nexus_status aead_open(const std::uint8_t* key, const std::uint8_t* nonce, const std::uint8_t* ciphertext,
                       std::size_t ciphertext_len, const std::uint8_t* ad, std::size_t ad_len,
                       std::uint8_t* out, std::size_t out_cap, std::size_t* out_len) noexcept {
    if (key == nullptr || nonce == nullptr || !usable(out, out_cap) || !usable(ciphertext, ciphertext_len) ||
        !usable(ad, ad_len))
        return NEXUS_ERR_NULL_POINTER;
    if (ciphertext_len < Aead::tag_size) return NEXUS_ERR_TRUNCATED;
    const std::size_t n = ciphertext_len - Aead::tag_size;
    if (out_cap < n) return NEXUS_ERR_BUFFER_TOO_SMALL;
    if (partial_overlap(ciphertext, ciphertext_len, out, n)) return NEXUS_ERR_INVALID_ARGUMENT;
    const nexus_status s = from_aead(Aead::open(fixed<Aead::key_size>(key), fixed<Aead::nonce_size>(nonce),
                                                in_bytes(ciphertext, ciphertext_len), in_bytes(ad, ad_len),
                                                std::span<std::uint8_t>(out, n)));
    if (s == NEXUS_OK && out_len != nullptr) *out_len = n;
    return s;
}

constexpr nexus_status from_argon2(nc::argon2_status s) noexcept {
    switch (s) {
        case nc::argon2_status::ok:
            return NEXUS_OK;
        case nc::argon2_status::bad_tag_length:
        case nc::argon2_status::bad_salt_length:
        case nc::argon2_status::input_too_long:
            return NEXUS_ERR_INVALID_LENGTH;
        case nc::argon2_status::bad_passes:
        case nc::argon2_status::bad_lanes:
        case nc::argon2_status::bad_memory:
            return NEXUS_ERR_INVALID_ARGUMENT;
        case nc::argon2_status::work_too_small:
            return NEXUS_ERR_BUFFER_TOO_SMALL;
    }
    return NEXUS_ERR_INVALID_ARGUMENT;
}

}  // namespace

extern "C" {

nexus_status nexus_sha256(const uint8_t* in, size_t in_len, uint8_t* out32) {
    if (!usable(in, in_len) || out32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::sha256_hash(in_bytes(in, in_len), fixed_out<32>(out32));
    return NEXUS_OK;
}

nexus_status nexus_sha512(const uint8_t* in, size_t in_len, uint8_t* out64) {
    if (!usable(in, in_len) || out64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::sha512_hash(in_bytes(in, in_len), fixed_out<64>(out64));
    return NEXUS_OK;
}

nexus_status nexus_hmac_sha256(const uint8_t* key, size_t key_len, const uint8_t* in, size_t in_len,
                               uint8_t* out32) {
    if (!usable(key, key_len) || !usable(in, in_len) || out32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::hmac_sha256(in_bytes(key, key_len), in_bytes(in, in_len), fixed_out<32>(out32));
    return NEXUS_OK;
}

nexus_status nexus_hmac_sha512(const uint8_t* key, size_t key_len, const uint8_t* in, size_t in_len,
                               uint8_t* out64) {
    if (!usable(key, key_len) || !usable(in, in_len) || out64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::hmac_sha512(in_bytes(key, key_len), in_bytes(in, in_len), fixed_out<64>(out64));
    return NEXUS_OK;
}

nexus_status nexus_hkdf_sha256(const uint8_t* ikm, size_t ikm_len, const uint8_t* salt, size_t salt_len,
                               const uint8_t* info, size_t info_len, uint8_t* out, size_t out_len) {
    if (!usable(ikm, ikm_len) || !usable(salt, salt_len) || !usable(info, info_len) || !usable(out, out_len))
        return NEXUS_ERR_NULL_POINTER;
    return nc::hkdf_sha256(in_bytes(ikm, ikm_len), in_bytes(salt, salt_len), in_bytes(info, info_len),
                           std::span<std::uint8_t>(out, out_len))
               ? NEXUS_OK
               : NEXUS_ERR_INVALID_LENGTH;
}

nexus_status nexus_hkdf_sha512(const uint8_t* ikm, size_t ikm_len, const uint8_t* salt, size_t salt_len,
                               const uint8_t* info, size_t info_len, uint8_t* out, size_t out_len) {
    if (!usable(ikm, ikm_len) || !usable(salt, salt_len) || !usable(info, info_len) || !usable(out, out_len))
        return NEXUS_ERR_NULL_POINTER;
    return nc::hkdf_sha512(in_bytes(ikm, ikm_len), in_bytes(salt, salt_len), in_bytes(info, info_len),
                           std::span<std::uint8_t>(out, out_len))
               ? NEXUS_OK
               : NEXUS_ERR_INVALID_LENGTH;
}

nexus_status nexus_blake2b(const uint8_t* in, size_t in_len, const uint8_t* key, size_t key_len, uint8_t* out,
                           size_t out_len) {
    if (!usable(in, in_len) || !usable(key, key_len) || !usable(out, out_len)) return NEXUS_ERR_NULL_POINTER;
    return nc::blake2b_hash(std::span<std::uint8_t>(out, out_len), in_bytes(in, in_len),
                            in_bytes(key, key_len))
               ? NEXUS_OK
               : NEXUS_ERR_INVALID_LENGTH;
}

nexus_status nexus_blake3(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
    if (!usable(in, in_len) || !usable(out, out_len)) return NEXUS_ERR_NULL_POINTER;
    nc::blake3_hash(in_bytes(in, in_len), std::span<std::uint8_t>(out, out_len));
    return NEXUS_OK;
}

nexus_status nexus_blake3_keyed(const uint8_t* key32, const uint8_t* in, size_t in_len, uint8_t* out,
                                size_t out_len) {
    if (key32 == nullptr || !usable(in, in_len) || !usable(out, out_len)) return NEXUS_ERR_NULL_POINTER;
    nc::blake3_keyed_hash(fixed<nc::blake3::key_len>(key32), in_bytes(in, in_len),
                          std::span<std::uint8_t>(out, out_len));
    return NEXUS_OK;
}

nexus_status nexus_blake3_derive_key(const char* context, size_t context_len, const uint8_t* material,
                                     size_t material_len, uint8_t* out, size_t out_len) {
    if (!usable(context, context_len) || !usable(material, material_len) || !usable(out, out_len))
        return NEXUS_ERR_NULL_POINTER;
    nc::blake3_derive_key(in_bytes(reinterpret_cast<const std::uint8_t*>(context), context_len),
                          in_bytes(material, material_len), std::span<std::uint8_t>(out, out_len));
    return NEXUS_OK;
}

nexus_status nexus_argon2id_work_size(uint32_t m_cost_kib, uint32_t parallelism, size_t* work_len) {
    if (work_len == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::argon2_params params;
    params.memory_kib = m_cost_kib;
    params.lanes = parallelism;
    const std::size_t blocks = nc::argon2_memory_blocks(params);
    if (blocks == 0) return NEXUS_ERR_INVALID_ARGUMENT;
    if (blocks > SIZE_MAX / sizeof(nc::argon2_block)) return NEXUS_ERR_OUT_OF_RANGE;
    *work_len = blocks * sizeof(nc::argon2_block);
    return NEXUS_OK;
}

nexus_status nexus_argon2id(const uint8_t* password, size_t password_len, const uint8_t* salt,
                            size_t salt_len, const uint8_t* secret, size_t secret_len, const uint8_t* ad,
                            size_t ad_len, uint32_t t_cost, uint32_t m_cost_kib, uint32_t parallelism,
                            void* work, size_t work_len, uint8_t* out, size_t out_len) {
    if (!usable(password, password_len) || !usable(salt, salt_len) || !usable(secret, secret_len) ||
        !usable(ad, ad_len) || !usable(work, work_len) || !usable(out, out_len))
        return NEXUS_ERR_NULL_POINTER;
    // The blocks are read as 64-bit words, which need their natural alignment.
    if (reinterpret_cast<std::uintptr_t>(work) % alignof(nc::argon2_block) != 0)
        return NEXUS_ERR_INVALID_ARGUMENT;
    nc::argon2_params params;
    params.passes = t_cost;
    params.memory_kib = m_cost_kib;
    params.lanes = parallelism;
    const std::span<nc::argon2_block> blocks(static_cast<nc::argon2_block*>(work),
                                             work_len / sizeof(nc::argon2_block));
    return from_argon2(nc::argon2id(std::span<std::uint8_t>(out, out_len), in_bytes(password, password_len),
                                    in_bytes(salt, salt_len), params, blocks, in_bytes(secret, secret_len),
                                    in_bytes(ad, ad_len)));
}

nexus_status nexus_chacha20poly1305_seal(const uint8_t* key32, const uint8_t* nonce12,
                                         const uint8_t* plaintext, size_t plaintext_len, const uint8_t* ad,
                                         size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len) {
    return aead_seal<nc::chacha20_poly1305>(key32, nonce12, plaintext, plaintext_len, ad, ad_len, out,
                                            out_cap, out_len);
}

nexus_status nexus_chacha20poly1305_open(const uint8_t* key32, const uint8_t* nonce12,
                                         const uint8_t* ciphertext, size_t ciphertext_len, const uint8_t* ad,
                                         size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len) {
    return aead_open<nc::chacha20_poly1305>(key32, nonce12, ciphertext, ciphertext_len, ad, ad_len, out,
                                            out_cap, out_len);
}

nexus_status nexus_xchacha20poly1305_seal(const uint8_t* key32, const uint8_t* nonce24,
                                          const uint8_t* plaintext, size_t plaintext_len, const uint8_t* ad,
                                          size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len) {
    return aead_seal<nc::xchacha20_poly1305>(key32, nonce24, plaintext, plaintext_len, ad, ad_len, out,
                                             out_cap, out_len);
}

nexus_status nexus_xchacha20poly1305_open(const uint8_t* key32, const uint8_t* nonce24,
                                          const uint8_t* ciphertext, size_t ciphertext_len, const uint8_t* ad,
                                          size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len) {
    return aead_open<nc::xchacha20_poly1305>(key32, nonce24, ciphertext, ciphertext_len, ad, ad_len, out,
                                             out_cap, out_len);
}

nexus_status nexus_x25519_public_key(const uint8_t* secret32, uint8_t* public32) {
    if (secret32 == nullptr || public32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::x25519_public_key(fixed_out<32>(public32), fixed<32>(secret32));
    return NEXUS_OK;
}

nexus_status nexus_x25519(const uint8_t* secret32, const uint8_t* peer_public32, uint8_t* shared32) {
    if (secret32 == nullptr || peer_public32 == nullptr || shared32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return nc::x25519(fixed_out<32>(shared32), fixed<32>(secret32), fixed<32>(peer_public32))
               ? NEXUS_OK
               : NEXUS_ERR_WEAK_KEY;
}

nexus_status nexus_ed25519_keypair(const uint8_t* seed32, uint8_t* public32, uint8_t* secret64) {
    if (seed32 == nullptr || public32 == nullptr || secret64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::ed25519_keypair(fixed_out<32>(public32), fixed_out<64>(secret64), fixed<32>(seed32));
    return NEXUS_OK;
}

nexus_status nexus_ed25519_sign(const uint8_t* secret64, const uint8_t* message, size_t message_len,
                                uint8_t* signature64) {
    if (secret64 == nullptr || !usable(message, message_len) || signature64 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    nc::ed25519_sign(fixed_out<64>(signature64), fixed<64>(secret64), in_bytes(message, message_len));
    return NEXUS_OK;
}

nexus_status nexus_ed25519_verify(const uint8_t* public32, const uint8_t* message, size_t message_len,
                                  const uint8_t* signature64) {
    if (public32 == nullptr || !usable(message, message_len) || signature64 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    return nc::ed25519_verify(fixed<64>(signature64), fixed<32>(public32), in_bytes(message, message_len))
               ? NEXUS_OK
               : NEXUS_ERR_AUTH_FAILED;
}

nexus_status nexus_ed25519_public_to_x25519(const uint8_t* ed_public32, uint8_t* x_public32) {
    if (ed_public32 == nullptr || x_public32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return nc::ed25519_public_to_x25519(fixed_out<32>(x_public32), fixed<32>(ed_public32))
               ? NEXUS_OK
               : NEXUS_ERR_BAD_ENCODING;
}

nexus_status nexus_ed25519_secret_to_x25519(const uint8_t* ed_secret64, uint8_t* x_secret32) {
    if (ed_secret64 == nullptr || x_secret32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::ed25519_secret_to_x25519(fixed_out<32>(x_secret32), fixed<64>(ed_secret64));
    return NEXUS_OK;
}

nexus_status nexus_vrf_prove(const uint8_t* secret64, const uint8_t* alpha, size_t alpha_len,
                             uint8_t* proof80) {
    if (secret64 == nullptr || !usable(alpha, alpha_len) || proof80 == nullptr) return NEXUS_ERR_NULL_POINTER;
    nc::ecvrf_prove(fixed_out<80>(proof80), fixed<64>(secret64), in_bytes(alpha, alpha_len));
    return NEXUS_OK;
}

nexus_status nexus_vrf_verify(const uint8_t* public32, const uint8_t* proof80, const uint8_t* alpha,
                              size_t alpha_len, uint8_t* beta64) {
    if (public32 == nullptr || proof80 == nullptr || !usable(alpha, alpha_len) || beta64 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    return nc::ecvrf_verify(fixed_out<64>(beta64), fixed<32>(public32), fixed<80>(proof80),
                            in_bytes(alpha, alpha_len))
               ? NEXUS_OK
               : NEXUS_ERR_AUTH_FAILED;
}

nexus_status nexus_vrf_proof_to_hash(const uint8_t* proof80, uint8_t* beta64) {
    if (proof80 == nullptr || beta64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return nc::ecvrf_proof_to_hash(fixed_out<64>(beta64), fixed<80>(proof80)) ? NEXUS_OK
                                                                              : NEXUS_ERR_BAD_ENCODING;
}

}  // extern "C"
