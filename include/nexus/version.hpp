// The library's version, kept in step with CMakeLists.txt's project(VERSION).
#pragma once

#include <cstdint>
#include <string_view>

namespace nexus {

inline constexpr std::uint32_t version_major = 0;
inline constexpr std::uint32_t version_minor = 1;
inline constexpr std::uint32_t version_patch = 0;
inline constexpr std::string_view version_string = "0.1.0";
/// major << 16 | minor << 8 | patch, comparable as an integer.
inline constexpr std::uint32_t version_number = version_major << 16 | version_minor << 8 | version_patch;

}  // namespace nexus
