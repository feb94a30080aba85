// libFuzzer target for the HDLC framing (nexus/wire/hdlc.hpp). Input: one byte seeding the chunk
// sizes, then a byte stream. The stream goes through a 64-byte decoder in chunks and through
// another byte by byte; both must deliver the same frames with the same counters as a simple
// whole-buffer model (split at flags, un-escape, drop the empty, oversized and badly escaped).
// Every delivered frame must re-encode and decode to itself, and the whole stream, taken as one
// payload, must survive encode -> decode.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/wire/hdlc.hpp"

namespace {

namespace hdlc = nexus::wire::hdlc;
constexpr std::size_t cap = 64;

struct outcome {
    std::vector<std::vector<std::uint8_t>> frames;
    std::uint32_t oversized = 0;
    std::uint32_t invalid = 0;
    std::uint32_t discarded = 0;
};

outcome model(std::span<const std::uint8_t> s) {
    outcome o;
    std::size_t i = 0;
    while (i < s.size() && s[i] != hdlc::flag) ++i;
    o.discarded = static_cast<std::uint32_t>(i);
    if (i == s.size()) return o;
    ++i;  // past the opening flag
    while (i <= s.size()) {
        std::size_t end = i;
        while (end < s.size() && s[end] != hdlc::flag) ++end;
        const bool closed = end < s.size();  // an unclosed frame can only have failed so far
        std::vector<std::uint8_t> f;
        bool bad = false, big = false;
        for (std::size_t j = i; j < end; ++j) {
            std::uint8_t b = s[j];
            if (b == hdlc::escape) {
                if (j + 1 == end && !closed) break;  // still pending
                if (j + 1 == end || (s[j + 1] != 0x5E && s[j + 1] != 0x5D)) {
                    bad = true;
                    break;
                }
                b = static_cast<std::uint8_t>(s[++j] ^ 0x20);
            }
            if (f.size() == cap) {
                big = true;
                break;
            }
            f.push_back(b);
        }
        if (bad) {
            ++o.invalid;
        } else if (big) {
            ++o.oversized;
        } else if (closed && !f.empty()) {
            o.frames.push_back(f);
        }
        i = end + 1;
    }
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nexus::fuzz::input in(data, size);
    std::uint32_t seed = in.byte() | 1u;
    const auto stream = in.rest();

    // Chunked feed.
    nexus::wire::hdlc_decoder<cap> chunked;
    std::vector<std::vector<std::uint8_t>> got;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        seed = seed * 1103515245u + 12345u;
        const std::size_t len = std::min<std::size_t>(stream.size() - pos, 1 + (seed >> 16) % 97);
        const std::size_t n = chunked.feed(stream.subspan(pos, len), [&](std::span<const std::uint8_t> f) {
            got.emplace_back(f.begin(), f.end());
        });
        (void)n;
        pos += len;
    }
    // Byte by byte.
    nexus::wire::hdlc_decoder<cap> single;
    std::vector<std::vector<std::uint8_t>> pushed;
    for (const std::uint8_t b : stream)
        if (const auto f = single.push(b)) pushed.emplace_back(f->begin(), f->end());

    const outcome want = model(stream);
    NEXUS_FUZZ_CHECK(got == want.frames);
    NEXUS_FUZZ_CHECK(pushed == want.frames);
    NEXUS_FUZZ_CHECK(chunked.frames() == want.frames.size() && single.frames() == want.frames.size());
    NEXUS_FUZZ_CHECK(chunked.oversized() == want.oversized && single.oversized() == want.oversized);
    NEXUS_FUZZ_CHECK(chunked.invalid_escapes() == want.invalid && single.invalid_escapes() == want.invalid);
    NEXUS_FUZZ_CHECK(chunked.discarded() == want.discarded && single.discarded() == want.discarded);

    // Every delivered frame re-encodes and decodes to itself.
    for (const auto& f : got) {
        NEXUS_FUZZ_CHECK(!f.empty() && f.size() <= cap);
        std::vector<std::uint8_t> enc(hdlc::max_encoded_size(f.size()));
        const auto n = hdlc::encode(f, enc);
        NEXUS_FUZZ_CHECK(n && *n == hdlc::encoded_size(f));
        nexus::wire::hdlc_decoder<cap> again;
        std::size_t frames = 0;
        again.feed(std::span(enc).first(*n), [&](std::span<const std::uint8_t> g) {
            NEXUS_FUZZ_CHECK(std::equal(g.begin(), g.end(), f.begin(), f.end()));
            ++frames;
        });
        NEXUS_FUZZ_CHECK(frames == 1);
    }

    // The whole stream as one payload.
    std::vector<std::uint8_t> enc(hdlc::max_encoded_size(stream.size()));
    const auto n = hdlc::encode(stream, enc);
    NEXUS_FUZZ_CHECK(n && *n == hdlc::encoded_size(stream) && *n <= enc.size());
    NEXUS_FUZZ_CHECK(enc[0] == hdlc::flag && enc[*n - 1] == hdlc::flag);
    for (std::size_t i = 1; i + 1 < *n; ++i) NEXUS_FUZZ_CHECK(enc[i] != hdlc::flag);
    std::vector<std::uint8_t> small(*n - 1);
    NEXUS_FUZZ_CHECK(!hdlc::encode(stream, small));
    static nexus::wire::hdlc_decoder<4096> big;  // static: 4 KiB is too much for every call's stack
    big = {};
    std::size_t frames = 0;
    big.feed(std::span(enc).first(*n), [&](std::span<const std::uint8_t> g) {
        NEXUS_FUZZ_CHECK(std::equal(g.begin(), g.end(), stream.begin(), stream.end()));
        ++frames;
    });
    if (stream.empty()) {
        NEXUS_FUZZ_CHECK(frames == 0);
    } else if (stream.size() <= 4096) {
        NEXUS_FUZZ_CHECK(frames == 1);
    } else {
        NEXUS_FUZZ_CHECK(frames == 0 && big.oversized() == 1);
    }
    return 0;
}
