/* Tests the framing, path cost and announce extension part of the nexus C ABI (nexus_wire.h) from
 * C99. Independent truth: HDLC and KISS frames written out by hand from the framing spec
 * (../shared/spec/reticulum-framing.md "Framing on byte streams"), decoders fed the same stream in
 * every chunking; cost and bandwidth codes against the spec's formulas computed here with log2()
 * on values away from rounding boundaries; CompactPathCost and extension bytes written by hand. */
#include <math.h>

#include "harness.h"

/* Feeds a whole chunk to an HDLC decoder, appending every frame (length-prefixed by one byte) to
 * out; returns the number of frames. */
static size_t hdlc_feed_all(nexus_hdlc_decoder* d, const uint8_t* in, size_t n, uint8_t* out,
                            size_t* out_len) {
    size_t frames = 0;
    while (n > 0) {
        size_t used = 0, flen = 0;
        const uint8_t* f = NULL;
        EXPECT(nexus_hdlc_decoder_feed(d, in, n, &used, &f, &flen) == NEXUS_OK);
        EXPECT(used > 0 && used <= n);
        if (f != NULL) {
            out[(*out_len)++] = (uint8_t)flen;
            memcpy(out + *out_len, f, flen);
            *out_len += flen;
            ++frames;
        }
        in += used;
        n -= used;
    }
    return frames;
}

static size_t kiss_feed_all(nexus_kiss_decoder* d, const uint8_t* in, size_t n, uint8_t* out,
                            size_t* out_len) {
    size_t frames = 0;
    while (n > 0) {
        size_t used = 0, flen = 0;
        const uint8_t* f = NULL;
        EXPECT(nexus_kiss_decoder_feed(d, in, n, &used, &f, &flen) == NEXUS_OK);
        EXPECT(used > 0 && used <= n);
        if (f != NULL) {
            out[(*out_len)++] = (uint8_t)flen;
            memcpy(out + *out_len, f, flen);
            *out_len += flen;
            ++frames;
        }
        in += used;
        n -= used;
    }
    return frames;
}

static void test_hdlc(void) {
    /* Payload 01 7E 02 7D 03 -> 7E 01 7D 5E 02 7D 5D 03 7E. */
    const uint8_t payload[] = {0x01, 0x7E, 0x02, 0x7D, 0x03};
    const uint8_t frame[] = {0x7E, 0x01, 0x7D, 0x5E, 0x02, 0x7D, 0x5D, 0x03, 0x7E};
    uint8_t out[64];
    size_t n = 0;
    EXPECT(nexus_hdlc_encode(payload, sizeof payload, out, sizeof out, &n) == NEXUS_OK);
    EXPECT(n == sizeof frame && memcmp(out, frame, n) == 0);
    EXPECT(nexus_hdlc_encode(NULL, 0, out, sizeof out, &n) == NEXUS_OK && n == 2 && out[0] == 0x7E &&
           out[1] == 0x7E);
    memset(out, 0xEE, sizeof out);
    EXPECT(nexus_hdlc_encode(payload, sizeof payload, out, sizeof frame - 1, &n) ==
           NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(out[0] == 0xEE);

    /* A stream: junk, the frame, a second frame sharing its flag (AA), an empty frame, a bad
     * escape (7D 41, dropped), then BB. */
    const uint8_t stream[] = {0x55, 0x66, 0x7E, 0x01, 0x7D, 0x5E, 0x02, 0x7D, 0x5D, 0x03, 0x7E,
                              0xAA, 0x7E, 0x7E, 0x10, 0x7D, 0x41, 0x11, 0x7E, 0xBB, 0x7E};
    const uint8_t expect[] = {5, 0x01, 0x7E, 0x02, 0x7D, 0x03, 1, 0xAA, 1, 0xBB};
    for (size_t chunk = 1; chunk <= sizeof stream; ++chunk) {
        nexus_hdlc_decoder* d = NULL;
        EXPECT(nexus_hdlc_decoder_new(&d) == NEXUS_OK);
        uint8_t got[64];
        size_t got_len = 0, frames = 0;
        for (size_t at = 0; at < sizeof stream; at += chunk) {
            const size_t len = sizeof stream - at < chunk ? sizeof stream - at : chunk;
            frames += hdlc_feed_all(d, stream + at, len, got, &got_len);
        }
        EXPECT(frames == 3 && got_len == sizeof expect && memcmp(got, expect, got_len) == 0);
        nexus_framing_stats st;
        EXPECT(nexus_hdlc_decoder_stats(d, &st) == NEXUS_OK);
        EXPECT(st.frames == 3 && st.discarded == 2 && st.invalid_escapes == 1 && st.oversized == 0 &&
               st.ignored == 0);
        nexus_hdlc_decoder_free(d);
    }

    /* Oversized frames drop; reset returns to hunting. */
    nexus_hdlc_decoder* d = NULL;
    EXPECT(nexus_hdlc_decoder_new(&d) == NEXUS_OK);
    static uint8_t big[NEXUS_FRAME_CAPACITY + 3];
    memset(big, 0x33, sizeof big);
    big[0] = 0x7E;
    big[sizeof big - 1] = 0x7E;
    uint8_t got[16];
    size_t got_len = 0;
    EXPECT(hdlc_feed_all(d, big, sizeof big, got, &got_len) == 0);
    nexus_framing_stats st;
    EXPECT(nexus_hdlc_decoder_stats(d, &st) == NEXUS_OK && st.oversized == 1);
    const uint8_t tail[] = {0x44, 0x7E};
    EXPECT(nexus_hdlc_decoder_reset(d) == NEXUS_OK);
    EXPECT(hdlc_feed_all(d, tail, sizeof tail, got, &got_len) == 0); /* 44 is before the first flag */
    EXPECT(nexus_hdlc_decoder_stats(d, &st) == NEXUS_OK && st.discarded == 1);
    size_t used = 9, flen = 9;
    const uint8_t* f = tail;
    EXPECT(nexus_hdlc_decoder_feed(d, NULL, 0, &used, &f, &flen) == NEXUS_OK && used == 0 && f == NULL &&
           flen == 0);
    EXPECT(nexus_hdlc_decoder_feed(d, tail, 2, NULL, &f, &flen) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hdlc_decoder_feed(NULL, tail, 2, &used, &f, &flen) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_hdlc_decoder_new(NULL) == NEXUS_ERR_NULL_POINTER);
    nexus_hdlc_decoder_free(d);
    nexus_hdlc_decoder_free(NULL);
}

static void test_kiss(void) {
    /* Payload 01 C0 02 DB 03 -> C0 00 01 DB DC 02 DB DD 03 C0; port 3 -> command byte 0x30. */
    const uint8_t payload[] = {0x01, 0xC0, 0x02, 0xDB, 0x03};
    const uint8_t frame[] = {0xC0, 0x00, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0x03, 0xC0};
    uint8_t out[64];
    size_t n = 0;
    EXPECT(nexus_kiss_encode(payload, sizeof payload, 0, out, sizeof out, &n) == NEXUS_OK);
    EXPECT(n == sizeof frame && memcmp(out, frame, n) == 0);
    EXPECT(nexus_kiss_encode(payload, 1, 3, out, sizeof out, &n) == NEXUS_OK && n == 4 && out[1] == 0x30 &&
           out[2] == 0x01 && out[3] == 0xC0);
    EXPECT(nexus_kiss_encode(payload, 1, 12, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_kiss_encode(payload, 1, 16, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_kiss_encode(payload, 1, -1, out, sizeof out, &n) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_kiss_encode(payload, sizeof payload, 0, out, sizeof frame - 1, &n) ==
           NEXUS_ERR_BUFFER_TOO_SMALL);

    /* Stream: junk, the frame, a port-3 data frame (30 AA), a non-data command (01 BB), a bad
     * escape (DB 41), then 00 CC. */
    const uint8_t stream[] = {0x99, 0xC0, 0x00, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0x03, 0xC0, 0x30,
                              0xAA, 0xC0, 0x01, 0xBB, 0xC0, 0x00, 0xDB, 0x41, 0xC0, 0x00, 0xCC, 0xC0};
    const uint8_t expect_port0[] = {5, 0x01, 0xC0, 0x02, 0xDB, 0x03, 1, 0xCC};
    const uint8_t expect_any[] = {5, 0x01, 0xC0, 0x02, 0xDB, 0x03, 1, 0xAA, 1, 0xCC};
    for (size_t chunk = 1; chunk <= sizeof stream; ++chunk) {
        for (int any = 0; any < 2; ++any) {
            nexus_kiss_decoder* d = NULL;
            EXPECT(nexus_kiss_decoder_new(any ? NEXUS_KISS_ANY_PORT : 0, &d) == NEXUS_OK);
            uint8_t got[64];
            size_t got_len = 0;
            for (size_t at = 0; at < sizeof stream; at += chunk) {
                const size_t len = sizeof stream - at < chunk ? sizeof stream - at : chunk;
                kiss_feed_all(d, stream + at, len, got, &got_len);
            }
            const uint8_t* expect = any ? expect_any : expect_port0;
            const size_t expect_len = any ? sizeof expect_any : sizeof expect_port0;
            EXPECT(got_len == expect_len && memcmp(got, expect, got_len) == 0);
            nexus_framing_stats st;
            EXPECT(nexus_kiss_decoder_stats(d, &st) == NEXUS_OK);
            EXPECT(st.frames == (any ? 3u : 2u) && st.ignored == (any ? 1u : 2u) && st.invalid_escapes == 1 &&
                   st.discarded == 1);
            nexus_kiss_decoder_free(d);
        }
    }
    nexus_kiss_decoder* d = (nexus_kiss_decoder*)out;
    EXPECT(nexus_kiss_decoder_new(16, &d) == NEXUS_ERR_INVALID_ARGUMENT && d == (nexus_kiss_decoder*)out);
    EXPECT(nexus_kiss_decoder_new(-1, &d) == NEXUS_ERR_INVALID_ARGUMENT);
    EXPECT(nexus_kiss_decoder_new(3, &d) == NEXUS_OK);
    EXPECT(nexus_kiss_decoder_reset(d) == NEXUS_OK);
    EXPECT(nexus_kiss_decoder_stats(d, NULL) == NEXUS_ERR_NULL_POINTER);
    nexus_kiss_decoder_free(d);
}

/* round(16 log2(cost + 1)) and round(8 log2(bps)) in floating point, trusted only where the
 * real value is at least 0.01 away from a .5 boundary. */
static int far_from_half(double x) {
    const double f = x - floor(x);
    return fabs(f - 0.5) > 0.01;
}

static void test_codes(void) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int checked = 0;
    for (int i = 0; i < 4000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const int bits = 1 + i % 40; /* values up to 2^40: well inside double precision */
        const uint64_t v = x >> (64 - bits);
        const double c = 16.0 * log2((double)v + 1.0);
        uint16_t code = 0;
        EXPECT(nexus_encode_cost(v, &code) == NEXUS_OK);
        if (far_from_half(c)) {
            EXPECT(code == (uint16_t)floor(c + 0.5));
            ++checked;
        }
        if (v >= 1) {
            const double b = 8.0 * log2((double)v);
            uint8_t bcode = 0;
            EXPECT(nexus_encode_bandwidth(v, &bcode) == NEXUS_OK);
            /* The code saturates at 255. */
            if (far_from_half(b)) EXPECT(bcode == (b >= 254.5 ? 255 : (uint8_t)floor(b + 0.5)));
        }
    }
    EXPECT(checked > 3500);
    /* Hand-picked: cost 0 -> 0, 1 -> 16 (log2 2 = 1), 3 -> 32, 15 -> 64, 255 -> 128; bandwidth
     * 0, 1 -> 0, 2 -> 8, 256 -> 64, 1,000,000 -> round(159.45) = 159. */
    const uint64_t costs[] = {0, 1, 3, 15, 255};
    const uint16_t cost_codes[] = {0, 16, 32, 64, 128};
    for (int i = 0; i < 5; ++i) {
        uint16_t code = 0;
        uint64_t back = 0;
        EXPECT(nexus_encode_cost(costs[i], &code) == NEXUS_OK && code == cost_codes[i]);
        EXPECT(nexus_decode_cost(code, &back) == NEXUS_OK && back == costs[i]);
    }
    uint16_t code = 0;
    uint64_t back = 0;
    EXPECT(nexus_encode_cost(UINT64_MAX, &code) == NEXUS_OK && code == NEXUS_MAX_FINITE_COST_CODE);
    EXPECT(nexus_decode_cost(0xFFFF, &back) == NEXUS_OK && back == UINT64_MAX);
    const uint64_t bws[] = {0, 1, 2, 256, 1000000};
    const uint8_t bw_codes[] = {0, 0, 8, 64, 159};
    for (int i = 0; i < 5; ++i) {
        uint8_t b = 99;
        EXPECT(nexus_encode_bandwidth(bws[i], &b) == NEXUS_OK && b == bw_codes[i]);
    }
    EXPECT(nexus_decode_bandwidth(0, &back) == NEXUS_OK && back == 1);
    EXPECT(nexus_decode_bandwidth(64, &back) == NEXUS_OK && back == 256);
    EXPECT(nexus_decode_bandwidth(255, &back) == NEXUS_OK && back == 3938502376ull);
    /* decode: round(2^(code/16)) - 1 against pow() where it is far from a half. */
    for (uint16_t c = 0; c < 600; ++c) {
        const double d = pow(2.0, c / 16.0);
        if (far_from_half(d)) {
            EXPECT(nexus_decode_cost(c, &back) == NEXUS_OK && back == (uint64_t)floor(d + 0.5) - 1);
        }
    }
    EXPECT(nexus_encode_cost(1, NULL) == NEXUS_ERR_NULL_POINTER);
    EXPECT(nexus_decode_bandwidth(1, NULL) == NEXUS_ERR_NULL_POINTER);
}

static void test_path_cost(void) {
    nexus_path_cost c = {0x1234, 0x0250, 0x9F, 3}, d;
    uint8_t b[6];
    const uint8_t expect[6] = {0x34, 0x12, 0x50, 0x02, 0x9F, 0x03}; /* u16 little-endian */
    EXPECT(nexus_path_cost_encode(&c, b) == NEXUS_OK && memcmp(b, expect, 6) == 0);
    EXPECT(nexus_path_cost_decode(expect, 6, &d) == NEXUS_OK && memcmp(&c, &d, sizeof c) == 0);
    EXPECT(nexus_path_cost_decode(expect, 5, &d) == NEXUS_ERR_TRUNCATED);
    const uint8_t seven[7] = {0};
    EXPECT(nexus_path_cost_decode(seven, 7, &d) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_path_cost_origin(&c) == NEXUS_OK && c.cumulative_cost == 0 && c.worst_latency_ms == 0 &&
           c.bottleneck_bps == 255 && c.hop_count == 0);

    /* Origin, then a relay costing 15 uNXS/B (code 64) at 20 ms and 1 Mbps (code 159), then one
     * costing 16 more (31 -> round(16 log2 32) = 80) at 5 ms and 256 bps (code 64). */
    EXPECT(nexus_path_cost_relay_update(&c, 15, 20, 1000000, &c) == NEXUS_OK);
    EXPECT(c.cumulative_cost == 64 && c.worst_latency_ms == 20 && c.bottleneck_bps == 159 &&
           c.hop_count == 1);
    EXPECT(nexus_path_cost_relay_update(&c, 16, 5, 256, &d) == NEXUS_OK);
    EXPECT(d.cumulative_cost == 80 && d.worst_latency_ms == 20 && d.bottleneck_bps == 64 && d.hop_count == 2);
    /* Latency saturates at 0xFFFF, hops at 255; a zero-cost hop keeps the code. */
    c.hop_count = 255;
    c.cumulative_cost = 5; /* a code encode_cost never produces */
    EXPECT(nexus_path_cost_relay_update(&c, 0, 100000, 1000000, &d) == NEXUS_OK);
    EXPECT(d.cumulative_cost == 5 && d.worst_latency_ms == 0xFFFF && d.hop_count == 255);
    EXPECT(nexus_path_cost_relay_update(NULL, 0, 0, 0, &d) == NEXUS_ERR_NULL_POINTER);
}

static void test_announce_ext(void) {
    nexus_path_cost c = {80, 20, 64, 2};
    const uint8_t lamport[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    const uint8_t mtu[2] = {0xF4, 0x01};
    const uint8_t unknown[3] = {0xAB, 0xCD, 0xEF};
    nexus_tlv tlvs[3] = {
        {NEXUS_TLV_LAMPORT_TIMESTAMP, lamport, 8}, {NEXUS_TLV_PATH_MTU, mtu, 2}, {0x77, unknown, 3}};
    /* 4E 01 | 50 00 14 00 40 02 | 01 08 <8> | 02 02 F4 01 | 77 03 AB CD EF */
    const uint8_t expect[] = {0x4E, 0x01, 0x50, 0x00, 0x14, 0x00, 0x40, 0x02, 0x01,
                              0x08, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                              0x02, 0x02, 0xF4, 0x01, 0x77, 0x03, 0xAB, 0xCD, 0xEF};
    uint8_t out[64];
    size_t n = 0;
    EXPECT(nexus_announce_ext_build(&c, tlvs, 3, out, sizeof out, &n) == NEXUS_OK);
    EXPECT(n == sizeof expect && memcmp(out, expect, n) == 0);
    memset(out, 0xEE, sizeof out);
    EXPECT(nexus_announce_ext_build(&c, tlvs, 3, out, sizeof expect - 1, &n) == NEXUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(out[0] == 0xEE);
    EXPECT(nexus_announce_ext_build(&c, NULL, 0, out, sizeof out, &n) == NEXUS_OK && n == 8);
    nexus_tlv too_long = {1, out, 256};
    EXPECT(nexus_announce_ext_build(&c, &too_long, 1, out, sizeof out, &n) == NEXUS_ERR_INVALID_LENGTH);

    nexus_announce_ext e;
    EXPECT(nexus_announce_ext_parse(expect, sizeof expect, &e) == NEXUS_OK);
    EXPECT(e.version == 1 && e.path_cost.cumulative_cost == 80 && e.path_cost.worst_latency_ms == 20 &&
           e.path_cost.bottleneck_bps == 64 && e.path_cost.hop_count == 2);
    EXPECT(e.tlvs == expect + 8 && e.tlvs_len == sizeof expect - 8 && e.tlv_count == 3);
    size_t off = 0;
    nexus_tlv t;
    for (int i = 0; i < 3; ++i) {
        EXPECT(nexus_tlv_next(e.tlvs, e.tlvs_len, &off, &t) == NEXUS_OK);
        EXPECT(t.type == tlvs[i].type && t.len == tlvs[i].len && memcmp(t.data, tlvs[i].data, t.len) == 0);
    }
    EXPECT(nexus_tlv_next(e.tlvs, e.tlvs_len, &off, &t) == NEXUS_ERR_EMPTY);
    off = 0;
    EXPECT(nexus_tlv_next(e.tlvs, 5, &off, &t) == NEXUS_ERR_TRUNCATED && off == 0);
    uint64_t lt = 0;
    uint16_t v16 = 0;
    EXPECT(nexus_announce_ext_lamport_timestamp(expect, sizeof expect, &lt) == NEXUS_OK &&
           lt == 0x0102030405060708ull);
    EXPECT(nexus_announce_ext_path_mtu(expect, sizeof expect, &v16) == NEXUS_OK && v16 == 500);
    EXPECT(nexus_announce_ext_capabilities(expect, sizeof expect, &v16) == NEXUS_ERR_NOT_FOUND);

    /* Error order: empty, magic, short, version 0, version 2, TLV running past the end. */
    uint8_t bad[sizeof expect];
    EXPECT(nexus_announce_ext_parse(expect, 0, &e) == NEXUS_ERR_TRUNCATED);
    memcpy(bad, expect, sizeof bad);
    bad[0] = 0x4F;
    EXPECT(nexus_announce_ext_parse(bad, sizeof bad, &e) == NEXUS_ERR_BAD_ENCODING);
    EXPECT(nexus_announce_ext_parse(expect, 7, &e) == NEXUS_ERR_TRUNCATED);
    memcpy(bad, expect, sizeof bad);
    bad[1] = 0;
    EXPECT(nexus_announce_ext_parse(bad, sizeof bad, &e) == NEXUS_ERR_BAD_ENCODING);
    bad[1] = 2;
    EXPECT(nexus_announce_ext_parse(bad, sizeof bad, &e) == NEXUS_ERR_UNSUPPORTED);
    EXPECT(nexus_announce_ext_parse(expect, sizeof expect - 1, &e) == NEXUS_ERR_TRUNCATED);
    memcpy(bad, expect, sizeof bad);
    bad[9] = 7; /* lamport TLV of 7 bytes: parses, but its value is the wrong size */
    EXPECT(nexus_announce_ext_parse(bad, 8 + 2 + 7, &e) == NEXUS_OK && e.tlv_count == 1);
    EXPECT(nexus_announce_ext_lamport_timestamp(bad, 8 + 2 + 7, &lt) == NEXUS_ERR_INVALID_LENGTH);
    EXPECT(nexus_announce_ext_parse(NULL, 3, &e) == NEXUS_ERR_NULL_POINTER);
}

int main(void) {
    test_hdlc();
    test_kiss();
    test_codes();
    test_path_cost();
    test_announce_ext();
    return report("nexus C ABI wire");
}
