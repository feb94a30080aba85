// The submodule nexus._nexus.sim: the network simulator (sim/include/nexus/sim, docs/sim.md) for
// Python. The native classes MeshCoreResearch and MeshCorePiBridge (one template, mesh_core<Node>)
// own a nexus::sim::mesh of real nexus nodes (sim_profile, seeded randomness, and the capacities of
// config.hpp's research preset -- mesh.hpp's research_node, the default of nexus.sim -- or of the
// Pi bridge -- mesh.hpp's default_node) and expose its building, running, lifecycle and
// observation calls with plain Python values: node and medium-link indices are ints, time is
// integer microseconds here (nexus/sim.py converts to seconds), hashes are bytes, events, counters
// and routes are dicts. Bad node or link indices and parameters raise ValueError with a message
// naming them; refusals of a node (no path, link not active...) raise the nexus.errors class of
// the nexus error, its message naming the call, the node and the error.
//
// Node configuration is a dict of CONFIG_KEYS (node_config's fields, durations in milliseconds,
// the path policy by name); routes are node::routes() (routing/routing_table.hpp routing_entry),
// with the next hop also as a node index. walk() follows the nodes' own choices (node::route, as
// sim/survey.hpp's route_surveyor walks) from a node towards a destination's owner over the medium
// links, and says where and why it stopped; route_check() is the per-node part of nexus.sim's
// converged(): active routes, walks that arrive, and a fingerprint of the table.
//
// Python callbacks scheduled with schedule() do not capture Python objects in the medium's event
// queue (that would be an uncollectable cycle through the native object): the event carries a
// token, and a dispatcher that nexus/sim.py installs (holding only a weak reference to the mesh)
// runs the callback stored on the Python side.
#include "bindings.hpp"
#include "support.hpp"

#include <nexus/config.hpp>
#include <nexus/core/byte_order.hpp>
#include <nexus/core/reference_policies.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/node.hpp>
#include <nexus/routing/path_policy.hpp>
#include <nexus/routing/routing_table.hpp>
#include <nexus/sim/medium.hpp>
#include <nexus/sim/mesh.hpp>
#include <nexus/sim/survey.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nexus::python {

// Defined in node.cpp: a policy by its nexus.routing name (ValueError for another), and a preset's
// capacities as a dict keyed by the node_capacities field names.
nexus::routing::path_policy policy_of(std::string_view name);
py::dict capacities_dict(const nexus::node_capacities& c);

namespace {

namespace ns = nexus::sim;

// ---- names -----------------------------------------------------------------------------------------

/// Names of the medium's traffic classes (medium.hpp `traffic`), by class number; "class_N" for a
/// number the enum does not name.
std::vector<std::string> traffic_names() {
    std::vector<std::string> names(ns::max_classes);
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = "class_" + std::to_string(i);
    const auto set = [&](ns::traffic t, const char* name) { names.at(static_cast<std::size_t>(t)) = name; };
    set(ns::traffic::announce, "announce");
    set(ns::traffic::link_request, "link_request");
    set(ns::traffic::proof, "proof");
    set(ns::traffic::link_data, "link_data");
    set(ns::traffic::data, "data");
    set(ns::traffic::other, "other");
    set(ns::traffic::gossip, "gossip");
    return names;
}

// ---- argument checks ------------------------------------------------------------------------------

nexus::duration config_ms(const py::handle& v, const char* key) {
    const auto ms = v.cast<std::int64_t>();
    if (ms < 0) throw py::value_error(std::string("node config ") + key + " must be >= 0");
    return nexus::duration::milliseconds(ms);
}

ns::lora_params make_lora(unsigned sf, std::uint32_t bw, unsigned cr, unsigned preamble, bool crc,
                          bool implicit_header, int ldro) {
    if (sf < 6 || sf > 12) throw py::value_error("LoRa spreading factor must be between 6 and 12");
    if (bw == 0) throw py::value_error("LoRa bandwidth_hz must be > 0");
    if (cr < 1 || cr > 4) throw py::value_error("LoRa coding_rate is the n of 4/(4+n): 1..4 for 4/5..4/8");
    if (preamble > 65535) throw py::value_error("LoRa preamble_symbols must be at most 65535");
    if (ldro < -1 || ldro > 1)
        throw py::value_error("LoRa low_data_rate_optimize must be None, False or True");
    ns::lora_params p;
    p.spreading_factor = sf;
    p.bandwidth_hz = bw;
    p.coding_rate = cr;
    p.preamble_symbols = preamble;
    p.crc = crc;
    p.implicit_header = implicit_header;
    p.low_data_rate_optimize = ldro;
    return p;
}

/// link_params from the flat tuple nexus/sim.py passes:
/// (bitrate_bps, latency_us, loss, half_duplex, queue_limit, lora tuple or None).
ns::link_params make_link(const py::tuple& t) {
    if (t.size() != 6)
        throw py::value_error("link parameters: expected a 6-tuple (use nexus.sim.LinkParams)");
    ns::link_params p;
    const auto bitrate = t[0].cast<std::int64_t>();
    if (bitrate < 0) throw py::value_error("bitrate_bps must be >= 0 (0 = no serialisation delay)");
    p.bitrate_bps = static_cast<std::uint64_t>(bitrate);
    const auto latency = t[1].cast<std::int64_t>();
    if (latency < 0) throw py::value_error("latency must be >= 0");
    p.latency_us = static_cast<ns::sim_time>(latency);
    p.loss = t[2].cast<double>();
    if (!(p.loss >= 0.0 && p.loss <= 1.0)) throw py::value_error("loss must be between 0 and 1");
    p.mode = t[3].cast<bool>() ? ns::duplex::half : ns::duplex::full;
    const auto queue = t[4].cast<std::int64_t>();
    if (queue < 1) throw py::value_error("queue_limit must be >= 1");
    p.queue_limit = static_cast<std::size_t>(queue);
    if (!t[5].is_none()) {
        const auto l = t[5].cast<py::tuple>();
        if (l.size() != 7) throw py::value_error("LoRa parameters: expected a 7-tuple (use nexus.sim.LoRa)");
        p.lora = true;
        p.lora_settings =
            make_lora(l[0].cast<unsigned>(), l[1].cast<std::uint32_t>(), l[2].cast<unsigned>(),
                      l[3].cast<unsigned>(), l[4].cast<bool>(), l[5].cast<bool>(), l[6].cast<int>());
        p.mode = ns::duplex::half;
    }
    return p;
}

// ---- node_config -------------------------------------------------------------------------------------

std::vector<std::string> config_keys() {
    return {"transport",
            "path_lifetime_ms",
            "link_table_lifetime_ms",
            "max_hops",
            "establishment_timeout_ms",
            "keepalive_interval_ms",
            "inactivity_timeout_ms",
            "rotate_interval_ms",
            "link_bandwidth_bps",
            "require_identify",
            "gossip",
            "auto_announce",
            "policy",
            "relay_fee",
            "announce_interval_ms",
            "gossip_interval_ms",
            "active_intervals",
            "stale_intervals",
            "down_rounds",
            "evict_rounds",
            "announce_rate_target_ms",
            "announce_rate_grace",
            "announce_rate_penalty_ms"};
}

/// An integer config value within [lo, hi].
std::int64_t config_int(const py::handle& v, const char* key, std::int64_t lo, std::int64_t hi) {
    const auto x = v.cast<std::int64_t>();
    if (x < lo || x > hi)
        throw py::value_error(std::string("node config ") + key + " must be between " + std::to_string(lo) +
                              " and " + std::to_string(hi));
    return x;
}

void apply_config(nexus::node_config& c, const py::dict& d) {
    constexpr std::int64_t u32 = 0xFFFFFFFFLL;
    for (const auto& item : d) {
        const py::handle v = item.second;
        const auto key = py::cast<std::string>(item.first);
        if (key == "transport") {
            c.transport = v.cast<bool>();
        } else if (key == "path_lifetime_ms") {
            c.path_lifetime = config_ms(v, "path_lifetime_ms");
        } else if (key == "link_table_lifetime_ms") {
            c.link_table_lifetime = config_ms(v, "link_table_lifetime_ms");
        } else if (key == "max_hops") {
            c.max_hops = static_cast<std::uint8_t>(config_int(v, "max_hops", 1, 255));
        } else if (key == "establishment_timeout_ms") {
            c.link.establishment_timeout = config_ms(v, "establishment_timeout_ms");
        } else if (key == "keepalive_interval_ms") {
            c.link.keepalive_interval = config_ms(v, "keepalive_interval_ms");
        } else if (key == "inactivity_timeout_ms") {
            c.link.inactivity_timeout = config_ms(v, "inactivity_timeout_ms");
        } else if (key == "rotate_interval_ms") {
            c.link.rotate_interval = config_ms(v, "rotate_interval_ms");
        } else if (key == "link_bandwidth_bps") {
            c.link.bandwidth_bps =
                static_cast<std::uint64_t>(config_int(v, "link_bandwidth_bps", 0, INT64_MAX));
        } else if (key == "require_identify") {
            c.link.require_identify = v.cast<bool>();
        } else if (key == "gossip") {
            c.gossip = v.cast<bool>();
        } else if (key == "auto_announce") {
            c.auto_announce = v.cast<bool>();
        } else if (key == "relay_fee") {
            c.relay_fee = static_cast<std::uint32_t>(config_int(v, "relay_fee", 0, u32));
        } else if (key == "announce_interval_ms") {
            c.timers.announce_interval = config_ms(v, "announce_interval_ms");
            if (c.timers.announce_interval.count_ms() == 0)
                throw py::value_error("node config announce_interval_ms must be > 0");
        } else if (key == "gossip_interval_ms") {
            c.timers.gossip_interval = config_ms(v, "gossip_interval_ms");
            if (c.timers.gossip_interval.count_ms() == 0)
                throw py::value_error("node config gossip_interval_ms must be > 0");
        } else if (key == "active_intervals") {
            c.timers.active_intervals = static_cast<std::uint32_t>(config_int(v, "active_intervals", 1, u32));
        } else if (key == "stale_intervals") {
            c.timers.stale_intervals = static_cast<std::uint32_t>(config_int(v, "stale_intervals", 0, u32));
        } else if (key == "down_rounds") {
            c.timers.down_rounds = static_cast<std::uint32_t>(config_int(v, "down_rounds", 1, u32));
        } else if (key == "evict_rounds") {
            c.timers.evict_rounds = static_cast<std::uint32_t>(config_int(v, "evict_rounds", 1, u32));
        } else if (key == "announce_rate_target_ms") {
            c.announce_rate.target = config_ms(v, "announce_rate_target_ms");
        } else if (key == "announce_rate_grace") {
            c.announce_rate.grace = static_cast<std::uint8_t>(config_int(v, "announce_rate_grace", 0, 255));
        } else if (key == "announce_rate_penalty_ms") {
            c.announce_rate.penalty = config_ms(v, "announce_rate_penalty_ms");
        } else if (key == "policy") {
            c.policy = policy_of(v.cast<std::string>());
        } else {
            std::string known;
            for (const auto& k : config_keys()) known += (known.empty() ? "" : ", ") + k;
            throw py::value_error("unknown node config key '" + key + "' (known: " + known + ")");
        }
    }
    if (c.timers.evict_rounds < c.timers.down_rounds)
        throw py::value_error("node config evict_rounds must be at least down_rounds");
}

nexus::node_config make_config(const py::dict& d) {
    nexus::node_config c;
    c.transport = true;  // a simulated mesh relays by default
    apply_config(c, d);
    return c;
}

// ---- convergence checks ----------------------------------------------------------------------------

/// FNV-1a over bytes, to fingerprint a routing table without building Python objects.
struct fingerprint {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    void add(std::span<const std::uint8_t> b) noexcept {
        for (const std::uint8_t x : b) {
            h ^= x;
            h *= 0x100000001b3ULL;
        }
    }
    void add(std::uint64_t v) noexcept {
        std::array<std::uint8_t, 8> b{};
        for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
        add(b);
    }
};

/// Fingerprint of a routing table's structure: destination, next hop, cost summary, reliability,
/// state, failed and suspect of every path; Lamport times and timers left out.
template <class Node>
std::uint64_t table_fingerprint(const Node& n) {
    fingerprint f;
    for (const auto& e : n.routes()) {
        f.add(e.destination);
        f.add(e.hop.iface);
        f.add(e.hop.address);
        f.add(e.cost.cumulative_cost);
        f.add(e.cost.worst_latency_ms);
        f.add(e.cost.bottleneck_bps);
        f.add(e.cost.hop_count);
        f.add(e.reliability);
        f.add(static_cast<std::uint64_t>(e.state));
        f.add(e.failed);
        f.add(e.suspect);
    }
    return f.h;
}

// ---- counters -----------------------------------------------------------------------------------------

py::dict counters_dict(const ns::counters& c) {
    py::dict d;
    d["frames_sent"] = c.frames_sent;
    d["bytes_sent"] = c.bytes_sent;
    d["frames_delivered"] = c.frames_delivered;
    d["bytes_delivered"] = c.bytes_delivered;
    d["frames_lost"] = c.frames_lost;
    d["frames_dropped"] = c.frames_dropped;
    d["busy_us"] = c.busy_us;
    return d;
}

bool any(const ns::counters& c) { return !(c == ns::counters{}); }

py::tuple topology_tuple(const ns::topology& t) {
    py::list edges, positions;
    for (const auto& [a, b] : t.edges) edges.append(py::make_tuple(a, b));
    for (const auto& [x, y] : t.positions) positions.append(py::make_tuple(x, y));
    return py::make_tuple(t.nodes, edges, positions);
}

nexus::truncated_hash hash_arg(const py::bytes& b, const char* what) {
    const auto s = exact(b, nexus::truncated_hash_size, what);
    nexus::truncated_hash h{};
    for (std::size_t i = 0; i < h.size(); ++i) h[i] = s[i];
    return h;
}

py::bytes hash_bytes(const nexus::truncated_hash& h) { return to_bytes(std::span<const std::uint8_t>(h)); }

constexpr std::size_t max_nodes = 1'000'000;

// ---- walks --------------------------------------------------------------------------------------------

/// Where a walk along the nodes' own choices stopped, and why (walk_outcome names).
enum class walk_outcome { arrived, crashed, no_route, unknown_next_hop, no_link, link_down, loop };

const char* outcome_name(walk_outcome o) {
    switch (o) {
        case walk_outcome::arrived:
            return "arrived";
        case walk_outcome::crashed:
            return "crashed";
        case walk_outcome::no_route:
            return "no_route";
        case walk_outcome::unknown_next_hop:
            return "unknown_next_hop";
        case walk_outcome::no_link:
            return "no_link";
        case walk_outcome::link_down:
            return "link_down";
        case walk_outcome::loop:
            return "loop";
    }
    return "unknown";
}

struct walk_result {
    std::vector<ns::node_id> nodes;  ///< the source first; the owner last when it arrived
    std::vector<ns::link_id> links;  ///< the medium link of each step
    walk_outcome outcome = walk_outcome::no_route;
};

// ---- the mesh -----------------------------------------------------------------------------------------

template <class Node>
class mesh_core {
public:
    using mesh_type = ns::mesh<Node>;
    static constexpr nexus::node_capacities capacities = Node::capacities;

    mesh_core(std::uint64_t seed, const py::dict& config)
        : m_(std::make_unique<mesh_type>(seed)), config_(make_config(config)), names_(traffic_names()) {}

    // -- building --
    ns::node_id add_node(const std::optional<py::dict>& config) {
        if (m_->size() >= max_nodes) throw py::value_error("too many nodes");
        const auto c = config ? merged(*config) : config_;
        const auto id = m_->add_node(c);
        added(c);
        return id;
    }

    std::vector<ns::link_id> build(std::size_t n,
                                   const std::vector<std::pair<std::int64_t, std::int64_t>>& edges,
                                   const py::tuple& link, bool shared,
                                   const std::optional<py::dict>& config) {
        if (n > max_nodes) throw py::value_error("too many nodes");
        ns::topology t;
        t.nodes = n;
        for (const auto& [a, b] : edges) {
            if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= n || static_cast<std::size_t>(b) >= n)
                throw py::value_error("topology edge (" + std::to_string(a) + ", " + std::to_string(b) +
                                      ") names a node outside 0.." + std::to_string(n == 0 ? 0 : n - 1));
            if (a == b) throw py::value_error("topology edge joins node " + std::to_string(a) + " to itself");
            t.edges.emplace_back(static_cast<ns::node_id>(a), static_cast<ns::node_id>(b));
        }
        const auto params = make_link(link);
        const auto cfg = config ? merged(*config) : config_;
        auto ids = m_->build(t, params, shared ? ns::port_mode::shared : ns::port_mode::per_edge, cfg);
        added(cfg);
        return ids;
    }

    ns::link_id connect(std::int64_t a, std::int64_t ia, std::int64_t b, std::int64_t ib,
                        const py::tuple& link) {
        const auto na = node_arg(a), nb = node_arg(b);
        if (na == nb) throw py::value_error("a link must join two different nodes");
        const auto params = make_link(link);
        return m_->connect(ns::port{na, iface_arg(na, ia)}, ns::port{nb, iface_arg(nb, ib)}, params);
    }

    py::bytes add_destination(std::int64_t i, std::string_view name, bool accept_links) {
        const auto n = existing(i, "add a destination to");
        if (name.empty()) throw py::value_error("a destination name must not be empty");
        const auto hash = m_->node(n)->self().destination_hash(
            nexus::make_name_hash<typename mesh_type::profile_type>(name));
        auto& mine = dests_.at(n);
        for (const auto& h : mine)
            if (h == hash)
                throw py::value_error("node " + std::to_string(n) + " already has destination '" +
                                      std::string(name) + "'");
        if (mine.size() >= capacities.destinations)
            throw py::value_error("node " + std::to_string(n) + " already has " +
                                  std::to_string(capacities.destinations) +
                                  " destinations (the most a simulated node of this preset holds)");
        mine.push_back(m_->add_destination(n, name, accept_links));
        return hash_bytes(mine.back());
    }

    // -- actions --
    void announce(std::int64_t i, const py::bytes& dest, const py::bytes& app_data) {
        const auto n = live(i, "announce from");
        const auto r = m_->announce(n, hash_arg(dest, "destination"), as_span(app_data));
        if (!r) fail_on(n, "announce", r.error());
    }

    void announce_every(std::int64_t i, const py::bytes& dest, std::uint64_t first_us,
                        std::uint64_t period_us) {
        const auto n = node_arg(i);
        if (period_us == 0) throw py::value_error("announce period must be > 0");
        m_->announce_every(n, hash_arg(dest, "destination"), first_us, period_us);
    }

    py::bytes open_link(std::int64_t i, const py::bytes& dest) {
        const auto n = live(i, "open a link from");
        const auto r = m_->open_link(n, hash_arg(dest, "destination"));
        if (!r) fail_on(n, "open_link", r.error());
        return hash_bytes(*r);
    }

    void request_path(std::int64_t i, const py::bytes& dest) {
        const auto n = live(i, "request a path from");
        const auto r = m_->node(n)->request_path(hash_arg(dest, "destination"), m_->now());
        m_->service(n);
        if (!r) fail_on(n, "request_path", r.error());
    }

    void send(std::int64_t i, const py::bytes& link, const py::bytes& data, int context) {
        const auto n = live(i, "send from");
        if (context < 0 || context > 255) throw py::value_error("context must be between 0 and 255");
        const auto payload = as_span(data);
        if (payload.size() > nexus::link_mdu)
            throw py::value_error("data must be at most " + std::to_string(nexus::link_mdu) + " bytes");
        const auto r = m_->send(n, hash_arg(link, "link"), payload, static_cast<std::uint8_t>(context));
        if (!r) fail_on(n, "send", r.error());
    }

    std::uint16_t send_reliable(std::int64_t i, const py::bytes& link, const py::bytes& data, int context) {
        const auto n = live(i, "send from");
        if (context < 0 || context > 255) throw py::value_error("context must be between 0 and 255");
        const auto payload = as_span(data);
        if (payload.size() > nexus::channel_mdu)
            throw py::value_error("data must be at most " + std::to_string(nexus::channel_mdu) + " bytes");
        const auto r = m_->send_reliable(n, hash_arg(link, "link"), payload, static_cast<std::uint8_t>(context));
        if (!r) fail_on(n, "send_reliable", r.error());
        return *r;
    }

    void close_link(std::int64_t i, const py::bytes& link) {
        const auto n = live(i, "close a link of");
        const auto r = m_->node(n)->close(hash_arg(link, "link"));
        if (!r) fail_on(n, "close", r.error());
        m_->service(n);
    }

    std::optional<std::string> link_state(std::int64_t i, const py::bytes& link) {
        const auto n = node_arg(i);
        const auto* node = m_->node(n);
        if (node == nullptr) return std::nullopt;
        const auto r = node->link_status(hash_arg(link, "link"));
        if (!r) return std::nullopt;
        return std::string(nexus::to_string(*r));
    }

    // -- time --
    void run_until(std::uint64_t t_us) {
        if (running_) throw py::value_error("run() cannot be called from a scheduled callback");
        running_ = true;
        try {
            m_->run_until(t_us);
        } catch (...) {
            running_ = false;
            throw;
        }
        running_ = false;
    }
    std::uint64_t now_us() const { return m_->now_us(); }
    std::uint64_t events_run() const { return m_->net().events_run(); }

    /// Schedules the Python-side callback number `token` at t_us (the dispatcher runs it).
    void schedule(std::uint64_t t_us, std::uint64_t token) {
        m_->at(t_us, [this, token] {
            if (dispatch_) dispatch_(token);
        });
    }
    void set_dispatcher(py::function fn) { dispatch_ = std::move(fn); }

    // -- lifecycle --
    void crash(std::int64_t i) { m_->crash(node_arg(i)); }
    void leave(std::int64_t i) {
        const auto n = node_arg(i);
        if (m_->node(n) == nullptr)
            throw py::value_error("node " + std::to_string(n) + " is crashed: join it first");
        m_->leave(n);
    }
    void join(std::int64_t i) { m_->join(node_arg(i)); }
    std::string state(std::int64_t i) {
        const auto n = node_arg(i);
        if (m_->node(n) == nullptr) return "crashed";
        return m_->net().node_up(n) ? "up" : "left";
    }

    // -- observation --
    std::size_t size() const { return m_->size(); }
    std::size_t link_count() const { return m_->net().link_count(); }
    std::size_t interfaces(std::int64_t i) const { return m_->net().interfaces_of(node_arg(i)); }
    void keep_log(bool on) { m_->keep_log(on); }
    std::size_t log_size() const { return m_->log().size(); }

    py::list events(std::size_t start) const {
        py::list out;
        const auto& log = m_->log();
        for (std::size_t k = start; k < log.size(); ++k) {
            const auto& e = log[k];
            py::dict d;
            d["time"] = static_cast<double>(e.at) / 1e6;
            d["time_us"] = e.at;
            d["node"] = e.node;
            d["kind"] = kind_name(e.kind);
            d["id"] = hash_bytes(e.id);
            d["iface"] = e.iface;
            d["hops"] = e.hops;
            d["context"] = e.context;
            d["reason"] = std::string(nexus::to_string(e.reason));
            d["reliable"] = e.reliable;
            d["sequence"] = e.sequence;
            d["data"] = to_bytes(std::span<const std::uint8_t>(e.data));
            out.append(std::move(d));
        }
        return out;
    }

    std::uint64_t receive_errors(std::int64_t i) const { return m_->receive_errors(node_arg(i)); }

    py::dict node_stats(std::int64_t i) {
        const auto n = existing(i, "read the counters of");
        return stats_dict(m_->node(n)->stats());
    }

    py::bytes identity_hash(std::int64_t i) { return hash_bytes(ids_.at(node_arg(i))); }

    /// The route node i uses for dest (its own policy, or `policy`), as a routes() dict; None when
    /// it has no usable one.
    std::optional<py::dict> route(std::int64_t i, const py::bytes& dest,
                                  const std::optional<std::string>& policy) {
        const auto n = existing(i, "read the routes of");
        const auto d = hash_arg(dest, "destination");
        const Node& node = *m_->node(n);
        const auto* e = policy ? node.route(d, policy_of(*policy), m_->now()) : node.route(d, m_->now());
        if (e == nullptr) return std::nullopt;
        return route_dict(*e);
    }

    py::list routes(std::int64_t i) {
        const auto n = existing(i, "read the routes of");
        py::list out;
        for (const auto& e : m_->node(n)->routes()) out.append(route_dict(e));
        return out;
    }

    /// Node i's identity hash -> index map, for next hops.
    std::optional<ns::node_id> index_of(const nexus::truncated_hash& h) const {
        const auto it = index_.find(h);
        if (it == index_.end()) return std::nullopt;
        return it->second;
    }

    /// Follows the nodes' own choices from node i towards dest's owner (see walk_of): the nodes and
    /// medium links walked, the outcome, and what the walked path really costs: the relay fees of
    /// the nodes it passed through (uNXS per byte), the sum and the largest of the links' nominal
    /// latencies (medium.hpp nominal_latency_us: propagation plus a 255-byte frame's transmission,
    /// in ms) and the smallest nominal bit rate.
    py::dict walk(std::int64_t i, std::int64_t owner, const py::bytes& dest) {
        const auto s = node_arg(i), o = node_arg(owner);
        const auto w = walk_of(s, o, hash_arg(dest, "destination"), m_->now());
        py::dict d;
        py::list nodes, links;
        for (const auto n : w.nodes) nodes.append(n);
        for (const auto l : w.links) links.append(l);
        std::uint64_t fee = 0;  // the nodes passed through: all but the first and the last
        for (std::size_t k = 1; k + 1 < w.nodes.size(); ++k) fee += configs_.at(w.nodes[k]).relay_fee;
        ns::sim_time latency = 0, worst = 0;
        std::optional<std::uint64_t> bottleneck;
        for (const auto l : w.links) {
            const auto& p = m_->net().params(l);
            latency += ns::nominal_latency_us(p);
            worst = std::max(worst, ns::nominal_latency_us(p));
            bottleneck = std::min(bottleneck.value_or(UINT64_MAX), ns::nominal_bps(p));
        }
        d["nodes"] = nodes;
        d["links"] = links;
        d["outcome"] = outcome_name(w.outcome);
        d["arrived"] = w.outcome == walk_outcome::arrived;
        d["hops"] = w.links.size();
        d["fee"] = fee;
        d["latency_ms"] = static_cast<double>(latency) / 1000.0;
        d["worst_latency_ms"] = static_cast<double>(worst) / 1000.0;
        d["bottleneck_bps"] = bottleneck ? py::object(py::int_(*bottleneck)) : py::object(py::none());
        return d;
    }

    /// Node i against the destinations it should reach ((owner, destination) pairs): (every one has
    /// an active route, the destinations without one, the walks that do not arrive as
    /// (destination, outcome), fingerprint of the routing table).
    py::tuple route_check(std::int64_t i, const std::vector<std::pair<std::int64_t, py::bytes>>& wanted) {
        const auto n = existing(i, "read the routes of");
        const Node& node = *m_->node(n);
        const auto now = m_->now();
        py::list missing, broken;
        for (const auto& [owner, dest] : wanted) {
            const auto d = hash_arg(dest, "destination");
            bool active = false;
            for (const auto& e : node.routes().paths(d)) active = active || e.active_at(now);
            if (!active) missing.append(dest);
            const auto w = walk_of(n, node_arg(owner), d, now);
            if (w.outcome != walk_outcome::arrived)
                broken.append(py::make_tuple(dest, outcome_name(w.outcome)));
        }
        return py::make_tuple(missing.empty(), missing, broken, table_fingerprint(node));
    }

    /// sim/survey.hpp over (owner, destination) targets: routes present and sampled walks.
    py::dict survey(const std::vector<std::pair<std::int64_t, py::bytes>>& targets, std::size_t samples,
                    std::uint64_t seed) {
        std::vector<ns::survey_target> t;
        t.reserve(targets.size());
        for (const auto& [owner, dest] : targets)
            t.push_back({node_arg(owner), hash_arg(dest, "destination")});
        const auto r = ns::route_surveyor<Node>(*m_, std::move(t), samples, seed).survey();
        py::dict d;
        d["pairs"] = r.pairs;
        d["missing"] = r.missing;
        d["walks"] = r.walks;
        d["broken"] = r.broken;
        d["routes_share"] = r.routes_share();
        d["walks_share"] = r.walks_share();
        return d;
    }

    py::list link_bytes() const {
        py::list out;
        const auto& net = m_->net();
        for (ns::link_id l = 0; l < net.link_count(); ++l) {
            py::dict d = counters_dict(net.link_counters(l));
            const auto [a, b] = net.link_ends(l);
            const auto& p = net.params(l);
            d["link"] = l;
            d["ends"] = py::make_tuple(py::make_tuple(a.node, a.iface), py::make_tuple(b.node, b.iface));
            d["up"] = net.link_up(l);
            d["half_duplex"] = p.mode == ns::duplex::half;
            d["lora"] = p.lora;
            d["bitrate_bps"] = p.bitrate_bps;
            py::dict classes;
            for (std::size_t c = 0; c < ns::max_classes; ++c) {
                const auto& cc = net.link_class_counters(l, static_cast<std::uint8_t>(c));
                if (named(c) || any(cc)) classes[py::str(names_[c])] = counters_dict(cc);
            }
            d["classes"] = classes;
            out.append(std::move(d));
        }
        return out;
    }

    py::dict class_totals() const {
        py::dict out;
        for (std::size_t c = 0; c < ns::max_classes; ++c) {
            const auto& cc = m_->net().class_counters(static_cast<std::uint8_t>(c));
            if (named(c) || any(cc)) out[py::str(names_[c])] = counters_dict(cc);
        }
        return out;
    }
    py::dict total() const { return counters_dict(m_->net().total()); }

    bool link_up(std::int64_t l) const { return m_->net().link_up(link_arg(l)); }
    void set_link_up(std::int64_t l, bool up) { m_->net().set_link_up(link_arg(l), up); }

private:
    /// Records what the mesh's new nodes are: their configuration (relay fees of walks) and identity
    /// hash (next hops as indices; an identity is the same in every incarnation of a node).
    void added(const nexus::node_config& c) {
        while (ids_.size() < m_->size()) {
            const auto i = static_cast<ns::node_id>(ids_.size());
            ids_.push_back(m_->node(i)->self().hash());
            index_.emplace(ids_.back(), i);
            configs_.push_back(c);
            dests_.emplace_back();
        }
    }

    /// routing_entry as a dict: the codes and their decoded values, the next hop as hash and as
    /// node index (None when no node of the mesh has that identity).
    py::dict route_dict(const nexus::routing::routing_entry& e) const {
        const auto now = m_->now();
        py::dict r;
        r["destination"] = hash_bytes(e.destination);
        r["iface"] = e.hop.iface;
        r["next_hop"] = hash_bytes(e.hop.address);
        const auto next = index_of(e.hop.address);
        r["next_hop_node"] = next ? py::object(py::int_(*next)) : py::object(py::none());
        r["cumulative_cost"] = e.cost.cumulative_cost;
        r["cost"] = nexus::wire::decode_cost(e.cost.cumulative_cost);
        r["worst_latency_ms"] = e.cost.worst_latency_ms;
        r["bottleneck"] = e.cost.bottleneck_bps;
        r["bottleneck_bps"] = nexus::wire::decode_bandwidth(e.cost.bottleneck_bps);
        r["hop_count"] = e.cost.hop_count;
        r["reliability"] = e.reliability;
        r["state"] = e.state == nexus::routing::route_state::active ? "active" : "stale";
        r["failed"] = e.failed;
        r["suspect"] = e.suspect;
        r["active"] = e.active_at(now);
        r["lamport"] = e.lamport;
        r["path_bloom"] = to_bytes(std::span<const std::uint8_t>(e.path));
        r["last_updated_ms"] = e.last_updated.ms();
        r["expires_ms"] = e.expires.ms();
        return r;
    }

    /// The medium link on port p whose other end is node `to`, if any.
    std::optional<ns::link_id> link_to(ns::port p, ns::node_id to) const {
        for (const auto l : m_->net().links_of(p)) {
            const auto [a, b] = m_->net().link_ends(l);
            if ((a == p ? b : a).node == to) return l;
        }
        return std::nullopt;
    }

    /// The walk of sim/survey.hpp's route_surveyor (node::route at each node, under its own policy;
    /// a stale path is followed as forwarding follows it), which also checks that the step can be
    /// taken on the medium: it stops at a crashed node (the owner too), at a node without a route,
    /// at a next hop that is no node of the mesh, when the route's interface has no link to the next
    /// hop or that link is down (or either end has left), and at a node visited before (a loop).
    /// With every link up and no node left, it arrives exactly when the surveyor's walk does.
    walk_result walk_of(ns::node_id s, ns::node_id owner, const nexus::truncated_hash& dest,
                        nexus::timestamp now) const {
        walk_result w;
        std::vector<bool> seen(m_->size(), false);
        ns::node_id at = s;
        w.nodes.push_back(at);
        seen[at] = true;
        for (;;) {
            const Node* node = m_->node(at);
            if (node == nullptr) {
                w.outcome = walk_outcome::crashed;
                return w;
            }
            if (at == owner) {
                w.outcome = walk_outcome::arrived;
                return w;
            }
            const auto* e = node->route(dest, now);
            if (e == nullptr) {
                w.outcome = walk_outcome::no_route;
                return w;
            }
            const auto next = index_of(e->hop.address);
            if (!next) {
                w.outcome = walk_outcome::unknown_next_hop;
                return w;
            }
            const auto link = link_to(ns::port{at, e->hop.iface}, *next);
            if (!link) {
                w.outcome = walk_outcome::no_link;
                return w;
            }
            w.nodes.push_back(*next);
            w.links.push_back(*link);
            if (m_->node(*next) == nullptr) {
                w.outcome = walk_outcome::crashed;
                return w;
            }
            if (!m_->net().link_up(*link)) {
                w.outcome = walk_outcome::link_down;
                return w;
            }
            if (seen[*next]) {
                w.outcome = walk_outcome::loop;
                return w;
            }
            seen[*next] = true;
            at = *next;
        }
    }

    ns::node_id node_arg(std::int64_t i) const {
        if (i < 0 || static_cast<std::size_t>(i) >= m_->size())
            throw py::value_error("no node " + std::to_string(i) + " (the mesh has " +
                                  std::to_string(m_->size()) + " nodes: 0.." +
                                  std::to_string(m_->size() == 0 ? 0 : m_->size() - 1) + ")");
        return static_cast<ns::node_id>(i);
    }
    ns::link_id link_arg(std::int64_t l) const {
        const auto n = m_->net().link_count();
        if (l < 0 || static_cast<std::size_t>(l) >= n)
            throw py::value_error("no link " + std::to_string(l) + " (the mesh has " + std::to_string(n) +
                                  " links)");
        return static_cast<ns::link_id>(l);
    }
    nexus::interface_id iface_arg(ns::node_id n, std::int64_t iface) const {
        if (iface < 0) iface = static_cast<std::int64_t>(m_->net().interfaces_of(n));  // a new interface
        if (iface >= static_cast<std::int64_t>(capacities.interfaces))
            throw py::value_error("interface " + std::to_string(iface) + " of node " + std::to_string(n) +
                                  ": a simulated node of this preset has interfaces 0.." +
                                  std::to_string(capacities.interfaces - 1));
        return static_cast<nexus::interface_id>(iface);
    }
    /// A node that exists (not crashed); `what` completes "cannot ... node N".
    ns::node_id existing(std::int64_t i, const char* what) const {
        const auto n = node_arg(i);
        if (m_->node(n) == nullptr)
            throw py::value_error(std::string("cannot ") + what + " node " + std::to_string(n) +
                                  ": it is crashed (join() restarts it)");
        return n;
    }
    /// A node that exists and is up.
    ns::node_id live(std::int64_t i, const char* what) const {
        const auto n = existing(i, what);
        if (!m_->net().node_up(n))
            throw py::value_error(std::string("cannot ") + what + " node " + std::to_string(n) +
                                  ": it has left the mesh (join() brings it back)");
        return n;
    }
    /// A refusal of the node: the nexus.errors class of e (bindings.hpp raise).
    [[noreturn]] void fail_on(ns::node_id n, const char* call, nexus::error e) const {
        raise(e, std::string(call) + " at node " + std::to_string(n) + " refused: " + error_name(e));
    }
    nexus::node_config merged(const py::dict& d) const {
        nexus::node_config c = config_;
        apply_config(c, d);
        return c;
    }
    bool named(std::size_t c) const { return names_[c].rfind("class_", 0) != 0; }

    std::unique_ptr<mesh_type> m_;
    nexus::node_config config_;
    std::vector<std::string> names_;
    py::function dispatch_;
    bool running_ = false;
    std::vector<nexus::truncated_hash> ids_;                                 ///< per node: identity hash
    std::map<nexus::truncated_hash, ns::node_id, nexus::bytes_less> index_;  ///< identity hash -> node
    std::vector<nexus::node_config> configs_;                                ///< per node, as made
    std::vector<std::vector<nexus::truncated_hash>> dests_;  ///< per node, to refuse duplicates clearly
};

template <class Node>
void bind_mesh(py::module_& c, const char* name) {
    using core = mesh_core<Node>;
    py::class_<core>(c, name)
        .def(py::init<std::uint64_t, const py::dict&>(), py::arg("seed"), py::arg("config"))
        .def("add_node", &core::add_node, py::arg("config") = py::none())
        .def("build", &core::build, py::arg("n"), py::arg("edges"), py::arg("link"), py::arg("shared"),
             py::arg("config") = py::none())
        .def("connect", &core::connect, py::arg("a"), py::arg("a_iface"), py::arg("b"), py::arg("b_iface"),
             py::arg("link"))
        .def("add_destination", &core::add_destination, py::arg("node"), py::arg("name"),
             py::arg("accept_links") = true)
        .def("announce", &core::announce, py::arg("node"), py::arg("destination"),
             py::arg("app_data") = py::bytes())
        .def("announce_every", &core::announce_every, py::arg("node"), py::arg("destination"),
             py::arg("first_us"), py::arg("period_us"))
        .def("open_link", &core::open_link, py::arg("node"), py::arg("destination"))
        .def("request_path", &core::request_path, py::arg("node"), py::arg("destination"))
        .def("send", &core::send, py::arg("node"), py::arg("link"), py::arg("data"), py::arg("context") = 0)
        .def("send_reliable", &core::send_reliable, py::arg("node"), py::arg("link"), py::arg("data"),
             py::arg("context") = 0)
        .def("close_link", &core::close_link, py::arg("node"), py::arg("link"))
        .def("link_state", &core::link_state, py::arg("node"), py::arg("link"))
        .def("run_until", &core::run_until, py::arg("t_us"))
        .def_property_readonly("now_us", &core::now_us)
        .def_property_readonly("events_run", &core::events_run)
        .def("schedule", &core::schedule, py::arg("t_us"), py::arg("token"))
        .def("set_dispatcher", &core::set_dispatcher, py::arg("fn"))
        .def("crash", &core::crash, py::arg("node"))
        .def("leave", &core::leave, py::arg("node"))
        .def("join", &core::join, py::arg("node"))
        .def("state", &core::state, py::arg("node"))
        .def_property_readonly("size", &core::size)
        .def_property_readonly("link_count", &core::link_count)
        .def("interfaces", &core::interfaces, py::arg("node"))
        .def("keep_log", &core::keep_log, py::arg("on"))
        .def_property_readonly("log_size", &core::log_size)
        .def("events", &core::events, py::arg("start") = 0)
        .def("receive_errors", &core::receive_errors, py::arg("node"))
        .def("node_stats", &core::node_stats, py::arg("node"))
        .def("identity_hash", &core::identity_hash, py::arg("node"))
        .def("route", &core::route, py::arg("node"), py::arg("destination"), py::arg("policy") = py::none())
        .def("routes", &core::routes, py::arg("node"))
        .def("walk", &core::walk, py::arg("node"), py::arg("owner"), py::arg("destination"))
        .def("route_check", &core::route_check, py::arg("node"), py::arg("wanted"))
        .def("survey", &core::survey, py::arg("targets"), py::arg("samples"), py::arg("seed"))
        .def("link_bytes", &core::link_bytes)
        .def("class_totals", &core::class_totals)
        .def("total", &core::total)
        .def("link_up", &core::link_up, py::arg("link"))
        .def("set_link_up", &core::set_link_up, py::arg("link"), py::arg("up"));
}

}  // namespace

void bind_sim(py::module_& m) {
    py::module_ c = m.def_submodule(
        "sim",
        "The network simulator (low level: see nexus.sim). Time in integer microseconds, nodes and medium "
        "links as indices; bad arguments raise ValueError, refusals of a node the nexus.errors class of "
        "their code.");
    py::dict presets;  // the capacities of the nodes of each mesh class
    presets["research"] = capacities_dict(ns::research_node::capacities);
    presets["pi_bridge"] = capacities_dict(ns::default_node::capacities);
    c.attr("PRESETS") = presets;
    c.attr("DEFAULT_PRESET") = "research";
    c.attr("TRAFFIC_CLASSES") = traffic_names();
    c.attr("CONFIG_KEYS") = config_keys();
    c.attr("LINK_MDU") = nexus::link_mdu;
    c.attr("CHANNEL_MDU") = nexus::channel_mdu;
    c.attr("WALK_OUTCOMES") =
        py::make_tuple("arrived", "crashed", "no_route", "unknown_next_hop", "no_link", "link_down", "loop");

    c.def(
        "lora_airtime_us",
        [](unsigned sf, std::uint32_t bw, unsigned cr, unsigned preamble, bool crc, bool implicit_header,
           int ldro, std::size_t payload) {
            return ns::lora_airtime_us(make_lora(sf, bw, cr, preamble, crc, implicit_header, ldro), payload);
        },
        py::arg("sf"), py::arg("bandwidth_hz"), py::arg("coding_rate"), py::arg("preamble_symbols"),
        py::arg("crc"), py::arg("implicit_header"), py::arg("low_data_rate_optimize"),
        py::arg("payload_bytes"),
        "SX127x time on air of a LoRa frame in microseconds, as the medium charges it (medium.hpp).");
    c.def(
        "line", [](std::size_t n) { return topology_tuple(ns::line_topology(n)); }, py::arg("n"),
        "(nodes, edges, positions) of 0 - 1 - ... - n-1.");
    c.def(
        "grid",
        [](std::size_t w, std::size_t h) {
            if (w != 0 && h > max_nodes / w) throw py::value_error("grid too large");
            return topology_tuple(ns::grid_topology(w, h));
        },
        py::arg("w"), py::arg("h"),
        "(nodes, edges, positions) of a w x h 4-neighbour grid, node = y * w + x.");
    c.def(
        "random_geometric",
        [](std::size_t n, double r, std::uint64_t seed) {
            if (n > max_nodes) throw py::value_error("too many nodes");
            if (!(r > 0.0) || !std::isfinite(r)) throw py::value_error("radius must be > 0");
            return topology_tuple(ns::random_geometric_topology(n, std::min(r, 2.0), seed));
        },
        py::arg("n"), py::arg("radius"), py::arg("seed"),
        "(nodes, edges, positions): n nodes uniform in the unit square, an edge below distance radius.");

    bind_mesh<ns::research_node>(c, "MeshCoreResearch");
    bind_mesh<ns::default_node>(c, "MeshCorePiBridge");
}

}  // namespace nexus::python
