// Tests of the node's reliable delivery (node/links.hpp, send_reliable): three nodes in memory,
// A -- C -- B with C a transport node, and a cable that loses link data at a seeded rate. Checked
// against what the channel promises (link/channel.hpp): every message the sender was told it
// queued reaches the peer's application exactly once and in the order sent, each is confirmed to
// the sender exactly once by link_delivered, a message the peer never acknowledges closes the
// link with delivery_failed, and the plain send() cannot forge channel traffic.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/node.hpp"
#include "support/diff.hpp"

namespace {

using nexus::error;
using nexus::node_event_kind;
using nexus::timestamp;
using bytes = std::vector<std::uint8_t>;
namespace wire = nexus::wire;
using P = nexus::nexus_profile;

timestamp at(std::int64_t ms) { return timestamp::from_ms(static_cast<std::uint64_t>(ms)); }

struct received {
    std::uint16_t sequence;
    std::uint8_t context;
    bytes data;
    friend bool operator==(const received&, const received&) = default;
};

// What one end's application saw.
struct app {
    std::vector<received> reliable;        // link_data with reliable set
    std::vector<bytes> plain;              // link_data without
    std::vector<std::uint16_t> delivered;  // link_delivered sequences
    std::vector<nexus::node_event> events;  // every event (data not kept)
};

template <nexus::node_capacities C>
struct line {
    using node_t = nexus::node<P, nexus::seeded_random, C>;
    nexus::seeded_random ra{11}, rb{12}, rc{13};
    node_t a{nexus::node_identity::generate(ra), ra};
    node_t b{nexus::node_identity::generate(rb), rb};
    node_t c{nexus::node_identity::generate(rc), rc, nexus::node_config{.transport = true}};
    app app_a, app_b;
    nexus::test::rng dice{99};
    unsigned loss_percent = 0;  // of link-data frames, on every hop
    bool hold_b = false;        // B's application does not poll
    bool channel_only = false;  // lose only the reliable channel's frames (keepalives pass)
    std::size_t lost = 0;
    std::size_t refused_b = 0;  // frames B refused for want of event room
    nexus::truncated_hash dest_b{};

    line() {
        (void)a.add_interface();
        (void)b.add_interface();
        (void)c.add_interface();
        (void)c.add_interface();
        dest_b = b.add_destination(nexus::make_name_hash<P>("nexus.test.reliable")).value();
    }

    void drain(node_t& n, timestamp now) {
        if (&n == &b && hold_b) return;
        app& to = &n == &a ? app_a : app_b;
        for (;;) {
            auto ev = n.poll(now);
            if (ev.kind == node_event_kind::none) return;
            if (ev.kind == node_event_kind::link_data && ev.reliable)
                to.reliable.push_back({ev.sequence, ev.context, bytes(ev.data.begin(), ev.data.end())});
            if (ev.kind == node_event_kind::link_data && !ev.reliable) to.plain.emplace_back(ev.data.begin(), ev.data.end());
            if (ev.kind == node_event_kind::link_delivered) to.delivered.push_back(ev.sequence);
            ev.data = {};
            to.events.push_back(ev);
        }
    }

    void deliver(node_t& n, nexus::interface_id iface, const bytes& frame, timestamp now) {
        bool link_data = (frame[0] & 0x0F) == 0x0C;  // DATA to a link (HEADER_1: context at 18)
        if (channel_only) link_data = link_data && frame[18] == wire::context::channel;
        if (link_data && dice.below(100) < loss_percent) {
            ++lost;
            return;
        }
        auto r = n.receive(iface, frame, now);  // a refusal (full) is a loss the channel repairs
        if (!r && r.error() == error::full && &n == &b) ++refused_b;
        drain(n, now);
    }

    // Moves frames until nothing is queued at `now`.
    void run(timestamp now) {
        for (int round = 0; round < 100000; ++round) {
            bool moved = false;
            for (node_t* n : {&a, &c, &b}) {
                drain(*n, now);
                std::array<std::uint8_t, wire::mtu> buf{};
                auto o = n->pop_outgoing(now, buf);
                REQUIRE(o);
                if (o->size == 0) continue;
                moved = true;
                const bytes f(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
                if (n == &a) deliver(c, 0, f, now);
                if (n == &b) deliver(c, 1, f, now);
                if (n == &c) {
                    const bool to_a = o->iface == nexus::all_interfaces ? o->except != 0 : o->iface == 0;
                    const bool to_b = o->iface == nexus::all_interfaces ? o->except != 1 : o->iface == 1;
                    if (to_a) deliver(a, 0, f, now);
                    if (to_b) deliver(b, 0, f, now);
                }
            }
            if (!moved) return;
        }
        FAIL("the line did not go quiet");
    }

    nexus::truncated_hash connect() {
        REQUIRE(b.announce(dest_b, at(0)));
        run(at(0));
        auto id = a.open_link(dest_b, at(10));
        REQUIRE(id);
        run(at(10));
        REQUIRE(a.link_status(*id).value() == nexus::link_state::active);
        REQUIRE(b.link_status(*id).value() == nexus::link_state::active);
        return *id;
    }
};

bytes message(nexus::test::rng& r, int i) {
    bytes m(1 + r.below(nexus::channel_mdu));
    r.fill(m);
    m[0] = static_cast<std::uint8_t>(i);
    return m;
}

}  // namespace

TEST_CASE("node reliable: 20 % loss per hop, both ways at once: each message once, in order, confirmed once") {
    line<nexus::presets::pi_bridge> m;
    const auto id = m.connect();
    m.loss_percent = 20;
    nexus::test::rng r(5);
    constexpr int total = 200;
    std::vector<received> sent_ab, sent_ba;
    std::int64_t t = 1000;
    while ((sent_ab.size() < total || sent_ba.size() < total || m.app_a.delivered.size() < total ||
            m.app_b.delivered.size() < total) &&
           t < 1'000'000) {
        // Queue as much as the windows take; a full window is the only refusal.
        for (auto [from, out] : {std::pair{&m.a, &sent_ab}, std::pair{&m.b, &sent_ba}}) {
            while (out->size() < total) {
                const int i = static_cast<int>(out->size());
                bytes msg = message(r, i);
                const auto ctx = static_cast<std::uint8_t>(0x40 + i % 8);
                auto seq = from->send_reliable(id, msg, at(t), ctx);
                if (!seq) {
                    REQUIRE(seq.error() == error::full);
                    break;
                }
                CHECK(*seq == i);
                out->push_back({*seq, ctx, msg});
            }
        }
        m.run(at(t));
        t += 50;
    }
    CHECK(m.lost > 20);
    CHECK(m.app_b.reliable == sent_ab);
    CHECK(m.app_a.reliable == sent_ba);
    std::vector<std::uint16_t> all(total);
    for (int i = 0; i < total; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(i);
    auto sorted = [](std::vector<std::uint16_t> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(sorted(m.app_a.delivered) == all);  // each exactly once
    CHECK(sorted(m.app_b.delivered) == all);
    CHECK(m.app_a.plain.empty());
    CHECK(m.app_b.plain.empty());
    const auto* ch = m.a.find_channel(id);
    REQUIRE(ch != nullptr);
    CHECK(ch->stats().retransmissions > 0);
    CHECK(m.a.link_status(id).value() == nexus::link_state::active);
    CHECK(m.b.link_status(id).value() == nexus::link_state::active);

    // A closes once everything is confirmed: B hears the close after the last message.
    m.loss_percent = 0;
    REQUIRE(m.a.close(id));
    m.run(at(t));
    REQUIRE_FALSE(m.app_b.events.empty());
    CHECK(m.app_b.events.back().kind == node_event_kind::link_closed);
    CHECK(m.app_b.events.back().reason == nexus::close_reason::remote);
}

TEST_CASE("node reliable: a peer whose event queue is full refuses; the messages come later, once, in order") {
    constexpr nexus::node_capacities caps = [] {
        auto c = nexus::presets::pi_bridge;
        c.events = 3;
        c.channel_window = 8;
        return c;
    }();
    line<caps> m;
    const auto id = m.connect();
    m.hold_b = true;
    nexus::test::rng r(6);
    std::vector<received> sent;
    for (int i = 0; i < 8; ++i) {
        bytes msg = message(r, i);
        auto seq = m.a.send_reliable(id, msg, at(1000));
        REQUIRE(seq);
        sent.push_back({*seq, 0, msg});
    }
    CHECK(m.a.send_reliable(id, bytes{1}, at(1000)).error() == error::full);  // the window is taken
    std::int64_t t = 1000;
    for (; t < 5000; t += 100) m.run(at(t));
    CHECK(m.refused_b > 0);  // B refused link packets while its queue was full
    m.hold_b = false;
    for (; t < 120'000 && m.app_a.delivered.size() < 8; t += 100) m.run(at(t));
    CHECK(m.app_b.reliable == sent);
    CHECK(m.app_a.delivered.size() == 8);
    CHECK(m.a.link_status(id).value() == nexus::link_state::active);
}

TEST_CASE("node reliable: a message the peer never acknowledges closes the link with delivery_failed") {
    line<nexus::presets::pi_bridge> m;
    const auto id = m.connect();
    // Every channel frame is lost: the message's 20 repeats (RTO 1 s -- no RTT measured on a
    // wire without delay -- doubling up to 8 s: 1 + 2 + 4 + 18 x 8 = 151 s) go unanswered.
    m.loss_percent = 100;
    m.channel_only = true;
    REQUIRE(m.a.send_reliable(id, bytes{1, 2, 3}, at(1000)));
    std::int64_t t = 1000;
    bool closed = false;
    for (; t < 600'000 && !closed; t += 250) {
        m.run(at(t));
        for (const auto& ev : m.app_a.events)
            closed = closed || ev.kind == node_event_kind::link_closed;
    }
    REQUIRE(closed);
    CHECK(t > 1000 + 151'000);  // not before the repeats were spent
    CHECK(t <= 1000 + 151'000 + 500);
    CHECK(m.app_a.events.back().kind == node_event_kind::link_closed);
    CHECK(m.app_a.events.back().reason == nexus::close_reason::delivery_failed);
    CHECK(m.app_a.delivered.empty());
    CHECK(m.a.link_status(id).error() == error::not_found);
}

TEST_CASE("node reliable: errors") {
    line<nexus::presets::pi_bridge> m;
    REQUIRE(m.b.announce(m.dest_b, at(0)));
    m.run(at(0));
    CHECK(m.a.send_reliable(nexus::truncated_hash{}, bytes{1}, at(0)).error() == error::not_found);
    auto id = m.a.open_link(m.dest_b, at(10));
    REQUIRE(id);
    CHECK(m.a.send_reliable(*id, bytes{1}, at(10)).error() == error::bad_state);  // not active yet
    m.run(at(10));
    REQUIRE(m.a.link_status(*id).value() == nexus::link_state::active);
    CHECK(m.a.send_reliable(*id, bytes(nexus::channel_mdu + 1), at(20)).error() == error::invalid_length);
    CHECK(m.a.send_reliable(*id, bytes(nexus::channel_mdu), at(20)));
    // The plain send cannot write the channel's context: it would forge acknowledgements.
    CHECK(m.a.send(*id, bytes{0x02, 0, 0, 0, 0, 0, 0}, at(20), wire::context::channel).error() ==
          error::invalid_argument);
    // Empty messages are messages too.
    CHECK(m.a.send_reliable(*id, bytes{}, at(20)));
    m.run(at(20));
    REQUIRE(m.app_b.reliable.size() == 2);
    CHECK(m.app_b.reliable[1].data.empty());
    CHECK(m.app_a.delivered == std::vector<std::uint16_t>{0, 1});
    // After the close it is gone.
    REQUIRE(m.a.close(*id));
    m.run(at(30));
    CHECK(m.a.send_reliable(*id, bytes{1}, at(30)).error() == error::not_found);
}
