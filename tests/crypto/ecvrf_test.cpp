// Tests for crypto/ecvrf.hpp (RFC 9381 ECVRF-EDWARDS25519-SHA512-TAI) on both field backends: the
// RFC's Appendix B.3 examples with every intermediate value (test-vectors/ecvrf.json), 64 cases
// and 19 verdicts from the independent pure-Python implementation tests/crypto/ecvrf_reference.py
// (test-vectors/ecvrf_random.json), each row of the verification table at the top of ecvrf.hpp,
// uniqueness, and prove/verify agreement on random keys and messages.
#include <nexus/crypto/ecvrf.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

namespace c25 = nexus::crypto::curve25519;
namespace detail = nexus::crypto::detail;
using nexus::crypto::ecvrf_proof_to_hash;
using nexus::crypto::ecvrf_prove;
using nexus::crypto::ecvrf_public_key_valid;
using nexus::crypto::ecvrf_verify;
using bytes32 = std::array<std::uint8_t, 32>;
using bytes64 = std::array<std::uint8_t, 64>;
using proof_t = std::array<std::uint8_t, 80>;
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

// The eight points of order dividing 8: identity, (0, -1), the two of order 4 (y = 0), and the
// four of order 8; each a canonical encoding.
constexpr const char* torsion_encodings[8] = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
};

// s + L for s < L (fits: s + L < 2^254).
bytes32 add_order(const bytes32& s) {
    bytes32 r{};
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        const unsigned v = s[i] + c25::scalar_order[i] + carry;
        r[i] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
    return r;
}

proof_t with_s(const proof_t& proof, const bytes32& s) {
    proof_t p = proof;
    for (std::size_t i = 0; i < 32; ++i) p[48 + i] = s[i];
    return p;
}

proof_t with_gamma(const proof_t& proof, const bytes32& gamma) {
    proof_t p = proof;
    for (std::size_t i = 0; i < 32; ++i) p[i] = gamma[i];
    return p;
}

// Verify that must fail and must leave beta as it was.
template <class F>
bool rejects(const bytes32& pk, const proof_t& proof, std::span<const std::uint8_t> alpha) {
    bytes64 beta{};
    beta.fill(0xa5);
    const bool ok = ecvrf_verify<F>(beta, pk, proof, alpha);
    bytes64 untouched{};
    untouched.fill(0xa5);
    return !ok && beta == untouched;
}

// ---------------------------------------------------------------------------------------------
// RFC 9381 Appendix B.3
// ---------------------------------------------------------------------------------------------

template <class F>
void check_rfc9381(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_vectors("ecvrf.json");
    std::vector<bytes32> keys;
    std::vector<proof_t> proofs;
    std::vector<bytes> alphas;
    int count = 0;
    for (const auto& c : file["cases"]) {
        INFO(c["name"].get<std::string>());
        const auto seed = fixed<32>(c["sk"]);
        const bytes alpha = from_hex(c["alpha"].get<std::string>());
        bytes32 pk{};
        bytes64 sk{};
        nexus::crypto::ed25519_keypair<F>(pk, sk, seed);
        CHECK(to_hex(pk) == c["pk"].get<std::string>());

        // Each step on its own...
        c25::edwards_point<F> h{};
        const unsigned ctr = detail::ecvrf_encode_to_curve(h, std::span<const std::uint8_t, 32>(pk), alpha);
        bytes32 h_string{};
        c25::ge_compress(h_string, h);
        CHECK(ctr == c["ctr"].get<unsigned>());
        CHECK(to_hex(h_string) == c["h"].get<std::string>());
        bytes64 expanded{};
        c25::ed25519_expand_seed(expanded, seed);
        CHECK(to_hex(std::span<const std::uint8_t>(expanded.data(), 32)) == c["x"].get<std::string>());
        bytes64 k_string{};
        detail::ecvrf_nonce(k_string, std::span<const std::uint8_t, 32>(expanded.data() + 32, 32), h_string);
        CHECK(to_hex(k_string) == c["k"].get<std::string>());
        bytes32 k{};
        c25::sc_reduce(k, k_string);
        c25::edwards_point<F> u{}, v{};
        c25::ge_scalarmult_base(u, k);
        c25::ge_scalarmult_vartime(v, h, k);
        bytes32 u_string{}, v_string{};
        c25::ge_compress(u_string, u);
        c25::ge_compress(v_string, v);
        CHECK(to_hex(u_string) == c["u"].get<std::string>());
        CHECK(to_hex(v_string) == c["v"].get<std::string>());

        // ...and as prove computes them.
        proof_t proof{};
        detail::ecvrf_trace trace{};
        detail::ecvrf_prove_with_key<F>(proof, seed, pk, alpha, &trace);
        CHECK(to_hex(proof) == c["pi"].get<std::string>());
        CHECK(to_hex(trace.x) == c["x"].get<std::string>());
        CHECK(trace.ctr == c["ctr"].get<unsigned>());
        CHECK(to_hex(trace.h) == c["h"].get<std::string>());
        CHECK(to_hex(trace.k_string) == c["k"].get<std::string>());
        CHECK(to_hex(trace.u) == c["u"].get<std::string>());
        CHECK(to_hex(trace.v) == c["v"].get<std::string>());

        // The public API, both key layouts.
        proof_t from_seed{}, from_secret_key{};
        ecvrf_prove<F>(from_seed, seed, alpha);
        ecvrf_prove<F>(from_secret_key, sk, alpha);
        CHECK(to_hex(from_seed) == c["pi"].get<std::string>());
        CHECK(to_hex(from_secret_key) == c["pi"].get<std::string>());

        bytes64 beta{}, beta2{};
        CHECK(ecvrf_public_key_valid<F>(pk));
        CHECK(ecvrf_verify<F>(beta, pk, proof, alpha));
        CHECK(to_hex(beta) == c["beta"].get<std::string>());
        CHECK(ecvrf_proof_to_hash<F>(beta2, proof));
        CHECK(to_hex(beta2) == c["beta"].get<std::string>());

        NEXUS_CHECK_NO_ALLOC(
            ecvrf_prove<F>(from_seed, seed, alpha); ecvrf_prove<F>(from_secret_key, sk, alpha);
            (void)ecvrf_verify<F>(beta, pk, proof, alpha); (void)ecvrf_proof_to_hash<F>(beta2, proof));

        // Every single flipped bit of the proof is rejected.
        int flips_rejected = 0;
        for (std::size_t bit = 0; bit < 8 * proof.size(); ++bit) {
            proof_t bad = proof;
            bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
            flips_rejected += rejects<F>(pk, bad, alpha) ? 1 : 0;
        }
        CHECK(flips_rejected == 640);
        // A wrong alpha: one more byte, one bit flipped, one byte fewer.
        bytes longer = alpha;
        longer.push_back(0);
        CHECK(rejects<F>(pk, proof, longer));
        if (!alpha.empty()) {
            bytes flipped = alpha;
            flipped.back() ^= 1;
            CHECK(rejects<F>(pk, proof, flipped));
            CHECK(rejects<F>(pk, proof, std::span<const std::uint8_t>(alpha).first(alpha.size() - 1)));
        }
        // A flipped bit anywhere in the public key.
        for (std::size_t bit = 0; bit < 256; ++bit) {
            bytes32 bad = pk;
            bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
            CHECK(rejects<F>(bad, proof, alpha));
        }
        keys.push_back(pk);
        proofs.push_back(proof);
        alphas.push_back(alpha);
        ++count;
    }
    CHECK(count == 3);
    // Another example's valid public key, or its proof, does not fit.
    for (std::size_t i = 0; i < keys.size(); ++i)
        for (std::size_t j = 0; j < keys.size(); ++j) {
            if (i == j) continue;
            CHECK(rejects<F>(keys[j], proofs[i], alphas[i]));
            CHECK(rejects<F>(keys[i], proofs[j], alphas[i]));
        }
}

TEST_CASE("ecvrf: RFC 9381 Appendix B.3 (ECVRF-EDWARDS25519-SHA512-TAI)") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_rfc9381<c25::fe51>("fe51");
#endif
    check_rfc9381<c25::fe25_5>("fe25_5");
}

// ---------------------------------------------------------------------------------------------
// The pure-Python reference's cases
// ---------------------------------------------------------------------------------------------

template <class F>
void check_reference(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_vectors("ecvrf_random.json");
    int count = 0;
    for (const auto& c : file["cases"]) {
        INFO("case " << count);
        const auto seed = fixed<32>(c["sk"]);
        const bytes alpha = from_hex(c["alpha"].get<std::string>());
        bytes32 pk{};
        bytes64 sk{};
        nexus::crypto::ed25519_keypair<F>(pk, sk, seed);
        CHECK(to_hex(pk) == c["pk"].get<std::string>());
        proof_t proof{}, proof2{};
        detail::ecvrf_trace trace{};
        detail::ecvrf_prove_with_key<F>(proof, seed, pk, alpha, &trace);
        CHECK(to_hex(trace.x) == c["x"].get<std::string>());
        CHECK(trace.ctr == c["ctr"].get<unsigned>());
        CHECK(to_hex(trace.h) == c["h"].get<std::string>());
        CHECK(to_hex(trace.k_string) == c["k"].get<std::string>());
        CHECK(to_hex(trace.u) == c["u"].get<std::string>());
        CHECK(to_hex(trace.v) == c["v"].get<std::string>());
        CHECK(to_hex(proof) == c["pi"].get<std::string>());
        ecvrf_prove<F>(proof2, seed, alpha);
        CHECK(proof2 == proof);
        bytes64 beta{}, beta2{};
        CHECK(ecvrf_verify<F>(beta, pk, proof, alpha));
        CHECK(to_hex(beta) == c["beta"].get<std::string>());
        CHECK(ecvrf_proof_to_hash<F>(beta2, proof));
        CHECK(beta2 == beta);
        ++count;
    }
    CHECK(count == 64);

    int verdicts = 0, valid = 0;
    for (const auto& c : file["verify_cases"]) {
        INFO(c["comment"].get<std::string>() << " pk " << c["pk"].get<std::string>());
        const auto pk = fixed<32>(c["pk"]);
        const auto proof = fixed<80>(c["pi"]);
        const bytes alpha = from_hex(c["alpha"].get<std::string>());
        bytes64 beta{};
        const bool expected = c["valid"].get<bool>();
        if (expected) {
            CHECK(ecvrf_public_key_valid<F>(pk));
            CHECK(ecvrf_verify<F>(beta, pk, proof, alpha));
            CHECK(to_hex(beta) == c["beta"].get<std::string>());
            ++valid;
        } else {
            CHECK(rejects<F>(pk, proof, alpha));
        }
        ++verdicts;
    }
    CHECK(verdicts == 19);
    CHECK(valid == 7);
}

TEST_CASE("ecvrf: the pure-Python reference's random cases and verdicts") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_reference<c25::fe51>("fe51");
#endif
    check_reference<c25::fe25_5>("fe25_5");
}

// ---------------------------------------------------------------------------------------------
// The verification table
// ---------------------------------------------------------------------------------------------

template <class F>
void check_table(const char* name) {
    INFO("backend " << std::string(name));
    const auto file = nexus::test::load_vectors("ecvrf.json");
    const auto& first = file["cases"][1];
    const auto seed = fixed<32>(first["sk"]);
    const auto pk = fixed<32>(first["pk"]);
    const auto proof = fixed<80>(first["pi"]);
    const bytes alpha = from_hex(first["alpha"].get<std::string>());
    bytes64 beta{};
    REQUIRE(ecvrf_verify<F>(beta, pk, proof, alpha));
    bytes32 s{};
    for (std::size_t i = 0; i < 32; ++i) s[i] = proof[48 + i];

    SUBCASE("s >= L is rejected by verify and proof_to_hash") {
        // s + L satisfies the same equations ([s + L]B = [s]B), so only the range check stops it.
        const proof_t malleated = with_s(proof, add_order(s));
        CHECK(rejects<F>(pk, malleated, alpha));
        bytes64 out{};
        CHECK_FALSE(ecvrf_proof_to_hash<F>(out, malleated));
        // L itself and the largest 32-byte value.
        CHECK(rejects<F>(pk, with_s(proof, c25::scalar_order), alpha));
        bytes32 all_ones{};
        all_ones.fill(0xff);
        CHECK(rejects<F>(pk, with_s(proof, all_ones), alpha));
        CHECK_FALSE(ecvrf_proof_to_hash<F>(out, with_s(proof, all_ones)));
        // L - 1 is canonical: decodes (proof_to_hash succeeds) but does not verify.
        bytes32 l_minus_1 = c25::scalar_order;
        l_minus_1[0] = static_cast<std::uint8_t>(l_minus_1[0] - 1);
        CHECK(ecvrf_proof_to_hash<F>(out, with_s(proof, l_minus_1)));
        CHECK(rejects<F>(pk, with_s(proof, l_minus_1), alpha));
    }

    SUBCASE("Gamma off the curve or non-canonical is rejected by verify and proof_to_hash") {
        int off_curve = 0, non_canonical = 0;
        for (unsigned y = 0; y < 64; ++y) {
            for (unsigned sign = 0; sign < 2; ++sign) {
                bytes32 enc{};
                enc[0] = static_cast<std::uint8_t>(y);
                enc[31] = static_cast<std::uint8_t>(sign << 7);
                c25::edwards_point<F> p{};
                bytes64 out{};
                if (!c25::ge_decompress(p, enc)) {
                    ++off_curve;
                    CHECK_FALSE(ecvrf_proof_to_hash<F>(out, with_gamma(proof, enc)));
                    CHECK(rejects<F>(pk, with_gamma(proof, enc), alpha));
                } else if (y < 19) {
                    // The same point as y + p: decoding must refuse the alias.
                    bytes32 alias{};
                    alias.fill(0xff);
                    alias[0] = static_cast<std::uint8_t>(0xed + y);
                    alias[31] = static_cast<std::uint8_t>(0x7f | (sign << 7));
                    ++non_canonical;
                    CHECK_FALSE(ecvrf_proof_to_hash<F>(out, with_gamma(proof, alias)));
                    CHECK(rejects<F>(pk, with_gamma(proof, alias), alpha));
                }
            }
        }
        CHECK(off_curve > 0);
        CHECK(non_canonical > 0);
    }

    SUBCASE("small-order Gamma: decodes, but never verifies") {
        // §5.4.4 does not test Gamma's order; proof_to_hash then hashes cofactor*Gamma = identity.
        bytes64 identity_beta{};
        REQUIRE(ecvrf_proof_to_hash<F>(identity_beta, with_gamma(proof, fixed<32>(torsion_encodings[0]))));
        for (const char* hex : torsion_encodings) {
            INFO(hex);
            const proof_t bad = with_gamma(proof, fixed<32>(hex));
            bytes64 out{};
            CHECK(ecvrf_proof_to_hash<F>(out, bad));
            CHECK(out == identity_beta);
            CHECK(rejects<F>(pk, bad, alpha));
        }
    }

    SUBCASE("small-order public keys are rejected, though proofs for them pass the equations") {
        const bytes some_alpha = {'v', 'r', 'f'};
        for (const char* hex : torsion_encodings) {
            INFO(hex);
            const bytes32 y_enc = fixed<32>(hex);
            c25::edwards_point<F> y{};
            REQUIRE(c25::ge_decompress(y, y_enc));
            REQUIRE(c25::ge_is_small_order(y));
            CHECK_FALSE(ecvrf_public_key_valid<F>(y_enc));
            // Forge: Gamma = identity, U = [s]B - [g]Y, V = [s]H with g a guess of c mod 8 (the
            // order of Y divides 8), retried until the challenge agrees.
            c25::edwards_point<F> h{};
            REQUIRE(detail::ecvrf_encode_to_curve(h, std::span<const std::uint8_t, 32>(y_enc), some_alpha) <
                    256);
            bytes32 h_enc{}, gamma_enc = fixed<32>(torsion_encodings[0]);
            c25::ge_compress(h_enc, h);
            proof_t forged{};
            bool found = false;
            for (std::uint8_t attempt = 1; attempt < 200 && !found; ++attempt) {
                const bytes32 s_try{attempt, 0x5a};
                const bytes32 guess{static_cast<std::uint8_t>(attempt % 8)};
                c25::edwards_point<F> u{}, v{}, gy{};
                c25::ge_scalarmult_base(u, s_try);
                c25::ge_scalarmult_vartime(gy, y, guess);
                c25::ge_sub(u, u, gy);
                c25::ge_scalarmult_vartime(v, h, s_try);
                bytes32 u_enc{}, v_enc{}, c{};
                c25::ge_compress(u_enc, u);
                c25::ge_compress(v_enc, v);
                detail::ecvrf_challenge(c, y_enc, h_enc, gamma_enc, u_enc, v_enc);
                if ((c[0] & 7) != guess[0]) continue;
                found = true;
                for (std::size_t i = 0; i < 32; ++i) forged[i] = gamma_enc[i];
                for (std::size_t i = 0; i < 16; ++i) forged[32 + i] = c[i];
                for (std::size_t i = 0; i < 32; ++i) forged[48 + i] = s_try[i];
                // Without validate_key, this is what §5.3 steps 8-11 would compute: c' = c.
                c25::edwards_point<F> u2{}, v2{}, neg_y{}, gamma{};
                c25::ge_neg(neg_y, y);
                c25::ge_double_scalarmult_base_vartime(u2, c, neg_y, s_try);
                REQUIRE(c25::ge_decompress(gamma, gamma_enc));
                c25::edwards_point<F> cg{};
                c25::ge_scalarmult_vartime(v2, h, s_try);
                c25::ge_scalarmult_vartime(cg, gamma, c);
                c25::ge_sub(v2, v2, cg);
                bytes32 u2_enc{}, v2_enc{}, c2{};
                c25::ge_compress(u2_enc, u2);
                c25::ge_compress(v2_enc, v2);
                detail::ecvrf_challenge(c2, y_enc, h_enc, gamma_enc, u2_enc, v2_enc);
                CHECK(c2 == c);
            }
            REQUIRE(found);
            CHECK(rejects<F>(y_enc, forged, some_alpha));
        }
    }

    SUBCASE("non-canonical and off-curve public keys are rejected") {
        int aliases = 0, off_curve = 0;
        for (unsigned y = 0; y < 19; ++y) {
            for (unsigned sign = 0; sign < 2; ++sign) {
                bytes32 enc{}, alias{};
                enc[0] = static_cast<std::uint8_t>(y);
                enc[31] = static_cast<std::uint8_t>(sign << 7);
                alias.fill(0xff);
                alias[0] = static_cast<std::uint8_t>(0xed + y);
                alias[31] = static_cast<std::uint8_t>(0x7f | (sign << 7));
                c25::edwards_point<F> p{};
                CHECK_FALSE(ecvrf_public_key_valid<F>(alias));
                CHECK(rejects<F>(alias, proof, alpha));
                if (c25::ge_decompress(p, enc)) {
                    ++aliases;
                    // A valid key's alias is the interesting case: same point, refused encoding.
                    if (!c25::ge_is_small_order(p)) CHECK(ecvrf_public_key_valid<F>(enc));
                } else {
                    ++off_curve;
                    CHECK_FALSE(ecvrf_public_key_valid<F>(enc));
                }
            }
        }
        CHECK(aliases > 0);
        CHECK(off_curve > 0);
        // x = 0 with the sign bit set ("-0"): y = 1 and y = -1.
        CHECK_FALSE(ecvrf_public_key_valid<F>(
            fixed<32>("0100000000000000000000000000000000000000000000000000000000000080")));
        CHECK_FALSE(ecvrf_public_key_valid<F>(
            fixed<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")));
    }

    SUBCASE("mixed-order public keys are valid keys (RFC 9381 §5.4.5 checks low order only)") {
        c25::edwards_point<F> y{}, t{};
        REQUIRE(c25::ge_decompress(y, pk));
        for (std::size_t i = 1; i < 8; ++i) {
            REQUIRE(c25::ge_decompress(t, fixed<32>(torsion_encodings[i])));
            c25::edwards_point<F> mixed{};
            c25::ge_add(mixed, y, t);
            bytes32 enc{};
            c25::ge_compress(enc, mixed);
            CHECK(ecvrf_public_key_valid<F>(enc));
            // The honest proof for Y is not one for Y + T (the key is hashed into H and c).
            CHECK(rejects<F>(enc, proof, alpha));
        }
    }

    SUBCASE("the secret-key layout's public half is what the proof commits to") {
        // seed || (another key's public half): the proof verifies under neither key.
        const auto other_pk = fixed<32>(file["cases"][0]["pk"]);
        bytes64 sk{};
        for (std::size_t i = 0; i < 32; ++i) {
            sk[i] = seed[i];
            sk[32 + i] = other_pk[i];
        }
        proof_t mismatched{};
        ecvrf_prove<F>(mismatched, sk, alpha);
        CHECK(rejects<F>(pk, mismatched, alpha));
        CHECK(rejects<F>(other_pk, mismatched, alpha));
    }
}

TEST_CASE("ecvrf: verification edge cases") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_table<c25::fe51>("fe51");
#endif
    check_table<c25::fe25_5>("fe25_5");
}

// ---------------------------------------------------------------------------------------------
// Random keys and messages
// ---------------------------------------------------------------------------------------------

template <class F>
void check_random(const char* name, std::size_t cases) {
    INFO("backend " << std::string(name));
    nexus::test::rng rng(0x65637672660aULL);
    std::set<std::string> outputs;
    for (std::size_t n = 0; n < cases; ++n) {
        bytes32 seed{}, pk{};
        bytes64 sk{};
        rng.fill(seed);
        bytes alpha(rng.below(200));
        rng.fill(alpha);
        INFO("case " << n << " seed " << to_hex(seed) << " alpha " << to_hex(alpha));
        nexus::crypto::ed25519_keypair<F>(pk, sk, seed);
        proof_t proof{}, again{};
        ecvrf_prove<F>(proof, sk, alpha);
        // Deterministic, and the same from either key layout.
        ecvrf_prove<F>(again, seed, alpha);
        CHECK(again == proof);
        bytes64 beta{}, hashed{};
        CHECK(ecvrf_verify<F>(beta, pk, proof, alpha));
        CHECK(ecvrf_proof_to_hash<F>(hashed, proof));
        CHECK(hashed == beta);
        // Uniqueness across keys and inputs: every (key, alpha) gives a new beta.
        CHECK(outputs.insert(to_hex(beta)).second);
        // The same key on a different alpha: a different beta, and this proof does not carry over.
        bytes other = alpha;
        other.push_back(static_cast<std::uint8_t>(n));
        proof_t other_proof{};
        ecvrf_prove<F>(other_proof, sk, other);
        bytes64 other_beta{};
        CHECK(ecvrf_verify<F>(other_beta, pk, other_proof, other));
        CHECK(other_beta != beta);
        CHECK(outputs.insert(to_hex(other_beta)).second);
        CHECK(rejects<F>(pk, proof, other));
        // One random bit flipped in the proof.
        const std::size_t bit = rng.below(640);
        proof_t bad = proof;
        bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
        CHECK(rejects<F>(pk, bad, alpha));
    }
    CHECK(outputs.size() == 2 * cases);
}

TEST_CASE("ecvrf: prove and verify agree on random keys and messages; outputs are unique") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_random<c25::fe51>("fe51", 300);
#endif
    check_random<c25::fe25_5>("fe25_5", 300);
}

TEST_CASE("ecvrf: the two backends make the same proofs and verdicts") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    nexus::test::rng rng(0x6261636b656e64ULL);
    for (int n = 0; n < 100; ++n) {
        bytes32 seed{}, pk{};
        bytes64 sk{};
        rng.fill(seed);
        bytes alpha(rng.below(100));
        rng.fill(alpha);
        nexus::crypto::ed25519_keypair(pk, sk, seed);
        proof_t p51{}, p25{};
        ecvrf_prove<c25::fe51>(p51, sk, alpha);
        ecvrf_prove<c25::fe25_5>(p25, sk, alpha);
        CHECK(p51 == p25);
        bytes64 b51{}, b25{};
        CHECK(ecvrf_verify<c25::fe51>(b51, pk, p25, alpha));
        CHECK(ecvrf_verify<c25::fe25_5>(b25, pk, p51, alpha));
        CHECK(b51 == b25);
        // Random garbage gets the same verdict (almost always "no") from both.
        proof_t junk{};
        bytes32 junk_pk{};
        rng.fill(junk);
        rng.fill(junk_pk);
        CHECK(ecvrf_verify<c25::fe51>(b51, junk_pk, junk, alpha) ==
              ecvrf_verify<c25::fe25_5>(b25, junk_pk, junk, alpha));
        CHECK(ecvrf_proof_to_hash<c25::fe51>(b51, junk) == ecvrf_proof_to_hash<c25::fe25_5>(b25, junk));
        CHECK(ecvrf_public_key_valid<c25::fe51>(junk_pk) == ecvrf_public_key_valid<c25::fe25_5>(junk_pk));
    }
#else
    MESSAGE("fe51 is not available on this target: one backend only");
#endif
}

TEST_CASE("ecvrf: batched point encoding matches ge_compress") {
    nexus::test::rng rng(0x62617463680aULL);
    for (int n = 0; n < 50; ++n) {
        std::array<bytes32, 4> scalars{};
        std::array<c25::point, 4> points{};
        for (std::size_t i = 0; i < 4; ++i) {
            rng.fill(scalars[i]);
            scalars[i][31] &= 0x7f;
            c25::ge_scalarmult_base(points[i], scalars[i]);
        }
        // Mix in Z != 1 and the identity.
        c25::ge_add(points[1], points[1], points[2]);
        if (n == 0) c25::ge_identity(points[3]);
        std::array<bytes32, 4> batch{};
        detail::ecvrf_compress_batch<c25::fe, 4>(
            {std::span<std::uint8_t, 32>(batch[0]), std::span<std::uint8_t, 32>(batch[1]),
             std::span<std::uint8_t, 32>(batch[2]), std::span<std::uint8_t, 32>(batch[3])},
            {&points[0], &points[1], &points[2], &points[3]});
        for (std::size_t i = 0; i < 4; ++i) {
            bytes32 single{};
            c25::ge_compress(single, points[i]);
            CHECK(batch[i] == single);
        }
    }
}

}  // namespace
