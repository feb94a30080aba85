// The submodule nexus._nexus.crypto: include/nexus/crypto for Python. bytes in, bytes out;
// failures raise the nexus.errors class of their code (all ValueError): InvalidLengthError for bad
// lengths, InvalidArgumentError for bad parameters, AuthFailedError (which is
// nexus.crypto.AuthenticationError) when an AEAD tag does not verify, WeakKeyError and
// BadEncodingError for unusable keys. Results are written straight into the new bytes object, so
// no copy of a secret is left behind in freed memory; the C++ routines wipe their own temporaries.
#include "bindings.hpp"

#include <nexus/crypto/aead.hpp>
#include <nexus/crypto/argon2.hpp>
#include <nexus/crypto/blake2b.hpp>
#include <nexus/crypto/blake3.hpp>
#include <nexus/crypto/ecvrf.hpp>
#include <nexus/crypto/ed25519.hpp>
#include <nexus/crypto/hkdf.hpp>
#include <nexus/crypto/hmac.hpp>
#include <nexus/crypto/sha2.hpp>
#include <nexus/crypto/x25519.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>

namespace nexus::python {

namespace {

namespace nc = nexus::crypto;

using out_span = std::span<std::uint8_t>;

/// A new, not yet initialised n-byte bytes object. A bytes object may be written only before
/// anyone else sees it, which holds for these until they are returned.
py::bytes new_bytes(std::size_t n) {
    if (n > static_cast<std::size_t>(PY_SSIZE_T_MAX)) throw std::bad_alloc();
    auto b = py::reinterpret_steal<py::bytes>(PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(n)));
    if (!b) throw py::error_already_set();
    return b;
}

/// The writable buffer of a bytes object made by new_bytes.
out_span buffer_of(const py::bytes& b) {
    return out_span(reinterpret_cast<std::uint8_t*>(PyBytes_AS_STRING(b.ptr())),
                    static_cast<std::size_t>(PyBytes_GET_SIZE(b.ptr())));
}

/// A new n-byte bytes object whose contents fill(span) writes.
template <class Fill>
py::bytes make_bytes(std::size_t n, Fill&& fill) {
    py::bytes b = new_bytes(n);
    fill(buffer_of(b));
    return b;
}

template <std::size_t N>
std::span<const std::uint8_t, N> fixed(const py::bytes& b, const char* what) {
    return std::span<const std::uint8_t, N>(exact(b, N, what).data(), N);
}

template <std::size_t N>
std::span<std::uint8_t, N> fixed(out_span s) {
    return std::span<std::uint8_t, N>(s.data(), N);
}

[[noreturn]] void length_error(const std::string& message) { raise(error::invalid_length, message); }

void check_aead(nc::aead_status s) {
    if (s == nc::aead_status::bad_tag) raise(error::auth_failed);
    // Output sizes are derived from the input here, so only the message-size limit remains.
    if (s != nc::aead_status::ok) length_error("message longer than the AEAD limit of 256 GiB");
}

template <class Aead>
py::bytes seal_with(const py::bytes& key, std::span<const std::uint8_t> nonce,
                    std::span<const std::uint8_t> plaintext, std::span<const std::uint8_t> ad) {
    const auto k = fixed<Aead::key_size>(key, "key");
    const std::span<const std::uint8_t, Aead::nonce_size> n(nonce.data(), Aead::nonce_size);
    return make_bytes(plaintext.size() + Aead::tag_size,
                      [&](out_span out) { check_aead(Aead::seal(k, n, plaintext, ad, out)); });
}

template <class Aead>
py::bytes open_with(const py::bytes& key, std::span<const std::uint8_t> nonce,
                    std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> ad) {
    const auto k = fixed<Aead::key_size>(key, "key");
    const std::span<const std::uint8_t, Aead::nonce_size> n(nonce.data(), Aead::nonce_size);
    if (ciphertext.size() < Aead::tag_size) length_error("ciphertext is shorter than the 16-byte tag");
    return make_bytes(ciphertext.size() - Aead::tag_size,
                      [&](out_span out) { check_aead(Aead::open(k, n, ciphertext, ad, out)); });
}

std::span<const std::uint8_t> aead_nonce(const py::bytes& nonce) {
    auto n = as_span(nonce);
    if (n.size() != nc::chacha20_poly1305::nonce_size && n.size() != nc::xchacha20_poly1305::nonce_size)
        length_error("nonce must be 12 bytes (ChaCha20-Poly1305) or 24 bytes (XChaCha20-Poly1305)");
    return n;
}

/// The error code of a refused Argon2id call (as the C ABI reports it).
nexus::error argon2_error(nc::argon2_status s) noexcept {
    switch (s) {
        case nc::argon2_status::bad_tag_length:
        case nc::argon2_status::bad_salt_length:
        case nc::argon2_status::input_too_long:
            return error::invalid_length;
        case nc::argon2_status::work_too_small:
            return error::buffer_too_small;
        default:
            return error::invalid_argument;
    }
}

}  // namespace

void bind_crypto(py::module_& m) {
    py::module_ c = m.def_submodule(
        "crypto",
        "Cryptography of nexus: SHA-2, HMAC, HKDF, BLAKE2b, BLAKE3, Argon2id, (X)ChaCha20-Poly1305, "
        "X25519 and Ed25519. bytes in and out; InvalidLengthError (a nexus.NexusError, so a ValueError) "
        "for bad lengths.");

    // ---- hashes, MACs, KDFs ----
    c.def(
        "sha256",
        [](const py::bytes& data) {
            return make_bytes(32, [&](out_span out) { nc::sha256_hash(as_span(data), fixed<32>(out)); });
        },
        py::arg("data"), "SHA-256 digest (32 bytes), FIPS 180-4.");
    c.def(
        "sha512",
        [](const py::bytes& data) {
            return make_bytes(64, [&](out_span out) { nc::sha512_hash(as_span(data), fixed<64>(out)); });
        },
        py::arg("data"), "SHA-512 digest (64 bytes), FIPS 180-4.");
    c.def(
        "hmac_sha256",
        [](const py::bytes& key, const py::bytes& data) {
            return make_bytes(
                32, [&](out_span out) { nc::hmac_sha256(as_span(key), as_span(data), fixed<32>(out)); });
        },
        py::arg("key"), py::arg("data"), "HMAC-SHA-256 (32 bytes), RFC 2104; a key of any length.");
    c.def(
        "hmac_sha512",
        [](const py::bytes& key, const py::bytes& data) {
            return make_bytes(
                64, [&](out_span out) { nc::hmac_sha512(as_span(key), as_span(data), fixed<64>(out)); });
        },
        py::arg("key"), py::arg("data"), "HMAC-SHA-512 (64 bytes), RFC 2104; a key of any length.");
    c.def(
        "hkdf_sha256",
        [](const py::bytes& ikm, std::size_t length, const py::bytes& salt, const py::bytes& info) {
            if (length > nc::hkdf_max_output<nc::sha256>)
                length_error("length must be at most 8160 bytes (255 * 32) for HKDF-SHA-256");
            return make_bytes(length, [&](out_span out) {
                (void)nc::hkdf_sha256(as_span(ikm), as_span(salt), as_span(info), out);
            });
        },
        py::arg("ikm"), py::arg("length"), py::arg("salt") = py::bytes(), py::arg("info") = py::bytes(),
        "HKDF-SHA-256 (RFC 5869): `length` bytes (at most 8160) from ikm, salt and info.");
    c.def(
        "hkdf_sha512",
        [](const py::bytes& ikm, std::size_t length, const py::bytes& salt, const py::bytes& info) {
            if (length > nc::hkdf_max_output<nc::sha512>)
                length_error("length must be at most 16320 bytes (255 * 64) for HKDF-SHA-512");
            return make_bytes(length, [&](out_span out) {
                (void)nc::hkdf_sha512(as_span(ikm), as_span(salt), as_span(info), out);
            });
        },
        py::arg("ikm"), py::arg("length"), py::arg("salt") = py::bytes(), py::arg("info") = py::bytes(),
        "HKDF-SHA-512 (RFC 5869): `length` bytes (at most 16320) from ikm, salt and info.");
    c.def(
        "blake2b",
        [](const py::bytes& data, std::size_t digest_size, const py::bytes& key) {
            if (digest_size < 1 || digest_size > nc::blake2b::max_digest_size)
                length_error("digest_size must be between 1 and 64");
            if (as_span(key).size() > nc::blake2b::max_key_size) length_error("key must be at most 64 bytes");
            return make_bytes(
                digest_size, [&](out_span out) { (void)nc::blake2b_hash(out, as_span(data), as_span(key)); });
        },
        py::arg("data"), py::arg("digest_size") = 32, py::arg("key") = py::bytes(),
        "BLAKE2b (RFC 7693) with a 1..64-byte digest, keyed when key (at most 64 bytes) is not empty.");
    c.def(
        "blake3",
        [](const py::bytes& data, std::size_t length, const std::optional<py::bytes>& key) {
            if (!key) return make_bytes(length, [&](out_span out) { nc::blake3_hash(as_span(data), out); });
            const auto k = fixed<nc::blake3::key_len>(*key, "key");
            return make_bytes(length, [&](out_span out) { nc::blake3_keyed_hash(k, as_span(data), out); });
        },
        py::arg("data"), py::arg("length") = 32, py::arg("key") = py::none(),
        "BLAKE3 hash of any output length (32 is standard); keyed hash when a 32-byte key is given.");
    c.def(
        "blake3_derive_key",
        [](std::string_view context, const py::bytes& material, std::size_t length) {
            const std::span<const std::uint8_t> ctx(reinterpret_cast<const std::uint8_t*>(context.data()),
                                                    context.size());
            return make_bytes(length,
                              [&](out_span out) { nc::blake3_derive_key(ctx, as_span(material), out); });
        },
        py::arg("context"), py::arg("material"), py::arg("length") = 32,
        "BLAKE3 key derivation: `length` bytes from a context string (str, UTF-8, or bytes) and key "
        "material. The context should be hard-coded, globally unique and application-specific.");

    // ---- password hashing ----
    c.def(
        "argon2id",
        [](const py::bytes& password, const py::bytes& salt, std::uint32_t t_cost, std::uint32_t m_cost_kib,
           std::uint32_t parallelism, std::size_t length, const py::bytes& secret, const py::bytes& ad) {
            nc::argon2_params params;
            params.passes = t_cost;
            params.memory_kib = m_cost_kib;
            params.lanes = parallelism;
            const auto pw = as_span(password), s = as_span(salt), k = as_span(secret), x = as_span(ad);
            return make_bytes(length, [&](out_span out) {
                // With no work memory every parameter is still checked first, so bad parameters
                // are reported before a large allocation is attempted.
                nc::argon2_status st = nc::argon2id(out, pw, s, params, {}, k, x);
                if (st == nc::argon2_status::work_too_small) {
                    const std::size_t blocks = nc::argon2_memory_blocks(params);
                    std::unique_ptr<nc::argon2_block[]> work(new nc::argon2_block[blocks]);
                    py::gil_scoped_release unlocked;  // only C++ objects and immutable bytes are touched
                    st = nc::argon2id(out, pw, s, params, std::span(work.get(), blocks), k, x);
                }
                if (st != nc::argon2_status::ok) raise(argon2_error(st), nc::to_string(st));
            });
        },
        py::arg("password"), py::arg("salt"), py::arg("t_cost"), py::arg("m_cost_kib"),
        py::arg("parallelism") = 1, py::arg("length") = 32, py::arg("secret") = py::bytes(),
        py::arg("ad") = py::bytes(),
        "Argon2id (RFC 9106, version 0x13): a `length`-byte tag (>= 4) of password with salt (>= 8 bytes), "
        "t_cost passes over m_cost_kib KiB (>= 8 * parallelism) in `parallelism` lanes, optional secret "
        "and associated data. Releases the GIL while it runs.");

    // ---- AEAD ----
    c.def(
        "aead_seal",
        [](const py::bytes& key, const py::bytes& nonce, const py::bytes& plaintext, const py::bytes& ad) {
            const auto n = aead_nonce(nonce);
            return n.size() == nc::chacha20_poly1305::nonce_size
                       ? seal_with<nc::chacha20_poly1305>(key, n, as_span(plaintext), as_span(ad))
                       : seal_with<nc::xchacha20_poly1305>(key, n, as_span(plaintext), as_span(ad));
        },
        py::arg("key"), py::arg("nonce"), py::arg("plaintext"), py::arg("ad") = py::bytes(),
        "ciphertext || 16-byte tag under a 32-byte key: a 12-byte nonce selects ChaCha20-Poly1305 "
        "(RFC 8439), a 24-byte nonce XChaCha20-Poly1305 (random nonces are safe). Never reuse a nonce "
        "under one key.");
    c.def(
        "aead_open",
        [](const py::bytes& key, const py::bytes& nonce, const py::bytes& ciphertext, const py::bytes& ad) {
            const auto n = aead_nonce(nonce);
            return n.size() == nc::chacha20_poly1305::nonce_size
                       ? open_with<nc::chacha20_poly1305>(key, n, as_span(ciphertext), as_span(ad))
                       : open_with<nc::xchacha20_poly1305>(key, n, as_span(ciphertext), as_span(ad));
        },
        py::arg("key"), py::arg("nonce"), py::arg("ciphertext"), py::arg("ad") = py::bytes(),
        "The plaintext of ciphertext || tag made by aead_seal; AuthFailedError (nexus.crypto."
        "AuthenticationError) when the tag does not verify (wrong key, nonce, ad or a modified ciphertext).");

    // ---- X25519, Ed25519 ----
    c.def(
        "x25519_public_key",
        [](const py::bytes& secret) {
            const auto k = fixed<32>(secret, "secret");
            return make_bytes(32, [&](out_span out) { nc::x25519_public_key(fixed<32>(out), k); });
        },
        py::arg("secret"), "The X25519 public key (32 bytes) of a 32-byte secret, RFC 7748.");
    c.def(
        "x25519",
        [](const py::bytes& secret, const py::bytes& public_key) {
            const auto k = fixed<32>(secret, "secret");
            const auto u = fixed<32>(public_key, "public");
            return make_bytes(32, [&](out_span out) {
                if (!nc::x25519(fixed<32>(out), k, u))
                    raise(error::weak_key,
                          "weak key: the peer's public key has small order (all-zero shared secret)");
            });
        },
        py::arg("secret"), py::arg("public"),
        "X25519 shared secret (RFC 7748 §6.1); WeakKeyError (a ValueError) when it is all zeros "
        "(a small-order peer key).");
    c.def(
        "ed25519_keypair",
        [](const py::bytes& seed) {
            const auto s = fixed<32>(seed, "seed");
            py::bytes public_key = new_bytes(32), secret_key = new_bytes(64);
            nc::ed25519_keypair(fixed<32>(buffer_of(public_key)), fixed<64>(buffer_of(secret_key)), s);
            return py::make_tuple(public_key, secret_key);
        },
        py::arg("seed"),
        "(public, secret) of a 32-byte random seed, RFC 8032 §5.1.5: public is 32 bytes, secret is "
        "seed || public (64 bytes).");
    c.def(
        "ed25519_sign",
        [](const py::bytes& secret, const py::bytes& message) {
            const auto sk = fixed<64>(secret, "secret");
            return make_bytes(64,
                              [&](out_span sig) { nc::ed25519_sign(fixed<64>(sig), sk, as_span(message)); });
        },
        py::arg("secret"), py::arg("message"),
        "Deterministic Ed25519 signature (64 bytes) under a 64-byte secret from ed25519_keypair.");
    c.def(
        "ed25519_verify",
        [](const py::bytes& public_key, const py::bytes& message, const py::bytes& signature) {
            const auto pk = fixed<32>(public_key, "public");
            const auto sig = fixed<64>(signature, "signature");
            return nc::ed25519_verify(sig, pk, as_span(message));
        },
        py::arg("public"), py::arg("message"), py::arg("signature"),
        "True when signature is a valid Ed25519 signature of message under public (verdicts agree with "
        "libsodium: canonical S, small-order keys and R refused). InvalidLengthError for a public key other "
        "than 32 bytes or a signature other than 64.");
    c.def(
        "vrf_prove",
        [](const py::bytes& secret, const py::bytes& alpha) {
            const auto sk = fixed<64>(secret, "secret");
            return make_bytes(80, [&](out_span out) { nc::ecvrf_prove(fixed<80>(out), sk, as_span(alpha)); });
        },
        py::arg("secret"), py::arg("alpha"),
        "ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381) proof (80 bytes) of alpha under a 64-byte Ed25519 secret "
        "key.");
    c.def(
        "vrf_verify",
        [](const py::bytes& public_key, const py::bytes& proof,
           const py::bytes& alpha) -> std::optional<py::bytes> {
            const auto pk = fixed<32>(public_key, "public");
            const auto pi = fixed<80>(proof, "proof");
            py::bytes beta = new_bytes(64);
            if (!nc::ecvrf_verify(fixed<64>(buffer_of(beta)), pk, pi, as_span(alpha))) return std::nullopt;
            return beta;
        },
        py::arg("public"), py::arg("proof"), py::arg("alpha"),
        "The 64-byte VRF output when proof is valid for alpha under public, else None.");
    c.def(
        "vrf_proof_to_hash",
        [](const py::bytes& proof) {
            const auto pi = fixed<80>(proof, "proof");
            return make_bytes(64, [&](out_span out) {
                if (!nc::ecvrf_proof_to_hash(fixed<64>(out), pi))
                    raise(error::bad_encoding, "bad encoding: the proof does not decode");
            });
        },
        py::arg("proof"),
        "The 64-byte VRF output of a proof, without verifying it; BadEncodingError when it does not decode.");
    c.def(
        "ed25519_public_to_x25519",
        [](const py::bytes& public_key) {
            const auto pk = fixed<32>(public_key, "public");
            return make_bytes(32, [&](out_span out) {
                if (!nc::ed25519_public_to_x25519(fixed<32>(out), pk))
                    raise(error::bad_encoding,
                          "bad encoding: not an Ed25519 public key of the prime-order subgroup");
            });
        },
        py::arg("public"),
        "The X25519 public key of an Ed25519 public key (RFC 7748 §4.1 birational map); BadEncodingError "
        "unless it is a point of the prime-order subgroup.");
    c.def(
        "ed25519_secret_to_x25519",
        [](const py::bytes& secret) {
            const auto sk = fixed<64>(secret, "secret");
            return make_bytes(32, [&](out_span out) { nc::ed25519_secret_to_x25519(fixed<32>(out), sk); });
        },
        py::arg("secret"), "The X25519 secret of a 64-byte Ed25519 secret key (its clamped secret scalar).");
}

}  // namespace nexus::python
