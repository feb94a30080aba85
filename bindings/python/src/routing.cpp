// The submodule nexus._nexus.routing: ring distance (nexus/routing/ring.hpp), path policies and
// next-hop choice (path_policy.hpp), the routing table (routing_table.hpp, routing_table<1024, 4>),
// gossip bloom filters (nexus/gossip/bloom.hpp) and the bandwidth budget (budget.hpp) for Python;
// nexus/routing.py re-exports them. Addresses are 16-byte bytes, times integer milliseconds, path
// costs 4-tuples (cost code, worst latency ms, bandwidth code, hop count).
#include "bindings.hpp"

#include <nexus/gossip/bloom.hpp>
#include <nexus/gossip/budget.hpp>
#include <nexus/routing/path_policy.hpp>
#include <nexus/routing/ring.hpp>
#include <nexus/routing/routing_table.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace nexus::python {

namespace {

namespace nr = nexus::routing;
namespace ng = nexus::gossip;
namespace nw = nexus::wire;

inline constexpr std::size_t table_capacity = 1024;
inline constexpr std::size_t table_paths_per_destination = 4;
using table_type = nr::routing_table<table_capacity, table_paths_per_destination>;
using cost_tuple = std::tuple<int, int, int, int>;

truncated_hash address(const py::bytes& b, const char* what) {
    const auto s = exact(b, 16, what);
    truncated_hash a{};
    std::memcpy(a.data(), s.data(), a.size());
    return a;
}

py::bytes addr_bytes(const truncated_hash& a) { return to_bytes(a); }

nw::compact_path_cost cost_of(const cost_tuple& t) {
    auto field = [](int v, int max, const char* what) {
        if (v < 0 || v > max)
            throw py::value_error(std::string(what) + " must be between 0 and " + std::to_string(max));
        return v;
    };
    nw::compact_path_cost c;
    c.cumulative_cost = static_cast<std::uint16_t>(field(std::get<0>(t), 0xFFFF, "cumulative_cost"));
    c.worst_latency_ms = static_cast<std::uint16_t>(field(std::get<1>(t), 0xFFFF, "worst_latency_ms"));
    c.bottleneck_bps = static_cast<std::uint8_t>(field(std::get<2>(t), 255, "bottleneck_bps"));
    c.hop_count = static_cast<std::uint8_t>(field(std::get<3>(t), 255, "hop_count"));
    return c;
}

py::tuple cost_py(const nw::compact_path_cost& c) {
    return py::make_tuple(c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count);
}

std::uint8_t byte_arg(int v, const char* what) {
    if (v < 0 || v > 255) throw py::value_error(std::string(what) + " must be between 0 and 255");
    return static_cast<std::uint8_t>(v);
}

nr::path_policy policy_of(std::string_view name) {
    if (name == "cheapest") return nr::path_policy::cheapest();
    if (name == "fastest") return nr::path_policy::fastest();
    if (name == "most_reliable") return nr::path_policy::most_reliable();
    if (name == "balanced") return nr::path_policy::balanced();
    throw py::value_error("policy must be 'cheapest', 'fastest', 'most_reliable' or 'balanced'");
}

const char* outcome_name(nr::update_outcome o) {
    switch (o) {
        case nr::update_outcome::inserted:
            return "inserted";
        case nr::update_outcome::inserted_evicting:
            return "inserted_evicting";
        case nr::update_outcome::replaced_path:
            return "replaced_path";
        case nr::update_outcome::updated:
            return "updated";
        case nr::update_outcome::discarded_older:
            return "discarded_older";
        case nr::update_outcome::discarded_worse:
            return "discarded_worse";
    }
    return "unknown";
}

py::dict entry_dict(const nr::routing_entry& e) {
    py::dict d;
    d["destination"] = addr_bytes(e.destination);
    d["iface"] = e.hop.iface;
    d["hop_address"] = addr_bytes(e.hop.address);
    d["cost"] = cost_py(e.cost);
    d["reliability"] = e.reliability;
    d["state"] = e.state == nr::route_state::active ? "active" : "stale";
    d["failed"] = e.failed;
    d["suspect"] = e.suspect;
    d["lamport"] = e.lamport;
    d["last_updated_ms"] = e.last_updated.ms();
    d["expires_ms"] = e.expires.ms();
    d["evict_at_ms"] = e.evict_at.ms();
    d["last_used_ms"] = e.last_used.ms();
    return d;
}

timestamp at(std::uint64_t ms) { return timestamp::from_ms(ms); }

ng::tier tier_of(int t) {
    if (!ng::is_valid_tier(t < 0 || t > 255 ? 0 : static_cast<std::uint8_t>(t)))
        throw py::value_error("tier must be 1 (routing), 2 (payments), 3 (services) or 4 (trust)");
    return static_cast<ng::tier>(t);
}

struct table_holder {
    table_holder() : t(nr::routing_timers{}) {}
    table_type t;
};

// mark_failed and mark_suspect: one path, found by destination and hop, demoted.
template <auto Mark>
void mark_path(table_holder& h, const py::bytes& destination, int iface, const py::bytes& hop_address) {
    check((h.t.*Mark)(address(destination, "destination"),
                      nr::next_hop{byte_arg(iface, "iface"), address(hop_address, "hop_address")}));
}

// A filter over owned, caller-sized storage (1..BLOOM_MAX_BYTES bytes).
struct bloom_holder {
    std::vector<std::uint8_t> bits;
    std::uint32_t salt = 0;
    ng::bloom_key key{};

    bloom_holder(std::span<const std::uint8_t> b, std::uint32_t s) : bits(b.begin(), b.end()), salt(s) {
        key = ng::bloom_key_for(s);
    }
    ng::bloom_view view() const { return ng::bloom_view(bits, salt, key); }
};

std::size_t bloom_size_arg(std::size_t n) {
    if (n == 0) raise(error::invalid_length);
    if (n > ng::bloom_max_bytes) raise(error::out_of_range);
    return n;
}

struct budget_holder {
    budget_holder(std::uint32_t bps, std::uint64_t now_ms) : b(bps, at(now_ms)) {}
    ng::budget b;
};

}  // namespace

void bind_routing(py::module_& m) {
    py::module_ c = m.def_submodule(
        "routing",
        "Ring distance, path policies, the routing table, gossip bloom filters and the bandwidth budget "
        "(low level: see nexus.routing). ValueError for bad input.");
    c.attr("TABLE_CAPACITY") = table_capacity;
    c.attr("PATHS_PER_DESTINATION") = table_paths_per_destination;
    c.attr("BLOOM_HEADER_BYTES") = ng::bloom_header_bytes;
    c.attr("BLOOM_MAX_BYTES") = ng::bloom_max_bytes;
    c.attr("BLOOM_CONSTRAINED_MAX_BYTES") = ng::bloom_constrained_max_bytes;

    c.def(
        "ring_distance",
        [](const py::bytes& a, const py::bytes& b) {
            const nr::u128 d = nr::ring_distance(address(a, "a"), address(b, "b"));
            py::int_ hi(d.hi), lo(d.lo);
            return py::int_(hi.attr("__lshift__")(64).attr("__or__")(lo));
        },
        py::arg("a"), py::arg("b"), "min(|a - b|, 2**128 - |a - b|) of two 16-byte big-endian addresses.");

    c.def(
        "choose_next_hop",
        [](const std::vector<std::tuple<py::bytes, cost_tuple, int>>& candidates,
           const py::bytes& destination, std::string_view policy) {
            const nr::path_policy p = policy_of(policy);
            const truncated_hash dest = address(destination, "destination");
            std::vector<nr::route_candidate> cs;
            cs.reserve(candidates.size());
            for (const auto& [n, cost, r] : candidates)
                cs.push_back(
                    nr::route_candidate{address(n, "neighbour"), cost_of(cost), byte_arg(r, "reliability")});
            auto i = nr::choose_next_hop(cs, dest, p);
            check(i);
            return *i;
        },
        py::arg("candidates"), py::arg("destination"), py::arg("policy") = "balanced",
        "Index of the best (neighbour, cost tuple, reliability) candidate; ValueError when empty.");

    py::class_<table_holder>(c, "RoutingTable",
                             "routing_table<1024, 4> with the spec's default timers (times in ms).")
        .def(py::init<>())
        .def(
            "update",
            [](table_holder& h, const py::bytes& destination, int iface, const py::bytes& hop_address,
               const cost_tuple& cost, std::uint64_t lamport, std::uint64_t now_ms, int reliability) {
                nr::route_update u;
                u.destination = address(destination, "destination");
                u.hop = nr::next_hop{byte_arg(iface, "iface"), address(hop_address, "hop_address")};
                u.cost = cost_of(cost);
                u.lamport = lamport;
                u.reliability = byte_arg(reliability, "reliability");
                return outcome_name(h.t.update(u, at(now_ms)));
            },
            py::arg("destination"), py::arg("iface"), py::arg("hop_address"), py::arg("cost"),
            py::arg("lamport"), py::arg("now_ms"), py::arg("reliability") = 0)
        .def(
            "lookup",
            [](table_holder& h, const py::bytes& destination, std::string_view policy,
               std::uint64_t now_ms) -> py::object {
                const nr::routing_entry* e =
                    h.t.lookup(address(destination, "destination"), policy_of(policy), at(now_ms));
                if (e == nullptr) return py::none();
                return entry_dict(*e);
            },
            py::arg("destination"), py::arg("policy"), py::arg("now_ms"))
        .def("mark_failed", mark_path<&table_type::mark_failed>, py::arg("destination"), py::arg("iface"),
             py::arg("hop_address"))
        .def("mark_suspect", mark_path<&table_type::mark_suspect>, py::arg("destination"), py::arg("iface"),
             py::arg("hop_address"))
        .def(
            "record_outcome",
            [](table_holder& h, const py::bytes& destination, int iface, const py::bytes& hop_address,
               bool delivered) {
                check(h.t.record_outcome(
                    address(destination, "destination"),
                    nr::next_hop{byte_arg(iface, "iface"), address(hop_address, "hop_address")}, delivered));
            },
            py::arg("destination"), py::arg("iface"), py::arg("hop_address"), py::arg("delivered"))
        .def(
            "expire",
            [](table_holder& h, std::uint64_t now_ms) {
                const auto r = h.t.expire(at(now_ms));
                return py::make_tuple(r.staled, r.evicted);
            },
            py::arg("now_ms"), "(staled, evicted)")
        .def(
            "neighbour_silent",
            [](table_holder& h, int iface, const py::bytes& hop_address, std::uint64_t last_heard_ms,
               std::uint64_t now_ms) {
                const auto r = h.t.neighbour_silent(
                    nr::next_hop{byte_arg(iface, "iface"), address(hop_address, "hop_address")},
                    at(last_heard_ms), at(now_ms));
                return py::make_tuple(r.staled, r.evicted);
            },
            py::arg("iface"), py::arg("hop_address"), py::arg("last_heard_ms"), py::arg("now_ms"),
            "(staled, evicted)")
        .def("__len__", [](const table_holder& h) { return h.t.size(); })
        .def("entries", [](const table_holder& h) {
            py::list out;
            for (const auto& e : h.t) out.append(entry_dict(e));
            return out;
        });

    c.def(
        "bloom_bytes_for",
        [](std::uint64_t entries, std::size_t max_bytes) { return ng::bloom_bytes_for(entries, max_bytes); },
        py::arg("entries"), py::arg("max_bytes") = ng::bloom_max_bytes,
        "Bytes of bit array for `entries` at <= 1 % FPR (k = 3), 1..max_bytes.");

    py::class_<bloom_holder>(c, "Bloom",
                             "A gossip bloom filter (k = 3, BLAKE3-derived) over size_bytes bytes.")
        .def(py::init([](std::size_t size_bytes, std::uint32_t salt) {
                 std::vector<std::uint8_t> zero(bloom_size_arg(size_bytes), 0);
                 return bloom_holder(zero, salt);
             }),
             py::arg("size_bytes"), py::arg("salt") = 0)
        .def(
            "insert",
            [](bloom_holder& b, const py::bytes& item) {
                ng::bloom_detail::set_bits(b.bits, b.key, as_span(item));
            },
            py::arg("item"))
        .def(
            "maybe_contains",
            [](const bloom_holder& b, const py::bytes& item) {
                return b.view().maybe_contains(as_span(item));
            },
            py::arg("item"))
        .def(
            "merge",
            [](bloom_holder& b, const bloom_holder& other) {
                if (other.bits.size() != b.bits.size() || other.salt != b.salt)
                    raise(error::invalid_argument);
                for (std::size_t i = 0; i < b.bits.size(); ++i)
                    b.bits[i] = static_cast<std::uint8_t>(b.bits[i] | other.bits[i]);
            },
            py::arg("other"), "Set union with a filter of the same size and salt.")
        .def("encode",
             [](const bloom_holder& b) {
                 std::vector<std::uint8_t> out(ng::bloom_header_bytes + b.bits.size());
                 byte_writer w{std::span<std::uint8_t>(out)};
                 check(b.view().encode(w));
                 return to_bytes(out);
             })
        .def_static(
            "decode",
            [](const py::bytes& data, std::size_t max_bytes) {
                auto v = ng::bloom_view::decode_exact(as_span(data), max_bytes);
                check(v);
                return bloom_holder(v->bits(), v->salt());
            },
            py::arg("data"), py::arg("max_bytes") = ng::bloom_max_bytes)
        .def_property_readonly("bits", [](const bloom_holder& b) { return to_bytes(b.bits); })
        .def_property_readonly("salt", [](const bloom_holder& b) { return b.salt; })
        .def_property_readonly("size_bytes", [](const bloom_holder& b) { return b.bits.size(); })
        .def_property_readonly("popcount", [](const bloom_holder& b) { return b.view().popcount(); })
        .def_property_readonly("is_empty", [](const bloom_holder& b) { return b.view().is_empty(); });

    py::class_<budget_holder>(c, "Budget", "The four-tier gossip bandwidth budget of one link (times in ms).")
        .def(py::init<std::uint32_t, std::uint64_t>(), py::arg("bandwidth_bps"), py::arg("now_ms") = 0)
        .def(
            "try_spend",
            [](budget_holder& h, int tier, std::size_t bytes, std::uint64_t now_ms, bool pull) {
                return h.b.try_spend(tier_of(tier), bytes, at(now_ms),
                                     pull ? ng::direction::pull : ng::direction::push);
            },
            py::arg("tier"), py::arg("bytes"), py::arg("now_ms"), py::arg("pull") = false)
        .def(
            "available",
            [](budget_holder& h, int tier, std::uint64_t now_ms) {
                return h.b.available(tier_of(tier), at(now_ms));
            },
            py::arg("tier"), py::arg("now_ms"))
        .def(
            "capacity", [](const budget_holder& h, int tier) { return h.b.capacity(tier_of(tier)); },
            py::arg("tier"))
        .def(
            "stats",
            [](const budget_holder& h, int tier) {
                const ng::tier_stats& s = h.b.stats(tier_of(tier));
                py::dict d;
                d["bytes_sent"] = s.bytes_sent;
                d["messages"] = s.messages;
                d["refused"] = s.refused;
                d["refused_push"] = s.refused_push;
                return d;
            },
            py::arg("tier"))
        .def_property_readonly("bandwidth_bps", [](const budget_holder& h) { return h.b.bandwidth_bps(); })
        .def_property_readonly("constrained", [](const budget_holder& h) { return h.b.constrained(); });
}

}  // namespace nexus::python
