// Routing throughput (nexus/routing): per packet, a route lookup in a full table plus the forward
// decision, and the CompactPathCost codec. Prints one line per figure:
//
//   route_lookup_forward value=<packets/s> unit=packets/s
//       routing_table<2048, 2> holding 1,024 destinations x 2 paths, Balanced policy; per packet:
//       lookup (binary search + fixed-point scoring of the paths) and the forward decision (hop
//       limit, interface, next hop); destinations drawn from a precomputed random sequence.
//   compact_path_cost_encode value=<ops/s> unit=ops/s
//       encode_cost + encode_bandwidth of raw metrics and the 6-byte wire write.
//   compact_path_cost_decode value=<ops/s> unit=ops/s
//       the 6-byte wire read and decode_cost + decode_bandwidth of the codes.
//
// Build: the `routing_bench` target of bench/CMakeLists.txt, or by hand:
//   g++-12 -std=c++20 -O2 -I include bench/routing_bench.cpp -o routing_bench
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "nexus/routing/routing_table.hpp"
#include "nexus/wire/path_cost.hpp"

namespace {

namespace routing = nexus::routing;
namespace wire = nexus::wire;

// Keeps a value alive without a volatile store per iteration.
template <class T>
inline void keep(const T& v) {
    asm volatile("" : : "g"(&v) : "memory");
}

std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

nexus::truncated_hash random_hash(std::uint64_t& s) {
    nexus::truncated_hash h{};
    for (std::size_t i = 0; i < h.size(); i += 8) {
        const std::uint64_t v = splitmix(s);
        for (std::size_t j = 0; j < 8; ++j) h[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
    return h;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best of `reps` timed runs of `ops` operations of f(i).
template <class F>
double ops_per_second(std::size_t ops, int reps, F&& f) {
    double best = 0;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < ops; ++i) f(i);
        const double rate = static_cast<double>(ops) / seconds_since(t0);
        if (rate > best) best = rate;
    }
    return best;
}

constexpr std::size_t destinations = 1024;
constexpr std::size_t paths = 2;
using table_t = routing::routing_table<destinations * paths, paths>;

struct forward_decision {
    std::uint8_t iface = 0xFF;
    nexus::truncated_hash next{};
    bool drop = true;
};

}  // namespace

int main() {
    static table_t table;
    std::uint64_t seed = 0x524f555445;
    static std::array<nexus::truncated_hash, destinations> dests{};
    const nexus::timestamp t0 = nexus::timestamp::from_ms(1'000'000);
    for (auto& d : dests) {
        d = random_hash(seed);
        for (std::size_t p = 0; p < paths; ++p) {
            routing::route_update u;
            u.destination = d;
            u.hop = {static_cast<std::uint8_t>(p), random_hash(seed)};
            u.cost = {wire::encode_cost(splitmix(seed) % 100000),
                      static_cast<std::uint16_t>(splitmix(seed) % 2000),
                      static_cast<std::uint8_t>(splitmix(seed) % 256),
                      static_cast<std::uint8_t>(1 + splitmix(seed) % 12)};
            u.lamport = 1;
            u.reliability = static_cast<std::uint8_t>(splitmix(seed) % 256);
            if (!routing::accepted(table.update(u, t0))) {
                std::fprintf(stderr, "routing_bench: table refused a path\n");
                return 1;
            }
        }
    }
    if (table.size() != table.capacity()) {
        std::fprintf(stderr, "routing_bench: table not full (%zu)\n", table.size());
        return 1;
    }

    // Packet destinations: a fixed random sequence over the table (power of two for masking).
    constexpr std::size_t seq = 1 << 16;
    static std::array<std::uint16_t, seq> order{};
    for (auto& o : order) o = static_cast<std::uint16_t>(splitmix(seed) % destinations);

    const auto policy = routing::path_policy::balanced();
    const nexus::timestamp now = t0 + nexus::duration::minutes(1);
    std::size_t forwarded = 0;
    const double fwd = ops_per_second(2'000'000, 5, [&](std::size_t i) {
        const auto& dest = dests[order[i & (seq - 1)]];
        const std::uint8_t packet_hops = static_cast<std::uint8_t>(i & 63);
        forward_decision fd;
        if (const routing::routing_entry* e = table.lookup(dest, policy, now)) {
            fd.drop = packet_hops >= 128;
            fd.iface = e->hop.iface;
            fd.next = e->hop.address;
        }
        forwarded += fd.drop ? 0 : 1;
        keep(fd);
    });
    if (forwarded == 0) return 1;

    static std::array<std::uint64_t, 1024> costs{}, bps{};
    static std::array<std::array<std::uint8_t, 6>, 1024> wires{};
    for (std::size_t i = 0; i < costs.size(); ++i) {
        costs[i] = splitmix(seed) >> (splitmix(seed) % 64);
        bps[i] = splitmix(seed) >> (splitmix(seed) % 64);
        const wire::compact_path_cost c{wire::encode_cost(costs[i]), static_cast<std::uint16_t>(i),
                                        wire::encode_bandwidth(bps[i]), static_cast<std::uint8_t>(i)};
        (void)c.encode(wires[i]);
    }
    const double enc = ops_per_second(4'000'000, 5, [&](std::size_t i) {
        const std::size_t k = i & 1023;
        const wire::compact_path_cost c{wire::encode_cost(costs[k]), static_cast<std::uint16_t>(k),
                                        wire::encode_bandwidth(bps[k]), static_cast<std::uint8_t>(k)};
        std::array<std::uint8_t, 6> out{};
        (void)c.encode(out);
        keep(out);
    });
    const double dec = ops_per_second(4'000'000, 5, [&](std::size_t i) {
        const auto c = wire::compact_path_cost::decode(wires[i & 1023]);
        const std::uint64_t cost = wire::decode_cost(c->cumulative_cost);
        const std::uint64_t rate = wire::decode_bandwidth(c->bottleneck_bps);
        keep(cost);
        keep(rate);
    });

    std::printf("route_lookup_forward value=%.0f unit=packets/s\n", fwd);
    std::printf("compact_path_cost_encode value=%.0f unit=ops/s\n", enc);
    std::printf("compact_path_cost_decode value=%.0f unit=ops/s\n", dec);
    return 0;
}
