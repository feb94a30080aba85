/* nexus C ABI, routing and gossip building blocks (C99), over nexus/routing/ring.hpp,
 * path_policy.hpp, routing_table.hpp and nexus/gossip/bloom.hpp, budget.hpp. Included at the end of
 * nexus.h; the rules there hold here too. The routing table and the budget are opaque handles
 * allocated by this binding (_new) and released with _free. Times are the caller's monotonic clock
 * in milliseconds. Addresses are 16 bytes, read as big-endian integers on the ring.
 *
 * Ring: ring_distance(a, b) = min(|a - b|, 2^128 - |a - b|), 0 .. 2^127, as 16 big-endian bytes.
 * Policies (weights on set-normalised ring distance / cost / latency, plus unreliability):
 * cheapest 0.1/0.8/0.1/0, fastest 0.1/0.1/0.8/0, balanced 0.1/0.3/0.3/0.3, most_reliable
 * lexicographic (highest reliability, then lowest cost code, latency, ring distance, hops).
 * Routing table: capacity NEXUS_ROUTING_TABLE_CAPACITY paths, at most
 * NEXUS_ROUTING_PATHS_PER_DESTINATION per destination, default timers of the spec (announce
 * interval 30 min, active 3 intervals, stale 1 more; gossip round 60 s, down after 3 silent rounds,
 * evicted after 10).
 * Bloom (serialised: version u8 = 1 | salt u32 LE | length u16 LE | bits): k = 3, BLAKE3-derived,
 * over a caller-owned bit array of 1..NEXUS_BLOOM_MAX_BYTES bytes.
 * Budget: four token buckets (tiers 1 routing 3 %, 2 payments 3 %, 3 services 2 %, 4 trust 2 % of
 * the link bandwidth), each holding a 60 s round's worth; tiers 3-4 pull-only under 10 kbps. */
#ifndef NEXUS_ROUTING_H
#define NEXUS_ROUTING_H

#include "nexus.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NEXUS_RING_ADDRESS_BYTES 16
#define NEXUS_ROUTING_TABLE_CAPACITY 1024
#define NEXUS_ROUTING_PATHS_PER_DESTINATION 4
#define NEXUS_BLOOM_HEADER_BYTES 7
#define NEXUS_BLOOM_MAX_BYTES 16384
#define NEXUS_BLOOM_CONSTRAINED_MAX_BYTES 256

/* Path policies (int arguments; anything else is NEXUS_ERR_INVALID_ARGUMENT). */
#define NEXUS_POLICY_CHEAPEST 0
#define NEXUS_POLICY_FASTEST 1
#define NEXUS_POLICY_MOST_RELIABLE 2
#define NEXUS_POLICY_BALANCED 3

/* Outcomes of nexus_routing_table_update. */
#define NEXUS_ROUTE_INSERTED 0
#define NEXUS_ROUTE_INSERTED_EVICTING 1
#define NEXUS_ROUTE_REPLACED_PATH 2
#define NEXUS_ROUTE_UPDATED 3
#define NEXUS_ROUTE_DISCARDED_OLDER 4
#define NEXUS_ROUTE_DISCARDED_WORSE 5

/* Gossip tiers (spec numbering) and directions. */
#define NEXUS_TIER_ROUTING 1
#define NEXUS_TIER_PAYMENTS 2
#define NEXUS_TIER_SERVICES 3
#define NEXUS_TIER_TRUST 4
#define NEXUS_GOSSIP_PUSH 0
#define NEXUS_GOSSIP_PULL 1

/* ---- ring and policies ------------------------------------------------------------------------- */

/* The ring distance of a and b (16 bytes each) as a 16-byte big-endian integer into out16. */
nexus_status nexus_ring_distance(const uint8_t* a16, const uint8_t* b16, uint8_t* out16);

typedef struct nexus_route_candidate {
    uint8_t neighbour[16]; /* the neighbour's address (its point on the ring) */
    nexus_path_cost cost;  /* the path summary it advertised */
    uint8_t reliability;   /* 0 unknown .. 255 perfect */
} nexus_route_candidate;

/* Greedy forwarding: *index receives the candidate to hand a packet for destination16 to.
 * NEXUS_ERR_NOT_FOUND when count is 0. */
nexus_status nexus_choose_next_hop(const nexus_route_candidate* candidates, size_t count,
                                   const uint8_t* destination16, int policy, size_t* index);

/* ---- routing table ----------------------------------------------------------------------------- */

typedef struct nexus_routing_table nexus_routing_table;

/* An announce-derived path candidate. reliability 0 keeps what the table learned. */
typedef struct nexus_route_update {
    uint8_t destination[16];
    uint8_t hop_address[16]; /* the neighbour's address on interface iface */
    nexus_path_cost cost;
    uint8_t iface;
    uint8_t reliability;
    uint64_t lamport; /* the origin's Lamport time */
} nexus_route_update;

/* One stored path. state: 0 active, 1 stale. */
typedef struct nexus_routing_entry {
    uint8_t destination[16];
    uint8_t hop_address[16];
    nexus_path_cost cost;
    uint8_t iface;
    uint8_t reliability;
    uint8_t state;
    uint8_t failed;  /* set by mark_failed, cleared by a fresh update */
    uint8_t suspect; /* set by mark_suspect (a last resort), cleared by a fresh update */
    uint64_t lamport;
    uint64_t last_updated_ms;
    uint64_t expires_ms;
    uint64_t evict_at_ms;
    uint64_t last_used_ms;
} nexus_routing_entry;

/* NEXUS_ERR_FULL when out of memory. */
nexus_status nexus_routing_table_new(nexus_routing_table** table);
void nexus_routing_table_free(nexus_routing_table* table);
/* Applies an update received at now_ms; *outcome (optional) receives a NEXUS_ROUTE_* value. */
nexus_status nexus_routing_table_update(nexus_routing_table* table, const nexus_route_update* update,
                                        uint64_t now_ms, int* outcome);
/* The best usable path to destination16 under policy (active paths first, else stale ones; never
 * failed or evictable ones); marks it used. NEXUS_ERR_NOT_FOUND when there is none. */
nexus_status nexus_routing_table_lookup(nexus_routing_table* table, const uint8_t* destination16, int policy,
                                        uint64_t now_ms, nexus_routing_entry* entry);
/* The path through (iface, hop_address16) failed to deliver: lookup falls back to the next best.
 * NEXUS_ERR_NOT_FOUND when there is no such path. */
nexus_status nexus_routing_table_mark_failed(nexus_routing_table* table, const uint8_t* destination16,
                                             uint8_t iface, const uint8_t* hop_address16);
/* The path through (iface, hop_address16) may lead back through this node (a path bloom hit):
 * it stays active but lookup takes it only when the destination has no trusted (active, not
 * suspect) path. NEXUS_ERR_NOT_FOUND when there is no such path. */
nexus_status nexus_routing_table_mark_suspect(nexus_routing_table* table, const uint8_t* destination16,
                                              uint8_t iface, const uint8_t* hop_address16);
/* Delivery feedback (delivered: nonzero) moving the path's reliability 1/8 of the way. */
nexus_status nexus_routing_table_record_outcome(nexus_routing_table* table, const uint8_t* destination16,
                                                uint8_t iface, const uint8_t* hop_address16, int delivered);
/* Ages the table; staled / evicted (optional) receive the counts. */
nexus_status nexus_routing_table_expire(nexus_routing_table* table, uint64_t now_ms, size_t* staled,
                                        size_t* evicted);
/* The neighbour (iface, hop_address16) was last heard at last_heard_ms: after 3 silent gossip
 * rounds its paths go stale, after 10 they are removed. */
nexus_status nexus_routing_table_neighbour_silent(nexus_routing_table* table, uint8_t iface,
                                                  const uint8_t* hop_address16, uint64_t last_heard_ms,
                                                  uint64_t now_ms, size_t* staled, size_t* evicted);
nexus_status nexus_routing_table_size(const nexus_routing_table* table, size_t* size);
/* The path at index (0 .. size - 1; ordered by destination bytes, then arrival);
 * NEXUS_ERR_OUT_OF_RANGE past the end. */
nexus_status nexus_routing_table_entry(const nexus_routing_table* table, size_t index,
                                       nexus_routing_entry* entry);

/* ---- bloom filters ----------------------------------------------------------------------------- */

/* Bytes of bit array for entries at <= 1 % FPR, at least 1, at most max_bytes (0 means
 * NEXUS_BLOOM_MAX_BYTES; pass NEXUS_BLOOM_CONSTRAINED_MAX_BYTES under 10 kbps). */
nexus_status nexus_bloom_bytes_for(uint64_t entries, size_t max_bytes, size_t* bytes);
/* The filter functions take the bit array (bits, len: 1..NEXUS_BLOOM_MAX_BYTES, else
 * NEXUS_ERR_INVALID_LENGTH / NEXUS_ERR_OUT_OF_RANGE) and the filter's salt. A new filter is an
 * all-zero array. */
nexus_status nexus_bloom_insert(uint8_t* bits, size_t len, uint32_t salt, const uint8_t* item,
                                size_t item_len);
/* *maybe receives 1 when the item may be in the filter, 0 when it surely is not. */
nexus_status nexus_bloom_maybe_contains(const uint8_t* bits, size_t len, uint32_t salt, const uint8_t* item,
                                        size_t item_len, int* maybe);
/* bits |= other; NEXUS_ERR_INVALID_ARGUMENT (bits unchanged) when size or salt differ. */
nexus_status nexus_bloom_merge(uint8_t* bits, size_t len, uint32_t salt, const uint8_t* other,
                               size_t other_len, uint32_t other_salt);
/* The serialised filter (NEXUS_BLOOM_HEADER_BYTES + len bytes) into out. */
nexus_status nexus_bloom_encode(const uint8_t* bits, size_t len, uint32_t salt, uint8_t* out, size_t out_cap,
                                size_t* out_len);
/* Exactly one serialised filter of at most max_bytes bits bytes (0: NEXUS_BLOOM_MAX_BYTES); *bits
 * points into in. Errors: NEXUS_ERR_TRUNCATED, NEXUS_ERR_UNSUPPORTED (version), NEXUS_ERR_INVALID_LENGTH
 * (length 0 or trailing bytes), NEXUS_ERR_OUT_OF_RANGE (oversize). */
nexus_status nexus_bloom_decode(const uint8_t* in, size_t in_len, size_t max_bytes, uint32_t* salt,
                                const uint8_t** bits, size_t* bits_len);

/* ---- gossip budget ----------------------------------------------------------------------------- */

typedef struct nexus_budget nexus_budget;

typedef struct nexus_tier_stats {
    uint64_t bytes_sent;   /* accepted by try_spend */
    uint32_t messages;     /* successful try_spend calls */
    uint32_t refused;      /* refused for lack of tokens */
    uint32_t refused_push; /* refused: tier pull-only on this link */
} nexus_tier_stats;

/* A full budget for a link of bandwidth_bps at now_ms. NEXUS_ERR_FULL when out of memory. */
nexus_status nexus_budget_new(uint32_t bandwidth_bps, uint64_t now_ms, nexus_budget** budget);
void nexus_budget_free(nexus_budget* budget);
/* Takes bytes from the tier's bucket if it has them (direction NEXUS_GOSSIP_PUSH / _PULL); *spent
 * receives 1 or 0 (refusal leaves the bucket unchanged). Tier or direction out of range:
 * NEXUS_ERR_INVALID_ARGUMENT. */
nexus_status nexus_budget_try_spend(nexus_budget* budget, int tier, size_t bytes, uint64_t now_ms,
                                    int direction, int* spent);
/* Bytes the tier may send now. */
nexus_status nexus_budget_available(nexus_budget* budget, int tier, uint64_t now_ms, uint64_t* bytes);
/* Bucket size of the tier in bytes. */
nexus_status nexus_budget_capacity(const nexus_budget* budget, int tier, uint64_t* bytes);
nexus_status nexus_budget_stats(const nexus_budget* budget, int tier, nexus_tier_stats* stats);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_ROUTING_H */
