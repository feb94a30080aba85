// Differential test: nexus ChaCha20, XChaCha20, HChaCha20, Poly1305 (both backends) and the two
// AEADs against libsodium on random keys, nonces, counters, lengths (0..~2 KiB, with every block
// boundary) and splits; open verdicts compared on intact and single-bit-mutated messages.
#include <nexus/crypto/aead.hpp>
#include <nexus/crypto/chacha20.hpp>
#include <nexus/crypto/poly1305.hpp>

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "support/diff.hpp"

namespace {

namespace nc = nexus::crypto;
using nc::aead_status;
using bytes = std::vector<std::uint8_t>;

using cc_32 = nc::basic_chacha20_poly1305<nc::poly1305_32>;
using cc_64 = nc::basic_chacha20_poly1305<nc::poly1305_64>;
using xc_32 = nc::basic_xchacha20_poly1305<nc::poly1305_32>;
using xc_64 = nc::basic_xchacha20_poly1305<nc::poly1305_64>;

// Lengths: a third of the time next to a 16/64/256-byte boundary (where padding, tail handling
// and the 4-block bulk loop change), otherwise uniform over 0..2100.
std::size_t random_len(nexus::test::rng& r) {
    static constexpr std::size_t edges[] = {0,   16,   32,   48,   64,   128,  192,  256,  320, 512,
                                            768, 1024, 1040, 1088, 1280, 1536, 1792, 2048, 2064};
    if (r.below(3) == 0) {
        const std::size_t e = edges[r.below(std::size(edges))];
        const std::size_t delta = static_cast<std::size_t>(r.below(3));  // e - 1, e, e + 1
        return e == 0 ? delta : e - 1 + delta;
    }
    return static_cast<std::size_t>(r.below(2101));
}

bytes random_bytes(nexus::test::rng& r, std::size_t n) {
    bytes b(n);
    r.fill(b);
    return b;
}

template <std::size_t N>
std::array<std::uint8_t, N> random_array(nexus::test::rng& r) {
    std::array<std::uint8_t, N> a{};
    r.fill(a);
    return a;
}

void flip_random_bit(nexus::test::rng& r, bytes& b) {
    const std::size_t bit = static_cast<std::size_t>(r.below(8 * b.size()));
    b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
}

// libsodium declares its buffer arguments nonnull even for zero lengths; an empty vector's data()
// may be null, so hand it a valid (unused) address instead.
std::uint8_t* buf(bytes& b) {
    static std::uint8_t unused;
    return b.empty() ? &unused : b.data();
}
const std::uint8_t* buf(const bytes& b) {
    static const std::uint8_t unused = 0;
    return b.empty() ? &unused : b.data();
}

struct init_sodium {
    init_sodium() { REQUIRE(sodium_init() >= 0); }
};

}  // namespace

TEST_CASE("diff: chacha20, xchacha20 and hchacha20 against libsodium") {
    init_sodium init;
    nexus::test::rng rng(0xc4ac4a20d1ffULL);
    const std::size_t iterations = nexus::test::diff_iterations();
    std::size_t mismatches = 0;
    for (std::size_t it = 0; it < iterations; ++it) {
        const auto key = random_array<32>(rng);
        const auto nonce = random_array<12>(rng);
        const auto xnonce = random_array<24>(rng);
        const bytes msg = random_bytes(rng, random_len(rng));
        const std::uint64_t blocks = (msg.size() + 63) / 64;
        // Counter: small, random, or the last one that still fits (libsodium would carry into the
        // nonce past 2^32 - 1; nexus refuses, so stay within range here and test refusal elsewhere).
        std::uint32_t counter = 0;
        switch (rng.below(3)) {
            case 0:
                counter = static_cast<std::uint32_t>(rng.below(4));
                break;
            case 1:
                counter = static_cast<std::uint32_t>(rng.below((std::uint64_t{1} << 32) - blocks + 1));
                break;
            default:
                counter = static_cast<std::uint32_t>((std::uint64_t{1} << 32) - blocks - (blocks == 0));
                break;
        }

        bytes ours(msg.size()), theirs(msg.size());
        REQUIRE(nc::chacha20_xor(key, nonce, counter, msg, ours));
        crypto_stream_chacha20_ietf_xor_ic(buf(theirs), buf(msg), msg.size(), nonce.data(), counter,
                                           key.data());
        if (ours != theirs) ++mismatches;

        // In place gives the same bytes.
        bytes in_place = msg;
        REQUIRE(nc::chacha20_xor(key, nonce, counter, in_place, in_place));
        if (in_place != theirs) ++mismatches;

        REQUIRE(nc::xchacha20_xor(key, xnonce, counter, msg, ours));
        crypto_stream_xchacha20_xor_ic(buf(theirs), buf(msg), msg.size(), xnonce.data(), counter, key.data());
        if (ours != theirs) ++mismatches;

        const auto input = random_array<16>(rng);
        std::array<std::uint8_t, 32> sub_ours{}, sub_theirs{};
        nc::hchacha20(key, input, sub_ours);
        crypto_core_hchacha20(sub_theirs.data(), input.data(), key.data(), nullptr);
        if (sub_ours != sub_theirs) ++mismatches;
    }
    MESSAGE(iterations, " iterations of ChaCha20, XChaCha20 and HChaCha20");
    CHECK(mismatches == 0);
}

TEST_CASE("diff: poly1305 (both backends, one-shot and incremental) against libsodium") {
    init_sodium init;
    nexus::test::rng rng(0x9017305d1ffULL);
    const std::size_t iterations = nexus::test::diff_iterations();
    std::size_t mismatches = 0;
    for (std::size_t it = 0; it < iterations; ++it) {
        const auto key = random_array<32>(rng);
        const bytes msg = random_bytes(rng, random_len(rng));
        std::array<std::uint8_t, 16> theirs{}, t32{}, t64{}, inc32{}, inc64{};
        crypto_onetimeauth_poly1305(theirs.data(), buf(msg), msg.size(), key.data());
        nc::poly1305_32::compute(key, msg, t32);
        nc::poly1305_64::compute(key, msg, t64);

        // Three pieces at random split points.
        std::size_t a = static_cast<std::size_t>(rng.below(msg.size() + 1));
        std::size_t b = static_cast<std::size_t>(rng.below(msg.size() + 1));
        if (a > b) std::swap(a, b);
        const std::span<const std::uint8_t> m(msg);
        nc::poly1305_32 p32(key);
        nc::poly1305_64 p64(key);
        for (auto piece : {m.first(a), m.subspan(a, b - a), m.subspan(b)}) {
            p32.update(piece);
            p64.update(piece);
        }
        p32.finish(inc32);
        p64.finish(inc64);
        if (t32 != theirs || t64 != theirs || inc32 != theirs || inc64 != theirs) ++mismatches;
        if (!nc::poly1305_verify(key, msg, theirs)) ++mismatches;
    }
    MESSAGE(iterations, " iterations of Poly1305");
    CHECK(mismatches == 0);
}

namespace {

// One random AEAD case: seal with both backends equals libsodium's combined and detached output;
// the intact message opens on both sides; a mutated one (bit of ciphertext, tag or AD, or another
// nonce) gets the same verdict (rejection) from both, with nothing written by nexus.
template <class A32, class A64, class Sodium>
std::size_t aead_case(nexus::test::rng& rng, std::size_t iteration) {
    std::size_t mismatches = 0;
    auto key = random_array<A32::key_size>(rng);
    auto nonce = random_array<A32::nonce_size>(rng);
    const bytes pt = random_bytes(rng, random_len(rng));
    bytes ad = random_bytes(rng, rng.below(4) == 0 ? 0 : static_cast<std::size_t>(rng.below(300)));

    bytes theirs(pt.size() + 16), ours32(pt.size() + 16), ours64(pt.size() + 16);
    Sodium::encrypt(theirs, pt, ad, nonce, key);
    if (A32::seal(key, nonce, pt, ad, ours32) != aead_status::ok || ours32 != theirs) ++mismatches;
    if (A64::seal(key, nonce, pt, ad, ours64) != aead_status::ok || ours64 != theirs) ++mismatches;

    bytes ct(pt.size());
    std::array<std::uint8_t, 16> tag{};
    if (A64::seal_detached(key, nonce, pt, ad, ct, tag) != aead_status::ok) ++mismatches;
    if (!std::equal(ct.begin(), ct.end(), theirs.begin()) ||
        !std::equal(tag.begin(), tag.end(), theirs.end() - 16))
        ++mismatches;

    // Open the intact message; alternate backends and in-place use.
    const bool use32 = (iteration & 1) != 0;
    const bool in_place = (iteration & 2) != 0;
    auto open = [&](const bytes& msg, const bytes& the_ad, const auto& the_nonce, bytes& out) {
        if (in_place) {
            bytes io = msg;
            const auto plain = std::span(io).first(out.size());
            const aead_status st = use32 ? A32::open(key, the_nonce, io, the_ad, plain)
                                         : A64::open(key, the_nonce, io, the_ad, plain);
            if (st != aead_status::ok) return io == msg ? st : aead_status::bad_length;  // wrote on failure
            std::copy(plain.begin(), plain.end(), out.begin());
            return st;
        }
        return use32 ? A32::open(key, the_nonce, msg, the_ad, out)
                     : A64::open(key, the_nonce, msg, the_ad, out);
    };
    bytes opened(pt.size(), 0), sodium_opened(pt.size(), 0);
    const bool ours_ok = open(theirs, ad, nonce, opened) == aead_status::ok;
    const bool theirs_ok = Sodium::decrypt(sodium_opened, theirs, ad, nonce, key);
    if (!ours_ok || !theirs_ok || opened != pt || sodium_opened != pt) ++mismatches;

    // Mutate one thing, then compare verdicts.
    bytes msg = theirs;
    bytes mad = ad;
    auto mnonce = nonce;
    switch (rng.below(4)) {
        case 0:
            if (!pt.empty()) {
                bytes body(msg.begin(), msg.end() - 16);
                flip_random_bit(rng, body);
                std::copy(body.begin(), body.end(), msg.begin());
                break;
            }
            [[fallthrough]];
        case 1: {
            bytes t(msg.end() - 16, msg.end());
            flip_random_bit(rng, t);
            std::copy(t.begin(), t.end(), msg.end() - 16);
            break;
        }
        case 2:
            if (!mad.empty())
                flip_random_bit(rng, mad);
            else
                mad.push_back(static_cast<std::uint8_t>(rng.next()));
            break;
        default:
            mnonce[static_cast<std::size_t>(rng.below(mnonce.size()))] ^=
                static_cast<std::uint8_t>(1u + rng.below(255));
            break;
    }
    bytes out(pt.size(), 0), sodium_out(pt.size(), 0);
    const aead_status st = open(msg, mad, mnonce, out);
    const bool sodium_verdict = Sodium::decrypt(sodium_out, msg, mad, mnonce, key);
    if ((st == aead_status::ok) != sodium_verdict) ++mismatches;
    if (st != aead_status::bad_tag) ++mismatches;
    if (std::any_of(out.begin(), out.end(), [](std::uint8_t v) { return v != 0; })) ++mismatches;
    return mismatches;
}

struct sodium_ietf {
    static void encrypt(bytes& out, const bytes& pt, const bytes& ad, std::span<const std::uint8_t, 12> n,
                        std::span<const std::uint8_t, 32> k) {
        unsigned long long len = 0;
        crypto_aead_chacha20poly1305_ietf_encrypt(buf(out), &len, buf(pt), pt.size(), buf(ad), ad.size(),
                                                  nullptr, n.data(), k.data());
    }
    static bool decrypt(bytes& out, const bytes& ct, const bytes& ad, std::span<const std::uint8_t, 12> n,
                        std::span<const std::uint8_t, 32> k) {
        unsigned long long len = 0;
        return crypto_aead_chacha20poly1305_ietf_decrypt(buf(out), &len, nullptr, buf(ct), ct.size(), buf(ad),
                                                         ad.size(), n.data(), k.data()) == 0;
    }
};

struct sodium_xietf {
    static void encrypt(bytes& out, const bytes& pt, const bytes& ad, std::span<const std::uint8_t, 24> n,
                        std::span<const std::uint8_t, 32> k) {
        unsigned long long len = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(buf(out), &len, buf(pt), pt.size(), buf(ad), ad.size(),
                                                   nullptr, n.data(), k.data());
    }
    static bool decrypt(bytes& out, const bytes& ct, const bytes& ad, std::span<const std::uint8_t, 24> n,
                        std::span<const std::uint8_t, 32> k) {
        unsigned long long len = 0;
        return crypto_aead_xchacha20poly1305_ietf_decrypt(buf(out), &len, nullptr, buf(ct), ct.size(),
                                                          buf(ad), ad.size(), n.data(), k.data()) == 0;
    }
};

}  // namespace

TEST_CASE("diff: chacha20_poly1305 against crypto_aead_chacha20poly1305_ietf") {
    init_sodium init;
    nexus::test::rng rng(0xae4dc4acULL);
    const std::size_t iterations = nexus::test::diff_iterations();
    std::size_t mismatches = 0;
    for (std::size_t it = 0; it < iterations; ++it)
        mismatches += aead_case<cc_32, cc_64, sodium_ietf>(rng, it);
    MESSAGE(iterations, " iterations of ChaCha20-Poly1305 (seal, detached seal, open, mutated open)");
    CHECK(mismatches == 0);
}

TEST_CASE("diff: xchacha20_poly1305 against crypto_aead_xchacha20poly1305_ietf") {
    init_sodium init;
    nexus::test::rng rng(0xae4d8c4aULL);
    const std::size_t iterations = nexus::test::diff_iterations();
    std::size_t mismatches = 0;
    for (std::size_t it = 0; it < iterations; ++it)
        mismatches += aead_case<xc_32, xc_64, sodium_xietf>(rng, it);
    MESSAGE(iterations, " iterations of XChaCha20-Poly1305 (seal, detached seal, open, mutated open)");
    CHECK(mismatches == 0);
}
