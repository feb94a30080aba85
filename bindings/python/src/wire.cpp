// The submodule nexus._nexus.wire: stream framing (nexus/wire/hdlc.hpp, kiss.hpp), the path cost
// codes and CompactPathCost (path_cost.hpp) and the NEXUS announce extension (announce_ext.hpp)
// for Python; nexus/wire.py re-exports them with the PathCost and AnnounceExtension classes. The
// stream decoders hold a frame buffer of FRAME_CAPACITY payload bytes.
#include "bindings.hpp"

#include <nexus/wire/announce_ext.hpp>
#include <nexus/wire/hdlc.hpp>
#include <nexus/wire/kiss.hpp>
#include <nexus/wire/path_cost.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nexus::python {

namespace {

namespace nw = nexus::wire;

inline constexpr std::size_t frame_capacity = 4096;

template <class D>
py::list feed_all(D& d, const py::bytes& data) {
    py::list frames;
    d.feed(as_span(data), [&](std::span<const std::uint8_t> f) { frames.append(to_bytes(f)); });
    return frames;
}

py::tuple cost_tuple(const nw::compact_path_cost& c) {
    return py::make_tuple(c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count);
}

nw::compact_path_cost cost_of(int cumulative_cost, int worst_latency_ms, int bottleneck_bps, int hop_count) {
    auto field = [](int v, int max, const char* what) {
        if (v < 0 || v > max)
            throw py::value_error(std::string(what) + " must be between 0 and " + std::to_string(max));
        return v;
    };
    nw::compact_path_cost c;
    c.cumulative_cost = static_cast<std::uint16_t>(field(cumulative_cost, 0xFFFF, "cumulative_cost"));
    c.worst_latency_ms = static_cast<std::uint16_t>(field(worst_latency_ms, 0xFFFF, "worst_latency_ms"));
    c.bottleneck_bps = static_cast<std::uint8_t>(field(bottleneck_bps, 255, "bottleneck_bps"));
    c.hop_count = static_cast<std::uint8_t>(field(hop_count, 255, "hop_count"));
    return c;
}

}  // namespace

void bind_wire(py::module_& m) {
    py::module_ c = m.def_submodule(
        "wire",
        "Stream framing (HDLC, KISS), path cost codes, CompactPathCost and the NEXUS announce extension "
        "(low level: see nexus.wire). bytes in and out; ValueError for bad input.");
    c.attr("FRAME_CAPACITY") = frame_capacity;
    c.attr("KISS_ANY_PORT") = nw::kiss::any_port;
    c.attr("MAX_FINITE_COST_CODE") = nw::max_finite_cost_code;

    c.def(
        "hdlc_encode",
        [](const py::bytes& payload) {
            const auto in = as_span(payload);
            std::vector<std::uint8_t> out(nw::hdlc::max_encoded_size(in.size()));
            auto n = nw::hdlc::encode(in, out);
            check(n);
            return to_bytes(std::span<const std::uint8_t>(out.data(), *n));
        },
        py::arg("payload"), "One HDLC frame: 7E, payload with 7D and 7E escaped as 7D (byte ^ 0x20), 7E.");
    c.def(
        "kiss_encode",
        [](const py::bytes& payload, int port) {
            if (port < 0 || port > 15) throw py::value_error("port must be between 0 and 15");
            const auto in = as_span(payload);
            std::vector<std::uint8_t> out(nw::kiss::max_encoded_size(in.size()));
            auto n = nw::kiss::encode(in, out, static_cast<std::uint8_t>(port));
            check(n);
            return to_bytes(std::span<const std::uint8_t>(out.data(), *n));
        },
        py::arg("payload"), py::arg("port") = 0,
        "One KISS data frame: C0, port << 4, payload with C0 as DB DC and DB as DB DD, C0. Port 12 is "
        "refused "
        "(its command byte would be C0).");

    using hdlc_t = nw::hdlc_decoder<frame_capacity>;
    py::class_<hdlc_t>(c, "HdlcDecoder",
                       "Streaming HDLC decoder: feed() chunks of any size, get whole frames.")
        .def(py::init<>())
        .def("feed", &feed_all<hdlc_t>, py::arg("data"), "The frames completed by these bytes, in order.")
        .def("reset", &hdlc_t::reset, "Back to hunting for a flag (counters kept).")
        .def_property_readonly("synchronised", &hdlc_t::synchronised)
        .def_property_readonly("frames", &hdlc_t::frames)
        .def_property_readonly("oversized", &hdlc_t::oversized)
        .def_property_readonly("invalid_escapes", &hdlc_t::invalid_escapes)
        .def_property_readonly("discarded", &hdlc_t::discarded);

    using kiss_t = nw::kiss_decoder<frame_capacity>;
    py::class_<kiss_t>(
        c, "KissDecoder",
        "Streaming KISS decoder for one port (0..15) or KISS_ANY_PORT: feed() chunks, get payloads.")
        .def(py::init([](int port) {
                 if ((port < 0 || port > 15) && port != nw::kiss::any_port)
                     throw py::value_error("port must be between 0 and 15, or KISS_ANY_PORT (255)");
                 return kiss_t(static_cast<std::uint8_t>(port));
             }),
             py::arg("port") = 0)
        .def("feed", &feed_all<kiss_t>, py::arg("data"),
             "The payloads of the data frames completed, in order.")
        .def("reset", &kiss_t::reset, "Back to hunting for a FEND (counters and port kept).")
        .def_property_readonly("port", &kiss_t::port)
        .def_property_readonly("synchronised", &kiss_t::synchronised)
        .def_property_readonly("frames", &kiss_t::frames)
        .def_property_readonly("oversized", &kiss_t::oversized)
        .def_property_readonly("invalid_escapes", &kiss_t::invalid_escapes)
        .def_property_readonly("ignored", &kiss_t::ignored)
        .def_property_readonly("discarded", &kiss_t::discarded);

    c.def("encode_cost", &nw::encode_cost, py::arg("micro_nxs_per_byte"),
          "Cost code round(16 * log2(cost + 1)), 0..1024.");
    c.def("decode_cost", &nw::decode_cost, py::arg("code"),
          "round(2 ** (code / 16)) - 1, saturating at 2**64 - 1 from code 1024 on.");
    c.def("encode_bandwidth", &nw::encode_bandwidth, py::arg("bps"),
          "Bandwidth code round(8 * log2(bps)), saturating at 255; 0 and 1 give 0.");
    c.def("decode_bandwidth", &nw::decode_bandwidth, py::arg("code"), "round(2 ** (code / 8)) bps.");

    c.def(
        "path_cost_encode",
        [](int cost, int latency, int bps, int hops) {
            std::array<std::uint8_t, nw::compact_path_cost::wire_size> out{};
            check(cost_of(cost, latency, bps, hops).encode(out));
            return to_bytes(std::span<const std::uint8_t>(out));
        },
        py::arg("cumulative_cost"), py::arg("worst_latency_ms"), py::arg("bottleneck_bps"),
        py::arg("hop_count"), "The 6 bytes of a CompactPathCost (u16 fields little-endian).");
    c.def(
        "path_cost_decode",
        [](const py::bytes& raw) {
            auto v = nw::compact_path_cost::decode(as_span(raw));
            check(v);
            return cost_tuple(*v);
        },
        py::arg("raw"), "(cumulative_cost, worst_latency_ms, bottleneck_bps, hop_count) of exactly 6 bytes.");
    c.def(
        "path_cost_origin", []() { return cost_tuple(nw::compact_path_cost::origin()); },
        "The origin's summary (0, 0, 255, 0).");
    c.def(
        "relay_update",
        [](int cost, int latency, int bps, int hops, std::uint64_t cost_per_byte, std::uint32_t latency_ms,
           std::uint64_t own_bps) {
            nw::hop_metrics hop;
            hop.cost_per_byte = cost_per_byte;
            hop.latency_ms = latency_ms;
            hop.bps = own_bps;
            return cost_tuple(nw::relay_update(cost_of(cost, latency, bps, hops), hop));
        },
        py::arg("cumulative_cost"), py::arg("worst_latency_ms"), py::arg("bottleneck_bps"),
        py::arg("hop_count"), py::arg("cost_per_byte"), py::arg("latency_ms"), py::arg("bps"),
        "The summary a relay forwards after adding its own hop.");

    c.def(
        "announce_ext_build",
        [](int cost, int latency, int bps, int hops, const std::vector<std::pair<int, py::bytes>>& tlvs) {
            std::size_t size = nw::announce_ext_header_size;
            for (const auto& [type, data] : tlvs) {
                if (type < 0 || type > 255) throw py::value_error("TLV type must be between 0 and 255");
                size += 2 + as_span(data).size();
            }
            std::vector<std::uint8_t> out(size);
            auto b = nw::announce_ext_builder::create(out, cost_of(cost, latency, bps, hops));
            check(b);
            for (const auto& [type, data] : tlvs)
                check(b->add_tlv(static_cast<std::uint8_t>(type), as_span(data)));
            return to_bytes(b->bytes());
        },
        py::arg("cumulative_cost"), py::arg("worst_latency_ms"), py::arg("bottleneck_bps"),
        py::arg("hop_count"), py::arg("tlvs"),
        "An announce extension: 4E, version 1, the path cost, then the (type, data) TLVs in order; "
        "ValueError "
        "for data over 255 bytes.");
    c.def(
        "announce_ext_parse",
        [](const py::bytes& app_data) {
            auto v = nw::parse_announce_ext(as_span(app_data));
            check(v);
            py::list tlvs;
            for (const nw::tlv_entry e : v->tlvs) tlvs.append(py::make_tuple(e.type, to_bytes(e.data)));
            return py::make_tuple(v->version, cost_tuple(v->path_cost), tlvs);
        },
        py::arg("app_data"),
        "(version, path cost tuple, [(type, data), ...]) of app data holding an extension; ValueError "
        "otherwise "
        "('unsupported' for a newer version).");
    c.def(
        "is_nexus_extension",
        [](const py::bytes& app_data) { return nw::is_nexus_extension(as_span(app_data)); },
        py::arg("app_data"), "Whether app data starts like a NEXUS extension (magic, at least 8 bytes).");
}

}  // namespace nexus::python
