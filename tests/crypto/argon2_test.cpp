// Tests of crypto/argon2.hpp: RFC 9106 §5 vectors (p = 4), parameter errors, memory handling.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nexus/crypto/argon2.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::crypto::argon2_block;
using nexus::crypto::argon2_params;
using nexus::crypto::argon2_status;
using nexus::crypto::argon2_type;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

argon2_type type_from_name(const std::string& name) {
    if (name == "argon2d") return argon2_type::d;
    if (name == "argon2i") return argon2_type::i;
    REQUIRE(name == "argon2id");
    return argon2_type::id;
}

bool all_zero(const std::vector<argon2_block>& work) {
    return std::all_of(work.begin(), work.end(), [](const argon2_block& b) {
        return std::all_of(b.words.begin(), b.words.end(), [](std::uint64_t w) { return w == 0; });
    });
}

}  // namespace

TEST_CASE("argon2: RFC 9106 §5 test vectors (Argon2d, Argon2i, Argon2id with p = 4)") {
    const auto doc = nexus::test::load_vectors("argon2.json");
    std::size_t n = 0;
    for (const auto& c : doc["cases"]) {
        INFO(c["comment"].get<std::string>());
        const argon2_type type = type_from_name(c["type"].get<std::string>());
        const bytes password = from_hex(c["password"].get<std::string>());
        const bytes salt = from_hex(c["salt"].get<std::string>());
        const bytes secret = from_hex(c["secret"].get<std::string>());
        const bytes ad = from_hex(c["ad"].get<std::string>());
        argon2_params params;
        params.passes = c["passes"].get<std::uint32_t>();
        params.memory_kib = c["memory_kib"].get<std::uint32_t>();
        params.lanes = c["lanes"].get<std::uint32_t>();
        const auto expected = c["tag"].get<std::string>();

        std::vector<argon2_block> work(nexus::crypto::argon2_memory_blocks(params));
        bytes tag(expected.size() / 2);
        REQUIRE(nexus::crypto::argon2(type, tag, password, salt, params, work, secret, ad) ==
                argon2_status::ok);
        CHECK(to_hex(tag) == expected);
        CHECK(all_zero(work));  // work memory is wiped before returning

        if (type == argon2_type::id) {
            // The argon2id() shorthand, and a work area larger than needed (only m' blocks used).
            std::vector<argon2_block> big(work.size() + 5);
            std::fill(tag.begin(), tag.end(), 0);
            REQUIRE(nexus::crypto::argon2id(tag, password, salt, params, big, secret, ad) ==
                    argon2_status::ok);
            CHECK(to_hex(tag) == expected);
        }
        ++n;
    }
    CHECK(n == 3);
}

TEST_CASE("argon2: memory is rounded down to a multiple of 4 * lanes") {
    CHECK(nexus::crypto::argon2_memory_blocks({1, 8, 1}) == 8);
    CHECK(nexus::crypto::argon2_memory_blocks({1, 11, 1}) == 8);
    CHECK(nexus::crypto::argon2_memory_blocks({1, 35, 4}) == 32);
    CHECK(nexus::crypto::argon2_memory_blocks({1, 31, 4}) == 0);  // below 8 * p
    CHECK(nexus::crypto::argon2_memory_blocks({1, 64, 0}) == 0);
    CHECK(nexus::crypto::argon2_memory_blocks({1, 0xffffffffu, 1u << 24}) == 0);

    // m = 35, p = 4 uses 32 blocks but m = 35 still enters H0, so the tag differs from m = 32.
    const bytes password(8, 1), salt(16, 2);
    std::vector<argon2_block> work(32);
    bytes t32(32), t35(32);
    REQUIRE(nexus::crypto::argon2id(t32, password, salt, {2, 32, 4}, work) == argon2_status::ok);
    REQUIRE(nexus::crypto::argon2id(t35, password, salt, {2, 35, 4}, work) == argon2_status::ok);
    CHECK(t32 != t35);
}

TEST_CASE("argon2: bad parameters are reported and nothing is written") {
    const bytes password(8, 1), salt(16, 2), short_salt(7, 2);
    std::vector<argon2_block> work(64);
    bytes tag(32, 0x5c);
    const argon2_params good{1, 16, 1};
    auto run = [&](std::span<std::uint8_t> t, std::span<const std::uint8_t> s, argon2_params p,
                   std::size_t blocks) {
        return nexus::crypto::argon2id(t, password, s, p, std::span<argon2_block>(work).first(blocks));
    };

    bytes tag3(3, 0x5c);
    CHECK(run(tag3, salt, good, 64) == argon2_status::bad_tag_length);
    CHECK(tag3 == bytes(3, 0x5c));
    CHECK(run(tag, short_salt, good, 64) == argon2_status::bad_salt_length);
    CHECK(run(tag, salt, {0, 16, 1}, 64) == argon2_status::bad_passes);
    CHECK(run(tag, salt, {1, 16, 0}, 64) == argon2_status::bad_lanes);
    CHECK(run(tag, salt, {1, 0xffffffffu, 1u << 24}, 64) == argon2_status::bad_lanes);
    CHECK(run(tag, salt, {1, 7, 1}, 64) == argon2_status::bad_memory);
    CHECK(run(tag, salt, {1, 15, 2}, 64) == argon2_status::bad_memory);
    CHECK(run(tag, salt, good, 15) == argon2_status::work_too_small);
    CHECK(run(tag, salt, {1, 68, 1}, 64) == argon2_status::work_too_small);  // m' = 68
    CHECK(tag == bytes(32, 0x5c));
    CHECK(std::string(nexus::crypto::to_string(argon2_status::work_too_small)).find("work") !=
          std::string::npos);
    // Each failure maps onto the library-wide error enum as documented.
    using nexus::error;
    using nexus::crypto::to_error;
    CHECK(to_error(argon2_status::work_too_small) == error::buffer_too_small);
    CHECK(to_error(argon2_status::input_too_long) == error::invalid_length);
    CHECK(to_error(argon2_status::bad_tag_length) == error::invalid_length);
    CHECK(to_error(argon2_status::bad_salt_length) == error::invalid_length);
    CHECK(to_error(argon2_status::bad_passes) == error::invalid_argument);
    CHECK(to_error(argon2_status::bad_lanes) == error::invalid_argument);
    CHECK(to_error(argon2_status::bad_memory) == error::invalid_argument);

    // Smallest valid settings: 4-byte tag, 8-byte salt, empty password, m = 8p.
    bytes tag4(4);
    const bytes salt8(8, 3);
    CHECK(nexus::crypto::argon2id(tag4, {}, salt8, {1, 8, 1}, work) == argon2_status::ok);
    CHECK(run(tag, salt, {1, 16, 2}, 16) == argon2_status::ok);
}

TEST_CASE("argon2: tag lengths around the H' chain boundaries") {
    // H' switches from one BLAKE2b call to a chain above 64 bytes; check each length is
    // deterministic, differs from its neighbours and is not a prefix of a longer tag (the
    // length enters H0).
    const bytes password(16, 7), salt(16, 9);
    std::vector<argon2_block> work(8);
    bytes previous;
    for (std::size_t len : {4u, 31u, 32u, 33u, 63u, 64u, 65u, 95u, 96u, 97u, 128u, 129u, 1024u}) {
        bytes a(len), b(len);
        REQUIRE(nexus::crypto::argon2id(a, password, salt, {1, 8, 1}, work) == argon2_status::ok);
        REQUIRE(nexus::crypto::argon2id(b, password, salt, {1, 8, 1}, work) == argon2_status::ok);
        CHECK(a == b);
        if (!previous.empty())
            CHECK(bytes(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(previous.size())) != previous);
        previous = a;
    }
}

TEST_CASE("argon2: each input changes the tag") {
    const bytes password(16, 7), salt(16, 9), secret(8, 3), ad(12, 4);
    std::vector<argon2_block> work(16);
    auto tag_of = [&](argon2_type type, const bytes& pw, const bytes& s, argon2_params p, const bytes& k,
                      const bytes& x) {
        bytes t(32);
        REQUIRE(nexus::crypto::argon2(type, t, pw, s, p, work, k, x) == argon2_status::ok);
        return t;
    };
    const argon2_params p{2, 16, 2};
    const bytes base = tag_of(argon2_type::id, password, salt, p, secret, ad);
    CHECK(tag_of(argon2_type::i, password, salt, p, secret, ad) != base);
    CHECK(tag_of(argon2_type::d, password, salt, p, secret, ad) != base);
    CHECK(tag_of(argon2_type::id, bytes(16, 8), salt, p, secret, ad) != base);
    CHECK(tag_of(argon2_type::id, password, bytes(16, 8), p, secret, ad) != base);
    CHECK(tag_of(argon2_type::id, password, salt, {3, 16, 2}, secret, ad) != base);
    CHECK(tag_of(argon2_type::id, password, salt, {2, 16, 1}, secret, ad) != base);
    CHECK(tag_of(argon2_type::id, password, salt, p, {}, ad) != base);
    CHECK(tag_of(argon2_type::id, password, salt, p, secret, {}) != base);
}
