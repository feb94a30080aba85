// nexus::sim::sim_profile: the NEXUS hash profile with memoised signature checks, for simulated
// meshes (a research tool: it allocates, unlike include/nexus).
//
// In a simulated mesh every receiver of a broadcast checks the same signature on the same bytes:
// a gossip summary heard by ten neighbours is verified ten times, an announce flooded through N
// nodes N times, and every check of an envelope's key repeats the large-order test (a full scalar
// multiplication). Both checks are pure functions of their inputs, so this profile computes each
// distinct one once and hands the stored answer to every later simulated node that asks: the nodes'
// decisions are exactly those of nexus_profile nodes, addresses and wire bytes are identical
// (same name, same BLAKE2b hasher), and a forged or altered message is still refused (a stored
// answer is only reused for the same key, signature and message, compared byte for byte).
//
// The memo is per thread (meshes on different threads never share it) and bounded: it is emptied
// when it reaches memo_capacity entries, which only costs re-verification.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <unordered_map>
#include <vector>

#include "nexus/crypto/ed25519.hpp"
#include "nexus/identity/hash_profile.hpp"

namespace nexus::sim {

struct sim_profile : nexus_profile {
    /// Entries kept per memo before it is emptied.
    static constexpr std::size_t memo_capacity = 1u << 18;

    struct memo_stats {
        std::uint64_t verify_calls = 0, verify_computed = 0;
        std::uint64_t key_calls = 0, key_computed = 0;
    };

    static bool ed25519_verify(std::span<const std::uint8_t, 64> signature,
                               std::span<const std::uint8_t, 32> ed25519_public,
                               std::span<const std::uint8_t> message) noexcept {
        auto& m = memos();
        ++m.stats.verify_calls;
        // Found by the signature, then compared byte for byte (key, signature, whole message): an
        // altered or forged message can never be taken for a checked one.
        std::array<std::uint8_t, 96> k{};
        std::memcpy(k.data(), signature.data(), 64);
        std::memcpy(k.data() + 64, ed25519_public.data(), 32);
        auto [first, last] = m.verified.equal_range(k);
        for (auto it = first; it != last; ++it)
            if (it->second.message.size() == message.size() &&
                std::memcmp(it->second.message.data(), message.data(), message.size()) == 0)
                return it->second.ok;
        ++m.stats.verify_computed;
        const bool ok = crypto::ed25519_verify(signature, ed25519_public, message);
        if (m.verified.size() >= memo_capacity) m.verified.clear();
        m.verified.emplace(k, checked{std::vector<std::uint8_t>(message.begin(), message.end()), ok});
        return ok;
    }

    static bool ed25519_key_usable(std::span<const std::uint8_t, 32> ed25519_public) noexcept {
        auto& m = memos();
        ++m.stats.key_calls;
        std::array<std::uint8_t, 32> k{};
        std::memcpy(k.data(), ed25519_public.data(), k.size());
        if (auto it = m.keys.find(k); it != m.keys.end()) return it->second;
        ++m.stats.key_computed;
        std::array<std::uint8_t, 32> x{};
        const bool ok = crypto::ed25519_public_to_x25519(x, ed25519_public);
        if (m.keys.size() >= memo_capacity) m.keys.clear();
        m.keys.emplace(k, ok);
        return ok;
    }

    /// How many checks this thread asked for and how many it computed.
    static memo_stats stats() noexcept { return memos().stats; }

private:
    struct checked {
        std::vector<std::uint8_t> message;
        bool ok = false;
    };
    struct bytes_hash {
        template <std::size_t N>
        std::size_t operator()(const std::array<std::uint8_t, N>& a) const noexcept {
            std::uint64_t v = 0;
            std::memcpy(&v, a.data(), sizeof v);  // the bytes are a digest or a public key
            return static_cast<std::size_t>(v);
        }
    };
    struct memo_state {
        std::unordered_multimap<std::array<std::uint8_t, 96>, checked, bytes_hash> verified;
        std::unordered_map<std::array<std::uint8_t, 32>, bool, bytes_hash> keys;
        memo_stats stats;
    };
    static memo_state& memos() noexcept {
        thread_local memo_state m;
        return m;
    }
};

}  // namespace nexus::sim
