// ring_buffer<T, N>: a fixed-capacity FIFO queue. Pushing onto a full queue is error::full
// (or, with push_overwrite, explicitly drops the oldest element).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "nexus/core/result.hpp"

namespace nexus {

template <class T, std::size_t N>
class ring_buffer {
    static_assert(N > 0, "a ring_buffer needs a capacity");

public:
    ring_buffer() noexcept {}
    ring_buffer(const ring_buffer& o) noexcept(std::is_nothrow_copy_constructible_v<T>) {
        for (std::size_t i = 0; i < o.size_; ++i) (void)push_back(o[i]);
    }
    ring_buffer& operator=(const ring_buffer& o) {
        if (this != &o) {
            clear();
            for (std::size_t i = 0; i < o.size_; ++i) (void)push_back(o[i]);
        }
        return *this;
    }
    ~ring_buffer() { clear(); }

    static constexpr std::size_t capacity() noexcept { return N; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == N; }

    result<void> push_back(T v) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (full()) return fail(error::full);
        std::construct_at(slot((head_ + size_) % N), std::move(v));
        ++size_;
        return ok();
    }
    /// Appends, dropping the oldest element when full; returns true when one was dropped.
    bool push_overwrite(T v) noexcept(std::is_nothrow_move_constructible_v<T>) {
        const bool dropped = full();
        if (dropped) (void)pop_front();
        (void)push_back(std::move(v));
        return dropped;
    }
    /// Removes and returns the oldest element.
    result<T> pop_front() noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (empty()) return fail(error::empty);
        T* p = slot(head_);
        T v = std::move(*p);
        std::destroy_at(p);
        head_ = (head_ + 1) % N;
        --size_;
        return v;
    }
    result<T*> front() noexcept {
        if (empty()) return fail(error::empty);
        return slot(head_);
    }
    result<T*> back() noexcept {
        if (empty()) return fail(error::empty);
        return slot((head_ + size_ - 1) % N);
    }
    /// i-th oldest element, unchecked (0 ≤ i < size()).
    T& operator[](std::size_t i) noexcept { return *slot((head_ + i) % N); }
    const T& operator[](std::size_t i) const noexcept { return *slot((head_ + i) % N); }

    void clear() noexcept {
        while (size_ > 0) (void)pop_front();
        head_ = 0;
    }

private:
    T* slot(std::size_t i) noexcept { return std::launder(reinterpret_cast<T*>(storage_) + i); }
    const T* slot(std::size_t i) const noexcept {
        return std::launder(reinterpret_cast<const T*>(storage_) + i);
    }

    alignas(T) unsigned char storage_[sizeof(T) * N];
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace nexus
