// Tests of crypto/poly1305.hpp, for both backends (poly1305_32, poly1305_64): RFC 8439 §2.5.2 and
// §A.3 (with the edge cases #5-#11), incremental use split at every offset, verify(), and the two
// backends against each other on random and carry-heavy inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "nexus/crypto/poly1305.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace nc = nexus::crypto;

using tag_t = std::array<std::uint8_t, 16>;

template <std::size_t N>
std::span<const std::uint8_t, N> fixed(const bytes& b) {
    REQUIRE(b.size() == N);
    return std::span<const std::uint8_t, N>(b.data(), N);
}

template <class Mac>
tag_t tag_of(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t> msg) {
    tag_t tag{};
    Mac::compute(key, msg, tag);
    return tag;
}

}  // namespace

TEST_CASE("poly1305: the selected backend") {
#if defined(NEXUS_CRYPTO_32BIT) || !defined(__SIZEOF_INT128__)
    CHECK(std::is_same_v<nc::poly1305, nc::poly1305_32>);
#else
    CHECK(std::is_same_v<nc::poly1305, nc::poly1305_64>);
#endif
#if defined(__SIZEOF_INT128__) && !defined(NEXUS_CRYPTO_NO_INT128)
    const std::string products = "unsigned __int128";
#else
    const std::string products = "portable emulation";
#endif
    const std::string selected =
        std::is_same_v<nc::poly1305, nc::poly1305_64> ? "poly1305_64" : "poly1305_32";
    MESSAGE("poly1305 = ", selected, "; 128-bit products of poly1305_64: ", products);
}

TEST_CASE_TEMPLATE("poly1305: RFC 8439 §2.5.2 and §A.3", Mac, nc::poly1305_32, nc::poly1305_64) {
    const auto doc = nexus::test::load_vectors("poly1305.json");
    REQUIRE(doc["cases"].size() == 12);
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["section"].get<std::string>());
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes msg = from_hex(c["message"].get<std::string>());
        const std::string expected = c["tag"].get<std::string>();

        tag_t tag{};
        const auto k = fixed<32>(key);
        NEXUS_CHECK_NO_ALLOC(Mac::compute(k, msg, tag));
        CHECK(to_hex(tag) == expected);
        const bytes expected_bytes = from_hex(expected);
        CHECK(Mac::verify(fixed<32>(key), msg, fixed<16>(expected_bytes)));

        // Incremental: two pieces split at every offset, then three pieces of varying sizes.
        for (std::size_t i = 0; i <= msg.size(); ++i) {
            Mac mac(fixed<32>(key));
            mac.update(std::span<const std::uint8_t>(msg).first(i));
            mac.update(std::span<const std::uint8_t>(msg).subspan(i));
            tag_t t{};
            mac.finish(t);
            CHECK_MESSAGE(to_hex(t) == expected, "split at " << i);
        }
        for (std::size_t step = 1; step <= 33; ++step) {
            Mac mac;
            mac.init(fixed<32>(key));
            for (std::size_t at = 0; at < msg.size(); at += step)
                mac.update(std::span<const std::uint8_t>(msg).subspan(at, std::min(step, msg.size() - at)));
            mac.update({});
            tag_t t{};
            mac.finish(t);
            CHECK_MESSAGE(to_hex(t) == expected, "pieces of " << step);
        }
    }
}

TEST_CASE_TEMPLATE("poly1305: verify rejects every single-bit change", Mac, nc::poly1305_32,
                   nc::poly1305_64) {
    const auto doc = nexus::test::load_vectors("poly1305.json");
    const auto& c = doc["cases"][0];
    const bytes key = from_hex(c["key"].get<std::string>());
    bytes msg = from_hex(c["message"].get<std::string>());
    bytes tag = from_hex(c["tag"].get<std::string>());
    REQUIRE(Mac::verify(fixed<32>(key), msg, fixed<16>(tag)));
    for (std::size_t bit = 0; bit < 8 * msg.size(); ++bit) {
        msg[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        CHECK_FALSE(Mac::verify(fixed<32>(key), msg, fixed<16>(tag)));
        msg[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    for (std::size_t bit = 0; bit < 128; ++bit) {
        tag[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        CHECK_FALSE(Mac::verify(fixed<32>(key), msg, fixed<16>(tag)));
        tag[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
}

TEST_CASE("poly1305: free functions use the selected backend") {
    const auto doc = nexus::test::load_vectors("poly1305.json");
    for (const auto& c : doc["cases"]) {
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes msg = from_hex(c["message"].get<std::string>());
        const bytes tag = from_hex(c["tag"].get<std::string>());
        tag_t out{};
        nc::poly1305_mac(fixed<32>(key), msg, out);
        CHECK(to_hex(out) == c["tag"].get<std::string>());
        CHECK(nc::poly1305_verify(fixed<32>(key), msg, fixed<16>(tag)));
    }
}

TEST_CASE("poly1305: the 26-bit and 44-bit backends agree") {
    nexus::test::rng rng(0x9017305);
    std::array<std::uint8_t, 32> key{};
    bytes msg;
    // Random keys and messages of every length up to a few blocks.
    for (int round = 0; round < 4; ++round) {
        for (std::size_t n = 0; n <= 100; ++n) {
            rng.fill(key);
            msg.resize(n);
            rng.fill(msg);
            CHECK_MESSAGE(tag_of<nc::poly1305_32>(key, msg) == tag_of<nc::poly1305_64>(key, msg),
                          "length " << n);
        }
    }
    // Carry-heavy inputs: all-ones keys (maximal r after clamping, s = 2^128 - 1) and long
    // all-ones messages keep every limb near its bound; and an accumulator near p is hit by the
    // §A.3 edge cases above. Mix with random single bytes to leave the all-ones pattern.
    for (std::uint8_t fill_key : {std::uint8_t{0xff}, std::uint8_t{0x00}, std::uint8_t{0xfe}}) {
        key.fill(fill_key);
        for (std::size_t n : {1u, 15u, 16u, 17u, 31u, 32u, 33u, 255u, 256u, 1024u, 4099u}) {
            msg.assign(n, 0xff);
            CHECK(tag_of<nc::poly1305_32>(key, msg) == tag_of<nc::poly1305_64>(key, msg));
            for (int k = 0; k < 8; ++k)
                msg[static_cast<std::size_t>(rng.below(n))] = static_cast<std::uint8_t>(rng.next());
            CHECK(tag_of<nc::poly1305_32>(key, msg) == tag_of<nc::poly1305_64>(key, msg));
        }
    }
    for (int i = 0; i < 2000; ++i) {
        rng.fill(key);
        msg.resize(static_cast<std::size_t>(rng.below(600)));
        rng.fill(msg);
        if (rng.below(2) == 0)
            for (auto& b : msg) b |= 0xf0;  // bias towards large limbs
        CHECK(tag_of<nc::poly1305_32>(key, msg) == tag_of<nc::poly1305_64>(key, msg));
    }
}

TEST_CASE("poly1305: finish wipes the state; init makes the object reusable") {
    const auto doc = nexus::test::load_vectors("poly1305.json");
    const auto& c = doc["cases"][0];
    const bytes key = from_hex(c["key"].get<std::string>());
    const bytes msg = from_hex(c["message"].get<std::string>());
    nc::poly1305 mac(fixed<32>(key));
    mac.update(msg);
    tag_t t1{};
    mac.finish(t1);
    CHECK(to_hex(t1) == c["tag"].get<std::string>());
    // The object holds no key material after finish (its bytes are all zero).
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&mac);
    CHECK(nc::ct_is_zero(std::span<const std::uint8_t>(raw, sizeof mac)));
    mac.init(fixed<32>(key));
    mac.update(msg);
    tag_t t2{};
    mac.finish(t2);
    CHECK(t1 == t2);
}

TEST_CASE_TEMPLATE("poly1305: pad_to_block equals feeding zeros to the next 16-byte boundary", Mac,
                   nc::poly1305_32, nc::poly1305_64) {
    nexus::test::rng rng(0x9add);
    std::array<std::uint8_t, 32> key{};
    for (std::size_t n = 0; n <= 40; ++n) {
        rng.fill(key);
        bytes msg(n), tail(7);
        rng.fill(msg);
        rng.fill(tail);
        bytes padded = msg;
        padded.resize((n + 15) / 16 * 16, 0);
        padded.insert(padded.end(), tail.begin(), tail.end());

        Mac mac(key);
        mac.update(msg);
        mac.pad_to_block();
        mac.pad_to_block();  // already on a boundary: no effect
        mac.update(tail);
        tag_t t{};
        mac.finish(t);
        CHECK_MESSAGE(t == tag_of<Mac>(key, padded), "length " << n);
    }
}

TEST_CASE_TEMPLATE("poly1305: one block per call equals long runs (the two-block step against the one-block step)",
                   Mac, nc::poly1305_32, nc::poly1305_64) {
    // update() with a single 16-byte block runs the one-block step; a long update runs the
    // backend's bulk step (poly1305_64: two blocks per step with r^2). Both must give one tag,
    // for odd and even block counts, partial tails, random keys and carry-heavy all-ones inputs.
    nexus::test::rng rng(0x2b10c);
    std::array<std::uint8_t, 32> key{};
    bytes msg;
    for (int round = 0; round < 3; ++round) {
        for (std::size_t n = 0; n <= 300; ++n) {
            if (round == 0) {
                key.fill(0xff);
                msg.assign(n, 0xff);
            } else {
                rng.fill(key);
                msg.resize(n);
                rng.fill(msg);
                if (round == 2)
                    for (auto& b : msg) b |= 0xf0;
            }
            Mac mac(key);
            for (std::size_t at = 0; at < n; at += 16)
                mac.update(std::span<const std::uint8_t>(msg).subspan(at, std::min<std::size_t>(16, n - at)));
            tag_t by_block{};
            mac.finish(by_block);
            CHECK_MESSAGE(by_block == tag_of<Mac>(key, msg), "length " << n << " round " << round);
            // And against the other backend.
            CHECK_MESSAGE(tag_of<nc::poly1305_32>(key, msg) == tag_of<nc::poly1305_64>(key, msg),
                          "length " << n << " round " << round);
        }
    }
}
