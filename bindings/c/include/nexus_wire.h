/* nexus C ABI, stream framing, path cost and the announce extension (C99), over nexus/wire/hdlc.hpp,
 * kiss.hpp, path_cost.hpp and announce_ext.hpp. Included at the end of nexus.h; the rules there
 * hold here too. The stream decoders keep state across chunks, so they are opaque handles
 * allocated by this binding (nexus_*_decoder_new) and released with nexus_*_decoder_free; each
 * holds a frame buffer of NEXUS_FRAME_CAPACITY payload bytes.
 *
 * HDLC (Reticulum on TCP and pipes): 7E, payload with 7D and 7E sent as 7D (byte ^ 0x20), 7E.
 * KISS (serial, TNCs): C0, command byte (port << 4 | 0 for data), payload with C0 sent as DB DC
 * and DB sent as DB DD, C0.
 * CompactPathCost (6 bytes): cost code u16 LE = round(16 log2(cost + 1)), worst latency ms u16
 * LE, bandwidth code u8 = round(8 log2(bps)), hop count u8.
 * Announce extension: 4E, version 1, CompactPathCost, then TLVs (type u8, length u8, data). */
#ifndef NEXUS_WIRE_H
#define NEXUS_WIRE_H

#include "nexus.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NEXUS_FRAME_CAPACITY 4096 /* payload bytes a stream decoder can hold; longer frames drop */
#define NEXUS_KISS_ANY_PORT 255   /* decoder port filter accepting data frames of every port */
#define NEXUS_PATH_COST_BYTES 6
#define NEXUS_MAX_FINITE_COST_CODE 1024
#define NEXUS_ANNOUNCE_EXT_MAGIC 0x4E
#define NEXUS_ANNOUNCE_EXT_VERSION 1
#define NEXUS_ANNOUNCE_EXT_HEADER_BYTES 8

/* TLV types of version 1. */
#define NEXUS_TLV_LAMPORT_TIMESTAMP 0x01 /* u64 LE */
#define NEXUS_TLV_PATH_MTU 0x02          /* u16 LE */
#define NEXUS_TLV_CAPABILITIES 0x03      /* u16 LE */

/* ---- stream framing ------------------------------------------------------------------------ */

typedef struct nexus_hdlc_decoder nexus_hdlc_decoder;
typedef struct nexus_kiss_decoder nexus_kiss_decoder;

/* Decoder counters (wrap at 2^32). ignored is always 0 for HDLC. */
typedef struct nexus_framing_stats {
    uint32_t frames;          /* delivered */
    uint32_t oversized;       /* dropped: payload over NEXUS_FRAME_CAPACITY */
    uint32_t invalid_escapes; /* dropped: bad escape sequence */
    uint32_t ignored;         /* KISS: not a data frame, or another port */
    uint32_t discarded;       /* bytes before the first flag / FEND */
} nexus_framing_stats;

/* One complete frame into out; *out_len (optional) receives its size. An empty payload gives
 * 7E 7E. NEXUS_ERR_BUFFER_TOO_SMALL (out untouched) when out_cap is below the frame size (2n + 2
 * is always enough). payload may be NULL when payload_len is 0. */
nexus_status nexus_hdlc_encode(const uint8_t* payload, size_t payload_len, uint8_t* out, size_t out_cap,
                               size_t* out_len);
/* One KISS data frame for port (0..15; 12 is NEXUS_ERR_INVALID_ARGUMENT since its command byte
 * would be C0) into out; 2n + 3 bytes are always enough. */
nexus_status nexus_kiss_encode(const uint8_t* payload, size_t payload_len, int port, uint8_t* out,
                               size_t out_cap, size_t* out_len);

/* Stream decoders. Feed consumes input until a frame completes or the input ends: *consumed
 * receives the bytes taken, *frame / *frame_len the completed frame (NULL / 0 when none), pointing
 * into the decoder, valid until its next feed or reset. Call again with the rest of the input
 * until it is all consumed. Bad input is never an error: the decoder resynchronises at the next
 * flag and counts what it dropped. NEXUS_ERR_FULL when out of memory. */
nexus_status nexus_hdlc_decoder_new(nexus_hdlc_decoder** decoder);
void nexus_hdlc_decoder_free(nexus_hdlc_decoder* decoder);
nexus_status nexus_hdlc_decoder_feed(nexus_hdlc_decoder* decoder, const uint8_t* in, size_t in_len,
                                     size_t* consumed, const uint8_t** frame, size_t* frame_len);
nexus_status nexus_hdlc_decoder_reset(nexus_hdlc_decoder* decoder);
nexus_status nexus_hdlc_decoder_stats(const nexus_hdlc_decoder* decoder, nexus_framing_stats* stats);

/* port: 0..15 to deliver data frames of that port only, or NEXUS_KISS_ANY_PORT (as Reticulum);
 * anything else is NEXUS_ERR_INVALID_ARGUMENT. The frame handed out is the payload (without the
 * command byte). */
nexus_status nexus_kiss_decoder_new(int port, nexus_kiss_decoder** decoder);
void nexus_kiss_decoder_free(nexus_kiss_decoder* decoder);
nexus_status nexus_kiss_decoder_feed(nexus_kiss_decoder* decoder, const uint8_t* in, size_t in_len,
                                     size_t* consumed, const uint8_t** frame, size_t* frame_len);
nexus_status nexus_kiss_decoder_reset(nexus_kiss_decoder* decoder);
nexus_status nexus_kiss_decoder_stats(const nexus_kiss_decoder* decoder, nexus_framing_stats* stats);

/* ---- path cost ----------------------------------------------------------------------------------- */

typedef struct nexus_path_cost {
    uint16_t cumulative_cost;  /* cost code */
    uint16_t worst_latency_ms; /* max over the hops */
    uint8_t bottleneck_bps;    /* bandwidth code */
    uint8_t hop_count;         /* relays traversed */
} nexus_path_cost;

/* Cost code round(16 log2(cost + 1)) of a cost in uNXS per byte (0..1024), and back:
 * round(2^(code / 16)) - 1, saturating at 2^64 - 1 from code 1024 on. */
nexus_status nexus_encode_cost(uint64_t micro_nxs_per_byte, uint16_t* code);
nexus_status nexus_decode_cost(uint16_t code, uint64_t* micro_nxs_per_byte);
/* Bandwidth code round(8 log2(bps)), saturating at 255 (0 and 1 give 0), and back:
 * round(2^(code / 8)). */
nexus_status nexus_encode_bandwidth(uint64_t bps, uint8_t* code);
nexus_status nexus_decode_bandwidth(uint8_t code, uint64_t* bps);

/* The origin's summary: cost 0, latency 0, bandwidth code 255, 0 hops. */
nexus_status nexus_path_cost_origin(nexus_path_cost* cost);
/* The 6 wire bytes into out6. */
nexus_status nexus_path_cost_encode(const nexus_path_cost* cost, uint8_t* out6);
/* Exactly 6 bytes: NEXUS_ERR_TRUNCATED when shorter, NEXUS_ERR_INVALID_LENGTH when longer. */
nexus_status nexus_path_cost_decode(const uint8_t* in, size_t in_len, nexus_path_cost* cost);
/* What a relay forwards: cost = max(in, encode(decode(in) + cost_per_byte)) (unchanged for a
 * zero-cost hop), latency = max (own saturating at 65535), bandwidth = min of the codes, hops + 1
 * (saturating at 255). out may alias in. */
nexus_status nexus_path_cost_relay_update(const nexus_path_cost* in, uint64_t cost_per_byte,
                                          uint32_t latency_ms, uint64_t bps, nexus_path_cost* out);

/* ---- announce extension ------------------------------------------------------------------------ */

typedef struct nexus_tlv {
    uint8_t type;
    const uint8_t* data; /* may be NULL when len is 0 */
    size_t len;          /* at most 255 */
} nexus_tlv;

/* magic, version 1, the path cost, then the TLVs in order, into out; *out_len (optional)
 * receives the size. NEXUS_ERR_INVALID_LENGTH for a TLV over 255 bytes, NEXUS_ERR_BUFFER_TOO_SMALL
 * when out_cap cannot hold it all (out untouched either way). */
nexus_status nexus_announce_ext_build(const nexus_path_cost* cost, const nexus_tlv* tlvs, size_t tlv_count,
                                      uint8_t* out, size_t out_cap, size_t* out_len);

/* A parsed extension; tlvs points into the parsed bytes. */
typedef struct nexus_announce_ext {
    uint8_t version;
    nexus_path_cost path_cost;
    const uint8_t* tlvs; /* the TLV area (tlvs_len bytes), walk it with nexus_tlv_next */
    size_t tlvs_len;
    size_t tlv_count;
} nexus_announce_ext;

/* Parses app data as an extension. Errors: NEXUS_ERR_TRUNCATED for empty input, under 8 bytes or
 * a TLV running past the end; NEXUS_ERR_BAD_ENCODING for another magic or version 0;
 * NEXUS_ERR_UNSUPPORTED for a version above 1. */
nexus_status nexus_announce_ext_parse(const uint8_t* app_data, size_t app_data_len, nexus_announce_ext* ext);

/* The TLV at *offset of a TLV area (start with *offset = 0); *offset moves past it. NEXUS_ERR_EMPTY
 * at the end, NEXUS_ERR_TRUNCATED for an incomplete entry. */
nexus_status nexus_tlv_next(const uint8_t* tlvs, size_t tlvs_len, size_t* offset, nexus_tlv* entry);

/* Typed values of the first TLV of their type in app data (parsed as above): NEXUS_ERR_NOT_FOUND
 * when absent, NEXUS_ERR_INVALID_LENGTH for the wrong size. */
nexus_status nexus_announce_ext_lamport_timestamp(const uint8_t* app_data, size_t app_data_len,
                                                  uint64_t* value);
nexus_status nexus_announce_ext_path_mtu(const uint8_t* app_data, size_t app_data_len, uint16_t* value);
nexus_status nexus_announce_ext_capabilities(const uint8_t* app_data, size_t app_data_len, uint16_t* value);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_WIRE_H */
