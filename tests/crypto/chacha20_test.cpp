// Tests of crypto/chacha20.hpp: RFC 8439 §2.1.1, §2.2.1, §2.3.2, §2.4.2, §2.6.2, §A.1, §A.2, §A.4;
// HChaCha20 and XChaCha20 from draft-irtf-cfrg-xchacha-03; bulk path against block-at-a-time;
// in-place use; size and counter-overflow errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "nexus/crypto/chacha20.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace nc = nexus::crypto;

template <std::size_t N>
std::span<const std::uint8_t, N> fixed(const bytes& b) {
    REQUIRE(b.size() == N);
    return std::span<const std::uint8_t, N>(b.data(), N);
}

std::array<std::uint32_t, 16> words_from_hex(const std::string& hex, std::size_t count) {
    REQUIRE(hex.size() == 8 * count);
    std::array<std::uint32_t, 16> w{};
    for (std::size_t i = 0; i < count; ++i)
        w[i] = static_cast<std::uint32_t>(std::stoul(hex.substr(8 * i, 8), nullptr, 16));
    return w;
}

// Keystream by whole blocks through chacha20_block: the reference the bulk path must match.
bytes keystream_by_blocks(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 12> nonce,
                          std::uint32_t counter, std::size_t n) {
    bytes out;
    std::array<std::uint8_t, 64> block{};
    while (out.size() < n) {
        nc::chacha20_block(key, counter++, nonce, block);
        for (std::size_t i = 0; i < 64 && out.size() < n; ++i) out.push_back(block[i]);
    }
    return out;
}

}  // namespace

TEST_CASE("chacha20: the bulk path compiled for this target") {
#if defined(NEXUS_CRYPTO_CHACHA20_SIMD)
    MESSAGE("chacha20 portable bulk path: four blocks at a time in 128-bit vectors");
#else
    MESSAGE("chacha20 portable bulk path: one block at a time");
#endif
#if defined(NEXUS_CRYPTO_CHACHA20_AVX2)
    const std::string cpu = nc::chacha20_detail::avx2_available() ? "has AVX2: it is used from 512 bytes"
                                                                   : "lacks AVX2: the portable path is used";
    MESSAGE("chacha20 AVX2 path (eight blocks) compiled; this CPU ", cpu);
#else
    MESSAGE("chacha20 AVX2 path not compiled for this target");
#endif
    CHECK(true);
}

TEST_CASE("chacha20: quarter round (RFC 8439 §2.1.1, §2.2.1)") {
    const auto doc = nexus::test::load_vectors("chacha20_quarter_round.json");
    REQUIRE(doc["cases"].size() == 2);
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["section"].get<std::string>());
        const auto in_hex = c["state_in"].get<std::string>();
        const std::size_t count = in_hex.size() / 8;
        auto state = words_from_hex(in_hex, count);
        const auto expected = words_from_hex(c["state_out"].get<std::string>(), count);
        const auto idx = c["indices"].get<std::array<std::size_t, 4>>();
        nc::chacha20_quarter_round(state[idx[0]], state[idx[1]], state[idx[2]], state[idx[3]]);
        CHECK(state == expected);
    }
}

TEST_CASE("chacha20: block function (RFC 8439 §2.3.2, §A.1; key generation §2.6.2, §A.4)") {
    const auto doc = nexus::test::load_vectors("chacha20_block.json");
    REQUIRE(doc["cases"].size() == 12);
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["section"].get<std::string>());
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes nonce = from_hex(c["nonce"].get<std::string>());
        const auto counter = c["counter"].get<std::uint32_t>();
        const std::string expected = c["keystream"].get<std::string>();
        std::array<std::uint8_t, 64> block{};
        nc::chacha20_block(fixed<32>(key), counter, fixed<12>(nonce), block);
        CHECK(to_hex(block).substr(0, expected.size()) == expected);

        // The same block as keystream of the stream cipher (XOR onto zeros).
        bytes zeros(64, 0), out(64, 0);
        REQUIRE(nc::chacha20_xor(fixed<32>(key), fixed<12>(nonce), counter, zeros, out));
        CHECK(to_hex(out).substr(0, expected.size()) == expected);
    }
}

TEST_CASE("chacha20: encryption (RFC 8439 §2.4.2, §A.2)") {
    const auto doc = nexus::test::load_vectors("chacha20.json");
    REQUIRE(doc["cases"].size() == 4);
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["section"].get<std::string>());
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes nonce = from_hex(c["nonce"].get<std::string>());
        const auto counter = c["counter"].get<std::uint32_t>();
        const bytes pt = from_hex(c["plaintext"].get<std::string>());
        const bytes ct = from_hex(c["ciphertext"].get<std::string>());

        bytes out(pt.size(), 0);
        const auto k = fixed<32>(key);
        const auto n = fixed<12>(nonce);
        bool ok = false;
        NEXUS_CHECK_NO_ALLOC(ok = nc::chacha20_xor(k, n, counter, pt, out));
        CHECK(ok);
        CHECK(out == ct);

        // Decryption is the same operation; in place this time.
        bytes buf = ct;
        REQUIRE(nc::chacha20_xor(fixed<32>(key), fixed<12>(nonce), counter, buf, buf));
        CHECK(buf == pt);
    }
}

TEST_CASE("chacha20: the multi-block path equals block-at-a-time keystream at every length") {
    nexus::test::rng rng(0xc4ac4a20);
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> nonce{};
    // Every length up to 5 bulk iterations covers each lane/tail combination; the counters
    // include one where the lanes straddle 2^32 - 1 without wrapping.
    for (std::uint32_t counter : {0u, 1u, 0x7fffffffu, 0xffffffffu - 20u}) {
        rng.fill(key);
        rng.fill(nonce);
        const bytes reference = keystream_by_blocks(key, nonce, counter, 5 * 256 + 64);
        for (std::size_t n = 0; n <= reference.size(); ++n) {
            bytes msg(n), out(n);
            rng.fill(msg);
            REQUIRE(nc::chacha20_xor(key, nonce, counter, msg, out));
            bool same = true;
            for (std::size_t i = 0; i < n; ++i)
                same = same && (out[i] == static_cast<std::uint8_t>(msg[i] ^ reference[i]));
            CHECK_MESSAGE(same, "length " << n << " counter " << counter);
            // In place gives the same bytes.
            REQUIRE(nc::chacha20_xor(key, nonce, counter, msg, msg));
            CHECK(msg == out);
        }
    }
}

TEST_CASE("chacha20: wrong sizes and counter overflow are refused without writing") {
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> nonce{};
    bytes in(65, 0x11);
    bytes out(65, 0xee);
    // Size mismatch.
    bytes short_out(64, 0xee);
    CHECK_FALSE(nc::chacha20_xor(key, nonce, 0, in, short_out));
    CHECK(short_out == bytes(64, 0xee));
    // Counter 2^32 - 1 has one block left: 64 bytes fit, 65 do not.
    CHECK_FALSE(nc::chacha20_xor(key, nonce, 0xffffffffu, in, out));
    CHECK(out == bytes(65, 0xee));
    CHECK(nc::chacha20_xor(key, nonce, 0xffffffffu, std::span<const std::uint8_t>(in).first(64),
                           std::span<std::uint8_t>(out).first(64)));
    CHECK(nc::chacha20_xor(key, nonce, 0xfffffffeu, in, out));
    // Empty input is fine at any counter.
    CHECK(nc::chacha20_xor(key, nonce, 0xffffffffu, {}, {}));
    std::array<std::uint8_t, 24> xnonce{};
    CHECK_FALSE(nc::xchacha20_xor(key, xnonce, 0xffffffffu, in, out));
    CHECK_FALSE(nc::xchacha20_xor(key, xnonce, 0, in, short_out));
}

TEST_CASE("hchacha20: draft-irtf-cfrg-xchacha-03 §2.2.1") {
    const auto doc = nexus::test::load_vectors("hchacha20.json");
    REQUIRE(doc["cases"].size() == 1);
    for (const auto& c : doc["cases"]) {
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes in = from_hex(c["input"].get<std::string>());
        std::array<std::uint8_t, 32> out{};
        nc::hchacha20(fixed<32>(key), fixed<16>(in), out);
        CHECK(to_hex(out) == c["output"].get<std::string>());
    }
}

TEST_CASE("xchacha20: draft-irtf-cfrg-xchacha-03 §A.3.2, and its definition through HChaCha20") {
    const auto doc = nexus::test::load_vectors("xchacha20.json");
    REQUIRE(doc["cases"].size() == 1);
    for (const auto& c : doc["cases"]) {
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes nonce = from_hex(c["nonce"].get<std::string>());
        const auto counter = c["counter"].get<std::uint32_t>();
        const bytes pt = from_hex(c["plaintext"].get<std::string>());
        const bytes ct = from_hex(c["ciphertext"].get<std::string>());
        bytes out(pt.size());
        REQUIRE(nc::xchacha20_xor(fixed<32>(key), fixed<24>(nonce), counter, pt, out));
        CHECK(out == ct);

        // XChaCha20 = ChaCha20(HChaCha20(key, nonce[0..16)), 0^4 || nonce[16..24)) (draft §2.3).
        std::array<std::uint8_t, 32> subkey{};
        nc::hchacha20(fixed<32>(key), std::span<const std::uint8_t, 16>(nonce.data(), 16), subkey);
        std::array<std::uint8_t, 12> subnonce{};
        for (std::size_t i = 0; i < 8; ++i) subnonce[4 + i] = nonce[16 + i];
        bytes again(pt.size());
        REQUIRE(nc::chacha20_xor(subkey, subnonce, counter, pt, again));
        CHECK(again == ct);

        bytes buf = ct;
        REQUIRE(nc::xchacha20_xor(fixed<32>(key), fixed<24>(nonce), counter, buf, buf));
        CHECK(buf == pt);
    }
}

namespace {

// Runs one keystream path on a fresh state for (key, nonce, counter) over msg, separately and in
// place; checks both against the block-at-a-time reference and the counter the path leaves.
template <class Path>
void check_path(Path path, const char* name, std::span<const std::uint8_t, 32> key,
                std::span<const std::uint8_t, 12> nonce, std::uint32_t counter, const bytes& msg,
                const bytes& reference) {
    const std::size_t n = msg.size();
    std::uint32_t state[16];
    nc::chacha20_detail::init_state(state, key.data(), counter, nonce.data());
    bytes out(n, 0);
    path(state, msg.data(), out.data(), n);
    bool same = true;
    for (std::size_t i = 0; i < n; ++i) same = same && (out[i] == static_cast<std::uint8_t>(msg[i] ^ reference[i]));
    CHECK_MESSAGE(same, name << ": length " << n << " counter " << counter);
    // Every whole block advances the counter; a partial last block is consumed but not counted.
    CHECK_MESSAGE(state[12] == static_cast<std::uint32_t>(counter + n / 64), name << ": counter after " << n);

    std::uint32_t again[16];
    nc::chacha20_detail::init_state(again, key.data(), counter, nonce.data());
    bytes buf = msg;
    path(again, buf.data(), buf.data(), n);
    CHECK_MESSAGE(buf == out, name << ": in place, length " << n);
}

}  // namespace

TEST_CASE("chacha20: the AVX2 and portable paths agree with block-at-a-time keystream") {
    nexus::test::rng rng(0xa7c2c4a2);
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> nonce{};
    const auto portable = [](std::uint32_t (&st)[16], const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
        nc::chacha20_detail::xor_stream_portable(st, in, out, n);
    };
    const auto dispatched = [](std::uint32_t (&st)[16], const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
        nc::chacha20_detail::xor_stream(st, in, out, n);
    };
#if defined(NEXUS_CRYPTO_CHACHA20_AVX2)
    const bool avx2 = nc::chacha20_detail::avx2_available();
    const auto with_avx2 = [](std::uint32_t (&st)[16], const std::uint8_t* in, std::uint8_t* out, std::size_t n) {
        nc::chacha20_detail::xor_stream_avx2(st, in, out, n);
    };
    if (!avx2) MESSAGE("this CPU lacks AVX2: only the portable path is checked here");
#endif
    // Up to four 512-byte groups plus every tail: lengths cross each multiple of 64, 256 and 512.
    // Counters: small; one where the eight lanes of a group straddle 2^31; and ones ending exactly
    // at block 2^32 - 1 (the last the 32-bit counter allows) from inside and at a group boundary.
    constexpr std::size_t max_len = 4 * 512 + 3 * 64 + 63;
    constexpr std::uint32_t max_blocks = (max_len + 63) / 64;
    for (std::uint32_t counter : {0u, 1u, 0x7ffffffcu, 0u - max_blocks, 0u - 40u, 0u - 8u}) {
        rng.fill(key);
        rng.fill(nonce);
        const std::uint64_t room = (std::uint64_t{1} << 32) - counter;
        const std::size_t limit = static_cast<std::size_t>(std::min<std::uint64_t>(max_len, room * 64));
        const bytes reference = keystream_by_blocks(key, nonce, counter, limit);
        for (std::size_t n = 0; n <= limit; ++n) {
            // Every length near a 64-byte boundary, and a sample in between.
            if (n % 64 > 2 && n % 64 < 62 && n % 7 != 0) continue;
            bytes msg(n);
            rng.fill(msg);
            check_path(portable, "portable", key, nonce, counter, msg, reference);
            check_path(dispatched, "dispatched", key, nonce, counter, msg, reference);
#if defined(NEXUS_CRYPTO_CHACHA20_AVX2)
            if (avx2) check_path(with_avx2, "avx2", key, nonce, counter, msg, reference);
#endif
        }
    }
}

TEST_CASE("chacha20: long messages through the public API, ending at the last counter") {
    nexus::test::rng rng(0x10c4a);
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> nonce{};
    rng.fill(key);
    rng.fill(nonce);
    for (std::size_t n : {4095u, 4096u, 4097u, 16384u, 16384u + 320u + 17u}) {
        const std::uint32_t blocks = static_cast<std::uint32_t>((n + 63) / 64);
        for (std::uint32_t counter : {1u, 0u - blocks}) {
            const bytes reference = keystream_by_blocks(key, nonce, counter, n);
            bytes msg(n), out(n);
            rng.fill(msg);
            REQUIRE(nc::chacha20_xor(key, nonce, counter, msg, out));
            bool same = true;
            for (std::size_t i = 0; i < n; ++i)
                same = same && (out[i] == static_cast<std::uint8_t>(msg[i] ^ reference[i]));
            CHECK_MESSAGE(same, "length " << n << " counter " << counter);
            // One more block would wrap the counter: refused.
            if (counter != 1u) {
                bytes longer(n + 64 - n % 64 + 1), longer_out(longer.size(), 0xee);
                CHECK_FALSE(nc::chacha20_xor(key, nonce, counter, longer, longer_out));
            }
        }
    }
}
