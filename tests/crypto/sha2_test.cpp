// Tests of crypto/sha2.hpp: FIPS 180-4 examples, padding boundaries, incremental vs one-shot.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nexus/crypto/sha2.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

// The message of a vector case: literal hex, or `repeat` written `count` times.
bytes case_message(const nlohmann::json& c) {
    if (c.contains("repeat")) {
        const bytes unit = from_hex(c["repeat"].get<std::string>());
        const auto count = c["count"].get<std::size_t>();
        bytes m;
        m.reserve(unit.size() * count);
        for (std::size_t i = 0; i < count; ++i) m.insert(m.end(), unit.begin(), unit.end());
        return m;
    }
    return from_hex(c["msg"].get<std::string>());
}

template <class Hash>
std::string one_shot_hex(std::span<const std::uint8_t> m) {
    std::array<std::uint8_t, Hash::digest_size> out{};
    Hash h;
    h.update(m);
    h.finish(out);
    return to_hex(out);
}

// Feeds m to an incremental hash in pieces whose sizes come from `next_piece`.
template <class Hash, class NextPiece>
std::string chunked_hex(std::span<const std::uint8_t> m, NextPiece next_piece) {
    Hash h;
    std::size_t pos = 0;
    while (pos < m.size()) {
        std::size_t n = next_piece();
        if (n > m.size() - pos) n = m.size() - pos;
        h.update(m.subspan(pos, n));
        pos += n;
    }
    std::array<std::uint8_t, Hash::digest_size> out{};
    h.finish(out);
    return to_hex(out);
}

template <class Hash>
std::string free_function_hex(std::span<const std::uint8_t> m) {
    if constexpr (Hash::digest_size == 32) {
        std::array<std::uint8_t, 32> out{};
        nexus::crypto::sha256_hash(m, out);
        CHECK(nexus::crypto::sha256_hash(m) == out);
        return to_hex(out);
    } else {
        std::array<std::uint8_t, 64> out{};
        nexus::crypto::sha512_hash(m, out);
        CHECK(nexus::crypto::sha512_hash(m) == out);
        return to_hex(out);
    }
}

template <class Hash>
void check_vector(const nlohmann::json& c) {
    const bytes m = case_message(c);
    const auto expected = c["digest"].get<std::string>();
    INFO(c["comment"].get<std::string>());
    CHECK(free_function_hex<Hash>(m) == expected);
    CHECK(one_shot_hex<Hash>(m) == expected);
    CHECK(chunked_hex<Hash>(m, [] { return std::size_t{1000}; }) == expected);
    if (m.size() <= 1024) CHECK(chunked_hex<Hash>(m, [] { return std::size_t{1}; }) == expected);
}

// Split m at every offset into two updates (and an empty update in between): all must agree.
template <class Hash>
void check_every_split(std::span<const std::uint8_t> m) {
    const std::string expected = one_shot_hex<Hash>(m);
    for (std::size_t i = 0; i <= m.size(); ++i) {
        Hash h;
        h.update(m.first(i));
        h.update({});
        h.update(m.subspan(i));
        std::array<std::uint8_t, Hash::digest_size> out{};
        h.finish(out);
        CHECK_MESSAGE(to_hex(out) == expected, "split at ", i);
    }
}

}  // namespace

TEST_CASE("sha2: FIPS 180-4 examples and padding boundaries") {
    const auto doc = nexus::test::load_vectors("sha2.json");
    std::size_t n256 = 0, n512 = 0;
    for (const auto& c : doc["cases"]) {
        const auto alg = c["algorithm"].get<std::string>();
        if (alg == "sha256") {
            check_vector<nexus::crypto::sha256>(c);
            ++n256;
        } else if (alg == "sha512") {
            check_vector<nexus::crypto::sha512>(c);
            ++n512;
        } else {
            FAIL("unknown algorithm " << alg);
        }
    }
    CHECK(n256 >= 5);
    CHECK(n512 >= 5);
}

TEST_CASE("sha2: digests are constant expressions") {
    constexpr std::array<std::uint8_t, 3> abc{'a', 'b', 'c'};
    constexpr auto d256 = nexus::crypto::sha256_hash(abc);
    constexpr auto d512 = nexus::crypto::sha512_hash(abc);
    static_assert(d256[0] == 0xba && d256[31] == 0xad);
    static_assert(d512[0] == 0xdd && d512[63] == 0x9f);
    CHECK(to_hex(d256) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha2: incremental update split at every offset") {
    // 3 SHA-512 blocks (6 SHA-256 blocks) plus a tail, so splits land before, on and after every
    // block and padding boundary.
    bytes m(3 * 128 + 77);
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i * 7 + 3);
    check_every_split<nexus::crypto::sha256>(m);
    check_every_split<nexus::crypto::sha512>(m);
}

TEST_CASE("sha2: one-shot and incremental agree for random split points") {
    nexus::test::rng rng(0x5a2);
    for (int iter = 0; iter < 300; ++iter) {
        bytes m(rng.below(1200));
        rng.fill(m);
        const std::size_t max_piece = 1 + rng.below(300);
        auto piece = [&] { return static_cast<std::size_t>(rng.below(max_piece + 1)); };
        CHECK(chunked_hex<nexus::crypto::sha256>(m, piece) == one_shot_hex<nexus::crypto::sha256>(m));
        CHECK(chunked_hex<nexus::crypto::sha512>(m, piece) == one_shot_hex<nexus::crypto::sha512>(m));
    }
}

TEST_CASE("sha2: finish() leaves the object ready for a new message") {
    const std::array<std::uint8_t, 3> abc{'a', 'b', 'c'};
    nexus::crypto::sha256 h;
    std::array<std::uint8_t, 32> first{}, second{};
    h.update(abc);
    h.finish(first);
    h.update(abc);
    h.finish(second);
    CHECK(first == second);

    nexus::crypto::sha512 g;
    std::array<std::uint8_t, 64> a{}, b{};
    g.update(abc);
    g.reset();  // discard, start over
    g.update(abc);
    g.finish(a);
    nexus::crypto::sha512_hash(abc, b);
    CHECK(a == b);
}
