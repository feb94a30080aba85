// Tests of link/link.hpp and link/replay_window.hpp. Two links are driven in memory through the
// real packet codec. Independent truth: the link id, the proof signature and the first-epoch
// keys are recomputed here from the spec's formulas with the crypto primitives (the ephemeral
// secrets are reproduced from the seeded random sources), a std::set models the replay window,
// and every state / bad-input pair has its expected verdict written out.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/crypto/ed25519.hpp"
#include "nexus/link/link.hpp"
#include "support/alloc_counter.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::duration;
using nexus::error;
using nexus::link_event_kind;
using nexus::link_state;
using nexus::timestamp;
using nexus::test::bytes;
using nexus::test::to_hex;
namespace wire = nexus::wire;
using P = nexus::nexus_profile;
using link_t = nexus::link<P, nexus::seeded_random>;

timestamp at(std::int64_t ms) { return timestamp::from_ms(static_cast<std::uint64_t>(ms)); }

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

// Everything one poll_transmit loop emits.
std::vector<bytes> drain(link_t& l, timestamp now) {
    std::vector<bytes> out;
    for (;;) {
        std::array<std::uint8_t, wire::mtu> buf{};
        auto n = l.poll_transmit(now, buf);
        REQUIRE(n);
        if (*n == 0) return out;
        out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
}

nexus::result<nexus::link_event> deliver(link_t& l, const bytes& raw, timestamp now, bytes& plain) {
    plain.assign(nexus::link_mdu, 0);
    auto p = wire::decode_packet(raw);
    REQUIRE(p);
    return l.receive(*p, now, plain);
}

struct pair_fixture {
    nexus::seeded_random id_rng{1};
    nexus::node_identity server = nexus::node_identity::generate(id_rng);
    nexus::node_identity client_id = nexus::node_identity::generate(id_rng);
    nexus::name_hash name = nexus::make_name_hash<P>("nexus.test.link");
    nexus::truncated_hash dest = server.destination_hash(name);
    nexus::seeded_random rng_a{100};  // initiator's randomness
    nexus::seeded_random rng_b{200};  // responder's randomness
    nexus::link_config config{};
    std::optional<link_t> a, b;
    bytes request, proof, rtt;
    bytes plain;

    void open(timestamp now = at(1000)) {
        a.emplace(link_t::initiate(server.public_id(), dest, rng_a, now, config));
        CHECK(a->state() == link_state::pending);
        auto out = drain(*a, now);
        REQUIRE(out.size() == 1);
        request = out[0];
        auto p = wire::decode_packet(request);
        REQUIRE(p);
        auto accepted = link_t::accept(server, *p, rng_b, now, config);
        REQUIRE(accepted);
        b.emplace(std::move(*accepted));
        CHECK(b->state() == link_state::handshake);
        out = drain(*b, now);
        REQUIRE(out.size() == 1);
        proof = out[0];
        auto ev = deliver(*a, proof, now + duration::milliseconds(40), plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::established);
        CHECK(a->state() == link_state::active);
        out = drain(*a, now + duration::milliseconds(40));
        REQUIRE(out.size() == 1);
        rtt = out[0];
        ev = deliver(*b, rtt, now + duration::milliseconds(60), plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::established);
        CHECK(b->state() == link_state::active);
    }

    bytes send(link_t& from, const bytes& data, timestamp now, std::uint8_t ctx = wire::context::none) {
        std::array<std::uint8_t, wire::mtu> buf{};
        auto n = from.send(data, now, buf, ctx);
        REQUIRE(n);
        return bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }

    // Sends `data` from one side and checks the other receives exactly it.
    void roundtrip(link_t& from, link_t& to, const bytes& data, timestamp now) {
        const bytes pkt = send(from, data, now);
        auto ev = deliver(to, pkt, now, plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::data);
        CHECK(bytes(ev->data.begin(), ev->data.end()) == data);
    }
};

// The first-epoch initiator->responder key from the spec's formula, with the ephemeral secrets
// reproduced from the fixture's seeds (100 and 200).
std::array<std::uint8_t, 32> expected_i2r_key() {
    nexus::seeded_random ra(100), rb(200);
    std::array<std::uint8_t, 32> eph_a{}, eph_b{}, pub_a{}, pub_b{}, shared{}, session{}, i2r{};
    ra.fill(eph_a);
    rb.fill(eph_b);
    nexus::crypto::x25519_public_key(pub_a, eph_a);
    nexus::crypto::x25519_public_key(pub_b, eph_b);
    REQUIRE(nexus::crypto::x25519(shared, eph_a, pub_b));
    bytes km(shared.begin(), shared.end());
    km.insert(km.end(), pub_a.begin(), pub_a.end());
    km.insert(km.end(), pub_b.begin(), pub_b.end());
    REQUIRE(nexus::crypto::blake2b_hash(session, km));
    const std::string label = "nexus link i>r";
    REQUIRE(nexus::crypto::blake2b_hash(i2r, std::span(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()),
                                        session));
    return i2r;
}

// An encrypted link packet made by hand (header, epoch, counter, AEAD with AD = id || ctx || epoch).
bytes seal_by_hand(const std::array<std::uint8_t, 32>& key, const nexus::truncated_hash& link_id, std::uint8_t ctx,
                   std::uint8_t epoch, std::uint64_t counter, const bytes& plain) {
    bytes pkt = {0x0C, 0};
    pkt.insert(pkt.end(), link_id.begin(), link_id.end());
    pkt.push_back(ctx);
    pkt.push_back(epoch);
    for (int i = 0; i < 8; ++i) pkt.push_back(static_cast<std::uint8_t>(counter >> (8 * i)));
    bytes ad(link_id.begin(), link_id.end());
    ad.push_back(ctx);
    ad.push_back(epoch);
    std::array<std::uint8_t, 12> nonce{};
    for (int i = 0; i < 8; ++i) nonce[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter >> (8 * i));
    bytes sealed(plain.size() + 16);
    REQUIRE(nexus::crypto::chacha20_poly1305::seal(key, nonce, plain, ad, sealed) == nexus::crypto::aead_status::ok);
    pkt.insert(pkt.end(), sealed.begin(), sealed.end());
    return pkt;
}

}  // namespace

TEST_CASE("replay window: agrees with a set-based model on random counter streams") {
    nexus::test::rng rng(17);
    for (int trial = 0; trial < 50; ++trial) {
        nexus::replay_window w;
        std::set<std::uint64_t> seen;
        std::uint64_t top = 0;
        for (int i = 0; i < 500; ++i) {
            std::uint64_t c = top + rng.below(8);
            if (rng.below(3) == 0 && top > 0) c = top - rng.below(top < 100 ? top + 1 : 100);
            const bool model = !seen.count(c) && (seen.empty() || c > top || top - c < 64);
            CHECK(w.check(c) == model);
            if (model) {
                w.accept(c);
                seen.insert(c);
                if (c > top || seen.size() == 1) top = std::max(top, c);
            }
        }
    }
    nexus::replay_window w;
    CHECK(w.check(0));
    w.accept(1000);
    CHECK_FALSE(w.check(1000));
    CHECK(w.check(999));
    CHECK(w.check(937));
    CHECK_FALSE(w.check(936));  // 64 behind
    w.accept(5000);             // big jump clears the bitmap
    CHECK(w.check(4999));
    CHECK_FALSE(w.check(1000));
}

TEST_CASE("link: handshake bytes, link id, proof signature and keys follow the spec") {
    pair_fixture f;
    f.open();
    // Request: flags 0x02 (link request, single), hops 0, destination, context 0, 64 bytes.
    REQUIRE(f.request.size() == 83);
    CHECK(f.request[0] == 0x02);
    CHECK(f.request[1] == 0);
    CHECK(bytes(f.request.begin() + 2, f.request.begin() + 18) == bytes(f.dest.begin(), f.dest.end()));
    CHECK(f.request[18] == 0);
    // Link id = BLAKE2b-256((flags & 0x0F) || destination || context || 64 key bytes)[0, 16).
    bytes id_input = {0x02};
    id_input.insert(id_input.end(), f.request.begin() + 2, f.request.end());
    std::array<std::uint8_t, 32> id_hash{};
    REQUIRE(nexus::crypto::blake2b_hash(id_hash, id_input));
    CHECK(to_hex(f.a->id()) == to_hex(id_hash).substr(0, 32));
    CHECK(f.a->id() == f.b->id());

    // Proof: flags 0x0F (proof, link), to the link id, context 0xFF, signature || responder eph.
    REQUIRE(f.proof.size() == 19 + 96);
    CHECK(f.proof[0] == 0x0F);
    CHECK(bytes(f.proof.begin() + 2, f.proof.begin() + 18) == bytes(f.a->id().begin(), f.a->id().end()));
    CHECK(f.proof[18] == 0xFF);
    bytes signed_msg(f.a->id().begin(), f.a->id().end());
    signed_msg.insert(signed_msg.end(), f.proof.begin() + 19 + 64, f.proof.end());
    signed_msg.insert(signed_msg.end(), f.server.public_key().begin() + 32, f.server.public_key().end());
    CHECK(nexus::crypto::ed25519_verify(std::span<const std::uint8_t, 64>(f.proof.data() + 19, 64),
                                        f.server.public_id().ed25519_public(), signed_msg));

    // Keys from the spec's formula, with the ephemeral secrets reproduced from the seeds.
    nexus::seeded_random ra(100), rb(200);
    std::array<std::uint8_t, 32> eph_a{}, eph_b{}, pub_a{}, pub_b{};
    ra.fill(eph_a);
    rb.fill(eph_b);
    nexus::crypto::x25519_public_key(pub_a, eph_a);
    nexus::crypto::x25519_public_key(pub_b, eph_b);
    CHECK(bytes(f.request.begin() + 19, f.request.begin() + 51) == bytes(pub_a.begin(), pub_a.end()));
    CHECK(bytes(f.proof.begin() + 83, f.proof.end()) == bytes(pub_b.begin(), pub_b.end()));
    const auto i2r = expected_i2r_key();
    // The RTT packet (initiator -> responder, epoch 0, counter 0) opens with that key.
    REQUIRE(f.rtt.size() == 19 + 25 + 4);
    CHECK(f.rtt[0] == 0x0C);  // data, link
    CHECK(f.rtt[18] == wire::context::link_rtt);
    CHECK(f.rtt[19] == 0);                                                   // epoch
    CHECK(bytes(f.rtt.begin() + 20, f.rtt.begin() + 28) == bytes(8, 0));     // counter 0
    bytes ad(f.a->id().begin(), f.a->id().end());
    ad.push_back(wire::context::link_rtt);
    ad.push_back(0);
    std::array<std::uint8_t, 12> nonce{};
    bytes rtt_plain(4);
    CHECK(nexus::crypto::chacha20_poly1305::open(i2r, nonce, std::span(f.rtt).subspan(28), ad, rtt_plain) ==
          nexus::crypto::aead_status::ok);
    CHECK(rtt_plain == bytes{40, 0, 0, 0});  // the 40 ms the proof took
    CHECK(f.b->rtt() == duration::milliseconds(40));
}

TEST_CASE("link: 1,000 messages each way, in order, nothing in clear, no allocation") {
    pair_fixture f;
    f.open();
    nexus::test::rng rng(9);
    std::int64_t t = 2000;
    for (int i = 0; i < 1000; ++i) {
        bytes msg(rng.below(nexus::link_mdu + 1));
        rng.fill(msg);
        if (msg.size() >= 8) std::copy_n("PLAINTXT", 8, msg.begin());
        link_t& from = (i % 2 == 0) ? *f.a : *f.b;
        link_t& to = (i % 2 == 0) ? *f.b : *f.a;
        std::array<std::uint8_t, wire::mtu> buf{};
        nexus::result<std::size_t> n;
        NEXUS_CHECK_NO_ALLOC(n = from.send(msg, at(t), buf));
        REQUIRE(n);
        CHECK(*n == 19 + 25 + msg.size());
        const std::span<const std::uint8_t> pkt(buf.data(), *n);
        const std::string marker = "PLAINTXT";
        if (msg.size() >= 8)
            CHECK(std::search(pkt.begin(), pkt.end(), marker.begin(), marker.end()) == pkt.end());
        auto p = wire::decode_packet(pkt);
        REQUIRE(p);
        std::array<std::uint8_t, nexus::link_mdu> plain{};
        nexus::result<nexus::link_event> ev;
        NEXUS_CHECK_NO_ALLOC(ev = to.receive(*p, at(t), plain));
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::data);
        CHECK(bytes(ev->data.begin(), ev->data.end()) == msg);
        t += 10;
    }
    CHECK(f.a->stats().packets_received == 1 + 500);  // proof + messages
    CHECK(f.b->stats().packets_received == 1 + 500);  // rtt + messages
    CHECK(f.a->stats().rejected_auth + f.b->stats().rejected_auth == 0);
    // Too much data, control contexts, application contexts.
    std::array<std::uint8_t, wire::mtu> buf{};
    CHECK(f.a->send(bytes(nexus::link_mdu + 1), at(t), buf).error() == error::invalid_length);
    for (std::uint8_t ctx : {wire::context::keepalive, wire::context::link_identify, wire::context::link_close,
                             wire::context::link_rtt, wire::context::link_proof, wire::context::link_request_proof,
                             nexus::context_link_rotate})
        CHECK(f.a->send(text("x"), at(t), buf, ctx).error() == error::invalid_argument);
    const bytes req = f.send(*f.a, text("GET /"), at(t), wire::context::request);
    auto ev = deliver(*f.b, req, at(t), f.plain);
    REQUIRE(ev);
    CHECK(ev->context == wire::context::request);
    std::array<std::uint8_t, 30> small{};
    CHECK(f.a->send(text("0123456789"), at(t), small).error() == error::buffer_too_small);
}

TEST_CASE("link: replays, reordering, tampering and foreign packets are rejected; the link stays up") {
    pair_fixture f;
    f.open();
    std::vector<bytes> pkts;
    for (int i = 0; i < 5; ++i) pkts.push_back(f.send(*f.a, text("m" + std::to_string(i)), at(2000)));
    // Out of order within the window: accepted once each.
    for (int i : {1, 0, 3, 2, 4}) {
        auto ev = deliver(*f.b, pkts[static_cast<std::size_t>(i)], at(2001), f.plain);
        REQUIRE(ev);
        CHECK(std::string(ev->data.begin(), ev->data.end()) == "m" + std::to_string(i));
    }
    for (const auto& p : pkts) CHECK(deliver(*f.b, p, at(2002), f.plain).error() == error::replayed);
    CHECK(f.b->stats().rejected_replay == 5);
    // 64 newer packets push the first ones out of the window: still rejected (too old).
    for (int i = 0; i < 70; ++i) CHECK(deliver(*f.b, f.send(*f.a, text("n"), at(2003)), at(2003), f.plain));
    CHECK(deliver(*f.b, pkts[4], at(2004), f.plain).error() == error::replayed);

    // Every single-byte change of a packet is rejected, by the right check.
    const bytes good = f.send(*f.a, text("tamper me"), at(2005));
    for (std::size_t i = 0; i < good.size(); ++i) {
        bytes t = good;
        t[i] ^= 0x04;
        CAPTURE(i);
        auto p = wire::decode_packet(t);
        if (!p) continue;  // the codec itself refused it
        std::array<std::uint8_t, nexus::link_mdu> plain{};
        if (i == 1) continue;  // hops: below
        auto ev = f.b->receive(*p, at(2005), plain);
        CHECK_FALSE(ev);
        if (i >= 2 && i < 18) {
            CHECK(ev.error() == error::invalid_argument);  // not this link's id
        } else if (i == 0) {
            CHECK((ev.error() == error::invalid_argument || ev.error() == error::bad_state));
        } else if (i == 19) {
            CHECK(ev.error() == error::bad_state);  // unknown epoch
        } else if (i >= 20 && i < 28) {
            // Another counter: already seen (replayed) or fresh and then the tag fails.
            CHECK((ev.error() == error::replayed || ev.error() == error::auth_failed));
        } else {
            CHECK(ev.error() == error::auth_failed);
        }
    }
    // Hops are not authenticated (they change in transit): a copy with other hops is accepted,
    // and the original is then a replay.
    bytes hops = good;
    hops[1] = 9;
    CHECK(deliver(*f.b, hops, at(2006), f.plain));
    CHECK(deliver(*f.b, good, at(2006), f.plain).error() == error::replayed);
    CHECK(f.b->state() == link_state::active);
    f.roundtrip(*f.a, *f.b, text("still up"), at(2007));
    f.roundtrip(*f.b, *f.a, text("both ways"), at(2007));

    // A packet of another link, short packets, a second proof, non-link packet types.
    pair_fixture g;
    g.rng_a = nexus::seeded_random(101);  // another request, so another link id
    g.open();
    const bytes other = g.send(*g.a, text("x"), at(2008));
    CHECK(deliver(*f.b, other, at(2008), f.plain).error() == error::invalid_argument);
    bytes shortp(f.rtt.begin(), f.rtt.begin() + 19 + 24);
    CHECK(deliver(*f.b, shortp, at(2008), f.plain).error() == error::truncated);
    CHECK(deliver(*f.a, f.proof, at(2008), f.plain).error() == error::bad_state);
    bytes as_announce = good;
    as_announce[0] = 0x0D;  // announce to a link destination
    CHECK(deliver(*f.b, as_announce, at(2008), f.plain).error() == error::invalid_argument);
    // A plaintext buffer too small for the message.
    const bytes big = f.send(*f.a, bytes(100, 7), at(2009));
    auto p = wire::decode_packet(big);
    std::array<std::uint8_t, 50> tiny{};
    CHECK(f.b->receive(*p, at(2009), tiny).error() == error::buffer_too_small);
    CHECK(deliver(*f.b, big, at(2009), f.plain));  // and it still opens with room
}

TEST_CASE("link: bad proofs are rejected and the link keeps waiting for the real one") {
    pair_fixture f;
    f.a.emplace(link_t::initiate(f.server.public_id(), f.dest, f.rng_a, at(0), f.config));
    const auto req = drain(*f.a, at(0));
    auto p = wire::decode_packet(req.at(0));
    REQUIRE(p);
    // An impostor without the server's key answers the request.
    auto fake = link_t::accept(f.client_id, *p, f.rng_b, at(0), f.config);
    REQUIRE(fake);
    const auto fake_proof = drain(*fake, at(0)).at(0);
    CHECK(deliver(*f.a, fake_proof, at(5), f.plain).error() == error::auth_failed);
    CHECK(f.a->state() == link_state::pending);
    CHECK(f.a->stats().rejected_auth == 1);
    // Wrong context, wrong size.
    bytes wrong_ctx = fake_proof;
    wrong_ctx[18] = wire::context::link_proof;
    CHECK(deliver(*f.a, wrong_ctx, at(5), f.plain).error() == error::invalid_length);
    bytes cut(fake_proof.begin(), fake_proof.end() - 1);
    CHECK(deliver(*f.a, cut, at(5), f.plain).error() == error::invalid_length);
    // Data before the proof.
    bytes early = fake_proof;
    early[0] = 0x0C;
    CHECK(deliver(*f.a, early, at(5), f.plain).error() == error::bad_state);
    // The real responder's proof still works.
    auto real = link_t::accept(f.server, *p, f.rng_b, at(0), f.config);
    REQUIRE(real);
    auto ev = deliver(*f.a, drain(*real, at(0)).at(0), at(6), f.plain);
    REQUIRE(ev);
    CHECK(ev->kind == link_event_kind::established);

    // accept() input checks.
    bytes not_req = req.at(0);
    not_req[0] = 0x00;
    CHECK(link_t::accept(f.server, *wire::decode_packet(not_req), f.rng_b, at(0)).error() == error::invalid_argument);
    bytes short_req(req.at(0).begin(), req.at(0).end() - 1);
    CHECK(link_t::accept(f.server, *wire::decode_packet(short_req), f.rng_b, at(0)).error() == error::invalid_length);
    bytes zero_key = req.at(0);
    std::fill(zero_key.begin() + 19, zero_key.begin() + 51, 0);
    CHECK(link_t::accept(f.server, *wire::decode_packet(zero_key), f.rng_b, at(0)).error() == error::weak_key);
}

TEST_CASE("link: timeouts, keepalives and close") {
    SUBCASE("establishment timeout on both sides") {
        pair_fixture f;
        f.a.emplace(link_t::initiate(f.server.public_id(), f.dest, f.rng_a, at(0), f.config));
        const auto req = drain(*f.a, at(0));
        auto b = link_t::accept(f.server, *wire::decode_packet(req.at(0)), f.rng_b, at(0), f.config);
        REQUIRE(b);
        CHECK(f.a->next_deadline() == at(30'000));
        CHECK(drain(*f.a, at(29'999)).empty());
        CHECK(f.a->state() == link_state::pending);
        CHECK(drain(*f.a, at(30'000)).empty());
        CHECK(f.a->state() == link_state::closed);
        CHECK(f.a->reason() == nexus::close_reason::establishment_timeout);
        CHECK(f.a->next_deadline() == timestamp::max());
        (void)drain(*b, at(0));  // proof
        CHECK(drain(*b, at(30'000)).empty());
        CHECK(b->reason() == nexus::close_reason::establishment_timeout);
    }
    SUBCASE("keepalive keeps an idle link up; silence closes it") {
        pair_fixture f;
        f.open(at(0));
        CHECK(f.a->next_deadline() == at(40 + 120'000));
        CHECK(drain(*f.a, at(100'000)).empty());
        auto ka = drain(*f.a, at(120'040));
        REQUIRE(ka.size() == 1);
        CHECK(ka[0][18] == wire::context::keepalive);
        auto ev = deliver(*f.b, ka[0], at(120'050), f.plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::none);
        auto resp = drain(*f.b, at(120'050));
        REQUIRE(resp.size() == 1);
        CHECK(deliver(*f.a, resp[0], at(120'060), f.plain));
        // The responder never probes; with the initiator silent it closes after 360 s.
        CHECK(drain(*f.b, at(120'050 + 359'000)).empty());
        auto closing = drain(*f.b, at(120'050 + 360'000));
        CHECK(f.b->state() == link_state::closed);
        CHECK(f.b->reason() == nexus::close_reason::inactivity);
        REQUIRE(closing.size() == 1);  // it tells the peer
        ev = deliver(*f.a, closing[0], at(480'100), f.plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::closed);
        CHECK(f.a->reason() == nexus::close_reason::remote);
    }
    SUBCASE("local close") {
        pair_fixture f;
        f.open();
        const bytes in_flight = f.send(*f.b, text("late"), at(2000));
        f.a->close();
        CHECK(f.a->state() == link_state::closed);
        CHECK(f.a->reason() == nexus::close_reason::local);
        std::array<std::uint8_t, wire::mtu> buf{};
        CHECK(f.a->send(text("x"), at(2000), buf).error() == error::bad_state);
        CHECK(deliver(*f.a, in_flight, at(2000), f.plain).error() == error::bad_state);
        auto out = drain(*f.a, at(2000));
        REQUIRE(out.size() == 1);
        CHECK(out[0][18] == wire::context::link_close);
        auto ev = deliver(*f.b, out[0], at(2001), f.plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::closed);
        CHECK(f.b->state() == link_state::closed);
        CHECK(drain(*f.b, at(2002)).empty());
        f.a->close();  // idempotent
        CHECK(drain(*f.a, at(2003)).empty());
    }
}

TEST_CASE("link: key rotation by time, by volume, on request and when both offer at once") {
    SUBCASE("explicit rotation, packets in flight under the old key still open") {
        pair_fixture f;
        f.open();
        REQUIRE(f.b->rotate());
        auto offer = drain(*f.b, at(2000));
        REQUIRE(offer.size() == 1);
        CHECK(offer[0][18] == nexus::context_link_rotate);
        const bytes old_from_a = f.send(*f.a, text("old epoch"), at(2000));
        REQUIRE(deliver(*f.a, offer[0], at(2001), f.plain));
        auto answer = drain(*f.a, at(2001));  // the answer, under epoch 0
        REQUIRE(answer.size() == 1);
        CHECK(f.a->epoch() == 0);  // the answerer waits for the offerer's first new-epoch packet
        const bytes still_old = f.send(*f.a, text("still epoch 0"), at(2001));
        CHECK(still_old[19] == 0);
        auto ev = deliver(*f.b, answer[0], at(2003), f.plain);
        REQUIRE(ev);
        CHECK(ev->kind == link_event_kind::rotated);
        CHECK(f.b->epoch() == 1);
        // The offerer switched: its packets are epoch 1 with the counter back at zero.
        const bytes new_from_b = f.send(*f.b, text("new epoch"), at(2004));
        CHECK(new_from_b[19] == 1);
        CHECK(std::all_of(new_from_b.begin() + 20, new_from_b.begin() + 28, [](auto v) { return v == 0; }));
        ev = deliver(*f.a, new_from_b, at(2005), f.plain);
        REQUIRE(ev);
        CHECK(std::string(ev->data.begin(), ev->data.end()) == "new epoch");
        CHECK(f.a->epoch() == 1);
        // Packets sent under the old keys still open (previous epoch kept), once.
        for (const auto* pkt : {&old_from_a, &still_old}) {
            ev = deliver(*f.b, *pkt, at(2006), f.plain);
            REQUIRE(ev);
            CHECK(ev->kind == link_event_kind::data);
            CHECK(deliver(*f.b, *pkt, at(2006), f.plain).error() == error::replayed);
        }
        // The confirmation (epoch 1) is accepted and changes nothing more.
        auto confirm = drain(*f.b, at(2007));
        REQUIRE(confirm.size() == 1);
        CHECK(confirm[0][19] == 1);
        REQUIRE(deliver(*f.a, confirm[0], at(2007), f.plain));
        CHECK(f.a->epoch() == 1);
        f.roundtrip(*f.b, *f.a, text("after"), at(2008));
        f.roundtrip(*f.a, *f.b, text("after"), at(2008));
        CHECK(f.a->stats().rotations == 1);
        CHECK(f.b->stats().rotations == 1);
        // The answer again: a replay.
        CHECK(deliver(*f.b, answer[0], at(2009), f.plain).error() == error::replayed);
    }
    SUBCASE("a lost answer: the offer times out, a new offer succeeds, the stale answer is ignored") {
        pair_fixture f;
        f.open(at(0));
        REQUIRE(f.b->rotate());
        auto offer1 = drain(*f.b, at(1000));
        REQUIRE(deliver(*f.a, offer1.at(0), at(1001), f.plain));
        const auto lost = drain(*f.a, at(1001)).at(0);  // never delivered (for now)
        // Both keep working in epoch 0 meanwhile.
        f.roundtrip(*f.a, *f.b, text("x"), at(2000));
        f.roundtrip(*f.b, *f.a, text("y"), at(2000));
        // 30 s later the unanswered offer has expired; b offers again (explicitly here; a timed
        // or volume rotation would re-offer by itself).
        CHECK(drain(*f.b, at(31'000)).empty());
        REQUIRE(f.b->rotate());
        auto offer2 = drain(*f.b, at(31'001));
        REQUIRE(offer2.size() == 1);
        REQUIRE(deliver(*f.a, offer2[0], at(31'002), f.plain));
        auto answer2 = drain(*f.a, at(31'002));
        REQUIRE(answer2.size() == 1);
        // The stale answer to the first offer arrives late: refused, no key change.
        CHECK(deliver(*f.b, lost, at(31'003), f.plain).error() == error::bad_state);
        CHECK(f.b->epoch() == 0);
        REQUIRE(deliver(*f.b, answer2[0], at(31'004), f.plain));
        CHECK(f.b->epoch() == 1);
        for (auto& p : drain(*f.b, at(31'005))) REQUIRE(deliver(*f.a, p, at(31'005), f.plain));
        CHECK(f.a->epoch() == 1);
        f.roundtrip(*f.a, *f.b, text("agreed"), at(31'006));
        f.roundtrip(*f.b, *f.a, text("agreed"), at(31'006));
    }
    SUBCASE("after an hour, and after max(1 MB, bandwidth x 60 s)") {
        pair_fixture f;
        f.config.bandwidth_bps = 400'000;  // 3 MB per minute
        CHECK(f.config.rotate_bytes() == 3'000'000);
        f.open(at(0));
        std::int64_t t = 100;
        auto pump = [&](std::int64_t now) {
            for (auto& p : drain(*f.a, at(now))) REQUIRE(deliver(*f.b, p, at(now), f.plain));
            for (auto& p : drain(*f.b, at(now))) REQUIRE(deliver(*f.a, p, at(now), f.plain));
            for (auto& p : drain(*f.a, at(now))) REQUIRE(deliver(*f.b, p, at(now), f.plain));
        };
        std::uint64_t sent = 0;
        while (f.a->epoch() == 0) {
            f.roundtrip(*f.a, *f.b, bytes(nexus::link_mdu, 1), at(t));
            sent += nexus::link_mdu;
            pump(t);
            REQUIRE(sent < 3'000'000 + 2 * nexus::link_mdu);
        }
        CHECK(sent >= 3'000'000);
        CHECK(f.b->epoch() == 1);
        f.roundtrip(*f.b, *f.a, text("x"), at(t));
        // Time: one hour after the epoch started, the next offer goes out by itself (the
        // keepalives in between keep the idle link from timing out).
        CHECK(f.a->next_deadline() <= at(t + 3'600'000));
        for (std::int64_t now = t + 100'000; now < t + 3'600'000; now += 100'000) {
            pump(now);
            CHECK(f.a->epoch() == 1);
        }
        pump(t + 3'600'000);
        CHECK(f.a->epoch() == 2);
        CHECK(f.b->epoch() == 2);
        f.roundtrip(*f.a, *f.b, text("y"), at(t + 3'600'001));
    }
    SUBCASE("simultaneous offers: the initiator's wins") {
        pair_fixture f;
        f.open();
        REQUIRE(f.a->rotate());
        REQUIRE(f.b->rotate());
        auto offer_a = drain(*f.a, at(2000));
        auto offer_b = drain(*f.b, at(2000));
        REQUIRE(offer_a.size() == 1);
        REQUIRE(offer_b.size() == 1);
        auto ev = deliver(*f.a, offer_b[0], at(2001), f.plain);  // ignored: ours wins
        REQUIRE(ev);
        CHECK(drain(*f.a, at(2001)).empty());
        REQUIRE(deliver(*f.b, offer_a[0], at(2001), f.plain));  // b drops its offer, answers
        auto answer = drain(*f.b, at(2001));
        REQUIRE(answer.size() == 1);
        REQUIRE(deliver(*f.a, answer[0], at(2002), f.plain));
        CHECK(f.a->epoch() == 1);
        CHECK(f.b->epoch() == 0);
        for (auto& p : drain(*f.a, at(2002))) REQUIRE(deliver(*f.b, p, at(2002), f.plain));  // confirmation
        CHECK(f.b->epoch() == 1);
        f.roundtrip(*f.a, *f.b, text("agreed"), at(2003));
        f.roundtrip(*f.b, *f.a, text("agreed"), at(2003));
    }
}

TEST_CASE("link: identification of the initiator") {
    pair_fixture f;
    f.config.require_identify = true;
    f.open();
    CHECK_FALSE(f.b->identified());
    CHECK(f.b->remote_identity().error() == error::not_found);
    // Data before identification is refused and counted; it does not burn the counter.
    const bytes early = f.send(*f.a, text("who am i"), at(2000));
    CHECK(deliver(*f.b, early, at(2000), f.plain).error() == error::auth_failed);
    CHECK(f.b->stats().rejected_unidentified == 1);
    // A forged identification: client_id's public key with a signature by another key. Made by
    // hand with the spec's key, so it authenticates as a link packet and only the identify
    // signature check can catch it.
    nexus::seeded_random r(5);
    const auto impostor = nexus::node_identity::generate(r);
    bytes signed_part(f.a->id().begin(), f.a->id().end());
    signed_part.insert(signed_part.end(), f.client_id.public_key().begin(), f.client_id.public_key().end());
    const auto bad_sig = impostor.sign(signed_part);
    bytes forged(f.client_id.public_key().begin(), f.client_id.public_key().end());
    forged.insert(forged.end(), bad_sig.begin(), bad_sig.end());
    const auto key = expected_i2r_key();
    CHECK(deliver(*f.b, seal_by_hand(key, f.a->id(), wire::context::link_identify, 0, 50, forged), at(2001), f.plain)
              .error() == error::auth_failed);
    CHECK(f.b->stats().rejected_auth == 1);
    CHECK_FALSE(f.b->identified());
    // Wrong size of identify payload.
    CHECK(deliver(*f.b, seal_by_hand(key, f.a->id(), wire::context::link_identify, 0, 51, bytes(64)), at(2001), f.plain)
              .error() == error::invalid_length);
    // The real one.
    REQUIRE(f.a->identify(f.client_id));
    auto pkt = drain(*f.a, at(2001));
    REQUIRE(pkt.size() == 1);
    CHECK(deliver(*f.b, pkt[0], at(2001), f.plain).value().kind == link_event_kind::identified);
    CHECK(f.b->remote_identity().value().public_key() == f.client_id.public_key());
    // Now data flows; a second identify with a different key is refused.
    CHECK(deliver(*f.b, early, at(2002), f.plain));
    REQUIRE(f.a->identify(impostor));
    std::array<std::uint8_t, wire::mtu> buf{};
    CHECK(f.a->send(text("x"), at(2003), buf).error() == error::bad_state);  // identify queued
    auto second = drain(*f.a, at(2003));
    REQUIRE(second.size() == 1);
    CHECK(deliver(*f.b, second[0], at(2003), f.plain).error() == error::bad_state);
    CHECK(f.b->identify(f.server).error() == error::bad_state);  // only initiators identify

    // A responder that requires identification closes the link when none comes in time.
    pair_fixture g;
    g.config.require_identify = true;
    g.open(at(0));
    CHECK(drain(*g.b, at(29'000)).empty());
    auto closing = drain(*g.b, at(30'060));
    CHECK(g.b->state() == link_state::closed);
    CHECK(g.b->reason() == nexus::close_reason::unidentified);
    REQUIRE(closing.size() == 1);
}

TEST_CASE("link: a tampered identify packet is rejected, the original then accepted") {
    pair_fixture f;
    f.config.require_identify = true;
    f.open();
    REQUIRE(f.a->identify(f.client_id));
    auto pkt = drain(*f.a, at(2000));
    REQUIRE(pkt.size() == 1);
    // An on-path change of the (encrypted) identify packet fails authentication.
    bytes tampered = pkt[0];
    tampered[30] ^= 1;
    CHECK(deliver(*f.b, tampered, at(2000), f.plain).error() == error::auth_failed);
    CHECK_FALSE(f.b->identified());
    CHECK(deliver(*f.b, pkt[0], at(2000), f.plain).value().kind == link_event_kind::identified);
    CHECK(f.b->remote_identity().value().public_key() == f.client_id.public_key());
}

TEST_CASE("link: every state and close reason has its own name") {
    // The names the bindings and nexus-node print (Python, WASM and the CLI compare against them).
    const std::array<std::pair<nexus::close_reason, std::string_view>, 6> reasons = {{
        {nexus::close_reason::none, "none"},
        {nexus::close_reason::local, "local"},
        {nexus::close_reason::remote, "remote"},
        {nexus::close_reason::inactivity, "inactivity"},
        {nexus::close_reason::establishment_timeout, "establishment_timeout"},
        {nexus::close_reason::unidentified, "unidentified"},
    }};
    for (const auto& [r, name] : reasons) CHECK(nexus::to_string(r) == name);
    CHECK(nexus::to_string(static_cast<nexus::close_reason>(200)) == "unknown");
    const std::set<std::string_view> states = {nexus::to_string(link_state::pending), nexus::to_string(link_state::handshake),
                                               nexus::to_string(link_state::active), nexus::to_string(link_state::closed)};
    CHECK(states.size() == 4);
    CHECK(states.count("unknown") == 0);
}
