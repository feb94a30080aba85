// SHA-256 and SHA-512 (FIPS 180-4 §5-§6), one-shot and incremental.
// Usable in constant expressions too, so protocol labels can be hashed at compile time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "nexus/core/endian.hpp"
#include "nexus/crypto/ct.hpp"

namespace nexus::crypto {

namespace detail {


// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
inline constexpr std::array<std::uint32_t, 64> sha256_k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 §4.2.3: first 64 bits of the fractional parts of the cube roots of the first 80 primes.
inline constexpr std::array<std::uint64_t, 80> sha512_k = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
    0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
    0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
    0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
    0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
    0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
    0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

// The two hashes share one shape (§6.2, §6.4) and differ only in word size, round count and the
// rotation amounts of Σ0, Σ1, σ0, σ1 (§4.1.2, §4.1.3). A traits struct carries the differences so
// the round code is written once and fully inlined for each.
struct sha256_traits {
    using word = std::uint32_t;
    static constexpr std::size_t digest_size = 32;
    static constexpr std::size_t rounds = 64;
    static constexpr std::size_t length_bytes = 8;  // §5.1.1: 64-bit message length
    static constexpr std::array<word, 8> iv = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    static constexpr const std::array<word, 64>& k = sha256_k;
    static constexpr word rotr(word x, int n) noexcept { return nexus::rotr32(x, n); }
    static constexpr word big_sigma0(word x) noexcept { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
    static constexpr word big_sigma1(word x) noexcept { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
    static constexpr word small_sigma0(word x) noexcept { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
    static constexpr word small_sigma1(word x) noexcept { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }
    static constexpr word load(const std::uint8_t* p) noexcept { return nexus::load32_be(p); }
    static constexpr void store(std::uint8_t* p, word v) noexcept { nexus::store32_be(p, v); }
};

struct sha512_traits {
    using word = std::uint64_t;
    static constexpr std::size_t digest_size = 64;
    static constexpr std::size_t rounds = 80;
    static constexpr std::size_t length_bytes = 16;  // §5.1.2: 128-bit message length
    static constexpr std::array<word, 8> iv = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                               0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                               0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
    static constexpr const std::array<word, 80>& k = sha512_k;
    static constexpr word rotr(word x, int n) noexcept { return nexus::rotr64(x, n); }
    static constexpr word big_sigma0(word x) noexcept { return rotr(x, 28) ^ rotr(x, 34) ^ rotr(x, 39); }
    static constexpr word big_sigma1(word x) noexcept { return rotr(x, 14) ^ rotr(x, 18) ^ rotr(x, 41); }
    static constexpr word small_sigma0(word x) noexcept { return rotr(x, 1) ^ rotr(x, 8) ^ (x >> 7); }
    static constexpr word small_sigma1(word x) noexcept { return rotr(x, 19) ^ rotr(x, 61) ^ (x >> 6); }
    static constexpr word load(const std::uint8_t* p) noexcept { return nexus::load64_be(p); }
    static constexpr void store(std::uint8_t* p, word v) noexcept { nexus::store64_be(p, v); }
};

#if defined(__GNUC__) || defined(__clang__)
#define NEXUS_SHA2_INLINE inline __attribute__((always_inline))
#else
#define NEXUS_SHA2_INLINE inline
#endif

// One round of §6.2.2 step 3 / §6.4.2 step 3. Instead of shifting the eight working variables
// every round, the caller rotates the argument order, so each round is two additions into d and h.
template <class T>
constexpr NEXUS_SHA2_INLINE void sha2_round(typename T::word a, typename T::word b, typename T::word c,
                                            typename T::word& d, typename T::word e, typename T::word f,
                                            typename T::word g, typename T::word& h,
                                            typename T::word kw) noexcept {
    // Ch and Maj in their cheaper equivalent forms (same truth tables as §4.1.2).
    h += T::big_sigma1(e) + (g ^ (e & (f ^ g))) + kw;
    d += h;
    h += T::big_sigma0(a) + ((a & b) | (c & (a | b)));
}

// The next 16 schedule words (§6.2.2 / §6.4.2 step 1), W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16],
// written over W[t-16] in a 16-word ring. Sequential in j, so every operand is already the right
// generation. The fold over an index pack makes sure the compiler emits straight-line code.
template <class T, std::size_t... J>
constexpr NEXUS_SHA2_INLINE void sha2_expand(std::array<typename T::word, 16>& w,
                                             std::index_sequence<J...>) noexcept {
    ((w[J] += T::small_sigma1(w[(J + 14) & 15]) + w[(J + 9) & 15] + T::small_sigma0(w[(J + 1) & 15])), ...);
}

// §6.2.2 / §6.4.2 for `blocks` consecutive 64- or 128-byte blocks. The schedule lives in a
// 16-word ring: W[t] replaces W[t-16] in place, which is all later rounds ever read.
template <class T>
constexpr void sha2_compress(std::array<typename T::word, 8>& state, const std::uint8_t* p,
                             std::size_t blocks) noexcept {
    using word = typename T::word;
    constexpr std::size_t wb = sizeof(word);
    std::array<word, 16> w{};
    while (blocks--) {
        for (std::size_t i = 0; i < 16; ++i) w[i] = T::load(p + wb * i);
        word a = state[0], b = state[1], c = state[2], d = state[3];
        word e = state[4], f = state[5], g = state[6], h = state[7];
        for (std::size_t t = 0; t < T::rounds; t += 16) {
            if (t != 0) sha2_expand<T>(w, std::make_index_sequence<16>{});
            const word* k = T::k.data() + t;
            sha2_round<T>(a, b, c, d, e, f, g, h, k[0] + w[0]);
            sha2_round<T>(h, a, b, c, d, e, f, g, k[1] + w[1]);
            sha2_round<T>(g, h, a, b, c, d, e, f, k[2] + w[2]);
            sha2_round<T>(f, g, h, a, b, c, d, e, k[3] + w[3]);
            sha2_round<T>(e, f, g, h, a, b, c, d, k[4] + w[4]);
            sha2_round<T>(d, e, f, g, h, a, b, c, k[5] + w[5]);
            sha2_round<T>(c, d, e, f, g, h, a, b, k[6] + w[6]);
            sha2_round<T>(b, c, d, e, f, g, h, a, k[7] + w[7]);
            sha2_round<T>(a, b, c, d, e, f, g, h, k[8] + w[8]);
            sha2_round<T>(h, a, b, c, d, e, f, g, k[9] + w[9]);
            sha2_round<T>(g, h, a, b, c, d, e, f, k[10] + w[10]);
            sha2_round<T>(f, g, h, a, b, c, d, e, k[11] + w[11]);
            sha2_round<T>(e, f, g, h, a, b, c, d, k[12] + w[12]);
            sha2_round<T>(d, e, f, g, h, a, b, c, k[13] + w[13]);
            sha2_round<T>(c, d, e, f, g, h, a, b, k[14] + w[14]);
            sha2_round<T>(b, c, d, e, f, g, h, a, k[15] + w[15]);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        p += 16 * wb;
    }
    secure_wipe_words(w);  // the schedule is derived from the message, which may be key material
}

#undef NEXUS_SHA2_INLINE

// Buffering, padding (§5.1) and output shared by SHA-256 and SHA-512.
template <class T>
class sha2_engine {
public:
    using word = typename T::word;
    static constexpr std::size_t digest_size = T::digest_size;
    static constexpr std::size_t block_size = 16 * sizeof(word);

    constexpr sha2_engine() noexcept : state_(T::iv) {}

    /// Back to the state of a freshly constructed object.
    constexpr void reset() noexcept {
        state_ = T::iv;
        secure_wipe_words(buf_);
        used_ = 0;
        total_ = 0;
    }

    constexpr void update(std::span<const std::uint8_t> in) noexcept {
        const std::uint8_t* p = in.data();
        std::size_t n = in.size();
        total_ += n;
        if (used_ != 0) {
            const std::size_t take = n < block_size - used_ ? n : block_size - used_;
            for (std::size_t i = 0; i < take; ++i) buf_[used_ + i] = p[i];
            used_ += take;
            p += take;
            n -= take;
            if (used_ < block_size) return;
            sha2_compress<T>(state_, buf_.data(), 1);
            used_ = 0;
        }
        // Whole blocks straight from the caller's memory: no copy on the hot path.
        if (n >= block_size) {
            const std::size_t blocks = n / block_size;
            sha2_compress<T>(state_, p, blocks);
            p += blocks * block_size;
            n -= blocks * block_size;
        }
        for (std::size_t i = 0; i < n; ++i) buf_[i] = p[i];
        used_ = n;
    }

    /// Writes the digest, then wipes the state and starts over: the object can hash a new message.
    constexpr void finish(std::span<std::uint8_t, digest_size> out) noexcept {
        // §5.1: a 1 bit, zeros, then the message length in bits, big-endian, filling the block.
        buf_[used_++] = 0x80;
        if (used_ > block_size - T::length_bytes) {
            for (std::size_t i = used_; i < block_size; ++i) buf_[i] = 0;
            sha2_compress<T>(state_, buf_.data(), 1);
            used_ = 0;
        }
        for (std::size_t i = used_; i < block_size - 8; ++i) buf_[i] = 0;
        // Byte count times 8; for SHA-512 the bits shifted out of 64 land in the upper half,
        // which the zero fill above has already covered except for these three bits.
        if constexpr (T::length_bytes == 16) buf_[block_size - 9] = static_cast<std::uint8_t>(total_ >> 61);
        nexus::store64_be(buf_.data() + block_size - 8, total_ << 3);
        sha2_compress<T>(state_, buf_.data(), 1);
        for (std::size_t i = 0; i < digest_size / sizeof(word); ++i)
            T::store(out.data() + i * sizeof(word), state_[i]);
        secure_wipe_words(state_);
        reset();
    }

private:
    std::array<word, 8> state_;
    std::array<std::uint8_t, block_size> buf_{};
    std::size_t used_ = 0;     // bytes waiting in buf_
    std::uint64_t total_ = 0;  // bytes hashed so far (messages stay below 2^61 bytes)
};

}  // namespace detail

/// SHA-256 (FIPS 180-4 §6.2). update() any number of times, then finish().
class sha256 : public detail::sha2_engine<detail::sha256_traits> {};

/// SHA-512 (FIPS 180-4 §6.4). update() any number of times, then finish().
class sha512 : public detail::sha2_engine<detail::sha512_traits> {};

constexpr void sha256_hash(std::span<const std::uint8_t> in, std::span<std::uint8_t, 32> out) noexcept {
    sha256 h;
    h.update(in);
    h.finish(out);
}

constexpr std::array<std::uint8_t, 32> sha256_hash(std::span<const std::uint8_t> in) noexcept {
    std::array<std::uint8_t, 32> out{};
    sha256_hash(in, out);
    return out;
}

constexpr void sha512_hash(std::span<const std::uint8_t> in, std::span<std::uint8_t, 64> out) noexcept {
    sha512 h;
    h.update(in);
    h.finish(out);
}

constexpr std::array<std::uint8_t, 64> sha512_hash(std::span<const std::uint8_t> in) noexcept {
    std::array<std::uint8_t, 64> out{};
    sha512_hash(in, out);
    return out;
}

}  // namespace nexus::crypto
