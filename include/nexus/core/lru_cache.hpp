// lru_cache<K, V, N>: fixed-capacity key/value cache that tracks recency of use.
// put() evicts the least recently used entry when full and says which; try_put() refuses
// with error::full instead. Lookup is a linear scan for small N; for byte-array keys of at least
// 8 bytes (packet and identity hashes) and N > 32 an open-addressing index (linear probing on the
// key's first 8 bytes, 2N..4N slots of 4 bytes) makes it O(1): a node's seen-packet cache of
// 4,096 hashes was scanned whole for every frame. Keys an attacker can choose only make probing
// longer, never wrong. Use static_map where recency does not matter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>

#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"

namespace nexus {

namespace lru_detail {
template <class K>
struct byte_key : std::false_type {};
template <std::size_t M>
struct byte_key<std::array<std::uint8_t, M>> : std::bool_constant<(M >= 8)> {};

constexpr std::size_t index_slots(std::size_t n) noexcept {
    std::size_t s = 1;
    while (s < 2 * n) s <<= 1;
    return s;
}
}  // namespace lru_detail

template <class K, class V, std::size_t N>
class lru_cache {
    static constexpr std::size_t nil = static_cast<std::size_t>(-1);
    static constexpr bool indexed = lru_detail::byte_key<K>::value && N > 32;
    static constexpr std::size_t index_size = indexed ? lru_detail::index_slots(N) : 1;
    static_assert(N < 0xFFFF'FFFFu, "slot numbers are stored in 32 bits");

public:
    static constexpr std::size_t capacity() noexcept { return N; }
    std::size_t size() const noexcept { return slots_.size(); }
    bool empty() const noexcept { return slots_.empty(); }
    bool full() const noexcept { return slots_.full(); }

    /// Finds k and marks it most recently used.
    V* get(const K& k) noexcept {
        const std::size_t i = index_of(k);
        if (i == nil) return nullptr;
        touch(i);
        return &slots_[i].value;
    }
    /// Finds k without changing recency.
    const V* peek(const K& k) const noexcept {
        const std::size_t i = index_of(k);
        return i == nil ? nullptr : &slots_[i].value;
    }
    bool contains(const K& k) const noexcept { return index_of(k) != nil; }

    /// Inserts or overwrites k as most recently used. When a new key meets a full cache the
    /// least recently used entry is evicted and its key returned.
    std::optional<K> put(const K& k, V v) noexcept {
        if (const std::size_t i = index_of(k); i != nil) {
            slots_[i].value = std::move(v);
            touch(i);
            return std::nullopt;
        }
        if (!full()) {
            append(k, std::move(v));
            return std::nullopt;
        }
        const std::size_t victim = tail_;
        index_remove(slots_[victim].key);
        K evicted = std::move(slots_[victim].key);
        slots_[victim].key = k;
        index_insert(k, victim);
        slots_[victim].value = std::move(v);
        touch(victim);
        return evicted;
    }
    /// Like put() but never evicts: a new key in a full cache is error::full.
    result<void> try_put(const K& k, V v) noexcept {
        if (index_of(k) == nil && full()) return fail(error::full);
        (void)put(k, std::move(v));
        return ok();
    }
    result<void> erase(const K& k) noexcept {
        const std::size_t i = index_of(k);
        if (i == nil) return fail(error::not_found);
        unlink(i);
        index_remove(k);
        const std::size_t last = slots_.size() - 1;
        if (i != last) {
            // Move the last slot into the hole and repoint its neighbours.
            index_repoint(slots_[last].key, last, i);
            slots_[i] = std::move(slots_[last]);
            if (slots_[i].prev != nil)
                slots_[slots_[i].prev].next = i;
            else
                head_ = i;
            if (slots_[i].next != nil)
                slots_[slots_[i].next].prev = i;
            else
                tail_ = i;
        }
        (void)slots_.pop_back();
        return ok();
    }
    /// The least recently used key, if any.
    const K* oldest() const noexcept { return tail_ == nil ? nullptr : &slots_[tail_].key; }
    /// Visits entries from most to least recently used.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = head_; i != nil; i = slots_[i].next) f(slots_[i].key, slots_[i].value);
    }
    void clear() noexcept {
        slots_.clear();
        head_ = tail_ = nil;
        index_.fill(0);
    }

private:
    struct slot {
        K key;
        V value;
        std::size_t prev;
        std::size_t next;
    };

    std::size_t index_of(const K& k) const noexcept {
        if constexpr (indexed) {
            for (std::size_t h = home(k);; h = (h + 1) & (index_size - 1)) {
                const std::uint32_t e = index_[h];
                if (e == 0) return nil;
                if (slots_[e - 1].key == k) return e - 1;
            }
        } else {
            for (std::size_t i = 0; i < slots_.size(); ++i)
                if (slots_[i].key == k) return i;
            return nil;
        }
    }

    // The index: index_[h] = slot + 1, 0 = empty; linear probing from home(key).
    static std::size_t home(const K& k) noexcept {
        std::uint64_t v = 0;
        std::memcpy(&v, k.data(), sizeof v);
        v ^= v >> 29;
        v *= 0xbf58476d1ce4e5b9ULL;
        v ^= v >> 32;
        return static_cast<std::size_t>(v) & (index_size - 1);
    }
    void index_insert(const K& k, std::size_t slot) noexcept {
        if constexpr (indexed) {
            std::size_t h = home(k);
            while (index_[h] != 0) h = (h + 1) & (index_size - 1);
            index_[h] = static_cast<std::uint32_t>(slot + 1);
        }
    }
    void index_repoint(const K& k, std::size_t from, std::size_t to) noexcept {
        if constexpr (indexed) {
            for (std::size_t h = home(k);; h = (h + 1) & (index_size - 1))
                if (index_[h] == from + 1) {
                    index_[h] = static_cast<std::uint32_t>(to + 1);
                    return;
                }
        }
    }
    // Removes k's entry and shifts back the entries after it whose probe run crosses the hole.
    void index_remove(const K& k) noexcept {
        if constexpr (indexed) {
            std::size_t h = home(k);
            while (index_[h] != 0 && !(slots_[index_[h] - 1].key == k)) h = (h + 1) & (index_size - 1);
            if (index_[h] == 0) return;
            std::size_t hole = h;
            for (std::size_t j = (hole + 1) & (index_size - 1); index_[j] != 0; j = (j + 1) & (index_size - 1)) {
                const std::size_t want = home(slots_[index_[j] - 1].key);
                // j's entry may move to the hole when its home is not in (hole, j] (cyclically).
                const bool stays = hole <= j ? (hole < want && want <= j) : (hole < want || want <= j);
                if (stays) continue;
                index_[hole] = index_[j];
                hole = j;
            }
            index_[hole] = 0;
        }
    }
    void unlink(std::size_t i) noexcept {
        slot& s = slots_[i];
        if (s.prev != nil)
            slots_[s.prev].next = s.next;
        else
            head_ = s.next;
        if (s.next != nil)
            slots_[s.next].prev = s.prev;
        else
            tail_ = s.prev;
        s.prev = s.next = nil;
    }
    void link_front(std::size_t i) noexcept {
        slots_[i].prev = nil;
        slots_[i].next = head_;
        if (head_ != nil) slots_[head_].prev = i;
        head_ = i;
        if (tail_ == nil) tail_ = i;
    }
    void touch(std::size_t i) noexcept {
        if (head_ == i) return;
        unlink(i);
        link_front(i);
    }
    void append(const K& k, V v) noexcept {
        (void)slots_.push_back(slot{k, std::move(v), nil, nil});
        index_insert(k, slots_.size() - 1);
        link_front(slots_.size() - 1);
    }

    static_vector<slot, N> slots_;
    std::array<std::uint32_t, index_size> index_{};
    std::size_t head_ = nil;  // most recently used
    std::size_t tail_ = nil;  // least recently used
};

}  // namespace nexus
