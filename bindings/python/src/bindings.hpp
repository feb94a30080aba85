// Shared helpers of the Python binding: bytes <-> span and nexus::error -> Python exceptions (the
// nexus.errors class of each error code, nexus/errors.py).
#pragma once

#include <nexus/node.hpp>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <nexus/core/result.hpp>

#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace nexus::python {

namespace py = pybind11;

/// A read-only view of a bytes object's buffer (valid while the object lives).
inline std::span<const std::uint8_t> as_span(const py::bytes& b) {
    char* data = nullptr;
    Py_ssize_t size = 0;
    if (PyBytes_AsStringAndSize(b.ptr(), &data, &size) != 0) throw py::error_already_set();
    return {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)};
}

inline py::bytes to_bytes(std::span<const std::uint8_t> s) {
    return py::bytes(reinterpret_cast<const char*>(s.data()), s.size());
}

/// A refusal by the library. The translator bind_core registers raises it as the nexus.errors class
/// of the code (NexusError subclasses, all ValueError: InvalidLengthError, ReplayedError, ...),
/// found by the code's name, nexus::name(code), with the message as its text.
struct failure : std::exception {
    failure(nexus::error e, std::string text) : code(e), message(std::move(text)) {}
    const char* what() const noexcept override { return message.c_str(); }
    nexus::error code;
    std::string message;
};

/// Raises the nexus.errors class of e with the library's text of it ("invalid length", ...).
[[noreturn]] inline void raise(nexus::error e) { throw failure(e, std::string(nexus::to_string(e))); }

/// Raises the nexus.errors class of e with a message naming what was wrong.
[[noreturn]] inline void raise(nexus::error e, std::string message) { throw failure(e, std::move(message)); }

template <class T>
void check(const nexus::result<T>& r) {
    if (!r) raise(r.error());
}

inline bool parse_order(std::string_view order) {
    if (order == "big") return true;
    if (order == "little") return false;
    throw py::value_error("order must be 'big' or 'little'");
}

/// Requires an exact length, raising InvalidLengthError with the argument's name otherwise.
inline std::span<const std::uint8_t> exact(const py::bytes& b, std::size_t n, const char* what) {
    auto s = as_span(b);
    if (s.size() != n)
        raise(nexus::error::invalid_length, std::string(what) + " must be " + std::to_string(n) + " bytes");
    return s;
}

/// A node's counters as a dict (nexus.Node.stats and nexus.sim.Mesh.node_stats; defined in node.cpp).
py::dict stats_dict(const nexus::node_stats& s);

void bind_core(py::module_& m);
/// Defined in crypto.cpp: the submodule nexus._nexus.crypto.
void bind_crypto(py::module_& m);
/// Defined in identity.cpp: the submodule nexus._nexus.identity (identities, packets, announces).
void bind_identity(py::module_& m);
/// Defined in link.cpp: the submodule nexus._nexus.link (encrypted links).
void bind_link(py::module_& m);
/// Defined in wire.cpp: the submodule nexus._nexus.wire (framing, path cost, announce extension).
void bind_wire(py::module_& m);
/// Defined in routing.cpp: the submodule nexus._nexus.routing (ring, policies, table, bloom, budget).
void bind_routing(py::module_& m);
/// Defined in node.cpp: the submodule nexus._nexus.node (the sans-I/O node).
void bind_node(py::module_& m);
/// Defined in layers.cpp: registers every protocol layer's submodule.
void bind_all_layers(py::module_& m);

}  // namespace nexus::python
