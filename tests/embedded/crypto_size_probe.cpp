// Links the crypto suite for a Cortex-M4 so the embedded size report measures real code: every
// primitive is called from main on bytes the compiler cannot see, so --gc-sections keeps it all.
//
// By default every primitive is in. scripts/embedded-size.sh also builds it with NEXUS_PROBE_ONLY
// and one NEXUS_PROBE_<NAME>=1 at a time (and with none, the empty baseline), so that each
// primitive's size is what a firmware using only it would pay, its dependencies included (Ed25519
// brings SHA-512 and the curve code). On this target `curve25519::fe` and `poly1305` are the
// portable 32-bit backends (no __int128).
#include <nexus/crypto/aead.hpp>
#include <nexus/crypto/argon2.hpp>
#include <nexus/crypto/blake2b.hpp>
#include <nexus/crypto/blake3.hpp>
#include <nexus/crypto/chacha20.hpp>
#include <nexus/crypto/ed25519.hpp>
#include <nexus/crypto/hkdf.hpp>
#include <nexus/crypto/hmac.hpp>
#include <nexus/crypto/poly1305.hpp>
#include <nexus/crypto/sha2.hpp>
#include <nexus/crypto/x25519.hpp>
#if __has_include(<nexus/crypto/ecvrf.hpp>)
#include <nexus/crypto/ecvrf.hpp>
#define NEXUS_PROBE_HAVE_ECVRF 1
#else
#define NEXUS_PROBE_HAVE_ECVRF 0
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#if defined(NEXUS_PROBE_ONLY)
#define NEXUS_PROBE_ALL 0
#else
#define NEXUS_PROBE_ALL 1
#endif
#ifndef NEXUS_PROBE_SHA256
#define NEXUS_PROBE_SHA256 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_SHA512
#define NEXUS_PROBE_SHA512 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_HMAC_SHA256
#define NEXUS_PROBE_HMAC_SHA256 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_HKDF_SHA256
#define NEXUS_PROBE_HKDF_SHA256 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_BLAKE2B
#define NEXUS_PROBE_BLAKE2B NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_BLAKE3
#define NEXUS_PROBE_BLAKE3 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_ARGON2ID
#define NEXUS_PROBE_ARGON2ID NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_CHACHA20
#define NEXUS_PROBE_CHACHA20 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_POLY1305
#define NEXUS_PROBE_POLY1305 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_CHACHA20_POLY1305
#define NEXUS_PROBE_CHACHA20_POLY1305 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_XCHACHA20_POLY1305
#define NEXUS_PROBE_XCHACHA20_POLY1305 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_X25519
#define NEXUS_PROBE_X25519 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_ED25519
#define NEXUS_PROBE_ED25519 NEXUS_PROBE_ALL
#endif
#ifndef NEXUS_PROBE_ECVRF
#define NEXUS_PROBE_ECVRF (NEXUS_PROBE_ALL && NEXUS_PROBE_HAVE_ECVRF)
#endif
#if NEXUS_PROBE_ECVRF && !NEXUS_PROBE_HAVE_ECVRF
#error "NEXUS_PROBE_ECVRF needs include/nexus/crypto/ecvrf.hpp"
#endif

namespace nc = nexus::crypto;

namespace {

volatile std::uint32_t sink;

// Bytes that depend on a volatile read, so no call below can be folded at compile time.
template <std::size_t N>
std::array<std::uint8_t, N> input() {
    std::array<std::uint8_t, N> a{};
    const std::uint32_t s = sink;
    for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(s + 31 * i);
    return a;
}

template <std::size_t N>
void consume(const std::array<std::uint8_t, N>& a) {
    std::uint32_t acc = 0;
    for (auto b : a) acc = acc * 31 + b;
    sink = acc;
}

#if NEXUS_PROBE_ARGON2ID
nc::argon2_block argon2_work[8];  // the smallest memory Argon2 allows: 8 KiB
#endif

}  // namespace

int main() {
    [[maybe_unused]] const auto msg = input<128>();
    [[maybe_unused]] const auto key = input<32>();
    [[maybe_unused]] const auto nonce = input<12>();
    [[maybe_unused]] const auto xnonce = input<24>();
#if NEXUS_PROBE_SHA256
    consume(nc::sha256_hash(msg));
#endif
#if NEXUS_PROBE_SHA512
    consume(nc::sha512_hash(msg));
#endif
#if NEXUS_PROBE_HMAC_SHA256
    consume(nc::hmac_sha256(key, msg));
#endif
#if NEXUS_PROBE_HKDF_SHA256
    {
        std::array<std::uint8_t, 64> okm{};
        sink = nc::hkdf_sha256(key, nonce, msg, okm);
        consume(okm);
    }
#endif
#if NEXUS_PROBE_BLAKE2B
    {
        std::array<std::uint8_t, 32> h{};
        sink = nc::blake2b_hash(h, msg, key);
        consume(h);
    }
#endif
#if NEXUS_PROBE_BLAKE3
    {
        std::array<std::uint8_t, 32> h{};
        nc::blake3_hash(msg, h);
        consume(h);
        nc::blake3_keyed_hash(key, msg, h);
        consume(h);
    }
#endif
#if NEXUS_PROBE_ARGON2ID
    {
        std::array<std::uint8_t, 32> tag{};
        const nc::argon2_params params{1, 8, 1};
        sink = static_cast<std::uint32_t>(nc::argon2id(tag, key, nonce, params, argon2_work));
        consume(tag);
    }
#endif
#if NEXUS_PROBE_CHACHA20
    {
        std::array<std::uint8_t, 128> out{};
        sink = nc::chacha20_xor(key, nonce, 1, msg, out);
        consume(out);
    }
#endif
#if NEXUS_PROBE_POLY1305
    {
        std::array<std::uint8_t, 16> tag{};
        nc::poly1305_mac(key, msg, tag);
        consume(tag);
    }
#endif
#if NEXUS_PROBE_CHACHA20_POLY1305
    {
        std::array<std::uint8_t, 128 + 16> sealed{};
        std::array<std::uint8_t, 128> opened{};
        sink = static_cast<std::uint32_t>(nc::chacha20_poly1305::seal(key, nonce, msg, nonce, sealed));
        sink = static_cast<std::uint32_t>(nc::chacha20_poly1305::open(key, nonce, sealed, nonce, opened));
        consume(opened);
    }
#endif
#if NEXUS_PROBE_XCHACHA20_POLY1305
    {
        std::array<std::uint8_t, 128 + 16> sealed{};
        std::array<std::uint8_t, 128> opened{};
        sink = static_cast<std::uint32_t>(nc::xchacha20_poly1305::seal(key, xnonce, msg, nonce, sealed));
        sink = static_cast<std::uint32_t>(nc::xchacha20_poly1305::open(key, xnonce, sealed, nonce, opened));
        consume(opened);
    }
#endif
#if NEXUS_PROBE_X25519
    {
        std::array<std::uint8_t, 32> pub{}, shared{};
        nc::x25519_public_key(pub, key);
        sink = nc::x25519(shared, key, pub);
        consume(shared);
    }
#endif
#if NEXUS_PROBE_ED25519
    {
        std::array<std::uint8_t, 32> pub{}, xpub{}, xsec{};
        std::array<std::uint8_t, 64> sec{}, sig{};
        nc::ed25519_keypair(pub, sec, key);
        nc::ed25519_sign(sig, sec, msg);
        sink = nc::ed25519_verify(sig, pub, msg);
        sink = nc::ed25519_public_to_x25519(xpub, pub);
        nc::ed25519_secret_to_x25519(xsec, sec);
        consume(sig);
        consume(xpub);
        consume(xsec);
    }
#endif
#if NEXUS_PROBE_ECVRF
    {
        std::array<std::uint8_t, 32> pub{};
        std::array<std::uint8_t, 64> sec{}, beta{};
        std::array<std::uint8_t, 80> proof{};
        nc::ed25519_keypair(pub, sec, key);
        nc::ecvrf_prove(proof, sec, msg);
        sink = nc::ecvrf_verify(beta, pub, proof, msg);
        consume(beta);
    }
#endif
    return static_cast<int>(sink & 1);
}
