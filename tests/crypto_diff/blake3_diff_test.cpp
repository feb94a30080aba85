// Differential test: nexus::crypto::blake3 against the BLAKE3 team's portable C implementation
// (built by blake3_reference.cmake) on random inputs, modes, splits and output windows.
#include <nexus/crypto/blake3.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "support/diff.hpp"
#include "support/vectors.hpp"

#if defined(NEXUS_HAVE_BLAKE3_REFERENCE)
#include <blake3.h>
#endif

#if defined(NEXUS_HAVE_BLAKE3_REFERENCE)

namespace {

// Input length: mostly short (the common case, and fast), sometimes several chunks, rarely up
// to ~70 KiB so that deep CV stacks and the 4-chunk path are exercised without slowing the run.
std::size_t random_input_len(nexus::test::rng& r) {
    const std::uint64_t pick = r.below(1000);
    if (pick < 600) return static_cast<std::size_t>(r.below(1100));
    if (pick < 900) return static_cast<std::size_t>(r.below(9 * 1024));
    if (pick < 990) return static_cast<std::size_t>(r.below(33 * 1024));
    return static_cast<std::size_t>(r.below(70 * 1024 + 1));
}

std::size_t random_out_len(nexus::test::rng& r) {
    const std::uint64_t pick = r.below(100);
    if (pick < 60) return 32;
    if (pick < 95) return static_cast<std::size_t>(r.below(200));
    return static_cast<std::size_t>(r.below(2100));
}

std::uint64_t random_offset(nexus::test::rng& r) {
    const std::uint64_t pick = r.below(10);
    if (pick < 6) return 0;
    if (pick < 9) return r.below(4096);
    return r.next();  // anywhere in the 2^64-byte output stream
}

}  // namespace

TEST_CASE("blake3 diff: random inputs, modes, splits and output windows vs reference C") {
    const std::size_t iterations = nexus::test::diff_iterations();
    nexus::test::rng r(0xb1a4e3);
    std::vector<std::uint8_t> input(70 * 1024 + 1);
    std::vector<std::uint8_t> ours(2100), theirs(2100);
    std::uint8_t key[32];
    std::uint8_t context[96];
    std::size_t failures = 0;

    for (std::size_t iter = 0; iter < iterations; ++iter) {
        const int mode = static_cast<int>(r.below(3));
        const std::size_t len = random_input_len(r);
        const std::size_t out_len = random_out_len(r);
        const std::uint64_t offset = random_offset(r);
        r.fill(std::span<std::uint8_t>(input.data(), len));

        blake3_hasher ref;
        nexus::crypto::blake3 h;
        std::size_t context_len = 0;
        if (mode == 1) {
            r.fill(key);
            blake3_hasher_init_keyed(&ref, key);
            h = nexus::crypto::blake3::keyed(std::span<const std::uint8_t, 32>(key));
        } else if (mode == 2) {
            context_len = static_cast<std::size_t>(r.below(sizeof context + 1));
            r.fill(std::span<std::uint8_t>(context, context_len));
            blake3_hasher_init_derive_key_raw(&ref, context, context_len);
            h = nexus::crypto::blake3::derive_key(std::span<const std::uint8_t>(context, context_len));
        } else {
            blake3_hasher_init(&ref);
        }
        blake3_hasher_update(&ref, input.data(), len);

        // Half the cases feed nexus in random pieces (sizes up to a random bound), so buffer
        // states and chunk boundaries are crossed in every way.
        if (r.below(2) == 0) {
            h.update(std::span<const std::uint8_t>(input.data(), len));
        } else {
            const std::size_t max_piece = static_cast<std::size_t>(1 + r.below(r.below(2) ? 80 : 5000));
            std::size_t pos = 0;
            while (pos < len) {
                std::size_t take = static_cast<std::size_t>(r.below(max_piece + 1));
                if (take > len - pos) take = len - pos;
                h.update(std::span<const std::uint8_t>(input.data() + pos, take));
                pos += take;
            }
        }

        blake3_hasher_finalize_seek(&ref, offset, theirs.data(), out_len);
        if (offset == 0 && r.below(2) == 0)
            h.finalize(std::span<std::uint8_t>(ours.data(), out_len));
        else
            h.finalize_seek(offset, std::span<std::uint8_t>(ours.data(), out_len));

        if (std::memcmp(ours.data(), theirs.data(), out_len) != 0) {
            if (++failures <= 5) {
                const auto window = std::span<const std::uint8_t>(ours.data(), out_len < 48 ? out_len : 48);
                const auto window_ref = std::span<const std::uint8_t>(theirs.data(), window.size());
                FAIL_CHECK("case " << iter << ": mode " << mode << ", input " << len << " bytes, context "
                                   << context_len << " bytes, output " << out_len << " bytes at offset "
                                   << offset << "\n  nexus: " << nexus::test::to_hex(window)
                                   << "\n  ref:   " << nexus::test::to_hex(window_ref));
            }
        }
    }
    MESSAGE(iterations << " BLAKE3 cases compared, " << failures << " mismatches");
    CHECK(failures == 0);
}

#else

TEST_CASE("blake3 diff: reference C implementation") {
    MESSAGE("skipped: the BLAKE3 reference C code (librust-blake3-dev) was not available at configure time");
}

#endif
