// BLAKE3 hash, keyed hash, key derivation and extendable output, incremental and allocation-free.
// Implements the BLAKE3 paper (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020): §2 Specification
// and §5.1 Incremental Hashing; its sections are cited below by name, e.g. [Chunk State].
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/endian.hpp"
#include "nexus/crypto/ct.hpp"

// The round functions must be inlined with constant word indices for the state to live in
// registers; compilers' heuristics otherwise keep G out of line at -O2.
#if defined(__GNUC__) || defined(__clang__)
#define NEXUS_BLAKE3_INLINE [[gnu::always_inline]] inline
#else
#define NEXUS_BLAKE3_INLINE inline
#endif

// The 4-chunks-at-once path pays off only where 128-bit SIMD exists; elsewhere (Cortex-M,
// i686 without SSE2, s390x before z13) it would only double the code size. Define
// NEXUS_BLAKE3_FOUR_LANES to 0 or 1 to override the choice.
#if !defined(NEXUS_BLAKE3_FOUR_LANES)
#if defined(__SSE2__) || defined(__ARM_NEON) || defined(__ARM_NEON__) || defined(__VX__) || \
    defined(__ALTIVEC__) || defined(__wasm_simd128__) || defined(_M_X64) || defined(_M_ARM64)
#define NEXUS_BLAKE3_FOUR_LANES 1
#else
#define NEXUS_BLAKE3_FOUR_LANES 0
#endif
#endif

namespace nexus::crypto {

namespace blake3_detail {

using cv_words = std::array<std::uint32_t, 8>;
using block_words = std::array<std::uint32_t, 16>;

// [Compression Function]: the IV is the SHA-256 IV.
inline constexpr cv_words iv = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                                0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};

// [Compression Function]: the domain-separation flags.
inline constexpr std::uint32_t chunk_start = 1u << 0;
inline constexpr std::uint32_t chunk_end = 1u << 1;
inline constexpr std::uint32_t parent = 1u << 2;
inline constexpr std::uint32_t root = 1u << 3;
inline constexpr std::uint32_t keyed_hash = 1u << 4;
inline constexpr std::uint32_t derive_key_context = 1u << 5;
inline constexpr std::uint32_t derive_key_material = 1u << 6;

inline constexpr std::size_t block_len = 64;
inline constexpr std::size_t chunk_len = 1024;
// 2^54 chunks of 1 KiB cover 2^64 bytes; the stack holds one CV per set bit of the chunk count.
inline constexpr std::size_t max_depth = 54;

// [Compression Function]: the message permutation is applied between rounds. Instead of moving
// the words we precompute, for each of the 7 rounds, which message word each G input reads. The
// indices depend only on the round number, never on data.
struct schedule_table {
    std::uint8_t idx[7][16];
};
consteval schedule_table make_schedule() {
    constexpr std::uint8_t perm[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};
    schedule_table t{};
    for (std::uint8_t i = 0; i < 16; ++i) t.idx[0][i] = i;
    for (int r = 1; r < 7; ++r)
        for (int i = 0; i < 16; ++i) t.idx[r][i] = t.idx[r - 1][perm[i]];
    return t;
}
inline constexpr schedule_table schedule = make_schedule();

// [Compression Function]: the quarter-round G.
NEXUS_BLAKE3_INLINE constexpr void g(std::uint32_t* v, int a, int b, int c, int d, std::uint32_t mx,
                                     std::uint32_t my) noexcept {
    v[a] = v[a] + v[b] + mx;
    v[d] = rotr32(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr32(v[b] ^ v[c], 12);
    v[a] = v[a] + v[b] + my;
    v[d] = rotr32(v[d] ^ v[a], 8);
    v[c] = v[c] + v[d];
    v[b] = rotr32(v[b] ^ v[c], 7);
}

// A template per round so every schedule lookup is a compile-time constant.
template <int R>
NEXUS_BLAKE3_INLINE constexpr void round_fn(std::uint32_t* v, const std::uint32_t* m) noexcept {
    constexpr const std::uint8_t* s = schedule.idx[R];
    g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

// [Compression Function]: the 7 rounds over (cv, IV, counter, block length, flags); v receives
// the 16-word state before the final feed-forward.
NEXUS_BLAKE3_INLINE constexpr void compress_rounds(std::uint32_t* v, const cv_words& cv,
                                                   const std::uint32_t* m, std::uint64_t counter,
                                                   std::uint32_t len, std::uint32_t flags) noexcept {
    for (std::size_t i = 0; i < 8; ++i) v[i] = cv[i];
    v[8] = iv[0];
    v[9] = iv[1];
    v[10] = iv[2];
    v[11] = iv[3];
    v[12] = static_cast<std::uint32_t>(counter);
    v[13] = static_cast<std::uint32_t>(counter >> 32);
    v[14] = len;
    v[15] = flags;
    round_fn<0>(v, m);
    round_fn<1>(v, m);
    round_fn<2>(v, m);
    round_fn<3>(v, m);
    round_fn<4>(v, m);
    round_fn<5>(v, m);
    round_fn<6>(v, m);
}

// Compression truncated to the 8-word chaining value (every non-root use), in place.
constexpr void compress_cv(cv_words& cv, const std::uint32_t* m, std::uint64_t counter, std::uint32_t len,
                           std::uint32_t flags) noexcept {
    std::uint32_t v[16];
    compress_rounds(v, cv, m, counter, len, flags);
    for (std::size_t i = 0; i < 8; ++i) cv[i] = v[i] ^ v[i + 8];
}

NEXUS_BLAKE3_INLINE constexpr void load_block(std::uint32_t* m, const std::uint8_t* p) noexcept {
    for (int i = 0; i < 16; ++i) m[i] = load32_le(p + 4 * i);
}

// [Chunk Chaining]: hashes one whole 1 KiB chunk straight from the input (no buffering).
constexpr cv_words hash_full_chunk(const cv_words& key, const std::uint8_t* p, std::uint64_t counter,
                                   std::uint32_t flags) noexcept {
    cv_words cv = key;
    std::uint32_t m[16];
    for (std::size_t b = 0; b < chunk_len / block_len; ++b) {
        load_block(m, p + b * block_len);
        std::uint32_t f = flags;
        if (b == 0) f |= chunk_start;
        if (b == chunk_len / block_len - 1) f |= chunk_end;
        compress_cv(cv, m, counter, static_cast<std::uint32_t>(block_len), f);
    }
    return cv;
}

#if NEXUS_BLAKE3_FOUR_LANES
// Four chunks compressed side by side ([SIMD]): every state word holds the same word of 4
// independent compressions, and each operation applies to all 4 lanes at once. With GCC and
// Clang a lane word is a generic vector (vector extension, not intrinsics): the compiler emits
// 128-bit SIMD where the target has it (SSE2, NEON, z/Arch vector) and scalar code elsewhere.
// Other compilers (or NEXUS_BLAKE3_NO_VECTOR_EXT) get the same operations as plain 4-iteration
// loops. Lane words are only passed by reference, so no vector appears in a function's ABI.
inline constexpr std::size_t lanes = 4;
#if (defined(__GNUC__) || defined(__clang__)) && !defined(NEXUS_BLAKE3_NO_VECTOR_EXT)
typedef std::uint32_t lane_word __attribute__((vector_size(16)));
NEXUS_BLAKE3_INLINE void splat(lane_word& x, std::uint32_t w) noexcept { x = lane_word{w, w, w, w}; }
NEXUS_BLAKE3_INLINE void add3(lane_word& a, const lane_word& b, const lane_word& m) noexcept {
    a = a + b + m;
}
NEXUS_BLAKE3_INLINE void add2(lane_word& a, const lane_word& b) noexcept { a = a + b; }
template <int N>
NEXUS_BLAKE3_INLINE void xor_rotr(lane_word& a, const lane_word& b) noexcept {
    const lane_word x = a ^ b;
    a = (x >> N) | (x << (32 - N));
}
NEXUS_BLAKE3_INLINE void xor_lanes(lane_word& out, const lane_word& a, const lane_word& b) noexcept {
    out = a ^ b;
}
#else
struct lane_word {
    std::uint32_t w[lanes];
    std::uint32_t& operator[](std::size_t i) noexcept { return w[i]; }
    const std::uint32_t& operator[](std::size_t i) const noexcept { return w[i]; }
};
inline void splat(lane_word& x, std::uint32_t w) noexcept {
    for (std::size_t l = 0; l < lanes; ++l) x[l] = w;
}
inline void add3(lane_word& a, const lane_word& b, const lane_word& m) noexcept {
    for (std::size_t l = 0; l < lanes; ++l) a[l] = a[l] + b[l] + m[l];
}
inline void add2(lane_word& a, const lane_word& b) noexcept {
    for (std::size_t l = 0; l < lanes; ++l) a[l] = a[l] + b[l];
}
template <int N>
inline void xor_rotr(lane_word& a, const lane_word& b) noexcept {
    for (std::size_t l = 0; l < lanes; ++l) a[l] = rotr32(a[l] ^ b[l], N);
}
inline void xor_lanes(lane_word& out, const lane_word& a, const lane_word& b) noexcept {
    for (std::size_t l = 0; l < lanes; ++l) out[l] = a[l] ^ b[l];
}
#endif

NEXUS_BLAKE3_INLINE void g4(lane_word& a, lane_word& b, lane_word& c, lane_word& d, const lane_word& mx,
                            const lane_word& my) noexcept {
    add3(a, b, mx);
    xor_rotr<16>(d, a);
    add2(c, d);
    xor_rotr<12>(b, c);
    add3(a, b, my);
    xor_rotr<8>(d, a);
    add2(c, d);
    xor_rotr<7>(b, c);
}

template <int R>
NEXUS_BLAKE3_INLINE void round4(lane_word* v, const lane_word* m) noexcept {
    constexpr const std::uint8_t* s = schedule.idx[R];
    g4(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
    g4(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
    g4(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
    g4(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
    g4(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
    g4(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
    g4(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
    g4(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}

// Hashes `groups` runs of 4 consecutive whole chunks starting at p, the first numbered
// `counter`, and hands each run's 4 chaining values to sink(cvs, first_counter) in order.
template <class Sink>
void hash_chunk_groups(const cv_words& key, const std::uint8_t* p, std::size_t groups, std::uint64_t counter,
                       std::uint32_t flags, Sink&& sink) noexcept {
    lane_word cv[8];
    lane_word m[16];
    lane_word v[16];
    cv_words out[lanes];
    for (; groups > 0; --groups, p += lanes * chunk_len, counter += lanes) {
        for (std::size_t i = 0; i < 8; ++i) splat(cv[i], key[i]);
        for (std::size_t b = 0; b < chunk_len / block_len; ++b) {
            for (std::size_t i = 0; i < 16; ++i)
                for (std::size_t l = 0; l < lanes; ++l)
                    m[i][l] = load32_le(p + l * chunk_len + b * block_len + 4 * i);
            std::uint32_t f = flags;
            if (b == 0) f |= chunk_start;
            if (b == chunk_len / block_len - 1) f |= chunk_end;
            for (std::size_t i = 0; i < 8; ++i) v[i] = cv[i];
            for (std::size_t i = 0; i < 4; ++i) splat(v[8 + i], iv[i]);
            for (std::size_t l = 0; l < lanes; ++l) {
                v[12][l] = static_cast<std::uint32_t>(counter + l);
                v[13][l] = static_cast<std::uint32_t>((counter + l) >> 32);
            }
            splat(v[14], static_cast<std::uint32_t>(block_len));
            splat(v[15], f);
            round4<0>(v, m);
            round4<1>(v, m);
            round4<2>(v, m);
            round4<3>(v, m);
            round4<4>(v, m);
            round4<5>(v, m);
            round4<6>(v, m);
            for (std::size_t i = 0; i < 8; ++i) xor_lanes(cv[i], v[i], v[i + 8]);
        }
        for (std::size_t l = 0; l < lanes; ++l)
            for (std::size_t i = 0; i < 8; ++i) out[l][i] = cv[i][l];
        sink(out, counter);
    }
    // Wiped once per run rather than per group: the loop stays fast on long inputs.
    secure_wipe(cv, sizeof cv);
    secure_wipe(m, sizeof m);
    secure_wipe(v, sizeof v);
    secure_wipe(out, sizeof out);
}

#endif  // NEXUS_BLAKE3_FOUR_LANES

// [Binary Tree Hashing]: a parent node compresses its two children's concatenated CVs, with
// the key as its input CV.
constexpr cv_words parent_cv(const cv_words& left, const cv_words& right, const cv_words& key,
                             std::uint32_t flags) noexcept {
    std::uint32_t m[16];
    for (std::size_t i = 0; i < 8; ++i) {
        m[i] = left[i];
        m[i + 8] = right[i];
    }
    cv_words cv = key;
    compress_cv(cv, m, 0, static_cast<std::uint32_t>(block_len), flags | parent);
    return cv;
}

// The last compression of a tree, not yet performed: as a non-root node it yields a CV; as the
// root ([Extendable Output]) it is repeated with counters 0, 1, 2, ... for any amount of output.
struct pending_output {
    cv_words input_cv;
    block_words block;
    std::uint64_t counter;
    std::uint32_t len;
    std::uint32_t flags;

    constexpr cv_words chaining_value() const noexcept {
        cv_words cv = input_cv;
        compress_cv(cv, block.data(), counter, len, flags);
        return cv;
    }

    // Writes out.size() bytes of root output starting at byte `offset` of the output stream.
    void root_bytes(std::uint64_t offset, std::span<std::uint8_t> out) const noexcept {
        std::uint64_t block_counter = offset / block_len;
        std::size_t skip = static_cast<std::size_t>(offset % block_len);
        std::size_t pos = 0;
        std::uint32_t v[16];
        while (pos < out.size()) {
            compress_rounds(v, input_cv, block.data(), block_counter, len, flags | root);
            // [Extendable Output]: all 16 words are output; the input CV is fed forward into
            // the second half.
            for (std::size_t i = 0; i < 8; ++i) {
                v[i] ^= v[i + 8];
                v[i + 8] ^= input_cv[i];
            }
            std::size_t take = block_len - skip;
            if (take > out.size() - pos) take = out.size() - pos;
            if (skip == 0 && take == block_len) {
                for (std::size_t i = 0; i < 16; ++i) store32_le(out.data() + pos + 4 * i, v[i]);
            } else {
                for (std::size_t i = 0; i < take; ++i) {
                    const std::size_t b = skip + i;
                    out[pos + i] = static_cast<std::uint8_t>(v[b / 4] >> (8 * (b % 4)));
                }
            }
            pos += take;
            skip = 0;
            ++block_counter;
        }
        secure_wipe(v, sizeof v);
    }
};

// [Chunk State]: the state of the chunk being filled. The last block is kept in the buffer until
// more input shows that it is not the chunk's final block (which needs the CHUNK_END flag).
struct chunk_state {
    cv_words cv;
    std::uint64_t counter;
    std::uint8_t buf[block_len];
    std::uint32_t buf_len;
    std::uint32_t blocks_compressed;
    std::uint32_t flags;

    constexpr void start(const cv_words& key, std::uint64_t chunk_counter,
                         std::uint32_t mode_flags) noexcept {
        cv = key;
        counter = chunk_counter;
        buf_len = 0;
        blocks_compressed = 0;
        flags = mode_flags;
    }

    constexpr std::size_t length() const noexcept { return block_len * blocks_compressed + buf_len; }

    constexpr std::uint32_t start_flag() const noexcept { return blocks_compressed == 0 ? chunk_start : 0u; }

    constexpr void compress_block(const std::uint8_t* p) noexcept {
        std::uint32_t m[16];
        load_block(m, p);
        compress_cv(cv, m, counter, static_cast<std::uint32_t>(block_len), flags | start_flag());
        ++blocks_compressed;
    }

    // Absorbs n bytes; the caller guarantees length() + n <= chunk_len.
    constexpr void update(const std::uint8_t* p, std::size_t n) noexcept {
        if (buf_len > 0) {
            std::size_t take = block_len - buf_len;
            if (take > n) take = n;
            for (std::size_t i = 0; i < take; ++i) buf[buf_len + i] = p[i];
            buf_len += static_cast<std::uint32_t>(take);
            p += take;
            n -= take;
            if (n == 0) return;
            compress_block(buf);
            buf_len = 0;
        }
        while (n > block_len) {
            compress_block(p);
            p += block_len;
            n -= block_len;
        }
        for (std::size_t i = 0; i < n; ++i) buf[i] = p[i];
        buf_len = static_cast<std::uint32_t>(n);
    }

    constexpr pending_output output() const noexcept {
        pending_output o{cv, {}, counter, buf_len, flags | start_flag() | chunk_end};
        std::uint8_t padded[block_len] = {};
        for (std::size_t i = 0; i < buf_len; ++i) padded[i] = buf[i];
        load_block(o.block.data(), padded);
        return o;
    }
};

}  // namespace blake3_detail

/// Incremental BLAKE3 in any of its three modes, with output of any length at any offset.
/// No allocation: the state is a fixed ~1.9 KiB object (mostly the 54-entry CV stack).
class blake3 {
public:
    static constexpr std::size_t out_len = 32;
    static constexpr std::size_t key_len = 32;
    static constexpr std::size_t block_len = blake3_detail::block_len;
    static constexpr std::size_t chunk_len = blake3_detail::chunk_len;
    static constexpr std::size_t max_stack_depth = blake3_detail::max_depth;

    /// Plain hash mode ([Modes]).
    blake3() noexcept : key_(blake3_detail::iv), flags_(0) { chunk_.start(key_, 0, flags_); }

    /// Keyed-hash mode ([Modes]): a MAC / PRF under a 32-byte key.
    static blake3 keyed(std::span<const std::uint8_t, key_len> key) noexcept {
        blake3_detail::cv_words k;
        for (std::size_t i = 0; i < 8; ++i) k[i] = load32_le(key.data() + 4 * i);
        blake3 h(k, blake3_detail::keyed_hash);
        secure_wipe_object(k);
        return h;
    }

    /// Key-derivation mode ([Modes]): hashes the context string into a context key; the returned
    /// hasher then absorbs the key material. The context should be a hard-coded, globally
    /// unique, application-specific string.
    static blake3 derive_key(std::span<const std::uint8_t> context) noexcept {
        blake3 ctx(blake3_detail::iv, blake3_detail::derive_key_context);
        ctx.update(context);
        std::uint8_t context_key[key_len];
        ctx.finalize(context_key);
        blake3_detail::cv_words k;
        for (std::size_t i = 0; i < 8; ++i) k[i] = load32_le(context_key + 4 * i);
        blake3 h(k, blake3_detail::derive_key_material);
        secure_wipe(context_key, sizeof context_key);
        secure_wipe_object(k);
        return h;
    }

    static blake3 derive_key(std::string_view context) noexcept {
        return derive_key(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(context.data()),
                                                        context.size()));
    }

    // Copies fork the state (e.g. to hash a common prefix once). Only the live stack entries
    // are copied: the rest is never read.
    blake3(const blake3& other) noexcept
        : key_(other.key_), flags_(other.flags_), chunk_(other.chunk_), stack_len_(other.stack_len_) {
        for (std::size_t i = 0; i < stack_len_; ++i) stack_[i] = other.stack_[i];
    }
    blake3& operator=(const blake3& other) noexcept {
        if (this != &other) {
            wipe();
            key_ = other.key_;
            flags_ = other.flags_;
            chunk_ = other.chunk_;
            stack_len_ = other.stack_len_;
            for (std::size_t i = 0; i < stack_len_; ++i) stack_[i] = other.stack_[i];
        }
        return *this;
    }

    /// Wipes the key and the parts of the state derived from input.
    ~blake3() { wipe(); }

    /// Absorbs more input; any split of the input gives the same result.
    void update(std::span<const std::uint8_t> in) noexcept {
        const std::uint8_t* p = in.data();
        std::size_t n = in.size();
        while (n > 0) {
            // A full chunk is closed only once more input arrives: until then it might be the
            // root, which must be compressed with the ROOT flag instead.
            if (chunk_.length() == chunk_len) {
                const blake3_detail::cv_words cv = chunk_.output().chaining_value();
                const std::uint64_t total = chunk_.counter + 1;
                push_chunk_cv(cv, total);
                chunk_.start(key_, total, flags_);
            }
            if (chunk_.length() == 0 && n > chunk_len) {
                std::uint64_t counter = chunk_.counter;
                // Whole chunks that are certainly not the last go straight from the input,
                // 4 at a time while more than 4 chunks' worth remains.
#if NEXUS_BLAKE3_FOUR_LANES
                const std::size_t groups = (n - 1) / (blake3_detail::lanes * chunk_len);
                if (groups > 0)
                    blake3_detail::hash_chunk_groups(
                        key_, p, groups, counter, flags_,
                        [this](const blake3_detail::cv_words* cvs, std::uint64_t first) {
                            for (std::size_t l = 0; l < blake3_detail::lanes; ++l)
                                push_chunk_cv(cvs[l], first + l + 1);
                        });
                counter += groups * blake3_detail::lanes;
                p += groups * blake3_detail::lanes * chunk_len;
                n -= groups * blake3_detail::lanes * chunk_len;
#endif
                while (n > chunk_len) {
                    push_chunk_cv(blake3_detail::hash_full_chunk(key_, p, counter, flags_), counter + 1);
                    ++counter;
                    p += chunk_len;
                    n -= chunk_len;
                }
                chunk_.start(key_, counter, flags_);
            }
            std::size_t take = chunk_len - chunk_.length();
            if (take > n) take = n;
            chunk_.update(p, take);
            p += take;
            n -= take;
        }
    }

    /// Writes out.size() bytes of output (32 is the standard length; any length is allowed,
    /// and a shorter output is a prefix of a longer one). The state is unchanged, so more
    /// input may follow.
    void finalize(std::span<std::uint8_t> out) const noexcept { finalize_seek(0, out); }

    /// Writes out.size() bytes of the output stream from byte `offset` on ([Extendable Output]).
    void finalize_seek(std::uint64_t offset, std::span<std::uint8_t> out) const noexcept {
        blake3_detail::pending_output o = root_output();
        o.root_bytes(offset, out);
        secure_wipe_object(o);
    }

    /// The standard 32-byte output.
    std::array<std::uint8_t, out_len> finalize() const noexcept {
        std::array<std::uint8_t, out_len> out;
        finalize(out);
        return out;
    }

    /// Forgets all input, keeping the mode and key.
    void reset() noexcept {
        secure_wipe_object(chunk_);
        secure_wipe(stack_, sizeof(stack_[0]) * stack_len_);
        chunk_.start(key_, 0, flags_);
        stack_len_ = 0;
    }

private:
    blake3(const blake3_detail::cv_words& key, std::uint32_t flags) noexcept : key_(key), flags_(flags) {
        chunk_.start(key_, 0, flags_);
    }

    // [Chaining Value Stack]: after chunk number total-1 completes, merge one parent per trailing
    // zero bit of the chunk count; the stack keeps the roots of the complete subtrees.
    void push_chunk_cv(blake3_detail::cv_words cv, std::uint64_t total_chunks) noexcept {
        while ((total_chunks & 1) == 0) {
            --stack_len_;
            cv = blake3_detail::parent_cv(stack_[stack_len_], cv, key_, flags_);
            total_chunks >>= 1;
        }
        stack_[stack_len_] = cv;
        ++stack_len_;
    }

    // [Chaining Value Stack]: at the end the current chunk is folded into the stacked subtrees
    // from the right; the topmost compression is left pending so it can be run as the root.
    blake3_detail::pending_output root_output() const noexcept {
        blake3_detail::pending_output o = chunk_.output();
        for (std::size_t i = stack_len_; i > 0; --i) {
            const blake3_detail::cv_words right = o.chaining_value();
            o.input_cv = key_;
            for (std::size_t w = 0; w < 8; ++w) {
                o.block[w] = stack_[i - 1][w];
                o.block[w + 8] = right[w];
            }
            o.counter = 0;
            o.len = static_cast<std::uint32_t>(block_len);
            o.flags = flags_ | blake3_detail::parent;
        }
        return o;
    }

    void wipe() noexcept {
        secure_wipe_object(key_);
        secure_wipe_object(chunk_);
        secure_wipe(stack_, sizeof(stack_[0]) * stack_len_);
        stack_len_ = 0;
    }

    blake3_detail::cv_words key_;
    std::uint32_t flags_;
    blake3_detail::chunk_state chunk_;
    std::size_t stack_len_ = 0;
    blake3_detail::cv_words stack_[max_stack_depth];
};

/// One-shot hash; out may be any length (32 bytes is standard).
inline void blake3_hash(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    blake3 h;
    h.update(in);
    h.finalize(out);
}

/// One-shot keyed hash (MAC/PRF); out may be any length (32 bytes is standard).
inline void blake3_keyed_hash(std::span<const std::uint8_t, blake3::key_len> key,
                              std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    blake3 h = blake3::keyed(key);
    h.update(in);
    h.finalize(out);
}

/// One-shot key derivation: out (any length) from a context string and key material.
inline void blake3_derive_key(std::span<const std::uint8_t> context, std::span<const std::uint8_t> material,
                              std::span<std::uint8_t> out) noexcept {
    blake3 h = blake3::derive_key(context);
    h.update(material);
    h.finalize(out);
}

inline void blake3_derive_key(std::string_view context, std::span<const std::uint8_t> material,
                              std::span<std::uint8_t> out) noexcept {
    blake3 h = blake3::derive_key(context);
    h.update(material);
    h.finalize(out);
}

}  // namespace nexus::crypto

#undef NEXUS_BLAKE3_INLINE
