// nexus::sim survey: how far a simulated mesh's routing has come, read from the nodes themselves,
// and what it cost on the links (routing studies: bench/mesh_bench.cpp and the large-mesh
// acceptance test, which also share their mesh, fee_mesh below). A research tool that
// allocates, like the rest of sim/.
//
// The targets are destinations with the node that owns each. Two measures, at the mesh's current
// time, over the pairs (node s, target t) with s not t's owner:
//   - routes: how many pairs have an active route at s to t (node::route under s's own policy;
//     a crashed s has none);
//   - walks: for sampled pairs, whether following each node's own choice (node::route, which
//     falls back to a stale path as forwarding does) from s reaches t's owner, up: a walk fails at
//     a node with no route, a next hop that is no node of the mesh or a crashed one (the owner
//     included), or a loop.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numbers>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "nexus/core/byte_order.hpp"
#include "nexus/core/reference_policies.hpp"
#include "nexus/sim/mesh.hpp"

namespace nexus::sim {

struct route_survey {
    std::size_t pairs = 0, missing = 0;  ///< ordered pairs, and those without an active route
    std::size_t walks = 0, broken = 0;   ///< sampled walks, and those that did not arrive
    double routes_share() const noexcept {
        return pairs == 0 ? 1.0 : 1.0 - static_cast<double>(missing) / static_cast<double>(pairs);
    }
    double walks_share() const noexcept {
        return walks == 0 ? 1.0 : 1.0 - static_cast<double>(broken) / static_cast<double>(walks);
    }
    /// Both shares at least `threshold` (the benches' convergence: 99.9 %).
    bool converged(double threshold = 0.999) const noexcept {
        return routes_share() >= threshold && walks_share() >= threshold;
    }
};

/// The routing-study mesh of mesh_bench and the large-mesh test: n nodes uniform in the unit
/// square (from `seed`), an edge below the radius that gives ~10 neighbours on average, each node
/// on one shared radio port (1 Mbps, 2 ms, full duplex), transport, gossip and auto-announce on
/// (mesh_config), relay fees 10..99 uNXS/B, and one destination per node named `name`.
struct fee_mesh {
    topology topo;
    std::vector<truncated_hash> destinations;  ///< node i's
};
template <class Node>
fee_mesh build_fee_mesh(mesh<Node>& m, std::size_t n, std::uint64_t seed, std::string_view name = "nexus.bench.mesh") {
    fee_mesh f;
    link_params lp;
    lp.bitrate_bps = 1'000'000;
    lp.latency_us = 2000;
    f.topo = random_geometric_topology(n, std::sqrt(10.0 / (std::numbers::pi * static_cast<double>(n))), seed);
    for (std::size_t i = 0; i < n; ++i) {
        auto c = mesh_config();
        c.relay_fee = static_cast<std::uint32_t>(10 + (i * 37) % 90);
        m.add_node(c);
    }
    m.build(f.topo, lp, port_mode::shared);
    for (node_id i = 0; i < n; ++i) f.destinations.push_back(m.add_destination(i, name));
    return f;
}

/// The largest share of a link's nominal capacity (nominal_bps, over `duration`) that traffic of
/// class `c` took on any link.
inline double busiest_link_share(const medium& net, traffic c, sim_time duration) {
    double busiest = 0;
    for (link_id l = 0; l < net.link_count(); ++l) {
        const double capacity = static_cast<double>(nominal_bps(net.params(l))) / 8 * static_cast<double>(duration) / 1e6;
        const auto bytes = net.link_class_counters(l, static_cast<std::uint8_t>(c)).bytes_sent;
        if (capacity > 0) busiest = std::max(busiest, static_cast<double>(bytes) / capacity);
    }
    return busiest;
}

/// A destination and the node that owns it.
struct survey_target {
    node_id owner = 0;
    truncated_hash destination{};
};

/// One destination per node: node i owns destinations[i] (the benches' and tests' meshes).
inline std::vector<survey_target> one_per_node(const std::vector<truncated_hash>& destinations) {
    std::vector<survey_target> out;
    for (node_id i = 0; i < destinations.size(); ++i) out.push_back({i, destinations[i]});
    return out;
}

template <class Node>
class route_surveyor {
public:
    /// Walks: every pair when there are at most `samples` of them, else `samples` pairs drawn
    /// from `seed` (a node, then a target, each uniformly; a draw of a target's own node is
    /// drawn again).
    route_surveyor(mesh<Node>& m, std::vector<survey_target> targets, std::size_t samples, std::uint64_t seed)
        : m_(&m), targets_(std::move(targets)) {
        const std::size_t n = m.size();
        for (node_id i = 0; i < n; ++i)
            if (m.node(i) != nullptr) by_hash_.emplace(m[i].self().hash(), i);
        std::size_t pairs = 0;
        for (const auto& t : targets_) pairs += t.owner < n ? n - 1 : n;
        if (pairs <= samples) {
            for (node_id s = 0; s < n; ++s)
                for (std::size_t t = 0; t < targets_.size(); ++t)
                    if (s != targets_[t].owner) sample_.emplace_back(s, t);
        } else {
            seeded_random pick(seed);
            while (sample_.size() < samples) {
                const auto s = static_cast<node_id>(pick.next_u64() % n);
                const auto t = static_cast<std::size_t>(pick.next_u64() % targets_.size());
                if (s != targets_[t].owner) sample_.emplace_back(s, t);
            }
        }
    }

    route_survey survey() const {
        route_survey r;
        const timestamp now = m_->now();
        for (node_id s = 0; s < m_->size(); ++s) {
            const Node* node = m_->node(s);
            for (const auto& t : targets_) {
                if (s == t.owner) continue;
                ++r.pairs;
                const auto* e = node == nullptr ? nullptr : node->route(t.destination, now);
                if (e == nullptr || !e->active_at(now)) ++r.missing;
            }
        }
        for (auto [s, t] : sample_) {
            ++r.walks;
            if (!arrives(s, targets_[t], now)) ++r.broken;
        }
        return r;
    }

    /// The node with this identity hash, or none.
    std::optional<node_id> node_of(const truncated_hash& h) const {
        const auto it = by_hash_.find(h);
        if (it == by_hash_.end()) return std::nullopt;
        return it->second;
    }

private:
    bool arrives(node_id s, const survey_target& t, timestamp now) const {
        node_id at = s;
        // A walk longer than the mesh has nodes has visited one twice: a loop.
        for (std::size_t hops = 0; hops < m_->size(); ++hops) {
            const Node* node = m_->node(at);
            if (node == nullptr) return false;  // crashed (the owner too: nothing is delivered)
            if (at == t.owner) return true;
            const auto* e = node->route(t.destination, now);
            if (e == nullptr) return false;
            const auto next = node_of(e->hop.address);
            if (!next) return false;
            at = *next;
        }
        return false;
    }

    mesh<Node>* m_;
    std::vector<survey_target> targets_;
    std::map<truncated_hash, node_id, bytes_less> by_hash_;
    std::vector<std::pair<node_id, std::size_t>> sample_;  ///< (node, index into targets_)
};

}  // namespace nexus::sim
