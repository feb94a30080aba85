// Speed of the nexus crypto suite against a reference measured in the same run: libsodium for
// every primitive it has, b3sum (one thread, as a subprocess) for BLAKE3 on 1 MiB.
//
// Google Benchmark measures every figure (CPU time; several repetitions, randomly interleaved
// across all benchmarks so nexus and its reference see the same machine load); at the end the
// median items/s of each benchmark is printed to stdout as
//     <name> nexus=<ops_per_s> ref=<ops_per_s> ratio=<nexus/ref>
// and Google Benchmark's own table goes to stderr (scripts/bench.sh saves it to a log).
// One op is one call: one signature, one verification, one shared secret, one seal or one hash of
// the stated size. Inputs are fixed, drawn from nexus::test::rng with a fixed seed, and the same
// bytes go to nexus and to the reference; a start-up check makes sure both produce the same output
// so that neither side is benchmarked doing something else.
//
// The "[32-bit]" lines run the portable 32-bit arithmetic (curve25519::fe25_5 field elements,
// poly1305_32) in this same binary: ed25519/x25519 take the field type and the AEAD the Poly1305
// backend as template arguments. ChaCha20 itself has no separate 32-bit backend (its vector path
// is chosen by the target's SIMD support, as on every other line).
//
// BLAKE3 at 1 MiB: the reference is `b3sum --num-threads 1 FILE` run as a subprocess (posix_spawn,
// no shell) on a temporary file of --b3sum_mib MiB (default 64) of the same seeded bytes; the
// start-up cost, measured the same way on an empty file, is subtracted, and the rest gives MiB/s,
// i.e. 1 MiB hashes per second. Each is the minimum CPU time (user + system of the child, from
// wait4) over --b3sum_runs runs (default 9, alternating the two files). b3sum picks its widest
// SIMD at run time (AVX-512 where present) and reads through mmap; nexus hashes a 1 MiB buffer in
// memory. Set NEXUS_B3SUM to another binary, or to an empty string to skip the figure.
//
// libsodium is linked from its static archive when there is one (bench/CMakeLists.txt says why);
// the first output line names the version and the kind of library.
//
// ECVRF (prove, verify) against libsodium's Ed25519 sign and verify lights up by itself once
// include/nexus/crypto/ecvrf.hpp exists and offers one of the call shapes detected below.

#include <benchmark/benchmark.h>
#include <sodium.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <nexus/crypto/aead.hpp>
#include <nexus/crypto/blake2b.hpp>
#include <nexus/crypto/blake3.hpp>
#include <nexus/crypto/ed25519.hpp>
#include <nexus/crypto/poly1305.hpp>
#include <nexus/crypto/sha2.hpp>
#include <nexus/crypto/x25519.hpp>

#include "support/diff.hpp"

#ifndef NEXUS_BENCH_SODIUM_LINK
#define NEXUS_BENCH_SODIUM_LINK "shared"
#endif

#if __has_include(<nexus/crypto/ecvrf.hpp>)
#include <nexus/crypto/ecvrf.hpp>
#define NEXUS_BENCH_ECVRF_HEADER 1
#else
#define NEXUS_BENCH_ECVRF_HEADER 0
#endif

extern char** environ;

namespace nc = nexus::crypto;
using fe64 = nc::curve25519::fe;  // fe51 on 64-bit hosts with __int128
using fe32 = nc::curve25519::fe25_5;
using bytes = std::vector<std::uint8_t>;

// ---- ECVRF detection ------------------------------------------------------------------------
// The benchmark must build with or without ecvrf.hpp (it landed after this file), and should not
// break if the header's API moves: the calls are looked up as dependent names, so an absent or
// differently shaped ecvrf_prove / ecvrf_verify turns the figures into "# skipped" lines. Today's
// header matches the first shape of each, with <F>. Shapes recognised
// (RFC 9381 ECVRF-EDWARDS25519-SHA512-TAI: 80-byte proof, 64-byte output, Ed25519 keys):
//   ecvrf_prove(proof[80], secret_key[64] (seed || public, as Ed25519), alpha)
//   ecvrf_verify(beta[64], public_key[32], proof[80], alpha)          -> bool-testable
//   ecvrf_verify(public_key[32], proof[80], alpha, beta[64])          -> bool-testable
//   ecvrf_verify(public_key[32], proof[80], alpha)                    -> bool-testable (optional)
// each also with the field type as template argument (ecvrf_prove<F>), for the [32-bit] lines.
namespace nexus::crypto::bench_detect {

template <class B>
using arr80 = std::array<B, 80>;

template <class B>
concept prove_plain = requires(arr80<B>& proof, const std::array<B, 64>& sk, std::span<const B> alpha) {
    ecvrf_prove(proof, sk, alpha);
};
template <class B, class F>
concept prove_with_field = requires(arr80<B>& proof, const std::array<B, 64>& sk, std::span<const B> alpha) {
    ecvrf_prove<F>(proof, sk, alpha);
};

template <class B>
concept verify_beta_first = requires(std::array<B, 64>& beta, const std::array<B, 32>& pk,
                                     const arr80<B>& proof, std::span<const B> alpha) {
    { ecvrf_verify(beta, pk, proof, alpha) } -> std::convertible_to<bool>;
};
template <class B>
concept verify_beta_last = requires(std::array<B, 64>& beta, const std::array<B, 32>& pk,
                                    const arr80<B>& proof, std::span<const B> alpha) {
    { ecvrf_verify(pk, proof, alpha, beta) } -> std::convertible_to<bool>;
};
template <class B>
concept verify_no_beta = requires(const std::array<B, 32>& pk, const arr80<B>& proof,
                                  std::span<const B> alpha) {
    {static_cast<bool>(ecvrf_verify(pk, proof, alpha))};
};
template <class B, class F>
concept verify_beta_first_f = requires(std::array<B, 64>& beta, const std::array<B, 32>& pk,
                                       const arr80<B>& proof, std::span<const B> alpha) {
    { ecvrf_verify<F>(beta, pk, proof, alpha) } -> std::convertible_to<bool>;
};
template <class B, class F>
concept verify_beta_last_f = requires(std::array<B, 64>& beta, const std::array<B, 32>& pk,
                                      const arr80<B>& proof, std::span<const B> alpha) {
    { ecvrf_verify<F>(pk, proof, alpha, beta) } -> std::convertible_to<bool>;
};
template <class B, class F>
concept verify_no_beta_f = requires(const std::array<B, 32>& pk, const arr80<B>& proof,
                                    std::span<const B> alpha) {
    {static_cast<bool>(ecvrf_verify<F>(pk, proof, alpha))};
};

// F = void: the library's default field type.
template <class F, class B>
constexpr bool can_prove() {
    if constexpr (std::is_void_v<F>)
        return prove_plain<B>;
    else
        return prove_with_field<B, F>;
}
template <class F, class B>
constexpr bool can_verify() {
    if constexpr (std::is_void_v<F>)
        return verify_beta_first<B> || verify_beta_last<B> || verify_no_beta<B>;
    else
        return verify_beta_first_f<B, F> || verify_beta_last_f<B, F> || verify_no_beta_f<B, F>;
}

template <class F, class B>
void prove(arr80<B>& proof, const std::array<B, 64>& sk, std::span<const B> alpha) {
    if constexpr (std::is_void_v<F>)
        (void)ecvrf_prove(proof, sk, alpha);
    else
        (void)ecvrf_prove<F>(proof, sk, alpha);
}

template <class F, class B>
bool verify(const std::array<B, 32>& pk, const arr80<B>& proof, std::span<const B> alpha) {
    std::array<B, 64> beta{};
    bool ok = false;
    if constexpr (std::is_void_v<F>) {
        if constexpr (verify_beta_first<B>)
            ok = ecvrf_verify(beta, pk, proof, alpha);
        else if constexpr (verify_beta_last<B>)
            ok = ecvrf_verify(pk, proof, alpha, beta);
        else
            ok = static_cast<bool>(ecvrf_verify(pk, proof, alpha));
    } else {
        if constexpr (verify_beta_first_f<B, F>)
            ok = ecvrf_verify<F>(beta, pk, proof, alpha);
        else if constexpr (verify_beta_last_f<B, F>)
            ok = ecvrf_verify<F>(pk, proof, alpha, beta);
        else
            ok = static_cast<bool>(ecvrf_verify<F>(pk, proof, alpha));
    }
    benchmark::DoNotOptimize(beta.data());
    return ok;
}

}  // namespace nexus::crypto::bench_detect

namespace {

namespace vrf = nexus::crypto::bench_detect;

// ---- fixed inputs ---------------------------------------------------------------------------

constexpr std::size_t kib = 1024;
constexpr std::size_t mib = 1024 * kib;
constexpr std::size_t message_size = 64;  // what the signature and VRF figures sign

struct inputs {
    std::array<std::uint8_t, 32> seed{}, ed_public{};
    std::array<std::uint8_t, 64> ed_secret{}, signature{};
    std::array<std::uint8_t, 32> x_secret{}, x_peer_public{};
    std::array<std::uint8_t, 32> aead_key{};
    std::array<std::uint8_t, 12> nonce{};
    std::array<std::uint8_t, 24> xnonce{};
    std::array<std::uint8_t, 80> vrf_proof{};
    bytes data = bytes(mib);  // message bytes; every figure reads a prefix
    std::span<const std::uint8_t> message(std::size_t n) const { return std::span(data).first(n); }
};

inputs make_inputs() {
    nexus::test::rng rng(0x6e657875732d6231ULL);  // fixed seed: the same bytes on every run
    inputs in;
    rng.fill(in.seed);
    rng.fill(in.x_secret);
    rng.fill(in.aead_key);
    rng.fill(in.nonce);
    rng.fill(in.xnonce);
    rng.fill(in.data);
    std::array<std::uint8_t, 32> peer_secret{};
    rng.fill(peer_secret);
    nc::x25519_public_key(in.x_peer_public, peer_secret);
    nc::ed25519_keypair(in.ed_public, in.ed_secret, in.seed);
    nc::ed25519_sign(in.signature, in.ed_secret, in.message(message_size));
    return in;
}

inputs& in() {
    static inputs value = make_inputs();
    return value;
}

struct aead_size {
    std::size_t bytes;
    const char* label;
};
constexpr aead_size aead_sizes[] = {{64, "64B"}, {kib, "1KiB"}, {16 * kib, "16KiB"}};

// Where every seal writes (the largest is 16 KiB + tag), shared by nexus and the reference.
std::array<std::uint8_t, 16 * kib + 16> sealed;

// ---- the start-up check: both sides compute the same thing ----------------------------------

bool same_outputs() {
    const auto& x = in();
    bool ok = true;
    auto expect = [&](bool cond, const char* what) {
        if (!cond) std::fprintf(stderr, "crypto_bench: nexus and libsodium disagree on %s\n", what);
        ok = ok && cond;
    };
    std::array<std::uint8_t, 32> pk{};
    std::array<std::uint8_t, 64> sk{}, sig{};
    crypto_sign_seed_keypair(pk.data(), sk.data(), x.seed.data());
    expect(pk == x.ed_public && sk == x.ed_secret, "the Ed25519 key pair");
    crypto_sign_detached(sig.data(), nullptr, x.data.data(), message_size, sk.data());
    expect(sig == x.signature, "the Ed25519 signature");
    std::array<std::uint8_t, 64> sig32{};
    nc::ed25519_sign<fe32>(sig32, x.ed_secret, x.message(message_size));
    expect(sig32 == x.signature, "the Ed25519 signature (32-bit)");
    expect(nc::ed25519_verify(x.signature, x.ed_public, x.message(message_size)) &&
               nc::ed25519_verify<fe32>(x.signature, x.ed_public, x.message(message_size)),
           "Ed25519 verification");

    std::array<std::uint8_t, 32> s1{}, s2{}, s3{};
    expect(crypto_scalarmult(s1.data(), x.x_secret.data(), x.x_peer_public.data()) == 0,
           "X25519 (libsodium)");
    expect(nc::x25519(s2, x.x_secret, x.x_peer_public) && nc::x25519<fe32>(s3, x.x_secret, x.x_peer_public),
           "X25519 (nexus)");
    expect(s1 == s2 && s1 == s3, "the X25519 shared secret");

    for (std::size_t n : {std::size_t{64}, kib, 16 * kib}) {
        bytes a(n + 16), b(n + 16), c(n + 16);
        unsigned long long len = 0;
        crypto_aead_chacha20poly1305_ietf_encrypt(a.data(), &len, x.data.data(), n, nullptr, 0, nullptr,
                                                  x.nonce.data(), x.aead_key.data());
        expect(nc::chacha20_poly1305::seal(x.aead_key, x.nonce, x.message(n), {}, b) == nc::aead_status::ok &&
                   nc::basic_chacha20_poly1305<nc::poly1305_32>::seal(x.aead_key, x.nonce, x.message(n), {},
                                                                      c) == nc::aead_status::ok,
               "ChaCha20-Poly1305 seal (nexus status)");
        expect(a == b && a == c, "the ChaCha20-Poly1305 ciphertext");
    }
    {
        bytes a(kib + 16), b(kib + 16), c(kib + 16);
        unsigned long long len = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(a.data(), &len, x.data.data(), kib, nullptr, 0, nullptr,
                                                   x.xnonce.data(), x.aead_key.data());
        expect(nc::xchacha20_poly1305::seal(x.aead_key, x.xnonce, x.message(kib), {}, b) ==
                       nc::aead_status::ok &&
                   nc::basic_xchacha20_poly1305<nc::poly1305_32>::seal(x.aead_key, x.xnonce, x.message(kib),
                                                                       {}, c) == nc::aead_status::ok,
               "XChaCha20-Poly1305 seal (nexus status)");
        expect(a == b && a == c, "the XChaCha20-Poly1305 ciphertext");
    }
    {
        bytes a(kib), b(kib);
        crypto_stream_chacha20_ietf_xor_ic(a.data(), x.data.data(), kib, x.nonce.data(), 1,
                                           x.aead_key.data());
        expect(nc::chacha20_xor(x.aead_key, x.nonce, 1, x.message(kib), b) && a == b, "ChaCha20");
        std::array<std::uint8_t, 16> t1{}, t2{}, t3{};
        crypto_onetimeauth_poly1305(t1.data(), x.data.data(), kib, x.aead_key.data());
        nc::poly1305::compute(x.aead_key, x.message(kib), t2);
        nc::poly1305_32::compute(x.aead_key, x.message(kib), t3);
        expect(t1 == t2 && t1 == t3, "Poly1305");
    }
    std::array<std::uint8_t, 64> h1{}, h2{};
    crypto_hash_sha512(h1.data(), x.data.data(), kib);
    nc::sha512_hash(x.message(kib), h2);
    expect(h1 == h2, "SHA-512");
    std::array<std::uint8_t, 32> d1{}, d2{};
    crypto_hash_sha256(d1.data(), x.data.data(), kib);
    nc::sha256_hash(x.message(kib), d2);
    expect(d1 == d2, "SHA-256");
    crypto_generichash(d1.data(), 32, x.data.data(), kib, nullptr, 0);
    expect(nc::blake2b_hash(d2, x.message(kib)) && d1 == d2, "BLAKE2b-256");
    return ok;
}

// ---- registration ---------------------------------------------------------------------------

// One op per iteration; bytes (when non-zero) only adds a throughput column to the log.
template <class Op>
void add(const std::string& name, std::size_t bytes_per_op, Op op) {
    benchmark::RegisterBenchmark(name.c_str(), [op, bytes_per_op](benchmark::State& state) {
        for (auto _ : state) op();
        state.SetItemsProcessed(state.iterations());
        if (bytes_per_op != 0)
            state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes_per_op));
    });
}

struct figure {
    std::string name;   // printed name
    std::string nexus;  // benchmark names
    std::string ref;
};
std::vector<figure> figures;
std::vector<std::string> notes;  // "# ..." lines printed with the figures

// A figure "name" measured by benchmarks name/nexus and name/ref, plus name/nexus[32-bit] against
// the same reference when the primitive has a 32-bit backend.
void add_figure(const std::string& name, const std::string& ref_name = {}) {
    figures.push_back({name, name + "/nexus", (ref_name.empty() ? name : ref_name) + "/ref"});
}
void add_figure_32(const std::string& name, const std::string& ref_name = {}) {
    figures.push_back(
        {name + "[32-bit]", name + "/nexus[32-bit]", (ref_name.empty() ? name : ref_name) + "/ref"});
}

template <class F>
void add_curve(const std::string& suffix) {
    const auto& x = in();
    add("ed25519_sign/nexus" + suffix, 0, [&x] {
        std::array<std::uint8_t, 64> sig;
        nc::ed25519_sign<F>(sig, x.ed_secret, x.message(message_size));
        benchmark::DoNotOptimize(sig.data());
        benchmark::ClobberMemory();
    });
    add("ed25519_verify/nexus" + suffix, 0, [&x] {
        bool ok = nc::ed25519_verify<F>(x.signature, x.ed_public, x.message(message_size));
        benchmark::DoNotOptimize(ok);
    });
    add("x25519_shared/nexus" + suffix, 0, [&x] {
        std::array<std::uint8_t, 32> shared;
        bool ok = nc::x25519<F>(shared, x.x_secret, x.x_peer_public);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(shared.data());
        benchmark::ClobberMemory();
    });
}

template <class Mac>
void add_aead(const std::string& suffix) {
    const auto& x = in();
    for (const auto& size : aead_sizes) {
        const std::size_t n = size.bytes;
        add(std::string("chacha20poly1305_seal_") + size.label + "/nexus" + suffix, n, [&x, n] {
            auto st = nc::basic_chacha20_poly1305<Mac>::seal(x.aead_key, x.nonce, x.message(n), {},
                                                             std::span(sealed).first(n + 16));
            benchmark::DoNotOptimize(st);
            benchmark::DoNotOptimize(sealed.data());
            benchmark::ClobberMemory();
        });
    }
    add("xchacha20poly1305_seal_1KiB/nexus" + suffix, kib, [&x] {
        auto st = nc::basic_xchacha20_poly1305<Mac>::seal(x.aead_key, x.xnonce, x.message(kib), {},
                                                          std::span(sealed).first(kib + 16));
        benchmark::DoNotOptimize(st);
        benchmark::DoNotOptimize(sealed.data());
        benchmark::ClobberMemory();
    });
}

template <class Mac>
void add_poly(const std::string& name) {
    const auto& x = in();
    add(name, kib, [&x] {
        std::array<std::uint8_t, 16> tag;
        Mac::compute(x.aead_key, x.message(kib), tag);
        benchmark::DoNotOptimize(tag.data());
        benchmark::ClobberMemory();
    });
}

template <class F>
void add_vrf(const std::string& suffix) {
    if constexpr (vrf::can_prove<F, std::uint8_t>() && vrf::can_verify<F, std::uint8_t>()) {
        const auto& x = in();
        add("ecvrf_prove/nexus" + suffix, 0, [&x] {
            std::array<std::uint8_t, 80> proof;
            vrf::prove<F>(proof, x.ed_secret, x.message(message_size));
            benchmark::DoNotOptimize(proof.data());
            benchmark::ClobberMemory();
        });
        add("ecvrf_verify/nexus" + suffix, 0, [&x] {
            bool ok = vrf::verify<F>(x.ed_public, x.vrf_proof, x.message(message_size));
            benchmark::DoNotOptimize(ok);
        });
    }
}

void register_all() {
    auto& x = in();

    // Ed25519, X25519: the references run libsodium's default (and only) implementations.
    add("ed25519_sign/ref", 0, [&x] {
        std::array<std::uint8_t, 64> sig;
        crypto_sign_detached(sig.data(), nullptr, x.data.data(), message_size, x.ed_secret.data());
        benchmark::DoNotOptimize(sig.data());
        benchmark::ClobberMemory();
    });
    add("ed25519_verify/ref", 0, [&x] {
        int r =
            crypto_sign_verify_detached(x.signature.data(), x.data.data(), message_size, x.ed_public.data());
        benchmark::DoNotOptimize(r);
    });
    add("x25519_shared/ref", 0, [&x] {
        std::array<std::uint8_t, 32> shared;
        int r = crypto_scalarmult(shared.data(), x.x_secret.data(), x.x_peer_public.data());
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(shared.data());
        benchmark::ClobberMemory();
    });
    add_curve<fe64>("");
    add_curve<fe32>("[32-bit]");
    for (const char* f : {"ed25519_sign", "ed25519_verify", "x25519_shared"}) add_figure(f);

    for (const auto& size : aead_sizes) {
        const std::size_t n = size.bytes;
        add(std::string("chacha20poly1305_seal_") + size.label + "/ref", n, [&x, n] {
            unsigned long long len = 0;
            int r = crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &len, x.data.data(), n, nullptr,
                                                              0, nullptr, x.nonce.data(), x.aead_key.data());
            benchmark::DoNotOptimize(r);
            benchmark::DoNotOptimize(sealed.data());
            benchmark::ClobberMemory();
        });
        add_figure(std::string("chacha20poly1305_seal_") + size.label);
    }
    add("xchacha20poly1305_seal_1KiB/ref", kib, [&x] {
        unsigned long long len = 0;
        int r = crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &len, x.data.data(), kib, nullptr,
                                                           0, nullptr, x.xnonce.data(), x.aead_key.data());
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(sealed.data());
        benchmark::ClobberMemory();
    });
    add_figure("xchacha20poly1305_seal_1KiB");
    add_aead<nc::poly1305>("");
    add_aead<nc::poly1305_32>("[32-bit]");

    // The AEAD's two halves on their own, to show where its time goes.
    add("chacha20_xor_1KiB/nexus", kib, [&x] {
        bool ok = nc::chacha20_xor(x.aead_key, x.nonce, 1, x.message(kib), std::span(sealed).first(kib));
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(sealed.data());
        benchmark::ClobberMemory();
    });
    add("chacha20_xor_1KiB/ref", kib, [&x] {
        int r = crypto_stream_chacha20_ietf_xor_ic(sealed.data(), x.data.data(), kib, x.nonce.data(), 1,
                                                   x.aead_key.data());
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(sealed.data());
        benchmark::ClobberMemory();
    });
    add_figure("chacha20_xor_1KiB");
    add_poly<nc::poly1305>("poly1305_1KiB/nexus");
    add_poly<nc::poly1305_32>("poly1305_1KiB/nexus[32-bit]");
    add("poly1305_1KiB/ref", kib, [&x] {
        std::array<std::uint8_t, 16> tag;
        crypto_onetimeauth_poly1305(tag.data(), x.data.data(), kib, x.aead_key.data());
        benchmark::DoNotOptimize(tag.data());
        benchmark::ClobberMemory();
    });
    add_figure("poly1305_1KiB");

    // Hashes (no 32-bit variants: SHA-512 and BLAKE2b are 64-bit-word algorithms on every target).
    add("sha512_1KiB/nexus", kib, [&x] {
        std::array<std::uint8_t, 64> h;
        nc::sha512_hash(x.message(kib), h);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    add("sha512_1KiB/ref", kib, [&x] {
        std::array<std::uint8_t, 64> h;
        crypto_hash_sha512(h.data(), x.data.data(), kib);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    add_figure("sha512_1KiB");
    add("sha256_1KiB/nexus", kib, [&x] {
        std::array<std::uint8_t, 32> h;
        nc::sha256_hash(x.message(kib), h);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    add("sha256_1KiB/ref", kib, [&x] {
        std::array<std::uint8_t, 32> h;
        crypto_hash_sha256(h.data(), x.data.data(), kib);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    add_figure("sha256_1KiB");
    add("blake2b256_1KiB/nexus", kib, [&x] {
        std::array<std::uint8_t, 32> h;
        bool ok = nc::blake2b_hash(h, x.message(kib));
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    add("blake2b256_1KiB/ref", kib, [&x] {  // libsodium crypto_generichash = BLAKE2b
        std::array<std::uint8_t, 32> h;
        crypto_generichash(h.data(), 32, x.data.data(), kib, nullptr, 0);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    add_figure("blake2b256_1KiB");
    // libsodium has no BLAKE3: its BLAKE2b-256 (the benchmark above) stands in at 1 KiB.
    add("blake3_1KiB/nexus", kib, [&x] {
        std::array<std::uint8_t, 32> h;
        nc::blake3_hash(x.message(kib), h);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    figures.push_back({"blake3_1KiB(ref:libsodium-blake2b-256)", "blake3_1KiB/nexus", "blake2b256_1KiB/ref"});
    add("blake3_1MiB/nexus", mib, [&x] {
        std::array<std::uint8_t, 32> h;
        nc::blake3_hash(x.message(mib), h);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
    });
    figures.push_back({"blake3_1MiB(ref:b3sum-1-thread)", "blake3_1MiB/nexus", "blake3_1MiB/b3sum"});

    // ECVRF against Ed25519 sign/verify of the same 64-byte message (the references above).
#if NEXUS_BENCH_ECVRF_HEADER
    if constexpr (vrf::can_prove<void, std::uint8_t>() && vrf::can_verify<void, std::uint8_t>()) {
        vrf::prove<void>(x.vrf_proof, x.ed_secret, x.message(message_size));
        if (!vrf::verify<void>(x.ed_public, x.vrf_proof, x.message(message_size)))
            notes.push_back(
                "# warning: ecvrf_verify rejects the proof ecvrf_prove made; VRF verify figures are of the "
                "reject path");
        add_vrf<void>("");
        figures.push_back(
            {"ecvrf_prove(ref:libsodium-ed25519-sign)", "ecvrf_prove/nexus", "ed25519_sign/ref"});
        figures.push_back(
            {"ecvrf_verify(ref:libsodium-ed25519-verify)", "ecvrf_verify/nexus", "ed25519_verify/ref"});
        if constexpr (vrf::can_prove<fe32, std::uint8_t>() && vrf::can_verify<fe32, std::uint8_t>()) {
            add_vrf<fe32>("[32-bit]");
            figures.push_back({"ecvrf_prove[32-bit](ref:libsodium-ed25519-sign)", "ecvrf_prove/nexus[32-bit]",
                               "ed25519_sign/ref"});
            figures.push_back({"ecvrf_verify[32-bit](ref:libsodium-ed25519-verify)",
                               "ecvrf_verify/nexus[32-bit]", "ed25519_verify/ref"});
        } else {
            notes.push_back("# skipped: ecvrf [32-bit] (ecvrf_prove<F>/ecvrf_verify<F> not found)");
        }
    } else {
        notes.push_back(
            "# skipped: ecvrf.hpp found, but no ecvrf_prove/ecvrf_verify of a shape crypto_bench.cpp knows");
    }
#else
    notes.push_back("# skipped: no ecvrf.hpp yet");
#endif

    // The [32-bit] figures, after the 64-bit ones, each against the same reference run.
    for (const char* f : {"ed25519_sign", "ed25519_verify", "x25519_shared", "chacha20poly1305_seal_64B",
                          "chacha20poly1305_seal_1KiB", "chacha20poly1305_seal_16KiB",
                          "xchacha20poly1305_seal_1KiB", "poly1305_1KiB"})
        add_figure_32(f);
}

// ---- collecting results ---------------------------------------------------------------------

// Passes everything to the console table (on stderr) and keeps items/s of every repetition.
class collecting_reporter : public benchmark::ConsoleReporter {
public:
    collecting_reporter() : ConsoleReporter(OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& r : runs) {
            if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
            auto it = r.counters.find("items_per_second");
            if (it != r.counters.end()) samples[r.run_name.function_name].push_back(it->second.value);
        }
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, std::vector<double>> samples;
};

std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// ---- b3sum as a subprocess ------------------------------------------------------------------

// CPU time (user + system, from wait4) of one `b3sum --num-threads 1 path` with its output
// discarded; nullopt if it fails. CPU time rather than wall time, like the Google Benchmark
// figures: on this shared machine a subprocess often waits for a core, and that is not b3sum's cost.
std::optional<double> time_b3sum(const std::string& exe, const std::string& path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::string a0 = exe, a1 = "--num-threads", a2 = "1", a3 = path;
    char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, exe.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return std::nullopt;
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool write_file(const std::string& path, std::size_t n_mib) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    bool ok = true;
    for (std::size_t i = 0; i < n_mib && ok; ++i) {
        // Different bytes per MiB (the seeded buffer, rotated), so no page is a copy of another.
        std::vector<std::uint8_t> block(in().data);
        std::rotate(block.begin(), block.begin() + static_cast<std::ptrdiff_t>((i * 4099) % mib),
                    block.end());
        ok = std::fwrite(block.data(), 1, block.size(), f) == block.size();
    }
    return std::fclose(f) == 0 && ok;
}

// 1 MiB hashes per second of b3sum, start-up subtracted; a "# skipped" note on failure.
std::optional<double> b3sum_ops_per_s(std::size_t n_mib, int runs) {
    const char* env = std::getenv("NEXUS_B3SUM");
    const std::string exe = env ? env : "b3sum";
    if (exe.empty()) {
        notes.push_back("# skipped: blake3_1MiB b3sum reference (NEXUS_B3SUM is empty)");
        return std::nullopt;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp ? tmp : "/tmp";
    std::string big = dir + "/nexus-bench-b3-XXXXXX", empty = dir + "/nexus-bench-b3e-XXXXXX";
    int fd1 = mkstemp(big.data()), fd2 = mkstemp(empty.data());
    if (fd1 >= 0) close(fd1);
    if (fd2 >= 0) close(fd2);
    std::optional<double> result;
    if (fd1 >= 0 && fd2 >= 0 && write_file(big, n_mib)) {
        double best_big = 1e9, best_empty = 1e9;
        bool ok = time_b3sum(exe, big) && time_b3sum(exe, empty);  // warm the page cache and the binary
        for (int i = 0; i < runs && ok; ++i) {
            auto tb = time_b3sum(exe, big), te = time_b3sum(exe, empty);
            ok = tb && te;
            if (ok) {
                best_big = std::min(best_big, *tb);
                best_empty = std::min(best_empty, *te);
            }
        }
        if (ok && best_big > best_empty) {
            result = static_cast<double>(n_mib) / (best_big - best_empty);
            std::fprintf(stderr,
                         "b3sum --num-threads 1, CPU time: %zu MiB file %.3f ms, empty file %.3f ms (min of "
                         "%d) -> %.1f MiB/s\n",
                         n_mib, best_big * 1e3, best_empty * 1e3, runs, *result);
        }
    }
    if (!result) notes.push_back("# skipped: blake3_1MiB b3sum reference (could not run '" + exe + "')");
    if (fd1 >= 0) unlink(big.c_str());
    if (fd2 >= 0) unlink(empty.c_str());
    return result;
}

std::string format_rate(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, v >= 1000 ? "%.0f" : "%.1f", v);
    return buf;
}

// Takes --b3sum_mib=N and --b3sum_runs=N out of argv (Google Benchmark rejects unknown flags).
std::size_t take_flag(std::vector<char*>& args, const char* name, std::size_t fallback) {
    const std::string prefix = std::string("--") + name + "=";
    for (auto it = args.begin(); it != args.end(); ++it) {
        if (std::strncmp(*it, prefix.c_str(), prefix.size()) == 0) {
            const std::size_t v = std::strtoull(*it + prefix.size(), nullptr, 10);
            args.erase(it);
            return v ? v : fallback;
        }
    }
    return fallback;
}

}  // namespace

int main(int argc, char** argv) {
    if (sodium_init() < 0) {
        std::fprintf(stderr, "crypto_bench: sodium_init failed\n");
        return 1;
    }
    // Defaults first, so that flags given on the command line (parsed later) win. Five
    // repetitions of 0.1 s, randomly interleaved, keep the whole run near a minute.
    std::string d1 = "--benchmark_min_time=0.1", d2 = "--benchmark_repetitions=5",
                d3 = "--benchmark_enable_random_interleaving=true";
    std::vector<char*> args{argv[0], d1.data(), d2.data(), d3.data()};
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    const std::size_t b3_mib = take_flag(args, "b3sum_mib", 64);
    const int b3_runs = static_cast<int>(take_flag(args, "b3sum_runs", 9));
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

    if (!same_outputs()) return 1;
    std::printf("# reference: libsodium %s (%s library)\n", sodium_version_string(), NEXUS_BENCH_SODIUM_LINK);
    register_all();
    collecting_reporter reporter;
    reporter.SetOutputStream(&std::cerr);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    std::map<std::string, double> rate;
    for (const auto& [name, v] : reporter.samples) rate[name] = *median(v);
    // Only when the BLAKE3 1 MiB figure was not filtered out by --benchmark_filter.
    if (rate.count("blake3_1MiB/nexus"))
        if (auto r = b3sum_ops_per_s(b3_mib, b3_runs)) rate["blake3_1MiB/b3sum"] = *r;

    for (const auto& f : figures) {
        if (!rate.count(f.nexus) || !rate.count(f.ref)) continue;
        const double a = rate[f.nexus], b = rate[f.ref];
        std::printf("%s nexus=%s ref=%s ratio=%.3f\n", f.name.c_str(), format_rate(a).c_str(),
                    format_rate(b).c_str(), a / b);
    }
    for (const auto& line : notes) std::printf("%s\n", line.c_str());
    return 0;
}
