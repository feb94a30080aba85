/* Tests the link part of the nexus C ABI (nexus_link.h) from C99: two links driven in memory
 * through the handshake in both profiles, messages both ways, a tampered packet (auth_failed), a
 * replayed one (replayed), a close reaching the peer, identification, rotation and the error
 * contract. Independent truth: the link id recomputed from the request bytes with the profile's
 * hash (BLAKE2b-256 or SHA-256 of (flags & 0x0F) || destination || context || 64 request bytes,
 * first 16 bytes), the request and data packet layouts written out by hand, and deterministic
 * handles reproducing each other byte for byte. */
#include "harness.h"

#define NOW 1000u

/* A pair of handles in the active state, and the packets of the handshake. */
typedef struct pair {
    int profile;
    uint8_t server_key[64], server_pub[64], client_key[64], client_pub[64];
    uint8_t dest[16];
    nexus_link* a; /* initiator */
    nexus_link* b; /* responder */
    uint8_t request[NEXUS_PACKET_MTU];
    size_t request_len;
} pair;

static void seed_key(uint8_t fill, uint8_t* key, uint8_t* pub) {
    uint8_t seed[32];
    memset(seed, fill, sizeof seed);
    EXPECT(nexus_identity_from_seed(seed, key) == NEXUS_OK);
    EXPECT(nexus_identity_public_key(key, pub) == NEXUS_OK);
}

/* Takes one packet out of link (must be there). */
static size_t poll_one(nexus_link* link, uint64_t now, uint8_t* out) {
    size_t n = 0;
    EXPECT(nexus_link_poll_transmit(link, now, out, NEXUS_PACKET_MTU, &n) == NEXUS_OK);
    return n;
}

static int state_of(const nexus_link* link) {
    int s = -1;
    EXPECT(nexus_link_state(link, &s) == NEXUS_OK);
    return s;
}

/* Digest of the profile (computed with the crypto functions, tested against their RFCs in
 * test_crypto_c.c). */
static void profile_digest(int profile, const uint8_t* in, size_t n, uint8_t* out32) {
    if (profile == NEXUS_PROFILE_NEXUS)
        EXPECT(nexus_blake2b(in, n, NULL, 0, out32, 32) == NEXUS_OK);
    else
        EXPECT(nexus_sha256(in, n, out32) == NEXUS_OK);
}

static void open_pair(pair* p, int profile, int deterministic) {
    uint8_t pkt[NEXUS_PACKET_MTU], plain[NEXUS_LINK_MDU], id_hash[16], name[10];
    nexus_link_event ev;
    memset(p, 0, sizeof *p);
    p->profile = profile;
    seed_key(0x11, p->server_key, p->server_pub);
    seed_key(0x22, p->client_key, p->client_pub);
    EXPECT(nexus_identity_hash(profile, p->server_pub, id_hash) == NEXUS_OK);
    EXPECT(nexus_name_hash(profile, "nexus.test.link", 15, name) == NEXUS_OK);
    EXPECT(nexus_destination_hash(profile, name, id_hash, p->dest) == NEXUS_OK);

    EXPECT(nexus_link_initiate(profile, p->server_pub, p->dest, NOW, NULL, deterministic, 100, &p->a) ==
           NEXUS_OK);
    EXPECT(state_of(p->a) == NEXUS_LINK_PENDING);
    uint64_t deadline = 7;
    EXPECT(nexus_link_next_deadline(p->a, &deadline) == NEXUS_OK && deadline == 0);
    p->request_len = poll_one(p->a, NOW, p->request);
    EXPECT(poll_one(p->a, NOW, pkt) == 0);

    EXPECT(nexus_link_accept(profile, p->server_key, p->request, p->request_len, NOW, NULL, deterministic,
                             200, &p->b) == NEXUS_OK);
    EXPECT(state_of(p->b) == NEXUS_LINK_HANDSHAKE);
    const size_t proof_len = poll_one(p->b, NOW, pkt);
    /* Proof: flags 0x0F (HEADER_1, link, proof), to the link id, context 0xFF, 96 bytes. */
    EXPECT(proof_len == 19 + 96 && pkt[0] == 0x0F && pkt[18] == 0xFF);

    EXPECT(nexus_link_receive(p->a, pkt, proof_len, NOW + 40, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_ESTABLISHED && ev.data_len == 0);
    EXPECT(state_of(p->a) == NEXUS_LINK_ACTIVE);
    const size_t rtt_len = poll_one(p->a, NOW + 40, pkt);
    EXPECT(rtt_len == 19 + 25 + 4 && pkt[18] == 0xFE);
    EXPECT(nexus_link_receive(p->b, pkt, rtt_len, NOW + 60, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_ESTABLISHED);
    EXPECT(state_of(p->b) == NEXUS_LINK_ACTIVE);
    nexus_link_info info;
    EXPECT(nexus_link_info_get(p->a, &info) == NEXUS_OK && info.rtt_ms == 40 &&
           info.role == NEXUS_LINK_INITIATOR);
    EXPECT(nexus_link_info_get(p->b, &info) == NEXUS_OK && info.rtt_ms == 40 &&
           info.role == NEXUS_LINK_RESPONDER);
}

static void close_pair(pair* p) {
    nexus_link_free(p->a);
    nexus_link_free(p->b);
}

/* Sends data from one side; the other must get exactly it. Returns the packet size. */
static size_t roundtrip(nexus_link* from, nexus_link* to, const uint8_t* data, size_t n, uint8_t ctx,
                        uint8_t* pkt) {
    uint8_t plain[NEXUS_LINK_MDU];
    size_t len = 0;
    nexus_link_event ev;
    EXPECT(nexus_link_send(from, data, n, ctx, NOW + 100, pkt, NEXUS_PACKET_MTU, &len) == NEXUS_OK);
    EXPECT(len == 19 + 25 + n);
    EXPECT(nexus_link_receive(to, pkt, len, NOW + 100, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_DATA && ev.context == ctx && ev.data_len == n &&
           (n == 0 || memcmp(plain, data, n) == 0));
    return len;
}

static void test_handshake_and_messages(int profile) {
    pair p;
    open_pair(&p, profile, 1);

    /* Request layout by hand: flags 0x02 (link request, single), hops 0, destination, context 0,
     * 64 bytes (ephemeral X25519 public || nonce). */
    EXPECT(p.request_len == NEXUS_LINK_REQUEST_BYTES);
    EXPECT(p.request[0] == 0x02 && p.request[1] == 0 && memcmp(p.request + 2, p.dest, 16) == 0 &&
           p.request[18] == 0);

    /* Link id = profile digest of (flags & 0x0F) || destination || context || 64 bytes, first 16. */
    uint8_t input[1 + 16 + 1 + 64], digest[32], id_a[16], id_b[16];
    input[0] = p.request[0] & 0x0F;
    memcpy(input + 1, p.request + 2, 16 + 1 + 64);
    profile_digest(profile, input, sizeof input, digest);
    EXPECT(nexus_link_id(p.a, id_a) == NEXUS_OK && nexus_link_id(p.b, id_b) == NEXUS_OK);
    EXPECT(memcmp(id_a, digest, 16) == 0 && memcmp(id_b, digest, 16) == 0);

    /* Messages both ways; a data packet is flags 0x0C (HEADER_1, data, link), hops 0, link id,
     * context, epoch 0, counter (8, LE), ciphertext, tag. */
    uint8_t pkt[NEXUS_PACKET_MTU], msg[NEXUS_LINK_MDU];
    for (size_t i = 0; i < sizeof msg; ++i) msg[i] = (uint8_t)(i * 7 + 1);
    size_t len = roundtrip(p.a, p.b, (const uint8_t*)"hello responder", 15, 0, pkt);
    EXPECT(pkt[0] == 0x0C && pkt[1] == 0 && memcmp(pkt + 2, id_a, 16) == 0 && pkt[18] == 0 && pkt[19] == 0);
    /* The initiator sent the RTT packet with counter 0, so this is counter 1. */
    EXPECT(pkt[20] == 1 && pkt[21] == 0 && pkt[27] == 0 && len == 19 + 25 + 15);
    roundtrip(p.b, p.a, (const uint8_t*)"hello initiator", 15, 0, pkt);
    EXPECT(pkt[20] == 0);
    roundtrip(p.a, p.b, msg, sizeof msg, 0x42, pkt);
    roundtrip(p.b, p.a, NULL, 0, 0, pkt);

    /* Too much data, a control context, a short output buffer. */
    size_t n = 99;
    EXPECT(nexus_link_send(p.a, msg, NEXUS_LINK_MDU + 1, 0, NOW, pkt, sizeof pkt, &n) ==
           NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_link_send(p.a, msg, 4, 0xFC, NOW, pkt, sizeof pkt, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_link_send(p.a, msg, 4, 0, NOW, pkt, 19 + 25 + 3, &n) == NEXUS_ERR_BUFFER_TOO_SMALL &&
           n == 99);

    nexus_link_stats st;
    EXPECT(nexus_link_stats_get(p.a, &st) == NEXUS_OK);
    EXPECT(st.bytes_sent == 15 + NEXUS_LINK_MDU && st.bytes_received == 15 && st.rejected_auth == 0);
    close_pair(&p);
}

static void test_rejections_and_close(int profile) {
    pair p;
    open_pair(&p, profile, 1);
    uint8_t pkt[NEXUS_PACKET_MTU], plain[NEXUS_LINK_MDU], saved[NEXUS_PACKET_MTU];
    nexus_link_event ev = {77, 77, 77};
    size_t len = 0;
    EXPECT(nexus_link_send(p.a, (const uint8_t*)"secret", 6, 0, NOW + 100, pkt, sizeof pkt, &len) ==
           NEXUS_OK);
    memcpy(saved, pkt, len);

    /* Every flipped byte from the context on is refused (context and epoch are authenticated as
     * associated data, the counter as the nonce). */
    for (size_t i = 18; i < len; ++i) {
        pkt[i] ^= 0x01;
        memset(plain, 0xAA, sizeof plain);
        const nexus_status s = nexus_link_receive(p.b, pkt, len, NOW + 100, &ev, plain, sizeof plain);
        /* Byte 19 is the epoch: epoch 1 is not known yet (bad_state). Byte 20 is the counter's low
         * byte: 1 becomes 0, the counter of the RTT packet already received (replayed). */
        EXPECT(s == (i == 19 ? NEXUS_ERR_BAD_STATE : i == 20 ? NEXUS_ERR_REPLAYED : NEXUS_ERR_AUTH_FAILED));
        EXPECT(ev.kind == 77 && plain[0] == 0xAA);
        pkt[i] ^= 0x01;
    }
    /* The original still opens after all that, once; then it is a replay. */
    EXPECT(nexus_link_receive(p.b, saved, len, NOW + 100, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_DATA && ev.data_len == 6 && memcmp(plain, "secret", 6) == 0);
    EXPECT(nexus_link_receive(p.b, saved, len, NOW + 100, &ev, plain, sizeof plain) == NEXUS_ERR_REPLAYED);
    nexus_link_stats st;
    EXPECT(nexus_link_stats_get(p.b, &st) == NEXUS_OK);
    EXPECT(st.rejected_auth == len - 18 - 2 && st.rejected_state == 1 && st.rejected_replay == 2);

    /* A too-small plaintext buffer does not consume the packet. */
    EXPECT(nexus_link_send(p.a, (const uint8_t*)"abcdef", 6, 0, NOW + 100, pkt, sizeof pkt, &len) ==
           NEXUS_OK);
    EXPECT(nexus_link_receive(p.b, pkt, len, NOW + 100, &ev, plain, 5) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_link_receive(p.b, pkt, len, NOW + 100, &ev, plain, 6) == NEXUS_OK && ev.data_len == 6);

    /* A packet for another link; garbage. */
    uint8_t other[NEXUS_PACKET_MTU];
    memcpy(other, pkt, len);
    other[5] ^= 0xFF;
    EXPECT(nexus_link_receive(p.b, other, len, NOW + 100, &ev, plain, sizeof plain) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_link_receive(p.b, other, 10, NOW + 100, &ev, plain, sizeof plain) == NEXUS_ERR_TRUNCATED);

    /* Close reaches the peer. */
    EXPECT(nexus_link_close(p.a) == NEXUS_OK);
    EXPECT(state_of(p.a) == NEXUS_LINK_CLOSED);
    EXPECT(nexus_link_close(p.a) == NEXUS_OK);
    len = poll_one(p.a, NOW + 200, pkt);
    EXPECT(len == 19 + 25 + 16 && pkt[18] == 0xFC);
    EXPECT(poll_one(p.a, NOW + 200, pkt + 400) == 0);
    uint64_t deadline = 0;
    EXPECT(nexus_link_next_deadline(p.a, &deadline) == NEXUS_OK && deadline == NEXUS_LINK_NO_DEADLINE);
    EXPECT(nexus_link_receive(p.b, pkt, len, NOW + 200, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_CLOSED);
    EXPECT(state_of(p.b) == NEXUS_LINK_CLOSED);
    nexus_link_info info;
    EXPECT(nexus_link_info_get(p.a, &info) == NEXUS_OK && info.close_reason == NEXUS_LINK_CLOSED_LOCAL);
    EXPECT(nexus_link_info_get(p.b, &info) == NEXUS_OK && info.close_reason == NEXUS_LINK_CLOSED_REMOTE);
    EXPECT(nexus_link_send(p.b, (const uint8_t*)"x", 1, 0, NOW, pkt, sizeof pkt, &len) ==
           NEXUS_ERR_BAD_STATE);
    EXPECT(nexus_link_rotate(p.b) == NEXUS_ERR_BAD_STATE);
    close_pair(&p);
}

static void test_identify_and_rotate(void) {
    pair p;
    nexus_link_config config;
    EXPECT(nexus_link_config_default(&config) == NEXUS_OK);
    EXPECT(config.establishment_timeout_ms == 30000 && config.keepalive_interval_ms == 120000 &&
           config.inactivity_timeout_ms == 360000 && config.rotate_interval_ms == 3600000 &&
           config.bandwidth_bps == 0 && config.require_identify == 0);
    open_pair(&p, NEXUS_PROFILE_NEXUS, 0); /* operating-system randomness */
    uint8_t pkt[NEXUS_PACKET_MTU], plain[NEXUS_LINK_MDU];
    nexus_link_event ev;
    nexus_link_info info;

    EXPECT(nexus_link_info_get(p.b, &info) == NEXUS_OK && info.identified == 0 && info.has_remote_key == 0);
    EXPECT(nexus_link_identify(p.b, p.client_key) == NEXUS_ERR_BAD_STATE);
    EXPECT(nexus_link_identify(p.a, p.client_key) == NEXUS_OK);
    size_t len = poll_one(p.a, NOW + 100, pkt);
    EXPECT(pkt[18] == 0xFB && len == 19 + 25 + 64 + 64);
    EXPECT(nexus_link_receive(p.b, pkt, len, NOW + 100, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_IDENTIFIED);
    EXPECT(nexus_link_info_get(p.b, &info) == NEXUS_OK && info.identified == 1 && info.has_remote_key == 1 &&
           memcmp(info.remote_public_key, p.client_pub, 64) == 0);
    EXPECT(nexus_link_info_get(p.a, &info) == NEXUS_OK &&
           memcmp(info.remote_public_key, p.server_pub, 64) == 0 &&
           memcmp(info.destination, p.dest, 16) == 0 && info.profile == NEXUS_PROFILE_NEXUS);

    /* Rotation: offer (a) -> answer (b) -> a switches and confirms in the new epoch -> b
     * switches on that first packet of epoch 1. */
    EXPECT(nexus_link_rotate(p.a) == NEXUS_OK);
    len = poll_one(p.a, NOW + 200, pkt);
    EXPECT(pkt[18] == 0xF0);
    EXPECT(nexus_link_receive(p.b, pkt, len, NOW + 200, &ev, plain, sizeof plain) == NEXUS_OK);
    len = poll_one(p.b, NOW + 200, pkt);
    EXPECT(nexus_link_receive(p.a, pkt, len, NOW + 200, &ev, plain, sizeof plain) == NEXUS_OK);
    EXPECT(ev.kind == NEXUS_LINK_EVENT_ROTATED);
    int b_rotated = 0;
    while ((len = poll_one(p.a, NOW + 200, pkt)) != 0) {
        EXPECT(pkt[19] == 1);
        EXPECT(nexus_link_receive(p.b, pkt, len, NOW + 200, &ev, plain, sizeof plain) == NEXUS_OK);
        b_rotated |= ev.kind == NEXUS_LINK_EVENT_ROTATED;
    }
    EXPECT(b_rotated);
    nexus_link_stats st;
    EXPECT(nexus_link_stats_get(p.a, &st) == NEXUS_OK && st.rotations == 1);
    EXPECT(nexus_link_info_get(p.a, &info) == NEXUS_OK && info.epoch == 1);
    EXPECT(nexus_link_info_get(p.b, &info) == NEXUS_OK && info.epoch == 1);
    roundtrip(p.a, p.b, (const uint8_t*)"after", 5, 0, pkt);
    EXPECT(pkt[19] == 1);
    roundtrip(p.b, p.a, (const uint8_t*)"rotation", 8, 0, pkt);
    close_pair(&p);
}

static void test_determinism_and_errors(void) {
    /* Two deterministic runs with the same seeds give the same bytes; an OS-random run does not. */
    pair p1, p2, p3;
    open_pair(&p1, NEXUS_PROFILE_RETICULUM, 1);
    open_pair(&p2, NEXUS_PROFILE_RETICULUM, 1);
    open_pair(&p3, NEXUS_PROFILE_RETICULUM, 0);
    EXPECT(memcmp(p1.request, p2.request, p1.request_len) == 0);
    EXPECT(memcmp(p1.request, p3.request, p1.request_len) != 0);
    close_pair(&p1);
    close_pair(&p2);
    close_pair(&p3);

    uint8_t key[64], pub[64], dest[16] = {0}, pkt[NEXUS_PACKET_MTU];
    seed_key(0x33, key, pub);
    nexus_link* l = (nexus_link*)&key; /* must stay untouched on failure */
    nexus_link* keep = l;
    EXPECT(nexus_link_initiate(2, pub, dest, 0, NULL, 1, 1, &l) == NEXUS_ERR_INVALID_ARGUMENT && l == keep);
    EXPECT(nexus_link_initiate(0, NULL, dest, 0, NULL, 1, 1, &l) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_initiate(0, pub, dest, 0, NULL, 1, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    uint8_t bad_pub[64];
    memcpy(bad_pub, pub, 64);
    memset(bad_pub + 32, 0xFF, 32); /* not a point */
    bad_pub[63] = 0x7F;
    EXPECT(nexus_link_initiate(0, bad_pub, dest, 0, NULL, 1, 1, &l) == NEXUS_ERR_BAD_ENCODING && l == keep);

    /* accept: not a link request, short data, bad profile. */
    nexus_packet pk;
    memset(&pk, 0, sizeof pk);
    pk.packet_type = NEXUS_PACKET_DATA;
    uint8_t data[64] = {9};
    pk.data = data;
    pk.data_len = 64;
    size_t n = 0;
    EXPECT(nexus_packet_encode(&pk, pkt, sizeof pkt, &n) == NEXUS_OK);
    EXPECT(nexus_link_accept(0, key, pkt, n, 0, NULL, 1, 1, &l) == NEXUS_ERR_INVALID_ARGUMENT && l == keep);
    pk.packet_type = NEXUS_PACKET_LINK_REQUEST;
    pk.data_len = 63;
    EXPECT(nexus_packet_encode(&pk, pkt, sizeof pkt, &n) == NEXUS_OK);
    EXPECT(nexus_link_accept(0, key, pkt, n, 0, NULL, 1, 1, &l) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_link_accept(0, key, pkt, 5, 0, NULL, 1, 1, &l) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_link_accept(-1, key, pkt, n, 0, NULL, 1, 1, &l) == NEXUS_ERR_INVALID_ARGUMENT);
    /* A small-order ephemeral key (all zeros) is refused. */
    pk.data_len = 64;
    memset(data, 0, sizeof data);
    EXPECT(nexus_packet_encode(&pk, pkt, sizeof pkt, &n) == NEXUS_OK);
    EXPECT(nexus_link_accept(0, key, pkt, n, 0, NULL, 1, 1, &l) == NEXUS_ERR_WEAK_KEY && l == keep);

    /* The establishment timeout from the config closes a pending link. */
    nexus_link_config config;
    EXPECT(nexus_link_config_default(&config) == NEXUS_OK);
    config.establishment_timeout_ms = 5000;
    EXPECT(nexus_link_initiate(0, pub, dest, 1000, &config, 1, 1, &l) == NEXUS_OK);
    uint64_t deadline = 0;
    EXPECT(poll_one(l, 1000, pkt) == NEXUS_LINK_REQUEST_BYTES);
    EXPECT(nexus_link_next_deadline(l, &deadline) == NEXUS_OK && deadline == 6000);
    EXPECT(poll_one(l, 5999, pkt) == 0 && state_of(l) == NEXUS_LINK_PENDING);
    EXPECT(poll_one(l, 6000, pkt) == 0 && state_of(l) == NEXUS_LINK_CLOSED);
    nexus_link_info info;
    EXPECT(nexus_link_info_get(l, &info) == NEXUS_OK && info.close_reason == NEXUS_LINK_CLOSED_ESTABLISHMENT);

    /* NULL handles and outputs. */
    int s;
    nexus_link_event ev;
    EXPECT(nexus_link_state(NULL, &s) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_state(l, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_id(l, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_send(NULL, data, 1, 0, 0, pkt, sizeof pkt, &n) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_send(l, NULL, 1, 0, 0, pkt, sizeof pkt, &n) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_receive(l, pkt, 20, 0, NULL, data, sizeof data) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_receive(l, NULL, 20, 0, &ev, data, sizeof data) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_poll_transmit(l, 0, pkt, sizeof pkt, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_next_deadline(NULL, &deadline) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_close(NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_identify(l, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_rotate(NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_stats_get(l, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_info_get(NULL, &info) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_link_config_default(NULL) == NEXUS_ERR_NULL_POINTER);
    nexus_link_free(l);
    nexus_link_free(NULL);
}

int main(void) {
    test_handshake_and_messages(NEXUS_PROFILE_NEXUS);
    test_handshake_and_messages(NEXUS_PROFILE_RETICULUM);
    test_rejections_and_close(NEXUS_PROFILE_NEXUS);
    test_rejections_and_close(NEXUS_PROFILE_RETICULUM);
    test_identify_and_rotate();
    test_determinism_and_errors();
    return report("nexus C ABI link");
}
