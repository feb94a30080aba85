// Tests for crypto/x25519.hpp on both field backends: RFC 7748 §5.2 and §6.1 (test-vectors/
// x25519.json), Wycheproof x25519_test.json in place, and the Edwards-based public-key path
// against the ladder.
#include <nexus/crypto/x25519.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

namespace c25 = nexus::crypto::curve25519;
using bytes32 = std::array<std::uint8_t, 32>;
using nexus::test::from_hex;
using nexus::test::to_hex;

bytes32 to32(const std::string& hex) {
    const auto v = from_hex(hex);
    REQUIRE(v.size() == 32);
    bytes32 s{};
    for (std::size_t i = 0; i < 32; ++i) s[i] = v[i];
    return s;
}

template <class F>
void check_rfc7748(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_vectors("x25519.json");
    int checked = 0;
    for (const auto& c : file["cases"]) {
        const std::string type = c["type"];
        INFO(c["name"].get<std::string>());
        if (type == "function") {
            bytes32 out{};
            CHECK(nexus::crypto::x25519<F>(out, to32(c["scalar"]), to32(c["u"])));
            CHECK(to_hex(out) == c["output"].get<std::string>());
            ++checked;
        } else if (type == "iterated") {
            // k = u = 9; then k, u = X25519(k, u), k.
            const long iterations = c["iterations"];
            if (iterations > 1000 && !std::getenv("NEXUS_X25519_MILLION")) {
                MESSAGE(
                    "skipping the 1,000,000-iteration X25519 vector (set NEXUS_X25519_MILLION to run it)");
                continue;
            }
            bytes32 k{9}, u{9}, next{};
            for (long i = 0; i < iterations; ++i) {
                CHECK(nexus::crypto::x25519<F>(next, k, u));
                u = k;
                k = next;
            }
            CHECK(to_hex(k) == c["output"].get<std::string>());
            ++checked;
        } else if (type == "diffie_hellman") {
            const bytes32 a = to32(c["alice_secret"]), b = to32(c["bob_secret"]);
            bytes32 a_pub{}, b_pub{}, s1{}, s2{};
            nexus::crypto::x25519_public_key<F>(a_pub, a);
            nexus::crypto::x25519_public_key<F>(b_pub, b);
            CHECK(to_hex(a_pub) == c["alice_public"].get<std::string>());
            CHECK(to_hex(b_pub) == c["bob_public"].get<std::string>());
            CHECK(nexus::crypto::x25519<F>(s1, a, b_pub));
            CHECK(nexus::crypto::x25519<F>(s2, b, a_pub));
            CHECK(to_hex(s1) == c["shared"].get<std::string>());
            CHECK(to_hex(s2) == c["shared"].get<std::string>());
            ++checked;
        }
    }
    CHECK(checked >= 5);
}

TEST_CASE("x25519: RFC 7748 vectors") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_rfc7748<c25::fe51>("fe51");
#endif
    check_rfc7748<c25::fe25_5>("fe25_5");
}

// Wycheproof marks low-order, twist and non-canonical public keys "acceptable". nexus computes
// RFC 7748 §5 exactly for every u (twist points and u >= p included, as §5 and §7 recommend), so
// all those give the listed shared secret; the only inputs it refuses are the ones whose shared
// secret is all zeros (flag ZeroSharedSecret), as §6.1 asks. So: "valid" -> true and equal;
// "acceptable" with ZeroSharedSecret -> false (and the zeros Wycheproof lists); any other
// "acceptable" -> true and equal; "invalid" -> false.
template <class F>
void check_wycheproof(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_shared_vectors("wycheproof/x25519_test.json");
    if (!file) {
        MESSAGE("skipped: wycheproof/x25519_test.json not found under NEXUS_SHARED_VECTORS_DIR");
        return;
    }
    int count = 0, rejected = 0;
    for (const auto& group : (*file)["testGroups"]) {
        for (const auto& t : group["tests"]) {
            INFO("tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
            const std::string result = t["result"];
            bool zero_shared = false;
            for (const auto& f : t["flags"]) zero_shared |= f.get<std::string>() == "ZeroSharedSecret";
            bytes32 out{};
            const bool ok = nexus::crypto::x25519<F>(out, to32(t["private"]), to32(t["public"]));
            if (result == "invalid") {
                CHECK_FALSE(ok);
            } else if (zero_shared) {
                CHECK_FALSE(ok);
                CHECK(to_hex(out) == t["shared"].get<std::string>());
            } else {
                CHECK(ok);
                CHECK(to_hex(out) == t["shared"].get<std::string>());
            }
            rejected += ok ? 0 : 1;
            ++count;
        }
    }
    CHECK(count == (*file)["numberOfTests"].get<int>());
    MESSAGE(std::string(name) << ": " << count << " Wycheproof X25519 cases, " << rejected
                              << " refused (zero shared secret)");
}

TEST_CASE("x25519: Wycheproof x25519_test.json") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_wycheproof<c25::fe51>("fe51");
#endif
    check_wycheproof<c25::fe25_5>("fe25_5");
}

template <class F>
void check_public_key_paths(const char* name) {
    INFO("backend " << std::string(name));
    // x25519_public_key goes through edwards25519; X25519(k, 9) through the ladder.
    nexus::test::rng rng(0x7075626b6579);
    const bytes32 nine{9};
    for (int i = 0; i < 300; ++i) {
        bytes32 k{}, a{}, b{};
        rng.fill(k);
        nexus::crypto::x25519_public_key<F>(a, k);
        CHECK(nexus::crypto::x25519<F>(b, k, nine));
        CHECK(a == b);
    }
}

TEST_CASE("x25519: public key from the Edwards table equals the ladder on u = 9") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_public_key_paths<c25::fe51>("fe51");
#endif
    check_public_key_paths<c25::fe25_5>("fe25_5");
}

template <class F>
void check_edge_inputs(const char* name) {
    INFO("backend " << std::string(name));
    bytes32 k{}, out{};
    k.fill(0x42);
    // u = 0, 1 and p - 1 (points of order 1, 4, 2), and u = p, p + 1 (0 and 1 again): all zero.
    const char* low_order[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        // the order-8 points
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    };
    for (const char* u : low_order) {
        INFO(u);
        out.fill(0x55);
        CHECK_FALSE(nexus::crypto::x25519<F>(out, k, to32(u)));
        CHECK(out == bytes32{});
    }
    // The top bit of u is ignored.
    bytes32 u = to32("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"), v = u, o2{};
    v[31] ^= 0x80;
    CHECK(nexus::crypto::x25519<F>(out, k, u));
    CHECK(nexus::crypto::x25519<F>(o2, k, v));
    CHECK(out == o2);
    // Clamping: the low 3 bits and bit 255 of the secret do not matter, bit 254 is forced.
    bytes32 k2 = k;
    k2[0] ^= 7;
    k2[31] ^= 0x80;
    CHECK(nexus::crypto::x25519<F>(o2, k2, u));
    CHECK(out == o2);
}

TEST_CASE("x25519: small-order inputs, the top bit of u, clamping") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_edge_inputs<c25::fe51>("fe51");
#endif
    check_edge_inputs<c25::fe25_5>("fe25_5");
}

}  // namespace
