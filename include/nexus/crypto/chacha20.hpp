// ChaCha20 block function and stream cipher with a 32-bit block counter and a 96-bit nonce
// (RFC 8439 §2.1-2.4), HChaCha20 and XChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2-2.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <nexus/core/endian.hpp>
#include <nexus/crypto/ct.hpp>

// The bulk path runs four blocks at once where GNU vector extensions (GCC, Clang) meet a 128-bit
// SIMD unit; elsewhere (MSVC, microcontrollers, i686 without SSE2) one block at a time, which is
// also the smaller code. Define NEXUS_CRYPTO_NO_SIMD to force the one-block path.
#if !defined(NEXUS_CRYPTO_NO_SIMD) && (defined(__GNUC__) || defined(__clang__)) &&               \
    (defined(__SSE2__) || defined(__ARM_NEON) || defined(__wasm_simd128__) || defined(__VX__) || \
     defined(__ALTIVEC__))
#define NEXUS_CRYPTO_CHACHA20_SIMD 1
#endif

// On x86 with GCC or Clang an eight-block AVX2 path is compiled as well (as functions with
// target("avx2"), so the rest of the library stays baseline) and chosen at run time when the CPU
// and OS support AVX2, as libsodium does. NEXUS_CRYPTO_NO_SIMD removes it too.
#if !defined(NEXUS_CRYPTO_NO_SIMD) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__x86_64__) || defined(__i386__))
#define NEXUS_CRYPTO_CHACHA20_AVX2 1
#include <immintrin.h>
#endif

namespace nexus::crypto {

inline constexpr std::size_t chacha20_key_size = 32;
inline constexpr std::size_t chacha20_nonce_size = 12;
inline constexpr std::size_t chacha20_block_size = 64;
inline constexpr std::size_t hchacha20_input_size = 16;
inline constexpr std::size_t hchacha20_output_size = 32;
inline constexpr std::size_t xchacha20_nonce_size = 24;

namespace chacha20_detail {

// "expand 32-byte k" as four little-endian words (RFC 8439 §2.3).
inline constexpr std::uint32_t sigma[4] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};

constexpr void quarter_round(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c,
                             std::uint32_t& d) noexcept {
    a += b;
    d = rotl32(d ^ a, 16);
    c += d;
    b = rotl32(b ^ c, 12);
    a += b;
    d = rotl32(d ^ a, 8);
    c += d;
    b = rotl32(b ^ c, 7);
}

// The 20 rounds: ten column rounds each followed by a diagonal round (§2.3).
constexpr void rounds(std::uint32_t (&x)[16]) noexcept {
    for (int i = 0; i < 10; ++i) {
        quarter_round(x[0], x[4], x[8], x[12]);
        quarter_round(x[1], x[5], x[9], x[13]);
        quarter_round(x[2], x[6], x[10], x[14]);
        quarter_round(x[3], x[7], x[11], x[15]);
        quarter_round(x[0], x[5], x[10], x[15]);
        quarter_round(x[1], x[6], x[11], x[12]);
        quarter_round(x[2], x[7], x[8], x[13]);
        quarter_round(x[3], x[4], x[9], x[14]);
    }
}

// Constants, key, block counter, nonce (§2.3).
inline void init_state(std::uint32_t (&s)[16], const std::uint8_t* key, std::uint32_t counter,
                       const std::uint8_t* nonce) noexcept {
    for (int i = 0; i < 4; ++i) s[i] = sigma[i];
    for (int i = 0; i < 8; ++i) s[4 + i] = load32_le(key + 4 * i);
    s[12] = counter;
    for (int i = 0; i < 3; ++i) s[13 + i] = load32_le(nonce + 4 * i);
}

// One keystream block for the state `input` (its counter word as given), words before serialization.
inline void block_words(const std::uint32_t (&input)[16], std::uint32_t (&x)[16]) noexcept {
    for (int i = 0; i < 16; ++i) x[i] = input[i];
    rounds(x);
    for (int i = 0; i < 16; ++i) x[i] += input[i];
}

#if defined(NEXUS_CRYPTO_CHACHA20_SIMD)
// On little-endian targets whose compiler has __builtin_shufflevector (Clang, GCC 12+), the four
// blocks are transposed back in registers and XORed 16 bytes at a time; otherwise word by word
// (define NEXUS_CRYPTO_CHACHA20_SHUFFLE=0 to force that, e.g. to test it).
#if !defined(NEXUS_CRYPTO_CHACHA20_SHUFFLE) && defined(__has_builtin) && defined(__BYTE_ORDER__) && \
    defined(__ORDER_LITTLE_ENDIAN__)
#if __has_builtin(__builtin_shufflevector) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NEXUS_CRYPTO_CHACHA20_SHUFFLE 1
#endif
#endif
#ifndef NEXUS_CRYPTO_CHACHA20_SHUFFLE
#define NEXUS_CRYPTO_CHACHA20_SHUFFLE 0
#endif

// Four blocks at a time in GNU generic vectors, which the compiler maps onto the target's 128-bit
// registers: vector i holds word i of four consecutive blocks, so the rounds run on all four at
// once. Returns the bytes done (a multiple of 256); in == out is allowed.
typedef std::uint32_t u32x4 __attribute__((vector_size(16)));

inline std::size_t xor_blocks_x4(std::uint32_t (&input)[16], const std::uint8_t* in, std::uint8_t* out,
                                 std::size_t n) noexcept {
    constexpr std::size_t group = 4 * chacha20_block_size;
    // The input words as vectors, held in locals: stores through `out` (bytes, which may alias
    // anything) then cannot force them to be reloaded.
    u32x4 s[16];
    for (int i = 0; i < 16; ++i) s[i] = u32x4{input[i], input[i], input[i], input[i]};
    s[12] += u32x4{0, 1, 2, 3};
    std::size_t done = 0;
    for (; n - done >= group; done += group) {
        u32x4 x[16];
        for (int i = 0; i < 16; ++i) x[i] = s[i];
        auto rotl = [](u32x4& v, int c) { v = (v << c) | (v >> (32 - c)); };
        auto qr = [&x, &rotl](int a, int b, int c, int d) {
            x[a] += x[b];
            x[d] ^= x[a];
            rotl(x[d], 16);
            x[c] += x[d];
            x[b] ^= x[c];
            rotl(x[b], 12);
            x[a] += x[b];
            x[d] ^= x[a];
            rotl(x[d], 8);
            x[c] += x[d];
            x[b] ^= x[c];
            rotl(x[b], 7);
        };
        for (int r = 0; r < 10; ++r) {
            qr(0, 4, 8, 12);
            qr(1, 5, 9, 13);
            qr(2, 6, 10, 14);
            qr(3, 7, 11, 15);
            qr(0, 5, 10, 15);
            qr(1, 6, 11, 12);
            qr(2, 7, 8, 13);
            qr(3, 4, 9, 14);
        }
        for (int i = 0; i < 16; ++i) x[i] += s[i];
#if NEXUS_CRYPTO_CHACHA20_SHUFFLE
        // Transpose each run of four words to block order (4x4), then XOR 16 bytes at a time.
        for (int q = 0; q < 4; ++q) {
            const u32x4 t0 = __builtin_shufflevector(x[4 * q], x[4 * q + 1], 0, 4, 1, 5);
            const u32x4 t1 = __builtin_shufflevector(x[4 * q], x[4 * q + 1], 2, 6, 3, 7);
            const u32x4 t2 = __builtin_shufflevector(x[4 * q + 2], x[4 * q + 3], 0, 4, 1, 5);
            const u32x4 t3 = __builtin_shufflevector(x[4 * q + 2], x[4 * q + 3], 2, 6, 3, 7);
            const u32x4 rows[4] = {__builtin_shufflevector(t0, t2, 0, 1, 4, 5),
                                   __builtin_shufflevector(t0, t2, 2, 3, 6, 7),
                                   __builtin_shufflevector(t1, t3, 0, 1, 4, 5),
                                   __builtin_shufflevector(t1, t3, 2, 3, 6, 7)};
            for (int l = 0; l < 4; ++l) {
                const std::size_t at = done + static_cast<std::size_t>(64 * l + 16 * q);
                u32x4 m;
                std::memcpy(&m, in + at, sizeof m);
                m ^= rows[l];
                std::memcpy(out + at, &m, sizeof m);
            }
        }
#else
        for (int l = 0; l < 4; ++l) {
            for (int i = 0; i < 16; ++i) {
                const std::size_t at = done + static_cast<std::size_t>(64 * l + 4 * i);
                store32_le(out + at, load32_le(in + at) ^ x[i][l]);
            }
        }
#endif
        s[12] += u32x4{4, 4, 4, 4};
    }
    input[12] += static_cast<std::uint32_t>(done / chacha20_block_size);
    secure_wipe(s, sizeof s);
    return done;
}
#endif

#if defined(NEXUS_CRYPTO_CHACHA20_AVX2)
// Eight blocks at a time in 256-bit AVX2 registers, laid out as in xor_blocks_x4 (vector i holds
// word i of eight consecutive blocks); the keystream is transposed back to block order with
// unpack/permute instructions. Only call these when avx2_available().
#define NEXUS_CRYPTO_AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

NEXUS_CRYPTO_AVX2_INLINE void quarter_round_x8(__m256i& a, __m256i& b, __m256i& c, __m256i& d,
                                                const __m256i& rot16, const __m256i& rot8) noexcept {
    a = _mm256_add_epi32(a, b);
    d = _mm256_shuffle_epi8(_mm256_xor_si256(d, a), rot16);
    c = _mm256_add_epi32(c, d);
    b = _mm256_xor_si256(b, c);
    b = _mm256_or_si256(_mm256_slli_epi32(b, 12), _mm256_srli_epi32(b, 20));
    a = _mm256_add_epi32(a, b);
    d = _mm256_shuffle_epi8(_mm256_xor_si256(d, a), rot8);
    c = _mm256_add_epi32(c, d);
    b = _mm256_xor_si256(b, c);
    b = _mm256_or_si256(_mm256_slli_epi32(b, 7), _mm256_srli_epi32(b, 25));
}

// Eight consecutive words (vectors w[0..8), lane l = block l) to eight 32-byte rows, XORed into
// in -> out at in + 64 l: 4x4 transposes in each 128-bit half, then the halves recombined.
NEXUS_CRYPTO_AVX2_INLINE void xor_transposed_x8(const __m256i* w, const std::uint8_t* in,
                                                 std::uint8_t* out) noexcept {
    const __m256i t0 = _mm256_unpacklo_epi32(w[0], w[1]), t1 = _mm256_unpackhi_epi32(w[0], w[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(w[2], w[3]), t3 = _mm256_unpackhi_epi32(w[2], w[3]);
    const __m256i t4 = _mm256_unpacklo_epi32(w[4], w[5]), t5 = _mm256_unpackhi_epi32(w[4], w[5]);
    const __m256i t6 = _mm256_unpacklo_epi32(w[6], w[7]), t7 = _mm256_unpackhi_epi32(w[6], w[7]);
    // u[k]: words 0-3 of blocks k (low half) and k + 4 (high half); v[k]: words 4-7 likewise.
    const __m256i u[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                          _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
    const __m256i v[4] = {_mm256_unpacklo_epi64(t4, t6), _mm256_unpackhi_epi64(t4, t6),
                          _mm256_unpacklo_epi64(t5, t7), _mm256_unpackhi_epi64(t5, t7)};
    for (int k = 0; k < 4; ++k) {
        const __m256i lo = _mm256_permute2x128_si256(u[k], v[k], 0x20);  // block k
        const __m256i hi = _mm256_permute2x128_si256(u[k], v[k], 0x31);  // block k + 4
        std::uint8_t* o = out + 64 * k;
        const std::uint8_t* i = in + 64 * k;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o),
                            _mm256_xor_si256(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(i))));
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(o + 256),
            _mm256_xor_si256(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(i + 256))));
    }
}

// Returns the bytes done (a multiple of 512); in == out is allowed.
__attribute__((target("avx2"))) inline std::size_t xor_blocks_x8_avx2(std::uint32_t (&input)[16],
                                                                      const std::uint8_t* in,
                                                                      std::uint8_t* out,
                                                                      std::size_t n) noexcept {
    constexpr std::size_t group = 8 * chacha20_block_size;
    // pshufb masks rotating each 32-bit word left by 16 and by 8 bits.
    const __m256i rot16 = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3,
                                           0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    const __m256i rot8 = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1,
                                          2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
    __m256i s[16];
    for (int i = 0; i < 16; ++i) s[i] = _mm256_set1_epi32(static_cast<int>(input[i]));
    s[12] = _mm256_add_epi32(s[12], _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    std::size_t done = 0;
    for (; n - done >= group; done += group) {
        __m256i x[16];
        for (int i = 0; i < 16; ++i) x[i] = s[i];
        for (int r = 0; r < 10; ++r) {
            quarter_round_x8(x[0], x[4], x[8], x[12], rot16, rot8);
            quarter_round_x8(x[1], x[5], x[9], x[13], rot16, rot8);
            quarter_round_x8(x[2], x[6], x[10], x[14], rot16, rot8);
            quarter_round_x8(x[3], x[7], x[11], x[15], rot16, rot8);
            quarter_round_x8(x[0], x[5], x[10], x[15], rot16, rot8);
            quarter_round_x8(x[1], x[6], x[11], x[12], rot16, rot8);
            quarter_round_x8(x[2], x[7], x[8], x[13], rot16, rot8);
            quarter_round_x8(x[3], x[4], x[9], x[14], rot16, rot8);
        }
        for (int i = 0; i < 16; ++i) x[i] = _mm256_add_epi32(x[i], s[i]);
        xor_transposed_x8(x, in + done, out + done);
        xor_transposed_x8(x + 8, in + done + 32, out + done + 32);
        s[12] = _mm256_add_epi32(s[12], _mm256_set1_epi32(8));
    }
    input[12] += static_cast<std::uint32_t>(done / chacha20_block_size);
    secure_wipe(s, sizeof s);
    return done;
}
#undef NEXUS_CRYPTO_AVX2_INLINE

/// True when the CPU and the OS support AVX2 (libgcc / compiler-rt read CPUID and XCR0 once at
/// start-up; this is a load and a test).
inline bool avx2_available() noexcept { return __builtin_cpu_supports("avx2"); }
#endif

// The portable path: four blocks at a time where NEXUS_CRYPTO_CHACHA20_SIMD, then one at a time.
// XORs n bytes of keystream starting at block `input[12]` into in -> out. in == out is allowed.
// The caller has checked that the counter does not wrap within n bytes.
inline void xor_stream_portable(std::uint32_t (&input)[16], const std::uint8_t* in, std::uint8_t* out,
                                std::size_t n) noexcept {
#if defined(NEXUS_CRYPTO_CHACHA20_SIMD)
    const std::size_t bulk = xor_blocks_x4(input, in, out, n);
    in += bulk;
    out += bulk;
    n -= bulk;
#endif
    if (n == 0) return;
    std::uint32_t x[16];
    while (n >= chacha20_block_size) {
        block_words(input, x);
        for (int i = 0; i < 16; ++i) store32_le(out + 4 * i, load32_le(in + 4 * i) ^ x[i]);
        ++input[12];
        in += chacha20_block_size;
        out += chacha20_block_size;
        n -= chacha20_block_size;
    }
    if (n > 0) {
        // The last partial block: serialize, then XOR only the bytes that exist (§2.4).
        block_words(input, x);
        std::uint8_t ks[chacha20_block_size];
        for (int i = 0; i < 16; ++i) store32_le(ks + 4 * i, x[i]);
        for (std::size_t j = 0; j < n; ++j) out[j] = static_cast<std::uint8_t>(in[j] ^ ks[j]);
        secure_wipe(ks, sizeof ks);
    }
    secure_wipe(x, sizeof x);
}

#if defined(NEXUS_CRYPTO_CHACHA20_AVX2)
/// The AVX2 path: eight blocks at a time while 512 bytes remain, the rest as xor_stream_portable.
/// Only call it when avx2_available(). Same contract as xor_stream_portable.
inline void xor_stream_avx2(std::uint32_t (&input)[16], const std::uint8_t* in, std::uint8_t* out,
                            std::size_t n) noexcept {
    const std::size_t bulk = xor_blocks_x8_avx2(input, in, out, n);
    xor_stream_portable(input, in + bulk, out + bulk, n - bulk);
}
#endif

// XORs n bytes of keystream starting at block `input[12]` into in -> out with the fastest path
// this CPU has. in == out is allowed; the caller has checked that the counter does not wrap.
inline void xor_stream(std::uint32_t (&input)[16], const std::uint8_t* in, std::uint8_t* out,
                       std::size_t n) noexcept {
#if defined(NEXUS_CRYPTO_CHACHA20_AVX2)
    if (n >= 8 * chacha20_block_size && avx2_available()) {
        xor_stream_avx2(input, in, out, n);
        return;
    }
#endif
    xor_stream_portable(input, in, out, n);
}

// A 32-bit counter allows 2^32 - counter more blocks before it would wrap (§2.4: the stream
// for one key and nonce ends there; we refuse rather than repeat or spill into the nonce).
constexpr bool counter_fits(std::uint32_t counter, std::size_t n) noexcept {
    const std::uint64_t bytes = n;
    const std::uint64_t blocks = bytes / chacha20_block_size + (bytes % chacha20_block_size != 0);
    return blocks <= (std::uint64_t{1} << 32) - counter;
}

// HChaCha20 on raw pointers: 20 rounds, no feed-forward, words 0-3 and 12-15 out (draft §2.2).
inline void hchacha20(const std::uint8_t* key, const std::uint8_t* in, std::uint8_t* out) noexcept {
    std::uint32_t x[16];
    for (int i = 0; i < 4; ++i) x[i] = sigma[i];
    for (int i = 0; i < 8; ++i) x[4 + i] = load32_le(key + 4 * i);
    for (int i = 0; i < 4; ++i) x[12 + i] = load32_le(in + 4 * i);
    rounds(x);
    for (int i = 0; i < 4; ++i) store32_le(out + 4 * i, x[i]);
    for (int i = 0; i < 4; ++i) store32_le(out + 16 + 4 * i, x[12 + i]);
    secure_wipe(x, sizeof x);
}

}  // namespace chacha20_detail

/// The ChaCha quarter round on four words (RFC 8439 §2.1), exposed for the §2.1.1/§2.2.1 vectors.
constexpr void chacha20_quarter_round(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c,
                                      std::uint32_t& d) noexcept {
    chacha20_detail::quarter_round(a, b, c, d);
}

/// One serialized 64-byte ChaCha20 block for (key, counter, nonce) (RFC 8439 §2.3).
inline void chacha20_block(std::span<const std::uint8_t, chacha20_key_size> key, std::uint32_t counter,
                           std::span<const std::uint8_t, chacha20_nonce_size> nonce,
                           std::span<std::uint8_t, chacha20_block_size> out) noexcept {
    std::uint32_t input[16];
    std::uint32_t x[16];
    chacha20_detail::init_state(input, key.data(), counter, nonce.data());
    chacha20_detail::block_words(input, x);
    for (int i = 0; i < 16; ++i) store32_le(out.data() + 4 * i, x[i]);
    secure_wipe(input, sizeof input);
    secure_wipe(x, sizeof x);
}

/// ChaCha20 encryption/decryption (RFC 8439 §2.4): out = in XOR keystream(key, nonce) starting at
/// block `counter`. `in` and `out` may be the same buffer (in-place); otherwise they must not
/// overlap. Returns false, writing nothing, when out.size() != in.size() or when the message
/// needs more blocks than the 32-bit counter has left (more than (2^32 - counter) * 64 bytes).
[[nodiscard]] inline bool chacha20_xor(std::span<const std::uint8_t, chacha20_key_size> key,
                                       std::span<const std::uint8_t, chacha20_nonce_size> nonce,
                                       std::uint32_t counter, std::span<const std::uint8_t> in,
                                       std::span<std::uint8_t> out) noexcept {
    if (in.size() != out.size() || !chacha20_detail::counter_fits(counter, in.size())) return false;
    if (in.empty()) return true;
    std::uint32_t input[16];
    chacha20_detail::init_state(input, key.data(), counter, nonce.data());
    chacha20_detail::xor_stream(input, in.data(), out.data(), in.size());
    secure_wipe(input, sizeof input);
    return true;
}

/// HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): derives a 256-bit subkey from a key and a 128-bit input.
inline void hchacha20(std::span<const std::uint8_t, chacha20_key_size> key,
                      std::span<const std::uint8_t, hchacha20_input_size> in,
                      std::span<std::uint8_t, hchacha20_output_size> out) noexcept {
    chacha20_detail::hchacha20(key.data(), in.data(), out.data());
}

/// XChaCha20 (draft-irtf-cfrg-xchacha-03 §2.3): ChaCha20 under the subkey HChaCha20(key, nonce[0..16))
/// with the 96-bit nonce 0x00000000 || nonce[16..24). Same contract as chacha20_xor.
[[nodiscard]] inline bool xchacha20_xor(std::span<const std::uint8_t, chacha20_key_size> key,
                                        std::span<const std::uint8_t, xchacha20_nonce_size> nonce,
                                        std::uint32_t counter, std::span<const std::uint8_t> in,
                                        std::span<std::uint8_t> out) noexcept {
    if (in.size() != out.size() || !chacha20_detail::counter_fits(counter, in.size())) return false;
    if (in.empty()) return true;
    std::uint8_t subkey[chacha20_key_size];
    std::uint8_t subnonce[chacha20_nonce_size] = {};
    chacha20_detail::hchacha20(key.data(), nonce.data(), subkey);
    for (std::size_t i = 0; i < 8; ++i) subnonce[4 + i] = nonce[16 + i];
    std::uint32_t input[16];
    chacha20_detail::init_state(input, subkey, counter, subnonce);
    chacha20_detail::xor_stream(input, in.data(), out.data(), in.size());
    secure_wipe(input, sizeof input);
    secure_wipe(subkey, sizeof subkey);
    return true;
}

}  // namespace nexus::crypto
