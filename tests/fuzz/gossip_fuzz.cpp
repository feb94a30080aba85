// libFuzzer target for the gossip decoders (nexus/gossip/bloom.hpp, round.hpp). The input is fed
// as a received summary (answer_summary), as a received delta (receive_delta) and as a serialised
// bloom filter (bloom_view::decode_exact). Invariants: nothing crashes; a rejected delta leaves
// every state kind exactly as it was and a rejected summary spends no budget; every item merged
// passed the kind's check(); a filter that decodes re-encodes to the same bytes.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/gossip/round.hpp"

namespace {

namespace g = nexus::gossip;
using key = std::array<std::uint8_t, 32>;

// A grow-only set of 32-byte keys; keys starting with 0xFF are "forged" and fail check().
class key_set final : public g::state_kind {
public:
    key_set(std::uint8_t id, g::tier t) : id_(id), tier_(t) {}
    std::uint8_t id() const noexcept override { return id_; }
    g::tier kind_tier() const noexcept override { return tier_; }
    std::size_t item_count(const g::round_context&) const noexcept override { return keys.size(); }
    void summarise(const g::round_context&, g::bloom_span& filter) const noexcept override {
        for (const key& k : keys) filter.insert(k);
    }
    bool delta(g::round_context&, const g::bloom_view& peer, g::delta_sink& out) const noexcept override {
        for (const key& k : keys)
            if (!peer.maybe_contains(k) && !out.put(k)) return false;
        return true;
    }
    nexus::result<void> check(const g::round_context&, std::span<const std::uint8_t> item) const noexcept override {
        if (item.size() != 32) return nexus::fail(nexus::error::invalid_length);
        if (item[0] == 0xFF) return nexus::fail(nexus::error::auth_failed);
        return nexus::ok();
    }
    nexus::result<void> merge(const g::round_context&, std::span<const std::uint8_t> item) noexcept override {
        NEXUS_FUZZ_CHECK(item.size() == 32 && item[0] != 0xFF);  // only checked items arrive
        key k{};
        std::copy(item.begin(), item.end(), k.begin());
        keys.insert(k);
        return nexus::ok();
    }
    std::set<key> keys;

private:
    std::uint8_t id_;
    g::tier tier_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::uint8_t> input(data, data + size);  // exact-size copy for ASan
    const std::span<const std::uint8_t> in(input);

    key_set routing(1, g::tier::routing), trust(7, g::tier::trust);
    for (std::uint8_t i = 0; i < 4; ++i) {
        key k{};
        k[0] = i;
        k[31] = static_cast<std::uint8_t>(i * 37);
        routing.keys.insert(k);
        k[1] = 0x55;
        trust.keys.insert(k);
    }
    g::round_multiplexer<4> mux;
    NEXUS_FUZZ_CHECK(mux.add(routing).has_value() && mux.add(trust).has_value());

    // As a received delta: all or nothing.
    const auto before_r = routing.keys, before_t = trust.keys;
    if (!mux.receive_delta(g::round_context{}, in)) NEXUS_FUZZ_CHECK(routing.keys == before_r && trust.keys == before_t);

    // As a received summary: a rejected one spends nothing.
    const auto now = nexus::timestamp::from_ms(1'000);
    g::budget b(50'000, now);
    const auto avail_before = b.available(g::tier::routing, now);
    std::array<std::uint8_t, 512> out{};
    g::round_context rc{now};
    if (!mux.answer_summary(rc, in, out, b)) NEXUS_FUZZ_CHECK(b.available(g::tier::routing, now) == avail_before);

    // As a serialised filter.
    if (auto v = g::bloom_view::decode_exact(in)) {
        std::vector<std::uint8_t> again(in.size());
        nexus::byte_writer w{std::span<std::uint8_t>(again)};
        NEXUS_FUZZ_CHECK(v->encode(w).has_value());
        NEXUS_FUZZ_CHECK(w.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()));
    }
    return 0;
}
