// What a node knows of a destination from its announce (node/routing.hpp "Known destinations"):
// the verified identity behind the destination hash, its Lamport time, what protects it from
// eviction, the feasibility distance of the routing agent's loop rule, and the announce itself,
// kept so that the node can answer a path request for it byte for byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "nexus/core/time.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/wire/announce.hpp"

namespace nexus {

/// A destination learned from its announce.
template <std::size_t CachedAppData>
struct known_destination {
    public_key_bytes public_key{};
    name_hash name{};
    truncated_hash owner{};          ///< identity hash of public_key
    std::uint64_t lamport = 0;       ///< highest Lamport time heard (NEXUS TLV 0x01, else the emission time)
    std::uint64_t emitted = 0;       ///< emission time of the newest announce (its random hash)
    timestamp announce_expires{};    ///< its newest announce is current until (offers need a current one)
    timestamp last_used{};           ///< announce heard, path looked up, traffic (eviction order)
    timestamp protected_until{};     ///< recent traffic: not evicted before
    std::uint8_t links = 0;          ///< links of ours to it that are up (protected while > 0)
    std::uint8_t requests_left = 3;  ///< path requests the round timer may still send while it has no path
    bool dirty = false;              ///< our offer of it changed: push it (gossip)
    // Feasibility (node/routing.hpp "Loops"): the fewest hops of any path we could have offered for
    // it at Lamport time fd_lamport; `offered` once we held one.
    bool offered = false;
    std::uint8_t fd_hops = 0xFF;
    std::uint64_t fd_lamport = 0;
    // The newest announce, for path responses (rebuilt byte for byte from these fields).
    bool cached = false;  ///< false when its app data did not fit or it carried a ratchet
    std::array<std::uint8_t, wire::random_hash_size> random{};
    signature_bytes signature{};
    std::uint8_t app_size = 0;
    std::array<std::uint8_t, CachedAppData> app_data{};
};

}  // namespace nexus
