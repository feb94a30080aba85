// Links the core (and each layer as it lands) for a Cortex-M4 so the embedded size report
// measures real code: every function here is reachable from main, so --gc-sections keeps it.
#include <nexus/nexus.hpp>

#include <array>

namespace {
nexus::loopback_interface<256, 4> radio_a, radio_b;
nexus::memory_storage<4, 16, 128> flash;
volatile std::uint32_t sink;
}  // namespace

int main() {
    nexus::loopback_interface<256, 4>::connect(radio_a, radio_b);
    nexus::seeded_random rnd(sink);
    std::array<std::uint8_t, 64> frame{};
    rnd.fill(frame);
    nexus::byte_writer w(frame);
    (void)w.u16_be(0x4e58);
    (void)w.u64_le(nexus::manual_clock{}.now().ms());
    (void)radio_a.send(frame);
    std::array<std::uint8_t, 256> rx{};
    auto n = radio_b.receive(rx);
    nexus::byte_reader r(std::span<const std::uint8_t>(rx.data(), n ? *n : 0));
    sink = r.u16_be().value_or(0);
    (void)flash.store("id", std::span(rx).first(8));
    std::array<char, 32> hex{};
    const std::uint32_t key =
        sink + static_cast<std::uint32_t>(nexus::hex_encode(std::span(rx).first(16), hex).value_or(0));
    nexus::lru_cache<std::uint32_t, std::uint32_t, 8> cache;
    (void)cache.put(key, 1);
    nexus::static_map<std::uint32_t, std::uint32_t, 8> map;
    (void)map.insert(key, 2);
    sink = key;
    return static_cast<int>(sink & 1);
}
