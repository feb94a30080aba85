// HMAC (RFC 2104) over any hash with the sha2.hpp interface; HMAC-SHA-256/512 as in RFC 4231.
// Incremental and one-shot, with constant-time verification of full or truncated tags.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/sha2.hpp"

namespace nexus::crypto {

/// HMAC keyed with `key` at construction. update() the message, then finish() or verify().
/// After either, the object starts a new message under the same key (no re-keying cost:
/// both padded-key states are kept, which is also what makes HKDF-Expand cheap).
template <class Hash>
class hmac {
public:
    static constexpr std::size_t digest_size = Hash::digest_size;
    static constexpr std::size_t block_size = Hash::block_size;
    /// Shortest tag verify() accepts. RFC 2104 §5 allows truncation to no less than half the
    /// output and 80 bits; we take a flat 128 bits, which keeps forgery at 2^-128 per attempt.
    static constexpr std::size_t min_tag_size = 16;

    explicit hmac(std::span<const std::uint8_t> key) noexcept {
        // RFC 2104 §2: a key longer than B is hashed first; then zero-padded to B bytes.
        std::array<std::uint8_t, block_size> pad{};
        if (key.size() > block_size) {
            Hash h;
            h.update(key);
            h.finish(std::span<std::uint8_t, digest_size>(pad.data(), digest_size));
        } else {
            for (std::size_t i = 0; i < key.size(); ++i) pad[i] = key[i];
        }
        for (auto& b : pad) b ^= 0x36;
        inner_start_.update(pad);
        for (auto& b : pad) b ^= 0x36 ^ 0x5c;
        outer_start_.update(pad);
        secure_wipe(pad.data(), pad.size());
        inner_ = inner_start_;
    }

    hmac(const hmac&) = default;
    hmac& operator=(const hmac&) = default;
    ~hmac() { wipe(); }

    void update(std::span<const std::uint8_t> in) noexcept { inner_.update(in); }

    /// Writes the tag and readies the object for another message under the same key.
    void finish(std::span<std::uint8_t, digest_size> out) noexcept {
        std::array<std::uint8_t, digest_size> inner_digest{};
        inner_.finish(inner_digest);
        Hash outer = outer_start_;
        outer.update(inner_digest);
        outer.finish(out);
        secure_wipe(inner_digest.data(), inner_digest.size());
        inner_ = inner_start_;
    }

    /// True when `tag` equals the first tag.size() bytes of the HMAC of the message so far.
    /// Tags shorter than min_tag_size or longer than digest_size are rejected. The comparison
    /// runs in time independent of the tag's contents.
    [[nodiscard]] bool verify(std::span<const std::uint8_t> tag) noexcept {
        std::array<std::uint8_t, digest_size> mac{};
        finish(mac);
        // The length is public; only the comparison of contents must be constant time.
        const bool ok = tag.size() >= min_tag_size && tag.size() <= digest_size &&
                        ct_equal(std::span<const std::uint8_t>(mac.data(), tag.size()), tag);
        secure_wipe(mac.data(), mac.size());
        return ok;
    }

    /// Drops the message so far; keeps the key.
    void reset() noexcept { inner_ = inner_start_; }

    /// One-shot HMAC(key, msg).
    static void compute(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg,
                        std::span<std::uint8_t, digest_size> out) noexcept {
        hmac h(key);
        h.update(msg);
        h.finish(out);
    }

private:
    void wipe() noexcept {
        secure_wipe_object(inner_);
        secure_wipe_object(inner_start_);
        secure_wipe_object(outer_start_);
    }

    Hash inner_start_;  // H state after absorbing K ^ ipad
    Hash outer_start_;  // H state after absorbing K ^ opad
    Hash inner_;        // inner_start_ plus the message so far
};

inline void hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg,
                        std::span<std::uint8_t, 32> out) noexcept {
    hmac<sha256>::compute(key, msg, out);
}

inline std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key,
                                                std::span<const std::uint8_t> msg) noexcept {
    std::array<std::uint8_t, 32> out{};
    hmac<sha256>::compute(key, msg, out);
    return out;
}

inline void hmac_sha512(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg,
                        std::span<std::uint8_t, 64> out) noexcept {
    hmac<sha512>::compute(key, msg, out);
}

inline std::array<std::uint8_t, 64> hmac_sha512(std::span<const std::uint8_t> key,
                                                std::span<const std::uint8_t> msg) noexcept {
    std::array<std::uint8_t, 64> out{};
    hmac<sha512>::compute(key, msg, out);
    return out;
}

/// Constant-time check of a full or truncated (16..32 bytes) HMAC-SHA-256 tag.
[[nodiscard]] inline bool hmac_sha256_verify(std::span<const std::uint8_t> key,
                                             std::span<const std::uint8_t> msg,
                                             std::span<const std::uint8_t> tag) noexcept {
    hmac<sha256> h(key);
    h.update(msg);
    return h.verify(tag);
}

/// Constant-time check of a full or truncated (16..64 bytes) HMAC-SHA-512 tag.
[[nodiscard]] inline bool hmac_sha512_verify(std::span<const std::uint8_t> key,
                                             std::span<const std::uint8_t> msg,
                                             std::span<const std::uint8_t> tag) noexcept {
    hmac<sha512> h(key);
    h.update(msg);
    return h.verify(tag);
}

}  // namespace nexus::crypto
