// libFuzzer target for the incremental hash APIs: SHA-256/SHA-512 (FIPS 180-4), HMAC (RFC 2104),
// BLAKE2b (RFC 7693), BLAKE3 in its three modes, and Poly1305 (RFC 8439 §2.5) on both backends.
// Feeding a message in pieces cut at input-chosen points must give the one-shot result; BLAKE3's
// output must be a seekable stream (any slice equals the same bytes of a longer output) and a
// copied hasher must continue like the original.
//
// Input: repeat count, BLAKE2b digest size, key length, key material (160 bytes), BLAKE3 output
// length and seek offset, number of cut points and the points themselves, then the message base.
// The message is the base written `repeat` times, so a 4 KiB input reaches the multi-chunk
// (4-chunk-group) BLAKE3 paths.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/blake3.hpp"
#include "nexus/crypto/hmac.hpp"
#include "nexus/crypto/poly1305.hpp"
#include "nexus/crypto/sha2.hpp"

namespace {

using namespace nexus::crypto;
using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;

constexpr std::size_t max_cuts = 8;

/// The message cut into pieces at sorted positions (empty pieces included).
struct pieces {
    cspan message;
    std::array<std::size_t, max_cuts + 2> bounds{};
    std::size_t count = 0;  // number of pieces

    template <class F>
    void each(F&& f) const {
        for (std::size_t i = 0; i < count; ++i) f(message.subspan(bounds[i], bounds[i + 1] - bounds[i]));
    }
};

template <class Hash>
void check_sha2(const pieces& p) {
    Hash h;
    p.each([&](cspan s) { h.update(s); });
    std::array<std::uint8_t, Hash::digest_size> incremental{}, one_shot{};
    h.finish(incremental);
    Hash whole;
    whole.update(p.message);
    whole.finish(one_shot);
    NEXUS_FUZZ_CHECK(incremental == one_shot);
    // finish() resets: the same object hashes the next message from scratch.
    h.update(p.message);
    h.finish(incremental);
    NEXUS_FUZZ_CHECK(incremental == one_shot);
}

template <class Hash>
void check_hmac(const pieces& p, cspan key) {
    hmac<Hash> h(key);
    p.each([&](cspan s) { h.update(s); });
    std::array<std::uint8_t, Hash::digest_size> incremental{}, one_shot{};
    h.finish(incremental);
    hmac<Hash>::compute(key, p.message, one_shot);
    NEXUS_FUZZ_CHECK(incremental == one_shot);
    h.update(p.message);
    NEXUS_FUZZ_CHECK(h.verify(one_shot));
    h.update(p.message);
    NEXUS_FUZZ_CHECK(h.verify(cspan(one_shot).first(hmac<Hash>::min_tag_size)));
}

void check_blake2b(const pieces& p, std::size_t digest_size, cspan key) {
    const bool valid_lengths = digest_size >= 1 && digest_size <= 64 && key.size() <= 64;
    blake2b h;
    NEXUS_FUZZ_CHECK(h.init(digest_size, key) == valid_lengths);
    bytes incremental(digest_size, 0x5a), one_shot(digest_size, 0x5a);
    p.each([&](cspan s) { h.update(s); });
    NEXUS_FUZZ_CHECK(h.finish(incremental) == valid_lengths);
    NEXUS_FUZZ_CHECK(blake2b_hash(one_shot, p.message, key) == valid_lengths);
    NEXUS_FUZZ_CHECK(incremental == one_shot);
    if (!valid_lengths)
        NEXUS_FUZZ_CHECK(
            std::all_of(one_shot.begin(), one_shot.end(), [](std::uint8_t b) { return b == 0x5a; }));
}

// `fresh` is a hasher in the wanted mode with no input yet; `one_shot` is the same mode's one-call
// function, already applied to the whole message with an output of out_len bytes.
void check_blake3(const pieces& p, const blake3& fresh, const bytes& one_shot, std::size_t offset) {
    const std::size_t out_len = one_shot.size();
    blake3 h = fresh;
    blake3 fork = fresh;
    bool forked = false;
    p.each([&](cspan s) {
        h.update(s);
        if (!forked) {  // fork after the first piece; the copy sees the rest as the original does
            fork = h;
            forked = true;
        } else {
            fork.update(s);
        }
    });
    bytes incremental(out_len), from_fork(out_len);
    h.finalize(incremental);
    fork.finalize(from_fork);
    NEXUS_FUZZ_CHECK(incremental == one_shot);
    NEXUS_FUZZ_CHECK(from_fork == one_shot);

    // Output stream: [offset, offset + out_len) read directly equals the same slice of one longer
    // read, and a shorter output is a prefix of a longer one.
    bytes longer(offset + out_len), sought(out_len);
    h.finalize(longer);
    h.finalize_seek(offset, sought);
    NEXUS_FUZZ_CHECK(
        std::equal(longer.begin(), longer.begin() + static_cast<std::ptrdiff_t>(out_len), one_shot.begin()));
    NEXUS_FUZZ_CHECK(
        std::equal(sought.begin(), sought.end(), longer.begin() + static_cast<std::ptrdiff_t>(offset)));
}

template <class Mac>
void check_poly1305(const pieces& p, std::span<const std::uint8_t, 32> key,
                    std::array<std::uint8_t, 16>& tag_out) {
    Mac mac(key);
    p.each([&](cspan s) { mac.update(s); });
    std::array<std::uint8_t, 16> incremental{}, one_shot{};
    mac.finish(incremental);
    Mac::compute(key, p.message, one_shot);
    NEXUS_FUZZ_CHECK(incremental == one_shot);
    NEXUS_FUZZ_CHECK(Mac::verify(key, p.message, one_shot));
    tag_out = one_shot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nexus::fuzz::input in(data, size);
    const std::size_t repeat = 1 + in.byte() % 8;
    const std::size_t blake2b_digest = in.byte() % 66;  // 0 and 65 are invalid on purpose
    const std::size_t key_len = in.byte() % 161;        // longer than both HMAC block sizes at most
    std::array<std::uint8_t, 160> key_material{};
    in.fill(key_material);
    const std::size_t blake3_out = 1 + in.u16() % 300;
    const std::size_t blake3_offset = in.u16() % 4096;
    const std::size_t cuts = in.byte() % (max_cuts + 1);
    std::array<std::uint16_t, max_cuts> cut_points{};
    for (std::size_t i = 0; i < cuts; ++i) cut_points[i] = in.u16();
    const cspan base = in.rest();

    bytes message;
    message.reserve(base.size() * repeat);
    for (std::size_t r = 0; r < repeat; ++r) message.insert(message.end(), base.begin(), base.end());

    pieces p;
    p.message = message;
    p.bounds[0] = 0;
    for (std::size_t i = 0; i < cuts; ++i) p.bounds[i + 1] = cut_points[i] % (message.size() + 1);
    p.bounds[cuts + 1] = message.size();
    std::sort(p.bounds.begin() + 1, p.bounds.begin() + static_cast<std::ptrdiff_t>(cuts + 1));
    p.count = cuts + 1;

    const cspan key(key_material.data(), key_len);
    check_sha2<sha256>(p);
    check_sha2<sha512>(p);
    check_hmac<sha256>(p, key);
    check_hmac<sha512>(p, key);
    check_blake2b(p, blake2b_digest, key.first(std::min<std::size_t>(key_len, 65)));

    const std::span<const std::uint8_t, 32> key32(key_material.data(), 32);
    bytes one_shot(blake3_out);
    blake3_hash(message, one_shot);
    check_blake3(p, blake3{}, one_shot, blake3_offset);
    blake3_keyed_hash(key32, message, one_shot);
    check_blake3(p, blake3::keyed(key32), one_shot, blake3_offset);
    blake3_derive_key(key, message, one_shot);  // the key bytes double as the context string
    check_blake3(p, blake3::derive_key(key), one_shot, blake3_offset);

    std::array<std::uint8_t, 16> tag32{}, tag64{};
    check_poly1305<poly1305_32>(p, key32, tag32);
    check_poly1305<poly1305_64>(p, key32, tag64);
    NEXUS_FUZZ_CHECK(tag32 == tag64);
    return 0;
}
