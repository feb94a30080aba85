// Tests the fixed-capacity containers against the standard library's growing ones as a model:
// random operation sequences must agree, "full" must be an error, and nothing may allocate.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "nexus/core/lru_cache.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/core/slot_map.hpp"
#include "nexus/core/static_map.hpp"
#include "nexus/core/static_vector.hpp"
#include "support/alloc_counter.hpp"

using namespace nexus;

namespace {
// Counts live objects so tests can prove construction and destruction are balanced.
struct tracked {
    static inline int live = 0;
    int v;
    explicit tracked(int x = 0) : v(x) { ++live; }
    tracked(const tracked& o) : v(o.v) { ++live; }
    tracked(tracked&& o) noexcept : v(o.v) { ++live; }
    tracked& operator=(const tracked&) = default;
    tracked& operator=(tracked&&) noexcept = default;
    ~tracked() { --live; }
};
}  // namespace

namespace {
// Not trivially copyable: static_vector moves it element by element, not by block.
struct boxed {
    int v = 0;
    boxed(int x = 0) : v(x) {}  // NOLINT: implicit, like the int it stands for
    boxed(const boxed& o) : v(o.v) {}
    boxed& operator=(const boxed& o) {
        v = o.v;
        return *this;
    }
    friend bool operator==(const boxed& a, const boxed& b) { return a.v == b.v; }
};
static_assert(!std::is_trivially_copyable_v<boxed>);

template <class T>
void random_operations_agree(std::uint32_t seed) {
    std::mt19937 gen(seed);
    static_vector<T, 32> v;
    std::vector<T> model;
    for (int step = 0; step < 20000; ++step) {
        const int op = static_cast<int>(gen() % 6);
        const int x = static_cast<int>(gen() % 1000);
        if (op <= 1) {
            auto r = v.push_back(x);
            if (model.size() < 32) {
                REQUIRE(r);
                model.push_back(x);
            } else {
                REQUIRE(r.error() == error::full);
            }
        } else if (op == 2 && !model.empty()) {
            const std::size_t i = gen() % model.size();
            REQUIRE(v.erase(i));
            model.erase(model.begin() + static_cast<long>(i));
        } else if (op == 3) {
            const std::size_t i = gen() % (model.size() + 1);
            auto r = v.insert(i, x);
            if (model.size() < 32) {
                REQUIRE(r);
                model.insert(model.begin() + static_cast<long>(i), x);
            } else {
                REQUIRE(r.error() == error::full);
            }
        } else if (op == 4 && !model.empty()) {
            REQUIRE(v.pop_back());
            model.pop_back();
        } else if (op == 5) {
            // erase_insert = erase(i) then insert(j) on the shorter vector; out of range otherwise.
            const std::size_t i = gen() % (model.size() + 1), j = gen() % (model.size() + 1);
            auto r = v.erase_insert(i, j, x);
            if (i < model.size() && j < model.size()) {
                REQUIRE(r);
                model.erase(model.begin() + static_cast<long>(i));
                model.insert(model.begin() + static_cast<long>(j), x);
            } else {
                REQUIRE(r.error() == error::out_of_range);
            }
        }
        REQUIRE(v.size() == model.size());
        for (std::size_t i = 0; i < model.size(); ++i) REQUIRE(v[i] == model[i]);
    }
}
}  // namespace

TEST_CASE("static_vector agrees with std::vector on random operations") {
    random_operations_agree<int>(1);    // block moves (trivially copyable)
    random_operations_agree<boxed>(2);  // element by element
}

TEST_CASE("static_vector bounds, errors and object lifetimes") {
    {
        static_vector<tracked, 4> v;
        NEXUS_CHECK_NO_ALLOC({
            for (int i = 0; i < 4; ++i) REQUIRE(v.emplace_back(i));
        });
        CHECK(tracked::live == 4);
        CHECK(v.emplace_back(5).error() == error::full);
        CHECK(v.at(4).error() == error::out_of_range);
        CHECK((*v.at(3))->v == 3);
        REQUIRE(v.swap_erase(0));
        CHECK(v[0].v == 3);
        CHECK(tracked::live == 3);
        static_vector<tracked, 4> copy = v;
        CHECK(tracked::live == 6);
        static_vector<tracked, 4> moved = std::move(copy);
        CHECK(copy.empty());
        CHECK(moved.size() == 3);
        CHECK(v.erase(7).error() == error::out_of_range);
        v.clear();
        CHECK(v.pop_back().error() == error::empty);
    }
    CHECK(tracked::live == 0);
}

TEST_CASE("ring_buffer agrees with std::deque as a FIFO") {
    std::mt19937 gen(2);
    ring_buffer<int, 8> rb;
    std::deque<int> model;
    for (int step = 0; step < 20000; ++step) {
        const int x = static_cast<int>(gen());
        switch (gen() % 3) {
            case 0: {
                auto r = rb.push_back(x);
                if (model.size() < 8) {
                    REQUIRE(r);
                    model.push_back(x);
                } else {
                    REQUIRE(r.error() == error::full);
                }
                break;
            }
            case 1: {
                const bool dropped = rb.push_overwrite(x);
                REQUIRE(dropped == (model.size() == 8));
                if (dropped) model.pop_front();
                model.push_back(x);
                break;
            }
            default: {
                auto r = rb.pop_front();
                if (model.empty()) {
                    REQUIRE(r.error() == error::empty);
                } else {
                    REQUIRE(*r == model.front());
                    model.pop_front();
                }
            }
        }
        REQUIRE(rb.size() == model.size());
        for (std::size_t i = 0; i < model.size(); ++i) REQUIRE(rb[i] == model[i]);
        if (!model.empty()) {
            REQUIRE(**rb.front() == model.front());
            REQUIRE(**rb.back() == model.back());
        }
    }
}

TEST_CASE("ring_buffer destroys what it holds") {
    {
        ring_buffer<tracked, 3> rb;
        for (int i = 0; i < 5; ++i) rb.push_overwrite(tracked(i));
        CHECK(tracked::live == 3);
        CHECK((*rb.pop_front()).v == 2);
    }
    CHECK(tracked::live == 0);
}

TEST_CASE("static_map agrees with std::map and reports full") {
    std::mt19937 gen(3);
    static_map<int, int, 16> m;
    std::map<int, int> model;
    for (int step = 0; step < 20000; ++step) {
        const int k = static_cast<int>(gen() % 40);
        const int val = static_cast<int>(gen());
        switch (gen() % 4) {
            case 0: {
                auto r = m.insert(k, val);
                if (model.count(k)) {
                    REQUIRE(r.error() == error::invalid_argument);
                } else if (model.size() == 16) {
                    REQUIRE(r.error() == error::full);
                } else {
                    REQUIRE(r);
                    model[k] = val;
                }
                break;
            }
            case 1: {
                auto r = m.insert_or_assign(k, val);
                if (model.count(k) || model.size() < 16) {
                    REQUIRE(r);
                    model[k] = val;
                } else {
                    REQUIRE(r.error() == error::full);
                }
                break;
            }
            case 2: {
                auto r = m.erase(k);
                REQUIRE(static_cast<bool>(r) == (model.erase(k) == 1));
                break;
            }
            default: {
                const int* found = m.find(k);
                auto it = model.find(k);
                REQUIRE((found != nullptr) == (it != model.end()));
                if (found) REQUIRE(*found == it->second);
            }
        }
        REQUIRE(m.size() == model.size());
        auto it = model.begin();
        for (const auto& e : m) {
            REQUIRE(e.key == it->first);
            REQUIRE(e.value == it->second);
            ++it;
        }
    }
}

namespace {

// Drives an lru_cache<K, int, Cap> and a list model with the same random operations over
// `universe` keys and checks they agree after every step.
template <class K, std::size_t Cap, class MakeKey>
void lru_against_model(std::uint32_t seed, int universe, MakeKey make_key, int steps) {
    std::mt19937 gen(seed);
    lru_cache<K, int, Cap> c;
    std::list<std::pair<K, int>> model;  // front = most recent
    auto model_find = [&](const K& k) {
        for (auto it = model.begin(); it != model.end(); ++it)
            if (it->first == k) return it;
        return model.end();
    };
    for (int step = 0; step < steps; ++step) {
        const K k = make_key(static_cast<int>(gen() % static_cast<std::uint32_t>(universe)));
        const int val = static_cast<int>(gen());
        switch (gen() % 4) {
            case 0: {
                auto evicted = c.put(k, val);
                auto it = model_find(k);
                if (it != model.end()) {
                    model.erase(it);
                    REQUIRE_FALSE(evicted);
                } else if (model.size() == Cap) {
                    REQUIRE(evicted);
                    REQUIRE(*evicted == model.back().first);
                    model.pop_back();
                } else {
                    REQUIRE_FALSE(evicted);
                }
                model.emplace_front(k, val);
                break;
            }
            case 1: {
                int* v = c.get(k);
                REQUIRE(c.contains(k) == (v != nullptr));
                auto it = model_find(k);
                REQUIRE((v != nullptr) == (it != model.end()));
                if (v) {
                    REQUIRE(*v == it->second);
                    model.splice(model.begin(), model, it);
                }
                break;
            }
            case 2: {
                auto r = c.erase(k);
                auto it = model_find(k);
                REQUIRE(static_cast<bool>(r) == (it != model.end()));
                if (it != model.end()) model.erase(it);
                break;
            }
            default: {
                auto r = c.try_put(k, val);
                auto it = model_find(k);
                if (it == model.end() && model.size() == Cap) {
                    REQUIRE(r.error() == error::full);
                } else {
                    REQUIRE(r);
                    if (it != model.end()) model.erase(it);
                    model.emplace_front(k, val);
                }
            }
        }
        REQUIRE(c.size() == model.size());
        auto it = model.begin();
        c.for_each([&](const K& key, const int& value) {
            REQUIRE(key == it->first);
            REQUIRE(value == it->second);
            ++it;
        });
        if (!model.empty()) REQUIRE(*c.oldest() == model.back().first);
    }
}

}  // namespace

TEST_CASE("slot_map agrees with std::map, reports full, and never moves a value") {
    std::mt19937 gen(5);
    // Values are big, as the routing agent's are; each remembers its key so a value that moved
    // to another key's slot, or was overwritten, shows.
    struct big {
        int key = -1;
        int val = 0;
        std::array<std::uint8_t, 200> pad{};
    };
    auto m = std::make_unique<slot_map<int, big, 24>>();
    std::map<int, int> model;
    std::map<int, const big*> where;  // the address insert() returned, per live key
    for (int step = 0; step < 30000; ++step) {
        const int k = static_cast<int>(gen() % 60);
        const int val = static_cast<int>(gen());
        switch (gen() % 3) {
            case 0: {
                auto r = m->insert(k, big{k, val, {}});
                if (model.count(k)) {
                    REQUIRE(r.error() == error::invalid_argument);
                } else if (model.size() == 24) {
                    REQUIRE(r.error() == error::full);
                } else {
                    REQUIRE(r);
                    model[k] = val;
                    where[k] = *r;
                }
                break;
            }
            case 1: {
                auto r = m->erase(k);
                REQUIRE(static_cast<bool>(r) == (model.erase(k) == 1));
                if (!r) REQUIRE(r.error() == error::not_found);
                where.erase(k);
                break;
            }
            default: {
                big* found = m->find(k);
                auto it = model.find(k);
                REQUIRE((found != nullptr) == (it != model.end()));
                if (found) {
                    REQUIRE(found->val == it->second);
                    found->val = val;  // written through the pointer, seen by iteration below
                    it->second = val;
                }
            }
        }
        REQUIRE(m->size() == model.size());
        REQUIRE(m->full() == (model.size() == 24));
        auto it = model.begin();
        for (auto e : *m) {
            REQUIRE(it != model.end());
            REQUIRE(e.key == it->first);
            REQUIRE(e.value.key == it->first);
            REQUIRE(e.value.val == it->second);
            REQUIRE(&e.value == where.at(e.key));  // still where insert() put it
            ++it;
        }
        REQUIRE(it == model.end());
        if (!model.empty()) {  // random access through the iterator, as the routing agent pushes
            const std::size_t i = gen() % model.size();
            auto mi = model.begin();
            std::advance(mi, static_cast<std::ptrdiff_t>(i));
            REQUIRE(m->begin()[static_cast<std::ptrdiff_t>(i)].key == mi->first);
        }
    }
    m->clear();
    REQUIRE(m->empty());
    REQUIRE(m->find(3) == nullptr);
    for (int k = 0; k < 24; ++k) REQUIRE(m->insert(k, big{k, k, {}}));
    REQUIRE(m->insert(99, big{}).error() == error::full);
}

TEST_CASE("lru_cache evicts the least recently used entry, as a list model predicts") {
    lru_against_model<int, 5>(4, 9, [](int i) { return i; }, 20000);
}

TEST_CASE("lru_cache with its hash index (byte keys, N > 32) agrees with the list model") {
    using key = std::array<std::uint8_t, 16>;
    // 100 keys over 40 slots; keys share their first 8 bytes (the index hashes only those) in
    // groups of 10, so probe runs collide, wrap and are shifted back on every erase.
    auto make = [](int i) {
        key k{};
        k[0] = static_cast<std::uint8_t>(i / 10);
        k[15] = static_cast<std::uint8_t>(i);
        return k;
    };
    lru_against_model<key, 40>(7, 100, make, 60000);
    // Distinct prefixes too (the usual case: packet hashes).
    auto spread = [](int i) {
        key k{};
        for (std::size_t b = 0; b < k.size(); ++b) k[b] = static_cast<std::uint8_t>(i * 37 + b * 11);
        return k;
    };
    lru_against_model<key, 40>(8, 70, spread, 30000);
}
