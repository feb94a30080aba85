// HKDF (RFC 5869 §2): Extract and Expand over HMAC, for SHA-256 and SHA-512.
// Expand reports a request longer than 255 hash outputs (§2.3) as an error instead of asserting.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/hmac.hpp"
#include "nexus/crypto/sha2.hpp"

namespace nexus::crypto {

/// Largest output HKDF-Expand can produce with Hash (RFC 5869 §2.3: L <= 255 * HashLen).
template <class Hash>
inline constexpr std::size_t hkdf_max_output = 255 * Hash::digest_size;

/// HKDF-Extract(salt, IKM) -> PRK (RFC 5869 §2.2). An empty salt means HashLen zero bytes,
/// which HMAC's zero-padding of the key already gives.
template <class Hash>
inline void hkdf_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                         std::span<std::uint8_t, Hash::digest_size> prk) noexcept {
    hmac<Hash>::compute(salt, ikm, prk);
}

/// HKDF-Expand(PRK, info, L = out.size()) (RFC 5869 §2.3). Returns false and writes nothing when
/// out is longer than hkdf_max_output<Hash> or when prk is shorter than HashLen (§2.3 requires
/// "at least HashLen octets"). `out` may overlap `prk` but not `info`.
template <class Hash>
[[nodiscard]] inline bool hkdf_expand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                                      std::span<std::uint8_t> out) noexcept {
    constexpr std::size_t hash_len = Hash::digest_size;
    if (out.size() > hkdf_max_output<Hash> || prk.size() < hash_len) return false;
    hmac<Hash> mac(prk);  // PRK is absorbed here, so writing into an overlapping out is safe
    std::array<std::uint8_t, hash_len> t{};
    std::size_t t_len = 0;  // T(0) is the empty string
    std::uint8_t counter = 1;
    for (std::size_t pos = 0; pos < out.size(); pos += hash_len, ++counter) {
        // T(i) = HMAC(PRK, T(i-1) | info | i)
        mac.update(std::span<const std::uint8_t>(t.data(), t_len));
        mac.update(info);
        mac.update(std::span<const std::uint8_t>(&counter, 1));
        mac.finish(t);
        t_len = hash_len;
        const std::size_t n = out.size() - pos < hash_len ? out.size() - pos : hash_len;
        for (std::size_t i = 0; i < n; ++i) out[pos + i] = t[i];
    }
    secure_wipe(t.data(), t.size());
    return true;
}

/// Extract then Expand: out = HKDF(IKM, salt, info, L = out.size()). Returns false and writes
/// nothing when out is longer than hkdf_max_output<Hash>.
template <class Hash>
[[nodiscard]] inline bool hkdf(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                               std::span<const std::uint8_t> info, std::span<std::uint8_t> out) noexcept {
    if (out.size() > hkdf_max_output<Hash>) return false;
    std::array<std::uint8_t, Hash::digest_size> prk{};
    hkdf_extract<Hash>(salt, ikm, prk);
    const bool ok = hkdf_expand<Hash>(prk, info, out);
    secure_wipe(prk.data(), prk.size());
    return ok;
}

inline void hkdf_sha256_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                                std::span<std::uint8_t, 32> prk) noexcept {
    hkdf_extract<sha256>(salt, ikm, prk);
}

inline void hkdf_sha512_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                                std::span<std::uint8_t, 64> prk) noexcept {
    hkdf_extract<sha512>(salt, ikm, prk);
}

[[nodiscard]] inline bool hkdf_sha256_expand(std::span<const std::uint8_t> prk,
                                             std::span<const std::uint8_t> info,
                                             std::span<std::uint8_t> out) noexcept {
    return hkdf_expand<sha256>(prk, info, out);
}

[[nodiscard]] inline bool hkdf_sha512_expand(std::span<const std::uint8_t> prk,
                                             std::span<const std::uint8_t> info,
                                             std::span<std::uint8_t> out) noexcept {
    return hkdf_expand<sha512>(prk, info, out);
}

/// HKDF-SHA-256 in one call; false (nothing written) when out.size() > 8160.
[[nodiscard]] inline bool hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                                      std::span<const std::uint8_t> info,
                                      std::span<std::uint8_t> out) noexcept {
    return hkdf<sha256>(ikm, salt, info, out);
}

/// HKDF-SHA-512 in one call; false (nothing written) when out.size() > 16320.
[[nodiscard]] inline bool hkdf_sha512(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                                      std::span<const std::uint8_t> info,
                                      std::span<std::uint8_t> out) noexcept {
    return hkdf<sha512>(ikm, salt, info, out);
}

}  // namespace nexus::crypto
