// Identity keys at rest (../shared/spec/protocol.md "Key management": the private key encrypted
// under a passphrase with ChaCha20-Poly1305). The passphrase key comes from Argon2id in work
// memory the caller provides (no heap). Format, all integers little-endian (NEXUS convention):
//
//   offset size  field
//   0      4     magic "NXID"
//   4      1     format version (1)
//   5      1     profile (0 = nexus, 1 = reticulum): a key sealed for one profile will not load
//                as the other, whose addresses differ
//   6      4     Argon2id passes (t)
//   10     4     Argon2id memory in KiB (m)
//   14     4     Argon2id lanes (p)
//   18     16    salt (random)
//   34     12    nonce (random)
//   46     64    ChaCha20-Poly1305(private key: X25519 private || Ed25519 seed)
//   110    16    Poly1305 tag; the associated data is bytes [0, 46), so the parameters and the
//                profile cannot be changed without the tag failing
//   total  126
//
// A wrong passphrase and a damaged file are the same error, auth_failed; nothing is released.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/bytes.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/crypto/aead.hpp"
#include "nexus/crypto/argon2.hpp"
#include "nexus/identity/identity.hpp"

namespace nexus {

inline constexpr std::size_t sealed_key_size = 126;
inline constexpr std::uint8_t sealed_key_version = 1;

/// Argon2id settings for sealing keys. The default is RFC 9106's second recommendation for
/// memory-constrained settings (t = 3, 64 MiB, p = 1 here: the core is single-threaded).
inline constexpr crypto::argon2_params sealed_key_default_kdf{3, 64 * 1024, 1};
/// Bounds on what a sealed key may demand when opened, so that a crafted file cannot make a device
/// look for a terabyte of work memory or run billions of passes: at most 1 GiB, 16 passes and
/// 16 lanes. Files outside them are rejected (invalid_argument) before any work is done; sealing
/// with such parameters is refused the same way.
inline constexpr std::uint32_t sealed_key_max_memory_kib = 1024 * 1024;
inline constexpr std::uint32_t sealed_key_max_passes = 16;
inline constexpr std::uint32_t sealed_key_max_lanes = 16;

namespace sealed_detail {

inline constexpr std::array<std::uint8_t, 4> magic = {'N', 'X', 'I', 'D'};
inline constexpr std::size_t header_size = 46;

template <hash_profile P>
constexpr std::uint8_t profile_id() noexcept {
    return P::name == reticulum_profile::name ? 1 : 0;
}

constexpr bool acceptable(const crypto::argon2_params& p) noexcept {
    return p.passes >= 1 && p.passes <= sealed_key_max_passes && p.lanes >= 1 && p.lanes <= sealed_key_max_lanes &&
           p.memory_kib <= sealed_key_max_memory_kib && crypto::argon2_memory_blocks(p) != 0;
}

inline result<void> derive(std::span<std::uint8_t, 32> key, std::span<const std::uint8_t> passphrase,
                           std::span<const std::uint8_t> salt, const crypto::argon2_params& params,
                           std::span<crypto::argon2_block> work) noexcept {
    const auto st = crypto::argon2id(key, passphrase, salt, params, work);
    if (st != crypto::argon2_status::ok) return fail(crypto::to_error(st));
    return ok();
}

}  // namespace sealed_detail

/// Work memory (in Argon2 blocks of 1 KiB) needed to seal or open with `params`.
constexpr std::size_t sealed_key_work_blocks(const crypto::argon2_params& params) noexcept {
    return crypto::argon2_memory_blocks(params);
}

/// Seals `id`'s private key under `passphrase` into out (sealed_key_size bytes).
template <hash_profile P, random_source R>
result<void> seal_identity(std::span<std::uint8_t, sealed_key_size> out, const identity<P>& id,
                           std::span<const std::uint8_t> passphrase, R& rng,
                           std::span<crypto::argon2_block> work,
                           const crypto::argon2_params& params = sealed_key_default_kdf) noexcept {
    if (!sealed_detail::acceptable(params)) return fail(error::invalid_argument);
    byte_writer w{std::span<std::uint8_t>(out)};
    (void)w.bytes(sealed_detail::magic);
    (void)w.u8(sealed_key_version);
    (void)w.u8(sealed_detail::profile_id<P>());
    (void)w.u32_le(params.passes);
    (void)w.u32_le(params.memory_kib);
    (void)w.u32_le(params.lanes);
    auto salt = out.subspan<18, 16>();
    auto nonce = out.subspan<34, 12>();
    rng.fill(salt);
    rng.fill(nonce);

    std::array<std::uint8_t, 32> key{};
    if (auto r = sealed_detail::derive(key, passphrase, salt, params, work); !r) return r;
    std::array<std::uint8_t, private_key_size> secret{};
    id.export_private_key(secret);
    const auto st = crypto::chacha20_poly1305::seal(key, nonce, secret, out.first<sealed_detail::header_size>(),
                                                    out.subspan<sealed_detail::header_size>());
    crypto::secure_wipe_object(secret);
    crypto::secure_wipe_object(key);
    if (st != crypto::aead_status::ok) return fail(error::invalid_argument);  // sizes are fixed: unreachable
    return ok();
}

/// The Argon2id parameters recorded in a sealed key (to size the work memory before opening).
inline result<crypto::argon2_params> sealed_key_params(std::span<const std::uint8_t> sealed) noexcept {
    if (sealed.size() != sealed_key_size) return fail(error::invalid_length);
    byte_reader r{sealed};
    std::array<std::uint8_t, 4> m{};
    (void)r.copy_to(m);
    if (m != sealed_detail::magic) return fail(error::bad_encoding);
    if (*r.u8() != sealed_key_version) return fail(error::unsupported);
    (void)r.u8();
    crypto::argon2_params p{};
    p.passes = *r.u32_le();
    p.memory_kib = *r.u32_le();
    p.lanes = *r.u32_le();
    if (!sealed_detail::acceptable(p)) return fail(error::invalid_argument);
    return p;
}

/// Opens a sealed key. invalid_length / bad_encoding / unsupported for a file that is not a sealed
/// key of this version, invalid_argument for a profile mismatch or absurd parameters,
/// buffer_too_small when `work` is smaller than sealed_key_work_blocks(params), auth_failed for a
/// wrong passphrase or any modified byte.
template <hash_profile P>
result<identity<P>> open_identity(std::span<const std::uint8_t> sealed, std::span<const std::uint8_t> passphrase,
                                  std::span<crypto::argon2_block> work) noexcept {
    auto params = sealed_key_params(sealed);
    if (!params) return fail(params.error());
    if (sealed[5] != sealed_detail::profile_id<P>()) return fail(error::invalid_argument);
    std::array<std::uint8_t, 32> key{};
    if (auto r = sealed_detail::derive(key, passphrase, sealed.subspan(18, 16), *params, work); !r)
        return fail(r.error());
    std::array<std::uint8_t, private_key_size> secret{};
    const auto st = crypto::chacha20_poly1305::open(
        key, std::span<const std::uint8_t, 12>(sealed.data() + 34, 12), sealed.subspan(sealed_detail::header_size),
        sealed.first(sealed_detail::header_size), secret);
    crypto::secure_wipe_object(key);
    if (st != crypto::aead_status::ok) return fail(error::auth_failed);
    auto id = identity<P>::from_private_key(secret);
    crypto::secure_wipe_object(secret);
    return id;
}

/// seal_identity + storage.store under `name`.
template <hash_profile P, storage S, random_source R>
result<void> save_identity(S& store, std::string_view name, const identity<P>& id,
                           std::span<const std::uint8_t> passphrase, R& rng, std::span<crypto::argon2_block> work,
                           const crypto::argon2_params& params = sealed_key_default_kdf) noexcept {
    std::array<std::uint8_t, sealed_key_size> blob{};
    if (auto r = seal_identity(std::span<std::uint8_t, sealed_key_size>(blob), id, passphrase, rng, work, params); !r)
        return r;
    return store.store(name, blob);
}

/// storage.load of `name` + open_identity. not_found when nothing is stored under the name.
template <hash_profile P, storage S>
result<identity<P>> load_identity(S& store, std::string_view name, std::span<const std::uint8_t> passphrase,
                                  std::span<crypto::argon2_block> work) noexcept {
    std::array<std::uint8_t, sealed_key_size + 1> blob{};
    auto n = store.load(name, blob);
    if (!n) return fail(n.error() == error::buffer_too_small ? error::invalid_length : n.error());
    return open_identity<P>(std::span<const std::uint8_t>(blob.data(), *n), passphrase, work);
}

}  // namespace nexus
