"""nexus: a decentralized, cost-aware mesh-network protocol library.

The protocol core is C++ (header-only, allocation-free); this package exposes it to Python
for applications, simulations and research. Functions take and return ``bytes``; bad input
raises ``ValueError``.
"""

from ._nexus import (  # noqa: F401
    __version__,
    hex_decode,
    hex_encode,
    load_uint,
    store_uint,
    version_number,
)

from . import crypto  # noqa: F401  (hashes, KDFs, AEAD, X25519, Ed25519)

__all__ = ["__version__", "version_number", "hex_encode", "hex_decode", "load_uint", "store_uint", "crypto"]
