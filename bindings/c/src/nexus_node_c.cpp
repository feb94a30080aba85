// The node part of the C ABI (bindings/c/include/nexus_node.h), on nexus/node.hpp. As with links
// (nexus_link_c.cpp), a handle is one heap block (allocated here, in the binding; the core stays
// allocation-free) holding the random source and the node of the chosen profile, so the node's
// pointer to its random source stays valid for the handle's life. The profile is a template
// parameter of nexus::node, so the handle holds a std::variant of the two instantiations and every
// call dispatches on it. The capacities are nexus::presets::pi_bridge, reported by
// nexus_node_get_capacities from that constant. The routing and gossip state is copied out into the
// C structs (the routing table's entries as nexus_routing.h's nexus_routing_entry); a budget's
// available bytes are read from a copy, so reading never changes the node.
#include "handle_random.hpp"
#include "nexus.h"

#include <nexus/config.hpp>
#include <nexus/core/reference_policies.hpp>
#include <nexus/crypto/ct.hpp>
#include <nexus/gossip/budget.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/identity/identity.hpp>
#include <nexus/link/link.hpp>
#include <nexus/node.hpp>
#include <nexus/routing/path_policy.hpp>
#include <nexus/routing/routing_table.hpp>
#include <nexus/wire/announce.hpp>
#include <nexus/wire/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <variant>

namespace {

using in_bytes = std::span<const std::uint8_t>;
using node_random = nexus::c_binding::handle_random;

// The one preset of this binding (nexus_node.h header comment).
constexpr nexus::node_capacities capacities = nexus::presets::pi_bridge;

template <class P>
using node_of = nexus::node<P, node_random, capacities>;

static_assert(NEXUS_NODE_ALL_INTERFACES == nexus::all_interfaces);
static_assert(capacities.interfaces < nexus::all_interfaces, "interface ids must not reach the flood marker");
static_assert(NEXUS_NODE_DATA_MAX == nexus::event_data_max);
static_assert(NEXUS_NODE_EVENT_ANNOUNCE == static_cast<int>(nexus::node_event_kind::announce) &&
              NEXUS_NODE_EVENT_LINK_REQUEST == static_cast<int>(nexus::node_event_kind::link_request) &&
              NEXUS_NODE_EVENT_LINK_ESTABLISHED ==
                  static_cast<int>(nexus::node_event_kind::link_established) &&
              NEXUS_NODE_EVENT_LINK_IDENTIFIED == static_cast<int>(nexus::node_event_kind::link_identified) &&
              NEXUS_NODE_EVENT_LINK_DATA == static_cast<int>(nexus::node_event_kind::link_data) &&
              NEXUS_NODE_EVENT_LINK_ROTATED == static_cast<int>(nexus::node_event_kind::link_rotated) &&
              NEXUS_NODE_EVENT_LINK_CLOSED == static_cast<int>(nexus::node_event_kind::link_closed) &&
              NEXUS_NODE_EVENT_FORWARDED == static_cast<int>(nexus::node_event_kind::forwarded) &&
              NEXUS_NODE_EVENT_LINK_DELIVERED == static_cast<int>(nexus::node_event_kind::link_delivered));
static_assert(NEXUS_CHANNEL_MDU == nexus::channel_mdu);
static_assert(sizeof(nexus_node_channel_info) == 17 * sizeof(std::uint64_t) &&
              sizeof(nexus::channel_stats) == 11 * sizeof(std::uint64_t),
              "nexus_node_channel_info: three sizes, three estimates and every channel_stats counter");
// Both structs are all counters / all sizes: a field added to the core without its C twin changes
// the size and stops the build here instead of going missing from the C view.
static_assert(sizeof(nexus_node_stats) == sizeof(nexus::node_stats),
              "nexus_node_stats: one field per node_stats");
static_assert(sizeof(nexus_node_capacities) == sizeof(nexus::node_capacities),
              "nexus_node_capacities: one field per node_capacities");
static_assert(node_of<nexus::nexus_profile>::routing_table_type::paths_per_destination() ==
              NEXUS_ROUTING_PATHS_PER_DESTINATION);
// The largest announce app data (HEADER_1, no ratchet) fits the documented data buffer.
static_assert(nexus::wire::mtu - nexus::wire::header_1_size - nexus::public_key_size - nexus::name_hash_size -
                  nexus::wire::random_hash_size - nexus::signature_size <=
              NEXUS_NODE_DATA_MAX);
static_assert(NEXUS_NODE_TIERS == nexus::gossip::tier_count);
static_assert(NEXUS_TIER_ROUTING == static_cast<int>(nexus::gossip::tier::routing) &&
              NEXUS_TIER_TRUST == static_cast<int>(nexus::gossip::tier::trust));

// bindings/wasm/node.js reads and writes these structs at fixed offsets (wasm32).
#if defined(__EMSCRIPTEN__)
static_assert(offsetof(nexus_node_capacities, channel_window) == 84 && sizeof(nexus_node_capacities) == 88);
static_assert(offsetof(nexus_node_event, id) == 4 && offsetof(nexus_node_event, iface) == 20 &&
              offsetof(nexus_node_event, hops) == 24 && offsetof(nexus_node_event, context) == 28 &&
              offsetof(nexus_node_event, reason) == 32 && offsetof(nexus_node_event, reliable) == 36 &&
              offsetof(nexus_node_event, sequence) == 40 && offsetof(nexus_node_event, data_len) == 44 &&
              sizeof(nexus_node_event) == 48);
static_assert(offsetof(nexus_node_config, path_lifetime_ms) == 48 &&
              offsetof(nexus_node_config, link_table_lifetime_ms) == 56 &&
              offsetof(nexus_node_config, max_hops) == 64 && offsetof(nexus_node_config, policy) == 68 &&
              offsetof(nexus_node_config, gossip) == 72 && offsetof(nexus_node_config, auto_announce) == 76 &&
              offsetof(nexus_node_config, relay_fee) == 80 &&
              offsetof(nexus_node_config, announce_interval_ms) == 88 &&
              offsetof(nexus_node_config, gossip_interval_ms) == 96 &&
              offsetof(nexus_node_config, active_intervals) == 104 &&
              offsetof(nexus_node_config, stale_intervals) == 108 &&
              offsetof(nexus_node_config, down_rounds) == 112 &&
              offsetof(nexus_node_config, evict_rounds) == 116 &&
              offsetof(nexus_node_config, announce_rate_target_ms) == 120 &&
              offsetof(nexus_node_config, announce_rate_grace) == 128 &&
              offsetof(nexus_node_config, announce_rate_penalty_ms) == 136 &&
              sizeof(nexus_node_config) == 144);
static_assert(sizeof(nexus_node_stats) == 256);
static_assert(offsetof(nexus_node_interface_metrics, latency_ms) == 4 &&
              offsetof(nexus_node_interface_metrics, shared) == 6 &&
              sizeof(nexus_node_interface_metrics) == 8);
static_assert(offsetof(nexus_node_budget, constrained) == 4 && offsetof(nexus_node_budget, capacity) == 8 &&
              offsetof(nexus_node_budget, available) == 40 && offsetof(nexus_node_budget, stats) == 72 &&
              sizeof(nexus_tier_stats) == 24 && sizeof(nexus_node_budget) == 168);
static_assert(offsetof(nexus_node_neighbour, iface) == 16 && offsetof(nexus_node_neighbour, down) == 17 &&
              offsetof(nexus_node_neighbour, last_heard_ms) == 24 &&
              offsetof(nexus_node_neighbour, session) == 32 &&
              offsetof(nexus_node_neighbour, counter) == 36 && sizeof(nexus_node_neighbour) == 40);
static_assert(offsetof(nexus_node_known_info, name_hash) == 64 &&
              offsetof(nexus_node_known_info, owner) == 74 && offsetof(nexus_node_known_info, links) == 90 &&
              offsetof(nexus_node_known_info, cached) == 91 &&
              offsetof(nexus_node_known_info, lamport) == 96 &&
              offsetof(nexus_node_known_info, emitted) == 104 &&
              offsetof(nexus_node_known_info, announce_expires_ms) == 112 &&
              offsetof(nexus_node_known_info, last_used_ms) == 120 &&
              offsetof(nexus_node_known_info, protected_until_ms) == 128 &&
              sizeof(nexus_node_known_info) == 136);
static_assert(offsetof(nexus_node_link_route, next_hop) == 16 &&
              offsetof(nexus_node_link_route, toward_initiator) == 32 &&
              offsetof(nexus_node_link_route, toward_responder) == 33 &&
              offsetof(nexus_node_link_route, proven) == 34 &&
              offsetof(nexus_node_link_route, requests) == 35 &&
              offsetof(nexus_node_link_route, proofs) == 36 &&
              offsetof(nexus_node_link_route, expires_ms) == 40 &&
              offsetof(nexus_node_link_route, last_request_ms) == 48 && sizeof(nexus_node_link_route) == 56);
#endif

constexpr nexus_status to_status(nexus::error e) noexcept { return static_cast<nexus_status>(e); }
constexpr bool usable(const void* p, std::size_t n) noexcept { return p != nullptr || n == 0; }

constexpr std::uint64_t max_ms = 0x7fffffffffffffffULL;  // durations are signed 64-bit milliseconds

nexus::duration ms(std::uint64_t v) noexcept {
    return nexus::duration::milliseconds(v > max_ms ? static_cast<std::int64_t>(max_ms)
                                                    : static_cast<std::int64_t>(v));
}
std::uint64_t ms_of(nexus::duration d) noexcept {
    return d.count_ms() < 0 ? 0 : static_cast<std::uint64_t>(d.count_ms());
}

/// A NEXUS_POLICY_* code as the core's policy; false for anything else.
bool policy_of(int code, nexus::routing::path_policy& out) noexcept {
    switch (code) {
        case NEXUS_POLICY_CHEAPEST:
            out = nexus::routing::path_policy::cheapest();
            return true;
        case NEXUS_POLICY_FASTEST:
            out = nexus::routing::path_policy::fastest();
            return true;
        case NEXUS_POLICY_MOST_RELIABLE:
            out = nexus::routing::path_policy::most_reliable();
            return true;
        case NEXUS_POLICY_BALANCED:
            out = nexus::routing::path_policy::balanced();
            return true;
        default:
            return false;
    }
}

/// The checks nexus_node_new documents for a caller's config.
bool valid_config(const nexus_node_config& c) noexcept {
    nexus::routing::path_policy p;
    return c.max_hops >= 1 && c.max_hops <= 255 && policy_of(c.policy, p) && c.announce_interval_ms >= 1 &&
           c.announce_interval_ms <= max_ms && c.gossip_interval_ms >= 1 && c.gossip_interval_ms <= max_ms &&
           c.active_intervals >= 1 && c.down_rounds >= 1 && c.evict_rounds >= c.down_rounds &&
           c.announce_rate_grace <= 255 && c.announce_rate_target_ms <= max_ms &&
           c.announce_rate_penalty_ms <= max_ms;
}

nexus::node_config to_config(const nexus_node_config* c, bool transport) noexcept {
    nexus::node_config k{};
    k.transport = transport;
    if (c == nullptr) return k;
    k.link.establishment_timeout = ms(c->link.establishment_timeout_ms);
    k.link.keepalive_interval = ms(c->link.keepalive_interval_ms);
    k.link.inactivity_timeout = ms(c->link.inactivity_timeout_ms);
    k.link.rotate_interval = ms(c->link.rotate_interval_ms);
    k.link.bandwidth_bps = c->link.bandwidth_bps;
    k.link.require_identify = c->link.require_identify != 0;
    k.path_lifetime = ms(c->path_lifetime_ms);
    k.link_table_lifetime = ms(c->link_table_lifetime_ms);
    k.max_hops = static_cast<std::uint8_t>(c->max_hops);
    (void)policy_of(c->policy, k.policy);
    k.gossip = c->gossip != 0;
    k.auto_announce = c->auto_announce != 0;
    k.relay_fee = c->relay_fee;
    k.timers.announce_interval = ms(c->announce_interval_ms);
    k.timers.gossip_interval = ms(c->gossip_interval_ms);
    k.timers.active_intervals = c->active_intervals;
    k.timers.stale_intervals = c->stale_intervals;
    k.timers.down_rounds = c->down_rounds;
    k.timers.evict_rounds = c->evict_rounds;
    k.announce_rate.target = ms(c->announce_rate_target_ms);
    k.announce_rate.grace = static_cast<std::uint8_t>(c->announce_rate_grace);
    k.announce_rate.penalty = ms(c->announce_rate_penalty_ms);
    return k;
}

nexus::interface_metrics metrics_of(const nexus_node_interface_metrics& m) noexcept {
    return nexus::interface_metrics{m.bandwidth_bps, m.latency_ms, m.shared != 0};
}

nexus_node_interface_metrics metrics_out(const nexus::interface_metrics& m) noexcept {
    nexus_node_interface_metrics v{};
    v.bandwidth_bps = m.bandwidth_bps;
    v.latency_ms = m.latency_ms;
    v.shared = m.shared ? 1 : 0;
    return v;
}

nexus::timestamp at(std::uint64_t ms) noexcept { return nexus::timestamp::from_ms(ms); }

template <std::size_t N>
void copy_out(std::uint8_t* out, const std::array<std::uint8_t, N>& in) noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = in[i];
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const std::uint8_t* p) noexcept {
    std::array<std::uint8_t, N> a{};
    for (std::size_t i = 0; i < N; ++i) a[i] = p[i];
    return a;
}

nexus::truncated_hash hash_of(const std::uint8_t* p) noexcept {
    return to_array<nexus::truncated_hash_size>(p);
}

bool valid_profile(int profile) noexcept {
    return profile == NEXUS_PROFILE_NEXUS || profile == NEXUS_PROFILE_RETICULUM;
}

nexus_routing_entry entry_out(const nexus::routing::routing_entry& e) noexcept {
    nexus_routing_entry v{};
    copy_out(v.destination, e.destination);
    copy_out(v.hop_address, e.hop.address);
    v.cost.cumulative_cost = e.cost.cumulative_cost;
    v.cost.worst_latency_ms = e.cost.worst_latency_ms;
    v.cost.bottleneck_bps = e.cost.bottleneck_bps;
    v.cost.hop_count = e.cost.hop_count;
    v.iface = e.hop.iface;
    v.reliability = e.reliability;
    v.state = e.state == nexus::routing::route_state::active ? 0 : 1;
    v.failed = e.failed ? 1 : 0;
    v.suspect = e.suspect ? 1 : 0;
    v.lamport = e.lamport;
    v.last_updated_ms = e.last_updated.ms();
    v.expires_ms = e.expires.ms();
    v.evict_at_ms = e.evict_at.ms();
    v.last_used_ms = e.last_used.ms();
    return v;
}

// A node event as the C struct, with its data length (the data is copied by the caller).
nexus_node_event to_event(const nexus::node_event& ev) noexcept {
    nexus_node_event e{};
    e.kind = static_cast<int>(ev.kind);
    copy_out(e.id, ev.id);
    e.iface = ev.iface;
    e.hops = ev.hops;
    e.context = ev.context;
    e.reason = static_cast<int>(ev.reason);
    e.reliable = ev.reliable ? 1 : 0;
    e.sequence = ev.sequence;
    e.data_len = ev.data.size();
    return e;
}

}  // namespace

struct nexus_node {
    nexus_node(bool deterministic, std::uint64_t seed) noexcept : rng(deterministic, seed) {}
    ~nexus_node() { nexus::crypto::secure_wipe_object(event_data); }
    node_random rng;  // declared first: destroyed after the node that points at it
    std::variant<std::monostate, node_of<nexus::nexus_profile>, node_of<nexus::reticulum_profile>> node;
    // pop_outgoing takes packets out of the node into `held` and hands them on from there: the
    // node's links give up a packet before its size is checked against the caller's buffer, so a
    // packet that does not fit waits here for a larger buffer instead of being lost.
    std::array<std::uint8_t, nexus::wire::mtu> held{};
    nexus::outgoing held_to{};  // held_to.size == 0: nothing held
    // poll does the same with events: the node's queue gives an event up when it is popped, and its
    // data (a link message: plaintext, wiped once handed on) lives only until the next poll or
    // receive, so an event whose data does not fit the caller's buffer waits here.
    nexus_node_event event{};
    bool event_held = false;
    std::array<std::uint8_t, nexus::event_data_max> event_data{};
};

namespace {

// Calls fn(node) with the handle's node (either profile); never empty once handed out.
template <class Fn>
nexus_status with_node(nexus_node* h, Fn&& fn) noexcept {
    if (auto* n = std::get_if<1>(&h->node)) return fn(*n);
    if (auto* n = std::get_if<2>(&h->node)) return fn(*n);
    return NEXUS_ERR_BAD_STATE;
}
template <class Fn>
nexus_status with_node(const nexus_node* h, Fn&& fn) noexcept {
    if (const auto* n = std::get_if<1>(&h->node)) return fn(*n);
    if (const auto* n = std::get_if<2>(&h->node)) return fn(*n);
    return NEXUS_ERR_BAD_STATE;
}

template <class T>
nexus_status status_of(const nexus::result<T>& r) noexcept {
    return r ? NEXUS_OK : to_status(r.error());
}

}  // namespace

extern "C" {

nexus_status nexus_node_get_capacities(nexus_node_capacities* out) {
    if (out == nullptr) return NEXUS_ERR_NULL_POINTER;
    nexus_node_capacities c{};
    c.interfaces = capacities.interfaces;
    c.destinations = capacities.destinations;
    c.known_destinations = capacities.known_destinations;
    c.routes = capacities.routes;
    c.paths_per_destination = capacities.paths_per_destination;
    c.links = capacities.links;
    c.pending_links_per_interface = capacities.pending_links_per_interface;
    c.link_table = capacities.link_table;
    c.reverse_table = capacities.reverse_table;
    c.outbox = capacities.outbox;
    c.seen = capacities.seen;
    c.neighbours = capacities.neighbours;
    c.early_offers = capacities.early_offers;
    c.gossip_kinds = capacities.gossip_kinds;
    c.events = capacities.events;
    c.announce_sources = capacities.announce_sources;
    c.held_announces = capacities.held_announces;
    c.announce_rates = capacities.announce_rates;
    c.announce_retries = capacities.announce_retries;
    c.path_requests = capacities.path_requests;
    c.cached_app_data = capacities.cached_app_data;
    c.channel_window = capacities.channel_window;
    *out = c;
    return NEXUS_OK;
}

nexus_status nexus_node_config_default(nexus_node_config* config) {
    if (config == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nexus::node_config k{};
    nexus_node_config c{};
    const nexus_status s = nexus_link_config_default(&c.link);
    if (s != NEXUS_OK) return s;
    c.path_lifetime_ms = ms_of(k.path_lifetime);
    c.link_table_lifetime_ms = ms_of(k.link_table_lifetime);
    c.max_hops = k.max_hops;
    c.policy = NEXUS_POLICY_BALANCED;
    c.gossip = k.gossip ? 1 : 0;
    c.auto_announce = k.auto_announce ? 1 : 0;
    c.relay_fee = k.relay_fee;
    c.announce_interval_ms = ms_of(k.timers.announce_interval);
    c.gossip_interval_ms = ms_of(k.timers.gossip_interval);
    c.active_intervals = k.timers.active_intervals;
    c.stale_intervals = k.timers.stale_intervals;
    c.down_rounds = k.timers.down_rounds;
    c.evict_rounds = k.timers.evict_rounds;
    c.announce_rate_target_ms = ms_of(k.announce_rate.target);
    c.announce_rate_grace = k.announce_rate.grace;
    c.announce_rate_penalty_ms = ms_of(k.announce_rate.penalty);
    *config = c;
    return NEXUS_OK;
}

nexus_status nexus_node_new(int profile, const uint8_t* private64, int transport,
                            const nexus_node_config* config, int deterministic, uint64_t seed,
                            nexus_node** node) {
    if (private64 == nullptr || node == nullptr) return NEXUS_ERR_NULL_POINTER;
    if (!valid_profile(profile)) return NEXUS_ERR_INVALID_ARGUMENT;
    if (config != nullptr && !valid_config(*config)) return NEXUS_ERR_INVALID_ARGUMENT;
    const auto cfg = to_config(config, transport != 0);
    auto start = [&]<class P>(P, nexus_node* h) -> nexus_status {
        auto id = nexus::identity<P>::from_private_key(in_bytes(private64, nexus::private_key_size));
        if (!id) return to_status(id.error());
        h->node.template emplace<node_of<P>>(static_cast<nexus::identity<P>&&>(*id), h->rng, cfg);
        return NEXUS_OK;
    };
    nexus_node* h = new (std::nothrow) nexus_node(deterministic != 0, seed);
    if (h == nullptr) return NEXUS_ERR_FULL;
    const nexus_status s = profile == NEXUS_PROFILE_NEXUS ? start(nexus::nexus_profile{}, h)
                                                          : start(nexus::reticulum_profile{}, h);
    if (s != NEXUS_OK) {
        delete h;
        return s;
    }
    *node = h;
    return NEXUS_OK;
}

void nexus_node_free(nexus_node* node) { delete node; }

nexus_status nexus_node_identity_hash(const nexus_node* node, uint8_t* hash16) {
    if (node == nullptr || hash16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        copy_out(hash16, n.self().hash());
        return NEXUS_OK;
    });
}

nexus_status nexus_node_interface_metrics_default(nexus_node_interface_metrics* metrics) {
    if (metrics == nullptr) return NEXUS_ERR_NULL_POINTER;
    *metrics = metrics_out(nexus::interface_metrics{});
    return NEXUS_OK;
}

nexus_status nexus_node_add_interface(nexus_node* node, const nexus_node_interface_metrics* metrics,
                                      uint64_t now_ms, uint8_t* iface) {
    if (node == nullptr || iface == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nexus::interface_metrics m = metrics == nullptr ? nexus::interface_metrics{} : metrics_of(*metrics);
    return with_node(node, [&](auto& n) {
        auto r = n.add_interface(m, at(now_ms));
        if (!r) return to_status(r.error());
        *iface = *r;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_set_interface_metrics(nexus_node* node, uint8_t iface,
                                              const nexus_node_interface_metrics* metrics, uint64_t now_ms) {
    if (node == nullptr || metrics == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nexus::interface_metrics m = metrics_of(*metrics);
    return with_node(node, [&](auto& n) { return status_of(n.set_interface_metrics(iface, m, at(now_ms))); });
}

nexus_status nexus_node_interface_metrics_get(const nexus_node* node, uint8_t iface,
                                              nexus_node_interface_metrics* metrics) {
    if (node == nullptr || metrics == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const nexus::interface_metrics* m = n.metrics(iface);
        if (m == nullptr) return NEXUS_ERR_INVALID_ARGUMENT;
        *metrics = metrics_out(*m);
        return NEXUS_OK;
    });
}

nexus_status nexus_node_interface_count(const nexus_node* node, size_t* count) {
    if (node == nullptr || count == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        *count = n.interface_count();
        return NEXUS_OK;
    });
}

nexus_status nexus_node_add_destination(nexus_node* node, const uint8_t* name_hash10, int accept_links,
                                        uint8_t* dest16) {
    if (node == nullptr || name_hash10 == nullptr || dest16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    const auto name = to_array<nexus::name_hash_size>(name_hash10);
    return with_node(node, [&](auto& n) {
        auto r = n.add_destination(name, accept_links != 0);
        if (!r) return to_status(r.error());
        copy_out(dest16, *r);
        return NEXUS_OK;
    });
}

nexus_status nexus_node_announce(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                 const uint8_t* app_data, size_t app_data_len) {
    if (node == nullptr || dest16 == nullptr || !usable(app_data, app_data_len))
        return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) {
        return status_of(n.announce(hash_of(dest16), at(now_ms), in_bytes(app_data, app_data_len)));
    });
}

nexus_status nexus_node_announce_nexus(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                       const uint8_t* extra_tlvs, size_t extra_len) {
    if (node == nullptr || dest16 == nullptr || !usable(extra_tlvs, extra_len)) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) {
        return status_of(n.announce_nexus(hash_of(dest16), at(now_ms), in_bytes(extra_tlvs, extra_len)));
    });
}

nexus_status nexus_node_request_path(nexus_node* node, const uint8_t* dest16, uint64_t now_ms) {
    if (node == nullptr || dest16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) { return status_of(n.request_path(hash_of(dest16), at(now_ms))); });
}

nexus_status nexus_node_open_link(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                  uint8_t* link_id16) {
    return nexus_node_open_link_with_policy(node, dest16, now_ms, NEXUS_NODE_OWN_POLICY, link_id16);
}

nexus_status nexus_node_open_link_with_policy(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                              int policy, uint8_t* link_id16) {
    if (node == nullptr || dest16 == nullptr || link_id16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) {
        nexus::routing::path_policy p = n.config().policy;
        if (policy != NEXUS_NODE_OWN_POLICY && !policy_of(policy, p)) return NEXUS_ERR_INVALID_ARGUMENT;
        auto r = n.open_link(hash_of(dest16), at(now_ms), p);
        if (!r) return to_status(r.error());
        copy_out(link_id16, *r);
        return NEXUS_OK;
    });
}

nexus_status nexus_node_identify(nexus_node* node, const uint8_t* link16) {
    if (node == nullptr || link16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) { return status_of(n.identify(hash_of(link16))); });
}

nexus_status nexus_node_send(nexus_node* node, const uint8_t* link16, const uint8_t* data, size_t data_len,
                             uint64_t now_ms, uint8_t context) {
    if (node == nullptr || link16 == nullptr || !usable(data, data_len)) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) {
        return status_of(n.send(hash_of(link16), in_bytes(data, data_len), at(now_ms), context));
    });
}

nexus_status nexus_node_send_reliable(nexus_node* node, const uint8_t* link16, const uint8_t* data,
                                      size_t data_len, uint64_t now_ms, uint8_t context, int* sequence) {
    if (node == nullptr || link16 == nullptr || !usable(data, data_len)) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) {
        auto seq = n.send_reliable(hash_of(link16), in_bytes(data, data_len), at(now_ms), context);
        if (seq && sequence != nullptr) *sequence = *seq;
        return status_of(seq);
    });
}

nexus_status nexus_node_close(nexus_node* node, const uint8_t* link16) {
    if (node == nullptr || link16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](auto& n) { return status_of(n.close(hash_of(link16))); });
}

nexus_status nexus_node_channel_info_get(const nexus_node* node, const uint8_t* link16,
                                         nexus_node_channel_info* info) {
    if (node == nullptr || link16 == nullptr || info == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const auto* ch = n.find_channel(hash_of(link16));
        if (ch == nullptr) return NEXUS_ERR_NOT_FOUND;
        const auto& s = ch->stats();
        nexus_node_channel_info c{};
        c.window = ch->window;
        c.in_flight = ch->in_flight();
        c.unacknowledged = ch->unacknowledged();
        c.srtt_ms = static_cast<std::uint64_t>(ch->srtt().count_ms());
        c.rttvar_ms = static_cast<std::uint64_t>(ch->rttvar().count_ms());
        c.rto_ms = static_cast<std::uint64_t>(ch->rto().count_ms());
        c.messages_sent = s.messages_sent;
        c.retransmissions = s.retransmissions;
        c.fast_retransmissions = s.fast_retransmissions;
        c.messages_acked = s.messages_acked;
        c.messages_received = s.messages_received;
        c.duplicates = s.duplicates;
        c.out_of_window = s.out_of_window;
        c.acks_sent = s.acks_sent;
        c.acks_received = s.acks_received;
        c.acks_stale = s.acks_stale;
        c.malformed = s.malformed;
        *info = c;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_link_state(const nexus_node* node, const uint8_t* link16, int* state) {
    if (node == nullptr || link16 == nullptr || state == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        auto r = n.link_status(hash_of(link16));
        if (!r) return to_status(r.error());
        *state = static_cast<int>(*r);
        return NEXUS_OK;
    });
}

nexus_status nexus_node_receive(nexus_node* node, uint8_t iface, const uint8_t* raw, size_t raw_len,
                                uint64_t now_ms) {
    if (node == nullptr || !usable(raw, raw_len)) return NEXUS_ERR_NULL_POINTER;
    return with_node(
        node, [&](auto& n) { return status_of(n.receive(iface, in_bytes(raw, raw_len), at(now_ms))); });
}

nexus_status nexus_node_pop_outgoing(nexus_node* node, uint64_t now_ms, uint8_t* out, size_t out_cap,
                                     size_t* size, uint8_t* iface, uint8_t* except) {
    if (node == nullptr || !usable(out, out_cap) || size == nullptr || iface == nullptr || except == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    if (node->held_to.size == 0) {
        const nexus_status s = with_node(node, [&](auto& n) {
            auto o = n.pop_outgoing(at(now_ms), node->held);
            if (!o) return to_status(o.error());
            node->held_to = *o;
            return NEXUS_OK;
        });
        if (s != NEXUS_OK) return s;
    }
    const nexus::outgoing o = node->held_to;
    if (o.size > out_cap) return NEXUS_ERR_BUFFER_TOO_SMALL;
    for (std::size_t i = 0; i < o.size; ++i) out[i] = node->held[i];
    *size = o.size;
    *iface = o.iface;
    *except = o.except;
    node->held_to = nexus::outgoing{};
    return NEXUS_OK;
}

nexus_status nexus_node_poll(nexus_node* node, uint64_t now_ms, nexus_node_event* event, uint8_t* data,
                             size_t data_cap) {
    if (node == nullptr || event == nullptr || !usable(data, data_cap)) return NEXUS_ERR_NULL_POINTER;
    if (!node->event_held) {
        nexus_node_event e{};
        const nexus_status s = with_node(node, [&](auto& n) {
            const nexus::node_event ev = n.poll(at(now_ms));
            e = to_event(ev);
            for (std::size_t i = 0; i < ev.data.size() && i < node->event_data.size(); ++i)
                node->event_data[i] = ev.data[i];
            return NEXUS_OK;
        });
        if (s != NEXUS_OK) return s;
        if (e.kind == NEXUS_NODE_EVENT_NONE) {
            *event = e;
            return NEXUS_OK;
        }
        node->event = e;
        node->event_held = true;
    }
    const std::size_t n = node->event.data_len;
    if (n > data_cap) return NEXUS_ERR_BUFFER_TOO_SMALL;
    for (std::size_t i = 0; i < n; ++i) data[i] = node->event_data[i];
    *event = node->event;
    nexus::crypto::secure_wipe(std::span<std::uint8_t>(node->event_data.data(), n));
    node->event_held = false;
    return NEXUS_OK;
}

nexus_status nexus_node_next_deadline(const nexus_node* node, uint64_t* deadline_ms) {
    if (node == nullptr || deadline_ms == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        if (node->held_to.size != 0 || node->event_held) {
            *deadline_ms = 0;
            return NEXUS_OK;
        }
        const nexus::timestamp t = n.next_deadline();
        *deadline_ms = t == nexus::timestamp::max() ? NEXUS_NODE_NO_DEADLINE : t.ms();
        return NEXUS_OK;
    });
}

nexus_status nexus_node_stats_get(const nexus_node* node, nexus_node_stats* stats) {
    if (node == nullptr || stats == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const nexus::node_stats& s = n.stats();
        nexus_node_stats v{};
        v.received = s.received;
        v.sent = s.sent;
        v.forwarded = s.forwarded;
        v.duplicates = s.duplicates;
        v.malformed = s.malformed;
        v.announces_valid = s.announces_valid;
        v.announces_rejected = s.announces_rejected;
        v.links_rejected = s.links_rejected;
        v.no_route = s.no_route;
        v.gossip_sent = s.gossip_sent;
        v.gossip_bytes_sent = s.gossip_bytes_sent;
        v.gossip_received = s.gossip_received;
        v.gossip_rejected = s.gossip_rejected;
        v.adverts_merged = s.adverts_merged;
        v.adverts_refused = s.adverts_refused;
        v.neighbours_down = s.neighbours_down;
        v.announces_sent = s.announces_sent;
        v.events_dropped = s.events_dropped;
        v.destinations_evicted = s.destinations_evicted;
        v.destinations_refused = s.destinations_refused;
        v.pending_links_evicted = s.pending_links_evicted;
        v.link_table_evicted = s.link_table_evicted;
        v.link_table_refused = s.link_table_refused;
        v.proofs_returned = s.proofs_returned;
        v.announces_held = s.announces_held;
        v.announces_released = s.announces_released;
        v.announces_dropped = s.announces_dropped;
        v.rebroadcasts_limited = s.rebroadcasts_limited;
        v.announce_retries = s.announce_retries;
        v.path_requests_sent = s.path_requests_sent;
        v.path_requests_answered = s.path_requests_answered;
        v.path_requests_forwarded = s.path_requests_forwarded;
        *stats = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_known(const nexus_node* node, const uint8_t* dest16, nexus_node_known_info* known) {
    if (node == nullptr || dest16 == nullptr || known == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const auto* k = n.known(hash_of(dest16));
        if (k == nullptr) return NEXUS_ERR_NOT_FOUND;
        nexus_node_known_info v{};
        copy_out(v.public_key, k->public_key);
        copy_out(v.name_hash, k->name);
        copy_out(v.owner, k->owner);
        v.links = k->links;
        v.cached = k->cached ? 1 : 0;
        v.lamport = k->lamport;
        v.emitted = k->emitted;
        v.announce_expires_ms = k->announce_expires.ms();
        v.last_used_ms = k->last_used.ms();
        v.protected_until_ms = k->protected_until.ms();
        *known = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_known_count(const nexus_node* node, size_t* count) {
    if (node == nullptr || count == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        *count = n.known_count();
        return NEXUS_OK;
    });
}

nexus_status nexus_node_route_count(const nexus_node* node, size_t* count) {
    if (node == nullptr || count == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        *count = n.routes().size();
        return NEXUS_OK;
    });
}

nexus_status nexus_node_route_at(const nexus_node* node, size_t index, nexus_routing_entry* entry) {
    if (node == nullptr || entry == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const auto& t = n.routes();
        if (index >= t.size()) return NEXUS_ERR_OUT_OF_RANGE;
        *entry = entry_out(t.all()[index]);
        return NEXUS_OK;
    });
}

nexus_status nexus_node_best_route(const nexus_node* node, const uint8_t* dest16, int policy, uint64_t now_ms,
                                   nexus_routing_entry* entry) {
    if (node == nullptr || dest16 == nullptr || entry == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        nexus::routing::path_policy p = n.config().policy;
        if (policy != NEXUS_NODE_OWN_POLICY && !policy_of(policy, p)) return NEXUS_ERR_INVALID_ARGUMENT;
        const nexus::routing::routing_entry* e = n.route(hash_of(dest16), p, at(now_ms));
        if (e == nullptr) return NEXUS_ERR_NOT_FOUND;
        *entry = entry_out(*e);
        return NEXUS_OK;
    });
}

nexus_status nexus_node_link_table_entry(const nexus_node* node, const uint8_t* link16,
                                         nexus_node_link_route* route) {
    if (node == nullptr || link16 == nullptr || route == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const nexus::link_route* r = n.link_table_entry(hash_of(link16));
        if (r == nullptr) return NEXUS_ERR_NOT_FOUND;
        nexus_node_link_route v{};
        copy_out(v.destination, r->destination);
        copy_out(v.next_hop, r->next_hop);
        v.toward_initiator = r->toward_initiator;
        v.toward_responder = r->toward_responder;
        v.proven = r->proven ? 1 : 0;
        v.requests = r->requests;
        v.proofs = r->proofs;
        v.expires_ms = r->expires.ms();
        v.last_request_ms = r->last_request.ms();
        *route = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_link_table_size(const nexus_node* node, size_t* count) {
    if (node == nullptr || count == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        *count = n.link_table_size();
        return NEXUS_OK;
    });
}

nexus_status nexus_node_budget_get(const nexus_node* node, uint8_t iface, uint64_t now_ms,
                                   nexus_node_budget* budget) {
    if (node == nullptr || budget == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        if (iface >= n.interface_count()) return NEXUS_ERR_INVALID_ARGUMENT;
        const nexus::gossip::budget* b = n.budget(iface);
        if (b == nullptr) return NEXUS_ERR_NOT_FOUND;
        nexus::gossip::budget copy = *b;  // available() refills: ask a copy, leave the node as it is
        nexus_node_budget v{};
        v.bandwidth_bps = b->bandwidth_bps();
        v.constrained = b->constrained() ? 1 : 0;
        for (std::size_t i = 0; i < nexus::gossip::tier_count; ++i) {
            const auto t = static_cast<nexus::gossip::tier>(i + 1);
            v.capacity[i] = b->capacity(t);
            v.available[i] = copy.available(t, at(now_ms));
            const nexus::gossip::tier_stats& st = b->stats(t);
            v.stats[i].bytes_sent = st.bytes_sent;
            v.stats[i].messages = st.messages;
            v.stats[i].refused = st.refused;
            v.stats[i].refused_push = st.refused_push;
        }
        *budget = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_neighbour_count(const nexus_node* node, size_t* count) {
    if (node == nullptr || count == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        *count = n.neighbours().size();
        return NEXUS_OK;
    });
}

nexus_status nexus_node_neighbour_at(const nexus_node* node, size_t index, nexus_node_neighbour* neighbour) {
    if (node == nullptr || neighbour == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        const auto all = n.neighbours();
        if (index >= all.size()) return NEXUS_ERR_OUT_OF_RANGE;
        const nexus::neighbour_info& x = all[index];
        nexus_node_neighbour v{};
        copy_out(v.id, x.id);
        v.iface = x.iface;
        v.down = x.down ? 1 : 0;
        v.last_heard_ms = x.last_heard.ms();
        v.session = x.session;
        v.counter = x.counter;
        *neighbour = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_node_lamport(const nexus_node* node, uint64_t* lamport) {
    if (node == nullptr || lamport == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_node(node, [&](const auto& n) {
        *lamport = n.lamport();
        return NEXUS_OK;
    });
}

}  // extern "C"
