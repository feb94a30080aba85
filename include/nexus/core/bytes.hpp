// Bounds-checked byte reader and writer with explicit big- and little-endian integers.
// Every wire codec (DESIGN §3.5) is written on these; a failed read or write leaves the cursor
// where it was, so a caller can report the error with the state unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/core/endian.hpp"
#include "nexus/core/result.hpp"

namespace nexus {

class byte_reader {
public:
    constexpr explicit byte_reader(std::span<const std::uint8_t> data) noexcept : data_(data) {}

    constexpr std::size_t position() const noexcept { return pos_; }
    constexpr std::size_t remaining() const noexcept { return data_.size() - pos_; }
    constexpr bool empty() const noexcept { return pos_ == data_.size(); }
    /// Everything not yet read, without consuming it.
    constexpr std::span<const std::uint8_t> rest() const noexcept { return data_.subspan(pos_); }

    constexpr result<std::uint8_t> u8() noexcept {
        if (remaining() < 1) return fail(error::truncated);
        return data_[pos_++];
    }
    constexpr result<std::uint16_t> u16_le() noexcept { return take<std::uint16_t, 2>(load16_le); }
    constexpr result<std::uint16_t> u16_be() noexcept { return take<std::uint16_t, 2>(load16_be); }
    constexpr result<std::uint32_t> u32_le() noexcept { return take<std::uint32_t, 4>(load32_le); }
    constexpr result<std::uint32_t> u32_be() noexcept { return take<std::uint32_t, 4>(load32_be); }
    constexpr result<std::uint64_t> u64_le() noexcept { return take<std::uint64_t, 8>(load64_le); }
    constexpr result<std::uint64_t> u64_be() noexcept { return take<std::uint64_t, 8>(load64_be); }

    /// The next n bytes as a view into the input (no copy).
    constexpr result<std::span<const std::uint8_t>> bytes(std::size_t n) noexcept {
        if (remaining() < n) return fail(error::truncated);
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    /// Fills `out` completely from the input.
    constexpr result<void> copy_to(std::span<std::uint8_t> out) noexcept {
        if (remaining() < out.size()) return fail(error::truncated);
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = data_[pos_ + i];
        pos_ += out.size();
        return ok();
    }
    constexpr result<void> skip(std::size_t n) noexcept {
        if (remaining() < n) return fail(error::truncated);
        pos_ += n;
        return ok();
    }
    /// Everything left, consumed.
    constexpr std::span<const std::uint8_t> take_rest() noexcept {
        auto s = rest();
        pos_ = data_.size();
        return s;
    }

private:
    template <class T, std::size_t N>
    constexpr result<T> take(T (*load)(const std::uint8_t*) noexcept) noexcept {
        if (remaining() < N) return fail(error::truncated);
        const T v = load(data_.data() + pos_);
        pos_ += N;
        return v;
    }

    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

class byte_writer {
public:
    constexpr explicit byte_writer(std::span<std::uint8_t> out) noexcept : out_(out) {}

    constexpr std::size_t size() const noexcept { return pos_; }
    constexpr std::size_t remaining() const noexcept { return out_.size() - pos_; }
    /// The bytes written so far.
    constexpr std::span<const std::uint8_t> written() const noexcept { return out_.first(pos_); }

    constexpr result<void> u8(std::uint8_t v) noexcept {
        if (remaining() < 1) return fail(error::buffer_too_small);
        out_[pos_++] = v;
        return ok();
    }
    constexpr result<void> u16_le(std::uint16_t v) noexcept { return put<std::uint16_t, 2>(store16_le, v); }
    constexpr result<void> u16_be(std::uint16_t v) noexcept { return put<std::uint16_t, 2>(store16_be, v); }
    constexpr result<void> u32_le(std::uint32_t v) noexcept { return put<std::uint32_t, 4>(store32_le, v); }
    constexpr result<void> u32_be(std::uint32_t v) noexcept { return put<std::uint32_t, 4>(store32_be, v); }
    constexpr result<void> u64_le(std::uint64_t v) noexcept { return put<std::uint64_t, 8>(store64_le, v); }
    constexpr result<void> u64_be(std::uint64_t v) noexcept { return put<std::uint64_t, 8>(store64_be, v); }

    constexpr result<void> bytes(std::span<const std::uint8_t> in) noexcept {
        if (remaining() < in.size()) return fail(error::buffer_too_small);
        for (std::size_t i = 0; i < in.size(); ++i) out_[pos_ + i] = in[i];
        pos_ += in.size();
        return ok();
    }
    constexpr result<void> fill(std::uint8_t v, std::size_t n) noexcept {
        if (remaining() < n) return fail(error::buffer_too_small);
        for (std::size_t i = 0; i < n; ++i) out_[pos_ + i] = v;
        pos_ += n;
        return ok();
    }

private:
    template <class T, std::size_t N>
    constexpr result<void> put(void (*store)(std::uint8_t*, T) noexcept, T v) noexcept {
        if (remaining() < N) return fail(error::buffer_too_small);
        store(out_.data() + pos_, v);
        pos_ += N;
        return ok();
    }

    std::span<std::uint8_t> out_;
    std::size_t pos_ = 0;
};

}  // namespace nexus
