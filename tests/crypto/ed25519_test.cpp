// Tests for crypto/ed25519.hpp on both field backends: RFC 8032 §7.1 (test-vectors/ed25519.json),
// Wycheproof ed25519_test.json in place, each row of the verification table at the top of
// ed25519.hpp, and the conversion to X25519 keys.
#include <nexus/crypto/ed25519.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

namespace c25 = nexus::crypto::curve25519;
using bytes32 = std::array<std::uint8_t, 32>;
using bytes64 = std::array<std::uint8_t, 64>;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

template <std::size_t N>
std::array<std::uint8_t, N> fixed(const std::string& hex) {
    const auto v = from_hex(hex);
    REQUIRE(v.size() == N);
    std::array<std::uint8_t, N> s{};
    for (std::size_t i = 0; i < N; ++i) s[i] = v[i];
    return s;
}

template <class F>
void check_rfc8032(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_vectors("ed25519.json");
    int count = 0;
    for (const auto& c : file["cases"]) {
        INFO(c["name"].get<std::string>());
        const auto seed = fixed<32>(c["secret_key"]);
        const bytes message = from_hex(c["message"].get<std::string>());
        bytes32 pk{};
        bytes64 sk{}, sig{};
        nexus::crypto::ed25519_keypair<F>(pk, sk, seed);
        CHECK(to_hex(pk) == c["public_key"].get<std::string>());
        CHECK(to_hex(std::span<const std::uint8_t, 64>(sk).first(32)) == c["secret_key"].get<std::string>());
        CHECK(to_hex(std::span<const std::uint8_t, 64>(sk).last(32)) == c["public_key"].get<std::string>());
        nexus::crypto::ed25519_sign<F>(sig, sk, message);
        CHECK(to_hex(sig) == c["signature"].get<std::string>());
        CHECK(nexus::crypto::ed25519_verify<F>(sig, pk, message));
        // Any single flipped bit of signature, key or message breaks it.
        for (std::size_t bit = 0; bit < 512; bit += 7) {
            bytes64 bad = sig;
            bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
            CHECK_FALSE(nexus::crypto::ed25519_verify<F>(bad, pk, message));
        }
        for (std::size_t bit = 0; bit < 256; bit += 5) {
            bytes32 bad = pk;
            bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
            CHECK_FALSE(nexus::crypto::ed25519_verify<F>(sig, bad, message));
        }
        if (!message.empty()) {
            bytes bad = message;
            bad.back() ^= 1;
            CHECK_FALSE(nexus::crypto::ed25519_verify<F>(sig, pk, bad));
        }
        bytes longer = message;
        longer.push_back(0);
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(sig, pk, longer));
        ++count;
    }
    CHECK(count == 5);
}

TEST_CASE("ed25519: RFC 8032 §7.1 vectors") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_rfc8032<c25::fe51>("fe51");
#endif
    check_rfc8032<c25::fe25_5>("fe25_5");
}

// Wycheproof's ed25519_test.json has no "acceptable" cases; every verdict must match. Signatures
// of other lengths than 64 bytes cannot be passed to ed25519_verify at all (fixed-extent span),
// which is a rejection.
template <class F>
void check_wycheproof(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_shared_vectors("wycheproof/ed25519_test.json");
    if (!file) {
        MESSAGE("skipped: wycheproof/ed25519_test.json not found under NEXUS_SHARED_VECTORS_DIR");
        return;
    }
    int count = 0, valid = 0;
    for (const auto& group : (*file)["testGroups"]) {
        const bytes pk_bytes = from_hex(group["publicKey"]["pk"].get<std::string>());
        REQUIRE(pk_bytes.size() == 32);
        bytes32 pk{};
        for (std::size_t i = 0; i < 32; ++i) pk[i] = pk_bytes[i];
        for (const auto& t : group["tests"]) {
            INFO("tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
            const std::string result = t["result"];
            REQUIRE(result != "acceptable");
            const bytes msg = from_hex(t["msg"].get<std::string>());
            const bytes sig_bytes = from_hex(t["sig"].get<std::string>());
            bool ok = false;
            if (sig_bytes.size() == 64) {
                bytes64 sig{};
                for (std::size_t i = 0; i < 64; ++i) sig[i] = sig_bytes[i];
                ok = nexus::crypto::ed25519_verify<F>(sig, pk, msg);
            }
            CHECK(ok == (result == "valid"));
            valid += ok ? 1 : 0;
            ++count;
        }
    }
    CHECK(count == (*file)["numberOfTests"].get<int>());
    MESSAGE(std::string(name) << ": " << count << " Wycheproof Ed25519 cases, " << valid << " valid");
}

TEST_CASE("ed25519: Wycheproof ed25519_test.json") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_wycheproof<c25::fe51>("fe51");
#endif
    check_wycheproof<c25::fe25_5>("fe25_5");
}

// ---- the verification table of ed25519.hpp, row by row ----

const char* const small_order_encodings[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p, non-canonical 0
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1, non-canonical 1
};

// S = (r + k a) mod L for a signature with a chosen nonce and a chosen (public) A.
bytes64 sign_with(const bytes32& r_scalar, const bytes32& r_enc, const bytes32& a_scalar,
                  const bytes32& a_enc, std::span<const std::uint8_t> msg) {
    bytes64 digest{}, sig{};
    nexus::crypto::sha512 h;
    h.update(r_enc);
    h.update(a_enc);
    h.update(msg);
    h.finish(digest);
    bytes32 k{}, s{};
    c25::sc_reduce(k, digest);
    c25::sc_muladd(s, k, a_scalar, r_scalar);
    for (std::size_t i = 0; i < 32; ++i) {
        sig[i] = r_enc[i];
        sig[32 + i] = s[i];
    }
    return sig;
}

template <class F>
void check_table(const char* name) {
    INFO("backend " << std::string(name));
    const bytes32 seed = fixed<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    bytes32 pk{};
    bytes64 sk{}, sig{};
    nexus::crypto::ed25519_keypair<F>(pk, sk, seed);
    const std::array<std::uint8_t, 3> msg{'a', 'b', 'c'};
    nexus::crypto::ed25519_sign<F>(sig, sk, msg);
    REQUIRE(nexus::crypto::ed25519_verify<F>(sig, pk, msg));

    SUBCASE("S >= L is rejected, though S - L would verify") {
        // S + L < 2^256 for every S < 2^253 - L; add L with a byte-wise carry.
        bytes64 bad = sig;
        unsigned carry = 0;
        for (std::size_t i = 0; i < 32; ++i) {
            const unsigned v = bad[32 + i] + c25::scalar_order[i] + carry;
            bad[32 + i] = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
        REQUIRE(carry == 0);
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(bad, pk, msg));
        for (std::size_t i = 0; i < 32; ++i) bad[32 + i] = c25::scalar_order[i];  // S = L exactly
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(bad, pk, msg));
    }

    SUBCASE("small-order R is rejected even when the equation holds") {
        // With R = T of small order and nonce 0: S = k a satisfies [S]B = [k]A, and R + [k]A
        // differs from it only by T. Use T = identity, where the equation does hold exactly.
        bytes32 zero{}, a{};
        bytes64 expanded{};
        nexus::crypto::sha512_hash(seed, expanded);
        for (std::size_t i = 0; i < 32; ++i) a[i] = expanded[i];
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        for (const char* hex : small_order_encodings) {
            INFO(hex);
            const bytes64 forged = sign_with(zero, fixed<32>(hex), a, pk, msg);
            CHECK_FALSE(nexus::crypto::ed25519_verify<F>(forged, pk, msg));
        }
    }

    SUBCASE("small-order and non-canonical public keys are rejected") {
        for (const char* hex : small_order_encodings) {
            INFO(hex);
            // With A of small order, S = r and R = [r]B make [S]B = R + [k]A hold for k A = 0.
            const bytes32 a_enc = fixed<32>(hex);
            const bytes32 r{5};
            c25::edwards_point<F> rp{};
            c25::ge_scalarmult_base(rp, r);
            bytes32 r_enc{};
            c25::ge_compress(r_enc, rp);
            const bytes64 forged = sign_with(r, r_enc, bytes32{}, a_enc, msg);
            CHECK_FALSE(nexus::crypto::ed25519_verify<F>(forged, a_enc, msg));
        }
        // y >= p: a non-canonical encoding of y = 3 (a valid point) is refused.
        bytes32 a_enc{};
        a_enc.fill(0xff);
        a_enc[31] = 0x7f;
        a_enc[0] = 0xf0;
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(sig, a_enc, msg));
        // Not on the curve.
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(
            sig, fixed<32>("0200000000000000000000000000000000000000000000000000000000000000"), msg));
    }

    SUBCASE("non-canonical R is rejected") {
        // R is compared byte for byte with the canonical encoding of [S]B - [k]A, so an encoding
        // with y >= p (here p + 3, an alias of the valid y = 3) can never match. (Wycheproof's
        // InvalidEncoding cases carry full signatures of this kind.)
        bytes32 non_canonical{};
        non_canonical.fill(0xff);
        non_canonical[31] = 0x7f;
        non_canonical[0] = 0xf0;
        c25::edwards_point<F> p{};
        REQUIRE_FALSE(c25::ge_decompress(p, non_canonical));
        bytes64 forged = sig;
        for (std::size_t i = 0; i < 32; ++i) forged[i] = non_canonical[i];
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(forged, pk, msg));
        // The sign bit of R is part of the comparison too.
        forged = sig;
        forged[31] ^= 0x80;
        CHECK_FALSE(nexus::crypto::ed25519_verify<F>(forged, pk, msg));
    }

    SUBCASE("mixed-order public keys: the cofactorless equation decides") {
        // A' = A + T8 with the signer's real scalar a: [S]B - [k]A' = R - [k]T8, which equals R
        // exactly when k is a multiple of T8's order (8). A cofactored verifier would accept all.
        bytes32 a{};
        bytes64 expanded{};
        nexus::crypto::sha512_hash(seed, expanded);
        for (std::size_t i = 0; i < 32; ++i) a[i] = expanded[i];
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        c25::edwards_point<F> ap{}, t{};
        REQUIRE(c25::ge_decompress(ap, pk));
        REQUIRE(c25::ge_decompress(t, fixed<32>(small_order_encodings[4])));
        c25::ge_add(ap, ap, t);
        bytes32 a_mixed{};
        c25::ge_compress(a_mixed, ap);
        int accepted = 0;
        for (std::uint8_t m = 0; m < 64; ++m) {
            const std::array<std::uint8_t, 1> one{m};
            const bytes32 r{static_cast<std::uint8_t>(m + 1), 7};
            c25::edwards_point<F> rp{};
            c25::ge_scalarmult_base(rp, r);
            bytes32 r_enc{};
            c25::ge_compress(r_enc, rp);
            const bytes64 s = sign_with(r, r_enc, a, a_mixed, one);
            // k = H(R || A' || M) mod L, as the verifier computes it.
            bytes64 digest{};
            nexus::crypto::sha512 h;
            h.update(r_enc);
            h.update(a_mixed);
            h.update(one);
            h.finish(digest);
            bytes32 k{};
            c25::sc_reduce(k, digest);
            const bool k_kills_torsion = (k[0] & 7) == 0;
            CHECK(nexus::crypto::ed25519_verify<F>(s, a_mixed, one) == k_kills_torsion);
            accepted += k_kills_torsion ? 1 : 0;
        }
        CHECK(accepted > 0);
        CHECK(accepted < 64);
    }
}

TEST_CASE("ed25519: verification edge cases") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_table<c25::fe51>("fe51");
#endif
    check_table<c25::fe25_5>("fe25_5");
}

template <class F>
void check_conversion(const char* name) {
    INFO("backend " << std::string(name));
    nexus::test::rng rng(0x636f6e76);
    for (int i = 0; i < 100; ++i) {
        bytes32 seed{}, pk{}, x_pub{}, x_sec{}, x_pub2{};
        bytes64 sk{};
        rng.fill(seed);
        nexus::crypto::ed25519_keypair<F>(pk, sk, seed);
        REQUIRE(nexus::crypto::ed25519_public_to_x25519<F>(x_pub, pk));
        nexus::crypto::ed25519_secret_to_x25519(x_sec, sk);
        nexus::crypto::x25519_public_key<F>(x_pub2, x_sec);
        CHECK(x_pub == x_pub2);
        // Both sides of a DH between an Ed25519-derived key and a fresh X25519 key agree.
        bytes32 other{}, other_pub{}, s1{}, s2{};
        rng.fill(other);
        nexus::crypto::x25519_public_key<F>(other_pub, other);
        CHECK(nexus::crypto::x25519<F>(s1, x_sec, other_pub));
        CHECK(nexus::crypto::x25519<F>(s2, other, x_pub));
        CHECK(s1 == s2);
    }
    // RFC 8032 TEST 1's key maps to this u (checked against libsodium's
    // crypto_sign_ed25519_pk_to_curve25519 in the differential test).
    bytes32 x_pub{};
    const bytes32 pk = fixed<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    REQUIRE(nexus::crypto::ed25519_public_to_x25519<F>(x_pub, pk));
    // Refused: small order, mixed order, non-canonical, off the curve.
    for (const char* hex : small_order_encodings) {
        INFO(hex);
        CHECK_FALSE(nexus::crypto::ed25519_public_to_x25519<F>(x_pub, fixed<32>(hex)));
    }
    c25::edwards_point<F> a{}, t{};
    REQUIRE(c25::ge_decompress(a, pk));
    REQUIRE(c25::ge_decompress(t, fixed<32>(small_order_encodings[2])));
    c25::ge_add(a, a, t);
    bytes32 mixed{};
    c25::ge_compress(mixed, a);
    CHECK_FALSE(nexus::crypto::ed25519_public_to_x25519<F>(x_pub, mixed));
    bytes32 non_canonical{};
    non_canonical.fill(0xff);
    non_canonical[31] = 0x7f;
    non_canonical[0] = 0xf0;
    CHECK_FALSE(nexus::crypto::ed25519_public_to_x25519<F>(x_pub, non_canonical));
    CHECK_FALSE(nexus::crypto::ed25519_public_to_x25519<F>(
        x_pub, fixed<32>("0200000000000000000000000000000000000000000000000000000000000000")));
}

TEST_CASE("ed25519: conversion to X25519 keys") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_conversion<c25::fe51>("fe51");
#endif
    check_conversion<c25::fe25_5>("fe25_5");
}

TEST_CASE("ed25519: the two backends agree on random keys and messages") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    nexus::test::rng rng(0x6167726565);
    for (int i = 0; i < 100; ++i) {
        bytes32 seed{}, pk1{}, pk2{};
        bytes64 sk1{}, sk2{}, sig1{}, sig2{};
        rng.fill(seed);
        std::vector<std::uint8_t> msg(rng.below(300));
        rng.fill(msg);
        nexus::crypto::ed25519_keypair<c25::fe51>(pk1, sk1, seed);
        nexus::crypto::ed25519_keypair<c25::fe25_5>(pk2, sk2, seed);
        CHECK(pk1 == pk2);
        nexus::crypto::ed25519_sign<c25::fe51>(sig1, sk1, msg);
        nexus::crypto::ed25519_sign<c25::fe25_5>(sig2, sk2, msg);
        CHECK(sig1 == sig2);
        CHECK(nexus::crypto::ed25519_verify<c25::fe51>(sig2, pk2, msg));
        CHECK(nexus::crypto::ed25519_verify<c25::fe25_5>(sig1, pk1, msg));
    }
#else
    MESSAGE("only the 32-bit backend exists on this target");
#endif
}

}  // namespace
