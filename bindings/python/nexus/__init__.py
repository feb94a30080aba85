"""nexus: a decentralized, cost-aware mesh-network protocol library.

The protocol core is C++ (header-only, allocation-free); this package exposes it to Python
for applications, simulations and research. Functions take and return ``bytes``; the library's
refusals raise the :mod:`nexus.errors` class of their error code (``InvalidLengthError``,
``ReplayedError``, ...), all subclasses of :class:`NexusError`, a ``ValueError``.
"""

from ._nexus import (  # noqa: F401
    __version__,
    hex_decode,
    hex_encode,
    load_uint,
    store_uint,
    version_number,
)

from . import errors  # noqa: F401  (first: the native module raises its classes)
from .errors import NexusError  # noqa: F401
from . import crypto  # noqa: F401  (hashes, KDFs, AEAD, X25519, Ed25519)
from . import identity  # noqa: F401  (identities, address hashes, sealed keys, packets, announces)
from .identity import (  # noqa: F401
    Announce,
    AnnounceInfo,
    DestinationType,
    HeaderType,
    Identity,
    Packet,
    PacketType,
    TransportType,
    destination_hash,
    name_hash,
    plain_destination_hash,
)
from . import link  # noqa: F401  (encrypted links)
from .link import (  # noqa: F401
    Link,
    LinkConfig,
    LinkError,
    LinkEvent,
    link_pair,
)
from . import node  # noqa: F401  (the sans-I/O node: paths, links, transport)
from .node import (  # noqa: F401
    MeshEvent,
    Node,
    NodeConfig,
    NodeError,
    NodeEvent,
    run_mesh,
)
from . import routing  # noqa: F401  (ring distance, policies, routing table, bloom, budget)
from . import sim  # noqa: F401  (the simulator research API)
from . import wire  # noqa: F401  (HDLC / KISS framing, path cost, announce extension)
from .wire import (  # noqa: F401
    AnnounceExtension,
    HdlcDecoder,
    KissDecoder,
    PathCost,
    hdlc_encode,
    kiss_encode,
)

__all__ = [
    "__version__",
    "version_number",
    "hex_encode",
    "hex_decode",
    "load_uint",
    "store_uint",
    "errors",
    "NexusError",
    "crypto",
    "identity",
    "Identity",
    "Packet",
    "PacketType",
    "DestinationType",
    "HeaderType",
    "TransportType",
    "Announce",
    "AnnounceInfo",
    "name_hash",
    "destination_hash",
    "plain_destination_hash",
    "link",
    "Link",
    "LinkConfig",
    "LinkError",
    "LinkEvent",
    "link_pair",
    "node",
    "MeshEvent",
    "Node",
    "NodeConfig",
    "NodeError",
    "NodeEvent",
    "run_mesh",
    "routing",
    "sim",
    "wire",
    "AnnounceExtension",
    "HdlcDecoder",
    "KissDecoder",
    "PathCost",
    "hdlc_encode",
    "kiss_encode",
]
