// The pybind11 module nexus._nexus: core helpers here, each layer in its own bind_*.cpp file.
#include "bindings.hpp"

#include <nexus/nexus.hpp>

#include <exception>
#include <string>
#include <string_view>

namespace py = pybind11;

namespace nexus::python {

void bind_sim(py::module_& m);  // sim.cpp: the submodule nexus._nexus.sim (the network simulator)

void bind_core(py::module_& m) {
    m.attr("__version__") = std::string(nexus::version_string);
    m.attr("version_number") = nexus::version_number;

    // The core's error codes, name -> value, from nexus::name: nexus/errors.py has a class for each.
    py::dict codes;
    for (unsigned v = 1; v <= 0xff; ++v) {
        const std::string_view name = nexus::name(static_cast<nexus::error>(v));
        if (name != "unknown") codes[py::str(name.data(), name.size())] = v;
    }
    m.attr("error_codes") = codes;
    // A refusal (struct failure) becomes the nexus.errors class of its code. The package imports
    // nexus.errors before any call can fail, so the import here only looks in sys.modules; a plain
    // ValueError is left for the odd program that uses _nexus without its package.
    py::register_local_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const failure& f) {
            py::object cls = py::reinterpret_borrow<py::object>(PyExc_ValueError);
            try {
                const std::string_view name = nexus::name(f.code);
                cls = py::module_::import("nexus.errors")
                          .attr("error_class")(py::str(name.data(), name.size()));
            } catch (const py::error_already_set&) {
            }
            PyErr_SetString(cls.ptr(), f.what());
        }
    });

    m.def(
        "hex_encode",
        [](py::bytes data) {
            auto in = as_span(data);
            std::string out(2 * in.size(), '\0');
            auto r = nexus::hex_encode(in, std::span<char>(out.data(), out.size()));
            check(r);
            return out;
        },
        py::arg("data"), "Lower-case hex digits of the bytes.");
    m.def(
        "hex_decode",
        [](std::string_view text) {
            std::string out(text.size() / 2, '\0');
            auto r =
                nexus::hex_decode(text, std::span(reinterpret_cast<std::uint8_t*>(out.data()), out.size()));
            check(r);
            return py::bytes(out);
        },
        py::arg("text"),
        "Bytes from hex digits (either case); BadEncodingError (a ValueError) on odd length or bad digits.");
    m.def(
        "load_uint",
        [](py::bytes data, std::size_t width, std::string_view order) -> std::uint64_t {
            nexus::byte_reader r(as_span(data));
            const bool big = parse_order(order);
            nexus::result<std::uint64_t> v = nexus::fail(nexus::error::invalid_argument);
            switch (width) {
                case 1:
                    v = r.u8();
                    break;
                case 2:
                    v = big ? r.u16_be() : r.u16_le();
                    break;
                case 4:
                    v = big ? r.u32_be() : r.u32_le();
                    break;
                case 8:
                    v = big ? r.u64_be() : r.u64_le();
                    break;
                default:
                    throw py::value_error("width must be 1, 2, 4 or 8");
            }
            check(v);
            return *v;
        },
        py::arg("data"), py::arg("width"), py::arg("order") = "big",
        "Unsigned integer of `width` bytes from the start of data, order 'big' or 'little'.");
    m.def(
        "store_uint",
        [](std::uint64_t value, std::size_t width, std::string_view order) {
            const bool big = parse_order(order);
            if (width != 1 && width != 2 && width != 4 && width != 8)
                throw py::value_error("width must be 1, 2, 4 or 8");
            if (width < 8 && (value >> (8 * width)) != 0)
                throw py::value_error("value does not fit in the width");
            std::string out(width, '\0');
            nexus::byte_writer w(std::span(reinterpret_cast<std::uint8_t*>(out.data()), out.size()));
            nexus::result<void> r;
            switch (width) {
                case 1:
                    r = w.u8(static_cast<std::uint8_t>(value));
                    break;
                case 2:
                    r = big ? w.u16_be(static_cast<std::uint16_t>(value))
                            : w.u16_le(static_cast<std::uint16_t>(value));
                    break;
                case 4:
                    r = big ? w.u32_be(static_cast<std::uint32_t>(value))
                            : w.u32_le(static_cast<std::uint32_t>(value));
                    break;
                default:
                    r = big ? w.u64_be(value) : w.u64_le(value);
                    break;
            }
            check(r);
            return py::bytes(out);
        },
        py::arg("value"), py::arg("width"), py::arg("order") = "big",
        "The value as `width` bytes in order 'big' or 'little'.");
}

}  // namespace nexus::python

PYBIND11_MODULE(_nexus, m) {
    m.doc() = "nexus: a header-only, allocation-free mesh-network protocol library";
    nexus::python::bind_core(m);
    nexus::python::bind_all_layers(m);
    nexus::python::bind_sim(m);
}
