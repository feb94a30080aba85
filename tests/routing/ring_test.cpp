// Tests routing/ring.hpp (protocol.md "Routing": ring of size 2^128, ring_distance = min(|a - b|,
// 2^128 - |a - b|)) against independent models: a four-limb 32-bit schoolbook model written here,
// unsigned __int128 where the compiler has it, hand cases (wrap-around, antipodes, symmetry), and
// the Q0.16 normalisation against double precision.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>

#include "nexus/routing/ring.hpp"
#include "support/alloc_counter.hpp"

using nexus::truncated_hash;
using nexus::routing::u128;
namespace routing = nexus::routing;

namespace {

// Independent model 1: 4 x 32-bit little-endian limbs, built straight from the bytes.
using limbs = std::array<std::uint32_t, 4>;

limbs limbs_of(const truncated_hash& a) {
    limbs r{};
    for (int i = 0; i < 4; ++i) {
        const int base = 12 - 4 * i;  // limb i holds bytes [base, base + 4), big-endian
        r[static_cast<std::size_t>(i)] = (std::uint32_t{a[static_cast<std::size_t>(base)]} << 24) |
                                         (std::uint32_t{a[static_cast<std::size_t>(base + 1)]} << 16) |
                                         (std::uint32_t{a[static_cast<std::size_t>(base + 2)]} << 8) |
                                         std::uint32_t{a[static_cast<std::size_t>(base + 3)]};
    }
    return r;
}

bool limbs_less(const limbs& a, const limbs& b) {
    for (int i = 3; i >= 0; --i) {
        const auto k = static_cast<std::size_t>(i);
        if (a[k] != b[k]) return a[k] < b[k];
    }
    return false;
}

limbs limbs_sub(const limbs& a, const limbs& b) {  // a - b, requires a >= b
    limbs r{};
    std::int64_t borrow = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        std::int64_t d = std::int64_t{a[i]} - std::int64_t{b[i]} - borrow;
        borrow = d < 0 ? 1 : 0;
        if (d < 0) d += std::int64_t{1} << 32;
        r[i] = static_cast<std::uint32_t>(d);
    }
    return r;
}

// 2^128 - x for x != 0, as (2^128 - 1 - x) + 1.
limbs limbs_complement(const limbs& x) {
    limbs r{};
    std::uint64_t carry = 1;
    for (std::size_t i = 0; i < 4; ++i) {
        const std::uint64_t v = std::uint64_t{~x[i]} + carry;
        r[i] = static_cast<std::uint32_t>(v);
        carry = v >> 32;
    }
    return r;
}

limbs model_distance(const truncated_hash& a, const truncated_hash& b) {
    const limbs x = limbs_of(a), y = limbs_of(b);
    const limbs abs = limbs_less(x, y) ? limbs_sub(y, x) : limbs_sub(x, y);
    if (abs == limbs{}) return abs;
    const limbs other = limbs_complement(abs);
    return limbs_less(other, abs) ? other : abs;
}

limbs limbs_of(const u128& v) {
    return {static_cast<std::uint32_t>(v.lo), static_cast<std::uint32_t>(v.lo >> 32),
            static_cast<std::uint32_t>(v.hi), static_cast<std::uint32_t>(v.hi >> 32)};
}

truncated_hash addr_of(std::uint64_t hi, std::uint64_t lo) {
    truncated_hash a{};
    for (int i = 0; i < 8; ++i) {
        a[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        a[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    return a;
}

truncated_hash random_addr(std::mt19937_64& rng) { return addr_of(rng(), rng()); }

double to_double(const u128& v) {
    return std::ldexp(static_cast<double>(v.hi), 64) + static_cast<double>(v.lo);
}

}  // namespace

TEST_CASE("ring: addresses are big-endian 128-bit integers") {
    truncated_hash a{};
    a[15] = 1;
    CHECK(u128::from_address(a) == u128{0, 1});
    a = {};
    a[0] = 0x80;
    CHECK(u128::from_address(a) == u128{0x8000000000000000ull, 0});
    a = addr_of(0x0123456789abcdefull, 0xfedcba9876543210ull);
    CHECK(a[0] == 0x01);
    CHECK(a[15] == 0x10);
    CHECK(u128::from_address(a) == u128{0x0123456789abcdefull, 0xfedcba9876543210ull});
}

TEST_CASE("ring: hand cases") {
    const auto d = [](std::uint64_t ahi, std::uint64_t alo, std::uint64_t bhi, std::uint64_t blo) {
        return routing::ring_distance(addr_of(ahi, alo), addr_of(bhi, blo));
    };
    constexpr std::uint64_t m = ~std::uint64_t{0};
    constexpr std::uint64_t top = std::uint64_t{1} << 63;
    CHECK(d(0, 0, 0, 0) == u128{0, 0});
    CHECK(d(0, 0, 0, 1) == u128{0, 1});
    CHECK(d(0, 1, 0, 0) == u128{0, 1});
    // Wrap-around: 0 and 2^128 - 1 are neighbours.
    CHECK(d(0, 0, m, m) == u128{0, 1});
    CHECK(d(m, m, 0, 5) == u128{0, 6});
    // Borrow across the limbs: 2^64 - (2^64 - 1) = 1.
    CHECK(d(1, 0, 0, m) == u128{0, 1});
    // Antipodes: 2^127 apart either way, the largest distance.
    CHECK(d(0, 0, top, 0) == routing::max_ring_distance);
    CHECK(d(top, 7, 0, 7) == routing::max_ring_distance);
    CHECK(d(m, m, top - 1, m) == routing::max_ring_distance);
    // One past the antipode is one closer the other way round.
    CHECK(d(0, 0, top, 1) == u128{top - 1, m});
    CHECK(d(0, 1, top, 0) == u128{top - 1, m});
    static_assert(routing::ring_distance(u128{0, 0}, u128{~0ull, ~0ull}) == u128{0, 1});
}

TEST_CASE("ring: random pairs against the 32-bit limb model and __int128") {
    std::mt19937_64 rng(0x5249'4e47);
    for (int i = 0; i < 20000; ++i) {
        truncated_hash a = random_addr(rng), b = random_addr(rng);
        if (i % 4 == 1) {  // near each other, possibly across zero
            b = a;
            b[15] = static_cast<std::uint8_t>(b[15] + rng() % 7);
            b[14] = static_cast<std::uint8_t>(b[14] - rng() % 3);
        } else if (i % 4 == 2) {  // near the antipode
            b = a;
            b[0] = static_cast<std::uint8_t>(b[0] ^ 0x80);
            b[15] = static_cast<std::uint8_t>(b[15] + (rng() % 5) - 2);
        }
        const u128 d = routing::ring_distance(a, b);
        CHECK(limbs_of(d) == model_distance(a, b));
        CHECK(d == routing::ring_distance(b, a));
        CHECK(d <= routing::max_ring_distance);
#if defined(__SIZEOF_INT128__)
        __extension__ typedef unsigned __int128 n128;
        const auto val = [](const truncated_hash& h) {
            n128 v = 0;
            for (auto byte : h) v = (v << 8) | byte;
            return v;
        };
        const n128 x = val(a), y = val(b);
        const n128 abs = x > y ? x - y : y - x;
        const n128 other = static_cast<n128>(0) - abs;  // 2^128 - |a - b| (0 when abs is 0)
        const n128 want = abs == 0 ? 0 : (abs < other ? abs : other);
        CHECK(d.hi == static_cast<std::uint64_t>(want >> 64));
        CHECK(d.lo == static_cast<std::uint64_t>(want));
#endif
    }
}

TEST_CASE("ring: Q0.16 normalisation against double precision") {
    CHECK(routing::ring_fraction_q16(u128{}) == 0);
    CHECK(routing::ring_fraction_q16(routing::max_ring_distance) == 65535);
    CHECK(routing::ring_fraction_q16(u128{std::uint64_t{1} << 62, 0}) == 32768);  // 32767.5 rounds up
    CHECK(routing::norm_q16(std::uint64_t{5}, std::uint64_t{0}) == 0);
    CHECK(routing::norm_q16(std::uint64_t{9}, std::uint64_t{3}) == 65535);  // clamps
    CHECK(routing::norm_q16(std::uint64_t{1}, std::uint64_t{3}) == 21845);
    CHECK(routing::norm_q16(std::uint64_t{2}, std::uint64_t{3}) == 43690);

    std::mt19937_64 rng(99);
    int exact = 0, total = 0;
    for (int i = 0; i < 50000; ++i) {
        const unsigned bits = 1 + static_cast<unsigned>(rng() % 128);
        u128 max{rng(), rng()};
        max = max.shr(128 - bits);
        if (max == u128{}) continue;
        u128 v{rng(), rng()};
        v = v.shr(128 - bits);
        if (v > max) std::swap(v, max);
        const std::uint32_t q = routing::norm_q16(v, max);
        const double want = 65535.0 * to_double(v) / to_double(max);
        CHECK(std::fabs(static_cast<double>(q) - want) <= 0.5 + 1e-3);
        ++total;
        if (static_cast<double>(q) == std::floor(want + 0.5)) ++exact;
    }
    // Off by one only where the true value sits within ~2^-15 of a half.
    CHECK(exact >= total - total / 1000);
}

TEST_CASE("ring: no allocation") {
    const truncated_hash a = addr_of(1ull << 60, 2), b = addr_of(3ull << 60, 4);
    u128 d{};
    std::uint32_t q = 0;
    NEXUS_CHECK_NO_ALLOC(d = routing::ring_distance(a, b));
    NEXUS_CHECK_NO_ALLOC(q = routing::ring_fraction_q16(d));
    CHECK(q > 0);
}
