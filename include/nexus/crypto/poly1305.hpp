// Poly1305 one-time authenticator (RFC 8439 §2.5), incremental and one-shot, constant time.
// Two backends: poly1305_32 (26-bit limbs, 32x32->64 products) and poly1305_64 (44-bit limbs,
// 64x64->128 products); `poly1305` names the one chosen for this target.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include <nexus/core/endian.hpp>
#include <nexus/crypto/ct.hpp>

// NEXUS_CRYPTO_32BIT: make `poly1305` the 26-bit backend even where 128-bit products exist
//   (microcontrollers, or to measure it). Both backends always exist under their own names.
// NEXUS_CRYPTO_NO_INT128: build poly1305_64 on the portable 128-bit emulation even where the
//   compiler has unsigned __int128 (to test the emulation on a 64-bit host).

namespace nexus::crypto {

inline constexpr std::size_t poly1305_key_size = 32;
inline constexpr std::size_t poly1305_tag_size = 16;
inline constexpr std::size_t poly1305_block_size = 16;

namespace poly1305_detail {

// Carry out of a + b (mod 2^64) where sum = a + b, computed without a comparison so no compiler
// can turn it into a branch on secret data.
constexpr std::uint64_t carry_of_add(std::uint64_t a, std::uint64_t b, std::uint64_t sum) noexcept {
    return ((a & b) | ((a | b) & ~sum)) >> 63;
}

#if defined(__SIZEOF_INT128__) && !defined(NEXUS_CRYPTO_NO_INT128)
// __extension__ keeps -Wpedantic quiet about the non-standard type.
__extension__ typedef unsigned __int128 native_u128;

/// An unsigned 128-bit accumulator; only the operations the 44-bit backend needs.
struct u128 {
    native_u128 v;
    static constexpr u128 mul(std::uint64_t a, std::uint64_t b) noexcept {
        return {static_cast<native_u128>(a) * b};
    }
    constexpr u128& operator+=(u128 o) noexcept {
        v += o.v;
        return *this;
    }
    constexpr u128& operator+=(std::uint64_t o) noexcept {
        v += o;
        return *this;
    }
    constexpr std::uint64_t low() const noexcept { return static_cast<std::uint64_t>(v); }
    /// Low 64 bits of v >> n, for 0 < n < 64.
    constexpr std::uint64_t shr(unsigned n) const noexcept { return static_cast<std::uint64_t>(v >> n); }
};
#else
/// Portable 128-bit accumulator built from two 64-bit halves; the product uses four 32x32->64
/// multiplications, all data-independent in time.
struct u128 {
    std::uint64_t lo, hi;
    static constexpr u128 mul(std::uint64_t a, std::uint64_t b) noexcept {
        const std::uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
        const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
        const std::uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
        return {(p00 & 0xffffffffu) | (mid << 32), p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)};
    }
    constexpr u128& operator+=(u128 o) noexcept {
        const std::uint64_t sum = lo + o.lo;
        hi += o.hi + carry_of_add(lo, o.lo, sum);
        lo = sum;
        return *this;
    }
    constexpr u128& operator+=(std::uint64_t o) noexcept { return *this += u128{o, 0}; }
    constexpr std::uint64_t low() const noexcept { return lo; }
    constexpr std::uint64_t shr(unsigned n) const noexcept { return (lo >> n) | (hi << (64 - n)); }
};
#endif

/// Accumulator h, clamped r and the final addend s in radix 2^26 (five limbs, h < 2^130 + small).
/// Products are 32x32->64, so this is the backend for 32-bit CPUs.
struct limbs26 {
    static constexpr std::uint32_t mask26 = 0x3ffffffu;
    static constexpr std::uint32_t full_block_bit = 1u << 24;  // 2^128 seen from limb 4 (2^104)

    std::uint32_t r[5];
    std::uint32_t h[5];
    std::uint32_t s[4];

    static constexpr std::uint64_t mul(std::uint32_t a, std::uint32_t b) noexcept {
        return std::uint64_t{a} * b;
    }

    void set_key(const std::uint8_t* key) noexcept {
        // Clamp r (§2.5): top four bits of r[3], r[7], r[11], r[15] and low two bits of r[4],
        // r[8], r[12] cleared, here on the little-endian words.
        const std::uint32_t w0 = load32_le(key) & 0x0fffffffu;
        const std::uint32_t w1 = load32_le(key + 4) & 0x0ffffffcu;
        const std::uint32_t w2 = load32_le(key + 8) & 0x0ffffffcu;
        const std::uint32_t w3 = load32_le(key + 12) & 0x0ffffffcu;
        r[0] = w0 & mask26;
        r[1] = ((w0 >> 26) | (w1 << 6)) & mask26;
        r[2] = ((w1 >> 20) | (w2 << 12)) & mask26;
        r[3] = ((w2 >> 14) | (w3 << 18)) & mask26;
        r[4] = w3 >> 8;
        for (auto& limb : h) limb = 0;
        for (int i = 0; i < 4; ++i) s[i] = load32_le(key + 16 + 4 * i);
    }

    // h = (h + m) * r mod 2^130 - 5 for each 16-byte block; hibit is 2^128's bit in limb 4, or 0
    // for the final block that already carries its 0x01 byte.
    void blocks(const std::uint8_t* m, std::size_t count, std::uint32_t hibit) noexcept {
        // Operands stay 32-bit so every product is one 32x32->64 multiply, even on 32-bit CPUs.
        const std::uint32_t r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4];
        // 2^130 = 5 (mod p): a product landing at or above limb 5 folds back times 5.
        const std::uint32_t f1 = r1 * 5, f2 = r2 * 5, f3 = r3 * 5, f4 = r4 * 5;
        std::uint32_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4];
        for (; count > 0; --count, m += poly1305_block_size) {
            const std::uint32_t t0 = load32_le(m), t1 = load32_le(m + 4);
            const std::uint32_t t2 = load32_le(m + 8), t3 = load32_le(m + 12);
            h0 += t0 & mask26;
            h1 += ((t0 >> 26) | (t1 << 6)) & mask26;
            h2 += ((t1 >> 20) | (t2 << 12)) & mask26;
            h3 += ((t2 >> 14) | (t3 << 18)) & mask26;
            h4 += (t3 >> 8) | hibit;

            // Limbs are below 2^27 and r limbs (times 5) below 2^29: each sum stays below 2^59.
            std::uint64_t d0 = mul(h0, r0) + mul(h1, f4) + mul(h2, f3) + mul(h3, f2) + mul(h4, f1);
            std::uint64_t d1 = mul(h0, r1) + mul(h1, r0) + mul(h2, f4) + mul(h3, f3) + mul(h4, f2);
            std::uint64_t d2 = mul(h0, r2) + mul(h1, r1) + mul(h2, r0) + mul(h3, f4) + mul(h4, f3);
            std::uint64_t d3 = mul(h0, r3) + mul(h1, r2) + mul(h2, r1) + mul(h3, r0) + mul(h4, f4);
            std::uint64_t d4 = mul(h0, r4) + mul(h1, r3) + mul(h2, r2) + mul(h3, r1) + mul(h4, r0);

            // Partial reduction: carry limb to limb, fold the carry out of limb 4 back times 5.
            d1 += d0 >> 26;
            d2 += d1 >> 26;
            d3 += d2 >> 26;
            d4 += d3 >> 26;
            const std::uint64_t t = (d0 & mask26) + (d4 >> 26) * 5;
            h0 = static_cast<std::uint32_t>(t) & mask26;
            h1 = static_cast<std::uint32_t>((d1 & mask26) + (t >> 26));
            h2 = static_cast<std::uint32_t>(d2) & mask26;
            h3 = static_cast<std::uint32_t>(d3) & mask26;
            h4 = static_cast<std::uint32_t>(d4) & mask26;
        }
        h[0] = h0;
        h[1] = h1;
        h[2] = h2;
        h[3] = h3;
        h[4] = h4;
    }

    void finish(std::uint8_t* tag) noexcept {
        // Repack h into 32-bit words by weight (h1 may exceed 26 bits slightly; the sums carry it).
        std::uint64_t t = h[0] + (std::uint64_t{h[1]} << 26);
        std::uint32_t w[5];
        w[0] = static_cast<std::uint32_t>(t);
        t >>= 32;
        t += std::uint64_t{h[2]} << 20;
        w[1] = static_cast<std::uint32_t>(t);
        t >>= 32;
        t += std::uint64_t{h[3]} << 14;
        w[2] = static_cast<std::uint32_t>(t);
        t >>= 32;
        t += std::uint64_t{h[4]} << 8;
        w[3] = static_cast<std::uint32_t>(t);
        t >>= 32;
        w[4] = static_cast<std::uint32_t>(t);

        // h < 2p, so h mod p is h or h - p; h >= p exactly when h + 5 reaches 2^130. Select
        // with a mask, and since only 128 bits are kept, h - p and h + 5 agree there.
        std::uint32_t g[5];
        t = 5;
        for (int i = 0; i < 5; ++i) {
            t += w[i];
            g[i] = static_cast<std::uint32_t>(t);
            t >>= 32;
        }
        const std::uint32_t use_g = 0u - ((g[4] >> 2) & 1u);

        // tag = (h mod p + s) mod 2^128 (§2.5).
        t = 0;
        for (int i = 0; i < 4; ++i) {
            t += std::uint64_t{(w[i] & ~use_g) | (g[i] & use_g)} + s[i];
            store32_le(tag + 4 * i, static_cast<std::uint32_t>(t));
            t >>= 32;
        }
        secure_wipe(w, sizeof w);
        secure_wipe(g, sizeof g);
    }
};

/// Accumulator h, clamped r and s in radix 2^44 (limbs of 44, 44 and 42 bits). Products are
/// 64x64->128, so this is the backend for 64-bit CPUs.
struct limbs44 {
    static constexpr std::uint64_t mask44 = 0xfffffffffffull;
    static constexpr std::uint64_t mask42 = 0x3ffffffffffull;
    static constexpr std::uint64_t full_block_bit = std::uint64_t{1} << 40;  // 2^128 from limb 2 (2^88)

    std::uint64_t r[3];
    std::uint64_t rr[3];  // r^2 mod p, partially reduced: two blocks per step in blocks()
    std::uint64_t h[3];
    std::uint64_t s[2];

    // d = a * b mod p before carrying, for limbs a < 2^46 and b < 2^45 (so 20 b < 2^50):
    // products of limbs i + j >= 3 land at 2^132 or higher, and 2^132 = 4 * 2^130 = 20 (mod p).
    // Each product is below 2^96, so two calls on one d (two blocks) stay below 2^98.
    static constexpr void mul_acc(u128 (&d)[3], std::uint64_t a0, std::uint64_t a1, std::uint64_t a2,
                                  std::uint64_t b0, std::uint64_t b1, std::uint64_t b2) noexcept {
        const std::uint64_t f1 = b1 * 20, f2 = b2 * 20;
        d[0] += u128::mul(a0, b0);
        d[0] += u128::mul(a1, f2);
        d[0] += u128::mul(a2, f1);
        d[1] += u128::mul(a0, b1);
        d[1] += u128::mul(a1, b0);
        d[1] += u128::mul(a2, f2);
        d[2] += u128::mul(a0, b2);
        d[2] += u128::mul(a1, b1);
        d[2] += u128::mul(a2, b0);
    }

    // Partial reduction of d (each below 2^100) to limbs below 2^44, 2^44 + 2^20, 2^42.
    static constexpr void carry(const u128 (&d)[3], std::uint64_t& h0, std::uint64_t& h1,
                                std::uint64_t& h2) noexcept {
        u128 d1 = d[1], d2 = d[2];
        d1 += d[0].shr(44);
        d2 += d1.shr(44);
        const std::uint64_t t = (d[0].low() & mask44) + d2.shr(42) * 5;  // 2^130 = 5 (mod p)
        h0 = t & mask44;
        h1 = (d1.low() & mask44) + (t >> 44);
        h2 = d2.low() & mask42;
    }

    void set_key(const std::uint8_t* key) noexcept {
        const std::uint64_t lo = load64_le(key) & 0x0ffffffc0fffffffull;  // clamp (§2.5)
        const std::uint64_t hi = load64_le(key + 8) & 0x0ffffffc0ffffffcull;
        r[0] = lo & mask44;
        r[1] = ((lo >> 44) | (hi << 20)) & mask44;
        r[2] = hi >> 24;
        u128 d[3] = {};
        mul_acc(d, r[0], r[1], r[2], r[0], r[1], r[2]);
        carry(d, rr[0], rr[1], rr[2]);
        h[0] = h[1] = h[2] = 0;
        s[0] = load64_le(key + 16);
        s[1] = load64_le(key + 24);
    }

    void blocks(const std::uint8_t* m, std::size_t count, std::uint64_t hibit) noexcept {
        const std::uint64_t r0 = r[0], r1 = r[1], r2 = r[2];
        std::uint64_t h0 = h[0], h1 = h[1], h2 = h[2];
        // Two blocks per step, h = (h + m1) r^2 + m2 r (mod p): the products of the second block
        // do not wait for h, and one carry chain serves both blocks.
        if (count >= 2) {
            const std::uint64_t q0 = rr[0], q1 = rr[1], q2 = rr[2];
            for (; count >= 2; count -= 2, m += 2 * poly1305_block_size) {
                const std::uint64_t a0 = load64_le(m), a1 = load64_le(m + 8);
                const std::uint64_t b0 = load64_le(m + 16), b1 = load64_le(m + 24);
                // h limbs < 2^44 + 2^20 before the addition, so below 2^46 after it.
                h0 += a0 & mask44;
                h1 += ((a0 >> 44) | (a1 << 20)) & mask44;
                h2 += (a1 >> 24) | hibit;
                u128 d[3] = {};
                mul_acc(d, h0, h1, h2, q0, q1, q2);
                mul_acc(d, b0 & mask44, ((b0 >> 44) | (b1 << 20)) & mask44, (b1 >> 24) | hibit, r0, r1, r2);
                carry(d, h0, h1, h2);
            }
        }
        for (; count > 0; --count, m += poly1305_block_size) {
            const std::uint64_t t0 = load64_le(m), t1 = load64_le(m + 8);
            h0 += t0 & mask44;
            h1 += ((t0 >> 44) | (t1 << 20)) & mask44;
            h2 += (t1 >> 24) | hibit;
            u128 d[3] = {};
            mul_acc(d, h0, h1, h2, r0, r1, r2);
            carry(d, h0, h1, h2);
        }
        h[0] = h0;
        h[1] = h1;
        h[2] = h2;
    }

    void finish(std::uint8_t* tag) noexcept {
        // Repack h (h1 may exceed 44 bits slightly) into 64-bit words w0, w1 and the bits from 128 up.
        const std::uint64_t w0 = h[0] + (h[1] << 44);  // h0 < 2^44: no carry out of this sum
        const std::uint64_t a = h[1] >> 20, b = h[2] << 24;
        const std::uint64_t w1 = a + b;
        const std::uint64_t w2 = (h[2] >> 40) + carry_of_add(a, b, w1);

        // Select h or h + 5 (= h - p mod 2^128) by bit 130 of h + 5, as in limbs26::finish.
        const std::uint64_t g0 = w0 + 5;
        const std::uint64_t c0 = carry_of_add(w0, 5, g0);
        const std::uint64_t g1 = w1 + c0;
        const std::uint64_t c1 = carry_of_add(w1, c0, g1);
        const std::uint64_t g2 = w2 + c1;
        const std::uint64_t use_g = 0 - ((g2 >> 2) & 1);
        const std::uint64_t f0 = (w0 & ~use_g) | (g0 & use_g);
        const std::uint64_t f1 = (w1 & ~use_g) | (g1 & use_g);

        const std::uint64_t t0 = f0 + s[0];
        const std::uint64_t t1 = f1 + s[1] + carry_of_add(f0, s[0], t0);
        store64_le(tag, t0);
        store64_le(tag + 8, t1);
    }
};

}  // namespace poly1305_detail

/// Poly1305 over one backend. Feed the message with update() in pieces of any size, then
/// finish() writes the tag and wipes the state; init() makes the object usable again.
/// A key must authenticate one message only (§2.5): it is a one-time key.
template <class Core>
class basic_poly1305 {
public:
    static constexpr std::size_t key_size = poly1305_key_size;
    static constexpr std::size_t tag_size = poly1305_tag_size;
    static constexpr std::size_t block_size = poly1305_block_size;

    basic_poly1305() noexcept = default;
    explicit basic_poly1305(std::span<const std::uint8_t, key_size> key) noexcept { init(key); }
    basic_poly1305(const basic_poly1305&) noexcept = default;
    basic_poly1305& operator=(const basic_poly1305&) noexcept = default;
    ~basic_poly1305() { secure_wipe_object(*this); }

    void init(std::span<const std::uint8_t, key_size> key) noexcept {
        core_.set_key(key.data());
        buffered_ = 0;
    }

    void update(std::span<const std::uint8_t> data) noexcept {
        const std::uint8_t* p = data.data();
        std::size_t n = data.size();
        if (buffered_ > 0) {
            const std::size_t take = std::min(block_size - buffered_, n);
            std::copy_n(p, take, buffer_ + buffered_);
            buffered_ += take;
            p += take;
            n -= take;
            if (buffered_ < block_size) return;
            core_.blocks(buffer_, 1, Core::full_block_bit);
            buffered_ = 0;
        }
        const std::size_t whole = n / block_size;
        if (whole > 0) {
            core_.blocks(p, whole, Core::full_block_bit);
            p += whole * block_size;
            n -= whole * block_size;
        }
        std::copy_n(p, n, buffer_);
        buffered_ = n;
    }

    /// Feeds zero bytes up to the next multiple of 16 bytes of message, as the AEAD construction
    /// pads the AD and the ciphertext (RFC 8439 §2.8); nothing when already on a boundary.
    void pad_to_block() noexcept {
        if (buffered_ == 0) return;
        std::fill(buffer_ + buffered_, buffer_ + block_size, std::uint8_t{0});
        core_.blocks(buffer_, 1, Core::full_block_bit);
        buffered_ = 0;
    }

    void finish(std::span<std::uint8_t, tag_size> tag) noexcept {
        if (buffered_ > 0) {
            // The short last block gets its 0x01 byte and zero padding here, so no 2^128 bit (§2.5).
            buffer_[buffered_] = 1;
            std::fill(buffer_ + buffered_ + 1, buffer_ + block_size, std::uint8_t{0});
            core_.blocks(buffer_, 1, 0);
        }
        core_.finish(tag.data());
        secure_wipe_object(*this);
    }

    /// One-shot tag of `message` under `key`.
    static void compute(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t> message,
                        std::span<std::uint8_t, tag_size> tag) noexcept {
        basic_poly1305 mac(key);
        mac.update(message);
        mac.finish(tag);
    }

    /// True when `tag` is the tag of `message` under `key`; compares in constant time.
    [[nodiscard]] static bool verify(std::span<const std::uint8_t, key_size> key,
                                     std::span<const std::uint8_t> message,
                                     std::span<const std::uint8_t, tag_size> tag) noexcept {
        std::uint8_t expected[tag_size];
        compute(key, message, expected);
        const bool ok = ct_equal(expected, tag);
        secure_wipe(expected, sizeof expected);
        return ok;
    }

private:
    Core core_{};
    std::uint8_t buffer_[block_size]{};
    std::size_t buffered_ = 0;
};

using poly1305_32 = basic_poly1305<poly1305_detail::limbs26>;
using poly1305_64 = basic_poly1305<poly1305_detail::limbs44>;

#if defined(NEXUS_CRYPTO_32BIT) || !defined(__SIZEOF_INT128__)
using poly1305 = poly1305_32;
#else
using poly1305 = poly1305_64;
#endif

/// One-shot Poly1305 with the selected backend.
inline void poly1305_mac(std::span<const std::uint8_t, poly1305_key_size> key,
                         std::span<const std::uint8_t> message,
                         std::span<std::uint8_t, poly1305_tag_size> tag) noexcept {
    poly1305::compute(key, message, tag);
}

/// Constant-time check of a Poly1305 tag with the selected backend.
[[nodiscard]] inline bool poly1305_verify(std::span<const std::uint8_t, poly1305_key_size> key,
                                          std::span<const std::uint8_t> message,
                                          std::span<const std::uint8_t, poly1305_tag_size> tag) noexcept {
    return poly1305::verify(key, message, tag);
}

}  // namespace nexus::crypto
