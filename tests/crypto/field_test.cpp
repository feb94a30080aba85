// Tests for crypto/curve25519/field.hpp: both backends (fe51 where the compiler has __int128,
// fe25_5 everywhere) against an independent big-integer model of GF(2^255 - 19) written here
// (schoolbook on 8 x 32-bit limbs), against each other, and at the limb bounds the header allows.
#include <nexus/crypto/curve25519/field.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>

#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

namespace c25 = nexus::crypto::curve25519;
using bytes32 = std::array<std::uint8_t, 32>;

// ---- the model: integers below 2^256 as 8 little-endian 32-bit words, reduced mod p ----

struct u256 {
    std::array<std::uint32_t, 8> w{};
    friend bool operator==(const u256&, const u256&) = default;
};

const u256 model_p = [] {
    u256 p;
    p.w.fill(0xffffffff);
    p.w[0] = 0xffffffed;
    p.w[7] = 0x7fffffff;
    return p;
}();

bool geq(const u256& a, const u256& b) {
    for (int i = 7; i >= 0; --i) {
        if (a.w[i] != b.w[i]) return a.w[i] > b.w[i];
    }
    return true;
}

// a - b for a >= b
u256 minus(const u256& a, const u256& b) {
    u256 r;
    std::int64_t borrow = 0;
    for (int i = 0; i < 8; ++i) {
        std::int64_t d = static_cast<std::int64_t>(a.w[i]) - b.w[i] - borrow;
        borrow = d < 0;
        r.w[i] = static_cast<std::uint32_t>(d + (borrow << 32));
    }
    return r;
}

// Reduce a 16-word number mod p with 2^256 = 38 (mod p), then subtract p while possible.
u256 reduce_wide(std::array<std::uint64_t, 16> t) {
    for (int round = 0; round < 3; ++round) {
        std::array<std::uint64_t, 16> r{};
        for (int i = 0; i < 8; ++i) r[i] = t[i] + 38 * t[i + 8];
        std::uint64_t carry = 0;
        for (int i = 0; i < 16; ++i) {
            const std::uint64_t v = r[i] + carry;
            r[i] = v & 0xffffffff;
            carry = v >> 32;
        }
        t = r;
    }
    u256 x;
    for (int i = 0; i < 8; ++i) x.w[i] = static_cast<std::uint32_t>(t[i]);
    while (geq(x, model_p)) x = minus(x, model_p);
    return x;
}

u256 model_mul(const u256& a, const u256& b) {
    std::array<std::uint64_t, 16> t{};
    for (int i = 0; i < 8; ++i) {
        std::uint64_t carry = 0;
        for (int j = 0; j < 8; ++j) {
            const std::uint64_t v = t[i + j] + static_cast<std::uint64_t>(a.w[i]) * b.w[j] + carry;
            t[i + j] = v & 0xffffffff;
            carry = v >> 32;
        }
        t[i + 8] += carry;
    }
    return reduce_wide(t);
}

u256 model_add(const u256& a, const u256& b) {
    std::array<std::uint64_t, 16> t{};
    for (int i = 0; i < 8; ++i) t[i] = static_cast<std::uint64_t>(a.w[i]) + b.w[i];
    return reduce_wide(t);
}

u256 model_reduce(const u256& a) { return model_add(a, u256{}); }

u256 model_neg(const u256& a) {
    const u256 r = model_reduce(a);
    return r == u256{} ? r : minus(model_p, r);
}

u256 model_sub(const u256& a, const u256& b) { return model_add(a, model_neg(b)); }

u256 model_small(std::uint32_t v) {
    u256 r;
    r.w[0] = v;
    return r;
}

u256 model_pow(const u256& a, const u256& e) {
    u256 r = model_small(1);
    for (int i = 255; i >= 0; --i) {
        r = model_mul(r, r);
        if ((e.w[i / 32] >> (i % 32)) & 1) r = model_mul(r, a);
    }
    return r;
}

u256 from_bytes(const std::uint8_t* s) {
    u256 r;
    for (int i = 0; i < 8; ++i) r.w[i] = nexus::load32_le(s + 4 * i);
    return r;
}

bytes32 to_bytes(const u256& a) {
    bytes32 s{};
    for (int i = 0; i < 8; ++i) nexus::store32_le(s.data() + 4 * i, a.w[i]);
    return s;
}

// The value an element's limbs represent, exactly as the model sees it.
u256 model_of(const c25::fe25_5& f) {
    u256 acc;
    for (int i = 9; i >= 0; --i) {
        // acc = acc * 2^width(i) + v[i]
        const int w = (i & 1) ? 25 : 26;
        acc = model_mul(acc, model_small(1u << w));
        const std::int32_t v = f.v[i];
        acc = v >= 0 ? model_add(acc, model_small(static_cast<std::uint32_t>(v)))
                     : model_sub(acc, model_small(static_cast<std::uint32_t>(-static_cast<std::int64_t>(v))));
    }
    return acc;
}
#if defined(NEXUS_CURVE25519_HAVE_FE51)
u256 model_of(const c25::fe51& f) {
    u256 acc;
    const u256 radix = model_small(1u << 17);
    for (int i = 4; i >= 0; --i) {
        acc = model_mul(acc, model_mul(radix, model_mul(radix, radix)));  // * 2^51
        u256 limb;
        limb.w[0] = static_cast<std::uint32_t>(f.v[i]);
        limb.w[1] = static_cast<std::uint32_t>(f.v[i] >> 32);
        acc = model_add(acc, limb);
    }
    return acc;
}
#endif

template <class F>
F element(const u256& a) {
    F f{};
    const auto s = to_bytes(a);
    c25::fe_from_bytes(f, s.data());
    return f;
}

template <class F>
u256 value(const F& f) {
    bytes32 s{};
    c25::fe_to_bytes(s.data(), f);
    return from_bytes(s.data());
}

// Random 255-bit values, with a bias towards the edges (0, p - 1, p .. 2^255 - 1, long runs of
// ones and zeros) where carries go wrong.
u256 random_value(nexus::test::rng& rng) {
    bytes32 s{};
    rng.fill(s);
    switch (rng.below(8)) {
        case 0:
            s.fill(0xff);
            s[0] = static_cast<std::uint8_t>(0xed + rng.below(19));
            break;  // p .. 2^255-1
        case 1:
            s.fill(0);
            s[0] = static_cast<std::uint8_t>(rng.below(3));
            break;
        case 2:
            s.fill(0xff);
            s[0] = 0xec;
            break;  // p - 1
        case 3:
            for (auto& b : s) b = rng.below(2) ? 0xff : 0x00;
            break;
        default:
            break;
    }
    s[31] &= 0x7f;
    return from_bytes(s.data());
}

// An element with every limb at a random point of the 1-unit range the header promises after a
// carrying operation, or at either end of it: the worst inputs for the lazy-reduction rules.
c25::fe25_5 random_limbs(nexus::test::rng& rng, c25::fe25_5) {
    c25::fe25_5 f{};
    const int mode = static_cast<int>(rng.below(4));
    for (int i = 0; i < 10; ++i) {
        // 1 unit: |v| <= 1.1 * 2^25 on even limbs, 1.1 * 2^24 on odd ones.
        const std::int64_t bound =
            (i & 1) ? (std::int64_t{1} << 24) * 11 / 10 : (std::int64_t{1} << 25) * 11 / 10;
        std::int64_t v =
            static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * bound + 1))) - bound;
        if (mode == 0) v = bound;
        if (mode == 1) v = -bound;
        f.v[i] = static_cast<std::int32_t>(v);
    }
    return f;
}
#if defined(NEXUS_CURVE25519_HAVE_FE51)
c25::fe51 random_limbs(nexus::test::rng& rng, c25::fe51) {
    c25::fe51 f{};
    const int mode = static_cast<int>(rng.below(4));
    const std::uint64_t bound = (std::uint64_t{1} << 51) + (std::uint64_t{1} << 18) - 1;  // 1 unit
    for (auto& v : f.v) {
        v = rng.below(bound + 1);
        if (mode == 0) v = bound;
        if (mode == 1) v = 0;
    }
    return f;
}
#endif

template <class F>
void check_against_model(const char* name) {
    INFO("backend " << std::string(name));
    nexus::test::rng rng(0x6669656c64);
    for (int i = 0; i < 3000; ++i) {
        const u256 a = random_value(rng), b = random_value(rng);
        const F fa = element<F>(a), fb = element<F>(b);
        F h{};
        CHECK(value(fa) == model_reduce(a));
        c25::fe_mul(h, fa, fb);
        CHECK(value(h) == model_mul(a, b));
        c25::fe_sq(h, fa);
        CHECK(value(h) == model_mul(a, a));
        c25::fe_sq2(h, fa);
        CHECK(value(h) == model_add(model_mul(a, a), model_mul(a, a)));
        c25::fe_add(h, fa, fb);
        CHECK(value(h) == model_add(a, b));
        c25::fe_sub(h, fa, fb);
        CHECK(value(h) == model_sub(a, b));
        c25::fe_neg(h, fa);
        CHECK(value(h) == model_neg(a));
        c25::fe_mul121666(h, fa);
        CHECK(value(h) == model_mul(a, model_small(121666)));
        CHECK(c25::fe_is_zero(fa) == (model_reduce(a) == u256{} ? 1u : 0u));
        CHECK(c25::fe_equal(fa, fb) == (model_reduce(a) == model_reduce(b) ? 1u : 0u));
        CHECK(c25::fe_is_negative(fa) == (model_reduce(a).w[0] & 1u));
        // Conditional moves and swaps take 0 and 1.
        for (std::uint32_t bit = 0; bit < 2; ++bit) {
            F x = fa, y = fb;
            c25::fe_cmov(x, fb, bit);
            CHECK(value(x) == model_reduce(bit ? b : a));
            x = fa;
            c25::fe_cswap(x, y, bit);
            CHECK(value(x) == model_reduce(bit ? b : a));
            CHECK(value(y) == model_reduce(bit ? a : b));
        }
    }
}

TEST_CASE("field: operations match the big-integer model") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_against_model<c25::fe51>("fe51");
#endif
    check_against_model<c25::fe25_5>("fe25_5");
}

template <class F>
void check_inverse_and_sqrt(const char* name) {
    INFO("backend " << std::string(name));
    nexus::test::rng rng(0x696e76);
    const u256 p_minus_2 = minus(model_p, model_small(2));
    u256 half = minus(model_p, model_small(1));  // (p - 1) / 2 for Euler's criterion
    for (int i = 0; i < 8; ++i) half.w[i] = (half.w[i] >> 1) | (i < 7 ? half.w[i + 1] << 31 : 0);
    int squares = 0, non_squares = 0;
    for (int i = 0; i < 200; ++i) {
        const u256 a = random_value(rng);
        const F fa = element<F>(a);
        F h{};
        c25::fe_invert(h, fa);
        CHECK(value(h) == model_pow(a, p_minus_2));  // also 0 -> 0
        if (model_reduce(a) != u256{}) CHECK(model_mul(value(h), a) == model_small(1));
        c25::fe_pow22523(h, fa);
        u256 e = minus(model_p, model_small(5));  // (p - 5) / 8
        for (int k = 0; k < 3; ++k)
            for (int j = 0; j < 8; ++j) e.w[j] = (e.w[j] >> 1) | (j < 7 ? e.w[j + 1] << 31 : 0);
        CHECK(value(h) == model_pow(a, e));
        // sqrt: a root exactly when Euler's criterion says a is a square.
        const bool is_square = model_reduce(a) == u256{} || model_pow(a, half) == model_small(1);
        F x{};
        const std::uint32_t found = c25::fe_sqrt(x, fa);
        CHECK(found == (is_square ? 1u : 0u));
        if (found) {
            CHECK(model_mul(value(x), value(x)) == model_reduce(a));
            ++squares;
        } else {
            ++non_squares;
        }
        // sqrt_ratio(u, v) for v != 0 finds sqrt(u/v).
        const u256 b = random_value(rng);
        if (model_reduce(b) != u256{}) {
            const std::uint32_t ok = c25::fe_sqrt_ratio(x, fa, element<F>(b));
            const u256 ratio = model_mul(a, model_pow(b, p_minus_2));
            const bool ratio_square =
                model_reduce(ratio) == u256{} || model_pow(ratio, half) == model_small(1);
            CHECK(ok == (ratio_square ? 1u : 0u));
            if (ok) CHECK(model_mul(model_mul(value(x), value(x)), b) == model_reduce(a));
        }
    }
    CHECK(squares > 50);
    CHECK(non_squares > 50);
}

TEST_CASE("field: inversion, the (p-5)/8 power and square roots") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_inverse_and_sqrt<c25::fe51>("fe51");
#endif
    check_inverse_and_sqrt<c25::fe25_5>("fe25_5");
}

TEST_CASE("field: constants") {
    using F = c25::fe;
    F h{}, one{};
    c25::fe_one(one);
    c25::fe_sq(h, c25::fe_sqrt_m1<F>);
    F minus_one{};
    c25::fe_neg(minus_one, one);
    CHECK(c25::fe_equal(h, minus_one) == 1u);
    CHECK(value(c25::fe_from_words<F>({1, 2, 3, 4})) == u256{{1, 0, 2, 0, 3, 0, 4, 0}});
}

template <class F>
void check_bounds(const char* name) {
    INFO("backend " << std::string(name));
    // The compositions the header's rule allows, built from limbs at the edge of the 1-unit range,
    // must still compute the right value (a wrapped or overflowed limb would not).
    nexus::test::rng rng(0x626f756e6473);
    for (int i = 0; i < 3000; ++i) {
        const F x = random_limbs(rng, F{}), y = random_limbs(rng, F{}), z = random_limbs(rng, F{});
        const u256 mx = model_of(x), my = model_of(y), mz = model_of(z);
        F xy{}, xyz{}, inputs[6]{};
        u256 models[6];
        c25::fe_add(xy, x, y);
        c25::fe_add(xyz, xy, z);
        inputs[0] = x;
        models[0] = mx;
        inputs[1] = xyz;  // 3 units, no subtraction
        models[1] = model_add(model_add(mx, my), mz);
        c25::fe_sub(inputs[2], xy, z);  // (x + y) - z
        models[2] = model_sub(model_add(mx, my), mz);
        c25::fe_sub(inputs[3], z, xy);  // z - (x + y)
        models[3] = model_sub(mz, model_add(mx, my));
        F d{};
        c25::fe_sub(d, x, y);
        c25::fe_add(inputs[4], d, z);  // (x - y) + z
        models[4] = model_add(model_sub(mx, my), mz);
        c25::fe_add(inputs[5], z, d);  // z + (x - y)
        models[5] = models[4];
        for (int a = 0; a < 6; ++a) {
            F h{};
            CHECK(model_of(inputs[a]) == models[a]);
            c25::fe_sq(h, inputs[a]);
            CHECK(value(h) == model_mul(models[a], models[a]));
            c25::fe_mul121666(h, inputs[a]);
            CHECK(value(h) == model_mul(models[a], model_small(121666)));
            c25::fe_carry(h, inputs[a]);
            CHECK(model_of(h) == models[a]);
            c25::fe_neg(h, inputs[a]);
            CHECK(value(h) == model_neg(models[a]));
            CHECK(value(inputs[a]) == models[a]);
            for (int b = 0; b < 6; ++b) {
                c25::fe_mul(h, inputs[a], inputs[b]);
                CHECK(value(h) == model_mul(models[a], models[b]));
            }
        }
        // fe_sq2 takes up to 2 units.
        F h{};
        c25::fe_sq2(h, xy);
        const u256 s = model_mul(model_add(mx, my), model_add(mx, my));
        CHECK(value(h) == model_add(s, s));
        // Outputs of carrying operations stay within 1 unit, so they can feed the next round.
        c25::fe_mul(h, xyz, xyz);
        const F back = h;
        c25::fe_sub(h, back, xy);
        CHECK(value(h) == model_sub(value(back), model_add(mx, my)));
    }
}

TEST_CASE("field: limb bounds of the lazy-reduction rule") {
#if defined(NEXUS_CURVE25519_HAVE_FE51)
    check_bounds<c25::fe51>("fe51");
#endif
    check_bounds<c25::fe25_5>("fe25_5");
}

TEST_CASE("field: encoding") {
    // p - 1 is canonical; p .. 2^255 - 1 are not; the top bit is ignored everywhere.
    bytes32 s{};
    s.fill(0xff);
    s[31] = 0x7f;
    for (int low = 0xec; low <= 0xff; ++low) {
        s[0] = static_cast<std::uint8_t>(low);
        CHECK(c25::fe_bytes_are_canonical(s.data()) == (low == 0xec));
        s[31] = 0xff;
        CHECK(c25::fe_bytes_are_canonical(s.data()) == (low == 0xec));
        s[31] = 0x7f;
        // Non-canonical inputs read as their residue (p + k -> k) on both backends.
#if defined(NEXUS_CURVE25519_HAVE_FE51)
        CHECK(value(element<c25::fe51>(from_bytes(s.data()))) == model_reduce(from_bytes(s.data())));
#endif
        CHECK(value(element<c25::fe25_5>(from_bytes(s.data()))) == model_reduce(from_bytes(s.data())));
    }
    s.fill(0);
    CHECK(c25::fe_bytes_are_canonical(s.data()));
    // The top bit does not reach the value.
    s[31] = 0x80;
    c25::fe f{};
    c25::fe_from_bytes(f, s.data());
    CHECK(c25::fe_is_zero(f) == 1u);
}

#if defined(NEXUS_CURVE25519_HAVE_FE51)
TEST_CASE("field: the two backends agree") {
    nexus::test::rng rng(0x6167726565);
    for (int i = 0; i < 20000; ++i) {
        bytes32 a{}, b{};
        rng.fill(a);
        rng.fill(b);
        c25::fe51 x{}, y{}, h{};
        c25::fe25_5 u{}, v{}, k{};
        c25::fe_from_bytes(x, a.data());
        c25::fe_from_bytes(y, b.data());
        c25::fe_from_bytes(u, a.data());
        c25::fe_from_bytes(v, b.data());
        c25::fe_mul(h, x, y);
        c25::fe_mul(k, u, v);
        CHECK(c25::fe_bytes(h) == c25::fe_bytes(k));
        c25::fe_sq(h, x);
        c25::fe_sq(k, u);
        CHECK(c25::fe_bytes(h) == c25::fe_bytes(k));
        if (i % 20 == 0) {
            c25::fe_invert(h, x);
            c25::fe_invert(k, u);
            CHECK(c25::fe_bytes(h) == c25::fe_bytes(k));
            const auto r1 = c25::fe_sqrt(h, x);
            const auto r2 = c25::fe_sqrt(k, u);
            CHECK(r1 == r2);
            if (r1) CHECK(c25::fe_bytes(h) == c25::fe_bytes(k));
        }
    }
}
#endif

}  // namespace
