// Tests core/bytes.hpp, core/endian.hpp and core/byte_order.hpp: every width, both byte orders,
// bounds, and the byte-wise order of arrays against memcmp and std::less.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/bytes.hpp"
#include "support/alloc_counter.hpp"

using namespace nexus;

TEST_CASE("endian loads match the arithmetic definition of each byte order") {
    const std::array<std::uint8_t, 8> b{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    CHECK(load16_be(b.data()) == 0x0123);
    CHECK(load16_le(b.data()) == 0x2301);
    CHECK(load32_be(b.data()) == 0x01234567u);
    CHECK(load32_le(b.data()) == 0x67452301u);
    CHECK(load64_be(b.data()) == 0x0123456789abcdefULL);
    CHECK(load64_le(b.data()) == 0xefcdab8967452301ULL);
    // Independent of host order: value = Σ byte_i · 256^i for little-endian.
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v * 256 + b[static_cast<std::size_t>(i)];
    CHECK(load64_le(b.data()) == v);
}

TEST_CASE("endian stores invert loads for every width") {
    std::array<std::uint8_t, 8> b{};
    store16_le(b.data(), 0xbeef);
    CHECK(b[0] == 0xef);
    CHECK(load16_le(b.data()) == 0xbeef);
    store16_be(b.data(), 0xbeef);
    CHECK(b[0] == 0xbe);
    store32_be(b.data(), 0xdeadbeefu);
    CHECK(b[0] == 0xde);
    CHECK(b[3] == 0xef);
    CHECK(load32_be(b.data()) == 0xdeadbeefu);
    store32_le(b.data(), 0xdeadbeefu);
    CHECK(load32_le(b.data()) == 0xdeadbeefu);
    store64_be(b.data(), 0x1122334455667788ULL);
    CHECK(b[0] == 0x11);
    CHECK(b[7] == 0x88);
    store64_le(b.data(), 0x1122334455667788ULL);
    CHECK(b[0] == 0x88);
    CHECK(load64_le(b.data()) == 0x1122334455667788ULL);
    CHECK(rotl32(0x80000001u, 1) == 0x00000003u);
    CHECK(rotr32(0x00000003u, 1) == 0x80000001u);
    CHECK(rotr64(1, 1) == 0x8000000000000000ULL);
}

TEST_CASE("byte_writer then byte_reader round-trips mixed fields") {
    std::array<std::uint8_t, 32> buf{};
    byte_writer w(buf);
    NEXUS_CHECK_NO_ALLOC({
        REQUIRE(w.u8(0xaa));
        REQUIRE(w.u16_le(0x1234));
        REQUIRE(w.u16_be(0x1234));
        REQUIRE(w.u32_le(0xa1b2c3d4u));
        REQUIRE(w.u32_be(0xa1b2c3d4u));
        REQUIRE(w.u64_le(0x0102030405060708ULL));
        const std::array<std::uint8_t, 3> tail{7, 8, 9};
        REQUIRE(w.bytes(tail));
    });
    CHECK(w.size() == 1 + 2 + 2 + 4 + 4 + 8 + 3);
    CHECK(buf[1] == 0x34);
    CHECK(buf[3] == 0x12);

    byte_reader r(w.written());
    CHECK(*r.u8() == 0xaa);
    CHECK(*r.u16_le() == 0x1234);
    CHECK(*r.u16_be() == 0x1234);
    CHECK(*r.u32_le() == 0xa1b2c3d4u);
    CHECK(*r.u32_be() == 0xa1b2c3d4u);
    CHECK(*r.u64_le() == 0x0102030405060708ULL);
    auto tail = r.bytes(3);
    REQUIRE(tail);
    CHECK((*tail)[2] == 9);
    CHECK(r.empty());
}

TEST_CASE("a short read fails with truncated and leaves the cursor in place") {
    const std::array<std::uint8_t, 3> data{1, 2, 3};
    byte_reader r(data);
    CHECK(*r.u8() == 1);
    auto v = r.u32_be();
    REQUIRE_FALSE(v);
    CHECK(v.error() == error::truncated);
    CHECK(r.position() == 1);
    CHECK_FALSE(r.u64_le());
    CHECK_FALSE(r.bytes(3));
    CHECK_FALSE(r.skip(3));
    std::array<std::uint8_t, 4> out{};
    CHECK(r.copy_to(out).error() == error::truncated);
    CHECK(*r.u16_be() == 0x0203);
    CHECK(r.u8().error() == error::truncated);
    CHECK(r.take_rest().empty());
}

TEST_CASE("a write past the end fails with buffer_too_small and writes nothing") {
    std::array<std::uint8_t, 5> buf{};
    byte_writer w(buf);
    REQUIRE(w.u32_le(0xffffffffu));
    auto e = w.u16_le(0x1111);
    REQUIRE_FALSE(e);
    CHECK(e.error() == error::buffer_too_small);
    CHECK(buf[4] == 0);
    CHECK(w.size() == 4);
    CHECK_FALSE(w.u64_be(1));
    CHECK_FALSE(w.fill(0, 2));
    REQUIRE(w.fill(0x55, 1));
    CHECK(buf[4] == 0x55);
    CHECK(w.u8(1).error() == error::buffer_too_small);
    byte_writer empty({});
    CHECK_FALSE(empty.u8(0));
}

namespace {

int sign(int v) { return (v > 0) - (v < 0); }

// compare_bytes against memcmp and bytes_less against std::less on arrays of size N: random pairs
// that differ in one byte (every position, values either side of each other, including 0x00/0xFF
// and the high bit), equal pairs, and fully random pairs.
template <std::size_t N>
void check_order(std::mt19937_64& g) {
    using arr = std::array<std::uint8_t, N>;
    auto random_arr = [&] {
        arr a{};
        for (auto& b : a) b = static_cast<std::uint8_t>(g());
        return a;
    };
    for (int round = 0; round < 100; ++round) {
        const arr a = random_arr();
        CHECK(compare_bytes(a, a) == 0);
        CHECK_FALSE(bytes_less{}(a, a));
        for (std::size_t at = 0; at < N; ++at)
            for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0x7F}, std::uint8_t{0x80}, std::uint8_t{0xFF},
                                   static_cast<std::uint8_t>(g())}) {
                arr b = a;
                b[at] = v;
                CHECK(sign(compare_bytes(a, b)) == sign(std::memcmp(a.data(), b.data(), N)));
                CHECK(bytes_less{}(a, b) == std::less<arr>{}(a, b));
                CHECK(bytes_less{}(b, a) == std::less<arr>{}(b, a));
            }
        const arr c = random_arr();
        CHECK(sign(compare_bytes(a, c)) == sign(std::memcmp(a.data(), c.data(), N)));
    }
    // Sorting with either order gives the same sequence.
    std::vector<arr> v(300);
    for (auto& x : v) x = random_arr();
    for (std::size_t i = 0; i < 40; ++i) v[i][0] = 0x42;  // shared first bytes: later words decide
    auto w = v;
    std::sort(v.begin(), v.end(), bytes_less{});
    std::sort(w.begin(), w.end(), std::less<arr>{});
    CHECK(v == w);
}

}  // namespace

TEST_CASE("compare_bytes orders byte arrays exactly as memcmp and std::less do") {
    std::mt19937_64 g(0x0b7e);
    check_order<1>(g);
    check_order<7>(g);
    check_order<8>(g);
    check_order<10>(g);   // name hash
    check_order<16>(g);   // truncated hash
    check_order<32>(g);   // full hash, key
    static_assert(compare_bytes(std::array<std::uint8_t, 3>{1, 2, 3}, std::array<std::uint8_t, 3>{1, 2, 4}) < 0);
    static_assert(bytes_less{}(std::array<std::uint8_t, 9>{0, 0, 0, 0, 0, 0, 0, 0, 1},
                               std::array<std::uint8_t, 9>{0, 0, 0, 0, 0, 0, 0, 1, 0}));
}
