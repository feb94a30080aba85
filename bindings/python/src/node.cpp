// The submodule nexus._nexus.node: nexus/node.hpp for Python. One native class, NodeCore, owns a
// random source and a node of either profile (the profile is a template parameter of nexus::node,
// so the class holds a std::variant of both and dispatches on it), on the heap at a fixed address
// (the node points at its random source). The capacities are fixed for a desktop or simulation node
// (the constants CAPACITIES below, exported to Python). nexus/node.py builds Node, NodeEvent,
// NodeConfig and run_mesh on it. Refused packets and calls raise NodeError (a ValueError) whose
// message is the nexus error name ("replayed", "auth_failed", ...), which node.py turns into the
// matching exception class. Routing and gossip state (the routing table, best routes under a policy,
// interface metrics, gossip budgets, neighbours, the Lamport clock) comes out as tuples that node.py
// turns into RouteInfo, GossipBudget, NeighbourInfo and InterfaceMetrics; policies are the names of
// nexus.routing ("cheapest", "fastest", "most_reliable", "balanced").
#include "bindings.hpp"
#include "support.hpp"

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
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <sys/random.h>
#include <unistd.h>

namespace nexus::python {

namespace {

// Capacities of the bound node (the same as the C ABI's NEXUS_NODE_* constants).
constexpr std::size_t max_interfaces = 8, max_destinations = 4, max_paths = 256, max_links = 32,
                      max_link_table = 64, outbox = 64, seen = 1024, max_routes = 512, max_neighbours = 16;

/// A refused packet or call: what() is the nexus error name.
struct node_failure : std::exception {
    explicit node_failure(const char* n) noexcept : name(n) {}
    const char* what() const noexcept override { return name; }
    const char* name;
};

template <class T>
void require(const nexus::result<T>& r) {
    if (!r) throw node_failure(error_name(r.error()));
}

using node_random = binding_random;

template <class P>
using node_of = nexus::node<P, node_random, max_interfaces, max_destinations, max_paths, max_links,
                            max_link_table, outbox, seen, max_routes, max_neighbours>;

nexus::timestamp at(std::uint64_t ms) { return nexus::timestamp::from_ms(ms); }

nexus::duration ms(std::uint64_t v) {
    if (v > 0x7fffffffffffffffULL) throw py::value_error("durations must be below 2**63 ms");
    return nexus::duration::milliseconds(static_cast<std::int64_t>(v));
}

nexus::routing::path_policy policy_of(std::string_view name) {
    if (name == "cheapest") return nexus::routing::path_policy::cheapest();
    if (name == "fastest") return nexus::routing::path_policy::fastest();
    if (name == "most_reliable") return nexus::routing::path_policy::most_reliable();
    if (name == "balanced") return nexus::routing::path_policy::balanced();
    throw py::value_error("policy must be 'cheapest', 'fastest', 'most_reliable' or 'balanced'");
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

/// (kind, id, iface, hops, context, reason, data) of an event; data copied (it may point into the
/// caller's frame or the scratch buffer).
py::tuple event_tuple(const nexus::node_event& ev) {
    return py::make_tuple(kind_name(ev.kind), to_bytes(std::span<const std::uint8_t>(ev.id)), ev.iface,
                          ev.hops, ev.context, std::string(nexus::to_string(ev.reason)), to_bytes(ev.data));
}

class node_core {
public:
    struct state {
        explicit state(std::optional<std::uint64_t> seed) : rng(seed) {}
        ~state() { nexus::crypto::secure_wipe_object(scratch); }
        node_random rng;  // declared first: destroyed after the node that points at it
        std::variant<std::monostate, node_of<nexus::nexus_profile>, node_of<nexus::reticulum_profile>> n;
        std::string profile;
        std::array<std::uint8_t, nexus::link_mdu> scratch{};
    };

private:
    template <class Fn>
    auto visit(Fn&& fn) {
        if (auto* n = std::get_if<2>(&s_->n)) return fn(*n);
        return fn(std::get<1>(s_->n));
    }

public:
    node_core(std::string_view profile, const py::bytes& private_key, bool transport,
              std::optional<std::uint64_t> seed, const nexus::node_config& base)
        : s_(std::make_unique<state>(seed)) {
        if (profile != nexus::nexus_profile::name && profile != nexus::reticulum_profile::name)
            throw py::value_error("profile must be 'nexus' or 'reticulum'");
        s_->profile = std::string(profile);
        const auto key = exact(private_key, nexus::private_key_size, "private_key");
        nexus::node_config config = base;
        config.transport = transport;
        auto start = [&]<class P>(P) {
            auto id = nexus::identity<P>::from_private_key(key);
            require(id);
            s_->n.template emplace<node_of<P>>(static_cast<nexus::identity<P>&&>(*id), s_->rng, config);
        };
        if (s_->profile == nexus::nexus_profile::name)
            start(nexus::nexus_profile{});
        else
            start(nexus::reticulum_profile{});
    }

    int add_interface(std::int64_t bandwidth_bps, std::int64_t latency_ms, bool shared) {
        const auto m = metrics_arg(bandwidth_bps, latency_ms, shared);
        return visit([&](auto& n) {
            auto r = n.add_interface(m);
            require(r);
            return static_cast<int>(*r);
        });
    }

    void set_interface_metrics(int iface, std::int64_t bandwidth_bps, std::int64_t latency_ms, bool shared,
                               std::uint64_t now_ms) {
        const auto i = iface_arg(iface);
        const auto m = metrics_arg(bandwidth_bps, latency_ms, shared);
        visit([&](auto& n) {
            require(n.set_interface_metrics(i, m, at(now_ms)));
            return 0;
        });
    }

    /// (bandwidth_bps, latency_ms, shared); invalid_argument for an unknown interface.
    py::tuple metrics(int iface) {
        const auto i = iface_arg(iface);
        return visit([&](auto& n) {
            const nexus::interface_metrics* m = n.metrics(i);
            if (m == nullptr) throw node_failure(error_name(nexus::error::invalid_argument));
            return py::make_tuple(m->bandwidth_bps, m->latency_ms, m->shared);
        });
    }

    std::size_t interface_count() {
        return visit([](auto& n) { return n.interface_count(); });
    }

    std::vector<py::tuple> routes() {
        return visit([](auto& n) {
            std::vector<py::tuple> out;
            for (const auto& e : n.routes()) out.push_back(route_tuple(e));
            return out;
        });
    }

    std::optional<py::tuple> route(const py::bytes& destination, std::uint64_t now_ms,
                                   std::optional<std::string> policy) {
        const auto d = hash_arg(destination, "destination");
        return visit([&](auto& n) -> std::optional<py::tuple> {
            const auto p = policy ? policy_of(*policy) : n.config().policy;
            const nexus::routing::routing_entry* e = n.route(d, p, at(now_ms));
            if (e == nullptr) return std::nullopt;
            return route_tuple(*e);
        });
    }

    /// (bandwidth_bps, constrained, [(capacity, available or None, bytes_sent, messages, refused,
    /// refused_push) per tier 1..4]); None without a budget; invalid_argument for an unknown interface.
    /// available is read from a copy of the budget (it refills), so the node is not changed.
    std::optional<py::tuple> budget(int iface, std::optional<std::uint64_t> now_ms) {
        const auto i = iface_arg(iface);
        return visit([&](auto& n) -> std::optional<py::tuple> {
            if (i >= n.interface_count()) throw node_failure(error_name(nexus::error::invalid_argument));
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
    std::vector<py::tuple> neighbours() {
        return visit([](auto& n) {
            std::vector<py::tuple> out;
            for (const auto& x : n.neighbours())
                out.push_back(py::make_tuple(hash_bytes(x.id), x.iface, x.last_heard.ms(), x.down, x.session,
                                             x.counter));
            return out;
        });
    }

    std::uint64_t lamport() {
        return visit([](auto& n) { return n.lamport(); });
    }

    void announce_nexus(const py::bytes& destination, std::uint64_t now_ms, const py::bytes& extra_tlvs) {
        const auto d = hash_arg(destination, "destination");
        visit([&](auto& n) {
            require(n.announce_nexus(d, at(now_ms), as_span(extra_tlvs)));
            return 0;
        });
    }

    py::bytes add_destination(const py::bytes& name_hash, bool accept_links) {
        const auto s = exact(name_hash, nexus::name_hash_size, "name_hash");
        nexus::name_hash name{};
        for (std::size_t i = 0; i < name.size(); ++i) name[i] = s[i];
        return visit([&](auto& n) {
            auto r = n.add_destination(name, accept_links);
            require(r);
            return to_bytes(std::span<const std::uint8_t>(*r));
        });
    }

    void announce(const py::bytes& destination, std::uint64_t now_ms, const py::bytes& app_data) {
        const auto d = hash_arg(destination, "destination");
        visit([&](auto& n) {
            require(n.announce(d, at(now_ms), as_span(app_data)));
            return 0;
        });
    }

    py::bytes open_link(const py::bytes& destination, std::uint64_t now_ms,
                        std::optional<std::string> policy) {
        const auto d = hash_arg(destination, "destination");
        return visit([&](auto& n) {
            auto r = n.open_link(d, at(now_ms), policy ? policy_of(*policy) : n.config().policy);
            require(r);
            return to_bytes(std::span<const std::uint8_t>(*r));
        });
    }

    void identify(const py::bytes& link) {
        const auto l = hash_arg(link, "link");
        visit([&](auto& n) {
            require(n.identify(l));
            return 0;
        });
    }

    void send(const py::bytes& link, const py::bytes& data, std::uint64_t now_ms, int context) {
        if (context < 0 || context > 255) throw py::value_error("context must be between 0 and 255");
        const auto l = hash_arg(link, "link");
        visit([&](auto& n) {
            require(n.send(l, as_span(data), at(now_ms), static_cast<std::uint8_t>(context)));
            return 0;
        });
    }

    void close(const py::bytes& link) {
        const auto l = hash_arg(link, "link");
        visit([&](auto& n) {
            require(n.close(l));
            return 0;
        });
    }

    std::string link_state(const py::bytes& link) {
        const auto l = hash_arg(link, "link");
        return visit([&](auto& n) {
            auto r = n.link_status(l);
            require(r);
            return std::string(nexus::to_string(*r));
        });
    }

    py::tuple receive(int iface, const py::bytes& raw, std::uint64_t now_ms) {
        if (iface < 0 || iface > 255) throw py::value_error("iface must be between 0 and 255");
        const auto frame = as_span(raw);
        return visit([&](auto& n) {
            struct wipe {
                std::array<std::uint8_t, nexus::link_mdu>& b;
                ~wipe() { nexus::crypto::secure_wipe_object(b); }
            } w{s_->scratch};
            auto ev = n.receive(static_cast<nexus::interface_id>(iface), frame, at(now_ms), s_->scratch);
            require(ev);
            return event_tuple(*ev);
        });
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

    std::optional<std::uint64_t> next_deadline() {
        return visit([](auto& n) -> std::optional<std::uint64_t> {
            const auto t = n.next_deadline();
            if (t == nexus::timestamp::max()) return std::nullopt;
            return t.ms();
        });
    }

    std::optional<py::dict> path(const py::bytes& destination) {
        const auto d = hash_arg(destination, "destination");
        return visit([&](auto& n) -> std::optional<py::dict> {
            const auto* p = n.path(d);
            if (p == nullptr) return std::nullopt;
            py::dict r;
            r["iface"] = p->iface;
            r["next_hop"] = p->next_hop == nexus::truncated_hash{}
                                ? py::object(py::none())
                                : py::object(to_bytes(std::span<const std::uint8_t>(p->next_hop)));
            r["hops"] = p->hops;
            r["expires_ms"] = p->expires.ms();
            r["public_key"] = to_bytes(std::span<const std::uint8_t>(p->public_key));
            r["name_hash"] = to_bytes(std::span<const std::uint8_t>(p->name));
            return r;
        });
    }

    py::dict stats() {
        return visit([](auto& n) {
            const nexus::node_stats& s = n.stats();
            return stats_dict(s);
        });
    }

    py::bytes identity_hash() {
        return visit([](auto& n) { return to_bytes(std::span<const std::uint8_t>(n.self().hash())); });
    }
    bool transport() {
        return visit([](auto& n) { return n.config().transport; });
    }
    const std::string& profile() const { return s_->profile; }

private:
    std::unique_ptr<state> s_;
};

/// The routing part of a node's configuration (node_config's policy, gossip, auto_announce,
/// relay_fee and timers), checked as the C ABI checks it.
struct routing_args {
    std::string policy;
    bool gossip = false, auto_announce = false;
    std::int64_t relay_fee = 0;
    std::uint64_t announce_interval_ms = 0, gossip_interval_ms = 0;
    std::int64_t active_intervals = 0, stale_intervals = 0, down_rounds = 0, evict_rounds = 0;
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
    return c;
}

const char* policy_name(const nexus::routing::path_policy& p) {
    namespace nr = nexus::routing;
    if (p == nr::path_policy::cheapest()) return "cheapest";
    if (p == nr::path_policy::fastest()) return "fastest";
    if (p == nr::path_policy::most_reliable()) return "most_reliable";
    return "balanced";
}

}  // namespace

py::dict stats_dict(const nexus::node_stats& s) {
    py::dict d;
    d["received"] = s.received;
    d["sent"] = s.sent;
    d["forwarded"] = s.forwarded;
    d["duplicates"] = s.duplicates;
    d["malformed"] = s.malformed;
    d["announces_valid"] = s.announces_valid;
    d["announces_rejected"] = s.announces_rejected;
    d["links_rejected"] = s.links_rejected;
    d["no_route"] = s.no_route;
    d["gossip_sent"] = s.gossip_sent;
    d["gossip_bytes_sent"] = s.gossip_bytes_sent;
    d["gossip_received"] = s.gossip_received;
    d["gossip_rejected"] = s.gossip_rejected;
    d["adverts_merged"] = s.adverts_merged;
    d["adverts_refused"] = s.adverts_refused;
    d["neighbours_down"] = s.neighbours_down;
    d["announces_sent"] = s.announces_sent;
    return d;
}

void bind_node(py::module_& m) {
    py::module_ c = m.def_submodule(
        "node",
        "The sans-I/O node (low level: see nexus.Node). Time is uint64 milliseconds on any monotonic clock; "
        "NodeError (a ValueError) carries the nexus error name of a refusal.");
    py::register_exception<node_failure>(c, "NodeError", PyExc_ValueError);
    py::dict caps;
    caps["interfaces"] = max_interfaces;
    caps["destinations"] = max_destinations;
    caps["paths"] = max_paths;
    caps["links"] = max_links;
    caps["link_table"] = max_link_table;
    caps["outbox"] = outbox;
    caps["seen"] = seen;
    caps["routes"] = max_routes;
    caps["neighbours"] = max_neighbours;
    c.attr("CAPACITIES") = caps;
    c.attr("ALL_INTERFACES") = nexus::all_interfaces;

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
            return d;
        },
        "The library's default node configuration (without the link part), as a dict.");

    py::class_<node_core>(c, "NodeCore")
        .def(py::init([](std::string_view profile, const py::bytes& private_key, bool transport,
                         std::optional<std::uint64_t> seed, std::uint64_t est, std::uint64_t keep,
                         std::uint64_t inact, std::uint64_t rot, std::uint64_t bw, bool require_identify,
                         std::uint64_t path_lifetime_ms, std::uint64_t link_table_lifetime_ms, int max_hops,
                         std::string policy, bool gossip, bool auto_announce, std::int64_t relay_fee,
                         std::uint64_t announce_interval_ms, std::uint64_t gossip_interval_ms,
                         std::int64_t active_intervals, std::int64_t stale_intervals,
                         std::int64_t down_rounds, std::int64_t evict_rounds) {
                 const routing_args r{
                     std::move(policy),  gossip,           auto_announce,   relay_fee,   announce_interval_ms,
                     gossip_interval_ms, active_intervals, stale_intervals, down_rounds, evict_rounds};
                 return node_core(profile, private_key, transport, seed,
                                  make_config(est, keep, inact, rot, bw, require_identify, path_lifetime_ms,
                                              link_table_lifetime_ms, max_hops, r));
             }),
             py::arg("profile"), py::arg("private_key"), py::arg("transport"), py::arg("seed"),
             py::arg("establishment_timeout_ms"), py::arg("keepalive_interval_ms"),
             py::arg("inactivity_timeout_ms"), py::arg("rotate_interval_ms"), py::arg("bandwidth_bps"),
             py::arg("require_identify"), py::arg("path_lifetime_ms"), py::arg("link_table_lifetime_ms"),
             py::arg("max_hops"), py::arg("policy"), py::arg("gossip"), py::arg("auto_announce"),
             py::arg("relay_fee"), py::arg("announce_interval_ms"), py::arg("gossip_interval_ms"),
             py::arg("active_intervals"), py::arg("stale_intervals"), py::arg("down_rounds"),
             py::arg("evict_rounds"))
        .def("add_interface", &node_core::add_interface, py::arg("bandwidth_bps"), py::arg("latency_ms"),
             py::arg("shared"))
        .def("set_interface_metrics", &node_core::set_interface_metrics, py::arg("iface"),
             py::arg("bandwidth_bps"), py::arg("latency_ms"), py::arg("shared"), py::arg("now_ms"))
        .def("metrics", &node_core::metrics, py::arg("iface"))
        .def_property_readonly("interface_count", &node_core::interface_count)
        .def("routes", &node_core::routes)
        .def("route", &node_core::route, py::arg("destination"), py::arg("now_ms"), py::arg("policy"))
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
        .def("close", &node_core::close, py::arg("link"))
        .def("link_state", &node_core::link_state, py::arg("link"))
        .def("receive", &node_core::receive, py::arg("iface"), py::arg("raw"), py::arg("now_ms"))
        .def("pop_outgoing", &node_core::pop_outgoing, py::arg("now_ms"))
        .def("poll", &node_core::poll, py::arg("now_ms"))
        .def("next_deadline", &node_core::next_deadline)
        .def("path", &node_core::path, py::arg("destination"))
        .def_property_readonly("stats", &node_core::stats)
        .def_property_readonly("identity_hash", &node_core::identity_hash)
        .def_property_readonly("transport", &node_core::transport)
        .def_property_readonly("profile", &node_core::profile);
}

}  // namespace nexus::python
