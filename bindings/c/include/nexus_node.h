/* nexus C ABI, the sans-I/O node (C99) over nexus/node.hpp. Included at the end of nexus.h; the rules
 * there hold here too. Like a link (nexus_link.h), a node holds state, so it lives behind an opaque
 * handle that nexus_node_new allocates (in this binding; the C++ core never allocates) and
 * nexus_node_free releases. The handle wipes its identity, keys and any held plaintext when freed.
 *
 * A node is one identity with its destinations, the destinations it knows from their announces, a
 * routing table, links, and optionally transport (forwarding announces, link requests, proofs and
 * link traffic between its interfaces: a node with two interfaces and transport on is a bridge).
 * The integrator's loop:
 *   - nexus_node_receive for every frame an interface delivers (its status says why a frame was
 *     dropped, for the log);
 *   - nexus_node_pop_outgoing until it gives size 0, sending each packet on the interface it names,
 *     or on every interface but `except` when iface is NEXUS_NODE_ALL_INTERFACES (a flood);
 *   - nexus_node_poll until it gives NEXUS_NODE_EVENT_NONE, at nexus_node_next_deadline at the
 *     latest: every event for the application, from one queue, in the order they happened (a link
 *     is reported established before its first data, its data before its close).
 * Time is uint64 milliseconds on any monotonic clock.
 *
 * Routing and gossip (nexus/node.hpp header comment; docs/routing.md, docs/gossip.md): paths live in
 * a routing table (several per destination, Lamport-ordered, with the spec's timers) and every
 * forwarding decision is a lookup under the node's path policy (config.policy, a NEXUS_POLICY_* code
 * of nexus_routing.h). With config.gossip the node runs the tier-1 gossip round on every interface
 * (signed bloom summaries, path offers, neighbour liveness) within each interface's gossip budget;
 * with config.auto_announce it announces its destinations (with the NEXUS extension) on the spec's
 * triggers: first boot, a new interface, an interface cost change above 25 %, every announce
 * interval. Both are off by default. An interface's metrics (nominal bandwidth, latency, shared
 * medium) size its gossip budget and the costs of the paths offered over it. A node with no usable
 * path to a destination asks the mesh with a path request (nexus_node_request_path; opening a link
 * asks by itself); whoever knows the destination answers with its announce. The state is readable:
 * the routing table (nexus_node_route_count / _route_at, as nexus_routing_entry), the best path to a
 * destination under any policy, the known destinations (nexus_node_known), the transport link
 * table, each interface's budget, the gossip neighbours, the Lamport clock and the counters.
 *
 * Capacities: this binding's node is nexus::node<P, R, nexus::presets::pi_bridge> (config.hpp), the
 * host preset. nexus_node_get_capacities reports them by name, read from that constant:
 *   interfaces                  interfaces of the node
 *   destinations                our own destinations
 *   known_destinations          destinations learned from announces (identity, cached announce)
 *   routes                      routing-table paths, all destinations together
 *   paths_per_destination       routing-table paths of one destination
 *   links                       links of our own (initiated or accepted)
 *   pending_links_per_interface of those, unestablished incoming ones per interface
 *   link_table                  transport: links forwarded for others
 *   reverse_table               transport: packets forwarded for others whose proof may come back
 *   outbox                      packets queued for nexus_node_pop_outgoing
 *   seen                        packet hashes remembered by the duplicate filter
 *   neighbours                  gossip neighbours
 *   early_offers                routing offers that came before their announce
 *   gossip_kinds                gossip state kinds in one round
 *   events                      events waiting for nexus_node_poll
 *   announce_sources            announce ingress control: interfaces and neighbours measured
 *   held_announces              announce ingress control: announces held back in a burst
 *   announce_rates              rebroadcast rate control: destinations tracked
 *   announce_retries            announces sent once that go again unless passed on
 *   path_requests               path-request tags remembered and requests pending
 *   cached_app_data             app-data bytes kept with a known destination's announce
 *   channel_window              a link's reliable channel: messages outstanding per direction
 * What each table evicts when full is documented with the agent that owns it (include/nexus/node/).
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

/* nexus_node_best_route, nexus_node_open_link_with_policy: the node's own path policy. */
#define NEXUS_NODE_OWN_POLICY (-1)
/* Gossip tiers of nexus_node_budget (index = NEXUS_TIER_* - 1). */
#define NEXUS_NODE_TIERS 4

#define NEXUS_NODE_ALL_INTERFACES 0xFF /* pop_outgoing: a flood (every interface but `except`) */
#define NEXUS_NODE_NO_DEADLINE UINT64_MAX
/* Event data (announce app data or a link message) never exceeds this many bytes. */
#define NEXUS_NODE_DATA_MAX NEXUS_LINK_MDU
/* The largest message of nexus_node_send_reliable: a link packet less the channel's 4-byte header. */
#define NEXUS_CHANNEL_MDU (NEXUS_LINK_MDU - 4)

typedef struct nexus_node nexus_node;

/* The tables of this binding's node (the pi_bridge preset), one field per
 * nexus::node_capacities field, in its order (header comment). */
typedef struct nexus_node_capacities {
    size_t interfaces;
    size_t destinations;
    size_t known_destinations;
    size_t routes;
    size_t paths_per_destination;
    size_t links;
    size_t pending_links_per_interface;
    size_t link_table;
    size_t reverse_table;
    size_t outbox;
    size_t seen;
    size_t neighbours;
    size_t early_offers;
    size_t gossip_kinds;
    size_t events;
    size_t announce_sources;
    size_t held_announces;
    size_t announce_rates;
    size_t announce_retries;
    size_t path_requests;
    size_t cached_app_data;
    size_t channel_window;
} nexus_node_capacities;

typedef enum nexus_node_event_kind {
    NEXUS_NODE_EVENT_NONE = 0,
    NEXUS_NODE_EVENT_ANNOUNCE = 1,         /* a valid announce (id = destination, hops, app data) */
    NEXUS_NODE_EVENT_LINK_REQUEST = 2,     /* a peer opened a link to one of our destinations */
    NEXUS_NODE_EVENT_LINK_ESTABLISHED = 3, /* a link became active */
    NEXUS_NODE_EVENT_LINK_IDENTIFIED = 4,  /* the initiator of an incoming link identified */
    NEXUS_NODE_EVENT_LINK_DATA = 5,        /* a message on a link (context, data; reliable, sequence) */
    NEXUS_NODE_EVENT_LINK_ROTATED = 6,     /* a key rotation completed */
    NEXUS_NODE_EVENT_LINK_CLOSED = 7,      /* a link closed (reason: nexus_link_close_reason) */
    NEXUS_NODE_EVENT_FORWARDED = 8,        /* a packet was forwarded for someone else */
    NEXUS_NODE_EVENT_LINK_DELIVERED = 9,   /* the peer acknowledged a reliable message (sequence) */
    NEXUS_NODE_EVENT_KIND_RANGE_ = 0x7fffffff
} nexus_node_event_kind;

typedef struct nexus_node_event {
    int kind;                              /* nexus_node_event_kind */
    uint8_t id[NEXUS_IDENTITY_HASH_BYTES]; /* destination (announce, forwarded) or link id */
    int iface;                             /* where it arrived / the link's interface */
    int hops;                              /* announce: distance in hops (1 = a neighbour) */
    int context;                           /* link data: the context byte the sender chose */
    int reason;                            /* link closed: nexus_link_close_reason */
    int reliable;                          /* link data: 1 when it came by nexus_node_send_reliable */
    int sequence;                          /* reliable link data, link delivered: the message's sequence */
    size_t data_len;                       /* bytes copied to the caller's data buffer */
} nexus_node_event;

/* The node's configuration; nexus_node_config_default gives the library's defaults (link
 * defaults, an announce current for 90 min, 10 min idle link-table lifetime, max hops 128, balanced
 * policy, gossip and auto_announce off, relay fee 0, the spec's routing timers: announce interval
 * 30 min, gossip round 60 s, paths active for 3 announce intervals and stale for 1 more, a neighbour
 * down after 3 silent rounds and its paths gone after 10; announce rebroadcast rate control: a
 * destination's announces sooner than 60 s after the last one relayed are violations, beyond 5 of
 * them its announces are not relayed until last + 60 s + 0 s of penalty). Start from the defaults:
 * a zeroed struct is refused (timers must be nonzero). Whether the node forwards for others is the
 * transport argument of nexus_node_new. */
typedef struct nexus_node_config {
    nexus_link_config link;            /* for links this node opens or accepts */
    uint64_t path_lifetime_ms;         /* a destination's announce is current this long */
    uint64_t link_table_lifetime_ms;   /* idle forwarded-link entries expire after this */
    uint32_t max_hops;                 /* packets at or above are not handled or forwarded (1..255) */
    int policy;                        /* NEXUS_POLICY_*: forwarding and the paths offered to neighbours */
    int gossip;                        /* nonzero: run the tier-1 gossip round on every interface */
    int auto_announce;                 /* nonzero: announce our destinations on the spec's triggers */
    uint32_t relay_fee;                /* uNXS per byte charged to relay, added to the paths offered */
    uint64_t announce_interval_ms;     /* periodic announce (auto_announce) and path lifetimes (>= 1) */
    uint64_t gossip_interval_ms;       /* one gossip round (>= 1) */
    uint32_t active_intervals;         /* a path is active for this many announce intervals (>= 1) */
    uint32_t stale_intervals;          /* then stale for this many more */
    uint32_t down_rounds;              /* silent rounds before a neighbour is down (>= 1) */
    uint32_t evict_rounds;             /* silent rounds before its paths are removed (>= down_rounds) */
    uint64_t announce_rate_target_ms;  /* rebroadcast rate control: announces sooner are violations */
    uint32_t announce_rate_grace;      /* violations tolerated before blocking (0..255) */
    uint64_t announce_rate_penalty_ms; /* added to the block */
} nexus_node_config;

/* What a node knows of one of its interfaces. nexus_node_interface_metrics_default gives
 * 1,000,000 bps, 0 ms, not shared. */
typedef struct nexus_node_interface_metrics {
    uint32_t bandwidth_bps; /* nominal bandwidth: sizes the gossip budget, the bottleneck of paths */
    uint16_t latency_ms;    /* the worst_latency_ms of the paths offered over it */
    uint8_t shared;         /* nonzero: a broadcast medium with several neighbours (floods repeat) */
} nexus_node_interface_metrics;

/* The gossip budget of one interface (nexus/gossip/budget.hpp): four token buckets, tier t
 * (NEXUS_TIER_*) at index t - 1, each capacity = share x bandwidth x 60 s / 8 bytes (shares 3 %,
 * 3 %, 2 %, 2 %), refilled at share x bandwidth / 8 bytes per second. */
typedef struct nexus_node_budget {
    uint32_t bandwidth_bps;
    uint32_t constrained;                     /* nonzero under 10 kbps (tiers 3-4 pull-only) */
    uint64_t capacity[NEXUS_NODE_TIERS];      /* bucket size, bytes */
    uint64_t available[NEXUS_NODE_TIERS];     /* bytes the tier may send at the now_ms asked */
    nexus_tier_stats stats[NEXUS_NODE_TIERS]; /* bytes_sent, messages, refused, refused_push */
} nexus_node_budget;

/* A gossip neighbour: heard (a valid signed gossip message) on iface. */
typedef struct nexus_node_neighbour {
    uint8_t id[NEXUS_IDENTITY_HASH_BYTES]; /* its identity hash */
    uint8_t iface;
    uint8_t down; /* nonzero: silent for down_rounds rounds */
    uint64_t last_heard_ms;
    uint32_t session; /* its gossip session and last message counter */
    uint32_t counter;
} nexus_node_neighbour;

/* What the node knows of a destination from its announces. */
typedef struct nexus_node_known_info {
    uint8_t public_key[NEXUS_IDENTITY_PUBLIC_KEY_BYTES]; /* the destination's identity */
    uint8_t name_hash[NEXUS_NAME_HASH_BYTES];            /* its "app.aspect..." name hash */
    uint8_t owner[NEXUS_IDENTITY_HASH_BYTES];            /* identity hash of public_key */
    uint8_t links;                /* links of ours to it that are up (protected from eviction) */
    uint8_t cached;               /* nonzero: its newest announce is kept to answer path requests */
    uint64_t lamport;             /* highest Lamport time heard (NEXUS TLV 0x01, else emitted) */
    uint64_t emitted;             /* emission time of its newest announce (random hash), seconds */
    uint64_t announce_expires_ms; /* that announce is current until */
    uint64_t last_used_ms;        /* announce heard, path looked up, traffic (eviction order) */
    uint64_t protected_until_ms;  /* recent traffic: not evicted before */
} nexus_node_known_info;

/* A transport link-table entry: a link this node forwards for others. */
typedef struct nexus_node_link_route {
    uint8_t destination[NEXUS_IDENTITY_HASH_BYTES]; /* where the link goes (its proof is checked) */
    uint8_t next_hop[NEXUS_IDENTITY_HASH_BYTES];    /* transport id the request went to; zeros: direct */
    uint8_t toward_initiator;                       /* interface back to the initiator */
    uint8_t toward_responder;                       /* interface on to the destination */
    uint8_t proven;                                 /* nonzero once the destination's proof passed */
    uint8_t requests;                               /* link requests forwarded (first and repeats) */
    uint8_t proofs;                                 /* proofs forwarded back */
    uint64_t expires_ms;
    uint64_t last_request_ms;
} nexus_node_link_route;

/* Counters for the log, one per nexus::node_stats field. */
typedef struct nexus_node_stats {
    uint64_t received, sent, forwarded, duplicates, malformed;
    uint64_t announces_valid, announces_rejected, links_rejected, no_route;
    uint64_t gossip_sent, gossip_bytes_sent, gossip_received, gossip_rejected;
    uint64_t adverts_merged, adverts_refused, neighbours_down, announces_sent;
    uint64_t events_dropped;        /* informational events (announce, forwarded) lost to a full queue */
    uint64_t destinations_evicted;  /* known destinations dropped for room */
    uint64_t destinations_refused;  /* announces of new destinations with no room left */
    uint64_t pending_links_evicted; /* unestablished incoming links dropped for newer requests */
    uint64_t link_table_evicted;    /* unproven transport entries dropped for newer requests */
    uint64_t link_table_refused;    /* link requests not forwarded: table or quota full */
    uint64_t proofs_returned;       /* proofs sent back through the reverse table */
    uint64_t announces_held, announces_released, announces_dropped; /* announce ingress control */
    uint64_t rebroadcasts_limited; /* announce rebroadcasts blocked by rate control */
    uint64_t announce_retries;     /* announces sent a second time (not heard passed on) */
    uint64_t path_requests_sent, path_requests_answered, path_requests_forwarded;
} nexus_node_stats;

/* The capacities of this binding's node (the pi_bridge preset; header comment). */
nexus_status nexus_node_get_capacities(nexus_node_capacities* capacities);

nexus_status nexus_node_config_default(nexus_node_config* config);

/* A node of the given profile (NEXUS_PROFILE_NEXUS or NEXUS_PROFILE_RETICULUM) with the identity
 * private64; transport != 0 makes it forward for others. config may be NULL (defaults).
 * NEXUS_ERR_INVALID_ARGUMENT for a bad profile, a max_hops outside 1..255, an unknown policy, an
 * announce_rate_grace above 255 or a timer outside the ranges of nexus_node_config; NEXUS_ERR_FULL
 * when out of memory. *node is untouched on failure. */
nexus_status nexus_node_new(int profile, const uint8_t* private64, int transport,
                            const nexus_node_config* config, int deterministic, uint64_t seed,
                            nexus_node** node);

/* Releases a handle (NULL is ignored), wiping it. */
void nexus_node_free(nexus_node* node);

/* The node's identity hash (its transport id in HEADER_2 packets). */
nexus_status nexus_node_identity_hash(const nexus_node* node, uint8_t* hash16);

nexus_status nexus_node_interface_metrics_default(nexus_node_interface_metrics* metrics);

/* Registers an interface at now_ms with its metrics (NULL: the defaults); *iface receives its id
 * (0, 1, ...). NEXUS_ERR_FULL beyond the interfaces capacity. A new interface is an announce
 * trigger (auto_announce). */
nexus_status nexus_node_add_interface(nexus_node* node, const nexus_node_interface_metrics* metrics,
                                      uint64_t now_ms, uint8_t* iface);

/* New metrics for an interface (a re-measured link); its gossip budget continues at the new
 * bandwidth. A change of bandwidth or latency above 25 % is an announce trigger (auto_announce).
 * NEXUS_ERR_INVALID_ARGUMENT for an unknown interface. */
nexus_status nexus_node_set_interface_metrics(nexus_node* node, uint8_t iface,
                                              const nexus_node_interface_metrics* metrics, uint64_t now_ms);

/* The metrics of an interface; NEXUS_ERR_INVALID_ARGUMENT for an unknown interface. */
nexus_status nexus_node_interface_metrics_get(const nexus_node* node, uint8_t iface,
                                              nexus_node_interface_metrics* metrics);

/* How many interfaces are registered. */
nexus_status nexus_node_interface_count(const nexus_node* node, size_t* count);

/* Registers one of our destinations by its name hash (nexus_name_hash of "app.aspect..."); its
 * destination hash goes to dest16. NEXUS_ERR_INVALID_ARGUMENT when already registered,
 * NEXUS_ERR_FULL beyond the destinations capacity. */
nexus_status nexus_node_add_destination(nexus_node* node, const uint8_t* name_hash10, int accept_links,
                                        uint8_t* dest16);

/* Queues a signed announce of our destination dest16 on every interface, with app_data (may be NULL
 * when app_data_len is 0). NEXUS_ERR_NOT_FOUND for a destination not ours, NEXUS_ERR_FULL when the
 * outbox is full, NEXUS_ERR_INVALID_LENGTH when the app data does not fit a packet (at most
 * NEXUS_PACKET_MTU - 19 - 148 bytes). */
nexus_status nexus_node_announce(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                 const uint8_t* app_data, size_t app_data_len);

/* Announces with the NEXUS extension (docs/wire/announce.md): the origin's path cost, the next
 * Lamport time (TLV 0x01), then extra_tlvs (whole TLV entries, type | length | value; may be NULL
 * when extra_len is 0) -- what auto_announce sends. Errors as nexus_node_announce, and
 * NEXUS_ERR_INVALID_LENGTH when the TLVs do not fit the 128-byte extension, NEXUS_ERR_TRUNCATED for
 * an incomplete TLV entry. */
nexus_status nexus_node_announce_nexus(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                       const uint8_t* extra_tlvs, size_t extra_len);

/* Asks the mesh for a path to dest16 (a path request flooded on every interface; at most one every
 * 20 s for a destination: a repeat within that time is NEXUS_OK and sends nothing). Whoever knows
 * the destination answers with its announce (a path response), which reaches the application as
 * an announce event. NEXUS_ERR_INVALID_ARGUMENT without interfaces or for one of our own
 * destinations, NEXUS_ERR_FULL when the outbox is full. */
nexus_status nexus_node_request_path(nexus_node* node, const uint8_t* dest16, uint64_t now_ms);

/* Opens a link to dest16, whose announce we have seen (the request leaves with pop_outgoing); the
 * link id goes to link_id16. The first hop is the best path under the node's policy.
 * NEXUS_ERR_NOT_FOUND without a known destination or a usable path (a path request then goes out by
 * itself), NEXUS_ERR_FULL beyond the links capacity. */
nexus_status nexus_node_open_link(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                  uint8_t* link_id16);

/* The same, choosing the first hop under policy (NEXUS_POLICY_*, or NEXUS_NODE_OWN_POLICY; e.g.
 * NEXUS_POLICY_FASTEST for voice). NEXUS_ERR_INVALID_ARGUMENT for an unknown policy. */
nexus_status nexus_node_open_link_with_policy(nexus_node* node, const uint8_t* dest16, uint64_t now_ms,
                                              int policy, uint8_t* link_id16);

/* Initiator: proves our identity on the link (queued, sent encrypted). */
nexus_status nexus_node_identify(nexus_node* node, const uint8_t* link16);

/* Encrypts and queues data (at most NEXUS_LINK_MDU bytes; may be NULL when data_len is 0) on an
 * active link. NEXUS_ERR_NOT_FOUND (no such link), NEXUS_ERR_FULL (outbox full: try later),
 * NEXUS_ERR_BAD_STATE, NEXUS_ERR_INVALID_LENGTH, NEXUS_ERR_INVALID_ARGUMENT (a control context, or
 * the reliable channel's 0x0E). Sent once: nothing repeats it (nexus_node_send_reliable does). */
nexus_status nexus_node_send(nexus_node* node, const uint8_t* link16, const uint8_t* data, size_t data_len,
                             uint64_t now_ms, uint8_t context);

/* Queues data (at most NEXUS_CHANNEL_MDU bytes; may be NULL when data_len is 0) on the link's
 * reliable channel: the peer's application gets it exactly once and in order (a LINK_DATA event with
 * reliable = 1), repeated until acknowledged; the sender gets a LINK_DELIVERED event with the same
 * sequence once the peer has it. *sequence (may be NULL) receives the message's sequence.
 * NEXUS_ERR_NOT_FOUND (no such link), NEXUS_ERR_BAD_STATE (not active), NEXUS_ERR_INVALID_LENGTH,
 * NEXUS_ERR_FULL (channel_window messages unacknowledged, or their LINK_DELIVERED events not yet
 * polled: try later). A message unacknowledged through all its repeats closes the link with
 * NEXUS_LINK_CLOSED_DELIVERY_FAILED. */
nexus_status nexus_node_send_reliable(nexus_node* node, const uint8_t* link16, const uint8_t* data,
                                      size_t data_len, uint64_t now_ms, uint8_t context, int* sequence);

/* The reliable channel of an established link: its round-trip estimate and counters (link/channel.hpp
 * channel_stats). All fields uint64_t, so the layout is the same on every target. */
typedef struct nexus_node_channel_info {
    uint64_t window;               /* messages outstanding per direction (channel_window) */
    uint64_t in_flight;            /* sequences in the send window */
    uint64_t unacknowledged;       /* sent or queued, not yet acknowledged */
    uint64_t srtt_ms, rttvar_ms, rto_ms; /* RFC 6298 estimate; rto includes backoff */
    uint64_t messages_sent;        /* first transmissions */
    uint64_t retransmissions;      /* every later transmission */
    uint64_t fast_retransmissions; /* of which after three later messages were acknowledged */
    uint64_t messages_acked;       /* confirmed to the application (LINK_DELIVERED) */
    uint64_t messages_received;    /* the peer's messages accepted */
    uint64_t duplicates, out_of_window, acks_sent, acks_received, acks_stale, malformed;
} nexus_node_channel_info;

/* Fills *info for an established link of ours. NEXUS_ERR_NOT_FOUND for an unknown link or one not
 * yet established (its channel starts at establishment). */
nexus_status nexus_node_channel_info_get(const nexus_node* node, const uint8_t* link16,
                                         nexus_node_channel_info* info);

/* Closes a link at once (a close packet is queued for the peer); poll reports it closed. */
nexus_status nexus_node_close(nexus_node* node, const uint8_t* link16);

/* The state of one of our links (nexus_link_state_code); NEXUS_ERR_NOT_FOUND when unknown or
 * already reported closed by poll. */
nexus_status nexus_node_link_state(const nexus_node* node, const uint8_t* link16, int* state);

/* Handles one frame received on iface. What it causes for the application comes from
 * nexus_node_poll. On an error the node changes only its counters; the status says why the frame
 * was dropped: NEXUS_ERR_INVALID_ARGUMENT (unknown interface), NEXUS_ERR_TRUNCATED /
 * NEXUS_ERR_BAD_ENCODING / NEXUS_ERR_INVALID_LENGTH / NEXUS_ERR_UNSUPPORTED (malformed, or not
 * handled), NEXUS_ERR_REPLAYED (a duplicate), NEXUS_ERR_AUTH_FAILED (forged announce, bad proof,
 * failed tag), NEXUS_ERR_NOT_FOUND (no path, unknown link), NEXUS_ERR_OUT_OF_RANGE (hop limit),
 * NEXUS_ERR_FULL (no room: the sender may repeat it), NEXUS_ERR_BAD_STATE. */
nexus_status nexus_node_receive(nexus_node* node, uint8_t iface, const uint8_t* raw, size_t raw_len,
                                uint64_t now_ms);

/* The next packet to send, written to out (NEXUS_PACKET_MTU bytes always suffice); *size receives
 * its length, 0 when nothing is queued. *iface is the interface to send it on, or
 * NEXUS_NODE_ALL_INTERFACES for every interface except *except (NEXUS_NODE_ALL_INTERFACES when
 * none is excepted). NEXUS_ERR_BUFFER_TOO_SMALL leaves the packet queued (held in the handle; the
 * next call gives it). */
nexus_status nexus_node_pop_outgoing(nexus_node* node, uint64_t now_ms, uint8_t* out, size_t out_cap,
                                     size_t* size, uint8_t* iface, uint8_t* except);

/* The next event for the application, in the order events happened; kind NEXUS_NODE_EVENT_NONE
 * when there is none (timers run first when none is queued). Call until it gives NONE. Announce
 * app data or a link message is copied to data (event->data_len bytes; NEXUS_NODE_DATA_MAX bytes
 * always suffice; data may be NULL when data_cap is 0). A buffer that cannot hold the data is
 * NEXUS_ERR_BUFFER_TOO_SMALL with the event kept (held in the handle; the next call gives it) and
 * *event untouched. */
nexus_status nexus_node_poll(nexus_node* node, uint64_t now_ms, nexus_node_event* event, uint8_t* data,
                             size_t data_cap);

/* When poll / pop_outgoing next have work, in ms: 0 when something is queued,
 * NEXUS_NODE_NO_DEADLINE when nothing is pending. */
nexus_status nexus_node_next_deadline(const nexus_node* node, uint64_t* deadline_ms);

nexus_status nexus_node_stats_get(const nexus_node* node, nexus_node_stats* stats);

/* ---- routing and gossip state ------------------------------------------------------------------ */

/* What the node knows of dest16 from its announces; NEXUS_ERR_NOT_FOUND when it knows nothing. */
nexus_status nexus_node_known(const nexus_node* node, const uint8_t* dest16, nexus_node_known_info* known);

/* How many destinations the node knows from their announces. */
nexus_status nexus_node_known_count(const nexus_node* node, size_t* count);

/* How many paths the routing table holds (active, stale and failed ones). */
nexus_status nexus_node_route_count(const nexus_node* node, size_t* count);

/* The path at index (0 .. count - 1; ordered by destination bytes, then arrival), as
 * nexus_routing.h's entry: hop_address is the next hop's identity hash (the destination's own
 * identity for a neighbour), cost the CompactPathCost after every hop to the destination, state
 * 0 active / 1 stale as last aged (see nexus_routing_table). NEXUS_ERR_OUT_OF_RANGE past the end. */
nexus_status nexus_node_route_at(const nexus_node* node, size_t index, nexus_routing_entry* entry);

/* The best usable path to dest16 at now_ms under policy (NEXUS_POLICY_*, or NEXUS_NODE_OWN_POLICY
 * for the node's), as the node would forward: among active paths, else stale ones; never failed
 * ones. NEXUS_ERR_NOT_FOUND when there is none, NEXUS_ERR_INVALID_ARGUMENT for an unknown policy. */
nexus_status nexus_node_best_route(const nexus_node* node, const uint8_t* dest16, int policy, uint64_t now_ms,
                                   nexus_routing_entry* entry);

/* Transport: the link-table entry of a link forwarded for others; NEXUS_ERR_NOT_FOUND when the node
 * forwards no such link. */
nexus_status nexus_node_link_table_entry(const nexus_node* node, const uint8_t* link16,
                                         nexus_node_link_route* route);

/* How many links the node forwards for others. */
nexus_status nexus_node_link_table_size(const nexus_node* node, size_t* count);

/* The gossip budget of an interface, with available[] at now_ms (the handle is not changed).
 * NEXUS_ERR_INVALID_ARGUMENT for an unknown interface, NEXUS_ERR_NOT_FOUND when it has none yet
 * (gossip off, or before its first round). */
nexus_status nexus_node_budget_get(const nexus_node* node, uint8_t iface, uint64_t now_ms,
                                   nexus_node_budget* budget);

/* The gossip neighbours heard so far (down ones included until their paths are evicted). */
nexus_status nexus_node_neighbour_count(const nexus_node* node, size_t* count);
/* NEXUS_ERR_OUT_OF_RANGE past the end. */
nexus_status nexus_node_neighbour_at(const nexus_node* node, size_t index, nexus_node_neighbour* neighbour);

/* The node's Lamport clock (the time its next announce carries, minus one). */
nexus_status nexus_node_lamport(const nexus_node* node, uint64_t* lamport);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_NODE_H */
