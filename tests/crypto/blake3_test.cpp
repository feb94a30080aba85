// Tests for crypto/blake3.hpp against the official BLAKE3 test vectors (test-vectors/blake3.json):
// all three modes, full extended output and 32-byte prefix, incremental splits and seeking.
#include <nexus/crypto/blake3.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/vectors.hpp"

namespace {

using nexus::crypto::blake3;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

enum class mode { hash, keyed, derive };

struct vector_case {
    std::size_t input_len;
    bytes expected[3];  // indexed by mode
};

struct vector_file {
    bytes key;
    std::string context;
    std::vector<vector_case> cases;
};

const vector_file& vectors() {
    static const vector_file file = [] {
        const auto j = nexus::test::load_vectors("blake3.json");
        vector_file f;
        const std::string key = j.at("key").get<std::string>();
        f.key.assign(key.begin(), key.end());
        f.context = j.at("context_string").get<std::string>();
        for (const auto& c : j.at("cases")) {
            vector_case vc;
            vc.input_len = c.at("input_len").get<std::size_t>();
            vc.expected[0] = from_hex(c.at("hash").get<std::string>());
            vc.expected[1] = from_hex(c.at("keyed_hash").get<std::string>());
            vc.expected[2] = from_hex(c.at("derive_key").get<std::string>());
            f.cases.push_back(std::move(vc));
        }
        return f;
    }();
    return file;
}

// The vectors' input: the repeating pattern 0, 1, ..., 250, 0, 1, ...
bytes pattern_input(std::size_t n) {
    bytes in(n);
    for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<std::uint8_t>(i % 251);
    return in;
}

std::span<const std::uint8_t, 32> key_span() {
    return std::span<const std::uint8_t, 32>(vectors().key.data(), 32);
}

blake3 make_hasher(mode m) {
    switch (m) {
        case mode::hash:
            return blake3();
        case mode::keyed:
            return blake3::keyed(key_span());
        case mode::derive:
            return blake3::derive_key(std::string_view(vectors().context));
    }
    return blake3();
}

const char* mode_name(mode m) {
    switch (m) {
        case mode::hash:
            return "hash";
        case mode::keyed:
            return "keyed_hash";
        case mode::derive:
            return "derive_key";
    }
    return "?";
}

constexpr mode all_modes[] = {mode::hash, mode::keyed, mode::derive};

// Feeds `in` to a fresh hasher in pieces whose lengths cycle through `sizes`.
bytes hash_in_pieces(mode m, const bytes& in, std::span<const std::size_t> sizes, std::size_t out_len) {
    blake3 h = make_hasher(m);
    std::size_t pos = 0, k = 0;
    while (pos < in.size()) {
        std::size_t take = sizes[k++ % sizes.size()];
        if (take > in.size() - pos) take = in.size() - pos;
        h.update(std::span<const std::uint8_t>(in.data() + pos, take));
        pos += take;
    }
    bytes out(out_len);
    h.finalize(out);
    return out;
}

}  // namespace

TEST_CASE("blake3: official vectors, one-shot, full 131-byte output and 32-byte prefix") {
    const auto& f = vectors();
    REQUIRE(f.cases.size() >= 22);
    REQUIRE(f.key.size() == 32);
    std::size_t checked = 0;
    for (const auto& c : f.cases) {
        const bytes in = pattern_input(c.input_len);
        CAPTURE(c.input_len);
        for (mode m : all_modes) {
            CAPTURE(mode_name(m));
            const bytes& expected = c.expected[static_cast<int>(m)];
            REQUIRE(expected.size() == 131);
            const bytes prefix(expected.begin(), expected.begin() + 32);

            bytes full(131), short_out(32);
            switch (m) {
                case mode::hash:
                    nexus::crypto::blake3_hash(in, full);
                    nexus::crypto::blake3_hash(in, short_out);
                    break;
                case mode::keyed:
                    nexus::crypto::blake3_keyed_hash(key_span(), in, full);
                    nexus::crypto::blake3_keyed_hash(key_span(), in, short_out);
                    break;
                case mode::derive: {
                    nexus::crypto::blake3_derive_key(f.context, in, full);
                    const auto ctx = std::span<const std::uint8_t>(
                        reinterpret_cast<const std::uint8_t*>(f.context.data()), f.context.size());
                    nexus::crypto::blake3_derive_key(ctx, in, short_out);
                    break;
                }
            }
            CHECK(to_hex(full) == to_hex(expected));
            CHECK(to_hex(short_out) == to_hex(prefix));

            // The class: default-length finalize() and span finalize of any length.
            blake3 h = make_hasher(m);
            h.update(in);
            const auto default_out = h.finalize();
            CHECK(to_hex(default_out) == to_hex(prefix));
            bytes odd(77);
            h.finalize(odd);
            CHECK(to_hex(odd) == to_hex(bytes(expected.begin(), expected.begin() + 77)));
            ++checked;
        }
    }
    MESSAGE("checked " << checked << " vector outputs");
}

TEST_CASE("blake3: official vectors, incremental updates in many split patterns") {
    static constexpr std::size_t one[] = {1};
    static constexpr std::size_t s63[] = {63};
    static constexpr std::size_t s64[] = {64};
    static constexpr std::size_t s65[] = {65};
    static constexpr std::size_t s1023[] = {1023};
    static constexpr std::size_t s1024[] = {1024};
    static constexpr std::size_t s1025[] = {1025};
    static constexpr std::size_t s4096[] = {4096};
    static constexpr std::size_t s4097[] = {4097};
    static constexpr std::size_t mixed[] = {1, 1023, 1, 1024, 1025, 7, 4096, 3, 5000, 64, 63, 65, 8191};
    static constexpr std::size_t primes[] = {13, 251, 997, 1031, 2053};
    const std::span<const std::size_t> patterns[] = {s63,   s64,   s65,   s1023, s1024,
                                                     s1025, s4096, s4097, mixed, primes};
    std::size_t checked = 0;
    for (const auto& c : vectors().cases) {
        const bytes in = pattern_input(c.input_len);
        CAPTURE(c.input_len);
        for (mode m : all_modes) {
            CAPTURE(mode_name(m));
            const bytes& expected = c.expected[static_cast<int>(m)];
            for (std::size_t p = 0; p < std::size(patterns); ++p) {
                CAPTURE(p);
                CHECK(to_hex(hash_in_pieces(m, in, patterns[p], 131)) == to_hex(expected));
                ++checked;
            }
            // Byte by byte: every possible buffer state is crossed.
            if (c.input_len <= 8193) {
                CHECK(to_hex(hash_in_pieces(m, in, one, 131)) == to_hex(expected));
                ++checked;
            }
            // Head-and-tail splits at every interesting boundary.
            for (std::size_t cut :
                 {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{1023},
                  std::size_t{1024}, std::size_t{1025}, std::size_t{4096}, std::size_t{4097},
                  c.input_len - (c.input_len > 0 ? 1 : 0)}) {
                if (cut > c.input_len) continue;
                CAPTURE(cut);
                blake3 h = make_hasher(m);
                h.update(std::span<const std::uint8_t>(in.data(), cut));
                h.update(std::span<const std::uint8_t>());  // empty updates change nothing
                h.update(std::span<const std::uint8_t>(in.data() + cut, in.size() - cut));
                bytes out(131);
                h.finalize(out);
                CHECK(to_hex(out) == to_hex(expected));
                ++checked;
            }
        }
    }
    MESSAGE("checked " << checked << " incremental hashes");
}

TEST_CASE("blake3: finalize_seek matches the extended output at every offset") {
    for (const auto& c : vectors().cases) {
        const bytes in = pattern_input(c.input_len);
        CAPTURE(c.input_len);
        for (mode m : all_modes) {
            CAPTURE(mode_name(m));
            const bytes& expected = c.expected[static_cast<int>(m)];
            blake3 h = make_hasher(m);
            h.update(in);
            for (std::size_t off = 0; off <= expected.size(); ++off) {
                CAPTURE(off);
                const std::size_t len = expected.size() - off;
                bytes out(len);
                h.finalize_seek(off, out);
                CHECK(to_hex(out) ==
                      to_hex(bytes(expected.begin() + static_cast<std::ptrdiff_t>(off), expected.end())));
                if (len > 0) {
                    bytes one_byte(1);
                    h.finalize_seek(off, one_byte);
                    CHECK(one_byte[0] == expected[off]);
                }
            }
        }
    }
}

TEST_CASE("blake3: long extended output, seeking across blocks and far offsets") {
    const bytes in = pattern_input(5000);
    blake3 h = blake3::keyed(key_span());
    h.update(in);
    bytes stream(4096 + 64);
    h.finalize(stream);
    // A shorter output is a prefix of a longer one.
    bytes head(131);
    h.finalize(head);
    CHECK(std::equal(head.begin(), head.end(), stream.begin()));
    for (std::size_t off : {0u, 1u, 63u, 64u, 65u, 127u, 128u, 1000u, 2048u, 4095u, 4096u}) {
        for (std::size_t len : {0u, 1u, 63u, 64u, 65u, 130u}) {
            if (off + len > stream.size()) continue;
            CAPTURE(off);
            CAPTURE(len);
            bytes out(len);
            h.finalize_seek(off, out);
            CHECK(std::equal(out.begin(), out.end(), stream.begin() + static_cast<std::ptrdiff_t>(off)));
        }
    }
    // Far offsets (block counter above 32 bits): overlapping reads agree.
    const std::uint64_t far = (std::uint64_t{1} << 40) * 64 + 17;
    bytes a(200), b(100);
    h.finalize_seek(far, a);
    h.finalize_seek(far + 100, b);
    CHECK(std::equal(b.begin(), b.end(), a.begin() + 100));
    // The last bytes of the 2^64-byte stream are reachable.
    bytes tail(16);
    h.finalize_seek(~std::uint64_t{0} - 15, tail);
    bytes tail2(1);
    h.finalize_seek(~std::uint64_t{0}, tail2);
    CHECK(tail2[0] == tail[15]);
}

TEST_CASE("blake3: finalize leaves the state usable; reset and copies") {
    const bytes in = pattern_input(10000);
    const auto& c = vectors();
    for (mode m : all_modes) {
        CAPTURE(mode_name(m));
        // Reference: one update.
        blake3 ref = make_hasher(m);
        ref.update(in);
        const auto want = ref.finalize();

        // finalize in the middle does not disturb later updates.
        blake3 h = make_hasher(m);
        h.update(std::span<const std::uint8_t>(in.data(), 3000));
        (void)h.finalize();
        blake3 fork = h;  // copy shares the prefix
        h.update(std::span<const std::uint8_t>(in.data() + 3000, in.size() - 3000));
        CHECK(to_hex(h.finalize()) == to_hex(want));
        fork.update(std::span<const std::uint8_t>(in.data() + 3000, in.size() - 3000));
        CHECK(to_hex(fork.finalize()) == to_hex(want));

        // reset forgets input but keeps mode and key.
        h.reset();
        h.update(in);
        CHECK(to_hex(h.finalize()) == to_hex(want));

        // Copy assignment.
        blake3 other;
        other.update(std::span<const std::uint8_t>(in.data(), 5));
        other = h;
        CHECK(to_hex(other.finalize()) == to_hex(want));
    }
    // Empty input in each mode equals the first vector (input_len 0).
    REQUIRE(c.cases.front().input_len == 0);
    for (mode m : all_modes) {
        blake3 h = make_hasher(m);
        bytes out(131);
        h.finalize(out);
        CHECK(to_hex(out) == to_hex(c.cases.front().expected[static_cast<int>(m)]));
    }
    // A zero-length output writes nothing.
    nexus::crypto::blake3_hash(in, std::span<std::uint8_t>());
}

TEST_CASE("blake3: modes are separated") {
    const bytes in = pattern_input(100);
    std::array<std::uint8_t, 32> zero_key{};
    std::array<std::uint8_t, 32> a{}, b{}, d{};
    nexus::crypto::blake3_hash(in, a);
    nexus::crypto::blake3_keyed_hash(zero_key, in, b);
    nexus::crypto::blake3_derive_key("", in, d);
    CHECK(a != b);
    CHECK(a != d);
    CHECK(b != d);
    // derive_key with a different context gives a different key.
    std::array<std::uint8_t, 32> d2{};
    nexus::crypto::blake3_derive_key("nexus test context 2", in, d2);
    CHECK(d != d2);
}
