// libFuzzer target for Ed25519 (RFC 8032 §5.1). Arbitrary input: public key || signature ||
// message through verify and the X25519 key conversion, which must not crash and must give the
// same verdict on both field backends. Input starting with the flag byte 0x01: a key pair from an
// input-derived seed signs the rest; verify must accept, and reject the signature, key or message
// with any one bit flipped (the bit is chosen by the input).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/crypto/ed25519.hpp"
#include "nexus/crypto/x25519.hpp"

namespace {

using namespace nexus::crypto;
namespace c25 = nexus::crypto::curve25519;

constexpr std::uint8_t sign_flag = 0x01;

// The library's backend and the other one (where the platform has both): the fuzzer then also
// acts as a differential test between fe51 and fe25_5.
#if defined(NEXUS_CURVE25519_DEFAULT_FE51)
using other_fe = c25::fe25_5;
#elif defined(NEXUS_CURVE25519_HAVE_FE51)
using other_fe = c25::fe51;
#else
using other_fe = c25::fe;
#endif

void check_arbitrary(nexus::fuzz::input in) {
    std::array<std::uint8_t, 32> public_key{};
    std::array<std::uint8_t, 64> signature{};
    in.fill(public_key);
    in.fill(signature);
    const auto message = in.rest();

    const bool accepted = ed25519_verify(signature, public_key, message);
    NEXUS_FUZZ_CHECK(accepted == ed25519_verify<other_fe>(signature, public_key, message));

    std::array<std::uint8_t, 32> x_public{}, x_public_other{};
    const bool converted = ed25519_public_to_x25519(x_public, public_key);
    NEXUS_FUZZ_CHECK(converted == ed25519_public_to_x25519<other_fe>(x_public_other, public_key));
    if (converted) NEXUS_FUZZ_CHECK(x_public == x_public_other);
}

void check_signing(nexus::fuzz::input in) {
    std::array<std::uint8_t, 32> seed{};
    in.fill(seed);
    const std::uint16_t flip_selector = in.u16();
    const auto input_message = in.rest();
    // A mutable copy of exactly the message's size, so an overread of it is an ASan report.
    std::vector<std::uint8_t> message(input_message.begin(), input_message.end());

    std::array<std::uint8_t, 32> public_key{};
    std::array<std::uint8_t, 64> secret_key{}, signature{};
    ed25519_keypair(public_key, secret_key, seed);
    ed25519_sign(signature, secret_key, message);
    NEXUS_FUZZ_CHECK(ed25519_verify(signature, public_key, message));

    // Both backends make the same key and, signing being deterministic, the same signature.
    std::array<std::uint8_t, 32> public_other{};
    std::array<std::uint8_t, 64> secret_other{}, signature_other{};
    ed25519_keypair<other_fe>(public_other, secret_other, seed);
    ed25519_sign<other_fe>(signature_other, secret_other, message);
    NEXUS_FUZZ_CHECK(public_other == public_key && secret_other == secret_key);
    NEXUS_FUZZ_CHECK(signature_other == signature);

    // The converted keys of one Ed25519 key pair form an X25519 key pair.
    std::array<std::uint8_t, 32> x_secret{}, x_public{}, x_public_from_ed{};
    ed25519_secret_to_x25519(x_secret, secret_key);
    x25519_public_key(x_public, x_secret);
    NEXUS_FUZZ_CHECK(ed25519_public_to_x25519(x_public_from_ed, public_key));
    NEXUS_FUZZ_CHECK(x_public == x_public_from_ed);

    // One flipped bit anywhere in signature || public key || message must be rejected (a forgery
    // would need a collision in SHA-512 or a discrete logarithm).
    const std::size_t bits = 8 * (signature.size() + public_key.size() + message.size());
    std::size_t bit = flip_selector % bits;
    std::uint8_t* target = nullptr;
    if (bit < 8 * signature.size()) {
        target = signature.data();
    } else if ((bit -= 8 * signature.size()) < 8 * public_key.size()) {
        target = public_key.data();
    } else {
        bit -= 8 * public_key.size();
        target = message.data();
    }
    target[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    NEXUS_FUZZ_CHECK(!ed25519_verify(signature, public_key, message));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 0 && data[0] == sign_flag)
        check_signing(nexus::fuzz::input(data + 1, size - 1));
    else
        check_arbitrary(nexus::fuzz::input(data, size));
    return 0;
}
