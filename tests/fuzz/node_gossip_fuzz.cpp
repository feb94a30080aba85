// libFuzzer target for the node's gossip path (node.hpp on_gossip, gossip/envelope.hpp,
// routing/advert.hpp). Two gossiping nodes A and B have exchanged announces and a round; then the
// input reaches A in one of three forms, chosen by its first byte:
//   0: as a raw frame (any bytes: an unsigned frame can never be an accepted gossip message);
//   1: as the round message of a correctly signed envelope from B (a known neighbour);
//   2: as the round message of a correctly signed envelope from a stranger.
// Invariants: nothing crashes; a refused frame or message changes none of A's paths and adds no
// neighbour; a raw frame never changes A's paths; every path A holds is for a destination it holds
// a verified announce for, within the table's capacity, with a Lamport time no newer than that
// announce's.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/core/reference_policies.hpp"
#include "nexus/gossip/envelope.hpp"
#include "nexus/node.hpp"

namespace {

using P = nexus::nexus_profile;
using node_t = nexus::node<P, nexus::seeded_random>;

nexus::node_config config() {
    nexus::node_config c;
    c.transport = true;
    c.gossip = true;
    c.auto_announce = true;
    c.relay_fee = 7;
    return c;
}

void pump(node_t& a, node_t& b, nexus::timestamp now) {
    for (int i = 0; i < 200; ++i) {
        bool any = false;
        for (node_t* n : {&a, &b}) {
            while (n->poll(now).kind != nexus::node_event_kind::none) any = true;
            std::array<std::uint8_t, nexus::wire::mtu> buf{};
            for (;;) {
                auto o = n->pop_outgoing(now, buf);
                if (!o || o->size == 0) break;
                any = true;
                (void)(n == &a ? b : a).receive(0, std::span<const std::uint8_t>(buf.data(), o->size), now);
            }
        }
        if (!any) return;
    }
}

std::vector<std::uint8_t> routes_of(const node_t& n) {
    std::vector<std::uint8_t> out;
    for (const auto& e : n.routes()) {
        out.insert(out.end(), e.destination.begin(), e.destination.end());
        out.insert(out.end(), e.hop.address.begin(), e.hop.address.end());
        out.insert(out.end(), e.path.begin(), e.path.end());
        for (std::uint64_t v : {std::uint64_t{e.cost.cumulative_cost}, std::uint64_t{e.cost.hop_count},
                                std::uint64_t{e.cost.worst_latency_ms}, std::uint64_t{e.failed}, e.lamport})
            for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    nexus::seeded_random ra{1}, rb{2}, rs{3};
    node_t a{nexus::node_identity::generate(ra), ra, config()};
    auto b_id = nexus::node_identity::generate(rb);
    nexus::seeded_random rb_copy{2};
    const auto b_signer = nexus::node_identity::generate(rb_copy);  // B's key, to sign as B
    node_t b{static_cast<nexus::node_identity&&>(b_id), rb, config()};
    (void)a.add_interface();
    (void)b.add_interface();
    (void)a.add_destination(nexus::make_name_hash<P>("fuzz.a"));
    (void)b.add_destination(nexus::make_name_hash<P>("fuzz.b"));
    pump(a, b, nexus::timestamp::from_ms(0));
    pump(a, b, nexus::timestamp::from_ms(1000));
    const auto now = nexus::timestamp::from_ms(2000);

    const std::uint8_t mode = data[0] % 3;
    const std::span<const std::uint8_t> body(data + 1, size - 1);
    std::array<std::uint8_t, nexus::wire::mtu> frame{};
    std::span<const std::uint8_t> in = body;
    if (mode != 0) {
        const auto stranger = nexus::node_identity::generate(rs);
        std::uint32_t session = 0, counter = 1;
        if (mode == 1)
            for (const auto& nb : a.neighbours())
                if (nb.id == b.self().hash()) {
                    session = nb.session;
                    counter = nb.counter + 1;
                }
        auto n = nexus::gossip::seal_envelope(mode == 1 ? b_signer : stranger, nexus::gossip::gossip_destination<P>(),
                                              session, counter, body, frame);
        if (!n) return 0;  // empty or oversize message: nothing to deliver
        in = std::span<const std::uint8_t>(frame.data(), *n);
    }

    const auto routes_before = routes_of(a);
    const std::size_t neighbours_before = a.neighbours().size();
    const auto r = a.receive(0, in, now);
    if (!r || mode == 0) {
        NEXUS_FUZZ_CHECK(routes_of(a) == routes_before);
        NEXUS_FUZZ_CHECK(a.neighbours().size() == neighbours_before);
    }
    (void)a.poll(now);
    NEXUS_FUZZ_CHECK(a.routes().size() <= node_t::routing_table_type::capacity());
    for (const auto& e : a.routes()) {
        const auto* known = a.known(e.destination);
        NEXUS_FUZZ_CHECK(known != nullptr);
        NEXUS_FUZZ_CHECK(e.lamport <= known->lamport);
    }
    return 0;
}
