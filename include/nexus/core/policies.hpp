// The policy concepts through which an integrator supplies time, randomness, links and
// persistence (DESIGN §3.4). Protocol code is templated on these and calls nothing else.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/result.hpp"
#include "nexus/core/time.hpp"

namespace nexus {

/// A monotonic clock in milliseconds. (Not named `clock`: that collides with ::clock from <ctime>
/// in any scope with `using namespace nexus`.) Only the integrator's event loop reads it; protocol
/// objects are handed `now` explicitly (sans-I/O).
template <class C>
concept monotonic_clock = requires(const C& c) {
    { c.now() } -> std::same_as<timestamp>;
};

/// A source of random bytes; for key generation it must be a CSPRNG.
template <class R>
concept random_source = requires(R& r, std::span<std::uint8_t> out) {
    r.fill(out);
};

/// One link-layer attachment (a radio, a UDP socket, a serial port, a simulated medium).
/// Not named `interface`: Windows headers define that as a macro.
template <class I>
concept network_interface = requires(I& i, const I& ci, std::span<const std::uint8_t> frame) {
    { i.send(frame) } -> std::same_as<result<void>>;
    { ci.mtu() } -> std::convertible_to<std::size_t>;
    { ci.bitrate_bps() } -> std::convertible_to<std::uint32_t>;
};

/// Small keyed persistent storage (identities, channel states, ledger snapshots).
/// load returns the value's length; a value longer than `out` is buffer_too_small and a
/// missing key not_found.
template <class S>
concept storage = requires(S& s, std::string_view key, std::span<const std::uint8_t> value,
                           std::span<std::uint8_t> out) {
    { s.store(key, value) } -> std::same_as<result<void>>;
    { s.load(key, out) } -> std::same_as<result<std::size_t>>;
    { s.erase(key) } -> std::same_as<result<void>>;
};

}  // namespace nexus
