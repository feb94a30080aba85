// Replacement global allocation functions that count calls (see alloc_counter.hpp).
// NEXUS_COUNT_MALLOC (set by CMake for dynamically linked glibc builds without sanitizers)
// additionally interposes the C allocation functions, forwarding to glibc's __libc_* entries.
#include "support/alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(NEXUS_COUNT_MALLOC)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}
#endif

namespace {
std::atomic<std::size_t> g_allocations{0};

void count() noexcept { g_allocations.fetch_add(1, std::memory_order_relaxed); }

void* raw_alloc(std::size_t n) noexcept {
#if defined(NEXUS_COUNT_MALLOC)
    return __libc_malloc(n == 0 ? 1 : n);
#else
    return std::malloc(n == 0 ? 1 : n);
#endif
}
void* raw_aligned(std::size_t align, std::size_t n) noexcept {
    if (n == 0) n = 1;
#if defined(NEXUS_COUNT_MALLOC)
    return __libc_memalign(align, n);
#else
    return std::aligned_alloc(align, (n + align - 1) / align * align);
#endif
}
void raw_free(void* p) noexcept {
#if defined(NEXUS_COUNT_MALLOC)
    __libc_free(p);
#else
    std::free(p);
#endif
}

void* new_impl(std::size_t n) {
    count();
    if (void* p = raw_alloc(n)) return p;
    throw std::bad_alloc();
}
void* new_aligned_impl(std::size_t n, std::align_val_t a) {
    count();
    if (void* p = raw_aligned(static_cast<std::size_t>(a), n)) return p;
    throw std::bad_alloc();
}
}  // namespace

namespace nexus::test {
std::size_t allocation_count() noexcept { return g_allocations.load(std::memory_order_relaxed); }
bool malloc_is_counted() noexcept {
#if defined(NEXUS_COUNT_MALLOC)
    return true;
#else
    return false;
#endif
}
}  // namespace nexus::test

void* operator new(std::size_t n) { return new_impl(n); }
void* operator new[](std::size_t n) { return new_impl(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    count();
    return raw_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    count();
    return raw_alloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) { return new_aligned_impl(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return new_aligned_impl(n, a); }
void operator delete(void* p) noexcept { raw_free(p); }
void operator delete[](void* p) noexcept { raw_free(p); }
void operator delete(void* p, std::size_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::size_t) noexcept { raw_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { raw_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { raw_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { raw_free(p); }

#if defined(NEXUS_COUNT_MALLOC)
extern "C" {
void* malloc(std::size_t n) {
    count();
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t m) {
    count();
    return __libc_calloc(n, m);
}
void* realloc(void* p, std::size_t n) {
    count();
    return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
    count();
    return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    count();
    void* p = __libc_memalign(a, n);
    if (p == nullptr) return 12;  // ENOMEM
    *out = p;
    return 0;
}
void free(void* p) { __libc_free(p); }
}
#endif
