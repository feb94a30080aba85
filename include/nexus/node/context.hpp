// The node's explicit context (DESIGN §3.9): what every agent of a node shares -- the identity, the
// random source, the configuration, the interfaces, our own destinations, the Lamport clock, the
// outbox, the event queue, the counters -- and the signals agents send one another through the
// node. An agent reads and writes only the context and its own state; it never touches another
// agent's fields. docs/architecture.md "The node and its agents" says how an agent plugs in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "nexus/config.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link.hpp"
#include "nexus/node/events.hpp"
#include "nexus/routing/announce_rate.hpp"
#include "nexus/routing/path_policy.hpp"
#include "nexus/routing/routing_table.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

struct node_config {
    bool transport = false;                   ///< forward for others (bridge / relay)
    link_config link{};                       ///< for links this node opens or accepts
    duration path_lifetime = duration::minutes(90);  ///< an announce is current this long (3 x 30 min)
    duration link_table_lifetime = duration::minutes(10);  ///< idle transport entries of proven links
    std::uint8_t max_hops = wire::max_hops;   ///< do not forward at or above
    routing::path_policy policy = routing::path_policy::balanced();  ///< forwarding and offers
    routing::routing_timers timers{};         ///< announce interval, gossip round, liveness rounds
    bool gossip = false;         ///< run the tier-1 gossip round (path offers, liveness) on every interface
    bool auto_announce = false;  ///< announce our destinations on the spec's triggers (node/announcer.hpp)
    std::uint32_t relay_fee = 0;  ///< uNXS per byte this node charges to relay, added to the paths it offers
    /// Rebroadcast rate control per destination (node/announcer.hpp): announces sooner than `target`
    /// after the last relayed one are violations; beyond `grace` of them the destination's announces
    /// are not relayed until last + target + penalty. Reticulum's default target is an hour; ours is
    /// a minute, so the spec's triggers and a 60 s test cadence relay freely while a flooding origin
    /// is held to one relayed announce a minute.
    routing::announce_rate_config announce_rate{duration::seconds(60), 5, duration::seconds(0)};
};

/// What a node knows of one of its interfaces: its nominal bandwidth (sizes the gossip budget and
/// the bottleneck of the paths offered over it) and its latency (worst_latency_ms of those paths).
struct interface_metrics {
    std::uint32_t bandwidth_bps = 1'000'000;
    std::uint16_t latency_ms = 0;
    bool shared = false;  ///< a broadcast medium with several neighbours (LoRa): floods repeat on it
    friend constexpr bool operator==(const interface_metrics&, const interface_metrics&) noexcept = default;
};

/// Where a packet from pop_outgoing() goes: one interface, or every interface but `except`.
struct outgoing {
    std::size_t size = 0;
    interface_id iface = all_interfaces;
    interface_id except = all_interfaces;
};

/// Counters for the log, written by the agents.
struct node_stats {
    std::uint64_t received = 0, sent = 0, forwarded = 0, duplicates = 0, malformed = 0;
    std::uint64_t announces_valid = 0, announces_rejected = 0, links_rejected = 0, no_route = 0;
    std::uint64_t gossip_sent = 0, gossip_bytes_sent = 0, gossip_received = 0, gossip_rejected = 0;
    std::uint64_t adverts_merged = 0, adverts_refused = 0, neighbours_down = 0, announces_sent = 0;
    std::uint64_t events_dropped = 0;         ///< informational events lost to a full queue
    std::uint64_t destinations_evicted = 0;   ///< known destinations dropped for room
    std::uint64_t destinations_refused = 0;   ///< announces of unknown destinations with no room left
    std::uint64_t pending_links_evicted = 0;  ///< unestablished incoming links dropped for newer requests
    std::uint64_t link_table_evicted = 0;     ///< unproven transport entries dropped for newer requests
    std::uint64_t link_table_refused = 0;     ///< link requests not forwarded: table or quota full
    std::uint64_t proofs_returned = 0;        ///< proofs sent back through the reverse table
    std::uint64_t announces_held = 0, announces_released = 0, announces_dropped = 0;  ///< ingress control
    std::uint64_t rebroadcasts_limited = 0;   ///< announce rebroadcasts blocked by rate control
    std::uint64_t announce_retries = 0;       ///< announces sent a second time (not heard passed on)
    std::uint64_t path_requests_sent = 0, path_requests_answered = 0, path_requests_forwarded = 0;
};

/// One of our own destinations.
struct own_destination {
    truncated_hash hash{};
    name_hash name{};
    bool accept_links = true;
    bool announce_due = true;   ///< auto_announce: a trigger fired
    timestamp next_announce{};  ///< auto_announce: periodic refresh
    std::uint64_t lamport = 0;  ///< Lamport time of our last announce of it (0: never announced)
    bool dirty = false;         ///< our offer of it changed: push it (gossip)
};

/// A packet waiting in the outbox.
struct packet_slot {
    std::array<std::uint8_t, wire::mtu> bytes{};
    std::size_t size = 0;
    interface_id iface = all_interfaces;
    interface_id except = all_interfaces;
    std::span<const std::uint8_t> view() const noexcept { return {bytes.data(), size}; }
};

/// What one agent tells the others, through the node (node.hpp dispatches every signal to every
/// agent's on_signal). Facts, not commands: the agent that cares decides what to do.
enum class signal_kind : std::uint8_t {
    link_outcome,       ///< a link we initiated came up (ok) or failed to (reason); destination, hop
    link_up,            ///< one of our links to `destination` is active (protects the destination)
    link_down,          ///< one of our links to `destination` closed
    traffic,            ///< a packet for `destination` was sent or forwarded (it is in use)
    forwarded,          ///< a packet was forwarded: `bytes` out on `iface` (for later agents: fees)
    neighbour_down,     ///< gossip neighbour `hop` silent for timers.down_rounds rounds
    neighbour_gone,     ///< gossip neighbour `hop` silent for timers.evict_rounds rounds
    path_missing,       ///< a lookup for `destination` found no usable path (a path request may help)
    interface_changed,  ///< interface `iface` was added or its metrics changed by more than 25 %
    destination_lost,   ///< `destination` was dropped from the known destinations
    announced,          ///< we announced our own `destination` (its offer changed)
};

struct node_signal {
    signal_kind kind{};
    truncated_hash destination{};
    routing::next_hop hop{};
    interface_id iface = 0;
    bool ok = false;
    close_reason reason = close_reason::none;
    std::size_t bytes = 0;
    timestamp at{};     ///< when it happened
    timestamp since{};  ///< neighbour_*: when the neighbour was last heard
};

/// Per interface: its metrics and when it was added (ingress control treats a young interface
/// more strictly).
struct interface_state {
    interface_metrics metrics{};
    timestamp added{};
};

template <hash_profile P, random_source R, node_capacities C>
class node_context {
public:
    using identity_type = identity<P>;
    static constexpr node_capacities capacities = C;

    node_context(identity<P>&& id, R& rng, const node_config& config) noexcept
        : self(static_cast<identity<P>&&>(id)), rng(&rng), config(config) {}
    node_context(const node_context&) = delete;
    node_context& operator=(const node_context&) = delete;

    identity<P> self;
    R* rng;
    node_config config;
    node_stats stats{};
    std::uint64_t lamport = 0;  ///< the node's Lamport clock (docs/routing.md "Lamport")
    static_vector<interface_state, C.interfaces> interfaces{};
    static_vector<own_destination, C.destinations> destinations{};
    ring_buffer<packet_slot, C.outbox> outbox{};
    event_queue<C.events> events{};

    // -- reading --
    std::size_t interface_count() const noexcept { return interfaces.size(); }
    const interface_metrics& metrics(interface_id i) const noexcept { return interfaces[i].metrics; }
    own_destination* find_destination(const truncated_hash& h) noexcept {
        for (auto& d : destinations)
            if (d.hash == h) return &d;
        return nullptr;
    }
    const own_destination* find_destination(const truncated_hash& h) const noexcept {
        for (const auto& d : destinations)
            if (d.hash == h) return &d;
        return nullptr;
    }

    // -- writing --
    /// Queues a packet for pop_outgoing(); full when the outbox is.
    result<void> queue(const packet_slot& slot) noexcept { return outbox.push_back(slot); }
    bool outbox_full() const noexcept { return outbox.full(); }

    /// Queues an application event. Informational ones are dropped (and counted) when the queue is
    /// full; for the others the caller checks events.room() first -- full is returned all the same.
    result<void> emit(const node_event& ev) noexcept {
        auto r = events.push(ev);
        if (!r && informational(ev.kind)) {
            ++stats.events_dropped;
            return ok();
        }
        return r;
    }

    /// Tells every agent (node.hpp wires this to each agent's on_signal).
    void signal(const node_signal& s) noexcept {
        if (dispatch_ != nullptr) dispatch_(target_, s);
    }
    void set_signal_sink(void (*dispatch)(void*, const node_signal&), void* target) noexcept {
        dispatch_ = dispatch;
        target_ = target;
    }

    /// Four random bytes as a number (jitter, random starts).
    std::uint32_t random_u32() noexcept {
        std::array<std::uint8_t, 4> r{};
        rng->fill(r);
        return static_cast<std::uint32_t>(r[0]) | static_cast<std::uint32_t>(r[1]) << 8 |
               static_cast<std::uint32_t>(r[2]) << 16 | static_cast<std::uint32_t>(r[3]) << 24;
    }

private:
    void (*dispatch_)(void*, const node_signal&) = nullptr;
    void* target_ = nullptr;
};

}  // namespace nexus
