// The submodule nexus._nexus.node: nexus/node.hpp for Python. One native class, NodeCore, owns a
// random source and a node of either profile and one of the capacity presets this binding supports
// (config.hpp: pi_bridge, the default, and research; PRESETS below, read from the C++ constants).
// Profile and capacities are template parameters of nexus::node, so the class holds a std::variant
// of the instantiations and dispatches on it; each node lives on the heap at a fixed address (it
// points at its random source) and takes only its own preset's room. nexus/node.py builds Node,
// NodeEvent, NodeConfig and run_mesh on it. Refused packets and calls raise the nexus.errors class
// of the nexus error (ReplayedError, AuthFailedError, ...: NexusError, alias NodeError, a ValueError).
// Routing and gossip state (the routing table, best routes under a policy, known destinations, the
// transport link table, interface metrics, gossip budgets, neighbours, the Lamport clock) comes out
// as tuples and dicts that node.py turns into dataclasses; policies are the names of nexus.routing
// ("cheapest", "fastest", "most_reliable", "balanced").
#include "bindings.hpp"
#include "support.hpp"

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
#include <nexus/wire/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace nexus::python {

// Shared with sim.cpp (declared there too): a policy by its nexus.routing name (ValueError for
// another), and a preset's capacities as a dict keyed by the node_capacities field names.
nexus::routing::path_policy policy_of(std::string_view name);
py::dict capacities_dict(const nexus::node_capacities& c);

namespace {

template <class T>
void require(const nexus::result<T>& r) {
    if (!r) raise(r.error());  // the nexus.errors class of the code (bindings.hpp)
}

using node_random = binding_random;

template <class P, nexus::node_capacities C>
using node_of = nexus::node<P, node_random, C>;

// The presets a Python node can have (config.hpp): a host node, the default, and a research node.
constexpr std::string_view default_preset = "pi_bridge";

nexus::timestamp at(std::uint64_t ms) { return nexus::timestamp::from_ms(ms); }

nexus::duration ms(std::uint64_t v) {
    if (v > 0x7fffffffffffffffULL) throw py::value_error("durations must be below 2**63 ms");
    return nexus::duration::milliseconds(static_cast<std::int64_t>(v));
}

/// An integer argument within [lo, hi], else ValueError naming it.
std::int64_t ranged(std::int64_t v, std::int64_t lo, std::int64_t hi, const char* what) {
    if (v < lo || v > hi)
        throw py::value_error(std::string(what) + " must be between " + std::to_string(lo) + " and " +
                              std::to_string(hi));
    return v;
}

nexus::interface_id iface_arg(int iface) {
    return static_cast<nexus::interface_id>(ranged(iface, 0, 255, "iface"));
}

nexus::interface_metrics metrics_arg(std::int64_t bandwidth_bps, std::int64_t latency_ms, bool shared) {
    return nexus::interface_metrics{
        static_cast<std::uint32_t>(ranged(bandwidth_bps, 0, 0xFFFFFFFFLL, "bandwidth_bps")),
        static_cast<std::uint16_t>(ranged(latency_ms, 0, 0xFFFF, "latency_ms")), shared};
}

py::bytes hash_bytes(const nexus::truncated_hash& h) { return to_bytes(std::span<const std::uint8_t>(h)); }

/// A hash that is all zero (HEADER_1: no transport id) as None, else its bytes.
py::object hash_or_none(const nexus::truncated_hash& h) {
    return h == nexus::truncated_hash{} ? py::object(py::none()) : py::object(hash_bytes(h));
}

/// (destination, iface, next_hop, (cost code, worst latency ms, bandwidth code, hop count),
/// reliability, state, failed, lamport, last_updated_ms, expires_ms, evict_at_ms, last_used_ms,
/// suspect).
py::tuple route_tuple(const nexus::routing::routing_entry& e) {
    return py::make_tuple(hash_bytes(e.destination), e.hop.iface, hash_bytes(e.hop.address),
                          py::make_tuple(e.cost.cumulative_cost, e.cost.worst_latency_ms,
                                         e.cost.bottleneck_bps, e.cost.hop_count),
                          e.reliability, e.state == nexus::routing::route_state::active ? "active" : "stale",
                          e.failed, e.lamport, e.last_updated.ms(), e.expires.ms(), e.evict_at.ms(),
                          e.last_used.ms(), e.suspect);
}

nexus::truncated_hash hash_arg(const py::bytes& b, const char* what) {
    const auto s = exact(b, nexus::truncated_hash_size, what);
    nexus::truncated_hash h{};
    for (std::size_t i = 0; i < h.size(); ++i) h[i] = s[i];
    return h;
}

/// (kind, id, iface, hops, context, reason, data, reliable, sequence) of an event; data copied
/// (it points into the node's event buffer, valid until its next poll).
py::tuple event_tuple(const nexus::node_event& ev) {
    return py::make_tuple(kind_name(ev.kind), hash_bytes(ev.id), ev.iface, ev.hops, ev.context,
                          std::string(nexus::to_string(ev.reason)), to_bytes(ev.data), ev.reliable,
                          ev.sequence);
}

/// A known destination (node/routing.hpp known_destination) as a dict; app_data is the cached
/// announce's, None when the announce is not cached.
template <class K>
py::dict known_dict(const K& k) {
    py::dict d;
    d["public_key"] = to_bytes(std::span<const std::uint8_t>(k.public_key));
    d["name_hash"] = to_bytes(std::span<const std::uint8_t>(k.name));
    d["owner"] = hash_bytes(k.owner);
    d["lamport"] = k.lamport;
    d["emitted"] = k.emitted;
    d["announce_expires_ms"] = k.announce_expires.ms();
    d["last_used_ms"] = k.last_used.ms();
    d["protected_until_ms"] = k.protected_until.ms();
    d["links"] = k.links;
    d["cached"] = k.cached;
    d["app_data"] = k.cached
                        ? py::object(to_bytes(std::span<const std::uint8_t>(k.app_data.data(), k.app_size)))
                        : py::object(py::none());
    return d;
}

/// A transport link-table entry (node/transport.hpp link_route) as a dict.
py::dict link_route_dict(const nexus::link_route& r) {
    py::dict d;
    d["destination"] = hash_bytes(r.destination);
    d["next_hop"] = hash_or_none(r.next_hop);
    d["toward_initiator"] = r.toward_initiator;
    d["toward_responder"] = r.toward_responder;
    d["proven"] = r.proven;
    d["requests"] = r.requests;
    d["proofs"] = r.proofs;
    d["expires_ms"] = r.expires.ms();
    d["last_request_ms"] = r.last_request.ms();
    return d;
}

class node_core {
public:
    using any_node =
        std::variant<std::unique_ptr<node_of<nexus::nexus_profile, nexus::presets::pi_bridge>>,
                     std::unique_ptr<node_of<nexus::reticulum_profile, nexus::presets::pi_bridge>>,
                     std::unique_ptr<node_of<nexus::nexus_profile, nexus::presets::research>>,
                     std::unique_ptr<node_of<nexus::reticulum_profile, nexus::presets::research>>>;

    struct state {
        explicit state(std::optional<std::uint64_t> seed) : rng(seed) {}
        node_random rng;  // declared first: destroyed after the node that points at it
        any_node n;
        std::string profile, preset;
    };

private:
    template <class Fn>
    decltype(auto) visit(Fn&& fn) {
        return std::visit([&](auto& p) -> decltype(auto) { return fn(*p); }, s_->n);
    }
    template <class Fn>
    decltype(auto) visit(Fn&& fn) const {
        return std::visit([&](const auto& p) -> decltype(auto) { return fn(std::as_const(*p)); }, s_->n);
    }

    template <class P, nexus::node_capacities C>
    void start(const std::span<const std::uint8_t>& key, const nexus::node_config& config) {
        auto id = nexus::identity<P>::from_private_key(key);
        require(id);
        s_->n = std::make_unique<node_of<P, C>>(static_cast<nexus::identity<P>&&>(*id), s_->rng, config);
    }
    template <nexus::node_capacities C>
    void start_profile(const std::span<const std::uint8_t>& key, const nexus::node_config& config) {
        if (s_->profile == nexus::nexus_profile::name)
            start<nexus::nexus_profile, C>(key, config);
        else
            start<nexus::reticulum_profile, C>(key, config);
    }

public:
    node_core(std::string_view profile, std::string_view preset, const py::bytes& private_key, bool transport,
              std::optional<std::uint64_t> seed, const nexus::node_config& base)
        : s_(std::make_unique<state>(seed)) {
        if (profile != nexus::nexus_profile::name && profile != nexus::reticulum_profile::name)
            throw py::value_error("profile must be 'nexus' or 'reticulum'");
        if (preset != "pi_bridge" && preset != "research")
            throw py::value_error("preset must be 'pi_bridge' or 'research', not '" + std::string(preset) +
                                  "'");
        s_->profile = std::string(profile);
        s_->preset = std::string(preset);
        const auto key = exact(private_key, nexus::private_key_size, "private_key");
        nexus::node_config config = base;
        config.transport = transport;
        if (preset == "research")
            start_profile<nexus::presets::research>(key, config);
        else
            start_profile<nexus::presets::pi_bridge>(key, config);
    }

    int add_interface(std::int64_t bandwidth_bps, std::int64_t latency_ms, bool shared,
                      std::uint64_t now_ms) {
        const auto m = metrics_arg(bandwidth_bps, latency_ms, shared);
        return visit([&](auto& n) {
            auto r = n.add_interface(m, at(now_ms));
            require(r);
            return static_cast<int>(*r);
        });
    }

    void set_interface_metrics(int iface, std::int64_t bandwidth_bps, std::int64_t latency_ms, bool shared,
                               std::uint64_t now_ms) {
        const auto i = iface_arg(iface);
        const auto m = metrics_arg(bandwidth_bps, latency_ms, shared);
        visit([&](auto& n) { require(n.set_interface_metrics(i, m, at(now_ms))); });
    }

    /// (bandwidth_bps, latency_ms, shared); invalid_argument for an unknown interface.
    py::tuple metrics(int iface) const {
        const auto i = iface_arg(iface);
        return visit([&](const auto& n) {
            const nexus::interface_metrics* m = n.metrics(i);
            if (m == nullptr) raise(nexus::error::invalid_argument, "no interface " + std::to_string(i));
            return py::make_tuple(m->bandwidth_bps, m->latency_ms, m->shared);
        });
    }

    std::size_t interface_count() const {
        return visit([](const auto& n) { return n.interface_count(); });
    }

    std::vector<py::tuple> routes() const {
        return visit([](const auto& n) {
            std::vector<py::tuple> out;
            for (const auto& e : n.routes()) out.push_back(route_tuple(e));
            return out;
        });
    }

    std::optional<py::tuple> route(const py::bytes& destination, std::uint64_t now_ms,
                                   const std::optional<std::string>& policy) const {
        const auto d = hash_arg(destination, "destination");
        return visit([&](const auto& n) -> std::optional<py::tuple> {
            const nexus::routing::routing_entry* e =
                policy ? n.route(d, policy_of(*policy), at(now_ms)) : n.route(d, at(now_ms));
            if (e == nullptr) return std::nullopt;
            return route_tuple(*e);
        });
    }

    std::optional<py::dict> known(const py::bytes& destination) const {
        const auto d = hash_arg(destination, "destination");
        return visit([&](const auto& n) -> std::optional<py::dict> {
            const auto* k = n.known(d);
            if (k == nullptr) return std::nullopt;
            return known_dict(*k);
        });
    }
    std::size_t known_count() const {
        return visit([](const auto& n) { return n.known_count(); });
    }

    void request_path(const py::bytes& destination, std::uint64_t now_ms) {
        const auto d = hash_arg(destination, "destination");
        visit([&](auto& n) { require(n.request_path(d, at(now_ms))); });
    }

    std::optional<py::dict> link_table_entry(const py::bytes& link) const {
        const auto l = hash_arg(link, "link");
        return visit([&](const auto& n) -> std::optional<py::dict> {
            const nexus::link_route* r = n.link_table_entry(l);
            if (r == nullptr) return std::nullopt;
            return link_route_dict(*r);
        });
    }
    std::size_t link_table_size() const {
        return visit([](const auto& n) { return n.link_table_size(); });
    }

    /// The reliable channel of an established link of ours (window, estimates, channel_stats), or
    /// None (unknown or not yet established).
    std::optional<py::dict> channel_info(const py::bytes& link) const {
        const auto l = hash_arg(link, "link");
        return visit([&](const auto& n) -> std::optional<py::dict> {
            const auto* ch = n.find_channel(l);
            if (ch == nullptr) return std::nullopt;
            const auto& s = ch->stats();
            py::dict d;
            d["window"] = ch->window;
            d["in_flight"] = ch->in_flight();
            d["unacknowledged"] = ch->unacknowledged();
            d["srtt_ms"] = ch->srtt().count_ms();
            d["rttvar_ms"] = ch->rttvar().count_ms();
            d["rto_ms"] = ch->rto().count_ms();
            d["messages_sent"] = s.messages_sent;
            d["retransmissions"] = s.retransmissions;
            d["fast_retransmissions"] = s.fast_retransmissions;
            d["messages_acked"] = s.messages_acked;
            d["messages_received"] = s.messages_received;
            d["duplicates"] = s.duplicates;
            d["out_of_window"] = s.out_of_window;
            d["acks_sent"] = s.acks_sent;
            d["acks_received"] = s.acks_received;
            d["acks_stale"] = s.acks_stale;
            d["malformed"] = s.malformed;
            return d;
        });
    }

    /// (bandwidth_bps, constrained, [(capacity, available or None, bytes_sent, messages, refused,
    /// refused_push) per tier 1..4]); None without a budget; invalid_argument for an unknown interface.
    /// available is read from a copy of the budget (it refills), so the node is not changed.
    std::optional<py::tuple> budget(int iface, std::optional<std::uint64_t> now_ms) const {
        const auto i = iface_arg(iface);
        return visit([&](const auto& n) -> std::optional<py::tuple> {
            if (i >= n.interface_count())
                raise(nexus::error::invalid_argument, "no interface " + std::to_string(i));
            const nexus::gossip::budget* b = n.budget(i);
            if (b == nullptr) return std::nullopt;
            nexus::gossip::budget copy = *b;
            py::list tiers;
            for (std::size_t k = 0; k < nexus::gossip::tier_count; ++k) {
                const auto t = static_cast<nexus::gossip::tier>(k + 1);
                const nexus::gossip::tier_stats& st = b->stats(t);
                py::object avail = now_ms ? py::object(py::int_(copy.available(t, at(*now_ms)))) : py::none();
                tiers.append(py::make_tuple(b->capacity(t), avail, st.bytes_sent, st.messages, st.refused,
                                            st.refused_push));
            }
            return py::make_tuple(b->bandwidth_bps(), b->constrained(), tiers);
        });
    }

    /// [(id, iface, last_heard_ms, down, session, counter)].
    std::vector<py::tuple> neighbours() const {
        return visit([](const auto& n) {
            std::vector<py::tuple> out;
            for (const auto& x : n.neighbours())
                out.push_back(py::make_tuple(hash_bytes(x.id), x.iface, x.last_heard.ms(), x.down, x.session,
                                             x.counter));
            return out;
        });
    }

    std::uint64_t lamport() const {
        return visit([](const auto& n) { return n.lamport(); });
    }

    void announce_nexus(const py::bytes& destination, std::uint64_t now_ms, const py::bytes& extra_tlvs) {
        const auto d = hash_arg(destination, "destination");
        visit([&](auto& n) { require(n.announce_nexus(d, at(now_ms), as_span(extra_tlvs))); });
    }

    py::bytes add_destination(const py::bytes& name_hash, bool accept_links) {
        const auto s = exact(name_hash, nexus::name_hash_size, "name_hash");
        nexus::name_hash name{};
        for (std::size_t i = 0; i < name.size(); ++i) name[i] = s[i];
        return visit([&](auto& n) {
            auto r = n.add_destination(name, accept_links);
            require(r);
            return hash_bytes(*r);
        });
    }

    void announce(const py::bytes& destination, std::uint64_t now_ms, const py::bytes& app_data) {
        const auto d = hash_arg(destination, "destination");
        visit([&](auto& n) { require(n.announce(d, at(now_ms), as_span(app_data))); });
    }

    py::bytes open_link(const py::bytes& destination, std::uint64_t now_ms,
                        const std::optional<std::string>& policy) {
        const auto d = hash_arg(destination, "destination");
        return visit([&](auto& n) {
            auto r = n.open_link(d, at(now_ms), policy ? policy_of(*policy) : n.config().policy);
            require(r);
            return hash_bytes(*r);
        });
    }

    void identify(const py::bytes& link) {
        const auto l = hash_arg(link, "link");
        visit([&](auto& n) { require(n.identify(l)); });
    }

    void send(const py::bytes& link, const py::bytes& data, std::uint64_t now_ms, int context) {
        if (context < 0 || context > 255) throw py::value_error("context must be between 0 and 255");
        const auto l = hash_arg(link, "link");
        visit([&](auto& n) {
            require(n.send(l, as_span(data), at(now_ms), static_cast<std::uint8_t>(context)));
        });
    }

    std::uint16_t send_reliable(const py::bytes& link, const py::bytes& data, std::uint64_t now_ms,
                                int context) {
        if (context < 0 || context > 255) throw py::value_error("context must be between 0 and 255");
        const auto l = hash_arg(link, "link");
        return visit([&](auto& n) {
            const auto seq = n.send_reliable(l, as_span(data), at(now_ms), static_cast<std::uint8_t>(context));
            require(seq);
            return *seq;
        });
    }

    void close(const py::bytes& link) {
        const auto l = hash_arg(link, "link");
        visit([&](auto& n) { require(n.close(l)); });
    }

    std::string link_state(const py::bytes& link) const {
        const auto l = hash_arg(link, "link");
        return visit([&](const auto& n) {
            auto r = n.link_status(l);
            require(r);
            return std::string(nexus::to_string(*r));
        });
    }

    /// Hands a frame to the node; what it caused comes from poll().
    void receive(int iface, const py::bytes& raw, std::uint64_t now_ms) {
        if (iface < 0 || iface > 255) throw py::value_error("iface must be between 0 and 255");
        const auto frame = as_span(raw);
        visit(
            [&](auto& n) { require(n.receive(static_cast<nexus::interface_id>(iface), frame, at(now_ms))); });
    }

    /// Every queued packet: (raw, iface, except_iface); 255 = every interface / none excepted.
    std::vector<py::tuple> pop_outgoing(std::uint64_t now_ms) {
        return visit([&](auto& n) {
            std::vector<py::tuple> out;
            for (;;) {
                std::array<std::uint8_t, nexus::wire::mtu> buf{};
                auto o = n.pop_outgoing(at(now_ms), buf);
                require(o);
                if (o->size == 0) return out;
                out.push_back(py::make_tuple(to_bytes(std::span<const std::uint8_t>(buf.data(), o->size)),
                                             o->iface, o->except));
            }
        });
    }

    /// Every event up to now, in the order they happened (timers run when the queue is empty).
    std::vector<py::tuple> poll(std::uint64_t now_ms) {
        return visit([&](auto& n) {
            std::vector<py::tuple> out;
            for (;;) {
                const auto ev = n.poll(at(now_ms));
                if (ev.kind == nexus::node_event_kind::none) return out;
                out.push_back(event_tuple(ev));
            }
        });
    }

    std::optional<std::uint64_t> next_deadline() const {
        return visit([](const auto& n) -> std::optional<std::uint64_t> {
            const auto t = n.next_deadline();
            if (t == nexus::timestamp::max()) return std::nullopt;
            return t.ms();
        });
    }

    py::dict stats() const {
        return visit([](const auto& n) { return stats_dict(n.stats()); });
    }
    py::dict capacities() const {
        return visit(
            [](const auto& n) { return capacities_dict(std::remove_cvref_t<decltype(n)>::capacities); });
    }
    py::bytes identity_hash() const {
        return visit([](const auto& n) { return hash_bytes(n.self().hash()); });
    }
    bool transport() const {
        return visit([](const auto& n) { return n.config().transport; });
    }
    const std::string& profile() const { return s_->profile; }
    const std::string& preset() const { return s_->preset; }

private:
    std::unique_ptr<state> s_;
};

/// The routing part of a node's configuration (node_config's policy, gossip, auto_announce,
/// relay_fee, timers and announce rate control), checked as the C ABI checks it.
struct routing_args {
    std::string policy;
    bool gossip = false, auto_announce = false;
    std::int64_t relay_fee = 0;
    std::uint64_t announce_interval_ms = 0, gossip_interval_ms = 0;
    std::int64_t active_intervals = 0, stale_intervals = 0, down_rounds = 0, evict_rounds = 0;
    std::uint64_t announce_rate_target_ms = 0;
    std::int64_t announce_rate_grace = 0;
    std::uint64_t announce_rate_penalty_ms = 0;
};

nexus::node_config make_config(std::uint64_t est, std::uint64_t keep, std::uint64_t inact, std::uint64_t rot,
                               std::uint64_t bw, bool require_identify, std::uint64_t path_lifetime_ms,
                               std::uint64_t link_table_lifetime_ms, int max_hops, const routing_args& r) {
    if (max_hops < 1 || max_hops > 255) throw py::value_error("max_hops must be between 1 and 255");
    constexpr std::int64_t u32 = 0xFFFFFFFFLL;
    if (r.announce_interval_ms < 1) throw py::value_error("announce_interval_ms must be at least 1");
    if (r.gossip_interval_ms < 1) throw py::value_error("gossip_interval_ms must be at least 1");
    const auto down = ranged(r.down_rounds, 1, u32, "down_rounds");
    if (r.evict_rounds < down || r.evict_rounds > u32)
        throw py::value_error("evict_rounds must be between down_rounds and 2**32 - 1");
    nexus::node_config c;
    c.link.establishment_timeout = ms(est);
    c.link.keepalive_interval = ms(keep);
    c.link.inactivity_timeout = ms(inact);
    c.link.rotate_interval = ms(rot);
    c.link.bandwidth_bps = bw;
    c.link.require_identify = require_identify;
    c.path_lifetime = ms(path_lifetime_ms);
    c.link_table_lifetime = ms(link_table_lifetime_ms);
    c.max_hops = static_cast<std::uint8_t>(max_hops);
    c.policy = policy_of(r.policy);
    c.gossip = r.gossip;
    c.auto_announce = r.auto_announce;
    c.relay_fee = static_cast<std::uint32_t>(ranged(r.relay_fee, 0, u32, "relay_fee"));
    c.timers.announce_interval = ms(r.announce_interval_ms);
    c.timers.gossip_interval = ms(r.gossip_interval_ms);
    c.timers.active_intervals =
        static_cast<std::uint32_t>(ranged(r.active_intervals, 1, u32, "active_intervals"));
    c.timers.stale_intervals =
        static_cast<std::uint32_t>(ranged(r.stale_intervals, 0, u32, "stale_intervals"));
    c.timers.down_rounds = static_cast<std::uint32_t>(down);
    c.timers.evict_rounds = static_cast<std::uint32_t>(r.evict_rounds);
    c.announce_rate.target = ms(r.announce_rate_target_ms);
    c.announce_rate.grace =
        static_cast<std::uint8_t>(ranged(r.announce_rate_grace, 0, 255, "announce_rate_grace"));
    c.announce_rate.penalty = ms(r.announce_rate_penalty_ms);
    return c;
}

}  // namespace

nexus::routing::path_policy policy_of(std::string_view name) {
    if (name == "cheapest") return nexus::routing::path_policy::cheapest();
    if (name == "fastest") return nexus::routing::path_policy::fastest();
    if (name == "most_reliable") return nexus::routing::path_policy::most_reliable();
    if (name == "balanced") return nexus::routing::path_policy::balanced();
    throw py::value_error("policy must be 'cheapest', 'fastest', 'most_reliable' or 'balanced', not '" +
                          std::string(name) + "'");
}

namespace {
const char* policy_name(const nexus::routing::path_policy& p) {
    namespace nr = nexus::routing;
    if (p == nr::path_policy::cheapest()) return "cheapest";
    if (p == nr::path_policy::fastest()) return "fastest";
    if (p == nr::path_policy::most_reliable()) return "most_reliable";
    return "balanced";
}

}  // namespace

// node_stats is all counters and node_capacities all sizes: a field added to the core without its
// entry in the tables below changes the size and stops the build here instead of going missing
// from Python.
namespace {
struct stats_field {
    const char* name;
    std::uint64_t nexus::node_stats::*field;
};
constexpr std::array<stats_field, 32> stats_fields{{
    {"received", &nexus::node_stats::received},
    {"sent", &nexus::node_stats::sent},
    {"forwarded", &nexus::node_stats::forwarded},
    {"duplicates", &nexus::node_stats::duplicates},
    {"malformed", &nexus::node_stats::malformed},
    {"announces_valid", &nexus::node_stats::announces_valid},
    {"announces_rejected", &nexus::node_stats::announces_rejected},
    {"links_rejected", &nexus::node_stats::links_rejected},
    {"no_route", &nexus::node_stats::no_route},
    {"gossip_sent", &nexus::node_stats::gossip_sent},
    {"gossip_bytes_sent", &nexus::node_stats::gossip_bytes_sent},
    {"gossip_received", &nexus::node_stats::gossip_received},
    {"gossip_rejected", &nexus::node_stats::gossip_rejected},
    {"adverts_merged", &nexus::node_stats::adverts_merged},
    {"adverts_refused", &nexus::node_stats::adverts_refused},
    {"neighbours_down", &nexus::node_stats::neighbours_down},
    {"announces_sent", &nexus::node_stats::announces_sent},
    {"events_dropped", &nexus::node_stats::events_dropped},
    {"destinations_evicted", &nexus::node_stats::destinations_evicted},
    {"destinations_refused", &nexus::node_stats::destinations_refused},
    {"pending_links_evicted", &nexus::node_stats::pending_links_evicted},
    {"link_table_evicted", &nexus::node_stats::link_table_evicted},
    {"link_table_refused", &nexus::node_stats::link_table_refused},
    {"proofs_returned", &nexus::node_stats::proofs_returned},
    {"announces_held", &nexus::node_stats::announces_held},
    {"announces_released", &nexus::node_stats::announces_released},
    {"announces_dropped", &nexus::node_stats::announces_dropped},
    {"rebroadcasts_limited", &nexus::node_stats::rebroadcasts_limited},
    {"announce_retries", &nexus::node_stats::announce_retries},
    {"path_requests_sent", &nexus::node_stats::path_requests_sent},
    {"path_requests_answered", &nexus::node_stats::path_requests_answered},
    {"path_requests_forwarded", &nexus::node_stats::path_requests_forwarded},
}};
static_assert(sizeof(nexus::node_stats) == stats_fields.size() * sizeof(std::uint64_t),
              "node_stats gained or lost a counter: update stats_fields");

struct capacity_field {
    const char* name;
    std::size_t nexus::node_capacities::*field;
};
constexpr std::array<capacity_field, 22> capacity_fields{{
    {"interfaces", &nexus::node_capacities::interfaces},
    {"destinations", &nexus::node_capacities::destinations},
    {"known_destinations", &nexus::node_capacities::known_destinations},
    {"routes", &nexus::node_capacities::routes},
    {"paths_per_destination", &nexus::node_capacities::paths_per_destination},
    {"links", &nexus::node_capacities::links},
    {"pending_links_per_interface", &nexus::node_capacities::pending_links_per_interface},
    {"link_table", &nexus::node_capacities::link_table},
    {"reverse_table", &nexus::node_capacities::reverse_table},
    {"outbox", &nexus::node_capacities::outbox},
    {"seen", &nexus::node_capacities::seen},
    {"neighbours", &nexus::node_capacities::neighbours},
    {"early_offers", &nexus::node_capacities::early_offers},
    {"gossip_kinds", &nexus::node_capacities::gossip_kinds},
    {"events", &nexus::node_capacities::events},
    {"announce_sources", &nexus::node_capacities::announce_sources},
    {"held_announces", &nexus::node_capacities::held_announces},
    {"announce_rates", &nexus::node_capacities::announce_rates},
    {"announce_retries", &nexus::node_capacities::announce_retries},
    {"path_requests", &nexus::node_capacities::path_requests},
    {"cached_app_data", &nexus::node_capacities::cached_app_data},
    {"channel_window", &nexus::node_capacities::channel_window},
}};
static_assert(sizeof(nexus::node_capacities) == capacity_fields.size() * sizeof(std::size_t),
              "node_capacities gained or lost a field: update capacity_fields");
}  // namespace

py::dict stats_dict(const nexus::node_stats& s) {
    py::dict d;
    for (const auto& f : stats_fields) d[f.name] = s.*f.field;
    return d;
}

py::dict capacities_dict(const nexus::node_capacities& c) {
    py::dict d;
    for (const auto& f : capacity_fields) d[f.name] = c.*f.field;
    return d;
}

void bind_node(py::module_& m) {
    py::module_ c = m.def_submodule(
        "node",
        "The sans-I/O node (low level: see nexus.Node). Time is uint64 milliseconds on any monotonic clock; "
        "a refusal raises the nexus.errors class of its code (NodeError = nexus.NexusError, a ValueError).");
    py::dict presets;  // the presets a NodeCore can be made with
    presets["pi_bridge"] = capacities_dict(nexus::presets::pi_bridge);
    presets["research"] = capacities_dict(nexus::presets::research);
    c.attr("PRESETS") = presets;
    c.attr("DEFAULT_PRESET") = std::string(default_preset);
    c.attr("ALL_INTERFACES") = nexus::all_interfaces;
    c.attr("CHANNEL_MDU") = nexus::channel_mdu;
    py::list kinds;
    for (unsigned k = 0; k < 256; ++k) {
        const auto name = nexus::to_string(static_cast<nexus::node_event_kind>(k));
        if (name == "unknown") break;  // the kinds are numbered from none (0) without gaps
        kinds.append(py::str(name.data(), name.size()));
    }
    c.attr("EVENT_KINDS") = kinds;

    c.def(
        "default_config",
        []() {
            const nexus::node_config k{};
            py::dict d;
            d["path_lifetime_ms"] = k.path_lifetime.count_ms();
            d["link_table_lifetime_ms"] = k.link_table_lifetime.count_ms();
            d["max_hops"] = k.max_hops;
            d["policy"] = policy_name(k.policy);
            d["gossip"] = k.gossip;
            d["auto_announce"] = k.auto_announce;
            d["relay_fee"] = k.relay_fee;
            d["announce_interval_ms"] = k.timers.announce_interval.count_ms();
            d["gossip_interval_ms"] = k.timers.gossip_interval.count_ms();
            d["active_intervals"] = k.timers.active_intervals;
            d["stale_intervals"] = k.timers.stale_intervals;
            d["down_rounds"] = k.timers.down_rounds;
            d["evict_rounds"] = k.timers.evict_rounds;
            d["announce_rate_target_ms"] = k.announce_rate.target.count_ms();
            d["announce_rate_grace"] = k.announce_rate.grace;
            d["announce_rate_penalty_ms"] = k.announce_rate.penalty.count_ms();
            return d;
        },
        "The library's default node configuration (without the link part), as a dict.");

    py::class_<node_core>(c, "NodeCore")
        .def(py::init([](std::string_view profile, std::string_view preset, const py::bytes& private_key,
                         bool transport, std::optional<std::uint64_t> seed, std::uint64_t est,
                         std::uint64_t keep, std::uint64_t inact, std::uint64_t rot, std::uint64_t bw,
                         bool require_identify, std::uint64_t path_lifetime_ms,
                         std::uint64_t link_table_lifetime_ms, int max_hops, std::string policy, bool gossip,
                         bool auto_announce, std::int64_t relay_fee, std::uint64_t announce_interval_ms,
                         std::uint64_t gossip_interval_ms, std::int64_t active_intervals,
                         std::int64_t stale_intervals, std::int64_t down_rounds, std::int64_t evict_rounds,
                         std::uint64_t announce_rate_target_ms, std::int64_t announce_rate_grace,
                         std::uint64_t announce_rate_penalty_ms) {
                 const routing_args r{std::move(policy),
                                      gossip,
                                      auto_announce,
                                      relay_fee,
                                      announce_interval_ms,
                                      gossip_interval_ms,
                                      active_intervals,
                                      stale_intervals,
                                      down_rounds,
                                      evict_rounds,
                                      announce_rate_target_ms,
                                      announce_rate_grace,
                                      announce_rate_penalty_ms};
                 return node_core(profile, preset, private_key, transport, seed,
                                  make_config(est, keep, inact, rot, bw, require_identify, path_lifetime_ms,
                                              link_table_lifetime_ms, max_hops, r));
             }),
             py::arg("profile"), py::arg("preset"), py::arg("private_key"), py::arg("transport"),
             py::arg("seed"), py::arg("establishment_timeout_ms"), py::arg("keepalive_interval_ms"),
             py::arg("inactivity_timeout_ms"), py::arg("rotate_interval_ms"), py::arg("bandwidth_bps"),
             py::arg("require_identify"), py::arg("path_lifetime_ms"), py::arg("link_table_lifetime_ms"),
             py::arg("max_hops"), py::arg("policy"), py::arg("gossip"), py::arg("auto_announce"),
             py::arg("relay_fee"), py::arg("announce_interval_ms"), py::arg("gossip_interval_ms"),
             py::arg("active_intervals"), py::arg("stale_intervals"), py::arg("down_rounds"),
             py::arg("evict_rounds"), py::arg("announce_rate_target_ms"), py::arg("announce_rate_grace"),
             py::arg("announce_rate_penalty_ms"))
        .def("add_interface", &node_core::add_interface, py::arg("bandwidth_bps"), py::arg("latency_ms"),
             py::arg("shared"), py::arg("now_ms"))
        .def("set_interface_metrics", &node_core::set_interface_metrics, py::arg("iface"),
             py::arg("bandwidth_bps"), py::arg("latency_ms"), py::arg("shared"), py::arg("now_ms"))
        .def("metrics", &node_core::metrics, py::arg("iface"))
        .def_property_readonly("interface_count", &node_core::interface_count)
        .def("routes", &node_core::routes)
        .def("route", &node_core::route, py::arg("destination"), py::arg("now_ms"), py::arg("policy"))
        .def("known", &node_core::known, py::arg("destination"))
        .def_property_readonly("known_count", &node_core::known_count)
        .def("request_path", &node_core::request_path, py::arg("destination"), py::arg("now_ms"))
        .def("link_table_entry", &node_core::link_table_entry, py::arg("link"))
        .def("channel_info", &node_core::channel_info, py::arg("link"))
        .def_property_readonly("link_table_size", &node_core::link_table_size)
        .def("budget", &node_core::budget, py::arg("iface"), py::arg("now_ms"))
        .def("neighbours", &node_core::neighbours)
        .def_property_readonly("lamport", &node_core::lamport)
        .def("announce_nexus", &node_core::announce_nexus, py::arg("destination"), py::arg("now_ms"),
             py::arg("extra_tlvs"))
        .def("add_destination", &node_core::add_destination, py::arg("name_hash"), py::arg("accept_links"))
        .def("announce", &node_core::announce, py::arg("destination"), py::arg("now_ms"), py::arg("app_data"))
        .def("open_link", &node_core::open_link, py::arg("destination"), py::arg("now_ms"), py::arg("policy"))
        .def("identify", &node_core::identify, py::arg("link"))
        .def("send", &node_core::send, py::arg("link"), py::arg("data"), py::arg("now_ms"),
             py::arg("context"))
        .def("send_reliable", &node_core::send_reliable, py::arg("link"), py::arg("data"), py::arg("now_ms"),
             py::arg("context"))
        .def("close", &node_core::close, py::arg("link"))
        .def("link_state", &node_core::link_state, py::arg("link"))
        .def("receive", &node_core::receive, py::arg("iface"), py::arg("raw"), py::arg("now_ms"))
        .def("pop_outgoing", &node_core::pop_outgoing, py::arg("now_ms"))
        .def("poll", &node_core::poll, py::arg("now_ms"))
        .def("next_deadline", &node_core::next_deadline)
        .def_property_readonly("stats", &node_core::stats)
        .def_property_readonly("capacities", &node_core::capacities)
        .def_property_readonly("identity_hash", &node_core::identity_hash)
        .def_property_readonly("transport", &node_core::transport)
        .def_property_readonly("profile", &node_core::profile)
        .def_property_readonly("preset", &node_core::preset);
}

}  // namespace nexus::python
