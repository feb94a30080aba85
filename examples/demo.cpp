// nexus demo: two nodes wired back to back over the in-memory loopback interface, driven by a
// manual clock — the sans-I/O loop every port runs. It grows with the library: each layer that
// lands adds its step here.
#include <nexus/nexus.hpp>

#include <array>
#include <cstdio>
#include <string_view>

namespace {

// A tiny frame: u8 type, u16 big-endian sequence, u64 little-endian timestamp, payload.
struct demo_frame {
    std::uint8_t type = 0;
    std::uint16_t sequence = 0;
    nexus::timestamp sent_at;
    std::span<const std::uint8_t> payload;
};

nexus::result<std::size_t> encode(const demo_frame& f, std::span<std::uint8_t> out) {
    nexus::byte_writer w(out);
    if (auto r = w.u8(f.type); !r) return nexus::fail(r.error());
    if (auto r = w.u16_be(f.sequence); !r) return nexus::fail(r.error());
    if (auto r = w.u64_le(f.sent_at.ms()); !r) return nexus::fail(r.error());
    if (auto r = w.bytes(f.payload); !r) return nexus::fail(r.error());
    return w.size();
}

nexus::result<demo_frame> decode(std::span<const std::uint8_t> in) {
    nexus::byte_reader r(in);
    demo_frame f;
    auto type = r.u8();
    auto seq = r.u16_be();
    auto at = r.u64_le();
    if (!type || !seq || !at) return nexus::fail(nexus::error::truncated);
    f.type = *type;
    f.sequence = *seq;
    f.sent_at = nexus::timestamp::from_ms(*at);
    f.payload = r.take_rest();
    return f;
}

std::string_view as_text(std::span<const std::uint8_t> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

int main() {
    std::printf("nexus %.*s demo\n", static_cast<int>(nexus::version_string.size()),
                nexus::version_string.data());

    nexus::manual_clock clock;
    nexus::seeded_random random(2026);
    nexus::loopback_interface<256, 8> alice_if(9'600), bob_if(9'600);
    nexus::loopback_interface<256, 8>::connect(alice_if, bob_if);

    // Alice sends three frames; the clock moves by each frame's airtime at 9.6 kbps.
    constexpr std::string_view messages[] = {"hello bob", "no server here", "just the mesh"};
    std::uint16_t seq = 0;
    for (std::string_view m : messages) {
        std::array<std::uint8_t, 256> buf{};
        demo_frame f{1, seq++, clock.now(),
                     {reinterpret_cast<const std::uint8_t*>(m.data()), m.size()}};
        auto n = encode(f, buf);
        if (!n || !alice_if.send(std::span(buf).first(*n))) return 1;
        clock.advance(nexus::duration::milliseconds(static_cast<std::int64_t>(*n * 8 * 1000 / alice_if.bitrate_bps())));
    }

    // Bob's event loop drains his interface.
    std::array<std::uint8_t, 256> rx{};
    while (bob_if.pending() > 0) {
        auto n = bob_if.receive(rx);
        if (!n) return 1;
        auto f = decode(std::span(rx).first(*n));
        if (!f) {
            std::printf("bad frame: %.*s\n", static_cast<int>(nexus::to_string(f.error()).size()),
                        nexus::to_string(f.error()).data());
            return 1;
        }
        std::array<char, 2 * 256> hex{};
        auto h = nexus::hex_encode(std::span(rx).first(*n), hex);
        std::printf("bob <- #%u sent at %llu ms: \"%.*s\"  (%zu bytes on air: %.*s)\n",
                    f->sequence, static_cast<unsigned long long>(f->sent_at.ms()),
                    static_cast<int>(f->payload.size()), as_text(f->payload).data(), *n,
                    static_cast<int>(*h), hex.data());
    }

    // A truncated frame is an error value, not a crash.
    auto bad = decode(std::span(rx).first(2));
    std::printf("truncated frame -> %.*s\n", static_cast<int>(nexus::to_string(bad.error()).size()),
                nexus::to_string(bad.error()).data());

    std::array<std::uint8_t, 8> nonce{};
    random.fill(nonce);
    std::printf("deterministic random (seed 2026): %02x%02x%02x%02x...\n", nonce[0], nonce[1],
                nonce[2], nonce[3]);
    return 0;
}
