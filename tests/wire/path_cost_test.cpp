// Tests wire/path_cost.hpp (protocol.md "CompactPathCost"): the integer log codes against two
// independent models — exact big-integer arithmetic (round(k * log2 v) = floor(bitlen(v^(2k)) / 2),
// since v^(2k) is never exactly the power of two at a rounding boundary) and double precision —
// over every code boundary and many random values; the decoded values; the 6-byte layout written
// out by hand; and the relay update.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "nexus/wire/path_cost.hpp"
#include "support/alloc_counter.hpp"
#include "support/vectors.hpp"

using nexus::error;
using nexus::test::bytes;
using nexus::test::to_hex;
namespace wire = nexus::wire;

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// Little-endian 32-bit limbs; just enough arithmetic for powers and bit lengths.
using big = std::vector<std::uint32_t>;

big big_from(std::uint64_t lo, std::uint64_t hi = 0) {
    return {static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(lo >> 32),
            static_cast<std::uint32_t>(hi), static_cast<std::uint32_t>(hi >> 32)};
}

big big_mul(const big& a, const big& b) {
    big r(a.size() + b.size(), 0);
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::uint64_t carry = 0;
        for (std::size_t j = 0; j < b.size(); ++j) {
            const std::uint64_t t = std::uint64_t{a[i]} * b[j] + r[i + j] + carry;
            r[i + j] = static_cast<std::uint32_t>(t);
            carry = t >> 32;
        }
        r[i + b.size()] = static_cast<std::uint32_t>(carry);
    }
    while (r.size() > 1 && r.back() == 0) r.pop_back();
    return r;
}

std::size_t bitlen(const big& a) {
    for (std::size_t i = a.size(); i-- > 0;)
        if (a[i] != 0) return 32 * i + static_cast<std::size_t>(32 - __builtin_clz(a[i]));
    return 0;
}

// 2m + d for d = -1 or +1, m up to 2^64 - 1.
big big_twice_plus(std::uint64_t m, int d) {
    std::uint64_t lo = m << 1, hi = m >> 63;
    if (d < 0) {
        if (lo == 0) --hi;
        --lo;
    } else {
        ++lo;  // lo is even, no carry
    }
    return big_from(lo, hi);
}

// a^(2^k)
big big_pow2k(big a, int k) {
    while (a.size() > 1 && a.back() == 0) a.pop_back();
    for (int i = 0; i < k; ++i) a = big_mul(a, a);
    return a;
}

// v = hi * 2^64 + lo; exact round(16 * log2 v) and round(8 * log2 v).
std::uint32_t exact_cost_code(std::uint64_t cost) {
    const big v = cost == u64_max ? big_from(0, 1) : big_from(cost + 1);
    return static_cast<std::uint32_t>(bitlen(big_pow2k(v, 5)) / 2);
}
std::uint32_t exact_bw_code(std::uint64_t bps) {
    if (bps == 0) return 0;
    const std::uint32_t c = static_cast<std::uint32_t>(bitlen(big_pow2k(big_from(bps), 4)) / 2);
    return c > 255 ? 255 : c;
}

std::int64_t double_cost_code(std::uint64_t cost) {
    return std::llround(16.0 * std::log2(static_cast<double>(cost) + 1.0));
}
std::int64_t double_bw_code(std::uint64_t bps) {
    if (bps == 0) return 0;
    return std::min<std::int64_t>(255, std::llround(8.0 * std::log2(static_cast<double>(bps))));
}

// Smallest cost whose exact code is >= c (c >= 1).
std::uint64_t first_cost_with_code(std::uint32_t c) {
    std::uint64_t lo = 0, hi = u64_max;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (exact_cost_code(mid) >= c) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}
std::uint64_t first_bps_with_code(std::uint32_t c) {
    std::uint64_t lo = 0, hi = u64_max;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (exact_bw_code(mid) >= c) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

}  // namespace

TEST_CASE("path_cost: the exact model agrees with hand-computed codes") {
    // 16 * log2(1) = 0, log2(2) = 1, 16 * log2(3) = 25.36, 16 * log2(101) = 106.53.
    CHECK(exact_cost_code(0) == 0);
    CHECK(exact_cost_code(1) == 16);
    CHECK(exact_cost_code(2) == 25);
    CHECK(exact_cost_code(100) == 107);
    CHECK(exact_cost_code(u64_max) == 1024);
    // 8 * log2(9600) = 105.83, 8 * log2(115200) = 134.51.
    CHECK(exact_bw_code(9600) == 106);
    CHECK(exact_bw_code(115200) == 135);
}

TEST_CASE("path_cost: threshold and mantissa tables are exact") {
    namespace d = wire::path_cost_detail;
    // cost: t = ceil(2^(63 + (2k-1)/32))  <=>  (t-1)^32 < 2^(2016+2k-1) <= t^32.
    for (std::size_t k = 1; k <= 16; ++k) {
        const std::uint64_t t = d::cost_thresholds[k - 1];
        const std::size_t n = 2016 + 2 * k - 1;
        CHECK(bitlen(big_pow2k(big_from(t), 5)) > n);
        CHECK(bitlen(big_pow2k(big_from(t - 1), 5)) <= n);
    }
    for (std::size_t k = 1; k <= 8; ++k) {
        const std::uint64_t t = d::bandwidth_thresholds[k - 1];
        const std::size_t n = 1008 + 2 * k - 1;
        CHECK(bitlen(big_pow2k(big_from(t), 4)) > n);
        CHECK(bitlen(big_pow2k(big_from(t - 1), 4)) <= n);
    }
    // m = floor(2^(63 + k/16))  <=>  m^16 <= 2^(1008+k) < (m+1)^16; the round-up bit says whether
    // 2^(63 + k/16) >= m + 1/2  <=>  (2m+1)^16 <= 2^(1024+k).
    for (std::size_t k = 0; k < 16; ++k) {
        const std::uint64_t m = d::mantissas[k];
        CAPTURE(k);
        CHECK(bitlen(big_pow2k(big_from(m), 4)) <= 1008 + k + (k == 0 ? 1 : 0));
        CHECK(bitlen(big_pow2k(big_from(m + 1), 4)) > 1008 + k);
        const bool up = bitlen(big_pow2k(big_twice_plus(m, +1), 4)) <= 1024 + k;
        CHECK(((d::mantissa_round_up >> k) & 1) == (up ? 1 : 0));
    }
}

TEST_CASE("path_cost: encode_cost equals round(16 log2(cost + 1)) at every code boundary") {
    for (std::uint32_t c = 1; c <= 1024; ++c) {
        const std::uint64_t first = first_cost_with_code(c);
        CAPTURE(c);
        CAPTURE(first);
        CHECK(wire::encode_cost(first) == exact_cost_code(first));
        CHECK(wire::encode_cost(first - 1) == exact_cost_code(first - 1));
        if (first + 1 != 0) CHECK(wire::encode_cost(first + 1) == exact_cost_code(first + 1));
        if (first < (std::uint64_t{1} << 40)) {
            // Doubles are accurate to far less than one step of the code here.
            CHECK(wire::encode_cost(first) == double_cost_code(first));
            CHECK(wire::encode_cost(first - 1) == double_cost_code(first - 1));
        }
    }
}

TEST_CASE("path_cost: encode_cost against both models on small and random values") {
    for (std::uint64_t x = 0; x < 70000; ++x) {
        REQUIRE(wire::encode_cost(x) == double_cost_code(x));
    }
    for (std::uint64_t x = 0; x < 3000; ++x) REQUIRE(wire::encode_cost(x) == exact_cost_code(x));
    std::mt19937_64 rng(0xc057u);
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t x = rng() >> (rng() % 64);
        CAPTURE(x);
        REQUIRE(wire::encode_cost(x) == exact_cost_code(x));
        // Away from a rounding boundary the double model is exact enough even at 64 bits.
        const double real = 16.0 * std::log2(static_cast<double>(x) + 1.0);
        if (std::abs(real - std::floor(real) - 0.5) > 1e-6)
            REQUIRE(wire::encode_cost(x) == double_cost_code(x));
    }
    CHECK(wire::encode_cost(u64_max) == 1024);
    CHECK(wire::encode_cost(u64_max - 1) == 1024);
    static_assert(wire::encode_cost(0) == 0 && wire::encode_cost(1) == 16 && wire::encode_cost(100) == 107);
}

TEST_CASE("path_cost: encode_bandwidth equals round(8 log2 bps), saturating at 255") {
    for (std::uint32_t c = 1; c <= 255; ++c) {
        const std::uint64_t first = first_bps_with_code(c);
        CAPTURE(c);
        CHECK(wire::encode_bandwidth(first) == exact_bw_code(first));
        CHECK(wire::encode_bandwidth(first - 1) == exact_bw_code(first - 1));
        CHECK(wire::encode_bandwidth(first) == double_bw_code(first));
        CHECK(wire::encode_bandwidth(first - 1) == double_bw_code(first - 1));
    }
    CHECK(first_bps_with_code(255) == 3771522797u);  // ceil(2^(254.5 / 8)), computed by hand
    for (std::uint64_t x = 0; x < 70000; ++x) REQUIRE(wire::encode_bandwidth(x) == double_bw_code(x));
    std::mt19937_64 rng(0xba9du);
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t x = rng() >> (rng() % 64);
        REQUIRE(wire::encode_bandwidth(x) == exact_bw_code(x));
    }
    CHECK(wire::encode_bandwidth(0) == 0);
    CHECK(wire::encode_bandwidth(1) == 0);
    CHECK(wire::encode_bandwidth(2) == 8);
    CHECK(wire::encode_bandwidth(3771522796u) == 254);
    CHECK(wire::encode_bandwidth(3771522797u) == 255);
    CHECK(wire::encode_bandwidth(u64_max) == 255);
}

TEST_CASE("path_cost: decoded values are round(2^(code/16)) - 1 and round(2^(code/8))") {
    for (std::uint32_t c = 0; c < 1024; ++c) {
        const std::uint64_t x = wire::decode_cost(static_cast<std::uint16_t>(c)) + 1;
        CAPTURE(c);
        // x - 1/2 < 2^(c/16) < x + 1/2  <=>  (2x-1)^16 < 2^(c+16) < (2x+1)^16.
        const big lo = big_twice_plus(x, -1);
        const big hi = big_twice_plus(x, +1);
        CHECK(bitlen(big_pow2k(lo, 4)) <= c + 16);
        CHECK(bitlen(big_pow2k(hi, 4)) > c + 16);
        if (c < 16 * 50) CHECK(static_cast<double>(x) == std::round(std::exp2(c / 16.0)));
    }
    for (std::uint32_t c = 1024; c <= 0xFFFF; ++c)
        REQUIRE(wire::decode_cost(static_cast<std::uint16_t>(c)) == u64_max);
    for (std::uint32_t c = 0; c <= 255; ++c) {
        CHECK(static_cast<double>(wire::decode_bandwidth(static_cast<std::uint8_t>(c))) ==
              std::round(std::exp2(c / 8.0)));
    }
    CHECK(wire::decode_bandwidth(0) == 1);
    CHECK(wire::decode_bandwidth(8) == 2);
    CHECK(wire::decode_bandwidth(255) == 3938502376u);  // 2^31.875 = 3,938,502,375.86
}

TEST_CASE("path_cost: every reachable code survives decode then encode") {
    std::uint32_t unreachable = 0, last_unreachable = 0;
    for (std::uint32_t c = 0; c <= 1024; ++c) {
        const bool reachable = c == 0 || exact_cost_code(first_cost_with_code(c)) == c;
        const auto back = wire::encode_cost(wire::decode_cost(static_cast<std::uint16_t>(c)));
        CAPTURE(c);
        if (reachable) {
            CHECK(back == c);
        } else {
            ++unreachable;
            last_unreachable = c;
        }
    }
    CHECK(unreachable == 50);  // 1..15 and 35 more up to 66 (as documented)
    CHECK(last_unreachable == 66);
    for (std::uint32_t c = 0; c <= 255; ++c) {
        const bool reachable = c == 0 || exact_bw_code(first_bps_with_code(c)) == c;
        if (reachable)
            CHECK(wire::encode_bandwidth(wire::decode_bandwidth(static_cast<std::uint8_t>(c))) == c);
    }
    // Codes 1..15 lie between costs 0 and 1.
    CHECK(first_cost_with_code(1) == 1);
    CHECK(first_cost_with_code(16) == 1);
}

TEST_CASE("path_cost: one code step is 2^(1/16) for cost and 2^(1/8) for bandwidth") {
    for (std::uint32_t c = 200; c < 1023; ++c) {
        const double a = static_cast<double>(wire::decode_cost(static_cast<std::uint16_t>(c))) + 1;
        const double b = static_cast<double>(wire::decode_cost(static_cast<std::uint16_t>(c + 1))) + 1;
        CHECK(b / a == doctest::Approx(1.0442737824).epsilon(1e-4));
    }
    for (std::uint32_t c = 120; c < 255; ++c) {
        const double a = static_cast<double>(wire::decode_bandwidth(static_cast<std::uint8_t>(c)));
        const double b = static_cast<double>(wire::decode_bandwidth(static_cast<std::uint8_t>(c + 1)));
        CHECK(b / a == doctest::Approx(1.0905077327).epsilon(1e-4));
    }
}

TEST_CASE("path_cost: 6-byte layout, u16 little-endian") {
    const wire::compact_path_cost c{0x1234, 0xABCD, 0x56, 0x07};
    std::array<std::uint8_t, 6> out{};
    REQUIRE(c.encode(out).value() == 6);
    CHECK(to_hex(out) == "3412cdab5607");
    CHECK(wire::compact_path_cost::decode(out).value() == c);

    std::array<std::uint8_t, 5> small{};
    CHECK(c.encode(small).error() == error::buffer_too_small);
    CHECK(wire::compact_path_cost::decode(std::span(out).first(5)).error() == error::truncated);
    std::array<std::uint8_t, 7> big7{};
    CHECK(wire::compact_path_cost::decode(big7).error() == error::invalid_length);

    // read() leaves the cursor unchanged on failure.
    nexus::byte_reader r{std::span<const std::uint8_t>(out).first(4)};
    CHECK_FALSE(wire::compact_path_cost::read(r));
    CHECK(r.position() == 0);
    NEXUS_CHECK_NO_ALLOC((void)c.encode(out));
    NEXUS_CHECK_NO_ALLOC((void)wire::compact_path_cost::decode(out));
}

TEST_CASE("path_cost: relay update by hand") {
    const auto o = wire::compact_path_cost::origin();
    CHECK(o == wire::compact_path_cost{0, 0, 255, 0});
    // First relay: 100 uNXS/byte (code 107), 20 ms, 9600 bps (code 106).
    const auto a = wire::relay_update(o, {100, 20, 9600});
    CHECK(a == wire::compact_path_cost{107, 20, 106, 1});
    // Second relay: 50 uNXS/byte, 5 ms, 115200 bps. Decoded 107 -> round(2^6.6875) - 1 = 102,
    // + 50 = 152 -> round(16 log2 153) = 116.
    CHECK(wire::decode_cost(107) == 102);
    const auto b = wire::relay_update(a, {50, 5, 115200});
    CHECK(b == wire::compact_path_cost{116, 20, 106, 2});
    // Third relay: free but slow and narrow: latency max, bandwidth min; cost unchanged.
    const auto c = wire::relay_update(b, {0, 700, 300});
    CHECK(c == wire::compact_path_cost{116, 700, 66, 3});  // round(8 log2 300) = round(65.83)
}

TEST_CASE("path_cost: relay update saturates and never lowers the cost") {
    // Latency above 65535 ms, hop count at 255, cost at the finite limit and above it.
    auto x = wire::relay_update({1000, 10, 50, 255}, {u64_max, 100000, 10});
    CHECK(x == wire::compact_path_cost{1024, 0xFFFF, 27, 255});  // round(8 log2 10) = round(26.58)
    x = wire::relay_update({0xFFFF, 0, 0, 3}, {5, 0, u64_max});
    CHECK(x == wire::compact_path_cost{0xFFFF, 0, 0, 4});
    // A free hop leaves every code as it was, even those encode_cost never produces (code 5 lies
    // between costs 0 and 1, code 10 decodes to 1 which encodes to 16).
    for (std::uint32_t c = 0; c <= 0xFFFF; ++c) {
        const wire::compact_path_cost in{static_cast<std::uint16_t>(c), 0, 255, 0};
        REQUIRE(wire::relay_update(in, {0, 0, u64_max}).cumulative_cost == c);
    }
    // A cost of 1 uNXS/byte on top of code 5 (decoded 0) gives code 16.
    CHECK(wire::relay_update({5, 0, 255, 0}, {1, 0, u64_max}).cumulative_cost == 16);

    std::mt19937_64 rng(0x7e1au);
    for (int i = 0; i < 20000; ++i) {
        const wire::compact_path_cost in{static_cast<std::uint16_t>(rng() % 1100),
                                         static_cast<std::uint16_t>(rng()), static_cast<std::uint8_t>(rng()),
                                         static_cast<std::uint8_t>(rng())};
        const wire::hop_metrics own{rng() >> (rng() % 64), static_cast<std::uint32_t>(rng() >> (rng() % 64)),
                                    rng() >> (rng() % 64)};
        const auto out = wire::relay_update(in, own);
        REQUIRE(out.cumulative_cost >= in.cumulative_cost);
        REQUIRE(out.cumulative_cost >= wire::encode_cost(own.cost_per_byte));
        REQUIRE(
            out.worst_latency_ms ==
            std::max<std::uint32_t>(in.worst_latency_ms, std::min<std::uint32_t>(own.latency_ms, 0xFFFF)));
        REQUIRE(out.bottleneck_bps == std::min(in.bottleneck_bps, wire::encode_bandwidth(own.bps)));
        REQUIRE(out.hop_count == std::min(255, in.hop_count + 1));
        // The decoded sum is within one rounding step of the exact sum.
        if (in.cumulative_cost < 1024) {
            const double sum = static_cast<double>(wire::decode_cost(in.cumulative_cost)) +
                               static_cast<double>(own.cost_per_byte);
            const double got = static_cast<double>(wire::decode_cost(out.cumulative_cost));
            if (sum > 1000 && sum < 1e19) CHECK(std::abs(got / sum - 1.0) < 0.023);
        }
    }
}
