// The node's capacities: every fixed table of a nexus::node, by name, and the named presets that
// size them for a microcontroller relay, a Raspberry Pi bridge and a research simulation
// (DESIGN §3.2: capacities are compile-time; docs/architecture.md "Capacities").
//
// A node type names its capacities once: nexus::node<Profile, Random, presets::pi_bridge>, or a
// node_capacities written out field by field (it has no defaults, so a designated initializer that
// forgets one does not compile cleanly under -Wextra and a positional list cannot be mistaken for
// another). Every table here says who fills it and what is evicted when it is full in the header
// of the agent that owns it (include/nexus/node/).
#pragma once

#include <cstddef>

namespace nexus {

struct node_capacities {
    std::size_t interfaces;             ///< interfaces of the node (radios, sockets, serial ports)
    std::size_t destinations;           ///< our own destinations
    std::size_t known_destinations;     ///< destinations learned from announces (identity, cached announce)
    std::size_t routes;                 ///< routing-table paths, all destinations together
    std::size_t paths_per_destination;  ///< routing-table paths of one destination
    std::size_t links;                  ///< links of our own (initiated or accepted)
    std::size_t pending_links_per_interface;  ///< of those, unestablished incoming ones per interface
    std::size_t link_table;                   ///< transport: links forwarded for others
    std::size_t reverse_table;     ///< transport: packets forwarded for others whose proof may come back
    std::size_t outbox;            ///< packets queued for pop_outgoing
    std::size_t seen;              ///< packet hashes remembered by the duplicate filter
    std::size_t neighbours;        ///< gossip neighbours
    std::size_t early_offers;      ///< routing offers that came before their announce, kept until it does
    std::size_t gossip_kinds;      ///< gossip state kinds in one round (routing now; ledger, ... later)
    std::size_t events;            ///< application events waiting for poll()
    std::size_t announce_sources;  ///< ingress control: interfaces and neighbours measured
    std::size_t held_announces;    ///< ingress control: announces held back in a burst
    std::size_t announce_rates;    ///< rebroadcast rate control: destinations tracked
    std::size_t announce_retries;  ///< announces sent once that go again unless neighbours pass them on
    std::size_t path_requests;     ///< path-request tags remembered (duplicates) and requests pending
    std::size_t cached_app_data;   ///< app-data bytes kept with a known destination's announce
    std::size_t channel_window;    ///< reliable channel of a link: messages outstanding per direction (1..32)

    friend constexpr bool operator==(const node_capacities&, const node_capacities&) noexcept = default;
};

namespace presets {

/// A LoRa relay on a 32-bit microcontroller (ESP32, Cortex-M4): two interfaces (radio and a UART
/// to a host), one destination of its own, a few links, small routing and transport tables.
inline constexpr node_capacities mcu_relay{
    .interfaces = 2,
    .destinations = 1,
    .known_destinations = 32,
    .routes = 64,
    .paths_per_destination = 4,
    .links = 4,
    .pending_links_per_interface = 2,
    .link_table = 16,
    .reverse_table = 16,
    .outbox = 8,
    .seen = 64,
    .neighbours = 16,
    .early_offers = 4,
    .gossip_kinds = 4,
    .events = 4,
    .announce_sources = 8,
    .held_announces = 4,
    .announce_rates = 16,
    .announce_retries = 8,
    .path_requests = 16,
    .cached_app_data = 32,
    .channel_window = 2,
};

/// A host node: the Raspberry Pi bridge and daemon (ports/pi), desktop applications and the C,
/// Python and WebAssembly bindings.
inline constexpr node_capacities pi_bridge{
    .interfaces = 8,
    .destinations = 4,
    .known_destinations = 256,
    .routes = 1024,
    .paths_per_destination = 4,
    .links = 32,
    .pending_links_per_interface = 8,
    .link_table = 128,
    .reverse_table = 128,
    .outbox = 64,
    .seen = 1024,
    .neighbours = 32,
    .early_offers = 32,
    .gossip_kinds = 4,
    .events = 32,
    .announce_sources = 64,
    .held_announces = 32,
    .announce_rates = 256,
    .announce_retries = 64,
    .path_requests = 64,
    .cached_app_data = 64,
    .channel_window = 4,
};

/// A simulated node for routing research (sim/, nexus.sim): room for 1,280 destinations and 4,096
/// paths, many interfaces (random geometric meshes have high-degree nodes) and links for traffic
/// experiments. 1,280 so that every destination of a 1,000-node mesh fits below seven-eighths of
/// the table, where announce ingress control starts holding newcomers (node/announcer.hpp): with
/// 1,024, a cold 1,000-node mesh held and dropped its last hundred destinations per node in the
/// first announce flood and took four minutes instead of one to converge.
inline constexpr node_capacities research{
    .interfaces = 16,
    .destinations = 4,
    .known_destinations = 1280,
    .routes = 4096,
    .paths_per_destination = 4,
    .links = 32,
    .pending_links_per_interface = 8,
    .link_table = 256,
    .reverse_table = 128,
    .outbox = 64,
    .seen = 4096,
    .neighbours = 32,
    .early_offers = 64,
    .gossip_kinds = 4,
    .events = 64,
    .announce_sources = 64,
    .held_announces = 32,
    .announce_rates = 1024,
    .announce_retries = 128,
    .path_requests = 64,
    .cached_app_data = 32,
    .channel_window = 4,
};

}  // namespace presets

/// Whether a set of capacities can make a working node (every table at least one entry, the
/// per-destination and per-interface limits within their totals). node<> static_asserts it.
constexpr bool valid(const node_capacities& c) noexcept {
    return c.interfaces >= 1 && c.interfaces <= 255 && c.destinations >= 1 && c.known_destinations >= 1 &&
           c.paths_per_destination >= 1 && c.routes >= c.paths_per_destination && c.links >= 1 &&
           c.pending_links_per_interface >= 1 && c.pending_links_per_interface <= c.links &&
           c.link_table >= 1 && c.reverse_table >= 1 && c.outbox >= 1 && c.seen >= 1 && c.neighbours >= 1 &&
           c.early_offers >= 1 && c.gossip_kinds >= 1 && c.gossip_kinds <= 255 && c.events >= 1 &&
           c.announce_sources >= 1 && c.held_announces >= 1 && c.announce_rates >= 1 &&
           c.announce_retries >= 1 && c.path_requests >= 1 && c.channel_window >= 1 && c.channel_window <= 32;
}

static_assert(valid(presets::mcu_relay) && valid(presets::pi_bridge) && valid(presets::research));

}  // namespace nexus
