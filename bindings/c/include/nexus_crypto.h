/* nexus C ABI, cryptography (C99): hashes, MACs, KDFs, AEAD, X25519 and Ed25519 over the
 * header-only nexus::crypto. Included at the end of nexus.h; the rules there hold here too. */
#ifndef NEXUS_CRYPTO_H
#define NEXUS_CRYPTO_H

#include "nexus.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed sizes, in bytes. A pointer documented as "N bytes" must point to at least N bytes. */
#define NEXUS_SHA256_BYTES 32
#define NEXUS_SHA512_BYTES 64
#define NEXUS_HKDF_SHA256_MAX_BYTES 8160  /* 255 * 32, RFC 5869 §2.3 */
#define NEXUS_HKDF_SHA512_MAX_BYTES 16320 /* 255 * 64 */
#define NEXUS_BLAKE2B_MAX_BYTES 64
#define NEXUS_BLAKE2B_MAX_KEY_BYTES 64
#define NEXUS_BLAKE3_BYTES 32 /* the standard output length; any length may be asked for */
#define NEXUS_BLAKE3_KEY_BYTES 32
#define NEXUS_ARGON2_BLOCK_BYTES 1024
#define NEXUS_AEAD_KEY_BYTES 32
#define NEXUS_AEAD_TAG_BYTES 16
#define NEXUS_CHACHA20POLY1305_NONCE_BYTES 12
#define NEXUS_XCHACHA20POLY1305_NONCE_BYTES 24
#define NEXUS_X25519_BYTES 32
#define NEXUS_ED25519_SEED_BYTES 32
#define NEXUS_ED25519_PUBLIC_KEY_BYTES 32
#define NEXUS_ED25519_SECRET_KEY_BYTES 64 /* seed || public key */
#define NEXUS_ED25519_SIGNATURE_BYTES 64

/* Variable-length inputs may be NULL when their length is 0. Every function returns
 * NEXUS_ERR_NULL_POINTER for any other NULL. Secret temporaries are wiped before returning. */

/* ---- hashes and MACs (FIPS 180-4, RFC 4231, RFC 7693, BLAKE3) ------------------------------ */

/* SHA-256 of in into out32 (32 bytes); SHA-512 into out64 (64 bytes). */
nexus_status nexus_sha256(const uint8_t* in, size_t in_len, uint8_t* out32);
nexus_status nexus_sha512(const uint8_t* in, size_t in_len, uint8_t* out64);

/* HMAC (RFC 2104) with a key of any length. */
nexus_status nexus_hmac_sha256(const uint8_t* key, size_t key_len, const uint8_t* in, size_t in_len,
                               uint8_t* out32);
nexus_status nexus_hmac_sha512(const uint8_t* key, size_t key_len, const uint8_t* in, size_t in_len,
                               uint8_t* out64);

/* HKDF (RFC 5869): out_len bytes of Expand(Extract(salt, ikm), info). An empty salt stands for
 * HashLen zero bytes (§2.2). out_len above NEXUS_HKDF_SHA*_MAX_BYTES is
 * NEXUS_ERR_INVALID_LENGTH; out_len 0 writes nothing (out may then be NULL). */
nexus_status nexus_hkdf_sha256(const uint8_t* ikm, size_t ikm_len, const uint8_t* salt, size_t salt_len,
                               const uint8_t* info, size_t info_len, uint8_t* out, size_t out_len);
nexus_status nexus_hkdf_sha512(const uint8_t* ikm, size_t ikm_len, const uint8_t* salt, size_t salt_len,
                               const uint8_t* info, size_t info_len, uint8_t* out, size_t out_len);

/* BLAKE2b (RFC 7693) with an out_len-byte digest (1..64), keyed when key_len > 0 (key_len 0..64).
 * Other lengths are NEXUS_ERR_INVALID_LENGTH. */
nexus_status nexus_blake2b(const uint8_t* in, size_t in_len, const uint8_t* key, size_t key_len, uint8_t* out,
                           size_t out_len);

/* BLAKE3 hash, keyed hash (key32: 32 bytes) and key derivation from a context string and key
 * material. Any out_len is allowed (32 is standard; a shorter output is a prefix of a longer one);
 * out_len 0 writes nothing. The context is context_len bytes, need not be NUL-terminated, and
 * should be a hard-coded, globally unique, application-specific string. */
nexus_status nexus_blake3(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len);
nexus_status nexus_blake3_keyed(const uint8_t* key32, const uint8_t* in, size_t in_len, uint8_t* out,
                                size_t out_len);
nexus_status nexus_blake3_derive_key(const char* context, size_t context_len, const uint8_t* material,
                                     size_t material_len, uint8_t* out, size_t out_len);

/* ---- password hashing: Argon2id (RFC 9106, version 0x13) ----------------------------------- */

/* The work memory nexus_argon2id needs for m_cost_kib and parallelism, in bytes, into *work_len:
 * NEXUS_ARGON2_BLOCK_BYTES * 4p * floor(m / 4p). NEXUS_ERR_INVALID_ARGUMENT when parallelism is
 * 0 or >= 2^24 or m_cost_kib < 8 * parallelism; NEXUS_ERR_OUT_OF_RANGE when the size does not fit
 * in size_t (32-bit hosts). */
nexus_status nexus_argon2id_work_size(uint32_t m_cost_kib, uint32_t parallelism, size_t* work_len);

/* Argon2id of password with salt (>= 8 bytes), optional secret (key K) and associated data ad,
 * t_cost passes over m_cost_kib KiB in parallelism lanes (computed one after another), into an
 * out_len-byte tag (>= 4). The caller supplies the work memory: work, 8-byte aligned (malloc'd
 * memory is), work_len >= nexus_argon2id_work_size(); it is wiped before returning.
 * Errors: NEXUS_ERR_INVALID_LENGTH (tag < 4, salt < 8, an input >= 2^32 bytes),
 * NEXUS_ERR_INVALID_ARGUMENT (t_cost 0, bad parallelism, m_cost_kib < 8 * parallelism, work not
 * 8-byte aligned), NEXUS_ERR_BUFFER_TOO_SMALL (work_len too small). */
nexus_status nexus_argon2id(const uint8_t* password, size_t password_len, const uint8_t* salt,
                            size_t salt_len, const uint8_t* secret, size_t secret_len, const uint8_t* ad,
                            size_t ad_len, uint32_t t_cost, uint32_t m_cost_kib, uint32_t parallelism,
                            void* work, size_t work_len, uint8_t* out, size_t out_len);

/* ---- AEAD: ChaCha20-Poly1305 (RFC 8439 §2.8), XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) -- */

/* seal: encrypts plaintext into out as ciphertext || 16-byte tag (plaintext_len + 16 bytes);
 * out_cap smaller than that is NEXUS_ERR_BUFFER_TOO_SMALL. key32: 32 bytes; nonce12: 12 bytes,
 * nonce24: 24 bytes (long enough to be random). Never reuse a nonce under the same key.
 * open: verifies the tag of ciphertext (ciphertext || tag, ciphertext_len >= 16, else
 * NEXUS_ERR_TRUNCATED) and only then decrypts ciphertext_len - 16 bytes into out. A tag that
 * does not verify is NEXUS_ERR_AUTH_FAILED, and out is left untouched.
 * Both: *out_len (optional, may be NULL) receives the bytes written. out may be the same buffer
 * as the input (in place) but must not otherwise overlap it. A message longer than 256 GiB is
 * NEXUS_ERR_INVALID_LENGTH. */
nexus_status nexus_chacha20poly1305_seal(const uint8_t* key32, const uint8_t* nonce12,
                                         const uint8_t* plaintext, size_t plaintext_len, const uint8_t* ad,
                                         size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len);
nexus_status nexus_chacha20poly1305_open(const uint8_t* key32, const uint8_t* nonce12,
                                         const uint8_t* ciphertext, size_t ciphertext_len, const uint8_t* ad,
                                         size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len);
nexus_status nexus_xchacha20poly1305_seal(const uint8_t* key32, const uint8_t* nonce24,
                                          const uint8_t* plaintext, size_t plaintext_len, const uint8_t* ad,
                                          size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len);
nexus_status nexus_xchacha20poly1305_open(const uint8_t* key32, const uint8_t* nonce24,
                                          const uint8_t* ciphertext, size_t ciphertext_len, const uint8_t* ad,
                                          size_t ad_len, uint8_t* out, size_t out_cap, size_t* out_len);

/* ---- X25519 (RFC 7748) ------------------------------------------------------------------------ */

/* public32 = X25519(secret32, 9). */
nexus_status nexus_x25519_public_key(const uint8_t* secret32, uint8_t* public32);

/* shared32 = X25519(secret32, peer_public32). An all-zero result (the peer sent a point of small
 * order, RFC 7748 §6.1) is NEXUS_ERR_WEAK_KEY, and shared32 is then all zeros. */
nexus_status nexus_x25519(const uint8_t* secret32, const uint8_t* peer_public32, uint8_t* shared32);

/* ---- Ed25519 (RFC 8032 §5.1, pure Ed25519) ---------------------------------------------------- */

/* The key pair of a 32-byte random seed: public32 and secret64 = seed || public key. */
nexus_status nexus_ed25519_keypair(const uint8_t* seed32, uint8_t* public32, uint8_t* secret64);

/* Deterministic signature (64 bytes) of message under secret64 as made by nexus_ed25519_keypair. */
nexus_status nexus_ed25519_sign(const uint8_t* secret64, const uint8_t* message, size_t message_len,
                                uint8_t* signature64);

/* NEXUS_OK when signature64 is valid for message under public32, NEXUS_ERR_AUTH_FAILED otherwise
 * (including malformed keys and signatures). Verdicts agree with libsodium 1.0.18: cofactorless,
 * canonical S, small-order R and A rejected. */
nexus_status nexus_ed25519_verify(const uint8_t* public32, const uint8_t* message, size_t message_len,
                                  const uint8_t* signature64);

/* The X25519 key pair of the same secret: x_public32 = u of the Edwards point (RFC 7748 §4.1);
 * a public key that does not decode to a point of the prime-order subgroup is
 * NEXUS_ERR_BAD_ENCODING (nothing written). x_secret32 is the clamped secret scalar. */
nexus_status nexus_ed25519_public_to_x25519(const uint8_t* ed_public32, uint8_t* x_public32);
nexus_status nexus_ed25519_secret_to_x25519(const uint8_t* ed_secret64, uint8_t* x_secret32);

/* ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381) on Ed25519 keys. prove: 80-byte proof of alpha under
 * the 64-byte Ed25519 secret key (seed || public). verify: NEXUS_OK and the 64-byte output beta
 * when the proof is valid for alpha under public32, NEXUS_ERR_AUTH_FAILED otherwise (beta
 * untouched). proof_to_hash: beta of a proof without verifying it; NEXUS_ERR_BAD_ENCODING when the
 * proof does not decode. */
nexus_status nexus_vrf_prove(const uint8_t* secret64, const uint8_t* alpha, size_t alpha_len,
                             uint8_t* proof80);
nexus_status nexus_vrf_verify(const uint8_t* public32, const uint8_t* proof80, const uint8_t* alpha,
                              size_t alpha_len, uint8_t* beta64);
nexus_status nexus_vrf_proof_to_hash(const uint8_t* proof80, uint8_t* beta64);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_CRYPTO_H */
