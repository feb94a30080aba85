/* Tests the identity, packet and announce part of the nexus C ABI (nexus_identity.h) from C99:
 * the Reticulum reference announces (../shared/vectors/reticulum/announces.json, skipped when
 * absent) and the independently made NEXUS-profile vectors (test-vectors/identity.json) rebuilt
 * byte for byte from their private keys; packets decoded and encoded against hand-written layouts;
 * the packet hash against SHA-256 over the spec's byte ranges; sealed keys; the error contract. */
#include "harness.h"

#ifndef NEXUS_SHARED_VECTORS_DIR
#define NEXUS_SHARED_VECTORS_DIR ""
#endif

/* A file under ../shared/vectors, or NULL (with a message) when it is absent. */
static cJSON* load_shared(const char* relative) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", NEXUS_SHARED_VECTORS_DIR, relative);
    FILE* f = fopen(path, "rb");
    if (!f) {
        printf("skipped: shared vector file %s is absent\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* text = malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) exit(2);
    text[n] = '\0';
    fclose(f);
    cJSON* json = cJSON_Parse(text);
    free(text);
    if (!json) {
        fprintf(stderr, "bad JSON in %s\n", path);
        exit(2);
    }
    return json;
}

/* A string field that may be null or absent (then ""). */
static const char* opt_str(const cJSON* obj, const char* key) { return str_field(obj, key); }

/* Offsets in an announce packet (HEADER_1), from the framing spec. */
enum {
    DEST_AT = 2,
    CONTEXT_AT = 18,
    DATA_AT = 19,
    PUB_AT = 19,
    NAME_AT = 83,
    RANDOM_AT = 93,
    RATCHET_AT = 103
};

/* Checks what the identity functions give for a private key against the vector's values, rebuilds
 * the announce from the private key and the fields the raw packet carries, and validates it. */
static void check_announce_case(int profile, const uint8_t* private_key, const cJSON* c, const cJSON* a) {
    uint8_t pub[64], expect[512], id_hash[16], name[10], dest[16], out[512];
    size_t raw_len, app_len, n = 0;
    uint8_t* raw = unhex_alloc(str_field(a, "raw"), &raw_len);
    uint8_t* app = unhex_alloc(opt_str(a, "app_data"), &app_len);

    EXPECT(nexus_identity_public_key(private_key, pub) == NEXUS_OK);
    EXPECT(unhex(str_field(c, "public_key"), expect, sizeof expect) == 64 && memcmp(pub, expect, 64) == 0);
    EXPECT(nexus_identity_hash(profile, pub, id_hash) == NEXUS_OK);
    if (*opt_str(c, "identity_hash"))
        EXPECT(unhex(str_field(c, "identity_hash"), expect, 16) == 16 && memcmp(id_hash, expect, 16) == 0);
    if (*opt_str(a, "full_name")) {
        const char* full = str_field(a, "full_name");
        EXPECT(nexus_name_hash(profile, full, strlen(full), name) == NEXUS_OK);
        EXPECT(unhex(str_field(a, "name_hash"), expect, 10) == 10 && memcmp(name, expect, 10) == 0);
        EXPECT(memcmp(name, raw + NAME_AT, 10) == 0);
    } else {
        memcpy(name, raw + NAME_AT, 10);
    }
    EXPECT(nexus_destination_hash(profile, name, id_hash, dest) == NEXUS_OK);
    EXPECT(unhex(str_field(a, "destination_hash"), expect, 16) == 16 && memcmp(dest, expect, 16) == 0);

    /* The raw packet by hand: flags, hops 0, destination, then the public key. */
    const int ratchet = (raw[0] & 0x20) != 0;
    EXPECT(raw[0] == (ratchet ? 0x21 : 0x01) && raw[1] == 0);
    EXPECT(memcmp(raw + DEST_AT, dest, 16) == 0 && memcmp(raw + PUB_AT, pub, 64) == 0);

    /* Rebuilt byte for byte. */
    EXPECT(nexus_announce_build(profile, private_key, name, raw + RANDOM_AT,
                                ratchet ? raw + RATCHET_AT : NULL, app, app_len, raw[CONTEXT_AT], out,
                                sizeof out, &n) == NEXUS_OK);
    EXPECT(n == raw_len && memcmp(out, raw, raw_len) == 0);
    /* A buffer one byte short is refused and left alone. */
    memset(out, 0xEE, sizeof out);
    EXPECT(nexus_announce_build(profile, private_key, name, raw + RANDOM_AT,
                                ratchet ? raw + RATCHET_AT : NULL, app, app_len, raw[CONTEXT_AT], out,
                                raw_len - 1, &n) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(out[0] == 0xEE);

    /* Validated, with every field where the layout puts it. */
    nexus_announce v;
    EXPECT(nexus_announce_validate(profile, raw, raw_len, &v) == NEXUS_OK);
    EXPECT(nexus_announce_validate(profile, raw, raw_len, NULL) == NEXUS_OK);
    EXPECT(memcmp(v.public_key, pub, 64) == 0 && memcmp(v.name_hash, name, 10) == 0);
    EXPECT(memcmp(v.random_hash, raw + RANDOM_AT, 10) == 0 && memcmp(v.destination, dest, 16) == 0);
    EXPECT(v.has_ratchet == ratchet && v.hops == 0 && v.context == raw[CONTEXT_AT]);
    EXPECT(!ratchet || memcmp(v.ratchet, raw + RATCHET_AT, 32) == 0);
    const size_t sig_at = (size_t)RATCHET_AT + (ratchet ? 32u : 0u);
    EXPECT(memcmp(v.signature, raw + sig_at, 64) == 0);
    EXPECT(v.app_data_len == app_len && v.app_data == raw + sig_at + 64 &&
           (app_len == 0 || memcmp(v.app_data, app, app_len) == 0));
    uint64_t t = 0;
    for (int i = 5; i < 10; ++i) t = t << 8 | raw[RANDOM_AT + i];
    EXPECT(v.timestamp == t);

    /* The signature covers destination || public key || name || random || ratchet || app data. */
    uint8_t msg[512];
    size_t m = 0;
    memcpy(msg, dest, 16);
    m += 16;
    memcpy(msg + m, raw + PUB_AT, sig_at - PUB_AT);
    m += sig_at - PUB_AT;
    memcpy(msg + m, raw + sig_at + 64, raw_len - sig_at - 64);
    m += raw_len - sig_at - 64;
    EXPECT(nexus_identity_verify(pub, msg, m, raw + sig_at) == NEXUS_OK);
    uint8_t sig[64];
    EXPECT(nexus_identity_sign(private_key, msg, m, sig) == NEXUS_OK && memcmp(sig, raw + sig_at, 64) == 0);

    /* The other profile derives other addresses: the destination no longer matches. */
    EXPECT(nexus_announce_validate(1 - profile, raw, raw_len, NULL) == NEXUS_ERR_AUTH_FAILED);

    /* Any flipped bit of the signed fields, the signature or the destination is refused. Hops are
     * not signed (they change in transit). */
    for (size_t i = DEST_AT; i < raw_len; ++i) {
        if (i == CONTEXT_AT) continue;
        raw[i] ^= 0x01;
        const nexus_status s = nexus_announce_validate(profile, raw, raw_len, NULL);
        if (s != NEXUS_ERR_AUTH_FAILED && s != NEXUS_ERR_BAD_ENCODING) {
            fprintf(stderr, "tampered byte %zu accepted (status %d)\n", i, (int)s);
            EXPECT(0);
        }
        raw[i] ^= 0x01;
    }
    raw[1] = 7;
    EXPECT(nexus_announce_validate(profile, raw, raw_len, &v) == NEXUS_OK && v.hops == 7);
    raw[1] = 0;

    /* The packet view of the same bytes: flags 0x01 (or 0x21) = HEADER_1, broadcast, single,
     * announce. */
    nexus_packet p;
    EXPECT(nexus_packet_decode(raw, raw_len, &p) == NEXUS_OK);
    EXPECT(p.ifac == 0 && p.header_type == NEXUS_HEADER_1 && p.context_flag == ratchet &&
           p.transport_type == NEXUS_TRANSPORT_BROADCAST && p.destination_type == NEXUS_DESTINATION_SINGLE &&
           p.packet_type == NEXUS_PACKET_ANNOUNCE && p.hops == 0 && p.context == raw[CONTEXT_AT]);
    EXPECT(memcmp(p.destination, dest, 16) == 0 && p.data == raw + DATA_AT &&
           p.data_len == raw_len - DATA_AT);
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_OK && n == raw_len &&
           memcmp(out, raw, n) == 0);

    /* Packet hash: the profile digest of (flags & 0x0F) || raw[2..]; for the Reticulum profile
     * checked with SHA-256 directly, and against the vector when it has one. */
    uint8_t h[32];
    EXPECT(nexus_packet_hash(profile, raw, raw_len, h) == NEXUS_OK);
    if (profile == NEXUS_PROFILE_RETICULUM) {
        uint8_t buf[512], d[32];
        buf[0] = raw[0] & 0x0F;
        memcpy(buf + 1, raw + 2, raw_len - 2);
        EXPECT(nexus_sha256(buf, raw_len - 1, d) == NEXUS_OK && memcmp(h, d, 32) == 0);
    } else {
        uint8_t buf[512], d[32];
        buf[0] = raw[0] & 0x0F;
        memcpy(buf + 1, raw + 2, raw_len - 2);
        EXPECT(nexus_blake2b(buf, raw_len - 1, NULL, 0, d, 32) == NEXUS_OK && memcmp(h, d, 32) == 0);
    }
    if (*opt_str(a, "packet_hash"))
        EXPECT(unhex(str_field(a, "packet_hash"), expect, 32) == 32 && memcmp(h, expect, 32) == 0);

    free(raw);
    free(app);
}

static void test_reticulum_vectors(void) {
    cJSON* v = load_shared("reticulum/announces.json");
    if (!v) return;
    int count = 0;
    const char* lists[2] = {"announces", "ratchet_announces"};
    for (int l = 0; l < 2; ++l) {
        const cJSON* c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, lists[l])) {
            uint8_t key[64];
            EXPECT(unhex(str_field(c, "private_key"), key, 64) == 64);
            check_announce_case(NEXUS_PROFILE_RETICULUM, key, c, c);
            ++count;
        }
    }
    EXPECT(count >= 3);
    cJSON_Delete(v);
}

static void test_nexus_vectors(void) {
    cJSON* v = load_vectors("identity.json");
    EXPECT(strcmp(str_field(v, "profile"), "nexus") == 0);
    int count = 0;
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        uint8_t seed[32], xs[32], key[64];
        EXPECT(unhex(str_field(c, "seed"), seed, 32) == 32);
        EXPECT(unhex(str_field(c, "x25519_secret"), xs, 32) == 32);
        /* From the seed: X25519 secret (derived) || seed. */
        EXPECT(nexus_identity_from_seed(seed, key) == NEXUS_OK);
        EXPECT(memcmp(key, xs, 32) == 0 && memcmp(key + 32, seed, 32) == 0);
        check_announce_case(NEXUS_PROFILE_NEXUS, key, c, cJSON_GetObjectItemCaseSensitive(c, "announce"));
        ++count;
    }
    EXPECT(count >= 3);
    cJSON_Delete(v);
}

/* Hand-written packets: a HEADER_2 data packet in transport, and the errors of the codec. */
static void test_packets(void) {
    uint8_t raw[64], out[600];
    size_t n = 0;
    /* flags 0x58 = 0 1 0 1 10 00: HEADER_2, no context flag, transport, plain, data. */
    raw[0] = 0x58;
    raw[1] = 3;
    for (int i = 0; i < 16; ++i) raw[2 + i] = (uint8_t)(0xA0 + i);
    for (int i = 0; i < 16; ++i) raw[18 + i] = (uint8_t)(0xB0 + i);
    raw[34] = 0x0A;
    raw[35] = 'h';
    raw[36] = 'i';
    nexus_packet p;
    EXPECT(nexus_packet_decode(raw, 37, &p) == NEXUS_OK);
    EXPECT(p.ifac == 0 && p.header_type == NEXUS_HEADER_2 && p.context_flag == 0 &&
           p.transport_type == NEXUS_TRANSPORT_TRANSPORT && p.destination_type == NEXUS_DESTINATION_PLAIN &&
           p.packet_type == NEXUS_PACKET_DATA && p.hops == 3 && p.context == 0x0A);
    EXPECT(memcmp(p.transport_id, raw + 2, 16) == 0 && memcmp(p.destination, raw + 18, 16) == 0);
    EXPECT(p.data == raw + 35 && p.data_len == 2);
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_OK && n == 37 && memcmp(out, raw, 37) == 0);
    EXPECT(nexus_packet_encode(&p, out, 36, &n) == NEXUS_ERR_BUFFER_TOO_SMALL);

    /* The hash leaves out hops and the transport id: SHA-256 of 0x08 || destination || context || data. */
    uint8_t h[32], d[32], buf[20];
    buf[0] = 0x08;
    memcpy(buf + 1, raw + 18, 19);
    EXPECT(nexus_packet_hash(NEXUS_PROFILE_RETICULUM, raw, 37, h) == NEXUS_OK);
    EXPECT(nexus_sha256(buf, 20, d) == NEXUS_OK && memcmp(h, d, 32) == 0);
    /* ... so the same packet as HEADER_1 broadcast with other hops has the same hash. */
    nexus_packet q = p;
    q.header_type = NEXUS_HEADER_1;
    q.transport_type = NEXUS_TRANSPORT_BROADCAST;
    q.hops = 9;
    EXPECT(nexus_packet_encode(&q, out, sizeof out, &n) == NEXUS_OK && n == 21 && out[0] == 0x08 &&
           out[1] == 9);
    EXPECT(nexus_packet_hash(NEXUS_PROFILE_RETICULUM, out, n, d) == NEXUS_OK && memcmp(h, d, 32) == 0);
    EXPECT(nexus_packet_hash(NEXUS_PROFILE_NEXUS, out, n, d) == NEXUS_OK && memcmp(h, d, 32) != 0);

    /* Every flags byte without IFAC round-trips through the struct. */
    int all = 1;
    for (int b = 0; b < 0x80; ++b) {
        raw[0] = (uint8_t)b;
        const size_t len = (b & 0x40) ? 35 : 19;
        if (nexus_packet_decode(raw, len, &p) != NEXUS_OK ||
            nexus_packet_encode(&p, out, sizeof out, &n) != NEXUS_OK || n != len ||
            memcmp(out, raw, len) != 0 || p.packet_type != (b & 3) || p.destination_type != ((b >> 2) & 3) ||
            p.transport_type != ((b >> 4) & 1) || p.context_flag != ((b >> 5) & 1) ||
            p.header_type != ((b >> 6) & 1))
            all = 0;
    }
    EXPECT(all);

    /* Decode errors. */
    raw[0] = 0x00;
    EXPECT(nexus_packet_decode(raw, 18, &p) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_packet_decode(raw, 1, &p) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_packet_decode(NULL, 0, &p) == NEXUS_ERR_TRUNCATED);
    raw[0] = 0x40;
    EXPECT(nexus_packet_decode(raw, 34, &p) == NEXUS_ERR_TRUNCATED);
    raw[0] = 0x80;
    EXPECT(nexus_packet_decode(raw, 40, &p) == NEXUS_ERR_UNSUPPORTED);
    memset(out, 0, 501);
    EXPECT(nexus_packet_decode(out, 501, &p) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_packet_decode(out, 500, &p) == NEXUS_OK && p.data_len == 481);
    EXPECT(nexus_packet_decode(NULL, 3, &p) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_packet_decode(raw, 3, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_packet_hash(NEXUS_PROFILE_NEXUS, raw, 10, h) == NEXUS_ERR_UNSUPPORTED);
    EXPECT(nexus_packet_hash(2, out, 19, h) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_packet_hash(-1, out, 19, h) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_packet_hash(NEXUS_PROFILE_NEXUS, out, 19, NULL) == NEXUS_ERR_NULL_POINTER);

    /* Encode errors. */
    memset(&p, 0, sizeof p);
    EXPECT(nexus_packet_encode(&p, out, sizeof out, NULL) == NEXUS_OK);
    p.packet_type = 4;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    p.packet_type = -1;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    p.packet_type = 0;
    p.header_type = 2;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    p.header_type = 0;
    p.destination_type = 4;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    p.destination_type = 0;
    p.context_flag = 5;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    p.context_flag = 0;
    p.ifac = 1;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_UNSUPPORTED);
    p.ifac = 0;
    p.data = out;
    p.data_len = 482;
    EXPECT(nexus_packet_encode(&p, raw, sizeof raw, &n) == NEXUS_ERR_INVALID_LENGTH);
    p.data_len = (size_t)-1;
    EXPECT(nexus_packet_encode(&p, raw, sizeof raw, &n) == NEXUS_ERR_INVALID_LENGTH);
    p.data = NULL;
    p.data_len = 1;
    EXPECT(nexus_packet_encode(&p, out, sizeof out, &n) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_packet_encode(NULL, out, sizeof out, &n) == NEXUS_ERR_NULL_POINTER);
}

/* Identities from seeds, hashes of hand-computed digests, and the argument checks. */
static void test_identity_errors(void) {
    uint8_t seed[32], key[64], pub[64], h[16], name[10], dest[16], sig[64], d[64];
    for (int i = 0; i < 32; ++i) seed[i] = (uint8_t)(i * 7 + 1);
    EXPECT(nexus_identity_from_seed(seed, key) == NEXUS_OK);
    EXPECT(nexus_identity_public_key(key, pub) == NEXUS_OK);
    /* The halves: Ed25519 public of the seed, X25519 public of the derived secret. */
    uint8_t ed_pub[32], ed_sec[64];
    EXPECT(nexus_ed25519_keypair(seed, ed_pub, ed_sec) == NEXUS_OK && memcmp(pub + 32, ed_pub, 32) == 0);
    EXPECT(nexus_x25519_public_key(key, d) == NEXUS_OK && memcmp(pub, d, 32) == 0);
    EXPECT(nexus_ed25519_public_to_x25519(ed_pub, d) == NEXUS_OK && memcmp(pub, d, 32) == 0);

    /* Identity hash = digest(public key)[0..16): SHA-256 / BLAKE2b-256. */
    EXPECT(nexus_identity_hash(NEXUS_PROFILE_RETICULUM, pub, h) == NEXUS_OK);
    EXPECT(nexus_sha256(pub, 64, d) == NEXUS_OK && memcmp(h, d, 16) == 0);
    EXPECT(nexus_identity_hash(NEXUS_PROFILE_NEXUS, pub, h) == NEXUS_OK);
    EXPECT(nexus_blake2b(pub, 64, NULL, 0, d, 32) == NEXUS_OK && memcmp(h, d, 16) == 0);
    /* Name hash and destination hashes likewise. */
    EXPECT(nexus_name_hash(NEXUS_PROFILE_RETICULUM, "app.aspect", 10, name) == NEXUS_OK);
    EXPECT(nexus_sha256((const uint8_t*)"app.aspect", 10, d) == NEXUS_OK && memcmp(name, d, 10) == 0);
    EXPECT(nexus_name_hash(NEXUS_PROFILE_NEXUS, NULL, 0, name) == NEXUS_OK);
    EXPECT(nexus_blake2b(NULL, 0, NULL, 0, d, 32) == NEXUS_OK && memcmp(name, d, 10) == 0);
    uint8_t cat[26];
    memcpy(cat, name, 10);
    memcpy(cat + 10, h, 16);
    EXPECT(nexus_destination_hash(NEXUS_PROFILE_NEXUS, name, h, dest) == NEXUS_OK);
    EXPECT(nexus_blake2b(cat, 26, NULL, 0, d, 32) == NEXUS_OK && memcmp(dest, d, 16) == 0);
    EXPECT(nexus_plain_destination_hash(NEXUS_PROFILE_RETICULUM, name, dest) == NEXUS_OK);
    EXPECT(nexus_sha256(name, 10, d) == NEXUS_OK && memcmp(dest, d, 16) == 0);

    /* Sign / verify: plain Ed25519 under the seed. */
    EXPECT(nexus_identity_sign(key, (const uint8_t*)"msg", 3, sig) == NEXUS_OK);
    EXPECT(nexus_ed25519_sign(ed_sec, (const uint8_t*)"msg", 3, d) == NEXUS_OK && memcmp(sig, d, 64) == 0);
    EXPECT(nexus_identity_verify(pub, (const uint8_t*)"msg", 3, sig) == NEXUS_OK);
    EXPECT(nexus_identity_verify(pub, (const uint8_t*)"msh", 3, sig) == NEXUS_ERR_AUTH_FAILED);
    EXPECT(nexus_identity_sign(key, NULL, 0, sig) == NEXUS_OK);
    EXPECT(nexus_identity_verify(pub, NULL, 0, sig) == NEXUS_OK);

    /* An unusable Ed25519 half (identity point): no hash, no verification. */
    uint8_t bad[64] = {0};
    bad[32] = 1;
    EXPECT(nexus_identity_hash(NEXUS_PROFILE_NEXUS, bad, h) == NEXUS_ERR_BAD_ENCODING);
    EXPECT(nexus_identity_verify(bad, (const uint8_t*)"msg", 3, sig) == NEXUS_ERR_AUTH_FAILED);

    /* Profiles other than 0 and 1. */
    EXPECT(nexus_identity_hash(2, pub, h) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_name_hash(-1, "a", 1, name) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_destination_hash(0x7fffffff, name, h, dest) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_plain_destination_hash(3, name, dest) == NEXUS_ERR_INVALID_ARGUMENT);

    /* NULL pointers. */
    EXPECT(nexus_identity_from_seed(NULL, key) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_from_seed(seed, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_public_key(NULL, pub) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_public_key(key, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_hash(0, NULL, h) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_hash(0, pub, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_name_hash(0, NULL, 1, name) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_name_hash(0, "a", 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_destination_hash(0, NULL, h, dest) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_destination_hash(0, name, NULL, dest) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_destination_hash(0, name, h, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_plain_destination_hash(0, NULL, dest) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_sign(NULL, NULL, 0, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_sign(key, NULL, 1, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_sign(key, NULL, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_verify(NULL, NULL, 0, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_verify(pub, NULL, 0, NULL) == NEXUS_ERR_NULL_POINTER);
}

static void test_random_hash_and_announce_errors(void) {
    const uint8_t r5[5] = {1, 2, 3, 4, 5};
    uint8_t rh[10];
    uint64_t t = 0;
    EXPECT(nexus_random_hash(r5, 0x0102030405ull, rh) == NEXUS_OK);
    EXPECT(memcmp(rh, "\x01\x02\x03\x04\x05\x01\x02\x03\x04\x05", 10) == 0);
    EXPECT(nexus_random_hash_timestamp(rh, &t) == NEXUS_OK && t == 0x0102030405ull);
    EXPECT(nexus_random_hash(r5, 0xAB0000000001ull, rh) == NEXUS_OK); /* mod 2^40 */
    EXPECT(nexus_random_hash_timestamp(rh, &t) == NEXUS_OK && t == 1);
    EXPECT(nexus_random_hash(NULL, 0, rh) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_random_hash(r5, 0, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_random_hash_timestamp(NULL, &t) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_random_hash_timestamp(rh, NULL) == NEXUS_ERR_NULL_POINTER);

    uint8_t seed[32] = {9}, key[64], name[10] = {1}, out[600], app[400] = {0};
    size_t n = 0;
    EXPECT(nexus_identity_from_seed(seed, key) == NEXUS_OK);
    /* Largest app data: 500 - 167 = 333 bytes without ratchet, 301 with. */
    EXPECT(nexus_announce_build(0, key, name, rh, NULL, app, 333, 0, out, sizeof out, &n) == NEXUS_OK &&
           n == 500);
    EXPECT(nexus_announce_validate(0, out, n, NULL) == NEXUS_OK);
    EXPECT(nexus_announce_build(0, key, name, rh, NULL, app, 334, 0, out, sizeof out, &n) ==
           NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_announce_build(0, key, name, rh, app, app, 301, 0, out, sizeof out, &n) == NEXUS_OK &&
           n == 500);
    EXPECT(out[0] == 0x21);
    EXPECT(nexus_announce_build(0, key, name, rh, app, app, 302, 0, out, sizeof out, &n) ==
           NEXUS_ERR_INVALID_LENGTH);
    /* Context 0x0B (path response) is carried and not signed. */
    EXPECT(nexus_announce_build(1, key, name, rh, NULL, NULL, 0, 0x0B, out, sizeof out, NULL) == NEXUS_OK);
    EXPECT(out[18] == 0x0B && nexus_announce_validate(1, out, 167, NULL) == NEXUS_OK);
    out[18] = 0;
    EXPECT(nexus_announce_validate(1, out, 167, NULL) == NEXUS_OK);
    /* Shorter than an announce; not an announce; wrong destination type. */
    EXPECT(nexus_announce_validate(1, out, 166, NULL) == NEXUS_ERR_TRUNCATED);
    out[0] = 0x00;
    EXPECT(nexus_announce_validate(1, out, 167, NULL) == NEXUS_ERR_INVALID_ARGUMENT);
    out[0] = 0x05;
    EXPECT(nexus_announce_validate(1, out, 167, NULL) == NEXUS_ERR_INVALID_ARGUMENT);
    out[0] = 0x01;
    EXPECT(nexus_announce_validate(1, out, 167, NULL) == NEXUS_OK);
    EXPECT(nexus_announce_validate(2, out, 167, NULL) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_announce_validate(0, NULL, 0, NULL) == NEXUS_ERR_TRUNCATED);
    EXPECT(nexus_announce_validate(0, NULL, 1, NULL) == NEXUS_ERR_NULL_POINTER);

    EXPECT(nexus_announce_build(2, key, name, rh, NULL, NULL, 0, 0, out, sizeof out, &n) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_announce_build(-5, key, name, rh, NULL, NULL, 0, 0, out, sizeof out, &n) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_announce_build(0, NULL, name, rh, NULL, NULL, 0, 0, out, sizeof out, &n) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_announce_build(0, key, NULL, rh, NULL, NULL, 0, 0, out, sizeof out, &n) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_announce_build(0, key, name, NULL, NULL, NULL, 0, 0, out, sizeof out, &n) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_announce_build(0, key, name, rh, NULL, NULL, 1, 0, out, sizeof out, &n) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_announce_build(0, key, name, rh, NULL, NULL, 0, 0, NULL, 10, &n) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_announce_build(0, key, name, rh, NULL, NULL, 0, 0, NULL, 0, &n) ==
           NEXUS_ERR_BUFFER_TOO_SMALL);
}

/* Sealed keys with small Argon2id parameters (1 pass, 8 KiB): the layout by hand, round trips,
 * and every way opening must fail. */
static void test_sealed_keys(void) {
    uint8_t seed[32], key[64], opened[64], sealed[126], random28[28];
    for (int i = 0; i < 32; ++i) seed[i] = (uint8_t)(0x40 + i);
    for (int i = 0; i < 28; ++i) random28[i] = (uint8_t)(0xC0 + i);
    EXPECT(nexus_identity_from_seed(seed, key) == NEXUS_OK);
    size_t work_len = 0;
    EXPECT(nexus_argon2id_work_size(8, 1, &work_len) == NEXUS_OK && work_len == 8 * 1024);
    void* work = malloc(work_len);
    if (!work) exit(2);
    const uint8_t* pw = (const uint8_t*)"correct horse";

    for (int profile = 0; profile < 2; ++profile) {
        EXPECT(nexus_identity_seal(profile, key, pw, 13, 1, 8, 1, random28, work, work_len, sealed) ==
               NEXUS_OK);
        /* magic "NXID", version 1, profile, passes, memory, lanes (little-endian), salt, nonce. */
        const uint8_t header[18] = {'N', 'X', 'I', 'D', 1, (uint8_t)profile, 1, 0, 0, 0, 8, 0, 0,
                                    0,   1,   0,   0,   0};
        EXPECT(memcmp(sealed, header, 18) == 0 && memcmp(sealed + 18, random28, 28) == 0);
        /* The private key is not in the clear. */
        int found = 0;
        for (size_t i = 0; i + 32 <= sizeof sealed; ++i)
            if (memcmp(sealed + i, seed, 32) == 0) found = 1;
        EXPECT(!found);
        uint32_t t = 0, m = 0, p = 0;
        EXPECT(nexus_sealed_key_params(sealed, sizeof sealed, &t, &m, &p) == NEXUS_OK && t == 1 && m == 8 &&
               p == 1);
        memset(opened, 0, sizeof opened);
        EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
               NEXUS_OK);
        EXPECT(memcmp(opened, key, 64) == 0);
        /* Wrong passphrase, other profile, any modified byte. */
        memset(opened, 0x55, sizeof opened);
        EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 12, work, work_len, opened) ==
               NEXUS_ERR_AUTH_FAILED);
        EXPECT(opened[0] == 0x55 && opened[63] == 0x55);
        EXPECT(nexus_identity_open(1 - profile, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
               NEXUS_ERR_INVALID_ARGUMENT);
        const size_t flips[] = {18, 33, 34, 45, 46, 100, 109, 110, 125};
        for (size_t i = 0; i < sizeof flips / sizeof flips[0]; ++i) {
            sealed[flips[i]] ^= 0x80;
            EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
                   NEXUS_ERR_AUTH_FAILED);
            sealed[flips[i]] ^= 0x80;
        }
        sealed[0] ^= 1;
        EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
               NEXUS_ERR_BAD_ENCODING);
        sealed[0] ^= 1;
        sealed[4] = 2;
        EXPECT(nexus_sealed_key_params(sealed, sizeof sealed, &t, &m, &p) == NEXUS_ERR_UNSUPPORTED);
        sealed[4] = 1;
        sealed[9] = 0xFF; /* passes = 0xFF000001 */
        EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
               NEXUS_ERR_INVALID_ARGUMENT);
        sealed[9] = 0;
        EXPECT(nexus_identity_open(profile, sealed, 125, pw, 13, work, work_len, opened) ==
               NEXUS_ERR_INVALID_LENGTH);
        EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 13, work, work_len - 1024, opened) ==
               NEXUS_ERR_BUFFER_TOO_SMALL);
        EXPECT(nexus_identity_open(profile, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
               NEXUS_OK);
    }

    /* Seal errors: parameters out of bounds, too little or unaligned work, NULLs, profile. */
    memset(sealed, 0x77, sizeof sealed);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 0, 8, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 17, 8, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 7, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 8, 0, random28, work, work_len, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 2 * 1024 * 1024, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 8, 1, random28, work, work_len - 1, sealed) ==
           NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 8, 1, random28, (uint8_t*)work + 4, work_len - 8, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_identity_seal(2, key, pw, 13, 1, 8, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(sealed[0] == 0x77 && sealed[125] == 0x77);
    EXPECT(nexus_identity_seal(0, NULL, pw, 13, 1, 8, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_seal(0, key, NULL, 13, 1, 8, 1, random28, work, work_len, sealed) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 8, 1, NULL, work, work_len, sealed) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 8, 1, random28, NULL, work_len, sealed) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_seal(0, key, pw, 13, 1, 8, 1, random28, work, work_len, NULL) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_seal(0, key, NULL, 0, 1, 8, 1, random28, work, work_len, sealed) == NEXUS_OK);
    EXPECT(nexus_identity_open(0, sealed, sizeof sealed, NULL, 0, work, work_len, opened) == NEXUS_OK);
    EXPECT(nexus_identity_open(0, NULL, 126, pw, 13, work, work_len, opened) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_open(0, sealed, sizeof sealed, pw, 13, work, work_len, NULL) ==
           NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_identity_open(5, sealed, sizeof sealed, pw, 13, work, work_len, opened) ==
           NEXUS_ERR_INVALID_ARGUMENT);
    uint32_t t, m, p;
    EXPECT(nexus_sealed_key_params(sealed, sizeof sealed, NULL, &m, &p) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_sealed_key_params(NULL, 126, &t, &m, &p) == NEXUS_ERR_NULL_POINTER);
    free(work);
}

int main(void) {
    test_nexus_vectors();
    test_reticulum_vectors();
    test_packets();
    test_identity_errors();
    test_random_hash_and_announce_errors();
    test_sealed_keys();
    return report("nexus C ABI identity");
}
