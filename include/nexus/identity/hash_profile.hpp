// Address hash profiles (../shared/spec/protocol.md "Identity and addressing", Choice): which hash
// turns public keys and names into identity hashes, name hashes, destination hashes, packet hashes
// and link ids. The wire framing is identical in both profiles; only these digests differ.
//
//   nexus_profile      BLAKE2b-256 (the NEXUS default: BLAKE2b for identity and key derivation)
//   reticulum_profile  SHA-256, byte-exact with the Reticulum reference implementation
//
// A profile is a compile-time parameter of every type that derives an address, so a node built
// for one profile can never silently compute the other's addresses.
//
// A profile may also supply the two signature checks public_identity makes, as optional static
// members that must return exactly what nexus::crypto returns for the same bytes:
//   static bool ed25519_verify(std::span<const std::uint8_t, 64> signature,
//                              std::span<const std::uint8_t, 32> ed25519_public,
//                              std::span<const std::uint8_t> message) noexcept;
//   static bool ed25519_key_usable(std::span<const std::uint8_t, 32> ed25519_public) noexcept;
//                              // = ed25519_public_to_x25519 succeeds (a point of large order)
// and may be told of every signature its identities make (never of a secret):
//   static void ed25519_signed(std::span<const std::uint8_t, 64> signature,
//                              std::span<const std::uint8_t, 32> ed25519_public,
//                              std::span<const std::uint8_t> message) noexcept;
// The simulator's profile (sim/include/nexus/sim/sim_profile.hpp) uses them to check each distinct
// signature once for all its simulated receivers instead of once per receiver, and not at all
// when one of its own identities made it (RFC 8032: a signature made by the signing algorithm
// always verifies under the key it was made with).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/sha2.hpp"

namespace nexus {

inline constexpr std::size_t full_hash_size = 32;       ///< untruncated profile digest
inline constexpr std::size_t truncated_hash_size = 16;  ///< identity, destination, link id (128 bits)
inline constexpr std::size_t name_hash_size = 10;       ///< name hash (80 bits)

using full_hash = std::array<std::uint8_t, full_hash_size>;
using truncated_hash = std::array<std::uint8_t, truncated_hash_size>;
using name_hash = std::array<std::uint8_t, name_hash_size>;

/// The NEXUS profile: BLAKE2b with a 32-byte digest, unkeyed.
struct nexus_profile {
    static constexpr std::string_view name = "nexus";
    class hasher {
    public:
        hasher() noexcept : h_(full_hash_size) {}
        void update(std::span<const std::uint8_t> in) noexcept { h_.update(in); }
        void finish(std::span<std::uint8_t, full_hash_size> out) noexcept { (void)h_.finish(out); }

    private:
        crypto::blake2b h_;
    };
};

/// The Reticulum profile: SHA-256, as the reference implementation.
struct reticulum_profile {
    static constexpr std::string_view name = "reticulum";
    class hasher {
    public:
        void update(std::span<const std::uint8_t> in) noexcept { h_.update(in); }
        void finish(std::span<std::uint8_t, full_hash_size> out) noexcept { h_.finish(out); }

    private:
        crypto::sha256 h_;
    };
};

template <class P>
concept hash_profile = requires(typename P::hasher h, std::span<const std::uint8_t> in,
                                std::span<std::uint8_t, full_hash_size> out) {
    { P::name } -> std::convertible_to<std::string_view>;
    h.update(in);
    h.finish(out);
};

/// The profile digest of the concatenation of `parts`.
template <hash_profile P, class... Parts>
full_hash profile_hash(const Parts&... parts) noexcept {
    typename P::hasher h;
    (h.update(std::span<const std::uint8_t>(parts)), ...);
    full_hash out{};
    h.finish(out);
    return out;
}

/// The first N bytes of the profile digest of the concatenation of `parts`.
template <hash_profile P, std::size_t N, class... Parts>
std::array<std::uint8_t, N> profile_hash_prefix(const Parts&... parts) noexcept {
    static_assert(N <= full_hash_size);
    const full_hash h = profile_hash<P>(parts...);
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = h[i];
    return out;
}

}  // namespace nexus
