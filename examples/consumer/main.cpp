// Built against an installed nexus (find_package or pkg-config); prints what it used.
#include <nexus/nexus.hpp>

#include <array>
#include <cstdio>

int main() {
    std::array<std::uint8_t, 8> buf{};
    nexus::byte_writer w(buf);
    if (!w.u32_be(0x6e657875) || !w.u32_le(nexus::version_number)) return 1;
    std::array<char, 16> hex{};
    auto n = nexus::hex_encode(w.written(), hex);
    if (!n) return 1;
    std::printf("consumer of nexus %.*s: %.*s\n", static_cast<int>(nexus::version_string.size()),
                nexus::version_string.data(), static_cast<int>(*n), hex.data());
    return 0;
}
