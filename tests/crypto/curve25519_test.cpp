// Tests for crypto/curve25519/scalar.hpp and group.hpp: scalar arithmetic against a big-integer
// model of Z/L, point encoding, the precomputed base tables, and every scalar multiplication
// against plain double-and-add, on both field backends.
#include <nexus/crypto/curve25519/group.hpp>
#include <nexus/crypto/curve25519/scalar.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

namespace c25 = nexus::crypto::curve25519;
using bytes32 = std::array<std::uint8_t, 32>;
using bytes64 = std::array<std::uint8_t, 64>;
using nexus::test::from_hex;
using nexus::test::to_hex;

// ---- model of Z/L: little-endian 32-bit words, reduction by shift-and-subtract ----

using wide = std::array<std::uint32_t, 17>;  // room for a 512-bit product plus a carry

const wide model_l = [] {
    wide l{};
    for (int i = 0; i < 8; ++i)
        l[static_cast<std::size_t>(i)] = nexus::load32_le(c25::scalar_order.data() + 4 * i);
    return l;
}();

int compare(const wide& a, const wide& b) {
    for (int i = 16; i >= 0; --i) {
        if (a[static_cast<std::size_t>(i)] != b[static_cast<std::size_t>(i)])
            return a[static_cast<std::size_t>(i)] > b[static_cast<std::size_t>(i)] ? 1 : -1;
    }
    return 0;
}

void subtract(wide& a, const wide& b) {
    std::int64_t borrow = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::int64_t d = static_cast<std::int64_t>(a[i]) - b[i] - borrow;
        borrow = d < 0;
        a[i] = static_cast<std::uint32_t>(d + (borrow << 32));
    }
}

wide shifted_left(const wide& a, int bits) {
    wide r{};
    const int words = bits / 32, rem = bits % 32;
    for (int i = 16; i >= words; --i) {
        std::uint64_t v = static_cast<std::uint64_t>(a[static_cast<std::size_t>(i - words)]) << rem;
        if (rem && i - words - 1 >= 0) v |= a[static_cast<std::size_t>(i - words - 1)] >> (32 - rem);
        r[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(v);
    }
    return r;
}

bytes32 model_mod_l(wide a) {
    for (int shift = 270; shift >= 0; --shift) {
        const wide m = shifted_left(model_l, shift);
        if (compare(a, m) >= 0) subtract(a, m);
    }
    bytes32 out{};
    for (int i = 0; i < 8; ++i) nexus::store32_le(out.data() + 4 * i, a[static_cast<std::size_t>(i)]);
    return out;
}

wide load_wide(const std::uint8_t* s, int n) {
    wide a{};
    for (int i = 0; i < n / 4; ++i) a[static_cast<std::size_t>(i)] = nexus::load32_le(s + 4 * i);
    return a;
}

bytes32 model_muladd(const bytes32& a, const bytes32& b, const bytes32& c) {
    wide t = load_wide(c.data(), 32);
    for (int i = 0; i < 8; ++i) {
        std::uint64_t carry = 0;
        for (int j = 0; j < 8; ++j) {
            const auto k = static_cast<std::size_t>(i + j);
            const std::uint64_t v = t[k] +
                                    static_cast<std::uint64_t>(nexus::load32_le(a.data() + 4 * i)) *
                                        nexus::load32_le(b.data() + 4 * j) +
                                    carry;
            t[k] = static_cast<std::uint32_t>(v);
            carry = v >> 32;
        }
        for (std::size_t k = static_cast<std::size_t>(i + 8); carry; ++k) {
            const std::uint64_t v = t[k] + carry;
            t[k] = static_cast<std::uint32_t>(v);
            carry = v >> 32;
        }
    }
    return model_mod_l(t);
}

bytes32 random_scalar_bytes(nexus::test::rng& rng) {
    bytes32 s{};
    rng.fill(s);
    switch (rng.below(6)) {
        case 0:
            s.fill(0xff);
            break;
        case 1:
            s = c25::scalar_order;
            s[0] = static_cast<std::uint8_t>(s[0] + rng.below(3) - 1);
            break;  // L-1, L, L+1
        case 2:
            s.fill(0);
            s[0] = static_cast<std::uint8_t>(rng.below(3));
            break;
        default:
            break;
    }
    return s;
}

TEST_CASE("scalar: reduction and multiply-add match the model of Z/L") {
    nexus::test::rng rng(0x7363616c6172);
    for (int i = 0; i < 2000; ++i) {
        bytes64 wide_in{};
        rng.fill(wide_in);
        if (i == 0) wide_in.fill(0xff);
        if (i == 1) wide_in.fill(0);
        bytes32 out{};
        c25::sc_reduce(out, wide_in);
        CHECK(to_hex(out) == to_hex(model_mod_l(load_wide(wide_in.data(), 64))));
        CHECK(c25::sc_is_canonical(out));
        bytes32 out2{};
        c25::sc_reduce_public(out2, wide_in);
        CHECK(out2 == out);

        const bytes32 a = random_scalar_bytes(rng), b = random_scalar_bytes(rng),
                      c = random_scalar_bytes(rng);
        c25::sc_muladd(out, a, b, c);
        CHECK(to_hex(out) == to_hex(model_muladd(a, b, c)));
        c25::sc_reduce32(out, a);
        CHECK(to_hex(out) == to_hex(model_mod_l(load_wide(a.data(), 32))));
        c25::sc_mul(out, a, b);
        CHECK(to_hex(out) == to_hex(model_muladd(a, b, bytes32{})));
        c25::sc_add(out, a, b);
        CHECK(to_hex(out) == to_hex(model_muladd(a, bytes32{1}, b)));
        bytes32 back{};
        c25::sc_sub(back, out, b);  // (a + b) - b = a mod L
        CHECK(to_hex(back) == to_hex(model_mod_l(load_wide(a.data(), 32))));
    }
}

TEST_CASE("scalar: canonical range check") {
    bytes32 s = c25::scalar_order;
    CHECK_FALSE(c25::sc_is_canonical(s));  // L
    s[0] = static_cast<std::uint8_t>(s[0] - 1);
    CHECK(c25::sc_is_canonical(s));  // L - 1
    s = c25::scalar_order;
    s[0] = static_cast<std::uint8_t>(s[0] + 1);
    CHECK_FALSE(c25::sc_is_canonical(s));  // L + 1
    s.fill(0xff);
    CHECK_FALSE(c25::sc_is_canonical(s));
    s.fill(0);
    CHECK(c25::sc_is_canonical(s));
    s[31] = 0x10;
    CHECK(c25::sc_is_canonical(s));  // 2^252 < L = 2^252 + c
    s[31] = 0x11;
    CHECK_FALSE(c25::sc_is_canonical(s));
}

// ---- group ----

template <class F>
bytes32 encode(const c25::edwards_point<F>& p) {
    bytes32 s{};
    c25::ge_compress(s, p);
    return s;
}

// [k]P by plain double-and-add with the public add/dbl, the reference for the fast paths.
template <class F>
c25::edwards_point<F> reference_mult(const c25::edwards_point<F>& p, const bytes32& k) {
    c25::edwards_point<F> r{};
    c25::ge_identity(r);
    for (int i = 255; i >= 0; --i) {
        c25::ge_dbl(r, r);
        if ((k[static_cast<std::size_t>(i / 8)] >> (i % 8)) & 1) c25::ge_add(r, r, p);
    }
    return r;
}

// The eight points of order dividing 8, by their canonical encodings.
const char* const torsion_hex[8] = {
    "0100000000000000000000000000000000000000000000000000000000000000",  // identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  // order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
};

bytes32 to32(const std::string& hex) {
    const auto v = from_hex(hex);
    bytes32 s{};
    for (std::size_t i = 0; i < 32; ++i) s[i] = v[i];
    return s;
}

template <class F>
void check_encoding(const char* name) {
    INFO("backend " << std::string(name));
    c25::edwards_point<F> b{}, p{}, q{};
    c25::ge_base(b);
    CHECK(to_hex(encode(b)) == "5866666666666666666666666666666666666666666666666666666666666666");
    c25::ge_identity(p);
    CHECK(to_hex(encode(p)) == torsion_hex[0]);
    CHECK(c25::ge_is_identity(p));
    CHECK_FALSE(c25::ge_is_identity(b));

    // Round trips of many points.
    nexus::test::rng rng(0x656e636f6465);
    for (int i = 0; i < 200; ++i) {
        bytes32 k{};
        rng.fill(k);
        k[31] &= 0x7f;
        c25::ge_scalarmult_base(p, k);
        const bytes32 s = encode(p);
        REQUIRE(c25::ge_decompress(q, s));
        CHECK(c25::ge_equal(p, q));
        CHECK(encode(q) == s);
        // The other sign of x is the negation.
        bytes32 t = s;
        t[31] ^= 0x80;
        REQUIRE(c25::ge_decompress(q, t));
        c25::ge_neg(q, q);
        CHECK(c25::ge_equal(p, q));
    }

    // Strict decoding (RFC 8032 §5.1.3).
    bytes32 s{};
    s.fill(0xff);
    s[31] = 0x7f;
    s[0] = 0xed;  // y = p
    CHECK_FALSE(c25::ge_decompress(p, s));
    s[0] = 0xee;  // y = p + 1 (would be the identity)
    CHECK_FALSE(c25::ge_decompress(p, s));
    s[0] = 0xf0;  // y = p + 3: 3 is on the curve, but this encoding is not canonical
    CHECK_FALSE(c25::ge_decompress(p, s));
    CHECK(c25::ge_decompress(p, to32("0300000000000000000000000000000000000000000000000000000000000000")));
    CHECK_FALSE(c25::ge_decompress(
        p, to32("0200000000000000000000000000000000000000000000000000000000000000")));  // off the curve
    // x = 0 with the sign bit set: -0 is not an encoding.
    CHECK_FALSE(
        c25::ge_decompress(p, to32("0100000000000000000000000000000000000000000000000000000000000080")));
    CHECK_FALSE(
        c25::ge_decompress(p, to32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")));
}

TEST_CASE("group: encoding and decoding") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_encoding<c25::fe51>("fe51");
#endif
    check_encoding<c25::fe25_5>("fe25_5");
}

template <class F>
void check_tables(const char* name) {
    INFO("backend " << std::string(name));
    // Every entry of the generated tables, against multiples made with ge_add/ge_dbl.
    c25::edwards_point<F> row{}, m{}, b{};
    c25::ge_base(b);
    row = b;
    for (int i = 0; i < 32; ++i) {
        m = row;
        for (int j = 0; j < 8; ++j) {
            const auto& e = c25::detail::base_comb<F>.entry[i][j];
            F zinv{}, x{}, y{}, t{};
            c25::fe_invert(zinv, m.Z);
            c25::fe_mul(x, m.X, zinv);
            c25::fe_mul(y, m.Y, zinv);
            c25::fe_add(t, y, x);
            CHECK(c25::fe_equal(t, e.yplusx) == 1u);
            c25::fe_sub(t, y, x);
            CHECK(c25::fe_equal(t, e.yminusx) == 1u);
            c25::fe_mul(t, x, y);
            c25::fe_mul(t, t, c25::detail::fe_d2<F>);
            CHECK(c25::fe_equal(t, e.xy2d) == 1u);
            c25::ge_add(m, m, row);
        }
        for (int k = 0; k < 8; ++k) c25::ge_dbl(row, row);
    }
    c25::edwards_point<F> b2{};
    c25::ge_dbl(b2, b);
    m = b;
    for (int i = 0; i < 64; ++i) {
        const auto& e = c25::detail::base_odd<F>.entry[i];
        F zinv{}, x{}, y{}, t{};
        c25::fe_invert(zinv, m.Z);
        c25::fe_mul(x, m.X, zinv);
        c25::fe_mul(y, m.Y, zinv);
        c25::fe_add(t, y, x);
        CHECK(c25::fe_equal(t, e.yplusx) == 1u);
        c25::fe_sub(t, y, x);
        CHECK(c25::fe_equal(t, e.yminusx) == 1u);
        c25::ge_add(m, m, b2);
    }
}

TEST_CASE("group: precomputed base tables") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_tables<c25::fe51>("fe51");
#endif
    check_tables<c25::fe25_5>("fe25_5");
}

template <class F>
void check_scalar_mult(const char* name) {
    INFO("backend " << std::string(name));
    nexus::test::rng rng(0x6d756c74);
    c25::edwards_point<F> b{}, p{}, r1{}, r2{}, ref{};
    c25::ge_base(b);
    for (int i = 0; i < 64; ++i) {
        bytes32 k = random_scalar_bytes(rng), k2{};
        rng.fill(k2);
        // Fixed base: any a < 2^255.
        bytes32 k_low = k;
        k_low[31] &= 0x7f;
        c25::ge_scalarmult_base(r1, k_low);
        ref = reference_mult(b, k_low);
        CHECK(c25::ge_equal(r1, ref));
        // Variable base, constant and variable time: any 256-bit scalar, on a point that is not
        // in the prime-order subgroup either (P = [x]B + T8), where reduction mod L would be wrong.
        bytes32 x{};
        rng.fill(x);
        x[31] &= 0x7f;
        c25::ge_scalarmult_base(p, x);
        if (i % 2) {
            c25::edwards_point<F> t{};
            REQUIRE(c25::ge_decompress(t, to32(torsion_hex[4 + i % 4])));
            c25::ge_add(p, p, t);
        }
        ref = reference_mult(p, k);
        c25::ge_scalarmult(r1, p, k);
        CHECK(c25::ge_equal(r1, ref));
        c25::ge_scalarmult_vartime(r2, p, k);
        CHECK(c25::ge_equal(r2, ref));
        // [a]P + [b]B, and [a]P + [b]Q for a second point Q.
        c25::ge_double_scalarmult_base_vartime(r1, k, p, k2);
        c25::edwards_point<F> sum = ref;
        c25::ge_add(sum, sum, reference_mult(b, k2));
        CHECK(c25::ge_equal(r1, sum));
        c25::edwards_point<F> q{};
        c25::ge_dbl(q, p);
        c25::ge_add(q, q, b);
        c25::ge_double_scalarmult_vartime(r1, k, p, k2, q);
        sum = ref;
        c25::ge_add(sum, sum, reference_mult(q, k2));
        CHECK(c25::ge_equal(r1, sum));
        // The output may alias an input.
        c25::edwards_point<F> alias = p;
        c25::ge_scalarmult(alias, alias, k);
        CHECK(c25::ge_equal(alias, ref));
        alias = p;
        c25::ge_scalarmult_vartime(alias, alias, k);
        CHECK(c25::ge_equal(alias, ref));
        alias = q;
        c25::ge_double_scalarmult_vartime(alias, k, p, k2, alias);
        CHECK(c25::ge_equal(alias, sum));
        // Group laws.
        c25::ge_sub(r1, p, p);
        CHECK(c25::ge_is_identity(r1));
        c25::ge_neg(r2, b);
        c25::ge_add(r1, p, r2);
        c25::ge_sub(r2, p, b);
        CHECK(c25::ge_equal(r1, r2));
        c25::ge_add(r1, p, p);
        c25::ge_dbl(r2, p);
        CHECK(c25::ge_equal(r1, r2));
    }
    // Scalars 0, 1, L - 1, L.
    bytes32 k{};
    c25::ge_scalarmult_base(r1, k);
    CHECK(c25::ge_is_identity(r1));
    k[0] = 1;
    c25::ge_scalarmult_base(r1, k);
    CHECK(c25::ge_equal(r1, b));
    k = c25::scalar_order;
    c25::ge_scalarmult_base(r1, k);
    CHECK(c25::ge_is_identity(r1));
    c25::ge_scalarmult(r1, b, k);
    CHECK(c25::ge_is_identity(r1));
    k[0] = static_cast<std::uint8_t>(k[0] - 1);
    c25::ge_scalarmult_base(r1, k);
    c25::ge_neg(r2, b);
    CHECK(c25::ge_equal(r1, r2));
    k.fill(0xff);
    c25::ge_scalarmult(r1, b, k);
    CHECK(c25::ge_equal(r1, reference_mult(b, k)));
}

TEST_CASE("group: scalar multiplication") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_scalar_mult<c25::fe51>("fe51");
#endif
    check_scalar_mult<c25::fe25_5>("fe25_5");
}

template <class F>
void check_torsion(const char* name) {
    INFO("backend " << std::string(name));
    c25::edwards_point<F> t{}, r{}, b{};
    c25::ge_base(b);
    for (int i = 0; i < 8; ++i) {
        INFO("torsion point " << i);
        const bytes32 s = to32(torsion_hex[i]);
        REQUIRE(c25::ge_decompress(t, s));
        CHECK(encode(t) == s);
        CHECK(c25::ge_is_small_order(t));
        CHECK(c25::ge_is_small_order_encoding(s));
        CHECK(c25::ge_is_torsion_free(t) == (i == 0));
        c25::ge_mul_by_cofactor(r, t);
        CHECK(c25::ge_is_identity(r));
        // B + T: neither small order nor torsion free (unless T is the identity).
        c25::ge_add(r, b, t);
        CHECK_FALSE(c25::ge_is_small_order(r));
        CHECK(c25::ge_is_torsion_free(r) == (i == 0));
        CHECK_FALSE(c25::ge_is_small_order_encoding(encode(r)));
    }
    CHECK_FALSE(c25::ge_is_small_order(b));
    CHECK(c25::ge_is_torsion_free(b));
    // The encoding list also catches the non-canonical p (= 0) and p + 1 (= 1), either sign bit.
    bytes32 s{};
    s.fill(0xff);
    s[0] = 0xed;
    CHECK(c25::ge_is_small_order_encoding(s));
    s[31] = 0x7f;
    CHECK(c25::ge_is_small_order_encoding(s));
    s[0] = 0xee;
    CHECK(c25::ge_is_small_order_encoding(s));
    s[0] = 0xef;
    CHECK_FALSE(c25::ge_is_small_order_encoding(s));
    // The encoding test agrees with the point test on every decodable random encoding.
    nexus::test::rng rng(0x746f7273);
    for (int i = 0; i < 300; ++i) {
        rng.fill(s);
        if (c25::ge_decompress(t, s)) CHECK(c25::ge_is_small_order_encoding(s) == c25::ge_is_small_order(t));
    }
}

TEST_CASE("group: small order and torsion") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_torsion<c25::fe51>("fe51");
#endif
    check_torsion<c25::fe25_5>("fe25_5");
}

}  // namespace
