// Tests of node.hpp: three nodes in memory, A -- C -- B, with C a transport node (a bridge
// between its two interfaces). Checked against the forwarding rules written out in node.hpp's
// header and the wire layouts: the announce C rebroadcasts is HEADER_2 with C's identity hash
// and otherwise byte-identical data; A's link request leaves as HEADER_2 via C and reaches B as
// HEADER_1 with one more hop; 1,000 messages each way arrive once and in order; forged
// announces, bad proofs and replayed link packets are refused and the link stays up.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/node.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::error;
using nexus::node_event_kind;
using nexus::timestamp;
using nexus::test::bytes;
namespace wire = nexus::wire;
using P = nexus::nexus_profile;
using node_t = nexus::node<P, nexus::seeded_random>;

timestamp at(std::int64_t ms) { return timestamp::from_ms(static_cast<std::uint64_t>(ms)); }

struct wire_end {
    node_t* node;
    nexus::interface_id iface;
};

// A -- C -- B. Each cable joins two (node, interface) ends.
struct mesh {
    nexus::seeded_random ra{1}, rb{2}, rc{3};
    node_t a{nexus::node_identity::generate(ra), ra};
    node_t b{nexus::node_identity::generate(rb), rb};
    node_t c{nexus::node_identity::generate(rc), rc, nexus::node_config{.transport = true}};
    std::vector<std::pair<wire_end, wire_end>> cables;
    std::vector<nexus::node_event> events_a, events_b, events_c;
    std::vector<bytes> data_a, data_b;  // link data received
    std::vector<bytes> captured;        // every frame on every cable
    std::vector<nexus::error> errors_a, errors_b, errors_c;
    nexus::truncated_hash dest_b{};

    mesh() {
        const auto a0 = a.add_interface().value();
        const auto c0 = c.add_interface().value();
        const auto c1 = c.add_interface().value();
        const auto b0 = b.add_interface().value();
        cables.push_back({{&a, a0}, {&c, c0}});
        cables.push_back({{&c, c1}, {&b, b0}});
        dest_b = b.add_destination(nexus::make_name_hash<P>("nexus.test.b")).value();
        (void)a.add_destination(nexus::make_name_hash<P>("nexus.test.a")).value();
    }

    std::vector<nexus::node_event>& events_of(node_t* n) { return n == &a ? events_a : n == &b ? events_b : events_c; }
    std::vector<nexus::error>& errors_of(node_t* n) { return n == &a ? errors_a : n == &b ? errors_b : errors_c; }

    void deliver(wire_end to, const bytes& frame, timestamp now) {
        auto r = to.node->receive(to.iface, frame, now);
        if (!r) {
            errors_of(to.node).push_back(r.error());
            return;
        }
        drain(to.node, now);
    }

    // Takes every event the node has for its application (link data copied: an event's data lives
    // only until the next poll).
    void drain(node_t* n, timestamp now) {
        for (;;) {
            const auto ev = n->poll(now);
            if (ev.kind == node_event_kind::none) break;
            if (ev.kind == node_event_kind::link_data)
                (n == &a ? data_a : data_b).emplace_back(ev.data.begin(), ev.data.end());
            events_of(n).push_back(ev);
        }
    }

    // Moves every queued packet across the cables until the mesh is quiet.
    void run(timestamp now) {
        for (int round = 0; round < 10000; ++round) {
            bool moved = false;
            for (node_t* n : {&a, &c, &b}) {
                drain(n, now);
                std::array<std::uint8_t, wire::mtu> buf{};
                auto o = n->pop_outgoing(now, buf);
                REQUIRE(o);
                if (o->size == 0) continue;
                moved = true;
                const bytes frame(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
                captured.push_back(frame);
                for (auto& [x, y] : cables) {
                    for (auto [from, to] : {std::pair{x, y}, std::pair{y, x}}) {
                        if (from.node != n) continue;
                        const bool goes = o->iface == nexus::all_interfaces ? from.iface != o->except
                                                                              : from.iface == o->iface;
                        if (goes) deliver(to, frame, now);
                    }
                }
            }
            if (!moved) return;
        }
        FAIL("mesh did not go quiet");
    }

    static std::size_t count(const std::vector<nexus::node_event>& evs, node_event_kind k) {
        return static_cast<std::size_t>(std::count_if(evs.begin(), evs.end(), [&](const auto& e) { return e.kind == k; }));
    }
};

}  // namespace

TEST_CASE("node: announces cross the bridge as HEADER_2 with the bridge's identity hash") {
    mesh m;
    REQUIRE(m.b.announce(m.dest_b, at(0)));
    m.run(at(0));
    // B's announce reached A through C: path 2 hops via C, on A's only interface.
    const auto* path = m.a.route(m.dest_b, at(0));
    REQUIRE(path != nullptr);
    CHECK(path->cost.hop_count == 2);
    CHECK(path->hop.address == m.c.self().hash());
    REQUIRE(m.a.known(m.dest_b) != nullptr);
    CHECK(m.a.known(m.dest_b)->public_key == m.b.self().public_key());
    const auto* direct = m.c.route(m.dest_b, at(0));
    REQUIRE(direct != nullptr);
    CHECK(direct->cost.hop_count == 1);
    CHECK(direct->hop.address == m.b.self().hash());  // the destination's own node: a neighbour
    // On the wire: the original (19-byte header) and the rebroadcast (35-byte header), same data.
    REQUIRE(m.captured.size() == 2);
    const bytes& orig = m.captured[0];
    const bytes& again = m.captured[1];
    CHECK(orig[0] == 0x01);
    CHECK(again[0] == 0x51);  // HEADER_2, transport, announce
    CHECK(again[1] == 1);
    CHECK(bytes(again.begin() + 2, again.begin() + 18) ==
          bytes(m.c.self().hash().begin(), m.c.self().hash().end()));
    CHECK(bytes(again.begin() + 18, again.end()) == bytes(orig.begin() + 2, orig.end()));
    CHECK(wire::validate_announce<P>(again).has_value());
    CHECK(m.count(m.events_a, node_event_kind::announce) == 1);
    // The same announce again is a duplicate everywhere.
    m.deliver({&m.c, 1}, orig, at(1));
    CHECK(m.errors_c.back() == error::replayed);
}

TEST_CASE("node: a link across the bridge carries 1,000 messages each way in order") {
    mesh m;
    REQUIRE(m.b.announce(m.dest_b, at(0)));
    m.run(at(0));
    auto link_id = m.a.open_link(m.dest_b, at(10));
    REQUIRE(link_id);
    m.run(at(10));
    CHECK(m.a.link_status(*link_id).value() == nexus::link_state::active);
    CHECK(m.b.link_status(*link_id).value() == nexus::link_state::active);
    CHECK(m.count(m.events_b, node_event_kind::link_request) == 1);
    CHECK(m.count(m.events_a, node_event_kind::link_established) == 1);
    CHECK(m.count(m.events_b, node_event_kind::link_established) == 1);
    // The request left A as HEADER_2 via C and reached B as HEADER_1 with hops 1.
    bool saw_h2 = false, saw_h1 = false;
    for (const auto& f : m.captured) {
        if ((f[0] & 0x03) != 2) continue;
        if (f[0] & 0x40) {
            saw_h2 = f[1] == 0 && bytes(f.begin() + 2, f.begin() + 18) ==
                                      bytes(m.c.self().hash().begin(), m.c.self().hash().end());
        } else {
            saw_h1 = f[1] == 1;
        }
    }
    CHECK(saw_h2);
    CHECK(saw_h1);

    std::vector<bytes> sent_ab, sent_ba;
    nexus::test::rng rng(4);
    std::int64_t t = 100;
    for (int i = 0; i < 1000; ++i) {
        bytes x(1 + rng.below(200)), y(1 + rng.below(200));
        rng.fill(x);
        rng.fill(y);
        x[0] = static_cast<std::uint8_t>(i);
        REQUIRE(m.a.send(*link_id, x, at(t)));
        REQUIRE(m.b.send(*link_id, y, at(t)));
        sent_ab.push_back(x);
        sent_ba.push_back(y);
        if (i % 7 == 0) m.run(at(t));  // let several queue up between runs
        t += 5;
    }
    m.run(at(t));
    CHECK(m.data_b == sent_ab);
    CHECK(m.data_a == sent_ba);
    CHECK(m.c.stats().forwarded >= 2000);
    // No frame on any cable contains a message in clear.
    std::size_t leaks = 0;
    for (std::size_t i = 0; i < 50; ++i) {
        const auto& msg = sent_ab[i];
        if (msg.size() < 16) continue;
        for (const auto& f : m.captured)
            if (std::search(f.begin(), f.end(), msg.begin(), msg.end()) != f.end()) ++leaks;
    }
    CHECK(leaks == 0);
    CHECK(m.errors_a.empty());
    CHECK(m.errors_b.empty());
}

TEST_CASE("node: forged announces, bad proofs and replayed link packets are refused; the link stays up") {
    mesh m;
    REQUIRE(m.b.announce(m.dest_b, at(0)));
    m.run(at(0));
    const bytes genuine = m.captured.at(0);
    // Forged: B's announce with another key substituted (signature no longer matches).
    nexus::seeded_random r(77);
    const auto mallory = nexus::node_identity::generate(r);
    bytes forged = genuine;
    std::copy(mallory.public_key().begin(), mallory.public_key().end(), forged.begin() + 19);
    const auto before = m.captured.size();
    m.deliver({&m.c, 1}, forged, at(1));
    CHECK(m.errors_c.back() == error::auth_failed);
    CHECK(m.c.stats().announces_rejected == 1);
    m.run(at(1));
    CHECK(m.captured.size() == before);  // not forwarded
    CHECK(m.a.known(m.dest_b)->public_key == m.b.self().public_key());

    // Mallory announces her own destination named like B's: valid, but a different address.
    auto link_id = m.a.open_link(m.dest_b, at(10));
    REQUIRE(link_id);
    // Intercept A's request and answer it with a proof from Mallory before B can.
    std::array<std::uint8_t, wire::mtu> buf{};
    auto o = m.a.pop_outgoing(at(10), buf);
    REQUIRE(o);
    REQUIRE(o->size > 0);
    const bytes request(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
    auto req_view = wire::decode_packet(request);
    REQUIRE(req_view);
    auto fake = nexus::link<P, nexus::seeded_random>::accept(mallory, *req_view, r, at(10));
    REQUIRE(fake);
    std::array<std::uint8_t, wire::mtu> pbuf{};
    const auto pn = fake->poll_transmit(at(10), pbuf).value();
    m.deliver({&m.a, 0}, bytes(pbuf.begin(), pbuf.begin() + static_cast<std::ptrdiff_t>(pn)), at(11));
    CHECK(m.errors_a.back() == error::auth_failed);
    CHECK(m.a.link_status(*link_id).value() == nexus::link_state::pending);
    // The genuine request goes on to B and the link comes up.
    m.deliver({&m.c, 0}, request, at(12));
    m.run(at(12));
    REQUIRE(m.a.link_status(*link_id).value() == nexus::link_state::active);

    // Replay a link packet: dropped as a duplicate at the bridge and at B.
    REQUIRE(m.a.send(*link_id, bytes{1, 2, 3}, at(20)));
    m.run(at(20));
    const bytes data_pkt = m.captured.back();
    m.deliver({&m.b, 0}, data_pkt, at(21));  // the copy C forwarded, replayed to B
    REQUIRE_FALSE(m.errors_b.empty());
    CHECK(m.errors_b.back() == error::replayed);
    m.deliver({&m.c, 0}, m.captured[m.captured.size() - 2], at(21));  // A's original, replayed to C
    REQUIRE_FALSE(m.errors_c.empty());
    CHECK(m.errors_c.back() == error::replayed);
    CHECK(m.data_b.size() == 1);
    // Still up both ways.
    REQUIRE(m.b.send(*link_id, bytes{9}, at(22)));
    REQUIRE(m.a.send(*link_id, bytes{8}, at(22)));
    m.run(at(22));
    CHECK(m.data_a == std::vector<bytes>{bytes{9}});
    CHECK(m.data_b.size() == 2);
}

TEST_CASE("node: a proof lost after the bridge: the repeated request gets through it and B proves again") {
    mesh m;
    REQUIRE(m.b.announce(m.dest_b, at(0)));
    m.run(at(0));
    // The first frame of packet type `type` (2 request, 3 proof) a node sends at t; others dropped.
    const auto next_of = [](node_t& n, std::int64_t t, int type) {
        for (;;) {
            (void)n.poll(at(t));
            std::array<std::uint8_t, wire::mtu> buf{};
            auto o = n.pop_outgoing(at(t), buf);
            REQUIRE(o);
            if (o->size == 0) return bytes{};
            if ((buf[0] & 0x03) == type) return bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
        }
    };
    auto id = m.a.open_link(m.dest_b, at(10));
    REQUIRE(id);
    const bytes request = next_of(m.a, 10, 2);
    REQUIRE_FALSE(request.empty());
    REQUIRE(m.c.receive(0, request, at(10)));
    const bytes relayed = next_of(m.c, 10, 2);
    REQUIRE(m.b.receive(0, relayed, at(10)));
    const bytes proof = next_of(m.b, 10, 3);
    REQUIRE(m.c.receive(1, proof, at(10)));  // C checks it: its entry is proven now
    REQUIRE_FALSE(next_of(m.c, 10, 3).empty());  // ... and the proof on its way to A is lost
    // A repeats its request (docs/link.md, "Setup repeats"); C, proven but not confirmed, passes it
    // on; B, still in handshake, proves again; the link comes up.
    const auto due = m.a.next_deadline();
    REQUIRE(due > at(10));
    REQUIRE(due < at(10 + 30'000 / 4 + 1));
    const std::int64_t t = static_cast<std::int64_t>(due.ms());
    const bytes again = next_of(m.a, t, 2);
    CHECK(again == request);
    REQUIRE(m.c.receive(0, again, at(t)));
    const bytes relayed_again = next_of(m.c, t, 2);
    REQUIRE_FALSE(relayed_again.empty());
    REQUIRE(m.b.receive(0, relayed_again, at(t)));
    const bytes proof_again = next_of(m.b, t, 3);
    CHECK(proof_again == proof);
    REQUIRE(m.c.receive(1, proof_again, at(t)));
    const bytes to_a = next_of(m.c, t, 3);
    REQUIRE(m.a.receive(0, to_a, at(t)));
    m.run(at(t));
    CHECK(m.a.link_status(*id).value() == nexus::link_state::active);
    CHECK(m.b.link_status(*id).value() == nexus::link_state::active);
    // Once confirmed (A's RTT packet went through C), a replayed request is a duplicate at C.
    CHECK(m.c.receive(0, request, at(t + 1000)).error() == error::replayed);
}

TEST_CASE("node: errors and housekeeping") {
    mesh m;
    CHECK(m.a.receive(9, bytes(30), at(0)).error() == error::invalid_argument);  // no such interface
    CHECK(m.a.receive(0, bytes(5), at(0)).error() == error::truncated);
    CHECK(m.a.open_link(m.dest_b, at(0)).error() == error::not_found);  // no announce seen yet...
    std::array<std::uint8_t, wire::mtu> request{};  // ...so it asked for one: a path request (docs/wire/path_request.md)
    const auto asked = m.a.pop_outgoing(at(0), request);
    REQUIRE(asked.has_value());
    CHECK(asked->size == wire::header_1_size + 2 * nexus::truncated_hash_size);
    CHECK(std::equal(m.dest_b.begin(), m.dest_b.end(), request.begin() + wire::header_1_size));
    CHECK(m.b.add_destination(nexus::make_name_hash<P>("nexus.test.b")).error() == error::invalid_argument);
    CHECK(m.a.send(nexus::truncated_hash{}, bytes{1}, at(0)).error() == error::not_found);
    CHECK(m.a.announce(nexus::truncated_hash{}, at(0)).error() == error::not_found);
    // pop_outgoing needs a whole MTU of room and takes nothing when it does not get it.
    REQUIRE(m.a.announce(m.a.self().destination_hash(nexus::make_name_hash<P>("nexus.test.a")), at(0)));
    std::array<std::uint8_t, wire::mtu - 1> small{};
    CHECK(m.a.pop_outgoing(at(0), small).error() == error::buffer_too_small);
    std::array<std::uint8_t, wire::mtu> full{};
    CHECK(m.a.pop_outgoing(at(0), full).value().size == wire::announce_min_packet);

    // Paths are active for 3 announce intervals (90 min), then stale (still used when there is no
    // other) for one more; after that they are gone.
    REQUIRE(m.b.announce(m.dest_b, at(0)));
    m.run(at(0));
    CHECK(m.a.route(m.dest_b, at(90 * 60 * 1000))->state == nexus::routing::route_state::active);
    CHECK_FALSE(m.a.route(m.dest_b, at(90 * 60 * 1000))->active_at(at(90 * 60 * 1000)));
    CHECK(m.a.open_link(m.dest_b, at(120 * 60 * 1000)).error() == nexus::error::not_found);

    // A link that times out is reported closed by poll() and freed.
    mesh n;
    REQUIRE(n.b.announce(n.dest_b, at(0)));
    n.run(at(0));
    auto id = n.a.open_link(n.dest_b, at(0));
    REQUIRE(id);
    // Every request is lost. It goes again, byte for byte, after the path's round trip + 1 s
    // (docs/link.md: 2 x latency + 1 s, latency = (worst hop latency + 1 ms) x hops, at most a
    // quarter of the 30 s establishment timeout), four times in all; then the link times out.
    const auto* route = n.a.route(n.dest_b, at(0));
    REQUIRE(route != nullptr);
    const std::int64_t latency = (std::int64_t{route->cost.worst_latency_ms} + 1) * route->cost.hop_count;
    const std::int64_t retry = std::min<std::int64_t>(2 * latency + 1000, 30'000 / 4);
    std::vector<bytes> requests;
    for (int i = 0; i < 4; ++i) {
        const std::int64_t when = i * retry;
        if (i > 0) CHECK(n.a.next_deadline() == at(when));
        (void)n.a.poll(at(when));
        std::array<std::uint8_t, wire::mtu> buf{};
        auto o = n.a.pop_outgoing(at(when), buf);
        REQUIRE(o);
        REQUIRE(o->size > 0);
        requests.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
        CHECK(requests.back() == requests.front());
        CHECK((requests.back()[0] & 0x03) == 2);  // a link request
    }
    CHECK(n.a.next_deadline() == at(30'000));
    n.run(at(30'000));
    CHECK(n.count(n.events_a, node_event_kind::link_closed) == 1);
    CHECK(n.events_a.back().reason == nexus::close_reason::establishment_timeout);
    CHECK(n.a.link_status(*id).error() == error::not_found);
}
