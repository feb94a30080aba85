// Tests wire/hdlc.hpp: frames written out by hand from reticulum-framing.md ("Framing on byte
// streams": flag 0x7E, escape 0x7D, escaped byte ^ 0x20), the streaming decoder on split, shared,
// empty, oversized and badly escaped frames, and random round trips fed in random chunks.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "nexus/wire/hdlc.hpp"
#include "support/alloc_counter.hpp"
#include "support/vectors.hpp"

using nexus::error;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace hdlc = nexus::wire::hdlc;

namespace {

bytes encode_vec(const bytes& payload) {
    bytes out(hdlc::max_encoded_size(payload.size()));
    const auto n = hdlc::encode(payload, out);
    REQUIRE(n);
    out.resize(*n);
    return out;
}

template <std::size_t N>
std::vector<bytes> decode_all(nexus::wire::hdlc_decoder<N>& d, const bytes& stream) {
    std::vector<bytes> frames;
    d.feed(stream, [&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); });
    return frames;
}

template <std::size_t N = 600>
std::vector<bytes> decode_hex(const char* hex) {
    nexus::wire::hdlc_decoder<N> d;
    return decode_all(d, from_hex(hex));
}

}  // namespace

TEST_CASE("hdlc: encode escapes 0x7D and 0x7E exactly as written out by hand") {
    CHECK(to_hex(encode_vec(from_hex("017e027d03"))) == "7e017d5e027d5d037e");
    CHECK(to_hex(encode_vec(from_hex("7d7e"))) == "7e7d5d7d5e7e");
    CHECK(to_hex(encode_vec(from_hex("7e7e7e"))) == "7e7d5e7d5e7d5e7e");
    // The escaped forms themselves and neighbouring values pass through untouched.
    CHECK(to_hex(encode_vec(from_hex("5d5e7c7f20"))) == "7e5d5e7c7f207e");
    CHECK(to_hex(encode_vec({})) == "7e7e");
}

TEST_CASE("hdlc: encoded sizes and buffer_too_small") {
    const bytes p = from_hex("007e7d01");
    CHECK(hdlc::max_encoded_size(0) == 2);
    CHECK(hdlc::max_encoded_size(4) == 10);
    CHECK(hdlc::encoded_size(p) == 8);
    static_assert(hdlc::max_encoded_size(500) == 1002);

    bytes out(8, 0xAA);
    CHECK(hdlc::encode(p, std::span(out).first(8)).value() == 8);
    bytes small(7, 0xAA);
    const auto r = hdlc::encode(p, small);
    REQUIRE_FALSE(r);
    CHECK(r.error() == error::buffer_too_small);
    CHECK(small == bytes(7, 0xAA));  // untouched
    std::array<std::uint8_t, 1> one{};
    CHECK_FALSE(hdlc::encode({}, one));
}

TEST_CASE("hdlc: decoder un-escapes hand-written frames") {
    const auto f = decode_hex("7e017d5e027d5d037e");
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "017e027d03");
    const auto g = decode_hex("7e7d5d7d5e7e");
    REQUIRE(g.size() == 1);
    CHECK(to_hex(g[0]) == "7d7e");
}

TEST_CASE("hdlc: a frame split at every possible point decodes the same") {
    const bytes stream = from_hex("7e017d5e027d5d037e7e7d5d417e");
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        for (std::size_t cut2 = cut; cut2 <= stream.size(); ++cut2) {
            nexus::wire::hdlc_decoder<64> d;
            std::vector<bytes> frames;
            auto sink = [&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); };
            const std::span<const std::uint8_t> s(stream);
            d.feed(s.first(cut), sink);
            d.feed(s.subspan(cut, cut2 - cut), sink);
            d.feed(s.subspan(cut2), sink);
            REQUIRE(frames.size() == 2);
            CHECK(to_hex(frames[0]) == "017e027d03");
            CHECK(to_hex(frames[1]) == "7d41");
        }
    }
}

TEST_CASE("hdlc: push returns the frame on its closing flag, valid until the next push") {
    nexus::wire::hdlc_decoder<8> d;
    CHECK_FALSE(d.synchronised());
    CHECK_FALSE(d.push(0x7e));
    CHECK(d.synchronised());
    CHECK_FALSE(d.push(0x11));
    CHECK_FALSE(d.push(0x22));
    const auto f = d.push(0x7e);
    REQUIRE(f);
    CHECK(to_hex(*f) == "1122");
    CHECK(d.frames() == 1);
}

TEST_CASE("hdlc: back-to-back frames may share a flag; empty frames are skipped") {
    auto f = decode_hex("7e417e427e");
    REQUIRE(f.size() == 2);
    CHECK(to_hex(f[0]) == "41");
    CHECK(to_hex(f[1]) == "42");

    f = decode_hex("7e417e7e427e");  // Reticulum's way: each frame has both flags
    REQUIRE(f.size() == 2);
    CHECK(to_hex(f[1]) == "42");

    nexus::wire::hdlc_decoder<8> d;
    CHECK(decode_all(d, from_hex("7e7e7e7e")).empty());
    CHECK(d.frames() == 0);
    CHECK(d.oversized() == 0);
    CHECK(d.invalid_escapes() == 0);
}

TEST_CASE("hdlc: garbage before the first flag is discarded") {
    nexus::wire::hdlc_decoder<8> d;
    // Includes an escape and escaped-looking bytes: none of it means anything before a flag.
    const auto f = decode_all(d, from_hex("01027d5e5d7e437e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "43");
    CHECK(d.discarded() == 5);
    CHECK(d.invalid_escapes() == 0);
}

TEST_CASE("hdlc: a frame longer than the capacity is dropped and the decoder resynchronises") {
    nexus::wire::hdlc_decoder<4> d;
    // Exactly the capacity fits, one escaped byte included.
    auto f = decode_all(d, from_hex("7e01027d5e047e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "01027e04");
    CHECK(d.oversized() == 0);

    // Five bytes: dropped, counted once however long it goes on; the closing flag opens the next.
    f = decode_all(d, from_hex("0102030405060708097e427e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "42");
    CHECK(d.oversized() == 1);
    // An escape inside the dropped tail is not interpreted (7D 41 would be invalid).
    f = decode_all(d, from_hex("01020304057d417e437e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "43");
    CHECK(d.oversized() == 2);
    CHECK(d.invalid_escapes() == 0);
    CHECK(d.frames() == 3);
}

TEST_CASE("hdlc: an invalid escape drops the frame") {
    nexus::wire::hdlc_decoder<16> d;
    // 7D 41: 0x41 is not an escaped value (only 5E and 5D are).
    auto f = decode_all(d, from_hex("7e017d41027e437e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "43");
    CHECK(d.invalid_escapes() == 1);
    // 7D 7D.
    f = decode_all(d, from_hex("017d7d027e447e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "44");
    CHECK(d.invalid_escapes() == 2);
    // A lone escape before the flag: the frame is dropped, the flag still opens the next one.
    f = decode_all(d, from_hex("017d7e457e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "45");
    CHECK(d.invalid_escapes() == 3);
    CHECK(d.oversized() == 0);
}

TEST_CASE("hdlc: reset returns to hunting and keeps the counters") {
    nexus::wire::hdlc_decoder<16> d;
    CHECK(decode_all(d, from_hex("7e0102")).empty());
    d.reset();
    CHECK_FALSE(d.synchronised());
    // The half frame is gone; 03 is garbage until the next flag.
    const auto f = decode_all(d, from_hex("037e047e"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "04");
    CHECK(d.discarded() == 1);
}

TEST_CASE("hdlc: random payloads round-trip through random chunking") {
    std::mt19937 rng(0x4844u);
    constexpr std::size_t cap = 300;
    for (int round = 0; round < 60; ++round) {
        std::vector<bytes> payloads;
        bytes stream;
        // Garbage prefix (flag-free).
        const std::size_t garbage = rng() % 5;
        for (std::size_t i = 0; i < garbage; ++i)
            stream.push_back(static_cast<std::uint8_t>(0x7f + rng() % 4));
        const int n = 1 + static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            bytes p(rng() % 2 == 0 ? rng() % 20 : rng() % 340);
            // Heavy on the special values.
            for (auto& b : p)
                b = rng() % 3 == 0 ? static_cast<std::uint8_t>(0x7d + rng() % 2)
                                   : static_cast<std::uint8_t>(rng());
            bytes e = encode_vec(p);
            // Sometimes share the flag with the previous frame.
            if (!stream.empty() && stream.back() == hdlc::flag && rng() % 2 == 0) e.erase(e.begin());
            stream.insert(stream.end(), e.begin(), e.end());
            payloads.push_back(std::move(p));
        }
        std::vector<bytes> expected;
        std::uint32_t expected_oversized = 0;
        for (const auto& p : payloads) {
            if (p.size() > cap) {
                ++expected_oversized;
            } else if (!p.empty()) {
                expected.push_back(p);
            }
        }

        nexus::wire::hdlc_decoder<cap> d;
        std::vector<bytes> got;
        std::size_t pos = 0;
        while (pos < stream.size()) {
            const std::size_t len = std::min<std::size_t>(stream.size() - pos, 1 + rng() % 40);
            d.feed(std::span(stream).subspan(pos, len),
                   [&](std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); });
            pos += len;
        }
        CHECK(got == expected);
        CHECK(d.oversized() == expected_oversized);
        CHECK(d.invalid_escapes() == 0);
        CHECK(d.discarded() == garbage);
        CHECK(d.frames() == expected.size());

        // push() byte by byte agrees with feed().
        nexus::wire::hdlc_decoder<cap> e;
        std::vector<bytes> pushed;
        for (const std::uint8_t b : stream)
            if (const auto f = e.push(b)) pushed.emplace_back(f->begin(), f->end());
        CHECK(pushed == expected);
    }
}

TEST_CASE("hdlc: encode and decode allocate nothing") {
    const bytes payload = from_hex("017e027d03");
    std::array<std::uint8_t, 16> out{};
    std::size_t n = 0;
    NEXUS_CHECK_NO_ALLOC(n = hdlc::encode(payload, out).value());
    CHECK(n == 9);
    nexus::wire::hdlc_decoder<32> d;
    std::array<std::uint8_t, 32> copy{};
    std::size_t copied = 0;
    std::size_t frames = 0;
    NEXUS_CHECK_NO_ALLOC(frames = d.feed(std::span(out).first(n), [&](std::span<const std::uint8_t> f) {
        copied = f.size();
        std::copy(f.begin(), f.end(), copy.begin());
    }));
    CHECK(frames == 1);
    CHECK(bytes(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(copied)) == payload);
}
