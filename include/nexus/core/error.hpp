// nexus::error — the one error enum every fallible operation of the library returns (DESIGN §3.3),
// with its stable name (name) and its human text (to_string), both read from one table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace nexus {

// The values are ABI (the C nexus_status codes, Python's NexusError.status): a new error goes at
// the end, with its entry at the end of detail::error_table and the check below naming it.
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

namespace detail {

struct error_entry {
    error code;
    std::string_view name;  ///< snake_case, the enumerator's own spelling
    std::string_view text;  ///< for people
};

// The one table of error names: the C ABI (nexus_status_name / nexus_status_string), the Python
// exception classes and the JavaScript NexusError codes all read it, so they cannot drift apart.
// Entry i holds the error whose value is i + 1 (checked below).
inline constexpr error_entry error_table[] = {
    {error::buffer_too_small, "buffer_too_small", "buffer too small"},
    {error::truncated, "truncated", "truncated input"},
    {error::invalid_argument, "invalid_argument", "invalid argument"},
    {error::invalid_length, "invalid_length", "invalid length"},
    {error::bad_encoding, "bad_encoding", "bad encoding"},
    {error::out_of_range, "out_of_range", "out of range"},
    {error::full, "full", "container full"},
    {error::empty, "empty", "container empty"},
    {error::not_found, "not_found", "not found"},
    {error::auth_failed, "auth_failed", "authentication failed"},
    {error::weak_key, "weak_key", "weak key"},
    {error::io_failed, "io_failed", "i/o failed"},
    {error::unsupported, "unsupported", "unsupported"},
    {error::replayed, "replayed", "replayed message"},
    {error::bad_state, "bad_state", "not valid in this state"},
};

constexpr bool error_table_in_order() noexcept {
    for (std::size_t i = 0; i < std::size(error_table); ++i)
        if (static_cast<std::size_t>(error_table[i].code) != i + 1) return false;
    return std::size(error_table) == static_cast<std::size_t>(error::bad_state);
}
static_assert(error_table_in_order(), "error_table: entry i must be the error of value i + 1, one per error");

/// The table entry of e, or nullptr for a value that is not an error.
constexpr const error_entry* find_error(error e) noexcept {
    const std::size_t i = static_cast<std::size_t>(e) - 1;  // 0 wraps to a huge index: not found
    return i < std::size(error_table) ? &error_table[i] : nullptr;
}

}  // namespace detail

/// The stable snake_case name of an error ("buffer_too_small", "replayed", ...): what the
/// bindings' error codes are; "unknown" for a value that is no error. Never allocates.
constexpr std::string_view name(error e) noexcept {
    const detail::error_entry* entry = detail::find_error(e);
    return entry != nullptr ? entry->name : "unknown";
}

/// A short, stable, human-readable text ("buffer too small"); never empty, never allocates.
/// Both strings are views of literals, so data() is NUL-terminated (the C ABI relies on it).
constexpr std::string_view to_string(error e) noexcept {
    const detail::error_entry* entry = detail::find_error(e);
    return entry != nullptr ? entry->text : "unknown error";
}

}  // namespace nexus
