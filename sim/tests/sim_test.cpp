// Tests of the simulator (sim/include/nexus/sim): LoRa time on air against values worked out by
// hand from the SX127x formula (the working is in the comments), serialisation + latency timing
// from bitrate arithmetic, loss statistics against a binomial bound, half-duplex queuing,
// queue overflow and crashes at the medium level, the traffic classifier against the byte-0
// layout of wire/packet.hpp, topologies against brute force, determinism of whole runs, and real
// nexus nodes: a 5-node line whose end nodes learn each other's announces through three
// transport nodes, open a link end to end and exchange messages, until the middle node crashes;
// and sim/flows.hpp's flows over a lossy line, counted from the destination's own events.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "nexus/sim/flows.hpp"
#include "nexus/sim/medium.hpp"
#include "nexus/sim/mesh.hpp"
#include "nexus/sim/survey.hpp"

namespace {

namespace sim = nexus::sim;
using nexus::node_event_kind;
using bytes = std::vector<std::uint8_t>;

struct arrival {
    sim::sim_time at;
    sim::port to;
    bytes frame;
};

// A medium that records every delivery.
struct recorder {
    sim::medium net;
    std::vector<arrival> got;
    explicit recorder(std::uint64_t seed = 1) : net(seed) {
        net.on_deliver([this](sim::port to, std::span<const std::uint8_t> f, sim::link_id) {
            got.push_back({net.now_us(), to, bytes(f.begin(), f.end())});
        });
    }
};

bytes frame_of(std::size_t n, std::uint8_t first = 0x00) {
    bytes b(n, 0xAA);
    if (n > 0) b[0] = first;
    return b;
}

}  // namespace

TEST_CASE("sim: LoRa time on air matches the SX127x formula worked by hand") {
    sim::lora_params p;  // SF7, 125 kHz, CR 4/5, 8 preamble symbols, CRC on, explicit header
    // T_sym = 2^7 / 125 kHz = 1.024 ms; preamble (8 + 4.25) * 1.024 = 12.544 ms.
    // 20 bytes: ceil((160 - 28 + 28 + 16) / 28) = ceil(6.29) = 7; 7 * 5 + 8 = 43 symbols = 44.032 ms.
    CHECK(sim::lora_airtime_ms(p, 20) == doctest::Approx(56.576).epsilon(1e-9));
    CHECK(sim::lora_airtime_us(p, 20) == 56'576);

    // SF12: T_sym = 4096 / 125 kHz = 32.768 ms (> 16 ms: low data rate optimisation on);
    // preamble 12.25 * 32.768 = 401.408 ms; 51 bytes: ceil((408 - 48 + 28 + 16) / (4 * 10)) =
    // ceil(10.1) = 11; 11 * 5 + 8 = 63 symbols = 2064.384 ms; total 2465.792 ms.
    p.spreading_factor = 12;
    CHECK(sim::lora_airtime_ms(p, 51) == doctest::Approx(2465.792).epsilon(1e-9));
    // The same without the optimisation: ceil(404 / 48) = 9; 9 * 5 + 8 = 53 symbols = 1736.704 ms.
    p.low_data_rate_optimize = 0;
    CHECK(sim::lora_airtime_ms(p, 51) == doctest::Approx(401.408 + 1736.704).epsilon(1e-9));

    // SF11 / 125 kHz: T_sym = 16.384 ms, automatic DE on; 20 bytes: ceil((160 - 44 + 44) / 36) =
    // ceil(4.44) = 5; 5 * 5 + 8 = 33 symbols = 540.672 ms; preamble 200.704 ms.
    p = {};
    p.spreading_factor = 11;
    CHECK(sim::lora_airtime_ms(p, 20) == doctest::Approx(741.376).epsilon(1e-9));

    // SF9 / 125 kHz, 10 bytes: T_sym = 4.096 ms; ceil((80 - 36 + 28 + 16) / 36) = 3; 15 + 8 = 23
    // symbols = 94.208 ms; preamble 50.176 ms.
    p = {};
    p.spreading_factor = 9;
    CHECK(sim::lora_airtime_ms(p, 10) == doctest::Approx(144.384).epsilon(1e-9));

    // SF7 / 250 kHz / CR 4/8, 20 bytes: T_sym = 0.512 ms; 7 * 8 + 8 = 64 symbols = 32.768 ms;
    // preamble 6.272 ms.
    p = {};
    p.bandwidth_hz = 250'000;
    p.coding_rate = 4;
    CHECK(sim::lora_airtime_ms(p, 20) == doctest::Approx(39.04).epsilon(1e-9));

    // The max(.., 0) clamp: SF7, implicit header, no CRC, 1 byte: 8 - 28 + 28 - 20 = -12 < 0, so
    // only the 8 fixed symbols: 12.544 + 8.192 = 20.736 ms.
    p = {};
    p.implicit_header = true;
    p.crc = false;
    CHECK(sim::lora_airtime_ms(p, 1) == doctest::Approx(20.736).epsilon(1e-9));
}

TEST_CASE("sim: a frame arrives after serialisation + latency; back-to-back frames queue") {
    recorder r;
    const auto a = r.net.add_node(), b = r.net.add_node();
    sim::link_params lp;
    lp.bitrate_bps = 9600;
    lp.latency_us = 5000;
    r.net.connect({a, 0}, {b, 0}, lp);
    // 100 bytes = 800 bits at 9600 bit/s = 83,333.3 us, rounded up to 83,334 us.
    REQUIRE(r.net.send({a, 0}, frame_of(100)) == 1);
    REQUIRE(r.net.send({a, 0}, frame_of(100)) == 1);   // waits for the first
    REQUIRE(r.net.send({b, 0}, frame_of(100)) == 1);   // the other direction: independent (full duplex)
    r.net.run();
    REQUIRE(r.got.size() == 3);
    std::vector<std::pair<sim::sim_time, sim::node_id>> seen;
    for (const auto& g : r.got) seen.emplace_back(g.at, g.to.node);
    std::sort(seen.begin(), seen.end());
    CHECK(seen[0] == std::pair<sim::sim_time, sim::node_id>{88'334, a});
    CHECK(seen[1] == std::pair<sim::sim_time, sim::node_id>{88'334, b});
    CHECK(seen[2] == std::pair<sim::sim_time, sim::node_id>{2 * 83'334 + 5000, b});
    const auto& c = r.net.link_counters(0);
    CHECK(c.frames_sent == 3);
    CHECK(c.bytes_sent == 300);
    CHECK(c.frames_delivered == 3);
    CHECK(c.busy_us == 3 * 83'334);

    // A LoRa link: the time on air replaces the bitrate.
    recorder l;
    const auto x = l.net.add_node(), y = l.net.add_node();
    sim::link_params lora;
    lora.lora = true;  // SF7 / 125 kHz / 4/5
    l.net.connect({x, 0}, {y, 0}, lora);
    l.net.send({x, 0}, frame_of(20));
    l.net.run();
    REQUIRE(l.got.size() == 1);
    CHECK(l.got[0].at == 56'576);
}

TEST_CASE("sim: 10 % loss over 10,000 frames stays within a binomial bound") {
    recorder r(2024);
    const auto a = r.net.add_node(), b = r.net.add_node();
    sim::link_params lp;
    lp.bitrate_bps = 0;
    lp.loss = 0.10;
    lp.queue_limit = 20000;
    r.net.connect({a, 0}, {b, 0}, lp);
    for (int i = 0; i < 10'000; ++i) r.net.send({a, 0}, frame_of(10));
    r.net.run();
    // Lost ~ Binomial(10000, 0.1): mean 1000, sd 30. Accept +-4 sd.
    const auto lost = r.net.link_counters(0).frames_lost;
    CHECK(lost >= 880);
    CHECK(lost <= 1120);
    CHECK(r.got.size() == 10'000 - lost);
    CHECK(r.net.link_counters(0).frames_delivered + lost == 10'000);

    // 0 and 1 are exact.
    recorder z;
    z.net.add_node();
    z.net.add_node();
    lp.loss = 1.0;
    z.net.connect({0, 0}, {1, 0}, lp);
    lp.loss = 0.0;
    z.net.connect({0, 1}, {1, 1}, lp);
    for (int i = 0; i < 1000; ++i) {
        z.net.send({0, 0}, frame_of(4));
        z.net.send({0, 1}, frame_of(4));
    }
    z.net.run();
    CHECK(z.net.link_counters(0).frames_delivered == 0);
    CHECK(z.net.link_counters(1).frames_delivered == 1000);
}

TEST_CASE("sim: half duplex: a frame does not start while the channel is busy either way") {
    for (auto mode : {sim::duplex::full, sim::duplex::half}) {
        recorder r;
        const auto a = r.net.add_node(), b = r.net.add_node();
        sim::link_params lp;
        lp.bitrate_bps = 1000;  // 10 bytes = 80 ms
        lp.latency_us = 1000;
        lp.mode = mode;
        r.net.connect({a, 0}, {b, 0}, lp);
        r.net.send({a, 0}, frame_of(10));
        r.net.schedule(10'000, [&] { r.net.send({b, 0}, frame_of(10)); });
        r.net.run();
        REQUIRE(r.got.size() == 2);
        CHECK(r.got[0].to.node == b);
        CHECK(r.got[0].at == 81'000);
        CHECK(r.got[1].to.node == a);
        // Full duplex: B starts at 10 ms. Half duplex: B waits for the channel until 80 ms.
        CHECK(r.got[1].at == (mode == sim::duplex::full ? 10'000 + 80'000 + 1000 : 80'000 + 80'000 + 1000));
    }
    // A LoRa link is half duplex whatever `mode` says; frames go in FIFO order.
    recorder r;
    r.net.add_node();
    r.net.add_node();
    sim::link_params lora;
    lora.lora = true;
    lora.mode = sim::duplex::full;
    r.net.connect({0, 0}, {1, 0}, lora);
    r.net.send({0, 0}, frame_of(20, 1));
    r.net.send({1, 0}, frame_of(20, 2));
    r.net.send({0, 0}, frame_of(20, 3));
    r.net.run();
    REQUIRE(r.got.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(r.got[i].frame[0] == i + 1);
        CHECK(r.got[i].at == (i + 1) * 56'576);
    }
}

TEST_CASE("sim: queue overflow, link down and crash drop frames; join brings the links back") {
    recorder r;
    const auto a = r.net.add_node(), b = r.net.add_node();
    sim::link_params lp;
    lp.bitrate_bps = 8000;  // 10 bytes = 10 ms
    lp.queue_limit = 3;
    r.net.connect({a, 0}, {b, 0}, lp);
    std::size_t queued = 0;
    for (int i = 0; i < 6; ++i) queued += r.net.send({a, 0}, frame_of(10));
    CHECK(queued == 4);  // one transmitting + 3 waiting
    CHECK(r.net.link_counters(0).frames_dropped == 2);
    // Crash A at 15 ms: frame 2 is on air (cut off), frames 3 and 4 wait (discarded).
    r.net.schedule(15'000, [&] { r.net.crash(a); });
    r.net.run();
    CHECK(r.got.size() == 1);
    CHECK(r.net.link_counters(0).frames_dropped == 2 + 3);
    CHECK(r.net.send({a, 0}, frame_of(10)) == 0);  // a crashed node sends nothing
    CHECK(r.net.send({b, 0}, frame_of(10)) == 0);  // nor can anything reach it
    CHECK_FALSE(r.net.link_up(0));
    r.net.join(a);
    CHECK(r.net.link_up(0));
    CHECK(r.net.send({b, 0}, frame_of(10)) == 1);
    r.net.run();
    CHECK(r.got.size() == 2);
    CHECK(r.got.back().to.node == a);
    // A frame already fully transmitted still arrives after the sender crashes (it is in flight).
    recorder f;
    f.net.add_node();
    f.net.add_node();
    lp.latency_us = 50'000;
    f.net.connect({0, 0}, {1, 0}, lp);
    f.net.send({0, 0}, frame_of(10));
    f.net.schedule(20'000, [&] { f.net.crash(0); });
    f.net.run();
    CHECK(f.got.size() == 1);
    // Link down: frames dropped, and back up.
    recorder d;
    d.net.add_node();
    d.net.add_node();
    d.net.connect({0, 0}, {1, 0}, lp);
    d.net.set_link_up(0, false);
    CHECK(d.net.send({0, 0}, frame_of(10)) == 0);
    d.net.set_link_up(0, true);
    CHECK(d.net.send({0, 0}, frame_of(10)) == 1);
    d.net.run();
    CHECK(d.got.size() == 1);
}

TEST_CASE("sim: the default classifier reads the type bits of byte 0") {
    // Byte 0 (wire/packet.hpp): ifac | header<<6 | context<<5 | transport<<4 | dest type<<2 | type.
    CHECK(sim::classify_packet(bytes{0x01}) == std::uint8_t(sim::traffic::announce));
    CHECK(sim::classify_packet(bytes{0x51}) == std::uint8_t(sim::traffic::announce));      // HEADER_2 transport
    CHECK(sim::classify_packet(bytes{0x02}) == std::uint8_t(sim::traffic::link_request));
    CHECK(sim::classify_packet(bytes{0x52}) == std::uint8_t(sim::traffic::link_request));
    CHECK(sim::classify_packet(bytes{0x0F}) == std::uint8_t(sim::traffic::proof));         // link proof
    CHECK(sim::classify_packet(bytes{0x0C}) == std::uint8_t(sim::traffic::link_data));     // data, dest link
    CHECK(sim::classify_packet(bytes{0x00}) == std::uint8_t(sim::traffic::data));          // data, single
    CHECK(sim::classify_packet(bytes{0x08}) == std::uint8_t(sim::traffic::data));          // data, plain
    CHECK(sim::classify_packet(bytes{}) == std::uint8_t(sim::traffic::other));

    recorder r;
    r.net.add_node();
    r.net.add_node();
    sim::link_params lp;
    r.net.connect({0, 0}, {1, 0}, lp);
    r.net.send({0, 0}, frame_of(30, 0x01));
    r.net.send({0, 0}, frame_of(40, 0x0C));
    r.net.send({1, 0}, frame_of(50, 0x0C));
    r.net.run();
    CHECK(r.net.class_counters(sim::traffic::announce).bytes_sent == 30);
    CHECK(r.net.class_counters(sim::traffic::link_data).bytes_sent == 90);
    CHECK(r.net.class_counters(sim::traffic::link_data).frames_delivered == 2);
    CHECK(r.net.link_class_counters(0, std::uint8_t(sim::traffic::link_data)).bytes_delivered == 90);
    CHECK(r.net.total().bytes_sent == 120);

    // A custom classifier: by length.
    recorder c;
    c.net.add_node();
    c.net.add_node();
    c.net.connect({0, 0}, {1, 0}, lp);
    c.net.set_classifier([](std::span<const std::uint8_t> f) { return static_cast<std::uint8_t>(f.size() > 32 ? 7 : 6); });
    c.net.send({0, 0}, frame_of(10));
    c.net.send({0, 0}, frame_of(100));
    c.net.run();
    CHECK(c.net.class_counters(6).bytes_sent == 10);
    CHECK(c.net.class_counters(7).bytes_sent == 100);
}

TEST_CASE("sim: topologies") {
    const auto l = sim::line_topology(5);
    CHECK(l.edges == std::vector<std::pair<sim::node_id, sim::node_id>>{{0, 1}, {1, 2}, {2, 3}, {3, 4}});
    const auto g = sim::grid_topology(4, 3);
    CHECK(g.nodes == 12);
    CHECK(g.edges.size() == 3 * 3 + 4 * 2);  // horizontal (w-1)*h + vertical w*(h-1)
    for (auto [a, b] : g.edges) {
        const bool horizontal = b == a + 1 && a % 4 != 3;
        const bool vertical = b == a + 4;
        CHECK((horizontal || vertical));
    }
    // Random geometric: the cell search finds exactly the pairs a brute force finds.
    const double radius = 0.12;
    const auto t = sim::random_geometric_topology(300, radius, 9);
    REQUIRE(t.positions.size() == 300);
    std::vector<std::pair<sim::node_id, sim::node_id>> brute;
    for (sim::node_id i = 0; i < 300; ++i)
        for (sim::node_id j = i + 1; j < 300; ++j) {
            const double dx = t.positions[i].first - t.positions[j].first;
            const double dy = t.positions[i].second - t.positions[j].second;
            if (std::sqrt(dx * dx + dy * dy) < radius) brute.emplace_back(i, j);
        }
    CHECK(t.edges == brute);
    CHECK(brute.size() > 300);  // ~ n^2/2 * pi r^2 = 2035: a connected-ish graph
    for (const auto& [x, y] : t.positions) CHECK((x >= 0 && x < 1 && y >= 0 && y < 1));
    CHECK(sim::random_geometric_topology(300, radius, 9).edges == t.edges);
    CHECK(sim::random_geometric_topology(300, radius, 10).edges != t.edges);

    // Ports: one interface per edge, or interface 0 shared.
    sim::medium m;
    m.build(l, {}, sim::port_mode::per_edge);
    CHECK(m.interfaces_of(0) == 1);
    CHECK(m.interfaces_of(2) == 2);
    CHECK(m.link_ends(1).first == sim::port{1, 1});
    CHECK(m.link_ends(1).second == sim::port{2, 0});
    sim::medium s;
    s.build(g, {}, sim::port_mode::shared);
    CHECK(s.interfaces_of(5) == 1);
    std::size_t reached = 0;
    s.on_deliver([&](sim::port, std::span<const std::uint8_t>, sim::link_id) { ++reached; });
    s.send({5, 0}, frame_of(10));  // node 5 = (1, 1): four neighbours
    s.run();
    CHECK(reached == 4);
}

namespace {

using mesh_t = sim::mesh<>;

// A 5-node line 0 - 1 - 2 - 3 - 4, one interface per cable, transport on in 1..3.
struct line5 {
    mesh_t m;
    nexus::truncated_hash dest0{}, dest4{};
    explicit line5(std::uint64_t seed) : m(seed) {
        m.keep_log(true);
        for (int i = 0; i < 5; ++i) m.add_node(nexus::node_config{.transport = i > 0 && i < 4});
        sim::link_params lp;
        lp.bitrate_bps = 250'000;
        lp.latency_us = 2000;
        m.net().build(sim::line_topology(5), lp, sim::port_mode::per_edge);
        dest0 = m.add_destination(0, "nexus.sim.zero");
        dest4 = m.add_destination(4, "nexus.sim.four");
    }
    std::vector<sim::event_record> events(sim::node_id n, node_event_kind k) const {
        std::vector<sim::event_record> out;
        for (const auto& e : m.log())
            if (e.node == n && e.kind == k) out.push_back(e);
        return out;
    }
};

}  // namespace

TEST_CASE("sim: 5-node line of real nodes: announces cross three transports, a link carries messages, a crash "
          "stops delivery") {
    line5 l(7);
    REQUIRE(l.m.announce(4, l.dest4));
    REQUIRE(l.m.announce(0, l.dest0));
    l.m.run_until(sim::from_ms(1000));
    // Each end learned the other at 4 hops, through its neighbour.
    const auto* p = l.m[0].route(l.dest4, l.m.now());
    REQUIRE(p != nullptr);
    CHECK(p->cost.hop_count == 4);
    CHECK(p->hop.address == l.m[1].self().hash());
    REQUIRE(l.m[4].route(l.dest0, l.m.now()) != nullptr);
    CHECK(l.m[4].route(l.dest0, l.m.now())->cost.hop_count == 4);
    const auto ann = l.events(0, node_event_kind::announce);
    REQUIRE(ann.size() == 1);
    CHECK(ann[0].id == l.dest4);
    CHECK(ann[0].hops == 4);
    // Four hops, each: serialisation of the announce frame + 2 ms latency.
    CHECK(ann[0].at >= 4 * 2000);
    CHECK(ann[0].at < 4 * (2000 + 10'000));
    CHECK(l.m.net().class_counters(sim::traffic::announce).frames_delivered == 8);

    auto link = l.m.open_link(0, l.dest4);
    REQUIRE(link);
    l.m.run_until(sim::from_ms(2000));
    CHECK(l.m[0].link_status(*link).value() == nexus::link_state::active);
    CHECK(l.m[4].link_status(*link).value() == nexus::link_state::active);
    CHECK(l.events(4, node_event_kind::link_request).size() == 1);

    std::vector<bytes> sent04, sent40;
    for (int i = 0; i < 20; ++i) {
        bytes a(10 + i, static_cast<std::uint8_t>(i)), b(30 + i, static_cast<std::uint8_t>(100 + i));
        l.m.at(sim::from_ms(2000 + 50 * i), [&l, link, a] { REQUIRE(l.m.send(0, *link, a)); });
        l.m.at(sim::from_ms(2010 + 50 * i), [&l, link, b] { REQUIRE(l.m.send(4, *link, b)); });
        sent04.push_back(a);
        sent40.push_back(b);
    }
    l.m.run_until(sim::from_ms(4000));
    std::vector<bytes> got4, got0;
    for (const auto& e : l.events(4, node_event_kind::link_data)) got4.push_back(e.data);
    for (const auto& e : l.events(0, node_event_kind::link_data)) got0.push_back(e.data);
    CHECK(got4 == sent04);
    CHECK(got0 == sent40);
    CHECK(l.m.net().class_counters(sim::traffic::link_data).frames_delivered >= 4 * 40);
    CHECK(l.m[2].stats().forwarded >= 40);

    // Node 2 crashes: nothing crosses any more, and the link times out at both ends.
    const auto id2 = l.m[2].self().hash();
    l.m.crash(2);
    CHECK(l.m.node(2) == nullptr);
    for (int i = 0; i < 5; ++i) REQUIRE(l.m.send(0, *link, bytes{1, 2, 3}));
    l.m.run_until(sim::from_ms(4000 + 10 * 60 * 1000));
    CHECK(l.events(4, node_event_kind::link_data).size() == 20);
    const auto closed0 = l.events(0, node_event_kind::link_closed);
    REQUIRE(closed0.size() == 1);
    CHECK(closed0[0].reason == nexus::close_reason::inactivity);
    CHECK(l.events(4, node_event_kind::link_closed).size() == 1);
    CHECK(l.m.net().link_counters(1).frames_dropped > 0);  // 1 -> 2 after the crash

    // Restart: same identity, fresh state (no paths).
    l.m.join(2);
    REQUIRE(l.m.node(2) != nullptr);
    CHECK(l.m[2].self().hash() == id2);
    CHECK(l.m[2].route(l.dest4, l.m.now()) == nullptr);
    REQUIRE(l.m.announce(4, l.dest4));
    l.m.run_until(l.m.now_us() + sim::from_ms(1000));
    REQUIRE(l.m[2].route(l.dest4, l.m.now()) != nullptr);
    CHECK(l.events(0, node_event_kind::announce).size() == 2);
}

TEST_CASE("sim: leave freezes a node and join resumes it with its state") {
    line5 l(3);
    REQUIRE(l.m.announce(4, l.dest4));
    l.m.run_until(sim::from_ms(500));
    REQUIRE(l.m[2].route(l.dest4, l.m.now()) != nullptr);
    l.m.leave(2);
    REQUIRE(l.m.announce(0, l.dest0));
    l.m.run_until(sim::from_ms(1000));
    CHECK(l.events(4, node_event_kind::announce).empty());
    l.m.join(2);
    CHECK(l.m[2].route(l.dest4, l.m.now()) != nullptr);  // kept
    REQUIRE(l.m.announce(0, l.dest0));
    l.m.run_until(sim::from_ms(2000));
    CHECK(l.events(4, node_event_kind::announce).size() == 1);
}

namespace {

struct run_result {
    std::vector<sim::event_record> log;
    std::vector<sim::counters> classes;
    std::vector<sim::counters> links;
};

// 30 real nodes on a random geometric graph (shared radio port, lossy LoRa-ish links), periodic
// announces, links opened between random pairs that know each other.
template <class Node = sim::default_node>
run_result random_run(std::uint64_t seed, const nexus::node_config& config = {}) {
    sim::mesh<Node> m(seed);
    m.keep_log(true);
    sim::link_params lp;
    lp.bitrate_bps = 50'000;
    lp.latency_us = 1000;
    lp.loss = 0.05;
    lp.mode = sim::duplex::half;
    m.build(sim::random_geometric_topology(30, 0.3, seed), lp, sim::port_mode::shared, config);
    std::vector<nexus::truncated_hash> dests;
    for (sim::node_id i = 0; i < 30; ++i) {
        dests.push_back(m.add_destination(i, "nexus.sim.det"));
        m.announce_every(i, dests.back(), sim::from_ms(17 * i), sim::from_seconds(20));
    }
    m.at(sim::from_seconds(30), [&] {
        for (sim::node_id i = 0; i < 30; i += 3) {
            // The first node (by index after i) whose announce i heard: a neighbour.
            sim::node_id j = i;
            for (sim::node_id k = 1; k < 30 && j == i; ++k)
                if (m[i].route(dests[(i + k) % 30], m.now()) != nullptr) j = (i + k) % 30;
            if (j == i) continue;
            auto link = m.open_link(i, dests[j]);
            if (!link) continue;
            m.at(sim::from_seconds(35), [&m, i, id = *link] {
                const bytes msg{1, 2, 3, static_cast<std::uint8_t>(i)};
                (void)m.send(i, id, msg);
            });
        }
    });
    m.run_until(sim::from_seconds(60));
    run_result r;
    r.log = m.log();
    for (std::uint8_t c = 0; c < sim::max_classes; ++c) r.classes.push_back(m.net().class_counters(c));
    for (sim::link_id l = 0; l < m.net().link_count(); ++l) r.links.push_back(m.net().link_counters(l));
    return r;
}

}  // namespace

TEST_CASE("sim: the same seed gives the same run; another seed another") {
    const auto a = random_run(11), b = random_run(11), c = random_run(12);
    REQUIRE(a.log.size() > 50);
    CHECK(a.log == b.log);
    CHECK(a.classes == b.classes);
    CHECK(a.links == b.links);
    CHECK(a.classes[std::size_t(sim::traffic::announce)].frames_lost > 0);
    CHECK(a.classes[std::size_t(sim::traffic::link_request)].frames_sent > 0);
    CHECK(std::count_if(a.log.begin(), a.log.end(), [](const auto& e) { return e.kind == node_event_kind::link_data; }) > 0);
    CHECK_FALSE(a.log == c.log);
}

TEST_CASE("sim: sim_profile's shared signature checks answer as nexus::crypto does") {
    nexus::seeded_random rng(5);
    auto id = nexus::identity<nexus::nexus_profile>::generate(rng);
    bytes msg(200);
    for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::uint8_t>(i * 7);
    const auto sig = id.sign(msg);
    const auto pk = std::span<const std::uint8_t, 64>(id.public_key()).last<32>();
    const auto before = sim::sim_profile::stats();
    // The same check twice: computed once, the same answer both times.
    CHECK(sim::sim_profile::ed25519_verify(sig, pk, msg));
    CHECK(sim::sim_profile::ed25519_verify(sig, pk, msg));
    // One altered byte anywhere (message, signature, key) is a different check, refused.
    for (std::size_t at : {std::size_t{0}, std::size_t{100}, std::size_t{199}}) {
        bytes m2 = msg;
        m2[at] ^= 0x01;
        CHECK_FALSE(sim::sim_profile::ed25519_verify(sig, pk, m2));
        CHECK(nexus::crypto::ed25519_verify(sig, pk, m2) == false);
    }
    auto sig2 = sig;
    sig2[10] ^= 0x80;
    CHECK_FALSE(sim::sim_profile::ed25519_verify(sig2, pk, msg));
    CHECK(sim::sim_profile::ed25519_verify(sig, pk, bytes(msg.begin(), msg.end() - 1)) ==
          nexus::crypto::ed25519_verify(sig, pk, bytes(msg.begin(), msg.end() - 1)));
    const auto after = sim::sim_profile::stats();
    CHECK(after.verify_calls - before.verify_calls == 7);
    CHECK(after.verify_computed - before.verify_computed == 6);
    // Keys: a good one, and the identity point (small order), each as crypto says, asked twice.
    std::array<std::uint8_t, 32> small{};
    small[0] = 1;
    std::array<std::uint8_t, 32> x{};
    for (int i = 0; i < 2; ++i) {
        CHECK(sim::sim_profile::ed25519_key_usable(pk) == nexus::crypto::ed25519_public_to_x25519(x, pk));
        CHECK(sim::sim_profile::ed25519_key_usable(pk));
        CHECK_FALSE(sim::sim_profile::ed25519_key_usable(small));
    }
    CHECK(sim::sim_profile::stats().key_calls - after.key_calls == 6);
    CHECK(sim::sim_profile::stats().key_computed - after.key_computed <= 2);
}

TEST_CASE("sim: a signature a sim_profile identity makes is known valid; anything else is verified") {
    nexus::seeded_random rng(6);
    auto id = nexus::identity<sim::sim_profile>::generate(rng);
    auto other = nexus::identity<sim::sim_profile>::generate(rng);
    auto plain = nexus::identity<nexus::nexus_profile>::generate(rng);
    bytes msg(150);
    for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::uint8_t>(i * 13 + 1);
    const auto pk = std::span<const std::uint8_t, 64>(id.public_key()).last<32>();
    const auto other_pk = std::span<const std::uint8_t, 64>(other.public_key()).last<32>();
    const auto plain_pk = std::span<const std::uint8_t, 64>(plain.public_key()).last<32>();

    const auto s0 = sim::sim_profile::stats();
    const auto sig = id.sign(msg);  // entered when made
    const auto plain_sig = plain.sign(msg);  // nexus_profile: not entered
    const auto s1 = sim::sim_profile::stats();
    CHECK(s1.signed_entered - s0.signed_entered == 1);
    // Answered without a verification, and the answer is nexus::crypto's.
    CHECK(sim::sim_profile::ed25519_verify(sig, pk, msg));
    CHECK(sim::sim_profile::stats().verify_computed == s1.verify_computed);
    CHECK(nexus::crypto::ed25519_verify(sig, pk, msg));
    // Another key, an altered message, an altered signature: no entry, verified for real.
    CHECK_FALSE(sim::sim_profile::ed25519_verify(sig, other_pk, msg));
    bytes m2 = msg;
    m2[77] ^= 0x04;
    CHECK_FALSE(sim::sim_profile::ed25519_verify(sig, pk, m2));
    auto sig2 = sig;
    sig2[40] ^= 0x01;
    CHECK_FALSE(sim::sim_profile::ed25519_verify(sig2, pk, msg));
    CHECK_FALSE(sim::sim_profile::ed25519_verify(sig, pk, bytes(msg.begin(), msg.end() - 1)));
    CHECK(sim::sim_profile::ed25519_verify(plain_sig, plain_pk, msg));
    CHECK(sim::sim_profile::stats().verify_computed - s1.verify_computed == 5);
    // A signature whose S is not canonical (S + L: the same point equation) is never entered, and
    // is refused as nexus::crypto refuses it.
    {
        auto bad = sig;
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        static constexpr std::array<std::uint8_t, 32> order = {
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
        unsigned carry = 0;
        for (std::size_t i = 0; i < 32; ++i) {
            const unsigned v = bad[32 + i] + order[i] + carry;
            bad[32 + i] = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
        const auto before = sim::sim_profile::stats();
        sim::sim_profile::ed25519_signed(bad, pk, msg);
        CHECK(sim::sim_profile::stats().signed_entered == before.signed_entered);
        CHECK_FALSE(sim::sim_profile::ed25519_verify(bad, pk, msg));
        CHECK_FALSE(nexus::crypto::ed25519_verify(bad, pk, msg));
        CHECK(sim::sim_profile::stats().verify_computed - before.verify_computed == 1);
    }
}

TEST_CASE("sim: sim_profile's signature memo keeps the most recent checks, chained by bucket") {
    // Entries whose signatures share their first 8 bytes all land in one bucket; after
    // memo_capacity newer entries they are gone and checked for real again.
    const auto entry_sig = [](std::uint32_t i, bool same_bucket) {
        std::array<std::uint8_t, 64> sig{};
        sig[0] = 0x5a;  // R: not a small-order encoding
        sig[same_bucket ? 8 : 1] = static_cast<std::uint8_t>(i);
        sig[same_bucket ? 9 : 2] = static_cast<std::uint8_t>(i >> 8);
        sig[same_bucket ? 10 : 3] = static_cast<std::uint8_t>(i >> 16);
        sig[32] = 1;  // S = 1: canonical
        return sig;
    };
    std::array<std::uint8_t, 32> pk{};
    pk[0] = 9;
    const bytes msg = {1, 2, 3};
    for (std::uint32_t i = 0; i < 64; ++i) sim::sim_profile::ed25519_signed(entry_sig(i, true), pk, msg);
    const auto s0 = sim::sim_profile::stats();
    for (std::uint32_t i = 0; i < 64; ++i) CHECK(sim::sim_profile::ed25519_verify(entry_sig(i, true), pk, msg));
    CHECK(sim::sim_profile::stats().verify_computed == s0.verify_computed);  // all 64 found
    // Half of the ring's turn: the 64 stay; a whole turn: they are overwritten, one by one
    // unlinked from their shared chain.
    for (std::uint32_t i = 0; i < sim::sim_profile::memo_capacity / 2; ++i)
        sim::sim_profile::ed25519_signed(entry_sig(i, false), pk, msg);
    for (std::uint32_t i = 0; i < 64; i += 7) CHECK(sim::sim_profile::ed25519_verify(entry_sig(i, true), pk, msg));
    CHECK(sim::sim_profile::stats().verify_computed == s0.verify_computed);
    for (std::uint32_t i = 0; i < sim::sim_profile::memo_capacity / 2; ++i)
        sim::sim_profile::ed25519_signed(entry_sig(i + 0x100000, false), pk, msg);
    for (std::uint32_t i = 0; i < 64; i += 9) {
        // Not made by a signer: nexus::crypto's verdict (these bytes are no signature).
        CHECK(sim::sim_profile::ed25519_verify(entry_sig(i, true), pk, msg) ==
              nexus::crypto::ed25519_verify(entry_sig(i, true), pk, msg));
    }
    CHECK(sim::sim_profile::stats().verify_computed - s0.verify_computed == 8);
    // The newest entries are still there.
    const auto s1 = sim::sim_profile::stats();
    CHECK(sim::sim_profile::ed25519_verify(entry_sig(0x100000 + 5, false), pk, msg));
    CHECK(sim::sim_profile::stats().verify_computed == s1.verify_computed);
    // A message longer than a packet is never kept: each check of it is computed.
    const bytes long_msg(sim::sim_profile::max_message + 1, 0x33);
    sim::sim_profile::ed25519_signed(entry_sig(1, false), pk, long_msg);
    CHECK_FALSE(sim::sim_profile::ed25519_verify(entry_sig(1, false), pk, long_msg));
    CHECK(sim::sim_profile::stats().verify_computed - s1.verify_computed == 1);
}

TEST_CASE("sim: a mesh of sim_profile nodes runs exactly as one of nexus_profile nodes") {
    using plain_node = nexus::node<nexus::nexus_profile, nexus::seeded_random, nexus::presets::pi_bridge>;
    // Announces and links (transport off), then transport and gossip on: signed envelopes on
    // every round, announce floods, path offers.
    for (const auto& config : {nexus::node_config{}, sim::mesh_config()}) {
        const auto before = sim::sim_profile::stats();
        const auto shared = random_run<sim::default_node>(21, config);
        const auto plain = random_run<plain_node>(21, config);
        const auto after = sim::sim_profile::stats();
        REQUIRE(shared.log.size() > 50);
        CHECK(shared.log == plain.log);
        CHECK(shared.classes == plain.classes);
        CHECK(shared.links == plain.links);
        // And the sharing did save work: fewer verifications computed than asked for.
        CHECK(after.verify_computed - before.verify_computed < (after.verify_calls - before.verify_calls) / 2);
    }
}

TEST_CASE("sim: route_surveyor counts routes and walks as worked out by hand on a line") {
    // 0 - 1 - 2 - 3 - 4, gossip and transport on, one destination per node.
    sim::mesh<> m(3);
    const auto t = sim::line_topology(5);
    sim::link_params p;
    p.latency_us = 2000;
    m.build(t, p, sim::port_mode::per_edge, sim::mesh_config());
    std::vector<nexus::truncated_hash> dest;
    for (sim::node_id i = 0; i < 5; ++i) dest.push_back(m.add_destination(i, "nexus.test.survey"));
    // Node 4 owns two targets (a second name).
    auto targets = sim::one_per_node(dest);
    const auto extra = m.add_destination(4, "nexus.test.survey.two");
    targets.push_back({4, extra});
    const sim::route_surveyor<sim::default_node> all(m, targets, 1000, 9);  // 6 x 4 = 24 pairs: all walked
    const sim::route_surveyor<sim::default_node> some(m, targets, 7, 9);    // 7 drawn
    CHECK(all.node_of(m[3].self().hash()) == sim::node_id{3});
    CHECK_FALSE(all.node_of(dest[0]).has_value());  // a destination is no node

    // Before anything is announced: no route anywhere (24 pairs), no walk arrives.
    auto r = all.survey();
    CHECK(r.pairs == 24);
    CHECK(r.missing == 24);
    CHECK(r.walks == 24);
    CHECK(r.broken == 24);
    CHECK_FALSE(r.converged());
    const auto s0 = some.survey();
    CHECK(s0.walks == 7);
    CHECK(s0.broken == 7);

    m.run_until(sim::from_seconds(130));  // auto-announce at boot, two gossip rounds
    r = all.survey();
    CHECK(r.missing == 0);
    CHECK(r.broken == 0);
    CHECK(r.converged());
    CHECK(r.routes_share() == 1.0);

    // Node 2 crashes: its own 5 pairs have no route at once (a crashed node holds nothing); the
    // others keep their routes until the spec's timers demote them, but every walk that must
    // cross node 2 now fails there: from {0, 1} to the 3 targets of {3, 4} (2 x 3) and from
    // {3, 4} to the targets of {0, 1} (2 x 2), plus the walks that start at 2 (5) or end there
    // (4: the owner is down).
    m.crash(2);
    r = all.survey();
    CHECK(r.missing == 5);
    CHECK(r.broken == 6 + 4 + 5 + 4);
    CHECK(r.walks_share() == doctest::Approx(5.0 / 24.0));
}

TEST_CASE("sim: busiest_link_share is bytes over nominal capacity, per traffic class") {
    recorder r;
    const auto a = r.net.add_node(), b = r.net.add_node(), c = r.net.add_node();
    sim::link_params p;
    p.bitrate_bps = 8000;  // 1,000 bytes a second
    const auto ab = r.net.connect({a, 0}, {b, 0}, p);
    (void)r.net.connect({a, 1}, {c, 0}, p);
    // Three 100-byte announces (byte 0 = 0x01) on a-b, one on a-c, and data (0x00) on a-c.
    for (int i = 0; i < 3; ++i) REQUIRE(r.net.send({a, 0}, frame_of(100, 0x01)) == 1);
    REQUIRE(r.net.send({a, 1}, frame_of(100, 0x01)) == 1);
    REQUIRE(r.net.send({a, 1}, frame_of(400, 0x00)) == 1);
    r.net.run_until(sim::from_seconds(2));
    CHECK(r.net.link_class_counters(ab, std::uint8_t(sim::traffic::announce)).bytes_sent == 300);
    // Over 2 s a link carries 2,000 bytes: announces 300 / 2000 at most, data 400 / 2000.
    CHECK(sim::busiest_link_share(r.net, sim::traffic::announce, sim::from_seconds(2)) == doctest::Approx(0.15));
    CHECK(sim::busiest_link_share(r.net, sim::traffic::data, sim::from_seconds(2)) == doctest::Approx(0.20));
    CHECK(sim::busiest_link_share(r.net, sim::traffic::gossip, sim::from_seconds(2)) == 0.0);
    // A LoRa link's capacity is its nominal rate (a 255-byte frame's payload rate).
    recorder q;
    const auto x = q.net.add_node(), y = q.net.add_node();
    sim::link_params lora;
    lora.lora = true;
    (void)q.net.connect({x, 0}, {y, 0}, lora);
    REQUIRE(q.net.send({x, 0}, frame_of(50, 0x01)) == 1);
    q.net.run_until(sim::from_seconds(10));
    const double nominal_bytes_per_s = static_cast<double>(sim::nominal_bps(lora)) / 8;
    CHECK(sim::busiest_link_share(q.net, sim::traffic::announce, sim::from_seconds(10)) ==
          doctest::Approx(50.0 / (nominal_bytes_per_s * 10)));
}

TEST_CASE("sim: flows deliver every message over a lossy line on the reliable channel, and say why one sent nothing") {
    // 0 - 1 - 2 - 3 - 4 - 5 and a leaf 6 on 2, 5 % frame loss on every hop: a plain message
    // crosses the five hops to 5 with probability 0.95^5 = 0.77, so the 40 plain ones lose some
    // (seeded); the reliable flow must deliver all 40, counted from node 5's own link_data events.
    sim::mesh<> m(7);
    sim::link_params lp;
    lp.bitrate_bps = 1'000'000;
    lp.latency_us = 2000;
    lp.loss = 0.05;
    nexus::node_config c;
    c.transport = true;
    auto topo = sim::line_topology(6);
    topo.nodes = 7;
    topo.edges.emplace_back(2, 6);
    m.build(topo, lp, sim::port_mode::per_edge, c);
    const auto d5 = m.add_destination(5, "nexus.test.flows");
    const auto d6 = m.add_destination(6, "nexus.test.flows");
    const auto silent = m.add_destination(3, "nexus.test.never.announced");
    m.announce_every(5, d5, 0, sim::from_seconds(10));
    m.announce_every(6, d6, 0, sim::from_seconds(10));
    m.run_until(sim::from_seconds(30));
    sim::flow_set<sim::default_node> flows(m);
    sim::flow_params p;
    p.count = 40;
    p.interval = sim::from_ms(200);
    p.timeout = sim::from_seconds(20);
    const auto reliable = flows.add(0, 5, d5, p, m.now_us());
    p.reliable = false;
    const auto plain = flows.add(0, 5, d5, p, m.now_us());
    const auto nowhere = flows.add(0, 3, silent, p, m.now_us());
    // The destination of this one crashes before it starts: announced, so routed, but no proof.
    const auto dead = flows.add(1, 6, d6, p, m.now_us() + sim::from_seconds(2));
    m.at(m.now_us() + sim::from_seconds(1), [&m] { m.crash(6); });
    m.run_until(m.now_us() + sim::from_seconds(120));

    CHECK(flows[reliable].sent == 40);
    CHECK(flows[reliable].delivered.size() == 40);
    CHECK(flows[reliable].confirmed >= 40);
    CHECK(flows[reliable].done());
    CHECK(flows[reliable].failed == sim::flow_obstacle::none);
    CHECK(flows[plain].sent == 40);
    CHECK(flows[plain].delivered.size() < 40);
    CHECK(flows[plain].delivered.size() > 20);
    CHECK(flows[nowhere].sent == 0);
    CHECK(flows[nowhere].links.empty());
    CHECK(flows[nowhere].failed == sim::flow_obstacle::no_path);
    CHECK(flows[dead].sent == 0);
    CHECK(!flows[dead].links.empty());
    CHECK(flows[dead].failed == sim::flow_obstacle::timed_out);
    CHECK(flows.offered() == 160);
    CHECK(flows.delivered() == flows[reliable].delivered.size() + flows[plain].delivered.size());
}

TEST_CASE("sim: a link over a slow path (a 40 s round trip) comes up: the setup timeout follows the path's latency") {
    // 0 - 1 - 2 - 3 - 4 - 5, each hop 4 s one way: the request and the proof take 40 s in all,
    // more than the configured 30 s establishment timeout. link_setup_timeout: 16 x the path's
    // latency as routing scores it ((4,000 + 1 ms) x 5 hops = 20 s), capped at 4 x 30 s = 120 s,
    // at the initiator, at every relay's link-table entry and at the responder (its interface's
    // latency x the request's hop count).
    CHECK(nexus::link_setup_timeout(nexus::duration::seconds(30), 0) == nexus::duration::seconds(30));
    CHECK(nexus::link_setup_timeout(nexus::duration::seconds(30), 1875) == nexus::duration::seconds(30));
    CHECK(nexus::link_setup_timeout(nexus::duration::seconds(30), 4000) == nexus::duration::seconds(64));
    CHECK(nexus::link_setup_timeout(nexus::duration::seconds(30), 20005) == nexus::duration::seconds(120));
    CHECK(nexus::link_setup_timeout(nexus::duration::milliseconds(500), 100) == nexus::duration::milliseconds(1600));
    sim::mesh<> m(3);
    sim::link_params lp;
    lp.bitrate_bps = 0;
    lp.latency_us = 4'000'000;
    nexus::node_config c;
    c.transport = true;
    m.build(sim::line_topology(6), lp, sim::port_mode::per_edge, c);
    const auto d5 = m.add_destination(5, "nexus.test.slow");
    REQUIRE(m.announce(5, d5));
    m.run_until(sim::from_seconds(60));
    REQUIRE(m[0].route(d5, m.now()) != nullptr);
    const auto link = m.open_link(0, d5);
    REQUIRE(link);
    const auto opened = m.now_us();
    m.run_until(opened + sim::from_seconds(39));
    CHECK(m[0].link_status(*link) == nexus::link_state::pending);
    m.run_until(opened + sim::from_seconds(60));
    REQUIRE(m[0].link_status(*link) == nexus::link_state::active);
    const std::uint8_t hello[] = {1, 2, 3};
    REQUIRE(m.send_reliable(0, *link, hello));
    m.run_until(m.now_us() + sim::from_seconds(60));
    CHECK(m[5].link_status(*link) == nexus::link_state::active);
    CHECK(m[5].find_channel(*link) != nullptr);
    CHECK(m[5].find_channel(*link)->stats().messages_received == 1);
}
