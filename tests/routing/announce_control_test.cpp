// Tests of routing/announce_rate.hpp and routing/announce_ingress.hpp against models written here
// from the fact sheet (../shared/spec/reticulum-framing.md "Announce rate control and ingress
// control"): a per-destination rate model in double-precision seconds and a closed form for steady
// streams; a frequency model over plain vectors of arrival times (and a 1 ms brute-force search for
// the time a frequency falls below a threshold); closed-form counts and release times for floods.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "nexus/routing/announce_ingress.hpp"
#include "nexus/routing/announce_rate.hpp"
#include "nexus/wire/announce.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::duration;
using nexus::error;
using nexus::timestamp;
using nexus::truncated_hash;
using nexus::test::bytes;
namespace routing = nexus::routing;
namespace wire = nexus::wire;

constexpr std::uint64_t t0_ms = 1'000'000'000;  // an arbitrary start, far from 0
timestamp at_ms(std::int64_t ms) { return timestamp::from_ms(t0_ms + static_cast<std::uint64_t>(ms)); }
std::int64_t rel_ms(timestamp t) { return static_cast<std::int64_t>(t.ms() - t0_ms); }

truncated_hash id(std::uint32_t n, std::uint8_t kind = 0) {
    truncated_hash h{};
    for (std::size_t i = 0; i < 4; ++i) h[i] = static_cast<std::uint8_t>(n >> (8 * i));
    h[4] = kind;
    h[15] = 0x5A;
    return h;
}

// ------------------------------------------------------------------------------------------------
// Rate control

// The rule as the fact sheet states it, in seconds, one map entry per destination.
struct rate_model {
    double target, penalty;
    int grace;
    struct entry {
        double last;
        int violations;
        double blocked_until;
    };
    std::map<std::uint32_t, entry> table;

    bool allow(std::uint32_t dest, double t) {
        auto it = table.find(dest);
        if (it == table.end()) {
            table[dest] = entry{t, 0, -1e300};
            return true;
        }
        entry& e = it->second;
        if (t <= e.blocked_until) return false;
        e.violations = (t - e.last < target) ? e.violations + 1 : std::max(0, e.violations - 1);
        if (e.violations > grace) {
            e.blocked_until = e.last + target + penalty;
            return false;
        }
        e.last = t;
        return true;
    }
};

}  // namespace

TEST_CASE("announce rate: a sequence worked by hand") {
    routing::announce_rate<8> rate({duration::seconds(100), 2, duration::seconds(0)});
    const auto d = id(1);
    auto at = [](int s) { return at_ms(s * 1000); };
    CHECK(rate.allow_rebroadcast(d, at(0)));    // first: accepted, last = 0
    CHECK(rate.allow_rebroadcast(d, at(10)));   // 10 < 100: 1 violation, last = 10
    CHECK(rate.allow_rebroadcast(d, at(20)));   // 2 violations (= grace), last = 20
    CHECK(!rate.allow_rebroadcast(d, at(30)));  // 3 > grace: blocked until 20 + 100 = 120
    REQUIRE(rate.find(d) != nullptr);
    CHECK(rate.find(d)->blocked_until == at(120));
    CHECK(rate.find(d)->last == at(20));
    CHECK(rate.is_blocked(d, at(120)));
    CHECK(!rate.allow_rebroadcast(d, at(50)));   // blocked: nothing changes
    CHECK(!rate.allow_rebroadcast(d, at(120)));  // still blocked at the instant itself
    CHECK(rate.find(d)->violations == 3);
    CHECK(rate.allow_rebroadcast(d, at(121)));   // 121 - 20 >= 100: 2 violations, accepted, last = 121
    CHECK(!rate.allow_rebroadcast(d, at(130)));  // 3 again: blocked until 221
    CHECK(rate.find(d)->blocked_until == at(221));
    CHECK(rate.allow_rebroadcast(d, at(400)));   // slow: 2
    CHECK(rate.allow_rebroadcast(d, at(600)));   // slow: 1
    CHECK(rate.allow_rebroadcast(d, at(610)));   // fast: 2
    CHECK(!rate.allow_rebroadcast(d, at(611)));  // fast: 3, blocked until 610 + 100
    CHECK(rate.stats().allowed == 7);
    CHECK(rate.stats().blocked == 5);

    // With a penalty the block is longer by it; another destination is unaffected.
    routing::announce_rate<8> strict({duration::seconds(100), 0, duration::seconds(30)});
    CHECK(strict.allow_rebroadcast(d, at(0)));
    CHECK(!strict.allow_rebroadcast(d, at(5)));  // 1 > 0: blocked until 0 + 100 + 30
    CHECK(!strict.allow_rebroadcast(d, at(130)));
    CHECK(strict.allow_rebroadcast(d, at(131)));
    CHECK(strict.allow_rebroadcast(id(2), at(131)));
}

TEST_CASE("announce rate: a steady stream faster than the target matches the closed form") {
    // Gap g < target: the first grace + 1 announces pass (times 0, g, ..., grace * g); after that an
    // announce passes exactly when it is the first of the stream later than the last one passed
    // + target + penalty.
    for (const int grace : {0, 1, 5}) {
        for (const int gap_s : {1, 7, 599, 3599}) {
            for (const int penalty_s : {0, 900}) {
                CAPTURE(grace);
                CAPTURE(gap_s);
                CAPTURE(penalty_s);
                routing::announce_rate<4> rate({duration::seconds(3600), static_cast<std::uint8_t>(grace),
                                                duration::seconds(penalty_s)});
                std::vector<std::int64_t> expected;
                for (int k = 0; k <= grace; ++k) expected.push_back(std::int64_t{k} * gap_s);
                const std::int64_t horizon = 10 * 24 * 3600;
                for (;;) {
                    const std::int64_t after = expected.back() + 3600 + penalty_s;
                    const std::int64_t next = (after / gap_s + 1) * gap_s;  // first multiple strictly later
                    if (next > horizon) break;
                    expected.push_back(next);
                }
                std::vector<std::int64_t> passed;
                for (std::int64_t t = 0; t <= horizon; t += gap_s)
                    if (rate.allow_rebroadcast(id(9), at_ms(t * 1000))) passed.push_back(t);
                CHECK(passed == expected);
            }
        }
    }
    // A stream at or slower than the target is never blocked.
    routing::announce_rate<4> rate;
    for (int k = 0; k < 50; ++k) CHECK(rate.allow_rebroadcast(id(3), at_ms(std::int64_t{k} * 3'600'000)));
}

TEST_CASE("announce rate: random sequences against the model") {
    nexus::test::rng rng(41);
    for (int round = 0; round < 40; ++round) {
        const int target_s = 10 + static_cast<int>(rng.next() % 300);
        const int grace = static_cast<int>(rng.next() % 7);
        const int penalty_s = static_cast<int>(rng.next() % 3) * 37;
        routing::announce_rate_config cfg{duration::seconds(target_s), static_cast<std::uint8_t>(grace),
                                          duration::seconds(penalty_s)};
        routing::announce_rate<16> rate(cfg);
        rate_model model{double(target_s), double(penalty_s), grace, {}};
        constexpr std::uint32_t destinations = 12;
        std::int64_t now = 0;
        for (int i = 0; i < 3000; ++i) {
            const auto dest = static_cast<std::uint32_t>(rng.next() % destinations);
            // Gaps around the target: mostly shorter, sometimes much longer.
            now += static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(target_s * 250));
            if (rng.next() % 10 == 0) now += target_s * 3000;
            bool got = false;
            NEXUS_CHECK_NO_ALLOC(got = rate.allow_rebroadcast(id(dest), at_ms(now)));
            REQUIRE(got == model.allow(dest, double(now) / 1000.0));
        }
        CHECK(rate.size() == model.table.size());
        CHECK(rate.stats().evicted == 0);
    }
}

TEST_CASE("announce rate: path responses skip it; a full table forgets the least recently seen") {
    routing::announce_rate<4> rate({duration::seconds(100), 0, duration::seconds(0)});
    const auto x = id(100);
    CHECK(rate.allow_rebroadcast(x, at_ms(0)));
    CHECK(!rate.allow_rebroadcast(x, at_ms(1000)));  // blocked until 100 s
    const auto before = *rate.find(x);
    // A PATH_RESPONSE announce passes and changes nothing; any other context is controlled.
    CHECK(rate.allow_rebroadcast(x, wire::context::path_response, at_ms(2000)));
    CHECK(rate.find(x)->violations == before.violations);
    CHECK(rate.find(x)->last == before.last);
    CHECK(!rate.allow_rebroadcast(x, wire::context::none, at_ms(3000)));

    // Three more destinations fill the table; x, seen last at 3 s, is the oldest; a fifth evicts it.
    for (std::uint32_t k = 1; k <= 3; ++k) CHECK(rate.allow_rebroadcast(id(k), at_ms(4000 + k)));
    CHECK(rate.size() == 4);
    CHECK(rate.allow_rebroadcast(id(4), at_ms(5000)));
    CHECK(rate.stats().evicted == 1);
    CHECK(rate.find(x) == nullptr);
    // Evicted, x starts clean: accepted although its block has not run out.
    CHECK(rate.allow_rebroadcast(x, at_ms(6000)));
    CHECK(rate.stats().evicted == 2);  // id(1) made room
    // Recency: an announce of id(2) keeps it; id(3) is the oldest now.
    CHECK(!rate.allow_rebroadcast(id(2), at_ms(7000)));
    CHECK(rate.allow_rebroadcast(id(5), at_ms(8000)));
    CHECK(rate.find(id(2)) != nullptr);
    CHECK(rate.find(id(3)) == nullptr);
    rate.forget(id(2));
    CHECK(rate.find(id(2)) == nullptr);

    // The per-call configuration (the receiving interface's) is the one applied.
    routing::announce_rate<4> lax({duration::seconds(100), 0, duration::seconds(0)});
    const routing::announce_rate_config generous{duration::seconds(100), 10, duration::seconds(0)};
    for (int k = 0; k < 11; ++k) CHECK(lax.allow_rebroadcast(id(7), at_ms(k * 1000), generous));
    CHECK(!lax.allow_rebroadcast(id(7), at_ms(11'000), generous));
}

// ------------------------------------------------------------------------------------------------
// Frequency

namespace {

// The frequency as the fact sheet defines it: the last 48 arrivals, those at most 10 s old, n / (t
// - oldest) when n > 2, else 0. Integer milliseconds in, double hertz out.
double model_frequency(const std::vector<std::int64_t>& arrivals, std::int64_t t) {
    const std::size_t from = arrivals.size() > 48 ? arrivals.size() - 48 : 0;
    std::vector<std::int64_t> w;
    for (std::size_t i = from; i < arrivals.size(); ++i)
        if (t - arrivals[i] <= 10'000) w.push_back(arrivals[i]);
    if (w.size() <= 2 || t == w.front()) return 0.0;
    return double(w.size()) / (double(t - w.front()) / 1000.0);
}

}  // namespace

TEST_CASE("arrival meter: above / below agree with the model; first_below with a 1 ms search") {
    nexus::test::rng rng(3);
    const duration window = duration::seconds(10);
    std::size_t compared = 0;
    std::size_t searched = 0;
    for (int round = 0; round < 60; ++round) {
        routing::arrival_meter<> m;
        std::vector<std::int64_t> arrivals;
        std::int64_t t = 0;
        // Bursts and lulls: gaps from 1 ms to ~4 s.
        const int count = 5 + static_cast<int>(rng.next() % 120);
        for (int i = 0; i < count; ++i) {
            const std::uint64_t r = rng.next();
            t += static_cast<std::int64_t>(r % 8 == 0 ? r % 4000 : r % 150);
            m.add(at_ms(t), window);
            arrivals.push_back(t);
            // Queries now and a little later.
            for (const std::int64_t dt : {0, 1, 37, 900, 4000, 9999, 10'001}) {
                const std::int64_t q = t + dt;
                const double f = model_frequency(arrivals, q);
                for (const std::uint32_t mhz : {3'000u, 10'000u, 1'500u, 47'000u}) {
                    const double hz = mhz / 1000.0;
                    if (std::abs(f - hz) < 1e-9) continue;  // exactly at the threshold: neither
                    CHECK(m.above(at_ms(q), mhz, window) == (f > hz));
                    CHECK(m.below(at_ms(q), mhz, window) == (f < hz));
                    ++compared;
                }
            }
        }
        // first_below from a few starting points, with the threshold switching at `old_at`.
        for (int s = 0; s < 4; ++s) {
            const std::int64_t from = t - 2000 + static_cast<std::int64_t>(rng.next() % 6000);
            if (from < arrivals.back()) continue;  // no arrival after `from`
            const std::int64_t old_at = from + static_cast<std::int64_t>(rng.next() % 8000);
            const std::uint32_t young = 3'000, old = 10'000;
            std::int64_t expect = -1;
            for (std::int64_t q = from; q <= from + 30'000; ++q) {
                const double hz = (q < old_at ? young : old) / 1000.0;
                if (model_frequency(arrivals, q) < hz) {
                    expect = q;
                    break;
                }
            }
            REQUIRE(expect >= 0);
            CHECK(rel_ms(m.first_below(at_ms(from), young, old, at_ms(old_at), window)) == expect);
            ++searched;
        }
    }
    CHECK(compared > 10'000);
    CHECK(searched > 50);
}

// ------------------------------------------------------------------------------------------------
// Ingress control

namespace {

// A packet that passes for an announce (the ingress controller only reads the header): flags 0x01,
// the given hops, destination id(n, 0xDD), context 0, 148 data bytes.
bytes announce_packet(std::uint32_t n, std::uint8_t hops, std::size_t size = wire::announce_min_packet) {
    bytes p(size, 0);
    p[0] = 0x01;
    p[1] = hops;
    const auto d = id(n, 0xDD);
    std::copy(d.begin(), d.end(), p.begin() + 2);
    for (std::size_t i = 19; i < size; ++i) p[i] = static_cast<std::uint8_t>(i * 31 + n);
    return p;
}
std::uint32_t packet_number(std::span<const std::uint8_t> p) {
    return std::uint32_t{p[2]} | std::uint32_t{p[3]} << 8 | std::uint32_t{p[4]} << 16 |
           std::uint32_t{p[5]} << 24;
}

struct released_announce {
    std::int64_t at;
    std::uint8_t iface;
    std::uint8_t hops;
    std::uint32_t number;
};

// Runs an ingress controller the way an integrator does: before each arrival, every release due
// (found with next_deadline) is taken, at its deadline. Each deadline must yield a release.
template <class Ingress>
struct driver {
    Ingress& ing;
    std::vector<released_announce> released{};
    std::array<std::uint8_t, wire::mtu> buf{};
    std::size_t empty_deadlines = 0;

    void drain_until(std::int64_t until) {
        for (;;) {
            const timestamp d = ing.next_deadline();
            if (d == timestamp::max() || rel_ms(d) > until) return;
            std::size_t got = 0;
            for (;;) {
                std::uint8_t iface = 0xFF;
                std::size_t n = 0;
                NEXUS_CHECK_NO_ALLOC(n = ing.release(d, buf, iface).value());
                if (n == 0) break;
                ++got;
                released.push_back({rel_ms(d), iface, buf[1], packet_number(std::span(buf).first(n))});
            }
            if (got == 0) ++empty_deadlines;
        }
    }
    routing::ingress_verdict arrive(std::int64_t t, const routing::announce_arrival& a, const bytes& raw) {
        drain_until(t);
        routing::ingress_verdict v{};
        NEXUS_CHECK_NO_ALLOC(v = ing.on_announce(a, at_ms(t)).value());
        if (v == routing::ingress_verdict::hold) {
            nexus::result<void> r;
            NEXUS_CHECK_NO_ALLOC(r = ing.hold(a, raw, raw[1], at_ms(t)));
            CHECK((r.has_value() || r.error() == error::full));
        }
        return v;
    }
};

constexpr std::int64_t hour_ms = 3'600'000;

// The held store as the header describes it, on a plain vector of (hops, order): stored while
// there is room, or in place of the worst entry (most hops, then latest) when it has fewer hops
// than that one; otherwise dropped. Counts as ingress_stats does.
struct store_model {
    std::size_t capacity;
    std::vector<std::pair<std::uint8_t, std::uint32_t>> entries{};
    std::size_t stored = 0, dropped = 0;

    bool offer(std::uint8_t hops, std::uint32_t order) {
        if (entries.size() < capacity) {
            entries.push_back({hops, order});
            ++stored;
            return true;
        }
        auto worst = std::max_element(entries.begin(), entries.end());
        if (hops < worst->first) {
            *worst = {hops, order};
            ++stored;
            ++dropped;
            return true;
        }
        ++dropped;
        return false;
    }
};

}  // namespace

TEST_CASE("ingress: a flood of fresh identities is held, another interface is not; release one per 5 s") {
    using ingress_t = routing::announce_ingress<4, 32, 64>;
    auto ing = std::make_unique<ingress_t>();
    driver<ingress_t> drv{*ing};
    const timestamp old_iface = at_ms(-3 * hour_ms);  // both interfaces older than 2 h: 10 Hz

    // Interface 0: 3,000 announces at 100 Hz (every 10 ms), each from a fresh identity, hops 1..13.
    // Interface 1: 4 neighbours announcing every 2 s each (one every 0.5 s), from 0 to 120 s.
    struct event {
        std::int64_t t;
        int kind;  // 0 flood, 1 legitimate
        std::uint32_t k;
    };
    std::vector<event> events;
    for (std::uint32_t k = 0; k < 3000; ++k) events.push_back({std::int64_t{k} * 10, 0, k});
    for (std::uint32_t j = 0; j < 240; ++j) events.push_back({std::int64_t{j} * 500 + 3, 1, j});
    std::sort(events.begin(), events.end(), [](const event& a, const event& b) { return a.t < b.t; });
    auto flood_hops = [](std::uint32_t k) { return static_cast<std::uint8_t>(1 + (k * 7919u) % 13); };

    std::size_t flood_admitted = 0, flood_held = 0, legit_admitted = 0;
    for (const auto& e : events) {
        if (e.kind == 0) {
            const routing::announce_arrival a{0, old_iface, id(e.k, 1), true};
            const auto v = drv.arrive(e.t, a, announce_packet(e.k, flood_hops(e.k)));
            (v == routing::ingress_verdict::admit ? flood_admitted : flood_held)++;
        } else {
            const routing::announce_arrival a{1, old_iface, id(e.k % 4, 2), true};
            legit_admitted +=
                drv.arrive(e.t, a, announce_packet(100'000 + e.k, 2)) == routing::ingress_verdict::admit;
        }
    }
    drv.drain_until(10 * hour_ms);

    // Model. The interface frequency is n / (t - oldest) over > 2 samples: the third flood announce
    // (20 ms) sees 3 / 0.02 s = 150 Hz > 10 Hz and starts the burst, which lasts while the flood
    // does. So 2 are admitted and 2,998 held.
    CHECK(flood_admitted == 2);
    CHECK(flood_held == 2998);
    CHECK(legit_admitted == 240);
    // The store keeps the 64 held announces with the fewest hops (ties: the earliest).
    std::vector<std::pair<std::uint8_t, std::uint32_t>> candidates;
    store_model store{64};
    for (std::uint32_t k = 2; k < 3000; ++k) {
        candidates.push_back({flood_hops(k), k});
        (void)store.offer(flood_hops(k), k);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.resize(64);
    std::sort(store.entries.begin(), store.entries.end());
    CHECK(store.entries == candidates);
    // Release: the flood's last 48 arrivals (29.52 s .. 29.99 s) read 48 / (t - 29.52 s), below
    // 10 Hz from t > 34.32 s, i.e. 34,321 ms; the burst started at 20 ms, so its 15 s penalty is long
    // over. Then one every 5 s, fewest hops first, all from interface 0.
    REQUIRE(drv.released.size() == 64);
    for (std::size_t j = 0; j < 64; ++j) {
        CAPTURE(j);
        CHECK(drv.released[j].at == 34'321 + 5'000 * static_cast<std::int64_t>(j));
        CHECK(drv.released[j].iface == 0);
        CHECK(drv.released[j].hops == candidates[j].first);
        CHECK(drv.released[j].number == candidates[j].second);
    }
    CHECK(drv.empty_deadlines == 0);
    CHECK(ing->held_count() == 0);
    CHECK(ing->next_deadline() == timestamp::max());
    const auto& s = ing->stats();
    CHECK(s.admitted == 242);
    CHECK(s.limited == 2998);
    CHECK(s.held == store.stored);
    CHECK(s.dropped == store.dropped);
    CHECK(s.dropped == 2998 - 64);
    CHECK(s.released == 64);
}

TEST_CASE("ingress: one flooding neighbour is limited on a busy interface, the others are not") {
    // Interface 2 (old, 10 Hz) carries 10 neighbours taking turns: one announce a second for 20 s,
    // then one every 125 ms (8 Hz) to 150 s. From 60 s to 90 s neighbour X floods at 20 Hz.
    using ingress_t = routing::announce_ingress<4, 64, 256>;
    const timestamp old_iface = at_ms(-3 * hour_ms);
    const auto x = id(777, 3);
    struct outcome {
        std::size_t legit = 0, legit_admitted = 0, x_admitted = 0;
        std::vector<std::uint32_t> x_numbers{};
        std::vector<released_announce> released{};
        bool iface_burst = false;
    };
    auto run = [&](bool per_neighbour) {
        routing::ingress_config cfg;
        cfg.per_neighbour = per_neighbour;
        auto ing = std::make_unique<ingress_t>(cfg);
        driver<ingress_t> drv{*ing};
        outcome o;
        std::uint32_t n = 0, turn = 0;
        for (std::int64_t t = 0; t < 150'000; t += 25) {
            if (t < 20'000 ? t % 1000 == 0 : t % 125 == 0) {
                const routing::announce_arrival a{2, old_iface, id(turn++ % 10, 4), true};
                ++o.legit;
                o.legit_admitted +=
                    drv.arrive(t, a, announce_packet(n++, 3)) == routing::ingress_verdict::admit;
            }
            if (t >= 60'000 && t < 90'000 && t % 50 == 0) {
                const routing::announce_arrival a{2, old_iface, x, true};
                o.x_numbers.push_back(1'000'000 + n);
                o.x_admitted +=
                    drv.arrive(t, a, announce_packet(1'000'000 + n++, 2)) == routing::ingress_verdict::admit;
            }
            o.iface_burst = o.iface_burst || ing->interface_in_burst(2);
        }
        drv.drain_until(150'000);
        o.released = drv.released;
        CHECK(drv.empty_deadlines == 0);
        return o;
    };

    const outcome o = run(true);
    // Model: the interface estimate stays under 10 Hz: at 1 Hz it reads at most 3 / 2 s; while the
    // 8 Hz traffic replaces the 1 Hz samples it reads at most 48 / 9.5 s; then 48 / 5.875 s = 8.2 Hz,
    // and 48 / 5.75 s = 8.3 Hz with X's first two announces, which count on the interface before X's
    // own burst. So every legitimate announce passes. X's third announce (100 ms after its first)
    // reads 3 / 0.1 s = 30 Hz > 3 Hz (X is a new neighbour): X is held from then on.
    CHECK(o.legit == 20 + 130 * 8);
    CHECK(o.legit_admitted == o.legit);
    CHECK(o.x_admitted == 2);
    CHECK(o.x_numbers.size() == 600);
    CHECK_FALSE(o.iface_burst);
    // X's held announces leave one per 5 s from its burst start + 15 s (60.1 s + 15 s = 75.1 s),
    // while X still floods (the interface itself is quiet), in the order they were held (all have
    // 2 hops); the store keeps the first 256 of X's 598 held announces (ties: the earliest).
    REQUIRE(o.released.size() == static_cast<std::size_t>((150'000 - 75'100) / 5'000 + 1));
    for (std::size_t j = 0; j < o.released.size(); ++j) {
        CAPTURE(j);
        CHECK(o.released[j].at == 75'100 + 5'000 * static_cast<std::int64_t>(j));
        CHECK(o.released[j].iface == 2);
        CHECK(o.released[j].number == o.x_numbers[2 + j]);
    }

    // Without the per-neighbour meter X pushes the interface over 10 Hz and everyone's announces of
    // unknown destinations are held while the burst lasts, at least the 30 s of the flood (240).
    const outcome plain = run(false);
    CHECK(plain.iface_burst);
    CHECK(plain.legit_admitted <= plain.legit - 240);
}

TEST_CASE("ingress: young and old interface thresholds") {
    using ingress_t = routing::announce_ingress<4, 32, 16, 200>;
    // 5 Hz of fresh identities for 20 s: above 3 Hz (young), below 10 Hz (old).
    auto stream = [](ingress_t& ing, std::uint8_t iface, timestamp created, std::int64_t start, int count,
                     std::int64_t gap, std::uint32_t first) {
        std::vector<routing::ingress_verdict> v;
        for (int k = 0; k < count; ++k) {
            const routing::announce_arrival a{iface, created, id(first + static_cast<std::uint32_t>(k), 5),
                                              true};
            v.push_back(ing.on_announce(a, at_ms(start + k * gap)).value());
        }
        return v;
    };
    auto held = [](const std::vector<routing::ingress_verdict>& v) {
        return static_cast<std::size_t>(std::count(v.begin(), v.end(), routing::ingress_verdict::hold));
    };
    auto ing = std::make_unique<ingress_t>();
    const auto young = stream(*ing, 0, at_ms(0), 0, 100, 200, 0);
    const auto old = stream(*ing, 1, at_ms(-3 * hour_ms), 0, 100, 200, 1000);
    // Young: the third announce reads 3 / 0.4 s = 7.5 Hz > 3 Hz; 5 Hz keeps the burst on.
    CHECK(young[0] == routing::ingress_verdict::admit);
    CHECK(young[1] == routing::ingress_verdict::admit);
    CHECK(held(young) == 98);
    // Old: never above 7.5 Hz.
    CHECK(held(old) == 0);
    // 4 Hz vs 3 Hz on the young one, 11 Hz vs 10 Hz on the old one (steady rate r: 48 samples read
    // 48 / (47 / r) > r).
    // A steady rate r reads n / ((n - 1) / r) = r n / (n - 1), most at n = 3: 1.5 r. So 2 Hz never
    // exceeds 3 Hz (3 / 1 s is not above 3) and 6 Hz never exceeds 10 Hz (3 / 0.334 s), while 4 Hz
    // on a young and 11 Hz on an old interface are held from the third announce on.
    auto ing2 = std::make_unique<ingress_t>();
    CHECK(held(stream(*ing2, 0, at_ms(0), 0, 60, 500, 0)) == 0);
    CHECK(held(stream(*ing2, 1, at_ms(-3 * hour_ms), 0, 60, 167, 100)) == 0);
    auto ing3 = std::make_unique<ingress_t>();
    CHECK(held(stream(*ing3, 0, at_ms(0), 0, 60, 250, 0)) == 58);
    CHECK(held(stream(*ing3, 1, at_ms(-3 * hour_ms), 0, 60, 91, 100)) == 58);

    // Crossing the 2 h mark: an interface created at 0 carries 5 Hz from 7,170 s on. Young until
    // 7,200 s: the burst starts at the third announce. At 7,200 s the threshold becomes 10 Hz; the
    // burst (older than 15 s) ends at the first announce that sees 5 Hz < 10 Hz -- that announce is
    // still held, as Reticulum's -- and every later one is admitted.
    auto ing4 = std::make_unique<ingress_t>();
    const auto cross = stream(*ing4, 0, at_ms(0), 7'170'000, 300, 200, 0);  // to 7,229.8 s
    const std::size_t at_mark = (7'200'000 - 7'170'000) / 200;              // index of the 7,200 s announce
    for (std::size_t k = 0; k < cross.size(); ++k) {
        CAPTURE(k);
        const bool expect_hold = (k >= 2 && k <= at_mark);
        CHECK((cross[k] == routing::ingress_verdict::hold) == expect_hold);
    }
    CHECK(!ing4->interface_in_burst(0));
}

TEST_CASE("ingress: a full store keeps the fewest hops; one copy per destination; refusals") {
    using ingress_t = routing::announce_ingress<2, 8, 8, 200>;
    auto ing = std::make_unique<ingress_t>();
    const routing::announce_arrival a{0, at_ms(-3 * hour_ms), id(1, 6), true};
    const std::array<std::uint8_t, 20> hops = {9,  3, 14, 3, 7, 1, 20, 5, 5, 2,
                                               30, 4, 1,  8, 6, 3, 12, 2, 9, 0};
    store_model model{8};
    for (std::uint32_t k = 0; k < hops.size(); ++k) {
        const bytes p = announce_packet(k, hops[k]);
        nexus::result<void> r;
        NEXUS_CHECK_NO_ALLOC(r = ing->hold(a, p, hops[k], at_ms(k)));
        CHECK(r.has_value() == model.offer(hops[k], k));
    }
    CHECK(ing->stats().held == model.stored);
    CHECK(ing->stats().dropped == model.dropped);
    // The 8 smallest (hops, order): 0 (#19), 1 (#5), 1 (#12), 2 (#9), 2 (#17), 3 (#1), 3 (#3), 3 (#15).
    std::vector<std::pair<std::uint8_t, std::uint32_t>> want;
    for (std::uint32_t k = 0; k < hops.size(); ++k) want.push_back({hops[k], k});
    std::sort(want.begin(), want.end());
    want.resize(8);
    std::vector<std::pair<std::uint8_t, std::uint32_t>> got;
    ing->for_each_held([&](std::uint8_t iface, std::uint8_t h, std::span<const std::uint8_t> p) {
        CHECK(iface == 0);
        CHECK(p.size() == wire::announce_min_packet);
        got.push_back({h, packet_number(p)});
    });
    std::sort(got.begin(), got.end());
    CHECK(got == want);
    std::sort(model.entries.begin(), model.entries.end());
    CHECK(model.entries == want);

    // The same destination: a copy with fewer or equal hops replaces, one with more is refused.
    const auto filled = ing->stats();
    CHECK(ing->hold(a, announce_packet(1, 3), 3, at_ms(100)).has_value());
    CHECK(ing->hold(a, announce_packet(1, 4), 4, at_ms(101)).error() == error::full);
    CHECK(ing->hold(a, announce_packet(1, 2), 2, at_ms(102)).has_value());
    CHECK(ing->held_count() == 8);
    CHECK(ing->stats().held == filled.held + 2);
    CHECK(ing->stats().dropped == filled.dropped + 3);  // two copies superseded, one refused
    // Refusals leave everything as it was.
    const auto before = ing->stats();
    CHECK(ing->hold(a, announce_packet(50, 127), 127, at_ms(103)).error() == error::out_of_range);
    CHECK(ing->hold(a, announce_packet(51, 200), 200, at_ms(103)).error() == error::out_of_range);
    CHECK(ing->hold(a, announce_packet(52, 1, 201), 1, at_ms(103)).error() == error::invalid_length);
    bytes data_packet = announce_packet(53, 1);
    data_packet[0] = 0x00;
    CHECK(ing->hold(a, data_packet, 1, at_ms(103)).error() == error::invalid_argument);
    CHECK(ing->hold(a, std::span(data_packet).first(10), 1, at_ms(103)).error() == error::truncated);
    routing::announce_arrival bad = a;
    bad.iface = 2;
    CHECK(ing->hold(bad, announce_packet(54, 1), 1, at_ms(103)).error() == error::out_of_range);
    CHECK(ing->on_announce(bad, at_ms(103)).error() == error::out_of_range);
    CHECK(ing->stats().held == before.held);
    CHECK(ing->stats().dropped == before.dropped);
    CHECK(ing->held_count() == 8);

    // Release: never in a burst, so one every 5 s from the first call on, fewest hops first; a
    // short buffer releases nothing.
    std::array<std::uint8_t, 200> out{};
    std::uint8_t iface = 0xFF;
    CHECK(ing->release(at_ms(200), std::span(out).first(100), iface).error() == error::buffer_too_small);
    CHECK(ing->held_count() == 8);
    std::vector<std::uint8_t> order;
    std::int64_t t = 200;
    while (ing->held_count() > 0) {
        const auto n = ing->release(at_ms(t), out, iface).value();
        REQUIRE(n == wire::announce_min_packet);
        order.push_back(out[1]);
        CHECK(ing->release(at_ms(t + 4'999), out, iface).value() == 0);
        t += 5'000;
        CHECK(ing->next_deadline() == (ing->held_count() > 0 ? at_ms(t) : timestamp::max()));
    }
    CHECK(std::is_sorted(order.begin(), order.end()));
    CHECK(order.front() == 0);
}

TEST_CASE("ingress: next_deadline is exactly the first time release hands something back") {
    using ingress_t = routing::announce_ingress<3, 16, 24, 200>;
    nexus::test::rng rng(99);
    std::size_t checked = 0;
    for (int round = 0; round < 12; ++round) {
        auto ing = std::make_unique<ingress_t>();
        std::array<timestamp, 3> created = {at_ms(0), at_ms(-3 * hour_ms), at_ms(-2 * hour_ms + 20'000)};
        std::int64_t t = 0;
        std::int64_t latest = 0;  // the latest time the controller has seen
        std::array<std::uint8_t, 200> out{};
        for (int i = 0; i < 1500; ++i) {
            t += static_cast<std::int64_t>(rng.next() % (i % 300 < 150 ? 60 : 2500));
            const auto iface = static_cast<std::uint8_t>(rng.next() % 3);
            const std::uint64_t crowd = rng.next() % 2 ? 3 : 500;  // a few neighbours or many
            const auto who = static_cast<std::uint32_t>(rng.next() % crowd);
            const routing::announce_arrival a{iface, created[iface], id(who, 7), rng.next() % 8 != 0};
            // Before the arrival, every deadline up to it: nothing at 1 ms before (on a copy), a
            // release at it.
            for (;;) {
                const timestamp d = ing->next_deadline();
                if (d == timestamp::max() || rel_ms(d) > t) break;
                CHECK(rel_ms(d) >= latest);
                std::uint8_t f = 0;
                if (rel_ms(d) - 1 >= latest) {
                    auto probe = std::make_unique<ingress_t>(*ing);
                    CHECK(probe->release(d - duration::milliseconds(1), out, f).value() == 0);
                }
                const std::size_t n = ing->release(d, out, f).value();
                CHECK(n > 0);
                ++checked;
                while (ing->release(d, out, f).value() > 0) {
                }
                latest = rel_ms(d);
                if (n == 0) break;
            }
            latest = t;
            const auto hops = static_cast<std::uint8_t>(rng.next() % 20);
            if (ing->on_announce(a, at_ms(t)).value() == routing::ingress_verdict::hold)
                (void)ing->hold(a, announce_packet(static_cast<std::uint32_t>(i), hops), hops, at_ms(t));
        }
    }
    CHECK(checked > 100);
}
