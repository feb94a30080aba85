// lru_cache<K, V, N>: fixed-capacity key/value cache that tracks recency of use.
// put() evicts the least recently used entry when full and says which; try_put() refuses
// with error::full instead. Lookup is a linear scan: meant for small N (caches of peers,
// packet hashes, ...); use static_map where N is large and recency does not matter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"

namespace nexus {

template <class K, class V, std::size_t N>
class lru_cache {
    static constexpr std::size_t nil = static_cast<std::size_t>(-1);

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
        K evicted = std::move(slots_[victim].key);
        slots_[victim].key = k;
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
        const std::size_t last = slots_.size() - 1;
        if (i != last) {
            // Move the last slot into the hole and repoint its neighbours.
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
    }

private:
    struct slot {
        K key;
        V value;
        std::size_t prev;
        std::size_t next;
    };

    std::size_t index_of(const K& k) const noexcept {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (slots_[i].key == k) return i;
        return nil;
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
        link_front(slots_.size() - 1);
    }

    static_vector<slot, N> slots_;
    std::size_t head_ = nil;  // most recently used
    std::size_t tail_ = nil;  // least recently used
};

}  // namespace nexus
