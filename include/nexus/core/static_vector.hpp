// static_vector<T, N>: a vector with compile-time capacity and in-object storage.
// Pushing past N is error::full, never growth (DESIGN §3.2).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

#include "nexus/core/result.hpp"

namespace nexus {

template <class T, std::size_t N>
class static_vector {
    static_assert(N > 0, "a static_vector needs a capacity");

public:
    using value_type = T;
    using size_type = std::size_t;
    using iterator = T*;
    using const_iterator = const T*;

    static_vector() noexcept {}
    static_vector(const static_vector& o) noexcept(std::is_nothrow_copy_constructible_v<T>) {
        for (const T& v : o) std::construct_at(slot(size_++), v);
    }
    static_vector(static_vector&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        for (T& v : o) std::construct_at(slot(size_++), std::move(v));
        o.clear();
    }
    static_vector& operator=(const static_vector& o) {
        if (this != &o) {
            clear();
            for (const T& v : o) std::construct_at(slot(size_++), v);
        }
        return *this;
    }
    static_vector& operator=(static_vector&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) {
            clear();
            for (T& v : o) std::construct_at(slot(size_++), std::move(v));
            o.clear();
        }
        return *this;
    }
    ~static_vector() { clear(); }

    static constexpr size_type capacity() noexcept { return N; }
    size_type size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == N; }

    T* data() noexcept { return slot(0); }
    const T* data() const noexcept { return slot(0); }
    iterator begin() noexcept { return data(); }
    iterator end() noexcept { return data() + size_; }
    const_iterator begin() const noexcept { return data(); }
    const_iterator end() const noexcept { return data() + size_; }
    std::span<T> span() noexcept { return {data(), size_}; }
    std::span<const T> span() const noexcept { return {data(), size_}; }

    /// Unchecked access for loops already bounded by size(); use at() for untrusted indices.
    T& operator[](size_type i) noexcept { return *slot(i); }
    const T& operator[](size_type i) const noexcept { return *slot(i); }
    result<T*> at(size_type i) noexcept {
        if (i >= size_) return fail(error::out_of_range);
        return slot(i);
    }
    result<const T*> at(size_type i) const noexcept {
        if (i >= size_) return fail(error::out_of_range);
        return slot(i);
    }

    template <class... Args>
    result<T*> emplace_back(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args...>) {
        if (full()) return fail(error::full);
        T* p = std::construct_at(slot(size_), std::forward<Args>(args)...);
        ++size_;
        return p;
    }
    result<void> push_back(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) {
        if (full()) return fail(error::full);
        std::construct_at(slot(size_++), v);
        return ok();
    }
    result<void> push_back(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (full()) return fail(error::full);
        std::construct_at(slot(size_++), std::move(v));
        return ok();
    }
    result<void> pop_back() noexcept {
        if (empty()) return fail(error::empty);
        std::destroy_at(slot(--size_));
        return ok();
    }
    /// Removes element i, keeping the order of the rest.
    result<void> erase(size_type i) noexcept {
        if (i >= size_) return fail(error::out_of_range);
        if constexpr (std::is_trivially_copyable_v<T>) {
            // One block move (the library's, vectorised) instead of element by element: sorted
            // tables of a few thousand entries shift here on every removal.
            std::memmove(static_cast<void*>(slot(i)), slot(i + 1), (size_ - i - 1) * sizeof(T));
        } else {
            for (size_type j = i; j + 1 < size_; ++j) *slot(j) = std::move(*slot(j + 1));
        }
        std::destroy_at(slot(--size_));
        return ok();
    }
    /// Removes element i in O(1) by moving the last element into its place.
    result<void> swap_erase(size_type i) noexcept {
        if (i >= size_) return fail(error::out_of_range);
        if (i + 1 != size_) *slot(i) = std::move(*slot(size_ - 1));
        std::destroy_at(slot(--size_));
        return ok();
    }
    /// Inserts before position i (i == size() appends).
    result<void> insert(size_type i, T v) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (i > size_) return fail(error::out_of_range);
        if (full()) return fail(error::full);
        if (i == size_) {
            std::construct_at(slot(size_++), std::move(v));
            return ok();
        }
        if constexpr (std::is_trivially_copyable_v<T>) {
            std::memmove(static_cast<void*>(slot(i + 1)), slot(i), (size_ - i) * sizeof(T));
            std::construct_at(slot(i), std::move(v));
        } else {
            std::construct_at(slot(size_), std::move(*slot(size_ - 1)));
            for (size_type j = size_ - 1; j > i; --j) *slot(j) = std::move(*slot(j - 1));
            *slot(i) = std::move(v);
        }
        ++size_;
        return ok();
    }
    /// erase(i) then insert(j, v) - j a position in the vector without element i - in one pass
    /// that moves only the elements between i and j (a sorted table replacing an entry elsewhere).
    result<void> erase_insert(size_type i, size_type j, T v) noexcept(std::is_nothrow_move_assignable_v<T>) {
        if (i >= size_ || j >= size_) return fail(error::out_of_range);
        if constexpr (std::is_trivially_copyable_v<T>) {
            if (i < j)
                std::memmove(static_cast<void*>(slot(i)), slot(i + 1), (j - i) * sizeof(T));
            else if (j < i)
                std::memmove(static_cast<void*>(slot(j + 1)), slot(j), (i - j) * sizeof(T));
        } else {
            for (size_type k = i; k < j; ++k) *slot(k) = std::move(*slot(k + 1));
            for (size_type k = i; k > j; --k) *slot(k) = std::move(*slot(k - 1));
        }
        *slot(j) = std::move(v);
        return ok();
    }
    void clear() noexcept {
        while (size_ > 0) std::destroy_at(slot(--size_));
    }

private:
    T* slot(size_type i) noexcept { return std::launder(reinterpret_cast<T*>(storage_) + i); }
    const T* slot(size_type i) const noexcept {
        return std::launder(reinterpret_cast<const T*>(storage_) + i);
    }

    alignas(T) unsigned char storage_[sizeof(T) * N];
    size_type size_ = 0;
};

}  // namespace nexus
