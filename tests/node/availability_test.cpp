// Availability of a node under cheap floods (DESIGN §3.10; the table rules in the headers of
// node/transport.hpp, node/links.hpp and node/routing.hpp). Each case replays one attack against
// nodes in memory, A -- C -- B with C a transport node and an attacker on a port of its own, and
// checks afterwards that a link set up before the attack still carries data both ways, that a new
// legitimate link comes up within the link-establishment timeout, and the bounds the headers
// promise for the table under attack. Expected numbers come from the capacities preset
// (config.hpp) and the documented defaults (node_config, link_config), not from runs of the code.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/node.hpp"

namespace {

using nexus::error;
using nexus::interface_id;
using nexus::link_state;
using nexus::node_event_kind;
using nexus::timestamp;
using nexus::truncated_hash;
namespace wire = nexus::wire;
using bytes = std::vector<std::uint8_t>;
using P = nexus::nexus_profile;
using R = nexus::seeded_random;
constexpr nexus::node_capacities caps = nexus::presets::pi_bridge;
using node_t = nexus::node<P, R, caps>;

/// Divides the announce flood, the heavy part of this file (a keypair, a signature and three
/// verifications per announce), should sanitizer or emulator runs need it: at 1 it is 3,000 fresh
/// identities, over eleven times caps.known_destinations; at 2 still over five.
constexpr std::size_t flood_divisor = 1;
constexpr std::size_t announce_flood = 3000 / flood_divisor;
static_assert(announce_flood >= 4 * caps.known_destinations,
              "the flood must overflow the known table several times");

/// Documented defaults: link_config::establishment_timeout (30 s), node_config::link_table_lifetime
/// (10 min), routing_timers::announce_interval (30 min), the path request's pending time (15 s,
/// Reticulum's PATH_REQUEST_TIMEOUT).
const nexus::node_config defaults{};
const nexus::duration establishment = defaults.link.establishment_timeout;
constexpr nexus::duration path_request_timeout = nexus::duration::seconds(15);

/// Transport quota of unproven entries per incoming interface on a node with several interfaces
/// (node/transport.hpp): half the table.
constexpr std::size_t link_quota = caps.link_table / 2;

timestamp at(std::int64_t ms) { return timestamp::from_ms(static_cast<std::uint64_t>(ms)); }

/// One node and what it told its application.
struct party {
    explicit party(std::uint64_t seed, const nexus::node_config& config) : rng(seed) {
        n = std::make_unique<node_t>(nexus::identity<P>::generate(rng), rng, config);
    }
    R rng;
    std::unique_ptr<node_t> n;
    std::vector<nexus::node_event> events;
    std::map<truncated_hash, std::vector<bytes>> data;  // link data by link id
    std::vector<error> errors;
    std::vector<bytes> heard;  // frames that reached it over a cable

    std::size_t count(node_event_kind k) const {
        return static_cast<std::size_t>(
            std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == k; }));
    }
};

/// Nodes joined by cables; a port of a node may instead lead to a sink (the attacker's end: what
/// the node sends there is recorded and goes nowhere).
class mesh {
public:
    struct port {
        int node = -1;  // -1: a sink, `iface` is its index
        interface_id iface = 0;
    };

    int add(std::uint64_t seed, const nexus::node_config& config = {}) {
        parties_.push_back(std::make_unique<party>(seed, config));
        return static_cast<int>(parties_.size() - 1);
    }
    party& who(int i) { return *parties_[static_cast<std::size_t>(i)]; }
    node_t& node(int i) { return *who(i).n; }

    void cable(port x, port y) { cables_.emplace_back(x, y); }
    port sink() {
        sinks_.emplace_back();
        return port{-1, static_cast<interface_id>(sinks_.size() - 1)};
    }
    const std::vector<bytes>& sunk(port s) const { return sinks_[s.iface]; }

    /// A frame arriving at a node's interface from outside the mesh (the attacker); the error
    /// the node gave, if any.
    std::optional<error> inject(int to, interface_id iface, std::span<const std::uint8_t> frame,
                                timestamp now) {
        auto r = node(to).receive(iface, frame, now);
        if (!r) {
            who(to).errors.push_back(r.error());
            return r.error();
        }
        drain(to, now);
        return std::nullopt;
    }

    /// Moves every queued packet along the cables until the mesh is quiet (polling timers too).
    void run(timestamp now) {
        for (int round = 0; round < 100000; ++round) {
            bool moved = false;
            for (int i = 0; i < static_cast<int>(parties_.size()); ++i) {
                drain(i, now);
                std::array<std::uint8_t, wire::mtu> buf{};
                auto o = node(i).pop_outgoing(now, buf);
                REQUIRE(o);
                if (o->size == 0) continue;
                moved = true;
                const bytes frame(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o->size));
                for (const auto& [x, y] : cables_)
                    for (const auto& [from, to] : {std::pair{x, y}, std::pair{y, x}}) {
                        if (from.node != i) continue;
                        const bool goes = o->iface == nexus::all_interfaces ? from.iface != o->except
                                                                            : from.iface == o->iface;
                        if (!goes) continue;
                        if (to.node < 0) {
                            sinks_[to.iface].push_back(frame);
                        } else {
                            who(to.node).heard.push_back(frame);
                            (void)inject(to.node, to.iface, frame, now);
                        }
                    }
            }
            if (!moved) return;
        }
        FAIL("mesh did not go quiet");
    }

    /// Runs the mesh from `from` to `to` in steps (timers: keepalives, expiries, releases).
    void run_until(timestamp from, timestamp to, nexus::duration step) {
        for (timestamp t = from; t <= to; t = t + step) run(t);
    }

private:
    void drain(int i, timestamp now) {
        party& p = who(i);
        for (;;) {
            const auto ev = p.n->poll(now);
            if (ev.kind == node_event_kind::none) break;
            if (ev.kind == node_event_kind::link_data)
                p.data[ev.id].emplace_back(ev.data.begin(), ev.data.end());
            p.events.push_back(ev);
        }
    }

    std::vector<std::unique_ptr<party>> parties_;
    std::vector<std::pair<port, port>> cables_;
    std::vector<std::vector<bytes>> sinks_;
};

/// A -- C -- B, C a transport node with a third port to an attacker (a sink). B owns dest_b and
/// dest_d (accepting links) and dest_x (refusing them); all three are announced and known
/// everywhere. A link from A to dest_b is up before the attack.
struct bridge {
    mesh m;
    int a = m.add(1);
    int c = m.add(3, nexus::node_config{.transport = true});
    int b = m.add(2);
    interface_id a0 = m.node(a).add_interface().value();
    interface_id c0 = m.node(c).add_interface().value();
    interface_id c1 = m.node(c).add_interface().value();
    interface_id c2 = m.node(c).add_interface().value();
    interface_id b0 = m.node(b).add_interface().value();
    mesh::port attacker = m.sink();
    truncated_hash dest_b = m.node(b).add_destination(nexus::make_name_hash<P>("nexus.avail.b")).value();
    truncated_hash dest_x =
        m.node(b).add_destination(nexus::make_name_hash<P>("nexus.avail.x"), false).value();
    truncated_hash dest_d = m.node(b).add_destination(nexus::make_name_hash<P>("nexus.avail.d")).value();
    truncated_hash first{};  // the link up before the attack
    timestamp now = at(0);

    bridge() {
        m.cable({a, a0}, {c, c0});
        m.cable({c, c1}, {b, b0});
        m.cable({c, c2}, attacker);
        REQUIRE(m.node(b).announce(dest_b, now));
        REQUIRE(m.node(b).announce(dest_x, now));
        REQUIRE(m.node(b).announce(dest_d, now));
        m.run(now);
        REQUIRE(m.node(a).known(dest_b) != nullptr);
        REQUIRE(m.node(c).known(dest_x) != nullptr);
        REQUIRE(m.node(c).route(dest_x, now) != nullptr);
        auto id = open_and_wait(dest_b);
        REQUIRE(id);
        first = *id;
        REQUIRE(exchange(first));
    }

    /// Opens a link from A to `dest` now and runs the mesh in 100 ms steps; the link id when both
    /// ends are active within the link-establishment timeout, else nullopt. `now` moves on.
    std::optional<truncated_hash> open_and_wait(const truncated_hash& dest) {
        auto id = m.node(a).open_link(dest, now);
        if (!id) return std::nullopt;
        const timestamp deadline = now + establishment;
        for (; now < deadline; now = now + nexus::duration::milliseconds(100)) {
            m.run(now);
            auto sa = m.node(a).link_status(*id);
            auto sb = m.node(b).link_status(*id);
            if (sa && sb && *sa == link_state::active && *sb == link_state::active) return *id;
        }
        return std::nullopt;
    }

    /// Sends one fresh message each way on `link` and checks that exactly it arrived.
    bool exchange(const truncated_hash& link) {
        static std::uint8_t serial = 0;
        const bytes ab{0xAB, ++serial, 1, 2, 3};
        const bytes ba{0xBA, serial, 4, 5};
        if (!m.node(a).send(link, ab, now) || !m.node(b).send(link, ba, now)) return false;
        m.run(now);
        const auto& got_b = m.who(b).data[link];
        const auto& got_a = m.who(a).data[link];
        return !got_b.empty() && got_b.back() == ab && !got_a.empty() && got_a.back() == ba;
    }
};

/// A well-formed LINKREQUEST with 64 random data bytes, HEADER_2 to `dest` via `transport` (or
/// HEADER_1 with `hops` when `transport` is zero).
bytes bogus_request(R& rng, const truncated_hash& dest, const truncated_hash& transport,
                    std::uint8_t hops = 0) {
    wire::packet_header h;
    h.flags.type = wire::packet_type::link_request;
    h.flags.destination = wire::destination_type::single;
    if (transport != truncated_hash{}) {
        h.flags.header = wire::header_type::header_2;
        h.flags.transport = wire::transport_type::transport;
        h.transport_id = transport;
    }
    h.hops = hops;
    h.destination = dest;
    std::array<std::uint8_t, nexus::link_request_data_size> data{};
    rng.fill(data);
    std::array<std::uint8_t, wire::mtu> out{};
    const auto n = wire::encode_packet(h, data, out).value();
    return bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
}

/// The link id a request makes: Reticulum's truncated packet hash of it (flags & 0x0F, destination,
/// context, data; a request with 64 data bytes has nothing else to leave out).
truncated_hash link_id_of(const bytes& request) { return wire::truncated_packet_hash<P>(request).value(); }

}  // namespace

TEST_CASE("availability: bogus link requests through a transport node do not lock its link table") {
    bridge t;
    node_t& c = t.m.node(t.c);
    REQUIRE(c.link_table_size() == 1);
    REQUIRE(c.link_table_entry(t.first) != nullptr);
    REQUIRE(c.link_table_entry(t.first)->proven);
    R evil(99);
    const auto stats0 = c.stats();

    // More than two quotas of requests with random keys, from the attacker's port, for dest_x (a
    // destination C knows, whose node refuses links: no proof ever comes back), 10 ms apart: all
    // well inside the establishment timeout, so none expires during the flood.
    const std::size_t flood = 2 * link_quota + 8;
    REQUIRE(flood >= 70);
    std::vector<truncated_hash> ids;
    for (std::size_t i = 0; i < flood; ++i) {
        const bytes req = bogus_request(evil, t.dest_x, c.self().hash());
        ids.push_back(link_id_of(req));
        CHECK_FALSE(t.m.inject(t.c, t.c2, req, t.now).has_value());
        t.m.run(t.now);
        t.now = t.now + nexus::duration::milliseconds(10);
        CHECK(c.link_table_size() <= caps.link_table);
        std::size_t unproven = 0;
        for (const auto& id : ids) {
            const auto* e = c.link_table_entry(id);
            unproven += e != nullptr && !e->proven && e->toward_initiator == t.c2 ? 1 : 0;
        }
        CHECK(unproven <= link_quota);
    }
    // Over the quota the oldest unproven entry of the flooded interface went for each new one.
    CHECK(c.stats().link_table_evicted - stats0.link_table_evicted == flood - link_quota);
    CHECK(c.stats().link_table_refused == stats0.link_table_refused);
    for (std::size_t i = 0; i < flood; ++i)
        CHECK((c.link_table_entry(ids[i]) != nullptr) == (i >= flood - link_quota));
    CHECK(c.link_table_size() == 1 + link_quota);
    // The proven entry of the link set up before is untouched, and that link still works.
    REQUIRE(c.link_table_entry(t.first) != nullptr);
    CHECK(c.link_table_entry(t.first)->proven);
    CHECK(t.exchange(t.first));
    // A forged proof for the newest bogus entry does not prove it: from the attacker's side it
    // comes the wrong way, from B's side its signature fails.
    {
        wire::packet_header h;
        h.flags.type = wire::packet_type::proof;
        h.flags.destination = wire::destination_type::link;
        h.destination = ids.back();
        h.context = wire::context::link_request_proof;
        std::array<std::uint8_t, nexus::link_proof_data_size> data{};
        evil.fill(data);
        std::array<std::uint8_t, wire::mtu> out{};
        const auto n = wire::encode_packet(h, data, out).value();
        const std::span<const std::uint8_t> proof(out.data(), n);
        CHECK(t.m.inject(t.c, t.c2, proof, t.now) == error::invalid_argument);
        CHECK(t.m.inject(t.c, t.c1, proof, t.now) == error::auth_failed);
        REQUIRE(c.link_table_entry(ids.back()) != nullptr);
        CHECK_FALSE(c.link_table_entry(ids.back())->proven);
    }
    // A replayed request is a duplicate, not a new entry.
    const bytes again = bogus_request(evil, t.dest_x, c.self().hash());
    CHECK_FALSE(t.m.inject(t.c, t.c2, again, t.now).has_value());
    CHECK(t.m.inject(t.c, t.c2, again, t.now) == error::replayed);

    // A new link from A (another interface) comes up while the flood's entries still stand.
    const auto second = t.open_and_wait(t.dest_b);
    REQUIRE(second);
    CHECK(c.link_table_entry(*second) != nullptr);
    CHECK(c.link_table_entry(*second)->proven);
    CHECK(t.exchange(*second));

    // The same flood arriving on A's side too (the legitimate users' interface) fills the table
    // with unproven entries; a request from A still finds room (the oldest unproven of A's
    // interface goes) and its link comes up.
    for (std::size_t i = 0; i < flood; ++i) {
        (void)t.m.inject(t.c, t.c0, bogus_request(evil, t.dest_x, c.self().hash()), t.now);
        (void)t.m.inject(t.c, t.c2, bogus_request(evil, t.dest_x, c.self().hash()), t.now);
        t.m.run(t.now);
        CHECK(c.link_table_size() <= caps.link_table);
    }
    CHECK(c.link_table_size() == caps.link_table);
    const auto third = t.open_and_wait(t.dest_b);
    REQUIRE(third);
    CHECK(t.exchange(*third));
    CHECK(c.stats().link_table_refused == stats0.link_table_refused);

    // Unproven entries live for the establishment timeout: afterwards only the proven ones stay.
    t.m.run_until(t.now, t.now + establishment, nexus::duration::seconds(1));
    t.now = t.now + establishment + nexus::duration::seconds(1);
    t.m.run(t.now);
    CHECK(c.link_table_size() == 3);
    for (const auto& id : {t.first, *second, *third}) {
        REQUIRE(c.link_table_entry(id) != nullptr);
        CHECK(c.link_table_entry(id)->proven);
    }
    CHECK(t.exchange(t.first));
    CHECK(t.exchange(*second));
    CHECK(t.exchange(*third));
}

TEST_CASE("availability: bogus link requests that a live destination proves do not lock the link table") {
    // The same flood for dest_b, whose node accepts every well-formed request and proves it: C
    // sees a valid proof for each bogus link, whose initiator (the attacker) then never speaks again.
    bridge t;
    node_t& c = t.m.node(t.c);
    R evil(98);
    const auto stats0 = c.stats();
    const std::size_t flood = 2 * link_quota + 8;
    std::vector<truncated_hash> ids;
    for (std::size_t i = 0; i < flood; ++i) {
        const bytes req = bogus_request(evil, t.dest_b, c.self().hash());
        ids.push_back(link_id_of(req));
        (void)t.m.inject(t.c, t.c2, req, t.now);
        t.m.run(t.now);
        t.now = t.now + nexus::duration::milliseconds(10);
        CHECK(c.link_table_size() <= caps.link_table);
    }
    std::size_t proofs = 0;
    for (const auto& f : t.m.sunk(t.attacker)) proofs += (f[0] & 0x03) == 3 ? 1 : 0;
    std::size_t proven = 0;
    for (const auto& id : ids)
        proven += c.link_table_entry(id) != nullptr && c.link_table_entry(id)->proven ? 1 : 0;
    INFO("proofs returned to the attacker: ", proofs, ", attacker entries proven: ", proven,
         ", table size: ", c.link_table_size(),
         ", evicted: ", c.stats().link_table_evicted - stats0.link_table_evicted,
         ", refused: ", c.stats().link_table_refused - stats0.link_table_refused);
    // The link set up before the attack keeps working.
    REQUIRE(c.link_table_entry(t.first) != nullptr);
    CHECK(c.link_table_entry(t.first)->proven);
    CHECK(t.exchange(t.first));
    // A new legitimate link through C comes up within the establishment timeout.
    const auto second = t.open_and_wait(t.dest_b);
    CHECK(second.has_value());
    if (second) CHECK(t.exchange(*second));
}

namespace {

/// B's incoming links that are not established: those it reported as requested whose state is
/// still handshake.
std::size_t pending_at(bridge& t) {
    std::size_t n = 0;
    for (const auto& ev : t.m.who(t.b).events) {
        if (ev.kind != node_event_kind::link_request) continue;
        auto s = t.m.node(t.b).link_status(ev.id);
        n += s && *s == link_state::handshake ? 1 : 0;
    }
    return n;
}

}  // namespace

TEST_CASE("availability: a flood of link requests to one destination leaves room for a new link") {
    bridge t;
    party& b = t.m.who(t.b);
    node_t& nb = *b.n;
    R evil(97);
    const auto stats0 = nb.stats();
    const std::size_t requested0 = b.count(node_event_kind::link_request);
    const std::size_t established0 = b.count(node_event_kind::link_established);

    // 200 requests with random keys for dest_b, arriving on B's one interface (the one its
    // legitimate users' requests come in on too) as C would forward them: HEADER_1, one hop.
    const std::size_t flood = 200;
    static_assert(200 > caps.pending_links_per_interface && 200 > caps.links);
    std::vector<truncated_hash> ids;
    for (std::size_t i = 0; i < flood; ++i) {
        const bytes req = bogus_request(evil, t.dest_b, truncated_hash{}, 1);
        ids.push_back(link_id_of(req));
        CHECK_FALSE(t.m.inject(t.b, t.b0, req, t.now).has_value());
        t.m.run(t.now);
        t.now = t.now + nexus::duration::milliseconds(5);
        CHECK(pending_at(t) <= caps.pending_links_per_interface);
    }
    // Every request was accepted as a pending link; over the bound the oldest pending went, so
    // the newest pending_links_per_interface are left.
    CHECK(b.count(node_event_kind::link_request) - requested0 == flood);
    CHECK(nb.stats().pending_links_evicted - stats0.pending_links_evicted ==
          flood - caps.pending_links_per_interface);
    std::size_t closed_pending = 0;
    for (const auto& ev : b.events)
        closed_pending +=
            ev.kind == node_event_kind::link_closed && ev.reason == nexus::close_reason::establishment_timeout
                ? 1
                : 0;
    CHECK(closed_pending == flood - caps.pending_links_per_interface);
    for (std::size_t i = 0; i < flood; ++i) {
        auto s = nb.link_status(ids[i]);
        if (i < flood - caps.pending_links_per_interface) {
            CHECK(s.error() == error::not_found);
        } else {
            CHECK(s.value() == link_state::handshake);
        }
    }
    CHECK(b.count(node_event_kind::link_established) == established0);
    // The established link was not touched and works both ways; a new link comes up.
    CHECK(nb.link_status(t.first).value() == link_state::active);
    CHECK(t.exchange(t.first));
    const auto second = t.open_and_wait(t.dest_b);
    REQUIRE(second);
    CHECK(t.exchange(*second));

    // Bit-flipped copies of the legitimate request of `second`, as B heard it, one per bit.
    bytes captured;
    for (const auto& f : b.heard)
        if ((f[0] & 0x03) == 2 && link_id_of(f) == *second) captured = f;
    REQUIRE(captured.size() == wire::header_1_size + nexus::link_request_data_size);
    const auto evicted1 = nb.stats().pending_links_evicted;
    const std::size_t established1 = b.count(node_event_kind::link_established);
    std::size_t refused_hops = 0;
    for (std::size_t bit = 0; bit < 8 * captured.size(); ++bit) {
        bytes f = captured;
        f[bit / 8] = static_cast<std::uint8_t>(f[bit / 8] ^ (1u << (bit % 8)));
        const auto err = t.m.inject(t.b, t.b0, f, t.now);
        // The hop count is not part of the packet hash (so not of the link id): those copies are
        // the established link's request again (or over the hop limit).
        if (bit / 8 == 1)
            refused_hops += err == (f[1] >= wire::max_hops ? error::out_of_range : error::replayed) ? 1 : 0;
        t.m.run(t.now);
        t.now = t.now + nexus::duration::milliseconds(5);
        CHECK(pending_at(t) <= caps.pending_links_per_interface);
    }
    CHECK(refused_hops == 8);
    // The original again is a replay too.
    CHECK(t.m.inject(t.b, t.b0, captured, t.now) == error::replayed);
    // Copies with other request bytes are new requests (the bound evicted for them); none came up.
    CHECK(nb.stats().pending_links_evicted > evicted1);
    CHECK(b.count(node_event_kind::link_established) == established1);
    CHECK(nb.link_status(t.first).value() == link_state::active);
    CHECK(nb.link_status(*second).value() == link_state::active);
    CHECK(t.exchange(t.first));
    CHECK(t.exchange(*second));
    const auto third = t.open_and_wait(t.dest_b);
    REQUIRE(third);
    CHECK(t.exchange(*third));
}

TEST_CASE("availability: a flood of fresh announces keeps protected destinations; a lost one comes back") {
    bridge t;
    node_t& na = t.m.node(t.a);
    node_t& nc = t.m.node(t.c);
    REQUIRE(na.known(t.dest_d) != nullptr);
    REQUIRE(nc.known(t.dest_d) != nullptr);
    const auto evicted_a0 = na.stats().destinations_evicted;

    // Valid announces of fresh identities on the attacker's port of C, one every 400 ms: 2.5 Hz,
    // below the ingress burst threshold of a young interface (3 Hz, Reticulum's IC_BURST_FREQ_NEW),
    // so ingress control admits every one -- the most the known destinations can be churned. C
    // relays them to A and B. A has a link up to dest_b (2 hops); C forwards that link's traffic:
    // its keepalives (every keepalive_interval, 2 min) and a message each way every 5 minutes.
    // dest_d has neither. At this rate more than a whole known table of newcomers arrives between
    // two keepalives, so least-recently-used order alone would push dest_b out at A and at C: only
    // its protection keeps it.
    constexpr std::int64_t gap_ms = 400;
    static_assert(gap_ms > 1000 / 3);
    static_assert(120'000 / gap_ms > static_cast<std::int64_t>(caps.known_destinations));
    REQUIRE(defaults.link.keepalive_interval == nexus::duration::seconds(120));
    R evil(96);
    const auto flood_name = nexus::make_name_hash<P>("nexus.avail.flood");
    std::size_t lost_b_at_a = 0, lost_b_at_c = 0, over_capacity = 0, relayed_refused = 0;
    bytes last, before_last;
    for (std::size_t i = 0; i < announce_flood; ++i) {
        const auto id = nexus::identity<P>::generate(evil);
        wire::announce_params params;
        params.name = flood_name;
        params.random = wire::make_random_hash(evil, t.now.ms() / 1000);
        std::array<std::uint8_t, wire::mtu> buf{};
        const auto n = wire::build_announce(id, params, buf).value();
        before_last = std::move(last);
        last.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        relayed_refused += t.m.inject(t.c, t.c2, last, t.now).has_value() ? 1 : 0;
        t.m.run(t.now);
        if (i % 750 == 749) CHECK(t.exchange(t.first));  // every 5 minutes
        t.now = t.now + nexus::duration::milliseconds(gap_ms);
        lost_b_at_a += na.known(t.dest_b) == nullptr || na.route(t.dest_b, t.now) == nullptr ? 1 : 0;
        lost_b_at_c += nc.known(t.dest_b) == nullptr || nc.route(t.dest_b, t.now) == nullptr ? 1 : 0;
        over_capacity +=
            na.known_count() > caps.known_destinations || nc.known_count() > caps.known_destinations;
    }
    CHECK(relayed_refused == 0);
    CHECK(over_capacity == 0);
    // The flood overflowed A's known destinations several times over...
    CHECK(na.stats().destinations_evicted - evicted_a0 >= 3 * caps.known_destinations);
    // ...but dest_b, with a link up at A and forwarded traffic at C, was never evicted;
    CHECK(lost_b_at_a == 0);
    CHECK(lost_b_at_c == 0);
    // the least recently used unprotected ones were, dest_d among them.
    CHECK(na.known(t.dest_d) == nullptr);
    CHECK(na.route(t.dest_d, t.now) == nullptr);
    // No forged or replayed announce is taken: one signature bit flipped, and the flood's last two.
    bytes forged = last;
    forged[wire::header_1_size + 32 + 32 + 10 + 10 + 5] ^= 0x01;  // in the signature
    CHECK(t.m.inject(t.c, t.c2, forged, t.now) == error::auth_failed);
    CHECK(t.m.inject(t.c, t.c2, last, t.now) == error::replayed);
    CHECK(t.m.inject(t.c, t.c2, before_last, t.now) == error::replayed);

    // The link from before the flood still works both ways; a new one to dest_b comes up.
    t.m.run(t.now);
    CHECK(na.link_status(t.first).value() == link_state::active);
    CHECK(t.exchange(t.first));
    const auto second = t.open_and_wait(t.dest_b);
    REQUIRE(second);
    CHECK(t.exchange(*second));

    // dest_d is reachable again through a path request, within its pending time -- long before
    // B's next announce of it (B does not announce on its own here; periodically it would after
    // routing_timers::announce_interval, 30 min).
    REQUIRE(path_request_timeout < defaults.timers.announce_interval);
    // C lost it too, so B, its owner, answers; C passes the request on and the answer back.
    REQUIRE(nc.known(t.dest_d) == nullptr);
    const auto answered0 = t.m.node(t.b).stats().path_requests_answered;
    const auto passed0 = nc.stats().path_requests_forwarded;
    REQUIRE(na.request_path(t.dest_d, t.now));
    const timestamp asked = t.now;
    while (na.route(t.dest_d, t.now) == nullptr && t.now < asked + path_request_timeout) {
        t.m.run(t.now);
        if (na.route(t.dest_d, t.now) != nullptr) break;
        t.now = t.now + nexus::duration::milliseconds(100);
    }
    CHECK(na.route(t.dest_d, t.now) != nullptr);
    REQUIRE(na.known(t.dest_d) != nullptr);
    CHECK(na.known(t.dest_d)->public_key == t.m.node(t.b).self().public_key());
    CHECK(t.m.node(t.b).stats().path_requests_answered == answered0 + 1);
    CHECK(nc.stats().path_requests_forwarded == passed0 + 1);
    CHECK(nc.known(t.dest_d) != nullptr);
    const auto to_d = t.open_and_wait(t.dest_d);
    REQUIRE(to_d);
    CHECK(t.exchange(*to_d));
}
