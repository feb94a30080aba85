"""nexus core surface from Python: version, hex, byte order — against test-vectors/."""
import re

import pytest

import nexus
from conftest import load_vectors


def test_version_is_semver_and_matches_number():
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", nexus.__version__)
    assert m
    major, minor, patch = map(int, m.groups())
    assert nexus.version_number == (major << 16) | (minor << 8) | patch


@pytest.mark.parametrize("case", load_vectors("hex.json")["cases"])
def test_hex_rfc4648(case):
    raw = case["ascii"].encode()
    assert nexus.hex_encode(raw) == case["hex"]
    assert nexus.hex_decode(case["hex"]) == raw
    assert nexus.hex_encode(raw) == raw.hex()  # a second implementation: Python's own


def test_hex_upper_case_and_invalid():
    v = load_vectors("hex.json")
    for c in v["upper_case_accepted"]:
        assert nexus.hex_decode(c["hex"]) == bytes.fromhex(c["bytes_hex"])
    for bad in v["invalid"]:
        with pytest.raises(ValueError):
            nexus.hex_decode(bad)


def test_hex_all_byte_values_round_trip():
    data = bytes(range(256))
    assert nexus.hex_decode(nexus.hex_encode(data)) == data


@pytest.mark.parametrize("case", load_vectors("byte_order.json")["cases"])
def test_byte_order(case):
    width, value = case["width"], int(case["value"], 16)
    assert nexus.store_uint(value, width, "big").hex() == case["big"]
    assert nexus.store_uint(value, width, "little").hex() == case["little"]
    assert nexus.load_uint(bytes.fromhex(case["big"]), width, "big") == value
    assert nexus.load_uint(bytes.fromhex(case["little"]), width, "little") == value
    assert nexus.store_uint(value, width, "little") == value.to_bytes(width, "little")
    with pytest.raises(ValueError):
        nexus.load_uint(bytes.fromhex(case["big"])[:-1], width, "big")


def test_byte_order_errors():
    v = load_vectors("byte_order.json")
    for c in v["out_of_range"]:
        with pytest.raises(ValueError):
            nexus.store_uint(int(c["value"], 16), c["width"], "little")
    for w in v["invalid_widths"]:
        with pytest.raises(ValueError):
            nexus.store_uint(0, w)
        with pytest.raises(ValueError):
            nexus.load_uint(bytes(16), w)
    with pytest.raises(ValueError):
        nexus.store_uint(1, 4, "middle")
    with pytest.raises(TypeError):
        nexus.hex_encode("not bytes")
