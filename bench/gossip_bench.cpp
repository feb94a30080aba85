// Gossip bloom filter throughput (nexus/gossip/bloom.hpp) and its measured false-positive rate.
// Prints one line per figure, "<name> value=<x> unit=<u>":
//   bloom_insert   inserts of 32-byte keys per second (one BLAKE3 keyed hash each)
//   bloom_query    maybe_contains of 32-byte keys per second (half members, half not)
//   bloom_fpr      measured FPR of a 1,000-entry filter sized for 1 % (k = 3), on 1,000,000
//                  random non-members
// No reference library: the figure of interest is the cost per item of a gossip summary.
//
// Build: the `gossip_bench` target of bench/CMakeLists.txt, or by hand:
//   g++-12 -std=c++20 -O2 -I include bench/gossip_bench.cpp -o gossip_bench
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "nexus/gossip/bloom.hpp"

namespace {

namespace g = nexus::gossip;
using key = std::array<std::uint8_t, 32>;

// splitmix64: deterministic keys.
struct keygen {
    std::uint64_t s;
    key next() noexcept {
        key k{};
        for (std::size_t i = 0; i < 32; i += 8) {
            std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            z ^= z >> 31;
            for (std::size_t j = 0; j < 8; ++j) k[i + j] = static_cast<std::uint8_t>(z >> (8 * j));
        }
        return k;
    }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
    constexpr std::size_t n_keys = 4096;
    keygen gen{42};
    std::vector<key> keys(n_keys), others(n_keys);
    for (auto& k : keys) k = gen.next();
    for (auto& k : others) k = gen.next();

    g::bloom<g::bloom_max_bytes> f(g::bloom_bytes_for(1000), 7);
    // Warm up, then time at least ~0.5 s of each operation.
    for (const auto& k : keys) f.insert(k);

    std::size_t ops = 0;
    auto t0 = std::chrono::steady_clock::now();
    double dt = 0;
    do {
        for (const auto& k : keys) f.insert(k);
        ops += n_keys;
        dt = seconds_since(t0);
    } while (dt < 0.5);
    std::printf("bloom_insert value=%.0f unit=ops/s\n", double(ops) / dt);

    std::size_t hits = 0;
    ops = 0;
    t0 = std::chrono::steady_clock::now();
    do {
        for (std::size_t i = 0; i < n_keys; ++i) hits += f.maybe_contains((i & 1) ? keys[i] : others[i]);
        ops += n_keys;
        dt = seconds_since(t0);
    } while (dt < 0.5);
    std::printf("bloom_query value=%.0f unit=ops/s\n", double(ops) / dt);

    g::bloom<g::bloom_max_bytes> sized(g::bloom_bytes_for(1000), 99);
    for (std::size_t i = 0; i < 1000; ++i) sized.insert(keys[i]);
    std::size_t fp = 0;
    constexpr std::size_t trials = 1'000'000;
    for (std::size_t i = 0; i < trials; ++i) fp += sized.maybe_contains(gen.next());
    std::printf("bloom_fpr value=%.3f unit=percent\n", 100.0 * double(fp) / double(trials));
    return hits == 0 ? 1 : 0;  // keeps the queries observable
}
