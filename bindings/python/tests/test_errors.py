"""nexus.errors: one exception class per error code of the library, raised by every layer.

Independent truth: the codes and numbers are read from the C header (bindings/c/include/nexus.h:
each NEXUS_ERR_<NAME> = <value> is the code "<name>" with status <value>), the class names are the
codes in CamelCase plus "Error", and each real failure below is one whose code the specification of
the call fixes (a key of the wrong length, a modified AEAD tag, an all-zero X25519 result from a
small-order point, a replayed link packet, a destination nobody announced, ...). The older names
(nexus.crypto.AuthenticationError, nexus.link.LinkError and its subclasses, nexus.node.NodeError and
its subclasses) are checked with real ``try`` / ``except`` blocks around real failures.
"""
import pathlib
import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nexus
import nexus.crypto as nc
from nexus import Identity, Link, Node, Packet, errors, link_pair
from nexus.errors import (AuthFailedError, BadEncodingError, BadStateError, BufferTooSmallError, EmptyError,
                          FullError, InvalidArgumentError, InvalidLengthError, IoFailedError, NexusError,
                          NotFoundError, OutOfRangeError, ReplayedError, TruncatedError, UnsupportedError,
                          WeakKeyError, error_class)

HEADER = pathlib.Path(__file__).resolve().parents[2] / "c" / "include" / "nexus.h"


def c_header_codes():
    """{code name: value} of every NEXUS_ERR_* enumerator but the C-only NULL_POINTER."""
    text = HEADER.read_text(encoding="utf-8")
    found = {m.group(1).lower(): int(m.group(2)) for m in re.finditer(r"NEXUS_ERR_([A-Z_]+)\s*=\s*(\d+)", text)}
    assert found.pop("null_pointer") == 100
    return found


C_CODES = c_header_codes()
CLASSES = [BufferTooSmallError, TruncatedError, InvalidArgumentError, InvalidLengthError, BadEncodingError,
           OutOfRangeError, FullError, EmptyError, NotFoundError, AuthFailedError, WeakKeyError, IoFailedError,
           UnsupportedError, ReplayedError, BadStateError]


def camel(code):
    return "".join(part.capitalize() for part in code.split("_")) + "Error"


def test_header_lists_fifteen_codes():
    assert len(C_CODES) == 15 and sorted(C_CODES.values()) == list(range(1, 16))


@pytest.mark.parametrize("code", sorted(C_CODES))
def test_every_code_has_its_own_class(code):
    cls = error_class(code)
    assert cls is not NexusError and cls.__name__ == camel(code)
    assert cls.code == code and cls.status == C_CODES[code]
    assert error_class(C_CODES[code]) is cls
    assert getattr(errors, cls.__name__) is cls and cls.__name__ in errors.__all__
    assert issubclass(cls, NexusError) and issubclass(cls, ValueError)
    e = cls("why")
    assert str(e) == "why" and e.code == code and e.status == C_CODES[code]
    assert str(cls()) == code  # without a message the code is the text


def test_classes_are_distinct_and_match_the_core():
    assert len({error_class(c) for c in C_CODES}) == 15
    assert {error_class(c) for c in C_CODES} == set(CLASSES)
    # The native module's table (nexus::name over every value) is the header's.
    assert dict(nexus._nexus.error_codes) == C_CODES
    assert nexus.NexusError is NexusError and issubclass(NexusError, ValueError)
    assert NexusError.code == "unknown" and NexusError.status is None


@settings(max_examples=200)
@given(st.one_of(st.text(max_size=20), st.integers(min_value=-2**70, max_value=2**70), st.booleans()))
def test_unknown_codes_give_the_base_class(code):
    if isinstance(code, bool) or code not in C_CODES and code not in C_CODES.values():
        assert error_class(code) is NexusError
    else:
        assert error_class(code).code == code or error_class(code).status == code


def test_pickle_keeps_class_and_message():
    e = pickle.loads(pickle.dumps(ReplayedError("again")))
    assert type(e) is ReplayedError and str(e) == "again" and e.code == "replayed"


# ---- real failures: crypto ----

@settings(max_examples=50)
@given(st.binary(max_size=80).filter(lambda b: len(b) != 32))
def test_crypto_bad_key_length_is_invalid_length(key):
    with pytest.raises(InvalidLengthError) as info:
        nc.x25519_public_key(key)
    assert info.value.code == "invalid_length" and info.value.status == 4
    with pytest.raises(InvalidLengthError):
        nc.aead_seal(key, bytes(12), b"m")
    with pytest.raises(InvalidLengthError):
        nc.ed25519_keypair(key)


def test_crypto_failures_raise_their_class():
    key, nonce = bytes(range(32)), bytes(12)
    sealed = nc.aead_seal(key, nonce, b"message")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(AuthFailedError) as info:
        nc.aead_open(key, nonce, tampered)
    assert info.value.code == "auth_failed" and info.value.status == 10
    with pytest.raises(InvalidLengthError):
        nc.aead_open(key, nonce, bytes(15))  # shorter than the tag: not an authentication failure
    with pytest.raises(InvalidLengthError):
        nc.aead_seal(key, bytes(13), b"m")  # neither 12 nor 24 bytes
    # RFC 7748 §6.1: u = 0 has small order, the shared secret is all zeros.
    with pytest.raises(WeakKeyError) as info:
        nc.x25519(bytes(range(1, 33)), bytes(32))
    assert info.value.code == "weak_key"
    with pytest.raises(InvalidLengthError):
        nc.hkdf_sha256(b"k", 255 * 32 + 1)
    base = dict(password=b"pw", salt=b"saltsalt", t_cost=1, m_cost_kib=8)
    with pytest.raises(InvalidLengthError):
        nc.argon2id(**{**base, "salt": b"short"})  # RFC 9106: salt of at least 8 bytes
    with pytest.raises(InvalidArgumentError):
        nc.argon2id(**{**base, "t_cost": 0})  # at least one pass
    with pytest.raises(BadEncodingError):
        nexus.hex_decode("0g")


def test_wrong_types_stay_type_errors():
    with pytest.raises(TypeError) as info:
        nc.sha256("text")
    assert not isinstance(info.value, NexusError)
    with pytest.raises(TypeError):
        Identity.generate().sign("text")


def test_authentication_error_is_auth_failed():
    assert nc.AuthenticationError is AuthFailedError
    key, nonce = bytes(32), bytes(24)
    sealed = nc.aead_seal(key, nonce, b"x", b"ad")
    try:
        nc.aead_open(key, nonce, sealed, b"other ad")
    except nc.AuthenticationError as e:
        assert isinstance(e, AuthFailedError) and e.code == "auth_failed"
    else:
        pytest.fail("a changed associated data verified")


# ---- real failures: identity ----

def test_identity_failures_raise_their_class():
    with pytest.raises(InvalidLengthError):
        Identity(bytes(63))
    with pytest.raises(InvalidLengthError):
        Identity.from_seed(bytes(31))
    with pytest.raises(InvalidArgumentError):
        Identity.generate("bogus")  # profiles are 'nexus' and 'reticulum'
    me = Identity.generate()
    with pytest.raises(InvalidLengthError):
        me.verify(b"m", bytes(63))
    with pytest.raises(InvalidLengthError):
        me.destination_hash(bytes(9))  # a name hash is 10 bytes
    with pytest.raises(TruncatedError):
        Packet.decode(b"\x00")  # flags without a hops byte
    with pytest.raises(InvalidLengthError):
        Packet.decode(bytes(501))  # over the 500-byte MTU
    raw = nexus.identity.Announce.build(me, "nexus.test.errors")
    forged = bytearray(raw)
    forged[-1] ^= 1  # inside the signed part
    with pytest.raises(AuthFailedError):
        nexus.identity.Announce.parse(bytes(forged))
    sealed = me.seal("right", passes=1, memory_kib=8)
    try:
        Identity.unseal(sealed, "wrong")
    except nc.AuthenticationError as e:
        assert type(e) is AuthFailedError
    else:
        pytest.fail("a wrong passphrase opened the sealed key")


# ---- real failures: link ----

def test_link_failures_and_link_error():
    a, b = link_pair(seed=7)
    pkt = a.send(b"once", 10)
    assert b.receive(pkt, 10).data == b"once"
    try:
        b.receive(pkt, 10)
    except nexus.link.LinkError as e:
        assert type(e) is ReplayedError and e.code == "replayed" and e.status == 14
        assert isinstance(e, nexus.link.ReplayedError)
    else:
        pytest.fail("a replayed packet was accepted")
    bad = a.send(b"twice", 20)
    bad = bad[:-1] + bytes([bad[-1] ^ 1])
    try:
        b.receive(bad, 20)
    except nc.AuthenticationError as e:  # the crypto layer's older name catches the link's failure
        assert type(e) is AuthFailedError and isinstance(e, nexus.link.LinkError)
    else:
        pytest.fail("a modified packet was accepted")
    a.close()
    with pytest.raises(nexus.link.BadStateError) as info:
        a.send(b"late", 30)
    assert info.value.code == "bad_state" and isinstance(info.value, nexus.LinkError)
    with pytest.raises(InvalidLengthError):
        Link.initiate(bytes(63), bytes(16), 0)  # a public key is 64 bytes


# ---- real failures: node ----

def test_node_failures_and_node_error():
    node = Node(Identity.generate(), seed=1)
    node.add_interface()
    try:
        node.open_link(bytes(16), 0)  # no path: nobody announced this destination
    except nexus.node.NodeError as e:
        assert type(e) is NotFoundError and e.code == "not_found" and e.status == 9
        assert isinstance(e, nexus.node.NotFoundError) and isinstance(e, nexus.NodeError)
    else:
        pytest.fail("a link opened to an unknown destination")
    try:
        node.receive(0, b"\x00", 0)  # flags without a hops byte
    except nexus.node.NodeError as e:
        assert type(e) is TruncatedError
    else:
        pytest.fail("a 1-byte frame was accepted")
    with pytest.raises(FullError) as info:
        for _ in range(nexus.node.CAPACITIES["interfaces"]):
            node.add_interface()
    assert info.value.code == "full"


def test_old_names_stay_importable():
    from nexus.crypto import AuthenticationError
    from nexus.link import (AuthFailedError as LinkAuth, BadEncodingError as LinkEnc, BadStateError as LinkState,
                            InvalidArgumentError as LinkArg, InvalidLengthError as LinkLen, LinkError,
                            ReplayedError as LinkReplay, TruncatedError as LinkTrunc, UnsupportedError as LinkUns,
                            WeakKeyError as LinkWeak)
    from nexus.node import (BufferTooSmallError as NodeBuf, FullError as NodeFull, NodeError,
                            NotFoundError as NodeNotFound, OutOfRangeError as NodeRange)
    # One hierarchy: every old name is the nexus.errors class of its code.
    assert AuthenticationError is AuthFailedError and LinkAuth is AuthFailedError
    assert (LinkEnc, LinkState, LinkArg, LinkLen, LinkReplay, LinkTrunc, LinkUns, LinkWeak) == (
        BadEncodingError, BadStateError, InvalidArgumentError, InvalidLengthError, ReplayedError, TruncatedError,
        UnsupportedError, WeakKeyError)
    assert (NodeBuf, NodeFull, NodeNotFound, NodeRange) == (BufferTooSmallError, FullError, NotFoundError,
                                                           OutOfRangeError)
    assert LinkError is NexusError and NodeError is NexusError
    assert nexus.LinkError is NexusError and nexus.NodeError is NexusError
    for name in ("ReplayedError", "AuthFailedError", "BadStateError", "InvalidArgumentError",
                 "InvalidLengthError", "TruncatedError", "BadEncodingError", "WeakKeyError", "UnsupportedError"):
        assert getattr(nexus.link, name) is getattr(errors, name)
        assert getattr(nexus.node, name) is getattr(errors, name)
