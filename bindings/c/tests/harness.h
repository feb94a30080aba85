/* The small test harness the C ABI tests share: EXPECT counting, reading test-vectors/ JSON
 * with cJSON, hex decoding of vector fields, and the final report. One test program per
 * translation unit includes it; the counters are per program. */
#ifndef NEXUS_C_TEST_HARNESS_H
#define NEXUS_C_TEST_HARNESS_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexus.h"

static int passed = 0;
static int failed = 0;

#define EXPECT(cond)                                                                       \
    do {                                                                                   \
        if (cond) {                                                                        \
            ++passed;                                                                      \
        } else {                                                                           \
            ++failed;                                                                      \
            fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                                  \
    } while (0)

static inline cJSON* load_vectors(const char* name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", NEXUS_TEST_VECTORS_DIR, name);
    FILE* f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
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

static inline const char* str_field(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : "";
}

/* An integer field; exits when it is missing, since the vector file is then malformed. */
static inline long int_field(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item)) {
        fprintf(stderr, "vector field %s is not a number\n", key);
        exit(2);
    }
    return (long)item->valuedouble;
}

/* Decodes test-supplied hex with the library itself (its hex is tested in test_nexus_c.c);
 * returns the length. */
static inline size_t unhex(const char* hex, uint8_t* out, size_t cap) {
    size_t n = 0;
    if (nexus_hex_decode(hex, strlen(hex), out, cap, &n) != NEXUS_OK) {
        fprintf(stderr, "vector hex does not decode: %s\n", hex);
        exit(2);
    }
    return n;
}

/* Like unhex into a fresh malloc'd buffer (never NULL, even for ""); free() it afterwards. */
static inline uint8_t* unhex_alloc(const char* hex, size_t* len) {
    size_t cap = strlen(hex) / 2;
    uint8_t* out = malloc(cap + 1);
    if (!out) exit(2);
    *len = unhex(hex, out, cap);
    return out;
}

/* Prints "<what>: N passed, M failed" and gives the process exit code. */
static inline int report(const char* what) {
    printf("%s: %d passed, %d failed\n", what, passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif /* NEXUS_C_TEST_HARNESS_H */
