/* nexus C ABI, encrypted links (C99) over nexus/link/link.hpp. Included at the end of nexus.h; the
 * rules there hold here too, with one exception: a link holds state, so it lives behind an opaque
 * handle that nexus_link_initiate / nexus_link_accept allocate (in this binding; the C++ core never
 * allocates) and nexus_link_free releases. The handle wipes its keys when freed.
 *
 * Sans-I/O, like the core: the caller hands in packets and the current time (uint64 milliseconds
 * on any monotonic clock) and takes out packets to send with nexus_link_poll_transmit, which it
 * calls until it gives a zero length, and again at nexus_link_next_deadline.
 *
 * Randomness: each handle owns its random source. With deterministic == 0 it is the operating
 * system's (getentropy; under Emscripten that is crypto.getRandomValues) and seed is ignored; with
 * deterministic != 0 it is nexus::seeded_random(seed), reproducible and NOT suitable for real keys
 * (simulations and tests only). Should the operating system source ever fail, the process aborts
 * rather than derive keys from bad randomness.
 *
 * A handle is not thread-safe; different handles are independent. */
#ifndef NEXUS_LINK_H
#define NEXUS_LINK_H

#include "nexus.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NEXUS_LINK_ID_BYTES 16
#define NEXUS_LINK_MDU 456          /* largest payload of one link packet: 500 - 19 - 25 */
#define NEXUS_LINK_OVERHEAD 25      /* epoch (1) || counter (8) || ... || tag (16) */
#define NEXUS_LINK_REQUEST_BYTES 83 /* HEADER_1 link request: 19 + 64 */
#define NEXUS_LINK_CONTEXT_NONE 0x00
#define NEXUS_LINK_NO_DEADLINE UINT64_MAX

typedef struct nexus_link nexus_link;

typedef enum nexus_link_state_code {
    NEXUS_LINK_PENDING = 0,   /* initiator: request queued or sent, waiting for the proof */
    NEXUS_LINK_HANDSHAKE = 1, /* responder: proof queued or sent, waiting for the first packet */
    NEXUS_LINK_ACTIVE = 2,
    NEXUS_LINK_CLOSED = 3,
    NEXUS_LINK_STATE_RANGE_ = 0x7fffffff
} nexus_link_state_code;

typedef enum nexus_link_role {
    NEXUS_LINK_INITIATOR = 0,
    NEXUS_LINK_RESPONDER = 1,
    NEXUS_LINK_ROLE_RANGE_ = 0x7fffffff
} nexus_link_role;

typedef enum nexus_link_close_reason {
    NEXUS_LINK_OPEN = 0,                 /* not closed */
    NEXUS_LINK_CLOSED_LOCAL = 1,         /* nexus_link_close */
    NEXUS_LINK_CLOSED_REMOTE = 2,        /* the peer sent an authenticated close */
    NEXUS_LINK_CLOSED_INACTIVITY = 3,    /* nothing valid arrived for the inactivity timeout */
    NEXUS_LINK_CLOSED_ESTABLISHMENT = 4, /* not active within the establishment timeout */
    NEXUS_LINK_CLOSED_UNIDENTIFIED = 5,  /* require_identify and no identification in time */
    NEXUS_LINK_CLOSED_DELIVERY_FAILED = 6, /* the reliable channel gave up on a message */
    NEXUS_LINK_CLOSE_REASON_RANGE_ = 0x7fffffff
} nexus_link_close_reason;

typedef enum nexus_link_event_kind {
    NEXUS_LINK_EVENT_NONE = 0,        /* accepted, nothing for the application */
    NEXUS_LINK_EVENT_ESTABLISHED = 1, /* the link became active */
    NEXUS_LINK_EVENT_DATA = 2,        /* application data (data_len bytes in the caller's buffer) */
    NEXUS_LINK_EVENT_IDENTIFIED = 3,  /* the initiator proved its identity (responder side) */
    NEXUS_LINK_EVENT_ROTATED = 4,     /* a key rotation completed */
    NEXUS_LINK_EVENT_CLOSED = 5,      /* the peer closed the link */
    NEXUS_LINK_EVENT_KIND_RANGE_ = 0x7fffffff
} nexus_link_event_kind;

/* Timers and limits; nexus_link_config_default gives the library's defaults (30 s establishment,
 * 120 s keepalive, 360 s inactivity, 1 h rotation, bandwidth 0, no identification required). */
typedef struct nexus_link_config {
    uint64_t establishment_timeout_ms;
    uint64_t keepalive_interval_ms;
    uint64_t inactivity_timeout_ms;
    uint64_t rotate_interval_ms;
    uint64_t bandwidth_bps; /* nominal bitrate: rotation after max(1 MB, bandwidth x 60 s) */
    int require_identify;   /* responder: refuse data until the initiator identifies */
} nexus_link_config;

typedef struct nexus_link_event {
    int kind;        /* nexus_link_event_kind */
    int context;     /* the packet's context byte (0..255) */
    size_t data_len; /* bytes written to the plaintext buffer (NEXUS_LINK_EVENT_DATA only) */
} nexus_link_event;

/* Counters; every rejected packet is counted by reason. */
typedef struct nexus_link_stats {
    uint64_t packets_sent;
    uint64_t packets_received; /* authenticated */
    uint64_t bytes_sent;       /* application bytes */
    uint64_t bytes_received;
    uint32_t rejected_auth;
    uint32_t rejected_replay;
    uint32_t rejected_state;
    uint32_t rejected_malformed;
    uint32_t rejected_unidentified;
    uint32_t rotations;
} nexus_link_stats;

/* Everything else a link can tell about itself. */
typedef struct nexus_link_info {
    uint64_t rtt_ms;  /* handshake round trip (initiator measures it, responder learns it) */
    int state;        /* nexus_link_state_code */
    int role;         /* nexus_link_role */
    int close_reason; /* nexus_link_close_reason */
    int identified;   /* responder: the initiator identified; initiator: always 1 */
    uint32_t epoch;   /* key epoch, 0..255, +1 per rotation (mod 256) */
    int profile;      /* NEXUS_PROFILE_NEXUS or NEXUS_PROFILE_RETICULUM */
    uint8_t destination[NEXUS_IDENTITY_HASH_BYTES];
    int has_remote_key; /* 1 when remote_public_key holds the peer's identity */
    uint8_t remote_public_key[NEXUS_IDENTITY_PUBLIC_KEY_BYTES];
} nexus_link_info;

nexus_status nexus_link_config_default(nexus_link_config* config);

/* Starts a link to destination16, owned by the identity with public key peer_public64 (learned
 * from its announce). The link request is the first packet nexus_link_poll_transmit gives.
 * config may be NULL (defaults). *link receives the handle. NEXUS_ERR_BAD_ENCODING for an unusable
 * public key, NEXUS_ERR_INVALID_ARGUMENT for a bad profile, NEXUS_ERR_FULL when out of memory. */
nexus_status nexus_link_initiate(int profile, const uint8_t* peer_public64, const uint8_t* destination16,
                                 uint64_t now_ms, const nexus_link_config* config, int deterministic,
                                 uint64_t seed, nexus_link** link);

/* Answers a link request (the whole packet) addressed to a destination of the identity private64.
 * The proof is the first packet nexus_link_poll_transmit gives. Errors: those of
 * nexus_packet_decode, NEXUS_ERR_INVALID_ARGUMENT for a packet that is not a link request to a
 * single destination, NEXUS_ERR_INVALID_LENGTH for wrong request data, NEXUS_ERR_WEAK_KEY for a
 * small-order ephemeral key, NEXUS_ERR_FULL when out of memory. The caller checks that the
 * request's destination is one of its own. */
nexus_status nexus_link_accept(int profile, const uint8_t* private64, const uint8_t* request,
                               size_t request_len, uint64_t now_ms, const nexus_link_config* config,
                               int deterministic, uint64_t seed, nexus_link** link);

/* Releases a handle (NULL is ignored), wiping its keys and random state. */
void nexus_link_free(nexus_link* link);

nexus_status nexus_link_state(const nexus_link* link, int* state);
nexus_status nexus_link_id(const nexus_link* link, uint8_t* id16);
nexus_status nexus_link_info_get(const nexus_link* link, nexus_link_info* info);
nexus_status nexus_link_stats_get(const nexus_link* link, nexus_link_stats* stats);

/* Encrypts data (at most NEXUS_LINK_MDU bytes; may be NULL when data_len is 0) with the context
 * byte (0 for plain data; link-control contexts are NEXUS_ERR_INVALID_ARGUMENT) into a packet in
 * out; *out_len receives its size. NEXUS_ERR_BAD_STATE unless active (or while an identification
 * is queued: poll it out first), NEXUS_ERR_INVALID_LENGTH over the MDU, NEXUS_ERR_BUFFER_TOO_SMALL
 * (out untouched, nothing consumed). */
nexus_status nexus_link_send(nexus_link* link, const uint8_t* data, size_t data_len, uint8_t context,
                             uint64_t now_ms, uint8_t* out, size_t out_cap, size_t* out_len);

/* Handles a packet (raw bytes) addressed to this link. *event receives what happened; application
 * data is decrypted into plaintext (NEXUS_LINK_MDU bytes are always enough; a smaller buffer that
 * cannot hold it is NEXUS_ERR_BUFFER_TOO_SMALL with the packet not consumed). On any error the link,
 * *event and plaintext are as they were (only the stats count the rejection): errors of
 * nexus_packet_decode, NEXUS_ERR_INVALID_ARGUMENT (not for this link), NEXUS_ERR_BAD_STATE,
 * NEXUS_ERR_INVALID_LENGTH / NEXUS_ERR_TRUNCATED / NEXUS_ERR_BAD_ENCODING (malformed),
 * NEXUS_ERR_REPLAYED, NEXUS_ERR_AUTH_FAILED, NEXUS_ERR_WEAK_KEY. */
nexus_status nexus_link_receive(nexus_link* link, const uint8_t* raw, size_t raw_len, uint64_t now_ms,
                                nexus_link_event* event, uint8_t* plaintext, size_t plaintext_cap);

/* Runs the timers and writes the next packet the link wants sent into out (NEXUS_PACKET_MTU bytes
 * are always enough); *out_len receives its size, 0 when there is nothing to send. */
nexus_status nexus_link_poll_transmit(nexus_link* link, uint64_t now_ms, uint8_t* out, size_t out_cap,
                                      size_t* out_len);

/* When nexus_link_poll_transmit should next be called, in ms: 0 when something is queued,
 * NEXUS_LINK_NO_DEADLINE when closed with nothing left to send. */
nexus_status nexus_link_next_deadline(const nexus_link* link, uint64_t* deadline_ms);

/* Closes the link at once; an authenticated close packet is queued for the peer (when the link
 * got far enough to have keys). Closing a closed link does nothing. */
nexus_status nexus_link_close(nexus_link* link);

/* Initiator: proves the identity private64 to the responder (queued, sent encrypted).
 * NEXUS_ERR_BAD_STATE on a responder or a closed link. */
nexus_status nexus_link_identify(nexus_link* link, const uint8_t* private64);

/* Starts a key rotation now (it also starts by itself). NEXUS_ERR_BAD_STATE unless active. */
nexus_status nexus_link_rotate(nexus_link* link);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_LINK_H */
