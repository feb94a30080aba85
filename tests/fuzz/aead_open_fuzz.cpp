// libFuzzer target for ChaCha20-Poly1305 (RFC 8439 §2.8) and XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha-03 §2.4). Input: mode byte, key, nonce, AD length, AD, then the rest.
// The rest is opened as ciphertext || tag (any outcome, no crash; a failed open leaves the output
// untouched, as aead.hpp documents; a successful one re-seals to the same bytes), and is also
// sealed as a plaintext that must open again, and fail to open with one bit flipped.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/crypto/aead.hpp"

namespace {

using namespace nexus::crypto;
using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;

constexpr std::uint8_t sentinel = 0xa5;

bool all_sentinel(const bytes& b) {
    for (std::uint8_t v : b)
        if (v != sentinel) return false;
    return true;
}

// Aead is a basic_(x)chacha20_poly1305<Mac>; Other is the same construction over the other
// Poly1305 backend, which must agree byte for byte.
template <class Aead, class Other>
void check(nexus::fuzz::input in, std::uint8_t mode) {
    std::array<std::uint8_t, Aead::key_size> key{};
    std::array<std::uint8_t, Aead::nonce_size> nonce{};
    in.fill(key);
    in.fill(nonce);
    const cspan ad = in.take(in.byte());
    const std::uint16_t flip_selector = in.u16();
    const cspan rest = in.rest();
    const bytes data(rest.begin(), rest.end());  // exact-size heap copy: overreads are ASan reports
    constexpr std::size_t tag = Aead::tag_size;

    // 1. Open arbitrary bytes as ciphertext || tag.
    if (data.size() >= tag) {
        bytes out(data.size() - tag, sentinel);
        const aead_status s = Aead::open(key, nonce, data, ad, out);
        NEXUS_FUZZ_CHECK(s == aead_status::ok || s == aead_status::bad_tag);
        if (s == aead_status::ok) {
            bytes resealed(data.size());
            NEXUS_FUZZ_CHECK(Aead::seal(key, nonce, out, ad, resealed) == aead_status::ok);
            NEXUS_FUZZ_CHECK(resealed == data);
        } else {
            NEXUS_FUZZ_CHECK(all_sentinel(out));
        }
        bytes out_other(out.size(), sentinel);
        NEXUS_FUZZ_CHECK(Other::open(key, nonce, data, ad, out_other) == s);
        if (s == aead_status::ok) NEXUS_FUZZ_CHECK(out_other == out);
    } else {
        bytes out(1, sentinel);
        NEXUS_FUZZ_CHECK(Aead::open(key, nonce, data, ad, std::span<std::uint8_t>(out.data(), 0)) ==
                         aead_status::bad_length);
        NEXUS_FUZZ_CHECK(all_sentinel(out));
    }

    // 2. A wrong output size is bad_length and writes nothing.
    {
        bytes out(data.size() + tag + 1, sentinel);
        NEXUS_FUZZ_CHECK(Aead::seal(key, nonce, data, ad, out) == aead_status::bad_length);
        NEXUS_FUZZ_CHECK(all_sentinel(out));
    }

    // 3. Seal the bytes as a plaintext: it must open, on both backends, in place too.
    bytes sealed(data.size() + tag);
    NEXUS_FUZZ_CHECK(Aead::seal(key, nonce, data, ad, sealed) == aead_status::ok);
    bytes sealed_other(sealed.size());
    NEXUS_FUZZ_CHECK(Other::seal(key, nonce, data, ad, sealed_other) == aead_status::ok);
    NEXUS_FUZZ_CHECK(sealed_other == sealed);

    bytes opened(data.size(), sentinel);
    NEXUS_FUZZ_CHECK(Aead::open(key, nonce, sealed, ad, opened) == aead_status::ok);
    NEXUS_FUZZ_CHECK(opened == data);

    if (mode & 0x02) {  // in place: seal over the plaintext, open over the ciphertext
        bytes buffer(data.size() + tag);
        std::copy(data.begin(), data.end(), buffer.begin());
        NEXUS_FUZZ_CHECK(Aead::seal(key, nonce, std::span(buffer).first(data.size()), ad, buffer) ==
                         aead_status::ok);
        NEXUS_FUZZ_CHECK(buffer == sealed);
        NEXUS_FUZZ_CHECK(Aead::open(key, nonce, buffer, ad, std::span(buffer).first(data.size())) ==
                         aead_status::ok);
        NEXUS_FUZZ_CHECK(std::equal(data.begin(), data.end(), buffer.begin()));
    }

    // 4. One flipped bit of ciphertext || tag, or of the AD, is bad_tag with the output untouched.
    bytes ad_copy(ad.begin(), ad.end());
    const std::size_t bits = 8 * (sealed.size() + ad_copy.size());
    std::size_t bit = flip_selector % bits;
    std::uint8_t* target = sealed.data();
    if (bit >= 8 * sealed.size()) {
        bit -= 8 * sealed.size();
        target = ad_copy.data();
    }
    target[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    bytes rejected(data.size(), sentinel);
    NEXUS_FUZZ_CHECK(Aead::open(key, nonce, sealed, ad_copy, rejected) == aead_status::bad_tag);
    NEXUS_FUZZ_CHECK(all_sentinel(rejected));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nexus::fuzz::input in(data, size);
    const std::uint8_t mode = in.byte();
    if (mode & 0x01)
        check<basic_xchacha20_poly1305<poly1305_64>, basic_xchacha20_poly1305<poly1305_32>>(in, mode);
    else
        check<basic_chacha20_poly1305<poly1305_64>, basic_chacha20_poly1305<poly1305_32>>(in, mode);
    return 0;
}
