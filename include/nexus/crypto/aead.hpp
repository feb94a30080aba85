// ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) and XChaCha20-Poly1305 with a 192-bit nonce
// (draft-irtf-cfrg-xchacha-03 §2.3-2.4), in combined (ciphertext || tag) and detached forms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <nexus/core/endian.hpp>
#include <nexus/crypto/chacha20.hpp>
#include <nexus/crypto/ct.hpp>
#include <nexus/crypto/poly1305.hpp>

namespace nexus::crypto {

/// Outcome of an AEAD call. Every function returns one; none throws or asserts.
///  ok          success.
///  bad_tag     open only: the tag does not authenticate (key, nonce, ad, ciphertext). Nothing
///              was written to the plaintext buffer.
///  bad_length  an output buffer has the wrong size (sizes must match exactly, see each function),
///              a combined ciphertext is shorter than the tag, or the message is longer than
///              max_message_size. Nothing was written.
enum class aead_status : std::uint8_t { ok, bad_tag, bad_length };

constexpr std::string_view to_string(aead_status s) noexcept {
    switch (s) {
        case aead_status::ok:
            return "ok";
        case aead_status::bad_tag:
            return "bad_tag";
        case aead_status::bad_length:
            return "bad_length";
    }
    return "unknown";
}

namespace aead_detail {

// Poly1305 over ad || pad16(ad) || ct || pad16(ct) || le64(len ad) || le64(len ct) (§2.8).
template <class Mac>
inline void compute_tag(const std::uint8_t (&otk)[poly1305_key_size], std::span<const std::uint8_t> ad,
                        std::span<const std::uint8_t> ciphertext,
                        std::span<std::uint8_t, poly1305_tag_size> tag) noexcept {
    Mac mac(otk);
    mac.update(ad);
    mac.pad_to_block();
    mac.update(ciphertext);
    mac.pad_to_block();
    std::uint8_t lengths[16];
    store64_le(lengths, static_cast<std::uint64_t>(ad.size()));
    store64_le(lengths + 8, static_cast<std::uint64_t>(ciphertext.size()));
    mac.update(lengths);
    mac.finish(tag);
}

// The one-time Poly1305 key: the first 32 bytes of block 0 (§2.6).
inline void one_time_key(std::span<const std::uint8_t, chacha20_key_size> key,
                         std::span<const std::uint8_t, chacha20_nonce_size> nonce,
                         std::uint8_t (&otk)[poly1305_key_size]) noexcept {
    std::uint8_t block[chacha20_block_size];
    chacha20_block(key, 0, nonce, block);
    for (std::size_t i = 0; i < poly1305_key_size; ++i) otk[i] = block[i];
    secure_wipe(block, sizeof block);
}

}  // namespace aead_detail

/// AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) over a Poly1305 backend (`chacha20_poly1305` uses the
/// selected one; both backends are instantiable so tests can run each).
///
/// Buffers: a plaintext and its ciphertext may be the same buffer (in-place: `out` starts at the
/// plaintext's first byte); otherwise input and output must not overlap. Sizes must be exact:
/// seal's out is plaintext + 16 bytes, open's out is ciphertext_and_tag - 16 bytes.
/// open verifies the tag in constant time before it decrypts anything, and on any failure leaves
/// the output buffer untouched, so an in-place buffer still holds the ciphertext (trial decryption
/// under several keys works) and no unauthenticated plaintext is ever released.
template <class Mac>
struct basic_chacha20_poly1305 {
    static constexpr std::size_t key_size = chacha20_key_size;
    static constexpr std::size_t nonce_size = chacha20_nonce_size;
    static constexpr std::size_t tag_size = poly1305_tag_size;
    /// Block 0 keys Poly1305, so 2^32 - 1 blocks of 64 bytes remain for the message (§2.8).
    static constexpr std::uint64_t max_message_size = ((std::uint64_t{1} << 32) - 1) * chacha20_block_size;

    using key_span = std::span<const std::uint8_t, key_size>;
    using nonce_span = std::span<const std::uint8_t, nonce_size>;

    /// Encrypts `plaintext` into out[0, n) and writes the tag to out[n, n + 16); out.size() == n + 16.
    [[nodiscard]] static aead_status seal(key_span key, nonce_span nonce,
                                          std::span<const std::uint8_t> plaintext,
                                          std::span<const std::uint8_t> ad,
                                          std::span<std::uint8_t> out) noexcept {
        if (out.size() < tag_size || out.size() - tag_size != plaintext.size())
            return aead_status::bad_length;
        return seal_detached(key, nonce, plaintext, ad, out.first(plaintext.size()),
                             out.subspan(plaintext.size()).template first<tag_size>());
    }

    /// Encrypts `plaintext` into `ciphertext` (same size) and writes the tag to `tag`.
    [[nodiscard]] static aead_status seal_detached(key_span key, nonce_span nonce,
                                                   std::span<const std::uint8_t> plaintext,
                                                   std::span<const std::uint8_t> ad,
                                                   std::span<std::uint8_t> ciphertext,
                                                   std::span<std::uint8_t, tag_size> tag) noexcept {
        if (ciphertext.size() != plaintext.size() || plaintext.size() > max_message_size)
            return aead_status::bad_length;
        std::uint8_t otk[poly1305_key_size];
        aead_detail::one_time_key(key, nonce, otk);
        // Cannot fail: sizes were checked above and the counter starts at 1.
        (void)chacha20_xor(key, nonce, 1, plaintext, ciphertext);
        aead_detail::compute_tag<Mac>(otk, ad, ciphertext, tag);
        secure_wipe(otk, sizeof otk);
        return aead_status::ok;
    }

    /// Verifies and decrypts ciphertext || tag into out (out.size() == ciphertext_and_tag.size() - 16).
    [[nodiscard]] static aead_status open(key_span key, nonce_span nonce,
                                          std::span<const std::uint8_t> ciphertext_and_tag,
                                          std::span<const std::uint8_t> ad,
                                          std::span<std::uint8_t> out) noexcept {
        if (ciphertext_and_tag.size() < tag_size || out.size() != ciphertext_and_tag.size() - tag_size)
            return aead_status::bad_length;
        const std::size_t n = ciphertext_and_tag.size() - tag_size;
        return open_detached(key, nonce, ciphertext_and_tag.first(n),
                             ciphertext_and_tag.subspan(n).template first<tag_size>(), ad, out);
    }

    /// Verifies `tag` over (ad, ciphertext) and, only if it matches, decrypts into out (same size).
    [[nodiscard]] static aead_status open_detached(key_span key, nonce_span nonce,
                                                   std::span<const std::uint8_t> ciphertext,
                                                   std::span<const std::uint8_t, tag_size> tag,
                                                   std::span<const std::uint8_t> ad,
                                                   std::span<std::uint8_t> out) noexcept {
        if (out.size() != ciphertext.size() || ciphertext.size() > max_message_size)
            return aead_status::bad_length;
        std::uint8_t otk[poly1305_key_size];
        std::uint8_t expected[tag_size];
        aead_detail::one_time_key(key, nonce, otk);
        aead_detail::compute_tag<Mac>(otk, ad, ciphertext, expected);
        const bool authentic = ct_equal(expected, tag);
        secure_wipe(otk, sizeof otk);
        secure_wipe(expected, sizeof expected);
        if (!authentic) return aead_status::bad_tag;
        (void)chacha20_xor(key, nonce, 1, ciphertext, out);
        return aead_status::ok;
    }
};

/// AEAD_XChaCha20_Poly1305 (draft-irtf-cfrg-xchacha-03 §2.4): ChaCha20-Poly1305 under the subkey
/// HChaCha20(key, nonce[0..16)) with the nonce 0x00000000 || nonce[16..24). A 24-byte nonce is
/// long enough to be chosen at random. Same buffer rules and results as basic_chacha20_poly1305.
template <class Mac>
struct basic_xchacha20_poly1305 {
    using inner = basic_chacha20_poly1305<Mac>;
    static constexpr std::size_t key_size = chacha20_key_size;
    static constexpr std::size_t nonce_size = xchacha20_nonce_size;
    static constexpr std::size_t tag_size = poly1305_tag_size;
    static constexpr std::uint64_t max_message_size = inner::max_message_size;

    using key_span = std::span<const std::uint8_t, key_size>;
    using nonce_span = std::span<const std::uint8_t, nonce_size>;

    [[nodiscard]] static aead_status seal(key_span key, nonce_span nonce,
                                          std::span<const std::uint8_t> plaintext,
                                          std::span<const std::uint8_t> ad,
                                          std::span<std::uint8_t> out) noexcept {
        subkey k(key, nonce);
        return inner::seal(k.key, k.nonce, plaintext, ad, out);
    }

    [[nodiscard]] static aead_status seal_detached(key_span key, nonce_span nonce,
                                                   std::span<const std::uint8_t> plaintext,
                                                   std::span<const std::uint8_t> ad,
                                                   std::span<std::uint8_t> ciphertext,
                                                   std::span<std::uint8_t, tag_size> tag) noexcept {
        subkey k(key, nonce);
        return inner::seal_detached(k.key, k.nonce, plaintext, ad, ciphertext, tag);
    }

    [[nodiscard]] static aead_status open(key_span key, nonce_span nonce,
                                          std::span<const std::uint8_t> ciphertext_and_tag,
                                          std::span<const std::uint8_t> ad,
                                          std::span<std::uint8_t> out) noexcept {
        subkey k(key, nonce);
        return inner::open(k.key, k.nonce, ciphertext_and_tag, ad, out);
    }

    [[nodiscard]] static aead_status open_detached(key_span key, nonce_span nonce,
                                                   std::span<const std::uint8_t> ciphertext,
                                                   std::span<const std::uint8_t, tag_size> tag,
                                                   std::span<const std::uint8_t> ad,
                                                   std::span<std::uint8_t> out) noexcept {
        subkey k(key, nonce);
        return inner::open_detached(k.key, k.nonce, ciphertext, tag, ad, out);
    }

private:
    // The derived ChaCha20 key and nonce; wiped when the call returns.
    struct subkey {
        std::uint8_t key[chacha20_key_size];
        std::uint8_t nonce[chacha20_nonce_size] = {};
        subkey(key_span k, nonce_span n) noexcept {
            hchacha20(k, n.template first<hchacha20_input_size>(), key);
            for (std::size_t i = 0; i < 8; ++i) nonce[4 + i] = n[16 + i];
        }
        ~subkey() { secure_wipe(key, sizeof key); }
        subkey(const subkey&) = delete;
        subkey& operator=(const subkey&) = delete;
    };
};

using chacha20_poly1305 = basic_chacha20_poly1305<poly1305>;
using xchacha20_poly1305 = basic_xchacha20_poly1305<poly1305>;

}  // namespace nexus::crypto
