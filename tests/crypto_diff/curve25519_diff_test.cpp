// Differential tests: X25519, Ed25519 and the Ed25519-to-X25519 conversions against libsodium
// 1.0.18, on both field backends, including the verdicts on mutated signatures, messages and keys
// (small-order, mixed-order, non-canonical and off-curve points, S >= L).
#include <doctest/doctest.h>

#include <sodium.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nexus/crypto/ed25519.hpp"
#include "nexus/crypto/x25519.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

namespace c25 = nexus::crypto::curve25519;
using bytes32 = std::array<std::uint8_t, 32>;
using bytes64 = std::array<std::uint8_t, 64>;
using nexus::test::rng;
using nexus::test::to_hex;

struct init_sodium {
    init_sodium() { REQUIRE(sodium_init() >= 0); }
};

// Points of order dividing 8 (Edwards encodings), and the non-canonical aliases of 0 and 1.
const std::array<const char*, 10> small_order_edwards = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

// Montgomery u of small order, and u >= p.
const std::array<const char*, 8> special_u = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

bytes32 hex32(const char* hex) {
    const auto v = nexus::test::from_hex(hex);
    bytes32 s{};
    for (std::size_t i = 0; i < 32; ++i) s[i] = v[i];
    return s;
}

// Counts mismatches and reports the first few with their inputs.
struct tally {
    std::size_t mismatches = 0;
    void fail(const std::string& what) {
        if (++mismatches <= 10) MESSAGE("mismatch: " << what);
    }
};

// ---------------------------------------------------------------------------------------------

template <class F>
void x25519_case(tally& t, const char* name, const bytes32& sk, const bytes32& u, const bytes32& theirs,
                 bool their_ok) {
    bytes32 ours{};
    const bool ok = nexus::crypto::x25519<F>(ours, sk, u);
    if (ok != their_ok || (ok && ours != theirs))
        t.fail(std::string(name) + " x25519 sk=" + to_hex(sk) + " u=" + to_hex(u));
    bytes32 pub{}, their_pub{};
    nexus::crypto::x25519_public_key<F>(pub, sk);
    crypto_scalarmult_base(their_pub.data(), sk.data());
    if (pub != their_pub) t.fail(std::string(name) + " x25519_public_key sk=" + to_hex(sk));
}

TEST_CASE("curve25519 diff: X25519 vs crypto_scalarmult") {
    init_sodium init;
    const std::size_t iterations = nexus::test::diff_iterations();
    rng r(0x7832353531392d);
    tally t;
    for (std::size_t i = 0; i < iterations; ++i) {
        bytes32 sk{}, u{};
        r.fill(sk);
        switch (r.below(8)) {
            case 0: {  // an honest public key
                bytes32 other{};
                r.fill(other);
                crypto_scalarmult_base(u.data(), other.data());
                break;
            }
            case 1:  // small order or u >= p
                u = hex32(special_u[r.below(special_u.size())]);
                break;
            case 2:  // top bit set: ignored by both
                r.fill(u);
                u[31] |= 0x80;
                break;
            default:  // anything: half of these are on the twist
                r.fill(u);
                break;
        }
        bytes32 theirs{};
        const bool their_ok = crypto_scalarmult(theirs.data(), sk.data(), u.data()) == 0;
#if defined(NEXUS_CURVE25519_HAVE_FE51)
        x25519_case<c25::fe51>(t, "fe51", sk, u, theirs, their_ok);
#endif
        x25519_case<c25::fe25_5>(t, "fe25_5", sk, u, theirs, their_ok);
    }
    MESSAGE(iterations << " X25519 cases");
    CHECK(t.mismatches == 0);
}

// ---------------------------------------------------------------------------------------------

// A signature (R, S) with a chosen nonce r and secret scalar a, hashed with the public bytes
// a_enc, which need not be [a]B: this is how mixed-order keys and forged small-order R are made.
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

bytes32 secret_scalar(const bytes32& seed) {
    bytes64 h{};
    nexus::crypto::sha512_hash(seed, h);
    bytes32 a{};
    for (std::size_t i = 0; i < 32; ++i) a[i] = h[i];
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    return a;
}

bytes32 add_torsion(const bytes32& p_enc, const char* torsion_hex) {
    c25::point p{}, t{};
    REQUIRE(c25::ge_decompress(p, p_enc));
    REQUIRE(c25::ge_decompress(t, hex32(torsion_hex)));
    c25::ge_add(p, p, t);
    bytes32 out{};
    c25::ge_compress(out, p);
    return out;
}

enum class mutation {
    none,
    sig_bit,
    msg_bit,
    msg_extend,
    key_bit,
    key_random,
    key_small_order,
    key_non_canonical,
    key_mixed_order,
    r_small_order,
    s_plus_l,
    s_random_high,
    count
};

std::string mutation_name(mutation m) {
    static const char* names[] = {
        "none",       "sig_bit",         "msg_bit",           "msg_extend",      "key_bit",
        "key_random", "key_small_order", "key_non_canonical", "key_mixed_order", "r_small_order",
        "s_plus_l",   "s_random_high"};
    return names[static_cast<int>(m)];
}

template <class F>
void verify_case(tally& t, const char* name, const bytes64& sig, const bytes32& pk,
                 const std::vector<std::uint8_t>& msg, mutation m, std::size_t (&accepted)[2]) {
    const bool ours = nexus::crypto::ed25519_verify<F>(sig, pk, msg);
    const bool theirs = crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), pk.data()) == 0;
    if (ours != theirs)
        t.fail(std::string(name) + " verify (" + mutation_name(m) + ") ours=" + std::to_string(ours) +
               " sig=" + to_hex(sig) + " pk=" + to_hex(pk) + " msg=" + to_hex(msg));
    ++accepted[ours ? 1 : 0];
}

template <class F>
void convert_case(tally& t, const char* name, const bytes32& pk) {
    bytes32 ours{}, theirs{};
    const bool ok = nexus::crypto::ed25519_public_to_x25519<F>(ours, pk);
    const bool their_ok = crypto_sign_ed25519_pk_to_curve25519(theirs.data(), pk.data()) == 0;
    if (ok != their_ok || (ok && ours != theirs))
        t.fail(std::string(name) + " pk_to_curve25519 pk=" + to_hex(pk) + " ours=" + std::to_string(ok));
}

TEST_CASE("curve25519 diff: Ed25519 keys, signatures, verdicts and conversions vs libsodium") {
    init_sodium init;
    const std::size_t iterations = nexus::test::diff_iterations();
    rng r(0x6564323535313921);
    tally t;
    std::size_t accepted[static_cast<int>(mutation::count)][2] = {};
    for (std::size_t i = 0; i < iterations; ++i) {
        bytes32 seed{};
        r.fill(seed);
        std::vector<std::uint8_t> msg(r.below(4) == 0 ? r.below(600) : r.below(80));
        r.fill(msg);

        // Keys and signatures are deterministic: every backend must produce libsodium's bytes.
        bytes32 pk{};
        bytes64 sk{}, sig{};
        crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
        crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk.data());
        auto check_signer = [&](auto tag, const char* name) {
            using F = decltype(tag);
            bytes32 our_pk{};
            bytes64 our_sk{}, our_sig{};
            nexus::crypto::ed25519_keypair<F>(our_pk, our_sk, seed);
            nexus::crypto::ed25519_sign<F>(our_sig, our_sk, msg);
            if (our_pk != pk || our_sk != sk) t.fail(std::string(name) + " keypair seed=" + to_hex(seed));
            if (our_sig != sig)
                t.fail(std::string(name) + " sign seed=" + to_hex(seed) + " msg=" + to_hex(msg));
            bytes32 x_sk{}, their_x_sk{};
            nexus::crypto::ed25519_secret_to_x25519(x_sk, our_sk);
            crypto_sign_ed25519_sk_to_curve25519(their_x_sk.data(), sk.data());
            if (x_sk != their_x_sk) t.fail(std::string(name) + " sk_to_curve25519 seed=" + to_hex(seed));
        };
#if defined(NEXUS_CURVE25519_HAVE_FE51)
        check_signer(c25::fe51{}, "fe51");
#endif
        check_signer(c25::fe25_5{}, "fe25_5");

        // One mutation per case, so every kind is seen about iterations / 11 times.
        const auto m = static_cast<mutation>(r.below(static_cast<std::uint64_t>(mutation::count)));
        bytes64 s2 = sig;
        bytes32 k2 = pk;
        std::vector<std::uint8_t> m2 = msg;
        switch (m) {
            case mutation::none:
                break;
            case mutation::sig_bit: {
                const auto bit = r.below(512);
                s2[bit / 8] = static_cast<std::uint8_t>(s2[bit / 8] ^ (1u << (bit % 8)));
                break;
            }
            case mutation::msg_bit:
                if (m2.empty())
                    m2.push_back(0);
                else
                    m2[r.below(m2.size())] ^= static_cast<std::uint8_t>(1u << r.below(8));
                break;
            case mutation::msg_extend:
                m2.push_back(static_cast<std::uint8_t>(r.next()));
                break;
            case mutation::key_bit: {
                const auto bit = r.below(256);
                k2[bit / 8] = static_cast<std::uint8_t>(k2[bit / 8] ^ (1u << (bit % 8)));
                break;
            }
            case mutation::key_random:
                r.fill(k2);
                break;
            case mutation::key_small_order: {
                // A small-order key with a signature that satisfies the equation for it: S = r,
                // R = [r]B works whenever [k]A = 0.
                k2 = hex32(small_order_edwards[r.below(small_order_edwards.size())]);
                bytes32 nonce{}, r_enc{};
                r.fill(nonce);
                nonce[31] &= 0x0f;
                crypto_scalarmult_ed25519_base_noclamp(r_enc.data(), nonce.data());
                s2 = sign_with(nonce, r_enc, bytes32{}, k2, m2);
                break;
            }
            case mutation::key_non_canonical: {
                // y + p for a small y; and y < p with the 19 top values.
                k2.fill(0xff);
                k2[31] = static_cast<std::uint8_t>(r.below(2) ? 0x7f : 0xff);
                k2[0] = static_cast<std::uint8_t>(0xed + r.below(19));
                break;
            }
            case mutation::key_mixed_order: {
                // A + T with the real secret: valid under the cofactorless equation only when k
                // kills T; both libraries must agree on which.
                k2 = add_torsion(pk, small_order_edwards[1 + r.below(7)]);
                bytes32 nonce{}, r_enc{};
                r.fill(nonce);
                nonce[31] &= 0x0f;
                crypto_scalarmult_ed25519_base_noclamp(r_enc.data(), nonce.data());
                s2 = sign_with(nonce, r_enc, secret_scalar(seed), k2, m2);
                break;
            }
            case mutation::r_small_order: {
                // R of small order with S = k a: [S]B - [k]A = 0, so the equation holds for R = 0.
                const bytes32 r_enc = hex32(small_order_edwards[r.below(small_order_edwards.size())]);
                s2 = sign_with(bytes32{}, r_enc, secret_scalar(seed), pk, m2);
                break;
            }
            case mutation::s_plus_l: {
                unsigned carry = 0;
                for (std::size_t j = 0; j < 32; ++j) {
                    const unsigned v = s2[32 + j] + c25::scalar_order[j] + carry;
                    s2[32 + j] = static_cast<std::uint8_t>(v);
                    carry = v >> 8;
                }
                break;
            }
            case mutation::s_random_high:
                s2[63] = static_cast<std::uint8_t>(s2[63] | (0x10u << r.below(4)));
                break;
            case mutation::count:
                break;
        }
        std::size_t dummy[2] = {};
#if defined(NEXUS_CURVE25519_HAVE_FE51)
        verify_case<c25::fe51>(t, "fe51", sig, pk, msg, mutation::none, dummy);
        verify_case<c25::fe51>(t, "fe51", s2, k2, m2, m, accepted[static_cast<int>(m)]);
#endif
        verify_case<c25::fe25_5>(t, "fe25_5", sig, pk, msg, mutation::none, dummy);
        verify_case<c25::fe25_5>(t, "fe25_5", s2, k2, m2, m, accepted[static_cast<int>(m)]);

        // Conversions: the honest key, and the mutated one.
#if defined(NEXUS_CURVE25519_HAVE_FE51)
        convert_case<c25::fe51>(t, "fe51", pk);
        convert_case<c25::fe51>(t, "fe51", k2);
#endif
        convert_case<c25::fe25_5>(t, "fe25_5", pk);
        convert_case<c25::fe25_5>(t, "fe25_5", k2);
    }
    for (int m = 0; m < static_cast<int>(mutation::count); ++m)
        MESSAGE(mutation_name(static_cast<mutation>(m))
                << ": " << accepted[m][1] << " accepted, " << accepted[m][0]
                << " rejected (both backends, same verdicts as libsodium)");
    CHECK(t.mismatches == 0);
}

}  // namespace
