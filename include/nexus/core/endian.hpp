// Explicit-byte-order integer loads and stores on raw byte pointers.
// Used by the wire codecs and the crypto primitives; independent of the host's byte order.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nexus {

constexpr std::uint16_t load16_le(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
constexpr std::uint16_t load16_be(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
constexpr std::uint32_t load32_le(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
constexpr std::uint32_t load32_be(const std::uint8_t* p) noexcept {
    return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
           (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}
constexpr std::uint64_t load64_le(const std::uint8_t* p) noexcept {
    return static_cast<std::uint64_t>(load32_le(p)) | (static_cast<std::uint64_t>(load32_le(p + 4)) << 32);
}
constexpr std::uint64_t load64_be(const std::uint8_t* p) noexcept {
    return (static_cast<std::uint64_t>(load32_be(p)) << 32) | static_cast<std::uint64_t>(load32_be(p + 4));
}

constexpr void store16_le(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}
constexpr void store16_be(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
constexpr void store32_le(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
constexpr void store32_be(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
constexpr void store64_le(std::uint8_t* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
constexpr void store64_be(std::uint8_t* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

constexpr std::uint32_t rotl32(std::uint32_t x, int n) noexcept { return (x << n) | (x >> ((32 - n) & 31)); }
constexpr std::uint32_t rotr32(std::uint32_t x, int n) noexcept { return (x >> n) | (x << ((32 - n) & 31)); }
constexpr std::uint64_t rotr64(std::uint64_t x, int n) noexcept { return (x >> n) | (x << ((64 - n) & 63)); }

}  // namespace nexus
