// libFuzzer target for nexus/core/hex.hpp. The whole input is the text to decode. Decoding must
// stay inside the input and the output (both are exact-size heap buffers, so ASan sees any
// overread or overwrite), succeed exactly on even-length all-hex text, leave the output untouched
// on every error, and round-trip: encode(decode(x)) == lower-case(x). Encoding the raw input and
// decoding it back must also give the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/core/hex.hpp"

namespace {

constexpr std::uint8_t sentinel = 0xa5;

bool is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower(char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c; }

bool all_sentinel(const std::vector<std::uint8_t>& b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == sentinel; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const bool well_formed = size % 2 == 0 && std::all_of(text.begin(), text.end(), is_hex_digit);

    std::vector<std::uint8_t> out(size / 2, sentinel);
    const auto decoded = nexus::hex_decode(text, out);
    NEXUS_FUZZ_CHECK(decoded.has_value() == well_formed);
    if (decoded) {
        NEXUS_FUZZ_CHECK(*decoded == size / 2);
        std::vector<char> encoded(size);
        const auto n = nexus::hex_encode(out, encoded);
        NEXUS_FUZZ_CHECK(n.has_value() && *n == size);
        for (std::size_t i = 0; i < size; ++i) NEXUS_FUZZ_CHECK(encoded[i] == lower(text[i]));
    } else {
        NEXUS_FUZZ_CHECK(decoded.error() == nexus::error::bad_encoding);
        NEXUS_FUZZ_CHECK(all_sentinel(out));
    }

    // One byte too little room: buffer_too_small for well-formed text, nothing written either way.
    if (size >= 2) {
        std::vector<std::uint8_t> small(size / 2 - 1, sentinel);
        const auto r = nexus::hex_decode(text, small);
        NEXUS_FUZZ_CHECK(!r.has_value());
        NEXUS_FUZZ_CHECK(all_sentinel(small));
        if (size % 2 == 0) NEXUS_FUZZ_CHECK(r.error() == nexus::error::buffer_too_small);
    }

    // Any bytes encode to lower-case hex that decodes back to them; too small an output is refused.
    std::vector<char> encoded(2 * size);
    const auto n = nexus::hex_encode(std::span<const std::uint8_t>(data, size), encoded);
    NEXUS_FUZZ_CHECK(n.has_value() && *n == 2 * size);
    for (char c : encoded) NEXUS_FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    std::vector<std::uint8_t> back(size);
    const auto m = nexus::hex_decode(std::string_view(encoded.data(), encoded.size()), back);
    NEXUS_FUZZ_CHECK(m.has_value() && *m == size);
    NEXUS_FUZZ_CHECK(std::equal(back.begin(), back.end(), data));
    if (size > 0) {
        std::vector<char> short_out(2 * size - 1, '#');
        NEXUS_FUZZ_CHECK(!nexus::hex_encode(std::span<const std::uint8_t>(data, size), short_out));
        NEXUS_FUZZ_CHECK(std::all_of(short_out.begin(), short_out.end(), [](char c) { return c == '#'; }));
    }
    return 0;
}
