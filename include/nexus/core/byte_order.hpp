// Byte-wise (memcmp) order of fixed-size byte arrays - hashes, keys - without a library call.
// Eight bytes at a time compared as big-endian words: the order memcmp and std::less of the
// arrays give, so sorted tables keep their order, at a fraction of the cost (std::less of a byte
// array is a call to memcmp with a run-time length; table lookups make millions of them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "nexus/core/endian.hpp"

namespace nexus {

/// <0, 0 or >0 as memcmp(a, b, N) is.
template <std::size_t N>
constexpr int compare_bytes(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= N; i += 8) {
        const std::uint64_t x = load64_be(a.data() + i), y = load64_be(b.data() + i);
        if (x != y) return x < y ? -1 : 1;
    }
    for (; i < N; ++i)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

/// A strict weak order for static_map and sorted tables: the same order as std::less.
struct bytes_less {
    template <std::size_t N>
    constexpr bool operator()(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b) const noexcept {
        return compare_bytes(a, b) < 0;
    }
};

}  // namespace nexus
