/* Tests the cryptography part of the nexus C ABI (nexus_crypto.h) from C99: the shared RFC
 * vectors in test-vectors/, round trips on pseudo-random inputs, and the error contract (NULL
 * pointers, bad lengths, short buffers, bad tags, weak keys). */
#include "harness.h"

/* A deterministic xorshift64* stream for the round-trip inputs (not for keys in real use). */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static void rng_fill(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        p[i] = (uint8_t)((rng_state * 0x2545f4914f6cdd1du) >> 56);
    }
}

static int all_bytes(const uint8_t* p, size_t n, uint8_t value) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != value) return 0;
    return 1;
}

/* ---- SHA-2, HMAC, HKDF ------------------------------------------------------------------------ */

static void test_sha2(void) {
    cJSON* v = load_vectors("sha2.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t msg_len = 0, digest_len = 0;
        uint8_t* msg;
        if (cJSON_GetObjectItemCaseSensitive(c, "repeat")) {
            size_t unit_len = 0;
            uint8_t* unit = unhex_alloc(str_field(c, "repeat"), &unit_len);
            size_t count = (size_t)int_field(c, "count");
            msg_len = unit_len * count;
            msg = malloc(msg_len + 1);
            if (!msg) exit(2);
            for (size_t i = 0; i < count; ++i) memcpy(msg + i * unit_len, unit, unit_len);
            free(unit);
        } else {
            msg = unhex_alloc(str_field(c, "msg"), &msg_len);
        }
        uint8_t* digest = unhex_alloc(str_field(c, "digest"), &digest_len);
        uint8_t out[64];
        if (strcmp(str_field(c, "algorithm"), "sha256") == 0) {
            EXPECT(digest_len == 32 && nexus_sha256(msg, msg_len, out) == NEXUS_OK &&
                   memcmp(out, digest, 32) == 0);
        } else {
            EXPECT(digest_len == 64 && nexus_sha512(msg, msg_len, out) == NEXUS_OK &&
                   memcmp(out, digest, 64) == 0);
        }
        free(msg);
        free(digest);
    }
    cJSON_Delete(v);

    uint8_t out[64], empty[64];
    EXPECT(nexus_sha256(NULL, 0, out) == NEXUS_OK);
    EXPECT(nexus_sha256((const uint8_t*)"", 0, empty) == NEXUS_OK && memcmp(out, empty, 32) == 0);
    EXPECT(nexus_sha256(NULL, 1, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_sha256(out, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_sha512(NULL, 3, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_sha512(out, 3, NULL) == NEXUS_ERR_NULL_POINTER);
}

static void test_hmac(void) {
    cJSON* v = load_vectors("hmac.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t key_len, data_len, e256_len, e512_len;
        uint8_t* key = unhex_alloc(str_field(c, "key"), &key_len);
        uint8_t* data = unhex_alloc(str_field(c, "data"), &data_len);
        uint8_t* e256 = unhex_alloc(str_field(c, "hmac_sha256"), &e256_len);
        uint8_t* e512 = unhex_alloc(str_field(c, "hmac_sha512"), &e512_len);
        uint8_t out[64];
        /* Test Case 5 gives only a 128-bit prefix: compare the length given. */
        EXPECT(nexus_hmac_sha256(key, key_len, data, data_len, out) == NEXUS_OK && e256_len >= 16 &&
               memcmp(out, e256, e256_len) == 0);
        EXPECT(nexus_hmac_sha512(key, key_len, data, data_len, out) == NEXUS_OK && e512_len >= 16 &&
               memcmp(out, e512, e512_len) == 0);
        free(key);
        free(data);
        free(e256);
        free(e512);
    }
    cJSON_Delete(v);

    uint8_t out[64];
    EXPECT(nexus_hmac_sha256(NULL, 0, NULL, 0, out) == NEXUS_OK);
    EXPECT(nexus_hmac_sha256(NULL, 1, NULL, 0, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hmac_sha256(out, 1, NULL, 1, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hmac_sha512(out, 1, out, 1, NULL) == NEXUS_ERR_NULL_POINTER);
}

static void test_hkdf(void) {
    cJSON* v = load_vectors("hkdf.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t ikm_len, salt_len, info_len, okm_len;
        uint8_t* ikm = unhex_alloc(str_field(c, "ikm"), &ikm_len);
        uint8_t* salt = unhex_alloc(str_field(c, "salt"), &salt_len);
        uint8_t* info = unhex_alloc(str_field(c, "info"), &info_len);
        uint8_t* okm = unhex_alloc(str_field(c, "okm"), &okm_len);
        uint8_t out[256];
        size_t length = (size_t)int_field(c, "length");
        EXPECT(length == okm_len && length <= sizeof out);
        if (strcmp(str_field(c, "hash"), "sha256") == 0) {
            EXPECT(nexus_hkdf_sha256(ikm, ikm_len, salt, salt_len, info, info_len, out, length) == NEXUS_OK &&
                   memcmp(out, okm, okm_len) == 0);
        } else {
            EXPECT(nexus_hkdf_sha512(ikm, ikm_len, salt, salt_len, info, info_len, out, length) == NEXUS_OK &&
                   memcmp(out, okm, okm_len) == 0);
        }
        free(ikm);
        free(salt);
        free(info);
        free(okm);
    }
    cJSON_Delete(v);

    /* RFC 5869 has no SHA-512 vector: check HKDF-SHA-512 against its definition over HMAC-SHA-512,
     * T(1) = HMAC(PRK, info || 1) and T(2) = HMAC(PRK, T(1) || info || 2). */
    for (int round = 0; round < 20; ++round) {
        uint8_t ikm[40], salt[20], info[30 + 1], prk[64], block[64 + 30 + 1], expect[128], out[100];
        const size_t info_len = (size_t)round;
        rng_fill(ikm, sizeof ikm);
        rng_fill(salt, sizeof salt);
        rng_fill(info, info_len);
        EXPECT(nexus_hmac_sha512(salt, sizeof salt, ikm, sizeof ikm, prk) == NEXUS_OK);
        memcpy(block, info, info_len);
        block[info_len] = 1;
        EXPECT(nexus_hmac_sha512(prk, 64, block, info_len + 1, expect) == NEXUS_OK);
        memcpy(block, expect, 64);
        memcpy(block + 64, info, info_len);
        block[64 + info_len] = 2;
        EXPECT(nexus_hmac_sha512(prk, 64, block, 64 + info_len + 1, expect + 64) == NEXUS_OK);
        EXPECT(nexus_hkdf_sha512(ikm, sizeof ikm, salt, sizeof salt, info, info_len, out, sizeof out) ==
                   NEXUS_OK &&
               memcmp(out, expect, sizeof out) == 0);
    }

    /* Lengths: up to 255 hash outputs (RFC 5869 §2.3), 0 writes nothing. */
    static uint8_t big[NEXUS_HKDF_SHA512_MAX_BYTES + 1];
    memset(big, 0xa5, sizeof big);
    EXPECT(nexus_hkdf_sha256(NULL, 0, NULL, 0, NULL, 0, big, NEXUS_HKDF_SHA256_MAX_BYTES + 1) ==
           NEXUS_ERR_INVALID_LENGTH);
    EXPECT(all_bytes(big, sizeof big, 0xa5));
    EXPECT(nexus_hkdf_sha512(NULL, 0, NULL, 0, NULL, 0, big, NEXUS_HKDF_SHA512_MAX_BYTES + 1) ==
           NEXUS_ERR_INVALID_LENGTH);
    EXPECT(all_bytes(big, sizeof big, 0xa5));
    EXPECT(nexus_hkdf_sha256(NULL, 0, NULL, 0, NULL, 0, big, NEXUS_HKDF_SHA256_MAX_BYTES) == NEXUS_OK);
    EXPECT(nexus_hkdf_sha512(NULL, 0, NULL, 0, NULL, 0, big, NEXUS_HKDF_SHA512_MAX_BYTES) == NEXUS_OK);
    EXPECT(big[NEXUS_HKDF_SHA512_MAX_BYTES] == 0xa5);
    EXPECT(nexus_hkdf_sha256(NULL, 0, NULL, 0, NULL, 0, NULL, 0) == NEXUS_OK);
    EXPECT(nexus_hkdf_sha256(NULL, 1, NULL, 0, NULL, 0, big, 32) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hkdf_sha256(NULL, 0, NULL, 1, NULL, 0, big, 32) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hkdf_sha512(NULL, 0, NULL, 0, NULL, 1, big, 32) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hkdf_sha512(NULL, 0, NULL, 0, NULL, 0, NULL, 32) == NEXUS_ERR_NULL_POINTER);
}

/* ---- BLAKE2b, BLAKE3 -------------------------------------------------------------------------- */

static void test_blake2b(void) {
    cJSON* v = load_vectors("blake2b.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t in_len, key_len, exp_len;
        uint8_t* in = unhex_alloc(str_field(c, "in"), &in_len);
        uint8_t* key = unhex_alloc(str_field(c, "key"), &key_len);
        uint8_t* expect = unhex_alloc(str_field(c, "out"), &exp_len);
        uint8_t out[64];
        EXPECT(nexus_blake2b(in, in_len, key, key_len, out, exp_len) == NEXUS_OK &&
               memcmp(out, expect, exp_len) == 0);
        free(in);
        free(key);
        free(expect);
    }
    cJSON_Delete(v);

    uint8_t key[65] = {0}, out[65];
    memset(out, 0x33, sizeof out);
    EXPECT(nexus_blake2b(NULL, 0, NULL, 0, out, 0) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_blake2b(NULL, 0, NULL, 0, out, 65) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_blake2b(NULL, 0, key, 65, out, 32) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(all_bytes(out, sizeof out, 0x33));
    EXPECT(nexus_blake2b(NULL, 0, key, 64, out, 1) == NEXUS_OK);
    EXPECT(nexus_blake2b(NULL, 0, key, 64, out, 64) == NEXUS_OK);
    EXPECT(nexus_blake2b(NULL, 1, NULL, 0, out, 32) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_blake2b(NULL, 0, NULL, 1, out, 32) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_blake2b(NULL, 0, NULL, 0, NULL, 32) == NEXUS_ERR_NULL_POINTER);
}

static void test_blake3(void) {
    cJSON* v = load_vectors("blake3.json");
    const char* key = str_field(v, "key");
    const char* context = str_field(v, "context_string");
    EXPECT(strlen(key) == NEXUS_BLAKE3_KEY_BYTES);
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t n = (size_t)int_field(c, "input_len"), hash_len, keyed_len, derive_len;
        uint8_t* in = malloc(n + 1);
        if (!in) exit(2);
        for (size_t i = 0; i < n; ++i) in[i] = (uint8_t)(i % 251);
        uint8_t* hash = unhex_alloc(str_field(c, "hash"), &hash_len);
        uint8_t* keyed = unhex_alloc(str_field(c, "keyed_hash"), &keyed_len);
        uint8_t* derive = unhex_alloc(str_field(c, "derive_key"), &derive_len);
        uint8_t out[256], standard[32];
        /* The extended output, and the default length as its prefix. */
        EXPECT(nexus_blake3(in, n, out, hash_len) == NEXUS_OK && memcmp(out, hash, hash_len) == 0);
        EXPECT(nexus_blake3(in, n, standard, 32) == NEXUS_OK && memcmp(standard, hash, 32) == 0);
        EXPECT(nexus_blake3_keyed((const uint8_t*)key, in, n, out, keyed_len) == NEXUS_OK &&
               memcmp(out, keyed, keyed_len) == 0);
        EXPECT(nexus_blake3_keyed((const uint8_t*)key, in, n, standard, 32) == NEXUS_OK &&
               memcmp(standard, keyed, 32) == 0);
        EXPECT(nexus_blake3_derive_key(context, strlen(context), in, n, out, derive_len) == NEXUS_OK &&
               memcmp(out, derive, derive_len) == 0);
        EXPECT(nexus_blake3_derive_key(context, strlen(context), in, n, standard, 32) == NEXUS_OK &&
               memcmp(standard, derive, 32) == 0);
        free(in);
        free(hash);
        free(keyed);
        free(derive);
    }
    cJSON_Delete(v);

    uint8_t out[8];
    EXPECT(nexus_blake3(NULL, 0, NULL, 0) == NEXUS_OK);
    EXPECT(nexus_blake3(NULL, 1, out, 8) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_blake3(out, 1, NULL, 8) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_blake3_keyed(NULL, out, 1, out, 8) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_blake3_derive_key(NULL, 3, out, 1, out, 8) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_blake3_derive_key(NULL, 0, NULL, 0, out, 8) == NEXUS_OK);
}

/* ---- Argon2id --------------------------------------------------------------------------------- */

static void test_argon2id(void) {
    cJSON* v = load_vectors("argon2.json");
    const cJSON* c;
    int ran = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        if (strcmp(str_field(c, "type"), "argon2id") != 0) continue; /* only Argon2id is exposed */
        ++ran;
        size_t pw_len, salt_len, secret_len, ad_len, tag_len, work_len = 0;
        uint8_t* pw = unhex_alloc(str_field(c, "password"), &pw_len);
        uint8_t* salt = unhex_alloc(str_field(c, "salt"), &salt_len);
        uint8_t* secret = unhex_alloc(str_field(c, "secret"), &secret_len);
        uint8_t* ad = unhex_alloc(str_field(c, "ad"), &ad_len);
        uint8_t* tag = unhex_alloc(str_field(c, "tag"), &tag_len);
        uint32_t t = (uint32_t)int_field(c, "passes"), m = (uint32_t)int_field(c, "memory_kib"),
                 p = (uint32_t)int_field(c, "lanes");
        EXPECT(nexus_argon2id_work_size(m, p, &work_len) == NEXUS_OK && work_len == (size_t)m * 1024);
        uint8_t* work = malloc(work_len);
        uint8_t out[64];
        if (!work) exit(2);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, secret, secret_len, ad, ad_len, t, m, p, work,
                              work_len, out, tag_len) == NEXUS_OK &&
               memcmp(out, tag, tag_len) == 0);
        EXPECT(all_bytes(work, work_len, 0)); /* the work memory is wiped */

        /* Parameter errors are reported before anything is written. */
        memset(out, 0x77, sizeof out);
        EXPECT(nexus_argon2id(pw, pw_len, salt, 7, NULL, 0, NULL, 0, t, m, p, work, work_len, out, 32) ==
               NEXUS_ERR_INVALID_LENGTH);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, p, work, work_len, out,
                              3) == NEXUS_ERR_INVALID_LENGTH);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, 0, m, p, work, work_len, out,
                              32) == NEXUS_ERR_INVALID_ARGUMENT);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, 0, work, work_len, out,
                              32) == NEXUS_ERR_INVALID_ARGUMENT);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, 8 * p - 1, p, work, work_len,
                              out, 32) == NEXUS_ERR_INVALID_ARGUMENT);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, p, work, work_len - 1, out,
                              32) == NEXUS_ERR_BUFFER_TOO_SMALL);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, p, work + 1, work_len - 8,
                              out, 32) == NEXUS_ERR_INVALID_ARGUMENT);
        EXPECT(nexus_argon2id(NULL, 1, salt, salt_len, NULL, 0, NULL, 0, t, m, p, work, work_len, out, 32) ==
               NEXUS_ERR_NULL_POINTER);
        EXPECT(nexus_argon2id(pw, pw_len, NULL, 8, NULL, 0, NULL, 0, t, m, p, work, work_len, out, 32) ==
               NEXUS_ERR_NULL_POINTER);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 2, NULL, 0, t, m, p, work, work_len, out,
                              32) == NEXUS_ERR_NULL_POINTER);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 2, t, m, p, work, work_len, out,
                              32) == NEXUS_ERR_NULL_POINTER);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, p, NULL, work_len, out,
                              32) == NEXUS_ERR_NULL_POINTER);
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, p, work, work_len, NULL,
                              32) == NEXUS_ERR_NULL_POINTER);
        EXPECT(all_bytes(out, sizeof out, 0x77));

        /* Secret and associated data are inputs of H0: dropping them changes the tag. */
        EXPECT(nexus_argon2id(pw, pw_len, salt, salt_len, NULL, 0, NULL, 0, t, m, p, work, work_len, out,
                              tag_len) == NEXUS_OK &&
               memcmp(out, tag, tag_len) != 0);
        free(work);
        free(pw);
        free(salt);
        free(secret);
        free(ad);
        free(tag);
    }
    cJSON_Delete(v);
    EXPECT(ran == 1);

    size_t work_len = 0;
    EXPECT(nexus_argon2id_work_size(64, 1, &work_len) == NEXUS_OK && work_len == 64 * 1024);
    EXPECT(nexus_argon2id_work_size(33, 2, &work_len) == NEXUS_OK &&
           work_len == 32 * 1024); /* 4p * floor(m / 4p) */
    EXPECT(nexus_argon2id_work_size(7, 1, &work_len) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_argon2id_work_size(64, 0, &work_len) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_argon2id_work_size(0xffffffffu, 1u << 24, &work_len) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_argon2id_work_size(64, 1, NULL) == NEXUS_ERR_NULL_POINTER);
}

/* ---- AEAD ------------------------------------------------------------------------------------- */

typedef nexus_status (*aead_fn)(const uint8_t*, const uint8_t*, const uint8_t*, size_t, const uint8_t*,
                                size_t, uint8_t*, size_t, size_t*);

static void check_aead_vectors(const char* file, size_t nonce_len, aead_fn seal, aead_fn open) {
    cJSON* v = load_vectors(file);
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t key_len, nonce_n, ad_len, pt_len, ct_len, tag_len, n = 0;
        uint8_t* key = unhex_alloc(str_field(c, "key"), &key_len);
        uint8_t* nonce = unhex_alloc(str_field(c, "nonce"), &nonce_n);
        uint8_t* ad = unhex_alloc(str_field(c, "aad"), &ad_len);
        uint8_t* pt = unhex_alloc(str_field(c, "plaintext"), &pt_len);
        uint8_t* ct = unhex_alloc(str_field(c, "ciphertext"), &ct_len);
        uint8_t* tag = unhex_alloc(str_field(c, "tag"), &tag_len);
        EXPECT(key_len == 32 && nonce_n == nonce_len && ct_len == pt_len && tag_len == 16);
        uint8_t* sealed = malloc(ct_len + 16);
        uint8_t* opened = malloc(pt_len + 1);
        if (!sealed || !opened) exit(2);
        EXPECT(seal(key, nonce, pt, pt_len, ad, ad_len, sealed, ct_len + 16, &n) == NEXUS_OK &&
               n == ct_len + 16);
        EXPECT(memcmp(sealed, ct, ct_len) == 0 && memcmp(sealed + ct_len, tag, 16) == 0);
        n = 0;
        EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, opened, pt_len, &n) == NEXUS_OK &&
               n == pt_len && memcmp(opened, pt, pt_len) == 0);

        /* In place, both ways. */
        memcpy(sealed, pt, pt_len);
        EXPECT(seal(key, nonce, sealed, pt_len, ad, ad_len, sealed, ct_len + 16, NULL) == NEXUS_OK &&
               memcmp(sealed, ct, ct_len) == 0 && memcmp(sealed + ct_len, tag, 16) == 0);
        EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, sealed, ct_len + 16, NULL) == NEXUS_OK &&
               memcmp(sealed, pt, pt_len) == 0);

        /* Any changed bit of ciphertext, tag, ad or nonce fails, and the output is untouched. */
        memcpy(sealed, ct, ct_len);
        memcpy(sealed + ct_len, tag, 16);
        size_t flips[4] = {0, ct_len / 2, ct_len, ct_len + 15};
        for (size_t i = 0; i < 4; ++i) {
            sealed[flips[i]] ^= 0x01;
            memset(opened, 0xee, pt_len);
            EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, opened, pt_len, NULL) ==
                   NEXUS_ERR_AUTH_FAILED);
            EXPECT(all_bytes(opened, pt_len, 0xee));
            sealed[flips[i]] ^= 0x01;
        }
        ad[0] ^= 0x80;
        EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, opened, pt_len, NULL) ==
               NEXUS_ERR_AUTH_FAILED);
        ad[0] ^= 0x80;
        nonce[nonce_len - 1] ^= 0x02;
        EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, opened, pt_len, NULL) ==
               NEXUS_ERR_AUTH_FAILED);
        nonce[nonce_len - 1] ^= 0x02;
        /* In place, a failed open leaves the ciphertext in the buffer (trial decryption works). */
        sealed[0] ^= 0x01;
        EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, sealed, ct_len + 16, NULL) ==
                   NEXUS_ERR_AUTH_FAILED &&
               sealed[0] == (uint8_t)(ct[0] ^ 0x01) && memcmp(sealed + 1, ct + 1, ct_len - 1) == 0);
        sealed[0] ^= 0x01;

        /* Capacities. */
        EXPECT(seal(key, nonce, pt, pt_len, ad, ad_len, sealed, ct_len + 15, NULL) ==
               NEXUS_ERR_BUFFER_TOO_SMALL);
        EXPECT(seal(key, nonce, pt, pt_len, ad, ad_len, sealed, 15, NULL) == NEXUS_ERR_BUFFER_TOO_SMALL);
        EXPECT(open(key, nonce, sealed, ct_len + 16, ad, ad_len, opened, pt_len - 1, NULL) ==
               NEXUS_ERR_BUFFER_TOO_SMALL);
        EXPECT(open(key, nonce, sealed, 15, ad, ad_len, opened, pt_len, NULL) == NEXUS_ERR_TRUNCATED);
        /* A partial overlap of input and output is refused. */
        EXPECT(seal(key, nonce, sealed, 8, ad, ad_len, sealed + 1, 24, NULL) == NEXUS_ERR_INVALID_ARGUMENT);
        EXPECT(open(key, nonce, sealed + 1, ct_len + 15, ad, ad_len, sealed, ct_len, NULL) ==
               NEXUS_ERR_INVALID_ARGUMENT);
        free(key);
        free(nonce);
        free(ad);
        free(pt);
        free(ct);
        free(tag);
        free(sealed);
        free(opened);
    }
    cJSON_Delete(v);
}

static void check_aead_errors(aead_fn seal, aead_fn open) {
    uint8_t key[32] = {1}, nonce[24] = {2}, buf[64], out[64];
    size_t n = 99;
    /* The empty message: a bare tag. */
    EXPECT(seal(key, nonce, NULL, 0, NULL, 0, buf, 16, &n) == NEXUS_OK && n == 16);
    EXPECT(open(key, nonce, buf, 16, NULL, 0, NULL, 0, &n) == NEXUS_OK && n == 0);
    EXPECT(seal(NULL, nonce, buf, 1, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(seal(key, NULL, buf, 1, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(seal(key, nonce, NULL, 1, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(seal(key, nonce, buf, 1, NULL, 1, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(seal(key, nonce, buf, 1, NULL, 0, NULL, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(open(NULL, nonce, buf, 16, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(open(key, NULL, buf, 16, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(open(key, nonce, NULL, 16, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(open(key, nonce, buf, 16, NULL, 1, out, sizeof out, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(open(key, nonce, buf, 17, NULL, 0, NULL, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(open(key, nonce, NULL, 0, NULL, 0, out, sizeof out, NULL) == NEXUS_ERR_TRUNCATED);
    EXPECT(open(key, nonce, buf, 17, NULL, 0, NULL, 0, NULL) == NEXUS_ERR_BUFFER_TOO_SMALL);
}

static void check_aead_round_trips(aead_fn seal, aead_fn open) {
    for (int round = 0; round < 200; ++round) {
        uint8_t key[32], nonce[24], ad[40], pt[300], sealed[316], opened[300];
        size_t ad_len = (size_t)round % 41, pt_len = (size_t)(round * 37) % 301, n = 0;
        rng_fill(key, sizeof key);
        rng_fill(nonce, sizeof nonce);
        rng_fill(ad, ad_len);
        rng_fill(pt, pt_len);
        EXPECT(seal(key, nonce, pt, pt_len, ad, ad_len, sealed, sizeof sealed, &n) == NEXUS_OK &&
               n == pt_len + 16);
        EXPECT(open(key, nonce, sealed, n, ad, ad_len, opened, sizeof opened, &n) == NEXUS_OK &&
               n == pt_len && memcmp(opened, pt, pt_len) == 0);
        sealed[(size_t)round % (pt_len + 16)] ^= (uint8_t)(1u << (round % 8));
        EXPECT(open(key, nonce, sealed, pt_len + 16, ad, ad_len, opened, sizeof opened, NULL) ==
               NEXUS_ERR_AUTH_FAILED);
    }
}

static void test_aead(void) {
    check_aead_vectors("chacha20_poly1305.json", 12, nexus_chacha20poly1305_seal,
                       nexus_chacha20poly1305_open);
    check_aead_vectors("xchacha20_poly1305.json", 24, nexus_xchacha20poly1305_seal,
                       nexus_xchacha20poly1305_open);
    check_aead_errors(nexus_chacha20poly1305_seal, nexus_chacha20poly1305_open);
    check_aead_errors(nexus_xchacha20poly1305_seal, nexus_xchacha20poly1305_open);
    check_aead_round_trips(nexus_chacha20poly1305_seal, nexus_chacha20poly1305_open);
    check_aead_round_trips(nexus_xchacha20poly1305_seal, nexus_xchacha20poly1305_open);

    /* The two constructions differ: XChaCha20 derives a subkey from the first 16 nonce bytes. */
    uint8_t key[32] = {9}, nonce[24] = {0}, a[20], b[20];
    EXPECT(nexus_chacha20poly1305_seal(key, nonce, (const uint8_t*)"four", 4, NULL, 0, a, sizeof a, NULL) ==
           NEXUS_OK);
    EXPECT(nexus_xchacha20poly1305_seal(key, nonce, (const uint8_t*)"four", 4, NULL, 0, b, sizeof b, NULL) ==
           NEXUS_OK);
    EXPECT(memcmp(a, b, 20) != 0);
}

/* ---- X25519 ----------------------------------------------------------------------------------- */

/* u = 0, 1, p - 1 (orders 1, 4, 2), the non-canonical p and p + 1, and the two order-8 points. */
static const char* const x25519_low_order[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
};

static void test_x25519(void) {
    cJSON* v = load_vectors("x25519.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        const char* type = str_field(c, "type");
        uint8_t out[32], expect[32];
        if (strcmp(type, "function") == 0) {
            uint8_t k[32], u[32];
            unhex(str_field(c, "scalar"), k, 32);
            unhex(str_field(c, "u"), u, 32);
            unhex(str_field(c, "output"), expect, 32);
            EXPECT(nexus_x25519(k, u, out) == NEXUS_OK && memcmp(out, expect, 32) == 0);
        } else if (strcmp(type, "iterated") == 0) {
            /* RFC 7748 §5.2: k = u = 9, then (k, u) = (X25519(k, u), k). The 1,000,000-step value
             * takes minutes and is left to the C++ suite. */
            long iterations = int_field(c, "iterations");
            if (iterations > 1000) continue;
            uint8_t k[32] = {9}, u[32] = {9};
            int all_ok = 1;
            for (long i = 0; i < iterations; ++i) {
                all_ok &= nexus_x25519(k, u, out) == NEXUS_OK;
                memcpy(u, k, 32);
                memcpy(k, out, 32);
            }
            unhex(str_field(c, "output"), expect, 32);
            EXPECT(all_ok && memcmp(k, expect, 32) == 0);
        } else {
            uint8_t a_sec[32], a_pub[32], b_sec[32], b_pub[32];
            unhex(str_field(c, "alice_secret"), a_sec, 32);
            unhex(str_field(c, "alice_public"), a_pub, 32);
            unhex(str_field(c, "bob_secret"), b_sec, 32);
            unhex(str_field(c, "bob_public"), b_pub, 32);
            unhex(str_field(c, "shared"), expect, 32);
            EXPECT(nexus_x25519_public_key(a_sec, out) == NEXUS_OK && memcmp(out, a_pub, 32) == 0);
            EXPECT(nexus_x25519_public_key(b_sec, out) == NEXUS_OK && memcmp(out, b_pub, 32) == 0);
            EXPECT(nexus_x25519(a_sec, b_pub, out) == NEXUS_OK && memcmp(out, expect, 32) == 0);
            EXPECT(nexus_x25519(b_sec, a_pub, out) == NEXUS_OK && memcmp(out, expect, 32) == 0);
        }
    }
    cJSON_Delete(v);

    uint8_t k[32], u[32], out[32];
    memset(k, 0x42, sizeof k);
    for (size_t i = 0; i < sizeof x25519_low_order / sizeof x25519_low_order[0]; ++i) {
        unhex(x25519_low_order[i], u, 32);
        memset(out, 0x55, sizeof out);
        EXPECT(nexus_x25519(k, u, out) == NEXUS_ERR_WEAK_KEY && all_bytes(out, 32, 0));
    }

    /* Diffie-Hellman agreement, and public_key(k) == X25519(k, 9), on random secrets. */
    for (int round = 0; round < 50; ++round) {
        uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32], nine[32] = {9};
        rng_fill(a, 32);
        rng_fill(b, 32);
        EXPECT(nexus_x25519_public_key(a, pa) == NEXUS_OK && nexus_x25519(a, nine, s1) == NEXUS_OK &&
               memcmp(pa, s1, 32) == 0);
        EXPECT(nexus_x25519_public_key(b, pb) == NEXUS_OK);
        EXPECT(nexus_x25519(a, pb, s1) == NEXUS_OK && nexus_x25519(b, pa, s2) == NEXUS_OK &&
               memcmp(s1, s2, 32) == 0);
    }
    EXPECT(nexus_x25519(NULL, u, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_x25519(k, NULL, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_x25519(k, u, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_x25519_public_key(NULL, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_x25519_public_key(k, NULL) == NEXUS_ERR_NULL_POINTER);
}

/* ---- Ed25519 ---------------------------------------------------------------------------------- */

static void test_ed25519(void) {
    cJSON* v = load_vectors("ed25519.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        uint8_t seed[32], pub[32], sig[64], pk[32], sk[64], out[64];
        size_t msg_len;
        unhex(str_field(c, "secret_key"), seed, 32);
        unhex(str_field(c, "public_key"), pub, 32);
        unhex(str_field(c, "signature"), sig, 64);
        uint8_t* msg = unhex_alloc(str_field(c, "message"), &msg_len);
        EXPECT(nexus_ed25519_keypair(seed, pk, sk) == NEXUS_OK && memcmp(pk, pub, 32) == 0 &&
               memcmp(sk, seed, 32) == 0 && memcmp(sk + 32, pub, 32) == 0);
        EXPECT(nexus_ed25519_sign(sk, msg, msg_len, out) == NEXUS_OK && memcmp(out, sig, 64) == 0);
        EXPECT(nexus_ed25519_verify(pub, msg, msg_len, sig) == NEXUS_OK);
        /* A changed bit of the message, R, S or the key fails. */
        if (msg_len > 0) {
            msg[0] ^= 1;
            EXPECT(nexus_ed25519_verify(pub, msg, msg_len, sig) == NEXUS_ERR_AUTH_FAILED);
            msg[0] ^= 1;
        }
        sig[3] ^= 0x10;
        EXPECT(nexus_ed25519_verify(pub, msg, msg_len, sig) == NEXUS_ERR_AUTH_FAILED);
        sig[3] ^= 0x10;
        sig[40] ^= 0x01;
        EXPECT(nexus_ed25519_verify(pub, msg, msg_len, sig) == NEXUS_ERR_AUTH_FAILED);
        sig[40] ^= 0x01;
        pub[5] ^= 0x04;
        EXPECT(nexus_ed25519_verify(pub, msg, msg_len, sig) == NEXUS_ERR_AUTH_FAILED);
        pub[5] ^= 0x04;
        /* S + L (non-canonical) would verify under a cofactorless equation that reduced S. */
        {
            static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                          0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
            uint8_t bad[64];
            unsigned carry = 0;
            memcpy(bad, sig, 64);
            for (size_t i = 0; i < 32; ++i) {
                carry += (unsigned)bad[32 + i] + L[i];
                bad[32 + i] = (uint8_t)carry;
                carry >>= 8;
            }
            EXPECT(nexus_ed25519_verify(pub, msg, msg_len, bad) == NEXUS_ERR_AUTH_FAILED);
        }
        /* Key conversion: X25519 public key of the converted secret == converted public key. */
        uint8_t xs[32], xp[32], xp2[32];
        EXPECT(nexus_ed25519_secret_to_x25519(sk, xs) == NEXUS_OK);
        EXPECT(nexus_ed25519_public_to_x25519(pub, xp) == NEXUS_OK);
        EXPECT(nexus_x25519_public_key(xs, xp2) == NEXUS_OK && memcmp(xp, xp2, 32) == 0);
        free(msg);
    }
    cJSON_Delete(v);

    /* Random round trips: sign/verify, and two converted key pairs agree on a shared secret. */
    for (int round = 0; round < 50; ++round) {
        uint8_t seed_a[32], seed_b[32], pa[32], sa[64], pb[32], sb[64], msg[100], sig[64];
        uint8_t xsa[32], xpa[32], xsb[32], xpb[32], s1[32], s2[32];
        size_t msg_len = (size_t)round * 2;
        rng_fill(seed_a, 32);
        rng_fill(seed_b, 32);
        rng_fill(msg, msg_len);
        EXPECT(nexus_ed25519_keypair(seed_a, pa, sa) == NEXUS_OK &&
               nexus_ed25519_keypair(seed_b, pb, sb) == NEXUS_OK);
        EXPECT(nexus_ed25519_sign(sa, msg, msg_len, sig) == NEXUS_OK);
        EXPECT(nexus_ed25519_verify(pa, msg, msg_len, sig) == NEXUS_OK);
        EXPECT(nexus_ed25519_verify(pb, msg, msg_len, sig) == NEXUS_ERR_AUTH_FAILED);
        EXPECT(nexus_ed25519_secret_to_x25519(sa, xsa) == NEXUS_OK &&
               nexus_ed25519_public_to_x25519(pa, xpa) == NEXUS_OK);
        EXPECT(nexus_ed25519_secret_to_x25519(sb, xsb) == NEXUS_OK &&
               nexus_ed25519_public_to_x25519(pb, xpb) == NEXUS_OK);
        EXPECT(nexus_x25519(xsa, xpb, s1) == NEXUS_OK && nexus_x25519(xsb, xpa, s2) == NEXUS_OK &&
               memcmp(s1, s2, 32) == 0);
    }

    /* Small-order and non-canonical public keys: refused by verify and by the conversion. */
    static const char* const small_order[] = {
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    uint8_t sig[64] = {0}, x[32];
    for (size_t i = 0; i < sizeof small_order / sizeof small_order[0]; ++i) {
        uint8_t pk[32];
        unhex(small_order[i], pk, 32);
        memset(x, 0x66, sizeof x);
        EXPECT(nexus_ed25519_public_to_x25519(pk, x) == NEXUS_ERR_BAD_ENCODING && all_bytes(x, 32, 0x66));
        /* R = A, S = 0: for the identity the equation holds, so only the small-order rule refuses it. */
        memcpy(sig, pk, 32);
        EXPECT(nexus_ed25519_verify(pk, (const uint8_t*)"m", 1, sig) == NEXUS_ERR_AUTH_FAILED);
    }

    uint8_t seed[32] = {1}, pk[32], sk[64];
    EXPECT(nexus_ed25519_keypair(NULL, pk, sk) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_keypair(seed, NULL, sk) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_keypair(seed, pk, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_keypair(seed, pk, sk) == NEXUS_OK);
    EXPECT(nexus_ed25519_sign(NULL, seed, 1, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_sign(sk, NULL, 1, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_sign(sk, seed, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_sign(sk, NULL, 0, sig) == NEXUS_OK);
    EXPECT(nexus_ed25519_verify(pk, NULL, 0, sig) == NEXUS_OK);
    EXPECT(nexus_ed25519_verify(NULL, seed, 1, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_verify(pk, NULL, 1, sig) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_verify(pk, seed, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_public_to_x25519(NULL, x) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_public_to_x25519(pk, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_secret_to_x25519(NULL, x) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_ed25519_secret_to_x25519(sk, NULL) == NEXUS_ERR_NULL_POINTER);
}

static void test_vrf(void) {
    cJSON* v = load_vectors("ecvrf.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        uint8_t seed[32], pk[32], sk[64], epk[32], proof[80], epi[80], beta[64], ebeta[64];
        size_t alpha_len = 0;
        unhex(str_field(c, "sk"), seed, sizeof seed);
        unhex(str_field(c, "pk"), epk, sizeof epk);
        unhex(str_field(c, "pi"), epi, sizeof epi);
        unhex(str_field(c, "beta"), ebeta, sizeof ebeta);
        uint8_t* alpha = unhex_alloc(str_field(c, "alpha"), &alpha_len);
        EXPECT(nexus_ed25519_keypair(seed, pk, sk) == NEXUS_OK && memcmp(pk, epk, 32) == 0);
        EXPECT(nexus_vrf_prove(sk, alpha, alpha_len, proof) == NEXUS_OK && memcmp(proof, epi, 80) == 0);
        EXPECT(nexus_vrf_verify(pk, proof, alpha, alpha_len, beta) == NEXUS_OK && memcmp(beta, ebeta, 64) == 0);
        memset(beta, 0, sizeof beta);
        EXPECT(nexus_vrf_proof_to_hash(proof, beta) == NEXUS_OK && memcmp(beta, ebeta, 64) == 0);
        for (size_t i = 0; i < 80; i += 7) {
            uint8_t keep[64];
            memset(beta, 0x5a, sizeof beta);
            memcpy(keep, beta, sizeof keep);
            proof[i] ^= 0x01;
            EXPECT(nexus_vrf_verify(pk, proof, alpha, alpha_len, beta) == NEXUS_ERR_AUTH_FAILED &&
                   memcmp(beta, keep, 64) == 0);
            proof[i] ^= 0x01;
        }
        free(alpha);
    }
    cJSON_Delete(v);
    uint8_t buf[80] = {0}, out[64];
    EXPECT(nexus_vrf_prove(NULL, buf, 0, buf) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_vrf_prove(buf, NULL, 3, buf) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_vrf_verify(buf, NULL, buf, 0, out) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_vrf_proof_to_hash(buf, NULL) == NEXUS_ERR_NULL_POINTER);
    memset(buf, 0xff, sizeof buf);
    EXPECT(nexus_vrf_proof_to_hash(buf, out) == NEXUS_ERR_BAD_ENCODING);
}

int main(void) {
    test_sha2();
    test_hmac();
    test_hkdf();
    test_blake2b();
    test_blake3();
    test_argon2id();
    test_aead();
    test_x25519();
    test_ed25519();
    test_vrf();
    return report("nexus C ABI crypto");
}
