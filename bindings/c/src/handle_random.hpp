// The random source of a C-ABI handle that needs one (links, nodes): the operating system's
// (getentropy), or seeded_random(seed) for reproducible simulations — never for real keys.
#pragma once

#include <nexus/core/reference_policies.hpp>
#include <nexus/crypto/ct.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#if defined(__EMSCRIPTEN__) || defined(__linux__) || defined(__APPLE__)
#include <sys/random.h>
#include <unistd.h>
#endif

namespace nexus::c_binding {

class handle_random {
public:
    handle_random(bool deterministic, std::uint64_t seed) noexcept : deterministic_(deterministic), seeded_(seed) {}
    ~handle_random() { nexus::crypto::secure_wipe_object(seeded_); }
    handle_random(const handle_random&) = delete;
    handle_random& operator=(const handle_random&) = delete;

    void fill(std::span<std::uint8_t> out) noexcept {
        if (deterministic_) {
            seeded_.fill(out);
            return;
        }
        os_fill(out);
    }

    // getentropy takes at most 256 bytes a call. A failing system source ends the process: keys
    // must never come from bytes that are not random.
    static void os_fill(std::span<std::uint8_t> out) noexcept {
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

}  // namespace nexus::c_binding
