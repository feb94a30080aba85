// Tests of wire/packet.hpp: the flags byte bit by bit (as the spec lists the bits), header
// layouts written out by hand, the MTU, and packet hashes against the Reticulum reference vectors
// and a hand-assembled SHA-256 / BLAKE2b input.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/sha2.hpp"
#include "nexus/wire/packet.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::error;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace wire = nexus::wire;

}  // namespace

TEST_CASE("packet: every flags byte round-trips and each field sits on its documented bits") {
    for (unsigned b = 0; b < 256; ++b) {
        const auto f = wire::packet_flags::from_byte(static_cast<std::uint8_t>(b));
        CHECK(f.to_byte() == b);
        CHECK(f.ifac == ((b >> 7) & 1));
        CHECK(static_cast<unsigned>(f.header) == ((b >> 6) & 1));
        CHECK(f.context_flag == ((b >> 5) & 1));
        CHECK(static_cast<unsigned>(f.transport) == ((b >> 4) & 1));
        CHECK(static_cast<unsigned>(f.destination) == ((b >> 2) & 3));
        CHECK(static_cast<unsigned>(f.type) == (b & 3));
    }
    // Named values as the spec lists them.
    wire::packet_flags f;
    f.type = wire::packet_type::proof;
    f.destination = wire::destination_type::link;
    CHECK(f.to_byte() == 0x0F);
    f = {};
    f.header = wire::header_type::header_2;
    f.transport = wire::transport_type::transport;
    f.type = wire::packet_type::announce;
    CHECK(f.to_byte() == 0x51);
}

TEST_CASE("packet: HEADER_1 and HEADER_2 layouts") {
    wire::packet_header h;
    h.flags.type = wire::packet_type::data;
    h.flags.destination = wire::destination_type::plain;
    h.hops = 3;
    for (std::size_t i = 0; i < 16; ++i) h.destination[i] = static_cast<std::uint8_t>(0xA0 + i);
    h.context = wire::context::request;
    const bytes data = {1, 2, 3};
    std::array<std::uint8_t, wire::mtu> out{};
    auto n = wire::encode_packet(h, data, out);
    REQUIRE(n);
    CHECK(*n == 22);
    CHECK(to_hex(std::span(out).first(*n)) == "0803a0a1a2a3a4a5a6a7a8a9aaabacadaeaf09010203");
    auto v = wire::decode_packet(std::span(out).first(*n));
    REQUIRE(v);
    CHECK(v->header == h);
    CHECK(to_hex(v->data) == "010203");

    h.flags.header = wire::header_type::header_2;
    h.flags.transport = wire::transport_type::transport;
    for (std::size_t i = 0; i < 16; ++i) h.transport_id[i] = static_cast<std::uint8_t>(i);
    n = wire::encode_packet(h, data, out);
    REQUIRE(n);
    CHECK(*n == 38);
    CHECK(to_hex(std::span(out).first(*n)) ==
          "5803000102030405060708090a0b0c0d0e0f"
          "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf09010203");
    v = wire::decode_packet(std::span(out).first(*n));
    REQUIRE(v);
    CHECK(v->header == h);
    CHECK(v->data.data() == out.data() + 35);
}

TEST_CASE("packet: sizes, MTU, IFAC and errors") {
    std::array<std::uint8_t, 600> buf{};
    wire::packet_header h;
    // Largest HEADER_1 packet: 481 data bytes; one more is over the MTU.
    CHECK(wire::encode_packet(h, std::span(buf).first(481), buf).value() == 500);
    CHECK(wire::encode_packet(h, std::span(buf).first(482), buf).error() == error::invalid_length);
    std::array<std::uint8_t, 40> small{};
    CHECK(wire::encode_packet(h, std::span(buf).first(30), small).error() == error::buffer_too_small);
    h.flags.ifac = true;
    CHECK(wire::encode_packet(h, {}, buf).error() == error::unsupported);

    std::array<std::uint8_t, 501> big{};
    CHECK(wire::decode_packet(big).error() == error::invalid_length);
    CHECK(wire::decode_packet(std::span(big).first(500)).has_value());
    for (std::size_t n = 0; n < 19; ++n) CHECK(wire::decode_packet(std::span(big).first(n)).error() == error::truncated);
    CHECK(wire::decode_packet(std::span(big).first(19))->data.empty());
    big[0] = 0x40;  // HEADER_2 needs 35 bytes
    CHECK(wire::decode_packet(std::span(big).first(34)).error() == error::truncated);
    CHECK(wire::decode_packet(std::span(big).first(35)).has_value());
    big[0] = 0x80;
    CHECK(wire::decode_packet(std::span(big).first(40)).error() == error::unsupported);
    CHECK(wire::mdu == 464);
}

TEST_CASE("packet: random packets round-trip without allocating") {
    nexus::test::rng rng(5);
    std::array<std::uint8_t, wire::mtu> out{};
    for (int i = 0; i < 2000; ++i) {
        wire::packet_header h;
        h.flags = wire::packet_flags::from_byte(static_cast<std::uint8_t>(rng.next() & 0x7F));
        h.hops = static_cast<std::uint8_t>(rng.next());
        rng.fill(h.transport_id);
        rng.fill(h.destination);
        h.context = static_cast<std::uint8_t>(rng.next());
        if (h.flags.header == wire::header_type::header_1) h.transport_id = {};
        bytes data(rng.next() % (wire::mtu - h.size() + 1));
        rng.fill(data);
        nexus::result<std::size_t> n;
        NEXUS_CHECK_NO_ALLOC(n = wire::encode_packet(h, data, out));
        REQUIRE(n);
        nexus::result<wire::packet_view> v;
        NEXUS_CHECK_NO_ALLOC(v = wire::decode_packet(std::span(out).first(*n)));
        REQUIRE(v);
        CHECK(v->header == h);
        CHECK(bytes(v->data.begin(), v->data.end()) == data);
    }
}

TEST_CASE("packet: hash skips hops and the transport id; Reticulum vectors") {
    // Hand-assembled hash input: (flags & 0x0F) || raw[2:] for HEADER_1.
    const bytes raw = from_hex("0807" "00112233445566778899aabbccddeeff" "00" "cafe");
    bytes input = {0x08};
    input.insert(input.end(), raw.begin() + 2, raw.end());
    CHECK(to_hex(wire::packet_hash<nexus::reticulum_profile>(raw).value()) ==
          to_hex(nexus::crypto::sha256_hash(input)));
    std::array<std::uint8_t, 32> b2{};
    REQUIRE(nexus::crypto::blake2b_hash(b2, input));
    CHECK(to_hex(wire::packet_hash<nexus::nexus_profile>(raw).value()) == to_hex(b2));

    // The same packet in transport (HEADER_2, other hops) has the same hash.
    bytes transported = {0x58, 0x09};
    for (int i = 0; i < 16; ++i) transported.push_back(static_cast<std::uint8_t>(0x33 * i));
    transported.insert(transported.end(), raw.begin() + 2, raw.end());
    CHECK(wire::packet_hash<nexus::reticulum_profile>(transported).value() ==
          wire::packet_hash<nexus::reticulum_profile>(raw).value());
    CHECK(to_hex(wire::truncated_packet_hash<nexus::reticulum_profile>(raw).value()) ==
          to_hex(nexus::crypto::sha256_hash(input)).substr(0, 32));
    CHECK(wire::packet_hash<nexus::reticulum_profile>(std::span(raw).first(5)).error() == error::truncated);

    const auto doc = nexus::test::load_shared_vectors("reticulum/announces.json");
    if (!doc) {
        MESSAGE("skipped: ../shared/vectors/reticulum/announces.json is absent");
        return;
    }
    for (const auto& c : (*doc)["announces"]) {
        const bytes r = from_hex(c["raw"].get<std::string>());
        CHECK(to_hex(wire::packet_hash<nexus::reticulum_profile>(r).value()) == c["packet_hash"].get<std::string>());
    }
}
