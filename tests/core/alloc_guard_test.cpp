// Proves the allocation guard works: allocations are seen, so a test that allocates fails.
#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/alloc_counter.hpp"

namespace {
// Storing each allocation here keeps the optimiser from eliding a new/delete pair.
void* volatile sink = nullptr;
}  // namespace

TEST_CASE("the guard counts operator new, containers and (where interposed) malloc") {
    nexus::test::alloc_guard g;
    auto p = std::make_unique<int>(5);
    sink = p.get();
    CHECK(g.allocations() == 1);
    std::vector<int> v(100);
    sink = v.data();
    CHECK(g.allocations() == 2);
    std::string s(200, 'x');
    sink = s.data();
    CHECK(g.allocations() == 3);
    if (nexus::test::malloc_is_counted()) {
        void* m = std::malloc(16);
        sink = m;
        CHECK(g.allocations() == 4);
        std::free(m);
    } else {
        MESSAGE(
            "C malloc is not interposed in this build (sanitizer or static link); "
            "operator new is counted");
    }
}

// This case allocates on purpose under NEXUS_CHECK_NO_ALLOC and must fail: doctest::should_fail
// inverts it, so the suite passes only if the guard reports the allocation.
TEST_CASE("NEXUS_CHECK_NO_ALLOC fails a statement that allocates" * doctest::should_fail()) {
    NEXUS_CHECK_NO_ALLOC({
        auto p = std::make_unique<long>(1);
        sink = p.get();
    });
}

TEST_CASE("NEXUS_CHECK_NO_ALLOC passes a statement that does not allocate") {
    int x = 0;
    NEXUS_CHECK_NO_ALLOC(x += 1);
    CHECK(x == 1);
}
