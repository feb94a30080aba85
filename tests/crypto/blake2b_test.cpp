// Tests of crypto/blake2b.hpp: RFC 7693 Appendix A, BLAKE2 KAT lines, lengths, incremental use.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "nexus/crypto/blake2b.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::crypto::blake2b;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

bytes one_shot(std::size_t outlen, std::span<const std::uint8_t> in, std::span<const std::uint8_t> key) {
    bytes out(outlen);
    REQUIRE(nexus::crypto::blake2b_hash(out, in, key));
    return out;
}

}  // namespace

TEST_CASE("blake2b: RFC 7693 Appendix A and BLAKE2 KAT lines") {
    const auto doc = nexus::test::load_vectors("blake2b.json");
    std::size_t n = 0;
    for (const auto& c : doc["cases"]) {
        INFO(c["comment"].get<std::string>());
        const bytes in = from_hex(c["in"].get<std::string>());
        const bytes key = from_hex(c["key"].get<std::string>());
        const auto expected = c["out"].get<std::string>();
        const std::size_t outlen = expected.size() / 2;
        CHECK(to_hex(one_shot(outlen, in, key)) == expected);

        // Byte at a time, and split at every offset.
        blake2b h(outlen, key);
        REQUIRE(h.valid());
        for (std::uint8_t b : in) h.update(std::span<const std::uint8_t>(&b, 1));
        bytes out(outlen);
        REQUIRE(h.finish(out));
        CHECK(to_hex(out) == expected);
        for (std::size_t i = 0; i <= in.size(); ++i) {
            blake2b g(outlen, key);
            g.update(std::span<const std::uint8_t>(in).first(i));
            g.update({});
            g.update(std::span<const std::uint8_t>(in).subspan(i));
            REQUIRE(g.finish(out));
            CHECK_MESSAGE(to_hex(out) == expected, "split at ", i);
        }
        ++n;
    }
    CHECK(n >= 10);
}

TEST_CASE("blake2b: invalid lengths are reported, not asserted") {
    const bytes key65(65, 1), key64(64, 1), msg(10, 2);
    bytes out0, out1(1), out64(64), out65(65, 0x5c);

    CHECK_FALSE(nexus::crypto::blake2b_hash(out0, msg));
    CHECK_FALSE(nexus::crypto::blake2b_hash(out65, msg));
    CHECK(out65 == bytes(65, 0x5c));
    CHECK_FALSE(nexus::crypto::blake2b_hash(out64, msg, key65));
    CHECK(nexus::crypto::blake2b_hash(out1, msg, key64));
    CHECK(nexus::crypto::blake2b_hash(out64, msg, key64));

    blake2b h;
    CHECK_FALSE(h.valid());
    CHECK(h.digest_size() == 0);
    h.update(msg);  // ignored while invalid
    CHECK_FALSE(h.finish(out64));
    CHECK_FALSE(h.init(0));
    CHECK_FALSE(h.init(65));
    CHECK_FALSE(h.init(32, key65));
    CHECK_FALSE(h.valid());
    CHECK(h.init(32, key64));
    CHECK(h.digest_size() == 32);

    // finish() with the wrong output length changes nothing; the right length then succeeds.
    h.update(msg);
    bytes out31(31, 0x5c), out32(32);
    CHECK_FALSE(h.finish(out31));
    CHECK(out31 == bytes(31, 0x5c));
    CHECK(h.valid());
    CHECK(h.finish(out32));
    CHECK(out32 == one_shot(32, msg, key64));
    CHECK_FALSE(h.valid());  // finished: needs init() again
    CHECK_FALSE(h.finish(out32));

    blake2b bad(0);
    CHECK_FALSE(bad.valid());
}

TEST_CASE("blake2b: every digest length and key length") {
    // Digests of different lengths differ entirely (the length is in the parameter block), and
    // keyed differs from unkeyed. Spot-checked against libsodium in the differential test.
    bytes msg(300);
    for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::uint8_t>(i);
    bytes prev;
    for (std::size_t outlen = 1; outlen <= 64; ++outlen) {
        const bytes d = one_shot(outlen, msg, {});
        CHECK(d.size() == outlen);
        if (!prev.empty())
            CHECK(bytes(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(prev.size())) != prev);
        prev = d;
    }
    for (std::size_t klen = 0; klen <= 64; ++klen) {
        const bytes key(klen, 0x77);
        blake2b h(64, key);
        REQUIRE(h.valid());
        h.update(msg);
        bytes out(64);
        REQUIRE(h.finish(out));
        CHECK(out == one_shot(64, msg, key));
    }
}

TEST_CASE("blake2b: one-shot and incremental agree for random split points") {
    nexus::test::rng rng(0xb1a4e2b);
    for (int iter = 0; iter < 400; ++iter) {
        const std::size_t outlen = 1 + rng.below(64);
        bytes key(rng.below(3) == 0 ? 0 : rng.below(65));
        bytes msg(rng.below(1100));
        rng.fill(key);
        rng.fill(msg);
        blake2b h(outlen, key);
        REQUIRE(h.valid());
        std::size_t pos = 0;
        while (pos < msg.size()) {
            const std::size_t n = std::min<std::size_t>(rng.below(300), msg.size() - pos);
            h.update(std::span<const std::uint8_t>(msg).subspan(pos, n));
            pos += n;
        }
        bytes out(outlen);
        REQUIRE(h.finish(out));
        CHECK(out == one_shot(outlen, msg, key));
    }
}
