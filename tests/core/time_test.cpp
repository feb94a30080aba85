// Tests core/time.hpp: arithmetic, ordering and saturation at the ends of the range.
#include <doctest/doctest.h>

#include <limits>

#include "nexus/core/time.hpp"

using namespace nexus;

TEST_CASE("durations convert units exactly") {
    CHECK(duration::seconds(90).count_ms() == 90'000);
    CHECK(duration::minutes(30) == duration::seconds(1800));
    CHECK(duration::hours(1) == duration::minutes(60));
    CHECK(duration::seconds(1) * 3 == duration::milliseconds(3000));
    CHECK(duration::seconds(1) - duration::seconds(2) < duration{});
    CHECK(-duration::seconds(2) == duration::milliseconds(-2000));
}

TEST_CASE("timestamp arithmetic and ordering") {
    const auto t = timestamp::from_ms(1000);
    CHECK((t + duration::seconds(2)).ms() == 3000);
    CHECK((t - duration::milliseconds(400)).ms() == 600);
    CHECK((t + duration::seconds(2)) - t == duration::seconds(2));
    CHECK(t - (t + duration::seconds(2)) == duration::seconds(-2));
    CHECK(t < t + duration::milliseconds(1));
    auto u = t;
    u += duration::minutes(1);
    CHECK(u.ms() == 61'000);
}

TEST_CASE("timestamp saturates instead of wrapping") {
    CHECK((timestamp::from_ms(5) - duration::seconds(1)).ms() == 0);
    CHECK(timestamp::max() + duration::milliseconds(1) == timestamp::max());
    CHECK((timestamp::from_ms(0) + duration::milliseconds(std::numeric_limits<std::int64_t>::min())).ms() ==
          0);
    CHECK(timestamp::max() - timestamp::from_ms(0) ==
          duration::milliseconds(std::numeric_limits<std::int64_t>::max()));
    CHECK(timestamp::from_ms(0) - timestamp::max() ==
          duration::milliseconds(std::numeric_limits<std::int64_t>::min()));
}
