// Gossip and announces at the node (node.hpp with gossip on): malformed, forged and replayed
// input is refused and changes nothing — the routing table, the neighbour list and the gossip
// budget are compared field by field before and after. Attack packets are built here from the
// documented layouts (gossip/envelope.hpp, gossip/round.hpp, routing/advert.hpp): a modified
// signed message, a foreign key in place of the sender's, a correctly signed but malformed delta,
// a replayed packet, an old counter and a second session re-signed with the sender's own key, and
// adverts about destinations never announced or from the future. Also: a valid advert from a
// signed neighbour is merged (the positive control), an offer whose path (its node bloom) holds
// the receiver is held as suspect and not used while a trusted path exists, an offer that comes
// before its announce waits for it (5 minutes at most), and the path bloom
// itself behaves as its layout says (bits from the identity hash's first four bytes).
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "nexus/core/endian.hpp"
#include "nexus/core/reference_policies.hpp"
#include "nexus/gossip/envelope.hpp"
#include "nexus/gossip/round.hpp"
#include "nexus/node.hpp"
#include "nexus/routing/advert.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::error;
using nexus::timestamp;
using nexus::truncated_hash;
using nexus::test::bytes;
using P = nexus::nexus_profile;
using node_t = nexus::node<P, nexus::seeded_random>;

timestamp at(std::int64_t ms) { return timestamp::from_ms(static_cast<std::uint64_t>(ms)); }

nexus::node_config gossip_config() {
    nexus::node_config c;
    c.transport = true;
    c.gossip = true;
    c.auto_announce = true;
    c.relay_fee = 15;
    return c;
}

// A -- B on one cable, both gossiping.
struct pair_mesh {
    nexus::seeded_random ra{1}, rb{2};
    node_t a{nexus::node_identity::generate(ra), ra, gossip_config()};
    node_t b{nexus::node_identity::generate(rb), rb, gossip_config()};
    truncated_hash dest_a{}, dest_b{};
    std::vector<bytes> from_a;  // every packet A sent
    std::vector<error> errors_b;

    pair_mesh() {
        (void)a.add_interface(nexus::interface_metrics{100'000, 5, false});
        (void)b.add_interface(nexus::interface_metrics{100'000, 5, false});
        dest_a = a.add_destination(nexus::make_name_hash<P>("nexus.test.a")).value();
        dest_b = b.add_destination(nexus::make_name_hash<P>("nexus.test.b")).value();
    }

    void pump(timestamp now) {
        for (int i = 0; i < 1000; ++i) {
            bool any = false;
            for (node_t* n : {&a, &b}) {
                while (n->poll(now).kind != nexus::node_event_kind::none) any = true;
                std::array<std::uint8_t, nexus::wire::mtu> buf{};
                for (;;) {
                    auto o = n->pop_outgoing(now, buf);
                    REQUIRE(o.has_value());
                    if (o->size == 0) break;
                    any = true;
                    const bytes frame(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
                    node_t* to = n == &a ? &b : &a;
                    if (n == &a) from_a.push_back(frame);
                    auto r = to->receive(0, frame, now);
                    if (!r && to == &b) errors_b.push_back(r.error());
                }
            }
            if (!any) return;
        }
        FAIL("pump did not settle");
    }
};

// Everything of B's routing state that an attack must not change.
struct state {
    std::vector<bytes> routes;
    std::vector<bytes> neighbours;
    std::uint64_t gossip_bytes = 0;
    friend bool operator==(const state&, const state&) = default;
};

state snapshot(const node_t& n) {
    state s;
    for (const auto& e : n.routes()) {
        bytes b(e.destination.begin(), e.destination.end());
        b.insert(b.end(), e.hop.address.begin(), e.hop.address.end());
        for (std::uint64_t v : {std::uint64_t{e.hop.iface}, std::uint64_t{e.cost.cumulative_cost},
                                std::uint64_t{e.cost.worst_latency_ms}, std::uint64_t{e.cost.bottleneck_bps},
                                std::uint64_t{e.cost.hop_count}, std::uint64_t{e.reliability},
                                std::uint64_t(e.state), std::uint64_t{e.failed}, std::uint64_t{e.suspect},
                                e.lamport, e.last_updated.ms(),
                                e.expires.ms(), e.evict_at.ms()})
            for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        s.routes.push_back(b);
    }
    for (const auto& nb : n.neighbours()) {
        bytes b(nb.id.begin(), nb.id.end());
        for (std::uint64_t v : {std::uint64_t{nb.iface}, nb.last_heard.ms(), std::uint64_t{nb.down},
                                std::uint64_t{nb.session}, std::uint64_t{nb.counter}})
            for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        s.neighbours.push_back(b);
    }
    if (const auto* g = n.budget(0)) s.gossip_bytes = g->stats(nexus::gossip::tier::routing).bytes_sent;
    return s;
}

// A delta message with one routing section holding `items` (docs/gossip.md "Delta message").
bytes delta_of(const std::vector<bytes>& items) {
    bytes m{nexus::gossip::delta_message_type, nexus::gossip::round_message_version, 1, nexus::routing::routing_kind_id,
            static_cast<std::uint8_t>(items.size()), static_cast<std::uint8_t>(items.size() >> 8)};
    for (const auto& it : items) {
        m.push_back(static_cast<std::uint8_t>(it.size()));
        m.push_back(static_cast<std::uint8_t>(it.size() >> 8));
        m.insert(m.end(), it.begin(), it.end());
    }
    return m;
}

nexus::routing::path_bloom path_of(std::initializer_list<truncated_hash> ids) {
    nexus::routing::path_bloom b{};
    for (const auto& id : ids) nexus::routing::path_bloom_add(b, id);
    return b;
}

bytes advert_bytes(const nexus::routing::advert& a) {
    bytes b(nexus::routing::advert_size);
    REQUIRE(nexus::routing::encode_advert(a, b).has_value());
    return b;
}

bytes sealed(const nexus::node_identity& who, std::uint32_t session, std::uint32_t counter, const bytes& message) {
    bytes out(nexus::wire::mtu);
    auto n = nexus::gossip::seal_envelope(who, nexus::gossip::gossip_destination<P>(), session, counter, message, out);
    REQUIRE(n.has_value());
    out.resize(*n);
    return out;
}

}  // namespace

TEST_CASE("gossip node: two neighbours exchange signed offers; the relay fee shows in the path cost") {
    pair_mesh m;
    m.pump(at(0));
    m.pump(at(1000));
    const auto* r = m.b.route(m.dest_a, at(1000));
    REQUIRE(r != nullptr);
    CHECK(r->hop.address == m.a.self().hash());
    CHECK(r->cost.hop_count == 1);  // one link
    CHECK(r->cost.cumulative_cost == 0);  // A's own destination: no relay fee
    CHECK(r->cost.worst_latency_ms == 5);
    CHECK(m.b.neighbours().size() == 1);
    CHECK(m.b.neighbours()[0].id == m.a.self().hash());
    CHECK(m.b.stats().gossip_rejected == 0);
    CHECK(m.b.stats().adverts_merged >= 1);
    // Envelope layout: the first gossip packet A sent is HEADER_1, plain, context 0xF1, to the
    // "nexus.gossip" plain destination, and carries A's public key right after the header.
    const bytes* g = nullptr;
    for (const auto& f : m.from_a)
        if (f.size() > 19 && f[18] == 0xF1) {
            g = &f;
            break;
        }
    REQUIRE(g != nullptr);
    CHECK(((*g)[0] & 0x40) == 0);          // HEADER_1
    CHECK((((*g)[0] >> 2) & 3) == 2);      // plain
    CHECK(((*g)[0] & 3) == 0);             // data
    CHECK((*g)[1] == 0);                   // hops
    const auto gd = nexus::gossip::gossip_destination<P>();
    CHECK(std::equal(gd.begin(), gd.end(), g->begin() + 2));
    const auto& key = m.a.self().public_key();
    CHECK(std::equal(key.begin(), key.end(), g->begin() + 19));
}

TEST_CASE("gossip node: forged, malformed and replayed gossip is refused without a state change") {
    pair_mesh m;
    m.pump(at(0));
    m.pump(at(61'000));  // a second round: counters have moved on
    REQUIRE(m.b.route(m.dest_a, at(61'000)) != nullptr);
    const timestamp now = at(62'000);
    auto deliver = [&](const bytes& f) { return m.b.receive(0, f, now); };

    // The last gossip packet A sent, for tampering.
    bytes last;
    for (const auto& f : m.from_a)
        if (f.size() > 19 && f[18] == 0xF1) last = f;
    REQUIRE(!last.empty());

    const state before = snapshot(m.b);
    const auto rejected_before = m.b.stats().gossip_rejected + m.b.stats().duplicates;

    SUBCASE("a byte of the signed message changed") {
        bytes f = last;
        f[19 + 64 + 8 + 1] ^= 0x01;  // the round message's version byte
        auto r = deliver(f);
        REQUIRE(!r);
        CHECK(r.error() == error::auth_failed);
    }
    SUBCASE("the signature changed") {
        bytes f = last;
        f.back() ^= 0x80;
        auto r = deliver(f);
        REQUIRE(!r);
        CHECK(r.error() == error::auth_failed);
    }
    SUBCASE("another identity's key in place of the sender's") {
        nexus::seeded_random rm{99};
        const auto mallory = nexus::node_identity::generate(rm);
        bytes f = last;
        std::copy(mallory.public_key().begin(), mallory.public_key().end(), f.begin() + 19);
        auto r = deliver(f);
        REQUIRE(!r);
        CHECK(r.error() == error::auth_failed);
    }
    SUBCASE("the exact packet again") {
        auto r = deliver(last);
        REQUIRE(!r);
        CHECK(r.error() == error::replayed);
    }
    SUBCASE("re-signed by the sender with an old counter, or as a second session while alive") {
        nexus::seeded_random ra{1};
        const auto a_id = nexus::node_identity::generate(ra);  // A's own key (same seed)
        REQUIRE(a_id.hash() == m.a.self().hash());
        const auto nb = m.b.neighbours()[0];
        const bytes msg = delta_of({advert_bytes({m.dest_a, 1, {0, 5, 100, 1}, path_of({a_id.hash()})})});
        for (const bytes& f : {sealed(a_id, nb.session, nb.counter, msg), sealed(a_id, nb.session + 1, 1, msg)}) {
            auto r = deliver(f);
            REQUIRE(!r);
            CHECK(r.error() == error::replayed);
        }
    }
    SUBCASE("correctly signed by a stranger, but malformed") {
        nexus::seeded_random rm{99};
        const auto mallory = nexus::node_identity::generate(rm);
        const bytes item = advert_bytes({m.dest_a, 1, {0, 5, 100, 1}, path_of({mallory.hash()})});
        bytes short_item(item.begin(), item.end() - 1);
        bytes zero_hops = item;
        zero_hops[16 + 8 + 5] = 0;  // hop_count 0
        bytes trailing = delta_of({item});
        trailing.push_back(0);
        bytes bad_version = delta_of({item});
        bad_version[1] = 2;
        bytes repeated_kind = delta_of({item});
        repeated_kind[2] = 2;  // two sections...
        repeated_kind.insert(repeated_kind.end(), {nexus::routing::routing_kind_id, 1, 0,
                                                   static_cast<std::uint8_t>(nexus::routing::advert_size), 0});
        repeated_kind.insert(repeated_kind.end(), item.begin(), item.end());  // ...of the same kind
        const bytes unknown_type{0x07, 1, 0};
        const std::vector<std::pair<bytes, error>> cases{
            {delta_of({short_item}), error::invalid_length}, {delta_of({zero_hops}), error::bad_encoding},
            {trailing, error::invalid_length},               {bad_version, error::unsupported},
            {repeated_kind, error::bad_encoding},            {unknown_type, error::bad_encoding},
            {bytes{nexus::gossip::summary_message_type, 1, 1, 1}, error::truncated},
        };
        std::uint32_t counter = 1;
        for (const auto& [msg, want] : cases) {
            auto r = deliver(sealed(mallory, 7, counter++, msg));
            REQUIRE(!r);
            CHECK(r.error() == want);
        }
    }
    SUBCASE("a relayed gossip packet (hops > 0)") {
        nexus::seeded_random rm{99};
        const auto mallory = nexus::node_identity::generate(rm);
        bytes f = sealed(mallory, 3, 1, delta_of({advert_bytes({m.dest_a, 1, {0, 5, 100, 1}, path_of({mallory.hash()})})}));
        f[1] = 1;
        auto r = deliver(f);
        REQUIRE(!r);
        CHECK(r.error() == error::bad_encoding);
    }
    const state after = snapshot(m.b);
    CHECK(after == before);
    CHECK(m.b.stats().gossip_rejected + m.b.stats().duplicates > rejected_before);
}

TEST_CASE("gossip node: adverts are checked against verified announces; a path back through us is never used") {
    pair_mesh m;
    m.pump(at(0));
    const timestamp now = at(2000);
    nexus::seeded_random rm{99};
    const auto mallory = nexus::node_identity::generate(rm);
    std::uint32_t counter = 1;
    auto send = [&](const nexus::routing::advert& a) {
        return m.b.receive(0, sealed(mallory, 5, counter++, delta_of({advert_bytes(a)})), now);
    };

    SUBCASE("a destination never announced: refused, no route") {
        truncated_hash ghost{};
        ghost.fill(0x42);
        const auto refused = m.b.stats().adverts_refused;
        REQUIRE(send({ghost, 1, {0, 5, 100, 1}, path_of({mallory.hash()})}).has_value());  // the message is well formed
        CHECK(m.b.stats().adverts_refused == refused + 1);
        CHECK(m.b.routes().paths(ghost).empty());
    }
    SUBCASE("a Lamport time beyond the destination's last announce counts only at the announce's") {
        // The neighbour cannot make its offer newer than what we verified: it is held at the Lamport
        // time of the announce we have, so a later verified announce still supersedes it.
        const auto lamport = m.b.routes().paths(m.dest_a)[0].lamport;
        REQUIRE(send({m.dest_a, lamport + 1000, {0, 5, 100, 2}, path_of({mallory.hash(), m.a.self().hash()})})
                    .has_value());
        const auto* e = m.b.routes().find(m.dest_a, nexus::routing::next_hop{0, mallory.hash()});
        REQUIRE(e != nullptr);
        CHECK(e->lamport == lamport);
        CHECK(m.b.known(m.dest_a)->lamport == lamport);
    }
    SUBCASE("a valid offer from a signed neighbour is merged (positive control)") {
        const auto lamport = m.b.routes().paths(m.dest_a)[0].lamport;
        REQUIRE(send({m.dest_a, lamport, {64, 9, 100, 2}, path_of({mallory.hash(), m.a.self().hash()})}).has_value());
        const auto* e = m.b.routes().find(m.dest_a, nexus::routing::next_hop{0, mallory.hash()});
        REQUIRE(e != nullptr);
        CHECK(e->cost.cumulative_cost == 64);
        CHECK(e->cost.hop_count == 2);
        CHECK_FALSE(e->failed);
        CHECK(m.b.neighbours().size() == 2);
    }
    SUBCASE("an offer whose path runs back through the receiver: held as suspect, not chosen over a trusted path") {
        const auto lamport = m.b.routes().paths(m.dest_a)[0].lamport;
        REQUIRE(send({m.dest_a, lamport, {0, 1, 200, 2}, path_of({mallory.hash(), m.a.self().hash()})}).has_value());
        // ...then a path whose nodes include B itself
        REQUIRE(send({m.dest_a, lamport, {0, 1, 200, 3}, path_of({mallory.hash(), m.b.self().hash(), m.a.self().hash()})})
                    .has_value());
        const auto* e = m.b.routes().find(m.dest_a, nexus::routing::next_hop{0, mallory.hash()});
        REQUIRE(e != nullptr);
        CHECK(e->suspect);
        CHECK_FALSE(e->failed);
        CHECK_FALSE(e->trusted_at(now));
        const auto* best = m.b.route(m.dest_a, now);
        REQUIRE(best != nullptr);
        CHECK(best->hop.address == m.a.self().hash());  // the suspect one is cheaper, but A's is trusted
        // A withdrawal of that path fails it outright.
        REQUIRE(send({m.dest_a, lamport, {0, 1, 200, nexus::routing::withdrawn_hop_count}, path_of({mallory.hash()})})
                    .has_value());
        e = m.b.routes().find(m.dest_a, nexus::routing::next_hop{0, mallory.hash()});
        REQUIRE(e != nullptr);
        CHECK(e->failed);
    }
}

TEST_CASE("gossip node: a forged announce is refused and changes no route") {
    pair_mesh m;
    m.pump(at(0));
    const state before = snapshot(m.b);
    bytes ann;
    for (const auto& f : m.from_a)
        if ((f[0] & 3) == 1) ann = f;  // A's announce
    REQUIRE(!ann.empty());
    bytes forged = ann;
    forged[forged.size() / 2] ^= 0x10;  // inside the signed part
    auto r = m.b.receive(0, forged, at(500));
    REQUIRE(!r);
    CHECK(m.b.stats().announces_rejected == 1);
    CHECK(snapshot(m.b) == before);
}

TEST_CASE("gossip node: the path bloom of an advert") {
    // 256 bits, k = 3: an identity hash sets bits h[0], h[1], h[2] (routing/advert.hpp).
    truncated_hash a{}, b{};
    a[0] = 5;
    a[1] = 0;
    a[2] = 200;  // bits 5, 0, 200
    b[0] = 9;
    b[1] = 5;
    b[2] = 200;  // bits 9, 5, 200
    nexus::routing::path_bloom p{};
    nexus::routing::path_bloom_add(p, a);
    CHECK(p[0] == 0x21);  // bits 0 and 5
    CHECK(p[25] == 0x01);  // bit 200
    CHECK(nexus::routing::path_bloom_contains(p, a));
    CHECK_FALSE(nexus::routing::path_bloom_contains(p, b));  // bit 9 unset
    nexus::routing::path_bloom_add(p, b);
    CHECK(p[1] == 0x02);  // bit 9
    CHECK(nexus::routing::path_bloom_contains(p, b));
    CHECK(nexus::routing::path_bloom_contains(nexus::routing::unknown_path(), a));
    CHECK(nexus::routing::advert_size == 16 + 8 + 6 + 32);
}

TEST_CASE("gossip node: an offer that comes before its announce is merged when the announce arrives") {
    // docs/routing.md: an offer for a destination whose announce has not been accepted yet (held by
    // ingress control, or still on its way) waits and is merged once the announce is learned.
    pair_mesh m;
    m.pump(at(0));
    nexus::seeded_random rc{77}, rm{99};
    const auto carol = nexus::node_identity::generate(rc);
    const auto mallory = nexus::node_identity::generate(rm);
    nexus::wire::announce_params params;
    params.name = nexus::make_name_hash<P>("nexus.test.carol");
    params.random = nexus::wire::make_random_hash(rc, 4321);  // emitted at 4,321 s: its Lamport time
    std::array<std::uint8_t, nexus::wire::mtu> out{};
    const std::size_t n = nexus::wire::build_announce(carol, params, out).value();
    const bytes announce(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    const truncated_hash dest_c = carol.destination_hash(params.name);

    const timestamp now = at(2000);
    const nexus::routing::next_hop via_mallory{0, mallory.hash()};
    const auto refused = m.b.stats().adverts_refused;
    REQUIRE(m.b.receive(0, sealed(mallory, 5, 1, delta_of({advert_bytes({dest_c, 4321, {64, 9, 100, 2},
                                                                          path_of({mallory.hash(), carol.hash()})})})),
                        now)
                .has_value());
    CHECK(m.b.stats().adverts_refused == refused + 1);  // no announce yet: not merged...
    CHECK(m.b.routes().find(dest_c, via_mallory) == nullptr);

    REQUIRE(m.b.receive(0, announce, now + nexus::duration::seconds(1)).has_value());  // ...until it comes
    REQUIRE(m.b.known(dest_c) != nullptr);
    const auto* e = m.b.routes().find(dest_c, via_mallory);
    REQUIRE(e != nullptr);
    CHECK(e->cost.cumulative_cost == 64);
    CHECK(e->cost.hop_count == 2);
    CHECK(e->lamport == 4321);

    // One from a neighbour for a destination that never announces is dropped after its lifetime
    // (5 minutes), not merged by a much later announce.
    nexus::seeded_random rd{55};
    const auto dave = nexus::node_identity::generate(rd);
    params.name = nexus::make_name_hash<P>("nexus.test.dave");
    params.random = nexus::wire::make_random_hash(rd, 100);
    const std::size_t n2 = nexus::wire::build_announce(dave, params, out).value();
    const bytes late(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n2));
    const truncated_hash dest_d = dave.destination_hash(params.name);
    REQUIRE(m.b.receive(0, sealed(mallory, 5, 2, delta_of({advert_bytes({dest_d, 100, {64, 9, 100, 2},
                                                                          path_of({mallory.hash(), dave.hash()})})})),
                        now)
                .has_value());
    REQUIRE(m.b.receive(0, late, now + nexus::duration::minutes(6)).has_value());
    REQUIRE(m.b.known(dest_d) != nullptr);
    CHECK(m.b.routes().find(dest_d, via_mallory) == nullptr);
}
