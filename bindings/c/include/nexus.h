/* nexus C ABI (C99). Every function returns a nexus_status and never aborts on bad input:
 * NULL pointers, short buffers and malformed data are reported as status codes, and outputs are
 * left untouched on failure unless a function says otherwise. No function allocates, except the
 * constructors of the opaque handles in nexus_link.h, nexus_wire.h and nexus_node.h (stateful
 * links, stream decoders and nodes), which the caller releases with their _free function. */
#ifndef NEXUS_H
#define NEXUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NEXUS_C_API_VERSION 1

/* Status codes; values 1..15 mirror nexus::error in the C++ library. */
typedef enum nexus_status {
    NEXUS_OK = 0,
    NEXUS_ERR_BUFFER_TOO_SMALL = 1,
    NEXUS_ERR_TRUNCATED = 2,
    NEXUS_ERR_INVALID_ARGUMENT = 3,
    NEXUS_ERR_INVALID_LENGTH = 4,
    NEXUS_ERR_BAD_ENCODING = 5,
    NEXUS_ERR_OUT_OF_RANGE = 6,
    NEXUS_ERR_FULL = 7,
    NEXUS_ERR_EMPTY = 8,
    NEXUS_ERR_NOT_FOUND = 9,
    NEXUS_ERR_AUTH_FAILED = 10,
    NEXUS_ERR_WEAK_KEY = 11,
    NEXUS_ERR_IO_FAILED = 12,
    NEXUS_ERR_UNSUPPORTED = 13,
    NEXUS_ERR_REPLAYED = 14,
    NEXUS_ERR_BAD_STATE = 15,
    NEXUS_ERR_NULL_POINTER = 100
} nexus_status;

/* The last enumerator widens the enum's range to int, so an out-of-range value passed from C
 * is a reportable error (NEXUS_ERR_INVALID_ARGUMENT), not undefined behaviour in the library. */
typedef enum nexus_byte_order {
    NEXUS_BIG_ENDIAN = 0,
    NEXUS_LITTLE_ENDIAN = 1,
    NEXUS_BYTE_ORDER_RANGE_ = 0x7fffffff
} nexus_byte_order;

/* A static, NUL-terminated description of a status for people ("ok", "buffer too small", ...),
 * the C++ library's to_string text for 1..15. Unknown values give "unknown status". Never NULL. */
const char* nexus_status_string(int status);

/* The stable snake_case name of a status: the enumerator's name without NEXUS_ / NEXUS_ERR_,
 * lower-cased ("ok", "buffer_too_small", ..., "bad_state", "null_pointer"); for 1..15 the C++
 * library's nexus::name of the error. These are the error codes of the Python and JavaScript
 * bindings. Unknown values give "unknown". Never NULL. Takes an int, like nexus_status_string, so
 * any value from C or JavaScript is defined behaviour. */
const char* nexus_status_name(int status);

/* Library version as "major.minor.patch" (static string) and as major<<16 | minor<<8 | patch. */
const char* nexus_version_string(void);
uint32_t nexus_version_number(void);

/* Lower-case hex of in[0..in_len) into out, NUL-terminated: needs out_cap >= 2*in_len + 1.
 * *out_len (optional, may be NULL) receives the number of digits written. */
nexus_status nexus_hex_encode(const uint8_t* in, size_t in_len, char* out, size_t out_cap,
                              size_t* out_len);
/* Hex digits (either case, even count) into bytes; needs out_cap >= in_len / 2. */
nexus_status nexus_hex_decode(const char* in, size_t in_len, uint8_t* out, size_t out_cap,
                              size_t* out_len);

/* Unsigned integer of width 1, 2, 4 or 8 bytes read from the start of in, in the given order. */
nexus_status nexus_load_uint(const uint8_t* in, size_t in_len, size_t width, nexus_byte_order order,
                             uint64_t* value);
/* Writes value as width (1, 2, 4, 8) bytes; a value that does not fit the width is
 * NEXUS_ERR_OUT_OF_RANGE. */
nexus_status nexus_store_uint(uint64_t value, size_t width, nexus_byte_order order, uint8_t* out,
                              size_t out_cap);

#ifdef __cplusplus
}
#endif

/* The cryptography part of the ABI: hashes, MACs, KDFs, AEAD, X25519, Ed25519. */
#include "nexus_crypto.h"
/* Identities, address hashes, sealed keys, packets and announces. */
#include "nexus_identity.h"
/* Encrypted links (opaque handles). */
#include "nexus_link.h"
/* Stream framing (HDLC, KISS), path cost codes and the NEXUS announce extension. */
#include "nexus_wire.h"
/* Ring distance, path policies, the routing table, gossip bloom filters and the bandwidth budget. */
#include "nexus_routing.h"
/* The sans-I/O node: destinations, paths, links and transport (opaque handles). */
#include "nexus_node.h"

#endif /* NEXUS_H */
