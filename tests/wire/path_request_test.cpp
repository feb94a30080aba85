// Tests of wire/path_request.hpp: the reference implementation's path requests (both forms) decode
// and rebuild byte for byte under the Reticulum profile; the answers to them (announces with context
// PATH_RESPONSE, HEADER_1 from the destination and HEADER_2 from a transport node) have the form the
// vectors show; our own vectors (test-vectors/path_request.json, hashes from Python's hashlib) fix
// the NEXUS-profile destination; every data length from 0 to 64 is parsed by the spec's rule.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/sha2.hpp"
#include "nexus/wire/announce.hpp"
#include "nexus/wire/path_request.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::error;
using nexus::nexus_profile;
using nexus::reticulum_profile;
using nexus::truncated_hash;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;
namespace wire = nexus::wire;

truncated_hash hash16(const std::string& hex) {
    const bytes b = from_hex(hex);
    truncated_hash h{};
    REQUIRE(b.size() == h.size());
    std::copy(b.begin(), b.end(), h.begin());
    return h;
}

const nlohmann::json* find_vector(const nlohmann::json& doc, const std::string& name) {
    for (const auto& v : doc["vectors"])
        if (v["name"] == name) return &v;
    return nullptr;
}

template <class P>
std::string built_packet(const wire::path_request& q) {
    std::array<std::uint8_t, wire::mtu> out{};
    auto n = wire::build_path_request_packet<P>(q, out);
    REQUIRE(n);
    return to_hex(std::span(out).first(*n));
}

}  // namespace

TEST_CASE("path request: the destination of rnstransport.path.request under both profiles") {
    // Second route: hash the joined name and then the name hash directly with the primitives.
    std::array<std::uint8_t, 32> d{};
    const std::string name = "rnstransport.path.request";
    const std::span<const std::uint8_t> name_bytes(reinterpret_cast<const std::uint8_t*>(name.data()),
                                                   name.size());
    nexus::crypto::sha256 s;
    s.update(name_bytes);
    s.finish(d);
    nexus::crypto::sha256 s2;
    s2.update(std::span(d).first(10));
    s2.finish(d);
    CHECK(to_hex(std::span(d).first(16)) == to_hex(wire::path_request_destination<reticulum_profile>()));

    const auto doc = nexus::test::load_vectors("path_request.json");
    CHECK(to_hex(wire::path_request_destination<reticulum_profile>()) ==
          doc["profiles"]["reticulum"]["destination_hash"].get<std::string>());
    CHECK(to_hex(wire::path_request_destination<nexus_profile>()) ==
          doc["profiles"]["nexus"]["destination_hash"].get<std::string>());
    CHECK(to_hex(nexus::make_name_hash<nexus_profile>("rnstransport.path.request")) ==
          doc["profiles"]["nexus"]["name_hash"].get<std::string>());

    const auto ref = nexus::test::load_shared_vectors("reticulum/packets.json");
    if (!ref) {
        MESSAGE("skipped the reference value: ../shared/vectors/reticulum/packets.json is absent");
        return;
    }
    const auto* v = find_vector(*ref, "path_request_transport");
    REQUIRE(v != nullptr);
    CHECK(to_hex(wire::path_request_destination<reticulum_profile>()) ==
          (*v)["path_request_destination_hash"].get<std::string>());
}

TEST_CASE("path request: the reference implementation's requests decode and rebuild byte for byte") {
    const auto ref = nexus::test::load_shared_vectors("reticulum/packets.json");
    if (!ref) {
        MESSAGE("skipped: ../shared/vectors/reticulum/packets.json is absent");
        return;
    }
    for (const char* name : {"path_request_transport", "path_request_client"}) {
        CAPTURE(name);
        const auto* v = find_vector(*ref, name);
        REQUIRE(v != nullptr);
        const bytes raw = from_hex((*v)["raw"].get<std::string>());
        auto p = wire::decode_packet(raw);
        REQUIRE(p);
        // The header the spec prescribes: PLAIN DATA, HEADER_1, broadcast, hops 0, context none.
        CHECK(raw[0] == 0x08);
        CHECK(p->header.flags.header == wire::header_type::header_1);
        CHECK(p->header.flags.transport == wire::transport_type::broadcast);
        CHECK(p->header.hops == 0);
        CHECK(p->header.context == wire::context::none);
        CHECK(wire::is_path_request_packet<reticulum_profile>(*p));
        CHECK_FALSE(wire::is_path_request_packet<nexus_profile>(*p));

        auto q = wire::path_request::decode(p->data);
        REQUIRE(q);
        CHECK(q->destination == hash16((*v)["requested_destination"].get<std::string>()));
        CHECK(to_hex(q->tag_bytes()) == (*v)["tag"].get<std::string>());
        if ((*v).contains("requesting_transport_id")) {
            REQUIRE(q->transport_id.has_value());
            CHECK(*q->transport_id == hash16((*v)["requesting_transport_id"].get<std::string>()));
        } else {
            CHECK_FALSE(q->transport_id.has_value());
        }
        std::array<std::uint8_t, wire::path_request_max_data> data{};
        auto n = q->encode(data);
        REQUIRE(n);
        CHECK(to_hex(std::span(data).first(*n)) == to_hex(p->data));
        CHECK(built_packet<reticulum_profile>(*q) == to_hex(raw));
        // The packet hash is the reference's (the builder changes nothing the hash covers).
        CHECK(to_hex(wire::packet_hash<reticulum_profile>(raw).value()) ==
              (*v)["packet_hash"].get<std::string>());
    }
}

TEST_CASE("path request: the answers carry context PATH_RESPONSE; a transport node's is HEADER_2") {
    const auto ref = nexus::test::load_shared_vectors("reticulum/packets.json");
    if (!ref) {
        MESSAGE("skipped: ../shared/vectors/reticulum/packets.json is absent");
        return;
    }
    const auto* local = find_vector(*ref, "announce_path_response");
    const auto* relayed = find_vector(*ref, "announce_path_response_transport");
    const auto* request = find_vector(*ref, "path_request_transport");
    REQUIRE(local != nullptr);
    REQUIRE(relayed != nullptr);
    REQUIRE(request != nullptr);
    const bytes local_raw = from_hex((*local)["raw"].get<std::string>());
    const bytes relayed_raw = from_hex((*relayed)["raw"].get<std::string>());

    // The destination's own answer: HEADER_1, hops 0, context 0x0B at offset 18, for the destination
    // the request asked for, and a valid announce (the context byte is not signed).
    auto a = wire::decode_packet(local_raw);
    REQUIRE(a);
    CHECK(local_raw[18] == 0x0B);
    CHECK(a->header.context == wire::context::path_response);
    CHECK(a->header.flags.type == wire::packet_type::announce);
    CHECK(a->header.flags.header == wire::header_type::header_1);
    CHECK(a->header.hops == 0);
    CHECK(to_hex(a->header.destination) == (*request)["requested_destination"].get<std::string>());
    CHECK(wire::validate_announce<reticulum_profile>(*a).has_value());

    // A transport node's answer from its path table: flags 0x51 (HEADER_2, transport, announce),
    // hops = the stored path hops, transport id = its own identity hash (offset 2), context 0x0B
    // at offset 34, the same data; and so the same packet hash.
    auto b = wire::decode_packet(relayed_raw);
    REQUIRE(b);
    CHECK(relayed_raw[0] == 0x51);
    CHECK(relayed_raw[34] == 0x0B);
    CHECK(b->header.flags.header == wire::header_type::header_2);
    CHECK(b->header.flags.transport == wire::transport_type::transport);
    CHECK(b->header.hops == (*relayed)["stored_hops"].get<int>());
    const auto t_id = hash16((*ref)["identities"]["T_transport"]["hash"].get<std::string>());
    CHECK(b->header.transport_id == t_id);
    CHECK(to_hex(b->data) == to_hex(a->data));
    CHECK(wire::validate_announce<reticulum_profile>(*b).has_value());
    CHECK(wire::packet_hash<reticulum_profile>(relayed_raw).value() ==
          wire::packet_hash<reticulum_profile>(local_raw).value());

    // make_path_response_packet turns the cached announce into exactly that answer.
    std::array<std::uint8_t, wire::mtu> out{};
    std::size_t n = 0;
    NEXUS_CHECK_NO_ALLOC(n = wire::make_path_response_packet(local_raw, t_id, 2, out).value());
    CHECK(to_hex(std::span(out).first(n)) == to_hex(relayed_raw));
    // From an announce received as HEADER_2 via someone else, and with context none: the same.
    n = wire::make_path_response_packet(relayed_raw, t_id, 2, out).value();
    CHECK(to_hex(std::span(out).first(n)) == to_hex(relayed_raw));
    const auto* plain = find_vector(*ref, "announce_timestamp");
    REQUIRE(plain != nullptr);
    const bytes plain_raw = from_hex((*plain)["raw"].get<std::string>());
    n = wire::make_path_response_packet(plain_raw, t_id, 5, out).value();
    auto c = wire::decode_packet(std::span(out).first(n));
    REQUIRE(c);
    CHECK(out[0] == 0x51);
    CHECK(c->header.hops == 5);
    CHECK(c->header.context == wire::context::path_response);
    CHECK(to_hex(c->data) == to_hex(wire::decode_packet(plain_raw)->data));
}

TEST_CASE("path request: make_path_response_packet keeps the ratchet bit and refuses what it cannot answer") {
    std::array<std::uint8_t, wire::mtu> in{};
    std::array<std::uint8_t, wire::mtu> out{};
    const truncated_hash via = hash16("00112233445566778899aabbccddeeff");
    // A ratchet announce (flags 0x21) of the smallest size with a ratchet: 199 bytes.
    in[0] = 0x21;
    auto n = wire::make_path_response_packet(std::span(in).first(199), via, 1, out);
    REQUIRE(n);
    CHECK(*n == 215);
    CHECK(out[0] == 0x71);
    // Not an announce.
    in[0] = 0x08;
    CHECK(wire::make_path_response_packet(std::span(in).first(60), via, 1, out).error() ==
          error::invalid_argument);
    // An announce of 485 bytes has no room for the transport id.
    in[0] = 0x01;
    CHECK(wire::make_path_response_packet(std::span(in).first(485), via, 1, out).error() ==
          error::invalid_length);
    CHECK(wire::make_path_response_packet(std::span(in).first(484), via, 1, out).value() == 500);
    // Output too small, input not a packet.
    CHECK(wire::make_path_response_packet(std::span(in).first(200), via, 1, std::span(out).first(215))
              .error() == error::buffer_too_small);
    CHECK(wire::make_path_response_packet(std::span(in).first(10), via, 1, out).error() == error::truncated);
}

TEST_CASE("path request: our vectors (both profiles, every form, malformed data)") {
    const auto doc = nexus::test::load_vectors("path_request.json");
    std::size_t decoded = 0;
    std::size_t refused = 0;
    for (const auto& c : doc["cases"]) {
        CAPTURE(c["description"].get<std::string>());
        const bytes data = from_hex(c["data"].get<std::string>());
        auto q = wire::path_request::decode(data);
        if (c.contains("error")) {
            REQUIRE_FALSE(q);
            const std::string e = c["error"].get<std::string>();
            CHECK(q.error() == (e == "truncated" ? error::truncated : error::invalid_length));
            ++refused;
            continue;
        }
        REQUIRE(q);
        ++decoded;
        CHECK(to_hex(q->destination) == c["requested_destination"].get<std::string>());
        CHECK(to_hex(q->tag_bytes()) == c["tag"].get<std::string>());
        if (c["transport_id"].is_null()) {
            CHECK_FALSE(q->transport_id.has_value());
        } else {
            REQUIRE(q->transport_id.has_value());
            CHECK(to_hex(*q->transport_id) == c["transport_id"].get<std::string>());
        }
        std::array<std::uint8_t, wire::path_request_max_data> out{};
        const auto n = q->encode(out).value();
        if (c["canonical"].get<bool>()) {
            CHECK(to_hex(std::span(out).first(n)) == c["data"].get<std::string>());
            const std::string raw = c["raw"].get<std::string>();
            if (c["profile"] == "nexus") {
                CHECK(built_packet<nexus_profile>(*q) == raw);
                const bytes raw_bytes = from_hex(raw);
                auto p = wire::decode_packet(raw_bytes);
                REQUIRE(p);
                CHECK(wire::is_path_request_packet<nexus_profile>(*p));
                CHECK_FALSE(wire::is_path_request_packet<reticulum_profile>(*p));
            } else {
                CHECK(built_packet<reticulum_profile>(*q) == raw);
            }
        } else {
            // A cut tag re-encodes to the first 48 bytes, which decode to the same request.
            CHECK(n == wire::path_request_max_data);
            CHECK(to_hex(std::span(out).first(n)) == to_hex(std::span(data).first(n)));
            CHECK(wire::path_request::decode(std::span(out).first(n)).value() == *q);
        }
    }
    CHECK(decoded == 7);
    CHECK(refused == 3);
}

TEST_CASE("path request: every data length is parsed by the spec's rule") {
    // The rule written out per length (fact sheet): < 16 no destination; 16 no tag; 17..32 tag =
    // bytes 16..; > 32 transport id = bytes 16..31, tag = bytes 32.., cut to 16.
    std::array<std::uint8_t, 64> data{};
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(0x40 + i);
    for (std::size_t len = 0; len <= data.size(); ++len) {
        CAPTURE(len);
        const auto q = wire::path_request::decode(std::span(data).first(len));
        if (len < 16) {
            CHECK(q.error() == error::truncated);
            continue;
        }
        if (len == 16) {
            CHECK(q.error() == error::invalid_length);
            continue;
        }
        REQUIRE(q);
        CHECK(q->destination[0] == 0x40);
        CHECK(q->destination[15] == 0x4F);
        const bool transport = len > 32;
        CHECK(q->transport_id.has_value() == transport);
        if (transport) CHECK((*q->transport_id)[0] == 0x50);
        const std::size_t tag_from = transport ? 32 : 16;
        const std::size_t tag_len = std::min<std::size_t>(len - tag_from, 16);
        REQUIRE(q->tag_size == tag_len);
        CHECK(q->tag_bytes().data() == q->tag.data());
        for (std::size_t i = 0; i < tag_len; ++i) CHECK(q->tag[i] == data[tag_from + i]);
        CHECK(q->data_size() == std::min<std::size_t>(len, 48));
    }
}

TEST_CASE("path request: encoding errors and the recogniser's negatives") {
    wire::path_request q;
    q.destination = hash16("3fa6456204635dd4689be802836e4880");
    std::array<std::uint8_t, 80> out{};
    q.tag_size = 0;
    CHECK(q.encode(out).error() == error::invalid_argument);
    CHECK(wire::build_path_request_packet<nexus_profile>(q, out).error() == error::invalid_argument);
    q.tag_size = 17;
    CHECK(q.encode(out).error() == error::invalid_argument);
    q.tag_size = 16;
    q.transport_id = q.destination;
    for (std::size_t n = 0; n < 48; ++n)
        CHECK(q.encode(std::span(out).first(n)).error() == error::buffer_too_small);
    CHECK(q.encode(std::span(out).first(48)).value() == 48);
    CHECK(wire::build_path_request_packet<nexus_profile>(q, std::span(out).first(66)).error() ==
          error::buffer_too_small);
    CHECK(wire::build_path_request_packet<nexus_profile>(q, std::span(out).first(67)).value() == 67);

    auto p = wire::decode_packet(std::span(out).first(67));
    REQUIRE(p);
    CHECK(wire::is_path_request_packet<nexus_profile>(*p));
    auto other = *p;
    other.header.flags.type = wire::packet_type::announce;
    CHECK_FALSE(wire::is_path_request_packet<nexus_profile>(other));
    other = *p;
    other.header.flags.destination = wire::destination_type::single;
    CHECK_FALSE(wire::is_path_request_packet<nexus_profile>(other));
    other = *p;
    other.header.destination[3] ^= 1;
    CHECK_FALSE(wire::is_path_request_packet<nexus_profile>(other));
}

TEST_CASE("path request: random requests round-trip without allocating") {
    nexus::test::rng rng(17);
    std::array<std::uint8_t, wire::mtu> pkt{};
    for (int i = 0; i < 2000; ++i) {
        wire::path_request q;
        rng.fill(q.destination);
        if (rng.next() & 1) {
            truncated_hash via{};
            rng.fill(via);
            q.transport_id = via;
        }
        q.tag_size = static_cast<std::uint8_t>(1 + rng.next() % 16);
        rng.fill(std::span(q.tag).first(q.tag_size));
        // Every request encode accepts is canonical: 17..32 data bytes decode as the client form,
        // 33..48 as the transport form.
        std::size_t n = 0;
        NEXUS_CHECK_NO_ALLOC(n = wire::build_path_request_packet<nexus_profile>(q, pkt).value());
        CHECK(n == wire::header_1_size + q.data_size());
        bool recognised = false;
        nexus::result<wire::path_request> back = nexus::fail(error::empty);
        NEXUS_CHECK_NO_ALLOC({
            auto p = wire::decode_packet(std::span(pkt).first(n));
            recognised = p && wire::is_path_request_packet<nexus_profile>(*p);
            if (p) back = wire::path_request::decode(p->data);
        });
        CHECK(recognised);
        REQUIRE(back);
        CHECK(*back == q);
    }
}
