/* nexus C ABI, the sans-I/O node (C99) over nexus/node.hpp. Included at the end of nexus.h; the rules
 * there hold here too. Like a link (nexus_link.h), a node holds state, so it lives behind an opaque
 * handle that nexus_node_new allocates (in this binding; the C++ core never allocates) and
 * nexus_node_free releases. The handle wipes its identity and keys when freed.
 *
 * A node is one identity with its destinations, a path table learned from announces, links, and
 * optionally transport (forwarding announces, link requests and link traffic between its
 * interfaces: a node with two interfaces and transport on is a bridge). The integrator's loop:
 *   - nexus_node_receive for every frame an interface delivers;
 *   - nexus_node_pop_outgoing until it gives size 0, sending each packet on the interface it names,
 *     or on every interface but `except` when iface is NEXUS_NODE_ALL_INTERFACES (a flood);
 *   - nexus_node_poll until it gives NEXUS_NODE_EVENT_NONE, at nexus_node_next_deadline at the
 *     latest.
 * Time is uint64 milliseconds on any monotonic clock.
 *
 * Capacities are fixed in this binding, chosen for a desktop or simulation node (the C++ template
 * takes any; an embedded build picks smaller ones):
 *   NEXUS_NODE_MAX_INTERFACES interfaces, NEXUS_NODE_MAX_DESTINATIONS own destinations,
 *   NEXUS_NODE_MAX_PATHS path-table entries (the farthest is evicted when full),
 *   NEXUS_NODE_MAX_LINKS links of our own, NEXUS_NODE_MAX_LINK_TABLE forwarded links (transport),
 *   NEXUS_NODE_OUTBOX queued outgoing packets, NEXUS_NODE_SEEN remembered packet hashes (duplicate
 *   detection, least recently used replaced).
 *
 * Randomness: as nexus_link.h. With deterministic == 0 the handle uses the operating system's
 * (getentropy; crypto.getRandomValues under Emscripten) and ignores seed; with deterministic != 0 it
 * uses nexus::seeded_random(seed): reproducible, for simulations and tests only, never real keys.
 *
 * A handle is not thread-safe; different handles are independent. */
#ifndef NEXUS_NODE_H
#define NEXUS_NODE_H

#include "nexus.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NEXUS_NODE_MAX_INTERFACES 8
#define NEXUS_NODE_MAX_DESTINATIONS 4
#define NEXUS_NODE_MAX_PATHS 256
#define NEXUS_NODE_MAX_LINKS 32
#define NEXUS_NODE_MAX_LINK_TABLE 64
#define NEXUS_NODE_OUTBOX 64
#define NEXUS_NODE_SEEN 1024

#define NEXUS_NODE_ALL_INTERFACES 0xFF /* pop_outgoing: a flood (every interface but `except`) */
#define NEXUS_NODE_NO_DEADLINE UINT64_MAX
/* Event data (announce app data or link plaintext) never exceeds this many bytes. */
#define NEXUS_NODE_DATA_MAX NEXUS_LINK_MDU

typedef struct nexus_node nexus_node;

typedef enum nexus_node_event_kind {
    NEXUS_NODE_EVENT_NONE = 0,
    NEXUS_NODE_EVENT_ANNOUNCE = 1,         /* a valid announce (id = destination, hops, app data) */
    NEXUS_NODE_EVENT_LINK_REQUEST = 2,     /* a peer opened a link to one of our destinations */
    NEXUS_NODE_EVENT_LINK_ESTABLISHED = 3, /* a link became active */
    NEXUS_NODE_EVENT_LINK_IDENTIFIED = 4,  /* the initiator of an incoming link identified */
    NEXUS_NODE_EVENT_LINK_DATA = 5,        /* data on a link (context, plaintext) */
    NEXUS_NODE_EVENT_LINK_ROTATED = 6,     /* a key rotation completed */
    NEXUS_NODE_EVENT_LINK_CLOSED = 7,      /* a link closed (reason: nexus_link_close_reason) */
    NEXUS_NODE_EVENT_FORWARDED = 8,        /* a packet was forwarded for someone else */
    NEXUS_NODE_EVENT_KIND_RANGE_ = 0x7fffffff
} nexus_node_event_kind;

typedef struct nexus_node_event {
    int kind;                              /* nexus_node_event_kind */
    uint8_t id[NEXUS_IDENTITY_HASH_BYTES]; /* destination (announce, forwarded) or link id */
    int iface;                             /* where it arrived / the link's interface */
    int hops;                              /* announce: distance in hops (1 = a neighbour) */
    int context;                           /* link data: the context byte */
    int reason;                            /* link closed: nexus_link_close_reason */
    size_t data_len;                       /* bytes copied to the caller's data buffer */
} nexus_node_event;

/* The node's timers; nexus_node_config_default gives the library's defaults (link defaults, 90 min
 * path lifetime, 10 min idle link-table lifetime, max hops 128). */
typedef struct nexus_node_config {
    nexus_link_config link;          /* for links this node opens or accepts */
    uint64_t path_lifetime_ms;       /* a path expires this long after its announce arrived */
    uint64_t link_table_lifetime_ms; /* idle forwarded-link entries expire after this */
    uint32_t max_hops;               /* packets at or above are not handled or forwarded (1..255) */
} nexus_node_config;

/* A path to a destination, learned from its announce. */
typedef struct nexus_node_path_info {
    uint64_t expires_ms;
    int iface;                                           /* the interface the announce came in on */
    int hops;                                            /* 1 = a neighbour */
    uint8_t next_hop[NEXUS_IDENTITY_HASH_BYTES];         /* transport node to send through; zeros if direct */
    uint8_t public_key[NEXUS_IDENTITY_PUBLIC_KEY_BYTES]; /* the destination's identity */
} nexus_node_path_info;

typedef struct nexus_node_stats {
    uint64_t received, sent, forwarded, duplicates, malformed;
    uint64_t announces_valid, announces_rejected, links_rejected, no_route;
} nexus_node_stats;

nexus_status nexus_node_config_default(nexus_node_config* config);

/* A node of the given profile (NEXUS_PROFILE_NEXUS or NEXUS_PROFILE_RETICULUM) with the identity
 * private64; transport != 0 makes it forward for others. config may be NULL (defaults).
 * NEXUS_ERR_INVALID_ARGUMENT for a bad profile or a max_hops outside 1..255, NEXUS_ERR_FULL when
 * out of memory. *node is untouched on failure. */
nexus_status nexus_node_new(int profile, const uint8_t* private64, int transport,
                            const nexus_node_config* config, int deterministic, uint64_t seed,
                            nexus_node** node);

/* Releases a handle (NULL is ignored), wiping it. */
void nexus_node_free(nexus_node* node);

/* The node's identity hash (its transport id in HEADER_2 packets). */
nexus_status nexus_node_identity_hash(const nexus_node* node, uint8_t* hash16);

/* Registers an interface; *iface receives its id (0, 1, ...). NEXUS_ERR_FULL beyond
 * NEXUS_NODE_MAX_INTERFACES. */
nexus_status nexus_node_add_interface(nexus_node* node, uint8_t* iface);

/* Registers one of our destinations by its name hash (nexus_name_hash of "app.aspect..."); its
 * destination hash goes to dest16. NEXUS_ERR_INVALID_ARGUMENT when already registered,
 * NEXUS_ERR_FULL beyond NEXUS_NODE_MAX_DESTINATIONS. */
nexus_status nexus_node_add_destination(nexus_node* node, const uint8_t* name_hash10, int accept_links,
                                        uint8_t* dest16);

/* Queues a signed announce of our destination dest16 on every interface, with app_data (may be NULL
 * when app_data_len is 0). NEXUS_ERR_NOT_FOUND for a destination not ours, NEXUS_ERR_FULL when the
 * outbox is full, NEXUS_ERR_INVALID_LENGTH when the app data does not fit a packet (at most
 * NEXUS_PACKET_MTU - 19 - 148 bytes). */
nexus_status nexus_node_announce(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                 const uint8_t* app_data, size_t app_data_len);

/* Opens a link to dest16, whose announce we have seen (the request leaves with pop_outgoing); the
 * link id goes to link_id16. NEXUS_ERR_NOT_FOUND without a live path, NEXUS_ERR_FULL beyond
 * NEXUS_NODE_MAX_LINKS. */
nexus_status nexus_node_open_link(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                  uint8_t* link_id16);

/* Initiator: proves our identity on the link (queued, sent encrypted). */
nexus_status nexus_node_identify(nexus_node* node, const uint8_t* link16);

/* Encrypts and queues data (at most NEXUS_LINK_MDU bytes; may be NULL when data_len is 0) on an
 * active link. NEXUS_ERR_NOT_FOUND (no such link), NEXUS_ERR_FULL (outbox full: try later),
 * NEXUS_ERR_BAD_STATE, NEXUS_ERR_INVALID_LENGTH, NEXUS_ERR_INVALID_ARGUMENT (control context). */
nexus_status nexus_node_send(nexus_node* node, const uint8_t* link16, const uint8_t* data, size_t data_len,
                             uint64_t now_ms, uint8_t context);

/* Closes a link at once (a close packet is queued for the peer); poll reports it closed. */
nexus_status nexus_node_close(nexus_node* node, const uint8_t* link16);

/* The state of one of our links (nexus_link_state_code); NEXUS_ERR_NOT_FOUND when unknown or
 * already reported closed by poll/receive. */
nexus_status nexus_node_link_state(const nexus_node* node, const uint8_t* link16, int* state);

/* Handles one frame received on iface. *event receives what happened (kind NONE is possible);
 * announce app data or link plaintext is copied to data (event->data_len bytes;
 * NEXUS_NODE_DATA_MAX bytes always suffice; data may be NULL when data_cap is 0). A buffer that
 * cannot hold the data is NEXUS_ERR_BUFFER_TOO_SMALL with the frame not consumed. On any error
 * *event and data are untouched and the node changes only its counters; the status says why the
 * frame was refused: NEXUS_ERR_INVALID_ARGUMENT (unknown interface), NEXUS_ERR_TRUNCATED /
 * NEXUS_ERR_BAD_ENCODING / NEXUS_ERR_INVALID_LENGTH / NEXUS_ERR_UNSUPPORTED (malformed, or not
 * handled), NEXUS_ERR_REPLAYED (a duplicate), NEXUS_ERR_AUTH_FAILED (forged announce, bad proof,
 * failed tag), NEXUS_ERR_NOT_FOUND (no path, unknown link), NEXUS_ERR_OUT_OF_RANGE (hop limit),
 * NEXUS_ERR_FULL, NEXUS_ERR_BAD_STATE. */
nexus_status nexus_node_receive(nexus_node* node, uint8_t iface, const uint8_t* raw, size_t raw_len,
                                uint64_t now_ms, nexus_node_event* event, uint8_t* data, size_t data_cap);

/* The next packet to send, written to out (NEXUS_PACKET_MTU bytes always suffice); *size receives
 * its length, 0 when nothing is queued. *iface is the interface to send it on, or
 * NEXUS_NODE_ALL_INTERFACES for every interface except *except (NEXUS_NODE_ALL_INTERFACES when
 * none is excepted). NEXUS_ERR_BUFFER_TOO_SMALL leaves the packet queued (held in the handle; the
 * next call gives it). */
nexus_status nexus_node_pop_outgoing(nexus_node* node, uint64_t now_ms, uint8_t* out, size_t out_cap,
                                     size_t* size, uint8_t* iface, uint8_t* except);

/* Timers: reports links that became active or closed (closed ones are freed) and expires table
 * entries. Call until the event's kind is NEXUS_NODE_EVENT_NONE. Events carry no data here. */
nexus_status nexus_node_poll(nexus_node* node, uint64_t now_ms, nexus_node_event* event);

/* When poll / pop_outgoing next have work, in ms: 0 when something is queued,
 * NEXUS_NODE_NO_DEADLINE when nothing is pending. */
nexus_status nexus_node_next_deadline(const nexus_node* node, uint64_t* deadline_ms);

/* The path to dest16; NEXUS_ERR_NOT_FOUND when none is known (an expired one is still given, with
 * its expires_ms in the past). */
nexus_status nexus_node_path(const nexus_node* node, const uint8_t* dest16, nexus_node_path_info* path);

nexus_status nexus_node_stats_get(const nexus_node* node, nexus_node_stats* stats);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_NODE_H */
