// HDLC-like byte-stream framing, as Reticulum uses it on TCP and pipes
// (../shared/spec/reticulum-framing.md "Framing on byte streams"): a frame is FLAG (0x7E), the
// payload with 0x7D and 0x7E escaped as 0x7D, byte ^ 0x20, then FLAG. No CRC, no address or
// control field. docs/wire/framing.md describes the decoder's behaviour on bad input and how it
// differs from the reference implementation's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "nexus/core/result.hpp"

namespace nexus::wire::hdlc {

inline constexpr std::uint8_t flag = 0x7E;
inline constexpr std::uint8_t escape = 0x7D;
inline constexpr std::uint8_t escape_mask = 0x20;

/// Largest possible frame for an n-byte payload: every byte escaped, plus the two flags.
constexpr std::size_t max_encoded_size(std::size_t n) noexcept { return 2 * n + 2; }

/// Exact frame size for this payload.
constexpr std::size_t encoded_size(std::span<const std::uint8_t> payload) noexcept {
    std::size_t n = 2;
    for (const std::uint8_t b : payload) n += (b == flag || b == escape) ? 2 : 1;
    return n;
}

/// Writes one complete frame (opening flag, escaped payload, closing flag) to the front of `out`
/// and returns its size. buffer_too_small, with `out` untouched, when it does not fit. An empty
/// payload gives the two-flag frame 7E 7E, which a receiver skips.
constexpr result<std::size_t> encode(std::span<const std::uint8_t> payload,
                                     std::span<std::uint8_t> out) noexcept {
    const std::size_t size = encoded_size(payload);
    if (out.size() < size) return fail(error::buffer_too_small);
    std::size_t i = 0;
    out[i++] = flag;
    for (const std::uint8_t b : payload) {
        if (b == flag || b == escape) {
            out[i++] = escape;
            out[i++] = static_cast<std::uint8_t>(b ^ escape_mask);
        } else {
            out[i++] = b;
        }
    }
    out[i++] = flag;
    return i;
}

}  // namespace nexus::wire::hdlc

namespace nexus::wire {

/// Streaming HDLC deframer with a fixed frame buffer of `Capacity` payload bytes, no heap.
///
/// Bytes go in one at a time (`push`) or in chunks of any size (`feed`); a frame split across
/// chunks at any point decodes the same. A completed frame is handed out as a span into the
/// decoder's own buffer, valid until the next call to push, feed or reset.
///
/// Behaviour (docs/wire/framing.md):
/// - bytes before the first flag are discarded (`discarded()` counts them);
/// - a flag both closes a frame and opens the next, so back-to-back frames may share one;
/// - empty frames (two flags in a row) are skipped silently;
/// - a frame whose payload exceeds Capacity is dropped (`oversized()`), and decoding resumes at
///   the next flag;
/// - an escape followed by anything but 0x5E or 0x5D, or by the closing flag, drops the frame
///   (`invalid_escapes()`); a flag after an escape still opens the next frame.
/// Counters wrap at 2^32.
template <std::size_t Capacity>
class hdlc_decoder {
    static_assert(Capacity > 0, "an HDLC decoder needs room for at least one byte");

public:
    using frame = std::span<const std::uint8_t>;

    static constexpr std::size_t capacity() noexcept { return Capacity; }

    /// Takes one byte; returns the frame this byte completed, if any.
    constexpr std::optional<frame> push(std::uint8_t b) noexcept {
        switch (state_) {
            case state::hunting:
                if (b == hdlc::flag) {
                    start_frame();
                } else {
                    ++discarded_;
                }
                return std::nullopt;
            case state::in_frame:
                if (b == hdlc::flag) {
                    const std::size_t n = len_;
                    start_frame();
                    if (n == 0) return std::nullopt;
                    ++frames_;
                    return frame(buf_.data(), n);
                }
                if (b == hdlc::escape) {
                    state_ = state::after_escape;
                } else {
                    store(b);
                }
                return std::nullopt;
            case state::after_escape:
                if (b == hdlc::flag) {  // a frame ending in a lone escape is not a frame
                    ++invalid_escapes_;
                    start_frame();
                } else if (b == (hdlc::flag ^ hdlc::escape_mask) || b == (hdlc::escape ^ hdlc::escape_mask)) {
                    state_ = state::in_frame;
                    store(static_cast<std::uint8_t>(b ^ hdlc::escape_mask));
                } else {
                    ++invalid_escapes_;
                    state_ = state::dropping;
                }
                return std::nullopt;
            case state::dropping:
                if (b == hdlc::flag) start_frame();
                return std::nullopt;
        }
        return std::nullopt;
    }

    /// Takes a chunk of bytes and calls `on_frame(frame)` for every frame completed in it, in
    /// order; the span passed is valid only during that call. Returns the number of frames.
    template <class OnFrame>
    constexpr std::size_t feed(std::span<const std::uint8_t> bytes,
                               OnFrame&& on_frame) noexcept(std::is_nothrow_invocable_v<OnFrame&, frame>) {
        std::size_t n = 0;
        for (const std::uint8_t b : bytes) {
            if (const auto f = push(b)) {
                on_frame(*f);
                ++n;
            }
        }
        return n;
    }

    /// Back to the initial state (hunting for a flag); counters are kept.
    constexpr void reset() noexcept {
        state_ = state::hunting;
        len_ = 0;
    }

    /// Whether the decoder has seen a flag since construction or the last reset.
    constexpr bool synchronised() const noexcept { return state_ != state::hunting; }

    constexpr std::uint32_t frames() const noexcept { return frames_; }        ///< delivered
    constexpr std::uint32_t oversized() const noexcept { return oversized_; }  ///< dropped: too long
    constexpr std::uint32_t invalid_escapes() const noexcept {
        return invalid_escapes_;
    }  ///< dropped: bad escape
    constexpr std::uint32_t discarded() const noexcept {
        return discarded_;
    }  ///< bytes before the first flag

private:
    enum class state : std::uint8_t { hunting, in_frame, after_escape, dropping };

    constexpr void start_frame() noexcept {
        state_ = state::in_frame;
        len_ = 0;
    }

    constexpr void store(std::uint8_t b) noexcept {
        if (len_ == Capacity) {
            ++oversized_;
            state_ = state::dropping;
            return;
        }
        buf_[len_++] = b;
    }

    std::array<std::uint8_t, Capacity> buf_{};
    std::size_t len_ = 0;
    state state_ = state::hunting;
    std::uint32_t frames_ = 0;
    std::uint32_t oversized_ = 0;
    std::uint32_t invalid_escapes_ = 0;
    std::uint32_t discarded_ = 0;
};

}  // namespace nexus::wire
