// Links a whole nexus node (identity, announces, links, transport, routing, gossip, path requests,
// announce ingress control) for a Cortex-M4 so the embedded size report shows what a relay
// firmware pays: a frame the compiler cannot see goes through receive(), an announce is built, a
// link is opened and everything queued is pulled out. Capacities: the MCU relay preset
// (nexus::presets::mcu_relay, config.hpp); sizeof(relay) is its RAM. The probe's random source is a
// counter (size only; a real port uses its hardware RNG).
#include <nexus/node.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace {

struct probe_random {
    std::uint32_t state = 1;
    void fill(std::span<std::uint8_t> out) noexcept {
        for (auto& b : out) {
            state = state * 1664525u + 1013904223u;
            b = static_cast<std::uint8_t>(state >> 24);
        }
    }
};

volatile std::uint8_t input[nexus::wire::mtu];
volatile std::uint8_t sink;

using relay = nexus::node<nexus::nexus_profile, probe_random, nexus::presets::mcu_relay>;

probe_random rng;
std::array<std::uint8_t, sizeof(relay)> storage alignas(relay);

}  // namespace

int main() {
    std::array<std::uint8_t, 32> seed{};
    rng.fill(seed);
    auto* n = new (storage.data()) relay(nexus::node_identity::from_ed25519_seed(seed), rng,
                                         nexus::node_config{.transport = true});
    (void)n->add_interface();
    (void)n->add_interface();
    auto dest = n->add_destination(nexus::make_name_hash<nexus::nexus_profile>("nexus.relay"));
    if (dest) (void)n->announce(*dest, nexus::timestamp::from_ms(1000));
    std::array<std::uint8_t, nexus::wire::mtu> frame{};
    for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = input[i];
    (void)n->receive(0, std::span(frame).first(input[0] % frame.size()), nexus::timestamp::from_ms(2000));
    const auto plain = std::span(frame).subspan(1, input[1] % 64);
    nexus::truncated_hash target{};
    for (std::size_t i = 0; i < target.size(); ++i) target[i] = input[i + 1];
    if (auto l = n->open_link(target, nexus::timestamp::from_ms(3000))) (void)n->send(*l, plain, nexus::timestamp::from_ms(3001));
    for (auto ev = n->poll(nexus::timestamp::from_ms(4000)); ev.kind != nexus::node_event_kind::none;
         ev = n->poll(nexus::timestamp::from_ms(4000)))
        sink = ev.data.empty() ? 0 : ev.data[0];
    std::array<std::uint8_t, nexus::wire::mtu> out{};
    for (;;) {
        auto o = n->pop_outgoing(nexus::timestamp::from_ms(4000), out);
        if (!o || o->size == 0) break;
        sink = out[o->size - 1];
    }
    return 0;
}
