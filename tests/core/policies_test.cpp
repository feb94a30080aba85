// Tests core/policies.hpp concepts and the reference policies of core/reference_policies.hpp.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <set>

#include "nexus/core/reference_policies.hpp"
#include "support/alloc_counter.hpp"

using namespace nexus;

namespace {
struct not_a_clock {
    int now() const { return 0; }
};
struct not_an_interface {
    void send(std::span<const std::uint8_t>) {}
};
}  // namespace

static_assert(!monotonic_clock<not_a_clock>, "now() must return timestamp");
static_assert(!network_interface<not_an_interface>, "send must return result<void>, mtu, bitrate");
static_assert(!random_source<int>);
static_assert(!storage<manual_clock>);

TEST_CASE("manual_clock moves only when told") {
    manual_clock c(timestamp::from_ms(10));
    CHECK(c.now().ms() == 10);
    c.advance(duration::seconds(1));
    CHECK(c.now().ms() == 1010);
    c.set(timestamp::from_ms(5));
    CHECK(c.now().ms() == 5);
}

TEST_CASE("seeded_random is reproducible per seed and differs across seeds") {
    seeded_random a(42), b(42), c(43);
    std::array<std::uint8_t, 37> x{}, y{}, z{};
    NEXUS_CHECK_NO_ALLOC({
        a.fill(x);
        b.fill(y);
        c.fill(z);
    });
    CHECK(x == y);
    CHECK(x != z);
    // Byte values should cover most of the range over a long stream (a sanity bound, not a
    // statistical test: 4096 draws hit fewer than 200 of 256 values with negligible probability).
    std::set<std::uint8_t> seen;
    std::array<std::uint8_t, 4096> big{};
    a.fill(big);
    for (auto v : big) seen.insert(v);
    CHECK(seen.size() > 200);
}

TEST_CASE("loopback_interface delivers frames in order to its peer") {
    loopback_interface<64, 4> a, b;
    loopback_interface<64, 4>::connect(a, b);
    const std::array<std::uint8_t, 3> f1{1, 2, 3};
    const std::array<std::uint8_t, 1> f2{9};
    NEXUS_CHECK_NO_ALLOC({
        REQUIRE(a.send(f1));
        REQUIRE(a.send(f2));
    });
    CHECK(b.pending() == 2);
    CHECK(a.pending() == 0);
    std::array<std::uint8_t, 64> out{};
    auto n = b.receive(out);
    REQUIRE(n);
    CHECK(*n == 3);
    CHECK(out[2] == 3);
    std::array<std::uint8_t, 0> tiny{};
    CHECK(b.receive(tiny).error() == error::buffer_too_small);
    n = b.receive(out);
    REQUIRE(n);
    CHECK(out[0] == 9);
    CHECK(b.receive(out).error() == error::empty);
}

TEST_CASE("loopback_interface rejects oversize frames, a full inbox and no peer") {
    loopback_interface<8, 2> a, b, lonely;
    loopback_interface<8, 2>::connect(a, b);
    std::array<std::uint8_t, 9> big{};
    CHECK(a.send(big).error() == error::invalid_length);
    std::array<std::uint8_t, 8> ok_frame{};
    REQUIRE(a.send(ok_frame));
    REQUIRE(a.send(ok_frame));
    CHECK(a.send(ok_frame).error() == error::full);
    CHECK(a.frames_sent() == 2);
    CHECK(lonely.send(ok_frame).error() == error::io_failed);
    CHECK(a.mtu() == 8);
}

TEST_CASE("memory_storage stores, overwrites, loads and erases") {
    memory_storage<2, 8, 4> s;
    const std::array<std::uint8_t, 3> v1{1, 2, 3};
    const std::array<std::uint8_t, 2> v2{7, 8};
    REQUIRE(s.store("id", v1));
    REQUIRE(s.store("id", v2));
    std::array<std::uint8_t, 4> out{};
    auto n = s.load("id", out);
    REQUIRE(n);
    CHECK(*n == 2);
    CHECK(out[1] == 8);
    CHECK(s.load("nope", out).error() == error::not_found);
    std::array<std::uint8_t, 1> small{};
    CHECK(s.load("id", small).error() == error::buffer_too_small);
    REQUIRE(s.store("b", v1));
    CHECK(s.store("c", v1).error() == error::full);
    CHECK(s.store("", v1).error() == error::invalid_argument);
    CHECK(s.store("far-too-long", v1).error() == error::invalid_argument);
    const std::array<std::uint8_t, 5> big{};
    CHECK(s.store("id", big).error() == error::invalid_length);
    REQUIRE(s.erase("id"));
    CHECK(s.erase("id").error() == error::not_found);
    CHECK(s.size() == 1);
    CHECK(*s.load("b", out) == 3);
}
