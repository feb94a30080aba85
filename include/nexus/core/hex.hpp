// Hexadecimal encoding of byte strings (lower-case out, either case in), allocation-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/result.hpp"

namespace nexus {

/// Writes 2·in.size() lower-case hex digits to `out`; returns the number of characters written.
constexpr result<std::size_t> hex_encode(std::span<const std::uint8_t> in, std::span<char> out) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    if (out.size() / 2 < in.size()) return fail(error::buffer_too_small);
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    return 2 * in.size();
}

namespace detail {
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace detail

/// Decodes hex digits into `out`; returns the number of bytes written. Odd length or a
/// non-hex character is bad_encoding; `out` is untouched on any error.
constexpr result<std::size_t> hex_decode(std::string_view in, std::span<std::uint8_t> out) noexcept {
    if (in.size() % 2 != 0) return fail(error::bad_encoding);
    if (out.size() < in.size() / 2) return fail(error::buffer_too_small);
    for (char c : in)
        if (detail::hex_value(c) < 0) return fail(error::bad_encoding);
    for (std::size_t i = 0; i < in.size() / 2; ++i)
        out[i] =
            static_cast<std::uint8_t>(detail::hex_value(in[2 * i]) << 4 | detail::hex_value(in[2 * i + 1]));
    return in.size() / 2;
}

}  // namespace nexus
