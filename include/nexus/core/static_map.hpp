// static_map<K, V, N>: an ordered map in a sorted fixed-capacity array (binary search lookup).
// Inserting a new key into a full map is error::full; nothing is evicted behind the caller's back.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"

namespace nexus {

template <class K, class V, std::size_t N, class Less = std::less<K>>
class static_map {
public:
    struct entry {
        K key;
        V value;
    };

    static constexpr std::size_t capacity() noexcept { return N; }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    bool full() const noexcept { return items_.full(); }

    /// Entries in ascending key order.
    const entry* begin() const noexcept { return items_.begin(); }
    const entry* end() const noexcept { return items_.end(); }
    entry* begin() noexcept { return items_.begin(); }
    entry* end() noexcept { return items_.end(); }

    V* find(const K& k) noexcept {
        const std::size_t i = lower_bound(k);
        return (i < items_.size() && equal(items_[i].key, k)) ? &items_[i].value : nullptr;
    }
    const V* find(const K& k) const noexcept { return const_cast<static_map*>(this)->find(k); }
    bool contains(const K& k) const noexcept { return find(k) != nullptr; }

    /// Inserts a new key; an existing key is left unchanged and reported as invalid_argument.
    result<V*> insert(const K& k, V v) noexcept {
        const std::size_t i = lower_bound(k);
        if (i < items_.size() && equal(items_[i].key, k)) return fail(error::invalid_argument);
        if (auto r = items_.insert(i, entry{k, std::move(v)}); !r) return fail(r.error());
        return &items_[i].value;
    }
    /// Inserts or overwrites.
    result<V*> insert_or_assign(const K& k, V v) noexcept {
        const std::size_t i = lower_bound(k);
        if (i < items_.size() && equal(items_[i].key, k)) {
            items_[i].value = std::move(v);
            return &items_[i].value;
        }
        if (auto r = items_.insert(i, entry{k, std::move(v)}); !r) return fail(r.error());
        return &items_[i].value;
    }
    result<void> erase(const K& k) noexcept {
        const std::size_t i = lower_bound(k);
        if (i >= items_.size() || !equal(items_[i].key, k)) return fail(error::not_found);
        return items_.erase(i);
    }
    void clear() noexcept { items_.clear(); }

private:
    static bool equal(const K& a, const K& b) noexcept { return !Less{}(a, b) && !Less{}(b, a); }
    std::size_t lower_bound(const K& k) const noexcept {
        std::size_t lo = 0, hi = items_.size();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (Less{}(items_[mid].key, k))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    static_vector<entry, N> items_;
};

}  // namespace nexus
