"""nexus.errors: the exceptions of the nexus package, one class per error code of the library.

Every refusal of the C++ core is a ``nexus::error``; this package raises it as the class of that
error, a subclass of :class:`NexusError`, itself a ``ValueError`` (so ``except ValueError`` still
catches everything). ``code`` is the error's stable name and ``status`` its number: the same
name and number the C ABI (``nexus_status_name``, ``NEXUS_ERR_*``) and the JavaScript
``NexusError.code`` use, all read from the core's one table (``nexus::name`` in
``include/nexus/core/error.hpp``).

    >>> from nexus import crypto
    >>> try:
    ...     crypto.x25519_public_key(b"short")
    ... except InvalidLengthError as e:
    ...     (e.code, e.status)
    ('invalid_length', 4)

Older names stay: ``nexus.crypto.AuthenticationError`` is :class:`AuthFailedError`, and
``nexus.link.LinkError`` and ``nexus.node.NodeError`` are :class:`NexusError`. A wrong type
(``str`` where ``bytes`` is expected) is still a ``TypeError``, not a :class:`NexusError`.
"""

from __future__ import annotations

from typing import Dict, Optional, Type, Union

from ._nexus import error_codes as _core_codes


class NexusError(ValueError):
    """The library refused a call or an input. ``code`` is the error's name ("replayed",
    "invalid_length", ...), ``status`` its number (the C ABI's ``nexus_status``); the message says
    what was wrong."""

    code: str = "unknown"
    status: Optional[int] = None  # set for every subclass from the core's table

    def __init__(self, message: Optional[str] = None):
        super().__init__(message or self.code)


class BufferTooSmallError(NexusError):
    """An output buffer cannot hold the result."""

    code = "buffer_too_small"


class TruncatedError(NexusError):
    """The input ended before a complete structure was read."""

    code = "truncated"


class InvalidArgumentError(NexusError):
    """A parameter is outside its documented domain."""

    code = "invalid_argument"


class InvalidLengthError(NexusError):
    """An input has a length the operation does not accept."""

    code = "invalid_length"


class BadEncodingError(NexusError):
    """Bytes do not form a valid encoding (bad hex digit, not a curve point, ...)."""

    code = "bad_encoding"


class OutOfRangeError(NexusError):
    """An index or value lies outside the valid range (e.g. a packet at the hop limit)."""

    code = "out_of_range"


class FullError(NexusError):
    """A fixed-capacity table or queue has no free slot."""

    code = "full"


class EmptyError(NexusError):
    """Nothing to take from an empty container."""

    code = "empty"


class NotFoundError(NexusError):
    """No such key, path, destination or link."""

    code = "not_found"


class AuthFailedError(NexusError):
    """A MAC, tag or signature did not verify (also ``nexus.crypto.AuthenticationError``)."""

    code = "auth_failed"


class WeakKeyError(NexusError):
    """A key or shared secret is degenerate (e.g. an all-zero X25519 result)."""

    code = "weak_key"


class IoFailedError(NexusError):
    """An integrator-supplied policy reported failure."""

    code = "io_failed"


class UnsupportedError(NexusError):
    """A version, type or feature this build does not implement."""

    code = "unsupported"


class ReplayedError(NexusError):
    """An authenticated message was seen before."""

    code = "replayed"


class BadStateError(NexusError):
    """The operation is not valid in the object's current state."""

    code = "bad_state"


_CLASSES: Dict[str, Type[NexusError]] = {
    cls.code: cls
    for cls in (BufferTooSmallError, TruncatedError, InvalidArgumentError, InvalidLengthError, BadEncodingError,
                OutOfRangeError, FullError, EmptyError, NotFoundError, AuthFailedError, WeakKeyError,
                IoFailedError, UnsupportedError, ReplayedError, BadStateError)
}
# The numbers come from the core, so they cannot drift from nexus::error; a class whose code the
# core lacks fails here, at import, rather than in a test someone forgot to run.
for _cls in _CLASSES.values():
    _cls.status = _core_codes[_cls.code]
_BY_STATUS: Dict[int, Type[NexusError]] = {cls.status: cls for cls in _CLASSES.values()}


def error_class(code: Union[str, int]) -> Type[NexusError]:
    """The class of an error code, by name ("replayed") or number (14); :class:`NexusError` itself
    for a code the package does not know."""
    if isinstance(code, bool):
        return NexusError
    if isinstance(code, int):
        return _BY_STATUS.get(code, NexusError)
    return _CLASSES.get(code, NexusError)


__all__ = [
    "NexusError",
    "error_class",
    "BufferTooSmallError",
    "TruncatedError",
    "InvalidArgumentError",
    "InvalidLengthError",
    "BadEncodingError",
    "OutOfRangeError",
    "FullError",
    "EmptyError",
    "NotFoundError",
    "AuthFailedError",
    "WeakKeyError",
    "IoFailedError",
    "UnsupportedError",
    "ReplayedError",
    "BadStateError",
]
