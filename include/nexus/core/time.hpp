// Local monotonic time: timestamp (u64 ms since an arbitrary origin) and signed duration (ms).
// NEXUS has no global clock (spec "Time"): every value here is one node's own monotonic clock.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace nexus {

class duration {
public:
    constexpr duration() noexcept = default;
    static constexpr duration milliseconds(std::int64_t ms) noexcept { return duration(ms); }
    static constexpr duration seconds(std::int64_t s) noexcept { return duration(s * 1000); }
    static constexpr duration minutes(std::int64_t m) noexcept { return duration(m * 60'000); }
    static constexpr duration hours(std::int64_t h) noexcept { return duration(h * 3'600'000); }

    constexpr std::int64_t count_ms() const noexcept { return ms_; }

    constexpr duration operator+(duration o) const noexcept { return duration(ms_ + o.ms_); }
    constexpr duration operator-(duration o) const noexcept { return duration(ms_ - o.ms_); }
    constexpr duration operator*(std::int64_t k) const noexcept { return duration(ms_ * k); }
    constexpr duration operator-() const noexcept { return duration(-ms_); }
    constexpr auto operator<=>(const duration&) const noexcept = default;

private:
    constexpr explicit duration(std::int64_t ms) noexcept : ms_(ms) {}
    std::int64_t ms_ = 0;
};

class timestamp {
public:
    constexpr timestamp() noexcept = default;
    static constexpr timestamp from_ms(std::uint64_t ms) noexcept { return timestamp(ms); }
    /// The latest representable time: "never" for deadlines.
    static constexpr timestamp max() noexcept { return timestamp(std::numeric_limits<std::uint64_t>::max()); }

    constexpr std::uint64_t ms() const noexcept { return ms_; }

    /// Saturates at 0 and at max() instead of wrapping, so a deadline never jumps into the past.
    constexpr timestamp operator+(duration d) const noexcept {
        const std::int64_t v = d.count_ms();
        if (v >= 0) {
            const auto add = static_cast<std::uint64_t>(v);
            return timestamp(ms_ > max().ms_ - add ? max().ms_ : ms_ + add);
        }
        const auto sub = static_cast<std::uint64_t>(-(v + 1)) + 1;
        return timestamp(ms_ < sub ? 0 : ms_ - sub);
    }
    constexpr timestamp operator-(duration d) const noexcept { return *this + (-d); }
    /// Signed difference, saturating at the limits of duration.
    constexpr duration operator-(timestamp o) const noexcept {
        constexpr auto lim = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (ms_ >= o.ms_) {
            const std::uint64_t d = ms_ - o.ms_;
            return duration::milliseconds(d > lim ? std::numeric_limits<std::int64_t>::max()
                                                  : static_cast<std::int64_t>(d));
        }
        const std::uint64_t d = o.ms_ - ms_;
        return duration::milliseconds(d > lim ? std::numeric_limits<std::int64_t>::min()
                                              : -static_cast<std::int64_t>(d));
    }
    constexpr timestamp& operator+=(duration d) noexcept { return *this = *this + d; }
    constexpr auto operator<=>(const timestamp&) const noexcept = default;

private:
    constexpr explicit timestamp(std::uint64_t ms) noexcept : ms_(ms) {}
    std::uint64_t ms_ = 0;
};

}  // namespace nexus
