// The gossip round (spec "Gossip"): every 60 s with each neighbour, exchange bloom summaries of
// known state, send only the deltas, merge them (CRDT rules are each state kind's own). One round
// multiplexes every registered state kind; each kind's bytes are charged to its tier's budget.
// A new node's all-zero filters are answered tier by tier, tier 1 first, over several rounds.
// Wire formats (docs/gossip.md "Round messages"), little-endian:
//   summary: type u8 = 0x01 | version u8 = 1 | n u8 | n × (kind u8 | filter (bloom.hpp form))
//   delta:   type u8 = 0x02 | version u8 = 1 | n u8 | n × (kind u8 | count u16 | count × (len u16 | item))
// Decoding validates the whole message (and every item of a known kind, through its check())
// before anything is merged: a malformed or forged message changes no state.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/endian.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
#include "nexus/gossip/bloom.hpp"
#include "nexus/gossip/budget.hpp"
#include "nexus/identity/hash_profile.hpp"

namespace nexus::gossip {

inline constexpr std::uint8_t summary_message_type = 0x01;
inline constexpr std::uint8_t delta_message_type = 0x02;
inline constexpr std::uint8_t round_message_version = 1;
/// type, version, section count.
inline constexpr std::size_t message_header_bytes = 3;
/// kind id + filter header (the bit array comes on top).
inline constexpr std::size_t summary_section_overhead = 1 + bloom_header_bytes;
/// kind id + item count.
inline constexpr std::size_t delta_section_header_bytes = 3;
/// Length prefix of each delta item.
inline constexpr std::size_t item_prefix_bytes = 2;
/// Largest single item (longer: out_of_range, "oversize").
inline constexpr std::size_t max_item_bytes = 1024;

/// Where a state kind's delta callback writes its items: each put() appends `len u16 | item`
/// while the section stays within its limit (the smaller of the tier's budget and the space
/// left in the message).
class delta_sink {
public:
    delta_sink(std::span<std::uint8_t> out, std::size_t limit) noexcept
        : out_(out.first(std::min(limit, out.size()))) {}

    /// invalid_length for an empty item, out_of_range above max_item_bytes, full when it does not
    /// fit in what is left (the sink is unchanged; a smaller item may still fit).
    result<void> put(std::span<const std::uint8_t> item) noexcept {
        if (item.empty()) return fail(error::invalid_length);
        if (item.size() > max_item_bytes) return fail(error::out_of_range);
        if (count_ == 0xFFFF || !fits(item.size())) return fail(error::full);
        store16_le(out_.data() + pos_, static_cast<std::uint16_t>(item.size()));
        std::copy(item.begin(), item.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos_ + item_prefix_bytes));
        pos_ += item_prefix_bytes + item.size();
        ++count_;
        return ok();
    }
    bool fits(std::size_t item_bytes) const noexcept { return remaining() >= item_prefix_bytes + item_bytes; }
    std::size_t remaining() const noexcept { return out_.size() - pos_; }
    std::size_t items() const noexcept { return count_; }
    std::size_t bytes() const noexcept { return pos_; }

private:
    std::span<std::uint8_t> out_;
    std::size_t pos_ = 0;
    std::size_t count_ = 0;
};

/// A delta message of one section, written outside a round: what a kind pushes between rounds when
/// its state changed (the same bytes answer_summary would write for that kind alone). Put the items
/// through sink(), then finish() writes the message header and section header and returns the
/// message length (0 when no item went in).
class single_delta {
public:
    static constexpr std::size_t header_bytes = message_header_bytes + delta_section_header_bytes;

    /// `out` holds the whole message; items get what is left after the headers.
    single_delta(std::uint8_t kind_id, std::span<std::uint8_t> out) noexcept
        : kind_(kind_id),
          out_(out),
          sink_(out.size() > header_bytes ? out.subspan(header_bytes) : std::span<std::uint8_t>{},
                out.size() > header_bytes ? out.size() - header_bytes : 0) {}

    delta_sink& sink() noexcept { return sink_; }

    std::size_t finish() noexcept {
        if (sink_.items() == 0) return 0;
        out_[0] = delta_message_type;
        out_[1] = round_message_version;
        out_[2] = 1;
        out_[3] = kind_;
        store16_le(out_.data() + 4, static_cast<std::uint16_t>(sink_.items()));
        return header_bytes + sink_.bytes();
    }

private:
    std::uint8_t kind_;
    std::span<std::uint8_t> out_;
    delta_sink sink_;
};

/// The context of one call into a state kind: when, with which neighbour, on which interface. The
/// round passes it explicitly (a kind holds no hidden "current call" fields). `start` spreads the
/// answers of several neighbours to one summary over different items; `cursor` is where a delta cut
/// short by its packet resumes in the next packet of the same answer (the kind writes it).
struct round_context {
    timestamp now{};
    truncated_hash peer{};    ///< the neighbour whose summary we answer or whose delta we merge
    std::uint8_t iface = 0;   ///< the interface it was heard on / the answer goes out on
    std::size_t start = 0;    ///< a random position to start a delta from
    std::size_t cursor = 0;   ///< resumption point of a delta spread over several packets
};

/// One kind of gossiped state (routing entries, ledger records, capabilities, ...). Implemented
/// by the owner of that state; the round holds a pointer, never a copy.
class state_kind {
public:
    /// Wire id of the kind, unique in a round (docs/gossip.md lists the assigned ids).
    virtual std::uint8_t id() const noexcept = 0;
    virtual tier kind_tier() const noexcept = 0;
    /// Number of items the summary will insert (sizes the filter).
    virtual std::size_t item_count(const round_context& ctx) const noexcept = 0;
    /// Inserts the key of every item held into `filter`.
    virtual void summarise(const round_context& ctx, bloom_span& filter) const noexcept = 0;
    /// Puts into `out` the items whose key `peer` does not (probably) hold, until `out` is full;
    /// returns true when nothing the peer lacks was left out (then it resets ctx.cursor).
    virtual bool delta(round_context& ctx, const bloom_view& peer, delta_sink& out) const noexcept = 0;
    /// Validates a received item (syntax, signatures, ...) without changing anything.
    virtual result<void> check(const round_context& ctx, std::span<const std::uint8_t> item) const noexcept = 0;
    /// Merges a received item that passed check() (CRDT rules of the kind).
    virtual result<void> merge(const round_context& ctx, std::span<const std::uint8_t> item) noexcept = 0;
    /// On a constrained link tiers 3–4 are pull-only: their summary (a pull request) is sent
    /// only while the kind wants data.
    virtual bool wants_pull() const noexcept { return false; }

protected:
    state_kind() = default;
    state_kind(const state_kind&) = default;
    state_kind& operator=(const state_kind&) = default;
    ~state_kind() = default;
};

struct summary_report {
    std::size_t bytes = 0;             ///< message length (0: nothing to send)
    std::size_t sections = 0;          ///< kinds summarised
    std::size_t skipped_budget = 0;    ///< kinds left out for lack of tier budget
    std::size_t skipped_space = 0;     ///< kinds left out for lack of room in `out`
    std::size_t skipped_pull_only = 0; ///< tier 3–4 kinds not wanted on a constrained link
};

struct answer_report {
    std::size_t bytes = 0;             ///< delta message length (0: nothing to send)
    std::size_t sections = 0;          ///< kinds with items in the delta
    std::size_t items = 0;             ///< items sent
    std::size_t unknown_kinds = 0;     ///< summary sections of kinds not registered here (skipped)
    std::size_t deferred_catch_up = 0; ///< all-zero filters left for a later round (higher tier)
    std::size_t skipped_budget = 0;    ///< kinds with something to send but no budget or room
    bool complete = true;              ///< every answered kind sent everything the peer lacked
};

struct merge_report {
    std::size_t sections = 0;        ///< sections of known kinds
    std::size_t items_merged = 0;
    std::size_t merge_failed = 0;    ///< items a kind's merge() refused (e.g. its store is full)
    std::size_t unknown_kinds = 0;   ///< sections of kinds not registered here (skipped)
    std::size_t unknown_items = 0;   ///< items in those sections
};

/// The registry of state kinds and the three steps of a round with one neighbour:
/// make_summary → (peer) answer_summary → receive_delta.
template <std::size_t MaxKinds>
class round_multiplexer {
    static_assert(MaxKinds >= 1 && MaxKinds <= 255, "a round carries 1..255 kinds");

public:
    /// Registers a kind: invalid_argument for a tier outside 1..4 or an id already taken,
    /// full when MaxKinds are registered.
    result<void> add(state_kind& k) noexcept {
        if (!is_valid_tier(static_cast<std::uint8_t>(k.kind_tier()))) return fail(error::invalid_argument);
        if (find(k.id())) return fail(error::invalid_argument);
        return kinds_.push_back(&k);
    }
    std::size_t size() const noexcept { return kinds_.size(); }
    state_kind* find(std::uint8_t id) const noexcept {
        for (state_kind* k : kinds_)
            if (k->id() == id) return k;
        return nullptr;
    }

    /// Writes this node's summary into `out`: one filter per kind, tier 1 first, each sized for
    /// ≤ 1 % FPR (capped at 256 bytes on a constrained link and at half the tier's bucket, so the
    /// deltas keep the other half) and charged to its tier. `salt` should change every round.
    result<summary_report> make_summary(const round_context& ctx, std::span<std::uint8_t> out, budget& b,
                                        std::uint32_t salt) noexcept {
        const timestamp now = ctx.now;
        summary_report rep;
        if (out.size() < message_header_bytes) return fail(error::buffer_too_small);
        std::size_t pos = message_header_bytes;
        std::size_t count = 0;
        for (std::uint8_t tn = 1; tn <= tier_count; ++tn) {
            const auto t = static_cast<tier>(tn);
            for (state_kind* k : kinds_) {
                if (k->kind_tier() != t) continue;
                const bool pull_only = b.pull_only(t);
                if (pull_only && !k->wants_pull()) {
                    ++rep.skipped_pull_only;
                    continue;
                }
                const std::size_t header = count == 0 ? message_header_bytes : 0;
                const std::size_t overhead = header + summary_section_overhead;
                const std::uint64_t half = b.capacity(t) / 2;
                if (half < overhead + 1) {
                    ++rep.skipped_budget;
                    continue;
                }
                if (out.size() - pos < summary_section_overhead + 1) {
                    ++rep.skipped_space;
                    continue;
                }
                std::size_t size = bloom_bytes_for(k->item_count(ctx), b.max_filter_bytes());
                size = std::min<std::size_t>(size, static_cast<std::size_t>(half - overhead));
                size = std::min(size, out.size() - pos - summary_section_overhead);
                if (!b.try_spend(t, overhead + size, now, pull_only ? direction::pull : direction::push)) {
                    ++rep.skipped_budget;
                    continue;
                }
                byte_writer w{out.subspan(pos, summary_section_overhead)};
                (void)w.u8(k->id());
                (void)w.u8(bloom_version);
                (void)w.u32_le(salt);
                (void)w.u16_le(static_cast<std::uint16_t>(size));
                pos += summary_section_overhead;
                auto filter = bloom_span::make(out.subspan(pos, size), salt);
                if (filter) k->summarise(ctx, *filter);
                pos += size;
                ++count;
            }
        }
        if (count == 0) return rep;
        out[0] = summary_message_type;
        out[1] = round_message_version;
        out[2] = static_cast<std::uint8_t>(count);
        rep.bytes = pos;
        rep.sections = count;
        return rep;
    }

    /// Reads a neighbour's summary and writes the delta answering it into `out` (bytes 0: nothing
    /// to send). Each kind's section is limited by its tier's budget (charged as a pull: it
    /// answers the peer's request). Catch-up: among all-zero filters of kinds this node holds
    /// items of, only the lowest tier is served this round. A malformed summary is an error
    /// (truncated, unsupported version, bad_encoding for a wrong type or a repeated kind,
    /// invalid_length for trailing bytes, the filter's own errors) and spends nothing.
    result<answer_report> answer_summary(round_context& ctx, std::span<const std::uint8_t> summary,
                                         std::span<std::uint8_t> out, budget& b) const noexcept {
        const timestamp now = ctx.now;
        struct section {
            state_kind* kind;
            bloom_view filter;
        };
        static_vector<section, MaxKinds> sections;
        answer_report rep;
        {
            byte_reader r{summary};
            auto count = read_header(r, summary_message_type);
            if (!count) return fail(count.error());
            id_set seen{};
            for (std::size_t i = 0; i < *count; ++i) {
                auto id = r.u8();
                if (!id) return fail(error::truncated);
                if (!seen.insert(*id)) return fail(error::bad_encoding);
                auto filter = bloom_view::decode(r);
                if (!filter) return fail(filter.error());
                state_kind* k = find(*id);
                if (!k) {
                    ++rep.unknown_kinds;
                    continue;
                }
                (void)sections.push_back(section{k, *filter});  // ids are unique: at most MaxKinds
            }
            if (!r.empty()) return fail(error::invalid_length);
        }

        std::uint8_t catch_up = tier_count + 1;
        for (const section& s : sections)
            if (s.filter.is_empty() && s.kind->item_count(ctx) > 0)
                catch_up = std::min(catch_up, static_cast<std::uint8_t>(s.kind->kind_tier()));

        std::size_t pos = message_header_bytes;
        std::size_t count = 0;
        for (std::uint8_t tn = 1; tn <= tier_count; ++tn) {
            const auto t = static_cast<tier>(tn);
            for (const section& s : sections) {
                if (s.kind->kind_tier() != t) continue;
                if (s.filter.is_empty() && tn > catch_up) {
                    ++rep.deferred_catch_up;
                    continue;
                }
                const std::size_t header = count == 0 ? message_header_bytes : 0;
                const std::size_t overhead = header + delta_section_header_bytes;
                const std::uint64_t avail = b.available(t, now);
                const std::size_t space = out.size() > pos ? out.size() - pos : 0;
                if (avail < overhead + item_prefix_bytes + 1 || out.size() < message_header_bytes ||
                    space < delta_section_header_bytes + item_prefix_bytes + 1) {
                    if (s.kind->item_count(ctx) > 0) ++rep.skipped_budget;
                    continue;
                }
                const auto limit = static_cast<std::size_t>(
                    std::min<std::uint64_t>(avail - overhead, space - delta_section_header_bytes));
                delta_sink sink(out.subspan(pos + delta_section_header_bytes), limit);
                const bool complete = s.kind->delta(ctx, s.filter, sink);
                if (sink.items() == 0) {
                    if (!complete) {
                        rep.complete = false;
                        ++rep.skipped_budget;
                    }
                    continue;
                }
                if (!b.try_spend(t, overhead + sink.bytes(), now, direction::pull)) {
                    rep.complete = false;  // cannot happen: the sink stayed within available()
                    ++rep.skipped_budget;
                    continue;
                }
                out[pos] = s.kind->id();
                store16_le(out.data() + pos + 1, static_cast<std::uint16_t>(sink.items()));
                pos += delta_section_header_bytes + sink.bytes();
                ++count;
                rep.items += sink.items();
                if (!complete) rep.complete = false;
            }
        }
        if (count == 0) return rep;
        out[0] = delta_message_type;
        out[1] = round_message_version;
        out[2] = static_cast<std::uint8_t>(count);
        rep.bytes = pos;
        rep.sections = count;
        return rep;
    }

    /// Validates a neighbour's delta entirely — framing, then every item of a known kind through
    /// the kind's check() — and only then merges. Errors (nothing merged): truncated,
    /// unsupported version, bad_encoding (wrong type, repeated kind), invalid_length (empty
    /// section, empty item, trailing bytes), out_of_range (item above max_item_bytes), or the
    /// error a kind's check() returned. Sections of unknown kinds are skipped and counted.
    result<merge_report> receive_delta(const round_context& ctx, std::span<const std::uint8_t> delta) noexcept {
        merge_report rep;
        auto pass = [&](bool apply) -> result<void> {
            byte_reader r{delta};
            auto count = read_header(r, delta_message_type);
            if (!count) return fail(count.error());
            id_set seen{};
            for (std::size_t i = 0; i < *count; ++i) {
                auto id = r.u8();
                auto n = r.u16_le();
                if (!id || !n) return fail(error::truncated);
                if (!seen.insert(*id)) return fail(error::bad_encoding);
                if (*n == 0) return fail(error::invalid_length);
                state_kind* k = find(*id);
                if (apply) {
                    if (k) {
                        ++rep.sections;
                    } else {
                        ++rep.unknown_kinds;
                        rep.unknown_items += *n;
                    }
                }
                for (std::size_t j = 0; j < *n; ++j) {
                    auto len = r.u16_le();
                    if (!len) return fail(error::truncated);
                    if (*len == 0) return fail(error::invalid_length);
                    if (*len > max_item_bytes) return fail(error::out_of_range);
                    auto item = r.bytes(*len);
                    if (!item) return fail(error::truncated);
                    if (!k) continue;
                    if (!apply) {
                        auto c = k->check(ctx, *item);
                        if (!c) return fail(c.error());
                    } else if (k->merge(ctx, *item)) {
                        ++rep.items_merged;
                    } else {
                        ++rep.merge_failed;
                    }
                }
            }
            if (!r.empty()) return fail(error::invalid_length);
            return ok();
        };
        auto checked = pass(false);
        if (!checked) return fail(checked.error());
        (void)pass(true);
        return rep;
    }

private:
    struct id_set {
        std::array<std::uint64_t, 4> words{};
        /// false if already present.
        constexpr bool insert(std::uint8_t id) noexcept {
            const std::uint64_t bit = std::uint64_t{1} << (id & 63);
            std::uint64_t& w = words[id >> 6];
            if (w & bit) return false;
            w |= bit;
            return true;
        }
    };

    static result<std::size_t> read_header(byte_reader& r, std::uint8_t type) noexcept {
        auto t = r.u8();
        auto v = r.u8();
        auto n = r.u8();
        if (!t || !v || !n) return fail(error::truncated);
        if (*t != type) return fail(error::bad_encoding);
        if (*v != round_message_version) return fail(error::unsupported);
        return std::size_t{*n};
    }

    static_vector<state_kind*, MaxKinds> kinds_;
};

/// Which neighbour's round is due: each neighbour every `interval` (60 s), the next round counted
/// from the end of the last one so a stall never causes a burst of rounds.
template <class Id, std::size_t MaxNeighbours>
class round_scheduler {
public:
    explicit round_scheduler(duration interval = round_interval) noexcept : interval_(interval) {}

    /// A new neighbour, first round due at now + first_delay (0: at once). invalid_argument if
    /// already known, full at capacity.
    result<void> add(const Id& id, timestamp now, duration first_delay = duration{}) noexcept {
        if (index_of(id)) return fail(error::invalid_argument);
        return entries_.push_back(entry{id, now + first_delay});
    }
    result<void> remove(const Id& id) noexcept {
        auto i = index_of(id);
        if (!i) return fail(error::not_found);
        return entries_.erase(*i);
    }
    /// The neighbour due longest ago whose round is due at `now` (ties: the earliest added).
    std::optional<Id> due(timestamp now) const noexcept {
        const entry* best = nullptr;
        for (const entry& e : entries_)
            if (e.next <= now && (!best || e.next < best->next)) best = &e;
        if (!best) return std::nullopt;
        return best->id;
    }
    /// The round with `id` ran at `now`: the next is due at now + interval.
    result<void> completed(const Id& id, timestamp now) noexcept {
        auto i = index_of(id);
        if (!i) return fail(error::not_found);
        entries_[*i].next = now + interval_;
        return ok();
    }
    /// The earliest due time, timestamp::max() with no neighbours.
    timestamp next_deadline() const noexcept {
        timestamp t = timestamp::max();
        for (const entry& e : entries_) t = std::min(t, e.next);
        return t;
    }
    std::size_t size() const noexcept { return entries_.size(); }
    duration interval() const noexcept { return interval_; }

private:
    struct entry {
        Id id;
        timestamp next;
    };
    std::optional<std::size_t> index_of(const Id& id) const noexcept {
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (entries_[i].id == id) return i;
        return std::nullopt;
    }

    duration interval_;
    static_vector<entry, MaxNeighbours> entries_;
};

}  // namespace nexus::gossip
