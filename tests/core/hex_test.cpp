// Tests core/hex.hpp against RFC 4648 §10 (base16 examples) and round trips.
#include <doctest/doctest.h>

#include <array>
#include <string_view>

#include "nexus/core/hex.hpp"
#include "support/alloc_counter.hpp"

using namespace nexus;

TEST_CASE("hex_encode matches RFC 4648 section 10 base16 examples (lower-cased)") {
    const std::string_view inputs[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const std::string_view expect[] = {"", "66", "666f", "666f6f", "666f6f62", "666f6f6261", "666f6f626172"};
    for (std::size_t i = 0; i < 7; ++i) {
        std::array<char, 16> out{};
        auto in = std::span(reinterpret_cast<const std::uint8_t*>(inputs[i].data()), inputs[i].size());
        auto n = hex_encode(in, out);
        REQUIRE(n);
        CHECK(std::string_view(out.data(), *n) == expect[i]);
    }
}

TEST_CASE("hex_decode accepts both cases and round-trips every byte value") {
    std::array<std::uint8_t, 256> all{};
    for (std::size_t i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
    std::array<char, 512> text{};
    std::array<std::uint8_t, 256> back{};
    NEXUS_CHECK_NO_ALLOC({
        REQUIRE(hex_encode(all, text));
        auto n = hex_decode(std::string_view(text.data(), text.size()), back);
        REQUIRE(n);
        CHECK(*n == 256);
    });
    CHECK(back == all);
    std::array<std::uint8_t, 2> two{};
    REQUIRE(hex_decode("DEad", two));
    CHECK(two[0] == 0xde);
    CHECK(two[1] == 0xad);
}

TEST_CASE("hex errors: odd length, bad digits, short buffers; output untouched") {
    std::array<std::uint8_t, 4> out{9, 9, 9, 9};
    CHECK(hex_decode("abc", out).error() == error::bad_encoding);
    CHECK(hex_decode("zz", out).error() == error::bad_encoding);
    CHECK(hex_decode("00g0", out).error() == error::bad_encoding);
    CHECK(hex_decode("0102030405", out).error() == error::buffer_too_small);
    CHECK(out[0] == 9);
    std::array<char, 3> small{};
    const std::array<std::uint8_t, 2> two{1, 2};
    CHECK(hex_encode(two, small).error() == error::buffer_too_small);
}
