// Tests wire/announce_ext.hpp (protocol.md "NEXUS announce extension"): an extension written out by
// hand (magic 4E, version, 6-byte path cost, TLVs type/len/data with little-endian values), TLV
// iteration and lookup, unknown types, every parse error, the builder's limits, and random
// build -> parse -> rebuild round trips.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "nexus/wire/announce_ext.hpp"
#include "support/alloc_counter.hpp"
#include "support/vectors.hpp"

using nexus::error;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace wire = nexus::wire;

namespace {

// magic, version 1, cost 0x0102 / latency 0x0304 / bw 5 / hops 6, then
// lamport 0x1122334455667788, path MTU 500 (0x01F4), capabilities 0x0003.
const char* const hand_written =
    "4e01"
    "020104030506"
    "01088877665544332211"
    "0202f401"
    "03020300";

const wire::compact_path_cost hand_cost{0x0102, 0x0304, 5, 6};

}  // namespace

TEST_CASE("announce_ext: builder writes the layout written out by hand") {
    std::array<std::uint8_t, 64> buf{};
    auto b = wire::announce_ext_builder::create(buf, hand_cost);
    REQUIRE(b);
    CHECK(b->size() == 8);
    REQUIRE(b->add_lamport_timestamp(0x1122334455667788ULL));
    REQUIRE(b->add_path_mtu(500));
    REQUIRE(b->add_capabilities(3));
    CHECK(to_hex(b->bytes()) == hand_written);
}

TEST_CASE("announce_ext: parse the hand-written extension") {
    const bytes raw = from_hex(hand_written);
    CHECK(wire::is_nexus_extension(raw));
    const auto v = wire::parse_announce_ext(raw);
    REQUIRE(v);
    CHECK(v->version == 1);
    CHECK(v->path_cost == hand_cost);
    CHECK(v->raw.data() == raw.data());
    CHECK(v->raw.size() == raw.size());
    CHECK(v->lamport_timestamp().value() == 0x1122334455667788ULL);
    CHECK(v->path_mtu().value() == 500);
    CHECK(v->capabilities().value() == 3);

    std::vector<std::uint8_t> types;
    for (const auto e : v->tlvs) {
        types.push_back(e.type);
        // Views into the input, no copies.
        CHECK(e.data.data() >= raw.data());
        CHECK(e.data.data() + e.data.size() <= raw.data() + raw.size());
    }
    CHECK(types == std::vector<std::uint8_t>{1, 2, 3});
    CHECK(v->tlvs.bytes().data() == raw.data() + 8);
}

TEST_CASE("announce_ext: unknown TLV types and empty TLVs are skipped, duplicates keep the first") {
    bytes raw = from_hex(hand_written);
    const bytes extra = from_hex(
        "7f03aabbcc"
        "ee00"
        "02020002");  // unknown, empty unknown, 2nd MTU
    raw.insert(raw.begin() + 8, extra.begin(), extra.end());
    const auto v = wire::parse_announce_ext(raw);
    REQUIRE(v);
    std::size_t n = 0;
    for (const auto e : v->tlvs) {
        if (n == 0) {
            CHECK(e.type == 0x7f);
            CHECK(to_hex(e.data) == "aabbcc");
        }
        if (n == 1) CHECK(e.data.empty());
        ++n;
    }
    CHECK(n == 6);
    CHECK(v->path_mtu().value() == 0x0200);  // the first one
    CHECK(v->lamport_timestamp().value() == 0x1122334455667788ULL);
    CHECK(v->tlvs.find(0x7f).has_value());
    CHECK_FALSE(v->tlvs.find(0x55).has_value());
}

TEST_CASE("announce_ext: header only, missing and malformed typed TLVs") {
    const bytes raw = from_hex("4e01000000000000");
    const auto v = wire::parse_announce_ext(raw);
    REQUIRE(v);
    CHECK(v->tlvs.begin() == v->tlvs.end());
    CHECK(v->lamport_timestamp().error() == error::not_found);
    CHECK(v->path_mtu().error() == error::not_found);
    CHECK(v->capabilities().error() == error::not_found);

    const bytes bad = from_hex("4e0100000000000001041122334402012a0301ff");
    const auto w = wire::parse_announce_ext(bad);
    REQUIRE(w);
    CHECK(w->lamport_timestamp().error() == error::invalid_length);
    CHECK(w->path_mtu().error() == error::invalid_length);
    CHECK(w->capabilities().error() == error::invalid_length);
}

TEST_CASE("announce_ext: parse errors") {
    auto err = [](const char* hex) {
        const bytes raw = from_hex(hex);
        const auto v = wire::parse_announce_ext(raw);
        REQUIRE_FALSE(v);
        return v.error();
    };
    CHECK(err("") == error::truncated);
    CHECK(err("4d01000000000000") == error::bad_encoding);  // not the magic
    CHECK(err("4e010000000000") == error::truncated);       // 7 bytes
    CHECK(err("4e") == error::truncated);
    CHECK(err("4e00000000000000") == error::bad_encoding);  // version 0
    CHECK(err("4e02000000000000") == error::unsupported);   // a later version
    CHECK(err("4eff000000000000aabb") == error::unsupported);
    CHECK(err("4e0100000000000001") == error::truncated);          // TLV header cut
    CHECK(err("4e010000000000000103aabb") == error::truncated);    // TLV data cut
    CHECK(err("4e0100000000000002020000ff") == error::truncated);  // second TLV cut

    // A later version is still recognisably NEXUS, to forward untouched.
    CHECK(wire::is_nexus_extension(from_hex("4e02000000000000")));
    CHECK_FALSE(wire::is_nexus_extension(from_hex("4e010000000000")));
    CHECK_FALSE(wire::is_nexus_extension(from_hex("4d01000000000000")));
    CHECK_FALSE(wire::is_nexus_extension({}));
}

TEST_CASE("announce_ext: validate_tlvs and tlv_range on raw bytes") {
    CHECK(wire::validate_tlvs({}).value() == 0);
    CHECK(wire::validate_tlvs(from_hex("0100")).value() == 1);
    CHECK(wire::validate_tlvs(from_hex("0101aa0200")).value() == 2);
    CHECK(wire::validate_tlvs(from_hex("0101")).error() == error::truncated);
    // A range over bytes that do not validate stops before the incomplete entry.
    const bytes partial = from_hex("0101aa0205bb");
    std::size_t n = 0;
    for (const auto e : wire::tlv_range(partial)) {
        CHECK(e.type == 1);
        ++n;
    }
    CHECK(n == 1);
}

TEST_CASE("announce_ext: builder limits") {
    std::array<std::uint8_t, 7> tiny{};
    CHECK(wire::announce_ext_builder::create(tiny, hand_cost).error() == error::buffer_too_small);

    std::array<std::uint8_t, 14> buf{};
    auto b = wire::announce_ext_builder::create(buf, hand_cost);
    REQUIRE(b);
    const std::array<std::uint8_t, 256> big{};
    CHECK(b->add_tlv(0x10, big).error() == error::invalid_length);
    CHECK(b->add_tlv(0x10, std::span(big).first(5)).error() == error::buffer_too_small);  // 7 > 6 left
    CHECK(b->size() == 8);
    REQUIRE(b->add_tlv(0x10, std::span(big).first(4)));  // exactly fills the buffer
    CHECK(b->size() == 14);
    CHECK(b->add_tlv(0x11, {}).error() == error::buffer_too_small);
    CHECK(wire::parse_announce_ext(b->bytes()));

    // A 255-byte TLV is fine.
    std::array<std::uint8_t, 8 + 257> room{};
    auto c = wire::announce_ext_builder::create(room, hand_cost);
    REQUIRE(c);
    REQUIRE(c->add_tlv(0x20, std::span(big).first(255)));
    const auto v = wire::parse_announce_ext(c->bytes());
    REQUIRE(v);
    CHECK(v->tlvs.find(0x20)->data.size() == 255);
}

TEST_CASE("announce_ext: random build -> parse -> rebuild round trips") {
    std::mt19937 rng(0x4e45u);
    for (int round = 0; round < 300; ++round) {
        const wire::compact_path_cost cost{
            static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()),
            static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng())};
        std::vector<std::pair<std::uint8_t, bytes>> tlvs(rng() % 8);
        for (auto& [type, data] : tlvs) {
            type = static_cast<std::uint8_t>(rng());
            data.resize(rng() % 4 == 0 ? rng() % 256 : rng() % 10);
            for (auto& x : data) x = static_cast<std::uint8_t>(rng());
        }
        bytes buf(8 + 8 * 257);
        auto b = wire::announce_ext_builder::create(buf, cost);
        REQUIRE(b);
        for (const auto& [type, data] : tlvs) REQUIRE(b->add_tlv(type, data));
        const bytes built(b->bytes().begin(), b->bytes().end());

        const auto v = wire::parse_announce_ext(built);
        REQUIRE(v);
        CHECK(v->path_cost == cost);
        std::size_t i = 0;
        bytes again(built.size());
        auto r = wire::announce_ext_builder::create(again, v->path_cost);
        REQUIRE(r);
        for (const auto e : v->tlvs) {
            REQUIRE(i < tlvs.size());
            CHECK(e.type == tlvs[i].first);
            CHECK(bytes(e.data.begin(), e.data.end()) == tlvs[i].second);
            REQUIRE(r->add_tlv(e.type, e.data));
            ++i;
        }
        CHECK(i == tlvs.size());
        CHECK(bytes(r->bytes().begin(), r->bytes().end()) == built);
    }
}

TEST_CASE("announce_ext: build and parse allocate nothing") {
    std::array<std::uint8_t, 64> buf{};
    std::size_t size = 0;
    NEXUS_CHECK_NO_ALLOC({
        auto b = wire::announce_ext_builder::create(buf, hand_cost);
        (void)b->add_lamport_timestamp(1);
        (void)b->add_path_mtu(500);
        size = b->size();
    });
    CHECK(size == 8 + 10 + 4);
    std::uint64_t t = 0;
    NEXUS_CHECK_NO_ALLOC({
        const auto v = wire::parse_announce_ext(std::span(buf).first(size));
        t = v->lamport_timestamp().value_or(0);
    });
    CHECK(t == 1);
}
