// Tests of crypto/aead.hpp, each on both Poly1305 backends: RFC 8439 §2.8.2 and §A.5,
// draft-irtf-cfrg-xchacha-03 §A.3.1, Wycheproof ChaCha20-Poly1305 and XChaCha20-Poly1305 in place,
// combined/detached/in-place forms, single-bit tampering of ciphertext, tag and AD, and size errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "nexus/crypto/aead.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::crypto::aead_status;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace nc = nexus::crypto;

using cc_32 = nc::basic_chacha20_poly1305<nc::poly1305_32>;
using cc_64 = nc::basic_chacha20_poly1305<nc::poly1305_64>;
using xc_32 = nc::basic_xchacha20_poly1305<nc::poly1305_32>;
using xc_64 = nc::basic_xchacha20_poly1305<nc::poly1305_64>;

template <std::size_t N>
std::span<const std::uint8_t, N> fixed(const bytes& b) {
    REQUIRE(b.size() == N);
    return std::span<const std::uint8_t, N>(b.data(), N);
}

template <std::size_t N>
std::span<std::uint8_t, N> fixed_out(bytes& b) {
    REQUIRE(b.size() == N);
    return std::span<std::uint8_t, N>(b.data(), N);
}

bytes concat(const bytes& a, const bytes& b) {
    bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

bool all_zero(const bytes& b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == 0; });
}

// One AEAD case checked every way: combined and detached seal and open, separate buffers and in place.
template <class A>
void check_case(const bytes& key, const bytes& nonce, const bytes& ad, const bytes& pt, const bytes& ct,
                const bytes& tag) {
    const auto k = fixed<A::key_size>(key);
    const auto n = fixed<A::nonce_size>(nonce);
    const bytes sealed_expected = concat(ct, tag);

    bytes sealed(pt.size() + 16, 0);
    aead_status st = aead_status::bad_length;
    NEXUS_CHECK_NO_ALLOC(st = A::seal(k, n, pt, ad, sealed));
    CHECK(st == aead_status::ok);
    CHECK(to_hex(sealed) == to_hex(sealed_expected));

    bytes ct_out(pt.size(), 0), tag_out(16, 0);
    CHECK(A::seal_detached(k, n, pt, ad, ct_out, fixed_out<16>(tag_out)) == aead_status::ok);
    CHECK(ct_out == ct);
    CHECK(tag_out == tag);

    bytes opened(ct.size(), 0);
    st = aead_status::bad_length;
    NEXUS_CHECK_NO_ALLOC(st = A::open(k, n, sealed_expected, ad, opened));
    CHECK(st == aead_status::ok);
    CHECK(opened == pt);

    bytes opened_detached(ct.size(), 0);
    CHECK(A::open_detached(k, n, ct, fixed<16>(tag), ad, opened_detached) == aead_status::ok);
    CHECK(opened_detached == pt);

    // In place: seal writes ciphertext over the plaintext and the tag after it; open reads the
    // tag from the end and decrypts over the ciphertext.
    bytes buf = pt;
    buf.resize(pt.size() + 16);
    CHECK(A::seal(k, n, std::span<const std::uint8_t>(buf).first(pt.size()), ad, buf) == aead_status::ok);
    CHECK(buf == sealed_expected);
    CHECK(A::open(k, n, buf, ad, std::span<std::uint8_t>(buf).first(pt.size())) == aead_status::ok);
    CHECK(std::equal(pt.begin(), pt.end(), buf.begin()));

    bytes buf2 = pt;
    bytes tag2(16, 0);
    CHECK(A::seal_detached(k, n, buf2, ad, buf2, fixed_out<16>(tag2)) == aead_status::ok);
    CHECK(buf2 == ct);
    CHECK(A::open_detached(k, n, buf2, fixed<16>(tag2), ad, buf2) == aead_status::ok);
    CHECK(buf2 == pt);
}

template <class A>
void check_vector_file(const char* file, std::size_t expected_cases) {
    const auto doc = nexus::test::load_vectors(file);
    REQUIRE(doc["cases"].size() == expected_cases);
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["section"].get<std::string>());
        check_case<A>(from_hex(c["key"].get<std::string>()), from_hex(c["nonce"].get<std::string>()),
                      from_hex(c["aad"].get<std::string>()), from_hex(c["plaintext"].get<std::string>()),
                      from_hex(c["ciphertext"].get<std::string>()), from_hex(c["tag"].get<std::string>()));
    }
}

// Wycheproof AeadTest file: every valid case opens to msg and seals to ct || tag; every invalid
// case is refused (and leaves the output buffer zero). Nonces of a size the type cannot hold are
// refused by the type (the API takes fixed-extent nonces): they are counted, and must be invalid.
template <class A>
void check_wycheproof(const char* file) {
    const auto doc = nexus::test::load_shared_vectors(file);
    if (!doc) {
        MESSAGE("skipped: ", std::string(file), " not found under NEXUS_SHARED_VECTORS_DIR");
        return;
    }
    std::size_t valid = 0, invalid = 0, wrong_nonce_size = 0;
    for (const auto& group : (*doc)["testGroups"]) {
        const bool nonce_fits = group["ivSize"].get<std::size_t>() == 8 * A::nonce_size;
        REQUIRE(group["keySize"].get<std::size_t>() == 256);
        REQUIRE(group["tagSize"].get<std::size_t>() == 128);
        for (const auto& t : group["tests"]) {
            CAPTURE(t["tcId"].get<int>());
            CAPTURE(t["comment"].get<std::string>());
            const std::string result = t["result"].get<std::string>();
            const bytes key = from_hex(t["key"].get<std::string>());
            const bytes iv = from_hex(t["iv"].get<std::string>());
            const bytes aad = from_hex(t["aad"].get<std::string>());
            const bytes msg = from_hex(t["msg"].get<std::string>());
            const bytes ct = from_hex(t["ct"].get<std::string>());
            const bytes tag = from_hex(t["tag"].get<std::string>());
            if (!nonce_fits) {
                CHECK(iv.size() != A::nonce_size);
                CHECK(result == "invalid");
                ++wrong_nonce_size;
                continue;
            }
            const auto k = fixed<A::key_size>(key);
            const auto n = fixed<A::nonce_size>(iv);
            bytes out(ct.size(), 0);
            const aead_status st = A::open(k, n, concat(ct, tag), aad, out);
            if (result == "valid" || result == "acceptable") {
                ++valid;
                CHECK(st == aead_status::ok);
                CHECK(to_hex(out) == to_hex(msg));
                bytes sealed(msg.size() + 16, 0);
                CHECK(A::seal(k, n, msg, aad, sealed) == aead_status::ok);
                CHECK(to_hex(sealed) == to_hex(concat(ct, tag)));
            } else {
                ++invalid;
                CHECK(st == aead_status::bad_tag);
                CHECK(all_zero(out));
            }
        }
    }
    MESSAGE(std::string(file), ": ", valid, " valid cases opened and resealed, ", invalid,
            " invalid cases rejected, ", wrong_nonce_size,
            " cases with a nonce of another size rejected by the type");
    CHECK(valid > 0);
}

// Flips every bit of the ciphertext, the tag and the AD in turn: open must fail with bad_tag and
// write nothing (a zeroed output stays zero; an in-place buffer keeps the tampered ciphertext).
template <class A>
void check_tampering(const bytes& key, const bytes& nonce, const bytes& ad, const bytes& pt) {
    const auto k = fixed<A::key_size>(key);
    const auto n = fixed<A::nonce_size>(nonce);
    bytes sealed(pt.size() + 16, 0);
    REQUIRE(A::seal(k, n, pt, ad, sealed) == aead_status::ok);
    bytes ad_mut = ad;
    std::size_t failures = 0;

    auto expect_rejected = [&](const bytes& msg, const bytes& the_ad) {
        bytes out(pt.size(), 0);
        const aead_status st = A::open(k, n, msg, the_ad, out);
        bytes in_place = msg;
        const aead_status st2 =
            A::open(k, n, in_place, the_ad, std::span<std::uint8_t>(in_place).first(pt.size()));
        const bytes ct(msg.begin(), msg.end() - 16);
        const bytes tag(msg.end() - 16, msg.end());
        bytes out_detached(pt.size(), 0);
        const aead_status st3 = A::open_detached(k, n, ct, fixed<16>(tag), the_ad, out_detached);
        const bool ok = st == aead_status::bad_tag && all_zero(out) && st2 == aead_status::bad_tag &&
                        in_place == msg && st3 == aead_status::bad_tag && all_zero(out_detached);
        if (!ok) ++failures;
    };
    for (std::size_t bit = 0; bit < 8 * sealed.size(); ++bit) {  // ciphertext, then tag
        sealed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        expect_rejected(sealed, ad);
        sealed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    for (std::size_t bit = 0; bit < 8 * ad_mut.size(); ++bit) {
        ad_mut[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        expect_rejected(sealed, ad_mut);
        ad_mut[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    // Dropping the AD altogether must not verify either.
    if (!ad.empty()) expect_rejected(sealed, bytes{});
    CHECK_MESSAGE(failures == 0, failures << " tampered messages were not rejected cleanly (pt " << pt.size()
                                          << " bytes, ad " << ad.size() << " bytes)");
    // The untouched message still opens.
    bytes out(pt.size(), 0);
    CHECK(A::open(k, n, sealed, ad, out) == aead_status::ok);
    CHECK(out == pt);
}

template <class A>
void check_tampering_all() {
    const nlohmann::json doc =
        nexus::test::load_vectors(A::nonce_size == 12 ? "chacha20_poly1305.json" : "xchacha20_poly1305.json");
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["section"].get<std::string>());
        check_tampering<A>(from_hex(c["key"].get<std::string>()), from_hex(c["nonce"].get<std::string>()),
                           from_hex(c["aad"].get<std::string>()),
                           from_hex(c["plaintext"].get<std::string>()));
    }
    nexus::test::rng rng(0x7a3e9e);
    for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 63u, 64u, 65u, 255u, 256u, 257u}) {
        bytes key(A::key_size), nonce(A::nonce_size), ad(static_cast<std::size_t>(rng.below(40))), pt(len);
        rng.fill(key);
        rng.fill(nonce);
        rng.fill(ad);
        rng.fill(pt);
        check_tampering<A>(key, nonce, ad, pt);
    }
}

template <class A>
void check_sizes() {
    bytes key(A::key_size, 7), nonce(A::nonce_size, 9), ad(5, 1), pt(40, 2);
    const auto k = fixed<A::key_size>(key);
    const auto n = fixed<A::nonce_size>(nonce);
    bytes sealed(pt.size() + 16, 0);
    REQUIRE(A::seal(k, n, pt, ad, sealed) == aead_status::ok);

    // seal: out must be exactly plaintext + 16.
    for (std::size_t size : {0u, 15u, 16u, 55u, 57u, 100u}) {
        bytes out(size, 0xaa);
        CHECK(A::seal(k, n, pt, ad, out) == aead_status::bad_length);
        CHECK(out == bytes(size, 0xaa));
    }
    bytes ct_short(39, 0xaa), tag(16, 0xaa);
    CHECK(A::seal_detached(k, n, pt, ad, ct_short, fixed_out<16>(tag)) == aead_status::bad_length);
    CHECK(ct_short == bytes(39, 0xaa));
    CHECK(tag == bytes(16, 0xaa));

    // open: the input must hold a tag, and out must be exactly input - 16.
    for (std::size_t size : {0u, 1u, 15u}) {
        bytes out(0);
        CHECK(A::open(k, n, std::span<const std::uint8_t>(sealed).first(size), ad, out) ==
              aead_status::bad_length);
    }
    for (std::size_t size : {0u, 39u, 41u, 56u}) {
        bytes out(size, 0xaa);
        CHECK(A::open(k, n, sealed, ad, out) == aead_status::bad_length);
        CHECK(out == bytes(size, 0xaa));
    }
    bytes out_detached(41, 0xaa);
    CHECK(A::open_detached(k, n, std::span<const std::uint8_t>(sealed).first(40),
                           std::span<const std::uint8_t, 16>(sealed.data() + 40, 16), ad,
                           out_detached) == aead_status::bad_length);
    CHECK(out_detached == bytes(41, 0xaa));

    // A bare tag (empty message) with empty and non-empty AD round-trips.
    bytes empty_sealed(16, 0);
    CHECK(A::seal(k, n, {}, {}, empty_sealed) == aead_status::ok);
    CHECK(A::open(k, n, empty_sealed, {}, {}) == aead_status::ok);
    CHECK(A::open(k, n, empty_sealed, ad, {}) == aead_status::bad_tag);
    CHECK(A::seal(k, n, {}, ad, empty_sealed) == aead_status::ok);
    CHECK(A::open(k, n, empty_sealed, ad, {}) == aead_status::ok);
}

}  // namespace

TEST_CASE("aead: status names") {
    CHECK(nc::to_string(aead_status::ok) == "ok");
    CHECK(nc::to_string(aead_status::bad_tag) == "bad_tag");
    CHECK(nc::to_string(aead_status::bad_length) == "bad_length");
    CHECK(std::is_same_v<nc::chacha20_poly1305, nc::basic_chacha20_poly1305<nc::poly1305>>);
    CHECK(std::is_same_v<nc::xchacha20_poly1305, nc::basic_xchacha20_poly1305<nc::poly1305>>);
}

TEST_CASE_TEMPLATE("chacha20_poly1305: RFC 8439 §2.8.2 and §A.5", A, cc_32, cc_64) {
    check_vector_file<A>("chacha20_poly1305.json", 2);
}

TEST_CASE_TEMPLATE("xchacha20_poly1305: draft-irtf-cfrg-xchacha-03 §A.3.1", A, xc_32, xc_64) {
    check_vector_file<A>("xchacha20_poly1305.json", 1);
}

TEST_CASE_TEMPLATE("chacha20_poly1305: Wycheproof chacha20_poly1305_test.json", A, cc_32, cc_64) {
    check_wycheproof<A>("wycheproof/chacha20_poly1305_test.json");
}

TEST_CASE_TEMPLATE("xchacha20_poly1305: Wycheproof xchacha20_poly1305_test.json", A, xc_32, xc_64) {
    check_wycheproof<A>("wycheproof/xchacha20_poly1305_test.json");
}

TEST_CASE_TEMPLATE("aead: any single-bit change of ciphertext, tag or AD is rejected, nothing written", A,
                   cc_32, cc_64, xc_32, xc_64) {
    check_tampering_all<A>();
}

TEST_CASE_TEMPLATE("aead: wrong buffer sizes are errors and write nothing", A, cc_32, cc_64, xc_32, xc_64) {
    check_sizes<A>();
}

TEST_CASE_TEMPLATE("aead: random round trips at every length around the block sizes", A, cc_32, cc_64, xc_32,
                   xc_64) {
    nexus::test::rng rng(0xae4d);
    for (std::size_t len = 0; len <= 600; ++len) {
        bytes key(A::key_size), nonce(A::nonce_size), ad(static_cast<std::size_t>(rng.below(70))), pt(len);
        rng.fill(key);
        rng.fill(nonce);
        rng.fill(ad);
        rng.fill(pt);
        const auto k = fixed<A::key_size>(key);
        const auto n = fixed<A::nonce_size>(nonce);
        bytes sealed(len + 16), opened(len);
        REQUIRE(A::seal(k, n, pt, ad, sealed) == aead_status::ok);
        REQUIRE(A::open(k, n, sealed, ad, opened) == aead_status::ok);
        CHECK(opened == pt);
        // A different nonce or key does not open it.
        nonce[0] ^= 1;
        bytes out(len, 0);
        CHECK(A::open(k, fixed<A::nonce_size>(nonce), sealed, ad, out) == aead_status::bad_tag);
        nonce[0] ^= 1;
        key[31] ^= 0x80;
        CHECK(A::open(fixed<A::key_size>(key), n, sealed, ad, out) == aead_status::bad_tag);
        CHECK(all_zero(out));
    }
}

TEST_CASE_TEMPLATE("chacha20_poly1305: seal equals the §2.8 construction from its parts around 512-byte multiples",
                   A, cc_32, cc_64) {
    // Lengths on both sides of the multiples of 64, 256 and 512 bytes where the ChaCha20 paths
    // (eight, four and one block at a time) and the Poly1305 steps change over, built here from
    // chacha20_block and the one-block Poly1305 update, with and without AD, separately and in place.
    nexus::test::rng rng(0xae4d512);
    for (std::size_t base : {256u, 512u, 1024u, 1536u, 2048u, 4096u, 16384u}) {
        for (std::size_t len : {base - 65, base - 64, base - 63, base - 17, base - 16, base - 1, base, base + 1,
                                base + 15, base + 16, base + 63, base + 64, base + 65, base + 257}) {
            bytes key(32), nonce(12), ad(static_cast<std::size_t>(rng.below(40))), pt(len);
            rng.fill(key);
            rng.fill(nonce);
            rng.fill(ad);
            rng.fill(pt);
            const auto k = fixed<32>(key);
            const auto n = fixed<12>(nonce);

            // Expected ciphertext: keystream blocks 1, 2, ... (block 0 keys Poly1305, §2.6).
            std::array<std::uint8_t, 64> block{};
            nc::chacha20_block(k, 0, n, block);
            std::array<std::uint8_t, 32> otk{};
            std::copy_n(block.begin(), 32, otk.begin());
            bytes expected(len + 16);
            for (std::size_t at = 0; at < len; at += 64) {
                nc::chacha20_block(k, static_cast<std::uint32_t>(1 + at / 64), n, block);
                for (std::size_t i = at; i < std::min(len, at + 64); ++i)
                    expected[i] = static_cast<std::uint8_t>(pt[i] ^ block[i - at]);
            }
            // Expected tag over ad || pad || ct || pad || lengths, fed one block per update.
            bytes mac_data = ad;
            mac_data.resize((ad.size() + 15) / 16 * 16, 0);
            mac_data.insert(mac_data.end(), expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(len));
            mac_data.resize((mac_data.size() + 15) / 16 * 16, 0);
            for (std::uint64_t v : {std::uint64_t{ad.size()}, std::uint64_t{len}})
                for (int i = 0; i < 8; ++i) mac_data.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
            nc::poly1305_32 mac(otk);
            for (std::size_t at = 0; at < mac_data.size(); at += 16)
                mac.update(std::span<const std::uint8_t>(mac_data).subspan(at, 16));
            mac.finish(std::span<std::uint8_t, 16>(expected.data() + len, 16));

            bytes sealed(len + 16);
            REQUIRE(A::seal(k, n, pt, ad, sealed) == aead_status::ok);
            CHECK_MESSAGE(sealed == expected, "length " << len);
            bytes in_place = pt;
            in_place.resize(len + 16);
            REQUIRE(A::seal(k, n, std::span<const std::uint8_t>(in_place).first(len), ad, in_place) ==
                    aead_status::ok);
            CHECK_MESSAGE(in_place == expected, "in place, length " << len);
            bytes opened(len);
            REQUIRE(A::open(k, n, sealed, ad, opened) == aead_status::ok);
            CHECK(opened == pt);
        }
    }
}
