// libFuzzer target for the KISS framing (nexus/wire/kiss.hpp). Input: one byte seeding the chunk
// sizes and choosing the decoder's port filter (low 5 bits: 0..15 a port, 16..31 any port), then a
// byte stream. The stream goes through a 64-byte decoder in chunks and through another byte by
// byte; both must deliver the same frames with the same counters as a simple whole-buffer model
// (split at FEND, check the command byte, un-escape, drop the empty, oversized, badly escaped and
// ignored). Every delivered frame must re-encode and decode to itself, and the whole stream, taken
// as one payload, must survive encode -> decode on the port chosen (port 0 for any-port and 12).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/wire/kiss.hpp"

namespace {

namespace kiss = nexus::wire::kiss;
constexpr std::size_t cap = 64;

struct outcome {
    std::vector<std::vector<std::uint8_t>> frames;
    std::uint32_t oversized = 0;
    std::uint32_t invalid = 0;
    std::uint32_t ignored = 0;
    std::uint32_t discarded = 0;
};

outcome model(std::span<const std::uint8_t> s, std::uint8_t port) {
    outcome o;
    std::size_t i = 0;
    while (i < s.size() && s[i] != kiss::fend) ++i;
    o.discarded = static_cast<std::uint32_t>(i);
    if (i == s.size()) return o;
    ++i;
    while (i <= s.size()) {
        std::size_t end = i;
        while (end < s.size() && s[end] != kiss::fend) ++end;
        const bool closed = end < s.size();  // an unclosed frame can only have failed so far
        if (i < end) {
            const std::uint8_t c = s[i];
            if ((c & 0x0F) != 0 || (port != kiss::any_port && (c >> 4) != port)) {
                ++o.ignored;
            } else {
                std::vector<std::uint8_t> f;
                bool bad = false, big = false;
                for (std::size_t j = i + 1; j < end; ++j) {
                    std::uint8_t b = s[j];
                    if (b == kiss::fesc) {
                        if (j + 1 == end && !closed) break;  // still pending
                        if (j + 1 == end || (s[j + 1] != kiss::tfend && s[j + 1] != kiss::tfesc)) {
                            bad = true;
                            break;
                        }
                        b = s[++j] == kiss::tfend ? kiss::fend : kiss::fesc;
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
            }
        }
        i = end + 1;
    }
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nexus::fuzz::input in(data, size);
    const std::uint8_t head = in.byte();
    const std::uint8_t port = (head & 0x1F) > 15 ? kiss::any_port : static_cast<std::uint8_t>(head & 0x0F);
    std::uint32_t seed = head | 1u;
    const auto stream = in.rest();

    nexus::wire::kiss_decoder<cap> chunked(port);
    std::vector<std::vector<std::uint8_t>> got;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        seed = seed * 1103515245u + 12345u;
        const std::size_t len = std::min<std::size_t>(stream.size() - pos, 1 + (seed >> 16) % 97);
        chunked.feed(stream.subspan(pos, len),
                     [&](std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); });
        pos += len;
    }
    nexus::wire::kiss_decoder<cap> single(port);
    std::vector<std::vector<std::uint8_t>> pushed;
    for (const std::uint8_t b : stream)
        if (const auto f = single.push(b)) pushed.emplace_back(f->begin(), f->end());

    const outcome want = model(stream, port);
    NEXUS_FUZZ_CHECK(got == want.frames);
    NEXUS_FUZZ_CHECK(pushed == want.frames);
    NEXUS_FUZZ_CHECK(chunked.frames() == want.frames.size() && single.frames() == want.frames.size());
    NEXUS_FUZZ_CHECK(chunked.oversized() == want.oversized && single.oversized() == want.oversized);
    NEXUS_FUZZ_CHECK(chunked.invalid_escapes() == want.invalid && single.invalid_escapes() == want.invalid);
    NEXUS_FUZZ_CHECK(chunked.ignored() == want.ignored && single.ignored() == want.ignored);
    NEXUS_FUZZ_CHECK(chunked.discarded() == want.discarded && single.discarded() == want.discarded);

    // Port 12 cannot be sent (its data command byte is a FEND): frames go out on port 0 then.
    const std::uint8_t send_port = port == kiss::any_port || port == 12 ? std::uint8_t{0} : port;
    NEXUS_FUZZ_CHECK(port != 12 || got.empty());
    for (const auto& f : got) {
        NEXUS_FUZZ_CHECK(!f.empty() && f.size() <= cap);
        std::vector<std::uint8_t> enc(kiss::max_encoded_size(f.size()));
        const auto n = kiss::encode(f, enc, send_port);
        NEXUS_FUZZ_CHECK(n && *n == kiss::encoded_size(f));
        nexus::wire::kiss_decoder<cap> again(send_port);
        std::size_t frames = 0;
        again.feed(std::span(enc).first(*n), [&](std::span<const std::uint8_t> g) {
            NEXUS_FUZZ_CHECK(std::equal(g.begin(), g.end(), f.begin(), f.end()));
            ++frames;
        });
        NEXUS_FUZZ_CHECK(frames == 1);
    }

    std::vector<std::uint8_t> enc(kiss::max_encoded_size(stream.size()));
    const auto n = kiss::encode(stream, enc, send_port);
    NEXUS_FUZZ_CHECK(n && *n == kiss::encoded_size(stream) && *n <= enc.size());
    NEXUS_FUZZ_CHECK(enc[0] == kiss::fend && enc[1] == send_port << 4 && enc[*n - 1] == kiss::fend);
    for (std::size_t i = 1; i + 1 < *n; ++i) NEXUS_FUZZ_CHECK(enc[i] != kiss::fend);
    std::vector<std::uint8_t> small(*n - 1);
    NEXUS_FUZZ_CHECK(!kiss::encode(stream, small, send_port));
    static nexus::wire::kiss_decoder<4096> big;  // static: 4 KiB is too much for every call's stack
    big = nexus::wire::kiss_decoder<4096>(send_port);
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
