// libFuzzer target for X25519 (RFC 7748 §5, §6.1). Input: secret a, secret b, arbitrary peer u.
// X25519 of an arbitrary u must not crash, must report failure exactly when the result is all
// zero, and must agree across field backends; Diffie-Hellman must be symmetric,
// X25519(a, pub(b)) == X25519(b, pub(a)); and the ladder on u = 9 must equal the fixed-base
// public key (two independent code paths).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_support.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/x25519.hpp"

namespace {

using namespace nexus::crypto;
namespace c25 = nexus::crypto::curve25519;
using key = std::array<std::uint8_t, 32>;

#if defined(NEXUS_CURVE25519_DEFAULT_FE51)
using other_fe = c25::fe25_5;
#elif defined(NEXUS_CURVE25519_HAVE_FE51)
using other_fe = c25::fe51;
#else
using other_fe = c25::fe;
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nexus::fuzz::input in(data, size);
    key a{}, b{}, peer{};
    in.fill(a);
    in.fill(b);
    in.fill(peer);

    // Arbitrary peer point (small order, twist, non-canonical u >= p, top bit set: all allowed).
    key shared{}, shared_other{};
    const bool ok = x25519(shared, a, peer);
    NEXUS_FUZZ_CHECK(ok == !ct_is_zero(shared));
    NEXUS_FUZZ_CHECK(x25519<other_fe>(shared_other, a, peer) == ok);
    NEXUS_FUZZ_CHECK(shared_other == shared);

    // Diffie-Hellman symmetry. Public keys of clamped scalars lie in the prime-order subgroup, so
    // neither side may see an all-zero secret.
    key pub_a{}, pub_b{}, ab{}, ba{};
    x25519_public_key(pub_a, a);
    x25519_public_key(pub_b, b);
    NEXUS_FUZZ_CHECK(x25519(ab, a, pub_b));
    NEXUS_FUZZ_CHECK(x25519(ba, b, pub_a));
    NEXUS_FUZZ_CHECK(ab == ba);

    key pub_a_other{};
    x25519_public_key<other_fe>(pub_a_other, a);
    NEXUS_FUZZ_CHECK(pub_a_other == pub_a);

    // The fixed-base comb (x25519_public_key) against the ladder on the base point u = 9.
    key base{9}, pub_a_ladder{};
    NEXUS_FUZZ_CHECK(x25519(pub_a_ladder, a, base));
    NEXUS_FUZZ_CHECK(pub_a_ladder == pub_a);
    return 0;
}
