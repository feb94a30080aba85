// libFuzzer target for ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 §5). Arbitrary input: public key
// (32) || proof (80) || alpha through verify, proof_to_hash and validate_key, which must not crash,
// must agree on both field backends, must leave beta alone on rejection, and must agree with
// each other (an accepted proof has a valid key and hashes to the beta verify returned). Input
// starting with the flag byte 0x01: seed (32) || flip selector (2, big-endian) || alpha; the key
// pair of the seed proves alpha, both backends and both secret-key layouts must give the same
// proof, verify must accept it, and reject it with any one bit of proof, key or alpha flipped
// (the bit is chosen by the input) or with s replaced by s + L.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/crypto/ecvrf.hpp"
#include "nexus/crypto/ed25519.hpp"

namespace {

using namespace nexus::crypto;
namespace c25 = nexus::crypto::curve25519;

constexpr std::uint8_t prove_flag = 0x01;

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
    std::array<std::uint8_t, 80> proof{};
    in.fill(public_key);
    in.fill(proof);
    const auto alpha = in.rest();

    std::array<std::uint8_t, 64> beta{}, beta_other{}, hashed{}, hashed_other{};
    beta.fill(0x5c);
    const std::array<std::uint8_t, 64> untouched = beta;
    const bool accepted = ecvrf_verify(beta, public_key, proof, alpha);
    NEXUS_FUZZ_CHECK(accepted == ecvrf_verify<other_fe>(beta_other, public_key, proof, alpha));
    if (!accepted) NEXUS_FUZZ_CHECK(beta == untouched);

    const bool key_valid = ecvrf_public_key_valid(public_key);
    NEXUS_FUZZ_CHECK(key_valid == ecvrf_public_key_valid<other_fe>(public_key));
    const bool decoded = ecvrf_proof_to_hash(hashed, proof);
    NEXUS_FUZZ_CHECK(decoded == ecvrf_proof_to_hash<other_fe>(hashed_other, proof));
    if (decoded) NEXUS_FUZZ_CHECK(hashed == hashed_other);

    if (accepted) {
        NEXUS_FUZZ_CHECK(beta == beta_other);
        NEXUS_FUZZ_CHECK(key_valid && decoded);
        NEXUS_FUZZ_CHECK(hashed == beta);
    }
}

void check_proving(nexus::fuzz::input in) {
    std::array<std::uint8_t, 32> seed{};
    in.fill(seed);
    const std::uint16_t flip_selector = in.u16();
    const auto input_alpha = in.rest();
    // A mutable copy of exactly alpha's size, so an overread of it is an ASan report.
    std::vector<std::uint8_t> alpha(input_alpha.begin(), input_alpha.end());

    std::array<std::uint8_t, 32> public_key{};
    std::array<std::uint8_t, 64> secret_key{};
    ed25519_keypair(public_key, secret_key, seed);
    std::array<std::uint8_t, 80> proof{}, from_seed{}, other{};
    ecvrf_prove(proof, secret_key, alpha);
    ecvrf_prove(from_seed, seed, alpha);
    ecvrf_prove<other_fe>(other, secret_key, alpha);
    NEXUS_FUZZ_CHECK(proof == from_seed && proof == other);

    std::array<std::uint8_t, 64> beta{}, hashed{};
    NEXUS_FUZZ_CHECK(ecvrf_public_key_valid(public_key));
    NEXUS_FUZZ_CHECK(ecvrf_verify(beta, public_key, proof, alpha));
    NEXUS_FUZZ_CHECK(ecvrf_proof_to_hash(hashed, proof));
    NEXUS_FUZZ_CHECK(hashed == beta);

    // s + L passes the equations; only the range check of decode_proof refuses it.
    std::array<std::uint8_t, 80> malleated = proof;
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        const unsigned v = malleated[48 + i] + c25::scalar_order[i] + carry;
        malleated[48 + i] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
    NEXUS_FUZZ_CHECK(!ecvrf_verify(beta, public_key, malleated, alpha));

    // One flipped bit anywhere in proof || public key || alpha must be rejected (passing would
    // need a SHA-512 collision or a discrete logarithm).
    const std::size_t bits = 8 * (proof.size() + public_key.size() + alpha.size());
    std::size_t bit = flip_selector % bits;
    std::uint8_t* target = nullptr;
    if (bit < 8 * proof.size()) {
        target = proof.data();
    } else if ((bit -= 8 * proof.size()) < 8 * public_key.size()) {
        target = public_key.data();
    } else {
        bit -= 8 * public_key.size();
        target = alpha.data();
    }
    target[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    NEXUS_FUZZ_CHECK(!ecvrf_verify(beta, public_key, proof, alpha));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 0 && data[0] == prove_flag)
        check_proving(nexus::fuzz::input(data + 1, size - 1));
    else
        check_arbitrary(nexus::fuzz::input(data, size));
    return 0;
}
