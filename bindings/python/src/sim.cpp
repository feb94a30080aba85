// The submodule nexus._nexus.sim: the network simulator (sim/include/nexus/sim, docs/sim.md) for
// Python. One native class, MeshCore, owns a nexus::sim::mesh of real nexus nodes (nexus profile,
// seeded randomness, desktop capacities: SIM_CAPACITIES below) and exposes its building, running,
// lifecycle and observation calls with plain Python values: node and medium-link indices are
// ints, time is integer microseconds here (nexus/sim.py converts to seconds), hashes are bytes,
// events, counters and routes are dicts. Bad node or link indices and parameters raise
// ValueError with a message naming them; refusals of the node (no path, link not active...) raise
// ValueError carrying the nexus error name.
//
// Node configuration is a dict of CONFIG_KEYS (node_config's fields, durations in milliseconds,
// the path policy by name); routes are node::routes() (routing/routing_table.hpp routing_entry).
//
// Python callbacks scheduled with schedule() do not capture Python objects in the medium's event
// queue (that would be an uncollectable cycle through the native object): the event carries a
// token, and a dispatcher that nexus/sim.py installs (holding only a weak reference to the mesh)
// runs the callback stored on the Python side.
#include "bindings.hpp"
#include "support.hpp"

#include <nexus/core/reference_policies.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/node.hpp>
#include <nexus/routing/path_policy.hpp>
#include <nexus/routing/routing_table.hpp>
#include <nexus/sim/medium.hpp>
#include <nexus/sim/mesh.hpp>
#include <nexus/sim/survey.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nexus::python {

namespace {

namespace ns = nexus::sim;

// Capacities of a simulated node: mesh.hpp's research_node tables (1,024 destinations, 4,096
// routes, 32 gossip neighbours), with 16 point-to-point interfaces (random geometric meshes have
// high-degree nodes) and 32 links of its own (traffic experiments).
constexpr std::size_t sim_interfaces = 16, sim_destinations = 4, sim_paths = 1024, sim_links = 32,
                      sim_link_table = 64, sim_outbox = 64, sim_seen = 4096, sim_routes = 4096,
                      sim_neighbours = 32;

using sim_node =
    nexus::node<ns::sim_profile, nexus::seeded_random, sim_interfaces, sim_destinations, sim_paths,
                sim_links, sim_link_table, sim_outbox, sim_seen, sim_routes, sim_neighbours>;
using sim_mesh = ns::mesh<sim_node>;

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
    std::vector<std::string> k{"transport",
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
                               "gossip_interval_ms"};
    return k;
}

void apply_config(nexus::node_config& c, const py::dict& d) {
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
            const auto h = v.cast<int>();
            if (h < 1 || h > 255) throw py::value_error("node config max_hops must be between 1 and 255");
            c.max_hops = static_cast<std::uint8_t>(h);
        } else if (key == "establishment_timeout_ms") {
            c.link.establishment_timeout = config_ms(v, "establishment_timeout_ms");
        } else if (key == "keepalive_interval_ms") {
            c.link.keepalive_interval = config_ms(v, "keepalive_interval_ms");
        } else if (key == "inactivity_timeout_ms") {
            c.link.inactivity_timeout = config_ms(v, "inactivity_timeout_ms");
        } else if (key == "rotate_interval_ms") {
            c.link.rotate_interval = config_ms(v, "rotate_interval_ms");
        } else if (key == "link_bandwidth_bps") {
            const auto b = v.cast<std::int64_t>();
            if (b < 0) throw py::value_error("node config link_bandwidth_bps must be >= 0");
            c.link.bandwidth_bps = static_cast<std::uint64_t>(b);
        } else if (key == "require_identify") {
            c.link.require_identify = v.cast<bool>();
        } else if (key == "gossip") {
            c.gossip = v.cast<bool>();
        } else if (key == "auto_announce") {
            c.auto_announce = v.cast<bool>();
        } else if (key == "relay_fee") {
            const auto f = v.cast<std::int64_t>();
            if (f < 0 || f > 0xFFFFFFFFLL) throw py::value_error("node config relay_fee must be a u32");
            c.relay_fee = static_cast<std::uint32_t>(f);
        } else if (key == "announce_interval_ms") {
            c.timers.announce_interval = config_ms(v, "announce_interval_ms");
            if (c.timers.announce_interval.count_ms() == 0)
                throw py::value_error("node config announce_interval_ms must be > 0");
        } else if (key == "gossip_interval_ms") {
            c.timers.gossip_interval = config_ms(v, "gossip_interval_ms");
            if (c.timers.gossip_interval.count_ms() == 0)
                throw py::value_error("node config gossip_interval_ms must be > 0");
        } else if (key == "policy") {
            const auto name = v.cast<std::string>();
            using pp = nexus::routing::path_policy;
            if (name == "cheapest")
                c.policy = pp::cheapest();
            else if (name == "fastest")
                c.policy = pp::fastest();
            else if (name == "balanced")
                c.policy = pp::balanced();
            else if (name == "most_reliable")
                c.policy = pp::most_reliable();
            else
                throw py::value_error(
                    "node config policy must be 'cheapest', 'fastest', 'balanced' or 'most_reliable'");
        } else {
            std::string known;
            for (const auto& k : config_keys()) known += (known.empty() ? "" : ", ") + k;
            throw py::value_error("unknown node config key '" + key + "' (known: " + known + ")");
        }
    }
}

nexus::node_config make_config(const py::dict& d) {
    nexus::node_config c;
    c.transport = true;  // a simulated mesh relays by default
    apply_config(c, d);
    return c;
}

// ---- routes ---------------------------------------------------------------------------------------------

const char* route_state_name(nexus::routing::route_state s) {
    return s == nexus::routing::route_state::active ? "active" : "stale";
}

py::list routes_of(const sim_node& n, nexus::timestamp now) {
    py::list out;
    for (const auto& e : n.routes()) {
        py::dict r;
        r["destination"] = to_bytes(std::span<const std::uint8_t>(e.destination));
        r["iface"] = e.hop.iface;
        r["next_hop"] = to_bytes(std::span<const std::uint8_t>(e.hop.address));
        r["cumulative_cost"] = e.cost.cumulative_cost;
        r["cost"] = nexus::wire::decode_cost(e.cost.cumulative_cost);
        r["worst_latency_ms"] = e.cost.worst_latency_ms;
        r["bottleneck"] = e.cost.bottleneck_bps;
        r["bottleneck_bps"] = nexus::wire::decode_bandwidth(e.cost.bottleneck_bps);
        r["hop_count"] = e.cost.hop_count;
        r["reliability"] = e.reliability;
        r["state"] = route_state_name(e.state);
        r["failed"] = e.failed;
        r["suspect"] = e.suspect;
        r["active"] = e.active_at(now);
        r["lamport"] = e.lamport;
        r["path_bloom"] = to_bytes(std::span<const std::uint8_t>(e.path));
        r["last_updated_ms"] = e.last_updated.ms();
        r["expires_ms"] = e.expires.ms();
        out.append(std::move(r));
    }
    return out;
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

/// (every destination in `wanted` has an active route, fingerprint of the table's structure:
/// destination, next hop, cost summary, reliability, state and failed of every path; Lamport
/// times and timers left out).
std::pair<bool, std::uint64_t> route_check(const sim_node& n,
                                           const std::vector<nexus::truncated_hash>& wanted,
                                           nexus::timestamp now) {
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
    bool all = true;
    for (const auto& d : wanted) {
        bool found = false;
        for (const auto& e : n.routes().paths(d)) found = found || e.active_at(now);
        all = all && found;
    }
    return {all, f.h};
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

constexpr std::size_t max_nodes = 1'000'000;

// ---- the mesh -----------------------------------------------------------------------------------------

class mesh_core {
public:
    mesh_core(std::uint64_t seed, const py::dict& config)
        : m_(std::make_unique<sim_mesh>(seed)), config_(make_config(config)), names_(traffic_names()) {}

    // -- building --
    ns::node_id add_node(const std::optional<py::dict>& config) {
        if (m_->size() >= max_nodes) throw py::value_error("too many nodes");
        return m_->add_node(config ? merged(*config) : config_);
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
        return m_->build(t, params, shared ? ns::port_mode::shared : ns::port_mode::per_edge, cfg);
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
        const auto hash =
            m_->node(n)->self().destination_hash(nexus::make_name_hash<sim_mesh::profile_type>(name));
        if (dests_.size() < m_->size()) dests_.resize(m_->size());
        auto& mine = dests_[n];
        for (const auto& h : mine)
            if (h == hash)
                throw py::value_error("node " + std::to_string(n) + " already has destination '" +
                                      std::string(name) + "'");
        if (mine.size() >= sim_destinations)
            throw py::value_error("node " + std::to_string(n) + " already has " +
                                  std::to_string(sim_destinations) +
                                  " destinations (the most a simulated node holds)");
        mine.push_back(m_->add_destination(n, name, accept_links));
        return to_bytes(std::span<const std::uint8_t>(mine.back()));
    }

    // -- actions --
    void announce(std::int64_t i, const py::bytes& dest, const py::bytes& app_data) {
        const auto n = live(i, "announce from");
        const auto d = hash_arg(dest, "destination");
        const auto r = m_->announce(n, d, as_span(app_data));
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
        return to_bytes(std::span<const std::uint8_t>(*r));
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
            d["id"] = to_bytes(std::span<const std::uint8_t>(e.id));
            d["iface"] = e.iface;
            d["hops"] = e.hops;
            d["context"] = e.context;
            d["reason"] = std::string(nexus::to_string(e.reason));
            d["data"] = to_bytes(std::span<const std::uint8_t>(e.data));
            out.append(std::move(d));
        }
        return out;
    }

    std::uint64_t receive_errors(std::int64_t i) const { return m_->receive_errors(node_arg(i)); }

    py::dict node_stats(std::int64_t i) {
        const auto n = existing(i, "read the counters of");
        const nexus::node_stats& s = m_->node(n)->stats();
        return stats_dict(s);
    }

    py::bytes identity_hash(std::int64_t i) {
        const auto n = existing(i, "read the identity of");
        return to_bytes(std::span<const std::uint8_t>(m_->node(n)->self().hash()));
    }

    std::optional<py::dict> path(std::int64_t i, const py::bytes& dest) {
        const auto n = existing(i, "read the paths of");
        const auto* p = m_->node(n)->path(hash_arg(dest, "destination"));
        if (p == nullptr) return std::nullopt;
        py::dict r;
        r["iface"] = p->iface;
        r["next_hop"] = p->next_hop == nexus::truncated_hash{}
                            ? py::object(py::none())
                            : py::object(to_bytes(std::span<const std::uint8_t>(p->next_hop)));
        r["hops"] = p->hops;
        r["expires_ms"] = p->expires.ms();
        r["active"] = m_->now() < p->expires;
        return r;
    }

    py::list routes(std::int64_t i) {
        const auto n = existing(i, "read the routes of");
        return routes_of(*m_->node(n), m_->now());
    }

    /// (an active route to every wanted destination, fingerprint of the node's routing table).
    std::pair<bool, std::uint64_t> route_check(std::int64_t i, const std::vector<py::bytes>& wanted) {
        const auto n = existing(i, "read the routes of");
        std::vector<nexus::truncated_hash> w;
        w.reserve(wanted.size());
        for (const auto& d : wanted) w.push_back(hash_arg(d, "destination"));
        return nexus::python::route_check(*m_->node(n), w, m_->now());
    }

    /// sim/survey.hpp over (owner, destination) targets: routes present and sampled walks.
    py::dict survey(const std::vector<std::pair<std::int64_t, py::bytes>>& targets, std::size_t samples,
                    std::uint64_t seed) {
        std::vector<ns::survey_target> t;
        t.reserve(targets.size());
        for (const auto& [owner, dest] : targets) t.push_back({node_arg(owner), hash_arg(dest, "destination")});
        const auto r = ns::route_surveyor<sim_node>(*m_, std::move(t), samples, seed).survey();
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
        if (iface >= static_cast<std::int64_t>(sim_interfaces))
            throw py::value_error("interface " + std::to_string(iface) + " of node " + std::to_string(n) +
                                  ": a simulated node has interfaces 0.." +
                                  std::to_string(sim_interfaces - 1));
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
    [[noreturn]] void fail_on(ns::node_id n, const char* call, nexus::error e) const {
        throw py::value_error(std::string(call) + " at node " + std::to_string(n) +
                              " refused: " + error_name(e));
    }
    nexus::node_config merged(const py::dict& d) const {
        nexus::node_config c = config_;
        apply_config(c, d);
        return c;
    }
    bool named(std::size_t c) const { return names_[c].rfind("class_", 0) != 0; }

    std::unique_ptr<sim_mesh> m_;
    nexus::node_config config_;
    std::vector<std::string> names_;
    py::function dispatch_;
    bool running_ = false;
    std::vector<std::vector<nexus::truncated_hash>> dests_;  ///< per node, to refuse duplicates clearly
};

}  // namespace

void bind_sim(py::module_& m) {
    py::module_ c = m.def_submodule(
        "sim",
        "The network simulator (low level: see nexus.sim). Time in integer microseconds, nodes and medium "
        "links as indices; bad arguments raise ValueError.");
    py::dict caps;
    caps["interfaces"] = sim_interfaces;
    caps["destinations"] = sim_destinations;
    caps["paths"] = sim_paths;
    caps["links"] = sim_links;
    caps["link_table"] = sim_link_table;
    caps["outbox"] = sim_outbox;
    caps["seen"] = sim_seen;
    caps["routes"] = sim_routes;
    caps["neighbours"] = sim_neighbours;
    c.attr("SIM_CAPACITIES") = caps;
    c.attr("TRAFFIC_CLASSES") = traffic_names();
    c.attr("CONFIG_KEYS") = config_keys();
    c.attr("LINK_MDU") = nexus::link_mdu;

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

    py::class_<mesh_core>(c, "MeshCore")
        .def(py::init<std::uint64_t, const py::dict&>(), py::arg("seed"), py::arg("config"))
        .def("add_node", &mesh_core::add_node, py::arg("config") = py::none())
        .def("build", &mesh_core::build, py::arg("n"), py::arg("edges"), py::arg("link"), py::arg("shared"),
             py::arg("config") = py::none())
        .def("connect", &mesh_core::connect, py::arg("a"), py::arg("a_iface"), py::arg("b"),
             py::arg("b_iface"), py::arg("link"))
        .def("add_destination", &mesh_core::add_destination, py::arg("node"), py::arg("name"),
             py::arg("accept_links") = true)
        .def("announce", &mesh_core::announce, py::arg("node"), py::arg("destination"),
             py::arg("app_data") = py::bytes())
        .def("announce_every", &mesh_core::announce_every, py::arg("node"), py::arg("destination"),
             py::arg("first_us"), py::arg("period_us"))
        .def("open_link", &mesh_core::open_link, py::arg("node"), py::arg("destination"))
        .def("send", &mesh_core::send, py::arg("node"), py::arg("link"), py::arg("data"),
             py::arg("context") = 0)
        .def("close_link", &mesh_core::close_link, py::arg("node"), py::arg("link"))
        .def("link_state", &mesh_core::link_state, py::arg("node"), py::arg("link"))
        .def("run_until", &mesh_core::run_until, py::arg("t_us"))
        .def_property_readonly("now_us", &mesh_core::now_us)
        .def_property_readonly("events_run", &mesh_core::events_run)
        .def("schedule", &mesh_core::schedule, py::arg("t_us"), py::arg("token"))
        .def("set_dispatcher", &mesh_core::set_dispatcher, py::arg("fn"))
        .def("crash", &mesh_core::crash, py::arg("node"))
        .def("leave", &mesh_core::leave, py::arg("node"))
        .def("join", &mesh_core::join, py::arg("node"))
        .def("state", &mesh_core::state, py::arg("node"))
        .def_property_readonly("size", &mesh_core::size)
        .def_property_readonly("link_count", &mesh_core::link_count)
        .def("interfaces", &mesh_core::interfaces, py::arg("node"))
        .def("keep_log", &mesh_core::keep_log, py::arg("on"))
        .def_property_readonly("log_size", &mesh_core::log_size)
        .def("events", &mesh_core::events, py::arg("start") = 0)
        .def("receive_errors", &mesh_core::receive_errors, py::arg("node"))
        .def("node_stats", &mesh_core::node_stats, py::arg("node"))
        .def("identity_hash", &mesh_core::identity_hash, py::arg("node"))
        .def("path", &mesh_core::path, py::arg("node"), py::arg("destination"))
        .def("routes", &mesh_core::routes, py::arg("node"))
        .def("route_check", &mesh_core::route_check, py::arg("node"), py::arg("wanted"))
        .def("survey", &mesh_core::survey, py::arg("targets"), py::arg("samples"), py::arg("seed"))
        .def("link_bytes", &mesh_core::link_bytes)
        .def("class_totals", &mesh_core::class_totals)
        .def("total", &mesh_core::total)
        .def("link_up", &mesh_core::link_up, py::arg("link"))
        .def("set_link_up", &mesh_core::set_link_up, py::arg("link"), py::arg("up"));
}

}  // namespace nexus::python
