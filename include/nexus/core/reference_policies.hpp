// Reference policy implementations for tests, simulations and examples: a manual clock, a
// seeded deterministic random source, an in-memory loopback interface and in-memory storage.
// None of them touches the operating system; none is suitable for generating real keys.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/policies.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/core/static_vector.hpp"

namespace nexus {

/// A clock that moves only when told to.
class manual_clock {
public:
    constexpr explicit manual_clock(timestamp start = {}) noexcept : now_(start) {}
    constexpr timestamp now() const noexcept { return now_; }
    constexpr void advance(duration d) noexcept { now_ += d; }
    constexpr void set(timestamp t) noexcept { now_ = t; }

private:
    timestamp now_;
};

/// Reproducible bytes from a 64-bit seed (xoshiro256** seeded by splitmix64).
/// Deterministic by design, for tests and simulations: NOT a cryptographic generator.
class seeded_random {
public:
    constexpr explicit seeded_random(std::uint64_t seed) noexcept {
        for (auto& w : s_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            w = z ^ (z >> 31);
        }
    }
    constexpr std::uint64_t next_u64() noexcept {
        const std::uint64_t out = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return out;
    }
    constexpr void fill(std::span<std::uint8_t> out) noexcept {
        std::size_t i = 0;
        while (i < out.size()) {
            const std::uint64_t v = next_u64();
            for (int b = 0; b < 8 && i < out.size(); ++b, ++i)
                out[i] = static_cast<std::uint8_t>(v >> (8 * b));
        }
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    std::array<std::uint64_t, 4> s_{};
};

/// One fixed-size frame held by a loopback queue.
template <std::size_t MaxFrame>
struct frame_buffer {
    std::array<std::uint8_t, MaxFrame> bytes{};
    std::size_t size = 0;
    std::span<const std::uint8_t> view() const noexcept { return {bytes.data(), size}; }
};

/// An in-memory point-to-point link end. `send` copies the frame into the connected peer's
/// inbox; the peer's integrator loop drains it with `receive`. Frames larger than the MTU are
/// invalid_length; a full inbox is error::full (the frame is dropped, as on a real link).
template <std::size_t MaxFrame = 512, std::size_t Depth = 16>
class loopback_interface {
public:
    constexpr explicit loopback_interface(std::uint32_t bitrate_bps = 1'000'000) noexcept
        : bitrate_(bitrate_bps) {}

    /// Connects two ends both ways.
    static void connect(loopback_interface& a, loopback_interface& b) noexcept {
        a.peer_ = &b;
        b.peer_ = &a;
    }

    result<void> send(std::span<const std::uint8_t> frame) noexcept {
        if (frame.size() > MaxFrame) return fail(error::invalid_length);
        if (peer_ == nullptr) return fail(error::io_failed);
        frame_buffer<MaxFrame> f;
        for (std::size_t i = 0; i < frame.size(); ++i) f.bytes[i] = frame[i];
        f.size = frame.size();
        if (auto r = peer_->inbox_.push_back(f); !r) return r;
        ++sent_;
        return ok();
    }
    /// Takes the oldest received frame into `out`; returns its length.
    result<std::size_t> receive(std::span<std::uint8_t> out) noexcept {
        auto front = inbox_.front();
        if (!front) return fail(error::empty);
        const auto& f = **front;
        if (out.size() < f.size) return fail(error::buffer_too_small);
        for (std::size_t i = 0; i < f.size; ++i) out[i] = f.bytes[i];
        const std::size_t n = f.size;
        (void)inbox_.pop_front();
        return n;
    }
    std::size_t pending() const noexcept { return inbox_.size(); }
    std::size_t frames_sent() const noexcept { return sent_; }
    constexpr std::size_t mtu() const noexcept { return MaxFrame; }
    constexpr std::uint32_t bitrate_bps() const noexcept { return bitrate_; }

private:
    ring_buffer<frame_buffer<MaxFrame>, Depth> inbox_;
    loopback_interface* peer_ = nullptr;
    std::uint32_t bitrate_;
    std::size_t sent_ = 0;
};

/// Key/value storage in fixed arrays: up to MaxEntries keys of at most MaxKey characters,
/// values of at most MaxValue bytes.
template <std::size_t MaxEntries = 16, std::size_t MaxKey = 64, std::size_t MaxValue = 512>
class memory_storage {
public:
    result<void> store(std::string_view key, std::span<const std::uint8_t> value) noexcept {
        if (key.empty() || key.size() > MaxKey) return fail(error::invalid_argument);
        if (value.size() > MaxValue) return fail(error::invalid_length);
        entry* e = find(key);
        if (e == nullptr) {
            auto r = entries_.emplace_back();
            if (!r) return fail(r.error());
            e = *r;
            for (std::size_t i = 0; i < key.size(); ++i) e->key[i] = key[i];
            e->key_size = key.size();
        }
        for (std::size_t i = 0; i < value.size(); ++i) e->value[i] = value[i];
        e->value_size = value.size();
        return ok();
    }
    result<std::size_t> load(std::string_view key, std::span<std::uint8_t> out) noexcept {
        const entry* e = find(key);
        if (e == nullptr) return fail(error::not_found);
        if (out.size() < e->value_size) return fail(error::buffer_too_small);
        for (std::size_t i = 0; i < e->value_size; ++i) out[i] = e->value[i];
        return e->value_size;
    }
    result<void> erase(std::string_view key) noexcept {
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (entries_[i].name() == key) return entries_.swap_erase(i);
        return fail(error::not_found);
    }
    std::size_t size() const noexcept { return entries_.size(); }

private:
    struct entry {
        std::array<char, MaxKey> key{};
        std::size_t key_size = 0;
        std::array<std::uint8_t, MaxValue> value{};
        std::size_t value_size = 0;
        std::string_view name() const noexcept { return {key.data(), key_size}; }
    };
    entry* find(std::string_view key) noexcept {
        for (auto& e : entries_)
            if (e.name() == key) return &e;
        return nullptr;
    }
    static_vector<entry, MaxEntries> entries_;
};

static_assert(monotonic_clock<manual_clock>);
static_assert(random_source<seeded_random>);
static_assert(network_interface<loopback_interface<>>);
static_assert(storage<memory_storage<>>);

}  // namespace nexus
