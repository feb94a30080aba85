// Sliding replay window over 64-bit packet counters: the highest authenticated counter and a
// bitmap of the 64 counters at and below it. A counter is fresh when it is above the highest, or
// within the window and not yet seen. check() before decrypting, accept() only after the packet
// authenticated, so a forged packet cannot move the window.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nexus {

class replay_window {
public:
    static constexpr std::uint64_t size = 64;

    /// True when `counter` has not been accepted and is not too old to tell.
    constexpr bool check(std::uint64_t counter) const noexcept {
        if (!any_) return true;
        if (counter > top_) return true;
        const std::uint64_t age = top_ - counter;
        if (age >= size) return false;
        return (seen_ >> age & 1) == 0;
    }

    /// Records `counter` (which must have passed check()).
    constexpr void accept(std::uint64_t counter) noexcept {
        if (!any_) {
            any_ = true;
            top_ = counter;
            seen_ = 1;
            return;
        }
        if (counter > top_) {
            const std::uint64_t shift = counter - top_;
            seen_ = shift >= size ? 0 : seen_ << shift;
            seen_ |= 1;
            top_ = counter;
            return;
        }
        seen_ |= std::uint64_t{1} << (top_ - counter);
    }

    constexpr void reset() noexcept { *this = replay_window{}; }
    constexpr bool empty() const noexcept { return !any_; }
    constexpr std::uint64_t highest() const noexcept { return top_; }

private:
    std::uint64_t top_ = 0;
    std::uint64_t seen_ = 0;
    bool any_ = false;
};

}  // namespace nexus
