// The routing and gossip part of the C ABI (bindings/c/include/nexus_routing.h), on
// nexus/routing/ring.hpp, path_policy.hpp, routing_table.hpp and nexus/gossip/bloom.hpp,
// budget.hpp. The routing table and the budget are the core's fixed-size objects in heap blocks
// allocated here (the core never allocates).
#include "nexus.h"

#include <nexus/core/bytes.hpp>
#include <nexus/gossip/bloom.hpp>
#include <nexus/gossip/budget.hpp>
#include <nexus/routing/path_policy.hpp>
#include <nexus/routing/ring.hpp>
#include <nexus/routing/routing_table.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>

namespace {

namespace nr = nexus::routing;
namespace ng = nexus::gossip;
namespace nw = nexus::wire;

using in_bytes = std::span<const std::uint8_t>;
using table_type = nr::routing_table<NEXUS_ROUTING_TABLE_CAPACITY, NEXUS_ROUTING_PATHS_PER_DESTINATION>;

static_assert(NEXUS_BLOOM_HEADER_BYTES == ng::bloom_header_bytes);
static_assert(NEXUS_BLOOM_MAX_BYTES == ng::bloom_max_bytes);
static_assert(NEXUS_BLOOM_CONSTRAINED_MAX_BYTES == ng::bloom_constrained_max_bytes);
static_assert(NEXUS_ROUTE_INSERTED == static_cast<int>(nr::update_outcome::inserted) &&
              NEXUS_ROUTE_INSERTED_EVICTING == static_cast<int>(nr::update_outcome::inserted_evicting) &&
              NEXUS_ROUTE_REPLACED_PATH == static_cast<int>(nr::update_outcome::replaced_path) &&
              NEXUS_ROUTE_UPDATED == static_cast<int>(nr::update_outcome::updated) &&
              NEXUS_ROUTE_DISCARDED_OLDER == static_cast<int>(nr::update_outcome::discarded_older) &&
              NEXUS_ROUTE_DISCARDED_WORSE == static_cast<int>(nr::update_outcome::discarded_worse));
static_assert(NEXUS_TIER_ROUTING == static_cast<int>(ng::tier::routing) &&
              NEXUS_TIER_TRUST == static_cast<int>(ng::tier::trust));

// bindings/wasm/routing.js reads and writes these structs at fixed offsets (the same on wasm32 and
// 64-bit hosts: no pointers inside).
static_assert(offsetof(nexus_route_candidate, cost) == 16 &&
              offsetof(nexus_route_candidate, reliability) == 22 && sizeof(nexus_route_candidate) == 24);
static_assert(offsetof(nexus_route_update, hop_address) == 16 && offsetof(nexus_route_update, cost) == 32 &&
              offsetof(nexus_route_update, iface) == 38 && offsetof(nexus_route_update, reliability) == 39 &&
              offsetof(nexus_route_update, lamport) == 40 && sizeof(nexus_route_update) == 48);
static_assert(offsetof(nexus_routing_entry, cost) == 32 && offsetof(nexus_routing_entry, iface) == 38 &&
              offsetof(nexus_routing_entry, reliability) == 39 &&
              offsetof(nexus_routing_entry, state) == 40 && offsetof(nexus_routing_entry, failed) == 41 &&
              offsetof(nexus_routing_entry, suspect) == 42 &&
              offsetof(nexus_routing_entry, lamport) == 48 &&
              offsetof(nexus_routing_entry, last_updated_ms) == 56 &&
              offsetof(nexus_routing_entry, last_used_ms) == 80 && sizeof(nexus_routing_entry) == 88);
static_assert(offsetof(nexus_tier_stats, messages) == 8 && offsetof(nexus_tier_stats, refused_push) == 16 &&
              sizeof(nexus_tier_stats) == 24);

constexpr nexus_status to_status(nexus::error e) noexcept { return static_cast<nexus_status>(e); }
constexpr bool usable(const void* p, std::size_t n) noexcept { return p != nullptr || n == 0; }

nexus::truncated_hash address(const std::uint8_t* p) noexcept {
    nexus::truncated_hash a{};
    std::memcpy(a.data(), p, a.size());
    return a;
}

nw::compact_path_cost from_c(const nexus_path_cost& c) noexcept {
    return {c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count};
}
nexus_path_cost to_c(const nw::compact_path_cost& c) noexcept {
    return {c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count};
}

bool policy_of(int p, nr::path_policy& out) noexcept {
    switch (p) {
        case NEXUS_POLICY_CHEAPEST:
            out = nr::path_policy::cheapest();
            return true;
        case NEXUS_POLICY_FASTEST:
            out = nr::path_policy::fastest();
            return true;
        case NEXUS_POLICY_MOST_RELIABLE:
            out = nr::path_policy::most_reliable();
            return true;
        case NEXUS_POLICY_BALANCED:
            out = nr::path_policy::balanced();
            return true;
        default:
            return false;
    }
}

nexus_routing_entry entry_to_c(const nr::routing_entry& x) noexcept {
    nexus_routing_entry e{};
    std::memcpy(e.destination, x.destination.data(), 16);
    std::memcpy(e.hop_address, x.hop.address.data(), 16);
    e.cost = to_c(x.cost);
    e.iface = x.hop.iface;
    e.reliability = x.reliability;
    e.state = static_cast<std::uint8_t>(x.state);
    e.failed = x.failed ? 1 : 0;
    e.suspect = x.suspect ? 1 : 0;
    e.lamport = x.lamport;
    e.last_updated_ms = x.last_updated.ms();
    e.expires_ms = x.expires.ms();
    e.evict_at_ms = x.evict_at.ms();
    e.last_used_ms = x.last_used.ms();
    return e;
}

nexus::timestamp at(std::uint64_t ms) noexcept { return nexus::timestamp::from_ms(ms); }

// Checks a caller's bit array: 1..bloom_max_bytes.
nexus_status bits_ok(const void* bits, std::size_t len) noexcept {
    if (bits == nullptr) return NEXUS_ERR_NULL_POINTER;
    if (len == 0) return NEXUS_ERR_INVALID_LENGTH;
    if (len > ng::bloom_max_bytes) return NEXUS_ERR_OUT_OF_RANGE;
    return NEXUS_OK;
}

bool tier_of(int t, ng::tier& out) noexcept {
    if (t < 1 || t > static_cast<int>(ng::tier_count)) return false;
    out = static_cast<ng::tier>(t);
    return true;
}

}  // namespace

struct nexus_routing_table {
    nexus_routing_table() noexcept : t(nr::routing_timers{}) {}
    table_type t;
};
struct nexus_budget {
    nexus_budget(std::uint32_t bps, std::uint64_t now_ms) noexcept : b(bps, at(now_ms)) {}
    ng::budget b;
};

namespace {
// mark_failed and mark_suspect: one path, found by destination and hop, demoted.
template <auto Mark>
nexus_status mark_path(nexus_routing_table* table, const uint8_t* destination16, uint8_t iface,
                       const uint8_t* hop_address16) {
    if (table == nullptr || destination16 == nullptr || hop_address16 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    auto r = (table->t.*Mark)(address(destination16), nr::next_hop{iface, address(hop_address16)});
    return r ? NEXUS_OK : to_status(r.error());
}
}  // namespace

extern "C" {

nexus_status nexus_ring_distance(const uint8_t* a16, const uint8_t* b16, uint8_t* out16) {
    if (a16 == nullptr || b16 == nullptr || out16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nr::u128 d = nr::ring_distance(address(a16), address(b16));
    for (int i = 0; i < 8; ++i) {
        out16[7 - i] = static_cast<std::uint8_t>(d.hi >> (8 * i));
        out16[15 - i] = static_cast<std::uint8_t>(d.lo >> (8 * i));
    }
    return NEXUS_OK;
}

nexus_status nexus_choose_next_hop(const nexus_route_candidate* candidates, size_t count,
                                   const uint8_t* destination16, int policy, size_t* index) {
    if (!usable(candidates, count) || destination16 == nullptr || index == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    nr::path_policy p;
    if (!policy_of(policy, p)) return NEXUS_ERR_INVALID_ARGUMENT;
    if (count == 0) return NEXUS_ERR_NOT_FOUND;
    const nexus::truncated_hash dest = address(destination16);
    // The C struct holds the address bytes, not a truncated_hash: each candidate's address is
    // copied into one scratch array (select_best is done with a view before it asks for the next).
    nexus::truncated_hash scratch{};
    const std::size_t i = nr::select_best(
        count,
        [&](std::size_t k) {
            std::memcpy(scratch.data(), candidates[k].neighbour, scratch.size());
            return nr::path_view{&scratch, from_c(candidates[k].cost), candidates[k].reliability};
        },
        dest, p);
    if (i >= count) return NEXUS_ERR_NOT_FOUND;
    *index = i;
    return NEXUS_OK;
}

nexus_status nexus_routing_table_new(nexus_routing_table** table) {
    if (table == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto* t = new (std::nothrow) nexus_routing_table();
    if (t == nullptr) return NEXUS_ERR_FULL;
    *table = t;
    return NEXUS_OK;
}

void nexus_routing_table_free(nexus_routing_table* table) { delete table; }

nexus_status nexus_routing_table_update(nexus_routing_table* table, const nexus_route_update* update,
                                        uint64_t now_ms, int* outcome) {
    if (table == nullptr || update == nullptr) return NEXUS_ERR_NULL_POINTER;
    nr::route_update u;
    u.destination = address(update->destination);
    u.hop = nr::next_hop{update->iface, address(update->hop_address)};
    u.cost = from_c(update->cost);
    u.lamport = update->lamport;
    u.reliability = update->reliability;
    const nr::update_outcome o = table->t.update(u, at(now_ms));
    if (outcome != nullptr) *outcome = static_cast<int>(o);
    return NEXUS_OK;
}

nexus_status nexus_routing_table_lookup(nexus_routing_table* table, const uint8_t* destination16, int policy,
                                        uint64_t now_ms, nexus_routing_entry* entry) {
    if (table == nullptr || destination16 == nullptr || entry == nullptr) return NEXUS_ERR_NULL_POINTER;
    nr::path_policy p;
    if (!policy_of(policy, p)) return NEXUS_ERR_INVALID_ARGUMENT;
    const nr::routing_entry* e = table->t.lookup(address(destination16), p, at(now_ms));
    if (e == nullptr) return NEXUS_ERR_NOT_FOUND;
    *entry = entry_to_c(*e);
    return NEXUS_OK;
}

nexus_status nexus_routing_table_mark_failed(nexus_routing_table* table, const uint8_t* destination16,
                                             uint8_t iface, const uint8_t* hop_address16) {
    return mark_path<&table_type::mark_failed>(table, destination16, iface, hop_address16);
}

nexus_status nexus_routing_table_mark_suspect(nexus_routing_table* table, const uint8_t* destination16,
                                              uint8_t iface, const uint8_t* hop_address16) {
    return mark_path<&table_type::mark_suspect>(table, destination16, iface, hop_address16);
}

nexus_status nexus_routing_table_record_outcome(nexus_routing_table* table, const uint8_t* destination16,
                                                uint8_t iface, const uint8_t* hop_address16, int delivered) {
    if (table == nullptr || destination16 == nullptr || hop_address16 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    auto r = table->t.record_outcome(address(destination16), nr::next_hop{iface, address(hop_address16)},
                                     delivered != 0);
    return r ? NEXUS_OK : to_status(r.error());
}

nexus_status nexus_routing_table_expire(nexus_routing_table* table, uint64_t now_ms, size_t* staled,
                                        size_t* evicted) {
    if (table == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nr::expire_counts c = table->t.expire(at(now_ms));
    if (staled != nullptr) *staled = c.staled;
    if (evicted != nullptr) *evicted = c.evicted;
    return NEXUS_OK;
}

nexus_status nexus_routing_table_neighbour_silent(nexus_routing_table* table, uint8_t iface,
                                                  const uint8_t* hop_address16, uint64_t last_heard_ms,
                                                  uint64_t now_ms, size_t* staled, size_t* evicted) {
    if (table == nullptr || hop_address16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nr::expire_counts c =
        table->t.neighbour_silent(nr::next_hop{iface, address(hop_address16)}, at(last_heard_ms), at(now_ms));
    if (staled != nullptr) *staled = c.staled;
    if (evicted != nullptr) *evicted = c.evicted;
    return NEXUS_OK;
}

nexus_status nexus_routing_table_size(const nexus_routing_table* table, size_t* size) {
    if (table == nullptr || size == nullptr) return NEXUS_ERR_NULL_POINTER;
    *size = table->t.size();
    return NEXUS_OK;
}

nexus_status nexus_routing_table_entry(const nexus_routing_table* table, size_t index,
                                       nexus_routing_entry* entry) {
    if (table == nullptr || entry == nullptr) return NEXUS_ERR_NULL_POINTER;
    if (index >= table->t.size()) return NEXUS_ERR_OUT_OF_RANGE;
    *entry = entry_to_c(table->t.all()[index]);
    return NEXUS_OK;
}

nexus_status nexus_bloom_bytes_for(uint64_t entries, size_t max_bytes, size_t* bytes) {
    if (bytes == nullptr) return NEXUS_ERR_NULL_POINTER;
    *bytes = ng::bloom_bytes_for(entries, max_bytes == 0 ? ng::bloom_max_bytes : max_bytes);
    return NEXUS_OK;
}

nexus_status nexus_bloom_insert(uint8_t* bits, size_t len, uint32_t salt, const uint8_t* item,
                                size_t item_len) {
    if (const nexus_status s = bits_ok(bits, len); s != NEXUS_OK) return s;
    if (!usable(item, item_len)) return NEXUS_ERR_NULL_POINTER;
    ng::bloom_detail::set_bits(std::span<std::uint8_t>(bits, len), ng::bloom_key_for(salt),
                               in_bytes(item, item_len));
    return NEXUS_OK;
}

nexus_status nexus_bloom_maybe_contains(const uint8_t* bits, size_t len, uint32_t salt, const uint8_t* item,
                                        size_t item_len, int* maybe) {
    if (const nexus_status s = bits_ok(bits, len); s != NEXUS_OK) return s;
    if (!usable(item, item_len) || maybe == nullptr) return NEXUS_ERR_NULL_POINTER;
    *maybe = ng::bloom_view(in_bytes(bits, len), salt).maybe_contains(in_bytes(item, item_len)) ? 1 : 0;
    return NEXUS_OK;
}

nexus_status nexus_bloom_merge(uint8_t* bits, size_t len, uint32_t salt, const uint8_t* other,
                               size_t other_len, uint32_t other_salt) {
    if (const nexus_status s = bits_ok(bits, len); s != NEXUS_OK) return s;
    if (const nexus_status s = bits_ok(other, other_len); s != NEXUS_OK) return s;
    if (other_len != len || other_salt != salt) return NEXUS_ERR_INVALID_ARGUMENT;
    for (std::size_t i = 0; i < len; ++i) bits[i] = static_cast<std::uint8_t>(bits[i] | other[i]);
    return NEXUS_OK;
}

nexus_status nexus_bloom_encode(const uint8_t* bits, size_t len, uint32_t salt, uint8_t* out, size_t out_cap,
                                size_t* out_len) {
    if (const nexus_status s = bits_ok(bits, len); s != NEXUS_OK) return s;
    if (!usable(out, out_cap)) return NEXUS_ERR_NULL_POINTER;
    nexus::byte_writer w{std::span<std::uint8_t>(out, out_cap)};
    auto r = ng::bloom_detail::encode(in_bytes(bits, len), salt, w);
    if (!r) return to_status(r.error());
    if (out_len != nullptr) *out_len = w.size();
    return NEXUS_OK;
}

nexus_status nexus_bloom_decode(const uint8_t* in, size_t in_len, size_t max_bytes, uint32_t* salt,
                                const uint8_t** bits, size_t* bits_len) {
    if (!usable(in, in_len) || salt == nullptr || bits == nullptr || bits_len == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    nexus::byte_reader r{in_bytes(in, in_len)};
    auto v = ng::bloom_view::decode(r, max_bytes == 0 ? ng::bloom_max_bytes : max_bytes);
    if (!v) return to_status(v.error());
    if (!r.empty()) return NEXUS_ERR_INVALID_LENGTH;
    *salt = v->salt();
    *bits = v->bits().data();
    *bits_len = v->size_bytes();
    return NEXUS_OK;
}

nexus_status nexus_budget_new(uint32_t bandwidth_bps, uint64_t now_ms, nexus_budget** budget) {
    if (budget == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto* b = new (std::nothrow) nexus_budget(bandwidth_bps, now_ms);
    if (b == nullptr) return NEXUS_ERR_FULL;
    *budget = b;
    return NEXUS_OK;
}

void nexus_budget_free(nexus_budget* budget) { delete budget; }

nexus_status nexus_budget_try_spend(nexus_budget* budget, int tier, size_t bytes, uint64_t now_ms,
                                    int direction, int* spent) {
    if (budget == nullptr || spent == nullptr) return NEXUS_ERR_NULL_POINTER;
    ng::tier t;
    if (!tier_of(tier, t)) return NEXUS_ERR_INVALID_ARGUMENT;
    if (direction != NEXUS_GOSSIP_PUSH && direction != NEXUS_GOSSIP_PULL) return NEXUS_ERR_INVALID_ARGUMENT;
    const ng::direction d = direction == NEXUS_GOSSIP_PULL ? ng::direction::pull : ng::direction::push;
    *spent = budget->b.try_spend(t, bytes, at(now_ms), d) ? 1 : 0;
    return NEXUS_OK;
}

nexus_status nexus_budget_available(nexus_budget* budget, int tier, uint64_t now_ms, uint64_t* bytes) {
    if (budget == nullptr || bytes == nullptr) return NEXUS_ERR_NULL_POINTER;
    ng::tier t;
    if (!tier_of(tier, t)) return NEXUS_ERR_INVALID_ARGUMENT;
    *bytes = budget->b.available(t, at(now_ms));
    return NEXUS_OK;
}

nexus_status nexus_budget_capacity(const nexus_budget* budget, int tier, uint64_t* bytes) {
    if (budget == nullptr || bytes == nullptr) return NEXUS_ERR_NULL_POINTER;
    ng::tier t;
    if (!tier_of(tier, t)) return NEXUS_ERR_INVALID_ARGUMENT;
    *bytes = budget->b.capacity(t);
    return NEXUS_OK;
}

nexus_status nexus_budget_stats(const nexus_budget* budget, int tier, nexus_tier_stats* stats) {
    if (budget == nullptr || stats == nullptr) return NEXUS_ERR_NULL_POINTER;
    ng::tier t;
    if (!tier_of(tier, t)) return NEXUS_ERR_INVALID_ARGUMENT;
    const ng::tier_stats& s = budget->b.stats(t);
    nexus_tier_stats c{};
    c.bytes_sent = s.bytes_sent;
    c.messages = s.messages;
    c.refused = s.refused;
    c.refused_push = s.refused_push;
    *stats = c;
    return NEXUS_OK;
}

}  // extern "C"
