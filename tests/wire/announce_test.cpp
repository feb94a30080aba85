// Tests of wire/announce.hpp: Reticulum reference announces validate in the Reticulum profile and
// are rebuilt byte for byte from their private key; NEXUS-profile announces equal the independent
// Python construction (test-vectors/identity.json); every kind of forgery is rejected.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "nexus/core/reference_policies.hpp"
#include "nexus/wire/announce.hpp"
#include "support/alloc_counter.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::error;
using nexus::nexus_profile;
using nexus::reticulum_profile;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace wire = nexus::wire;

template <class Array>
Array to_array(const bytes& b) {
    Array a{};
    REQUIRE(b.size() == a.size());
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

// Rebuilds `raw` from the identity and the fields the raw announce carries, and validates both.
template <class P>
void rebuild_and_validate(const nexus::identity<P>& id, const bytes& raw) {
    auto v = wire::validate_announce<P>(raw);
    REQUIRE(v);
    CHECK(v->identity.public_key() == id.public_key());
    wire::announce_params params;
    std::copy(v->fields.name.begin(), v->fields.name.end(), params.name.begin());
    std::copy(v->fields.random.begin(), v->fields.random.end(), params.random.begin());
    params.ratchet = v->fields.ratchet;
    params.app_data = v->fields.app_data;
    params.context = v->fields.header.context;
    std::array<std::uint8_t, wire::mtu> out{};
    auto n = wire::build_announce(id, params, out);
    REQUIRE(n);
    CHECK(to_hex(std::span(out).first(*n)) == to_hex(raw));
}

}  // namespace

TEST_CASE("announce: Reticulum reference announces validate and rebuild byte for byte") {
    const auto doc = nexus::test::load_shared_vectors("reticulum/announces.json");
    if (!doc) {
        MESSAGE("skipped: ../shared/vectors/reticulum/announces.json is absent");
        return;
    }
    std::size_t n = 0;
    for (const auto* group : {"announces", "ratchet_announces"}) {
        for (const auto& c : (*doc)[group]) {
            const bytes raw = from_hex(c["raw"].get<std::string>());
            auto id = nexus::identity<reticulum_profile>::from_private_key(from_hex(c["private_key"].get<std::string>()));
            REQUIRE(id);
            auto v = wire::validate_announce<reticulum_profile>(raw);
            REQUIRE(v);
            CHECK(to_hex(v->fields.header.destination) == c["destination_hash"].get<std::string>());
            CHECK(v->fields.has_ratchet() == (std::string(group) == "ratchet_announces"));
            if (c["app_data"].is_null()) CHECK(v->fields.app_data.empty());
            rebuild_and_validate(*id, raw);
            // A Reticulum announce is not valid under the NEXUS profile: the addresses differ.
            CHECK(wire::validate_announce<nexus_profile>(raw).error() == error::auth_failed);
            ++n;
        }
    }
    CHECK(n >= 3);
    CHECK(wire::announce_min_packet == 167);
}

TEST_CASE("announce: NEXUS profile announces equal the independent construction") {
    const auto doc = nexus::test::load_vectors("identity.json");
    for (const auto& c : doc["cases"]) {
        const auto seed = to_array<std::array<std::uint8_t, 32>>(from_hex(c["seed"].get<std::string>()));
        const auto id = nexus::node_identity::from_ed25519_seed(seed);
        const auto& a = c["announce"];
        wire::announce_params params;
        params.name = nexus::make_name_hash<nexus_profile>(a["full_name"].get<std::string>());
        params.random = to_array<wire::random_hash>(from_hex(a["random_hash"].get<std::string>()));
        const bytes ratchet = from_hex(a["ratchet"].get<std::string>());
        const bytes app = from_hex(a["app_data"].get<std::string>());
        params.ratchet = ratchet;
        params.app_data = app;
        std::array<std::uint8_t, wire::mtu> out{};
        auto n = wire::build_announce(id, params, out);
        REQUIRE(n);
        CHECK(to_hex(std::span(out).first(*n)) == a["raw"].get<std::string>());
        CHECK(to_hex(wire::packet_hash<nexus_profile>(std::span(out).first(*n)).value()) ==
              a["packet_hash"].get<std::string>());
        auto v = wire::validate_announce<nexus_profile>(std::span(out).first(*n));
        REQUIRE(v);
        CHECK(to_hex(v->fields.app_data) == a["app_data"].get<std::string>());
        CHECK(wire::random_hash_timestamp(v->fields.random) == 1'700'000'000u + (&c - &doc["cases"][0]));
    }
}

TEST_CASE("announce: forgeries and malformed announces are rejected") {
    nexus::seeded_random rng(3);
    const auto id = nexus::node_identity::generate(rng);
    const auto other = nexus::node_identity::generate(rng);
    wire::announce_params params;
    params.name = nexus::make_name_hash<nexus_profile>("nexus.test.forgery");
    params.random = wire::make_random_hash(rng, 1234);
    const bytes app = {0x4E, 1, 2, 3, 4, 5, 6, 7, 8};
    params.app_data = app;
    std::array<std::uint8_t, wire::mtu> out{};
    const std::size_t n = wire::build_announce(id, params, out).value();
    const bytes good(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    REQUIRE(wire::validate_announce<nexus_profile>(good));
    CHECK(wire::random_hash_timestamp(std::span<const std::uint8_t, 10>(good.data() + 19 + 64 + 10, 10)) == 1234);

    // Any flipped byte breaks the announce (signature, destination or shape) except the hops
    // byte (it changes in transit) and the context byte (none / path response), which the
    // signature does not cover, exactly as in Reticulum.
    for (std::size_t i = 0; i < good.size(); ++i) {
        bytes t = good;
        t[i] ^= 0x40;
        CAPTURE(i);
        if (i == 1 || i == 18) {
            CHECK(wire::validate_announce<nexus_profile>(t).has_value());
        } else {
            CHECK_FALSE(wire::validate_announce<nexus_profile>(t).has_value());
        }
    }
    // Another identity's key with the original signature; re-signed by someone else; truncated.
    {
        bytes t = good;
        std::copy(other.public_key().begin(), other.public_key().end(), t.begin() + 19);
        CHECK(wire::validate_announce<nexus_profile>(t).error() == error::auth_failed);
    }
    {
        // `other` signs an announce claiming id's destination: destination mismatch.
        std::array<std::uint8_t, wire::mtu> o{};
        const std::size_t m = wire::build_announce(other, params, o).value();
        std::copy(good.begin() + 2, good.begin() + 18, o.begin() + 2);
        CHECK(wire::validate_announce<nexus_profile>(std::span(o).first(m)).error() == error::auth_failed);
    }
    for (std::size_t len = 19; len < wire::announce_min_packet; len += 7)
        CHECK(wire::validate_announce<nexus_profile>(std::span(good).first(len)).error() == error::truncated);
    bytes not_announce = good;
    not_announce[0] = 0x00;
    CHECK(wire::validate_announce<nexus_profile>(not_announce).error() == error::invalid_argument);
    bytes to_group = good;
    to_group[0] = 0x05;
    CHECK(wire::validate_announce<nexus_profile>(to_group).error() == error::invalid_argument);
    // Setting the context flag claims a ratchet that is not there: the fields shift and fail.
    bytes ratchet_flag = good;
    ratchet_flag[0] |= 0x20;
    CHECK_FALSE(wire::validate_announce<nexus_profile>(ratchet_flag).has_value());

    // Builder errors.
    const bytes bad_ratchet(31);
    params.ratchet = bad_ratchet;
    CHECK(wire::build_announce(id, params, out).error() == error::invalid_length);
    params.ratchet = {};
    const bytes too_much(500 - 167 + 1);
    params.app_data = too_much;
    CHECK(wire::build_announce(id, params, out).error() == error::invalid_length);
    params.app_data = app;
    std::array<std::uint8_t, 100> small{};
    CHECK(wire::build_announce(id, params, small).error() == error::buffer_too_small);

    // Building and validating do not allocate.
    nexus::result<std::size_t> built;
    NEXUS_CHECK_NO_ALLOC(built = wire::build_announce(id, params, out));
    REQUIRE(built);
    bool valid = false;
    NEXUS_CHECK_NO_ALLOC(valid = wire::validate_announce<nexus_profile>(std::span(out).first(*built)).has_value());
    CHECK(valid);
}

TEST_CASE("announce: largest app data fits exactly at the MTU") {
    nexus::seeded_random rng(11);
    const auto id = nexus::node_identity::generate(rng);
    wire::announce_params params;
    params.name = nexus::make_name_hash<nexus_profile>("nexus.big");
    params.random = wire::make_random_hash(rng, 0xFFFFFFFFFFull);
    const bytes app(wire::mtu - wire::announce_min_packet, 0xAB);
    params.app_data = app;
    std::array<std::uint8_t, wire::mtu> out{};
    REQUIRE(wire::build_announce(id, params, out).value() == wire::mtu);
    auto v = wire::validate_announce<nexus_profile>(out);
    REQUIRE(v);
    CHECK(v->fields.app_data.size() == app.size());
    CHECK(wire::random_hash_timestamp(v->fields.random) == 0xFFFFFFFFFFull);
}
