// Tests core/bytes.hpp and core/endian.hpp: every width, both byte orders, bounds.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>

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
