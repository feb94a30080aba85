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
// A signature one of this profile's identities makes is entered as checked when it is made
// (ed25519_signed, hash_profile.hpp): the verdict of RFC 8032's verification on a signature its
// signing algorithm produced is "valid" by construction, given the key pair it was made with (the
// identity's own, derived from its seed) - S = r + k s is canonical, [S]B = R + [k]A holds - and
// the two remaining refusals of crypto::ed25519_verify, a small-order R and a non-canonical S, are
// tested on the bytes before the entry is made. So honest traffic in a simulated mesh costs its
// signers one signature each and nobody a verification; anything else - a forgery, an altered
// byte, a key that did not make it - still has no entry and is verified for real.
//
// The memos are per thread (meshes on different threads never share them) and bounded. The
// signature memo keeps the memo_capacity most recent checks in a ring, so what a broadcast's
// receivers look up moments after it was sent is still in the processor's caches; a check that
// has fallen out of it, or whose message is longer than a packet, is simply verified again.
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
#include "nexus/wire/packet.hpp"

namespace nexus::sim {

struct sim_profile : nexus_profile {
    /// Signature checks kept per thread (the most recent ones); key checks kept before that memo
    /// is emptied.
    static constexpr std::size_t memo_capacity = 1u << 15;
    static constexpr std::size_t key_memo_capacity = 1u << 18;
    /// Longest message a signature check is kept for: a whole packet.
    static constexpr std::size_t max_message = wire::mtu;

    struct memo_stats {
        std::uint64_t verify_calls = 0, verify_computed = 0;
        std::uint64_t key_calls = 0, key_computed = 0;
        std::uint64_t signed_entered = 0;  ///< signatures entered as checked when made
    };

    static bool ed25519_verify(std::span<const std::uint8_t, 64> signature,
                               std::span<const std::uint8_t, 32> ed25519_public,
                               std::span<const std::uint8_t> message) noexcept {
        auto& m = memos();
        ++m.stats.verify_calls;
        if (const auto* c = m.checks.find(signature, ed25519_public, message)) return c->ok;
        ++m.stats.verify_computed;
        const bool ok = crypto::ed25519_verify(signature, ed25519_public, message);
        m.checks.insert(signature, ed25519_public, message, ok);
        return ok;
    }

    /// An identity of this profile signed `message` (identity.hpp): its verification is known.
    static void ed25519_signed(std::span<const std::uint8_t, 64> signature,
                               std::span<const std::uint8_t, 32> ed25519_public,
                               std::span<const std::uint8_t> message) noexcept {
        // The two refusals of crypto::ed25519_verify that do not follow from the signing equation:
        // S >= L cannot come out of sc_muladd and R is small-order only for r = 0 mod L, but the
        // entry is made only when the bytes show neither.
        if (!crypto::curve25519::sc_is_canonical(signature.last<32>()) ||
            crypto::curve25519::ge_is_small_order_encoding(signature.first<32>()))
            return;
        auto& m = memos();
        ++m.stats.signed_entered;
        if (m.checks.find(signature, ed25519_public, message) == nullptr)
            m.checks.insert(signature, ed25519_public, message, true);
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
        if (m.keys.size() >= key_memo_capacity) m.keys.clear();
        m.keys.emplace(k, ok);
        return ok;
    }

    /// How many checks this thread asked for and how many it computed.
    static memo_stats stats() noexcept { return memos().stats; }

private:
    /// The last memo_capacity signature checks: a ring of entries (the oldest is overwritten)
    /// indexed by a chained hash of the signature's first bytes (R: uniform for any honest signer).
    class check_ring {
    public:
        struct entry {
            std::array<std::uint8_t, 64> signature{};
            std::array<std::uint8_t, 32> key{};
            bool ok = false;
            bool used = false;
            std::uint16_t size = 0;
            std::uint32_t next = nil;  ///< next entry in the same bucket
            std::array<std::uint8_t, max_message> message{};
        };

        check_ring() : entries_(memo_capacity), heads_(buckets, nil) {}

        const entry* find(std::span<const std::uint8_t, 64> sig, std::span<const std::uint8_t, 32> key,
                          std::span<const std::uint8_t> message) const noexcept {
            if (message.size() > max_message) return nullptr;
            for (std::uint32_t i = heads_[bucket_of(sig)]; i != nil; i = entries_[i].next) {
                const entry& e = entries_[i];
                if (e.size == message.size() && std::memcmp(e.signature.data(), sig.data(), 64) == 0 &&
                    std::memcmp(e.key.data(), key.data(), 32) == 0 &&
                    std::memcmp(e.message.data(), message.data(), message.size()) == 0)
                    return &e;
            }
            return nullptr;
        }

        void insert(std::span<const std::uint8_t, 64> sig, std::span<const std::uint8_t, 32> key,
                    std::span<const std::uint8_t> message, bool ok) noexcept {
            if (message.size() > max_message) return;
            const auto slot = static_cast<std::uint32_t>(next_);
            next_ = (next_ + 1) % memo_capacity;
            entry& e = entries_[slot];
            if (e.used) unlink(slot);
            std::memcpy(e.signature.data(), sig.data(), 64);
            std::memcpy(e.key.data(), key.data(), 32);
            std::memcpy(e.message.data(), message.data(), message.size());
            e.size = static_cast<std::uint16_t>(message.size());
            e.ok = ok;
            e.used = true;
            const std::size_t b = bucket_of(sig);
            e.next = heads_[b];
            heads_[b] = slot;
        }

    private:
        static constexpr std::uint32_t nil = ~std::uint32_t{0};
        static constexpr std::size_t buckets = 2 * memo_capacity;
        static std::size_t bucket_of(std::span<const std::uint8_t, 64> sig) noexcept {
            std::uint64_t v = 0;
            std::memcpy(&v, sig.data(), sizeof v);
            return static_cast<std::size_t>((v * 0x9e3779b97f4a7c15ULL) >> 32) % buckets;
        }
        void unlink(std::uint32_t slot) noexcept {
            std::uint32_t* link = &heads_[bucket_of(entries_[slot].signature)];
            while (*link != slot) link = &entries_[*link].next;
            *link = entries_[slot].next;
        }

        std::vector<entry> entries_;
        std::vector<std::uint32_t> heads_;
        std::size_t next_ = 0;
    };

    struct key_hash {
        std::size_t operator()(const std::array<std::uint8_t, 32>& a) const noexcept {
            std::uint64_t v = 0;
            std::memcpy(&v, a.data(), sizeof v);  // the bytes are a public key
            return static_cast<std::size_t>(v);
        }
    };
    struct memo_state {
        check_ring checks;
        std::unordered_map<std::array<std::uint8_t, 32>, bool, key_hash> keys;
        memo_stats stats;
    };
    static memo_state& memos() noexcept {
        thread_local memo_state m;
        return m;
    }
};

}  // namespace nexus::sim
