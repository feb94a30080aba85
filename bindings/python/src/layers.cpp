// Registers the submodules of each protocol layer that has Python bindings.
#include "bindings.hpp"

namespace nexus::python {

void bind_all_layers(py::module_& m) {
    bind_crypto(m);
    bind_identity(m);
    bind_link(m);
    bind_wire(m);
    bind_routing(m);
    bind_node(m);
}

}  // namespace nexus::python
