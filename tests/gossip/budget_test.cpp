// Tests of gossip/budget.hpp. Independent truth: the spec's shares and constrained-link rules
// written out; bucket sizes worked out by hand (share × bps / 8 × 60 s); a model token bucket that
// steps one millisecond at a time (no closed-form refill) decides every try_spend of random
// traffic; and the window invariant — bytes spent in any interval ≤ capacity + rate × length —
// checked over every pair of spends.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "nexus/gossip/budget.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"

namespace {

using nexus::duration;
using nexus::timestamp;
namespace g = nexus::gossip;

timestamp at(std::uint64_t ms) { return timestamp::from_ms(ms); }

constexpr std::array<g::tier, 4> tiers = {g::tier::routing, g::tier::payments, g::tier::services, g::tier::trust};

// The spec: 3 %, 3 %, 2 %, 2 % of the link, 10 % in all, as percentages.
constexpr std::array<std::uint64_t, 4> spec_percent = {3, 3, 2, 2};

// A bucket that gains share% × bps / 8 bytes per second, evaluated one millisecond at a time in
// units of 1/800,000 byte (percent instead of per mille), capped at 60 s worth.
struct model_bucket {
    std::uint64_t per_ms;  // units per ms
    std::uint64_t cap;     // units
    std::uint64_t tokens;
    model_bucket(std::uint64_t percent, std::uint64_t bps) : per_ms(percent * bps), cap(per_ms * 60000), tokens(cap) {}
    void advance(std::uint64_t ms) {
        for (std::uint64_t i = 0; i < ms && tokens < cap; ++i) tokens = std::min(cap, tokens + per_ms);
    }
    bool spend(std::uint64_t bytes) {
        if (bytes * 800000 > tokens) return false;
        tokens -= bytes * 800000;
        return true;
    }
    std::uint64_t available() const { return tokens / 800000; }
};

}  // namespace

TEST_CASE("budget: the spec's shares and constrained-link rules") {
    CHECK(g::tier_share_permille(g::tier::routing) == 30);
    CHECK(g::tier_share_permille(g::tier::payments) == 30);
    CHECK(g::tier_share_permille(g::tier::services) == 20);
    CHECK(g::tier_share_permille(g::tier::trust) == 20);
    CHECK(g::total_share_permille == 100);

    g::budget slow(9'999, at(0));
    g::budget fast(10'000, at(0));
    CHECK(slow.constrained());
    CHECK_FALSE(fast.constrained());
    CHECK(slow.pull_only(g::tier::services));
    CHECK(slow.pull_only(g::tier::trust));
    CHECK_FALSE(slow.pull_only(g::tier::routing));
    CHECK_FALSE(slow.pull_only(g::tier::payments));
    for (auto t : tiers) CHECK_FALSE(fast.pull_only(t));
    CHECK(slow.payment_batch_interval() == duration::minutes(5));
    CHECK(fast.payment_batch_interval() == duration::seconds(60));
    CHECK(slow.capabilities_direct_only());
    CHECK_FALSE(fast.capabilities_direct_only());
    CHECK(slow.max_filter_bytes() == 256);
    CHECK(fast.max_filter_bytes() == 16384);
}

TEST_CASE("budget: bucket sizes and refill, worked by hand") {
    // 1 kbps: tier 1 = 3 % = 30 bit/s = 3.75 B/s -> 225 B per 60 s; tier 3 = 2.5 B/s -> 150 B.
    g::budget b(1000, at(0));
    CHECK(b.capacity(g::tier::routing) == 225);
    CHECK(b.capacity(g::tier::payments) == 225);
    CHECK(b.capacity(g::tier::services) == 150);
    CHECK(b.capacity(g::tier::trust) == 150);
    CHECK(b.refill_millibytes_per_s(g::tier::routing) == 3750);
    // Starts full.
    CHECK(b.available(g::tier::routing, at(0)) == 225);
    CHECK(b.try_spend(g::tier::routing, 225, at(0)));
    CHECK_FALSE(b.try_spend(g::tier::routing, 1, at(0)));
    CHECK(b.available(g::tier::routing, at(1000)) == 3);   // 3.75
    CHECK(b.available(g::tier::routing, at(4000)) == 15);  // 15.0 exactly
    CHECK(b.try_spend(g::tier::routing, 15, at(4000)));
    CHECK(b.available(g::tier::routing, at(4000)) == 0);
    // Long idle: capped at the bucket size.
    CHECK(b.available(g::tier::routing, at(10'000'000)) == 225);
    // A request larger than the bucket can never succeed.
    CHECK_FALSE(b.try_spend(g::tier::routing, 226, at(20'000'000)));
    const auto& s = b.stats(g::tier::routing);
    CHECK(s.bytes_sent == 240);
    CHECK(s.messages == 2);
    CHECK(s.refused == 2);
    CHECK(b.total_bytes_sent() == 240);

    // 50 kbps WiFi-ish: tier 1 = 187.5 B/s -> 11,250 B per 60 s.
    g::budget w(50'000, at(0));
    CHECK(w.capacity(g::tier::routing) == 11250);
    CHECK(w.capacity(g::tier::trust) == 7500);
    // A clock that goes backwards earns nothing and breaks nothing.
    CHECK(w.try_spend(g::tier::trust, 7500, at(5000)));
    CHECK(w.available(g::tier::trust, at(1000)) == 0);
    CHECK(w.available(g::tier::trust, at(6000)) == 125);
}

TEST_CASE("budget: random traffic agrees with a millisecond-stepping model and never beats the share") {
    for (std::uint32_t bps : {1200u, 9600u, 50'000u, 1'000'000u}) {
        nexus::test::rng r(bps);
        g::budget b(bps, at(0));
        std::array<model_bucket, 4> model = {model_bucket(spec_percent[0], bps), model_bucket(spec_percent[1], bps),
                                             model_bucket(spec_percent[2], bps), model_bucket(spec_percent[3], bps)};
        struct spend {
            std::uint64_t t, bytes;
        };
        std::array<std::vector<spend>, 4> log;
        std::uint64_t now = 0;
        const std::uint64_t typical = std::uint64_t{bps} / 8 * 3 / 100 * 2 + 5;  // ~2 s of tier 1
        for (int step = 0; step < 3000; ++step) {
            const std::uint64_t dt = r.below(4) == 0 ? r.below(20000) : r.below(500);
            now += dt;
            for (auto& m : model) m.advance(dt);
            const std::size_t i = r.below(4);
            const std::uint64_t bytes = r.below(typical);
            const bool got = b.try_spend(tiers[i], bytes, at(now), g::direction::pull);
            REQUIRE(got == model[i].spend(bytes));
            if (got) log[i].push_back({now, bytes});
            REQUIRE(b.available(tiers[i], at(now)) == model[i].available());
        }
        // Window invariant: over [t_a, t_b], spent <= capacity + share * bps / 8 * (t_b - t_a) / 1000.
        for (std::size_t i = 0; i < 4; ++i) {
            const auto& L = log[i];
            const std::uint64_t cap = b.capacity(tiers[i]);
            for (std::size_t a = 0; a < L.size(); ++a) {
                std::uint64_t sum = 0;
                for (std::size_t z = a; z < L.size(); ++z) {
                    sum += L[z].bytes;
                    // In units of 1/800,000 byte: the rate is percent × bps units per ms.
                    const std::uint64_t allowed_units = cap * 800000 + spec_percent[i] * bps * (L[z].t - L[a].t);
                    REQUIRE(sum * 800000 <= allowed_units);
                }
            }
            // And over the whole run: no more than the share plus one bucket.
            std::uint64_t total = 0;
            for (const auto& e : L) total += e.bytes;
            CHECK(total * 800000 <= cap * 800000 + spec_percent[i] * bps * now);
            CHECK(b.stats(tiers[i]).bytes_sent == total);
        }
        // Sum of all tiers <= 10 % of the link plus the buckets (in tenths of a bit).
        std::uint64_t caps = 0;
        for (auto t : tiers) caps += b.capacity(t);
        CHECK(b.total_bytes_sent() * 80 <= caps * 80 + std::uint64_t{bps} * now / 1000);
    }
}

TEST_CASE("budget: constrained link — tiers 3-4 refuse pushes, allow pulls within budget") {
    g::budget b(1200, at(0));  // 1.2 kbps LoRa: tier 3/4 = 3 B/s, 180 B bucket
    REQUIRE(b.capacity(g::tier::services) == 180);
    CHECK_FALSE(b.try_spend(g::tier::services, 10, at(0), g::direction::push));
    CHECK_FALSE(b.try_spend(g::tier::trust, 1, at(0), g::direction::push));
    CHECK(b.stats(g::tier::services).refused_push == 1);
    CHECK(b.stats(g::tier::trust).refused_push == 1);
    CHECK(b.available(g::tier::services, at(0)) == 180);  // a refused push takes nothing
    CHECK(b.try_spend(g::tier::services, 100, at(0), g::direction::pull));
    CHECK(b.try_spend(g::tier::services, 80, at(0), g::direction::pull));
    CHECK_FALSE(b.try_spend(g::tier::services, 1, at(0), g::direction::pull));  // pulls stay in budget
    CHECK(b.stats(g::tier::services).refused == 1);
    // Tiers 1-2 push as usual.
    CHECK(b.try_spend(g::tier::routing, 100, at(0), g::direction::push));
    CHECK(b.try_spend(g::tier::payments, 100, at(0), g::direction::push));
    // The link speeds up past 10 kbps: pushes are allowed again; tokens earned are kept.
    b.set_bandwidth(20'000, at(1000));
    CHECK_FALSE(b.constrained());
    CHECK(b.available(g::tier::services, at(1000)) == 3);
    CHECK(b.try_spend(g::tier::services, 3, at(1000), g::direction::push));
    // ...and slows down: tokens are clamped to the smaller bucket.
    g::budget c(50'000, at(0));
    c.set_bandwidth(1000, at(0));
    CHECK(c.available(g::tier::routing, at(0)) == 225);
    CHECK(c.constrained());
}

TEST_CASE("budget: window parameter and no allocation") {
    g::budget b(1000, at(0), duration::minutes(5));
    CHECK(b.capacity(g::tier::routing) == 1125);
    g::budget huge(1000, at(0), duration::hours(10));  // clamped to 600 s
    CHECK(huge.capacity(g::tier::routing) == 2250);
    bool ok = false;
    NEXUS_CHECK_NO_ALLOC(ok = b.try_spend(g::tier::routing, 10, at(5)));
    CHECK(ok);
}
