// Tests of gossip/round.hpp. Two in-memory peers run rounds over a toy state kind (a set of
// 32-byte keys; a key whose first byte is 0xFF counts as forged). Independent truth: the union of
// the peers' sets (std::set), message layouts written out by hand from docs/gossip.md, a separate
// parser here that attributes every byte on the wire to its tier (compared with the budget and
// with share × bandwidth × time), and "state unchanged" checked by comparing whole sets.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <vector>

#include "nexus/core/endian.hpp"
#include "nexus/gossip/round.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::duration;
using nexus::error;
using nexus::timestamp;
using nexus::test::bytes;
using nexus::test::to_hex;
namespace g = nexus::gossip;

using key = std::array<std::uint8_t, 32>;

timestamp at(std::uint64_t ms) { return timestamp::from_ms(ms); }

// A fresh call context at time t (answer_summary writes its resumption cursor into it).
g::round_context& rc_at(timestamp t) {
    static g::round_context c;
    c = g::round_context{t};
    return c;
}

// The toy kind: a grow-only set of 32-byte keys (a CRDT: merge = union). Storage is reserved up
// front so the round itself can be checked for allocations.
class key_set final : public g::state_kind {
public:
    key_set(std::uint8_t id, g::tier t) : id_(id), tier_(t) { keys_.reserve(4096); }

    std::uint8_t id() const noexcept override { return id_; }
    g::tier kind_tier() const noexcept override { return tier_; }
    std::size_t item_count(const g::round_context&) const noexcept override { return keys_.size(); }
    void summarise(const g::round_context&, g::bloom_span& filter) const noexcept override {
        for (const key& k : keys_) filter.insert(k);
    }
    bool delta(g::round_context&, const g::bloom_view& peer, g::delta_sink& out) const noexcept override {
        for (const key& k : keys_)
            if (!peer.maybe_contains(k) && !out.put(k)) return false;
        return true;
    }
    nexus::result<void> check(const g::round_context&, std::span<const std::uint8_t> item) const noexcept override {
        if (item.size() != 32) return nexus::fail(error::invalid_length);
        if (item[0] == 0xFF) return nexus::fail(error::auth_failed);  // "bad signature"
        return nexus::ok();
    }
    nexus::result<void> merge(const g::round_context&, std::span<const std::uint8_t> item) noexcept override {
        key k{};
        std::copy(item.begin(), item.end(), k.begin());
        if (!contains(k)) {
            if (keys_.size() == keys_.capacity()) return nexus::fail(error::full);
            keys_.push_back(k);
        }
        return nexus::ok();
    }
    bool wants_pull() const noexcept override { return want_; }

    void add(const key& k) {
        if (!contains(k)) keys_.push_back(k);
    }
    bool contains(const key& k) const { return std::find(keys_.begin(), keys_.end(), k) != keys_.end(); }
    std::set<key> as_set() const { return {keys_.begin(), keys_.end()}; }
    bool want_ = false;

private:
    std::uint8_t id_;
    g::tier tier_;
    std::vector<key> keys_;
};

key random_key(nexus::test::rng& r) {
    key k{};
    r.fill(k);
    k[0] &= 0x7F;  // never "forged"
    return k;
}

// Independent parser: bytes of a summary or delta message per kind id; the 3-byte message
// header is attributed to the first section (as docs/gossip.md says the sender charges it).
std::map<std::uint8_t, std::size_t> bytes_per_kind(std::span<const std::uint8_t> m) {
    std::map<std::uint8_t, std::size_t> out;
    REQUIRE(m.size() >= 3);
    const bool summary = m[0] == 0x01;
    std::size_t pos = 3;
    for (std::size_t s = 0; s < m[2]; ++s) {
        const std::size_t start = pos;
        const std::uint8_t id = m[pos++];
        if (summary) {
            const std::size_t len = m[pos + 5] | (m[pos + 6] << 8);
            pos += 7 + len;
        } else {
            const std::size_t n = m[pos] | (m[pos + 1] << 8);
            pos += 2;
            for (std::size_t i = 0; i < n; ++i) pos += 2 + (m[pos] | (m[pos + 1] << 8));
        }
        out[id] += pos - start + (s == 0 ? 3 : 0);
    }
    REQUIRE(pos == m.size());
    return out;
}

struct peer {
    std::array<std::unique_ptr<key_set>, 5> kinds;
    g::round_multiplexer<8> round;
    g::budget budget;
    std::map<g::tier, std::size_t> wire_bytes;  // measured by the independent parser

    peer(std::uint32_t bps) : budget(bps, at(0)) {
        kinds[0] = std::make_unique<key_set>(1, g::tier::routing);
        kinds[1] = std::make_unique<key_set>(2, g::tier::payments);
        kinds[2] = std::make_unique<key_set>(3, g::tier::services);
        kinds[3] = std::make_unique<key_set>(4, g::tier::trust);
        kinds[4] = std::make_unique<key_set>(5, g::tier::routing);  // stays empty on both sides
        for (auto& k : kinds) REQUIRE(round.add(*k));
    }
    key_set& kind(std::size_t i) { return *kinds[i]; }
    void account(std::span<const std::uint8_t> m) {
        for (auto [id, n] : bytes_per_kind(m)) wire_bytes[round.find(id)->kind_tier()] += n;
    }
};

struct exchange_result {
    g::summary_report summary;
    g::answer_report answer;
    g::merge_report merged;
};

// One direction of a round: `from` summarises, `to` answers, `from` merges.
exchange_result exchange(peer& from, peer& to, timestamp now, std::uint32_t salt) {
    static std::array<std::uint8_t, 65536> sbuf, dbuf;
    exchange_result x;
    auto s = from.round.make_summary(g::round_context{now}, sbuf, from.budget, salt);
    REQUIRE(s);
    x.summary = *s;
    if (s->bytes == 0) return x;
    from.account(std::span(sbuf).first(s->bytes));
    auto a = to.round.answer_summary(rc_at(now), std::span(sbuf).first(s->bytes), dbuf, to.budget);
    REQUIRE(a);
    x.answer = *a;
    if (a->bytes == 0) return x;
    to.account(std::span(dbuf).first(a->bytes));
    auto m = from.round.receive_delta(g::round_context{}, std::span(dbuf).first(a->bytes));
    REQUIRE(m);
    x.merged = *m;
    return x;
}

void check_under_budget(const peer& p, std::uint32_t bps, std::uint64_t elapsed_ms) {
    for (auto t : {g::tier::routing, g::tier::payments, g::tier::services, g::tier::trust}) {
        const std::uint64_t sent = p.wire_bytes.count(t) ? p.wire_bytes.at(t) : 0;
        CHECK(sent == p.budget.stats(t).bytes_sent);
        // share‰ × bps / 8000 bytes per second, plus one 60 s bucket: in integers (× 8,000,000).
        const std::uint64_t share = g::tier_share_permille(t);
        CHECK(sent * 8'000'000 <= share * bps * 60'000 + share * bps * elapsed_ms);
    }
}

}  // namespace

TEST_CASE("round: message layouts, by hand") {
    peer a(50'000), b(50'000);
    key k{};
    for (std::size_t i = 0; i < 32; ++i) k[i] = static_cast<std::uint8_t>(i);
    a.kind(0).add(k);
    // Only kind 1 has an item; every kind gets a filter (1 byte when empty), tier 1 first:
    // 01 01 05 | 01 01 04030201 0200 <2 bytes> | 05 01 04030201 0100 00 | 02 ... | 03 ... | 04 ...
    std::array<std::uint8_t, 256> out{};
    auto s = a.round.make_summary(g::round_context{at(0)}, out, a.budget, 0x01020304u);
    REQUIRE(s);
    CHECK(s->sections == 5);
    CHECK(s->bytes == 3 + (1 + 7 + 2) + 4 * (1 + 7 + 1));
    CHECK(to_hex(std::span(out).first(3 + 8)) == "01010501010403020102" "00");
    g::bloom<2> expect(2, 0x01020304u);
    expect.insert(k);
    CHECK(to_hex(std::span(out).subspan(11, 2)) == to_hex(expect.bits()));
    CHECK(to_hex(std::span(out).subspan(13, 9)) == "05010403020101" "0000");
    CHECK(out[22] == 0x02);  // then tier 2, 3, 4
    CHECK(out[31] == 0x03);
    CHECK(out[40] == 0x04);

    // b knows nothing: its answer is empty. a answers b's all-zero summary with the one key:
    // 02 01 01 | 01 | 0100 | 2000 | key
    auto sb = b.round.make_summary(g::round_context{at(0)}, out, b.budget, 7);
    REQUIRE(sb);
    std::array<std::uint8_t, 256> d{};
    auto ans = a.round.answer_summary(rc_at(at(0)), std::span(out).first(sb->bytes), d, a.budget);
    REQUIRE(ans);
    CHECK(ans->bytes == 3 + 3 + 2 + 32);
    CHECK(to_hex(std::span(d).first(8)) == "0201010101002000");
    CHECK(to_hex(std::span(d).subspan(8, 32)) == to_hex(k));
    auto m = b.round.receive_delta(g::round_context{}, std::span(d).first(ans->bytes));
    REQUIRE(m);
    CHECK(m->items_merged == 1);
    CHECK(b.kind(0).contains(k));
}

TEST_CASE("round: registry rules") {
    g::round_multiplexer<2> r;
    key_set a(1, g::tier::routing), dup(1, g::tier::trust), c(2, g::tier::trust), d(3, g::tier::trust);
    key_set bad(9, static_cast<g::tier>(5));
    CHECK(r.add(a));
    CHECK(r.add(dup).error() == error::invalid_argument);
    CHECK(r.add(bad).error() == error::invalid_argument);
    CHECK(r.add(c));
    CHECK(r.add(d).error() == error::full);
    CHECK(r.find(2) == &c);
    CHECK(r.find(3) == nullptr);
}

TEST_CASE("round: two peers converge to the union within budget") {
    for (std::uint32_t bps : {50'000u, 1'000'000u}) {
        nexus::test::rng r(bps);
        peer a(bps), b(bps);
        std::array<std::set<key>, 4> want;
        for (std::size_t kind = 0; kind < 4; ++kind) {
            for (int i = 0; i < 120; ++i) {
                const key k = random_key(r);
                want[kind].insert(k);
                switch (r.below(3)) {
                    case 0: a.kind(kind).add(k); break;
                    case 1: b.kind(kind).add(k); break;
                    default: a.kind(kind).add(k); b.kind(kind).add(k); break;
                }
            }
        }
        g::round_scheduler<int, 4> sched;
        REQUIRE(sched.add(1, at(0)));
        std::uint64_t now = 0;
        int rounds = 0;
        auto converged = [&] {
            for (std::size_t k = 0; k < 4; ++k)
                if (a.kind(k).as_set() != want[k] || b.kind(k).as_set() != want[k]) return false;
            return true;
        };
        while (!converged() && rounds < 10) {
            auto due = sched.due(at(now));
            REQUIRE(due);
            exchange(a, b, at(now), static_cast<std::uint32_t>(2 * rounds));
            exchange(b, a, at(now), static_cast<std::uint32_t>(2 * rounds + 1));
            REQUIRE(sched.completed(*due, at(now)));
            ++rounds;
            now = sched.next_deadline().ms();
        }
        MESSAGE("bps=" << bps << " rounds=" << rounds << " a sent " << a.budget.total_bytes_sent()
                       << " B, b sent " << b.budget.total_bytes_sent() << " B");
        CHECK(converged());
        CHECK(rounds <= 3);
        check_under_budget(a, bps, now);
        check_under_budget(b, bps, now);
        CHECK(a.kind(4).item_count(g::round_context{}) == 0);
    }
}

TEST_CASE("round: a slow constrained link still converges, one budget's worth per round") {
    const std::uint32_t bps = 1200;
    nexus::test::rng r(77);
    peer a(bps), b(bps);
    std::set<key> want;
    for (int i = 0; i < 30; ++i) {
        const key k = random_key(r);
        want.insert(k);
        (i % 2 ? a : b).kind(0).add(k);
    }
    std::uint64_t now = 0;
    int rounds = 0;
    while ((a.kind(0).as_set() != want || b.kind(0).as_set() != want) && rounds < 40) {
        auto x = exchange(a, b, at(now), 100 + static_cast<std::uint32_t>(rounds));
        auto y = exchange(b, a, at(now), 200 + static_cast<std::uint32_t>(rounds));
        // Tiers 3-4 are pull-only here and nobody wants them: never summarised.
        CHECK(x.summary.skipped_pull_only == 2);
        CHECK(y.summary.skipped_pull_only == 2);
        ++rounds;
        now += 60'000;
    }
    MESSAGE("1.2 kbps: rounds=" << rounds << " tier-1 bytes a=" << a.budget.stats(g::tier::routing).bytes_sent
                                << " b=" << b.budget.stats(g::tier::routing).bytes_sent);
    CHECK(a.kind(0).as_set() == want);
    CHECK(b.kind(0).as_set() == want);
    // 15 keys each way at ~37 bytes, tier 1 earns 270 B per minute of which a summary takes half.
    CHECK(rounds <= 15);
    CHECK(rounds >= 3);  // it really was budget-limited
    check_under_budget(a, bps, now);
    check_under_budget(b, bps, now);
    CHECK(a.budget.stats(g::tier::services).bytes_sent == 0);
}

TEST_CASE("round: constrained link — tier 3 pulled on demand") {
    peer a(1200), b(1200);
    nexus::test::rng r(5);
    for (int i = 0; i < 3; ++i) b.kind(2).add(random_key(r));
    auto x = exchange(a, b, at(0), 1);
    CHECK(a.kind(2).item_count(g::round_context{}) == 0);
    a.kind(2).want_ = true;  // the application needs capabilities now
    x = exchange(a, b, at(60'000), 2);
    CHECK(x.summary.skipped_pull_only == 1);  // tier 4 still not wanted
    CHECK(a.kind(2).as_set() == b.kind(2).as_set());
    CHECK(b.budget.stats(g::tier::services).bytes_sent > 0);
    CHECK(b.budget.stats(g::tier::services).refused_push == 0);
}

TEST_CASE("round: a new node catches up tier by tier, tier 1 first") {
    peer veteran(1'000'000), fresh(1'000'000);
    nexus::test::rng r(9);
    for (std::size_t k = 0; k < 4; ++k)
        for (int i = 0; i < 40; ++i) veteran.kind(k).add(random_key(r));
    // Round 1: every filter of the new node is all-zero; only tier 1 is served.
    auto x = exchange(fresh, veteran, at(0), 1);
    CHECK(x.answer.deferred_catch_up == 3);
    CHECK(fresh.kind(0).item_count(g::round_context{}) == 40);
    CHECK(fresh.kind(1).item_count(g::round_context{}) == 0);
    CHECK(fresh.kind(2).item_count(g::round_context{}) == 0);
    CHECK(fresh.kind(3).item_count(g::round_context{}) == 0);
    // Round 2: tier 2, then 3, then 4.
    x = exchange(fresh, veteran, at(60'000), 2);
    CHECK(x.answer.deferred_catch_up == 2);
    CHECK(fresh.kind(1).item_count(g::round_context{}) == 40);
    CHECK(fresh.kind(2).item_count(g::round_context{}) == 0);
    x = exchange(fresh, veteran, at(120'000), 3);
    CHECK(fresh.kind(2).item_count(g::round_context{}) == 40);
    CHECK(fresh.kind(3).item_count(g::round_context{}) == 0);
    x = exchange(fresh, veteran, at(180'000), 4);
    CHECK(x.answer.deferred_catch_up == 0);
    for (std::size_t k = 0; k < 4; ++k) CHECK(fresh.kind(k).as_set() == veteran.kind(k).as_set());
}

TEST_CASE("round: a catch-up larger than one budget spreads over rounds") {
    const std::uint32_t bps = 9600;  // tier 1: 36 B/s, 2160 B bucket
    peer veteran(bps), fresh(bps);
    nexus::test::rng r(10);
    for (int i = 0; i < 150; ++i) veteran.kind(0).add(random_key(r));
    for (int i = 0; i < 10; ++i) veteran.kind(1).add(random_key(r));
    auto x = exchange(fresh, veteran, at(0), 1);
    CHECK_FALSE(x.answer.complete);
    CHECK(fresh.kind(0).item_count(g::round_context{}) > 0);
    CHECK(fresh.kind(0).item_count(g::round_context{}) < 150);
    int rounds = 1;
    std::uint64_t now = 0;
    while (fresh.kind(0).item_count(g::round_context{}) < 150 && rounds < 20) {
        now += 60'000;
        exchange(fresh, veteran, at(now), static_cast<std::uint32_t>(rounds + 1));
        ++rounds;
    }
    CHECK(fresh.kind(0).item_count(g::round_context{}) == 150);
    CHECK(rounds >= 3);
    // Tier 2 is served as soon as the tier-1 filter stopped being all-zero (round 2).
    CHECK(fresh.kind(1).item_count(g::round_context{}) == 10);
    check_under_budget(veteran, bps, now);
}

TEST_CASE("round: malformed and forged deltas are rejected with state unchanged") {
    peer a(1'000'000), b(1'000'000);
    nexus::test::rng r(21);
    for (int i = 0; i < 5; ++i) b.kind(0).add(random_key(r));
    for (int i = 0; i < 3; ++i) b.kind(1).add(random_key(r));
    a.kind(0).add(random_key(r));  // non-empty filters: a normal round, not a catch-up
    a.kind(1).add(random_key(r));
    std::array<std::uint8_t, 4096> sbuf{}, dbuf{};
    auto s = a.round.make_summary(g::round_context{at(0)}, sbuf, a.budget, 3);
    REQUIRE(s);
    auto ans = b.round.answer_summary(rc_at(at(0)), std::span(sbuf).first(s->bytes), dbuf, b.budget);
    REQUIRE(ans);
    const bytes good(dbuf.begin(), dbuf.begin() + static_cast<std::ptrdiff_t>(ans->bytes));
    // Layout: 02 01 02 | 01 0500 5×(2000 key) | 02 0300 3×(2000 key)
    REQUIRE(good.size() == 3 + 3 + 5 * 34 + 3 + 3 * 34);

    const auto before = [&] {
        std::array<std::set<key>, 5> s2;
        for (std::size_t k = 0; k < 5; ++k) s2[k] = a.kind(k).as_set();
        return s2;
    }();
    auto unchanged = [&] {
        for (std::size_t k = 0; k < 5; ++k)
            if (a.kind(k).as_set() != before[k]) return false;
        return true;
    };
    auto expect = [&](bytes m, error e) {
        auto res = a.round.receive_delta(g::round_context{}, m);
        REQUIRE_FALSE(res);
        CHECK(res.error() == e);
        CHECK(unchanged());
    };

    for (std::size_t len = 0; len < good.size(); ++len) {
        auto res = a.round.receive_delta(g::round_context{}, std::span(good).first(len));
        REQUIRE_FALSE(res);
        CHECK(unchanged());
        CHECK(res.error() == error::truncated);
    }
    bytes m = good;
    m[0] = 0x01;
    expect(m, error::bad_encoding);  // a summary is not a delta
    m = good;
    m[1] = 2;
    expect(m, error::unsupported);
    m = good;
    m.push_back(0);
    expect(m, error::invalid_length);  // trailing byte
    m = good;
    m[3 + 3 + 5 * 34] = 0x01;  // second section claims kind 1 again
    expect(m, error::bad_encoding);
    m = good;
    m[4] = 0;  // empty first section ...
    m[5] = 0;
    expect(m, error::invalid_length);
    m = good;
    m[6] = 0;  // first item length 0
    m[7] = 0;
    expect(m, error::invalid_length);
    m = good;
    nexus::store16_le(m.data() + 6, 1025);  // oversize item
    expect(m, error::out_of_range);
    m = good;
    nexus::store16_le(m.data() + 6, 31);  // the kind rejects a 31-byte key: the later bytes misparse
    CHECK_FALSE(a.round.receive_delta(g::round_context{}, m));
    CHECK(unchanged());
    // A forged item (bad "signature") in the last section: nothing of the message is merged.
    m = good;
    m[good.size() - 32] = 0xFF;
    expect(m, error::auth_failed);

    // Random corruption: rejected with state unchanged, or accepted; never anything else.
    {
        peer c(1'000'000);
        std::array<std::size_t, 5> sizes{};
        for (int trial = 0; trial < 2000; ++trial) {
            m = good;
            for (std::size_t f = 0, nf = 1 + r.below(3); f < nf; ++f)
                m[r.below(m.size())] ^= static_cast<std::uint8_t>(1 + r.below(255));
            if (r.below(4) == 0) m.resize(r.below(m.size()));
            auto res = c.round.receive_delta(g::round_context{}, m);
            for (std::size_t k = 0; k < 5; ++k) {
                if (!res) REQUIRE(c.kind(k).item_count(g::round_context{}) == sizes[k]);
                sizes[k] = c.kind(k).item_count(g::round_context{});
            }
        }
    }

    // The good message still merges; a section of an unknown kind is skipped and counted.
    bytes with_unknown = good;
    with_unknown[2] = 3;
    const std::array<std::uint8_t, 8> extra = {0x63, 0x01, 0x00, 0x03, 0x00, 0xAA, 0xBB, 0xCC};
    with_unknown.insert(with_unknown.end(), extra.begin(), extra.end());
    auto ok = a.round.receive_delta(g::round_context{}, with_unknown);
    REQUIRE(ok);
    CHECK(ok->unknown_kinds == 1);
    CHECK(ok->unknown_items == 1);
    CHECK(ok->items_merged == 8);
    CHECK(ok->sections == 2);
    for (std::size_t k = 0; k < 2; ++k) {
        const auto mine = a.kind(k).as_set(), theirs = b.kind(k).as_set();
        CHECK(std::includes(mine.begin(), mine.end(), theirs.begin(), theirs.end()));
        CHECK(mine.size() == theirs.size() + 1);
    }
}

TEST_CASE("round: malformed summaries are rejected and spend nothing") {
    peer a(50'000), b(50'000);
    nexus::test::rng r(31);
    for (int i = 0; i < 10; ++i) b.kind(0).add(random_key(r));
    std::array<std::uint8_t, 4096> sbuf{}, dbuf{};
    auto s = a.round.make_summary(g::round_context{at(0)}, sbuf, a.budget, 3);
    REQUIRE(s);
    const bytes good(sbuf.begin(), sbuf.begin() + static_cast<std::ptrdiff_t>(s->bytes));
    const auto spent = b.budget.total_bytes_sent();
    auto expect = [&](const bytes& m, error e) {
        auto res = b.round.answer_summary(rc_at(at(0)), m, dbuf, b.budget);
        REQUIRE_FALSE(res);
        CHECK(res.error() == e);
        CHECK(b.budget.total_bytes_sent() == spent);
    };
    for (std::size_t len = 0; len < good.size(); ++len) {
        auto res = b.round.answer_summary(rc_at(at(0)), std::span(good).first(len), dbuf, b.budget);
        REQUIRE_FALSE(res);
        CHECK(b.budget.total_bytes_sent() == spent);
    }
    bytes m = good;
    m[0] = 0x02;
    expect(m, error::bad_encoding);
    m = good;
    m[1] = 9;
    expect(m, error::unsupported);
    m = good;
    m[4] = 3;  // filter version
    expect(m, error::unsupported);
    m = good;
    m[3 + 9] = 0x01;  // second section repeats kind 1 (first section: 1 + 7 + 1 bytes)
    expect(m, error::bad_encoding);
    m = good;
    m.push_back(0);
    expect(m, error::invalid_length);
    m = good;
    m[9] = 0;  // first filter length 0
    m[10] = 0;
    expect(m, error::invalid_length);
    m = good;
    m[9] = 0x01;  // first filter length 0x4001: oversize
    m[10] = 0x40;
    m.resize(m.size() + 0x4001);
    expect(m, error::out_of_range);

    // Unknown kinds in a summary are skipped with a count.
    m = good;
    m[2] = static_cast<std::uint8_t>(m[2] + 1);
    const std::array<std::uint8_t, 9> extra = {0x63, 0x01, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    m.insert(m.end(), extra.begin(), extra.end());
    auto res = b.round.answer_summary(rc_at(at(0)), m, dbuf, b.budget);
    REQUIRE(res);
    CHECK(res->unknown_kinds == 1);
    CHECK(res->items == 10);
}

TEST_CASE("round: scheduler — 60 s per neighbour") {
    g::round_scheduler<int, 3> s;
    CHECK(s.next_deadline() == timestamp::max());
    CHECK_FALSE(s.due(at(0)));
    REQUIRE(s.add(1, at(0)));
    REQUIRE(s.add(2, at(10'000)));
    REQUIRE(s.add(3, at(10'000), duration::seconds(5)));
    CHECK(s.add(2, at(0)).error() == error::invalid_argument);
    CHECK(s.add(4, at(0)).error() == error::full);
    CHECK(s.due(at(0)) == 1);
    REQUIRE(s.completed(1, at(1'000)));  // next for 1: 61 s
    CHECK_FALSE(s.due(at(9'999)));
    CHECK(s.next_deadline() == at(10'000));
    CHECK(s.due(at(10'000)) == 2);
    REQUIRE(s.completed(2, at(10'000)));
    CHECK(s.due(at(20'000)) == 3);
    REQUIRE(s.completed(3, at(20'000)));
    CHECK(s.next_deadline() == at(61'000));
    // After a stall every neighbour is due; the one due longest ago comes first, and completing
    // rounds late never schedules a burst.
    CHECK(s.due(at(500'000)) == 1);
    REQUIRE(s.completed(1, at(500'000)));
    CHECK(s.due(at(500'000)) == 2);
    REQUIRE(s.completed(2, at(500'000)));
    REQUIRE(s.completed(3, at(500'000)));
    CHECK_FALSE(s.due(at(559'999)));
    CHECK(s.due(at(560'000)) == 1);
    CHECK(s.remove(2));
    CHECK(s.remove(2).error() == error::not_found);
    CHECK(s.completed(2, at(0)).error() == error::not_found);
    CHECK(s.size() == 2);
}

TEST_CASE("round: no allocation in a round") {
    peer a(1'000'000), b(1'000'000);
    nexus::test::rng r(41);
    for (int i = 0; i < 50; ++i) a.kind(0).add(random_key(r));
    for (int i = 0; i < 50; ++i) b.kind(0).add(random_key(r));
    std::array<std::uint8_t, 8192> sbuf{}, dbuf{};
    nexus::result<g::summary_report> s;
    nexus::result<g::answer_report> ans;
    nexus::result<g::merge_report> m;
    NEXUS_CHECK_NO_ALLOC(s = a.round.make_summary(g::round_context{at(0)}, sbuf, a.budget, 1));
    REQUIRE(s);
    NEXUS_CHECK_NO_ALLOC(ans = b.round.answer_summary(rc_at(at(0)), std::span(sbuf).first(s->bytes), dbuf, b.budget));
    REQUIRE(ans);
    NEXUS_CHECK_NO_ALLOC(m = a.round.receive_delta(g::round_context{}, std::span(dbuf).first(ans->bytes)));
    REQUIRE(m);
    CHECK(m->items_merged == 50);
}
