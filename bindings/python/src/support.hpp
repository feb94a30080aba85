// Shared by the Python extension's link, node and simulator bindings: the nexus error name of a
// refusal, and the random source a bound link or node owns.
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

/// The snake_case name of an error (the core's nexus::name), as nexus.errors classes carry it.
inline const char* error_name(nexus::error e) noexcept { return nexus::name(e).data(); }

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

/// Python-facing names of node event kinds: the core's (nexus/node/events.hpp), shared by the node
/// and simulator submodules.
inline const char* kind_name(nexus::node_event_kind k) noexcept { return nexus::to_string(k).data(); }

}  // namespace nexus::python
