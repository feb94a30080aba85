// Test-only support for differential tests: a deterministic generator and the case count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace nexus::test {

/// Cases per primitive in a differential test: 100,000 by default (what CI runs);
/// set NEXUS_DIFF_ITERATIONS for a longer run by hand.
inline std::size_t diff_iterations() {
    if (const char* s = std::getenv("NEXUS_DIFF_ITERATIONS")) {
        char* end = nullptr;
        unsigned long long v = std::strtoull(s, &end, 10);
        if (end != s && v > 0) return static_cast<std::size_t>(v);
    }
    return 100000;
}

/// xoshiro256** seeded through splitmix64: reproducible inputs for a given seed.
class rng {
public:
    explicit rng(std::uint64_t seed = 0x6e65787573ULL) noexcept {
        for (auto& w : s_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            w = z ^ (z >> 31);
        }
    }
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform-enough value in [0, bound) for test input sizes.
    std::uint64_t below(std::uint64_t bound) noexcept { return bound ? next() % bound : 0; }
    void fill(std::span<std::uint8_t> out) noexcept {
        for (std::size_t i = 0; i < out.size(); i += 8) {
            std::uint64_t v = next();
            for (std::size_t j = 0; j < 8 && i + j < out.size(); ++j)
                out[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

}  // namespace nexus::test
