/* Tests the nexus C ABI from C99, against the shared vectors in test-vectors/. */
#include "harness.h"

static void test_version(void) {
    char expect[32];
    uint32_t v = nexus_version_number();
    snprintf(expect, sizeof expect, "%u.%u.%u", (unsigned)(v >> 16), (unsigned)((v >> 8) & 0xff),
             (unsigned)(v & 0xff));
    EXPECT(strcmp(expect, nexus_version_string()) == 0);
    EXPECT(strcmp(nexus_status_string(NEXUS_OK), "ok") == 0);
    EXPECT(strcmp(nexus_status_string(NEXUS_ERR_BUFFER_TOO_SMALL), "buffer too small") == 0);
    EXPECT(strcmp(nexus_status_string(NEXUS_ERR_NULL_POINTER), "null pointer") == 0);
    EXPECT(strcmp(nexus_status_string(-5), "unknown status") == 0);
    EXPECT(strcmp(nexus_status_string(NEXUS_ERR_REPLAYED), "replayed message") == 0);
    EXPECT(strcmp(nexus_status_string(NEXUS_ERR_BAD_STATE), "not valid in this state") == 0);
    EXPECT(strcmp(nexus_status_string(16), "unknown status") == 0);
}

/* Every status with the spelling of its enumerator, taken by the preprocessor. */
#define SPELLED(x) \
    { x, #x }
static const struct {
    int code;
    const char* spelling;
} statuses[] = {
    SPELLED(NEXUS_OK),
    SPELLED(NEXUS_ERR_BUFFER_TOO_SMALL),
    SPELLED(NEXUS_ERR_TRUNCATED),
    SPELLED(NEXUS_ERR_INVALID_ARGUMENT),
    SPELLED(NEXUS_ERR_INVALID_LENGTH),
    SPELLED(NEXUS_ERR_BAD_ENCODING),
    SPELLED(NEXUS_ERR_OUT_OF_RANGE),
    SPELLED(NEXUS_ERR_FULL),
    SPELLED(NEXUS_ERR_EMPTY),
    SPELLED(NEXUS_ERR_NOT_FOUND),
    SPELLED(NEXUS_ERR_AUTH_FAILED),
    SPELLED(NEXUS_ERR_WEAK_KEY),
    SPELLED(NEXUS_ERR_IO_FAILED),
    SPELLED(NEXUS_ERR_UNSUPPORTED),
    SPELLED(NEXUS_ERR_REPLAYED),
    SPELLED(NEXUS_ERR_BAD_STATE),
    SPELLED(NEXUS_ERR_NULL_POINTER),
};
#undef SPELLED
#define STATUS_COUNT (sizeof statuses / sizeof statuses[0])

/* The name a status should have: its enumerator without NEXUS_ERR_ (or NEXUS_), lower-cased. */
static void expected_name(const char* spelling, char* out, size_t cap) {
    const char* p = strncmp(spelling, "NEXUS_ERR_", 10) == 0 ? spelling + 10 : spelling + 6;
    size_t i = 0;
    for (; p[i] != '\0' && i + 1 < cap; ++i)
        out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    out[i] = '\0';
}

static void test_status_names(void) {
    size_t i, j;
    char expect[64];
    /* The list covers exactly the codes 0..15 and 100, each once. */
    EXPECT(STATUS_COUNT == 17);
    for (i = 0; i < STATUS_COUNT; ++i) EXPECT(statuses[i].code == (i < 16 ? (int)i : 100));
    for (i = 0; i < STATUS_COUNT; ++i) {
        const char* name = nexus_status_name(statuses[i].code);
        expected_name(statuses[i].spelling, expect, sizeof expect);
        EXPECT(name != NULL && strcmp(name, expect) == 0);
        if (name == NULL || strcmp(name, expect) != 0)
            fprintf(stderr, "  %s: nexus_status_name gave \"%s\", expected \"%s\"\n", statuses[i].spelling,
                    name ? name : "(null)", expect);
        /* The description is another string: the text for people, never the bare name. */
        EXPECT(strcmp(nexus_status_string(statuses[i].code), "unknown status") != 0);
        for (j = 0; j < i; ++j) EXPECT(strcmp(name, nexus_status_name(statuses[j].code)) != 0);
    }
    EXPECT(strcmp(nexus_status_name(NEXUS_ERR_REPLAYED), "replayed") == 0);
    EXPECT(strcmp(nexus_status_name(NEXUS_ERR_NULL_POINTER), "null_pointer") == 0);
    EXPECT(strcmp(nexus_status_name(-1), "unknown") == 0);
    EXPECT(strcmp(nexus_status_name(16), "unknown") == 0);
    EXPECT(strcmp(nexus_status_name(99), "unknown") == 0);
    EXPECT(strcmp(nexus_status_name(101), "unknown") == 0);
    EXPECT(strcmp(nexus_status_name(256 + NEXUS_ERR_FULL), "unknown") == 0); /* no truncation to a byte */
}

static void test_hex(void) {
    cJSON* v = load_vectors("hex.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        const char* ascii = str_field(c, "ascii");
        const char* hex = str_field(c, "hex");
        char out[64];
        size_t n = 99;
        EXPECT(nexus_hex_encode((const uint8_t*)ascii, strlen(ascii), out, sizeof out, &n) == NEXUS_OK);
        EXPECT(n == strlen(hex) && strcmp(out, hex) == 0);
        uint8_t back[32];
        EXPECT(nexus_hex_decode(hex, strlen(hex), back, sizeof back, &n) == NEXUS_OK);
        EXPECT(n == strlen(ascii) && memcmp(back, ascii, n) == 0);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "upper_case_accepted")) {
        uint8_t a[16], b[16];
        size_t na = 0, nb = 0;
        const char* hex = str_field(c, "hex");
        EXPECT(nexus_hex_decode(hex, strlen(hex), a, sizeof a, &na) == NEXUS_OK);
        nb = unhex(str_field(c, "bytes_hex"), b, sizeof b);
        EXPECT(na == nb && memcmp(a, b, na) == 0);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "invalid")) {
        uint8_t out[8] = {7, 7, 7, 7, 7, 7, 7, 7};
        EXPECT(nexus_hex_decode(c->valuestring, strlen(c->valuestring), out, sizeof out, NULL) ==
               NEXUS_ERR_BAD_ENCODING);
        EXPECT(out[0] == 7);
    }
    cJSON_Delete(v);

    /* Bad pointers and short buffers are errors, never crashes. */
    char small[4];
    const uint8_t two[2] = {1, 2};
    EXPECT(nexus_hex_encode(two, 2, small, sizeof small, NULL) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_hex_encode(NULL, 2, small, sizeof small, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hex_encode(two, 2, NULL, 5, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hex_encode(two, 2, small, 0, NULL) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_hex_encode(NULL, 0, small, 1, NULL) == NEXUS_OK && small[0] == '\0');
    uint8_t one[1];
    EXPECT(nexus_hex_decode("0102", 4, one, 1, NULL) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(nexus_hex_decode(NULL, 4, one, 1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hex_decode("01", 2, NULL, 1, NULL) == NEXUS_ERR_NULL_POINTER);
}

static void test_byte_order(void) {
    cJSON* v = load_vectors("byte_order.json");
    const cJSON* c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "cases")) {
        size_t width = (size_t)cJSON_GetObjectItemCaseSensitive(c, "width")->valueint;
        uint8_t vb[8], big[8], little[8], out[8];
        size_t n = unhex(str_field(c, "value"), vb, sizeof vb);
        uint64_t value = 0;
        for (size_t i = 0; i < n; ++i) value = (value << 8) | vb[i];
        unhex(str_field(c, "big"), big, sizeof big);
        unhex(str_field(c, "little"), little, sizeof little);
        EXPECT(nexus_store_uint(value, width, NEXUS_BIG_ENDIAN, out, sizeof out) == NEXUS_OK);
        EXPECT(memcmp(out, big, width) == 0);
        EXPECT(nexus_store_uint(value, width, NEXUS_LITTLE_ENDIAN, out, sizeof out) == NEXUS_OK);
        EXPECT(memcmp(out, little, width) == 0);
        uint64_t back = 0;
        EXPECT(nexus_load_uint(big, width, width, NEXUS_BIG_ENDIAN, &back) == NEXUS_OK && back == value);
        EXPECT(nexus_load_uint(little, width, width, NEXUS_LITTLE_ENDIAN, &back) == NEXUS_OK &&
               back == value);
        EXPECT(nexus_load_uint(big, width - 1, width, NEXUS_BIG_ENDIAN, &back) == NEXUS_ERR_TRUNCATED);
        EXPECT(nexus_store_uint(value, width, NEXUS_BIG_ENDIAN, out, width - 1) ==
               NEXUS_ERR_BUFFER_TOO_SMALL);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "out_of_range")) {
        size_t width = (size_t)cJSON_GetObjectItemCaseSensitive(c, "width")->valueint;
        uint8_t vb[8], out[8];
        size_t n = unhex(str_field(c, "value"), vb, sizeof vb);
        uint64_t value = 0;
        for (size_t i = 0; i < n; ++i) value = (value << 8) | vb[i];
        EXPECT(nexus_store_uint(value, width, NEXUS_LITTLE_ENDIAN, out, sizeof out) == NEXUS_ERR_OUT_OF_RANGE);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "invalid_widths")) {
        uint8_t buf[16] = {0};
        uint64_t value = 0;
        EXPECT(nexus_store_uint(0, (size_t)c->valueint, NEXUS_BIG_ENDIAN, buf, sizeof buf) ==
               NEXUS_ERR_INVALID_ARGUMENT);
        EXPECT(nexus_load_uint(buf, sizeof buf, (size_t)c->valueint, NEXUS_BIG_ENDIAN, &value) ==
               NEXUS_ERR_INVALID_ARGUMENT);
    }
    cJSON_Delete(v);
    uint8_t buf[8] = {0};
    uint64_t value = 0;
    EXPECT(nexus_load_uint(buf, 8, 4, (nexus_byte_order)7, &value) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_load_uint(buf, 8, 4, NEXUS_BIG_ENDIAN, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_store_uint(1, 4, NEXUS_BIG_ENDIAN, NULL, 4) == NEXUS_ERR_NULL_POINTER);
}

int main(void) {
    test_version();
    test_status_names();
    test_hex();
    test_byte_order();
    return report("nexus C ABI");
}
