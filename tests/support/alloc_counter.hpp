// Test support: counts every heap allocation made by the process, so tests can assert that
// protocol operations allocate nothing (DESIGN §3.2). Link alloc_counter.cpp into the test binary.
//
// What is counted: every form of global operator new, always; and malloc/calloc/realloc/
// aligned_alloc/posix_memalign where the build can interpose them (glibc, not under a sanitizer
// that owns malloc) — `malloc_is_counted()` says which applies to the running binary.
#pragma once

#include <cstddef>

namespace nexus::test {

/// Allocations since the process started.
std::size_t allocation_count() noexcept;
/// Whether C allocation functions are counted too in this build.
bool malloc_is_counted() noexcept;

/// Counts the allocations made while it is alive.
class alloc_guard {
public:
    alloc_guard() noexcept : start_(allocation_count()) {}
    std::size_t allocations() const noexcept { return allocation_count() - start_; }

private:
    std::size_t start_;
};

}  // namespace nexus::test

/// Runs the statement and fails the current doctest case if it allocated.
#define NEXUS_CHECK_NO_ALLOC(...)                                                                     \
    do {                                                                                              \
        ::nexus::test::alloc_guard nexus_guard_;                                                      \
        __VA_ARGS__;                                                                                  \
        const std::size_t nexus_allocs_ = nexus_guard_.allocations();                                 \
        CHECK_MESSAGE(nexus_allocs_ == 0u, "allocated " << nexus_allocs_ << " times: " #__VA_ARGS__); \
    } while (0)
