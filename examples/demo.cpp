// nexus demo: three nodes in memory, A -- C -- B, where C is a transport node bridging its two
// interfaces (think: A on WiFi, B on a LoRa radio). Driven by a manual clock through the same
// sans-I/O loop every port runs. It shows Milestone 1.1 end to end:
//   - identities (Ed25519, X25519 derived) and destination addresses (NEXUS profile, BLAKE2b);
//   - announces crossing the bridge (C re-sends them as HEADER_2 with its identity hash);
//   - an encrypted link from A to B through C: handshake, identification, messages both ways, one
//     of them on the link's reliable channel (acknowledged: A hears it was delivered);
//   - what C and an eavesdropper see (sizes, no plaintext), and what the nodes refuse: a forged
//     announce, a replayed link packet and a tampered one.
#include <nexus/nexus.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

namespace {

using P = nexus::nexus_profile;
using node_t = nexus::node<P, nexus::seeded_random>;

std::string hex(std::span<const std::uint8_t> b, std::size_t max = 8) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < b.size() && i < max; ++i) {
        out += digits[b[i] >> 4];
        out += digits[b[i] & 15];
    }
    return out;
}

struct cable {
    node_t* x;
    nexus::interface_id xi;
    node_t* y;
    nexus::interface_id yi;
};

struct net {
    std::vector<cable> cables;
    std::vector<std::vector<std::uint8_t>> on_air;  // every frame, for the eavesdropper
    std::size_t bytes_on_air = 0;

    const char* name(const node_t* n, const node_t& a, const node_t& b) const {
        return n == &a ? "A" : n == &b ? "B" : "C";
    }

    // Delivers one frame and prints what the receiving node made of it.
    void deliver(node_t& to, nexus::interface_id iface, std::span<const std::uint8_t> frame, nexus::timestamp now,
                 const char* who, bool quiet) {
        if (auto r = to.receive(iface, frame, now); !r) {
            std::printf("  %s refused a %zu-byte packet: %s\n", who, frame.size(),
                        std::string(nexus::to_string(r.error())).c_str());
            return;
        }
        report(to, now, who, quiet);
    }

    // Prints the node's events for its application, in the order they happened.
    static void report(node_t& n, nexus::timestamp now, const char* who, bool quiet) {
        using k = nexus::node_event_kind;
        for (auto ev = n.poll(now); ev.kind != k::none; ev = n.poll(now)) {
            switch (ev.kind) {
                case k::announce:
                    std::printf("  %s learned destination %s… at %d hop(s)\n", who, hex(ev.id).c_str(), ev.hops);
                    break;
                case k::link_request:
                    std::printf("  %s accepted a link request, link id %s…\n", who, hex(ev.id).c_str());
                    break;
                case k::link_established:
                    std::printf("  %s: link %s… is up\n", who, hex(ev.id).c_str());
                    break;
                case k::link_identified:
                    std::printf("  %s: the link's initiator proved its identity\n", who);
                    break;
                case k::link_data:
                    if (!quiet && ev.reliable)
                        std::printf("  %s received reliable message #%u \"%.*s\"\n", who, unsigned{ev.sequence},
                                    static_cast<int>(ev.data.size()), reinterpret_cast<const char*>(ev.data.data()));
                    else if (!quiet)
                        std::printf("  %s received \"%.*s\"\n", who, static_cast<int>(ev.data.size()),
                                    reinterpret_cast<const char*>(ev.data.data()));
                    break;
                case k::link_delivered:
                    std::printf("  %s: the peer acknowledged reliable message #%u\n", who, unsigned{ev.sequence});
                    break;
                default:
                    break;
            }
        }
    }

    // Runs every node's loop until nothing moves.
    void run(node_t& a, node_t& b, node_t& c, nexus::timestamp now, bool quiet = false) {
        for (bool moved = true; moved;) {
            moved = false;
            for (node_t* n : {&a, &c, &b}) {
                report(*n, now, name(n, a, b), quiet);
                std::array<std::uint8_t, nexus::wire::mtu> buf{};
                auto out = n->pop_outgoing(now, buf);
                if (!out || out->size == 0) continue;
                moved = true;
                const std::span<const std::uint8_t> frame(buf.data(), out->size);
                on_air.emplace_back(frame.begin(), frame.end());
                bytes_on_air += frame.size();
                for (const auto& w : cables) {
                    for (int dir = 0; dir < 2; ++dir) {
                        node_t* from = dir ? w.y : w.x;
                        node_t* to = dir ? w.x : w.y;
                        const auto fi = dir ? w.yi : w.xi;
                        const auto ti = dir ? w.xi : w.yi;
                        if (from != n) continue;
                        const bool goes = out->iface == nexus::all_interfaces ? fi != out->except : fi == out->iface;
                        if (goes) deliver(*to, ti, frame, now, name(to, a, b), quiet);
                    }
                }
            }
        }
    }
};

}  // namespace

int main() {
    // Deterministic randomness so the demo prints the same every time (a real node uses a CSPRNG).
    nexus::seeded_random ra(1), rb(2), rc(3);
    node_t a(nexus::node_identity::generate(ra), ra);
    node_t b(nexus::node_identity::generate(rb), rb);
    node_t c(nexus::node_identity::generate(rc), rc, nexus::node_config{.transport = true});
    net n;
    n.cables.push_back({&a, a.add_interface().value(), &c, c.add_interface().value()});
    n.cables.push_back({&c, c.add_interface().value(), &b, b.add_interface().value()});

    std::puts("nexus demo: A --(wifi)-- C --(lora)-- B, C bridges\n");
    std::printf("identities: A %s…  B %s…  C %s…\n", hex(a.self().hash()).c_str(), hex(b.self().hash()).c_str(),
                hex(c.self().hash()).c_str());
    const auto dest_b = b.add_destination(nexus::make_name_hash<P>("nexus.demo.inbox")).value();
    std::printf("B's destination \"nexus.demo.inbox\": %s\n\n", hex(dest_b, 16).c_str());

    nexus::timestamp now = nexus::timestamp::from_ms(1'000);
    std::puts("1. B announces; the announce crosses the bridge");
    (void)b.announce(dest_b, now);
    n.run(a, b, c, now);

    std::puts("\n2. A opens a link to B through C and identifies itself inside it");
    now += nexus::duration::milliseconds(50);
    const auto link = a.open_link(dest_b, now).value();
    n.run(a, b, c, now);
    (void)a.identify(link);
    n.run(a, b, c, now);
    const std::size_t setup_bytes = n.bytes_on_air;

    std::puts("\n3. Messages both ways");
    const std::string_view hello = "hello B, this is A";
    const std::string_view reply = "hi A, B here; nobody in between can read this";
    (void)a.send(link, std::span(reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()), now);
    n.run(a, b, c, now);
    (void)b.send(link, std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()), now);
    n.run(a, b, c, now);
    for (int i = 0; i < 100; ++i) {
        const std::array<std::uint8_t, 4> v{std::uint8_t(i), 1, 2, 3};
        (void)a.send(link, v, now);
        (void)b.send(link, v, now);
        n.run(a, b, c, now, true);
    }
    std::printf("  ...and 100 more each way: A received %llu packets, B %llu\n",
                static_cast<unsigned long long>(a.find_link_object(link)->stats().packets_received),
                static_cast<unsigned long long>(b.find_link_object(link)->stats().packets_received));
    // On the link's reliable channel: acknowledged, repeated until it is, delivered once in order.
    const std::string_view sure = "this one is acknowledged";
    (void)a.send_reliable(link, std::span(reinterpret_cast<const std::uint8_t*>(sure.data()), sure.size()), now);
    n.run(a, b, c, now);

    std::puts("\n4. What the bridge and an eavesdropper saw");
    bool leak = false;
    for (const auto& f : n.on_air)
        for (auto text : {hello, reply})
            if (std::search(f.begin(), f.end(), text.begin(), text.end()) != f.end()) leak = true;
    std::printf("  %zu frames, %zu bytes on air (link setup incl. announces: %zu bytes); plaintext visible: %s\n",
                n.on_air.size(), n.bytes_on_air, setup_bytes, leak ? "YES" : "no");
    std::printf("  C forwarded %llu packets for others and knows only destination hashes and sizes\n",
                static_cast<unsigned long long>(c.stats().forwarded));

    std::puts("\n5. Attacks");
    // A forged announce: B's announce with another key spliced in.
    nexus::seeded_random rm(66);
    const auto mallory = nexus::node_identity::generate(rm);
    auto forged = n.on_air.front();
    std::copy(mallory.public_key().begin(), mallory.public_key().end(), forged.begin() + 19);
    std::printf("  forged announce to C:\n");
    n.deliver(c, 1, forged, now, "C", false);
    // A replayed link packet and a tampered one, injected on B's cable.
    const auto last_to_b = n.on_air[n.on_air.size() - 2];
    std::printf("  replayed link packet to B:\n");
    n.deliver(b, 0, last_to_b, now, "B", false);
    auto tampered = last_to_b;
    tampered.back() ^= 0x01;
    tampered[25] ^= 0x80;  // another counter, so it is not caught as a duplicate
    std::printf("  tampered link packet to B:\n");
    n.deliver(b, 0, tampered, now, "B", false);
    const std::string_view after = "still talking after the attacks";
    (void)a.send(link, std::span(reinterpret_cast<const std::uint8_t*>(after.data()), after.size()), now);
    n.run(a, b, c, now);

    const bool ok = !leak && a.link_status(link).value() == nexus::link_state::active &&
                    b.link_status(link).value() == nexus::link_state::active;
    std::printf("\n%s\n", ok ? "demo ok" : "demo FAILED");
    return ok ? 0 : 1;
}
