// The submodule nexus._nexus.link: nexus/link/link.hpp for Python. One native class, LinkCore,
// owns a random source and a link of either profile (the profile is a template parameter of
// nexus::link, so the class holds a std::variant of both and dispatches on it); nexus/link.py
// builds Link, LinkEvent, LinkConfig and link_pair on it. Rejections raise the nexus.errors class
// of the nexus error (ReplayedError, AuthFailedError, ...: NexusError, alias LinkError, a ValueError).
#include "bindings.hpp"
#include "support.hpp"

#include <nexus/core/reference_policies.hpp>
#include <nexus/crypto/ct.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/identity/identity.hpp>
#include <nexus/link/link.hpp>
#include <nexus/wire/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <sys/random.h>
#include <unistd.h>

namespace nexus::python {

namespace {

using in_bytes = std::span<const std::uint8_t>;

template <class T>
void require(const nexus::result<T>& r) {
    if (!r) raise(r.error());  // the nexus.errors class of the code (bindings.hpp)
}

using link_random = binding_random;

template <class P>
using link_of = nexus::link<P, link_random>;

nexus::timestamp at(std::uint64_t ms) { return nexus::timestamp::from_ms(ms); }

nexus::duration ms(std::uint64_t v) {
    if (v > 0x7fffffffffffffffULL) throw py::value_error("durations must be below 2**63 ms");
    return nexus::duration::milliseconds(static_cast<std::int64_t>(v));
}

const char* role_name(nexus::link_role r) {
    return r == nexus::link_role::initiator ? "initiator" : "responder";
}

const char* kind_name(nexus::link_event_kind k) {
    switch (k) {
        case nexus::link_event_kind::none:
            return "none";
        case nexus::link_event_kind::established:
            return "established";
        case nexus::link_event_kind::data:
            return "data";
        case nexus::link_event_kind::identified:
            return "identified";
        case nexus::link_event_kind::rotated:
            return "rotated";
        case nexus::link_event_kind::closed:
            return "closed";
    }
    return "unknown";
}

/// One end of a link with its random source, at a fixed address (the link points at the source).
class link_core {
public:
    struct state {
        explicit state(std::optional<std::uint64_t> seed) : rng(seed) {}
        link_random rng;
        std::variant<std::monostate, link_of<nexus::nexus_profile>, link_of<nexus::reticulum_profile>> l;
        std::string profile;
    };

private:
    template <class Fn>
    void dispatch_profile(Fn&& fn) {
        if (s_->profile == nexus::nexus_profile::name)
            fn(nexus::nexus_profile{});
        else
            fn(nexus::reticulum_profile{});
    }

    template <class Fn>
    auto visit(Fn&& fn) {
        if (auto* l = std::get_if<2>(&s_->l)) return fn(*l);
        return fn(std::get<1>(s_->l));
    }

public:
    static link_core initiate(std::string_view profile, const py::bytes& peer_public_key,
                              const py::bytes& destination_hash, std::uint64_t now_ms,
                              std::optional<std::uint64_t> seed, const nexus::link_config& config) {
        const auto pub = exact(peer_public_key, nexus::public_key_size, "peer_public_key");
        const auto d = exact(destination_hash, nexus::truncated_hash_size, "destination_hash");
        nexus::truncated_hash dest{};
        for (std::size_t i = 0; i < dest.size(); ++i) dest[i] = d[i];
        link_core c(profile, seed);
        c.dispatch_profile([&]<class P>(P) {
            auto peer = nexus::public_identity<P>::from_public_key(pub);
            require(peer);
            c.s_->l.template emplace<link_of<P>>(
                link_of<P>::initiate(*peer, dest, c.s_->rng, at(now_ms), config));
        });
        return c;
    }

    static link_core accept(std::string_view profile, const py::bytes& private_key, const py::bytes& request,
                            std::uint64_t now_ms, std::optional<std::uint64_t> seed,
                            const nexus::link_config& config) {
        const auto key = exact(private_key, nexus::private_key_size, "private_key");
        auto packet = nexus::wire::decode_packet(as_span(request));
        require(packet);
        link_core c(profile, seed);
        c.dispatch_profile([&]<class P>(P) {
            const auto own = *nexus::identity<P>::from_private_key(key);
            auto l = link_of<P>::accept(own, *packet, c.s_->rng, at(now_ms), config);
            require(l);
            c.s_->l.template emplace<link_of<P>>(std::move(*l));
        });
        return c;
    }

    py::bytes send(const py::bytes& data, std::uint64_t now_ms, int context) {
        if (context < 0 || context > 255) throw py::value_error("context must be between 0 and 255");
        return visit([&](auto& l) {
            std::array<std::uint8_t, nexus::wire::mtu> out{};
            auto n = l.send(as_span(data), at(now_ms), out, static_cast<std::uint8_t>(context));
            require(n);
            return to_bytes(std::span<const std::uint8_t>(out.data(), *n));
        });
    }

    /// (kind, context, data) of a received packet.
    py::tuple receive(const py::bytes& raw, std::uint64_t now_ms) {
        auto packet = nexus::wire::decode_packet(as_span(raw));
        require(packet);
        return visit([&](auto& l) {
            std::array<std::uint8_t, nexus::link_mdu> plain{};
            auto ev = l.receive(*packet, at(now_ms), plain);
            if (!ev) {
                nexus::crypto::secure_wipe_object(plain);
                require(ev);
            }
            py::tuple t = py::make_tuple(kind_name(ev->kind), ev->context, to_bytes(ev->data));
            nexus::crypto::secure_wipe_object(plain);
            return t;
        });
    }

    /// Every packet the link wants sent now.
    std::vector<py::bytes> poll_transmit(std::uint64_t now_ms) {
        return visit([&](auto& l) {
            std::vector<py::bytes> out;
            for (;;) {
                std::array<std::uint8_t, nexus::wire::mtu> buf{};
                auto n = l.poll_transmit(at(now_ms), buf);
                require(n);
                if (*n == 0) return out;
                out.push_back(to_bytes(std::span<const std::uint8_t>(buf.data(), *n)));
            }
        });
    }

    std::optional<std::uint64_t> next_deadline() {
        return visit([&](auto& l) -> std::optional<std::uint64_t> {
            const auto t = l.next_deadline();
            if (t == nexus::timestamp::max()) return std::nullopt;
            return t.ms();
        });
    }

    void close() {
        visit([&](auto& l) {
            l.close();
            return 0;
        });
    }

    void identify(const py::bytes& private_key) {
        const auto key = exact(private_key, nexus::private_key_size, "private_key");
        dispatch_profile([&]<class P>(P) {
            const auto me = *nexus::identity<P>::from_private_key(key);
            require(std::get<link_of<P>>(s_->l).identify(me));
        });
    }

    void rotate() {
        visit([&](auto& l) {
            require(l.rotate());
            return 0;
        });
    }

    std::string state_name() {
        return visit([](auto& l) { return std::string(nexus::to_string(l.state())); });
    }
    py::bytes id() {
        return visit([](auto& l) { return to_bytes(std::span<const std::uint8_t>(l.id())); });
    }
    py::bytes destination() {
        return visit([](auto& l) { return to_bytes(std::span<const std::uint8_t>(l.destination())); });
    }
    int epoch() {
        return visit([](auto& l) { return static_cast<int>(l.epoch()); });
    }
    std::int64_t rtt_ms() {
        return visit([](auto& l) { return l.rtt().count_ms(); });
    }
    std::string role() {
        return visit([](auto& l) { return std::string(role_name(l.role())); });
    }
    std::string close_reason() {
        return visit([](auto& l) { return std::string(nexus::to_string(l.reason())); });
    }
    bool identified() {
        return visit([](auto& l) { return l.identified(); });
    }
    std::optional<py::bytes> remote_public_key() {
        return visit([](auto& l) -> std::optional<py::bytes> {
            auto peer = l.remote_identity();
            if (!peer) return std::nullopt;
            return to_bytes(std::span<const std::uint8_t>(peer->public_key()));
        });
    }
    const std::string& profile() const { return s_->profile; }
    py::dict stats() {
        return visit([](auto& l) {
            const nexus::link_stats& s = l.stats();
            py::dict d;
            d["packets_sent"] = s.packets_sent;
            d["packets_received"] = s.packets_received;
            d["bytes_sent"] = s.bytes_sent;
            d["bytes_received"] = s.bytes_received;
            d["rejected_auth"] = s.rejected_auth;
            d["rejected_replay"] = s.rejected_replay;
            d["rejected_state"] = s.rejected_state;
            d["rejected_malformed"] = s.rejected_malformed;
            d["rejected_unidentified"] = s.rejected_unidentified;
            d["rotations"] = s.rotations;
            return d;
        });
    }

private:
    link_core(std::string_view profile, std::optional<std::uint64_t> seed)
        : s_(std::make_unique<state>(seed)) {
        if (profile != nexus::nexus_profile::name && profile != nexus::reticulum_profile::name)
            throw py::value_error("profile must be 'nexus' or 'reticulum'");
        s_->profile = std::string(profile);
    }

    std::unique_ptr<state> s_;
};

nexus::link_config make_config(std::uint64_t establishment_timeout_ms, std::uint64_t keepalive_interval_ms,
                               std::uint64_t inactivity_timeout_ms, std::uint64_t rotate_interval_ms,
                               std::uint64_t bandwidth_bps, bool require_identify) {
    nexus::link_config c;
    c.establishment_timeout = ms(establishment_timeout_ms);
    c.keepalive_interval = ms(keepalive_interval_ms);
    c.inactivity_timeout = ms(inactivity_timeout_ms);
    c.rotate_interval = ms(rotate_interval_ms);
    c.bandwidth_bps = bandwidth_bps;
    c.require_identify = require_identify;
    return c;
}

}  // namespace

void bind_link(py::module_& m) {
    py::module_ c = m.def_submodule(
        "link",
        "Encrypted links (low level: see nexus.Link). Time is uint64 milliseconds on any monotonic clock; "
        "a refusal raises the nexus.errors class of its code (LinkError = nexus.NexusError, a ValueError).");
    c.attr("MDU") = nexus::link_mdu;
    c.attr("OVERHEAD") = nexus::link_overhead;

    c.def(
        "default_config",
        []() {
            const nexus::link_config k{};
            py::dict d;
            d["establishment_timeout_ms"] = k.establishment_timeout.count_ms();
            d["keepalive_interval_ms"] = k.keepalive_interval.count_ms();
            d["inactivity_timeout_ms"] = k.inactivity_timeout.count_ms();
            d["rotate_interval_ms"] = k.rotate_interval.count_ms();
            d["bandwidth_bps"] = k.bandwidth_bps;
            d["require_identify"] = k.require_identify;
            return d;
        },
        "The library's default link configuration, as a dict.");

    py::class_<link_core>(c, "LinkCore")
        .def_static(
            "initiate",
            [](std::string_view profile, const py::bytes& peer_public_key, const py::bytes& destination_hash,
               std::uint64_t now_ms, std::optional<std::uint64_t> seed, std::uint64_t est, std::uint64_t keep,
               std::uint64_t inact, std::uint64_t rot, std::uint64_t bw, bool require_identify) {
                return link_core::initiate(profile, peer_public_key, destination_hash, now_ms, seed,
                                           make_config(est, keep, inact, rot, bw, require_identify));
            },
            py::arg("profile"), py::arg("peer_public_key"), py::arg("destination_hash"), py::arg("now_ms"),
            py::arg("seed"), py::arg("establishment_timeout_ms"), py::arg("keepalive_interval_ms"),
            py::arg("inactivity_timeout_ms"), py::arg("rotate_interval_ms"), py::arg("bandwidth_bps"),
            py::arg("require_identify"))
        .def_static(
            "accept",
            [](std::string_view profile, const py::bytes& private_key, const py::bytes& request,
               std::uint64_t now_ms, std::optional<std::uint64_t> seed, std::uint64_t est, std::uint64_t keep,
               std::uint64_t inact, std::uint64_t rot, std::uint64_t bw, bool require_identify) {
                return link_core::accept(profile, private_key, request, now_ms, seed,
                                         make_config(est, keep, inact, rot, bw, require_identify));
            },
            py::arg("profile"), py::arg("private_key"), py::arg("request"), py::arg("now_ms"),
            py::arg("seed"), py::arg("establishment_timeout_ms"), py::arg("keepalive_interval_ms"),
            py::arg("inactivity_timeout_ms"), py::arg("rotate_interval_ms"), py::arg("bandwidth_bps"),
            py::arg("require_identify"))
        .def("send", &link_core::send, py::arg("data"), py::arg("now_ms"), py::arg("context") = 0)
        .def("receive", &link_core::receive, py::arg("raw"), py::arg("now_ms"))
        .def("poll_transmit", &link_core::poll_transmit, py::arg("now_ms"))
        .def("next_deadline", &link_core::next_deadline)
        .def("close", &link_core::close)
        .def("identify", &link_core::identify, py::arg("private_key"))
        .def("rotate", &link_core::rotate)
        .def_property_readonly("state", &link_core::state_name)
        .def_property_readonly("id", &link_core::id)
        .def_property_readonly("destination", &link_core::destination)
        .def_property_readonly("epoch", &link_core::epoch)
        .def_property_readonly("rtt_ms", &link_core::rtt_ms)
        .def_property_readonly("role", &link_core::role)
        .def_property_readonly("close_reason", &link_core::close_reason)
        .def_property_readonly("identified", &link_core::identified)
        .def_property_readonly("remote_public_key", &link_core::remote_public_key)
        .def_property_readonly("profile", &link_core::profile)
        .def_property_readonly("stats", &link_core::stats);
}

}  // namespace nexus::python
