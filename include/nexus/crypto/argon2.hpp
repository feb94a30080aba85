// Argon2 version 0x13 (RFC 9106 §3): Argon2id, plus Argon2d and Argon2i, over caller-provided memory.
// Lanes (parallelism p) are computed one after another, which gives the same tag as threads would.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/endian.hpp"
#include "nexus/core/error.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/ct.hpp"

namespace nexus::crypto {

/// One 1 KiB memory block (RFC 9106 §3.2): 128 little-endian 64-bit words.
struct argon2_block {
    std::array<std::uint64_t, 128> words;
};

/// The type field y of RFC 9106 §3.1.
enum class argon2_type : std::uint32_t { d = 0, i = 1, id = 2 };

struct argon2_params {
    std::uint32_t passes = 3;       // t, >= 1
    std::uint32_t memory_kib = 64;  // m, in 1 KiB blocks, >= 8 * lanes
    std::uint32_t lanes = 1;        // p, 1 .. 2^24 - 1
};

/// Why argon2() refused to run; `ok` on success.
enum class argon2_status : std::uint8_t {
    ok,
    bad_tag_length,   // tag shorter than 4 bytes (or longer than 2^32 - 1)
    bad_salt_length,  // salt shorter than 8 bytes (the reference implementation's minimum)
    bad_passes,       // t == 0
    bad_lanes,        // p == 0 or p >= 2^24
    bad_memory,       // m < 8 * p
    work_too_small,   // fewer than argon2_memory_blocks(params) blocks of work memory
    input_too_long,   // password, salt, secret or associated data longer than 2^32 - 1 bytes
};

constexpr const char* to_string(argon2_status s) noexcept {
    switch (s) {
        case argon2_status::ok:
            return "ok";
        case argon2_status::bad_tag_length:
            return "tag length must be at least 4 bytes";
        case argon2_status::bad_salt_length:
            return "salt must be at least 8 bytes";
        case argon2_status::bad_passes:
            return "passes must be at least 1";
        case argon2_status::bad_lanes:
            return "lanes must be between 1 and 2^24 - 1";
        case argon2_status::bad_memory:
            return "memory must be at least 8 KiB per lane";
        case argon2_status::work_too_small:
            return "work memory smaller than argon2_memory_blocks()";
        case argon2_status::input_too_long:
            return "an input is longer than 2^32 - 1 bytes";
    }
    return "unknown";
}

/// Blocks of work memory argon2() uses: m' = 4p * floor(m / 4p) (RFC 9106 §3.2 step 3),
/// or 0 when lanes or memory are out of range.
/// The library-wide error for a failed Argon2 call (argon2_status::ok has none: do not pass it).
/// Too little work memory is buffer_too_small, over-long inputs invalid_length, and every
/// parameter outside RFC 9106's domain invalid_argument.
constexpr error to_error(argon2_status s) noexcept {
    switch (s) {
        case argon2_status::work_too_small:
            return error::buffer_too_small;
        case argon2_status::input_too_long:
        case argon2_status::bad_tag_length:
        case argon2_status::bad_salt_length:
            return error::invalid_length;
        case argon2_status::ok:
        case argon2_status::bad_passes:
        case argon2_status::bad_lanes:
        case argon2_status::bad_memory:
            break;
    }
    return error::invalid_argument;
}

constexpr std::size_t argon2_memory_blocks(const argon2_params& p) noexcept {
    if (p.lanes == 0 || p.lanes >= (1u << 24) || p.memory_kib < 8ull * p.lanes) return 0;
    return static_cast<std::size_t>(4ull * p.lanes * (p.memory_kib / (4ull * p.lanes)));
}

namespace detail {

inline constexpr std::uint32_t argon2_version = 0x13;
inline constexpr std::size_t argon2_sync_points = 4;  // slices per pass
inline constexpr std::size_t argon2_addresses_per_block = 128;

inline void argon2_le32(std::uint8_t* p, std::size_t v) noexcept {
    nexus::store32_le(p, static_cast<std::uint32_t>(v));
}

// H'^T (RFC 9106 §3.3): variable-length hash built from BLAKE2b-512 chains.
inline void argon2_hprime(std::span<std::uint8_t> out, std::span<const std::uint8_t> in) noexcept {
    std::array<std::uint8_t, 4> len{};
    argon2_le32(len.data(), out.size());
    blake2b h;
    if (out.size() <= 64) {
        (void)h.init(out.size());
        h.update(len);
        h.update(in);
        (void)h.finish(out);
        return;
    }
    // r = ceil(T/32) - 2 blocks of 32 bytes from a chain of 64-byte hashes, then the tail V_{r+1}.
    const std::size_t r = (out.size() + 31) / 32 - 2;
    std::array<std::uint8_t, 64> v{};
    (void)h.init(64);
    h.update(len);
    h.update(in);
    (void)h.finish(v);
    for (std::size_t i = 0; i < 32; ++i) out[i] = v[i];
    for (std::size_t k = 1; k < r; ++k) {
        (void)h.init(64);
        h.update(v);
        (void)h.finish(v);
        for (std::size_t i = 0; i < 32; ++i) out[32 * k + i] = v[i];
    }
    const std::size_t tail = out.size() - 32 * r;  // 33..64 bytes
    (void)h.init(tail);
    h.update(v);
    (void)h.finish(out.subspan(32 * r, tail));
    secure_wipe(v.data(), v.size());
}

#if defined(__GNUC__) || defined(__clang__)
#define NEXUS_ARGON2_INLINE inline __attribute__((always_inline))
#else
#define NEXUS_ARGON2_INLINE inline
#endif

// GB of RFC 9106 §3.6: BLAKE2b's G with each addition a + b replaced by a + b + 2 * lo(a) * lo(b)
// (the multiplications make the function expensive in hardware).
NEXUS_ARGON2_INLINE std::uint64_t argon2_fblamka(std::uint64_t a, std::uint64_t b) noexcept {
    return a + b + 2 * (a & 0xffffffffu) * (b & 0xffffffffu);
}

NEXUS_ARGON2_INLINE void argon2_gb(std::uint64_t& a, std::uint64_t& b, std::uint64_t& c,
                                   std::uint64_t& d) noexcept {
    a = argon2_fblamka(a, b);
    d = nexus::rotr64(d ^ a, 32);
    c = argon2_fblamka(c, d);
    b = nexus::rotr64(b ^ c, 24);
    a = argon2_fblamka(a, b);
    d = nexus::rotr64(d ^ a, 16);
    c = argon2_fblamka(c, d);
    b = nexus::rotr64(b ^ c, 63);
}

// Permutation P on sixteen words given by their indices into the block (§3.6): eight 16-byte
// registers S0..S7 = (w[i0],w[i1]), (w[i2],w[i3]), ...
NEXUS_ARGON2_INLINE void argon2_p(std::uint64_t* w, std::size_t i0, std::size_t i1, std::size_t i2,
                                  std::size_t i3, std::size_t i4, std::size_t i5, std::size_t i6,
                                  std::size_t i7, std::size_t i8, std::size_t i9, std::size_t i10,
                                  std::size_t i11, std::size_t i12, std::size_t i13, std::size_t i14,
                                  std::size_t i15) noexcept {
    argon2_gb(w[i0], w[i4], w[i8], w[i12]);
    argon2_gb(w[i1], w[i5], w[i9], w[i13]);
    argon2_gb(w[i2], w[i6], w[i10], w[i14]);
    argon2_gb(w[i3], w[i7], w[i11], w[i15]);
    argon2_gb(w[i0], w[i5], w[i10], w[i15]);
    argon2_gb(w[i1], w[i6], w[i11], w[i12]);
    argon2_gb(w[i2], w[i7], w[i8], w[i13]);
    argon2_gb(w[i3], w[i4], w[i9], w[i14]);
}

#undef NEXUS_ARGON2_INLINE

// Compression G (§3.5): R = X ^ Y; Q = P on each row of R; Z = P on each column of Q;
// result Z ^ R. With `accumulate` the result is XORed into out (passes after the first, v1.3);
// y == nullptr stands for the all-zero block (address generation).
inline void argon2_g(const argon2_block& x, const argon2_block* y, argon2_block& out,
                     bool accumulate) noexcept {
    argon2_block r;
    if (y != nullptr) {
        for (std::size_t i = 0; i < 128; ++i) r.words[i] = x.words[i] ^ y->words[i];
    } else {
        r = x;
    }
    argon2_block q = r;
    std::uint64_t* w = q.words.data();
    for (std::size_t row = 0; row < 8; ++row) {
        const std::size_t b = 16 * row;
        argon2_p(w, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12,
                 b + 13, b + 14, b + 15);
    }
    // Column c is registers c, c+8, ..., c+56 of the 8x8 register matrix: words 2c + 16k, 2c + 16k + 1.
    for (std::size_t col = 0; col < 8; ++col) {
        const std::size_t b = 2 * col;
        argon2_p(w, b, b + 1, b + 16, b + 17, b + 32, b + 33, b + 48, b + 49, b + 64, b + 65, b + 80, b + 81,
                 b + 96, b + 97, b + 112, b + 113);
    }
    if (accumulate) {
        for (std::size_t i = 0; i < 128; ++i) out.words[i] ^= q.words[i] ^ r.words[i];
    } else {
        for (std::size_t i = 0; i < 128; ++i) out.words[i] = q.words[i] ^ r.words[i];
    }
}

struct argon2_instance {
    std::span<argon2_block> memory;
    std::uint32_t passes;
    std::uint32_t lanes;
    std::uint32_t lane_length;     // q = m' / p
    std::uint32_t segment_length;  // q / 4
    argon2_type type;

    argon2_block& at(std::size_t lane, std::size_t column) const noexcept {
        return memory[lane * lane_length + column];
    }
};

// Column of the reference block within ref_lane (§3.4.1.2 and §3.4.2). `index` is the
// position inside the current segment; j1 is the low half of the pseudo-random value.
inline std::uint32_t argon2_reference_column(const argon2_instance& in, std::uint32_t pass,
                                             std::uint32_t slice, std::uint32_t index, std::uint32_t j1,
                                             bool same_lane) noexcept {
    // Blocks that may be referenced: everything finished in earlier slices of this pass (or the
    // last three slices of the previous pass), plus, in the own lane, what this segment has made
    // so far; never the block just before the current one. Another lane loses its last
    // finished block while our index is 0, since that block directly precedes ours in time.
    std::uint64_t area;
    if (pass == 0) {
        if (same_lane)
            area = static_cast<std::uint64_t>(slice) * in.segment_length + index - 1;
        else
            area = static_cast<std::uint64_t>(slice) * in.segment_length - (index == 0 ? 1 : 0);
    } else {
        if (same_lane)
            area = static_cast<std::uint64_t>(in.lane_length) - in.segment_length + index - 1;
        else
            area = static_cast<std::uint64_t>(in.lane_length) - in.segment_length - (index == 0 ? 1 : 0);
    }
    // Non-uniform mapping: x = J1^2 / 2^32, y = area * x / 2^32, z = area - 1 - y.
    const std::uint64_t x = (static_cast<std::uint64_t>(j1) * j1) >> 32;
    const std::uint64_t y = (area * x) >> 32;
    const std::uint64_t z = area - 1 - y;
    const std::uint64_t start = (pass == 0 || slice == argon2_sync_points - 1)
                                    ? 0
                                    : static_cast<std::uint64_t>(slice + 1) * in.segment_length;
    return static_cast<std::uint32_t>((start + z) % in.lane_length);
}

// Fills one segment (§3.2 steps 5-6, §3.4).
inline void argon2_fill_segment(const argon2_instance& in, std::uint32_t pass, std::uint32_t lane,
                                std::uint32_t slice) noexcept {
    // Argon2i everywhere, Argon2id in the first half of the first pass: indices come from a
    // counter-driven address stream, independent of the password (§3.4.1.2).
    const bool data_independent =
        in.type == argon2_type::i || (in.type == argon2_type::id && pass == 0 && slice < 2);

    argon2_block input{}, address{};
    if (data_independent) {
        input.words[0] = pass;
        input.words[1] = lane;
        input.words[2] = slice;
        input.words[3] = static_cast<std::uint64_t>(in.lane_length) * in.lanes;
        input.words[4] = in.passes;
        input.words[5] = static_cast<std::uint64_t>(in.type);
    }
    auto next_addresses = [&] {
        ++input.words[6];
        argon2_block tmp;
        argon2_g(input, nullptr, tmp, false);
        argon2_g(tmp, nullptr, address, false);
    };

    // The first two blocks of every lane come from H0 (step 5), so pass 0 starts at column 2.
    const std::uint32_t first = (pass == 0 && slice == 0) ? 2 : 0;
    if (data_independent && first != 0) next_addresses();

    for (std::uint32_t index = first; index < in.segment_length; ++index) {
        const std::uint32_t column = slice * in.segment_length + index;
        const std::uint32_t prev_column = column == 0 ? in.lane_length - 1 : column - 1;
        const argon2_block& prev = in.at(lane, prev_column);

        std::uint64_t rand;
        if (data_independent) {
            if (index % argon2_addresses_per_block == 0) next_addresses();
            rand = address.words[index % argon2_addresses_per_block];
        } else {
            rand = prev.words[0];
        }
        const auto j1 = static_cast<std::uint32_t>(rand);
        const auto j2 = static_cast<std::uint32_t>(rand >> 32);
        // The first slice of the first pass can only reference its own lane.
        const std::uint32_t ref_lane = (pass == 0 && slice == 0) ? lane : j2 % in.lanes;
        const std::uint32_t ref_column =
            argon2_reference_column(in, pass, slice, index, j1, ref_lane == lane);

        argon2_g(prev, &in.at(ref_lane, ref_column), in.at(lane, column), pass != 0);
    }
    secure_wipe_object(address);
}

// Word-sized stores (secure_wipe_words): the work memory can be many MiB.
inline void argon2_wipe(std::span<argon2_block> blocks) noexcept {
    for (argon2_block& b : blocks) secure_wipe_words(b.words);
}

// Length fields of H0 are 32 bits. Written as a shift so 32-bit hosts, where it always
// holds, get no "comparison is always true" warning.
inline bool argon2_fits_u32(std::size_t n) noexcept {
    return sizeof(std::size_t) <= 4 || ((n >> 16) >> 16) == 0;
}

}  // namespace detail

/// Argon2 (RFC 9106, version 0x13) of `password` with `salt`, optional `secret` (key K) and
/// `associated_data` (X), into `tag` (any length >= 4). `work` must hold at least
/// argon2_memory_blocks(params) blocks; only that many are used, and they are wiped before
/// returning. Parameter errors are returned before anything is computed or written.
///
/// Timing: Argon2d and the second half of Argon2id read memory at password-dependent addresses
/// by design (that is their memory-hardness against GPUs); Argon2i never does.
[[nodiscard]] inline argon2_status argon2(argon2_type type, std::span<std::uint8_t> tag,
                                          std::span<const std::uint8_t> password,
                                          std::span<const std::uint8_t> salt, const argon2_params& params,
                                          std::span<argon2_block> work,
                                          std::span<const std::uint8_t> secret = {},
                                          std::span<const std::uint8_t> associated_data = {}) noexcept {
    using detail::argon2_fits_u32;
    if (tag.size() < 4 || !argon2_fits_u32(tag.size())) return argon2_status::bad_tag_length;
    if (!argon2_fits_u32(password.size()) || !argon2_fits_u32(salt.size()) ||
        !argon2_fits_u32(secret.size()) || !argon2_fits_u32(associated_data.size()))
        return argon2_status::input_too_long;
    if (salt.size() < 8) return argon2_status::bad_salt_length;
    if (params.passes == 0) return argon2_status::bad_passes;
    if (params.lanes == 0 || params.lanes >= (1u << 24)) return argon2_status::bad_lanes;
    const std::size_t blocks = argon2_memory_blocks(params);
    if (blocks == 0) return argon2_status::bad_memory;
    if (work.size() < blocks) return argon2_status::work_too_small;

    detail::argon2_instance in{};
    in.memory = work.first(blocks);
    in.passes = params.passes;
    in.lanes = params.lanes;
    in.lane_length = static_cast<std::uint32_t>(blocks / params.lanes);
    in.segment_length = in.lane_length / detail::argon2_sync_points;
    in.type = type;

    // H0 (§3.2 step 1), followed by room for LE32(column) || LE32(lane) of step 5.
    std::array<std::uint8_t, 72> h0{};
    {
        std::array<std::uint8_t, 4> le{};
        blake2b h(64);
        auto put32 = [&](std::size_t v) {
            detail::argon2_le32(le.data(), v);
            h.update(le);
        };
        put32(params.lanes);
        put32(tag.size());
        put32(params.memory_kib);
        put32(params.passes);
        put32(detail::argon2_version);
        put32(static_cast<std::uint32_t>(type));
        put32(password.size());
        h.update(password);
        put32(salt.size());
        h.update(salt);
        put32(secret.size());
        h.update(secret);
        put32(associated_data.size());
        h.update(associated_data);
        (void)h.finish(std::span<std::uint8_t>(h0.data(), 64));
    }

    // Step 5: B[i][0] = H'^1024(H0 || LE32(0) || LE32(i)), B[i][1] likewise with 1.
    std::array<std::uint8_t, 1024> block_bytes{};
    for (std::uint32_t lane = 0; lane < in.lanes; ++lane) {
        for (std::uint32_t column = 0; column < 2; ++column) {
            detail::argon2_le32(h0.data() + 64, column);
            detail::argon2_le32(h0.data() + 68, lane);
            detail::argon2_hprime(block_bytes, h0);
            argon2_block& b = in.at(lane, column);
            for (std::size_t k = 0; k < 128; ++k) b.words[k] = nexus::load64_le(block_bytes.data() + 8 * k);
        }
    }

    // Steps 6-7: passes, each in four slices; within a slice the lanes are independent.
    for (std::uint32_t pass = 0; pass < in.passes; ++pass)
        for (std::uint32_t slice = 0; slice < detail::argon2_sync_points; ++slice)
            for (std::uint32_t lane = 0; lane < in.lanes; ++lane)
                detail::argon2_fill_segment(in, pass, lane, slice);

    // Step 8: C = XOR of the last column; tag = H'^T(C).
    argon2_block c = in.at(0, in.lane_length - 1);
    for (std::uint32_t lane = 1; lane < in.lanes; ++lane) {
        const argon2_block& last = in.at(lane, in.lane_length - 1);
        for (std::size_t k = 0; k < 128; ++k) c.words[k] ^= last.words[k];
    }
    for (std::size_t k = 0; k < 128; ++k) nexus::store64_le(block_bytes.data() + 8 * k, c.words[k]);
    detail::argon2_hprime(tag, block_bytes);

    secure_wipe(h0.data(), h0.size());
    secure_wipe(block_bytes.data(), block_bytes.size());
    secure_wipe_object(c);
    detail::argon2_wipe(in.memory);
    return argon2_status::ok;
}

/// Argon2id: the RFC 9106 §4 recommendation for password hashing. See argon2() for the contract.
[[nodiscard]] inline argon2_status argon2id(std::span<std::uint8_t> tag,
                                            std::span<const std::uint8_t> password,
                                            std::span<const std::uint8_t> salt, const argon2_params& params,
                                            std::span<argon2_block> work,
                                            std::span<const std::uint8_t> secret = {},
                                            std::span<const std::uint8_t> associated_data = {}) noexcept {
    return argon2(argon2_type::id, tag, password, salt, params, work, secret, associated_data);
}

}  // namespace nexus::crypto
