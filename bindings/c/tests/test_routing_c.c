/* nexus C ABI routing and gossip. Independent truth: ring distances against byte-wise 128-bit
 * subtraction done here; policy choices against the spec's score formula computed here in double
 * precision, on candidate sets whose best beats the runner-up by far more than the documented
 * 1e-4 tolerance; bloom sizes from the 12.365 bits-per-entry rule, the serialised header written
 * out by hand; budget figures from share x bandwidth / 8 x 60 s. */
#include "harness.h"

static uint32_t lcg_state = 12345u;
static uint32_t next_rand(void) {
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 8;
}
static void random_address(uint8_t* a) {
    for (int i = 0; i < 16; ++i) a[i] = (uint8_t)next_rand();
}

/* out = a - b mod 2^128, big-endian bytes. */
static void sub128(const uint8_t* a, const uint8_t* b, uint8_t* out) {
    int borrow = 0;
    for (int i = 15; i >= 0; --i) {
        int v = (int)a[i] - (int)b[i] - borrow;
        borrow = v < 0;
        out[i] = (uint8_t)(v < 0 ? v + 256 : v);
    }
}
static int less128(const uint8_t* a, const uint8_t* b) { return memcmp(a, b, 16) < 0; }
static double to_double(const uint8_t* a) {
    double v = 0;
    for (int i = 0; i < 16; ++i) v = v * 256.0 + a[i];
    return v;
}

static void test_ring(void) {
    uint8_t a[16], b[16], d[16], x[16], y[16], zero[16] = {0};
    memset(a, 0, 16);
    memset(b, 0xff, 16);
    EXPECT(nexus_ring_distance(a, b, d) == NEXUS_OK);
    uint8_t one[16] = {0};
    one[15] = 1;
    EXPECT(memcmp(d, one, 16) == 0); /* 0 and 2^128 - 1 are neighbours */
    EXPECT(nexus_ring_distance(b, b, d) == NEXUS_OK && memcmp(d, zero, 16) == 0);
    memset(b, 0, 16);
    b[0] = 0x80; /* the antipode of 0: 2^127 */
    EXPECT(nexus_ring_distance(a, b, d) == NEXUS_OK && memcmp(d, b, 16) == 0);
    for (int n = 0; n < 500; ++n) {
        random_address(a);
        random_address(b);
        sub128(a, b, x);
        sub128(b, a, y);
        EXPECT(nexus_ring_distance(a, b, d) == NEXUS_OK && memcmp(d, less128(x, y) ? x : y, 16) == 0);
    }
    EXPECT(nexus_ring_distance(NULL, b, d) == NEXUS_ERR_NULL_POINTER);
}

/* The spec's score in doubles; cost codes are multiples of 16 so decode is 2^(code/16) - 1. */
static double decoded_cost(uint16_t code) { return (double)((1ull << (code / 16)) - 1); }
static double reff(uint8_t r) { return r == 0 ? 128.0 : (double)r; }

static size_t brute_best(const nexus_route_candidate* c, size_t n, const uint8_t* dest, int policy,
                         double* gap) {
    static const double w[4][4] = {
        {0.1, 0.8, 0.1, 0}, {0.1, 0.1, 0.8, 0}, {0, 0, 0, 0}, {0.1, 0.3, 0.3, 0.3}};
    double dist[16], cost[16], lat[16], maxd = 0, maxc = 0, maxl = 0, score[16];
    for (size_t i = 0; i < n; ++i) {
        uint8_t x[16], y[16];
        sub128(c[i].neighbour, dest, x);
        sub128(dest, c[i].neighbour, y);
        /* docs/routing.md: no ring term on a one-hop path; latency (worst hop + 1 ms) x hops. */
        dist[i] = c[i].cost.hop_count <= 1 ? 0.0 : to_double(less128(x, y) ? x : y);
        cost[i] = decoded_cost(c[i].cost.cumulative_cost);
        lat[i] = (c[i].cost.worst_latency_ms + 1.0) * (c[i].cost.hop_count > 1 ? c[i].cost.hop_count : 1);
        if (dist[i] > maxd) maxd = dist[i];
        if (cost[i] > maxc) maxc = cost[i];
        if (lat[i] > maxl) maxl = lat[i];
    }
    for (size_t i = 0; i < n; ++i) {
        if (policy == NEXUS_POLICY_MOST_RELIABLE) {
            score[i] = -reff(c[i].reliability); /* reliabilities are distinct in these sets */
        } else {
            const double* p = w[policy];
            score[i] = p[0] * (maxd > 0 ? dist[i] / maxd : 0) + p[1] * (maxc > 0 ? cost[i] / maxc : 0) +
                       p[2] * (maxl > 0 ? lat[i] / maxl : 0) + p[3] * (1.0 - reff(c[i].reliability) / 255.0);
        }
    }
    size_t best = 0;
    for (size_t i = 1; i < n; ++i)
        if (score[i] < score[best]) best = i;
    *gap = 1e9;
    for (size_t i = 0; i < n; ++i)
        if (i != best && score[i] - score[best] < *gap) *gap = score[i] - score[best];
    return best;
}

static void test_policy(void) {
    nexus_route_candidate c[6];
    uint8_t dest[16];
    size_t index = 99;
    int checked = 0;
    for (int round = 0; round < 400; ++round) {
        const size_t n = 2 + next_rand() % 5;
        random_address(dest);
        for (size_t i = 0; i < n; ++i) {
            random_address(c[i].neighbour);
            c[i].cost.cumulative_cost = (uint16_t)(16 * (next_rand() % 40));
            c[i].cost.worst_latency_ms = (uint16_t)(next_rand() % 5000);
            c[i].cost.bottleneck_bps = 100;
            c[i].cost.hop_count = (uint8_t)(next_rand() % 8);
            c[i].reliability = (uint8_t)(1 + 40 * i + next_rand() % 40); /* distinct */
        }
        for (int policy = 0; policy < 4; ++policy) {
            double gap;
            const size_t want = brute_best(c, n, dest, policy, &gap);
            if (gap < 1e-3) continue;
            ++checked;
            EXPECT(nexus_choose_next_hop(c, n, dest, policy, &index) == NEXUS_OK && index == want);
        }
    }
    EXPECT(checked > 1000);
    EXPECT(nexus_choose_next_hop(c, 0, dest, NEXUS_POLICY_CHEAPEST, &index) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_choose_next_hop(c, 2, dest, 4, &index) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_choose_next_hop(c, 2, dest, -1, &index) == NEXUS_ERR_INVALID_ARGUMENT);
}

static nexus_route_update make_update(uint8_t dest_byte, uint8_t hop_byte, uint16_t cost_code,
                                      uint64_t lamport) {
    nexus_route_update u;
    memset(&u, 0, sizeof u);
    memset(u.destination, dest_byte, 16);
    memset(u.hop_address, hop_byte, 16);
    u.cost.cumulative_cost = cost_code;
    u.cost.worst_latency_ms = 100;
    u.cost.bottleneck_bps = 100;
    u.cost.hop_count = 2;
    u.iface = 1;
    u.lamport = lamport;
    return u;
}

static void test_table(void) {
    nexus_routing_table* t = NULL;
    EXPECT(nexus_routing_table_new(&t) == NEXUS_OK && t != NULL);
    const uint64_t t0 = 1000000;
    const nexus_route_update cheap = make_update(0xd0, 0x11, 32, 5);
    const nexus_route_update dear = make_update(0xd0, 0x22, 160, 5);
    int outcome = -1;
    EXPECT(nexus_routing_table_update(t, &dear, t0, &outcome) == NEXUS_OK && outcome == NEXUS_ROUTE_INSERTED);
    EXPECT(nexus_routing_table_update(t, &cheap, t0, &outcome) == NEXUS_OK &&
           outcome == NEXUS_ROUTE_INSERTED);
    nexus_route_update older = cheap;
    older.lamport = 4;
    EXPECT(nexus_routing_table_update(t, &older, t0, &outcome) == NEXUS_OK &&
           outcome == NEXUS_ROUTE_DISCARDED_OLDER);
    size_t size = 0;
    EXPECT(nexus_routing_table_size(t, &size) == NEXUS_OK && size == 2);

    nexus_routing_entry e;
    EXPECT(nexus_routing_table_lookup(t, cheap.destination, NEXUS_POLICY_CHEAPEST, t0 + 1, &e) == NEXUS_OK);
    EXPECT(memcmp(e.hop_address, cheap.hop_address, 16) == 0 && e.cost.cumulative_cost == 32 && e.iface == 1);
    EXPECT(e.state == 0 && e.failed == 0 && e.lamport == 5 && e.last_updated_ms == t0 &&
           e.last_used_ms == t0 + 1);
    EXPECT(e.expires_ms == t0 + 3 * 1800000ull && e.evict_at_ms == t0 + 4 * 1800000ull);

    EXPECT(nexus_routing_table_mark_failed(t, cheap.destination, 1, cheap.hop_address) == NEXUS_OK);
    EXPECT(nexus_routing_table_lookup(t, cheap.destination, NEXUS_POLICY_CHEAPEST, t0 + 2, &e) == NEXUS_OK);
    EXPECT(memcmp(e.hop_address, dear.hop_address, 16) == 0);
    EXPECT(nexus_routing_table_mark_failed(t, cheap.destination, 2, cheap.hop_address) ==
           NEXUS_ERR_NOT_FOUND);
    /* A fresh announce through the failed path restores it. */
    EXPECT(nexus_routing_table_update(t, &cheap, t0 + 3, &outcome) == NEXUS_OK &&
           outcome == NEXUS_ROUTE_UPDATED);
    EXPECT(nexus_routing_table_lookup(t, cheap.destination, NEXUS_POLICY_CHEAPEST, t0 + 4, &e) == NEXUS_OK);
    EXPECT(memcmp(e.hop_address, cheap.hop_address, 16) == 0 && e.suspect == 0);
    /* A suspect path is a last resort: the dearer trusted one is taken while it is there. */
    EXPECT(nexus_routing_table_mark_suspect(t, cheap.destination, 1, cheap.hop_address) == NEXUS_OK);
    EXPECT(nexus_routing_table_mark_suspect(t, cheap.destination, 2, cheap.hop_address) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_routing_table_lookup(t, cheap.destination, NEXUS_POLICY_CHEAPEST, t0 + 4, &e) == NEXUS_OK);
    EXPECT(memcmp(e.hop_address, dear.hop_address, 16) == 0);
    EXPECT(nexus_routing_table_mark_failed(t, dear.destination, 1, dear.hop_address) == NEXUS_OK);
    EXPECT(nexus_routing_table_lookup(t, cheap.destination, NEXUS_POLICY_CHEAPEST, t0 + 4, &e) == NEXUS_OK);
    EXPECT(memcmp(e.hop_address, cheap.hop_address, 16) == 0 && e.suspect == 1 && e.state == 0);
    /* Fresh updates clear both marks. */
    EXPECT(nexus_routing_table_update(t, &cheap, t0 + 3, &outcome) == NEXUS_OK &&
           outcome == NEXUS_ROUTE_UPDATED);
    EXPECT(nexus_routing_table_update(t, &dear, t0 + 3, &outcome) == NEXUS_OK &&
           outcome == NEXUS_ROUTE_UPDATED);

    /* record_outcome from unknown (128): lost -> 128 - 16 = 112. */
    EXPECT(nexus_routing_table_record_outcome(t, dear.destination, 1, dear.hop_address, 0) == NEXUS_OK);
    int found = 0;
    for (size_t i = 0; i < 2; ++i) {
        EXPECT(nexus_routing_table_entry(t, i, &e) == NEXUS_OK);
        EXPECT(memcmp(e.destination, cheap.destination, 16) == 0);
        if (memcmp(e.hop_address, dear.hop_address, 16) == 0) found = e.reliability == 112;
    }
    EXPECT(found);
    EXPECT(nexus_routing_table_entry(t, 2, &e) == NEXUS_ERR_OUT_OF_RANGE);
    uint8_t unknown[16] = {1};
    EXPECT(nexus_routing_table_lookup(t, unknown, NEXUS_POLICY_CHEAPEST, t0, &e) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_routing_table_lookup(t, unknown, 9, t0, &e) == NEXUS_ERR_INVALID_ARGUMENT);

    /* Neighbour 0x22 silent 3 gossip rounds: its path goes stale; lookups still reach 0x11. */
    size_t staled = 9, evicted = 9;
    EXPECT(nexus_routing_table_neighbour_silent(t, 1, dear.hop_address, t0, t0 + 180000, &staled, &evicted) ==
           NEXUS_OK);
    EXPECT(staled == 1 && evicted == 0);
    /* 90 min after t0 + 3 the cheap path goes stale too; at 120 min both are gone. */
    EXPECT(nexus_routing_table_expire(t, t0 + 3 + 3 * 1800000ull, &staled, &evicted) == NEXUS_OK);
    EXPECT(staled == 1 && evicted == 1); /* dear was evictable 10 rounds after t0 */
    EXPECT(nexus_routing_table_expire(t, t0 + 3 + 4 * 1800000ull, &staled, &evicted) == NEXUS_OK);
    EXPECT(staled == 0 && evicted == 1);
    EXPECT(nexus_routing_table_size(t, &size) == NEXUS_OK && size == 0);
    nexus_routing_table_free(t);
    nexus_routing_table_free(NULL);
}

static void test_bloom(void) {
    size_t bytes = 0;
    /* ceil(n * 12365 / 1000) bits, rounded up to bytes. */
    EXPECT(nexus_bloom_bytes_for(100, 0, &bytes) == NEXUS_OK && bytes == (1237 + 7) / 8);
    EXPECT(nexus_bloom_bytes_for(1000, 0, &bytes) == NEXUS_OK && bytes == (12365 + 7) / 8);
    EXPECT(nexus_bloom_bytes_for(0, 0, &bytes) == NEXUS_OK && bytes == 1);
    EXPECT(nexus_bloom_bytes_for(100000, NEXUS_BLOOM_CONSTRAINED_MAX_BYTES, &bytes) == NEXUS_OK &&
           bytes == 256);

    uint8_t bits[155], other[155];
    memset(bits, 0, sizeof bits);
    memset(other, 0, sizeof other);
    uint8_t item[8];
    for (uint32_t i = 0; i < 100; ++i) {
        memcpy(item, &i, 4);
        memcpy(item + 4, "item", 4);
        EXPECT(nexus_bloom_insert(bits, sizeof bits, 7, item, sizeof item) == NEXUS_OK);
    }
    int maybe = 0, all = 1, fp = 0;
    for (uint32_t i = 0; i < 100; ++i) {
        memcpy(item, &i, 4);
        EXPECT(nexus_bloom_maybe_contains(bits, sizeof bits, 7, item, sizeof item, &maybe) == NEXUS_OK);
        all = all && maybe;
    }
    EXPECT(all); /* no false negatives */
    for (uint32_t i = 1000; i < 3000; ++i) {
        memcpy(item, &i, 4);
        EXPECT(nexus_bloom_maybe_contains(bits, sizeof bits, 7, item, sizeof item, &maybe) == NEXUS_OK);
        fp += maybe;
    }
    EXPECT(fp < 60); /* ~1 % of 2000 expected; 3 % is far out */

    EXPECT(nexus_bloom_insert(other, sizeof other, 7, (const uint8_t*)"extra", 5) == NEXUS_OK);
    EXPECT(nexus_bloom_merge(bits, sizeof bits, 7, other, sizeof other, 8) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_bloom_merge(bits, sizeof bits, 7, other, 154, 7) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_bloom_merge(bits, sizeof bits, 7, other, sizeof other, 7) == NEXUS_OK);
    EXPECT(nexus_bloom_maybe_contains(bits, sizeof bits, 7, (const uint8_t*)"extra", 5, &maybe) == NEXUS_OK &&
           maybe == 1);

    uint8_t wire[7 + 155];
    size_t n = 0;
    EXPECT(nexus_bloom_encode(bits, sizeof bits, 0x01020304u, wire, sizeof wire - 1, &n) ==
           NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_bloom_encode(bits, sizeof bits, 0x01020304u, wire, sizeof wire, &n) == NEXUS_OK &&
           n == sizeof wire);
    const uint8_t header[7] = {0x01, 0x04, 0x03, 0x02, 0x01, 155, 0};
    EXPECT(memcmp(wire, header, 7) == 0 && memcmp(wire + 7, bits, 155) == 0);
    uint32_t salt = 0;
    const uint8_t* view = NULL;
    size_t view_len = 0;
    EXPECT(nexus_bloom_decode(wire, sizeof wire, 0, &salt, &view, &view_len) == NEXUS_OK);
    EXPECT(salt == 0x01020304u && view == wire + 7 && view_len == 155);

    EXPECT(nexus_bloom_decode(wire, 6, 0, &salt, &view, &view_len) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_bloom_decode(wire, sizeof wire - 1, 0, &salt, &view, &view_len) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_bloom_decode(wire, sizeof wire, 100, &salt, &view, &view_len) == NEXUS_ERR_OUT_OF_RANGE);
    uint8_t bad[8] = {0x02, 0, 0, 0, 0, 1, 0, 0};
    EXPECT(nexus_bloom_decode(bad, 8, 0, &salt, &view, &view_len) == NEXUS_ERR_UNSUPPORTED);
    bad[0] = 0x01;
    bad[5] = 0;
    EXPECT(nexus_bloom_decode(bad, 7, 0, &salt, &view, &view_len) == NEXUS_ERR_INVALID_LENGTH);
    bad[5] = 1;
    EXPECT(nexus_bloom_decode(bad, 8, 0, &salt, &view, &view_len) == NEXUS_OK && view_len == 1);
    uint8_t trailing[9] = {0x01, 0, 0, 0, 0, 1, 0, 0, 0};
    EXPECT(nexus_bloom_decode(trailing, 9, 0, &salt, &view, &view_len) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_bloom_insert(bits, 0, 7, item, 1) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_bloom_insert(bits, NEXUS_BLOOM_MAX_BYTES + 1, 7, item, 1) == NEXUS_ERR_OUT_OF_RANGE);
}

static void test_budget(void) {
    nexus_budget* b = NULL;
    const uint64_t t0 = 5000;
    EXPECT(nexus_budget_new(100000, t0, &b) == NEXUS_OK && b != NULL);
    /* routing: 3 % of 100 kbps = 3000 bps = 375 B/s; the bucket holds 60 s = 22500 B. */
    uint64_t v = 0;
    EXPECT(nexus_budget_capacity(b, NEXUS_TIER_ROUTING, &v) == NEXUS_OK && v == 22500);
    EXPECT(nexus_budget_capacity(b, NEXUS_TIER_TRUST, &v) == NEXUS_OK && v == 15000); /* 2 % */
    int spent = -1;
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_ROUTING, 22501, t0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_OK &&
           spent == 0);
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_ROUTING, 22000, t0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_OK &&
           spent == 1);
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_ROUTING, 501, t0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_OK &&
           spent == 0);
    EXPECT(nexus_budget_available(b, NEXUS_TIER_ROUTING, t0, &v) == NEXUS_OK && v == 500);
    EXPECT(nexus_budget_available(b, NEXUS_TIER_ROUTING, t0 + 2000, &v) == NEXUS_OK && v == 500 + 750);
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_ROUTING, 1250, t0 + 2000, NEXUS_GOSSIP_PULL, &spent) ==
               NEXUS_OK &&
           spent == 1);
    /* The other tiers are untouched. */
    EXPECT(nexus_budget_available(b, NEXUS_TIER_PAYMENTS, t0 + 2000, &v) == NEXUS_OK && v == 22500);
    nexus_tier_stats s;
    EXPECT(nexus_budget_stats(b, NEXUS_TIER_ROUTING, &s) == NEXUS_OK);
    EXPECT(s.bytes_sent == 23250 && s.messages == 2 && s.refused == 2 && s.refused_push == 0);
    EXPECT(nexus_budget_try_spend(b, 0, 1, t0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_budget_try_spend(b, 5, 1, t0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_budget_try_spend(b, 1, 1, t0, 2, &spent) == NEXUS_ERR_INVALID_ARGUMENT);
    nexus_budget_free(b);

    /* Under 10 kbps tiers 3 and 4 are pull-only. */
    EXPECT(nexus_budget_new(9600, 0, &b) == NEXUS_OK);
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_SERVICES, 10, 0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_OK &&
           spent == 0);
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_SERVICES, 10, 0, NEXUS_GOSSIP_PULL, &spent) == NEXUS_OK &&
           spent == 1);
    EXPECT(nexus_budget_try_spend(b, NEXUS_TIER_ROUTING, 10, 0, NEXUS_GOSSIP_PUSH, &spent) == NEXUS_OK &&
           spent == 1);
    EXPECT(nexus_budget_stats(b, NEXUS_TIER_SERVICES, &s) == NEXUS_OK && s.refused_push == 1 &&
           s.messages == 1);
    nexus_budget_free(b);
}

int main(void) {
    test_ring();
    test_policy();
    test_table();
    test_bloom();
    test_budget();
    return report("nexus C ABI routing");
}
