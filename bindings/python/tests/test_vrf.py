"""ECVRF-EDWARDS25519-SHA512-TAI from Python: RFC 9381 vectors and random cases from the
pure-Python RFC reference (test-vectors/ecvrf.json, ecvrf_random.json)."""
import pytest

from conftest import load_vectors
from nexus import crypto


def cases():
    return load_vectors("ecvrf.json")["cases"] + [
        c for c in load_vectors("ecvrf_random.json")["cases"] if "pi" in c and "sk" in c
    ]


@pytest.mark.parametrize("case", cases())
def test_vectors(case):
    sk = bytes.fromhex(case["sk"])
    pk, secret = crypto.ed25519_keypair(sk)
    assert pk.hex() == case["pk"]
    alpha = bytes.fromhex(case["alpha"])
    proof = crypto.vrf_prove(secret, alpha)
    assert proof.hex() == case["pi"]
    assert crypto.vrf_verify(pk, proof, alpha).hex() == case["beta"]
    assert crypto.vrf_proof_to_hash(proof).hex() == case["beta"]


def test_rejections_and_errors():
    pk, secret = crypto.ed25519_keypair(bytes(range(32)))
    proof = crypto.vrf_prove(secret, b"alpha")
    assert crypto.vrf_verify(pk, proof, b"alpha") is not None
    assert crypto.vrf_verify(pk, proof, b"alphb") is None
    for i in (0, 33, 50, 79):
        bad = bytearray(proof)
        bad[i] ^= 1
        assert crypto.vrf_verify(pk, bytes(bad), b"alpha") is None
    other, _ = crypto.ed25519_keypair(bytes(32))
    assert crypto.vrf_verify(other, proof, b"alpha") is None
    with pytest.raises(ValueError):
        crypto.vrf_prove(secret[:32], b"x")
    with pytest.raises(ValueError):
        crypto.vrf_verify(pk, proof[:79], b"x")
    with pytest.raises(ValueError):
        crypto.vrf_proof_to_hash(b"\xff" * 80)
