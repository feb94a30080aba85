/* Tests the node part of the nexus C ABI (nexus_node.h) from C99: three nodes in memory, A -- C -- B
 * with C a transport node (a bridge between its two interfaces), in both profiles. B's announce
 * crosses the bridge (2 hops at A), a link opens across it, messages go both ways in order and every
 * node reports its events from one queue in causal order (the request and the establishment before
 * the first data, the data before the close), the initiator identifies, a forged announce (public
 * key swapped) is refused with auth_failed, replayed packets with replayed, a close reaches the
 * peer; a fourth node D, plugged into C after B's announce, asks for a path to B and C answers from
 * what it knows; then the capacities and the error contract (NULLs, lengths, profile, capacities,
 * buffers). Independent truth: the rebroadcast announce checked byte by byte against the original
 * (HEADER_2 flags 0x51, hops 1, C's identity hash computed here from C's public key with
 * nexus_identity_hash, the rest identical from byte 2 on), what A knows of B against B's keys and
 * name hash computed here and the announce time written into the random hash, the A -> B link
 * request seen on the wire as HEADER_2 via C then HEADER_1 with hops 1, C's link-table entry against
 * the mesh's wiring, the path request against docs/wire/path_request.md (flags 0x08, the profile's
 * path-request address as listed there, the Reticulum one from the reference vectors) and C's answer
 * against B's original announce (same signed body, HEADER_2 from C, context 0x0B), the
 * capacities against the pi_bridge preset as written in include/nexus/config.hpp (parsed here), and
 * deterministic handles reproducing each other byte for byte. */
#include "harness.h"

#define MAX_FRAMES 4096
#define NKINDS 10    /* nexus_node_event_kind values 0..9 */
#define LOG_MAX 1024 /* kinds of the events a peer saw, in order */

typedef struct frame {
    size_t len;
    uint8_t b[NEXUS_PACKET_MTU];
} frame;

/* One node of the mesh with what it has seen. */
typedef struct peer {
    nexus_node* n;
    uint8_t key[64], pub[64], hash[16];
    int events[NKINDS];                     /* count per nexus_node_event_kind */
    nexus_node_event last[NKINDS];          /* last event of each kind */
    uint8_t last_data[NEXUS_NODE_DATA_MAX]; /* data of the last event that had some */
    size_t last_data_len;
    int log[LOG_MAX];
    size_t nlog;
    int errors;
    int replays; /* of those, duplicates (NEXUS_ERR_REPLAYED) */
    nexus_status last_error;
    int received; /* link messages received, checked against msg() in order */
    int out_of_order;
    uint8_t sender; /* whose messages this peer receives (msg() tag) */
    int reliable_received; /* reliable messages, checked against msg() and their sequence in order */
    int reliable_wrong;
    uint8_t delivered[1024]; /* LINK_DELIVERED count per sequence */
} peer;

typedef struct end {
    peer* p;
    uint8_t iface;
} end;

typedef struct mesh {
    int profile;
    peer a, b, c, d; /* d joins only where a test plugs it in */
    end cables[3][2];
    int ncables;
    uint8_t dest_b[16], dest_a[16], dest_c[16];
    frame* captured;
    size_t ncaptured;
    unsigned loss_percent; /* of link-data frames (DATA to a link), on every cable */
    uint64_t loss_state;   /* the loss dice (a 64-bit LCG) */
    size_t lost;
} mesh;

static const uint8_t zeros16[16] = {0};

/* Message i from the peer tagged `from`: 3..200 bytes, first bytes tag and i. */
static size_t msg(uint8_t from, int i, uint8_t* out) {
    const size_t n = 3 + (size_t)(i * 37) % 198;
    out[0] = from;
    out[1] = (uint8_t)(i & 0xFF);
    out[2] = (uint8_t)(i >> 8);
    for (size_t j = 3; j < n; ++j) out[j] = (uint8_t)(i * 13 + (int)j * 7 + from);
    return n;
}

static void record(peer* p, const nexus_node_event* ev, const uint8_t* data) {
    EXPECT(ev->kind > NEXUS_NODE_EVENT_NONE && ev->kind < NKINDS);
    if (ev->kind <= NEXUS_NODE_EVENT_NONE || ev->kind >= NKINDS) return;
    p->events[ev->kind]++;
    p->last[ev->kind] = *ev;
    if (p->nlog < LOG_MAX) p->log[p->nlog++] = ev->kind;
    if (ev->data_len > 0) {
        memcpy(p->last_data, data, ev->data_len);
        p->last_data_len = ev->data_len;
    }
    if (ev->kind == NEXUS_NODE_EVENT_LINK_DELIVERED) {
        EXPECT(ev->sequence >= 0 && ev->sequence < 1024 && ev->data_len == 0 && ev->reliable == 0);
        if (ev->sequence >= 0 && ev->sequence < 1024) p->delivered[ev->sequence]++;
        return;
    }
    if (ev->kind == NEXUS_NODE_EVENT_LINK_DATA && ev->reliable) {
        uint8_t expect[NEXUS_LINK_MDU];
        const size_t n = msg(p->sender, p->reliable_received, expect);
        if (n != ev->data_len || memcmp(expect, data, n) != 0 || ev->sequence != p->reliable_received ||
            ev->context != 0x30 + p->reliable_received % 5)
            p->reliable_wrong++;
        p->reliable_received++;
        return;
    }
    EXPECT(ev->reliable == 0);
    if (ev->kind == NEXUS_NODE_EVENT_LINK_DATA && ev->data_len >= 3 && data[0] == p->sender) {
        uint8_t expect[NEXUS_LINK_MDU];
        const size_t n = msg(p->sender, p->received, expect);
        if (n != ev->data_len || memcmp(expect, data, n) != 0) p->out_of_order++;
        p->received++;
    }
}

/* Position of the first / last event of a kind in p's log; -1 when there is none. */
static long first_of(const peer* p, int kind) {
    for (size_t i = 0; i < p->nlog; ++i)
        if (p->log[i] == kind) return (long)i;
    return -1;
}
static long last_of(const peer* p, int kind) {
    long at = -1;
    for (size_t i = 0; i < p->nlog; ++i)
        if (p->log[i] == kind) at = (long)i;
    return at;
}

/* Every event the node has for the application now. */
static void drain(peer* p, uint64_t now) {
    uint8_t data[NEXUS_NODE_DATA_MAX];
    nexus_node_event ev;
    for (;;) {
        memset(&ev, 0x5A, sizeof ev);
        const nexus_status s = nexus_node_poll(p->n, now, &ev, data, sizeof data);
        EXPECT(s == NEXUS_OK);
        if (s != NEXUS_OK || ev.kind == NEXUS_NODE_EVENT_NONE) break;
        EXPECT(ev.data_len <= NEXUS_NODE_DATA_MAX);
        record(p, &ev, data);
    }
}

static nexus_status deliver(peer* to, uint8_t iface, const uint8_t* raw, size_t len, uint64_t now) {
    const nexus_status s = nexus_node_receive(to->n, iface, raw, len, now);
    if (s != NEXUS_OK) {
        to->errors++;
        to->replays += s == NEXUS_ERR_REPLAYED;
        to->last_error = s;
    }
    return s;
}

/* Moves every queued packet across the cables until the mesh is quiet; every peer's events are
 * taken as it goes. */
static void run(mesh* m, uint64_t now) {
    peer* order[4] = {&m->a, &m->c, &m->b, &m->d};
    for (int round = 0; round < 100000; ++round) {
        int moved = 0;
        for (int k = 0; k < 4; ++k) {
            peer* p = order[k];
            if (p->n == NULL) continue;
            drain(p, now);
            uint8_t buf[NEXUS_PACKET_MTU];
            size_t size = 0;
            uint8_t iface = 0, except = 0;
            EXPECT(nexus_node_pop_outgoing(p->n, now, buf, sizeof buf, &size, &iface, &except) == NEXUS_OK);
            if (size == 0) continue;
            moved = 1;
            if (m->ncaptured < MAX_FRAMES) {
                m->captured[m->ncaptured].len = size;
                memcpy(m->captured[m->ncaptured].b, buf, size);
                m->ncaptured++;
            }
            for (int c = 0; c < m->ncables; ++c) {
                for (int dir = 0; dir < 2; ++dir) {
                    const end from = m->cables[c][dir], to = m->cables[c][1 - dir];
                    if (from.p != p) continue;
                    const int goes =
                        iface == NEXUS_NODE_ALL_INTERFACES ? from.iface != except : from.iface == iface;
                    if (!goes) continue;
                    if (m->loss_percent > 0 && (buf[0] & 0x0F) == 0x0C) { /* DATA to a link */
                        m->loss_state = m->loss_state * 6364136223846793005ULL + 1442695040888963407ULL;
                        if ((unsigned)(m->loss_state >> 33) % 100 < m->loss_percent) {
                            m->lost++;
                            continue;
                        }
                    }
                    deliver(to.p, to.iface, buf, size, now);
                }
            }
        }
        if (!moved) return;
    }
    EXPECT(!"mesh did not go quiet");
}

static void make_peer(peer* p, int profile, uint8_t fill, int transport, uint64_t seed) {
    uint8_t s[32];
    memset(p, 0, sizeof *p);
    memset(s, fill, sizeof s);
    EXPECT(nexus_identity_from_seed(s, p->key) == NEXUS_OK);
    EXPECT(nexus_identity_public_key(p->key, p->pub) == NEXUS_OK);
    EXPECT(nexus_identity_hash(profile, p->pub, p->hash) == NEXUS_OK);
    EXPECT(nexus_node_new(profile, p->key, transport, NULL, 1, seed, &p->n) == NEXUS_OK);
}

static void open_mesh(mesh* m, int profile) {
    uint8_t a0 = 9, c0 = 9, c1 = 9, b0 = 9, name[10];
    memset(m, 0, sizeof *m);
    m->profile = profile;
    m->captured = malloc(sizeof(frame) * MAX_FRAMES);
    if (!m->captured) exit(2);
    make_peer(&m->a, profile, 0xA1, 0, 1);
    make_peer(&m->b, profile, 0xB2, 0, 2);
    make_peer(&m->c, profile, 0xC3, 1, 3);
    m->a.sender = 'B'; /* A receives B's messages */
    m->b.sender = 'A';
    EXPECT(nexus_node_add_interface(m->a.n, NULL, 0, &a0) == NEXUS_OK && a0 == 0);
    EXPECT(nexus_node_add_interface(m->c.n, NULL, 0, &c0) == NEXUS_OK && c0 == 0);
    EXPECT(nexus_node_add_interface(m->c.n, NULL, 0, &c1) == NEXUS_OK && c1 == 1);
    EXPECT(nexus_node_add_interface(m->b.n, NULL, 0, &b0) == NEXUS_OK && b0 == 0);
    m->cables[0][0] = (end){&m->a, a0};
    m->cables[0][1] = (end){&m->c, c0};
    m->cables[1][0] = (end){&m->c, c1};
    m->cables[1][1] = (end){&m->b, b0};
    m->ncables = 2;

    /* Destination hashes computed independently: name hash, then with the identity hash. */
    uint8_t expect[16];
    EXPECT(nexus_name_hash(profile, "nexus.test.b", 12, name) == NEXUS_OK);
    EXPECT(nexus_node_add_destination(m->b.n, name, 1, m->dest_b) == NEXUS_OK);
    EXPECT(nexus_destination_hash(profile, name, m->b.hash, expect) == NEXUS_OK);
    EXPECT(memcmp(expect, m->dest_b, 16) == 0);
    EXPECT(nexus_name_hash(profile, "nexus.test.a", 12, name) == NEXUS_OK);
    EXPECT(nexus_node_add_destination(m->a.n, name, 1, m->dest_a) == NEXUS_OK);
}

static void close_mesh(mesh* m) {
    nexus_node_free(m->a.n);
    nexus_node_free(m->b.n);
    nexus_node_free(m->c.n);
    nexus_node_free(m->d.n);
    free(m->captured);
}

/* B announces (with app data) at `now`; the announce reaches A through C. */
static void announce_b(mesh* m, uint64_t now) {
    EXPECT(nexus_node_announce(m->b.n, m->dest_b, now, (const uint8_t*)"b-app", 5) == NEXUS_OK);
    uint64_t deadline = 9;
    EXPECT(nexus_node_next_deadline(m->b.n, &deadline) == NEXUS_OK && deadline == 0);
    run(m, now);
}

/* The best route of p to dest under its own policy: hops, interface, first hop. */
static void expect_path(const peer* p, const uint8_t* dest, uint64_t now, int hops, uint8_t iface,
                        const uint8_t* via) {
    nexus_routing_entry e;
    memset(&e, 0x5A, sizeof e);
    EXPECT(nexus_node_best_route(p->n, dest, NEXUS_NODE_OWN_POLICY, now, &e) == NEXUS_OK);
    EXPECT(memcmp(e.destination, dest, 16) == 0 && e.cost.hop_count == hops && e.iface == iface &&
           memcmp(e.hop_address, via, 16) == 0 && e.state == 0 && e.failed == 0);
}

/* What p knows of the destination `dest` of `owner`, whose name is `name`, announced at `at_ms`. */
static void expect_known(const peer* p, const mesh* m, const uint8_t* dest, const peer* owner,
                         const char* name, uint64_t at_ms) {
    nexus_node_known_info k;
    uint8_t name_hash[10];
    memset(&k, 0x5A, sizeof k);
    EXPECT(nexus_name_hash(m->profile, name, strlen(name), name_hash) == NEXUS_OK);
    EXPECT(nexus_node_known(p->n, dest, &k) == NEXUS_OK);
    EXPECT(memcmp(k.public_key, owner->pub, 64) == 0 && memcmp(k.owner, owner->hash, 16) == 0 &&
           memcmp(k.name_hash, name_hash, 10) == 0);
    /* Without the NEXUS extension the Lamport time is the announce's emission time: the seconds in
     * its random hash. The announce is current for the default 90 min from its arrival. */
    EXPECT(k.emitted == at_ms / 1000 && k.lamport == at_ms / 1000);
    EXPECT(k.announce_expires_ms == at_ms + 90u * 60u * 1000u);
    EXPECT(k.cached == 1 && k.links == 0);
}

static void test_announce_crosses_bridge(int profile) {
    mesh m;
    open_mesh(&m, profile);
    size_t count = 9;
    EXPECT(nexus_node_known_count(m.a.n, &count) == NEXUS_OK && count == 0);
    announce_b(&m, 3000);
    uint8_t c_hash[16];
    EXPECT(nexus_node_identity_hash(m.c.n, c_hash) == NEXUS_OK && memcmp(c_hash, m.c.hash, 16) == 0);

    /* A: one announce event, 2 hops, B's app data; its path goes through C. */
    EXPECT(m.a.events[NEXUS_NODE_EVENT_ANNOUNCE] == 1 && m.a.nlog == 1);
    const nexus_node_event* ev = &m.a.last[NEXUS_NODE_EVENT_ANNOUNCE];
    EXPECT(ev->hops == 2 && ev->iface == 0 && memcmp(ev->id, m.dest_b, 16) == 0 && ev->data_len == 5);
    EXPECT(m.a.last_data_len == 5 && memcmp(m.a.last_data, "b-app", 5) == 0);
    EXPECT(m.c.events[NEXUS_NODE_EVENT_ANNOUNCE] == 1 && m.c.last[NEXUS_NODE_EVENT_ANNOUNCE].hops == 1);
    expect_path(&m.a, m.dest_b, 3000, 2, 0, m.c.hash);
    expect_path(&m.c, m.dest_b, 3000, 1, 1, m.b.hash); /* a neighbour: its own identity is the hop */
    expect_known(&m.a, &m, m.dest_b, &m.b, "nexus.test.b", 3000);
    expect_known(&m.c, &m, m.dest_b, &m.b, "nexus.test.b", 3000);
    EXPECT(nexus_node_known_count(m.a.n, &count) == NEXUS_OK && count == 1);
    EXPECT(nexus_node_known_count(m.b.n, &count) == NEXUS_OK && count == 0); /* its own is not "known" */
    nexus_node_known_info k;
    nexus_routing_entry e;
    EXPECT(nexus_node_known(m.b.n, m.dest_a, &k) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_best_route(m.b.n, m.dest_a, NEXUS_NODE_OWN_POLICY, 3000, &e) == NEXUS_ERR_NOT_FOUND);

    /* On the wire: B's original (HEADER_1) then C's rebroadcast (HEADER_2), same data. */
    EXPECT(m.ncaptured == 2);
    const frame* orig = &m.captured[0];
    const frame* again = &m.captured[1];
    EXPECT(orig->b[0] == 0x01 && orig->b[1] == 0 && memcmp(orig->b + 2, m.dest_b, 16) == 0);
    EXPECT(again->b[0] == 0x51); /* HEADER_2, transport, single, announce */
    EXPECT(again->b[1] == 1);
    EXPECT(memcmp(again->b + 2, c_hash, 16) == 0);
    EXPECT(again->len == orig->len + 16 && memcmp(again->b + 18, orig->b + 2, orig->len - 2) == 0);
    nexus_announce info;
    EXPECT(nexus_announce_validate(profile, again->b, again->len, &info) == NEXUS_OK);
    /* The random hash's last 5 bytes: the announce time in seconds, big-endian. */
    EXPECT(orig->b[19 + 64 + 10 + 5] == 0 && orig->b[19 + 64 + 10 + 9] == 3);

    /* The same announce again is a duplicate; so is the rebroadcast at A. */
    EXPECT(deliver(&m.c, 1, orig->b, orig->len, 3001) == NEXUS_ERR_REPLAYED);
    EXPECT(deliver(&m.a, 0, again->b, again->len, 3001) == NEXUS_ERR_REPLAYED);
    nexus_node_stats st;
    EXPECT(nexus_node_stats_get(m.c.n, &st) == NEXUS_OK);
    EXPECT(st.announces_valid == 1 && st.duplicates == 1 && st.sent == 1 && st.received == 2 &&
           st.forwarded == 1);
    /* Nothing more for the application from the duplicates. */
    drain(&m.a, 3001);
    drain(&m.c, 3001);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_ANNOUNCE] == 1 && m.c.events[NEXUS_NODE_EVENT_ANNOUNCE] == 1);
    close_mesh(&m);
}

/* A opens a link to B across C; returns after it is active both ways. */
static void open_link_ab(mesh* m, uint8_t* link) {
    EXPECT(nexus_node_open_link(m->a.n, m->dest_b, 10, link) == NEXUS_OK);
    int state = -1;
    EXPECT(nexus_node_link_state(m->a.n, link, &state) == NEXUS_OK && state == NEXUS_LINK_PENDING);
    const size_t before = m->ncaptured;
    run(m, 10);
    EXPECT(nexus_node_link_state(m->a.n, link, &state) == NEXUS_OK && state == NEXUS_LINK_ACTIVE);
    EXPECT(nexus_node_link_state(m->b.n, link, &state) == NEXUS_OK && state == NEXUS_LINK_ACTIVE);
    EXPECT(m->b.events[NEXUS_NODE_EVENT_LINK_REQUEST] == 1);
    EXPECT(memcmp(m->b.last[NEXUS_NODE_EVENT_LINK_REQUEST].id, link, 16) == 0);
    EXPECT(m->a.events[NEXUS_NODE_EVENT_LINK_ESTABLISHED] == 1);
    EXPECT(m->b.events[NEXUS_NODE_EVENT_LINK_ESTABLISHED] == 1);
    EXPECT(memcmp(m->a.last[NEXUS_NODE_EVENT_LINK_ESTABLISHED].id, link, 16) == 0);
    /* B hears the request before its link is established. */
    EXPECT(first_of(&m->b, NEXUS_NODE_EVENT_LINK_REQUEST) >= 0 &&
           first_of(&m->b, NEXUS_NODE_EVENT_LINK_REQUEST) <
               first_of(&m->b, NEXUS_NODE_EVENT_LINK_ESTABLISHED));
    /* The request (packet type 2) left A as HEADER_2 via C (hops 0) and reached B as HEADER_1,
     * hops 1; the same 64 request bytes after the destination and context. */
    const frame* h2 = NULL;
    const frame* h1 = NULL;
    for (size_t i = before; i < m->ncaptured; ++i) {
        const frame* f = &m->captured[i];
        if ((f->b[0] & 0x03) != 2) continue;
        if (f->b[0] & 0x40)
            h2 = f;
        else
            h1 = f;
    }
    EXPECT(h2 != NULL && h1 != NULL);
    if (h2 && h1) {
        EXPECT(h2->b[0] == 0x52 && h2->b[1] == 0 && memcmp(h2->b + 2, m->c.hash, 16) == 0 &&
               memcmp(h2->b + 18, m->dest_b, 16) == 0);
        EXPECT(h1->b[0] == 0x02 && h1->b[1] == 1 && memcmp(h1->b + 2, m->dest_b, 16) == 0);
        EXPECT(h1->len + 16 == h2->len && memcmp(h1->b + 18, h2->b + 34, h1->len - 18) == 0);
    }
    /* C forwards the link: back to A on 0, on to B on 1; the request went straight to B (HEADER_1:
     * no next transport), once, and B's proof came back through C. A forwards nothing. */
    nexus_node_link_route r;
    size_t size = 9;
    memset(&r, 0x5A, sizeof r);
    EXPECT(nexus_node_link_table_entry(m->c.n, link, &r) == NEXUS_OK);
    EXPECT(memcmp(r.destination, m->dest_b, 16) == 0 && memcmp(r.next_hop, zeros16, 16) == 0);
    EXPECT(r.toward_initiator == 0 && r.toward_responder == 1 && r.proven == 1 && r.requests == 1 &&
           r.proofs == 1 && r.last_request_ms == 10 && r.expires_ms > 10);
    EXPECT(nexus_node_link_table_size(m->c.n, &size) == NEXUS_OK && size == 1);
    EXPECT(nexus_node_link_table_size(m->a.n, &size) == NEXUS_OK && size == 0);
    EXPECT(nexus_node_link_table_entry(m->a.n, link, &r) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_link_table_entry(m->c.n, m->dest_b, &r) == NEXUS_ERR_NOT_FOUND);
}

static void test_link_across_bridge(int profile) {
    mesh m;
    open_mesh(&m, profile);
    announce_b(&m, 0);
    uint8_t link[16], buf[NEXUS_LINK_MDU];
    open_link_ab(&m, link);

    /* Messages both ways, in order, some queued up between runs. */
    const int count = 300;
    uint64_t t = 100;
    for (int i = 0; i < count; ++i) {
        size_t n = msg('A', i, buf);
        EXPECT(nexus_node_send(m.a.n, link, buf, n, t, 0) == NEXUS_OK);
        n = msg('B', i, buf);
        EXPECT(nexus_node_send(m.b.n, link, buf, n, t, 0) == NEXUS_OK);
        if (i % 7 == 0) run(&m, t);
        t += 5;
    }
    run(&m, t);
    EXPECT(m.b.received == count && m.b.out_of_order == 0);
    EXPECT(m.a.received == count && m.a.out_of_order == 0);
    EXPECT(m.a.errors == 0 && m.b.errors == 0 && m.c.errors == 0);
    EXPECT(memcmp(m.b.last[NEXUS_NODE_EVENT_LINK_DATA].id, link, 16) == 0);
    nexus_node_stats st;
    EXPECT(nexus_node_stats_get(m.c.n, &st) == NEXUS_OK && st.forwarded >= 2 * (uint64_t)count);
    /* A message in clear appears in no frame. */
    size_t leaks = 0;
    for (int i = 0; i < 20; ++i) {
        const size_t n = msg('A', i, buf);
        if (n < 16) continue;
        for (size_t f = 0; f < m.ncaptured; ++f)
            for (size_t o = 0; o + n <= m.captured[f].len; ++o)
                if (memcmp(m.captured[f].b + o, buf, n) == 0) ++leaks;
    }
    EXPECT(leaks == 0);

    /* A context byte travels; the initiator identifies itself to B. */
    EXPECT(nexus_node_send(m.a.n, link, (const uint8_t*)"ctx", 3, t, 0x42) == NEXUS_OK);
    run(&m, t);
    EXPECT(m.b.last[NEXUS_NODE_EVENT_LINK_DATA].context == 0x42 && m.b.last_data_len == 3 &&
           memcmp(m.b.last_data, "ctx", 3) == 0);
    EXPECT(nexus_node_identify(m.a.n, link) == NEXUS_OK);
    run(&m, t);
    EXPECT(m.b.events[NEXUS_NODE_EVENT_LINK_IDENTIFIED] == 1);
    EXPECT(memcmp(m.b.last[NEXUS_NODE_EVENT_LINK_IDENTIFIED].id, link, 16) == 0);

    /* Close: A reports it (local), B when the close arrives (remote); both forget it. */
    EXPECT(nexus_node_close(m.a.n, link) == NEXUS_OK);
    run(&m, t + 10);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_LINK_CLOSED] == 1 &&
           m.a.last[NEXUS_NODE_EVENT_LINK_CLOSED].reason == NEXUS_LINK_CLOSED_LOCAL);
    EXPECT(m.b.events[NEXUS_NODE_EVENT_LINK_CLOSED] == 1 &&
           m.b.last[NEXUS_NODE_EVENT_LINK_CLOSED].reason == NEXUS_LINK_CLOSED_REMOTE);
    int state = -1;
    EXPECT(nexus_node_link_state(m.a.n, link, &state) == NEXUS_ERR_NOT_FOUND && state == -1);
    EXPECT(nexus_node_link_state(m.b.n, link, &state) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_send(m.a.n, link, buf, 1, t, 0) == NEXUS_ERR_NOT_FOUND);

    /* One queue, causal order: at each end the link is established before its first message, and
     * every message comes before the close. */
    const peer* ends[2] = {&m.a, &m.b};
    for (int i = 0; i < 2; ++i) {
        const peer* p = ends[i];
        const long up = first_of(p, NEXUS_NODE_EVENT_LINK_ESTABLISHED);
        EXPECT(up >= 0 && up < first_of(p, NEXUS_NODE_EVENT_LINK_DATA));
        EXPECT(last_of(p, NEXUS_NODE_EVENT_LINK_DATA) < first_of(p, NEXUS_NODE_EVENT_LINK_CLOSED));
        EXPECT(last_of(p, NEXUS_NODE_EVENT_LINK_CLOSED) == (long)p->nlog - 1);
    }
    close_mesh(&m);
}

static void test_forged_and_replayed(int profile) {
    mesh m;
    open_mesh(&m, profile);
    announce_b(&m, 0);
    frame genuine = m.captured[0];
    /* Forged: B's announce with Mallory's public key at bytes 19..83 (signature no longer fits). */
    uint8_t mk[64], mpub[64], s[32];
    memset(s, 0x66, sizeof s);
    EXPECT(nexus_identity_from_seed(s, mk) == NEXUS_OK && nexus_identity_public_key(mk, mpub) == NEXUS_OK);
    frame forged = genuine;
    memcpy(forged.b + 19, mpub, 64);
    const size_t before = m.ncaptured;
    EXPECT(deliver(&m.c, 1, forged.b, forged.len, 1) == NEXUS_ERR_AUTH_FAILED);
    nexus_node_stats st;
    EXPECT(nexus_node_stats_get(m.c.n, &st) == NEXUS_OK && st.announces_rejected == 1);
    run(&m, 1);
    EXPECT(m.ncaptured == before); /* not forwarded */
    nexus_node_known_info k;
    EXPECT(nexus_node_known(m.a.n, m.dest_b, &k) == NEXUS_OK && memcmp(k.public_key, m.b.pub, 64) == 0);
    EXPECT(nexus_node_known(m.c.n, m.dest_b, &k) == NEXUS_OK && memcmp(k.public_key, m.b.pub, 64) == 0);

    uint8_t link[16];
    open_link_ab(&m, link);
    /* Replays: the copy C forwarded, again at B; A's original, again at C. */
    EXPECT(nexus_node_send(m.a.n, link, (const uint8_t*)"\1\2\3", 3, 20, 0) == NEXUS_OK);
    const size_t mark = m.ncaptured;
    run(&m, 20);
    EXPECT(m.ncaptured == mark + 2);
    const frame* from_a = &m.captured[mark];
    const frame* from_c = &m.captured[mark + 1];
    EXPECT(from_a->b[1] == 0 && from_c->b[1] == 1 &&
           memcmp(from_a->b + 2, from_c->b + 2, from_a->len - 2) == 0);
    EXPECT(m.b.last_data_len == 3 && memcmp(m.b.last_data, "\1\2\3", 3) == 0);
    const int data_before = m.b.events[NEXUS_NODE_EVENT_LINK_DATA];
    EXPECT(deliver(&m.b, 0, from_c->b, from_c->len, 21) == NEXUS_ERR_REPLAYED);
    EXPECT(deliver(&m.c, 0, from_a->b, from_a->len, 21) == NEXUS_ERR_REPLAYED);
    drain(&m.b, 21);
    EXPECT(m.b.events[NEXUS_NODE_EVENT_LINK_DATA] == data_before);
    /* A tampered copy (one ciphertext byte) passes C (which cannot check it) and fails its tag at
     * B; the genuine packet still goes through after it. */
    frame sent, bad;
    uint8_t iface, except;
    EXPECT(nexus_node_send(m.a.n, link, (const uint8_t*)"\4\5", 2, 21, 0) == NEXUS_OK);
    EXPECT(nexus_node_pop_outgoing(m.a.n, 21, sent.b, sizeof sent.b, &sent.len, &iface, &except) == NEXUS_OK);
    bad = sent;
    bad.b[bad.len - 1] ^= 0x01;
    const int forwarded_before = m.c.events[NEXUS_NODE_EVENT_FORWARDED];
    EXPECT(deliver(&m.c, 0, bad.b, bad.len, 21) == NEXUS_OK);
    drain(&m.c, 21);
    EXPECT(m.c.events[NEXUS_NODE_EVENT_FORWARDED] == forwarded_before + 1 &&
           memcmp(m.c.last[NEXUS_NODE_EVENT_FORWARDED].id, link, 16) == 0 &&
           m.c.last[NEXUS_NODE_EVENT_FORWARDED].iface == 0);
    const int errors_before = m.b.errors;
    run(&m, 21);
    EXPECT(m.b.errors == errors_before + 1 && m.b.last_error == NEXUS_ERR_AUTH_FAILED);
    EXPECT(deliver(&m.c, 0, sent.b, sent.len, 21) == NEXUS_OK);
    run(&m, 21);
    EXPECT(m.b.events[NEXUS_NODE_EVENT_LINK_DATA] == data_before + 1 && m.b.last_data_len == 2 &&
           m.b.last_data[1] == 5);
    /* Still up both ways. */
    EXPECT(nexus_node_send(m.b.n, link, (const uint8_t*)"\x09", 1, 22, 0) == NEXUS_OK);
    run(&m, 22);
    EXPECT(m.a.last_data_len == 1 && m.a.last_data[0] == 9);
    close_mesh(&m);
}

/* The path-request address of each profile: docs/wire/path_request.md (the Reticulum one as in the
 * reference vectors). */
static void path_request_destination(int profile, uint8_t* out16) {
    const char* hex = profile == NEXUS_PROFILE_NEXUS ? "5543cbe02bc99f8133f733bff50ad90a"
                                                     : "6b9f66014d9853faab220fba47d02761";
    EXPECT(unhex(hex, out16, 16) == 16);
}

/* D joins C after B's announce went by, so it knows nothing of B; it asks, and C, which holds a
 * path to B on another interface, answers with B's announce after its 0.4 s grace. */
static void test_request_path(int profile) {
    mesh m;
    open_mesh(&m, profile);
    announce_b(&m, 0);
    uint8_t c2 = 9, d0 = 9;
    make_peer(&m.d, profile, 0xD4, 0, 4);
    EXPECT(nexus_node_add_interface(m.c.n, NULL, 500, &c2) == NEXUS_OK && c2 == 2);
    EXPECT(nexus_node_add_interface(m.d.n, NULL, 500, &d0) == NEXUS_OK && d0 == 0);
    m.cables[2][0] = (end){&m.c, c2};
    m.cables[2][1] = (end){&m.d, d0};
    m.ncables = 3;
    run(&m, 500);
    nexus_node_known_info k;
    nexus_routing_entry e;
    EXPECT(nexus_node_known(m.d.n, m.dest_b, &k) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_best_route(m.d.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 1000, &e) == NEXUS_ERR_NOT_FOUND);

    const size_t mark = m.ncaptured;
    const int a_announces = m.a.events[NEXUS_NODE_EVENT_ANNOUNCE];
    EXPECT(nexus_node_request_path(m.d.n, m.dest_b, 1000) == NEXUS_OK);
    run(&m, 1000);
    /* The request, as docs/wire/path_request.md has it: HEADER_1 DATA to the PLAIN path-request
     * address, context 0, the wanted destination, then a 16-byte tag (a client: no transport id). */
    EXPECT(m.ncaptured == mark + 1);
    const frame* q = &m.captured[mark];
    uint8_t address[16];
    path_request_destination(profile, address);
    EXPECT(q->len == 19 + 16 + 16 && q->b[0] == 0x08 && q->b[1] == 0 && memcmp(q->b + 2, address, 16) == 0 &&
           q->b[18] == 0 && memcmp(q->b + 19, m.dest_b, 16) == 0);
    EXPECT(m.d.events[NEXUS_NODE_EVENT_ANNOUNCE] == 0); /* C waits for its grace */
    uint64_t deadline = 0;
    EXPECT(nexus_node_next_deadline(m.c.n, &deadline) == NEXUS_OK && deadline == 1400);

    run(&m, 1400);
    EXPECT(m.ncaptured == mark + 2);
    const frame* r = &m.captured[mark + 1];
    const frame* orig = &m.captured[0]; /* B's own announce, HEADER_1 */
    /* C's answer: HEADER_2 via C, hops = its path's 1, context PATH_RESPONSE, B's signed body. */
    EXPECT(r->b[0] == 0x51 && r->b[1] == 1 && memcmp(r->b + 2, m.c.hash, 16) == 0 &&
           memcmp(r->b + 18, m.dest_b, 16) == 0 && r->b[34] == 0x0B);
    EXPECT(r->len == orig->len + 16 && memcmp(r->b + 35, orig->b + 19, orig->len - 19) == 0);
    EXPECT(m.d.events[NEXUS_NODE_EVENT_ANNOUNCE] == 1);
    const nexus_node_event* ev = &m.d.last[NEXUS_NODE_EVENT_ANNOUNCE];
    EXPECT(memcmp(ev->id, m.dest_b, 16) == 0 && ev->hops == 2 && ev->iface == 0 && ev->data_len == 5 &&
           memcmp(m.d.last_data, "b-app", 5) == 0);
    EXPECT(nexus_node_known(m.d.n, m.dest_b, &k) == NEXUS_OK && memcmp(k.public_key, m.b.pub, 64) == 0 &&
           memcmp(k.owner, m.b.hash, 16) == 0);
    expect_path(&m.d, m.dest_b, 1400, 2, 0, m.c.hash);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_ANNOUNCE] == a_announces); /* the answer went to D only */
    nexus_node_stats st;
    EXPECT(nexus_node_stats_get(m.d.n, &st) == NEXUS_OK && st.path_requests_sent == 1);
    EXPECT(nexus_node_stats_get(m.c.n, &st) == NEXUS_OK && st.path_requests_answered == 1 &&
           st.path_requests_forwarded == 0);
    EXPECT(m.a.errors == 0 && m.b.errors == 0 && m.c.errors == 0 && m.d.errors == 0);

    /* Asking again within 20 s sends nothing; one's own destination, or a node without interfaces,
     * cannot ask. */
    const size_t again = m.ncaptured;
    EXPECT(nexus_node_request_path(m.d.n, m.dest_b, 2000) == NEXUS_OK);
    run(&m, 2000);
    EXPECT(m.ncaptured == again);
    EXPECT(nexus_node_request_path(m.b.n, m.dest_b, 2000) == NEXUS_ERR_INVALID_ARGUMENT);
    nexus_node* lone = NULL;
    EXPECT(nexus_node_new(profile, m.a.key, 0, NULL, 1, 9, &lone) == NEXUS_OK);
    EXPECT(nexus_node_request_path(lone, m.dest_b, 0) == NEXUS_ERR_INVALID_ARGUMENT);
    nexus_node_free(lone);
    close_mesh(&m);
}

static void test_timeout_and_deadline(void) {
    mesh m;
    open_mesh(&m, NEXUS_PROFILE_NEXUS);
    announce_b(&m, 0);
    uint8_t link[16], buf[NEXUS_PACKET_MTU], iface, except;
    size_t size = 0;
    uint64_t deadline = 0;
    EXPECT(nexus_node_open_link(m.a.n, m.dest_b, 0, link) == NEXUS_OK);
    /* A too-small buffer leaves the request queued. */
    EXPECT(nexus_node_pop_outgoing(m.a.n, 0, buf, 50, &size, &iface, &except) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_node_next_deadline(m.a.n, &deadline) == NEXUS_OK && deadline == 0);
    EXPECT(nexus_node_pop_outgoing(m.a.n, 0, buf, sizeof buf, &size, &iface, &except) == NEXUS_OK);
    EXPECT(size == 16 + 19 + 64 && buf[0] == 0x52 && iface == 0 && except == NEXUS_NODE_ALL_INTERFACES);
    /* ... and it is lost, and so are its repeats: the identical request goes again after the path's
     * round trip + 1 s (2 x latency + 1000 ms, latency = (worst hop latency + 1) x hops, at most a
     * quarter of the 30 s establishment timeout), four sends in all; then the link times out. */
    nexus_routing_entry route;
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 0, &route) == NEXUS_OK);
    const uint64_t latency = ((uint64_t)route.cost.worst_latency_ms + 1) * route.cost.hop_count;
    const uint64_t retry = 2 * latency + 1000 < 7500 ? 2 * latency + 1000 : 7500;
    uint8_t first[NEXUS_PACKET_MTU];
    const size_t first_len = size;
    memcpy(first, buf, size);
    for (int i = 1; i < 4; ++i) {
        EXPECT(nexus_node_next_deadline(m.a.n, &deadline) == NEXUS_OK && deadline == i * retry);
        drain(&m.a, i * retry);
        EXPECT(nexus_node_pop_outgoing(m.a.n, i * retry, buf, sizeof buf, &size, &iface, &except) == NEXUS_OK);
        EXPECT(size == first_len && memcmp(buf, first, size) == 0);
    }
    EXPECT(nexus_node_next_deadline(m.a.n, &deadline) == NEXUS_OK && deadline == 30000);
    drain(&m.a, 29999);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_LINK_CLOSED] == 0);
    drain(&m.a, 30000);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_LINK_CLOSED] == 1 &&
           m.a.last[NEXUS_NODE_EVENT_LINK_CLOSED].reason == NEXUS_LINK_CLOSED_ESTABLISHMENT &&
           memcmp(m.a.last[NEXUS_NODE_EVENT_LINK_CLOSED].id, link, 16) == 0);
    int state;
    EXPECT(nexus_node_link_state(m.a.n, link, &state) == NEXUS_ERR_NOT_FOUND);
    /* The path's timers are the spec's (nexus_routing.h): active for 3 announce intervals (90 min),
     * stale for 1 more; then it is gone. */
    nexus_routing_entry e;
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 0, &e) == NEXUS_OK);
    EXPECT(e.expires_ms == 90u * 60u * 1000u && e.evict_at_ms == 120u * 60u * 1000u);
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 120u * 60u * 1000u - 1, &e) ==
           NEXUS_OK);
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 120u * 60u * 1000u, &e) ==
           NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_open_link(m.a.n, m.dest_b, 120u * 60u * 1000u, link) == NEXUS_ERR_NOT_FOUND);
    close_mesh(&m);

    /* Shorter timers from the config: an announce current for 1 s, paths active for one 1 s
     * interval and never stale, links given 500 ms to come up. */
    nexus_node_config config;
    EXPECT(nexus_node_config_default(&config) == NEXUS_OK);
    EXPECT(config.path_lifetime_ms == 90u * 60u * 1000u &&
           config.link_table_lifetime_ms == 10u * 60u * 1000u && config.max_hops == 128 &&
           config.link.establishment_timeout_ms == 30000);
    config.path_lifetime_ms = 1000;
    config.announce_interval_ms = 1000;
    config.active_intervals = 1;
    config.stale_intervals = 0;
    config.link.establishment_timeout_ms = 500;
    open_mesh(&m, NEXUS_PROFILE_RETICULUM);
    nexus_node_free(m.a.n);
    m.a.n = NULL;
    uint8_t a0 = 9;
    EXPECT(nexus_node_new(NEXUS_PROFILE_RETICULUM, m.a.key, 0, &config, 1, 1, &m.a.n) == NEXUS_OK);
    EXPECT(nexus_node_add_interface(m.a.n, NULL, 0, &a0) == NEXUS_OK && a0 == 0);
    announce_b(&m, 0);
    nexus_node_known_info k;
    EXPECT(nexus_node_known(m.a.n, m.dest_b, &k) == NEXUS_OK && k.announce_expires_ms == 1000);
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 0, &e) == NEXUS_OK &&
           e.expires_ms == 1000 && e.evict_at_ms == 1000);
    EXPECT(nexus_node_open_link(m.a.n, m.dest_b, 999, link) == NEXUS_OK);
    EXPECT(nexus_node_pop_outgoing(m.a.n, 999, buf, sizeof buf, &size, &iface, &except) == NEXUS_OK);
    EXPECT(size == 19 + 64 + 16 && (buf[0] & 0x03) == 2);
    uint8_t late[16];
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 1000, &e) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_open_link(m.a.n, m.dest_b, 1000, late) == NEXUS_ERR_NOT_FOUND);
    drain(&m.a, 1498);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_LINK_CLOSED] == 0);
    drain(&m.a, 1499);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_LINK_CLOSED] == 1 &&
           m.a.last[NEXUS_NODE_EVENT_LINK_CLOSED].reason == NEXUS_LINK_CLOSED_ESTABLISHMENT);
    close_mesh(&m);
}

static void test_determinism(void) {
    /* Same keys and seeds: the same announce bytes; operating-system randomness: different. */
    uint8_t out[3][NEXUS_PACKET_MTU], key[64], s[32], name[10], dest[16], iface, except;
    size_t len[3] = {0, 0, 0};
    memset(s, 0x44, sizeof s);
    EXPECT(nexus_identity_from_seed(s, key) == NEXUS_OK);
    EXPECT(nexus_name_hash(NEXUS_PROFILE_NEXUS, "app.x", 5, name) == NEXUS_OK);
    for (int i = 0; i < 3; ++i) {
        nexus_node* n = NULL;
        EXPECT(nexus_node_new(NEXUS_PROFILE_NEXUS, key, 0, NULL, i < 2, 42, &n) == NEXUS_OK);
        EXPECT(nexus_node_add_interface(n, NULL, 0, &iface) == NEXUS_OK);
        EXPECT(nexus_node_add_destination(n, name, 0, dest) == NEXUS_OK);
        EXPECT(nexus_node_announce(n, dest, 5000, NULL, 0) == NEXUS_OK);
        EXPECT(nexus_node_pop_outgoing(n, 5000, out[i], NEXUS_PACKET_MTU, &len[i], &iface, &except) ==
               NEXUS_OK);
        EXPECT(iface == NEXUS_NODE_ALL_INTERFACES && except == NEXUS_NODE_ALL_INTERFACES);
        nexus_node_free(n);
    }
    EXPECT(len[0] == len[1] && len[0] == len[2] && len[0] == 19 + 148);
    EXPECT(memcmp(out[0], out[1], len[0]) == 0);
    EXPECT(memcmp(out[0], out[2], len[0]) != 0);
    /* The random hash's last 5 bytes are the announce time in seconds (big-endian): 5. */
    EXPECT(out[0][19 + 64 + 10 + 5] == 0 && out[0][19 + 64 + 10 + 9] == 5);
}

/* ---- capacities ---------------------------------------------------------------------------------- */

/* The C struct's fields by name (the order of nexus::node_capacities). */
#define CAPACITY(f) \
    { #f, offsetof(nexus_node_capacities, f) }
static const struct {
    const char* name;
    size_t offset;
} capacity_fields[] = {
    CAPACITY(interfaces),
    CAPACITY(destinations),
    CAPACITY(known_destinations),
    CAPACITY(routes),
    CAPACITY(paths_per_destination),
    CAPACITY(links),
    CAPACITY(pending_links_per_interface),
    CAPACITY(link_table),
    CAPACITY(reverse_table),
    CAPACITY(outbox),
    CAPACITY(seen),
    CAPACITY(neighbours),
    CAPACITY(early_offers),
    CAPACITY(gossip_kinds),
    CAPACITY(events),
    CAPACITY(announce_sources),
    CAPACITY(held_announces),
    CAPACITY(announce_rates),
    CAPACITY(announce_retries),
    CAPACITY(path_requests),
    CAPACITY(cached_app_data),
    CAPACITY(channel_window),
};
#undef CAPACITY
#define CAPACITY_COUNT (sizeof capacity_fields / sizeof capacity_fields[0])

static size_t capacity_at(const nexus_node_capacities* c, size_t offset) {
    size_t v;
    memcpy(&v, (const char*)c + offset, sizeof v);
    return v;
}

/* include/nexus/config.hpp, whole, into a malloc'd string (NULL when it cannot be read). */
static char* read_config_hpp(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/../include/nexus/config.hpp", NEXUS_TEST_VECTORS_DIR);
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* text = malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) exit(2);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_capacities(void) {
    nexus_node_capacities caps;
    memset(&caps, 0, sizeof caps);
    EXPECT(nexus_node_get_capacities(&caps) == NEXUS_OK);
    EXPECT(nexus_node_get_capacities(NULL) == NEXUS_ERR_NULL_POINTER);
    /* Every field of the struct is in the table above (all size_t, no gaps). */
    EXPECT(CAPACITY_COUNT * sizeof(size_t) == sizeof(nexus_node_capacities));

    /* The pi_bridge preset as written in config.hpp: ".name = value," lines up to its "};". */
    char* text = read_config_hpp();
    EXPECT(text != NULL);
    if (text == NULL) return;
    const char* block = strstr(text, "node_capacities pi_bridge{");
    EXPECT(block != NULL);
    const char* end = block ? strstr(block, "};") : NULL;
    EXPECT(end != NULL);
    size_t found = 0;
    int seen[CAPACITY_COUNT] = {0};
    for (const char* p = block; p != NULL && p < end; p = strchr(p + 1, '\n')) {
        char name[64];
        unsigned long value = 0;
        if (sscanf(p, " .%63[a-z_] = %lu,", name, &value) != 2) continue;
        size_t i = 0;
        while (i < CAPACITY_COUNT && strcmp(capacity_fields[i].name, name) != 0) ++i;
        EXPECT(i < CAPACITY_COUNT); /* a field config.hpp has and the C struct does not */
        if (i == CAPACITY_COUNT) {
            fprintf(stderr, "  config.hpp field %s is missing from nexus_node_capacities\n", name);
            continue;
        }
        EXPECT(i == found); /* in the same order */
        EXPECT(capacity_at(&caps, capacity_fields[i].offset) == value);
        seen[i]++;
        ++found;
    }
    EXPECT(found == CAPACITY_COUNT);
    for (size_t i = 0; i < CAPACITY_COUNT; ++i) EXPECT(seen[i] == 1);
    free(text);

    /* The tables a caller can fill from outside end where the capacities say. */
    nexus_node* n = NULL;
    uint8_t key[64], s[32], name[10], dest[16], iface = 0;
    memset(s, 0x31, sizeof s);
    EXPECT(nexus_identity_from_seed(s, key) == NEXUS_OK);
    EXPECT(nexus_node_new(NEXUS_PROFILE_NEXUS, key, 0, NULL, 1, 1, &n) == NEXUS_OK);
    for (size_t i = 0; i < caps.interfaces; ++i)
        EXPECT(nexus_node_add_interface(n, NULL, 0, &iface) == NEXUS_OK && iface == i);
    EXPECT(nexus_node_add_interface(n, NULL, 0, &iface) == NEXUS_ERR_FULL && iface == caps.interfaces - 1);
    size_t count = 0;
    EXPECT(nexus_node_interface_count(n, &count) == NEXUS_OK && count == caps.interfaces);
    EXPECT(nexus_name_hash(NEXUS_PROFILE_NEXUS, "cap.test", 8, name) == NEXUS_OK);
    for (size_t i = 0; i < caps.destinations; ++i) {
        name[0] = (uint8_t)i;
        EXPECT(nexus_node_add_destination(n, name, 1, dest) == NEXUS_OK);
    }
    name[0] = 0xEE;
    EXPECT(nexus_node_add_destination(n, name, 1, dest) == NEXUS_ERR_FULL);
    nexus_node_free(n);
}

static void test_errors(void) {
    mesh m;
    open_mesh(&m, NEXUS_PROFILE_NEXUS);
    nexus_node_capacities caps;
    EXPECT(nexus_node_get_capacities(&caps) == NEXUS_OK);
    uint8_t data[NEXUS_NODE_DATA_MAX], raw[NEXUS_PACKET_MTU], id[16], name[10], iface = 0, except = 0;
    nexus_node_event ev;
    memset(raw, 0, sizeof raw);

    /* receive: no such interface, too short, unknown link; nothing for the application. */
    EXPECT(nexus_node_receive(m.a.n, 9, raw, 30, 0) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_receive(m.a.n, NEXUS_NODE_ALL_INTERFACES, raw, 30, 0) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_receive(m.a.n, 0, raw, 5, 0) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_node_receive(m.a.n, 0, raw, 0, 0) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_node_receive(m.a.n, 0, NULL, 0, 0) == NEXUS_ERR_TRUNCATED);
    raw[0] = 0x0C; /* data to a link nobody has */
    EXPECT(nexus_node_receive(m.a.n, 0, raw, 60, 0) == NEXUS_ERR_NOT_FOUND);
    memset(&ev, 0x77, sizeof ev);
    EXPECT(nexus_node_poll(m.a.n, 0, &ev, NULL, 0) == NEXUS_OK && ev.kind == NEXUS_NODE_EVENT_NONE);
    nexus_node_stats st;
    EXPECT(nexus_node_stats_get(m.a.n, &st) == NEXUS_OK);

    /* Nothing known yet; unknown destinations and links. */
    EXPECT(nexus_node_open_link(m.a.n, m.dest_b, 0, id) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_announce(m.a.n, zeros16, 0, NULL, 0) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_send(m.a.n, zeros16, data, 1, 0, 0) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_identify(m.a.n, zeros16) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_close(m.a.n, zeros16) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_announce(m.b.n, m.dest_b, 0, data, 400) == NEXUS_ERR_INVALID_LENGTH);

    /* A duplicate destination; the destination table fills up. */
    EXPECT(nexus_name_hash(NEXUS_PROFILE_NEXUS, "nexus.test.b", 12, name) == NEXUS_OK);
    EXPECT(nexus_node_add_destination(m.b.n, name, 1, id) == NEXUS_ERR_INVALID_ARGUMENT);
    for (size_t i = 1; i < caps.destinations; ++i) {
        name[0] ^= (uint8_t)(0x10 << i);
        EXPECT(nexus_node_add_destination(m.b.n, name, 1, id) == NEXUS_OK);
    }
    name[1] ^= 0xFF;
    EXPECT(nexus_node_add_destination(m.b.n, name, 1, id) == NEXUS_ERR_FULL);

    /* An announce whose app data does not fit the caller's buffer stays with the node. */
    for (size_t i = 0; i < 100; ++i) data[i] = (uint8_t)(i * 3 + 1);
    EXPECT(nexus_node_announce(m.b.n, m.dest_b, 0, data, 100) == NEXUS_OK);
    size_t len = 0;
    EXPECT(nexus_node_pop_outgoing(m.b.n, 0, raw, sizeof raw, &len, &iface, &except) == NEXUS_OK && len > 0);
    EXPECT(nexus_node_receive(m.a.n, 0, raw, len, 0) == NEXUS_OK);
    uint8_t got[NEXUS_NODE_DATA_MAX];
    uint64_t deadline = 9;
    memset(&ev, 0x77, sizeof ev);
    EXPECT(nexus_node_poll(m.a.n, 0, &ev, got, 99) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_node_poll(m.a.n, 0, &ev, NULL, 0) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(ev.kind == 0x77777777); /* untouched */
    EXPECT(nexus_node_next_deadline(m.a.n, &deadline) == NEXUS_OK && deadline == 0);
    EXPECT(nexus_node_poll(m.a.n, 0, &ev, got, 100) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_NODE_EVENT_ANNOUNCE && ev.data_len == 100 && ev.hops == 1 &&
           memcmp(ev.id, m.dest_b, 16) == 0 && memcmp(got, data, 100) == 0);
    EXPECT(nexus_node_poll(m.a.n, 0, &ev, NULL, 0) == NEXUS_OK && ev.kind == NEXUS_NODE_EVENT_NONE);
    EXPECT(nexus_node_receive(m.a.n, 0, raw, len, 0) == NEXUS_ERR_REPLAYED);
    EXPECT(nexus_node_poll(m.a.n, 0, &ev, NULL, 0) == NEXUS_OK && ev.kind == NEXUS_NODE_EVENT_NONE);
    EXPECT(nexus_node_stats_get(m.a.n, &st) == NEXUS_OK && st.announces_valid == 1 && st.duplicates == 1);

    /* new: profile, max_hops, NULLs; the output stays untouched. */
    nexus_node* keep = (nexus_node*)&m;
    nexus_node* n = keep;
    nexus_node_config config;
    EXPECT(nexus_node_config_default(&config) == NEXUS_OK);
    EXPECT(nexus_node_new(2, m.a.key, 0, NULL, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    EXPECT(nexus_node_new(-1, m.a.key, 0, NULL, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config.max_hops = 0;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config.max_hops = 256;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    EXPECT(nexus_node_new(0, NULL, 0, NULL, 1, 1, &n) == NEXUS_ERR_NULL_POINTER && n == keep);
    EXPECT(nexus_node_new(0, m.a.key, 0, NULL, 1, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_config_default(NULL) == NEXUS_ERR_NULL_POINTER);

    nexus_node* a = m.a.n;
    int state;
    size_t size;
    nexus_node_known_info k;
    nexus_node_link_route route;
    nexus_node_interface_metrics metrics;
    EXPECT(nexus_node_interface_metrics_default(&metrics) == NEXUS_OK);
    EXPECT(nexus_node_identity_hash(NULL, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_identity_hash(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_add_interface(NULL, NULL, 0, &iface) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_add_interface(a, &metrics, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_add_destination(NULL, name, 1, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_add_destination(a, NULL, 1, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_add_destination(a, name, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_announce(NULL, m.dest_a, 0, NULL, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_announce(a, NULL, 0, NULL, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_announce(a, m.dest_a, 0, NULL, 3) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_request_path(NULL, m.dest_b, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_request_path(a, NULL, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_open_link(NULL, m.dest_b, 0, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_open_link(a, NULL, 0, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_open_link(a, m.dest_b, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_identify(NULL, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_identify(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_send(a, id, NULL, 1, 0, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_send(a, NULL, data, 1, 0, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_send(NULL, id, data, 1, 0, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_close(NULL, id) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_close(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_state(NULL, id, &state) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_state(a, NULL, &state) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_state(a, id, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_receive(NULL, 0, raw, 20, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_receive(a, 0, NULL, 20, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_pop_outgoing(NULL, 0, raw, sizeof raw, &size, &iface, &except) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_pop_outgoing(a, 0, NULL, 10, &size, &iface, &except) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_pop_outgoing(a, 0, raw, sizeof raw, NULL, &iface, &except) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_pop_outgoing(a, 0, raw, sizeof raw, &size, NULL, &except) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_pop_outgoing(a, 0, raw, sizeof raw, &size, &iface, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_poll(a, 0, NULL, data, sizeof data) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_poll(NULL, 0, &ev, data, sizeof data) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_poll(a, 0, &ev, NULL, 5) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_next_deadline(NULL, &deadline) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_next_deadline(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_stats_get(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_stats_get(NULL, &st) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_known(NULL, id, &k) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_known(a, NULL, &k) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_known(a, id, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_known_count(NULL, &size) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_known_count(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_table_entry(NULL, id, &route) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_table_entry(a, NULL, &route) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_table_entry(a, id, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_table_size(NULL, &size) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_link_table_size(a, NULL) == NEXUS_ERR_NULL_POINTER);
    (void)state;
    nexus_node_free(NULL);
    close_mesh(&m);
}
/* ---- routing and gossip ------------------------------------------------------------------------- */

#define LINE_BW (1u << 20) /* 1,048,576 bps: bandwidth code 8 * log2 = 160 exactly */
#define LINE_LATENCY 7

/* floor(log2(x)) for x > 0, by shifting (no libm). */
static unsigned ilog2(uint64_t x) {
    unsigned n = 0;
    while (x > 1) {
        x >>= 1;
        ++n;
    }
    return n;
}

/* A -- C -- B, every node gossiping and announcing on its own; C relays (transport) for relay_fee
 * uNXS per byte. Every interface LINE_BW bps, LINE_LATENCY ms. Each node has one destination. */
static void open_line(mesh* m, int profile, uint32_t fee) {
    uint8_t iface = 9, name[10];
    nexus_node_config cfg, cfg_c;
    nexus_node_interface_metrics metrics;
    memset(m, 0, sizeof *m);
    m->profile = profile;
    m->captured = malloc(sizeof(frame) * MAX_FRAMES);
    if (!m->captured) exit(2);
    EXPECT(nexus_node_config_default(&cfg) == NEXUS_OK);
    cfg.gossip = 1;
    cfg.auto_announce = 1;
    cfg_c = cfg;
    cfg_c.relay_fee = fee;
    peer* all[3] = {&m->a, &m->b, &m->c};
    const uint8_t fills[3] = {0xA1, 0xB2, 0xC3};
    for (int i = 0; i < 3; ++i) {
        uint8_t s[32];
        peer* p = all[i];
        memset(s, fills[i], sizeof s);
        EXPECT(nexus_identity_from_seed(s, p->key) == NEXUS_OK);
        EXPECT(nexus_identity_public_key(p->key, p->pub) == NEXUS_OK);
        EXPECT(nexus_identity_hash(profile, p->pub, p->hash) == NEXUS_OK);
        EXPECT(nexus_node_new(profile, p->key, p == &m->c, p == &m->c ? &cfg_c : &cfg, 1, (uint64_t)i + 1,
                              &p->n) == NEXUS_OK);
    }
    m->a.sender = 'B';
    m->b.sender = 'A';
    EXPECT(nexus_node_interface_metrics_default(&metrics) == NEXUS_OK);
    EXPECT(metrics.bandwidth_bps == 1000000 && metrics.latency_ms == 0 && metrics.shared == 0);
    metrics.bandwidth_bps = LINE_BW;
    metrics.latency_ms = LINE_LATENCY;
    EXPECT(nexus_node_add_interface(m->a.n, &metrics, 0, &iface) == NEXUS_OK && iface == 0);
    EXPECT(nexus_node_add_interface(m->c.n, &metrics, 0, &iface) == NEXUS_OK && iface == 0);
    EXPECT(nexus_node_add_interface(m->c.n, &metrics, 0, &iface) == NEXUS_OK && iface == 1);
    EXPECT(nexus_node_add_interface(m->b.n, &metrics, 0, &iface) == NEXUS_OK && iface == 0);
    m->cables[0][0] = (end){&m->a, 0};
    m->cables[0][1] = (end){&m->c, 0};
    m->cables[1][0] = (end){&m->c, 1};
    m->cables[1][1] = (end){&m->b, 0};
    m->ncables = 2;
    EXPECT(nexus_name_hash(profile, "nexus.test.a", 12, name) == NEXUS_OK);
    EXPECT(nexus_node_add_destination(m->a.n, name, 1, m->dest_a) == NEXUS_OK);
    EXPECT(nexus_name_hash(profile, "nexus.test.b", 12, name) == NEXUS_OK);
    EXPECT(nexus_node_add_destination(m->b.n, name, 1, m->dest_b) == NEXUS_OK);
    EXPECT(nexus_name_hash(profile, "nexus.test.c", 12, name) == NEXUS_OK);
    EXPECT(nexus_node_add_destination(m->c.n, name, 1, m->dest_c) == NEXUS_OK);
}

/* Runs the line from `from` to `to` ms in steps of `step`. */
static void run_until(mesh* m, uint64_t from, uint64_t to, uint64_t step) {
    for (uint64_t t = from; t <= to; t += step) run(m, t);
}

/* The best route of p to dest checked against the line: hops, first hop, cost code. */
static void expect_route(const peer* p, const uint8_t* dest, uint64_t now, int hops, uint8_t iface,
                         const uint8_t* via, uint16_t cost_code) {
    nexus_routing_entry e;
    memset(&e, 0x5A, sizeof e);
    EXPECT(nexus_node_best_route(p->n, dest, NEXUS_NODE_OWN_POLICY, now, &e) == NEXUS_OK);
    EXPECT(memcmp(e.destination, dest, 16) == 0);
    EXPECT(e.cost.hop_count == hops);
    EXPECT(e.iface == iface && memcmp(e.hop_address, via, 16) == 0);
    EXPECT(e.cost.cumulative_cost == cost_code);
    EXPECT(e.cost.worst_latency_ms == LINE_LATENCY);
    EXPECT(e.cost.bottleneck_bps == 8 * ilog2(LINE_BW));
    EXPECT(e.state == 0 && e.failed == 0 && e.lamport >= 1 && e.expires_ms > now);
    /* Every policy has only this one path to choose. */
    for (int policy = NEXUS_POLICY_CHEAPEST; policy <= NEXUS_POLICY_BALANCED; ++policy) {
        nexus_routing_entry x;
        EXPECT(nexus_node_best_route(p->n, dest, policy, now, &x) == NEXUS_OK);
        EXPECT(memcmp(&x, &e, sizeof x) == 0);
    }
}

/* The app data of the last announce of dest on the wire (HEADER_1, as its origin sent it). */
static int last_announce_of(const mesh* m, const uint8_t* dest, nexus_announce* info) {
    int found = 0;
    for (size_t i = 0; i < m->ncaptured; ++i) {
        const frame* f = &m->captured[i];
        if (f->b[0] != 0x01 || memcmp(f->b + 2, dest, 16) != 0) continue;
        found = nexus_announce_validate(m->profile, f->b, f->len, info) == NEXUS_OK;
    }
    return found;
}

static void expect_budget(const peer* p, uint8_t iface, uint64_t now) {
    /* The spec's shares of LINE_BW over the 60 s round, in bytes: 3 %, 3 %, 2 %, 2 %. */
    const uint64_t share_permille[4] = {30, 30, 20, 20};
    nexus_node_budget b;
    EXPECT(nexus_node_budget_get(p->n, iface, now, &b) == NEXUS_OK);
    EXPECT(b.bandwidth_bps == LINE_BW && b.constrained == 0);
    for (int t = 0; t < NEXUS_NODE_TIERS; ++t) {
        const uint64_t capacity = share_permille[t] * LINE_BW * 60 / 8000;
        EXPECT(b.capacity[t] == capacity);
        EXPECT(b.available[t] <= capacity);
        if (t > 0)
            EXPECT(b.stats[t].bytes_sent == 0 && b.stats[t].messages == 0 && b.available[t] == capacity);
    }
    /* Routing gossip spent something, within the bucket plus what it earned since the start (t = 0). */
    const uint64_t earned = share_permille[0] * LINE_BW * now / 8000000;
    EXPECT(b.stats[0].bytes_sent > 0 && b.stats[0].messages > 0);
    EXPECT(b.stats[0].bytes_sent <= b.capacity[0] + earned);
    EXPECT(b.capacity[0] + earned - b.stats[0].bytes_sent >= b.available[0]);
}

static void expect_neighbours(const peer* p, size_t count, const peer* n0, const peer* n1, uint64_t now) {
    size_t n = 99;
    EXPECT(nexus_node_neighbour_count(p->n, &n) == NEXUS_OK && n == count);
    int seen0 = 0, seen1 = 0;
    for (size_t i = 0; i < n; ++i) {
        nexus_node_neighbour x;
        EXPECT(nexus_node_neighbour_at(p->n, i, &x) == NEXUS_OK);
        EXPECT(x.down == 0 && x.last_heard_ms <= now && x.counter >= 1);
        if (memcmp(x.id, n0->hash, 16) == 0 && x.iface == 0) ++seen0;
        if (n1 && memcmp(x.id, n1->hash, 16) == 0 && x.iface == 1) ++seen1;
    }
    EXPECT(seen0 == 1 && seen1 == (n1 ? 1 : 0));
    nexus_node_neighbour x;
    EXPECT(nexus_node_neighbour_at(p->n, n, &x) == NEXUS_ERR_OUT_OF_RANGE);
}

static void test_gossip_line(int profile) {
    const uint32_t fee = 15;
    const uint16_t fee_code = (uint16_t)(16 * ilog2(fee + 1)); /* round(16 log2(16)) = 64 */
    mesh m;
    open_line(&m, profile, fee);
    const uint64_t end_ms = 5000;
    run_until(&m, 0, end_ms, 100);
    EXPECT(m.a.errors == 0 && m.b.errors == 0 && m.c.errors == 0);

    /* Routes: hop count = distance on the line; C's fee in what it relays (not on its own). */
    expect_route(&m.a, m.dest_b, end_ms, 2, 0, m.c.hash, fee_code);
    expect_route(&m.b, m.dest_a, end_ms, 2, 0, m.c.hash, fee_code);
    expect_route(&m.a, m.dest_c, end_ms, 1, 0, m.c.hash, 0);
    expect_route(&m.b, m.dest_c, end_ms, 1, 0, m.c.hash, 0);
    expect_route(&m.c, m.dest_a, end_ms, 1, 0, m.a.hash, 0);
    expect_route(&m.c, m.dest_b, end_ms, 1, 1, m.b.hash, 0);

    /* The table: only other nodes' destinations; one trusted path to each (a path offered back
     * through the node itself is held as suspect). */
    const peer* nodes[3] = {&m.a, &m.b, &m.c};
    const uint8_t* own[3] = {m.dest_a, m.dest_b, m.dest_c};
    for (int i = 0; i < 3; ++i) {
        size_t count = 0, usable = 0;
        EXPECT(nexus_node_route_count(nodes[i]->n, &count) == NEXUS_OK && count >= 2);
        for (size_t k = 0; k < count; ++k) {
            nexus_routing_entry e;
            EXPECT(nexus_node_route_at(nodes[i]->n, k, &e) == NEXUS_OK);
            EXPECT(memcmp(e.destination, own[i], 16) != 0);
            int known = 0;
            for (int j = 0; j < 3; ++j) known |= j != i && memcmp(e.destination, own[j], 16) == 0;
            EXPECT(known);
            if (e.state == 0 && !e.failed && !e.suspect) ++usable;
            if (k > 0) { /* ordered by destination bytes */
                nexus_routing_entry prev;
                EXPECT(nexus_node_route_at(nodes[i]->n, k - 1, &prev) == NEXUS_OK);
                EXPECT(memcmp(prev.destination, e.destination, 16) <= 0);
            }
        }
        EXPECT(usable == 2);
        nexus_routing_entry e;
        EXPECT(nexus_node_route_at(nodes[i]->n, count, &e) == NEXUS_ERR_OUT_OF_RANGE);
        EXPECT(nexus_node_best_route(nodes[i]->n, own[i], NEXUS_NODE_OWN_POLICY, end_ms, &e) ==
               NEXUS_ERR_NOT_FOUND);
    }

    /* The Lamport time of A's path to B is the one B's announce carried (TLV 0x01 of its NEXUS
     * extension, read from the wire here); B's clock is at least that. */
    nexus_announce info;
    uint64_t carried = 0, clock_b = 0;
    EXPECT(last_announce_of(&m, m.dest_b, &info));
    EXPECT(nexus_announce_ext_lamport_timestamp(info.app_data, info.app_data_len, &carried) == NEXUS_OK);
    nexus_announce_ext ext;
    EXPECT(nexus_announce_ext_parse(info.app_data, info.app_data_len, &ext) == NEXUS_OK);
    EXPECT(ext.path_cost.cumulative_cost == 0 && ext.path_cost.hop_count == 0 &&
           ext.path_cost.bottleneck_bps == 255);
    nexus_routing_entry e;
    EXPECT(nexus_node_best_route(m.a.n, m.dest_b, NEXUS_NODE_OWN_POLICY, end_ms, &e) == NEXUS_OK);
    EXPECT(e.lamport == carried && carried >= 1);
    EXPECT(nexus_node_lamport(m.b.n, &clock_b) == NEXUS_OK && clock_b >= carried);

    /* Budgets and neighbours. */
    expect_budget(&m.a, 0, end_ms);
    expect_budget(&m.c, 0, end_ms);
    expect_budget(&m.c, 1, end_ms);
    expect_budget(&m.b, 0, end_ms);
    expect_neighbours(&m.c, 2, &m.a, &m.b, end_ms);
    expect_neighbours(&m.a, 1, &m.c, NULL, end_ms);
    expect_neighbours(&m.b, 1, &m.c, NULL, end_ms);

    /* Counters. */
    for (int i = 0; i < 3; ++i) {
        nexus_node_stats st;
        EXPECT(nexus_node_stats_get(nodes[i]->n, &st) == NEXUS_OK);
        EXPECT(st.gossip_sent > 0 && st.gossip_bytes_sent > st.gossip_sent && st.gossip_received > 0);
        EXPECT(st.gossip_rejected == 0 && st.adverts_merged > 0 && st.neighbours_down == 0);
        EXPECT(st.announces_sent == 1); /* first boot (and the new interfaces, before it) */
    }

    /* A cost change above 25 % is an announce trigger; one of 10 % is not. The budget follows. */
    nexus_node_interface_metrics metrics;
    nexus_node_stats st;
    EXPECT(nexus_node_interface_metrics_get(m.a.n, 0, &metrics) == NEXUS_OK);
    EXPECT(metrics.bandwidth_bps == LINE_BW && metrics.latency_ms == LINE_LATENCY && metrics.shared == 0);
    metrics.bandwidth_bps = LINE_BW + LINE_BW / 10;
    EXPECT(nexus_node_set_interface_metrics(m.a.n, 0, &metrics, end_ms + 100) == NEXUS_OK);
    run(&m, end_ms + 100);
    EXPECT(nexus_node_stats_get(m.a.n, &st) == NEXUS_OK && st.announces_sent == 1);
    metrics.bandwidth_bps = 2 * LINE_BW;
    EXPECT(nexus_node_set_interface_metrics(m.a.n, 0, &metrics, end_ms + 200) == NEXUS_OK);
    run(&m, end_ms + 200);
    EXPECT(nexus_node_stats_get(m.a.n, &st) == NEXUS_OK && st.announces_sent == 2);
    nexus_node_budget b;
    EXPECT(nexus_node_budget_get(m.a.n, 0, end_ms + 200, &b) == NEXUS_OK);
    EXPECT(b.bandwidth_bps == 2 * LINE_BW && b.capacity[0] == 30ull * 2 * LINE_BW * 60 / 8000);
    size_t count = 0;
    EXPECT(nexus_node_interface_count(m.a.n, &count) == NEXUS_OK && count == 1);
    EXPECT(nexus_node_interface_count(m.c.n, &count) == NEXUS_OK && count == 2);

    /* announce_nexus with an extra TLV: B's next announce reaches A with it, after the Lamport TLV,
     * which is one past B's clock (the clock has moved past A's announce just heard) or the time in
     * seconds, whichever is later. */
    const uint8_t tlv[5] = {0x7E, 3, 'x', 'y', 'z'};
    const int announces_before = m.a.events[NEXUS_NODE_EVENT_ANNOUNCE];
    uint64_t clock_a = 0;
    EXPECT(nexus_node_lamport(m.a.n, &clock_a) == NEXUS_OK);
    EXPECT(nexus_node_lamport(m.b.n, &clock_b) == NEXUS_OK && clock_b >= clock_a);
    const uint64_t next = clock_b + 1 > (end_ms + 300) / 1000 ? clock_b + 1 : (end_ms + 300) / 1000;
    EXPECT(nexus_node_announce_nexus(m.b.n, m.dest_b, end_ms + 300, tlv, sizeof tlv) == NEXUS_OK);
    run(&m, end_ms + 300);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_ANNOUNCE] == announces_before + 1);
    EXPECT(nexus_announce_ext_parse(m.a.last_data, m.a.last_data_len, &ext) == NEXUS_OK);
    EXPECT(ext.tlv_count == 2 && ext.tlvs_len == 10 + sizeof tlv &&
           memcmp(ext.tlvs + 10, tlv, sizeof tlv) == 0);
    EXPECT(nexus_announce_ext_lamport_timestamp(m.a.last_data, m.a.last_data_len, &carried) == NEXUS_OK);
    EXPECT(carried == next);
    EXPECT(nexus_node_lamport(m.b.n, &clock_b) == NEXUS_OK && clock_b == carried);
    EXPECT(nexus_node_announce_nexus(m.b.n, m.dest_b, end_ms + 300, tlv, 4) == NEXUS_ERR_TRUNCATED);
    uint8_t big[130];
    memset(big, 0, sizeof big);
    EXPECT(nexus_node_announce_nexus(m.b.n, m.dest_b, end_ms + 300, big, sizeof big) ==
           NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_node_announce_nexus(m.b.n, zeros16, end_ms + 300, NULL, 0) == NEXUS_ERR_NOT_FOUND);

    /* A link along the gossiped path under another policy. */
    uint8_t link[16];
    int state = -1;
    EXPECT(nexus_node_open_link_with_policy(m.a.n, m.dest_b, end_ms + 400, 7, link) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_open_link_with_policy(m.a.n, m.dest_b, end_ms + 400, NEXUS_POLICY_FASTEST, link) ==
           NEXUS_OK);
    run(&m, end_ms + 400);
    EXPECT(nexus_node_link_state(m.a.n, link, &state) == NEXUS_OK && state == NEXUS_LINK_ACTIVE);
    /* Past 5 s C has sent again the announces it sent or relayed at the start to the ends, which,
     * as end nodes, never passed them on (node/announcer.hpp "Retries"): the ends drop those copies
     * as duplicates, and that is all they refused. */
    nexus_node_stats st_c;
    EXPECT(nexus_node_stats_get(m.c.n, &st_c) == NEXUS_OK && st_c.announce_retries > 0);
    EXPECT(m.a.replays > 0 && m.b.replays > 0);
    EXPECT(m.a.errors == m.a.replays && m.b.errors == m.b.replays && m.c.errors == 0);
    close_mesh(&m);
}

/* Gossip off (the default): the table still learns from announces; no budget, no neighbours. */
static void test_routes_without_gossip(void) {
    mesh m;
    open_mesh(&m, NEXUS_PROFILE_NEXUS);
    announce_b(&m, 0);
    size_t count = 9;
    nexus_routing_entry e;
    EXPECT(nexus_node_route_count(m.a.n, &count) == NEXUS_OK && count == 1);
    EXPECT(nexus_node_route_at(m.a.n, 0, &e) == NEXUS_OK);
    EXPECT(memcmp(e.destination, m.dest_b, 16) == 0 && memcmp(e.hop_address, m.c.hash, 16) == 0 &&
           e.iface == 0 && e.cost.hop_count == 2 && e.cost.cumulative_cost == 0 && e.state == 0 &&
           e.failed == 0);
    /* Default interface metrics: 1,000,000 bps -> bandwidth code round(8 log2 1e6) = 159. */
    EXPECT(e.cost.bottleneck_bps == 159 && e.cost.worst_latency_ms == 0);
    EXPECT(nexus_node_best_route(m.c.n, m.dest_b, NEXUS_NODE_OWN_POLICY, 0, &e) == NEXUS_OK);
    EXPECT(e.cost.hop_count == 1 && e.iface == 1 && memcmp(e.hop_address, m.b.hash, 16) == 0);
    nexus_node_budget b;
    EXPECT(nexus_node_budget_get(m.a.n, 0, 0, &b) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_neighbour_count(m.c.n, &count) == NEXUS_OK && count == 0);
    nexus_node_stats st;
    EXPECT(nexus_node_stats_get(m.b.n, &st) == NEXUS_OK && st.announces_sent == 1 && st.gossip_sent == 0);
    close_mesh(&m);
}

static void test_routing_errors(void) {
    mesh m;
    open_mesh(&m, NEXUS_PROFILE_NEXUS);
    nexus_node* a = m.a.n;
    nexus_node_config config, keep_config;
    nexus_node* n = (nexus_node*)&m;
    nexus_node* const keep = n;

    /* Config defaults and the new checks. */
    EXPECT(nexus_node_config_default(&config) == NEXUS_OK);
    EXPECT(config.policy == NEXUS_POLICY_BALANCED && config.gossip == 0 && config.auto_announce == 0 &&
           config.relay_fee == 0 && config.announce_interval_ms == 1800000 &&
           config.gossip_interval_ms == 60000 && config.active_intervals == 3 &&
           config.stale_intervals == 1 && config.down_rounds == 3 && config.evict_rounds == 10);
    /* Rebroadcast rate control: a minute's target, a grace of 5, no penalty (node/context.hpp). */
    EXPECT(config.announce_rate_target_ms == 60000 && config.announce_rate_grace == 5 &&
           config.announce_rate_penalty_ms == 0);
    keep_config = config;
    config.policy = 4;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.policy = NEXUS_NODE_OWN_POLICY;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.gossip_interval_ms = 0;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.announce_interval_ms = 0;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.evict_rounds = 2;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.down_rounds = 0;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.active_intervals = 0;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.announce_rate_grace = 256;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.announce_rate_target_ms = UINT64_MAX;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.announce_rate_penalty_ms = UINT64_MAX;
    EXPECT(nexus_node_new(0, m.a.key, 0, &config, 1, 1, &n) == NEXUS_ERR_INVALID_ARGUMENT && n == keep);
    config = keep_config;
    config.policy = NEXUS_POLICY_CHEAPEST;
    config.announce_rate_grace = 255;
    config.announce_rate_target_ms = 0;
    config.relay_fee = 0xFFFFFFFFu;
    config.stale_intervals = 0;
    EXPECT(nexus_node_new(0, m.a.key, 1, &config, 1, 1, &n) == NEXUS_OK && n != keep);
    nexus_node_free(n);

    /* Unknown interfaces, policies and indexes. */
    nexus_node_interface_metrics metrics;
    nexus_node_budget b;
    nexus_routing_entry e;
    nexus_node_neighbour nb;
    size_t count;
    uint64_t lamport = 7;
    uint8_t iface = 0, link[16];
    EXPECT(nexus_node_interface_metrics_default(&metrics) == NEXUS_OK);
    EXPECT(nexus_node_set_interface_metrics(a, 1, &metrics, 0) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_set_interface_metrics(a, 0xFF, &metrics, 0) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_interface_metrics_get(a, 1, &metrics) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_budget_get(a, 1, 0, &b) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_best_route(a, m.dest_b, 4, 0, &e) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_best_route(a, m.dest_b, -2, 0, &e) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_node_best_route(a, m.dest_b, NEXUS_POLICY_FASTEST, 0, &e) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_route_at(a, 0, &e) == NEXUS_ERR_OUT_OF_RANGE);
    EXPECT(nexus_node_neighbour_at(a, 0, &nb) == NEXUS_ERR_OUT_OF_RANGE);
    EXPECT(nexus_node_lamport(a, &lamport) == NEXUS_OK && lamport == 0);
    EXPECT(nexus_node_open_link_with_policy(a, m.dest_b, 0, NEXUS_POLICY_FASTEST, link) ==
           NEXUS_ERR_NOT_FOUND);
    /* Metrics round-trip; the interface table fills up with them too. */
    metrics.bandwidth_bps = 9600;
    metrics.latency_ms = 1500;
    metrics.shared = 1;
    EXPECT(nexus_node_set_interface_metrics(a, 0, &metrics, 0) == NEXUS_OK);
    nexus_node_interface_metrics back;
    EXPECT(nexus_node_interface_metrics_get(a, 0, &back) == NEXUS_OK);
    EXPECT(back.bandwidth_bps == 9600 && back.latency_ms == 1500 && back.shared == 1);
    nexus_node_capacities caps;
    EXPECT(nexus_node_get_capacities(&caps) == NEXUS_OK);
    for (size_t i = 1; i < caps.interfaces; ++i)
        EXPECT(nexus_node_add_interface(a, i % 2 ? NULL : &metrics, 0, &iface) == NEXUS_OK && iface == i);
    EXPECT(nexus_node_add_interface(a, &metrics, 0, &iface) == NEXUS_ERR_FULL);
    EXPECT(nexus_node_interface_count(a, &count) == NEXUS_OK && count == caps.interfaces);
    EXPECT(nexus_node_interface_metrics_get(a, 1, &back) == NEXUS_OK && back.bandwidth_bps == 1000000 &&
           back.latency_ms == 0 && back.shared == 0);

    /* NULLs. */
    EXPECT(nexus_node_interface_metrics_default(NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_set_interface_metrics(NULL, 0, &metrics, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_set_interface_metrics(a, 0, NULL, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_interface_metrics_get(NULL, 0, &metrics) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_interface_metrics_get(a, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_interface_count(NULL, &count) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_interface_count(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_announce_nexus(NULL, m.dest_a, 0, NULL, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_announce_nexus(a, NULL, 0, NULL, 0) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_announce_nexus(a, m.dest_a, 0, NULL, 2) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_open_link_with_policy(NULL, m.dest_b, 0, 0, link) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_open_link_with_policy(a, NULL, 0, 0, link) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_open_link_with_policy(a, m.dest_b, 0, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_route_count(NULL, &count) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_route_count(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_route_at(NULL, 0, &e) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_route_at(a, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_best_route(NULL, m.dest_b, 0, 0, &e) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_best_route(a, NULL, 0, 0, &e) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_best_route(a, m.dest_b, 0, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_budget_get(NULL, 0, 0, &b) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_budget_get(a, 0, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_neighbour_count(NULL, &count) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_neighbour_count(a, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_neighbour_at(NULL, 0, &nb) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_neighbour_at(a, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_lamport(NULL, &lamport) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_lamport(a, NULL) == NEXUS_ERR_NULL_POINTER);
    close_mesh(&m);
}

/* Reliable messages both ways over a bridge that loses a tenth of the link data on each cable: each
 * arrives once, in order, with its sequence and context, and each is confirmed once by
 * LINK_DELIVERED; a full window is the only refusal. */
static void test_reliable_lossy(int profile) {
    mesh m;
    open_mesh(&m, profile);
    announce_b(&m, 0);
    uint8_t link[16], buf[NEXUS_LINK_MDU];
    open_link_ab(&m, link);
    m.loss_percent = 10;
    m.loss_state = 7;
    const int count = 150;
    int sent_a = 0, sent_b = 0, fulls = 0;
    uint64_t t = 1000;
    for (; t < 1000000; t += 50) {
        peer* from[2] = {&m.a, &m.b};
        int* sent[2] = {&sent_a, &sent_b};
        for (int k = 0; k < 2; ++k) {
            while (*sent[k] < count) {
                const size_t n = msg(k == 0 ? 'A' : 'B', *sent[k], buf);
                int seq = -1;
                const nexus_status s = nexus_node_send_reliable(from[k]->n, link, buf, n, t,
                                                                (uint8_t)(0x30 + *sent[k] % 5), &seq);
                if (s == NEXUS_ERR_FULL) {
                    fulls++;
                    break;
                }
                EXPECT(s == NEXUS_OK && seq == *sent[k]);
                if (s != NEXUS_OK) break;
                (*sent[k])++;
            }
        }
        run(&m, t);
        if (m.a.reliable_received == count && m.b.reliable_received == count && m.a.events[NEXUS_NODE_EVENT_LINK_DELIVERED] == count &&
            m.b.events[NEXUS_NODE_EVENT_LINK_DELIVERED] == count)
            break;
    }
    EXPECT(m.lost > 20 && fulls > 0);
    EXPECT(m.b.reliable_received == count && m.b.reliable_wrong == 0);
    EXPECT(m.a.reliable_received == count && m.a.reliable_wrong == 0);
    int once_a = 0, once_b = 0;
    for (int i = 0; i < count; ++i) {
        once_a += m.a.delivered[i] == 1;
        once_b += m.b.delivered[i] == 1;
    }
    EXPECT(once_a == count && once_b == count);
    EXPECT(m.a.events[NEXUS_NODE_EVENT_LINK_DELIVERED] == count && m.b.events[NEXUS_NODE_EVENT_LINK_DELIVERED] == count);
    EXPECT(m.a.received == 0 && m.b.received == 0); /* nothing arrived as plain data */
    int state = -1;
    EXPECT(nexus_node_link_state(m.a.n, link, &state) == NEXUS_OK && state == NEXUS_LINK_ACTIVE);
    /* The channels' counters agree with what the test saw: count first transmissions and count
     * confirmations each way, repeats for the lost ones, nothing outstanding. */
    nexus_node_channel_info ca, cb;
    EXPECT(nexus_node_channel_info_get(m.a.n, link, &ca) == NEXUS_OK);
    EXPECT(nexus_node_channel_info_get(m.b.n, link, &cb) == NEXUS_OK);
    EXPECT(ca.window == 4 && ca.messages_sent == (uint64_t)count && ca.messages_acked == (uint64_t)count &&
           ca.messages_received == (uint64_t)count && ca.retransmissions > 0 && ca.in_flight == 0 &&
           ca.unacknowledged == 0 && ca.rto_ms >= 200 && ca.malformed == 0);
    EXPECT(cb.messages_sent == (uint64_t)count && cb.messages_acked == (uint64_t)count &&
           cb.messages_received == (uint64_t)count);
    EXPECT(nexus_node_channel_info_get(m.a.n, zeros16, &ca) == NEXUS_ERR_NOT_FOUND);
    EXPECT(nexus_node_channel_info_get(m.a.n, link, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_channel_info_get(NULL, link, &ca) == NEXUS_ERR_NULL_POINTER);

    /* Bad input. */
    int seq = -1;
    EXPECT(nexus_node_send_reliable(m.a.n, link, buf, NEXUS_CHANNEL_MDU + 1, t, 0, &seq) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_node_send_reliable(m.a.n, zeros16, buf, 1, t, 0, &seq) == NEXUS_ERR_NOT_FOUND && seq == -1);
    EXPECT(nexus_node_send_reliable(NULL, link, buf, 1, t, 0, &seq) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_send_reliable(m.a.n, NULL, buf, 1, t, 0, &seq) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_send_reliable(m.a.n, link, NULL, 1, t, 0, &seq) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_node_send(m.a.n, link, buf, 7, t, 0x0E) == NEXUS_ERR_INVALID_ARGUMENT); /* the channel's */
    EXPECT(nexus_node_send_reliable(m.a.n, link, NULL, 0, t, 0, NULL) == NEXUS_OK); /* empty, no seq wanted */
    close_mesh(&m);
}

int main(void) {
    test_capacities();
    test_announce_crosses_bridge(NEXUS_PROFILE_NEXUS);
    test_announce_crosses_bridge(NEXUS_PROFILE_RETICULUM);
    test_link_across_bridge(NEXUS_PROFILE_NEXUS);
    test_link_across_bridge(NEXUS_PROFILE_RETICULUM);
    test_forged_and_replayed(NEXUS_PROFILE_NEXUS);
    test_forged_and_replayed(NEXUS_PROFILE_RETICULUM);
    test_reliable_lossy(NEXUS_PROFILE_NEXUS);
    test_reliable_lossy(NEXUS_PROFILE_RETICULUM);
    test_request_path(NEXUS_PROFILE_NEXUS);
    test_request_path(NEXUS_PROFILE_RETICULUM);
    test_timeout_and_deadline();
    test_determinism();
    test_errors();
    test_routes_without_gossip();
    test_gossip_line(NEXUS_PROFILE_NEXUS);
    test_gossip_line(NEXUS_PROFILE_RETICULUM);
    test_routing_errors();
    return report("nexus C ABI node");
}
