"""nexus.crypto from Python: the RFC vectors in test-vectors/, Wycheproof (when present), and a
second implementation on pseudo-random inputs (hashlib, hmac, the `cryptography` package when
installed, b3sum when on PATH), plus the error contract."""
import concurrent.futures
import hashlib
import hmac
import random
import shutil
import struct
import subprocess

import pytest

import nexus
import nexus.crypto as nc
from conftest import load_shared, load_vectors
from nexus.crypto import AuthenticationError, ed25519_sign

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519 as c_ed25519
    from cryptography.hazmat.primitives.asymmetric import x25519 as c_x25519
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    HAVE_CRYPTOGRAPHY = True
except ImportError:  # the tests that need it skip
    HAVE_CRYPTOGRAPHY = False

needs_cryptography = pytest.mark.skipif(not HAVE_CRYPTOGRAPHY, reason="the cryptography package is not installed")
RAW = serialization.Encoding.Raw if HAVE_CRYPTOGRAPHY else None


def rng(seed):
    return random.Random(seed)


def case_ids(cases, key):
    return [str(c.get(key, i)) for i, c in enumerate(cases)]


# ---- the module itself ---------------------------------------------------------------------------


def test_import_forms():
    assert nexus.crypto is nc
    assert ed25519_sign is nc.ed25519_sign
    assert issubclass(AuthenticationError, ValueError)
    for name in nc.__all__:
        assert callable(getattr(nc, name))


# ---- SHA-2, HMAC, HKDF ---------------------------------------------------------------------------

SHA2 = load_vectors("sha2.json")["cases"]


@pytest.mark.parametrize("case", SHA2, ids=[f"{c['algorithm']}-{i}" for i, c in enumerate(SHA2)])
def test_sha2_fips180_4(case):
    msg = bytes.fromhex(case["repeat"]) * case["count"] if "repeat" in case else bytes.fromhex(case["msg"])
    fn = nc.sha256 if case["algorithm"] == "sha256" else nc.sha512
    assert fn(msg).hex() == case["digest"]


def test_sha2_against_hashlib():
    r = rng(1)
    for n in list(range(0, 260)) + [r.randrange(260, 5000) for _ in range(40)]:
        data = r.randbytes(n)
        assert nc.sha256(data) == hashlib.sha256(data).digest()
        assert nc.sha512(data) == hashlib.sha512(data).digest()


HMAC = load_vectors("hmac.json")["cases"]


@pytest.mark.parametrize("case", HMAC, ids=case_ids(HMAC, "comment"))
def test_hmac_rfc4231(case):
    key, data = bytes.fromhex(case["key"]), bytes.fromhex(case["data"])
    # Test Case 5 lists a truncated tag: compare the length given.
    for fn, field in ((nc.hmac_sha256, "hmac_sha256"), (nc.hmac_sha512, "hmac_sha512")):
        expect = bytes.fromhex(case[field])
        assert fn(key, data)[: len(expect)] == expect


def test_hmac_against_stdlib():
    r = rng(2)
    for _ in range(300):
        key, data = r.randbytes(r.randrange(0, 200)), r.randbytes(r.randrange(0, 400))
        assert nc.hmac_sha256(key, data) == hmac.new(key, data, "sha256").digest()
        assert nc.hmac_sha512(key, data) == hmac.new(key, data, "sha512").digest()


@pytest.mark.parametrize("name", ["hmac_sha256_test.json", "hmac_sha512_test.json"])
def test_hmac_wycheproof(name):
    fn = nc.hmac_sha256 if "256" in name else nc.hmac_sha512
    for group in load_shared(f"wycheproof/{name}")["testGroups"]:
        for t in group["tests"]:
            tag = fn(bytes.fromhex(t["key"]), bytes.fromhex(t["msg"]))[: group["tagSize"] // 8]
            assert (tag.hex() == t["tag"]) == (t["result"] == "valid"), t["tcId"]


HKDF_CASES = load_vectors("hkdf.json")["cases"]


@pytest.mark.parametrize("case", HKDF_CASES, ids=case_ids(HKDF_CASES, "comment"))
def test_hkdf_rfc5869(case):
    fn = nc.hkdf_sha256 if case["hash"] == "sha256" else nc.hkdf_sha512
    ikm, salt, info = (bytes.fromhex(case[k]) for k in ("ikm", "salt", "info"))
    assert fn(ikm, case["length"], salt, info).hex() == case["okm"]
    assert fn(ikm, case["length"], salt=salt, info=info).hex() == case["okm"]


@pytest.mark.parametrize("name", ["hkdf_sha256_test.json", "hkdf_sha512_test.json"])
def test_hkdf_wycheproof(name):
    fn = nc.hkdf_sha256 if "256" in name else nc.hkdf_sha512
    for group in load_shared(f"wycheproof/{name}")["testGroups"]:
        for t in group["tests"]:
            args = (bytes.fromhex(t["ikm"]), t["size"], bytes.fromhex(t["salt"]), bytes.fromhex(t["info"]))
            if t["result"] == "valid":
                assert fn(*args).hex() == t["okm"], t["tcId"]
            else:  # only "size too large" cases are invalid
                with pytest.raises(ValueError):
                    fn(*args)


@needs_cryptography
def test_hkdf_against_cryptography():
    r = rng(3)
    for i in range(200):
        algorithm, fn = (hashes.SHA256(), nc.hkdf_sha256) if i % 2 else (hashes.SHA512(), nc.hkdf_sha512)
        ikm, salt, info = r.randbytes(r.randrange(0, 80)), r.randbytes(r.randrange(0, 80)), r.randbytes(r.randrange(0, 80))
        length = r.randrange(1, 700)
        expect = HKDF(algorithm=algorithm, length=length, salt=salt or None, info=info).derive(ikm)
        assert fn(ikm, length, salt, info) == expect


def test_hkdf_lengths():
    assert len(nc.hkdf_sha256(b"k", 8160)) == 8160
    assert len(nc.hkdf_sha512(b"k", 16320)) == 16320
    assert nc.hkdf_sha256(b"k", 0) == b""
    with pytest.raises(ValueError):
        nc.hkdf_sha256(b"k", 8161)
    with pytest.raises(ValueError):
        nc.hkdf_sha512(b"k", 16321)
    # An empty salt is HashLen zero bytes (RFC 5869 §2.2).
    assert nc.hkdf_sha256(b"ikm", 42) == nc.hkdf_sha256(b"ikm", 42, salt=bytes(32))
    with pytest.raises(TypeError):
        nc.hkdf_sha256(b"k", -1)


# ---- BLAKE2b, BLAKE3 -----------------------------------------------------------------------------

BLAKE2B = load_vectors("blake2b.json")["cases"]


@pytest.mark.parametrize("case", BLAKE2B, ids=case_ids(BLAKE2B, "comment"))
def test_blake2b_rfc7693(case):
    expect = bytes.fromhex(case["out"])
    got = nc.blake2b(bytes.fromhex(case["in"]), digest_size=len(expect), key=bytes.fromhex(case["key"]))
    assert got == expect


def test_blake2b_against_hashlib():
    r = rng(4)
    for _ in range(300):
        data, key, size = r.randbytes(r.randrange(0, 600)), r.randbytes(r.randrange(0, 65)), r.randrange(1, 65)
        assert nc.blake2b(data, size, key) == hashlib.blake2b(data, digest_size=size, key=key).digest()
    assert nc.blake2b(b"abc") == hashlib.blake2b(b"abc", digest_size=32).digest()


def test_blake2b_errors():
    for size in (0, 65):
        with pytest.raises(ValueError):
            nc.blake2b(b"x", digest_size=size)
    with pytest.raises(ValueError):
        nc.blake2b(b"x", key=bytes(65))
    with pytest.raises(TypeError):
        nc.blake2b("text")


BLAKE3 = load_vectors("blake3.json")


@pytest.mark.parametrize("case", BLAKE3["cases"], ids=[str(c["input_len"]) for c in BLAKE3["cases"]])
def test_blake3_official_vectors(case):
    data = bytes(i % 251 for i in range(case["input_len"]))
    key = BLAKE3["key"].encode()
    context = BLAKE3["context_string"]
    for mode, fn in (
        ("hash", lambda n: nc.blake3(data, n)),
        ("keyed_hash", lambda n: nc.blake3(data, length=n, key=key)),
        ("derive_key", lambda n: nc.blake3_derive_key(context, data, n)),
    ):
        expect = bytes.fromhex(case[mode])
        assert fn(len(expect)) == expect, mode
        assert fn(32) == expect[:32], mode  # the default length is a prefix of the extended output
    assert nc.blake3(data) == bytes.fromhex(case["hash"])[:32]
    assert nc.blake3_derive_key(context.encode(), data) == bytes.fromhex(case["derive_key"])[:32]


@pytest.mark.skipif(shutil.which("b3sum") is None, reason="b3sum is not installed")
def test_blake3_against_b3sum(tmp_path):
    r = rng(5)
    inputs = [r.randbytes(n) for n in [0, 1, 64, 1023, 1024, 1025, 4096, 8193] + [r.randrange(0, 20000) for _ in range(52)]]
    files = []
    for i, data in enumerate(inputs):
        files.append(tmp_path / f"in{i}")
        files[-1].write_bytes(data)
    key = r.randbytes(32)
    context = "nexus 2024 bindings test context"

    def b3sum(*args, stdin=None):
        out = subprocess.run(["b3sum", "--no-names", "-l", "100", *args, *map(str, files)], input=stdin,
                             capture_output=True, check=True).stdout.decode().split()
        return [bytes.fromhex(h) for h in out]

    for data, plain, keyed, derived in zip(inputs, b3sum(), b3sum("--keyed", stdin=key),
                                           b3sum("--derive-key", context)):
        n = r.randrange(1, 101)
        assert nc.blake3(data, 100) == plain
        assert nc.blake3(data, n) == plain[:n]
        assert nc.blake3(data, 100, key) == keyed
        assert nc.blake3_derive_key(context, data, 100) == derived


def test_blake3_errors():
    assert nc.blake3(b"abc", 0) == b""
    assert len(nc.blake3(b"abc", 100000)) == 100000
    for bad in (bytes(31), bytes(33), b""):
        with pytest.raises(ValueError):
            nc.blake3(b"abc", key=bad)
    with pytest.raises(TypeError):
        nc.blake3("abc")
    with pytest.raises(TypeError):
        nc.blake3(b"abc", key="k" * 32)


# ---- Argon2id ------------------------------------------------------------------------------------

ARGON2ID = [c for c in load_vectors("argon2.json")["cases"] if c["type"] == "argon2id"]


@pytest.mark.parametrize("case", ARGON2ID, ids=case_ids(ARGON2ID, "comment"))
def test_argon2id_rfc9106(case):
    tag = nc.argon2id(
        bytes.fromhex(case["password"]), bytes.fromhex(case["salt"]), case["passes"], case["memory_kib"],
        parallelism=case["lanes"], length=len(case["tag"]) // 2, secret=bytes.fromhex(case["secret"]),
        ad=bytes.fromhex(case["ad"]),
    )
    assert tag.hex() == case["tag"]


def test_argon2id_parameters():
    pw, salt = b"password", b"somesalt"
    a = nc.argon2id(pw, salt, 1, 64)
    assert len(a) == 32
    assert nc.argon2id(pw, salt, 1, 64, length=4)[:4] != a[:4]  # the tag length is an input of H0
    assert nc.argon2id(pw, salt, 1, 64, secret=b"k") != a
    assert nc.argon2id(pw, salt, 1, 64, ad=b"x") != a
    assert nc.argon2id(pw, salt, 2, 64) != a
    assert nc.argon2id(pw, salt, 1, 64, parallelism=2) != a
    for kwargs in (
        dict(t_cost=0, m_cost_kib=64),
        dict(t_cost=1, m_cost_kib=7),
        dict(t_cost=1, m_cost_kib=15, parallelism=2),
        dict(t_cost=1, m_cost_kib=64, parallelism=0),
        dict(t_cost=1, m_cost_kib=64, parallelism=1 << 24),
        dict(t_cost=1, m_cost_kib=64, length=3),
    ):
        with pytest.raises(ValueError):
            nc.argon2id(pw, salt, **kwargs)
    with pytest.raises(ValueError):
        nc.argon2id(pw, b"short", 1, 64)
    with pytest.raises(TypeError):
        nc.argon2id("password", salt, 1, 64)


def test_argon2id_from_threads():
    # The GIL is released while it runs; results must not depend on the interleaving.
    pw, salt = b"correct horse", b"battery staple"
    expect = nc.argon2id(pw, salt, 2, 256, parallelism=2)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: nc.argon2id(pw, salt, 2, 256, parallelism=2), range(8)))
    assert results == [expect] * 8


# ---- AEAD ----------------------------------------------------------------------------------------


def hchacha20(key, nonce16):
    """HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2), written from the draft for the XChaCha check."""
    mask = 0xFFFFFFFF

    def quarter(s, a, b, c, d):
        for x, y, z, rot in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8), (c, d, b, 7)):
            s[x] = (s[x] + s[y]) & mask
            v = s[z] ^ s[x]
            s[z] = ((v << rot) | (v >> (32 - rot))) & mask

    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *struct.unpack("<8I", key), *struct.unpack("<4I", nonce16)]
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                           (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
            quarter(s, a, b, c, d)
    return struct.pack("<8I", *s[0:4], *s[12:16])


def test_hchacha20_helper_matches_its_vector():
    for c in load_vectors("hchacha20.json")["cases"]:
        assert hchacha20(bytes.fromhex(c["key"]), bytes.fromhex(c["input"])).hex() == c["output"]


@pytest.mark.parametrize("name", ["chacha20_poly1305.json", "xchacha20_poly1305.json"])
def test_aead_vectors(name):
    for c in load_vectors(name)["cases"]:
        key, nonce, ad, pt = (bytes.fromhex(c[k]) for k in ("key", "nonce", "aad", "plaintext"))
        sealed = bytes.fromhex(c["ciphertext"] + c["tag"])
        assert nc.aead_seal(key, nonce, pt, ad) == sealed
        assert nc.aead_open(key, nonce, sealed, ad) == pt
        assert nc.aead_open(key, nonce, sealed, ad=ad) == pt
        for i in (0, len(sealed) // 2, len(sealed) - 1):
            bad = bytearray(sealed)
            bad[i] ^= 1
            with pytest.raises(AuthenticationError):
                nc.aead_open(key, nonce, bytes(bad), ad)
        with pytest.raises(AuthenticationError):
            nc.aead_open(key, nonce, sealed)  # the ad is authenticated too
        with pytest.raises(AuthenticationError):
            nc.aead_open(key, nonce[:-1] + bytes([nonce[-1] ^ 1]), sealed, ad)


@pytest.mark.parametrize("name,nonce_bits", [("chacha20_poly1305_test.json", 96), ("xchacha20_poly1305_test.json", 192)])
def test_aead_wycheproof(name, nonce_bits):
    for group in load_shared(f"wycheproof/{name}")["testGroups"]:
        for t in group["tests"]:
            key, nonce, ad, msg = (bytes.fromhex(t[k]) for k in ("key", "iv", "aad", "msg"))
            sealed = bytes.fromhex(t["ct"] + t["tag"])
            if group["ivSize"] != nonce_bits:
                # Another nonce size: refused, unless it selects the other construction.
                assert t["result"] == "invalid"
                if len(nonce) not in (12, 24):
                    with pytest.raises(ValueError):
                        nc.aead_seal(key, nonce, msg, ad)
                continue
            if t["result"] == "valid":
                assert nc.aead_seal(key, nonce, msg, ad) == sealed, t["tcId"]
                assert nc.aead_open(key, nonce, sealed, ad) == msg, t["tcId"]
            else:
                with pytest.raises(AuthenticationError):
                    nc.aead_open(key, nonce, sealed, ad)


@needs_cryptography
def test_chacha20poly1305_against_cryptography():
    r = rng(6)
    for _ in range(300):
        key, nonce = r.randbytes(32), r.randbytes(12)
        pt, ad = r.randbytes(r.randrange(0, 600)), r.randbytes(r.randrange(0, 60))
        sealed = ChaCha20Poly1305(key).encrypt(nonce, pt, ad)
        assert nc.aead_seal(key, nonce, pt, ad) == sealed
        assert nc.aead_open(key, nonce, sealed, ad) == pt


@needs_cryptography
def test_xchacha20poly1305_against_hchacha20_and_cryptography():
    # XChaCha20-Poly1305 = ChaCha20-Poly1305 under HChaCha20(key, nonce[:16]), nonce 0^4 || nonce[16:].
    r = rng(7)
    for _ in range(200):
        key, nonce = r.randbytes(32), r.randbytes(24)
        pt, ad = r.randbytes(r.randrange(0, 600)), r.randbytes(r.randrange(0, 60))
        sealed = ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(bytes(4) + nonce[16:], pt, ad)
        assert nc.aead_seal(key, nonce, pt, ad) == sealed
        assert nc.aead_open(key, nonce, sealed, ad) == pt


def test_aead_errors():
    key = bytes(range(32))
    for nonce in (bytes(12), bytes(24)):
        assert nc.aead_open(key, nonce, nc.aead_seal(key, nonce, b"")) == b""
        assert len(nc.aead_seal(key, nonce, b"abc", b"ad")) == 3 + 16
        with pytest.raises(ValueError) as e:
            nc.aead_open(key, nonce, bytes(15))
        assert not isinstance(e.value, AuthenticationError)  # too short to hold a tag
        with pytest.raises(AuthenticationError):
            nc.aead_open(key, nonce, bytes(16))
        for bad_key in (bytes(31), bytes(33)):
            with pytest.raises(ValueError):
                nc.aead_seal(bad_key, nonce, b"m")
            with pytest.raises(ValueError):
                nc.aead_open(bad_key, nonce, bytes(20))
    for bad_nonce in (b"", bytes(8), bytes(13), bytes(23), bytes(25)):
        with pytest.raises(ValueError):
            nc.aead_seal(key, bad_nonce, b"m")
        with pytest.raises(ValueError):
            nc.aead_open(key, bad_nonce, bytes(20))
    # The two constructions are different ciphers.
    assert nc.aead_seal(key, bytes(12), b"m") != nc.aead_seal(key, bytes(24), b"m")
    with pytest.raises(TypeError):
        nc.aead_seal(key, bytes(12), "text")
    with pytest.raises(TypeError):
        nc.aead_seal(bytearray(key), bytes(12), b"m")


# ---- X25519 --------------------------------------------------------------------------------------

X25519 = load_vectors("x25519.json")["cases"]

# u = 0, 1, p - 1 (orders 1, 4, 2), the non-canonical p and p + 1, and the two order-8 points.
X25519_LOW_ORDER = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
]


@pytest.mark.parametrize("case", X25519, ids=case_ids(X25519, "name"))
def test_x25519_rfc7748(case):
    if case["type"] == "function":
        assert nc.x25519(bytes.fromhex(case["scalar"]), bytes.fromhex(case["u"])).hex() == case["output"]
    elif case["type"] == "iterated":
        if case["iterations"] > 1000:
            pytest.skip("the 1,000,000-iteration value is left to the C++ suite")
        k = u = (9).to_bytes(32, "little")
        for _ in range(case["iterations"]):
            k, u = nc.x25519(k, u), k
        assert k.hex() == case["output"]
    else:
        a, b = bytes.fromhex(case["alice_secret"]), bytes.fromhex(case["bob_secret"])
        assert nc.x25519_public_key(a).hex() == case["alice_public"]
        assert nc.x25519_public_key(b).hex() == case["bob_public"]
        assert nc.x25519(a, bytes.fromhex(case["bob_public"])).hex() == case["shared"]
        assert nc.x25519(b, bytes.fromhex(case["alice_public"])).hex() == case["shared"]


def test_x25519_wycheproof():
    for group in load_shared("wycheproof/x25519_test.json")["testGroups"]:
        for t in group["tests"]:
            secret, public = bytes.fromhex(t["private"]), bytes.fromhex(t["public"])
            if "ZeroSharedSecret" in t["flags"]:
                with pytest.raises(ValueError):
                    nc.x25519(secret, public)
            else:  # valid, and acceptable ones (twist points, non-canonical u) that RFC 7748 computes
                assert nc.x25519(secret, public).hex() == t["shared"], t["tcId"]


def test_x25519_weak_and_bad_lengths():
    k = bytes([0x42]) * 32
    for u in X25519_LOW_ORDER:
        with pytest.raises(ValueError):
            nc.x25519(k, bytes.fromhex(u))
    for bad in (bytes(31), bytes(33)):
        with pytest.raises(ValueError):
            nc.x25519(bad, bytes(32))
        with pytest.raises(ValueError):
            nc.x25519(k, bad)
        with pytest.raises(ValueError):
            nc.x25519_public_key(bad)
    with pytest.raises(TypeError):
        nc.x25519_public_key(None)


@needs_cryptography
def test_x25519_against_cryptography():
    r = rng(8)
    for _ in range(200):
        a, b = r.randbytes(32), r.randbytes(32)
        ca, cb = c_x25519.X25519PrivateKey.from_private_bytes(a), c_x25519.X25519PrivateKey.from_private_bytes(b)
        pa = ca.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
        pb = cb.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
        assert nc.x25519_public_key(a) == pa
        assert nc.x25519(a, pb) == ca.exchange(c_x25519.X25519PublicKey.from_public_bytes(pb)) == nc.x25519(b, pa)
        # An arbitrary u (mostly not on the curve: on the twist) is computed the same way.
        u = r.randbytes(32)
        try:
            expect = ca.exchange(c_x25519.X25519PublicKey.from_public_bytes(u))
        except ValueError:  # all-zero output; practically never for random u
            continue
        assert nc.x25519(a, u) == expect


# ---- Ed25519 -------------------------------------------------------------------------------------

ED25519 = load_vectors("ed25519.json")["cases"]


@pytest.mark.parametrize("case", ED25519, ids=case_ids(ED25519, "name"))
def test_ed25519_rfc8032(case):
    seed, msg = bytes.fromhex(case["secret_key"]), bytes.fromhex(case["message"])
    public, secret = nc.ed25519_keypair(seed)
    assert public.hex() == case["public_key"]
    assert secret == seed + public
    sig = ed25519_sign(secret, msg)
    assert sig.hex() == case["signature"]
    assert nc.ed25519_verify(public, msg, sig) is True
    assert nc.ed25519_verify(public, msg + b"\0", sig) is False
    for i in (0, 31, 32, 63):
        bad = bytearray(sig)
        bad[i] ^= 0x20
        assert nc.ed25519_verify(public, msg, bytes(bad)) is False
    # S + L: the same scalar, not canonical — refused (RFC 8032 §5.1.7).
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(sig[32:], "little") + order
    assert nc.ed25519_verify(public, msg, sig[:32] + s.to_bytes(32, "little")) is False
    # Key conversion: both halves map to the same X25519 key pair.
    assert nc.x25519_public_key(nc.ed25519_secret_to_x25519(secret)) == nc.ed25519_public_to_x25519(public)


def test_ed25519_wycheproof():
    for group in load_shared("wycheproof/ed25519_test.json")["testGroups"]:
        public = bytes.fromhex(group["publicKey"]["pk"])
        for t in group["tests"]:
            msg, sig = bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"])
            if len(sig) != 64:
                assert t["result"] == "invalid"
                with pytest.raises(ValueError):
                    nc.ed25519_verify(public, msg, sig)
            else:
                assert nc.ed25519_verify(public, msg, sig) == (t["result"] == "valid"), t["tcId"]


@needs_cryptography
def test_ed25519_against_cryptography():
    r = rng(9)
    for _ in range(200):
        seed, msg = r.randbytes(32), r.randbytes(r.randrange(0, 300))
        key = c_ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        expect_public = key.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
        public, secret = nc.ed25519_keypair(seed)
        assert public == expect_public
        sig = nc.ed25519_sign(secret, msg)
        assert sig == key.sign(msg)  # deterministic: the same bytes
        key.public_key().verify(sig, msg)
        assert nc.ed25519_verify(public, msg, sig)
        bad = bytearray(sig)
        bad[r.randrange(64)] ^= 1 << r.randrange(8)
        with pytest.raises(InvalidSignature):
            key.public_key().verify(bytes(bad), msg)
        assert not nc.ed25519_verify(public, msg, bytes(bad))


@needs_cryptography
def test_ed25519_to_x25519_key_agreement():
    r = rng(10)
    for _ in range(100):
        pa, sa = nc.ed25519_keypair(r.randbytes(32))
        pb, sb = nc.ed25519_keypair(r.randbytes(32))
        xa, xb = nc.ed25519_secret_to_x25519(sa), nc.ed25519_secret_to_x25519(sb)
        xpa, xpb = nc.ed25519_public_to_x25519(pa), nc.ed25519_public_to_x25519(pb)
        assert nc.x25519(xa, xpb) == nc.x25519(xb, xpa)
        # The converted secret is a valid X25519 secret for an independent implementation too.
        ca = c_x25519.X25519PrivateKey.from_private_bytes(xa)
        assert ca.public_key().public_bytes(RAW, serialization.PublicFormat.Raw) == xpa


ED25519_SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


def test_ed25519_errors():
    public, secret = nc.ed25519_keypair(bytes(32))
    sig = nc.ed25519_sign(secret, b"m")
    for pk in ED25519_SMALL_ORDER:
        pk = bytes.fromhex(pk)
        with pytest.raises(ValueError):
            nc.ed25519_public_to_x25519(pk)
        assert nc.ed25519_verify(pk, b"m", pk + bytes(32)) is False
    for bad in (bytes(31), bytes(33)):
        with pytest.raises(ValueError):
            nc.ed25519_keypair(bad)
        with pytest.raises(ValueError):
            nc.ed25519_verify(bad, b"m", sig)
        with pytest.raises(ValueError):
            nc.ed25519_public_to_x25519(bad)
    for bad in (bytes(32), bytes(63), bytes(65)):
        with pytest.raises(ValueError):
            nc.ed25519_sign(bad, b"m")
        with pytest.raises(ValueError):
            nc.ed25519_secret_to_x25519(bad)
    for bad in (sig[:63], sig + b"\0", b""):
        with pytest.raises(ValueError):
            nc.ed25519_verify(public, b"m", bad)
    with pytest.raises(TypeError):
        nc.ed25519_sign(secret, "m")
    with pytest.raises(TypeError):
        nc.ed25519_verify(public, b"m", None)
