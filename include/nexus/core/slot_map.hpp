// slot_map<K, V, N>: an ordered map whose values stay in place. Values live in a fixed pool of N
// slots; a sorted index of (key, slot) gives binary-search lookup and ascending iteration.
// Inserting or erasing moves index entries only (a key and a 16-bit slot number), never values,
// so a map of large values (a routing agent's known destinations, hundreds of bytes each) costs
// the same to update as a map of small ones, and a pointer to a value stays valid until that key
// is erased. Inserting a new key into a full map is error::full; nothing is evicted behind the
// caller's back (the same contract as static_map).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"

namespace nexus {

template <class K, class V, std::size_t N, class Less = std::less<K>>
class slot_map {
    static_assert(N > 0 && N <= 0xFFFF, "slot numbers are 16-bit");
    using slot_id = std::uint16_t;
    struct index_entry {
        K key;
        slot_id slot;
    };

public:
    /// What iteration yields: the key and a reference to its value.
    template <class Value>
    struct entry_ref {
        const K& key;
        Value& value;
    };

    /// Random-access iteration over the index in ascending key order.
    template <class Map, class Value>
    class basic_iterator {
    public:
        basic_iterator(Map* m, std::size_t i) noexcept : m_(m), i_(i) {}
        entry_ref<Value> operator*() const noexcept { return (*this)[0]; }
        entry_ref<Value> operator[](std::ptrdiff_t d) const noexcept {
            const index_entry& e = m_->index_[static_cast<std::size_t>(static_cast<std::ptrdiff_t>(i_) + d)];
            return {e.key, m_->values_[e.slot]};
        }
        basic_iterator& operator++() noexcept {
            ++i_;
            return *this;
        }
        bool operator==(const basic_iterator& o) const noexcept { return i_ == o.i_; }
        bool operator!=(const basic_iterator& o) const noexcept { return i_ != o.i_; }

    private:
        Map* m_;
        std::size_t i_;
    };
    using iterator = basic_iterator<slot_map, V>;
    using const_iterator = basic_iterator<const slot_map, const V>;

    slot_map() noexcept = default;
    slot_map(const slot_map&) = delete;  // values are addressed by slot: copies would be easy to misuse
    slot_map& operator=(const slot_map&) = delete;

    static constexpr std::size_t capacity() noexcept { return N; }
    std::size_t size() const noexcept { return index_.size(); }
    bool empty() const noexcept { return index_.empty(); }
    bool full() const noexcept { return index_.full(); }

    iterator begin() noexcept { return {this, 0}; }
    iterator end() noexcept { return {this, index_.size()}; }
    const_iterator begin() const noexcept { return {this, 0}; }
    const_iterator end() const noexcept { return {this, index_.size()}; }

    V* find(const K& k) noexcept {
        const std::size_t i = lower_bound(k);
        return (i < index_.size() && equal(index_[i].key, k)) ? &values_[index_[i].slot] : nullptr;
    }
    const V* find(const K& k) const noexcept { return const_cast<slot_map*>(this)->find(k); }
    bool contains(const K& k) const noexcept { return find(k) != nullptr; }

    /// Inserts a new key; an existing key is left unchanged and reported as invalid_argument.
    result<V*> insert(const K& k, V v) noexcept {
        const std::size_t i = lower_bound(k);
        if (i < index_.size() && equal(index_[i].key, k)) return fail(error::invalid_argument);
        if (index_.full()) return fail(error::full);
        const slot_id s = take_slot();
        if (auto r = index_.insert(i, index_entry{k, s}); !r) {
            free_[free_count_++] = s;
            return fail(r.error());
        }
        values_[s] = std::move(v);
        return &values_[s];
    }
    result<void> erase(const K& k) noexcept {
        const std::size_t i = lower_bound(k);
        if (i >= index_.size() || !equal(index_[i].key, k)) return fail(error::not_found);
        const slot_id s = index_[i].slot;
        values_[s] = V{};
        free_[free_count_++] = s;
        return index_.erase(i);
    }
    void clear() noexcept {
        for (const auto& e : index_) values_[e.slot] = V{};
        index_.clear();
        free_count_ = 0;
        fresh_ = 0;
    }

private:
    static bool equal(const K& a, const K& b) noexcept { return !Less{}(a, b) && !Less{}(b, a); }
    std::size_t lower_bound(const K& k) const noexcept {
        std::size_t lo = 0, hi = index_.size();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (Less{}(index_[mid].key, k))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    /// A free slot (the caller checked that the index has room, so one exists): a released one
    /// first, else the next never used.
    slot_id take_slot() noexcept {
        if (free_count_ > 0) return free_[--free_count_];
        return static_cast<slot_id>(fresh_++);
    }

    static_vector<index_entry, N> index_;
    std::array<V, N> values_{};
    std::array<slot_id, N> free_{};  ///< released slots (a stack of free_count_)
    std::size_t free_count_ = 0;
    std::size_t fresh_ = 0;          ///< slots [fresh_, N) have never been used
};

}  // namespace nexus
