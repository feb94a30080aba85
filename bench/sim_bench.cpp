// Speed of the simulator (sim/, docs/sim.md): simulated node-seconds per wall-clock second for
// real nexus nodes on random geometric meshes (N nodes uniform in the unit square, a link when
// closer than r, r chosen for ~10 neighbours on average), each node on one shared radio port
// (LoRa SF7 / 125 kHz / 4/5, half duplex, 1 % loss), announcing every 60 s (first announce at a
// seeded random offset), transport off (announces travel one hop). Every announce costs its
// sender one signature; its neighbours' checks of it are answered by sim::sim_profile, which
// entered it as valid when one of its identities made it (sim_profile.hpp), so signing and the
// nodes' and the simulator's handling of each frame make up the figure.
// Prints "sim_speed_<N>_nodes value=<node_s_per_s> unit=node_s_per_s" per size, plus the counts
// behind it on stderr (events, announces, and the signature checks asked for and computed).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <vector>

#include "nexus/sim/mesh.hpp"

namespace {

namespace sim = nexus::sim;
// The microcontroller relay's capacities (one destination, small tables): keeps 10,000 nodes in memory.
using bench_node = nexus::node<sim::sim_profile, nexus::seeded_random, nexus::presets::mcu_relay>;

struct figure {
    double node_s_per_s;
    double wall_s;
};

figure run(std::size_t n, double sim_seconds, std::uint64_t seed) {
    const auto start = std::chrono::steady_clock::now();
    const auto checks_before = sim::sim_profile::stats();
    sim::mesh<bench_node> m(seed);
    sim::link_params lp;
    lp.lora = true;
    lp.loss = 0.01;
    const double r = std::sqrt(10.0 / (std::numbers::pi * static_cast<double>(n)));
    const auto topo = sim::random_geometric_topology(n, r, seed);
    m.build(topo, lp, sim::port_mode::shared);
    nexus::seeded_random offsets(seed ^ 0x5eed);
    const sim::sim_time period = sim::from_seconds(60);
    for (sim::node_id i = 0; i < n; ++i) {
        const auto dest = m.add_destination(i, "nexus.bench.sim");
        m.announce_every(i, dest, offsets.next_u64() % period, period);
    }
    m.run_until(sim::from_seconds(sim_seconds));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto ann = m.net().class_counters(sim::traffic::announce);
    std::fprintf(stderr, "# N=%zu edges=%zu simulated=%.0f s wall=%.2f s events=%llu announces sent=%llu delivered=%llu\n",
                 n, topo.edges.size(), sim_seconds, wall, static_cast<unsigned long long>(m.net().events_run()),
                 static_cast<unsigned long long>(ann.frames_sent), static_cast<unsigned long long>(ann.frames_delivered));
    const auto checks = sim::sim_profile::stats();
    std::fprintf(stderr, "#   signatures made=%llu, checks asked=%llu, verified for real=%llu\n",
                 static_cast<unsigned long long>(checks.signed_entered - checks_before.signed_entered),
                 static_cast<unsigned long long>(checks.verify_calls - checks_before.verify_calls),
                 static_cast<unsigned long long>(checks.verify_computed - checks_before.verify_computed));
    return {static_cast<double>(n) * sim_seconds / wall, wall};
}

}  // namespace

int main(int argc, char** argv) {
    // Optional argument: simulated seconds per run (default 60: one announce per node; 3600 gives
    // the goal directly: one simulated hour of 10,000 nodes).
    const double seconds = argc > 1 ? std::atof(argv[1]) : 60.0;
    double last_wall = 0;
    for (std::size_t n : {std::size_t{100}, std::size_t{1000}, std::size_t{10000}}) {
        // 10,000 nodes only when 1,000 took under 15 s (the 10x larger run then fits in ~150 s).
        if (n == 10000 && last_wall > 15) {
            std::fprintf(stderr, "# N=10000 skipped: N=1000 took %.1f s\n", last_wall);
            break;
        }
        const auto f = run(n, seconds, 42);
        last_wall = f.wall_s;
        std::printf("sim_speed_%zu_nodes value=%.0f unit=node_s_per_s\n", n, f.node_s_per_s);
        std::fflush(stdout);
    }
}
