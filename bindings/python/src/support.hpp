// Shared by the Python extension's link and node bindings: the nexus error name a refused call
// raises with, and the random source a bound link or node owns.
#pragma once

#include <nexus/core/error.hpp>
#include <nexus/core/reference_policies.hpp>
#include <nexus/crypto/ct.hpp>
#include <nexus/link/link.hpp>
#include <nexus/node.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>

#include <sys/random.h>
#include <unistd.h>

namespace nexus::python {

/// The snake_case name of an error, as the Python exception classes carry it.
inline const char* error_name(nexus::error e) noexcept {
    switch (e) {
        case nexus::error::buffer_too_small:
            return "buffer_too_small";
        case nexus::error::truncated:
            return "truncated";
        case nexus::error::invalid_argument:
            return "invalid_argument";
        case nexus::error::invalid_length:
            return "invalid_length";
        case nexus::error::bad_encoding:
            return "bad_encoding";
        case nexus::error::out_of_range:
            return "out_of_range";
        case nexus::error::full:
            return "full";
        case nexus::error::empty:
            return "empty";
        case nexus::error::not_found:
            return "not_found";
        case nexus::error::auth_failed:
            return "auth_failed";
        case nexus::error::weak_key:
            return "weak_key";
        case nexus::error::io_failed:
            return "io_failed";
        case nexus::error::unsupported:
            return "unsupported";
        case nexus::error::replayed:
            return "replayed";
        case nexus::error::bad_state:
            return "bad_state";
    }
    return "unknown";
}

/// The random source of a bound link or node: the operating system's (getentropy), or
/// seeded_random(seed) for reproducible simulations (never for real keys). A failing system source
/// aborts: keys must never come from bytes that are not random.
class binding_random {
public:
    explicit binding_random(std::optional<std::uint64_t> seed) noexcept
        : deterministic_(seed.has_value()), seeded_(seed.value_or(0)) {}
    ~binding_random() { nexus::crypto::secure_wipe_object(seeded_); }
    binding_random(const binding_random&) = delete;
    binding_random& operator=(const binding_random&) = delete;

    void fill(std::span<std::uint8_t> out) noexcept {
        if (deterministic_) {
            seeded_.fill(out);
            return;
        }
        std::size_t i = 0;
        while (i < out.size()) {
            const std::size_t n = out.size() - i < 256 ? out.size() - i : 256;
            if (getentropy(out.data() + i, n) != 0) std::abort();
            i += n;
        }
    }

private:
    bool deterministic_;
    nexus::seeded_random seeded_;
};

/// Python-facing names of node event kinds (shared by the node and simulator submodules; close
/// reasons use nexus::to_string).
inline const char* kind_name(nexus::node_event_kind k) noexcept {
    switch (k) {
        case nexus::node_event_kind::none:
            return "none";
        case nexus::node_event_kind::announce:
            return "announce";
        case nexus::node_event_kind::link_request:
            return "link_request";
        case nexus::node_event_kind::link_established:
            return "link_established";
        case nexus::node_event_kind::link_identified:
            return "link_identified";
        case nexus::node_event_kind::link_data:
            return "link_data";
        case nexus::node_event_kind::link_rotated:
            return "link_rotated";
        case nexus::node_event_kind::link_closed:
            return "link_closed";
        case nexus::node_event_kind::forwarded:
            return "forwarded";
    }
    return "unknown";
}

}  // namespace nexus::python
