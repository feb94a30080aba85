// BLAKE2b (RFC 7693): 1..64-byte digests, optional 0..64-byte key, one-shot and incremental.
// Bad lengths are reported through return values (never asserted); Argon2 (argon2.hpp) builds on it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "nexus/core/endian.hpp"
#include "nexus/crypto/ct.hpp"

// G must be inlined into the unrolled rounds for the 16 state words to stay in registers; at -O2
// and -O3 GCC's size heuristics otherwise keep it out of line (a call per G, 96 per block: 0.54x
// libsodium at 1 KiB). Not when optimising for size (-Os, the microcontroller builds): 96 copies
// of G would cost flash that the size report counts.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define NEXUS_BLAKE2B_INLINE [[gnu::always_inline]] inline
#else
#define NEXUS_BLAKE2B_INLINE inline
#endif

namespace nexus::crypto {

namespace detail {

// RFC 7693 §2.6: the SHA-512 IV.
inline constexpr std::array<std::uint64_t, 8> blake2b_iv = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};

// RFC 7693 §2.7: message word schedule; rounds 10 and 11 reuse rows 0 and 1.
inline constexpr std::uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

// RFC 7693 §3.1, rotation constants R1..R4 = 32, 24, 16, 63.
NEXUS_BLAKE2B_INLINE void blake2b_g(std::uint64_t& a, std::uint64_t& b, std::uint64_t& c, std::uint64_t& d,
                                    std::uint64_t x, std::uint64_t y) noexcept {
    a += b + x;
    d = nexus::rotr64(d ^ a, 32);
    c += d;
    b = nexus::rotr64(b ^ c, 24);
    a += b + y;
    d = nexus::rotr64(d ^ a, 16);
    c += d;
    b = nexus::rotr64(b ^ c, 63);
}

// One round of §3.2 step 5. R is a template argument so the sigma lookups become constants
// once the 12 rounds are expanded by the index-pack fold in blake2b_compress.
template <std::size_t R>
NEXUS_BLAKE2B_INLINE void blake2b_round(std::array<std::uint64_t, 16>& v,
                                        const std::array<std::uint64_t, 16>& m) noexcept {
    constexpr const std::uint8_t* s = blake2b_sigma[R];
    blake2b_g(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
    blake2b_g(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
    blake2b_g(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
    blake2b_g(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
    blake2b_g(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
    blake2b_g(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
    blake2b_g(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
    blake2b_g(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}

template <std::size_t... R>
NEXUS_BLAKE2B_INLINE void blake2b_rounds(std::array<std::uint64_t, 16>& v, const std::array<std::uint64_t, 16>& m,
                                         std::index_sequence<R...>) noexcept {
    (blake2b_round<R>(v, m), ...);
}


// Compression function F (§3.2). t is the 128-bit byte counter, `last` the final-block flag.
inline void blake2b_compress(std::array<std::uint64_t, 8>& h, const std::uint8_t* block, std::uint64_t t_lo,
                             std::uint64_t t_hi, bool last) noexcept {
    std::array<std::uint64_t, 16> m;
    for (std::size_t i = 0; i < 16; ++i) m[i] = nexus::load64_le(block + 8 * i);
    std::array<std::uint64_t, 16> v;
    for (std::size_t i = 0; i < 8; ++i) {
        v[i] = h[i];
        v[i + 8] = blake2b_iv[i];
    }
    v[12] ^= t_lo;
    v[13] ^= t_hi;
    v[14] ^= 0 - static_cast<std::uint64_t>(last);  // invert all bits on the last block
    blake2b_rounds(v, m, std::make_index_sequence<12>{});
    for (std::size_t i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
    secure_wipe_words(m);
    secure_wipe_words(v);
}

}  // namespace detail

/// Incremental BLAKE2b. Until init() succeeds the object is invalid: update() does nothing and
/// finish() returns false. finish() wipes the state; call init() again for another message.
class blake2b {
public:
    static constexpr std::size_t max_digest_size = 64;
    static constexpr std::size_t max_key_size = 64;
    static constexpr std::size_t block_size = 128;

    blake2b() noexcept = default;

    /// Same as default construction followed by init(); check valid() afterwards.
    explicit blake2b(std::size_t digest_size, std::span<const std::uint8_t> key = {}) noexcept {
        (void)init(digest_size, key);
    }

    blake2b(const blake2b&) = default;
    blake2b& operator=(const blake2b&) = default;
    ~blake2b() { secure_wipe_object(*this); }

    /// Starts a message with a digest_size-byte output (1..64) under `key` (0..64 bytes, empty =
    /// unkeyed). Returns false, and leaves the object invalid, for lengths outside those ranges.
    [[nodiscard]] bool init(std::size_t digest_size, std::span<const std::uint8_t> key = {}) noexcept {
        secure_wipe_object(*this);
        if (digest_size == 0 || digest_size > max_digest_size || key.size() > max_key_size) return false;
        h_ = detail::blake2b_iv;
        // §2.5 parameter block, sequential mode: only digest length, key length, fanout = depth = 1.
        h_[0] ^= 0x01010000u ^ (static_cast<std::uint64_t>(key.size()) << 8) ^ digest_size;
        outlen_ = static_cast<std::uint8_t>(digest_size);
        if (!key.empty()) {
            // §3.3: the key, zero-padded to a full block, is the first block of the message.
            for (std::size_t i = 0; i < key.size(); ++i) buf_[i] = key[i];
            used_ = block_size;
        }
        return true;
    }

    [[nodiscard]] bool valid() const noexcept { return outlen_ != 0; }

    /// The digest length chosen at init(), 0 while invalid.
    [[nodiscard]] std::size_t digest_size() const noexcept { return outlen_; }

    void update(std::span<const std::uint8_t> in) noexcept {
        if (!valid()) return;
        const std::uint8_t* p = in.data();
        std::size_t n = in.size();
        // A full buffer is compressed only once more input arrives: the final block must go
        // through finish() with the last-block flag set, even when the message fills it exactly.
        if (n == 0) return;
        if (used_ + n <= block_size) {
            for (std::size_t i = 0; i < n; ++i) buf_[used_ + i] = p[i];
            used_ += n;
            return;
        }
        if (used_ != 0) {
            const std::size_t take = block_size - used_;
            for (std::size_t i = 0; i < take; ++i) buf_[used_ + i] = p[i];
            p += take;
            n -= take;
            add_to_counter(block_size);
            detail::blake2b_compress(h_, buf_.data(), t_lo_, t_hi_, false);
            used_ = 0;
        }
        // Whole blocks straight from the input, keeping at least one byte back for the buffer.
        while (n > block_size) {
            add_to_counter(block_size);
            detail::blake2b_compress(h_, p, t_lo_, t_hi_, false);
            p += block_size;
            n -= block_size;
        }
        for (std::size_t i = 0; i < n; ++i) buf_[i] = p[i];
        used_ = n;
    }

    /// Writes the digest. out.size() must equal digest_size(); otherwise, or when invalid, returns
    /// false and changes nothing. On success the state is wiped and the object becomes invalid.
    [[nodiscard]] bool finish(std::span<std::uint8_t> out) noexcept {
        if (!valid() || out.size() != outlen_) return false;
        add_to_counter(used_);
        for (std::size_t i = used_; i < block_size; ++i) buf_[i] = 0;
        detail::blake2b_compress(h_, buf_.data(), t_lo_, t_hi_, true);
        std::array<std::uint8_t, 64> full;
        for (std::size_t i = 0; i < 8; ++i) nexus::store64_le(full.data() + 8 * i, h_[i]);
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = full[i];
        secure_wipe(full.data(), full.size());
        secure_wipe_object(*this);
        return true;
    }

private:
    void add_to_counter(std::size_t n) noexcept {
        t_lo_ += n;
        t_hi_ += (t_lo_ < n) ? 1 : 0;  // carry into the upper 64 bits of the 128-bit counter
    }

    std::array<std::uint64_t, 8> h_{};
    std::array<std::uint8_t, block_size> buf_{};
    std::uint64_t t_lo_ = 0, t_hi_ = 0;
    std::size_t used_ = 0;
    std::uint8_t outlen_ = 0;  // 0 marks an invalid (uninitialised or finished) object
};

/// BLAKE2b of `in` with an out.size()-byte digest (1..64), keyed when `key` is non-empty (<= 64).
/// Returns false and writes nothing when a length is out of range.
[[nodiscard]] inline bool blake2b_hash(std::span<std::uint8_t> out, std::span<const std::uint8_t> in,
                                       std::span<const std::uint8_t> key = {}) noexcept {
    blake2b h;
    if (!h.init(out.size(), key)) return false;
    h.update(in);
    return h.finish(out);
}

}  // namespace nexus::crypto

#undef NEXUS_BLAKE2B_INLINE
