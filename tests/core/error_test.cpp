// Tests core/error.hpp: name() is each enumerator's own spelling (taken here by the preprocessor,
// not from the library's table), names and texts are distinct, and values that are no error are
// reported as unknown.
#include <doctest/doctest.h>

#include <cstddef>
#include <set>
#include <string_view>

#include "nexus/core/error.hpp"
#include "support/alloc_counter.hpp"

using namespace nexus;

namespace {

struct spelled {
    error e;
    std::string_view spelling;
};

#define NEXUS_SPELLED(x) (spelled{error::x, #x})
// Every enumerator of nexus::error, in declaration order.
constexpr spelled every_error[] = {
    NEXUS_SPELLED(buffer_too_small),
    NEXUS_SPELLED(truncated),
    NEXUS_SPELLED(invalid_argument),
    NEXUS_SPELLED(invalid_length),
    NEXUS_SPELLED(bad_encoding),
    NEXUS_SPELLED(out_of_range),
    NEXUS_SPELLED(full),
    NEXUS_SPELLED(empty),
    NEXUS_SPELLED(not_found),
    NEXUS_SPELLED(auth_failed),
    NEXUS_SPELLED(weak_key),
    NEXUS_SPELLED(io_failed),
    NEXUS_SPELLED(unsupported),
    NEXUS_SPELLED(replayed),
    NEXUS_SPELLED(bad_state),
};
#undef NEXUS_SPELLED

bool snake_case(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
    return true;
}

// Names and texts are views of literals: the C ABI hands out data() as a C string.
bool nul_terminated(std::string_view s) { return s.data()[s.size()] == '\0'; }

}  // namespace

static_assert(name(error::replayed) == "replayed", "name() is usable in constant expressions");
static_assert(to_string(error::bad_state) == "not valid in this state");
static_assert(name(static_cast<error>(0)) == "unknown");

TEST_CASE("every error's name is its enumerator's spelling: snake_case, distinct, NUL-terminated") {
    // The list above has the enum's values 1..N with no gap, so it names every error there is.
    for (std::size_t i = 0; i < std::size(every_error); ++i)
        CHECK(static_cast<std::size_t>(every_error[i].e) == i + 1);
    std::set<std::string_view> names;
    NEXUS_CHECK_NO_ALLOC({
        for (const auto& [e, spelling] : every_error) {
            CHECK(name(e) == spelling);
            CHECK(snake_case(name(e)));
            CHECK(nul_terminated(name(e)));
        }
    });
    for (const auto& s : every_error) names.insert(name(s.e));
    CHECK(names.size() == std::size(every_error));
    CHECK(names.count("unknown") == 0);  // "unknown" stays free to mean "no such error"
}

TEST_CASE("every error has a distinct, non-empty text that differs from the unknown text") {
    std::set<std::string_view> texts;
    for (const auto& s : every_error) {
        const std::string_view t = to_string(s.e);
        CHECK_FALSE(t.empty());
        CHECK(nul_terminated(t));
        CHECK(t != "unknown error");
        texts.insert(t);
    }
    CHECK(texts.size() == std::size(every_error));
    CHECK(to_string(error::buffer_too_small) == "buffer too small");
    CHECK(to_string(error::replayed) == "replayed message");
}

TEST_CASE("values that are no error give unknown") {
    const std::size_t last = std::size(every_error);
    for (const unsigned v : {0u, unsigned(last + 1), 100u, 255u}) {
        const auto e = static_cast<error>(v);
        CHECK(name(e) == "unknown");
        CHECK(to_string(e) == "unknown error");
        CHECK(nul_terminated(name(e)));
    }
}
