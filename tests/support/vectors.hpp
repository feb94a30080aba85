// Test-only helpers: read the JSON vector files of test-vectors/ and ../shared/vectors/, and hex.
// Test code may allocate; the library under test may not (see alloc_counter.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#ifndef NEXUS_TEST_VECTORS_DIR
#error "NEXUS_TEST_VECTORS_DIR must name the project's test-vectors/ folder"
#endif
#ifndef NEXUS_SHARED_VECTORS_DIR
#define NEXUS_SHARED_VECTORS_DIR ""
#endif

namespace nexus::test {

using bytes = std::vector<std::uint8_t>;

inline bytes from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::invalid_argument("bad hex digit");
    };
    if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
    bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

template <class Bytes>
std::string to_hex(const Bytes& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (auto v : b) {
        s.push_back(digits[static_cast<std::uint8_t>(v) >> 4]);
        s.push_back(digits[static_cast<std::uint8_t>(v) & 15]);
    }
    return s;
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    return nlohmann::json::parse(in);
}

/// A file of the project's own test-vectors/ folder; it must exist.
inline nlohmann::json load_vectors(std::string_view name) {
    return read_json(std::filesystem::path(NEXUS_TEST_VECTORS_DIR) / name);
}

/// A file under ../shared/vectors/ (e.g. "wycheproof/x25519_test.json"), read in place.
/// Returns nothing when the shared folder is absent, so callers can skip with a message.
inline std::optional<nlohmann::json> load_shared_vectors(std::string_view relative) {
    std::filesystem::path dir(NEXUS_SHARED_VECTORS_DIR);
    if (dir.empty()) return std::nullopt;
    auto path = dir / relative;
    if (!std::filesystem::exists(path)) return std::nullopt;
    return read_json(path);
}

}  // namespace nexus::test
