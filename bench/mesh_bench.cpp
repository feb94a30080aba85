// The integrated routing system on the simulator (docs/routing.md "In the node", docs/sim.md):
// N research nodes (sim::research_node, sim::mesh_config(): transport, gossip and auto-announce
// on) on a random geometric mesh (unit square, ~10 neighbours on average, one shared radio port
// each: 1 Mbps, 2 ms, full duplex), every node announcing one destination and charging a relay
// fee of 10..99 uNXS per byte. Measured:
//   - convergence: the first gossip round (60 s of simulated time) at whose end at least 99.9 % of
//     the node pairs have an active route, and at least 99.9 % of the sampled pairs' walks along
//     the nodes' own choices reach the destination (2,000 pairs; all pairs below 200 nodes;
//     sim/survey.hpp); and the same two shares at the end of the run;
//   - overhead: gossip and announce bytes sent per node per simulated hour, and the gossip share
//     of a link's capacity (bytes over the busiest link / (bitrate x time));
//   - speed: simulated node-seconds per wall second over the whole run.
// Prints "<name> value=<x> unit=<u>" lines; counts on stderr.
//   mesh_bench [N ...] [--hours H]     (default: 100 1000, 1 hour)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "nexus/sim/mesh.hpp"
#include "nexus/sim/survey.hpp"

namespace {

namespace sim = nexus::sim;

struct result_line {
    std::optional<int> rounds;
    double routes_share = 0, walks_share = 0;
    double gossip_per_node_hour = 0, announce_per_node_hour = 0, busiest_share = 0, node_s_per_s = 0, wall = 0;
};

result_line run(std::size_t n, double hours, std::uint64_t seed) {
    const auto start = std::chrono::steady_clock::now();
    sim::mesh<sim::research_node> m(seed);
    const auto [topo, dest] = sim::build_fee_mesh(m, n, seed);
    // Walks: every pair below 200 nodes, else 2,000 sampled pairs.
    const sim::route_surveyor<sim::research_node> surveyor(m, sim::one_per_node(dest), n < 200 ? n * (n - 1) : 2000, seed ^ 0xabc);
    double out_routes = 0, out_walks = 0;
    auto converged = [&]() {
        const auto r = surveyor.survey();
        if (r.missing + r.broken > 0)
            std::fprintf(stderr, "#   t=%.0f s: %zu routes missing, %zu of %zu sampled walks fail\n",
                         static_cast<double>(m.now_us()) / 1e6, r.missing, r.broken, r.walks);
        out_routes = r.routes_share();
        out_walks = r.walks_share();
        return r.converged();
    };

    result_line out;
    const int total_rounds = static_cast<int>(hours * 60);
    for (int round = 1; round <= total_rounds; ++round) {
        m.run_until(sim::from_seconds(60.0 * round));
        if (!out.rounds && converged()) out.rounds = round;
        if (!out.rounds && round >= 10) {
            std::fprintf(stderr, "# N=%zu not converged after 10 rounds\n", n);
            break;
        }
    }
    (void)converged();
    out.routes_share = out_routes;
    out.walks_share = out_walks;
    const double simulated_h = static_cast<double>(m.now_us()) / 3.6e9;
    out.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto g = m.net().class_counters(sim::traffic::gossip);
    const auto a = m.net().class_counters(sim::traffic::announce);
    out.gossip_per_node_hour = static_cast<double>(g.bytes_sent) / static_cast<double>(n) / simulated_h;
    out.announce_per_node_hour = static_cast<double>(a.bytes_sent) / static_cast<double>(n) / simulated_h;
    out.busiest_share = sim::busiest_link_share(m.net(), sim::traffic::gossip, m.now_us());
    out.node_s_per_s = static_cast<double>(n) * simulated_h * 3600 / out.wall;
    std::fprintf(stderr, "# N=%zu edges=%zu simulated=%.2f h wall=%.1f s events=%llu gossip=%llu B announce=%llu B\n", n,
                 topo.edges.size(), simulated_h, out.wall, static_cast<unsigned long long>(m.net().events_run()),
                 static_cast<unsigned long long>(g.bytes_sent), static_cast<unsigned long long>(a.bytes_sent));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes;
    double hours = 1.0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--hours") == 0 && i + 1 < argc)
            hours = std::atof(argv[++i]);
        else
            sizes.push_back(static_cast<std::size_t>(std::atol(argv[i])));
    }
    if (sizes.empty()) sizes = {100, 1000};
    for (std::size_t n : sizes) {
        const auto f = run(n, hours, 42);
        if (f.rounds)
            std::printf("mesh_%zu_convergence_rounds value=%d unit=rounds\n", n, *f.rounds);
        else
            std::printf("mesh_%zu_convergence_rounds value=none unit=rounds\n", n);
        std::printf("mesh_%zu_routes_present value=%.3f unit=percent\n", n, f.routes_share * 100);
        std::printf("mesh_%zu_walks_reaching value=%.3f unit=percent\n", n, f.walks_share * 100);
        std::printf("mesh_%zu_gossip_bytes_per_node_hour value=%.0f unit=B\n", n, f.gossip_per_node_hour);
        std::printf("mesh_%zu_announce_bytes_per_node_hour value=%.0f unit=B\n", n, f.announce_per_node_hour);
        std::printf("mesh_%zu_busiest_link_gossip_share value=%.4f unit=percent\n", n, f.busiest_share * 100);
        std::printf("mesh_%zu_sim_speed value=%.0f unit=node_s_per_s\n", n, f.node_s_per_s);
        std::fflush(stdout);
    }
}
