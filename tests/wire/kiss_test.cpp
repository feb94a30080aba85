// Tests wire/kiss.hpp: frames written out by hand from reticulum-framing.md ("Framing on byte
// streams": FEND C0, FESC DB, TFEND DC, TFESC DD; frame = C0 00 escaped C0; command byte masked with
// 0x0F), the streaming decoder on split, shared, empty, oversized, badly escaped and non-data
// frames, and random round trips fed in random chunks.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "nexus/wire/kiss.hpp"
#include "support/alloc_counter.hpp"
#include "support/vectors.hpp"

using nexus::error;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace kiss = nexus::wire::kiss;

namespace {

bytes encode_vec(const bytes& payload, std::uint8_t port = 0) {
    bytes out(kiss::max_encoded_size(payload.size()));
    const auto n = kiss::encode(payload, out, port);
    REQUIRE(n);
    out.resize(*n);
    return out;
}

template <std::size_t N>
std::vector<bytes> decode_all(nexus::wire::kiss_decoder<N>& d, const bytes& stream) {
    std::vector<bytes> frames;
    d.feed(stream, [&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); });
    return frames;
}

std::vector<bytes> decode_hex(const char* hex, std::uint8_t port = 0) {
    nexus::wire::kiss_decoder<600> d(port);
    return decode_all(d, from_hex(hex));
}

}  // namespace

TEST_CASE("kiss: encode escapes FEND and FESC exactly as written out by hand") {
    CHECK(to_hex(encode_vec(from_hex("01c002db03"))) == "c00001dbdc02dbdd03c0");
    // FESC is escaped first: DB C0 -> DB DD DB DC (not a re-escaped DB DC).
    CHECK(to_hex(encode_vec(from_hex("dbc0"))) == "c000dbdddbdcc0");
    // TFEND / TFESC on their own are ordinary bytes.
    CHECK(to_hex(encode_vec(from_hex("dcdd7e7d"))) == "c000dcdd7e7dc0");
    CHECK(to_hex(encode_vec({})) == "c000c0");
    CHECK(to_hex(encode_vec(from_hex("41"), 3)) == "c03041c0");
}

TEST_CASE("kiss: encoded sizes, buffer_too_small and bad port") {
    const bytes p = from_hex("00c0db01");
    CHECK(kiss::max_encoded_size(0) == 3);
    CHECK(kiss::max_encoded_size(4) == 11);
    CHECK(kiss::encoded_size(p) == 9);
    static_assert(kiss::max_encoded_size(500) == 1003);

    bytes out(9);
    CHECK(kiss::encode(p, out).value() == 9);
    bytes small(8, 0xAA);
    const auto r = kiss::encode(p, small);
    REQUIRE_FALSE(r);
    CHECK(r.error() == error::buffer_too_small);
    CHECK(small == bytes(8, 0xAA));
    const auto bad = kiss::encode(p, out, 16);
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == error::invalid_argument);
    // Port 12's data command byte would be C0, a FEND.
    CHECK(kiss::encode(p, out, 12).error() == error::invalid_argument);
    CHECK(kiss::encode(p, out, 15).value() == 9);
    CHECK(out[1] == 0xF0);
}

TEST_CASE("kiss: decoder un-escapes hand-written frames") {
    auto f = decode_hex("c00001dbdc02dbdd03c0");
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "01c002db03");
    f = decode_hex("c000dcdd7e7dc0");
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "dcdd7e7d");
}

TEST_CASE("kiss: a frame split at every possible point decodes the same") {
    const bytes stream = from_hex("c00001dbdc02dbdd03c0c000dbdd41c0");
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        for (std::size_t cut2 = cut; cut2 <= stream.size(); ++cut2) {
            nexus::wire::kiss_decoder<64> d;
            std::vector<bytes> frames;
            auto sink = [&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); };
            const std::span<const std::uint8_t> s(stream);
            d.feed(s.first(cut), sink);
            d.feed(s.subspan(cut, cut2 - cut), sink);
            d.feed(s.subspan(cut2), sink);
            REQUIRE(frames.size() == 2);
            CHECK(to_hex(frames[0]) == "01c002db03");
            CHECK(to_hex(frames[1]) == "db41");
        }
    }
}

TEST_CASE("kiss: back-to-back frames may share a FEND; empty frames are skipped") {
    auto f = decode_hex("c00041c00042c0");
    REQUIRE(f.size() == 2);
    CHECK(to_hex(f[0]) == "41");
    CHECK(to_hex(f[1]) == "42");
    f = decode_hex("c00041c0c00042c0");
    REQUIRE(f.size() == 2);

    nexus::wire::kiss_decoder<8> d;
    // FEND FEND, and a data frame with no payload.
    CHECK(decode_all(d, from_hex("c0c0c0c000c0c000c0")).empty());
    CHECK(d.frames() == 0);
    CHECK(d.ignored() == 0);
    CHECK(d.invalid_escapes() == 0);
}

TEST_CASE("kiss: the command byte is masked with 0x0F; only data frames for the port are delivered") {
    nexus::wire::kiss_decoder<16> d;
    // TXDELAY (01), READY (0F), a command with port bits (21), data for port 1 (10), data for 0.
    auto f = decode_all(d, from_hex("c00105c00fc02133c01044c00045c0"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "45");
    CHECK(d.ignored() == 4);
    // The skipped frames' bodies are not interpreted: a bad escape inside one is not counted.
    f = decode_all(d, from_hex("01db41c00046c0"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "46");
    CHECK(d.ignored() == 5);
    CHECK(d.invalid_escapes() == 0);

    // A decoder for port 1 takes only 0x10 frames; any_port takes every port's data frames, as
    // Reticulum does (it strips the port nibble).
    f = decode_hex("c00041c01042c0f043c00144c0", 1);
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "42");
    f = decode_hex("c00041c01042c0f043c00144c0", kiss::any_port);
    REQUIRE(f.size() == 3);
    CHECK(to_hex(f[2]) == "43");
    // FESC in the command position is just command 0x0B.
    f = decode_hex("c0dbdcc0");
    CHECK(f.empty());
}

TEST_CASE("kiss: garbage before the first FEND is discarded") {
    nexus::wire::kiss_decoder<8> d;
    const auto f = decode_all(d, from_hex("0000dbdc41c00043c0"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "43");
    CHECK(d.discarded() == 5);
}

TEST_CASE("kiss: a payload longer than the capacity is dropped and the decoder resynchronises") {
    nexus::wire::kiss_decoder<4> d;
    auto f = decode_all(d, from_hex("c00001dbdc0304c0"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "01c00304");
    f = decode_all(d, from_hex("000102030405060708c00042c0"));
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "42");
    CHECK(d.oversized() == 1);
    CHECK(d.frames() == 2);
}

TEST_CASE("kiss: an invalid escape drops the frame") {
    nexus::wire::kiss_decoder<16> d;
    auto f = decode_all(d, from_hex("c00001db4102c00043c0"));  // DB 41
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "43");
    CHECK(d.invalid_escapes() == 1);
    f = decode_all(d, from_hex("0001dbdb02c00044c0"));  // DB DB
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "44");
    CHECK(d.invalid_escapes() == 2);
    f = decode_all(d, from_hex("0001dbc00045c0"));  // DB then FEND: dropped, FEND opens the next
    REQUIRE(f.size() == 1);
    CHECK(to_hex(f[0]) == "45");
    CHECK(d.invalid_escapes() == 3);
}

TEST_CASE("kiss: random payloads round-trip through random chunking") {
    std::mt19937 rng(0x4b49u);
    constexpr std::size_t cap = 300;
    for (int round = 0; round < 60; ++round) {
        std::vector<bytes> payloads;
        bytes stream;
        const std::size_t garbage = rng() % 5;
        for (std::size_t i = 0; i < garbage; ++i)
            stream.push_back(static_cast<std::uint8_t>(0xd9 + rng() % 6));
        const int n = 1 + static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            bytes p(rng() % 2 == 0 ? rng() % 20 : rng() % 340);
            for (auto& b : p) {
                static constexpr std::uint8_t special[] = {0xc0, 0xdb, 0xdc, 0xdd};
                b = rng() % 3 == 0 ? special[rng() % 4] : static_cast<std::uint8_t>(rng());
            }
            bytes e = encode_vec(p);
            if (!stream.empty() && stream.back() == kiss::fend && rng() % 2 == 0) e.erase(e.begin());
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

        nexus::wire::kiss_decoder<cap> d;
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
        CHECK(d.ignored() == 0);
        CHECK(d.discarded() == garbage);

        nexus::wire::kiss_decoder<cap> e;
        std::vector<bytes> pushed;
        for (const std::uint8_t b : stream)
            if (const auto f = e.push(b)) pushed.emplace_back(f->begin(), f->end());
        CHECK(pushed == expected);
    }
}

TEST_CASE("kiss: encode and decode allocate nothing") {
    const bytes payload = from_hex("01c002db03");
    std::array<std::uint8_t, 16> out{};
    std::size_t n = 0;
    NEXUS_CHECK_NO_ALLOC(n = kiss::encode(payload, out).value());
    CHECK(n == 10);
    nexus::wire::kiss_decoder<32> d;
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
