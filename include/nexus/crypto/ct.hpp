// Constant-time helpers for secret data: comparison, selection and wiping.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace nexus::crypto {

/// True when a and b hold the same bytes. Runs in time that depends only on the lengths.
inline bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
    if (a.size() != b.size()) return false;
    std::uint32_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint32_t>(a[i] ^ b[i]);
    // Map diff == 0 to 1 and anything else to 0 without a data-dependent branch.
    return ((diff - 1u) >> 8) & 1u;
}

/// True when every byte of a is zero, in time that depends only on the length.
inline bool ct_is_zero(std::span<const std::uint8_t> a) noexcept {
    std::uint32_t acc = 0;
    for (std::uint8_t b : a) acc |= b;
    return ((acc - 1u) >> 8) & 1u;
}

/// Overwrites memory so the compiler cannot drop the stores as dead.
inline void secure_wipe(void* p, std::size_t n) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    // memset is fast; the empty asm that "reads" p and clobbers memory keeps it from being elided.
    std::memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    volatile std::uint8_t* v = static_cast<volatile std::uint8_t*>(p);
    for (std::size_t i = 0; i < n; ++i) v[i] = 0;
#endif
}

inline void secure_wipe(std::span<std::uint8_t> s) noexcept { secure_wipe(s.data(), s.size()); }

template <class T>
inline void secure_wipe_object(T& obj) noexcept {
    secure_wipe(static_cast<void*>(&obj), sizeof(T));
}

/// Zeroes an array of words with word-sized volatile stores: cheap enough for hash states and
/// message schedules wiped after every block (they may hold key material: HMAC and keyed BLAKE2b
/// feed keys through them), and usable in constant evaluation.
template <class T, std::size_t N>
constexpr void secure_wipe_words(std::array<T, N>& a) noexcept {
    if (std::is_constant_evaluated()) {
        for (auto& w : a) w = 0;
    } else {
        volatile T* v = a.data();
        for (std::size_t i = 0; i < N; ++i) v[i] = 0;
#if defined(__GNUC__) || defined(__clang__)
        __asm__ __volatile__("" : : "r"(a.data()) : "memory");
#endif
    }
}

}  // namespace nexus::crypto
