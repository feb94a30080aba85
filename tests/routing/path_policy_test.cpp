// Tests routing/path_policy.hpp (protocol.md "Routing": score = a*norm_ring_distance + b*norm_cost +
// c*norm_latency, norm = value / max over the candidate set of DECODED values) against a brute-force
// model written here in double precision: cost = round(2^(code / 16)) - 1 from std::exp2, ring
// distances from unsigned __int128 (or long double limbs), weights as the exact decimals of the
// spec; latency as (worst hop + 1 ms) x hops and no ring term on a one-hop path (docs/routing.md).
// The fixed-point choice must be the double choice, or score within score_epsilon of it.
// MostReliable is checked against its lexicographic definition; hand cases pin each policy.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

#include "nexus/routing/path_policy.hpp"
#include "support/alloc_counter.hpp"

using nexus::truncated_hash;
namespace routing = nexus::routing;
namespace wire = nexus::wire;

namespace {

truncated_hash addr(std::uint64_t hi, std::uint64_t lo) {
    truncated_hash a{};
    for (int i = 0; i < 8; ++i) {
        a[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        a[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    return a;
}

// Ring distance as a double, independently of ring.hpp: exact byte-wise subtraction both ways
// (a - b and b - a modulo 2^128), the smaller one, then converted.
std::array<std::uint8_t, 16> sub_bytes(const truncated_hash& a, const truncated_hash& b) {
    std::array<std::uint8_t, 16> r{};
    int borrow = 0;
    for (int i = 15; i >= 0; --i) {
        const auto k = static_cast<std::size_t>(i);
        int d = int{a[k]} - int{b[k]} - borrow;
        borrow = d < 0 ? 1 : 0;
        r[k] = static_cast<std::uint8_t>(d < 0 ? d + 256 : d);
    }
    return r;
}

double model_distance(const truncated_hash& a, const truncated_hash& b) {
    const auto x = sub_bytes(a, b), y = sub_bytes(b, a);
    const auto& m = std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end()) ? x : y;
    double v = 0;
    for (auto byte : m) v = v * 256 + byte;
    return v;
}

double model_cost(std::uint16_t code) {
    if (code >= 1024) return 18446744073709551615.0;
    return std::round(std::exp2(code / 16.0)) - 1.0;
}

/// A path's latency as scored (docs/routing.md): the wire carries only the worst hop, so the
/// policy bounds the sum by (worst + 1 ms) x hops, a path of 0 or 1 hop counting as one.
double model_latency(const routing::route_candidate& x) {
    return (x.cost.worst_latency_ms + 1.0) * std::max(1, static_cast<int>(x.cost.hop_count));
}

/// The ring term: the next hop's distance to the destination, 0 on a one-hop path (the next hop is
/// the destination's own node, whatever its address).
double model_ring(const routing::route_candidate& x, const truncated_hash& dest) {
    return x.cost.hop_count <= 1 ? 0.0 : model_distance(x.neighbour, dest);
}

struct model_weights {
    double ring, cost, latency, reliability;
};

std::vector<double> model_scores(const std::vector<routing::route_candidate>& c, const truncated_hash& dest,
                                 const model_weights& w) {
    double md = 0, mc = 0, ml = 0;
    for (const auto& x : c) {
        md = std::max(md, model_ring(x, dest));
        mc = std::max(mc, model_cost(x.cost.cumulative_cost));
        ml = std::max(ml, model_latency(x));
    }
    const auto norm = [](double v, double m) { return m == 0 ? 0.0 : v / m; };
    std::vector<double> s;
    for (const auto& x : c) {
        const double r = x.reliability == 0 ? 128.0 : x.reliability;
        s.push_back(w.ring * norm(model_ring(x, dest), md) + w.cost * norm(model_cost(x.cost.cumulative_cost), mc) +
                    w.latency * norm(model_latency(x), ml) + w.reliability * (1.0 - r / 255.0));
    }
    return s;
}

std::size_t model_most_reliable(const std::vector<routing::route_candidate>& c, const truncated_hash& dest) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
        const auto key = [&](std::size_t k) {
            const int r = c[k].reliability == 0 ? 128 : c[k].reliability;
            return std::make_tuple(-r, c[k].cost.cumulative_cost, model_latency(c[k]), model_ring(c[k], dest),
                                   c[k].cost.hop_count);
        };
        if (key(i) < key(best)) best = i;
    }
    return best;
}

std::vector<routing::route_candidate> random_set(std::mt19937_64& rng, const truncated_hash& dest) {
    const std::size_t n = 1 + rng() % 8;
    const std::uint64_t mode = rng() % 4;
    const int cost_base = static_cast<int>(rng() % 1000);
    const int cost_spread = static_cast<int>(1 + rng() % 80);
    std::vector<routing::route_candidate> c(n);
    for (auto& x : c) {
        if (mode == 0) {
            x.neighbour = addr(rng(), rng());
        } else {  // neighbours clustered near the destination, on either side
            x.neighbour = dest;
            const auto off = rng() % 100000;
            x.neighbour[12] = static_cast<std::uint8_t>(x.neighbour[12] + ((off >> 8) & 0x3f));
            x.neighbour[15] = static_cast<std::uint8_t>(x.neighbour[15] - (off & 0xff));
        }
        x.cost.cumulative_cost =
            mode == 3 ? static_cast<std::uint16_t>(rng() % 1100)
                      : static_cast<std::uint16_t>(
                            cost_base + static_cast<int>(rng() % static_cast<std::uint64_t>(cost_spread)));
        x.cost.worst_latency_ms = static_cast<std::uint16_t>(mode == 2 ? rng() % 50 : rng() % 65536);
        x.cost.hop_count = static_cast<std::uint8_t>(rng() % 20);
        x.reliability = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0 : rng() % 256);
    }
    // Occasional exact duplicates (ties) of another candidate's metrics.
    if (n > 1 && rng() % 3 == 0) c[n - 1].cost = c[0].cost;
    return c;
}

}  // namespace

TEST_CASE("path_policy: weights of the spec in Q0.16") {
    using routing::path_policy;
    CHECK(path_policy::cheapest().w_ring == 6554);
    CHECK(path_policy::cheapest().w_cost == 52428);
    CHECK(path_policy::cheapest().w_latency == 6554);
    CHECK(path_policy::fastest().w_latency == 52428);
    CHECK(path_policy::fastest().w_cost == 6554);
    CHECK(path_policy::balanced().w_cost == 19661);
    CHECK(path_policy::balanced().w_reliability == 19661);
    CHECK(path_policy::most_reliable().kind == routing::policy_kind::most_reliable);
}

TEST_CASE("path_policy: hand cases") {
    const truncated_hash dest = addr(0x1000, 0);
    std::array<routing::route_candidate, 3> c{};
    // Same ring distance for all three (the neighbours are the destination itself).
    for (auto& x : c) x.neighbour = dest;
    c[0].cost = {wire::encode_cost(100), 900, 255, 2};  // cheap, slow
    c[1].cost = {wire::encode_cost(5000), 20, 255, 2};  // dear, fast
    c[2].cost = {wire::encode_cost(900), 300, 255, 2};  // middling
    c[0].reliability = 40;
    c[1].reliability = 60;
    c[2].reliability = 250;
    CHECK(*routing::choose_next_hop(c, dest, routing::path_policy::cheapest()) == 0);
    CHECK(*routing::choose_next_hop(c, dest, routing::path_policy::fastest()) == 1);
    CHECK(*routing::choose_next_hop(c, dest, routing::path_policy::most_reliable()) == 2);
    // Balanced with all weight on reliability is MostReliable here.
    CHECK(*routing::choose_next_hop(c, dest, routing::path_policy::balanced(0, 0, 65535, 0)) == 2);

    // Greedy: with equal costs the neighbour nearest the destination on the ring wins, across zero
    // (here 1000 and 11 are the same Q16 fraction of 2^127: the exact distance breaks the tie).
    std::array<routing::route_candidate, 3> g{};
    const truncated_hash zero{};
    g[0].neighbour = addr(0, 1000);
    g[1].neighbour = addr(~0ull, ~0ull - 10);  // 11 before zero
    g[2].neighbour = addr(0x8000000000000000ull, 0);
    for (auto& x : g) x.cost.hop_count = 4;  // the ring term scores multi-hop paths only
    CHECK(*routing::choose_next_hop(g, zero, routing::path_policy::balanced(0, 0, 0, 65535)) == 1);
    CHECK(*routing::choose_next_hop(g, zero, routing::path_policy::cheapest()) == 1);
    // A one-hop path ends at its next hop: its ring term is 0, whatever the neighbour's address.
    g[2].cost.hop_count = 1;
    CHECK(*routing::choose_next_hop(g, zero, routing::path_policy::balanced(0, 0, 0, 65535)) == 2);

    // Unknown reliability counts as 128: it beats 100 and loses to 200.
    std::array<routing::route_candidate, 2> u{};
    u[0].reliability = 0;
    u[1].reliability = 100;
    CHECK(*routing::choose_next_hop(u, zero, routing::path_policy::most_reliable()) == 0);
    u[1].reliability = 200;
    CHECK(*routing::choose_next_hop(u, zero, routing::path_policy::most_reliable()) == 1);

    // Exact ties fall back to lower cost code, then latency, ring distance, hops, then the first.
    std::array<routing::route_candidate, 3> t{};
    t[0].cost = {10, 5, 0, 9};
    t[1].cost = {10, 5, 0, 3};
    t[2].cost = {10, 5, 0, 3};
    CHECK(*routing::choose_next_hop(t, zero, routing::path_policy::balanced(0, 0, 0, 0)) == 1);

    CHECK(routing::choose_next_hop({}, zero, routing::path_policy::cheapest()).error() ==
          nexus::error::not_found);
    CHECK(*routing::choose_next_hop(std::span(c).first(1), dest, routing::path_policy::fastest()) == 0);
}

TEST_CASE("path_policy: fixed-point choice equals the double-precision brute force") {
    std::mt19937_64 rng(0x504f4c);
    int same = 0, within_epsilon = 0;
    for (int round = 0; round < 6000; ++round) {
        const truncated_hash dest = addr(rng(), rng());
        const auto c = random_set(rng, dest);
        struct named {
            routing::path_policy fixed;
            model_weights model;
        };
        const std::uint16_t wc = static_cast<std::uint16_t>(rng() % 30000),
                            wl = static_cast<std::uint16_t>(rng() % 20000),
                            wr = static_cast<std::uint16_t>(rng() % 10000),
                            wd = static_cast<std::uint16_t>(rng() % 5535);
        const std::array<named, 4> policies{{
            {routing::path_policy::cheapest(), {0.1, 0.8, 0.1, 0.0}},
            {routing::path_policy::fastest(), {0.1, 0.1, 0.8, 0.0}},
            {routing::path_policy::balanced(), {0.1, 0.3, 0.3, 0.3}},
            {routing::path_policy::balanced(wc, wl, wr, wd),
             {wd / 65535.0, wc / 65535.0, wl / 65535.0, wr / 65535.0}},
        }};
        for (const auto& p : policies) {
            const auto s = model_scores(c, dest, p.model);
            const std::size_t best =
                static_cast<std::size_t>(std::min_element(s.begin(), s.end()) - s.begin());
            const auto got = routing::choose_next_hop(c, dest, p.fixed);
            REQUIRE(got.has_value());
            REQUIRE(*got < c.size());
            if (*got == best || s[*got] == s[best]) {
                ++same;
            } else {
                CHECK_MESSAGE(s[*got] - s[best] <= routing::score_epsilon,
                              "round " << round << ": fixed picked " << *got << " (" << s[*got]
                                       << "), double " << best << " (" << s[best] << ")");
                ++within_epsilon;
            }
        }
        CHECK(*routing::choose_next_hop(c, dest, routing::path_policy::most_reliable()) ==
              model_most_reliable(c, dest));
    }
    MESSAGE("identical choices: " << same << ", different but within epsilon: " << within_epsilon);
    CHECK(within_epsilon * 100 < same);
}

TEST_CASE("path_policy: no allocation, constexpr") {
    std::array<routing::route_candidate, 4> c{};
    for (std::size_t i = 0; i < c.size(); ++i)
        c[i].cost.cumulative_cost = static_cast<std::uint16_t>(100 - i);
    nexus::result<std::size_t> r = nexus::fail(nexus::error::not_found);
    NEXUS_CHECK_NO_ALLOC(r = routing::choose_next_hop(c, truncated_hash{}, routing::path_policy::cheapest()));
    CHECK(*r == 3);
    constexpr std::array<routing::route_candidate, 2> k{{{{}, {50, 0, 0, 0}, 0}, {{}, {40, 0, 0, 0}, 0}}};
    static_assert(*routing::choose_next_hop(k, truncated_hash{}, routing::path_policy::cheapest()) == 1);
}
