// KISS framing for serial ports and radio modems/TNCs, as Reticulum uses it
// (../shared/spec/reticulum-framing.md "Framing on byte streams"): a frame is FEND (0xC0), a
// command byte (high nibble port, low nibble command; 0x00 = data on port 0), the payload with
// FESC (0xDB) sent as FESC TFESC (DB DD) and FEND sent as FESC TFEND (DB DC), then FEND.
// docs/wire/framing.md describes the decoder's behaviour on bad input and how it differs from the
// reference implementation's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "nexus/core/result.hpp"

namespace nexus::wire::kiss {

inline constexpr std::uint8_t fend = 0xC0;
inline constexpr std::uint8_t fesc = 0xDB;
inline constexpr std::uint8_t tfend = 0xDC;
inline constexpr std::uint8_t tfesc = 0xDD;
inline constexpr std::uint8_t cmd_data = 0x00;
/// Decoder port filter that accepts data frames for every port, as Reticulum does.
inline constexpr std::uint8_t any_port = 0xFF;

/// Largest possible frame for an n-byte payload: FEND, command, every byte escaped, FEND.
constexpr std::size_t max_encoded_size(std::size_t n) noexcept { return 2 * n + 3; }

/// Exact frame size for this payload.
constexpr std::size_t encoded_size(std::span<const std::uint8_t> payload) noexcept {
    std::size_t n = 3;
    for (const std::uint8_t b : payload) n += (b == fend || b == fesc) ? 2 : 1;
    return n;
}

/// Writes one complete data frame (FEND, command byte port << 4 | 0, escaped payload, FEND) to the
/// front of `out` and returns its size. Reticulum always sends port 0 (command byte 0x00).
/// buffer_too_small, with `out` untouched, when it does not fit; invalid_argument for port > 15
/// and for port 12, whose data command byte would be 0xC0, a FEND (the command byte is not
/// escaped, so no receiver could tell it from a frame boundary).
constexpr result<std::size_t> encode(std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
                                     std::uint8_t port = 0) noexcept {
    if (port > 15 || port == (fend >> 4)) return fail(error::invalid_argument);
    const std::size_t size = encoded_size(payload);
    if (out.size() < size) return fail(error::buffer_too_small);
    std::size_t i = 0;
    out[i++] = fend;
    out[i++] = static_cast<std::uint8_t>(port << 4 | cmd_data);
    for (const std::uint8_t b : payload) {
        if (b == fend) {
            out[i++] = fesc;
            out[i++] = tfend;
        } else if (b == fesc) {
            out[i++] = fesc;
            out[i++] = tfesc;
        } else {
            out[i++] = b;
        }
    }
    out[i++] = fend;
    return i;
}

}  // namespace nexus::wire::kiss

namespace nexus::wire {

/// Streaming KISS deframer with a fixed frame buffer of `Capacity` payload bytes, no heap.
///
/// Bytes go in one at a time (`push`) or in chunks of any size (`feed`); a frame split across
/// chunks at any point decodes the same. A completed frame's payload (without the command byte) is
/// handed out as a span into the decoder's own buffer, valid until the next push, feed or reset.
///
/// Behaviour (docs/wire/framing.md):
/// - bytes before the first FEND are discarded (`discarded()`);
/// - a FEND closes a frame and opens the next, so back-to-back frames may share one;
/// - the byte after FEND is the command byte: command = byte & 0x0F, port = byte >> 4. Only data
///   frames (command 0) for the configured port (default 0; `kiss::any_port` accepts every port,
///   as Reticulum does) are delivered; any other frame is skipped up to the next FEND and counted
///   in `ignored()`;
/// - empty frames (FEND FEND, or a data frame with no payload) are skipped silently;
/// - a payload longer than Capacity is dropped (`oversized()`); decoding resumes at the next FEND;
/// - FESC followed by anything but TFEND or TFESC drops the frame (`invalid_escapes()`); a FEND
///   right after FESC counts the same and still opens the next frame.
/// Counters wrap at 2^32.
template <std::size_t Capacity>
class kiss_decoder {
    static_assert(Capacity > 0, "a KISS decoder needs room for at least one byte");

public:
    using frame = std::span<const std::uint8_t>;

    /// `port`: 0..15 to accept data frames for that port only, or kiss::any_port. (Port 12 never
    /// matches: its data command byte is 0xC0, which is a FEND; other values match nothing.)
    constexpr explicit kiss_decoder(std::uint8_t port = 0) noexcept : port_(port) {}

    static constexpr std::size_t capacity() noexcept { return Capacity; }

    /// Takes one byte; returns the frame this byte completed, if any.
    constexpr std::optional<frame> push(std::uint8_t b) noexcept {
        if (b == kiss::fend) {
            // Whatever was in progress ends here; the FEND opens the next frame.
            const state was = state_;
            const std::size_t n = len_;
            state_ = state::command;
            len_ = 0;
            if (was == state::hunting) return std::nullopt;
            if (was == state::after_escape) ++invalid_escapes_;
            if (was != state::data || n == 0) return std::nullopt;
            ++frames_;
            return frame(buf_.data(), n);
        }
        switch (state_) {
            case state::hunting:
                ++discarded_;
                break;
            case state::command: {
                const std::uint8_t command = b & 0x0F;
                const std::uint8_t port = static_cast<std::uint8_t>(b >> 4);
                if (command == kiss::cmd_data && (port_ == kiss::any_port || port == port_)) {
                    state_ = state::data;
                } else {
                    ++ignored_;
                    state_ = state::skipping;
                }
                break;
            }
            case state::data:
                if (b == kiss::fesc) {
                    state_ = state::after_escape;
                } else {
                    store(b);
                }
                break;
            case state::after_escape:
                if (b == kiss::tfend) {
                    state_ = state::data;
                    store(kiss::fend);
                } else if (b == kiss::tfesc) {
                    state_ = state::data;
                    store(kiss::fesc);
                } else {
                    ++invalid_escapes_;
                    state_ = state::skipping;
                }
                break;
            case state::skipping:
                break;
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

    /// Back to the initial state (hunting for a FEND); counters and the port filter are kept.
    constexpr void reset() noexcept {
        state_ = state::hunting;
        len_ = 0;
    }

    /// Whether the decoder has seen a FEND since construction or the last reset.
    constexpr bool synchronised() const noexcept { return state_ != state::hunting; }
    constexpr std::uint8_t port() const noexcept { return port_; }

    constexpr std::uint32_t frames() const noexcept { return frames_; }        ///< delivered
    constexpr std::uint32_t oversized() const noexcept { return oversized_; }  ///< dropped: too long
    constexpr std::uint32_t invalid_escapes() const noexcept {
        return invalid_escapes_;
    }                                                                      ///< dropped: bad escape
    constexpr std::uint32_t ignored() const noexcept { return ignored_; }  ///< not data, or another port
    constexpr std::uint32_t discarded() const noexcept {
        return discarded_;
    }  ///< bytes before the first FEND

private:
    // skipping: inside a frame that will not be delivered (ignored command, bad escape, too long).
    enum class state : std::uint8_t { hunting, command, data, after_escape, skipping };

    constexpr void store(std::uint8_t b) noexcept {
        if (len_ == Capacity) {
            ++oversized_;
            state_ = state::skipping;
            return;
        }
        buf_[len_++] = b;
    }

    std::array<std::uint8_t, Capacity> buf_{};
    std::size_t len_ = 0;
    state state_ = state::hunting;
    std::uint8_t port_ = 0;
    std::uint32_t frames_ = 0;
    std::uint32_t oversized_ = 0;
    std::uint32_t invalid_escapes_ = 0;
    std::uint32_t ignored_ = 0;
    std::uint32_t discarded_ = 0;
};

}  // namespace nexus::wire
