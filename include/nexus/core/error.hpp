// nexus::error — the one error enum every fallible operation of the library returns (DESIGN §3.3).
#pragma once

#include <cstdint>
#include <string_view>

namespace nexus {

enum class error : std::uint8_t {
    buffer_too_small = 1,  ///< the caller's output buffer cannot hold the result
    truncated,             ///< input ended before a complete structure was read
    invalid_argument,      ///< a parameter is outside its documented domain
    invalid_length,        ///< an input has a length the operation does not accept
    bad_encoding,          ///< bytes do not form a valid encoding (bad hex digit, bad point, ...)
    out_of_range,          ///< an index or value lies outside the valid range
    full,                  ///< a fixed-capacity container has no free slot
    empty,                 ///< nothing to take from an empty container
    not_found,             ///< the key or item does not exist
    auth_failed,           ///< a MAC, tag or signature did not verify
    weak_key,              ///< a key or shared secret is degenerate (e.g. all-zero X25519 output)
    io_failed,             ///< an integrator-supplied policy reported failure
    unsupported,           ///< a version, type or feature this build does not implement
    replayed,              ///< an authenticated message was seen before (replay window)
    bad_state,             ///< the operation is not valid in the object's current state
};

/// A short, stable, human-readable name; never empty, never allocates.
constexpr std::string_view to_string(error e) noexcept {
    switch (e) {
        case error::buffer_too_small:
            return "buffer too small";
        case error::truncated:
            return "truncated input";
        case error::invalid_argument:
            return "invalid argument";
        case error::invalid_length:
            return "invalid length";
        case error::bad_encoding:
            return "bad encoding";
        case error::out_of_range:
            return "out of range";
        case error::full:
            return "container full";
        case error::empty:
            return "container empty";
        case error::not_found:
            return "not found";
        case error::auth_failed:
            return "authentication failed";
        case error::weak_key:
            return "weak key";
        case error::io_failed:
            return "i/o failed";
        case error::unsupported:
            return "unsupported";
        case error::replayed:
            return "replayed message";
        case error::bad_state:
            return "not valid in this state";
    }
    return "unknown error";
}

}  // namespace nexus
